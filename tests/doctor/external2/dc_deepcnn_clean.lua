--[[ tests/doctor/external2/dc_deepcnn_clean.lua — external case (healthy):
  TheDeepChecker's clean deepCNN (a CIFAR-10 VGG-style CNN with batch norm and dropout)

  Source: https://github.com/thedeepchecker/thedeepchecker
    TheDeepChecker benchmark (Ben Braiek & Khomh, "Testing Feedforward Neural Networks Training Programs",
    TOSEM 2023) @ d0a2b3a5339b: clean_base_programs/deepCNN.py, diff against clean_base_programs/deepCNN.py.
  Setup: the clean deepCNN: CIFAR-10 (50000 training, 10000 test images, 32x32x3), pixels min-max normalised
    by the loader, one-hot labels; three blocks of two Conv2D(3x3, same, relu, no bias, he_normal) +
    batch_normalization (32, 32 | 64, 64 | 128, 128 filters), each block ending in MaxPool(2) and Dropout
    (0.2, 0.3, 0.4); Flatten -> Dense(128, relu) -> batch_normalization -> Dropout(0.5) -> Dense(10) logits;
    MomentumOptimizer(0.001, momentum 0.9) on softmax_cross_entropy (no L2); TheDeepChecker's post-fitness
    training: batch 64, 301 epochs.
  The injected fault: none.
  Observed by the source: the benchmark's fault-free reference program (every synthetic fault is injected
    into it).
  Accepted cause: no fault: the benchmark's clean base program.
  Changes to express it: CIFAR-10 -> the 8x8 digits (1797 rows, fixed 80 % / 20 % split, pixels / 16 for the
    loader's normalisation; one input channel; the three poolings leave 1x1); 20 epochs instead of 301 (the
    time limit; about 460 steps); TF's batch_normalization (momentum 0.99, epsilon 1e-3) as gglab's
    batchnorm with momentum 0.01 and eps 1e-3; he_normal without TF's truncation. See _common2.lua. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common2.lua")

return gg.experiment {
  name = "dc_deepcnn_clean",
  description =
    "TheDeepChecker's clean deepCNN (a CIFAR-10 VGG-style CNN with batch norm and"
      .. " dropout)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = C.digits10()
    local model = C.deepcnn()
    local opt = gg.optim.sgd(model, { lr = 0.001, momentum = 0.9 })
    C.fit(run, model, opt, train, test, "cross_entropy", 0, 20)
  end,
}
