--[[ tests/doctor/external5/dlai_init_zeros.lua — external case (broken):
  deeplearning.ai C2 W1 "Initialization": a 2-10-5-1 ReLU net on make_circles, zeros initialisation

  Source: https://github.com/amanchadha/coursera-deep-learning-specialization
    (C2 - Improving Deep Neural Networks .../Week 1/Initialization/Initialization.ipynb and init_utils.py,
    commit e9de0f4d1549b5a974c7f5cba013097fe162a798: the assignment's notebook with its stored outputs)
  Setup: init_utils.load_dataset(): make_circles(n_samples = 300, noise = .05) to train and 100 more to
    test; model(): LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID with layers_dims [2, 10, 5, 1], the
    cross-entropy cost averaged over the m examples, full-batch gradient descent, learning_rate 0.01,
    num_iterations 15000; initialization "zeros" (W and b all 0), "random" (W = randn * 10, b = 0) or
    "he" (W = randn * sqrt(2 / n_prev), b = 0). This case: initialization = "zeros".
  Observed by the source: "Cost after iteration 0: 0.6931471805599453" ... "Cost after iteration 14000:
    0.6931471805599453"; accuracy 0.5 on the training and the test set; "The model is predicting 0 for
    every example."
  Accepted cause: "initializing all the weights to zero results in the network failing to break
    symmetry. This means that every neuron in each layer will learn the same thing"; "The weights W[l]
    should be initialized randomly to break symmetry" (the fix: He initialization, dlai_init_zeros_fixed).
  Changes to express it: a new circles draw per seed (gglab's generator; the notebook's fixed
    np.random.seed(1) / (2) draws) and the initial weights drawn from the run's seed (the notebook's
    np.random.seed(3)); 8000 iterations instead of 15000 (the speed limit: 10000 took 3.1 s for 10
    seeds; 8000 is one of the notebook's printed checkpoints, where its costs are 0.6931 for zeros, 0.3977
    for randn * 10 and 0.2370 for He); the test set is evaluated once at the end, as in the notebook:
    training and test accuracy and the test loss are run summaries (train_acc, test_acc, test_loss). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_courses.lua")

return gg.experiment {
  name = "dlai_init_zeros",
  description = "broken: 2-10-5-1 relu/sigmoid, all-zero init, full-batch GD lr 0.01, 8000 iterations",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local train, test = C.circles(rng, 300, 0.05), C.circles(rng, 100, 0.05)
    local init = { init = "zeros", bias_init = "zeros" }
    local model = gg.nn.sequential {
      gg.nn.linear(2, 10, init), gg.nn.relu(), gg.nn.linear(10, 5, init), gg.nn.relu(),
      gg.nn.linear(5, 1, init), gg.nn.sigmoid() }
    gg.train { model = model, data = train, optimizer = gg.optim.sgd(model, { lr = 0.01 }),
      loss = "bce", batch_size = 300, epochs = 8000, log = run, log_every = 100 }
    run:summary { train_acc = C.acc(model, train), test_acc = C.acc(model, test),
      test_loss = gg.evaluate(model, test, { loss = "bce" }) }
  end,
}
