--[[ experiments/attention_logits.lua — a char-level GPT on Shakespeare at lr 3e-4 ... 3e-1, with
  no mitigation, qk-LayerNorm, a z-loss or warm-up, at two widths: do the attention logits grow,
  do the output logits diverge, and which mitigation lowers the sensitivity to the lr?

  Wortsman et al. (2023, "Small-scale proxies for large-scale Transformer training
  instabilities", arXiv:2309.14322) reproduce two instabilities of large transformers in small
  ones trained at high learning rates. (1) Attention-logit growth (Dehghani et al. 2023,
  arXiv:2302.05442): the logits q·k/sqrt(d) grow without bound, the attention becomes one-hot
  (entropy -> 0) and the loss rises; qk-LayerNorm (a LayerNorm on q and on k) removes it. Their
  Fig. 1: final loss against lr 3e-4 ... 3e-1 for models of ~10M to ~1B parameters; without
  qk-layernorm the loss rises sharply above lr ~1e-2 (the larger the model, the lower the lr
  where it starts), with it the curves stay nearly flat; the largest attention logits reach
  ~1e4 without it (the numbers from memory: I could not open the figures, only text excerpts).
  (2) Output-logit divergence (Chowdhery et al. 2022, PaLM): late in training the output
  logits drift very negative, log Z = logsumexp(logits) far from 0, and the loss rises; a
  z-loss 1e-4 (log Z)^2 removes it (from memory: shown without weight decay, which also
  mitigates it). They summarise a loss-vs-lr curve by its LR sensitivity,
  E over lr in [a, b] of [min(loss(lr), loss at init) - min over lr of loss(lr)], on a log grid
  over [a, b] = [3e-4, 3e-1] (the range is the paper's; the formula as I recall it, as the
  brief states it), and report it lower with qk-layernorm, with (longer) warm-up and with
  independent weight decay (not tested here). Their setup: AdamW (beta2 0.95), clipping at 1,
  5e3 warm-up and 1e5 steps with cosine decay, no weight tying, z-loss 1e-4 by default.

  Setup (scaled down; the data and model of experiments/transformer_lr.lua):
  tinyshakespeare at the character level (62 characters), windows of 32, 1600 training
  windows drawn per run from its seed, 256 validation windows; gg.nn.gpt Pre-LN (final
  LayerNorm), d_model 32 (4 heads) or 64 (8 heads: head dim 8 in both, as Wortsman keeps the
  head dim fixed), 2 layers, feed-forward 4 x d_model, ReLU, no dropout, learned positions,
  untied head (Wortsman: no embedding sharing; transformer_lr's tied N(0, 1) embeddings start
  at ~20 nats, here the initial validation loss is 4.29-4.30, ln 62 = 4.13); Adam (default
  betas, no clipping, no weight decay), batch 32, 5 epochs of 50 steps, constant lr.
  Mitigations: none; qk_norm (gg.nn.gpt's qk_norm = true: LayerNorm per head on q and k);
  z_loss (cross-entropy + 1e-4 (log Z)^2); warmup (LinearLR from 0.01 x lr to lr over the
  first 50 steps, stepped per batch). lr 3e-4, 1e-3, ..., 3e-1 (7 values) x 4 mitigations at
  width 32, plus none and qk_norm at width 64, x 5 seeds = 210 runs. Measured: diagnostics
  every 10 steps (attn_max_logit_<a>, attn_entropy_<a> of both layers, logit_norm; the
  claims read the last record, step 250, on that step's training batch); after training one
  forward pass over the 256 validation windows (8192 positions), where the run computes in Lua
  (double) each position's log Z = logsumexp of its 62 logits and logs the mean log Z, the
  mean |log Z| and the largest |logit|; before training the validation loss (the cap of the
  LR sensitivity: it never binds, the largest final validation loss is 3.46).
  Measured (5 seeds, 210 runs, none diverged):
  - Best lr (mean final validation loss) 3e-2 at width 32 (2.29 nats) and 1e-2 at width 64
    (2.19), with or without qk-LayerNorm.
  - Attention-logit growth replicates, strongly: without qk-LayerNorm at lr >= 1e-1 the
    largest attention logit at step 250 is 3.5e4-5.9e4 (width 32, lr 1e-1), 0.9e6-2.6e6 (width
    32, 3e-1), 1.4e5-1.8e5 and 1.3e5-2.7e6 (width 64), against 23-55 (width 32) and 29-48
    (width 64) at the best lr: log ratio 9.10 [8.38, 9.83] (~9000x). The smallest attention
    entropy is below 0.1 nats in 20/20 of those runs (mean 2.4e-4, vs 1.09 at the best lr), and
    the validation loss rises to 2.97-3.38 (the training text's character frequencies alone
    give 3.39). With qk-LayerNorm the largest logit at lr >= 1e-1 stays <= 116 (geometric means
    14-61; log ratio none / qk-LN 9.30 [8.83, 9.78]), the smallest entropy is 0.76 [0.66, 0.87]
    nats higher and the loss lower (2.68 vs 3.19, log ratio -0.176 [-0.197, -0.156]). But the
    curve is not flat: qk-LN still ends at 2.75 (width 32) and 2.98 (width 64) at 3e-1 against
    2.30 and 2.20 at its best lr.
  - LR sensitivity: none 0.456 [0.397, 0.514] (width 32), 0.459 [0.426, 0.493] (width 64);
    qk-LN 0.289 [0.267, 0.312] and 0.307 [0.293, 0.321]; paired by width and seed -0.159
    [-0.182, -0.137]. 250 steps are short for the low end: lr 3e-4 ends at 3.13-3.14 (width 32)
    without warm-up (3.19 with it), 0.12 of qk-LN's 0.289 at width 32.
  - Output-logit divergence does NOT appear at this scale: the mean validation log Z without
    z-loss is 3.6-6.9 in every run, at every lr and width (it rises with lr to ~6.6 at 1e-2, then
    falls back towards ln 62 = 4.13 at 1e-1 and 3e-1, where the model collapses towards the
    character frequencies); logit_norm at step 250 is 20-23 at lr >= 1e-1. So the z-loss has
    nothing to remove: at lr >= 1e-1 it changes the mean |log Z| by a log ratio of -0.027
    [-0.057, 0.003] and the final validation loss by +0.0006 [-0.016, 0.017]; its term is
    1e-4 (log Z)^2 ~ 0.004 nats. The high-lr failure here is the attention-logit growth, which
    the z-loss does not touch (largest logits 5.5e4 and 2.3e6 at 1e-1 and 3e-1). A 5x longer
    probe (25 epochs = 1250 steps, width 32, seed 1, lr 1e-1 and 3e-1; not part of the sweep)
    finds no drift either: mean log Z 4.35 and 4.19 without z-loss, 3.95 and 3.90 with it,
    validation loss 3.12-3.36 in all four, attention logits 7.6e5-2.5e7.
  - Warm-up (50 steps) lowers the LR sensitivity at width 32 from 0.456 to 0.368 (paired
    -0.087 [-0.135, -0.040]): at 1e-1 it keeps the largest attention logit at 4.3e2-4.3e3
    (vs 3.5e4-5.9e4) and the loss at 2.40 (vs 2.97); at 3e-1 the logits reach 1.0e6-3.0e6 and
    the loss 3.19 anyway. It costs at the low end (3e-4: 3.19 vs 3.14).
  - Width: the wider model's attention logits blow up at a lower lr: the largest logit first
    exceeds 100 at 3e-2 at width 64 (274-835, smallest entropy 0.07-0.18; loss 2.32 vs 2.19 at
    1e-2) and at 1e-1 at width 32 (at 3e-2: 23-55), in 5 of 5 seeds; the best lr falls from
    3e-2 to 1e-2, as in Wortsman's Fig. 1. The LR sensitivity is about the same (0.46).
  Run time: 210 runs, 501 s of CPU (user + sys; ~1.7 s a run at width 32, ~3.9 s at width 64),
  18.4 min of wall time with -j 2 on the shared 2-core machine (45 % of the CPU, load 8-11);
  ~4.2 min on an idle one. long = true: the first point (lr 3e-4, width 32) takes ~2 s.

  Run: gglab run experiments/attention_logits.lua ]]
local gg = require "gglab"
local claims = require "gglab.claims"

local CONTEXT, BATCH, EPOCHS, STEPS = 32, 32, 5, 50
local WARMUP = 50
local LAYERS = 2
local LRS = { 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1 }
-- Each run reads it and draws its own windows from its seed.
local TEXT = "experiments/data/tinyshakespeare.txt"

-- log Z (the logsumexp of a position's logits) at every position of the validation windows,
-- from one forward pass of the trained model: mean log Z, mean |log Z| and the largest |logit|.
local function output_logits(model, val, V)
  local out = model:forward(val:x()):totable()
  local sum, sum_abs, n, big = 0, 0, 0, 0
  for _, row in ipairs(out) do
    for pos = 0, #row // V - 1 do
      local m = -math.huge
      for v = 1, V do
        local z = row[pos * V + v]
        if z > m then m = z end
        if math.abs(z) > big then big = math.abs(z) end
      end
      local s = 0
      for v = 1, V do s = s + math.exp(row[pos * V + v] - m) end
      local lz = m + math.log(s)
      sum, sum_abs, n = sum + lz, sum_abs + math.abs(lz), n + 1
    end
  end
  return sum / n, sum_abs / n, big
end

-- The largest attention logit over the layers (last diagnostics record, step 250) and the
-- smallest attention entropy over the layers.
local function max_logit(R, r)
  local m = -math.huge
  for a = 1, LAYERS do m = math.max(m, R:value(r, "attn_max_logit_" .. a)) end
  return m
end
local function min_entropy(R, r)
  local m = math.huge
  for a = 1, LAYERS do m = math.min(m, R:value(r, "attn_entropy_" .. a)) end
  return m
end

-- Results over records {params, v = fn(r)} of the runs matching where (for paired/mean).
local function derived(R, where, fn)
  local recs = {}
  for _, r in ipairs(R:select(where)) do recs[#recs + 1] = { params = r.params, v = fn(R, r) } end
  return claims.results(recs)
end

-- The lr of the grid with the lowest mean final validation loss among the runs matching where.
local function best_lr(R, where)
  local best, lr = math.huge, nil
  for _, x in ipairs(LRS) do
    where.lr = x
    local m = R:mean("final_val_loss", where).value
    if m < best then best, lr = m, x end
  end
  where.lr = nil
  return lr
end

--[[ LR sensitivity (Wortsman et al. 2023, section 2.2): for each (mitigation, width, seed),
  the mean over the lr grid of min(final validation loss, initial validation loss) minus the
  lowest final validation loss over the grid; a run that overflows counts as the initial
  loss. Returns results over records {params = {mitigation, width, seed}, v}. ]]
local function sensitivity(R, where)
  local groups, order = {}, {}
  for _, r in ipairs(R:select(where)) do
    local p = r.params
    local key = p.mitigation .. "/" .. p.width .. "/" .. p.seed
    if not groups[key] then
      groups[key] = { params = { mitigation = p.mitigation, width = p.width, seed = p.seed }, losses = {} }
      order[#order + 1] = key
    end
    local l0, l = R:value(r, "init_val_loss"), r.final_val_loss
    local g = groups[key].losses
    g[#g + 1] = (l == l and l < l0) and l or l0
  end
  local recs = {}
  for _, key in ipairs(order) do
    local g = groups[key]
    local sum, best = 0, math.huge
    for _, l in ipairs(g.losses) do sum, best = sum + l, math.min(best, l) end
    recs[#recs + 1] = { params = g.params, v = sum / #g.losses - best, n = #g.losses }
  end
  return claims.results(recs)
end

local function high(where) where.lr = gg.at_least(1e-1); return where end

-- Derived records of the none runs: v = log of the largest attention logit, best = whether the
-- run is at its width's best lr (by the none runs' mean final validation loss).
local function logit_growth(R)
  local best = { [32] = best_lr(R, { mitigation = "none", width = 32 }),
    [64] = best_lr(R, { mitigation = "none", width = 64 }) }
  local recs = {}
  for _, r in ipairs(R:select { mitigation = "none" }) do
    local p = {}
    for k, v in pairs(r.params) do p[k] = v end
    p.best = r.params.lr == best[r.params.width]
    recs[#recs + 1] = { params = p, v = math.log(max_logit(R, r)), e = min_entropy(R, r) }
  end
  return claims.results(recs), best
end

-- The smallest lr of the grid whose run's largest attention logit exceeds 100 (inf: none).
local function unstable_lr(R, width, seed)
  for _, x in ipairs(LRS) do
    local rs = R:select { mitigation = "none", width = width, seed = seed, lr = x }
    if rs[1] and max_logit(R, rs[1]) > 100 then return x end
  end
  return math.huge
end

return gg.experiment {
  name = "attention_logits",
  long = true,
  description = "char-level GPT: lr x {none, qk-LayerNorm, z-loss, warm-up} x width; attention and output logits",
  sweep = gg.grid { lr = LRS, mitigation = { "none", "qk_norm", "z_loss", "warmup" }, width = 32, seed = gg.seeds(5) }
    + gg.grid { lr = LRS, mitigation = { "none", "qk_norm" }, width = 64, seed = gg.seeds(5) },
  run = function(p, run)
    local train, val = gg.data.text { file = TEXT, context = CONTEXT, level = "char", n = BATCH * STEPS,
      val_n = 256, seed = run.seed }
    local V = train:vocab()
    local model = gg.nn.gpt { vocab = V, context = CONTEXT, d_model = p.width, heads = p.width // 8, layers = LAYERS,
      dim_feedforward = 4 * p.width, activation = "relu", norm_first = true, tie_weights = false,
      qk_norm = p.mitigation == "qk_norm" }
    local init_val = gg.evaluate(model, val, { loss = "cross_entropy" })
    local opt = gg.optim.adam(model, { lr = p.lr })
    local sched = p.mitigation == "warmup"
      and gg.sched.linear_lr(opt, { start_factor = 0.01, total_iters = WARMUP }) or nil
    local loss = p.mitigation == "z_loss" and { "cross_entropy", z_loss = 1e-4 } or "cross_entropy"
    gg.train { model = model, data = train, val = val, loss = loss, batch_size = BATCH, epochs = EPOCHS,
      optimizer = opt, scheduler = sched, scheduler_step = "step", log = run, diagnostics = { every = 10 } }
    local lz, lz_abs, big = output_logits(model, val, V)
    run:summary { init_val_loss = init_val, val_log_z = lz, val_abs_log_z = lz_abs, val_max_abs_logit = big }
  end,
  claims = {
    { "attention-logit growth: without qk-LayerNorm, at lr >= 1e-1 the largest attention logit (over the layers, "
      .. "last record) is at least 10x that at the best lr (paired by width and seed; log ratio, lower bound > "
      .. "log 10), and the smallest attention entropy is below 0.1 nats in every such run",
    folklore = "attention_logits",
      check = function(R)
        local D, best = logit_growth(R)
        local d = D:paired("v", { lr = gg.at_least(1e-1) }, { best = true }, { "width", "seed" })
        local f = D:fraction(function(r) return r.e < 0.1 end, { lr = gg.at_least(1e-1) })
        local hi = D:mean("v", { lr = gg.at_least(1e-1) })
        local lo = D:mean("v", { best = true })
        local eh, eb = D:mean("e", { lr = gg.at_least(1e-1) }), D:mean("e", { best = true })
        return d.lo > math.log(10) and f.k == f.n, string.format("best lr %g (width 32), %g (width 64); log(max "
          .. "logit at lr >= 1e-1 / at the best lr) %s; geometric mean of the max logit %.3g vs %.3g; entropy "
          .. "< 0.1 in %s; mean smallest entropy %.3g vs %.3g nats", best[32], best[64], d.text,
          math.exp(hi.value), math.exp(lo.value), f.text, eh.value, eb.value)
      end },
    { "qk-LayerNorm bounds the attention logits: at lr >= 1e-1 the largest attention logit is at least 10x lower "
      .. "with qk-LayerNorm (paired by lr, width and seed; log ratio, lower bound > log 10) and the smallest "
      .. "attention entropy is higher (paired; lower bound > 0)", folklore = "attention_logits",
      check = function(R)
        local D = derived(R, { mitigation = gg.one_of { "none", "qk_norm" } }, function(_, r)
          return math.log(max_logit(R, r)) end)
        local E = derived(R, { mitigation = gg.one_of { "none", "qk_norm" } }, min_entropy)
        local by = { "lr", "width", "seed" }
        local d = D:paired("v", high { mitigation = "none" }, high { mitigation = "qk_norm" }, by)
        local e = E:paired("v", high { mitigation = "qk_norm" }, high { mitigation = "none" }, by)
        local top = -math.huge
        for _, r in ipairs(R:select(high { mitigation = "qk_norm" })) do top = math.max(top, max_logit(R, r)) end
        return d.lo > math.log(10) and e.lo > 0, string.format("log(none / qk-LN) %s; largest qk-LN logit at lr "
          .. ">= 1e-1: %.3g; entropy qk-LN - none %s", d.text, top, e.text)
      end },
    { "the loss rises at a high lr and qk-LayerNorm lowers it: at lr >= 1e-1 the final validation loss is lower "
      .. "with qk-LayerNorm (paired by lr, width and seed; log ratio, upper bound < 0)", folklore = "attention_logits",
      check = function(R)
        local d = R:paired("final_val_loss", high { mitigation = "qk_norm" }, high { mitigation = "none" },
          { "lr", "width", "seed" }, math.log)
        local a, b = R:mean("final_val_loss", high { mitigation = "none" }),
          R:mean("final_val_loss", high { mitigation = "qk_norm" })
        return d.hi < 0, string.format("log(qk-LN / none) %s; none %s; qk-LN %s", d.text, a.text, b.text)
      end },
    { "LR sensitivity (Wortsman's: mean over lr 3e-4 ... 3e-1 of min(final loss, initial loss) minus the best "
      .. "lr's) is lower with qk-LayerNorm (paired by width and seed; upper bound < 0)", folklore = "attention_logits",
      check = function(R)
        local S = sensitivity(R, { mitigation = gg.one_of { "none", "qk_norm" } })
        local d = S:paired("v", { mitigation = "qk_norm" }, { mitigation = "none" }, { "width", "seed" })
        local parts = {}
        for _, m in ipairs { "none", "qk_norm" } do
          for _, w in ipairs { 32, 64 } do
            local x = S:mean("v", { mitigation = m, width = w })
            parts[#parts + 1] = string.format("%s width %d %.3f [%.3f, %.3f]", m, w, x.value, x.lo, x.hi)
          end
        end
        return d.hi < 0, "qk-LN - none " .. d.text .. "; " .. table.concat(parts, ", ")
      end },
    { "output-logit divergence: at lr >= 1e-1 (width 32), a z-loss of 1e-4 keeps log Z nearer 0: the mean |log Z| "
      .. "over the validation positions is lower with z-loss (paired by lr and seed; log ratio, upper bound < 0)",
      folklore = "output_logits",
      check = function(R)
        local d = R:paired("val_abs_log_z", high { mitigation = "z_loss" }, high { mitigation = "none", width = 32 },
          { "lr", "seed" }, math.log)
        local parts = {}
        for _, x in ipairs(LRS) do
          local a = R:mean("val_log_z", { mitigation = "none", width = 32, lr = x })
          local b = R:mean("val_log_z", { mitigation = "z_loss", lr = x })
          parts[#parts + 1] = string.format("%g: %.2f / %.2f", x, a.value, b.value)
        end
        local n = R:mean("logit_norm", high { mitigation = "none", width = 32 })
        local z = R:mean("logit_norm", high { mitigation = "z_loss" })
        return d.hi < 0, string.format("log(z-loss / none) %s; mean log Z none / z-loss by lr %s; logit_norm "
          .. "(last record) at lr >= 1e-1 none %.3g, z-loss %.3g", d.text, table.concat(parts, ", "), n.value, z.value)
      end },
    { "z-loss lowers the final validation loss at lr >= 1e-1 (width 32; paired by lr and seed; log ratio, upper "
      .. "bound < 0)", folklore = "output_logits",
      check = function(R)
        local d = R:paired("final_val_loss", high { mitigation = "z_loss" }, high { mitigation = "none", width = 32 },
          { "lr", "seed" }, math.log)
        local D = derived(R, { width = 32, mitigation = gg.one_of { "none", "z_loss" } }, function(_, r)
          return math.log(max_logit(R, r)) end)
        local a = D:paired("v", high { mitigation = "z_loss" }, high { mitigation = "none" }, { "lr", "seed" })
        return d.hi < 0, "log(z-loss / none) " .. d.text .. "; log ratio of the largest attention logit " .. a.text
      end },
    { "warm-up lowers the LR sensitivity: 50 warm-up steps (LinearLR from 0.01 x lr) give a lower LR sensitivity "
      .. "(width 32; paired by seed; upper bound < 0)", folklore = { "schedule", "high_lr" },
      check = function(R)
        local S = sensitivity(R, { width = 32, mitigation = gg.one_of { "none", "warmup" } })
        local d = S:paired("v", { mitigation = "warmup" }, { mitigation = "none" }, { "seed" })
        local a, b = S:mean("v", { mitigation = "none" }), S:mean("v", { mitigation = "warmup" })
        local l = R:paired("final_val_loss", high { mitigation = "warmup" }, high { mitigation = "none", width = 32 },
          { "lr", "seed" }, math.log)
        local D = derived(R, { width = 32, mitigation = gg.one_of { "none", "warmup" } }, function(_, r)
          return math.log(max_logit(R, r)) end)
        local g = D:paired("v", high { mitigation = "warmup" }, high { mitigation = "none" }, { "lr", "seed" })
        return d.hi < 0, string.format("warm-up - none %s (none %.3f, warm-up %.3f); at lr >= 1e-1 log ratio of "
          .. "the final validation loss %s, of the largest attention logit %s", d.text, a.value, b.value, l.text,
          g.text)
      end },
    { "the wider model is unstable at a lower lr: without qk-LayerNorm, the smallest lr whose largest attention "
      .. "logit exceeds 100 is lower at width 64 than at width 32 (paired by seed; log10 ratio, upper bound < 0)",
      folklore = "attention_logits",
      check = function(R)
        local recs, txt = {}, {}
        for s = 1, 5 do
          local a, b = unstable_lr(R, 64, s), unstable_lr(R, 32, s)
          recs[#recs + 1] = { params = { seed = s }, v = math.log(a, 10) - math.log(b, 10) }
          txt[#txt + 1] = string.format("%g/%g", a, b)
        end
        local d = claims.results(recs):mean("v", {})
        local b32 = best_lr(R, { mitigation = "none", width = 32 })
        local b64 = best_lr(R, { mitigation = "none", width = 64 })
        return d.hi < 0, string.format("log10(width 64 / width 32) %s; per seed (64/32) %s; best lr %g (32), %g (64)",
          d.text, table.concat(txt, ", "), b32, b64)
      end },
  },
}
