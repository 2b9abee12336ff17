-- tests/lua/test_runner.lua — runner, run context, store layout, manifest, json.

local T = require "check"
local read_all = T.read
local gg = require "gglab"
local sweep = require "gglab.sweep"
local experiment = require "gglab.experiment"
local runner = require "gglab.engine.runner"
local store = require "gglab.engine.store"
local json = require "gglab.lib.json"

-- ---- helpers ----

local base = T.tmpdir()

local function sink()
  local buf = {}
  return {
    write = function(self, ...)
      for _, s in ipairs { ... } do buf[#buf + 1] = tostring(s) end
      return self
    end,
    text = function() return table.concat(buf) end,
  }
end

-- runs.csv rows as tables column name -> string
local function read_records(path)
  local header, rows = assert(gg.csv.read(path))
  local out = {}
  for i, row in ipairs(rows) do
    out[i] = {}
    for j, name in ipairs(header) do out[i][name] = row[j] end
  end
  return header, out
end

-- ---- a sweep with every outcome ----

local seen_runs = {}

local function run_fn(p, run)
  seen_runs[#seen_runs + 1] = { id = run.id, seed = run.seed, index = run.index, params = run.params, p = p }
  p.lr = -1 -- must not leak into the recorded point
  local lr = run.params.lr
  if p.mode == "boom" then error("boom at lr " .. gg.fmt_number(run.params.lr)) end
  if p.mode == "badlog" then run:log("loss", 1) end
  for step = 1, 4 do
    local loss = lr / step
    if p.mode == "nan" and step == 3 then loss = 0 / 0 end
    run:log("loss", loss, step, (step - 1) // 2 + 1)
    if p.mode == "manual" and step == 2 then run:diverged(2, "grad norm exploded") end
  end
  run:log("val_loss", 0.5, 4)
end

local exp = experiment.experiment {
  name = "demo",
  description = "every outcome",
  sweep = sweep.grid { lr = { 0.01, 0.1 } } + sweep.grid { lr = 1, mode = "nan" }
    + sweep.grid { lr = 2, mode = "boom" } + sweep.grid { lr = 3, mode = "manual" }
    + sweep.grid { lr = 4, mode = "badlog" },
  run = run_fn,
}

local out = base .. "/demo"
local err_stream, out_stream = sink(), sink()
local result = runner.run(exp, { out = out, stderr = err_stream, stdout = out_stream, verbose = true,
  tty = false, jobs = 0,
  script = "tests/lua/test_runner.lua", argv = { "gglab", "run", "x.lua" } })

T.eq("counts", result.counts, { ok = 2, diverged = 2, failed = 2 })
T.eq("result points", result.points, 6)

-- ---- the run context ----

T.eq("run fn called per point", #seen_runs, 6)
T.eq("run.index", seen_runs[3].index, 3)
T.eq("run.id", seen_runs[3].id, sweep.run_id { lr = 1, mode = "nan" })
T.eq("run.seed", seen_runs[3].seed, sweep.run_seed(0, { lr = 1, mode = "nan" }))
T.eq("run.params is the point", seen_runs[1].params, { lr = 0.01 })
T.ok("run.params is not p", seen_runs[1].params ~= seen_runs[1].p)

-- ---- runs.csv ----

local header, recs = read_records(out .. "/runs.csv")
T.eq("runs.csv columns", header, { "run_id", "lr", "mode", "run_seed", "status", "final_loss", "min_loss",
  "final_val_loss", "min_val_loss", "best_epoch", "best_step", "steps", "diverged_step", "error", "wall_s" })
T.eq("runs.csv one row per point", #recs, 6)
T.eq("runs.csv sweep order", { recs[1].lr, recs[2].lr, recs[3].lr, recs[6].lr }, { "0.01", "0.1", "1", "4" })

local r1 = recs[1]
T.eq("ok run id", r1.run_id, sweep.run_id { lr = 0.01 })
T.eq("ok run point not mutated by run fn", r1.lr, "0.01")
T.eq("ok missing param empty", r1.mode, "")
T.eq("ok run_seed", r1.run_seed, gg.fmt_number(sweep.run_seed(0, { lr = 0.01 })))
T.eq("ok fields", { r1.status, r1.final_loss, r1.min_loss, r1.final_val_loss, r1.steps, r1.diverged_step, r1.error },
  { "ok", "0.0025", "0.0025", "0.5", "4", "", "" })
T.ok("ok wall_s is a number", tonumber(r1.wall_s) and tonumber(r1.wall_s) >= 0)

local r3 = recs[3]
T.eq("nan run diverged", { r3.status, r3.final_loss, r3.min_loss, r3.final_val_loss, r3.steps, r3.diverged_step, r3.error },
  { "diverged", "nan", "0.5", "", "3", "3", "loss is nan" })

local r4 = recs[4]
T.eq("boom run failed", { r4.status, r4.final_loss, r4.steps, r4.diverged_step }, { "failed", "", "0", "" })
T.ok("boom error first line", r4.error:match("test_runner%.lua:%d+: boom at lr 2$"))

local r5 = recs[5]
T.eq("run:diverged marks diverged", { r5.status, r5.diverged_step, r5.steps, r5.final_loss }, { "diverged", "2", "2", "1.5" })

local r6 = recs[6]
T.eq("bad run:log fails the run", r6.status, "failed")
T.ok("bad run:log message names the parameter",
  r6.error:match("test_runner%.lua:%d+: run:log: step must be an integer, got nil$"))

-- ---- curves.csv ----

local curves = read_all(out .. "/curves.csv")
T.eq("curves header", curves:match("^[^\n]*"), "run_id,step,epoch,metric,value")
local cheader, crows = gg.csv.read(out .. "/curves.csv")
T.eq("curves header fields", cheader, require("gglab.lib.schema").CURVE_COLUMNS)
T.eq("curves row count", #crows, 5 + 5 + 3 + 0 + 2 + 0)
T.eq("curves first row", crows[1], { r1.run_id, "1", "1", "loss", "0.01" })
T.eq("curves epoch empty when nil", crows[5], { r1.run_id, "4", "", "val_loss", "0.5" })
T.eq("curves grouped by run", { crows[6][1], crows[11][1], crows[13][1], crows[14][1] },
  { recs[2].run_id, r3.run_id, r3.run_id, r5.run_id })
T.eq("curves nan written", crows[13][5], "nan")

-- ---- per-run files ----

do
  local names = assert(gg.fs.listdir(out .. "/runs"))
  local tmp = 0
  for _, n in ipairs(names) do if n:match("%.tmp$") then tmp = tmp + 1 end end
  T.eq("no tmp files left", tmp, 0)
  T.eq("per-run file count", #names, 6 * 2 + 2)
  for _, r in ipairs(recs) do
    T.ok("curve file " .. r.run_id, gg.fs.exists(out .. "/runs/" .. r.run_id .. ".csv"))
    T.ok("row file " .. r.run_id, gg.fs.exists(out .. "/runs/" .. r.run_id .. ".row.csv"))
    T.eq("err file iff failed " .. r.run_id, gg.fs.exists(out .. "/runs/" .. r.run_id .. ".err"), r.status == "failed")
  end
  local err_text = read_all(out .. "/runs/" .. r4.run_id .. ".err")
  T.ok("err file has traceback", err_text:match("boom at lr 2") and err_text:match("stack traceback"))
  local rh, rrows = gg.csv.read(out .. "/runs/" .. r1.run_id .. ".row.csv")
  T.eq("row file has the point's own columns", rh, { "run_id", "lr", "run_seed", "status", "final_loss", "min_loss",
    "final_val_loss", "min_val_loss", "best_epoch", "best_step", "steps", "diverged_step", "error", "wall_s",
    "script_sha256", "data_files", "gglab_build", "params_read" })
  T.eq("row file one row", #rrows, 1)
end

-- ---- manifest ----

do
  local m = read_all(out .. "/manifest.json")
  T.ok("manifest name", m:match('"name": "demo"'))
  T.ok("manifest description", m:match('"description": "every outcome"'))
  T.ok("manifest points", m:match('"points": 6'))
  T.ok("manifest counts", m:match('"counts": {\n    "diverged": 2,\n    "failed": 2,\n    "ok": 2\n  }'))
  T.ok("manifest argv", m:match('"argv": %[\n    "gglab",\n    "run",\n    "x.lua"\n  %]'))
  T.ok("manifest script", m:match('"script": "tests/lua/test_runner.lua"'))
  T.ok("manifest sha256", m:match('"script_sha256": "' .. gg.sha256_file("tests/lua/test_runner.lua") .. '"'))
  T.ok("manifest git commit field", m:match('"git_commit": null') or m:match('"git_commit": "%x+"'))
  T.ok("manifest version", m:match('"gglab_version": "' .. gg.version:gsub("%p", "%%%0") .. '"'))
  T.ok("manifest date", m:match('"date": "%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ"'))
  T.ok("manifest host", m:match('"host": "[^"]+"'))
  T.ok("manifest files", m:match('"runs": "runs.csv"') and m:match('"curves": "curves.csv"'))
end

-- ---- progress and summary ----

do
  local lines = {}
  for line in err_stream:text():gmatch("[^\n]+") do
    if line:match("^%[") then lines[#lines + 1] = line end  -- run lines (verbose); the rest is status
  end
  T.eq("one progress line per run", #lines, 6)
  T.ok("progress ok line", lines[1]:match("^%[1/6%] ok       lr=0%.01  loss 0%.0025  %d+%.%d%ds$"))
  T.ok("progress diverged line", lines[3]:match("^%[3/6%] diverged lr=1 mode=\"nan\"  loss nan  .*diverged at step 3: loss is nan$"))
  T.ok("progress failed line", lines[4]:match("^%[4/6%] failed   lr=2 mode=boom  loss %-  .*boom at lr 2$"))
  local s = out_stream:text()
  T.ok("summary counts", s:match("6 runs of 'demo' in [%d.]+s: 2 ok, 2 diverged, 2 failed%."))
  T.ok("summary lists failed run", s:match("failed   " .. r4.run_id .. " lr=2 mode=boom"))
  T.ok("summary names files", s:match("Results in " .. out:gsub("%p", "%%%0") .. "/: runs%.csv, curves%.csv, manifest%.json%."))
end

-- ---- quiet, rerun, stale files ----

do
  local stale = out .. "/runs/0123456789abcdef.row.csv"
  local keep = out .. "/runs/notes.txt"
  for _, path in ipairs { stale, keep, out .. "/runs/0123456789abcdef.csv.tmp" } do
    local f = assert(io.open(path, "w"))
    f:write("x\n")
    f:close()
  end
  local small = experiment.experiment { name = "demo", sweep = { lr = { 0.5 } },
    run = function(_, run) run:log("loss", 1.0, 1) end }
  local e2 = sink()
  local res = runner.run(small, { out = out, quiet = true, stderr = e2, stdout = sink() })
  T.eq("rerun counts", res.counts, { ok = 1, diverged = 0, failed = 0 })
  T.eq("quiet prints no progress", e2:text(), "")
  -- A terminal gets a bar redrawn in place; a pipe gets plain status lines.
  local e3 = sink()
  runner.run(small, { out = out .. "_tty", tty = true, jobs = 0, stderr = e3, stdout = sink() })
  T.ok("tty: bar redrawn with \\r", e3:text():match("\r%[#+%] 1/1 done, 0 running, 0 failed, 0 diverged, [%d.]+s elapsed") ~= nil)
  T.ok("tty: ends with a newline", e3:text():sub(-1) == "\n")
  local e4 = sink()
  runner.run(small, { out = out .. "_pipe", tty = false, jobs = 0, stderr = e4, stdout = sink() })
  T.ok("pipe: plain status line", e4:text():match("^1/1 done, 0 running, 0 failed, 0 diverged, [%d.]+s elapsed") ~= nil)
  T.ok("pipe: no carriage return", not e4:text():find("\r", 1, true))
  T.ok("rerun removed stale row file", not gg.fs.exists(stale))
  T.ok("rerun removed stale tmp file", not gg.fs.exists(out .. "/runs/0123456789abcdef.csv.tmp"))
  T.ok("rerun removed previous run files", not gg.fs.exists(out .. "/runs/" .. r1.run_id .. ".csv"))
  T.ok("rerun kept unrelated file", gg.fs.exists(keep))
  local _, rows = read_records(out .. "/runs.csv")
  T.eq("rerun runs.csv rows", #rows, 1)
  T.eq("rerun runs.csv has no stale columns", (gg.csv.read(out .. "/runs.csv"))[3], "run_seed")
end

-- ---- output path errors ----

do
  local file = base .. "/a_file"
  local f = assert(io.open(file, "w"))
  f:close()
  local res, msg = runner.run(exp, { out = file, stdout = sink(), stderr = sink() })
  T.eq("output path is a file", res, nil)
  T.eq("output path message", msg, "output path '" .. file .. "' exists and is not a directory")
  res, msg = runner.run(exp, { out = file .. "/sub", stdout = sink(), stderr = sink() })
  T.ok("uncreatable output path", res == nil and msg:match("^cannot create output directory '"))
end

-- ---- experiment validation ----

local function run_nothing() end
T.raises("experiment unknown key", function() experiment.experiment { name = "x", sweep = { a = 1 }, run = run_nothing, lr = 1 } end,
  "gg.experiment: unknown option 'lr' %(allowed: claims, description, flush_denormal, long, name, run, seed, sweep%)")
T.raises("experiment bad name", function() experiment.experiment { name = "../x", sweep = { a = 1 }, run = run_nothing } end,
  "gg.experiment: name must be .*, got '../x'")
T.raises("experiment leading dot", function() experiment.experiment { name = ".x", sweep = { a = 1 }, run = run_nothing } end,
  "gg.experiment: name must be")
T.raises("experiment long name", function() experiment.experiment { name = ("a"):rep(65), sweep = { a = 1 }, run = run_nothing } end,
  "gg.experiment: name must be a string of at most 64")
T.raises("experiment run not function", function() experiment.experiment { name = "x", sweep = { a = 1 }, run = 3 } end,
  "gg.experiment: run must be a function, got 3")
T.raises("experiment empty sweep", function()
  experiment.experiment { name = "x", sweep = sweep.grid { a = 1 }:filter(function() return false end), run = run_nothing }
end, "gg.experiment: sweep must not be empty, got 0 points")
T.raises("experiment axes errors named", function() experiment.experiment { name = "x", sweep = { a = {} }, run = run_nothing } end,
  "test_runner%.lua:%d+: gg%.experiment: sweep: axis 'a' must be a value or a non%-empty list, got empty table")
T.raises("experiment reserved parameter", function() experiment.experiment { name = "x", sweep = { status = 1 }, run = run_nothing } end,
  "gg.experiment: sweep parameter 'status' clashes with a runs.csv column")
T.raises("experiment non-integer seed param", function() experiment.experiment { name = "x", sweep = { seed = 0.5 }, run = run_nothing } end,
  "gg.experiment: sweep parameter 'seed' must be an integer, got 0.5")
T.raises("experiment seed", function() experiment.experiment { name = "x", sweep = { a = 1 }, run = run_nothing, seed = "1" } end,
  "gg.experiment: seed must be an integer, got '1'")
T.ok("experiment marked", experiment.is_experiment(experiment.experiment { name = "x", sweep = { a = 1 }, run = run_nothing }))
T.ok("plain table is not an experiment", not experiment.is_experiment { name = "x" })

-- ---- execute, write_manifest, closing: the steps of run (gglab run's pipeline calls them) ----

do
  local small = experiment.experiment { name = "steps", sweep = { a = { 1, 2 } },
    run = function(p, run) run:log("loss", p.a, 1) end }
  local dir = base .. "/steps"
  local so = sink()
  local res = assert(runner.execute(small, { out = dir, quiet = true, jobs = 0, stdout = so,
    stderr = sink() }))
  T.eq("execute prints nothing on stdout", so:text(), "")
  T.eq("execute writes the combined files, not the manifest",
    { gg.fs.exists(dir .. "/runs.csv"), gg.fs.exists(dir .. "/manifest.json") }, { true, false })
  T.eq("execute: records in sweep order", { res.records[1].params.a, res.records[2].params.a, res.counts.ok },
    { 1, 2, 2 })
  T.eq("execute: the manifest's fields", { res.manifest.points, res.manifest.complete, res.manifest.claims },
    { 2, true, nil })
  runner.write_manifest(res, { { text = "a claim", holds = true, detail = "2 runs" } })
  local m = json.decode(read_all(dir .. "/manifest.json"))
  local claim = m.claims and m.claims[1] or {}
  T.eq("write_manifest with verdicts", { m.name, m.points, claim.text, claim.holds }, { "steps", 2, "a claim", true })
  T.eq("closing of a finished sweep", runner.closing(res), "")
  T.eq("closing of an interrupted one", runner.closing { interrupted = true, records = { 1 }, points = 2 },
    "Interrupted: 1 of 2 runs finished; run again with --resume to complete.\n")
end

-- ---- issue 20, bug 9: wall time of runs the parent fails, progress counts ----

do
  -- A run that hangs is killed at its timeout; its wall_s is the time from dispatch.
  local hang = experiment.experiment { name = "hang", sweep = { mode = { "ok", "hang" } },
    run = function(p, run)
      if p.mode == "hang" then while true do end end
      -- busy for a while, so the pool's tick sees it running before it finishes
      local t0 = gg.clock()
      while gg.clock() - t0 < 0.6 do end
      run:log("loss", 1.0, 1)
    end }
  local out, err = base .. "/hang", sink()
  local res = assert(runner.run(hang, { out = out, jobs = 2, timeout = 2, tty = true, stderr = err,
    stdout = sink() }))
  T.eq("hang: one ok, one failed", { res.counts.ok, res.counts.failed }, { 1, 1 })
  local _, rows = read_records(out .. "/runs.csv")
  local by = {}
  for _, row in ipairs(rows) do by[row.mode] = row end
  T.eq("timed-out run: failed with the timeout", by.hang.error, "timeout after 2s")
  T.ok("timed-out run: wall_s is the time from dispatch (>= the timeout), not 0",
    tonumber(by.hang.wall_s) >= 2)
  -- No frame of the progress bar counts a run both done and running.
  local bad = {}
  for line in err:text():gmatch("[^\r\n]+") do
    local done, total, running = line:match("(%d+)/(%d+) done, (%d+) running")
    if done and tonumber(done) + tonumber(running) > tonumber(total) then bad[#bad + 1] = line end
  end
  T.eq("progress: done + running <= total in every frame", bad, {})
  T.ok("progress: a frame with the hanging run still going", err:text():find("1/2 done, 1 running", 1, true) ~= nil)
  -- -v lines show parameters in their shortest round-trip form, as the CSVs do.
  T.eq("-v line: shortest round-trip numbers", runner.progress_line({ index = 3, status = "ok",
    params = { lr = 0.1, wd = 1 / 3, opt = "adam" }, final_loss = 0.5, wall_s = 0.25 }, 12),
    "[ 3/12] ok       lr=0.1 opt=adam wd=0.3333333333333333  loss 0.5  0.25s\n")
end

-- ---- run:_log_steps (gg.train's per-epoch logging) = one run:log per logged step ----

do
  -- values as float32 (as the C loop returns them); a NaN at position nan_at, if any
  local function losses(n, nan_at)
    local v = {}
    for k = 1, n do v[k] = string.unpack("f", string.pack("f", 1 / (k + 0.37))) end
    if nan_at then v[nan_at] = 0 / 0 end
    return v
  end
  -- the same rows through run:log, as gg.train's record() writes them
  local function one_by_one(run, metric, values, step, epoch, every)
    for k, v in ipairs(values) do
      local s = step + k - 1
      if s % every == 0 or k == #values or v ~= v then run:log(metric, v, s, epoch) end
    end
  end
  local cases = {
    { n = 7, every = 1 }, { n = 7, every = 3 }, { n = 8, every = 3, step = 5 }, { n = 6, every = 1, nan = 4 },
    { n = 9, every = 4, nan = 6 }, { n = 5, every = 2, metric = "batch_loss", nan = 5 },
    { n = 4, every = 1, metric = "val_acc", nan = 2 }, { n = 1, every = 5 }, { n = 0, every = 1 },
  }
  local function sweep_with(batch)
    return experiment.experiment { name = "log_steps", sweep = sweep.grid { c = gg.linspace(1, #cases, #cases) },
      run = function(p, run)
        local c = cases[p.c]
        local metric, step, epoch = c.metric or "loss", c.step or 1, p.c % 2 == 0 and 2 or nil
        run:_checkpointing()   -- the rows a checkpoint keeps come out the same too
        run:log("first", 0.25, 0)
        local values = losses(c.n, c.nan)
        if batch then run:_log_steps(metric, values, step, epoch, c.every)
        else one_by_one(run, metric, values, step, epoch, c.every) end
        run:summary { recorded = #run:_recorded_rows() }
      end }
  end
  local a = assert(runner.execute(sweep_with(true), { out = base .. "/ls_batch", jobs = 0, quiet = true }))
  local b = assert(runner.execute(sweep_with(false), { out = base .. "/ls_rows", jobs = 0, quiet = true }))
  T.eq("_log_steps: same curves.csv as run:log", read_all(base .. "/ls_batch/curves.csv"),
    read_all(base .. "/ls_rows/curves.csv"))
  local function strip(path)  -- runs.csv without wall_s
    return (read_all(path):gsub(",[^,\n]*\n", "\n"))
  end
  T.eq("_log_steps: same runs.csv as run:log (but wall_s)", strip(base .. "/ls_batch/runs.csv"),
    strip(base .. "/ls_rows/runs.csv"))
  T.eq("_log_steps: the diverged runs", { a.counts.diverged, a.counts.ok }, { 3, 6 })
  local id = sweep.run_id { c = 4 }   -- 6 losses, NaN at the 4th: stops there
  local rows = select(2, gg.csv.read(base .. "/ls_batch/runs/" .. id .. ".csv"))
  T.eq("_log_steps: the rows up to the NaN loss, none after", #rows, 1 + 4)
  T.eq("_log_steps: the NaN row last", { rows[5][2], rows[5][5] }, { "4", "nan" })
end

-- ---- json ----

T.eq("json sorted keys", json.encode { b = 1, a = { true, false }, c = json.null },
  '{\n  "a": [\n    true,\n    false\n  ],\n  "b": 1,\n  "c": null\n}\n')
T.eq("json escapes", json.encode { 'a"b\\c\n\1' }, '[\n  "a\\"b\\\\c\\n\\u0001"\n]\n')
T.eq("json numbers", json.encode { 0.1, 3, 0 / 0, 1 / 0 }, "[\n  0.1,\n  3,\n  null,\n  null\n]\n")
T.eq("json empty table", json.encode {}, "[]\n")
T.raises("json bad key", function() json.encode { [true] = 1 } end, "json.encode: object keys must be strings, got boolean")

os.execute("rm -rf '" .. base .. "'")
T.done()
