--[[ lua/gglab/transformer.lua — attention and transformers (PyTorch 1.13 names and math).
  Registers into gg.nn and gg.op when gglab.nn loads it:

    gg.op.attention(q, k, v [, opts]) / gg.op.attention(qkv, {packed = true, ...})
        the fused scaled-dot-product attention node (core/attention.h) on symbolic tensors
    gg.nn.multihead_attention(embed_dim, num_heads [, opts])   nn.MultiheadAttention
    gg.nn.transformer_encoder_layer(d_model, nhead [, opts])   nn.TransformerEncoderLayer
    gg.nn.transformer_decoder_block(d_model, nhead [, opts])   the same with causal = true
    gg.nn.gpt{vocab =, context =, d_model =, heads =, layers =, ...}  a decoder-only LM

  The layers are custom layers (graph.lua) whose parameters are created first, in torch's
  named_parameters order, and then given to the layers that use them (weight = p, bias = q),
  so a model's parameter list matches torch's module for module. Masks: applied inside a
  custom layer, a layer takes them as symbolic tensors, layer(x, {key_padding_mask = m,
  attn_mask = a}), m (B, L) nonzero = ignore that key (torch's bool key_padding_mask), a an
  additive float (L, L) mask (a constant); causal = true is torch's square subsequent mask. ]]
local gg = require "gglab"
local graph = require "gglab.graph"
local args = require "gglab.lib.args"
local hooks = require "gglab.hooks"

local M = {}
local is_sym, wrap = graph.is_sym, graph.wrap
local describe = args.describe

-- Strip "file:line: " from a message (errors are re-raised at the user's line).
local function strip(msg) return (tostring(msg):gsub("^[^:\n]*:%d+: ", "")) end

-- Options: a table with only `allowed` keys (did-you-mean on a typo); copied with defaults.
local function options(fname, opts, allowed, defaults, level)
  args.check_options(fname, opts, allowed, (level or 2) + 1)
  local out = {}
  for k, v in pairs(defaults or {}) do out[k] = v end
  for k, v in pairs(opts or {}) do out[k] = v end
  return out
end

local function need_int(fname, what, v, level)
  local n = math.type(v) and math.tointeger(v)
  if not n or n < 1 then
    error(string.format("%s: %s must be a positive integer, got %s", fname, what, describe(v)), level + 1)
  end
  return n
end

local function need_bool(fname, what, v, level)
  if type(v) ~= "boolean" then
    error(string.format("%s: %s must be a boolean, got %s", fname, what, describe(v)), level + 1)
  end
  return v
end

local function need_prob(fname, what, v, level)
  if type(v) ~= "number" or not (v >= 0 and v < 1) then
    error(string.format("%s: %s must be in [0, 1), got %s", fname, what, describe(v)), level + 1)
  end
  return v
end

local function need_choice(fname, what, v, list, level)
  for _, c in ipairs(list) do if v == c then return v end end
  error(string.format("%s: %s must be one of '%s', got %s", fname, what, table.concat(list, "', '"),
    describe(v)), level + 1)
end

-- ---- gg.op.attention ----

local ATT_KEYS = { "num_heads", "causal", "dropout", "scale", "packed", "key_padding_mask", "attn_mask" }

-- The attention node on Syms: q, k, v (or one packed qkv) and the optional masks.
local function attention_node(where, q, k, v, o)
  local spec = { kind = "attention", num_heads = o.num_heads, causal = o.causal, dropout = o.dropout,
    scale = o.scale, packed = o.packed, _where = where }
  local ins = { q.node }
  if not o.packed then ins[2], ins[3] = k.node, v.node end
  for _, name in ipairs { "key_padding_mask", "attn_mask" } do
    local m = o[name]
    if m ~= nil then
      if not is_sym(m) or m.b ~= q.b then
        error(string.format("%s: %s must be a symbolic tensor of this model, got %s", where, name, describe(m)), 0)
      end
      spec[name] = true
      ins[#ins + 1] = m.node
    end
  end
  local ok, r = pcall(q.b.layer, q.b, spec, table.unpack(ins))
  if not ok then error(strip(r), 0) end
  return wrap(q.b, r)
end

--[[ gg.op.attention(query, key, value [, {num_heads = 1, causal = false, dropout = 0,
  scale = 1/sqrt(head_dim), key_padding_mask = m, attn_mask = a}]) -> (B, Lq, Ev)
  gg.op.attention(qkv, {packed = true, ...}): qkv (B, L, 3E) holds q, k, v side by side
  (an in_proj output). Heads are packed in the last dim (head h: columns h*D .. h*D+D-1). ]]
function M.attention(q, k, v, opts)
  local f = "gg.op.attention"
  if not is_sym(q) then error(f .. ": expected a symbolic tensor, got " .. describe(q), 2) end
  if not is_sym(k) and v == nil and opts == nil then opts, k = k, nil end
  local o = options(f, opts, ATT_KEYS, { num_heads = 1, causal = false, dropout = 0.0, packed = false })
  if o.packed then
    if k ~= nil then error(f .. ": with packed = true, give one qkv tensor and the options", 2) end
  elseif not (is_sym(k) and is_sym(v)) then
    error(f .. ": expected query, key and value symbolic tensors (or packed = true), got "
      .. describe(k) .. " and " .. describe(v), 2)
  end
  return (graph.call(2, attention_node, f, q, k, v, o))
end
graph.op.attention = M.attention

-- ---- parameters in torch's order ----

-- A parameter Sym of builder b.
local function param(b, shape, init, level)
  return wrap(b, graph.param(b, { shape = shape, init = init }, level + 1))
end

local ONES = { "constant", value = 1 }

-- torch's nn.Linear bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
local function linear_bias_init(fan_in)
  local bound = 1 / math.sqrt(fan_in)
  return { "uniform", a = -bound, b = bound }
end

-- nn.MultiheadAttention's parameters (its _reset_parameters): in_proj_weight (3E, E)
-- xavier_uniform (or q/k/v_proj_weight when kdim/vdim differ), in_proj_bias zeros,
-- out_proj.weight Linear's default, out_proj.bias zeros; then our qk-norm LayerNorms.
local function mha_params(b, c, level)
  local E, D = c.embed_dim, c.head_dim
  local p = {}
  if c.same_dims then
    p.in_w = param(b, { 3 * E, E }, "xavier_uniform", level)
  else
    p.q_w = param(b, { E, E }, "xavier_uniform", level)
    p.k_w = param(b, { E, c.kdim }, "xavier_uniform", level)
    p.v_w = param(b, { E, c.vdim }, "xavier_uniform", level)
  end
  if c.bias then p.in_b = param(b, { 3 * E }, "zeros", level) end
  p.out_w = param(b, { E, E }, nil, level)
  if c.bias then p.out_b = param(b, { E }, "zeros", level) end
  if c.qk_norm then
    p.qn_w, p.qn_b = param(b, { D }, ONES, level), param(b, { D }, "zeros", level)
    p.kn_w, p.kn_b = param(b, { D }, ONES, level), param(b, { D }, "zeros", level)
  end
  return p
end

-- LayerNorm over each head's D dims of x (B, L, E): view (B, L, H, D), normalise, view back.
local function head_norm(c, x, w, b)
  local L = x:size(1)
  local h = x:reshape { -1, L, c.num_heads, c.head_dim }
  h = gg.nn.layernorm({ c.head_dim }, { eps = 1e-5, weight = w, bias = b })(h)
  return h:reshape { -1, L, c.embed_dim }
end

-- x @ W^T (+ bias): a projection by a slice of a packed weight (cross-attention).
local function project(x, w, bias)
  local y = x:matmul(w:transpose(0, 1))
  if bias then y = y + bias end
  return y
end

-- A (B, L, width) symbolic tensor of builder b, or an error naming what it is.
local function check_seq(f, what, v, b, width)
  if not is_sym(v) or v.b ~= b then
    error(string.format("%s: %s must be a symbolic tensor of this model, got %s", f, what, describe(v)), 0)
  end
  local s = v:shape()
  if #s ~= 3 or s[3] ~= width then
    local t = {}
    for i, d in ipairs(s) do t[i] = d == -1 and "B" or tostring(d) end
    error(string.format("%s: %s must be (B, L, %d), got (%s)", f, what, width, table.concat(t, ", ")), 0)
  end
end

-- The forward of nn.MultiheadAttention(query, key, value, masks) with parameters p.
local function mha_forward(c, p, query, key, value, o)
  local f = c.fname
  check_seq(f, "the query", query, query.b, c.embed_dim)
  if key ~= nil then check_seq(f, "key", key, query.b, c.kdim) end
  if value ~= nil then check_seq(f, "value", value, query.b, c.vdim) end
  if (key == nil) ~= (value == nil) and not c.same_dims then
    error(f .. ": with kdim/vdim, give both key and value", 0)
  end
  local E = c.embed_dim
  local att = { num_heads = c.num_heads, causal = c.causal, dropout = c.dropout,
    key_padding_mask = o.key_padding_mask, attn_mask = o.attn_mask }
  local self_att = (key == nil or key == query) and (value == nil or value == query)
  local out
  if self_att and c.same_dims then
    local qkv = gg.nn.linear(E, 3 * E, { weight = p.in_w, bias = p.in_b or false })(query)
    if c.qk_norm then
      local q, k, v = qkv:slice(2, 0, E), qkv:slice(2, E, 2 * E), qkv:slice(2, 2 * E, 3 * E)
      out = M.attention(head_norm(c, q, p.qn_w, p.qn_b), head_norm(c, k, p.kn_w, p.kn_b), v, att)
    else
      att.packed = true
      out = M.attention(qkv, att)
    end
  else
    key, value = key or query, value or key or query
    local bq, bk, bv
    if p.in_b then bq, bk, bv = p.in_b:slice(0, 0, E), p.in_b:slice(0, E, 2 * E), p.in_b:slice(0, 2 * E, 3 * E) end
    local q, k, v
    if c.same_dims then
      q = project(query, p.in_w:slice(0, 0, E), bq)
      k = project(key, p.in_w:slice(0, E, 2 * E), bk)
      v = project(value, p.in_w:slice(0, 2 * E, 3 * E), bv)
    else
      q = project(query, p.q_w, bq)
      k = project(key, p.k_w, bk)
      v = project(value, p.v_w, bv)
    end
    if c.qk_norm then q, k = head_norm(c, q, p.qn_w, p.qn_b), head_norm(c, k, p.kn_w, p.kn_b) end
    out = M.attention(q, k, v, att)
  end
  return gg.nn.linear(E, E, { weight = p.out_w, bias = p.out_b or false })(out)
end

-- Specs of these layers are custom layers (applied by graph.apply in a list, with no masks)
-- that can also be called on a Sym with options: layer(x, {key_padding_mask = m, ...}).
local Layer = {}
Layer.__index = graph.Spec
Layer.__name = "gglab.TransformerLayer"
function Layer.__call(spec, x, o)
  if not is_sym(x) then
    error(string.format("%s: a layer can be applied to a symbolic tensor only (inside gg.nn.custom), got %s",
      spec.fname, describe(x)), 2)
  end
  local f = spec.fname
  local opts = options(f, o, spec.call_keys, nil, 2)
  return (graph.call(2, spec.run, x, opts))
end

local function layer_spec(fname, name, call_keys, run)
  local spec = { kind = "custom", name = name, fname = fname, call_keys = call_keys, run = run }
  spec.fn = function(x) return run(x, {}) end
  return setmetatable(spec, Layer)
end

--[[ gg.nn.multihead_attention(embed_dim, num_heads [, {bias = true, dropout = 0.0,
  causal = false, qk_norm = false, kdim = embed_dim, vdim = embed_dim}]):
  torch.nn.MultiheadAttention(batch_first = True) applied as self-attention to x (B, L, E),
  or mha(query, {key =, value =, key_padding_mask =, attn_mask =}) inside a custom layer.
  Parameters (named_parameters order): in_proj_weight (3E, E) (q_proj_weight, k_proj_weight,
  v_proj_weight when kdim/vdim differ from E), in_proj_bias (3E), out_proj.weight (E, E),
  out_proj.bias (E); with qk_norm, q_norm.weight/bias and k_norm.weight/bias (head_dim). ]]
local MHA_KEYS = { "bias", "dropout", "causal", "qk_norm", "kdim", "vdim" }

local function mha_config(f, E, H, o, level)
  level = level + 1
  E = need_int(f, "embed_dim", E, level)
  H = need_int(f, "num_heads", H, level)
  if E % H ~= 0 then
    error(string.format("%s: embed_dim %d must be divisible by num_heads %d", f, E, H), level)
  end
  local c = { embed_dim = E, num_heads = H, head_dim = E // H,
    bias = need_bool(f, "bias", o.bias, level), dropout = need_prob(f, "dropout", o.dropout, level),
    causal = need_bool(f, "causal", o.causal, level), qk_norm = need_bool(f, "qk_norm", o.qk_norm, level),
    kdim = need_int(f, "kdim", o.kdim or E, level), vdim = need_int(f, "vdim", o.vdim or E, level) }
  c.same_dims = c.kdim == E and c.vdim == E
  c.fname = f
  return c
end

function M.multihead_attention(E, H, opts)
  local f = "gg.nn.multihead_attention"
  local o = options(f, opts, MHA_KEYS, { bias = true, dropout = 0.0, causal = false, qk_norm = false })
  local c = mha_config(f, E, H, o, 2)
  local spec
  spec = layer_spec(f, "multihead_attention", { "key", "value", "key_padding_mask", "attn_mask" },
    function(x, call)
      local p = mha_params(x.b, c, 4)
      return mha_forward(c, p, x, call.key, call.value, call)
    end)
  spec.config = c
  return spec
end

--[[ gg.nn.transformer_encoder_layer(d_model, nhead [, {dim_feedforward = 2048,
  dropout = 0.1, activation = "relu" | "gelu", layer_norm_eps = 1e-5, norm_first = false,
  causal = false, qk_norm = false, bias = true}]): torch.nn.TransformerEncoderLayer
  (batch_first = True) on x (B, L, d_model):
    Post-LN  x = norm1(x + drop(sa(x)));  x = norm2(x + drop(ff(x)))
    Pre-LN   x = x + drop(sa(norm1(x)));  x = x + drop(ff(norm2(x)))
    ff(x) = linear2(drop(act(linear1(x)))), sa = MultiheadAttention(dropout = dropout)
  Parameters in torch's order: self_attn.* (4, +4 with qk_norm), linear1.weight, .bias,
  linear2.weight, .bias, norm1.weight, .bias, norm2.weight, .bias. causal = true masks
  future keys (torch: src_mask = the square subsequent mask). ]]
local ENC_KEYS = { "dim_feedforward", "dropout", "activation", "layer_norm_eps", "norm_first", "causal",
  "qk_norm", "bias" }
local ENC_DEFAULTS = { dim_feedforward = 2048, dropout = 0.1, activation = "relu", layer_norm_eps = 1e-5,
  norm_first = false, causal = false, qk_norm = false, bias = true }

local function encoder_layer(f, d, nhead, opts, defaults, level)
  level = level + 1
  local o = options(f, opts, ENC_KEYS, defaults, level)
  local c = mha_config(f, d, nhead, { bias = o.bias, dropout = o.dropout, causal = o.causal,
    qk_norm = o.qk_norm }, level)
  local F = need_int(f, "dim_feedforward", o.dim_feedforward, level)
  local p_drop = c.dropout
  local act = need_choice(f, "activation", o.activation, { "relu", "gelu" }, level)
  local eps = o.layer_norm_eps
  if type(eps) ~= "number" or not (eps > 0) then
    error(string.format("%s: layer_norm_eps must be a positive number, got %s", f, describe(eps)), level)
  end
  local norm_first = need_bool(f, "norm_first", o.norm_first, level)
  local E = c.embed_dim
  local spec = layer_spec(f, "transformer_encoder_layer", { "key_padding_mask", "attn_mask" },
    function(x, call)
      local b = x.b
      check_seq(f, "the input", x, b, E)
      local sa = mha_params(b, c, 4)
      local w1 = param(b, { F, E }, nil, 4)
      local b1 = c.bias and param(b, { F }, linear_bias_init(E), 4) or false
      local w2 = param(b, { E, F }, nil, 4)
      local b2 = c.bias and param(b, { E }, linear_bias_init(F), 4) or false
      local n1w, n1b = param(b, { E }, ONES, 4), param(b, { E }, "zeros", 4)
      local n2w, n2b = param(b, { E }, ONES, 4), param(b, { E }, "zeros", 4)
      local function drop(h)
        if p_drop > 0 then return gg.nn.dropout(p_drop)(h) end
        return h
      end
      local function norm(h, w, bb)
        return gg.nn.layernorm({ E }, { eps = eps, weight = w, bias = bb })(h)
      end
      local function sa_block(h) return drop(mha_forward(c, sa, h, nil, nil, call)) end
      local function ff_block(h)
        h = gg.nn.linear(E, F, { weight = w1, bias = b1 })(h)
        h = act == "gelu" and gg.nn.gelu()(h) or gg.nn.relu()(h)
        h = gg.nn.linear(F, E, { weight = w2, bias = b2 })(drop(h))
        return drop(h)
      end
      if norm_first then
        x = x + sa_block(norm(x, n1w, n1b))
        x = x + ff_block(norm(x, n2w, n2b))
      else
        x = norm(x + sa_block(x), n1w, n1b)
        x = norm(x + ff_block(x), n2w, n2b)
      end
      return x
    end)
  spec.config = c
  return spec
end

function M.transformer_encoder_layer(d, nhead, opts)
  return (encoder_layer("gg.nn.transformer_encoder_layer", d, nhead, opts, ENC_DEFAULTS, 2))
end

-- gg.nn.transformer_decoder_block(d_model, nhead [, opts]): a decoder-only (GPT) block,
-- the encoder layer with causal = true (and the same options).
local function decoder_block(d, nhead, opts)
  local defaults = {}
  for k, v in pairs(ENC_DEFAULTS) do defaults[k] = v end
  defaults.causal = true
  return (encoder_layer("gg.nn.transformer_decoder_block", d, nhead, opts, defaults, 2))
end
M.transformer_decoder_block = decoder_block

-- ---- GPT ----

local GPT_KEYS = { "vocab", "context", "d_model", "heads", "layers", "dim_feedforward", "dropout",
  "norm_first", "activation", "qk_norm", "tie_weights", "positional", "final_norm", "bias", "seed", "rng" }

--[[ gg.nn.gpt{vocab =, context =, d_model =, heads =, layers =, dim_feedforward = 4*d_model,
  dropout = 0.0, norm_first = true, activation = "gelu", qk_norm = false, tie_weights = true,
  positional = "learned" | "sinusoidal", final_norm = norm_first, bias = true, seed =, rng =}
  -> a model from token ids (B, context) to logits (B, context, vocab): token embedding
  (N(0, 1), torch's nn.Embedding) + positions (a learned (context, d_model) parameter, N(0, 1),
  or the fixed sinusoidal table), `layers` causal blocks, a final LayerNorm (Pre-LN), and a
  linear head without bias whose weight is the token embedding when tie_weights.
  Parameters: tok_emb.weight, [pos_emb], blocks..., [ln_f.weight, ln_f.bias], [head.weight]. ]]
function M.gpt(o)
  local f = "gg.nn.gpt"
  if type(o) ~= "table" then error(f .. ": expected a table {vocab =, context =, ...}, got " .. describe(o), 2) end
  o = options(f, o, GPT_KEYS, { dropout = 0.0, norm_first = true, activation = "gelu", qk_norm = false,
    tie_weights = true, positional = "learned", bias = true })
  local V = need_int(f, "vocab", o.vocab, 2)
  local T = need_int(f, "context", o.context, 2)
  local d = need_int(f, "d_model", o.d_model, 2)
  local H = need_int(f, "heads", o.heads, 2)
  local N = need_int(f, "layers", o.layers, 2)
  local F = need_int(f, "dim_feedforward", o.dim_feedforward or 4 * d, 2)
  local tie = need_bool(f, "tie_weights", o.tie_weights, 2)
  local pos = need_choice(f, "positional", o.positional, { "learned", "sinusoidal" }, 2)
  local norm_first = need_bool(f, "norm_first", o.norm_first, 2)
  local final_norm = o.final_norm
  if final_norm == nil then final_norm = norm_first end
  need_bool(f, "final_norm", final_norm, 2)
  if type(gg.nn.embedding) ~= "function" then
    error(f .. ": needs gg.nn.embedding (not in this build)", 2)
  end
  local blocks = {}
  for i = 1, N do
    blocks[i] = decoder_block(d, H, { dim_feedforward = F, dropout = o.dropout,
      activation = o.activation, norm_first = norm_first, qk_norm = o.qk_norm, bias = o.bias })
  end
  local body = gg.nn.custom(function(ids, nn)
    local W = nn.param { shape = { V, d }, init = { "normal", std = 1 } }
    local x = gg.nn.embedding(V, d, { weight = W })(ids)
    if pos == "learned" then
      x = gg.nn.positional_embedding(T, d)(x)
    else
      x = gg.nn.sinusoidal_encoding(T, d)(x)
    end
    if o.dropout > 0 then x = gg.nn.dropout(o.dropout)(x) end
    for i = 1, N do x = blocks[i](x) end
    if final_norm then
      local lw = nn.param { shape = { d }, init = ONES }
      local lb = nn.param { shape = { d }, init = "zeros" }
      x = gg.nn.layernorm({ d }, { weight = lw, bias = lb })(x)
    end
    local HW = tie and W or nn.param { shape = { V, d } }
    return gg.nn.linear(d, V, { weight = HW, bias = false })(x)
  end, { name = "gpt" })
  local ok, model = pcall(gg.nn.sequential, { body }, { input = { T }, seed = o.seed, rng = o.rng })
  if not ok then error(strip(model), 2) end
  return model
end

--[[ The constructors consult gglab.hooks' "model" point (kind "gpt", "transformer_encoder_layer",
  "transformer_decoder_block"), so a tool (gglab doctor) can change their options for one call.
  Without a registered hook with that point the constructor is called directly (a tail call: its errors still
  name the caller's line). gg.nn.gpt builds its blocks with the local decoder_block: one call of
  the point per model. ]]
local BUILD = { gpt = M.gpt, transformer_encoder_layer = M.transformer_encoder_layer,
  transformer_decoder_block = decoder_block }
local function build(kind, ...)
  local f = BUILD[kind]
  if not f then error("gg.nn: the model hook asked for an unknown transformer kind " .. tostring(kind), 2) end
  return f(...)
end
for kind, raw in pairs(BUILD) do M[kind] = hooks.entry("model", kind, raw, build) end

for k, v in pairs(M) do
  if k ~= "attention" then gg.nn[k] = v end
end

return M
