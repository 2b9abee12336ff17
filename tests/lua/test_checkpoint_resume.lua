-- tests/lua/test_checkpoint_resume.lua — gg.checkpoint.save / load resume bit-identically:
-- train N epochs (gg.train_epoch with a shuffling generator, a scheduler stepped per epoch
-- or per batch, dropout, BatchNorm); in a second run checkpoint at epoch k, load into FRESH
-- objects built from other seeds, continue to N: every step's loss and the final parameters,
-- buffers and optimizer state equal the uninterrupted run's bit for bit — SGD with momentum
-- and a step schedule, Adam with a sequential warm-up/cosine schedule, AdamW with
-- ReduceLROnPlateau, RMSprop (centered, momentum) without a schedule. Then the errors: a
-- mismatched optimizer, scheduler, model or generator name changes nothing.

local T = require "check"
local gg = require "gglab"

local dir = T.tmpdir()
local N, K = 6, 3

local function bytes_of(list)
  local out = {}
  for i, t in ipairs(list) do out[i] = t:bytes() end
  return table.concat(out)
end

local data = gg.data.regression { n = 60, features = 5, seed = 3 }

local CASES = {
  { name = "sgd momentum + step_lr",
    optim = function(m) return gg.optim.sgd(m, { lr = 0.05, momentum = 0.9, weight_decay = 1e-3 }) end,
    sched = function(o) return gg.sched.step_lr(o, { step_size = 2, gamma = 0.5 }) end, per = "epoch" },
  { name = "adam + sequential warm-up/cosine per batch",
    optim = function(m) return gg.optim.adam(m, { lr = 0.01 }) end,
    sched = function(o)
      return gg.sched.sequential_lr(o, { schedulers = { gg.sched.linear_lr(o, { start_factor = 0.2, total_iters = 5 }),
        gg.sched.cosine_annealing_lr(o, { T_max = 40, eta_min = 1e-4 }) }, milestones = { 5 } })
    end, per = "batch" },
  { name = "adamw amsgrad + plateau",
    optim = function(m) return gg.optim.adamw(m, { lr = 0.02, amsgrad = true }) end,
    sched = function(o) return gg.sched.reduce_lr_on_plateau(o, { patience = 0, factor = 0.5 }) end, per = "plateau" },
  { name = "rmsprop centered momentum, no scheduler",
    optim = function(m) return gg.optim.rmsprop(m, { lr = 0.005, centered = true, momentum = 0.5 }) end },
}

local function build(seed)
  return gg.nn.sequential({ gg.nn.linear(5, 16), gg.nn.batchnorm1d(16), gg.nn.relu(), gg.nn.dropout(0.3),
    gg.nn.linear(16, 1) }, { seed = seed })
end

