--[[ experiments/seed_keras_scaling.lua — seed write-up 002 ("loss increases exponentially
  after the first step"), example 3 (Keras): X, y ~ U(0,1), 100 rows, 10 features,
  feature 1 multiplied by 1000; Dense(64, relu) -> Dense(1), Adam(0.01), mse,
  fit(epochs=10). The write-up says StandardScaler "improves stability". Example 2's
  warning that sigmoid saturates "especially with unscaled inputs" is why the activation
  is swept too (example 2 itself: experiments/seed_keras_sigmoid.lua). Swept: activation
  {sigmoid, relu, tanh} x {plain, x1000 column, x1000 then standardised} x 20 seeds,
  with the Keras preset.
  Measured (median final epoch loss): plain relu 0.075, sigmoid 0.087. The x1000
  column hurts relu badly (22.5, ~370x worse) while sigmoid and tanh barely notice it
  (0.089, 0.091: their saturated units simply stop using that feature; sigmoid x1000 vs
  plain, paired log difference -0.02 [-0.09, 0.05]); standardising
  brings relu to 0.049, the best of all. Nothing overflows (0/180).

  Run: gglab run experiments/seed_keras_scaling.lua ]]
local gg = require "gglab"

return gg.experiment {
  name = "seed_keras_scaling",
  description = "seed 002 example 3: a x1000 feature with and without StandardScaler, Keras Adam(0.01)",
  sweep = gg.grid { activation = { "sigmoid", "relu", "tanh" }, data = { "plain", "x1000", "scaled" },
    seed = gg.seeds(20) },
  run = function(p, run)
    local x = gg.data.regression { n = 100, features = 10, x = "uniform", noise = 0, seed = run.seed }:x()
    local y = gg.data.regression { n = 100, features = 1, x = "uniform", noise = 0, w = { 1 },
      seed = run.seed + 1 }:x()
    local data = gg.data.from_tensors(x, y)
    if p.data ~= "plain" then data = data:scale_features { columns = { 1 }, factor = 1000 } end
    if p.data == "scaled" then data = gg.data.standard_scaler(data):transform(data) end
    local model = gg.nn.mlp { 10, 64, 1, activation = p.activation, keras = true }
    gg.train { model = model, data = data, keras = true, loss = "mse", epochs = 10,
      optimizer = gg.optim.keras_adam(model, { lr = 0.01 }), log = run }
  end,
  claims = {
    { "a x1000 feature makes the loss worse than plain data (relu)", folklore = "scaling", check = function(R)
      local d = R:paired("final_loss", { activation = "relu", data = "x1000" },
        { activation = "relu", data = "plain" }, { "seed" }, math.log)
      return d.lo > 0, "log " .. d.text end },
    { "standardising the x1000 data helps (relu; example 3)", folklore = "scaling", check = function(R)
      local d = R:paired("final_loss", { activation = "relu", data = "scaled" },
        { activation = "relu", data = "x1000" }, { "seed" }, math.log)
      return d.hi < 0, "log " .. d.text end },
    { "the x1000 column makes sigmoid end >= 10 % worse than on plain data (example 2: saturation, "
      .. "'especially with unscaled inputs')", folklore = "saturation", check = function(R)
      local d = R:paired("final_loss", { activation = "sigmoid", data = "x1000" },
        { activation = "sigmoid", data = "plain" }, { "seed" }, math.log)
      return d.lo > math.log(1.1), "log " .. d.text end },
    { "no configuration makes the loss overflow", check = function(R)
      local f = R:fraction(function(r) return r.status == "diverged" end, {})
      return f.k == 0, "diverged " .. f.text end },
  },
}
