--[[ lua/gglab/checkpoint.lua — saving and loading models as safetensors files with
  PyTorch's state_dict names (docs/lua-api.md, "Saving, loading and checkpoints").

    model:save(path [, {metadata = {key = "text"}}])   write the parameters and buffers
    gg.load(path) -> tensors, info                     name -> gglab.Tensor (F32) or integer
                                                        (I64 scalar); info = {metadata =,
                                                        shapes = {name -> full shape},
                                                        dtypes = {name -> "F32" ...}}
    model:load_state(path [, {strict = true}]) -> {missing =, unexpected =}
    model:load(path)                                   load_state with strict = true
    model:parameter_names() / model:buffer_names()     the names, in parameters() / buffers() order
    gg.checkpoint.save(path, {model =, optimizer =, scheduler =, rng =, step =, epoch =, extra =,
      blobs =}) / gg.checkpoint.load(path, {...})      training checkpoints (bit-identical resume)
    M.train_begin / M.train_save                       gg.train{checkpoint_every = N, log = run}

  Names. A model built by gg.nn.sequential{...} is named as torch.nn.Sequential of the same
  layers: layer i (0-based; activations, pooling, flatten and dropout count) is the prefix,
  then torch's attribute: "0.weight", "0.bias"; a norm's "weight"/"bias" and, with running
  statistics, the buffers "running_mean", "running_var" and "num_batches_tracked"; a
  recurrent layer's "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "..._l1".
  gg.nn.multihead_attention and gg.nn.transformer_encoder_layer get nn.MultiheadAttention's
  and nn.TransformerEncoderLayer's names (torch_layout). Any other layer built of several
  parameterised layers (gg.nn.block, residual, custom, a nested model) names its tensors
  "<i>.<j>.weight" (j the 0-based count of parameterised layers inside it) and its free
  parameters (nn.param) "<i>.param<k>" (gg.nn.gpt: "0.param0", ...). A model not built by
  gg.nn.sequential (a compiled graph) has no layer index: "<j>.weight" with j its layers()
  number (0-based), free parameters "param<k>" (k counts all free parameters).

  num_batches_tracked is torch's int64 scalar; gglab does not count batches (its BatchNorm
  has no momentum = None mode, the only one that reads the count), so save writes 0 and
  load accepts and ignores it. Tensors are stored with their full N-D shapes
  (model:parameter_shapes()); load checks every name and shape before writing anything. ]]
local gg = require "gglab"
local graph = require "gglab.graph"
local st = require "gglab.lib.safetensors"
local describe = require("gglab.lib.args").describe

local M = {}

local RNN = { rnn = true, lstm = true, gru = true }
local RNN_ROLES = { [0] = "weight_ih", "weight_hh", "bias_ih", "bias_hh" }
local ROLES = { [0] = "weight", "bias" }
local BATCHNORM = { batchnorm1d = true, batchnorm2d = true }

