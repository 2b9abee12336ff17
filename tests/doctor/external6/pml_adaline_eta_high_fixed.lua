--[[ tests/doctor/external6/pml_adaline_eta_high_fixed.lua — external case (healthy):
  Python Machine Learning 3rd ed. ch. 2, Adaline by gradient descent on standardised features

  Source: https://github.com/rasbt/python-machine-learning-book-3rd-edition/blob/bf62496f/ch02/ch02.py
    https://www.packtpub.com/product/python-machine-learning-third-edition/9781789955750 (chapter 2,
    "Improving gradient descent through feature scaling")
  Setup: the first 100 iris rows (setosa -> -1, versicolor -> 1), sepal length and petal length each
    standardised with its mean and std (X_std); AdalineGD: w_ = (bias, w1, w2) ~ N(0, 0.01); per epoch
    output = X w + b, errors = y - output, w += eta X^T errors, b += eta sum(errors),
    cost = sum(errors^2) / 2;
    ada_gd = AdalineGD(n_iter=15, eta=0.01); ada_gd.fit(X_std, y).
  Observed by the source: the figure of the decision regions and the cost per epoch; the book: "As we
    can see in the plots, Adaline has now converged after training on the standardized features using a
    learning rate of eta = 0.01. However, note that the SSE remains non-zero even though all flower
    examples were classified correctly."
  Accepted cause: none, the book's fix of the two failures before it (pml_adaline_eta_high, _eta_low):
    feature scaling (standardisation).
  Changes to express it: one gglab linear(2, 1), weight and bias ~ N(0, 0.01); the loss is the book's
    cost, a custom loss sum((output - y)^2) / 2 over the full batch, whose gradient X^T (output - y) is
    the book's, so SGD lr = eta; batch = the 100 rows, no shuffling, 15 epochs; the weights are drawn
    from the run's seed (random_state=1 is not reproduced); the iris rows are scikit-learn's copy
    (experiments/data/iris.csv; one setosa petal length differs from the book's UCI file, row 38: 1.4
    for 1.5). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "pml_adaline_eta_high_fixed",
  description = "Adaline, 100 iris rows, standardised, labels -1/1, SSE/2, full-batch GD eta 0.01, 15 ep",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = R.iris_adaline(true, true)
    local model = R.adaline(0.01)
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.01 }),
      loss = function(pred, target) return ((pred - target) ^ 2):sum() * 0.5 end,
      batch_size = data:n(), epochs = 15, shuffle = false, log = run }
  end,
}
