--[[ lua/gglab/report/interactive.lua — the interactive part of `gglab report` (the default;
  --static leaves it out): every run's curves as JSON in the page, drawn by dygraphs (Debian's
  libjs-dygraphs, read at report time from /usr/share/javascript/dygraphs and inlined — nothing
  is copied into the repository) and by the small script of report/live_js.lua (filters,
  smoothing, means over seeds, parallel coordinates).

  assets(opts) -> {js, css} | nil, notice: dygraphs' minified script and stylesheet (without
  their sourceMappingURL lines); opts.dygraphs overrides the directory (tests).
  collect(data, plan, max_points) -> experiment: per run and metric its (step, epoch, value)
  points from curves.csv, each run's curve cut to max_points (keeping each stretch's smallest
  and largest value, plot.downsample's rule).
  data_json(exps, view) -> the JSON (one line, "<" written \u003c so no "</script>" can end
  the element early) of one or more collected experiments; view = {color, panel, group,
  score, direction, band ("minmax" or "ci95": the mean lines' initial band)}.
  section_html() -> the controls and containers the script fills; CSS -> their styles. ]]
local json = require "gglab.lib.json"
local stats = require "gglab.lib.stats"
local util = require "gglab.lib.util"
local plot = require "gglab.report.plot"
local store = require "gglab.engine.store"

local M = {}

M.DYGRAPHS_DIR = "/usr/share/javascript/dygraphs"
M.MAX_POINTS = 2000

-- The library's files end with "//# sourceMappingURL=..." (a file the page must not fetch).
local function strip_map(s)
  return (s:gsub("\n?//# sourceMappingURL=[^\n]*%s*$", "\n"):gsub("\n?/%*# sourceMappingURL=[^\n]*%*/%s*$", "\n"))
end

function M.assets(opts)
  local dir = (opts and opts.dygraphs) or M.DYGRAPHS_DIR
  local js, css = util.read_file(dir .. "/dygraph.min.js"), util.read_file(dir .. "/dygraph.min.css")
  if not (js and css) then
    return nil, string.format("libjs-dygraphs is not installed (%s/dygraph.min.js): wrote the static report "
      .. "instead; for the interactive one: apt-get install libjs-dygraphs", dir)
  end
  return { js = strip_map(js), css = strip_map(css) }
end

