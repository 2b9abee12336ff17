-- tests/lua/test_parity_cnn.lua — CNN layers, output losses, composed custom ops and CNN
-- training against PyTorch 1.13 fixtures (tests/parity/gen_cnn.py).
--
-- Input gradients: gglab's Lua API returns parameter gradients only, so every model is
-- built behind a "lift" layer, x_onehot (B, B) @ X (B, numel) reshaped to the sample shape,
-- fed the identity: the product is exact (each output element is one X element plus zeros),
-- X is loaded with the fixture's x as the first parameter, and its gradient I^T dY is the
-- input gradient dx, exactly. The same model without the lift must give the same output,
-- bit for bit.
--
-- Comparisons (worst values printed by P.report()):
--   outputs, gradients, running stats: max over elements of |got - want| / max(|want|,
--     FLOOR * max|want|) <= TOL (1e-4) — relative per element, except that elements below
--     1% (FLOOR) of the tensor's largest are compared on that scale: a float32 sum of terms
--     of both signs carries an absolute rounding error, of order eps * (sum of |terms|),
--     which no relative bound on a cancelled result can meet (rtol + atol, as in
--     torch.allclose). Example: the input gradient of L1 on a softmax is mathematically 0
--     in a row whose residuals all have one sign; torch gives +-5e-10 there (its softmax
--     sums to 1 +- eps), gglab 0, against a largest element of 6e-3;
--   losses: relative error <= 1e-4; training (100 steps): P.check_run (per-step loss rel
--     err <= 1e-4, final parameters |d| <= 1e-4 max(1, |p|)).

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local TOL, FLOOR = 1e-4, 1e-2

-- ---- helpers ----

local flat_of = P.flat

local function err_of(got, want) return P.err(got, want, FLOOR) end

local function check_err(comp, what, got, want) return P.check_err(T, comp, what, got, want, TOL, FLOOR) end

local eye = P.eye

local function numel(shape)
  local n = 1
  for _, d in ipairs(shape) do n = n * d end
  return n
end

-- The lift layer: (B, B) one-hot rows @ X (B, numel), viewed as (B, shape...).
local function lift(B, shape)
  local full = { -1 }
  for i, d in ipairs(shape) do full[i + 1] = d end
  return gg.nn.custom(function(x, nn)
    return x:matmul(nn.param { shape = { B, numel(shape) } }):reshape(full)
  end, { name = "lift" })
end

