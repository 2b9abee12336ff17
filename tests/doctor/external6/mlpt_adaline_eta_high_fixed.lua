--[[ tests/doctor/external6/mlpt_adaline_eta_high_fixed.lua — external case (healthy):
  Machine Learning with PyTorch and Scikit-Learn ch. 2, Adaline by gradient descent on standardised features

  Source: https://github.com/rasbt/machine-learning-book/blob/35ab3774/ch02/ch02.py
    https://www.packtpub.com/product/machine-learning-with-pytorch-and-scikit-learn/9781801819312
    (chapter 2, "Improving gradient descent through feature scaling")
  Setup: the first 100 iris rows (setosa -> 0, versicolor -> 1), sepal length and petal length each
    standardised with its mean and std (X_std); AdalineGD as in mlpt_adaline_eta_high (w ~ N(0, 0.01),
    b = 0, w += eta * 2 X^T errors / n, loss = mean(errors^2)); AdalineGD(n_iter=20, eta=0.5).fit(X_std, y).
  Observed by the source: the book's figure of the decision regions and the loss per epoch after
    standardisation; the book: "Adaline has now converged after training on the standardized features.
    However, note that the MSE remains non-zero even though all flower examples were classified
    correctly."
  Accepted cause: none, the book's fix of the two failures before it (mlpt_adaline_eta_high, _eta_low):
    "Gradient descent is one of the many algorithms that benefit from feature scaling ... This
    normalization procedure helps gradient descent learning to converge more quickly".
  Changes to express it: one gglab linear(2, 1) (w ~ N(0, 0.01), bias 0); gglab's "mse" over the full
    batch has the book's gradient, so SGD lr = eta = 0.5, batch = the 100 rows, no shuffling, 20
    epochs; the weights are drawn from the run's seed; the iris rows are scikit-learn's copy (one setosa
    petal length differs from the book's UCI file, row 38: 1.4 for 1.5). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "mlpt_adaline_eta_high_fixed",
  description = "Adaline on 100 iris rows, standardised sepal/petal length, full-batch GD eta 0.5, 20 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = R.iris_adaline(true)
    local model = R.adaline()
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.5 }), loss = "mse",
      batch_size = data:n(), epochs = 20, shuffle = false, log = run }
  end,
}
