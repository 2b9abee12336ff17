--[[ tests/doctor/configs.lua — the configurations `gglab doctor` is evaluated on.

  One experiment: its sweep is config x seed, and run builds the configuration named by
  `config` (BUILD below). Diagnose one with
    gglab doctor tests/doctor/configs.lua --set config=label_noise
  (the doctor replaces `seed` with its own seeds). tests/doctor/expected.lua is the answer
  key — its order is the sweep's — and tests/lua/test_doctor.lua / tests/doctor/table.lua
  run the evaluation.

  Each broken configuration is broken in one way (or two, for the interacting ones) that a
  user could write, on the datasets of experiments/data or the generators. The evidence
  that it is broken as intended — what its unchanged runs do — is the "unchanged runs"
  column of the evaluation table in docs/doctor.md (medians over seeds 1-10 of the epoch
  and validation losses and of the doctor's outcome), and expected.lua's `shows` states it
  as a check that test_doctor.lua runs on both seed sets. Every run logs to the run
  context (log = run), so the curves are there to read. The holdout_* configurations were
  written after the doctor changes proposed from the others had been frozen.

  Kept small (at most 1000 rows, <= 60 epochs, <= 128 units a layer): a configuration's
  ~100-400 doctor runs take 0.2-2 s on 2 cores. ]]
local gg = require "gglab"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local DATA = HERE .. "/../../experiments/data/"

-- ---- data ----

local cache = {}   -- loaded once per process (the doctor's workers inherit it)
local function csv(name, opts)
  local key = name .. (opts and opts.target or "")
  if not cache[key] then
    cache[key] = assert(gg.data.csv(DATA .. name .. ".csv", opts or { target = "target", classify = true }))
  end
  return cache[key]
end

-- train, val with the features standardised on the training split (sklearn's habit).
local function standardised(train, val)
  local s = gg.data.standard_scaler(train)
  return s:transform(train), s:transform(val)
end

-- The first n rows of a dataset.
local function head(ds, n)
  local x, y = ds:x():totable(), ds:y():totable()
  local xs, ys = {}, {}
  for i = 1, n do xs[i], ys[i] = x[i], y[i] end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys), { classes = ds:classes() })
end

-- wine's alcohol content regressed on its 12 other measurements (experiments/batch_lr.lua):
-- features and target standardised with the training split's statistics.
local ALCOHOL = { "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
  "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315_of_diluted_wines", "proline" }
local function alcohol(seed)
  local all = csv("wine", { target = "alcohol", features = ALCOHOL })
  local train, val = standardised(all:split(0.25, { seed = seed }))
  local ys, m, v = train:y():totable(), 0, 0
  for _, row in ipairs(ys) do m = m + row[1] end
  m = m / #ys
  for _, row in ipairs(ys) do v = v + (row[1] - m) ^ 2 end
  local sd = math.sqrt(v / #ys)
  local function scaled(ds)
    local out = {}
    for i, row in ipairs(ds:y():totable()) do out[i] = (row[1] - m) / sd end
    return gg.data.from_tensors(ds:x(), gg.tensor(out))
  end
  return scaled(train), scaled(val)
end

local function classification_csv(name, seed)
  return standardised(csv(name):split(0.3, { seed = seed }))
end

local function regression(n, features, seed, extra)
  local spec = { n = n, features = features, noise = 0.3, seed = seed }
  for k, v in pairs(extra or {}) do spec[k] = v end
  return gg.data.regression(spec):split(0.3, { seed = seed })
end

local function ce(model, train, val, optimizer, batch, epochs, run, extra)
  local opts = { model = model, data = train, val = val, loss = "cross_entropy", optimizer = optimizer,
    batch_size = batch, epochs = epochs, log = run }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return gg.train(opts)
end

local function mse(model, train, val, optimizer, batch, epochs, run, extra)
  local opts = { model = model, data = train, val = val, loss = "mse", optimizer = optimizer,
    batch_size = batch, epochs = epochs, log = run }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return gg.train(opts)
end

-- ---- the configurations (p: the point, run: the run context; run.seed varies the data,
-- the split, the initialisation and the batch order) ----

local BUILD = {}

-- lr_too_high_wine: plain SGD at lr 4 on standardised wine; batch_lr.lua measured the
-- largest stable lr at batch 16 as 2, schedulers.lua saw lr 4 overflow in 9/10 runs.
BUILD.lr_too_high_wine = function(p, run)
  local train, val = classification_csv("wine", run.seed)
  local model = gg.nn.mlp { 13, 32, 3 }
  ce(model, train, val, gg.optim.sgd(model, { lr = 4 }), 16, 30, run)
end

-- lr_too_high_alcohol: SGD at lr 0.6 on the alcohol regression (limit at batch 16: 0.25).
BUILD.lr_too_high_alcohol = function(p, run)
  local train, val = alcohol(run.seed)
  local model = gg.nn.mlp { 12, 16, 1 }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.6 }), 16, 20, run)
