--[[ lua/gglab/report/page.lua — `gglab report DIR`: a self-contained HTML report of a
  results directory (DIR/report.html), or with --text a short summary for a terminal (the
  public entry of gglab.report.*: render, write, summary).

  Reads runs.csv (whole: one row per run), manifest.json (optional: provenance, claims)
  and curves.csv, streamed and reduced on the fly (report/aggregate.lua). A group is a
  combination of the swept parameters shown separately (figure split, panel, colour); runs
  that differ only in `seed` (and in parameters with a single value) are averaged: mean
  line plus a band. The pieces: report/load.lua (reading), plan.lua (which parameter goes
  where), aggregate.lua (grouping, series), figures.lua (curves, heatmap), analysis.lua
  (best configuration, divergence boundary), text.lua (--text); layout is in gglab.report.plot,
  escaping and the page skeleton in gglab.report.html. The same inputs give a byte-identical
  page: nothing depends on the clock or on table iteration order, and the only date is
  the manifest's.

  render(dir, opts) -> html, info | nil, msg;  write(dir, opts) -> path, info | nil, msg;
  summary(dir, opts) -> text | nil, msg.
  opts: x ("step", "epoch" or a parameter), color, facet (list of parameters, or "none"),
  heatmap (list of 1 or 2 parameters), metric (list of metrics), score ("NAME[:max|:min]":
  a runs.csv result column or a metric of curves.csv, whose final value counts; default
  final_val_loss when the runs have one, else final_loss), band ("minmax" or "ci95"), out (file),
  max_points (per line of the static figures, default 400), static (no interactive part),
  live_points (per run and metric in the interactive part, default 2000), dygraphs (the
  directory of libjs-dygraphs' files; tests). dir may be a list of folders: one page
  comparing them (report/interactive.lua gives their runs a parameter `experiment`). ]]
local gg = require "gglab"
local json = require "gglab.lib.json"
local plot = require "gglab.report.plot"
local html = require "gglab.report.html"
local util = require "gglab.lib.util"
local schema = require "gglab.lib.schema"
local load = require "gglab.report.load"
local planner = require "gglab.report.plan"
local aggregate = require "gglab.report.aggregate"
local figures = require "gglab.report.figures"
local analysis = require "gglab.report.analysis"
local text = require "gglab.report.text"
local interactive = require "gglab.report.interactive"
local live_js = require "gglab.report.live_js"

local M = {}

local esc = html.escape
local manifest_value, counts_text = load.manifest_value, load.counts_text
local label_of, concat, cross_text = aggregate.label_of, aggregate.concat, aggregate.cross_text

-- summary(dir, opts) -> the --text summary (report/text.lua).
M.summary = text.summary

local function provenance_html(data)
  local m = data.manifest
  if not m then return '<p class="muted">No manifest.json: provenance unknown.</p>' end
  local rows = {}
  local function add(label, value, mono)
    if value == nil then return end
    rows[#rows + 1] = string.format("<dt>%s</dt><dd%s>%s</dd>", esc(label), mono and ' class="mono"' or "",
      esc(value))
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
  if seed ~= nil then
    add("experiment seed", type(seed) == "number" and gg.fmt_number(seed) or tostring(seed), true)
  end
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
    if c.holds == true then
      cls, word = "holds", "holds"
    elseif c.holds == false then
      cls, word = "fails", "does not hold"
    end
    items[#items + 1] = string.format('<li><span class="verdict %s">%s</span> %s%s</li>', cls, word,
      esc(c.text or ""),
      c.detail and c.detail ~= json.null and (' <span class="muted">— ' .. esc(c.detail) .. "</span>") or "")
  end
  return "<h2>Claims</h2>\n<ul class=\"claims\">" .. table.concat(items, "\n") .. "</ul>"
end

local STATUS_CLASS = { ok = "st-ok", diverged = "st-diverged", failed = "st-failed" }

local function runs_table_html(data)
  local columns, shown = {}, {}
  for i, h in ipairs(data.header) do
    if h ~= "run_seed" then
      local cls = (h == "run_id") and "id" or (h == "status") and "status" or (h == "error") and "err" or nil
      if not cls and (schema.RESULT_COLUMNS_SET[h] or data.param[h] and data.param[h].kind == "number") then
        cls = "num"
      end
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
  for _, b in ipairs(analysis.best(data, plan)) do
    local mt, lt, ht
    if b.median then mt, lt, ht = plot.fmt_interval(b.median, b.lo, b.hi) end
    rows[#rows + 1] = { cells = { b.group, b.best or ("— (" .. text.none_text(plan, b.unscored) .. ")"),
      mt or "", lt and (lt .. " – " .. ht) or (mt and "(all equal)" or ""),
      b.n and tostring(b.n) or "", string.format("%d/%d", b.bad, b.runs), b.boundary } }
  end
  local gnames = concat(plan.rest, plan.facet)
  local o = analysis.overall(data, plan)
  local overall = ""
  if o then
    local mt, lt, ht = plot.fmt_interval(o.median, o.lo, o.hi)
    overall = string.format('<p class="best">Best of the grid: <b>%s</b>, median <code>%s</code> %s%s '
      .. "over %d run%s%s.</p>", esc(o.best), esc(plan.score), esc(mt),
      lt and esc(string.format(" [%s, %s]", lt, ht)) or "", o.n, o.n == 1 and "" or "s", o.seeds and (" (seed " .. esc(o.seeds) .. ")") or "")
  end
  return table.concat({ "<h2>Best configuration per group</h2>",
    string.format("<p>Per %s: the configuration with the %s median <code>%s</code> over its runs, among "
      .. "those none of whose runs diverged or failed; and where runs start to diverge along %s.</p>",
      #gnames > 0 and esc(cross_text(gnames)) or "sweep", analysis.direction_text(plan), esc(plan.score),
      esc(plan.x_param or plan.color or "the sweep")), overall,
    html.table_html({ { label = "group" }, { label = "best configuration" },
      { label = "median " .. plan.score, class = "num" }, { label = "range", class = "num" },
      { label = "runs", class = "num" }, { label = "diverged or failed in group", class = "num" },
      { label = "divergence" } }, rows) }, "\n")
