--[[ lua/gglab/symptoms.lua — the published symptom detectors, reimplemented over the
  curves one run logged.

  Four rule sets with their published thresholds (docs/symptoms.md lists every rule, its
  source in the original repository, and why it maps to the cause it does):
    autotrainer    AUTOTRAINER (ICSE 2021): its five problems, checked from 30 % of the epochs
    deepdiagnosis  DeepDiagnosis (ICSE 2022): its symptoms, each with its fix-suggestion chain
    umlaut         UMLAUT (CHI 2021): the checks that apply to gglab's models
    deeplocalize   DeepLocalize (ICSE 2021): non-finite values, "model does not learn"
  They are the baselines gglab's doctor is measured against, and `gglab run --symptoms`.
  This module only reads curves; it never trains.

  TRACE: what one run logged, { [metric] = {values = {...}, steps = {...}, epochs = {...}} }
  (trace_from_rows builds it from curve rows). META: the configuration, { epochs, lr,
  optimizer, loss, task, activations, output_activation, dropout, input_dtype,
  target_min, target_max } (check_meta). A rule whose metric or META field is missing is
  "not applicable" and reported so — never silently passed.

  detect(tool, trace, meta [, opts]) -> { tool, firings, not_applicable }
    firing = { tool, rule, step, epoch, detail, cause [, fix] }: each rule fires at most
    once, at its first occurrence; cause is one of M.CAUSES, or nil when what the tool
    names is none of them. Firings come in the tool's own order: earliest check first
    (epoch for the per-epoch tools, step for DeepLocalize), then the tool's priority.
    not_applicable = { {tool, rule, missing = {"acc", "meta.loss", ...}} }.
  diagnose(tool, trace, meta [, opts]) -> cause, firing: the first firing's cause, "other"
    when it maps to no gglab cause, nil when nothing fired ("no problem").
  Misuse (unknown tool, malformed trace or META, unknown option) raises an error. ]]

local gg = require "gglab"
local util = require "gglab.lib.util"
local args = require "gglab.lib.args"
local describe = args.describe
local is_finite, sorted_keys = util.is_finite, util.sorted_keys

local M = {}

M.TOOLS = { "autotrainer", "deepdiagnosis", "umlaut", "deeplocalize" }
M.CAUSES = { "lr_too_high", "momentum_too_high", "outliers", "unscaled_features", "label_noise",
  "saturation", "exploding_gradients", "regularization_too_strong", "batch_too_small",
  "class_imbalance", "dead_relu", "no_lr_decay" }
M.OTHER = "other"   -- diagnose(): the tool named a problem that is none of M.CAUSES
M.FILE = "symptoms.csv"
M.CSV_COLUMNS = { "run_id", "tool", "rule", "step", "epoch", "cause", "detail" }

local IS_TOOL, IS_CAUSE = {}, {}
for _, t in ipairs(M.TOOLS) do IS_TOOL[t] = true end
for _, c in ipairs(M.CAUSES) do IS_CAUSE[c] = true end

-- Output activations with no nonlinearity.
local LINEAR = { none = true, linear = true, identity = true }
local REGRESSION_LOSSES = { mse = true, l1 = true, smooth_l1 = true, huber = true }

-- ---- helpers ----

-- Numbers in details: 4 significant digits; nan/inf spelled as in the CSV files.
local function fmt(x)
  if type(x) ~= "number" then return tostring(x) end
  if not is_finite(x) then return gg.fmt_number(x) end
  return string.format("%.4g", x)
end

local function tool_error(fname, what, v, allowed)
  error(string.format("%s: %s must be one of %s, got %s", fname, what, allowed, describe(v)), 4)
end

local function check_tool(fname, tool)
  if not IS_TOOL[tool] then tool_error(fname, "tool", tool, "'" .. table.concat(M.TOOLS, "', '") .. "'") end
end

-- ---- META ----

--[[ META fields: kind and meaning. Any other key is allowed (and ignored by the rules),
  so a run can record more about itself. ]]
