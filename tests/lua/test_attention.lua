-- tests/lua/test_attention.lua — the Lua API of attention and transformers
-- (lua/gglab/transformer.lua, lua/lattention.c): parameter lists and shapes in torch's
-- order, initialisation, option errors (names, allowed values, did-you-mean, the caller's
-- line), masks as symbolic tensors, model:attention_stats, the attention columns of
-- gg.train{diagnostics}, dropout determinism, and gg.nn.gpt when gg.nn.embedding exists.
-- Values against PyTorch are tests/lua/test_parity_attn.lua's.

local T = require "check"
local gg = require "gglab"

local function shapes_of(model)
  local out = {}
  for i, s in ipairs(model:parameter_shapes()) do out[i] = table.concat(s, "x") end
  return table.concat(out, " ")
end

local function seq(layers, input, seed)
  return gg.nn.sequential(layers, { input = input, seed = seed or 1 })
end

-- ---- parameters: order, shapes, initialisation ----

do
  local m = seq({ gg.nn.multihead_attention(8, 2) }, { 5, 8 })
  T.eq("mha parameters: in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias", shapes_of(m), "24x8 24 8x8 8")
  local ps = m:parameters()
  local bound, max_w = math.sqrt(6 / (8 + 24)), 0
  for i = 1, 24 do for j = 1, 8 do max_w = math.max(max_w, math.abs(ps[1]:get(i, j))) end end
  T.ok("in_proj_weight is xavier_uniform (|w| <= sqrt(6/(E+3E)))", max_w <= bound and max_w > 0.5 * bound)
  local zero = true
  for j = 1, 24 do zero = zero and ps[2]:get(1, j) == 0 end
  for j = 1, 8 do zero = zero and ps[4]:get(1, j) == 0 end
  T.ok("in_proj_bias and out_proj.bias are zeros", zero)
  local kb, max_o = 1 / math.sqrt(8), 0
  for i = 1, 8 do for j = 1, 8 do max_o = math.max(max_o, math.abs(ps[3]:get(i, j))) end end
  T.ok("out_proj.weight is Linear's default (|w| <= 1/sqrt(in))", max_o <= kb and max_o > 0.5 * kb)

  T.eq("mha bias = false", shapes_of(seq({ gg.nn.multihead_attention(8, 2, { bias = false }) }, { 5, 8 })), "24x8 8x8")
  T.eq("mha qk_norm appends q_norm and k_norm (head_dim)",
    shapes_of(seq({ gg.nn.multihead_attention(8, 2, { qk_norm = true }) }, { 5, 8 })), "24x8 24 8x8 8 4 4 4 4")
  local enc = seq({ gg.nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16 }) }, { 5, 8 })
  T.eq("encoder layer: torch's named_parameters order", shapes_of(enc),
    "24x8 24 8x8 8 16x8 16 8x16 8 8 8 8 8")
  local ep = enc:parameters()
  T.ok("norm weights start at 1, biases at 0", ep[9]:get(1, 3) == 1 and ep[10]:get(1, 3) == 0 and ep[11]:get(1, 1) == 1)
  local b1 = 1 / math.sqrt(8)
  local in_range = true
  for j = 1, 16 do in_range = in_range and math.abs(ep[6]:get(1, j)) <= b1 end
  T.ok("linear1.bias is U(-1/sqrt(d_model), 1/sqrt(d_model))", in_range and ep[6]:get(1, 1) ~= 0)
  T.eq("encoder bias = false", shapes_of(seq({ gg.nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16, bias = false }) }, { 5, 8 })),
    "24x8 8x8 16x8 8x16 8 8 8 8")
  T.eq("kdim/vdim: q, k, v projection weights", (function()
    local m2 = seq({ gg.nn.custom(function(x, nn)
      local q = x:slice(2, 0, 8)
      local k = x:slice(2, 8, 13)
      local v = x:slice(2, 13, 16)
      return gg.nn.multihead_attention(8, 2, { kdim = 5, vdim = 3 })(q, { key = k, value = v })
    end) }, { 4, 16 })
    return shapes_of(m2)
  end)(), "8x8 8x5 8x3 24 8x8 8")
