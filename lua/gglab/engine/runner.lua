--[[ lua/gglab/engine/runner.lua — run every point of an experiment and record the results.

  execute(exp, opts) runs this invocation's points (in this process or in gglab.engine.pool
  workers) and combines their files; write_manifest(result, verdicts) writes manifest.json;
  run(exp, opts) does both and prints the summary. The runner judges nothing: gglab run's
  pipeline (gglab.cli.run) judges the claims between execute and write_manifest. The unit
  of work is run_point(exp, point, index, ctx): it executes one point and leaves its per-run
  files in the store, touching nothing shared, so forked workers can run it and the parent
  combine the files.

  The run function is called as exp.run(p, run) with p a copy of the point and `run` a
  context: run.id, run.seed, run.index, run.params (another copy of the point),
  run:log(...), run:diverged(...), run:meta{...}, run:restored(...), run:summary{...}.
  Outcome of a point:
    ok        the function returned;
    diverged  a training loss ("loss", "epoch_loss") was logged as NaN or +-inf, or the
              code called run:diverged(step, reason); the run stops there;
    failed    the function raised an error; its first line goes to runs.csv, the full
              traceback to runs/<id>.err. The sweep goes on in all cases. ]]

local gg = require "gglab"
local hooks = require "gglab.hooks"
local sweep = require "gglab.sweep"
local store = require "gglab.engine.store"
local ensemble = require "gglab.engine.ensemble"
local schema = require "gglab.lib.schema"
local json = require "gglab.lib.json"
local util = require "gglab.lib.util"
local stats = require "gglab.lib.stats"
local describe = require("gglab.lib.args").describe
local copy, is_finite, first_line = util.copy, util.is_finite, util.first_line

local M = {}

-- Raised (as the error object) to stop a diverged run; the runner catches it.
-- Code that wraps run:log in pcall must re-raise it unchanged.
M.DIVERGED = setmetatable({}, { __name = "gglab.Diverged", __tostring = function() return "run diverged" end })

local IS_TRAIN_LOSS = { loss = true, epoch_loss = true, batch_loss = true }  -- batch_loss: keras mode

local Run = {}
Run.__index = Run

