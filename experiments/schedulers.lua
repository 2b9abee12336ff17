--[[ experiments/schedulers.lua — can a learning-rate schedule save a too-high lr?

  Write-ups 003 and 001: a rising loss can come from a learning rate that "hasn't been
  properly reduced as training progresses"; step, exponential and cosine schedules (and
  ReduceLROnPlateau) are offered as the fix. A decaying schedule only lowers the lr
  after some epochs, so it cannot save a run that blows up before then; this measures
  where that line falls. batch_lr.lua's wine task (experiments/data/wine.csv, 3 classes,
  25 % held out, standardised on the training split), a 13-16-3 ReLU MLP, cross-entropy,
  plain SGD, batch 16 (9 steps an epoch), 20 epochs. Swept: schedule x lr {1, 2, 4, 8,
  16} (batch_lr.lua: the constant-lr limit at batch 16 is 2) x 10 seeds (split,
  initialisation, batch order; paired across schedule and lr). Schedules (PyTorch's, as
  gg.sched): none; step (StepLR, step_size 5, gamma 0.5); exponential (gamma 0.9);
  cosine (CosineAnnealingLR, T_max 20); plateau (ReduceLROnPlateau, factor 0.1, patience
  2, on the epoch's training loss) — all stepped after every epoch; onecycle (OneCycleLR,
  max_lr = lr, over all 180 steps: warm-up from lr/25 over the first 30 %, then cosine
  down), stepped after every batch. A run "blows up" when it overflows (NaN/inf) or ends
  above the untrained model's loss (init_loss at step 0). L* is the smallest lr at which
  the constant lr blows up in at least half the seeds. runs.csv: final_loss = last
  epoch's mean training loss, final_val_loss = validation loss after training; curves:
  init_loss, epoch_loss and lr (at the start of each epoch).
  Measured: at lr 1 and 2 nothing blows up, and the schedules only slow training (lr 2:
  median final training loss 0.0011-0.0013 vs 0.0006 at a constant lr; validation
  0.055-0.066 vs 0.057). L* = 4: the constant lr overflows in 9/10 runs (steps 63-110)
  after its epoch loss has climbed for 6-12 epochs, to 1e27-1e36. There step,
  exponential and cosine "rescue" the run by the end-state criterion — 0/10, 0/10 and
  1/10 blow up, so that claim holds — but not by keeping the loss from rising: in these
  runs the epoch loss first climbs to a median peak of 4e19 (min 1e2) during the first
  epochs, and comes back only once the lr has been cut (final training loss 0.087, 0.060,
  0.14 vs 0.0006 for the constant lr at 2, paired log +3.7 [2.1, 5.4]). The weights stay
  blown up: the median validation loss of the rescued runs is 4e18, 9e12 and 2e19 (vs
  0.057; paired log +35 [25, 45], i.e. ~1e15x; that claim was added after a first look
  at the numbers). ReduceLROnPlateau cuts the lr only once the loss has risen for 2
  epochs, by which time it is 1e9-1e24; it avoids the overflow, but 8/10 runs end above
  the untrained loss (6 of them at 1e11-1e23). One-cycle's loss blows up in epochs 4-7,
  as its warm-up passes the limit, and recovers in the anneal (2/10 end above the
  untrained loss; validation 2e19). At 8 and 16 every schedule overflows in 10/10 runs,
  the constant lr at steps 27-34 and 18-22 (epochs 3-4 and 2-3): before step's first cut
  (after epoch 5) and before exponential or cosine have lowered the lr by a third; step
  and plateau overflow at exactly the constant lr's steps; one-cycle only postpones it
  (steps 55-66 and 42-50, around the end of its warm-up at step 54).

  Run: gglab run experiments/schedulers.lua ]]
local gg = require "gglab"

local EPOCHS, BATCH = 20, 16
local LRS = { 1, 2, 4, 8, 16 }
local DECAYING = { "step", "exponential", "cosine" }
local ALL = { "step", "exponential", "cosine", "plateau", "onecycle" }

