--[[ tests/doctor/external6/pml_adaline_eta01.lua — external case (broken):
  Machine Learning with PyTorch and Scikit-Learn ch. 2: Adaline by full-batch gradient descent, eta 0.1

  Source: https://github.com/rasbt/machine-learning-book/blob/35ab377/ch02/ch02.ipynb
    https://www.packtpub.com/product/machine-learning-with-pytorch-and-scikit-learn/9781801819312
    (chapter 2, "Adaptive linear neurons and the convergence of learning")
  Setup: the first 100 iris rows, X = sepal length and petal length in cm (raw), y = 0 (setosa) / 1
    (versicolor); AdalineGD(n_iter=15, eta=0.1, random_state=1): w = N(0, 0.01) draws, b = 0; per
    epoch: output = X w + b; errors = y - output; w += eta * 2.0 * X.T.dot(errors) / n; b += eta * 2.0 *
    errors.mean(); losses_ += mean(errors**2).
  Observed by the source: the notebook plots np.log10(ada1.losses_) under the title "Adaline - Learning
    rate 0.1"; the repository's figure ch02/figures/02_11.png (the book's plot of this cell) shows
    log10(MSE) rising in a straight line from about -0.4 at epoch 1 to 23.2 at epoch 15 (x ~45 an epoch),
    beside the eta = 0.0001 run, whose MSE falls slowly (0.435 -> 0.382).
  Accepted cause: the notebook shows next the book's figure 02_12 (left: small steps from the "Initial
    weight" down the "Gradient" to the "Global loss minimum"; right: steps too large that overshoot the
    minimum and climb the other side), then the section "Improving gradient descent through feature
    scaling", whose standardised features train with eta = 0.5 (pml_adaline_std): the learning rate is
    too large for these unscaled features. (The book's text is not in the stored corpora.)
  Changes to express it: w, b = gg.nn.linear(2, 1) with weights N(0, 0.01) from the run's seed (numpy's
    RandomState(1) is not reproduced) and bias 0; gglab's "mse" on one batch of the 100 rows has the
    notebook's gradient (2 X^T (Xw + b - y) / n), so SGD lr = eta = 0.1; 15 epochs as the notebook. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books2.lua")

return gg.experiment {
  name = "pml_adaline_eta01",
  description = "Adaline (linear unit, mse) on raw iris sepal/petal length, "
    .. "full-batch GD eta 0.1, 15 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local model = gg.nn.sequential {
      gg.nn.linear(2, 1, { init = "normal", std = 0.01, bias_init = "zeros" }) }
    gg.train { model = model, data = B.adaline_iris(false), optimizer = gg.optim.sgd(model, { lr = 0.1 }),
      loss = "mse", batch_size = 100, epochs = 15, shuffle = false, log = run }
  end,
}
