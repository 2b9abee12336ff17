--[[ tests/lua/test_doctor_panel.lua — the doctor's panel of fixes (issue 21 items 5-7,
  lua/gglab/doctor/panel.lua): the ladders, each fix's precondition on the probe's data
  statistics and the unchanged runs' measures, the new fixes' rewrites (scale_targets,
  no_output_act, loss_for_task, adam, lr*10) and, end to end, small synthetic broken
  configurations written here for which the doctor names each new cause. Issue 21 round 2:
  the loss-and-output fixes (sigmoid_bce, softmax_ce), softmax_out, val_like_train, the caps,
  and the preconditions that measure their cause (clip, relu, leaky_relu, cosine).

  Run from the repository root:
    LUA_PATH="tests/lua/?.lua;;" LUA_CPATH="build/?.so;;" lua5.4 tests/lua/test_doctor_panel.lua
  GGLAB_DOCTOR_EVAL=0 skips the end-to-end diagnoses (the slow part: ~40 s on 2 cores). ]]
local T = require "check"
local gg = require "gglab"
local doctor = require "gglab.doctor.diagnose"
local panel = require "gglab.doctor.panel"
local intervene = require "gglab.doctor.intervene"
local causes = require "gglab.lib.causes"

local function fix(name)
  for _, f in ipairs(panel.default()) do
    if f.name == name then return f end
  end
  error("no fix " .. name)
end

local function kinds(specs)
  local k = {}
  for i, s in ipairs(specs) do k[i] = s.kind end
  return table.concat(k, " ")
end

-- A dataset of n rows of d N(0, 1) features and one target f(row, rng).
local function regression(n, d, seed, f)
  local r = gg.rng(seed)
  local x, y = {}, {}
  for i = 1, n do
    local row = {}
    for j = 1, d do row[j] = r:normal() end
    x[i], y[i] = row, { f(row, r) }
  end
  return gg.data.from_tensors(gg.tensor(x), gg.tensor(y))
end

-- What the probe records for a run function (seen), as the preconditions read it.
local function probe(fn)
  return intervene.probe(gg.experiment { name = "p", sweep = { seed = { 1 } }, run = fn }, { seed = 1 })
end

-- A run function training `model` (built by make) on data with the given loss and optimizer.
local function trainer(data, make, loss, optim, lr, extra)
  return function(_, run)
    local model = make()
    local opts = { model = model, data = data, loss = loss, batch_size = 32, epochs = 3,
      optimizer = gg.optim[optim or "adam"](model, { lr = lr or 1e-3 }), log = run }
    for k, v in pairs(extra or {}) do opts[k] = v end
    gg.train(opts)
  end
end

local mlp = function(spec) return function() return gg.nn.mlp(spec) end end

-- ==== the vocabulary ====

for _, id in ipairs { "lr_too_low", "targets_unscaled", "output_activation", "wrong_loss",
  "optimizer_choice", "hidden_activation" } do
  T.ok("causes: " .. id .. " is a cause with its own text", causes.is_cause(id) and causes.text(id) ~= id)
end
T.ok("causes: the old ids stay", causes.is_cause("lr_too_high") and causes.is_cause("bad_init")
  and causes.is_cause("no_lr_decay"))
