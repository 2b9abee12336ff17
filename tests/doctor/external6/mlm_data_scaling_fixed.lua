--[[ tests/doctor/external6/mlm_data_scaling_fixed.lua — external case (healthy):
  the tutorial's fix: the same MLP on make_regression with the target standardised (StandardScaler)

  Source: https://github.com/enuguru/artificial_intelligence_and_machine_learning
    @ 60c15cf7c6ebc45e2257ba32fb0abd28966e16e8,
    advanced_deep_learning/chapter_06/03_mlp_standardized_target.py
machinelearningmastery.com/how-to-improve-neural-network-stability-and-modeling-performance-with-data-scaling
    (Jason Brownlee, "How to use Data Scaling to Improve Deep Learning Model Stability and Performance";
    the GitHub file is a copy of the program "# mlp with scaled outputs on the regression problem" from
    the tutorial's book, Better Deep Learning, ch. 6; the tutorial's text and printed scores were read
    in its Chinese translation, github.com/apachecn/ml-mastery-zh-pt2 @ 51d2f963b7ea). Found in the
    same repository as mlm_data_scaling.lua's program.
  Setup: as mlm_data_scaling.lua, and the target reshaped and standardised with a StandardScaler fit on
    the 500 training rows (the test rows transformed with it); Dense(25, relu, he_uniform) -> Dense(1,
    linear); SGD(lr=0.01, momentum=0.9), mean_squared_error; fit(epochs=100) (batch 32).
  Observed by the source: "the model does appear to learn the problem and achieves near-zero mean squared
    error, at least to three decimal places" (Train: 0.003, Test: 0.007); "the model rapidly learns to
    effectively map inputs to outputs ... neither over- nor underfitting the training dataset".
  Accepted cause: none (the fixed program): "Reducing the scale of the target
    variable will, in turn, reduce the size of the gradient used to update the weights and result in a
    more stable model and training process."
  Changes to express it: make_regression written in Lua (_mlm.lua; a gglab generator seeded 1); the
    StandardScaler (population std) written out in the case. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local M = dofile(HERE .. "/_mlm.lua")
local K = M.K

return gg.experiment {
  name = "mlm_data_scaling_fixed",
  description = "Dense(25, relu) on make_regression standardised target, SGD(0.01, m 0.9), mse",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = M.make_regression { n_samples = 1000, n_features = 20, noise = 0.1, rng = gg.rng(1) }
    local mean, sd = 0, 0
    for i = 1, 500 do mean = mean + y[i] / 500 end
    for i = 1, 500 do sd = sd + (y[i] - mean) ^ 2 / 500 end
    sd = math.sqrt(sd)
    for i = 1, #y do y[i] = (y[i] - mean) / sd end     -- StandardScaler fit on the training rows
    local train, test = M.split(X, y, 500)
    local model = M.stack { M.dense(20, 25, "relu", "he_uniform"), M.dense(25, 1) }
    local opt = K.optimizer(model, "sgd", { lr = 0.01, momentum = 0.9 })
    K.fit(run, model, opt, train, test, "mse", 32, 100)
  end,
}
