--[[ lua/gglab/nn.lua — layer specs and model builders on top of gg.nn.sequential (C).
  A layer spec is a plain table: gg.nn.linear(10, 32) → {kind="linear", ["in"]=10, out=32},
  gg.nn.relu() → {kind="relu"}, gg.nn.dropout(0.2) → {kind="dropout", p=0.2}. Every
  constructor checks its spec with gg.nn.check_layer (the parser gg.nn.sequential uses), so
  errors name the constructor. gg.nn.mlp{10, 32, 1, activation="relu"} builds
  Linear(10,32) → ReLU → Linear(32,1), initialised from the default generator (or seed=/rng=). ]]
local gg = require "gglab"
local did_you_mean = require("gglab.util").did_you_mean

local M = {}

-- Activation names gg.nn.mlp accepts (each is also a spec kind).
local ACTIVATIONS = { relu = true, sigmoid = true, tanh = true, leaky_relu = true, gelu = true,
  elu = true, silu = true, softplus = true, identity = true }
local ACT_LIST = "'relu', 'sigmoid', 'tanh', 'leaky_relu', 'gelu', 'elu', 'silu', 'softplus', 'identity'"

local function describe(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  if type(v) == "number" then return gg.fmt_number(v) end
  return tostring(v == nil and "nil" or "a " .. type(v))
end

-- A width as an integer (8.0 is accepted as 8); level 3 blames the caller's caller.
local function check_width(fname, what, v)
  local n = math.type(v) and math.tointeger(v)
  if not n or n < 1 then
    error(string.format("%s: %s must be a positive integer, got %s", fname, what, describe(v)), 3)
  end
  return n
end

-- Copy the option table opts (nil or a table) into spec, rejecting unknown keys.
local function merge(fname, spec, opts, allowed)
  if opts == nil then return spec end
  if type(opts) ~= "table" then
    error(string.format("%s: options must be a table, got %s", fname, describe(opts)), 3)
  end
  local ok = {}
  for _, k in ipairs(allowed) do ok[k] = true end
  for k, v in pairs(opts) do
    if not ok[k] then
      error(string.format("%s: unknown option '%s' (allowed: %s)%s", fname, tostring(k),
        table.concat(allowed, ", "), did_you_mean(k, allowed)), 3)
    end
    spec[k] = v
  end
  return spec
end

-- gg.nn.check_layer(spec, fname), with the error blamed on the constructor's caller.
-- level: as error's, counted from check's caller (default 2: the constructor's caller).
local function check(spec, fname, level)
  local ok, err = pcall(gg.nn.check_layer, spec, fname)
  if not ok then error(err, (level or 2) + 1) end
  return spec
end

local INIT_KEYS = { "init", "gain", "a", "b", "mode", "nonlinearity", "mean", "std", "value",
  "scale", "bias_init", "bias_value" }

--[[ gg.nn.linear(in, out [, {init=, gain=, a=, b=, mode=, nonlinearity=, mean=, std=, value=,
  scale=, bias_init=, bias_value=}]) ]]
function M.linear(n_in, n_out, opts)
  local f = "gg.nn.linear"
  n_in = check_width(f, "in_features", n_in)
  n_out = check_width(f, "out_features", n_out)
  return check(merge(f, { kind = "linear", ["in"] = n_in, out = n_out }, opts, INIT_KEYS), f)
end

function M.relu() return { kind = "relu" } end
function M.sigmoid() return { kind = "sigmoid" } end
function M.tanh() return { kind = "tanh" } end
function M.silu() return { kind = "silu" } end
function M.identity() return { kind = "identity" } end

function M.leaky_relu(negative_slope)
  if negative_slope == nil then negative_slope = 0.01 end
  return check({ kind = "leaky_relu", negative_slope = negative_slope }, "gg.nn.leaky_relu")
end

function M.elu(alpha)
  if alpha == nil then alpha = 1.0 end
  return check({ kind = "elu", alpha = alpha }, "gg.nn.elu")
end

-- gg.nn.gelu{approximate="none"|"tanh"}
function M.gelu(opts)
  local f = "gg.nn.gelu"
  local spec = merge(f, { kind = "gelu" }, opts, { "approximate" })
  spec.approximate = spec.approximate or "none"
  return check(spec, f)
end

-- gg.nn.softplus{beta=1, threshold=20}
function M.softplus(opts)
  local f = "gg.nn.softplus"
  local spec = merge(f, { kind = "softplus" }, opts, { "beta", "threshold" })
  spec.beta = spec.beta or 1.0
  spec.threshold = spec.threshold or 20.0
  return check(spec, f)
end

-- gg.nn.batchnorm1d(num_features, {eps=1e-5, momentum=0.1, affine=true, track_running_stats=true})
function M.batchnorm1d(n, opts)
  local f = "gg.nn.batchnorm1d"
  n = check_width(f, "num_features", n)
  local spec = merge(f, { kind = "batchnorm1d", num_features = n }, opts,
    { "eps", "momentum", "affine", "track_running_stats" })
  if spec.eps == nil then spec.eps = 1e-5 end
  if spec.momentum == nil then spec.momentum = 0.1 end
  if spec.affine == nil then spec.affine = true end
  if spec.track_running_stats == nil then spec.track_running_stats = true end
  return check(spec, f)
end

-- gg.nn.dropout(p = 0.5)
function M.dropout(p)
  if p == nil then p = 0.5 end
  return check({ kind = "dropout", p = p }, "gg.nn.dropout")
end

local MLP_KEYS = { activation = true, output_activation = true, seed = true, rng = true,
  batchnorm = true, dropout = true, init = true, keras = true }
local MLP_KEY_LIST = "activation, output_activation, batchnorm, dropout, init, keras, seed, rng"

local function split_list(text)
  local out = {}
  for w in text:gmatch("[^, ]+") do out[#out + 1] = w end
  return out
end

-- An activation option: a name from ACTIVATIONS or a spec table (gg.nn.leaky_relu(0.2)).
local function activation_spec(f, key, v)
  if type(v) == "table" and ACTIVATIONS[v.kind] then
    local copy = {}
    for k, x in pairs(v) do copy[k] = x end
    return check(copy, f .. ": " .. key, 3)
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
  for k in pairs(spec) do
    if math.type(k) ~= "integer" and not MLP_KEYS[k] then
      error(string.format("%s: unknown option '%s' (allowed: %s)%s", f, tostring(k), MLP_KEY_LIST,
        did_you_mean(k, split_list(MLP_KEY_LIST))), 2)
    end
  end
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

-- Register every constructor in gg.nn (lua/gglab/init.lua wires linear, relu, sigmoid, tanh
-- and mlp itself; the others are registered here when this module loads).
for k, v in pairs(M) do gg.nn[k] = v end

return M
