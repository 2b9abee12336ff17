-- tests/lua/test_report_browser.lua — gglab report in a real browser: Debian's chromium
-- renders report.html headless, offline (the flags of shared/docs/platform.md), for every
-- script in experiments/ (a long one, long = true, for its first point) and for one whose
-- parameter values, description and error
-- messages are HTML that would run script if it were not escaped (screenshots: that one
-- and lr_sweep). Checks: chromium exits 0, the
-- page's own script ran (data-ready) with no script error (data-errors), no injected
-- script ran (data-pwned), the escaped text is there, the DOM has as many figures as the
-- data calls for (one per metric of curves.csv, plus the heatmap when a parameter other
-- than seed varies), and the screenshot is a PNG of the window's size that is not blank.
--
-- Without chromium: skipped (counted as one pass, with a note) when not root; as root it
-- is a failure, because `make test` installs chromium then.

local T = require "check"
local read, quote = T.slurp, T.quote
local GGLAB = os.getenv("GGLAB") or "build/gglab"

-- sh(cmd) -> ok, output (stdout and stderr together), exit code
local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return ok, out, code
end

local _, which = sh("command -v chromium || command -v chromium-browser")
local chromium = which:match("^(%S+)")
if not chromium then
  local _, uid = sh("id -u")
  if uid:match("^0") then
    T.ok("chromium is installed (make test installs it as root: apt-get install chromium)", false)
  else
    print("skipped: chromium not installed (as root, make test installs it; or: sudo apt-get install chromium)")
    T.ok("skipped: chromium not installed", true)
  end
  T.done()
end

require "gglab"  -- the embedded gglab.* modules
local stats = require "gglab.lib.stats"
local has_dygraphs = require("gglab.report.interactive").assets() ~= nil
if not has_dygraphs then print("note: libjs-dygraphs is not installed: the interactions are not checked") end

local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. quote(tmp)))

-- The flags keep chromium offline (platform.md); a fresh profile per call.
local function chrome(args)
  local profile = tmp .. "/profile"
  local ok, out = sh(string.format("env -u LD_PRELOAD timeout 60 %s --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    .. "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=%s %s",
    quote(chromium), quote(profile), args))
  os.execute("rm -rf " .. quote(profile))
  return ok, out
end

-- Wall-clock seconds (a float), for the render times printed at the end.
local function now() return tonumber((select(2, sh("date +%s.%N")))) or 0 end

