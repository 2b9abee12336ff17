-- tests/soak/load.lua — load test (make load): a sweep of LOAD_RUNS (20,000) small runs at
-- -j 2 completes with every run ok, runs.csv and curves.csv complete and in sweep order,
-- the manifest complete; a --resume of the finished store skips every run. Prints the wall
-- times and the parent's peak memory. Ends with "N passed, N failed".

local T = require "check"
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local N = math.tointeger(tonumber(os.getenv("LOAD_RUNS") or "20000"))
local tmp = os.tmpname()
os.remove(tmp)
gg.fs.mkdir(tmp)

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local exp = tmp .. "/load.lua"
local f = assert(io.open(exp, "w"))
f:write(string.format([[
local gg = require "gglab"
return gg.experiment {
  name = "load",
  sweep = gg.grid { a = gg.seeds(%d), b = gg.seeds(100) },
  run = function(p, run)
    local data = gg.data.regression { n = 16, features = 2, seed = run.seed }
    local model = gg.nn.mlp { 2, 4, 1 }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.01 }), batch_size = 8,
      epochs = 1, log = run }
  end,
}
]], N // 100))
f:close()

-- Runs gglab under /usr/bin/time when there is one -> ok, wall seconds, peak kB or nil.
local function timed(args)
  local tfile = tmp .. "/time"
  local have_time = os.execute("test -x /usr/bin/time")
  local t0 = gg.clock()
  local ok = os.execute(string.format("%s %s %s >/dev/null 2>%s", have_time and "/usr/bin/time -f 'peak %M'" or "",
    GGLAB, args, tfile))
  local wall = gg.clock() - t0
  local peak = (slurp(tfile) or ""):match("peak (%d+)")
  return ok, wall, peak and tonumber(peak)
end

local dir = tmp .. "/out"
local ok, wall, peak = timed("run -q -j 2 --out " .. dir .. " " .. exp)
print(string.format("load: %d runs in %.1f s (%.2f ms a run at -j 2), parent peak %s", N, wall, wall / N * 1000,
  peak and string.format("%.0f MB", peak / 1024) or "unknown"))
T.ok("the sweep completes", ok)
local lines, ok_runs, order = 0, 0, true
local prev
for line in io.lines(dir .. "/runs.csv") do
  lines = lines + 1
  if lines > 1 then
    local a, b = line:match("^%x+,(%d+),(%d+),")
    local key = tonumber(a) * 1000 + tonumber(b)
    if prev and key <= prev then order = false end
    prev = key
    if line:match(",ok,") then ok_runs = ok_runs + 1 end
  end
end
T.eq("runs.csv has every run", lines - 1, N)
T.eq("every run ok", ok_runs, N)
T.ok("runs.csv in sweep order", order)
local curves = 0
for _ in io.lines(dir .. "/curves.csv") do curves = curves + 1 end
T.ok("curves.csv has a row per logged step", curves > N)
T.ok("manifest complete", (slurp(dir .. "/manifest.json") or ""):match('"complete": true') ~= nil)
local runs_before = slurp(dir .. "/runs.csv")
ok, wall = timed("run -q -j 2 --resume --out " .. dir .. " " .. exp)
print(string.format("load: --resume of the finished store in %.1f s", wall))
T.ok("--resume of a finished store", ok)
T.eq("--resume changes nothing", slurp(dir .. "/runs.csv"), runs_before)

os.execute("rm -rf '" .. tmp .. "'")
T.done()