end

-- The diagnoses `gglab doctor` wrote under DIR/doctor (doctor.txt, or one per
-- configuration in DIR/doctor/<k>/ with --all), as preformatted sections; "" when none.
local function doctor_html(data)
  local found = data.results:doctor_reports()
  if #found == 0 then return "" end
  local parts = { "<h2>Doctor</h2>",
    '<p class="muted">What <code>gglab doctor</code> found (docs/doctor.md): '
    .. "the verdict, the fixes of its panel with their effects, and the diagnostics evidence.</p>" }
  for _, t in ipairs(found) do parts[#parts + 1] = '<pre class="doctor">' .. esc(t) .. "</pre>" end
  return table.concat(parts, "\n")
end

local function prepare(dir, opts)
  local data, msg = load.load(dir)
  if not data then return nil, msg end
  local plan
  plan, msg = planner.plan(data, opts)
  if not plan then return nil, msg end
  local ok, agg = pcall(aggregate.aggregate, data, plan)
  if not ok then return nil, tostring(agg) end
  if plan.metric then
    local have = {}
    for _, m in ipairs(agg.metrics) do have[m] = true end
    for _, m in ipairs(plan.metric) do
      if not have[m] then
        return nil, string.format("bad --metric '%s': expected a metric in %s/%s: %s", m, dir,
          schema.CURVES_FILE, planner.list_text(agg.metrics))
      end
    end
    plan.metrics = plan.metric
  else
    plan.metrics = agg.metrics
  end
  local ok_score, smsg = analysis.scores(data, plan, agg)
  if not ok_score then return nil, smsg end
  return data, plan, agg
end

-- One experiment's part of the page (a <section class="gg-exp" data-exp="k">): title,
-- counts, claims, provenance, curves, heatmap, best configurations, doctor, failed runs and
-- the run table. live: the interactive section goes above the static curve figures, which
-- are then folded on screen (they are what prints); false for --static or in a comparison
-- (its one interactive section comes first).
local function experiment_html(k, data, plan, agg, counter, name, live)
  local m = data.manifest
  local body = { string.format('<section class="gg-exp" data-exp="%d">', k), "<h1>" .. esc(name) .. "</h1>" }
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
  body[#body + 1] = string.format("<p>Swept: %s%s%s.</p>",
    #plan.varying > 0 and esc(table.concat(plan.varying, ", "))
    or "nothing", seeds > 0 and string.format("; %d seed%s averaged", seeds, seeds == 1 and "" or "s") or "",
    #fixed > 0 and ("; fixed: " .. esc(table.concat(fixed, ", "))) or "")
  local figs = figures.curves(data, plan, agg, counter)
  if #figs == 0 then
    body[#body + 1] = string.format('<p class="muted">No curves were logged (%s is missing or empty).</p>',
      schema.CURVES_FILE)
  end
  if live and #figs > 0 then
    body[#body + 1] = live
    body[#body + 1] = '<p class="screen"><button type="button" id="gg-static-toggle">Show the static figures '
      .. "(what prints)</button></p>"
    body[#body + 1] = '<div id="gg-static" class="static-figs folded">'
  end
  for _, f in ipairs(figs) do body[#body + 1] = f.html end
  if live and #figs > 0 then body[#body + 1] = "</div>" end
  if plan.heatmap then
    body[#body + 1] = "<h2>Heatmap</h2>"
    body[#body + 1] = figures.heatmap(data, plan, counter).html
  end
  body[#body + 1] = best_html(data, plan)
  local doc = doctor_html(data)
  if doc ~= "" then body[#body + 1] = doc end
  body[#body + 1] = failed_html(data)
  body[#body + 1] = "<h2>All runs</h2>\n<p class=\"muted\">Click a column header to sort.</p>"
  body[#body + 1] = '<div class="tablewrap">' .. runs_table_html(data) .. "</div>"
  body[#body + 1] = "</section>"
  return table.concat(body, "\n")
end

local function dir_list(dir)
  if type(dir) == "table" then return dir end
  return { dir }
end

--[[ render(dir, opts) -> html, info | nil, msg. dir: a results folder, or a list of them
  (a comparison: one interactive section over all their runs, then each folder's report).
  opts.static: today's SVG-only page; without it the page is interactive (report/
  interactive.lua), or static when libjs-dygraphs is missing (info.notice says so).
  info = {figures = count, panels = count, metrics = list, interactive = bool, notice,
  points (curve points read), kept (points embedded)}. ]]
function M.render(dir, opts)
  opts = opts or {}
  local dirs = dir_list(dir)
  local exps, names = {}, {}
  for i, d in ipairs(dirs) do
    local data, plan, agg = prepare(d, opts)
    if not data then return nil, #dirs > 1 and (d .. ": " .. plan) or plan end
    local name = manifest_value(data.manifest, "name") or d:match("([^/]+)/*$") or d
    exps[i] = { data = data, plan = plan, agg = agg, name = name, dir = d }
  end
  for _, ex in ipairs(exps) do names[ex.name] = (names[ex.name] or 0) + 1 end
  for _, ex in ipairs(exps) do
    if names[ex.name] > 1 then ex.name = ex.dir end  -- two folders of one experiment: by folder
  end
  local info = { metrics = exps[1].plan.metrics, interactive = false, points = 0, kept = 0 }
  local assets
  if not opts.static then
    assets, info.notice = interactive.assets(opts)
  end
  local live_html, extra
  if assets then
    local collected = {}
    for i, ex in ipairs(exps) do
      collected[i] = interactive.collect(ex.data, ex.plan, opts.live_points)
      collected[i].name = ex.name
      info.points, info.kept = info.points + collected[i].points, info.kept + collected[i].kept
    end
    local view
    local p1 = exps[1].plan
    if #exps == 1 then
      view = { color = p1.color, panel = concat(p1.rest, p1.facet),
        group = concat(p1.rest, p1.facet, p1.color and { p1.color } or {}), score = p1.score,
        direction = p1.direction, band = p1.band }
    else
      local group, seen = { "experiment" }, {}
      for _, ex in ipairs(exps) do
        for _, n in ipairs(ex.plan.varying) do
          if not seen[n] then
            seen[n] = true
            group[#group + 1] = n
          end
        end
      end
      view = { color = "experiment", panel = {}, group = group, score = p1.score, direction = p1.direction,
        band = p1.band }
    end
    live_html = interactive.section_html()
    extra = { css = assets.css .. "\n" .. interactive.CSS, json = interactive.data_json(collected, view),
      scripts = { assets.js, live_js } }
    info.interactive = true
  end
  local counter = { figure = 0, panel = 0 }
  local body = {}
  local title
  if #exps == 1 then
    title = exps[1].name
  else
    local list = {}
    for i, ex in ipairs(exps) do list[i] = ex.name end
    title = "Comparison: " .. table.concat(list, " · ")
    body[#body + 1] = "<h1>" .. esc(title) .. "</h1>"
    local items = {}
    for i, ex in ipairs(exps) do
      items[i] = string.format("<li><b>%s</b> (%s): %s</li>", esc(ex.name), esc(ex.dir), esc(counts_text(ex.data)))
    end
    body[#body + 1] = "<ul>" .. table.concat(items, "\n") .. "</ul>"
    if live_html then
      body[#body + 1] = "<h2>Curves of every experiment</h2>"
      body[#body + 1] = "<p>The runs of all the folders, the parameter <code>experiment</code> telling them apart "
        .. "(a folder without a parameter shows <code>(none)</code> for it).</p>"
      body[#body + 1] = live_html
    end
  end
  if info.notice then body[#body + 1] = '<p class="note">' .. esc(info.notice) .. "</p>" end
  for i, ex in ipairs(exps) do
    body[#body + 1] = experiment_html(i - 1, ex.data, ex.plan, ex.agg, counter, ex.name,
      #exps == 1 and live_html)
  end
  body[#body + 1] = string.format(
    '<p class="muted">Written by gglab %s (gglab report) from %s, %s and %s%s.</p>',
    esc(gg.version), schema.RUNS_FILE, schema.CURVES_FILE, schema.MANIFEST_FILE,
    assets and ", with dygraphs (Debian's libjs-dygraphs) inlined" or "")
  local page = html.page(title .. " — gglab report", table.concat(body, "\n"), extra)
  info.figures, info.panels = counter.figure, counter.panel
  return page, info
end

--[[ write(dir, opts) -> path, info | nil, msg: renders and writes the page to opts.out
  (default DIR/report.html) through a temporary file renamed into place. ]]
function M.write(dir, opts)
  opts = opts or {}
  local page, info = M.render(dir, opts)
  if not page then return nil, info end
  local dirs = dir_list(dir)
  local path = opts.out or (dirs[1]:gsub("/+$", "") .. "/" .. (#dirs > 1 and "compare.html" or schema.REPORT_FILE))
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
