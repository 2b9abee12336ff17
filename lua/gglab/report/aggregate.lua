--[[ lua/gglab/report/aggregate.lua — grouping runs by parameter values and reducing
  curves.csv, streamed once through the store's reader, to one accumulator per (metric,
  group, x): a sweep's curves never sit in memory as rows. Also the per-cell statistics
  of the heatmap and the best configurations. ]]
local plot = require "gglab.report.plot"
local store = require "gglab.engine.store"

local M = {}

local number, finite = store.number, plot.finite

-- Metrics shown first, in this order; any others follow by name.
local METRIC_ORDER = { loss = 1, epoch_loss = 2, batch_loss = 3, val_loss = 4 }

-- ---- grouping ----

-- key(run, names) -> a string that sorts like the tuple of the runs' value positions.
local function key_of(data, run, names)
  local parts = {}
  for i, n in ipairs(names) do parts[i] = string.format("%06d", data.param[n].index[run.p[n]]) end
  return table.concat(parts, ".")
end

-- "optimizer=adam · task=linreg" for a run's values of names ("" for no names).
local function label_of(data, run, names, sep)
  local parts = {}
  for i, n in ipairs(names) do parts[i] = n .. "=" .. data.param[n].label[run.p[n]] end
  return table.concat(parts, sep or " · ")
end

--[[ groups(data, names) -> sorted list of {key, label, runs, first} over the value
  combinations of names that occur in the runs (one group of every run when names is
  empty). ]]
