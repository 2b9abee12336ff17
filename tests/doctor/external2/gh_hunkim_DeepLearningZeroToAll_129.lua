--[[ tests/doctor/external2/gh_hunkim_DeepLearningZeroToAll_129.lua — external case (broken):
  one linear unit on four points, Keras's default SGD lr 0.01 for 1000 full-batch steps

  Source: https://github.com/hunkim/DeepLearningZeroToAll/issues/129 ("Gradient descent algorithm and
    learning rate"); found with the `search` tool (corpus "issues"). The program is the repository's
    Keras/klab-02-1-linear_regression.py before the fix the issue led to (pull request #143, commit
    9875acfd8c83 "modify learning rate for linear regression", read with git in the fetched repository).
  Setup: x_train = [1, 2, 3, 4], y_train = [0, -1, -2, -3]; Sequential Dense(1, input_dim=1) (glorot_uniform
    kernel, zero bias); model.compile(loss='mse', optimizer='sgd') (Keras's SGD: lr 0.01, no momentum);
    model.fit(x_train, y_train, epochs=1000) (batch 32: one full batch of 4 rows per epoch).
  Observed by the source: the issue's author, with SGD(lr=0.1): "this code trains only 100 epochs and more
    precise"; then: "original source code uses default value for learning rate. it makes slows down
    learning time 10x."
  Accepted cause: the maintainer agreed ("Aha, feel free to send us a PR") and merged the author's patch
    "-- model.compile(loss='mse', optimizer='sgd') ++ sgd = optimizers.SGD(lr=0.1); model.compile(loss=
    'mse', optimizer=sgd)", "-- model.fit(x_train, y_train, epochs=1000) ++ model.fit(x_train, y_train,
    epochs=200)" (pull request #143: "this reduces epochs from 1000 to 200"): the learning rate was too
    low.
  Changes to express it: none (the data, model, loss, optimizer, batch and epochs are the program's). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "gh_hunkim_DeepLearningZeroToAll_129",
  description =
    "one linear unit, y = 1 - x on x = 1..4, SGD lr 0.01 (Keras's default), full batch, 1000 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = K.dataset({ { 1 }, { 2 }, { 3 }, { 4 } }, { 0, -1, -2, -3 })
    local model = K.keras { 1, { 1 } }
    K.fit(run, model, K.optimizer(model, "sgd"), data, nil, "mse", 32, 1000)
  end,
}
