--[[ lua/gglab/symptoms/autotrainer.lua — AUTOTRAINER (ICSE 2021) over one run's curves: its
  five problems (exploding, dying ReLU, vanishing, slow convergence, oscillating loss),
  checked from 30 % of the epochs (docs/symptoms.md lists every rule and its cause).

  M.RULES       the rules in the tool's priority order (see symptoms/driver.lua for the shape)
  M.ORDER       "epoch": firings are ordered by the epoch of the check, then priority
  M.LARGE_LOSS  the default of opts.large_loss (v1.0: 1e5) ]]

local view = require "gglab.symptoms.view"
local fmt, first_nonfinite, max_of = view.fmt, view.first_nonfinite, view.max_of

local M = {}

-- shiningrain/AUTOTRAINER, AutoTrainer/utils/monitor.py (v1.0): gradient_issue,
-- loss_issue, ol_judge, max_delta_acc and IssueMonitor.determine; defaults from
-- reproduce.py's params (beta_1..3, gamma, zeta, eta, delta, Theta).

local AT = { beta_1 = 1e-3, beta_2 = 1e-4, beta_3 = 70, gamma = 0.7, zeta = 0.03, eta = 0.2, delta = 0.01,
  theta = 0.6, judgment_point = 0.3, large_loss = 1e5 }

