--[[ tests/doctor/external4/tf_basic_regression_fixed.lua — external case (healthy):
  tf_basic_regression with the tutorial's fix: EarlyStopping(monitor='val_loss', patience=10)

  Source: https://github.com/tensorflow/docs/blob/00e101270399/site/en/tutorials/keras/basic_regression.ipynb
    (page: https://www.tensorflow.org/tutorials/keras/basic_regression; see tf_basic_regression.lua for the
    setup and every change made to express it)
  Setup: tf_basic_regression.lua's program with callbacks=[EarlyStopping(monitor='val_loss', patience=10)]
    (Keras's default restore_best_weights=False).
  Observed by the source: "The graph shows that on the validation set, the average error is usually
    around +/- 2 MPG"; the test set's mean absolute error is printed.
  Accepted cause: the tutorial's fix for the validation error that stops improving after about 100 epochs:
    stop training when the validation score doesn't improve — no fault left.
  Changes to express it: those of tf_basic_regression.lua; gg.train's early_stopping with patience 10,
    restore_best false. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "tf_basic_regression_fixed",
  description = "healthy: Auto MPG, standardised, 64-64 relu, RMSprop, mse, early stopping (patience 10)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = assert(gg.data.csv(HERE .. "/../external2/data/auto_mpg.csv", { target = "MPG" }))
    local train, test = all:split(0.2, { seed = 0 })
    train, test = K.standardise(train, test)
    local model = K.keras { 9, { 64, "relu" }, { 64, "relu" }, { 1 } }
    gg.train { model = model, optimizer = K.optimizer(model, "rmsprop"), data = train, loss = "mse",
      keras = true, batch_size = 32, epochs = 1000, validation_split = 0.2, log = run,
      early_stopping = { patience = 10, restore_best = false } }
    run:summary { test_mse = gg.evaluate(model, test, { loss = "mse" }) }
  end,
}
