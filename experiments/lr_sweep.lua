--[[ experiments/lr_sweep.lua — the default experiment: where does training diverge?

  Two tasks, swept over 12 log-spaced learning rates x {sgd, momentum, adam} x 3 seeds:
  - linreg: the first seed write-up's example — y = 2x + 1 + N(0,1) with x ~ U(0,10),
    100 rows, nn.Linear(1,1), full-batch gradient descent with MSE for 100 steps. The
    write-up claims SGD with lr = 1.0 makes the loss explode; here it does, and so does
    every lr above ~0.03, the stability limit 2/lambda_max of this quadratic.
  - mlp: a 10-32-3 ReLU classifier on Gaussian blobs (1000 rows, 20% held out),
    cross-entropy, batch 32, 10 epochs.
  Expected in results/lr_sweep/runs.csv: status "diverged" at high lr, "ok" below, with
  the boundary depending on the optimizer (momentum diverges earlier than plain SGD;
  Adam's steps are bounded by lr, so it degrades without overflowing).

  Run: gglab run experiments/lr_sweep.lua ]]
local gg = require "gglab"

local OPTIMIZERS = {
  sgd      = function(model, lr) return gg.optim.sgd(model, { lr = lr }) end,
  momentum = function(model, lr) return gg.optim.sgd(model, { lr = lr, momentum = 0.9 }) end,
  adam     = function(model, lr) return gg.optim.adam(model, { lr = lr }) end,
}

local TASKS = {
  linreg = function(p, run)
    local data = gg.data.regression { n = 100, features = 1, x = "uniform", scale = 10,
      w = { 2 }, bias = 1, noise = 1, seed = run.seed }
    local model = gg.nn.sequential { gg.nn.linear(1, 1) }
    gg.train { model = model, data = data, loss = "mse", optimizer = OPTIMIZERS[p.optimizer](model, p.lr),
      batch_size = 100, epochs = 100, log = run }
  end,
  mlp = function(p, run)
    local all = gg.data.classification { n = 1000, features = 10, classes = 3, separation = 1,
      seed = run.seed }
    local train, val = all:split(0.2)
    local model = gg.nn.mlp { 10, 32, 3, activation = "relu" }
    gg.train { model = model, data = train, val = val, loss = "cross_entropy",
      optimizer = OPTIMIZERS[p.optimizer](model, p.lr), batch_size = 32, epochs = 10, log = run }
  end,
}

return gg.experiment {
  name = "lr_sweep",
  description = "Divergence boundary of SGD, SGD+momentum and Adam over the learning rate",
  sweep = gg.grid {
    task = { "linreg", "mlp" },
    lr = gg.logspace(1e-4, 3, 12),
    optimizer = { "sgd", "momentum", "adam" },
    seed = gg.seeds(3),
  },
  run = function(p, run) TASKS[p.task](p, run) end,
}
