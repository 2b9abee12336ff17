-- tests/lua/test_api.lua — the public `gg` API from Lua: tensors, models, losses,
-- optimizers, data, gg.train, RNG interplay, error-message text, fmt_number and CSV.
-- Checks numbers against values computed here in Lua, not just "it ran".

local T = require "check"
local gg = require "gglab"

-- ---- helpers ----

-- x rounded to float32, as the C core stores it.
local function f32(x) return (string.unpack("f", string.pack("f", x))) end

-- All parameters of a model as one flat Lua list, in parameters() order.
local function flat(model)
  local out = {}
  for _, p in ipairs(model:parameters()) do
    for _, row in ipairs(p:totable()) do
      for _, v in ipairs(row) do out[#out + 1] = v end
    end
  end
  return out
end

local function shapes(list)
  local out = {}
  for i, t in ipairs(list) do out[i] = { t:shape() } end
  return out
end

-- Escapes Lua pattern magic so T.raises can look for a literal text.
local function lit(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end

local function raises_text(name, fn, text) T.raises(name, fn, lit(text)) end

-- The core's element limit per tensor (GG_TENSOR_MAX_NUMEL), read from its own message.
local LIMIT = math.tointeger(tonumber(select(2, pcall(gg.tensor, 1 << 20, 1 << 20)):match("limit (%d+)")))

local function is_finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

-- Rows first..last of a (n, c) Lua matrix as a tensor.
local function rows_tensor(m, first, last)
  local t = {}
  for i = first, last do t[#t + 1] = m[i] end
  return gg.tensor(t)
end

-- ---- tensors ----

do
  local z = gg.tensor(2, 3)
  T.eq("tensor(r,c) shape", { z:shape() }, { 2, 3 })
  T.eq("tensor(r,c) rows/cols", { z:rows(), z:cols() }, { 2, 3 })
  T.eq("tensor(r,c) is zeros", z:totable(), { { 0, 0, 0 }, { 0, 0, 0 } })
  T.eq("tostring", tostring(z), "gglab.Tensor(2x3)")

  local col = gg.tensor { 1, 2, 3 }
  T.eq("flat list is a column", { col:shape() }, { 3, 1 })
  T.eq("column get(i)", col:get(3), 3.0)
  T.eq("column totable", col:totable(), { { 1 }, { 2 }, { 3 } })

  local m = gg.tensor { { 1, 2 }, { 3, 4 }, { 5, 6 } }
  T.eq("matrix shape", { m:shape() }, { 3, 2 })
  T.eq("matrix get(i,j)", m:get(3, 2), 6.0)
  T.eq("matrix totable", m:totable(), { { 1, 2 }, { 3, 4 }, { 5, 6 } })
  T.eq("get(i) on a matrix reads column 1", m:get(2), 3.0)

  T.eq("values are stored as float32", gg.tensor { 0.1 }:get(1), f32(0.1))
  T.ok("float32 0.1 differs from the double", gg.tensor { 0.1 }:get(1) ~= 0.1)

  m:set(2, 1, -7.5)
  T.eq("set then get", m:get(2, 1), -7.5)
  local c = m:clone()
  c:set(1, 1, 100)
  T.eq("clone is a copy", { m:get(1, 1), c:get(1, 1) }, { 1.0, 100.0 })
  T.eq("clone keeps values", c:get(2, 1), -7.5)
  T.ok("fill returns the tensor", c:fill(0.25) == c)
  T.eq("fill", c:totable(), { { 0.25, 0.25 }, { 0.25, 0.25 }, { 0.25, 0.25 } })

  raises_text("get row out of range", function() m:get(4, 1) end, "gglab.Tensor: row index 4 out of range 1..3")
  raises_text("get row 0", function() m:get(0, 1) end, "gglab.Tensor: row index 0 out of range 1..3")
  raises_text("get column out of range", function() m:get(1, 3) end, "gglab.Tensor: column index 3 out of range 1..2")
  raises_text("set column out of range", function() m:set(1, 0, 1) end, "gglab.Tensor: column index 0 out of range 1..2")
  raises_text("empty list", function() gg.tensor {} end, "gg.tensor: data must be a non-empty list")
  raises_text("ragged rows", function() gg.tensor { { 1, 2 }, { 3 } } end, "gg.tensor: row 2 must be a list of 2 numbers")
  raises_text("non-number element", function() gg.tensor { 1, "a" } end, "gg.tensor: element 2 must be a number, got 'a'")
  raises_text("non-number matrix element", function() gg.tensor { { 1, true } } end,
    "gg.tensor: element (1,2) must be a number, got a boolean")
  raises_text("zero rows", function() gg.tensor(0, 2) end, "rows must be >= 1")
  raises_text("zero cols", function() gg.tensor(2, 0) end, "cols must be >= 1")
  T.raises("too large", function() gg.tensor(1 << 20, 1 << 20) end, "gg%.tensor: tensor of 1048576 x 1048576 elements is too large")

  local closed
  do
    local t <close> = gg.tensor(1, 1)
    closed = t
  end
  raises_text("closed tensor", function() closed:get(1, 1) end, "attempt to use a freed gglab.Tensor")
  T.eq("closed tensor tostring", tostring(closed), "gglab.Tensor(freed)")
end

-- ---- models ----

do
  local model = gg.nn.mlp { 3, 4, 2, seed = 1 }
  local y = model:forward(gg.tensor { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 }, { 0, 0, 0 }, { 1, 1, 1 } })
  T.eq("forward output shape (B, out)", { y:shape() }, { 5, 2 })
  T.eq("mlp parameters order and shapes", shapes(model:parameters()), { { 4, 3 }, { 1, 4 }, { 2, 4 }, { 1, 2 } })
  T.eq("nparams", model:nparams(), 4 * 3 + 4 + 2 * 4 + 2)
  T.eq("grads has the parameters' shapes", shapes(model:grads()), { { 4, 3 }, { 1, 4 }, { 2, 4 }, { 1, 2 } })
  T.eq("layers()", model:layers(), {
    { kind = "linear", ["in"] = 3, out = 4 }, { kind = "relu", ["in"] = 4, out = 4 },
    { kind = "linear", ["in"] = 4, out = 2 } })
  T.eq("model tostring", tostring(model), "gglab.Model(linear(3->4) relu linear(4->2); 26 params)")
  raises_text("forward width mismatch", function() model:forward(gg.tensor { 1, 2 }) end,
    "gglab.Model:forward: input has 1 columns, the model takes 3")
  raises_text("backward shape mismatch", function() model:backward(gg.tensor(5, 1)) end,
    "gglab.Model:backward: gradient is 5x1, the last forward gave 5x2")
  raises_text("backward before forward", function() gg.nn.mlp { 2, 1 }:backward(gg.tensor { 1 }) end,
    "gglab.Model:backward: call forward first")
end

-- A 1-layer Linear with loaded parameters computes x·Wᵀ + b. Dyadic values make every
-- product and sum exact in float32, so the comparison is exact whatever the loop order.
do
  local model = gg.nn.sequential { gg.nn.linear(3, 2) }
  local W = { { 0.5, -1.25, 2 }, { 0.75, 0.25, -0.5 } }   -- (out, in)
  local b = { 0.125, -3 }
  model:load_parameters { gg.tensor(W), gg.tensor { b } }
  T.eq("load_parameters round trip", model:parameters()[1]:totable(), W)
  T.eq("bias is (1,out)", model:parameters()[2]:totable(), { b })
  local X = { { 1, 2, 3 }, { -4, 0.5, 8 }, { 0, 0, 0 }, { 0.25, -0.75, 1.5 } }
  local want = {}
  for i, x in ipairs(X) do
    want[i] = {}
    for j = 1, 2 do
      local s = b[j]
      for k = 1, 3 do s = s + x[k] * W[j][k] end
      want[i][j] = s
    end
  end
  T.eq("linear forward = x W^T + b (exact)", model:forward(gg.tensor(X)):totable(), want)

  -- Arbitrary values: float32 rounding only.
  local W2 = { { 0.1, 0.2, 0.3 }, { -0.7, 1.1, 0.01 } }
  model:load_parameters { gg.tensor(W2), gg.tensor { { 0.3, -0.2 } } }
  local x = { 1.7, -2.3, 0.9 }
  local out = model:forward(gg.tensor { x })
  for j = 1, 2 do
    local s = f32(({ 0.3, -0.2 })[j])
    for k = 1, 3 do s = s + f32(x[k]) * f32(W2[j][k]) end
    T.near("linear forward row 1 col " .. j, out:get(1, j), s, 1e-6)
  end

  -- Shape errors leave the parameters untouched (every shape is checked first).
  local before = flat(model)
  raises_text("load_parameters count", function() model:load_parameters { gg.tensor(2, 3) } end,
    "gglab.Model:load_parameters: expected 2 tensors, got 1")
  raises_text("load_parameters transposed W", function() model:load_parameters { gg.tensor(3, 2), gg.tensor(1, 2) } end,
    "gglab.Model:load_parameters: tensor 1 must be a 2x3 gglab.Tensor")
  raises_text("load_parameters bias as column", function() model:load_parameters { gg.tensor(2, 3):fill(9), gg.tensor { 1, 2 } } end,
    "gglab.Model:load_parameters: tensor 2 must be a 1x2 gglab.Tensor")
  raises_text("load_parameters non-tensor", function() model:load_parameters { gg.tensor(2, 3), { 1, 2 } } end,
    "gglab.Model:load_parameters: tensor 2 must be a 1x2 gglab.Tensor")
  T.eq("failed load_parameters wrote nothing", flat(model), before)
end

-- PyTorch default init: W and b ~ U(-1/sqrt(in), 1/sqrt(in)).
do
  local model = gg.nn.mlp { 25, 16, 4, seed = 3 }
  local p = model:parameters()
  local bounds = { 1 / 5, 1 / 5, 1 / 4, 1 / 4 }
  for k, t in ipairs(p) do
    local maxabs, sum, n = 0, 0, 0
    for _, row in ipairs(t:totable()) do
      for _, v in ipairs(row) do
        maxabs, sum, n = math.max(maxabs, math.abs(v)), sum + v, n + 1
      end
    end
    T.ok("init tensor " .. k .. " within 1/sqrt(in)", maxabs <= bounds[k])
    if n >= 64 then
      T.ok("init tensor " .. k .. " fills its range", maxabs > 0.9 * bounds[k])
      T.ok("init tensor " .. k .. " centred", math.abs(sum / n) < 0.2 * bounds[k])
    end
  end
end

-- Seeds, rng= and the default generator.
do
  local a = flat(gg.nn.mlp { 3, 5, 2, seed = 7 })
  T.eq("same seed, same parameters", flat(gg.nn.mlp { 3, 5, 2, seed = 7 }), a)
  T.ok("other seed, other parameters", flat(gg.nn.mlp { 3, 5, 2, seed = 8 })[1] ~= a[1])
  T.eq("rng = gg.rng(s) is the stream of seed = s", flat(gg.nn.mlp { 3, 5, 2, rng = gg.rng(7) }), a)
  T.eq("seed wins over rng", flat(gg.nn.mlp { 3, 5, 2, seed = 7, rng = gg.rng(99) }), a)
  T.eq("sequential seed = mlp seed",
    flat(gg.nn.sequential({ gg.nn.linear(3, 5), gg.nn.relu(), gg.nn.linear(5, 2) }, { seed = 7 })), a)

  gg.manual_seed(42)
  local m1 = flat(gg.nn.mlp { 3, 5, 2 })
  local m2 = flat(gg.nn.mlp { 3, 5, 2 })
  gg.manual_seed(42)
  local m3 = flat(gg.nn.mlp { 3, 5, 2 })
  local m4 = flat(gg.nn.mlp { 3, 5, 2 })
  T.eq("manual_seed: first model after reseeding", m3, m1)
  T.eq("manual_seed: second model after reseeding", m4, m2)
  T.ok("default generator advances", m1[1] ~= m2[1])
  T.ok("manual_seed(s) and seed = s are different streams", flat(gg.nn.mlp { 3, 5, 2, seed = 42 })[1] ~= m1[1])

  -- A shared rng advances like the default generator does.
  local r = gg.rng(5)
  local r1, r2 = flat(gg.nn.mlp { 3, 5, 2, rng = r }), flat(gg.nn.mlp { 3, 5, 2, rng = r })
  T.eq("rng= first draw = seed=", r1, flat(gg.nn.mlp { 3, 5, 2, seed = 5 }))
  T.ok("rng= advances", r2[1] ~= r1[1])

  local model = gg.nn.mlp { 3, 5, 2, seed = 7 }
  model:reset { seed = 1 }
  T.ok("reset{seed} re-initialises", flat(model)[1] ~= a[1])
  model:reset { seed = 7 }
  T.eq("reset{seed=7} = built with seed 7", flat(model), a)
  raises_text("reset unknown option", function() model:reset { sed = 1 } end,
    "gglab.Model:reset: unknown option 'sed' (allowed: seed, rng, init)")

  local closed
  do
    local m <close> = gg.nn.mlp { 2, 1 }
    closed = m
  end
  raises_text("closed model", function() closed:forward(gg.tensor { { 1, 2 } }) end, "attempt to use a closed gglab.Model")
end

-- ---- RNG ----

do
  local a, b = gg.rng(11), gg.rng(11)
  local ua, ub = {}, {}
  for i = 1, 5 do ua[i], ub[i] = a:uniform(), b:uniform() end
  T.eq("rng streams reproducible", ua, ub)
  for i = 1, 5 do T.ok("uniform in [0,1)", ua[i] >= 0 and ua[i] < 1) end
  a:seed(11)
  T.eq("rng:seed restarts the stream", a:uniform(), ua[1])
  local counts = {}
  for _ = 1, 600 do
    local k = a:integer(3)
    counts[k] = (counts[k] or 0) + 1
  end
  T.eq("integer(3) only 1..3", { counts[0], counts[4] }, {})
  T.ok("integer(3) hits all", (counts[1] or 0) > 150 and (counts[2] or 0) > 150 and (counts[3] or 0) > 150)
  local s, s2 = 0, 0
  for _ = 1, 2000 do
    local z = a:normal()
    s, s2 = s + z, s2 + z * z
  end
  T.near("normal mean ~ 0", s / 2000, 0, 0.1)
  T.near("normal var ~ 1", s2 / 2000, 1, 0.1)
  raises_text("rng negative seed", function() gg.rng(-1) end, "gg.rng: seed must be a non-negative integer, got -1")
  raises_text("rng fractional seed", function() gg.rng(1.5) end, "gg.rng: seed must be a non-negative integer, got 1.5")
  raises_text("manual_seed string", function() gg.manual_seed("x") end,
    "gg.manual_seed: seed must be a non-negative integer, got 'x'")
  raises_text("rng option not an Rng", function() gg.data.regression { n = 2, features = 1, rng = 5 } end,
    "gg.data.regression: rng must be a gglab.Rng, got 5")
end

-- ---- losses ----

do
  local pred, target = gg.tensor { { 1, 2 }, { 3, 5 } }, gg.tensor { { 0, 2 }, { 4, 1 } }
  local l = gg.loss.mse(pred, target)
  T.eq("mse mean", l:item(), (1 + 0 + 1 + 16) / 4)
  T.eq("mse grad = 2/n (pred - target)", l:grad():totable(), { { 0.5, 0 }, { -0.5, 2 } })
  local ls = gg.loss.mse(pred, target, { reduction = "sum" })
  T.eq("mse sum", ls:item(), 18.0)
  T.eq("mse sum grad", ls:grad():totable(), { { 2, 0 }, { -2, 8 } })
  T.eq("loss tostring", tostring(ls), "gglab.Loss(18.0)")

  local z = { 1, 2, 3 }
  local lse = math.log(math.exp(1) + math.exp(2) + math.exp(3))
  local ce = gg.loss.cross_entropy(gg.tensor { z }, gg.tensor { 2 })
  T.near("cross_entropy = logsumexp - z_y", ce:item(), lse - 3, 1e-6)
  local g = ce:grad():totable()[1]
  for c = 1, 3 do
    T.near("cross_entropy grad " .. c, g[c], math.exp(z[c] - lse) - (c == 3 and 1 or 0), 1e-6)
  end
  local ce2 = gg.loss.cross_entropy(gg.tensor { { 0, 0 }, { 0, 0 } }, gg.tensor { 0, 1 })
  T.near("cross_entropy mean over rows", ce2:item(), math.log(2), 1e-6)

  local bce = gg.loss.bce_with_logits(gg.tensor { 0.5, -2 }, gg.tensor { 1, 0.25 })
  local function bce1(x, y) return -(y * math.log(1 / (1 + math.exp(-x))) + (1 - y) * math.log(1 - 1 / (1 + math.exp(-x)))) end
  T.near("bce_with_logits", bce:item(), (bce1(0.5, 1) + bce1(-2, 0.25)) / 2, 1e-6)
  T.near("bce grad", bce:grad():get(2), (1 / (1 + math.exp(2)) - 0.25) / 2, 1e-6)

  raises_text("loss without a model", function() l:backward() end,
    "gglab.Loss:backward: the prediction did not come from model:forward")
  raises_text("ce target out of range", function() gg.loss.cross_entropy(gg.tensor { { 1, 2 }, { 3, 4 } }, gg.tensor { 0, 2 }) end,
    "gg.loss.cross_entropy: target row 2 must be a class index in 0..1, got 2")
  raises_text("ce fractional target", function() gg.loss.cross_entropy(gg.tensor { { 1, 2 } }, gg.tensor { 0.5 }) end,
    "gg.loss.cross_entropy: target row 1 must be a class index in 0..1, got 0.5")
  raises_text("ce one column", function() gg.loss.cross_entropy(gg.tensor { 0.5 }, gg.tensor { 0 }) end,
    "gg.loss.cross_entropy: cross_entropy needs >= 2 prediction columns (one per class), got 1")
  raises_text("bce target range", function() gg.loss.bce_with_logits(gg.tensor { 0.5 }, gg.tensor { 2 }) end,
    "gg.loss.bce_with_logits: target row 1 must be in [0, 1], got 2")
  raises_text("mse target shape", function() gg.loss.mse(gg.tensor { 0.5 }, gg.tensor { { 1, 2 } }) end,
    "gg.loss.mse: target must be 1x1 for a 1x1 prediction, got 1x2")
  raises_text("mse bad reduction", function() gg.loss.mse(gg.tensor { 0.5 }, gg.tensor { 1 }, { reduction = "max" }) end,
    "gg.loss.mse: reduction must be one of 'mean', 'sum', got 'max'")
end

-- The loss of a forward pass can run backward only while that pass is the model's last.
do
  local model = gg.nn.mlp { 2, 3, 1, seed = 1 }
  local x, t = gg.tensor { { 1, 2 }, { 3, 4 } }, gg.tensor { 1, 0 }
  local l1 = gg.loss.mse(model:forward(x), t)
  model:zero_grad()
  l1:backward()
  local g1 = model:grads()[1]:totable()
  T.ok("backward fills gradients", g1[1][1] ~= 0 or g1[2][1] ~= 0 or g1[3][1] ~= 0)
  model:forward(x)
  raises_text("model ran forward again", function() l1:backward() end,
    "gglab.Loss:backward: the model has run forward again since this loss was computed")
  local l2 = gg.loss.mse(model:forward(x), t)
  gg.evaluate(model, gg.data.from_tensors(x, t))
  raises_text("gg.evaluate counts as a forward", function() l2:backward() end, "the model has run forward again")
  local l3 = gg.loss.mse(model:forward(x), t)
  raises_text("a clone of a prediction has no model", function()
    gg.loss.mse(model:forward(x):clone(), t):backward() end, "did not come from model:forward")
  raises_text("even a forward of the same x", function() l3:backward() end, "the model has run forward again")
  -- Gradients accumulate until zero_grad, as in PyTorch.
  model:zero_grad()
  local l4 = gg.loss.mse(model:forward(x), t)
  l4:backward()
  local once = model:grads()[3]:get(1, 1)
  l4:backward()
  T.eq("backward accumulates", model:grads()[3]:get(1, 1), f32(once * 2))
  model:zero_grad()
  T.eq("zero_grad zeroes", model:grads()[4]:totable(), { { 0 } })
end

-- ---- one optimizer step by hand ----

-- Linear(2,1), MSE, SGD lr = 0.125. Dyadic values keep every float32 operation exact.
do
  local w, b, lr = { 0.5, -0.25 }, 0.125, 0.125
  local X, Y = { { 1, 2 }, { 3, -1 } }, { 1, 0 }
  local model = gg.nn.sequential { gg.nn.linear(2, 1) }
  model:load_parameters { gg.tensor { w }, gg.tensor { { b } } }
  local opt = gg.optim.sgd(model, { lr = lr })
  local pred = model:forward(gg.tensor(X))
  local loss = gg.loss.mse(pred, gg.tensor(Y))
  -- by hand
  local B, L, dp, dw, db = #X, 0, {}, { 0, 0 }, 0
  for i = 1, B do
    local p = X[i][1] * w[1] + X[i][2] * w[2] + b
    T.eq("pred " .. i, pred:get(i), p)
    L = L + (p - Y[i]) ^ 2 / B
    dp[i] = 2 / B * (p - Y[i])
    dw[1], dw[2], db = dw[1] + dp[i] * X[i][1], dw[2] + dp[i] * X[i][2], db + dp[i]
  end
  T.eq("loss value", loss:item(), L)
  T.eq("dloss/dpred", loss:grad():totable(), { { dp[1] }, { dp[2] } })
  opt:zero_grad()
  loss:backward()
  T.eq("dW", model:grads()[1]:totable(), { dw })
  T.eq("db", model:grads()[2]:totable(), { { db } })
  opt:step()
  T.eq("W after step", model:parameters()[1]:totable(), { { w[1] - lr * dw[1], w[2] - lr * dw[2] } })
  T.eq("b after step", model:parameters()[2]:get(1, 1), b - lr * db)
  T.eq("steps counted", opt:steps(), 1)
  T.eq("values are the hand-computed ones", { L, dw[1], dw[2], db }, { 2.140625, 4.75, -3.625, 1.0 })

  -- A loop by hand that never zeroes: opt:stale_steps counts the steps on summed gradients,
  -- set_zero_after_step repairs it (each step then sees one fresh gradient).
  do
    local ms = gg.nn.sequential { gg.nn.linear(1, 1) }
    ms:load_parameters { gg.tensor { { 0 } }, gg.tensor { { 0 } } }
    local os_ = gg.optim.sgd(ms, { lr = 0.1 })
    local x1, y1 = gg.tensor { { 1 } }, gg.tensor { 1 }
    T.eq("stale_steps: none before a step", { os_:stale_steps() }, { 0, 0 })
    for _ = 1, 3 do gg.loss.mse(ms:forward(x1), y1):backward(); os_:step() end
    T.eq("stale_steps: 3 steps, the last 2 on summed gradients", { os_:stale_steps() }, { 3, 2 })
    -- w = b: 0 -> 0.2 (gradient -2) -> 0.52 (-2 - 1.2: the running sum) -> 0.832 (-3.2 + 0.08)
    T.near("stale_steps: each step moved by the running sum", ms:parameters()[1]:get(1, 1), 0.832, 1e-6)
    ms:zero_grad()
    gg.loss.mse(ms:forward(x1), y1):backward(); os_:step()
    T.eq("stale_steps: a zero_grad before the step -> not stale", { os_:stale_steps() }, { 4, 2 })
    os_:set_zero_after_step(true)
    gg.loss.mse(ms:forward(x1), y1):backward(); os_:step()
    T.eq("set_zero_after_step: the gradients are 0 after the step", ms:grads()[1]:get(1, 1), 0)
    gg.loss.mse(ms:forward(x1), y1):backward(); os_:step()
    T.eq("set_zero_after_step: then no step is stale", { os_:stale_steps() }, { 6, 3 })
    T.raises("set_zero_after_step: a boolean", function() os_:set_zero_after_step(1) end, "boolean expected")
    T.eq("stale_steps: a clone starts its own count", { os_:clone():stale_steps() }, { 0, 0 })
  end

  -- SGD with momentum 0.9, dampening 0, weight_decay 0.5: two steps on a fixed gradient.
  local m2 = gg.nn.sequential { gg.nn.linear(1, 1) }
  m2:load_parameters { gg.tensor { { 1 } }, gg.tensor { { 0 } } }
  local o2 = gg.optim.sgd(m2, { lr = 0.1, momentum = 0.9, weight_decay = 0.5 })
  local w1, b1, bw, bb = 1.0, 0.0, nil, nil
  for step = 1, 2 do
    o2:zero_grad()
    gg.loss.mse(m2:forward(gg.tensor { 1 }), gg.tensor { 0 }, { reduction = "sum" }):backward()
    local pred = w1 + b1                          -- loss (w*1 + b)^2
    local gw, gb = 2 * pred + 0.5 * w1, 2 * pred + 0.5 * b1   -- + weight decay
    bw, bb = bw and 0.9 * bw + gw or gw, bb and 0.9 * bb + gb or gb   -- torch: first buf = grad
    w1, b1 = w1 - 0.1 * bw, b1 - 0.1 * bb
    o2:step()
    T.near("momentum step " .. step .. " W", m2:parameters()[1]:get(1, 1), w1, 1e-6)
    T.near("momentum step " .. step .. " b", m2:parameters()[2]:get(1, 1), b1, 1e-6)
  end

  -- Adam, first step: m̂ = g, v̂ = g², update = -lr g / (|g| + eps).
  local m3 = gg.nn.sequential { gg.nn.linear(1, 1) }
  m3:load_parameters { gg.tensor { { 1 } }, gg.tensor { { 0 } } }
  local o3 = gg.optim.adam(m3, { lr = 0.01 })
  gg.loss.mse(m3:forward(gg.tensor { 2 }), gg.tensor { 0 }):backward()
  local g = m3:grads()[1]:get(1, 1)
  T.eq("adam gradient", g, 8.0)
  o3:step()
  T.near("adam first step", m3:parameters()[1]:get(1, 1), 1 - 0.01 * g / (math.abs(g) + 1e-8), 1e-7)
  T.eq("optim lr", o3:lr(), 0.01)
  o3:set_lr(0.5)
  T.eq("optim set_lr", o3:lr(), 0.5)
  T.ok("optim model()", o3:model() == m3)
  T.eq("optim tostring", tostring(gg.optim.sgd(m3)), "gglab.Optim(sgd, lr=0.01)")
end

-- ---- data ----

do
  local ds = gg.data.regression { n = 6, features = 2, w = { 2, -1 }, bias = 0.5, noise = 0, seed = 4 }
  T.eq("regression sizes", { ds:n(), ds:features(), ds:targets(), ds:classes() }, { 6, 2, 1, 0 })
  local X, Y = ds:x():totable(), ds:y():totable()
  for i = 1, 6 do
    T.eq("noise=0 target row " .. i, Y[i][1], f32(0.5 + X[i][1] * 2 + X[i][2] * -1))
  end
  local u = gg.data.regression { n = 200, features = 1, x = "uniform", scale = 10, w = { 1 }, seed = 1 }:x():totable()
  local lo, hi = math.huge, -math.huge
  for _, r in ipairs(u) do lo, hi = math.min(lo, r[1]), math.max(hi, r[1]) end
  T.ok("x=uniform, scale=10 in [0,10)", lo >= 0 and hi < 10 and hi > 9 and lo < 1)
  T.eq("same seed, same data", gg.data.regression { n = 5, features = 3, seed = 9 }:x():totable(),
    gg.data.regression { n = 5, features = 3, seed = 9 }:x():totable())
  T.eq("tostring", tostring(ds), "gglab.Dataset(6 rows, 2 features, 1 targets)")

  local c = gg.data.classification { n = 7, features = 2, classes = 3, seed = 1 }
  T.eq("classification sizes", { c:n(), c:features(), c:targets(), c:classes() }, { 7, 2, 1, 3 })
  T.eq("labels cycle 0..classes-1", c:y():totable(), { { 0 }, { 1 }, { 2 }, { 0 }, { 1 }, { 2 }, { 0 } })

  local tr, va = ds:split(0.5, { shuffle = false })
  T.eq("split sizes", { tr:n(), va:n() }, { 3, 3 })
  T.eq("split shuffle=false keeps order (train first)", tr:x():totable(), { X[1], X[2], X[3] })
  T.eq("split shuffle=false: val is the tail", va:x():totable(), { X[4], X[5], X[6] })
  local t2, v2 = ds:split(0.34, { seed = 1 })
  T.eq("split: train gets floor(n*(1-f)), val the rest (Keras)", { t2:n(), v2:n() }, { 3, 3 })
  local t4, v4 = ds:split(0.3, { seed = 1 })
  T.eq("split 0.3 of 6", { t4:n(), v4:n() }, { 4, 2 })
  local t3 = ds:split(0.34, { seed = 1 })
  T.eq("split seed reproducible", t3:x():totable(), t2:x():totable())
  T.ok("split shuffles with a seed", t2:x():get(1, 1) ~= X[1][1] or t2:x():get(2, 1) ~= X[2][1])
  raises_text("split empty side", function() ds:split(0.9) end,
    "gglab.Dataset:split: validation fraction 0.9 of 6 rows leaves an empty split")
  raises_text("split fraction range", function() ds:split(1) end,
    "gglab.Dataset:split: validation fraction must be in (0, 1), got 1")

  local x = gg.tensor { { 1, 2 }, { 3, 4 } }
  local ft = gg.data.from_tensors(x, gg.tensor { 1, 0 }, { classes = 2 })
  x:set(1, 1, 99)
  T.eq("from_tensors copies", ft:x():get(1, 1), 1.0)
  T.eq("from_tensors classes", ft:classes(), 2)
  raises_text("from_tensors rows", function() gg.data.from_tensors(gg.tensor { { 1 }, { 2 } }, gg.tensor { 1 }) end,
    "gg.data.from_tensors: x has 2 rows but y has 1")
  raises_text("from_tensors classes=1", function() gg.data.from_tensors(x, gg.tensor { 0, 1 }, { classes = 1 }) end,
    "gg.data.from_tensors: classes must be 0 (regression) or >= 2 with a one-column y")
end

-- ---- a hand-written loop equals gg.train ----

-- Same model init, data and batches: bit-identical parameters and step losses.
local function manual_train(model, opt, X, Y, bs, epochs, order_fn)
  local losses = {}
  local n = #X
  for _ = 1, epochs do
    local order = order_fn and order_fn(n) or nil
    for start = 1, n, bs do
      local last = math.min(start + bs - 1, n)
      local xb, yb = {}, {}
      for i = start, last do
        local r = order and order[i] or i
        xb[#xb + 1], yb[#yb + 1] = X[r], Y[r]
      end
      opt:zero_grad()
      local loss = gg.loss.mse(model:forward(gg.tensor(xb)), gg.tensor(yb))
      loss:backward()
      opt:step()
      losses[#losses + 1] = loss:item()
    end
  end
  return losses
end

do
  local ds = gg.data.regression { n = 23, features = 3, noise = 0.5, seed = 2 }
  local X, Y = ds:x():totable(), ds:y():totable()

  local m1 = gg.nn.mlp { 3, 8, 1, activation = "tanh", seed = 5 }
  local hist = gg.train { model = m1, data = ds, optimizer = gg.optim.sgd(m1, { lr = 0.05, momentum = 0.9 }),
    batch_size = 5, epochs = 3, shuffle = false }
  local m2 = gg.nn.mlp { 3, 8, 1, activation = "tanh", seed = 5 }
  local losses = manual_train(m2, gg.optim.sgd(m2, { lr = 0.05, momentum = 0.9 }), X, Y, 5, 3)
  T.eq("manual loop = gg.train: step count", #losses, hist.steps)
  T.eq("manual loop = gg.train: step losses", losses, hist.loss)
  T.eq("manual loop = gg.train: parameters (bit-identical)", flat(m2), flat(m1))
  T.ok("training moved the parameters", flat(m1)[1] ~= flat(gg.nn.mlp { 3, 8, 1, seed = 5 })[1])

  -- Shuffled: each epoch draws a Fisher-Yates permutation from the training stream; the
  -- same draws from a Lua-side gg.rng give the same batches.
  local m3 = gg.nn.mlp { 3, 4, 1, seed = 6 }
  local h3 = gg.train { model = m3, data = ds, optimizer = gg.optim.adam(m3, { lr = 0.01 }),
    batch_size = 4, epochs = 2, seed = 77 }
  local r = gg.rng(77)
  local function perm(n)
    local idx = {}
    for i = 1, n do idx[i] = i end
    for i = n, 2, -1 do
      local j = r:integer(i)
      idx[i], idx[j] = idx[j], idx[i]
    end
    return idx
  end
  local m4 = gg.nn.mlp { 3, 4, 1, seed = 6 }
  local l4 = manual_train(m4, gg.optim.adam(m4, { lr = 0.01 }), X, Y, 4, 2, perm)
  T.eq("shuffled manual loop = gg.train{seed}: losses", l4, h3.loss)
  T.eq("shuffled manual loop = gg.train{seed}: parameters", flat(m4), flat(m3))

  -- gg.train{rng = gg.rng(s)} draws the same permutations as gg.train{seed = s}.
  local m5 = gg.nn.mlp { 3, 4, 1, seed = 6 }
  gg.train { model = m5, data = ds, optimizer = gg.optim.adam(m5, { lr = 0.01 }), batch_size = 4, epochs = 2,
    rng = gg.rng(77) }
  T.eq("gg.train rng = seed", flat(m5), flat(m3))
  -- Without seed/rng the default generator shuffles: reseeding reproduces the run.
  local function default_run()
    gg.manual_seed(123)
    local m = gg.nn.mlp { 3, 4, 1 }
    local h = gg.train { model = m, data = ds, optimizer = gg.optim.sgd(m, { lr = 0.01 }), batch_size = 4, epochs = 2 }
    return h.loss, flat(m)
  end
  local la, pa = default_run()
  local lb, pb = default_run()
  T.eq("manual_seed reproduces gg.train", { la, pa }, { lb, pb })
end

-- ---- gg.train: history, divergence, validation, logging ----

do
  local ds = gg.data.regression { x = "uniform", scale = 10, w = { 2 }, bias = 1, noise = 1, n = 100, features = 1, seed = 1 }
  local function fit(lr, epochs)
    local model = gg.nn.sequential({ gg.nn.linear(1, 1) }, { seed = 1 })
    return gg.train { model = model, data = ds, optimizer = gg.optim.sgd(model, { lr = lr }),
      batch_size = 100, epochs = epochs, shuffle = false }
  end
  local bad = fit(1.0, 100)
  T.eq("lr=1.0 diverges", bad.diverged, true)
  T.ok("diverged_step is a step", math.type(bad.diverged_step) == "integer" and bad.diverged_step >= 2)
  T.ok("loss non-finite at diverged_step", not is_finite(bad.loss[bad.diverged_step]))
  T.ok("loss finite before it", is_finite(bad.loss[bad.diverged_step - 1]))
  T.eq("training stops at the diverging step", { bad.steps, #bad.loss }, { bad.diverged_step, bad.diverged_step })
  T.eq("no epoch_loss for the diverged epoch", #bad.epoch_loss, bad.diverged_step - 1)
  T.ok("loss grows before diverging", bad.loss[bad.diverged_step - 1] > 100 * bad.loss[1])

  local good = fit(0.001, 100)
  T.eq("lr=0.001 does not diverge", { good.diverged, good.diverged_step }, { false, nil })
  T.eq("history sizes", { good.steps, #good.loss, #good.epoch_loss, #good.val_loss }, { 100, 100, 100, 0 })
  T.ok("lr=0.001 loss decreases", good.loss[100] < good.loss[1] / 10)
  T.eq("full batch: epoch_loss = step loss", good.epoch_loss[7], good.loss[7])

  -- epoch_loss is the batch-size-weighted mean of the step losses; val_loss = gg.evaluate.
  local tr, va = ds:split(0.2, { seed = 3 })
  local model = gg.nn.mlp { 1, 8, 1, seed = 2 }
  local h = gg.train { model = model, data = tr, val = va, optimizer = gg.optim.adam(model, { lr = 0.05 }),
    batch_size = 30, epochs = 4, seed = 3 }
  T.eq("steps with a partial batch", { h.steps, #h.loss, #h.epoch_loss, #h.val_loss }, { 12, 12, 4, 4 })
  T.near("epoch_loss weighted mean", h.epoch_loss[4], (30 * h.loss[10] + 30 * h.loss[11] + 20 * h.loss[12]) / 80, 1e-9)
  T.eq("last val_loss = gg.evaluate", h.val_loss[4], gg.evaluate(model, va))
  T.ok("val loss falls", h.val_loss[4] < h.val_loss[1])

  -- log = run: every log_every-th step loss, the last of each epoch, epoch_loss, val_loss.
  local rows = {}
  local run = { log = function(_, metric, v, step, epoch) rows[#rows + 1] = { metric, v, step, epoch } end }
  local m2 = gg.nn.mlp { 1, 4, 1, seed = 2 }
  local h2 = gg.train { model = m2, data = tr, val = va, optimizer = gg.optim.sgd(m2, { lr = 1e-3 }), batch_size = 20,
    epochs = 2, seed = 1, log = run, log_every = 3 }
  local got = {}
  for i, r in ipairs(rows) do got[i] = r[1] .. "@" .. r[3] .. "/" .. r[4] end
  T.eq("logged curves", got, { "loss@3/1", "loss@4/1", "epoch_loss@4/1", "val_loss@4/1",
    "loss@6/2", "loss@8/2", "epoch_loss@8/2", "val_loss@8/2" })
  T.eq("logged values", { rows[1][2], rows[3][2], rows[4][2] }, { h2.loss[3], h2.epoch_loss[1], h2.val_loss[1] })

  -- gg.train_epoch / gg.evaluate directly.
  local m3 = gg.nn.mlp { 1, 4, 1, seed = 2 }
  local o3 = gg.optim.sgd(m3, { lr = 1e-3 })
  local losses, diverged, mean = gg.train_epoch(m3, o3, tr, { batch_size = 30, drop_last = true, shuffle = false })
  T.eq("train_epoch drop_last steps", #losses, 2)
  T.eq("train_epoch diverged flag", diverged, false)
  T.near("train_epoch mean", mean, (losses[1] + losses[2]) / 2, 1e-9)
  T.eq("optimizer steps", o3:steps(), 2)
  local ev = gg.evaluate(m3, tr)
  T.eq("evaluate returns a float32 value", ev, f32(ev))
end

-- cross-entropy training end to end.
do
  local all = gg.data.classification { n = 120, features = 4, classes = 3, seed = 8 }
  local tr, va = all:split(0.25, { seed = 8 })
  local model = gg.nn.mlp { 4, 16, 3, seed = 8 }
  local h = gg.train { model = model, data = tr, val = va, loss = "cross_entropy",
    optimizer = gg.optim.adam(model, { lr = 0.01 }), batch_size = 16, epochs = 10, seed = 8 }
  T.ok("cross_entropy training lowers val loss", h.val_loss[10] < 0.5 * h.val_loss[1])
  T.eq("cross_entropy evaluate", gg.evaluate(model, va, { loss = "cross_entropy" }), h.val_loss[10])
end

-- ---- error messages ----

do
  local m = gg.nn.mlp { 2, 1, seed = 1 }
  local ds = gg.data.regression { n = 8, features = 2, seed = 1 }
  raises_text("sgd lr negative", function() gg.optim.sgd(m, { lr = -1 }) end,
    "gg.optim.sgd: lr must be a positive number, got -1")
  T.raises("errors point at the caller", function() gg.optim.sgd(m, { lr = -1 }) end, "^tests/lua/test_api%.lua:%d+: gg%.optim%.sgd:")
  raises_text("sgd lr wrong type", function() gg.optim.sgd(m, { lr = "0.1" }) end,
    "gg.optim.sgd: lr must be a positive number, got '0.1'")
  raises_text("unknown option", function() gg.optim.sgd(m, { lrr = 0.1 }) end,
    "gg.optim.sgd: unknown option 'lrr' (allowed: lr, momentum, dampening, weight_decay, nesterov)")
  raises_text("adam unknown option", function() gg.optim.adam(m, { beta1 = 0.9 }) end,
    "gg.optim.adam: unknown option 'beta1' (allowed: lr, betas, eps, weight_decay, amsgrad)")
  raises_text("nesterov without momentum", function() gg.optim.sgd(m, { nesterov = true }) end,
    "gg.optim.sgd: nesterov requires momentum > 0 and dampening = 0, got momentum 0, dampening 0")
  raises_text("momentum negative", function() gg.optim.sgd(m, { momentum = -0.5 }) end,
    "gg.optim.sgd: momentum must be a non-negative number, got -0.5")
  raises_text("adam betas", function() gg.optim.adam(m, { betas = { 0.9, 1 } }) end,
    "gg.optim.adam: betas[2] must be in [0, 1), got 1")
  raises_text("adam betas shape", function() gg.optim.adam(m, { betas = 0.9 }) end,
    "gg.optim.adam: betas must be a list of two numbers in [0, 1), got 0.9")
  raises_text("option keys must be names", function() gg.optim.sgd(m, { 0.1 }) end,
    "gg.optim.sgd: option keys must be names, got 1")
  raises_text("set_lr", function() gg.optim.sgd(m):set_lr(math.huge) end, "gglab.Optim:set_lr: lr must be a finite number, got inf")
  T.ok("set_lr 0 is allowed (schedules reach it)", pcall(function() gg.optim.sgd(m):set_lr(0) end))

  raises_text("mlp bad activation", function() gg.nn.mlp { 2, 3, 1, activation = "swish" } end,
    "gg.nn.mlp: activation must be one of 'relu', 'sigmoid', 'tanh', 'leaky_relu', 'gelu', 'elu', 'silu', 'softplus', 'identity' or an activation spec, got 'swish'")
  raises_text("mlp unknown option", function() gg.nn.mlp { 2, 1, act = "relu" } end,
    "gg.nn.mlp: unknown option 'act' (allowed: activation, output_activation, batchnorm, dropout, init, keras, seed, rng)")
  raises_text("mlp one width", function() gg.nn.mlp { 2 } end, "gg.nn.mlp: needs at least two widths {in, out}, got 1")
  raises_text("linear zero width", function() gg.nn.linear(0, 1) end,
    "gg.nn.linear: in_features must be a positive integer, got 0")
  raises_text("sequential chain mismatch", function()
    gg.nn.sequential { gg.nn.linear(2, 3), gg.nn.relu(), gg.nn.linear(4, 1) } end,
    "gg.nn.sequential: layer 3: linear expects 4 inputs but the previous layer gives 3")
  raises_text("sequential first layer", function() gg.nn.sequential { gg.nn.relu(), gg.nn.linear(2, 1) } end,
    "gg.nn.sequential: layer 1 must be linear (it fixes the input width)")
  raises_text("sequential unknown kind", function() gg.nn.sequential { gg.nn.linear(2, 2), { kind = "swish" } } end,
    "gg.nn.sequential: layer 2 has kind 'swish'; allowed: linear, relu, sigmoid, tanh, leaky_relu, gelu, elu, silu, softplus, identity, batchnorm1d, dropout")
  raises_text("sequential empty", function() gg.nn.sequential {} end, "gg.nn.sequential: expected 1..256 layers, got 0")
  -- Huge layers fail with an error, before any allocation.
  raises_text("huge layer (10^12 as a float)", function() return gg.nn.sequential { gg.nn.linear(1, 10 ^ 12) } end,
    "gg.nn.sequential: layer 1: linear weight of 1000000000000 x 1 elements is too large (limit " .. LIMIT .. ")")
  raises_text("non-integral width", function() gg.nn.linear(2, 2.5) end,
    "gg.nn.linear: out_features must be a positive integer, got 2.5")
  T.eq("integral float width accepted", gg.nn.linear(2, 2 ^ 3).out, 8)
  raises_text("huge layer (integer)", function() return gg.nn.sequential { gg.nn.linear(1, math.tointeger(10 ^ 12)) } end,
    "gg.nn.sequential: layer 1: linear weight of 1000000000000 x 1 elements is too large (limit " .. LIMIT .. ")")
  raises_text("one layer over the parameter limit", function() return gg.nn.sequential { gg.nn.linear(1, LIMIT) } end,
    "gg.nn.sequential: layer 1: model has more than " .. LIMIT .. " parameters")
  raises_text("layers summing over the parameter limit", function()
    return gg.nn.sequential { gg.nn.linear(1, LIMIT // 2), gg.nn.linear(LIMIT // 2, 1) } end,
    "gg.nn.sequential: layer 2: model has more than " .. LIMIT .. " parameters")

  raises_text("train missing optimizer", function() gg.train { model = m, data = ds } end,
    "gg.train: optimizer must be a gglab.Optim (gg.optim.sgd, adam, adamw, rmsprop, adagrad, keras_adam), got nil")
  raises_text("train unknown option", function() gg.train { model = m, data = ds, optimizer = gg.optim.sgd(m), epoch = 2 } end,
    "gg.train: unknown option 'epoch' (allowed: model, data, loss, optimizer, batch_size, epochs, ")
  raises_text("train epochs", function() gg.train { model = m, data = ds, optimizer = gg.optim.sgd(m), epochs = 0 } end,
    "gg.train: epochs must be an integer >= 1, got 0")
  raises_text("train other model's optimizer", function()
    gg.train { model = m, data = ds, optimizer = gg.optim.sgd(gg.nn.mlp { 2, 1 }) } end,
    "gg.train: optimizer was built for another model")
  raises_text("train data width", function()
    gg.train { model = m, data = gg.data.regression { n = 4, features = 3 }, optimizer = gg.optim.sgd(m) } end,
    "data has 3 features but the model takes 2 inputs")
  raises_text("train loss name", function() gg.train { model = m, data = ds, optimizer = gg.optim.sgd(m), loss = "hinge" } end,
    "loss must be one of 'mse', 'l1', 'smooth_l1', 'huber', 'bce', 'bce_with_logits', 'cross_entropy', 'nll', 'categorical_crossentropy' (or {name, options...}, or a function(pred, target)), got 'hinge'")
  local mc = gg.nn.mlp { 2, 3 }
  raises_text("train cross_entropy on regression targets", function()
    gg.train { model = mc, data = ds, optimizer = gg.optim.sgd(mc), loss = "cross_entropy" } end,
    "target row 1 must be a class index in 0..2, got")

  raises_text("regression n=0", function() gg.data.regression { n = 0 } end,
    "gg.data.regression: n must be an integer in [1, " .. LIMIT .. "], got 0")
  raises_text("regression unknown option", function() gg.data.regression { rows = 5 } end,
    "gg.data.regression: unknown option 'rows' (allowed: n, features, outputs, noise, x, scale, w, bias, seed, rng)")
  raises_text("regression x", function() gg.data.regression { n = 5, x = "cauchy" } end,
    "gg.data.regression: x must be one of 'normal', 'uniform', got 'cauchy'")
  raises_text("regression w length", function() gg.data.regression { n = 5, features = 2, w = { 1 } } end,
    "gg.data.regression: w must be a list of features*outputs = 2 numbers, got a table")
  raises_text("regression noise", function() gg.data.regression { n = 5, noise = -0.5 } end,
    "gg.data.regression: noise must be a non-negative number, got -0.5")
  raises_text("classification classes", function() gg.data.classification { n = 5, classes = 1 } end,
    "gg.data.classification: classes must be an integer in [2, 1048576], got 1")
end

-- ---- gg.fmt_number ----

do
  T.eq("fmt 0.1", gg.fmt_number(0.1), "0.1")
  T.eq("fmt 1e-4", gg.fmt_number(1e-4), "0.0001")
  T.eq("fmt 3", gg.fmt_number(3), "3")
  T.eq("fmt 3.0", gg.fmt_number(3.0), "3")
  T.eq("fmt integer 2^53", gg.fmt_number(1 << 53), "9007199254740992")
  T.eq("fmt 1/3", gg.fmt_number(1 / 3), "0.3333333333333333")
  T.eq("fmt 0.1+0.2", gg.fmt_number(0.1 + 0.2), "0.30000000000000004")
  T.eq("fmt non-finite", { gg.fmt_number(0 / 0), gg.fmt_number(1 / 0), gg.fmt_number(-1 / 0) }, { "nan", "inf", "-inf" })
  T.eq("fmt float32 0.1", gg.fmt_number(f32(0.1)), "0.1")
  T.eq("fmt float32 tensor value", gg.fmt_number(gg.tensor { 0.7 }:get(1)), "0.7")
  local item = gg.loss.mse(gg.tensor { 0.3 }, gg.tensor { 0.2 }):item()
  local s = gg.fmt_number(item)
  T.eq("fmt loss item: shortest float32 text", s, "0.010000002")
  T.eq("fmt loss item reads back as the same float32", f32(tonumber(s)), item)
  T.eq("fmt double reads back exactly", tonumber(gg.fmt_number(math.pi)), math.pi)
  T.eq("fmt integers", { gg.fmt_number(0), gg.fmt_number(-7), gg.fmt_number(math.mininteger),
    gg.fmt_number(math.maxinteger) }, { "0", "-7", "-9223372036854775808", "9223372036854775807" })
  -- float32 values: "%.<p>g" for the least p in 6..9 that reads back as the float (the rule,
  -- written out with string.format), on 60000 pseudo-random bit patterns (those not integers) of every exponent,
  -- subnormals included, and on values whose 9-digit text ends in 5 (printf's own rounding).
  local function rule(x)
    for p = 6, 9 do
      local s = string.format("%." .. p .. "g", x)
      if f32(tonumber(s)) == x then return s end
    end
  end
  local bad, seen, state = {}, 0, 12345
  local function check(x)
    if x ~= x or x == math.huge or x == -math.huge or x == math.floor(x) then return end
    seen = seen + 1
    if gg.fmt_number(x) ~= rule(x) and #bad < 5 then bad[#bad + 1] = string.format("%.17g", x) end
  end
  for _ = 1, 60000 do
    state = (state * 1103515245 + 12345) % 2 ^ 31 // 1
    local hi = (state * 69069 + 1) % 2 ^ 32 // 1
    check(string.unpack("<f", string.pack("<I4", (hi ~ (state << 1)) & 0xffffffff)))
  end
  for _, x in ipairs { 1234567.5, 0.000123456785, 2.5e-8, 1.0000005, 9.9999995, 1e-45, -3.4028234e38 } do
    check(f32(x))
  end
  T.ok("fmt float32: the rule on " .. seen .. " values", #bad == 0 and seen > 30000)
  T.eq("fmt float32 mismatches", bad, {})
end

-- ---- gg.csv ----

do
  local path = os.tmpname()
  local w = assert(gg.csv.writer(path))
  w:row { "name", "value", "note" }
  w:row { "a,b", 0.1, 'say "hi"' }
  w:row { "plain", 3, nil, n = 3 }
  w:row { true, gg.NULL, " padded " }
  T.eq("writer close", w:close(), true)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  T.eq("csv text", text, 'name,value,note\n"a,b",0.1,"say ""hi"""\nplain,3,\ntrue,," padded "\n')
  -- w:series: the rows k = from..to of a list, one column counting base + k: as w:row writes them
  local p2, p3 = os.tmpname(), os.tmpname()
  local values = { 0.5, f32(1 / 3), 0 / 0, -2, 7 }
  local ws, wr = assert(gg.csv.writer(p2)), assert(gg.csv.writer(p3))
  ws:series({ "run,1", 0, gg.NULL, "loss", 0 }, 5, values, 2, 4, 2, 10)
  for k = 2, 4 do wr:row { "run,1", 10 + k, gg.NULL, "loss", values[k] } end
  ws:close()
  wr:close()
  T.eq("series text = row text", T.read(p2), T.read(p3))
  T.eq("series text", T.read(p2), '"run,1",12,,loss,0.33333334\n"run,1",13,,loss,nan\n"run,1",14,,loss,-2\n')
  os.remove(p2)
  os.remove(p3)
  local header, rows = gg.csv.read(path)
  T.eq("csv header", header, { "name", "value", "note" })
  T.eq("csv rows round trip", rows, { { "a,b", "0.1", 'say "hi"' }, { "plain", "3", "" }, { "true", "", " padded " } })
  os.remove(path)
  local ok, msg = gg.csv.read(path)
  T.eq("missing file returns nil, msg", { ok, (msg or ""):match("No such file") ~= nil }, { nil, true })
  local w2, m2 = gg.csv.writer("/nonexistent-dir/x.csv")
  T.eq("unwritable path returns nil, msg", { w2, type(m2) }, { nil, "string" })
end

-- ---- gg.fs, gg.clock, gg.version ----

do
  local dir = os.tmpname()
  os.remove(dir)
  T.eq("fs.mkdir -p", gg.fs.mkdir(dir .. "/a/b"), true)
  T.ok("fs.isdir", gg.fs.isdir(dir .. "/a/b"))
  local pwd = io.popen("pwd -P"):read("l")
  T.eq("fs.cwd is pwd -P", gg.fs.cwd(), pwd)
  local f = assert(io.open(dir .. "/a/z.txt", "w"))
  f:close()
  T.eq("fs.listdir sorted", gg.fs.listdir(dir .. "/a"), { "b", "z.txt" })
  T.eq("fs.rename", gg.fs.rename(dir .. "/a/z.txt", dir .. "/a/y.txt"), true)
  T.ok("fs.exists", gg.fs.exists(dir .. "/a/y.txt") and not gg.fs.exists(dir .. "/a/z.txt"))
  T.eq("fs.remove", gg.fs.remove(dir .. "/a/y.txt"), true)
  local ok, msg = gg.fs.remove(dir .. "/a/y.txt")
  T.eq("fs.remove missing returns nil, msg", { ok, type(msg) }, { nil, "string" })
  gg.fs.remove(dir .. "/a/b")
  gg.fs.remove(dir .. "/a")
  gg.fs.remove(dir)
  T.ok("fs cleaned up", not gg.fs.exists(dir))
  local t0 = gg.clock()
  T.ok("clock is monotonic", gg.clock() >= t0)
  T.ok("version", type(gg.version) == "string" and gg.version:match("^%d+%.%d+%.%d+$") ~= nil)
end


do -- early stopping: stops after `patience` epochs without a better val loss, restores the best
  local all = gg.data.regression { n = 40, features = 3, noise = 1, seed = 4 }
  local train, val = all:split(0.5, { seed = 4 })
  local function fit(es, epochs)
    local m = gg.nn.mlp { 3, 64, 64, 1, seed = 4 }
    local h = gg.train { model = m, data = train, val = val, optimizer = gg.optim.adam(m, { lr = 0.01 }),
      batch_size = 4, epochs = epochs, early_stopping = es, seed = 1 }
    return h, gg.evaluate(m, val, { loss = "mse" })
  end
  local full = fit(nil, 60)
  local best_epoch, best = 1, math.huge
  for e, v in ipairs(full.val_loss) do if v < best then best, best_epoch = v, e end end
  T.ok("the long run overfits (its val loss rises after its best epoch)", best_epoch < 55 and full.val_loss[60] > best)
  local h, v = fit({ patience = 5 }, 60)
  T.eq("best epoch found", h.best_epoch, best_epoch)
  T.eq("stops patience epochs later", h.stopped_epoch, best_epoch + 5)
  T.eq("trained no further", #h.epoch_loss, best_epoch + 5)
  T.eq("same curve up to there", h.val_loss[best_epoch], full.val_loss[best_epoch])
  T.eq("best parameters restored", v, best)
  local h2, v2 = fit({ patience = 5, restore_best = false }, 60)
  T.eq("without restore: the last epoch's parameters", v2, h2.val_loss[#h2.val_loss])
  local m = gg.nn.mlp { 3, 4, 1 }
  local base = { model = m, data = train, optimizer = gg.optim.sgd(m) }
  local function with(k, v) local o = {} for a, b in pairs(base) do o[a] = b end o[k] = v return o end
  raises_text("early stopping needs validation", function() gg.train(with("early_stopping", {})) end,
    "gg.train: early_stopping watches the validation loss: give val or validation_split")
  raises_text("early stopping options", function()
    gg.train(with("early_stopping", { patiense = 2 }))
  end, "gg.train: early_stopping: unknown option 'patiense' (allowed: patience, min_delta, restore_best)")
  raises_text("patience", function() gg.train(with("early_stopping", { patience = 0 })) end,
    "gg.train: early_stopping.patience must be an integer >= 1, got 0")
end


do -- validation of a BatchNorm model inside gg.train (eval mode, any batch), and val_loss
  local all = gg.data.classification { n = 64, features = 4, classes = 3, seed = 2 }
  local tr, va = all:split(0.25, { seed = 2 })
  local m = gg.nn.mlp { 4, 8, 3, batchnorm = true, seed = 2 }
  local h = gg.train { model = m, data = tr, val = va, loss = { "cross_entropy", weight = { 1, 2, 3 } },
    val_loss = "cross_entropy", optimizer = gg.optim.sgd(m, { lr = 0.1 }), batch_size = 8, epochs = 2 }
  T.eq("val losses of a BatchNorm model", #h.val_loss, 2)
  T.ok("the model is back in training mode", m:training())
  T.eq("val_loss is the unweighted loss", h.val_loss[2], gg.evaluate(m, va, { loss = "cross_entropy" }))
  raises_text("val_loss is checked", function()
    gg.train { model = m, data = tr, val = va, val_loss = "hinge", optimizer = gg.optim.sgd(m) }
  end, "gg.train: val_loss must be one of 'mse'")
end

T.done()
