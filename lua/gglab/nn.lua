--[[ lua/gglab/nn.lua — layer specs and model builders (PyTorch's names).
  A layer spec is a plain table: gg.nn.linear(10, 32) → {kind="linear", ["in"]=10, out=32},
  gg.nn.conv2d(1, 6, 3, {padding = 1}), gg.nn.relu() → {kind="relu"}. Every constructor
  checks its spec with gg.nn.check_layer (the parser gglab.Graph:layer uses, lua/lgraph.c),
  so errors name the constructor. Composition: gg.nn.sequential{...} (a model, or nested: a
  list of specs), gg.nn.residual{...} (x + f(x)), gg.nn.custom(function(x, nn) ... end) (a
  layer written with symbolic tensors, lua/gglab/graph.lua). gg.nn.sequential builds the
  graph and compiles it into a gglab.Model, initialised from the default generator (or
  seed=/rng=). gg.nn.mlp{10, 32, 1, activation="relu"} builds Linear(10,32) → ReLU →
  Linear(32,1). ]]
local gg = require "gglab"
local graph = require "gglab.graph"
local args = require "gglab.lib.args"
local describe = args.describe

local M = {}

-- Activation names gg.nn.mlp accepts (each is also a spec kind).
local ACTIVATIONS = { relu = true, sigmoid = true, tanh = true, leaky_relu = true, gelu = true,
  elu = true, silu = true, softplus = true, identity = true }
local ACT_LIST = "'relu', 'sigmoid', 'tanh', 'leaky_relu', 'gelu', 'elu', 'silu', 'softplus', 'identity'"

-- A width as an integer (8.0 is accepted as 8); blames the constructor's caller.
local function check_width(fname, what, v)
  local n = args.size(fname, what, v, 3)
  return n
end

-- Copy the option table opts (nil or a table) into spec, rejecting unknown keys.
local function merge(fname, spec, opts, allowed)
  if opts == nil then return spec end
  args.check_options(fname, opts, allowed, 3)
  for k, v in pairs(opts) do spec[k] = v end
  return spec
end

-- gg.nn.check_layer(spec, fname), with the error blamed on the constructor's caller.
-- level: as error's, counted from check's caller (default 2: the constructor's caller).
-- The spec gets the Spec metatable: calling it on a symbolic tensor applies it.
-- Callers write `return (check(...))`: a tail call would drop their frame from the
-- stack, and the level would then blame the line one call further out.
local function check(spec, fname, level)
  local checked = spec
  if spec.weight ~= nil or graph.is_sym(spec.bias) or spec.tie ~= nil then  -- given params: checked when applied
    checked = {}
    for k, v in pairs(spec) do checked[k] = v end
    checked.weight, checked.tie = nil, nil
    if graph.is_sym(checked.bias) then checked.bias = nil end
  end
  local ok, err = pcall(gg.nn.check_layer, checked, fname)
  if not ok then error(err, (level or 2) + 1) end
  return setmetatable(spec, graph.Spec)
end

local INIT_KEYS = { "init", "gain", "a", "b", "mode", "nonlinearity", "mean", "std", "value",
  "scale", "bias_init", "bias_value", "bias_mean", "bias_std", "bias_a", "bias_b" }
local function with(list, ...)
  local out = { table.unpack(list) }
  for _, k in ipairs { ... } do out[#out + 1] = k end
  return out
end

--[[ gg.nn.linear(in, out [, {bias = true, requires_grad = true, init=, gain=, a=, b=, mode=,
  nonlinearity=, mean=, std=, value=, scale=, bias_init=, bias_value=, bias_mean=, bias_std=,
  bias_a=, bias_b=}]) ]]
function M.linear(n_in, n_out, opts)
  local f = "gg.nn.linear"
  n_in = check_width(f, "in_features", n_in)
  n_out = check_width(f, "out_features", n_out)
  if type(opts) == "table" and opts.tie ~= nil and getmetatable(opts.tie) ~= graph.Spec then
    error(f .. ": tie must be a layer (the gg.nn.embedding whose weight to share), got " .. describe(opts.tie), 2)
  end
  return (check(merge(f, { kind = "linear", ["in"] = n_in, out = n_out }, opts,
    with(INIT_KEYS, "bias", "requires_grad", "weight", "tie")), f))
end

--[[ gg.nn.embedding(num_embeddings, embedding_dim [, {padding_idx = nil, requires_grad =
  true, init = N(0, 1), weight = <param>}]): nn.Embedding. Its input holds token ids as
  floats, of any shape (B, ...); the output is (B, ..., embedding_dim). padding_idx (negative
  counts from the end) keeps that row at zero with no gradient. A bad id (not an integer in
  0..num_embeddings-1) fails the forward pass with the layer, the value and its position.
  gg.nn.linear(E, V, {tie = emb, bias = false}) shares emb's weight (GPT's lm_head). ]]
function M.embedding(num, dim, opts)
  local f = "gg.nn.embedding"
  num = check_width(f, "num_embeddings", num)
  dim = check_width(f, "embedding_dim", dim)
  if type(opts) == "table" then
    for _, k in ipairs { "max_norm", "norm_type", "scale_grad_by_freq", "sparse" } do
      if opts[k] ~= nil and opts[k] ~= false then
        error(string.format("%s: %s is not supported (the rows are used as they are)", f, k), 2)
      end
    end
  end
  local spec = merge(f, { kind = "embedding", num_embeddings = num, embedding_dim = dim }, opts,
    { "padding_idx", "requires_grad", "init", "gain", "a", "b", "mode", "nonlinearity", "mean", "std",
      "value", "scale", "weight", "max_norm", "norm_type", "scale_grad_by_freq", "sparse" })
  spec.max_norm, spec.norm_type, spec.scale_grad_by_freq, spec.sparse = nil, nil, nil, nil
  return (check(spec, f))
end

-- The (B, L, E) input of a positional layer, L <= context.
local function positional_input(f, x, context, dim)
  local s = x:shape()
  if #s ~= 3 or s[1] ~= -1 or s[3] ~= dim then
    local t = {}
    for i, d in ipairs(s) do t[i] = d == -1 and "B" or tostring(d) end
    error(string.format("%s expects a (B, L, %d) input, got (%s)", f, dim, table.concat(t, ", ")), 0)
  end
  if s[2] > context then
    error(string.format("%s gets an input of %d positions, more than its context of %d", f, s[2], context), 0)
  end
  return s[2]
end

--[[ gg.nn.positional_embedding(context, dim [, {init = N(0, 1), requires_grad = true}]): a
  learned (context, dim) position table P (GPT's wpe; torch would write nn.Embedding(context,
  dim)(arange(L))) added to a (B, L, dim) input: y = x + P[:L]. ]]
function M.positional_embedding(context, dim, opts)
  local f = "gg.nn.positional_embedding"
  context = check_width(f, "context", context)
  dim = check_width(f, "dim", dim)
  local o = merge(f, {}, opts, { "init", "requires_grad" })
  local init = o.init or { "normal", mean = 0, std = 1 }
  return setmetatable({ kind = "custom", name = "positional_embedding", fn = function(x, nn)
    local L = positional_input(f, x, context, dim)
    local p = nn.param { shape = { context, dim }, init = init, requires_grad = o.requires_grad }
    if L < context then p = p:slice(0, 0, L) end
    return x + p
  end }, graph.Spec)
end

--[[ gg.nn.sinusoidal_encoding(context, dim): the fixed table of "Attention is all you need"
  added to a (B, L, dim) input, L <= context: PE[p, 2i] = sin(p / 10000^(2i/dim)),
  PE[p, 2i+1] = cos(p / 10000^(2i/dim)), computed in double and rounded to float once
  (gg.nn.sinusoidal_table). No parameters. ]]
function M.sinusoidal_encoding(context, dim)
  local f = "gg.nn.sinusoidal_encoding"
  context = check_width(f, "context", context)
  dim = check_width(f, "dim", dim)
  return setmetatable({ kind = "custom", name = "sinusoidal_encoding", fn = function(x, nn)
    local L = positional_input(f, x, context, dim)
    return x + nn.const({ L, dim }, gg.nn.sinusoidal_table(L, dim))
  end }, graph.Spec)
end

-- gg.nn.conv1d / conv2d(in_channels, out_channels, kernel_size [, {stride = 1, padding = 0 |
-- 'same' | 'valid' | {h, w}, dilation = 1, groups = 1, bias = true, requires_grad = true,
-- init = ... (PyTorch's default: kaiming_uniform(a = sqrt 5)), bias_init = ...}])
local function conv(kind)
  local f = "gg.nn." .. kind
  return function(cin, cout, k, opts)
    cin = check_width(f, "in_channels", cin)
    cout = check_width(f, "out_channels", cout)
    return (check(merge(f, { kind = kind, ["in"] = cin, out = cout, kernel_size = k }, opts,
      with(INIT_KEYS, "stride", "padding", "dilation", "groups", "bias", "requires_grad", "weight")), f))
  end
end
M.conv1d, M.conv2d = conv("conv1d"), conv("conv2d")

-- gg.nn.maxpool1d/2d(kernel_size [, {stride = kernel_size, padding = 0, dilation = 1,
-- ceil_mode = false}]); gg.nn.avgpool1d/2d(kernel_size [, {stride, padding, ceil_mode,
-- count_include_pad = true}])
local function pool(kind, keys)
  local f = "gg.nn." .. kind
  return function(k, opts)
    return (check(merge(f, { kind = kind, kernel_size = k }, opts, keys), f))
  end
end
M.maxpool1d = pool("maxpool1d", { "stride", "padding", "dilation", "ceil_mode" })
M.maxpool2d = pool("maxpool2d", { "stride", "padding", "dilation", "ceil_mode" })
M.avgpool1d = pool("avgpool1d", { "stride", "padding", "ceil_mode", "count_include_pad" })
M.avgpool2d = pool("avgpool2d", { "stride", "padding", "ceil_mode", "count_include_pad" })

-- gg.nn.adaptive_avgpool1d/2d(output_size = 1): 1 (or {1, 1}) is global average pooling.
function M.adaptive_avgpool1d(n)
  return (check({ kind = "adaptive_avgpool1d", output_size = n or 1 }, "gg.nn.adaptive_avgpool1d"))
end
function M.adaptive_avgpool2d(n)
  return (check({ kind = "adaptive_avgpool2d", output_size = n or 1 }, "gg.nn.adaptive_avgpool2d"))
end

-- gg.nn.flatten(start_dim = 1, end_dim = -1); gg.nn.reshape{...}: the per-sample shape (one
-- entry may be -1), the batch kept, like Keras's Reshape.
function M.flatten(start_dim, end_dim)
  return (check({ kind = "flatten", start_dim = start_dim, end_dim = end_dim }, "gg.nn.flatten"))
end
function M.reshape(shape)
  return (check({ kind = "reshape", shape = shape }, "gg.nn.reshape"))
end

-- gg.nn.softmax(dim), gg.nn.log_softmax(dim): dim as PyTorch's (without one, torch's
-- implicit choice: 1 for 2-d and 4-d inputs).
function M.softmax(dim) return (check({ kind = "softmax", dim = dim }, "gg.nn.softmax")) end
function M.log_softmax(dim) return (check({ kind = "log_softmax", dim = dim }, "gg.nn.log_softmax")) end

-- gg.nn.batchnorm2d(num_features [, {eps, momentum, affine, track_running_stats}])
function M.batchnorm2d(n, opts)
  local f = "gg.nn.batchnorm2d"
  n = check_width(f, "num_features", n)
  return (check(merge(f, { kind = "batchnorm2d", num_features = n }, opts,
    { "eps", "momentum", "affine", "track_running_stats", "requires_grad", "weight", "bias" }), f))
end

-- gg.nn.layernorm(normalized_shape [, {eps = 1e-5, elementwise_affine = true}])
function M.layernorm(shape, opts)
  local f = "gg.nn.layernorm"
  return (check(merge(f, { kind = "layernorm", normalized_shape = shape }, opts,
    { "eps", "elementwise_affine", "requires_grad", "weight", "bias" }), f))
end

-- gg.nn.groupnorm(num_groups, num_channels [, {eps = 1e-5, affine = true}])
function M.groupnorm(groups, channels, opts)
  local f = "gg.nn.groupnorm"
  return (check(merge(f, { kind = "groupnorm", num_groups = check_width(f, "num_groups", groups),
    num_channels = check_width(f, "num_channels", channels) }, opts, { "eps", "affine", "requires_grad", "weight", "bias" }), f))
end

-- gg.nn.dropout1d(p = 0.5), gg.nn.dropout2d(p = 0.5): whole channels.
function M.dropout1d(p)
  if p == nil then p = 0.5 end
  return (check({ kind = "dropout1d", p = p }, "gg.nn.dropout1d"))
end
function M.dropout2d(p)
  if p == nil then p = 0.5 end
  return (check({ kind = "dropout2d", p = p }, "gg.nn.dropout2d"))
end

function M.relu() return setmetatable({ kind = "relu" }, graph.Spec) end
function M.sigmoid() return setmetatable({ kind = "sigmoid" }, graph.Spec) end
function M.tanh() return setmetatable({ kind = "tanh" }, graph.Spec) end
function M.silu() return setmetatable({ kind = "silu" }, graph.Spec) end
function M.identity() return setmetatable({ kind = "identity" }, graph.Spec) end

function M.leaky_relu(negative_slope)
  if negative_slope == nil then negative_slope = 0.01 end
  return (check({ kind = "leaky_relu", negative_slope = negative_slope }, "gg.nn.leaky_relu"))
end

function M.elu(alpha)
  if alpha == nil then alpha = 1.0 end
  return (check({ kind = "elu", alpha = alpha }, "gg.nn.elu"))
end

-- gg.nn.gelu{approximate="none"|"tanh"}
function M.gelu(opts)
  local f = "gg.nn.gelu"
  local spec = merge(f, { kind = "gelu" }, opts, { "approximate" })
  spec.approximate = spec.approximate or "none"
  return (check(spec, f))
end

-- gg.nn.softplus{beta=1, threshold=20}
function M.softplus(opts)
  local f = "gg.nn.softplus"
  local spec = merge(f, { kind = "softplus" }, opts, { "beta", "threshold" })
  spec.beta = spec.beta or 1.0
  spec.threshold = spec.threshold or 20.0
  return (check(spec, f))
end

-- gg.nn.batchnorm1d(num_features, {eps=1e-5, momentum=0.1, affine=true, track_running_stats=true})
function M.batchnorm1d(n, opts)
  local f = "gg.nn.batchnorm1d"
  n = check_width(f, "num_features", n)
  local spec = merge(f, { kind = "batchnorm1d", num_features = n }, opts,
    { "eps", "momentum", "affine", "track_running_stats", "requires_grad", "weight", "bias" })
  if spec.eps == nil then spec.eps = 1e-5 end
  if spec.momentum == nil then spec.momentum = 0.1 end
  if spec.affine == nil then spec.affine = true end
  if spec.track_running_stats == nil then spec.track_running_stats = true end
  return (check(spec, f))
end

-- gg.nn.dropout(p = 0.5)
function M.dropout(p)
  if p == nil then p = 0.5 end
  return (check({ kind = "dropout", p = p }, "gg.nn.dropout"))
end

local MLP_KEYS = { "activation", "output_activation", "batchnorm", "dropout", "init", "keras", "seed", "rng" }

-- An activation option: a name from ACTIVATIONS or a spec table (gg.nn.leaky_relu(0.2)).
local function activation_spec(f, key, v)
  if type(v) == "table" and ACTIVATIONS[v.kind] then
    local copy = {}
    for k, x in pairs(v) do copy[k] = x end
    return (check(copy, f .. ": " .. key, 3))
  end
  if ACTIVATIONS[v] then return M[v]() end
  return nil
end

--[[ gg.nn.mlp{w0, w1, ..., wn, activation="relu", output_activation=nil, batchnorm=false,
  dropout=nil, init=nil, keras=false, seed=, rng=}:
  Linear(w0,w1) [BatchNorm1d] act [Dropout] ... Linear(w(n-1), wn) [output_activation].
  init: a name or {name, options...} given to every linear (see gg.nn.linear).
  keras = true: Keras Dense defaults — glorot_uniform kernels, zero biases (unless init). ]]
function M.mlp(spec)
  local f = "gg.nn.mlp"
  if type(spec) ~= "table" then
    error(f .. ": expected a table {in, hidden..., out, activation=...}, got " .. describe(spec), 2)
  end
  args.check_options(f, spec, MLP_KEYS, 2, true)
  local n = #spec
  if n < 2 then error(f .. ": needs at least two widths {in, out}, got " .. n, 2) end
  local widths = {}
  for i = 1, n do widths[i] = check_width(f, "width " .. i, spec[i]) end
  local seed = spec.seed
  if seed ~= nil and not (math.type(seed) and math.tointeger(seed) and seed >= 0) then
    error(f .. ": seed must be a non-negative integer, got " .. describe(seed), 2)
  end
  local rng = spec.rng
  local mt = rng ~= nil and getmetatable(rng)
  if rng ~= nil and not (type(mt) == "table" and mt.__name == "gglab.Rng") then
    error(f .. ": rng must be a gglab.Rng (gg.rng(seed)), got " .. describe(rng), 2)
  end
  local act = activation_spec(f, "activation", spec.activation or "relu")
  if not act then
    error(f .. ": activation must be one of " .. ACT_LIST .. " or an activation spec, got "
      .. describe(spec.activation), 2)
  end
  local out_act = nil
  if spec.output_activation ~= nil then
    out_act = activation_spec(f, "output_activation", spec.output_activation)
    if not out_act then
      error(f .. ": output_activation must be one of " .. ACT_LIST .. ", an activation spec or nil, got "
        .. describe(spec.output_activation), 2)
    end
  end
  local bn = spec.batchnorm
  if bn ~= nil and type(bn) ~= "boolean" then
    error(f .. ": batchnorm must be a boolean, got " .. describe(bn), 2)
  end
  local p = spec.dropout
  if p ~= nil and not (type(p) == "number" and p >= 0 and p < 1) then
    error(f .. ": dropout must be in [0, 1), got " .. describe(p), 2)
  end
  if spec.keras ~= nil and type(spec.keras) ~= "boolean" then
    error(f .. ": keras must be a boolean, got " .. describe(spec.keras), 2)
  end
  -- init: a name, or a table {name, key = value...}; copied into every linear spec.
  local init = {}
  if spec.keras and spec.init == nil then
    init.init = "glorot_uniform"
  elseif type(spec.init) == "string" then
    init.init = spec.init
  elseif type(spec.init) == "table" then
    for k, v in pairs(spec.init) do
      if k == 1 then init.init = v elseif type(k) == "string" and k ~= "init" then init[k] = v
      else error(f .. ": init table keys must be option names after the init name, got " .. describe(k), 2) end
    end
  elseif spec.init ~= nil then
    error(f .. ": init must be a name or a table {name, options...}, got " .. describe(spec.init), 2)
  end
  local layers = {}
  for i = 1, n - 1 do
    local lin = { kind = "linear", ["in"] = widths[i], out = widths[i + 1] }
    for k, v in pairs(init) do lin[k] = v end
    layers[#layers + 1] = check(lin, f)
    if i < n - 1 then
      if bn then layers[#layers + 1] = M.batchnorm1d(widths[i + 1]) end
      layers[#layers + 1] = act
      if p then layers[#layers + 1] = { kind = "dropout", p = p } end
    end
  end
  if out_act then layers[#layers + 1] = out_act end
  return gg.nn.sequential(layers, { seed = seed and math.tointeger(seed), rng = rng })
end

-- ---- composition ----

local function layer_list(f, layers, level)
  if type(layers) ~= "table" or getmetatable(layers) == graph.Spec then
    error(string.format("%s: expected a list of layers, got %s", f, describe(layers)), level)
  end
  for k in pairs(layers) do
    if math.type(k) ~= "integer" then
      error(string.format("%s: expected a list of layers, got a key '%s'", f, tostring(k)), level)
    end
  end
  return layers
end

--[[ gg.nn.residual{ layers... [, projection = {layers...} | spec] [, activation = spec] }:
  x + f(x) (f the layers in order); with projection, proj(x) + f(x) (a 1x1 conv when the
  shapes differ, as ResNet's downsampling shortcut); activation is applied after the sum
  (ResNet's BasicBlock ends with a ReLU there). Nests: a residual's layers may be
  residuals, lists or gg.nn.block{...}. ]]
function M.residual(spec)
  local f = "gg.nn.residual"
  if type(spec) ~= "table" then error(f .. ": expected {layers..., projection = ..., activation = ...}, got " .. describe(spec), 2) end
  local body = {}
  args.check_options(f, spec, { "projection", "activation" }, 2, true)
  for k, v in pairs(spec) do
    if math.type(k) == "integer" then body[k] = v end
  end
  if #body == 0 then error(f .. ": needs at least one layer", 2) end
  local proj = spec.projection
  if proj ~= nil and getmetatable(proj) == graph.Spec then proj = { proj } end
  if proj ~= nil then layer_list(f .. ": projection", proj, 3) end
  return setmetatable({ kind = "residual", body = body, projection = proj, activation = spec.activation }, graph.Spec)
end

-- gg.nn.block{layers...}: a list of layers as one layer (nn.Sequential nested in another).
function M.block(layers)
  return setmetatable({ kind = "sequential", layers = layer_list("gg.nn.block", layers, 3) }, graph.Spec)
end

--[[ gg.nn.custom(function(x, nn) ... return y end [, {name = "..."}]): a layer written with
  symbolic tensors (lua/gglab/graph.lua). The function runs once, when the model is built;
  nn.param{shape = {...}, init = ..., requires_grad = true} creates a learnable tensor (init
  a name or {name, options}, as gg.nn.linear's; default PyTorch's kaiming_uniform(a=sqrt 5)
  fans), nn.const(shape, values) a constant; built-in layers apply to symbolic tensors by
  calling them: gg.nn.linear(4, 8)(x). ]]
function M.custom(fn, opts)
  if type(fn) ~= "function" then error("gg.nn.custom: expected a function(x, nn), got " .. describe(fn), 2) end
  local name
  if opts ~= nil then
    args.check_options("gg.nn.custom", opts, { "name" }, 2)
    name = opts.name
  end
  return setmetatable({ kind = "custom", fn = fn, name = name }, graph.Spec)
end

-- The per-sample input shape: opts.input, else the first layer's input width (a Linear).
local function input_shape(f, layers, input)
  if input ~= nil then
    if math.type(input) and input >= 1 then return { input } end
    if type(input) == "table" and #input >= 1 then return input end
    error(f .. ": input must be a size or a per-sample shape {channels, height, width}, got " .. describe(input), 3)
  end
  local first = layers[1]
  while type(first) == "table" and (first.kind == "sequential" or first.kind == "residual" or (first.kind == nil and #first > 0)) do
    first = first.layers and first.layers[1] or first.body and first.body[1] or first[1]
  end
  if type(first) == "userdata" and graph.model_specs[first] then
    return graph.model_specs[first].input
  end
  if type(first) == "table" and first.kind == "linear" and math.type(first["in"]) then
    return { first["in"] }
  end
  local kind = type(first) == "table" and first.kind
  error(f .. ": layer 1 must be linear (it fixes the input width)"
    .. (kind and kind ~= "linear" and ("; a model starting with " .. tostring(kind)
      .. " needs input = {per-sample shape}, e.g. input = {1, 8, 8}") or ""), 3)
end

--[[ gg.nn.sequential({layers...} [, {input = {C, H, W}, seed =, rng =, init =}]) -> model.
  Builds the graph of the layers applied in order to an input of the given per-sample
  shape (default: the first Linear's in_features), compiles it and initialises every
  parameter in order (each layer's own init; init = ... for every weight). ]]
function M.sequential(layers, opts)
  local f = "gg.nn.sequential"
  if type(layers) ~= "table" then error(f .. ": expected a list of layers, got " .. describe(layers), 2) end
  local n = #layers
  if n < 1 or n > 256 then error(string.format("%s: expected 1..256 layers, got %d", f, n), 2) end
  opts = opts or {}
  if type(opts) ~= "table" then error(f .. ": options must be a table, got " .. describe(opts), 2) end
  args.check_options(f, opts, { "input", "seed", "rng", "init" }, 2)
  for i = 1, n do
    local l = layers[i]
    if type(l) ~= "table" and not (type(l) == "userdata" and graph.model_specs[l]) then
      error(string.format("%s: layer %d must be a layer table (gg.nn.linear(...), gg.nn.relu(), ...), got %s",
        f, i, describe(l)), 2)
    end
  end
  local shape = input_shape(f, layers, opts.input)
  local ends = {}  -- ends[i]: the last graph node layer i created (checkpoint.lua's names)
  local ok, model = pcall(function()
    local b = gg.graph()
    local x = graph.wrap(b, b:input(shape))
    for i = 1, n do
      x = graph.apply(layers[i], x, f, i)
      ends[i] = x.node
    end
    local s, batched = b:shape(x.node)
    if not batched then
      error(string.format("%s: the model's output (shape {%s}) has lost the batch dimension "
        .. "(a reduction over dim 0?); a model maps each sample to an output", f, table.concat(s, ", ")), 0)
    end
    return b:compile(x.node, { seed = opts.seed, rng = opts.rng, init = opts.init, where = f })
  end)
  if not ok then
    local msg = tostring(model)
    local file = msg:match("^([^:\n]*):%d+: ")
    if file and not file:find("gglab/", 1, true) and file ~= "[C]" then
      error(msg, 0)  -- raised in the user's own code (a custom layer's op): keep its line
    end
    error((msg:gsub("^[^:\n]*:%d+: ", "")), 2)
  end
  local copy = {}
  for i = 1, n do copy[i] = layers[i] end
  copy.input, copy.ends = shape, ends
  graph.model_specs[model] = copy
  return model
end

-- A hook registered with gglab.hooks (gglab doctor's) sees, and may change, every model built.
local hooks = require "gglab.hooks"
local sequential_unhooked = M.sequential
function M.sequential(layers, opts)
  if hooks.active() then return hooks.call("sequential", sequential_unhooked, layers, opts) end
  return sequential_unhooked(layers, opts)   -- a tail call: errors still name the caller's line
end

-- Register every constructor in gg.nn (lua/gglab/init.lua wires linear, relu, sigmoid, tanh
-- and mlp itself; the others are registered here when this module loads).
for k, v in pairs(M) do gg.nn[k] = v end
require "gglab.transformer"  -- attention, transformer layers, gpt (register into gg.nn, gg.op)
require "gglab.recurrent"  -- gg.nn.rnn, gg.nn.lstm, gg.nn.gru

return M
