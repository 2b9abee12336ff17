-- tests/lua/test_parity_optim.lua — optimizers against PyTorch 1.13 fixtures
-- (tests/parity/gen_optim.py). Each fixture is replayed twice: with a manual loop
-- (forward, gg.loss, backward, opt:step) and with gg.train over the same batch order.
-- The end checks the option surface of the kinds the fixtures cannot reach (defaults,
-- momentum, error messages).

local T = require "check"
local P = require "parity"
local gg = require "gglab"

-- The options each kind accepts: a fixture config key outside its list fails the test
-- instead of silently falling back to a default.
local KINDS = {
  sgd = { "lr", "momentum", "dampening", "weight_decay", "nesterov" },
  adam = { "lr", "betas", "eps", "weight_decay", "amsgrad" },
  adamw = { "lr", "betas", "eps", "weight_decay", "amsgrad" },
  rmsprop = { "lr", "alpha", "eps", "weight_decay", "momentum", "centered" },
  adagrad = { "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps" },
  keras_adam = { "lr", "betas", "eps" },
}

-- Build the optimizer a fixture's config describes.
local function make_opt(model, c)
  local keys = assert(KINDS[c.optimizer], "unknown optimizer kind in fixture: " .. tostring(c.optimizer))
  local known = {}
  for _, k in ipairs(keys) do known[k] = true end
  local opts = {}
  for k, v in pairs(c) do
    if k ~= "optimizer" and k ~= "loss" then
      assert(known[k], c.optimizer .. ": fixture option '" .. k .. "' not handled")
      opts[k] = v
    end
  end
  return gg.optim[c.optimizer](model, opts)
end

local names = P.list("optim")
T.ok("optimizer fixtures present", #names >= 15)
local per_kind = {}
for _, name in ipairs(names) do
  local fx = P.load("optim", name)
  per_kind[fx.config.optimizer] = (per_kind[fx.config.optimizer] or 0) + 1
  -- manual loop
  local model = P.model(fx)
  local opt = make_opt(model, fx.config)
  T.ok(name .. ": tostring names the kind", tostring(opt):find("(" .. fx.config.optimizer .. ",", 1, true) ~= nil)
  local losses, lrs = {}, {}
  for s = 1, #fx.batches do
    local x, y = P.batch(fx, s)
    model:zero_grad()
    local loss = gg.loss[fx.config.loss](model:forward(x), y)
    loss:backward()
    lrs[s] = opt:lr()
    opt:step()
    losses[s] = loss:item()
  end
  P.check_run(T, fx, losses, lrs, model, "optim/" .. name)

  -- gg.train with the fixture's batch order
  local model2 = P.model(fx)
  local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
  local hist = gg.train { model = model2, data = data, loss = fx.config.loss,
    optimizer = make_opt(model2, fx.config), order = fx.batches }
  P.check_run(T, fx, hist.loss, nil, model2, "optim/" .. name .. " (gg.train)")
end
for kind in pairs(KINDS) do
  T.ok(kind .. ": at least one fixture", (per_kind[kind] or 0) >= 1)
end
for _, kind in ipairs { "adamw", "rmsprop", "adagrad", "keras_adam" } do
  T.ok(kind .. ": fixtures cover two configurations", (per_kind[kind] or 0) >= 2)
end

-- ---- option surface of the newer kinds ----

local m = gg.nn.mlp { 2, 3, 1 }
local function raises(name, f, msg)
  local ok, e = pcall(f)
  T.ok(name .. " raises", not ok)
  T.ok(name .. ": message '" .. tostring(e) .. "' contains '" .. msg .. "'",
    not ok and tostring(e):find(msg, 1, true) ~= nil)
end

T.eq("adamw tostring", tostring(gg.optim.adamw(m)), "gglab.Optim(adamw, lr=0.001)")
T.eq("rmsprop tostring", tostring(gg.optim.rmsprop(m)), "gglab.Optim(rmsprop, lr=0.01)")
T.eq("adagrad tostring", tostring(gg.optim.adagrad(m)), "gglab.Optim(adagrad, lr=0.01)")
T.eq("keras_adam tostring", tostring(gg.optim.keras_adam(m)), "gglab.Optim(keras_adam, lr=0.001)")

-- momentum(): what a one-cycle schedule would cycle
T.eq("adamw momentum is beta1", gg.optim.adamw(m, { betas = { 0.8, 0.9 } }):momentum(), 0.8)
T.eq("keras_adam momentum is beta1", gg.optim.keras_adam(m):momentum(), 0.9)
T.eq("rmsprop momentum", gg.optim.rmsprop(m, { momentum = 0.5 }):momentum(), 0.5)
T.eq("adagrad has no momentum", gg.optim.adagrad(m):momentum(), nil)
local r = gg.optim.rmsprop(m, { momentum = 0.5 })
r:set_momentum(0.7)
T.eq("rmsprop set_momentum", r:momentum(), 0.7)
local kw = gg.optim.keras_adam(m)
kw:set_momentum(0.95)
T.eq("keras_adam set_momentum sets beta1", kw:momentum(), 0.95)
raises("adagrad set_momentum", function() gg.optim.adagrad(m):set_momentum(0.9) end,
  "gglab.Optim:set_momentum: adagrad has no momentum to set (got 0.9)")
raises("rmsprop set_momentum from 0", function() gg.optim.rmsprop(m):set_momentum(0.9) end,
  "momentum cannot change between 0 and non-zero (got 0.9, was 0)")

raises("rmsprop alpha", function() gg.optim.rmsprop(m, { alpha = 2 }) end,
  "gg.optim.rmsprop: alpha must be in [0, 1), got 2")
raises("rmsprop unknown", function() gg.optim.rmsprop(m, { nesterov = true }) end,
  "gg.optim.rmsprop: unknown option 'nesterov' (allowed: lr, alpha, eps, weight_decay, momentum, centered)")
raises("rmsprop centered type", function() gg.optim.rmsprop(m, { centered = 1 }) end,
  "gg.optim.rmsprop: centered must be a boolean, got 1")
raises("adagrad lr_decay", function() gg.optim.adagrad(m, { lr_decay = -1 }) end,
  "gg.optim.adagrad: lr_decay must be a non-negative number, got -1")
raises("adagrad initial_accumulator_value", function() gg.optim.adagrad(m, { initial_accumulator_value = -0.5 }) end,
  "gg.optim.adagrad: initial_accumulator_value must be a non-negative number, got -0.5")
raises("adagrad unknown", function() gg.optim.adagrad(m, { momentum = 0.9 }) end,
  "gg.optim.adagrad: unknown option 'momentum' (allowed: lr, lr_decay, weight_decay, initial_accumulator_value, eps)")
raises("adamw betas", function() gg.optim.adamw(m, { betas = { 1, 0.9 } }) end,
  "gg.optim.adamw: betas[1] must be in [0, 1), got 1")
raises("adamw weight_decay", function() gg.optim.adamw(m, { weight_decay = -0.01 }) end,
  "gg.optim.adamw: weight_decay must be a non-negative number, got -0.01")
raises("keras_adam unknown", function() gg.optim.keras_adam(m, { amsgrad = true }) end,
  "gg.optim.keras_adam: unknown option 'amsgrad' (allowed: lr, betas, eps)")
raises("keras_adam betas shape", function() gg.optim.keras_adam(m, { betas = 0.9 }) end,
  "gg.optim.keras_adam: betas must be a list of two numbers in [0, 1), got 0.9")
raises("keras_adam lr", function() gg.optim.keras_adam(m, { lr = 0 }) end,
  "gg.optim.keras_adam: lr must be a positive number, got 0")

P.report()
T.done()