-- Column downsampling of one run's curve (indices kept), plot.downsample's rule.
local function keep_indices(v, max)
  local n = #v
  local out = {}
  if n <= max then
    for i = 1, n do out[i] = i end
    return out
  end
  out[1] = 1
  local last = 1
  local buckets = (max - 2) // 2
  for b = 1, buckets do
    local i0 = 2 + (b - 1) * (n - 2) // buckets
    local i1 = 1 + b * (n - 2) // buckets
    local imin, imax = i0, i0
    for i = i0 + 1, i1 do
      if v[i] < v[imin] or v[imin] ~= v[imin] then imin = i end
      if v[i] > v[imax] or v[imax] ~= v[imax] then imax = i end
    end
    local p, q = math.min(imin, imax), math.max(imin, imax)
    if p > last then out[#out + 1], last = p, p end
    if q > last then out[#out + 1], last = q, q end
  end
  if last < n then out[#out + 1] = n end
  return out
end

function M.collect(data, plan, max_points)
  max_points = math.max(4, max_points or M.MAX_POINTS)
  local exp = { data = data, plan = plan, curves = {}, metrics = {}, points = 0, kept = 0 }
  local rows, _, _, handle = data.results:curves()
  if rows then
    for id, step, epoch, metric, value in rows, nil, nil, handle do
      if step and data.by_id[id] then
        local bym = exp.curves[metric]
        if not bym then
          bym = {}
          exp.curves[metric] = bym
        end
        local cur = bym[id]
        if not cur then
          cur = { s = {}, e = {}, v = {} }
          bym[id] = cur
        end
        local n = #cur.s
        if n > 0 and cur.s[n] == step then  -- the last value logged at a step counts
          cur.e[n], cur.v[n] = epoch or false, value or (0 / 0)
        else
          n = n + 1
          cur.s[n], cur.e[n], cur.v[n] = step, epoch or false, value or (0 / 0)
        end
      end
    end
  end
  for metric in pairs(exp.curves) do exp.metrics[#exp.metrics + 1] = metric end
  table.sort(exp.metrics)
  for _, metric in ipairs(exp.metrics) do
    for _, c in pairs(exp.curves[metric]) do
      exp.points = exp.points + #c.v
      c.keep = keep_indices(c.v, max_points)
      exp.kept = exp.kept + #c.keep
    end
  end
  return exp
end

-- ---- JSON ----

local function jstr(s) return json.compact(tostring(s)) end

local function jnum(x)
  if x == nil or x == false or x ~= x or x == math.huge or x == -math.huge then return "null" end
  if math.type(x) == "integer" or (x == math.floor(x) and math.abs(x) < 2 ^ 53) then
    return string.format("%d", math.tointeger(x) or x)
  end
  return (string.format("%.6g", x):gsub("e%+?(%-?)0*(%d)", "e%1%2"))
end

--[[ Steps as [start, delta, count] when they are evenly spaced, else the list; epochs as
  [[epoch, count], ...] runs (null epochs as null); values with 6 significant digits. ]]
local function curve_json(c)
  local idx = c.keep
  local s, e, v = {}, {}, {}
  for k, i in ipairs(idx) do s[k], e[k], v[k] = c.s[i], c.e[i], c.v[i] end
  local steps
  local even = #s >= 2
  local d = even and s[2] - s[1] or 0
  for k = 3, #s do
    if s[k] - s[k - 1] ~= d then
      even = false
      break
    end
  end
  if even then
    steps = string.format("[%s,%s,%d]", jnum(s[1]), jnum(d), #s)
  else
    local t = {}
    for k = 1, #s do t[k] = jnum(s[k]) end
    steps = "{\"s\":[" .. table.concat(t, ",") .. "]}"
  end
  local runs, k = {}, 1
  while k <= #e do
    local j = k
    while j < #e and e[j + 1] == e[k] do j = j + 1 end
    runs[#runs + 1] = string.format("[%s,%d]", jnum(e[k]), j - k + 1)
    k = j + 1
  end
  local vals = {}
  for i = 1, #v do vals[i] = jnum(v[i]) end
  return string.format("[%s,[%s],[%s]]", steps, table.concat(runs, ","), table.concat(vals, ","))
end

-- Labels of a parameter's values merged over experiments, ordered like load.lua's (numbers
-- by value, others as text), "(none)" last for experiments without the parameter.
local function merged_params(exps)
  local order, by = {}, {}
  for _, ex in ipairs(exps) do
    for _, p in ipairs(ex.data.params) do
      local m = by[p.name]
      if not m then
        m = { name = p.name, numeric = true, labels = {}, seen = {} }
        by[p.name] = m
        order[#order + 1] = m
      end
      if p.kind ~= "number" then m.numeric = false end
      for _, v in ipairs(p.values) do
        local l = p.label[v]
        if not m.seen[l] then
          m.seen[l] = { raw = v }
          m.labels[#m.labels + 1] = l
        end
      end
    end
  end
  if #exps > 1 then
    local m = { name = "experiment", numeric = false, labels = {}, seen = {}, keep_order = true }
    for i, ex in ipairs(exps) do
      m.labels[i] = ex.name
      m.seen[ex.name] = { raw = ex.name }
    end
    table.insert(order, 1, m)
    by.experiment = m
  end
  for _, m in ipairs(order) do
    if not m.keep_order then
      table.sort(m.labels, function(a, b)
        if m.numeric then
          local x, y = store.number(m.seen[a].raw), store.number(m.seen[b].raw)
          if x and y and x ~= y then return x < y end
        end
        return a < b
      end)
    end
    local missing = false
    for _, ex in ipairs(exps) do
      if m.name ~= "experiment" and not ex.data.param[m.name] then missing = true end
    end
    if missing then m.labels[#m.labels + 1] = "(none)" end
    m.index = {}
    for i, l in ipairs(m.labels) do m.index[l] = i - 1 end
    m.colors = plot.colors(#m.labels, m.numeric)
  end
  return order, by
end

function M.data_json(exps, view)
  local params, by = merged_params(exps)
  local out = { "{\"params\":[" }
  local ps = {}
  for i, m in ipairs(params) do
    local labels, colors = {}, {}
    for k, l in ipairs(m.labels) do labels[k], colors[k] = jstr(l), jstr(m.colors[k]) end
    ps[i] = string.format("{\"name\":%s,\"values\":[%s],\"colors\":[%s]}", jstr(m.name),
      table.concat(labels, ","), table.concat(colors, ","))
  end
  out[#out + 1] = table.concat(ps, ",") .. "],\"runs\":["
  local runs, index = {}, {}
  for ei, ex in ipairs(exps) do
    for _, r in ipairs(ex.data.runs) do
      local v = {}
      for i, m in ipairs(params) do
        local label
        if m.name == "experiment" then
          label = ex.name
        else
          local p = ex.data.param[m.name]
          label = p and p.label[r.p[m.name]] or "(none)"
        end
        v[i] = tostring(m.index[label] or 0)
      end
      runs[#runs + 1] = string.format("{\"id\":%s,\"exp\":%d,\"status\":%s,\"v\":[%s],\"score\":%s}",
        jstr(r.id), ei - 1, jstr(r.status), table.concat(v, ","), jnum(ex.plan.scores and ex.plan.scores[r.id]))
      index[ei .. "\0" .. r.id] = #runs - 1
    end
  end
  out[#out + 1] = table.concat(runs, ",") .. "],\"experiments\":["
  local names = {}
  for i, ex in ipairs(exps) do names[i] = jstr(ex.name) end
  out[#out + 1] = table.concat(names, ",") .. "],\"metrics\":["
  -- Metrics in the static report's order (its plan.metrics) first, then any others by name.
  local metrics, seen = {}, {}
  for _, ex in ipairs(exps) do
    for _, m in ipairs(ex.plan.metrics or {}) do
      if not seen[m] and ex.curves[m] then
        seen[m] = true
        metrics[#metrics + 1] = m
      end
    end
  end
  local ms = {}
  for i, metric in ipairs(metrics) do
    local scalar = true
    local cs = {}
    for ei, ex in ipairs(exps) do
      local bym = ex.curves[metric]
      if bym then
        for _, r in ipairs(ex.data.runs) do
          local c = bym[r.id]
          if c then
            if #c.s > 1 then scalar = false end
            cs[#cs + 1] = string.format("\"%d\":%s", index[ei .. "\0" .. r.id], curve_json(c))
          end
        end
      end
    end
    ms[i] = string.format("{\"name\":%s,\"scalar\":%s,\"curves\":{%s}}", jstr(metric), tostring(scalar),
      table.concat(cs, ","))
  end
  out[#out + 1] = table.concat(ms, ",") .. "],"
  local function names_json(list)
    local t = {}
    for _, n in ipairs(list or {}) do
      if by[n] then t[#t + 1] = jstr(n) end
    end
    return "[" .. table.concat(t, ",") .. "]"
  end
  -- band: the initial band of the mean lines; t975: Student's t quantiles for df 1..30 (the
  -- normal's beyond) from lib/stats, so the page's 95 % interval is the static figures'.
  local t = {}
  for df = 1, 31 do t[df] = string.format("%.17g", stats.t975(df)) end
  out[#out + 1] = string.format("\"view\":{\"color\":%s,\"panel\":%s,\"group\":%s,\"score\":%s,\"max\":%s,"
    .. "\"band\":%s,\"t975\":[%s]}}",
    view.color and by[view.color] and jstr(view.color) or "null", names_json(view.panel), names_json(view.group),
    view.score and jstr(view.score) or "null", tostring(view.direction == "max"),
    jstr(view.band == "ci95" and "ci95" or "minmax"), table.concat(t, ","))
  -- Inside <script type="application/json">: no "<" at all, so no "</script>" or "<!--".
  return (table.concat(out):gsub("<", "\\u003c"))
end

-- The interactive section's styles. On paper the section is left out and the static SVG
-- figures (folded on screen) are printed instead.
M.CSS = [[
.controls { position: sticky; top: 0; z-index: 20; background: #fff; padding: 6px 0; display: flex; flex-wrap: wrap;
  gap: 4px 16px; border-bottom: 1px solid #ddd; }
.ctl { font-size: 13px; } .ctl output { display: inline-block; min-width: 4em; font-family: monospace; }
.filters { display: flex; flex-wrap: wrap; gap: 4px 10px; margin: 6px 0; }
.filters fieldset { border: 1px solid #ddd; padding: 2px 8px 4px; margin: 0; font-size: 12.5px; }
.filters legend { font-weight: 600; } .chk { margin-right: 8px; white-space: nowrap; }
figure.live .panels { grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); }
.chart .graph { width: 100%; height: 280px; }
.chart .info { min-height: 1.4em; font: 12px monospace; color: #333; overflow-wrap: anywhere; }
.chart .legend button.lg { font: inherit; font-size: 12px; border: 1px solid #ddd; background: #fff; border-radius: 3px;
  padding: 0 5px; cursor: pointer; }
.chart .legend button.lg.off { opacity: 0.35; text-decoration: line-through; }
.chart .legend button.lg i { display: inline-block; width: 14px; height: 4px; vertical-align: middle;
  margin-right: 4px; }
svg.pc { max-width: 100%; height: auto; } .pcaxis { stroke: #888; stroke-width: 1; }
svg.pc text { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.pcline { fill: none; stroke-width: 1.2; opacity: 0.7; cursor: pointer; } .pcline:hover { stroke-width: 3; opacity: 1; }
.pcline.hl { stroke-width: 3.5; opacity: 1; }
tr.hl td { background: #fff3c4; }
@media screen { .static-figs.folded { display: none; } }
@media print { #gg-live, .screen { display: none; } }
]]

--[[ section_html() -> the interactive section's skeleton (controls, charts and the
  parallel-coordinates view are filled by the script). ]]
function M.section_html()
  return table.concat({
    '<section id="gg-live" class="live">',
    '<div class="controls" id="gg-controls"></div>',
    '<div id="gg-filters" class="filters"></div>',
    '<p class="muted" id="gg-shown"></p>',
    '<div id="gg-charts"></div>',
    "<h2>Parameters → score</h2>",
    '<p class="muted" id="gg-pc-caption"></p>',
    '<div id="gg-pc"></div>',
    "</section>",
  }, "\n")
end

return M
