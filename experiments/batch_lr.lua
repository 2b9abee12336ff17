--[[ experiments/batch_lr.lua — do tiny mini-batches make the training loss rise?

  The write-ups say too-small batches give noisy gradients, a bumpy loss that "can
  increase" and unstable training, and that very large batches converge slowly; the
  linear-scaling rule says the largest usable lr grows in proportion to the batch size.
  Two small real problems from experiments/data/wine.csv (178 rows, 25 % held out, features
  standardised on the training split): "wine", the 3-class cultivar, a 13-16-3 ReLU MLP
  with cross-entropy; "alcohol", the alcohol content regressed on the other 12
  measurements (target standardised too), a 12-16-1 ReLU MLP with MSE. Plain SGD, 20
  epochs, batches reshuffled every epoch. Swept: batch size {1, 4, 16, 64, 133 = the
  whole training split} x lr 2^-7 .. 2^5 (13 powers of 2) x 10 seeds (data split,
  initialisation and batch order; paired across batch size and lr).
  A run "trains" when it neither overflows (NaN/inf) nor ends above the loss of the
  untrained model (logged as init_loss at step 0); lr_max is the largest grid lr up to
  which every seed trains. runs.csv: final_loss = the last epoch's mean training loss,
  final_val_loss = validation loss; curves: init_loss, epoch_loss, val_loss.
  Measured: lr_max for batch 1, 4, 16, 64, full is 0.25, 0.5, 2, 2, 2 on wine and
  0.031, 0.125, 0.25, 0.25, 0.5 on alcohol. Past it most runs overflow to NaN (full-batch
  wine at lr 8 instead ends above its starting loss in 10/10 runs, finite). So tiny batches
  do blow up first, but the limit grows far slower than the linear-scaling rule says: 8x
  from batch 1 to 64 on both tasks, not 64x, and not at all from 16 to 64 on either. Below
  batch 1's limit its epoch loss rises from one epoch to the next in 27 % of epochs on
  alcohol (which has a noise floor: best training MSE ~0.26) and 2 % on wine (separable,
  loss -> 1e-4), full batch's never (paired +0.11 [0.08, 0.14] of the epochs, 90 pairs);
  the share grows with lr for every batch size below full (alcohol batch 16: 0 % at lr
  0.008, 42 % at its limit 0.25). Per epoch, large batches are slower: at each size's best
  stable lr, full batch ends 20 epochs at a higher training loss than batch 16 (wine median
  0.011 vs 0.00045, both at lr 2; alcohol 0.32 at lr 0.25 vs 0.28 at lr 0.125; paired log
  difference +1.52 [0.72, 2.31] over 20 task x seed pairs).

  Run: gglab run experiments/batch_lr.lua ]]
local gg = require "gglab"
local claims = require "gglab.claims"

