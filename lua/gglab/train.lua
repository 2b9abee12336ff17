--[[ lua/gglab/train.lua — gg.train{...}: the high-level training loop.
  Each epoch is one C call (gg.train_epoch: zero_grad, forward, loss, backward, step per
  mini-batch, stopping at a non-finite loss), so Lua only sees per-epoch results. With
  log = run (the runner's context) every step's loss and each epoch's mean (and the
  validation loss) become curves; a NaN/inf loss then stops the run as `diverged`. ]]
local gg = require "gglab"
local diagnostics = require "gglab.diagnostics"
local graph = require "gglab.graph"
local args = require "gglab.lib.args"
local checkpoint = require "gglab.checkpoint"
local hooks = require "gglab.hooks"

local M = {}

local KEYS = { "model", "data", "loss", "optimizer", "batch_size", "epochs", "shuffle",
  "drop_last", "val", "log", "log_every", "seed", "rng", "order", "l1", "l2", "clip_norm",
  "clip_norm_type", "clip_value", "log_grad_norm", "validation_split", "scheduler",
  "scheduler_step", "keras", "early_stopping", "val_loss", "diagnostics",
  "on_epoch_end", "on_step_end", "metrics", "per_class", "checkpoint_every" }
local describe = args.describe

-- The loss gg.train_epoch gets: with keras, "bce" is Keras's clipped binary_crossentropy.
local function keras_loss(opts)
  local l = opts.loss or "mse"
  if opts.keras and (l == "bce" or (type(l) == "table" and l[1] == "bce" and l.keras == nil)) then
    if type(l) == "string" then return { "bce", keras = true } end
    local copy = {}
    for k, v in pairs(l) do copy[k] = v end
    copy.keras = true
    return copy
  end
  return l
end

-- Called from helpers of M.train: level 4 (fail <- check <- M.train <- caller) blames the line
-- that called gg.train; a helper of check passes 5.
local function fail(msg, level) error("gg.train: " .. msg, level or 4) end

local LOSSES = { mse = true, l1 = true, smooth_l1 = true, huber = true, bce = true,
  bce_with_logits = true, cross_entropy = true, nll = true, categorical_crossentropy = true }
local LOSS_LIST = "'mse', 'l1', 'smooth_l1', 'huber', 'bce', 'bce_with_logits', 'cross_entropy', "
  .. "'nll', 'categorical_crossentropy' (or {name, options...}, or a function(pred, target))"

local is_a = args.is_a

-- diagnostics = {...}: keys, and for each the smallest integer (or number) it may be.
local DIAG_KEYS = { "every", "sharpness_every", "sharpness_batch", "sharpness_iters",
  "sharpness_tol", "spike_k", "spike_window" }
local DIAG_INT_MIN = { every = 1, sharpness_every = 0, sharpness_batch = 0, sharpness_iters = 1,
  spike_window = 3 }

local function check_diagnostics(dg)
  if type(dg) ~= "table" then
    fail("diagnostics must be a table {every = n, sharpness_every = k, ...}, got " .. describe(dg), 5)
  end
  args.check_options("gg.train: diagnostics", dg, DIAG_KEYS, 4)
  for k, v in pairs(dg) do
    local min = DIAG_INT_MIN[k]
    if min then
      if math.type(v) ~= "integer" or v < min then
        fail(string.format("diagnostics.%s must be an integer >= %d, got %s", k, min, describe(v)), 5)
      end
    elseif k == "sharpness_tol" or k == "spike_k" then
      if type(v) ~= "number" or not (v >= 0) or v == math.huge then
        fail(string.format("diagnostics.%s must be a non-negative number, got %s", k, describe(v)), 5)
      end
    end
  end
end

