--[[ tests/doctor/external/so59278771.lua — external case (broken):
  iris with sigmoid outputs under categorical cross-entropy, raw features

  Source: https://stackoverflow.com/questions/59278771 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/59278771/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 16.
  Setup: iris.data (150 rows, 4 raw features 0.1..7.9), one-hot species; Dense(4, init='normal') relu ->
    Dense(3, init='normal') sigmoid; loss categorical_crossentropy; adam; batch 5; 200 epochs; no
    validation data.
  Observed by the source: loss 1.0977 (= ln 3, chance), accuracy 0.348 (DeepLocalize's table); after the
    fix loss 0.395, accuracy 0.83.
  Accepted cause: benchmark patch "++ mms = MinMaxScaler() ++ X = mms.fit_transform(X)", a hidden
    Dense(8, relu), "-- Dense(3, activation=\"sigmoid\") ++ Dense(3, activation=\"softmax\")"; DeepFD
    ground truth "(1) Activation (2) Optimizer (3) Missing Preprocess".
  Changes to express it: 60 epochs instead of 200 (1800 steps of batch 5). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so59278771",
  description =
    "iris raw, relu 4, Dense(3, sigmoid) + categorical_crossentropy, adam",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = K.csv("iris")
    local model = K.keras { 4, { 4, "relu", "normal" }, { 3, "sigmoid", "normal" } }
    K.fit(run, model, K.optimizer(model, "adam"), data, nil, "categorical_crossentropy", 5, 60)
  end,
}
