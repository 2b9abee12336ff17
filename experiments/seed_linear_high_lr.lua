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
  Mechanism (per run, runs.csv: lam_max / lam_min = the exact Hessian eigenvalues of (2/n) [x 1]^T [x 1],
  lr_lam = lr x lam_max, sharp_init = gg.diag.sharpness at initialisation, which matches lam_max to < 1e-4):
  - lr 1.0 diverges: lr x lambda_max = 69 [55, 73] > 2, so the top mode's error is multiplied by
    |1 - lr x lambda_max| per step and the loss by ~4,700 (2,900-5,200): inf at step 11-12.
  - stability: a run is stable exactly when lr x lambda_max < 2, in 120/120 runs (added as a mechanism
    claim); 2/lambda_max = 0.029 [0.027, 0.036], lr 0.01 has lr x lambda_max = 0.69 [0.55, 0.73].
  - lr 0.03: lr x lambda_max = 2.08 [1.65, 2.19], > 2 in 12/20 samples — exactly the 12 runs whose loss rises.
  - lr 1e-4: lr x lambda_max = 0.0069 < 1, so every mode's error shrinks monotonically (no rise), but after
    100 steps the top mode still keeps (1 - lr x lambda_max)^100 = 0.50 [0.48, 0.58] of its initial error
    (1e-51 at lr 0.01): a stall.
  - lr 0.001: the top mode keeps 0.0008 [0.0005, 0.0035] of its error; the flat mode (lambda_min = 0.48)
    keeps 0.95 of its own, and the final loss is still < 2.

  Run: gglab run experiments/seed_linear_high_lr.lua ]]
local gg = require "gglab"

-- Stable: finished without overflow and ended at its minimum loss (0.1% tolerance for
-- float32 jitter at convergence).
local function stable(r)
  return r.status == "ok" and r.final_loss <= r.min_loss * 1.001
end

-- "median [min, max]" of f(r) over the runs matching where (and pred, if given), and how many.
local function spread(R, f, where, pred)
  local s = R:spread(f, where, { pred = pred })
  return s.n > 0 and s.text or "none", s.n
end

-- lr x lambda_max of a run, and whether it lies past the GD stability bound 2.
local function lr_lam(R, r) return R:value(r, "lr_lam") end

-- How many runs of where are stable exactly when lr x lambda_max < 2.
local function bound_agrees(R, where)
  local k, n = 0, 0
  for _, r in ipairs(R:select(where)) do
    n = n + 1
    if stable(r) == (lr_lam(R, r) < 2) then k = k + 1 end
  end
  return k, n
end

