--[[ lua/gglab/cli/doctor.lua — `gglab doctor FILE`: diagnose why a configuration's loss goes
  up (gglab.doctor.diagnose) and write doctor.csv / doctor.txt per configuration. ]]

local doctor = require "gglab.doctor.diagnose"
local output = require "gglab.doctor.output"
local runner = require "gglab.engine.runner"
local schema = require "gglab.lib.schema"
local util = require "gglab.lib.util"
local args = require "gglab.cli.args"
local script = require "gglab.cli.script"

local M = {}

M.help = [==[
usage: gglab doctor FILE [--set NAME=VALUE[,VALUE...]]... [--strict] [--seeds N]
                         [--seed-offset K] [--all] [-j N] [--out DIR] [--margin X]
                         [--no-second-step] [--metric loss|accuracy]

Why does this configuration's loss go up? Trains the configuration of FILE (one
point of its sweep, after --set; its `seed` parameter is replaced by the doctor's
seeds) unchanged and with each single change of the doctor's panel (lr / 10,
clipping, standardised features, Huber loss, ...) on the same seeds, and names
the cause whose fix measurably removes the symptom of the unchanged runs; with no
symptom, "no problem found" (fixes that still help are tuning hints). Judged on
the validation data when the run has any. See docs/doctor.md.

options:
  --set NAME=V[,V...]  as for gglab run: pick the configuration; a NAME the
                       configuration does not read before its first gg.train
                       gets a warning
  --strict             make that warning an error (exit status 4)
  --seeds N            seeds per change (default 20; at least 2)
  --seed-offset K      use seeds K+1..K+N (a disjoint set to check a verdict)
  --all                diagnose every configuration of the sweep in turn
  -j, --jobs N         worker processes (default: the number of cores)
  -o, --out DIR        output directory (default results/<name>/doctor)
  --margin X           a fix "helps" when at least X times better (default 1.5)
  --no-second-step     do not look for a second, interacting cause
  --metric M           judge on the run's own loss (default) or on accuracy
                       (the error rate 1 - accuracy; classification runs)
  --timeout SECONDS    stop a training run after SECONDS (it fails)
  -q, --quiet          only the verdict lines
  -h, --help           show this help
]==]

M.options = { args.SET, args.STRICT,
  { long = "--seeds", key = "seeds", arg = "a number", parse = args.integer_at_least(2),
    expect = "an integer >= 2" },
  { long = "--seed-offset", key = "seed_offset", arg = "a number", parse = args.nonneg_integer,
    expect = "an integer >= 0" },
  { long = "--all", key = "all" },
  args.JOBS, args.OUT,
  { long = "--margin", key = "margin", arg = "a factor", parse = function(v)
    local x = v:match("^[+]?%d*%.?%d+$") and tonumber(v)
    return x and x >= 1 and x or nil end, expect = "a number >= 1" },
  { long = "--no-second-step", key = "no_second_step" },
  { long = "--metric", key = "metric", arg = "a metric", parse = function(v)
    return (v == "loss" or v == "accuracy") and v or nil end, expect = "loss or accuracy" },
  args.TIMEOUT, args.QUIET,
}
M.positional = 1

-- After parsing: overrides (--set parsed), opts.args[1] is FILE.
M.check = script.check

--[[ tracking(exp, spec, read) -> a copy of exp whose run function gets its point as a
  runner.tracked_point of the --set names of spec (parsed --set), noting in read the names
  it looks up; exp itself without --set. Only runs in this process note anything: the
  doctor's probe (diagnose runs the configuration up to its first gg.train here first),
  and every run with -j 0. ]]
local function tracking(exp, spec, read)
  local names = script.set_names(spec)
  if not names then return exp end
  local set = {}
  for _, name in ipairs(names) do set[name] = true end
  local copy = setmetatable(util.copy(exp), getmetatable(exp))
  copy.run = function(p, run) return exp.run(runner.tracked_point(p, set, read), run) end
  return copy
end

-- gglab doctor -> exit code.
function M.main(opts, out)
  local exp = script.open(opts.args[1], opts.overrides, out)
  if not exp then return 1 end
  local read = {}
  exp = tracking(exp, opts.overrides, read)
  local configs = doctor.configurations(exp)
  if #configs > 1 and not opts.all then
    out.stderr:write(string.format("gglab doctor: '%s' has %d configurations (they differ in %s); pick one "
      .. "with --set or diagnose each with --all\n", exp.name, #configs,
      table.concat(doctor.varying(configs), ", ")))
    return 1
  end
  local n, offset = opts.seeds or 20, opts.seed_offset or 0
  local seeds = {}
  for i = 1, n do seeds[i] = offset + i end
  local base = opts.out or ("results/" .. exp.name .. "/doctor")
  for k, point in ipairs(configs) do
    local dir = #configs > 1 and string.format("%s/%d", base, k) or base
    local report = doctor.diagnose(exp, point, { seeds = seeds, jobs = opts.jobs, out = dir,
      margin = opts.margin, second_step = not opts.no_second_step, timeout = opts.timeout,
      metric = opts.metric, stderr = out.stderr })
    local csv = output.write(report, dir)
    if opts.quiet then
      out.stdout:write(output.summary(report))
    else
      out.stdout:write(output.text(report))
      out.stdout:write("Wrote ", csv, " and ", schema.DOCTOR_TEXT, " (gglab report shows it)\n")
    end
  end
  local unread = script.unread(opts.overrides, read, exp.sweep:names(),
    "it names the configuration, not what its runs did")
  return script.report_unread(unread, opts.strict, out)
end

return M
