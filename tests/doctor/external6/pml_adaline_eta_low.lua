--[[ tests/doctor/external6/pml_adaline_eta_low.lua — external case (broken):
  Python Machine Learning 3rd ed. ch. 2, Adaline by full-batch gradient descent, eta 0.0001

  Source: https://github.com/rasbt/python-machine-learning-book-3rd-edition/blob/bf62496f/ch02/ch02.py
    https://www.packtpub.com/product/python-machine-learning-third-edition/9781789955750 (chapter 2,
    "Adaptive linear neurons and the convergence of learning")
  Setup: the first 100 iris rows (setosa -> -1, versicolor -> 1), features sepal length and petal length
    unscaled (cm); AdalineGD: w_ = (bias, w1, w2) ~ N(0, 0.01); per epoch output = X w + b, errors =
    y - output, w += eta X^T errors, b += eta sum(errors), cost = sum(errors^2) / 2;
    AdalineGD(n_iter=10, eta=0.0001).fit(X, y), the right panel ("Sum-squared-error").
  Observed by the source: the book: "we can see that the cost decreases on the right plot, but the
    chosen learning rate, eta = 0.0001, is so small that the algorithm would require a very large
    number of epochs to converge to the global cost minimum."
  Accepted cause: the book's: the learning rate is "so small"; its next section, "Improving
    gradient descent through feature scaling", standardises the two features and trains with the same
    eta = 0.01 for 15 epochs (pml_adaline_eta_high_fixed).
  Changes to express it: one gglab linear(2, 1), weight and bias ~ N(0, 0.01); the loss is the book's
    cost, a custom loss sum((output - y)^2) / 2 over the full batch, whose gradient X^T (output - y) is
    the book's, so SGD lr = eta; batch = the 100 rows, no shuffling, 10 epochs; the weights are drawn
    from the run's seed (random_state=1 is not reproduced); the iris rows are scikit-learn's copy
    (experiments/data/iris.csv; one setosa petal length differs from the book's UCI file, row 38: 1.4
    for 1.5). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "pml_adaline_eta_low",
  description = "Adaline, 100 iris rows, unscaled, labels -1/1, SSE/2, full-batch GD eta 0.0001, 10 ep",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = R.iris_adaline(false, true)
    local model = R.adaline(0.01)
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.0001 }),
      loss = function(pred, target) return ((pred - target) ^ 2):sum() * 0.5 end,
      batch_size = data:n(), epochs = 10, shuffle = false, log = run }
  end,
}
