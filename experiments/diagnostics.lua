--[[ experiments/diagnostics.lua — do the training diagnostics (docs/diagnostics.md) tell a
  healthy run from a too-high learning rate, a saturated network and a diverging run?

  One task: y = xW + 0.5 + N(0, 1) with x ~ N(0, I_10), 200 rows (paired across
  configurations by seed), a 10-32-32-1 MLP, MSE, full-batch gradient descent (SGD) for
  300 steps, diagnostics every 10 steps and the sharpness (top Hessian eigenvalue on all
  200 rows) every 20:
    healthy    tanh, lr 0.01 (2/lr = 200)
    high_lr    tanh, lr 0.2  (2/lr = 10, about 2/sharpness at initialisation)
    saturated  sigmoid with the default init scaled by 20, lr 0.01
    diverging  tanh, lr 0.8
    boundary   no training curve: 2/sharpness at initialisation, and gg.stable_lr's largest
               lr that does not end above its starting loss within 300 steps
  Measured (5 seeds): at lr 0.1 the sharpness rises to 2/lr = 20 and stays there (median
  of the second half 19.4-21.4, in a sawtooth of catapults) while the loss falls 25-56x
  and ends below lr 0.01's — the edge of stability of Cohen et al. (2021); at lr 0.01 it
  peaks at 15-53, far below 200. The median update ratio ||dW||/||W|| is 5.6e-4 to
  1.3e-3 when healthy (CS231n's rule of thumb says ~1e-3), 5.3e-3 to 7.3e-2 at lr 0.1,
  and 8 to 7800 as lr 0.8 overflows (steps 18-21), with loss_spike = 1 at step 10, before
  it does (nonfinite stays 0: the loss overflows before any weight). loss_spike also fires
  in 3 of 5 edge-of-stability runs, on catapults of runs that end well: a false alarm for a
  detector. The oversized sigmoid init starts with 58-62% of its units saturated
  (DeepDiagnosis flags > 50%) and ends at ~4.5x the healthy loss. The largest lr that does
  not end above its start within 300 steps (gg.stable_lr) is 0.84-1.09x 2/sharpness at
  initialisation.

  Run: gglab run experiments/diagnostics.lua ]]
local gg = require "gglab"

local CONFIGS = {
  healthy = { act = "tanh", lr = 0.01 },
  high_lr = { act = "tanh", lr = 0.1 },
  saturated = { act = "sigmoid", lr = 0.01, scale = 20 },
  diverging = { act = "tanh", lr = 0.8 },
}

local function mlp(act, scale, seed)
  return gg.nn.mlp { 10, 32, 32, 1, activation = act, init = scale and { "default", scale = scale } or nil,
    seed = seed }
end

local function median(t)
  local c = table.move(t, 1, #t, 1, {})
  table.sort(c)
  return #c > 0 and c[(#c + 1) // 2] or 0 / 0
end

local function max(t)
  local m = -math.huge
  for _, v in ipairs(t) do m = math.max(m, v) end
  return m
end

-- For every run of config: pred(r) holds. Returns holds, "k/n".
local function all(R, config, pred)
  local f = R:fraction(pred, { config = config })
  return f.k == f.n and f.n > 0, f.k .. "/" .. f.n
end

return gg.experiment {
  name = "diagnostics",
  description = "diagnostics curves of healthy, too-high-lr, saturated and diverging full-batch training",
  sweep = gg.grid { config = { "healthy", "high_lr", "saturated", "diverging", "boundary" }, seed = gg.seeds(5) },
  run = function(p, run)
    local data = gg.data.regression { n = 200, features = 10, noise = 1.0, seed = run.seed }
    if p.config == "boundary" then
      local lam0 = gg.diag.sharpness(mlp("tanh", nil, run.seed), data, { iters = 50, tol = 1e-4 })
      run:log("init_limit", 2 / lam0, 0)
      local res = gg.stable_lr { build = function(seed, lr)
          local model = mlp("tanh", nil, seed)
          return { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = lr }), batch_size = 200,
            shuffle = false }
        end, seeds = { run.seed }, steps = 300, lo = 0.01, hi = 2, tol = 0.05 }
      run:log("stable_lr", res.lr, 0)
      return
    end
    local c = CONFIGS[p.config]
    local model = mlp(c.act, c.scale, run.seed)
    gg.train { model = model, data = data, loss = "mse", optimizer = gg.optim.sgd(model, { lr = c.lr }),
      batch_size = 200, epochs = 300, shuffle = false, log = run,
      diagnostics = { every = 10, sharpness_every = 20 } }
  end,
  claims = {
    { "edge of stability: at lr 0.1 the sharpness rises to 2/lr and stays there (median over the second "
      .. "half within 20% of 20) while the loss falls at least 10x", folklore = "high_lr",
      check = function(R)
        local meds = {}
        local ok, text = all(R, "high_lr", function(r)
          local s = R:curve(r, "sharpness")
          local m = median(table.move(s, #s // 2 + 1, #s, 1, {}))
          meds[#meds + 1] = string.format("%.3g", m)
          local loss = R:curve(r, "loss")
          return math.abs(m / 20 - 1) <= 0.2 and loss[#loss] < loss[1] / 10
        end)
        return ok, text .. " runs; medians " .. table.concat(meds, ", ") end },
    { "at lr 0.01 the sharpness stays below half of 2/lr = 200", check = function(R)
        local peaks = {}
        local ok, text = all(R, "healthy", function(r)
          local m = max((R:curve(r, "sharpness")))
          peaks[#peaks + 1] = string.format("%.3g", m)
          return m < 100
        end)
        return ok, text .. " runs; peaks " .. table.concat(peaks, ", ") end },
    { "update_ratio separates them: its median is within [5e-4, 2e-3] at lr 0.01 (the ~1e-3 rule of thumb), "
      .. ">= 5e-3 at lr 0.1 and > 1 as lr 0.8 diverges", check = function(R)
        local meds = {}
        local function med_ratio(r)
          local m = median((R:curve(r, "update_ratio")))
          meds[#meds + 1] = string.format("%s %.2g", r.params.config, m)
          return m
        end
        local a, ta = all(R, "healthy", function(r) local m = med_ratio(r) return m >= 5e-4 and m <= 2e-3 end)
        local b, tb = all(R, "high_lr", function(r) return med_ratio(r) >= 5e-3 end)
        local d, td = all(R, "diverging", function(r) return med_ratio(r) > 1 end)
        return a and b and d, "healthy " .. ta .. ", high_lr " .. tb .. ", diverging " .. td .. "; medians "
          .. table.concat(meds, ", ") end },
    { "an oversized sigmoid init saturates (saturated_frac > 0.5 at step 10, DeepDiagnosis's rule) while "
      .. "the default tanh net does not (< 0.05)", folklore = "saturation", check = function(R)
        local a, ta = all(R, "saturated", function(r) return (R:curve(r, "saturated_frac"))[1] > 0.5 end)
        local b, tb = all(R, "healthy", function(r) return (R:curve(r, "saturated_frac"))[1] < 0.05 end)
        return a and b, "saturated " .. ta .. ", healthy " .. tb end },
    { "the saturated network ends with at least 2x the healthy loss (paired by seed)", folklore = "saturation",
      check = function(R)
        local d = R:paired("final_loss", { config = "saturated" }, { config = "healthy" }, { "seed" }, math.log)
        return d.lo > math.log(2), "log ratio " .. d.text end },
    { "loss_spike fires before lr 0.8 overflows and never in a healthy run; nonfinite stays 0 when healthy",
      check = function(R)
        local a, ta = all(R, "diverging", function(r)
          return r.status == "diverged" and max((R:curve(r, "loss_spike"))) == 1 end)
        local b, tb = all(R, "healthy", function(r)
          return max((R:curve(r, "loss_spike"))) == 0 and max((R:curve(r, "nonfinite"))) == 0 end)
        return a and b, "diverging " .. ta .. ", healthy " .. tb end },
    { "lr 0.1, whose sharpness sits at the classical limit 2/lr, still ends below lr 0.01's loss (paired by seed)",
      folklore = "high_lr", check = function(R)
        local d = R:paired("final_loss", { config = "high_lr" }, { config = "healthy" }, { "seed" }, math.log)
        return d.hi < 0, "log ratio " .. d.text end },
    { "loss_spike (k = 3) stays silent on edge-of-stability training at lr 0.1", check = function(R)
        local spikes = {}
        local ok, text = all(R, "high_lr", function(r)
          local v, st = R:curve(r, "loss_spike")
          local at = {}
          for i, x in ipairs(v) do if x == 1 then at[#at + 1] = st[i] end end
          spikes[#spikes + 1] = #at > 0 and table.concat(at, "/") or "none"
          return #at == 0
        end)
        return ok, text .. " runs silent; spikes at steps " .. table.concat(spikes, ", ") end },
    { "the sharpness at initialisation predicts the largest stable lr: gg.stable_lr's boundary is within "
      .. "20% of 2/sharpness", check = function(R)
        local ratios = {}
        local ok, text = all(R, "boundary", function(r)
          local q = (R:curve(r, "stable_lr"))[1] / (R:curve(r, "init_limit"))[1]
          ratios[#ratios + 1] = string.format("%.2f", q)
          return math.abs(q - 1) <= 0.2
        end)
        return ok, text .. " runs; ratios " .. table.concat(ratios, ", ") end },
  },
}
