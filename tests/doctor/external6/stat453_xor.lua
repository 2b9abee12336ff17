--[[ tests/doctor/external6/stat453_xor.lua — external case (broken):
  STAT 453 (Raschka, spring 2021) L09 "Solving the XOR Problem": an MLP with linear activations

  Source: https://github.com/rasbt/stat453-deep-learning-ss21/blob/2202699c/L09/code/xor-problem.ipynb
    http://pages.stat.wisc.edu/~sraschka/teaching/stat453-ss2021/ (lecture 9, multilayer perceptrons)
  Setup: xor.csv of the lecture (750 points x1, x2 in four clusters, class label 0/1 by XOR);
    "Multilayer Perceptron with Linear Activations": Linear(2, 50) -> Linear(50, 2) (the F.relu between
    them commented out), PyTorch's default init, torch.manual_seed(123); F.cross_entropy on the logits
    of all 750 points at once, SGD(lr=0.1), 25 epochs (one full-batch step each).
  Observed by the source: the notebook's log: cost 0.7075 at epoch 1, 0.6929 at epoch 5, 0.6927 from
    epoch 11 to 25; the decision-region plot that follows shows one straight boundary.
  Accepted cause: the notebook's contrast: the same program as "Multilayer Perceptron with Non-Linear
    Activations (Here: ReLU)" (out = F.relu(out) between the two layers, stat453_xor_fixed) falls
    to cost 0.3594 in the same 25 epochs; without the non-linearity the two layers are one linear map,
    which cannot separate XOR.
  Changes to express it: gglab linear layers with their default init (PyTorch's), the weights drawn
    from the run's seed (torch.manual_seed(123) is not reproduced); cross_entropy on the logits (the
    notebook's softmax is only for its plot); batch = the 750 rows, no shuffling; the data file is the
    lecture's xor.csv copied to data/stat453_xor.csv. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "stat453_xor",
  description = "XOR (750 points), Linear(2,50) -> Linear(50,2), no activation, full-batch SGD 0.1, 25 ep",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = R.xor()
    local model = gg.nn.sequential { gg.nn.linear(2, 50), gg.nn.linear(50, 2) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.1 }),
      loss = "cross_entropy", batch_size = data:n(), epochs = 25, shuffle = false, log = run }
  end,
}