--[[ Callbacks, metrics and per-class counts (on_epoch_end, on_step_end, metrics, per_class):
  checked here, run by the helpers below M.train's option handling. ]]
local PER_CLASS_LOSSES = { cross_entropy = true, nll = true, bce = true, bce_with_logits = true,
  categorical_crossentropy = true }
-- Names gg.train logs itself: a callback's state:log and metrics may not take them.
local OWN_CURVES = { loss = true, batch_loss = true, epoch_loss = true, val_loss = true, lr = true,
  grad_norm = true, perplexity = true, val_perplexity = true, val_class_acc = true, val_class_precision = true }

local function check_callbacks(opts)
  for _, k in ipairs { "on_epoch_end", "on_step_end" } do
    if opts[k] ~= nil and type(opts[k]) ~= "function" then
      fail(k .. " must be a function(state), got " .. describe(opts[k]), 5)
    end
  end
  if opts.on_step_end and opts.diagnostics then
    fail("on_step_end cannot be combined with diagnostics (the diagnostics need each epoch in one C call)", 5)
  end
  local has_val = opts.val ~= nil or opts.validation_split ~= nil
  local m = opts.metrics
  if m ~= nil then
    if type(m) ~= "table" then
      fail("metrics must be a table {name = function(pred, target) -> number}, got " .. describe(m), 5)
    end
    for name, fn in pairs(m) do
      if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
        fail("metrics keys must be names (letters, digits, _), got " .. describe(name), 5)
      end
      if OWN_CURVES["val_" .. name] or name:match("^class_acc") or name:match("^class_precision") then
        fail("metrics." .. name .. " would be logged as val_" .. name .. ", a name gg.train uses itself", 5)
      end
      if type(fn) ~= "function" then
        fail("metrics." .. name .. " must be a function(pred, target) -> number, got " .. describe(fn), 5)
      end
    end
    if next(m) and not has_val then
      fail("metrics are computed on the validation data: give val or validation_split", 5)
    end
  end
  if opts.per_class ~= nil then
    if type(opts.per_class) ~= "boolean" then
      fail("per_class must be a boolean, got " .. describe(opts.per_class), 5)
    end
    local l = opts.val_loss or opts.loss or "mse"
    local name = type(l) == "table" and l[1] or l
    if opts.per_class and not PER_CLASS_LOSSES[name] then
      fail("per_class needs a classification loss (cross_entropy, nll, bce, bce_with_logits, "
        .. "categorical_crossentropy) as val_loss or loss, got " .. describe(l), 5)
    end
    if opts.per_class and not has_val then
      fail("per_class counts the validation data: give val or validation_split", 5)
    end
  end
end

local function check(opts)
  if type(opts) ~= "table" then fail("expected an option table, got " .. describe(opts)) end
  args.check_options("gg.train", opts, KEYS, 3)
  args.object("gg.train", opts, "model", "gglab.Model", nil, 3)
  args.object("gg.train", opts, "data", "gglab.Dataset", nil, 3)
  args.object("gg.train", opts, "optimizer", "gglab.Optim",
    "a gglab.Optim (gg.optim.sgd, adam, adamw, rmsprop, adagrad, keras_adam)", 3)
  if opts.val ~= nil and not is_a(opts.val, "gglab.Dataset") then
    fail("val must be a gglab.Dataset, got " .. describe(opts.val))
  end
  -- Rows must hold one sample of the model's input each; checked here so that the error
  -- points at the gg.train call, not at a line inside it (gg.train_epoch checks it too).
  local width, shape = 1, opts.model:input_shape()
  for _, d in ipairs(shape) do width = width * d end
  for _, key in ipairs { "data", "val" } do
    local n = opts[key] and opts[key]:features()
    if n and n ~= width then
      fail(string.format("%s has %d features but the model takes %d inputs (per-sample shape {%s})", key, n, width,
        table.concat(shape, ", ")))
    end
  end
  if opts.log ~= nil and (type(opts.log) ~= "table" or type(opts.log.log) ~= "function") then
    fail("log must be the run context passed to the run function, got " .. describe(opts.log))
  end
  if opts.optimizer:model() ~= opts.model then fail("optimizer was built for another model") end
  if opts.scheduler ~= nil then
    if not is_a(opts.scheduler, "gglab.Sched") then
      fail("scheduler must be a gglab.Sched (gg.sched.*), got " .. describe(opts.scheduler))
    end
    if opts.scheduler:optimizer() ~= opts.optimizer then fail("scheduler was built for another optimizer") end
  end
  local ss = opts.scheduler_step
  if ss ~= nil and ss ~= "epoch" and ss ~= "step" then
    fail("scheduler_step must be 'epoch' or 'step', got " .. describe(ss))
  end
  if opts.keras ~= nil and type(opts.keras) ~= "boolean" then
    fail("keras must be a boolean, got " .. describe(opts.keras))
  end
  local order = opts.order
  if order ~= nil and type(order) ~= "table" and type(order) ~= "function" then
    fail("order must be a list of batches or a function(epoch) returning one, got " .. describe(order))
  end
  local vs = opts.validation_split
  if vs ~= nil then
    if type(vs) ~= "number" or not (vs > 0 and vs < 1) then
      fail("validation_split must be a number in (0, 1), got " .. describe(vs))
    end
    if opts.val ~= nil then fail("give either val or validation_split, not both") end
  end
  local vname = type(opts.val_loss) == "table" and opts.val_loss[1] or opts.val_loss
  if opts.val_loss ~= nil and not LOSSES[vname] and type(opts.val_loss) ~= "function" then
    fail("val_loss must be one of " .. LOSS_LIST .. ", got " .. describe(opts.val_loss))
  end
  local lname = type(opts.loss) == "table" and opts.loss[1] or opts.loss
  if opts.loss ~= nil and not LOSSES[lname] and type(opts.loss) ~= "function" then
    fail("loss must be one of " .. LOSS_LIST .. ", got " .. describe(opts.loss))
  end
  for _, k in ipairs { "shuffle", "drop_last" } do
    if opts[k] ~= nil and type(opts[k]) ~= "boolean" then
      fail(k .. " must be a boolean, got " .. describe(opts[k]))
    end
  end
  local es = opts.early_stopping
  if es ~= nil then
    if type(es) ~= "table" then
      fail("early_stopping must be a table {patience =, min_delta =, restore_best =}, got " .. describe(es))
    end
    args.check_options("gg.train: early_stopping", es, { "patience", "min_delta", "restore_best" }, 3)
    if es.patience ~= nil and (math.type(es.patience) ~= "integer" or es.patience < 1) then
      fail("early_stopping.patience must be an integer >= 1, got " .. describe(es.patience))
    end
    local md = es.min_delta
    if md ~= nil and (type(md) ~= "number" or not (md >= 0) or md == math.huge) then
      fail("early_stopping.min_delta must be a finite number >= 0, got " .. describe(es.min_delta))
    end
    if es.restore_best ~= nil and type(es.restore_best) ~= "boolean" then
      fail("early_stopping.restore_best must be a boolean, got " .. describe(es.restore_best))
    end
    if opts.val == nil and opts.validation_split == nil then
      fail("early_stopping watches the validation loss: give val or validation_split")
    end
  end
  if opts.diagnostics ~= nil then check_diagnostics(opts.diagnostics) end
  local ce = opts.checkpoint_every
  if ce ~= nil then
    if math.type(ce) ~= "integer" or ce < 1 then
      fail("checkpoint_every must be an integer >= 1, got " .. describe(ce))
    end
    if opts.log == nil or type(opts.log._checkpointing) ~= "function" then
      fail("checkpoint_every saves into the run's folder: give log = run (the run context of gg.experiment)")
    end
    if opts.diagnostics ~= nil then
      fail("checkpoint_every cannot be combined with diagnostics (their state is not checkpointed)")
    end
  end
  check_callbacks(opts)
end

local CLASSIFY = { cross_entropy = true, nll = true, bce = true, bce_with_logits = true }
local ACTIVATION_KINDS = { relu = true, sigmoid = true, tanh = true, leaky_relu = true, gelu = true, elu = true,
  silu = true, softplus = true, identity = true }

--[[ What a run trains, for the symptom detectors (run:meta, gglab.symptoms.driver): declared once
  per gg.train call when the run context takes it; fields the script declared itself win. ]]
local function declare_meta(run, opts, loss)
  if type(run) ~= "table" or type(run.meta) ~= "function" then return end
  local layers = opts.model:layers()
  local acts, drop, out_act = {}, {}, "none"
  local last_linear = 0
  for i, l in ipairs(layers) do if l.kind == "linear" then last_linear = i end end
  for i, l in ipairs(layers) do
    if ACTIVATION_KINDS[l.kind] then
      if i < last_linear then acts[#acts + 1] = l.kind else out_act = l.kind end
    elseif l.kind == "dropout" then
      drop[#drop + 1] = l.p
    end
  end
  local name = type(loss) == "table" and loss[1] or type(loss) == "string" and loss
    or loss ~= nil and "custom" or "mse"
  local meta = { epochs = opts.epochs or 1, lr = opts.optimizer:lr(),
    optimizer = tostring(opts.optimizer):match("^gglab%.Optim%((%w+)") or "unknown", loss = name,
    task = CLASSIFY[name] and "classification" or "regression", activations = acts,
    output_activation = out_act, dropout = drop, input_dtype = "float" }
  local mine = run._meta or {}
  for k in pairs(mine) do meta[k] = nil end
  if next(meta) then run:meta(meta) end
end

--[[ A loss written as a Lua function(pred, target) of symbolic tensors (lua/gglab/graph.lua),
  built once into a loss graph: pred is (B, model outputs...), target (B, data targets); it
  must return a scalar (reduce it: :mean(), :sum()). The graph runs in C every step. ]]
local function custom_loss(fn, model, data, key, where)
  local b = gg.graph()
  local p = graph.wrap(b, b:input(model:output_shape(), { requires_grad = true }))
  local t = graph.wrap(b, b:input({ data:targets() }))
  local ok, y = pcall(fn, p, t)
  if not ok then error(y, 0) end
  where = where or "gg.train"
  if not graph.is_sym(y) or y.b ~= b then
    error(string.format("%s: %s function must return a symbolic tensor (e.g. ((pred - target)^2):mean()), got %s",
      where, key, describe(y)), 3)
  end
  if #y:shape() ~= 0 then
    error(string.format("%s: %s function must return a scalar, got shape {%s}: reduce it with :mean() or :sum()",
      where, key, table.concat(y:shape(), ", ")), 3)
  end
  return b:compile(y.node, { where = where .. ": " .. key })
end
M.custom_loss = custom_loss

-- One call of a C function (gg.train_epoch, gg.train_plan, gg.confusion, model:forward); its
-- errors blame the line that called gg.train (level: the frames between the caller and this
-- function, plus one).
local function c_call(level, fn, ...)
  local ok, a, b, c, d = pcall(fn, ...)
  if not ok then
    error("gg.train: " .. tostring(a):gsub("^[^:\n]*:%d+: ", ""):gsub("^gg%.[%a_]+: ", ""), level)
  end
  return a, b, c, d
end

--[[ One epoch (or one step of epoch_by_steps) in one C call. A registered hook with the
  "epoch" point (the runner's ensembles, gglab.engine.ensemble) may run it with others';
  without one this costs one test of the hook stack. ]]
local function epoch_call(opts, eo, level)  -- a tail call: c_call takes this frame's place
  if hooks.active() and hooks.has("epoch") then
    return c_call(level, hooks.call, "epoch", gg.train_epoch, opts.model, opts.optimizer, opts.data, eo)
  end
  return c_call(level, gg.train_epoch, opts.model, opts.optimizer, opts.data, eo)
end

--[[ The state a callback gets: one table for the whole training (a callback may keep its own
  fields in it), updated before each call. state:log(name, value) logs an extra curve at the
  current step (run:log with a run context as log) and keeps it in history.logged. ]]
local function new_state(opts, run, hist)
  local state = { model = opts.model, optimizer = opts.optimizer, history = hist, stop = false }
  function state.log(self, name, value)
    if self ~= state then error("gg.train: call state:log(name, value) with a colon", 2) end
    if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
      error("gg.train: state:log name must be a name (letters, digits, _), got " .. describe(name), 2)
    end
    if OWN_CURVES[name] then error("gg.train: state:log('" .. name .. "'): gg.train logs that curve itself", 2) end
    if type(value) ~= "number" then
      error("gg.train: state:log('" .. name .. "', value): value must be a number, got " .. describe(value), 2)
    end
    hist.logged = hist.logged or {}
    local c = hist.logged[name] or { steps = {}, values = {} }
    hist.logged[name] = c
    c.steps[#c.steps + 1], c.values[#c.values + 1] = state.step, value
    if run then run:log(name, value, state.step, state.epoch) end
  end
  return state
end

-- Call a callback: it must return nothing (state.stop = true stops training). level as for
-- epoch_call.
local function call_back(name, fn, state, level)
  local r = fn(state)
  if r ~= nil then
    error(string.format("gg.train: %s must return nothing (set state.stop = true to stop training), got %s",
      name, describe(r)), level)
  end
end

--[[ An epoch with on_step_end: its batches are planned once, drawing from the generator
  what gg.train_epoch draws (gg.train_plan), and each runs as a one-batch order, so every
  step does the same arithmetic as in the one-call epoch; the callback runs between steps.
  record(loss, grad_norm, lr, epoch, last) books a step. The epoch mean is weighted by
  batch sizes in double, in step order, as the C loop computes it. Returns diverged, mean. ]]
local function epoch_by_steps(opts, eo, epoch, state, record)
  local plan = c_call(4, gg.train_plan, opts.data, eo.order and { order = eo.order }  -- an order is checked
    or { batch_size = eo.batch_size, shuffle = eo.shuffle, drop_last = eo.drop_last, seed = eo.seed, rng = eo.rng })
  local one = {}
  for k, v in pairs(eo) do one[k] = v end
  one.lrs = true
  local weighted, seen = 0.0, 0
  for s = 1, #plan do
    one.order = { plan[s] }
    local losses, diverged, _, info = epoch_call(opts, one, 4)
    one.check_targets = false   -- every target was checked at the epoch's first step
    local l, b = losses[1], #plan[s]
    weighted, seen = weighted + l * b, seen + b
    local step = record(l, info.grad_norm and info.grad_norm[1], info.lr[1], epoch, s == #plan or diverged)
    if diverged then return true, weighted / seen end
    state.epoch, state.step, state.loss, state.lr = epoch, step, l, info.lr[1]
    call_back("on_step_end", opts.on_step_end, state, 4)
    if state.stop then break end
  end
  return false, weighted / seen
end

--[[ After an epoch's validation loss: metrics = {name = function(pred, target) -> number}
  on val (pred: the model's outputs in evaluation mode, target: val:y()), recorded as
  history.val_<name>[epoch] and logged as val_<name>, in name order; with per_class,
  history.val_class_acc[epoch][c + 1] (the share of class c's rows predicted c, i.e. its
  recall; 0/0 = NaN for a class with no rows) and val_class_precision (the share of rows
  predicted c that are c), from gg.confusion, logged as val_class_acc_<c> and
  val_class_precision_<c>. ]]
local function val_extras(opts, loss, hist, run, step, epoch)
  if opts.metrics and next(opts.metrics) then
    local names = {}
    for name in pairs(opts.metrics) do names[#names + 1] = name end
    table.sort(names)
    local was = opts.model:training()
    opts.model:eval()
    local pred = c_call(4, opts.model.forward, opts.model, opts.val:x())  -- errors: the gg.train line
    if was then opts.model:train() end
    for _, name in ipairs(names) do
      local v = opts.metrics[name](pred, opts.val:y())
      if type(v) ~= "number" then
        error("gg.train: metrics." .. name .. " must return a number, got " .. describe(v), 3)
      end
      local key = "val_" .. name
      hist[key] = hist[key] or {}
      hist[key][epoch] = v
      if run then run:log(key, v, step, epoch) end
    end
  end
  if opts.per_class then
    local conf = c_call(4, gg.confusion, opts.model, opts.val, { loss = loss })
    local acc, prec = {}, {}
    for c = 1, #conf do
      local row, col = 0, 0
      for k = 1, #conf do row, col = row + conf[c][k], col + conf[k][c] end
      acc[c], prec[c] = conf[c][c] / row, conf[c][c] / col
      if run and acc[c] == acc[c] then run:log("val_class_acc_" .. (c - 1), acc[c], step, epoch) end
      if run and prec[c] == prec[c] then run:log("val_class_precision_" .. (c - 1), prec[c], step, epoch) end
    end
    hist.val_class_acc = hist.val_class_acc or {}
    hist.val_class_precision = hist.val_class_precision or {}
    hist.val_class_acc[epoch], hist.val_class_precision[epoch] = acc, prec
  end
end

--[[ gg.train{model=, data=, loss="mse", optimizer=, batch_size=32, epochs=1, shuffle=true,
  drop_last=false, val=nil, log=nil, log_every=1, seed=|rng=, order=nil, l1=0, l2=0,
  clip_norm=nil, clip_norm_type=2, clip_value=nil, log_grad_norm=false,
  validation_split=nil, scheduler=nil, scheduler_step="epoch"} → history
  order may also be a function(epoch) returning that epoch's batches.
  keras = true: Keras's model.fit conventions — the logged "loss" is each epoch's running
  (batch-size-weighted) mean and per-batch losses are "batch_loss"; "bce" is Keras's
  clipped binary_crossentropy; batch 32 and reshuffling are gg.train's defaults anyway
  (pair with gg.optim.keras_adam, gg.nn.mlp{keras=true} and validation_split).
  scheduler (gg.sched.*) is stepped after every epoch (scheduler_step = "epoch"; a
  reduce_lr_on_plateau gets the epoch's val_loss, else its epoch_loss) or after every
  optimizer step ("step", e.g. one_cycle_lr); with log, each logged step's lr is logged.
  validation_split = f holds out the last fraction f of data's rows (Keras's rule: the
  split happens before shuffling) and evaluates them after every epoch as val_loss.
  l1/l2 add l1*sum|w| + l2*sum w^2 over all parameters to every step's loss (and its
  gradient); clip_norm/clip_value clip the gradients after backward (clip_grad_norm_ then
  clip_grad_value_). With log, the pre-clip gradient norm is logged as "grad_norm" when
  clipping by norm or when log_grad_norm is true.
  order: a list of batches (lists of 1-based row numbers) replayed as each epoch instead
  of batch_size/shuffle/drop_last — to follow another framework's data order exactly.
  early_stopping = {patience = 5, min_delta = 0, restore_best = true} (needs validation):
  stop once the validation loss has not improved by more than min_delta for patience
  epochs, then load the parameters (and BatchNorm buffers) of the best epoch.
  diagnostics = {every=, sharpness_every=, ...}: gradient, update, activation and sharpness
  curves computed in the C loop (lua/gglab/diagnostics.lua), also in history.diagnostics.
  on_epoch_end / on_step_end = function(state): callbacks (new_state, epoch_by_steps);
  state.stop = true stops training. metrics = {name = function(pred, target)} and
  per_class = true: computed on val after every epoch (val_extras).
  history = {loss={per step}, lr={per step}, epoch_loss={per epoch}, val_loss={per epoch}, steps=N,
  diverged=bool, diverged_step=N|nil, best_epoch=N|nil, best_step=N|nil, stopped_epoch=N|nil,
  stopped_step=N|nil (a callback stopped), val_<metric>=, val_class_acc=, val_class_precision=,
  logged= (state:log)}.
  With early_stopping and restore_best, a run context given as log also gets
  run:restored(best_step, best_epoch, val_loss[best_epoch]). ]]
function M.train(opts)
  check(opts)
  if opts.validation_split then
    -- Keras: the last fraction of the rows, taken before any shuffling, validates.
    local train, val = opts.data:split(opts.validation_split, { shuffle = false })
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    copy.data, copy.val, copy.validation_split = train, val, nil
    opts = copy
  end
  if type(opts.loss) == "function" or type(opts.val_loss) == "function" then
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    if type(opts.loss) == "function" then copy.loss = custom_loss(opts.loss, opts.model, opts.data, "loss") end
    if type(opts.val_loss) == "function" then copy.val_loss = custom_loss(opts.val_loss, opts.model, opts.data, "val_loss") end
    opts = copy
  end
  local epochs = args.integer("gg.train", opts, "epochs", 1, 1, nil, 2)
  local log_every = args.integer("gg.train", opts, "log_every", 1, 1, nil, 2)
  local batch_size = args.integer("gg.train", opts, "batch_size", 32, 1, nil, 2)
  local epoch_opts = {
    batch_size = batch_size, shuffle = opts.shuffle,
    drop_last = opts.drop_last, seed = opts.seed, rng = opts.rng,
    loss = keras_loss(opts), l1 = opts.l1, l2 = opts.l2, clip_norm = opts.clip_norm,
    clip_norm_type = opts.clip_norm_type,
    clip_value = opts.clip_value,
    grad_norms = (opts.log ~= nil and (opts.clip_norm ~= nil or opts.log_grad_norm == true)) or nil,
    -- Each step's lr (history.lr; logged as "lr" with a run context): without a scheduler it
    -- stays the optimizer's lr for the whole C call, so gg.train reads it once.
    lrs = opts.scheduler ~= nil or nil,
    scheduler = opts.scheduler_step == "step" and opts.scheduler or nil,
  }
  local log_lr = opts.log ~= nil and opts.scheduler ~= nil
  local per_epoch = opts.scheduler ~= nil and opts.scheduler_step ~= "step" and opts.scheduler or nil
  local plateau = per_epoch and per_epoch:kind() == "reduce_lr_on_plateau"
  if epoch_opts.seed ~= nil then
    -- One stream for the whole training, not a fresh copy of the same stream each epoch.
    epoch_opts.rng, epoch_opts.seed = gg.rng(epoch_opts.seed), nil
  end
  opts.model:train()  -- like a PyTorch loop's model.train(); gg.evaluate switches to eval itself
  local run = opts.log
  declare_meta(run, opts, opts.loss)
  local hist = { loss = {}, lr = {}, epoch_loss = {}, val_loss = {}, steps = 0, diverged = false }
  -- Cross-entropy (any output shape) also logs perplexity = exp(loss), train and validation
  -- (the core's exp: the same bits on every CPU).
  local function is_ce(l) return l == "cross_entropy" or (type(l) == "table" and l[1] == "cross_entropy") end
  local ppl, val_ppl = is_ce(epoch_opts.loss), is_ce(opts.val_loss or epoch_opts.loss)
  if ppl then hist.perplexity = {} end
  if val_ppl and opts.val then hist.val_perplexity = {} end
  local diag = diagnostics.start(opts, epoch_opts.loss, run, hist)
  epoch_opts.diagnostics = diag and diag.diag
  local step = 0
  -- Books one step: history, the run's curves, diagnostics; returns the step number.
  local function record(l, norm, lr, epoch, last)
    step = step + 1
    hist.loss[step], hist.lr[step] = l, lr
    local logged = run and (step % log_every == 0 or last or l ~= l)
    local norm_logged = logged and norm
    if norm_logged then run:log("grad_norm", norm, step, epoch) end
    if logged and log_lr then run:log("lr", lr, step, epoch) end
    if logged then
      -- Keras reports the epoch's running mean as "loss"; its per-batch values are batch_loss.
      run:log(opts.keras and "batch_loss" or "loss", l, step, epoch)  -- NaN/inf: diverged
    end
    if diag then diag:step(step, epoch, norm_logged) end
    return step
  end
  local state = (opts.on_step_end or opts.on_epoch_end) and new_state(opts, run, hist)
  local es = opts.early_stopping
  local best, best_params, best_buffers, waited = math.huge, nil, nil, 0
  -- checkpoint_every: save every N epochs into the run's folder; resume from there (--resume).
  local ck, first = nil, 1
  if opts.checkpoint_every then
    local restored, es_state
    ck, first, step, restored, es_state = checkpoint.train_begin(opts, run, epoch_opts.rng, opts.checkpoint_every)
    for k, v in pairs(restored or {}) do hist[k] = v end
    if es_state then
      best, waited, best_params, best_buffers = es_state.best, es_state.waited, es_state.params, es_state.buffers
    end
    hist.steps = step
  end
  for epoch = first, epochs do
    if type(opts.order) == "function" then
      epoch_opts.order = opts.order(epoch)
    else
      epoch_opts.order = opts.order
    end
    local diverged, mean, info
    if opts.on_step_end then
      diverged, mean = epoch_by_steps(opts, epoch_opts, epoch, state, record)
    else  -- the whole epoch in one C call
      local losses
      local lr = opts.optimizer:lr()  -- every step's, unless a scheduler changes it (then info.lr has them)
      losses, diverged, mean, info = epoch_call(opts, epoch_opts, 3)
      local norms, lrs = info and info.grad_norm, info and info.lr
      if diag then diag:epoch_begin(info) end
      local n = #losses
      table.move(losses, 1, n, step + 1, hist.loss)  -- no per-step Lua work without a run or diagnostics
      if lrs then
        table.move(lrs, 1, n, step + 1, hist.lr)
      else
        for s = step + 1, step + n do hist.lr[s] = lr end
      end
      if run and not diag and not norms and not log_lr and run._log_steps then
        -- Only the loss is logged: the run writes the epoch's rows in one call (record's
        -- rows and summaries, and its stop at a NaN/inf loss).
        run:_log_steps(opts.keras and "batch_loss" or "loss", losses, step + 1, epoch, log_every)
        step = step + n
      elseif run or diag then
        for i = 1, n do record(losses[i], norms and norms[i], lrs and lrs[i] or lr, epoch, i == n) end
      else
        step = step + n
      end
    end
    hist.steps = step
    if diverged then
      hist.diverged, hist.diverged_step = true, step
      break
    end
    hist.epoch_loss[epoch] = mean
    if run then run:log(opts.keras and "loss" or "epoch_loss", mean, step, epoch) end
    if ppl then
      hist.perplexity[epoch] = gg.loss.perplexity(mean)
      if run then run:log("perplexity", hist.perplexity[epoch], step, epoch) end
    end
    if opts.val then
      local v = gg.evaluate(opts.model, opts.val, { loss = opts.val_loss or epoch_opts.loss })
      hist.val_loss[epoch] = v
      if run then run:log("val_loss", v, step, epoch) end
      if val_ppl then
        hist.val_perplexity[epoch] = gg.loss.perplexity(v)
        if run then run:log("val_perplexity", hist.val_perplexity[epoch], step, epoch) end
      end
      val_extras(opts, opts.val_loss or epoch_opts.loss, hist, run, step, epoch)
    end
    local stop = false
    if es then
      local v = hist.val_loss[epoch]
      if v < best - (es.min_delta or 0) then
        best, hist.best_epoch, hist.best_step, waited = v, epoch, step, 0
        if es.restore_best ~= false then best_params, best_buffers = opts.model:parameters(), opts.model:buffers() end
      else
        waited = waited + 1
        stop = waited >= (es.patience or 5)
      end
    end
    if diag then diag:epoch_end(info, step, epoch, opts.val) end
    if plateau then
      per_epoch:step(hist.val_loss[epoch] or mean)   -- ReduceLROnPlateau watches val loss if any
    elseif per_epoch then
      per_epoch:step()
    end
    if state and opts.on_epoch_end then
      state.epoch, state.step, state.loss, state.lr = epoch, step, mean, hist.lr[step]
      state.val_loss = hist.val_loss[epoch]
      call_back("on_epoch_end", opts.on_epoch_end, state, 3)
    end
    if state and state.stop then
      hist.stopped_epoch, hist.stopped_step = epoch, step
      break
    end
    if state then state.val_loss = hist.val_loss[epoch] end
    if ck then
      checkpoint.train_save(ck, opts, run, epoch_opts.rng, hist, epoch, step,
        es and { best = best, waited = waited, params = best_params, buffers = best_buffers })
    end
    if stop then
      hist.stopped_epoch = epoch
      break
    end
  end
  if best_params and hist.best_epoch ~= #hist.epoch_loss then
    opts.model:load_parameters(best_params)
    if #best_buffers > 0 then opts.model:load_buffers(best_buffers) end
  end
  -- The model returned has the best epoch's weights: tell the run, so its summary
  -- (runs.csv final_val_loss, best_epoch, best_step) describes this model.
  if best_params and type(run) == "table" and type(run.restored) == "function" then
    run:restored(hist.best_step, hist.best_epoch, hist.val_loss[hist.best_epoch])
  end
  return hist
end

-- A hook registered with gglab.hooks (gglab doctor's) sees, and may change, every call.
local train_unhooked = M.train
function M.train(opts)
  if hooks.active() then return hooks.call("train", train_unhooked, opts) end
  return train_unhooked(opts)   -- a tail call: errors still name the caller's line
end

return M
