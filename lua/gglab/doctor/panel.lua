--[[ lua/gglab/doctor/panel.lua — the doctor's panel of single changes ("fixes"), each tied
  to the cause it tests. A fix is a table:
    name     short id, used in doctor.csv and on the command line
    cause    the cause a clear win names (an id of gglab.lib.causes)
    text     what the change does, for the printout
    applies  function(seen) -> true, or false and why not (seen: gglab.doctor.intervene's
             observations of the unchanged run)
    hooks    for gglab.doctor.intervene.run: layers, optim, lr_scale, train (see there)
  M.default() returns a fresh copy of the built-in panel; a user extends it from Lua with
  their own entries (doctor{panel = ...}). Every fix changes one thing, relative to what
  the run itself asked for. ]]
local gg = require "gglab"
local intervene = require "gglab.doctor.intervene"

local M = {}

local function last(list) return list[#list] end

local function has_kind(seen, kinds, hidden_only)
  for _, m in ipairs(seen.models or {}) do
    for i, k in ipairs(m.kinds) do
      if kinds[k] and (not hidden_only or i < #m.kinds) then return true end
    end
  end
  return false
end

-- Why the inputs are token ids (nil when they are not): a token dataset, or a model whose
-- first layer is an embedding. Scaling them would turn ids into non-ids.
function M.token_ids(seen)
  local t = last(seen.trains or {})
  if t and t.vocab then return string.format("the features are token ids (vocabulary %d)", t.vocab) end
  for _, m in ipairs(seen.models or {}) do
    if m.token_input then return "the features are token ids (the model's first layer is an embedding)" end
  end
  return nil
end

-- " (... not reached inside custom, sequential layers)" when a model nests layers the
-- layer-rewriting fixes cannot see, else "".
local function nested_note(seen)
  local names, got = {}, {}
  for _, m in ipairs(seen.models or {}) do
    for _, k in ipairs(m.nested or {}) do
      if not got[k] then got[k] = true; names[#names + 1] = k end
    end
  end
  if #names == 0 then return "" end
  return " among the model's top-level layers (the fix does not reach inside its "
    .. table.concat(names, ", ")
    .. " layers)"
end

local function trains(seen)
  if #(seen.trains or {}) == 0 then return false, "the run does not call gg.train" end
  return true
end

-- Rewrites every hidden activation of the given kinds to `to` (a layer spec).
local function swap_hidden(kinds, to)
  return function(specs)
    local out = {}
    for i, s in ipairs(specs) do
      out[i] = (kinds[s.kind] and intervene.is_hidden(specs, i)) and intervene.copy(to) or s
    end
    return out
  end
end

-- Divides every hidden width by `by` (at least 1), keeping the layers consistent.
local function shrink(by)
  return function(specs)
    local out, width, nlin = {}, nil, 0
    for _, s in ipairs(specs) do if s.kind == "linear" then nlin = nlin + 1 end end
    local seen_lin = 0
    for i, s in ipairs(specs) do
      local c = intervene.copy(s)
      if s.kind == "linear" then
        seen_lin = seen_lin + 1
        if width then c["in"] = width end
        if seen_lin < nlin then
          c.out = math.max(1, s.out // by)
          width = c.out
        end
      elseif s.kind == "batchnorm1d" and width then
        c.num_features = width
      end
      out[i] = c
    end
    return out
  end
end

local function any_optimizer(seen, pred)
  for _, o in ipairs(seen.optimizers or {}) do
    if pred(o) then return true end
  end
  return false
end

local SAT = { sigmoid = true, tanh = true }
local RELU = { relu = true }

--[[ The built-in panel, in printing order. ]]
function M.default()
  return {
    { name = "lr/10", cause = "lr_too_high", text = "learning rate / 10", hooks = { lr_scale = 0.1 },
      applies = function(seen)
        if #(seen.optimizers or {}) == 0 then return false, "no gg.optim optimizer" end
        return true end },
    { name = "lr/100", cause = "lr_too_high", text = "learning rate / 100", hooks = { lr_scale = 0.01 },
      applies = function(seen)
        if #(seen.optimizers or {}) == 0 then return false, "no gg.optim optimizer" end
        return true end },
    { name = "momentum", cause = "momentum_too_high", text = "lower momentum (0.99 -> 0.9 -> 0.5 -> 0)",
      hooks = { optim = function(_, opts)
        local m = opts.momentum
        if type(m) == "number" and m > 0 then
          opts.momentum = m > 0.9 and 0.9 or m > 0.5 and 0.5 or 0
          if opts.momentum == 0 then opts.nesterov = nil; opts.dampening = nil end
        end
        return opts end },
      applies = function(seen)
        if any_optimizer(seen, function(o) return o.momentum > 0 end) then return true end
        return false, "no optimizer with momentum" end },
    { name = "clip", cause = "exploding_gradients", text = "clip the gradient norm to 1",
      hooks = { train = function(opts) opts.clip_norm = 1.0; return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        if last(seen.trains).clip then return false, "already clipped" end
        return true end },
    { name = "standardize", cause = "unscaled_features",
      text = "standardise the features (fit on the training rows)",
      hooks = { train = function(opts)
        local train, val = opts.data, opts.val
        if opts.validation_split then
          train, val = opts.data:split(opts.validation_split, { shuffle = false })
          opts.validation_split = nil
        end
        local scaler = gg.data.standard_scaler(train)
        opts.data = scaler:transform(train)
        if val then opts.val = scaler:transform(val) end
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        local tokens = M.token_ids(seen)
        if tokens then return false, tokens end
        local t = last(seen.trains)
        for j = 1, #t.feature_mean do
          local sd = t.feature_sd[j]
          if math.abs(t.feature_mean[j]) > 1 or sd > 3 or sd < 1 / 3 then return true end
        end
        return false, "the features are already on a unit scale" end },
    { name = "huber", cause = "outliers", text = "Huber loss instead of MSE",
      hooks = { train = function(opts) opts.loss = "huber"; return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        if last(seen.trains).loss ~= "mse" then return false, "the loss is not MSE" end
        return true end },
    { name = "no_reg", cause = "regularization_too_strong", text = "remove L1/L2 and weight decay",
      hooks = {
        train = function(opts) opts.l1, opts.l2 = nil, nil; return opts end,
        optim = function(_, opts) opts.weight_decay = nil; return opts end },
      applies = function(seen)
        local t = last(seen.trains or {})
        if (t and (t.l1 > 0 or t.l2 > 0)) or any_optimizer(seen, function(o)
          return type(o.weight_decay) == "number" and o.weight_decay > 0 end) then return true end
        return false, "no L1/L2 or weight decay" end },
    { name = "batch*4", cause = "batch_too_small", text = "4x larger batches",
      hooks = { train = function(opts, info)
        opts.batch_size = math.min(info.n, 4 * info.batch_size)
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        local t = last(seen.trains)
        if t.order then return false, "the run replays its own batch order" end
        if t.batch_size >= t.n then return false, "already full batch" end
        return true end },
    { name = "class_weights", cause = "class_imbalance", text = "balanced class weights in the loss",
      hooks = { train = function(opts, info)
        local l = type(opts.loss) == "table" and intervene.copy(opts.loss) or { opts.loss }
        l.weight = info.class_weights
        opts.loss = l
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        local t = last(seen.trains)
        if t.loss ~= "cross_entropy" and t.loss ~= "nll" then return false, "not a cross-entropy loss" end
        if t.loss_opts and t.loss_opts.weight then return false, "already weighted" end
        local lo, hi = math.huge, 0
        for _, w in ipairs(t.class_weights or {}) do
          if w > 0 then lo, hi = math.min(lo, w), math.max(hi, w) end
        end
        if hi < 1.5 * lo then return false, "the classes are balanced (within 1.5x)" end
        return true end },
    { name = "relu", cause = "saturation", text = "ReLU instead of sigmoid/tanh in hidden layers",
      hooks = { layers = swap_hidden(SAT, { kind = "relu" }) },
      applies = function(seen)
        if has_kind(seen, SAT, true) then return true end
        return false, "no hidden sigmoid/tanh" .. nested_note(seen) end },
    { name = "leaky_relu", cause = "dead_relu", text = "LeakyReLU(0.01) instead of ReLU",
      hooks = { layers = swap_hidden(RELU, { kind = "leaky_relu", negative_slope = 0.01 }) },
      applies = function(seen)
        if has_kind(seen, RELU, true) then return true end
        return false, "no hidden ReLU" .. nested_note(seen) end },
    { name = "default_init", cause = "bad_init", text = "PyTorch's default initialisation",
      hooks = { layers = function(specs)
        local out = {}
        for i, s in ipairs(specs) do
          out[i] = s
          if type(s) == "table" and (s.kind == "linear" or s.kind == "conv1d" or s.kind == "conv2d") then
            local c = {}
            for k, v in pairs(s) do if intervene.STRUCTURE[k] then c[k] = v end end
            out[i] = setmetatable(c, getmetatable(s))
          end
        end
        return out end },
      applies = function(seen)
        for _, m in ipairs(seen.models or {}) do
          if m.init then return true end
        end
        return false, "already the default initialisation" end },
    { name = "cosine", cause = "no_lr_decay", text = "cosine learning-rate decay over the epochs",
      hooks = { train = function(opts, info)
        opts.scheduler = gg.sched.cosine_annealing_lr(opts.optimizer, { T_max = info.epochs })
        opts.scheduler_step = "epoch"
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        local t = last(seen.trains)
        if t.scheduler then return false, "already scheduled" end
        if t.epochs < 2 then return false, "a single epoch" end
        return true end },
    { name = "early_stop", cause = "overfitting",
      text = "early stopping on the validation loss (best epoch kept)",
      hooks = { train = function(opts, info)
        opts.early_stopping = { patience = math.max(2, info.epochs // 10) }
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        local t = last(seen.trains)
        if not t.val then return false, "no validation data" end
        if t.early_stopping then return false, "already early-stopped" end
        return true end },
    { name = "smaller", cause = "overfitting", text = "hidden layers 4x narrower",
      hooks = { layers = shrink(4) },
      applies = function(seen)
        for _, m in ipairs(seen.models or {}) do
          if #m.widths >= 2 then return true end
        end
        return false, "no hidden layer" .. nested_note(seen) end },
  }
end

-- Validates a user panel entry; raises naming the field.
function M.check(fix, i)
  local where = string.format("panel[%d]", i)
  if type(fix) ~= "table" then
    error(where .. " must be a table {name=, cause=, text=, applies=, hooks=}", 0)
  end
  if type(fix.name) ~= "string" or fix.name == "" then
    error(where .. ".name must be a non-empty string", 0)
  end
  if type(fix.cause) ~= "string" then error(where .. ".cause must be a string (a cause id)", 0) end
  if type(fix.hooks) ~= "table" then
    error(where .. ".hooks must be a table (layers, optim, lr_scale, train)", 0)
  end
  for k in pairs(fix.hooks) do
    if k ~= "layers" and k ~= "optim" and k ~= "lr_scale" and k ~= "train" then
      error(string.format("%s.hooks: unknown hook '%s' (allowed: layers, optim, lr_scale, train)", where,
        tostring(k)), 0)
    end
  end
  if fix.applies ~= nil and type(fix.applies) ~= "function" then
    error(where .. ".applies must be a function", 0)
  end
  return fix
end

-- Combination of two fixes (the doctor's second step): both sets of hooks.
function M.combine(a, b)
  local h = {}
  local ha, hb = a.hooks, b.hooks
  h.lr_scale = (ha.lr_scale or 1) * (hb.lr_scale or 1)
  if h.lr_scale == 1 then h.lr_scale = nil end
  for _, k in ipairs { "layers", "optim", "train" } do
    if ha[k] and hb[k] then
      local f, g = ha[k], hb[k]
      if k == "optim" then h[k] = function(kind, o) return g(kind, f(kind, o)) end
      elseif k == "train" then h[k] = function(o, info) return g(f(o, info), info) end
      else h[k] = function(s) return g(f(s)) end end
    else
      h[k] = ha[k] or hb[k]
    end
  end
  return { name = a.name .. "+" .. b.name, cause = a.cause, text = a.text .. ", and " .. b.text, hooks = h }
end

return M