local EPOCHS, FULL = 20, 133
local LRS = {}
for k = -7, 5 do LRS[#LRS + 1] = 2.0 ^ k end
local BATCHES = { 1, 4, 16, 64, FULL }
local ALCOHOL_FEATURES = { "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
  "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315_of_diluted_wines", "proline" }

-- A dataset with its (single) target column standardised with the mean and std of `ref`.
local function standardise_target(ds, ref)
  local ys, m, v = ref:y():totable(), 0, 0
  for _, row in ipairs(ys) do m = m + row[1] end
  m = m / #ys
  for _, row in ipairs(ys) do v = v + (row[1] - m) ^ 2 end
  local sd = math.sqrt(v / #ys)
  local out = {}
  for i, row in ipairs(ds:y():totable()) do out[i] = (row[1] - m) / sd end
  return gg.data.from_tensors(ds:x(), gg.tensor(out))
end

local TASKS = {
  wine = function(seed)
    local all = assert(gg.data.csv("experiments/data/wine.csv", { target = "target", classify = true }))
    local train, val = all:split(0.25, { seed = seed })
    local scaler = gg.data.standard_scaler(train)
    return scaler:transform(train), scaler:transform(val), "cross_entropy", { 13, 16, 3 }
  end,
  alcohol = function(seed)
    local all = assert(gg.data.csv("experiments/data/wine.csv", { target = "alcohol", features = ALCOHOL_FEATURES }))
    local train, val = all:split(0.25, { seed = seed })
    local scaler = gg.data.standard_scaler(train)
    train, val = standardise_target(scaler:transform(train), train), standardise_target(scaler:transform(val), train)
    return train, val, "mse", { 12, 16, 1 }
  end,
}

-- ---- helpers for the claims ----

local function first(R, r, metric) return (R:curve(r, metric))[1] end

-- trained: no overflow, and the last epoch's loss is below the untrained model's.
local function trained(R, r)
  return r.status == "ok" and r.final_loss < first(R, r, "init_loss")
end

-- Largest grid lr up to which every seed of `where` trains (0 if even the smallest fails).
local function lr_max(R, where)
  local best = 0
  for _, lr in ipairs(LRS) do
    where.lr = lr
    local f = R:fraction(function(r) return trained(R, r) end, where)
    if f.n == 0 or f.k < f.n then break end
    best = lr
  end
  where.lr = nil
  return best
end

-- Share of epochs (2..EPOCHS) whose mean training loss is above the previous epoch's.
local function rise_fraction(R, r)
  local e, k = R:curve(r, "epoch_loss"), 0
  for i = 2, #e do if e[i] > e[i - 1] then k = k + 1 end end
  return k / (#e - 1)
end

local function median(xs)
  table.sort(xs)
  local n = #xs
  if n == 0 then return 0 / 0 end
  return n % 2 == 1 and xs[(n + 1) // 2] or (xs[n // 2] + xs[n // 2 + 1]) / 2
end

local function lr_max_table(R)
  local out, parts = {}, {}
  for task in pairs(TASKS) do
    out[task] = {}
    local row = {}
    for _, b in ipairs(BATCHES) do
      out[task][b] = lr_max(R, { task = task, batch = b })
      row[#row + 1] = string.format("%d: %g", b, out[task][b])
    end
    parts[#parts + 1] = task .. " lr_max by batch {" .. table.concat(row, ", ") .. "}"
  end
  table.sort(parts)
  return out, table.concat(parts, "; ")
end

return gg.experiment {
  name = "batch_lr",
  description = "batch size x learning rate with SGD on wine (classification) and wine alcohol (regression)",
  sweep = gg.grid { task = { "wine", "alcohol" }, batch = BATCHES, lr = LRS, seed = gg.seeds(10) },
  run = function(p, run)
    local train, val, loss, widths = TASKS[p.task](run.seed)
    local model = gg.nn.mlp(widths)
    run:log("init_loss", gg.evaluate(model, train, { loss = loss }), 0, 0)
    local h = gg.train { model = model, data = train, val = val, loss = loss, batch_size = p.batch,
      epochs = EPOCHS, optimizer = gg.optim.sgd(model, { lr = p.lr }) }
    -- Only per-epoch curves are logged (batch 1 takes 2660 steps): final_loss is then the
    -- last epoch's mean loss, comparable across batch sizes, not the last batch's.
    local per_epoch = math.ceil(train:n() / p.batch)
    for e = 1, #h.epoch_loss do
      run:log("epoch_loss", h.epoch_loss[e], e * per_epoch, e)
      run:log("val_loss", h.val_loss[e], e * per_epoch, e)
    end
    if h.diverged then run:diverged(h.diverged_step, "loss is " .. gg.fmt_number(h.loss[#h.loss])) end
  end,
  claims = {
    { "tiny batches blow up first: lr_max (largest lr where every seed trains) is lower at batch 1 than at "
      .. "full batch, in both tasks", folklore = "small_batch", check = function(R)
        local t, text = lr_max_table(R)
        return t.wine[1] < t.wine[FULL] and t.alcohol[1] < t.alcohol[FULL], text end },
    { "linear-scaling rule: lr_max grows in proportion to the batch size, lr_max(64) >= 32 x lr_max(1) "
      .. "(64x less one grid step), in both tasks", folklore = "small_batch", check = function(R)
        local t, text = lr_max_table(R)
        local rw, ra = t.wine[64] / t.wine[1], t.alcohol[64] / t.alcohol[1]
        return rw >= 32 and ra >= 32, string.format("ratio %g (wine), %g (alcohol); %s", rw, ra, text) end },
    { "small batches make the epoch loss rise: below batch 1's lr_max, batch 1's epoch loss rises in more "
      .. "epochs than full batch's (paired by task, lr and seed)", folklore = "small_batch", check = function(R)
        local t = lr_max_table(R)
        local recs, med = {}, {}
        for _, r in ipairs(R:select { batch = gg.one_of { 1, FULL } }) do
          if r.params.lr <= t[r.params.task][1] then
            local v = rise_fraction(R, r)
            recs[#recs + 1] = { params = r.params, rise = v }
            local key = r.params.task .. " batch " .. r.params.batch
            med[key] = med[key] or {}
            table.insert(med[key], v)
          end
        end
        local d = claims.results(recs):paired("rise", { batch = 1 }, { batch = FULL }, { "task", "lr", "seed" })
        local keys, parts = {}, {}
        for k in pairs(med) do keys[#keys + 1] = k end
        table.sort(keys)
        for _, k in ipairs(keys) do
          local s = 0
          for _, v in ipairs(med[k]) do s = s + v end
          parts[#parts + 1] = string.format("%s mean %.3f", k, s / #med[k])
        end
        return d.lo > 0, "rising-epoch share " .. d.text .. "; " .. table.concat(parts, ", ") end },
    { "large batches converge slower per epoch: at each size's best stable lr, full batch ends 20 epochs "
      .. "with a higher training loss than batch 16 (paired by task and seed)", folklore = "small_batch",
      check = function(R)
        local t = lr_max_table(R)
        local recs, parts = {}, {}
        for _, task in ipairs { "alcohol", "wine" } do
          for _, b in ipairs { 16, FULL } do
            local best, best_med = nil, math.huge
            for _, lr in ipairs(LRS) do
              if lr > t[task][b] then break end
              local xs = {}
              for _, r in ipairs(R:select { task = task, batch = b, lr = lr }) do xs[#xs + 1] = r.final_loss end
              local m = median(xs)
              if m < best_med then best, best_med = lr, m end
            end
            if not best then return false, string.format("%s batch %d trains at no lr in every seed", task, b) end
            parts[#parts + 1] = string.format("%s batch %d: best lr %g, median %.3g", task, b, best, best_med)
            for _, r in ipairs(R:select { task = task, batch = b, lr = best }) do
              recs[#recs + 1] = { params = r.params, final_loss = r.final_loss }
            end
          end
        end
        local d = claims.results(recs):paired("final_loss", { batch = FULL }, { batch = 16 }, { "task", "seed" },
          math.log)
        return d.lo > 0, "log " .. d.text .. "; " .. table.concat(parts, ", ") end },
  },
}
