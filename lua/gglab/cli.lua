--[[ lua/gglab/cli.lua — command-line front end.

  main(argv [, streams]) -> exit code. argv excludes the program name; streams
  ({stdout =, stderr =}, objects with :write) default to io.stdout/io.stderr.
  Exit codes: 0 success; 1 usage or script error (message on stderr, "gglab: ..." or
  "gglab <command>: ..." for usage errors).
  A sweep whose points diverged or failed still exits 0: exploring a grid is expected to
  hit bad corners, and the sweep did produce complete results. Those runs are listed in
  the summary and have status diverged/failed in runs.csv, which is what scripts should check.
  Subcommands live in the COMMANDS dispatch table: run, list, merge, slurm (report and
  doctor go there too). Usage errors print "gglab <command>: <msg> (see gglab <command>
  --help)"; a bad option value prints "gglab <command>: bad --opt 'value': expected ...".
  parse_run_args is exported for tests. ]]

local gg = require "gglab"
local experiment = require "gglab.experiment"
local runner = require "gglab.runner"
local overrides = require "gglab.overrides"
local merge = require "gglab.merge"
local sweep = require "gglab.sweep"
local did_you_mean = require("gglab.lib.args").did_you_mean

local M = {}

local RUN_HELP = [==[
usage: gglab run FILE [--out DIR] [-q|--quiet] [-v] [-j N] [--resume | --rerun-failed]
                      [--timeout SECONDS] [--memory SIZE] [--shard K/N]
                      [--set NAME=VALUE[,VALUE...]]... [--report] [--symptoms]

Loads the Lua script FILE, which must return gg.experiment{...}, runs every
point of its sweep and writes DIR/runs.csv, DIR/curves.csv, DIR/manifest.json
and the per-run files in DIR/runs/.

options:
  -o, --out DIR        output directory (default results/<experiment name>)
  -q, --quiet          no progress on stderr
  -v, --verbose        a progress line per finished run
  -j, --jobs N         run N points at a time in worker processes (default: the
                       number of cores; 0 runs them in this process, unisolated)
  --resume             keep the finished runs already in DIR, run the others
  --rerun-failed       like --resume, but also run again the points that failed
                       (the two exclude each other)
  --timeout SECONDS    stop a run after SECONDS of wall time (it fails)
  --memory SIZE        memory limit per run: bytes, or with K, M, G, T (512M, 2G)
  --shard K/N          run only shard K of N: points K, K+N, K+2N, ... (1 <= K <= N)
  --set NAME=V[,V...]  replace parameter NAME by the listed values in every point,
                       or add it when the sweep has no NAME (repeatable; see
                       docs/cli.md: numbers, true/false, else strings; 'a,b' quoted)
  --report             then write DIR/report.html (gglab report) and print its path
  --symptoms           then run the published symptom detectors (AUTOTRAINER,
                       DeepDiagnosis, UMLAUT, DeepLocalize) over every run's curves,
                       print which rules fired and write DIR/symptoms.csv
                       (docs/symptoms.md)
  -h, --help           show this help

Exit status is 0 when every point was run, even if some diverged or failed
(they are listed in the summary and in runs.csv), 1 on a usage or script error.
]==]

local LIST_HELP = [==[
usage: gglab list FILE [--set NAME=VALUE[,VALUE...]]... [--shard K/N]

Prints the points of the experiment FILE would run, after --set, one per
line: position in the sweep, run id, canonical parameters (sorted by name).
The first line counts them. With --shard K/N only shard K's points are listed.

options:
  --set NAME=V[,V...]  as for gglab run
  --shard K/N          list only shard K of N (1 <= K <= N)
  -h, --help           show this help
]==]

local MERGE_HELP = [==[
usage: gglab merge OUT DIR... [--partial] [-q|--quiet]

Combines the result directories DIR... of the shards of one sweep (gglab run
--shard K/N) into OUT: runs.csv, curves.csv, manifest.json and runs/, the same
files a single run of the whole sweep writes. Stores of different experiments
(name, script SHA-256, seed or list of run ids differ) are refused. When a run
is in none of the DIRs, the others are still merged and the exit status is 1.

options:
  --partial     exit 0 even when runs are missing (they are still reported)
  -q, --quiet   no summary on stdout
  -h, --help    show this help
]==]

