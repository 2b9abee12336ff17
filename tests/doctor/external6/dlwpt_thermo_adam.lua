--[[ tests/doctor/external6/dlwpt_thermo_adam.lua — external case (healthy):
  Deep Learning with PyTorch ch. 5: the thermometer's linear fit on the raw t_u with Adam lr 1e-1

  Source:
    https://github.com/deep-learning-with-pytorch/dlwpt-code/blob/d6c0210/p1ch5/3_optimizers.ipynb
    https://www.manning.com/books/deep-learning-with-pytorch (chapter 5, "The mechanics of learning",
    5.5.2 "Optimizers a la carte", "Testing other optimizers")
  Setup: t_c and t_u as in dlwpt_thermo_lr1e2 (raw readings, not normalised); params =
    torch.tensor([1.0, 0.0], requires_grad=True); optimizer = optim.Adam([params], lr=1e-1);
    training_loop(n_epochs = 2000, ...): zero_grad, loss.backward(), optimizer.step() on all 11 readings.
  Observed by the source: "Epoch 500, Loss 7.612903", "Epoch 1000, Loss 3.086700", "Epoch 1500, Loss
    2.928578", "Epoch 2000, Loss 2.927646"; params [0.5367, -17.3021].
  Accepted cause: none — the book's second remedy for the raw input's problem (dlwpt_thermo_lr1e4: "We
    could obviate this issue by making learning_rate adaptive"): "... we can go back to using
    the original (non-normalized) input t_u, and even increase the learning rate
    to 1e-1, and Adam won't even blink".
  Changes to express it: w, b = gg.nn.linear(1, 1) starting at weight 1, bias 0; gg.optim.adam (torch's
    defaults betas 0.9, 0.999, eps 1e-8) with lr 1e-1; gglab's "mse" on the 11 readings. The program has no
    randomness: the 10 seeds are 10 identical runs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books2.lua")

return gg.experiment {
  name = "dlwpt_thermo_adam",
  description = "healthy: w * t_u + b on the raw readings, "
    .. "full-batch Adam lr 1e-1, 2000 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local model = B.line()
    gg.train { model = model, data = B.thermo(1), optimizer = gg.optim.adam(model, { lr = 1e-1 }),
      loss = "mse", batch_size = 11, epochs = 2000, shuffle = false, log = run }
  end,
}
