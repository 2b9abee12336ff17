--[[ lua/gglab/doctor/intervene.lua — single changes to an unmodified experiment, for gglab
  doctor: the hook the doctor registers with gglab.hooks for one run, and the probe.

  An experiment's run function builds its model, optimizer and training call through
  gg.nn.sequential (gg.nn.mlp calls it), gg.optim.<kind> and gg.train, which all consult
  gglab.hooks. While a run executes under M.run, the doctor's hook is registered there:
    - observe: each call is recorded in `seen` (what the run uses: optimizers with lr and
      momentum, layer kinds, loss, batch size, data statistics, validation);
    - change: a fix (a table of hooks, see gglab.doctor.panel) rewrites the call's arguments —
      layers = function(specs) -> specs, optim = function(kind, opts) -> opts,
      lr_scale = number, train = function(opts, seen) -> opts;
    - outcome: after each gg.train call the model is evaluated with the run's ORIGINAL loss
      (before any fix changed it) on its validation data, or on its training data without
      one, and logged as `doctor_outcome` (and `doctor_init` before training), so runs with
      different fixes are compared on one scale.
  The hook is removed when the run returns or raises (errors pass through unchanged, so the
  runner still sees its divergence signal). The gg table is never changed: a script that
  holds `local train = gg.train` is changed all the same.

  M.probe(exp, point) runs the experiment's run function in this process with a hook whose
  gg.train records the call and stops the run right there: what the run would train,
  without training it (scripts that train by hand run in full). ]]
local gg = require "gglab"
local hooks = require "gglab.hooks"
local util = require "gglab.lib.util"
local copy_point = require("gglab.sweep").copy_point

local M = {}

-- Raised by the probe's gg.train to stop a run once its configuration is known.
M.PROBED = setmetatable({}, { __name = "gglab.Probed", __tostring = function() return "probe done" end })

local copy = util.copy
M.copy = copy

-- The loss name of a gg.train loss option ("mse" by default).
function M.loss_name(loss)
  if loss == nil then return "mse" end
  return type(loss) == "table" and loss[1] or loss
end

-- Column means and standard deviations of a dataset's features.
local function feature_stats(ds)
  local x = ds:x():totable()
  local n, d = #x, #x[1]
  local mean, sd = {}, {}
  for j = 1, d do
    local s = 0
    for i = 1, n do s = s + x[i][j] end
    mean[j] = s / n
    local v = 0
    for i = 1, n do v = v + (x[i][j] - mean[j]) ^ 2 end
    sd[j] = math.sqrt(v / math.max(n - 1, 1))
  end
  return mean, sd
end

-- What gg.train is given, as the panel needs it to decide which fixes apply.
local function describe_train(opts)
  local t = { loss = M.loss_name(opts.loss),
    loss_opts = type(opts.loss) == "table" and copy(opts.loss) or nil,
    batch_size = opts.batch_size or 32, epochs = opts.epochs or 1, n = opts.data:n(),
    features = opts.data:features(), classes = opts.data:classes(), l1 = opts.l1 or 0, l2 = opts.l2 or 0,
    clip = opts.clip_norm ~= nil or opts.clip_value ~= nil, scheduler = opts.scheduler ~= nil,
    val = opts.val ~= nil or opts.validation_split ~= nil, early_stopping = opts.early_stopping ~= nil,
    order = opts.order ~= nil, keras = opts.keras == true }
  t.feature_mean, t.feature_sd = feature_stats(opts.data)
  -- Token ids (a token dataset: gg.data.text, sequence, modular, as_tokens): their values
  -- are indices into an embedding, not measurements on a scale.
  t.vocab = opts.data:vocab()
  if t.classes > 1 then t.class_weights = opts.data:class_weights() end
  return t
end

-- Options of linear and conv specs that are structure, not initialisation.
M.STRUCTURE = { kind = true, ["in"] = true, out = true, bias = true, requires_grad = true,
  kernel_size = true, stride = true, padding = true, dilation = true, groups = true }

-- Layer kinds that hold other layers or activations inside them.
M.NESTED = { custom = true, block = true, residual = true, model = true, sequential = true }

