--[[ tests/doctor/external5/skl_mnist_filters.lua — external case (broken):
  scikit-learn's "Visualization of MLP weights on MNIST": MLPClassifier stopped after max_iter=10 epochs

  Source:
    https://github.com/scikit-learn/scikit-learn/blob/0c81ae9/examples/neural_networks/plot_mnist_filters.py
    (page: https://scikit-learn.org/stable/auto_examples/neural_networks/plot_mnist_filters.html)
  Setup: MNIST (784 pixels / 255), the traditional split (first 60000 rows train, last 10000 test);
    MLPClassifier(hidden_layer_sizes=(50,), max_iter=10, alpha=1e-4, solver='sgd', random_state=1,
    learning_rate_init=.1): relu, softmax output, log-loss, SGD momentum 0.9 (Nesterov), constant lr,
    batch_size min(200, n), shuffled every epoch.
  Observed by the source: "The example will throw a warning because it doesn't converge" (sklearn's
    ConvergenceWarning: maximum iterations reached and the optimization hasn't converged yet).
  Accepted cause: "To make the example run faster, we use very few hidden units, and train only for a very
    short time. Training longer would result in weights with a much smoother spatial appearance" —
    training stops before convergence (too few epochs for the learning rate).
  Changes to express it: MNIST is replaced by gglab's 8x8 digits (1797 rows, pixels / 16), split as the
    source splits MNIST: the first 6/7 of the rows (1540) train, the rest (257) test, used as validation
    data for the curves (MLPClassifier has none); sklearn's initialisation (weights and biases
    U(±sqrt(6/(fan_in+fan_out)))) from ./_docs.lua; the penalty 0.5*alpha*||W||^2 / batch_size as gg.train's
    l2 = 2.5e-7 (biases included: negligible either way); torch's Nesterov SGD is sklearn's update written
    with the buffer divided by -lr (the same steps for a constant lr); the training accuracy at the end
    is a run summary. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local D = dofile(HERE .. "/_docs.lua")

return gg.experiment {
  name = "skl_mnist_filters",
  description = "digits / 16, MLPClassifier((50,), sgd lr 0.1 momentum 0.9 nesterov, batch 200), max_iter 10",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local all = assert(gg.data.csv(HERE .. "/../../../experiments/data/digits.csv",
      { target = "target", classify = true }))
    all = all:scale_features { factor = 1 / 16 }
    local n_train = math.floor(all:n() * 6 / 7)
    local train, test = all:subset(1, n_train), all:subset(n_train + 1, all:n())
    local model = D.sklearn_mlp({ 64, 50, 10 }, "relu")
    local opt = gg.optim.sgd(model, { lr = 0.1, momentum = 0.9, nesterov = true })
    gg.train { model = model, optimizer = opt, data = train, val = test, loss = "cross_entropy",
      batch_size = 200, epochs = 10, l2 = 0.5 * 1e-4 / 200, log = run }
    run:summary { train_acc = gg.accuracy(model, train), test_acc = gg.accuracy(model, test) }
  end,
}
