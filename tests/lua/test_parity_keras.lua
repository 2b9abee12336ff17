-- tests/lua/test_parity_keras.lua — the Keras preset against a reference of Keras 2's
-- model.fit (tests/parity/gen_keras.py: glorot_uniform Dense layers, validation_split
-- from the end, reshuffled batches of 32, the epoch loss as a batch-size-weighted running
-- mean, Keras Adam, Keras's clipped binary_crossentropy). Replayed through
-- gg.train{keras = true, validation_split =, order = function(epoch) ... end}.

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local names = P.list("keras")
T.ok("keras fixtures present", #names >= 2)
for _, name in ipairs(names) do
  local fx = P.load("keras", name)
  local c = fx.config
  local model = P.model(fx)
  local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
  local logged = {}
  local run = { log = function(_, metric, v, step, epoch)
    logged[#logged + 1] = { metric, v, step, epoch }
  end }
  local hist = gg.train { model = model, data = data, keras = true, loss = c.loss,
    optimizer = gg.optim.keras_adam(model, { lr = c.lr }), epochs = c.epochs,
    validation_split = c.validation_split, order = function(e) return fx.extra.orders[e] end,
    log = run }
  P.check_run(T, fx, hist.loss, nil, model, "keras/" .. name)
  local we, wv = 0, 0
  for e = 1, c.epochs do
    we = math.max(we, P.rel(hist.epoch_loss[e], fx.extra.epoch_loss[e]))
    wv = math.max(wv, P.rel(hist.val_loss[e], fx.extra.val_loss[e]))
  end
  P.note("keras/" .. name, "epoch_loss", we)
  P.note("keras/" .. name, "val_loss", wv)
  T.ok(string.format("keras/%s: epoch loss (History 'loss') rel err %.3g <= 1e-4", name, we), we <= 1e-4)
  T.ok(string.format("keras/%s: val_loss rel err %.3g <= 1e-4", name, wv), wv <= 1e-4)
  -- What an experiment sees: "loss" once per epoch (the running mean), batch_loss per step.
  local n_loss, n_batch, last_loss = 0, 0, nil
  for _, r in ipairs(logged) do
    if r[1] == "loss" then n_loss, last_loss = n_loss + 1, r[2] end
    if r[1] == "batch_loss" then n_batch = n_batch + 1 end
  end
  T.eq("keras/" .. name .. ": 'loss' logged once per epoch", n_loss, c.epochs)
  T.eq("keras/" .. name .. ": 'batch_loss' logged per step", n_batch, #fx.losses)
  T.eq("keras/" .. name .. ": final 'loss' is the last epoch's mean", last_loss, hist.epoch_loss[c.epochs])
end

-- gg.nn.mlp{keras = true}: glorot_uniform kernels (bound sqrt(6/(in+out))), zero biases.
local m = gg.nn.mlp { 10, 64, 1, keras = true, seed = 1 }
local ps = m:parameters()
local bound, maxw, sum2, count = math.sqrt(6 / 74), 0, 0, 0
for i = 1, 64 do
  for j = 1, 10 do
    local w = ps[1]:get(i, j)
    maxw, sum2, count = math.max(maxw, math.abs(w)), sum2 + w * w, count + 1
  end
end
T.ok("keras init within the glorot bound", maxw <= bound)
T.near("keras init variance bound^2/3", sum2 / count, bound * bound / 3, 0.2 * bound * bound / 3)
local zero = true
for j = 1, 64 do zero = zero and ps[2]:get(1, j) == 0 end
T.ok("keras init: zero biases", zero)

-- Keras's clipped bce: no inf at p = 0 or 1, and no gradient where clipped.
local l = gg.loss.bce(gg.tensor { 0, 1, 0.5 }, gg.tensor { 1, 0, 1 }, { keras = true })
T.ok("keras bce finite at p = 0 and 1", l:item() < 20)
T.eq("keras bce: clipped entries have no gradient", { l:grad():get(1), l:grad():get(2) }, { 0, 0 })

P.report()
T.done()
