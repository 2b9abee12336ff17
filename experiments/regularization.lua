--[[ experiments/regularization.lua — does overly strong L1/L2 regularisation raise the
  training loss, and does it make the loss rise?

  Write-ups 001 and 002: "overly strong regularization (L1 or L2) ... potentially leading to
  increased training loss". Two readings: it raises the LEVEL the loss converges to, or it
  makes the loss go UP during training. wine (178 rows, 13 features standardised on the
  training split, 25 % held out as a test set), 13-32-3 ReLU MLP, Adam lr 0.01, batch 32, 50
  epochs, cross-entropy, 10 seeds (split, init, shuffling paired across settings). Swept:
  gg.train's l1 = s or l2 = s (the penalty s*sum|w| or s*sum w^2 over all 547 parameters is
  added to every step's loss AND to the reported loss), or Adam's weight_decay = s (the same
  gradient as l2 = s/2, but NOT in the reported loss), s in {1e-4, 1e-3, 1e-2, 0.1, 1}, vs
  none. The training set is also passed as `val`, so each epoch's "val_loss" here is the
  training cross-entropy WITHOUT the penalty; "test_loss" is the held-out loss at the end.
  "Rises" = the last epoch > 5 % above the lowest epoch.
  Measured (medians over seeds):
  - Level: the training cross-entropy ends at 0.001 without regularisation, 0.04 / 0.04
    at L1 / L2 = 0.01, 1.10 / 0.30 at 0.1 and 1.10 / 1.10 at 1 (chance, ln 3: the network
    is squashed to a constant); at strength 1 the paired log difference vs none is 6.97
    [6.85, 7.09] for L1 and 6.97 [6.85, 7.09] for L2. The reported loss, penalty included,
    is higher still (1.76 for L1 = 1).
  - Rise: the reported loss never rises with L1/L2 >= 0.1 (0/40): it starts high (epoch 1:
    62.6 at L1 = 1, 11.3 at L2 = 1, the penalty of the initial weights) and falls. The
    cross-entropy inside it rises in 20/40 runs (L2 = 0.1: 10/10, from 0.27 at its best
    epoch (~7) to 0.30 at the end) — the optimiser trades it for a smaller penalty. With
    weight decay the penalty is invisible, so the REPORTED loss rises: 19/20 runs at wd >=
    0.1 (the last epoch 9-12 % above the best, which comes at epoch 2-7) and 7/10 at wd =
    0.01. So "strong regularisation raises the training loss" holds for the level; a loss
    curve that goes up points to weight decay (a penalty the reported loss leaves out), not
    to an L1/L2 term inside the loss.
  - Test loss: 0.045 without; 0.041 / 0.040 at L2 / wd = 1e-3; 0.06-0.07 at 0.01; >= 0.18
    at 0.1.

  Run: gglab run experiments/regularization.lua ]]
local gg = require "gglab"

local EPOCHS = 50
local STRENGTHS = { 1e-4, 1e-3, 1e-2, 1e-1, 1 }

-- Last epoch > 5 % above the lowest epoch: the loss went up during training.
local function rose(values)
  if #values == 0 then return false end
  local min = math.huge
  for _, v in ipairs(values) do min = math.min(min, v) end
  return values[#values] > 1.05 * min
end

return gg.experiment {
  name = "regularization",
  description = "wine, 13-32-3 MLP, Adam: L1 / L2 penalty in the loss or weight decay, 1e-4..1, vs none",
  sweep = gg.grid { reg = { "l1", "l2", "wd" }, strength = STRENGTHS, seed = gg.seeds(10) }
    + gg.grid { reg = "none", strength = 0, seed = gg.seeds(10) },
  run = function(p, run)
    local all = assert(gg.data.csv("experiments/data/wine.csv", { target = "target", classify = true }))
    local train, test = all:split(0.25, { seed = run.seed })
    local scaler = gg.data.standard_scaler(train)
    train, test = scaler:transform(train), scaler:transform(test)
    local model = gg.nn.mlp { 13, 32, 3 }
    local opt = gg.optim.adam(model, { lr = 0.01, weight_decay = p.reg == "wd" and p.strength or 0 })
    -- val = the TRAINING set: "val_loss" is then each epoch's training cross-entropy
    -- without the penalty (evaluated after the epoch), next to "epoch_loss", the loss
    -- gg.train reports, which includes l1*sum|w| + l2*sum w^2 (not weight decay's).
    local hist = gg.train { model = model, data = train, val = train, loss = "cross_entropy", batch_size = 32,
      epochs = EPOCHS, optimizer = opt, l1 = p.reg == "l1" and p.strength or nil,
      l2 = p.reg == "l2" and p.strength or nil, log = run }
    run:log("test_loss", gg.evaluate(model, test, { loss = "cross_entropy" }), hist.steps, EPOCHS)
  end,
  claims = {
    { "overly strong regularisation raises the training loss: at strength 1, the training cross-entropy "
      .. "(without the penalty) ends higher than without regularisation, for L1 and for L2 (paired by seed; "
      .. "log; lower bound > 0 for each)", folklore = "regularization", check = function(R)
        local l1 = R:paired("final_val_loss", { reg = "l1", strength = 1 }, { reg = "none" }, { "seed" }, math.log)
        local l2 = R:paired("final_val_loss", { reg = "l2", strength = 1 }, { reg = "none" }, { "seed" }, math.log)
        return l1.lo > 0 and l2.lo > 0, "L1: log " .. l1.text .. "; L2: log " .. l2.text end },
    { "it makes the reported training loss rise: at strength >= 0.1 (L1 or L2, penalty included), in most runs "
      .. "(Wilson lower bound > 50%) the last epoch's loss is > 5% above the lowest epoch's",
      folklore = "regularization", check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" or rose(R:curve(r, "epoch_loss")) end,
          { reg = gg.one_of { "l1", "l2" }, strength = gg.at_least(0.1) })
        return f.lo > 0.5, "rising " .. f.text end },
    { "the cross-entropy part (no penalty) does rise during training at strength >= 0.1 in most runs "
      .. "(Wilson lower bound > 50%): the penalty trades it away as the weights shrink", check = function(R)
        local f = R:fraction(function(r) return rose(R:curve(r, "val_loss")) end,
          { reg = gg.one_of { "l1", "l2" }, strength = gg.at_least(0.1) })
        return f.lo > 0.5, "rising " .. f.text end },
  },
}
