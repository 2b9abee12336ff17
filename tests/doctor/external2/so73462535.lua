--[[ tests/doctor/external2/so73462535.lua — external case (broken):
  MSE on a softmax classifier: at SGD lr 0.001 the loss barely moves

  Source: https://stackoverflow.com/questions/73462535 ("Why do I need a very high learning rate for this
    model to converge?"); found with the `search` tool (corpus "pages").
  Setup: the first 1000 MNIST images, pixels / 255, labels one-hot (tf.one_hot); Sequential Flatten,
    Dense(128, activation='sigmoid'), Dense(10, activation='softmax'); loss 'mean_squared_error'; SGD;
    fit(batch_size=1000, epochs=10000) (full batch). The asker's program uses learning_rate=5: "for my
    model to converge the learning rate needs to be far heigher, at least larger than 1".
  Observed by the source: "When I use a learning rate of around 0.001 the loss changes incredibly
    slowly."
  Accepted cause: accepted answer: "Generally speaking, models that require learning rates larger than 1
    raise a red flag for me ... The output from your model uses a softmax, which is normally used to
    represent values from a categorical distribution (i.e., 1-of-k) -- this is typical for a
    classification model. But the loss you're using is typically used for optimizing Gaussian or
    regression outputs. You might want to try [categorical cross-entropy]" (the rest of the answer is cut
    off in the stored page). causes: wrong_loss (the answer); lr_too_low second (the asker's own
    observation that a larger learning rate makes it converge).
  Changes to express it: the case is the asker's failing setting, learning rate 0.001; MNIST -> the first
    1000 of the 1797 8x8 digits, pixels / 16 (64 inputs instead of 784); one-hot targets under MSE (Keras
    averages over the 10 columns, as gglab's mse does); 1000 full-batch epochs instead of 10000 (time
    cap). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "so73462535",
  description =
    "sigmoid 128 -> softmax 10 under MSE on one-hot digits, full-batch SGD lr 0.001",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local digits = assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" })
    local data = K.onehot(K.head(digits, 1000))
    local model = K.keras { 64, { 128, "sigmoid" }, { 10, "softmax" } }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 0.001 }), data, nil, "mse", 1000, 1000)
  end,
}
