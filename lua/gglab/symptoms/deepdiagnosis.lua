--[[ lua/gglab/symptoms/deepdiagnosis.lua — DeepDiagnosis (ICSE 2022) over one run's curves:
  its symptoms, each with the fix-suggestion chain the original walks (docs/symptoms.md
  lists every rule and its cause).

  M.RULES  the rules in the tool's check order (see symptoms/driver.lua for the shape);
           a firing also carries the fix suggested
  M.ORDER  "epoch": firings are ordered by epoch, then priority ]]

local util = require "gglab.lib.util"
local view = require "gglab.symptoms.view"
local is_finite = util.is_finite
local fmt, first_nonfinite, all_equal = view.fmt, view.first_nonfinite, view.all_equal
local LINEAR, REGRESSION_LOSSES = view.LINEAR, view.REGRESSION_LOSSES

local M = {}

-- DeepDiagnosis/ICSE2022, callback/callbacks.py: mapFaluireToFix.on_epoch_end (the
-- checks, in this order, once per epoch), identify* (thresholds) and the *Analysis
-- functions (the fix suggested for each symptom).

local DD = { dead = 0.7, saturated = 0.5, vanishing = 1e-7, var_lo = 1e-5, var_hi = 10, lr_lo = 1e-5,
  lr_hi = 1e-1, window = 5, acc_window = 20 }

-- Steps of a fix chain; each returns {fix, cause, why} when its condition holds, or nil
-- plus a note when its metric is missing.
local DD_STEPS = {}

function DD_STEPS.weights(ctx, step)   -- identifyTensorVariance: "Poor Weight"
  local names = ctx.v:layers("weight_var")
  if #names == 0 then return nil, "weight_var" end
  for i, name in ipairs(names) do
    local x = ctx.v:value_at(name, step)
    if x and (x < DD.var_lo or x > DD.var_hi) then
      return { fix = "initialisation", cause = nil,
        why = string.format("weight variance of layer %d %s outside [1e-05, 10]", i, fmt(x)) }
    end
  end
  return nil
end

function DD_STEPS.inputs(ctx)   -- np.min(X) < -1 or np.max(X) > 1: "Normalize the data"
  local lo, hi = ctx.v:first("input_min"), ctx.v:first("input_max")
  if lo == nil or hi == nil then return nil, "input_min/input_max" end
  if lo < -1 or hi > 1 then
    return { fix = "normalise the inputs", cause = "unscaled_features",
      why = string.format("inputs in [%s, %s], outside [-1, 1]", fmt(lo), fmt(hi)) }
  end
  return nil
end

function DD_STEPS.lr(ctx, step)   -- identifyLearnRate: lr * |dW| / |W| per layer
  local names = ctx.v:layers("update_ratio")
  if #names == 0 and ctx.v:has("update_ratio") then names = { "update_ratio" } end
  if #names == 0 then return nil, "update_ratio" end
  for i, name in ipairs(names) do
    local x = ctx.v:value_at(name, step)
    if x and (x < DD.lr_lo or x > DD.lr_hi) then
      return { fix = "learning rate", cause = x > DD.lr_hi and "lr_too_high" or nil,
        why = string.format("update ratio %s%s outside [1e-05, 0.1]", name == "update_ratio" and "" or
          ("of layer " .. i .. " "), fmt(x)) }
    end
  end
  return nil
end

function DD_STEPS.output_linear(ctx)   -- AccuracyInvalid: a linear last layer
  local out = ctx.meta.output_activation
  if out == nil then return nil, "meta.output_activation" end
  if LINEAR[out] then
    return { fix = "change the output activation", cause = nil, why = "linear output layer" }
  end
  return nil
end

local function final(fix, cause)
  return function() return { fix = fix, cause = cause, why = "" } end
end

