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

-- ---- issue 20, bug 1: --resume never mixes the runs of two scripts ----
-- The folder's manifest names the script hash that made it; every run's row file does too.
do
  local json = require "gglab.lib.json"
  local script_a, script_b = tmp .. "/a.lua", tmp .. "/b.lua"
  T.write(script_a, "-- epochs = 60\n")
  T.write(script_b, "-- epochs = 2\n")
  local sha_a, sha_b = gg.sha256_file(script_a), gg.sha256_file(script_b)
  local dir = tmp .. "/mixed"
  run_into(dir, { script = script_a })
  local function manifest() return json.decode(slurp(dir .. "/manifest.json")) end
  T.eq("manifest names script a", manifest().script_sha256, sha_a)
  T.eq("manifest stores the script text", manifest().script_text, "-- epochs = 60\n")
  local some_id = manifest().run_ids[1]
  local header, rows = gg.csv.read(dir .. "/runs/" .. some_id .. ".row.csv")
  local col = {}
  for i, name in ipairs(header) do col[name] = i end
  T.eq("row file: script_sha256 after wall_s", col.script_sha256, col.wall_s + 1)
  T.eq("row file: the script's hash", rows[1][col.script_sha256], sha_a)
  T.ok("runs.csv has no script_sha256 column", not slurp(dir .. "/runs.csv"):match("script_sha256"))
  local before = runs_without_wall(dir)

  for _, mode in ipairs { "resume", "rerun_failed" } do
    local res, msg = run_into(dir, { script = script_b, [mode] = true })
    T.eq(mode .. " of another script refused", res, nil)
    T.ok(mode .. ": message names both hashes", msg and msg:find(sha_a:sub(1, 12), 1, true)
      and msg:find(sha_b:sub(1, 12), 1, true) and msg:match("different script_sha256"))
    T.ok(mode .. ": message suggests --force and --out", msg and msg:match("%-%-force") and msg:match("%-%-out"))
    T.eq(mode .. ": folder untouched", runs_without_wall(dir), before)
    T.eq(mode .. ": manifest untouched", manifest().script_sha256, sha_a)
  end

  -- Without a manifest (a sweep killed before writing it) the runs' own hashes refuse.
  os.remove(dir .. "/manifest.json")
  local res, msg = run_into(dir, { script = script_b, resume = true })
  T.eq("no manifest: refused by the runs' hashes", res, nil)
  T.ok("no manifest: message names the run and both hashes", msg and msg:match("script_sha256 of run %x+")
    and msg:find(sha_a:sub(1, 12), 1, true) and msg:find(sha_b:sub(1, 12), 1, true))
  run_into(dir, { script = script_a, resume = true })  -- the same script resumes fine
  T.eq("same script: resumed, manifest back", manifest().script_sha256, sha_a)
  T.eq("same script: no forced_resume", manifest().forced_resume, json.null)
  -- With the manifest back, a resume of the other script is still refused by the runs.
  local m0 = json.decode(slurp(dir .. "/manifest.json"))
  m0.script_sha256 = sha_b
  T.write(dir .. "/manifest.json", json.encode(m0))
  res, msg = run_into(dir, { script = script_b, resume = true })
  T.ok("manifest edited to match: refused by the runs' hashes", res == nil and msg:match("script_sha256 of run"))
  run_into(dir, { script = script_a, resume = true, force = true })

  -- --force overrides and is recorded; a later plain --resume with the new script is fine.
  local forced = run_into(dir, { script = script_b, resume = true, force = true })
  T.ok("--force resumes", forced ~= nil)
  local m = manifest()
  T.eq("--force: manifest names the new script", m.script_sha256, sha_b)
  T.eq("--force: recorded", type(m.forced_resume) == "table" and m.forced_resume.previous_script_sha256, sha_a)
  T.ok("--force: then --resume with that script", run_into(dir, { script = script_b, resume = true }) ~= nil)
  T.eq("--force record kept", type(manifest().forced_resume) == "table"
    and manifest().forced_resume.previous_script_sha256, sha_a)

  -- A fresh run into the folder (no --resume) is not a resume: nothing to refuse.
  T.ok("fresh run of another script", run_into(dir, { script = script_a }) ~= nil)
  T.eq("fresh run: no forced_resume", manifest().forced_resume, json.null)
end

os.execute("rm -rf '" .. tmp .. "'")
T.done()