end

-- ---- option errors ----

local function raises(name, f, pattern)
  local ok, err = pcall(f)
  T.ok(name .. " raises", not ok)
  if not ok then
    T.ok(name .. ": message '" .. tostring(err) .. "' contains '" .. pattern .. "'", tostring(err):find(pattern, 1, true) ~= nil)
  end
end

raises("heads must divide E", function() gg.nn.multihead_attention(8, 3) end,
  "gg.nn.multihead_attention: embed_dim 8 must be divisible by num_heads 3")
raises("unknown option, did you mean", function() gg.nn.multihead_attention(8, 2, { droput = 0.1 }) end,
  "unknown option 'droput' (allowed: bias, dropout, causal, qk_norm, kdim, vdim); did you mean 'dropout'?")
raises("the caller's line", function() gg.nn.multihead_attention(8, 2, { causal = 1 }) end, "test_attention.lua:")
raises("causal must be a boolean", function() gg.nn.multihead_attention(8, 2, { causal = 1 }) end,
  "causal must be a boolean, got 1")
raises("dropout in [0, 1)", function() gg.nn.transformer_encoder_layer(8, 2, { dropout = 1 }) end,
  "gg.nn.transformer_encoder_layer: dropout must be in [0, 1), got 1")
raises("activation choice", function() gg.nn.transformer_encoder_layer(8, 2, { activation = "tanh" }) end,
  "activation must be one of 'relu', 'gelu', got 'tanh'")
raises("encoder unknown option", function() gg.nn.transformer_encoder_layer(8, 2, { norm_frist = true }) end,
  "did you mean 'norm_first'?")
raises("d_model mismatch names the width", function()
  seq({ gg.nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16, norm_first = true }) }, { 5, 6 })
end, "gg.nn.transformer_encoder_layer: custom layer 'transformer_encoder_layer': the input must be (B, L, 8), got (B, 5, 6)")
raises("gg.op.attention: unknown option", function()
  seq({ gg.nn.custom(function(x) return gg.op.attention(x, x, x, { heads = 2 }) end) }, { 4, 8 })
end, "gg.op.attention: unknown option 'heads'")
raises("gg.op.attention: heads must divide E (core message)", function()
  seq({ gg.nn.custom(function(x) return gg.op.attention(x, x, x, { num_heads = 3 }) end) }, { 4, 8 })
end, "attention embed_dim 8 must be divisible by num_heads 3")
raises("gg.op.attention: a mask that is not a tensor", function()
  seq({ gg.nn.custom(function(x) return gg.op.attention(x, x, x, { key_padding_mask = { 1, 0 } }) end) }, { 4, 8 })
end, "key_padding_mask must be a symbolic tensor of this model, got a table")
raises("gg.op.attention: mask of the wrong length", function()
  seq({ gg.nn.custom(function(x)
    return gg.op.attention(x, x, x, { key_padding_mask = x:slice(2, 0, 1):reshape { -1, 4 }:slice(1, 0, 3) })
  end) }, { 4, 8 })
end, "key_padding_mask must be (B, 4), got (B, 3)")
raises("gg.op.attention: packed width", function()
  seq({ gg.nn.custom(function(x) return gg.op.attention(x, { packed = true }) end) }, { 4, 8 })
end, "packed qkv width 8 is not 3 * embed_dim")
raises("mha called with an unknown option", function()
  local mha = gg.nn.multihead_attention(8, 2)
  seq({ gg.nn.custom(function(x) return mha(x, { key_padding = x }) end) }, { 4, 8 })
end, "unknown option 'key_padding'")
raises("mha: key not a tensor", function()
  local mha = gg.nn.multihead_attention(8, 2)
  seq({ gg.nn.custom(function(x) return mha(x, { key = 3, value = x }) end) }, { 4, 8 })
end, "gg.nn.multihead_attention: key must be a symbolic tensor of this model, got 3")
raises("mha: key of the wrong width", function()
  local mha = gg.nn.multihead_attention(8, 2)
  seq({ gg.nn.custom(function(x) return mha(x, { key = x:slice(2, 0, 4), value = x }) end) }, { 4, 8 })
end, "key must be (B, L, 8), got (B, 4, 4)")
raises("mha on a 2-d input", function() seq({ gg.nn.multihead_attention(8, 2) }, { 8 }) end,
  "the query must be (B, L, 8), got (B, 8)")
