--[[ tests/doctor/external2/gh_skorch-dev_skorch_722.lua — external case (healthy):
  skorch's MNIST tutorial MLP (784-98-10, dropout 0.5, SGD lr 0.1): validation loss below training loss

  Source: https://github.com/skorch-dev/skorch/issues/722 ("Validation loss is lower than training loss in
    MNIST tutorial"); found with the `search` tool (corpus "issues"). The program is the tutorial the
    issue names, skorch-dev/skorch notebooks/MNIST.ipynb (read at commit 009044b7dce2).
  Setup: MNIST from fetch_openml, X /= 255.0 (pixels in [0, 1]), 75 % of the 70,000 rows for training;
    ClassifierModule: Linear(784, 98), relu, Dropout(0.5), Linear(98, 10), softmax; NeuralNetClassifier
    (max_epochs=20, lr=0.1): skorch's defaults, i.e. SGD (no momentum), NLLLoss on the log of the
    softmax (the cross-entropy), batch_size 128, training rows reshuffled every epoch, 20 % of the
    training rows held out (stratified) as the validation split.
  Observed by the source: "during the training process, the validation loss was always lower than the
    training loss ... in the MNIST example, for both the fully connected and convolutional networks, the
    training loss is higher than the validation loss at each epoch" (the tutorial's own log: epoch 1
    train_loss 0.8299, valid_loss 0.4037).
  Accepted cause: none — the maintainer's answer: "Two possible reasons: 1. The training loss is averaged
    over each batch _while_ the net is training. The validation loss is calculated _after_ the end of the
    epoch, thus the net is already more trained at that point. 2. Just be random chance." and the issue
    was closed ("If you find that none of the answers fit, please report and re-open the issue"): the
    program is healthy.
  Changes to express it: MNIST (52,500 training rows of 784 pixels) -> the 1797 8x8 digits with the
    pixels scaled to [0, 1] (64 inputs instead of 784; the hidden layer keeps the tutorial's 98 units),
    a random 20 % split (not stratified) as the validation data; PyTorch's default Linear init (gglab's
    default); the softmax + NLLLoss pair written as gglab's cross_entropy on the logits (the same
    loss). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "gh_skorch-dev_skorch_722",
  description =
    "skorch MNIST MLP 64-98-10, relu, dropout 0.5, SGD lr 0.1, batch 128, 20 epochs, digits in [0, 1]",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local digits = assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" })
    local train, val = digits:split(0.2, { seed = run.seed })
    local model = gg.nn.sequential {
      gg.nn.linear(64, 98), gg.nn.relu(), gg.nn.dropout(0.5), gg.nn.linear(98, 10),
    }
    gg.train { model = model, optimizer = gg.optim.sgd(model, { lr = 0.1 }), data = train, val = val,
      loss = "cross_entropy", batch_size = 128, epochs = 20, log = run }
  end,
}
