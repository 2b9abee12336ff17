--[[ tests/doctor/external6/stat453_xor_fixed.lua — external case (healthy):
  STAT 453 (Raschka, spring 2021) L09 "Solving the XOR Problem": the MLP with a ReLU hidden layer

  Source: https://github.com/rasbt/stat453-deep-learning-ss21/blob/2202699c/L09/code/xor-problem.ipynb
    http://pages.stat.wisc.edu/~sraschka/teaching/stat453-ss2021/ (lecture 9, multilayer perceptrons)
  Setup: xor.csv of the lecture (750 points, class label 0/1 by XOR); "Multilayer Perceptron with
    Non-Linear Activations (Here: ReLU)": Linear(2, 50) -> ReLU -> Linear(50, 2), PyTorch's default
    init, torch.manual_seed(123); F.cross_entropy on the logits of all 750 points at once, SGD(lr=0.1),
    25 epochs (one full-batch step each).
  Observed by the source: the notebook's log: cost 0.7163 at epoch 1, 0.6210 at 5, 0.5193 at 11, 0.3971
    at 21, 0.3594 at 25; the decision-region plot that follows separates the four XOR clusters.
  Accepted cause: none, the lecture's working program (the fix of stat453_xor: the non-linear
    activation between the layers).
  Changes to express it: gglab linear layers with their default init (PyTorch's), the weights drawn
    from the run's seed (torch.manual_seed(123) is not reproduced); cross_entropy on the logits (the
    notebook's softmax is only for its plot); batch = the 750 rows, no shuffling; the data file is the
    lecture's xor.csv copied to data/stat453_xor.csv. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "stat453_xor_fixed",
  description = "XOR (750 points), Linear(2,50) -> ReLU -> Linear(50,2), full-batch SGD 0.1, 25 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = R.xor()
    local model = gg.nn.sequential { gg.nn.linear(2, 50), gg.nn.relu(), gg.nn.linear(50, 2) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.1 }),
      loss = "cross_entropy", batch_size = data:n(), epochs = 25, shuffle = false, log = run }
  end,
}
