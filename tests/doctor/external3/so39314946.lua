--[[ tests/doctor/external3/so39314946.lua — external case (broken):
  TensorFlow linear regression W*x + b on x = 10..40, W and b from U(-1000, 1000), gradient descent lr 0.1

  Source: https://stackoverflow.com/questions/39314946 ("Why does my linear regression get nan values
    instead of learning?"); found with the `search` tool (corpus "pages"); the stored copies are
    translations (coderoad.ru, which gives the id, dev59.com, qa.1r1g.com).
  Setup: x_data = [10., 20., 30., 40.], y_data = [20., 40., 60., 80.]; W = tf.Variable(tf.random_uniform([1],
    -1000., 1000.)), b likewise; hypothesis = W * X + b; cost = tf.reduce_mean(tf.square(hypothesis - Y));
    tf.train.GradientDescentOptimizer(0.1); 2001 full-batch steps.
  Observed by the source: "0 1.60368e+10 [ 4612.54003906] [ 406.81304932]", then "100 nan [ nan] [ nan]"
    and nan to the end; "If I change the initial data to x_data = [1., 2., 3., 4.], y_data = [2., 4., 6.,
    8.] then it works without problems."
  Accepted cause: the only answer (5 votes), in the stored copies' words (dev59.com, translated): "your
    problem is that the learning rate is too high, which overflows float32: at every step of gradient
    descent the variable W oscillates to ever larger values" (coderoad.ru: "You are overflowing float32,
    because ...").
  Changes to express it: none (gglab's float32, the same model, initialisation, loss and optimizer). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "so39314946",
  description = "linear W*x + b on x = 10..40 (y = 2x), W, b ~ U(-1000, 1000), full-batch GD lr 0.1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = K.dataset({ { 10 }, { 20 }, { 30 }, { 40 } }, { 20, 40, 60, 80 })
    local model = gg.nn.sequential { gg.nn.linear(1, 1, { init = "uniform", a = -1000, b = 1000,
      bias_init = "uniform", bias_a = -1000, bias_b = 1000 }) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.1 }), loss = "mse",
      batch_size = 4, epochs = 2001, shuffle = false, log = run, log_every = 10 }
  end,
}
