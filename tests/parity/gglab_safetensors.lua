--[[ tests/parity/gglab_safetensors.lua — the gglab side of the safetensors round trip with
  PyTorch (tests/parity/gen_safetensors.py, tests/lua/test_parity_safetensors.lua).

  As a module: M.NAMES, M.build(name, seed) -> the gglab model of each case (the torch
  modules of gen_safetensors.py, layer for layer), M.write(dir) -> saves
  dir/gglab_<name>.safetensors for every case. As a script (`lua5.4
  tests/parity/gglab_safetensors.lua DIR`, LUA_CPATH reaching build/gglab.so): M.write(DIR).
  gen_safetensors.py runs it to produce the checked-in files it loads into torch; the test
  runs M.write again and requires the same bytes. ]]
local gg = require "gglab"

local M = {}

M.NAMES = { "mlp", "bn", "cnn", "lstm", "gru", "transformer" }

function M.build(name, seed)
  local nn = gg.nn
  if name == "mlp" then
    return nn.sequential({ nn.linear(4, 8), nn.relu(), nn.linear(8, 3) }, { seed = seed })
  elseif name == "bn" then
    return nn.sequential({ nn.linear(4, 8), nn.batchnorm1d(8), nn.relu(), nn.linear(8, 3) }, { seed = seed })
  elseif name == "cnn" then
    return nn.sequential({ nn.conv2d(1, 4, 3), nn.batchnorm2d(4), nn.relu(), nn.maxpool2d(2), nn.flatten(),
      nn.linear(36, 3) }, { input = { 1, 8, 8 }, seed = seed })
  elseif name == "lstm" then
    return nn.sequential({ nn.lstm(3, 5, { num_layers = 2, ["return"] = "last" }), nn.linear(5, 2) },
      { input = { 4, 3 }, seed = seed })
  elseif name == "gru" then
    return nn.sequential({ nn.gru(3, 5, { ["return"] = "last" }), nn.linear(5, 2) }, { input = { 4, 3 }, seed = seed })
  elseif name == "transformer" then
    return nn.sequential({ nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16, dropout = 0 }), nn.linear(8, 3) },
      { input = { 5, 8 }, seed = seed })
  end
  error("gglab_safetensors: no case " .. tostring(name))
end

-- Each case's model with seed 7; the BatchNorm ones after three training forwards on
-- N(0, 4) batches, so that their running statistics are not the initial 0 and 1.
function M.write(dir)
  for _, name in ipairs(M.NAMES) do
    local m = M.build(name, 7)
    local rng = gg.rng(13)
    local width = 1
    for _, d in ipairs(m:input_shape()) do width = width * d end
    for _ = 1, 3 do
      local x = gg.tensor(6, width)
      for i = 1, 6 do for j = 1, width do x:set(i, j, 2 * rng:normal() + 0.5) end end
      m:forward(x)
    end
    m:save(dir .. "/gglab_" .. name .. ".safetensors")
  end
end

if arg and arg[0] and arg[0]:find("gglab_safetensors%.lua$") and arg[1] then M.write(arg[1]) end

return M
