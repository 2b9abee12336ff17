--[[ tests/doctor/external3/at_gradient_vanish.lua — external case (broken):
  nine sigmoid Dense layers on the circles data (AUTOTRAINER demo "Gradient_Vanish_Case")

  Source: https://github.com/shiningrain/AUTOTRAINER
    AUTOTRAINER (Zhang, Zhai, Ma, Shen, "AUTOTRAINER: An Automatic DNN Training Problem Detection and
    Repair System", ICSE 2021) @ 03a463ea0569: AutoTrainer/demo_case/Gradient_Vanish_Case/{model.h5,
    config.pkl, demo.py}, AutoTrainer/data/simplednn.py; the model read from model.h5's model_config.
  Setup: make_circles(n_samples=1000, noise=0.1, random_state=1), X * 100 then the loader's x / 100;
    the first 700 rows train, the last 300 validate; Dense(5, sigmoid) x 8 -> Dense(1, sigmoid), every
    kernel VarianceScaling(2, fan_in, uniform) (he_uniform), zero biases; Adam(lr=0.001),
    binary_crossentropy; batch 128, 300 epochs (config.pkl).
  Observed by the source: the demo is AUTOTRAINER's example of a training with vanishing gradients:
    README "run demo.py directly to see how AUTOTRAINER solve the problems in these case"; its
    detector checks every 3 epochs and repairs (utils/repair.py gradient_vanish_strategy:
    'relu_1', 'selu_1', 'bn_1').
  Accepted cause: the demo's problem "Gradient Vanish": the stacked sigmoids; AUTOTRAINER's repairs for
    it replace the activations by ReLU (op_relu: "Using 'ReLU' activation in each layers'
    activations; Use 'he_uniform' as the kernel initializer") or SELU, or add batch normalisation.
  Changes to express it: make_circles written in Lua (_common3.lua; a gglab generator seeded 1, not
    numpy's random_state=1: other rows of the same distribution, the same for every seed as in the
    source); Keras's binary_crossentropy is gg's {"bce", keras = true}. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common3.lua")
local K = C.K

return gg.experiment {
  name = "at_gradient_vanish",
  description = "AUTOTRAINER Gradient_Vanish_Case: 8 x Dense(5, sigmoid) on circles, Adam 1e-3, 300 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = C.make_circles { n_samples = 1000, noise = 0.1, rng = gg.rng(1) }
    local train, val = C.at_split(X, y)
    local parts, width = {}, 2
    for _ = 1, 8 do parts[#parts + 1] = C.dense(width, 5, "sigmoid", "he_uniform"); width = 5 end
    parts[#parts + 1] = C.dense(5, 1, "sigmoid", "he_uniform")
    local model = C.stack(parts)
    K.fit(run, model, K.optimizer(model, "adam"), train, val, { "bce", keras = true }, 128, 300)
  end,
}