--[[ run_methods() -> the sorted names of every method a run answers to (run:log, run:meta,
  ... and the ones gg.train calls), for a stand-in run that must accept the same calls (the
  doctor's probe). ]]
function M.run_methods()
  local names = {}
  for k, v in pairs(Run) do
    if type(v) == "function" then names[#names + 1] = k end
  end
  table.sort(names)
  return names
end
Run.__name = "gglab.Run"

-- ---- helpers ----

local function to_integer(v)
  return type(v) == "number" and math.tointeger(v) or nil
end

-- Wall times are kept to the microsecond: finer digits are noise and clutter the CSV.
local function round_us(seconds)
  return math.floor(seconds * 1e6 + 0.5) / 1e6
end

-- ---- the run context ----

local function new_run(id, seed, index, params, files, param_names)
  return setmetatable({ id = id, seed = seed, index = index, params = params,
    _files = files, _metrics = {}, _param_names = param_names }, Run)
end

--[[ run:log(metric, value, step, epoch): append a curve row. step is an integer, epoch an
  integer or nil. Keeps per metric the last value, min (ignoring NaN) with the step and
  epoch of its first occurrence, count and last step. A val_loss logged after run:restored
  means training went on: the restoration no longer describes the model.
  A non-finite training loss marks the run diverged at `step` and stops it. ]]
-- run:log's checks of metric, step and epoch -> istep, iepoch; errors blame the caller of
-- the method that calls this (level 3).
local function log_args(metric, step, epoch)
  if type(metric) ~= "string" or metric == "" then
    error("run:log: metric must be a non-empty string, got " .. describe(metric), 3)
  end
  local istep, iepoch = to_integer(step), to_integer(epoch)
  if not istep then error("run:log: step must be an integer, got " .. describe(step), 3) end
  if epoch ~= nil and not iepoch then
    error("run:log: epoch must be an integer or nil, got " .. describe(epoch), 3)
  end
  return istep, iepoch
end

-- The summary record of a metric (count, last, min ...), made on its first row.
function Run:_metric(metric)
  local m = self._metrics[metric]
  if not m then
    m = { count = 0 }
    self._metrics[metric] = m
  end
  return m
end

function Run:log(metric, value, step, epoch)
  local istep, iepoch = log_args(metric, step, epoch)
  if type(value) ~= "number" then error("run:log: value must be a number, got " .. describe(value), 2) end
  self._files:curve(istep, iepoch, metric, value)
  if self._recorded then
    local r = self._recorded
    r[#r + 1] = { metric, value, istep, iepoch }
  end
  local m = self:_metric(metric)
  m.last, m.count, m.last_step = value, m.count + 1, istep
  if value == value and (m.min == nil or value < m.min) then
    m.min, m.min_step, m.min_epoch = value, istep, iepoch
  end
  if metric == "val_loss" then self._restored = nil end
  if IS_TRAIN_LOSS[metric] and not is_finite(value) then
    self:diverged(istep, metric .. " is " .. gg.fmt_number(value))
  end
end

--[[ run:_log_steps(metric, values, step, epoch, every), for gg.train, not for scripts: the
  rows and summaries of run:log(metric, values[k], step + k - 1, epoch) for each k whose step
  is a multiple of every, for the last k and for any NaN, in that order, written with one
  call per stretch of consecutive rows; a non-finite training loss stops the run there, as
  run:log does (the rows after it are not logged). ]]
function Run:_log_steps(metric, values, step, epoch, every)
  local n = #values
  if n == 0 then return end
  local istep, iepoch = log_args(metric, step, epoch)
  local m = self:_metric(metric)
  local files, r, train = self._files, self._recorded, IS_TRAIN_LOSS[metric]
  local base = istep - 1
  local from, to, stop = nil, nil, nil
  local count, min, min_step, min_epoch = m.count, m.min, m.min_step, m.min_epoch
  for k = 1, n do
    local v = values[k]
    if type(v) ~= "number" then error("run:log: value must be a number, got " .. describe(v), 2) end
    local s = base + k
    if every == 1 or s % every == 0 or k == n or v ~= v then
      if from and k ~= to + 1 then
        files:curves(metric, values, from, to, base, iepoch)
        from = nil
      end
      from, to = from or k, k
      if r then r[#r + 1] = { metric, v, s, iepoch } end
      m.last, m.last_step, count = v, s, count + 1
      if v == v and (min == nil or v < min) then min, min_step, min_epoch = v, s, iepoch end
      if train and v - v ~= 0 then  -- not finite: NaN or +-inf
        stop = k
        break
      end
    end
  end
  m.count, m.min, m.min_step, m.min_epoch = count, min, min_step, min_epoch
  if from then files:curves(metric, values, from, to, base, iepoch) end
  if metric == "val_loss" and from then self._restored = nil end
  if stop then self:diverged(base + stop, metric .. " is " .. gg.fmt_number(values[stop])) end
end

--[[ run:summary{ name = number, ... }: per-run values of the researcher's choosing (val_acc,
  test_loss, ...), each a column of runs.csv between the parameters and the result columns.
  Repeated calls merge (a later value replaces an earlier one). A name must be an
  identifier and may not be run_id, a result column or a parameter of the sweep. ]]
function Run:summary(t)
  if type(t) ~= "table" then
    error("run:summary: expected a table of name = number, got " .. describe(t), 2)
  end
  local merged = copy(self._summary or {})
  for k, v in pairs(t) do
    if type(k) ~= "string" or not k:match("^[%a_][%w_]*$") then
      error("run:summary: names must be identifiers (they become runs.csv columns), got " .. describe(k), 2)
    end
    if schema.is_reserved(k) then
      error(string.format("run:summary: '%s' is a column gglab writes itself; choose another name", k), 2)
    end
    if rawget(self.params, k) ~= nil or (self._param_names and self._param_names[k]) then
      error(string.format("run:summary: '%s' is a parameter of the sweep; choose another name", k), 2)
    end
    if type(v) ~= "number" then
      error(string.format("run:summary: value of '%s' must be a number, got %s", k, describe(v)), 2)
    end
    merged[k] = v
  end
  self._summary = merged
end

--[[ run:restored(step, epoch, val_loss): the model the run returns has the weights it had at
  step (epoch, an integer or nil), whose validation loss was val_loss (gg.train calls it when
  early stopping restores the best epoch). runs.csv's final_val_loss, best_epoch and
  best_step then describe that model, not the last epoch's. ]]
function Run:restored(step, epoch, val_loss)
  local istep, iepoch = to_integer(step), to_integer(epoch)
  if not istep then error("run:restored: step must be an integer, got " .. describe(step), 2) end
  if epoch ~= nil and not iepoch then
    error("run:restored: epoch must be an integer or nil, got " .. describe(epoch), 2)
  end
  if type(val_loss) ~= "number" then
    error("run:restored: val_loss must be a number, got " .. describe(val_loss), 2)
  end
  self._restored = { step = istep, epoch = iepoch, val_loss = val_loss }
end

--[[ For gg.train{checkpoint_every = N} (lua/gglab/checkpoint.lua), not for scripts:
  run:_checkpointing() -> {path =, resume =}: where this run's checkpoint goes, and whether
  the runner re-executes an unfinished run whose checkpoint exists (--resume,
  --rerun-failed); from then on every logged row is also kept, as {metric, value, step,
  epoch}, in run:_recorded_rows(), which the checkpoint stores. run:_replay(rows) logs
  rows again (the curve file and the runs.csv summaries come out as the first time). ]]
function Run:_checkpointing()
  self._recorded = {}
  return { path = self._files:checkpoint_path(), resume = self._resume == true }
end

function Run:_recorded_rows()
  return self._recorded
end

function Run:_replay(rows)
  for _, r in ipairs(rows) do self:log(r[1], r[2], r[3], r[4]) end
end

-- run:diverged(step, reason): mark the run diverged at step and stop it (raises M.DIVERGED).
function Run:diverged(step, reason)
  local istep = to_integer(step)
  if not istep then error("run:diverged: step must be an integer, got " .. describe(step), 2) end
  if reason ~= nil and type(reason) ~= "string" then
    error("run:diverged: reason must be a string or nil, got " .. describe(reason), 2)
  end
  if not self._diverged_step then
    self._diverged_step, self._reason = istep, reason or "diverged"
  end
  error(M.DIVERGED, 0)
end

--[[ run:meta(t): what the run declares about its configuration, for gglab.symptoms
  (epochs, lr, optimizer, loss, task, activations, output_activation, dropout, ...; see
  docs/symptoms.md). Repeated calls merge; the result goes to runs/<id>.meta.json. ]]
function Run:meta(t)
  if type(t) ~= "table" then error("run:meta: expected a table, got " .. describe(t), 2) end
  local merged = copy(self._meta or {})
  for k, v in pairs(t) do merged[k] = v end
  require("gglab.lib.runmeta").check(merged, "run:meta")
  self._meta = merged
  self._files:meta(merged)
end

-- ---- one point ----

local function traceback_handler(e)
  if e == M.DIVERGED then return e end
  return debug.traceback(tostring(e), 2)
end

-- Fills the loss columns of record from the run's metric summaries. final_loss/min_loss
-- come from the epoch losses when the run logged them (the last step's loss would be one
-- mini-batch, maybe a short remainder batch, so not comparable across batch sizes), else
-- from the step losses; a non-finite last step loss (divergence) is the final loss.
-- Validation: min_val_loss is the lowest val_loss logged. When the weights were restored
-- (run:restored: early stopping with restore_best), final_val_loss, best_epoch and
-- best_step are those of the restored model; otherwise final_val_loss is the last val_loss
-- and best_epoch/best_step where the lowest one was first logged.
local function summarize_metrics(record, metrics, restored)
  local step, epoch = metrics.loss, metrics.epoch_loss
  local loss = epoch or step
  if step and not util.is_finite(step.last) then loss = step end
  record.final_loss = loss and loss.last
  record.min_loss = loss and (epoch or loss).min
  local last = 0
  if step then last = step.last_step end
  if epoch and epoch.last_step > last then last = epoch.last_step end
  record.steps = last
  local val = metrics.val_loss
  record.final_val_loss = val and val.last
  record.min_val_loss = val and val.min
  record.best_epoch, record.best_step = val and val.min_epoch, val and val.min_step
  if val and restored then
    record.final_val_loss = restored.val_loss
    record.best_epoch, record.best_step = restored.epoch, restored.step
  end
end

-- ---- the data files a run opens (provenance) ----

--[[ M.DATA_HOOK, a gglab.hooks hook on the "data" point (gg.data.csv(path, ...) and
  gg.data.text{file = path, ...}), notes every path those loaders are given: in the list of
  the run going on in this process (run_point registers the hook around each run: the row
  file's data_files), else in M.loaded_data (gglab.cli.script registers it while a script
  loads: files opened at its top, outside its run function). It is registered only for
  those calls (hooks.with), never for the life of the process. The manifest names every
  such file with its sha256 (data_provenance). Code that bypasses these two loaders is not
  seen. ]]
-- The build id every run records (gg.build.id; gg.version for bindings without one).
M.BUILD_ID = type(gg.build) == "table" and gg.build.id or gg.version

local opened_by_run  -- the list of the run going on in this process, or nil
M.loaded_data = {}
local function note_data(path)
  if type(path) ~= "string" then return end
  local list = opened_by_run or M.loaded_data
  for _, p in ipairs(list) do if p == path then return end end
  list[#list + 1] = path
end
M.DATA_HOOK = { data = function(load, kind, src, ...)
  if kind == "csv" then note_data(src) elseif type(src) == "table" then note_data(src.file) end
  return load(kind, src, ...)
end }

-- ---- which --set parameters a run reads ----

--[[ tracked_point(point, names, reads) -> a copy of point in which the parameters named
  in names (a set: the --set names) are kept out of the raw table and served through its
  metatable, so that reading one is noted: reads[name] = true for every string key looked
  up that the raw table lacks (a --set name read, or a name the point does not have, as in
  `p.epochs or 10`). Writes and pairs() work as on a plain table (pairs yields the --set
  names too, and counts them as read: a loop over p may copy them into a configuration);
  next() and rawget see only the other parameters. ]]
function M.tracked_point(point, names, reads)
  local raw, held = {}, {}
  for k, v in pairs(point) do
    if names[k] then held[k] = v else raw[k] = v end
  end
  return setmetatable(raw, {
    __index = function(_, k)
      if type(k) == "string" then reads[k] = true end
      return held[k]
    end,
    __newindex = function(t, k, v)
      if held[k] ~= nil then held[k] = v else rawset(t, k, v) end
    end,
    __pairs = function(t)
      local in_held = false
      return function(_, k)
        local v
        if not in_held then
          k, v = next(t, k)
          if k ~= nil then return k, v end
          in_held = true
        end
        k, v = next(held, k)
        if k ~= nil then reads[k] = true end
        return k, v
      end, t, nil
    end,
  })
end

-- The names of a reads set, sorted, one a line (nil when empty): the row file's params_read.
local function read_names(reads)
  if not reads then return nil end
  local list = {}
  for name in pairs(reads) do list[#list + 1] = name end
  table.sort(list)
  return #list > 0 and table.concat(list, "\n") or nil
end

--[[ run_point(exp, point, index, ctx) -> record. Runs exp.run on a copy of point and
  writes runs/<id>.csv, .row.csv (and .err) through ctx.store (a store object); ctx.param_names
  (a set, optional) are the sweep's parameter names, which run:summary may not use;
  ctx.ids (optional) the run ids by sweep position (plan computed them). The row
  file records ctx.script_sha256 (the script's hash, nil without a script file) and the
  data files the run opened (data_files: paths, one a line; M.DATA_HOOK is registered while
  the run goes) and M.BUILD_ID (gglab_build). ctx.set_names (a list, optional: the --set
  names) makes p and run.params tracked points (M.tracked_point): the names the run looked
  up through them go to params_read (sorted, one a line; empty without ctx.set_names).
  The record has run_id, params (the point), index, the schema.RESULT_COLUMNS fields
  (nil = empty), summary (run:summary's values, or nil) and, for diverged runs, reason.
  ctx.ensemble: the run is a lane of gglab.engine.ensemble (its epochs may be trained with
  other runs'; wall_s is the lane's own clock, ensemble.clock). Raises only on I/O failure. ]]
function M.run_point(exp, point, index, ctx)
  local id = ctx.ids and ctx.ids[index] or sweep.run_id(point)
  local seed = sweep.run_seed(exp.seed, point)
  local files = ctx.store:begin_run(id)
  -- Each run gets its own deep copies (list-valued parameters included): no leak between runs.
  local p, params, reads = sweep.copy_point(point), sweep.copy_point(point), nil
  if ctx.set_names and #ctx.set_names > 0 then
    local names = {}
    for _, name in ipairs(ctx.set_names) do names[name] = true end
    reads = {}
    p, params = M.tracked_point(p, names, reads), M.tracked_point(params, names, reads)
  end
  local run = new_run(id, seed, index, params, files, ctx.param_names)
  -- --resume of an unfinished run with a checkpoint: gg.train continues from it.
  run._resume = ctx.resume and gg.fs.exists(files:checkpoint_path())
  -- Like torch.manual_seed at the top of a script: model init, shuffling and any draw
  -- that names no seed of its own come from this run's stream, whatever ran before.
  gg.manual_seed(seed)
  -- Subnormal handling is per process: reset it, so no run inherits a previous one's.
  gg.set_flush_denormal(exp.flush_denormal == true)
  local clock = ctx.ensemble and ensemble.clock or gg.clock
  local t0 = clock()
  opened_by_run = {}
  local done, ok, err
  if ctx.ensemble then
    done, ok, err = pcall(hooks.with, ensemble.HOOK, hooks.with, M.DATA_HOOK, xpcall, exp.run, traceback_handler,
      p, run)
  else
    done, ok, err = pcall(hooks.with, M.DATA_HOOK, xpcall, exp.run, traceback_handler, p, run)
  end
  if not done then ok, err = false, ok end  -- the run left a hook registered (hooks.with's error)
  local wall = clock() - t0
  local data_files = opened_by_run
  opened_by_run = nil
  local record = { run_id = id, params = point, index = index, run_seed = seed,
    wall_s = round_us(wall), summary = run._summary }
  local traceback
  if not ok and err ~= M.DIVERGED then
    record.status, record.error, traceback = "failed", first_line(err), err
  elseif run._diverged_step or err == M.DIVERGED then
    -- The reason ("loss is nan") goes to the error column: readable after the fact.
    record.status, record.diverged_step = "diverged", run._diverged_step
    record.reason, record.error = run._reason, run._reason
  else
    record.status = "ok"
  end
  summarize_metrics(record, run._metrics, run._restored)
  record.script_sha256 = ctx.script_sha256
  record.data_files = #data_files > 0 and table.concat(data_files, "\n") or nil
  record.gglab_build = M.BUILD_ID
  record.params_read = read_names(reads)
  files:finish(record, traceback)
  return record
end

-- ---- reporting ----

-- "lr=0.1 optimizer=adam seed=2": parameters sorted by name (a string "2" shown quoted).
local function format_params(point)
  local names = {}
  for k in pairs(point) do names[#names + 1] = k end
  table.sort(names)
  for i, k in ipairs(names) do
    local v = point[k]
    names[i] = k .. "=" .. sweep.show_value(v)
  end
  return table.concat(names, " ")
end

local function format_loss(x)
  if x == nil then return "-" end
  if not is_finite(x) then return gg.fmt_number(x) end
  return string.format("%.4g", x)
end

local function outcome(record)
  if record.status == "failed" then return record.error end
  if record.status == "diverged" then
    return string.format("diverged at step %s: %s", tostring(record.diverged_step),
      record.reason or record.error or "diverged")
  end
  return nil
end

-- "[ 12/180] ok       lr=0.1 optimizer=adam seed=2  loss 0.0123  0.02s"
function M.progress_line(record, total)
  local width = #tostring(total)
  local line = string.format("[%" .. width .. "d/%d] %-8s %s  loss %s  %.2fs", record.index, total,
    record.status, format_params(record.params), format_loss(record.final_loss), record.wall_s)
  local extra = outcome(record)
  return extra and (line .. "  " .. extra .. "\n") or (line .. "\n")
end

local MAX_LISTED = 10

-- Summary paragraph: counts, time, where the files are, and the runs that did not finish ok.
function M.summary(result)
  local c = result.counts
  local lines = { string.format("%d runs of '%s' in %.2fs: %d ok, %d diverged, %d failed.",
    result.points, result.name, result.wall_s, c.ok, c.diverged, c.failed) }
  local listed = 0
  for _, r in ipairs(result.records) do
    if r.status ~= "ok" then
      listed = listed + 1
      if listed <= MAX_LISTED then
        lines[#lines + 1] = string.format("  %-8s %s %s  %s", r.status, r.run_id, format_params(r.params), outcome(r))
      end
    end
  end
  if listed > MAX_LISTED then
    lines[#lines + 1] = string.format("  ... and %d more (see runs.csv)", listed - MAX_LISTED)
  end
  if not result.unsaved then
    lines[#lines + 1] = string.format("Results in %s/: %s, %s, %s.", result.out,
      schema.RUNS_FILE, schema.CURVES_FILE, schema.MANIFEST_FILE)
    if result.previous then
      lines[#lines + 1] = string.format("The earlier results of %s/ are in %s/%s/.", result.out, result.out,
        result.previous)
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

-- ---- the sweep ----

-- Run ids of the points in order; two points hashing alike would share files.
local function plan_ids(points)
  local ids, seen = {}, {}
  for i, p in ipairs(points) do
    local id = sweep.run_id(p)
    if seen[id] then
      error(string.format("run id collision: points %s and %s both hash to %s",
        sweep.canonical(points[seen[id]]), sweep.canonical(p), id), 0)
    end
    ids[i], seen[id] = id, i
  end
  return ids
end

-- Which points this invocation owns: all, or with shard {k, n} those whose 1-based sweep
-- position i has (i - 1) % n == k - 1 — deterministic, balanced, independent of timing.
local function in_shard(i, shard)
  return not shard or (i - 1) % shard.n == shard.k - 1
end

--[[ The automatic per-run timeout (runs in worker processes, without --timeout): once
  min_runs runs have finished ok or diverged, a run going on for more than
  max(floor, factor x their median wall time) seconds (Progress:median: of the last
  MEDIAN_WINDOW of them) is stopped and fails. Generous on
  purpose: a busy machine must not kill healthy runs. execute's opts.auto_timeout replaces
  any of the three; opts.timeout = false (--timeout 0) disables it. ]]
M.AUTO_TIMEOUT = { factor = 20, floor = 60, min_runs = 5 }

--[[ The progress line names the longest-running run once it has run for at least
  max(floor, factor x the median wall time of the finished runs), or for no_median seconds
  while no run has finished yet. ]]
M.STUCK = { factor = 3, floor = 10, no_median = 60 }

-- "0.25s", "12.5s", "120s": seconds for a message.
local function fmt_seconds(x)
  if x >= 100 then return string.format("%ds", math.floor(x + 0.5)) end
  return string.format("%.3gs", x)
end

-- Progress display: a redrawn bar on a terminal, a plain line every few seconds on a pipe,
-- nothing with quiet. Per-run lines only when asked (verbose) or when a run fails.
local Progress = {}
Progress.__index = Progress

--[[ new_progress(stderr, total, quiet, tty) -> the display of a sweep of total runs. Its
  fields the runner sets: running (from the pool's tick), active and since (the runs going
  on and their start times, gg.clock()), points (run index -> point), verbose. ]]
function M.new_progress(stderr, total, quiet, tty)
  return setmetatable({ out = stderr, total = total, quiet = quiet, tty = tty, t0 = gg.clock(),
    last = -math.huge, done = 0, counts = { ok = 0, diverged = 0, failed = 0 }, running = 0,
    walls = {}, n_walls = 0, median_n = 0 }, Progress)
end
local new_progress = M.new_progress

-- The median run time is that of the last MEDIAN_WINDOW runs finished ok or diverged: the
-- time typical now, in bounded memory (a sweep may have 100000 runs).
local MEDIAN_WINDOW = 1001

-- add_wall(rec): counts rec's wall time for the median when it finished ok or diverged.
function Progress:add_wall(rec)
  if rec.status == "failed" or type(rec.wall_s) ~= "number" then return end
  self.n_walls = self.n_walls + 1
  self.walls[(self.n_walls - 1) % MEDIAN_WINDOW + 1] = rec.wall_s
end

-- median() -> the median wall time of the last MEDIAN_WINDOW runs finished ok or diverged
-- (nil: none yet), and how many such runs had finished when it was computed. Recomputed
-- after every run at first, then as the count grows by a tenth (at most every 100 runs).
function Progress:median()
  local n, m = self.n_walls, self.median_n
  if n > m and n - m >= math.min(100, math.max(1, m // 10)) then
    self.scratch = self.scratch or {}
    self.median_value, self.median_n = stats.median(self.walls, self.scratch), n
  end
  return self.median_value, self.median_n
end

-- stuck() -> the text naming the longest-running run when it runs far longer than is
-- typical (M.STUCK), or nil. A group of n runs (an ensemble, task.weight = n) counts
-- its time over n: its runs share it.
function Progress:stuck()
  if not (self.active and self.since) then return nil end
  local now, longest, task = gg.clock(), nil, nil
  for k, t in ipairs(self.active) do
    local el = (now - self.since[k]) / (t.weight or 1)
    if not longest or el > longest then longest, task = el, t end
  end
  if not longest then return nil end
  local median = self:median()
  local bound = median and math.max(M.STUCK.floor, M.STUCK.factor * median) or M.STUCK.no_median
  if longest < bound then return nil end
  local point = self.points and task.index and self.points[task.index]
  local group = task.weight and task.weight > 1 and string.format(" (and %d more runs in its ensemble)",
    task.weight - 1) or ""
  return string.format("longest: %s%s%s running %s%s", tostring(task.id),
    point and (" (" .. format_params(point) .. ")") or "", group, fmt_seconds(longest),
    median and (", median run " .. fmt_seconds(median)) or "")
end

function Progress:line()
  local el = gg.clock() - self.t0
  local eta = self.done > 0 and el / self.done * (self.total - self.done) or nil
  local c = self.counts
  -- running comes from the pool's last tick: never more than the runs not done yet
  local running = math.max(0, math.min(self.running, self.total - self.done))
  local stuck = running > 0 and self:stuck()
  return string.format("%d/%d done, %d running, %d failed, %d diverged, %.1fs elapsed%s%s",
    self.done, self.total, running, c.failed, c.diverged, el,
    eta and string.format(", ETA %.1fs", eta) or "", stuck and ("; " .. stuck) or "")
end

function Progress:show(force)
  if self.quiet then return end
  local now = gg.clock()
  if self.tty then
    if force or now - self.last >= 0.1 then
      local width = 24
      local fill = self.total > 0 and math.floor(width * self.done / self.total) or width
      self.out:write(string.format("\r[%s%s] %s\27[K", string.rep("#", fill), string.rep(".", width - fill),
        self:line()))
      self.last = now
    end
  elseif force or now - self.last >= 3 then
    self.out:write(self:line() .. "\n")
    self.last = now
  end
end

-- keep(rec): a run kept from an earlier invocation (--resume): counted, not printed.
function Progress:keep(rec)
  self.done = self.done + 1
  self:add_wall(rec)
  self.kept = (self.kept or 0) + 1
  self.counts[rec.status] = (self.counts[rec.status] or 0) + 1
end

-- record(rec [, log]): a run of this invocation finished (it no longer runs); log: what it
-- printed, shown below its line with verbose (each line as "  | text").
function Progress:record(rec, log)
  self.done = self.done + 1
  if self.active then  -- until the next tick, the runs going on are those of the last one but rec
    for k = #self.active, 1, -1 do
      if self.active[k].id == rec.run_id then
        table.remove(self.active, k)
        table.remove(self.since, k)
      end
    end
  end
  self:add_wall(rec)
  self.running = math.max(0, self.running - 1)
  self.counts[rec.status] = (self.counts[rec.status] or 0) + 1
  if not self.quiet and (self.verbose or rec.status == "failed") then
    -- A failure is worth a line of its own, above the bar.
    if self.tty then self.out:write("\r\27[K") end
    self.out:write(M.progress_line(rec, self.total))
    if self.verbose and log then self.out:write((log:gsub("\n?$", "\n", 1):gsub("[^\n]*\n", "  | %0"))) end
  end
  self:show(false)
end

function Progress:finish()
  if self.quiet then return end
  self:show(true)
  if self.tty then self.out:write("\n") end
end

-- A failed record written by the parent for a run whose worker died, timed out or ran
-- out of memory (the run itself could not write one). wall: seconds from dispatch to the
-- end the parent saw (0 when unknown).
local function write_failure(st, exp, point, index, id, reason, wall, script_sha256)
  local seed = sweep.run_seed(exp.seed, point)
  local rec = { run_id = id, params = point, index = index, run_seed = seed, status = "failed",
    error = reason, steps = 0, wall_s = round_us(wall or 0), script_sha256 = script_sha256,
    gglab_build = M.BUILD_ID }
  st:begin_run(id):finish(rec, reason .. "\n")
  return rec
end

-- ---- one invocation's sweep, step by step ----
-- The steps share a state table s: exp, opts, st (the store), points, ids, names, finished
-- (run id -> record of the runs already in the store), mine (the sweep positions this
-- invocation owns), tasks (those it runs), result, progress.

-- Plan: the run ids, this shard's points, and which of them resume keeps and which run.
-- Without resume/rerun_failed the store was opened fresh, so every point of mine runs.
local function plan(s)
  local opts = s.opts
  s.points = s.exp.sweep:points()
  s.ids = plan_ids(s.points)
  s.names = s.exp.sweep:names()
  s.name_set = {}
  for _, name in ipairs(s.names) do s.name_set[name] = true end
  s.finished = (opts.resume or opts.rerun_failed) and s.st:finished() or {}
  s.mine, s.tasks = {}, {}
  for i, point in ipairs(s.points) do
    if in_shard(i, opts.shard) then
      s.mine[#s.mine + 1] = i
      local prev = s.finished[s.ids[i]]
      if prev and (opts.resume or prev.status ~= "failed") then
        prev.params, prev.index, prev.kept = point, i, true
        prev.summary = store.summary_of(prev.extra, point)
      else
        if prev then  -- --rerun-failed: its old row file stays until the new one replaces it
          s.old_rows = s.old_rows or {}
          s.old_rows[s.ids[i]] = util.read_file(s.st:run_path(s.ids[i], schema.RUN_SUFFIXES.row)) or ""
        end
        s.finished[s.ids[i]] = nil  -- to be run (again)
        s.tasks[#s.tasks + 1] = { index = i, id = s.ids[i] }
      end
    end
  end
end

-- The result being built and the progress display, which starts with the kept runs.
local function start(s)
  local opts = s.opts
  s.result = { name = s.exp.name, out = s.out, points = #s.mine, records = {},
    counts = { ok = 0, diverged = 0, failed = 0 }, skipped = #s.mine - #s.tasks, store = s.st }
  local tty = opts.tty
  if tty == nil then tty = gg.proc ~= nil and gg.proc.isatty ~= nil and gg.proc.isatty(2) or false end
  s.progress = new_progress(opts.stderr or io.stderr, #s.mine, opts.quiet, tty)
  s.progress.verbose, s.progress.points = opts.verbose, s.points
  for _, i in ipairs(s.mine) do
    local prev = s.finished[s.ids[i]]
    if prev then
      s.result.records[i] = prev
      s.progress:keep(prev)
    end
  end
  if s.progress.kept and opts.verbose and not opts.quiet then
    s.progress.out:write(string.format("kept %d finished run%s of %s\n", s.progress.kept,
      s.progress.kept == 1 and "" or "s", s.out))
  end
end

-- A task finished with record rec.
local function done(s, task, rec)
  rec.index = task.index
  s.result.records[task.index] = rec
  s.finished[task.id] = rec
  s.progress:record(rec, s.opts.verbose and not s.opts.quiet and s.st:read_log(task.id) or nil)
end

-- A write error of the store (a full disk, an I/O error) fails the run it hit, with the
-- OS's reason, and stops the sweep: no new run starts, runs in flight are stopped, and
-- every run saved before stays as it is (--resume completes the sweep later). The failed
-- record goes to disk if it can, and is kept in memory (the summary) in any case.
local function failure(s, task, reason, wall)
  local point = s.points[task.index]
  local ok, rec = pcall(write_failure, s.st, s.exp, point, task.index, task.id, reason, wall,
    s.script_sha256)
  if ok then return rec end
  if not store.is_write_error(rec) then error(rec, 0) end
  s.result.store_error = s.result.store_error or rec
  return { run_id = task.id, params = point, index = task.index, status = "failed", error = reason,
    run_seed = sweep.run_seed(s.exp.seed, point), steps = 0, wall_s = round_us(wall or 0), unsaved = true }
end

-- ---- ensembles (gglab.engine.ensemble) ----

--[[ Ensemble mode (opts.ensemble = true, --ensemble; off by default, because the kernel is
  at parity with solo training, not faster: docs/performance.md): the tasks go in groups of consecutive points, at most
  opts.ensemble_width (default ensemble.WIDTH) and no more than an even share of the tasks
  per worker, and each group runs its points' run_point as lanes of one ensemble.run. ]]
local function ensemble_on(s)
  return s.opts.ensemble == true
end

local function group_tasks(tasks, width, jobs)
  local per = math.max(1, math.min(width, (#tasks + jobs - 1) // math.max(jobs, 1)))
  local groups = {}
  for k = 1, #tasks, per do
    local members = table.move(tasks, k, math.min(k + per - 1, #tasks), 1, {})
    groups[#groups + 1] = { index = members[1].index, id = members[1].id, members = members,
      weight = #members }
  end
  return groups
end

-- The lanes share the runner's list of the data files the running run opens.
local LANE_STATE = {
  enter = function(lane) opened_by_run = lane.opened end,
  leave = function(lane) lane.opened, opened_by_run = opened_by_run, nil end,
  stop_on_error = true,   -- a store error stops the sweep: the group's other runs stop too
}

-- run_group(s, members, ctx, logs) -> lanes (ensemble.run's, in members' order), stats.
local function run_group(s, members, ctx, logs)
  local lanes = {}
  for k, task in ipairs(members) do
    lanes[k] = { log = logs and s.st:run_path(task.id, schema.RUN_SUFFIXES.log),
      fn = function() return M.run_point(s.exp, s.points[task.index], task.index, ctx) end }
  end
  return lanes, ensemble.run(lanes, LANE_STATE)
end

--[[ The runs per group: opts.ensemble_width (default ensemble.WIDTH) once a run of this
  invocation got a key for an epoch (s.ens.keyed > 0: the first runs, one per worker, run
  in groups of one to find out), else 1: every run then goes through the same machinery,
  alone, handed out one at a time as without ensembles (a build without an ensemble
  kernel, gg.ensemble_key == nil; a sweep whose models the kernel refuses). ]]
local function width(s)
  if gg.ensemble_key == nil or s.ens.keyed == 0 then return 1 end
  return s.opts.ensemble_width or ensemble.WIDTH
end

-- The tasks in groups: the first `probe` of them alone (see width), then the others.
local function plan_groups(s, from, jobs)
  local rest = table.move(s.tasks, from, #s.tasks, 1, {})
  return group_tasks(rest, width(s), jobs)
end

-- The manifest's "ensemble" counts: how this invocation's runs ran (see docs/runner.md).
local function count_run(s, ran, reason)
  local e = s.ens
  if ran == "ensemble" then
    e.runs = e.runs + 1
  else
    e.solo = e.solo + 1
    reason = reason or "unknown"
    e.reasons[reason] = (e.reasons[reason] or 0) + 1
  end
end

local function run_ctx(s, ens)
  return { store = s.st, ids = s.ids, param_names = s.name_set, script_sha256 = s.script_sha256,
    set_names = s.opts.set_names, resume = s.opts.resume or s.opts.rerun_failed, ensemble = ens }
end

-- Execute in this process, group after group.
local function execute_inline_groups(s)
  local ctx = run_ctx(s, true)
  local groups = plan_groups(s, 1, 1)
  local g = 1
  while groups[g] do
    local group = groups[g]
    local lanes, stats = run_group(s, group.members, ctx, false)
    s.ens.groups, s.ens.calls, s.ens.keyed = s.ens.groups + 1, s.ens.calls + stats.calls, s.ens.keyed + stats.keyed
    if #group.members == 1 and width(s) > 1 then  -- a key found: the rest in groups
      local next_index = group.members[1].index
      local from
      for k, t in ipairs(s.tasks) do if t.index == next_index then from = k + 1 end end
      groups, g = plan_groups(s, from, 1), 0
    end
    g = g + 1
    for k, lane in ipairs(lanes) do
      local task, rec = group.members[k], lane.result
      if lane.error ~= nil then
        if not store.is_write_error(lane.error) then error(lane.error, 0) end
        s.result.store_error = s.result.store_error or lane.error
        rec = failure(s, task, lane.error, lane.wall)
      end
      if not lane.aborted then
        count_run(s, lane.ran, lane.reason)
        done(s, task, rec)
      end
    end
    if s.result.store_error then
      pcall(s.st.remove_partial, s.st)   -- the files of the runs stopped with it
      break
    end
  end
end

-- Execute in this process, one task after the other (jobs = 0, or no process support).
local function execute_inline(s)
  if ensemble_on(s) then return execute_inline_groups(s) end
  local ctx = run_ctx(s, nil)
  for _, task in ipairs(s.tasks) do
    local t0 = gg.clock()
    local ok, rec = pcall(M.run_point, s.exp, s.points[task.index], task.index, ctx)
    if not ok then
      if not store.is_write_error(rec) then error(rec, 0) end
      s.result.store_error = s.result.store_error or rec
      rec = failure(s, task, rec, gg.clock() - t0)
    end
    count_run(s, "solo", "ensembles off")
    done(s, task, rec)
    if s.result.store_error then break end
  end
end

local STOP = {}  -- raised by on_done to end pool.run after a store write error

local ROWS_KEPT = 5000  -- sweeps up to this size keep their row files in memory (execute)

--[[ The pool's timeout: opts.timeout (a number) as it is; false: none; nil: the automatic
  one (M.AUTO_TIMEOUT, overridden by opts.auto_timeout's fields; none if it is false), a
  function of the progress so far that the pool asks at every check. ]]
local function pool_timeout(s)
  local opts = s.opts
  if opts.timeout ~= nil or opts.auto_timeout == false then return opts.timeout or nil end
  local a = {}
  for k, v in pairs(M.AUTO_TIMEOUT) do a[k] = (opts.auto_timeout or {})[k] or v end
  return function()
    local median, n = s.progress:median()
    if not median or n < a.min_runs then return nil end
    local limit = math.max(a.floor, a.factor * median)
    if limit ~= s.auto_limit then
      s.auto_limit = limit
      s.auto_reason = string.format("automatic timeout after %s (%s x the median run time %s, at least %s; "
        .. "--timeout SECONDS to set one, 0 for none)", fmt_seconds(limit), gg.fmt_number(a.factor),
        fmt_seconds(median), fmt_seconds(a.floor))
    end
    return limit, s.auto_reason
  end
end

-- The work of a group in a worker: its lanes, each run's output going to its own log; the
-- note for the parent: "<ensemble calls>,<runs keyed>;<member 1>;...", a member "e" (ran in an
-- ensemble), "s:<reason>" (solo), "x:<error>" (its run_point raised: I/O) or "a" (not
-- finished: stopped after that error).
local function group_work(s, task, ctx)
  local lanes, stats = run_group(s, task.members, ctx, true)
  local notes = { stats.calls .. "," .. stats.keyed }
  for k, lane in ipairs(lanes) do
    local note
    if lane.error ~= nil then
      note = "x:" .. first_line(lane.error)
    elseif lane.aborted then
      note = "a"
    else
      note = lane.ran == "ensemble" and "e" or ("s:" .. tostring(lane.reason))
    end
    notes[k + 1] = (note:gsub("[;\t\r\n]", " "))
  end
  return table.concat(notes, ";")
end

-- Whether member (a task of a group that died) finished before its worker died: its row
-- file is there and is not the one an earlier invocation left (--rerun-failed).
local function member_record(s, member)
  local rec = s.st:read_record(member.id, s.points[member.index])
  if rec and s.old_rows and s.old_rows[member.id] then
    local now = util.read_file(s.st:run_path(member.id, schema.RUN_SUFFIXES.row))
    if now == s.old_rows[member.id] then return nil end
  end
  return rec
end

--[[ A group came back (on_done). outcome.ok: each member's record is on disk. Else the
  worker died (an error of the store, a crash, os.exit, the memory limit, the timeout
  scaled by the group's size): the members that finished before are kept, the others go to
  s.retry, to run alone afterwards (so the run at fault fails exactly as it would solo),
  except after a store write error, which fails them with it. ]]
local function group_done(s, task, outcome)
  local notes = {}
  for part in (outcome.note or ""):gmatch("[^;]+") do notes[#notes + 1] = part end
  local calls, keyed = (notes[1] or ""):match("^(%d+),(%d+)$")
  s.ens.groups, s.ens.calls = s.ens.groups + 1, s.ens.calls + (tonumber(calls) or 0)
  s.ens.keyed = s.ens.keyed + (tonumber(keyed) or 0)
  local write_error = not outcome.ok and (outcome.reason or ""):match("^error: (cannot write '.*)$")
  for k, member in ipairs(task.members) do
    local rec = member_record(s, member)
    local note = notes[k + 1]
    if note == "a" then
      rec = nil   -- stopped by another run's store error: not run
    elseif note and note:sub(1, 2) == "x:" then
      local reason = note:sub(3)
      if reason:match("^cannot write '") then
        s.result.store_error = s.result.store_error or reason
      else
        reason = "error: " .. reason
      end
      count_run(s, "solo", "group failed")
      rec = failure(s, member, reason, outcome.wall_s / #task.members)
    elseif rec then
      if note == "e" then count_run(s, "ensemble") else count_run(s, "solo", note and note:sub(3) or "group failed") end
    elseif outcome.ok or write_error then
      local reason = outcome.ok and "the worker ended without writing a result" or write_error
      if write_error then s.result.store_error = s.result.store_error or write_error end
      count_run(s, "solo", "group failed")
      rec = failure(s, member, reason, outcome.wall_s / #task.members)
    else
      s.retry[#s.retry + 1] = member
    end
    if rec then
      pcall(s.st.tidy_log, s.st, member.id)
      done(s, member, rec)
    end
  end
end

-- Execute in worker processes (gglab.engine.pool); the parent reads back each run's record.
-- Each run's stdout and stderr go to its log (runs/<id>.log), removed when empty. tasks:
-- s.tasks, or their groups (ensemble mode), or (retry) the runs of groups that died.
local function execute_pool(s, jobs, tasks, retry)
  local pool = require "gglab.engine.pool"
  local opts, result = s.opts, s.result
  local ctx, group_ctx = run_ctx(s, nil), run_ctx(s, true)
  s.st:capture_logs()
  local ok, pool_stats = pcall(pool.run, tasks, {
    jobs = jobs, timeout = pool_timeout(s), memory = opts.memory,
    log_dir = s.st.run_dir, log_suffix = schema.RUN_SUFFIXES.log,
    work = function(task)
      io.stdout:setvbuf("no")
      s.st:keep_rows(false)  -- in the worker: the parent combines
      if task.members then return group_work(s, task, group_ctx) end
      M.run_point(s.exp, s.points[task.index], task.index, ctx)
    end,
    on_done = function(task, outcome)
      if task.members then
        group_done(s, task, outcome)
        if result.store_error then error(STOP, 0) end
        return
      end
      count_run(s, "solo", retry and "retried alone (its group's worker died)" or "ensembles off")
      local rec = outcome.ok and s.st:read_record(task.id, s.points[task.index])
      if not rec then
        local reason = outcome.reason or "the worker ended without writing a result"
        local write_error = reason:match("^error: (cannot write '.*)$")
        if write_error then
          reason = write_error
          result.store_error = result.store_error or write_error
        end
        rec = failure(s, task, reason, outcome.wall_s)
      end
      -- An empty log the worker still holds is its next run's log (pool.run removes it if none).
      if not outcome.log_held then pcall(s.st.tidy_log, s.st, task.id) end
      done(s, task, rec)
      if result.store_error then error(STOP, 0) end
    end,
    on_tick = function(_, _, active, since)
      local running = 0
      for _, t in ipairs(active) do running = running + (t.weight or 1) end
      s.progress.running, s.progress.active, s.progress.since = running, active, since
      s.progress:show(false)
    end,
  })
  if not ok and pool_stats ~= STOP then error(pool_stats, 0) end
  result.interrupted = ok and pool_stats.interrupted
  -- Stopped by a write error: the runs in flight were killed; drop their partial files.
  if not ok then
    result.stopped = true
    pcall(s.st.remove_partial, s.st)
  end
end

-- Execute the tasks, inline or in a pool, with the progress display and the wall time.
local function execute(s)
  local t0 = gg.clock()
  s.ens = { runs = 0, solo = 0, groups = 0, calls = 0, keyed = 0, reasons = {} }
  local jobs = s.opts.jobs
  if jobs == nil then jobs = gg.proc and gg.proc.nproc() or 0 end
  if jobs == 0 or not gg.proc then
    execute_inline(s)
  elseif not ensemble_on(s) then
    execute_pool(s, jobs, s.tasks)
  else
    s.retry = {}
    local r = s.result
    local function going() return not r.interrupted and not r.stopped and not r.store_error end
    -- First one run per worker, alone: whether the runs get keys decides the groups' size.
    local probe = gg.ensemble_key ~= nil and math.min(jobs, #s.tasks) or 0
    if probe > 0 then execute_pool(s, jobs, group_tasks(table.move(s.tasks, 1, probe, 1, {}), 1, jobs)) end
    if going() and probe < #s.tasks then execute_pool(s, jobs, plan_groups(s, probe + 1, jobs)) end
    if #s.retry > 0 and going() then
      table.sort(s.retry, function(a, b) return a.index < b.index end)
      execute_pool(s, jobs, s.retry, true)
    end
  end
  s.progress.running = 0
  s.progress:finish()
  s.result.wall_s = round_us(gg.clock() - t0)
end

-- After a write error the combined files are still attempted (the disk may have room
-- again); if they cannot be written either, the previous ones stay as they were.
local function store_step(result, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then return true end
  if not store.is_write_error(err) then error(err, 0) end
  result.store_error = result.store_error or err
  result.unsaved = true
  return false
end

-- Combine: result.records/counts over mine in sweep order, then runs.csv and curves.csv
-- over every finished run of the store (those found at the start plus those completed).
-- Only after an interruption (or a stop for a write error) is the store scanned again — a
-- worker stopped mid-way may still have finished its run.
local function combine(s)
  local result = s.result
  if result.interrupted or result.stopped then
    s.finished = s.st:finished()
    for _, i in ipairs(s.mine) do
      local rec = s.finished[s.ids[i]]
      if rec and not result.records[i] then
        rec.params = s.points[i]
        result.records[i] = rec
      end
    end
  end
  local present = {}
  for i in ipairs(s.points) do
    local rec = s.finished[s.ids[i]]
    if rec and not rec.unsaved then present[#present + 1] = s.ids[i] end
  end
  result.counts = { ok = 0, diverged = 0, failed = 0 }
  local list = {}
  for _, i in ipairs(s.mine) do
    local r = result.records[i]
    if r then
      r.index = i
      result.counts[r.status] = result.counts[r.status] + 1
      list[#list + 1] = r
    end
  end
  result.records = list
  -- run:summary columns: the union of the names every present run chose, sorted (a record
  -- read back without its point has them in rec.extra only).
  local seen, summary_names = {}, {}
  for i in ipairs(s.points) do
    local rec = s.finished[s.ids[i]]
    if rec and not rec.unsaved then
      for name in pairs(rec.summary or store.summary_of(rec.extra, s.points[i]) or {}) do
        if not seen[name] then seen[name], summary_names[#summary_names + 1] = true, name end
      end
    end
  end
  table.sort(summary_names)
  s.summary_names = #summary_names > 0 and summary_names or nil
  store_step(result, s.st.combine, s.st, present, s.names, summary_names)
  return present
end

--[[ The refusal of --resume/--rerun-failed into a folder of another script: field (what
  differs), the folder's and this run's values, and what to do instead. Worded like
  gglab merge's refusal of shards of different scripts. ]]
local function resume_refusal(s, field, theirs, ours)
  return string.format("cannot resume into '%s': different %s (%s in the folder vs %s now): "
    .. "its runs were made by another script or another version of this one; use --out DIR "
    .. "for a new folder, or --force to resume anyway (recorded in the manifest)", s.out, field,
    store.show_value(theirs), store.show_value(ours))
end

--[[ resume_check(s) -> forced_resume (or nil), nil | nil, msg. Before --resume or
  --rerun-failed touches the folder: the script hash its manifest names must be this
  script's (json null = no script file on both sides). opts.force accepts another and
  returns what the manifest records: { previous_script_sha256, date }. A folder whose
  manifest already records a forced resume with this script's hash keeps that record. A
  folder without a readable manifest (killed before writing one) is checked run by run
  (kept_runs_check). ]]
local function resume_check(s)
  local m = store.read(s.out)
  m = m and m:manifest()
  if type(m) ~= "table" or m.script_sha256 == nil then return nil end
  local ours, theirs = s.script_sha256 or json.null, m.script_sha256
  if theirs == ours then
    local forced = m.forced_resume ~= json.null and type(m.forced_resume) == "table" and m.forced_resume or nil
    s.trust_kept_runs = forced ~= nil
    return forced
  end
  if not s.opts.force then return nil, resume_refusal(s, "script_sha256", theirs, ours) end
  s.trust_kept_runs = true
  return { previous_script_sha256 = theirs, date = os.date("!%Y-%m-%dT%H:%M:%SZ") }
end

--[[ kept_runs_check(s) -> msg or nil, after plan: every run resume keeps must have been
  made by this script (its row file's script_sha256; files of older gglabs name none).
  Skipped under --force or in a folder whose manifest records a forced resume. ]]
local function kept_runs_check(s)
  if s.trust_kept_runs then return nil end
  local ours = s.script_sha256
  for i in ipairs(s.points) do
    local rec = s.finished[s.ids[i]]
    if rec and rec.script_sha256 and rec.script_sha256 ~= ours then
      if not s.opts.force then
        return resume_refusal(s, "script_sha256 of run " .. s.ids[i], rec.script_sha256, ours)
      end
      s.forced_resume = s.forced_resume or { previous_script_sha256 = rec.script_sha256,
        date = os.date("!%Y-%m-%dT%H:%M:%SZ") }
    end
  end
  return nil
end

--[[ data_provenance(records) -> the manifest's data_files: { {path, sha256}, ... } sorted
  by path, for every data file the runs of records opened (their data_files) or the script
  opened outside them (M.loaded_data); each file is hashed once, here (sha256 json null
  when it cannot be read now). ]]
local function data_provenance(records)
  local seen, paths = {}, {}
  local function add(path)
    if path ~= "" and not seen[path] then
      seen[path] = true
      paths[#paths + 1] = path
    end
  end
  for _, path in ipairs(M.loaded_data) do add(path) end
  for _, rec in ipairs(records) do
    for path in (rec.data_files or ""):gmatch("[^\n]+") do add(path) end
  end
  table.sort(paths)
  local out = {}
  for i, path in ipairs(paths) do
    out[i] = { path = path, sha256 = gg.sha256_file(path) or json.null }
  end
  return out
end

-- run_builds(records) -> the sorted distinct build ids the runs of records name.
local function run_builds(records)
  local seen, out = {}, {}
  for _, rec in ipairs(records) do
    local b = rec.gglab_build
    if b and not seen[b] then
      seen[b] = true
      out[#out + 1] = b
    end
  end
  table.sort(out)
  return out
end

-- The manifest's fields (write_manifest adds the claims' verdicts).
local function manifest_info(s, present)
  local exp, opts, result = s.exp, s.opts, s.result
  local git_commit, git_dirty
  if s.git then
    local commit, dirty = s.git()
    git_commit, git_dirty = commit or json.null, dirty == nil and json.null or dirty
  end
  return { name = exp.name, description = exp.description, seed = exp.seed,
    script = opts.script, argv = opts.argv, points = #s.points, counts = result.counts,
    script_sha256 = s.script_sha256 or json.null, script_text = s.script_text or json.null,
    forced_resume = s.forced_resume or json.null, data_files = data_provenance(result.records),
    run_builds = run_builds(result.records),
    flush_denormal = exp.flush_denormal == true, long = exp.long == true,
    wall_s = result.wall_s, run_ids = s.ids, param_names = s.names, summary_names = s.summary_names,
    shard = opts.shard and { k = opts.shard.k, n = opts.shard.n } or json.null,
    ensemble = s.ens,
    complete = #present == #s.points, git_commit = git_commit, git_dirty = git_dirty }
end

--[[ execute(exp, opts) -> result, or nil, msg when the output directory is unusable.
  Runs this invocation's points and writes runs.csv and curves.csv, but not manifest.json
  (write_manifest) and prints nothing on stdout (run does both).
  opts: out (default "results/<name>"); quiet; verbose (a line per finished run); script
  and argv (manifest); stderr (an object with :write, for the progress); jobs (worker
  processes, default the number of cores; 0 runs in this process without isolation);
  timeout (seconds per run; false: no limit; nil: the automatic one, M.AUTO_TIMEOUT, whose
  fields auto_timeout = {factor, floor, min_runs} replaces; auto_timeout = false: none);
  memory (bytes of address space per worker); shard = {k, n};
  ensemble (true, --ensemble: runs go in groups, their gg.train epochs trained together
  where gg.ensemble_key allows, see "ensembles" above; default false: each alone);
  ensemble_width (runs per group, default ensemble.WIDTH);
  resume (skip runs that have finished, whatever their status); rerun_failed (skip
  finished runs except failed ones); force (resume into a folder of another script:
  resume_check); overwrite (a fresh run removes the results already in out instead of
  moving them to out/history/<date>/, which result.previous then names); tty (force the progress style; default: stderr is a
  terminal); fail_write (tests only: store.open's). Without resume/rerun_failed the store starts fresh.
  Interrupted by SIGINT/SIGTERM: stops dispatching, keeps every finished run, rebuilds the
  combined files from them, and returns result.interrupted = true.
  result = { name, out, points, counts = {ok, diverged, failed}, records (sweep order; those
  --resume kept have kept = true),
  wall_s, skipped, interrupted, store_error, store (the open store: read_curve),
  manifest (its fields) }. store_error: the first write error of the store ("cannot write
  '<path>': No space left on device"); the sweep stopped there, the run it hit is failed
  with it, and the runs saved before are intact.
  opts.set_names (a list: the --set names) has run_point note which of them each run reads
  (the records' params_read). ]]
function M.execute(exp, opts)
  opts = opts or {}
  local s = { exp = exp, opts = opts, out = opts.out or ("results/" .. exp.name) }
  local msg
  -- The script as it is now (read and hashed once: it may be edited while the sweep runs).
  if opts.script then
    s.script_text, msg = util.read_file(opts.script)
    if not s.script_text then return nil, string.format("cannot read '%s': %s", opts.script, tostring(msg)) end
    s.script_sha256 = gg.sha256_file(opts.script)
  end
  if opts.resume or opts.rerun_failed then
    s.forced_resume, msg = resume_check(s)
    if msg then return nil, msg end
  end
  s.st, msg = store.open(s.out, { fresh = not (opts.resume or opts.rerun_failed),
    overwrite = opts.overwrite, fail_write = opts.fail_write })
  if not s.st then return nil, msg end
  plan(s)
  -- combine takes runs.csv's rows from the records read back: ~1 kB a run, so only for a
  -- sweep of up to ROWS_KEPT points (the parent of a 20,000-run sweep stays small).
  s.st:keep_rows(#s.points <= ROWS_KEPT)
  if opts.resume or opts.rerun_failed then
    msg = kept_runs_check(s)
    if msg then return nil, msg end
  end
  -- The manifest's git commit and dirty flag: asked now, while the runs go on.
  if opts.script then s.git = store.git_probe(opts.script:match("^(.*)/[^/]*$") or ".") end
  start(s)
  s.result.previous = s.st.previous
  execute(s)
  local present = combine(s)
  s.result.manifest = manifest_info(s, present)
  return s.result
end

--[[ write_manifest(result, verdicts): writes manifest.json of an executed sweep, with the
  claims' verdicts (gglab.claims.check) when given; a write error goes to
  result.store_error. Skipped when the combined files could not be written. ]]
function M.write_manifest(result, verdicts)
  if result.unsaved then return end
  result.manifest.claims = verdicts
  store_step(result, result.store.write_manifest, result.store, result.manifest)
end

-- The lines after the summary of an interrupted or stopped sweep ("" when neither).
function M.closing(result)
  local lines = {}
  if result.interrupted then
    lines[#lines + 1] = string.format("Interrupted: %d of %d runs finished; run again with --resume to "
      .. "complete.\n", #result.records, result.points)
  end
  if result.store_error then
    lines[#lines + 1] = string.format("Stopped: %s\n%d of %d runs finished; the saved ones are in %s/%s/. "
      .. "Once the disk has room, run again with --resume to complete the sweep (--rerun-failed also reruns "
      .. "the failed runs).\n", result.store_error, #result.records, result.points, result.out, schema.RUN_DIR)
  end
  return table.concat(lines)
end

--[[ run(exp, opts) -> result, or nil, msg: execute, write_manifest (no claims: gglab run
  judges them, see gglab.cli.run), then print the summary (and closing) on opts.stdout. ]]
function M.run(exp, opts)
  opts = opts or {}
  local result, msg = M.execute(exp, opts)
  if not result then return nil, msg end
  M.write_manifest(result)
  local stdout = opts.stdout or io.stdout
  stdout:write(M.summary(result))
  local closing = M.closing(result)
  if closing ~= "" then stdout:write(closing) end
  return result
end

return M
