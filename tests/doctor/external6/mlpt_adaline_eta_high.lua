--[[ tests/doctor/external6/mlpt_adaline_eta_high.lua — external case (broken):
  Machine Learning with PyTorch and Scikit-Learn ch. 2, Adaline by full-batch gradient descent, eta 0.1

  Source: https://github.com/rasbt/machine-learning-book/blob/35ab3774/ch02/ch02.py
    https://www.packtpub.com/product/machine-learning-with-pytorch-and-scikit-learn/9781801819312
    (chapter 2, "Adaptive linear neurons and the convergence of learning")
  Setup: the first 100 iris rows (setosa -> 0, versicolor -> 1), features sepal length and petal length
    unscaled (cm); AdalineGD: w ~ N(0, 0.01), b = 0; per epoch output = X w + b, errors = y - output,
    w += eta * 2 X^T errors / n, b += eta * 2 mean(errors), loss = mean(errors^2);
    AdalineGD(n_iter=15, eta=0.1).fit(X, y), the left panel of the figure ("log(Mean squared error)").
  Observed by the source: the book: "The left chart shows what could happen if we choose a learning rate
    that is too large. Instead of minimizing the loss function, the MSE becomes larger in every epoch".
  Accepted cause: the book's: "a learning rate that is too large ... because we overshoot the global
    minimum"; the next section, "Improving gradient descent through feature scaling", standardises the
    two features ("This normalization procedure helps gradient descent learning to converge more
    quickly") and then trains with eta = 0.5 (mlpt_adaline_eta_high_fixed).
  Changes to express it: one gglab linear(2, 1) (w ~ N(0, 0.01), bias 0); gglab's "mse" over the full
    batch has the book's gradient 2/n X^T (output - y), so SGD lr = eta, batch = the 100 rows, no
    shuffling, 15 epochs; the weights are drawn from the run's seed (the book's random_state=1 is not
    reproduced); the iris rows are scikit-learn's copy (experiments/data/iris.csv), which differs from
    the book's UCI file in one setosa petal length (row 38: 1.4 for 1.5). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "mlpt_adaline_eta_high",
  description = "Adaline on 100 iris rows, unscaled sepal/petal length, full-batch GD eta 0.1, 15 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = R.iris_adaline(false)
    local model = R.adaline()
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.1 }), loss = "mse",
      batch_size = data:n(), epochs = 15, shuffle = false, log = run }
  end,
}
