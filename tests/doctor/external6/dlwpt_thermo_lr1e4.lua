--[[ tests/doctor/external6/dlwpt_thermo_lr1e4.lua — external case (broken):
  Deep Learning with PyTorch ch. 5: the thermometer's linear fit, raw readings, gradient descent lr 1e-4

  Source:
    https://github.com/deep-learning-with-pytorch/dlwpt-code/blob/d6c0210/p1ch5/1_parameter_estimation.ipynb
    https://www.manning.com/books/deep-learning-with-pytorch (chapter 5, "The mechanics of learning",
    5.4.3 "Iterating to fit the model" and 5.4.4 "Normalizing inputs")
  Setup: t_c and t_u as in dlwpt_thermo_lr1e2 (11 readings, t_u 21.8-81.9); model = w * t_u + b; loss =
    mean of the squared differences; training_loop(n_epochs = 100, learning_rate = 1e-4, params =
    torch.tensor([1.0, 0.0]), t_u = t_u, t_c = t_c).
  Observed by the source: the notebook's output: "Epoch 1, Loss 1763.884644", "Epoch 2, Loss 323.090546",
    "Epoch 3, Loss 78.929634", ..., "Epoch 10, Loss 29.105242", ..., "Epoch 100, Loss 29.022669"; at
    epoch 100 the grad is [-0.0532, 3.0226] (w barely moves, b creeps: -0.0438); the same model reaches
    2.927648 on normalised input (the book's 5000-epoch run).
  Accepted cause: the book: "Nice—the behavior is now stable. But there's another problem: the updates to
    parameters are very small, so the loss decreases very slowly and eventually stalls. We could obviate
    this issue by making learning_rate adaptive ... However, there's another potential troublemaker in
    the update term: the gradient itself. ... 5.4.4 Normalizing inputs: We can see that the first-epoch
    gradient for the weight is about 50 times larger than the gradient for the bias. This means the weight
    and bias live in differently scaled spaces. If this is the case, a learning rate that's large enough
    to meaningfully update one will be so large as to be unstable for the other; and a rate that's
    appropriate for the other won't be large enough to meaningfully change the first." Its fixes: t_un =
    0.1 * t_u with lr 1e-2 (dlwpt_thermo_norm) and, in 5.5.2, Adam on the raw t_u (dlwpt_thermo_adam).
  Changes to express it: none of substance (as dlwpt_thermo_lr1e2, SGD lr = 1e-4). The program has no
    randomness: the 10 seeds are 10 identical runs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books2.lua")

return gg.experiment {
  name = "dlwpt_thermo_lr1e4",
  description = "w * t_u + b on the 11 raw thermometer readings, full-batch gradient descent lr 1e-4, "
    .. "100 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local model = B.line()
    gg.train { model = model, data = B.thermo(1), optimizer = gg.optim.sgd(model, { lr = 1e-4 }),
      loss = "mse", batch_size = 11, epochs = 100, shuffle = false, log = run }
  end,
}
