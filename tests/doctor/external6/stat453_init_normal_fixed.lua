--[[ tests/doctor/external6/stat453_init_normal_fixed.lua — external case (healthy):
  STAT 453 (Raschka, spring 2021) L11: the ReLU MLP on MNIST with Kaiming (He) uniform weights

  Source: https://github.com/rasbt/stat453-deep-learning-ss21/blob/2202699c/L11/code/weight_kaiming.ipynb
    http://pages.stat.wisc.edu/~sraschka/teaching/stat453-ss2021/ (lecture 11, input normalization
    and weight initialization)
  Setup: as stat453_init_normal (MNIST, batch 256, Flatten -> Linear(784, 75) -> ReLU -> Linear(75, 45)
    -> ReLU -> Linear(45, 10), F.cross_entropy, SGD(lr=0.1), 50 epochs) but every weight
    torch.nn.init.kaiming_uniform_(m.weight, mode='fan_in', nonlinearity='relu'), every bias zero.
  Observed by the source: the notebook's log: "Train: 90.83% | Validation: 92.57%" after epoch 1,
    97.22 % / 97.17 % at 10, 99.85 % / 97.93 % at 50, test accuracy 97.63 %.
  Accepted cause: none, the lecture's fix of stat453_init_normal (weight_normal.ipynb, stuck at 11 %
    for 16 epochs): the initialisation.
  Changes to express it: MNIST -> gglab's 8x8 digits (1797 images, 64 pixels / 16 = 0..1, the first
    1618 rows for training and the last 179 for validation: validation_fraction = 0.1), so the first
    layer is Linear(64, 75); batch 256 reshuffled every epoch (7 steps an epoch instead of 211), 50
    epochs as the source; gglab's "kaiming_uniform" with nonlinearity "relu" (fan_in) is PyTorch's;
    the weights are drawn from the run's seed (torch.manual_seed(123) is not reproduced); the
    validation is logged as its loss (the notebook prints accuracies). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "stat453_init_normal_fixed",
  description = "digits MLP 64-75-45-10 ReLU, Kaiming uniform, SGD 0.1, batch 256, 50 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = R.digits_mnist()
    local init = { init = "kaiming_uniform", mode = "fan_in", nonlinearity = "relu", bias_init = "zeros" }
    local model = gg.nn.sequential { gg.nn.linear(64, 75, init), gg.nn.relu(), gg.nn.linear(75, 45, init),
      gg.nn.relu(), gg.nn.linear(45, 10, init) }
    gg.train { model = model, data = train, val = val, optimizer = gg.optim.sgd(model, { lr = 0.1 }),
      loss = "cross_entropy", batch_size = 256, epochs = 50, log = run }
  end,
}
