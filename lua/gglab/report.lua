--[[ lua/gglab/report.lua — `gglab report DIR`: a self-contained HTML report of a results
  directory (DIR/report.html), or with --text a short summary for a terminal.

  Reads runs.csv (whole: one row per run), manifest.json (optional: provenance, claims)
  and curves.csv, which is streamed line by line and reduced on the fly to one
  accumulator per (metric, group, x): a sweep's curves never sit in memory as rows.
  A group is a combination of the swept parameters shown separately (figure split, panel,
  colour); runs that differ only in `seed` (and in parameters with a single value) are
  averaged: mean line plus a band. Layout is in gglab.plot, escaping and the page in
  gglab.html. The same inputs give a byte-identical page: nothing depends on the clock or
  on table iteration order, and the only date is the manifest's.

  load(dir) -> data | nil, msg;  plan(data, opts) -> plan | nil, msg;
  render(dir, opts) -> html, info | nil, msg;  summary(dir, opts) -> text | nil, msg;
  write(dir, opts) -> path, info | nil, msg;  main(args, out) -> exit code.
  opts: x ("step", "epoch" or a parameter), color, facet (list of parameters, or "none"),
  heatmap (list of 1 or 2 parameters), metric (list of metrics), score (a runs.csv
  column: final_loss, min_loss, final_val_loss), band ("minmax" or "ci95"), out (file),
  max_points (per line, default 400). ]]
local gg = require "gglab"
local json = require "gglab.lib.json"
local plot = require "gglab.plot"
local html = require "gglab.html"
local util = require "gglab.lib.util"

local M = {}

local esc = html.escape
local finite = plot.finite

-- runs.csv columns that are results, not parameters.
local RESULT_COLUMNS = { run_id = true, run_seed = true, status = true, final_loss = true, min_loss = true,
  final_val_loss = true, steps = true, diverged_step = true, error = true, wall_s = true }
local SCORES = { "final_loss", "min_loss", "final_val_loss" }
local BANDS = { "minmax", "ci95" }
-- Metrics shown first, in this order; any others follow by name.
local METRIC_ORDER = { loss = 1, epoch_loss = 2, batch_loss = 3, val_loss = 4 }
M.MAX_POINTS = 400

-- ---- reading ----

-- A CSV number as gglab writes it ("0.1", "inf", "-inf", "nan") -> number, or nil.
local function num(s)
  if s == nil or s == "" then return nil end
  local x = tonumber(s)
  if x then return x end
  if s == "inf" or s == "+inf" then return math.huge end
  if s == "-inf" then return -math.huge end
  if s == "nan" or s == "-nan" then return 0 / 0 end
  return nil
end
M.num = num

