--[[ lua/gglab/engine/store.lua — results store: writes a results folder (per-run files, combined
  CSVs, manifest) and reads one back (store.read: the reader every other module uses).
  The layout, file names and columns are lua/gglab/lib/schema.lua's.

  Writing (crash-safe, ready for a later --resume): every file is written to <file>.tmp
  and renamed into place, so a file that exists is complete. A run's .row.csv is renamed
  last: its presence means the run is finished. Per-run files are only ever written by the
  run that owns them, so forked workers can share one store. I/O failures raise an error
  "cannot write '<path>': <reason>" (the OS's reason, e.g. "No space left on device";
  M.is_write_error recognises them) and remove the partial .tmp file.

  Fault injection for tests (docs/reliability.md): open(dir, {fail_write = text}) makes
  closing any file whose final path contains text fail as on a full disk ("No space left
  on device"). `gglab run` (cli/run.lua) passes GGLAB_TEST_FAIL_WRITE down through
  runner.execute's opts.

  Reading: read(dir) -> results; results:runs() (runs.csv parsed), results:curves() (a
  streaming iterator over curves.csv), results:curve(id), results:meta(id),
  results:manifest(), results:doctor_reports(). A list-valued parameter's cell is its
  compact JSON text (param_cell writes it, param_value reads it back). ]]

local gg = require "gglab"
local json = require "gglab.lib.json"
local util = require "gglab.lib.util"
local schema = require "gglab.lib.schema"
local sweep = require "gglab.sweep"
local sorted_keys, shell_quote = util.sorted_keys, util.shell_quote

local M = {}

local SUFFIX = schema.RUN_SUFFIXES

local Store = {}
Store.__index = Store

local RunFiles = {}
RunFiles.__index = RunFiles

-- ---- helpers ----

-- check(path, ok, msg): takes a `value or nil, msg` result directly, e.g.
-- check(tmp, gg.fs.rename(tmp, path)); returns the value.
local function check(path, ok, msg)
  if not ok then error(string.format("cannot write '%s': %s", path, tostring(msg)), 0) end
  return ok
end

-- is_write_error(msg) -> true for the errors this module raises when a write fails.
function M.is_write_error(msg)
  return type(msg) == "string" and msg:match("^cannot write '") ~= nil
end

--[[ closed(self, path, tmp, ok, msg): the result of closing tmp, the file that becomes path.
  On failure (or one injected by the store's fail_write) removes tmp and raises "cannot
  write '<path>': <reason>"; the OS's reason comes without the writer's "write error: " prefix. ]]
local function closed(self, path, tmp, ok, msg)
  if ok and self.fail_write and path:find(self.fail_write, 1, true) then
    ok, msg = nil, "No space left on device"
  end
  if not ok then
    os.remove(tmp)
    msg = tostring(msg):gsub("^write error: ", "")
    check(path, nil, msg)
  end
end

local function commit(tmp, path)
  check(path, gg.fs.rename(tmp, path))
end

local function write_text(self, path, text)
  local tmp = path .. ".tmp"
  local f = check(path, io.open(tmp, "wb"))
  local ok, msg = f:write(text)
  local cok, cmsg = f:close()
  closed(self, path, tmp, ok and cok, msg or cmsg)
  commit(tmp, path)
end

-- columns(param_names [, summary_names]) -> the runs.csv header: run_id, these (sorted)
-- parameter names, the (sorted) run:summary names, then schema.RESULT_COLUMNS (wall_s last).
function M.columns(param_names, summary_names)
  local cols = { "run_id" }
  for _, name in ipairs(param_names) do cols[#cols + 1] = name end
  for _, name in ipairs(summary_names or {}) do cols[#cols + 1] = name end
  for _, name in ipairs(schema.RESULT_COLUMNS) do cols[#cols + 1] = name end
  return cols
end

local function is_run_file(name)
  local id, rest = name:match("^(%x+)(%..*)$")
  if not id or #id ~= 16 then return false end
  rest = rest:gsub("%.tmp$", "")
  for _, suffix in ipairs(schema.RUN_SUFFIX_LIST) do
    if rest == suffix then return true end
  end
  return false
end

-- ---- opening ----

-- Removes dir/<name> and dir/<name>.tmp for each name.
local function remove_combined(self, names)
  for _, name in ipairs(names) do
    for _, path in ipairs { self.dir .. "/" .. name, self.dir .. "/" .. name .. ".tmp" } do
      if gg.fs.exists(path) then check(path, gg.fs.remove(path)) end
    end
  end
end

-- The combined files of a sweep: a fresh run replaces them (they describe the old runs).
local SWEEP_FILES = { schema.RUNS_FILE, schema.CURVES_FILE, schema.MANIFEST_FILE, schema.SYMPTOMS_FILE,
  schema.REPORT_FILE }

local function clear_stale(self)
  for _, name in ipairs(assert(gg.fs.listdir(self.run_dir))) do
    local path = self.run_dir .. "/" .. name
    if is_run_file(name) then check(path, gg.fs.remove(path)) end
  end
  remove_combined(self, SWEEP_FILES)
end

-- Whether dir holds results of an earlier sweep: a finished run file or a combined file.
local function has_results(self)
  for _, name in ipairs(assert(gg.fs.listdir(self.run_dir))) do
    if is_run_file(name) and not name:match("%.tmp$") then return true end
  end
  for _, name in ipairs(SWEEP_FILES) do
    if gg.fs.exists(self.dir .. "/" .. name) then return true end
  end
  return false
end

-- "history/20261207-023000": the UTC date of the earlier sweep's manifest, else (an
-- interrupted sweep has none yet) now; "-2", "-3", ... appended when that folder exists.
local function history_name(self)
  local stamp
  local m = M.read(self.dir):manifest()  -- nil when there is none (or it is unreadable)
  local date = m and m.date
  if type(date) == "string" then
    local y, mo, d, h, mi, se = date:match("^(%d%d%d%d)-(%d%d)-(%d%d)T(%d%d):(%d%d):(%d%d)")
    if y then stamp = y .. mo .. d .. "-" .. h .. mi .. se end
  end
  stamp = stamp or os.date("!%Y%m%d-%H%M%S")
  local base = self.dir .. "/" .. schema.HISTORY_DIR .. "/"
  local name, k = stamp, 1
  while gg.fs.exists(base .. name) do
    k = k + 1
    name = stamp .. "-" .. k
  end
  return schema.HISTORY_DIR .. "/" .. name
end

--[[ keep_previous(self) -> "history/<date>": moves the earlier sweep's results (finished
  run files and combined files) to dir/history/<date>/ in the same layout, by renames
  (nothing is copied; partial .tmp files are dropped). The folder is a results folder like
  any other: gglab report, --resume and merge read it. ]]
local function keep_previous(self)
  local rel = history_name(self)
  local dest = self.dir .. "/" .. rel
  local dest_runs = dest .. "/" .. schema.RUN_DIR
  check(dest_runs, gg.fs.mkdir(dest_runs))
  for _, name in ipairs(assert(gg.fs.listdir(self.run_dir))) do
    local path = self.run_dir .. "/" .. name
    if is_run_file(name) then
      if name:match("%.tmp$") then check(path, gg.fs.remove(path))
      else check(dest_runs .. "/" .. name, gg.fs.rename(path, dest_runs .. "/" .. name)) end
    end
  end
  for _, name in ipairs(SWEEP_FILES) do
    local path = self.dir .. "/" .. name
    if gg.fs.exists(path) then check(dest .. "/" .. name, gg.fs.rename(path, dest .. "/" .. name)) end
    if gg.fs.exists(path .. ".tmp") then check(path .. ".tmp", gg.fs.remove(path .. ".tmp")) end
  end
  return rel
end

--[[ open(dir, opts) -> store, or nil, msg when dir is not usable.
  Creates dir and dir/runs. opts.fresh = true starts a new sweep: what an earlier sweep left
  in dir (per-run files matching <16 hex>.csv/.row.csv/.err/.meta.json/.log, the combined
  files, symptoms.csv and report.html) moves to dir/history/<date>/ (store.previous then
  names that folder, relative to dir), or is removed with opts.overwrite = true. Without
  fresh (resume) only report.html, the runs' .tmp files and the logs of unfinished runs go.
  Nothing else in the directory is touched: doctor/ holds the doctor's own runs and
  verdict, history/ the earlier sweeps.
  opts.fail_write = text (tests only): closing a file whose final path contains text fails as
  on a full disk. ]]
function M.open(dir, opts)
  if gg.fs.exists(dir) and not gg.fs.isdir(dir) then
    return nil, string.format("output path '%s' exists and is not a directory", dir)
  end
  local run_dir = dir .. "/" .. schema.RUN_DIR
  local ok, msg = gg.fs.mkdir(run_dir)
  if not ok then
    return nil, string.format("cannot create output directory '%s': %s", dir, tostring(msg))
  end
  local fail_write = opts and opts.fail_write
  if fail_write == "" then fail_write = nil end
  local self = setmetatable({ dir = dir, run_dir = run_dir, fail_write = fail_write }, Store)
  if opts and opts.fresh then
    -- Nothing of an earlier sweep is left in runs/ (below): no stale log or checkpoint to remove.
    self.fresh = true
    if not opts.overwrite and has_results(self) then
      local kept, rel = pcall(keep_previous, self)
      if not kept then return nil, string.format("cannot keep the earlier results of '%s': %s", dir, rel) end
      self.previous = rel
    end
    clear_stale(self)
  else
    -- a report.html describes the combined files it was made from; a resumed run rewrites them
    remove_combined(self, { schema.REPORT_FILE })
    self:remove_partial()
  end
  return self
end

-- remove_partial(): removes the .tmp files of runs (unfinished writes of runs killed
-- mid-way: never part of the store), the logs of runs that did not finish (no .row.csv)
-- and empty logs (a run that printed nothing has none; a worker killed with its parent may
-- leave the empty log it was about to reuse, gglab.engine.pool). Only while no worker
-- writes to the store.
function Store:remove_partial()
  local names = assert(gg.fs.listdir(self.run_dir))
  local present = {}
  for _, name in ipairs(names) do present[name] = true end
  for _, name in ipairs(names) do
    local id = name:match("^(%x+)" .. SUFFIX.log:gsub("%p", "%%%0") .. "$")
    local log = id and #id == 16
    local orphan_log = log and not present[id .. SUFFIX.row]
    if (name:match("%.tmp$") and is_run_file(name)) or orphan_log then
      check(name, gg.fs.remove(self.run_dir .. "/" .. name))
    elseif log then
      self:tidy_log(id)
    end
  end
end

function Store:run_path(id, suffix)
  return self.run_dir .. "/" .. id .. suffix
end

--[[ capture_logs(): from now on the runs' output goes to their log files, runs/<id>.log (the
  runner's worker pool redirects each worker's stdout and stderr there: pool.run's log_dir);
  without it (runs in this process) begin_run removes a run's log left by an earlier
  invocation, which would describe another execution. ]]
function Store:capture_logs()
  self.logs = true
end

-- log_note(id) -> " (see runs/<id>.log)" when run id's log holds output, else "".
function Store:log_note(id)
  local f = self.logs and io.open(self:run_path(id, SUFFIX.log), "rb")
  if not f then return "" end
  local size = f:seek("end")
  f:close()
  if not size or size == 0 then return "" end
  return " (see " .. schema.RUN_DIR .. "/" .. id .. SUFFIX.log .. ")"
end

-- read_log(id) -> what run id printed (its log), or nil when it printed nothing.
function Store:read_log(id)
  local text = self.logs and util.read_file(self:run_path(id, SUFFIX.log))
  return text and text ~= "" and text or nil
end

-- tidy_log(id): removes run id's log when it is empty (the run printed nothing).
function Store:tidy_log(id)
  local path = self:run_path(id, SUFFIX.log)
  local f = io.open(path, "rb")
  if not f then return end
  local size = f:seek("end")
  f:close()
  if size == 0 then check(path, gg.fs.remove(path)) end
end

-- ---- one run ----

-- Curve rows reach the file (<id>.csv.tmp, for tail -f) at the first row and then at the
-- first row logged FLUSH_EVERY seconds or more after the last flush: never once per row
-- (the writer checks a coarse clock in C, so a row costs what it did without it).
local FLUSH_EVERY = 1.0

-- begin_run(id) -> run files; curve rows stream to <id>.csv.tmp until finish.
function Store:begin_run(id)
  if not self.logs and not self.fresh then
    local log = self:run_path(id, SUFFIX.log)
    if gg.fs.exists(log) then check(log, gg.fs.remove(log)) end
  end
  local tmp = self:run_path(id, SUFFIX.curve .. ".tmp")
  local w = check(self:run_path(id, SUFFIX.curve), gg.csv.writer(tmp, FLUSH_EVERY))
  w:row(schema.CURVE_COLUMNS)
  return setmetatable({ store = self, id = id, w = w, tmp = tmp }, RunFiles)
end

-- curve(step, epoch, metric, value): one curves.csv row; epoch may be nil. The writer
-- flushes when a second or more has passed since its last flush (a write error surfaces
-- at finish).
function RunFiles:curve(step, epoch, metric, value)
  self.w:row { self.id, step, epoch == nil and gg.NULL or epoch, metric, value }
  if not self.shown then  -- the first row at once: tail -f shows that the run has started
    self.shown = true
    self.w:flush()
  end
end

-- curves(metric, values, from, to, base, epoch): the rows of curve(base + k, epoch, metric,
-- values[k]) for k = from..to, in one call (gg.train's per-step losses).
function RunFiles:curves(metric, values, from, to, base, epoch)
  self.w:series({ self.id, 0, epoch == nil and gg.NULL or epoch, metric, 0 }, 5, values, from, to, 2, base)
  if not self.shown then
    self.shown = true
    self.w:flush()
  end
end

-- checkpoint_path() -> runs/<id>.ckpt.safetensors: where gg.train{checkpoint_every} saves
-- this run's checkpoint (gg.checkpoint writes it atomically).
function RunFiles:checkpoint_path()
  self.ckpt = true
  return self.store:run_path(self.id, SUFFIX.ckpt)
end

-- meta(t): (re)writes <id>.meta.json with the table t (JSON-encodable: what run:meta got).
function RunFiles:meta(t)
  write_text(self.store, self.store:run_path(self.id, SUFFIX.meta), json.encode(t))
end

--[[ finish(record, traceback): commits the curve file, the .err file (when traceback is
  given) and last the .row.csv. record has the RESULT_COLUMNS and ROW_EXTRA_COLUMNS fields
  (nil = empty), run_id, params (the point) and summary (name -> number, run:summary; may be
  nil); the row file has the point's own parameter columns, its summary columns, the result
  columns and the extra columns. A failed run whose log holds output (capture_logs) gets
  " (see runs/<id>.log)" appended to record.error. A run that did not fail loses its
  checkpoint (gg.train{checkpoint_every}); a failed one keeps it. ]]
function RunFiles:finish(record, traceback)
  local st = self.store
  closed(st, st:run_path(self.id, SUFFIX.curve), self.tmp, self.w:close())
  commit(self.tmp, st:run_path(self.id, SUFFIX.curve))
  if traceback then write_text(st, st:run_path(self.id, SUFFIX.err), traceback) end
  if record.status == "failed" and record.error then record.error = record.error .. st:log_note(self.id) end
  local names = sorted_keys(record.params)
  local values = { record.run_id }
  for _, name in ipairs(names) do values[#values + 1] = M.param_cell(record.params[name]) end
  local summary_names = sorted_keys(record.summary or {})
  for _, name in ipairs(summary_names) do values[#values + 1] = record.summary[name] end
  for _, col in ipairs(schema.RESULT_COLUMNS) do
    local v = record[col]
    values[#values + 1] = v == nil and gg.NULL or v
  end
  local cols = M.columns(names, summary_names)
  for _, col in ipairs(schema.ROW_EXTRA_COLUMNS) do
    local v = record[col]
    cols[#cols + 1] = col
    values[#values + 1] = v == nil and gg.NULL or v
  end
  local path = st:run_path(self.id, SUFFIX.row)
  if st.rows then st.rows[self.id] = nil end
  local w = check(path, gg.csv.writer(path .. ".tmp"))
  w:row(cols)
  w:row(values)
  closed(st, path, path .. ".tmp", w:close())
  commit(path .. ".tmp", path)
  -- The writer formats a cell as it did here when combine writes it again.
  if st.rows then st.rows[self.id] = { cols, values } end
  -- A finished run (ok or diverged) is never continued: its checkpoint would only take disk.
  -- A failed run keeps it for --resume / --rerun-failed.
  -- (In a fresh store only this run can have made one.)
  if record.status ~= "failed" and (self.ckpt or not st.fresh) then os.remove(st:run_path(self.id, SUFFIX.ckpt)) end
end

--[[ param_cell(v) -> what a parameter's runs.csv (and row file) cell holds: a number,
  string or boolean as it is (the CSV writer formats it), a list value as its compact JSON
  text ([64,64], ["relu","tanh"]; sweep.list_text). param_value reads one back. ]]
function M.param_cell(v)
  if type(v) == "table" then return sweep.list_text(v) end
  return v
end

--[[ param_value(text) -> the list value a cell written by param_cell holds ({64, 64} for
  "[64,64]"), or nil when text is not a list's (a scalar's text, empty, a string that is not
  JSON: compare those as text). A string parameter whose text is a list's reads back as the
  list (a CSV cell holds no type); where the typed point matters the engine takes it from
  the script's sweep (resume, merge, claims), not from the cell. ]]
function M.param_value(text)
  return (sweep.parse_list(text))
end

-- ---- reading back (the writer's view: one run at a time) ----

--[[ number(s) -> a CSV number as gglab writes it ("0.1", "inf", "-inf", "nan"), or nil
  (empty, missing or not a number). ]]
function M.number(s)
  if s == nil or s == "" then return nil end
  local x = tonumber(s)
  if x then return x end
  if s == "inf" or s == "+inf" then return math.huge end
  if s == "-inf" then return -math.huge end
  if s == "nan" or s == "-nan" then return 0 / 0 end
  return nil
end
local number = M.number

-- The result columns a run's record holds as numbers.
local NUMERIC = { run_seed = true, wall_s = true }
for _, c in ipairs(schema.RESULT_NUMBERS) do NUMERIC[c] = true end
local ROW_EXTRA = {}
for _, c in ipairs(schema.ROW_EXTRA_COLUMNS) do ROW_EXTRA[c] = true end

--[[ read_record(id, params) -> the record of a finished run from its .row.csv, or nil when
  the run has no row file. Result columns come back typed (numbers), parameters as given
  by params (the point) — the row file's text would lose their types — and the
  ROW_EXTRA_COLUMNS (script_sha256, ...) as strings (nil when empty or absent: older files).
  rec.extra holds the other columns (parameters and run:summary ones) as text; given params,
  rec.summary is those that are not parameters, as numbers (nil when none). ]]
function Store:read_record(id, params)
  local rec, header, row = M.read_row_file(self:run_path(id, SUFFIX.row), id, params)
  if self.rows then self.rows[id] = rec and { header, row } or nil end
  return rec
end

--[[ keep_rows(on): with on = true the store keeps in memory the row file of every run it
  reads (read_record, finished) or writes (finish) in this process from now on, and combine
  takes runs.csv's rows from there instead of reading every row file again; false forgets
  them and stops (a forked worker: the parent combines). ]]
function Store:keep_rows(on)
  self.rows = on and (self.rows or {}) or nil
end

-- read_row_file(path, id, params) -> read_record's record from the row file at path (nil
-- when there is none), then the file's header and row (lists of texts).
function M.read_row_file(path, id, params)
  local header, rows = gg.csv.read(path)
  if not header and not gg.fs.exists(path) then return nil end
  if not header or not rows[1] then error(string.format("cannot read '%s': %s", path, tostring(rows)), 0) end
  local rec = { run_id = id, params = params }
  for i, name in ipairs(header) do
    local v = rows[1][i]
    if v == "" then v = nil end
    if NUMERIC[name] and v then v = number(v) end
    if name ~= "run_id" and (schema.RESULT_COLUMNS_SET[name] or ROW_EXTRA[name]) then
      rec[name] = v
    elseif name ~= "run_id" then
      rec.extra = rec.extra or {}
      rec.extra[name] = v
    end
  end
  if params then rec.summary = M.summary_of(rec.extra, params) end
  return rec, header, rows[1]
end

--[[ read_curve_file(path) -> list of {step, epoch, metric, value} rows of a per-run curve
  file (numbers typed; empty when the file does not exist). ]]
function M.read_curve_file(path)
  if not gg.fs.exists(path) then return {} end
  local header, rows = gg.csv.read(path)
  if not header then error(string.format("cannot read '%s': %s", path, tostring(rows)), 0) end
  local out = {}
  for i, row in ipairs(rows) do
    out[i] = { step = number(row[2]), epoch = number(row[3]), metric = row[4], value = number(row[5]) }
  end
  return out
end

-- read_curve(id) -> the rows of run id's curve file (read_curve_file).
function Store:read_curve(id)
  return M.read_curve_file(self:run_path(id, SUFFIX.curve))
end

-- read_meta_file(path) -> the table a run declared with run:meta, or nil when it has none.
function M.read_meta_file(path)
  if not gg.fs.exists(path) then return nil end
  local text, err = util.read_file(path)
  local t, msg = text and json.decode(text)
  if type(t) ~= "table" then error(string.format("cannot read '%s': %s", path, tostring(msg or err)), 0) end
  return t
end

--[[ finished() -> { [run_id] = record } for every run with a complete .row.csv — what
  --resume trusts (the row file is renamed into place last, after the run's other files).
  The records have no params (set them from the point when needed). ]]
function Store:finished()
  local done = {}
  for _, name in ipairs(assert(gg.fs.listdir(self.run_dir))) do
    local id = name:match("^(%x+)%.row%.csv$")
    if id and #id == 16 then done[id] = self:read_record(id, nil) end
  end
  return done
end

--[[ summary_of(extra, params) -> name -> number for the columns of extra (a record's
  non-result columns as text) that are not keys of params (the point), or nil when none. ]]
function M.summary_of(extra, params)
  local out
  for name, v in pairs(extra or {}) do
    if params[name] == nil then
      out = out or {}
      out[name] = number(v)
    end
  end
  return out
end

-- ---- combining ----

local function combine_runs(self, ids, param_names, summary_names)
  local path = self.dir .. "/" .. schema.RUNS_FILE
  local w = check(path, gg.csv.writer(path .. ".tmp"))
  local cols = M.columns(param_names, summary_names)
  w:row(cols)
  for _, id in ipairs(ids) do
    local kept = self.rows and self.rows[id]
    local header, row
    if kept then
      header, row = kept[1], kept[2]
    else
      local row_path = self:run_path(id, SUFFIX.row)
      local rows
      header, rows = gg.csv.read(row_path)
      if not header then
        w:close()
        os.remove(path .. ".tmp")
        error(string.format("cannot read '%s': %s", row_path, tostring(rows)), 0)
      end
      row = rows[1]
    end
    local by_name = {}
    for i, name in ipairs(header) do by_name[name] = row[i] end
    local values = {}
    for i, col in ipairs(cols) do
      local v = by_name[col]
      values[i] = (v == nil or v == "") and gg.NULL or v
    end
    w:row(values)
  end
  closed(self, path, path .. ".tmp", w:close())
  commit(path .. ".tmp", path)
end

-- Streams the per-run curve files: the first file's header, then every file's body.
local function combine_curves(self, ids)
  local path = self.dir .. "/" .. schema.CURVES_FILE
  local tmp = path .. ".tmp"
  local out = check(path, io.open(tmp, "wb"))
  local ok, msg = true, nil
  for i, id in ipairs(ids) do
    local src = self:run_path(id, SUFFIX.curve)
    local f, err = io.open(src, "rb")
    if not f then
      out:close()
      os.remove(tmp)
      error(string.format("cannot read '%s': %s", src, err), 0)
    end
    local header = f:read("L")
    if i == 1 and header then ok, msg = out:write(header) end
    for block in f:lines(65536) do
      if not ok then break end
      ok, msg = out:write(block)
    end
    f:close()
    if not ok then break end
  end
  local cok, cmsg = out:close()
  closed(self, path, tmp, ok and cok, msg or cmsg)
  commit(tmp, path)
end

-- combine(ids, param_names): rebuilds runs.csv and curves.csv from the per-run files of
-- ids (in that order: the sweep's order, restricted to runs that finished); param_names is
-- the sorted union of parameter names.
function Store:combine(ids, param_names, summary_names)
  combine_runs(self, ids, param_names, summary_names)
  combine_curves(self, ids)
end

-- ---- manifest ----

-- First line of a shell command's output, or nil (no output, or the command cannot run).
local function command_line(cmd)
  local p = io.popen(cmd)
  if not p then return nil end
  local out = p:read("l")
  p:close()
  return out
end

--[[ git_state(dir) -> commit, dirty: the HEAD commit of the git checkout holding dir and
  whether its tracked files differ from it (`git status --porcelain`, untracked files
  ignored); nil, nil when dir is not in a checkout, it has no commits, or there is no git. ]]
function M.git_state(dir)
  local q = shell_quote(dir)
  local commit = command_line("git -C " .. q .. " rev-parse HEAD 2>/dev/null")
  if not (commit and commit:match("^%x+$") and #commit >= 40) then return nil, nil end
  local status = command_line("git -C " .. q .. " status --porcelain --untracked-files=no 2>/dev/null"
    .. " || echo '?? git status failed'")
  return commit, status ~= nil and status ~= ""
end

--[[ git_probe(dir) -> collect: starts git_state(dir)'s two git commands now, in the
  background (one shell), and returns collect() -> commit, dirty: git_state's answer, read
  when asked. The runner starts it with the sweep, so the manifest's git fields cost no wall
  time at the end. A probe that did not finish (Ctrl-C reaches the whole process group)
  is replaced by git_state(dir) at that moment. ]]
function M.git_probe(dir)
  local q = shell_quote(dir)
  local p = io.popen("c=$(git -C " .. q .. " rev-parse HEAD 2>/dev/null) && echo \"$c\" && "
    .. "{ git -C " .. q .. " status --porcelain --untracked-files=no 2>/dev/null || echo '?? git status failed'; }; "
    .. "echo .")
  return function()
    local out = p and p:read("a")
    if p then p:close() end
    p = nil
    local lines = {}
    for line in (out or ""):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    if lines[#lines] ~= "." then return M.git_state(dir) end   -- killed on the way: ask again
    local commit = #lines > 1 and lines[1] or nil
    if not (commit and commit:match("^%x+$") and #commit >= 40) then return nil, nil end
    local status = #lines > 2 and lines[2] or nil
    return commit, status ~= nil and status ~= ""
  end
end

--[[ show_value(v) -> v for a one-line message: a long string (a hash) as its first 12
  characters and "...", quoted; nil or json null as null. merge's and --resume's refusals. ]]
function M.show_value(v)
  if v == nil or v == json.null then return "null" end
  if type(v) == "string" then
    return "'" .. (#v > 16 and v:sub(1, 12) .. "..." or v) .. "'"
  end
  return tostring(v)
end

-- The build that runs now (gg.build; older bindings have only gg.version).
local function build_info()
  local b = gg.build
  if type(b) ~= "table" then return { id = gg.version, version = gg.version } end
  return { id = b.id, version = b.version, source_sha256 = b.source_sha256, git = b.git or json.null }
end

--[[ write_manifest(info): manifest.json with info's fields (name, script, argv, points,
  counts, ...) plus provenance (docs/runner.md "Provenance"; field names in
  lib/schema.lua's MANIFEST_PROVENANCE): gglab version and build, UTC date, host, working
  directory, CPU path (isa: gg.isa(), and GGLAB_ISA as set), the script's sha256 and the
  git commit and dirty flag of its checkout (json null when unknown), and the output file
  names. A field info already has is kept (a merge copies the shards'). ]]
function Store:write_manifest(info)
  local m = {}
  for k, v in pairs(info) do m[k] = v end
  m.gglab_version = gg.version
  if m.gglab_build == nil then m.gglab_build = build_info() end
  m.date = os.date("!%Y-%m-%dT%H:%M:%SZ")
  m.host = gg.hostname()
  if m.cwd == nil then m.cwd = gg.fs.cwd() or json.null end
  if m.isa == nil then
    local ok, isa = pcall(gg.isa)
    m.isa = ok and isa or json.null
    m.isa_env = os.getenv("GGLAB_ISA") or json.null
  end
  -- Hash and commit of the script, unless the caller already knows them (a merge copies
  -- them from the shards, which may have run where the script path differs).
  if info.script_sha256 == nil then
    m.script_sha256 = info.script and gg.sha256_file(info.script) or json.null
  end
  if info.git_commit == nil then
    local commit, dirty
    if info.script then commit, dirty = M.git_state(info.script:match("^(.*)/[^/]*$") or ".") end
    m.git_commit = commit or json.null
    m.git_dirty = dirty == nil and json.null or dirty
  end
  m.files = { runs = schema.RUNS_FILE, curves = schema.CURVES_FILE, run_dir = schema.RUN_DIR }
  write_text(self, self.dir .. "/" .. schema.MANIFEST_FILE, json.encode(m))
end

-- ---- reading a results folder ----

local Results = {}
Results.__index = Results

--[[ read(dir) -> results, or nil, "no such results directory '<dir>'". Nothing is read
  yet: each method reads its file when called (a folder may lack any of them). ]]
function M.read(dir)
  if not gg.fs.isdir(dir) then return nil, string.format("no such results directory '%s'", dir) end
  return setmetatable({ dir = dir }, Results)
end

-- path(name) -> dir/name.
function Results:path(name)
  return self.dir .. "/" .. name
end

--[[ runs() -> runs | nil, msg: runs.csv parsed. runs = { path, header (the columns), col
  (name -> index), params (the parameter columns, in header order), summary (the run:summary
  columns, named by the manifest's summary_names, in header order), records }; a record =
  { id, status, error ("" when none), fields (the raw row), params (name -> raw text, ""
  when missing), summary (name -> number or nil; {} without summary columns), the RESULT_NUMBERS
  columns as numbers (nil when empty) }. ]]
function Results:runs()
  local path = self:path(schema.RUNS_FILE)
  if not gg.fs.exists(path) then
    return nil, string.format("'%s' has no %s (not a gglab results directory, or no run has finished)",
      self.dir, schema.RUNS_FILE)
  end
  local header, rows = gg.csv.read(path)
  if not header then return nil, rows end
  local col = {}
  for i, h in ipairs(header) do col[h] = i end
  if not (col.run_id and col.status) then
    return nil, string.format("%s: no run_id or status column (not a gglab %s)", path, schema.RUNS_FILE)
  end
  local is_summary = {}
  local m = self:manifest()
  if m and type(m.summary_names) == "table" then
    for _, name in ipairs(m.summary_names) do is_summary[name] = true end
  end
  local params, summary = {}, {}
  for _, h in ipairs(header) do
    if is_summary[h] then summary[#summary + 1] = h
    elseif h ~= "run_id" and not schema.RESULT_COLUMNS_SET[h] then params[#params + 1] = h end
  end
  local records = {}
  for i, row in ipairs(rows) do
    local r = { id = row[col.run_id], status = row[col.status], error = col.error and row[col.error] or "",
      fields = row, params = {} }
    for _, k in ipairs(schema.RESULT_NUMBERS) do r[k] = col[k] and number(row[col[k]]) end
    for _, name in ipairs(params) do r.params[name] = row[col[name]] or "" end
    r.summary = {}
    for _, name in ipairs(summary) do r.summary[name] = number(row[col[name]]) end
    records[i] = r
  end
  return { path = path, header = header, col = col, params = params, summary = summary, records = records }
end

--[[ curves() -> iterator, nil, nil, handle | nil, msg (no curves.csv, an empty one, or a
  header without the schema's CURVE_COLUMNS). `for run_id, step, epoch, metric, value in
  results:curves()` streams curves.csv row by row in bounded memory; step, epoch and value
  come as numbers (nil when empty). A row whose field count differs from the header's
  (a truncated file) or a read error raises "<path>:<line>: <reason>". ]]
function Results:curves()
  local path = self:path(schema.CURVES_FILE)
  if not gg.fs.exists(path) then return nil, string.format("'%s' has no %s", self.dir, schema.CURVES_FILE) end
  local rows, _, _, handle = gg.csv.rows(path)
  if not rows then return nil, handle end
  local header = rows()
  if not header then return nil, string.format("%s: empty file", path) end
  local col = {}
  for i, h in ipairs(header) do col[h] = i end
  local c = {}
  for i, name in ipairs(schema.CURVE_COLUMNS) do
    c[i] = col[name]
    if not c[i] then
      return nil, string.format("%s: no %s column (not a gglab %s)", path, name, schema.CURVES_FILE)
    end
  end
  local ci, cs, ce, cm, cv, n = c[1], c[2], c[3], c[4], c[5], #header
  local function next_row()
    local row, line = rows()
    if not row then return nil end
    if #row ~= n then
      error(string.format("%s:%d: %d field%s, the header has %d (truncated file?)", path, line, #row,
        #row == 1 and "" or "s", n), 0)
    end
    return row[ci], number(row[cs]), number(row[ce]), row[cm], number(row[cv])
  end
  return next_row, nil, nil, handle
end

-- curve(run_id) -> list of {step, epoch, metric, value} of runs/<run_id>.csv (empty when
-- the run has no curve file).
function Results:curve(run_id)
  return M.read_curve_file(self:path(schema.RUN_DIR .. "/" .. run_id .. SUFFIX.curve))
end

-- meta(run_id) -> the table run_id declared with run:meta, or nil when it declared none.
function Results:meta(run_id)
  return M.read_meta_file(self:path(schema.RUN_DIR .. "/" .. run_id .. SUFFIX.meta))
end

-- has_run(run_id) -> true when the run finished (its .row.csv and curve file exist).
function Results:has_run(run_id)
  local base = self:path(schema.RUN_DIR .. "/" .. run_id)
  return gg.fs.exists(base .. SUFFIX.row) and gg.fs.exists(base .. SUFFIX.curve)
end

--[[ manifest() -> the manifest.json table | nil, msg: "cannot read '<path>': <reason>",
  "'<path>': <JSON error>" or "'<path>' is not a JSON object". ]]
function Results:manifest()
  local path = self:path(schema.MANIFEST_FILE)
  local text, err = util.read_file(path)
  if not text then return nil, string.format("cannot read '%s': %s", path, tostring(err)) end
  local m, msg = json.decode(text)
  if m == nil then return nil, string.format("'%s': %s", path, msg) end
  if type(m) ~= "table" then return nil, string.format("'%s' is not a JSON object", path) end
  return m
end

--[[ doctor_reports() -> list of the texts `gglab doctor` wrote: <dir>/doctor/doctor.txt,
  then <dir>/doctor/<k>/doctor.txt (--all) by increasing k; empty when none. ]]
function Results:doctor_reports()
  local found = {}
  local base = self:path(schema.DOCTOR_DIR)
  local text = util.read_file(base .. "/" .. schema.DOCTOR_TEXT)
  if text then found[#found + 1] = text end
  if gg.fs.isdir(base) then
    local subs = {}
    for _, name in ipairs(gg.fs.listdir(base) or {}) do
      if name:match("^%d+$") then subs[#subs + 1] = tonumber(name) end
    end
    table.sort(subs)
    for _, k in ipairs(subs) do
      local t = util.read_file(base .. "/" .. k .. "/" .. schema.DOCTOR_TEXT)
      if t then found[#found + 1] = t end
    end
  end
  return found
end

return M
