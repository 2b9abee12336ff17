--[[ tests/doctor/external3/at_oscillating_loss.lua — external case (broken):
  blob classifier trained by momentum SGD one row at a time (AUTOTRAINER demo "Oscillating_Loss_Case")

  Source: https://github.com/shiningrain/AUTOTRAINER
    AUTOTRAINER (Zhang, Zhai, Ma, Shen, ICSE 2021) @ 03a463ea0569:
    AutoTrainer/demo_case/Oscillating_Loss_Case/{model.h5, config.pkl, demo.py},
    AutoTrainer/data/simplednn.py; the model read from model.h5's model_config.
  Setup: make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2), one-hot
    labels, X * 100 then the loader's x / 100; the first 700 rows train, the last 300 validate;
    Dense(50, relu, he_uniform) -> Dense(3, softmax, glorot_uniform); SGD(lr=0.01, momentum=0.9),
    categorical_crossentropy; batch size 1, 200 epochs (config.pkl).
  Observed by the source: the demo is AUTOTRAINER's example of an oscillating (unstable) loss (README:
    "run demo.py directly to see how AUTOTRAINER solve the problems in these case"; demo.py's parser:
    "OL Problem Demo Detection & Autorepair").
  Accepted cause: the demo's problem "Oscillating Loss" from the training configuration; AUTOTRAINER's
    repairs for it (utils/repair.py unstable_strategy, in order): 'adam_1', 'lr_3', 'ReduceLR_1',
    'batch_4', 'momentum_3', 'GN_1', 'initial_3' — the optimizer, a lower learning rate, a larger
    batch, a lower momentum.
  Changes to express it: make_blobs written in Lua (_common3.lua; a gglab generator seeded 2, the same
    rows for every seed as in the source); Keras's categorical_crossentropy on the softmax is gglab's
    "categorical_crossentropy" with class indices. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common3.lua")
local K = C.K

return gg.experiment {
  name = "at_oscillating_loss",
  description = "AUTOTRAINER Oscillating_Loss_Case: Dense(50, relu) -> Dense(3, softmax), SGD 0.01 m 0.9, "
    .. "batch 1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = C.make_blobs { n_samples = 1000, centers = 3, n_features = 2, cluster_std = 2,
      rng = gg.rng(2) }
    local train, val = C.at_split(X, y, 3)
    local model = C.stack { C.dense(2, 50, "relu", "he_uniform"), C.dense(50, 3, "softmax") }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 0.01, momentum = 0.9 }), train, val,
      "categorical_crossentropy", 1, 200)
  end,
}
