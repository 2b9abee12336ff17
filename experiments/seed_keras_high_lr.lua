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
  Mechanism (gg.train diagnostics every 4th step; runs.csv: dead_relu_final, update_ratio, max_move_per_lr_step,
  max_abs_weight, y_var):
  - lr 10 ends far worse: >= 95% of the 64 hidden ReLUs are dead on the last (4-row) batch in 20/20 runs at
    lr 10 and lr 1 and 19/20 at lr 0.1 (0/20 at 0.001): the net is (nearly) a constant (its last bias). That
    costs nothing in itself — y is independent of X, so the best fit is the constant mean(y) (final loss /
    var(y) = 1.1 at lr 0.1) — but Adam moves that constant by ~lr per step, so its error stays of order lr:
    sqrt(final loss) / lr = 4.2 [0.9, 27] at lr 10, 2.3 at lr 1. The loss grows like lr^2, not exponentially.
  - no overflow: the largest |w_T - w_0| / (lr x T) at lr 10 is 0.15 [0.15, 0.19] (<= 1: Adam's steps are
    bounded by ~lr), the largest final |w| 59 [59, 76], far from float32's 3.4e38.
  - lr 0.001 trains: median update/weight ratio 0.0020 (CS231n's healthy ~1e-3), final loss / var(y) = 1.16.

  Run: gglab run experiments/seed_keras_high_lr.lua ]]
local gg = require "gglab"

-- "median [min, max]" over the runs matching where of metric: a summary value's name or a function of the run.
local function spread(R, metric, where) return R:spread(metric, where).text end

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
    local w0 = model:parameters()
    local h = gg.train { model = model, data = data, keras = true, loss = "mse", epochs = 10,
      optimizer = gg.optim.keras_adam(model, { lr = p.lr }), log = run, diagnostics = { every = 4 } }
    -- Mechanism: Adam moves each weight by about lr per step whatever the gradient, so after T steps no
    -- weight can be further than ~lr x T from its start: growth is linear, never exponential.
    -- max_move_per_lr_step = max |w_T - w_0| / (lr T) over all parameters (~1 at most);
    -- update_ratio = median over the logged steps (every 4th) of ||dW|| / ||W|| (CS231n: ~1e-3 is healthy);
    -- max_abs_weight = the largest final |w|, against float32's 3.4e38.
    local moved, wmax = 0, 0
    for i, t in ipairs(model:parameters()) do
      local a, b = w0[i]:totable(), t:totable()
      for r = 1, #b do
        for c = 1, #b[r] do
          moved, wmax = math.max(moved, math.abs(b[r][c] - a[r][c])), math.max(wmax, math.abs(b[r][c]))
        end
      end
    end
    local ur = h.diagnostics.update_ratio.values
    local sorted = {}
    for i, v in ipairs(ur) do sorted[i] = v end
    table.sort(sorted)
    -- dead_relu_final = the share of hidden ReLUs dead on the whole last batch (no gradient reaches them).
    -- y_var = the targets' variance: y is independent of X, so the best fit is the constant mean(y) and
    -- this is the loss it gets; a network whose ReLUs are all dead outputs a constant (its last bias).
    local dead = h.diagnostics.dead_relu_frac.values
    local ys, ym, yv = yt:totable(), 0, 0
    for _, row in ipairs(ys) do ym = ym + row[1] / #ys end
    for _, row in ipairs(ys) do yv = yv + (row[1] - ym) ^ 2 / #ys end
    -- T = 40 steps: 10 epochs x 4 batches.
    run:summary { max_move_per_lr_step = moved / (p.lr * 40), max_abs_weight = wmax,
      update_ratio = sorted[(#sorted + 1) // 2], dead_relu_final = dead[#dead], y_var = yv }
  end,
  claims = {
    { "Adam at lr = 10 ends far worse than at lr = 0.001 (the write-up: 'likely to explode')", folklore = "high_lr",
      check = function(R)
        local d = R:paired("final_loss", { lr = 10 }, { lr = 0.001 }, { "seed" }, math.log)
        local function dead(lr)
          return R:fraction(function(r) return R:value(r, "dead_relu_final") >= 0.95 end, { lr = lr }).text
        end
        local function rms(lr) return spread(R, function(r) return math.sqrt(r.final_loss) / lr end, { lr = lr }) end
        return d.lo > math.log(10), "log " .. d.text .. "; mechanism: >= 95% of the hidden ReLUs are dead on the "
          .. "last (4-row) batch at lr 10 in " .. dead(10) .. ", " .. dead(1) .. " at lr 1, " .. dead(0.1)
          .. " at lr 0.1, " .. dead(0.001) .. " at lr 0.001: from lr 0.1 up the net is (nearly) a constant. That costs "
          .. "nothing here (y is independent of X: final loss / var(y) = " .. spread(R, function(r)
            return r.final_loss / R:value(r, "y_var") end, { lr = 0.1 }) .. " at lr 0.1), but Adam moves that "
          .. "constant by ~lr per step, so its error stays of order lr: sqrt(final loss) / lr = " .. rms(10)
          .. " at lr 10, " .. rms(1) .. " at lr 1" end },
    { "... and its loss actually overflows to inf/NaN", folklore = "high_lr", check = function(R)
      local f = R:fraction(function(r) return r.status == "diverged" end, { lr = 10 })
      return f.lo >= 0.5, "diverged " .. f.text .. "; mechanism: Adam's step is bounded by ~lr: the largest "
        .. "|w_T - w_0| / (lr x T) at lr 10 is " .. spread(R, "max_move_per_lr_step", { lr = 10 })
        .. " (<= 1: weights can only grow linearly), and the largest final |w| is "
        .. spread(R, "max_abs_weight", { lr = 10 }) .. ", nowhere near float32's 3.4e38" end },
    { "lr = 0.001 trains: the final epoch loss is below 0.2", check = function(R)
      local f = R:fraction(function(r) return r.final_loss < 0.2 end, { lr = 0.001 })
      return f.lo >= 0.8, f.text .. "; mechanism: median update/weight ratio "
        .. spread(R, "update_ratio", { lr = 0.001 }) .. " (CS231n's healthy ~1e-3), dead ReLU share on the "
        .. "last (4-row) batch " .. spread(R, "dead_relu_final", { lr = 0.001 }) .. ", final loss / var(y) = "
        .. spread(R, function(r) return r.final_loss / R:value(r, "y_var") end, { lr = 0.001 })
        .. " (1 = the best constant: y is independent of X)" end },
  },
}
