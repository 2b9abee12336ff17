--[[ lua/gglab/report/plot.lua — pure plot layout for `gglab report`: axis ranges and ticks, the
  mean-and-band summary of repeated values, downsampling, colours, and the SVG of a line
  panel and of a heatmap panel.

  No file I/O and no knowledge of results directories: every function takes numbers and
  returns numbers or text, so each is unit-tested on its own (tests/lua/test_report.lua).
  Output is deterministic: coordinates are printed with a fixed precision, and nothing
  depends on table iteration order. Strings that reach the SVG (titles, labels) are
  escaped here; callers pass plain text. ]]
local html = require "gglab.report.html"
local stats = require "gglab.lib.stats"
local finite = require("gglab.lib.util").is_finite

local M = {}

local esc = html.escape
local floor, ceil, log10 = math.floor, math.ceil, function(x) return math.log(x, 10) end

M.finite = finite

-- ---- number text ----

--[[ fmt(x [, sig]) -> short text of x with sig (default 3) significant digits, as axis
  labels and table cells show it: "0.001", "250", "1.5e-05" written "1.5e-5", "inf". ]]
function M.fmt(x, sig)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  if x == 0 then return "0" end
  local s = string.format("%." .. (sig or 3) .. "g", x)
  s = s:gsub("e([-+])0*(%d)", function(sign, d) return "e" .. (sign == "-" and "-" or "") .. d end)
  return s
end

--[[ fmt_interval(m, lo, hi [, sig]) -> mtext, lotext, hitext: a centre and its interval
  with the same number of significant digits (at least sig, default 4), more when needed
  so that different numbers never print alike; lotext and hitext are nil when lo == hi
  (a zero-width interval says nothing: print the centre alone). ]]
function M.fmt_interval(m, lo, hi, sig)
  sig = sig or 4
  if lo == hi then return M.fmt(m, sig) end
  local vals = { m, lo, hi }
  for s = sig, 17 do
    local clash = false
    for i = 1, 3 do
      for j = i + 1, 3 do
        if vals[i] ~= vals[j] and M.fmt(vals[i], s) == M.fmt(vals[j], s) then clash = true end
      end
    end
    if not clash or s == 17 then return M.fmt(m, s), M.fmt(lo, s), M.fmt(hi, s) end
  end
end

-- ---- linear axes ----

-- The "nice" step (1, 2 or 5 times a power of ten) closest above range / n.
local function nice_step(range, n)
  local raw = range / n
  local e = floor(log10(raw))
  local f = raw / 10 ^ e
  local m = f <= 1 and 1 or f <= 2 and 2 or f <= 5 and 5 or 10
  return m * 10 ^ e
end

--[[ nice_range(lo, hi [, n]) -> lo', hi', step: the smallest range of whole steps that
  holds [lo, hi], with about n (default 5) steps of 1, 2 or 5 times a power of ten.
  A single value gets a range around it. lo and hi must be finite. ]]
function M.nice_range(lo, hi, n)
  assert(finite(lo) and finite(hi), "plot.nice_range: lo and hi must be finite")
  if lo > hi then lo, hi = hi, lo end
  if lo == hi then
    local d = lo == 0 and 1 or math.abs(lo) * 0.1
    lo, hi = lo - d, hi + d
  end
  local step = nice_step(hi - lo, n or 5)
  return floor(lo / step + 1e-9) * step, ceil(hi / step - 1e-9) * step, step
end

-- Digits after the point that show every multiple of step exactly (step = m * 10^e).
local function decimals(step)
  local e = floor(log10(step) + 1e-9)
  return math.max(0, -e)
end

--[[ linear_ticks(lo, hi, step) -> list of {v, label} at the multiples of step in [lo, hi].
  Tick values are computed as i * step (no accumulated rounding). ]]
