--[[ lua/gglab/cli/run.lua — `gglab run FILE`: the run pipeline. The engine (gglab.engine.runner)
  executes the sweep and writes the results; this pipeline then judges the experiment's
  claims (gglab.claims), has the runner write manifest.json with their verdicts, prints the
  summary and verdicts, and on request writes the report (--report) and runs the symptom
  detectors (--symptoms).

]]

local gg = require "gglab"
local claims = require "gglab.claims"
local runner = require "gglab.engine.runner"
-- gglab.report.page and gglab.symptoms.driver are required where --report and --symptoms
-- need them: compiling them is a few ms of every sweep that asks for neither.
local args = require "gglab.cli.args"
local script = require "gglab.cli.script"

local M = {}

M.help = [==[
usage: gglab run FILE [--out DIR] [-q|--quiet] [-v] [-j N]
                      [--resume | --rerun-failed | --overwrite] [--force] [--timeout SECONDS] [--memory SIZE] [--shard K/N]
                      [--set NAME=VALUE[,VALUE...]]... [--strict] [--ensemble [--ensemble-width N]]
                      [--report] [--symptoms]

Loads the Lua script FILE, which must return gg.experiment{...}, runs every
point of its sweep and writes DIR/runs.csv, DIR/curves.csv, DIR/manifest.json
and the per-run files in DIR/runs/. Results already in DIR are not lost: they
move to DIR/history/<date>/ (the UTC date of their manifest), unless --overwrite.

options:
  -o, --out DIR        output directory (default results/<experiment name>)
  -q, --quiet          no progress on stderr
  -v, --verbose        a progress line per finished run, and what it printed
                       (runs print to DIR/runs/<id>.log, not to the terminal)
  -j, --jobs N         run N points at a time in worker processes (default: the
                       number of cores; 0 runs them in this process, unisolated)
  --resume             keep the finished runs already in DIR, run the others
  --rerun-failed       like --resume, but also run again the points that failed
                       (the two exclude each other). Both refuse a DIR whose
                       runs were made by another script or another version of
                       FILE (its manifest's script_sha256 differs)
  --overwrite          remove the results already in DIR instead of keeping them
                       in DIR/history/<date>/
  --force              with --resume or --rerun-failed: resume anyway (the runs
                       of both scripts mix; the manifest records forced_resume)
  --timeout SECONDS    stop a run after SECONDS of wall time (it fails); 0 or
                       none: no limit. Default: a run exceeding max(60 s, 20 x
                       the median run time) fails (automatic timeout)
  --memory SIZE        memory limit per run: bytes, or with K, M, G, T (512M, 2G)
  --shard K/N          run only shard K of N: points K, K+N, K+2N, ... (1 <= K <= N)
  --set NAME=V[,V...]  replace parameter NAME by the listed values in every point,
                       or add it when the sweep has no NAME (repeatable; see
                       docs/cli.md: numbers, true/false, else strings; 'a,b' quoted);
                       a NAME that no run reads gets a warning after the sweep
  --strict             make that warning an error (exit status 4)
  --ensemble           run the points in groups whose gg.train epochs are trained
                       together (one run per SIMD lane) where the core allows it,
                       with results identical to running alone; off by default:
                       not faster yet (docs/runner.md, "Ensembles")
  --no-ensemble        run every point alone (the default)
  --ensemble-width N   with --ensemble: at most N runs per group (default 16, one
                       AVX-512 vector; an integer >= 1)
  --report             then write DIR/report.html (gglab report) and print its path
  --symptoms           then run the published symptom detectors (AUTOTRAINER,
                       DeepDiagnosis, UMLAUT, DeepLocalize) over every run's curves,
                       print which rules fired and write DIR/symptoms.csv
                       (docs/symptoms.md)
  -h, --help           show this help

Exit status is 0 when every run finished ok or diverged, 3 when any run failed
(an error, a timeout, a crash; all are listed in the summary and in runs.csv),
4 with --strict when a --set NAME was read by no run, 1 on a usage or script
error, 130 when interrupted.
]==]

M.options = { args.OUT, args.QUIET,
  { long = "--verbose", short = "-v", key = "verbose" },
  args.JOBS,
  { long = "--resume", key = "resume" },
  { long = "--rerun-failed", key = "rerun_failed" },
  { long = "--force", key = "force" },
  { long = "--overwrite", key = "overwrite" },
  args.TIMEOUT,
  { long = "--memory", key = "memory", arg = "a size", parse = args.memory_size,
    expect = "a size in bytes like 1048576, 512M or 2G" },
  args.SHARD, args.SET, args.STRICT,
  { long = "--ensemble", key = "ensemble" },
  { long = "--no-ensemble", key = "no_ensemble" },
  { long = "--ensemble-width", key = "ensemble_width", arg = "a number", parse = args.integer_at_least(1),
    expect = "an integer >= 1" },
  { long = "--report", key = "report" },
  { long = "--symptoms", key = "symptoms" },
}
M.positional = 1

--[[ After parsing: opts.file (the one positional), overrides (--set parsed), the
  exclusion of --resume and --rerun-failed, and --force only with one of them. ]]
function M.check(opts)
  local msg, plain = script.check(opts)
  if msg then return msg, plain end
  opts.file, opts.args = opts.args[1], nil
  if opts.resume and opts.rerun_failed then
    return "options '--resume' and '--rerun-failed' exclude each other"
  end
  if opts.overwrite and (opts.resume or opts.rerun_failed) then
    return string.format("options '--overwrite' and '%s' exclude each other",
      opts.resume and "--resume" or "--rerun-failed")
  end
  if opts.force and not (opts.resume or opts.rerun_failed) then
    return "option '--force' goes with '--resume' or '--rerun-failed'"
  end
  if opts.ensemble_width and not opts.ensemble then
    return "option '--ensemble-width' goes with '--ensemble'"
  end
end

--[[ pipeline(exp, opts) -> result, or nil, msg: runner.execute(exp, opts), then the claims
  judged over the records (on a complete sweep only: not interrupted, sharded or stopped by a
  write error) into result.verdicts, manifest.json written with them, and on opts.stdout
  the summary, the verdicts and what an interruption or stop leaves to do. opts: those of
  runner.execute, plus stdout. ]]
function M.pipeline(exp, opts)
  local result, msg = runner.execute(exp, opts)
  if not result then return nil, msg end
  local complete = not result.interrupted and not opts.shard and not result.store_error
  if exp.claims and #exp.claims > 0 and complete then
    result.verdicts = claims.check(exp.claims, result.records,
      function(id) return result.store:read_curve(id) end)
  end
  runner.write_manifest(result, result.verdicts)
  local stdout = opts.stdout or io.stdout
  stdout:write(runner.summary(result))
  if result.verdicts then stdout:write(claims.format(result.verdicts)) end
  local closing = runner.closing(result)
  if closing ~= "" then stdout:write(closing) end
  return result
end

--[[ unread_sets(exp, spec, result) -> script.unread's messages for the --set names (spec:
  parsed --set, may be nil) that no run of result read. A run read what its row file's
  params_read names (kept runs of --resume: what they recorded then). Judged only when some
  run of this invocation finished ok or diverged: failed runs may have stopped before
  reading, and kept ones may have run without --set. ]]
