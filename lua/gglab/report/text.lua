--[[ lua/gglab/report/text.lua — `gglab report DIR --text`: the report as a short summary
  for a terminal: counts, claims, the best configuration and the divergence boundary per
  group and over the grid (ranked by --score), failed runs (at most 10 listed). ]]
local json = require "gglab.lib.json"
local plot = require "gglab.report.plot"
local schema = require "gglab.lib.schema"
local load = require "gglab.report.load"
local planner = require "gglab.report.plan"
local aggregate = require "gglab.report.aggregate"
local analysis = require "gglab.report.analysis"

local M = {}

local manifest_value, counts_text = load.manifest_value, load.counts_text
local label_of, concat, cross_text = aggregate.label_of, aggregate.concat, aggregate.cross_text

-- none_text(plan, unscored) -> why a group has no best configuration.
function M.none_text(plan, unscored)
  if unscored then
    return "no configuration without diverged or failed runs has a value of " .. plan.score
  end
  return "every configuration has diverged or failed runs"
end

--[[ summary(dir, opts) -> text for a terminal: counts, claims, the best configuration
  and the divergence boundary per group, failed runs (at most 10 listed). ]]
function M.summary(dir, opts)
  local data, msg = load.load(dir)
  if not data then return nil, msg end
  local plan
  plan, msg = planner.plan(data, opts)
  if not plan then return nil, msg end
  local agg
  if analysis.needs_curves(data, plan) then
    local ok
    ok, agg = pcall(aggregate.aggregate, data, plan)
    if not ok then return nil, tostring(agg) end
  end
  local scored
  scored, msg = analysis.scores(data, plan, agg)
  if not scored then return nil, msg end
  local m = data.manifest
  local lines = {}
  local name = manifest_value(m, "name") or dir
  local desc = manifest_value(m, "description")
  lines[#lines + 1] = name .. (desc and (" — " .. desc) or "")
  lines[#lines + 1] = counts_text(data) .. " (" .. dir .. ")"
  local claims = manifest_value(m, "claims")
  if type(claims) == "table" then
    for _, c in ipairs(claims) do
      lines[#lines + 1] = string.format("  claim %s: %s%s",
        c.holds == true and "HOLDS" or c.holds == false and "FAILS"
        or "UNDECIDED", c.text or "", c.detail and c.detail ~= json.null and (" (" .. c.detail .. ")") or "")
    end
  end
  local rows = analysis.best(data, plan)
  local gnames = concat(plan.rest, plan.facet)
  local width, bwidth = 0, 0
  for _, b in ipairs(rows) do
    width = math.max(width, utf8.len(b.group) or #b.group)
    if b.best then bwidth = math.max(bwidth, utf8.len(b.best) or #b.best) end
  end
  local function pad(s, w) return s .. string.rep(" ", (w or width) - (utf8.len(s) or #s)) end
  lines[#lines + 1] = ""
  lines[#lines + 1] = string.format(
    "Best configuration per %s (%s median %s, no diverged or failed run):",
    #gnames > 0 and cross_text(gnames) or "sweep", analysis.direction_text(plan), plan.score)
  for _, b in ipairs(rows) do
    if b.best then
      local mt, lt, ht = plot.fmt_interval(b.median, b.lo, b.hi)
      lines[#lines + 1] = string.format("  %s  %s  %s %s%s over %d run%s", pad(b.group),
        pad(b.best, bwidth), plan.score, mt, lt and string.format(" [%s, %s]", lt, ht) or "",
        b.n, b.n == 1 and "" or "s")
    else
      lines[#lines + 1] = string.format("  %s  none: %s", pad(b.group), M.none_text(plan, b.unscored))
    end
  end
  local o, unscored = analysis.overall(data, plan)
  lines[#lines + 1] = ""
  if o then
    local mt, lt, ht = plot.fmt_interval(o.median, o.lo, o.hi)
    lines[#lines + 1] = string.format("Best of the grid (%s median %s): %s  %s %s%s over %d run%s%s",
      analysis.direction_text(plan), plan.score, o.best, plan.score, mt,
      lt and string.format(" [%s, %s]", lt, ht) or "", o.n, o.n == 1 and "" or "s",
      o.seeds and (" (seed " .. o.seeds .. ")") or "")
  else
    lines[#lines + 1] = string.format("Best of the grid (%s median %s): none: %s", analysis.direction_text(plan),
      plan.score, M.none_text(plan, unscored))
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = string.format("Divergence along %s:", plan.x_param or plan.color or "the sweep")
  for _, b in ipairs(rows) do lines[#lines + 1] = string.format("  %s  %s", pad(b.group), b.boundary) end
  local failed = {}
  for _, r in ipairs(data.runs) do
    if r.status == "failed" then failed[#failed + 1] = r end
  end
  lines[#lines + 1] = ""
  if #failed == 0 then
    lines[#lines + 1] = "Failed runs: none."
  else
    lines[#lines + 1] = string.format("Failed runs: %d", #failed)
    local names = {}
    for _, p in ipairs(data.params) do names[#names + 1] = p.name end
    for i = 1, math.min(10, #failed) do
      local r = failed[i]
      lines[#lines + 1] = string.format("  %s %s  %s", r.id, label_of(data, r, names, " "), r.error)
    end
    if #failed > 10 then
      lines[#lines + 1] = string.format("  ... and %d more (see %s)", #failed - 10, schema.RUNS_FILE)
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

return M