-- The epochs at which the monitor runs: 1, 1 + k, 1 + 2k, ... (Keras epoch index % k == 0).
local function at_checks(ctx)
  local out = {}
  for _, e in ipairs(ctx.v.epochs) do
    if (e - 1) % ctx.opts.check_every == 0 then out[#out + 1] = e end
  end
  return out
end

local function at_started(ctx, e)
  local total = ctx.v:total_epochs()
  return e >= AT.judgment_point * total
end

--[[ The accuracy gate: the gradient and slow-convergence problems count only while the run
  has not converged, max accuracy < Theta (v1.0: on train or on validation accuracy;
  opts.gate = "both": on both, as the later code). Without accuracy the gate is closed, or
  open with opts.ungated. Returns open, text. ]]
local function at_gate(ctx, e)
  local acc, val = ctx.v:history("acc", e), ctx.v:history("val_acc", e)
  if #acc == 0 then
    if ctx.opts.ungated then return true, "no accuracy logged, gate open (ungated)" end
    return false, "no accuracy yet"
  end
  local ma, mv = max_of(acc), max_of(val)
  local low_a, low_v = ma < AT.theta, mv ~= nil and mv < AT.theta
  local open
  if ctx.opts.gate == "both" then open = low_a and (mv == nil or low_v) else open = low_a or low_v end
  local text = string.format("max acc %s%s", fmt(ma), mv and (", max val_acc " .. fmt(mv)) or "")
  return open, text .. (open and " < 0.6" or " >= 0.6")
end

local function at_needs_gate(groups)
  return function(ctx)
    local out = { table.unpack(groups) }
    if not ctx.opts.ungated then out[#out + 1] = { "acc" } end
    return out
  end
end

--[[ A gradient problem: symptom(ctx, step) is checked at every check epoch from the first
  (IssueMonitor counts it, determine_threshold = 1); the problem is reported at the first
  check from 30 % of the epochs where the gate is open, once the symptom was seen. ]]
local function at_gradient_rule(id, groups, cause, symptom)
  return { id = id, needs = at_needs_gate(groups), check = function(ctx)
    local seen
    for _, e in ipairs(at_checks(ctx)) do
      local step = ctx.v.epoch_end[e]
      if not seen then
        local holds, what = symptom(ctx, step)
        if holds then seen = { epoch = e, what = what } end
      end
      if seen and at_started(ctx, e) then
        local open, gate = at_gate(ctx, e)
        if open then
          return { step = step, epoch = e, cause = cause,
            detail = string.format("%s at epoch %d; %s", seen.what, seen.epoch, gate) }
        end
      end
    end
    return nil
  end }
end

local function at_ratio(ctx, step)
  return ctx.v:value_at("grad_ratio", step)
end

local function at_exploding_nan(ctx)
  local v = ctx.v
  local step, epoch, what = first_nonfinite(v, { v:step_loss_name(), v:epoch_loss_name(), "val_loss",
    "nonfinite", "grad_norm" })
  if step then return { step = step, epoch = epoch, cause = "exploding_gradients", detail = what } end
  return nil
end

-- v1.0: the last validation loss >= 1e5 at a check (opts.large_loss = 1e3: the later code's value).
local function at_large_loss(ctx)
  local t = ctx.v:by_epoch("val_loss")
  for _, e in ipairs(at_checks(ctx)) do
    local x = t[e]
    if x and x >= ctx.opts.large_loss then
      return { step = ctx.v.epoch_end[e], epoch = e, cause = "exploding_gradients",
        detail = string.format("val_loss %s >= %s", fmt(x), fmt(ctx.opts.large_loss)) }
    end
  end
  return nil
end

-- ol_judge: the i-th local maximum of the training accuracy against the i-th local
-- minimum (ties count as both); pairs with amplitude >= zeta, flagged when >= eta * epochs.
local function ol_count(acc)
  local maxima, minima = {}, {}
  for i = 2, #acc - 1 do
    if acc[i] - acc[i - 1] >= 0 and acc[i] - acc[i + 1] >= 0 then maxima[#maxima + 1] = acc[i] end
    if acc[i] - acc[i - 1] <= 0 and acc[i] - acc[i + 1] <= 0 then minima[#minima + 1] = acc[i] end
  end
  local count = 0
  for i = 1, math.min(#maxima, #minima) do
    if maxima[i] - minima[i] >= AT.zeta then count = count + 1 end
  end
  return count
end

local function at_oscillating(ctx)
  for _, e in ipairs(at_checks(ctx)) do
    if at_started(ctx, e) then
      local acc = ctx.v:history("acc", e)
      local count = ol_count(acc)
      if #acc > 0 and count >= AT.eta * #acc then
        return { step = ctx.v.epoch_end[e], epoch = e, cause = "lr_too_high",
          detail = string.format("%d accuracy peak-trough pairs >= 0.03 in %d epochs (>= 0.2 x %d)",
            count, #acc, #acc) }
      end
    end
  end
  return nil
end

-- max_delta_acc: the largest epoch-to-epoch gain (0 when there is none).
local function max_gain(xs)
  local m = 0
  for i = 1, #xs - 1 do
    if xs[i + 1] - xs[i] > m then m = xs[i + 1] - xs[i] end
  end
  return m
end

local function at_slow(ctx)
  for _, e in ipairs(at_checks(ctx)) do
    local acc, val = ctx.v:history("acc", e), ctx.v:history("val_acc", e)
    if at_started(ctx, e) and #acc > 0 then
      local ga, gv = max_gain(acc), #val > 0 and max_gain(val) or nil
      local open, gate = at_gate(ctx, e)
      if open and ga < AT.delta and (gv == nil or gv < AT.delta) then
        return { step = ctx.v.epoch_end[e], epoch = e, cause = nil,
          detail = string.format("largest accuracy gain %s%s < 0.01; %s", fmt(ga),
            gv and (", val_acc " .. fmt(gv)) or "", gate) }
      end
    end
  end
  return nil
end

-- Priority: NaN and huge losses ("explode", reported first), then IssueMonitor's elif
-- chain relu > explode > vanish > not_converge, then unstable (problem_evaluation ranks
-- the gradient problems 2, not_converge and unstable 1).
local AUTOTRAINER = {
  { id = "exploding_nan",
    needs = { { "loss", "batch_loss", "epoch_loss", "val_loss", "nonfinite", "grad_norm" } },
    check = at_exploding_nan },
  { id = "exploding_loss", needs = { { "val_loss" } }, check = at_large_loss },
  at_gradient_rule("dying_relu", { { "zero_grad_frac" } }, "dead_relu", function(ctx, step)
    local z = ctx.v:value_at("zero_grad_frac", step)
    return z ~= nil and z >= AT.gamma, "zero_grad_frac " .. fmt(z) .. " >= 0.7"
  end),
  at_gradient_rule("exploding_ratio", { { "grad_ratio" } }, "exploding_gradients", function(ctx, step)
    local r = at_ratio(ctx, step)
    return r ~= nil and r > AT.beta_3, "grad_ratio " .. fmt(r) .. " > 70"
  end),
  at_gradient_rule("vanishing", { { "grad_ratio" }, { "grad_norm_l1" } }, "saturation", function(ctx, step)
    local r, g1 = at_ratio(ctx, step), ctx.v:value_at("grad_norm_l1", step)
    return r ~= nil and g1 ~= nil and r < AT.beta_1 and g1 < AT.beta_2,
      string.format("grad_ratio %s < 0.001 and grad_norm_l1 %s < 0.0001", fmt(r), fmt(g1))
  end),
  { id = "slow_convergence", needs = { { "acc" } }, check = at_slow },
  { id = "oscillating", needs = { { "acc" } }, check = at_oscillating },
}

M.RULES = AUTOTRAINER
M.ORDER = "epoch"
M.LARGE_LOSS = AT.large_loss

return M
