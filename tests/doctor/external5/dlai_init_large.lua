--[[ tests/doctor/external5/dlai_init_large.lua — external case (broken):
  deeplearning.ai C2 W1 "Initialization": a 2-10-5-1 ReLU net on make_circles, weights randn * 10

  Source: https://github.com/amanchadha/coursera-deep-learning-specialization
    (C2 - Improving Deep Neural Networks .../Week 1/Initialization/Initialization.ipynb and init_utils.py,
    commit e9de0f4d1549b5a974c7f5cba013097fe162a798: the assignment's notebook with its stored outputs)
  Setup: init_utils.load_dataset(): make_circles(n_samples = 300, noise = .05) to train and 100 more to
    test; model(): LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID with layers_dims [2, 10, 5, 1], the
    cross-entropy cost averaged over the m examples, full-batch gradient descent, learning_rate 0.01,
    num_iterations 15000; initialization "zeros" (W and b all 0), "random" (W = randn * 10, b = 0) or
    "he" (W = randn * sqrt(2 / n_prev), b = 0). This case: initialization = "random" (W = randn * 10).
  Observed by the source: "Cost after iteration 0: inf", 0.6240 at 1000, 0.5443 at 5000, 0.3920 at
    10000, 0.3828 at 14000; accuracy 0.83 (train), 0.86 (test), against 0.0736 and 0.993 / 0.96 for He.
  Accepted cause: "The cost starts very high. This is because with large random-valued weights, the last
    activation (sigmoid) outputs results that are very close to 0 or 1 for some examples"; "Poor
    initialization can lead to vanishing/exploding gradients, which also slows down the optimization
    algorithm"; "initializing with overly large random numbers slows down the optimization" (the fix:
    He initialization, dlai_init_zeros_fixed).
  Changes to express it: a new circles draw per seed (gglab's generator; the notebook's fixed
    np.random.seed(1) / (2) draws) and the initial weights drawn from the run's seed (the notebook's
    np.random.seed(3)); 8000 iterations instead of 15000 (the speed limit: 10000 took 3.1 s for 10
    seeds; 8000 is one of the notebook's printed checkpoints, where its costs are 0.6931 for zeros, 0.3977
    for randn * 10 and 0.2370 for He); the test set is evaluated once at the end, as in the notebook:
    training and test accuracy and the test loss are run summaries (train_acc, test_acc, test_loss);
    flush_denormal = true (with IEEE subnormals the 10 seeds took 3.4 s, over the speed limit). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_courses.lua")

return gg.experiment {
  name = "dlai_init_large",
  flush_denormal = true,
  description = "broken: 2-10-5-1 relu/sigmoid, weights N(0, 10^2), full-batch GD lr 0.01, 8000 iterations",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local train, test = C.circles(rng, 300, 0.05), C.circles(rng, 100, 0.05)
    local init = { init = "normal", std = 10, bias_init = "zeros" }
    local model = gg.nn.sequential {
      gg.nn.linear(2, 10, init), gg.nn.relu(), gg.nn.linear(10, 5, init), gg.nn.relu(),
      gg.nn.linear(5, 1, init), gg.nn.sigmoid() }
    gg.train { model = model, data = train, optimizer = gg.optim.sgd(model, { lr = 0.01 }),
      loss = "bce", batch_size = 300, epochs = 8000, log = run, log_every = 100 }
    run:summary { train_acc = C.acc(model, train), test_acc = C.acc(model, test),
      test_loss = gg.evaluate(model, test, { loss = "bce" }) }
  end,
}
