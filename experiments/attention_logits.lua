--[[ experiments/attention_logits.lua — draft header ]]
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
      .. "log 10), and the smallest attention entropy is below 0.1 nats in every such run", folklore = "attention_logits",
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
        local d = D:paired("v", high { mitigation = "none" }, high { mitigation = "qk_norm" }, { "lr", "width", "seed" })
        local e = E:paired("v", high { mitigation = "qk_norm" }, high { mitigation = "none" }, { "lr", "width", "seed" })
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
        local b32, b64 = best_lr(R, { mitigation = "none", width = 32 }), best_lr(R, { mitigation = "none", width = 64 })
        return d.hi < 0, string.format("log10(width 64 / width 32) %s; per seed (64/32) %s; best lr %g (32), %g (64)",
          d.text, table.concat(txt, ", "), b32, b64)
      end },
  },
}
