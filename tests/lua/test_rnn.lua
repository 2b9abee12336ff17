-- tests/lua/test_rnn.lua — gg.nn.rnn / lstm / gru beyond the PyTorch fixtures: model
-- structure (nodes, parameter order and shapes, dropout between layers), errors naming the
-- argument and the caller's line, the layer on symbolic tensors, determinism across
-- instruction sets and runs, model:recurrent_spectral_norms(), and the docs example
-- (docs/lua-api.md "Recurrent networks") learning its task.

local T = require "check"
local gg = require "gglab"

local function flat_of(t)
  local out = {}
  for _, row in ipairs(t:totable()) do
    for _, v in ipairs(row) do out[#out + 1] = v end
  end
  return out
end

local function same(a, b)
  return a:rows() == b:rows() and a:cols() == b:cols() and table.concat(flat_of(a), ",") == table.concat(flat_of(b), ",")
end

local function randn(rows, cols, seed)
  local r = gg.rng(seed)
  local t = gg.tensor(rows, cols)
  for i = 1, rows do
    for j = 1, cols do t:set(i, j, r:normal()) end
  end
  return t
end

-- ---- structure ----

do
  local m = gg.nn.sequential({ gg.nn.lstm(3, 5, { num_layers = 3, dropout = 0.25 }) }, { input = { 7, 3 }, seed = 1 })
  local kinds = {}
  for _, l in ipairs(m:layers()) do kinds[#kinds + 1] = l.kind end
  T.eq("3-layer lstm with dropout: lstm, dropout, lstm, dropout, lstm", kinds,
    { "lstm", "dropout", "lstm", "dropout", "lstm" })
  local shapes = m:parameter_shapes()
  T.eq("torch's parameter order and shapes",
    shapes, { { 20, 3 }, { 20, 5 }, { 20 }, { 20 }, { 20, 5 }, { 20, 5 }, { 20 }, { 20 }, { 20, 5 }, { 20, 5 }, { 20 }, { 20 } })
  T.eq("output (7, 5) per sample", m:output_shape(), { 7, 5 })
  local bound = 1 / math.sqrt(5)
  local lo, hi = math.huge, -math.huge
  for _, p in ipairs(m:parameters()) do
    for _, v in ipairs(flat_of(p)) do lo, hi = math.min(lo, v), math.max(hi, v) end
  end
  T.ok(string.format("init within +-1/sqrt(5) (%.4f .. %.4f)", lo, hi), lo >= -bound and hi <= bound and hi - lo > bound)
  -- Dropout: identity in eval mode (the model without dropout gives the same bits), active in training.
  local plain = gg.nn.sequential({ gg.nn.lstm(3, 5, { num_layers = 3 }) }, { input = { 7, 3 }, seed = 1 })
  plain:load_parameters(m:parameters())
  local x = randn(4, 21, 3)
  m:eval()
  T.ok("dropout between layers: eval mode = no dropout, bit for bit", same(m:forward(x), plain:forward(x)))
  m:train()
  T.ok("dropout between layers: training mode differs", not same(m:forward(x), plain:forward(x)))
  local last = gg.nn.sequential({ gg.nn.gru(3, 4, { ["return"] = "last", bias = false }) }, { input = { 6, 3 }, seed = 2 })
  T.eq("return = 'last': (B, hidden)", last:output_shape(), { 4 })
  T.eq("bias = false: two tensors", #last:parameters(), 2)
  local rl = gg.nn.sequential({ gg.nn.rnn(3, 4, { nonlinearity = "relu" }) }, { input = { 6, 3 }, seed = 2 })
  local y = flat_of(rl:forward(randn(3, 18, 4)))
  local neg = 0
  for _, v in ipairs(y) do if v < 0 then neg = neg + 1 end end
  T.eq("rnn relu: no negative hidden state", neg, 0)
  T.ok("model prints its recurrent layers", tostring(rl):find("rnn", 1, true) ~= nil)
end

-- ---- on symbolic tensors: a custom layer applying an lstm and a linear ----

do
  local lstm = gg.nn.lstm(2, 3, { ["return"] = "last" })
  local custom = gg.nn.custom(function(x, nn)
    local h = lstm(x)
    return gg.nn.linear(3, 1)(h) + nn.param { shape = { 1 } }
  end, { name = "head" })
  local m = gg.nn.sequential({ custom }, { input = { 5, 2 }, seed = 3 })
  T.eq("lstm inside a custom layer: output (1)", m:output_shape(), { 1 })
  local ref = gg.nn.sequential({ gg.nn.lstm(2, 3, { ["return"] = "last" }), gg.nn.linear(3, 1) }, { input = { 5, 2 }, seed = 3 })
  local ps = m:parameters()
  ref:load_parameters({ ps[1], ps[2], ps[3], ps[4], ps[5], ps[6] })
  local x = randn(3, 10, 4)
  local a, b = flat_of(m:forward(x)), flat_of(ref:forward(x))
  local extra = ps[7]:get(1, 1)
  local ok = true
  for i = 1, 3 do ok = ok and math.abs(a[i] - (b[i] + extra)) <= 1e-6 end
  T.ok("custom layer = sequential + the extra bias", ok)
end

-- ---- errors: the argument, the allowed values, the caller's line ----

local line
local function here() return debug.getinfo(2, "l").currentline end
local function raises(name, fn, text)
  line = nil
  local ok, err = pcall(fn)
  err = tostring(err)
  T.ok(name .. ": raises", not ok)
  T.ok(name .. ": message names it (" .. err .. ")", err:find(text, 1, true) ~= nil)
  if line then
    T.ok(name .. ": at the caller's line " .. line .. " (" .. err .. ")",
      err:find("^[^:]*test_rnn%.lua:" .. line .. ": ") ~= nil)
  end
end

raises("hidden_size 0", function() line = here() gg.nn.lstm(3, 0) end,
  "gg.nn.lstm: hidden_size must be a positive integer, got 0")
raises("input_size 2.5", function() line = here() gg.nn.gru(2.5, 4) end,
  "gg.nn.gru: input_size must be a positive integer, got 2.5")
raises("bad nonlinearity", function() line = here() gg.nn.rnn(3, 4, { nonlinearity = "sigmoid" }) end,
  "gg.nn.rnn: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'")
raises("nonlinearity on an lstm", function() line = here() gg.nn.lstm(3, 4, { nonlinearity = "relu" }) end,
  "gg.nn.lstm: unknown option 'nonlinearity' (allowed: num_layers, bias, dropout, return, requires_grad)")
raises("dropout 1", function() line = here() gg.nn.lstm(3, 4, { num_layers = 2, dropout = 1 }) end,
  "gg.nn.lstm: dropout must be in [0, 1), got 1")
raises("dropout -0.1", function() line = here() gg.nn.gru(3, 4, { dropout = -0.1 }) end,
  "gg.nn.gru: dropout must be in [0, 1), got -0.1")
raises("num_layers 0", function() line = here() gg.nn.gru(3, 4, { num_layers = 0 }) end,
  "gg.nn.gru: num_layers must be a positive integer, got 0")
raises("bad return", function() line = here() gg.nn.gru(3, 4, { ["return"] = "lats" }) end,
  "gg.nn.gru: return must be 'sequence' or 'last', got 'lats'; did you mean 'last'?")
raises("misspelt option", function() line = here() gg.nn.lstm(3, 4, { num_layer = 2 }) end,
  "did you mean 'num_layers'?")
raises("bias not a boolean", function() line = here() gg.nn.lstm(3, 4, { bias = 1 }) end,
  "gg.nn.lstm: bias must be a boolean, got 1")
raises("input_size mismatch", function()
  line = here() gg.nn.sequential({ gg.nn.lstm(32, 8) }, { input = { 5, 16 } })
end, "gg.nn.sequential: layer 1.1: lstm expects input_size 32 but the input (B, 5, 16) has 16 features per step")
raises("2-d input", function()
  line = here() gg.nn.sequential({ gg.nn.gru(16, 8) }, { input = { 16 } })
end, "layer 1.1: gru expects a batch-first input (B, L, 16), got (B, 16)")
raises("second layer mismatch inside a list", function()
  line = here() gg.nn.sequential({ gg.nn.linear(4, 6), gg.nn.reshape { 3, 2 }, gg.nn.rnn(3, 5) }, { input = { 4 } })
end, "layer 3.1: rnn expects input_size 3 but the input (B, 3, 2) has 2 features per step")

-- ---- determinism: every ISA the same bits; two runs the same bits ----

local function train_once()
  local m = gg.nn.sequential({ gg.nn.lstm(3, 8, { num_layers = 2, ["return"] = "last" }), gg.nn.linear(8, 2) },
    { input = { 6, 3 }, seed = 5 })
  local r = gg.rng(9)
  local x, y = gg.tensor(64, 18), gg.tensor(64, 1)
  for i = 1, 64 do
    local s = 0
    for j = 1, 18 do
      local v = r:normal()
      x:set(i, j, v)
      if j % 3 == 1 then s = s + v end
    end
    y:set(i, 1, s > 0 and 1 or 0)
  end
  local hist = gg.train { model = m, data = gg.data.from_tensors(x, y), loss = "cross_entropy",
    optimizer = gg.optim.adam(m, { lr = 0.01 }), epochs = 3, batch_size = 16, seed = 1 }
  return hist.loss, m
end
local l1, m1 = train_once()
local l2, m2 = train_once()
T.ok("two runs: the same losses bit for bit", table.concat(l1, ",") == table.concat(l2, ","))
local ok = true
for k, p in ipairs(m1:parameters()) do ok = ok and same(p, m2:parameters()[k]) end
T.ok("two runs: the same parameters bit for bit", ok)

-- A fresh Lua process under each GGLAB_ISA: the same training losses and parameters
-- (printed as hex floats).
local script = os.tmpname()
do
  local f = assert(io.open(script, "w"))
  f:write([[
local gg = require "gglab"
local m = gg.nn.sequential({ gg.nn.gru(5, 16, { num_layers = 2 }), gg.nn.flatten(), gg.nn.linear(7 * 16, 3) },
  { input = { 7, 5 }, seed = 4 })
local r = gg.rng(2)
local x, y = gg.tensor(48, 35), gg.tensor(48, 1)
for i = 1, 48 do
  for j = 1, 35 do x:set(i, j, r:normal()) end
  y:set(i, 1, i % 3)
end
local h = gg.train { model = m, data = gg.data.from_tensors(x, y), loss = "cross_entropy",
  optimizer = gg.optim.sgd(m, { lr = 0.1, momentum = 0.9 }), epochs = 2, batch_size = 16, seed = 1 }
local out = {}
for i, v in ipairs(h.loss) do out[i] = string.format("%a", v) end
for _, p in ipairs(m:parameters()) do
  for _, row in ipairs(p:totable()) do for _, v in ipairs(row) do out[#out + 1] = string.format("%a", v) end end
end
print(table.concat(out, " "))
]])
  f:close()
end
local function run_isa(isa)
  local p = io.popen(string.format("GGLAB_ISA=%s lua5.4 %s 2>&1", isa, script))
  local s = p:read("a")
  p:close()
  return s
end
do
  local base = run_isa("generic")
  T.ok("the script runs (generic): " .. base:sub(1, 60), base:match("^0x") ~= nil)
  local seen = 0
  for _, isa in ipairs { "avx2", "avx512" } do
    local s = run_isa(isa)
    if s:match("^0x") then
      seen = seen + 1
      T.ok("GGLAB_ISA=" .. isa .. ": losses and parameters = generic, bit for bit", s == base)
    else
      print("skip: GGLAB_ISA=" .. isa .. " not supported here")
    end
  end
  T.ok("at least one vector ISA compared", seen >= 1)
end
os.remove(script)

-- ---- spectral norms ----

do
  local m = gg.nn.sequential({ gg.nn.lstm(3, 4, { num_layers = 2 }), gg.nn.gru(4, 2), gg.nn.linear(2, 1) },
    { input = { 5, 3 }, seed = 7 })
  local sn = m:recurrent_spectral_norms()
  T.eq("one entry per recurrent layer", #sn, 3)
  T.eq("layer positions and kinds", { sn[1].layer, sn[1].kind, sn[2].layer, sn[3].layer, sn[3].kind, sn[3].mode },
    { 1, "lstm", 2, 3, "gru", "gru" })
  T.eq("per-gate norms: 4 for lstm, 3 for gru", { #sn[1].gates, #sn[3].gates }, { 4, 3 })
  -- Load W_hh of layer 1 as a known matrix: 0.5 * identity in each gate block (norm 0.5 per
  -- gate, 1.0 for the stacked (16, 4) matrix: sqrt(4 * 0.25)).
  local ps = m:parameters()
  local w = gg.tensor(16, 4)
  for gblk = 0, 3 do
    for i = 1, 4 do w:set(gblk * 4 + i, i, 0.5) end
  end
  ps[2] = w
  m:load_parameters(ps)
  sn = m:recurrent_spectral_norms(30)
  T.near("stacked 0.5 I blocks: norm 1", sn[1].norm, 1.0, 1e-9)
  T.near("each gate block 0.5 I: norm 0.5", sn[1].gates[3], 0.5, 1e-9)
  local again = m:recurrent_spectral_norms(30)
  T.ok("deterministic", again[2].norm == sn[2].norm and again[3].gates[2] == sn[3].gates[2])
  T.eq("a model without recurrent layers: empty", #gg.nn.mlp { 2, 3, 1 }:recurrent_spectral_norms(), 0)
  T.raises("iters 0 rejected", function() m:recurrent_spectral_norms(0) end, "iters must be in 1..100000, got 0")
end

-- ---- the recurrent_norm diagnostic ----

do
  local function fit(diag)
    local m = gg.nn.sequential({ gg.nn.gru(3, 6, { num_layers = 2, ["return"] = "last" }), gg.nn.linear(6, 2) },
      { input = { 5, 3 }, seed = 6 })
    local r = gg.rng(4)
    local x, y = gg.tensor(64, 15), gg.tensor(64, 1)
    for i = 1, 64 do
      for j = 1, 15 do x:set(i, j, r:normal()) end
      y:set(i, 1, i % 2)
    end
    local h = gg.train { model = m, data = gg.data.from_tensors(x, y), loss = "cross_entropy",
      optimizer = gg.optim.adam(m, { lr = 0.05 }), epochs = 2, batch_size = 16, seed = 1, diagnostics = diag }
    return h, m
  end
  local plain = fit(nil)
  local h, m = fit({ every = 2 })
  local c = h.diagnostics.recurrent_norm
  T.ok("recurrent_norm logged every 2 steps", c ~= nil and table.concat(c.steps, ",") == "2,4,6,8")
  T.eq("the same losses with diagnostics", h.loss, plain.loss)
  local sn = m:recurrent_spectral_norms(200)
  local want = math.max(sn[1].norm, sn[2].norm)
  local got = c.values[#c.values]
  print(string.format("recurrent_norm: last %.6f, layers max %.6f", got, want))
  T.ok(string.format("last recurrent_norm %.6f within 2%% below the layers' max %.6f", got, want),
    got <= want * (1 + 1e-9) and got >= 0.98 * want)
  local again = fit({ every = 2 })
  T.eq("recurrent_norm deterministic", again.diagnostics.recurrent_norm.values, c.values)
  local mlp = gg.nn.mlp { 2, 3, 1 }
  local mlp_h = gg.train { model = mlp, data = gg.data.from_tensors(gg.tensor(4, 2), gg.tensor(4, 1)),
    loss = "mse", optimizer = gg.optim.sgd(mlp, { lr = 0.1 }), diagnostics = {} }
  T.ok("no recurrent layers: no recurrent_norm curve", mlp_h.diagnostics.recurrent_norm == nil)
end

-- ---- the docs example (docs/lua-api.md, "Recurrent networks") ----

do
  -- Which of 3 channels has the largest sum over 12 steps?
  local r = gg.rng(1)
  local n, L = 512, 12
  local x, y = gg.tensor(n, L * 3), gg.tensor(n, 1)
  for i = 1, n do
    local sums = { 0, 0, 0 }
    for t = 1, L do
      for c = 1, 3 do
        local v = r:normal()
        x:set(i, (t - 1) * 3 + c, v)
        sums[c] = sums[c] + v
      end
    end
    local best = 1
    for c = 2, 3 do if sums[c] > sums[best] then best = c end end
    y:set(i, 1, best - 1)
  end
  local model = gg.nn.sequential({
    gg.nn.lstm(3, 32, { ["return"] = "last" }),
    gg.nn.linear(32, 3),
  }, { input = { L, 3 }, seed = 1 })
  local hist = gg.train { model = model, data = gg.data.from_tensors(x, y), loss = "cross_entropy",
    optimizer = gg.optim.adam(model, { lr = 0.01 }), epochs = 15, batch_size = 32, seed = 1 }
  local first, last = hist.epoch_loss[1], hist.epoch_loss[#hist.epoch_loss]
  print(string.format("docs example: epoch loss %.3f -> %.3f", first, last))
  T.ok(string.format("docs example: the loss falls (%.3f -> %.3f)", first, last), last < 0.5 * first)
end

T.done()
