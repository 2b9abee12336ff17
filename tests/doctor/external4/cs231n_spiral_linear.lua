--[[ tests/doctor/external4/cs231n_spiral_linear.lua — external case (broken):
  a softmax linear classifier on CS231n's three-class spiral

  Source: https://github.com/cs231n/cs231n.github.io/blob/02a5dc648943/neural-networks-case-study.md
    (page: https://cs231n.github.io/neural-networks-case-study/, "Training a Softmax Linear Classifier")
  Setup: the spiral data (300 points, 3 classes, 2 features in [-1, 1], not preprocessed); scores = X W + b,
    W = 0.01 randn(2, 3), b = 0; softmax cross-entropy plus 0.5 reg sum(W^2), reg = 1e-3; full-batch gradient
    descent with step_size 1.0 for 200 iterations.
  Observed by the source: the loss goes 1.097 -> 0.786 and is flat from about iteration 150 ("We see that
    we've converged to something after about 190 iterations"); training accuracy 49 %.
  Accepted cause: "Not very good at all, but also not surprising given that the dataset is constructed so it
    is not linearly separable"; "Clearly, a linear classifier is inadequate for this dataset" ("Linear
    classifier fails to learn the toy spiral dataset"); the fix is one hidden layer (cs231n_spiral_net).
  Changes to express it: gglab's generator for the angle noise (a new spiral per seed, as the source's
    unseeded np.random); the penalty 0.5 reg sum(W^2) as gg.train's l2 = 5e-4 (which also covers b); the
    training accuracy is a run summary (train_acc). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local T = dofile(HERE .. "/_tutorials.lua")

return gg.experiment {
  name = "cs231n_spiral_linear",
  description = "softmax linear classifier on the 3-class spiral, GD step 1.0, reg 1e-3, 200 iterations",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = T.spiral(gg.rng(run.seed))
    local init = { init = "normal", std = 0.01, bias_init = "zeros" }
    local model = gg.nn.sequential { gg.nn.linear(2, 3, init) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 1.0 }),
      loss = "cross_entropy", l2 = 5e-4, batch_size = 300, epochs = 200, log = run }
    run:summary { train_acc = T.train_acc(model, data) }
  end,
}
