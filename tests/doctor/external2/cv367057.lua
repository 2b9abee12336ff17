--[[ tests/doctor/external2/cv367057.lua — external case (broken):
  a relu 128-128 softmax classifier on raw 0..255 pixels

  Source: https://stats.stackexchange.com/questions/367057 ("Bad performance with ReLU activation function
    on MNIST data set"); found with the `search` tool (corpus "pages").
  Setup: fashion_mnist.load_data() (28x28 pixels, 0..255, not rescaled), labels one-hot; Sequential
    Flatten, Dense(128, relu), Dense(128, relu), Dense(10, softmax); loss categorical_crossentropy;
    optimizer 'adam'; fit(epochs=20, validation_data=test set, callbacks=[EarlyStopping(patience=3)]).
  Observed by the source: "This gives me a validation_acc of around 20%"; with sigmoid, MSE and SGD it
    reaches ~85 % after 50 epochs; "if I increase the number of nodes in the hidden layers I often get a
    network that doesn't learn at all".
  Accepted cause: the asker's edit: "I figured out it has something to do with me not normalizing the input
    to values between 0 and 1"; the top comment (gunes): "When you don't normalize, your neuron outputs
    might become very large, and you suffer from numerical stability in exponentiation operations."
  Changes to express it: Fashion-MNIST -> the 1797 8x8 digits with the pixels (0..16) multiplied by 255/16,
    so that they span Fashion-MNIST's raw 0..255; 64 inputs instead of 784; a 20 % split as the
    validation data (the source validates on the test set); Keras's EarlyStopping(patience=3) on val_loss
    without restoring the best weights (Keras's default); batch 32 (Keras's default). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "cv367057",
  description =
    "relu 128-128, softmax, categorical_crossentropy, adam, on raw 0..255 pixels",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local digits = assert(gg.data.digits { scale = 255 / 16, path = K.DATA .. "digits.csv" })
    local train, val = digits:split(0.2, { seed = run.seed })
    local model = K.keras { 64, { 128, "relu" }, { 128, "relu" }, { 10, "softmax" } }
    K.fit(run, model, K.optimizer(model, "adam"), train, val, "categorical_crossentropy", 32, 20,
      { early_stopping = { patience = 3, restore_best = false } })
  end,
}
