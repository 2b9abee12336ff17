--[[ experiments/optimizers.lua — does the choice of optimizer make the loss rise?

  Write-ups 000 and 001: "using an inappropriate optimizer" can make the loss explode;
  "Adam generally provides robust performance"; "try RMSprop" when Adam misbehaves.
  digits (experiments/data/digits.csv: 1797 8x8 images, 25 % held out, standardised on the
  training split), a 64-32-10 ReLU MLP, cross-entropy, batch 32, 10 epochs. Swept: six
  optimizers — SGD, SGD with momentum 0.9, Adam, AdamW (weight decay 0.01), RMSprop,
  Adagrad, PyTorch's other defaults — x lr {0.001, 0.01, 0.1, 1} x 10 seeds (split,
  initialisation, batch order; paired across optimizer and lr). Each optimizer's
  "default lr" is PyTorch's: 0.001 for Adam and AdamW, 0.01 for RMSprop and Adagrad, and
  0.01 (gglab's default; torch has none) for both SGDs. A run "blows up" when it
  overflows (NaN/inf) or ends above the untrained model's loss (init_loss, logged at
  step 0: ~ln 10 = 2.3). runs.csv: final_loss = last epoch's mean training loss,
  final_val_loss = validation cross-entropy.
  Measured (medians over seeds): at their default lrs no optimizer blows up (0/60); the
  default is just a poor lr for some (SGD 0.01: validation loss 0.99, Adagrad 0.01: 0.21,
  against 0.09-0.12 for the best settings). Blow-ups (42/240) come from the lr, all at
  100x-1000x a default: SGD+momentum overflows to NaN at lr 1 (10/10); Adam, AdamW and
  RMSprop never overflow but at lr 1 end far above the untrained loss (training loss 44,
  47, 56; 10/10 each), and RMSprop already ends above it at lr 0.1 in 2/10. Plain SGD and
  Adagrad train at every lr (lr 1: training loss 0.007 and 0.0002). "Adam is robust"
  holds only as "never NaN": at 10x its default it is at its best (validation 0.086 vs
  0.195 at 0.001), at 100x its validation loss is 17x the default's (3.4; paired log
  +2.63 [2.13, 3.14]). RMSprop is no refuge when Adam's lr is too high: at lr 0.1 and 1
  it ends worse than Adam in 20/20 pairs (validation 7.7 and 591 vs 3.4 and 284) — with
  no bias correction its first steps are ~10x lr, larger than Adam's.

  Run: gglab run experiments/optimizers.lua ]]
local gg = require "gglab"

local EPOCHS, BATCH = 10, 32
local OPTIMIZERS = {
  sgd      = function(m, lr) return gg.optim.sgd(m, { lr = lr }) end,
  momentum = function(m, lr) return gg.optim.sgd(m, { lr = lr, momentum = 0.9 }) end,
  adam     = function(m, lr) return gg.optim.adam(m, { lr = lr }) end,
  adamw    = function(m, lr) return gg.optim.adamw(m, { lr = lr }) end,
  rmsprop  = function(m, lr) return gg.optim.rmsprop(m, { lr = lr }) end,
  adagrad  = function(m, lr) return gg.optim.adagrad(m, { lr = lr }) end,
}
local DEFAULT_LR = { sgd = 0.01, momentum = 0.01, adam = 0.001, adamw = 0.001, rmsprop = 0.01, adagrad = 0.01 }
local NAMES = { "sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad" }

local function blew_up(R, r)
  return r.status ~= "ok" or r.final_loss >= (R:curve(r, "init_loss"))[1]
end

local function at_default(p) return p.lr == DEFAULT_LR[p.optimizer] end

return gg.experiment {
  name = "optimizers",
  description = "six optimizers x lr on digits: which ones blow up, and is Adam robust?",
  sweep = gg.grid { optimizer = NAMES, lr = { 0.001, 0.01, 0.1, 1 }, seed = gg.seeds(10) },
  run = function(p, run)
    local all = assert(gg.data.csv("experiments/data/digits.csv", { target = "target", classify = true }))
    local train, val = all:split(0.25, { seed = run.seed })
    local scaler = gg.data.standard_scaler(train)
    train, val = scaler:transform(train), scaler:transform(val)
    local model = gg.nn.mlp { 64, 32, 10 }
    run:log("init_loss", gg.evaluate(model, train, { loss = "cross_entropy" }), 0, 0)
    local h = gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = BATCH,
      epochs = EPOCHS, optimizer = OPTIMIZERS[p.optimizer](model, p.lr) }
    -- Per-epoch curves only, so final_loss is the last epoch's mean loss, not the last batch's.
    local per_epoch = math.ceil(train:n() / BATCH)
    for e = 1, #h.epoch_loss do
      run:log("epoch_loss", h.epoch_loss[e], e * per_epoch, e)
      run:log("val_loss", h.val_loss[e], e * per_epoch, e)
    end
    if h.diverged then run:diverged(h.diverged_step, "loss is " .. gg.fmt_number(h.loss[#h.loss])) end
  end,
  claims = {
    { "an inappropriate optimizer causes divergence: at its default lr, some optimizer blows up (NaN, or ends "
      .. "above the untrained loss) in at least one run", folklore = "optimizer", check = function(R)
        local f = R:fraction(function(r) return at_default(r.params) and blew_up(R, r) end, {})
        local d = R:fraction(function(r) return blew_up(R, r) end, {})
        local n = 0
        for _, r in ipairs(R:select {}) do if at_default(r.params) then n = n + 1 end end
        return f.k > 0, string.format("blew up %d of the %d default-lr runs (all lrs: %s)", f.k, n, d.text) end },
    { "Adam is robust: it never overflows (NaN/inf), at any lr up to 1000x its default", folklore = "optimizer",
      check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" end, { optimizer = "adam" })
        return f.k == 0, "diverged " .. f.text end },
    { "Adam is robust to a too-high lr: at 100x its default (0.1) its validation loss stays within 2x of its "
      .. "default-lr value (paired by seed: log ratio < log 2)", folklore = "optimizer", check = function(R)
        local d = R:paired("final_val_loss", { optimizer = "adam", lr = 0.1 }, { optimizer = "adam", lr = 0.001 },
          { "seed" }, math.log)
        local b = R:fraction(function(r) return blew_up(R, r) end, { optimizer = "adam", lr = 0.1 })
        return d.n == 10 and d.hi < math.log(2), "log " .. d.text .. "; blew up " .. b.text end },
    { "try RMSprop when Adam causes problems: at the too-high lrs 0.1 and 1, RMSprop ends with a lower validation "
      .. "loss than Adam in most (lr, seed) pairs (a run that overflows loses)", folklore = "optimizer",
      check = function(R)
        local adam = {}
        for _, r in ipairs(R:select { optimizer = "adam", lr = gg.at_least(0.1) }) do
          adam[r.params.lr .. "/" .. r.params.seed] = r
        end
        local function val(r) return r.status == "ok" and r.final_val_loss or math.huge end
        local f = R:fraction(function(r)
          local a = adam[r.params.lr .. "/" .. r.params.seed]
          return val(r) < val(a) end, { optimizer = "rmsprop", lr = gg.at_least(0.1) })
        return f.lo > 0.5, "RMSprop better in " .. f.text end },
  },
}
