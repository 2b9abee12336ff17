--[[ tests/doctor/external3/gh_MorvanZhou_PyTorch-Tutorial_31_fixed.lua — external case (healthy):
  MorvanZhou's 301_regression: Net 1-10-1 (relu) on y = x^2 + noise, SGD lr 0.2 (the merged fix)

  Source: https://github.com/MorvanZhou/PyTorch-Tutorial/pull/31 ("Fixing error learning rate for this
    sample"; merged as 304c0b2); found with the `search` tool (corpus "issues").
  Setup: tutorial-contents-notebooks/301_regression.ipynb as merged (304c0b2; 301_regression.py has the same
    lr since 7e7c9bb, with 200 steps): x = torch.unsqueeze(torch.linspace(-1, 1, 100),
    dim=1); y = x.pow(2) + 0.2*torch.rand(x.size()); Net: hidden = Linear(1, 10), F.relu, predict =
    Linear(10, 1); torch.optim.SGD(net.parameters(), lr=0.2); MSELoss; for t in range(100): the whole
    100 points each step (no manual seed).
  Observed by the source: the pull request gives lr 0.2 (the maintainer's value in 301_regression.py) as the
    fix of "lr = 0.5 was too big that will not changing loss in this example".
  Accepted cause: the pull request: "Another one problem is about the learning rate for this example, lr =
    0.5 was too big that will not changing loss in this example, so I revise it as 0.4", then "I saw
    that you are fixed these error in the contents folder, so let's revise it in the same way" (lr=0.2,
    as the maintainer had set in 301_regression.py); merged by the maintainer.
  Changes to express it: none (nn.Linear's default initialisation is gglab's linear default; full-batch
    SGD is gg.train with batch_size 100, the points in order; the noise is drawn from the run's seed). ]]
local gg = require "gglab"

return gg.experiment {
  name = "gh_MorvanZhou_PyTorch-Tutorial_31_fixed",
  description = "1-10-1 relu on y = x^2 + 0.2 U(0,1), x in [-1, 1], full-batch SGD lr 0.2, 100 steps",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for i = 1, 100 do
      local x = -1 + 2 * (i - 1) / 99
      xs[i], ys[i] = { x }, { x * x + 0.2 * rng:uniform() }
    end
    local data = gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
    local model = gg.nn.sequential { gg.nn.linear(1, 10), gg.nn.relu(), gg.nn.linear(10, 1) }
    gg.train { model = model, optimizer = gg.optim.sgd(model, { lr = 0.2 }), data = data, loss = "mse",
      batch_size = 100, epochs = 100, shuffle = false, log = run }
  end,
}
