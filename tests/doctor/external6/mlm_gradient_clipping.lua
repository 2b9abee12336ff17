--[[ tests/doctor/external6/mlm_gradient_clipping.lua — external case (healthy):
  the exploding-gradients tutorial's fix: the unscaled-target MLP trained with clipnorm=1.0

  Source: https://github.com/apachecn/ml-mastery-zh-pt2
    @ 51d2f963b7ea92efbddd373ca648be7bd499a4ba,
    docs/dlperf/how-to-avoid-exploding-gradients-in-neural-networks-with-gradient-clipping.md
    machinelearningmastery.com/how-to-avoid-exploding-gradients-in-neural-networks-with-gradient-clipping/
    (Jason Brownlee, "How to Avoid Exploding Gradients With Gradient Clipping"; the GitHub file is the
    Chinese translation of the tutorial with its programs unchanged). Found with the `search` tool
    (corpus "pages", query "machinelearningmastery exploding gradients gradient clipping regression
    make_regression mean squared error nan") and the `find_string` tool ("Train: nan, Test: nan").
  Setup: make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=1), unscaled; the first
    500 rows train, the other 500 test; Dense(25, relu, he_uniform) -> Dense(1, linear); SGD(lr=0.01,
    momentum=0.9, clipnorm=1.0), mean_squared_error; fit(epochs=100) (batch 32). Without clipnorm it is
    the program of mlm_data_scaling.lua, which this tutorial also runs: "Train: nan, Test: nan".
  Observed by the source: "scaling the gradients with a vector norm of 1.0 has resulted in a stable model
    capable of learning the problem and converging on a solution" (Train: 5.082, Test: 27.433); "the
    loss dropped from large values above 20,000 down to small values below 100 rapidly within 20
    epochs".
  Accepted cause: none (the fixed program). The broken program's cause: "Training
    a neural network can become unstable given the choice of error function, learning rate, or even the
    scale of the target variable. Large updates to weights during training can cause a numerical
    overflow or underflow often referred to as 'exploding gradients'"; the tutorial notes that "A
    traditional solution would be to rescale the target variable using either standardization or
    normalization" and chooses gradient clipping instead.
  Changes to express it: make_regression written in Lua (_mlm.lua; a gglab generator seeded 1, the same
    rows for every seed); Keras 2's clipnorm (one norm over all the gradients, as gg.train's clip_norm)
    is clip_norm = 1.0. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local M = dofile(HERE .. "/_mlm.lua")
local K = M.K

return gg.experiment {
  name = "mlm_gradient_clipping",
  description = "Dense(25, relu) on make_regression, unscaled target, SGD(0.01, momentum 0.9, clipnorm 1.0)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = M.make_regression { n_samples = 1000, n_features = 20, noise = 0.1, rng = gg.rng(1) }
    local train, test = M.split(X, y, 500)
    local model = M.stack { M.dense(20, 25, "relu", "he_uniform"), M.dense(25, 1) }
    local opt = K.optimizer(model, "sgd", { lr = 0.01, momentum = 0.9 })
    K.fit(run, model, opt, train, test, "mse", 32, 100, { clip_norm = 1.0 })
  end,
}
