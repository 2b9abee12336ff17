--[[ tests/doctor/external3/at_gradient_vanish_fixed.lua — external case (healthy):
  AUTOTRAINER's first repair of its "Gradient_Vanish_Case" demo: SELU hidden layers, lecun_uniform

  Source: https://github.com/shiningrain/AUTOTRAINER
    AUTOTRAINER (Zhang, Zhai, Ma, Shen, ICSE 2021) @ 03a463ea0569: AutoTrainer/demo_case/
    Gradient_Vanish_Case/{model.h5, config.pkl, demo.py}; AutoTrainer/utils/repair.py
    (repair_strategy('balance'), the default of model_train: gradient_vanish_strategy = ['selu_1',
    'relu_1', 'bn_1']; op_selu: "Using 'SeLU' activation in each layers' activations; Use
    'lecun_uniform' as the kernel initializer", modify_initializer(model, 'lecun_uniform',
    'lecun_uniform'); modify_activations leaves the last layer's activation).
  Setup: the demo (at_gradient_vanish.lua) after op_selu: make_circles(1000, noise=0.1), 700 / 300 rows;
    Dense(5, selu) x 8 -> Dense(1, sigmoid), every kernel and bias lecun_uniform; Adam(lr=0.001),
    binary_crossentropy; batch 128, 300 epochs.
  Observed by the source: the repaired training is AUTOTRAINER's output for the demo (README: "see how
    AUTOTRAINER solve the problems in these case"); no curve is published.
  Accepted cause: none (the repair of the vanishing gradients: the sigmoids replaced by SELU).
  Changes to express it: as at_gradient_vanish.lua; SELU written as a custom layer (lambda * elu(x,
    alpha) with Keras's constants), lecun_uniform as kaiming_uniform with gain 1 and a uniform bias of
    the same bound (_common3.lua selu_dense). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common3.lua")
local K = C.K

return gg.experiment {
  name = "at_gradient_vanish_fixed",
  description = "AUTOTRAINER Gradient_Vanish_Case after its op_selu repair: 8 x Dense(5, selu), Adam 1e-3",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local X, y = C.make_circles { n_samples = 1000, noise = 0.1, rng = gg.rng(1) }
    local train, val = C.at_split(X, y)
    local parts, width = {}, 2
    for _ = 1, 8 do parts[#parts + 1] = C.selu_dense(width, 5); width = 5 end
    local b = math.sqrt(3 / 5)
    parts[#parts + 1] = { gg.nn.linear(5, 1, { init = "kaiming_uniform", nonlinearity = "linear",
      bias_init = "uniform", bias_a = -b, bias_b = b }), gg.nn.sigmoid() }
    local model = C.stack(parts)
    K.fit(run, model, K.optimizer(model, "adam"), train, val, { "bce", keras = true }, 128, 300)
  end,
}
