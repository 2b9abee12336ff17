--[[ tests/doctor/external6/dlwpt_thermo_lr1e2.lua — external case (broken):
  Deep Learning with PyTorch ch. 5: the thermometer's linear fit, raw readings, gradient descent lr 1e-2

  Source:
    https://github.com/deep-learning-with-pytorch/dlwpt-code/blob/d6c0210/p1ch5/1_parameter_estimation.ipynb
    https://www.manning.com/books/deep-learning-with-pytorch (chapter 5, "The mechanics of learning",
    5.4.3 "Iterating to fit the model")
  Setup: t_c = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]; t_u = [35.7, 55.9, 58.2,
    81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]; model = w * t_u + b; loss = mean of the squared
    differences; training_loop(n_epochs = 100, learning_rate = 1e-2, params = torch.tensor([1.0, 0.0]),
    t_u = t_u, t_c = t_c): params = params - learning_rate * grad over all 11 readings each epoch.
  Observed by the source: the notebook's output: "Epoch 1, Loss 1763.884644", "Epoch 2, Loss
    5802485.500000", "Epoch 3, Loss 19408035840.000000", ..., "Epoch 11, Loss inf" (the loop breaks when
    the loss is not finite); the params swing in sign and grow (w -44.17, 2568.4, -148527.7, ...).
  Accepted cause: the book reruns the loop with learning_rate = 1e-4 and says "Nice—the behavior is now
    stable" (5.4.3; its own reading of the lr 1e-2 run is on a page the stored corpora lack); it adds
    (5.4.4 "Normalizing inputs") that "the first-epoch gradient for the weight is about 50 times larger
    than the gradient for the bias. This means the weight and bias live in differently scaled spaces. If
    this is the case, a learning rate that's large enough to meaningfully update one will be so large as
    to be unstable for the other", and fixes it with t_un = 0.1 * t_u.
  Changes to express it: none of substance: w, b = gg.nn.linear(1, 1) starting at weight 1, bias 0;
    gglab's "mse" on one batch of the 11 readings has the notebook's gradient, so SGD lr = 1e-2; gglab
    stops the run at the first non-finite loss (the notebook breaks out of its loop there too). The
    program has no randomness: the 10 seeds are 10 identical runs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books2.lua")

return gg.experiment {
  name = "dlwpt_thermo_lr1e2",
  description = "w * t_u + b on the 11 raw thermometer readings, full-batch gradient descent lr 1e-2, "
    .. "100 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local model = B.line()
    gg.train { model = model, data = B.thermo(1), optimizer = gg.optim.sgd(model, { lr = 1e-2 }),
      loss = "mse", batch_size = 11, epochs = 100, shuffle = false, log = run }
  end,
}
