--[[ tests/doctor/external6/dlwpt_thermo_split.lua — external case (healthy):
  Deep Learning with PyTorch ch. 5: the thermometer fit with 9 training and 2 validation readings

  Source:
    https://github.com/deep-learning-with-pytorch/dlwpt-code/blob/d6c0210/p1ch5/3_optimizers.ipynb
    https://www.manning.com/books/deep-learning-with-pytorch (chapter 5, "The mechanics of learning",
    5.5.3 "Training, validation, and overfitting")
  Setup: t_c and t_u as in dlwpt_thermo_lr1e2; n_val = int(0.2 * 11) = 2; shuffled_indices =
    torch.randperm(11); the last 2 validate, the other 9 train; inputs 0.1 * t_u; params =
    torch.tensor([1.0, 0.0]); optim.SGD([params], lr=1e-2); training_loop(n_epochs = 3000, ...): one
    full-batch step on the 9 training readings per epoch, the validation loss computed each epoch.
  Observed by the source: "Epoch 1, Training loss 66.5811, Validation loss 142.3890", ..., "Epoch 1000,
    Training loss 3.5940, Validation loss 5.3110", ..., "Epoch 3000, Training loss 3.0125, Validation loss
    3.5756" (the notebook's permutation: validation readings 2 and 10, 0-based).
  Accepted cause: none — the book: "The validation set is really small, so the validation loss will only
    be meaningful up to a point. In any case, we note that the validation loss is higher than our training
    loss, although not by an order of magnitude. ... as long as the validation loss stays reasonably close
    to the training loss, we know that our model is continuing to learn generalized things about our
    data." (its figure 5.14 calls this case, D, acceptable).
  Changes to express it: the permutation is drawn from the run's seed (gg.rng) instead of torch.randperm,
    so each seed validates on a different pair of readings; otherwise as dlwpt_thermo_norm (SGD lr 1e-2 on
    0.1 * t_u from weight 1, bias 0), 3000 epochs, the 2 readings as gg.train's val. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books2.lua")

return gg.experiment {
  name = "dlwpt_thermo_split",
  description = "healthy: w * t_un + b on 9 of the 11 readings (2 validate), "
    .. "SGD lr 1e-2, 3000 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = B.thermo_split(run.seed, 0.1)
    local model = B.line()
    gg.train { model = model, data = train, val = val, optimizer = gg.optim.sgd(model, { lr = 1e-2 }),
      loss = "mse", batch_size = 9, epochs = 3000, shuffle = false, log = run }
  end,
}
