--[[ tests/doctor/external5/dlai_opt_momentum.lua — external case (broken):
  deeplearning.ai C2 W2 "Optimization methods": a 2-5-2-1 ReLU net on make_moons, mini-batch GD with momentum

  Source: https://github.com/amanchadha/coursera-deep-learning-specialization
    (C2 - Improving Deep Neural Networks .../Week 2/Optimization_methods_v1b.ipynb and opt_utils_v1a.py,
    commit e9de0f4d1549b5a974c7f5cba013097fe162a798: the assignment's text, code and summary table);
    its printed costs from an earlier copy of the same assignment with stored outputs:
    https://github.com/Kulbear/deep-learning-coursera (Improving Deep Neural Networks .../Optimization
    methods.ipynb, commit 997fdb2e2db67acd45d29ae418212463a54be06d)
  Setup: opt_utils.load_dataset(): make_moons(n_samples = 300, noise = .2); model(): LINEAR->RELU->
    LINEAR->RELU->LINEAR->SIGMOID, layers_dims [2, 5, 2, 1], He initialisation (W = randn *
    sqrt(2 / n_prev), b = 0), the mean cross-entropy, mini-batches of 64 reshuffled every epoch,
    learning_rate 0.0007, num_epochs 10000; optimizer "gd", "momentum" (beta 0.9: v = beta v + (1 - beta)
    dW, W -= lr v) or "adam" (beta1 0.9, beta2 0.999, epsilon 1e-8). This case: "momentum".
  Observed by the source: cost 0.6907 at epoch 0, 0.6853 at 1000, 0.6196 at 3000, 0.6073 at 5000, 0.4647
    at 9000 (the last mini-batch's cost); accuracy 0.797 (summary table: "Momentum 79.7% oscillations";
    Adam 94%).
  Accepted cause: "Momentum usually helps, but given the small learning rate and the simplistic
    dataset, its impact is almost negligeable"; "Adam on the other hand, clearly outperforms mini-batch
    gradient descent and Momentum. ... Adam converges a lot faster." (the fix: Adam, dlai_opt_gd_fixed).
  Changes to express it: a new moons draw per seed (gglab's generator; the notebook's np.random.seed(3))
    and initial weights drawn from the run's seed; 3000 epochs instead of 10000 (the speed limit: the
    10000 epochs of 5 steps take about 2.7 s of compute for 10 seeds before any logging; epoch 3000 is
    one of the notebook's printed checkpoints, where its costs are 0.620 for gd, 0.620 for momentum and
    0.073 for adam); the notebook's momentum is torch's SGD with momentum 0.9 and dampening 0.9
    (gglab does not dampen the first step: its first velocity is dW, the notebook's 0.1 dW); the training
    accuracy (the notebook's predict on the training set) is a run summary (train_acc). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_courses.lua")

return gg.experiment {
  name = "dlai_opt_momentum",
  description = "broken: 2-5-2-1 relu/sigmoid on moons, batch 64 SGD momentum 0.9 lr 0.0007, 3000 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = C.moons(gg.rng(run.seed), 300, 0.2)
    local he = { init = "kaiming_normal", nonlinearity = "relu", bias_init = "zeros" }
    local model = gg.nn.sequential {
      gg.nn.linear(2, 5, he), gg.nn.relu(), gg.nn.linear(5, 2, he), gg.nn.relu(), gg.nn.linear(2, 1, he),
      gg.nn.sigmoid() }
    local opt = gg.optim.sgd(model, { lr = 0.0007, momentum = 0.9, dampening = 0.9 })
    gg.train { model = model, data = data, optimizer = opt, loss = "bce",
      batch_size = 64, epochs = 3000, log = run, log_every = 5 }
    run:summary { train_acc = C.acc(model, data) }
  end,
}
