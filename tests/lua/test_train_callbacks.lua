--[[ tests/lua/test_train_callbacks.lua — gg.train's on_epoch_end / on_step_end callbacks,
  history.lr, metrics and per_class (lua/gglab/train.lua), gg.train_plan and gg.confusion
  (lua/ltrain.c, core/eval.c). The central claims: without on_step_end an epoch is one
  gg.train_epoch call with the bytes gg.train gave before callbacks existed (pinned), and a
  callback that does nothing leaves every number bit-identical. ]]
local T = require "check"
local gg = require "gglab"

local SRC = debug.getinfo(1, "S").short_src

-- FNV-1a 64 of the model's parameters as float32 bytes: a byte-exact fingerprint.
local function fnv(model)
  local h = 0xcbf29ce484222325
  for _, t in ipairs(model:parameters()) do
    for _, row in ipairs(t:totable()) do
      for _, v in ipairs(type(row) == "table" and row or { row }) do
        for c in string.pack("<f", v):gmatch(".") do h = (h ~ c:byte()) * 0x100000001b3 end
      end
    end
  end
  return string.format("%016x", h)
end

-- The pinned scenario: shuffling, dropout, a per-epoch scheduler, clipping, validation.
local function scenario(extra)
  local data = gg.data.classification { n = 90, features = 4, classes = 3, seed = 1 }
  local train, val = data:split(0.2, { seed = 2 })
  local model = gg.nn.mlp { 4, 8, 3, seed = 1, dropout = 0.2 }
  local opt = gg.optim.adam(model, { lr = 0.01 })
  local o = { model = model, data = train, val = val, optimizer = opt, loss = "cross_entropy", epochs = 3,
    batch_size = 16, seed = 5, scheduler = gg.sched.step_lr(opt, { step_size = 1, gamma = 0.5 }), clip_norm = 1 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return gg.train(o), model, opt
end

-- Count the C epoch calls gg.train makes (gg.train looks gg.train_epoch up at each call).
local function counting(fn)
  local real, calls = gg.train_epoch, 0
  gg.train_epoch = function(...) calls = calls + 1; return real(...) end
  local ok, a, b, c = pcall(fn)
  gg.train_epoch = real
  assert(ok, a)
  return calls, a, b, c
end

-- ---- no callback: one C call per epoch, the bytes of the build before callbacks ----
do
  local calls, h, model = counting(function() return scenario() end)
  T.eq("no callback: one gg.train_epoch call per epoch", calls, 3)
  -- Pinned with the tree before this feature (commit c5bcb44): parameters and losses.
  T.eq("no callback: parameters as before callbacks existed", fnv(model), "5247c63921ddb5d0")
  T.eq("no callback: losses as before", string.format("%a %a %a", h.loss[#h.loss], h.epoch_loss[3], h.val_loss[3]),
    "0x1.0d196ep+0 0x1.0e2f5071c71c7p+0 0x1.e6dbcep-1")
  T.eq("history.lr: one entry a step", #h.lr, h.steps)
  T.eq("history.lr: the lr each step used (step_lr halves it every epoch)", { h.lr[1], h.lr[5], h.lr[6], h.lr[15] },
    { 0.01, 0.01, 0.005, 0.0025 })
  -- on_epoch_end alone keeps the one-call epoch too
  local calls2 = counting(function() return scenario { on_epoch_end = function() end } end)
  T.eq("on_epoch_end only: still one call per epoch", calls2, 3)
end

-- ---- a callback that does nothing: bit-identical ----
do
  local a, ma, oa = scenario()
  local seen = {}
  local calls, b, mb, ob = counting(function()
    return scenario { on_step_end = function(s) seen[#seen + 1] = s.step end, on_epoch_end = function() end }
  end)
  T.eq("on_step_end: one C call per step", calls, a.steps)
  T.eq("on_step_end no-op: same parameter bytes", fnv(mb), fnv(ma))
  T.eq("on_step_end no-op: same step losses", b.loss, a.loss)
  T.eq("on_step_end no-op: same lrs", b.lr, a.lr)
  T.eq("on_step_end no-op: same epoch means (bits)", b.epoch_loss, a.epoch_loss)
  T.eq("on_step_end no-op: same val losses", b.val_loss, a.val_loss)
  T.eq("on_step_end no-op: same optimizer steps", ob:steps(), oa:steps())
  T.eq("on_step_end: called after every step, in order", seen, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 })
end

-- Same with drop_last, sgd momentum, a per-step one-cycle schedule, BatchNorm and an order function.
do
  local function run(cb, order)
    local data = gg.data.regression { n = 70, features = 3, seed = 3 }
    local model = gg.nn.sequential({ gg.nn.linear(3, 6), gg.nn.batchnorm1d(6), gg.nn.relu(), gg.nn.linear(6, 1) },
      { seed = 2 })
    local opt = gg.optim.sgd(model, { lr = 0.05, momentum = 0.9 })
    local h = gg.train { model = model, data = data, optimizer = opt, epochs = 4, batch_size = 16, drop_last = true,
      seed = 9, scheduler = gg.sched.one_cycle_lr(opt, { max_lr = 0.05, total_steps = 16 }), scheduler_step = "step",
      on_step_end = cb, order = order }
    return h, model
  end
  local a, ma = run(nil)
  local b, mb = run(function() end)
  T.eq("drop_last + BatchNorm + one-cycle: same bytes", fnv(mb), fnv(ma))
  T.eq("drop_last + BatchNorm + one-cycle: same losses and lrs", { b.loss, b.lr, b.epoch_loss },
    { a.loss, a.lr, a.epoch_loss })
  T.eq("drop_last: 4 steps an epoch", a.steps, 16)
  local order = function(epoch) return { { 1, 2, 3, epoch + 3 }, { 10, 20, 30 }, { 5, 6, 7, 8, 9 } } end
  local c, mc = run(nil, order)
  local d, md = run(function() end, order)
  T.eq("order function: same bytes with on_step_end", fnv(md), fnv(mc))
  T.eq("order function: same losses", d.loss, c.loss)
end

-- The run's curves are the same rows with a no-op on_step_end (log_every, grad_norm, lr, keras
-- batch_loss), and early stopping with restore_best and validation_split ends the same.
do
  local function run(cb, keras)
    local rows = {}
    local ctx = { log = function(_, metric, value, step, epoch)
      rows[#rows + 1] = string.format("%s@%d/%d=%a", metric, step, epoch, value)
    end }
    local data = gg.data.regression { n = 90, features = 3, noise = 1, seed = 5 }
    local model = gg.nn.mlp { 3, 8, 1, seed = 5 }
    local opt = gg.optim.sgd(model, { lr = 0.5, momentum = 0.5 })
    local h = gg.train { model = model, data = data, optimizer = opt, epochs = 30, batch_size = 16, seed = 2,
      validation_split = 0.25, log = ctx, log_every = 3, clip_norm = 0.5, keras = keras,
      scheduler = gg.sched.step_lr(opt, { step_size = 2, gamma = 0.7 }),
      early_stopping = { patience = 2, restore_best = true }, on_step_end = cb }
    return rows, h, fnv(model)
  end
  for _, keras in ipairs { false, true } do
    local ra, ha, fa = run(nil, keras)
    local rb, hb, fb = run(function() end, keras)
    local tag = keras and "keras: " or ""
    T.eq(tag .. "logged rows identical with a no-op on_step_end", rb, ra)
    T.ok(tag .. "rows were logged", #ra > 40)
    T.ok(tag .. "early stopping stopped and restored an earlier epoch",
      ha.stopped_epoch and ha.best_epoch < ha.stopped_epoch)
    T.eq(tag .. "early stopping identical", { hb.best_epoch, hb.stopped_epoch, fb },
      { ha.best_epoch, ha.stopped_epoch, fa })
  end
end

-- gg.train_plan draws what gg.train_epoch draws: replaying its batches as order gives the same epoch.
do
  local data = gg.data.regression { n = 37, features = 2, seed = 4 }
  local plan = gg.train_plan(data, { batch_size = 10, rng = gg.rng(7) })
  T.eq("train_plan: 4 batches of 10, 10, 10, 7", { #plan, #plan[1], #plan[4] }, { 4, 10, 7 })
  local rows = {}
  for _, b in ipairs(plan) do for _, r in ipairs(b) do rows[r] = (rows[r] or 0) + 1 end end
  local all = true
  for r = 1, 37 do all = all and rows[r] == 1 end
  T.ok("train_plan: a permutation of 1..37", all)
  local m1, m2 = gg.nn.mlp { 2, 1, seed = 1 }, gg.nn.mlp { 2, 1, seed = 1 }
  local l1 = gg.train_epoch(m1, gg.optim.sgd(m1), data, { batch_size = 10, rng = gg.rng(7) })
  local l2 = gg.train_epoch(m2, gg.optim.sgd(m2), data, { order = plan })
  T.eq("train_plan: as order, the same step losses", l2, l1)
  T.eq("train_plan: no shuffle = rows in order", gg.train_plan(data, { batch_size = 20, shuffle = false })[2][1], 21)
  T.eq("train_plan: drop_last", #gg.train_plan(data, { batch_size = 10, drop_last = true, seed = 1 }), 3)
  T.raises("train_plan: bad batch_size", function() gg.train_plan(data, { batch_size = 0 }) end,
    "batch_size must be")
  T.raises("train_plan: unknown option", function() gg.train_plan(data, { batchsize = 3 }) end,
    "unknown option 'batchsize'")
end

-- ---- the state ----
do
  local steps, epochs = {}, {}
  local h, model, opt = scenario {
    on_step_end = function(s)
      steps[#steps + 1] = { s.epoch, s.step, s.loss == s.history.loss[s.step], s.lr == s.history.lr[s.step],
        s.val_loss }
    end,
    on_epoch_end = function(s)
      epochs[#epochs + 1] = { s.epoch, s.step, s.loss, s.val_loss, s.lr, s.model, s.optimizer }
    end,
  }
  T.eq("state at step 6: epoch 2, step 6, loss and lr of history, last val_loss", steps[6],
    { 2, 6, true, true, h.val_loss[1] })
  T.eq("state at step 1: no val_loss yet", steps[1][5], nil)
  T.eq("state at epoch end", epochs[2], { 2, 10, h.epoch_loss[2], h.val_loss[2], h.lr[10], model, opt })
end

-- ---- stop early ----
do
  local ends = 0
  local h, _, opt = scenario {
    on_step_end = function(s) if s.step == 7 then s.stop = true end end,
    on_epoch_end = function() ends = ends + 1 end,
  }
  T.eq("stop in on_step_end: 7 steps, stopped in epoch 2", { h.steps, h.stopped_epoch, h.stopped_step, opt:steps() },
    { 7, 2, 7, 7 })
  T.eq("stop in on_step_end: the partial epoch is booked and on_epoch_end runs", { #h.epoch_loss, #h.val_loss, ends },
    { 2, 2, 2 })
  -- the partial epoch's mean: batch-size-weighted over its 2 steps of 16 rows
  T.eq("partial epoch mean", h.epoch_loss[2], (h.loss[6] * 16 + h.loss[7] * 16) / 32)
  local h2 = scenario { on_epoch_end = function(s) s.stop = s.epoch == 2 end }
  T.eq("stop in on_epoch_end", { #h2.epoch_loss, h2.steps, h2.stopped_epoch, h2.stopped_step }, { 2, 10, 2, 10 })
  local full = scenario()
  T.eq("no stop: stopped_epoch stays nil", { full.stopped_epoch, full.stopped_step }, {})
end

-- ---- change the lr ----
do
  local data = gg.data.regression { n = 64, features = 2, seed = 1 }
  local model = gg.nn.mlp { 2, 4, 1, seed = 1 }
  local opt = gg.optim.sgd(model, { lr = 0.1 })
  local h = gg.train { model = model, data = data, optimizer = opt, epochs = 3, batch_size = 32, seed = 1,
    on_epoch_end = function(s) s.optimizer:set_lr(s.lr / 4) end,
    on_step_end = function(s) if s.step == 5 then s.optimizer:set_lr(1e-3) end end }
  T.eq("set_lr from callbacks: history.lr shows the lr each step used", h.lr, { 0.1, 0.1, 0.025, 0.025, 0.00625, 1e-3 })
end

-- ---- state:log: extra curves ----
do
  local rows = {}
  local run = { log = function(_, metric, value, step)
    if metric ~= "loss" then rows[#rows + 1] = metric .. "@" .. step .. "=" .. value end
  end }
  local data = gg.data.regression { n = 40, features = 2, seed = 1 }
  local model = gg.nn.mlp { 2, 1, seed = 1 }
  local h = gg.train { model = model, data = data, optimizer = gg.optim.sgd(model), epochs = 2, batch_size = 20,
    log = run, on_step_end = function(s) s:log("twice", 2 * s.step) end,
    on_epoch_end = function(s) s:log("ep", s.epoch) end }
  T.eq("state:log goes to the run at the current step", table.concat(rows, " "),
    "twice@1=2 twice@2=4 epoch_loss@2=" .. h.epoch_loss[1] .. " ep@2=1 twice@3=6 twice@4=8 epoch_loss@4="
      .. h.epoch_loss[2] .. " ep@4=2")
  T.eq("state:log is kept in history.logged", h.logged, { twice = { steps = { 1, 2, 3, 4 }, values = { 2, 4, 6, 8 } },
    ep = { steps = { 2, 4 }, values = { 1, 2 } } })
end

-- ---- metrics and per_class ----
local function argmax_acc(pred, target)
  local p, t = pred:totable(), target:totable()
  local right = 0
  for i, row in ipairs(p) do
    local best = 1
    for c = 2, #row do if row[c] > row[best] then best = c end end
    right = right + (best - 1 == (type(t[i]) == "table" and t[i][1] or t[i]) and 1 or 0)
  end
  return right / #p
end
do
  local rows = {}
  local run = { log = function(_, metric, value, step) rows[#rows + 1] = metric end }
  local h, model = scenario { metrics = { acc = argmax_acc, rows = function(pred) return #pred:totable() end },
    per_class = true, log = run }
  local data = gg.data.classification { n = 90, features = 4, classes = 3, seed = 1 }
  local _, val = data:split(0.2, { seed = 2 })
  T.eq("metrics: history.val_acc per epoch, the accuracy of the final model", { #h.val_acc, h.val_acc[3] },
    { 3, gg.accuracy(model, val) })
  T.eq("metrics: every metric, each epoch", h.val_rows, { 18, 18, 18 })
  local conf = gg.confusion(model, val)
  local n, right = 0, 0
  for t = 1, 3 do for p = 1, 3 do n = n + conf[t][p] end; right = right + conf[t][t] end
  T.eq("confusion: counts every val row", n, 18)
  T.eq("confusion: its diagonal is the accuracy", right / n, gg.accuracy(model, val))
  local acc, prec = h.val_class_acc[3], h.val_class_precision[3]
  for c = 1, 3 do
    local row, col = 0, 0
    for k = 1, 3 do row, col = row + conf[c][k], col + conf[k][c] end
    T.eq("per_class acc class " .. (c - 1), acc[c], conf[c][c] / row)
    T.eq("per_class precision class " .. (c - 1), prec[c] ~= prec[c] and "nan" or prec[c],
      col == 0 and "nan" or conf[c][c] / col)
  end
  local logged = table.concat(rows, " ")
  T.ok("metrics and per_class are logged after val_loss", logged:find("val_loss val_perplexity val_acc val_rows "
    .. "val_class_acc_0 ", 1, true) ~= nil)
  -- metrics and per_class leave the training itself alone
  local plain, pm = scenario()
  T.eq("metrics + per_class: same bytes", fnv(model), fnv(pm))
  T.eq("metrics + per_class: same val losses", h.val_loss, plain.val_loss)
end
do -- bce with one output: classes 0 and 1
  local x = gg.tensor { { -2 }, { -1 }, { 1 }, { 2 }, { 3 } }
  local y = gg.tensor { { 0 }, { 1 }, { 1 }, { 1 }, { 0 } }
  local ds = gg.data.from_tensors(x, y)
  local model = gg.nn.sequential({ gg.nn.linear(1, 1) }, { seed = 1 })
  model:load_parameters { gg.tensor { { 1 } }, gg.tensor { 0 } }
  T.eq("confusion, bce_with_logits: x > 0 predicts 1", gg.confusion(model, ds, { loss = "bce_with_logits" }),
    { { 1, 1 }, { 1, 2 } })
  T.raises("confusion: not for mse", function() gg.confusion(model, ds, { loss = "mse" }) end,
    "per%-class counts need a classification loss")
  local two = gg.nn.sequential({ gg.nn.linear(1, 2) }, { seed = 1 })
  local y2 = gg.data.from_tensors(x, gg.tensor { { 0, 1 }, { 1, 1 }, { 1, 0 }, { 0, 0 }, { 1, 1 } })
  T.raises("confusion: multi-output bce", function() gg.confusion(two, y2, { loss = "bce_with_logits" }) end,
    "need one model output")
end

-- ---- bad input: clear errors at the caller's line ----
local function at_caller(name, want, fn)
  local ok, err = pcall(fn)
  local line = debug.getinfo(fn, "S").linedefined
  T.eq(name, not ok and tostring(err) or "no error", string.format("%s:%d: %s", SRC, line, want))
end
do
  local data = gg.data.regression { n = 20, features = 2, seed = 1 }
  local cls = gg.data.classification { n = 20, features = 2, classes = 2, seed = 1 }
  local m = gg.nn.mlp { 2, 1, seed = 1 }
  local m2 = gg.nn.mlp { 2, 2, seed = 1 }
  local opt, opt2 = gg.optim.sgd(m), gg.optim.sgd(m2)
  at_caller("on_step_end not a function", "gg.train: on_step_end must be a function(state), got 1",
    function() gg.train { model = m, data = data, optimizer = opt, on_step_end = 1 } end)
  at_caller("on_epoch_end not a function", "gg.train: on_epoch_end must be a function(state), got 'stop'",
    function() gg.train { model = m, data = data, optimizer = opt, on_epoch_end = "stop" } end)
  at_caller("on_step_end returning 'stop'",
    "gg.train: on_step_end must return nothing (set state.stop = true to stop training), got 'stop'",
    function() gg.train { model = m, data = data, optimizer = opt, on_step_end = function() return "stop" end } end)
  at_caller("on_epoch_end returning true",
    "gg.train: on_epoch_end must return nothing (set state.stop = true to stop training), got a boolean",
    function() gg.train { model = m, data = data, optimizer = opt, on_epoch_end = function() return true end } end)
  at_caller("on_step_end with diagnostics",
    "gg.train: on_step_end cannot be combined with diagnostics (the diagnostics need each epoch in one C call)",
    function() gg.train { model = m, data = data, optimizer = opt, on_step_end = print, diagnostics = {} } end)
  at_caller("a C error inside a step-by-step epoch",
    "gg.train: batch_size 32 with drop_last leaves no batch of 20 rows",
    function() gg.train { model = m, data = data, optimizer = opt, drop_last = true, on_step_end = print } end)
  at_caller("metrics not a table",
    "gg.train: metrics must be a table {name = function(pred, target) -> number}, got 'acc'",
    function() gg.train { model = m, data = data, val = data, optimizer = opt, metrics = "acc" } end)
  at_caller("metrics value not a function",
    "gg.train: metrics.acc must be a function(pred, target) -> number, got 1",
    function() gg.train { model = m, data = data, val = data, optimizer = opt, metrics = { acc = 1 } } end)
  at_caller("metrics named loss", "gg.train: metrics.loss would be logged as val_loss, a name gg.train uses itself",
    function() gg.train { model = m, data = data, val = data, optimizer = opt, metrics = { loss = print } } end)
  at_caller("metrics named like a per-class curve",
    "gg.train: metrics.class_acc_0 would be logged as val_class_acc_0, a name gg.train uses itself",
    function() gg.train { model = m, data = data, val = data, optimizer = opt, metrics = { class_acc_0 = print } } end)
  at_caller("metrics key not a name", "gg.train: metrics keys must be names (letters, digits, _), got 1",
    function() gg.train { model = m, data = data, val = data, optimizer = opt, metrics = { print } } end)
  at_caller("metrics without val",
    "gg.train: metrics are computed on the validation data: give val or validation_split",
    function() gg.train { model = m, data = data, optimizer = opt, metrics = { a = print } } end)
  at_caller("metric returning a string", "gg.train: metrics.a must return a number, got 'gglab.Tensor(20x1)'",
    function() gg.train { model = m, data = data, val = data, optimizer = opt, metrics = { a = tostring } } end)
  at_caller("per_class with mse",
    "gg.train: per_class needs a classification loss (cross_entropy, nll, bce, bce_with_logits, "
      .. "categorical_crossentropy) as val_loss or loss, got 'mse'",
    function() gg.train { model = m, data = data, val = data, optimizer = opt, per_class = true } end)
  at_caller("per_class not a boolean", "gg.train: per_class must be a boolean, got 1",
    function() gg.train { model = m2, data = cls, val = cls, loss = "nll", optimizer = opt2, per_class = 1 } end)
  at_caller("per_class without val", "gg.train: per_class counts the validation data: give val or validation_split",
    function() gg.train { model = m2, data = cls, loss = "cross_entropy", optimizer = opt2, per_class = true } end)
  local yb = {}
  for i = 1, 20 do yb[i] = { i % 2, (i + 1) % 2 } end
  local multi = gg.data.from_tensors(data:x(), gg.tensor(yb))
  local m2o = gg.nn.mlp { 2, 2, seed = 1 }
  local om, bl = gg.optim.sgd(m2o), "bce_with_logits"
  at_caller("per_class with a two-output bce",
    "gg.train: per-class counts of bce_with_logits need one model output (2 classes), got 2",
    function() gg.train { model = m2o, data = multi, val = multi, loss = bl, optimizer = om, per_class = true } end)
  -- a bad order gives the same error with and without on_step_end
  for i, o in ipairs { {}, { { 1, 2 }, { 3, 99 } }, { { 1 }, 5 } } do
    local _, plain = pcall(gg.train, { model = m, data = data, optimizer = opt, order = o })
    local _, stepped = pcall(gg.train, { model = m, data = data, optimizer = opt, order = o, on_step_end = print })
    T.eq("bad order " .. i .. ": the same error step by step", stepped, plain)
    T.ok("bad order " .. i .. ": an order error", plain:find("gg.train: order", 1, true) ~= nil)
  end
  T.eq("train_plan checks and copies an order", gg.train_plan(data, { order = { { 2, 1 }, { 3 } } }),
    { { 2, 1 }, { 3 } })
  -- a bad label in the last batch: found at the epoch's first step, before any update, as without callbacks
  local y = cls:y():totable()
  y[20] = { 7 }
  local badc = gg.data.from_tensors(cls:x(), gg.tensor(y), { classes = 2 })
  local o1, o2 = gg.optim.sgd(m2), gg.optim.sgd(m2)
  local _, e1 = pcall(gg.train, { model = m2, data = badc, optimizer = o1, loss = "nll", shuffle = false })
  local _, e2 = pcall(gg.train, { model = m2, data = badc, optimizer = o2, loss = "nll", shuffle = false,
    on_step_end = print })
  T.eq("bad label: the same error step by step, before any step", { e2, o2:steps() }, { e1, 0 })
  T.ok("bad label: a label error", e1:find("gg.train: ", 1, true) ~= nil and e1:find("7", 1, true) ~= nil)
  local mm = gg.nn.mlp { 2, 2, seed = 1 }
  local skip = gg.train_epoch(mm, gg.optim.sgd(mm), badc, { loss = "nll", order = { { 1, 2 } }, check_targets = false })
  T.eq("check_targets = false: rows not in the order are not checked", #skip, 1)
  T.raises("check_targets must be a boolean", function()
    gg.train_epoch(mm, gg.optim.sgd(mm), badc, { loss = "nll", check_targets = 0 })
  end, "check_targets must be a boolean")
  T.raises("state:log with a dot", function()
    gg.train { model = m, data = data, optimizer = opt, on_step_end = function(s) s.log("x", 1) end }
  end, "call state:log%(name, value%) with a colon")
  T.raises("state:log of a name gg.train logs", function()
    gg.train { model = m, data = data, optimizer = opt, on_epoch_end = function(s) s:log("val_loss", 1) end }
  end, "state:log%('val_loss'%): gg.train logs that curve itself")
  T.raises("state:log of a non-number", function()
    gg.train { model = m, data = data, optimizer = opt, on_epoch_end = function(s) s:log("x", "1") end }
  end, "state:log%('x', value%): value must be a number, got '1'")
  T.raises("an error inside a callback is the callback's", function()
    gg.train { model = m, data = data, optimizer = opt, on_step_end = function() error("mine") end }
  end, "test_train_callbacks.lua:%d+: mine")
end

T.done()
