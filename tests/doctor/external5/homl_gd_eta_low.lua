--[[ tests/doctor/external5/homl_gd_eta_low.lua — external case (broken):
  Hands-On ML ch. 4, batch gradient descent on a linear regression with eta = 0.02 (Figure 4-8, left)

  Source: https://github.com/ageron/handson-ml3/blob/e3f3f9e6/04_training_linear_models.ipynb
    https://www.oreilly.com/library/view/hands-on-machine-learning/9781098125967/ (chapter 4, "Batch
    Gradient Descent")
  Setup: the notebook's data: np.random.seed(42); m = 100; X = 2 * np.random.rand(m, 1); y = 4 + 3 * X
    + np.random.randn(m, 1); X_b = add_dummy_feature(X); theta = np.random.randn(2, 1); for each epoch:
    gradients = 2 / m * X_b.T @ (X_b @ theta - y); theta = theta - eta * gradients. The cell that draws
    Figure 4-8 (plot_gradient_descent) runs it with eta = 0.02, 0.1 and 0.5 from the same starting
    theta and draws the first n_shown = 20 epochs.
  Observed by the source: the book: "The following figure shows the first 20 steps of gradient descent
    using three different learning rates" ... "On the left, the learning rate is too low: the algorithm
    will eventually reach the solution, but it will take a long time."
  Accepted cause: the book's, for eta = 0.02: "the learning rate is too low"; its middle panel, eta =
    0.1, "looks pretty good: in just a few epochs, it has already converged to the solution" (the
    notebook's main program uses eta = 0.1).
  Changes to express it: theta = (bias, weight) of one gglab linear(1, 1) drawn N(0, 1) (as
    np.random.randn); the data and the start are drawn from the run's seed (numpy's seed 42 is not
    reproduced); gglab's "mse" over the full batch has the notebook's gradient 2/m X_b^T (X_b theta - y),
    so SGD lr = eta; 20 epochs = the 20 steps the figure shows and the book's text describes (the
    plotting function goes on to 1000 epochs, which the figure does not show). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local H = dofile(HERE .. "/_handson.lua")

return gg.experiment {
  name = "homl_gd_eta_low",
  description = "linear regression y = 4 + 3x + noise, full-batch gradient descent eta 0.02, 20 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = H.linear_data(run.seed)
    local model = gg.nn.sequential { gg.nn.linear(1, 1, { init = "normal", std = 1, bias_init = "normal" }) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.02 }), loss = "mse",
      batch_size = data:n(), epochs = 20, shuffle = false, log = run }
  end,
}
