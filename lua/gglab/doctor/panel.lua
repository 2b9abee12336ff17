--[[ lua/gglab/doctor/panel.lua — the doctor's panel of single changes ("fixes"), each tied
  to the cause it tests. A fix is a table:
    name     short id, used in doctor.csv and on the command line
    cause    the cause a clear win names (an id of gglab.lib.causes)
    text     what the change does, for the printout
    applies  function(seen) -> true, or false and why not (seen: gglab.doctor.intervene's
             observations of the unchanged run)
    hooks    for gglab.doctor.intervene.run: layers, model, optim, lr_scale, train (see there)
    cap      optional true: the fix caps the gradient or the loss (clip, huber). It removes
             symptoms of many causes by bounding the steps, so a non-cap fix that removes the
             symptom and helps ranks before it unless the cap is better by the margin
             (gglab.doctor.verdict)
    precondition  optional function(seen, measures) -> true, or false and why: whether the
             cause is there at all, measured — seen: the probe's record (data statistics,
             initial weights); measures: medians over the unchanged runs' seeds
             (gglab.doctor.evidence.measures; a nil key is "not measured"). A fix that helps
             while its precondition is false is a tuning hint, never the cause (the verdict,
             gglab.doctor.verdict); without one the precondition holds.
  Ladders are several fixes of one cause (lr/10 ... lr/10000, momentum=0.9/0.5/0,
  batch*4/16): the verdict takes a cause's best rung as its representative.
  M.default() returns a fresh copy of the built-in panel; a user extends it from Lua with
  their own entries (doctor{panel = ...}). Every fix changes one thing, relative to what
  the run itself asked for. ]]
local gg = require "gglab"
local causes = require "gglab.lib.causes"
local intervene = require "gglab.doctor.intervene"

local causes_text = causes.text

local M = {}

