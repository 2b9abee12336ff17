--[[ experiments/clipping_threshold.lua — does gradient clipping keep a too-high learning
  rate from exploding, and at what threshold?

  The write-ups (000, 001 ex. 3, 002, 003 ex. 3) offer clip_grad_norm_(max_norm = 1.0)
  against exploding gradients. Tested where the loss does explode: plain SGD at lr 1.0 on
  two tasks, above their divergence boundaries (probed over 10 log-spaced lrs x 3 seeds,
  all overflowing: linreg from lr 0.065, the mlp from 0.65):
  - linreg: write-up 000's example, y = 2x + 1 + N(0,1), x ~ U(0,10), 100 rows, Linear(1,1),
    full batch, 100 steps (stability limit ~0.029, so lr 1.0 is 35x too high);
  - mlp: 10-32-32-1 ReLU MLP, regression with 10 N(0,1) features and noise 0.5, 512 rows,
    batch 32, 20 epochs.
  Swept: clip_norm {100, 10, 1, 0.1}, clip_value {1, 0.1}, no clipping, and a reference run
  at a stable lr without clipping (linreg 0.01, mlp 0.03) x 20 seeds (data, init and
  shuffling paired). The pre-clip gradient norm is logged every step.
  Measured:
  - Without clipping, 20/20 linreg and 15/20 mlp runs overflow; the other 5 mlp runs end
    finite but exploded (median final loss 4e6), so the setup claim "overflows in every
    run" does not hold for the mlp — lr 1.0 sits just above its boundary.
  - With clipping, at ANY threshold, no run overflows (0/160 clip_norm, 0/80 clip_value):
    a clipped step moves the parameters by at most lr x threshold, so they can only drift,
    not grow geometrically. But a loose threshold only bounds the explosion: at clip_norm
    100 / 10 linreg still ends at a median loss of 3.3e5 / 2.1e3, above its first epoch's
    157 in 20/20 runs each (mlp: 255 / 17 vs 0.23 for the reference; the mlp's first
    gradient norm is 2.7, so 100 and 10 clip only 3 % / 12 % of its steps).
  - Only a threshold well below the typical gradient norm trains: final loss within 2x of
    the stable-lr twin at clip_norm 0.1 in 20/20 runs of both tasks (linreg 1.13 vs 0.99,
    mlp 0.25 vs 0.23); at the write-ups' 1.0 in 4/20 linreg (median 7.6) and 0/20 mlp
    (median 2.1) runs — so "max_norm <= 1 rescues training" holds for 24/40 linreg and
    20/40 mlp runs, not most. clip_value 0.1 rescues linreg (19/20) but not the mlp (0/20,
    median 1.3); clip_value 1 rescues 2/20 linreg and 0/20 mlp runs (medians 17 / 10).
  Clipping does prevent overflow, at every threshold; it does not make a too-high lr work
  unless the threshold is tight enough to act as a smaller lr (|step| <= lr x threshold).

  Run: gglab run experiments/clipping_threshold.lua ]]
local gg = require "gglab"

-- Per task: the data, the model, the too-high lr, a stable reference lr, batch and epochs.
local TASKS = {
  linreg = { lr = 1.0, reference_lr = 0.01, batch_size = 100, epochs = 100,
    data = function(seed)
      return gg.data.regression { n = 100, features = 1, x = "uniform", scale = 10, w = { 2 }, bias = 1,
        noise = 1, seed = seed }
    end,
    model = function() return gg.nn.sequential { gg.nn.linear(1, 1) } end },
  mlp = { lr = 1.0, reference_lr = 0.03, batch_size = 32, epochs = 20,
    data = function(seed) return gg.data.regression { n = 512, features = 10, noise = 0.5, seed = seed } end,
    model = function() return gg.nn.mlp { 10, 32, 32, 1 } end },
}

local function finished(r) return r.status == "ok" end

return gg.experiment {
  name = "clipping_threshold",
  description = "SGD above its divergence boundary: clip_norm 100..0.1 and clip_value 1, 0.1 vs none and a stable lr",
  sweep = gg.grid { task = { "linreg", "mlp" }, method = "norm", threshold = { 100, 10, 1, 0.1 },
      seed = gg.seeds(20) }
    + gg.grid { task = { "linreg", "mlp" }, method = "value", threshold = { 1, 0.1 }, seed = gg.seeds(20) }
    + gg.grid { task = { "linreg", "mlp" }, method = { "none", "reference" }, threshold = 0, seed = gg.seeds(20) },
  run = function(p, run)
    local t = TASKS[p.task]
    local model = t.model()
    local lr = p.method == "reference" and t.reference_lr or t.lr
    gg.train { model = model, data = t.data(run.seed), loss = "mse", optimizer = gg.optim.sgd(model, { lr = lr }),
      batch_size = t.batch_size, epochs = t.epochs, log_grad_norm = true, log = run,
      clip_norm = p.method == "norm" and p.threshold or nil,
      clip_value = p.method == "value" and p.threshold or nil }
  end,
  claims = {
    { "the setup: without clipping, SGD at lr 1.0 overflows (NaN/inf) in every run of both tasks", check = function(R)
      local f = R:fraction(function(r) return r.status == "diverged" end, { method = "none" })
      return f.k == f.n and f.n > 0, "diverged " .. f.text end },
    { "gradient clipping prevents the loss from exploding: with clip_norm at every threshold from 100 down to 0.1, "
      .. "no run diverges", folklore = "exploding", check = function(R)
        local parts, ok = {}, true
        for _, c in ipairs { 100, 10, 1, 0.1 } do
          local where = { method = "norm", threshold = c }
          local f = R:fraction(function(r) return r.status == "diverged" end, where)
          -- not part of the verdict: how many finite runs still end above their first epoch's loss
          local up = R:fraction(function(r)
            return finished(r) and r.final_loss > R:curve(r, "epoch_loss")[1] end, where)
          ok = ok and f.k == 0
          parts[#parts + 1] = string.format("clip_norm %g: %d/%d (final > first epoch: %d)", c, f.k, f.n, up.k)
        end
        return ok, "diverged " .. table.concat(parts, ", ") end },
    { "clipping at the write-ups' max_norm <= 1 rescues training: in most runs (Wilson lower bound > 50%) the final "
      .. "loss is at most 2x that of the same seed trained at a stable lr without clipping, in each task",
      folklore = "exploding", check = function(R)
        local ref = {}
        for _, r in ipairs(R:select { method = "reference" }) do ref[r.params.task .. r.params.seed] = r end
        local parts, ok = {}, true
        for _, task in ipairs { "linreg", "mlp" } do
          local f = R:fraction(function(r)
            local o = ref[task .. r.params.seed]
            return finished(r) and o ~= nil and finished(o) and r.final_loss <= 2 * o.final_loss
          end, { task = task, method = "norm", threshold = gg.at_most(1) })
          ok = ok and f.lo > 0.5
          parts[#parts + 1] = task .. " " .. f.text
        end
        return ok, "within 2x: " .. table.concat(parts, "; ") end },
    { "clip_value (1 or 0.1) also prevents the explosion: no run diverges", folklore = "exploding",
      check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" end, { method = "value" })
        return f.k == 0, "diverged " .. f.text end },
  },
}
