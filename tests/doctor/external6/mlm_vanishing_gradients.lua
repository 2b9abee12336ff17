--[[ tests/doctor/external6/mlm_vanishing_gradients.lua — external case (broken):
  five Dense(5, tanh) layers with RandomUniform(0, 1) kernels on the two-circles problem, SGD + momentum

  Source: https://github.com/piotrlnordea/tensorboard
    @ 91ca5278fb658f5d159500e54e02f8cc2185561b, board1.py
    machinelearningmastery.com/how-to-fix-vanishing-gradients-using-the-rectified-linear-activation-function/
    (Jason Brownlee, "How to Fix the Vanishing Gradients Problem Using the ReLU"; board1.py is a GitHub
    copy of the tutorial's "deeper mlp ... with callback" program; the tutorial's text and printed
    scores were read in its Chinese translation, github.com/apachecn/ml-mastery-zh-pt2 @ 51d2f963b7ea,
    docs/dlperf/how-to-fix-vanishing-gradients-using-the-rectified-linear-activation-function.md).
    Found with the `search` tool (corpora "pages" and "code", query "machinelearningmastery fix
    vanishing gradients ReLU make_circles deep MLP tanh" and the program's lines).
  Setup: make_circles(n_samples=1000, noise=0.1, random_state=1), MinMaxScaler(feature_range=(-1, 1))
    on all rows, the first 500 rows train, the other 500 test (validation_data); Dense(5, tanh) x 5 ->
    Dense(1, sigmoid), every kernel RandomUniform(minval=0, maxval=1), zero biases; SGD(lr=0.01,
    momentum=0.9), binary_crossentropy; fit(epochs=500) (batch 32).
  Observed by the source: the one-hidden-layer version learns (Train: 0.816, Test: 0.816); with five
    hidden layers "the performance is quite poor on both the train and test sets around 50% accuracy.
    This suggests that the model as configured could not learn the problem nor generalize a solution"
    (Train: 0.530, Test: 0.468); the accuracy curves get worse as training goes on.
  Accepted cause: "Deep models using the hyperbolic tangent activation function
    do not train easily, and much of this poor performance is blamed on the vanishing gradient
    problem"; the fix: "the rectified linear activation function ... it is good practice to use the He
    weight initialization scheme" (five ReLU layers with he_uniform: Train: 0.836, Test: 0.840).
  Changes to express it: make_circles written in Lua (external3/_common3.lua; a gglab generator seeded
    1, not numpy's random_state=1: other rows of the same distribution, the same rows for every seed
    as in the source); Keras's binary_crossentropy is gg's {"bce", keras = true}; the final train and
    test accuracies are logged as curves train_acc / test_acc. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local M = dofile(HERE .. "/_mlm.lua")
local K = M.K

return gg.experiment {
  name = "mlm_vanishing_gradients",
  description = "5 x Dense(5, tanh), RandomUniform(0, 1) kernels, circles, SGD(0.01, m 0.9), 500 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = M.C.make_circles { n_samples = 1000, noise = 0.1, rng = gg.rng(1) }
    local train, test = M.split(M.minmax_pm1(X), y, 500)
    local parts, width = {}, 2
    for _ = 1, 5 do parts[#parts + 1] = M.dense(width, 5, "tanh", { 0, 1 }); width = 5 end
    parts[#parts + 1] = M.dense(5, 1, "sigmoid", { 0, 1 })
    local model = M.stack(parts)
    local opt = K.optimizer(model, "sgd", { lr = 0.01, momentum = 0.9 })
    local h = K.fit(run, model, opt, train, test, { "bce", keras = true }, 32, 500)
    M.log_acc(run, model, train, test, M.bin_acc, h.steps)
  end,
}
