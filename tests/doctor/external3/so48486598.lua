--[[ tests/doctor/external3/so48486598.lua — external case (broken):
  a polynomial fitted by a stack of Dense layers without activations (DeepMufl bug 48486598)

  Source: https://stackoverflow.com/questions/48486598 ; benchmark DeepMufl (Ghanbari et al., ASE 2023),
    github.com/ali-ghanbari/deepmufl-ase-2023 @ a69ba43a024d, Dataset/all-bugs/48486598/bug.py; the bug's
    label from the replication github.com/rarora9/deepmufl-experiment @ 5f6be60ce096
    (models/48486598_reg_hidden_layer_linear/; DeepMufl's Table 6, "regression models with incorrect
    activation function faults in a single layer").
  Setup: (bug.py) X = 0, 0.05, ..., 9.95 (200 rows), Y = 0.05 (15.72807 x - 7.273893 x^2 + 1.4912 x^3
    - 0.1384615 x^4 + 0.00474359 x^5); Dense(1, input_shape=(1,)) -> Dense(5) -> Dense(1, linear), no
    activation anywhere; optimizer 'adam', loss mean_absolute_error; fit(epochs=150, batch_size=10).
  Observed by the source: the benchmark publishes no training run; it keeps the post as a model bug
    whose fault is a hidden layer's activation.
  Accepted cause: DeepMufl's ground truth for the bug: "reg_hidden_layer_linear", an incorrect (linear)
    activation function in a hidden layer of the regression model: the network is linear in x and
    cannot follow the polynomial.
  Changes to express it: none beyond Keras's defaults in gglab terms (glorot_uniform kernels, zero
    biases, Adam(lr=0.001, epsilon=1e-7), batches reshuffled every epoch). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common3.lua")
local K = C.K

return gg.experiment {
  name = "so48486598",
  description = "5th-degree polynomial fitted by Dense(1) -> Dense(5) -> Dense(1) without activations "
    .. "(DeepMufl 48486598)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 0, 199 do
      local x = i * 0.05
      xs[#xs + 1] = { x }
      ys[#ys + 1] = 0.05 * (15.72807 * x - 7.273893 * x ^ 2 + 1.4912 * x ^ 3 - 0.1384615 * x ^ 4
        + 0.00474359 * x ^ 5)
    end
    local model = K.keras({ 1, { 1 }, { 5 }, { 1, "linear" } })
    K.fit(run, model, K.optimizer(model, "adam"), K.dataset(xs, ys), nil, "l1", 10, 150)
  end,
}
