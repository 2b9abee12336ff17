--[[ tests/lua/test_summary.lua — runs.csv's per-run summary describes the model the run
  returns: min_val_loss, best_epoch, best_step, and final_val_loss at the restored weights
  when early stopping restored the best epoch (issue 20, bug 3); and run:summary{...}, the
  per-run columns the researcher chooses (runs.csv, the reader, --resume, merge).

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

-- runner.run(e, opts) with no output.
local function run_quiet(e, opts)
  opts.quiet, opts.stdout, opts.stderr = true, sink(), sink()
  return assert(runner.run(e, opts))
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
  local res = run_quiet(exp, { out = dir, jobs = jobs })
  local tag = "-j " .. jobs .. ": "
  T.eq(tag .. "all ok", res.counts, { ok = 6, diverged = 0, failed = 0 })
  local header, by, curves = load(dir)
  T.eq(tag .. "runs.csv columns", header, { "run_id", "mode", "run_seed", "status", "final_loss",
    "min_loss", "final_val_loss", "min_val_loss", "best_epoch", "best_step", "steps", "diverged_step",
    "error", "wall_s" })

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
  T.ok(tag .. "keep: min_val_loss below it",
    r.min_val_loss == best.value and r.min_val_loss < r.final_val_loss)
  T.eq(tag .. "keep: best_epoch/best_step at the argmin", { r.best_epoch, r.best_step },
    { best.epoch, best.step })

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
  local res = run_quiet(bad, { out = base .. "/bad", jobs = 0 })
  local errs = {}
  for _, rec in ipairs(res.records) do errs[rec.params.mode] = rec.error end
  T.ok("run:restored step checked",
    (errs.step or ""):match("run:restored: step must be an integer, got 1%.5"))
  T.ok("run:restored epoch checked",
    (errs.epoch or ""):match("run:restored: epoch must be an integer or nil"))
  T.ok("run:restored val_loss checked", (errs.loss or ""):match("run:restored: val_loss must be a number"))
end

-- ---- run:summary: researcher-chosen per-run columns (issue 20, "summary metrics") ----

local store = require "gglab.engine.store"
local merge = require "gglab.engine.merge"

local chosen = experiment.experiment {
  name = "chosen",
  sweep = sweep.grid { lr = { 0.1, 0.2 }, seed = sweep.seeds(2) }
    + sweep.grid { lr = 0.3, seed = 1, quiet = true },
  run = function(p, run)
    run:log("loss", p.lr, 1)
    if p.quiet then return end                     -- this run chooses no summary: empty cells
    run:summary { val_acc = 1 - p.lr, test_loss = 0.5 }
    run:summary { test_loss = p.lr * 10 + p.seed }  -- merges: replaces test_loss, keeps val_acc
  end,
}

local CHOSEN_HEADER = { "run_id", "lr", "quiet", "seed", "test_loss", "val_acc", "run_seed", "status",
  "final_loss", "min_loss", "final_val_loss", "min_val_loss", "best_epoch", "best_step", "steps",
  "diverged_step", "error", "wall_s" }

local function rows_by_id(dir)
  local header, rows = assert(gg.csv.read(dir .. "/runs.csv"))
  local by = {}
  for _, row in ipairs(rows) do
    local r = {}
    for j, name in ipairs(header) do r[name] = row[j] end
    by[r.run_id] = r
  end
  return header, by, #rows
end

for _, jobs in ipairs { 0, 2 } do
  local dir = base .. "/chosen" .. jobs
  local tag = "summary -j " .. jobs .. ": "
  local res = run_quiet(chosen, { out = dir, jobs = jobs })
  T.eq(tag .. "all ok", res.counts, { ok = 5, diverged = 0, failed = 0 })
  local header, by, n = rows_by_id(dir)
  T.eq(tag .. "columns: parameters, then the summary names (sorted), then the results, wall_s last", header,
    CHOSEN_HEADER)
  T.eq(tag .. "5 rows", n, 5)
  local r = by[sweep.run_id { lr = 0.2, seed = 2 }]
  T.eq(tag .. "values", { r.val_acc, r.test_loss }, { "0.8", "4" })
  r = by[sweep.run_id { lr = 0.3, seed = 1, quiet = true }]
  T.eq(tag .. "a run without a summary has empty cells", { r.val_acc, r.test_loss }, { "", "" })
  T.eq(tag .. "the record carries it", res.records[2].summary, { val_acc = 0.9, test_loss = 3 })
  -- The reader tells summary columns from parameters (manifest.json's summary_names).
  local runs = assert(assert(store.read(dir)):runs())
  T.eq(tag .. "reader: parameters", runs.params, { "lr", "quiet", "seed" })
  T.eq(tag .. "reader: summary columns", runs.summary, { "test_loss", "val_acc" })
  T.eq(tag .. "reader: summary values are numbers", runs.records[4].summary, { val_acc = 0.8, test_loss = 4 })
  T.eq(tag .. "reader: empty cells are nil", runs.records[5].summary, {})
  T.eq(tag .. "manifest summary_names", assert(store.read(dir)):manifest().summary_names,
    { "test_loss", "val_acc" })
end

-- --resume keeps the kept runs' summaries; the combined file is the same.
do
  local dir = base .. "/chosen0"
  local before = T.runs_without_wall(dir)
  os.remove(dir .. "/runs/" .. sweep.run_id { lr = 0.1, seed = 1 } .. ".row.csv")  -- one run to redo
  run_quiet(chosen, { out = dir, jobs = 0, resume = true })
  T.eq("summary: --resume rebuilds the same runs.csv", T.runs_without_wall(dir), before)
  os.remove(dir .. "/runs/" .. sweep.run_id { lr = 0.1, seed = 1 } .. ".row.csv")
  local res = run_quiet(chosen, { out = dir, jobs = 2, resume = true })
  T.eq("summary: --resume in workers too", T.runs_without_wall(dir), before)
  T.eq("summary: a kept run's record has its summary", res.records[4].summary,
    { val_acc = 0.8, test_loss = 4 })
end

-- Shards merge with their summary columns.
do
  local s1, s2, out = base .. "/shard1", base .. "/shard2", base .. "/merged"
  run_quiet(chosen, { out = s1, jobs = 0, shard = { k = 1, n = 2 } })
  run_quiet(chosen, { out = s2, jobs = 0, shard = { k = 2, n = 2 } })
  assert(merge.merge(out, { s1, s2 }, { argv = { "gglab", "merge" } }))
  T.eq("summary: merged shards give the same runs.csv", T.runs_without_wall(out),
    T.runs_without_wall(base .. "/chosen0"))
  T.eq("summary: merged manifest names them", assert(store.read(out)):manifest().summary_names,
    { "test_loss", "val_acc" })
end

-- Names that would collide, and bad values: the run fails with a message naming the name.
do
  local bad = experiment.experiment {
    name = "badsummary",
    sweep = sweep.grid { mode = { "param", "other", "result", "run_id", "value", "ident", "table" } }
      + sweep.grid { other = 1 },
    run = function(p, run)
      if p.mode == "param" then run:summary { mode = 1 }
      elseif p.mode == "other" then run:summary { other = 1 }    -- a parameter of another point
      elseif p.mode == "result" then run:summary { final_loss = 1 }
      elseif p.mode == "run_id" then run:summary { run_id = 1 }
      elseif p.mode == "value" then run:summary { acc = "high" }
      elseif p.mode == "ident" then run:summary { ["val acc"] = 1 }
      elseif p.mode == "table" then run:summary(3) end
    end,
  }
  local res = run_quiet(bad, { out = base .. "/bad2", jobs = 0 })
  local errs = {}
  for _, rec in ipairs(res.records) do
    if rec.params.mode then errs[rec.params.mode] = rec.error or "" end
  end
  T.ok("summary: own parameter refused",
    errs.param:match("run:summary: 'mode' is a parameter of the sweep; choose another name$"))
  T.ok("summary: another point's parameter refused",
    errs.other:match("run:summary: 'other' is a parameter of the sweep"))
  T.ok("summary: result column refused",
    errs.result:match("run:summary: 'final_loss' is a column gglab writes itself; choose another name$"))
  T.ok("summary: run_id refused", errs.run_id:match("run:summary: 'run_id' is a column gglab writes itself"))
  T.ok("summary: non-number refused",
    errs.value:match("run:summary: value of 'acc' must be a number, got 'high'"))
  T.ok("summary: non-identifier refused",
    errs.ident:match("run:summary: names must be identifiers .*got 'val acc'"))
  T.ok("summary: not a table refused",
    errs.table:match("run:summary: expected a table of name = number, got 3"))
  T.eq("summary: 7 failed, 1 ok", res.counts, { ok = 1, diverged = 0, failed = 7 })
end

T.rmtree(base)
T.done()
