--[[ tests/doctor/external3/gh_tensorflow_tensorflow_3148.lua — external case (broken):
  TensorFlow's getting-started linear regression with x_data = arange(100): W, b -> nan (GD lr 0.5)

  Source: https://github.com/tensorflow/tensorflow/issues/3148 ("nan error: linear regression demo at
    tensorflow.org"); found with the `search` tool (corpus "issues").
  Setup: the r0.9 getting-started demo the issue links, with the asker's one change: x_data =
    np.arange(100).astype(np.float32) (instead of np.random.rand(100)); y_data = x_data * 0.1 + 0.3;
    W = tf.Variable(tf.random_uniform([1], -1.0, 1.0)), b = tf.Variable(tf.zeros([1])), y = W * x_data + b;
    loss = tf.reduce_mean(tf.square(y - y_data)); tf.train.GradientDescentOptimizer(0.5); 201 steps on
    all 100 points (for step in range(201): sess.run(train)).
  Observed by the source: "when I change it to x_data = np.arange(100).astype(np.float32) the "w" and "b"
    will become "nan"."
  Accepted cause: the maintainer's answer (aselle): "I don't believe this is a bug. Your arange() version
    has a mean of 50ish. That means the learning rate provided to gradient descent will be too high for
    stable convergence. You can fix this by x_data = np.arange(100).astype(np.float32) / 100 or if you
    don't want to change your data you'll need to reduce learning rate to .0001 and take 40000ish
    iterations."
  Changes to express it: none (W * x + b is gglab's Linear(1, 1) with its weight drawn from U(-1, 1) and
    a zero bias; reduce_mean of the squares is gglab's mse; plain gradient descent is SGD on the full
    batch, the points in order). ]]
local gg = require "gglab"

return gg.experiment {
  name = "gh_tensorflow_tensorflow_3148",
  description = "W x + b on x = 0..99, y = 0.1 x + 0.3, gradient descent lr 0.5, full batch, 201 steps",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 1, 100 do
      local x = i - 1
      xs[i], ys[i] = { x }, { x * 0.1 + 0.3 }
    end
    local data = gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
    local model = gg.nn.sequential {
      gg.nn.linear(1, 1, { init = "uniform", a = -1, b = 1, bias_init = "zeros" }),
    }
    gg.train { model = model, optimizer = gg.optim.sgd(model, { lr = 0.5 }), data = data, loss = "mse",
      batch_size = 100, epochs = 201, shuffle = false, log = run }
  end,
}
