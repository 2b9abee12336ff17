--[[ tests/doctor/external4/d2l_weight_decay_fixed.lua — external case (healthy):
  d2l_weight_decay with the book's remedy: weight decay lambd = 3

  Source: https://github.com/d2l-ai/d2l-en/blob/032df0b2ffd7/chapter_multilayer-perceptrons/weight-decay.md
    (page: https://d2l.ai/chapter_linear-regression/weight-decay.html, "Using Weight Decay"; see
    d2l_weight_decay.lua for the setup and the changes made to express it)
  Setup: d2l_weight_decay.lua's program with train_scratch(3): the loss plus 3 * sum(w^2) / 2.
  Observed by the source: "Note that the training error increases but the test error decreases. This is
    precisely the effect we expect from regularization."
  Accepted cause: the book's remedy for the overfitting of d2l_weight_decay: no fault left.
  Changes to express it: those of d2l_weight_decay.lua; the penalty as gg.train's l2 = 3 on the mse (twice
    the book's objective, as the loss), which also covers the bias b (the book's penalises w only). ]]
local gg = require "gglab"

return gg.experiment {
  name = "d2l_weight_decay_fixed",
  description = "healthy: linear regression, 200 inputs, 20 training rows, SGD, batch 5, weight decay 3",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local w = {}
    for i = 1, 200 do w[i] = 0.01 end
    local all = gg.data.regression { n = 120, features = 200, w = w, bias = 0.05, noise = 0, seed = run.seed }
    local train, val = all:subset(1, 20), all:subset(21, 120)
    local init = { init = "normal", std = 0.01, bias_init = "zeros" }
    local model = gg.nn.sequential { gg.nn.linear(200, 1, init) }
    gg.train { model = model, data = train, val = val, optimizer = gg.optim.sgd(model, { lr = 0.0015 }),
      loss = "mse", batch_size = 5, epochs = 10, l2 = 3, log = run }
  end,
}