local META_FIELDS = {
  epochs = "integer",            -- epochs the run was configured for (AUTOTRAINER's 30 %)
  lr = "number",                 -- initial learning rate (UMLAUT when no `lr` curve)
  optimizer = "string",          -- "sgd", "adam", ...
  loss = "string",               -- gg.train's loss name: "mse", "cross_entropy", "bce", ...
  task = "string",               -- "regression" | "classification"
  activations = "strings",       -- hidden layers' activations, in order
  output_activation = "string",  -- "none", "sigmoid", "softmax", "relu", "tanh", ...
  dropout = "numbers",           -- dropout probabilities of the model's dropout layers
  input_dtype = "string",        -- "float" (gglab datasets are float32)
  target_min = "number",         -- range of the regression targets (DeepDiagnosis range check)
  target_max = "number",
}

local function is_list_of(v, kind)
  if type(v) ~= "table" then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n ~= #v then return false end
  for _, x in ipairs(v) do
    if type(x) ~= kind then return false end
  end
  return true
end

local META_CHECKS = {
  integer = function(v) return math.type(v) == "integer" and v >= 1, "an integer >= 1" end,
  number = function(v) return type(v) == "number", "a number" end,
  string = function(v) return type(v) == "string", "a string" end,
  strings = function(v) return is_list_of(v, "string"), "a list of strings" end,
  numbers = function(v) return is_list_of(v, "number"), "a list of numbers" end,
}

--[[ check_meta(meta, fname): raises "<fname>: meta.<field> must be ..., got ..." when a
  known field has the wrong type, or task is not "regression"/"classification". ]]
function M.check_meta(meta, fname)
  fname = fname or "symptoms"
  if type(meta) ~= "table" then error(fname .. ": meta must be a table, got " .. describe(meta), 3) end
  for k, v in pairs(meta) do
    if type(k) ~= "string" then error(fname .. ": meta keys must be strings, got " .. describe(k), 3) end
    local kind = META_FIELDS[k]
    if kind then
      local ok, want = META_CHECKS[kind](v)
      if not ok then error(string.format("%s: meta.%s must be %s, got %s", fname, k, want, describe(v)), 3) end
    end
  end
  if meta.task ~= nil and meta.task ~= "regression" and meta.task ~= "classification" then
    error(fname .. ": meta.task must be 'regression' or 'classification', got " .. describe(meta.task), 3)
  end
end

-- ---- traces ----

local function check_trace(trace, fname)
  if type(trace) ~= "table" then error(fname .. ": trace must be a table, got " .. describe(trace), 3) end
  for name, s in pairs(trace) do
    if type(name) ~= "string" or type(s) ~= "table" or type(s.values) ~= "table" or type(s.steps) ~= "table"
      or #s.values ~= #s.steps or (s.epochs ~= nil and type(s.epochs) ~= "table") then
      error(string.format("%s: trace[%s] must be {values =, steps = [, epochs =]} with as many steps "
        .. "as values", fname, describe(name)), 3)
    end
  end
end

--[[ trace_from_rows(rows) -> trace, from curve rows {step, epoch, metric, value} (what a
  run's curve file holds: store's read_curve, claims' R:curve rows), in logging order. ]]
function M.trace_from_rows(rows)
  if type(rows) ~= "table" then error("symptoms.trace_from_rows: rows must be a list, got " .. describe(rows), 2) end
  local trace = {}
  for i, r in ipairs(rows) do
    if type(r) ~= "table" or type(r.metric) ~= "string" or type(r.value) ~= "number"
      or type(r.step) ~= "number" or (r.epoch ~= nil and type(r.epoch) ~= "number") then
      error(string.format("symptoms.trace_from_rows: rows[%d] must be {step = number, epoch = number|nil, "
        .. "metric = string, value = number}", i), 2)
    end
    local s = trace[r.metric]
    if not s then
      s = { values = {}, steps = {}, epochs = {} }
      trace[r.metric] = s
    end
    local n = #s.values + 1
    s.values[n], s.steps[n], s.epochs[n] = r.value, r.step, r.epoch
  end
  return trace
end

--[[ trace_from_dir(dir, run_id) -> trace, meta: the curves of run run_id in the results
  directory dir (dir/runs/<id>.csv) and the META it declared with run:meta (nil when it
  declared none). nil, msg when the run has no curve file. ]]
function M.trace_from_dir(dir, run_id)
  if type(dir) ~= "string" then error("symptoms.trace_from_dir: dir must be a string, got " .. describe(dir), 2) end
  if type(run_id) ~= "string" or not run_id:match("^%x+$") then
    error("symptoms.trace_from_dir: run_id must be a hex run id, got " .. describe(run_id), 2)
  end
  local store = require "gglab.store"
  local base = dir .. "/" .. store.RUN_DIR .. "/" .. run_id
  if not gg.fs.exists(base .. ".csv") then return nil, string.format("no curve file '%s.csv'", base) end
  return M.trace_from_rows(store.read_curve_file(base .. ".csv")), store.read_meta_file(base .. ".meta.json")
end

-- ---- a view over one trace ----

-- Epoch structure and lookups shared by the rules: epoch_end[e] is the last step logged
-- in epoch e; epochs lists the epochs seen (>= 1), the last one possibly unfinished.
local View = {}
View.__index = View

local function new_view(trace, meta)
  local v = setmetatable({ trace = trace, meta = meta, epoch_end = {}, epochs = {}, by_epoch_cache = {} }, View)
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

local function nonfinite(x) return not is_finite(x) end
local function flag_set(x) return x ~= 0 end

--[[ first_nonfinite(v, names) -> step, epoch, what: the earliest non-finite value among
  the metrics named (ties: the order of names); "nonfinite" counts when it is not 0. ]]
local function first_nonfinite(v, names)
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
local function all_equal(xs)
  for i = 2, #xs do
    if xs[i] ~= xs[1] then return false end
  end
  return #xs > 0
end

local function max_of(xs)
  local m
  for _, x in ipairs(xs) do
    if m == nil or x > m then m = x end
  end
  return m
end

-- ---- the rule driver ----

--[[ A rule: { id, needs = {group, ...} or function(ctx) -> groups, check = function(ctx)
  -> firing fields {step, epoch, detail, cause, fix} | nil | false, missing }. A group is a
  list of alternatives ("lr" or "meta.lr"); the rule applies when every group has one.
  check may still find the rule not applicable (returns false and what is missing). ]]
local function missing_of(rule, ctx)
  local groups = type(rule.needs) == "function" and rule.needs(ctx) or rule.needs or {}
  local missing = {}
  for _, group in ipairs(groups) do
    local found = false
    for _, name in ipairs(group) do
      if ctx.v:has(name) then
        found = true
        break
      end
    end
    if not found then missing[#missing + 1] = table.concat(group, "|") end
  end
  return missing
end

local function run_rules(tool, rules, ctx, key)
  local result = { tool = tool, firings = {}, not_applicable = {} }
  for priority, rule in ipairs(rules) do
    local missing = missing_of(rule, ctx)
    local f, more
    if #missing == 0 then f, more = rule.check(ctx) end
    if #missing > 0 or f == false then
      result.not_applicable[#result.not_applicable + 1] = { tool = tool, rule = rule.id,
        missing = #missing > 0 and missing or { more } }
    elseif f then
      f.tool, f.rule, f.priority = tool, rule.id, priority
      result.firings[#result.firings + 1] = f
    end
  end
  table.sort(result.firings, function(a, b)
    local ka, kb = a[key] or 0, b[key] or 0
    if ka ~= kb then return ka < kb end
    return a.priority < b.priority
  end)
  for _, f in ipairs(result.firings) do f.priority = nil end
  return result
end

-- ---- AUTOTRAINER ----
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
  { id = "exploding_nan", needs = { { "loss", "batch_loss", "epoch_loss", "val_loss", "nonfinite", "grad_norm" } },
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

-- ---- DeepDiagnosis ----
-- DeepDiagnosis/ICSE2022, callback/callbacks.py: mapFaluireToFix.on_epoch_end (the
-- checks, in this order, once per epoch), identify* (thresholds) and the *Analysis
-- functions (the fix suggested for each symptom).

local DD = { dead = 0.7, saturated = 0.5, vanishing = 1e-7, var_lo = 1e-5, var_hi = 10, lr_lo = 1e-5, lr_hi = 1e-1,
  window = 5, acc_window = 20 }

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
        if detail then return dd_fix(ctx, chain, { step = ctx.v.epoch_end[e], epoch = e, detail = detail }) end
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
    lo, hi, what = meta.target_min, meta.target_max, string.format("targets in [%s, %s]", fmt(meta.target_min),
      fmt(meta.target_max))
  else
    return nil   -- losses on logits (cross_entropy, bce_with_logits) take any output range
  end
  local bad
  if meta.loss == "bce" then bad = range[1] < lo or range[2] > hi else bad = lo < range[1] or hi > range[2] end
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
    check = dd_nonfinite("invalid", function(ctx) return { ctx.v:step_loss_name(), ctx.v:epoch_loss_name() } end) },
  { id = "loss_not_decreasing", needs = { { "epoch_loss" } },
    check = dd_stuck(function(ctx) return ctx.v:epoch_loss_name() end, DD.window, "stalled") },
  { id = "invalid_accuracy", needs = { { "acc" } }, check = dd_epochs("invalid", each_epoch, function(ctx, e)
    local a = ctx.v:by_epoch("acc")[e]
    if a and (not is_finite(a) or a == 0) then return "acc = " .. fmt(a) end
    return nil
  end) },
  { id = "accuracy_not_increasing", needs = { { "acc" } },
    check = dd_stuck(function() return "acc" end, DD.acc_window, "stalled") },
  { id = "numerical_error", needs = { { "nonfinite", "grad_norm", "zero_grad_frac" } }, check = dd_numerical },
  { id = "vanishing", needs = { { "mean_abs_update" } }, check = dd_epochs("vanishing", each_epoch, function(ctx, e)
    local u = ctx.v:value_at("mean_abs_update", ctx.v.epoch_end[e])
    if u and u < DD.vanishing then return "mean_abs_update " .. fmt(u) .. " < 1e-07" end
    return nil
  end) },
  { id = "unchanged_updates", needs = { { "mean_abs_update" } },
    check = dd_unchanged(function() return { "mean_abs_update" } end) },
  { id = "unchanged_weights", needs = { { "weight_var_l1" } },
    check = dd_unchanged(function(ctx) return ctx.v:layers("weight_var") end) },
}

-- ---- UMLAUT ----
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
      return pretrain(string.format("dropout layer %d has p = %s > 0.5", i, fmt(p)), "regularization_too_strong")
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
      if lo < -1 or hi > 1 then return string.format("inputs in [%s, %s], outside [-1, 1]", fmt(lo), fmt(hi)) end
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
  { id = "high_val_acc", needs = { { "acc" }, { "val_acc" } }, check = um_epochs("label_noise", function(ctx, e)
    local va, ta = ctx.v:by_epoch("val_acc")[e], ctx.v:by_epoch("acc")[e]
    if va == nil or ta == nil then return nil end
    if va > UM.val_acc_high then return "val_acc " .. fmt(va) .. " > 0.95" end
    if va - ta > UM.val_gap then return string.format("val_acc %s - acc %s > 0.05", fmt(va), fmt(ta)) end
    return nil
  end, UM.first_acc_epoch) },
}

-- ---- DeepLocalize ----
-- Wardat-ISU/DeepLocalize, "Our Callback/callbacks.py" (class DeepLocalize,
-- on_batch_end): per batch, non-finite weights, loss, gradients; "MDL" (model does not
-- learn) when the last N = 5 losses are identical, checked every 5 batches.

local DL = { window = 5 }

local function dl_not_learning(ctx)
  local s = ctx.v:series(ctx.v:step_loss_name())
  for k = DL.window, #s.values, DL.window do
    local w = table.move(s.values, k - DL.window + 1, k, 1, {})
    if all_equal(w) then
      return { step = s.steps[k], epoch = s.epochs and s.epochs[k], cause = nil,
        detail = string.format("loss %s identical over %d logged steps %s-%s", fmt(w[1]), DL.window,
          tostring(s.steps[k - DL.window + 1]), tostring(s.steps[k])) }
    end
  end
  return nil
end

local function dl_nonfinite(names)
  return function(ctx)
    local list = type(names) == "function" and names(ctx) or names
    local step, epoch, what = first_nonfinite(ctx.v, list)
    if step then return { step = step, epoch = epoch, detail = what, cause = "exploding_gradients" } end
    return nil
  end
end

local DEEPLOCALIZE = {
  { id = "nonfinite_weights", needs = { { "nonfinite" } }, check = dl_nonfinite { "nonfinite" } },
  { id = "invalid_loss", needs = { { "loss", "batch_loss" } },
    check = dl_nonfinite(function(ctx) return { ctx.v:step_loss_name() } end) },
  { id = "not_learning", needs = { { "loss", "batch_loss" } }, check = dl_not_learning },
  { id = "nonfinite_gradients", needs = { { "grad_norm" } }, check = dl_nonfinite { "grad_norm" } },
}

local RULES = { autotrainer = AUTOTRAINER, deepdiagnosis = DEEPDIAGNOSIS, umlaut = UMLAUT, deeplocalize = DEEPLOCALIZE }
-- What orders a tool's firings: the check (epoch) for the per-epoch tools, the step for DeepLocalize.
local ORDER_KEY = { autotrainer = "epoch", deepdiagnosis = "epoch", umlaut = "epoch", deeplocalize = "step" }

-- rules(tool) -> the rule ids of a tool, in its priority order.
function M.rules(tool)
  check_tool("symptoms.rules", tool)
  local out = {}
  for i, r in ipairs(RULES[tool]) do out[i] = r.id end
  return out
end

-- ---- options ----

local DEFAULTS = { large_loss = AT.large_loss, gate = "either", ungated = false, check_every = 1 }
local OPTION_KEYS = { "large_loss", "gate", "ungated", "check_every" }

local function check_opts(opts, fname)
  if opts == nil then return DEFAULTS end
  if type(opts) ~= "table" then error(fname .. ": opts must be a table or nil, got " .. describe(opts), 3) end
  local o = {}
  for k, v in pairs(DEFAULTS) do o[k] = v end
  args.check_options(fname, opts, OPTION_KEYS, 3)
  for k, v in pairs(opts) do o[k] = v end
  if type(o.large_loss) ~= "number" or not (o.large_loss > 0) then
    error(fname .. ": large_loss must be a number > 0, got " .. describe(o.large_loss), 3)
  end
  if o.gate ~= "either" and o.gate ~= "both" then
    error(fname .. ": gate must be 'either' or 'both', got " .. describe(o.gate), 3)
  end
  if type(o.ungated) ~= "boolean" then error(fname .. ": ungated must be a boolean, got " .. describe(o.ungated), 3) end
  if math.type(o.check_every) ~= "integer" or o.check_every < 1 then
    error(fname .. ": check_every must be an integer >= 1, got " .. describe(o.check_every), 3)
  end
  return o
end

-- ---- the entry points ----

--[[ detect(tool, trace, meta [, opts]) -> {tool, firings, not_applicable} (see the file
  header). opts (AUTOTRAINER): large_loss = 1e5 (1e3: the later code's value), gate =
  "either" (v1.0: max train or max val accuracy < 0.6) | "both" (later code), ungated =
  false (true: runs without accuracy get the gradient rules, gate open), check_every = 1
  (epochs between checks; reproduce.py uses 3). ]]
function M.detect(tool, trace, meta, opts)
  check_tool("symptoms.detect", tool)
  check_trace(trace, "symptoms.detect")
  meta = meta or {}
  M.check_meta(meta, "symptoms.detect")
  local ctx = { v = new_view(trace, meta), meta = meta, opts = check_opts(opts, "symptoms.detect") }
  return run_rules(tool, RULES[tool], ctx, ORDER_KEY[tool])
end

-- detect_all(trace, meta [, opts]) -> { [tool] = detect(tool, ...) } for every tool.
function M.detect_all(trace, meta, opts)
  local out = {}
  for _, tool in ipairs(M.TOOLS) do out[tool] = M.detect(tool, trace, meta, opts) end
  return out
end

--[[ diagnose(tool, trace, meta [, opts]) -> cause, firing: what the tool would name — the
  cause of its first firing, M.OTHER ("other") when that firing maps to no gglab cause,
  nil when nothing fired. ]]
function M.diagnose(tool, trace, meta, opts)
  check_tool("symptoms.diagnose", tool)
  local f = M.detect(tool, trace, meta, opts).firings[1]
  if not f then return nil end
  return f.cause or M.OTHER, f
end

-- is_cause(id) -> true for the ids of M.CAUSES.
function M.is_cause(id)
  return IS_CAUSE[id] == true
end

-- ---- a results directory: gglab run --symptoms ----

--[[ derive_meta(trace, meta, params) -> meta, derived: a copy of meta completed where the
  run declared nothing: a META field from the run's parameter of the same name (when of
  the right kind), epochs from the last epoch logged, lr from the first `lr` value, task
  "classification" when accuracy was logged, input_dtype "float" (gglab datasets are
  float32). derived lists the fields filled in, sorted. ]]
function M.derive_meta(trace, meta, params)
  local out, derived = {}, {}
  for k, v in pairs(meta or {}) do out[k] = v end
  local function fill(k, v)
    if out[k] == nil and v ~= nil then out[k], derived[#derived + 1] = v, k end
  end
  for k, kind in pairs(META_FIELDS) do
    local v = (params or {})[k]
    if v ~= nil and META_CHECKS[kind](v) then fill(k, v) end
  end
  local v = new_view(trace, out)
  fill("epochs", v.epochs[#v.epochs])
  fill("lr", v:first("lr"))
  fill("task", v:has("acc") and "classification" or nil)
  fill("input_dtype", "float")
  if out.task ~= nil and out.task ~= "regression" and out.task ~= "classification" then
    out.task = nil   -- a parameter named task with another meaning
  end
  table.sort(derived)
  return out, derived
end

--[[ analyze_dir(dir, records [, opts]) -> list of {record, meta, derived, results =
  {[tool] = detect(...)}, diagnosis = {[tool] = cause or false}} for the runs (records
  with run_id, params, status: the runner's result.records) of the results directory dir;
  runs that logged nothing (no curve file, or an empty one: failed at once) are skipped. ]]
function M.analyze_dir(dir, records, opts)
  local out = {}
  for _, r in ipairs(records) do
    local trace, declared = M.trace_from_dir(dir, r.run_id)
    if trace and next(trace) then
      local meta, derived = M.derive_meta(trace, declared, r.params)
      local a = { record = r, meta = meta, derived = derived, declared = declared ~= nil, results = {},
        diagnosis = {} }
      for _, tool in ipairs(M.TOOLS) do
        local res = M.detect(tool, trace, meta, opts)
        local f = res.firings[1]
        a.results[tool], a.diagnosis[tool] = res, f and (f.cause or M.OTHER) or false
      end
      out[#out + 1] = a
    end
  end
  return out
end

-- write_csv(path, analyses): symptoms.csv, one row per firing (M.CSV_COLUMNS).
function M.write_csv(path, analyses)
  local w, err = gg.csv.writer(path .. ".tmp")
  if not w then error(string.format("cannot write '%s': %s", path, tostring(err)), 0) end
  w:row(M.CSV_COLUMNS)
  for _, a in ipairs(analyses) do
    for _, tool in ipairs(M.TOOLS) do
      for _, f in ipairs(a.results[tool].firings) do
        w:row { a.record.run_id, tool, f.rule, f.step == nil and gg.NULL or f.step,
          f.epoch == nil and gg.NULL or f.epoch, f.cause or gg.NULL, f.detail or "" }
      end
    end
  end
  local ok, msg = w:close()
  if not ok then error(string.format("cannot write '%s': %s", path, tostring(msg)), 0) end
  local renamed, rmsg = gg.fs.rename(path .. ".tmp", path)
  if not renamed then error(string.format("cannot write '%s': %s", path, tostring(rmsg)), 0) end
end

-- "lr=0.1 optimizer=adam": the parameters but seed, sorted (runs of one configuration).
local function config_key(params)
  local parts = {}
  for _, k in ipairs(sorted_keys(params or {})) do
    if k ~= "seed" then
      local v = params[k]
      parts[#parts + 1] = k .. "=" .. (type(v) == "number" and gg.fmt_number(v) or tostring(v))
    end
  end
  return #parts > 0 and table.concat(parts, " ") or "(all runs)"
end

local function group_by_config(analyses)
  local groups, by_key = {}, {}
  for _, a in ipairs(analyses) do
    local key = config_key(a.record.params)
    local g = by_key[key]
    if not g then
      g = { key = key, runs = {} }
      by_key[key], groups[#groups + 1] = g, g
    end
    g.runs[#g.runs + 1] = a
  end
  return groups
end

local function status_counts(runs)
  local counts, order = {}, {}
  for _, a in ipairs(runs) do
    local s = a.record.status or "?"
    if not counts[s] then order[#order + 1] = s end
    counts[s] = (counts[s] or 0) + 1
  end
  local parts = {}
  for i, s in ipairs(order) do parts[i] = counts[s] .. " " .. s end
  return table.concat(parts, ", ")
end

-- "exploding_nan 3/3 (step 4-7)" for each rule of tool that fired in the group's runs.
local function tool_line(runs, tool)
  local stats, order, diag, dorder = {}, {}, {}, {}
  for _, a in ipairs(runs) do
    for _, f in ipairs(a.results[tool].firings) do
      local st = stats[f.rule]
      if not st then
        st = { n = 0, lo = f.step, hi = f.step }
        stats[f.rule], order[#order + 1] = st, f.rule
      end
      st.n, st.lo, st.hi = st.n + 1, math.min(st.lo, f.step), math.max(st.hi, f.step)
    end
    local d = a.diagnosis[tool]
    if d then
      if not diag[d] then dorder[#dorder + 1] = d end
      diag[d] = (diag[d] or 0) + 1
    end
  end
  if #order == 0 then return nil end
  local parts = {}
  for i, rule in ipairs(order) do
    local st = stats[rule]
    parts[i] = string.format("%s %d/%d (step %s)", rule, st.n, #runs,
      st.lo == st.hi and tostring(st.lo) or (st.lo .. "-" .. st.hi))
  end
  local dparts = {}
  for i, d in ipairs(dorder) do dparts[i] = string.format("%s %d/%d", d, diag[d], #runs) end
  return table.concat(parts, ", ") .. "  => " .. table.concat(dparts, ", ")
end

-- Not-applicable rules over all runs: per tool, "rule [missing] (k/n runs)".
local function not_applicable_lines(analyses)
  local lines = {}
  for _, tool in ipairs(M.TOOLS) do
    local stats, order = {}, {}
    for _, a in ipairs(analyses) do
      for _, na in ipairs(a.results[tool].not_applicable) do
        local st = stats[na.rule]
        if not st then
          st = { n = 0, missing = {}, seen = {} }
          stats[na.rule], order[#order + 1] = st, na.rule
        end
        st.n = st.n + 1
        for _, m in ipairs(na.missing) do
          if not st.seen[m] then st.seen[m], st.missing[#st.missing + 1] = true, m end
        end
      end
    end
    if #order > 0 then
      local parts = {}
      for i, rule in ipairs(order) do
        local st = stats[rule]
        parts[i] = string.format("%s [%s]%s", rule, table.concat(st.missing, ", "),
          st.n < #analyses and string.format(" (%d/%d runs)", st.n, #analyses) or "")
      end
      lines[#lines + 1] = string.format("  %-14s %s", tool, table.concat(parts, ", "))
    end
  end
  return lines
end

--[[ format(analyses, csv_path) -> the terminal summary: per configuration (parameters but
  seed) the rules each tool fired (in k/n runs, at which steps) and what it would
  diagnose; then the rules that could not apply and what they lacked. ]]
function M.format(analyses, csv_path)
  local groups = group_by_config(analyses)
  local declared, derived = 0, {}
  for _, a in ipairs(analyses) do
    if a.declared then declared = declared + 1 end
    for _, k in ipairs(a.derived) do derived[k] = true end
  end
  local lines = { string.format("Symptoms: %s over %d runs in %d configurations; every firing in %s.",
    table.concat(M.TOOLS, ", "), #analyses, #groups, csv_path),
    string.format("META declared by %d/%d runs (run:meta)%s.", declared, #analyses,
      next(derived) and ("; derived from parameters and curves: " .. table.concat(sorted_keys(derived), ", ")) or "") }
  for _, g in ipairs(groups) do
    local tl, any = {}, false
    for _, tool in ipairs(M.TOOLS) do
      local line = tool_line(g.runs, tool)
      any = any or line ~= nil
      tl[#tl + 1] = string.format("  %-14s %s", tool, line or "-")
    end
    local head = string.format("%s  [%d run%s: %s]", g.key, #g.runs, #g.runs == 1 and "" or "s",
      status_counts(g.runs))
    if any then
      lines[#lines + 1] = head
      for _, l in ipairs(tl) do lines[#lines + 1] = l end
    else
      lines[#lines + 1] = head .. "  nothing fired"
    end
  end
  local na = not_applicable_lines(analyses)
  if #na > 0 then
    lines[#lines + 1] = "Not applicable (metric or META missing):"
    for _, l in ipairs(na) do lines[#lines + 1] = l end
  end
  return table.concat(lines, "\n") .. "\n"
end

--[[ report(dir, records, stdout [, opts]) -> analyses: runs every detector over the runs
  of the results directory dir, writes dir/symptoms.csv and the summary to stdout (an
  object with :write). What `gglab run --symptoms` does after the sweep. ]]
function M.report(dir, records, stdout, opts)
  local analyses = M.analyze_dir(dir, records, opts)
  local path = dir .. "/" .. M.FILE
  M.write_csv(path, analyses)
  stdout:write(M.format(analyses, path))
  return analyses
end

return M