end

-- momentum_too_high: SGD with momentum 0.99 at an lr (0.02) that is fine with 0.9.
BUILD.momentum_too_high = function(p, run)
  local train, val = regression(300, 8, run.seed)
  local model = gg.nn.mlp { 8, 32, 1 }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.02, momentum = 0.99 }), 32, 30, run)
end

-- target_outliers: 5 % of the training targets moved by +-50 sd (a unit error in the
-- data), MSE; the validation rows are clean.
BUILD.target_outliers = function(p, run)
  local train, val = regression(300, 5, run.seed)
  train = train:add_outliers { fraction = 0.05, magnitude = 50, targets = true, seed = run.seed }
  local model = gg.nn.mlp { 5, 32, 1 }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.01 }), 16, 30, run)
end

-- unscaled_cancer: breast_cancer's raw features (0.001 to 4000) into SGD
-- (experiments/feature_scaling.lua: stuck near 0.65 from lr 3e-3 up).
BUILD.unscaled_cancer = function(p, run)
  local train, val = csv("breast_cancer"):split(0.3, { seed = run.seed })
  local model = gg.nn.mlp { 30, 16, 2 }
  ce(model, train, val, gg.optim.sgd(model, { lr = 0.01 }), 32, 20, run)
end

-- unscaled_column: one feature column x1000 (seed write-ups' example), Adam.
BUILD.unscaled_column = function(p, run)
  local all = gg.data.regression { n = 300, features = 5, noise = 0.3, seed = run.seed }
  local train, val = all:scale_features { columns = { 2 }, factor = 1000 }:split(0.3, { seed = run.seed })
  local model = gg.nn.mlp { 5, 32, 1 }
  mse(model, train, val, gg.optim.adam(model, { lr = 0.01 }), 32, 30, run)
end

-- label_noise: 30 % of the training labels flipped; a wide net trained long enough to
-- memorise them; the validation labels are clean.
BUILD.label_noise = function(p, run)
  local all = gg.data.classification { n = 300, features = 10, classes = 2, separation = 1, seed = run.seed }
  local train, val = all:split(0.3, { seed = run.seed })
  train = train:flip_labels { rate = 0.3, seed = run.seed }
  local model = gg.nn.mlp { 10, 64, 64, 2 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.003 }), 32, 40, run)
end

-- sigmoid_deep: three sigmoid hidden layers with plain SGD.
BUILD.sigmoid_deep = function(p, run)
  local train, val = classification_csv("wine", run.seed)
  local model = gg.nn.mlp { 13, 32, 32, 32, 3, activation = "sigmoid" }
  ce(model, train, val, gg.optim.sgd(model, { lr = 0.1 }), 16, 30, run)
end

-- exploding_init: weights N(0, 1) ("randn") in a 5-hidden-layer ReLU net.
BUILD.exploding_init = function(p, run)
  local train, val = regression(300, 10, run.seed)
  local model = gg.nn.mlp { 10, 32, 32, 32, 32, 32, 1, init = { "normal", std = 1 } }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.01 }), 32, 20, run)
end

-- tiny_init: weights N(0, 0.01) ("0.01 * randn", old tutorials) in a 4-hidden-layer tanh net.
BUILD.tiny_init = function(p, run)
  local train, val = classification_csv("wine", run.seed)
  local model = gg.nn.mlp { 13, 32, 32, 32, 32, 3, activation = "tanh", init = { "normal", std = 0.01 } }
  ce(model, train, val, gg.optim.sgd(model, { lr = 0.05 }), 16, 30, run)
