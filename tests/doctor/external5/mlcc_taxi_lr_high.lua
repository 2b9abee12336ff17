--[[ tests/doctor/external5/mlcc_taxi_lr_high.lua — external case (broken):
  Google ML Crash Course, "Linear regression" taxi-fare exercise:
    the hyperparameter experiment 1: the learning rate raised to 1

  Source:
    https://github.com/google/eng-edu/blob/02822b2/ml/cc/exercises/linear_regression_taxi.ipynb
    (page: https://developers.google.com/machine-learning/crash-course/linear-regression/
    programming-exercise)
  Setup: Chicago taxi trips (chicago_taxi_train.csv, 31694 rows); feature TRIP_MILES, label FARE, neither
    scaled; keras.Input(shape=(1,)), Dense(units=1);
    RMSprop(learning_rate=1), loss mean_squared_error,
    metric RMSE; model.fit(batch_size=50, epochs=20) on every row (no validation).
    "Experiment 1: Increase the learning rate to 1 (batch size at 50)".
  Observed by the source: "When the learning rate is too high, the loss curve bounces around and does not
    appear to be
    moving towards convergence with each iteration. Also, notice that the predicted model does not fit the
    data very well. With a learning rate that is too high, it is unlikely that you will be able to train a
    model with good results."
  Accepted cause: the learning rate is too high (the exercise's answer above); the reference run is
    mlcc_taxi_baseline.
  Changes to express it: the CSV (4 MB) is cut to a random half of its rows (15847, Python random.seed(0),
    file order kept) and to the two columns used (data/chicago_taxi_half.csv, 152 kB, under the set's
    200 kB limit), so an epoch has half the source's steps (317 of 50 rows, not 634); Keras's RMSprop (rho
    0.9, eps 1e-7), glorot_uniform kernel and model.fit's reshuffling as in ../external/_common.lua; the
    final weight, bias and training RMSE are run summaries. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "mlcc_taxi_lr_high",
  description = "taxi fares from TRIP_MILES, Dense(1), RMSprop lr 1, batch 50, 20 ep",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = assert(gg.data.csv(HERE .. "/data/chicago_taxi_half.csv", { target = "FARE" }))
    local model = K.keras { 1, { 1 } }
    gg.train { model = model, optimizer = K.optimizer(model, "rmsprop", { lr = 1 }), data = data,
      loss = "mse", keras = true, batch_size = 50, epochs = 20, log = run }
    local w = model:parameters()
    run:summary { weight = w[1]:get(1, 1), bias = w[2]:get(1, 1),
      rmse = math.sqrt(gg.evaluate(model, data, { loss = "mse" })) }
  end,
}
