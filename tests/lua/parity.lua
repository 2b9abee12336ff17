--[[ tests/lua/parity.lua — shared helpers of the PyTorch parity tests (test_parity_*.lua).

  local P = require "parity"
  local fx = P.load("optim", "sgd_momentum")          -- tests/parity/fixtures/optim/sgd_momentum.lua
  local model = P.model(fx)                           -- gg.nn.sequential(fx.layers) with fx.params loaded
  local x, y = P.batch(fx, step)                      -- tensors of step's batch rows
  P.check_run(T, fx, losses, lrs, model)              -- compare against the fixture, record worst errors
  P.report()                                          -- print worst relative errors per component

  Tolerances (issue 4): per-step loss relative error <= 1e-4; final parameters
  |d| <= 1e-4 * max(1, |p|); learning rate per step equal up to float rounding (1e-6
  relative, since torch's LR is a Python double and ours too). ]]
local gg = require "gglab"

local P = {}
P.LOSS_RTOL, P.PARAM_TOL, P.LR_RTOL = 1e-4, 1e-4, 1e-6

local worst = {}  -- component -> {loss=, param=, lr=}

function P.load(area, name)
  local path = string.format("tests/parity/fixtures/%s/%s.lua", area, name)
  local fx = assert(dofile(path))
  fx.area = area
  return fx
end

-- Fixture names of an area, sorted (via gg.fs.listdir).
function P.list(area)
  local names = {}
  for _, f in ipairs(gg.fs.listdir("tests/parity/fixtures/" .. area) or {}) do
    local n = f:match("^(.*)%.lua$")
    if n then names[#names + 1] = n end
  end
  return names
end

-- {rows, cols, {flat}} -> gglab.Tensor
function P.tensor(t)
  local rows, cols, flat = t[1], t[2], t[3]
  local out = gg.tensor(rows, cols)
  for i = 1, rows do
    for j = 1, cols do out:set(i, j, flat[(i - 1) * cols + j]) end
  end
  return out
end

function P.model(fx)
  local m = gg.nn.sequential(fx.layers)
  local ps = {}
  for i, p in ipairs(fx.params) do ps[i] = P.tensor(p) end
  m:load_parameters(ps)
  return m
end

-- Rows of fx.x / fx.y for one step's batch, as tensors.
function P.batch(fx, step)
  local idx = fx.batches[step]
  local function take(t)
    local cols, flat = t[2], t[3]
    local out = gg.tensor(#idx, cols)
    for r, i in ipairs(idx) do
      for j = 1, cols do out:set(r, j, flat[(i - 1) * cols + j]) end
    end
    return out
  end
  return take(fx.x), take(fx.y)
end

local function rel(a, b)
  if a == b then return 0 end
  if a ~= a or b ~= b then return math.huge end
  return math.abs(a - b) / math.max(math.abs(b), 1e-30)
end

local function note(component, what, err)
  local w = worst[component] or {}
  worst[component] = w
  if not w[what] or err > w[what] then w[what] = err end
end

--[[ check_run(T, fx, losses, lrs, model [, component]): per-step losses and lrs (lists,
  same length as fx.losses; lrs may be nil) and the model's final parameters against the
  fixture. Records the worst errors under component (default fx.area .. "/" .. fx.name). ]]
function P.check_run(T, fx, losses, lrs, model, component)
  component = component or (fx.area .. "/" .. fx.name)
  T.eq(component .. ": step count", #losses, #fx.losses)
  local wl = 0
  for s = 1, math.min(#losses, #fx.losses) do wl = math.max(wl, rel(losses[s], fx.losses[s])) end
  note(component, "loss", wl)
  T.ok(string.format("%s: per-step loss rel err %.3g <= %g", component, wl, P.LOSS_RTOL), wl <= P.LOSS_RTOL)
  if lrs and fx.lrs then
    local wr = 0
    for s = 1, math.min(#lrs, #fx.lrs) do wr = math.max(wr, rel(lrs[s], fx.lrs[s])) end
    note(component, "lr", wr)
    T.ok(string.format("%s: lr rel err %.3g <= %g", component, wr, P.LR_RTOL), wr <= P.LR_RTOL)
  end
  if model and fx.final then
    local wp = 0
    for k, p in ipairs(model:parameters()) do
      local want = fx.final[k]
      local cols, flat = want[2], want[3]
      for i = 1, want[1] do
        for j = 1, cols do
          local w = flat[(i - 1) * cols + j]
          wp = math.max(wp, math.abs(p:get(i, j) - w) / math.max(1, math.abs(w)))
        end
      end
    end
    note(component, "param", wp)
    T.ok(string.format("%s: final params |d|/max(1,|p|) %.3g <= %g", component, wp, P.PARAM_TOL),
      wp <= P.PARAM_TOL)
  end
end

-- Record an extra compared quantity (e.g. "norm") for the report.
function P.note(component, what, err) note(component, what, err) end
P.rel = rel

-- ---- tensors against fixture tensors ({rows, cols, flat}) ----

-- A gglab.Tensor's values as a flat row-major list.
function P.flat(t)
  local out = {}
  for _, row in ipairs(t:totable()) do
    for _, v in ipairs(row) do out[#out + 1] = v end
  end
  return out
end

--[[ P.err(got, want, floor) -> the worst error of got (gglab.Tensor) against want: max over
  elements of |got - want| / max(|want|, floor * max|want|) (relative per element, except
  that elements below floor of the tensor's largest are compared on that scale, as
  torch.allclose's rtol + atol); math.huge on a shape mismatch or a NaN. ]]
function P.err(got, want, floor)
  if got:rows() ~= want[1] or got:cols() ~= want[2] then return math.huge end
  local g, w = P.flat(got), want[3]
  local scale = 0
  for _, v in ipairs(w) do scale = math.max(scale, math.abs(v)) end
  local e = 0
  for i, v in ipairs(w) do
    local d = math.abs(g[i] - v)
    if d ~= 0 then e = math.max(e, d / math.max(math.abs(v), floor * scale, 1e-30)) end
    if g[i] ~= g[i] then e = math.huge end
  end
  return e
end

-- P.check_err(T, comp, what, got, want, tol, floor): assert P.err <= tol, noted for the report.
function P.check_err(T, comp, what, got, want, tol, floor)
  local e = P.err(got, want, floor)
  note(comp, what, e)
  T.ok(string.format("%s: %s err %.3g <= %g", comp, what, e, tol), e <= tol)
  return e
end

-- The n x n identity (the input-gradient "lift" layers feed it).
function P.eye(n)
  local t = gg.tensor(n, n)
  for i = 1, n do t:set(i, i, 1) end
  return t
end

-- Print the worst errors per component, sorted by name.
function P.report()
  local names = {}
  for k in pairs(worst) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    local parts = {}
    local keys = {}
    for what in pairs(worst[k]) do keys[#keys + 1] = what end
    table.sort(keys)
    for _, what in ipairs(keys) do parts[#parts + 1] = string.format("%s %.2e", what, worst[k][what]) end
    print(string.format("parity %-40s %s", k, table.concat(parts, "  ")))
  end
end

return P