--[[ split_csv(line) -> list of fields, or nil when a quoted field is still open at the end
  of the line (the caller appends the next line and tries again). Handles the quoting
  gglab's writer uses: "..." around a field, "" for a quote inside it. ]]
function M.split_csv(line)
  if not line:find('"', 1, true) then
    local out = {}
    for field in (line .. ","):gmatch("([^,]*),") do out[#out + 1] = field end
    return out
  end
  local out, i, n = {}, 1, #line
  while true do
    if line:sub(i, i) == '"' then
      local buf, j = {}, i + 1
      while true do
        local q = line:find('"', j, true)
        if not q then return nil end
        buf[#buf + 1] = line:sub(j, q - 1)
        if line:sub(q + 1, q + 1) == '"' then
          buf[#buf + 1] = '"'
          j = q + 2
        else
          i = q + 1
          break
        end
      end
      out[#out + 1] = table.concat(buf)
      -- skip to the comma (anything between the closing quote and it is kept out)
      local c = line:find(",", i, true)
      if not c then return out end
      i = c + 1
    else
      local c = line:find(",", i, true)
      if not c then
        out[#out + 1] = line:sub(i)
        return out
      end
      out[#out + 1] = line:sub(i, c - 1)
      i = c + 1
    end
    if i > n then
      out[#out + 1] = ""
      return out
    end
  end
end

-- Orders the distinct raw values of a parameter column; decides its kind.
local function describe_param(name, raw_values)
  local seen, values = {}, {}
  for _, v in ipairs(raw_values) do
    if not seen[v] then
      seen[v] = true
      values[#values + 1] = v
    end
  end
  local numeric, boolean = true, true
  for _, v in ipairs(values) do
    if v ~= "" then
      local x = num(v)
      if not (x and finite(x)) then numeric = false end
      if v ~= "true" and v ~= "false" then boolean = false end
    end
  end
  local kind = numeric and "number" or boolean and "boolean" or "string"
  table.sort(values, function(a, b)
    if a == "" or b == "" then return b == "" and a ~= "" end  -- a missing value sorts last
    if kind == "number" then
      local x, y = num(a), num(b)
      if x ~= y then return x < y end
    elseif kind == "boolean" then
      if a ~= b then return a == "false" end
    end
    return a < b
  end)
  -- Labels: the fewest significant digits (>= 3) that keep every value distinct.
  local labels = {}
  if kind == "number" then
    for sig = 3, 17 do
      local used, clash = {}, false
      for i, v in ipairs(values) do
        labels[i] = v == "" and "(none)" or plot.fmt(num(v), sig)
        if used[labels[i]] then clash = true end
        used[labels[i]] = true
      end
      if not clash then break end
    end
  else
    for i, v in ipairs(values) do labels[i] = v == "" and "(none)" or v end
  end
  local index, label = {}, {}
  for i, v in ipairs(values) do
    index[v] = i
    label[v] = labels[i]
  end
  return { name = name, kind = kind, values = values, index = index, label = label }
end

--[[ load(dir) -> data | nil, msg.
  data = { dir, manifest (table or nil), header (runs.csv columns), params (list of
  {name, kind, values, index, label}), param (name -> that), runs (list of {id, p = name
  -> raw value, status, final_loss, min_loss, final_val_loss, steps, diverged_step (numbers
  or nil), error, fields = the raw row}), by_id, counts }. ]]
function M.load(dir)
  if not gg.fs.isdir(dir) then return nil, string.format("no such results directory '%s'", dir) end
  local runs_path = dir .. "/runs.csv"
  if not gg.fs.exists(runs_path) then
    return nil, string.format("'%s' has no runs.csv (not a gglab results directory, or no run has finished)", dir)
  end
  local header, rows = gg.csv.read(runs_path)
  if not header then return nil, rows end
  local col = {}
  for i, h in ipairs(header) do col[h] = i end
  if not (col.run_id and col.status) then
    return nil, string.format("%s: no run_id or status column (not a gglab runs.csv)", runs_path)
  end
  local names = {}
  for _, h in ipairs(header) do
    if not RESULT_COLUMNS[h] then names[#names + 1] = h end
  end
  local data = { dir = dir, header = header, runs = {}, by_id = {}, params = {}, param = {},
    counts = { ok = 0, diverged = 0, failed = 0 } }
  local columns = {}
  for _, name in ipairs(names) do columns[name] = {} end
  for _, row in ipairs(rows) do
    local r = { id = row[col.run_id], status = row[col.status], p = {}, fields = row,
      error = col.error and row[col.error] or "" }
    for _, k in ipairs { "final_loss", "min_loss", "final_val_loss", "steps", "diverged_step" } do
      r[k] = col[k] and num(row[col[k]])
    end
    for _, name in ipairs(names) do
      local v = row[col[name]] or ""
      r.p[name] = v
      table.insert(columns[name], v)
    end
    data.runs[#data.runs + 1] = r
    data.by_id[r.id] = r
    data.counts[r.status] = (data.counts[r.status] or 0) + 1
  end
  for _, name in ipairs(names) do
    local p = describe_param(name, columns[name])
    data.params[#data.params + 1] = p
    data.param[name] = p
  end
  local text = util.read_file(dir .. "/manifest.json")
  if text then
    local m = json.decode(text)
    if type(m) == "table" then data.manifest = m end
  end
  return data
end

-- ---- the plan: which parameter goes where ----

local function list_text(list)
  return #list == 0 and "(none)" or table.concat(list, ", ")
end

local function contains(list, x)
  for _, v in ipairs(list) do
    if v == x then return true end
  end
  return false
end

--[[ plan(data, opts) -> plan | nil, msg. Chooses the axes: the swept parameters other
  than `seed` with two or more values ("varying"), most values first; colour is the first
  of them that is not on x, the panels (facet) are the others, and what --facet leaves out
  splits the figures. The heatmap takes the two varying parameters with most values.
  Every option is checked against the data; a bad one gives a message naming the option,
  its value and what is allowed. ]]
function M.plan(data, opts)
  opts = opts or {}
  local names = {}
  for _, p in ipairs(data.params) do names[#names + 1] = p.name end
  local function bad(opt, value, expected)
    return nil, string.format("bad --%s '%s': expected %s", opt, value, expected)
  end
  local function check_param(opt, v)
    if not data.param[v] then return bad(opt, v, "a parameter: " .. list_text(names)) end
    return v
  end
  local varying = {}
  for _, p in ipairs(data.params) do
    if p.name ~= "seed" and #p.values >= 2 then varying[#varying + 1] = p.name end
  end
  table.sort(varying, function(a, b)
    local na, nb = #data.param[a].values, #data.param[b].values
    if na ~= nb then return na > nb end
    return a < b
  end)

  local plan = { varying = varying, score = opts.score or "final_loss", band = opts.band or "minmax",
    max_points = opts.max_points or M.MAX_POINTS }
  if not contains(SCORES, plan.score) then return bad("score", plan.score, "one of " .. list_text(SCORES)) end
  if not contains(BANDS, plan.band) then return bad("band", plan.band, "one of " .. list_text(BANDS)) end

  local x = opts.x or "step"
  if x ~= "step" and x ~= "epoch" and not data.param[x] then
    return bad("x", x, "step, epoch or a parameter: " .. list_text(names))
  end
  plan.x = x
  plan.x_param = data.param[x] and x or nil
  local used = { [x] = "--x" }

  if opts.color then
    local _, msg = check_param("color", opts.color)
    if msg then return nil, msg end
    if used[opts.color] then return bad("color", opts.color, "a parameter other than the " .. used[opts.color] .. " one") end
    plan.color = opts.color
  else
    for _, v in ipairs(varying) do
      if not used[v] then
        plan.color = v
        break
      end
    end
  end
  if plan.color then used[plan.color] = "--color" end

  plan.facet = {}
  if opts.facet and opts.facet ~= "none" then
    for _, v in ipairs(opts.facet) do
      local _, msg = check_param("facet", v)
      if msg then return nil, msg end
      if used[v] then return bad("facet", v, "a parameter other than the " .. used[v] .. " one") end
      used[v] = "--facet"
      plan.facet[#plan.facet + 1] = v
    end
  elseif not opts.facet then
    for _, v in ipairs(varying) do
      if not used[v] then
        used[v] = "--facet"
        plan.facet[#plan.facet + 1] = v
      end
    end
  end
  plan.rest = {}
  for _, v in ipairs(varying) do
    if not used[v] then plan.rest[#plan.rest + 1] = v end
  end

  if opts.heatmap then
    local hm = opts.heatmap
    if #hm < 1 or #hm > 2 or hm[1] == hm[2] then
      return bad("heatmap", table.concat(hm, ","), "one or two different parameters A[,B] of: " .. list_text(names))
    end
    for _, v in ipairs(hm) do
      local _, msg = check_param("heatmap", v)
      if msg then return nil, msg end
    end
    plan.heatmap = { hm[1], hm[2] }
  elseif #varying >= 1 then
    plan.heatmap = { varying[1], varying[2] }
  end
  if plan.heatmap then
    plan.heat_others = {}
    for _, v in ipairs(varying) do
      if v ~= plan.heatmap[1] and v ~= plan.heatmap[2] then plan.heat_others[#plan.heat_others + 1] = v end
    end
  end
  plan.metric = opts.metric  -- checked once the curves are read
  return plan
end

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
  accumulator at x in plot.acc_* form. ]]
local function col_new() return { slot = {}, x = {}, n = {}, mean = {}, m2 = {}, min = {}, max = {} } end

local function col_add(c, x, v)  -- plot.acc_add, by column
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
    points[k] = { x = c.x[i], y = m, lo = l, hi = h }
  end
  return points
end

local CURVES_HEADER = "run_id,step,epoch,metric,value"

function M.aggregate(data, plan)
  local agg = { series = {}, metrics = {}, nonfinite_x = {}, last_x = {}, rows = 0 }
  local f = io.open(data.dir .. "/curves.csv", "rb")
  if not f then return agg end
  local lines = f:lines()
  local header_line = lines()
  if not header_line then
    f:close()
    return agg
  end
  header_line = header_line:gsub("\r$", "")
  local col = {}
  for i, h in ipairs(M.split_csv(header_line) or {}) do col[h] = i end
  local ci, cs, ce, cm, cv = col.run_id, col.step, col.epoch, col.metric, col.value
  if not (ci and cs and ce and cm and cv) then
    f:close()
    return agg
  end
  -- gglab writes exactly this header; then a line without quotes splits with one match.
  local standard = header_line == CURVES_HEADER
  local use_epoch = plan.x == "epoch"
  local gnames = concat(plan.rest, plan.facet, plan.color and { plan.color } or {})
  local group_key, run_x = {}, {}
  local xp = plan.x_param and data.param[plan.x_param]
  for _, r in ipairs(data.runs) do
    group_key[r.id] = key_of(data, r, gnames)
    if xp then run_x[r.id] = xp.kind == "number" and num(r.p[xp.name]) or xp.index[r.p[xp.name]] end
  end
  local series, metrics, seen_metric = agg.series, agg.metrics, {}
  local nonfinite_x, last_x = agg.nonfinite_x, agg.last_x

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
        if finite(v) then col_add(column(m, cur_gk), pend_x[m], v) end
      end
    end
    pend_x, pend_v = {}, {}
  end

  local line = lines()
  while line do
    local id, step, epoch, metric, value
    if standard and not line:find('"', 1, true) then
      id, step, epoch, metric, value = line:match("^([^,]*),([^,]*),([^,]*),([^,]*),([^,\r]*)")
    else
      local fields = M.split_csv((line:gsub("\r$", "")))
      while not fields do  -- a quoted field spans lines
        local more = lines()
        if not more then break end
        line = line .. "\n" .. more
        fields = M.split_csv((line:gsub("\r$", "")))
      end
      if fields then id, step, epoch, metric, value = fields[ci], fields[cs], fields[ce], fields[cm], fields[cv] end
    end
    if id and metric then
      nrows = nrows + 1
      if not seen_metric[metric] then
        seen_metric[metric] = true
        metrics[#metrics + 1] = metric
      end
      if id ~= cur_id then
        flush()
        cur_id, cur_gk = id, group_key[id]
      end
      local v = cur_gk and num(value)
      if v then
        local x
        if xp then x = run_x[id] else x = num(use_epoch and epoch or step) end
        if x then
          if v ~= v or v == math.huge or v == -math.huge then
            if not nonfinite_x[id] then nonfinite_x[id] = x end
          end
          if not xp then last_x[id] = x end
          local px = pend_x[metric]
          if px ~= nil and px ~= x then
            local pv = pend_v[metric]
            if finite(pv) then col_add(column(metric, cur_gk), px, pv) end
          end
          pend_x[metric], pend_v[metric] = x, v
        end
      end
    end
    line = lines()
  end
  f:close()
  flush()
  agg.rows = nrows
  table.sort(metrics, function(p, q)
    local op, oq = METRIC_ORDER[p] or 99, METRIC_ORDER[q] or 99
    if op ~= oq then return op < oq end
    return p < q
  end)
  return agg
end

-- The x at which a diverged run's marker goes, or nil.
local function divergence_x(data, plan, agg, r)
  if plan.x_param then
    local xp = data.param[plan.x_param]
    return xp.kind == "number" and num(r.p[plan.x_param]) or xp.index[r.p[plan.x_param]]
  end
  if plan.x == "step" and r.diverged_step then return r.diverged_step end
  return agg.nonfinite_x[r.id] or agg.last_x[r.id]
end

-- ---- figures ----

local function param_colors(data, name)
  local p = data.param[name]
  local colors = plot.colors(#p.values, p.kind == "number")
  local by = {}
  for i, v in ipairs(p.values) do by[v] = colors[i] end
  return by
end

local function legend_html(data, plan, colors, with_marker)
  local items = {}
  if plan.color then
    local p = data.param[plan.color]
    for _, v in ipairs(p.values) do
      items[#items + 1] = string.format('<span><i style="background:%s"></i>%s=%s</span>', colors[v],
        esc(plan.color), esc(p.label[v]))
    end
  end
  if with_marker then items[#items + 1] = '<span><i class="x">✕</i> diverged there</span>' end
  if #items == 0 then return "" end
  return '<div class="legend">' .. table.concat(items) .. "</div>"
end

-- Value ranges of a panel's lines: min, max, smallest positive value, any negative.
local function new_range() return { n = 0, lo = math.huge, hi = -math.huge, pos = math.huge, neg = false } end

local function extend(r, v)
  if not finite(v) then return end
  r.n = r.n + 1
  if v < r.lo then r.lo = v end
  if v > r.hi then r.hi = v end
  if v > 0 and v < r.pos then r.pos = v end
  if v < 0 then r.neg = true end
end

--[[ y_axis(range) -> axis, log: log when no value is negative and the positive ones span
  more than a factor of 50 (zeros then sit just below the bottom), else linear. ]]
local function y_axis(r)
  if r.n == 0 then return plot.axis(0, 1, false), false end
  if not r.neg and r.pos < math.huge and plot.wants_log(r.pos, r.hi) then return plot.axis(r.pos, r.hi, true), true end
  return plot.axis(r.lo, r.hi, false), false
end
M.y_axis, M.new_range, M.extend_range = y_axis, new_range, extend

-- "optimizer × task" for a list of names.
local function cross_text(names) return table.concat(names, " × ") end

--[[ curve_figures(data, plan, agg, counter) -> list of {html, title}: per metric (and per
  combination of the parameters that are neither colour nor panel), one figure whose
  panels are the facet combinations that logged that metric. ]]
local function curve_figures(data, plan, agg, counter)
  local figures = {}
  local colors = plan.color and param_colors(data, plan.color) or nil
  local xp = plan.x_param and data.param[plan.x_param]
  for _, metric in ipairs(plan.metrics) do
    local bym = agg.series[metric] or {}
    for _, fig in ipairs(groups(data, plan.rest)) do
      local panels_html, any_marker = {}, false
      for _, panel in ipairs(groups(data, plan.facet, fig.runs)) do
        -- The y range is that of the mean lines (bands may be clipped), taken over the
        -- groups none of whose runs diverged when there are such groups.
        local series, xlo, xhi = {}, math.huge, -math.huge
        local all_range, clean_range = new_range(), new_range()
        local has_clean = false
        local markers = {}
        local ncurves = 0
        for _, cg in ipairs(groups(data, plan.color and { plan.color } or {}, panel.runs)) do
          local gk = key_of(data, cg.first, concat(plan.rest, plan.facet, plan.color and { plan.color } or {}))
          local c = bym[gk]
          local diverged = false
          for _, r in ipairs(cg.runs) do
            if r.status == "diverged" then diverged = true end
          end
          if c then
            local points = plot.downsample(M.series_points(c, plan.band), plan.max_points)
            for _, p in ipairs(points) do
              extend(all_range, p.y)
              if not diverged then extend(clean_range, p.y) end
              if p.x < xlo then xlo = p.x end
              if p.x > xhi then xhi = p.x end
            end
            if not diverged then has_clean = true end
            series[#series + 1] = { color = colors and colors[cg.first.p[plan.color]] or plot.colors(1)[1],
              points = points }
            ncurves = ncurves + 1
          end
          for _, r in ipairs(cg.runs) do
            if r.status == "diverged" then
              local x = divergence_x(data, plan, agg, r)
              if x then
                markers[#markers + 1] = { x = x, color = colors and colors[r.p[plan.color]] or "#c62828" }
              end
            end
          end
        end
        if ncurves > 0 then
          local yaxis, log = y_axis(has_clean and clean_range.n > 0 and clean_range or all_range)
          local xaxis
          if xp and xp.kind ~= "number" then
            local labels = {}
            for i, v in ipairs(xp.values) do labels[i] = xp.label[v] end
            xaxis = plot.category_axis(labels)
          elseif xp then
            local vlo, vhi = num(xp.values[1]), num(xp.values[#xp.values])
            xaxis = plot.axis(vlo, vhi, plot.wants_log(vlo, vhi))
          else
            xaxis = plot.axis(xlo, xhi, false)
          end
          for _, m in ipairs(markers) do
            if m.x < xaxis.lo then xaxis.lo = m.x end  -- keep markers of early divergence in view
          end
          counter.panel = counter.panel + 1
          if #markers > 0 then any_marker = true end
          panels_html[#panels_html + 1] = plot.line_panel {
            id = "p" .. counter.panel,
            title = panel.label ~= "" and panel.label or metric,
            xlabel = plan.x_param and (plan.x_param .. (xaxis.log and " (log)" or "")) or plan.x,
            ylabel = metric .. (log and " (log)" or ""),
            x = xaxis, y = yaxis, series = series, markers = markers,
          }
        end
      end
      if #panels_html > 0 then
        counter.figure = counter.figure + 1
        local n = counter.figure
        local what = plan.x_param and string.format("final <b>%s</b> over %s", esc(metric), esc(plan.x_param))
          or string.format("<b>%s</b> over %s", esc(metric), esc(plan.x))
        local bits = { string.format("<b>Figure %d.</b> %s%s.", n, what,
          fig.label ~= "" and (", " .. esc(fig.label)) or "") }
        if #plan.facet > 0 then bits[#bits + 1] = "Panels: " .. esc(cross_text(plan.facet)) .. "." end
        if plan.color then bits[#bits + 1] = "Colour: " .. esc(plan.color) .. "." end
        bits[#bits + 1] = string.format("Line: mean over seeds; band: %s.", esc(plot.BANDS[plan.band]))
        if any_marker then
          bits[#bits + 1] = plan.x_param and "✕: a run diverged at that value (drawn at the top)."
            or "✕: a run diverged at that " .. esc(plan.x) .. " (drawn at the top)."
        end
        if any_marker then
          bits[#bits + 1] = "The y range follows the groups without a diverged run; diverging curves leave through the top."
        end
        figures[#figures + 1] = {
          title = metric .. (fig.label ~= "" and (", " .. fig.label) or ""),
          html = table.concat({ '<figure class="curves" id="fig' .. n .. '">',
            "<figcaption>" .. table.concat(bits, " ") .. "</figcaption>",
            legend_html(data, plan, colors or {}, any_marker),
            '<div class="panels">', table.concat(panels_html, "\n"), "</div>", "</figure>" }, "\n"),
        }
      end
    end
  end
  return figures
end

-- Cells of the heatmap: per combination of the heatmap axes (and panel), the runs there.
local function cell_stats(runs, score)
  local vals, bad = {}, 0
  for _, r in ipairs(runs) do
    if r.status ~= "ok" then
      bad = bad + 1
    elseif r[score] and finite(r[score]) then
      vals[#vals + 1] = r[score]
    end
  end
  return { median = plot.median(vals), bad = bad, n = #runs, vals = vals }
end

local function heatmap_figure(data, plan, counter)
  local a, b = plan.heatmap[1], plan.heatmap[2]
  local pa, pb = data.param[a], b and data.param[b]
  local panels = groups(data, plan.heat_others)
  -- The colour scale spans the cells none of whose runs diverged or failed (when there are
  -- any): a diverging corner's huge loss would otherwise flatten every other cell.
  local cells, all_range, clean_range = {}, new_range(), new_range()
  for pi, panel in ipairs(panels) do
    cells[pi] = {}
    for _, g in ipairs(groups(data, b and { a, b } or { a }, panel.runs)) do
      local ix, iy = pa.index[g.first.p[a]], b and pb.index[g.first.p[b]] or 1
      local c = cell_stats(g.runs, plan.score)
      cells[pi][iy] = cells[pi][iy] or {}
      cells[pi][iy][ix] = c
      if c.median then
        extend(all_range, c.median)
        if c.bad == 0 then extend(clean_range, c.median) end
      end
    end
  end
  local ax, clamped = nil, false
  local range = clean_range.n > 0 and clean_range or all_range
  if range.n > 0 then
    ax = y_axis(range)
    clamped = all_range.lo < ax.lo or all_range.hi > ax.hi
  end
  local function color_of(v)
    if not (v and ax) then return nil end
    if ax.log and v <= 0 then return plot.ramp(0) end
    return plot.ramp(plot.axis_pos(ax, v))  -- ramp clamps to [0, 1]
  end
  local xcats, ycats = {}, {}
  for i, v in ipairs(pa.values) do xcats[i] = pa.label[v] end
  if pb then
    for i, v in ipairs(pb.values) do ycats[i] = pb.label[v] end
  end
  local svgs = {}
  for pi, panel in ipairs(panels) do
    local spec_cells = {}
    for iy, row in pairs(cells[pi]) do
      spec_cells[iy] = {}
      for ix, c in pairs(row) do
        spec_cells[iy][ix] = { color = color_of(c.median),
          text = c.median and plot.fmt(c.median, 3) or nil, bad = c.bad, n = c.n }
      end
    end
    counter.panel = counter.panel + 1
    svgs[#svgs + 1] = plot.heatmap_panel { id = "h" .. counter.panel, title = panel.label,
      xlabel = a, ylabel = b, xcats = xcats, ycats = ycats, cells = spec_cells }
  end
  counter.figure = counter.figure + 1
  local n = counter.figure
  local caption = string.format("<b>Figure %d.</b> Median <b>%s</b> over seeds by %s%s%s. "
    .. "Colour scale%s below%s; ✕k/n: k of the cell's n runs diverged or failed (the value is the median "
    .. "of the others); hatched: no run of the cell finished.", n, esc(plan.score), esc(a),
    b and (" and " .. esc(b)) or "", #plan.heat_others > 0 and ("; one panel per " .. esc(cross_text(plan.heat_others))) or "",
    ax and ax.log and " (log)" or "",
    clamped and ", set by the cells without diverged or failed runs (values beyond it take its end colour)" or "")
  return {
    title = "heatmap of " .. plan.score,
    html = table.concat({ '<figure class="heatmap" id="fig' .. n .. '">', "<figcaption>" .. caption .. "</figcaption>",
      ax and plot.colorbar(ax, "median " .. plan.score .. (ax.log and " (log scale)" or "")) or "",
      '<div class="panels heat">', table.concat(svgs, "\n"), "</div>", "</figure>" }, "\n"),
  }
end

-- ---- best configurations and divergence boundaries ----

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
  if all_from then parts[#parts + 1] = string.format("all diverge from %s=%s", axis, stats[all_from].label) end
  return table.concat(parts, "; ")
end

-- ---- the page ----

local function manifest_value(m, k)
  local v = m and m[k]
  if v == nil or v == json.null then return nil end
  return v
end

local function provenance_html(data)
  local m = data.manifest
  if not m then return '<p class="muted">No manifest.json: provenance unknown.</p>' end
  local rows = {}
  local function add(label, value, mono)
    if value == nil then return end
    rows[#rows + 1] = string.format("<dt>%s</dt><dd%s>%s</dd>", esc(label), mono and ' class="mono"' or "", esc(value))
  end
  add("script", manifest_value(m, "script"), true)
  add("script SHA-256", manifest_value(m, "script_sha256"), true)
  add("gglab version", manifest_value(m, "gglab_version"))
  add("git commit", manifest_value(m, "git_commit") or "(not in a git repository)", true)
  local argv = manifest_value(m, "argv")
  if type(argv) == "table" then
    local words = {}
    for i, w in ipairs(argv) do words[i] = util.shell_quote(tostring(w)) end
    add("command line", table.concat(words, " "), true)
  end
  add("date (UTC)", manifest_value(m, "date"))
  add("host", manifest_value(m, "host"))
  local seed = manifest_value(m, "seed")
  if seed ~= nil then add("experiment seed", type(seed) == "number" and gg.fmt_number(seed) or tostring(seed), true) end
  local wall = manifest_value(m, "wall_s")
  if type(wall) == "number" then add("wall time", string.format("%.2f s", wall)) end
  return '<dl class="prov">' .. table.concat(rows, "\n") .. "</dl>"
end

local function claims_html(data)
  local claims = manifest_value(data.manifest, "claims")
  if type(claims) ~= "table" or #claims == 0 then return "" end
  local items = {}
  for _, c in ipairs(claims) do
    local cls, word = "undecided", "undecided"
    if c.holds == true then cls, word = "holds", "holds" elseif c.holds == false then cls, word = "fails", "does not hold" end
    items[#items + 1] = string.format('<li><span class="verdict %s">%s</span> %s%s</li>', cls, word,
      esc(c.text or ""), c.detail and c.detail ~= json.null and (' <span class="muted">— ' .. esc(c.detail) .. "</span>") or "")
  end
  return "<h2>Claims</h2>\n<ul class=\"claims\">" .. table.concat(items, "\n") .. "</ul>"
end

local STATUS_CLASS = { ok = "st-ok", diverged = "st-diverged", failed = "st-failed" }

local function runs_table_html(data)
  local columns, shown = {}, {}
  for i, h in ipairs(data.header) do
    if h ~= "run_seed" then
      local cls = (h == "run_id") and "id" or (h == "status") and "status" or (h == "error") and "err" or nil
      if not cls and (RESULT_COLUMNS[h] or data.param[h] and data.param[h].kind == "number") then cls = "num" end
      columns[#columns + 1] = { label = h, class = cls }
      shown[#shown + 1] = i
    end
  end
  local rows = {}
  for _, r in ipairs(data.runs) do
    local cells = {}
    for j, i in ipairs(shown) do cells[j] = r.fields[i] or "" end
    rows[#rows + 1] = { cells = cells, class = STATUS_CLASS[r.status] or "st-other" }
  end
  return html.table_html(columns, rows, { sortable = true })
end

local function failed_html(data)
  local failed, reasons, order = {}, {}, {}
  for _, r in ipairs(data.runs) do
    if r.status == "failed" then
      failed[#failed + 1] = r
      local why = r.error ~= "" and r.error or "(no reason recorded)"
      if not reasons[why] then
        reasons[why] = 0
        order[#order + 1] = why
      end
      reasons[why] = reasons[why] + 1
    end
  end
  if #failed == 0 then return "<h2>Failed runs</h2>\n<p>None: every run finished (ok or diverged).</p>" end
  local names = {}
  for _, p in ipairs(data.params) do names[#names + 1] = p.name end
  local rows = {}
  for _, why in ipairs(order) do rows[#rows + 1] = { cells = { tostring(reasons[why]), why } } end
  local parts = { "<h2>Failed runs</h2>",
    string.format("<p>%d run%s failed (raised an error, crashed or timed out); by reason:</p>", #failed,
      #failed == 1 and "" or "s"),
    html.table_html({ { label = "runs", class = "num" }, { label = "reason", class = "err" } }, rows) }
  local list = {}
  for _, r in ipairs(failed) do
    list[#list + 1] = { cells = { r.id, label_of(data, r, names, " "), r.error } }
  end
  parts[#parts + 1] = "<p></p>"
  parts[#parts + 1] = html.table_html({ { label = "run_id", class = "id" }, { label = "parameters" },
    { label = "error", class = "err" } }, list)
  return table.concat(parts, "\n")
end

local function best_html(data, plan)
  local rows = {}
  for _, b in ipairs(M.best(data, plan)) do
    rows[#rows + 1] = { cells = { b.group, b.best or "— (every configuration has diverged or failed runs)",
      b.median and plot.fmt(b.median, 4) or "", b.median and (plot.fmt(b.lo, 3) .. " – " .. plot.fmt(b.hi, 3)) or "",
      b.n and tostring(b.n) or "", string.format("%d/%d", b.bad, b.runs), b.boundary } }
  end
  local gnames = concat(plan.rest, plan.facet)
  return table.concat({ "<h2>Best configuration per group</h2>",
    string.format("<p>Per %s: the configuration with the lowest median <code>%s</code> over its runs, among "
      .. "those none of whose runs diverged or failed; and where runs start to diverge along %s.</p>",
      #gnames > 0 and esc(cross_text(gnames)) or "sweep", esc(plan.score),
      esc(plan.x_param or plan.color or "the sweep")),
    html.table_html({ { label = "group" }, { label = "best configuration" },
      { label = "median " .. plan.score, class = "num" }, { label = "range", class = "num" },
      { label = "runs", class = "num" }, { label = "diverged or failed in group", class = "num" },
      { label = "divergence" } }, rows) }, "\n")
end

-- The diagnoses `gglab doctor` wrote under DIR/doctor (doctor.txt, or one per
-- configuration in DIR/doctor/<k>/ with --all), as preformatted sections; "" when none.
local function doctor_html(dir)
  local found = {}
  local base = dir .. "/doctor"
  local text = util.read_file(base .. "/doctor.txt")
  if text then found[#found + 1] = text end
  if gg.fs.isdir(base) then
    local subs = {}
    for _, name in ipairs(gg.fs.listdir(base) or {}) do
      if name:match("^%d+$") then subs[#subs + 1] = tonumber(name) end
    end
    table.sort(subs)
    for _, k in ipairs(subs) do
      local t = util.read_file(base .. "/" .. k .. "/doctor.txt")
      if t then found[#found + 1] = t end
    end
  end
  if #found == 0 then return "" end
  local parts = { "<h2>Doctor</h2>", '<p class="muted">What <code>gglab doctor</code> found (docs/doctor.md): '
    .. "the verdict, the fixes of its panel with their effects, and the diagnostics evidence.</p>" }
  for _, t in ipairs(found) do parts[#parts + 1] = '<pre class="doctor">' .. esc(t) .. "</pre>" end
  return table.concat(parts, "\n")
end

local function counts_text(data)
  local c = data.counts
  local extra = {}
  for k, v in pairs(c) do
    if not STATUS_CLASS[k] then extra[#extra + 1] = string.format("%d %s", v, k) end
  end
  table.sort(extra)
  return string.format("%d run%s: %d ok, %d diverged, %d failed%s", #data.runs, #data.runs == 1 and "" or "s",
    c.ok, c.diverged, c.failed, #extra > 0 and (", " .. table.concat(extra, ", ")) or "")
end

-- Loads, plans and aggregates -> data, plan, agg | nil, msg.
local function prepare(dir, opts)
  local data, msg = M.load(dir)
  if not data then return nil, msg end
  local plan
  plan, msg = M.plan(data, opts)
  if not plan then return nil, msg end
  local agg = M.aggregate(data, plan)
  if plan.metric then
    local have = {}
    for _, m in ipairs(agg.metrics) do have[m] = true end
    for _, m in ipairs(plan.metric) do
      if not have[m] then
        return nil, string.format("bad --metric '%s': expected a metric in %s/curves.csv: %s", m, dir,
          list_text(agg.metrics))
      end
    end
    plan.metrics = plan.metric
  else
    plan.metrics = agg.metrics
  end
  return data, plan, agg
end

--[[ render(dir, opts) -> html, info | nil, msg. info = {figures = count, panels = count,
  metrics = list}. ]]
function M.render(dir, opts)
  local data, plan, agg = prepare(dir, opts)
  if not data then return nil, plan end
  local m = data.manifest
  local name = manifest_value(m, "name") or dir:match("([^/]+)/*$") or dir
  local counter = { figure = 0, panel = 0 }
  local body = { "<h1>" .. esc(name) .. "</h1>" }
  local desc = manifest_value(m, "description")
  if desc then body[#body + 1] = '<p class="desc">' .. esc(desc) .. "</p>" end
  body[#body + 1] = '<p class="counts">' .. esc(counts_text(data)) .. "</p>"
  if manifest_value(m, "complete") == false then
    body[#body + 1] = string.format('<p class="note">The sweep is incomplete: %d of %s points have results '
      .. "(run it again with --resume).</p>", #data.runs, esc(tostring(manifest_value(m, "points") or "?")))
  end
  body[#body + 1] = claims_html(data)
  body[#body + 1] = "<h2>Provenance</h2>\n" .. provenance_html(data)
  local fixed = {}
  for _, p in ipairs(data.params) do
    if #p.values == 1 then fixed[#fixed + 1] = p.name .. "=" .. p.label[p.values[1]] end
  end
  local seeds = data.param.seed and #data.param.seed.values or 0
  body[#body + 1] = "<h2>Curves</h2>"
  body[#body + 1] = string.format("<p>Swept: %s%s%s.</p>", #plan.varying > 0 and esc(table.concat(plan.varying, ", "))
    or "nothing", seeds > 0 and string.format("; %d seed%s averaged", seeds, seeds == 1 and "" or "s") or "",
    #fixed > 0 and ("; fixed: " .. esc(table.concat(fixed, ", "))) or "")
  local figs = curve_figures(data, plan, agg, counter)
  if #figs == 0 then body[#body + 1] = '<p class="muted">No curves were logged (curves.csv is missing or empty).</p>' end
  for _, f in ipairs(figs) do body[#body + 1] = f.html end
  if plan.heatmap then
    body[#body + 1] = "<h2>Heatmap</h2>"
    body[#body + 1] = heatmap_figure(data, plan, counter).html
  end
  body[#body + 1] = best_html(data, plan)
  local doc = doctor_html(dir)
  if doc ~= "" then body[#body + 1] = doc end
  body[#body + 1] = failed_html(data)
  body[#body + 1] = "<h2>All runs</h2>\n<p class=\"muted\">Click a column header to sort.</p>"
  body[#body + 1] = '<div class="tablewrap">' .. runs_table_html(data) .. "</div>"
  body[#body + 1] = string.format('<p class="muted">Written by gglab %s (gglab report) from %s.</p>', esc(gg.version),
    "runs.csv, curves.csv and manifest.json")
  local page = html.page(name .. " — gglab report", table.concat(body, "\n"))
  return page, { figures = counter.figure, panels = counter.panel, metrics = plan.metrics }
end

--[[ summary(dir, opts) -> text for a terminal: counts, claims, the best configuration
  and the divergence boundary per group, failed runs (at most 10 listed). ]]
function M.summary(dir, opts)
  local data, msg = M.load(dir)
  if not data then return nil, msg end
  local plan
  plan, msg = M.plan(data, opts)
  if not plan then return nil, msg end
  local m = data.manifest
  local lines = {}
  local name = manifest_value(m, "name") or dir
  local desc = manifest_value(m, "description")
  lines[#lines + 1] = name .. (desc and (" — " .. desc) or "")
  lines[#lines + 1] = counts_text(data) .. " (" .. dir .. ")"
  local claims = manifest_value(m, "claims")
  if type(claims) == "table" then
    for _, c in ipairs(claims) do
      lines[#lines + 1] = string.format("  claim %s: %s%s", c.holds == true and "HOLDS" or c.holds == false and "FAILS"
        or "UNDECIDED", c.text or "", c.detail and c.detail ~= json.null and (" (" .. c.detail .. ")") or "")
    end
  end
  local rows = M.best(data, plan)
  local gnames = concat(plan.rest, plan.facet)
  local width, bwidth = 0, 0
  for _, b in ipairs(rows) do
    width = math.max(width, utf8.len(b.group) or #b.group)
    if b.best then bwidth = math.max(bwidth, utf8.len(b.best) or #b.best) end
  end
  local function pad(s, w) return s .. string.rep(" ", (w or width) - (utf8.len(s) or #s)) end
  lines[#lines + 1] = ""
  lines[#lines + 1] = string.format("Best configuration per %s (lowest median %s, no diverged or failed run):",
    #gnames > 0 and cross_text(gnames) or "sweep", plan.score)
  for _, b in ipairs(rows) do
    if b.best then
      lines[#lines + 1] = string.format("  %s  %s  %s %s [%s, %s] over %d run%s", pad(b.group), pad(b.best, bwidth),
        plan.score,
        plot.fmt(b.median, 4), plot.fmt(b.lo, 3), plot.fmt(b.hi, 3), b.n, b.n == 1 and "" or "s")
    else
      lines[#lines + 1] = string.format("  %s  none: every configuration has diverged or failed runs", pad(b.group))
    end
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
    if #failed > 10 then lines[#lines + 1] = string.format("  ... and %d more (see runs.csv)", #failed - 10) end
  end
  return table.concat(lines, "\n") .. "\n"
end

--[[ write(dir, opts) -> path, info | nil, msg: renders and writes the page to opts.out
  (default DIR/report.html) through a temporary file renamed into place. ]]
function M.write(dir, opts)
  opts = opts or {}
  local page, info = M.render(dir, opts)
  if not page then return nil, info end
  local path = opts.out or (dir:gsub("/+$", "") .. "/report.html")
  local tmp = path .. ".tmp"
  local f, err = io.open(tmp, "wb")
  if not f then return nil, err end
  local ok, werr = f:write(page)
  f:close()
  if not ok then
    os.remove(tmp)
    return nil, werr
  end
  local renamed, rerr = gg.fs.rename(tmp, path)
  if not renamed then return nil, rerr end
  info.bytes = #page
  return path, info
end

return M
