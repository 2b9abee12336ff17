--[[ lua/gglab/doctor/intervene.lua — single changes to an unmodified experiment, for gglab
  doctor: the hook the doctor registers with gglab.hooks for one run, and the probe.

  An experiment's run function builds its model, optimizer and training call through
  gg.nn.sequential (gg.nn.mlp calls it), gg.optim.<kind> and gg.train, which all consult
  gglab.hooks. While a run executes under M.run, the doctor's hook is registered there:
    - observe: each call is recorded in `seen` (what the run uses: optimizers with lr and
      momentum, layer kinds, loss, batch size, data statistics, validation);
    - change: a fix (a table of hooks, see gglab.doctor.panel) rewrites the call's arguments —
      layers = function(specs) -> specs, optim = function(kind, opts) -> opts [, kind] (a second
      result builds another optimizer kind, e.g. "adamw"), model = function(kind, args) -> kind
      (gglab.hooks' "model" point: args the constructor's arguments, its options table a copy the
      fix may change; the kind returned is built, e.g. "lstm" for "rnn"; the constructors called
      are recorded in seen.layers: describe_model),
      optimizer = function(opt) (called with each optimizer built, e.g. opt:set_zero_after_step),
      lr_scale = number, train = function(opts, info) -> opts [, post] (post.targets =
      {mean = {...}, sd = {...}}: the fix mapped the targets y -> (y - mean) / sd, and the
      outcome maps predictions and targets back: M.unscaled_loss; post.eval = a dataset: the
      fix recoded the targets (one-hot rows -> class indices) and the outcome is taken on
      this dataset, the original validation or training rows);
    - outcome: after each gg.train call the model is evaluated with the run's ORIGINAL loss
      (before any fix changed it) on its validation data, or on its training data without
      one, and logged as `doctor_outcome` (and `doctor_init` before training), so runs with
      different fixes are compared on one scale.
  The hook is removed when the run returns or raises (errors pass through unchanged, so the
  runner still sees its divergence signal). The gg table is never changed: a script that
  holds `local train = gg.train` is changed all the same.

  M.probe(exp, point) runs the experiment's run function in this process with a hook whose
  gg.train records the call and stops the run right there: what the run would train,
  without training it (scripts that train by hand run in full). The probe also records what
  the panel's preconditions read: the data's statistics (data_stats below: feature span and
  spread, task kind, target range, scale and outlier share) and the model's initial weights
  (describe_init: variance against PyTorch's default, largest bias). ]]
local gg = require "gglab"
local hooks = require "gglab.hooks"
local util = require "gglab.lib.util"
local copy_point = require("gglab.sweep").copy_point
local run_methods = require("gglab.engine.runner").run_methods

local M = {}

-- Raised by the probe's gg.train to stop a run once its configuration is known.
M.PROBED = setmetatable({}, { __name = "gglab.Probed", __tostring = function() return "probe done" end })

local copy = util.copy
M.copy = copy

-- The loss name of a gg.train loss option ("mse" by default).
function M.loss_name(loss)
  if loss == nil then return "mse" end
  local name = type(loss) == "table" and loss[1] or loss
  -- a loss function of the user's own (gg.train takes one): no fix rewrites it
  if type(name) ~= "string" then return "custom" end
  return name
end

-- Column means and standard deviations of a dataset's features (gglab.Dataset:feature_stats:
-- double sums over the rows in order, the sample sd).
local function feature_stats(ds) return ds:feature_stats() end

-- The validation and training sets gg.train would use (validation_split as it splits).
local function eval_sets(opts)
  if opts.validation_split then
    local train, val = opts.data:split(opts.validation_split, { shuffle = false })
    return train, val
  end
  return opts.data, opts.val
end

--[[ explicit_val(opts) -> train, val: gg.train's options (a copy a fix may change) with a
  validation_split turned into an explicit val set, split as gg.train would (the last share,
  unshuffled), so that a fix can transform the two sets; opts.data/opts.val are set to them and
  opts.validation_split is cleared. ]]
function M.explicit_val(opts)
  local train, val = eval_sets(opts)
  opts.data, opts.val, opts.validation_split = train, val, nil
  return train, val
end

local function median_of(xs)
  local s = table.move(xs, 1, #xs, 1, {})
  table.sort(s)
  local n = #s
  if n == 0 then return 0 end
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
end

--[[ set_difference(mean, sd, vmean, vsd) -> scale, shift: how a second set's features (vmean,
  vsd: per-feature means and sds, e.g. the validation rows') differ from the first's (mean, sd:
  the training rows'), over the features that vary in both (sd > 1e-12): scale = the median of
  vsd / sd, shift = the median of |vmean - mean| / sd. Two samples of one population give
  scale ~1 and shift ~0; a set scaled by another factor (x / 255 forgotten) gives that
  factor. nil, nil when no feature varies in both. ]]
function M.set_difference(mean, sd, vmean, vsd)
  local ratios, shifts = {}, {}
  for j = 1, math.min(#sd, #vsd) do
    if sd[j] > 1e-12 and vsd[j] > 1e-12 then
      ratios[#ratios + 1] = vsd[j] / sd[j]
      shifts[#shifts + 1] = math.abs(vmean[j] - mean[j]) / sd[j]
    end
  end
  if #ratios == 0 then return nil, nil end
  return median_of(ratios), median_of(shifts)
end

--[[ split_stats(t, train, val): how the validation rows' targets differ from the training
  rows' (t: the probe's gg.train record, filled in place, after data_stats(t, train): its
  target_mean / target_sd are the training rows'; with validation_split too, which takes the
  last rows unshuffled, as Keras does):
    val_unseen        (class labels) the share of validation rows whose class no training row has
    val_class_tv      (class labels) the total variation distance between the two sets' class
                      frequencies (0: the same shares, 1: no class in common)
    val_target_shift  (regression targets) the largest |validation mean - training mean| of a
                      target column, in training sds
  Two random parts of one set give val_unseen ~0, val_class_tv and val_target_shift near
  1/sqrt(validation rows); rows sorted by class or target and split at the end give ~1. ]]
function M.split_stats(t, train, val)
  local vy = val:y():totable()
  if train:n() == 0 or #vy == 0 then return end
  if train:classes() > 1 then
    local ty, ct, cv = train:y():totable(), {}, {}
    for _, row in ipairs(ty) do ct[row[1]] = (ct[row[1]] or 0) + 1 end
    for _, row in ipairs(vy) do cv[row[1]] = (cv[row[1]] or 0) + 1 end
    local unseen, tv = 0, 0
    for c, k in pairs(cv) do
      if not ct[c] then unseen = unseen + k end
    end
    local all = util.copy(ct)
    for c in pairs(cv) do all[c] = true end
    for c in pairs(all) do tv = tv + math.abs((ct[c] or 0) / #ty - (cv[c] or 0) / #vy) end
    t.val_unseen, t.val_class_tv = unseen / #vy, tv / 2
    return
  end
  if not t.target_mean then return end
  local shift = 0
  for j, mean in ipairs(t.target_mean) do
    local sv, sd = 0, t.target_sd[j]
    for _, row in ipairs(vy) do sv = sv + row[j] end
    if sd > 0 then shift = math.max(shift, math.abs(sv / #vy - mean) / sd) end
  end
  t.val_target_shift = shift
end

--[[ reshuffle(train, val) -> train2, val2: the rows of both sets shuffled together (a fixed
  permutation, seed 1) and split again into parts of the same sizes — the split a user
  gets by shuffling before splitting. Keeps the classes and the sample shape. ]]
function M.reshuffle(train, val)
  local x, y = train:x():totable(), train:y():totable()
  local nt = #x
  for _, row in ipairs(val:x():totable()) do x[#x + 1] = row end
  for _, row in ipairs(val:y():totable()) do y[#y + 1] = row end
  local classes = train:classes()
  local all = gg.data.from_tensors(gg.tensor(x), gg.tensor(y), classes > 1 and { classes = classes } or nil)
  local shape = train:shape()
  if type(shape) == "table" and #shape > 1 then all = all:reshape(shape) end
  -- ds:split gives its first part floor(n (1 - f)) rows: f = (rows of val - 1/2) / n keeps nt
  return all:split((#x - nt - 0.5) / #x, { shuffle = true, seed = 1 })
end

--[[ like_train(train, val) -> val with each feature mapped affinely onto the training rows'
  mean and sd, x' = mean + (x - vmean) * sd / vsd (a feature constant in either set: the
  median sd ratio instead): what applying the training preprocessing to the validation rows
  gives when the two differ by a per-feature scale and shift. Keeps val's targets, classes
  and sample shape. ]]
function M.like_train(train, val)
  local mean, sd = feature_stats(train)
  local vmean, vsd = feature_stats(val)
  local ratios = {}
  for j = 1, #sd do
    if sd[j] > 1e-12 and vsd[j] > 1e-12 then ratios[#ratios + 1] = sd[j] / vsd[j] end
  end
  local global = #ratios > 0 and median_of(ratios) or 1
  local rows = val:x():totable()
  for _, row in ipairs(rows) do
    for j, v in ipairs(row) do
      local g = (sd[j] > 1e-12 and vsd[j] > 1e-12) and sd[j] / vsd[j] or global
      row[j] = mean[j] + (v - vmean[j]) * g
    end
  end
  local ds = gg.data.from_tensors(gg.tensor(rows), val:y(), { classes = val:classes() })
  local shape = val:shape()
  if type(shape) == "table" and #shape > 1 then ds = ds:reshape(shape) end
  return ds
end

--[[ class_indices(ds) -> ds with its one-hot target rows recoded as class indices (the column
  of each row's largest entry, 0-based; `classes` = the number of columns), same features and
  sample shape: what categorical cross-entropy reads. ]]
function M.class_indices(ds)
  local y = ds:y():totable()
  local k = #(y[1] or {})
  local idx = {}
  for i, row in ipairs(y) do
    local best = 1
    for j = 2, k do if row[j] > row[best] then best = j end end
    idx[i] = best - 1
  end
  local out = gg.data.from_tensors(ds:x(), gg.tensor(idx), { classes = k })
  local shape = ds:shape()
  if type(shape) == "table" and #shape > 1 then out = out:reshape(shape) end
  return out
end

-- A target is an outlier when it lies more than OUTLIER_K robust standard deviations
-- (1.4826 x the median absolute deviation) from its column's median: beyond 5 such sds a
-- normal sample has fewer than one row in a million.
M.OUTLIER_K = 5

--[[ The probe's statistics of the data a fix's precondition reads (t: the gg.train record,
  filled in place; train: the training rows):
    feature_span      max |x| over the training rows
    feature_scale     the largest |mean| or standard deviation of a feature
    feature_spread    largest / smallest standard deviation of the non-constant features
    task              "labels" (class indices), "binary" (every target 0 or 1), "unit" (every
                      target in [0, 1]) or "real"
    val_scale, val_shift  (an explicit validation set) M.set_difference of its features from
                      the training rows': median sd ratio and median mean shift in training sds
    label_classes     (class labels) how many classes occur in the training rows
    onehot            binary targets of several columns with exactly one 1 per row (exclusive
                      classes written one-hot); false for one column or multi-label rows
    target_min, target_max, target_mean[j], target_sd[j], target_median[j], target_rsd[j]
                      (regression targets; rsd: the robust sd, 1.4826 x the MAD)
    target_outliers   share of rows with a target beyond M.OUTLIER_K robust sds of its
                      column's median (regression targets)
    target_below0, target_above1, target_below_m1
                      (regression targets) the shares of target values below 0, above 1 and
                      below -1: what a sigmoid, tanh or ReLU output cannot reach ]]
local function data_stats(t, train, val)
  local x = train:x():totable()
  local span = 0
  for _, row in ipairs(x) do
    for _, v in ipairs(row) do span = math.max(span, math.abs(v)) end
  end
  t.feature_span = span
  local mean, sd = feature_stats(train)
  local lo, hi, scale = math.huge, 0, 0
  for j, s in ipairs(sd) do
    if s > 1e-12 then lo, hi = math.min(lo, s), math.max(hi, s) end
    scale = math.max(scale, s, math.abs(mean[j]))
  end
  t.feature_scale = scale
  t.feature_spread = hi > 0 and hi / lo or 1
  if val then t.val_scale, t.val_shift = M.set_difference(mean, sd, feature_stats(val)) end
  if t.classes > 1 then
    t.task, t.target_min, t.target_max = "labels", 0, t.classes - 1
    local present = {}
    for _, row in ipairs(train:y():totable()) do present[row[1]] = true end
    local k = 0
    for _ in pairs(present) do k = k + 1 end
    t.label_classes = k
    return t
  end
  local y = train:y():totable()
  local n, k = #y, #(y[1] or {})
  local lo_y, hi_y, binary, onehot = math.huge, -math.huge, true, k > 1
  t.target_mean, t.target_sd, t.target_median, t.target_rsd = {}, {}, {}, {}
  local out = {}
  local below0, above1, below_m1 = 0, 0, 0
  for j = 1, k do
    local col, s = {}, 0
    for i = 1, n do
      local v = y[i][j]
      col[i], s = v, s + v
      lo_y, hi_y = math.min(lo_y, v), math.max(hi_y, v)
      if v ~= 0 and v ~= 1 then binary = false end
      if v < 0 then below0 = below0 + 1 end
      if v > 1 then above1 = above1 + 1 end
      if v < -1 then below_m1 = below_m1 + 1 end
    end
    local mean = s / n
    local v2 = 0
    for i = 1, n do v2 = v2 + (col[i] - mean) ^ 2 end
    t.target_mean[j], t.target_sd[j] = mean, math.sqrt(v2 / math.max(n - 1, 1))
    local med = median_of(col)
    local dev = {}
    for i = 1, n do dev[i] = math.abs(col[i] - med) end
    local scale = 1.4826 * median_of(dev)
    t.target_median[j], t.target_rsd[j] = med, scale
    if scale <= 0 then   -- more than half the rows equal: the mean absolute deviation instead
      local m = 0
      for i = 1, n do m = m + dev[i] end
      scale = 1.2533 * m / math.max(n, 1)
    end
    for i = 1, n do
      if scale > 0 and dev[i] > M.OUTLIER_K * scale then out[i] = true end
    end
  end
  for i = 1, onehot and n or 0 do   -- one-hot: every row's 0/1 entries sum to 1
    local s = 0
    for j = 1, k do s = s + y[i][j] end
    if s ~= 1 then onehot = false; break end
  end
  local nout = 0
  for _ in pairs(out) do nout = nout + 1 end
  t.target_outliers = n > 0 and nout / n or 0
  t.target_min, t.target_max = lo_y, hi_y
  local values = math.max(n * k, 1)
  t.target_below0, t.target_above1, t.target_below_m1 = below0 / values, above1 / values, below_m1 / values
  t.task = binary and "binary" or (lo_y >= 0 and hi_y <= 1) and "unit" or "real"
  t.onehot = binary and onehot
  return t
end

--[[ What the model starts from, measured on the built model before any update (the probe's
  record): init_ratio_min/max = each weight matrix's variance over PyTorch's default
  nn.Linear variance 1/(3 fan_in) (fan_in: the product of its shape after the first
  dimension), bias_max = the largest |bias| (a 1-D parameter after a weight matrix of as
  many rows), init_mean_max = the largest |mean| / sd of a weight matrix of at least
  M.INIT_MEAN_MIN_N entries (0 for a zero-mean scheme, up to sqrt(3) for U(0, b): weights of
  one sign). ]]
M.INIT_MEAN_MIN_N = 16
local function describe_init(model)
  local ok, params = pcall(model.parameters, model)
  local ok2, shapes = pcall(model.parameter_shapes, model)
  if not ok or not ok2 or type(params) ~= "table" then return nil end
  local r = {}
  local prev_rows
  for i, p in ipairs(params) do
    local shape = shapes[i] or {}
    local flat = {}
    for _, row in ipairs(p:totable()) do
      for _, v in ipairs(row) do flat[#flat + 1] = v end
    end
    if #shape >= 2 then
      local fan = 1
      for d = 2, #shape do fan = fan * shape[d] end
      local s, s2 = 0, 0
      for _, v in ipairs(flat) do s = s + v; s2 = s2 + v * v end
      local var = #flat > 0 and math.max(0, s2 / #flat - (s / #flat) ^ 2) or 0
      local ratio = var * 3 * fan
      r.init_ratio_min = math.min(r.init_ratio_min or math.huge, ratio)
      r.init_ratio_max = math.max(r.init_ratio_max or 0, ratio)
      if #flat >= M.INIT_MEAN_MIN_N and var > 0 then
        r.init_mean_max = math.max(r.init_mean_max or 0, math.abs(s / #flat) / math.sqrt(var))
      end
      prev_rows = shape[1]
    elseif #shape == 1 and prev_rows == shape[1] then
      for _, v in ipairs(flat) do r.bias_max = math.max(r.bias_max or 0, math.abs(v)) end
      prev_rows = nil
    else
      prev_rows = nil
    end
  end
  return r
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

--[[ unscaled_loss(model, data, loss, targets) -> the loss in the user's units of a model
  trained on targets mapped y -> (y - mean) / sd (targets = {mean = {...}, sd = {...}} per
  target column; data holds such targets): predictions and targets are both mapped back,
  y = mean + sd * y', and the loss (a name or {name, options...}) is computed on them. ]]
function M.unscaled_loss(model, data, loss, targets)
  local was = model:training()
  model:eval()
  local pred = model:forward(data:x()):totable()
  if was then model:train() end
  local y = data:y():totable()
  for i, row in ipairs(pred) do
    for j, v in ipairs(row) do
      row[j] = targets.mean[j] + targets.sd[j] * v
      y[i][j] = targets.mean[j] + targets.sd[j] * y[i][j]
    end
  end
  local name = M.loss_name(loss)
  local lopts = nil
  if type(loss) == "table" then
    lopts = {}
    for k, v in pairs(loss) do if k ~= 1 then lopts[k] = v end end
  end
  return gg.loss[name](gg.tensor(pred), gg.tensor(y), lopts):item()
end

--[[ original_units(ds, targets) -> ds with its targets mapped back, y = mean + sd * y'
  (targets as for unscaled_loss): what a fix that scaled the targets would have seen, e.g.
  to compute a reference loss in the user's units. ]]
function M.original_units(ds, targets)
  local y = ds:y():totable()
  for _, row in ipairs(y) do
    for j, v in ipairs(row) do row[j] = targets.mean[j] + targets.sd[j] * v end
  end
  return gg.data.from_tensors(ds:x(), gg.tensor(y))
end

--[[ What a sequence-model constructor was asked for (gglab.hooks' "model" point): kind, and
  for transformers attention = true, post_ln (norm_first false: gg.nn.gpt defaults to Pre-LN,
  the layers to Post-LN, as torch), qk_norm; for recurrent layers recurrent = true and
  vanilla (a gg.nn.rnn). ]]
M.RECURRENT = { rnn = true, lstm = true, gru = true }
function M.describe_model(kind, ...)
  local n = select("#", ...)
  local o = select(n, ...)
  if type(o) ~= "table" then o = {} end
  if M.RECURRENT[kind] then return { kind = kind, recurrent = true, vanilla = kind == "rnn" } end
  local norm_first = o.norm_first
  if norm_first == nil then norm_first = kind == "gpt" end
  return { kind = kind, attention = true, post_ln = not norm_first, qk_norm = o.qk_norm == true }
end

-- The constructor's arguments with the options table (the last one; created when absent) copied.
local function model_args(kind, ...)
  local a = table.pack(...)
  local i = kind == "gpt" and 1 or 3
  a[i] = type(a[i]) == "table" and copy(a[i]) or {}
  a.n = math.max(a.n, i)
  return a
end

-- The doctor's hook (gglab.hooks) for one run: observe into seen, change by fix, log the outcome.
local function hook(fix, ctx, seen)
  local h = {}
  function h.model(build, kind, ...)
    seen.layers[#seen.layers + 1] = M.describe_model(kind, ...)
    if not fix.model then return build(kind, ...) end
    local a = model_args(kind, ...)
    local k2 = fix.model(kind, a)
    return build(k2 or kind, table.unpack(a, 1, a.n))
  end
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
      -- The probe measures the initial weights (the runs do not need them).
      if ctx.probe then seen.models[#seen.models].start = describe_init(model) end
    end
    return model
  end
  function h.optim(make, kind, model, opts)
    local o, k2 = opts, nil
    if fix.optim and (opts == nil or type(opts) == "table") then o, k2 = fix.optim(kind, copy(opts)) end
    local opt = make(k2 or kind, model, o)
    if fix.lr_scale then opt:set_lr(opt:lr() * fix.lr_scale) end
    if fix.optimizer then fix.optimizer(opt) end
    if ctx.made then ctx.made[#ctx.made + 1] = opt end
    local mom = type(opts) == "table" and opts.momentum or 0
    local betas = type(opts) == "table" and type(opts.betas) == "table" and opts.betas or nil
    seen.optimizers[#seen.optimizers + 1] = { kind = kind, lr = opt:lr() / (fix.lr_scale or 1),
      momentum = type(mom) == "number" and mom or 0,
      weight_decay = type(opts) == "table" and opts.weight_decay or 0,
      beta2 = betas and betas[2] or 0.999, eps = type(opts) == "table" and opts.eps or nil,
      decay = type(opts) == "table" and opts.weight_decay or (kind == "adamw" and 1e-2 or 0) }
    return opt
  end
  function h.train(train, opts)
    if type(opts) ~= "table" or opts.data == nil or opts.model == nil then return train(opts) end
    local info = describe_train(opts)
    -- The output: its units and the kind of the model's last node (an activation or linear).
    local ok, shape = pcall(opts.model.output_shape, opts.model)
    info.outputs = ok and type(shape) == "table" and shape[#shape] or nil
    local ok2, nodes = pcall(opts.model.layers, opts.model)
    local lastn = ok2 and type(nodes) == "table" and nodes[#nodes] or nil
    info.output_kind = type(lastn) == "table" and lastn.kind or nil
    seen.trains[#seen.trains + 1] = info
    if ctx.probe then
      local train_set, val_set = eval_sets(opts)
      -- validation_split cuts one preprocessed set: only an explicit val can differ from it
      data_stats(info, train_set, opts.val and val_set or nil)
      if val_set then M.split_stats(info, train_set, val_set) end
      error(M.PROBED, 0)
    end
    local loss = opts.loss or "mse"
    local o, post = opts, nil
    if fix.train then o, post = fix.train(copy(opts), info) end
    if ctx.diagnostics and o.diagnostics == nil and o.log ~= nil then
      -- Evidence for the doctor: about 100 records and 10 sharpness estimates per run.
      local steps = info.epochs * math.max(1, math.ceil(info.n / math.max(1, info.batch_size)))
      if o == opts then o = copy(opts) end
      o.diagnostics = { every = math.max(1, steps // 100), sharpness_every = math.max(1, steps // 10),
        sharpness_batch = 256, sharpness_iters = 10 }
    end
    -- The outcome: the original loss on the (possibly transformed) validation or training data.
    local train_set, val_set = eval_sets(o)
    -- post.eval: the fix trains on recoded targets; the outcome is taken on the original rows
    local target = (post and post.eval) or val_set or train_set
    local eval_loss = M.loss_name(loss) == "bce" and o.keras and { "bce", keras = true } or loss
    local function outcome()
      if post and post.targets then return M.unscaled_loss(o.model, target, eval_loss, post.targets) end
      return gg.evaluate(o.model, target, { loss = eval_loss })
    end
    if ctx.log then ctx.log("doctor_init", outcome()) end
    if ctx.before_train then ctx.before_train(o, train_set, target, eval_loss, post) end
    local hist = train(o)
    if ctx.log then
      ctx.log("doctor_outcome", outcome())
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
  seen.layers = seen.layers or {}
  return hooks.with(hook(fix or {}, ctx, seen), fn)
end

--[[ probe(exp, point) -> seen: the configuration the point's run would train (see the
  header); raises the run's own error if it fails before reaching gg.train. ]]
function M.probe(exp, point)
  local seen = {}
  -- every method a run answers to (gglab.engine.runner.run_methods), recorded nowhere except
  -- run:meta (seen.meta) and run:diverged (the probe ends there, as at gg.train)
  local run = { id = "probe", seed = 1, index = 1, params = copy_point(point) }
  for _, name in ipairs(run_methods()) do run[name] = function() end end
  run.meta = function(_, t) if type(t) == "table" then seen.meta = util.copy(t) end end
  run.diverged = function() error(M.PROBED, 0) end
  local made = {}
  local ok, err = pcall(M.run, nil, { seen = seen, probe = true, made = made },
    function() return exp.run(copy_point(point), run) end)
  if not ok and err ~= M.PROBED then error(err, 0) end
  -- a loop by hand: how many of its optimizer steps used gradients never zeroed since the
  -- previous step (opt:stale_steps; gg.train zeroes them at every step)
  if #seen.trains == 0 and #made > 0 then
    local steps, stale = 0, 0
    for _, opt in ipairs(made) do
      local a, b = opt:stale_steps()
      steps, stale = steps + a, stale + b
    end
    seen.hand_steps = { steps = steps, stale = stale }
  end
  return seen
end

return M
