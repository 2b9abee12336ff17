--[[ tests/doctor/external6/gdl_break_gd_fixed.lua — external case (healthy):
  Grokking Deep Learning ch. 4: the broken loop of "Breaking Gradient Descent" with alpha = 0.1

  Source: https://github.com/iamtrask/Grokking-Deep-Learning (the notebook
    "Chapter4 - Gradient Descent - Intro to Neural Learning.ipynb" at commit e665168)
    https://www.manning.com/books/grokking-deep-learning (chapter 4, "Gradient descent")
  Setup: weight = 0.5; goal_pred = 0.8; input = 2; for iteration in range(20): pred = input * weight;
    error = (pred - goal_pred) ** 2; delta = pred - goal_pred; weight_delta = input * delta; weight =
    weight - weight_delta (one example, one weight, no bias, no learning rate).
    The fixed cell: alpha = 0.1; derivative = input * (pred - goal_pred); weight = weight - (alpha *
    derivative).
  Observed by the source: "Error:0.0399... Prediction:1.0", "Error:0.0144 Prediction:0.92",
    "Error:0.005183... Prediction:0.872", ..., "Error:4.06e-06 Prediction:0.80201..." (iteration 10): the
    error falls ~2.8x an iteration.
  Accepted cause: none — the notebook's fix of gdl_break_gd (section "Breaking Gradient Descent"): the same
    loop with the step scaled by alpha = 0.1.
  Changes to express it: the weight is gg.nn.linear(1, 1) without bias, starting at 0.5; the one example
    (x = 2, y = 0.8) is the dataset; gglab's "mse" on it is the book's error (pred - goal)^2, whose
    gradient 2 * input * delta is twice the book's weight_delta, so SGD lr = 0.05 is the book's step
    (alpha 0.1); 20 iterations = 20 epochs of one step. The program has no randomness: the 10 seeds are 10
    identical runs. ]]
local gg = require "gglab"

return gg.experiment {
  name = "gdl_break_gd_fixed",
  description = "healthy: one weight, pred = 2 * w, goal 0.8, gradient descent alpha 0.1 "
    .. "(lr 0.05 on (pred - goal)^2), 20 steps",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = gg.data.from_tensors(gg.tensor { { 2 } }, gg.tensor { { 0.8 } })
    local model = gg.nn.sequential { gg.nn.linear(1, 1, { init = "constant", value = 0.5, bias = false }) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.05 }), loss = "mse",
      batch_size = 1, epochs = 20, shuffle = false, log = run }
  end,
}