function M.unread_sets(exp, spec, result)
  if not spec then return {} end
  local read, judged = {}, false
  for _, r in ipairs(result.records) do
    for name in (r.params_read or ""):gmatch("[^\n]+") do read[name] = true end
    if not r.kept and (r.status == "ok" or r.status == "diverged") then judged = true end
  end
  if not judged then return {} end
  return script.unread(spec, read, exp.sweep:names())
end

-- gglab run: the pipeline, then --report and --symptoms -> exit code.
function M.main(opts, out, argv)
  local isa_ok, isa_err = pcall(gg.isa)  -- a bad GGLAB_ISA would fail every run
  if not isa_ok then
    out.stderr:write("gglab: ", tostring(isa_err):gsub("^.-:%d+: ", ""), "\n")
    return 2
  end
  local exp = script.open(opts.file, opts.overrides, out)
  if not exp then return 1 end
  local result, msg = M.pipeline(exp, { out = opts.out, quiet = opts.quiet, verbose = opts.verbose,
    script = opts.file,
    argv = { "gglab", table.unpack(argv) }, stdout = out.stdout, stderr = out.stderr,
    jobs = opts.jobs, resume = opts.resume, rerun_failed = opts.rerun_failed, force = opts.force,
    overwrite = opts.overwrite,
    timeout = opts.timeout,
    memory = opts.memory, shard = opts.shard, ensemble = opts.ensemble == true and not opts.no_ensemble,
    ensemble_width = opts.ensemble_width, set = opts.set,
    set_names = script.set_names(opts.overrides),
    fail_write = os.getenv("GGLAB_TEST_FAIL_WRITE") })
  if not result then
    out.stderr:write("gglab: ", msg, "\n")
    return 1
  end
  -- A write error (full disk) stopped the sweep; what was saved is intact (runner.execute).
  if result.store_error then
    out.stderr:write("gglab: ", result.store_error, "\n")
    return 1
  end
  if opts.report and not result.interrupted then
    local path, info = require("gglab.report.page").write(result.out)
    if not path then
      out.stderr:write("gglab run: --report: ", info, "\n")
      return 1
    end
    if info.notice then out.stderr:write("gglab run: --report: ", info.notice, "\n") end
    out.stdout:write(string.format("Report: %s (%d figures, %d kB)\n", path, info.figures,
      (info.bytes + 512) // 1024))
  end
  if opts.symptoms and not result.interrupted then
    require("gglab.symptoms.driver").report(result.out, result.records, out.stdout)
  end
  local unread = script.report_unread(M.unread_sets(exp, opts.overrides, result), opts.strict, out)
  -- Interrupted (SIGINT/SIGTERM): the store is consistent and --resume completes it; 130 is
  -- the shell's status for a SIGINT death, so scripts can tell the sweep is unfinished.
  if result.interrupted then return 130 end
  if unread ~= 0 then return unread end
  -- A failed run (error, timeout, crash) is recorded, but a sweep with failures is not a
  -- success: scripts and make see it. Diverged runs are a result, not a failure.
  return result.counts.failed > 0 and args.EXIT_FAILED or 0
end

return M
