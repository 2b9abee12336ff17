--[[ experiments/imbalance.lua — does class imbalance without class weights make the loss
  rise?

  Write-up 003 recalls a rising loss that "stemmed from inappropriate usage of the
  cross-entropy loss with a dataset containing a high degree of class imbalance without
  using class weighting". breast_cancer (569 rows, 30 features): 30 % held out and made
  BALANCED by cutting its benign rows to the malignant count (~55-62 of each); in the
  training split (398 rows, ~150 malignant) the malignant class is cut to a ratio of 1,
  0.3, 0.1 or 0.03 of its rows (~150, 45, 15, 5 rows vs ~248 benign) with
  ds:imbalance{class = 1, ratio =}; features standardised on the training split; 30-16-2
  ReLU MLP, Adam 1e-3, batch 32, 30 epochs, cross-entropy without weights or with sklearn's
  'balanced' weights (ds:class_weights()); 20 seeds (split, rows kept, init and shuffling
  paired across ratio and weights). Logged: the (weighted) training loss; after every epoch
  the UNWEIGHTED cross-entropy on the balanced validation set (val_loss); at the end the
  malignant recall and the balanced accuracy on it. "Rises" = the last epoch > 5 % above the
  lowest.
  Measured (medians over seeds):
  - The training loss never rises without weights (0/80 runs at any ratio): it falls from
    ~0.70 to 0.06-0.08 and is LOWER the rarer the minority (0.059 at ratio 1, 0.081 at
    0.03) — the majority class is easy to fit. With weights it rises in 4/40 runs at ratio
    <= 0.1 (a few minority rows weighing ~40x make the batch losses jumpy).
  - The balanced validation loss is what rises: without weights in 14/20 runs at ratio
    0.03 (best after epoch 1 at 0.67, 0.91 at the end) and 6/20 at 0.1 (0.36 -> 0.37), so
    20/40 = 50 % [35 %, 65 %] at ratio <= 0.1 — short of "most runs"; at ratio >= 0.3 in
    3/40. The model learns to say "benign": malignant recall 0.95 / 0.93 / 0.73 / 0.24 at
    ratio 1 / 0.3 / 0.1 / 0.03 (benign recall ~1.0); paired, ratio 0.03 vs 1 costs -0.74
    [-0.82, -0.66] of recall.
  - Class weights recover most of it: malignant recall 0.92 / 0.85 at ratio 0.1 / 0.03,
    balanced accuracy 0.93 / 0.90 vs 0.86 / 0.62 without (paired gain at ratio <= 0.1:
    +0.18 [0.14, 0.22]), final validation loss 0.17 / 0.28 vs 0.37 / 0.91 — though at 0.03
    the weighted run's validation loss still rises in 10/20 runs (5 upweighted rows are
    memorised).
  So imbalance does not make the training loss rise; it makes the loss on the classes the
  model neglects (here, a balanced validation set) rise, and weights are the remedy.

  Run: gglab run experiments/imbalance.lua ]]
local gg = require "gglab"
local claims = require "gglab.claims"

local EPOCHS = 30
local MINORITY = 1   -- breast_cancer's labels sort as benign = 0, malignant = 1

-- Rows of each class (0-based class -> count).
local function counts(ds)
  local c = {}
  for _, row in ipairs(ds:y():totable()) do c[row[1]] = (c[row[1]] or 0) + 1 end
  return c
end

-- Recall of each class on ds (evaluation mode, argmax of the logits), 0-based.
local function recalls(model, ds)
  model:eval()
  local pred, y = model:forward(ds:x()):totable(), ds:y():totable()
  local hit, n = {}, {}
  for i, row in ipairs(pred) do
    local best = 1
    for j = 2, #row do if row[j] > row[best] then best = j end end
    local c = y[i][1]
    n[c], hit[c] = (n[c] or 0) + 1, (hit[c] or 0) + (best - 1 == c and 1 or 0)
  end
  model:train()
  return { [0] = hit[0] / n[0], [1] = hit[1] / n[1] }
end

