--[[ tests/doctor/external/so47724077.lua — external case (broken):
  Adam on unscaled census features (adult)

  Source: https://stackoverflow.com/questions/47724077 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/47724077/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 14.
  Setup: UCI adult: 14 columns (categoricals label-encoded, numeric columns raw: age 17-90, fnlwgt
    1e4-1.5e6, capital-gain 0-99999, hours 1-99), label >50K (24 % positive), one-hot; Dense(21) relu ->
    Dense(2) softmax; loss categorical_crossentropy; adam; batch 100; 50 epochs; no validation data.
  Observed by the source: loss 29.97, accuracy 0.69 (DeepLocalize's table); with 'sgd' loss 0.552,
    accuracy 0.759.
  Accepted cause: benchmark patch "--optimizer=\"adam\" ++ optimizer=\"sgd\""; DeepFD ground truth "(1)
    Optimizer (2) Learning rate (3) Missing Preprocess (4) Epoch" with patch "++ scaler =
    StandardScaler() ++ X = scaler.fit_transform(X)" and Adam(learning_rate=0.01).
  Changes to express it: adult is not in experiments/data: 1000 rows of gg.data.classification (14
    features, 2 classes) with the columns scaled like adult's numeric ones (col 1 x13 + 38 ~ age, col 3
    x1e5 + 1.9e5 ~ fnlwgt, col 11 x7000 ~ capital-gain, col 12 x400 ~ capital-loss, col 13 x12 + 40 ~
    hours) and class 1 kept at 32 % (24 % positives). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so47724077",
  description =
    "adult-like raw features (one column ~1e5), relu 21, softmax 2, adam",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local ds = gg.data.classification { n = 1300, features = 14, classes = 2, separation = 1,
      seed = run.seed }
    ds = ds:imbalance { class = 1, ratio = 0.32, seed = run.seed }
    local xs, ys = K.rows(ds)
    local SCALE = { [1] = { 13, 38 }, [3] = { 1e5, 1.9e5 }, [11] = { 7000, 0 }, [12] = { 400, 0 },
      [13] = { 12, 40 } }
    for _, x in ipairs(xs) do
      for j, s in pairs(SCALE) do x[j] = x[j] * s[1] + s[2] end
    end
    local cls = {}
    for i, y in ipairs(ys) do cls[i] = y[1] end
    local model = K.keras { 14, { 21, "relu" }, { 2, "softmax" } }
    K.fit(run, model, K.optimizer(model, "adam"), K.dataset(xs, cls, 2), nil,
      "categorical_crossentropy", 100, 50)
  end,
}
