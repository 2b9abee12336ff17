-- tests/lua/test_engine.lua — the sweep engine end to end through the gglab executable:
-- byte-identical results for -j 1, -j 2 and 2 shards + merge; kill -9 of the parent
-- mid-sweep followed by --resume gives the files of an uninterrupted run, with no temp
-- file left; a run that segfaults, raises, times out or exhausts memory fails alone,
-- with its reason; SIGINT stops with status 130 and a store --resume completes.
-- Nothing asserted depends on the machine's speed or load (docs/guide.md): the kill -9
-- at fixed delays lands wherever it lands (only the resumed files are asserted), while the
-- checks that need an interruption mid-sweep get it from the sweep itself — the run at
-- position GG_TEST_SIGNAL_AT sends GG_TEST_SIGNAL to the gglab parent.

local T = require "check"
local slurp, write, runs_without_wall = T.slurp, T.write, T.runs_without_wall
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = T.tmpdir()

local function sh(cmd)
  local ok, _, code = os.execute(cmd)
  return ok and 0 or code
end

local function gglab(args)
  return sh(GGLAB .. " " .. args .. " >/dev/null 2>&1")
end

-- 120 small trainings of ~15 ms each (~1 s at -j 2): a kill lands mid-sweep.
local exp = tmp .. "/exp.lua"
write(exp, [[
local gg = require "gglab"
local AT, SIG = tonumber(os.getenv("GG_TEST_SIGNAL_AT") or ""), os.getenv("GG_TEST_SIGNAL")
return gg.experiment {
  name = "engine",
  sweep = gg.grid { lr = gg.logspace(1e-3, 0.3, 6), seed = gg.seeds(10), opt = { "sgd", "adam" } },
  run = function(p, run)
    if run.index == AT then
      gg.proc.kill(gg.proc.getppid(), SIG)
      -- SIGKILL: wait for PDEATHSIG; SIGINT: the parent stops this run (SIGTERM).
      for _ = 1, 600 do os.execute("sleep 0.05") end
      error("the parent did not stop the sweep after SIG" .. SIG)
    end
    local data = gg.data.classification { n = 1000, features = 8, classes = 3, seed = run.seed }
    local model = gg.nn.mlp { 8, 64, 64, 3 }
    gg.train { model = model, data = data, loss = "cross_entropy", batch_size = 10, epochs = 10,
      optimizer = gg.optim[p.opt](model, { lr = p.lr }), log = run, log_every = 10 }
  end,
}
]])

T.eq("reference -j 1", gglab("run -q -j 1 --out " .. tmp .. "/j1 " .. exp), 0)
local ref_runs, ref_curves = runs_without_wall(tmp .. "/j1"), slurp(tmp .. "/j1/curves.csv")
T.ok("reference has 120 runs", select(2, ref_runs:gsub("\n", "")) == 121)  -- the header and 120 rows
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

-- Finished runs in a store (their .row.csv is written last).
local function finished(dir)
  local n = 0
  for _, name in ipairs(gg.fs.listdir(dir .. "/runs") or {}) do
    if name:match("^%x+%.row%.csv$") then n = n + 1 end
  end
  return n
end

for i, delay in ipairs { 0.2, 0.5, 0.8 } do
  local dir = tmp .. "/killed" .. i
  sh(string.format("%s run -q -j 2 --out %s %s >/dev/null 2>&1 & pid=$!; sleep %g; kill -9 $pid; wait $pid 2>/dev/null",
    GGLAB, dir, exp, delay))
  sh("sleep 0.1")  -- workers die with the parent (PDEATHSIG); let them go
  print(string.format("kill -9 after %gs: %d of 120 runs were finished (information: depends on speed)", delay,
    finished(dir)))
  T.eq("kill -9 after " .. delay .. "s, then --resume", gglab("run -q -j 2 --resume --out " .. dir .. " " .. exp), 0)
  T.eq("resumed store " .. i .. ": runs.csv identical", runs_without_wall(dir), ref_runs)
  T.ok("resumed store " .. i .. ": curves.csv identical", slurp(dir .. "/curves.csv") == ref_curves)
  T.ok("resumed store " .. i .. ": no temp file left", no_tmp_left(dir))
