--[[ lua/gglab/store.lua — results store: per-run files, combined CSVs, manifest.

  Layout of an output directory <out> (crash-safe, ready for a later --resume):
    <out>/runs/<run_id>.csv       curve rows of one run (header run_id,step,epoch,metric,value)
    <out>/runs/<run_id>.err       full traceback, failed runs only
    <out>/runs/<run_id>.row.csv   header + the run's result record
    <out>/runs/<run_id>.meta.json what the run declared about itself (run:meta), if anything
    <out>/runs.csv                all result records, sweep order   (rebuilt by combine)
    <out>/curves.csv              all curve rows, sweep order       (rebuilt by combine)
    <out>/manifest.json           provenance and counts             (write_manifest)
    <out>/symptoms.csv            gglab run --symptoms (gglab.symptoms); removed by a fresh run
  Every file is written to <file>.tmp and renamed into place, so a file that exists is
  complete. A run's .row.csv is renamed last: its presence means the run is finished.
  Per-run files are only ever written by the run that owns them, so forked workers can
  share one store. I/O failures raise an error "cannot write '<path>': <reason>" (the OS's
  reason, e.g. "No space left on device"; M.is_write_error recognises them) and remove
  the partial .tmp file.

  Fault injection for tests (docs/reliability.md): with GGLAB_TEST_FAIL_WRITE=<text> in
  the environment, closing any file whose final path contains <text> fails as on a full
  disk ("No space left on device"). ]]

local gg = require "gglab"
local json = require "gglab.lib.json"
local util = require "gglab.lib.util"
local sorted_keys, shell_quote = util.sorted_keys, util.shell_quote

local M = {}

M.RUN_DIR = "runs"
M.RUNS_FILE = "runs.csv"
M.CURVES_FILE = "curves.csv"
M.MANIFEST_FILE = "manifest.json"
M.SYMPTOMS_FILE = "symptoms.csv"

-- runs.csv is run_id, then the parameter names (sorted), then these, wall_s last.
M.RESULT_COLUMNS = { "run_seed", "status", "final_loss", "min_loss", "final_val_loss",
  "steps", "diverged_step", "error", "wall_s" }
M.CURVE_COLUMNS = { "run_id", "step", "epoch", "metric", "value" }
M.RESULT_COLUMNS_SET = {}
for _, c in ipairs(M.RESULT_COLUMNS) do M.RESULT_COLUMNS_SET[c] = true end

-- Per-run file suffixes this store creates; a fresh run removes exactly these.
local RUN_SUFFIXES = { ".csv", ".row.csv", ".err", ".meta.json" }

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

local FAIL_WRITE = os.getenv("GGLAB_TEST_FAIL_WRITE")
if FAIL_WRITE == "" then FAIL_WRITE = nil end

--[[ closed(path, tmp, ok, msg): the result of closing tmp, the file that becomes path.
  On failure (or an injected one) removes tmp and raises "cannot write '<path>': <reason>";
  the OS's reason comes without the writer's "write error: " prefix. ]]
local function closed(path, tmp, ok, msg)
  if ok and FAIL_WRITE and path:find(FAIL_WRITE, 1, true) then
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

local function write_text(path, text)
  local tmp = path .. ".tmp"
  local f = check(path, io.open(tmp, "wb"))
  local ok, msg = f:write(text)
  local cok, cmsg = f:close()
  closed(path, tmp, ok and cok, msg or cmsg)
  commit(tmp, path)
end

