-- tests/lua/test_parity_safetensors.lua — safetensors files both ways with PyTorch 1.13
-- (fixtures: tests/parity/gen_safetensors.py; gglab's side: tests/parity/gglab_safetensors.lua).
-- torch -> gglab: each torch state_dict file (MLP, BatchNorm1d, CNN with BatchNorm2d, 2-layer
-- LSTM, GRU) loads strictly into the gglab model; every parameter and buffer equals the
-- file's bytes; the eval-mode output on the fixture's batch matches torch's. gglab -> torch:
-- the gglab script rewrites its files byte for byte (torch loaded exactly these with
-- load_state_dict(strict=True)), its names are torch's state_dict keys, and gglab's output
-- with them matches torch's output with them.

local T = require "check"
local P = require "parity"
local gg = require "gglab"
local cases = dofile("tests/parity/gglab_safetensors.lua")

local DIR = "tests/parity/fixtures/safetensors"
local TOL = 1e-5
local tmp = T.tmpdir()
cases.write(tmp)

local function close(name, got, want)
  local worst = 0
  local g, w = got:totable(), P.tensor(want):totable()
  T.eq(name .. ": shape", { got:shape() }, { #w, #w[1] })
  for i = 1, #w do
    for j = 1, #w[1] do
      local d = math.abs(g[i][j] - w[i][j]) / math.max(1, math.abs(w[i][j]))
      if d > worst then worst = d end
    end
  end
  T.ok(string.format("%s: worst relative error %.3g <= %g", name, worst, TOL), worst <= TOL)
end

for _, name in ipairs(cases.NAMES) do
  local fx = P.load("safetensors", name)
  local x = P.tensor(fx.x)

  -- torch -> gglab
  local m = cases.build(name, 1)
  local tpath = DIR .. "/torch_" .. name .. ".safetensors"
  m:load(tpath)
  local t = gg.load(tpath)
  local pnames, params = m:parameter_names(), m:parameters()
  for k, n in ipairs(pnames) do
    T.ok(name .. ": " .. n .. " byte for byte", params[k]:bytes() == t[n]:bytes())
  end
  local bnames, bufs = m:buffer_names(), m:buffers()
  for k, b in ipairs(bufs) do
    T.ok(name .. ": " .. bnames[k] .. " byte for byte", b:bytes() == t[bnames[k]]:bytes())
  end
  m:eval()
  close(name .. " torch -> gglab output", m:forward(x), fx.torch_out)

  -- gglab -> torch
  local gpath = DIR .. "/gglab_" .. name .. ".safetensors"
  T.eq(name .. ": gglab's file rewritten byte for byte", T.read(tmp .. "/gglab_" .. name .. ".safetensors"),
    T.read(gpath))
  local all = {}
  for _, n in ipairs(m:parameter_names()) do all[#all + 1] = n end
  for _, n in ipairs(m:buffer_names()) do all[#all + 1] = n end
  local want = {}
  for _, n in ipairs(fx.names) do want[#want + 1] = n end
  table.sort(all)
  table.sort(want)
  T.eq(name .. ": gglab's names are torch's state_dict keys", all, want)
  local g = cases.build(name, 2)
  g:load(gpath)
  g:eval()
  close(name .. " gglab -> torch output", g:forward(x), fx.gglab_out)
end

T.rmtree(tmp)
T.done()
