--[[ tests/doctor/external6/mlm_batch_size_fixed.lua — external case (broken):
  online SGD (batch_size=1) with lr 0.01 and momentum 0.9 on the three-blobs problem

  Source: https://github.com/enuguru/artificial_intelligence_and_machine_learning/blob/60c15cf7c6ebc45e2257ba32fb0abd28966e16e8/advanced_deep_learning/chapter_03/03_mlp_stochastic_gd.py
    https://machinelearningmastery.com/how-to-control-the-speed-and-stability-of-training-neural-networks-with-gradient-descent-batch-size/
    (Jason Brownlee, "How to Control the Stability of Training Neural Networks With the Batch Size"; the
    GitHub file is a copy of the program "# mlp for the blobs problem with stochastic gradient descent"
    from the tutorial's book, Better Deep Learning, ch. 3; the tutorial's text and printed scores were
    read in its Chinese translation, github.com/apachecn/ml-mastery-zh-pt2 @ 51d2f963b7ea,
    docs/dlperf/how-to-control-the-speed-and-stability-of-training-neural-networks-with-gradient-descent-
    batch-size.md). Found by listing that repository's files (find_files) after the `search` tool
    (corpus "code") returned its chapter_04 program.
  Setup: make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2), one-hot
    targets; the first 500 rows train, the other 500 test; Dense(50, relu, he_uniform) -> Dense(3,
    softmax); SGD(lr=0.01, momentum=0.9), categorical_crossentropy; fit(epochs=200, batch_size=1).
  Observed by the source: "performance is similar between the train and test sets, around 60% accuracy,
    but is dramatically worse (about 20 percentage points) than using batch gradient descent" (Train:
    0.612, Test: 0.606); "The plot shows the unstable nature of the training process with the chosen
    configuration. The poor performance and violent change to the model".
  Accepted cause in the source's words: "suggest that the learning rate used to update weights after each
    training example may be too large and that a smaller learning rate may make the learning process
    more stable"; with lr 0.001 (mlm_batch_size_fixed.lua) "Running this example tells a very different
    story" (Train: 0.816, Test: 0.824); "noisier updates to the model require a smaller learning rate".
  Changes to express it: make_blobs written in Lua (external3/_common3.lua; a gglab generator seeded 2,
    not numpy's random_state=2: other centres and rows of the same distribution, the same for every
    seed); categorical_crossentropy on the softmax takes the class indices (the one-hot rows' arg max);
    25 epochs instead of 200 (12,500 updates; 200 epochs of batch 1 take ~16 s for 10 seeds, over the
    3 s limit): the tutorial's lr-0.001 run reaches its ~80 % "in about 25 epochs", and the instability
    of this one is visible from the start of its curve; train_acc / test_acc logged at the end. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local M = dofile(HERE .. "/_mlm.lua")
local K = M.K

return gg.experiment {
  name = "mlm_batch_size_fixed",
  description = "Dense(50, relu) on 3 blobs, SGD(0.001, momentum 0.9), batch_size=1, 25 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = M.C.make_blobs { n_samples = 1000, centers = 3, n_features = 2, cluster_std = 2,
      rng = gg.rng(2) }
    local train, test = M.split(X, y, 500, 3)
    local model = M.stack { M.dense(2, 50, "relu", "he_uniform"), M.dense(50, 3, "softmax") }
    local opt = K.optimizer(model, "sgd", { lr = 0.001, momentum = 0.9 })
    local h = K.fit(run, model, opt, train, test, "categorical_crossentropy", 1, 25)
    M.log_acc(run, model, train, test, M.cls_acc, h.steps)
  end,
}
