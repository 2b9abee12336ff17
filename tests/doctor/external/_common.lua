--[[ tests/doctor/external/_common.lua — the small helpers the external cases share: Keras's
  defaults written in gglab terms (a Keras `Sequential` of Dense/Activation layers, Keras's
  optimizers and their default learning rates, `model.fit`), and the substituted datasets.
  Not a case (its name starts with "_"; test_external_cases.lua skips it). A case loads it
  with dofile(HERE .. "/_common.lua"), so the case file works from any directory.

  Keras 2 defaults reproduced here (the benchmark programs are Keras 2 / TF 1 scripts):
    Dense(n)                   glorot_uniform kernel, zero bias (gg.nn.linear init "glorot_uniform")
    init='uniform'             RandomUniform(-0.05, 0.05), zero bias
    init='normal'              RandomNormal(0, 0.05), zero bias
    RandomNormal(stddev=1)     N(0, 1) (bias too when bias_initializer says so)
    optimizer='sgd'            SGD(lr=0.01)
    optimizer='adam'           Adam(lr=0.001, epsilon=1e-7)         -> gg.optim.keras_adam
    optimizer='rmsprop'        RMSprop(lr=0.001, rho=0.9, eps=1e-7) -> gg.optim.rmsprop
    fit(batch_size=None)       32, reshuffled every epoch           -> gg.train{keras = true}
  Keras's SGD `decay` (1e-6 per step in these scripts) is left out: over <= a few thousand
  steps it changes the learning rate by < 1 %. ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
M.DATA = M.HERE .. "/../../../experiments/data/"

local INIT = {
  glorot = "glorot_uniform",
  uniform = { "uniform", a = -0.05, b = 0.05, bias_init = "zeros" },
  normal = { "normal", std = 0.05, bias_init = "zeros" },
  randn = { "normal", std = 1, bias_init = "normal" },       -- RandomNormal(stddev=1) kernel and bias
}

local ACT = {
  relu = gg.nn.relu, sigmoid = gg.nn.sigmoid, tanh = gg.nn.tanh, elu = gg.nn.elu,
  softmax = function() return gg.nn.softmax(1) end,
}

--[[ keras(spec) -> a gglab.Model built like a Keras Sequential of Dense layers.
  spec = { inputs, {units, activation, init}, ... }: activation is nil / "linear" (none),
  "relu", "sigmoid", "tanh", "elu" or "softmax"; init is nil (glorot_uniform), "uniform",
  "normal" or "randn"; spec.dropout = {after_layer = p, ...} adds Dropout(p) after that
  Dense's activation. ]]
function M.keras(spec)
  local layers, width = {}, spec[1]
  for i = 2, #spec do
    local d = spec[i]
    local units, act, init = d[1], d[2], d[3]
    local opts = INIT[init or "glorot"]
    if type(opts) == "string" then opts = { init = opts } else
      local o = { init = opts[1] }
      for k, v in pairs(opts) do if type(k) == "string" then o[k] = v end end
      opts = o
    end
    layers[#layers + 1] = gg.nn.linear(width, units, opts)
    if act and act ~= "linear" then layers[#layers + 1] = assert(ACT[act], act)() end
    if spec.dropout and spec.dropout[i - 1] then layers[#layers + 1] = gg.nn.dropout(spec.dropout[i - 1]) end
    width = units
  end
  return gg.nn.sequential(layers)
end

--[[ optimizer(model, name [, opts]) -> Keras's optimizer `name` ("sgd", "adam", "rmsprop")
  with Keras's defaults, opts overriding them (lr, momentum, nesterov). ]]
function M.optimizer(model, name, opts)
  opts = opts or {}
  if name == "sgd" then
    return gg.optim.sgd(model, { lr = opts.lr or 0.01, momentum = opts.momentum or 0,
      nesterov = opts.nesterov or false })
  elseif name == "adam" then
    return gg.optim.keras_adam(model, { lr = opts.lr or 0.001 })
  elseif name == "rmsprop" then
    return gg.optim.rmsprop(model, { lr = opts.lr or 0.001, alpha = 0.9, eps = 1e-7 })
  end
  error("unknown optimizer " .. tostring(name))
end

--[[ fit(run, model, opt, train, val, loss, batch, epochs [, extra]) — Keras's model.fit, logging
  to run; extra: more gg.train options (shuffle = false for fit(shuffle=False)). ]]
function M.fit(run, model, opt, train, val, loss, batch, epochs, extra)
  local o = { model = model, optimizer = opt, data = train, val = val, loss = loss,
    batch_size = batch, epochs = epochs, keras = true, log = run }
  for k, v in pairs(extra or {}) do o[k] = v end
  return gg.train(o)
end

--[[ dataset(xs, ys [, classes]) -> a dataset from Lua tables: xs rows, ys a list of numbers
  (one target column or class indices) or of rows (several target columns). ]]
function M.dataset(xs, ys, classes)
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys), { classes = classes or 0 })
end

--[[ rows(ds) -> xs, ys: a dataset's features and targets as Lua tables (ys a list of rows). ]]
function M.rows(ds)
  return ds:x():totable(), ds:y():totable()
end

local cache = {}
--[[ csv(name [, opts]) -> experiments/data/<name>.csv, read once per process. ]]
function M.csv(name, opts)
  local key = name .. (opts and (opts.target or "") .. tostring(opts.classify) or "")
  if not cache[key] then
    cache[key] = assert(gg.data.csv(M.DATA .. name .. ".csv", opts or { target = "target", classify = true }))
  end
  return cache[key]
end

--[[ head(ds, n) -> the first n rows of ds. ]]
function M.head(ds, n)
  return ds:subset(1, math.min(n, ds:n()))
end

--[[ scaled(ds, factor) -> ds with every feature multiplied by factor. ]]
function M.scaled(ds, factor)
  local cols = {}
  for j = 1, ds:features() do cols[j] = j end
  return ds:scale_features { columns = cols, factor = factor }
end

--[[ standardise(train, val) -> both standardised with the training split's statistics. ]]
function M.standardise(train, val)
  local s = gg.data.standard_scaler(train)
  return s:transform(train), val and s:transform(val)
end

--[[ minmax(train, val) -> both min-max scaled with the training split's statistics. ]]
function M.minmax(train, val)
  local s = gg.data.minmax_scaler(train)
  return s:transform(train), val and s:transform(val)
end

--[[ onehot(ds) -> a regression-shaped copy of a classification dataset whose targets are the
  one-hot rows (for Keras's mse / binary_crossentropy on one-hot targets). ]]
function M.onehot(ds)
  local c = ds:classes()
  local ys = {}
  for i, row in ipairs(ds:y():totable()) do
    local r = {}
    for k = 1, c do r[k] = 0 end
    r[(type(row) == "table" and row[1] or row) + 1] = 1
    ys[i] = r
  end
  return gg.data.from_tensors(ds:x(), gg.tensor(ys))
end

return M
