--[[ tests/doctor/external4/ghx_rslim087a_1.lua — external case (broken):
  a course's Linear_Regression notebook, nn.Linear(1, 1) on X ~ 10·N(0, 1), full-batch SGD lr 0.01

  Id: the gh_<owner>_<repo>_<N> form of this issue has 79 characters, over gg.experiment's 64 for a name
    (the name must be the id): ghx_ + owner + issue number instead.

  Source:
  https://github.com/rslim087a/PyTorch-for-Deep-Learning-and-Computer-Vision-Course-All-Codes-/issues/1
    ("Limear Regression diverges"); found with the `search` tool (corpus "issues"). The program is the
    repository's "PyTorch for Deep Learning and Computer Vision Course (All Codes)/Linear_Regression.ipynb"
    (commit 60aa26c, 2019-01-19, the only version; read with git in the fetched repository).
  Setup: X = torch.randn(100, 1)*10; y = X + 3*torch.randn(100, 1); torch.manual_seed(1); model =
    nn.Linear(1, 1); nn.MSELoss(); torch.optim.SGD(model.parameters(), lr = 0.01); 100 epochs, each one
    full-batch step on the 100 points.
  Observed by the source: the issue: "I am using exactly the code as per "Linear_Regression.ipynb" but it
    diverges!" (the notebook's own stored run converged: loss 34.6 -> 16.25 by epoch 17).
  Accepted cause: a reply: "I have solved this problem by dramatically decreasing the learning rate. In my
    code lr = 0.00001 works perfectly."; the asker: "That works, thanks". (With E[x^2] = 100 the
    full-batch MSE step is stable only for lr < 2/(2·mean(x^2)) ~ 0.01: the notebook's lr sits at the
    edge, and a draw of X with mean(x^2) > 100 diverges.)
  Changes to express it: none to the model, loss, optimizer or data; X and the noise come from
    gg.data.regression (x·10·1 + 3·N(0, 1), gglab's generator) and, with the initial weights, change with
    the sweep's seed (the notebook draws X before torch.manual_seed(1), so X changes on every run there). ]]
local gg = require "gglab"

return gg.experiment {
  name = "ghx_rslim087a_1",
  description = "nn.Linear(1, 1) on X = 10·N(0,1), y = X + 3·N(0,1), full-batch SGD lr 0.01, 100 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = gg.data.regression { n = 100, features = 1, scale = 10, w = { 1 }, noise = 3 }
    local model = gg.nn.sequential { gg.nn.linear(1, 1) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.01 }), loss = "mse",
      batch_size = 100, epochs = 100, shuffle = false, log = run }
  end,
}
