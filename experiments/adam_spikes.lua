--[[ experiments/adam_spikes.lua — Adam's loss spikes at a high learning rate: does a lower
  beta2 (0.98, 0.95) or a larger epsilon remove them, and does the update/weight ratio rise
  before a spike?

  Molybog et al. (2023, "A theory on Adam instability in large-scale machine learning",
  arXiv:2304.09871; abstract and introduction read) explain the loss spikes of large language
  models (7B to 546B parameters; PaLM restarted ~100 steps before a spike and skipped 200-500
  batches) as an artefact of Adam: it "can enter a state in which the parameter update vector
  has a relatively large norm and is essentially uncorrelated with the direction of descent".
  From memory (not re-read here): the state arises when the gradients of some parameters (the
  shallow layers) stay near zero for long, their second moment v decays, and a gradient then
  arrives that |m / sqrt(v)| turns into a large step; a lower beta2, a larger eps or a lower lr
  mitigate it. Wortsman et al. (2023, "Small-scale proxies for large-scale Transformer training
  instabilities", arXiv:2309.14322; abstract and set-up read: AdamW with beta1 0.9, beta2 0.95,
  eps 1e-8) reproduce large-scale instabilities in small transformers at high learning rates;
  from memory, their AdamW-epsilon section shows the update RMS shrinking as the gradient RMS
  falls towards eps and argues for a SMALLER eps (1e-15) at scale. The link between spikes and a
  stale second moment (the gradient outgrowing sqrt(v)), with beta2 0.95 as the fix, is from
  memory in Wortsman et al. 2023, "Stable and low-precision training for large-scale
  vision-language models" (arXiv:2304.13013). No figure numbers: I could not read the figures.
  Folklore tested (catalogue "adam_spikes"): a lower beta2 (0.95-0.98) or a larger eps removes
  Adam's spikes at high learning rates.

  Setup: transformer_lr.lua's Pre-LN model and data (tinyshakespeare, characters, context 32,
  1600 training windows per seed, 256 validation windows; gg.nn.gpt d_model 32, 4 heads, 2
  layers, feed-forward 128, ReLU, tied head), Adam with beta1 0.9, batch 32, 10 epochs of 50
  steps (500 steps), no warm-up, no clipping, diagnostics every step. lr 0.03 (the best lr of
  transformer_lr) x beta2 {0.999, 0.95} x eps 1e-8 (the control), and lr 0.3 x beta2 {0.999,
  0.98, 0.95} x eps {1e-8, 1e-5}; 5 seeds, paired (same data, init and batches) = 40 runs.
  A spike: after 50 steps of burn-in, a step whose loss is above 2x the median of the previous
  20 step losses; it lasts until the loss is back below 2x that median, and the next one is
  looked for 20 steps later (one event, however long). Per run (runs.csv): spikes, spike_steps,
  worst_spike (largest loss / reference median), first_spike, and before the first spike the mean
  of the update/weight ratio (update_ratio: the largest per-Linear ||dW||/||W||), the gradient
  norm, the mean effective step lr/(sqrt(v_hat) + eps) (eff_lr) and the loss over the 10 steps
  before (pre_*) and over the 10 before those (pre_early_*), each divided by its median from step
  50 up to there; runs without a spike give the same ratios before a step drawn from their seed
  (ctrl_*). curves.csv keeps the losses, update_ratio, grad_norm and eff_lr of every step.

  What I tried first (1-2 seeds, 500-1000 steps, beta2 0.999): lr 0.03 learns (loss 2.1-2.3)
  without a spike; lr 0.05 learns to 2.7 and then creeps up to 2.9 over 1000 steps, with no spike;
  lr 0.1 stays on the character-frequency plateau (~3.2 nats) for 500 steps with no spike; lr 0.15
  spikes once (step 841, 5x) in 1000 steps; lr 0.3 spikes in both seeds around step 250 (loss 3.3
  -> 40-70 nats, back to the plateau within ~200 steps). So at this scale spikes need an lr at
  which the model no longer learns beyond the character frequencies: lr 0.3 is that regime, not a
  useful training lr. I did not try an MLP. The spike threshold (2x) was fixed before the sweep;
  1.5x gave the same runs in the exploration (no-spike runs never exceed 1.2x their median).

  Measured (5 seeds, 40 runs, none overflows):
  - lr 0.03: no spike in 10/10 runs (validation 2.2-2.7 nats).
  - lr 0.3, default Adam (beta2 0.999, eps 1e-8): 4/5 runs spike (Wilson [38 %, 96 %]; 9/10 with
    eps 1e-5 too), at steps 247-286; 3 of the 4 are one long excursion (162-215 steps above 2x,
    up to 10-22x the median loss), the 4th two short 2.4x blips. The claim "most runs" needed a
    Wilson lower bound > 0.5 and does not hold at 5 seeds (4/5).
  - beta2 0.95 removes them: 0/10 runs spike at lr 0.3 (paired difference -1.0 spikes per run
    [-1.34, -0.66]); beta2 0.98: 1/10 (a single 11-step, 3.3x spike; -0.9 [-1.31, -0.49]).
    The spikes cost: final validation loss log(0.999 / 0.95) = +1.53 [0.52, 2.53] (beta2 0.95
    and 0.98 end on the 3.35-3.45 plateau; 0.999 at 3.4-99).
  - eps 1e-5 does NOT remove them: 5/5 runs spike (difference 0 [-0.88, 0.88]); it delays the
    first spike by 165 steps [58, 272], the spikes reach 26-34x the median loss (2.4-22x with
    1e-8; log difference +1.11 [-0.42, 2.64], 4 pairs) and the runs do not recover (final
    validation 22-99 nats vs 3.4-17 with 1e-8). eps 1e-5 is not negligible here: it cuts the
    mean effective step lr/(sqrt(v_hat) + eps) from ~6.6e4 to ~420 (most parameters have
    sqrt(v_hat) < 1e-5), so it damps the small-gradient parameters — not those that blow up.
    A lower lr does remove them (lr 0.03 above).
  - Mechanism: the update/weight ratio rises before the loss does. Over the 10 steps before the
    first spike it is e^1.49 = 4.4x its median so far ([3.5, 5.5], 10 runs), and 11-20 steps
    before it is already 2.8x ([2.3, 3.4]) while the loss is only 1.05x ([0.98, 1.13]) its
    median; before a random step of a run that does not spike it is 0.99x ([0.90, 1.09], 20
    runs). The gradient norm has grown 5.6x ([4.0, 7.8]) in the 10 steps before. The effective
    step lr/(sqrt(v_hat) + eps) is only 1.10x ([1.03, 1.19]) its median before a spike, whereas
    in the runs that do not spike (mostly beta2 0.95/0.98) it has grown 2.8x ([1.8, 4.5]) by the
    random step: v did NOT decay before these spikes (Molybog's mechanism, as I recall it, is not
    what happens here). What happens fits the stale second moment: the gradient grows over the
    ~20 steps before the spike, v (a ~1000-step average at beta2 0.999) lags, so the update grows with the gradient
    and feeds back; with beta2 0.95 v follows within ~20 steps and the step stays bounded even
    though its typical update/weight ratio is higher (median 0.030 vs 0.0105 at 0.999).
  Run time: 40 runs in 222-340 s with -j 2 on the shared 2-core machine (load 5-9; 131-133 s user
  + 1 s sys CPU, ~3.3 CPU-s a run with diagnostics every step; ~70 s expected when idle): long = true.
  -j 1 and -j 2 give a byte-identical curves.csv (and runs.csv but for wall_s).

  Run: gglab run experiments/adam_spikes.lua ]]