local function last(list) return list[#list] end

-- Numbers in the reasons: 3 significant digits, "-" for nil (gglab.doctor.evidence.fmt).
local function fmt(x)
  if x == nil then return "-" end
  if x == math.huge then return "inf" elseif x == -math.huge then return "-inf" end
  return string.format("%.3g", x)
end

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

-- The last gg.train record when the run calls gg.train on features that are not token ids
-- (what a fix that transforms the features needs), else nil and why.
local function feature_train(seen)
  local ok, why = trains(seen)
  if not ok then return nil, why end
  local tokens = M.token_ids(seen)
  if tokens then return nil, tokens end
  return last(seen.trains)
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

--[[ linear_stack(kinds) -> set of i: the linear layers (of a model's layer kinds, in order) whose
  output reaches the next linear layer with no activation between (only dropout, identity or
  flatten layers): the two compose into one linear map, a hidden activation is missing. ]]
local PASS_THROUGH = { dropout = true, identity = true, flatten = true }
local HIDDEN_ACT = { relu = true, tanh = true, sigmoid = true, leaky_relu = true, elu = true, gelu = true,
  selu = true, silu = true, softplus = true }
local function linear_stack(kinds)
  local stacked, open = {}, nil
  for i, kind in ipairs(kinds) do
    if kind == "linear" then
      if open then stacked[open] = true end
      open = i
    elseif not PASS_THROUGH[kind] then
      open = nil
    end
  end
  return stacked
end

-- How many such linear layers the run's models have (describe_layers' kinds).
local function linear_stacks(seen)
  local n = 0
  for _, m in ipairs(seen.models or {}) do
    for _ in pairs(linear_stack(m.kinds)) do n = n + 1 end
  end
  return n
end

local function any_optimizer(seen, pred)
  for _, o in ipairs(seen.optimizers or {}) do
    if pred(o) then return true end
  end
  return false
end

local SAT = { sigmoid = true, tanh = true }
local RELU = { relu = true }

-- ---- thresholds of the preconditions (docs/doctor.md, "The panel") ----
M.GRAD_GROWTH = 100      -- clip: the gradient norm grows beyond 100 x its first value
M.SMALL_UPDATES = 1e-3   -- lr*10, adam: the largest update/weight ratio stays below it
M.SATURATION = 0.5       -- relu: more than half the sigmoid/tanh units saturated (DeepDiagnosis)
M.DEAD = 0.5             -- leaky_relu: more than half the ReLU units dead ...
M.ZERO_GRAD = 0.7        -- ... or >= 70 % of the gradient entries exactly 0 (AUTOTRAINER)
M.FEATURE_SCALE = 30     -- standardize: a feature's |mean| or sd beyond 30 (issue 21 round 4; was 10) ...
M.FEATURE_SPREAD = 10    -- ... or feature standard deviations more than 10x apart
M.TARGET_SCALE = 10      -- scale_targets: a target column's |median| or robust sd beyond 10
M.SIGMOID_DEPTH = 2      -- relu: also with this many hidden sigmoids (gradient x <= 1/4 each) ...
M.GRAD_VANISH = 0.1      -- ... or a stalled loss whose first-layer gradient is below 0.1 x the last's
M.VAL_SCALE = 3          -- val_like_train: validation feature sds beyond 3x (or 1/3) the training's ...
M.VAL_SHIFT = 3          -- ... or their means beyond 3 training sds away (medians over features)
M.SPIKES = 0.1           -- cosine: loss spikes in more than 10 % of the recorded steps (the evidence's
                         -- lr_too_high threshold), at an lr within the stability limit
-- default_init: a weight matrix's variance outside [INIT_LO, INIT_HI] x PyTorch's default
-- 1/(3 fan_in) (He's 2/fan_in is 6x it), a |bias| above BIAS_MAX (the default's bound is
-- 1/sqrt(fan_in) <= 1), or the measured initial variance outside DeepDiagnosis' [1e-5, 10].
M.INIT_LO, M.INIT_HI, M.BIAS_MAX = 0.02, 60, 1
-- ... or a weight matrix whose mean lies more than INIT_MEAN of its sds from 0: every
-- standard scheme draws zero-mean weights (with 16 or more entries a zero-mean draw has
-- |mean| / sd ~ 1/4 or less), U(0, 1) gives sqrt(3), all units then start alike.
M.INIT_MEAN = 1
-- lr*10 / lr*100 apply only while the raised lr stays at most LR_MAX_ADAPTIVE (Adam-like
-- optimizers: 10 x PyTorch's default 1e-3) or LR_MAX (others); lr/1000 and lr/10000 only
-- while the lowered lr stays at least LR_MIN (below it training does not move).
M.ADAPTIVE = { adam = true, adamw = true, keras_adam = true, rmsprop = true, adagrad = true }
M.LR_MAX_ADAPTIVE, M.LR_MAX, M.LR_MIN = 0.01, 1, 1e-6

-- The loss families the fixes tell apart.
local REGRESSION_LOSS = { mse = true, l1 = true, huber = true, smooth_l1 = true }

-- Whether the targets are 0/1 as numbers: every target 0 or 1, or two class labels 0/1
-- predicted by one output unit.
local function zero_one(t)
  return t.task == "binary" or (t.task == "labels" and t.classes == 2 and t.outputs == 1)
end
-- The task kinds of gglab.doctor.intervene's data statistics, in words.
local TASK = { labels = "class labels", binary = "0/1 targets", unit = "targets in [0, 1]",
  real = "real-valued targets" }
-- Output activations and the range of values each can reach.
local RANGE = { sigmoid = { 0, 1 }, tanh = { -1, 1 }, relu = { 0, math.huge } }

local function no_optimizer(seen)
  if #(seen.optimizers or {}) == 0 then return false, "no gg.optim optimizer" end
  return true
end

-- Why the optimizer makes no progress (nil when it does): the training loss stalls
-- (measures.stuck), still falls at the end (measures.still_falling, when measured), or
-- every step is small, the largest update/weight ratio below M.SMALL_UPDATES (healthy runs
-- reach 1e-2 .. 1e-1 in their first steps).
local function no_progress(measures)
  if type(measures) ~= "table" then return nil end
  if measures.stuck then return "the training loss stalls" end
  if measures.still_falling then return "the training loss still falls at the end" end
  local u = measures.update_ratio
  if u and u < M.SMALL_UPDATES then
    return string.format("the largest update/weight ratio is %s (< %g)", fmt(u), M.SMALL_UPDATES)
  end
  return nil
end

-- The precondition of the fixes for a stall (lr*10, adam): the loss makes no progress and
-- no more specific cause explains it (M.more_specific); why_not ends the "falls" reason.
local function stalled(seen, measures, why_not)
  local slow = no_progress(measures)
  if not slow then
    if type(measures) ~= "table" or (measures.stuck == nil and measures.update_ratio == nil) then
      return false, "whether the training loss stalls was not measured"
    end
    return false, "the training loss falls and the steps are not small" .. (why_not or "")
  end
  local other, first = M.more_specific(seen, measures)
  if other then return false, other, first end
  return true, slow
end

-- A measure of the unchanged runs (gglab.doctor.evidence.measures), or nil and why not.
local function measure(measures, key, what)
  local v
  if type(measures) == "table" then v = measures[key] end
  if v == nil then return nil, what .. " was not measured" end
  return v
end

-- The causes a stalled loss is put down to before the learning rate or the optimizer: their
-- fixes' preconditions read the data and the model (seen), and a high momentum.
M.SPECIFIC = { "default_init", "standardize", "scale_targets", "no_output_act", "loss_for_task",
  "sigmoid_bce", "softmax_ce", "softmax_out", "huber", "relu", "leaky_relu" }

--[[ more_specific(seen, measures) -> why, name, or nil: a more specific cause is measured — a
  built-in fix of M.SPECIFIC applies and its precondition holds, or an optimizer has
  momentum above 0.9; name: that fix's (momentum=0.9 for the momentum). lr_too_low and
  optimizer_choice are diagnoses of exclusion: named only when none is. ]]
function M.more_specific(seen, measures)
  if any_optimizer(seen, function(o) return o.momentum > 0.9 end) then
    return "momentum above 0.9", "momentum=0.9"
  end
  local by = {}
  for _, f in ipairs(M.default()) do by[f.name] = f end
  for _, name in ipairs(M.SPECIFIC) do
    local f = by[name]
    if (not f.applies or f.applies(seen)) and f.precondition(seen, measures) then
      local _, why = f.precondition(seen, measures)
      local text = string.format("%s (%s) comes first%s", causes_text(f.cause), f.name,
        why and (": " .. why) or "")
      return text, f.name
    end
  end
  return nil
end

-- The lr ladder: lr x scale (cause lr_too_high below 1, lr_too_low above).
local function lr_fix(scale, name)
  local text = "learning rate " .. name:sub(3, 3) .. " " .. name:sub(4)
  if scale < 1 then
    return { name = name, cause = "lr_too_high", text = text, hooks = { lr_scale = scale },
      applies = function(seen)
        local ok, why = no_optimizer(seen)
        if not ok then return false, why end
        -- the first two rungs always run; the deeper ones only above LR_MIN
        if scale < 0.01 then
          for _, o in ipairs(seen.optimizers) do
            if o.lr * scale < M.LR_MIN then
              return false, string.format("%s's lr %g x %g would fall below %g", o.kind, o.lr, scale,
                M.LR_MIN)
            end
          end
        end
        return true end }
  end
  return { name = name, cause = "lr_too_low", text = text, hooks = { lr_scale = scale },
    applies = function(seen)
      local ok, why = no_optimizer(seen)
      if not ok then return false, why end
      if any_optimizer(seen, function(o) return o.momentum > 0.9 end) then
        return false, "momentum above 0.9 already multiplies the step by 10 or more"
      end
      for _, o in ipairs(seen.optimizers) do
        local max = M.ADAPTIVE[o.kind] and M.LR_MAX_ADAPTIVE or M.LR_MAX
        if o.lr * scale > max then
          return false, string.format("%s's lr %g x %g would exceed %g", o.kind, o.lr, scale, max)
        end
      end
      return true end,
    precondition = function(seen, measures) return stalled(seen, measures) end }
end

-- The momentum ladder: every momentum above `to` becomes `to`.
local function momentum_fix(to)
  return { name = "momentum=" .. to, cause = "momentum_too_high",
    text = "momentum " .. to .. (to == 0 and " (nesterov and dampening dropped)" or ""),
    hooks = { optim = function(_, opts)
      local m = opts.momentum
      if type(m) == "number" and m > to then
        opts.momentum = to
        if to == 0 then opts.nesterov = nil; opts.dampening = nil end
      end
      return opts end },
    applies = function(seen)
      if any_optimizer(seen, function(o) return o.momentum > to end) then return true end
      return false, "no optimizer with momentum above " .. to end }
end

-- The batch ladder: by x the batch size (at most the whole set).
local function batch_fix(by)
  return { name = "batch*" .. by, cause = "batch_too_small", text = by .. "x larger batches",
    hooks = { train = function(opts, info)
      opts.batch_size = math.min(info.n, by * info.batch_size)
      return opts end },
    applies = function(seen)
      local ok, why = trains(seen)
      if not ok then return false, why end
      local t = last(seen.trains)
      if t.order then return false, "the run replays its own batch order" end
      if t.batch_size >= t.n then return false, "already full batch" end
      -- a rung that gives the batch of the rung below (the whole set) is not run twice
      if by > 4 and 4 * t.batch_size >= t.n then return false, "batch*4 already takes the whole set" end
      return true end }
end

-- The last layer spec when it is an activation after the last linear, with its index.
local function output_activation(specs)
  local s = specs[#specs]
  if type(s) == "table" and (RANGE[s.kind] or s.kind == "softmax") then return s, #specs end
  return nil
end

-- Activation kinds a model's last layer may end in (the output activation the head fixes replace).
local OUTPUT_ACT = { sigmoid = true, tanh = true, relu = true, softmax = true, log_softmax = true,
  identity = true }

-- A layers hook: the model's output activation (its last spec, when one of OUTPUT_ACT) replaced
-- by make() (nil: a linear output).
local function set_output(make)
  return function(specs)
    local out, n = {}, #specs
    if type(specs[n]) == "table" and OUTPUT_ACT[specs[n].kind] then n = n - 1 end
    for j = 1, n do out[j] = specs[j] end
    if make then out[#out + 1] = make() end
    return out
  end
end

-- The classification losses on probabilities / logits the head fixes tell apart.
local CE_LOSS = { categorical_crossentropy = true, cross_entropy = true, nll = true }

--[[ Why the output layer and the loss together do not fit 0/1 targets that are not one-hot
  (one target, or several independent labels), nil when they do or loss_for_task's one change
  (the loss alone) or no_output_act's (the output alone: a softmax over one unit) is the
  repair: a softmax output over several units (they sum to 1, independent labels do not), a
  ReLU/tanh output under a regression loss (a
  cross-entropy needs probabilities in (0, 1)), or a categorical cross-entropy on several
  independent labels. The repair is a sigmoid output and binary cross-entropy. ]]
local function head_for_labels(t)
  if t.task ~= "binary" or t.onehot then return nil end
  local kind, loss = t.output_kind, t.loss
  -- a softmax over one unit is no_output_act's one change (output_activation): not run twice
  local fits = REGRESSION_LOSS[loss] or CE_LOSS[loss] or loss == "bce"
  if kind == "softmax" and (t.outputs or 1) > 1 and fits then
    return string.format("%s on a softmax output: its %d units sum to 1, the independent 0/1 targets do not",
      loss, t.outputs)
  end
  if REGRESSION_LOSS[loss] and (kind == "relu" or kind == "tanh") then
    return string.format("%s on a %s output on 0/1 targets", loss, kind)
  end
  if loss == "categorical_crossentropy" and (t.outputs or 1) > 1 then
    return "categorical cross-entropy on independent 0/1 labels (not one-hot)"
  end
  return nil
end

-- Why one-hot targets (exclusive classes) get the wrong loss: a regression loss on them.
local function head_for_onehot(t)
  if t.task == "binary" and t.onehot and REGRESSION_LOSS[t.loss] then
    return string.format("%s on one-hot targets (exclusive classes)", t.loss)
  end
  return nil
end

-- Why the output cannot feed the run's categorical cross-entropy (it reads probabilities that
-- sum to 1): any output activation but a softmax.
local function probs_for_ce(t)
  if t.loss ~= "categorical_crossentropy" or (t.outputs or 1) < 2 then return nil end
  local kind = t.output_kind
  if kind == "linear" or (OUTPUT_ACT[kind] and kind ~= "softmax") then
    return string.format("a %s output feeding categorical cross-entropy, which reads probabilities",
      kind == "linear" and "linear" or kind)
  end
  return nil
end

-- A fix for a mismatch found by why(t) on the probe's last gg.train record: applies and
-- precondition both read it (the mismatch is measured on the data and the model).
local function mismatch_fix(fix, why)
  fix.applies = function(seen)
    local ok, w = trains(seen)
    if not ok then return false, w end
    local t = last(seen.trains)
    if t.task == nil and t.classes <= 1 then return false, "the targets were not measured" end
    if why(t) then return true end
    return false, string.format("the output (%s) and the loss (%s) fit %s", tostring(t.output_kind), t.loss,
      TASK[t.task] or "the targets") .. nested_note(seen)
  end
  fix.precondition = function(seen)
    local t = last(seen.trains or {})
    if not t then return false, "no gg.train call" end
    local w = why(t)
    if w then return true, w end
    return false, "the output and the loss fit the targets"
  end
  return fix
end

-- Why the validation features look preprocessed differently from the training features (nil
-- when they do not, or were not compared): their median sd ratio beyond M.VAL_SCALE either way,
-- or their median mean shift beyond M.VAL_SHIFT training sds (intervene.set_difference).
local function val_mismatch(t)
  local sc, sh = t.val_scale, t.val_shift
  if sc == nil then return nil end
  if sc > M.VAL_SCALE or sc < 1 / M.VAL_SCALE then
    return string.format("the validation features' sds are %s x the training features' (median over "
      .. "features)", fmt(sc))
  end
  if sh > M.VAL_SHIFT then
    return string.format("the validation features' means lie %s training sds from the training features' "
      .. "(median over features)", fmt(sh))
  end
  return nil
end

-- shuffle_split: the validation rows are not a random part of the data — a share
-- SPLIT_UNSEEN of them has a class no training row has, the class frequencies differ by a
-- total variation SPLIT_TV, or a target column's mean is SPLIT_SHIFT training sds away
-- (rows sorted by class or target and split at the end: Keras's validation_split).
M.SPLIT_UNSEEN, M.SPLIT_TV, M.SPLIT_SHIFT = 0.1, 0.5, 1
local function split_mismatch(t)
  if t.val_unseen and t.val_unseen >= M.SPLIT_UNSEEN then
    return string.format("%.0f%% of the validation rows have a class no training row has", 100 * t.val_unseen)
  end
  if t.val_class_tv and t.val_class_tv >= M.SPLIT_TV then
    return string.format("the class frequencies of the two sets differ by %s (total variation)",
      fmt(t.val_class_tv))
  end
  if t.val_target_shift and t.val_target_shift >= M.SPLIT_SHIFT then
    return string.format("the validation targets' mean lies %s training sds away", fmt(t.val_target_shift))
  end
  return nil
end

-- A loss that applies its own squashing to the model's output (logits in), and the output
-- activation that squashes them a second time: the loss then has a floor above 0 (LOGIT_FLOOR).
local LOGIT_LOSS = { cross_entropy = "softmax", bce_with_logits = "sigmoid" }

--[[ logit_floor(t) -> floor, why or nil: a softmax output fed to cross_entropy (which applies
  its own log-softmax) or a sigmoid output fed to bce_with_logits: the loss reads probabilities
  in [0, 1] as logits, so it cannot fall below log(1 + (k - 1)/e) over k classes (a one-hot
  row's best: its unit at 1, the others at 0), log(1 + 1/e) for one 0/1 unit. ]]
local function logit_floor(t)
  local want = LOGIT_LOSS[t.loss]
  if not want or t.output_kind ~= want then return nil end
  local k = want == "softmax" and (t.outputs or 1) or 2
  if k < 2 then return nil end
  local floor = math.log(1 + (k - 1) / math.exp(1))
  return floor, string.format("a %s output fed to %s, which applies its own %s: the loss cannot fall below "
    .. "%s", want, t.loss, want == "softmax" and "log-softmax" or "sigmoid", fmt(floor))
end
M.logit_floor = logit_floor

-- Why the run's output activation cannot reach its targets (nil when it can or there is none),
-- and true when it reaches none of them (a softmax over one unit, a squashing the loss repeats).
local function unreachable(t)
  local kind = t.output_kind
  if kind == "softmax" and t.outputs == 1 then
    return "a softmax over one unit is always 1", true
  end
  local _, squashed = logit_floor(t)
  if squashed then return squashed, true end
  local r = RANGE[kind]
  if not r or not REGRESSION_LOSS[t.loss] or t.target_min == nil then return nil end
  if t.target_min < r[1] or t.target_max > r[2] then
    return string.format("the targets span [%s, %s], a %s output only [%s, %s]", fmt(t.target_min),
      fmt(t.target_max), kind, fmt(r[1]), fmt(r[2]))
  end
  return nil
end

--[[ unreachable_targets(t) -> share, why or nil: t (the probe's gg.train record) has an output
  that cannot reach M.UNREACHABLE or more of its (regression) target values — a softmax over one
  unit (always 1), or a sigmoid, tanh or ReLU output under a regression loss with that share of
  the values outside its range (unreachable: some are): the structural symptom "the output
  cannot reach the targets" (gglab.doctor.evidence.symptoms), measured on the training rows. ]]
M.UNREACHABLE = 0.1
function M.unreachable_targets(t)
  if type(t) ~= "table" then return nil end
  local any, none_reached = unreachable(t)
  if not any then return nil end
  if none_reached then return 1, any end
  local kind = t.output_kind
  if t.target_below0 == nil then return nil end
  local share = kind == "tanh" and t.target_below_m1 + t.target_above1
    or kind == "sigmoid" and t.target_below0 + t.target_above1 or t.target_below0
  if share < M.UNREACHABLE then return nil end
  local r = RANGE[kind]
  return share, string.format("%s of the target values lie outside the %s output's range [%s, %s]",
    string.format("%.0f%%", 100 * share), kind, fmt(r[1]), fmt(r[2]))
end

--[[ stale_gradients(seen) -> share, why or nil: the run trains by hand (no gg.train) and
  M.STALE or more of its optimizer steps used gradients not zeroed since the previous step
  (gglab.Optim:stale_steps, recorded by the probe as seen.hand_steps): each step then moves
  by the running sum of every gradient so far — the structural symptom "the gradients are
  never zeroed" (gglab.doctor.evidence.symptoms) and zero_grad's precondition. ]]
M.STALE = 0.5
function M.stale_gradients(seen)
  local h = type(seen) == "table" and seen.hand_steps or nil
  if not h or h.steps < 2 then return nil end
  local share = h.stale / (h.steps - 1)
  if share < M.STALE then return nil end
  return share, string.format("%d of %d optimizer steps used the gradients summed since an earlier step "
    .. "(no zero_grad between them)", h.stale, h.steps)
end

-- Standardises every target column of train (and val) with train's means and sds.
local function scale_targets(train, val)
  local y = train:y():totable()
  local n, k = #y, #(y[1] or {})
  local mean, sd = {}, {}
  for j = 1, k do
    local s = 0
    for i = 1, n do s = s + y[i][j] end
    mean[j] = s / n
    local v = 0
    for i = 1, n do v = v + (y[i][j] - mean[j]) ^ 2 end
    sd[j] = math.sqrt(v / math.max(n - 1, 1))
    if not (sd[j] > 0) then sd[j] = 1 end
  end
  local function map(ds)
    local rows = ds:y():totable()
    for _, row in ipairs(rows) do
      for j = 1, k do row[j] = (row[j] - mean[j]) / sd[j] end
    end
    return gg.data.from_tensors(ds:x(), gg.tensor(rows))
  end
  return map(train), val and map(val), { mean = mean, sd = sd }
end
M.scale_targets = scale_targets

-- ---- transformers and recurrent nets (issue 22) ----
-- Thresholds of their preconditions (docs/doctor.md, "Transformers and recurrent nets").
M.ATTN_LOGIT = 100       -- qk_norm: the largest attention logit beyond 100 (softmax one-hot to e^-100)
M.LOGIT_GROWTH = 10      -- z_loss: the output-logit norm grows beyond 10 x its first record
M.RNN_SPIKE = 10         -- clip_rnn: the gradient norm reaches 10 x its first value (experiments/rnn_exploding)
M.VAL_RISE = 1.1         -- weight_decay: the validation loss ends 10 % above its minimum
M.WARMUP_SHARE = 0.1     -- warmup: the linear warm-up covers the first 10 % of the steps
M.ADAM_FAMILY = { adam = true, adamw = true, keras_adam = true }
local ATTENTION_KINDS = { gpt = true, transformer_encoder_layer = true, transformer_decoder_block = true }

-- The first sequence layer (gglab.doctor.intervene.describe_model records) with pred(layer) true.
local function seq_layer(seen, pred)
  for _, l in ipairs(seen.layers or {}) do
    if pred(l) then return l end
  end
  return nil
end
local function has_seq(seen) return seq_layer(seen, function(l) return l.attention or l.recurrent end) ~= nil end
local function is_attention(l) return l.attention end
local function is_post_ln(l) return l.attention and l.post_ln end
local function is_recurrent(l) return l.recurrent end
local function is_vanilla(l) return l.vanilla end

local NO_SEQ = "no transformer or recurrent layer (gg.nn.gpt, gg.nn.transformer_*, gg.nn.rnn/lstm/gru)"

-- The Adam-family optimizer fixes apply to sequence models only (the MLP panel stays as it was).
local function adam_where(seen, pred, why_not)
  if not has_seq(seen) then return false, NO_SEQ end
  if any_optimizer(seen, function(o) return M.ADAM_FAMILY[o.kind] and pred(o) end) then return true end
  return false, why_not
end

-- The precondition of the Adam second-moment fixes: the loss spikes (the evidence's measure).
local function spiking(_, measures)
  local sp, why = measure(measures, "spikes", "the loss spikes")
  if sp == nil then return false, why end
  if sp > M.SPIKES then
    return true, string.format("loss spikes in %s%% of the recorded steps", fmt(100 * sp))
  end
  return false, string.format("loss spikes in %s%% of the recorded steps (not > %d%%)", fmt(100 * sp),
    100 * M.SPIKES)
end

local function beta2_fix(b2)
  local name = "beta2_" .. tostring(b2):gsub("^0%.", "0")
  return { name = name, cause = "adam_second_moment", text = "Adam's beta2 " .. b2,
    hooks = { optim = function(kind, opts)
      if M.ADAM_FAMILY[kind] then
        local b = type(opts.betas) == "table" and opts.betas or { 0.9, 0.999 }
        if b[2] > b2 then opts.betas = { b[1], b2 } end
      end
      return opts end },
    applies = function(seen)
      return adam_where(seen, function(o) return o.beta2 > b2 end, "no Adam-family optimizer with beta2 above " .. b2)
    end,
    precondition = spiking }
end

--[[ M.sequence_fixes() -> the fixes for transformers and recurrent nets: each applies only when
  the model has the layer it changes (gglab.hooks' "model" point records them in seen.layers),
  so the panel of an MLP is the one it was. ]]
function M.sequence_fixes()
  return {
    { name = "warmup", cause = "postln_no_warmup",
      text = "linear learning-rate warm-up (from 0.01 x lr over the first 10 % of the steps)",
      hooks = { train = function(opts, info)
        local steps = info.epochs * math.max(1, math.ceil(info.n / math.max(1, info.batch_size)))
        opts.scheduler = gg.sched.linear_lr(opts.optimizer, { start_factor = 0.01,
          total_iters = math.max(1, math.floor(M.WARMUP_SHARE * steps)) })
        opts.scheduler_step = "step"
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        if not seq_layer(seen, is_attention) then return false, "no transformer layer" end
        if last(seen.trains).scheduler then return false, "already scheduled" end
        return true end,
      precondition = function(seen)
        if seq_layer(seen, is_post_ln) then return true, "a Post-LN transformer without warm-up" end
        return false, "the transformer is Pre-LN (norm_first): warm-up is a tuning hint, not the cause"
      end },
    { name = "pre_ln", cause = "postln_no_warmup", text = "Pre-LN (norm_first = true) instead of Post-LN",
      hooks = { model = function(kind, a)
        if ATTENTION_KINDS[kind] then
          local o = kind == "gpt" and a[1] or a[3]
          o.norm_first = true
        end
        return kind end },
      applies = function(seen)
        if seq_layer(seen, is_post_ln) then return true end
        return false, seq_layer(seen, is_attention) and "the transformer is already Pre-LN" or "no transformer layer"
      end },
    { name = "qk_norm", cause = "attention_logit_growth", text = "qk-LayerNorm (LayerNorm on each head's q and k)",
      hooks = { model = function(kind, a)
        if ATTENTION_KINDS[kind] then
          local o = kind == "gpt" and a[1] or a[3]
          o.qk_norm = true
        end
        return kind end },
      applies = function(seen)
        if seq_layer(seen, function(l) return l.attention and not l.qk_norm end) then return true end
        return false, seq_layer(seen, is_attention) and "already qk-LayerNorm" or "no transformer layer"
      end,
      precondition = function(_, measures)
        local v, why = measure(measures, "attn_max_logit", "the largest attention logit")
        if v == nil then return false, why end
        if v > M.ATTN_LOGIT then
          return true, string.format("the largest attention logit reaches %s (> %g)", fmt(v), M.ATTN_LOGIT)
        end
        return false, string.format("the largest attention logit is %s (not > %g)", fmt(v), M.ATTN_LOGIT)
      end },
    { name = "z_loss", cause = "output_logit_divergence", text = "z-loss 1e-4 (log Z)^2 added to the cross-entropy",
      hooks = { train = function(opts)
        local l = type(opts.loss) == "table" and intervene.copy(opts.loss) or { opts.loss }
        l.z_loss = 1e-4
        opts.loss = l
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        if not has_seq(seen) then return false, NO_SEQ end
        local t = last(seen.trains)
        if t.loss ~= "cross_entropy" then return false, "not the cross_entropy loss" end
        if t.loss_opts and (t.loss_opts.z_loss or 0) > 0 then return false, "already a z-loss" end
        return true end,
      precondition = function(_, measures)
        local g, why = measure(measures, "logit_growth", "the output-logit norm")
        if g == nil then return false, why end
        if g > M.LOGIT_GROWTH then
          return true, string.format("the output-logit norm grows to %s x its first value", fmt(g))
        end
        return false, string.format("the output-logit norm grows to %s x its first value (not > %g)", fmt(g),
          M.LOGIT_GROWTH)
      end },
    beta2_fix(0.95), beta2_fix(0.98),
    { name = "eps_1e6", cause = "adam_second_moment", text = "Adam's eps 1e-6",
      hooks = { optim = function(kind, opts)
        if M.ADAM_FAMILY[kind] and (opts.eps or 1e-8) < 1e-6 then opts.eps = 1e-6 end
        return opts end },
      applies = function(seen)
        return adam_where(seen, function(o) return (o.eps or 1e-8) < 1e-6 end,
          "no Adam-family optimizer with eps below 1e-6")
      end,
      precondition = spiking },
    { name = "clip_rnn", cause = "rnn_exploding_gradients", cap = true,
      text = "gradient-norm clipping at 1 (recurrent net)",
      hooks = { train = function(opts) opts.clip_norm = 1; opts.clip_value = nil; return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        if not seq_layer(seen, is_recurrent) then return false, "no recurrent layer" end
        if last(seen.trains).clip then return false, "already clipped" end
        return true end,
      precondition = function(_, measures)
        local g, why = measure(measures, "grad_growth", "the gradient norm's growth")
        if g == nil then return false, why end
        if g >= M.RNN_SPIKE then
          return true, string.format("the gradient norm spikes to %s x its first value", fmt(g))
        end
        return false, string.format("the gradient norm reaches %s x its first value (not >= %g)", fmt(g),
          M.RNN_SPIKE)
      end },
    { name = "lstm", cause = "vanilla_rnn_memory", text = "LSTM instead of the vanilla RNN",
      hooks = { model = function(kind, a)
        if kind ~= "rnn" then return kind end
        a[3].nonlinearity = nil
        return "lstm" end },
      applies = function(seen)
        if seq_layer(seen, is_vanilla) then return true end
        return false, "no vanilla RNN (gg.nn.rnn)"
      end,
      precondition = function(_, measures)
        if type(measures) ~= "table" or measures.stuck == nil then
          return false, "whether the loss stalls was not measured"
        end
        if measures.stuck then return true, "the training loss stalls" end
        return false, "the training loss does not stall"
      end },
    { name = "weight_decay", cause = "weight_decay_missing", text = "AdamW's decoupled weight decay 0.1",
      hooks = { optim = function(kind, opts)
        if kind == "adam" or kind == "adamw" then
          -- Adam's weight_decay is an L2 term; AdamW's default decay is 1e-2 (not "none")
          if kind == "adam" or opts.weight_decay == 0 then opts.weight_decay = 0.1 end
          return opts, "adamw"
        end
        return opts end },
      applies = function(seen)
        local t = last(seen.trains or {})
        if t and (t.l1 > 0 or t.l2 > 0) then return false, "already L1/L2" end
        return adam_where(seen, function(o)
          return (o.kind == "adam" or o.kind == "adamw") and (o.decay or 0) == 0
        end, "no Adam or AdamW optimizer without weight decay")
      end,
      precondition = function(_, measures)
        local r, why = measure(measures, "val_rise", "the validation loss's rise")
        if r == nil then return false, why end
        if r > M.VAL_RISE then
          return true, string.format("the validation loss ends %s x its minimum", fmt(r))
        end
        return false, string.format("the validation loss ends %s x its minimum (not > %g)", fmt(r), M.VAL_RISE)
      end },
  }
end

--[[ The built-in panel, in printing order. ]]
function M.default()
  return {
    lr_fix(0.1, "lr/10"), lr_fix(0.01, "lr/100"), lr_fix(1e-3, "lr/1000"), lr_fix(1e-4, "lr/10000"),
    lr_fix(10, "lr*10"), lr_fix(100, "lr*100"),
    momentum_fix(0.9), momentum_fix(0.5), momentum_fix(0),
    { name = "clip", cause = "exploding_gradients", text = "clip the gradient norm to 1",
      hooks = { train = function(opts) opts.clip_norm = 1.0; return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        if last(seen.trains).clip then return false, "already clipped" end
        return true end,
      cap = true,
      precondition = function(_, measures)
        local g, why = measure(measures, "grad_growth", "the gradient norm's growth")
        if g == nil then return false, why end
        if g <= M.GRAD_GROWTH then
          return false, string.format("the gradient norm grows only %s x (not > %d x)", fmt(g), M.GRAD_GROWTH)
        end
        -- an explosion keeps the loss moving (rising, oscillating, overflowing); growth followed by a
        -- stall is a few oversized steps that left the units dead or saturated: the step size's fault
        if measures.stuck then
          return false, string.format("the gradient norm grew %s x, then the training loss stalls (the large "
            .. "steps stopped learning; no explosion goes on)", fmt(g))
        end
        return true, string.format("the gradient norm grows %s x and the loss keeps moving", fmt(g))
      end },
    { name = "standardize", cause = "unscaled_features",
      text = "standardise the features (fit on the training rows)",
      hooks = { train = function(opts)
        local train, val = intervene.explicit_val(opts)
        local scaler = gg.data.standard_scaler(train)
        opts.data = scaler:transform(train)
        if val then opts.val = scaler:transform(val) end
        return opts end },
      applies = function(seen)
        local t, why = feature_train(seen)
        if not t then return false, why end
        for j = 1, #t.feature_mean do
          local sd = t.feature_sd[j]
          if math.abs(t.feature_mean[j]) > 1 or sd > 3 or sd < 1 / 3 then return true end
        end
        return false, "the features are already on a unit scale" end,
      precondition = function(seen)
        local t = last(seen.trains or {})
        if not t or t.feature_scale == nil then return false, "the feature scales were not measured" end
        if t.feature_scale > M.FEATURE_SCALE then
          return true, string.format("a feature of mean or sd %s", fmt(t.feature_scale))
        end
        if t.feature_spread > M.FEATURE_SPREAD then
          return true, string.format("feature sds %s x apart", fmt(t.feature_spread))
        end
        return false, string.format("the features' means and sds stay within %s and the sds within %s x of "
          .. "each other", fmt(t.feature_scale), fmt(t.feature_spread))
      end },
    { name = "huber", cause = "outliers", text = "Huber loss instead of MSE", cap = true,
      hooks = { train = function(opts) opts.loss = "huber"; return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        if last(seen.trains).loss ~= "mse" then return false, "the loss is not MSE" end
        return true end,
      precondition = function(seen)
        local t = last(seen.trains or {})
        if not t or t.target_outliers == nil then return false, "the targets' outliers were not measured" end
        if t.target_outliers > 0 then
          return true, string.format("%s%% of the training targets beyond %d robust sds",
            fmt(100 * t.target_outliers), intervene.OUTLIER_K)
        end
        return false, string.format("no training target lies beyond %d robust sds (1.4826 MAD) of the median",
          intervene.OUTLIER_K)
      end },
    { name = "scale_targets", cause = "targets_unscaled",
      text = "standardise the targets (fit on the training rows; the outcome in the original units)",
      hooks = { train = function(opts)
        local train, val = opts.data, opts.val
        if opts.validation_split then
          train, val = opts.data:split(opts.validation_split, { shuffle = false })
          opts.validation_split = nil
        end
        local map
        opts.data, opts.val, map = scale_targets(train, val)
        return opts, { targets = map } end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        local t = last(seen.trains)
        if t.classes > 1 then return false, "the targets are class labels" end
        if not REGRESSION_LOSS[t.loss] then return false, "not a regression loss (MSE, L1, Huber)" end
        if t.task == "binary" then return false, "the targets are 0/1" end
        for j = 1, #(t.target_mean or {}) do
          local sd = t.target_sd[j]
          if math.abs(t.target_mean[j]) > 1 or sd > 3 or sd < 1 / 3 then return true end
        end
        return false, "the targets are already on a unit scale" end,
      precondition = function(seen)
        local t = last(seen.trains or {})
        if not t or t.target_mean == nil then return false, "the target scale was not measured" end
        if t.target_median == nil then return false, "the target scale was not measured" end
        -- robust statistics: a few outliers do not make the targets "unscaled" (that is huber's cause)
        local big = 0
        for j = 1, #t.target_median do big = math.max(big, math.abs(t.target_median[j]), t.target_rsd[j]) end
        if big > M.TARGET_SCALE then
          return true, string.format("targets of median or robust sd %s", fmt(big))
        end
        return false, string.format("the targets' medians and robust sds stay within %s", fmt(big))
      end },
    { name = "no_output_act", cause = "output_activation",
      text = "no output activation (a linear output; BCE on it becomes BCE with logits)",
      hooks = {
        layers = function(specs)
          local _, i = output_activation(specs)
          if not i then return specs end
          local out = {}
          for j = 1, i - 1 do out[j] = specs[j] end
          return out end,
        train = function(opts)
          if intervene.loss_name(opts.loss) == "bce" then opts.loss = "bce_with_logits" end
          return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        local t = last(seen.trains)
        if t.output_kind == "softmax" and t.outputs == 1 then return true end
        if logit_floor(t) then return true end
        if not RANGE[t.output_kind] then
          return false, "no sigmoid, tanh or ReLU output" .. nested_note(seen)
        end
        if not REGRESSION_LOSS[t.loss] then return false, "a " .. t.output_kind .. " output with a " .. t.loss
          .. " loss" end
        return true end,
      precondition = function(seen, measures)
        local t = last(seen.trains or {})
        if not t then return false, "no gg.train call" end
        local why = unreachable(t)
        if why then return true, why end
        -- a ReLU output unit that dies (negative on every row) passes no gradient: the loss stalls
        if t.output_kind == "relu" and type(measures) == "table" and measures.stuck then
          return true, "the training loss stalls behind a ReLU output unit (a dead output passes no gradient)"
        end
        if t.target_min == nil then return false, "the target range was not measured" end
        return false, string.format("the targets [%s, %s] lie within the %s output's range",
          fmt(t.target_min), fmt(t.target_max), tostring(t.output_kind))
      end },
    { name = "loss_for_task", cause = "wrong_loss",
      text = "binary cross-entropy instead of a regression loss on 0/1 targets",
      hooks = { train = function(opts, info)
        local probs = info.output_kind == "sigmoid" or info.output_kind == "softmax"
        opts.loss = probs and "bce" or "bce_with_logits"
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        local t = last(seen.trains)
        if REGRESSION_LOSS[t.loss] and zero_one(t) then
          if t.output_kind == "relu" or t.output_kind == "tanh" then
            return false, "0/1 targets, but a " .. t.output_kind .. " output"
          end
          return true
        end
        return false, "the loss fits the targets (" .. t.loss .. " on "
          .. (TASK[t.task] or "its targets") .. ")"
      end,
      precondition = function(seen)
        local t = last(seen.trains or {})
        if not t or t.task == nil then return false, "the targets were not measured" end
        if REGRESSION_LOSS[t.loss] and zero_one(t) then return true, t.loss .. " on 0/1 targets" end
        return false, "the loss fits the targets"
      end },
    mismatch_fix({ name = "sigmoid_bce", cause = "wrong_loss",
      text = "sigmoid output and binary cross-entropy (the loss and output for 0/1 labels)",
      hooks = { layers = set_output(function() return gg.nn.sigmoid() end),
        train = function(opts) opts.loss = "bce"; return opts end } }, head_for_labels),
    mismatch_fix({ name = "softmax_ce", cause = "wrong_loss",
      text = "softmax output and categorical cross-entropy (the loss and output for one-hot classes)",
      hooks = { layers = set_output(function() return gg.nn.softmax(1) end),
        -- categorical cross-entropy reads class indices: the one-hot rows recoded for training,
        -- the outcome taken on the original rows (post.eval)
        train = function(opts)
          local train, val = intervene.explicit_val(opts)
          opts.data, opts.val = intervene.class_indices(train), val and intervene.class_indices(val)
          opts.loss = "categorical_crossentropy"
          return opts, { eval = val or train } end } }, head_for_onehot),
    mismatch_fix({ name = "softmax_out", cause = "output_activation",
      text = "softmax output for the categorical cross-entropy",
      hooks = { layers = set_output(function() return gg.nn.softmax(1) end) } }, probs_for_ce),
    { name = "val_like_train", cause = "preprocessing_bug",
      text = "the validation features mapped onto the training features' per-feature mean and sd",
      hooks = { train = function(opts)
        if opts.val then opts.val = intervene.like_train(opts.data, opts.val) end
        return opts end },
      applies = function(seen)
        local t, why = feature_train(seen)
        if not t then return false, why end
        if t.val_scale == nil then return false, "no separate validation set with varying features" end
        if val_mismatch(t) then return true end
        return false, string.format("the validation features match the training features' scale (sd ratio "
          .. "%s, shift %s sds)", fmt(t.val_scale), fmt(t.val_shift))
      end,
      precondition = function(seen)
        local t = last(seen.trains or {})
        local why = t and val_mismatch(t)
        if why then return true, why end
        return false, "the validation features match the training features' scale"
      end },
    { name = "shuffle_split", cause = "preprocessing_bug",
      text = "the validation rows drawn at random from all the rows (shuffled before the split)",
      hooks = { train = function(opts)
        local train, val = intervene.explicit_val(opts)
        if val then opts.data, opts.val = intervene.reshuffle(train, val) end
        return opts end },
      applies = function(seen)
        local t, why = feature_train(seen)
        if not t then return false, why end
        if not t.val then return false, "no validation data" end
        if t.val_unseen == nil and t.val_target_shift == nil then
          return false, "the validation targets were not measured"
        end
        -- run only when the split is measured not to be a random one (like val_like_train): a
        -- fix that cannot name its cause would only widen the panel's multiple testing
        if split_mismatch(t) then return true end
        return false, "the validation rows' targets are distributed as the training rows'"
      end,
      precondition = function(seen)
        local t = last(seen.trains or {})
        local why = t and split_mismatch(t)
        if why then return true, why end
        return false, "the validation rows' targets are distributed as the training rows'"
      end },
    { name = "zero_grad", cause = "grad_not_zeroed",
      text = "zero the gradients at every step (opt:zero_grad() before each backward)",
      hooks = { optimizer = function(opt) opt:set_zero_after_step(true) end },
      applies = function(seen)
        if seen.hand_steps == nil then return false, "no loop by hand (gg.train zeroes the gradients)" end
        if M.stale_gradients(seen) then return true end
        return false, "the loop zeroes its gradients between steps" end,
      precondition = function(seen)
        local _, why = M.stale_gradients(seen)
        if why then return true, why end
        return false, "the loop zeroes its gradients between steps"
      end },
    { name = "adam", cause = "optimizer_choice",
      text = "Adam (lr 1e-3, PyTorch's default) instead of plain SGD",
      hooks = { train = function(opts)
        opts.optimizer = gg.optim.adam(opts.model, { lr = 1e-3 })
        return opts end },
      applies = function(seen)
        local ok, why = trains(seen)
        if not ok then return false, why end
        if #(seen.optimizers or {}) ~= 1 then return false, "not one gg.optim optimizer" end
        local o = seen.optimizers[1]
        if o.kind ~= "sgd" or o.momentum > 0 then return false, "not plain SGD" end
        if last(seen.trains).scheduler then return false, "a scheduler holds the SGD optimizer" end
        return true end,
      precondition = function(seen, measures) return stalled(seen, measures, " (plain SGD makes progress)") end },
    { name = "no_reg", cause = "regularization_too_strong", text = "remove L1/L2 and weight decay",
      hooks = {
        train = function(opts) opts.l1, opts.l2 = nil, nil; return opts end,
        optim = function(_, opts) opts.weight_decay = nil; return opts end },
      applies = function(seen)
        local t = last(seen.trains or {})
        if (t and (t.l1 > 0 or t.l2 > 0)) or any_optimizer(seen, function(o)
          return type(o.weight_decay) == "number" and o.weight_decay > 0 end) then return true end
        return false, "no L1/L2 or weight decay" end },
    batch_fix(4), batch_fix(16),
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
        return false, "no hidden sigmoid/tanh" .. nested_note(seen) end,
      precondition = function(seen, measures)
        local sat, why = measure(measures, "saturation", "the saturated share")
        if sat ~= nil and sat > M.SATURATION then return true end
        -- a stall counts when the gradient is measured to vanish on its way to the first layer
        -- (a stall with a first-layer gradient as large as the last's has another cause)
        local gr = type(measures) == "table" and measures.grad_ratio or nil
        if type(measures) == "table" and measures.stuck and gr and gr < M.GRAD_VANISH then
          return true, string.format("the loss stalls and the first layer's gradient is %s x the last's: "
            .. "gradients vanish through the sigmoid/tanh layers", fmt(gr))
        end
        local depth = 0
        for _, m in ipairs(seen.models or {}) do
          local k = 0
          for i, kind in ipairs(m.kinds) do if kind == "sigmoid" and i < #m.kinds then k = k + 1 end end
          depth = math.max(depth, k)
        end
        if depth >= M.SIGMOID_DEPTH then
          return true, string.format("%d hidden sigmoid layers: the gradient shrinks >= 4x through each",
            depth)
        end
        local loss = "the loss falls"
        if type(measures) == "table" and measures.stuck then
          loss = string.format("the loss stalls but the first layer's gradient is %s x the last's (not < %g)",
            fmt(gr), M.GRAD_VANISH)
        end
        if sat == nil then return false, why .. ", " .. loss .. ", fewer than 2 hidden sigmoids" end
        return false, string.format("%s%% of the sigmoid/tanh units saturated (not > %d%%), %s, "
          .. "fewer than 2 hidden sigmoids", fmt(100 * sat), 100 * M.SATURATION, loss)
      end },
    { name = "hidden_act", cause = "hidden_activation",
      text = "an activation after each hidden linear layer that has none (the model's own hidden "
        .. "activation, else tanh)",
      hooks = { layers = function(specs)
        local kinds = {}
        for i, s in ipairs(specs) do kinds[i] = type(s) == "table" and s.kind or "model" end
        local out, stacked = {}, linear_stack(kinds)
        -- the activation the user chose elsewhere; tanh when none: it cannot die in a narrow layer
        local act = { kind = "tanh" }
        for i, s in ipairs(specs) do
          if type(s) == "table" and HIDDEN_ACT[s.kind] and intervene.is_hidden(specs, i) then
            act = s
            break
          end
        end
        for i, s in ipairs(specs) do
          out[#out + 1] = s
          if stacked[i] then out[#out + 1] = intervene.copy(act) end
        end
        return out end },
      applies = function(seen)
        if linear_stacks(seen) > 0 then return true end
        return false, "every hidden linear layer has an activation" .. nested_note(seen) end,
      precondition = function(seen)
        local n = linear_stacks(seen)
        if n > 0 then
          return true, string.format("%d linear layer%s fed straight into the next linear layer: the "
            .. "stack is one linear map", n, n == 1 and "" or "s")
        end
        return false, "every hidden linear layer has an activation"
      end },
    { name = "leaky_relu", cause = "dead_relu", text = "LeakyReLU(0.01) instead of ReLU",
      hooks = { layers = swap_hidden(RELU, { kind = "leaky_relu", negative_slope = 0.01 }) },
      applies = function(seen)
        if has_kind(seen, RELU, true) then return true end
        return false, "no hidden ReLU" .. nested_note(seen) end,
      precondition = function(_, measures)
        local dead = measure(measures, "dead", "")
        local zero = measure(measures, "zero_grad", "")
        if dead == nil and zero == nil then return false, "dead units were not measured" end
        local share = string.format("%s%% of the ReLU units dead, %s%% zero gradients",
          fmt(dead and 100 * dead), fmt(zero and 100 * zero))
        if not ((dead or 0) > M.DEAD or (zero or 0) >= M.ZERO_GRAD) then
          return false, string.format("%s (not > %d%% dead, not >= %d%% zero)", share, 100 * M.DEAD,
            100 * M.ZERO_GRAD)
        end
        -- healthy ReLU nets often have half their units dead on a batch: dead units are the cause
        -- only when the live ones cannot carry the training (the loss stalls)
        if not measures.stuck then
          return false, share .. ", but the training loss does not stall: the live units learn"
        end
        return true, share .. " and the training loss stalls"
      end },
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
        return false, "already the default initialisation" end,
      precondition = function(seen, measures)
        for _, m in ipairs(seen.models or {}) do
          local st = m.start
          if st and st.init_ratio_max and st.init_ratio_max > M.INIT_HI then
            return true, string.format("initial weight variance %s x PyTorch's default",
              fmt(st.init_ratio_max))
          end
          if st and st.init_ratio_min and st.init_ratio_min < M.INIT_LO then
            return true, string.format("initial weight variance %s x PyTorch's default",
              fmt(st.init_ratio_min))
          end
          if st and st.bias_max and st.bias_max > M.BIAS_MAX then
            return true, string.format("initial biases up to %s", fmt(st.bias_max))
          end
          if st and st.init_mean_max and st.init_mean_max > M.INIT_MEAN then
            return true, string.format("initial weights of one sign: a weight matrix's mean is %s of its "
              .. "sds from 0", fmt(st.init_mean_max))
          end
        end
        local wv = type(measures) == "table" and measures.weight_var or nil
        if wv and (wv > 10 or wv < 1e-5) then
          return true, string.format("initial weight variance %s (outside [1e-5, 10])", fmt(wv))
        end
        return false,
          string.format("the initial weights lie within [%g, %g] x PyTorch's default variance, centred "
          .. "on 0, and the biases within +-%g", M.INIT_LO, M.INIT_HI, M.BIAS_MAX)
      end },
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
        return true end,
      precondition = function(_, measures)
        local sp, why = measure(measures, "spikes", "the loss spikes")
        if sp == nil then return false, why end
        if sp <= M.SPIKES then
          return false, string.format("loss spikes in %s%% of the recorded steps (not > %d%%): the loss "
            .. "does not oscillate", fmt(100 * sp), 100 * M.SPIKES)
        end
        -- beyond the stability limit the lr itself is too high for the curvature; within it the
        -- oscillation is the steps' noise, which a decaying lr averages out
        local sh = measures.sharpness_ratio
        if sh and sh > 1 then
          return false, string.format("loss spikes in %s%% of the steps, but the lr is %s x the stability "
            .. "limit 2/sharpness (the lr itself is too high)", fmt(100 * sp), fmt(sh))
        end
        return true, string.format("loss spikes in %s%% of the recorded steps at an lr within the stability "
          .. "limit", fmt(100 * sp))
      end },
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
    table.unpack(M.sequence_fixes()),
  }
end

-- The hooks a panel entry may give (gglab.doctor.intervene's hook reads them).
local FIX_HOOKS = { layers = true, model = true, optim = true, optimizer = true, lr_scale = true, train = true }

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
    error(where .. ".hooks must be a table (layers, model, optim, optimizer, lr_scale, train)", 0)
  end
  for k in pairs(fix.hooks) do
    if not FIX_HOOKS[k] then
      error(string.format("%s.hooks: unknown hook '%s' (allowed: layers, model, optim, optimizer, lr_scale, "
        .. "train)", where, tostring(k)), 0)
    end
  end
  if fix.applies ~= nil and type(fix.applies) ~= "function" then
    error(where .. ".applies must be a function", 0)
  end
  if fix.cap ~= nil and type(fix.cap) ~= "boolean" then
    error(where .. ".cap must be a boolean (true: the fix caps the gradient or the loss)", 0)
  end
  if fix.precondition ~= nil and type(fix.precondition) ~= "function" then
    error(where .. ".precondition must be a function(seen, measures) -> true | false, why", 0)
  end
  return fix
end

-- Combination of two fixes (the doctor's second step): both sets of hooks.
function M.combine(a, b)
  local h = {}
  local ha, hb = a.hooks, b.hooks
  h.lr_scale = (ha.lr_scale or 1) * (hb.lr_scale or 1)
  if h.lr_scale == 1 then h.lr_scale = nil end
  for _, k in ipairs { "layers", "model", "optim", "train" } do
    if ha[k] and hb[k] then
      local f, g = ha[k], hb[k]
      if k == "optim" then
        h[k] = function(kind, o)
          local o1, k1 = f(kind, o)
          local o2, k2 = g(k1 or kind, o1)
          return o2, k2 or k1
        end
      elseif k == "model" then
        h[k] = function(kind, a)
          local k1 = f(kind, a) or kind
          return g(k1, a) or k1
        end
      elseif k == "train" then
        -- both may map the targets (post.targets): the composition, y -> ((y - m1)/s1 - m2)/s2
        h[k] = function(o, info)
          local o1, p1 = f(o, info)
          local o2, p2 = g(o1, info)
          if p1 and p2 and p1.targets and p2.targets then
            local t1, t2, m, sd = p1.targets, p2.targets, {}, {}
            for j in ipairs(t1.mean) do
              m[j], sd[j] = t1.mean[j] + t1.sd[j] * t2.mean[j], t1.sd[j] * t2.sd[j]
            end
            return o2, { targets = { mean = m, sd = sd } }
          end
          return o2, p2 or p1
        end
      else h[k] = function(s) return g(f(s)) end end
    else
      h[k] = ha[k] or hb[k]
    end
  end
  -- named only when both causes' preconditions hold (the first failing one says why)
  local pa, pb = a.precondition, b.precondition
  local pre = (pa or pb) and function(seen, measures)
    for _, p in ipairs { pa or false, pb or false } do
      if p then
        local ok, why = p(seen, measures)
        if not ok then return false, why end
      end
    end
    return true
  end or nil
  return { name = a.name .. "+" .. b.name, cause = a.cause, text = a.text .. ", and " .. b.text, hooks = h,
    precondition = pre, cap = (a.cap or b.cap) and true or nil }
end

return M
