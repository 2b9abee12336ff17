--[[ tests/doctor/external2/dc_deepcnn_over_reg.lua — external case (broken):
  deepCNN with dropout 0.5 after every block and after the first convolution of each block (TheDeepChecker
    fault over_regularization)

  Source: https://github.com/thedeepchecker/thedeepchecker
    TheDeepChecker benchmark (Ben Braiek & Khomh, "Testing Feedforward Neural Networks Training Programs",
    TOSEM 2023) @ d0a2b3a5339b: buggy_synthetic_programs/over_regulariaztion/deepCNN_over_reg.py, diff
    against clean_base_programs/deepCNN.py.
  Setup: the clean deepCNN: CIFAR-10 (50000 training, 10000 test images, 32x32x3), pixels min-max normalised
    by the loader, one-hot labels; three blocks of two Conv2D(3x3, same, relu, no bias, he_normal) +
    batch_normalization (32, 32 | 64, 64 | 128, 128 filters), each block ending in MaxPool(2) and Dropout
    (0.2, 0.3, 0.4); Flatten -> Dense(128, relu) -> batch_normalization -> Dropout(0.5) -> Dense(10) logits;
    MomentumOptimizer(0.001, momentum 0.9) on softmax_cross_entropy (no L2); TheDeepChecker's post-fitness
    training: batch 64, 301 epochs.
  The injected fault: the three block dropouts 0.2, 0.3, 0.4 -> 0.5, and a Dropout(0.5) added after the
    first convolution (+ batch norm) of every block.
  Observed by the source: the fault's header comment (no training curve is published for the synthetic
    programs): "As the deepCNN uses advanced regularization, we set up a high dropout rate in a way that
    hinders the learning."
  Accepted cause: the benchmark's fault folder over_regulariaztion: the injected change above; the clean
    program (clean_base_programs/deepCNN.py) is the fix.
  Changes to express it: CIFAR-10 -> the 8x8 digits (1797 rows, fixed 80 % / 20 % split, pixels / 16 for the
    loader's normalisation; one input channel; the three poolings leave 1x1); 10 epochs instead of 301 (the
    time limit: the six dropout layers make it the slowest case; about 230 steps); TF's batch_normalization
    (momentum 0.99, epsilon 1e-3) as gglab's batchnorm with momentum 0.01 and eps 1e-3; he_normal without
    TF's truncation. See _common2.lua. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common2.lua")

return gg.experiment {
  name = "dc_deepcnn_over_reg",
  description =
    "deepCNN with dropout 0.5 after every block and after the first convolution of each block"
      .. " (TheDeepChecker fault over_regularization)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = C.digits10()
    local model = C.deepcnn { drops = { 0.5, 0.5, 0.5, 0.5 }, conv_drop = 0.5 }
    local opt = gg.optim.sgd(model, { lr = 0.001, momentum = 0.9 })
    C.fit(run, model, opt, train, test, "cross_entropy", 0, 10)
  end,
}
