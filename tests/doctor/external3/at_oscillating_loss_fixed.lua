--[[ tests/doctor/external3/at_oscillating_loss_fixed.lua — external case (healthy):
  AUTOTRAINER's first repair of its "Oscillating_Loss_Case" demo: Adam with its default settings

  Source: https://github.com/shiningrain/AUTOTRAINER
    AUTOTRAINER (Zhang, Zhai, Ma, Shen, ICSE 2021) @ 03a463ea0569: AutoTrainer/demo_case/
    Oscillating_Loss_Case/{model.h5, config.pkl, demo.py}; AutoTrainer/utils/repair.py
    (repair_strategy: unstable_strategy = ['adam_1', 'lr_3', ...] under every method; op_adam:
    config_set['optimizer'] = 'Adam', opt_kwargs = {}, "Using 'Adam' optimizer, the parameter setting
    is default.").
  Setup: the demo (at_oscillating_loss.lua) after op_adam: make_blobs(1000, centers=3, cluster_std=2),
    700 / 300 rows; Dense(50, relu, he_uniform) -> Dense(3, softmax); Adam() (Keras defaults: lr
    0.001, epsilon 1e-7), categorical_crossentropy; batch size 1, 200 epochs.
  Observed by the source: the repaired training is AUTOTRAINER's output for the demo; no curve is
    published.
  Accepted cause: none (the repair: momentum SGD replaced by Adam, the batch size kept).
  Changes to express it: as at_oscillating_loss.lua. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common3.lua")
local K = C.K

return gg.experiment {
  name = "at_oscillating_loss_fixed",
  description = "AUTOTRAINER Oscillating_Loss_Case after its op_adam repair: Adam defaults, batch 1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = C.make_blobs { n_samples = 1000, centers = 3, n_features = 2, cluster_std = 2,
      rng = gg.rng(2) }
    local train, val = C.at_split(X, y, 3)
    local model = C.stack { C.dense(2, 50, "relu", "he_uniform"), C.dense(50, 3, "softmax") }
    K.fit(run, model, K.optimizer(model, "adam"), train, val,
      "categorical_crossentropy", 1, 200)
  end,
}
