--[[ tests/doctor/external6/mlpt_adaline_sgd.lua — external case (healthy):
  Machine Learning with PyTorch and Scikit-Learn ch. 2, Adaline by stochastic gradient descent (AdalineSGD)

  Source: https://github.com/rasbt/machine-learning-book/blob/35ab3774/ch02/ch02.py
    https://www.packtpub.com/product/machine-learning-with-pytorch-and-scikit-learn/9781801819312
    (chapter 2, "Large-scale machine learning and stochastic gradient descent")
  Setup: the first 100 iris rows (setosa -> 0, versicolor -> 1), sepal length and petal length
    standardised (X_std); AdalineSGD(n_iter=15, eta=0.01, random_state=1): w ~ N(0, 0.01), b = 0, the
    rows reshuffled every epoch, one update per row: error = y - output, w += eta * 2 x error,
    b += eta * 2 error; the epoch's loss is the mean of the rows' squared errors.
  Observed by the source: the figure of the average loss per epoch; the book: "The average loss goes
    down pretty quickly, and the final decision boundary after 15 epochs looks similar to the batch
    gradient descent Adaline".
  Accepted cause: none, the book's working program.
  Changes to express it: one gglab linear(2, 1) (w ~ N(0, 0.01), bias 0); gglab's "mse" on one row has
    the gradient 2 x (output - y), so SGD lr = eta = 0.01 with batch size 1, reshuffled every epoch, 15
    epochs; the weights and the order are drawn from the run's seed (random_state=1 is not reproduced);
    the iris rows are scikit-learn's copy (one setosa petal length differs from the book's UCI file). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local R = dofile(HERE .. "/_raschka.lua")

return gg.experiment {
  name = "mlpt_adaline_sgd",
  description = "Adaline on 100 iris rows, standardised sepal/petal length, per-row SGD eta 0.01, 15 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = R.iris_adaline(true)
    local model = R.adaline()
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.01 }), loss = "mse",
      batch_size = 1, epochs = 15, shuffle = true, log = run }
  end,
}