-- schedule(opt, lr, total_steps) -> scheduler (or nil), scheduler_step
local SCHEDULES = {
  none = function() return nil, "epoch" end,
  step = function(opt) return gg.sched.step_lr(opt, { step_size = 5, gamma = 0.5 }), "epoch" end,
  exponential = function(opt) return gg.sched.exponential_lr(opt, { gamma = 0.9 }), "epoch" end,
  cosine = function(opt) return gg.sched.cosine_annealing_lr(opt, { T_max = EPOCHS }), "epoch" end,
  plateau = function(opt) return gg.sched.reduce_lr_on_plateau(opt, { factor = 0.1, patience = 2 }), "epoch" end,
  onecycle = function(opt, lr, total)
    return gg.sched.one_cycle_lr(opt, { max_lr = lr, total_steps = total, cycle_momentum = false }), "step"
  end,
}

local function blew_up(R, r)
  return r.status ~= "ok" or r.final_loss >= (R:curve(r, "init_loss"))[1]
end

-- L*: the smallest lr where the constant lr blows up in >= half the seeds (nil if none).
local function limit(R)
  for _, lr in ipairs(LRS) do
    local f = R:fraction(function(r) return blew_up(R, r) end, { schedule = "none", lr = lr })
    if f.n > 0 and f.k * 2 >= f.n then return lr, f end
  end
end

--[[ versus_half(R, metric) -> {value, lo, hi, n, text} of log(metric) at L* with the decaying schedules
  minus log(metric) of the constant lr at L*/2, over seeds where both trained; one value per seed (the
  mean over the schedules it survived), so the seeds are independent. nil when there is no L*. ]]
