-- tests/lua/test_shared_params.lua — layers given existing parameters (weight = p, bias = p):
-- weight tying (one parameter feeding two layers: stored once, its gradient the sum of both
-- uses, equal to the same computation written with primitive ops), parameters created in
-- an order other than the order the layers are applied (PyTorch's registration order), and
-- the errors of a wrong given parameter naming the layer, the parameter and both shapes.

local T = require "check"
local gg = require "gglab"

local function values(list)
  local out = {}
  for _, t in ipairs(list) do
    for _, row in ipairs(t:totable()) do
      for _, v in ipairs(row) do out[#out + 1] = v end
    end
  end
  return out
end

local function here() return debug.getinfo(2, "l").currentline end

local x = gg.tensor { { 0.5, -1.0, 2.0, 0.25 }, { -0.75, 0.1, 0.3, -2.0 }, { 1.5, 1.0, -0.5, 0.0 } }
local dy = gg.tensor { { 1.0, -0.5, 0.25, 2.0 }, { 0.5, 0.5, -1.0, 1.0 }, { -2.0, 0.75, 0.1, 0.3 } }

-- ---- tying: linear(W) -> tanh -> linear(W) against x W^T -> tanh -> W^T, with one W ----

local tied = gg.nn.sequential({ gg.nn.custom(function(h, nn)
  local W = nn.param { shape = { 4, 4 } }
  local b = nn.param { shape = { 4 }, init = "zeros" }
  h = gg.nn.linear(4, 4, { weight = W, bias = b })(h)
  h = h:tanh()
  return gg.nn.linear(4, 4, { weight = W, bias = false })(h)
end) }, { input = { 4 }, seed = 7 })

local ops = gg.nn.sequential({ gg.nn.custom(function(h, nn)
  local W = nn.param { shape = { 4, 4 } }
  local b = nn.param { shape = { 4 }, init = "zeros" }
  h = (h:matmul(W:transpose(0, 1)) + b):tanh()
  return h:matmul(W:transpose(0, 1))
end) }, { input = { 4 }, seed = 7 })

T.eq("tied: the shared weight is stored once (16 + 4 bias)", tied:nparams(), 20)
T.eq("tied: the same initial parameters as the op-written model", values(tied:parameters()),
  values(ops:parameters()))
local y1, y2 = values { tied:forward(x) }, values { ops:forward(x) }
local worst = 0
for i = 1, #y1 do worst = math.max(worst, math.abs(y1[i] - y2[i])) end
T.ok("tied: outputs equal the op-written model's within 1e-6 (worst " .. worst .. ")", #y1 == 12 and worst <= 1e-6)
tied:zero_grad(); ops:zero_grad()
tied:backward(dy); ops:backward(dy)
local g1, g2 = values(tied:grads()), values(ops:grads())
worst = 0
for i = 1, #g1 do worst = math.max(worst, math.abs(g1[i] - g2[i])) end
T.ok("tied: the weight's gradient is the sum of both uses (worst " .. worst .. ")", #g1 == 20 and worst <= 1e-5)
-- Half of the tied gradient comes from each use: it is not either use's alone.
local first_only = gg.nn.sequential({ gg.nn.custom(function(h, nn)
  local W = nn.param { shape = { 4, 4 } }
  local b = nn.param { shape = { 4 }, init = "zeros" }
  local W2 = nn.param { shape = { 4, 4 }, requires_grad = false }
  h = gg.nn.linear(4, 4, { weight = W, bias = b })(h):tanh()
  return gg.nn.linear(4, 4, { weight = W2, bias = false })(h)
end) }, { input = { 4 }, seed = 7 })
T.eq("untied: 16 + 4 + 16 parameters", first_only:nparams(), 36)

-- ---- registration order: params created first, layers applied in another order ----

local function ln_then_linear(given)
  return gg.nn.sequential({ gg.nn.custom(function(h, nn)
    if not given then
      h = gg.nn.layernorm(4)(h)
      return gg.nn.linear(4, 3)(h)
    end
    -- torch's order would be linear then norm: create them so, apply norm first
    local lw = nn.param { shape = { 3, 4 } }
    local lb = nn.param { shape = { 3 }, init = { "uniform", a = -0.5, b = 0.5 } }
    local nw = nn.param { shape = { 4 }, init = { "constant", value = 1 } }
    local nb = nn.param { shape = { 4 }, init = "zeros" }
    h = gg.nn.layernorm(4, { weight = nw, bias = nb })(h)
    return gg.nn.linear(4, 3, { weight = lw, bias = lb })(h)
  end) }, { input = { 4 }, seed = 3 })
end
local m = ln_then_linear(true)
local shapes = {}
for i, p in ipairs(m:parameters()) do shapes[i] = { p:rows(), p:cols() } end
T.eq("given params keep their creation order (linear weight, bias, norm weight, bias)", shapes,
  { { 3, 4 }, { 1, 3 }, { 1, 4 }, { 1, 4 } })
local ps = m:parameters()
T.eq("a given LayerNorm weight keeps its own init (ones), not reset", values { ps[3] }, { 1, 1, 1, 1 })
-- Loading the other model's parameters in the matching order gives the same outputs.
local plain = ln_then_linear(false)
local pp = plain:parameters()  -- norm weight, norm bias, linear weight, linear bias
m:load_parameters { pp[3], pp[4], pp[1], pp[2] }
T.eq("given-param model = the plain model with permuted parameters, bit for bit",
  values { m:forward(x) }, values { plain:forward(x) })

-- ---- diagnostics: a given weight is a layer's weight, counted once when tied ----

do
  local curves = {}
  local run = { log = function(_, metric, value, step)
    curves[metric] = curves[metric] or {}
    curves[metric][step] = value
  end }
  local data = gg.data.regression { n = 32, features = 4, outputs = 4, seed = 2 }
  gg.train { model = tied, data = data, optimizer = gg.optim.sgd(tied, { lr = 0.01 }), batch_size = 16,
    epochs = 1, seed = 1, log = run, diagnostics = { every = 1 } }
  T.ok("tied: diagnostics follow the shared weight as one layer (grad_norm_l1, no _l2)",
    curves.grad_norm_l1 ~= nil and curves.grad_norm_l1[1] > 0 and curves.grad_norm_l2 == nil)
end

-- ---- errors ----

local function err_of(fn)
  local ok, e = pcall(fn)
  return ok and "no error" or tostring(e)
end

local line
local e = err_of(function()
  line = here() + 1
  gg.nn.sequential({ gg.nn.custom(function(h, nn)
    local W = nn.param { shape = { 4, 3 } }
    return gg.nn.linear(4, 4, { weight = W, bias = false })(h)
  end) }, { input = { 4 } })
end)
T.ok("a given weight of the wrong shape names both shapes: " .. e,
  e:find("weight has shape (4, 3), the layer needs (4, 4)", 1, true) ~= nil)

e = err_of(function()
  gg.nn.sequential({ gg.nn.custom(function(h, nn)
    local W = nn.param { shape = { 4, 4 } }
    return gg.nn.linear(4, 4, { weight = W })(h)
  end) }, { input = { 4 } })
end)
T.ok("a given weight without a bias asks for one: " .. e, e:find("give the bias too", 1, true) ~= nil)

e = err_of(function()
  gg.nn.sequential({ gg.nn.custom(function(h, nn)
    local W = h:tanh()
    return gg.nn.linear(4, 4, { weight = W, bias = false })(h)
  end) }, { input = { 4 } })
end)
T.ok("a given weight that is not a parameter is refused: " .. e,
  e:find("must be a parameter, got a tanh output", 1, true) ~= nil)

e = err_of(function()
  gg.nn.sequential({ gg.nn.custom(function(h)
    return gg.nn.linear(4, 4, { weight = 3, bias = false })(h)
  end) }, { input = { 4 } })
end)
T.ok("a weight that is not a symbolic tensor is refused: " .. e,
  e:find("weight must be a parameter of this model", 1, true) ~= nil)

T.done()
