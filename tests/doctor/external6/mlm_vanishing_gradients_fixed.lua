--[[ tests/doctor/external6/mlm_vanishing_gradients_fixed.lua — external case (healthy):
  the tutorial's fix: five Dense(5, relu) layers with he_uniform kernels on the two-circles problem

  Source: https://github.com/apachecn/ml-mastery-zh-pt2
    @ 51d2f963b7ea92efbddd373ca648be7bd499a4ba,
    docs/dlperf/how-to-fix-vanishing-gradients-using-the-rectified-linear-activation-function.md
    machinelearningmastery.com/how-to-fix-vanishing-gradients-using-the-rectified-linear-activation-function/
    (Jason Brownlee, "How to Fix the Vanishing Gradients Problem Using the ReLU"; the GitHub file is the
    Chinese translation of the tutorial with its programs unchanged: "# deeper mlp with relu for the
    two circles classification problem"). Found with the `find_string` tool ("deeper mlp with relu for
    the two circles"), after the `search` queries of mlm_vanishing_gradients.lua.
  Setup: make_circles(n_samples=1000, noise=0.1, random_state=1), MinMaxScaler(feature_range=(-1, 1)),
    the first 500 rows train, the other 500 test; Dense(5, relu, kernel_initializer='he_uniform') x 5 ->
    Dense(1, sigmoid) (glorot_uniform), zero biases; SGD(lr=0.01, momentum=0.9), binary_crossentropy;
    fit(epochs=500) (batch 32).
  Observed by the source: "this small change has allowed the model to learn the problem, achieving about
    84% accuracy on both datasets" (Train: 0.836, Test: 0.840); "the model appears to rapidly learn the
    problem, converging on a solution in about 100 epochs".
  Accepted cause: none (the fixed program): "The use of the ReLU activation
    function has allowed us to fit a much deeper model for this simple problem" (the 50 % of the tanh
    version, mlm_vanishing_gradients.lua, "much of this poor performance is blamed on the vanishing
    gradient problem").
  Changes to express it: as mlm_vanishing_gradients.lua (make_circles in Lua from a gglab generator
    seeded 1; Keras's binary_crossentropy; train_acc / test_acc logged). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local M = dofile(HERE .. "/_mlm.lua")
local K = M.K

return gg.experiment {
  name = "mlm_vanishing_gradients_fixed",
  description = "5 x Dense(5, relu), he_uniform, circles, SGD(0.01, momentum 0.9), 500 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = M.C.make_circles { n_samples = 1000, noise = 0.1, rng = gg.rng(1) }
    local train, test = M.split(M.minmax_pm1(X), y, 500)
    local parts, width = {}, 2
    for _ = 1, 5 do parts[#parts + 1] = M.dense(width, 5, "relu", "he_uniform"); width = 5 end
    parts[#parts + 1] = M.dense(5, 1, "sigmoid")
    local model = M.stack(parts)
    local opt = K.optimizer(model, "sgd", { lr = 0.01, momentum = 0.9 })
    local h = K.fit(run, model, opt, train, test, { "bce", keras = true }, 32, 500)
    M.log_acc(run, model, train, test, M.bin_acc, h.steps)
  end,
}
