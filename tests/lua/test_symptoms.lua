--[[ tests/lua/test_symptoms.lua — the published symptom detectors (lua/gglab/symptoms/).

  Synthetic traces start from one healthy run (nothing fires in any tool) and inject one
  symptom at a time: each rule must fire at the step and epoch it should, and a near miss
  (the threshold itself, where the rule is strict) must not. Then the gates (AUTOTRAINER's
  accuracy gate and 30 % start, DeepDiagnosis's windows), not-applicable reporting, the
  cause mapping and diagnose(), loading a trace from a real results directory, run:meta,
  `gglab run --symptoms` on a small experiment whose diverging lr makes the NaN rules fire
  (at the runner's diverged step), and the runnable blocks of docs/symptoms.md. Also
  gglab.lib.runmeta (what run:meta accepts) and the causes the rules name (gglab.lib.causes). ]]

local T = require "check"
local quote, write = T.quote, T.write
local gg = require "gglab"
local S = require "gglab.symptoms.driver"
local causes = require "gglab.lib.causes"
local runmeta = require "gglab.lib.runmeta"
local schema = require "gglab.lib.schema"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local STEPS = 10   -- steps per epoch in the synthetic traces; epoch e ends at step e * STEPS

-- ---- synthetic traces ----

local EPOCH_METRICS = { "epoch_loss", "val_loss", "acc", "val_acc", "grad_norm", "grad_ratio", "grad_norm_l1",
  "grad_norm_l2", "update_ratio", "update_ratio_l1", "update_ratio_l2", "mean_abs_update", "weight_var_l1",
  "weight_var_l2", "saturated_frac", "relu_zero_frac", "zero_grad_frac", "nonfinite", "lr" }

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = type(v) == "table" and copy(v) or v end
  return c
end

--[[ healthy(E) -> spec of a run that trains well for E epochs: name -> list of values,
  per step for "loss", per epoch for the others (logged at the epoch's last step), and
  input_min/input_max once at step 0. ]]
local function healthy(E)
  E = E or 10
  local s = { loss = {}, input_min = -1, input_max = 1 }
  for _, name in ipairs(EPOCH_METRICS) do s[name] = {} end
  for i = 1, E * STEPS do s.loss[i] = 2 / (1 + 0.05 * i) end
  for e = 1, E do
    s.epoch_loss[e], s.val_loss[e] = 2 / (1 + 0.5 * e), 2.1 / (1 + 0.5 * e)
    s.acc[e], s.val_acc[e] = 0.5 + 0.04 * e, 0.48 + 0.04 * e
    s.grad_norm[e], s.grad_ratio[e], s.grad_norm_l1[e], s.grad_norm_l2[e] = 1 / e, 1.5, 0.1 / e, 0.08 / e
    s.update_ratio[e], s.update_ratio_l1[e], s.update_ratio_l2[e] = 2e-3, 1e-3, 2e-3
    s.mean_abs_update[e], s.weight_var_l1[e], s.weight_var_l2[e] = 1e-3 / e, 0.1 + 0.01 * e, 0.2 + 0.01 * e
    s.saturated_frac[e], s.relu_zero_frac[e], s.zero_grad_frac[e], s.nonfinite[e], s.lr[e] = 0, 0.4, 0.1, 0, 0.01
  end
  return s
end

local HEALTHY_META = { epochs = 10, lr = 0.01, optimizer = "sgd", loss = "cross_entropy", task = "classification",
  activations = { "relu", "relu" }, output_activation = "none", dropout = { 0.2 }, input_dtype = "float" }

local function meta(changes)
  local m = copy(HEALTHY_META)
  for k, v in pairs(changes or {}) do m[k] = v end
  return m
end

local function epoch_of(step) return step >= 1 and (step + STEPS - 1) // STEPS or nil end

--[[ build(spec [, stop]) -> trace via trace_from_rows; rows after step `stop` are dropped
  (a diverged run stops there). spec[name] = {at = {[step] = value, ...}} logs at given steps. ]]
local function build(spec, stop)
  local rows = {}
  local function add(step, name, value)
    if not stop or step <= stop then
      rows[#rows + 1] = { step = step, epoch = epoch_of(step), metric = name, value = value }
    end
  end
  for name, v in pairs(spec) do
    if type(v) == "number" then
      add(0, name, v)
    elseif v.at then
      local steps = {}
      for step in pairs(v.at) do steps[#steps + 1] = step end
      table.sort(steps)
      for _, step in ipairs(steps) do add(step, name, v.at[step]) end
    elseif name == "loss" then
      for i, x in ipairs(v) do add(i, name, x) end
    else
      for e, x in ipairs(v) do add(e * STEPS, name, x) end
    end
  end
  table.sort(rows, function(a, b) return a.step < b.step end)
  return S.trace_from_rows(rows)
end

-- with(changes [, E]) -> the healthy spec with some metrics replaced (name -> values or
-- function(values) editing them); false removes a metric.
local function with(changes, E)
  local s = healthy(E)
  for name, c in pairs(changes) do
    if c == false then
      s[name] = nil
    elseif type(c) == "function" then
      c(s[name], s)
    else
      s[name] = c
    end
  end
  return s
end

local function const(x, n)
  local out = {}
  for i = 1, n or 10 do out[i] = x end
  return out
end

-- The firing of rule in tool's result, or nil.
local function firing(tool, trace, m, rule, opts)
  for _, f in ipairs(S.detect(tool, trace, m, opts).firings) do
    if f.rule == rule then return f end
  end
  return nil
end

local function na(tool, trace, m, rule, opts)
  for _, x in ipairs(S.detect(tool, trace, m, opts).not_applicable) do
    if x.rule == rule then return x.missing end
  end
  return nil
end

-- at(f) -> {step, epoch} of a firing (or "none"), so one check shows both.
local function at(f)
  if not f then return "none" end
  return { f.step, f.epoch }
end

-- ---- the healthy run: nothing fires, everything applies ----

do
  local t = build(healthy())
  for _, tool in ipairs(S.TOOLS) do
    local r = S.detect(tool, t, HEALTHY_META)
    T.eq("healthy: nothing fires in " .. tool, #r.firings, 0)
    if #r.firings > 0 then print("  first: " .. r.firings[1].rule .. " " .. r.firings[1].detail) end
    T.eq("healthy: every rule applies in " .. tool, r.not_applicable, {})
    T.eq("healthy: diagnose " .. tool .. " is nil", S.diagnose(tool, t, HEALTHY_META), nil)
  end
end

-- ---- AUTOTRAINER ----

do
  -- vanishing: r < 1e-3 and |grad W1| < 1e-4 from epoch 1, accuracy stays below 0.6:
  -- seen at epoch 1, reported at epoch 3 (= 0.3 x 10).
  local low = { acc = function(a) for e = 1, 10 do a[e] = 0.2 + 0.02 * e end end,
    val_acc = function(a) for e = 1, 10 do a[e] = 0.19 + 0.02 * e end end }
  local function vanish(ratio, g1)
    local c = copy(low)
    c.grad_ratio, c.grad_norm_l1 = const(ratio), const(g1)
    return build(with(c))
  end
  local f = firing("autotrainer", vanish(5e-4, 5e-5), HEALTHY_META, "vanishing")
  T.eq("at vanishing fires at the 30% check", at(f), { 30, 3 })
  T.eq("at vanishing cause", f and f.cause, "saturation")
  T.ok("at vanishing detail has the numbers", f and f.detail:find("grad_ratio 0.0005 < 0.001", 1, true)
    and f.detail:find("at epoch 1", 1, true) and f.detail:find("max acc 0.26, max val_acc 0.25 < 0.6", 1, true))
  T.eq("at vanishing: ratio 1e-3 is not < 1e-3", firing("autotrainer", vanish(1e-3, 5e-5), HEALTHY_META, "vanishing"), nil)
  T.eq("at vanishing: |grad W1| 1e-4 is not < 1e-4", firing("autotrainer", vanish(5e-4, 1e-4), HEALTHY_META,
    "vanishing"), nil)

  -- exploding ratio: r > 70 (strict)
  local function ratio(r)
    local c = copy(low)
    c.grad_ratio = const(r)
    return build(with(c))
  end
  T.eq("at exploding_ratio fires", at(firing("autotrainer", ratio(70.5), HEALTHY_META, "exploding_ratio")), { 30, 3 })
  T.eq("at exploding_ratio: 70 is not > 70", firing("autotrainer", ratio(70), HEALTHY_META, "exploding_ratio"), nil)
  T.eq("at exploding_ratio cause", (firing("autotrainer", ratio(71), HEALTHY_META, "exploding_ratio") or {}).cause,
    "exploding_gradients")

  -- dying ReLU: >= 70 % of gradient entries exactly 0
  local function zeros(z)
    local c = copy(low)
    c.zero_grad_frac = const(z)
    return build(with(c))
  end
  local d = firing("autotrainer", zeros(0.7), HEALTHY_META, "dying_relu")
  T.eq("at dying_relu fires at 0.7 (>=)", at(d), { 30, 3 })
  T.eq("at dying_relu cause", d and d.cause, "dead_relu")
  T.eq("at dying_relu: 0.6999 does not fire", firing("autotrainer", zeros(0.6999), HEALTHY_META, "dying_relu"), nil)

  -- priority: dying_relu, exploding_ratio and vanishing at the same check -> dying_relu first
  local c = copy(low)
  c.zero_grad_frac, c.grad_ratio = const(0.9), const(100)
  local cause, first = S.diagnose("autotrainer", build(with(c)), HEALTHY_META)
  T.eq("at priority: dying_relu before exploding_ratio", { cause, first and first.rule }, { "dead_relu", "dying_relu" })

  -- the gate: max accuracy (so far) >= 0.6 suppresses the gradient problems
  local function gated(acc_max, val_max, opts)
    local g = { zero_grad_frac = const(0.9),
      acc = function(a) for e = 1, 10 do a[e] = e == 1 and acc_max - 0.1 or acc_max end end,
      val_acc = function(a) for e = 1, 10 do a[e] = e == 1 and val_max - 0.1 or val_max end end }
    return firing("autotrainer", build(with(g)), HEALTHY_META, "dying_relu", opts)
  end
  T.eq("at gate: acc and val_acc reach 0.6 -> suppressed", gated(0.6, 0.6), nil)
  T.eq("at gate: acc 0.6 but val_acc 0.59 -> v1.0 gate open", at(gated(0.6, 0.59)), { 30, 3 })
  T.eq("at gate: gate = both needs both below 0.6", gated(0.6, 0.59, { gate = "both" }), nil)
  T.eq("at gate: both below 0.6, gate = both", at(gated(0.59, 0.59, { gate = "both" })), { 30, 3 })
  -- accuracy crosses 0.6 at epoch 3: the symptom seen at epoch 1 is never reported
  local late = { zero_grad_frac = const(0.9), acc = { 0.3, 0.5, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67, 0.68 },
    val_acc = { 0.3, 0.5, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67, 0.68 } }
  T.eq("at gate: accuracy >= 0.6 by the 30% check", firing("autotrainer", build(with(late)), HEALTHY_META,
    "dying_relu"), nil)

  -- the 30 % start: with 11 epochs the first reporting check is epoch 4 (3 < 3.3)
  local c11 = { zero_grad_frac = const(0.9, 11), acc = const(0.3, 11), val_acc = const(0.3, 11) }
  T.eq("at start: epoch 4 of 11", at(firing("autotrainer", build(with(c11, 11)), meta { epochs = 11 }, "dying_relu")),
    { 40, 4 })
  -- the symptom appears only at epoch 5: reported there
  local c5 = copy(low)
  c5.zero_grad_frac = { 0.1, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1 }
  T.eq("at: a later symptom is reported at its own check", at(firing("autotrainer", build(with(c5)), HEALTHY_META,
    "dying_relu")), { 50, 5 })
  -- seen before 30 %, gone afterwards: still reported (IssueMonitor keeps the count)
  local c1 = copy(low)
  c1.zero_grad_frac = { 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 }
  T.eq("at: a symptom before 30% still counts", at(firing("autotrainer", build(with(c1)), HEALTHY_META,
    "dying_relu")), { 30, 3 })
  -- check_every = 3 (reproduce.py): checks at epochs 1, 4, 7, 10
  T.eq("at check_every 3: first reporting check is epoch 4", at(firing("autotrainer", zeros(0.9), HEALTHY_META,
    "dying_relu", { check_every = 3 })), { 40, 4 })

  -- NaN: not gated, not delayed to 30 %
  local nan_spec = with { loss = function(l) l[13] = 0 / 0 end }
  local n = firing("autotrainer", build(nan_spec, 13), HEALTHY_META, "exploding_nan")
  T.eq("at exploding_nan at the nan step", at(n), { 13, 2 })
  T.eq("at exploding_nan detail", n and n.detail, "loss = nan")
  local flag = with { nonfinite = false }
  flag.nonfinite = { at = { [5] = 0, [12] = 1 } }
  T.eq("at exploding_nan from the nonfinite flag", at(firing("autotrainer", build(flag), HEALTHY_META,
    "exploding_nan")), { 12, 2 })
  T.eq("at exploding_nan: inf counts too", at(firing("autotrainer", build(with { grad_norm = { 1, 2, math.huge } }),
    HEALTHY_META, "exploding_nan")), { 30, 3 })

  -- huge validation loss: >= 1e5 (v1.0), >= 1e3 with large_loss = 1e3
  local function big(x) return build(with { val_loss = function(v) v[2] = x end }) end
  T.eq("at exploding_loss at 1e5 (>=)", at(firing("autotrainer", big(1e5), HEALTHY_META, "exploding_loss")), { 20, 2 })
  T.eq("at exploding_loss: 99999 does not fire", firing("autotrainer", big(99999), HEALTHY_META, "exploding_loss"), nil)
  T.eq("at exploding_loss: large_loss = 1e3", at(firing("autotrainer", big(1000), HEALTHY_META, "exploding_loss",
    { large_loss = 1e3 })), { 20, 2 })

  -- oscillating: i-th accuracy maximum vs i-th minimum >= 0.03, count >= 0.2 x epochs
  local osc = { 0.10, 0.11, 0.12, 0.20, 0.10, 0.12, 0.14, 0.30, 0.20, 0.25 }
  local o = firing("autotrainer", build(with { acc = osc }), HEALTHY_META, "oscillating")
  T.eq("at oscillating: 2 pairs in 10 epochs (2 >= 0.2 x 10)", at(o), { 100, 10 })
  T.eq("at oscillating cause", o and o.cause, "lr_too_high")
  local osc2 = copy(osc)
  osc2[9] = 0.29   -- second pair's amplitude 0.01 < 0.03: 1 pair
  T.eq("at oscillating: 1 pair does not fire", firing("autotrainer", build(with { acc = osc2 }), HEALTHY_META,
    "oscillating"), nil)
  local amp = { 0, 0.03, 0, 0.03, 0, 0.03, 0, 0.03, 0, 0.03 }
  T.eq("at oscillating: amplitude exactly 0.03 counts", at(firing("autotrainer", build(with { acc = amp }),
    HEALTHY_META, "oscillating")), { 40, 4 })
  local amp2 = { 0, 0.0299, 0, 0.0299, 0, 0.0299, 0, 0.0299, 0, 0.0299 }
  T.eq("at oscillating: amplitude 0.0299 does not", firing("autotrainer", build(with { acc = amp2 }), HEALTHY_META,
    "oscillating"), nil)

  -- slow convergence: the largest epoch-to-epoch accuracy gain < 0.01 on train and val
  local function slow(step)
    local a = {}
    for e = 1, 10 do a[e] = step * (e - 1) end
    return build(with { acc = a, val_acc = copy(a) })
  end
  local sc = firing("autotrainer", slow(0.005), HEALTHY_META, "slow_convergence")
  T.eq("at slow_convergence fires at the 30% check", at(sc), { 30, 3 })
  T.eq("at slow_convergence cause: none of gglab's", sc and sc.cause, nil)
  T.eq("at slow_convergence: a gain of exactly 0.01 is not < 0.01", firing("autotrainer", slow(0.01), HEALTHY_META,
    "slow_convergence"), nil)
  local flat_high = build(with { acc = const(0.7), val_acc = const(0.7) })
  T.eq("at slow_convergence: gated off at accuracy 0.7", firing("autotrainer", flat_high, HEALTHY_META,
    "slow_convergence"), nil)

  -- regression (no accuracy): gradient problems need the gate, accuracy rules cannot apply
  local reg = build(with { acc = false, val_acc = false, zero_grad_frac = const(0.9) })
  local r = S.detect("autotrainer", reg, meta { task = "regression", loss = "mse" })
  local missing = {}
  for _, x in ipairs(r.not_applicable) do missing[x.rule] = table.concat(x.missing, " ") end
  T.eq("at regression: not applicable", missing, { dying_relu = "acc", exploding_ratio = "acc", vanishing = "acc",
    slow_convergence = "acc", oscillating = "acc" })
  T.eq("at regression: ungated reports dying ReLU", at(firing("autotrainer", reg, meta { task = "regression" },
    "dying_relu", { ungated = true })), { 30, 3 })
  T.ok("at regression: ungated detail says so", (firing("autotrainer", reg, HEALTHY_META, "dying_relu",
    { ungated = true }) or { detail = "" }).detail:find("gate open (ungated)", 1, true))
end

-- ---- DeepDiagnosis ----

do
  local M6 = meta { epochs = 10 }
  -- dead nodes: >= 70 % of ReLU outputs <= 0, checked at the last epoch only
  local function dead(last, others)
    local r = const(others or 0.4)
    r[10] = last
    return build(with { relu_zero_frac = r })
  end
  local f = firing("deepdiagnosis", dead(0.7), M6, "dead_node")
  T.eq("dd dead_node at the last epoch", at(f), { 100, 10 })
  T.eq("dd dead_node: fallback fix and cause", { f and f.fix, f and f.cause },
    { "add a dropout layer or the missing activation", "dead_relu" })
  T.eq("dd dead_node: 0.6999 does not fire", firing("deepdiagnosis", dead(0.6999), M6, "dead_node"), nil)
  T.eq("dd dead_node: only the last epoch is checked", firing("deepdiagnosis", dead(0.1, 0.9), M6, "dead_node"), nil)
  -- the fix chain (DeadNodeAnalysis): inputs, then weight variance, then the update ratio
  local function dead_with(changes)
    local s = with(changes)
    s.relu_zero_frac[10] = 0.8
    return firing("deepdiagnosis", build(s), M6, "dead_node")
  end
  local fi = dead_with { input_max = 5 }
  T.eq("dd chain: inputs outside [-1, 1] -> normalise", { fi.fix, fi.cause }, { "normalise the inputs", "unscaled_features" })
  T.ok("dd chain: detail names the input range", fi.detail:find("inputs in [-1, 5], outside [-1, 1]", 1, true))
  local fw = dead_with { weight_var_l2 = const(11) }
  T.eq("dd chain: weight variance > 10 -> initialisation", { fw.fix, fw.cause }, { "initialisation", nil })
  T.eq("dd chain: weight variance 10 is inside", dead_with { weight_var_l2 = const(10) }.fix,
    "add a dropout layer or the missing activation")
  T.eq("dd chain: weight variance 1e-5 is inside", dead_with { weight_var_l1 = const(1e-5) }.fix,
    "add a dropout layer or the missing activation")
  local fl = dead_with { update_ratio_l1 = const(0.2) }
  T.eq("dd chain: update ratio > 0.1 -> learning rate, lr_too_high", { fl.fix, fl.cause }, { "learning rate", "lr_too_high" })
  local fs = dead_with { update_ratio_l2 = const(1e-6) }
  T.eq("dd chain: update ratio < 1e-5 -> learning rate, no gglab cause", { fs.fix, fs.cause }, { "learning rate", nil })
  T.eq("dd chain: update ratio 0.1 is inside", dead_with { update_ratio_l1 = const(0.1) }.cause, "dead_relu")
  local fo = dead_with { input_max = 5, weight_var_l1 = const(20) }
  T.eq("dd chain: DeadNodeAnalysis checks inputs before weights", fo.fix, "normalise the inputs")
  local fn = dead_with { weight_var_l1 = false, weight_var_l2 = false, update_ratio_l1 = false,
    update_ratio_l2 = false, update_ratio = false }
  T.ok("dd chain: missing metrics are named", fn.detail:find("[not logged: weight_var, update_ratio]", 1, true))

  -- saturation: > 50 % of pre-activations beyond +-5, checked every 5 epochs
  local function sat(e, x)
    return build(with { saturated_frac = function(s) s[e] = x end })
  end
  local fsat = firing("deepdiagnosis", sat(5, 0.5001), M6, "saturation")
  T.eq("dd saturation at epoch 5", at(fsat), { 50, 5 })
  T.eq("dd saturation cause", fsat and fsat.cause, "saturation")
  T.eq("dd saturation: 0.5 is not > 0.5", firing("deepdiagnosis", sat(5, 0.5), M6, "saturation"), nil)
  T.eq("dd saturation: epoch 4 is not checked", firing("deepdiagnosis", sat(4, 0.9), M6, "saturation"), nil)

  -- vanishing: mean |dW| < 1e-7
  local function van(x, extra)
    local c = { mean_abs_update = function(m) m[3] = x end }
    for k, v in pairs(extra or {}) do c[k] = v end
    return firing("deepdiagnosis", build(with(c)), M6, "vanishing")
  end
  local fv = van(9e-8)
  T.eq("dd vanishing at epoch 3", at(fv), { 30, 3 })
  T.eq("dd vanishing: fix and cause", { fv.fix, fv.cause }, { "add/delete layers or change the sigmoid activation",
    "saturation" })
  T.eq("dd vanishing: 1e-7 is not < 1e-7", van(1e-7), nil)
  T.eq("dd vanishing: low update ratio -> learning rate", van(9e-8, { update_ratio_l1 = const(1e-6) }).fix,
    "learning rate")

  -- loss not decreasing: the 5 epoch losses of a window (1-5, 6-10) identical
  local function stall(first, last)
    return build(with { epoch_loss = function(l) for e = first, last do l[e] = 0.5 end end })
  end
  T.eq("dd loss_not_decreasing: epochs 1-5", at(firing("deepdiagnosis", stall(1, 5), M6, "loss_not_decreasing")),
    { 50, 5 })
  T.eq("dd loss_not_decreasing: epochs 2-6 straddle two windows", firing("deepdiagnosis", stall(2, 6), M6,
    "loss_not_decreasing"), nil)
  T.eq("dd loss_not_decreasing: epochs 6-10", at(firing("deepdiagnosis", stall(6, 10), M6, "loss_not_decreasing")),
    { 100, 10 })
  T.eq("dd loss_not_decreasing cause", firing("deepdiagnosis", stall(1, 5), M6, "loss_not_decreasing").fix,
    "change the optimizer")

  -- accuracy: invalid (0 or non-finite), not increasing over 20 epochs
  T.eq("dd invalid_accuracy at acc = 0", at(firing("deepdiagnosis", build(with { acc = function(a) a[2] = 0 end }), M6,
    "invalid_accuracy")), { 20, 2 })
  local m20 = meta { epochs = 20 }
  local flat20 = build(with({ acc = const(0.55, 20), val_acc = const(0.5, 20) }, 20))
  T.eq("dd accuracy_not_increasing over 20 epochs", at(firing("deepdiagnosis", flat20, m20, "accuracy_not_increasing")),
    { 200, 20 })
  local almost = with({ acc = const(0.55, 20), val_acc = const(0.5, 20) }, 20)
  almost.acc[1] = 0.54
  T.eq("dd accuracy_not_increasing: 19 of 20 equal is not", firing("deepdiagnosis", build(almost), m20,
    "accuracy_not_increasing"), nil)

  -- invalid loss: the first non-finite loss; AccuracyInvalid's chain
  local div = build(with { loss = function(l) l[13] = math.huge end }, 13)
  local fl2 = firing("deepdiagnosis", div, M6, "invalid_loss")
  T.eq("dd invalid_loss at the inf step", at(fl2), { 13, 2 })
  T.eq("dd invalid_loss: linear output -> change the output activation", { fl2.fix, fl2.cause },
    { "change the output activation", nil })
  local div2 = build(with({ loss = function(l) l[13] = math.huge end, update_ratio_l1 = const(0.5) }), 13)
  T.eq("dd invalid_loss: sigmoid output, high update ratio -> lr_too_high",
    firing("deepdiagnosis", div2, meta { output_activation = "sigmoid", loss = "bce" }, "invalid_loss").cause, "lr_too_high")

  -- numerical error: weights/gradients non-finite, or every gradient entry 0
  local num = with { nonfinite = false }
  num.nonfinite = { at = { [10] = 0, [20] = 0, [22] = 1 } }
  T.eq("dd numerical_error from the nonfinite flag", at(firing("deepdiagnosis", build(num), M6, "numerical_error")),
    { 22, 3 })
  T.eq("dd numerical_error from zero_grad_frac = 1", at(firing("deepdiagnosis", build(with {
    zero_grad_frac = function(z) z[4] = 1 end }), M6, "numerical_error")), { 40, 4 })
  T.eq("dd numerical_error: zero_grad_frac 0.99 is not", firing("deepdiagnosis", build(with {
    zero_grad_frac = function(z) z[4] = 0.99 end }), M6, "numerical_error"), nil)

  -- unchanged weights and updates over a 5-epoch window
  T.eq("dd unchanged_weights", at(firing("deepdiagnosis", build(with { weight_var_l2 = const(0.3) }), M6,
    "unchanged_weights")), { 50, 5 })
  T.eq("dd unchanged_updates", at(firing("deepdiagnosis", build(with { mean_abs_update = const(1e-3) }), M6,
    "unchanged_updates")), { 50, 5 })

  -- output range against the loss (from META)
  local t = build(healthy())
  local function range(m) return firing("deepdiagnosis", t, meta(m), "output_range") end
  T.eq("dd output_range: relu output with bce", at(range { output_activation = "relu", loss = "bce" }), { 10, 1 })
  T.eq("dd output_range: none output with bce", at(range { output_activation = "none", loss = "bce" }), { 10, 1 })
  T.eq("dd output_range: sigmoid with bce is fine", range { output_activation = "sigmoid", loss = "bce" }, nil)
  T.eq("dd output_range: logits into cross_entropy are fine", range { output_activation = "none",
    loss = "cross_entropy" }, nil)
  T.eq("dd output_range: sigmoid output, targets in [0, 10]", at(range { output_activation = "sigmoid", loss = "mse",
    task = "regression", target_min = 0, target_max = 10 }), { 10, 1 })
  T.eq("dd output_range: sigmoid output, targets in [0, 1]", range { output_activation = "sigmoid", loss = "mse",
    task = "regression", target_min = 0, target_max = 1 }, nil)
  T.eq("dd output_range: bounded output, unknown targets -> not applicable", na("deepdiagnosis", t,
    meta { output_activation = "tanh", loss = "mse" }, "output_range"), { "meta.target_min/target_max" })
end

-- ---- UMLAUT ----

do
  local t = build(healthy())
  local function um(m, rule) return firing("umlaut", t, meta(m), rule) end
  T.eq("um softmax_logits: sigmoid into bce_with_logits, before training",
    at(um({ output_activation = "sigmoid", loss = "bce_with_logits" }, "softmax_logits")), { 0, 0 })
  T.ok("um softmax_logits: softmax into cross_entropy", um({ output_activation = "softmax" }, "softmax_logits"))
  T.ok("um softmax_logits: logits into bce", um({ output_activation = "none", loss = "bce" }, "softmax_logits"))
  T.eq("um softmax_logits: sigmoid into bce is right", um({ output_activation = "sigmoid", loss = "bce" },
    "softmax_logits"), nil)
  local ma = um({ activations = { "relu", "none" } }, "missing_activation")
  T.eq("um missing_activation", ma and ma.detail, "hidden layer 2 has activation 'none'")
  local ll = um({ task = "regression", loss = "mse", output_activation = "sigmoid" }, "last_layer_activation")
  T.eq("um last_layer_activation: regression with sigmoid output", { ll and ll.step, ll and ll.cause }, { 0, "saturation" })
  T.eq("um last_layer_activation: classification with sigmoid output", um({ output_activation = "sigmoid",
    loss = "bce" }, "last_layer_activation"), nil)
  T.eq("um high_dropout: 0.5 is not > 0.5", um({ dropout = { 0.5 } }, "high_dropout"), nil)
  local hd = um({ dropout = { 0.2, 0.51 } }, "high_dropout")
  T.eq("um high_dropout: 0.51", { hd and hd.detail, hd and hd.cause }, { "dropout layer 2 has p = 0.51 > 0.5",
    "regularization_too_strong" })

  local function inputs(lo, hi) return build(with { input_min = lo, input_max = hi }) end
  T.eq("um input_not_normalized: [-1, 1] is fine", firing("umlaut", inputs(-1, 1), HEALTHY_META,
    "input_not_normalized"), nil)
  local inn = firing("umlaut", inputs(0, 1.0001), HEALTHY_META, "input_not_normalized")
  T.eq("um input_not_normalized at the first epoch", at(inn), { 10, 1 })
  T.eq("um input_not_normalized cause", inn and inn.cause, "unscaled_features")
  T.ok("um input_not_float", firing("umlaut", t, meta { input_dtype = "int" }, "input_not_float"))

  -- learning rate: the lr curve at each epoch's end, else META's lr
  local nolr = build(with { lr = false })
  T.eq("um lr_high: meta lr 0.01 is not > 0.01", firing("umlaut", nolr, meta { lr = 0.01 }, "lr_high"), nil)
  local lh = firing("umlaut", nolr, meta { lr = 0.0100001 }, "lr_high")
  T.eq("um lr_high from meta", { lh and lh.epoch, lh and lh.cause }, { 1, "lr_too_high" })
  T.eq("um lr_high from the lr curve at epoch 3", at(firing("umlaut", build(with { lr = { 0.01, 0.01, 0.02 } }),
    HEALTHY_META, "lr_high")), { 30, 3 })
  T.eq("um lr_low: 1e-7 is not < 1e-7", firing("umlaut", nolr, meta { lr = 1e-7 }, "lr_low"), nil)
  T.ok("um lr_low: 9e-8", firing("umlaut", nolr, meta { lr = 9e-8 }, "lr_low"))
  local no_lr_meta = meta()
  no_lr_meta.lr = nil
  T.eq("um lr: neither a curve nor meta.lr -> not applicable", na("umlaut", nolr, no_lr_meta, "lr_high"),
    { "lr|meta.lr" })

  -- overfitting: validation loss up while the training loss is flat or down
  local of = build(with { val_loss = function(v) v[3] = v[2] + 0.1 end,
    epoch_loss = function(l) l[3] = l[2] end })
  T.eq("um overfitting: val up, train flat", at(firing("umlaut", of, HEALTHY_META, "overfitting")), { 30, 3 })
  local of2 = build(with { val_loss = function(v) v[3] = v[2] + 0.1 end,
    epoch_loss = function(l) l[3] = l[2] + 1e-9 end })
  T.eq("um overfitting: train up too does not fire", firing("umlaut", of2, HEALTHY_META, "overfitting"), nil)

  -- validation accuracy > 0.95 or more than 0.05 above training, from the 4th epoch
  local function vacc(e, va, ta)
    return build(with { val_acc = function(v) v[e] = va end, acc = function(a) a[e] = ta or a[e] end })
  end
  T.eq("um high_val_acc: epoch 3 is too early", firing("umlaut", vacc(3, 0.96), HEALTHY_META, "high_val_acc"), nil)
  local hv = firing("umlaut", vacc(4, 0.96), HEALTHY_META, "high_val_acc")
  T.eq("um high_val_acc at epoch 4", at(hv), { 40, 4 })
  T.eq("um high_val_acc cause", hv and hv.cause, "label_noise")
  T.eq("um high_val_acc: counts as the doctor's overfitting", hv and causes.canonical(hv.cause), "overfitting")
  T.eq("um high_val_acc: 0.95 is not > 0.95", firing("umlaut", vacc(4, 0.95, 0.95), HEALTHY_META, "high_val_acc"), nil)
  T.ok("um high_val_acc: gap 0.0625", firing("umlaut", vacc(4, 0.5625, 0.5), HEALTHY_META, "high_val_acc"))
  T.eq("um high_val_acc: gap exactly 0.05 is not > 0.05", firing("umlaut", vacc(4, 0.05, 0), HEALTHY_META,
    "high_val_acc"), nil)

  -- NaN loss: only flagged when the inputs hold NaN
  local nanloss = with { loss = function(l) l[13] = 0 / 0 end }
  T.eq("um nan_input: a nan loss from finite inputs is not flagged", firing("umlaut", build(nanloss, 13),
    HEALTHY_META, "nan_input"), nil)
  nanloss.input_min = 0 / 0
  T.eq("um nan_input: nan loss and nan inputs", at(firing("umlaut", build(nanloss, 13), HEALTHY_META, "nan_input")),
    { 13, 2 })
end

-- ---- DeepLocalize ----

do
  local div = build(with { loss = function(l) l[13] = 0 / 0 end }, 13)
  local f = firing("deeplocalize", div, HEALTHY_META, "invalid_loss")
  T.eq("dl invalid_loss at the nan step", at(f), { 13, 2 })
  T.eq("dl invalid_loss cause", f and f.cause, "exploding_gradients")
  local function flat(first, last)
    return build(with { loss = function(l) for i = first, last do l[i] = 0.25 end end })
  end
  local nl = firing("deeplocalize", flat(6, 10), HEALTHY_META, "not_learning")
  T.eq("dl not_learning: logged losses 6-10 identical", at(nl), { 10, 1 })
  T.eq("dl not_learning detail", nl and nl.detail, "loss 0.25 identical over 5 logged steps 6-10")
  T.eq("dl not_learning: 3-7 straddle two windows", firing("deeplocalize", flat(3, 7), HEALTHY_META, "not_learning"), nil)
  local nw = with { nonfinite = false }
  nw.nonfinite = { at = { [1] = 0, [7] = 1 } }
  T.eq("dl nonfinite_weights", at(firing("deeplocalize", build(nw), HEALTHY_META, "nonfinite_weights")), { 7, 1 })
  T.eq("dl nonfinite_gradients", at(firing("deeplocalize", build(with { grad_norm = { 1, 0 / 0 } }), HEALTHY_META,
    "nonfinite_gradients")), { 20, 2 })
  -- DeepLocalize orders by step; the per-epoch tools by epoch
  local both = with { loss = function(l) l[8] = 0 / 0 end }
  both.nonfinite = { at = { [5] = 1 } }
  local cause, first = S.diagnose("deeplocalize", build(both, 8), HEALTHY_META)
  T.eq("dl diagnose: the earliest step first", { cause, first and first.rule, first and first.step },
    { "exploding_gradients", "nonfinite_weights", 5 })
end

-- ---- keras mode and detect_all ----

do
  -- gg.train{keras = true} logs per-batch losses as batch_loss and the epoch's loss as loss
  local rows = {}
  for step = 1, 12 do
    rows[#rows + 1] = { step = step, epoch = (step + 3) // 4, metric = "batch_loss", value = step < 12 and 1 / step
      or 0 / 0 }
  end
  for e = 1, 2 do rows[#rows + 1] = { step = 4 * e, epoch = e, metric = "loss", value = 1 / e } end
  local t = S.trace_from_rows(rows)
  local all = S.detect_all(t, { epochs = 3 })
  T.eq("detect_all: one result per tool", { all.autotrainer.tool, all.deepdiagnosis.tool, all.umlaut.tool,
    all.deeplocalize.tool }, S.TOOLS)
  local dl = firing("deeplocalize", t, {}, "invalid_loss")
  T.eq("keras: deeplocalize reads batch_loss", { dl and dl.step, dl and dl.detail }, { 12, "batch_loss = nan" })
  T.eq("keras: deepdiagnosis reads both", at(firing("deepdiagnosis", t, {}, "invalid_loss")), { 12, 3 })
  T.eq("keras: the epoch loss is loss", na("umlaut", t, {}, "overfitting"), { "val_loss" })
end

-- ---- diagnose and the cause mapping ----

do
  -- a diverging run: each tool's single answer
  local div = build(with { loss = function(l) l[13] = math.huge end, lr = const(10) }, 13)
  local m = meta { lr = 10, loss = "mse", task = "regression" }
  local got = {}
  for _, tool in ipairs(S.TOOLS) do got[tool] = S.diagnose(tool, div, m) end
  T.eq("diagnose a diverging run", got, { autotrainer = "exploding_gradients", deepdiagnosis = "other",
    umlaut = "lr_too_high", deeplocalize = "exploding_gradients" })
  -- every cause a rule can name is one of gglab's, and counts as one the doctor names
  local named = {}
  local cases = { { build(with { zero_grad_frac = const(0.9), acc = const(0.3), val_acc = const(0.3),
      grad_ratio = const(1e-4), grad_norm_l1 = const(1e-5), input_max = 3, saturated_frac = const(0.9),
      relu_zero_frac = const(0.9), mean_abs_update = const(1e-8), lr = const(1) }), meta { dropout = { 0.9 },
      task = "regression", loss = "mse", output_activation = "sigmoid", target_min = 0, target_max = 5 } },
    { div, m } }
  for _, c in ipairs(cases) do
    for _, tool in ipairs(S.TOOLS) do
      for _, f in ipairs(S.detect(tool, c[1], c[2]).firings) do
        named[#named + 1] = f.cause or "nil"
        T.ok("cause of " .. tool .. "." .. f.rule .. " is a gglab cause or nil",
          f.cause == nil or causes.is_cause(f.cause))
        local c = f.cause and causes.canonical(f.cause)
        T.ok("canonical cause of " .. tool .. "." .. f.rule .. " is a cause with no alias",
          c == nil or (causes.is_cause(c) and causes.ALIAS[c] == nil))
        T.ok("firing " .. tool .. "." .. f.rule .. " has step, epoch and detail", math.type(f.step) == "integer"
          and f.epoch ~= nil and type(f.detail) == "string" and f.detail ~= "")
      end
    end
  end
  T.ok("the mapping reaches several causes", #named >= 10)
  T.eq("rules of deeplocalize", S.rules("deeplocalize"), { "nonfinite_weights", "invalid_loss", "not_learning",
    "nonfinite_gradients" })
end

-- ---- misuse ----

do
  local t = build(healthy())
  T.raises("unknown tool", function() S.detect("keras", t, {}) end,
    "symptoms.detect: tool must be one of 'autotrainer', 'deepdiagnosis', 'umlaut', 'deeplocalize', got 'keras'")
  T.raises("bad trace", function() S.detect("umlaut", { loss = { values = { 1 } } }, {}) end,
    "symptoms.detect: trace%['loss'%] must be")
  T.raises("bad meta task", function() S.detect("umlaut", t, { task = "ranking" }) end,
    "meta.task must be 'regression' or 'classification', got 'ranking'")
  T.raises("bad meta epochs", function() S.detect("umlaut", t, { epochs = 2.5 }) end,
    "meta.epochs must be an integer >= 1, got 2.5")
  T.raises("unknown option", function() S.detect("autotrainer", t, {}, { gates = "both" }) end,
    "unknown option 'gates' %(allowed: large_loss, gate, ungated, check_every%)")
  T.raises("bad gate", function() S.detect("autotrainer", t, {}, { gate = "all" }) end,
    "gate must be 'either' or 'both', got 'all'")
  T.raises("bad rows", function() S.trace_from_rows { { step = 1, metric = "loss" } } end,
    "symptoms.trace_from_rows: rows%[1%] must be")
end

-- ---- gglab.lib.runmeta: what run:meta accepts ----

do
  T.eq("runmeta: kinds of the known fields", { runmeta.FIELDS.epochs, runmeta.FIELDS.lr, runmeta.FIELDS.dropout,
    runmeta.FIELDS.activations }, { "integer", "number", "numbers", "strings" })
  T.eq("runmeta.valid: an integer >= 1", { (runmeta.valid("integer", 3)), (runmeta.valid("integer", 0)),
    (runmeta.valid("integer", 2.0)) }, { true, false, false })
  T.eq("runmeta.valid: a list, not a map", { (runmeta.valid("numbers", { 0.5 })),
    (runmeta.valid("numbers", { p = 0.5 })), (runmeta.valid("strings", { "relu", 1 })) }, { true, false, false })
  T.eq("runmeta.valid: says what it wants", select(2, runmeta.valid("strings", 1)), "a list of strings")
  runmeta.check({ epochs = 3, anything = { 1 }, task = "regression" }, "f")
  T.ok("runmeta.check: unknown keys are allowed", true)
  -- the error names the caller of the function that checked (here: the line calling f)
  local function f(meta) runmeta.check(meta, "f") end
  local line = debug.getinfo(1, "l").currentline + 1
  local ok, err = pcall(function() f({ dropout = { "x" } }) end)
  T.eq("runmeta.check: message and line", { ok, err },
    { false, string.format("%s:%d: f: meta.dropout must be a list of numbers, got a table",
      debug.getinfo(1, "S").short_src, line) })
  T.raises("runmeta.check: task", function() runmeta.check({ task = "ranking" }, "f") end,
    "f: meta.task must be 'regression' or 'classification', got 'ranking'")
  T.raises("runmeta.check: a table", function() runmeta.check(3, "f") end, "f: meta must be a table, got 3")
end

-- ---- a real results directory: trace_from_dir, run:meta ----

local tmp = T.tmpdir()

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

local SCRIPT = [[
local gg = require "gglab"
return gg.experiment {
  name = "sym_small",
  sweep = gg.grid { lr = { 0.01, 10 }, seed = gg.seeds(2) },
  run = function(p, run)
    local data = gg.data.regression { n = 64, features = 2, x = "uniform", scale = 3, w = { 2, -1 }, bias = 1,
      seed = run.seed }
    local val = gg.data.regression { n = 32, features = 2, x = "uniform", scale = 3, w = { 2, -1 }, bias = 1,
      seed = run.seed + 100 }
    local model = gg.nn.sequential { gg.nn.linear(2, 8), gg.nn.relu(), gg.nn.linear(8, 1) }
    run:meta { epochs = 6, loss = "mse", task = "regression" }
    run:meta { activations = { "relu" }, output_activation = "none", dropout = {} }
    gg.train { model = model, data = data, val = val, optimizer = gg.optim.sgd(model, { lr = p.lr }),
      batch_size = 16, epochs = 6, log = run, log_grad_norm = true }
  end,
}
]]

do
  local script = tmp .. "/sym_small.lua"
  write(script, SCRIPT)
  local exp = assert(loadfile(script))()
  local out = tmp .. "/inproc"
  local result = require("gglab.engine.runner").run(exp, { out = out, quiet = true, jobs = 0,
    stdout = { write = function() end } })
  local ok_run = result.records[1]
  local trace, m = S.trace_from_dir(out, ok_run.run_id)
  T.eq("trace_from_dir: one loss per step (4 batches x 6 epochs)", trace and #trace.loss.values, 24)
  T.eq("trace_from_dir: steps", trace and { trace.loss.steps[1], trace.loss.steps[24] }, { 1, 24 })
  T.eq("trace_from_dir: epochs", trace and { trace.epoch_loss.epochs[1], trace.epoch_loss.epochs[6] }, { 1, 6 })
  T.eq("trace_from_dir: grad_norm and val_loss", trace and { #trace.grad_norm.values, #trace.val_loss.values }, { 24, 6 })
  -- the script's run:meta calls, completed by gg.train with what it alone knows (lr,
  -- optimizer, dtype); the script's own fields are kept as declared
  T.eq("trace_from_dir: run:meta merged and read back", m, { epochs = 6, loss = "mse", task = "regression",
    activations = { "relu" }, output_activation = "none", dropout = {}, lr = 0.01, optimizer = "sgd",
    input_dtype = "float" })
  local st = require("gglab.engine.store").open(out)
  T.eq("trace_from_rows(read_curve) is trace_from_dir", S.trace_from_rows(st:read_curve(ok_run.run_id)), trace)
  T.eq("trace_from_dir: a run without files", select(2, S.trace_from_dir(out, "0123456789abcdef")),
    "no curve file '" .. out .. "/runs/0123456789abcdef.csv'")
  -- the healthy lr: nothing fires in any tool on what gg.train logs today
  for _, tool in ipairs(S.TOOLS) do
    local r = S.detect(tool, trace, (S.derive_meta(trace, m, ok_run.params)))
    T.eq("real ok run: nothing fires in " .. tool, #r.firings, 0)
  end
  local dm, derived = S.derive_meta(trace, m, ok_run.params)
  T.eq("derive_meta: nothing left to derive once gg.train declared its META", { dm.lr, dm.input_dtype, derived },
    { 0.01, "float", {} })
  local dm2, derived3 = S.derive_meta(trace, { epochs = 6 }, ok_run.params)
  T.eq("derive_meta: lr from the parameters, dtype float", { dm2.lr, dm2.input_dtype, derived3 }, { 0.01, "float",
    { "input_dtype", "lr" } })
  local _, derived2 = S.derive_meta(trace, nil, {})
  T.eq("derive_meta without run:meta: epochs from the trace", derived2, { "epochs", "input_dtype" })
  -- shards merged by gglab merge keep each run's META
  local runner = require "gglab.engine.runner"
  for k = 1, 2 do
    runner.run(exp, { out = tmp .. "/shard" .. k, quiet = true, jobs = 0, shard = { k = k, n = 2 },
      stdout = { write = function() end } })
  end
  assert(require("gglab.engine.merge").merge(tmp .. "/merged", { tmp .. "/shard1", tmp .. "/shard2" }, {}))
  local mt, mm = S.trace_from_dir(tmp .. "/merged", result.records[4].run_id)
  T.eq("merge keeps runs/<id>.meta.json", { mt ~= nil, mm and mm.output_activation }, { true, "none" })
  -- run:meta misuse
  local bad = gg.experiment { name = "badmeta", sweep = gg.grid { x = { 1 } }, run = function(_, run)
    run:meta { epochs = "ten" } end }
  local r = require("gglab.engine.runner").run(bad, { out = tmp .. "/badmeta", quiet = true, jobs = 0,
    stdout = { write = function() end } })
  T.ok("run:meta: a bad field fails the run with its name", r.records[1].status == "failed" and
    r.records[1].error:find("run:meta: meta.epochs must be an integer >= 1, got 'ten'", 1, true))
end

-- ---- with gg.train's diagnostics (when this build has them) ----

-- The metric names the rules read must be the ones gg.train{diagnostics = {...}} logs:
-- on a real classification run every AUTOTRAINER, DeepLocalize and UMLAUT rule applies,
-- DeepDiagnosis lacks only saturation (no sigmoid/tanh units), and a diverging lr fires
-- the NaN rules at the runner's diverged step.
if pcall(require, "gglab.diagnostics") then
  local exp = gg.experiment {
    name = "sym_diag",
    sweep = gg.grid { lr = { 0.05, 1e4 } },
    run = function(p, run)
      local data = gg.data.classification { n = 256, features = 4, classes = 3, seed = 7 }
      local train, val = data:split(0.25, { seed = 7 })
      local model = gg.nn.mlp { 4, 16, 3, activation = "relu" }
      run:meta { epochs = 10, loss = "cross_entropy", task = "classification", activations = { "relu" },
        output_activation = "none", dropout = {} }
      gg.train { model = model, data = train, val = val, loss = "cross_entropy", epochs = 10, batch_size = 32,
        optimizer = gg.optim.sgd(model, { lr = p.lr }), log = run, diagnostics = { every = 2 } }
    end,
  }
  local out = tmp .. "/diag"
  local result = require("gglab.engine.runner").run(exp, { out = out, quiet = true, jobs = 0,
    stdout = { write = function() end } })
  local ok_run, bad_run = result.records[1], result.records[2]
  local trace, m = S.trace_from_dir(out, ok_run.run_id)
  m = S.derive_meta(trace, m, ok_run.params)
  local missing = {}
  for _, tool in ipairs(S.TOOLS) do
    for _, x in ipairs(S.detect(tool, trace, m).not_applicable) do missing[#missing + 1] = tool .. "." .. x.rule end
  end
  T.eq("diagnostics: every rule applies but saturation", missing, { "deepdiagnosis.saturation" })
  for _, tool in ipairs { "autotrainer", "deepdiagnosis", "deeplocalize" } do
    T.eq("diagnostics: nothing fires on the healthy run in " .. tool, #S.detect(tool, trace, m).firings, 0)
  end
  T.eq("diagnostics: the lr 1e4 run diverged", bad_run.status, "diverged")
  local bt = S.trace_from_dir(out, bad_run.run_id)
  local f = firing("deeplocalize", bt, m, "invalid_loss")
  T.eq("diagnostics: DeepLocalize at the diverged step", f and f.step, bad_run.diverged_step)
  local cause = S.diagnose("autotrainer", bt, m)
  T.eq("diagnostics: AUTOTRAINER on the diverging run", cause, "exploding_gradients")
else
  print("skipped: this build's gg.train has no diagnostics (the real-metrics checks)")
end

-- ---- gglab run --symptoms ----

do
  local script = tmp .. "/sym_small.lua"
  local out = tmp .. "/cli"
  local ok, text = sh(string.format("%s run -q -j 2 --out %s %s --symptoms", quote(GGLAB), quote(out), quote(script)))
  T.ok("gglab run --symptoms exits 0", ok)
  T.ok("prints the lr=10 configuration", text:find("lr=10  [2 runs: 2 diverged]", 1, true))
  T.ok("prints the exploding_nan firings", text:find("exploding_nan 2/2", 1, true))
  T.ok("the healthy lr: nothing fired", text:find("lr=0.01  [2 runs: 2 ok]  nothing fired", 1, true))
  T.ok("says where the CSV is", text:find("every firing in " .. out .. "/symptoms.csv", 1, true))
  T.ok("names what is not applicable", text:find("dying_relu [zero_grad_frac, acc]", 1, true))
  local header, rows = gg.csv.read(out .. "/symptoms.csv")
  T.eq("symptoms.csv header", header, schema.SYMPTOMS_COLUMNS)
  local _, runs = gg.csv.read(out .. "/runs.csv")
  local rh = gg.csv.read(out .. "/runs.csv")
  local col = {}
  for i, n in ipairs(rh) do col[n] = i end
  local fired = {}
  for _, r in ipairs(rows or {}) do fired[r[1] .. " " .. r[2] .. " " .. r[3]] = r end
  local diverged = 0
  for _, r in ipairs(runs) do
    local id, step = r[col.run_id], r[col.diverged_step]
    if r[col.lr] == "10" then
      diverged = diverged + 1
      T.eq("lr=10 diverged", r[col.status], "diverged")
      for _, key in ipairs { "deepdiagnosis invalid_loss", "deeplocalize invalid_loss" } do
        local f = fired[id .. " " .. key]
        T.eq(key .. " at the diverged step of " .. id, f and f[4], step)
      end
      -- AUTOTRAINER also reads the validation loss and gradient norm: its first non-finite
      -- value, found here from the run's own curve file
      local first = math.huge
      for _, c in ipairs(require("gglab.engine.store").read_curve_file(out .. "/runs/" .. id .. ".csv")) do
        local watched = c.metric == "loss" or c.metric == "epoch_loss" or c.metric == "val_loss" or c.metric == "grad_norm"
        if watched and (c.value ~= c.value or math.abs(c.value) == math.huge) then first = math.min(first, c.step) end
      end
      T.eq("autotrainer exploding_nan at the first non-finite value of " .. id,
        (fired[id .. " autotrainer exploding_nan"] or {})[4], tostring(first))
      T.ok("... at or before the diverged step", first <= tonumber(step))
      T.eq("autotrainer's cause for " .. id, (fired[id .. " autotrainer exploding_nan"] or {})[6], "exploding_gradients")
      T.eq("umlaut lr_high for " .. id, (fired[id .. " umlaut lr_high"] or {})[7], "lr 10 > 0.01")
    else
      for key in pairs(fired) do
        T.ok("nothing fires for the healthy run " .. key, key:sub(1, #id) ~= id)
      end
    end
  end
  T.eq("two diverged runs checked", diverged, 2)
  -- a fresh run without --symptoms removes the stale symptoms.csv
  sh(string.format("%s run -q --out %s %s", quote(GGLAB), quote(out), quote(script)))
  T.ok("a fresh run removes symptoms.csv", not gg.fs.exists(out .. "/symptoms.csv"))
  T.ok("meta files are written per run", gg.fs.exists(out .. "/runs/" .. runs[1][col.run_id] .. ".meta.json"))
end

-- ---- docs/symptoms.md: every ```lua block runs ----

do
  local f = io.open("docs/symptoms.md", "r")
  T.ok("docs/symptoms.md exists", f)
  local text = f and f:read("a") or ""
  if f then f:close() end
  local n = 0
  for block in text:gmatch("```lua\n(.-)\n```") do
    n = n + 1
    local chunk, err = load(block, "=docs/symptoms.md block " .. n, "t", setmetatable({ print = function() end },
      { __index = _G }))
    local ok, e = false, err
    if chunk then ok, e = pcall(chunk) end
    T.ok("docs/symptoms.md block " .. n .. " runs" .. (ok and "" or (": " .. tostring(e))), ok)
  end
  T.ok("docs/symptoms.md has a runnable example", n >= 1)
  for _, tool in ipairs(S.TOOLS) do
    for _, rule in ipairs(S.rules(tool)) do
      T.ok("docs/symptoms.md documents " .. tool .. " " .. rule, text:find("`" .. rule .. "`", 1, true))
    end
  end
end

os.execute("rm -rf " .. quote(tmp))
T.done()
