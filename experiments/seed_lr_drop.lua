--[[ experiments/seed_lr_drop.lua — seed write-up 001 ("Why is my training loss
  increasing?"), example 1: Adam(lr=0.01) and, inside the batch loop,
  "if training_loss > previous_training_loss and epoch > 5: lr *= 0.1" — "the learning
  rate is reduced if the training loss increases after a certain number of epochs,
  preventing divergence". The write-up leaves the model ("MyModel"), data, batch size and
  epoch count open; chosen here: lr_sweep.lua's classification task, where Adam's lr
  matters — 1000 rows of 3 overlapping Gaussian blobs in 10-d (separation 1), 20% held
  out, a 10-32-3 ReLU MLP, cross-entropy, batch 32 reshuffled every epoch, 20 epochs.
  The check runs per batch as written: each batch's loss is compared with the previous
  batch's (across epoch boundaries), the cut happens before that batch's step, and
  "epoch > 5" is 0-based as in range(num_epochs), so cuts start in the 7th epoch.
  Swept: rule {none, manual (the write-up's), plateau (ReduceLROnPlateau(factor=0.1,
  patience=2) stepped on each epoch's validation loss)} x starting lr {0.01 (the
  write-up's), 0.1, 1.0} x 20 seeds (data, split, init and batch order; paired across
  rule and lr). All three share one hand-written loop, so only the lr control differs.
  runs.csv: final_loss = last epoch's mean training loss, final_val_loss = last
  validation loss; curves: batch_loss per step, epoch_loss, val_loss and lr per epoch.
  The claim on the final lr reads each run's lr curve (R:curve).
  Measured: no run diverges, with or without the rule, even from lr 1.0 (0/180; Adam's step
  is bounded by lr), so there is no divergence for it to prevent. On mini-batches the loss
  rises from one batch to the next about half the time, so once armed the rule fires ~13
  times in the 7th epoch alone (lr 0.01 -> 1e-15 by its end) and ~175 times in all
  (131-186): by the end of epoch 7 the lr is <= 1e-8x its start in 60/60 runs: training is
  frozen. That freeze is early stopping, and it is what lowers the final validation loss:
  at lr 0.01 median 0.125 vs 0.156 without the rule (paired log difference -0.22 [-0.31,
  -0.13]) — the unruled run's own validation loss at epoch 7 was 0.123, before it started
  to overfit — and from lr 0.1 and 1.0 (0.22 vs 0.29, 2.06 vs 3.77; paired -0.54 [-0.78,
  -0.29]), where the unruled runs keep bouncing. On the training loss the rule watches it
  does the opposite: at lr 0.01 it ends 2x higher (0.066 vs 0.027, paired log +0.70 [0.51,
  0.90]). (That claim was added after a first look showed the validation gain to be early
  stopping.) ReduceLROnPlateau (1-6 cuts) ends at about the same validation loss as the
  manual rule (paired log -0.02 [-0.14, 0.09]; medians 0.116 / 0.213 / 2.43 at lr 0.01 /
  0.1 / 1.0) while training on: a lower training loss from lr 0.1 (0.027 vs 0.093).
  Mechanism (runs.csv: cuts, rise_frac_armed, noise_sd_ep6, trend_ep6, max_batch_loss, max_move_per_lr_step):
  - nothing to prevent: without the rule max |w_T - w_0| / (lr x T) = 0.12 [0.06, 0.36] <= 1 (Adam's steps
    are bounded by ~lr) and the largest batch loss at lr 1.0 is 57 [34, 259], finite.
  - the rule fires on noise: once armed, a batch loss exceeds the previous one in 0.50 [0.41, 0.54] of the
    batches (unruled runs): a coin flip. At lr 0.01, in the epoch before arming, the batch-to-batch change
    has sd 0.085 [0.029, 0.15] against a mean (the trend the rule means to react to) of 4e-4 [-0.002,
    0.006]. So it cuts 174 [131, 186] times and ends at 1e-174 [1e-186, 1e-131] x its start lr.
  - the validation gain is early stopping: unruled, the validation loss is 0.123 at epoch 7 and 0.156 at the
    end (lr 0.01); frozen from epoch 7, the ruled run ends at 0.125. The training loss likewise: 0.064 at
    epoch 7 unruled, 0.066 at the end ruled, 0.028 at the end unruled.
  - ReduceLROnPlateau reacts to the epoch's validation loss instead: 5 [1, 6] cuts (final lr 1e-5 [1e-6,
    0.1] x start), so it keeps training.

  Run: gglab run experiments/seed_lr_drop.lua ]]
