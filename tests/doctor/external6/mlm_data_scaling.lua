--[[ tests/doctor/external6/mlm_data_scaling.lua — external case (broken):
  an MLP regressing make_regression's unscaled target (std ~ 150) with SGD + momentum

  Source: https://github.com/enuguru/artificial_intelligence_and_machine_learning
    @ 60c15cf7c6ebc45e2257ba32fb0abd28966e16e8, advanced_deep_learning/chapter_06/02_mlp_unscaled.py
machinelearningmastery.com/how-to-improve-neural-network-stability-and-modeling-performance-with-data-scaling
    (Jason Brownlee, "How to use Data Scaling to Improve Deep Learning Model Stability and Performance";
    the GitHub file is a copy of the program "# mlp with unscaled data for the regression problem" from
    the tutorial's book, Better Deep Learning, ch. 6; the tutorial's text and printed scores were read
    in its Chinese translation, github.com/apachecn/ml-mastery-zh-pt2 @ 51d2f963b7ea,
    docs/dlperf/how-to-improve-neural-network-stability-and-modeling-performance-with-data-scaling.md).
    Found with the `search` tool (corpus "code", query "make_regression(n_samples=1000, n_features=20,
    noise=0.1, random_state=1) Dense(25, input_dim=20, activation='relu', kernel_initializer=
    'he_uniform') SGD(lr=0.01, momentum=0.9) mean_squared_error").
  Setup: make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=1), no scaling; the first
    500 rows train, the other 500 test (validation_data); Dense(25, relu, he_uniform) -> Dense(1,
    linear); SGD(lr=0.01, momentum=0.9), mean_squared_error; fit(epochs=100) (batch 32).
  Observed by the source: "the model is unable to learn the problem, resulting in predictions of NaN
    values. The model weights exploded during training given the very large error and, in turn, error
    gradients calculated for weight updates" (Train: nan, Test: nan); the loss plot is empty "as the
    model almost immediately results in a NaN mean squared error".
  Accepted cause: "unscaled target variables on regression problems can result in
    exploding gradients causing the learning process to fail"; "This suggests that at the very least
    some data scaling is required for the target variable"; the fix standardises the target
    (mlm_data_scaling_fixed.lua).
  Changes to express it: make_regression written in Lua (_mlm.lua; a gglab generator seeded 1, not
    numpy's random_state=1: other rows of the same distribution, the same rows for every seed as in
    the source). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local M = dofile(HERE .. "/_mlm.lua")
local K = M.K

return gg.experiment {
  name = "mlm_data_scaling",
  description = "Dense(25, relu) on make_regression with its unscaled target, SGD(0.01, momentum 0.9), mse",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = M.make_regression { n_samples = 1000, n_features = 20, noise = 0.1, rng = gg.rng(1) }
    local train, test = M.split(X, y, 500)
    local model = M.stack { M.dense(20, 25, "relu", "he_uniform"), M.dense(25, 1) }
    local opt = K.optimizer(model, "sgd", { lr = 0.01, momentum = 0.9 })
    K.fit(run, model, opt, train, test, "mse", 32, 100)
  end,
}
