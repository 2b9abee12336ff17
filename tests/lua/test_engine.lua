-- tests/lua/test_engine.lua — the sweep engine end to end through the gglab executable:
-- byte-identical results for -j 1, -j 2 and 2 shards + merge; kill -9 of the parent
-- mid-sweep followed by --resume gives the files of an uninterrupted run, with no temp
-- file left; a run that segfaults, raises, times out or exhausts memory fails alone,
-- with its reason; SIGINT stops with status 130 and a store --resume completes.

local T = require "check"
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = os.tmpname()
os.remove(tmp)
gg.fs.mkdir(tmp)

local function sh(cmd)
  local ok, _, code = os.execute(cmd)
  return ok and 0 or code
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function runs_without_wall(dir)
  local lines = {}
  for line in io.lines(dir .. "/runs.csv") do lines[#lines + 1] = line:gsub(",[^,]*$", "") end
  return table.concat(lines, "\n")
end

local function gglab(args)
  return sh(GGLAB .. " " .. args .. " >/dev/null 2>&1")
end

-- 120 small trainings of ~15 ms each (~1 s at -j 2): a kill lands mid-sweep.
local exp = tmp .. "/exp.lua"
write(exp, [[
local gg = require "gglab"
return gg.experiment {
  name = "engine",
  sweep = gg.grid { lr = gg.logspace(1e-3, 0.3, 6), seed = gg.seeds(10), opt = { "sgd", "adam" } },
  run = function(p, run)
    local data = gg.data.classification { n = 1000, features = 8, classes = 3, seed = run.seed }
    local model = gg.nn.mlp { 8, 64, 64, 3 }
    gg.train { model = model, data = data, loss = "cross_entropy", batch_size = 10, epochs = 10,
      optimizer = gg.optim[p.opt](model, { lr = p.lr }), log = run, log_every = 10 }
  end,
}
]])

T.eq("reference -j 1", gglab("run -q -j 1 --out " .. tmp .. "/j1 " .. exp), 0)
local ref_runs, ref_curves = runs_without_wall(tmp .. "/j1"), slurp(tmp .. "/j1/curves.csv")
T.ok("reference has 120 runs", select(2, ref_runs:gsub("\n", "")) == 120)
T.eq("-j 2", gglab("run -q -j 2 --out " .. tmp .. "/j2 " .. exp), 0)
T.eq("-j 2: runs.csv identical to -j 1", runs_without_wall(tmp .. "/j2"), ref_runs)
T.ok("-j 2: curves.csv identical to -j 1", slurp(tmp .. "/j2/curves.csv") == ref_curves)

T.eq("shard 1/2", gglab("run -q -j 2 --shard 1/2 --out " .. tmp .. "/s1 " .. exp), 0)
T.eq("shard 2/2", gglab("run -q -j 1 --shard 2/2 --out " .. tmp .. "/s2 " .. exp), 0)
T.eq("merge", gglab("merge " .. tmp .. "/m " .. tmp .. "/s1 " .. tmp .. "/s2"), 0)
T.eq("2 shards + merge: runs.csv identical", runs_without_wall(tmp .. "/m"), ref_runs)
T.ok("2 shards + merge: curves.csv identical", slurp(tmp .. "/m/curves.csv") == ref_curves)

-- kill -9 of the parent at several moments, each followed by --resume.
local function no_tmp_left(dir)
  for _, name in ipairs(gg.fs.listdir(dir .. "/runs") or {}) do
    if name:match("%.tmp$") then return false end
  end
  for _, name in ipairs(gg.fs.listdir(dir) or {}) do
    if name:match("%.tmp$") then return false end
  end
  return true
end

for i, delay in ipairs { 0.2, 0.5, 0.8 } do
  local dir = tmp .. "/killed" .. i
  sh(string.format("%s run -q -j 2 --out %s %s >/dev/null 2>&1 & pid=$!; sleep %g; kill -9 $pid; wait $pid 2>/dev/null",
    GGLAB, dir, exp, delay))
  sh("sleep 0.1")  -- workers die with the parent (PDEATHSIG); let them go
  local done = #(gg.fs.listdir(dir .. "/runs") or {})
  T.eq("kill -9 after " .. delay .. "s, then --resume", gglab("run -q -j 2 --resume --out " .. dir .. " " .. exp), 0)
  T.eq("resumed store " .. i .. ": runs.csv identical", runs_without_wall(dir), ref_runs)
  T.ok("resumed store " .. i .. ": curves.csv identical", slurp(dir .. "/curves.csv") == ref_curves)
  T.ok("resumed store " .. i .. ": no temp file left", no_tmp_left(dir))
  if i == 2 then T.ok("the kill landed mid-sweep (some, not all, runs were done)", done > 0 and done < 360) end
end

-- SIGINT: status 130, consistent partial store, --resume completes.
do
  local dir = tmp .. "/sigint"
  local code = sh(string.format("%s run -q -j 2 --out %s %s >/dev/null 2>&1 & pid=$!; sleep 0.4; kill -INT $pid; wait $pid",
    GGLAB, dir, exp))
  T.eq("SIGINT: exit status 130", code, 130)
  T.ok("SIGINT: manifest says incomplete", (slurp(dir .. "/manifest.json") or ""):match('"complete": false') ~= nil)
  T.eq("SIGINT then --resume", gglab("run -q --resume --out " .. dir .. " " .. exp), 0)
  T.eq("SIGINT + resume: runs.csv identical", runs_without_wall(dir), ref_runs)
end

-- Failure isolation: each broken run fails with its reason, the others complete. The
-- timeout leaves the out-of-memory run time to hit its limit on a loaded machine.
local bad = tmp .. "/bad.lua"
write(bad, [[
local gg = require "gglab"
return gg.experiment {
  name = "broken",
  sweep = gg.grid { mode = { "ok1", "segv", "raise", "hang", "oom", "ok2" } },
  run = function(p, run)
    if p.mode == "segv" then gg.proc.kill(gg.proc.getpid(), "SEGV") end
    if p.mode == "raise" then error("deliberate") end
    if p.mode == "hang" then while true do end end
    if p.mode == "oom" then local t = {} for i = 1, 1e6 do t[i] = string.rep("x", 1 << 24) .. i end end
    run:log("loss", 1.0, 1)
  end,
}
]])
-- Under ASan the address-space cap cannot work (its shadow memory is terabytes): that
-- build runs the sweep without --memory and without the out-of-memory point.
local sanitized = os.getenv("SANITIZE") ~= nil
local code = gglab("run -q -j 2 --timeout 3 " .. (sanitized and "--set mode=ok1,segv,raise,hang,ok2 " or "--memory 256M ")
  .. "--out " .. tmp .. "/bad " .. bad)
T.eq("broken sweep still exits 0", code, 0)
local header, rows = gg.csv.read(tmp .. "/bad/runs.csv")
local col = {}
for i, n in ipairs(header or {}) do col[n] = i end
local by = {}
for _, r in ipairs(rows or {}) do by[r[col.mode]] = { status = r[col.status], error = r[col.error] } end
T.eq("ok runs completed", { by.ok1 and by.ok1.status, by.ok2 and by.ok2.status }, { "ok", "ok" })
-- (ASan catches the SIGSEGV itself and exits: there the reason is its exit status.)
T.ok("segfault recorded", by.segv and by.segv.status == "failed" and
  (by.segv.error:match("SIGSEGV") ~= nil or (sanitized and by.segv.error:match("^exit") ~= nil)))
T.ok("error recorded", by.raise and by.raise.status == "failed" and by.raise.error:match("deliberate") ~= nil)
T.ok("timeout recorded", by.hang and by.hang.status == "failed" and by.hang.error:match("timeout") ~= nil)
if not sanitized then
  T.ok("out of memory recorded", by.oom and by.oom.status == "failed" and by.oom.error:match("memory") ~= nil)
end

os.execute("rm -rf '" .. tmp .. "'")
T.done()
