--[[ tests/doctor/external6/pml_adaline_std.lua — external case (healthy):
  Machine Learning with PyTorch and Scikit-Learn ch. 2: Adaline on standardised features, eta 0.5

  Source: https://github.com/rasbt/machine-learning-book/blob/35ab377/ch02/ch02.ipynb
    https://www.packtpub.com/product/machine-learning-with-pytorch-and-scikit-learn/9781801819312
    (chapter 2, "Improving gradient descent through feature scaling")
  Setup: the data of pml_adaline_eta01 with X_std[:, j] = (X[:, j] - X[:, j].mean()) / X[:, j].std();
    ada_gd = AdalineGD(n_iter=20, eta=0.5); ada_gd.fit(X_std, y) (the updates of pml_adaline_eta01).
  Observed by the source: the notebook plots the decision regions ("Adaline - Gradient descent") and the
    losses per epoch under "Mean squared error" (images only): the loss falls to a low plateau within the
    20 epochs and the two classes are separated.
  Accepted cause: none — the section "Improving gradient descent through feature scaling": with the
    features standardised, full-batch gradient descent with eta = 0.5 converges (the fix of
    pml_adaline_eta01's too-large step on raw features). (The book's text is not in the stored corpora.)
  Changes to express it: as pml_adaline_eta01 (weights N(0, 0.01) from the run's seed, bias 0, "mse" on
    one batch of 100, SGD lr = eta = 0.5), the two columns standardised with numpy's std (ddof 0), 20
    epochs as the notebook. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books2.lua")

return gg.experiment {
  name = "pml_adaline_std",
  description = "healthy: Adaline on standardised iris sepal/petal length, "
    .. "full-batch GD eta 0.5, 20 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local model = gg.nn.sequential {
      gg.nn.linear(2, 1, { init = "normal", std = 0.01, bias_init = "zeros" }) }
    gg.train { model = model, data = B.adaline_iris(true), optimizer = gg.optim.sgd(model, { lr = 0.5 }),
      loss = "mse", batch_size = 100, epochs = 20, shuffle = false, log = run }
  end,
}