function M.linear_ticks(lo, hi, step)
  local ticks = {}
  local d = decimals(step)
  local big = math.max(math.abs(lo), math.abs(hi)) >= 1e6 or (step < 1e-4)
  for i = ceil(lo / step - 1e-9), floor(hi / step + 1e-9) do
    local v = i * step
    if math.abs(v) < step * 1e-9 then v = 0 end
    local label = big and M.fmt(v) or string.format("%." .. d .. "f", v)
    ticks[#ticks + 1] = { v = v, label = label }
  end
  return ticks
end

-- ---- log axes ----

local function decade_label(k)
  if k >= -3 and k <= 3 then
    return k >= 0 and string.format("%d", floor(10 ^ k + 0.5)) or string.format("%." .. -k .. "f", 10 ^ k)
  end
  return "1e" .. k
end

--[[ log_ticks(lo, hi) -> lo', hi', ticks: for 0 < lo <= hi, the range widened to whole
  decades [10^a, 10^b] (b > a) and ticks {v, label} at the decades (every k-th decade
  when there are more than 8, so labels never crowd), plus 2 and 5 times each decade when
  the range spans at most two decades. ]]
function M.log_ticks(lo, hi)
  assert(finite(lo) and finite(hi) and lo > 0 and hi >= lo, "plot.log_ticks: need 0 < lo <= hi")
  local a, b = floor(log10(lo) + 1e-9), ceil(log10(hi) - 1e-9)
  if b <= a then b = a + 1 end
  local every = b - a > 8 and ceil((b - a) / 6) or 1
  local ticks = {}
  for k = a, b do
    if (k - a) % every == 0 then ticks[#ticks + 1] = { v = 10.0 ^ k, label = decade_label(k) } end
    if b - a <= 2 and k < b then
      for _, m in ipairs { 2, 5 } do
        ticks[#ticks + 1] = { v = m * 10.0 ^ k, label = M.fmt(m * 10.0 ^ k), minor = true }
      end
    end
  end
  table.sort(ticks, function(p, q) return p.v < q.v end)
  return 10.0 ^ a, 10.0 ^ b, ticks
end

--[[ wants_log(lo, hi) -> true when values in [lo, hi] read better on a log scale: all
  positive and spanning more than a factor of 50. ]]
function M.wants_log(lo, hi)
  return finite(lo) and finite(hi) and lo > 0 and hi / lo > 50
end

--[[ axis(lo, hi [, log]) -> {log, lo, hi, ticks}: a numeric axis holding [lo, hi], log
  when asked and possible (lo > 0). axis_pos(ax, v) -> 0..1 along it (values outside
  map outside; non-positive values on a log axis map to -inf). ]]
function M.axis(lo, hi, log)
  if log and lo > 0 then
    local a, b, ticks = M.log_ticks(lo, hi)
    return { log = true, lo = a, hi = b, ticks = ticks }
  end
  local a, b, step = M.nice_range(lo, hi)
  return { log = false, lo = a, hi = b, ticks = M.linear_ticks(a, b, step) }
end

function M.axis_pos(ax, v)
  if ax.cats then return (v - 0.5) / #ax.cats end  -- v: 1-based category index
  if ax.log then
    if v <= 0 then return -math.huge end
    return (log10(v) - log10(ax.lo)) / (log10(ax.hi) - log10(ax.lo))
  end
  return (v - ax.lo) / (ax.hi - ax.lo)
end

--[[ category_axis(labels) -> an axis with one slot per label, ticks at the slot centres;
  values on it are the 1-based slot indices. ]]
function M.category_axis(labels)
  local ticks = {}
  for i, l in ipairs(labels) do ticks[i] = { v = i, label = l } end
  return { cats = labels, lo = 0.5, hi = #labels + 0.5, ticks = ticks }
end

-- ---- mean and band over repeats ----

M.t975 = stats.t975

M.BANDS = { minmax = "min–max over seeds", ci95 = "95 % t-interval of the mean over seeds" }

-- The accumulator of repeated values (one per seed) at one point: lib/stats.lua.
M.acc_new, M.acc_add, M.acc_band = stats.acc_new, stats.acc_add, stats.acc_band

-- band(values, kind) -> mean, lo, hi, n: acc_band over a list.
function M.band(values, kind)
  local a = M.acc_new()
  for _, v in ipairs(values) do M.acc_add(a, v) end
  return M.acc_band(a, kind)
end

-- median(values) -> the median of a list of numbers (nil when empty); does not modify it.
function M.median(values)
  local n = #values
  if n == 0 then return nil end
  local s = table.move(values, 1, n, 1, {})
  table.sort(s)
  if n % 2 == 1 then return s[(n + 1) // 2] end
  return (s[n // 2] + s[n // 2 + 1]) / 2
end

--[[ downsample(points, max [, key]) -> points, or a subsequence of at most max (>= 4)
  points: the first and the last, and from each of (max - 2) // 2 equal runs of the
  points the one with the smallest and the one with the largest point[key] (default
  "y"), in their original order. Spikes and dips survive; the global min and max too. ]]
function M.downsample(points, max, key)
  key = key or "y"
  local n = #points
  if n <= max then return points end
  local out, last = { points[1] }, 1
  local buckets = (max - 2) // 2
  for b = 1, buckets do
    local i0 = 2 + (b - 1) * (n - 2) // buckets
    local i1 = 1 + b * (n - 2) // buckets
    local imin, imax = i0, i0
    for i = i0 + 1, i1 do
      if points[i][key] < points[imin][key] then imin = i end
      if points[i][key] > points[imax][key] then imax = i end
    end
    local p, q = math.min(imin, imax), math.max(imin, imax)
    if p > last then out[#out + 1], last = points[p], p end
    if q > last then out[#out + 1], last = points[q], q end
  end
  if last < n then out[#out + 1] = points[n] end
  return out
end

-- ---- colours ----

-- Viridis, sampled at 9 stops: perceptually even, legible in grey, colour-blind safe.
local VIRIDIS = { { 68, 1, 84 }, { 71, 44, 122 }, { 59, 81, 139 }, { 44, 113, 142 }, { 33, 144, 141 },
  { 39, 173, 129 }, { 92, 200, 99 }, { 170, 220, 50 }, { 253, 231, 37 } }

--[[ ramp(t) -> "#rrggbb" on the viridis ramp for t in [0, 1] (clamped). ]]
function M.ramp(t)
  t = math.max(0, math.min(1, t)) * (#VIRIDIS - 1)
  local i = math.min(floor(t), #VIRIDIS - 2)
  local f, a, b = t - i, VIRIDIS[i + 1], VIRIDIS[i + 2]
  local c = {}
  for k = 1, 3 do c[k] = floor(a[k] + (b[k] - a[k]) * f + 0.5) end
  return string.format("#%02x%02x%02x", c[1], c[2], c[3])
end

-- Relative luminance of "#rrggbb" (0 black .. 1 white), to pick legible text on a fill.
function M.luminance(hex)
  local r, g, b = tonumber(hex:sub(2, 3), 16), tonumber(hex:sub(4, 5), 16), tonumber(hex:sub(6, 7), 16)
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
end

-- Tableau 10: distinct hues for unordered values.
local CATEGORICAL = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#bab0ac" }

--[[ colors(n, ordered) -> list of n colours: an ordered parameter (numbers) gets the
  viridis ramp (dark to light, stopping short of the pale end so lines stay visible), an
  unordered one distinct hues, repeating after 10. ]]
function M.colors(n, ordered)
  local out = {}
  for i = 1, n do
    if ordered and n > 1 then
      out[i] = M.ramp(0.88 * (i - 1) / (n - 1))
    elseif ordered then
      out[i] = M.ramp(0.35)
    else
      out[i] = CATEGORICAL[(i - 1) % #CATEGORICAL + 1]
    end
  end
  return out
end

-- ---- SVG ----

local function f1(x) return string.format("%.1f", x) end

-- Panel geometry (SVG user units; the page scales the panel to its column width).
local W, H = 400, 270
local ML, MR, MT, MB = 56, 12, 26, 40

-- The text of an axis's ticks and grid lines along one side of the plot area.
local function axis_svg(parts, ax, horizontal, x0, x1, y0, y1)
  for _, t in ipairs(ax.ticks) do
    local p = M.axis_pos(ax, t.v)
    if p >= -1e-9 and p <= 1 + 1e-9 then
      if horizontal then
        local x = x0 + p * (x1 - x0)
        parts[#parts + 1] = string.format('<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>', f1(x), f1(y0), f1(x), f1(y1))
        if not t.minor or #ax.ticks <= 12 then
          parts[#parts + 1] = string.format('<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>',
            f1(x), f1(y0 + 14), esc(t.label))
        end
      else
        local y = y0 - p * (y0 - y1)
        parts[#parts + 1] = string.format('<line class="grid%s" x1="%s" y1="%s" x2="%s" y2="%s"/>',
          t.minor and " minor" or "", f1(x0), f1(y), f1(x1), f1(y))
        parts[#parts + 1] = string.format('<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>',
          f1(x0 - 4), f1(y + 3.5), esc(t.label))
      end
    end
  end
end

-- A small cross centred at (x, y): the mark of a diverged run.
local function cross(x, y, r, color)
  return string.format('<path class="div" d="M%s %sL%s %sM%s %sL%s %s" stroke="%s"/>', f1(x - r), f1(y - r),
    f1(x + r), f1(y + r), f1(x - r), f1(y + r), f1(x + r), f1(y - r), color)
end

-- panel_scales(spec) -> px, py: data values to SVG coordinates in a panel's plot area;
-- y is clamped just outside it, non-positive values on a log axis sit just below the bottom.
local function panel_scales(spec)
  local x0, x1, yb, yt = ML, W - MR, H - MB, MT
  local function px(v) return x0 + M.axis_pos(spec.x, v) * (x1 - x0) end
  local function py(v)
    local p = M.axis_pos(spec.y, v)
    if p == -math.huge then p = -0.05 end
    p = math.max(-0.05, math.min(1.05, p))
    return yb - p * (yb - yt)
  end
  return px, py
end

-- The end of a panel: crosses at the top edge for its markers (runs without a finite
-- value), the axis labels, the closing tag -> the panel's SVG text.
local function panel_close(parts, spec, px, x0, x1, yt, yb)
  for _, m in ipairs(spec.markers or {}) do
    local x = math.max(x0, math.min(x1, px(m.x)))
    parts[#parts + 1] = cross(x, yt + 5, 3.5, m.color)
  end
  M.axis_labels(parts, spec, x0, x1, yt, yb)
  parts[#parts + 1] = "</svg>"
  return table.concat(parts, "\n")
end

--[[ line_panel(spec) -> SVG text of one panel of lines with bands.
  spec = { id = unique text for element ids, title, xlabel, ylabel,
    x = axis, y = axis (from plot.axis / category_axis),
    series = { {color, label (for the tooltip, optional), full (the group's run count,
      optional), points = { {x, y, lo, hi, n}, ... } sorted by x, drops = { {x, y, n}, ... }
      (where the count falls, optional)}, ... },
    markers = { {x, color}, ... } drawn as crosses at the top edge (diverged runs) }.
  A series with `full` draws the stretches where a point's n (runs averaged there) is
  below full as a thin dashed line, and an open circle at each drop; every line and
  circle carries a tooltip saying over how many runs it is the mean.
  Lines and bands are clipped to the plot area: values above the y range leave through
  the top. Points with a non-finite y are skipped. ]]
function M.line_panel(spec)
  local x0, x1, yb, yt = ML, W - MR, H - MB, MT
  local px, py = panel_scales(spec)
  local clip = "clip-" .. spec.id
  local parts = {
    string.format('<svg class="panel" viewBox="0 0 %d %d" role="img" aria-label="%s">', W, H, esc(spec.title or "")),
    string.format('<defs><clipPath id="%s"><rect x="%d" y="%d" width="%d" height="%d"/></clipPath></defs>', clip,
      x0, yt, x1 - x0, yb - yt),
    string.format('<text class="ptitle" x="%d" y="16">%s</text>', x0, esc(spec.title or "")),
  }
  axis_svg(parts, spec.x, true, x0, x1, yb, yt)
  axis_svg(parts, spec.y, false, x0, x1, yb, yt)
  parts[#parts + 1] = string.format('<rect class="frame" x="%d" y="%d" width="%d" height="%d"/>', x0, yt, x1 - x0, yb - yt)
  parts[#parts + 1] = string.format('<g clip-path="url(#%s)">', clip)
  for _, s in ipairs(spec.series) do
    local up, down, line, partial = {}, {}, {}, {}
    local banded = false
    local prev  -- the previous drawn point: {xy text, reduced}
    for _, p in ipairs(s.points) do
      if finite(p.y) then
        local x = f1(px(p.x))
        local xy = x .. " " .. f1(py(p.y))
        local reduced = s.full and p.n and p.n < s.full or false
        line[#line + 1] = xy
        if prev and (reduced or prev.reduced) then partial[#partial + 1] = "M" .. prev.xy .. "L" .. xy end
        prev = { xy = xy, reduced = reduced }
        if finite(p.lo) and finite(p.hi) then
          up[#up + 1] = x .. " " .. f1(py(p.hi))
          down[#down + 1] = x .. " " .. f1(py(p.lo))
          if p.hi > p.lo then banded = true end
        end
      end
    end
    if banded and #up > 1 then
      local rev = {}
      for i = #down, 1, -1 do rev[#rev + 1] = down[i] end
      parts[#parts + 1] = string.format('<path class="band" fill="%s" d="M%sL%sZ"/>', s.color,
        table.concat(up, "L"), table.concat(rev, "L"))
    end
    local tip = s.label and s.full and string.format("%s: mean over %d run%s%s", s.label, s.full,
      s.full == 1 and "" or "s", #partial > 0 and " (fewer where dashed)" or "") or s.label
    local title = tip and ("<title>" .. esc(tip) .. "</title>") or ""
    if #line == 1 then
      local x, y = line[1]:match("(%S+) (%S+)")
      parts[#parts + 1] = string.format('<circle cx="%s" cy="%s" r="2.5" fill="%s">%s</circle>', x, y,
        s.color, title)
    elseif #line > 1 then
      if #partial == 0 then
        parts[#parts + 1] = string.format('<path class="line" stroke="%s" d="M%s">%s</path>', s.color,
          table.concat(line, "L"), title)
      else
        -- The full-count stretches solid, the reduced ones thin and dashed on top.
        local solid, run = {}, {}
        prev = nil
        for _, p in ipairs(s.points) do
          if finite(p.y) then
            local xy = f1(px(p.x)) .. " " .. f1(py(p.y))
            local reduced = p.n and p.n < s.full
            if reduced then
              if #run > 1 then solid[#solid + 1] = "M" .. table.concat(run, "L") end
              run = {}
            else
              if #run == 0 and prev and not prev.reduced then run[1] = prev.xy end
              run[#run + 1] = xy
            end
            prev = { xy = xy, reduced = reduced }
          end
        end
        if #run > 1 then solid[#solid + 1] = "M" .. table.concat(run, "L") end
        if #solid > 0 then
          parts[#parts + 1] = string.format('<path class="line" stroke="%s" d="%s">%s</path>', s.color,
            table.concat(solid), title)
        end
        parts[#parts + 1] = string.format('<path class="line partial" stroke="%s" d="%s">%s</path>', s.color,
          table.concat(partial), title)
      end
    end
    for _, d in ipairs(s.drops or {}) do
      if finite(d.y) then
        parts[#parts + 1] = string.format('<circle class="drop" cx="%s" cy="%s" r="3" stroke="%s">'
          .. "<title>%s</title></circle>", f1(px(d.x)), f1(py(d.y)), s.color,
          esc(string.format("%sfrom %s: mean over %d of %d runs", s.label and (s.label .. ": ") or "",
            M.fmt(d.x, 6), d.n, s.full or d.n)))
      end
    end
  end
  parts[#parts + 1] = "</g>"
  return panel_close(parts, spec, px, x0, x1, yt, yb)
end

-- axis_labels(parts, spec, x0, x1, yt, yb): the x label under a panel, the y label at its left.
function M.axis_labels(parts, spec, x0, x1, yt, yb)
  if spec.xlabel then
    parts[#parts + 1] = string.format('<text class="alabel" x="%s" y="%d" text-anchor="middle">%s</text>',
      f1((x0 + x1) / 2), H - 6, esc(spec.xlabel))
  end
  if spec.ylabel then
    parts[#parts + 1] = string.format('<text class="alabel" transform="translate(12 %s) rotate(-90)" '
      .. 'text-anchor="middle">%s</text>', f1((yt + yb) / 2), esc(spec.ylabel))
  end
end

--[[ strip_panel(spec) -> SVG text of one strip plot: one dot per run, its groups side by
  side along x, each group's mean marked by a short horizontal bar.
  spec = { id, title, xlabel, ylabel, x = axis (numeric or category), y = axis,
    groups = { {x, color, label, values = { {v, tip}, ... }}, ... },
    markers = { {x, color}, ... } crosses at the top edge (runs without a finite value) }.
  Dots of a group spread over at most 24 units around its x, in the given order, so the
  page is deterministic; every dot and mean carries a tooltip. ]]
function M.strip_panel(spec)
  local x0, x1, yb, yt = ML, W - MR, H - MB, MT
  local px, py = panel_scales(spec)
  local parts = {
    string.format('<svg class="panel strip" viewBox="0 0 %d %d" role="img" aria-label="%s">', W, H,
      esc(spec.title or "")),
    string.format('<text class="ptitle" x="%d" y="16">%s</text>', x0, esc(spec.title or "")),
  }
  axis_svg(parts, spec.x, true, x0, x1, yb, yt)
  axis_svg(parts, spec.y, false, x0, x1, yb, yt)
  parts[#parts + 1] = string.format('<rect class="frame" x="%d" y="%d" width="%d" height="%d"/>', x0, yt,
    x1 - x0, yb - yt)
  for _, g in ipairs(spec.groups) do
    local cx, k = px(g.x), #g.values
    local gap = k > 1 and math.min(4, 24 / (k - 1)) or 0
    local sum = 0
    for j, d in ipairs(g.values) do
      sum = sum + d.v
      parts[#parts + 1] = string.format('<circle class="dot" cx="%s" cy="%s" r="2.5" fill="%s">'
        .. "<title>%s</title></circle>", f1(cx + (j - (k + 1) / 2) * gap), f1(py(d.v)), g.color, esc(d.tip))
    end
    if k > 0 then
      local mean = sum / k
      local y = f1(py(mean))
      parts[#parts + 1] = string.format('<path class="mean" stroke="%s" d="M%s %sL%s %s">'
        .. "<title>%s</title></path>", g.color, f1(cx - 12 - gap * (k - 1) / 2), y,
        f1(cx + 12 + gap * (k - 1) / 2), y,
        esc(string.format("%smean %s over %d run%s", g.label and (g.label .. ": ") or "", M.fmt(mean, 4), k,
          k == 1 and "" or "s")))
    end
  end
  return panel_close(parts, spec, px, x0, x1, yt, yb)
end

--[[ heatmap_panel(spec) -> SVG text of one heatmap.
  spec = { id, title, xlabel, ylabel (nil for a single row), xcats, ycats (label lists),
    cells = { [iy] = { [ix] = {color = "#rrggbb" or nil, text = value text or nil,
      bad = count of diverged/failed runs, n = runs in the cell} } } }.
  A cell without a colour (no usable run) is hatched; a cell with diverged or failed runs
  carries "✕ bad/n". Empty (nil) cells are left blank. ]]
function M.heatmap_panel(spec)
  local nx, ny = #spec.xcats, math.max(1, #spec.ycats)
  local longest = 0
  for _, l in ipairs(spec.ycats) do longest = math.max(longest, #l) end
  local ml = spec.ylabel and math.min(140, ceil(26 + 6.5 * longest)) or 12
  local cw = math.max(22, math.min(64, floor(560 / nx)))
  local ch = math.max(18, math.min(34, floor(320 / ny)))
  local rotate = false
  for _, l in ipairs(spec.xcats) do
    if #l * 6.2 > cw - 2 then rotate = true end
  end
  local mb = rotate and 78 or 40
  local w, h = ml + nx * cw + 10, 24 + ny * ch + mb
  local hatch = "hatch-" .. spec.id
  local parts = {
    string.format('<svg class="heat" viewBox="0 0 %d %d" style="max-width:%dpx" role="img" aria-label="%s">', w, h,
      w + 60, esc(spec.title or "")),
    string.format('<defs><pattern id="%s" width="6" height="6" patternUnits="userSpaceOnUse" '
      .. 'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/>'
      .. '<line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern></defs>', hatch),
    string.format('<text class="ptitle" x="%s" y="15">%s</text>', f1(ml), esc(spec.title or "")),
  }
  for iy = 1, ny do
    local row = spec.cells[iy] or {}
    local y = 24 + (ny - iy) * ch  -- first category at the bottom, like a y axis
    if spec.ycats[iy] then
      parts[#parts + 1] = string.format('<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>', f1(ml - 4),
        f1(y + ch / 2 + 3.5), esc(spec.ycats[iy]))
    end
    for ix = 1, nx do
      local c = row[ix]
      if c then
        local x = ml + (ix - 1) * cw
        parts[#parts + 1] = string.format('<rect class="cell" x="%s" y="%s" width="%d" height="%d" fill="%s"/>',
          f1(x), f1(y), cw, ch, c.color or ("url(#" .. hatch .. ")"))
        local ink = c.color and M.luminance(c.color) < 0.5 and "#fff" or "#000"
        local label = c.text
        if (c.bad or 0) > 0 then label = string.format("✕%d/%d", c.bad, c.n) end
        if label and cw >= 30 then
          parts[#parts + 1] = string.format('<text class="cellv" x="%s" y="%s" fill="%s" text-anchor="middle">%s</text>',
            f1(x + cw / 2), f1(y + ch / 2 + 3.5), ink, esc(label))
        elseif (c.bad or 0) > 0 then
          parts[#parts + 1] = cross(x + cw / 2, y + ch / 2, 3.5, ink)
        end
      end
    end
  end
  local yb = 24 + ny * ch
  for ix, l in ipairs(spec.xcats) do
    local x = ml + (ix - 0.5) * cw
    if rotate then
      parts[#parts + 1] = string.format('<text class="tick" transform="translate(%s %s) rotate(-45)" '
        .. 'text-anchor="end">%s</text>', f1(x + 3), f1(yb + 10), esc(l))
    else
      parts[#parts + 1] = string.format('<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>', f1(x),
        f1(yb + 14), esc(l))
    end
  end
  if spec.xlabel then
    parts[#parts + 1] = string.format('<text class="alabel" x="%s" y="%d" text-anchor="middle">%s</text>',
      f1(ml + nx * cw / 2), h - 5, esc(spec.xlabel))
  end
  if spec.ylabel then
    parts[#parts + 1] = string.format('<text class="alabel" transform="translate(11 %s) rotate(-90)" '
      .. 'text-anchor="middle">%s</text>', f1(24 + ny * ch / 2), esc(spec.ylabel))
  end
  parts[#parts + 1] = "</svg>"
  return table.concat(parts, "\n")
end

--[[ colorbar(ax, label) -> SVG text of a horizontal colour scale for a heatmap whose
  values map along axis ax onto plot.ramp (ticks from the axis). ]]
function M.colorbar(ax, label)
  local w, x0, bw = 340, 10, 320
  local parts = { string.format('<svg class="cbar" viewBox="0 0 %d 50" role="img" aria-label="%s">', w, esc(label)) }
  local steps = 32
  for i = 0, steps - 1 do
    parts[#parts + 1] = string.format('<rect x="%s" y="4" width="%s" height="12" fill="%s"/>', f1(x0 + i * bw / steps),
      f1(bw / steps + 0.5), M.ramp((i + 0.5) / steps))
  end
  for _, t in ipairs(ax.ticks) do
    local p = M.axis_pos(ax, t.v)
    if p >= -1e-9 and p <= 1 + 1e-9 and not t.minor then
      local x = x0 + p * bw
      parts[#parts + 1] = string.format('<line class="frame" x1="%s" y1="16" x2="%s" y2="20"/>', f1(x), f1(x))
      parts[#parts + 1] = string.format('<text class="tick" x="%s" y="31" text-anchor="middle">%s</text>', f1(x),
        esc(t.label))
    end
  end
  parts[#parts + 1] = string.format('<text class="alabel" x="%s" y="46" text-anchor="middle">%s</text>',
    f1(x0 + bw / 2), esc(label))
  parts[#parts + 1] = "</svg>"
  return table.concat(parts, "\n")
end

return M