return gg.experiment {
  name = "seed_linear_high_lr",
  description = "seed 000 example 1: full-batch SGD on y = 2x + 1 + noise at lr 1.0 down to 1e-4",
  sweep = gg.grid { lr = { 1.0, 0.1, 0.03, 0.01, 0.001, 0.0001 }, seed = gg.seeds(20) },
  run = function(p, run)
    local data = gg.data.regression { n = 100, features = 1, x = "uniform", scale = 10, w = { 2 },
      bias = 1, noise = 1, seed = run.seed }
    local model = gg.nn.sequential { gg.nn.linear(1, 1) }
    -- Mechanism: the Hessian of the MSE is H = (2/n) [sum x^2, sum x; sum x, n], exact for this
    -- quadratic; GD is stable iff lr x lambda_max < 2 and every mode falls monotonically iff it is < 1.
    -- sharp_init cross-checks lambda_max with gg.diag.sharpness (power iteration) at initialisation.
    local sxx, sx, n = 0, 0, 0
    for _, row in ipairs(data:x():totable()) do sxx, sx, n = sxx + row[1] ^ 2, sx + row[1], n + 1 end
    local a, b, d = 2 * sxx / n, 2 * sx / n, 2
    local mid, rad = (a + d) / 2, math.sqrt(((a - d) / 2) ^ 2 + b ^ 2)
    local sharp = gg.diag.sharpness(model, data, { loss = "mse" })
    run:summary { lam_max = mid + rad, lam_min = mid - rad, lr_lam = p.lr * (mid + rad), sharp_init = sharp }
    gg.train { model = model, data = data, loss = "mse", optimizer = gg.optim.sgd(model, { lr = p.lr }),
      batch_size = 100, epochs = 100, shuffle = false, log = run }
  end,
  claims = {
    { "SGD with lr = 1.0 makes the loss explode to inf/NaN (the write-up's claim)", folklore = "high_lr",
      check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" end, { lr = 1.0 })
        local ll = spread(R, function(r) return lr_lam(R, r) end, { lr = 1.0 })
        local g = spread(R, function(r) return (lr_lam(R, r) - 1) ^ 2 end, { lr = 1.0 })
        local at = spread(R, function(r) return r.steps end, { lr = 1.0 },
          function(r) return r.status == "diverged" end)
        local rel = spread(R, function(r) return R:value(r, "sharp_init") / R:value(r, "lam_max") - 1 end, {})
        return f.lo >= 0.8, "diverged " .. f.text .. "; mechanism: lr x lambda_max(init) = " .. ll
          .. " > 2, so the top mode's error is multiplied by |1 - lr x lambda_max| each step and the loss by "
          .. g .. " -> inf at step " .. at .. " (lambda_max exact from the data; gg.diag.sharpness at init "
          .. "agrees to a relative " .. rel .. ")" end },
    { "the largest lr at which all 20 seeds are stable is 0.01 (the limit 2/lambda_max ~ 0.029 lies "
      .. "between 0.01 and 0.03)", check = function(R)
        local best, parts = nil, {}
        for _, lr in ipairs { 1.0, 0.1, 0.03, 0.01, 0.001, 0.0001 } do
          local f = R:fraction(stable, { lr = lr })
          parts[#parts + 1] = string.format("lr %s: %d/%d", gg.fmt_number(lr), f.k, f.n)
          if not best and f.k == f.n and f.n > 0 then best = lr end
        end
        local k, n = bound_agrees(R, {})
        return best == 0.01, "stable " .. table.concat(parts, ", ") .. "; mechanism: stable iff lr x "
          .. "lambda_max(init) < 2 in " .. k .. "/" .. n .. " runs; 2/lambda_max = "
          .. spread(R, function(r) return 2 / R:value(r, "lam_max") end, { lr = 0.01 })
          .. " over the 20 samples; lr x lambda_max at lr 0.01 = "
          .. spread(R, function(r) return lr_lam(R, r) end, { lr = 0.01 }) end },
    { "lr = 0.03, just past the limit, already makes the loss rise in most seeds", folklore = "high_lr",
      check = function(R)
        local f = R:fraction(function(r) return not stable(r) end, { lr = 0.03 })
        local k, n = bound_agrees(R, { lr = 0.03 })
        local past = R:fraction(function(r) return lr_lam(R, r) > 2 end, { lr = 0.03 })
        return f.lo >= 0.5, "not stable " .. f.text .. "; mechanism: lr x lambda_max(init) = "
          .. spread(R, function(r) return lr_lam(R, r) end, { lr = 0.03 }) .. " is > 2 in " .. past.k .. "/"
          .. past.n .. " samples, and the loss rises exactly in those (" .. k .. "/" .. n
          .. " runs agree with the bound): the limit, not lr 0.03 as such, decides" end },
    { "too low an lr (1e-4) stalls but does not make the loss rise: every run ends at its minimum, "
      .. "yet its final loss is still >= 2x the one reached at lr 0.01 (paired)", folklore = "low_lr",
      check = function(R)
        local f = R:fraction(stable, { lr = 0.0001 })
        local d = R:paired("final_loss", { lr = 0.0001 }, { lr = 0.01 }, { "seed" }, math.log)
        local function left(r) return (1 - lr_lam(R, r)) ^ 100 end
        return f.k == f.n and d.lo > math.log(2), "stable " .. f.text .. "; log " .. d.text
          .. "; mechanism: lr x lambda_max(init) = " .. spread(R, function(r) return lr_lam(R, r) end, { lr = 0.0001 })
          .. " < 1, so every mode's error shrinks monotonically (no rise), but after 100 steps the top mode "
          .. "keeps (1 - lr x lambda_max)^100 = " .. spread(R, left, { lr = 0.0001 }) .. " of its initial error "
          .. "(vs " .. spread(R, left, { lr = 0.01 }) .. " at lr 0.01)" end },
    { "mechanism: a run is stable exactly when lr x lambda_max(init) < 2, the gradient-descent stability bound "
      .. "of this quadratic (all 120 runs)", folklore = "high_lr", check = function(R)
        local k, n = bound_agrees(R, {})
        local past = R:fraction(function(r) return lr_lam(R, r) > 2 end, {})
        return k == n and n > 0, k .. "/" .. n .. " runs agree; lr x lambda_max > 2 in " .. past.k .. "/" .. past.n
          .. " (lambda_max = " .. spread(R, function(r) return R:value(r, "lam_max") end, { lr = 1.0 }) .. ")" end },
    { "a small lr (0.001) still trains: final loss < 2 (noise floor sigma^2 = 1)", check = function(R)
      local f = R:fraction(function(r) return r.status == "ok" and r.final_loss < 2 end, { lr = 0.001 })
      local function left(r) return (1 - lr_lam(R, r)) ^ 100 end
      local function slow(r) return (1 - r.params.lr * R:value(r, "lam_min")) ^ 100 end
      return f.lo >= 0.8, f.text .. "; mechanism: the top mode keeps (1 - lr x lambda_max)^100 = "
        .. spread(R, left, { lr = 0.001 }) .. " of its initial error after 100 steps; the flat mode (lambda_min = "
        .. spread(R, function(r) return R:value(r, "lam_min") end, { lr = 0.001 }) .. ") keeps "
        .. spread(R, slow, { lr = 0.001 }) end },
  },
}
