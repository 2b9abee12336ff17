--[[ experiments/seed_outlier.lua — seed write-up "Why does my ML model training loss
  increase exponentially?", example 2: X = {1, 2, 3, 1000}, y = 2x, nn.Linear(1,1),
  SGD lr = 0.01, MSELoss, 100 full-batch epochs. The write-up says the single outlier
  "dominates the loss and prevents the model from converging, likely resulting in
  increasing loss". Swept: with and without the outlier row, MSE vs Huber loss, and 20
  initialisation seeds (the data is fixed, as in the write-up).
  Measured: with the outlier, MSE diverges in 20/20 runs (the claim holds — the step
  lr·x² ≈ 10^4 is far past the stability limit); without it every run trains (median
  final loss 0.07); Huber keeps the weights finite but ends at losses of 35–338.

  Run: gglab run experiments/seed_outlier.lua ]]
local gg = require "gglab"

local function data(outlier)
  local x = outlier and { 1, 2, 3, 1000 } or { 1, 2, 3 }
  local y = {}
  for i, v in ipairs(x) do y[i] = 2 * v end
  return gg.data.from_tensors(gg.tensor(x), gg.tensor(y))
end

return gg.experiment {
  name = "seed_outlier",
  description = "seed 000 example 2: one huge input row with SGD lr 0.01",
  sweep = gg.grid { outlier = { true, false }, loss = { "mse", "huber" }, seed = gg.seeds(20) },
  run = function(p, run)
    local model = gg.nn.sequential { gg.nn.linear(1, 1) }
    gg.train { model = model, data = data(p.outlier), loss = p.loss, batch_size = 4, epochs = 100,
      shuffle = false, optimizer = gg.optim.sgd(model, { lr = 0.01 }), log = run }
  end,
  claims = {
    { "with the outlier, MSE + SGD(0.01) blows up (the write-up's claim)", folklore = "outliers", check = function(R)
      local f = R:fraction(function(r) return r.status == "diverged" end, { outlier = true, loss = "mse" })
      return f.lo >= 0.8, "diverged " .. f.text end },
    { "without it, the same setup trains (final loss < 0.25 after 100 epochs)", check = function(R)
      local f = R:fraction(function(r) return r.status == "ok" and r.final_loss < 0.25 end,
        { outlier = false, loss = "mse" })
      return f.lo >= 0.8, f.text end },
    { "Huber loss keeps the outlier run from overflowing", folklore = "outliers", check = function(R)
      local f = R:fraction(function(r) return r.status ~= "diverged" end, { outlier = true, loss = "huber" })
      return f.lo >= 0.8, "not diverged " .. f.text end },
    { "... but Huber does not fit it either (final loss > 10)", check = function(R)
      local f = R:fraction(function(r) return r.final_loss > 10 end, { outlier = true, loss = "huber" })
      return f.lo >= 0.8, f.text end },
  },
}
