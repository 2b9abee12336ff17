--[[ tests/doctor/external6/stat453_init_normal.lua — external case (broken):
  STAT 453 (Raschka, spring 2021) L11: a ReLU MLP on MNIST with weights drawn from N(0, 0.001)

  Source: https://github.com/rasbt/stat453-deep-learning-ss21/blob/2202699c/L11/code/weight_normal.ipynb
    http://pages.stat.wisc.edu/~sraschka/teaching/stat453-ss2021/ (lecture 11, input normalization
    and weight initialization)
  Setup: MNIST (ToTensor: pixels 0..1), the last 10 % of the training images for validation, batch 256;
    Flatten -> Linear(784, 75) -> ReLU -> Linear(75, 45) -> ReLU -> Linear(45, 10), every weight
    m.weight.normal_(0, 0.001), every bias zero; F.cross_entropy, SGD(lr=0.1), 50 epochs.
  Observed by the source: the notebook's log: minibatch loss 2.30 (ln 10) and "Train: 11.31% |
    Validation: 10.50%" for epochs 1 to 16 (the same accuracy, one class for every image); 53.31 % at
    epoch 21, 90.96 % at 26, 98.40 % / 97.30 % at 50.
  Accepted cause: the lecture's notebooks on weight initialisation: the same program with
    kaiming_uniform_(m.weight, mode='fan_in', nonlinearity='relu') (weight_kaiming.ipynb,
    stat453_init_normal_fixed) reaches 90.83 % / 92.57 % after the first epoch, and with the N(0,
    0.001) weights kept but a BatchNorm1d after each hidden Linear (weight_normal-batchnorm.ipynb,
    stat453_init_normal_bn) 96.47 % / 96.58 %: the tiny initial weights are the fault.
  Changes to express it: MNIST -> gglab's 8x8 digits (1797 images, 64 pixels / 16 = 0..1, the first
    1618 rows for training and the last 179 for validation: validation_fraction = 0.1), so the first
    layer is Linear(64, 75); batch 256 reshuffled every epoch (7 steps an epoch instead of 211), 50
    epochs as the source; the weights are drawn from the run's seed (torch.manual_seed(123) is not
    reproduced); the validation is logged as its loss (the notebook prints accuracies). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "stat453_init_normal",
  description = "digits MLP 64-75-45-10 ReLU, weights N(0, 0.001), SGD 0.1, batch 256, 50 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = R.digits_mnist()
    local init = { init = "normal", std = 0.001, bias_init = "zeros" }
    local model = gg.nn.sequential { gg.nn.linear(64, 75, init), gg.nn.relu(), gg.nn.linear(75, 45, init),
      gg.nn.relu(), gg.nn.linear(45, 10, init) }
    gg.train { model = model, data = train, val = val, optimizer = gg.optim.sgd(model, { lr = 0.1 }),
      loss = "cross_entropy", batch_size = 256, epochs = 50, log = run }
  end,
}
