--[[ tests/doctor/external3/so69755379.lua — external case (broken):
  one Dense unit fitting y = x/2 on raw x in 1..20 with Keras's SGD (lr 0.01), full batch

  Source: https://stackoverflow.com/questions/69755379 ("Why is my loss function increasing with each
    epoch?"); found with the `search` tool (corpus "pages"; stored as the fixeme.com and py4u.org copies
    and the Nemotron-CC rewrite of the thread).
  Setup: keras.Sequential([Dense(units=1, input_shape=[1])]); compile(optimizer="sgd",
    loss="mean_squared_error"); xs = 1.0, 2.0, ..., 20.0, ys = 0.5, 1.0, ..., 10.0 (y = x/2);
    fit(xs, ys, epochs=500) (Keras's batch 32: one full-batch step an epoch).
  Observed by the source: "loss: 450.9794", "1603.0852", "5698.4731", ... "1835629312.0000" at epoch 13:
    the loss grows about 3.5 times an epoch, to inf/nan.
  Accepted cause: the answer (as the stored copies give it): "The primary issue is the learning rate
    (alpha) being too large. A large learning rate can cause the model to overshoot the optimal point
    during training, resulting in diverging loss values"; its fix: keras.optimizers.SGD(learning_rate=0.0001).
  Changes to express it: none beyond Keras's defaults in gglab terms (glorot_uniform kernel, zero bias,
    SGD lr 0.01, batch 32, shuffled). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "so69755379",
  description = "Dense(1) on raw x in 1..20 (y = x/2), Keras SGD lr 0.01, mse, 20 rows in one batch",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 1, 20 do xs[i], ys[i] = { i }, i / 2 end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 1 } }
    K.fit(run, model, K.optimizer(model, "sgd"), data, nil, "mse", 32, 500)
  end,
}
