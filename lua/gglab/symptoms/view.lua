--[[ lua/gglab/symptoms/view.lua — a read-only view over one run's TRACE and META, and the
  small helpers every published detector shares (number formatting in details, the first
  non-finite value, constant windows). The detectors (autotrainer, deepdiagnosis, umlaut,
  deeplocalize) see a run only through it.

  TRACE: { [metric] = {values = {...}, steps = {...}, epochs = {...}} }; META: see
  gglab.lib.runmeta. new(trace, meta) -> view:
    view.epoch_end[e]  the last step logged in epoch e
    view.epochs        the epochs seen (>= 1), sorted; the last one possibly unfinished
    view:has / series / value_at / first / by_epoch / history / window / first_where /
    layers / step_loss_name / epoch_loss_name / total_epochs (see each below) ]]

local gg = require "gglab"
local util = require "gglab.lib.util"
local is_finite, sorted_keys = util.is_finite, util.sorted_keys

local M = {}

-- Output activations with no nonlinearity.
M.LINEAR = { none = true, linear = true, identity = true }
-- gg.train's losses for regression.
M.REGRESSION_LOSSES = { mse = true, l1 = true, smooth_l1 = true, huber = true }

-- fmt(x): numbers in details, 4 significant digits; nan/inf spelled as in the CSV files.
function M.fmt(x)
  if type(x) ~= "number" then return tostring(x) end
  if not is_finite(x) then return gg.fmt_number(x) end
  return string.format("%.4g", x)
end
local fmt = M.fmt

-- ---- the view ----

local View = {}
View.__index = View

--[[ new(trace, meta) -> the view over trace (checked by the caller) and meta (a table). ]]
function M.new(trace, meta)
  local v = setmetatable({ trace = trace, meta = meta, epoch_end = {}, epochs = {}, by_epoch_cache = {} },
    View)
  for _, s in pairs(trace) do
    local eps = s.epochs or {}
    for i, step in ipairs(s.steps) do
      local e = eps[i]
      if e and e >= 1 and (not v.epoch_end[e] or step > v.epoch_end[e]) then v.epoch_end[e] = step end
    end
  end
  v.epochs = sorted_keys(v.epoch_end)
  return v
end

-- has("loss") / has("meta.lr"): the metric has values, or the META field is set.
function View:has(name)
  local field = name:match("^meta%.(.+)$")
  if field then return self.meta[field] ~= nil end
  local s = self.trace[name]
  return s ~= nil and #s.values > 0
end

-- series(name) -> the metric's {values, steps, epochs} when it has values, else nil.
function View:series(name)
  local s = self.trace[name]
  if s and #s.values > 0 then return s end
  return nil
end

-- The last value logged at or before step (steps are in logging order, non-decreasing).
function View:value_at(name, step)
  local s = self:series(name)
  if not s or not step then return nil end
  local lo, hi, found = 1, #s.steps, nil
  while lo <= hi do
    local mid = (lo + hi) // 2
    if s.steps[mid] <= step then found, lo = mid, mid + 1 else hi = mid - 1 end
  end
  return found and s.values[found] or nil
end

-- The first value logged (input_min and input_max are logged once).
function View:first(name)
  local s = self:series(name)
  return s and s.values[1] or nil
end

-- { [epoch] = value }: the last value logged in each epoch (for per-epoch metrics).
function View:by_epoch(name)
  local t = self.by_epoch_cache[name]
  if t then return t end
  t = {}
  local s = self:series(name)
  if s and s.epochs then
    for i, x in ipairs(s.values) do
      local e = s.epochs[i]
      if e then t[e] = x end
    end
  end
  self.by_epoch_cache[name] = t
  return t
end

-- The values of a per-epoch metric over epochs 1..upto that have one, in epoch order.
function View:history(name, upto)
  local t, out = self:by_epoch(name), {}
  for _, e in ipairs(self.epochs) do
    if e > upto then break end
    if t[e] ~= nil then out[#out + 1] = t[e] end
  end
  return out
end

-- The values of a metric at the ends of epochs first..last, or nil when one is missing.
function View:window(name, first, last, per_epoch)
  local out = {}
  for e = first, last do
    local x
    if per_epoch then x = self:by_epoch(name)[e] else x = self:value_at(name, self.epoch_end[e]) end
    if x == nil then return nil end
    out[#out + 1] = x
  end
  return out
end

--[[ first_where(name, pred) -> step, epoch, value of the first logged value of metric
  name for which pred holds, or nil. ]]
function View:first_where(name, pred)
  local s = self:series(name)
  if not s then return nil end
  for i, x in ipairs(s.values) do
    if pred(x) then return s.steps[i], s.epochs and s.epochs[i], x end
  end
  return nil
end

-- Names of the per-layer metrics prefix_l1, prefix_l2, ... that were logged, in order.
function View:layers(prefix)
  local out = {}
  for i = 1, math.huge do
    local name = prefix .. "_l" .. i
    if not self:has(name) then break end
    out[i] = name
  end
  return out
end

-- The training loss per step and per epoch (keras = true logs them as batch_loss and loss).
function View:step_loss_name()
  return self:has("batch_loss") and "batch_loss" or "loss"
end

function View:epoch_loss_name()
  return self:has("batch_loss") and "loss" or "epoch_loss"
end

-- Epochs the run was configured for: META, else the last epoch seen (marked in details).
function View:total_epochs()
  if self.meta.epochs then return self.meta.epochs, "" end
  return self.epochs[#self.epochs] or 0, " (epochs from the trace)"
end

-- ---- helpers the detectors share ----

local function nonfinite(x) return not is_finite(x) end
local function flag_set(x) return x ~= 0 end

--[[ first_nonfinite(v, names) -> step, epoch, what: the earliest non-finite value among
  the metrics named (ties: the order of names); "nonfinite" counts when it is not 0. ]]
function M.first_nonfinite(v, names)
  local best
  for _, name in ipairs(names) do
    local pred = name == "nonfinite" and flag_set or nonfinite
    local step, epoch, x = v:first_where(name, pred)
    if step and (not best or step < best.step) then
      best = { step = step, epoch = epoch, what = name == "nonfinite" and "a weight or gradient is nan/inf"
        or (name .. " = " .. fmt(x)) }
    end
  end
  if best then return best.step, best.epoch, best.what end
  return nil
end

-- All values equal (DeepDiagnosis's and DeepLocalize's meanResult: mean == max).
function M.all_equal(xs)
  for i = 2, #xs do
    if xs[i] ~= xs[1] then return false end
  end
  return #xs > 0
end

-- max_of(xs) -> the largest of xs, nil when empty.
function M.max_of(xs)
  local m
  for _, x in ipairs(xs) do
    if m == nil or x > m then m = x end
  end
  return m
end

return M
