-- tests/lua/test_parity_loss.lua — losses against PyTorch 1.13 fixtures
-- (tests/parity/gen_loss.py).
--   batch_*: one prediction/target pair per loss and option set; gg.loss.<name> must give
--     torch's value and gradient (loss:grad()) for 'mean' and 'sum' within rel 1e-5 (abs
--     1e-6 below 0.1: |got - want| / max(|want|, 0.1) <= 1e-5).
--   train_*: 120 SGD steps replayed with a manual loop (forward, gg.loss, backward, step)
--     and with gg.train{loss = {name, opts...}, order = fx.batches}; P.check_run tolerances.

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local TOL = 1e-5

-- |got - want| / max(|want|, 0.1): relative error, absolute (x10) near zero.
local function err(got, want)
  if got == want then return 0 end
  if got ~= got or want ~= want then return math.huge end
  return math.abs(got - want) / math.max(math.abs(want), 0.1)
end

local function with(opts, extra)
  local t = {}
  for k, v in pairs(opts) do t[k] = v end
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local batches, trains = {}, {}
for _, name in ipairs(P.list("loss")) do
  if name:match("^batch_") then batches[#batches + 1] = name
  elseif name:match("^train_") then trains[#trains + 1] = name end
end
T.ok("single-batch loss fixtures present", #batches >= 24)
T.ok("training loss fixtures present", #trains >= 7)

-- (a) value and gradient of one batch
for _, name in ipairs(batches) do
  local fx = P.load("loss", name)
  local c, ex = fx.config, fx.extra
  local pred, target = P.tensor(ex.pred), P.tensor(ex.target)
  for _, red in ipairs { "mean", "sum" } do
    local comp = "loss/" .. name:sub(7) .. " " .. red
    local want = ex[red]
    local l = gg.loss[c.loss](pred, target, with(c.opts, { reduction = red }))
    local ev = err(l:item(), want.value)
    P.note(comp, "value", ev)
    T.ok(string.format("%s: value %.9g vs torch %.9g (err %.3g)", comp, l:item(), want.value, ev), ev <= TOL)
    local g, rows, cols, flat = l:grad(), want.grad[1], want.grad[2], want.grad[3]
    local eg, where = 0, ""
    for i = 1, rows do
      for j = 1, cols do
        local e = err(g:get(i, j), flat[(i - 1) * cols + j])
        if e > eg then eg, where = e, string.format(" at (%d,%d): %.9g vs %.9g", i, j, g:get(i, j), flat[(i - 1) * cols + j]) end
      end
    end
    P.note(comp, "grad", eg)
    T.ok(string.format("%s: gradient err %.3g%s", comp, eg, where), eg <= TOL)
  end
end

-- (b) training runs
for _, name in ipairs(trains) do
  local fx = P.load("loss", name)
  local c = fx.config
  local comp = "loss/" .. name
  -- manual loop
  local model = P.model(fx)
  local opt = gg.optim[c.optimizer](model, { lr = c.lr })
  local losses, lrs = {}, {}
  for s = 1, #fx.batches do
    local x, y = P.batch(fx, s)
    model:zero_grad()
    local loss = gg.loss[c.loss](model:forward(x), y, c.opts)
    loss:backward()
    lrs[s] = opt:lr()
    opt:step()
    losses[s] = loss:item()
  end
  P.check_run(T, fx, losses, lrs, model, comp)

  -- gg.train with the loss as {name, options...} and the fixture's batch order
  local model2 = P.model(fx)
  local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
  local ok, hist = pcall(gg.train, { model = model2, data = data, loss = with(c.opts, { c.loss }),
    optimizer = gg.optim[c.optimizer](model2, { lr = c.lr }), order = fx.batches })
  T.ok(comp .. " (gg.train) runs: " .. tostring(not ok and hist or ""), ok)
  if ok then P.check_run(T, fx, hist.loss, nil, model2, comp .. " (gg.train)") end
end

-- (c) option parsing (lg_loss_options / lg_loss_spec): tensors as lists, messages
local function tensor_opts(opts)
  local t = {}
  for k, v in pairs(opts) do t[k] = type(v) == "table" and gg.tensor(v) or v end
  return t
end
for _, name in ipairs(batches) do
  local fx = P.load("loss", name)
  local c, ex = fx.config, fx.extra
  if c.opts.weight or c.opts.pos_weight then
    local pred, target = P.tensor(ex.pred), P.tensor(ex.target)
    local a = gg.loss[c.loss](pred, target, c.opts)
    local b = gg.loss[c.loss](pred, target, tensor_opts(c.opts))
    T.eq(name .. ": weights as tensors give the same value", b:item(), a:item())
  end
end

local function raises(name, fn, text)
  local ok, e = pcall(fn)
  T.ok(name .. ": raises", not ok)
  T.ok(name .. ": message '" .. tostring(e) .. "' contains '" .. text .. "'",
    not ok and tostring(e):find(text, 1, true) ~= nil)
end
local p2, t2 = gg.tensor { { 0.25, 0.5 }, { 1, 0 } }, gg.tensor { { 0, 1 }, { 1, 0 } }
raises("unknown key lists the kind's keys", function() gg.loss.huber(p2, t2, { beta = 1 }) end,
  "gg.loss.huber: unknown option 'beta' (allowed: reduction, delta)")
raises("bce_with_logits keys", function() gg.loss.bce_with_logits(p2, t2, { label_smoothing = 0.1 }) end,
  "gg.loss.bce_with_logits: unknown option 'label_smoothing' (allowed: reduction, weight, pos_weight)")
raises("nll keys", function() gg.loss.nll(p2, gg.tensor { 0, 1 }, { label_smoothing = 0.1 }) end,
  "(allowed: reduction, weight, ignore_index)")
raises("l1 keys", function() gg.loss.l1(p2, t2, { weight = { 1, 1 } }) end, "(allowed: reduction)")
raises("weight size per column", function() gg.loss.bce(p2, t2, { weight = { 1, 2, 3 } }) end,
  "gg.loss.bce: weight must be a list (or tensor) of 2 numbers, one per column, got 3 numbers")
raises("pos_weight tensor size", function() gg.loss.bce_with_logits(p2, t2, { pos_weight = gg.tensor { 1 } }) end,
  "gg.loss.bce_with_logits: pos_weight must be a list (or tensor) of 2 numbers, one per column, got 1 number")
raises("weight not a list", function() gg.loss.cross_entropy(p2, gg.tensor { 0, 1 }, { weight = 2 }) end,
  "gg.loss.cross_entropy: weight must be a list (or tensor) of 2 numbers, one per class, got 2")
raises("weight element not a number", function() gg.loss.bce(p2, t2, { weight = { 1, "2" } }) end,
  "gg.loss.bce: weight[2] must be a number, got '2'")
raises("negative pos_weight", function() gg.loss.bce_with_logits(p2, t2, { pos_weight = { 1, -1 } }) end,
  "gg.loss.bce_with_logits: pos_weight[2] must be a non-negative number, got -1")
raises("delta 0", function() gg.loss.huber(p2, t2, { delta = 0 }) end,
  "gg.loss.huber: delta must be a positive number, got 0")
raises("beta -1", function() gg.loss.smooth_l1(p2, t2, { beta = -1 }) end,
  "gg.loss.smooth_l1: beta must be a non-negative number, got -1")
raises("bce prediction outside [0, 1]", function() gg.loss.bce(gg.tensor { { 0.5, 1.25 } }, gg.tensor { { 0, 1 } }) end,
  "gg.loss.bce: prediction row 1 column 2 must be a probability in [0, 1], got 1.25")
raises("bce target outside [0, 1]", function() gg.loss.bce(p2, gg.tensor { { 0, 2 }, { 1, 0 } }) end,
  "gg.loss.bce: target row 1 must be in [0, 1], got 2")
raises("nll target", function() gg.loss.nll(p2, gg.tensor { 0, 2 }) end,
  "gg.loss.nll: target row 2 must be a class index in 0..1, got 2")
T.eq("smooth_l1 beta = 0 is accepted", gg.loss.smooth_l1(p2, t2, { beta = 0 }):item(),
  gg.loss.l1(p2, t2):item())

-- lg_loss_spec through gg.evaluate (lua/ltrain.c): {name, options...} and every name.
local m = gg.nn.sequential { { kind = "linear", ["in"] = 2, out = 2 }, { kind = "sigmoid" } }
local X, Y = gg.tensor { { 1, 2 }, { -1, 0.5 }, { 0, 3 } }, gg.tensor { { 0, 1 }, { 1, 1 }, { 0.5, 0 } }
local ds = gg.data.from_tensors(X, Y)
for _, spec in ipairs {
  { "huber", delta = 0.1 }, { "smooth_l1", beta = 0.2, reduction = "sum" }, { "l1" },
  { "bce", weight = { 2, 0.5 } }, { "bce_with_logits", pos_weight = gg.tensor { 3, 1 }, weight = { 1, 2 } },
} do
  local opts = {}
  for k, v in pairs(spec) do if k ~= 1 then opts[k] = v end end
  local want = gg.loss[spec[1]](m:forward(X), Y, opts):item()
  -- (evaluate divides sum by the divisor; forward multiplies by the float32 1/divisor)
  T.near("gg.evaluate{loss = {'" .. spec[1] .. "', ...}} = gg.loss." .. spec[1], gg.evaluate(m, ds, { loss = spec }),
    want, 1e-6 * math.abs(want))
end
local dsc = gg.data.from_tensors(X, gg.tensor { 1, -100, 0 })
local want = gg.loss.nll(m:forward(X), gg.tensor { 1, -100, 0 }, { weight = { 2, 4 } }):item()
T.near("gg.evaluate nll with weight and ignore_index",
  gg.evaluate(m, dsc, { loss = { "nll", weight = { 2, 4 }, ignore_index = -100 } }), want, 1e-6 * math.abs(want))
raises("spec option checked", function() gg.evaluate(m, ds, { loss = { "huber", delta = -1 } }) end,
  "gg.evaluate: delta must be a positive number, got -1")
raises("spec unknown key", function() gg.evaluate(m, ds, { loss = { "bce", pos_weight = { 1, 1 } } }) end,
  "gg.evaluate: unknown option 'pos_weight' (allowed: reduction, weight, keras)")
raises("spec weight sized by the model's outputs", function() gg.evaluate(m, ds, { loss = { "bce", weight = { 1 } } }) end,
  "gg.evaluate: weight must be a list (or tensor) of 2 numbers, one per column, got 1 number")
raises("spec unknown name lists every loss", function() gg.evaluate(m, ds, { loss = "hinge" }) end,
  "gg.evaluate: loss must be one of 'mse', 'cross_entropy', 'bce_with_logits', 'l1', 'smooth_l1', 'huber', 'bce', 'nll', 'categorical_crossentropy', got 'hinge'")

P.report()
T.done()
