-- tests/lua/test_parity_seq.lua — embeddings, positional encodings, weight tying and the
-- sequence losses (cross-entropy/nll over positions, ignore_index, label smoothing, class
-- weights, z-loss) against PyTorch 1.13 fixtures (tests/parity/gen_seq.py), and 100 Adam
-- steps of a tiny tied next-token model.
--
-- Comparisons as tests/lua/test_parity_cnn.lua: outputs and gradients element-wise relative
-- error <= 1e-4, elements below 1% of the tensor's largest compared on that scale (a float32
-- sum of terms of both signs carries an absolute rounding error); loss values relative
-- 1e-4; training: P.check_run. Gradients of a loss come from one gg.train_epoch step (SGD
-- with a negligible lr: the step's gradients stay in model:grads()).

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local TOL, FLOOR = 1e-4, 1e-2

local flat_of = P.flat

local function err_of(got, want) return P.err(got, want, FLOOR) end

local function check_err(comp, what, got, want) return P.check_err(T, comp, what, got, want, TOL, FLOOR) end

local function check_grads(comp, model, fx)
  local gs = model:grads()
  T.eq(comp .. ": gradient tensors", #gs, #fx.grads)
  for k, want in ipairs(fx.grads) do check_err(comp, "grad " .. k, gs[k], want) end
end

local function load(model, fx)
  local ps = {}
  for i, p in ipairs(fx.params) do ps[i] = P.tensor(p) end
  model:load_parameters(ps)
end

-- One training step's loss and gradients (the update itself is negligible).
local function loss_step(model, fx, loss, B)
  local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
  local opt = gg.optim.sgd(model, { lr = 1e-30 })
  local losses = gg.train_epoch(model, opt, data, { loss = loss, batch_size = B, shuffle = false })
  return losses[1]
end

local function check_loss(comp, got, want)
  local e = P.rel(got, want)
  P.note(comp, "loss", e)
  T.ok(string.format("%s: loss %.9g vs %.9g rel err %.3g <= %g", comp, got, want, e, TOL), e <= TOL)
end

-- ---- nn.Embedding ----

for _, name in ipairs { "padding", "negative_padding", "grid" } do
  local fx = P.load("seq", "embed_" .. name)
  local c, comp = fx.config, "seq/embed_" .. name
  local opts = {}
  if c.padding_idx then opts.padding_idx = c.padding_idx end
  local m = gg.nn.sequential({ gg.nn.embedding(c.V, c.E, opts) }, { input = c.sample })
  load(m, fx)
  local y = m:forward(P.tensor(fx.x))
  check_err(comp, "y", y, fx.y)
  m:zero_grad()
  m:backward(P.tensor(fx.dy))
  check_grads(comp, m, fx)
  if c.padding_idx then  -- the padding row got nothing, though the ids hold it
    local row = c.padding_idx >= 0 and c.padding_idx or c.V + c.padding_idx
    local g = m:grads()[1]
    local zero = true
    for j = 1, c.E do zero = zero and g:get(row + 1, j) == 0 end
    T.ok(comp .. ": no gradient reaches padding_idx's row", zero)
  end
end

-- A fresh embedding: N(0, 1) rows, the padding row zero.
do
  local m = gg.nn.sequential({ gg.nn.embedding(200, 50, { padding_idx = -1 }) }, { input = { 3 }, seed = 4 })
  local w = flat_of(m:parameters()[1])
  local s, s2, n = 0, 0, 0
  for i = 1, 199 * 50 do s, s2, n = s + w[i], s2 + w[i] * w[i], n + 1 end
  local mean, var = s / n, s2 / n - (s / n) ^ 2
  T.ok(string.format("init: mean %.3f ~ 0, var %.3f ~ 1 (N(0, 1))", mean, var),
    math.abs(mean) < 0.05 and math.abs(var - 1) < 0.05)
  local zero = true
  for i = 199 * 50 + 1, 200 * 50 do zero = zero and w[i] == 0 end
  T.ok("init: padding_idx = -1 is the last row, zero", zero)
  local u = gg.nn.sequential({ gg.nn.embedding(10, 4, { init = "uniform", a = 2, b = 3 }) }, { input = { 3 } })
  local lo = math.huge
  for _, v in ipairs(flat_of(u:parameters()[1])) do lo = math.min(lo, v) end
  T.ok("init: an explicit init is honoured (uniform(2, 3))", lo >= 2)
end

-- ---- positional encodings ----

do
  local fx = P.load("seq", "positional")
  local c, comp = fx.config, "seq/positional"
  local m = gg.nn.sequential({ gg.nn.positional_embedding(c.context, c.E) }, { input = { c.L, c.E } })
  load(m, fx)
  check_err(comp, "y", m:forward(P.tensor(fx.x)), fx.y)
  m:zero_grad()
  m:backward(P.tensor(fx.dy))
  check_grads(comp, m, fx)
end

for _, name in ipairs { "7x6", "50x16", "5x5" } do
  local fx = P.load("seq", "sinusoidal_" .. name)
  local c, comp = fx.config, "seq/sinusoidal_" .. name
  check_err(comp, "table", gg.nn.sinusoidal_table(c.L, c.E), fx.y)
  local m = gg.nn.sequential({ gg.nn.sinusoidal_encoding(c.L + 3, c.E) }, { input = { c.L, c.E } })
  T.eq(comp .. ": no parameters", m:nparams(), 0)
  local y = m:forward(gg.tensor(2, c.L * c.E))  -- zeros + PE, in each row
  local twice = {}
  for _ = 1, 2 do for _, v in ipairs(fx.y[3]) do twice[#twice + 1] = v end end
  check_err(comp, "layer", y, { 2, c.L * c.E, twice })
end

-- ---- losses over positions ----

for _, name in ipairs { "ce_mean", "ce_sum", "ce_ignore_7", "ce_smoothing", "ce_weight", "nll_mean",
  "z_mean", "z_sum", "z_smoothing" } do
  local fx = P.load("seq", "loss_" .. name)
  local c, comp = fx.config, "seq/loss_" .. name
  local layers = { gg.nn.linear(c.E, c.V) }
  if c.log_softmax then layers[2] = gg.nn.log_softmax(-1) end
  local m = gg.nn.sequential(layers, { input = { c.L, c.E } })
  load(m, fx)
  local loss = { c.loss[1] }
  for k, v in pairs(c.options) do loss[k] = v end
  check_loss(comp, loss_step(m, fx, loss, c.B), fx.loss)
  check_grads(comp, m, fx)
end

-- ---- weight tying ----

local function tiny(c, seed)
  local emb = gg.nn.embedding(c.V, c.E)
  return gg.nn.sequential({ emb, gg.nn.positional_embedding(c.context, c.E),
    gg.nn.linear(c.E, c.V, { tie = emb, bias = false }) }, { input = { c.L }, seed = seed })
end

do
  local fx = P.load("seq", "tied")
  local c, comp = fx.config, "seq/tied"
  local m = tiny(c)
  T.eq(comp .. ": the tied weight is stored once", m:nparams(), c.V * c.E + c.context * c.E)
  load(m, fx)
  check_loss(comp, loss_step(m, fx, "cross_entropy", 3), fx.loss)
  check_grads(comp, m, fx)
end

-- ---- 100 Adam steps of the tiny next-token model ----

do
  local fx = P.load("seq", "train_tiny")
  local c = fx.config
  local m = tiny(c)
  load(m, fx)
  local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
  local opt = gg.optim.adam(m, { lr = c.lr })
  local losses = gg.train_epoch(m, opt, data, { loss = "cross_entropy", order = fx.batches })
  P.check_run(T, fx, losses, nil, m)
end

-- ---- the Lua API's errors ----

T.raises("max_norm refused", function() gg.nn.embedding(10, 4, { max_norm = 1 }) end,
  "gg.nn.embedding: max_norm is not supported")
T.raises("unknown option with a suggestion", function() gg.nn.embedding(10, 4, { padding = 1 }) end,
  "unknown option 'padding'.*did you mean 'padding_idx'")
T.raises("padding_idx out of range", function()
  gg.nn.sequential({ gg.nn.embedding(10, 4, { padding_idx = -11 }) }, { input = { 3 } })
end, "layer 1: embedding padding_idx must be within num_embeddings %(10%), got %-11")
T.raises("tie must be a layer", function() gg.nn.linear(3, 3, { tie = 5, bias = false }) end,
  "gg.nn.linear: tie must be a layer")
T.raises("tie before the embedding is applied", function()
  local e = gg.nn.embedding(10, 4)
  gg.nn.sequential({ gg.nn.linear(3, 3, { tie = e, bias = false }) })
end, "tie: the embedding layer must be applied before this one")
T.raises("tie with the wrong shape", function()
  local e = gg.nn.embedding(10, 4)
  gg.nn.sequential({ e, gg.nn.linear(4, 9, { tie = e, bias = false }) }, { input = { 3 } })
end, "the given weight has shape %(10, 4%), the layer needs %(9, 4%)")
T.raises("positions beyond the context", function()
  gg.nn.sequential({ gg.nn.embedding(10, 4), gg.nn.positional_embedding(2, 4) }, { input = { 3 } })
end, "gets an input of 3 positions, more than its context of 2")
T.raises("sinusoidal: the last dim must be E", function()
  gg.nn.sequential({ gg.nn.embedding(10, 4), gg.nn.sinusoidal_encoding(8, 5) }, { input = { 3 } })
end, "expects a %(B, L, 5%) input, got %(B, 3, 4%)")
T.raises("z_loss must be >= 0", function()
  gg.loss.cross_entropy(gg.tensor { { 1, 2 } }, gg.tensor { 1 }, { z_loss = -1 })
end, "z_loss must be a non%-negative number")
do  -- bad ids through gg.train and gg.evaluate: the dataset row, at the caller's line
  local m = gg.nn.sequential({ gg.nn.embedding(5, 2) }, { input = { 3 } })
  local x = gg.tensor(4, 3)
  x:set(4, 3, 5)
  local data = gg.data.from_tensors(x, gg.tensor(4, 6))
  T.raises("gg.train names the dataset row", function()
    gg.train { model = m, data = data, loss = "mse", optimizer = gg.optim.sgd(m, { lr = 0.1 }), shuffle = true, seed = 2 }
  end, "^[^\n]*test_parity_seq.lua:%d+: gg.train: layer 1 %(embedding%): index 5 at sample 4, position 3 is outside 0..4$")
  T.raises("gg.evaluate too", function() gg.evaluate(m, data, { loss = "mse" }) end,
    "gg.evaluate: layer 1 %(embedding%): index 5 at sample 4, position 3 is outside 0..4")
end

P.report()
T.done()
