--[[ lua/gglab/graph.lua — building models as graphs: symbolic tensors and the one function
  that applies a layer spec to them.

  A symbolic tensor (a "Sym") stands for a value of the model being built: it knows its
  gglab.Graph (lua/lgraph.c) and its node. Arithmetic (+ - * / ^, unary -) and methods
  (x:matmul(w), x:exp(), x:sum(dim), x:reshape{...}, x:softmax(dim), ...) add nodes to the
  graph, so a custom layer or loss written as a Lua function of Syms is called ONCE, when
  the model is built; training then runs the graph in C. Dims are numbered as in PyTorch:
  0 is the batch, -1 the last.

  M.apply(spec, x, where) applies any layer spec (gg.nn.linear(...), gg.nn.residual{...},
  gg.nn.custom(fn), a list of specs, a model built by gg.nn.sequential) to the Sym x and
  returns the output Sym. Errors from the core name the layer ("layer 4: conv2d expects 3
  input channels but the previous layer gives 6"); the Lua wrappers re-raise them at the
  user's line. ]]
local gg = require "gglab"
local describe = require("gglab.lib.args").describe

local M = {}

local Sym = {}
Sym.__index = Sym
Sym.__name = "gglab.Sym"
Sym.__describe = "a symbolic tensor"  -- how args.describe shows one in messages

local function is_sym(v) return getmetatable(v) == Sym end
M.is_sym = is_sym

local function wrap(b, node) return setmetatable({ b = b, node = node }, Sym) end
M.wrap = wrap

-- Specs built by the nn constructors carry this metatable: calling one on a Sym applies it.
M.Spec = {}
M.Spec.__index = M.Spec

-- Run f(...) and re-raise its error without a position, at `level` above the caller of
-- the function using it (error(msg, level) adds the user's file:line).
local function strip(msg)
  return (tostring(msg):gsub("^[^:\n]*:%d+: ", ""))
end

local function call(level, f, ...)
  local ok, r = pcall(f, ...)
  if not ok then error(strip(r), level + 1) end
  return r
end
M.call = call

-- Add a node: spec (a table with kind and options) applied to the Syms/nodes in ... .
local function node(b, where, spec, ...)
  spec._where = where
  local ids = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    ids[i] = is_sym(v) and v.node or v
  end
  local ok, r = pcall(b.layer, b, spec, table.unpack(ids))
  spec._where = nil
  if not ok then error(strip(r), 0) end
  return r
end

-- A number operand as a constant node broadcastable against x (a 0-d tensor).
local function const_of(b, v)
  return wrap(b, b:const({}, { v }))
end

-- The operands of a binary op: at least one Sym; numbers become scalar ops or constants.
local function binary(op, a, b, level)
  local A, B = is_sym(a), is_sym(b)
  if not A and not B then error("gg.op." .. op .. ": expected a symbolic tensor, got " .. describe(a), level) end
  local bld = A and a.b or b.b
  if A and B and a.b ~= b.b then error("gg.op." .. op .. ": tensors from two different models", level) end
  if not (A or type(a) == "number") or not (B or type(b) == "number") then
    error("gg.op." .. op .. ": operands must be symbolic tensors or numbers, got "
      .. describe(A and b or a), level)
  end
  -- x op c and c op x as scalar ops (one node, no constant).
  if A and not B then
    if op == "add" then return wrap(bld, node(bld, "gg.op.add", { kind = "add_scalar", scalar = b }, a)) end
    if op == "sub" then return wrap(bld, node(bld, "gg.op.sub", { kind = "add_scalar", scalar = -b }, a)) end
    if op == "mul" then return wrap(bld, node(bld, "gg.op.mul", { kind = "mul_scalar", scalar = b }, a)) end
    if op == "div" then return wrap(bld, node(bld, "gg.op.div", { kind = "div_scalar", scalar = b }, a)) end
    if op == "pow" then return wrap(bld, node(bld, "gg.op.pow", { kind = "pow_scalar", scalar = b }, a)) end
    b = const_of(bld, b)
  elseif B and not A then
    if op == "add" then return wrap(bld, node(bld, "gg.op.add", { kind = "add_scalar", scalar = a }, b)) end
    if op == "sub" then return wrap(bld, node(bld, "gg.op.sub", { kind = "rsub_scalar", scalar = a }, b)) end
    if op == "mul" then return wrap(bld, node(bld, "gg.op.mul", { kind = "mul_scalar", scalar = a }, b)) end
    if op == "div" then return wrap(bld, node(bld, "gg.op.div", { kind = "rdiv_scalar", scalar = a }, b)) end
    a = const_of(bld, a)
  end
  return wrap(bld, node(bld, "gg.op." .. op, { kind = op }, a, b))
end

-- Each operator raises at the user's line (level 3: binary <- metamethod <- user).
local function binop(op)
  return function(a, b)
    local ok, r = pcall(binary, op, a, b, 0)
    if not ok then error(strip(r), 2) end
    return r
  end
end
Sym.__add, Sym.__sub, Sym.__mul, Sym.__div, Sym.__pow =
  binop("add"), binop("sub"), binop("mul"), binop("div"), binop("pow")

function Sym.__unm(a)
  return (call(2, function() return wrap(a.b, node(a.b, "gg.op.neg", { kind = "neg" }, a)) end))
end

function Sym.__tostring(x)
  local s = x:shape()
  local t = {}
  for i, d in ipairs(s) do t[i] = d == -1 and "B" or tostring(d) end
  return string.format("gglab.Sym(%s: %s)", x.b:kind(x.node), table.concat(t, ", "))
end

-- x:shape() -> full PyTorch shape, the batch as -1; x:size(d) -> one dim (-1 for the batch).
function Sym.shape(x) return (x.b:shape(x.node)) end
function Sym.dim(x) return #x:shape() end
function Sym.size(x, d)
  local s = x:shape()
  if d == nil then return s end
  local i = d < 0 and #s + d or d
  if math.type(d) ~= "integer" or i < 0 or i >= #s then
    error(string.format("gglab.Sym:size: dim %s out of range for a %d-d tensor", describe(d), #s), 2)
  end
  return s[i + 1]
end

local function unary(name, kind, extra)
  return function(x, ...)
    local spec = { kind = kind }
    if extra then extra(spec, ...) end
    return (call(2, function() return wrap(x.b, node(x.b, "gglab.Sym:" .. name, spec, x)) end))
  end
end

for _, k in ipairs { "exp", "log", "sqrt", "rsqrt", "abs", "square", "reciprocal", "neg", "sin", "cos" } do
  Sym[k] = unary(k, k)
end
for _, k in ipairs { "relu", "sigmoid", "tanh", "silu", "identity" } do
  Sym[k] = unary(k, k)
end
Sym.gelu = unary("gelu", "gelu", function(s, approx) s.approximate = approx end)
Sym.leaky_relu = unary("leaky_relu", "leaky_relu", function(s, v) s.negative_slope = v end)
Sym.elu = unary("elu", "elu", function(s, v) s.alpha = v end)
Sym.softplus = unary("softplus", "softplus", function(s, beta, threshold) s.beta, s.threshold = beta, threshold end)
Sym.clamp = unary("clamp", "clamp", function(s, lo, hi) s.min, s.max = lo, hi end)
Sym.pow = function(x, c) return binop("pow")(x, c) end
Sym.softmax = unary("softmax", "softmax", function(s, dim) s.dim = dim end)
Sym.log_softmax = unary("log_softmax", "log_softmax", function(s, dim) s.dim = dim end)
for _, k in ipairs { "sum", "mean", "max", "min", "logsumexp" } do
  Sym[k] = unary(k, k, function(s, dim, keepdim) s.dim, s.keepdim = dim, keepdim end)
end
-- x:reshape{...}: the full shape, the batch written -1 (PyTorch's x.view(-1, 16)); x:view
-- is the same. x:flatten(start_dim = 1, end_dim = -1).
Sym.reshape = unary("reshape", "view", function(s, shape) s.shape = shape end)
Sym.view = Sym.reshape
Sym.flatten = unary("flatten", "flatten", function(s, a, z) s.start_dim, s.end_dim = a, z end)
Sym.permute = unary("permute", "permute", function(s, dims) s.dims = dims end)
function Sym.transpose(x, d0, d1)
  local n = #x:shape()
  local dims = {}
  for i = 0, n - 1 do dims[i + 1] = i end
  local a = d0 < 0 and n + d0 or d0
  local c = d1 < 0 and n + d1 or d1
  if not (dims[a + 1] and dims[c + 1]) then
    error(string.format("gglab.Sym:transpose: dims %s and %s out of range for a %d-d tensor",
      describe(d0), describe(d1), n), 2)
  end
  dims[a + 1], dims[c + 1] = c, a
  return (call(2, function() return wrap(x.b, node(x.b, "gglab.Sym:transpose", { kind = "permute", dims = dims }, x)) end))
end
Sym.slice = unary("slice", "slice", function(s, dim, start, stop, step)
  s.dim, s.start, s.stop, s.step = dim, start, stop, step
end)
function Sym.matmul(a, b)
  return (call(2, function() return binary("matmul", a, b, 0) end))
end
function Sym.maximum(a, b) return (call(2, function() return binary("maximum", a, b, 0) end)) end
function Sym.minimum(a, b) return (call(2, function() return binary("minimum", a, b, 0) end)) end

-- gg.op: the same operations as functions (gg.op.matmul(a, b), gg.op.concat({a, b}, 1), ...).
local op = {}
M.op = op
for _, k in ipairs { "exp", "log", "sqrt", "rsqrt", "abs", "square", "reciprocal", "neg", "sin", "cos", "relu",
  "sigmoid", "tanh", "silu", "softmax", "log_softmax", "sum", "mean", "max", "min", "logsumexp",
  "reshape", "view", "flatten", "permute", "transpose", "slice", "clamp", "gelu", "pow" } do
  op[k] = function(x, ...)
    if not is_sym(x) then error("gg.op." .. k .. ": expected a symbolic tensor, got " .. describe(x), 2) end
    return Sym[k](x, ...)
  end
end
for _, k in ipairs { "add", "sub", "mul", "div", "maximum", "minimum", "matmul" } do
  op[k] = function(a, b)
    local ok, r = pcall(binary, k, a, b, 0)
    if not ok then error(strip(r), 2) end
    return r
  end
end
function op.concat(list, dim)
  if type(list) ~= "table" or #list < 1 or not is_sym(list[1]) then
    error("gg.op.concat: expected a list of symbolic tensors, got " .. describe(list), 2)
  end
  local b = list[1].b
  return (call(2, function() return wrap(b, node(b, "gg.op.concat", { kind = "concat", dim = dim or 0 }, table.unpack(list))) end))
end
function op.where(cond, a, b)
  if not is_sym(cond) then error("gg.op.where: cond must be a symbolic tensor, got " .. describe(cond), 2) end
  local bld = cond.b
  local function operand(v)
    if is_sym(v) then return v end
    if type(v) == "number" then return const_of(bld, v) end
    error("gg.op.where: operands must be symbolic tensors or numbers, got " .. describe(v), 3)
  end
  local A, B = operand(a), operand(b)
  return (call(2, function() return wrap(bld, node(bld, "gg.op.where", { kind = "where" }, cond, A, B)) end))
end

-- ---- applying specs ----

local apply

-- The position of entry i of a list whose own position is path ("6", "6.2", ...).
local function at(path, i) return path and (path .. "." .. i) or tostring(i) end

-- A list of specs (or Models), applied in order; path: the list's position, nil at the top.
local function apply_list(list, x, where, path)
  for i, s in ipairs(list) do x = apply(s, x, where, at(path, i)) end
  return x
end

-- Specs of models built by gg.nn.sequential, so a model can be nested in another (its
-- structure is copied; the new model is initialised afresh).
M.model_specs = setmetatable({}, { __mode = "k" })

local function quote(s) return (s:gsub("%p", "%%%0")) end

-- Errors from inside a custom layer keep the user's file:line (an op's line); a custom
-- layer's name is added.
local function in_custom(spec, name, f, ...)
  local ok, r = pcall(f, ...)
  if ok then return r end
  local msg = tostring(r)
  if spec.name and not msg:find("custom layer '", 1, true) then
    msg = msg:gsub("^(.-: )", "%1custom layer '" .. spec.name .. "': ", 1)
  end
  error(msg, 0)
end

--[[ apply(spec, x, where, path) -> Sym: spec applied to the Sym x. where names the API call
  for messages ("gg.nn.sequential"), path the spec's position in the user's lists: "3" for
  the third layer, "6.2" for the second layer inside the sixth (a residual or block). Errors
  name that position ("gg.nn.sequential: layer 6.2: conv2d expects 8 input channels ..."). ]]
function apply(spec, x, where, path)
  local name = where .. (path and (": layer " .. path) or "")
  if type(spec) == "userdata" and M.model_specs[spec] then
    return apply_list(M.model_specs[spec], x, where, path)
  end
  if type(spec) ~= "table" then
    error(string.format("%s must be a layer (gg.nn.linear(...), gg.nn.relu(), ...), got %s", name,
      describe(spec)), 0)
  end
  local kind = spec.kind
  if kind == nil and #spec > 0 then return apply_list(spec, x, where, path) end
  if kind == "sequential" then return apply_list(spec.layers, x, where, path) end
  if kind == "residual" then
    local y = apply_list(spec.body, x, where, path)
    local s = x
    if spec.projection then s = apply_list(spec.projection, x, where, path and (path .. ".projection") or "projection") end
    local ys, ss = y:shape(), s:shape()
    if table.concat(ys, ",") ~= table.concat(ss, ",") then
      local function show(t)
        local o = {}
        for i, d in ipairs(t) do o[i] = d == -1 and "B" or tostring(d) end
        return "(" .. table.concat(o, ", ") .. ")"
      end
      error(string.format("%s: residual: the layers give %s but the shortcut %s; %s", name, show(ys),
        show(ss), spec.projection and "make the projection match" or
        "add projection = {...} (e.g. a 1x1 conv or a linear) to map the input"), 0)
    end
    local out = wrap(x.b, node(x.b, where, { kind = "add" }, y, s))
    if spec.activation then out = apply(spec.activation, out, where, path and (path .. ".activation")) end
    return out
  end
  if kind == "custom" then
    local ctx = {
      param = function(p) return wrap(x.b, M.param(x.b, p, 3)) end,
      const = function(shape, values) return wrap(x.b, x.b:const(shape, values)) end,
    }
    local y = in_custom(spec, name, spec.fn, x, ctx)
    if not is_sym(y) or y.b ~= x.b then
      error(string.format("%s: custom layer%s must return a symbolic tensor, got %s", name,
        spec.name and (" '" .. spec.name .. "'") or "", describe(y)), 0)
    end
    return y
  end
  -- A built-in layer: errors name the spec's position in the user's lists.
  local copy = {}
  for k, v in pairs(spec) do copy[k] = v end
  copy._where = where
  if copy.tie ~= nil then copy.weight, copy.tie = M.tied_weight(copy.tie, x.b, name), nil end
  -- Given parameters (weight = p, bias = p: param Syms, e.g. a tied embedding's weight):
  -- passed after the input, in PyTorch's order; the layer creates none.
  local given = {}
  if copy.weight ~= nil or is_sym(copy.bias) then
    local w, bias = copy.weight, copy.bias
    copy.weight = nil
    if not is_sym(w) or w.b ~= x.b then
      error(string.format("%s: weight must be a parameter of this model (nn.param{...} in a custom layer), got %s",
        name, describe(w)), 0)
    end
    given[1] = w.node
    if is_sym(bias) then
      if bias.b ~= x.b then error(name .. ": bias is a parameter of another model", 0) end
      given[2] = bias.node
      copy.bias = nil
      if kind == "linear" or kind == "conv1d" or kind == "conv2d" then copy.bias = true end
    elseif bias ~= false and (kind == "linear" or kind == "conv1d" or kind == "conv2d") then
      error(name .. ": with a given weight, give the bias too (bias = <parameter>) or bias = false", 0)
    end
    copy._shared = true
  end
  local ok, r = pcall(x.b.layer, x.b, copy, x.node, table.unpack(given))
  if not ok then
    local msg = strip(r)
    if path then
      -- The core's "layer N: " counts graph nodes; the user knows the spec's position.
      local rest = msg:match("^" .. quote(where) .. ": layer %d+: (.*)$")
      if rest then
        msg = name .. ": " .. rest
      else  -- option errors come as "<where>: <problem>"
        msg = msg:gsub("^" .. quote(where), name, 1)
      end
    end
    error(msg, 0)
  end
  local w = x.b:input_of(r, 1)
  if w and x.b:kind(w) == "parameter" then  -- what a later layer's tie = spec takes
    M.weights[spec] = M.weights[spec] or setmetatable({}, { __mode = "k" })
    M.weights[spec][x.b] = w
  end
  return wrap(x.b, r)
end
M.apply = apply

--[[ Weight tying by spec: a layer built with {tie = other} (e.g. gg.nn.linear(E, V, {tie =
  emb, bias = false}), GPT's lm_head.weight = wte.weight) is given the weight parameter
  `other` created (or was given) when it was applied, earlier, in the same model. ]]
M.weights = setmetatable({}, { __mode = "k" })  -- spec -> {builder -> weight node}

function M.tied_weight(other, b, name)
  if getmetatable(other) ~= M.Spec then
    error(string.format("%s: tie must be a layer (e.g. the gg.nn.embedding whose weight to share), got %s",
      name, describe(other)), 0)
  end
  local w = M.weights[other] and M.weights[other][b]
  if not w then
    error(string.format("%s: tie: the %s layer must be applied before this one, in the same model",
      name, tostring(other.kind)), 0)
  end
  return wrap(b, w)
end

-- Calling a spec on a Sym applies it: gg.nn.linear(4, 8)(x).
function M.Spec.__call(spec, x, ...)
  if not is_sym(x) then
    error("a layer can be applied to a symbolic tensor only (inside gg.nn.custom or a loss), got "
      .. describe(x), 2)
  end
  return (call(2, apply, spec, x, "gg.nn." .. tostring(spec.kind)))
end

--[[ M.param(b, {shape = {...}, init = ..., requires_grad = true}) -> node ]]
function M.param(b, p, level)
  if type(p) ~= "table" then error("param: expected a table {shape = {...}, init = ...}, got " .. describe(p), level) end
  local shape = p.shape or (#p > 0 and { table.unpack(p) }) or nil
  local spec = { shape = shape, init = p.init, requires_grad = p.requires_grad }
  local ok, r = pcall(b.param, b, spec)
  if not ok then error(strip(r), level) end
  return r
end

return M
