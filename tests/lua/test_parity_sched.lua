-- tests/lua/test_parity_sched.lua — LR schedulers against PyTorch 1.13 fixtures
-- (tests/parity/gen_sched.py). lr sequences are replayed through gg.sched on a dummy
-- optimizer and compared per step (both sides compute in double: <= 1e-9 relative, in
-- practice a few ulps); training runs (train_*) are replayed with a manual loop and checked
-- with the shared P.check_run tolerances.

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local SEQ_RTOL = 1e-9

-- The named lambdas of gen_sched.py, written the same way.
local LAMBDAS = {
  warmup_decay = function(e) return math.min(1.0, (e + 1) / 5) * 0.95 ^ e end,
  inverse_sqrt = function(e) return 1.0 / (1.0 + e) ^ 0.5 end,
}

local function build(opt, spec)
  if spec.kind == "sequential_lr" then
    local subs = {}
    for i, s in ipairs(spec.options.schedulers) do subs[i] = build(opt, s) end
    return gg.sched.sequential_lr(opt, { schedulers = subs, milestones = spec.options.milestones })
  elseif spec.kind == "lambda_lr" then
    return gg.sched.lambda_lr(opt, LAMBDAS[spec.fn])
  end
  return gg.sched[spec.kind](opt, spec.options)
end

local function make_opt(model, name, lr, extra)
  local opts = { lr = lr }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return gg.optim[name](model, opts)
end

