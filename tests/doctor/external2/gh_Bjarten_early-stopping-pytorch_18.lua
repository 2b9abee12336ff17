--[[ tests/doctor/external2/gh_Bjarten_early-stopping-pytorch_18.lua — external case (healthy):
  the repository's MNIST MLP (784-128-128-10, dropout 0.5, Adam, early stopping): validation loss below
  training loss

  Source: https://github.com/Bjarten/early-stopping-pytorch/issues/18 ("Validation set loss less than
    training set?"); found with the `search` tool (corpus "issues"). The program is the repository's
    example the issue is about, Bjarten/early-stopping-pytorch MNIST_Early_Stopping_example.ipynb (read at
    commit 5102fa5a5b61).
  Setup: torchvision MNIST with transforms.ToTensor() (pixels in [0, 1]); 20 % of the 60,000 training
    images held out at random as the validation set; Net: Linear(784, 128), relu, Dropout(0.5),
    Linear(128, 128), relu, Dropout(0.5), Linear(128, 10); nn.CrossEntropyLoss(); torch.optim.Adam
    (defaults, lr 0.001); batch_size 256 (SubsetRandomSampler: reshuffled every epoch); n_epochs 100;
    EarlyStopping(patience=20) on the validation loss, the best checkpoint loaded at the end.
  Observed by the source: "Is it normal that the validation set loss is less than the training set loss
    here?" (the notebook's log: train_loss 0.84499 valid_loss 0.29977 at epoch 1, 0.12171 / 0.10836 at
    epoch 20; stopped at epoch 48); a second user: "My result with other datasets also gets lower
    validation loss. It seems there is an error..."
  Accepted cause: none — the maintainer's answer: "It's actually not an error to see lower validation loss
    compared to training loss. This can happen for several reasons: 1. Regularization (like dropout) is
    applied during training but not during validation ... This behavior is quite normal, especially in
    early stages of training or with regularization techniques." (issue closed): the program is healthy.
  Changes to express it: MNIST (48,000 training images of 784 pixels) -> the 1797 8x8 digits with the
    pixels scaled to [0, 1] (64 inputs instead of 784), a random 20 % split as the validation set;
    PyTorch's default Linear init and torch.optim.Adam (gglab's defaults); the repository's
    EarlyStopping(patience=20) with the best checkpoint loaded back is gglab's early_stopping
    {patience = 20, restore_best = true}. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "gh_Bjarten_early-stopping-pytorch_18",
  description =
    "MLP 64-128-128-10, relu, dropout 0.5, Adam, batch 256, early stopping (patience 20), digits in [0, 1]",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local digits = assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" })
    local train, val = digits:split(0.2, { seed = run.seed })
    local model = gg.nn.sequential {
      gg.nn.linear(64, 128), gg.nn.relu(), gg.nn.dropout(0.5),
      gg.nn.linear(128, 128), gg.nn.relu(), gg.nn.dropout(0.5),
      gg.nn.linear(128, 10),
    }
    gg.train { model = model, optimizer = gg.optim.adam(model), data = train, val = val,
      loss = "cross_entropy", batch_size = 256, epochs = 100, log = run,
      early_stopping = { patience = 20, restore_best = true } }
  end,
}