-- ---- option parsing ----

-- Option values: each check returns the parsed value, or nil when the text is bad.
local function nonneg_integer(s)
  local n = s:match("^%d+$") and math.tointeger(tonumber(s))
  return n and n >= 0 and n or nil
end

local function positive_seconds(s)
  local x = s:match("^[+]?%.?%d") and not s:find("[xX]") and tonumber(s)
  return x and x > 0 and x < math.huge and x or nil
end

local SIZE_UNITS = { [""] = 1, b = 1 }
for i, u in ipairs { "k", "m", "g", "t" } do
  SIZE_UNITS[u], SIZE_UNITS[u .. "b"], SIZE_UNITS[u .. "ib"] = 1 << (10 * i), 1 << (10 * i), 1 << (10 * i)
end

-- "1048576", "512M", "2G", "1.5g", "64KiB", "2GB" -> bytes (an integer >= 1), or nil.
-- Units are powers of 1024, as for ulimit and Slurm's --mem.
local function memory_size(s)
  local num, unit = s:match("^(%d+%.?%d*)(%a*)$")
  local mult = num and SIZE_UNITS[unit:lower()]
  if not mult then return nil end
  local bytes = math.floor(tonumber(num) * mult)
  if bytes < 1 or bytes >= 2 ^ 62 then return nil end
  return math.tointeger(bytes)
end

local function shard_spec(s)
  local k, n = s:match("^(%d+)/(%d+)$")
  k, n = k and math.tointeger(tonumber(k)), n and math.tointeger(tonumber(n))
  if not (k and n and k >= 1 and k <= n) then return nil end
  return { k = k, n = n }
end

--[[ Option table: long name -> { short =, key = opts field, arg = what the value is (nil for
  a flag), parse = value check, expect = the "expected ..." text of a bad value, multi =
  collect every occurrence in a list }. ]]
local OPTIONS = {
  ["--out"] = { short = "-o", key = "out", arg = "a directory" },
  ["--quiet"] = { short = "-q", key = "quiet" },
  ["--verbose"] = { short = "-v", key = "verbose" },
  ["--jobs"] = { short = "-j", key = "jobs", arg = "a number", parse = nonneg_integer,
    expect = "an integer >= 0" },
  ["--resume"] = { key = "resume" },
  ["--rerun-failed"] = { key = "rerun_failed" },
  ["--timeout"] = { key = "timeout", arg = "a number of seconds", parse = positive_seconds,
    expect = "a number of seconds > 0" },
  ["--memory"] = { key = "memory", arg = "a size", parse = memory_size,
    expect = "a size in bytes like 1048576, 512M or 2G" },
  ["--shard"] = { key = "shard", arg = "K/N", parse = shard_spec, expect = "K/N with 1 <= K <= N" },
  ["--set"] = { key = "set", arg = "name=value", multi = true },
  ["--partial"] = { key = "partial" },
  ["--report"] = { key = "report" },
  ["--symptoms"] = { key = "symptoms" },
  ["--seeds"] = { key = "seeds", arg = "a number", parse = function(v)
    local n = nonneg_integer(v)
    return n and n >= 2 and n or nil end, expect = "an integer >= 2" },
  ["--seed-offset"] = { key = "seed_offset", arg = "a number", parse = nonneg_integer, expect = "an integer >= 0" },
  ["--all"] = { key = "all" },
  ["--margin"] = { key = "margin", arg = "a factor", parse = function(v)
    local x = v:match("^[+]?%d*%.?%d+$") and tonumber(v)
    return x and x >= 1 and x or nil end, expect = "a number >= 1" },
  ["--no-second-step"] = { key = "no_second_step" },
}

--[[ parse_args(args, allowed, positional) -> opts, or nil, msg [, plain].
  allowed: list of the long options the command takes; positional: max number of
  positional arguments (collected in opts.args). "-h"/"--help" -> nil, "help". plain = true
  marks a bad option value, whose message names the argument and the expected form and
  needs no pointer to --help. ]]
