--[[ experiments/seed_keras_high_lr.lua — seed write-up "Why does my training loss
  increase?", example 1 (Keras): X, y ~ U(0,1) with 100 rows, Dense(64, relu) -> Dense(1),
  Adam(learning_rate=10.0), mse, fit(X, y, epochs=10) — "likely to explode"; the fix
  suggested is lr = 0.001. Reproduced with the Keras preset (glorot_uniform, Keras Adam,
  batch 32 reshuffled, History's epoch loss) over lr in {10, 1, 0.1, 0.01, 0.001} and 20
  seeds (data and initialisation).
  Measured: at lr = 10 the final epoch loss is e^10 (about 22,000x) worse than at 0.001
  (median 1753 vs 0.095, paired log difference 10.0 [9.3, 10.7]), but it never overflows
  (0/20 runs reach inf/NaN): Adam's step is bounded by lr, so the weights grow linearly,
  not exponentially. lr <= 0.1 all train (median loss 0.075-0.095).

  Run: gglab run experiments/seed_keras_high_lr.lua ]]
local gg = require "gglab"

return gg.experiment {
  name = "seed_keras_high_lr",
  description = "seed 002 example 1: Keras Adam at learning_rate 10",
  sweep = gg.grid { lr = { 10, 1, 0.1, 0.01, 0.001 }, seed = gg.seeds(20) },
  run = function(p, run)
    local x = gg.data.regression { n = 100, features = 10, x = "uniform", noise = 0, seed = run.seed }
    -- y ~ U(0,1) independent of X, as in the write-up: regenerate targets from another stream.
    local yt = gg.data.regression { n = 100, features = 1, x = "uniform", w = { 1 }, noise = 0,
      seed = run.seed + 1 }:x()
    local data = gg.data.from_tensors(x:x(), yt)
    local model = gg.nn.mlp { 10, 64, 1, activation = "relu", keras = true }
    gg.train { model = model, data = data, keras = true, loss = "mse", epochs = 10,
      optimizer = gg.optim.keras_adam(model, { lr = p.lr }), log = run }
  end,
  claims = {
    { "Adam at lr = 10 ends far worse than at lr = 0.001 (the write-up: 'likely to explode')", folklore = "high_lr",
      check = function(R)
        local d = R:paired("final_loss", { lr = 10 }, { lr = 0.001 }, { "seed" }, math.log)
        return d.lo > math.log(10), "log " .. d.text end },
    { "... and its loss actually overflows to inf/NaN", folklore = "high_lr", check = function(R)
      local f = R:fraction(function(r) return r.status == "diverged" end, { lr = 10 })
      return f.lo >= 0.5, "diverged " .. f.text end },
    { "lr = 0.001 trains: the final epoch loss is below 0.2", check = function(R)
      local f = R:fraction(function(r) return r.final_loss < 0.2 end, { lr = 0.001 })
      return f.lo >= 0.8, f.text end },
  },
}
