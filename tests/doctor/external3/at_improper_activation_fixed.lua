--[[ tests/doctor/external3/at_improper_activation_fixed.lua — external case (healthy):
  AUTOTRAINER's repair of its "Improper_Activation_case" demo: a softmax on the output layer

  Source: https://github.com/shiningrain/AUTOTRAINER
    AUTOTRAINER (Zhang, Zhai, Ma, Shen, ICSE 2021) @ 03a463ea0569: AutoTrainer/demo_case/
    Improper_Activation_case/{demo_activation.py, config_acti.pkl}; AutoTrainer/utils/repair.py
    (activation_strategy = ['activation_1']; op_activation: select_acti(model) gives 'softmax' for an
    output of more than one unit, modify_last_activations sets it on the last layer).
  Setup: the demo (at_improper_activation.lua) after op_activation: make_blobs(1000, centers=3,
    cluster_std=2), 700 / 300 rows; Dense(50, relu, he_uniform) x 4 -> Dense(3, softmax);
    Adam(lr=0.0001), categorical_crossentropy; batch 256, 300 epochs.
  Observed by the source: the repaired training is AUTOTRAINER's output for the demo; no curve is
    published.
  Accepted cause: none (the repair: the output ReLU replaced by a softmax).
  Changes to express it: as at_improper_activation.lua. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common3.lua")
local K = C.K

return gg.experiment {
  name = "at_improper_activation_fixed",
  description = "AUTOTRAINER Improper_Activation_case after its repair: output Dense(3, softmax)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = C.make_blobs { n_samples = 1000, centers = 3, n_features = 2, cluster_std = 2,
      rng = gg.rng(2) }
    local train, val = C.at_split(X, y, 3)
    local model = C.stack { C.dense(2, 50, "relu", "he_uniform"), C.dense(50, 50, "relu", "he_uniform"),
      C.dense(50, 50, "relu", "he_uniform"), C.dense(50, 50, "relu", "he_uniform"),
      C.dense(50, 3, "softmax") }
    K.fit(run, model, K.optimizer(model, "adam", { lr = 0.0001 }), train, val, "categorical_crossentropy",
      256, 300)
  end,
}