raises("encoder layer on the wrong width names itself", function()
  seq({ gg.nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16 }) }, { 5, 6 })
end, "gg.nn.transformer_encoder_layer")
raises("spec with a bad kind option", function() gg.nn.check_layer({ kind = "attention", num_heads = 0 }) end,
  "num_heads must be")

-- ---- statistics ----

do
  local m = seq({ gg.nn.multihead_attention(8, 2), gg.nn.relu(), gg.nn.multihead_attention(8, 4, { causal = true }) }, { 6, 8 })
  raises("attention_stats before a forward", function() m:attention_stats() end, "no forward pass has run yet")
  local x = gg.tensor(3, 48)
  for i = 1, 3 do for j = 1, 48 do x:set(i, j, math.sin(i * j)) end end
  m:forward(x)
  local st = m:attention_stats()
  T.eq("two attention layers in the stats", #st, 2)
  T.ok("stats name the layers (1-based among the model's layers)", st[1].layer < st[2].layer)
  T.ok("entropy within [0, log L]", st[1].entropy > 0 and st[1].entropy <= math.log(6) + 1e-6)
  T.ok("a causal layer has less entropy room (row i sees i + 1 keys)", st[2].entropy < math.log(6))
  local mlp = gg.nn.mlp { 4, 3 }
  mlp:forward(gg.tensor(2, 4))
  T.eq("no attention layer: an empty list", #mlp:attention_stats(), 0)
end

-- ---- masks as symbolic tensors ----

do
  local mha = gg.nn.multihead_attention(4, 2)
  local m = seq({ gg.nn.custom(function(inp)
    local tokens = inp:slice(2, 0, 4)
    local pad = inp:slice(2, 4, 5):reshape { -1, 5 }
    return mha(tokens, { key_padding_mask = pad })
  end) }, { 5, 5 })
  local x = gg.tensor(2, 25)
  for i = 1, 2 do for t = 1, 5 do for f = 1, 4 do x:set(i, (t - 1) * 5 + f, math.cos(i + t * f)) end end end
  x:set(2, 25, 1)  -- sample 2: position 5 padded
  local y0 = m:forward(x):clone()
  for f = 1, 4 do x:set(2, 20 + f, 100 + f) end  -- its token changes: no output of sample 2's first 4 positions moves
  local y1 = m:forward(x)
  local same = true
  for c = 1, 16 do same = same and y1:get(2, c) == y0:get(2, c) end
  T.ok("a padded key's values do not reach the other positions", same)
  local grads_ok = pcall(function() m:zero_grad(); m:backward(gg.tensor(2, 20)) end)
  T.ok("backward with a mask taken from the input", grads_ok)
end

-- ---- dropout: reproducible, off in evaluation ----

do
  local function build()
    return seq({ gg.nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16, dropout = 0.3 }) }, { 4, 8 }, 5)
  end
  local x = gg.tensor(2, 32)
  for i = 1, 2 do for j = 1, 32 do x:set(i, j, math.sin(i + j)) end end
  local a, b = build(), build()
  a:seed_dropout(7)
  b:seed_dropout(7)
  local ya, yb = a:forward(x):clone(), b:forward(x)
  local same = true
  for j = 1, 32 do same = same and ya:get(1, j) == yb:get(1, j) end
  T.ok("same dropout seed: the same output bits", same)
  b:seed_dropout(8)
  local yc = b:forward(x)
  local differ = false
  for j = 1, 32 do differ = differ or ya:get(1, j) ~= yc:get(1, j) end
  T.ok("another dropout seed: another output", differ)
  a:eval()
  b:eval()
  local e1, e2 = a:forward(x):clone(), b:forward(x)
  local eq = true
  for j = 1, 32 do eq = eq and e1:get(1, j) == e2:get(1, j) end
  T.ok("evaluation: no dropout (both models agree)", eq)
end

-- ---- diagnostics: attn_max_logit_<a>, attn_entropy_<a> ----