local EVIL_SCRIPT = [==[
local gg = require "gglab"
return gg.experiment {
  name = "escaping",
  description = "<script>document.body.setAttribute('data-pwned','desc')</script> & <b>bold</b>",
  sweep = gg.grid { act = { "relu", "<script>document.body.setAttribute('data-pwned','1')</script>" },
                    lr = { 0.1, 1 }, seed = gg.seeds(2) },
  run = function(p, run)
    if p.lr == 1 and p.act == "relu" and run.index % 2 == 1 then
      error("<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">", 0)
    end
    for s = 1, 30 do
      local v = p.lr * 10 / s
      if p.lr == 1 and s == 20 then v = 0 / 0 end
      run:log("loss", v, s, 1 + s // 10)
      if s % 10 == 0 then run:log("val_loss", v * 1.5, s, s // 10) end
    end
  end,
  claims = { { "<i>escaped</i> claim", check = function() return true, "<u>detail</u>" end } },
}
]==]

local f = assert(io.open(tmp .. "/escaping.lua", "w"))
f:write(EVIL_SCRIPT)
f:close()

-- Figures the data calls for: one per metric of curves.csv and the heatmap when some
-- parameter other than seed has two or more values.
local function expected_figures(dir)
  local metrics, n = {}, 0
  local first = true
  for line in io.lines(dir .. "/curves.csv") do
    if first then
      first = false
    else
      local m = line:match("^[^,]*,[^,]*,[^,]*,([^,]*),")
      if m and not metrics[m] then
        metrics[m] = true
        n = n + 1
      end
    end
  end
  local header, values = nil, {}
  for line in io.lines(dir .. "/runs.csv") do
    local fields = {}
    -- parameter values here hold no commas; quoted fields come after run_seed
    for v in (line .. ","):gmatch("([^,]*),") do fields[#fields + 1] = v end
    if not header then
      header = fields
    else
      for i = 2, #header do
        if header[i] == "run_seed" then break end
        values[header[i]] = values[header[i]] or {}
        values[header[i]][fields[i]] = true
      end
    end
  end
  local heat = 0
  for name, set in pairs(values) do
    local k = 0
    for _ in pairs(set) do k = k + 1 end
    if name ~= "seed" and k >= 2 then heat = 1 end
  end
  return n + heat
end

-- Every experiment's report renders; lr_sweep's and the escaping one are also screenshot.
local cases = { { name = "escaping", script = tmp .. "/escaping.lua", evil = true, shot = true } }
local _, listing = sh("ls experiments/*.lua")
for script in listing:gmatch("%S+") do
  local name = script:match("([^/]+)%.lua$")
  table.insert(cases, #cases, { name = name, script = script, shot = name == "lr_sweep" })
end
table.sort(cases, function(a, b)
  if (a.shot or false) ~= (b.shot or false) then return a.shot == true end
  return a.name < b.name
end)
for _, c in ipairs(cases) do
  local dir = tmp .. "/" .. c.name
  -- A long experiment (long = true: minutes of runs) renders the report of its first point.
  require "gglab"
  local exp = not c.evil and require("gglab.experiment").load(c.script)
  local shard = exp and exp.long and string.format(" --shard 1/%d", #exp.sweep) or ""
  local ok, out, code = sh(string.format("%s run -q%s --out %s %s --report", quote(GGLAB), shard, quote(dir),
    quote(c.script)))
  -- The escaping experiment fails a run on purpose: gglab run then exits 3 (docs/cli.md).
  ok = ok or (c.evil and code == 3)
  T.ok(c.name .. ": gglab run --report", ok and out:find("Report: " .. dir .. "/report.html", 1, true))
  if not ok then print(out) end
  local page = dir .. "/report.html"
  local url = "file://" .. page
  local wall0 = now()
  local dok, dom = chrome("--dump-dom " .. quote(url))
  local wall1 = now()
  T.ok(c.name .. ": chromium --dump-dom exits 0", dok)
  if not dok then print(dom) end
  T.ok(c.name .. ": the page's script ran", dom:find('data-ready="1"', 1, true) ~= nil)
  T.ok(c.name .. ": no script error", not dom:find('data-errors="', 1, true))
  T.ok(c.name .. ": no CSP violation", not dom:find('data-csp="', 1, true))
  local figures = select(2, dom:gsub('<figure class="[cs][ut]', ""))
    + select(2, dom:gsub('<figure class="heatmap"', ""))
  local want = expected_figures(dir)
  T.eq(c.name .. ": static figures in the DOM", figures, want)
  if has_dygraphs then
    T.ok(c.name .. ": the interactive script ran", dom:find('data-live="1"', 1, true) ~= nil)
    local metrics = want - (dom:find('<figure class="heatmap"', 1, true) and 1 or 0)
    T.eq(c.name .. ": an interactive figure per metric", select(2, dom:gsub('<figure class="live"', "")), metrics)
  end
  if c.evil then
    T.ok("injected script did not run", not dom:find('data-pwned="', 1, true))
    T.ok("parameter value shown as text", dom:find("&lt;script&gt;document.body.setAttribute('data-pwned','1')"
      .. "&lt;/script&gt;", 1, true) ~= nil)
    T.ok("error message shown as text", dom:find("&lt;img src=x onerror=", 1, true) ~= nil)
    T.ok("no element from the data", not dom:find("<img", 1, true) and not dom:find("<b>bold", 1, true)
      and not dom:find("<i>escaped", 1, true))
    T.eq("script elements: ours (head, data, sorting, dygraphs, interactive)", select(2, dom:gsub("<script", "")),
      has_dygraphs and 5 or 2)
  end
  if not c.shot then
    print(string.format("%s: %d figures, report.html %d kB, rendered in %.2f s", c.name, figures,
      (#(read(page) or "") + 512) // 1024, wall1 - wall0))
    goto continue
  end
  local png = dir .. "/shot.png"
  local sok, sout = chrome("--screenshot=" .. quote(png) .. " --window-size=1280,2000 " .. quote(url))
  T.ok(c.name .. ": chromium --screenshot exits 0", sok)
  if not sok then print(sout) end
  local bytes = read(png) or ""
  T.eq(c.name .. ": PNG signature", bytes:sub(1, 8), "\137PNG\r\n\26\n")
  local w, h = string.unpack(">I4I4", bytes .. string.rep("\0", 24), 17)
  T.eq(c.name .. ": screenshot size", { w, h }, { 1280, 2000 })
  T.ok(c.name .. ": screenshot is not blank (> 20 kB)", #bytes > 20000)
  print(string.format("%s: %d figures, report.html %d kB, rendered in %.2f s, screenshot %d kB", c.name, figures,
    (#(read(page) or "") + 512) // 1024, wall1 - wall0, (#bytes + 512) // 1024))
  ::continue::
end

-- ---- interactions (issue 23) ----
-- A sweep whose values are known: loss = lr * (1 + seed) / step at steps 1..10 (epoch 1
-- for steps 1..5, 2 after), lr {0.1, 1} x opt {a, b} x seed {1, 2}; the run lr = 1, opt = b,
-- seed = 1 fails; each run logs acc = 10 lr + seed once. A copy of its report gets a test script (allowed by adding its hash to the
-- CSP) that drives the page as a user would — a synthesised mouse move over a known point,
-- the filter checkboxes, the EMA slider, the mode and x switches, a highlighted run — and
-- writes what the page shows into data-t-* attributes of <body>, read back from --dump-dom.
local INTERACT_SCRIPT = [==[
local gg = require "gglab"
return gg.experiment {
  name = "interact",
  sweep = gg.grid { lr = { 0.1, 1 }, opt = { "a", "b" }, seed = { 1, 2 } },
  run = function(p, run)
    if p.lr == 1 and p.opt == "b" and p.seed == 1 then error("boom", 0) end
    for s = 1, 10 do run:log("loss", p.lr * (1 + p.seed) / s, s, 1 + (s - 1) // 5) end
    run:log("acc", 10 * p.lr + p.seed, 10, 2)  -- a per-run scalar: a point per run
  end,
}
]==]

local DRIVER = [==[
(function () {
  function set(k, v) { document.body.setAttribute("data-t-" + k, String(v)); }
  try {
    var G = window.gglab;
    var chart = function (panel) {
      return G.charts.filter(function (c) {
        return c.metric.name === "loss" && c.div.parentNode.querySelector(".ptitle").textContent === panel;
      })[0];
    };
    var hover = function (panel, x, y) {
      var ch = chart(panel), c = ch.g.toDomCoords(x, y), cvs = ch.div.querySelectorAll("canvas");
      var cv = cvs[cvs.length - 1], r = cv.getBoundingClientRect();
      cv.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: r.left + c[0], clientY: r.top + c[1] }));
      return ch.info.textContent;
    };
    var pick = function (id, value) {
      var s = document.getElementById(id);
      s.value = value;
      s.dispatchEvent(new Event("change"));
    };
    var box = function (param, value) {
      var ls = document.querySelectorAll('fieldset[data-param="' + param + '"] label');
      for (var i = 0; i < ls.length; i++) if (ls[i].textContent === value) return ls[i].querySelector("input");
    };
    var shown = function () {
      var pc = Array.prototype.map.call(document.querySelectorAll("#gg-pc polyline"), function (p) {
        return p.getAttribute("data-run");
      });
      var rows = Array.prototype.filter.call(document.querySelectorAll("table.sortable tbody tr"), function (r) {
        return !r.hidden;
      }).map(function (r) { return r.cells[0].textContent; });
      return pc.sort().join(" ") + " | " + rows.sort().join(" ");
    };
    set("hover", hover("opt=a", 2, 0.125));
    // The point of run lr = 1, opt = a, seed = 2 (acc 12) in its slot (lr's value), jittered as the page does.
    var P = G.data.params, pi = function (n) { return P.map(function (p) { return p.name; }).indexOf(n); };
    var r = G.data.runs.filter(function (r) {
      return P[pi("lr")].values[r.v[pi("lr")]] === "1" && P[pi("opt")].values[r.v[pi("opt")]] === "a" &&
        P[pi("seed")].values[r.v[pi("seed")]] === "2";
    })[0];
    var sc = G.charts.filter(function (c) {
      return c.metric.name === "acc" && c.div.parentNode.querySelector(".ptitle").textContent === "opt=a";
    })[0];
    var sx = r.v[pi("lr")] + ((r.i * 7919) % 17 - 8) / 40, sxy = sc.g.toDomCoords(sx, 12);
    var scv = sc.div.querySelectorAll("canvas"), scr = scv[scv.length - 1].getBoundingClientRect();
    scv[scv.length - 1].dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: scr.left + sxy[0],
      clientY: scr.top + sxy[1] }));
    set("scalar", r.id + " " + sc.info.textContent);
    var ema = document.getElementById("gg-ema");
    ema.value = "0.5";
    ema.dispatchEvent(new Event("input"));
    set("ema", hover("opt=a", 2, 0.1875));
    ema.value = "0";
    ema.dispatchEvent(new Event("input"));
    pick("gg-x", "epoch");
    set("epoch", hover("opt=a", 1, 0.05));
    pick("gg-x", "step");
    pick("gg-mode", "runs");
    set("run", hover("opt=a", 3, 1));
    pick("gg-mode", "ci95");
    set("ci95", hover("opt=a", 2, 1.25));
    pick("gg-mode", "mean");
    set("legend", Array.prototype.map.call(chart("opt=b").legend.querySelectorAll("button"), function (b) {
      return b.textContent;
    }).join("|"));
    chart("opt=a").legend.querySelectorAll("button")[1].click();
    set("toggled", chart("opt=a").series.map(function (s) { return s.name; }).join("|"));
    chart("opt=a").legend.querySelectorAll("button")[1].click();
    set("all", shown());
    box("opt", "b").click();
    set("opt-a", shown());
    set("panel-b", chart("opt=b").div.textContent);
    box("opt", "b").click();
    box("status", "failed").click();
    set("no-failed", shown());
    box("status", "failed").click();
    var target = G.data.runs[5];
    G.highlight(5);
    set("hl", target.id + " " + document.querySelector("#gg-pc polyline.hl").getAttribute("data-run") + " " +
      G.charts.filter(function (c) {
        return c.series.some(function (s) { return s.name === "run " + target.id; });
      }).length);
  } catch (e) {
    set("exception", e && e.stack || e);
  }
})();
]==]

if has_dygraphs then
  local html = require "gglab.report.html"
  local store = require "gglab.engine.store"
  f = assert(io.open(tmp .. "/interact.lua", "w"))
  f:write(INTERACT_SCRIPT)
  f:close()
  local dir = tmp .. "/interact"
  local _, out, code = sh(string.format("%s run -q --out %s %s --report", quote(GGLAB), quote(dir),
    quote(tmp .. "/interact.lua")))
  T.eq("interact: gglab run (one run fails: exit 3)", code, 3)
  local page = read(dir .. "/report.html") or ""
  if code ~= 3 then print(out) end
  -- The driver script goes before </body>, its hash into script-src.
  local body = "\n" .. DRIVER
  local patched = page:gsub("(script%-src [^;]*);", "%1 " .. html.csp_source(body):gsub("%%", "%%%%") .. ";", 1)
  patched = patched:gsub("</body>", function() return "<script>" .. body .. "</script>\n</body>" end, 1)
  f = assert(io.open(dir .. "/driven.html", "w"))
  f:write(patched)
  f:close()
  local dok, dom = chrome("--dump-dom " .. quote("file://" .. dir .. "/driven.html"))
  T.ok("interact: chromium exits 0", dok)
  local function attr(k) return dom:match('data%-t%-' .. k:gsub("%-", "%%-") .. '="([^"]*)"') end
  T.eq("interact: the driver ran without an exception", attr("exception"), nil)
  if attr("exception") then print(attr("exception")) end
  T.eq("interact: no script error, no CSP violation", { dom:match('data%-errors="([^"]*)"'),
    dom:match('data%-csp="([^"]*)"') }, {})
  -- Mean over seeds of lr = 0.1, opt = a at step 2: (0.2/2 + 0.3/2) / 2, band [0.1, 0.15].
  T.eq("hover shows the mean, band and count at the point", attr("hover"),
    "step 2 — lr=0.1 (mean of 2 runs): 0.125 [0.1, 0.15] over 2 of 2 runs")
  -- EMA 0.5 per run before the mean: seed 1: 0.2, 0.5*0.2 + 0.5*0.1 = 0.15; seed 2: 0.3, 0.225.
  local e1, e2 = 0.5 * 0.2 + 0.5 * 0.1, 0.5 * 0.3 + 0.5 * 0.15
  T.eq("EMA slider: the smoothed value, as computed", attr("ema"), string.format(
    "step 2 — lr=0.1 (mean of 2 runs): %.6g [%.6g, %.6g] over 2 of 2 runs", (e1 + e2) / 2, e1, e2))
  -- The 95 % t-interval of lr = 1, opt = a at step 2 (values 1, 1.5), as lib/stats computes it.
  local acc = stats.acc_new()
  stats.acc_add(acc, 2 / 2)
  stats.acc_add(acc, 3 / 2)
  local cm, clo, chi = stats.acc_band(acc, "ci95")
  T.eq("lines: mean with a 95 % t-interval", attr("ci95"), string.format(
    "step 2 — lr=1 (mean of 2 runs): %.6g [%.6g, %.6g] over 2 of 2 runs", cm, clo, chi))
  local sid = attr("scalar") and attr("scalar"):match("^(%S+)") or "?"
  T.eq("per-run scalar: hovering a run's point shows the run and its value", attr("scalar"),
    sid .. " run " .. sid .. " (lr=1 · opt=a · seed=2): acc = 12")
  T.eq("per epoch: an epoch's last value (step 5)", attr("epoch"),
    "epoch 1 — lr=0.1 (mean of 2 runs): 0.05 [0.04, 0.06] over 2 of 2 runs")
  local runs = assert(assert(store.read(dir)):runs()).records
  local id_of = {}
  local all, opt_a, not_failed = {}, {}, {}
  for _, r in ipairs(runs) do
    id_of[r.params.lr .. r.params.opt .. r.params.seed] = r.id
    all[#all + 1] = r.id
    if r.params.opt == "a" then opt_a[#opt_a + 1] = r.id end
    if r.status ~= "failed" then not_failed[#not_failed + 1] = r.id end
  end
  T.eq("every run: a hover names the run", attr("run"), "step 3 — " .. id_of["1a2"] .. " (lr=1): 1")
  local function shown(ids)
    table.sort(ids)
    return table.concat(ids, " ") .. " | " .. table.concat(ids, " ")
  end
  T.eq("legend: a colour value per entry, with the runs it covers (one of opt=b's lr=1 runs failed)", attr("legend"),
    "lr=0.1 · 2 runs|lr=1 · 1 run")
  T.eq("legend: a click hides that value's line in its chart", attr("toggled"), "lr=0.1 (mean of 2 runs)")
  T.eq("no filter: every run in the parallel coordinates and the table", attr("all"), shown(all))
  T.eq("filter opt=b off: exactly the opt=a runs", attr("opt-a"), shown(opt_a))
  T.eq("... and opt=b's panel is empty", attr("panel-b"), "no visible run logged loss here")
  T.eq("filter status=failed off: all but the failed run", attr("no-failed"), shown(not_failed))
  local target = runs[6].id
  T.eq("highlight: the run's line in the parallel coordinates, its curve in its panel", attr("hl"),
    target .. " " .. target .. " 1")
  -- Two folders in one page (the hostile one too): it renders, runs of both in the charts.
  local _, cout, ccode = sh(string.format("%s report -q --out %s %s %s", quote(GGLAB), quote(tmp .. "/compare.html"),
    quote(dir), quote(tmp .. "/escaping")))
  T.eq("comparison: gglab report DIR1 DIR2", { ccode, cout }, { 0, "" })
  local _, cdom = chrome("--dump-dom " .. quote("file://" .. tmp .. "/compare.html"))
  T.ok("comparison: the interactive script ran, no error, no CSP violation, no injected script",
    cdom:find('data-live="1"', 1, true) and not cdom:find('data-errors="', 1, true)
    and not cdom:find('data-csp="', 1, true) and not cdom:find('data-pwned="', 1, true))
  T.eq("comparison: a section per folder", select(2, cdom:gsub('<section class="gg%-exp"', "")), 2)
  -- A control: an inline script without a hash is blocked, and the page notices.
  local bad = page:gsub("</body>", "<script>document.body.setAttribute('data-unhashed','1')</script>\n</body>", 1)
  f = assert(io.open(dir .. "/unhashed.html", "w"))
  f:write(bad)
  f:close()
  local _, udom = chrome("--dump-dom " .. quote("file://" .. dir .. "/unhashed.html"))
  T.ok("CSP: an unhashed inline script does not run and is reported", not udom:find('data-unhashed="', 1, true)
    and udom:find('data-csp="script-src-elem', 1, true) ~= nil)
end

os.execute("rm -rf " .. quote(tmp))
T.done()
