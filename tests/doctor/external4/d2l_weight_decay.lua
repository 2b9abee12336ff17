--[[ tests/doctor/external4/d2l_weight_decay.lua — external case (broken):
  Dive into Deep Learning's high-dimensional linear regression (200 inputs, 20 rows) without weight decay

  Source: https://github.com/d2l-ai/d2l-en/blob/032df0b2ffd7/chapter_multilayer-perceptrons/weight-decay.md
    (page: https://d2l.ai/chapter_linear-regression/weight-decay.html, "Training without Regularization")
  Setup: X ~ N(0, 1) with d = 200 inputs, y = 0.05 + sum_i 0.01 x_i (the PyTorch tab draws a noise tensor
    but never adds it); 20 training rows, 100 validation rows; the linear model of LinearRegressionScratch
    (w ~ N(0, 0.01^2), b = 0), loss mean((y_hat - y)^2 / 2) plus lambd * sum(w^2) / 2 with lambd = 0;
    minibatch SGD, lr 0.003, batch 5, max_epochs 10 (d2l.Trainer; the training rows reshuffled).
  Observed by the source: "Note that we overfit badly, decreasing the training error but not the test error"
    (the plotted train_loss falls, val_loss stays high).
  Accepted cause: "a textbook case of overfitting"; the remedy shown next is weight decay ("Below, we run
    with substantial weight decay ... the test error decreases": d2l_weight_decay_fixed).
  Changes to express it: gglab's mse (mean of squares) with lr 0.0015, the same updates as the book's
    halved squared loss at lr 0.003 (the logged losses are twice the book's); new data per seed from
    gglab's generator (the book's d2l.randn is unseeded). ]]
local gg = require "gglab"

return gg.experiment {
  name = "d2l_weight_decay",
  description = "linear regression, 200 inputs, 20 training rows, SGD, batch 5, no weight decay",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local w = {}
    for i = 1, 200 do w[i] = 0.01 end
    local all = gg.data.regression { n = 120, features = 200, w = w, bias = 0.05, noise = 0, seed = run.seed }
    local train, val = all:subset(1, 20), all:subset(21, 120)
    local init = { init = "normal", std = 0.01, bias_init = "zeros" }
    local model = gg.nn.sequential { gg.nn.linear(200, 1, init) }
    gg.train { model = model, data = train, val = val, optimizer = gg.optim.sgd(model, { lr = 0.0015 }),
      loss = "mse", batch_size = 5, epochs = 10, log = run }
  end,
}
