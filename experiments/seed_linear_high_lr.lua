--[[ experiments/seed_linear_high_lr.lua — seed write-up 000 ("Why does my ML model
  training loss increase exponentially?"), example 1: X = rand(100, 1) * 10,
  y = 2X + 1 + N(0,1), nn.Linear(1,1), SGD(lr=1.0), MSELoss, 100 full-batch epochs — "a
  learning rate of 1.0 is excessively large, and we will likely see the loss increase in a
  rather dramatic fashion". Reproduced as written (PyTorch's Linear init, full batch, no
  shuffling) over lr in {1.0, 0.1, 0.03, 0.01, 0.001, 0.0001} x 20 seeds (data and init);
  the data is paired across lr. Gradient descent on this quadratic is stable iff
  lr < 2/lambda_max, where lambda_max (the largest Hessian eigenvalue, 2x that of the
  second-moment matrix of [x, 1]) is ~68, i.e. lr < ~0.029; the exact limit moves with
  each data sample. "Stable" below = the run ends ok and its final loss is its minimum
  (within 0.1%): the loss never climbed back.
  Measured: lr = 1.0 overflows to inf in 20/20 runs (at step 11-12; lr = 0.1 at step
  24-29), so the write-up's claim holds. Every run at lr <= 0.01 is stable (its loss in
  fact never rises from one step to the next), so 0.01 is the largest stable lr of the
  sweep. lr = 0.03 sits on the limit: 2/lambda_max of the 20 samples ranges from 0.027 to
  0.036, and exactly the 12 seeds with 2/lambda_max < 0.03 see the loss climb (to 5e8 in
  the median of all 20, up to 3.5e17, never inf within 100 epochs) while the other 8
  converge — so "lr 0.03 already rises in most seeds" does not hold (60% [39%, 78%]). Too
  low an lr stalls without making the loss rise: at lr = 1e-4 the loss falls at every step
  (20/20 stable) but ends at a median 40.7 vs 0.99 at lr = 0.01 (paired log difference 3.59
  [3.32, 3.87], ~36x). lr = 0.001 still trains: median final loss 1.03 (max 1.47; the noise
  floor is sigma^2 = 1).

  Run: gglab run experiments/seed_linear_high_lr.lua ]]
local gg = require "gglab"

-- Stable: finished without overflow and ended at its minimum loss (0.1% tolerance for
-- float32 jitter at convergence).
local function stable(r)
  return r.status == "ok" and r.final_loss <= r.min_loss * 1.001
end

return gg.experiment {
  name = "seed_linear_high_lr",
  description = "seed 000 example 1: full-batch SGD on y = 2x + 1 + noise at lr 1.0 down to 1e-4",
  sweep = gg.grid { lr = { 1.0, 0.1, 0.03, 0.01, 0.001, 0.0001 }, seed = gg.seeds(20) },
  run = function(p, run)
    local data = gg.data.regression { n = 100, features = 1, x = "uniform", scale = 10, w = { 2 },
      bias = 1, noise = 1, seed = run.seed }
    local model = gg.nn.sequential { gg.nn.linear(1, 1) }
    gg.train { model = model, data = data, loss = "mse", optimizer = gg.optim.sgd(model, { lr = p.lr }),
      batch_size = 100, epochs = 100, shuffle = false, log = run }
  end,
  claims = {
    { "SGD with lr = 1.0 makes the loss explode to inf/NaN (the write-up's claim)", folklore = "high_lr",
      check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" end, { lr = 1.0 })
        return f.lo >= 0.8, "diverged " .. f.text end },
    { "the largest lr at which all 20 seeds are stable is 0.01 (the limit 2/lambda_max ~ 0.029 lies "
      .. "between 0.01 and 0.03)", check = function(R)
        local best, parts = nil, {}
        for _, lr in ipairs { 1.0, 0.1, 0.03, 0.01, 0.001, 0.0001 } do
          local f = R:fraction(stable, { lr = lr })
          parts[#parts + 1] = string.format("lr %s: %d/%d", gg.fmt_number(lr), f.k, f.n)
          if not best and f.k == f.n and f.n > 0 then best = lr end
        end
        return best == 0.01, "stable " .. table.concat(parts, ", ") end },
    { "lr = 0.03, just past the limit, already makes the loss rise in most seeds", folklore = "high_lr",
      check = function(R)
        local f = R:fraction(function(r) return not stable(r) end, { lr = 0.03 })
        return f.lo >= 0.5, "not stable " .. f.text end },
    { "too low an lr (1e-4) stalls but does not make the loss rise: every run ends at its minimum, "
      .. "yet its final loss is still >= 2x the one reached at lr 0.01 (paired)", folklore = "low_lr",
      check = function(R)
        local f = R:fraction(stable, { lr = 0.0001 })
        local d = R:paired("final_loss", { lr = 0.0001 }, { lr = 0.01 }, { "seed" }, math.log)
        return f.k == f.n and d.lo > math.log(2), "stable " .. f.text .. "; log " .. d.text end },
    { "a small lr (0.001) still trains: final loss < 2 (noise floor sigma^2 = 1)", check = function(R)
      local f = R:fraction(function(r) return r.status == "ok" and r.final_loss < 2 end, { lr = 0.001 })
      return f.lo >= 0.8, f.text end },
  },
}
