--[[ experiments/seed_keras_sigmoid.lua — seed write-up 002 ("loss increases exponentially
  after the first step"), example 2 (Keras): X, y ~ U(0,1), 100 rows, 10 features;
  Dense(64, sigmoid) -> Dense(1), Adam(0.01), mse, fit(epochs=10). The write-up: "Sigmoid
  saturation can hinder learning", replace it with relu or tanh. Note y is independent of
  X, so the best a model can do beyond predicting the mean (mse = var(y) ~ 1/12 = 0.083)
  is memorise. Swept: activation {sigmoid, relu, tanh} x 20 seeds, Keras preset.
  Measured (median final epoch loss): sigmoid 0.087, relu 0.075 — sigmoid is worse, by
  ~19 % (paired log difference 0.17 [0.09, 0.25]), and its mean final loss 0.091 [0.085,
  0.097] is the constant predictor's level: it memorises nothing in 10 epochs. tanh, the
  other advised remedy, is no better than sigmoid (-0.02 [-0.08, 0.03]). Nothing
  overflows (0/60): saturation slows learning, it does not make the loss rise.

  Run: gglab run experiments/seed_keras_sigmoid.lua ]]
local gg = require "gglab"

return gg.experiment {
  name = "seed_keras_sigmoid",
  description = "seed 002 example 2: a sigmoid hidden layer vs relu and tanh, Keras Adam(0.01)",
  sweep = gg.grid { activation = { "sigmoid", "relu", "tanh" }, seed = gg.seeds(20) },
  run = function(p, run)
    local x = gg.data.regression { n = 100, features = 10, x = "uniform", noise = 0, seed = run.seed }:x()
    local y = gg.data.regression { n = 100, features = 1, x = "uniform", noise = 0, w = { 1 },
      seed = run.seed + 1 }:x()
    local model = gg.nn.mlp { 10, 64, 1, activation = p.activation, keras = true }
    gg.train { model = model, data = gg.data.from_tensors(x, y), keras = true, loss = "mse", epochs = 10,
      optimizer = gg.optim.keras_adam(model, { lr = 0.01 }), log = run }
  end,
  claims = {
    { "sigmoid ends worse than relu (the write-up: saturation hinders learning)", folklore = "saturation",
      check = function(R)
        local d = R:paired("final_loss", { activation = "sigmoid" }, { activation = "relu" }, { "seed" }, math.log)
        return d.lo > 0, "log " .. d.text end },
    { "tanh, the write-up's other remedy, also ends better than sigmoid", folklore = "saturation",
      check = function(R)
        local d = R:paired("final_loss", { activation = "tanh" }, { activation = "sigmoid" }, { "seed" }, math.log)
        return d.hi < 0, "log " .. d.text end },
    { "sigmoid learns nothing beyond the mean: its mean final loss is at least 0.95 x var(y) = 0.079",
      check = function(R)
        local m = R:mean("final_loss", { activation = "sigmoid" })
        return m.lo >= 0.95 / 12, m.text end },
    { "no activation makes the loss overflow (the title's 'exponential' increase)",
      check = function(R)
        local f = R:fraction(function(r) return r.status ~= "ok" end, {})
        return f.k == 0, "diverged or failed " .. f.text end },
  },
}