-- gg.nn.sequential of lift + layers, with X = x and the fixture's parameters loaded.
local function lifted(layers, fx)
  local B = fx.x[1]
  local list = { lift(B, fx.input) }
  for _, l in ipairs(layers) do list[#list + 1] = l end
  local model = gg.nn.sequential(list, { input = { B }, seed = 1 })
  local ps = { P.tensor(fx.x) }
  for _, p in ipairs(fx.params) do ps[#ps + 1] = P.tensor(p) end
  model:load_parameters(ps)
  return model
end

local function tensors(list)
  local out = {}
  for i, t in ipairs(list) do out[i] = P.tensor(t) end
  return out
end

local function same(a, b)
  return a:rows() == b:rows() and a:cols() == b:cols() and table.concat(flat_of(a), ",") == table.concat(flat_of(b), ",")
end

-- Compare dx (grads[1]) and every parameter gradient with the fixture's.
local function check_grads(comp, model, fx)
  local gs = model:grads()
  T.eq(comp .. ": gradient count", #gs, #fx.grads + 1)
  check_err(comp, "dx", gs[1], fx.dx)
  local worst = 0
  for k, want in ipairs(fx.grads) do
    if gs[k + 1] then worst = math.max(worst, err_of(gs[k + 1], want)) end
  end
  if #fx.grads > 0 then
    P.note(comp, "dparam", worst)
    T.ok(string.format("%s: parameter gradients err %.3g <= %g", comp, worst, TOL), worst <= TOL)
  end
end

-- ---- (1) layers: forward, backward with torch's upstream gradient, running stats ----

local names = P.list("cnn")
local counts = { layer = 0, loss = 0 }
for _, name in ipairs(names) do
  if name:match("^layer_") then
    local fx = P.load("cnn", name)
    local comp = "cnn/" .. name
    local B = fx.x[1]
    counts.layer = counts.layer + 1
    local model = lifted(fx.layers, fx)
    T.eq(comp .. ": output shape", model:output_shape(), fx.out_shape)
    if #fx.buffers_in > 0 then model:load_buffers(tensors(fx.buffers_in)) end
    if fx.mode == "eval" then model:eval() else model:train() end
    local y = model:forward(eye(B))
    check_err(comp, "y", y, fx.y)
    model:zero_grad()
    model:backward(P.tensor(fx.dy))
    check_grads(comp, model, fx)
    local bufs = model:buffers()
    T.eq(comp .. ": buffer count", #bufs, #fx.buffers)
    if #fx.buffers > 0 then
      local worst = 0
      for k, want in ipairs(fx.buffers) do worst = math.max(worst, bufs[k] and err_of(bufs[k], want) or math.huge) end
      P.note(comp, "buffers", worst)
      T.ok(string.format("%s: running stats after the pass err %.3g <= %g", comp, worst, TOL), worst <= TOL)
    end
    -- The same layers without the lift, on x itself: the same output bit for bit.
    local plain = gg.nn.sequential(fx.layers, { input = fx.input, seed = 1 })
    plain:load_parameters(tensors(fx.params))
    if #fx.buffers_in > 0 then plain:load_buffers(tensors(fx.buffers_in)) end
    if fx.mode == "eval" then plain:eval() end
    T.ok(comp .. ": output without the lift is identical", same(plain:forward(P.tensor(fx.x)), y))
  end
end
T.ok(string.format("layer fixtures present (%d)", counts.layer), counts.layer >= 90)

-- ---- (1) losses on the output: gg.loss.* by hand, and gg.train over the one batch ----

local function rows_1_to(n)
  local r = {}
  for i = 1, n do r[i] = i end
  return r
end

for _, name in ipairs(names) do
  if name:match("^loss_") then
    local fx = P.load("cnn", name)
    local comp = "cnn/" .. name
    local B = fx.x[1]
    local lname = fx.config.loss
    counts.loss = counts.loss + 1
    if gg.loss[lname] then
      local model = lifted(fx.layers, fx)
      local y = model:forward(eye(B))
      check_err(comp, "y", y, fx.y)
      model:zero_grad()
      local loss = gg.loss[lname](y, P.tensor(fx.target))
      loss:backward()
      local e = P.rel(loss:item(), fx.loss)
      P.note(comp, "loss", e)
      T.ok(string.format("%s: loss rel err %.3g <= %g", comp, e, TOL), e <= TOL)
      check_grads(comp, model, fx)
    end
    -- gg.train: one step on the whole batch; the gradients stay in model:grads().
    local model = lifted(fx.layers, fx)
    local data = gg.data.from_tensors(eye(B), P.tensor(fx.target))
    local hist = gg.train { model = model, data = data, loss = lname,
      optimizer = gg.optim.sgd(model, { lr = 0.1 }), order = { rows_1_to(B) } }
    local e = P.rel(hist.loss[1], fx.loss)
    P.note(comp .. " (gg.train)", "loss", e)
    T.ok(string.format("%s (gg.train): loss rel err %.3g <= %g", comp, e, TOL), e <= TOL)
    check_grads(comp .. " (gg.train)", model, fx)
  end
end
T.ok(string.format("loss fixtures present (%d)", counts.loss), counts.loss >= 9)

-- ---- (2) composed custom ops: a custom layer and a custom loss, vs torch and by differences ----

-- gen_cnn.py's Custom.forward, op for op: x (B, 3, 8) -> (B, 48).
local composed = gg.nn.custom(function(x, nn)
  local w = nn.param { shape = { 8, 5 } }
  local b = nn.param { shape = { 5 } }
  local g = nn.param { shape = { 3, 1 } }
  local h = (x:matmul(w) + b) * g                        -- (B,3,5)
  local e = (h * 0.5):exp()
  local s = h:softmax(-1)
  local ls = h:log_softmax(1)
  local t = h:transpose(1, 2)                            -- (B,5,3)
  local u = t - t:mean(2, true)
  local c = gg.op.concat({ s, ls, u:transpose(1, 2) }, 2) -- (B,3,15)
  local sl = c:slice(2, 1, 14, 2)                        -- (B,3,7)
  local wh = gg.op.where(h:relu(), e, (h * 0.5 + 1) + (h * h * 0.125 + 1):log())  -- C2 at h = 0
  local r = sl:sum(2, true) * 0.1
  local out = gg.op.concat({ sl + r, wh + (e + 1):log() * 0.5 }, 2)  -- (B,3,12)
  local m = out:mean(1):reshape { -1, 1, 12 }
  return gg.op.concat({ out, m }, 1):reshape { -1, 48 }
end, { name = "composed" })

-- gen_cnn.py's custom_loss: pred (B, 4), target (B, 4) soft labels with zeros.
local function composed_loss(pred, target)
  local lp = pred:log_softmax(1)
  local p = pred:softmax(1)
  local pick = gg.op.where(target, lp, (1 - p + 1e-3):log())
  local ce = -((pick * (target + 0.5)):sum(1):mean())
  local d = p - target
  local sq = (d * d):mean()
  local lse = pred:exp():sum(1):log():mean()
  return ce + sq * 0.5 + lse * 0.01
end

do
  local fx = P.load("cnn", "custom_ops")
  local comp = "cnn/custom_ops"
  local B = fx.x[1]
  local layers = { composed, gg.nn.linear(48, 4) }
  local model = lifted(layers, fx)
  check_err(comp, "y", model:forward(eye(B)), fx.y)
  local data = gg.data.from_tensors(eye(B), P.tensor(fx.target))
  local function loss_at(ps)  -- the custom loss at parameters ps (one gg.train step)
    model:load_parameters(ps)
    local hist = gg.train { model = model, data = data, loss = composed_loss,
      optimizer = gg.optim.sgd(model, { lr = 0.1 }), order = { rows_1_to(B) } }
    return hist.loss[1]
  end
  local base = { P.tensor(fx.x) }
  for _, p in ipairs(fx.params) do base[#base + 1] = P.tensor(p) end
  local l0 = loss_at(base)
  local e = P.rel(l0, fx.loss)
  P.note(comp, "loss", e)
  T.ok(string.format("%s: loss rel err %.3g <= %g", comp, e, TOL), e <= TOL)
  check_grads(comp, model, fx)
  local grads = model:grads()

  -- Central differences of the float32 loss, in double, at three coordinates of every
  -- tensor (x included). Step H = 1e-2: the truncation error (~H^2 f'''/6) is then far
  -- below the rounding noise of the float32 loss (L ~ 1.7: a few ulps, ~5e-7, over 2H is
  -- ~2.5e-5 absolute), which FD_FLOOR (0.05) keeps under ~5e-4 relative. Measured: at
  -- most 1.4e-5 absolute.
  local H, FD_FLOOR, FD_TOL = 1e-2, 0.05, 1e-3
  local worst, checked = 0, 0
  for k, t in ipairs(base) do
    local r, c = t:rows(), t:cols()
    for _, rc in ipairs { { 1, 1 }, { r, c }, { (r + 1) // 2, (c + 1) // 2 } } do
      local i, j = rc[1], rc[2]
      local v = t:get(i, j)
      local function at(d)
        local ps = {}
        for q, u in ipairs(base) do ps[q] = u:clone() end
        ps[k]:set(i, j, v + d)
        return loss_at(ps)
      end
      local fd = (at(H) - at(-H)) / (2 * H)
      local g = grads[k]:get(i, j)
      local err = math.abs(fd - g) / math.max(math.abs(g), FD_FLOOR)
      worst = math.max(worst, err)
      checked = checked + 1
    end
  end
  P.note(comp .. " (finite differences)", "grad", worst)
  T.ok(string.format("%s: %d central differences agree, err %.3g <= %g", comp, checked, worst, FD_TOL),
    worst <= FD_TOL)
end

-- ---- (3) training parity: 100 steps, the manual loop and gg.train{order = ...} ----

local function cnn()
  return gg.nn.sequential({
    gg.nn.conv2d(1, 4, 3, { padding = 1 }), gg.nn.relu(), gg.nn.maxpool2d(2),
    gg.nn.conv2d(4, 8, 3, { padding = 1 }), gg.nn.relu(), gg.nn.flatten(), gg.nn.linear(8 * 4 * 4, 10),
  }, { input = { 1, 8, 8 }, seed = 1 })
end

local function block(cin, cout, stride)
  local proj
  if stride ~= 1 or cin ~= cout then
    proj = { gg.nn.conv2d(cin, cout, 1, { stride = stride, bias = false }), gg.nn.batchnorm2d(cout) }
  end
  return gg.nn.residual {
    gg.nn.conv2d(cin, cout, 3, { stride = stride, padding = 1, bias = false }), gg.nn.batchnorm2d(cout), gg.nn.relu(),
    gg.nn.conv2d(cout, cout, 3, { padding = 1, bias = false }), gg.nn.batchnorm2d(cout),
    projection = proj, activation = gg.nn.relu(),
  }
end

local function resnet()
  return gg.nn.sequential({
    gg.nn.conv2d(1, 8, 3, { padding = 1, bias = false }), gg.nn.batchnorm2d(8), gg.nn.relu(),
    block(8, 8, 1), block(8, 16, 2),
    gg.nn.adaptive_avgpool2d(1), gg.nn.flatten(), gg.nn.linear(16, 10),
  }, { input = { 1, 8, 8 }, seed = 1 })
end

local TRAIN = { train_cnn_sgd_momentum = cnn, train_resnet_adam = resnet }

local function make_opt(model, c)
  if c.optimizer == "sgd" then return gg.optim.sgd(model, { lr = c.lr, momentum = c.momentum }) end
  return gg.optim.adam(model, { lr = c.lr })
end

-- After training: running stats and the eval-mode output on the first 16 rows, compared
-- as test_parity_layers.lua does (|d| <= 1e-4 * max(1, |v|)): after 100 steps the
-- parameters' drift, not one kernel's rounding, sets these errors.
local function max_rel1(got, want)
  local g, w = flat_of(got), want[3]
  local e = #g == #w and 0 or math.huge
  for i, v in ipairs(w) do e = math.max(e, math.abs(g[i] - v) / math.max(1, math.abs(v))) end
  return e
end

local function check_after(comp, model, fx)
  local bufs = model:buffers()
  T.eq(comp .. ": buffer count", #bufs, #fx.extra.buffers)
  local worst = 0
  for k, want in ipairs(fx.extra.buffers) do
    worst = math.max(worst, bufs[k] and max_rel1(bufs[k], want) or math.huge)
  end
  if #bufs > 0 then
    P.note(comp, "buffers", worst)
    T.ok(string.format("%s: running stats |d|/max(1,|v|) %.3g <= %g", comp, worst, P.PARAM_TOL),
      worst <= P.PARAM_TOL)
  end
  model:eval()
  local x = gg.tensor(16, 64)
  for i = 1, 16 do
    for j = 1, 64 do x:set(i, j, fx.x[3][(i - 1) * 64 + j]) end
  end
  local e = max_rel1(model:forward(x), fx.extra.eval_out)
  P.note(comp, "eval_out", e)
  T.ok(string.format("%s: eval-mode output |d|/max(1,|y|) %.3g <= %g", comp, e, P.PARAM_TOL), e <= P.PARAM_TOL)
  model:train()
end

local trained = 0
for _, name in ipairs(names) do
  if name:match("^train_") then
    local fx = P.load("cnn", name)
    local comp = "cnn/" .. name
    local build = assert(TRAIN[name], "no model for " .. name)
    trained = trained + 1
    -- manual loop
    local model = build()
    T.eq(comp .. ": parameter count", #model:parameters(), #fx.params)
    model:load_parameters(tensors(fx.params))
    local opt = make_opt(model, fx.config)
    local losses, worst_step = {}, {}
    for s = 1, #fx.batches do
      local x, y = P.batch(fx, s)
      model:zero_grad()
      local loss = gg.loss[fx.config.loss](model:forward(x), y)
      loss:backward()
      opt:step()
      losses[s] = loss:item()
      worst_step[s] = P.rel(losses[s], fx.losses[s])
    end
    P.check_run(T, fx, losses, nil, model, comp)
    check_after(comp, model, fx)
    -- gg.train over the same batches
    local model2 = build()
    model2:load_parameters(tensors(fx.params))
    local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
    local hist = gg.train { model = model2, data = data, loss = fx.config.loss,
      optimizer = make_opt(model2, fx.config), order = fx.batches }
    P.check_run(T, fx, hist.loss, nil, model2, comp .. " (gg.train)")
    check_after(comp .. " (gg.train)", model2, fx)
    -- The loss error along the run, every 20 steps (drift report).
    local parts = {}
    for s = 20, #worst_step, 20 do
      local w = 0
      for q = s - 19, s do w = math.max(w, worst_step[q]) end
      parts[#parts + 1] = string.format("%.1e", w)
    end
    print(string.format("parity %-40s loss rel err per 20 steps: %s", comp, table.concat(parts, " ")))
  end
end
T.ok("training fixtures present (cnn, resnet)", trained == 2)

P.report()
T.done()
