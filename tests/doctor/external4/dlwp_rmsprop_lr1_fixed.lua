--[[ tests/doctor/external4/dlwp_rmsprop_lr1_fixed.lua — external case (healthy):
  Deep Learning with Python 2nd ed., listing 5.8: Dense(512, relu) -> Dense(10, softmax), RMSprop(1e-2)

  Source: https://github.com/fchollet/deep-learning-with-python-notebooks (the book's notebook
    second_edition/chapter05_fundamentals-of-ml.ipynb at commit dea84a4)
    https://www.manning.com/books/deep-learning-with-python-second-edition (chapter 5, "Improving model
    fit", "Tuning key gradient descent parameters")
  Setup: MNIST, train_images.reshape((60000, 28 * 28)).astype("float32") / 255; keras.Sequential([
    layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")]);
    compile(optimizer=keras.optimizers.RMSprop(1e-2), loss="sparse_categorical_crossentropy");
    fit(train_images, train_labels, epochs=10, batch_size=128, validation_split=0.2).
  Observed by the source: the notebook titles this run "The same model with a more appropriate learning
    rate" (the book: the model now trains; outputs not stored in the notebook).
  Accepted cause: none — the book's fix of dlwp_rmsprop_lr1 (RMSprop(1.) -> RMSprop(1e-2)), a program
    with no fault.
  Changes to express it: MNIST (784 inputs, 60,000 rows) -> gglab's 1797 8x8 digits / 16 (64 inputs,
    values in [0, 1] as the book's / 255), in the file's order; validation_split 0.2 keeps Keras's last
    rows (1437 training, 360 validation); softmax + sparse_categorical_crossentropy -> linear outputs +
    gglab's cross_entropy (the same loss); Keras's RMSprop (rho 0.9, epsilon 1e-7) and Dense defaults
    (glorot_uniform, zero biases) via external/_common.lua. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "dlwp_rmsprop_lr1_fixed",
  description = "healthy: Dense(512, relu) -> Dense(10), RMSprop lr 1e-2, batch 128, 10 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local digits = assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" })
    local model = K.keras { 64, { 512, "relu" }, { 10 } }
    gg.train { model = model, optimizer = K.optimizer(model, "rmsprop", { lr = 1e-2 }), data = digits,
      loss = "cross_entropy", batch_size = 128, epochs = 10, validation_split = 0.2, keras = true, log = run }
  end,
}
