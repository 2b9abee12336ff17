--[[ tests/doctor/external3/at_improper_activation.lua — external case (broken):
  blob classifier whose three output units are ReLUs under categorical cross-entropy
  (AUTOTRAINER demo "Improper_Activation_case")

  Source: https://github.com/shiningrain/AUTOTRAINER
    AUTOTRAINER (Zhang, Zhai, Ma, Shen, ICSE 2021) @ 03a463ea0569:
    AutoTrainer/demo_case/Improper_Activation_case/{demo_activation.py, config_acti.pkl},
    AutoTrainer/data/simplednn.py.
  Setup: (demo_activation.py) make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2,
    random_state=2), one-hot labels, X * 100 then the loader's x / 100; the first 700 rows train, the
    last 300 validate; Dense(50, relu, he_uniform) x 4 -> Dense(3, relu) (glorot_uniform);
    Adam(lr=0.0001), categorical_crossentropy; batch 256, 300 epochs.
  Observed by the source: the demo is AUTOTRAINER's example of a training problem caused by an
    improper activation (the folder's name; demo_activation.py's parser: "Activation Problem Demo
    Detection & Autorepair"); AUTOTRAINER detects it at run time and repairs it.
  Accepted cause: "Improper Activation": the ReLU on the output layer (the hidden ReLUs with
    he_uniform are the usual choice) — categorical cross-entropy wants a softmax over the 3 classes.
  Changes to express it: make_blobs written in Lua (_common3.lua; a gglab generator seeded 2, not
    numpy's random_state=2: other centres and rows of the same distribution, the same for every seed
    as in the source); Keras's categorical_crossentropy on the (renormalised, clipped) outputs is
    gglab's "categorical_crossentropy" with class indices. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common3.lua")
local K = C.K

return gg.experiment {
  name = "at_improper_activation",
  description = "AUTOTRAINER Improper_Activation_case: 4 x Dense(50, relu) -> Dense(3, relu) on blobs, CCE",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = C.make_blobs { n_samples = 1000, centers = 3, n_features = 2, cluster_std = 2,
      rng = gg.rng(2) }
    local train, val = C.at_split(X, y, 3)
    local model = C.stack { C.dense(2, 50, "relu", "he_uniform"), C.dense(50, 50, "relu", "he_uniform"),
      C.dense(50, 50, "relu", "he_uniform"), C.dense(50, 50, "relu", "he_uniform"), C.dense(50, 3, "relu") }
    K.fit(run, model, K.optimizer(model, "adam", { lr = 0.0001 }), train, val, "categorical_crossentropy",
      256, 300)
  end,
}
