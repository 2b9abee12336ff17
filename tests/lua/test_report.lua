-- tests/lua/test_report.lua — gglab report: the layout code (axis ranges, log ticks, bands,
-- downsampling, escaping) and the report of a small results directory written here by hand
-- (axis choice, option checks, figures, escaping of script-supplied strings, determinism,
-- odd directories). The page in a real browser: test_report_browser.lua.

local T = require "check"
local write = T.write
local gg = require "gglab"
local stats = require "gglab.lib.stats"
local json = require "gglab.lib.json"
local plot = require "gglab.report.plot"
local html = require "gglab.report.html"
local report = require "gglab.report.page"
local load = require "gglab.report.load"
local planner = require "gglab.report.plan"
local aggregate = require "gglab.report.aggregate"
local analysis = require "gglab.report.analysis"

-- ---- axis ranges and ticks ----

local lo, hi, step = plot.nice_range(0.13, 9.7)
T.eq("nice range 0.13..9.7", { lo, hi, step }, { 0.0, 10.0, 2.0 })
lo, hi, step = plot.nice_range(1, 250)
T.eq("nice range 1..250", { lo, hi, step }, { 0.0, 250.0, 50.0 })
lo, hi, step = plot.nice_range(-3.2, 0.7)
T.eq("nice range across zero", { lo, hi, step }, { -4.0, 1.0, 1.0 })
lo, hi = plot.nice_range(5, 5)
T.ok("single value gets a range around it", lo < 5 and hi > 5)
T.raises("nice range rejects inf", function() plot.nice_range(0, math.huge) end, "must be finite")

