-- tests/lua/test_parity_optim.lua — optimizers against PyTorch 1.13 fixtures
-- (tests/parity/gen_optim.py). Each fixture is replayed twice: with a manual loop
-- (forward, gg.loss, backward, opt:step) and with gg.train over the same batch order.

local T = require "check"
local P = require "parity"
local gg = require "gglab"

-- Build the optimizer a fixture's config describes.
local function make_opt(model, c)
  local opts = {}
  for k, v in pairs(c) do
    if k ~= "optimizer" and k ~= "loss" then opts[k] = v end
  end
  return gg.optim[c.optimizer](model, opts)
end

local names = P.list("optim")
T.ok("optimizer fixtures present", #names >= 7)
for _, name in ipairs(names) do
  local fx = P.load("optim", name)
  -- manual loop
  local model = P.model(fx)
  local opt = make_opt(model, fx.config)
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

P.report()
T.done()