-- columns(param_names) -> the runs.csv header for these (sorted) parameter names.
function M.columns(param_names)
  local cols = { "run_id" }
  for _, name in ipairs(param_names) do cols[#cols + 1] = name end
  for _, name in ipairs(M.RESULT_COLUMNS) do cols[#cols + 1] = name end
  return cols
end

local function is_run_file(name)
  local id, rest = name:match("^(%x+)(%..*)$")
  if not id or #id ~= 16 then return false end
  rest = rest:gsub("%.tmp$", "")
  for _, suffix in ipairs(RUN_SUFFIXES) do
    if rest == suffix then return true end
  end
  return false
end

-- ---- opening ----

local function clear_stale(self)
  for _, name in ipairs(assert(gg.fs.listdir(self.run_dir))) do
    local path = self.run_dir .. "/" .. name
    if is_run_file(name) then check(path, gg.fs.remove(path)) end
  end
  for _, name in ipairs { M.RUNS_FILE, M.CURVES_FILE, M.MANIFEST_FILE, M.SYMPTOMS_FILE } do
    for _, path in ipairs { self.dir .. "/" .. name, self.dir .. "/" .. name .. ".tmp" } do
      if gg.fs.exists(path) then check(path, gg.fs.remove(path)) end
    end
  end
end

--[[ open(dir, opts) -> store, or nil, msg when dir is not usable.
  Creates dir and dir/runs. opts.fresh = true removes what a previous run of this store left
  (per-run files matching <16 hex>.csv/.row.csv/.err and their .tmp, plus the combined
  files); nothing else in the directory is touched. ]]
function M.open(dir, opts)
  if gg.fs.exists(dir) and not gg.fs.isdir(dir) then
    return nil, string.format("output path '%s' exists and is not a directory", dir)
  end
  local run_dir = dir .. "/" .. M.RUN_DIR
  local ok, msg = gg.fs.mkdir(run_dir)
  if not ok then
    return nil, string.format("cannot create output directory '%s': %s", dir, tostring(msg))
  end
  local self = setmetatable({ dir = dir, run_dir = run_dir }, Store)
  if opts and opts.fresh then
    clear_stale(self)
  else
    self:remove_partial()
  end
  return self
end

-- remove_partial(): removes the .tmp files of runs (unfinished writes of runs killed
-- mid-way: never part of the store). Only while no worker writes to the store.
function Store:remove_partial()
  for _, name in ipairs(assert(gg.fs.listdir(self.run_dir))) do
    if name:match("%.tmp$") and is_run_file(name) then check(name, gg.fs.remove(self.run_dir .. "/" .. name)) end
  end
end

function Store:run_path(id, suffix)
  return self.run_dir .. "/" .. id .. suffix
end

-- ---- one run ----

-- begin_run(id) -> run files; curve rows stream to <id>.csv.tmp until finish.
function Store:begin_run(id)
  local tmp = self:run_path(id, ".csv.tmp")
  local w = check(self:run_path(id, ".csv"), gg.csv.writer(tmp))
  w:row(M.CURVE_COLUMNS)
  return setmetatable({ store = self, id = id, w = w, tmp = tmp }, RunFiles)
end

-- curve(step, epoch, metric, value): one curves.csv row; epoch may be nil.
function RunFiles:curve(step, epoch, metric, value)
  self.w:row { self.id, step, epoch == nil and gg.NULL or epoch, metric, value }
end

-- meta(t): (re)writes <id>.meta.json with the table t (JSON-encodable: what run:meta got).
function RunFiles:meta(t)
  write_text(self.store:run_path(self.id, ".meta.json"), json.encode(t))
end

--[[ finish(record, traceback): commits the curve file, the .err file (when traceback is
  given) and last the .row.csv. record has the RESULT_COLUMNS fields (nil = empty),
  run_id, and params (the point); the row file has the point's own parameter columns. ]]
function RunFiles:finish(record, traceback)
  local st = self.store
  closed(st:run_path(self.id, ".csv"), self.tmp, self.w:close())
  commit(self.tmp, st:run_path(self.id, ".csv"))
  if traceback then write_text(st:run_path(self.id, ".err"), traceback) end
  local names = sorted_keys(record.params)
  local values = { record.run_id }
  for _, name in ipairs(names) do values[#values + 1] = record.params[name] end
  for _, col in ipairs(M.RESULT_COLUMNS) do
    local v = record[col]
    values[#values + 1] = v == nil and gg.NULL or v
  end
  local cols = M.columns(names)
  local path = st:run_path(self.id, ".row.csv")
  local w = check(path, gg.csv.writer(path .. ".tmp"))
  w:row(cols)
  w:row(values)
  closed(path, path .. ".tmp", w:close())
  commit(path .. ".tmp", path)
end

-- ---- reading back ----

local NUMERIC = { run_seed = true, final_loss = true, min_loss = true, final_val_loss = true,
  steps = true, diverged_step = true, wall_s = true }

--[[ read_record(id, params) -> the record of a finished run from its .row.csv, or nil when
  the run has no row file. Result columns come back typed (numbers), parameters as given
  by params (the point) — the row file's text would lose their types. ]]
function Store:read_record(id, params)
  local path = self:run_path(id, ".row.csv")
  if not gg.fs.exists(path) then return nil end
  local header, rows = gg.csv.read(path)
  if not header or not rows[1] then error(string.format("cannot read '%s': %s", path, tostring(rows)), 0) end
  local rec = { run_id = id, params = params }
  for i, name in ipairs(header) do
    local v = rows[1][i]
    if v == "" then v = nil end
    if NUMERIC[name] and v then v = util.parse_number(v) end
    if name ~= "run_id" and (M.RESULT_COLUMNS_SET[name]) then rec[name] = v end
  end
  return rec
end

--[[ read_curve_file(path) -> list of {step, epoch, metric, value} rows of a per-run curve
  file (numbers typed; empty when the file does not exist). ]]
function M.read_curve_file(path)
  if not gg.fs.exists(path) then return {} end
  local header, rows = gg.csv.read(path)
  if not header then error(string.format("cannot read '%s': %s", path, tostring(rows)), 0) end
  local out = {}
  for i, row in ipairs(rows) do
    out[i] = { step = util.parse_number(row[2]), epoch = util.parse_number(row[3]), metric = row[4],
      value = util.parse_number(row[5]) }
  end
  return out
end

-- read_curve(id) -> the rows of run id's curve file (read_curve_file).
function Store:read_curve(id)
  return M.read_curve_file(self:run_path(id, ".csv"))
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

-- ---- combining ----

local function combine_runs(self, ids, param_names)
  local path = self.dir .. "/" .. M.RUNS_FILE
  local w = check(path, gg.csv.writer(path .. ".tmp"))
  local cols = M.columns(param_names)
  w:row(cols)
  for _, id in ipairs(ids) do
    local row_path = self:run_path(id, ".row.csv")
    local header, rows = gg.csv.read(row_path)
    if not header then
      w:close()
      os.remove(path .. ".tmp")
      error(string.format("cannot read '%s': %s", row_path, tostring(rows)), 0)
    end
    local by_name = {}
    for i, name in ipairs(header) do by_name[name] = rows[1][i] end
    local values = {}
    for i, col in ipairs(cols) do
      local v = by_name[col]
      values[i] = (v == nil or v == "") and gg.NULL or v
    end
    w:row(values)
  end
  closed(path, path .. ".tmp", w:close())
  commit(path .. ".tmp", path)
end

-- Streams the per-run curve files: the first file's header, then every file's body.
local function combine_curves(self, ids)
  local path = self.dir .. "/" .. M.CURVES_FILE
  local tmp = path .. ".tmp"
  local out = check(path, io.open(tmp, "wb"))
  local ok, msg = true, nil
  for i, id in ipairs(ids) do
    local src = self:run_path(id, ".csv")
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
  closed(path, tmp, ok and cok, msg or cmsg)
  commit(tmp, path)
end

-- combine(ids, param_names): rebuilds runs.csv and curves.csv from the per-run files of
-- ids (in that order: the sweep's order, restricted to runs that finished); param_names is
-- the sorted union of parameter names.
function Store:combine(ids, param_names)
  combine_runs(self, ids, param_names)
  combine_curves(self, ids)
end

-- ---- manifest ----

-- Commit of the git checkout holding dir, or nil (not a checkout, no commits, no git).
local function git_commit(dir)
  local p = io.popen("git -C " .. shell_quote(dir) .. " rev-parse HEAD 2>/dev/null")
  if not p then return nil end
  local out = p:read("l")
  p:close()
  if out and out:match("^%x+$") and #out >= 40 then return out end
  return nil
end

--[[ write_manifest(info): manifest.json with info's fields (name, script, argv, points,
  counts, ...) plus provenance: gglab version, UTC date, host, the script's sha256 and the
  git commit of its directory (json null when unknown), and the output file names. ]]
function Store:write_manifest(info)
  local m = {}
  for k, v in pairs(info) do m[k] = v end
  m.gglab_version = gg.version
  m.date = os.date("!%Y-%m-%dT%H:%M:%SZ")
  m.host = gg.hostname()
  -- Hash and commit of the script, unless the caller already knows them (a merge copies
  -- them from the shards, which may have run where the script path differs).
  if info.script_sha256 == nil then
    m.script_sha256 = info.script and gg.sha256_file(info.script) or json.null
  end
  if info.git_commit == nil then
    m.git_commit = info.script and git_commit(info.script:match("^(.*)/[^/]*$") or ".") or json.null
  end
  m.files = { runs = M.RUNS_FILE, curves = M.CURVES_FILE, run_dir = M.RUN_DIR }
  write_text(self.dir .. "/" .. M.MANIFEST_FILE, json.encode(m))
end

return M
