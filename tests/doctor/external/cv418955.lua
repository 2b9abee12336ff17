--[[ tests/doctor/external/cv418955.lua — external case (broken):
  two stacked linear units, standardised x, raw y = x^2 + 3

  Source: https://stats.stackexchange.com/questions/418955 ("Why is deep neural net with linear
    activation diverges?"); not in the DeepLocalize or DeepFD benchmarks.
  Setup: x = 0, 1, ..., 99 standardised ((x - mean) / std), y = x^2 + 3 (3 .. 9804, not scaled);
    Dense(1, activation=None) -> Dense(1, activation=None); compile('sgd', loss='mse') (lr 0.01); batch
    32 (Keras default); 300 epochs.
  Observed by the source: the training diverges (the title; the asker: "learning occurs only with very
    small learning rate"); adding BatchNormalization between the layers had "no visible effect".
  Accepted cause: the asker's update, from their own experiments: "It seems like this particular
    behavior is caused by not scaled target variable. This matches my experiments, which showed that the
    learning occurs only with very small learning rate."
  Changes to express it: 60 epochs instead of 300. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "cv418955",
  description =
    "Dense(1) -> Dense(1) (no activation), x standardised, y = x^2 + 3 raw, SGD lr 0.01",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    local mean, sd = 49.5, math.sqrt((100 * 100 - 1) / 12)
    for i = 0, 99 do
      xs[#xs + 1], ys[#ys + 1] = { (i - mean) / sd }, i * i + 3
    end
    local model = K.keras { 1, { 1 }, { 1 } }
    K.fit(run, model, K.optimizer(model, "sgd"), K.dataset(xs, ys), nil, "mse", 32, 60)
  end,
}
