--[[ experiments/overfitting.lua — does overfitting lower the training loss while the
  validation loss rises, and is too much capacity to blame?

  Write-ups 001 and 002: overfitting shows as a training loss that keeps falling while the
  validation loss rises; an overly complex network is to blame, and dropout, weight decay
  and (implicitly) early stopping manage it. digits with only 107 training rows (6 %,
  standardised on them), 203 validation rows (watched every epoch) and 1487 test rows
  (evaluated once at the end, never used to choose anything); Adam 1e-3, batch 32, 150
  epochs (600 steps), cross-entropy, 20 seeds (split, init and shuffling paired across
  variants). Variants: big = 64-64-64-10 ReLU MLP (9k parameters for 107 rows); small =
  64-16-10; the big one with l2 = 1e-3 (gg.train's penalty), with dropout 0.5, or with
  early_stopping {patience = 10, restore_best = true}.
  "Overfits" (exact): with e* the epoch of the lowest validation loss, the last epoch's
  validation loss is > 5 % above it AND the last epoch's training loss is below epoch e*'s.
  Measured (medians over seeds):
  - big: the validation loss bottoms out at 0.44 at epoch 63 (33-129 across seeds) while
    the training loss is 0.012, then the training loss falls 7x more (0.0016 at epoch 150)
    and the validation loss climbs back to 0.47 (+6.3 %): above its minimum at the end in
    20/20 runs, by > 5 % in 11/20 = 55 % [34 %, 74 %] — the shape the folklore describes,
    but mild, and short of "most runs" at the 5 % bar. Nothing diverges (0/100).
  - small (64-16-10): 0/20 overfit (the validation loss is still falling at epoch 150 in
    17/20), so capacity is to blame for the rise ... but not for the result: its test loss
    is no better than big's (log difference +0.04 [-0.04, 0.13]).
  - Remedies, test loss (big 0.47): early stopping 0.45 (stops at epoch ~68, best ~58;
    log difference -0.07 [-0.10, -0.04]); L2 1e-3 0.40 (-0.16 [-0.18, -0.14], its
    validation loss never rises > 5 %: 1/20); dropout 0.5 0.49 (+0.01 [-0.03, 0.05]) — and
    dropout overfits by the definition above in 15/20 runs (best epoch ~104, +8.5 % after):
    it delays the rise without preventing it.

  Run: gglab run experiments/overfitting.lua ]]
local gg = require "gglab"
local claims = require "gglab.claims"

local EPOCHS = 150

-- The variants: the model's hidden widths and what gg.train gets on top.
local VARIANTS = {
  big        = { hidden = { 64, 64 } },
  small      = { hidden = { 16 } },
  l2         = { hidden = { 64, 64 }, l2 = 1e-3 },
  dropout    = { hidden = { 64, 64 }, dropout = 0.5 },
  early_stop = { hidden = { 64, 64 }, early_stopping = { patience = 10, restore_best = true } },
}

--[[ "Overfits": with e* the epoch of the lowest validation loss, the last epoch's
  validation loss is > 5 % above it while the last epoch's training loss is below the
  training loss of epoch e* (the training loss still fell while the validation loss rose). ]]
local function overfits(R, r)
  local val, tr = R:curve(r, "val_loss"), R:curve(r, "epoch_loss")
  if #val == 0 or #tr ~= #val then return false end
  local best = 1
  for e = 2, #val do if val[e] < val[best] then best = e end end
  return val[#val] > 1.05 * val[best] and tr[#tr] < tr[best]
end

-- Records carrying one logged end-of-run metric, so claims.results(...):paired works on it.
local function metric_records(R, metric, where)
  local out = {}
  for _, r in ipairs(R:select(where)) do
    local v = R:curve(r, metric)
    out[#out + 1] = { params = r.params, [metric] = v[#v] }
  end
  return claims.results(out)
end

return gg.experiment {
  name = "overfitting",
  description = "digits, 107 training rows: 64-64-64-10 MLP for 150 epochs vs smaller, L2, dropout, early stopping",
  sweep = gg.grid { variant = { "big", "small", "l2", "dropout", "early_stop" }, seed = gg.seeds(20) },
  run = function(p, run)
    local v = VARIANTS[p.variant]
    local all = assert(gg.data.csv("experiments/data/digits.csv", { target = "target", classify = true }))
    local train, rest = all:split(0.94, { seed = run.seed })          -- 107 training rows
    local test, val = rest:split(0.12, { seed = run.seed })            -- 1487 test, 203 validation rows
    local scaler = gg.data.standard_scaler(train)
    train, val, test = scaler:transform(train), scaler:transform(val), scaler:transform(test)
    local widths = { 64 }
    for _, w in ipairs(v.hidden) do widths[#widths + 1] = w end
    widths[#widths + 1] = 10
    widths.dropout = v.dropout
    local model = gg.nn.mlp(widths)
    local hist = gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = 32,
      epochs = EPOCHS, optimizer = gg.optim.adam(model, { lr = 1e-3 }), l2 = v.l2,
      early_stopping = v.early_stopping, log = run }
    -- the model as it ends (early stopping: the restored best epoch), on rows nobody selected on
    run:log("test_loss", gg.evaluate(model, test, { loss = "cross_entropy" }), hist.steps, #hist.epoch_loss)
  end,
  claims = {
    { "overfitting lowers the training loss while the validation loss rises: with the big model, in most runs "
      .. "(Wilson lower bound > 50%) the last epoch's validation loss is > 5% above its minimum while the training "
      .. "loss is below its value at that epoch", folklore = "overfitting", check = function(R)
        local f = R:fraction(function(r) return overfits(R, r) end, { variant = "big" })
        return f.lo > 0.5, "overfitting " .. f.text end },
    { "too much capacity is to blame: the 64-16-10 model overfits (same definition) in fewer runs than the "
      .. "64-64-64-10 one (Wilson intervals do not overlap)", folklore = "overfitting", check = function(R)
        local big = R:fraction(function(r) return overfits(R, r) end, { variant = "big" })
        local small = R:fraction(function(r) return overfits(R, r) end, { variant = "small" })
        return small.hi < big.lo, "small " .. small.text .. "; big " .. big.text end },
    { "early stopping (patience 10, best epoch restored) ends with a lower test loss than training the big model "
      .. "all 150 epochs (paired by seed; log; upper bound < 0)", check = function(R)
        local d = metric_records(R, "test_loss", {})
          :paired("test_loss", { variant = "early_stop" }, { variant = "big" }, { "seed" }, math.log)
        return d.hi < 0, "log " .. d.text end },
    { "L2 (1e-3), dropout (0.5) and the smaller model each end with a lower test loss than the big model "
      .. "(paired by seed; log; upper bound < 0 for each)", check = function(R)
        local Rt, parts, ok = metric_records(R, "test_loss", {}), {}, true
        for _, v in ipairs { "l2", "dropout", "small" } do
          local d = Rt:paired("test_loss", { variant = v }, { variant = "big" }, { "seed" }, math.log)
          ok = ok and d.hi < 0
          parts[#parts + 1] = string.format("%s %.3f [%.3f, %.3f]", v, d.value, d.lo, d.hi)
        end
        return ok, "log paired differences vs big: " .. table.concat(parts, ", ") end },
  },
}
