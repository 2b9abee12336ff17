-- tests/lua/test_checkpoint_run.lua — gg.train{checkpoint_every = N} inside a sweep: a
-- run keeps its last checkpoint in runs/<id>.ckpt.safetensors until it finishes, and --resume (or
-- --rerun-failed) continues an unfinished run from it instead of restarting it. A run is
-- "killed" at epoch 4 of 4 (its data order function raises, then its row file is removed
-- as after kill -9); the resumed sweep's runs.csv (without wall_s) and curves.csv are byte
-- for byte those of an uninterrupted sweep, and the resumed runs never ran epochs 1 to 3
-- again (the order function raises there while a flag file exists).

local T = require "check"
local gg = require "gglab"
local runner = require "gglab.engine.runner"
local experiment = require "gglab.experiment"

local tmp = T.tmpdir()
local KILL, KILL9, NO_EARLY = tmp .. "/kill", tmp .. "/kill9", tmp .. "/no_early"

local function sink()
  return { parts = {}, write = function(self, s) self.parts[#self.parts + 1] = s end,
    text = function(self) return table.concat(self.parts) end }
end

local exp = experiment.experiment {
  name = "ckpt_run_demo",
  sweep = gg.grid { lr = { 0.01, 0.1 }, es = { false, true }, seed = gg.seeds(2) },
  run = function(p, run)
    local data = gg.data.regression { n = 40, features = 3, seed = run.seed }
    local model = gg.nn.sequential { gg.nn.linear(3, 8), gg.nn.relu(), gg.nn.dropout(0.2), gg.nn.linear(8, 1) }
    local opt = gg.optim.adam(model, { lr = p.lr })
    run:log("before_train", 1, 0)   -- a row logged before gg.train: logged again on resume, once
    -- es: early stopping's state (best loss, patience count, best weights) is in the
    -- checkpoint too; the history (per-step lr, metrics, state:log curves) comes back whole.
    local h = gg.train { model = model, data = data, optimizer = opt, batch_size = 8, epochs = 4, log = run,
      early_stopping = p.es and { patience = 3, restore_best = true } or nil,
      metrics = { mae = function(pred, target)
        local s = 0
        for i = 1, pred:rows() do s = s + math.abs(pred:get(i, 1) - target:get(i, 1)) end
        return s / pred:rows()
      end },
      on_epoch_end = function(state) state:log("w11", state.model:parameters()[1]:get(1, 1)) end,
      scheduler = gg.sched.step_lr(opt, { step_size = 1, gamma = 0.7 }), val = data, checkpoint_every = 1,
      order = function(epoch)
        if epoch == 4 and gg.fs.exists(KILL) then error("killed at epoch 4") end
        if epoch == 4 and gg.fs.exists(KILL9) then gg.proc.kill(gg.proc.getpid(), "KILL") end
        if epoch <= 3 and gg.fs.exists(NO_EARLY) then error("epoch " .. epoch .. " ran again") end
        return nil
      end }
    run:summary { final_w = model:parameters()[1]:get(1, 1), lr_steps = #h.lr, val_mae = h.val_mae[#h.val_mae],
      es_best = h.best_epoch or 0, w11_logged = #h.logged.w11.values, n_steps = h.steps }
  end,
}

local function run_into(dir, opts)
  opts = opts or {}
  opts.out, opts.stdout, opts.stderr, opts.quiet = dir, sink(), sink(), true
  opts.jobs = opts.jobs or 0
  return runner.run(exp, opts)
end

local function touch(path) T.write(path, "") end

local ref = tmp .. "/ref"
local r = run_into(ref)
T.eq("reference: 8 runs ok", r.counts.ok, 8)
local ref_runs, ref_curves = T.runs_without_wall(ref), T.read(ref .. "/curves.csv")
local ckpts = 0
for _, name in ipairs(gg.fs.listdir(ref .. "/runs")) do
  if name:match("^%x+%.ckpt%.safetensors$") then ckpts = ckpts + 1 end
end
T.eq("a finished run removes its checkpoint", ckpts, 0)
T.ok("no temporary checkpoint left", not T.read(ref .. "/runs.csv"):find("tmp"))

-- Killed at epoch 4 (after the epoch-3 checkpoint); row files removed as after kill -9.
local dir = tmp .. "/killed"
touch(KILL)
local k = run_into(dir)
T.eq("every run killed", k.counts.failed, 8)
os.remove(KILL)
local kept = 0
for _, name in ipairs(gg.fs.listdir(dir .. "/runs")) do
  if name:match("^%x+%.ckpt%.safetensors$") then kept = kept + 1 end
end
T.eq("a failed run keeps its checkpoint", kept, 8)
for _, name in ipairs(gg.fs.listdir(dir .. "/runs")) do
  if name:match("%.row%.csv$") or name:match("%.err$") or name:match("^%x+%.csv$") then
    gg.fs.remove(dir .. "/runs/" .. name)
  end
end
os.remove(dir .. "/curves.csv")
os.remove(dir .. "/runs.csv")

-- Restarting from scratch would run epoch 1 again: the flag makes that fail.
touch(NO_EARLY)
local fresh = run_into(tmp .. "/fresh")
T.eq("the flag fails a run that restarts", fresh.counts.failed, 8)
local res = run_into(dir, { resume = true })
T.eq("resumed: every run ok (none restarted)", res.counts.ok, 8)
T.eq("resumed: runs.csv identical", T.runs_without_wall(dir), ref_runs)
T.ok("resumed: curves.csv identical", T.read(dir .. "/curves.csv") == ref_curves)
local rows_before = select(2, T.read(dir .. "/curves.csv"):gsub("before_train", ""))
T.eq("the row logged before gg.train appears once per run", rows_before, 8)

-- --rerun-failed continues failed runs from their checkpoints too.
os.remove(NO_EARLY)
local dir2 = tmp .. "/rerun"
touch(KILL)
run_into(dir2)
os.remove(KILL)
touch(NO_EARLY)
local rr = run_into(dir2, { rerun_failed = true })
T.eq("--rerun-failed: every run ok", rr.counts.ok, 8)
T.eq("--rerun-failed: runs.csv identical", T.runs_without_wall(dir2), ref_runs)
T.ok("--rerun-failed: curves.csv identical", T.read(dir2 .. "/curves.csv") == ref_curves)
os.remove(NO_EARLY)

-- A real SIGKILL of the worker process at epoch 4 (jobs = 1), then --rerun-failed in workers.
if gg.proc and gg.proc.fork then
  local dir3 = tmp .. "/sigkill"
  touch(KILL9)
  local kr = run_into(dir3, { jobs = 1 })
  os.remove(KILL9)
  T.eq("SIGKILL: every run killed", kr.counts.failed, 8)
  touch(NO_EARLY)
  local kr2 = run_into(dir3, { rerun_failed = true, jobs = 1 })
  os.remove(NO_EARLY)
  T.eq("SIGKILL, --rerun-failed: every run ok", kr2.counts.ok, 8)
  T.eq("SIGKILL, --rerun-failed: runs.csv identical", T.runs_without_wall(dir3), ref_runs)
  T.ok("SIGKILL, --rerun-failed: curves.csv identical", T.read(dir3 .. "/curves.csv") == ref_curves)
end

-- Bad uses name the option.
local model = gg.nn.mlp { 3, 1 }
local data = gg.data.regression { n = 8, features = 3, seed = 1 }
local opt = gg.optim.sgd(model, { lr = 0.1 })
T.raises("checkpoint_every needs a run", function()
  gg.train { model = model, data = data, optimizer = opt, checkpoint_every = 1 }
end, "gg.train: checkpoint_every saves into the run's folder: give log = run")
T.raises("checkpoint_every must be a positive integer", function()
  gg.train { model = model, data = data, optimizer = opt, checkpoint_every = 0 }
end, "checkpoint_every must be an integer >= 1, got 0")
T.raises("checkpoint_every with diagnostics", function()
  gg.train { model = model, data = data, optimizer = opt, checkpoint_every = 1, diagnostics = { every = 1 },
    log = { log = function() end, _checkpointing = function() end } }
end, "cannot be combined with diagnostics")

T.rmtree(tmp)
T.done()
