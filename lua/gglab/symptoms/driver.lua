--[[ lua/gglab/symptoms/driver.lua — the published symptom detectors, reimplemented over the
  curves one run logged: the entry module (require "gglab.symptoms.driver").

  Four rule sets with their published thresholds, one file each (docs/symptoms.md lists
  every rule, its source in the original repository, and why it maps to the cause it does):
    autotrainer    AUTOTRAINER (ICSE 2021): its five problems, checked from 30 % of the epochs
    deepdiagnosis  DeepDiagnosis (ICSE 2022): its symptoms, each with its fix-suggestion chain
    umlaut         UMLAUT (CHI 2021): the checks that apply to gglab's models
    deeplocalize   DeepLocalize (ICSE 2021): non-finite values, "model does not learn"
  They are the baselines gglab's doctor is measured against, and `gglab run --symptoms`.
  This module owns the TRACE format, runs a tool's rules, and reads a results folder;
  symptoms/view.lua is what the rules see of a run, symptoms/output.lua what is written.
  It only reads curves; it never trains.

  TRACE: what one run logged, { [metric] = {values = {...}, steps = {...}, epochs = {...}} }
  (trace_from_rows builds it from curve rows). META: the configuration, { epochs, lr,
  optimizer, loss, task, activations, output_activation, dropout, input_dtype,
  target_min, target_max } (gglab.lib.runmeta). A rule whose metric or META field is
  missing is "not applicable" and reported so — never silently passed.

  detect(tool, trace, meta [, opts]) -> { tool, firings, not_applicable }
    firing = { tool, rule, step, epoch, detail, cause [, fix] }: each rule fires at most
    once, at its first occurrence; cause is an id of gglab.lib.causes, or nil when what the
    tool names is none of them. Firings come in the tool's own order: earliest check first
    (epoch for the per-epoch tools, step for DeepLocalize), then the tool's priority.
    not_applicable = { {tool, rule, missing = {"acc", "meta.loss", ...}} }.
  diagnose(tool, trace, meta [, opts]) -> cause, firing: the first firing's cause,
    causes.OTHER ("other") when it maps to no gglab cause, nil when nothing fired.
  Misuse (unknown tool, malformed trace or META, unknown option) raises an error.

  A rule (in the detector files): { id, needs = {group, ...} or function(ctx) -> groups,
  check = function(ctx) -> firing fields {step, epoch, detail, cause, fix} | nil | false,
  missing }. A group is a list of alternatives ("lr" or "meta.lr"); the rule applies when
  every group has one. check may still find the rule not applicable (returns false and
  what is missing). ctx = { v = the view (symptoms/view.lua), meta, opts }. ]]

local gg = require "gglab"
local util = require "gglab.lib.util"
local store = require "gglab.engine.store"
local schema = require "gglab.lib.schema"
local causes = require "gglab.lib.causes"
local runmeta = require "gglab.lib.runmeta"
local view = require "gglab.symptoms.view"
local output = require "gglab.symptoms.output"
local args = require "gglab.lib.args"
local describe = args.describe

-- The detectors by tool id (M.TOOLS gives their output order).
local DETECTORS = {
  autotrainer = require "gglab.symptoms.autotrainer",
  deepdiagnosis = require "gglab.symptoms.deepdiagnosis",
  umlaut = require "gglab.symptoms.umlaut",
  deeplocalize = require "gglab.symptoms.deeplocalize",
}

local M = {}

M.TOOLS = { "autotrainer", "deepdiagnosis", "umlaut", "deeplocalize" }

local function tool_error(fname, what, v, allowed)
  error(string.format("%s: %s must be one of %s, got %s", fname, what, allowed, describe(v)), 4)
end

local function check_tool(fname, tool)
  if not DETECTORS[tool] then tool_error(fname, "tool", tool, "'" .. table.concat(M.TOOLS, "', '") .. "'") end
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
  if type(rows) ~= "table" then
    error("symptoms.trace_from_rows: rows must be a list, got " .. describe(rows), 2)
  end
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
--[[ trace_from_dir(dir, run_id) -> trace, meta: the curves of run run_id in the results
  directory dir (dir/runs/<id>.csv) and the META it declared with run:meta (nil when it
  declared none). nil, msg when the run has no curve file. ]]
function M.trace_from_dir(dir, run_id)
  if type(dir) ~= "string" then
    error("symptoms.trace_from_dir: dir must be a string, got " .. describe(dir), 2)
  end
  if type(run_id) ~= "string" or not run_id:match("^%x+$") then
    error("symptoms.trace_from_dir: run_id must be a hex run id, got " .. describe(run_id), 2)
  end
  local res = store.read(dir)
  local curve = schema.path(dir, schema.RUN_DIR, run_id .. schema.RUN_SUFFIXES.curve)
  if not (res and gg.fs.exists(curve)) then return nil, string.format("no curve file '%s'", curve) end
  return M.trace_from_rows(res:curve(run_id)), res:meta(run_id)
end

-- ---- the rule driver ----

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

-- rules(tool) -> the rule ids of a tool, in its priority order.
function M.rules(tool)
  check_tool("symptoms.rules", tool)
  local out = {}
  for i, r in ipairs(DETECTORS[tool].RULES) do out[i] = r.id end
  return out
end

-- ---- options ----

local DEFAULTS = { large_loss = DETECTORS.autotrainer.LARGE_LOSS, gate = "either", ungated = false,
  check_every = 1 }
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
  if type(o.ungated) ~= "boolean" then
    error(fname .. ": ungated must be a boolean, got " .. describe(o.ungated), 3)
  end
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
  runmeta.check(meta, "symptoms.detect")
  local ctx = { v = view.new(trace, meta), meta = meta, opts = check_opts(opts, "symptoms.detect") }
  local d = DETECTORS[tool]
  return run_rules(tool, d.RULES, ctx, d.ORDER)
end

-- detect_all(trace, meta [, opts]) -> { [tool] = detect(tool, ...) } for every tool.
function M.detect_all(trace, meta, opts)
  local out = {}
  for _, tool in ipairs(M.TOOLS) do out[tool] = M.detect(tool, trace, meta, opts) end
  return out
end

--[[ diagnose(tool, trace, meta [, opts]) -> cause, firing: what the tool would name — the
  cause of its first firing, causes.OTHER ("other") when that firing maps to no gglab cause,
  nil when nothing fired. ]]
function M.diagnose(tool, trace, meta, opts)
  check_tool("symptoms.diagnose", tool)
  local f = M.detect(tool, trace, meta, opts).firings[1]
  if not f then return nil end
  return f.cause or causes.OTHER, f
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
  for k, kind in pairs(runmeta.FIELDS) do
    local v = (params or {})[k]
    if v ~= nil and runmeta.valid(kind, v) then fill(k, v) end
  end
  local v = view.new(trace, out)
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
        a.results[tool], a.diagnosis[tool] = res, f and (f.cause or causes.OTHER) or false
      end
      out[#out + 1] = a
    end
  end
  return out
end

--[[ report(dir, records, stdout [, opts]) -> analyses: runs every detector over the runs
  of the results directory dir, writes dir/symptoms.csv and the summary to stdout (an
  object with :write; symptoms/output.lua). What `gglab run --symptoms` does after the sweep. ]]
function M.report(dir, records, stdout, opts)
  local analyses = M.analyze_dir(dir, records, opts)
  local path = dir .. "/" .. schema.SYMPTOMS_FILE
  output.write_csv(path, analyses, M.TOOLS)
  stdout:write(output.format(analyses, path, M.TOOLS))
  return analyses
end

return M