local function parse_args(args, allowed, positional)
  local by_long, by_short = {}, {}
  for _, long in ipairs(allowed) do
    local o = OPTIONS[long]
    by_long[long] = o
    if o.short then by_short[o.short] = long end
  end
  local opts = { args = {} }
  local i = 1
  while i <= #args do
    local a = args[i]
    local long, value
    if a == "-h" or a == "--help" then return nil, "help" end
    if a:match("^%-%-[^=]+=") then
      long, value = a:match("^(%-%-[^=]+)=(.*)$")
    elseif a:match("^%-%-.") then
      long = a
    elseif a:match("^%-.") then
      local short = a:sub(1, 2)
      long = by_short[short]
      if long and #a > 2 then value = a:sub(3) end  -- -j4
      if not long then long = a end
    end
    if long then
      local o = by_long[long]
      if o and value and not o.arg then return nil, string.format("option '%s' takes no value, got '%s'", long, a) end
      if not o then
        return nil, "unknown option '" .. a .. "'" .. (long:match("^%-%-") and did_you_mean(long, allowed) or "")
      end
      if o.arg then
        if value == nil then
          i = i + 1
          value = args[i]
        end
        if value == nil or value == "" then return nil, string.format("option '%s' needs %s", long, o.arg) end
        local v = value
        if o.parse then
          v = o.parse(value)
          if v == nil then return nil, string.format("bad %s '%s': expected %s", long, value, o.expect), true end
        end
        if o.multi then
          opts[o.key] = opts[o.key] or {}
          table.insert(opts[o.key], v)
        else
          opts[o.key] = v
        end
      else
        opts[o.key] = true
      end
    elseif #opts.args >= positional then
      return nil, "unexpected argument '" .. a .. "'"
    else
      opts.args[#opts.args + 1] = a
    end
    i = i + 1
  end
  if opts.set then
    local spec, msg = overrides.parse(opts.set)
    if not spec then return nil, msg, true end
    opts.overrides = spec
  end
  return opts
end

local RUN_OPTIONS = { "--out", "--quiet", "--verbose", "--jobs", "--resume", "--rerun-failed", "--timeout", "--memory",
  "--shard", "--set", "--report", "--symptoms" }

--[[ parse_run_args(args) -> opts, or nil, msg [, plain] (msg "help" for -h/--help).
  opts: file, out, quiet, verbose, jobs (integer >= 0), resume, rerun_failed,
  timeout (seconds > 0), memory (bytes), shard ({k, n}), set (the --set strings) and
  overrides (their parsed form, see gglab.overrides). ]]
function M.parse_run_args(args)
  local opts, msg, plain = parse_args(args, RUN_OPTIONS, 1)
  if not opts then return nil, msg, plain end
  opts.file, opts.args = opts.args[1], nil
  if not opts.file then return nil, "missing experiment FILE" end
  if opts.resume and opts.rerun_failed then
    return nil, "options '--resume' and '--rerun-failed' exclude each other"
  end
  return opts
end


-- Applies opts.overrides (--set) to the experiment -> a new experiment, or nil, msg.
-- A --set name that is not a parameter of the sweep adds an axis; when it looks like a
-- typo of one that is, a note says so on out.stderr.
local function with_overrides(exp, spec, out)
  if not spec then return exp end
  local names = exp.sweep:names()
  for _, o in ipairs(spec) do
    local known = false
    for _, n in ipairs(names) do known = known or n == o.name end
    local guess = not known and did_you_mean(o.name, names) or ""
    if guess ~= "" and out then
      out.stderr:write(string.format("gglab: note: --set '%s' is not a parameter of the sweep, so it adds "
        .. "an axis%s\n", o.name, guess))
    end
  end
  local s = overrides.apply(exp.sweep, spec)
  -- Re-validate as a whole: --set may add a reserved name or a non-integer seed.
  -- The claims stay: they are judged on the overridden sweep (a claim about a value --set
  -- removed then sees no runs, and says so in its numbers).
  local ok, new = pcall(experiment.experiment, { name = exp.name, sweep = s, run = exp.run,
    description = exp.description, seed = exp.seed, claims = exp.claims, flush_denormal = exp.flush_denormal })
  if not ok then
    return nil, "after --set: " .. tostring(new):gsub("^gg%.experiment: ", "")
  end
  return new
end

-- Reports a parse failure of `gglab <cmd>` -> exit code.
local function usage_error(out, cmd, help, msg, plain)
  if msg == "help" then
    out.stdout:write(help)
    return 0
  end
  if plain then
    out.stderr:write("gglab ", cmd, ": ", msg, "\n")
  else
    out.stderr:write("gglab ", cmd, ": ", msg, " (see gglab ", cmd, " --help)\n")
  end
  return 1
end

local function cmd_run(args, out, argv)
  local opts, why, plain = M.parse_run_args(args)
  if not opts then return usage_error(out, "run", RUN_HELP, why, plain) end
  local isa_ok, isa_err = pcall(gg.isa)  -- a bad GGLAB_ISA would fail every run
  if not isa_ok then
    out.stderr:write("gglab: ", tostring(isa_err):gsub("^.-:%d+: ", ""), "\n")
    return 2
  end
  local exp, err = experiment.load(opts.file)
  if exp then exp, err = with_overrides(exp, opts.overrides, out) end
  if not exp then
    out.stderr:write("gglab: ", err, "\n")
    return 1
  end
  local result, msg = runner.run(exp, { out = opts.out, quiet = opts.quiet, verbose = opts.verbose,
    script = opts.file,
    argv = { "gglab", table.unpack(argv) }, stdout = out.stdout, stderr = out.stderr,
    jobs = opts.jobs, resume = opts.resume, rerun_failed = opts.rerun_failed, timeout = opts.timeout,
    memory = opts.memory, shard = opts.shard, set = opts.set })
  if not result then
    out.stderr:write("gglab: ", msg, "\n")
    return 1
  end
  -- A write error (full disk) stopped the sweep; what was saved is intact (runner.run).
  if result.store_error then
    out.stderr:write("gglab: ", result.store_error, "\n")
    return 1
  end
  if opts.report and not result.interrupted then
    local path, info = require("gglab.report").write(result.out)
    if not path then
      out.stderr:write("gglab run: --report: ", info, "\n")
      return 1
    end
    out.stdout:write(string.format("Report: %s (%d figures, %d kB)\n", path, info.figures, (info.bytes + 512) // 1024))
  end
  if opts.symptoms and not result.interrupted then
    require("gglab.symptoms").report(result.out, result.records, out.stdout)
  end
  -- Interrupted (SIGINT/SIGTERM): the store is consistent and --resume completes it; 130 is
  -- the shell's status for a SIGINT death, so scripts can tell the sweep is unfinished.
  return result.interrupted and 130 or 0
end

-- ---- gglab list ----

local function cmd_list(args, out)
  local opts, why, plain = parse_args(args, { "--set", "--shard" }, 1)
  if opts and not opts.args[1] then opts, why = nil, "missing experiment FILE" end
  if not opts then return usage_error(out, "list", LIST_HELP, why, plain) end
  local exp, err = experiment.load(opts.args[1])
  if exp then exp, err = with_overrides(exp, opts.overrides, out) end
  if not exp then
    out.stderr:write("gglab: ", err, "\n")
    return 1
  end
  local total = #exp.sweep
  local shard = opts.shard or { k = 1, n = 1 }
  local entries = exp.sweep:shard(shard.k, shard.n)
  if opts.shard then
    out.stdout:write(string.format("%d of %d points of '%s' (shard %d/%d)\n", #entries, total, exp.name,
      shard.k, shard.n))
  else
    out.stdout:write(string.format("%d points of '%s'\n", total, exp.name))
  end
  local width = #tostring(total)
  for _, e in ipairs(entries) do
    out.stdout:write(string.format("%" .. width .. "d  %s  %s\n", e.index, sweep.run_id(e.point),
      sweep.canonical(e.point)))
  end
  return 0
end

-- ---- gglab merge ----

local MAX_MISSING_LISTED = 10

local function cmd_merge(args, out, argv)
  local opts, why, plain = parse_args(args, { "--partial", "--quiet" }, math.huge)
  if opts and #opts.args < 2 then
    opts, why = nil, #opts.args == 0 and "missing OUT and DIR" or "missing DIR (at least one shard store)"
  end
  if not opts then return usage_error(out, "merge", MERGE_HELP, why, plain) end
  local dirs = { table.unpack(opts.args, 2) }
  local result, err = merge.merge(opts.args[1], dirs, { argv = { "gglab", table.unpack(argv) } })
  if not result then
    out.stderr:write("gglab merge: ", err, "\n")
    return 1
  end
  local c = result.counts
  if not opts.quiet then
    out.stdout:write(string.format("merged %d of %d runs of '%s' from %d director%s into %s/: "
      .. "%d ok, %d diverged, %d failed.\n", result.present, result.points, result.name, #dirs,
      #dirs == 1 and "y" or "ies", result.out, c.ok or 0, c.diverged or 0, c.failed or 0))
  end
  local missing = result.missing
  if #missing > 0 then
    out.stderr:write(string.format("gglab merge: %d of %d runs are missing from every DIR:\n", #missing,
      result.points))
    for i = 1, math.min(#missing, MAX_MISSING_LISTED) do out.stderr:write("  ", missing[i], "\n") end
    if #missing > MAX_MISSING_LISTED then
      out.stderr:write(string.format("  ... and %d more\n", #missing - MAX_MISSING_LISTED))
    end
    return opts.partial and 0 or 1
  end
  return 0
end

-- ---- gglab slurm ----

-- Lives in lua/gglab/slurm.lua (M.main(args, out, argv) -> exit code) when built in.
local function cmd_slurm(args, out, argv)
  if not package.preload["gglab.slurm"] and not package.loaded["gglab.slurm"] then
    out.stderr:write("gglab slurm: not available in this build\n")
    return 1
  end
  return require("gglab.slurm").main(args, out, argv)
end

-- ---- gglab findings ----

local function cmd_findings(args, out)
  return require("gglab.findings").main(args, out)
end

-- ---- gglab report ----

local function cmd_report(args, out)
  return require("gglab.report").main(args, out)
end

-- ---- gglab doctor ----

local DOCTOR_HELP = [==[
usage: gglab doctor FILE [--set NAME=VALUE[,VALUE...]]... [--seeds N] [--seed-offset K]
                         [--all] [-j N] [--out DIR] [--margin X] [--no-second-step]

Why does this configuration's loss go up? Trains the configuration of FILE (one
point of its sweep, after --set; its `seed` parameter is replaced by the doctor's
seeds) unchanged and with each single change of the doctor's panel (lr / 10,
clipping, standardised features, Huber loss, ...) on the same seeds, and names
the cause whose fix measurably restores training. See docs/doctor.md.

options:
  --set NAME=V[,V...]  as for gglab run: pick the configuration
  --seeds N            seeds per change (default 20; at least 2)
  --seed-offset K      use seeds K+1..K+N (a disjoint set to check a verdict)
  --all                diagnose every configuration of the sweep in turn
  -j, --jobs N         worker processes (default: the number of cores)
  -o, --out DIR        output directory (default results/<name>/doctor)
  --margin X           a fix "helps" when at least X times better (default 1.5)
  --no-second-step     do not look for a second, interacting cause
  --timeout SECONDS    stop a training run after SECONDS (it fails)
  -q, --quiet          only the verdict lines
  -h, --help           show this help
]==]

local DOCTOR_OPTIONS = { "--set", "--seeds", "--seed-offset", "--all", "--jobs", "--out", "--margin",
  "--no-second-step", "--timeout", "--quiet" }

local function cmd_doctor(args, out)
  local opts, why, plain = parse_args(args, DOCTOR_OPTIONS, 1)
  if opts and not opts.args[1] then opts, why = nil, "missing experiment FILE" end
  if not opts then return usage_error(out, "doctor", DOCTOR_HELP, why, plain) end
  local exp, err = experiment.load(opts.args[1])
  if exp then exp, err = with_overrides(exp, opts.overrides, out) end
  if not exp then
    out.stderr:write("gglab: ", err, "\n")
    return 1
  end
  local doctor = require "gglab.doctor"
  local configs = doctor.configurations(exp)
  if #configs > 1 and not opts.all then
    out.stderr:write(string.format("gglab doctor: '%s' has %d configurations (they differ in %s); pick one with "
      .. "--set or diagnose each with --all\n", exp.name, #configs, table.concat(doctor.varying(configs), ", ")))
    return 1
  end
  local n, offset = opts.seeds or 20, opts.seed_offset or 0
  local seeds = {}
  for i = 1, n do seeds[i] = offset + i end
  local base = opts.out or ("results/" .. exp.name .. "/doctor")
  for k, point in ipairs(configs) do
    local dir = #configs > 1 and string.format("%s/%d", base, k) or base
    local report = doctor.diagnose(exp, point, { seeds = seeds, jobs = opts.jobs, out = dir,
      margin = opts.margin, second_step = not opts.no_second_step, timeout = opts.timeout, stderr = out.stderr })
    doctor.write_csv(report, dir .. "/doctor.csv")
    doctor.write_text(report, dir .. "/doctor.txt")
    if opts.quiet then
      out.stdout:write(doctor.summary(report))
    else
      out.stdout:write(doctor.text(report))
      out.stdout:write("Wrote ", dir, "/doctor.csv and doctor.txt (gglab report shows it)\n")
    end
  end
  return 0
end

-- ---- dispatch ----

local COMMANDS = {
  run = { main = cmd_run, usage = "run FILE", summary = "run every point of an experiment script" },
  list = { main = cmd_list, usage = "list FILE", summary = "print the points (run ids, parameters) of a sweep" },
  merge = { main = cmd_merge, usage = "merge OUT DIR...", summary = "combine shard result directories into one" },
  slurm = { main = cmd_slurm, usage = "slurm FILE", summary = "write a Slurm job array that runs a sweep in shards" },
  findings = { main = cmd_findings, usage = "findings DIR...", summary = "claims and verdicts of finished experiments, as Markdown" },
  report = { main = cmd_report, usage = "report DIR", summary = "write DIR/report.html: curves, heatmap, runs (--text: a summary)" },
  doctor = { main = cmd_doctor, usage = "doctor FILE", summary = "find why a configuration's loss goes up, by running the fixes" },
}
local COMMAND_ORDER = { "run", "list", "merge", "slurm", "findings", "report", "doctor" }

local function help_text()
  local lines = { "usage: gglab <command> [options]", "",
    "Runs the hyper-parameter sweep declared by a Lua experiment script.", "", "commands:" }
  for _, name in ipairs(COMMAND_ORDER) do
    lines[#lines + 1] = string.format("  %-18s %s", COMMANDS[name].usage, COMMANDS[name].summary)
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "options:"
  lines[#lines + 1] = "  -h, --help         show this help"
  lines[#lines + 1] = "  --version          print the version"
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Run 'gglab <command> --help' for a command's options."
  return table.concat(lines, "\n") .. "\n"
end

function M.main(argv, streams)
  local out = { stdout = streams and streams.stdout or io.stdout,
    stderr = streams and streams.stderr or io.stderr }
  local cmd = argv[1]
  if cmd == "-h" or cmd == "--help" then
    out.stdout:write(help_text())
    return 0
  elseif cmd == "--version" then
    out.stdout:write("gglab ", gg.version, "\n")
    return 0
  elseif cmd == nil then
    out.stderr:write(help_text())
    return 1
  end
  local command = COMMANDS[cmd]
  if not command then
    local what = cmd:match("^%-") and "unknown option" or "unknown command"
    local guess = cmd:match("^%-") and did_you_mean(cmd, { "--help", "--version" }) or did_you_mean(cmd, COMMAND_ORDER)
    out.stderr:write(string.format("gglab: %s '%s'%s (see gglab --help)\n", what, cmd, guess))
    return 1
  end
  -- Failures after validation (e.g. a disk error while writing results) raise plain
  -- messages; report them like any other error instead of dumping a traceback.
  local ok, code = pcall(command.main, { table.unpack(argv, 2) }, out, argv)
  if not ok then
    out.stderr:write("gglab: ", tostring(code), "\n")
    return 1
  end
  return code
end

return M
