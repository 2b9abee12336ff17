--[[ tests/doctor/external4/nndl_large_init_fixed.lua — external case (healthy):
  Nielsen's 784-30-10 sigmoid net, cross-entropy, L2 5.0, eta 0.1, the default N(0, 1/sqrt(n_in)) init

  Source: https://github.com/mnielsen/neural-networks-and-deep-learning (the book's program
    fig/weight_initialization.py at commit 72db53d)
    http://neuralnetworksanddeeplearning.com/chap3.html (chapter 3, "Weight initialization")
  Setup: the book's program fig/weight_initialization.py with n = 30, eta = 0.1 (its stored result
    fig/weight_initialization_30.json): network2.Network([784, 30, 10], cost=CrossEntropyCost);
    net.SGD(training_data, 30, 10, eta, lmbda=5.0, evaluation_data=validation_data) once with the
    default initialisation and once after net.large_weight_initializer() (weights N(0, 1)); biases
    N(0, 1) in both; mini-batch 10, 30 epochs on the 50,000 MNIST training images. This case: the
    default initialisation.
  Observed by the source: the book's stored run (fig/weight_initialization_30.json): validation
    accuracy 9270, 9414, 9470, 9504, 9537, 9550 / 10000 after the first epochs, 9650 after 30.
  Accepted cause: none — the book's remedy for nndl_large_init (weights N(0, 1/sqrt(n_in)), network2's
    default_weight_initializer), a program with no fault.
  Changes to express it: MNIST -> the 1797 8x8 digits / 16 (a 64-30-10 net), shuffled with the run's
    seed, 1437 training and 360 evaluation rows; the cross-entropy summed over the 10 outputs ->
    gglab's bce (mean over the outputs) with lr 1.0 = 10 x eta (the same update); lambda / n = 5 / 50000
    kept (SGD weight_decay 1e-5; it also decays the biases). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books.lua")

return gg.experiment {
  name = "nndl_large_init_fixed",
  description =
    "healthy: 64-30-10 sigmoid, N(0, 1/sqrt(n_in)) init, cross-entropy, L2, SGD eta 0.1, batch 10, 30 ep.",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, eval = B.digits(run.seed, 1437)
    local model = B.network2({ 64, 30, 10 }, "default")
    B.sgd(run, model, train, eval, { eta = 0.1, lmbda = 5.0 * train:n() / 50000, epochs = 30 })
  end,
}