end
-- kill -9 from run 60: runs 1..58 were handed out before it and at most one other run is in
-- flight at -j 2, so the store holds 58 or 59 finished runs, and a temp file maybe.
do
  local dir = tmp .. "/killed_at_60"
  sh(string.format("GG_TEST_SIGNAL_AT=60 GG_TEST_SIGNAL=KILL %s run -q -j 2 --out %s %s >/dev/null 2>&1", GGLAB,
    dir, exp))
  sh("sleep 0.1")  -- workers die with the parent (PDEATHSIG); let them go
  local done = finished(dir)
  T.ok("the kill landed mid-sweep (some, not all, runs were done: " .. done .. ")", done >= 58 and done < 120)
  T.eq("kill -9 from run 60, then --resume", gglab("run -q -j 2 --resume --out " .. dir .. " " .. exp), 0)
  T.eq("resumed store (killed at run 60): runs.csv identical", runs_without_wall(dir), ref_runs)
  T.ok("resumed store (killed at run 60): curves.csv identical", slurp(dir .. "/curves.csv") == ref_curves)
  T.ok("resumed store (killed at run 60): no temp file left", no_tmp_left(dir))
end

-- SIGINT (sent by run 40 to the parent): status 130, consistent partial store, --resume completes.
do
  local dir = tmp .. "/sigint"
  local code = sh(string.format("GG_TEST_SIGNAL_AT=40 GG_TEST_SIGNAL=INT %s run -q -j 2 --out %s %s >/dev/null 2>&1",
    GGLAB, dir, exp))
  T.eq("SIGINT: exit status 130", code, 130)
  T.ok("SIGINT: manifest says incomplete", (slurp(dir .. "/manifest.json") or ""):match('"complete": false') ~= nil)
  T.eq("SIGINT then --resume", gglab("run -q --resume --out " .. dir .. " " .. exp), 0)
  T.eq("SIGINT + resume: runs.csv identical", runs_without_wall(dir), ref_runs)
end

-- Failure isolation: each broken run fails with its reason, the others complete. The
-- hanging run needs a timeout; the out-of-memory run gets a sweep of its own without one
-- that could fire first on a slow machine (600 s is only a backstop against a hang).
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
-- The runs of a store by mode -> {status, error, wall_s}.
local function by_mode(dir)
  local header, rows = gg.csv.read(dir .. "/runs.csv")
  local col = {}
  for i, n in ipairs(header or {}) do col[n] = i end
  local by = {}
  for _, r in ipairs(rows or {}) do
    by[r[col.mode]] = { status = r[col.status], error = r[col.error], wall_s = tonumber(r[col.wall_s]) }
  end
  return by
end
local code = gglab("run -q -j 2 --timeout 3 --set mode=ok1,segv,raise,hang,ok2 " .. (sanitized and "" or "--memory 256M ")
  .. "--out " .. tmp .. "/bad " .. bad)
-- Every point gets a result; the failed ones make the exit status 3 (docs/cli.md).
T.eq("broken sweep completes, exit 3", code, 3)
local by = by_mode(tmp .. "/bad")
T.eq("ok runs completed", { by.ok1 and by.ok1.status, by.ok2 and by.ok2.status }, { "ok", "ok" })
-- (ASan catches the SIGSEGV itself and exits: there the reason is its exit status.)
T.ok("segfault recorded", by.segv and by.segv.status == "failed" and
  (by.segv.error:match("SIGSEGV") ~= nil or (sanitized and by.segv.error:match("^exit") ~= nil)))
T.ok("error recorded", by.raise and by.raise.status == "failed" and by.raise.error:match("deliberate") ~= nil)
T.ok("timeout recorded", by.hang and by.hang.status == "failed" and by.hang.error:match("timeout") ~= nil)
if not sanitized then
  code = gglab("run -q -j 2 --timeout 600 --memory 256M --set mode=ok1,oom,ok2 --out " .. tmp .. "/oom " .. bad)
  T.eq("out-of-memory sweep completes, exit 3", code, 3)
  by = by_mode(tmp .. "/oom")
  T.ok("out of memory recorded", by.oom and by.oom.status == "failed" and by.oom.error:match("memory") ~= nil)
  T.ok("out of memory is not a timeout", by.oom and not by.oom.error:match("timeout"))
  T.eq("the other runs under the cap completed", { by.ok1 and by.ok1.status, by.ok2 and by.ok2.status }, { "ok", "ok" })
  print(string.format("the out-of-memory run failed after %s s (information, not asserted)",
    tostring(by.oom and by.oom.wall_s)))
end

os.execute("rm -rf '" .. tmp .. "'")
T.done()