-- The chain each symptom's *Analysis function walks; the last step always holds.
local DD_CHAINS = {
  numerical = { DD_STEPS.weights, DD_STEPS.inputs, DD_STEPS.lr, final("change the activation function") },
  invalid = { DD_STEPS.output_linear, DD_STEPS.lr, final("change the optimizer") },
  stalled = { DD_STEPS.weights, DD_STEPS.inputs, DD_STEPS.lr, final("change the optimizer") },
  dead = { DD_STEPS.inputs, DD_STEPS.weights, DD_STEPS.lr,
    final("add a dropout layer or the missing activation", "dead_relu") },
  saturated = { DD_STEPS.inputs, DD_STEPS.weights, DD_STEPS.lr,
    final("add a dropout layer or the missing activation", "saturation") },
  vanishing = { DD_STEPS.lr, final("add/delete layers or change the sigmoid activation", "saturation") },
  unchanged = { DD_STEPS.weights, DD_STEPS.lr, final("change the optimizer") },
  range = { final("change the output activation") },
}

-- Walks a chain at step; completes firing f with fix, cause and the reason in detail.
local function dd_fix(ctx, chain, f)
  local skipped = {}
  for _, fn in ipairs(DD_CHAINS[chain]) do
    local r, missing = fn(ctx, f.step)
    if r then
      f.fix, f.cause = r.fix, r.cause
      f.detail = f.detail .. "; fix: " .. r.fix .. (r.why ~= "" and (" (" .. r.why .. ")") or "")
        .. (#skipped > 0 and (" [not logged: " .. table.concat(skipped, ", ") .. "]") or "")
      return f
    end
    if missing then skipped[#skipped + 1] = missing end
  end
  return f
end

-- A check run on the epochs where every(e) holds, firing where test(ctx, e) returns detail.
local function dd_epochs(chain, every, test)
  return function(ctx)
    for _, e in ipairs(ctx.v.epochs) do
      if every(ctx, e) then
        local detail = test(ctx, e)
        if detail then
          return dd_fix(ctx, chain, { step = ctx.v.epoch_end[e], epoch = e, detail = detail })
        end
      end
    end
    return nil
  end
end

local function each_epoch() return true end
local function every_n(n) return function(_, e) return e % n == 0 end end

-- Output range (identifyRange, first epoch): the output activation cannot produce what
-- the loss takes, or the regression targets lie outside what it can produce.
local RANGES = { sigmoid = { 0, 1 }, softmax = { 0, 1 }, tanh = { -1, 1 }, relu = { 0, math.huge },
  elu = { -1, math.huge }, none = { -math.huge, math.huge }, linear = { -math.huge, math.huge },
  identity = { -math.huge, math.huge } }

local function dd_range(ctx)
  local meta, out = ctx.meta, ctx.meta.output_activation
  local range = RANGES[out]
  if not range then return false, "meta.output_activation (" .. out .. ": range unknown)" end
  local lo, hi, what
  if meta.loss == "bce" then
    lo, hi, what = 0, 1, "bce takes probabilities in [0, 1]"
  elseif REGRESSION_LOSSES[meta.loss] then
    if range[1] == -math.huge and range[2] == math.huge then return nil end
    if meta.target_min == nil or meta.target_max == nil then return false, "meta.target_min/target_max" end
    lo, hi = meta.target_min, meta.target_max
    what = string.format("targets in [%s, %s]", fmt(meta.target_min), fmt(meta.target_max))
  else
    return nil   -- losses on logits (cross_entropy, bce_with_logits) take any output range
  end
  local bad
  if meta.loss == "bce" then
    bad = range[1] < lo or range[2] > hi
  else
    bad = lo < range[1] or hi > range[2]
  end
  if not bad or not ctx.v.epochs[1] then return nil end
  local e = ctx.v.epochs[1]
  return dd_fix(ctx, "range", { step = ctx.v.epoch_end[e], epoch = e,
    detail = string.format("%s output in [%s, %s], %s", out, fmt(range[1]), fmt(range[2]), what) })
end

local function dd_nonfinite(chain, names)
  return function(ctx)
    local list = type(names) == "function" and names(ctx) or names
    local step, epoch, what = first_nonfinite(ctx.v, list)
    if step then return dd_fix(ctx, chain, { step = step, epoch = epoch, detail = what }) end
    return nil
  end
end

-- Numerical error in the weights or their gradients: non-finite, or a gradient that is
-- exactly 0 everywhere (identifyNumerical also flags a mean of exactly 0).
local function dd_numerical(ctx)
  local f = dd_nonfinite("numerical", { "nonfinite", "grad_norm" })(ctx)
  for _, e in ipairs(ctx.v.epochs) do
    local step = ctx.v.epoch_end[e]
    if f and step >= f.step then break end
    if ctx.v:value_at("zero_grad_frac", step) == 1 then
      return dd_fix(ctx, "numerical", { step = step, epoch = e,
        detail = "zero_grad_frac = 1: every gradient entry is 0" })
    end
  end
  return f
end

local function dd_unchanged(names_of)
  return dd_epochs("unchanged", every_n(DD.window), function(ctx, e)
    if e < DD.window then return nil end
    for _, name in ipairs(names_of(ctx)) do
      local w = ctx.v:window(name, e - DD.window + 1, e)
      if w and all_equal(w) then
        return string.format("%s %s unchanged over epochs %d-%d", name, fmt(w[1]), e - DD.window + 1, e)
      end
    end
    return nil
  end)
end

-- A per-epoch metric (metric_of(ctx) names it) identical over the n epochs ending at e.
local function dd_stuck(metric_of, n, chain)
  return dd_epochs(chain, every_n(n), function(ctx, e)
    local metric = metric_of(ctx)
    local w = e >= n and ctx.v:window(metric, e - n + 1, e, true)
    if w and all_equal(w) then
      return string.format("%s %s identical over epochs %d-%d", metric, fmt(w[1]), e - n + 1, e)
    end
    return nil
  end)
end

local DEEPDIAGNOSIS = {
  { id = "output_range", needs = { { "meta.loss" }, { "meta.output_activation" } }, check = dd_range },
  { id = "dead_node", needs = { { "relu_zero_frac" } }, check = function(ctx)
    -- checked once, at the end of the last configured epoch (batch == self.epoch - 1)
    local total, note = ctx.v:total_epochs()
    local step = ctx.v.epoch_end[total]
    local z = ctx.v:value_at("relu_zero_frac", step)
    if step and z and z >= DD.dead then
      return dd_fix(ctx, "dead", { step = step, epoch = total,
        detail = string.format("relu_zero_frac %s >= 0.7 at the last epoch%s", fmt(z), note) })
    end
    return nil
  end },
  { id = "saturation", needs = { { "saturated_frac" } },
    check = dd_epochs("saturated", every_n(DD.window), function(ctx, e)
      local s = ctx.v:value_at("saturated_frac", ctx.v.epoch_end[e])
      if s and s > DD.saturated then return "saturated_frac " .. fmt(s) .. " > 0.5" end
      return nil
    end) },
  { id = "invalid_loss", needs = { { "loss", "batch_loss", "epoch_loss" } },
    check = dd_nonfinite("invalid", function(ctx)
      return { ctx.v:step_loss_name(), ctx.v:epoch_loss_name() }
    end) },
  { id = "loss_not_decreasing", needs = { { "epoch_loss" } },
    check = dd_stuck(function(ctx) return ctx.v:epoch_loss_name() end, DD.window, "stalled") },
  { id = "invalid_accuracy", needs = { { "acc" } }, check = dd_epochs("invalid", each_epoch, function(ctx, e)
    local a = ctx.v:by_epoch("acc")[e]
    if a and (not is_finite(a) or a == 0) then return "acc = " .. fmt(a) end
    return nil
  end) },
  { id = "accuracy_not_increasing", needs = { { "acc" } },
    check = dd_stuck(function() return "acc" end, DD.acc_window, "stalled") },
  { id = "numerical_error", needs = { { "nonfinite", "grad_norm", "zero_grad_frac" } },
    check = dd_numerical },
  { id = "vanishing", needs = { { "mean_abs_update" } },
    check = dd_epochs("vanishing", each_epoch, function(ctx, e)
      local u = ctx.v:value_at("mean_abs_update", ctx.v.epoch_end[e])
      if u and u < DD.vanishing then return "mean_abs_update " .. fmt(u) .. " < 1e-07" end
      return nil
    end) },
  { id = "unchanged_updates", needs = { { "mean_abs_update" } },
    check = dd_unchanged(function() return { "mean_abs_update" } end) },
  { id = "unchanged_weights", needs = { { "weight_var_l1" } },
    check = dd_unchanged(function(ctx) return ctx.v:layers("weight_var") end) },
}

M.RULES = DEEPDIAGNOSIS
M.ORDER = "epoch"

return M
