--[[ tests/doctor/external6/gdl_break_gd.lua — external case (broken):
  Grokking Deep Learning ch. 4, "Breaking Gradient Descent": one weight, input 2, no alpha (alpha = 1)

  Source: https://github.com/iamtrask/Grokking-Deep-Learning (the notebook
    "Chapter4 - Gradient Descent - Intro to Neural Learning.ipynb" at commit e665168)
    https://www.manning.com/books/grokking-deep-learning (chapter 4, "Gradient descent")
  Setup: weight = 0.5; goal_pred = 0.8; input = 2; for iteration in range(20): pred = input * weight;
    error = (pred - goal_pred) ** 2; delta = pred - goal_pred; weight_delta = input * delta; weight =
    weight - weight_delta (one example, one weight, no bias, no learning rate).
  Observed by the source: the notebook's output (the cell "# Now let's break it:"): "Error:0.0399...
    Prediction:1.0", "Error:0.3599... Prediction:0.2000...", "Error:3.2399... Prediction:2.5999...",
    "Error:29.15...", "Error:262.43...", ..., "Error:15496819.55..." (the error grows ~9x an iteration,
    the prediction swinging from side to side of 0.8), while the same loop with input = 0.5 converged.
  Accepted cause: the notebook's section "Breaking Gradient Descent" is followed by the same loop with
    "alpha = 0.1" and "weight = weight - (alpha * derivative)", whose error falls 0.04, 0.0144, 0.00518,
    ... (gdl_break_gd_fixed): the step (alpha, the learning rate, here 1) is too large for the input 2.
  Changes to express it: the weight is gg.nn.linear(1, 1) without bias, starting at 0.5; the one example
    (x = 2, y = 0.8) is the dataset; gglab's "mse" on it is the book's error (pred - goal)^2, whose
    gradient 2 * input * delta is twice the book's weight_delta, so SGD lr = 0.5 is the book's step
    (alpha 1); 20 iterations = 20 epochs of one step. The program has no randomness: the 10 seeds are 10
    identical runs. ]]
local gg = require "gglab"

return gg.experiment {
  name = "gdl_break_gd",
  description = "one weight, pred = 2 * w, goal 0.8, gradient descent without alpha "
    .. "(lr 0.5 on (pred - goal)^2), 20 steps",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = gg.data.from_tensors(gg.tensor { { 2 } }, gg.tensor { { 0.8 } })
    local model = gg.nn.sequential { gg.nn.linear(1, 1, { init = "constant", value = 0.5, bias = false }) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.5 }), loss = "mse",
      batch_size = 1, epochs = 20, shuffle = false, log = run }
  end,
}
