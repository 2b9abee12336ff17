--[[ experiments/cnn_digits.lua — a small CNN on the 8x8 digits images: does BatchNorm let it
  take a higher learning rate, and does depth slow training down without it?

  Setup: the 1797 digits as (1, 8, 8) images scaled to [0, 1], 25 % held out (split paired
  by seed); 1, 2 or 3 conv blocks Conv2d(3x3, padding 1) [BatchNorm2d] ReLU, 8, 16 and 32
  channels, a MaxPool2d(2) after blocks 1 and 2, then Flatten and Linear(., 10) (1370,
  1898 and 7178 parameters without BatchNorm; the conv before a BatchNorm has no bias, as
  usual); SGD with momentum 0.9, batch 32, 4 epochs, cross-entropy; lr 0.01 ... 1 (5
  values) x BatchNorm off/on x depth x 3 seeds = 90 runs. Logged per run: the step and
  epoch losses, the validation loss per epoch, and the validation accuracy at the end
  (val_acc). "Trains" below means a final training loss < 1 (chance is ln 10 = 2.30).
  Measured:
  - No run produces a NaN or inf (0/90): a too-high learning rate kills the ReLUs and the
    loss settles near chance instead (lr = 1: final training loss 2.37-2.47, validation
    accuracy 0.08-0.12, with or without BatchNorm).
  - BatchNorm raises the largest lr at which all 3 seeds train from 0.1 to 0.3 with 2 and
    3 conv blocks, but not with 1 (0.3 without, 0.1 with: at lr 0.3 one seed's BatchNorm
    model dies at chance), so "BatchNorm allows a higher lr" holds only for the deeper
    models. Nothing trains at lr = 1.
  - Without BatchNorm, depth slows training: at lr <= 0.1, three blocks end with ~4x the
    training loss of one block (log ratio 1.44 [1.18, 1.71]); at lr 0.01 they are still
    at chance after 4 epochs. With BatchNorm the three-block loss is ~11x lower (log
    -2.44 [-3.13, -1.75]) and not clearly different from one block's (log 0.11 [-0.37, 0.59]).

  Run: gglab run experiments/cnn_digits.lua ]]
local gg = require "gglab"

local WIDTHS, EPOCHS = { 8, 16, 32 }, 4
-- Loaded once, before the runs are forked (every run splits it with its own seed).
local DIGITS = assert(gg.data.digits { image = true, scale = 1 / 16 })

-- depth conv blocks (each Conv2d [BatchNorm2d] ReLU, MaxPool2d after blocks 1 and 2), then
-- a linear classifier over the flattened feature map.
local function cnn(depth, batchnorm)
  local layers, c, hw = {}, 1, 8
  for i = 1, depth do
    layers[#layers + 1] = gg.nn.conv2d(c, WIDTHS[i], 3, { padding = 1, bias = not batchnorm })
    if batchnorm then layers[#layers + 1] = gg.nn.batchnorm2d(WIDTHS[i]) end
    layers[#layers + 1] = gg.nn.relu()
    if i <= 2 then
      layers[#layers + 1] = gg.nn.maxpool2d(2)
      hw = hw // 2
    end
    c = WIDTHS[i]
  end
  layers[#layers + 1] = gg.nn.flatten()
  layers[#layers + 1] = gg.nn.linear(c * hw * hw, 10)
  return gg.nn.sequential(layers, { input = { 1, 8, 8 } })
end

local function trains(r) return r.status == "ok" and r.final_loss < 1 end

-- The largest lr of the sweep at which every run matching `where` trains (nil: none).
local function largest_lr(R, where)
  local best = nil
  for _, r in ipairs(R:select(where)) do
    local lr = r.params.lr
    if best == nil or lr > best then
      local f = R:fraction(trains, { depth = where.depth, batchnorm = where.batchnorm, lr = lr })
      if f.k == f.n then best = lr end
    end
  end
  return best
end

local function fmt(v) return v and gg.fmt_number(v) or "none" end

return gg.experiment {
  name = "cnn_digits",
  description = "CNN on 8x8 digits: lr x BatchNorm2d x conv depth",
  sweep = gg.grid { lr = { 0.01, 0.03, 0.1, 0.3, 1 }, batchnorm = { false, true }, depth = { 1, 2, 3 },
    seed = gg.seeds(3) },
  run = function(p, run)
    local train, val = DIGITS:split(0.25, { seed = run.seed })
    local model = cnn(p.depth, p.batchnorm)
    local hist = gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = 32,
      epochs = EPOCHS, optimizer = gg.optim.sgd(model, { lr = p.lr, momentum = 0.9 }), log = run }
    run:log("val_acc", gg.accuracy(model, val), hist.steps, EPOCHS)
  end,
  claims = {
    { "BatchNorm allows a higher learning rate: at every depth, the largest lr at which all seeds train "
      .. "(final training loss < 1) is higher with BatchNorm2d than without", folklore = { "batchnorm", "high_lr" },
      check = function(R)
        local ok, parts = true, {}
        for _, depth in ipairs { 1, 2, 3 } do
          local off = largest_lr(R, { depth = depth, batchnorm = false })
          local on = largest_lr(R, { depth = depth, batchnorm = true })
          ok = ok and on ~= nil and (off == nil or on > off)
          parts[#parts + 1] = string.format("depth %d: %s without, %s with", depth, fmt(off), fmt(on))
        end
        local nan = R:fraction(function(r) return r.status == "diverged" end, {})
        return ok, "largest lr that trains: " .. table.concat(parts, "; ") .. " (NaN/inf: " .. nan.text .. ")"
      end },
    { "BatchNorm does not rescue lr = 1 (momentum 0.9): every run ends near chance (final training loss "
      .. "> 2, chance ln 10 = 2.30), with or without it", folklore = "high_lr",
      check = function(R)
        local stuck = function(r) return r.status ~= "ok" or r.final_loss > 2 end
        local off = R:fraction(stuck, { lr = 1, batchnorm = false })
        local on = R:fraction(stuck, { lr = 1, batchnorm = true })
        local acc = R:mean("val_acc", { lr = 1 })
        return off.k == off.n and on.k == on.n and off.n > 0,
          string.format("at chance without BatchNorm %s, with %s; validation accuracy %s", off.text, on.text,
            acc.text)
      end },
    { "without BatchNorm, depth slows training: at lr <= 0.1, 3 conv blocks end with a higher training loss "
      .. "than 1 block (paired by lr and seed; log; lower bound > 0)",
      check = function(R)
        local d = R:paired("final_loss", { depth = 3, batchnorm = false, lr = gg.at_most(0.1) },
          { depth = 1, batchnorm = false, lr = gg.at_most(0.1) }, { "lr", "seed" }, math.log)
        return d.lo > 0, "log(depth 3 / depth 1) " .. d.text
      end },
    { "BatchNorm makes the deepest CNN train: at lr <= 0.1, 3 conv blocks end with a lower training loss with "
      .. "BatchNorm2d than without (paired by lr and seed; log; upper bound < 0)", folklore = "batchnorm",
      check = function(R)
        local where = function(depth, bn) return { depth = depth, batchnorm = bn, lr = gg.at_most(0.1) } end
        local b = R:paired("final_loss", where(3, true), where(3, false), { "lr", "seed" }, math.log)
        local d = R:paired("final_loss", where(3, true), where(1, true), { "lr", "seed" }, math.log)
        return b.hi < 0, "log(with / without) " .. b.text .. "; with BatchNorm, log(depth 3 / depth 1) " .. d.text
      end },
  },
}
