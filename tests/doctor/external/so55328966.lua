--[[ tests/doctor/external/so55328966.lua — external case (broken):
  raw 0-255 pixels, sigmoid outputs with categorical cross-entropy, SGD lr 1e-4

  Source: https://stackoverflow.com/questions/55328966 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/55328966/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 8.
  Setup: MNIST csv, 5000 training rows, raw pixels 0..255, one-hot labels; Dense(784) (linear) ->
    Dense(50) relu -> Dense(10) sigmoid (l2 0); tf GradientDescentOptimizer(1e-4); loss
    categorical_crossentropy; batch 32; 10 epochs.
  Observed by the source: loss 2.3025 (= ln 10, chance), accuracy 0.0986 (DeepLocalize's table); after
    the fix loss 0.855, accuracy 0.801.
  Accepted cause: benchmark patch "-- x_train = x_train.values ++ x_train = x_train.values/255" (same
    for x_test) and "-- Dense(10, activation='sigmoid') ++ Dense(10, activation='softmax')"; DeepFD
    ground truth "(1) Activation (2) Optimizer (3) Missing Preprocess".
  Changes to express it: MNIST -> the 8x8 digits with pixels x 16 (0..256, MNIST's range): 1000 training
    rows, 300 validation rows; the first Dense(784) becomes Dense(64) (the input width); 10 epochs kept. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so55328966",
  description =
    "unscaled pixels, Dense(10, sigmoid) + categorical_crossentropy, GD lr 1e-4",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = K.head(assert(gg.data.digits { scale = 16, path = K.DATA .. "digits.csv" }), 1300)
    local train, val = all:split(300 / 1300, { seed = run.seed })
    local model = K.keras { 64, { 64 }, { 50, "relu" }, { 10, "sigmoid" } }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 1e-4 }), train, val, "categorical_crossentropy",
      32, 10)
  end,
}
