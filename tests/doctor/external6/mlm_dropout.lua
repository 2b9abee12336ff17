--[[ tests/doctor/external6/mlm_dropout.lua — external case (broken):
  Dense(500, relu) trained 4000 epochs on 30 rows of the two-circles problem (the overfit MLP)

  Source: https://github.com/apachecn/ml-mastery-zh-pt2
    @ 51d2f963b7ea92efbddd373ca648be7bd499a4ba,
    docs/dlperf/how-to-reduce-overfitting-with-dropout-regularization-in-keras.md
    https://machinelearningmastery.com/how-to-reduce-overfitting-with-dropout-regularization-in-keras/
    (Jason Brownlee, "How to Reduce Overfitting With Dropout Regularization in Keras"; the GitHub file is
    the Chinese translation of the tutorial with its programs unchanged: "# mlp overfit on the two
    circles dataset"). Found with `git grep` in the fetched copy of that repository (string
    "Dropout(0.4)"), the repository having been found with the `find_string` tool.
  Setup: make_circles(n_samples=100, noise=0.1, random_state=1); the first 30 rows train, the other 70
    test (validation_data); Dense(500, relu) -> Dense(1, sigmoid) (glorot_uniform, zero biases);
    optimizer='adam', binary_crossentropy; fit(epochs=4000) (batch 32: one batch an epoch).
  Observed by the source: "the model has better performance on the training dataset than the test
    dataset, one possible sign of overfitting" (Train: 1.000, Test: 0.757); "We can see the expected
    shape of an overfit model where test accuracy increases to a point and then begins to decrease
    again".
  Accepted cause: the model is "overfit" ("Because the model is severely
    overfit ..."); the fix: Dropout(0.4) after the hidden layer (mlm_dropout_fixed.lua: "the model no
    longer appears to overfit the training dataset").
  Changes to express it: make_circles written in Lua (external3/_common3.lua; a gglab generator seeded
    1, not numpy's random_state=1: other rows of the same distribution, the same for every seed as in
    the source); Keras's binary_crossentropy is gg's {"bce", keras = true}; Keras's Adam is
    gg.optim.keras_adam; train_acc / test_acc logged at the end. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local M = dofile(HERE .. "/_mlm.lua")
local K = M.K

local DROPOUT = nil

return gg.experiment {
  name = "mlm_dropout",
  description = "Dense(500, relu) on 30 circles rows, adam, 4000 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = M.C.make_circles { n_samples = 100, noise = 0.1, rng = gg.rng(1) }
    local train, test = M.split(X, y, 30)
    local hidden = M.dense(2, 500, "relu")
    if DROPOUT then hidden[#hidden + 1] = gg.nn.dropout(DROPOUT) end
    local model = M.stack { hidden, M.dense(500, 1, "sigmoid") }
    local h = K.fit(run, model, K.optimizer(model, "adam"), train, test, { "bce", keras = true }, 32, 4000)
    M.log_acc(run, model, train, test, M.bin_acc, h.steps)
  end,
}
