--[[ lua/gglab/doctor/output.lua — the doctor's report, written out: the printed diagnosis
  (text; summary: one line for gglab doctor -q), <out>/doctor.txt (the same text, which
  gglab report shows) and <out>/doctor.csv (columns: gglab.lib.schema DOCTOR_COLUMNS; a fix
  that helps without naming a cause has helps = "tuning hint: <why>"). ]]
local gg = require "gglab"
local util = require "gglab.lib.util"
local sweep = require "gglab.sweep"
local args = require "gglab.lib.args"
local schema = require "gglab.lib.schema"
local evidence = require "gglab.doctor.evidence"
local verdict = require "gglab.doctor.verdict"

local M = {}

local fmt = evidence.fmt

-- Whether row helps at the report's level.
local function helps(row, report) return verdict.helps(row, report.margin, report.alpha) end

-- The helps column / printout word of a row: "helps", "tuning hint: <why>" or "".
local function helps_word(row, report)
  if row.hint then return "tuning hint: " .. row.hint end
  return helps(row, report) and "helps" or ""
end

-- One line: the configuration and the verdict (gglab doctor -q).
function M.summary(report)
  local parts = {}
  for _, k in ipairs(util.sorted_keys(report.point)) do
    local v = report.point[k]
    if k ~= "seed" then
      parts[#parts + 1] = k .. "=" .. (type(v) == "table" and sweep.list_text(v) or tostring(v))
    end
  end
  return string.format("%s: %s (%d runs, %.1f s)\n",
    #parts > 0 and table.concat(parts, ", ") or "configuration",
    report.verdict, report.runs, report.wall_s)
end

local function effect_text(row)
  local e = row.effect
  return string.format("%s [%s, %s]", fmt(e.median), fmt(e.lo), fmt(e.hi))
end

--[[ text(report) -> the terminal diagnosis. ]]
function M.text(report)
  local L = {}
  local n = #report.seeds
  local parts = {}
  for _, k in ipairs(util.sorted_keys(report.point)) do
    local v = report.point[k]
    if k ~= "seed" then
      parts[#parts + 1] = k .. "=" .. (type(v) == "boolean" and tostring(v)
        or type(v) == "table" and sweep.list_text(v) or (type(v) == "string" and v or args.describe(v)))
    end
  end
  L[#L + 1] = "configuration: " .. (#parts > 0 and table.concat(parts, ", ") or "(the only one)")
  for _, w in ipairs(report.warnings or {}) do L[#L + 1] = "warning: " .. w end
  if report.metric and report.metric:match("accuracy$") then
    L[#L + 1] = string.format("judged on: the %s (as the error rate 1 - accuracy)", report.metric)
  elseif report.metric then
    L[#L + 1] = string.format("judged on: the %s (the run's own loss%s)", report.metric,
      report.loss and ", " .. report.loss or "")
  end
  if report.stopped then
    L[#L + 1] = string.format("stopped after the first %d of %d seeds: the verdict was decided (p < %.3g)",
      report.stopped, #(report.seeds_planned or report.seeds), report.alpha)
  end
  L[#L + 1] = string.format("unchanged over %d seeds: outcome (median) %s; %s", n,
    report.baseline_outcome and fmt(report.baseline_outcome)
      or ((report.symptoms.diverged or 0) > 0 and "none (diverged)" or "none (no run logged one: no gg.train)"),
    #report.symptoms.list > 0 and table.concat(report.symptoms.list, "; ")
      or "no symptom (no divergence, no rising loss, learning, not far worse than an easy reference, "
        .. "generalising, not stopped in the middle of its descent, an output that reaches the targets)")
  if report.reference_why then
    L[#L + 1] = "  easy reference: the constant predictor only (no linear model: " .. report.reference_why
      .. ")"
  end
  L[#L + 1] = "verdict: " .. report.verdict
  local b = report.best
  if b then
    L[#L + 1] = string.format("  %s: converges in %d/%d seeds, outcome %s, median change in log outcome %s",
      b.fix.text, b.n - b.diverged, b.n, fmt(b.outcome), effect_text(b))
    if report.tied then
      L[#L + 1] = string.format("  %s: as good (median change %s)", report.tied.fix.text,
        effect_text(report.tied))
    end
    if report.interacting then
      L[#L + 1] = string.format("  then %s: median change against the first fix alone %s, no symptom left",
        report.interacting.fix.text, effect_text(report.interacting))
    end
  elseif report.interacting then
    L[#L + 1] = string.format("  %s: median change in log outcome %s, no symptom left (no single fix "
      .. "clears it)", report.interacting.fix.text, effect_text(report.interacting))
  end
  if report.hints and #report.hints > 0 then
    local list = {}
    for _, row in ipairs(report.hints) do
      list[#list + 1] = string.format("%s (median change %s; %s)", row.fix.text, fmt(row.effect.median),
        row.hint)
    end
    L[#L + 1] = "  tuning hints (improve the outcome, name no cause): " .. table.concat(list, "; ")
  end
  if report.evidence and #report.evidence > 0 then
    local named = {}
    for _, c in ipairs(report.causes or {}) do named[c] = true end
    local agree, other = {}, {}
    for _, e in ipairs(report.evidence) do
      if named[e.cause] then
        agree[#agree + 1] = e.text
      else
        other[#other + 1] = e.text .. " (" .. e.cause .. ")"
      end
    end
    if #agree > 0 then L[#L + 1] = "  diagnostics that agree: " .. table.concat(agree, "; ") end
    if #other > 0 then L[#L + 1] = "  other diagnostics: " .. table.concat(other, "; ") end
  elseif report.evidence then
    L[#L + 1] = "  diagnostics: no signal beyond the published thresholds"
  end
  L[#L + 1] = string.format("panel (median change in log outcome vs unchanged, bootstrap 95%% interval, "
    .. "adjusted p; helps = p < %.3g and at least %.3gx better):", report.alpha or verdict.ALPHA,
    report.margin)
  for _, row in ipairs(report.rows) do
    local word = helps_word(row, report)
    L[#L + 1] = string.format("  %-14s %-26s %-28s p %-7s diverged %2d/%-2d %s%s", row.fix.name,
      row.fix.cause,
      effect_text(row), fmt(row.p_adj), row.diverged, row.n, word,
      #row.symptoms.list > 0 and (word ~= "" and ", but " or "")
        .. table.concat(row.symptoms.list, "; ")
        or "")
  end
  for _, s in ipairs(report.skipped) do
    L[#L + 1] = string.format("  %-14s not applicable: %s", s.fix.name, s.why or "")
  end
  L[#L + 1] = string.format("%d training runs, %.1f s", report.runs, report.wall_s)
  return table.concat(L, "\n") .. "\n"
end

--[[ write_text(report, path): the printed diagnosis, for gglab report's Doctor section. ]]
function M.write_text(report, path)
  local f, err = io.open(path, "w")
  if not f then error(string.format("cannot write '%s': %s", path, tostring(err)), 0) end
  f:write(M.text(report))
  f:close()
end

--[[ write_csv(report, path): doctor.csv, one row per fix (and per second-step combination). ]]
function M.write_csv(report, path)
  local rows = { schema.DOCTOR_COLUMNS }
  local function add(step, row)
    local e = row.effect
    rows[#rows + 1] = { step, row.fix.name, row.fix.cause, row.outcome or gg.NULL, e.median or gg.NULL,
      e.lo or gg.NULL, e.hi or gg.NULL, row.p_adj, row.n, row.diverged,
      row.hint and ("tuning hint: " .. row.hint) or tostring(helps(row, report)) }
  end
  for _, row in ipairs(report.rows) do add(1, row) end
  for _, row in ipairs(report.second or {}) do add(2, row) end
  for _, s in ipairs(report.skipped) do
    rows[#rows + 1] = { 1, s.fix.name, s.fix.cause, gg.NULL, gg.NULL, gg.NULL, gg.NULL, gg.NULL, 0, 0,
      "not applicable: " .. (s.why or "") }
  end
  local w, err = gg.csv.writer(path)
  if not w then error(string.format("cannot write '%s': %s", path, tostring(err)), 0) end
  for _, r in ipairs(rows) do w:row(r, #schema.DOCTOR_COLUMNS) end
  local ok, cerr = w:close()
  if not ok then error(string.format("cannot write '%s': %s", path, tostring(cerr)), 0) end
end

--[[ write(report, dir) -> csv path, text path: doctor.csv and doctor.txt (gglab.lib.schema's
  names) in dir. ]]
function M.write(report, dir)
  local csv, text = schema.path(dir, schema.DOCTOR_CSV), schema.path(dir, schema.DOCTOR_TEXT)
  M.write_csv(report, csv)
  M.write_text(report, text)
  return csv, text
end

return M
