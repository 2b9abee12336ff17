--[[ lua/gglab/cli/slurm.lua — `gglab slurm FILE --tasks N [-- SBATCH-OPTION...]`: write the
  Slurm job array of an experiment (gglab.slurm.write) and say how to submit it. ]]

local slurm = require "gglab.engine.slurm"
local overrides = require "gglab.overrides"
local experiment = require "gglab.experiment"
local args = require "gglab.cli.args"
local script = require "gglab.cli.script"

local M = {}

M.help = [==[
usage: gglab slurm FILE --tasks N [--out DIR] [--gglab PATH] [--set NAME=V[,V...]]...
                   [--ensemble [--ensemble-width N]] [-- SBATCH-OPTION...]

Writes (does not submit) a Slurm job array that runs the experiment script FILE
in N shards, one array task per shard, and a job that merges the shards into
DIR once every task has succeeded. The files go to DIR/slurm/:
  array.sbatch   task K runs 'gglab run FILE --shard K/N --resume', with -j set
                 from --cpus-per-task
  merge.sbatch   'gglab merge DIR DIR/slurm/shards/1 ... DIR/slurm/shards/N'
  submit.sh      submits both (sh DIR/slurm/submit.sh); prints the job ids
DIR then holds the same runs.csv, curves.csv and manifest.json as 'gglab run'.

options:
  --tasks N         number of array tasks (shards), an integer >= 1
  -o, --out DIR     results directory (default results/<experiment name>)
  --gglab PATH      gglab executable the jobs run (default: this one)
  --set NAME=V...   passed on to every 'gglab run' (repeatable)
  --ensemble        every 'gglab run' trains its points in lockstep ensembles
                    (gglab run --ensemble; the same results)
  --ensemble-width N  passed on with --ensemble (runs per group, >= 1)
  -h, --help        show this help
Everything after '--' is an sbatch option, written as an #SBATCH line of both
jobs, e.g. -- --partition=short --time=00:30:00 --cpus-per-task=4
]==]

M.options = {
  { long = "--tasks", key = "tasks", arg = "a number", parse = args.integer_at_least(1),
    expect = "an integer >= 1" },
  args.OUT,
  { long = "--gglab", key = "gglab", arg = "a path" },
  args.SET,
  { long = "--ensemble", key = "ensemble" },
  { long = "--ensemble-width", key = "ensemble_width", arg = "a number", parse = args.integer_at_least(1),
    expect = "an integer >= 1" },
}
M.positional = 1
M.rest = "sbatch"
M.unknown_hint = " (sbatch options go after '--')"

-- After parsing: overrides (--set parsed: checked here, not first in every array task),
-- opts.file, --tasks given, and sbatch options that are options and leave --array to us.
function M.check(opts)
  local msg, plain = script.check(opts)
  if msg then return msg, plain end
  opts.file, opts.args = opts.args[1], nil
  if opts.tasks == nil then return "missing --tasks N (the number of array tasks)" end
  if opts.ensemble_width and not opts.ensemble then
    return "option '--ensemble-width' goes with '--ensemble'"
  end
  if opts.sbatch[1] and not opts.sbatch[1]:match("^%-") then
    return "expected an sbatch option after '--', got '" .. opts.sbatch[1] .. "'"
  end
  for _, o in ipairs(opts.sbatch) do
    if o:match("^%-%-array") or o:match("^%-a") then
      return "sbatch option '" .. o .. "' is not allowed: gglab slurm sets --array itself (use --tasks)"
    end
  end
end

-- gglab slurm -> exit code.
function M.main(opts, out)
  local exp, err = experiment.load(opts.file)
  if not exp then
    out.stderr:write("gglab: ", err, "\n")
    return 1
  end
  -- --set changes the point count.
  local sweep = opts.overrides and overrides.apply(exp.sweep, opts.overrides) or exp.sweep
  local paths, msg = slurm.write { name = exp.name, tasks = opts.tasks, file = opts.file, out = opts.out,
    gglab = opts.gglab, sets = opts.set or {}, sbatch = opts.sbatch, ensemble = opts.ensemble,
    ensemble_width = opts.ensemble_width }
  if not paths then
    out.stderr:write("gglab slurm: ", msg, "\n")
    return 1
  end
  local points = #sweep:points()
  local stdout = out.stdout
  stdout:write(string.format("Wrote the Slurm scripts of '%s' (%d points, %d array tasks) to %s/:\n",
    exp.name, points, opts.tasks, paths.dir))
  stdout:write(string.format("  array.sbatch  %d tasks, task K runs shard K/%d into shards/K\n", opts.tasks,
    opts.tasks))
  stdout:write(string.format("  merge.sbatch  merges the shards into %s once all tasks succeeded\n",
    paths.out))
  stdout:write("  submit.sh     submits both and prints their job ids\n")
  if opts.tasks > points then
    stdout:write(string.format("Note: %d of the %d tasks will have no point to run.\n", opts.tasks - points,
      opts.tasks))
  end
  stdout:write("Submit with: sh ", slurm.quote(paths.submit), "\n")
  return 0
end

return M