end

-- l2_too_strong: gg.train's l2 = 0.1 (the seed write-ups' hand-added penalty) on wine.
BUILD.l2_too_strong = function(p, run)
  local train, val = classification_csv("wine", run.seed)
  local model = gg.nn.mlp { 13, 32, 3 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.01 }), 16, 30, run, { l2 = 0.1 })
end

-- weight_decay_too_strong: SGD's weight_decay 0.1 on 600 digits (AdamW's usual value; in
-- SGD it is a plain L2 term on the gradient).
BUILD.weight_decay_too_strong = function(p, run)
  local train, val = standardised(head(csv("digits"), 600):split(0.3, { seed = run.seed }))
  local model = gg.nn.mlp { 64, 32, 10 }
  ce(model, train, val, gg.optim.sgd(model, { lr = 0.1, momentum = 0.9, weight_decay = 0.1 }), 32, 15, run)
end

-- batch_too_small: batch 1 at lr 0.1 on the alcohol regression (batch_lr.lua: the
-- largest stable lr is 0.031 at batch 1, 0.125 at batch 4, 0.25 at batch 16).
BUILD.batch_too_small = function(p, run)
  local train, val = alcohol(run.seed)
  local model = gg.nn.mlp { 12, 16, 1 }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.1 }), 1, 10, run)
end

-- class_imbalance: breast_cancer with 95 % of the malignant (class 1) training rows
-- dropped; validated on a BALANCED set (benign rows cut to the malignant count, as in
-- experiments/imbalance.lua), where missing a malignant case costs as much as a benign one.
BUILD.class_imbalance = function(p, run)
  local train, val = classification_csv("breast_cancer", run.seed)
  train = train:imbalance { class = 1, ratio = 0.05, seed = run.seed }
  local n = { [0] = 0, [1] = 0 }
  for _, row in ipairs(val:y():totable()) do n[row[1]] = n[row[1]] + 1 end
  val = val:imbalance { class = 0, ratio = n[1] / n[0], seed = run.seed }
  local model = gg.nn.mlp { 30, 16, 2 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.003 }), 32, 20, run)
end

-- dead_relu: a deep, narrow ReLU net (5 hidden layers of 2 units; Lu et al. 2019: such
-- nets are "born dead" with high probability).
BUILD.dead_relu = function(p, run)
  local train, val = regression(300, 4, run.seed)
  local model = gg.nn.mlp { 4, 2, 2, 2, 2, 2, 1 }
  mse(model, train, val, gg.optim.adam(model, { lr = 0.01 }), 32, 30, run)
end

-- no_lr_decay: Adam at a constant lr 0.03 with small batches (8) for a short budget.
BUILD.no_lr_decay = function(p, run)
  local all = gg.data.regression { n = 1000, features = 10, noise = 0.1, seed = run.seed }
  local train, val = all:split(0.3, { seed = run.seed })
  local model = gg.nn.mlp { 10, 32, 1 }
  mse(model, train, val, gg.optim.adam(model, { lr = 0.03 }), 8, 10, run)
end

-- init_and_lr: exploding_init's N(0, 1) weights AND SGD at lr 0.3.
BUILD.init_and_lr = function(p, run)
  local train, val = regression(300, 10, run.seed)
  local model = gg.nn.mlp { 10, 32, 32, 32, 32, 32, 1, init = { "normal", std = 1 } }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.3 }), 32, 20, run)
end

-- momentum_and_outliers: target_outliers' data AND SGD lr 0.01 with momentum 0.99.
BUILD.momentum_and_outliers = function(p, run)
  local train, val = regression(300, 5, run.seed)
  train = train:add_outliers { fraction = 0.05, magnitude = 50, targets = true, seed = run.seed }
  local model = gg.nn.mlp { 5, 32, 1 }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.01, momentum = 0.99 }), 16, 30, run)
end

-- outliers_and_overfitting: 105 training rows with 5 % outliers (30 sd) AND a
-- 10-64-64-1 net trained 60 epochs with Adam.
BUILD.outliers_and_overfitting = function(p, run)
  local train, val = regression(150, 10, run.seed)
  train = train:add_outliers { fraction = 0.05, magnitude = 30, targets = true, seed = run.seed }
  local model = gg.nn.mlp { 10, 64, 64, 1 }
  mse(model, train, val, gg.optim.adam(model, { lr = 0.01 }), 16, 60, run)