-- The model's layer kinds in order, and whether any linear or conv has an explicit init.
local function describe_layers(specs)
  local kinds, init, widths, nested = {}, false, {}, {}
  for i, s in ipairs(specs) do
    kinds[i] = type(s) == "table" and s.kind or "model"
    -- Layers with layers (or gates) of their own, which the layer-rewriting fixes do not reach.
    if M.NESTED[kinds[i]] then nested[#nested + 1] = kinds[i] end
    if type(s) == "table" and (s.kind == "linear" or s.kind == "conv1d" or s.kind == "conv2d") then
      if s.kind == "linear" then widths[#widths + 1] = s.out end
      for k in pairs(s) do
        if not M.STRUCTURE[k] then init = true end
      end
    end
  end
  return { kinds = kinds, init = init, widths = widths, nested = nested }
end

-- Whether layer i of specs is followed by a linear layer (a hidden activation).
function M.is_hidden(specs, i)
  for j = i + 1, #specs do
    if specs[j].kind == "linear" then return true end
  end
  return false
end

-- The validation and training sets gg.train would use (validation_split as it splits).
local function eval_sets(opts)
  if opts.validation_split then
    local train, val = opts.data:split(opts.validation_split, { shuffle = false })
    return train, val
  end
  return opts.data, opts.val
end

-- The doctor's hook (gglab.hooks) for one run: observe into seen, change by fix, log the outcome.
local function hook(fix, ctx, seen)
  local h = {}
  function h.sequential(build, specs, opts)
    local list = specs
    if type(specs) == "table" then
      seen.models[#seen.models + 1] = describe_layers(specs)
      if fix.layers then list = fix.layers(specs) end
    end
    local model = build(list, opts)
    if type(specs) == "table" then
      -- The built graph's first node: an embedding means the inputs are token ids.
      local ok, nodes = pcall(model.layers, model)
      local first = ok and type(nodes) == "table" and nodes[1] or nil
      seen.models[#seen.models].token_input = type(first) == "table" and first.kind == "embedding"
    end
    return model
  end
  function h.optim(make, kind, model, opts)
    local o = opts
    if fix.optim and (opts == nil or type(opts) == "table") then o = fix.optim(kind, copy(opts)) end
    local opt = make(kind, model, o)
    if fix.lr_scale then opt:set_lr(opt:lr() * fix.lr_scale) end
    local mom = type(opts) == "table" and opts.momentum or 0
    seen.optimizers[#seen.optimizers + 1] = { kind = kind, lr = opt:lr() / (fix.lr_scale or 1),
      momentum = type(mom) == "number" and mom or 0,
      weight_decay = type(opts) == "table" and opts.weight_decay or 0 }
    return opt
  end
  function h.train(train, opts)
    if type(opts) ~= "table" or opts.data == nil or opts.model == nil then return train(opts) end
    local info = describe_train(opts)
    seen.trains[#seen.trains + 1] = info
    if ctx.probe then error(M.PROBED, 0) end
    local loss = opts.loss or "mse"
    local o = fix.train and fix.train(copy(opts), info) or opts
    if ctx.diagnostics and o.diagnostics == nil and o.log ~= nil then
      -- Evidence for the doctor: about 100 records and 10 sharpness estimates per run.
      local steps = info.epochs * math.max(1, math.ceil(info.n / math.max(1, info.batch_size)))
      if o == opts then o = copy(opts) end
      o.diagnostics = { every = math.max(1, steps // 100), sharpness_every = math.max(1, steps // 10),
        sharpness_batch = 256, sharpness_iters = 10 }
    end
    -- The outcome: the original loss on the (possibly transformed) validation or training data.
    local train_set, val_set = eval_sets(o)
    local target = val_set or train_set
    local eval_loss = M.loss_name(loss) == "bce" and o.keras and { "bce", keras = true } or loss
    if ctx.log then ctx.log("doctor_init", gg.evaluate(o.model, target, { loss = eval_loss })) end
    if ctx.before_train then ctx.before_train(o, train_set, target, eval_loss) end
    local hist = train(o)
    if ctx.log then
      ctx.log("doctor_outcome", gg.evaluate(o.model, target, { loss = eval_loss }))
      if ctx.after_train then ctx.after_train(o, target) end
      -- Early stopping that restored its best epoch: the model is that epoch's, so the
      -- symptoms read the curves only up to it (gglab.doctor.evidence.symptoms).
      local es = o.early_stopping
      if type(hist) == "table" and hist.best_epoch and type(es) == "table" and es.restore_best ~= false then
        ctx.log("doctor_best_epoch", hist.best_epoch)
      end
    end
    return hist
  end
  return h
end

--[[ run(fix, ctx, fn) -> fn's results: calls fn() with the doctor's hook registered
  (gglab.hooks.with: removed again when fn returns or raises; errors pass through).
  fix: a panel entry's hooks or nil for the unchanged configuration. ctx: { seen = table
  filled with observations, log = function(metric, value) for doctor_init/doctor_outcome,
  probe = true to stop at the first gg.train, diagnostics = true to switch gg.train's
  diagnostics on (logged to the run, when the script passes log = run), before_train =
  function(opts, train_set, eval_set, eval_loss) called just before training, after_train =
  function(opts, eval_set) just after }. ]]
function M.run(fix, ctx, fn)
  local seen = ctx.seen or {}
  seen.optimizers, seen.trains, seen.models = seen.optimizers or {}, seen.trains or {}, seen.models or {}
  return hooks.with(hook(fix or {}, ctx, seen), fn)
end

--[[ probe(exp, point) -> seen: the configuration the point's run would train (see the
  header); raises the run's own error if it fails before reaching gg.train. ]]
function M.probe(exp, point)
  local seen = {}
  local run = { id = "probe", seed = 1, index = 1, params = copy_point(point),
    log = function() end, diverged = function() error(M.PROBED, 0) end }
  local ok, err = pcall(M.run, nil, { seen = seen, probe = true },
    function() return exp.run(copy_point(point), run) end)
  if not ok and err ~= M.PROBED then error(err, 0) end
  return seen
end

return M
