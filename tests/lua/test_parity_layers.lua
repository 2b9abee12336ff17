-- tests/lua/test_parity_layers.lua — activations, BatchNorm1d, Dropout and initialisations
-- against PyTorch 1.13 fixtures (tests/parity/gen_layers.py).
-- Training fixtures are replayed with a manual loop (forward, gg.loss, backward, SGD step);
-- Dropout replays torch's recorded keep masks through model:dropout_mask (the generators
-- differ, so masks cannot match otherwise), and a fixture with a dropout is also checked
-- with gg.train (no replay) only for running — its own masks give other losses.
-- BatchNorm fixtures compare the running statistics after training and the eval-mode
-- output. init_moments compares each init's distribution (mean, sd, max |w|) with torch's.

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local function max_rel(got, want)  -- got: gglab.Tensor; want: {rows, cols, flat}
  local w = 0
  local cols, flat = want[2], want[3]
  for i = 1, want[1] do
    for j = 1, cols do
      local v = flat[(i - 1) * cols + j]
      w = math.max(w, math.abs(got:get(i, j) - v) / math.max(1, math.abs(v)))
    end
  end
  return w
end

local names = P.list("layers")
local trained = 0
for _, name in ipairs(names) do
  if name ~= "init_moments" then
    local fx = P.load("layers", name)
    local comp = "layers/" .. name
    local model = P.model(fx)
    T.eq(comp .. ": starts in training mode", model:training(), true)
    local opt = gg.optim[fx.config.optimizer](model, { lr = fx.config.lr })
    -- The dropout layer's index, if any.
    local drop
    for i, l in ipairs(model:layers()) do
      if l.kind == "dropout" then drop = i end
    end
    local losses, lrs = {}, {}
    for s = 1, #fx.batches do
      local x, y = P.batch(fx, s)
      if drop then model:dropout_mask(drop, P.tensor(fx.extra.masks[s])) end
      model:zero_grad()
      local loss = gg.loss[fx.config.loss](model:forward(x), y)
      loss:backward()
      lrs[s] = opt:lr()
      opt:step()
      losses[s] = loss:item()
    end
    P.check_run(T, fx, losses, lrs, model, comp)
    trained = trained + 1
    if fx.extra and fx.extra.buffers then
      local bufs = model:buffers()
      T.eq(comp .. ": buffer count", #bufs, #fx.extra.buffers)
      local wb = 0
      for k, b in ipairs(fx.extra.buffers) do
        if bufs[k] then wb = math.max(wb, max_rel(bufs[k], b)) end
      end
      P.note(comp, "buffers", wb)
      T.ok(string.format("%s: running stats |d|/max(1,|v|) %.3g <= %g", comp, wb, P.PARAM_TOL), wb <= P.PARAM_TOL)
      model:eval()
      T.eq(comp .. ": eval mode", model:training(), false)
      local out = model:forward(P.tensor(fx.x))
      local we = max_rel(out, fx.extra.eval_out)
      P.note(comp, "eval_out", we)
      T.ok(string.format("%s: eval-mode output |d|/max(1,|y|) %.3g <= %g", comp, we, P.PARAM_TOL), we <= P.PARAM_TOL)
      -- Eval mode is deterministic and does not touch the buffers.
      local again = model:forward(P.tensor(fx.x))
      T.eq(comp .. ": eval output repeats", again:totable(), out:totable())
      T.eq(comp .. ": eval leaves buffers", model:buffers()[1] and model:buffers()[1]:totable(),
        bufs[1] and bufs[1]:totable())
      model:train()
    end
  end
end
T.ok("layer fixtures present (13 activations, 2 batchnorm, 1 dropout)", trained >= 16)

-- Dropout without replay: gg's own masks train too (not the same losses as torch).
do
  local fx = P.load("layers", "dropout")
  local model = P.model(fx)
  model:seed_dropout(1)
  local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
  local hist = gg.train { model = model, data = data, loss = "mse",
    optimizer = gg.optim.sgd(model, { lr = fx.config.lr }), order = fx.batches }
  T.eq("dropout gg.train: all steps", #hist.loss, #fx.losses)
  local diff = 0
  for s = 1, #fx.losses do diff = math.max(diff, P.rel(hist.loss[s], fx.losses[s])) end
  T.ok("dropout gg.train: own masks give other losses than torch's", diff > 1e-3)
  local last = 0
  for s = #fx.losses - 7, #fx.losses do last = last + hist.loss[s] end
  local first = 0
  for s = 1, 8 do first = first + hist.loss[s] end
  T.ok("dropout gg.train: loss decreases", last < first)
end

-- Initialisations: moments of a (200, 100) weight against torch's draws.
do
  local fx = P.load("layers", "init_moments")
  for _, c in ipairs(fx.inits) do
    local opts = { init = c.init }
    for k, v in pairs(c.opts) do opts[k] = v end
    local m = gg.nn.sequential({ gg.nn.linear(100, 200, opts) }, { seed = 11 })
    local W = m:parameters()[1]:totable()
    local n, s1, s2, mx = 0, 0, 0, 0
    for _, row in ipairs(W) do
      for _, w in ipairs(row) do n, s1, s2, mx = n + 1, s1 + w, s2 + w * w, math.max(mx, math.abs(w)) end
    end
    local mean = s1 / n
    local sd = math.sqrt(math.max(0, s2 / n - mean * mean))
    local keys = {}
    for k, v in pairs(c.opts) do keys[#keys + 1] = k .. "=" .. tostring(v) end
    table.sort(keys)
    local label = "init/" .. c.init .. (#keys > 0 and ("{" .. table.concat(keys, ",") .. "}") or "")
    -- Two independent samples of 20000: the means differ by < 5 combined se; sds by < 4%;
    -- the largest |w| (bounded inits) within 2% of each other.
    local se = math.sqrt(2 * c.std * c.std / n)
    T.ok(string.format("%s: mean %.4g vs torch %.4g", label, mean, c.mean),
      math.abs(mean - c.mean) <= 5 * se + 1e-12)
    local rsd = c.std == 0 and math.abs(sd) or math.abs(sd - c.std) / c.std
    P.note(label, "sd", rsd)
    T.ok(string.format("%s: sd %.4g vs torch %.4g", label, sd, c.std), rsd <= 0.04)
    if c.init:find("uniform") or c.init == "default" or c.std == 0 then
      local rmx = c.maxabs == 0 and mx or math.abs(mx - c.maxabs) / c.maxabs
      P.note(label, "maxabs", rmx)
      T.ok(string.format("%s: max |w| %.4g vs torch %.4g", label, mx, c.maxabs), rmx <= 0.02)
    end
  end
  -- Default bias: U(-1/sqrt(in), 1/sqrt(in)).
  local m = gg.nn.sequential({ gg.nn.linear(100, 200) }, { seed = 12 })
  local b = m:parameters()[2]:totable()[1]
  local s1, s2, mx = 0, 0, 0
  for _, v in ipairs(b) do s1, s2, mx = s1 + v, s2 + v * v, math.max(mx, math.abs(v)) end
  local sd = math.sqrt(s2 / #b - (s1 / #b) ^ 2)
  T.ok(string.format("default bias sd %.4g vs torch %.4g (20%%: 200 draws)", sd, fx.default_bias.std),
    math.abs(sd - fx.default_bias.std) / fx.default_bias.std <= 0.2)
  T.ok("default bias within 1/sqrt(in)", mx <= 0.1 and fx.default_bias.maxabs <= 0.1)
  -- Gains.
  for name, g in pairs(fx.gains) do
    T.near("calculate_gain " .. name, gg.nn.calculate_gain(name), g, 1e-8)  -- fixtures keep 9 digits
  end
  T.near("calculate_gain leaky_relu 0.2", gg.nn.calculate_gain("leaky_relu", 0.2), fx["gain_leaky_0.2"], 1e-8)
end

P.report()
T.done()
