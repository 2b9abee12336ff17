--[[ tests/doctor/external4/d2l_weight_decay_fixed.lua — external case (healthy):
  Dive into Deep Learning 3.7.4: linear regression on 200 inputs from 20 examples, SGD, lambd = 3

  Source: https://github.com/d2l-ai/d2l-en/blob/23d7a5ae/chapter_linear-regression/weight-decay.md
    https://d2l.ai/chapter_linear-regression/weight-decay.html ("Weight Decay", "High-Dimensional
    Linear Regression", train_scratch(3))
  Setup: the book's PyTorch code: Data(num_train=20, num_val=100, num_inputs=200, batch_size=5): X =
    randn(120, 200), y = X w + 0.05 + 0.01 randn with w = 0.01 ones (the first 20 rows train, the other
    100 validate; training batches shuffled); WeightDecayScratch(num_inputs=200, lambd=3, lr=0.01):
    w ~ N(0, 0.01^2), b = 0, loss = mean((y_hat - y)^2 / 2) + lambd * sum(w^2) / 2, minibatch SGD;
    d2l.Trainer(max_epochs=10).
  Observed by the source: "Below, we run with substantial weight decay. Note that the training error
    increases but the validation error decreases. This is precisely the effect we expect from
    regularization."
  Accepted cause: none — the book's remedy for d2l_weight_decay (weight decay lambd = 3), a program
    with no fault.
  Changes to express it: the book's halved squared error is gglab's mse / 2, so gglab's lr is 0.005
    (the same update) and the logged loss is twice the book's; the data are drawn from the run's seed
    (the book draws new ones each run too); the penalty
    lambd sum(w^2) / 2, doubled with the loss, is gg.train's l2 = 3, which also covers the bias (the
    book decays only w). ]]
local gg = require "gglab"

return gg.experiment {
  name = "d2l_weight_decay_fixed",
  description =
    "healthy: linear 200 -> 1, 20 train rows, N(0, 0.01) init, SGD lr 0.01 (mse/2), batch 5, 10 ep., lambd 3",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local w = {}
    for i = 1, 200 do w[i] = 0.01 end
    local all = gg.data.regression { n = 120, features = 200, w = w, bias = 0.05, noise = 0.01,
      seed = run.seed }
    local train, val = all:subset(1, 20), all:subset(21, 120)
    local model = gg.nn.sequential {
      gg.nn.linear(200, 1, { init = "normal", std = 0.01, bias_init = "zeros" }) }
    gg.train { model = model, optimizer = gg.optim.sgd(model, { lr = 0.005 }), data = train, val = val,
      loss = "mse", batch_size = 5, epochs = 10, shuffle = true, l2 = 3, log = run }
  end,
}
