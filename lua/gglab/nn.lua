--[[ lua/gglab/nn.lua — layer specs and model builders on top of gg.nn.sequential (C).
  A layer spec is a plain table: gg.nn.linear(10, 32) → {kind="linear", ["in"]=10, out=32},
  gg.nn.relu() → {kind="relu"}. gg.nn.mlp{10, 32, 1, activation="relu"} builds
  Linear(10,32) → ReLU → Linear(32,1), PyTorch-initialised from the default generator
  (or seed=/rng=). ]]
local gg = require "gglab"

local M = {}

local ACTIVATIONS = { relu = true, sigmoid = true, tanh = true }

local function describe(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  if type(v) == "number" then return gg.fmt_number(v) end
  return tostring(v == nil and "nil" or "a " .. type(v))
end

-- A width as an integer (8.0 is accepted as 8); level 3 blames the caller's caller.
local function check_width(fname, what, v)
  local n = math.type(v) and math.tointeger(v)
  if not n or n < 1 then
    error(string.format("%s: %s must be a positive integer, got %s", fname, what, describe(v)), 3)
  end
  return n
end

function M.linear(n_in, n_out)
  n_in = check_width("gg.nn.linear", "in_features", n_in)
  n_out = check_width("gg.nn.linear", "out_features", n_out)
  return { kind = "linear", ["in"] = n_in, out = n_out }
end

function M.relu() return { kind = "relu" } end
function M.sigmoid() return { kind = "sigmoid" } end
function M.tanh() return { kind = "tanh" } end

local MLP_KEYS = { activation = true, output_activation = true, seed = true, rng = true }

--[[ gg.nn.mlp{w0, w1, ..., wn, activation="relu", output_activation=nil, seed=, rng=}:
  Linear(w0,w1) act Linear(w1,w2) act ... Linear(w(n-1), wn) [output_activation]. ]]
function M.mlp(spec)
  local f = "gg.nn.mlp"
  if type(spec) ~= "table" then
    error(f .. ": expected a table {in, hidden..., out, activation=...}, got " .. describe(spec), 2)
  end
  for k in pairs(spec) do
    if math.type(k) ~= "integer" and not MLP_KEYS[k] then
      error(string.format("%s: unknown option '%s' (allowed: activation, output_activation, seed, rng)",
        f, tostring(k)), 2)
    end
  end
  local n = #spec
  if n < 2 then error(f .. ": needs at least two widths {in, out}, got " .. n, 2) end
  local widths = {}
  for i = 1, n do widths[i] = check_width(f, "width " .. i, spec[i]) end
  local seed = spec.seed
  if seed ~= nil and not (math.type(seed) and math.tointeger(seed) and seed >= 0) then
    error(f .. ": seed must be a non-negative integer, got " .. describe(seed), 2)
  end
  local rng = spec.rng
  local mt = rng ~= nil and getmetatable(rng)
  if rng ~= nil and not (type(mt) == "table" and mt.__name == "gglab.Rng") then
    error(f .. ": rng must be a gglab.Rng (gg.rng(seed)), got " .. describe(rng), 2)
  end
  local act = spec.activation or "relu"
  if not ACTIVATIONS[act] then
    error(f .. ": activation must be one of 'relu', 'sigmoid', 'tanh', got " .. describe(act), 2)
  end
  local out_act = spec.output_activation
  if out_act ~= nil and not ACTIVATIONS[out_act] then
    error(f .. ": output_activation must be one of 'relu', 'sigmoid', 'tanh' or nil, got "
      .. describe(out_act), 2)
  end
  local layers = {}
  for i = 1, n - 1 do
    layers[#layers + 1] = { kind = "linear", ["in"] = widths[i], out = widths[i + 1] }
    if i < n - 1 then layers[#layers + 1] = { kind = act } end
  end
  if out_act then layers[#layers + 1] = { kind = out_act } end
  return gg.nn.sequential(layers, { seed = seed and math.tointeger(seed), rng = rng })
end

return M
