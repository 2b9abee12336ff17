--[[ tests/doctor/external2/gh_hunkim_DeepLearningZeroToAll_129_fixed.lua — external case (healthy):
  the same linear unit after the fix: SGD lr 0.1 for 200 full-batch steps

  Source: https://github.com/hunkim/DeepLearningZeroToAll/issues/129 ("Gradient descent algorithm and
    learning rate"); the fixed program is Keras/klab-02-1-linear_regression.py after pull request #143
    (commit 9875acfd8c83, read with git in the fetched repository).
  Setup: x_train = [1, 2, 3, 4], y_train = [0, -1, -2, -3]; Sequential Dense(1, input_dim=1);
    sgd = optimizers.SGD(lr=0.1); model.compile(loss='mse', optimizer=sgd); model.fit(x_train, y_train,
    epochs=200) (batch 32: one full batch per epoch).
  Observed by the source: "this code trains only 100 epochs and more precise"; the pull request: "this
    reduces epochs from 1000 to 200."
  Accepted cause: the fix of the broken case (gh_hunkim_DeepLearningZeroToAll_129), merged by the
    maintainer: a healthy program.
  Changes to express it: none. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "gh_hunkim_DeepLearningZeroToAll_129_fixed",
  description =
    "one linear unit, y = 1 - x on x = 1..4, SGD lr 0.1, full batch, 200 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = K.dataset({ { 1 }, { 2 }, { 3 }, { 4 } }, { 0, -1, -2, -3 })
    local model = K.keras { 1, { 1 } }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 0.1 }), data, nil, "mse", 32, 200)
  end,
}
