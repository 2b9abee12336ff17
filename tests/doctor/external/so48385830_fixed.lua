--[[ tests/doctor/external/so48385830_fixed.lua — external case (healthy):
  the Correct program of so48385830: sigmoid hidden, softmax output, categorical cross-entropy (lr 3
    kept)

  Source: https://stackoverflow.com/questions/48385830 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/48385830/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 1.
  The benchmark's Correct program: activation='sigmoid' on the hidden Dense, 'softmax' on the output,
    loss categorical_crossentropy; N(0, 1) init and SGD lr 3.0 unchanged.
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
  name = "so48385830_fixed",
  description =
    "fixed program: sigmoid 30, softmax 10, N(0,1) init, categorical_crossentropy, SGD lr 3",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = K.head(assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" }), 1300)
    local train, val = all:split(300 / 1300, { seed = run.seed })
    local model = K.keras { 64, { 30, "sigmoid", "randn" }, { 10, "softmax", "randn" } }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 3 }), train, val, "categorical_crossentropy", 10, 30)
  end,
}