-- torch's attribute names, in registration order, of nn.MultiheadAttention with config c
-- (the qk-norm LayerNorms are gglab's: q_norm, k_norm).
local function mha_layout(c, prefix)
  local out = {}
  local function add(n) out[#out + 1] = prefix .. n end
  if c.same_dims then add("in_proj_weight") else
    add("q_proj_weight"); add("k_proj_weight"); add("v_proj_weight")
  end
  if c.bias then add("in_proj_bias") end
  add("out_proj.weight")
  if c.bias then add("out_proj.bias") end
  if c.qk_norm then add("q_norm.weight"); add("q_norm.bias"); add("k_norm.weight"); add("k_norm.bias") end
  return out
end

--[[ The state_dict attribute names of a layer spec made of nn.param parameters that has a
  torch module: gg.nn.multihead_attention (nn.MultiheadAttention) and
  gg.nn.transformer_encoder_layer (nn.TransformerEncoderLayer); nil for others. ]]
local function torch_layout(s)
  if type(s) ~= "table" or s.kind ~= "custom" or type(s.config) ~= "table" then return nil end
  if s.name == "multihead_attention" then return mha_layout(s.config, "") end
  if s.name ~= "transformer_encoder_layer" then return nil end
  local out = mha_layout(s.config, "self_attn.")
  for _, l in ipairs { "linear1", "linear2" } do
    out[#out + 1] = l .. ".weight"
    if s.config.bias then out[#out + 1] = l .. ".bias" end
  end
  for _, n in ipairs { "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias" } do out[#out + 1] = n end
  return out
end

-- The spec index (1-based) of gg.nn.sequential layer list `spec` that built graph node `node`.
local function spec_of(spec, node)
  for i, last in ipairs(spec.ends) do
    if node <= last then return i end
  end
  return #spec.ends
end

--[[ names(model) -> params, buffers, batches: lists of {name =, shape =} in parameters()
  and buffers() order, and the num_batches_tracked names (one per BatchNorm with running
  statistics), in layer order. ]]
local function names(model)
  local owners, nodes, layers = model:parameter_owners(), model:layer_nodes(), model:layers()
  local shapes = model:parameter_shapes()
  local spec = graph.model_specs[model]
  if spec and not spec.ends then spec = nil end
  -- Per spec index (or per model when not sequential): the parameterised layers in order
  -- and the free parameters.
  local groups = {}
  local function group(i)
    groups[i] = groups[i] or { layers = {}, nlayers = 0, free = 0, rnn = 0 }
    return groups[i]
  end
  local prefix_of_layer = {}  -- layer number -> name prefix ("3." or "3.1." or "2.")
  local function layer_prefix(L)
    if prefix_of_layer[L] then return prefix_of_layer[L] end
    local g = group(spec and spec_of(spec, nodes[L]) or 0)
    g.nlayers = g.nlayers + 1
    g.layers[#g.layers + 1] = L
    if RNN[layers[L].kind] then g.rnn = g.rnn + 1 end
    prefix_of_layer[L] = { g = g, j = g.nlayers - 1, rnn = g.rnn - 1 }
    return prefix_of_layer[L]
  end
  -- First pass: which groups are plain (one parameterised layer, or only recurrent ones)
  -- and which layers own parameters or buffers.
  local free_index = {}
  for k, o in ipairs(owners) do
    if o.layer then layer_prefix(o.layer) else
      local g = group(spec and spec_of(spec, o.node) or 0)
      free_index[k] = g.free
      g.free = g.free + 1
    end
  end
  for L, l in ipairs(layers) do
    if BATCHNORM[l.kind] and l.track_running_stats ~= false then layer_prefix(L) end
  end
  local function spec_index(L)
    return spec and spec_of(spec, nodes[L]) or nil
  end
  local function prefix(L)
    local p = prefix_of_layer[L]
    local g = p.g
    local plain = g.free == 0 and (g.nlayers == 1 or g.rnn == g.nlayers)
    local i = spec_index(L)
    if i and plain then return (i - 1) .. "." end
    if i then return (i - 1) .. "." .. p.j .. "." end
    return (L - 1) .. "."
  end
  local params = {}
  for k, o in ipairs(owners) do
    local name
    if o.layer then
      local kind = layers[o.layer].kind
      if RNN[kind] then
        name = prefix(o.layer) .. RNN_ROLES[o.role] .. "_l" .. prefix_of_layer[o.layer].rnn
      else
        name = prefix(o.layer) .. ROLES[o.role]
      end
    elseif spec then
      local i = spec_of(spec, o.node)
      local layout = torch_layout(spec[i])
      local g = groups[i]
      if layout and #layout == g.free and g.nlayers == 0 then
        name = (i - 1) .. "." .. layout[free_index[k] + 1]
      else
        name = (i - 1) .. ".param" .. free_index[k]
      end
    else
      name = "param" .. free_index[k]
    end
    params[k] = { name = name, shape = shapes[k] }
  end
  local buffers, batches = {}, {}
  for L, l in ipairs(layers) do
    if BATCHNORM[l.kind] and l.track_running_stats ~= false then
      local p = prefix(L)
      buffers[#buffers + 1] = { name = p .. "running_mean", shape = { l.num_features } }
      buffers[#buffers + 1] = { name = p .. "running_var", shape = { l.num_features } }
      batches[#batches + 1] = p .. "num_batches_tracked"
    end
  end
  return params, buffers, batches
end

function M.parameter_names(model)
  local params = names(model)
  local out = {}
  for k, p in ipairs(params) do out[k] = p.name end
  return out
end

function M.buffer_names(model)
  local _, buffers, batches = names(model)
  local out = {}
  for k, b in ipairs(buffers) do out[k] = b.name end
  for _, n in ipairs(batches) do out[#out + 1] = n end
  return out
end

-- The state_dict entries of model (parameters, buffers, num_batches_tracked), as
-- safetensors.encode takes them, and the name lists.
local function entries(model)
  local params, buffers, batches = names(model)
  local list = {}
  for k, t in ipairs(model:parameters()) do
    list[#list + 1] = { name = params[k].name, dtype = "F32", shape = params[k].shape, data = t:bytes() }
  end
  for k, t in ipairs(model:buffers()) do
    list[#list + 1] = { name = buffers[k].name, dtype = "F32", shape = buffers[k].shape, data = t:bytes() }
  end
  for _, n in ipairs(batches) do
    list[#list + 1] = { name = n, dtype = "I64", shape = {}, data = string.pack("<i8", 0) }
  end
  return list
end
M.entries = entries

-- Check that metadata is a table of string -> string.
local function check_metadata(f, md, level)
  if md == nil then return {} end
  if type(md) ~= "table" then error(f .. ": metadata must be a table of strings, got " .. describe(md), level + 1) end
  for k, v in pairs(md) do
    if type(k) ~= "string" or type(v) ~= "string" then
      error(string.format("%s: metadata must map strings to strings, got %s = %s", f, describe(k), describe(v)),
        level + 1)
    end
    if k == "format" then error(f .. ": metadata key 'format' is reserved (it is \"pt\")", level + 1) end
  end
  return md
end

-- The fixed metadata of every file gglab writes (the reference writer's "format" = "pt").
local function metadata(md)
  local out = { format = "pt", producer = "gglab" }
  for k, v in pairs(md) do out[k] = v end
  return out
end

local function check_path(f, path, level)
  if type(path) ~= "string" or path == "" then
    error(f .. ": path must be a file name, got " .. describe(path), level + 1)
  end
end

--[[ model:save(path [, {metadata = {key = "text"}}]): the model's state_dict as a
  safetensors file, written atomically. ]]
function M.save(model, path, opts)
  local f = "gglab.Model:save"
  check_path(f, path, 2)
  opts = opts or {}
  if type(opts) ~= "table" then error(f .. ": options must be a table, got " .. describe(opts), 2) end
  for k in pairs(opts) do
    if k ~= "metadata" then error(string.format("%s: unknown option '%s' (allowed: metadata)", f, tostring(k)), 2) end
  end
  local md = metadata(check_metadata(f, opts.metadata, 2))
  local ok, msg = st.write(path, st.encode(entries(model), md))
  if not ok then error(f .. ": " .. msg, 2) end
  return model
end

-- Read and decode path, or raise "<f>: <path>: <what>" at level.
local function read(f, path, level)
  check_path(f, path, level + 1)
  local bytes, msg = st.read(path)
  if not bytes then error(f .. ": cannot read '" .. path .. "': " .. tostring(msg), level + 1) end
  local file, err = st.decode(bytes, path)
  if not file then error(f .. ": " .. err, level + 1) end
  return file
end
M.read = read

-- The 2-D gglab.Tensor of an F32 file tensor: (dim0, rest) as parameters() gives, (1, n)
-- for a 1-D one, (1, 1) for a scalar.
local function to_tensor(t)
  local s = t.shape
  local n = st.numel(s)
  if n == 0 then return nil end
  local rows = #s >= 2 and s[1] or 1
  return gg.tensor_from_bytes(t.data, rows, n // rows)
end

-- An integer tensor's values: an integer for a scalar, else a list.
local function to_integers(t)
  local fmt = ({ I64 = "<i8", U64 = "<I8", I32 = "<i4", U32 = "<I4", I16 = "<i2", U16 = "<I2", I8 = "<i1",
    U8 = "<I1", BOOL = "<I1" })[t.dtype]
  if not fmt then return nil end
  local out, pos = {}, 1
  for i = 1, st.numel(t.shape) do out[i], pos = string.unpack(fmt, t.data, pos) end
  if #t.shape == 0 then return out[1] end
  return out
end

--[[ gg.load(path) -> tensors, info: every tensor of a safetensors file, F32 ones as
  gglab.Tensor (dim0, rest) and integer ones as Lua integers (a scalar) or lists; info =
  {metadata =, shapes =, dtypes =, names = sorted}. Other dtypes (F16, BF16, F64) are an
  error naming the tensor. ]]
function M.load(path)
  local f = "gg.load"
  local file = read(f, path, 2)
  local tensors, info = {}, { metadata = file.metadata, shapes = {}, dtypes = {}, names = file.names }
  for _, name in ipairs(file.names) do
    local t = file.tensors[name]
    if t.dtype == "F32" then
      tensors[name] = to_tensor(t) or false
    else
      tensors[name] = to_integers(t)
      if tensors[name] == nil then
        error(string.format("%s: %s: tensor '%s' has dtype %s; gglab reads F32 and integer tensors (convert "
          .. "with tensor.float() before saving)", f, path, name, t.dtype), 2)
      end
    end
    info.shapes[name], info.dtypes[name] = t.shape, t.dtype
  end
  return tensors, info
end

local function shape_text(s) return "(" .. table.concat(s, ", ") .. ")" end

local function same_shape(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

--[[ model:load_state(path [, {strict = true}]) -> {missing = {...}, unexpected = {...}}:
  copies the file's tensors into the model's parameters and buffers by name. Every name
  the model has must be in the file with the same shape and dtype F32, and strict = true
  (the default) also refuses names the model does not have; nothing is written unless all
  checks pass. With strict = false missing and unexpected names are returned, not raised
  (shapes and dtypes are still checked). num_batches_tracked is optional and ignored. ]]
function M.load_state(model, path, opts, fname, level)
  local f = fname or "gglab.Model:load_state"
  level = level or 2
  opts = opts or {}
  if type(opts) ~= "table" then error(f .. ": options must be a table, got " .. describe(opts), level) end
  for k in pairs(opts) do
    if k ~= "strict" then error(string.format("%s: unknown option '%s' (allowed: strict)", f, tostring(k)), level) end
  end
  local strict = opts.strict
  if strict == nil then strict = true end
  if type(strict) ~= "boolean" then error(f .. ": strict must be a boolean, got " .. describe(strict), level) end
  local file = read(f, path, level)
  local apply, result = M.plan_model(model, file, path, strict, f, level + 1, "")
  apply()
  return result
end

--[[ plan_model(model, file, path, strict, f, level, prefix) -> apply, {missing, unexpected}:
  checks the decoded file's tensors named prefix .. <model name> against the model (raising
  at level, as load_state describes) and returns the function that copies them in. ]]
function M.plan_model(model, file, path, strict, f, level, prefix)
  local params, buffers, batches = names(model)
  local known, missing, unexpected = {}, {}, {}
  local function check(entry)
    known[prefix .. entry.name] = true
    local t = file.tensors[prefix .. entry.name]
    if not t then
      missing[#missing + 1] = entry.name
      return
    end
    if t.dtype ~= "F32" then
      error(string.format("%s: %s: tensor '%s' has dtype %s, the model needs F32", f, path, prefix .. entry.name,
        t.dtype),
        level + 1)
    end
    if not same_shape(t.shape, entry.shape) then
      error(string.format("%s: %s: tensor '%s' has shape %s, the model's is %s", f, path, prefix .. entry.name,
        shape_text(t.shape), shape_text(entry.shape)), level + 1)
    end
  end
  for _, e in ipairs(params) do check(e) end
  for _, e in ipairs(buffers) do check(e) end
  for _, n in ipairs(batches) do
    known[prefix .. n] = true
    local t = file.tensors[prefix .. n]
    if t and (t.dtype ~= "I64" or #t.shape ~= 0) then
      error(string.format("%s: %s: tensor '%s' must be an I64 scalar, got %s %s", f, path, prefix .. n, t.dtype,
        shape_text(t.shape)), level)
    end
  end
  for _, name in ipairs(file.names) do
    if name:sub(1, #prefix) == prefix and not known[name] then unexpected[#unexpected + 1] = name end
  end
  if strict and #missing > 0 then
    error(string.format("%s: %s: missing tensor '%s'%s (the model's names: model:parameter_names())", f, path,
      missing[1], #missing > 1 and string.format(" and %d more", #missing - 1) or ""), level)
  end
  if strict and #unexpected > 0 then
    error(string.format("%s: %s: unexpected tensor '%s'%s: the model has no such parameter or buffer", f, path,
      unexpected[1], #unexpected > 1 and string.format(" and %d more", #unexpected - 1) or ""), level)
  end
  local function fill(list, current)
    for k, e in ipairs(list) do
      local t = file.tensors[prefix .. e.name]
      if t then current[k] = to_tensor(t) end
    end
    return current
  end
  return function()
    if #params > 0 then model:load_parameters(fill(params, model:parameters())) end
    if #buffers > 0 then model:load_buffers(fill(buffers, model:buffers())) end
  end, { missing = missing, unexpected = unexpected }
end

function M.load_model(model, path)
  M.load_state(model, path, { strict = true }, "gglab.Model:load", 3)
  return model
end

-- ---- training checkpoints: gg.checkpoint.save / load ----

-- Exact text of a number: integers as %d, floats as hexadecimal (%a; tonumber reads it
-- back to the same double), non-finite ones by name.
local function num2str(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  return string.format("%a", x)
end

local function str2num(s)
  if s == "nan" then return 0 / 0 end
  if s == "inf" then return math.huge end
  if s == "-inf" then return -math.huge end
  return tonumber(s)
end

-- An Rng state (4 integers) as U64 bytes and back.
local function rng_entry(name, state)
  return { name = name, dtype = "U64", shape = { 4 }, data = string.pack("<i8<i8<i8<i8", table.unpack(state)) }
end

-- Flatten a scheduler state_dict into metadata "scheduler.<field>" ("scheduler.children.1.lr").
local function flatten(prefix, t, out)
  for k, v in pairs(t) do
    local key = prefix .. "." .. tostring(k)
    if type(v) == "table" then flatten(key, v, out)
    elseif type(v) == "string" then out[key] = v
    else out[key] = num2str(v) end
  end
end

local CKPT_KEYS = { "model", "optimizer", "scheduler", "rng", "step", "epoch", "extra", "blobs" }

local function check_keys(f, opts, allowed, level)
  if type(opts) ~= "table" then error(f .. ": options must be a table, got " .. describe(opts), level + 1) end
  local set = {}
  for _, k in ipairs(allowed) do set[k] = true end
  for k in pairs(opts) do
    if not set[k] then
      error(string.format("%s: unknown option '%s' (allowed: %s)", f, tostring(k), table.concat(allowed, ", ")),
        level + 1)
    end
  end
end

local function is(v, class)
  local mt = getmetatable(v)
  return type(v) == "userdata" and type(mt) == "table" and rawget(mt, "__name") == class
end

-- opts.rng as a sorted list of {name, rng}: one gglab.Rng is named "rng".
local function rng_list(f, v, level)
  if v == nil then return {} end
  if is(v, "gglab.Rng") then return { { "rng", v } } end
  if type(v) ~= "table" then
    error(f .. ": rng must be a gglab.Rng or a table of them, got " .. describe(v), level + 1)
  end
  local out = {}
  for k, r in pairs(v) do
    if type(k) ~= "string" or not k:match("^[%w_]+$") or not is(r, "gglab.Rng") then
      error(string.format("%s: rng must map names (letters, digits, _) to gglab.Rng, got %s = %s", f, describe(k),
        describe(r)), level + 1)
    end
    out[#out + 1] = { k, r }
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

local function check_objects(f, opts, level)
  if opts.model ~= nil and not is(opts.model, "gglab.Model") then
    error(f .. ": model must be a gglab.Model, got " .. describe(opts.model), level + 1)
  end
  if opts.optimizer ~= nil and not is(opts.optimizer, "gglab.Optim") then
    error(f .. ": optimizer must be a gglab.Optim, got " .. describe(opts.optimizer), level + 1)
  end
  if opts.scheduler ~= nil and not is(opts.scheduler, "gglab.Sched") then
    error(f .. ": scheduler must be a gglab.Sched, got " .. describe(opts.scheduler), level + 1)
  end
end

--[[ gg.checkpoint.save(path, {model =, optimizer =, scheduler =, rng = r | {name = r, ...},
  step =, epoch =, extra = {...}}): one safetensors file with everything a run needs to
  continue bit-identically: the model's state_dict ("model.<name>") and its dropout
  generator, the optimizer's buffers ("optimizer.<exp_avg ...>", flat over the parameters)
  with its step count, lr and momentum, the scheduler's state (sequential: its children's
  too), the given generators and the default one ("rng.<name>", U64 x 4), step, epoch and
  extra (JSON). Numbers in the metadata are exact (floats in hexadecimal). ]]
function M.checkpoint_save(path, opts)
  local f = "gg.checkpoint.save"
  check_path(f, path, 2)
  check_keys(f, opts, CKPT_KEYS, 2)
  check_objects(f, opts, 2)
  local rngs = rng_list(f, opts.rng, 2)
  for _, k in ipairs({ "step", "epoch" }) do
    if opts[k] ~= nil and (math.type(opts[k]) ~= "integer" or opts[k] < 0) then
      error(string.format("%s: %s must be an integer >= 0, got %s", f, k, describe(opts[k])), 2)
    end
  end
  if opts.extra ~= nil and type(opts.extra) ~= "table" then
    error(f .. ": extra must be a table, got " .. describe(opts.extra), 2)
  end
  local list, md = {}, { ["gglab.checkpoint"] = "1", producer = "gglab" }
  if opts.model then
    for _, e in ipairs(entries(opts.model)) do
      e.name = "model." .. e.name
      list[#list + 1] = e
    end
    list[#list + 1] = rng_entry("model_dropout_rng", opts.model:dropout_rng_state())
    md.model = "1"
  end
  if opts.optimizer then
    local ost = opts.optimizer:state_dict()
    local bnames = {}
    for name in pairs(ost.buffers) do bnames[#bnames + 1] = name end
    table.sort(bnames)
    for _, name in ipairs(bnames) do
      local t = ost.buffers[name]
      list[#list + 1] = { name = "optimizer." .. name, dtype = "F32", shape = { t:cols() }, data = t:bytes() }
    end
    md["optimizer.kind"], md["optimizer.steps"] = ost.kind, num2str(ost.steps)
    md["optimizer.started"], md["optimizer.lr"] = tostring(ost.started), num2str(ost.lr)
    if ost.momentum then md["optimizer.momentum"] = num2str(ost.momentum) end
  end
  if opts.scheduler then flatten("scheduler", opts.scheduler:state_dict(), md) end
  for _, r in ipairs(rngs) do list[#list + 1] = rng_entry("rng." .. r[1], r[2]:get_state()) end
  list[#list + 1] = rng_entry("rng_default", gg.get_rng_state())
  if opts.step then md.step = num2str(opts.step) end
  if opts.epoch then md.epoch = num2str(opts.epoch) end
  if opts.extra then md.extra = require("gglab.lib.json").compact(opts.extra, true) end
  if opts.blobs ~= nil then
    if type(opts.blobs) ~= "table" then
      error(f .. ": blobs must be a table of strings, got " .. describe(opts.blobs), 2)
    end
    local bnames = {}
    for k, v in pairs(opts.blobs) do
      if type(k) ~= "string" or type(v) ~= "string" then
        error(string.format("%s: blobs must map names to strings, got %s = %s", f, describe(k), describe(v)), 2)
      end
      bnames[#bnames + 1] = k
    end
    table.sort(bnames)
    for _, k in ipairs(bnames) do
      list[#list + 1] = { name = "blob." .. k, dtype = "U8", shape = { #opts.blobs[k] }, data = opts.blobs[k] }
    end
  end
  local ok, msg = st.write(path, st.encode(list, md))
  if not ok then error(f .. ": " .. msg, 2) end
end

-- Unflatten metadata "<prefix>.a.b" into a table (integer-looking segments as integers).
local function unflatten(prefix, md)
  local out
  for k, v in pairs(md) do
    if k:sub(1, #prefix + 1) == prefix .. "." then
      out = out or {}
      local t, parts = out, {}
      for seg in k:sub(#prefix + 2):gmatch("[^.]+") do parts[#parts + 1] = tonumber(seg) or seg end
      for i = 1, #parts - 1 do
        t[parts[i]] = t[parts[i]] or {}
        t = t[parts[i]]
      end
      t[parts[#parts]] = parts[#parts] == "kind" and v or str2num(v)
    end
  end
  return out
end

local function rng_state(file, name)
  local t = file.tensors[name]
  if not t or t.dtype ~= "U64" or #t.shape ~= 1 or t.shape[1] ~= 4 then return nil end
  local a, b, c, d = string.unpack("<i8<i8<i8<i8", t.data)
  return { a, b, c, d }
end

--[[ gg.checkpoint.load(path, {model =, optimizer =, scheduler =, rng =}) -> {step =, epoch =,
  extra =}: restores into the given (freshly built) objects what save stored, and the
  default generator. Every part is checked first (names, shapes, optimizer kind and
  buffers, scheduler kind, generator names): on an error nothing has been changed. ]]
function M.checkpoint_load(path, opts)
  local f = "gg.checkpoint.load"
  opts = opts or {}
  check_keys(f, opts, { "model", "optimizer", "scheduler", "rng" }, 2)
  check_objects(f, opts, 2)
  local rngs = rng_list(f, opts.rng, 2)
  local file = read(f, path, 2)
  local md = file.metadata
  local function bad(fmt, ...) error(string.format("%s: %s: " .. fmt, f, path, ...), 3) end
  if md["gglab.checkpoint"] ~= "1" then bad("not a gglab checkpoint (no gglab.checkpoint metadata)") end
  local steps = {}
  if opts.model then
    if md.model ~= "1" then bad("the checkpoint has no model") end
    local apply = M.plan_model(opts.model, file, path, true, f, 3, "model.")
    local dr = rng_state(file, "model_dropout_rng")
    if not dr then bad("the checkpoint has no model_dropout_rng") end
    steps[#steps + 1] = apply
    steps[#steps + 1] = function() opts.model:set_dropout_rng_state(dr) end
  end
  if opts.optimizer then
    local cur = opts.optimizer:state_dict()
    if md["optimizer.kind"] == nil then bad("the checkpoint has no optimizer") end
    if md["optimizer.kind"] ~= cur.kind then
      bad("the optimizer is %s, the checkpoint's is %s", cur.kind, md["optimizer.kind"])
    end
    local st = { kind = cur.kind, steps = str2num(md["optimizer.steps"]), started = md["optimizer.started"] == "true",
      lr = str2num(md["optimizer.lr"] or ""), momentum = md["optimizer.momentum"] and str2num(md["optimizer.momentum"]),
      buffers = {} }
    for name, t in pairs(cur.buffers) do
      local e = file.tensors["optimizer." .. name]
      if not e or e.dtype ~= "F32" or #e.shape ~= 1 or e.shape[1] ~= t:cols() then
        bad("tensor 'optimizer.%s' must be F32 of shape (%d) (the optimizer's %s)", name, t:cols(), name)
      end
      st.buffers[name] = gg.tensor_from_bytes(e.data, 1, t:cols())
    end
    for _, name in ipairs(file.names) do
      if name:match("^optimizer%.") and not cur.buffers[name:sub(11)] then
        bad("unexpected tensor '%s': the optimizer has no such state (momentum, amsgrad or centered differ)", name)
      end
    end
    steps[#steps + 1] = function() opts.optimizer:load_state_dict(st) end
  end
  if opts.scheduler then
    local st = unflatten("scheduler", md)
    if not st then bad("the checkpoint has no scheduler") end
    local cur = opts.scheduler:state_dict()
    local function same(a, b, where)
      if a.kind ~= b.kind then bad("the scheduler%s is %s, the checkpoint's is %s", where, a.kind, tostring(b.kind)) end
      if #(a.children or {}) ~= #(b.children or {}) then
        bad("the scheduler%s has another number of children", where)
      end
      for i, c in ipairs(a.children or {}) do same(c, b.children[i], where .. " child " .. i) end
    end
    same(cur, st, "")
    steps[#steps + 1] = function() opts.scheduler:load_state_dict(st) end
  end
  for _, r in ipairs(rngs) do
    local s = rng_state(file, "rng." .. r[1])
    if not s then bad("the checkpoint has no generator '%s'", r[1]) end
    steps[#steps + 1] = function() r[2]:set_state(s) end
  end
  local def = rng_state(file, "rng_default")
  if not def then bad("the checkpoint has no rng_default") end
  steps[#steps + 1] = function() gg.set_rng_state(def) end
  local extra
  if md.extra then
    local json = require "gglab.lib.json"
    local msg
    extra, msg = json.decode(md.extra)
    if extra == nil then bad("extra is not valid JSON (%s)", msg) end
  end
  local blobs = {}
  for _, name in ipairs(file.names) do
    local b = name:match("^blob%.(.+)$")
    if b then blobs[b] = file.tensors[name].data end
  end
  for _, step in ipairs(steps) do step() end
  return { step = md.step and str2num(md.step), epoch = md.epoch and str2num(md.epoch), extra = extra, blobs = blobs }
end

-- ---- gg.train{checkpoint_every = N, log = run} (lua/gglab/train.lua calls these) ----

local NO_EPOCH = math.mininteger
local tensors_of

--[[ pack_value(v, parts) / unpack_value(s, pos) -> v, pos: the training history (nested
  tables of numbers, booleans and strings under string or integer keys) as bytes, every
  number exactly (doubles as "<d", integers as "<j"), keys in sorted order so that the same
  history gives the same bytes. Lists of curves, per-class vectors, metrics and state:log
  curves all come back as they were. ]]
local function pack_value(v, parts)
  local t = type(v)
  if math.type(v) == "integer" then parts[#parts + 1] = string.pack("<c1j", "i", v)
  elseif t == "number" then parts[#parts + 1] = string.pack("<c1d", "d", v)
  elseif t == "boolean" then parts[#parts + 1] = v and "T" or "F"
  elseif t == "string" then parts[#parts + 1] = string.pack("<c1s4", "s", v)
  elseif t == "table" then
    local keys = {}
    for k in pairs(v) do
      if type(k) == "string" or math.type(k) == "integer" then keys[#keys + 1] = k end
    end
    table.sort(keys, function(a, b)
      if type(a) ~= type(b) then return type(a) == "number" end
      return a < b
    end)
    local n = 0
    for _, k in ipairs(keys) do
      local kind = type(v[k])
      if kind == "number" or kind == "boolean" or kind == "string" or kind == "table" then n = n + 1 end
    end
    parts[#parts + 1] = string.pack("<c1j", "t", n)
    for _, k in ipairs(keys) do
      local kind = type(v[k])
      if kind == "number" or kind == "boolean" or kind == "string" or kind == "table" then
        pack_value(k, parts)
        pack_value(v[k], parts)
      end
    end
  end
end

local function unpack_value(s, pos)
  local tag = s:sub(pos, pos)
  if tag == "i" then return string.unpack("<j", s, pos + 1)
  elseif tag == "d" then return string.unpack("<d", s, pos + 1)
  elseif tag == "T" then return true, pos + 1
  elseif tag == "F" then return false, pos + 1
  elseif tag == "s" then return string.unpack("<s4", s, pos + 1)
  elseif tag == "t" then
    local n
    n, pos = string.unpack("<j", s, pos + 1)
    local t = {}
    for _ = 1, n do
      local k, v
      k, pos = unpack_value(s, pos)
      v, pos = unpack_value(s, pos)
      t[k] = v
    end
    return t, pos
  end
  error("gg.checkpoint: the checkpoint's training history is damaged (byte " .. pos .. ")", 0)
end

-- Tensors as {rows, cols, bytes} records for pack_value, and back.
local function records_of(list)
  local out = {}
  for i, t in ipairs(list) do
    local r, c = t:shape()
    out[i] = { r, c, t:bytes() }
  end
  return out
end

tensors_of = function(list)
  local out = {}
  for i, rec in ipairs(list) do out[i] = gg.tensor_from_bytes(rec[3], rec[1], rec[2]) end
  return out
end

--[[ train_begin(opts, run, rng, every) -> ck, first_epoch, step, restored_hist, es: the
  checkpoint state of one gg.train call. When the runner re-executes an unfinished run
  whose checkpoint exists (--resume), loads it into opts' model, optimizer and scheduler,
  the shuffling generator rng (or the default one) and returns the history, the step and
  the epoch to continue from, after logging the checkpoint's curve rows again, and the
  early-stopping state {best =, waited =, params =, buffers =} when one was saved. ]]
function M.train_begin(opts, run, rng, every)
  local c = run:_checkpointing()
  local ck = { path = c.path, every = every }
  if not c.resume then return ck, 1, 0, nil end
  local info = M.checkpoint_load(c.path, { model = opts.model, optimizer = opts.optimizer,
    scheduler = opts.scheduler, rng = rng and { shuffle = rng } or nil })
  local hist = info.blobs.hist and unpack_value(info.blobs.hist, 1) or {}
  local rows, s, pos = {}, info.blobs.rows or "", 1
  while pos <= #s do
    local metric, value, step, epoch
    metric, value, step, epoch, pos = string.unpack("<s2di8i8", s, pos)
    rows[#rows + 1] = { metric, value, step, epoch ~= NO_EPOCH and epoch or nil }
  end
  run:_replay(rows)
  local es = info.blobs.early_stopping and unpack_value(info.blobs.early_stopping, 1) or nil
  if es then
    es.params, es.buffers = es.params and tensors_of(es.params), es.buffers and tensors_of(es.buffers)
  end
  return ck, info.epoch + 1, info.step, hist, es
end

-- train_save(ck, opts, run, rng, hist, epoch, step, es): the checkpoint after `epoch` when it
-- is a multiple of ck.every; es is gg.train's early-stopping state (nil without it).
function M.train_save(ck, opts, run, rng, hist, epoch, step, es)
  if epoch % ck.every ~= 0 then return end
  local parts = {}
  for i, r in ipairs(run:_recorded_rows()) do
    parts[i] = string.pack("<s2di8i8", r[1], r[2], r[3], r[4] or NO_EPOCH)
  end
  local blobs = { rows = table.concat(parts) }
  local packed = {}
  pack_value(hist, packed)
  blobs.hist = table.concat(packed)
  if es then
    packed = {}
    pack_value({ best = es.best, waited = es.waited, params = es.params and records_of(es.params),
      buffers = es.buffers and records_of(es.buffers) }, packed)
    blobs.early_stopping = table.concat(packed)
  end
  M.checkpoint_save(ck.path, { model = opts.model, optimizer = opts.optimizer, scheduler = opts.scheduler,
    rng = rng and { shuffle = rng } or nil, step = step, epoch = epoch, blobs = blobs })
end

-- Install the methods on gglab.Model and gg.load.
do
  local methods = gg._model_methods
  methods.save = M.save
  methods.load_state = function(model, path, opts)
    local r = M.load_state(model, path, opts, nil, 3)  -- not a tail call: level 3 is the caller's line
    return r
  end
  methods.load = M.load_model
  methods.parameter_names = M.parameter_names
  methods.buffer_names = M.buffer_names
  gg.load = M.load
  gg.checkpoint = { save = M.checkpoint_save, load = M.checkpoint_load }
end

return M
