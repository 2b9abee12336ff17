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
  local figures = select(2, dom:gsub("<figure", ""))
  local want = expected_figures(dir)
  T.eq(c.name .. ": figures in the DOM", figures, want)
  if c.evil then
    T.ok("injected script did not run", not dom:find('data-pwned="', 1, true))
    T.ok("parameter value shown as text", dom:find("&lt;script&gt;document.body.setAttribute('data-pwned','1')"
      .. "&lt;/script&gt;", 1, true) ~= nil)
    T.ok("error message shown as text", dom:find("&lt;img src=x onerror=", 1, true) ~= nil)
    T.ok("no element from the data", not dom:find("<img", 1, true) and not dom:find("<b>bold", 1, true)
      and not dom:find("<i>escaped", 1, true))
    T.ok("one script element: ours", select(2, dom:gsub("<script", "")) == 1)
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

os.execute("rm -rf " .. quote(tmp))
T.done()