local gg = require "gglab"

local CONTEXT, BATCH, EPOCHS, STEPS = 32, 32, 10, 50
local TEXT = "experiments/data/tinyshakespeare.txt"
local MODERATE, HIGH = 3e-2, 0.3
-- A spike: the step loss exceeds SPIKE_K x the median of the previous WINDOW step losses, after
-- BURN_IN steps; it lasts until the loss is back below SPIKE_K x that median (one event).
local SPIKE_K, WINDOW, BURN_IN, BEFORE = 2, 20, 50, 10
-- What the run keeps in curves.csv (the diagnostics are computed every step; most are not kept).
local KEEP = { loss = true, epoch_loss = true, val_loss = true, perplexity = true, val_perplexity = true,
  update_ratio = true, grad_norm = true, eff_lr = true }

local function median(t, i, j)
  local c = table.move(t, i, j, 1, {})
  table.sort(c)
  return #c > 0 and (c[(#c + 1) // 2] + c[#c // 2 + 1]) / 2 or 0 / 0
end

local function mean(t, i, j)
  local s = 0
  for k = i, j do s = s + t[k] end
  return s / (j - i + 1)
end

-- The spikes of a loss curve (one value per step): a list of {start, stop, ref} (1-based steps;
-- stop = the last step above SPIKE_K x ref).
local function spikes(loss)
  local out, s = {}, BURN_IN + 1
  while s <= #loss do
    local ref = median(loss, s - WINDOW, s - 1)
    if loss[s] > SPIKE_K * ref then
      local e = s
      while e < #loss and loss[e + 1] > SPIKE_K * ref do e = e + 1 end
      out[#out + 1] = { start = s, stop = e, ref = ref }
      s = e + 1 + WINDOW  -- the next reference window starts after the spike
    else
      s = s + 1
    end
  end
  return out
end

-- Per run: the spike count, the steps spent in spikes, the largest loss / reference ratio, and for
-- the first spike the mean update/weight ratio, gradient norm, effective step size and loss of the
-- BEFORE steps before it (and of the BEFORE steps before those: early_), each over its median from
-- BURN_IN to those steps (the run's "normal").
local function summarise(h, rng)
  local loss = h.loss
  local d = h.diagnostics
  local ur, gn, el = d.update_ratio.values, d.grad_norm.values, d.eff_lr.values
  local sp = spikes(loss)
  local steps_in = 0
  local worst = #sp > 0 and 0 or 0 / 0  -- NaN without a spike
  for _, x in ipairs(sp) do
    steps_in = steps_in + x.stop - x.start + 1
    for k = x.start, x.stop do worst = math.max(worst, loss[k] / x.ref) end
  end
  local s = { spikes = #sp, spike_steps = steps_in, worst_spike = worst, first_spike = 0 / 0 }
  for _, prefix in ipairs { "pre_", "ctrl_" } do
    for _, m in ipairs { "update_ratio", "early_update_ratio", "grad_norm", "eff_lr", "loss", "early_loss" } do
      s[prefix .. m] = 0 / 0
    end
  end
  -- The diagnostics are taken every step, so record k is step k. The ratios are taken before the
  -- first spike, or, in a run without one, before a step drawn from the run's seed (the control).
  local at
  if sp[1] then
    at = sp[1].start
    s.first_spike = at
  else
    local lo = BURN_IN + 2 * BEFORE + 1
    at = lo + math.floor(rng:uniform() * (#loss - lo + 1))
  end
  if at - 2 * BEFORE > BURN_IN then
    local a, b = at - BEFORE, at - 1
    local base = b - BEFORE
    local prefix = sp[1] and "pre_" or "ctrl_"
    s[prefix .. "update_ratio"] = mean(ur, a, b) / median(ur, BURN_IN, base)
    s[prefix .. "early_update_ratio"] = mean(ur, a - BEFORE, base) / median(ur, BURN_IN, base)
    s[prefix .. "grad_norm"] = mean(gn, a, b) / median(gn, BURN_IN, base)
    s[prefix .. "eff_lr"] = mean(el, a, b) / median(el, BURN_IN, base)
    s[prefix .. "loss"] = mean(loss, a, b) / median(loss, BURN_IN, base)
    s[prefix .. "early_loss"] = mean(loss, a - BEFORE, base) / median(loss, BURN_IN, base)
  end
  return s
end

local function high(where) where.lr = HIGH; return where end

-- "k/n runs, spikes a, b, ...": how many runs of `where` spiked (a run that overflowed counts), and
-- each run's count.
local function spike_text(R, where)
  local counts = {}
  local f = R:fraction(function(r)
    local n = r.status == "ok" and R:value(r, "spikes") or 0 / 0
    counts[#counts + 1] = n == n and string.format("%d", n) or r.status
    return n ~= n or n > 0
  end, where)
  return f, f.text .. " (spikes per run: " .. table.concat(counts, ", ") .. ")"
end

return gg.experiment {
  name = "adam_spikes",
  description = "char-level GPT on tinyshakespeare with Adam at lr 0.03 / 0.3: beta2 x eps, loss spikes and the "
    .. "update/weight ratio before them",
  long = true,
  sweep = gg.grid { lr = MODERATE, beta2 = { 0.999, 0.95 }, eps = 1e-8, seed = gg.seeds(5) }
    + gg.grid { lr = HIGH, beta2 = { 0.999, 0.98, 0.95 }, eps = { 1e-8, 1e-5 }, seed = gg.seeds(5) },
  run = function(p, run)
    local train, val = gg.data.text { file = TEXT, context = CONTEXT, level = "char", n = BATCH * STEPS,
      val_n = 256, seed = run.seed }
    local model = gg.nn.gpt { vocab = train:vocab(), context = CONTEXT, d_model = 32, heads = 4, layers = 2,
      dim_feedforward = 128, activation = "relu", norm_first = true }
    local opt = gg.optim.adam(model, { lr = p.lr, betas = { 0.9, p.beta2 }, eps = p.eps })
    -- gg.train logs through this: only the KEEP curves reach curves.csv.
    local log = {
      log = function(_, metric, v, step, epoch) if KEEP[metric] then run:log(metric, v, step, epoch) end end,
      meta = function(_, t) run:meta(t) end }
    local h = gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = BATCH,
      epochs = EPOCHS, optimizer = opt, log = log, diagnostics = { every = 1 } }
    run:summary(summarise(h, gg.rng(run.seed)))
  end,
  claims = {
    { "at lr 0.3, default Adam (beta2 0.999, eps 1e-8) spikes in most runs: the step loss rises above 2x the "
      .. "median of the previous 20 steps in more than half of the runs (Wilson lower bound > 0.5)",
      folklore = { "adam_spikes", "high_lr", "optimizer" },
      check = function(R)
        local f, text = spike_text(R, high { beta2 = 0.999, eps = 1e-8 })
        local w = R:mean("worst_spike", high { beta2 = 0.999, eps = 1e-8 })
        local _, both = spike_text(R, high { beta2 = 0.999 })
        return f.lo > 0.5, "runs with a spike " .. text .. "; largest loss / reference median " .. w.text
          .. "; with eps 1e-8 or 1e-5: " .. both
      end },
    { "at lr 0.03 (the best lr of transformer_lr) no run spikes, with beta2 0.999 or 0.95 (the control)",
      folklore = "adam_spikes",
      check = function(R)
        local f, text = spike_text(R, { lr = MODERATE })
        return f.k == 0, "runs with a spike " .. text
      end },
    { "beta2 = 0.95 removes the spikes: at lr 0.3 it gives fewer spikes per run than beta2 = 0.999 (paired by eps "
      .. "and seed; upper bound < 0)", folklore = { "adam_spikes", "optimizer" },
      check = function(R)
        local d = R:paired("spikes", high { beta2 = 0.95 }, high { beta2 = 0.999 }, { "eps", "seed" })
        local _, t95 = spike_text(R, high { beta2 = 0.95 })
        return d.hi < 0, "spikes (0.95 - 0.999) " .. d.text .. "; runs with a spike at 0.95: " .. t95
      end },
    { "beta2 = 0.98 removes the spikes too: at lr 0.3 it gives fewer spikes per run than beta2 = 0.999 (paired by "
      .. "eps and seed; upper bound < 0)", folklore = { "adam_spikes", "optimizer" },
      check = function(R)
        local d = R:paired("spikes", high { beta2 = 0.98 }, high { beta2 = 0.999 }, { "eps", "seed" })
        local steps = R:paired("spike_steps", high { beta2 = 0.98 }, high { beta2 = 0.999 }, { "eps", "seed" })
        local _, t98 = spike_text(R, high { beta2 = 0.98 })
        return d.hi < 0, "spikes (0.98 - 0.999) " .. d.text .. "; steps spent in spikes " .. steps.text
          .. "; runs with a spike at 0.98: " .. t98
      end },
    { "a larger eps removes the spikes: at lr 0.3 with beta2 0.999, eps = 1e-5 gives fewer spikes per run than "
      .. "eps = 1e-8 (paired by seed; upper bound < 0)", folklore = { "adam_spikes", "optimizer" },
      check = function(R)
        local d = R:paired("spikes", high { beta2 = 0.999, eps = 1e-5 }, high { beta2 = 0.999, eps = 1e-8 }, { "seed" })
        local steps = R:paired("spike_steps", high { beta2 = 0.999, eps = 1e-5 }, high { beta2 = 0.999, eps = 1e-8 },
          { "seed" })
        local _, t5 = spike_text(R, high { beta2 = 0.999, eps = 1e-5 })
        local first = R:paired("first_spike", high { beta2 = 0.999, eps = 1e-5 }, high { beta2 = 0.999, eps = 1e-8 },
          { "seed" })
        local worst = R:paired("worst_spike", high { beta2 = 0.999, eps = 1e-5 }, high { beta2 = 0.999, eps = 1e-8 },
          { "seed" }, math.log)
        return d.hi < 0, "spikes (1e-5 - 1e-8) " .. d.text .. "; steps spent in spikes " .. steps.text
          .. "; runs with a spike at eps 1e-5: " .. t5 .. "; first spike's step (1e-5 - 1e-8) " .. first.text
          .. "; log(largest loss / reference median) (1e-5 - 1e-8) " .. worst.text
      end },
    { "the update/weight ratio rises before a spike: over the 10 steps before a run's first spike, the largest "
      .. "per-layer ||dW||/||W|| is above the run's median so far (mean log ratio over the runs that spike at lr "
      .. "0.3; lower bound > 0), unlike before a random step of the runs that do not spike",
      folklore = "adam_spikes",
      check = function(R)
        local pre = R:mean("pre_update_ratio", { lr = HIGH }, math.log)
        local early = R:mean("pre_early_update_ratio", { lr = HIGH }, math.log)
        local ctrl = R:mean("ctrl_update_ratio", { lr = HIGH }, math.log)
        local g = R:mean("pre_grad_norm", { lr = HIGH }, math.log)
        local l = R:mean("pre_loss", { lr = HIGH }, math.log)
        local le = R:mean("pre_early_loss", { lr = HIGH }, math.log)
        return pre.lo > 0 and pre.lo > ctrl.hi, "log(before / median): 10 steps before " .. pre.text
          .. ", 20 to 11 steps before " .. early.text .. "; control (no spike, random step) " .. ctrl.text
          .. "; gradient norm 10 steps before " .. g.text .. "; loss 10 steps before " .. l.text
          .. ", 20 to 11 steps before " .. le.text
      end },
    { "the second moment has decayed before a spike (Molybog et al.): over the 10 steps before a run's first "
      .. "spike, the mean effective step lr/(sqrt(v_hat) + eps) is more than 10 % above the run's median so far "
      .. "(log; lower bound > log 1.1)", folklore = "adam_spikes",
      check = function(R)
        local pre = R:mean("pre_eff_lr", { lr = HIGH }, math.log)
        local ctrl = R:mean("ctrl_eff_lr", { lr = HIGH }, math.log)
        return pre.lo > math.log(1.1), "log(before / median) " .. pre.text .. "; control (no spike, random step) "
          .. ctrl.text
      end },
    { "the spikes cost: at lr 0.3 the final validation loss is higher with beta2 0.999 than with 0.95 (paired "
      .. "by eps and seed; log; lower bound > 0)", folklore = "adam_spikes",
      check = function(R)
        local d = R:paired("final_val_loss", high { beta2 = 0.999 }, high { beta2 = 0.95 }, { "eps", "seed" },
          math.log)
        return d.lo > 0, "log(0.999 / 0.95) " .. d.text
      end },
  },
}
