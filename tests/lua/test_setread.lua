--[[ tests/lua/test_setread.lua — `--set` of a parameter no run reads (issue 20, bug 2).
  `gglab run FILE --set epochs=1` on a script whose runs never look up `epochs` changes the
  run ids and runs.csv but not the training: gglab run warns after the sweep, naming the
  name and a "did you mean" among the names the runs did look up; --strict makes it an
  error (exit status 4). The runner tracks the reads (engine/runner.lua tracked_point; the
  row file's params_read), the same with -j 0, 1 and 2; --resume counts what kept runs
  recorded. Also the tracked point itself (pairs, writes, run.params) and gglab doctor.
  Runs `gglab run` (GGLAB, the executable) through a shell. ]]

local T = require "check"
local gg = require "gglab"
local runner = require "gglab.engine.runner"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local q = T.quote
local tmp = T.tmpdir()
local gglab = q(GGLAB:sub(1, 1) == "/" and GGLAB or (os.getenv("PWD") .. "/" .. GGLAB))

-- run(args) -> stdout and stderr of `gglab run <args>` in tmp, exit code.
local function run(args)
  return T.sh("cd " .. q(tmp) .. " && " .. gglab .. " run -q " .. args)
end

-- The warning lines of an output (the summary and claims are on stdout, merged here).
local function warnings(out)
  local list = {}
  for line in out:gmatch("[^\n]+") do
    if line:match("^gglab: ") then list[#list + 1] = line end
  end
  return list
end

local function row_file(dir, field)
  local names = assert(gg.fs.listdir(dir .. "/runs"))
  table.sort(names)
  local out = {}
  for _, name in ipairs(names) do
    if name:match("%.row%.csv$") then
      local header, rows = gg.csv.read(dir .. "/runs/" .. name)
      for i, h in ipairs(header) do if h == field then out[#out + 1] = rows[1][i] end end
    end
  end
  return out
end

-- A script that reads lr (and, through `or`, n_epochs), never epochs; a run fails unless
-- its point is a plain table when no --set was given.
T.write(tmp .. "/never.lua", [[
local gg = require "gglab"
return gg.experiment { name = "never", sweep = gg.grid { lr = { 0.1, 0.2 } },
  run = function(p, run)
    local epochs = p.n_epochs or 5
    run:log("loss", p.lr * epochs, 1)
  end }
]])

local UNREAD = "--set 'epochs' was read by no run (it changed the run ids and runs.csv, not what the "
  .. "runs did); did you mean 'n_epochs'?"

for _, jobs in ipairs { 0, 1, 2 } do
  local tag = " (-j " .. jobs .. ")"
  local out, code = run("never.lua --out r" .. jobs .. " -j " .. jobs .. " --set epochs=1")
  T.eq("unread --set: a warning, exit 0" .. tag, { warnings(out), code },
    { { "gglab: warning: " .. UNREAD }, 0 })
  T.eq("the row files name what each run looked up" .. tag, row_file(tmp .. "/r" .. jobs, "params_read"),
    { "n_epochs", "n_epochs" })
  out, code = run("never.lua --out s" .. jobs .. " -j " .. jobs .. " --set epochs=1 --strict")
  T.eq("--strict: an error, exit 4" .. tag, { warnings(out), code }, { { "gglab: --strict: " .. UNREAD }, 4 })
  T.ok("--strict: the sweep's results are written" .. tag, gg.fs.exists(tmp .. "/s" .. jobs .. "/runs.csv"))
  out, code = run("never.lua --out t" .. jobs .. " -j " .. jobs .. " --set lr=0.5,0.25 --strict")
  T.eq("--set of a name the runs read: nothing to say" .. tag, { warnings(out), code }, { {}, 0 })
  T.eq("... its row files name it" .. tag, row_file(tmp .. "/t" .. jobs, "params_read"),
    { "lr\nn_epochs", "lr\nn_epochs" })
  out, code = run("never.lua --out u" .. jobs .. " -j " .. jobs .. " --set n_epochs=2 --set epochs=1")
  T.eq("one read, one not: only the unread one, suggesting a name read" .. tag, { warnings(out), code },
    { { "gglab: warning: " .. UNREAD }, 0 })
end

do
  -- Without --set nothing is tracked: runs.csv and the row files have no trace of it.
  local out, code = run("never.lua --out plain -j 2")
  T.eq("no --set: no warning", { warnings(out), code }, { {}, 0 })
  T.eq("no --set: params_read empty", row_file(tmp .. "/plain", "params_read"), { "", "" })
  T.ok("runs.csv has no params_read column", not T.read(tmp .. "/plain/runs.csv"):match("params_read"))
  -- No suggestion when no name read is close.
  out, code = run("never.lua --out far -j 0 --set batch=8")
  T.eq("unread, nothing close: no suggestion", { warnings(out), code }, { {
    "gglab: warning: --set 'batch' was read by no run (it changed the run ids and runs.csv, not what the "
      .. "runs did)" },
    0 })
end

do
  -- The point a run gets with --set: pairs shows every parameter (and counts as reading
  -- them), writes stick, run.params is tracked too, p is a plain table without --set.
  T.write(tmp .. "/shape.lua", [[
local gg = require "gglab"
return gg.experiment { name = "shape", sweep = gg.grid { lr = { 0.1 }, mode = { "pairs", "params" } },
  run = function(p, run)
    if p.mode == "params" then
      local ok, err = pcall(run.summary, run, { width = 1 })
      assert(not ok and err:match("'width' is a parameter of the sweep"), "run:summary refuses a --set name")
      assert(run.params.width == 3, "run.params has width")
      return
    end
    local keys = {}
    for k, v in pairs(p) do keys[#keys + 1] = k .. "=" .. tostring(v) end
    table.sort(keys)
    assert(table.concat(keys, " ") == "lr=0.1 mode=pairs width=3", table.concat(keys, " "))
    p.width = 4
    assert(p.width == 4 and p.lr == 0.1, "writes stick")
    p.extra = 1
    assert(p.extra == 1 and rawget(p, "extra") == 1, "a new field is a raw field")
  end }
]])
  local out, code = run("shape.lua --out shape -j 0 --set width=3 --strict")
  T.eq("pairs and run.params count as reads; every run ok", { warnings(out), code }, { {}, 0 })
  T.ok("... all ok", out:match("2 runs of 'shape' in [%d.]+s: 2 ok, 0 diverged, 0 failed"))
  out, code = run("shape.lua --out shape1 -j 1 --set width=3 --set mode=params --strict")
  T.eq("a read through run.params alone counts", { warnings(out), code }, { {}, 0 })
  T.eq("... its row file", row_file(tmp .. "/shape1", "params_read"), { "mode\nwidth" })
  T.write(tmp .. "/plain.lua", [[
local gg = require "gglab"
return gg.experiment { name = "plain", sweep = gg.grid { lr = { 0.1 } },
  run = function(p, run)
    assert(getmetatable(p) == nil and getmetatable(run.params) == nil, "a plain point")
  end }
]])
  out, code = run("plain.lua --out plain2 -j 0")
  T.ok("without --set the points are plain tables", code == 0 and out:match("1 ok, 0 diverged, 0 failed"))
end

do
  -- runner.tracked_point in process: what it notes.
  local reads = {}
  local p = runner.tracked_point({ lr = 0.1, epochs = 2 }, { epochs = true }, reads)
  T.eq("raw fields are not noted", { p.lr, next(reads) }, { 0.1, nil })
  T.eq("a --set name is served and noted", { p.epochs, reads.epochs }, { 2, true })
  T.eq("a missing name is noted too", { p.width, reads.width }, { nil, true })
  T.eq("next sees only the raw fields", { next(p) }, { "lr", 0.1 })
  p.epochs = nil
  T.eq("a --set name set to nil is gone", p.epochs, nil)
  local n = 0
  for _ in pairs(p) do n = n + 1 end
  T.eq("... from pairs too", n, 1)
end

do
  -- --resume: kept runs count as having read what they recorded; kept runs that recorded
  -- nothing (made without --set) judge nothing.
  T.write(tmp .. "/modes.lua", [[
local gg = require "gglab"
return gg.experiment { name = "modes", sweep = gg.grid { mode = { "a" } },
  run = function(p, run)
    local x = p.mode == "a" and p.x or 0
    run:log("loss", x, 1)
  end }
]])
  local out, code = run("modes.lua --out m -j 2 --set x=1")
  T.eq("mode a reads x", { warnings(out), code }, { {}, 0 })
  out, code = run("modes.lua --out m -j 2 --set x=1 --set mode=a,b --resume --strict")
  T.eq("resume: the kept run read x, the new one did not: no warning", { warnings(out), code }, { {}, 0 })
  out, code = run("modes.lua --out m2 -j 2 --set x=1 --set mode=b --strict")
  T.eq("mode b alone: x unread", { warnings(out), code }, { {
    "gglab: --strict: --set 'x' was read by no run (it changed the run ids and runs.csv, not what the "
      .. "runs did)" },
    4 })
  out, code = run("never.lua --out k -j 2")
  T.eq("a sweep without --set", code, 0)
  out, code = run("never.lua --out k -j 2 --set lr=0.1 --resume --strict")
  T.eq("resume keeping every run, made without --set: nothing judged", { warnings(out), code }, { {}, 0 })
end

do
  -- gglab doctor --set warns too (the configuration is probed in process up to its first
  -- gg.train).
  T.write(tmp .. "/doc.lua", [[
local gg = require "gglab"
return gg.experiment { name = "doc", sweep = gg.grid { lr = { 0.05 } },
  run = function(p, run)
    local data = gg.data.regression { n = 32, features = 2, seed = run.seed }
    local model = gg.nn.mlp { 2, 4, 1 }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = p.lr }),
      batch_size = 8, epochs = p.n_epochs or 2, log = run }
  end }
]])
  local out, code = T.sh("cd " .. q(tmp) .. " && " .. gglab
    .. " doctor doc.lua --seeds 2 -j 0 -q --no-second-step --out d --set epochs=1 --strict")
  T.eq("doctor --strict: the unread --set", { warnings(out), code }, { { "gglab: --strict: --set "
    .. "'epochs' was read by no run (it names the configuration, not what its runs did); "
    .. "did you mean 'n_epochs'?" }, 4 })
  out, code = T.sh("cd " .. q(tmp) .. " && " .. gglab
    .. " doctor doc.lua --seeds 2 -j 2 -q --no-second-step --out d2 --set lr=0.01 --strict")
  T.eq("doctor --set of a name read: nothing to say", { warnings(out), code }, { {}, 0 })
end

T.rmtree(tmp)
T.done()