local function groups(data, names, runs)
  local by, list = {}, {}
  for _, r in ipairs(runs or data.runs) do
    local k = key_of(data, r, names)
    local g = by[k]
    if not g then
      g = { key = k, label = label_of(data, r, names), runs = {}, first = r }
      by[k] = g
      list[#list + 1] = g
    end
    g.runs[#g.runs + 1] = r
  end
  table.sort(list, function(a, b) return a.key < b.key end)
  return list
end
M.groups = groups

local function concat(...)
  local out = {}
  for _, l in ipairs { ... } do
    for _, v in ipairs(l) do out[#out + 1] = v end
  end
  return out
end
M.key_of, M.label_of, M.concat = key_of, label_of, concat

-- "optimizer × task" for a list of names.
function M.cross_text(names) return table.concat(names, " × ") end

-- cell_stats(runs, scores) -> {median, bad (runs not ok), n, vals (the finite scores of
-- the ok runs)}: one heatmap cell or configuration; scores: run id -> number (plan.scores).
function M.cell_stats(runs, scores)
  local vals, bad = {}, 0
  for _, r in ipairs(runs) do
    local v = scores[r.id]
    if r.status ~= "ok" then
      bad = bad + 1
    elseif v and finite(v) then
      vals[#vals + 1] = v
    end
  end
  return { median = plot.median(vals), bad = bad, n = #runs, vals = vals }
end

-- ---- curves ----

--[[ aggregate(data, plan) -> agg: curves.csv streamed once into one accumulator per
  (metric, group, x), where the group is the run's combination of (rest, facet, colour)
  values and x the step, the epoch or the run's value of the x parameter. Per run and
  metric, the last value logged at an x counts; non-finite values are left out of the
  means (that run stopped there) and the first x at which a run logged one is kept in
  agg.nonfinite_x[run id]. agg.metrics lists the metrics found.
  Accumulators are stored by column (agg.series[metric][group key] = {slot = x -> i,
  x, n, mean, m2, min, max}): a long curve costs a few numbers per point, not a table.
  series_points(col, band) turns one into sorted points; series_acc(col, x) gives the
  accumulator at x in plot.acc_* form; col.runs counts the runs that gave the column a
  finite value, each point's n the runs averaged there (fewer where early-stopped runs
  ended). agg.scalar[metric] is true for a per-run scalar: a metric no run logged more
  than once (val_acc or best_epoch logged at the end); agg.final[metric][run id] is the
  last value a run logged (the metric's "final value", for --score). A curves.csv with a
  truncated row raises the reader's "<path>:<line>: ..." error. ]]
local function col_new()
  return { slot = {}, x = {}, n = {}, mean = {}, m2 = {}, min = {}, max = {}, seen = {}, runs = 0 }
end

local function col_add(c, x, v, id)  -- plot.acc_add, by column; counts the runs that contributed
  if not c.seen[id] then
    c.seen[id] = true
    c.runs = c.runs + 1
  end
  local i = c.slot[x]
  if not i then
    i = #c.x + 1
    c.slot[x], c.x[i], c.n[i], c.mean[i], c.m2[i], c.min[i], c.max[i] = i, x, 1, v, 0, v, v
    return
  end
  local n = c.n[i] + 1
  local d = v - c.mean[i]
  local mean = c.mean[i] + d / n
  c.n[i], c.mean[i], c.m2[i] = n, mean, c.m2[i] + d * (v - mean)
  if v < c.min[i] then c.min[i] = v end
  if v > c.max[i] then c.max[i] = v end
end

function M.series_acc(c, x)
  local i = c and c.slot[x]
  if not i then return nil end
  return { n = c.n[i], mean = c.mean[i], m2 = c.m2[i], min = c.min[i], max = c.max[i] }
end

function M.series_points(c, band)
  local order = {}
  for i = 1, #c.x do order[i] = i end
  table.sort(order, function(p, q) return c.x[p] < c.x[q] end)
  local points = {}
  for k, i in ipairs(order) do
    local m, l, h = plot.acc_band(M.series_acc(c, c.x[i]), band)
    points[k] = { x = c.x[i], y = m, lo = l, hi = h, n = c.n[i] }
  end
  return points
end

function M.aggregate(data, plan)
  local agg = { series = {}, metrics = {}, nonfinite_x = {}, last_x = {}, rows = 0, scalar = {}, final = {} }
  local rows, _, _, handle = data.results:curves()
  if not rows then return agg end  -- no curves.csv (or not one gglab wrote): no curves
  local use_epoch = plan.x == "epoch"
  local gnames = concat(plan.rest, plan.facet, plan.color and { plan.color } or {})
  local group_key, run_x = {}, {}
  local xp = plan.x_param and data.param[plan.x_param]
  for _, r in ipairs(data.runs) do
    group_key[r.id] = key_of(data, r, gnames)
    if xp then run_x[r.id] = xp.kind == "number" and number(r.p[xp.name]) or xp.index[r.p[xp.name]] end
  end
  local series, metrics, seen_metric = agg.series, agg.metrics, {}
  local nonfinite_x, last_x, scalar, final = agg.nonfinite_x, agg.last_x, agg.scalar, agg.final

  local function column(metric, gk)
    local bym = series[metric]
    if not bym then
      bym = {}
      series[metric] = bym
    end
    local c = bym[gk]
    if not c then
      c = col_new()
      bym[gk] = c
    end
    return c
  end

  -- The current run's last (x, value) per metric, added when x moves on or the run ends.
  local cur_id, cur_gk, pend_x, pend_v, nrows = nil, nil, {}, {}, 0
  local function flush()
    if cur_gk then
      local names = {}
      for m in pairs(pend_x) do names[#names + 1] = m end
      table.sort(names)
      for _, m in ipairs(names) do
        local v = pend_v[m]
        if finite(v) then col_add(column(m, cur_gk), pend_x[m], v, cur_id) end
      end
    end
    pend_x, pend_v = {}, {}
  end

  for id, step, epoch, metric, value in rows, nil, nil, handle do
    nrows = nrows + 1
    local fin = final[metric]
    if not seen_metric[metric] then
      seen_metric[metric] = true
      metrics[#metrics + 1] = metric
      scalar[metric] = true
      fin = {}
      final[metric] = fin
    end
    if fin[id] ~= nil then scalar[metric] = false end
    fin[id] = value or (0 / 0)
    if id ~= cur_id then
      flush()
      cur_id, cur_gk = id, group_key[id]
    end
    local v = cur_gk and value
    if v then
      local x
      if xp then
        x = run_x[id]
      elseif use_epoch then
        x = epoch
      else
        x = step
      end
      if x then
        if v ~= v or v == math.huge or v == -math.huge then
          if not nonfinite_x[id] then nonfinite_x[id] = x end
        end
        if not xp then last_x[id] = x end
        local px = pend_x[metric]
        if px ~= nil and px ~= x then
          local pv = pend_v[metric]
          if finite(pv) then col_add(column(metric, cur_gk), px, pv, id) end
        end
        pend_x[metric], pend_v[metric] = x, v
      end
    end
  end
  flush()
  agg.rows = nrows
  table.sort(metrics, function(p, q)
    local op, oq = METRIC_ORDER[p] or 99, METRIC_ORDER[q] or 99
    if op ~= oq then return op < oq end
    return p < q
  end)
  return agg
end

return M
