--[[ tests/lua/test_summary.lua — runs.csv's per-run summary describes the model the run
  returns: min_val_loss, best_epoch, best_step, and final_val_loss at the restored weights
  when early stopping restored the best epoch (issue 20, bug 3).

  A small noisy regression overfits within 60 epochs; each mode of the sweep trains it a
  different way and logs "returned_val", the validation loss of the model gg.train returned
  (evaluated afterwards), so the test compares runs.csv with the model itself. Runs in this
  process (-j 0) and in workers (the parent reads each record back from its row file). ]]

local T = require "check"
local gg = require "gglab"
local sweep = require "gglab.sweep"
local experiment = require "gglab.experiment"
local runner = require "gglab.engine.runner"

local base = T.tmpdir()

local function sink()
  return { write = function(self) return self end }
end

local exp = experiment.experiment {
  name = "summary",
  sweep = sweep.grid { mode = { "restore", "keep", "plain", "twice", "noval", "mindelta" } },
  run = function(p, run)
    local all = gg.data.regression { n = 40, features = 3, noise = 1, seed = 4 }
    local train, val = all:split(0.5, { seed = 4 })
    local m = gg.nn.mlp { 3, 64, 64, 1, seed = 4 }
    local function fit(es, epochs, with_val)
      return gg.train { model = m, data = train, val = with_val ~= false and val or nil,
        optimizer = gg.optim.adam(m, { lr = 0.01 }), batch_size = 4, epochs = epochs,
        early_stopping = es, seed = 1, log = run }
    end
    if p.mode == "restore" then
      fit({ patience = 5 }, 60)
    elseif p.mode == "keep" then
      fit({ patience = 5, restore_best = false }, 60)
    elseif p.mode == "plain" then
      fit(nil, 60)
    elseif p.mode == "twice" then
      fit({ patience = 5 }, 60)   -- restores its best epoch ...
      fit(nil, 3)                 -- ... then trains on: the restoration no longer holds
    elseif p.mode == "noval" then
      fit(nil, 5, false)
    elseif p.mode == "mindelta" then
      fit({ patience = 5, min_delta = 0.5 }, 60)
    end
    run:log("returned_val", gg.evaluate(m, val, { loss = "mse" }), 0)
  end,
}

