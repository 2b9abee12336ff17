-- tests/lua/test_ensemble_runner.lua — the runner's ensembles (gglab.engine.ensemble) give
-- the very files running each point alone gives: runs.csv (but wall_s) and curves.csv,
-- byte for byte, for a cheap representative subset of experiments/ (shuffled MLPs with the
-- default generator, seeds, Keras, schedulers, regularisation, dropout, a CNN and an RNN:
-- the key refuses the last ones, so the fallback is exercised), in this process (-j0) and
-- in 1 and 2 workers, with the C kernel if gg has one and with tests/lua/ens_fake.lua (a
-- kernel in Lua that runs each call alone, so any state leaking between the runs'
-- coroutines shows). Then the cases the runner must keep as they were: a run that raises,
-- os.exit in a run, a timeout, --shard and --resume, each run's own log, the manifest's
-- "ensemble" counts.
-- GGLAB_ENSEMBLE_FULL=1 (make ensemble-check) compares every experiment (the long ones over
-- their first points).

local T = require "check"
local gg = require "gglab"
local experiment = require "gglab.experiment"
local hooks = require "gglab.hooks"
local pipeline = require("gglab.cli.run").pipeline
local json = require "gglab.lib.json"
local fake = require "ens_fake"

local FULL = os.getenv("GGLAB_ENSEMBLE_FULL") == "1"
local tmp = T.tmpdir()
local sink = { write = function() end }
local native = gg.ensemble_key ~= nil

-- run(exp, name, o) -> dir, result: the gglab run pipeline into tmp/name.
local counter = 0
local function run(exp, o)
  counter = counter + 1
  local dir = string.format("%s/%d", tmp, counter)
  if o.fake then fake.install() else fake.restore() end
  local r, msg = pipeline(exp, { out = dir, quiet = true, stdout = sink, stderr = sink, jobs = o.jobs,
    ensemble = o.ensemble ~= false, ensemble_width = o.width, shard = o.shard, timeout = o.timeout, resume = o.resume })
  fake.restore()
  assert(r, msg)
  return dir, r
end

local function manifest(dir)
  return json.decode(T.read(dir .. "/manifest.json"))
end

