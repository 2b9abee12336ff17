-- tests/lua/test_resume.lua — store continuity: --resume after lost runs, --rerun-failed,
-- shards, and an interrupted store, all compared byte for byte with one uninterrupted run
-- (runs.csv without its wall_s column, curves.csv whole).

local T = require "check"
local slurp, runs_without_wall = T.read, T.runs_without_wall
local gg = require "gglab"
local runner = require "gglab.engine.runner"
local experiment = require "gglab.experiment"

local tmp = T.tmpdir()

local function sink()
  return { parts = {}, write = function(self, s) self.parts[#self.parts + 1] = s end,
    text = function(self) return table.concat(self.parts) end }
end

-- A run function that trains a little, and fails on purpose while FAIL_FLAG exists.
local FAIL_FLAG = tmp .. "/fail"
local exp = experiment.experiment {
  name = "resume_demo",
  sweep = gg.grid { lr = gg.logspace(1e-3, 1, 4), seed = gg.seeds(3), opt = { "sgd", "adam" } },
  run = function(p, run)
    if p.lr == 1 and p.opt == "adam" and gg.fs.exists(FAIL_FLAG) then error("injected failure") end
    local data = gg.data.regression { n = 40, features = 3, seed = run.seed }
    local model = gg.nn.mlp { 3, 4, 1 }
    gg.train { model = model, data = data, optimizer = gg.optim[p.opt](model, { lr = p.lr }),
      batch_size = 8, epochs = 2, log = run }
  end,
}

local function run_into(dir, opts)
  opts = opts or {}
  opts.out, opts.stdout, opts.stderr, opts.quiet = dir, sink(), sink(), true
  opts.jobs = opts.jobs or 0
  return runner.run(exp, opts)
end

local ref = tmp .. "/ref"
local r = run_into(ref)
T.eq("reference: 24 points", r.points, 24)
local ref_runs, ref_curves = runs_without_wall(ref), slurp(ref .. "/curves.csv")

-- Lost runs (as after kill -9): delete some runs' row files, resume, compare.
local lost = tmp .. "/lost"
run_into(lost)
local removed = 0
for i, name in ipairs(gg.fs.listdir(lost .. "/runs")) do
  if name:match("%.row%.csv$") and i % 3 == 0 then
    gg.fs.remove(lost .. "/runs/" .. name)
    removed = removed + 1
  end
end
T.ok("some runs removed", removed >= 5)
os.remove(lost .. "/curves.csv")
local rr = run_into(lost, { resume = true })
T.eq("resume skipped the finished runs", rr.skipped, 24 - removed)
T.eq("resume: runs.csv identical", runs_without_wall(lost), ref_runs)
T.ok("resume: curves.csv identical", slurp(lost .. "/curves.csv") == ref_curves)

-- --rerun-failed: the first pass fails 3 runs on purpose; the rerun completes them.
local fl = tmp .. "/failed"
io.open(FAIL_FLAG, "w"):close()
local rf = run_into(fl)
T.eq("injected failures", rf.counts.failed, 3)
os.remove(FAIL_FLAG)
local rf2 = run_into(fl, { resume = true })
T.eq("--resume keeps failed runs as they are", rf2.counts.failed, 3)
local rf3 = run_into(fl, { rerun_failed = true })
T.eq("--rerun-failed reran exactly the failed runs", rf3.skipped, 21)
T.eq("--rerun-failed: no failures left", rf3.counts.failed, 0)
T.eq("--rerun-failed: runs.csv identical", runs_without_wall(fl), ref_runs)
T.ok("--rerun-failed: curves.csv identical", slurp(fl .. "/curves.csv") == ref_curves)

-- Shards: each runs its share; together they cover the sweep exactly once.
local seen = {}
for k = 1, 3 do
  local sr = run_into(tmp .. "/shard" .. k, { shard = { k = k, n = 3 } })
  T.eq("shard " .. k .. "/3 size", sr.points, 8)
  for line in io.lines(tmp .. "/shard" .. k .. "/runs.csv") do
    local id = line:match("^(%x+),")
    if id then seen[id] = (seen[id] or 0) + 1 end
  end
  local m = slurp(tmp .. "/shard" .. k .. "/manifest.json")
  T.ok("shard manifest records the shard", m:match('"k": ' .. k) and m:match('"n": 3'))
  T.ok("shard manifest lists all 24 run ids", select(2, m:gsub('"%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x"', "")) == 24)
end
local count, twice = 0, 0
for _, c in pairs(seen) do count, twice = count + 1, twice + (c > 1 and 1 or 0) end
T.eq("shards cover every point", count, 24)
T.eq("no point in two shards", twice, 0)

-- --resume -v prints a line per run it runs, not per run it keeps (issue 20, bug 9).
do
  local vd = tmp .. "/verbose"
  run_into(vd)
  local dropped = 0
  for _, name in ipairs(gg.fs.listdir(vd .. "/runs")) do
    if name:match("%.row%.csv$") and dropped < 2 then
      gg.fs.remove(vd .. "/runs/" .. name)
      dropped = dropped + 1
    end
  end
  local err = sink()
  local res = runner.run(exp, { out = vd, resume = true, verbose = true, tty = false, jobs = 0, stdout = sink(),
    stderr = err })
  local lines = 0
  for line in err:text():gmatch("[^\n]*") do
    if line:match("^%[%s*%d+/24%] ") then lines = lines + 1 end
  end
  T.eq("resume -v: one line per run that ran", { res.skipped, lines }, { 22, 2 })
  T.ok("resume -v: says how many runs it kept",
    err:text():find("kept 22 finished runs of " .. vd .. "\n", 1, true) ~= nil)
end

-- A fresh run (no resume) starts over: a previous store's runs are not kept.
local again = run_into(lost)
T.eq("fresh run skips nothing", again.skipped, 0)

os.execute("rm -rf '" .. tmp .. "'")
T.done()
