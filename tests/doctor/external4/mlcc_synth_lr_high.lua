--[[ tests/doctor/external4/mlcc_synth_lr_high.lua — external case (broken):
  Google's ML Crash Course linear regression exercise, Task 3: RMSprop lr 100 for 500 epochs

  Source:
    https://github.com/google/eng-edu/blob/ed18ccd/ml/cc/exercises/linear_regression_with_synthetic_data.ipynb
    (page: https://developers.google.com/machine-learning/crash-course, "Linear regression with synthetic
    data" exercise)
  Setup: the 12 points my_feature = 1, 2, ..., 12, my_label = 5.0, 8.8, 9.6, 14.2, 18.8, 19.5, 21.4, 26.8,
    28.9, 32.0, 33.8, 38.2; build_model: Sequential Dense(units=1, input_shape=(1,)) (glorot_uniform kernel,
    zero bias), RMSprop(learning_rate=...), loss mean_squared_error; model.fit(batch_size=12, epochs=...) (one
    full-batch step per epoch); learning_rate=100.0, epochs=500, my_batch_size=12 (Task 3: "we've
    intentionally set the learning rate too high").
  Observed by the source: "The resulting model is terrible; the red line doesn't align with the blue dots.
    Furthermore, the loss curve oscillates like a roller coaster."
  Accepted cause: "An oscillating loss curve strongly suggests that the learning rate is too high" ("setting
    the learning rate too high often makes it impossible for a model to converge"); Task 4's solution (lr
    0.14, 70 epochs) is mlcc_synth_lr_high_fixed.
  Changes to express it: Keras's RMSprop (rho 0.9, eps 1e-7) and Dense defaults as in ../external/_common.lua;
    the source's RootMeanSquaredError metric is not logged (the mse loss is). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "mlcc_synth_lr_high",
  description = "linear regression on 12 points, RMSprop lr 100, 500 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    local label = { 5.0, 8.8, 9.6, 14.2, 18.8, 19.5, 21.4, 26.8, 28.9, 32.0, 33.8, 38.2 }
    for i = 1, 12 do xs[i], ys[i] = { i }, label[i] end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 1 } }
    gg.train { model = model, optimizer = K.optimizer(model, "rmsprop", { lr = 100.0 }), data = data,
      loss = "mse", keras = true, batch_size = 12, epochs = 500, log = run }
  end,
}