local function same_files(name, dir, base)
  T.eq(name .. ": runs.csv (but wall_s) as alone", T.runs_without_wall(dir), T.runs_without_wall(base))
  local a, b = T.read(dir .. "/curves.csv"), T.read(base .. "/curves.csv")
  T.ok(name .. ": curves.csv byte for byte as alone (" .. #a .. " vs " .. #b .. " bytes)", a == b)
end

-- ---- the hook stack per coroutine, the "epoch" point ----

do
  local h = { epoch = function(run_epoch, ...) return run_epoch(...) end }
  T.eq("hooks: epoch is a point", hooks.count("epoch"), 0)
  local mine = hooks.swap(nil)
  hooks.push(h)
  T.eq("hooks: swapped stack has the hook", hooks.count("epoch"), 1)
  local other = hooks.swap(mine)
  T.eq("hooks: the first stack does not", hooks.count("epoch"), 0)
  hooks.swap(other)
  hooks.pop(h)
  hooks.swap(mine)
end

-- ---- the experiments ----

local SUBSET = {
  { "lr_sweep" }, { "seed_adam_high_lr" }, { "seed_keras_high_lr" }, { "seed_linear_high_lr" },
  { "seed_outlier" }, { "feature_scaling" }, { "schedulers" }, { "regularization" },
  { "cnn_digits", shard = 10 }, { "overfitting", shard = 10 }, { "rnn_exploding", shard = 15 },
  { "seed_clipping", shard = 20 },
}
if FULL then
  SUBSET = {}
  for _, name in ipairs(gg.fs.listdir("experiments")) do
    local file = name:match("^(.+)%.lua$")
    if file then
      local exp = assert(experiment.load("experiments/" .. name))
      SUBSET[#SUBSET + 1] = { file, shard = exp.long and 4 or nil }
    end
  end
  table.sort(SUBSET, function(a, b) return a[1] < b[1] end)
end

local fake_runs, refused = 0, {}
for _, e in ipairs(SUBSET) do
  local name = e[1]
  local exp = assert(experiment.load("experiments/" .. name .. ".lua"))
  local shard = e.shard and { k = 1, n = e.shard } or nil
  local base = run(exp, { jobs = 0, ensemble = false, shard = shard })
  local modes = { { jobs = 0, fake = true }, { jobs = 1, fake = true }, { jobs = 2, fake = true } }
  if native then modes[#modes + 1] = { jobs = 2 } end
  if name == "lr_sweep" then
    modes[#modes + 1] = { jobs = 2, fake = true, width = 5 }
    modes[#modes + 1] = { jobs = 0 }   -- native or the stand-in: every run solo
  end
  for _, m in ipairs(modes) do
    local dir, r = run(exp, { jobs = m.jobs, fake = m.fake, width = m.width, shard = shard })
    local label = string.format("%s -j%d %s%s", name, m.jobs, m.fake and "fake kernel" or
      (native and "C kernel" or "stand-in"), m.width and (" width " .. m.width) or "")
    same_files(label, dir, base)
    local ens = manifest(dir).ensemble
    T.eq(label .. ": manifest counts every run", ens.runs + ens.solo, #r.records)
    if m.fake then
      fake_runs = fake_runs + ens.runs
      for reason in pairs(ens.reasons) do refused[reason] = true end
    end
    if not m.fake and not native then
      T.eq(label .. ": stand-in: every run solo", ens.reasons["no ensemble kernel"], ens.solo)
    end
  end
  local m = manifest(base).ensemble
  T.eq(name .. " --no-ensemble: every run solo", m.reasons["ensembles off"], m.solo)
  T.eq(name .. " --no-ensemble: no group", m.groups, 0)
end
T.ok("fake kernel: runs trained in ensembles", fake_runs > 0)
T.ok("fake kernel: a CNN is refused (fallback)", refused["layer conv2d"])

-- ---- the cases the runner keeps as they were ----

local function mlp_exp(name, body, sweep)
  return experiment.experiment { name = name, sweep = sweep or gg.grid { lr = { 0.1, 0.01 }, k = { 1, 2, 3 } },
    run = function(p, run)
      local data = gg.data.classification { n = 64, features = 4, classes = 2, seed = run.seed }
      local model = gg.nn.mlp { 4, 8, 2, activation = "relu" }
      local opt = gg.optim.adam(model, { lr = p.lr })
      local function epochs(n)
        gg.train { model = model, data = data, loss = "cross_entropy", optimizer = opt, batch_size = 16,
          epochs = n, log = run }
      end
      body(p, run, epochs)
    end }
end

-- A run raising between epochs, a run printing, os.exit in a worker; default generator
-- draws between epochs (each run's stream must stay its own).
local exp = mlp_exp("ens_cases", function(p, run, epochs)
  epochs(2)
  print("run " .. run.id .. " after 2 epochs")
  run:log("draw", gg.get_rng_state()[1] % 1000, 2, 2)
  if p.k == 2 and p.lr == 0.1 then error("boom in the run") end
  epochs(2)
  io.stderr:write("done " .. run.id .. "\n")
end)
-- (in workers, the error names the run's log: compare with workers)
local bases = { [0] = run(exp, { jobs = 0, ensemble = false }), [1] = run(exp, { jobs = 1, ensemble = false }) }
for _, j in ipairs { 0, 1, 2 } do
  local dir, r = run(exp, { jobs = j, fake = true })
  same_files("raising run -j" .. j, dir, bases[math.min(j, 1)])
  T.eq("raising run -j" .. j .. ": counts", r.counts, { ok = 5, diverged = 0, failed = 1 })
  local ens = manifest(dir).ensemble
  -- the first run (one per worker) runs alone: it finds out whether the runs get keys
  T.eq("raising run -j" .. j .. ": runs in ensembles", { ens.runs, ens.reasons.alone },
    { 6 - math.max(j, 1), math.max(j, 1) })
  if j > 0 then
    for _, rec in ipairs(r.records) do
      local log = T.slurp(dir .. "/runs/" .. rec.run_id .. ".log") or ""
      T.ok("-j" .. j .. " log of " .. rec.run_id .. " holds only its own lines",
        log:find("run " .. rec.run_id, 1, true) and select(2, log:gsub("\n", "")) == (rec.status == "ok" and 2 or 1))
    end
  end
end

-- os.exit in a run: its group's worker dies; the others are kept or rerun alone.
do
  local exp_exit = mlp_exp("ens_exit", function(p, run, epochs)
    epochs(2)
    if p.k == 3 and p.lr == 0.1 then os.exit(3) end
    epochs(1)
  end)
  local b = run(exp_exit, { jobs = 1, ensemble = false })
  local dir, r = run(exp_exit, { jobs = 1, fake = true })
  T.eq("os.exit: runs.csv as alone", T.runs_without_wall(dir), T.runs_without_wall(b))
  T.eq("os.exit: curves as alone", T.read(dir .. "/curves.csv"), T.read(b .. "/curves.csv"))
  T.eq("os.exit: one failed", r.counts.failed, 1)
  local ens = manifest(dir).ensemble
  T.ok("os.exit: the rest retried alone", (ens.reasons["retried alone (its group's worker died)"] or 0) >= 1)
end

-- A stuck run: the group's limit is the timeout x its size; then alone, the timeout as ever.
do
  local exp_slow = mlp_exp("ens_slow", function(p, run, epochs)
    epochs(1)
    if p.k == 1 then os.execute("sleep 30") end  -- killed by the timeout
    epochs(1)
  end, gg.grid { lr = 0.1, k = { 1, 2 } })
  -- 2 s, not less: the other run must finish within it even on a busy machine.
  local dir, r = run(exp_slow, { jobs = 1, fake = true, timeout = 2 })
  T.eq("timeout: counts", r.counts, { ok = 1, diverged = 0, failed = 1 })
  local failed
  for _, rec in ipairs(r.records) do if rec.status == "failed" then failed = rec end end
  T.eq("timeout: the reason as alone", failed and failed.error, "timeout after 2s")
  T.ok("timeout: files", gg.fs.exists(dir .. "/curves.csv"))
end

-- A full disk at the third run's curve file: it fails, the runs of its group still going
-- stop with it (no partial file), the ones before are saved; --resume completes.
do
  local exp_disk = mlp_exp("ens_disk", function(_, _, epochs) epochs(3) end)
  local b, rb = run(exp_disk, { jobs = 1, ensemble = false })
  local third = rb.records[3].run_id
  for _, j in ipairs { 0, 1 } do
    counter = counter + 1
    local dir = string.format("%s/%d", tmp, counter)
    fake.install()
    local r = assert(pipeline(exp_disk, { ensemble = true, out = dir,
      quiet = true, stdout = sink, stderr = sink, jobs = j,
      fail_write = third .. ".csv" }))
    local what = "full disk -j" .. j .. ": "
    T.ok(what .. "store error", r.store_error and r.store_error:find("cannot write", 1, true))
    local saved = {}
    for k, rec in ipairs(rb.records) do
      if gg.fs.exists(dir .. "/runs/" .. rec.run_id .. ".row.csv") then saved[#saved + 1] = k end
    end
    T.eq(what .. "runs 1 and 2 saved (3 failed, unsaved: its file cannot be written)", saved, { 1, 2 })
    local left = {}
    for _, f in ipairs(gg.fs.listdir(dir .. "/runs")) do if f:match("%.tmp$") then left[#left + 1] = f end end
    T.eq(what .. "no partial file", left, {})
    assert(pipeline(exp_disk, { ensemble = true, out = dir,
      quiet = true, stdout = sink, stderr = sink, jobs = 1, rerun_failed = true }))
    fake.restore()
    same_files(what .. "then --rerun-failed", dir, b)
  end
end

-- --shard then --resume: the whole sweep as alone.
do
  local e = assert(experiment.load("experiments/seed_keras_high_lr.lua"))
  local b = run(e, { jobs = 0, ensemble = false })
  counter = counter + 1
  local dir = string.format("%s/%d", tmp, counter)
  fake.install()
  assert(pipeline(e, { ensemble = true, out = dir,
    quiet = true, stdout = sink, stderr = sink, jobs = 2, shard = { k = 2, n = 3 } }))
  local r = assert(pipeline(e, { ensemble = true, out = dir,
    quiet = true, stdout = sink, stderr = sink, jobs = 2, resume = true }))
  fake.restore()
  same_files("shard then resume", dir, b)
  T.ok("resume: kept runs not counted again", manifest(dir).ensemble.runs + manifest(dir).ensemble.solo
    == #r.records - r.skipped)
end

-- The command line: ensembles are off by default, --ensemble turns them on, --no-ensemble wins.
do
  local bin = os.getenv("GGLAB") or "build/gglab"
  local function cli(flags)
    counter = counter + 1
    local dir = string.format("%s/%d", tmp, counter)
    local _, code = T.sh(bin .. " run -q -j1 " .. flags .. " --out " .. dir .. " experiments/lr_sweep.lua --shard 1/6")
    T.eq("gglab run " .. flags .. ": exit 0", code, 0)
    return dir, manifest(dir).ensemble
  end
  local d_off, m_off = cli("")
  local d_on, m_on = cli("--ensemble")
  local _, m_both = cli("--ensemble --no-ensemble")
  T.eq("default: every run alone, 'ensembles off'", { m_off.groups, m_off.reasons["ensembles off"] },
    { 0, m_off.solo })
  T.eq("--no-ensemble wins over --ensemble", { m_both.groups, m_both.reasons["ensembles off"] }, { 0, m_both.solo })
  T.ok("--ensemble: groups run", m_on.groups > 0 and m_on.reasons["ensembles off"] == nil)
  if native then T.ok("--ensemble with the C kernel: runs keyed and trained together", m_on.keyed > 0 and m_on.runs > 0) end
  same_files("gglab run --ensemble", d_on, d_off)
  -- --ensemble-width N: groups of at most N runs (36 points, one worker)
  local d_w, m_w = cli("--ensemble --ensemble-width 4")
  T.ok("--ensemble-width 4: at least 9 groups for 36 points, more than with 16",
    m_w.groups >= 9 and m_w.groups > m_on.groups)
  same_files("gglab run --ensemble --ensemble-width 4", d_w, d_off)
  for _, c in ipairs {
    { "--ensemble-width 4", "option '%-%-ensemble%-width' goes with '%-%-ensemble'" },
    { "--ensemble --ensemble-width 0", "an integer >= 1" },
    { "--ensemble --ensemble-width x", "an integer >= 1" },
  } do
    local out = T.sh(bin .. " run -q -j1 " .. c[1] .. " --out " .. tmp .. "/bad experiments/lr_sweep.lua 2>&1; echo rc=$?")
    T.ok("gglab run " .. c[1] .. ": refused with exit 1, naming it", out:find("rc=1", 1, true) ~= nil and out:find(c[2]) ~= nil)
  end
end

T.rmtree(tmp)
T.done()
