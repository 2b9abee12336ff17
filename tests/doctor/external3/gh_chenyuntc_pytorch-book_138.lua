--[[ tests/doctor/external3/gh_chenyuntc_pytorch-book_138.lua — external case (broken):
  the book's autograd linear regression with a summed loss: w x + b, 30 fresh points a step, lr 0.001 -> nan

  Source: https://github.com/chenyuntc/pytorch-book/issues/138 ("pytorch autograd线性回归");
    found with the `search` tool (corpus "issues").
  Setup: the asker's program (the book's autograd linear-regression example): t.manual_seed(1000);
    get_x_y(): x = t.rand(30, 1) * 20, y = x * 2 + (1 + t.rand(30, 1)) * 3 (a fresh batch every step);
    w = t.rand(1, 1), b = t.rand(1, 1) (U(0, 1)); 100 steps of: y_pred = x * w + b; loss = (0.5 * (y_pred
    - y) ** 2).sum(); loss.backward(); w -= 0.001 * w.grad; b -= 0.001 * b.grad; gradients zeroed.
  Observed by the source: w and b print as nan after the 100 steps ("tensor([ [nan] ],
    requires_grad=True)" for both; the spaces inside the brackets are added here).
  Accepted cause: the asker's own follow-up (the thread's only reply): "当我把损失函数换为:
    loss = t.mean((y_pred - y) ** 2) 可以收敛。" ("when I change the loss function to loss =
    t.mean((y_pred - y) ** 2) it converges"): the summed loss makes the steps 30 times larger, too
    large for lr 0.001 (the book's author did not reply).
  Changes to express it: the 100 fresh batches are drawn up front (3000 rows, x ~ U(0, 20), y = 2x + 3 +
    3 U(0, 1)) from each run's seed and fed in order, 30 rows a step, by gg.train; gglab's mse with
    reduction "sum" is the sum of the squares without the program's 0.5, so the logged loss is twice the
    program's and the SGD lr is 0.0005 (the same updates as lr 0.001 on the halved sum); w and b drawn
    from U(0, 1) as t.rand. ]]
local gg = require "gglab"

return gg.experiment {
  name = "gh_chenyuntc_pytorch-book_138",
  description = "w x + b, x ~ U(0, 20), y = 2x + 3 + 3 U(0, 1), 30 new rows a step, 0.5 sum sq, lr 0.001",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for i = 1, 3000 do
      local x = rng:uniform() * 20
      xs[i], ys[i] = { x }, { x * 2 + (1 + rng:uniform()) * 3 }
    end
    local data = gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
    local model = gg.nn.sequential {
      gg.nn.linear(1, 1, { init = "uniform", a = 0, b = 1, bias_init = "uniform", bias_a = 0, bias_b = 1 }),
    }
    gg.train { model = model, optimizer = gg.optim.sgd(model, { lr = 0.0005 }), data = data,
      loss = { "mse", reduction = "sum" }, batch_size = 30, epochs = 1, shuffle = false, log = run }
  end,
}