local function worst_rel(got, want)
  local w = 0
  for i = 1, math.max(#got, #want) do
    local a, b = got[i], want[i]
    if a == nil or b == nil then return math.huge end
    w = math.max(w, P.rel(a, b))
  end
  return w
end

local function replay_sequence(fx)
  local component = "sched/" .. fx.name
  local model = gg.nn.sequential { gg.nn.linear(1, 1) }
  local opt = make_opt(model, fx.optimizer, fx.lr, fx.opt_options)
  local sched = build(opt, fx.spec)
  local lrs, last, momenta = { opt:lr() }, { sched:get_last_lr() }, { opt:momentum() }
  local ok, err = pcall(function()
    for k = 1, fx.steps do
      if fx.metrics then sched:step(fx.metrics[k]) else sched:step() end
      lrs[k + 1], last[k + 1], momenta[k + 1] = opt:lr(), sched:get_last_lr(), opt:momentum()
    end
  end)
  T.ok(component .. ": all steps run" .. (ok and "" or (": " .. tostring(err))), ok)
  T.eq(component .. ": last_epoch", sched:last_epoch(), ok and fx.steps or sched:last_epoch())
  local w = worst_rel(lrs, fx.lrs)
  P.note(component, "lr", w)
  T.ok(string.format("%s: lr rel err %.3g <= %g", component, w, SEQ_RTOL), w <= SEQ_RTOL)
  T.ok(component .. ": get_last_lr() is the optimizer's lr", worst_rel(last, lrs) == 0)
  if fx.momenta then
    local wm = worst_rel(momenta, fx.momenta)
    P.note(component, "momentum", wm)
    T.ok(string.format("%s: momentum rel err %.3g <= %g", component, wm, SEQ_RTOL), wm <= SEQ_RTOL)
  end
end

local function replay_training(fx)
  local c = fx.config
  local extra = {}
  for k, v in pairs(c) do
    if k ~= "optimizer" and k ~= "loss" and k ~= "lr" then extra[k] = v end
  end
  local model = P.model(fx)
  local opt = make_opt(model, c.optimizer, c.lr, extra)
  local sched = build(opt, fx.extra.spec)
  local losses, lrs = {}, {}
  for s = 1, #fx.batches do
    local x, y = P.batch(fx, s)
    model:zero_grad()
    local loss = gg.loss[c.loss](model:forward(x), y)
    loss:backward()
    lrs[s] = opt:lr()
    opt:step()
    losses[s] = loss:item()
    if fx.extra.per == "batch" or s % 8 == 0 then sched:step() end
  end
  P.check_run(T, fx, losses, lrs, model, "sched/" .. fx.name)

  -- The same through gg.train's scheduler option: per optimizer step for per-batch
  -- schedules, else per epoch (an epoch being 8 batches of the fixture's order).
  local model2 = P.model(fx)
  local opt2 = make_opt(model2, c.optimizer, c.lr, extra)
  local sched2 = build(opt2, fx.extra.spec)
  local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
  local got_l, got_lr = {}, {}
  local run = { log = function(_, metric, v, step)
    if metric == "loss" then got_l[step] = v elseif metric == "lr" then got_lr[step] = v end
  end }
  local per_batch = fx.extra.per == "batch"
  local epochs = per_batch and 1 or #fx.batches // 8
  for e = 1, epochs do
    local order = per_batch and fx.batches or table.move(fx.batches, 8 * (e - 1) + 1, 8 * e, 1, {})
    local offset = per_batch and 0 or 8 * (e - 1)
    local sub_run = { log = function(self, metric, v, step) run.log(self, metric, v, step + offset) end }
    gg.train { model = model2, data = data, loss = c.loss, optimizer = opt2, order = order,
      scheduler = sched2, scheduler_step = per_batch and "step" or "epoch", log = sub_run }
  end
  P.check_run(T, fx, got_l, got_lr, model2, "sched/" .. fx.name .. " (gg.train)")
end

local names = P.list("sched")
local nseq, ntrain = 0, 0
for _, name in ipairs(names) do
  local fx = P.load("sched", name)
  if fx.layers then
    ntrain = ntrain + 1
    replay_training(fx)
  else
    nseq = nseq + 1
    replay_sequence(fx)
  end
end
T.ok("scheduler sequence fixtures present", nseq >= 25)
T.ok("scheduler training fixtures present", ntrain >= 2)

-- Every scheduler of the API is covered by at least one fixture.
local covered = {}
local function cover(spec)
  covered[spec.kind] = true
  if spec.kind == "sequential_lr" then
    for _, s in ipairs(spec.options.schedulers) do cover(s) end
  end
end
for _, name in ipairs(names) do
  local fx = P.load("sched", name)
  cover(fx.spec or fx.extra.spec)
end
for kind in pairs(gg.sched) do
  T.ok("fixture covers gg.sched." .. kind, covered[kind])
end

-- ---- the Lua API: objects and error messages ----
do
  local model = gg.nn.sequential { gg.nn.linear(2, 1) }
  local function sgd(lr, momentum) return gg.optim.sgd(model, { lr = lr, momentum = momentum }) end
  local opt = sgd(0.1)
  local s = gg.sched.step_lr(opt, { step_size = 2 })
  T.eq("tostring", tostring(s), "gglab.Sched(step_lr, epoch=0, lr=0.1)")
  s:step(); s:step()
  T.eq("step_lr via the optimizer", opt:lr(), 0.1 * 0.1)
  T.eq("last_epoch", s:last_epoch(), 2)
  T.eq("kind", s:kind(), "step_lr")
  T.ok("optimizer()", rawequal(s:optimizer(), opt))
  -- the scheduler keeps its optimizer alive
  local s2 = gg.sched.exponential_lr(sgd(0.5), { gamma = 0.5 })
  collectgarbage(); collectgarbage()
  s2:step()
  T.eq("optimizer kept alive", s2:optimizer():lr(), 0.25)
  local close = getmetatable(s2).__close
  close(s2)
  T.eq("closed tostring", tostring(s2), "gglab.Sched(closed)")
  T.raises("closed use", function() s2:step() end, "closed gglab.Sched")
  close(s2)  -- twice is fine

  -- base lr = the optimizer's lr when its first scheduler was attached (torch's initial_lr)
  local o2 = sgd(1.0)
  gg.sched.constant_lr(o2, { factor = 0.5, total_iters = 2 })
  T.eq("constant_lr initial step", o2:lr(), 0.5)
  local w = gg.sched.cosine_annealing_warm_restarts(o2, { T_0 = 4 })
  T.eq("second scheduler starts from initial_lr", w:get_last_lr(), 1.0)

  local function E(name, fn, msg)  -- the error message contains msg (plain text)
    local ok, err = pcall(fn)
    T.ok(name .. ": raises", not ok)
    if not ok and not tostring(err):find(msg, 1, true) then T.eq(name .. ": message", tostring(err), msg) end
  end
  E("step_size 0", function() gg.sched.step_lr(opt, { step_size = 0 }) end,
    "gg.sched.step_lr: step_size must be a positive integer, got 0")
  E("step_size missing", function() gg.sched.step_lr(opt) end,
    "gg.sched.step_lr: step_size is required (a positive integer)")
  E("step_size 2.5", function() gg.sched.step_lr(opt, { step_size = 2.5 }) end,
    "gg.sched.step_lr: step_size must be a positive integer, got 2.5")
  E("unknown key", function() gg.sched.step_lr(opt, { step_size = 1, gama = 0.1 }) end,
    "gg.sched.step_lr: unknown option 'gama' (allowed: step_size, gamma)")
  E("gamma", function() gg.sched.exponential_lr(opt, { gamma = -1 }) end,
    "gg.sched.exponential_lr: gamma must be a positive number, got -1")
  E("milestones", function() gg.sched.multistep_lr(opt, { milestones = { 3, "x" } }) end,
    "gg.sched.multistep_lr: milestones must be a list of non-negative integers, got 'x' at 2")
  E("mode", function() gg.sched.reduce_lr_on_plateau(opt, { mode = "mean" }) end,
    "gg.sched.reduce_lr_on_plateau: mode must be one of 'min', 'max', got 'mean'")
  E("factor", function() gg.sched.reduce_lr_on_plateau(opt, { factor = 1 }) end,
    "gg.sched.reduce_lr_on_plateau: factor must be a number in [0, 1), got 1")
  E("anneal", function() gg.sched.one_cycle_lr(opt, { max_lr = 1, total_steps = 5, anneal_strategy = "exp" }) end,
    "gg.sched.one_cycle_lr: anneal_strategy must be one of 'cos', 'linear', got 'exp'")
  E("one_cycle without momentum", function() gg.sched.one_cycle_lr(sgd(0.1), { max_lr = 1, total_steps = 5 }) end,
    "gg.sched.one_cycle_lr: cycle_momentum needs an optimizer whose momentum can be cycled")
  E("start_factor", function() gg.sched.linear_lr(opt, { start_factor = 0 }) end,
    "gg.sched.linear_lr: start_factor must be a number in (0, 1], got 0")
  E("not an optimizer", function() gg.sched.step_lr(model, { step_size = 1 }) end, "gglab.Optim expected")
  local p = gg.sched.reduce_lr_on_plateau(opt)
  E("plateau needs a metric", function() p:step() end, "number expected")
  E("others take none", function() s:step(1) end,
    "gglab.Sched:step: step_lr takes no argument (only reduce_lr_on_plateau takes a metric)")
  E("lambda result", function() gg.sched.lambda_lr(sgd(0.1), function() return "x" end) end,
    "gg.sched.lambda_lr: the function must return a number, got 'x' (epoch 0)")
  local oc = gg.sched.one_cycle_lr(sgd(0.1, 0.9), { max_lr = 1, total_steps = 2 })
  oc:step(); oc:step()
  E("one_cycle past the end", function() oc:step() end,
    "gglab.Sched:step: one_cycle_lr: tried to step 4 times, total_steps is 2")
  local o3 = sgd(0.1)
  local a, b = gg.sched.constant_lr(o3), gg.sched.exponential_lr(o3, { gamma = 0.9 })
  E("sequential milestones count", function() gg.sched.sequential_lr(o3, { schedulers = { a, b }, milestones = {} }) end,
    "gg.sched.sequential_lr: milestones must be a list of 1 integers (one fewer than schedulers)")
  E("sequential other optimizer", function() gg.sched.sequential_lr(o3, { schedulers = { a, s }, milestones = { 2 } }) end,
    "gg.sched.sequential_lr: schedulers[2] belongs to another optimizer")
  E("sequential plateau", function()
    gg.sched.sequential_lr(o3, { schedulers = { a, gg.sched.reduce_lr_on_plateau(o3) }, milestones = { 2 } })
  end, "gg.sched.sequential_lr: schedulers[2] is a reduce_lr_on_plateau, which sequential_lr cannot hold")
  E("sequential milestone 0", function() gg.sched.sequential_lr(o3, { schedulers = { a, b }, milestones = { 0 } }) end,
    "gg.sched.sequential_lr: milestones must be non-decreasing positive integers, got 0 at 1")
end

P.report()
T.done()
