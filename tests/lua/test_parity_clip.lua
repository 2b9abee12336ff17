-- tests/lua/test_parity_clip.lua — gradient clipping (norm with p = 1, 2, 3, inf; value)
-- and explicit L1/L2 penalties against PyTorch 1.13 fixtures (tests/parity/gen_clip.py).
-- Each fixture is replayed with a manual loop (gg.penalty, gg.clip.*) and with gg.train's
-- options over the same batch order; the pre-clip norms are compared too.

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local names = P.list("clip")
T.ok("clip fixtures present", #names >= 9)
for _, name in ipairs(names) do
  local fx = P.load("clip", name)
  local c = fx.config
  -- manual loop
  local model = P.model(fx)
  local opt = gg.optim.sgd(model, { lr = c.lr })
  local losses, norms = {}, {}
  for s = 1, #fx.batches do
    local x, y = P.batch(fx, s)
    model:zero_grad()
    local loss = gg.loss.mse(model:forward(x), y)
    loss:backward()
    local total = loss:item()
    if c.l1 or c.l2 then total = total + gg.penalty(model, { l1 = c.l1, l2 = c.l2 }) end
    if c.clip_norm then
      norms[s] = gg.clip.grad_norm(model, c.clip_norm, { norm_type = c.clip_norm_type })
    end
    if c.clip_value then gg.clip.grad_value(model, c.clip_value) end
    opt:step()
    losses[s] = total
  end
  P.check_run(T, fx, losses, nil, model, "clip/" .. name)
  if c.clip_norm then
    local worst = 0
    for s, n in ipairs(fx.extra.norms) do worst = math.max(worst, P.rel(norms[s], n)) end
    P.note("clip/" .. name, "norm", worst)
    T.ok(string.format("clip/%s: pre-clip norms rel err %.3g <= 1e-4", name, worst), worst <= 1e-4)
  end

  -- gg.train with the same options
  local model2 = P.model(fx)
  local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
  local hist = gg.train { model = model2, data = data, loss = "mse", order = fx.batches,
    optimizer = gg.optim.sgd(model2, { lr = c.lr }), l1 = c.l1, l2 = c.l2,
    clip_norm = c.clip_norm, clip_norm_type = c.clip_norm_type, clip_value = c.clip_value }
  P.check_run(T, fx, hist.loss, nil, model2, "clip/" .. name .. " (gg.train)")
end

P.report()
T.done()