-- runs.csv rows by mode (numbers typed), and the val_loss / returned_val curve rows by mode.
local function load(dir)
  local header, rows = assert(gg.csv.read(dir .. "/runs.csv"))
  local by = {}
  for _, row in ipairs(rows) do
    local r = {}
    for j, name in ipairs(header) do r[name] = row[j] end
    for _, k in ipairs { "final_val_loss", "min_val_loss", "best_epoch", "best_step", "steps" } do
      r[k] = tonumber(r[k])
    end
    by[r.mode] = r
  end
  local id_mode = {}
  for _, r in pairs(by) do id_mode[r.run_id] = r.mode end
  local curves = {}
  local ch, crows = assert(gg.csv.read(dir .. "/curves.csv"))
  local col = {}
  for j, name in ipairs(ch) do col[name] = j end
  for _, row in ipairs(crows) do
    local mode = id_mode[row[col.run_id]]
    curves[mode] = curves[mode] or { val = {}, returned = nil }
    local metric, v = row[col.metric], tonumber(row[col.value])
    if metric == "val_loss" then
      local c = curves[mode].val
      c[#c + 1] = { step = tonumber(row[col.step]), epoch = tonumber(row[col.epoch]), value = v }
    elseif metric == "returned_val" then
      curves[mode].returned = v
    end
  end
  return header, by, curves
end

-- The first lowest row of a val_loss curve.
local function argmin(rows)
  local best
  for _, r in ipairs(rows) do
    if not best or r.value < best.value then best = r end
  end
  return best
end

for _, jobs in ipairs { 0, 2 } do
  local dir = base .. "/j" .. jobs
  local res = assert(runner.run(exp, { out = dir, jobs = jobs, quiet = true, stdout = sink(), stderr = sink() }))
  local tag = "-j " .. jobs .. ": "
  T.eq(tag .. "all ok", res.counts, { ok = 6, diverged = 0, failed = 0 })
  local header, by, curves = load(dir)
  T.eq(tag .. "runs.csv columns", header, { "run_id", "mode", "run_seed", "status", "final_loss", "min_loss",
    "final_val_loss", "min_val_loss", "best_epoch", "best_step", "steps", "diverged_step", "error", "wall_s" })

  -- restore_best: the summary is the returned model's.
  local r, c = by.restore, curves.restore
  local best, last = argmin(c.val), c.val[#c.val]
  T.ok(tag .. "restore: the run stopped early, after its best epoch", #c.val < 60 and last.epoch > best.epoch)
  T.ok(tag .. "restore: the last val loss is worse than the best", last.value > best.value)
  T.eq(tag .. "restore: final_val_loss == min_val_loss", r.final_val_loss, r.min_val_loss)
  T.eq(tag .. "restore: final_val_loss is the returned model's val loss", r.final_val_loss, c.returned)
  T.eq(tag .. "restore: min_val_loss is the val curve's minimum", r.min_val_loss, best.value)
  T.eq(tag .. "restore: best_epoch is the val curve's argmin", r.best_epoch, best.epoch)
  T.eq(tag .. "restore: best_step is that row's step", r.best_step, best.step)
  T.eq(tag .. "restore: steps still counts the whole training", r.steps, last.step)

  -- restore_best = false: the returned model is the last epoch's.
  r, c = by.keep, curves.keep
  best, last = argmin(c.val), c.val[#c.val]
  T.eq(tag .. "keep: final_val_loss is the last val loss", r.final_val_loss, last.value)
  T.eq(tag .. "keep: ... which is the returned model's", r.final_val_loss, c.returned)
  T.ok(tag .. "keep: min_val_loss below it", r.min_val_loss == best.value and r.min_val_loss < r.final_val_loss)
  T.eq(tag .. "keep: best_epoch/best_step at the argmin", { r.best_epoch, r.best_step }, { best.epoch, best.step })

  -- No early stopping: the same, over all 60 epochs.
  r, c = by.plain, curves.plain
  best, last = argmin(c.val), c.val[#c.val]
  T.eq(tag .. "plain: 60 val rows", #c.val, 60)
  T.eq(tag .. "plain: final_val_loss is the last", r.final_val_loss, last.value)
  T.eq(tag .. "plain: min/best at the argmin", { r.min_val_loss, r.best_epoch, r.best_step },
    { best.value, best.epoch, best.step })

  -- Training after a restoration: the last val loss describes the model again.
  r, c = by.twice, curves.twice
  last = c.val[#c.val]
  T.eq(tag .. "twice: final_val_loss is the last val loss", r.final_val_loss, last.value)
  T.eq(tag .. "twice: ... the returned model's", r.final_val_loss, c.returned)

  -- min_delta: the restored epoch is gg.train's best (an improvement by more than min_delta),
  -- not necessarily the curve's argmin; final_val_loss is still the returned model's.
  r, c = by.mindelta, curves.mindelta
  T.eq(tag .. "mindelta: final_val_loss is the returned model's", r.final_val_loss, c.returned)
  T.eq(tag .. "mindelta: final_val_loss is the val loss of best_epoch", r.final_val_loss,
    c.val[r.best_epoch] and c.val[r.best_epoch].value)
  T.ok(tag .. "mindelta: min_val_loss <= final_val_loss", r.min_val_loss <= r.final_val_loss)

  -- No validation data: the columns are empty.
  r = by.noval
  T.eq(tag .. "noval: no validation columns", { r.final_val_loss, r.min_val_loss, r.best_epoch, r.best_step },
    {})
end

-- run:restored checks its arguments.
do
  local bad = experiment.experiment {
    name = "badrestore",
    sweep = { mode = { "step", "epoch", "loss" } },
    run = function(p, run)
      if p.mode == "step" then run:restored(1.5, 1, 0.1)
      elseif p.mode == "epoch" then run:restored(1, "x", 0.1)
      else run:restored(1, 1, "low") end
    end,
  }
  local res = assert(runner.run(bad, { out = base .. "/bad", jobs = 0, quiet = true, stdout = sink(),
    stderr = sink() }))
  local errs = {}
  for _, rec in ipairs(res.records) do errs[rec.params.mode] = rec.error end
  T.ok("run:restored step checked", (errs.step or ""):match("run:restored: step must be an integer, got 1%.5"))
  T.ok("run:restored epoch checked", (errs.epoch or ""):match("run:restored: epoch must be an integer or nil"))
  T.ok("run:restored val_loss checked", (errs.loss or ""):match("run:restored: val_loss must be a number"))
end

T.rmtree(base)
T.done()
