--[[ tests/doctor/external6/mlm_lr_too_low.lua — external case (broken):
  plain SGD with learning rate 1E-6 on the three-blobs problem (one panel of the learning-rate study)

  Source: https://github.com/enuguru/artificial_intelligence_and_machine_learning
    @ 60c15cf7c6ebc45e2257ba32fb0abd28966e16e8, advanced_deep_learning/chapter_05/02_lrate_dynamics.py
    machinelearningmastery.com/understand-the-dynamics-of-learning-rate-on-deep-learning-neural-networks/
    (Jason Brownlee, "Understand the Impact of Learning Rate on Neural Network Performance"; the GitHub
    file is a copy of the program "# study of learning rate on accuracy for blobs problem" from the
    tutorial's book, Better Deep Learning, ch. 5; the tutorial's text was read in its Chinese
    translation, github.com/apachecn/ml-mastery-zh-pt2 @ 51d2f963b7ea, docs/dlperf/understand-the-
    dynamics-of-learning-rate-on-deep-learning-neural-networks.md). Found by listing that repository's
    files (find_files) after the `search` tool (corpus "code") returned its chapter_04 program.
  Setup: make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2), one-hot
    targets, the first 500 rows train, the other 500 test; Dense(50, relu, he_uniform) -> Dense(3,
    softmax); SGD(lr=lrate) (no momentum), categorical_crossentropy; fit(epochs=200) (batch 32); the
    program plots train / test accuracy for lrate in [1E-0, 1E-1, ..., 1E-7]: this case is lrate = 1E-6.
  Observed by the source: "the inability of the model to learn anything with the too-small learning
    rates of 1E-6 and 1E-7" (accuracy curves); 1E-1, 1E-2 and 1E-3 learn the problem well, "although
    successively slower as the learning rate is decreased".
  Accepted cause: "a value too small may result in a long training process that
    could get stuck"; "small learning rates result in a failure to train"; "the results suggest a
    moderate learning rate of 0.1 results in good model performance" (mlm_lr_moderate.lua).
  Changes to express it: make_blobs in Lua (_mlm.lua blobs_rs2: the source's three centres exactly, the
    rows from a gglab generator seeded 2, the same for every seed); categorical_crossentropy on the
    softmax takes class indices; the program's loop over eight rates is one case per rate studied
    here; train_acc / test_acc logged at the end. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local M = dofile(HERE .. "/_mlm.lua")
local K = M.K

local LR = 1e-6

return gg.experiment {
  name = "mlm_lr_too_low",
  description = "Dense(50, relu) on 3 blobs, plain SGD lr 1e-6, batch 32, 200 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = M.blobs_rs2()
    local model = M.stack { M.dense(2, 50, "relu", "he_uniform"), M.dense(50, 3, "softmax") }
    local opt = K.optimizer(model, "sgd", { lr = LR })
    local h = K.fit(run, model, opt, train, test, "categorical_crossentropy", 32, 200)
    M.log_acc(run, model, train, test, M.cls_acc, h.steps)
  end,
}
