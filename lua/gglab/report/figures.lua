--[[ lua/gglab/report/figures.lua — the figures of `gglab report` as HTML with inline SVG:
  the curve figures (one per metric and figure split, a panel per facet combination) and
  the heatmap of the score. Layout primitives are gglab.report.plot's. ]]
local plot = require "gglab.report.plot"
local html = require "gglab.report.html"
local store = require "gglab.engine.store"
local aggregate = require "gglab.report.aggregate"

local M = {}

local esc = html.escape
local number, finite = store.number, plot.finite
local groups, key_of, concat = aggregate.groups, aggregate.key_of, aggregate.concat
local cross_text, cell_stats = aggregate.cross_text, aggregate.cell_stats

-- The x at which a diverged run's marker goes, or nil.
local function divergence_x(data, plan, agg, r)
  if plan.x_param then
    local xp = data.param[plan.x_param]
    return xp.kind == "number" and number(r.p[plan.x_param]) or xp.index[r.p[plan.x_param]]
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

local function legend_html(data, plan, colors, with_marker, with_drop)
  local items = {}
  if plan.color then
    local p = data.param[plan.color]
    for _, v in ipairs(p.values) do
      items[#items + 1] = string.format('<span><i style="background:%s"></i>%s=%s</span>', colors[v],
        esc(plan.color), esc(p.label[v]))
    end
  end
  if with_marker then items[#items + 1] = '<span><i class="x">✕</i> diverged there</span>' end
  if with_drop then
    items[#items + 1] = '<span><i class="dash"></i>mean over fewer runs than the line has (runs ended)</span>'
    items[#items + 1] = '<span><i class="o">○</i> where that count drops</span>'
  end
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
  if not r.neg and r.pos < math.huge and plot.wants_log(r.pos, r.hi) then
    return plot.axis(r.pos, r.hi, true), true
  end
  return plot.axis(r.lo, r.hi, false), false
end
M.y_axis, M.new_range, M.extend_range = y_axis, new_range, extend

--[[ curve_figures(data, plan, agg, counter) -> list of {html, title}: per metric (and per
  combination of the parameters that are neither colour nor panel), one figure whose
  panels are the facet combinations that logged that metric. ]]
function M.curves(data, plan, agg, counter)
  local figures = {}
  local colors = plan.color and param_colors(data, plan.color) or nil
  local xp = plan.x_param and data.param[plan.x_param]
  for _, metric in ipairs(plan.metrics) do
    if agg.scalar[metric] then
      for _, f in ipairs(M.strips(data, plan, agg, metric, counter, colors)) do figures[#figures + 1] = f end
      goto next_metric
    end
    local bym = agg.series[metric] or {}
    for _, fig in ipairs(groups(data, plan.rest)) do
      local panels_html, any_marker, any_drop = {}, false, false
      for _, panel in ipairs(groups(data, plan.facet, fig.runs)) do
        -- The y range is that of the mean lines (bands may be clipped), taken over the
        -- groups none of whose runs diverged when there are such groups.
        local series, xlo, xhi = {}, math.huge, -math.huge
        local all_range, clean_range = new_range(), new_range()
        local has_clean = false
        local markers = {}
        local ncurves = 0
        for _, cg in ipairs(groups(data, plan.color and { plan.color } or {}, panel.runs)) do
          local gk = key_of(data, cg.first,
            concat(plan.rest, plan.facet, plan.color and { plan.color } or {}))
          local c = bym[gk]
          local diverged = false
          for _, r in ipairs(cg.runs) do
            if r.status == "diverged" then diverged = true end
          end
          if c then
            local all = aggregate.series_points(c, plan.band)
            -- Where the number of runs averaged falls (early-stopped or diverged runs ended):
            -- marked on the line, from the full list of points (before downsampling).
            local drops, full = {}, nil
            if not xp then
              full = c.runs
              local last_n = full
              for _, p in ipairs(all) do
                if p.n < last_n and finite(p.y) then drops[#drops + 1] = { x = p.x, y = p.y, n = p.n } end
                last_n = p.n
              end
              if #drops > 0 then any_drop = true end
            end
            local points = plot.downsample(all, plan.max_points)
            for _, p in ipairs(points) do
              extend(all_range, p.y)
              if not diverged then extend(clean_range, p.y) end
              if p.x < xlo then xlo = p.x end
              if p.x > xhi then xhi = p.x end
            end
            if not diverged then has_clean = true end
            series[#series + 1] = { color = colors and colors[cg.first.p[plan.color]] or plot.colors(1)[1],
              points = points, full = full, drops = drops,
              label = cg.label ~= "" and cg.label or (panel.label ~= "" and panel.label or metric) }
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
            local vlo, vhi = number(xp.values[1]), number(xp.values[#xp.values])
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
        if any_drop then
          bits[#bits + 1] = "Dashed: the mean covers fewer runs than the line's (early-stopped or diverged "
            .. "runs ended); ○ where the count drops (hover for the counts)."
        end
        if any_marker then
          bits[#bits + 1] = plan.x_param and "✕: a run diverged at that value (drawn at the top)."
            or "✕: a run diverged at that " .. esc(plan.x) .. " (drawn at the top)."
        end
        if any_marker then
          bits[#bits + 1] = "The y range follows the groups without a diverged run; "
            .. "diverging curves leave through the top."
        end
        figures[#figures + 1] = {
          title = metric .. (fig.label ~= "" and (", " .. fig.label) or ""),
          html = table.concat({ '<figure class="curves" id="fig' .. n .. '">',
            "<figcaption>" .. table.concat(bits, " ") .. "</figcaption>",
            legend_html(data, plan, colors or {}, any_marker, any_drop),
            '<div class="panels">', table.concat(panels_html, "\n"), "</div>", "</figure>" }, "\n"),
        }
      end
    end
    ::next_metric::
  end
  return figures
end

--[[ strips(data, plan, agg, metric, counter, colors) -> list of {html, title}: a per-run
  scalar (a metric each run logged at most once, agg.scalar) as strip plots: per figure
  split and panel, one dot per run in the slot of its value of the swept axis (--x when it
  is a parameter, else the colour parameter), coloured by the colour parameter, each
  configuration's mean marked by a bar. Runs whose value is not finite get a ✕ at the top. ]]
function M.strips(data, plan, agg, metric, counter, colors)
  local out = {}
  local final = agg.final[metric] or {}
  local xname = plan.x_param or plan.color
  local xp = xname and data.param[xname]
  local within = concat(xname and { xname } or {},
    plan.color and plan.color ~= xname and { plan.color } or {})
  local function x_of(r) return xp and xp.index[r.p[xname]] or 1 end
  for _, fig in ipairs(groups(data, plan.rest)) do
    local panels_html, any_marker, nruns = {}, false, 0
    for _, panel in ipairs(groups(data, plan.facet, fig.runs)) do
      local range, spec_groups, markers = new_range(), {}, {}
      for _, g in ipairs(groups(data, within, panel.runs)) do
        local color = colors and colors[g.first.p[plan.color]] or plot.colors(1)[1]
        local values = {}
        for _, r in ipairs(g.runs) do
          local v = final[r.id]
          if v ~= nil and finite(v) then
            extend(range, v)
            values[#values + 1] = { v = v, tip = string.format("%s%s: %s = %s",
              r.id, g.label ~= "" and (" (" .. g.label .. ")") or "", metric, plot.fmt(v, 6)) }
          elseif v ~= nil then
            markers[#markers + 1] = { x = x_of(r), color = color }
          end
        end
        if #values > 0 then
          nruns = nruns + #values
          spec_groups[#spec_groups + 1] = { x = x_of(g.first), color = color, values = values,
            label = g.label ~= "" and g.label or nil }
        end
      end
      if #spec_groups > 0 or #markers > 0 then
        -- One slot per value (numbers too): dots need room on both sides of their value.
        local labels = { "all runs" }
        if xp then
          for i, v in ipairs(xp.values) do labels[i] = xp.label[v] end
        end
        local xaxis = plot.category_axis(labels)
        local yaxis, log = y_axis(range)
        counter.panel = counter.panel + 1
        if #markers > 0 then any_marker = true end
        panels_html[#panels_html + 1] = plot.strip_panel {
          id = "p" .. counter.panel,
          title = panel.label ~= "" and panel.label or metric,
          xlabel = xname,
          ylabel = metric .. (log and " (log)" or ""),
          x = xaxis, y = yaxis, groups = spec_groups, markers = markers,
        }
      end
    end
    if #panels_html > 0 then
      counter.figure = counter.figure + 1
      local n = counter.figure
      local bits = { string.format("<b>Figure %d.</b> <b>%s</b>, one value per run%s%s.", n, esc(metric),
        xname and (", by " .. esc(xname)) or "", fig.label ~= "" and (", " .. esc(fig.label)) or "") }
      bits[#bits + 1] = string.format("Each run logged it once, so it is drawn as %d dot%s (one per run), "
        .. "not as a curve; bar: the mean of a configuration's runs.", nruns, nruns == 1 and "" or "s")
      if #plan.facet > 0 then bits[#bits + 1] = "Panels: " .. esc(cross_text(plan.facet)) .. "." end
      if plan.color then bits[#bits + 1] = "Colour: " .. esc(plan.color) .. "." end
      if any_marker then bits[#bits + 1] = "✕: a run's value is not finite (drawn at the top)." end
      out[#out + 1] = {
        title = metric .. (fig.label ~= "" and (", " .. fig.label) or ""),
        html = table.concat({ '<figure class="strip" id="fig' .. n .. '">',
          "<figcaption>" .. table.concat(bits, " ") .. "</figcaption>",
          legend_html(data, plan, colors or {}, any_marker),
          '<div class="panels">', table.concat(panels_html, "\n"), "</div>", "</figure>" }, "\n"),
      }
    end
  end
  return out
end

function M.heatmap(data, plan, counter)
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
      local c = cell_stats(g.runs, plan.scores)
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
    b and (" and " .. esc(b)) or "",
    #plan.heat_others > 0 and ("; one panel per " .. esc(cross_text(plan.heat_others))) or "",
    ax and ax.log and " (log)" or "",
    clamped and ", set by the cells without diverged or failed runs (values beyond it take its end colour)"
      or "")
  return {
    title = "heatmap of " .. plan.score,
    html = table.concat({ '<figure class="heatmap" id="fig' .. n .. '">',
      "<figcaption>" .. caption .. "</figcaption>",
      ax and plot.colorbar(ax, "median " .. plan.score .. (ax.log and " (log scale)" or "")) or "",
      '<div class="panels heat">', table.concat(svgs, "\n"), "</div>", "</figure>" }, "\n"),
  }
end

return M