do
  local n, L = 64, 6
  local x, y = gg.tensor(n, L * 4), gg.tensor(n, L)
  for i = 1, n do for t = 1, L do
    for f = 1, 4 do x:set(i, (t - 1) * 4 + f, math.sin(i * 0.7 + t * 1.3 + f)) end
    y:set(i, t, math.cos(i + t))
  end end
  local data = gg.data.from_tensors(x, y)
  local model = seq({ gg.nn.linear(4, 8), gg.nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16, dropout = 0.0 }),
    gg.nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16, dropout = 0.0, norm_first = true, causal = true }),
    gg.nn.linear(8, 1), gg.nn.flatten() }, { L, 4 })
  local h = gg.train { model = model, data = data, loss = "mse", epochs = 2, batch_size = 16, seed = 1,
    optimizer = gg.optim.adam(model, { lr = 1e-2 }), diagnostics = { every = 2 } }
  local d = h.diagnostics
  T.ok("diagnostics log attn_max_logit_1/2 and attn_entropy_1/2",
    d.attn_max_logit_1 and d.attn_max_logit_2 and d.attn_entropy_1 and d.attn_entropy_2 and not d.attn_entropy_3)
  T.eq("every 2nd step", d.attn_entropy_1.steps[1], 2)
  local v = d.attn_entropy_2.values
  T.ok("entropies are in (0, log L]", v[1] > 0 and v[#v] <= math.log(L) + 1e-6)
  -- the last record's values are the stats of that step's forward: replay the last batch
  T.ok("max logits are finite", d.attn_max_logit_1.values[#d.attn_max_logit_1.values] < math.huge)
  local plain = seq({ gg.nn.linear(4, 8), gg.nn.relu(), gg.nn.linear(8, 1) }, { 4 })
  local h2 = gg.train { model = plain, data = gg.data.from_tensors(gg.tensor(8, 4), gg.tensor(8, 1)), loss = "mse",
    epochs = 1, batch_size = 4, optimizer = gg.optim.sgd(plain, { lr = 0.1 }), diagnostics = {} }
  T.ok("no attention: no attention columns", h2.diagnostics.attn_entropy_1 == nil)
end

-- ---- GPT (needs gg.nn.embedding: the embed branch) ----

if gg.nn.embedding then
  local gpt = gg.nn.gpt { vocab = 11, context = 8, d_model = 16, heads = 2, layers = 2, seed = 1 }
  T.eq("gpt output (context, vocab)", gpt:output_shape(), { 8, 11 })
  local s = gpt:parameter_shapes()
  T.eq("gpt: tied head (no extra weight): first tok_emb (V, d)", table.concat(s[1], "x"), "11x16")
  local untied = gg.nn.gpt { vocab = 11, context = 8, d_model = 16, heads = 2, layers = 2, tie_weights = false, seed = 1 }
  T.eq("untied: one more (V, d) tensor", #untied:parameter_shapes(), #s + 1)
  local sin = gg.nn.gpt { vocab = 11, context = 8, d_model = 16, heads = 2, layers = 1, positional = "sinusoidal", seed = 1 }
  T.ok("sinusoidal: no position parameter", sin:nparams() < gg.nn.gpt { vocab = 11, context = 8, d_model = 16, heads = 2,
    layers = 1, seed = 1 }:nparams())
else
  print("skip: gg.nn.gpt (gg.nn.embedding is not in this build)")
  raises("gg.nn.gpt without gg.nn.embedding", function()
    gg.nn.gpt { vocab = 11, context = 8, d_model = 16, heads = 2, layers = 2 }
  end, "needs gg.nn.embedding")
end
raises("gpt: unknown option", function() gg.nn.gpt { vocab = 11, context = 8, d_model = 16, heads = 2, layers = 2, head = 3 } end,
  "gg.nn.gpt: unknown option 'head'")
raises("gpt: positional choice", function()
  gg.nn.gpt { vocab = 11, context = 8, d_model = 16, heads = 2, layers = 2, positional = "rope" }
end, "positional must be one of 'learned', 'sinusoidal', got 'rope'")

T.done()
