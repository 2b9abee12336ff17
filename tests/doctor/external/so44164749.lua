--[[ tests/doctor/external/so44164749.lua — external case (broken):
  wide MLP on MNIST, SGD lr 0.01 with batch 2000 for 5 epochs

  Source: https://stackoverflow.com/questions/44164749 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/44164749/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 2.
  Setup: MNIST, pixels / 255, one-hot; Dense(5000) relu, Dropout 0.1, Dense(600) relu, Dropout 0.1,
    Dense(10) softmax; SGD lr 0.01, momentum 0.9, nesterov, decay 1e-6; loss categorical_crossentropy;
    batch 2000; 5 epochs (150 steps).
  Observed by the source: loss 0.383, accuracy 0.888 (DeepLocalize's table; DeepFD: lr 0.05 gives
    accuracy 0.949 after 5 epochs).
  Accepted cause: DeepFD patch "-- epochs=5 ++ epochs=10 -- lr=0.01 ++ lr=0.05" with the note "change
    learning rate can improve accuracy quickly ... Only change learning rate to 0.05 will achieve 0.9487
    accuracy after 5 epoch"; DeepFD ground truth "(1) Epoch (2) Learning rate (3) Activation (4) Loss"
    (DeepLocalize's patch: softmax -> sigmoid with binary_crossentropy).
  Changes to express it: MNIST -> the 8x8 digits (pixels / 16): 1000 training rows, 300 validation rows;
    widths 5000/600 -> 128/64 (the size limit); batch 2000 -> 200 (the source's 30 steps an epoch become
    5, so 30 epochs give the source's 150 steps). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so44164749",
  description =
    "relu 5000-600 (scaled to 128-64), softmax, SGD lr 0.01 momentum 0.9, batch 2000",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = K.head(assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" }), 1300)
    local train, val = all:split(300 / 1300, { seed = run.seed })
    local model = K.keras { 64, { 128, "relu" }, { 64, "relu" }, { 10, "softmax" }, dropout = { 0.1, 0.1 } }
    local opt = K.optimizer(model, "sgd", { lr = 0.01, momentum = 0.9, nesterov = true })
    K.fit(run, model, opt, train, val, "categorical_crossentropy", 200, 30)
  end,
}