end

-- ---- held out: written after the doctor changes proposed from the configurations above
-- (docs/doctor.md) were frozen, to check them on configurations they were not made on ----

-- holdout_lr_adam: Adam at lr 0.3 on 600 digits (a 100x typo of Adam's 3e-3).
BUILD.holdout_lr_adam = function(p, run)
  local train, val = standardised(head(csv("digits"), 600):split(0.3, { seed = run.seed }))
  local model = gg.nn.mlp { 64, 32, 10 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.3 }), 32, 10, run)
end

-- holdout_nesterov: Nesterov SGD with momentum 0.995 on standardised wine.
BUILD.holdout_nesterov = function(p, run)
  local train, val = classification_csv("wine", run.seed)
  local model = gg.nn.mlp { 13, 16, 3 }
  ce(model, train, val, gg.optim.sgd(model, { lr = 0.05, momentum = 0.995, nesterov = true }), 16, 20, run)
end

-- holdout_unscaled_wine: wine's raw features (proline ~ 300-1700, hue ~ 1) into Adam.
BUILD.holdout_unscaled_wine = function(p, run)
  local train, val = csv("wine"):split(0.3, { seed = run.seed })
  local model = gg.nn.mlp { 13, 16, 3 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.01 }), 16, 20, run)
end

-- holdout_outliers_alcohol: the alcohol regression with 5 % of its training targets 20 sd off.
BUILD.holdout_outliers_alcohol = function(p, run)
  local train, val = alcohol(run.seed)
  train = train:add_outliers { fraction = 0.05, magnitude = 20, targets = true, seed = run.seed }
  local model = gg.nn.mlp { 12, 16, 1 }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.05 }), 16, 20, run)
end

-- holdout_imbalance_blobs: 3 blobs, class 2 cut to 2 % of its training rows, balanced validation.
BUILD.holdout_imbalance_blobs = function(p, run)
  local all = gg.data.classification { n = 600, features = 8, classes = 3, separation = 1.5, seed = run.seed }
  local train, val = all:split(0.3, { seed = run.seed })
  train = train:imbalance { class = 2, ratio = 0.02, seed = run.seed }
  local model = gg.nn.mlp { 8, 32, 3 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.01 }), 32, 20, run)
end

-- holdout_sigmoid_cancer: two sigmoid hidden layers, plain SGD at a small lr, breast_cancer.
BUILD.holdout_sigmoid_cancer = function(p, run)
  local train, val = classification_csv("breast_cancer", run.seed)
  local model = gg.nn.mlp { 30, 32, 32, 2, activation = "sigmoid" }
  ce(model, train, val, gg.optim.sgd(model, { lr = 0.01 }), 32, 20, run)
end

-- ---- own_*: written in issue 21 for the causes it adds (item 7), from the issue's
-- description of them (not from the external cases) ----

-- wine's alcohol regression with standardised features but the raw target (alcohol %, ~13).
local function alcohol_raw(seed)
  local all = csv("wine", { target = "alcohol", features = ALCOHOL })
  return standardised(all:split(0.25, { seed = seed }))
end

-- own_targets_unscaled: the raw alcohol target (~13 +- 0.8) into Adam 0.003: the net cannot
-- grow its output to 13 within the budget.
BUILD.own_targets_unscaled = function(p, run)
  local train, val = alcohol_raw(run.seed)
  local model = gg.nn.mlp { 12, 16, 1 }
  mse(model, train, val, gg.optim.adam(model, { lr = 0.003 }), 16, 20, run)
end

-- own_output_relu: a ReLU on the regression output (a "positive quantity" habit) while the
-- targets (a linear function of 5 features, offset -3) are negative for most rows.
BUILD.own_output_relu = function(p, run)
  local train, val = regression(300, 5, run.seed, { bias = -3 })
  local model = gg.nn.mlp { 5, 16, 1, output_activation = "relu" }
  mse(model, train, val, gg.optim.adam(model, { lr = 0.01 }), 16, 20, run)
end

