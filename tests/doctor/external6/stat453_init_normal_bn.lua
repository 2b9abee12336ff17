--[[ tests/doctor/external6/stat453_init_normal_bn.lua — external case (healthy):
  STAT 453 (Raschka, spring 2021) L11: the N(0, 0.001)-initialised ReLU MLP on MNIST with batch norm

  Source: https://github.com/rasbt/stat453-deep-learning-ss21/blob/2202699c/L11/code/
    weight_normal-batchnorm.ipynb (the notebook in that folder)
    http://pages.stat.wisc.edu/~sraschka/teaching/stat453-ss2021/ (lecture 11, input normalization
    and weight initialization)
  Setup: as stat453_init_normal (MNIST, batch 256, every Linear weight normal_(0, 0.001), biases zero,
    F.cross_entropy, SGD(lr=0.1), 50 epochs) but Flatten -> Linear(784, 75, bias=False) ->
    BatchNorm1d(75) -> ReLU -> Linear(75, 45, bias=False) -> BatchNorm1d(45) -> ReLU -> Linear(45, 10).
  Observed by the source: the notebook's log: "Train: 96.47% | Validation: 96.58%" after epoch 1,
    99.68 % / 97.75 % at 10, 100.00 % / 98.00 % at 50, test accuracy 97.82 %.
  Accepted cause: none, the lecture's second fix of stat453_init_normal (weight_normal.ipynb, stuck at
    11 % for 16 epochs): batch normalisation after the tiny-weight layers.
  Changes to express it: MNIST -> gglab's 8x8 digits (1797 images, 64 pixels / 16 = 0..1, the first
    1618 rows for training and the last 179 for validation: validation_fraction = 0.1), so the first
    layer is Linear(64, 75); batch 256 reshuffled every epoch (7 steps an epoch instead of 211), 50
    epochs as the source; gglab's batchnorm1d has PyTorch's defaults (momentum 0.1, eps 1e-5); the
    weights are drawn from the run's seed (torch.manual_seed(123) is not reproduced); the validation is
    logged as its loss (the notebook prints accuracies). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "stat453_init_normal_bn",
  description = "digits MLP 64-75-45-10 BN+ReLU, weights N(0, 0.001), SGD 0.1, batch 256, 50 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = R.digits_mnist()
    local init = { init = "normal", std = 0.001, bias_init = "zeros" }
    local nob = { init = "normal", std = 0.001, bias = false }
    local model = gg.nn.sequential { gg.nn.linear(64, 75, nob), gg.nn.batchnorm1d(75), gg.nn.relu(),
      gg.nn.linear(75, 45, nob), gg.nn.batchnorm1d(45), gg.nn.relu(), gg.nn.linear(45, 10, init) }
    gg.train { model = model, data = train, val = val, optimizer = gg.optim.sgd(model, { lr = 0.1 }),
      loss = "cross_entropy", batch_size = 256, epochs = 50, log = run }
  end,
}
