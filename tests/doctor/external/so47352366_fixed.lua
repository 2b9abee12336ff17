--[[ tests/doctor/external/so47352366_fixed.lua — external case (healthy):
  the Correct program of so47352366: a softmax output

  Source: https://stackoverflow.com/questions/47352366 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/47352366/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 25.
  The benchmark's Correct program: Dense(10, softmax) instead of relu.
  Setup: MNIST (input_data, pixels in [0, 1], one-hot labels); Reshape 28x28x1, Conv2D(32, 5x5, same,
    relu, bias 0.1), MaxPool, Conv2D(64, 5x5, same, relu, bias 0.1), MaxPool, Dense(1024, relu, bias
    0.1), Dropout 0.5, Dense(10, relu); loss categorical_crossentropy; adam; 600 train_on_batch steps of
    50 images.
  Observed by the source: loss NaN, accuracy 0.06 (DeepLocalize's table); after the fix loss 0.10,
    accuracy 0.98.
  Accepted cause: benchmark patch "-- model.add(Dense(units = 10, activation = \"relu\")) ++
    model.add(Dense(units = 10, activation = \"softmax\"))"; DeepFD ground truth "(1) Activation (2)
    Epoch (1->2: slightly improves performance)".
  Changes to express it: MNIST -> the 8x8 digits of experiments/data (pixels / 16, so in [0, 1]): 1000
    training rows, 300 validation rows; channels 32/64 -> 8/16 and Dense 1024 -> 128 (the size limit);
    600 steps of 50 kept (30 epochs of 1000 rows). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so47352366_fixed",
  description =
    "fixed program: Dense(10, softmax) output + categorical_crossentropy (small CNN on digits)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = K.head(assert(gg.data.digits { image = true, scale = 1 / 16,
      path = K.DATA .. "digits.csv" }), 1300)
    local train, val = all:split(300 / 1300, { seed = run.seed })
    local b = { init = "glorot_uniform", bias_init = "constant", bias_value = 0.1 }
    local function conv(i, o) return gg.nn.conv2d(i, o, 5, { padding = "same", init = b.init,
      bias_init = b.bias_init, bias_value = 0.1 }) end
    local model = gg.nn.sequential({
      conv(1, 8), gg.nn.relu(), gg.nn.maxpool2d(2), conv(8, 16), gg.nn.relu(), gg.nn.maxpool2d(2),
        gg.nn.flatten(),
      gg.nn.linear(64, 128, b), gg.nn.relu(), gg.nn.dropout(0.5),
      gg.nn.linear(128, 10, { init = "glorot_uniform" }), gg.nn.softmax(1),
    }, { input = { 1, 8, 8 } })
    K.fit(run, model, K.optimizer(model, "adam"), train, val, "categorical_crossentropy", 50, 30)
  end,
}
