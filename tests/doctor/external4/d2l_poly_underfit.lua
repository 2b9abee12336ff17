--[[ tests/doctor/external4/d2l_poly_underfit.lua — external case (broken):
  Dive into Deep Learning 4.4, polynomial regression: the linear model (1, x) fit to a cubic, 400 epochs

  Source: https://github.com/d2l-ai/d2l-en/blob/0f920da8/chapter_multilayer-perceptrons/underfit-overfit.md
    https://d2l.ai/chapter_multilayer-perceptrons/underfit-overfit.html (v0.17.6, 4.4.4)
  Setup: the book's PyTorch code: max_degree = 20; n_train, n_test = 100, 100; true_w[0:4] = [5, 1.2,
    -3.4, 5.6]; features = np.random.normal(size=(200, 1)); poly_features = features^i / gamma(i + 1)
    for i = 0 .. 19; labels = poly_features . true_w + np.random.normal(scale=0.1); train(...):
    nn.Sequential(nn.Linear(d, 1, bias=False)) (PyTorch's default U(+-1/sqrt(d)) init), nn.MSELoss,
    torch.optim.SGD(lr=0.01), batch_size = min(10, n_train) (shuffled), the test loss on the other 100
    rows.
    This run: train(poly_features[:n_train, :2], poly_features[n_train:, :2], labels[:n_train],
    labels[n_train:]) — "Pick the first two dimensions, i.e., 1, x", num_epochs = 400.
  Observed by the source: "After the decline in early epochs, it becomes difficult to further decrease
    this model's training loss. After the last epoch iteration has been completed, the training loss is
    still high."
  Accepted cause: the book's, under "Linear Function Fitting (Underfitting)": "When used to fit nonlinear
    patterns (like the third-order polynomial function here) linear models are liable to underfit."
  Changes to express it: the data are drawn from the run's seed (the book draws new ones each run,
    np.random unseeded); gglab's mse is nn.MSELoss's mean (the same loss and lr). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books.lua")

return gg.experiment {
  name = "d2l_poly_underfit",
  description =
    "linear model on 2 polynomial features of a cubic, 100 rows, SGD lr 0.01, batch 10, 400 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = B.poly(run.seed, 2)
    local model = gg.nn.sequential { gg.nn.linear(2, 1, { bias = false }) }
    gg.train { model = model, optimizer = gg.optim.sgd(model, { lr = 0.01 }), data = train, val = test,
      loss = "mse", batch_size = 10, epochs = 400, shuffle = true, log = run, log_every = 10 }
  end,
}
