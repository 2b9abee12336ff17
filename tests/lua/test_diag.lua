-- tests/lua/test_diag.lua — gg.train{diagnostics = ...}: the curves it logs (names, steps,
-- values that must agree with each other), that diagnostics leave training unchanged and
-- are deterministic, loss_spike, accuracy, the input range; gg.diag.sharpness against the
-- analytic Hessian; gg.lr_find (suggestions near the known good lr, state restored) and
-- gg.stable_lr against the analytic stability limit of full-batch gradient descent; the
-- error messages.
local T = require "check"
local gg = require "gglab"

-- A stand-in run context collecting metric -> {step -> value} and the row order.
local function recorder()
  local rec = { curves = {}, order = {} }
  rec.log = function(_, metric, value, step)
    rec.curves[metric] = rec.curves[metric] or {}
    rec.curves[metric][step] = value
    rec.order[#rec.order + 1] = metric .. "@" .. step
  end
  return rec
end

local function keys(t)
  local k = {}
  for name in pairs(t) do k[#k + 1] = name end
  table.sort(k)
  return k
end

local function steps_of(c)
  local s = {}
  for step in pairs(c) do s[#s + 1] = step end
  table.sort(s)
  return s
end

-- Top eigenvalue of the MSE Hessian (2/n) Xa^T Xa of Linear(d, 1) on data, in double.
local function lambda_max(data)
  local X = data:x():totable()
  local n, d = #X, #X[1]
  local A = {}
  for i = 1, d + 1 do
    A[i] = {}
    for j = 1, d + 1 do
      local s = 0
      for r = 1, n do s = s + (i <= d and X[r][i] or 1) * (j <= d and X[r][j] or 1) end
      A[i][j] = 2 * s / n
    end
  end
  local v, lam = {}, 0
  for i = 1, d + 1 do v[i] = 1 end
  for _ = 1, 5000 do
    local w, norm = {}, 0
    for i = 1, d + 1 do
      local s = 0
      for j = 1, d + 1 do s = s + A[i][j] * v[j] end
      w[i] = s
      norm = norm + s * s
    end
    lam = 0
    for i = 1, d + 1 do lam = lam + v[i] * w[i] end
    for i = 1, d + 1 do v[i] = w[i] / math.sqrt(norm) end
  end
  return lam
end

-- ---- the curves gg.train logs ----
do
  local all = gg.data.classification { n = 120, features = 3, classes = 3, seed = 1 }
  local train, val = all:split(0.25, { seed = 1 })           -- 90 rows: 3 steps of 30
  local model = gg.nn.mlp { 3, 8, 6, 3, activation = "relu", seed = 1 }
  local opt = gg.optim.sgd(model, { lr = 0.05 })
  local run = recorder()
  local h = gg.train { model = model, data = train, val = val, loss = "cross_entropy", optimizer = opt,
    batch_size = 30, epochs = 2, seed = 3, log = run, diagnostics = { every = 2, sharpness_every = 3 } }
  local per_step = { "grad_norm", "grad_norm_clipped", "grad_norm_l1", "grad_norm_l2", "grad_norm_l3",
    "grad_ratio", "update_ratio_l1", "update_ratio_l2", "update_ratio_l3", "update_ratio", "mean_abs_update",
    "weight_var_l1", "weight_var_l2", "weight_var_l3", "eff_lr", "relu_zero_frac", "dead_relu_frac",
    "zero_grad_frac", "nonfinite", "loss_spike" }
  for _, name in ipairs(per_step) do
    T.eq(name .. " at steps 2, 4, 6", run.curves[name] and steps_of(run.curves[name]), { 2, 4, 6 })
  end
  T.eq("sharpness at steps 3, 6", steps_of(run.curves.sharpness), { 3, 6 })
  T.eq("sharpness_limit at steps 3, 6", steps_of(run.curves.sharpness_limit), { 3, 6 })
  T.eq("acc per epoch", steps_of(run.curves.acc), { 3, 6 })
  T.eq("val_acc per epoch", steps_of(run.curves.val_acc), { 3, 6 })
  T.eq("input range at step 0", { steps_of(run.curves.input_min), steps_of(run.curves.input_max) }, { { 0 }, { 0 } })
  T.ok("no sigmoid/tanh: no saturated_frac", run.curves.saturated_frac == nil)
  T.eq("every curve also in history.diagnostics", keys(h.diagnostics),
    (function() local k = keys(run.curves); local out = {}
      local own = { loss = true, epoch_loss = true, val_loss = true, perplexity = true, val_perplexity = true }
      for _, n in ipairs(k) do if not own[n] then out[#out + 1] = n end end
      return out end)())
  T.eq("history.diagnostics steps", h.diagnostics.grad_norm.steps, { 2, 4, 6 })
  T.eq("row order: loss then that step's diagnostics", { run.order[1], run.order[2], run.order[3], run.order[4], run.order[5] },
    { "input_min@0", "input_max@0", "loss@1", "loss@2", "grad_norm@2" })
  local c = run.curves
  for _, s in ipairs { 2, 4, 6 } do
    T.eq("no clipping: clipped norm = norm @" .. s, c.grad_norm_clipped[s], c.grad_norm[s])
    T.eq("update_ratio = max of layers @" .. s, c.update_ratio[s],
      math.max(c.update_ratio_l1[s], c.update_ratio_l2[s], c.update_ratio_l3[s]))
    T.near("grad_ratio = l1 / l3 @" .. s, c.grad_ratio[s], c.grad_norm_l1[s] / c.grad_norm_l3[s], 1e-6 * c.grad_ratio[s])
    T.near("eff_lr = lr for SGD @" .. s, c.eff_lr[s], 0.05, 1e-9)
    T.eq("finite @" .. s, c.nonfinite[s], 0)
    T.eq("no spike @" .. s, c.loss_spike[s], 0)
    T.ok("fractions in [0, 1] @" .. s, c.relu_zero_frac[s] >= 0 and c.relu_zero_frac[s] <= 1
      and c.dead_relu_frac[s] <= c.relu_zero_frac[s] and c.zero_grad_frac[s] >= 0)
  end
  T.near("sharpness_limit = 2/lr", c.sharpness_limit[3], 2 / 0.05, 1e-9)
  T.ok("sharpness positive and below the limit", c.sharpness[3] > 0 and c.sharpness[3] < 40)
  T.eq("val_acc is gg.accuracy on val after the last epoch", c.val_acc[6],
    gg.accuracy(model, val, { loss = "cross_entropy" }))
  T.ok("acc in [0, 1]", c.acc[3] >= 0 and c.acc[6] <= 1)
  local lo, hi = math.huge, -math.huge
  for _, row in ipairs(train:x():totable()) do
    for _, v in ipairs(row) do lo, hi = math.min(lo, v), math.max(hi, v) end
  end
  T.eq("input_min", c.input_min[0], lo)
  T.eq("input_max", c.input_max[0], hi)
  -- grad_norm logged once per step even when log_grad_norm also asks for it.
  local run2 = recorder()
  local m2 = gg.nn.mlp { 3, 4, 3, seed = 1 }
  gg.train { model = m2, data = train, loss = "cross_entropy", optimizer = gg.optim.sgd(m2), batch_size = 30,
    log = run2, log_grad_norm = true, diagnostics = { every = 1 } }
  local n = 0
  for _, row in ipairs(run2.order) do if row:match("^grad_norm@") then n = n + 1 end end
  T.eq("grad_norm once per step", n, 3)
end

-- ---- clipping, saturation, Adam's effective lr ----
do
  local data = gg.data.regression { n = 64, features = 4, noise = 0.1, seed = 2 }
  local model = gg.nn.mlp { 4, 8, 1, activation = "sigmoid", init = { "default", scale = 20 }, seed = 1 }
  local h = gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.01 }), batch_size = 16,
    clip_norm = 0.5, diagnostics = {} }
  local d = h.diagnostics
  for i = 1, 4 do
    T.ok("clipped norm <= max_norm, step " .. i, d.grad_norm_clipped.values[i] <= 0.5 + 1e-6)
  end
  T.ok("pre-clip norm above it", d.grad_norm.values[1] > 0.5)
  T.ok("oversized sigmoid init saturates: saturated_frac > 0.5", d.saturated_frac.values[1] > 0.5)
  local m2 = gg.nn.mlp { 4, 8, 1, activation = "sigmoid", seed = 1 }
  local h2 = gg.train { model = m2, data = data, optimizer = gg.optim.sgd(m2, { lr = 0.01 }), batch_size = 16, diagnostics = {} }
  T.ok("default init does not: < 0.05", h2.diagnostics.saturated_frac.values[1] < 0.05)
  local m3 = gg.nn.mlp { 4, 8, 1, activation = "tanh", seed = 1 }
  local h3 = gg.train { model = m3, data = data, optimizer = gg.optim.adam(m3, { lr = 1e-3 }), batch_size = 64,
    epochs = 3, diagnostics = { sharpness_every = 3 } }
  T.ok("adam eff_lr >> lr on small gradients", h3.diagnostics.eff_lr.values[1] > 1e-3)
  T.near("adam sharpness limit 38/lr", h3.diagnostics.sharpness_limit.values[1], 38 / 1e-3, 1e-6)
end

-- ---- diagnostics do not change training; same seed, same curves ----
do
  local data = gg.data.classification { n = 100, features = 4, classes = 2, seed = 4 }
  local function fit(diag, sched)
    local model = gg.nn.mlp { 4, 8, 2, activation = "tanh", batchnorm = true, dropout = 0.2, seed = 5 }
    local opt = gg.optim.adam(model, { lr = 0.01 })
    local s = sched and gg.sched.lambda_lr(opt, function(e) return 1 / (1 + e) end) or nil
    local h = gg.train { model = model, data = data, loss = "cross_entropy", optimizer = opt, batch_size = 16,
      epochs = 3, seed = 9, diagnostics = diag, scheduler = s, scheduler_step = s and "step" or nil }
    return h, model:parameters()
  end
  local plain, p0 = fit(nil)
  local with, p1 = fit { every = 1, sharpness_every = 4, sharpness_batch = 32 }
  T.eq("same losses with diagnostics", with.loss, plain.loss)
  T.eq("same parameters", p1[1]:totable(), p0[1]:totable())
  local again = fit { every = 1, sharpness_every = 4, sharpness_batch = 32 }
  T.eq("same seed, same diagnostics curves", again.diagnostics, with.diagnostics)
  T.eq("sharpness every 4th of 21 steps", #with.diagnostics.sharpness.values, 5)
  local sp, sw = fit(nil, true), fit({ every = 3 }, true)
  T.eq("same losses with a Lua scheduler stepped per batch", sw.loss, sp.loss)
  T.eq("records across per-batch calls", sw.diagnostics.grad_norm.steps, { 3, 6, 9, 12, 15, 18, 21 })
end

-- ---- loss_spike: a run just past the stability limit grows geometrically ----
do
  local data = gg.data.regression { n = 50, features = 2, noise = 0.1, seed = 1 }
  local lr = 2 / lambda_max(data) * 1.05
  local model = gg.nn.sequential({ gg.nn.linear(2, 1) }, { seed = 1 })
  local h = gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = lr }), batch_size = 50,
    shuffle = false, epochs = 40, diagnostics = { every = 5, spike_k = 3 } }
  local sp = h.diagnostics.loss_spike
  T.eq("no spike in the first 5 steps (median needs 3 losses)", sp.values[1], 0)
  T.eq("spikes once the loss has tripled over its recent median", sp.values[#sp.values], 1)
  local sh = h.diagnostics
  T.ok("update_ratio grows past 1e-1", sh.update_ratio.values[#sh.update_ratio.values] > 0.1)
end

-- ---- gg.diag.sharpness against the analytic Hessian ----
do
  local data = gg.data.regression { n = 80, features = 3, noise = 0.1, x = "uniform", scale = 3, seed = 7 }
  local model = gg.nn.sequential({ gg.nn.linear(3, 1) }, { seed = 2 })
  local p = model:parameters()
  local s, limit, hvps = gg.diag.sharpness(model, data, { iters = 200, tol = 1e-8 })
  local lam = lambda_max(data)
  T.near("sharpness = lambda_max((2/n) Xa^T Xa)", s / lam, 1, 1e-4)
  T.ok("no optimizer: no limit", limit == nil and hvps >= 2)
  T.eq("parameters unchanged", model:parameters()[1]:totable(), p[1]:totable())
  local opt = gg.optim.sgd(model, { lr = 0.1, momentum = 0.9 })
  local _, lim = gg.diag.sharpness(model, data, { optimizer = opt })
  T.near("heavy-ball limit (2 + 2 mu)/lr", lim, 3.8 / 0.1, 1e-9)
end

-- ---- gg.lr_find ----
do
  local data = gg.data.regression { n = 200, features = 3, noise = 0.1, seed = 1 }
  local good = 1 / lambda_max(data)          -- full-batch GD: fastest near 1/lambda, diverges at 2/lambda
  local model = gg.nn.sequential({ gg.nn.linear(3, 1) }, { seed = 1 })
  local opt = gg.optim.sgd(model, { lr = 0.01 })
  local before = model:parameters()
  local run = recorder()
  local r = gg.lr_find { model = model, data = data, optimizer = opt, batch_size = 200, seed = 1, log = run }
  T.ok("ramp starts at 1e-7", math.abs(r.lrs[1] - 1e-7) < 1e-20)
  T.near("exponential ramp (step i uses 1e-7 * 1e8^(i/100))", r.lrs[51], 1e-7 * 1e8 ^ 0.5, 1e-12)
  T.eq("stops when the smoothed loss passes 4x its best", r.stopped, "diverged")
  T.ok("the last smoothed loss > 4x best", r.smoothed[#r.smoothed] > 4 * r.best)
  T.near("bias-corrected EMA: first smoothed = first loss", r.smoothed[1], r.losses[1], 1e-9 * r.losses[1])
  local sg = r.suggestions
  T.ok("minimum within 4x of 1/lambda", sg.minimum > good / 4 and sg.minimum < good * 4)
  T.ok("steep within 4x of 1/lambda", sg.steep > good / 4 and sg.steep < good * 4)
  T.ok("valley below minimum (conservative)", sg.valley < sg.minimum)
  T.eq("model restored", model:parameters()[1]:totable(), before[1]:totable())
  T.ok("optimizer restored", opt:lr() == 0.01 and opt:steps() == 0)
  T.eq("curves logged", { #steps_of(run.curves.lr_find_lr), #steps_of(run.curves.lr_find_smoothed) }, { #r.lrs, #r.lrs })
  -- fastai's suggestion rules on a made-up curve: 20 points, window [2 : -5] = points 3..15.
  local lrs, ls = {}, {}
  for i = 1, 20 do lrs[i], ls[i] = 10 ^ (i - 10), 10 - i end
  ls[3], ls[4] = 5, 6                      -- points 4..15 fall steadily from 6 to -5
  ls[12] = -10                             -- the lowest point, and the steepest drop into it
  local s = require("gglab.lr_find").suggest(lrs, ls, 20)
  T.near("minimum = lr of the lowest loss / 10", s.minimum, 10 ^ 2 / 10, 1e-9)
  T.near("steep = start of the steepest segment", s.steep, 10 ^ 1, 1e-9)
  -- longest decreasing subsequence: 4..11, 13..15 (length 11) ending at point 15; start 15 - 11 = 4,
  -- sections = 11/3: point 4 + 3 + 1 = 8
  T.near("valley", s.valley, 10 ^ (8 - 10), 1e-12)
  T.ok("too few points: no suggestion", require("gglab.lr_find").suggest({ 1, 2 }, { 1, 2 }, 100) == nil)
end

-- ---- gg.stable_lr against 2/lambda_max ----
do
  local data = gg.data.regression { n = 100, features = 2, noise = 0.1, x = "uniform", scale = 2, seed = 3 }
  local limit = 2 / lambda_max(data)
  local res = gg.stable_lr {
    build = function(seed, lr)
      local model = gg.nn.sequential({ gg.nn.linear(2, 1) }, { seed = seed })
      return { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = lr }), batch_size = 100,
        shuffle = false }
    end,
    seeds = { 1, 2 }, steps = 300, lo = 1e-3, hi = 10, tol = 0.01 }
  T.ok("bracketed", res.bracketed)
  T.ok("hi/lo <= 1.01", res.hi / res.lo <= 1.01)
  T.near("largest stable lr = 2/lambda_max within 2%", res.lr / limit, 1, 0.02)
  T.ok("evidence: lo stable, hi not", res.tested[1].stable and not res.tested[2].stable)
  T.eq("every seed counted", res.tested[1].n, 2)
  -- The function form, and a stable hi.
  local calls = 0
  local r2 = gg.stable_lr { build = function(_, lr)
    return function(steps) calls = calls + 1; local l = {} for i = 1, steps do l[i] = 1 / (i * lr) end return l end
  end, steps = 5, lo = 0.1, hi = 1 }
  T.ok("hi stable: returned unbracketed", r2.lr == 1 and not r2.bracketed and calls == 2)
end

-- ---- errors ----
do
  local data = gg.data.regression { n = 10, features = 2, seed = 1 }
  local model = gg.nn.mlp { 2, 3, 1, seed = 1 }
  local opt = gg.optim.sgd(model)
  local function train(dg) return function() gg.train { model = model, data = data, optimizer = opt, diagnostics = dg } end end
  T.raises("every 0", train { every = 0 }, "gg%.train: diagnostics%.every must be an integer >= 1, got 0")
  T.raises("unknown key", train { evry = 1 }, "gg%.train: diagnostics: unknown option 'evry' %(allowed: every, sharpness_every")
  T.raises("spike_k", train { spike_k = -1 }, "diagnostics%.spike_k must be a non%-negative number, got %-1")
  T.raises("not a table", train(5), "diagnostics must be a table")
  T.raises("gg.diag.new", function() gg.diag.new(model, { sharpness_iters = 0 }) end,
    "gg%.diag%.new: sharpness_iters must be an integer in %[1, 100000%], got 0")
  T.raises("gg.diag.new unknown", function() gg.diag.new(model, { foo = 1 }) end, "unknown option 'foo'")
  local other = gg.nn.mlp { 2, 3, 1, seed = 2 }
  T.raises("diag of another model", function()
    gg.train_epoch(model, opt, data, { diagnostics = gg.diag.new(other) })
  end, "gg%.train_epoch: the diagnostics were made for another model")
  T.raises("diagnostics type", function() gg.train_epoch(model, opt, data, { diagnostics = 1 }) end,
    "gg%.train_epoch: diagnostics must be a gglab%.Diag %(gg%.diag%.new%), got 1")
  T.raises("accuracy needs classification", function() gg.accuracy(model, data, { loss = "mse" }) end,
    "gg%.accuracy: loss must be one of 'cross_entropy', 'nll', 'bce', 'bce_with_logits', got 'mse'")
  T.raises("sharpness optimizer", function() gg.diag.sharpness(model, data, { optimizer = 3 }) end,
    "gg%.diag%.sharpness: optimizer must be a gglab%.Optim, got 3")
  T.raises("lr_find start_lr", function() gg.lr_find { model = model, data = data, optimizer = opt, start_lr = -1 } end,
    "gg%.lr_find: start_lr must be a positive number, got %-1")
  T.raises("lr_find range", function() gg.lr_find { model = model, data = data, optimizer = opt, start_lr = 1, end_lr = 0.1 } end,
    "gg%.lr_find: end_lr must be larger than start_lr, got 0%.1 <= 1")
  T.raises("lr_find unknown", function() gg.lr_find { model = model, data = data, optimizer = opt, stps = 3 } end,
    "gg%.lr_find: unknown option 'stps' %(allowed: model, data")
  T.raises("lr_find beta", function() gg.lr_find { model = model, data = data, optimizer = opt, beta = 1 } end,
    "gg%.lr_find: beta must be a number in %[0, 1%), got 1")
  T.raises("stable_lr build", function() gg.stable_lr { steps = 3 } end, "gg%.stable_lr: build must be a function")
  T.raises("stable_lr steps", function() gg.stable_lr { build = print } end,
    "gg%.stable_lr: steps must be an integer >= 1, got nil")
  T.raises("stable_lr bracket", function() gg.stable_lr { build = print, steps = 3, lo = 1, hi = 1 } end,
    "gg%.stable_lr: hi must be larger than lo, got 1 <= 1")
  T.raises("stable_lr fraction", function() gg.stable_lr { build = print, steps = 3, fraction = 0 } end,
    "gg%.stable_lr: fraction must be a number in %(0, 1%], got 0")
  local ad = gg.optim.adam(model)
  T.raises("load_state kinds", function() opt:load_state(ad) end,
    "gglab%.Optim:load_state: state of adam over 13 parameters cannot load into sgd over 13")
  local c = ad:clone()
  T.ok("clone keeps the model", c:model() == model and tostring(c) == "gglab.Optim(adam, lr=0.001)")
end

-- ---- logit_norm: the mean 2-norm of the logits per position of a (B, L, V) output ----
do
  local data = gg.data.sequence { task = "reverse", n = 48, length = 6, vocab = 10, seed = 2 }
  local m = gg.nn.sequential({ gg.nn.embedding(10, 8), gg.nn.linear(8, 10) }, { input = { 6 }, seed = 3 })
  -- lr 1e-30 (no change in float) and one full batch: the step's forward is the model's output on all rows
  local h = gg.train { model = m, data = data, loss = "cross_entropy", optimizer = gg.optim.sgd(m, { lr = 1e-30 }),
    batch_size = 48, epochs = 2, seed = 1, diagnostics = { every = 1 } }
  local c = h.diagnostics.logit_norm
  T.ok("logit_norm logged at steps 1, 2", c ~= nil and table.concat(c.steps, ",") == "1,2")
  local out, total = m:forward(data:x()):totable(), 0
  for _, row in ipairs(out) do           -- (48, 60): 6 positions of 10 logits per sample
    for p = 0, 5 do
      local ss = 0
      for j = 1, 10 do ss = ss + row[p * 10 + j] ^ 2 end
      total = total + math.sqrt(ss)
    end
  end
  local want = total / (48 * 6)
  T.near("logit_norm = mean over positions of the logits' 2-norm", c.values[1], want, 1e-5 * want)
  local reg = gg.nn.mlp { 3, 4, 2, seed = 1 }
  local mse = gg.train { model = reg, data = gg.data.regression { n = 16, features = 3, outputs = 2, seed = 1 },
    loss = "mse", optimizer = gg.optim.sgd(reg, { lr = 0.01 }), epochs = 1, diagnostics = {} }
  T.ok("no logit_norm without cross_entropy", mse.diagnostics.logit_norm == nil)
end

T.done()