do
  local names = {}
  for _, f in ipairs(panel.default()) do
    names[#names + 1] = f.name
    T.ok("panel: " .. f.name .. "'s precondition is a function or absent", f.precondition == nil
      or type(f.precondition) == "function")
  end
  T.eq("panel: the built-in fixes in printing order", names, { "lr/10", "lr/100", "lr/1000", "lr/10000",
    "lr*10",
    "lr*100", "momentum=0.9", "momentum=0.5", "momentum=0", "clip", "standardize", "huber", "scale_targets",
    "no_output_act", "loss_for_task", "sigmoid_bce", "softmax_ce", "softmax_out", "val_like_train",
    "shuffle_split", "zero_grad", "adam",
    "no_reg", "batch*4", "batch*16", "class_weights", "relu", "hidden_act",
    "leaky_relu", "default_init", "cosine", "early_stop", "smaller",
    -- transformers and recurrent nets (issue 22; tests/lua/test_doctor_seq.lua)
    "warmup", "pre_ln", "qk_norm", "z_loss", "beta2_095", "beta2_098", "eps_1e6", "clip_rnn", "lstm",
    "weight_decay" })
end
T.raises("check: a precondition must be a function", function()
  panel.check({ name = "x", cause = "x", hooks = {}, precondition = 3 }, 4)
end, "panel%[4%]%.precondition must be a function")

-- ==== item 6: ladders ====

do
  local want = { ["lr/10"] = 0.1, ["lr/100"] = 0.01, ["lr/1000"] = 1e-3, ["lr/10000"] = 1e-4, ["lr*10"] = 10,
    ["lr*100"] = 100 }
  for name, scale in pairs(want) do
    T.eq("lr ladder: " .. name .. " scales the lr by " .. scale, fix(name).hooks.lr_scale, scale)
    T.eq("lr ladder: " .. name .. "'s cause", fix(name).cause, scale < 1 and "lr_too_high" or "lr_too_low")
  end
  local seen = { optimizers = { { kind = "adam", lr = 0.002, momentum = 0 } } }
  T.eq("lr*10: Adam at 0.002 -> 0.02 is beyond 0.01: not applicable", { fix("lr*10").applies(seen) },
    { false, "adam's lr 0.002 x 10 would exceed 0.01" })
  T.eq("lr/10000: Adam at 0.002 -> 2e-7 is below 1e-6: not run", { fix("lr/10000").applies(seen) },
    { false, "adam's lr 0.002 x 0.0001 would fall below 1e-06" })
  T.ok("lr/1000 and lr/10: Adam at 0.002 runs them", fix("lr/1000").applies(seen)
    and fix("lr/10").applies(seen))
  seen.optimizers[1].lr = 1e-4
  T.ok("lr*10 and lr*100: Adam at 1e-4 applies", fix("lr*10").applies(seen) and fix("lr*100").applies(seen))
  local sgd = { optimizers = { { kind = "sgd", lr = 0.05, momentum = 0 } } }
  T.eq("lr*10: SGD up to lr 1", { fix("lr*10").applies(sgd), (fix("lr*100").applies(sgd)) }, { true, false })

  -- momentum 0.995 (the Nesterov case that still rose at 0.9): every rung applies
  local m = { optimizers = { { kind = "sgd", lr = 0.01, momentum = 0.995 } } }
  T.eq("lr*10: not run with momentum above 0.9", { fix("lr*10").applies(m) },
    { false, "momentum above 0.9 already multiplies the step by 10 or more" })
  T.eq("momentum ladder: from 0.995 each rung applies",
    { fix("momentum=0.9").applies(m), fix("momentum=0.5").applies(m), fix("momentum=0").applies(m) },
    { true, true, true })
  m.optimizers[1].momentum = 0.9
  local ok, why = fix("momentum=0.9").applies(m)
  T.eq("momentum ladder: from 0.9 the 0.9 rung does not apply", { ok, why },
    { false, "no optimizer with momentum above 0.9" })
  T.eq("momentum ladder: from 0.9, 0.5 and 0 do", { fix("momentum=0.5").applies(m),
    fix("momentum=0").applies(m) },
    { true, true })
  T.eq("momentum=0.5: 0.995 -> 0.5, nesterov kept", fix("momentum=0.5").hooks.optim("sgd",
    { momentum = 0.995, nesterov = true }), { momentum = 0.5, nesterov = true })

  -- batch ladder: x4, x16, capped at the set; x16 only when x4 is not already the whole set
  local info = { n = 1000, batch_size = 8 }
  T.eq("batch*16: 16x the batch", fix("batch*16").hooks.train({ batch_size = 8 }, info).batch_size, 128)
  T.eq("batch*16: at most the whole set", fix("batch*16").hooks.train({}, { n = 100,
    batch_size = 32 }).batch_size,
    100)
  local t = { trains = { { n = 100, batch_size = 32 } } }
  local ok16, why16 = fix("batch*16").applies(t)
  T.eq("batch*16: not run when batch*4 already takes the whole set", { ok16, why16,
    fix("batch*4").applies(t) },
    { false, "batch*4 already takes the whole set", true })
  t.trains[1].batch_size = 4
  T.ok("batch*16: applies to batch 4 of 100", fix("batch*16").applies(t))
end

-- ==== item 5: preconditions ====

do
  -- huber/outliers: a robust statistic on the training targets (y = 2x exactly has none)
  local clean = regression(200, 1, 1, function(x) return 2 * x[1] end)
  local s = probe(trainer(clean, mlp { 1, 8, 1 }, "mse"))
  local ok, why = fix("huber").precondition(s, {})
  T.eq("huber: y = 2x exactly has no outliers -> no cause", { ok, why },
    { false, "no training target lies beyond 5 robust sds (1.4826 MAD) of the median" })
  T.eq("probe: outlier share 0 on y = 2x", s.trains[1].target_outliers, 0)
  local dirty = clean:add_outliers { fraction = 0.05, magnitude = 50, targets = true, seed = 1 }
  local s2 = probe(trainer(dirty, mlp { 1, 8, 1 }, "mse"))
  T.ok("huber: 5 % of the targets moved by 50 sd -> outliers", (fix("huber").precondition(s2, {})))
  T.near("probe: the outlier share is the moved share", s2.trains[1].target_outliers, 0.05, 0.011)
  -- the share is measured on the training rows only: validation_split's held-out rows do not count
  local ys = clean:y():totable()
  for i = 151, 200 do ys[i][1] = 1000 end
  local late = gg.data.from_tensors(clean:x(), gg.tensor(ys))
  local s3 = probe(trainer(late, mlp { 1, 8, 1 }, "mse", nil, nil, { validation_split = 0.25 }))
  T.eq("probe: target statistics on the training rows (the held-out quarter's 1000s do not count)",
    s3.trains[1].target_outliers, 0)
  T.ok("probe: ... while on all rows they are outliers",
    probe(trainer(late, mlp { 1, 8, 1 }, "mse")).trains[1].target_outliers > 0.2)

  -- clip/exploding_gradients: the gradient norm must grow
  local seen = {}
  T.eq("clip: not measured -> no cause, and says so", { fix("clip").precondition(seen, {}) },
    { false, "the gradient norm's growth was not measured" })
  T.eq("clip: growth 50x -> no cause", (fix("clip").precondition(seen, { grad_growth = 50 })), false)
  T.eq("clip: growth 1e4 x -> the cause", (fix("clip").precondition(seen, { grad_growth = 1e4 })), true)
  -- issue 21 round 2: growth followed by a stalled loss is oversized steps, not an explosion
  -- (so48934338: SGD lr 0.1, growth ~100-150 x, then every ReLU dead and the loss flat)
  local ok_c, why_c = fix("clip").precondition(seen, { grad_growth = 152, stuck = true })
  T.eq("clip: growth 152 x, then the loss stalls -> no cause", ok_c, false)
  T.eq("clip: ... and says why", why_c, "the gradient norm grew 152 x, then the training loss stalls (the "
    .. "large steps stopped learning; no explosion goes on)")
  T.eq("clip: growth 152 x and the loss keeps moving -> the cause",
    (fix("clip").precondition(seen, { grad_growth = 152, stuck = false })), true)
  T.ok("clip and huber cap the gradient or the loss (cap = true); no other built-in fix does but clip_rnn",
    fix("clip").cap == true and fix("huber").cap == true)
  do
    local others = {}
    for _, f in ipairs(panel.default()) do
      if f.cap and f.name ~= "clip" and f.name ~= "huber" and f.name ~= "clip_rnn" then
        others[#others + 1] = f.name
      end
    end
    T.eq("... the others leave cap nil", others, {})
  end
  T.eq("combine: a combination with a cap fix is a cap fix",
    { panel.combine(fix("lr/10"), fix("clip")).cap, panel.combine(fix("lr/10"), fix("cosine")).cap },
    { true, nil })
  T.raises("check: cap must be a boolean", function()
    panel.check({ name = "x", cause = "lr_too_high", hooks = {}, cap = "yes" }, 1)
  end, "cap must be a boolean")

  -- standardize/unscaled_features: from the data statistics
  local raw = regression(200, 3, 2, function(x) return x[1] end)
  local xs = raw:x():totable()
  for _, row in ipairs(xs) do row[2] = 1000 * row[2] end
  local wide = gg.data.from_tensors(gg.tensor(xs), raw:y())
  T.ok("standardize: a feature of sd 1000 -> unscaled",
    (fix("standardize").precondition(probe(trainer(wide, mlp { 3, 8, 1 }, "mse")), {})))
  local sd3 = probe(trainer(raw, mlp { 3, 8, 1 }, "mse"))
  T.eq("standardize: N(0, 1) features -> not unscaled", (fix("standardize").precondition(sd3, {})), false)
  for _, row in ipairs(xs) do row[2] = row[2] / 1000 * 0.05 end
  local spread = probe(trainer(gg.data.from_tensors(gg.tensor(xs), raw:y()), mlp { 3, 8, 1 }, "mse"))
  T.ok("standardize: sds 20x apart -> unscaled", (fix("standardize").precondition(spread, {})))

  -- relu/saturation
  local sig1 = { models = { { kinds = { "linear", "sigmoid", "linear" } } } }
  local sig2 = { models = { { kinds = { "linear", "sigmoid", "linear", "sigmoid", "linear" } } } }
  T.ok("relu: > 50 % saturated -> the cause", (fix("relu").precondition(sig1, { saturation = 0.8 })))
  T.eq("relu: 10 % saturated, one sigmoid, the loss falls -> no cause",
    (fix("relu").precondition(sig1, { saturation = 0.1, stuck = false })), false)
  T.ok("relu: two hidden sigmoids (gradient / 16 at least) -> the cause",
    (fix("relu").precondition(sig2, { saturation = 0, stuck = false })))
  T.ok("relu: the loss stalls, the gradient vanishes (first/last layer 0.01) -> the cause",
    (fix("relu").precondition(sig1, { saturation = 0, stuck = true, grad_ratio = 0.01 })))
  -- issue 21 round 2, item 6 (so31556268: XOR, one hidden sigmoid layer, L1 loss, SGD): the loss
  -- stalls, but 0 % saturated and the first layer's gradient is half the last's -> not saturation
  T.eq("relu: the loss stalls, the gradient does not vanish (0.504) -> no cause",
    { fix("relu").precondition(sig1, { saturation = 0, stuck = true, grad_ratio = 0.504 }) },
    { false, "0% of the sigmoid/tanh units saturated (not > 50%), the loss stalls but the first layer's "
      .. "gradient is 0.504 x the last's (not < 0.1), fewer than 2 hidden sigmoids" })
  T.eq("relu: the loss stalls, the gradient ratio not measured -> no cause",
    (fix("relu").precondition(sig1, { saturation = 0, stuck = true })), false)

  -- leaky_relu/dead_relu
  T.ok("leaky_relu: 60 % dead and the loss stalls", (fix("leaky_relu").precondition({}, { dead = 0.6,
    stuck = true })))
  T.ok("leaky_relu: 80 % zero gradients and the loss stalls", (fix("leaky_relu").precondition({},
    { dead = 0.3, zero_grad = 0.8, stuck = true })))
  -- issue 21 round 2: healthy ReLU nets measure as many dead units (so41372874: 50 % dead, 73 %
  -- zero gradients; so39525358_fixed: 63 %, 99 %) as the own set's dead_relu (40 %, 95 %); what
  -- differs is the stall (dead_relu: 9/10 seeds stuck; the healthy ones learn)
  local ok_d, why_d = fix("leaky_relu").precondition({}, { dead = 0.633, zero_grad = 0.989, stuck = false })
  T.eq("leaky_relu: 63 % dead, 99 % zero gradients, the loss falls -> no cause", ok_d, false)
  T.eq("leaky_relu: ... and says why", why_d,
    "63.3% of the ReLU units dead, 98.9% zero gradients, but the training loss does not stall: the live "
    .. "units learn")
  T.eq("leaky_relu: stuck not measured -> no cause",
    (fix("leaky_relu").precondition({}, { dead = 0.6, zero_grad = 0.9 })), false)
  T.eq("leaky_relu: 10 % dead -> no cause", (fix("leaky_relu").precondition({}, { dead = 0.1,
    zero_grad = 0.1 })),
    false)
  T.eq("leaky_relu: not measured", { fix("leaky_relu").precondition({}, {}) },
    { false, "dead units were not measured" })

  -- default_init/bad_init: the initial weights, measured on the built model (before any update)
  local data = regression(100, 10, 3, function(x) return x[1] end)
  local big = probe(trainer(data, mlp { 10, 32, 32, 1, init = { "normal", std = 1 } }, "mse"))
  T.ok("default_init: N(0, 1) weights in 32-wide layers (96x the default variance) -> the cause",
    (fix("default_init").precondition(big, {})))
  T.ok(string.format("probe: the initial variance ratio of N(0, 1) weights, fan_in 10 and 32: 30 to 96 "
    .. "(max %.3g)", big.models[1].start.init_ratio_max), big.models[1].start.init_ratio_max > 60
    and big.models[1].start.init_ratio_max < 150 and big.models[1].start.init_ratio_min > 20)
  local tiny = probe(trainer(data, mlp { 10, 32, 1, init = { "normal", std = 0.01 } }, "mse"))
  T.ok("default_init: N(0, 0.01) weights -> the cause", (fix("default_init").precondition(tiny, {})))
  local he = probe(trainer(data, mlp { 10, 32, 1, init = "kaiming_uniform" }, "mse"))
  T.eq("default_init: an explicit Kaiming init -> no cause", (fix("default_init").precondition(he, {})),
    false)
  local bias = probe(trainer(data, mlp { 10, 32, 1, init = { "kaiming_uniform", bias_init = "constant",
    bias_value = 5 } }, "mse"))
  T.ok("default_init: biases of 5 -> the cause (bias initialisation)", (fix("default_init").precondition(bias,
    {})))
  T.eq("default_init: the bias init is dropped by the fix",
    fix("default_init").hooks.layers { gg.nn.linear(2, 3, { bias_init = "constant", bias_value = 5 }) }[1],
    { kind = "linear", ["in"] = 2, out = 3 })
  -- issue 21 round 3: U(0, 1) weights (every weight positive; variance 1/12, within the
  -- variance bounds for fan_in 10: 2.5 x the default) -> the cause, by the weights' mean
  local pos = probe(trainer(data, mlp { 10, 32, 1, init = { "uniform", a = 0, b = 1 } }, "mse"))
  T.ok(string.format("probe: U(0, 1) weights' |mean| / sd ~ sqrt(3) (%.3g), variance ratio inside the "
    .. "bounds (%.3g)", pos.models[1].start.init_mean_max, pos.models[1].start.init_ratio_max),
    math.abs(pos.models[1].start.init_mean_max - math.sqrt(3)) < 0.2
    and pos.models[1].start.init_ratio_max < panel.INIT_HI)
  local ok_pos, why_pos = fix("default_init").precondition(pos, {})
  T.eq("default_init: U(0, 1) weights -> the cause (weights of one sign)",
    { ok_pos, (why_pos or ""):match("^initial weights of one sign") },
    { true, "initial weights of one sign" })
  T.ok(string.format("probe: zero-mean default weights' |mean| / sd is small (%.3g)",
    he.models[1].start.init_mean_max), he.models[1].start.init_mean_max < 0.5)
end

-- ==== the probe's run takes the whole run API (the doctor crashed on run:meta) ====

do
  local data = regression(40, 2, 13, function(x) return x[1] end)
  local seen = probe(function(_, run)
    run:meta { task = "regression", loss = "mse" }
    run:summary { note = 1 }
    run:log("x", 1)
    trainer(data, mlp { 2, 4, 1 }, "mse")(nil, run)
  end)
  T.eq("probe: run:meta and run:summary before gg.train -> probed, meta kept",
    { #seen.trains, seen.meta and seen.meta.task }, { 1, "regression" })
end

-- ==== a loss function of the user's own: no fix reads it as a name (the doctor crashed) ====

do
  local data = regression(60, 3, 12, function(x) return x[1] > 0 and 1 or 0 end)
  local own = function(pred, target) return ((pred - target) * (pred - target)):mean() end
  local seen = probe(trainer(data, mlp { 3, 8, 1, output_activation = "relu" }, own))
  T.eq("probe: a loss function is 'custom'", seen.trains[1].loss, "custom")
  local ok, why = fix("no_output_act").applies(seen)
  T.eq("no_output_act: a ReLU output with a loss function -> not applicable, says why", { ok, why },
    { false, "a relu output with a custom loss" })
  for _, f in ipairs(panel.default()) do
    local fine, err = pcall(function()
      if not f.applies or f.applies(seen) then
        if f.precondition then f.precondition(seen, {}) end
      end
    end)
    T.ok("a loss function: " .. f.name .. "'s applies and precondition run (" .. tostring(err) .. ")", fine)
  end
end

-- ==== issue 21 round 3: an output that cannot reach the targets is a symptom ====

do
  local pm1 = regression(200, 4, 5, function(x) return x[1] > 0 and 1 or -1 end)   -- targets -1 / 1
  local sig = probe(trainer(pm1, mlp { 4, 8, 1, output_activation = "sigmoid" }, "mse"))
  local share, why = panel.unreachable_targets(sig.trains[1])
  T.near("unreachable_targets: a sigmoid output on targets -1/1 misses about half of them", share, 0.5, 0.1)
  T.ok("unreachable_targets: says which output and range: " .. tostring(why),
    why ~= nil and why:find("sigmoid output's range [0, 1]", 1, true) ~= nil)
  T.eq("unreachable_targets: a tanh output reaches -1/1", panel.unreachable_targets(
    probe(trainer(pm1, mlp { 4, 8, 1, output_activation = "tanh" }, "mse")).trains[1]), nil)
  T.eq("unreachable_targets: a linear output reaches anything", panel.unreachable_targets(
    probe(trainer(pm1, mlp { 4, 8, 1 }, "mse")).trains[1]), nil)
  -- a ReLU output with 3 % negative targets: below the 10 % bar
  local few = regression(200, 4, 6, function(x) return x[1] > -1.9 and 2 + x[1] or -0.5 end)
  local fs = probe(trainer(few, mlp { 4, 8, 1, output_activation = "relu" }, "mse")).trains[1]
  T.ok(string.format("unreachable_targets: a ReLU output, %.1f%% negative targets -> no symptom",
    100 * fs.target_below0), fs.target_below0 < panel.UNREACHABLE and panel.unreachable_targets(fs) == nil)
  -- the symptom gate: the curves show nothing, the structure does
  local evidence = require "gglab.doctor.evidence"
  local calm = {}
  for i = 1, 10 do
    calm[i] = { seed = i, status = "ok", outcome = 0.3, curves = { epoch_loss = { 0.8, 0.5, 0.4, 0.35, 0.3 },
      doctor_const_train = { 1 }, doctor_const = { 1 } } }
  end
  T.eq("symptoms: falling curves, no symptom", #evidence.symptoms(calm).list, 0)
  local sy = evidence.symptoms(calm, nil, { unreachable = why })
  T.eq("symptoms: the unreachable targets are listed first", { #sy.list, sy.list[1]:match("^[^:]*") },
    { 1, "the output cannot reach the targets" })
end

-- ==== issue 21 round 3: a validation split that is not a random part of the rows ====

do
  -- rows sorted by class, the last 40 % taken as validation (Keras's validation_split): 10 rows of
  -- class 1 and all 50 of class 2, which no training row has
  local x, y = {}, {}
  local r = gg.rng(9)
  for c = 0, 2 do
    for _ = 1, 50 do x[#x + 1] = { r:normal() + 2 * c, r:normal() }; y[#y + 1] = c end
  end
  local sorted = gg.data.from_tensors(gg.tensor(x), gg.tensor(y), { classes = 3 })
  local pre = probe(trainer(sorted, mlp { 2, 8, 3 }, "cross_entropy", nil, nil, { validation_split = 0.4 }))
  local t = pre.trains[1]
  T.near("split_stats: sorted rows, last 40 % -> 50 of 60 validation rows of a class never trained on",
    t.val_unseen, 50 / 60, 1e-12)
  T.near("split_stats: class shares 5/9 4/9 0 against 0 1/6 5/6 -> total variation 5/6", t.val_class_tv,
    5 / 6, 1e-12)
  local ok, why = fix("shuffle_split").precondition(pre)
  T.eq("shuffle_split: applies, preprocessing_bug, the precondition says why",
    { fix("shuffle_split").applies(pre), fix("shuffle_split").cause, ok, why },
    { true, "preprocessing_bug", true, "83% of the validation rows have a class no training row has" })
  local shuffled = sorted:subset((function()
    local idx = {}
    for i = 1, 50 do idx[#idx + 1] = i; idx[#idx + 1] = 50 + i; idx[#idx + 1] = 100 + i end
    return idx end)())
  local fine = probe(trainer(shuffled, mlp { 2, 8, 3 }, "cross_entropy", nil, nil,
    { validation_split = 0.2 }))
  T.eq("shuffle_split: interleaved classes -> not applicable, the precondition fails",
    { fine.trains[1].val_unseen, (fix("shuffle_split").applies(fine)),
      (fix("shuffle_split").precondition(fine)) },
    { 0, false, false })
  -- the fix: both sets shuffled together, same sizes, every class in both
  local o = fix("shuffle_split").hooks.train({ data = sorted, validation_split = 0.4 })
  local seen = {}
  for _, row in ipairs(o.data:y():totable()) do seen[row[1]] = true end
  local unseen = 0
  for _, row in ipairs(o.val:y():totable()) do if not seen[row[1]] then unseen = unseen + 1 end end
  T.eq("shuffle_split: 90 / 60 rows, no validation class unseen, the split option cleared",
    { o.data:n(), o.val:n(), unseen, o.validation_split, o.val:classes() }, { 90, 60, 0, nil, 3 })
  -- regression rows sorted by target: the validation targets' mean lies far away
  local reg = regression(100, 2, 11, function(xr) return xr[1] end)
  local order = {}
  local ys = reg:y():totable()
  for i = 1, reg:n() do order[i] = i end
  table.sort(order, function(a, b) return ys[a][1] < ys[b][1] end)
  local pr = probe(trainer(reg:subset(order), mlp { 2, 8, 1 }, "mse", nil, nil, { validation_split = 0.2 }))
  T.ok(string.format("split_stats: regression rows sorted by target -> shift %.3g training sds",
    pr.trains[1].val_target_shift), pr.trains[1].val_target_shift > panel.SPLIT_SHIFT
    and (fix("shuffle_split").precondition(pr)))
  local pr2 = probe(trainer(reg, mlp { 2, 8, 1 }, "mse", nil, nil, { validation_split = 0.2 }))
  T.ok(string.format("split_stats: the same rows unsorted -> shift %.3g", pr2.trains[1].val_target_shift),
    pr2.trains[1].val_target_shift < panel.SPLIT_SHIFT and not (fix("shuffle_split").precondition(pr2)))
end

-- ==== item 7: the new fixes ====

do
  -- scale_targets / targets_unscaled
  local big = regression(200, 2, 4, function(x, r) return 1000 + 300 * x[1] + r:normal() end)
  local s = probe(trainer(big, mlp { 2, 8, 1 }, "mse"))
  T.ok("scale_targets: applies to targets around 1000", (fix("scale_targets").applies(s)))
  T.ok("scale_targets: targets of median ~1000 -> the cause", (fix("scale_targets").precondition(s, {})))
  local unit = regression(200, 2, 4, function(x) return x[1] end)
  local ok, why = fix("scale_targets").applies(probe(trainer(unit, mlp { 2, 8, 1 }, "mse")))
  T.eq("scale_targets: unit targets -> not applicable", { ok, why }, { false,
    "the targets are already on a unit scale" })
  local outl = unit:add_outliers { fraction = 0.05, magnitude = 50, targets = true, seed = 2 }
  local so = probe(trainer(outl, mlp { 2, 8, 1 }, "mse"))
  T.eq("scale_targets: a few outliers do not make the targets unscaled (robust statistics)",
    (fix("scale_targets").precondition(so, {})), false)

  local st, post = fix("scale_targets").hooks.train { data = big, validation_split = 0.25, loss = "mse" }
  T.ok("scale_targets: validation_split becomes a held-out set", st.validation_split == nil
    and st.val:n() == 50
    and st.data:n() == 150)
  local y, m = st.data:y():totable(), 0
  for _, row in ipairs(y) do m = m + row[1] end
  T.near("scale_targets: training targets have mean 0", m / #y, 0, 1e-4)
  local v = 0
  for _, row in ipairs(y) do v = v + row[1] ^ 2 end
  T.near("scale_targets: ... and sd 1", math.sqrt(v / (#y - 1)), 1, 1e-3)
  T.near("scale_targets: the map back is the training rows' mean", post.targets.mean[1], 1000, 60)
  local vy, oy = st.val:y():totable(), big:split(0.25, { shuffle = false })
  local _, oval = big:split(0.25, { shuffle = false })
  T.near("scale_targets: validation targets mapped with the training statistics",
    vy[1][1] * post.targets.sd[1] + post.targets.mean[1], oval:y():totable()[1][1], 1e-2)
  T.ok("scale_targets: features untouched", st.data:x():totable()[1][1] == oy:x():totable()[1][1])

  -- the outcome in the user's units: for MSE on one target, sd^2 x the loss on the scaled data
  local model = gg.nn.mlp { 2, 8, 1, seed = 3 }
  local u = intervene.unscaled_loss(model, st.val, "mse", post.targets)
  T.near("unscaled_loss: MSE in the original units = sd^2 x the scaled MSE", u,
    post.targets.sd[1] ^ 2 * gg.evaluate(model, st.val, { loss = "mse" }), 1e-3 * u)
  T.near("unscaled_loss: ... = the model mapped back, against the original targets", u, (function()
    local p, yy, sum = model:forward(oval:x()):totable(), oval:y():totable(), 0
    for i = 1, #p do sum = sum + (post.targets.mean[1] + post.targets.sd[1] * p[i][1] - yy[i][1]) ^ 2 end
    return sum / #p
  end)(), 1e-3 * u)
  T.near("unscaled_loss: L1 = sd x the scaled L1", intervene.unscaled_loss(model, st.val, "l1", post.targets),
    post.targets.sd[1] * gg.evaluate(model, st.val, { loss = "l1" }), 1e-2)
  T.near("original_units: the validation targets back in the user's units",
    intervene.original_units(st.val, post.targets):y():totable()[1][1], oval:y():totable()[1][1], 1e-2)
  local comb = panel.combine(fix("standardize"), fix("scale_targets")).hooks.train({ data = big, val = oval,
    loss = "mse" }, {})
  T.ok("combine: standardize + scale_targets keeps the target map", comb ~= nil)
  local _, p2 = panel.combine(fix("standardize"), fix("scale_targets")).hooks.train({ data = big,
    val = oval }, {})
  T.ok("combine: ... returned as post.targets", p2 and p2.targets and p2.targets.sd[1] > 1)

  -- no_output_act / output_activation
  local specs = { gg.nn.linear(2, 8), gg.nn.sigmoid(), gg.nn.linear(8, 1), gg.nn.sigmoid() }
  T.eq("no_output_act: the output sigmoid goes, the hidden one stays",
    kinds(fix("no_output_act").hooks.layers(specs)),
    "linear sigmoid linear")
  T.eq("no_output_act: nothing to drop", kinds(fix("no_output_act").hooks.layers { gg.nn.linear(2, 1) }),
    "linear")
  T.eq("no_output_act: BCE on the now-linear output becomes BCE with logits",
    fix("no_output_act").hooks.train({ loss = "bce" }).loss, "bce_with_logits")
  T.eq("no_output_act: MSE stays", fix("no_output_act").hooks.train({ loss = "mse" }).loss, "mse")
  local relu_out = probe(trainer(regression(100, 2, 5, function(x) return 5 * x[1] end),
    mlp { 2, 8, 1, output_activation = "relu" }, "mse"))
  T.eq("probe: the output layer kind and width", { relu_out.trains[1].output_kind,
    relu_out.trains[1].outputs },
    { "relu", 1 })
  local okp, whyp = fix("no_output_act").precondition(relu_out, {})
  T.ok("no_output_act: a ReLU output with negative targets -> the cause", okp
    and whyp:match("relu output") ~= nil)
  local in01 = probe(trainer(regression(100, 2, 5, function(x) return x[1] > 0 and 0.8 or 0.2 end),
    mlp { 2, 8, 1, output_activation = "sigmoid" }, "mse"))
  T.eq("no_output_act: targets inside the sigmoid's (0, 1) -> no cause",
    (fix("no_output_act").precondition(in01, {})), false)
  local soft1 = probe(trainer(regression(100, 2, 5, function(x) return x[1] end),
    function() return gg.nn.sequential { gg.nn.linear(2, 1), gg.nn.softmax() } end, "mse"))
  T.eq("no_output_act: a softmax over one unit -> the cause", { fix("no_output_act").precondition(soft1,
    {}) },
    { true, "a softmax over one unit is always 1" })
  local bce = probe(trainer(regression(100, 2, 5, function(x) return x[1] > 0 and 1 or 0 end),
    mlp { 2, 8, 1, output_activation = "sigmoid" }, "bce"))
  T.eq("no_output_act: sigmoid + BCE is right -> not applicable", { fix("no_output_act").applies(bce) },
    { false, "a sigmoid output with a bce loss" })

  -- loss_for_task / wrong_loss
  local bin = regression(100, 2, 6, function(x) return x[1] > 0 and 1 or 0 end)
  local mse01 = probe(trainer(bin, mlp { 2, 8, 1, output_activation = "sigmoid" }, "mse"))
  T.eq("probe: 0/1 targets are a binary task", mse01.trains[1].task, "binary")
  T.eq("loss_for_task: MSE on 0/1 targets -> the cause", { fix("loss_for_task").precondition(mse01, {}) },
    { true, "mse on 0/1 targets" })
  T.eq("loss_for_task: a sigmoid output gets BCE", fix("loss_for_task").hooks.train({ loss = "mse" },
    mse01.trains[1]).loss, "bce")
  T.eq("loss_for_task: a linear output gets BCE with logits",
    fix("loss_for_task").hooks.train({ loss = "mse" },
    { output_kind = "linear" }).loss, "bce_with_logits")
  local labels = gg.data.classification { n = 60, features = 2, classes = 2, seed = 1 }
  local mse_labels = probe(trainer(labels, mlp { 2, 8, 1 }, "mse"))
  T.ok("loss_for_task: MSE on two class labels through one unit -> the cause",
    (fix("loss_for_task").precondition(mse_labels, {})))
  local real = probe(trainer(regression(100, 2, 6, function(x) return x[1] end), mlp { 2, 8, 1 }, "mse"))
  T.eq("loss_for_task: MSE on real targets -> not applicable", { fix("loss_for_task").applies(real) },
    { false, "the loss fits the targets (mse on real-valued targets)" })

  -- issue 21 round 2, item 1: the loss and the output together (sigmoid_bce, softmax_ce; wrong_loss)
  local function labels3(n, seed, exclusive)
    local r = gg.rng(seed)
    local x, y = {}, {}
    for i = 1, n do
      local row = { r:normal(), r:normal(), r:normal() }
      local t = {}
      if exclusive then
        local k = 1
        for j = 2, 3 do if row[j] > row[k] then k = j end end
        for j = 1, 3 do t[j] = j == k and 1 or 0 end
      else
        for j = 1, 3 do t[j] = row[j] > 0.3 and 1 or 0 end
      end
      x[i], y[i] = row, t
    end
    return gg.data.from_tensors(gg.tensor(x), gg.tensor(y))
  end
  local soft = function() return gg.nn.sequential { gg.nn.linear(3, 8), gg.nn.relu(), gg.nn.linear(8, 3),
    gg.nn.softmax(1) } end
  local multi = probe(trainer(labels3(100, 1, false), soft, "mse", "sgd", 0.01))
  T.eq("probe: independent 0/1 labels are binary, not one-hot",
    { multi.trains[1].task, multi.trains[1].onehot }, { "binary", false })
  T.eq("sigmoid_bce: MSE on a softmax over independent 0/1 labels -> applies, the cause",
    { fix("sigmoid_bce").applies(multi), fix("sigmoid_bce").precondition(multi, {}) },
    { true, true, "mse on a softmax output: its 3 units sum to 1, the independent 0/1 targets do not" })
  T.eq("sigmoid_bce: the softmax output becomes a sigmoid",
    kinds(fix("sigmoid_bce").hooks.layers { gg.nn.linear(3, 8), gg.nn.relu(), gg.nn.linear(8, 3),
      gg.nn.softmax(1) }), "linear relu linear sigmoid")
  T.eq("sigmoid_bce: a linear output gets a sigmoid",
    kinds(fix("sigmoid_bce").hooks.layers { gg.nn.linear(3, 1) }), "linear sigmoid")
  T.eq("sigmoid_bce: the loss becomes BCE", fix("sigmoid_bce").hooks.train({ loss = "mse" }).loss, "bce")
  local soft1b = probe(trainer(regression(100, 2, 5, function(x) return x[1] > 0 and 1 or 0 end),
    function() return gg.nn.sequential { gg.nn.linear(2, 1), gg.nn.softmax(1) } end, "l1"))
  T.eq("sigmoid_bce: a softmax over one unit is no_output_act's one change -> not applicable",
    { (fix("sigmoid_bce").applies(soft1b)), (fix("no_output_act").applies(soft1b)) }, { false, true })
  T.eq("sigmoid_bce: MSE through a sigmoid is loss_for_task's one change -> not applicable",
    (fix("sigmoid_bce").applies(mse01)), false)
  local onehot = probe(trainer(labels3(100, 1, true), soft, "mse", "sgd", 0.01))
  T.eq("probe: exclusive classes written one-hot", { onehot.trains[1].task, onehot.trains[1].onehot },
    { "binary", true })
  T.eq("softmax_ce: MSE on one-hot targets -> the cause", { fix("softmax_ce").precondition(onehot, {}) },
    { true, "mse on one-hot targets (exclusive classes)" })
  T.eq("sigmoid_bce: one-hot targets -> not applicable", (fix("sigmoid_bce").applies(onehot)), false)
  local oh_train, oh_val = labels3(40, 2, true):split(0.25, { shuffle = false })
  local ce_opts, ce_post = fix("softmax_ce").hooks.train({ loss = "mse", data = oh_train, val = oh_val })
  T.eq("softmax_ce: softmax output and categorical cross-entropy on class indices",
    { kinds(fix("softmax_ce").hooks.layers { gg.nn.linear(3, 3), gg.nn.sigmoid() }), ce_opts.loss,
      ce_opts.data:classes(), ce_opts.val:n() },
    { "linear softmax", "categorical_crossentropy", 3, 10 })
  local first = oh_train:y():totable()[1]
  T.eq("softmax_ce: a one-hot row becomes its column's index", ce_opts.data:y():totable()[1][1],
    first[1] == 1 and 0 or first[2] == 1 and 1 or 2)
  T.ok("softmax_ce: the outcome is taken on the original one-hot validation rows (post.eval)",
    ce_post.eval == oh_val)
  T.eq("softmax_ce: real targets -> not applicable", { fix("softmax_ce").applies(real) },
    { false, "the output (linear) and the loss (mse) fit real-valued targets" })
  T.ok("sigmoid_bce, softmax_ce: wrong_loss, and more specific than a stall",
    fix("sigmoid_bce").cause == "wrong_loss" and fix("softmax_ce").cause == "wrong_loss"
    and (fix("lr*10").precondition(multi, { stuck = true })) == false)

  -- item 2: an output activation that cannot feed categorical cross-entropy (softmax_out)
  local digits = gg.data.classification { n = 90, features = 4, classes = 3, seed = 2 }
  local relu10 = probe(trainer(digits, function() return gg.nn.sequential { gg.nn.linear(4, 8), gg.nn.relu(),
    gg.nn.linear(8, 3), gg.nn.relu() } end, "categorical_crossentropy"))
  T.eq("softmax_out: a ReLU output feeding categorical cross-entropy -> applies, output_activation",
    { fix("softmax_out").cause, fix("softmax_out").applies(relu10),
      fix("softmax_out").precondition(relu10, {}) },
    { "output_activation", true, true,
      "a relu output feeding categorical cross-entropy, which reads probabilities" })
  T.eq("softmax_out: the ReLU output becomes a softmax, the loss stays",
    { kinds(fix("softmax_out").hooks.layers { gg.nn.linear(4, 3), gg.nn.relu() }),
      fix("softmax_out").hooks.train }, { "linear softmax", nil })
  local lin10 = probe(trainer(digits, function() return gg.nn.sequential { gg.nn.linear(4, 3) } end,
    "categorical_crossentropy"))
  T.ok("softmax_out: a linear output too", (fix("softmax_out").precondition(lin10, {})))
  local ok10 = probe(trainer(digits, function()
    return gg.nn.sequential { gg.nn.linear(4, 3), gg.nn.softmax(1) } end, "categorical_crossentropy"))
  T.eq("softmax_out: a softmax output -> not applicable", (fix("softmax_out").applies(ok10)), false)
  T.eq("softmax_out: cross_entropy on logits -> not applicable",
    (fix("softmax_out").applies(probe(trainer(digits, function()
      return gg.nn.sequential { gg.nn.linear(4, 3) } end, "cross_entropy")))), false)

  -- item 3: cosine / no_lr_decay only for an oscillating loss at a stable lr
  T.eq("cosine: spikes not measured -> no cause", { fix("cosine").precondition({}, {}) },
    { false, "the loss spikes was not measured" })
  T.eq("cosine: 5 % spikes -> no cause", (fix("cosine").precondition({}, { spikes = 0.05 })), false)
  T.eq("cosine: 23 % spikes within the stability limit (own no_lr_decay) -> the cause",
    (fix("cosine").precondition({}, { spikes = 0.232, sharpness_ratio = 0.07 })), true)
  T.eq("cosine: 15 % spikes at 2x the stability limit (so48934338_fixed) -> no cause",
    { fix("cosine").precondition({}, { spikes = 0.146, sharpness_ratio = 2.03 }) },
    { false, "loss spikes in 14.6% of the steps, but the lr is 2.03 x the stability limit 2/sharpness "
      .. "(the lr itself is too high)" })

  -- item 5: validation data preprocessed differently (val_like_train; preprocessing_bug)
  local base = regression(200, 3, 7, function(x) return x[1] end)
  local tr, va = base:split(0.25, { shuffle = false })
  local vrows = va:x():totable()
  for _, row in ipairs(vrows) do for j = 1, #row do row[j] = 16 * row[j] + 3 end end
  local va16 = gg.data.from_tensors(gg.tensor(vrows), va:y())
  local pre = probe(trainer(tr, mlp { 3, 8, 1 }, "mse", nil, nil, { val = va16 }))
  T.ok(string.format("probe: validation features x16 -> val_scale ~16 (%.3g)", pre.trains[1].val_scale),
    math.abs(pre.trains[1].val_scale - 16) < 1.5)
  T.eq("val_like_train: applies, preprocessing_bug, says why",
    { fix("val_like_train").applies(pre), fix("val_like_train").cause,
      (fix("val_like_train").precondition(pre)) }, { true, "preprocessing_bug", true })
  local same = probe(trainer(tr, mlp { 3, 8, 1 }, "mse", nil, nil, { val = va }))
  T.ok(string.format("val_like_train: one population split in two -> not applicable (scale %.3g, shift %.3g)",
    same.trains[1].val_scale, same.trains[1].val_shift), not fix("val_like_train").applies(same))
  T.eq("val_like_train: validation_split -> not compared",
    { fix("val_like_train").applies(probe(trainer(base, mlp { 3, 8, 1 }, "mse", nil, nil,
      { validation_split = 0.25 }))) }, { false, "no separate validation set with varying features" })
  local mapped = fix("val_like_train").hooks.train({ data = tr, val = va16 }).val
  local m1 = 0
  for _, row in ipairs(mapped:x():totable()) do m1 = m1 + row[1] end
  local t1 = 0
  for _, row in ipairs(tr:x():totable()) do t1 = t1 + row[1] end
  T.near("val_like_train: the mapped validation feature has the training mean", m1 / mapped:n(),
    t1 / tr:n(), 1e-6)
  T.eq("val_like_train: targets kept", mapped:y():totable()[1][1], va:y():totable()[1][1])
  T.ok("causes: preprocessing_bug has its own text", causes.is_cause("preprocessing_bug")
    and causes.text("preprocessing_bug") ~= "preprocessing_bug")
  local one = gg.data.from_tensors(digits:x(), gg.tensor((function()
    local y = {}
    for i = 1, digits:n() do y[i] = 0 end
    return y end)()), { classes = 3 })
  T.eq("probe: training labels of one class only (label_classes)",
    { probe(trainer(one, mlp { 4, 8, 3 }, "cross_entropy")).trains[1].label_classes,
      probe(trainer(digits, mlp { 4, 8, 3 }, "cross_entropy")).trains[1].label_classes }, { 1, 3 })

  -- adam / optimizer_choice
  local sgd = probe(trainer(real and regression(100, 2, 6, function(x) return x[1] end) or nil, mlp { 2, 8,
    1 }, "mse",
    "sgd", 0.01))
  T.ok("adam: applies to plain SGD", (fix("adam").applies(sgd)))
  local mom = probe(function(_, run)
    local mm = gg.nn.mlp { 2, 8, 1 }
    gg.train { model = mm, data = bin, optimizer = gg.optim.sgd(mm, { lr = 0.01, momentum = 0.9 }),
      log = run }
  end)
  T.eq("adam: SGD with momentum -> not applicable", { fix("adam").applies(mom) }, { false, "not plain SGD" })
  local mm = gg.nn.mlp { 2, 8, 1 }
  local ao = fix("adam").hooks.train { model = mm, optimizer = gg.optim.sgd(mm, { lr = 0.5 }) }
  T.ok("adam: the optimizer becomes Adam at lr 1e-3", tostring(ao.optimizer):match("adam") ~= nil
    and math.abs(ao.optimizer:lr() - 1e-3) < 1e-12)
  T.eq("adam: the loss stalls, nothing more specific -> the cause", (fix("adam").precondition(sgd,
    { stuck = true })),
    true)
  T.eq("adam: the loss falls -> no cause",
    { fix("adam").precondition(sgd, { stuck = false, update_ratio = 0.05 }) },
    { false, "the training loss falls and the steps are not small (plain SGD makes progress)" })
  T.eq("lr*10: the loss falls, but every step is tiny -> the cause",
    { fix("lr*10").precondition(sgd, { stuck = false, update_ratio = 5e-4 }) },
    { true, "the largest update/weight ratio is 0.0005 (< 0.001)" })
  T.eq("lr*10: ... or still falls at the end (when measured)",
    (fix("lr*10").precondition(sgd, { stuck = false, still_falling = true })), true)
  T.eq("adam: not measured", { fix("adam").precondition(sgd, {}) },
    { false, "whether the training loss stalls was not measured" })

  -- lr*10 / lr_too_low: a diagnosis of exclusion
  T.eq("lr*10: the loss stalls, nothing more specific -> the cause", (fix("lr*10").precondition(sgd,
    { stuck = true })),
    true)
  local okx, whyx = fix("lr*10").precondition(s, { stuck = true })
  T.ok("lr*10: stalled, but the targets are unscaled -> that cause comes first", not okx
    and whyx:match("^unscaled targets %(scale_targets%) comes first") ~= nil)
  local tinyi = probe(trainer(regression(100, 10, 3, function(x) return x[1] end),
    mlp { 10, 32, 1, init = { "normal", std = 0.01 } }, "mse", "sgd", 0.01))
  T.ok("adam: stalled, but the initialisation is off -> that cause comes first",
    not fix("adam").precondition(tinyi, { stuck = true }))
  T.ok("lr*10: the loss falls -> no cause", not fix("lr*10").precondition(sgd, { stuck = false }))
end

-- ==== issue 21 round 4: a squashing the loss repeats; a missing hidden activation ====

do
  local blobs = gg.data.classification { n = 120, features = 4, classes = 3, seed = 3 }
  local function seq(list) return function() return gg.nn.sequential(list()) end end
  local soft = probe(trainer(blobs, seq(function()
    return { gg.nn.linear(4, 8), gg.nn.relu(), gg.nn.linear(8, 3), gg.nn.softmax(1) } end), "cross_entropy"))
  local t = soft.trains[1]
  local floor, why = panel.logit_floor(t)
  T.near("logit_floor: a softmax over 3 classes fed to cross_entropy cannot go below log(1 + 2/e)", floor,
    math.log(1 + 2 / math.exp(1)), 1e-12)
  T.ok("logit_floor: says the loss repeats the softmax: " .. tostring(why),
    why ~= nil and why:find("applies its own log-softmax", 1, true) ~= nil)
  T.eq("unreachable_targets: the repeated softmax reaches no target (a structural symptom)",
    (panel.unreachable_targets(t)), 1)
  local ok = fix("no_output_act").precondition(soft)
  T.eq("no_output_act: applies to a softmax before cross_entropy, its precondition holds",
    { fix("no_output_act").applies(soft), ok }, { true, true })
  local specs = { gg.nn.linear(4, 8), gg.nn.relu(), gg.nn.linear(8, 3), gg.nn.softmax(1) }
  T.eq("no_output_act: the hook drops the softmax (cross_entropy then reads logits)",
    kinds(fix("no_output_act").hooks.layers(specs)), "linear relu linear")
  -- the floor is real: trained to the end, the repeated softmax stays above it
  local model = gg.nn.sequential { gg.nn.linear(4, 16), gg.nn.relu(), gg.nn.linear(16, 3), gg.nn.softmax(1) }
  gg.train { model = model, data = blobs, loss = "cross_entropy", epochs = 60, batch_size = 16,
    optimizer = gg.optim.adam(model, { lr = 1e-2 }) }
  local reached = gg.evaluate(model, blobs, { loss = "cross_entropy" })
  T.ok(string.format("logit_floor: the trained loss %.4f stays above the floor %.4f and near it", reached, floor),
    reached >= floor - 1e-6 and reached < floor + 0.2)
  local bin = gg.data.classification { n = 80, features = 2, classes = 2, seed = 4 }
  local sig = probe(trainer(bin, seq(function()
    return { gg.nn.linear(2, 1), gg.nn.sigmoid() } end), "bce_with_logits")).trains[1]
  T.near("logit_floor: a sigmoid fed to bce_with_logits cannot go below log(1 + 1/e)",
    (panel.logit_floor(sig)), math.log(1 + 1 / math.exp(1)), 1e-12)
  local fine = probe(trainer(blobs, seq(function()
    return { gg.nn.linear(4, 8), gg.nn.relu(), gg.nn.linear(8, 3) } end), "cross_entropy")).trains[1]
  T.eq("logit_floor: logits fed to cross_entropy -> no floor, no symptom",
    { panel.logit_floor(fine), panel.unreachable_targets(fine) }, {})
  local cce = probe(trainer(blobs, seq(function()
    return { gg.nn.linear(4, 8), gg.nn.relu(), gg.nn.linear(8, 3), gg.nn.softmax(1) } end),
    "categorical_crossentropy")).trains[1]
  T.eq("logit_floor: a softmax fed to categorical_crossentropy (it reads probabilities) -> no floor",
    panel.logit_floor(cce), nil)
end

do
  local data = regression(100, 1, 7, function(x) return x[1] ^ 3 end)
  local h = fix("hidden_act")
  local function seen_of(list)
    return probe(trainer(data, function() return gg.nn.sequential(list) end, "mse"))
  end
  local stacked = seen_of { gg.nn.linear(1, 1), gg.nn.linear(1, 5), gg.nn.linear(5, 1) }
  local ok, why = h.precondition(stacked)
  T.eq("hidden_act: linear -> linear -> linear: applies, hidden_activation, 2 stacked layers",
    { h.applies(stacked), h.cause, ok, why }, { true, "hidden_activation", true,
      "2 linear layers fed straight into the next linear layer: the stack is one linear map" })
  T.eq("hidden_act: tanh inserted when the model has no hidden activation of its own",
    kinds(h.hooks.layers({ gg.nn.linear(1, 1), gg.nn.linear(1, 5), gg.nn.linear(5, 1) })),
    "linear tanh linear tanh linear")
  T.eq("hidden_act: the model's own hidden activation otherwise; dropout does not count as one",
    kinds(h.hooks.layers({ gg.nn.linear(2, 8), gg.nn.relu(), gg.nn.linear(8, 8), gg.nn.dropout(0.1),
      gg.nn.linear(8, 1), gg.nn.sigmoid() })), "linear relu linear relu dropout linear sigmoid")
  local fine = seen_of { gg.nn.linear(1, 8), gg.nn.relu(), gg.nn.linear(8, 1) }
  T.eq("hidden_act: every hidden linear layer has an activation -> not applicable, no precondition",
    { (h.applies(fine)), (h.precondition(fine)) }, { false, false })
  T.eq("hidden_act: a linear model (one layer) -> not applicable",
    (h.applies(seen_of { gg.nn.linear(1, 1) })), false)
end

do
  -- standardize names its cause from a feature scale of 30 up (round 4; a single raw input in 1..20,
  -- whose divergence a lower lr also removes, is not "unscaled features")
  local function at(scale)
    local d = regression(100, 2, 8, function(x) return x[1] end)
    local x = d:x():totable()
    for _, row in ipairs(x) do row[1] = scale + scale / 2 * row[1] end
    return probe(trainer(gg.data.from_tensors(gg.tensor(x), d:y()), mlp { 2, 4, 1 }, "mse"))
  end
  local mild, raw = at(12), at(60)
  T.eq("standardize: a feature of mean 12 -> applies, but the precondition fails (a tuning hint)",
    { (fix("standardize").applies(mild)), (fix("standardize").precondition(mild)) }, { true, false })
  T.eq("standardize: a feature of mean 60 -> the precondition holds",
    (fix("standardize").precondition(raw)), true)
end

do
  -- a ReLU output on targets it can reach: its cause only when the loss stalls (a dead output unit)
  local bin = regression(120, 3, 9, function(x) return x[1] > 0 and 1 or 0 end)
  local seen = probe(trainer(bin, mlp { 3, 8, 1, output_activation = "relu" }, "mse"))
  local f = fix("no_output_act")
  local ok, why = f.precondition(seen, { stuck = true })
  T.eq("no_output_act: a ReLU output on 0/1 targets and a stalled loss -> the precondition holds",
    { f.applies(seen), ok, why ~= nil and why:find("dead output", 1, true) ~= nil }, { true, true, true })
  T.eq("no_output_act: the same output while the loss falls -> no cause (a tuning hint)",
    (f.precondition(seen, { stuck = false })), false)
end

do
  -- a loop by hand that never zeroes its gradients: a structural symptom, zero_grad's cause
  local function hand(zero)
    return function(_, run)
      local data = regression(50, 1, 10, function(x) return 2 * x[1] end)
      local model = gg.nn.sequential { gg.nn.linear(1, 1) }
      local opt = gg.optim.sgd(model, { lr = 0.01 })
      for it = 1, 20 do
        if zero then opt:zero_grad() end
        local loss = gg.loss.mse(model:forward(data:x()), data:y())
        loss:backward()
        run:log("loss", loss:item(), it, it)
        opt:step()
      end
    end
  end
  local stale, fine = probe(hand(false)), probe(hand(true))
  T.eq("probe: a loop by hand records its steps and the stale ones", { stale.hand_steps, fine.hand_steps },
    { { steps = 20, stale = 19 }, { steps = 20, stale = 0 } })
  local share, why = panel.stale_gradients(stale)
  T.eq("stale_gradients: 19 of 19 later steps stale; says so", { share, why },
    { 1, "19 of 20 optimizer steps used the gradients summed since an earlier step (no zero_grad between them)" })
  T.eq("stale_gradients: a loop that zeroes -> none", panel.stale_gradients(fine), nil)
  local z = fix("zero_grad")
  T.eq("zero_grad: applies and names grad_not_zeroed on the stale loop, not on the other",
    { z.applies(stale), z.cause, (z.precondition(stale)), (z.applies(fine)), (z.precondition(fine)) },
    { true, "grad_not_zeroed", true, false, false })
  T.eq("zero_grad: not applicable to gg.train (it zeroes every step)",
    (z.applies(probe(trainer(regression(50, 1, 10, function(x) return x[1] end), mlp { 1, 1 }, "mse")))), false)
  -- the fix's hook: each step then sees one fresh gradient
  local m = gg.nn.sequential { gg.nn.linear(1, 1) }
  local opt = gg.optim.sgd(m, { lr = 0.01 })
  z.hooks.optimizer(opt)
  gg.loss.mse(m:forward(gg.tensor { { 1 } }), gg.tensor { 3 }):backward()
  opt:step()
  T.eq("zero_grad: the hook zeroes the gradients after each step", m:grads()[1]:get(1, 1), 0)
  local evidence = require "gglab.doctor.evidence"
  local s = evidence.symptoms({}, nil, { stale = why })
  T.eq("symptoms: the stale gradients are listed first", { s.stale, s.list[1] },
    { 1, "the gradients are never zeroed: " .. why })
end

if os.getenv("GGLAB_DOCTOR_EVAL") == "0" then
  print("end-to-end diagnoses skipped (GGLAB_DOCTOR_EVAL=0)")
  T.done()
end

-- ==== end to end: small synthetic broken configurations, written here ====

-- Each: 320 rows of 4 N(0, 1) features, the last quarter held out for validation.
local CASES = {
  { "targets around 1000, Adam 0.02: the net cannot grow its output that far", "targets_unscaled",
    function(seed) return regression(320, 4, seed, function(x, r)
      return 1000 + 300 * (x[1] - x[2] + 0.5 * x[3]) + 10 * r:normal() end) end,
    function() return gg.nn.mlp { 4, 16, 1 } end, "adam", 0.02, 20 },
  { "a ReLU output on targets that are mostly negative", "output_activation",
    function(seed) return regression(320, 4, seed, function(x, r)
      return -5 + 5 * (x[1] + x[2]) + 0.1 * r:normal() end) end,
    function() return gg.nn.mlp { 4, 16, 1, output_activation = "relu" } end, "adam", 0.01, 20 },
  { "a sigmoid output on targets around 50: stuck far above the constant predictor", "output_activation",
    function(seed) return regression(320, 4, seed, function(x, r)
      return 50 + 10 * (x[1] + x[2]) + 0.1 * r:normal() end)
    end,
    function() return gg.nn.mlp { 4, 16, 1, output_activation = "sigmoid" } end, "adam", 0.01, 20 },
  -- MSE on 0/1 labels trains, only less well: no symptom, so the doctor's symptom gate (issue
  -- 21 item 1) reports the fix as a tuning hint; asserted: BCE is the best fix, and no other
  -- cause is named.
  { "MSE on 0/1 labels through a sigmoid (logistic regression), SGD 0.5", "wrong_loss",
    function(seed) return regression(320, 4, seed, function(x) return (x[1] + x[2] > 0) and 1 or 0 end) end,
    function() return gg.nn.sequential { gg.nn.linear(4, 1), gg.nn.sigmoid() } end, "sgd", 0.5, 20, "best" },
  { "Adam at lr 1e-4 for 30 epochs: barely moves", "lr_too_low",
    function(seed) return regression(320, 4, seed, function(x, r)
      return x[1] - 2 * x[2] + 0.1 * r:normal() end) end,
    function() return gg.nn.mlp { 4, 16, 1 } end, "adam", 1e-4, 30 },
  { "a 10-layer linear chain, plain SGD 0.005: stuck on the plateau at the origin (lr x 10 still stuck, "
    .. "x 100 diverges)", "optimizer_choice",
    function(seed) return regression(320, 4, seed, function(x, r)
      return x[1] - 2 * x[2] + 0.1 * r:normal() end) end,
    function()
      local L, w = {}, { 4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 1 }
      for i = 1, #w - 1 do L[i] = gg.nn.linear(w[i], w[i + 1]) end
      return gg.nn.sequential(L)
    end, "sgd", 0.005, 20 },
  { "biases initialised to -3 in a ReLU net: most units start dead", "bad_init",
    function(seed) return regression(320, 4, seed, function(x, r)
      return x[1] - 2 * x[2] + 0.1 * r:normal() end) end,
    function() return gg.nn.mlp { 4, 16, 16, 1, init = { "kaiming_uniform", bias_init = "constant",
      bias_value = -3 } }
    end, "adam", 1e-3, 20 },
  -- issue 21 round 2 (so47352366's mechanism): a ReLU output renormalised by categorical
  -- cross-entropy reaches 0/0 and overflows; a softmax output repairs it
  { "a ReLU output under categorical cross-entropy: 0/0, the loss overflows", "output_activation",
    function(seed) return gg.data.classification { n = 320, features = 4, classes = 3, seed = seed } end,
    function()
      return gg.nn.sequential { gg.nn.linear(4, 16), gg.nn.relu(), gg.nn.linear(16, 3), gg.nn.relu() }
    end, "adam", 0.01, 20, nil, "categorical_crossentropy" },
  -- (so38648195's mechanism) MSE on a softmax over 3 independent 0/1 labels: it trains, only less
  -- well (no symptom), so asserted as for MSE on 0/1 labels above: sigmoid + BCE is the best fix
  { "MSE on a softmax over 3 independent 0/1 labels, SGD 0.5", "wrong_loss",
    function(seed)
      local r = gg.rng(seed)
      local x, y = {}, {}
      for i = 1, 320 do
        local row = { r:normal(), r:normal(), r:normal(), r:normal() }
        local t = {}
        for j = 1, 3 do t[j] = row[j] + 0.5 * row[4] > 0.3 and 1 or 0 end
        x[i], y[i] = row, t
      end
      return gg.data.from_tensors(gg.tensor(x), gg.tensor(y))
    end,
    function() return gg.nn.sequential { gg.nn.linear(4, 16), gg.nn.relu(), gg.nn.linear(16, 3),
      gg.nn.softmax(1) } end, "sgd", 0.5, 20, "best", "mse" },
}

for _, c in ipairs(CASES) do
  local what, cause, data, make, optim, lr, epochs, expect, loss = table.unpack(c, 1, 9)
  local exp = gg.experiment { name = "panel_e2e", sweep = { seed = { 1 } }, run = function(_, run)
    local train, val = data(run.seed):split(0.25, { shuffle = false })
    local model = make()
    gg.train { model = model, data = train, val = val, optimizer = gg.optim[optim](model, { lr = lr }),
      epochs = epochs, batch_size = 32, log = run, loss = loss }
  end }
  local out = T.tmpdir()
  local rep = doctor.diagnose(exp, { seed = 1 }, { seeds = { 1, 2, 3, 4, 5, 6 }, out = out, jobs = 1,
    stderr = { write = function() end } })
  if expect == "best" then
    local best
    for _, row in ipairs(rep.rows) do
      if row.effect.median and (not best or row.effect.median < best.effect.median) then best = row end
    end
    T.eq(string.format("end to end, %s: the best fix is %s's (%s)", what, cause, rep.verdict),
      best and best.fix.cause, cause)
    T.ok(string.format("end to end, %s: no other cause is named (%s)", what, rep.verdict),
      rep.causes == nil or #rep.causes == 0 or rep.causes[1] == cause)
  else
    T.eq(string.format("end to end, %s: the doctor names %s (%s)", what, cause, rep.verdict),
      rep.causes and rep.causes[1], cause)
  end
  T.rmtree(out)
end

T.done()
