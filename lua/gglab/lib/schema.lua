--[[ lua/gglab/lib/schema.lua — the one place that names the files of a results folder and
  their columns. Every module that reads or writes a results folder takes names from here
  (engine/store.lua writes them and offers the reader API; report, symptoms, doctor,
  findings and merge read through it). Pure data, no I/O, requires nothing.

  Layout of a results folder <out>:
    <out>/runs/<run_id>.csv        curve rows of one run (CURVE_COLUMNS); while the run goes,
                                   <run_id>.csv.tmp, flushed at least every second
    <out>/runs/<run_id>.log        what the run printed (stdout and stderr), when it printed
                                   anything (runs in worker processes only)
    <out>/runs/<run_id>.err        full traceback, failed runs only
    <out>/runs/<run_id>.row.csv    header + the run's result record (its parameter columns, its
                                   run:summary columns, RESULT_COLUMNS, then ROW_EXTRA_COLUMNS)
    <out>/runs/<run_id>.meta.json  what the run declared about itself (run:meta), if anything
    <out>/runs.csv                 all result records, sweep order: run_id, the parameter
                                   names (sorted), the run:summary names (sorted; listed
                                   in the manifest's summary_names), then RESULT_COLUMNS
                                   (wall_s last)
    <out>/curves.csv               all curve rows, sweep order (CURVE_COLUMNS)
    <out>/manifest.json            provenance and counts
    <out>/symptoms.csv             gglab run --symptoms (SYMPTOMS_COLUMNS)
    <out>/report.html              gglab report
    <out>/doctor/doctor.{txt,csv}  gglab doctor (one configuration), or
    <out>/doctor/<k>/doctor.{txt,csv} with --all (k = 1, 2, ...) ]]

local M = {}

M.RUN_DIR = "runs"
M.RUNS_FILE = "runs.csv"
M.CURVES_FILE = "curves.csv"
M.MANIFEST_FILE = "manifest.json"
M.SYMPTOMS_FILE = "symptoms.csv"
M.REPORT_FILE = "report.html"
M.DOCTOR_DIR = "doctor"
-- A fresh run into a folder that holds results moves them to <out>/history/<date>/ (same layout).
M.HISTORY_DIR = "history"
M.DOCTOR_TEXT = "doctor.txt"
M.DOCTOR_CSV = "doctor.csv"

-- Per-run file suffixes under RUN_DIR; a fresh run removes exactly these.
-- ckpt: the run's last training checkpoint (gg.train{checkpoint_every = N}), kept after the run.
M.RUN_SUFFIXES = { curve = ".csv", row = ".row.csv", err = ".err", meta = ".meta.json", log = ".log",
  ckpt = ".ckpt.safetensors" }
M.RUN_SUFFIX_LIST = { ".csv", ".row.csv", ".err", ".meta.json", ".log", ".ckpt.safetensors" }

-- runs.csv: run_id, then the parameter names (sorted), the run:summary names (sorted), then
-- these, wall_s last.
M.RESULT_COLUMNS = { "run_seed", "status", "final_loss", "min_loss", "final_val_loss",
  "min_val_loss", "best_epoch", "best_step", "steps", "diverged_step", "error", "wall_s" }
-- The numeric ones among RESULT_COLUMNS that readers convert to numbers.
M.RESULT_NUMBERS = { "final_loss", "min_loss", "final_val_loss", "min_val_loss", "best_epoch",
  "best_step", "steps", "diverged_step" }
-- A run's .row.csv has these after RESULT_COLUMNS (runs.csv does not): script_sha256 is the
-- sha256 of the script that made the run (empty when the run had no script file).
-- data_files: the data files the run opened (gg.data.csv, gg.data.text), one path a line;
-- gglab_build: the build id of the gglab that ran it (gg.build.id); params_read: with --set,
-- the names the run looked up in its point that were --set names or not in the point at all
-- (sorted, one a line; empty without --set: see docs/cli.md "Parameters no run reads").
M.ROW_EXTRA_COLUMNS = { "script_sha256", "data_files", "gglab_build", "params_read" }

--[[ manifest.json's provenance fields (engine/store.lua's write_manifest and the runner;
  docs/runner.md "Provenance"): gglab_version; gglab_build = {id, version, source_sha256,
  git}; date (UTC); host; cwd; argv (the exact command line); isa (gg.isa(): the CPU path)
  and isa_env (GGLAB_ISA as set); script (its path), script_sha256, script_text (the
  script itself); git_commit and git_dirty (of the script's checkout; null outside one);
  forced_resume = {previous_script_sha256, date} when --force resumed a folder of another
  script (else null); data_files = [{path, sha256}] (every file gg.data.csv/text opened);
  run_builds (the sorted build ids of the runs: more than one after a --resume by another
  build). ]]
M.MANIFEST_PROVENANCE = { "gglab_version", "gglab_build", "date", "host", "cwd", "argv", "isa", "isa_env",
  "script", "script_sha256", "script_text", "git_commit", "git_dirty", "forced_resume", "data_files",
  "run_builds" }
M.CURVE_COLUMNS = { "run_id", "step", "epoch", "metric", "value" }
M.SYMPTOMS_COLUMNS = { "run_id", "tool", "rule", "step", "epoch", "cause", "detail" }
M.DOCTOR_COLUMNS = { "step", "fix", "cause", "outcome", "effect", "lo", "hi", "p_adj", "seeds",
  "diverged", "helps" }

local function set_of(list)
  local s = {}
  for _, c in ipairs(list) do s[c] = true end
  return s
end
M.RESULT_COLUMNS_SET = set_of(M.RESULT_COLUMNS)

--[[ is_reserved(name) -> true when a parameter or run:summary named name would collide with
  a column gglab writes itself (run_id, RESULT_COLUMNS, ROW_EXTRA_COLUMNS). ]]
local RESERVED = set_of(M.RESULT_COLUMNS)
RESERVED.run_id = true
for _, c in ipairs(M.ROW_EXTRA_COLUMNS) do RESERVED[c] = true end
function M.is_reserved(name) return RESERVED[name] == true end

--[[ path(dir, ...) -> dir .. "/" .. each part, with dir's trailing slashes removed. ]]
function M.path(dir, ...)
  local p = (dir:gsub("(.)/+$", "%1"))
  for i = 1, select("#", ...) do p = p .. "/" .. select(i, ...) end
  return p
end

return M
