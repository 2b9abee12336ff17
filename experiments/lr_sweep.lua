--[[ experiments/lr_sweep.lua — the default experiment: where does training diverge?

  Two tasks, swept over 12 log-spaced learning rates x {sgd, momentum, adam} x 3 seeds:
  - linreg: the first seed write-up's example — y = 2x + 1 + N(0,1) with x ~ U(0,10),
    100 rows, nn.Linear(1,1), full-batch gradient descent with MSE for 100 steps. The
    write-up claims SGD with lr = 1.0 makes the loss explode. Measured: it does, and so
    does every lr >= 0.18 for SGD and SGD+momentum in every seed, while every lr <= 0.011
    converges: the stability limit of gradient descent on this quadratic is
    2/lambda_max ~ 0.029 (lambda_max ~ 68), 2(1+0.9)/lambda_max ~ 0.056 with momentum.
    Adam's steps are bounded by lr, so it oscillates at large lr but never overflows.
  - mlp: a 10-32-3 ReLU classifier on overlapping Gaussian blobs (1000 rows, 20% held
    out), cross-entropy, batch 32, 10 epochs. Plain SGD trains across the whole range;
    Adam's validation loss climbs from ~0.03 (lr ~ 4e-3) to ~10 (lr >= 1.2); momentum 0.9
    at lr = 3 ends in NaN.
  tests/lua/test_determinism.lua asserts the linreg boundary on every `make test`.

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
  claims = {
    { "linear regression: SGD and SGD+momentum with lr >= 0.18 diverge (seed write-up 1: lr = 1.0 explodes)", folklore = "high_lr",
      check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" end,
          { task = "linreg", optimizer = gg.one_of { "sgd", "momentum" }, lr = gg.at_least(0.18) })
        return f.lo >= 0.8, "diverged " .. f.text
      end },
    { "linear regression: every optimizer converges at lr <= 0.011", folklore = "low_lr",
      check = function(R)
        local f = R:fraction(function(r) return r.status == "ok" end, { task = "linreg", lr = gg.at_most(0.011) })
        return f.value == 1, "ok " .. f.text
      end },
    { "Adam never overflows on linear regression, even at lr = 3 (its step is bounded by lr)", folklore = "optimizer",
      check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" end, { task = "linreg", optimizer = "adam" })
        return f.k == 0, "diverged " .. f.text
      end },
  },
}
