--[[ lua/gglab/report/analysis.lua — the best configuration per group and where runs start
  to diverge along the sweep axis: the rows of the report's "Best configuration" table and
  of the --text summary. ]]
local aggregate = require "gglab.report.aggregate"

local M = {}

local groups, concat, cell_stats = aggregate.groups, aggregate.concat, aggregate.cell_stats

--[[ best(data, plan) -> list of rows {group, best (label or nil), median, lo, hi, n,
  runs, bad (diverged or failed runs in the group), boundary (text)}: per group (the
  panel and figure parameters), the configuration of the remaining varying parameters
  with the lowest median score over its runs, among configurations none of whose runs
  diverged or failed. ]]
function M.best(data, plan)
  local within = concat(plan.x_param and { plan.x_param } or {}, plan.color and { plan.color } or {})
  local gnames = concat(plan.rest, plan.facet)
  local out = {}
  for _, g in ipairs(groups(data, gnames)) do
    local row = { group = g.label ~= "" and g.label or "all runs", runs = #g.runs, bad = 0 }
    for _, r in ipairs(g.runs) do
      if r.status ~= "ok" then row.bad = row.bad + 1 end
    end
    for _, c in ipairs(groups(data, within, g.runs)) do
      local s = cell_stats(c.runs, plan.score)
      if s.bad == 0 and s.median and (not row.median or s.median < row.median) then
        local lo, hi = math.huge, -math.huge
        for _, v in ipairs(s.vals) do lo, hi = math.min(lo, v), math.max(hi, v) end
        row.best = c.label ~= "" and c.label or "(the only configuration)"
        row.median, row.lo, row.hi, row.n = s.median, lo, hi, #c.runs
      end
    end
    row.boundary = M.boundary(data, plan, g.runs)
    out[#out + 1] = row
  end
  return out
end

--[[ boundary(data, plan, runs) -> text: where runs start to diverge along the sweep axis
  (the x parameter, else the colour one). For a numeric axis: "stable up to A; diverges
  from B (k/n)" — A the largest value below the first divergence, k/n the diverged runs at
  B — and "all diverge from C" when every run from C on diverged. Otherwise the values
  with diverged runs. "no divergence" when none did. ]]
function M.boundary(data, plan, runs)
  local axis = plan.x_param or plan.color
  local diverged = 0
  for _, r in ipairs(runs) do
    if r.status == "diverged" then diverged = diverged + 1 end
  end
  if diverged == 0 then return "no divergence" end
  if not axis then return string.format("%d of %d runs diverged", diverged, #runs) end
  local p = data.param[axis]
  local at = groups(data, { axis }, runs)
  local stats = {}
  for i, g in ipairs(at) do
    local k = 0
    for _, r in ipairs(g.runs) do
      if r.status == "diverged" then k = k + 1 end
    end
    stats[i] = { label = p.label[g.first.p[axis]], k = k, n = #g.runs }
  end
  if p.kind ~= "number" then
    local parts = {}
    for _, s in ipairs(stats) do
      if s.k > 0 then parts[#parts + 1] = string.format("%s=%s (%d/%d)", axis, s.label, s.k, s.n) end
    end
    return "diverged at " .. table.concat(parts, ", ")
  end
  local first
  for i, s in ipairs(stats) do
    if s.k > 0 then
      first = i
      break
    end
  end
  local all_from
  for i = #stats, 1, -1 do
    if stats[i].k == stats[i].n then all_from = i else break end
  end
  local parts = {}
  if first > 1 then parts[#parts + 1] = string.format("stable up to %s=%s", axis, stats[first - 1].label) end
  parts[#parts + 1] = string.format("first divergence at %s=%s (%d/%d runs)", axis, stats[first].label,
    stats[first].k, stats[first].n)
  if all_from then
    parts[#parts + 1] = string.format("all diverge from %s=%s", axis, stats[all_from].label)
  end
  return table.concat(parts, "; ")
end

return M