local gg = require "gglab"

local EPOCHS, BATCH = 20, 32

--[[ One run: returns {final = last epoch mean loss, final_lr =, cuts = number of 10x cuts}.
  With run, curves are logged and a NaN/inf batch loss stops the run as diverged. ]]
local function train(p, seed, run)
  local all = gg.data.classification { n = 1000, features = 10, classes = 3, separation = 1, seed = seed }
  local train_set, val = all:split(0.2, { seed = seed })
  local X, Y = train_set:x():totable(), train_set:y():totable()
  local n = #X
  local model = gg.nn.mlp { 10, 32, 3 }           -- PyTorch default init, from the run's generator
  local opt = gg.optim.adam(model, { lr = p.lr })
  local plateau = p.rule == "plateau" and gg.sched.reduce_lr_on_plateau(opt, { factor = 0.1, patience = 2 })
  local order = gg.rng(seed + 1)                    -- batch order: the same for every rule and lr
  local s = { cuts = 0 }
  local prev, step = math.huge, 0
  -- Mechanism: how often a batch loss exceeds the previous one once the rule is armed (epoch > 5, every rule),
  -- and, in the epoch before it arms (0-based 5), the batch-to-batch noise (sd of l - prev) against the trend
  -- (mean of l - prev) it is meant to detect.
  local rises, armed, diffs = 0, 0, {}
  local w0 = model:parameters()
  for epoch = 0, EPOCHS - 1 do
    local perm = {}
    for i = 1, n do perm[i] = i end
    for i = n, 2, -1 do
      local j = order:integer(i)
      perm[i], perm[j] = perm[j], perm[i]
    end
    local sum = 0
    for first = 1, n, BATCH do
      local xb, yb = {}, {}
      for i = first, math.min(first + BATCH - 1, n) do
        xb[#xb + 1], yb[#yb + 1] = X[perm[i]], Y[perm[i]][1]
      end
      step = step + 1
      model:train()
      local loss = gg.loss.cross_entropy(model:forward(gg.tensor(xb)), gg.tensor(yb))
      local l = loss:item()
      if run then run:log("batch_loss", l, step, epoch + 1) end   -- NaN/inf: the run stops, diverged
      if l ~= l or l == math.huge then
        s.diverged = true
        return s
      end
      if epoch > 5 then
        armed = armed + 1
        if l > prev then rises = rises + 1 end
      elseif epoch == 5 then
        diffs[#diffs + 1] = l - prev
      end
      s.max_batch_loss = math.max(s.max_batch_loss or l, l)
      if p.rule == "manual" and l > prev and epoch > 5 then
        opt:set_lr(opt:lr() * 0.1)
        s.cuts = s.cuts + 1
      end
      opt:zero_grad()
      loss:backward()
      opt:step()
      prev = l
      sum = sum + l * #xb
    end
    s.final = sum / n
    local v = gg.evaluate(model, val, { loss = "cross_entropy" })
    if run then
      run:log("epoch_loss", s.final, step, epoch + 1)
      run:log("val_loss", v, step, epoch + 1)
      run:log("lr", opt:lr(), step, epoch + 1)
    end
    if plateau then
      local before = opt:lr()
      plateau:step(v)
      if opt:lr() < before then s.cuts = s.cuts + 1 end
    end
  end
  s.final_lr = opt:lr()
  local mean, ss, moved = 0, 0, 0
  for _, d in ipairs(diffs) do mean = mean + d / #diffs end
  for _, d in ipairs(diffs) do ss = ss + (d - mean) ^ 2 end
  for i, t in ipairs(model:parameters()) do
    local a, b = w0[i]:totable(), t:totable()
    for r = 1, #b do
      for c = 1, #b[r] do moved = math.max(moved, math.abs(b[r][c] - a[r][c])) end
    end
  end
  if run then
    -- max_move_per_lr_step = max |w_T - w_0| / (starting lr x T): Adam moves a weight by ~lr per step at most.
    run:summary { cuts = s.cuts, rise_frac_armed = rises / armed, noise_sd_ep6 = math.sqrt(ss / (#diffs - 1)),
      trend_ep6 = mean, max_batch_loss = s.max_batch_loss, max_move_per_lr_step = moved / (p.lr * step) }
  end
  return s
end

-- The last lr the run logged (R:curve reads the per-epoch lr curve).
local function final_lr(R, r)
  local lrs = R:curve(r, "lr")
  return lrs[#lrs]
end

local function diverged(r) return r.status == "diverged" end

-- "median [min, max]" of f(r) over the runs matching where.
local function spread(R, f, where) return R:spread(f, where).text end

-- The value of a run's per-epoch curve at epoch e (1-based), e.g. its validation loss at the end of epoch 7,
-- when the manual rule has frozen training.
local function at_epoch(R, metric, e) return function(r) return (R:curve(r, metric))[e] end end

-- The early-stopping mechanism: a frozen run ends where it stood at epoch 7. Medians of the unruled runs'
-- metric at epoch 7 and at the end, and of the ruled runs' final one, for the runs matching where.
local function frozen_text(R, metric, final, where)
  local none, manual = { rule = "none" }, { rule = "manual" }
  for k, v in pairs(where) do none[k], manual[k] = v, v end
  return "mechanism (early stopping): without the rule " .. metric .. " is "
    .. spread(R, at_epoch(R, metric, 7), none)
    .. " at epoch 7 and " .. spread(R, function(r) return r[final] end, none) .. " at the end; with it, frozen "
    .. "from epoch 7, it ends at " .. spread(R, function(r) return r[final] end, manual)
end

return gg.experiment {
  name = "seed_lr_drop",
  description = "seed 001 example 1: cut Adam's lr 10x whenever a batch loss rises, vs none and ReduceLROnPlateau",
  sweep = gg.grid { rule = { "none", "manual", "plateau" }, lr = { 0.01, 0.1, 1.0 }, seed = gg.seeds(20) },
  run = function(p, run) train(p, run.seed, run) end,
  claims = {
    { "the rule is 'preventing divergence': without it some runs diverge (inf/NaN), with it none do",
      folklore = "lr_drop", check = function(R)
        local without = R:fraction(diverged, { rule = "none" })
        local with = R:fraction(diverged, { rule = "manual" })
        return without.k > 0 and with.k == 0, "diverged without " .. without.text .. ", with " .. with.text
          .. "; mechanism: Adam's steps are bounded by ~lr: without the rule max |w_T - w_0| / (lr x T) = "
          .. spread(R, function(r) return R:value(r, "max_move_per_lr_step") end, { rule = "none" })
          .. " <= 1, and the largest batch loss at lr 1.0 is "
          .. spread(R, function(r) return R:value(r, "max_batch_loss") end, { rule = "none", lr = 1.0 })
          .. " (finite): there is no divergence to prevent" end },
    { "the rule lowers the final validation loss at the write-up's lr 0.01 (paired by seed)",
      folklore = "lr_drop", check = function(R)
        local d = R:paired("final_val_loss", { rule = "manual", lr = 0.01 }, { rule = "none", lr = 0.01 },
          { "seed" }, math.log)
        return d.hi < 0, "log " .. d.text .. "; " .. frozen_text(R, "val_loss", "final_val_loss", { lr = 0.01 }) end },
    { "the rule lowers the final validation loss from the higher starting lrs 0.1 and 1.0 (paired)",
      folklore = "lr_drop", check = function(R)
        local d = R:paired("final_val_loss", { rule = "manual", lr = gg.at_least(0.1) },
          { rule = "none", lr = gg.at_least(0.1) }, { "lr", "seed" }, math.log)
        return d.hi < 0, "log " .. d.text .. "; " .. frozen_text(R, "val_loss", "final_val_loss", { lr = 0.1 })
          .. " at lr 0.1 (lr 1.0: " .. spread(R, at_epoch(R, "val_loss", 7), { rule = "none", lr = 1.0 }) .. ", "
          .. spread(R, function(r) return r.final_val_loss end, { rule = "none", lr = 1.0 }) .. ", "
          .. spread(R, function(r) return r.final_val_loss end, { rule = "manual", lr = 1.0 }) .. ")" end },
    { "the rule lowers the final training loss — the loss it watches — at lr 0.01 (paired by seed)",
      folklore = "lr_drop", check = function(R)
        local d = R:paired("final_loss", { rule = "manual", lr = 0.01 }, { rule = "none", lr = 0.01 },
          { "seed" }, math.log)
        return d.hi < 0, "log " .. d.text .. "; " .. frozen_text(R, "epoch_loss", "final_loss", { lr = 0.01 }) end },
    { "fired on every noisy batch-loss increase, the rule freezes training: the lr ends >= 1e6x "
      .. "below its start (>= 6 cuts) in most runs", folklore = "lr_drop", check = function(R)
        local f = R:fraction(function(r)
          local lr = final_lr(R, r)
          return r.status == "ok" and lr ~= nil and lr <= r.params.lr * 1e-6 * (1 + 1e-9) end,
          { rule = "manual" })
        local none, at01 = { rule = "none" }, { rule = "none", lr = 0.01 }
        return f.lo >= 0.5, "frozen " .. f.text .. "; mechanism: once armed, a batch loss exceeds the previous "
          .. "one in a share " .. spread(R, function(r) return R:value(r, "rise_frac_armed") end, none)
          .. " of the batches of the unruled runs — a coin flip: in the epoch before arming the batch-to-batch "
          .. "change at lr 0.01 has sd " .. spread(R, function(r) return R:value(r, "noise_sd_ep6") end, at01)
          .. " against a mean (trend) of " .. spread(R, function(r) return R:value(r, "trend_ep6") end, at01)
          .. "; the rule cuts " .. spread(R, function(r) return R:value(r, "cuts") end, { rule = "manual" })
          .. " times, ending at lr / start lr = "
          .. spread(R, function(r) return final_lr(R, r) / r.params.lr end, { rule = "manual" }) end },
    { "ReduceLROnPlateau ends at a lower validation loss than the manual rule (paired by lr and seed)",
      check = function(R)
        local d = R:paired("final_val_loss", { rule = "plateau" }, { rule = "manual" }, { "lr", "seed" }, math.log)
        return d.hi < 0, "log " .. d.text .. "; mechanism: ReduceLROnPlateau reacts to the epoch's validation loss, "
          .. "not to batch noise: it cuts "
          .. spread(R, function(r) return R:value(r, "cuts") end, { rule = "plateau" })
          .. " times (ending at lr / start lr = "
          .. spread(R, function(r) return final_lr(R, r) / r.params.lr end, { rule = "plateau" })
          .. ") vs the manual rule's " .. spread(R, function(r) return R:value(r, "cuts") end, { rule = "manual" })
          .. "; it keeps training, to a training loss of "
          .. spread(R, function(r) return r.final_loss end, { rule = "plateau", lr = 0.1 }) .. " vs "
          .. spread(R, function(r) return r.final_loss end, { rule = "manual", lr = 0.1 }) .. " at lr 0.1" end },
  },
}
