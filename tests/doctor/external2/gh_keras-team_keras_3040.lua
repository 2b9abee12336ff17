--[[ tests/doctor/external2/gh_keras-team_keras_3040.lua — external case (broken):
  one linear unit fitting y = 2x on raw x = 0..199, SGD lr 0.001, batch 1

  Source: https://github.com/keras-team/keras/issues/3040 ("Simple Linear Regression Nan's after a few
    iterations."); found with the `search` tool (corpus "issues").
  Setup: x = 1.0*np.array(range(200)), y = 2.0*x; Sequential Dense(1, input_dim=1) (Keras 1: glorot_uniform
    kernel, zero bias, no activation); SGD(lr=0.001, decay=1e-6, momentum=0, nesterov=False); loss
    mean_squared_error; fit(x, y, nb_epoch=1, batch_size=1) (Keras's fit shuffles by default).
  Observed by the source: "when training even a very simple net on simple data, the weights go to Nan."
  Accepted cause: the asker's own answer (the thread's only reply, then closed): "realized my learning rate
    was too high."
  Changes to express it: none to the data, model, loss, batch or epochs; Keras's SGD `decay` (1e-6 per
    step) is left out (over 200 steps it changes the learning rate by < 0.02 %). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "gh_keras-team_keras_3040",
  description =
    "one linear unit, y = 2x on raw x = 0..199, SGD lr 0.001, batch 1, 1 epoch",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 1, 200 do
      local x = i - 1
      xs[i], ys[i] = { x }, 2 * x
    end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 1 } }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 0.001 }), data, nil, "mse", 1, 1)
  end,
}
