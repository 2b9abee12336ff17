--[[ tests/doctor/external2/key_forum.lua — the answer key of the forum cases of the second external
  evaluation set: GitHub issue threads (`gh_<owner>_<repo>_<n>`), PyTorch-forum topics (`pt<n>`) and Stack
  Exchange threads not claimed by the other helpers, each with a concrete training program and a cause
  confirmed in the thread (or a maintainer's answer that nothing is wrong); key.lua merges it with
  key_threads.lua and key_bench.lua. One entry per case file tests/doctor/external2/<id>.lua, in
  tests/doctor/external/key.lua's format:

    source = url           the thread the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the thread names first
    interacting = {A, B}   broken by two causes together (each a set): right only when the verdict
                           names one of A and one of B
    healthy = true         the thread's fixed program, or its answer says there is no fault
    accepted = "..."       the ground truth in the source's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need (none beyond tests/doctor/external/key.lua's).
M.NEW = {}

M.cases = {
  { "gh_keras-team_keras_3040", source = "https://github.com/keras-team/keras/issues/3040",
    causes = { "lr_too_high" },
    accepted = "the asker's own reply (the thread's only answer): \"realized my learning rate was too "
      .. "high.\"",
    observed = "10 seeds, 10 diverged (at step 15-26); no epoch completed (medians over seeds); the "
      .. "batch loss grows from ~6e4 to inf within the first 26 of the 200 steps" },
  { "gh_skorch-dev_skorch_722", source = "https://github.com/skorch-dev/skorch/issues/722",
    healthy = true,
    accepted = "the maintainer's answer: \"Two possible reasons: 1. The training loss is averaged over "
      .. "each batch _while_ the net is training. The validation loss is calculated _after_ the end of "
      .. "the epoch, thus the net is already more trained at that point. 2. Just be random chance.\" "
      .. "(then closed: \"If you find that none of the answers fit, please report and re-open the "
      .. "issue\"); nothing is wrong with the tutorial's program.",
    observed = "10 seeds, 0 diverged; epoch loss first 2.272 min 0.613 last 0.613; val loss first 2.219 "
      .. "min 0.4505 last 0.4505 (medians over seeds); the validation loss is below the training loss "
      .. "in all 20 epochs of every seed, both still falling at epoch 20" },
  { "gh_Bjarten_early-stopping-pytorch_18",
    source = "https://github.com/Bjarten/early-stopping-pytorch/issues/18",
    healthy = true,
    accepted = "the maintainer's answer: \"It's actually not an error to see lower validation loss "
      .. "compared to training loss. This can happen for several reasons: 1. Regularization (like "
      .. "dropout) is applied during training but not during validation ... This behavior is quite "
      .. "normal, especially in early stages of training or with regularization techniques.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 2.289 min 0.08312 last 0.09386; val loss first "
      .. "2.257 min 0.06692 last 0.06923 (medians over seeds); the validation loss is below the training "
      .. "loss in 99-100 of the 100 epochs of every seed; early stopping (patience 20) never triggered, "
      .. "the best epoch is 90-100" },
  { "gh_hunkim_DeepLearningZeroToAll_129",
    source = "https://github.com/hunkim/DeepLearningZeroToAll/issues/129",
    causes = { "lr_too_low" },
    accepted = "the issue: \"original source code uses default value for learning rate. it makes slows "
      .. "down learning time 10x.\"; the maintainer: \"Aha, feel free to send us a PR\"; merged patch "
      .. "(pull request #143) \"-- model.compile(loss='mse', optimizer='sgd') ++ sgd = "
      .. "optimizers.SGD(lr=0.1)\" and \"-- epochs=1000 ++ epochs=200\" (\"this reduces epochs from "
      .. "1000 to 200\").",
    observed = "10 seeds, 0 diverged; epoch loss first 6.306 min 0.0006416 last 0.0006416 (medians over "
      .. "seeds); still falling at epoch 1000 (about 0.078 at epoch 200, where the fixed program is at "
      .. "1.4e-06)" },
  { "gh_hunkim_DeepLearningZeroToAll_129_fixed",
    source = "https://github.com/hunkim/DeepLearningZeroToAll/issues/129",
    healthy = true,
    accepted = "the merged fix (pull request #143): SGD(lr=0.1), epochs=200 — \"this code trains only 100 "
      .. "epochs and more precise\".",
    observed = "10 seeds, 0 diverged; epoch loss first 6.306 min 1.429e-06 last 1.429e-06 (medians over "
      .. "seeds)" },
}

return M