-- Last epoch > 5 % above the lowest epoch: the loss went up.
local function rose(values)
  if #values == 0 then return false end
  local min = math.huge
  for _, v in ipairs(values) do min = math.min(min, v) end
  return values[#values] > 1.05 * min
end

-- Records carrying one logged end-of-run metric, so claims.results(...):paired works on it.
local function metric_records(R, metric, where)
  local out = {}
  for _, r in ipairs(R:select(where)) do
    local v = R:curve(r, metric)
    out[#out + 1] = { params = r.params, [metric] = v[#v] }
  end
  return claims.results(out)
end

return gg.experiment {
  name = "imbalance",
  description = "breast_cancer, malignant rows cut to 100/30/10/3 %, class weights or not; balanced validation",
  sweep = gg.grid { ratio = { 1, 0.3, 0.1, 0.03 }, weights = { "none", "balanced" }, seed = gg.seeds(20) },
  run = function(p, run)
    local all = assert(gg.data.csv("experiments/data/breast_cancer.csv", { target = "target", classify = true }))
    local train, val = all:split(0.3, { seed = run.seed })
    -- a balanced validation set: the majority class (benign) cut to the minority's count
    local c = counts(val)
    val = val:imbalance { class = 0, ratio = c[1] / c[0], seed = run.seed }
    if p.ratio < 1 then train = train:imbalance { class = MINORITY, ratio = p.ratio, seed = run.seed } end
    local scaler = gg.data.standard_scaler(train)
    train, val = scaler:transform(train), scaler:transform(val)
    local model = gg.nn.mlp { 30, 16, 2 }
    local opt = gg.optim.adam(model, { lr = 1e-3 })
    local loss = p.weights == "balanced" and { "cross_entropy", weight = train:class_weights() } or "cross_entropy"
    -- One gg.train call per epoch (one shuffling stream, steps renumbered) so that the
    -- validation loss logged after each epoch is the UNWEIGHTED cross-entropy: gg.train's
    -- own `val` would use the training loss, class weights included.
    local rng, step = gg.rng(run.seed), 0
    local log = {}
    for epoch = 1, EPOCHS do
      log.log = function(_, metric, v, s) run:log(metric, v, step + s, epoch) end
      local hist = gg.train { model = model, data = train, loss = loss, batch_size = 32, epochs = 1,
        optimizer = opt, rng = rng, log = log }
      step = step + hist.steps
      run:log("val_loss", gg.evaluate(model, val, { loss = "cross_entropy" }), step, epoch)
    end
    local rec = recalls(model, val)
    run:log("minority_recall", rec[MINORITY], step, EPOCHS)
    run:log("balanced_accuracy", (rec[0] + rec[1]) / 2, step, EPOCHS)
    local n = counts(train)
    run:log("train_minority_rows", n[MINORITY] or 0, step, EPOCHS)
  end,
  claims = {
    { "class imbalance without class weights makes the training loss rise: at ratio <= 0.1 without weights, "
      .. "in most runs (Wilson lower bound > 50%) the last epoch's training loss is > 5% above its lowest "
      .. "epoch's, or diverges", folklore = "imbalance", check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" or rose(R:curve(r, "epoch_loss")) end,
          { ratio = gg.at_most(0.1), weights = "none" })
        return f.lo > 0.5, "rising " .. f.text end },
    { "... or the loss on a balanced validation set rises: at ratio <= 0.1 without weights, in most runs "
      .. "(Wilson lower bound > 50%) the last epoch's validation loss is > 5% above its lowest epoch's",
      folklore = "imbalance", check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" or rose(R:curve(r, "val_loss")) end,
          { ratio = gg.at_most(0.1), weights = "none" })
        return f.lo > 0.5, "rising " .. f.text end },
    { "without weights, imbalance costs minority-class recall: at ratio 0.03 the recall of malignant cases "
      .. "on the balanced validation set is lower than at ratio 1 (paired by seed; upper bound < 0)",
      check = function(R)
        local d = metric_records(R, "minority_recall", { weights = "none" })
          :paired("minority_recall", { ratio = 0.03 }, { ratio = 1 }, { "seed" })
        return d.hi < 0, d.text end },
    { "class weights are the remedy: at ratio <= 0.1, balanced weights raise the balanced accuracy on the "
      .. "balanced validation set (paired by ratio and seed; lower bound > 0)", folklore = "imbalance",
      check = function(R)
        local d = metric_records(R, "balanced_accuracy", { ratio = gg.at_most(0.1) })
          :paired("balanced_accuracy", { weights = "balanced" }, { weights = "none" }, { "ratio", "seed" })
        return d.lo > 0, d.text end },
  },
}
