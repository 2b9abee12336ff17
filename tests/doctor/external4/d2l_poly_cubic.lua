--[[ tests/doctor/external4/d2l_poly_cubic.lua — external case (healthy):
  Dive into Deep Learning 4.4, polynomial regression: the third-order model fit to the cubic, 400 epochs

  Source: https://github.com/d2l-ai/d2l-en/blob/0f920da8/chapter_multilayer-perceptrons/underfit-overfit.md
    https://d2l.ai/chapter_multilayer-perceptrons/underfit-overfit.html (v0.17.6, 4.4.4)
  Setup: the book's PyTorch code: max_degree = 20; n_train, n_test = 100, 100; true_w[0:4] = [5, 1.2,
    -3.4, 5.6]; features = np.random.normal(size=(200, 1)); poly_features = features^i / gamma(i + 1)
    for i = 0 .. 19; labels = poly_features . true_w + np.random.normal(scale=0.1); train(...):
    nn.Sequential(nn.Linear(d, 1, bias=False)) (PyTorch's default U(+-1/sqrt(d)) init), nn.MSELoss,
    torch.optim.SGD(lr=0.01), batch_size = min(10, n_train) (shuffled), the test loss on the other 100
    rows.
    This run: train(poly_features[:n_train, :4], poly_features[n_train:, :4], labels[:n_train],
    labels[n_train:]) — "Pick the first four dimensions", num_epochs = 400.
  Observed by the source: "The results show that this model's training and test losses can be both
    effectively reduced. The learned model parameters are also close to the true values w = [5, 1.2,
    -3.4, 5.6]."
  Accepted cause: none — the book's "Third-Order Polynomial Function Fitting (Normal)", the model of the
    data's own order (the reference for d2l_poly_underfit and d2l_poly_overfit).
  Changes to express it: the data are drawn from the run's seed (the book draws new ones each run,
    np.random unseeded); gglab's mse is nn.MSELoss's mean (the same loss and lr). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books.lua")

return gg.experiment {
  name = "d2l_poly_cubic",
  description =
    "healthy: linear model on 4 polynomial features of a cubic, 100 rows, SGD lr 0.01, batch 10, 400 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = B.poly(run.seed, 4)
    local model = gg.nn.sequential { gg.nn.linear(4, 1, { bias = false }) }
    gg.train { model = model, optimizer = gg.optim.sgd(model, { lr = 0.01 }), data = train, val = test,
      loss = "mse", batch_size = 10, epochs = 400, shuffle = true, log = run, log_every = 10 }
  end,
}
