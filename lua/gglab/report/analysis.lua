--[[ lua/gglab/report/analysis.lua — the score of every run (--score: a runs.csv column or
  the final value of a logged metric), the best configuration per group and over the whole
  grid, and where runs start to diverge along the sweep axis: the rows of the report's
  "Best configuration" table and of the --text summary. ]]
local aggregate = require "gglab.report.aggregate"
local store = require "gglab.engine.store"

local M = {}

local groups, concat, cell_stats = aggregate.groups, aggregate.concat, aggregate.cell_stats

-- The runs.csv columns that are neither parameters nor bookkeeping: candidates for --score.
local NOT_SCORES = { run_id = true, run_seed = true, status = true, error = true }

-- result_columns(data) -> list of runs.csv columns a score may name (read generically).
function M.result_columns(data)
  local out = {}
  for _, h in ipairs(data.header) do
    if not NOT_SCORES[h] and not data.param[h] then out[#out + 1] = h end
  end
  return out
end

-- column_index(data, name) -> position of a result column in runs.csv, or nil.
local function column_index(data, name)
  if data.param[name] or NOT_SCORES[name] then return nil end
  for i, h in ipairs(data.header) do
    if h == name then return i end
  end
  return nil
end

-- needs_curves(data, plan) -> true when the score is not a runs.csv column (a metric's
-- final value, so curves.csv must be read).
function M.needs_curves(data, plan) return column_index(data, plan.score) == nil end

--[[ scores(data, plan, agg) -> true | nil, msg: sets plan.scores (run id -> number) from
  the runs.csv column plan.score, else from the final value of the metric plan.score in
  agg (aggregate.aggregate's agg.final). A name that is neither gives "bad --score ..."
  listing both kinds. ]]
function M.scores(data, plan, agg)
  local scores = {}
  local i = column_index(data, plan.score)
  if i then
    for _, r in ipairs(data.runs) do scores[r.id] = store.number(r.fields[i] or "") end
  elseif agg and agg.final[plan.score] then
    for id, v in pairs(agg.final[plan.score]) do scores[id] = v end
  else
    local metrics = agg and agg.metrics or {}
    return nil, string.format("bad --score '%s': expected a column of runs.csv (%s) or a metric of "
      .. "curves.csv (%s)", plan.score, table.concat(M.result_columns(data), ", "),
      #metrics > 0 and table.concat(metrics, ", ") or "none")
  end
  plan.scores = scores
  return true
end

-- better(plan, a, b) -> true when score a beats b in plan.direction (b may be nil).
local function better(plan, a, b)
  if b == nil then return true end
  if plan.direction == "max" then return a > b end
  return a < b
end

-- direction_text(plan) -> "highest" or "lowest".
function M.direction_text(plan) return plan.direction == "max" and "highest" or "lowest" end

-- The best configuration among groups of runs (the ones without bad runs): row fields.
local function best_of(plan, configs, row)
  for _, c in ipairs(configs) do
    local s = cell_stats(c.runs, plan.scores)
    if s.bad == 0 and not s.median then row.unscored = true end
    if s.bad == 0 and s.median and better(plan, s.median, row.median) then
      local lo, hi = math.huge, -math.huge
      for _, v in ipairs(s.vals) do lo, hi = math.min(lo, v), math.max(hi, v) end
      row.best = c.label ~= "" and c.label or "(the only configuration)"
      row.median, row.lo, row.hi, row.n, row.runs_of_best = s.median, lo, hi, #c.runs, c.runs
    end
  end
  return row
end

--[[ overall(data, plan) -> {best (label), median, lo, hi, n, seeds (text: the seed values
  of its runs, or nil without a seed parameter)} or nil, unscored (as in best): the configuration of every
  varying parameter with the best median score (plan.direction) over its runs, among those
  none of whose runs diverged or failed. ]]
function M.overall(data, plan)
  local row = best_of(plan, groups(data, plan.varying), {})
  if not row.best then return nil, row.unscored end
  local sp = data.param.seed
  if sp then
    local seeds = {}
    for _, r in ipairs(row.runs_of_best) do seeds[#seeds + 1] = r.p.seed end
    table.sort(seeds, function(a, b) return (sp.index[a] or 0) < (sp.index[b] or 0) end)
    for k, v in ipairs(seeds) do seeds[k] = sp.label[v] end
    row.seeds = table.concat(seeds, ", ")
  end
  return row
end

--[[ best(data, plan) -> list of rows {group, best (label or nil), median, lo, hi, n,
  runs, bad (diverged or failed runs in the group), unscored (true when a configuration
  without bad runs had no finite score), boundary (text)}: per group (the
  panel and figure parameters), the configuration of the remaining varying parameters
  with the best median score (plan.scores, lowest or highest by plan.direction) over its
  runs, among configurations none of whose runs diverged or failed. ]]
function M.best(data, plan)
  local within = concat(plan.x_param and { plan.x_param } or {}, plan.color and { plan.color } or {})
  local gnames = concat(plan.rest, plan.facet)
  local out = {}
  for _, g in ipairs(groups(data, gnames)) do
    local row = { group = g.label ~= "" and g.label or "all runs", runs = #g.runs, bad = 0 }
    for _, r in ipairs(g.runs) do
      if r.status ~= "ok" then row.bad = row.bad + 1 end
    end
    best_of(plan, groups(data, within, g.runs), row)
    row.runs_of_best = nil
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
