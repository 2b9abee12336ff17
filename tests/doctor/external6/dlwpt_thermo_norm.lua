--[[ tests/doctor/external6/dlwpt_thermo_norm.lua — external case (healthy):
  Deep Learning with PyTorch ch. 5: the thermometer's linear fit on t_un = 0.1 * t_u, lr 1e-2, 5000 epochs

  Source:
    https://github.com/deep-learning-with-pytorch/dlwpt-code/blob/d6c0210/p1ch5/1_parameter_estimation.ipynb
    https://www.manning.com/books/deep-learning-with-pytorch (chapter 5, "The mechanics of learning",
    5.4.4 "Normalizing inputs")
  Setup: t_c and t_u as in dlwpt_thermo_lr1e2; t_un = 0.1 * t_u; model = w * t_un + b; loss = mean of the
    squared differences; params = training_loop(n_epochs = 5000, learning_rate = 1e-2, params =
    torch.tensor([1.0, 0.0]), t_u = t_un, t_c = t_c, print_params = False).
  Observed by the source: "Epoch 1, Loss 80.364342", "Epoch 2, Loss 37.574917", ..., "Epoch 100, Loss
    22.148710", ..., "Epoch 4000, Loss 2.927680", "Epoch 5000, Loss 2.927648"; params [5.3671, -17.3012].
  Accepted cause: none — the book's fix of dlwpt_thermo_lr1e2 / dlwpt_thermo_lr1e4: "Good: our loss
    decreases while we change parameters along the direction of gradient descent. It doesn't go exactly
    to zero; this could mean there aren't enough iterations to converge to zero, or that the data points
    don't sit exactly on a line. As we anticipated, our measurements were not perfectly accurate, or there
    was noise involved in the reading." (w, b near the exact 5.5556, -17.7778 of Fahrenheit to Celsius.)
  Changes to express it: none of substance (as dlwpt_thermo_lr1e2, the input 0.1 * t_u, SGD lr = 1e-2,
    5000 epochs). The program has no randomness: the 10 seeds are 10 identical runs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books2.lua")

return gg.experiment {
  name = "dlwpt_thermo_norm",
  description = "healthy: w * t_un + b (t_un = 0.1 * t_u), "
    .. "full-batch gradient descent lr 1e-2, 5000 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local model = B.line()
    gg.train { model = model, data = B.thermo(0.1), optimizer = gg.optim.sgd(model, { lr = 1e-2 }),
      loss = "mse", batch_size = 11, epochs = 5000, shuffle = false, log = run }
  end,
}
