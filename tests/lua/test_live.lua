--[[ tests/lua/test_live.lua — a sweep seen while it runs (issue 20, "Live progress of each
  run" and "Stuck runs are visible"): curve rows reach runs/<id>.csv.tmp while the run goes
  (the writer's flush), each run's printed output is kept in runs/<id>.log, the progress
  line names a run that runs far longer than the others, and a run going on forever is
  stopped by the automatic timeout.

  No check depends on the machine's speed: a run that must be "still going" waits for a
  file the test creates (or for the parent's progress text), and the only time limits are
  the 60 s after which a wait gives up, so that a broken build fails instead of hanging. ]]

local T = require "check"
local gg = require "gglab"
local pool = require "gglab.engine.pool"
local runner = require "gglab.engine.runner"
local merge = require "gglab.engine.merge"
local store = require "gglab.engine.store"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local GIVE_UP = 60  -- seconds: only so that a broken build fails instead of hanging

local base = T.tmpdir()

local function sleep(seconds)
  gg.proc.poll({}, math.floor(seconds * 1000))
end

-- wait_for(fn) -> fn()'s first truthy result, polling; nil after GIVE_UP seconds.
local function wait_for(fn)
  local t0 = gg.clock()
  while gg.clock() - t0 < GIVE_UP do
    local v = fn()
    if v then return v end
    sleep(0.02)
  end
  return nil
end

local function sink(on_write)
  local buf = {}
  return {
    write = function(self, ...)
      for _, s in ipairs { ... } do
        buf[#buf + 1] = tostring(s)
        if on_write then on_write(tostring(s)) end
      end
      return self
    end,
    text = function() return table.concat(buf) end,
  }
end

local function touch(path) T.write(path, "") end

-- section(name, fn): runs one part of the suite; an error in it (e.g. a function an older
-- gglab lacks) is one failure, and the other parts still run.
local function section(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then print(err) end
  T.ok(name .. ": runs to the end", ok)
end

-- runs.csv as a list of tables column -> text, and by the value of column key
local function rows_by(dir, key)
  local header, rows = assert(gg.csv.read(dir .. "/runs.csv"))
  local by = {}
  for _, row in ipairs(rows) do
    local r = {}
    for j, name in ipairs(header) do r[name] = row[j] end
    by[r[key]] = r
  end
  return by
end

-- ---- the CSV writer's flush ----

section("the CSV writer's flush", function()
  local path = base .. "/flush.csv"
  local w = assert(gg.csv.writer(path))
  w:row { "a", "b" }
  w:row { 1, 2 }
  T.eq("before flush: the rows are still in the writer's buffer", T.read(path), "")
  T.eq("flush -> true", w:flush(), true)
  T.eq("after flush another reader sees the rows", T.read(path), "a,b\n1,2\n")
  w:row { 3, 4 }
  T.ok("close", w:close())
  T.eq("close writes the rest", T.read(path), "a,b\n1,2\n3,4\n")
  T.raises("flush of a closed writer", function() w:flush() end, "closed gglab.CsvWriter")

  -- timed flushes: the first row at once, then a row flush_every seconds after the last flush
  local slow = assert(gg.csv.writer(path, 1000))
  slow:row { "a", "b" }
  slow:row { 1, 2 }
  T.eq("flush_every: the first row reaches the file at once", T.read(path), "a,b\n")
  T.ok("close", slow:close())
  local fast = assert(gg.csv.writer(path, 0.001))
  fast:row { "a", "b" }
  sleep(0.05)
  fast:row { 1, 2 }
  T.eq("flush_every: a row written after flush_every seconds flushes", T.read(path), "a,b\n1,2\n")
  T.ok("close", fast:close())
  T.raises("flush_every < 0", function() gg.csv.writer(path, -1) end,
    "flush_every must be a number of seconds >= 0")
end)

-- ---- the store flushes the first row at once, then at most once a second ----

section("the store flushes the first row at once, then at most once a second", function()
  local dir = base .. "/store"
  local st = assert(store.open(dir, { fresh = true }))
  local files = st:begin_run("00000000000000aa")
  local tmp = dir .. "/runs/00000000000000aa.csv.tmp"
  local t0 = gg.clock()
  files:curve(1, nil, "loss", 0.5)
  T.eq("first row reaches the file at once", T.read(tmp),
    "run_id,step,epoch,metric,value\n00000000000000aa,1,,loss,0.5\n")
  files:curve(2, nil, "loss", 0.25)
  -- Not flushed per row: checked only when the two rows were logged within the second.
  if gg.clock() - t0 < 0.9 then
    T.eq("a second row within the second stays buffered", select(2, T.read(tmp):gsub("\n", "")), 2)
  end
  files:finish({ run_id = "00000000000000aa", params = {}, status = "ok", steps = 2, wall_s = 0 })
  T.eq("finish commits every row", T.read(dir .. "/runs/00000000000000aa.csv"),
    "run_id,step,epoch,metric,value\n00000000000000aa,1,,loss,0.5\n00000000000000aa,2,,loss,0.25\n")
end)

-- ---- a run watched while it goes (gglab run in the background, tail of its .csv.tmp) ----

section("a run watched while it goes (gglab run in the background, tail of its .csv.tmp)", function()
  local dir = base .. "/watch"
  local go = base .. "/watch.go"
  local script = base .. "/watch.lua"
  T.write(script, [[
local gg = require "gglab"
return gg.experiment {
  name = "watch", seed = 1,
  sweep = gg.grid { lr = { 0.5 } },
  run = function(p, run)
    run:log("loss", 1.5, 1, 1)
    gg.proc.poll({}, 1100)                 -- quiet for more than a second
    run:log("loss", 0.75, 2, 1)
    local t0 = gg.clock()
    while not gg.fs.exists(os.getenv("LIVE_GO")) and gg.clock() - t0 < 60 do gg.proc.poll({}, 20) end
    run:log("loss", 0.5, 3, 1)
  end,
}
]])
  os.execute(string.format(
    "unset LD_PRELOAD; (LIVE_GO=%s %s run %s -q -j 1 --out %s > %s 2>&1; echo $? > %s) &",
    T.quote(go), T.quote(GGLAB), T.quote(script), T.quote(dir), T.quote(base .. "/watch.out"),
    T.quote(base .. "/watch.rc")))
  local want = "run_id,step,epoch,metric,value\n%x+,1,1,loss,1.5\n%x+,2,1,loss,0.75\n$"
  local seen = wait_for(function()
    for _, name in ipairs(gg.fs.listdir(dir .. "/runs") or {}) do
      if name:match("%.csv%.tmp$") then
        local text = T.slurp(dir .. "/runs/" .. name)
        if text and text:match(want) then return text end
      end
    end
  end)
  T.ok("while the run waits, its .csv.tmp already holds the rows it logged", seen ~= nil)
  T.ok("... and the run is not finished (no runs.csv yet)", not gg.fs.exists(dir .. "/runs.csv"))
  touch(go)
  local rc = wait_for(function() return T.slurp(base .. "/watch.rc") end)
  T.eq("the watched sweep then ends ok", rc, "0\n")
  local _, n = T.read(dir .. "/curves.csv"):gsub("\n", "")
  T.eq("all three rows in curves.csv", n, 4)
end)

-- ---- per-run logs ----

local function log_exp(name, modes)
  return gg.experiment {
    name = name, seed = 3,
    sweep = gg.grid { mode = modes },
    run = function(p, run)
      if p.mode == "print" or p.mode == "printfail" then
        print("hello from " .. p.mode)
        io.stderr:write("to stderr\n")
      end
      if p.mode == "printfail" or p.mode == "fail" then error("boom") end
      run:log("loss", 0.5, 1)
    end,
  }
end

section("per-run logs", function()
  local dir = base .. "/logs"
  local err = sink()
  local res = assert(runner.execute(log_exp("logs", { "quiet", "print", "printfail", "fail" }),
    { out = dir, jobs = 2, verbose = true, tty = false, stderr = err }))
  T.eq("log sweep counts", res.counts, { ok = 2, diverged = 0, failed = 2 })
  local by = rows_by(dir, "mode")
  local runs = dir .. "/runs/"
  T.ok("a run that printed nothing has no log", not gg.fs.exists(runs .. by.quiet.run_id .. ".log"))
  T.ok("nor a failed one", not gg.fs.exists(runs .. by.fail.run_id .. ".log"))
  T.eq("a run's print and stderr output is in its log", T.slurp(runs .. by.print.run_id .. ".log"),
    "hello from print\nto stderr\n")
  T.eq("an ok run's row names no log", by.print.error, "")
  T.eq("a failed run that printed names its log in runs.csv",
    by.printfail.error:match(" %(see (runs/%x+%.log)%)$"), "runs/" .. by.printfail.run_id .. ".log")
  T.eq("its log", T.slurp(runs .. by.printfail.run_id .. ".log"), "hello from printfail\nto stderr\n")
  T.ok("a failed run that printed nothing names none", not by.fail.error:find("see runs/", 1, true))
  T.ok("-v shows each run's output below its line",
    err.text():find("mode=print  loss 0.5  [%d.]+s\n  | hello from print\n  | to stderr\n") ~= nil)

  -- runs.csv byte-identical to an in-process (-j 0) sweep for runs that printed nothing
  local quiet_pool, quiet_inline = base .. "/quiet_pool", base .. "/quiet_inline"
  assert(runner.execute(log_exp("q", { "quiet", "fail" }), { out = quiet_pool, jobs = 2, quiet = true }))
  assert(runner.execute(log_exp("q", { "quiet", "fail" }), { out = quiet_inline, jobs = 0, quiet = true }))
  T.eq("runs.csv of runs that print nothing: the same with and without worker logs",
    T.runs_without_wall(quiet_pool), T.runs_without_wall(quiet_inline))

  -- merge copies the logs with the other run files
  local shards = { base .. "/shard1", base .. "/shard2" }
  for k = 1, 2 do
    assert(runner.run(log_exp("m", { "print", "printfail", "quiet" }),
      { out = shards[k], jobs = 2, quiet = true, shard = { k = k, n = 2 }, stdout = sink() }))
  end
  local merged = base .. "/merged"
  assert(merge.merge(merged, shards, {}))
  local mby = rows_by(merged, "mode")
  T.eq("merge keeps the logs", { T.slurp(merged .. "/runs/" .. mby.print.run_id .. ".log"),
    T.slurp(merged .. "/runs/" .. mby.printfail.run_id .. ".log") },
    { "hello from print\nto stderr\n", "hello from printfail\nto stderr\n" })

  -- --rerun-failed in this process (-j 0): output is not captured there, so the failed
  -- run's old log goes and its row names none
  local res2 = assert(runner.execute(log_exp("logs", { "quiet", "print", "printfail", "fail" }),
    { out = dir, jobs = 0, rerun_failed = true, quiet = true, stdout = sink() }))
  T.eq("rerun: two reran", #res2.records - res2.skipped, 2)
  by = rows_by(dir, "mode")
  T.ok("rerun in-process: the old log of the rerun run is gone",
    not gg.fs.exists(runs .. by.printfail.run_id .. ".log"))
  T.eq("... and its row names no log", by.printfail.error:find("see runs/", 1, true), nil)
  T.eq("a kept run keeps its log", T.slurp(runs .. by.print.run_id .. ".log"),
    "hello from print\nto stderr\n")

  -- resume: the log of a run that never finished goes; a fresh run removes every log
  local orphan = runs .. "0123456789abcdef.log"
  T.write(orphan, "partial output\n")
  assert(store.open(dir, {}))
  T.ok("resume drops the log of an unfinished run", not gg.fs.exists(orphan))
  T.ok("... and keeps a finished run's", gg.fs.exists(runs .. by.print.run_id .. ".log"))
  assert(store.open(dir, { fresh = true }))
  T.ok("a fresh run removes the old logs", not gg.fs.exists(runs .. by.print.run_id .. ".log"))
end)

-- ---- the pool tells on_tick when each active task started; timeout as a function ----

section("the pool tells on_tick when each active task started; timeout as a function", function()
  local before = gg.clock()
  local seen_since, dispatched = {}, nil
  local both = base .. "/both_seen"
  local stats = pool.run({ { id = "a" }, { id = "b" } }, {
    jobs = 2,
    work = function() wait_for(function() return gg.fs.exists(both) end) end,  -- until a tick saw both
    on_tick = function(running, _, active, since)
      if running == 2 and not dispatched then
        dispatched = gg.clock()
        for k, t in ipairs(active) do seen_since[t.id] = since[k] end
        touch(both)
      end
    end,
  })
  T.eq("both done", stats.done, 2)
  T.ok("since: dispatch times, between pool.run's start and the tick that saw them",
    seen_since.a and seen_since.b and seen_since.a >= before and seen_since.b >= before
    and seen_since.a <= dispatched and seen_since.b <= dispatched)

  local reasons = {}
  pool.run({ { id = "x" } }, {
    jobs = 1,
    timeout = function() return 0.2, "stopped by the test's limit" end,
    work = function() while true do sleep(0.05) end end,
    on_done = function(_, outcome) reasons[#reasons + 1] = outcome.reason end,
  })
  T.eq("a timeout function's limit and reason", reasons, { "stopped by the test's limit" })
  T.raises("a timeout function returning a bad limit", function()
    pool.run({ { id = "x" } },
      { jobs = 1, timeout = function() return -1 end, work = function() sleep(0.5) end })
  end, "gglab.pool.run: timeout%(%) must return a positive number of seconds or nil, got %-1")
  T.raises("timeout neither a number nor a function", function()
    pool.run({ { id = "x" } }, { jobs = 1, timeout = "5", work = print })
  end, "timeout must be a positive number of seconds, a function or nil, got '5'")
end)

-- ---- the progress line names the longest-running run ----

section("the progress line names the longest-running run", function()
  local p = runner.new_progress(sink(), 10, false, false)
  p.points = { { lr = 0.1, seed = 2 } }
  p.running, p.active, p.since = 1, { { index = 1, id = "1a2b3c4d5e6f7a8b" } }, { gg.clock() - 100 }
  T.ok("no run finished yet, one running for 100 s: named",
    p:line():match("; longest: 1a2b3c4d5e6f7a8b %(lr=0%.1 seed=2%) running 10%ds$") ~= nil)
  for i = 1, 5 do p:record({ status = "ok", wall_s = i, index = i, params = {} }) end
  p.running = 1  -- (a finished run no longer runs: record counts running down)
  T.eq("median of the finished runs", p:median(), 3)
  T.ok("100 s against a median of 3 s: named with the median",
    p:line():match("; longest: 1a2b3c4d5e6f7a8b %(lr=0%.1 seed=2%) running 10%ds, median run 3s$") ~= nil)
  p.since = { gg.clock() + 1000 }
  T.ok("a run within the typical time is not named", not p:line():find("longest", 1, true))
  p.running, p.active, p.since = 2, { { index = 1, id = "1a2b3c4d5e6f7a8b" } }, { gg.clock() - 100 }
  p:record({ run_id = "1a2b3c4d5e6f7a8b", status = "ok", wall_s = 3, index = 1, params = {} })
  T.ok("a run that finished since the last tick is not named", not p:line():find("longest", 1, true))
  local stats = require "gglab.lib.stats"
  local scratch = { 9, 9, 9, 9, 9 }
  T.eq("stats.median with a scratch table", { stats.median({ 2, 1 }, scratch), #scratch }, { 1.5, 2 })
  local window = runner.new_progress(sink(), 3000, true, false)
  for i = 1, 2000 do window:record({ status = "ok", wall_s = i <= 999 and 1000 or 1, index = i, params = {} }) end
  T.eq("the median is over the last 1001 runs", window:median(), 1)
  local quiet = runner.new_progress(sink(), 10, true, false)
  for i = 1, 5 do quiet:record({ status = "ok", wall_s = i, index = i, params = {} }) end
  quiet:record({ status = "failed", wall_s = 1000, index = 6, params = {} })
  T.eq("failed runs do not count for the median", quiet:median(), 3)

  -- in a real sweep: the slow run waits until the parent's progress has named it
  local saved = runner.STUCK
  runner.STUCK = { factor = 1, floor = 0.05, no_median = 0.05 }
  local named = base .. "/named"
  local err = sink(function(s) if s:find("longest:", 1, true) then touch(named) end end)
  local exp = gg.experiment {
    name = "stuck", seed = 1,
    sweep = gg.grid { mode = { "fast", "slow", "fast2" } },
    run = function(pt)
      if pt.mode == "slow" then
        local t0 = gg.clock()
        while not gg.fs.exists(named) and gg.clock() - t0 < GIVE_UP do sleep(0.02) end
      end
    end,
  }
  local res = assert(runner.execute(exp, { out = base .. "/stuck", jobs = 2, tty = true, stderr = err,
    timeout = false }))
  runner.STUCK = saved
  T.eq("stuck sweep ends ok", res.counts.ok, 3)
  T.ok("the bar named the slow run and how long it had run",
    err.text():match("longest: %x+ %(mode=slow%) running [%d.e+-]+s") ~= nil)
end)

-- ---- the automatic timeout ----

section("the automatic timeout", function()
  local function exp(name)
    return gg.experiment {
      name = name, seed = 1,
      sweep = gg.grid { mode = { "a", "b", "c", "d", "slow" } },
      run = function(pt, run)
        if pt.mode == "slow" then
          local t0 = gg.clock()  -- "forever": until GIVE_UP, so that a build without the limit fails
          if name == "forever" then while gg.clock() - t0 < GIVE_UP do sleep(0.05) end end
          sleep(6.0)  -- longer than the automatic limit below (5 s), whatever the load
        end
        run:log("loss", 0.5, 1)
      end,
    }
  end
  -- A floor of 5 s: the instant runs never reach it, even on a busy machine.
  local auto = { factor = 1, floor = 5, min_runs = 3 }
  local res = assert(runner.execute(exp("forever"), { out = base .. "/forever", jobs = 2, quiet = true,
    auto_timeout = auto }))
  T.eq("a run looping forever ends the sweep anyway, failed", res.counts,
    { ok = 4, diverged = 0, failed = 1 })
  local by = rows_by(base .. "/forever", "mode")
  T.ok("its reason names the automatic timeout and how to change it", by.slow.error:match(
    "^automatic timeout after [%d.e+-]+s %(1 x the median run time [%d.e+-]+s, at least 5s; "
    .. "%-%-timeout SECONDS to set one, 0 for none%)$") ~= nil)
  T.ok("its wall_s is at least the floor", tonumber(by.slow.wall_s) >= 5)

  local slow = assert(runner.execute(exp("slow"), { out = base .. "/slow", jobs = 2, quiet = true,
    auto_timeout = auto }))
  T.eq("a run slower than the automatic limit is stopped", slow.counts.failed, 1)
  local off = assert(runner.execute(exp("slow"), { out = base .. "/off", jobs = 2, quiet = true,
    auto_timeout = auto, timeout = false }))
  T.eq("timeout = false (--timeout 0): no automatic limit", off.counts, { ok = 5, diverged = 0, failed = 0 })
  local fixed = assert(runner.execute(exp("slow"), { out = base .. "/fixed", jobs = 2, quiet = true,
    auto_timeout = auto, timeout = 600 }))
  T.eq("a --timeout replaces the automatic limit", fixed.counts, { ok = 5, diverged = 0, failed = 0 })
  local few = assert(runner.execute(exp("slow"), { out = base .. "/few", jobs = 2, quiet = true,
    auto_timeout = { factor = 1, floor = 5, min_runs = 5 } }))
  T.eq("no automatic limit before min_runs runs have finished", few.counts.failed, 0)
  T.eq("the defaults", runner.AUTO_TIMEOUT, { factor = 20, floor = 60, min_runs = 5 })
end)

T.rmtree(base)
T.done()
