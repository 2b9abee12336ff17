--[[ tests/doctor/external/so59325381_fixed.lua — external case (healthy):
  the Correct program of so59325381: the test images scaled, labels kept

  Source: https://stackoverflow.com/questions/59325381 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/59325381/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 15.
  The benchmark's Correct program: x_test / 255 instead of y_train / 255, one-hot labels with
    categorical_crossentropy.
  Setup: MNIST; x_train / 255, then "y_train = y_train/255" (meant: x_test / 255), so
    sparse_categorical_crossentropy reads every training label as class 0 and the test images stay
    0..255; Conv2D(64, 3x3, same), MaxPool, Conv2D(32, 3x3, same), MaxPool, Flatten, Dense(128) relu,
    Dense(10) softmax; adam; batch 1; 2 epochs; the test set as validation data.
  Observed by the source: loss 11023, accuracy 0.098 (DeepLocalize's table); after the fix loss 0.028,
    accuracy 0.987.
  Accepted cause: benchmark patch "-- y_train = y_train/255 ++ x_test = x_test/255" (and one-hot labels
    with categorical_crossentropy); DeepFD ground truth "(1) Loss (2) Wrong Preprocess".
  Changes to express it: MNIST -> the 8x8 digits: 1000 training rows and 300 validation rows, pixels /
    16 in both, their true labels (class indices under categorical_crossentropy stand for the one-hot
    rows); 2 epochs of batch 1 kept. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so59325381_fixed",
  description =
    "fixed program: digits in [0,1] with their labels, small CNN, adam, batch 1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = K.head(assert(gg.data.digits { image = true, path = K.DATA .. "digits.csv" }), 1300)
    local train, val = all:split(300 / 1300, { seed = run.seed })
    local xs, ys = K.rows(train)
    local labels = {}
    for i, r in ipairs(xs) do
      for j = 1, #r do r[j] = r[j] / 16 end
      labels[i] = ys[i][1]
    end
    train = K.dataset(xs, labels, 10):reshape { 1, 8, 8 }
    local vx, vy = K.rows(val)
    local vl = {}
    for i, r in ipairs(vx) do
      for j = 1, #r do r[j] = r[j] / 16 end
      vl[i] = vy[i][1]
    end
    val = K.dataset(vx, vl, 10):reshape { 1, 8, 8 }
    local model = gg.nn.sequential({
      gg.nn.conv2d(1, 64, 3, { padding = "same", init = "glorot_uniform" }), gg.nn.maxpool2d(2),
      gg.nn.conv2d(64, 32, 3, { padding = "same", init = "glorot_uniform" }), gg.nn.maxpool2d(2),
        gg.nn.flatten(),
      gg.nn.linear(128, 128, { init = "glorot_uniform" }), gg.nn.relu(),
      gg.nn.linear(128, 10, { init = "glorot_uniform" }), gg.nn.softmax(1),
    }, { input = { 1, 8, 8 } })
    K.fit(run, model, K.optimizer(model, "adam"), train, val, "categorical_crossentropy", 1, 2)
  end,
}
