--[[ tests/doctor/external/so48385830.lua — external case (broken):
  no activations, N(0, 1) weights, MSE on one-hot digits at SGD lr 3

  Source: https://stackoverflow.com/questions/48385830 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/48385830/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 1.
  Setup: MNIST, pixels / 255, flattened to 784, one-hot labels; Dense(30) and Dense(10) with kernel and
    bias RandomNormal(stddev=1) and NO activation; SGD lr 3.0; loss mean_squared_error; batch 10; 30
    epochs.
  Observed by the source: loss NaN, accuracy 0.099 (DeepLocalize's table); after the fix loss 0.148,
    accuracy 0.958.
  Accepted cause: benchmark patch: add activation='sigmoid' to the first Dense and activation='softmax'
    to the second, "-- loss='mean_squared_error' ++ loss='categorical_crossentropy'" (lr 3.0 kept);
    DeepFD ground truth "(1) Activation (2) Loss (3) Learning rate".
  Changes to express it: MNIST -> the 8x8 digits (pixels / 16): 1000 training rows, 300 validation rows
    (input 64 instead of 784); 30 epochs of batch 10 kept. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so48385830",
  description =
    "linear 784-30-10 with N(0,1) init, mse on one-hot targets, SGD lr 3",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = K.head(assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" }), 1300)
    local train, val = all:split(300 / 1300, { seed = run.seed })
    local model = K.keras { 64, { 30, nil, "randn" }, { 10, nil, "randn" } }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 3 }), K.onehot(train), K.onehot(val), "mse", 10, 30)
  end,
}
