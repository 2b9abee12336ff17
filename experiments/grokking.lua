--[[ experiments/grokking.lua — grokking on modular addition: the validation loss rises while
  the training loss falls, then falls thousands of steps later; weight decay sets when, and
  early stopping on the validation loss would have ended the runs before it.

  Power et al. (2022, "Grokking: generalization beyond overfitting on small algorithmic
  datasets", arXiv:2201.02177) train a small transformer on binary-operation tables (a ∘ b
  mod 97) with part of the table held out. Fig. 1 (modular division, 50 % of the table,
  from memory): training accuracy reaches ~100 % near 10^3 optimisation steps while
  validation accuracy stays at chance, then climbs to ~100 % near 10^5 steps, ~100x later;
  the validation loss rises during the memorisation and falls only then. Fig. 2 (from
  memory, confirmed by the paper's text): of the interventions compared, weight decay (AdamW,
  1) is the most effective, "more than halving the amount of samples needed". Nanda et al.
  (2023, "Progress measures for grokking via mechanistic interpretability",
  arXiv:2301.05217; 1-layer transformer, p = 113, 30 % of the table, full-batch AdamW lr
  1e-3, weight decay 1; from memory) split training into memorisation (~0-1.4k steps),
  circuit formation (~1.4k-9.4k) and cleanup (~9.4k-13k), and show the sum of squared
  weights falling through the last two while the test loss falls; Liu et al. (2022,
  "Omnigrok", arXiv:2210.01117) tie grokking to the weight norm in the same way. The
  folklore it contradicts: "stop when the validation loss rises". It also bears on the
  seed write-ups' "overfitting" entry: the validation loss does rise while the training loss
  falls, in every run here, but it is a phase, not the end state, and not a matter of too much
  capacity: the same network with weight decay then generalises to 99 %.

  Setup: gg.data.modular { p = 47, op = "+", train_fraction = 0.4 } (883 of the 2209 pairs
  for training, the other 1326 for validation; the split is drawn from the run's seed);
  x = (a, b, =) -> embedding(48, 32) -> flatten (96) -> linear 128 -> ReLU -> linear 47
  (20,015 parameters, torch's default init: the embedding N(0, 1)); cross-entropy;
  full-batch AdamW (decoupled weight decay), lr 3e-3, betas (0.9, 0.999); weight decay 3, 1,
  0.3, 0 x 5 seeds = 20 runs, at most 25,000 steps; every 100 steps (and at step 0) the
  training and validation loss and accuracy and the sum of squared parameters (computed in
  Lua from model:parameters()); a run stops once its validation accuracy reaches 0.99 (a
  budget cut, not a model selection). Generalisation step: the first evaluation with
  validation accuracy >= 0.9. Early stopping is applied afterwards to the logged validation
  losses (min_delta 0, as Keras's EarlyStopping): patience 5 or 10 evaluations counted from
  the evaluation at step 0, and Keras's own convention (first evaluation after step 100,
  patience 10). An MLP, not gg.nn.gpt: the 20 runs take up to 25,000 full-batch steps
  each (~0.6 ms a step here, 3 CPU-minutes in all); a 1-layer transformer of Nanda's size
  (d_model 128) would cost several times more per step and was not tried. The MLP on
  embeddings is the setting of Liu et al.'s and Gromov's (2023, arXiv:2301.02679) small-scale
  grokking.
  Measured (5 seeds per weight decay):
  - The rise: the validation loss starts at 3.87-3.88 nats (chance, ln 47 = 3.85) and peaks
    at step 200 in every run with weight decay — 1.75-1.83x its initial value at wd 3,
    2.53-2.63x at wd 1, 3.29-3.40x at wd 0.3 — while training accuracy reaches 1 at steps
    100-300 and the training loss falls to 0.83-0.86 (wd 3), 0.12 (wd 1), 0.034 (wd 0.3)
    nats; validation accuracy is 0.000-0.003 there (below the 0.021 of chance: memorisation
    predicts wrong answers). Without weight decay the validation loss keeps rising, to 44-48
    nats at step 25,000 (11-12x).
  - The fall (grokking): the validation loss comes back below its initial value at steps
    800-1200 (wd 3), 2400-3000 (wd 1), 10,200-15,900 (wd 0.3), never at wd 0; validation
    accuracy reaches 0.9 at steps 1500-2400, 3600-5300 and 13,600-22,500 — 5-12x, 18-53x and
    136-225x the step where training accuracy reached 1 — and 0.99 soon after (wd 3, 1 and 2 of the 5 wd 0.3 runs; the
    other wd 0.3 runs end at 0.90-0.97). Without weight decay no run exceeds 0.028 validation
    accuracy in 25,000 steps; 3 of those 5 runs show a training-loss spike at steps
    14,500-15,100 (to 7.9, 0.32 and 0.071 nats, from ~1e-4), which does not help either.
  - Weight decay sets when: paired by seed, log(generalisation step) is 0.82 [0.68, 0.97]
    lower at wd 3 than at wd 1 (2.3x sooner) and 1.38 [1.16, 1.59] lower at wd 1 than at wd 0.3
    (4x sooner).
  - Early stopping: counted from the evaluation before training, the validation loss's best
    is the untrained model in every run, and patience 5 (500 steps) stops all 20 runs at step
    500 with validation accuracy 0.000-0.003. Patience 10 (1000 steps) still stops every run
    at wd <= 1, but 4 of the 5 wd 3 runs get their validation loss back below its initial
    value at steps 800-1000 and are not stopped. Keras's convention (no evaluation before
    training) misses the rise, which is over by step 200: at wd 3 and wd 1 the validation loss
    then falls slowly but steadily through the whole plateau of chance-level accuracy, so
    EarlyStopping never fires there (10/10 runs reach 0.99); it stops the wd 0.3 runs (and
    wd 0) at step 1100 with accuracy 0.000-0.001, 12,500-21,400 steps before they generalise.
    So early stopping ends a grokking run before it generalises when it sees the loss before
    the rise, or when the plateau is long and flat (wd 0.3); with strong weight decay the
    plateau's slow improvement keeps it going.
  - Mechanism: from the first evaluation with validation accuracy >= 0.1 to the first with
    >= 0.9 the sum of squared parameters falls in all 15 runs that generalise (by 2-8 % at
    wd 3, 8-12 % at wd 1, 8-27 % at wd 0.3; mean log ratio -0.104 [-0.147, -0.062]); the
    norm at generalisation is 1040-2630, far below wd 0's 7850-8100 at its end.
    Caveat: with weight decay the norm also falls where nothing generalises yet (at wd 1 from
    1960-2000 at the validation-loss peak to 1720-1770 before accuracy reaches 0.1), so the fall
    accompanies generalisation rather than timing it.
  Tried first: lr 1e-3 (wd 1 reached only 0.85 validation accuracy in 10,000 steps), so lr 3e-3;
  wd 0.3 needs 13,600-22,500 steps at lr 3e-3, hence the 25,000-step budget. Patience 10
  counted from step 0 was my first early-stopping rule; patience 5 was added after seeing
  the wd 3 runs escape it (both are claims below, with their verdicts).
  Run time: 20 runs in 409 s with -j 2 on the shared 2-core machine (load ~9; 180 CPU-s:
  ~95 s idle), 7-85 s a run (long = true: the first point, wd 3, takes ~2 CPU-s).

  Run: gglab run experiments/grokking.lua ]]
local gg = require "gglab"
local stats = require "gglab.lib.stats"

local P, FRACTION, D, HIDDEN, LR = 47, 0.4, 32, 128, 3e-3
local STEPS, EVERY = 25000, 100
local GEN_ACC, START_ACC, STOP_ACC = 0.9, 0.1, 0.99
local WDS = { 3, 1, 0.3, 0 }

-- Sum of squared parameters (every weight and bias, the embedding included).
local function weight_norm(model)
  local s = 0
  for _, w in ipairs(model:parameters()) do
    for _, row in ipairs(w:totable()) do
      for _, v in ipairs(row) do s = s + v * v end
    end
  end
  return s
end

-- Early stopping on the validation loss (min_delta 0, as Keras's EarlyStopping) over the
-- evaluations h[from..] (h[1] is step 0, before training; Keras evaluates first after the
-- first EVERY steps, h[2]): the index of the best evaluation, the index of the one training
-- stops after (the last one when it never fires) and whether it fired.
local function early_stop(h, from, patience)
  local best, wait = from, 0
  for i = from + 1, #h do
    if h[i].val_loss < h[best].val_loss then best, wait = i, 0 else wait = wait + 1 end
    if wait >= patience then return best, i, true end
  end
  return best, #h, false
end

-- The early-stopping variants: {summary prefix, first evaluation, patience in evaluations}.
local STOPPERS = { { "es5", 1, 5 }, { "es10", 1, 10 }, { "keras", 2, 10 } }

-- The first evaluation with val_acc >= acc, or nil.
local function first_acc(h, acc)
  for i, e in ipairs(h) do
    if e.val_acc >= acc then return i end
  end
end

-- Per-run summary from the evaluations h (a list of {step, loss, train_acc, val_loss, val_acc, wn}).
local function summarise(h)
  local gen, start = first_acc(h, GEN_ACC), first_acc(h, START_ACC)
  -- The peak of the validation loss before generalisation (or over the whole run without it).
  local peak = 1
  for i = 1, gen or #h do
    if h[i].val_loss > h[peak].val_loss then peak = i end
  end
  local low = math.huge          -- the lowest validation loss after the peak
  for i = peak, #h do low = math.min(low, h[i].val_loss) end
  local fit
  for i, e in ipairs(h) do
    if e.train_acc >= 1 then fit = i; break end
  end
  local s = {
    init_val_loss = h[1].val_loss, init_loss = h[1].loss,
    peak_step = h[peak].step, peak_val_loss = h[peak].val_loss, peak_loss = h[peak].loss,
    peak_val_acc = h[peak].val_acc, low_after_peak = low, rise = h[peak].val_loss / h[1].val_loss,
    fit_step = fit and h[fit].step or STEPS,
    generalised = gen and 1 or 0, gen_step = gen and h[gen].step or STEPS,
    wn_peak = h[peak].wn, wn_start = start and h[start].wn or h[#h].wn, wn_gen = gen and h[gen].wn or h[#h].wn,
    wn_ratio = (gen and h[gen].wn or h[#h].wn) / (start and h[start].wn or h[#h].wn),
    final_val_acc = h[#h].val_acc, final_step = h[#h].step,
  }
  for _, v in ipairs(STOPPERS) do
    local name = v[1]
    local best, stop, fired = early_stop(h, v[2], v[3])
    -- _stopped: 1 when it fires before the generalisation step (for a run that never generalises: at all).
    s[name .. "_stopped"] = fired and h[stop].step < s.gen_step and 1 or 0
    s[name .. "_step"], s[name .. "_val_acc"] = h[stop].step, h[stop].val_acc
    s[name .. "_best_step"], s[name .. "_best_val_acc"] = h[best].step, h[best].val_acc
  end
  return s
end

local function grokked(r) return r.summary.generalised == 1 end
local WITH_WD = { wd = gg.at_least(0.3) }

-- "name v1/v2/..." over the runs of where, in sweep order (fmt formats one value).
local function values(R, where, name, fmt)
  local out = {}
  for _, r in ipairs(R:select(where)) do out[#out + 1] = string.format(fmt or "%.3g", R:value(r, name)) end
  return table.concat(out, "/")
end

-- The same per weight decay: "wd 3: a/b/c; wd 1: ...".
local function by_wd(R, name, fmt)
  local out = {}
  for _, wd in ipairs(WDS) do out[#out + 1] = "wd " .. wd .. ": " .. values(R, { wd = wd }, name, fmt) end
  return table.concat(out, "; ")
end

return gg.experiment {
  name = "grokking",
  description = "modular addition (p = 47, 40 % of the table): an MLP on embeddings with AdamW, weight decay sweep",
  long = true,
  sweep = gg.grid { wd = WDS, seed = gg.seeds(5) },
  run = function(p, run)
    local train, val = gg.data.modular { p = P, op = "+", train_fraction = FRACTION, seed = run.seed }
    local model = gg.nn.sequential({ gg.nn.embedding(P + 1, D), gg.nn.flatten(), gg.nn.linear(3 * D, HIDDEN),
      gg.nn.relu(), gg.nn.linear(HIDDEN, P) }, { input = { 3 }, seed = run.seed })
    local opt = gg.optim.adamw(model, { lr = LR, weight_decay = p.wd })
    local h = {}
    local function measure(step)
      local e = { step = step, loss = gg.evaluate(model, train, { loss = "cross_entropy" }),
        train_acc = gg.accuracy(model, train), val_loss = gg.evaluate(model, val, { loss = "cross_entropy" }),
        val_acc = gg.accuracy(model, val), wn = weight_norm(model) }
      h[#h + 1] = e
      run:log("loss", e.loss, step)
      run:log("train_acc", e.train_acc, step)
      run:log("val_loss", e.val_loss, step)
      run:log("val_acc", e.val_acc, step)
      run:log("weight_norm", e.wn, step)
      return e
    end
    measure(0)
    for k = 1, STEPS // EVERY do
      gg.train { model = model, data = train, optimizer = opt, loss = "cross_entropy", batch_size = train:n(),
        epochs = EVERY, shuffle = false }
      if measure(k * EVERY).val_acc >= STOP_ACC then break end
    end
    run:summary(summarise(h))
  end,
  claims = {
    { "the validation loss rises while the training loss falls, then falls far later (grokking): in most runs "
      .. "with weight decay (wd >= 0.3) the validation loss climbs to >= 1.5x its value at initialisation while the "
      .. "training loss falls below 0.25x its own, and later falls below that initial value (Wilson lower bound "
      .. ">= 50 %)", folklore = { "grokking", "overfitting" },
      check = function(R)
        local function groks(r)
          local v = function(k) return R:value(r, k) end
          return v("peak_val_loss") >= 1.5 * v("init_val_loss") and v("peak_loss") <= 0.25 * v("init_loss")
            and v("low_after_peak") < v("init_val_loss")
        end
        local f = R:fraction(groks, WITH_WD)
        local none = R:fraction(groks, { wd = 0 })
        return f.lo >= 0.5, string.format("wd >= 0.3: %s; wd 0: %s; peak / initial validation loss %s; "
          .. "peak step %s; training loss at the peak %s", f.text, none.text, by_wd(R, "rise", "%.2f"),
          by_wd(R, "peak_step", "%d"), by_wd(R, "peak_loss", "%.2g"))
      end },
    { "early stopping at the rise ends every run before it generalises: stopping on the validation loss with "
      .. "patience 5 evaluations (500 steps), counted from the evaluation before training, stops every run with "
      .. "validation accuracy < 0.5, before it generalises, and its best evaluation is the untrained model",
      folklore = "grokking",
      check = function(R)
        local f = R:fraction(function(r)
          return R:value(r, "es5_stopped") == 1 and R:value(r, "es5_val_acc") < 0.5
            and R:value(r, "es5_best_step") == 0
        end, {})
        local acc = R:mean("es5_val_acc", {})
        return f.k == f.n, string.format("%s; stop step %s; validation accuracy there %s (%s); generalisation "
          .. "step (val acc >= %.2f; %d = never) %s", f.text, by_wd(R, "es5_step", "%d"),
          by_wd(R, "es5_val_acc", "%.3f"), acc.text, GEN_ACC, STEPS, by_wd(R, "gen_step", "%d"))
      end },
    { "with patience 10 evaluations (1000 steps), counted from the evaluation before training, early stopping "
      .. "still stops every run with weight decay before it generalises", folklore = "grokking",
      check = function(R)
        local f = R:fraction(function(r) return R:value(r, "es10_stopped") == 1 end, WITH_WD)
        return f.k == f.n, string.format("%s; stop step (the last evaluation when it never fires) %s; best step "
          .. "%s", f.text, by_wd(R, "es10_step", "%d"), by_wd(R, "es10_best_step", "%d"))
      end },
    { "Keras's EarlyStopping (patience 10 evaluations every 100 steps, the first after step 100: Keras does not "
      .. "evaluate before training) stops every run with weight decay before it generalises", folklore = "grokking",
      check = function(R)
        local f = R:fraction(function(r) return R:value(r, "keras_stopped") == 1 end, WITH_WD)
        return f.k == f.n, string.format("%s; stop step (the last evaluation when it never fires) %s; best step "
          .. "%s; validation accuracy at the stop %s", f.text, by_wd(R, "keras_step", "%d"),
          by_wd(R, "keras_best_step", "%d"), by_wd(R, "keras_val_acc", "%.3f"))
      end },
    { "stronger weight decay generalises earlier: paired by seed, the log of the generalisation step (first "
      .. "validation accuracy >= 0.9; a run that never gets there counts as the 25000-step budget) is lower at "
      .. "wd 3 than at wd 1, and at wd 1 than at wd 0.3 (upper bounds < 0)", folklore = "grokking",
      check = function(R)
        local a = R:paired("gen_step", { wd = 3 }, { wd = 1 }, { "seed" }, math.log)
        local b = R:paired("gen_step", { wd = 1 }, { wd = 0.3 }, { "seed" }, math.log)
        return a.hi < 0 and b.hi < 0, string.format("log(wd 3 / wd 1) %s; log(wd 1 / wd 0.3) %s; steps %s",
          a.text, b.text, by_wd(R, "gen_step", "%d"))
      end },
    { "without weight decay no run generalises within the budget (0 of 5 reach validation accuracy 0.9 in "
      .. "25000 steps) while every run with wd >= 1 does", folklore = "grokking",
      check = function(R)
        local z = R:fraction(grokked, { wd = 0 })
        local w = R:fraction(grokked, { wd = gg.at_least(1) })
        local w3 = R:fraction(grokked, { wd = 0.3 })
        return z.k == 0 and w.k == w.n, string.format("wd 0: %s; wd >= 1: %s; wd 0.3: %s; final validation "
          .. "accuracy %s; final validation loss of wd 0 %s", z.text, w.text, w3.text,
          by_wd(R, "final_val_acc", "%.3f"), values(R, { wd = 0 }, "final_val_loss", "%.1f"))
      end },
    { "the weight norm falls while the model generalises (Nanda et al. 2023): from the first evaluation with "
      .. "validation accuracy >= 0.1 to the first with >= 0.9 the sum of squared parameters falls in every run that "
      .. "generalises (mean log ratio: upper bound < 0)", folklore = "grokking",
      check = function(R)
        local logs, k = {}, 0
        for _, r in ipairs(R:select({})) do
          if grokked(r) then
            logs[#logs + 1] = math.log(R:value(r, "wn_ratio"))
            if logs[#logs] < 0 then k = k + 1 end
          end
        end
        local m, lo, hi = stats.mean_ci(logs)
        return k == #logs and #logs > 0 and hi < 0, string.format("falls in %d of %d; mean log ratio %.3g "
          .. "[%.3g, %.3g]; ratio %s; weight norm at generalisation %s; at the validation-loss peak %s", k, #logs,
          m, lo, hi,
          by_wd(R, "wn_ratio", "%.3f"), by_wd(R, "wn_gen", "%.0f"), by_wd(R, "wn_peak", "%.0f"))
      end },
  },
}
