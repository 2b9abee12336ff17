--[[ tests/doctor/external2/dc_basecnn_dbl_norm.lua — external case (broken):
  baseCNN on pixels divided twice by their range (TheDeepChecker fault double_normalization)

  Source: https://github.com/thedeepchecker/thedeepchecker
    TheDeepChecker benchmark (Ben Braiek & Khomh, "Testing Feedforward Neural Networks Training Programs",
    TOSEM 2023) @ d0a2b3a5339b: buggy_synthetic_programs/double_normalization/baseCNN_dbl_norm.py, diff
    against clean_base_programs/baseCNN.py.
  Setup: the clean baseCNN: MNIST (60000 training, 10000 test images), pixels min-max normalised by the
    loader, one-hot labels; Conv2D(32, 5, same, relu) -> MaxPool(2) -> Conv2D(64, 3, same, relu) ->
    MaxPool(2) -> Dense(512, relu) -> Dense(10) logits, he_normal kernels, L2 kernel regulariser 1e-5;
    GradientDescentOptimizer(0.1) on softmax_cross_entropy + L2; TheDeepChecker's post-fitness training:
    batch 64, 301 epochs.
  The injected fault: a CustomDataLoader whose normalize returns ((data-min)/range)/range (train and test
    loader): MNIST pixels in [0, 1/255].
  Observed by the source: the fault's header comment (no training curve is published for the synthetic
    programs): "Some API functions ... would normalize implicitly the data to [0, 1] so if the users divide
    the data, additionally, by 255, the magnitude of data would be critically low. To illustrate this fault
    in a general way, we create a custom data loader that doubly normalize the data by dividing twice by the
    range=(max-min)"
  Accepted cause: the benchmark's fault folder double_normalization: the injected change above; the clean
    program (clean_base_programs/baseCNN.py) is the fix.
  Changes to express it: MNIST -> the 8x8 digits (1797 rows, fixed 80 % / 20 % split; pixels / 16 for the
    loader's normalisation, so the LeNet sees 8x8 inputs and Flatten gives 2x2x64 = 256); 30 epochs instead
    of 301 (the time limit; about 680 steps); he_normal without TF's truncation; the L2 penalty also on the
    biases (gg.train's l2); the second division is by MNIST's range 255, so the pixels end in [0, 1/255]
    as in the source (the digits' own range 16 would leave them 16x larger). See _common2.lua. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common2.lua")

return gg.experiment {
  name = "dc_basecnn_dbl_norm",
  description = "baseCNN on pixels divided twice by their range (TheDeepChecker fault double_normalization)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = C.digits10({ double_norm = true })
    local model = C.basecnn { dense = 512 }
    C.fit(run, model, gg.optim.sgd(model, { lr = 0.1 }), train, test, "cross_entropy", 1e-5, 30)
  end,
}
