--[[ lua/gglab/doctor/evidence.lua — what the doctor reads from a set of runs (one per
  seed) besides their outcomes: the symptoms of a problem (diverging, training loss rising,
  validation loss rising while the training loss falls) and the evidence of the unchanged
  runs' diagnostics curves, read against the published rules of thumb. Also the doctor's
  number format (M.fmt), shared by these texts and the printout (gglab.doctor.output). ]]
local util = require "gglab.lib.util"
local stats = require "gglab.lib.stats"
local panel = require "gglab.doctor.panel"

local M = {}

-- A curve "rises" when its last value is above RISE x its minimum. The validation loss
-- needs the margin a fix must beat (1.5x): on a small validation set a healthy run's loss
-- drifts by more than 10 % (one row of 45 changes it), which is no problem any fix solves.
M.RISE = 1.1
M.VAL_RISE = 1.5

local function rises(list, factor)
  if not list or #list < 2 then return false end
  local min = math.huge
  for _, v in ipairs(list) do if v == v then min = math.min(min, v) end end
  local last = list[#list]
  return last == last and last > factor * min
end

-- The first n entries of list (all of it when n is nil).
local function upto(list, n)
  if not list or not n or n >= #list then return list end
  return table.move(list, 1, n, 1, {})
end

--[[ symptoms(results) -> {diverged = k, rising = k, val_rising = k, n = n, list = {...}}:
  the problem signs of a set of runs (one per seed). ]]
function M.symptoms(results)
  local s = { diverged = 0, rising = 0, val_rising = 0, n = #results }
  for _, r in ipairs(results) do
    if r.status == "diverged" then
      s.diverged = s.diverged + 1
    elseif r.status == "ok" then
      -- A run that restored its best epoch (early stopping) ends with that epoch's model.
      local best = r.curves.doctor_best_epoch and r.curves.doctor_best_epoch[#r.curves.doctor_best_epoch]
      local train = r.curves.epoch_loss and upto(r.curves.epoch_loss, best) or r.curves.loss
      if rises(train, M.RISE) then s.rising = s.rising + 1 end
      local val = upto(r.curves.val_loss, best)
      if val and rises(val, M.VAL_RISE) and train and #train >= 2 and train[#train] < train[1] then
        s.val_rising = s.val_rising + 1
      end
    end
  end
  s.list = {}
  if s.n > 0 and s.diverged >= 0.25 * s.n then
    s.list[#s.list + 1] = string.format("diverges in %d/%d seeds", s.diverged, s.n)
  end
  if s.n > 0 and s.rising >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("training loss rising at the end in %d/%d seeds", s.rising, s.n)
  end
  if s.n > 0 and s.val_rising >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("validation loss rising while the training loss falls in %d/%d seeds",
      s.val_rising, s.n)
  end
  return s
end


--[[ fmt(x) -> x as the doctor prints numbers: 3 significant digits, "inf", "-inf", "-" for nil. ]]
function M.fmt(x)
  if x == nil then return "-" end
  if x == math.huge then return "inf" elseif x == -math.huge then return "-inf" end
  return string.format("%.3g", x)
end
local fmt = M.fmt

-- ---- evidence: what the unchanged runs' diagnostics say ----

local function finite_values(list)
  local out = {}
  for _, v in ipairs(list or {}) do if util.is_finite(v) then out[#out + 1] = v end end
  return out
end

local function max_of(list)
  local m
  for _, v in ipairs(finite_values(list)) do if not m or v > m then m = v end end
  return m
end

local function last_of(list)
  local f = finite_values(list)
  return f[#f]
end

--[[ evidence(results [, seen]) -> list of {cause, text}: the diagnostics signals of the
  unchanged runs (medians over seeds) that point to a cause, with the published rule of
  thumb they are read against. Evidence, not the verdict: the verdict comes from the fixes.
  seen (the probe's observations): inputs that are token ids have no input-range signal. ]]
function M.evidence(results, seen)
  local function med(f)
    local xs = {}
    for _, r in ipairs(results) do
      local v = f(r.curves)
      if v ~= nil and v == v then xs[#xs + 1] = v end
    end
    return stats.median(xs), #xs
  end
  local out = {}
  local function add(cause, text) out[#out + 1] = { cause = cause, text = text } end
  local ur = med(function(c) return max_of(c.update_ratio) end)
  if ur and ur > 1e-1 then
    add("lr_too_high", string.format("update/weight ratio up to %s per step, far above the usual 1e-3",
      fmt(ur)))
  end
  local sh = med(function(c)
    local s, l = c.sharpness, c.sharpness_limit
    if not s or not l then return nil end
    local m
    for i = 1, math.min(#s, #l) do
      if util.is_finite(s[i]) and util.is_finite(l[i]) and l[i] > 0 then m = math.max(m or 0, s[i] / l[i]) end
    end
    return m
  end)
  if sh and sh > 1.5 then
    add("lr_too_high", string.format("sharpness %s x the stability limit (2/lr for SGD)", fmt(sh)))
  end
  local sat = med(function(c) return last_of(c.saturated_frac) end)
  if sat and sat > 0.5 then
    add("saturation", string.format(
      "%s%% of sigmoid/tanh units saturated (beyond +-5; DeepDiagnosis flags > 50%%)",
      fmt(100 * sat)))
  end
  local dead = med(function(c) return last_of(c.dead_relu_frac) end)
  if dead and dead > 0.5 then
    add("dead_relu", string.format("%s%% of ReLU units dead on a whole batch", fmt(100 * dead)))
  end
  local zg = med(function(c) return last_of(c.zero_grad_frac) end)
  if zg and zg >= 0.7 then
    add("dead_relu", string.format("%s%% of gradient entries exactly 0 (AUTOTRAINER flags >= 70%%)",
      fmt(100 * zg)))
  end
  local growth = med(function(c)
    local g = finite_values(c.grad_norm)
    if #g < 2 or g[1] <= 0 then return nil end
    return max_of(g) / g[1]
  end)
  if growth and growth > 100 then
    add("exploding_gradients", string.format("gradient norm grows to %s x its first value", fmt(growth)))
  end
  local ratio = med(function(c) return last_of(c.grad_ratio) end)
  if ratio and ratio > 70 then
    add("exploding_gradients", string.format("first/last layer gradient ratio %s (AUTOTRAINER: > 70)",
      fmt(ratio)))
  elseif ratio and ratio < 1e-3 then
    add("saturation", string.format("first/last layer gradient ratio %s (AUTOTRAINER vanishing: < 1e-3)",
      fmt(ratio)))
  end
  local span = med(function(c)
    local lo, hi = c.input_min and c.input_min[1], c.input_max and c.input_max[1]
    if not lo or not hi then return nil end
    return math.max(math.abs(lo), math.abs(hi))
  end)
  if span and span > 10 and not (seen and panel.token_ids(seen)) then
    add("unscaled_features", string.format("input values up to %s (UMLAUT and DeepDiagnosis expect [-1, 1])",
      fmt(span)))
  end
  local wv = med(function(c)
    local m
    for k, list in pairs(c) do
      if k:match("^weight_var_l%d+$") then
        local v = list[1]
        if v and util.is_finite(v) then m = math.max(m or 0, v) end
      end
    end
    return m
  end)
  if wv and wv > 10 then
    add("bad_init", string.format("initial weight variance up to %s (DeepDiagnosis: outside [1e-5, 10])",
      fmt(wv)))
  elseif wv and wv < 1e-5 then
    add("bad_init", string.format("initial weight variance %s (DeepDiagnosis: outside [1e-5, 10])", fmt(wv)))
  end
  local spikes = med(function(c)
    local f = finite_values(c.loss_spike)
    if #f == 0 then return nil end
    local k = 0
    for _, v in ipairs(f) do k = k + v end
    return k / #f
  end)
  if spikes and spikes > 0.1 then
    add("lr_too_high", string.format("loss spikes in %s%% of the recorded steps", fmt(100 * spikes)))
  end
  return out
end

return M
