--[[ lua/gglab/symptoms/umlaut.lua — UMLAUT (CHI 2021) over one run's curves and META: the
  pre-training and per-epoch heuristics that apply to gglab's models (docs/symptoms.md
  lists every rule and its cause).

  M.RULES  the rules in the tool's order (see symptoms/driver.lua for the shape)
  M.ORDER  "epoch": firings are ordered by epoch (pre-training checks: epoch 0), then priority ]]

local view = require "gglab.symptoms.view"
local fmt, LINEAR, REGRESSION_LOSSES = view.fmt, view.LINEAR, view.REGRESSION_LOSSES

local M = {}

-- BerkeleyHCI/umlaut, umlaut/heuristics.py: run_pretrain_heuristics and
-- run_epoch_heuristics, in their order; messages from umserver/errors.py.

local UM = { lr_high = 0.01, lr_low = 1e-7, val_acc_high = 0.95, val_gap = 0.05, first_acc_epoch = 4 }

local LOGIT_LOSSES = { cross_entropy = true, bce_with_logits = true }
local PROBABILITY_OUTPUTS = { sigmoid = true, softmax = true }

local function pretrain(detail, cause)
  return { step = 0, epoch = 0, detail = detail, cause = cause }
end

-- Keras from_logits vs a softmax output, in gglab's terms: cross_entropy and
-- bce_with_logits take logits; bce takes probabilities.
local function um_softmax(ctx)
  local loss, out = ctx.meta.loss, ctx.meta.output_activation
  if LOGIT_LOSSES[loss] and PROBABILITY_OUTPUTS[out] then
    return pretrain(string.format("%s output into %s, which applies softmax/sigmoid itself", out, loss))
  end
  if loss == "bce" and not PROBABILITY_OUTPUTS[out] then
    return pretrain(string.format("%s output into bce, which expects probabilities", out))
  end
  return nil
end

local function um_missing_activation(ctx)
  for i, a in ipairs(ctx.meta.activations) do
    if LINEAR[a] then return pretrain(string.format("hidden layer %d has activation '%s'", i, a)) end
  end
  return nil
end

-- FinalLayerHasActivationError, for regression: a bounded output clips what it can fit.
local function um_last_layer(ctx)
  local out, meta = ctx.meta.output_activation, ctx.meta
  if meta.task == nil and meta.loss == nil then return false, "meta.task|meta.loss" end
  local regression = meta.task == "regression" or (meta.task == nil and REGRESSION_LOSSES[meta.loss])
  if regression and not LINEAR[out] then
    return pretrain(string.format("regression output has activation '%s'", out), "saturation")
  end
  return nil
end

local function um_dropout(ctx)
  for i, p in ipairs(ctx.meta.dropout) do
    if p > 0.5 then
      return pretrain(string.format("dropout layer %d has p = %s > 0.5", i, fmt(p)),
        "regularization_too_strong")
    end
  end
  return nil
end

-- An epoch check: the first epoch e (from `from`) where test(ctx, e) returns detail.
local function um_epochs(cause, test, from)
  return function(ctx)
    for _, e in ipairs(ctx.v.epochs) do
      if e >= (from or 1) then
        local detail = test(ctx, e)
        if detail then return { step = ctx.v.epoch_end[e], epoch = e, detail = detail, cause = cause } end
      end
    end
    return nil
  end
end

local function um_lr(ctx, e)
  local lr = ctx.v:value_at("lr", ctx.v.epoch_end[e])
  if lr == nil then return ctx.meta.lr end
  return lr
end

local function um_loss_nan(ctx, e)
  local v = ctx.v
  local x = v:by_epoch(v:epoch_loss_name())[e]
  if x ~= nil and x ~= x then return true end
  local s = v:series(v:step_loss_name())
  for i, y in ipairs(s and s.values or {}) do
    if s.epochs and s.epochs[i] == e and y ~= y then return true end
  end
  return false
end

local UMLAUT = {
  { id = "softmax_logits", needs = { { "meta.loss" }, { "meta.output_activation" } }, check = um_softmax },
  { id = "missing_activation", needs = { { "meta.activations" } }, check = um_missing_activation },
  { id = "last_layer_activation", needs = { { "meta.output_activation" } }, check = um_last_layer },
  { id = "high_dropout", needs = { { "meta.dropout" } }, check = um_dropout },
  { id = "input_not_normalized", needs = { { "input_min" }, { "input_max" } },
    check = um_epochs("unscaled_features", function(ctx)
      local lo, hi = ctx.v:first("input_min"), ctx.v:first("input_max")
      if lo < -1 or hi > 1 then
        return string.format("inputs in [%s, %s], outside [-1, 1]", fmt(lo), fmt(hi))
      end
      return nil
    end) },
  { id = "input_not_float", needs = { { "meta.input_dtype" } }, check = um_epochs(nil, function(ctx)
    if ctx.meta.input_dtype ~= "float" then return "input dtype " .. ctx.meta.input_dtype end
    return nil
  end) },
  { id = "nan_input", needs = { { "loss", "batch_loss", "epoch_loss" }, { "input_min" }, { "input_max" } },
    check = um_epochs(nil, function(ctx, e)
      local lo, hi = ctx.v:first("input_min"), ctx.v:first("input_max")
      if um_loss_nan(ctx, e) and (lo ~= lo or hi ~= hi) then return "loss is nan and the inputs hold nan" end
      return nil
    end) },
  { id = "lr_high", needs = { { "lr", "meta.lr" } }, check = um_epochs("lr_too_high", function(ctx, e)
    local lr = um_lr(ctx, e)
    if lr and lr > UM.lr_high then return "lr " .. fmt(lr) .. " > 0.01" end
    return nil
  end) },
  { id = "lr_low", needs = { { "lr", "meta.lr" } }, check = um_epochs(nil, function(ctx, e)
    local lr = um_lr(ctx, e)
    if lr and lr < UM.lr_low then return "lr " .. fmt(lr) .. " < 1e-07" end
    return nil
  end) },
  { id = "overfitting", needs = { { "val_loss" }, { "epoch_loss", "batch_loss" } },
    check = um_epochs(nil, function(ctx, e)
      local val, train = ctx.v:by_epoch("val_loss"), ctx.v:by_epoch(ctx.v:epoch_loss_name())
      if not (val[e] and val[e - 1] and train[e] and train[e - 1]) then return nil end
      local dv, dt = val[e] - val[e - 1], train[e] - train[e - 1]
      if dv > 0 and dt <= 0 then
        return string.format("val_loss up by %s while the training loss changed by %s", fmt(dv), fmt(dt))
      end
      return nil
    end, 2) },
  { id = "high_val_acc", needs = { { "acc" }, { "val_acc" } },
    check = um_epochs("label_noise", function(ctx, e)
      local va, ta = ctx.v:by_epoch("val_acc")[e], ctx.v:by_epoch("acc")[e]
      if va == nil or ta == nil then return nil end
      if va > UM.val_acc_high then return "val_acc " .. fmt(va) .. " > 0.95" end
      if va - ta > UM.val_gap then return string.format("val_acc %s - acc %s > 0.05", fmt(va), fmt(ta)) end
      return nil
    end, UM.first_acc_epoch) },
}

M.RULES = UMLAUT
M.ORDER = "epoch"

return M
