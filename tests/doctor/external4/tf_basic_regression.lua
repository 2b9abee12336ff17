--[[ tests/doctor/external4/tf_basic_regression.lua — external case (broken):
  TensorFlow's basic regression tutorial (Auto MPG, 64-64 ReLU, RMSprop) trained for 1000 epochs

  Source: https://github.com/tensorflow/docs/blob/00e101270399/site/en/tutorials/keras/basic_regression.ipynb
    (page: https://www.tensorflow.org/tutorials/keras/basic_regression, "Regression: predict fuel efficiency")
  Setup: UCI Auto MPG without the rows with a missing value (392), Origin one-hot (USA, Europe, Japan);
    dataset.sample(frac=0.8, random_state=0) for training, the rest for testing; every feature standardised
    with the training rows' mean and std; Sequential Dense(64, relu), Dense(64, relu), Dense(1);
    RMSprop(0.001); loss mean_squared_error; fit(epochs=1000, validation_split=0.2) (batch 32).
  Observed by the source: "This graph shows little improvement, or even degradation in the validation error
    after about 100 epochs."
  Accepted cause: the tutorial's remedy: "Let's update the model.fit call to automatically stop training when
    the validation score doesn't improve. We'll use an EarlyStopping callback" (training past the point where
    the validation error stops improving, i.e. overfitting the 251 fitting rows); the fixed program is
    tf_basic_regression_fixed.
  Changes to express it: the 80 % sample drawn with gglab's generator (seed 0: 313 training rows, not pandas'
    314 rows); the std of the standardisation is gglab's standard_scaler's (pandas' describe uses n - 1);
    Keras's RMSprop(rho 0.9, eps 1e-7) and glorot_uniform kernels as in ../external/_common.lua; the test MSE
    at the end is a run summary (test_mse). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "tf_basic_regression",
  description = "Auto MPG, standardised, 64-64 relu, RMSprop 0.001, mse, 1000 epochs, validation_split 0.2",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = assert(gg.data.csv(HERE .. "/../external2/data/auto_mpg.csv", { target = "MPG" }))
    local train, test = all:split(0.2, { seed = 0 })
    train, test = K.standardise(train, test)
    local model = K.keras { 9, { 64, "relu" }, { 64, "relu" }, { 1 } }
    gg.train { model = model, optimizer = K.optimizer(model, "rmsprop"), data = train, loss = "mse",
      keras = true, batch_size = 32, epochs = 1000, validation_split = 0.2, log = run }
    run:summary { test_mse = gg.evaluate(model, test, { loss = "mse" }) }
  end,
}