-- own_lr_too_low: healthy_iris with Adam at lr 1e-4 (the default / 10): 20 epochs barely move.
BUILD.own_lr_too_low = function(p, run)
  local train, val = classification_csv("iris", run.seed)
  local model = gg.nn.mlp { 4, 16, 3 }
  ce(model, train, val, gg.optim.adam(model, { lr = 1e-4 }), 16, 20, run)
end

-- holdout_healthy_wine_adam and holdout_healthy_iris_sgd: sensible runs not tuned against the doctor.
BUILD.holdout_healthy_wine_adam = function(p, run)
  local train, val = classification_csv("wine", run.seed)
  local model = gg.nn.mlp { 13, 32, 3 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.003 }), 16, 20, run)
end

BUILD.holdout_healthy_iris_sgd = function(p, run)
  local train, val = classification_csv("iris", run.seed)
  local model = gg.nn.mlp { 4, 16, 3 }
  ce(model, train, val, gg.optim.sgd(model, { lr = 0.05, momentum = 0.9 }), 16, 10, run)
end

-- ---- healthy: sensible, tuned configurations ----

BUILD.healthy_iris = function(p, run)
  local train, val = classification_csv("iris", run.seed)
  local model = gg.nn.mlp { 4, 16, 3 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.01 }), 16, 20, run)
end

BUILD.healthy_wine = function(p, run)
  local train, val = classification_csv("wine", run.seed)
  local model = gg.nn.mlp { 13, 16, 3 }
  ce(model, train, val, gg.optim.sgd(model, { lr = 0.05, momentum = 0.9 }), 16, 20, run)
end

BUILD.healthy_cancer = function(p, run)
  local train, val = classification_csv("breast_cancer", run.seed)
  local model = gg.nn.mlp { 30, 16, 2 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.003 }), 32, 20, run)
end

BUILD.healthy_digits = function(p, run)
  local train, val = standardised(head(csv("digits"), 600):split(0.3, { seed = run.seed }))
  local model = gg.nn.mlp { 64, 32, 10 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.003 }), 32, 10, run)
end

BUILD.healthy_alcohol = function(p, run)
  local train, val = alcohol(run.seed)
  local model = gg.nn.mlp { 12, 16, 1 }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.05 }), 16, 20, run)
end

BUILD.healthy_linear = function(p, run)
  local train, val = regression(300, 5, run.seed, { noise = 0.5 })
  local model = gg.nn.sequential { gg.nn.linear(5, 1) }
  mse(model, train, val, gg.optim.sgd(model, { lr = 0.05 }), 32, 30, run)
end

BUILD.healthy_blobs = function(p, run)
  local all = gg.data.classification { n = 400, features = 8, classes = 3, separation = 1, seed = run.seed }
  local train, val = all:split(0.3, { seed = run.seed })
  local model = gg.nn.mlp { 8, 32, 3 }
  ce(model, train, val, gg.optim.adam(model, { lr = 0.003 }), 32, 15, run)
end

BUILD.healthy_keras = function(p, run)
  local data = gg.data.regression { n = 300, features = 10, noise = 0.3, seed = run.seed }
  local model = gg.nn.mlp { 10, 32, 1, keras = true }
  gg.train { model = model, data = data, keras = true, loss = "mse", epochs = 20, validation_split = 0.2,
    optimizer = gg.optim.keras_adam(model, { lr = 0.01 }), log = run }
end

-- ---- the experiment ----

local expected = dofile(HERE .. "/expected.lua")
local names = {}
for i, e in ipairs(expected) do
  assert(BUILD[e[1]], "tests/doctor/expected.lua names '" .. e[1] .. "', which configs.lua does not build")
  names[i] = e[1]
end
for name in pairs(BUILD) do
  local listed = false
  for _, n in ipairs(names) do listed = listed or n == name end
  assert(listed, "configs.lua builds '" .. name .. "', which tests/doctor/expected.lua does not list")
end

return gg.experiment {
  name = "doctor_configs",
  description = "the doctor's evaluation: broken and healthy configurations, one per `config`",
  sweep = gg.zip { config = names } * gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local build = BUILD[p.config]
    if not build then
      error(string.format("no configuration '%s' (see tests/doctor/expected.lua)", tostring(p.config)), 0)
    end
    return build(p, run)
  end,
}
