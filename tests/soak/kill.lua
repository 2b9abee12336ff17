-- tests/soak/kill.lua — soak test (make soak): a sweep whose parent is killed with SIGKILL
-- at 20 random moments, resumed after each kill, must end with files identical to an
-- uninterrupted run. After every kill the store must be consistent: each run that has its
-- .row.csv has a curve file identical to the uninterrupted run's, and the next --resume
-- leaves no .tmp file. SOAK_KILLS (20) and SOAK_SEED (the time) change the schedule; the
-- seed is printed so a failure can be replayed. Ends with "N passed, N failed".

local T = require "check"
local slurp = T.slurp
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local KILLS = math.tointeger(tonumber(os.getenv("SOAK_KILLS") or "20"))
local SEED = math.tointeger(tonumber(os.getenv("SOAK_SEED") or "")) or os.time()
print(string.format("soak: %d kills, SOAK_SEED=%d", KILLS, SEED))
math.randomseed(SEED)

local tmp = os.tmpname()
os.remove(tmp)
gg.fs.mkdir(tmp)

local function runs_without_wall(dir)
  local text = slurp(dir .. "/runs.csv")
  return text and (text:gsub(",[^,\n]*\n", "\n"))
end

local exp = tmp .. "/soak.lua"
local f = assert(io.open(exp, "w"))
f:write([[
local gg = require "gglab"
return gg.experiment {
  name = "soak",
  sweep = gg.grid { lr = gg.logspace(1e-3, 0.3, 8), seed = gg.seeds(20), opt = { "sgd", "adam" } },
  run = function(p, run)
    local data = gg.data.classification { n = 2000, features = 8, classes = 3, seed = run.seed }
    local model = gg.nn.mlp { 8, 32, 3 }
    gg.train { model = model, data = data, loss = "cross_entropy", batch_size = 10, epochs = 60,
      optimizer = gg.optim[p.opt](model, { lr = p.lr }), log = run, log_every = 200 }
  end,
}
]])
f:close()

local ref = tmp .. "/ref"
local t0 = gg.clock()
T.ok("uninterrupted run", os.execute(string.format("%s run -q -j 2 --out %s %s >/dev/null 2>&1", GGLAB, ref, exp)))
local full = gg.clock() - t0
local ref_runs, ref_curves = runs_without_wall(ref), slurp(ref .. "/curves.csv")
print(string.format("soak: the uninterrupted sweep takes %.2f s", full))

local dir = tmp .. "/soak"
local pidfile = tmp .. "/pid"
local bad_store, leftovers = 0, 0
local function finished()
  local n = 0
  for _, name in ipairs(gg.fs.listdir(dir .. "/runs") or {}) do
    if name:match("%.row%.csv$") then n = n + 1 end
  end
  return n
end
local midway = 0
for k = 1, KILLS do
  -- A moment from start-up to a few runs in: each kill costs the runs in flight, so the
  -- sweep is still unfinished at most kills (the 320 runs take ~3 s uninterrupted).
  local before = finished()
  local delay = 0.02 + math.random() * 0.4
  local f = assert(io.open(tmp .. "/kills.log", "a"))
  f:write(string.format("kill %d after %.3f s, %d runs finished before\n", k, delay, before))
  f:close()
  os.execute(string.format("%s run -q -j 2 %s --out %s %s >/dev/null 2>&1 & echo $! > %s; sleep %.3f; kill -9 $(cat %s) 2>/dev/null",
    GGLAB, k > 1 and "--resume" or "", dir, exp, pidfile, delay, pidfile))
  os.execute("sleep 0.2")  -- the workers die with the parent (PDEATHSIG)
  if finished() < 320 then midway = midway + 1 end
  -- Consistency: a finished run's files are complete.
  for _, name in ipairs(gg.fs.listdir(dir .. "/runs") or {}) do
    local id = name:match("^(%x+)%.row%.csv$")
    if id and slurp(dir .. "/runs/" .. id .. ".csv") ~= slurp(ref .. "/runs/" .. id .. ".csv") then
      bad_store = bad_store + 1
      print(string.format("kill %d (after %.3f s): run %s has a .row.csv but its curve file differs", k, delay, id))
    end
  end
end
T.eq("after each kill, every finished run's curve file is complete", bad_store, 0)
print(string.format("soak: %d of %d kills left the sweep unfinished", midway, KILLS))
T.ok("most kills land before the sweep is done", midway >= KILLS // 2)
T.ok("final --resume", os.execute(string.format("%s run -q -j 2 --resume --out %s %s >/dev/null 2>&1", GGLAB, dir, exp)))
for _, d in ipairs { dir, dir .. "/runs" } do
  for _, name in ipairs(gg.fs.listdir(d) or {}) do
    if name:match("%.tmp$") then leftovers = leftovers + 1 end
  end
end
T.eq("no .tmp file after the final --resume", leftovers, 0)
T.eq("runs.csv identical to the uninterrupted run", runs_without_wall(dir), ref_runs)
T.ok("curves.csv identical to the uninterrupted run", slurp(dir .. "/curves.csv") == ref_curves)
T.ok("manifest complete", (slurp(dir .. "/manifest.json") or ""):match('"complete": true') ~= nil)

if os.getenv("SOAK_KEEP") then print("soak: kept " .. tmp) else os.execute("rm -rf '" .. tmp .. "'") end
T.done()
