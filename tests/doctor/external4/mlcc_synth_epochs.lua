--[[ tests/doctor/external4/mlcc_synth_epochs.lua — external case (broken):
  Google's ML Crash Course linear regression exercise, first run: RMSprop lr 0.01 for 10 epochs

  Source:
    https://github.com/google/eng-edu/blob/ed18ccd/ml/cc/exercises/linear_regression_with_synthetic_data.ipynb
    (page: https://developers.google.com/machine-learning/crash-course, "Linear regression with synthetic
    data" exercise)
  Setup: the 12 points my_feature = 1, 2, ..., 12, my_label = 5.0, 8.8, 9.6, 14.2, 18.8, 19.5, 21.4, 26.8,
    28.9, 32.0, 33.8, 38.2; build_model: Sequential Dense(units=1, input_shape=(1,)) (glorot_uniform kernel,
    zero bias), RMSprop(learning_rate=...), loss mean_squared_error; model.fit(batch_size=12, epochs=...) (one
    full-batch step per epoch); learning_rate=0.01, epochs=10, my_batch_size=12 (the notebook's first training
    cell).
  Observed by the source: Task 1: "the red line probably *doesn't* align nicely with the blue dots. ... Notice
    that the loss curve decreases but doesn't flatten out"
  Accepted cause: "which is a sign that the model hasn't trained sufficiently"; Task 2: "In Task 1, the
    training loss did not converge. One possible solution is to train for more epochs" (the solution: 450
    epochs, mlcc_synth_epochs_fixed); Task 3 adds "Sometimes, you can get the model to converge more quickly
    by increasing the learning rate"
  Changes to express it: Keras's RMSprop (rho 0.9, eps 1e-7) and Dense defaults as in ../external/_common.lua;
    the source's RootMeanSquaredError metric is not logged (the mse loss is). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "mlcc_synth_epochs",
  description = "linear regression on 12 points, RMSprop lr 0.01, 10 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    local label = { 5.0, 8.8, 9.6, 14.2, 18.8, 19.5, 21.4, 26.8, 28.9, 32.0, 33.8, 38.2 }
    for i = 1, 12 do xs[i], ys[i] = { i }, label[i] end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 1 } }
    gg.train { model = model, optimizer = K.optimizer(model, "rmsprop", { lr = 0.01 }), data = data,
      loss = "mse", keras = true, batch_size = 12, epochs = 10, log = run }
  end,
}