local labels = {}
for _, t in ipairs(plot.linear_ticks(0, 1, 0.2)) do labels[#labels + 1] = t.label end
T.eq("linear tick labels share decimals", labels, { "0.0", "0.2", "0.4", "0.6", "0.8", "1.0" })
labels = {}
for _, t in ipairs(plot.linear_ticks(0, 250, 50)) do labels[#labels + 1] = t.label end
T.eq("integer ticks", labels, { "0", "50", "100", "150", "200", "250" })
T.eq("tick at exact zero", plot.linear_ticks(-0.3, 0.3, 0.1)[4].label, "0.0")

local a, b, ticks = plot.log_ticks(0.013, 870)
T.eq("log range widened to decades", { a, b }, { 0.01, 1000.0 })
labels = {}
for _, t in ipairs(ticks) do labels[#labels + 1] = t.label end
T.eq("log ticks at decades", labels, { "0.01", "0.1", "1", "10", "100", "1000" })
a, b, ticks = plot.log_ticks(2, 30)
labels = {}
for _, t in ipairs(ticks) do labels[#labels + 1] = t.label end
T.eq("two decades get 2 and 5 ticks", labels, { "1", "2", "5", "10", "20", "50", "100" })
a, b, ticks = plot.log_ticks(1e-8, 1e30)
local decades_only = true
for _, t in ipairs(ticks) do
  local e = math.log(t.v, 10)
  if math.abs(e - math.floor(e + 0.5)) > 1e-9 then decades_only = false end
end
T.ok("38 decades: at most 7 labelled decades", #ticks <= 7 and decades_only)
T.eq("big decade labels", ticks[#ticks].label:match("^1e%d+$") ~= nil, true)
a, b = plot.log_ticks(5, 5)
T.eq("a single value spans one decade", { a, b }, { 1.0, 10.0 })
T.raises("log ticks need positive values", function() plot.log_ticks(0, 1) end, "0 < lo")
T.ok("log wanted for 0.01..100", plot.wants_log(0.01, 100))
T.ok("no log for 1..40", not plot.wants_log(1, 40))
T.ok("no log with zero", not plot.wants_log(0, 100))
local ax = plot.axis(0.01, 100, true)
T.near("log axis position of 1 is the middle", plot.axis_pos(ax, 1), 0.5, 1e-12)
T.eq("non-positive on a log axis", plot.axis_pos(ax, 0), -math.huge)
T.eq("fmt", { plot.fmt(0.00025527660955237236), plot.fmt(1.5e-5), plot.fmt(3e20), plot.fmt(1 / 0), plot.fmt(0) },
  { "0.000255", "1.5e-5", "3e20", "inf", "0" })

-- ---- bands over seeds ----

local m, l, h, n = plot.band({ 1, 2, 3 }, "minmax")
T.eq("min-max band", { m, l, h, n }, { 2.0, 1, 3, 3 })
m, l, h = plot.band({ 1, 2, 3 }, "ci95")
T.near("t band low", l, 2 - 4.303 * math.sqrt(1 / 3), 1e-12)
T.near("t band high", h, 2 + 4.303 * math.sqrt(1 / 3), 1e-12)
m, l, h = plot.band({ 10, 12, 11, 13, 9, 10, 12, 11, 10, 12 }, "ci95")
-- mean 11, sample sd sqrt(1.5555...) over 10 values, t(0.975, 9) = 2.262
T.near("t band, n = 10", h - m, 2.262 * math.sqrt(14 / 9 / 10), 1e-12)
m, l, h, n = plot.band({ 7 }, "ci95")
T.eq("one seed: no band", { m, l, h, n }, { 7.0, 7.0, 7.0, 1 })
m, l, h, n = plot.band({}, "minmax")
T.ok("no value: nan and n = 0", m ~= m and n == 0)
m = plot.band({ 1e30, 1e30 + 1e15, 1e30 - 1e15 }, "minmax")
T.near("large values keep their mean", m / 1e30, 1, 1e-12)
T.eq("median odd", plot.median { 3, 1, 2 }, 2)
T.eq("median even", plot.median { 4, 1, 3, 2 }, 2.5)
T.eq("median of nothing", plot.median {}, nil)

-- ---- downsampling ----

local pts = {}
for i = 1, 10000 do pts[i] = { x = i, y = math.sin(i / 50) } end
pts[4321].y, pts[777].y = 5, -7
local ds = plot.downsample(pts, 400)
T.ok("downsampled to <= 400", #ds <= 400 and #ds >= 300)
T.ok("keeps the first and last", ds[1] == pts[1] and ds[#ds] == pts[10000])
local has_max, has_min, ordered = false, false, true
for i, p in ipairs(ds) do
  if p.y == 5 then has_max = true end
  if p.y == -7 then has_min = true end
  if i > 1 and p.x <= ds[i - 1].x then ordered = false end
end
T.ok("spike and dip survive", has_max and has_min)
T.ok("order kept", ordered)
T.ok("short lines untouched", plot.downsample({ pts[1], pts[2] }, 400)[2] == pts[2])

-- ---- escaping and colours ----

T.eq("escape", html.escape([[<script>alert("x&y's")</script>]]),
  "&lt;script&gt;alert(&quot;x&amp;y&#39;s&quot;)&lt;/script&gt;")
T.eq("escape non-strings", html.escape(12), "12")
T.eq("ramp ends", { plot.ramp(0), plot.ramp(1), plot.ramp(-3) }, { "#440154", "#fde725", "#440154" })
T.eq("ordered colours run along the ramp", plot.colors(2, true)[1], "#440154")
T.eq("categorical colours repeat after 10", plot.colors(11, false)[11], plot.colors(1, false)[1])

-- ---- a results directory written by hand ----

local tmp = os.tmpname()
os.remove(tmp)
local EVIL = "<script>document.body.setAttribute('data-pwned','1')</script>"

--[[ make_dir(name, spec) writes runs.csv, curves.csv and manifest.json for a grid of
  lr (3) x opt (2: "sgd" and EVIL) x seed (2): loss and val_loss for steps 1..5
  (loss = lr * step * seed), one run diverged at step 3 (lr = 1, sgd, seed 2), one
  failed (lr = 0.01, EVIL, seed 1) with an HTML-looking error. spec.steps changes the
  number of steps. ]]
local function make_dir(name, spec)
  spec = spec or {}
  local dir = tmp .. "/" .. name
  gg.fs.mkdir(dir)
  local runs = { "run_id,lr,opt,seed,run_seed,status,final_loss,min_loss,final_val_loss,steps,diverged_step,error,wall_s" }
  local curves = { "run_id,step,epoch,metric,value" }
  local k, steps = 0, spec.steps or 5
  for _, lr in ipairs { "0.01", "0.1", "1" } do
    for _, opt in ipairs { "sgd", EVIL } do
      for seed = 1, 2 do
        k = k + 1
        local id = string.format("%016x", k)
        local status, err, dstep = "ok", "", ""
        if lr == "1" and opt == "sgd" and seed == 2 then status, err, dstep = "diverged", "loss is inf", "3" end
        if lr == "0.01" and opt == EVIL and seed == 1 then status, err = "failed", "<img src=x onerror=alert(1)> boom" end
        local last
        if status ~= "failed" then
          for s = 1, steps do
            local v = tonumber(lr) * s * seed
            if status == "diverged" and s >= 3 then v = math.huge end
            curves[#curves + 1] = string.format("%s,%d,%d,loss,%s", id, s, s, gg.fmt_number(v))
            curves[#curves + 1] = string.format("%s,%d,%d,val_loss,%s", id, s, s, gg.fmt_number(v / 2))
            last = v
            if v == math.huge then break end
          end
        end
        local q = opt:find("[,\"]") and ('"' .. opt:gsub('"', '""') .. '"') or opt
        runs[#runs + 1] = table.concat({ id, lr, q, seed, 100 + seed, status, last and gg.fmt_number(last) or "",
          "", "", steps, dstep, err, "0.001" }, ",")
      end
    end
  end
  write(dir .. "/runs.csv", table.concat(runs, "\n") .. "\n")
  if not spec.no_curves then write(dir .. "/curves.csv", table.concat(curves, "\n") .. "\n") end
  write(dir .. "/manifest.json", json.encode { name = "demo<b>", description = "a & b <i>", script = "x.lua",
    script_sha256 = "ab12", gglab_version = "0.1.0", git_commit = json.null, argv = { "gglab", "run", "x.lua" },
    date = "2026-01-02T03:04:05Z", host = "h", points = 12, complete = true,
    claims = { { text = "lr <= 0.1 is <stable>", holds = true, detail = "6/6" } } })
  return dir
end
local dir = make_dir("demo")

local data = assert(load.load(dir))
T.eq("params and kinds", { data.params[1].name, data.params[1].kind, data.params[2].kind, data.params[3].kind },
  { "lr", "number", "string", "number" })
T.eq("numeric values sorted", data.param.lr.values, { "0.01", "0.1", "1" })
T.eq("counts", data.counts, { ok = 10, diverged = 1, failed = 1 })

local plan = assert(planner.plan(data, {}))
T.eq("auto: colour is the parameter with most values", plan.color, "lr")
T.eq("auto: the others are panels", plan.facet, { "opt" })
T.eq("auto: seed is averaged", plan.rest, {})
T.eq("auto: heatmap axes", plan.heatmap, { "lr", "opt" })
plan = assert(planner.plan(data, { color = "opt", facet = "none" }))
T.eq("override colour; no facet splits figures", { plan.color, #plan.facet, plan.rest[1] }, { "opt", 0, "lr" })
plan = assert(planner.plan(data, { x = "lr" }))
T.eq("x parameter: colour is the next one", { plan.x_param, plan.color }, { "lr", "opt" })

local function plan_err(opts)
  local p, msg = planner.plan(data, opts)
  return p == nil and msg or "(no error)"
end
T.eq("bad --x", plan_err { x = "time" }, "bad --x 'time': expected step, epoch or a parameter: lr, opt, seed")
T.eq("bad --color", plan_err { color = "momentum" }, "bad --color 'momentum': expected a parameter: lr, opt, seed")
T.eq("--facet repeats --color", plan_err { color = "opt", facet = { "opt" } },
  "bad --facet 'opt': expected a parameter other than the --color one")
T.eq("bad --band", plan_err { band = "sd" }, "bad --band 'sd': expected one of minmax, ci95")
T.eq("bad --score direction", plan_err { score = "loss:up" },
  "bad --score 'loss:up': expected a result column or a logged metric, optionally :max or :min")
T.eq("bad --heatmap", plan_err { heatmap = { "lr", "lr" } },
  "bad --heatmap 'lr,lr': expected one or two different parameters A[,B] of: lr, opt, seed")

-- Aggregation: group (opt = sgd, lr = 0.1) at step 2: seeds give 0.2 and 0.4.
plan = assert(planner.plan(data, {}))
local agg = aggregate.aggregate(data, plan)
T.eq("metrics found, loss first", agg.metrics, { "loss", "val_loss" })
local gk = string.format("%06d.%06d", data.param.opt.index.sgd, data.param.lr.index["0.1"])
local acc = aggregate.series_acc(agg.series.loss[gk], 2)
m, l, h, n = plot.acc_band(acc, "minmax")
T.near("mean over seeds", m, 0.3, 1e-12)
T.eq("band over seeds", { l, h, n }, { 0.2, 0.4, 2 })
local gd = string.format("%06d.%06d", data.param.opt.index.sgd, data.param.lr.index["1"])
T.eq("non-finite values are left out", aggregate.series_acc(agg.series.loss[gd], 3).n, 1)
T.eq("points sorted by x", #aggregate.series_points(agg.series.loss[gk], "minmax"), 5)
T.eq("first non-finite step kept", agg.nonfinite_x[string.format("%016x", 10)], 3)

-- The page.
local page, info = assert(report.render(dir, {}))
local function count(s, pat)
  local c = 0
  for _ in s:gmatch(pat) do c = c + 1 end
  return c
end
T.eq("figures: one per metric and the heatmap", { info.figures, count(page, "<figure") }, { 3, 3 })
T.eq("panels: 2 per metric figure, 1 heatmap", info.panels, 5)
T.ok("no raw script from a parameter", not page:find("<script>document", 1, true))
T.ok("parameter shown as text", page:find("&lt;script&gt;document.body.setAttribute(&#39;data-pwned&#39;", 1, true) ~= nil)
T.ok("error escaped", page:find("&lt;img src=x onerror=alert(1)&gt; boom", 1, true) and not page:find("<img", 1, true))
T.ok("manifest strings escaped", page:find("<h1>demo&lt;b&gt;</h1>", 1, true) and page:find("a &amp; b &lt;i&gt;", 1, true))
T.ok("claim escaped", page:find("lr &lt;= 0.1 is &lt;stable&gt;", 1, true) ~= nil)
T.eq("only our own scripts: head, sorting, dygraphs, ours (+ the JSON data)",
  { count(page, "<script>"), count(page, '<script type="application/json" id="gg%-data">') }, { 4, 1 })
T.ok("diverged run marked", page:find('class="div"', 1, true) ~= nil)
local static_page = assert(report.render(dir, { static = true }))
T.eq("--static: only the head and sorting scripts, no data", { count(static_page, "<script"),
  static_page:find("gg-data", 1, true) }, { 2, nil })
T.ok("--static: no external resources", not static_page:find("https?://") and not static_page:find("src=\"", 1, true))
T.ok("sortable table", page:find('<table class="sortable">', 1, true) ~= nil)
T.ok("failed reason listed", page:find("1 run failed", 1, true) ~= nil)
T.ok("band named", page:find("min–max over seeds", 1, true) ~= nil)
local page2 = report.render(dir, {})
T.ok("deterministic", page == page2)
T.ok("t-interval band labelled", (report.render(dir, { band = "ci95" })):find("95 % t-interval", 1, true) ~= nil)
do  -- --band ci95 also starts the interactive charts on the t-interval
  local pg = report.render(dir, { band = "ci95" })
  local raw = pg:match('<script type="application/json" id="gg%-data">(.-)</script>')
  T.ok("--band ci95: the interactive view starts on ci95", raw == nil or raw:find('"band":"ci95"', 1, true) ~= nil)
end
T.ok("no doctor section without a diagnosis", not page:find("<h2>Doctor</h2>", 1, true))
gg.fs.mkdir(dir .. "/doctor/2")
local df = assert(io.open(dir .. "/doctor/2/doctor.txt", "w"))
df:write("verdict: dominant cause: <script>alert(1)</script>\n")
df:close()
local with_doc = report.render(dir, {})
T.ok("the doctor's diagnosis gets a section", with_doc:find("<h2>Doctor</h2>", 1, true) ~= nil)
T.ok("... escaped", with_doc:find("verdict: dominant cause: &lt;script&gt;alert(1)&lt;/script&gt;", 1, true) ~= nil
  and not with_doc:find("<script>alert", 1, true))
os.remove(dir .. "/doctor/2/doctor.txt")
gg.fs.remove(dir .. "/doctor/2")
gg.fs.remove(dir .. "/doctor")
local _, msg = report.render(dir, { metric = { "accuracy" } })
T.eq("unknown metric lists the present ones",
  msg, "bad --metric 'accuracy': expected a metric in " .. dir .. "/curves.csv: loss, val_loss")
page, info = assert(report.render(dir, { metric = { "val_loss" }, x = "epoch", facet = "none" }))
T.eq("one metric, figures split by opt", info.figures, 3)
page, info = assert(report.render(dir, { x = "lr" }))
T.eq("x = parameter: final value per metric", info.figures, 3)

-- Best configuration and divergence boundary.
local bplan = assert(planner.plan(data, {}))
assert(analysis.scores(data, bplan))
local best = analysis.best(data, bplan)
T.eq("best per opt (string values sorted)", { #best, best[1].group, best[2].group }, { 2, "opt=" .. EVIL, "opt=sgd" })
T.eq("best of sgd", best[2].best, "lr=0.01")
T.eq("boundary", best[2].boundary, "stable up to lr=0.1; first divergence at lr=1 (1/2 runs)")
T.eq("no divergence", best[1].boundary, "no divergence")
T.eq("failed configuration skipped", best[1].best, "lr=0.1")

-- Long curves are downsampled: 5000 steps -> at most 400 points a line.
local long = make_dir("long", { steps = 5000 })
page = assert(report.render(long, { metric = { "loss" } }))
local most = 0
for d in page:gmatch('class="line" stroke="[^"]*" d="M([^"]*)"') do most = math.max(most, count(d, "L") + 1) end
T.ok("lines have <= 400 points", most > 100 and most <= 400)
T.ok("long report stays small (--static)",
  #assert(report.render(long, { metric = { "loss" }, static = true })) < 400000)

-- The interactive page (issue 23): the data as JSON that no value can break out of, a CSP
-- that lets exactly the page's scripts run (by hash), the fallback without libjs-dygraphs,
-- several folders in one page.
local interactive = require "gglab.report.interactive"
local have_dygraphs = interactive.assets() ~= nil
if not have_dygraphs then
  print("note: libjs-dygraphs is not installed (make deps installs it): checking the fallback only")
end
page, info = assert(report.render(dir, {}))
T.eq("interactive when libjs-dygraphs is installed", info.interactive, have_dygraphs)
local function scripts_of(p)
  local list = {}
  for body in p:gmatch("<script>(.-)</script>") do list[#list + 1] = body end
  return list
end
local function csp_of(p) return p:match('Content%-Security%-Policy" content="([^"]*)"') end
local function hashes_of(p)
  local want = {}
  for i, body in ipairs(scripts_of(p)) do want[i] = html.csp_source(body) end
  return "default-src 'none'; style-src 'unsafe-inline'; script-src " .. table.concat(want, " ") .. "; img-src data:"
end
T.eq("gg.sha256", { gg.sha256("abc"), gg.sha256("") }, {
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" })
T.eq("base64 of sha256('abc')", html.csp_source("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='")
T.eq("CSP: exactly the page's scripts, by hash, nothing fetched", csp_of(page), hashes_of(page))
T.eq("CSP of --static: its two scripts", csp_of(static_page), hashes_of(static_page))
T.ok("no 'unsafe-inline' script", not csp_of(page):find("script-src 'unsafe-inline'", 1, true))
if have_dygraphs then
  T.eq("<script> and </script> pair up (no value closes an element)",
    count(page, "<script"), count(page, "</script>"))
  local raw = page:match('<script type="application/json" id="gg%-data">(.-)</script>')
  T.ok("the data holds no '<' (EVIL's </script> is \\u003c/script>)", raw and not raw:find("<", 1, true)
    and raw:find("\\u003c/script>", 1, true))
  local d = assert(json.decode(raw))
  T.eq("data: params, runs", { #d.params, #d.runs, d.params[2].name }, { 3, 12, "opt" })
  T.eq("data: the hostile value round-trips as text", d.params[2].values, { EVIL, "sgd" })
  T.eq("data: view", { d.view.color, d.view.panel, d.view.group, d.view.score, d.view.max },
    { "lr", { "opt" }, { "opt", "lr" }, "final_loss", false })
  T.eq("data: the band (minmax by default) and Student's t quantiles from lib/stats",
    { d.view.band, #d.view.t975, d.view.t975[1], d.view.t975[31] }, { "minmax", 31, 12.706, stats.Z975 })
  T.eq("data: metrics", { d.metrics[1].name, d.metrics[2].name, d.metrics[1].scalar }, { "loss", "val_loss", false })
  -- run 2: lr 0.01, sgd, seed 2: loss = 0.02 * step at steps 1..5, epochs 1..5
  T.eq("data: a curve (steps as start, delta, count; epochs as runs)", d.metrics[1].curves["1"],
    { { 1, 1, 5 }, { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 }, { 5, 1 } }, { 0.02, 0.04, 0.06, 0.08, 0.1 } })
  T.eq("data: a diverged run's inf is null", d.metrics[1].curves["9"][3], { 2, 4, json.null })
  T.eq("data: score and status of a run", { d.runs[2].score, d.runs[2].status, d.runs[3].status },
    { 0.1, "ok", "failed" })
  T.ok("static figures kept for print, folded on screen", page:find('<div id="gg-static" class="static-figs folded">',
    1, true) and page:find("@media print { #gg-live", 1, true))
  -- Long curves: at most live_points per run and metric, the extremes kept.
  local lp = assert(report.render(long, { metric = { "loss" }, live_points = 100 }))
  local ld = assert(json.decode(lp:match('id="gg%-data">(.-)</script>')))
  local vals = ld.metrics[1].curves["1"][3]
  T.ok("live points per run <= 100, first and last kept", #vals <= 100 and #vals > 50
    and vals[1] == 0.02 and vals[#vals] == 100)
end
T.ok("deterministic (--static)", static_page == report.render(dir, { static = true }))
local fb, fbinfo = assert(report.render(dir, { dygraphs = tmp .. "/no-dygraphs" }))
T.eq("without libjs-dygraphs: the static page, and a notice saying how to install it",
  { fbinfo.interactive, fb:find("gg-data", 1, true), fbinfo.notice },
  { false, nil, "libjs-dygraphs is not installed (" .. tmp .. "/no-dygraphs/dygraph.min.js): wrote the static "
    .. "report instead; for the interactive one: apt-get install libjs-dygraphs" })
T.ok("... the notice is on the page", fb:find('<p class="note">libjs-dygraphs is not installed', 1, true) ~= nil)
-- Two folders: one page; the same experiment name twice is told apart by folder.
local dir2 = make_dir("demo2", { steps = 3 })
local cmp, cinfo = assert(report.render({ dir, dir2 }, {}))
T.eq("comparison: a section per folder", count(cmp, '<section class="gg%-exp"'), 2)
T.ok("comparison: titled by folder when names collide", cmp:find("<h1>Comparison: " .. html.escape(dir) .. " · "
  .. html.escape(dir2) .. "</h1>", 1, true) ~= nil)
T.eq("comparison: figures of both", cinfo.figures, 6)
if have_dygraphs then
  local cd = assert(json.decode(cmp:match('id="gg%-data">(.-)</script>')))
  T.eq("comparison: runs of both, the parameter experiment first", { #cd.runs, cd.params[1].name,
    cd.params[1].values, cd.runs[13].exp, cd.view.color, cd.view.panel },
    { 24, "experiment", { dir, dir2 }, 1, "experiment", {} })
  T.eq("comparison: a run of the second folder", cd.metrics[1].curves["13"][1], { 1, 1, 3 })
end
T.ok("comparison deterministic", cmp == report.render({ dir, dir2 }, {}))
local _, cmsg = report.render({ dir, tmp .. "/nope" }, {})
T.eq("comparison: a bad folder is named", cmsg, tmp .. "/nope: no such results directory '" .. tmp .. "/nope'")

-- Per-run scalars and early-stopped runs (issue 20, bug 8): lr (2) x seed (3); each run
-- logs loss at steps 1..(4 + seed) (so the seed means cover 3, then 2, then 1 runs) and
-- val_acc once, at its last step.
local function make_scalar_dir(name)
  local d = tmp .. "/" .. name
  gg.fs.mkdir(d)
  local runs = { "run_id,lr,seed,run_seed,status,final_loss,min_loss,final_val_loss,steps,diverged_step,"
    .. "error,wall_s" }
  local curves = { "run_id,step,epoch,metric,value" }
  local k = 0
  for _, lr in ipairs { "0.1", "0.2" } do
    for seed = 1, 3 do
      k = k + 1
      local id = string.format("%016x", k)
      local last = 4 + seed
      for s = 1, last do
        curves[#curves + 1] = string.format("%s,%d,1,loss,%s", id, s, gg.fmt_number(tonumber(lr) / s))
      end
      local acc = gg.fmt_number(0.5 + tonumber(lr) * seed)
      curves[#curves + 1] = string.format("%s,%d,1,val_acc,%s", id, last, acc)
      runs[#runs + 1] = table.concat({ id, lr, seed, seed, "ok", gg.fmt_number(tonumber(lr) / last), "", "",
        last, "", "", "0.001" }, ",")
    end
  end
  write(d .. "/runs.csv", table.concat(runs, "\n") .. "\n")
  write(d .. "/curves.csv", table.concat(curves, "\n") .. "\n")
  return d
end
local sdir = make_scalar_dir("scalars")
local sdata = assert(load.load(sdir))
local sagg = aggregate.aggregate(sdata, assert(planner.plan(sdata, {})))
T.eq("per-run scalar detected (val_acc once per run, loss per step)",
  { sagg.scalar.val_acc, sagg.scalar.loss }, { true, false })
local spage = assert(report.render(sdir, {}))
local function figure_of(page_text, metric)
  for f in page_text:gmatch("<figure.-</figure>") do
    if f:find("<b>" .. metric .. "</b>", 1, true) then return f end
  end
  return ""
end
local vfig = figure_of(spage, "val_acc")
T.eq("per-run scalar: a strip plot, no curve path, one dot per run",
  { vfig:find('<figure class="strip"', 1, true) ~= nil, vfig:find('class="line', 1, true) ~= nil,
    count(vfig, 'class="dot"'), count(vfig, 'class="mean"') }, { true, false, 6, 2 })
T.ok("per-run scalar: caption says one value per run", vfig:find("one value per run, by lr", 1, true) ~= nil)
T.ok("per-run scalar: dot tooltip names the run and value",
  vfig:find("<title>0000000000000001 (lr=0.1): val_acc = 0.6</title>", 1, true) ~= nil)
local lfig = figure_of(spage, "loss")
T.eq("seed-mean count drops marked: dashed stretch, one circle per drop",
  { count(lfig, 'class="line partial"'), count(lfig, 'class="drop"') }, { 2, 4 })
T.ok("count drop tooltip", lfig:find("<title>lr=0.1: from 6: mean over 2 of 3 runs</title>", 1, true) ~= nil
  and lfig:find("<title>lr=0.1: from 7: mean over 1 of 3 runs</title>", 1, true) ~= nil)
T.ok("count drop: legend and caption note", lfig:find("where that count drops", 1, true) ~= nil
  and lfig:find("Dashed: the mean covers fewer runs", 1, true) ~= nil)
T.ok("line tooltip: runs averaged",
  lfig:find("<title>lr=0.2: mean over 3 runs (fewer where dashed)</title>", 1, true) ~= nil)
T.ok("scalar page deterministic", spage == report.render(sdir, {}))
-- The command: files, exit codes, messages.
local sink = { t = {}, write = function(self, ...) for _, s in ipairs { ... } do self.t[#self.t + 1] = s end end }
local function run(args)
  sink.t = {}
  local code = require("gglab.cli.main").main({ "report", table.unpack(args) }, { stdout = sink, stderr = sink })
  return code, table.concat(sink.t)
end
local code, text = run { dir }
T.eq("writes DIR/report.html", { code, gg.fs.exists(dir .. "/report.html") }, { 0, true })
T.ok("prints the path", text:find("Report: " .. dir .. "/report.html", 1, true) ~= nil)
local first = io.open(dir .. "/report.html"):read("a")
run { dir }
T.ok("same inputs, byte-identical file", io.open(dir .. "/report.html"):read("a") == first)
code = run { dir, "--out", tmp .. "/elsewhere.html", "-q" }
T.eq("--out", { code, gg.fs.exists(tmp .. "/elsewhere.html") }, { 0, true })
code, text = run { dir, "--text" }
T.eq("--text exits 0", code, 0)
T.ok("--text: best, boundary, failed", text:find("Best configuration per opt", 1, true)
  and text:find("first divergence at lr=1", 1, true) and text:find("Failed runs: 1", 1, true)
  and text:find("boom", 1, true))
code, text = run { tmp .. "/nope" }
T.eq("missing directory", { code, text }, { 1, "gglab report: no such results directory '" .. tmp .. "/nope'\n" })
gg.fs.mkdir(tmp .. "/empty")
code, text = run { tmp .. "/empty" }
T.ok("missing runs.csv", code == 1 and text:find("has no runs.csv", 1, true))
code, text = run { dir, "--band=sd" }
T.eq("bad option value", { code, text }, { 1, "gglab report: bad --band 'sd': expected one of minmax, ci95\n" })
code, text = run { dir, "--colour", "lr" }
T.eq("unknown option", { code, text },
  { 1, "gglab report: unknown option '--colour'; did you mean '--color'? (see gglab report --help)\n" })
code, text = run { dir, "--metric", "loss,,x" }
T.eq("bad list value", { code, text }, { 1, "gglab report: bad --metric 'loss,,x': expected names separated by commas\n" })
code, text = run { dir, "--band" }
T.eq("option without value", { code, text }, { 1, "gglab report: option '--band' needs a kind (see gglab report --help)\n" })
code, text = run { dir, "--static", "--out", tmp .. "/static.html", "-q" }
T.ok("--static", code == 0 and io.open(tmp .. "/static.html"):read("a") == report.render(dir, { static = true }))
code, text = run { dir, tmp .. "/demo2" }
T.eq("two folders: DIR1/compare.html", { code, text }, { 0, "Report: " .. dir .. "/compare.html (6 figures, "
  .. ((#report.render({ dir, tmp .. "/demo2" }, {}) + 512) // 1024) .. " kB)\n" })
code, text = run { dir, "--points", "3" }
T.eq("bad --points", { code, text }, { 1, "gglab report: bad --points '3': expected an integer >= 4\n" })
code, text = run { dir, tmp .. "/demo2", "--text" }
T.eq("--text takes one folder", { code, text }, { 1, "gglab report: --text takes one results directory "
  .. "(see gglab report --help)\n" })
code, text = run {}
T.eq("no DIR", code, 1)
code, text = run { "--help" }
T.ok("help", code == 0 and text:find("usage: gglab report DIR", 1, true))

-- Odd directories: no curves, no manifest, a single run, every run failed.
local bare = make_dir("bare", { no_curves = true })
os.remove(bare .. "/manifest.json")
page, info = assert(report.render(bare, {}))
T.eq("no curves: only the heatmap", info.figures, 1)
T.ok("no manifest noted", page:find("No manifest.json", 1, true) ~= nil)
gg.fs.mkdir(tmp .. "/one")
write(tmp .. "/one/runs.csv", "run_id,run_seed,status,final_loss,min_loss,final_val_loss,steps,diverged_step,error,wall_s\n"
  .. "00000000000000aa,1,ok,0.5,0.5,,2,,,0.1\n")
write(tmp .. "/one/curves.csv", "run_id,step,epoch,metric,value\n00000000000000aa,1,1,loss,1\n00000000000000aa,2,1,loss,0.5\n")
page, info = assert(report.render(tmp .. "/one", {}))
T.eq("one run, no parameters: one figure", info.figures, 1)
T.ok("one run: summary", (report.summary(tmp .. "/one", {})):find("the only configuration", 1, true))
gg.fs.mkdir(tmp .. "/failed")
write(tmp .. "/failed/runs.csv", "run_id,flag,name,seed,run_seed,status,final_loss,min_loss,final_val_loss,steps,"
  .. "diverged_step,error,wall_s\n"
  .. "01,true,a,1,1,failed,,,,0,,x,0\n02,false,a,1,1,failed,,,,0,,\"y, z\",0\n03,true,b,1,1,failed,,,,0,,x,0\n")
page, info = assert(report.render(tmp .. "/failed", {}))
T.eq("all failed: a hatched heatmap only", info.figures, 1)
T.ok("all failed: reasons", page:find("y, z", 1, true) and page:find("3 runs failed", 1, true))
T.eq("booleans sorted false first", load.load(tmp .. "/failed").param.flag.values, { "false", "true" })

-- Numbers as the report prints them (issue 20, bug 9): parameter labels never take 17
-- digits (0.3 is "0.3", as in the CSVs), a centre and its interval share their digits, a
-- zero-width interval is dropped.
gg.fs.mkdir(tmp .. "/close")
write(tmp .. "/close/runs.csv", "run_id,x,seed,run_seed,status,final_loss,min_loss,final_val_loss,steps,"
  .. "diverged_step,error,wall_s\n01,0.3,1,1,ok,1,1,,1,,,0\n02,0.30000000000000004,1,1,ok,2,2,,1,,,0\n")
local close = assert(load.load(tmp .. "/close"))
T.eq("close values: shortest round-trip labels, not 17 digits",
  { close.param.x.label["0.3"], close.param.x.label["0.30000000000000004"] },
  { "0.3", "0.30000000000000004" })
local cpage = assert(report.render(tmp .. "/close", {}))
T.ok("close values: no 17-digit text in the page", cpage:find(">0.30000000000000004</text>", 1, true)
  and not cpage:find("0.29999999999999999", 1, true))
T.eq("interval: the digits of the centre, more when they would print alike",
  { plot.fmt_interval(1.2455, 1.2451, 1.2459) }, { "1.2455", "1.2451", "1.2459" })
T.eq("interval: 4 digits when enough", { plot.fmt_interval(0.85714, 0.83, 1.01) },
  { "0.8571", "0.83", "1.01" })
T.eq("zero-width interval dropped", { plot.fmt_interval(1.245, 1.245, 1.245) }, { "1.245" })
T.ok("--text: one run, no degenerate interval",
  (report.summary(tmp .. "/one", {})):find("final_loss 0.5 over 1 run\n", 1, true) ~= nil)
T.ok("--text: centre and interval",
  (report.summary(dir, {})):find("final_loss 0.075 [0.05, 0.1] over 2 runs", 1, true))

-- --score METRIC[:max|:min] (issue 20, summary metrics the researcher chooses).
T.eq("score direction from the name", { planner.direction("val_acc"), planner.direction("balanced_accuracy"),
  planner.direction("minority_recall"), planner.direction("f1"), planner.direction("val_loss"),
  planner.direction("accumulated") }, { "max", "max", "max", "max", "min", "min" })
T.eq("default score: final_loss without a validation loss",
  assert(planner.plan(data, {})).score, "final_loss")
local vplan = assert(planner.plan(sdata, { score = "val_acc" }))
T.eq("--score val_acc: higher is better", vplan.direction, "max")
T.eq("--score val_acc:min overrides", assert(planner.plan(sdata, { score = "val_acc:min" })).direction, "min")
T.eq("a metric needs the curves", analysis.needs_curves(sdata, vplan), true)
assert(analysis.scores(sdata, vplan, sagg))
T.eq("metric score = its final value", vplan.scores["0000000000000003"], 0.8)
local sbest = analysis.best(sdata, vplan)
T.eq("ranked by the highest val_acc", { sbest[1].best, sbest[1].median }, { "lr=0.2", 0.9 })
local tv = assert(report.summary(sdir, { score = "val_acc" }))
T.ok("--text --score val_acc: per group, highest",
  tv:find("Best configuration per sweep (highest median val_acc", 1, true)
  and tv:find("lr=0.2  val_acc 0.9 [0.7, 1.1] over 3 runs", 1, true))
T.ok("--text: the best of the grid with score and seeds",
  tv:find("Best of the grid (highest median val_acc): lr=0.2  val_acc 0.9 [0.7, 1.1] over 3 runs "
    .. "(seed 1, 2, 3)\n", 1, true) ~= nil)
T.ok("--text --score final_loss: lowest", (report.summary(sdir, { score = "final_loss" })):find(
  "Best of the grid (lowest median final_loss): lr=0.1  final_loss 0.01667 [0.01429, 0.02] over 3 runs",
  1, true))
local wplan = assert(planner.plan(sdata, { score = "wall_s" }))
T.ok("any runs.csv column scores",
  analysis.scores(sdata, wplan) and wplan.scores["0000000000000001"] == 0.001)
local _, smsg = report.summary(sdir, { score = "accuracy" })
T.eq("unknown score lists columns and metrics", smsg, "bad --score 'accuracy': expected a column of runs.csv "
  .. "(final_loss, min_loss, final_val_loss, steps, diverged_step, wall_s) or a metric of curves.csv "
  .. "(loss, val_acc)")
local vpage = assert(report.render(sdir, { score = "val_acc" }))
T.ok("page: best of the grid and direction",
  vpage:find("Best of the grid: <b>lr=0.2</b>, median <code>val_acc</code> 0.9 [0.7, 1.1] over 3 runs "
    .. "(seed 1, 2, 3).", 1, true) and vpage:find("with the highest median", 1, true))
T.ok("page: heatmap of the score", vpage:find("Median <b>val_acc</b>", 1, true) ~= nil)
-- A validation loss in runs.csv becomes the default score.
gg.fs.mkdir(tmp .. "/val")
write(tmp .. "/val/runs.csv", "run_id,lr,run_seed,status,final_loss,min_loss,final_val_loss,steps,"
  .. "diverged_step,error,wall_s\n01,0.1,1,ok,1,1,3,1,,,0\n02,0.2,1,ok,2,2,0.5,1,,,0\n")
T.eq("default score: final_val_loss when the runs have one",
  assert(planner.plan(assert(load.load(tmp .. "/val")), {})).score, "final_val_loss")
T.ok("... and it ranks",
  (report.summary(tmp .. "/val", {})):find("lr=0.2  final_val_loss 0.5 over 1 run", 1, true))
gg.fs.mkdir(tmp .. "/mixed")
write(tmp .. "/mixed/runs.csv", "run_id,task,run_seed,status,final_loss,min_loss,final_val_loss,steps,"
  .. "diverged_step,error,wall_s\n01,lin,1,ok,1,1,,1,,,0\n02,mlp,1,ok,2,2,0.5,1,,,0\n")
local mdata = assert(load.load(tmp .. "/mixed"))
T.eq("default score: final_loss when only some runs validate", assert(planner.plan(mdata, {})).score, "final_loss")
local none_text = report.summary(tmp .. "/one", { score = "final_val_loss" })
T.ok("a configuration without the score is named so, not as diverged",
  none_text:find("all runs  none: no configuration without diverged or failed runs has a value of final_val_loss",
    1, true) and none_text:find("Best of the grid (lowest median final_val_loss): none: no configuration", 1, true))
code, text = run { sdir, "--text", "--score", "val_acc:max" }
T.ok("gglab report --score val_acc:max", code == 0 and text:find("highest median val_acc", 1, true))
code, text = run { sdir, "--score", "val_acc:up" }
T.eq("--score with a bad direction", { code, text },
  { 1, "gglab report: bad --score 'val_acc:up': expected METRIC, METRIC:max or METRIC:min\n" })

os.execute("rm -rf '" .. tmp .. "'")
T.done()