local function versus_half(R, metric)
  local L = limit(R)
  if not L then return nil end
  local base = {}
  for _, r in ipairs(R:select { schedule = "none", lr = L / 2 }) do
    if not blew_up(R, r) then base[r.params.seed] = r[metric] end
  end
  local sum, cnt = {}, {}
  for _, r in ipairs(R:select { schedule = gg.one_of(DECAYING), lr = L }) do
    local seed = r.params.seed
    if not blew_up(R, r) and base[seed] then
      sum[seed] = (sum[seed] or 0) + math.log(r[metric]) - math.log(base[seed])
      cnt[seed] = (cnt[seed] or 0) + 1
    end
  end
  local recs = {}
  for seed, v in pairs(sum) do recs[#recs + 1] = { params = { seed = seed }, d = v / cnt[seed] } end
  table.sort(recs, function(a, b) return a.params.seed < b.params.seed end)
  return require("gglab.claims").results(recs):mean("d", {})
end

local function blow_up_text(R, schedules, where)
  local parts = {}
  for _, s in ipairs(schedules) do
    where.schedule = s
    parts[#parts + 1] = s .. " " .. R:fraction(function(r) return blew_up(R, r) end, where).text
  end
  where.schedule = nil
  return table.concat(parts, ", ")
end

return gg.experiment {
  name = "schedulers",
  description = "lr schedules with SGD at and past the divergence limit on wine",
  sweep = gg.grid { schedule = { "none", "step", "exponential", "cosine", "plateau", "onecycle" }, lr = LRS,
    seed = gg.seeds(10) },
  run = function(p, run)
    local all = assert(gg.data.csv("experiments/data/wine.csv", { target = "target", classify = true }))
    local train, val = all:split(0.25, { seed = run.seed })
    local scaler = gg.data.standard_scaler(train)
    train, val = scaler:transform(train), scaler:transform(val)
    local model = gg.nn.mlp { 13, 16, 3 }
    run:log("init_loss", gg.evaluate(model, train, { loss = "cross_entropy" }), 0, 0)
    local opt = gg.optim.sgd(model, { lr = p.lr })
    local per_epoch = math.ceil(train:n() / BATCH)
    local sched, every = SCHEDULES[p.schedule](opt, p.lr, EPOCHS * per_epoch)
    local rng = gg.rng(run.seed)
    for e = 1, EPOCHS do
      -- One epoch at a time (the batch order chained through rng) to log the lr it used.
      run:log("lr", opt:lr(), (e - 1) * per_epoch, e)
      local h = gg.train { model = model, data = train, loss = "cross_entropy", batch_size = BATCH, epochs = 1,
        optimizer = opt, scheduler = sched, scheduler_step = every, rng = rng }
      if h.diverged then
        run:diverged((e - 1) * per_epoch + h.diverged_step, "loss is " .. gg.fmt_number(h.loss[#h.loss]))
      end
      run:log("epoch_loss", h.epoch_loss[1], e * per_epoch, e)
    end
    run:log("val_loss", gg.evaluate(model, val, { loss = "cross_entropy" }), EPOCHS * per_epoch, EPOCHS)
  end,
  claims = {
    { "schedules rescue a too-high lr: at L* (where the constant lr blows up in >= half the seeds) step, "
      .. "exponential and cosine each blow up (overflow, or end above the untrained loss) in <= 20 % of runs",
      folklore = "schedule",
      check = function(R)
        local L, none = limit(R)
        if not L then return false, "the constant lr never blows up in half the seeds" end
        local ok = true
        for _, s in ipairs(DECAYING) do
          ok = ok and R:fraction(function(r) return blew_up(R, r) end, { schedule = s, lr = L }).value <= 0.2
        end
        -- Not part of the verdict: how high the epoch loss went on the way (median over these runs).
        local peaks = {}
        for _, r in ipairs(R:select { schedule = gg.one_of(DECAYING), lr = L }) do
          local top = 0
          for _, v in ipairs(R:curve(r, "epoch_loss")) do top = math.max(top, v) end
          peaks[#peaks + 1] = top
        end
        table.sort(peaks)
        return ok, string.format("L* = %g (none %s); %s; their peak epoch loss: median %.2g, min %.2g", L, none.text,
          blow_up_text(R, DECAYING, { lr = L }), peaks[(#peaks + 1) // 2] or 0 / 0, peaks[1] or 0 / 0) end },
    { "... and further past the limit too: at every lr above L*, each schedule (step, exponential, cosine, plateau, "
      .. "onecycle) blows up in <= 20 % of runs", folklore = "schedule", check = function(R)
        local L = limit(R)
        if not L then return false, "the constant lr never blows up in half the seeds" end
        local ok, parts = true, {}
        for _, lr in ipairs(LRS) do
          if lr > L then
            for _, s in ipairs(ALL) do
              ok = ok and R:fraction(function(r) return blew_up(R, r) end, { schedule = s, lr = lr }).value <= 0.2
            end
            local d = R:fraction(function(r) return blew_up(R, r) end, { schedule = "none", lr = lr })
            parts[#parts + 1] = string.format("lr %g: none %s, %s", lr, d.text, blow_up_text(R, ALL, { lr = lr }))
          end
        end
        return ok and #parts > 0, table.concat(parts, "; ") end },
    { "ReduceLROnPlateau (cut 10x after 2 epochs without improvement) keeps the loss from blowing up at L* "
      .. "(<= 20 % of runs)", folklore = "schedule", check = function(R)
        local L = limit(R)
        if not L then return false, "the constant lr never blows up in half the seeds" end
        local f = R:fraction(function(r) return blew_up(R, r) end, { schedule = "plateau", lr = L })
        local o = R:fraction(function(r) return r.status ~= "ok" end, { schedule = "plateau", lr = L })
        return f.value <= 0.2, string.format("L* = %g: blew up %s (overflowed %d/%d)", L, f.text, o.k, o.n) end },
    { "a rescued too-high lr pays off: at L*, step/exponential/cosine end with a lower training loss than the "
      .. "constant lr at L*/2 (paired by seed, both trained)", check = function(R)
        local m = versus_half(R, "final_loss")
        if not m then return false, "the constant lr never blows up in half the seeds" end
        return m.n > 0 and m.hi < 0, "log difference of final_loss per seed, " .. m.text end },
    { "the rescued runs hold up on held-out data: at L*, step/exponential/cosine end with a validation loss within "
      .. "10x of the constant lr's at L*/2 (paired by seed, both trained)", folklore = "schedule", check = function(R)
        local m = versus_half(R, "final_val_loss")
        if not m then return false, "the constant lr never blows up in half the seeds" end
        return m.n > 0 and m.hi < math.log(10), "log difference of final_val_loss per seed, " .. m.text end },
  },
}
