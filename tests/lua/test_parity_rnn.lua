-- tests/lua/test_parity_rnn.lua — gg.nn.rnn / lstm / gru against PyTorch 1.13 fixtures
-- (tests/parity/gen_rnn.py): one forward and backward per configuration (RNN tanh/relu,
-- LSTM, GRU; 1 and 2 layers; with and without biases; the whole sequence or the last
-- state), then 100 training steps of an LSTM and a GRU classifier.
--
-- Input gradients as in test_parity_cnn.lua: the model sits behind a "lift" layer,
-- x_onehot (B, B) @ X (B, L*I) reshaped to (B, L, I), fed the identity, so X's gradient is
-- exactly dx; the same layers without the lift must give the same output bit for bit.
-- Tolerances: outputs and gradients |got - want| / max(|want|, 1% of the tensor's largest)
-- <= 1e-4 per element (test_parity_cnn.lua explains the floor); training: P.check_run.

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local TOL, FLOOR = 1e-4, 1e-2

local flat_of = P.flat

local function err_of(got, want) return P.err(got, want, FLOOR) end

local function check_err(comp, what, got, want) return P.check_err(T, comp, what, got, want, TOL, FLOOR) end

local eye = P.eye

local function tensors(list)
  local out = {}
  for i, t in ipairs(list) do out[i] = P.tensor(t) end
  return out
end

local function same(a, b)
  return a:rows() == b:rows() and a:cols() == b:cols() and table.concat(flat_of(a), ",") == table.concat(flat_of(b), ",")
end

-- The gg.nn constructor call a fixture's config describes.
local function spec_of(c, ret)
  local opts = { num_layers = c.num_layers, bias = c.bias, ["return"] = ret or c.ret }
  if c.mode == "rnn" then opts.nonlinearity = c.nonlinearity end
  return gg.nn[c.mode](c.input_size, c.hidden_size, opts)
end

local function lift(B, shape)
  return gg.nn.custom(function(x, nn)
    return x:matmul(nn.param { shape = { B, shape[1] * shape[2] } }):reshape { -1, shape[1], shape[2] }
  end, { name = "lift" })
end

-- ---- (1) layers ----

local names = P.list("rnn")
local nlayer = 0
for _, name in ipairs(names) do
  if name:match("^layer_") then
    local fx = P.load("rnn", name)
    local comp = "rnn/" .. name
    local B = fx.x[1]
    nlayer = nlayer + 1
    local model = gg.nn.sequential({ lift(B, fx.input), spec_of(fx.config) }, { input = { B }, seed = 1 })
    local ps = { P.tensor(fx.x) }
    for _, p in ipairs(fx.params) do ps[#ps + 1] = P.tensor(p) end
    model:load_parameters(ps)
    T.eq(comp .. ": output shape", model:output_shape(), fx.out_shape)
    T.eq(comp .. ": parameter count", #model:parameters(), #fx.params + 1)
    local y = model:forward(eye(B))
    check_err(comp, "y", y, fx.y)
    model:zero_grad()
    model:backward(P.tensor(fx.dy))
    local gs = model:grads()
    check_err(comp, "dx", gs[1], fx.dx)
    local worst = 0
    for k, want in ipairs(fx.grads) do worst = math.max(worst, gs[k + 1] and err_of(gs[k + 1], want) or math.huge) end
    P.note(comp, "dparam", worst)
    T.ok(string.format("%s: parameter gradients err %.3g <= %g", comp, worst, TOL), worst <= TOL)
    -- Without the lift: the same output bit for bit.
    local plain = gg.nn.sequential({ spec_of(fx.config) }, { input = fx.input, seed = 1 })
    plain:load_parameters(tensors(fx.params))
    T.ok(comp .. ": output without the lift is identical", same(plain:forward(P.tensor(fx.x)), y))
    -- "last" is output[:, -1] of the "sequence" model, bit for bit.
    if fx.config.ret == "last" then
      local seq = gg.nn.sequential({ spec_of(fx.config, "sequence") }, { input = fx.input, seed = 1 })
      seq:load_parameters(tensors(fx.params))
      local full, H, L = seq:forward(P.tensor(fx.x)), fx.config.hidden_size, fx.input[1]
      local ok = true
      for b = 1, B do
        for j = 1, H do ok = ok and full:get(b, (L - 1) * H + j) == y:get(b, j) end
      end
      T.ok(comp .. ": last = output[:, -1] bit for bit", ok)
    end
  end
end
T.ok(string.format("layer fixtures present (%d)", nlayer), nlayer >= 36)

-- ---- (2) training: 100 steps, the manual loop and gg.train ----

local function classifier(c)
  return gg.nn.sequential({
    gg.nn[c.mode](3, c.hidden_size, { num_layers = c.num_layers, ["return"] = "last" }),
    gg.nn.linear(c.hidden_size, 3),
  }, { input = { 8, 3 }, seed = 1 })
end

local function make_opt(model, c)
  if c.optimizer == "sgd" then return gg.optim.sgd(model, { lr = c.lr, momentum = c.momentum }) end
  return gg.optim.adam(model, { lr = c.lr })
end

local trained = 0
for _, name in ipairs(names) do
  if name:match("^train_") then
    local fx = P.load("rnn", name)
    local comp = "rnn/" .. name
    trained = trained + 1
    local model = classifier(fx.config)
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
    local model2 = classifier(fx.config)
    model2:load_parameters(tensors(fx.params))
    local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
    local hist = gg.train { model = model2, data = data, loss = fx.config.loss,
      optimizer = make_opt(model2, fx.config), order = fx.batches }
    P.check_run(T, fx, hist.loss, nil, model2, comp .. " (gg.train)")
    T.ok(comp .. ": gg.train's losses are the manual loop's", table.concat(hist.loss, ",") == table.concat(losses, ","))
    local parts = {}
    for s = 20, #worst_step, 20 do
      local w = 0
      for q = s - 19, s do w = math.max(w, worst_step[q]) end
      parts[#parts + 1] = string.format("%.1e", w)
    end
    print(string.format("parity %-40s loss rel err per 20 steps: %s", comp, table.concat(parts, " ")))
    T.ok(comp .. ": the loss fell", losses[#losses] < 0.7 * losses[1])
  end
end
T.ok("training fixtures present (lstm, gru)", trained == 2)

P.report()
T.done()