-- Run epochs from..to of a case on the objects in o; appends every step's loss to losses.
local function epochs(case, o, from, to, losses)
  for _ = from, to do
    local opts = { batch_size = 8, rng = o.rng, loss = "mse" }
    if case.per == "batch" then opts.scheduler = o.sched end
    local step_losses, _, mean = gg.train_epoch(o.model, o.opt, data, opts)
    for _, l in ipairs(step_losses) do losses[#losses + 1] = l end
    if case.per == "epoch" then o.sched:step() end
    if case.per == "plateau" then o.sched:step(mean) end
  end
end

local function fresh(case, seed)
  local o = { model = build(seed), rng = gg.rng(seed + 100) }
  o.opt = case.optim(o.model)
  if case.sched then o.sched = case.sched(o.opt) end
  return o
end

local function state(o)
  local st = o.opt:state_dict()
  local names = {}
  for n in pairs(st.buffers) do names[#names + 1] = n end
  table.sort(names)
  local bufs = {}
  for i, n in ipairs(names) do bufs[i] = st.buffers[n] end
  return { params = bytes_of(o.model:parameters()), buffers = bytes_of(o.model:buffers()), opt = bytes_of(bufs),
    steps = st.steps, lr = st.lr, rng = o.rng:get_state(), dropout = o.model:dropout_rng_state() }
end

for i, case in ipairs(CASES) do
  -- uninterrupted
  gg.manual_seed(1)
  local a = fresh(case, 1)
  local la = {}
  epochs(case, a, 1, N, la)
  -- interrupted at K, resumed in fresh objects
  gg.manual_seed(1)
  local b = fresh(case, 1)
  local lb = {}
  epochs(case, b, 1, K, lb)
  local path = dir .. "/ckpt" .. i .. ".safetensors"
  gg.checkpoint.save(path, { model = b.model, optimizer = b.opt, scheduler = b.sched, rng = { shuffle = b.rng },
    step = #lb, epoch = K, extra = { losses = lb, note = "k" } })
  gg.manual_seed(99)                              -- the default generator is restored too
  local c = fresh(case, 2)
  local info = gg.checkpoint.load(path, { model = c.model, optimizer = c.opt, scheduler = c.sched,
    rng = { shuffle = c.rng } })
  T.eq(case.name .. ": step, epoch", { info.step, info.epoch }, { #lb, K })
  T.eq(case.name .. ": extra", info.extra.note, "k")
  T.eq(case.name .. ": extra losses exact", info.extra.losses, lb)
  T.eq(case.name .. ": state right after load", state(c), state(b))
  if c.sched then T.eq(case.name .. ": scheduler state", c.sched:state_dict(), b.sched:state_dict()) end
  local lc = {}
  for j = 1, #lb do lc[j] = lb[j] end
  epochs(case, c, K + 1, N, lc)
  T.eq(case.name .. ": every loss bit-identical", lc, la)
  T.eq(case.name .. ": final state bit-identical", state(c), state(a))
  T.ok(case.name .. ": losses were recorded", #la == N * 8)
  T.eq(case.name .. ": default generator restored", gg.get_rng_state(), (function()
    gg.manual_seed(1)
    return gg.get_rng_state()
  end)())
end

-- The checkpoint file itself: deterministic bytes, exact metadata, U64 generator states.
do
  local case = CASES[1]
  gg.manual_seed(1)
  local o = fresh(case, 5)
  epochs(case, o, 1, 1, {})
  local p1, p2 = dir .. "/d1.safetensors", dir .. "/d2.safetensors"
  gg.checkpoint.save(p1, { model = o.model, optimizer = o.opt, scheduler = o.sched, rng = o.rng, step = 8 })
  gg.checkpoint.save(p2, { model = o.model, optimizer = o.opt, scheduler = o.sched, rng = o.rng, step = 8 })
  T.eq("checkpoint bytes deterministic", T.read(p1), T.read(p2))
  local t, info = gg.load(p1)
  T.eq("model tensors prefixed", info.shapes["model.0.weight"], { 16, 5 })
  T.eq("optimizer buffer flat", info.shapes["optimizer.momentum_buffer"], { o.model:nparams() })
  T.eq("generator stored exactly", t["rng.rng"], o.rng:get_state())
  T.eq("generator dtype", info.dtypes["rng.rng"], "U64")
  T.eq("lr stored exactly", tonumber(info.metadata["optimizer.lr"]), o.opt:lr())
  T.eq("step", info.metadata.step, "8")

  -- a model without dropout (its dropout generator was never seeded: all zero) round-trips
  local plain = gg.nn.sequential({ gg.nn.linear(5, 3), gg.nn.relu(), gg.nn.linear(3, 1) }, { seed = 3 })
  local popt = gg.optim.sgd(plain, { lr = 0.1 })
  gg.checkpoint.save(dir .. "/plain_ckpt.safetensors", { model = plain, optimizer = popt })
  local plain2 = gg.nn.sequential({ gg.nn.linear(5, 3), gg.nn.relu(), gg.nn.linear(3, 1) }, { seed = 4 })
  local popt2 = gg.optim.sgd(plain2, { lr = 0.5 })
  local pinfo = gg.checkpoint.load(dir .. "/plain_ckpt.safetensors", { model = plain2, optimizer = popt2 })
  T.eq("no dropout: parameters restored", bytes_of(plain2:parameters()), bytes_of(plain:parameters()))
  T.eq("the optimizer's lr restored", popt2:lr(), 0.1)
  T.eq("no dropout: no step or epoch given", { pinfo.step, pinfo.epoch, pinfo.extra }, {})

  -- errors: nothing changes when any part mismatches
  local fresh_o = fresh(case, 6)
  local before = state(fresh_o)
  local adam = gg.optim.adam(fresh_o.model, { lr = 0.1 })
  T.raises("optimizer kind mismatch",
    function() gg.checkpoint.load(p1, { model = fresh_o.model, optimizer = adam }) end,
    "the optimizer is adam, the checkpoint's is sgd")
  T.eq("nothing changed (optimizer mismatch)", state(fresh_o), before)
  local nomom = gg.optim.sgd(fresh_o.model, { lr = 0.1 })
  T.raises("optimizer buffers mismatch", function() gg.checkpoint.load(p1, { optimizer = nomom }) end,
    "unexpected tensor 'optimizer.momentum_buffer'")
  local cos = gg.sched.cosine_annealing_lr(fresh_o.opt, { T_max = 3 })
  before = state(fresh_o)
  T.raises("scheduler kind mismatch", function()
    gg.checkpoint.load(p1, { model = fresh_o.model, optimizer = fresh_o.opt, scheduler = cos })
  end, "the scheduler is cosine_annealing_lr, the checkpoint's is step_lr")
  T.eq("nothing changed (scheduler mismatch)", state(fresh_o), before)
  T.raises("unknown generator",
    function() gg.checkpoint.load(p1, { model = fresh_o.model, rng = { data = gg.rng(1) } }) end,
    "the checkpoint has no generator 'data'")
  T.eq("nothing changed (generator)", state(fresh_o), before)
  local other = gg.nn.sequential({ gg.nn.linear(5, 4), gg.nn.relu(), gg.nn.linear(4, 1) })
  T.raises("model mismatch", function() gg.checkpoint.load(p1, { model = other }) end,
    "tensor 'model.0.weight' has shape %(16, 5%), the model's is %(4, 5%)")
  o.model:save(dir .. "/plain.safetensors")
  T.raises("a plain model file is not a checkpoint", function() gg.checkpoint.load(dir .. "/plain.safetensors", {}) end,
    "not a gglab checkpoint")
  T.raises("save: option", function() gg.checkpoint.save(p1, { modle = o.model }) end, "unknown option 'modle'")
  T.raises("save: model type", function() gg.checkpoint.save(p1, { model = o.opt }) end,
    "model must be a gglab.Model, got gglab.Optim")
  T.raises("save: step", function() gg.checkpoint.save(p1, { step = -1 }) end, "step must be an integer >= 0, got %-1")
  T.raises("save: rng", function() gg.checkpoint.save(p1, { rng = { 1 } }) end, "rng must map names")
  T.raises("load_state_dict: bad state", function() o.opt:load_state_dict { kind = "sgd", steps = -2, lr = 0.1 } end,
    "steps must be an integer >= 0")
  T.raises("rng:set_state: bad state", function() gg.rng(1):set_state { 0, 0, 0, 0 } end, "must not be all zero")
  T.raises("rng:set_state: not a list", function() gg.rng(1):set_state(5) end, "state must be a list of 4 integers")
end

T.rmtree(dir)
T.done()
