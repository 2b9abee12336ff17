--[[ lua/gglab/slurm.lua — `gglab slurm`: write (never submit) a Slurm job array that runs an
  experiment in shards, plus a dependent job that merges the shards.

  main(args, streams) -> exit code, like the other commands (streams = {stdout =, stderr =}).
  Files written into <out>/slurm/ (<out> is the results directory, as for `gglab run`):
    array.sbatch  #SBATCH --array=1-N; task K runs `gglab run FILE --shard K/N
                  --out <out>/slurm/shards/K -j ${SLURM_CPUS_PER_TASK:-1} --resume -q`
    merge.sbatch  `gglab merge <out> <out>/slurm/shards/1 ... /N`
    submit.sh     sbatch the array, then the merge with --dependency=afterok:<array id>
    logs/         where both jobs write their output (Slurm does not create it)
  Every path in the scripts is absolute and single-quoted, so the jobs do not depend on the
  directory sbatch is called from. The same quoting is valid on #SBATCH lines: sbatch splits
  them into arguments honouring '...', "..." and backslash escapes.
  M.scripts(spec) builds the three texts without touching the file system (unit-tested). ]]

local gg = require "gglab"
local experiment = require "gglab.experiment"
local overrides = require "gglab.overrides"

local M = {}

local HELP = [==[
usage: gglab slurm FILE --tasks N [--out DIR] [--gglab PATH] [--set NAME=V[,V...]]...
                   [-- SBATCH-OPTION...]

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
  -h, --help        show this help
Everything after '--' is an sbatch option, written as an #SBATCH line of both
jobs, e.g. -- --partition=short --time=00:30:00 --cpus-per-task=4
]==]

-- ---- helpers ----

M.quote = require("gglab.lib.util").shell_quote

local function shell_output(cmd)
  local p = io.popen(cmd .. " 2>/dev/null")
  if not p then return nil end
  local text = p:read("a")
  local ok = p:close()
  text = text and text:gsub("\n$", "")
  if not ok or text == "" then return nil end
  return text
end

-- Absolute form of path (need not exist), symlinks kept: what the user typed, made absolute.
local function absolute(path)
  return shell_output("realpath -m -s -- " .. M.quote(path))
end

-- Path of the running executable: the popen'd shell's parent is this process.
local function running_executable()
  return shell_output("readlink /proc/$PPID/exe")
end


-- ---- arguments ----

local function parse_args(args)
  local opts = { sets = {}, sbatch = {} }
  local i = 1
  local function value(a)
    i = i + 1
    local v = args[i]
    if v == nil or v == "" then return nil, "option '" .. a .. "' needs a value" end
    return v
  end
  while i <= #args do
    local a = args[i]
    local name, inline = a:match("^(%-%-[%w-]+)=(.*)$")
    local why
    if a == "--" then
      table.move(args, i + 1, #args, 1, opts.sbatch)
      break
    elseif a == "-h" or a == "--help" then
      return nil, "help"
    elseif a == "--tasks" or name == "--tasks" then
      if inline then opts.tasks = inline else opts.tasks, why = value(a) end
    elseif a == "-o" or a == "--out" or name == "--out" then
      if inline then opts.out = inline else opts.out, why = value(a) end
      if opts.out == "" then why = "option '--out' needs a directory" end
    elseif a == "--gglab" or name == "--gglab" then
      if inline then opts.gglab = inline else opts.gglab, why = value(a) end
      if opts.gglab == "" then why = "option '--gglab' needs a path" end
    elseif a == "--set" or name == "--set" then
      local v
      if inline then v = inline else v, why = value(a) end
      if v == "" then why = "option '--set' needs NAME=VALUE" end
      opts.sets[#opts.sets + 1] = v
    elseif a:match("^%-.") then
      return nil, "unknown option '" .. a .. "' (sbatch options go after '--')"
    elseif opts.file then
      return nil, "unexpected argument '" .. a .. "'"
    else
      opts.file = a
    end
    if why then return nil, why end
    i = i + 1
  end
  if not opts.file then return nil, "missing experiment FILE" end
  if opts.tasks == nil then return nil, "missing --tasks N (the number of array tasks)" end
  local n = math.tointeger(tonumber(opts.tasks))
  if not opts.tasks:match("^%d+$") or not n or n < 1 then
    return nil, "--tasks must be an integer >= 1, got '" .. opts.tasks .. "'"
  end
  opts.tasks = n
  if opts.sbatch[1] and not opts.sbatch[1]:match("^%-") then
    return nil, "expected an sbatch option after '--', got '" .. opts.sbatch[1] .. "'"
  end
  for _, o in ipairs(opts.sbatch) do
    if o:match("^%-%-array") or o:match("^%-a") then
      return nil, "sbatch option '" .. o .. "' is not allowed: gglab slurm sets --array itself (use --tasks)"
    end
  end
  return opts
end

-- sbatch options as #SBATCH lines: an option starts a line, its separate values follow it.
local function sbatch_lines(options)
  local lines = {}
  for _, o in ipairs(options) do
    if o:match("^%-") or #lines == 0 then
      lines[#lines + 1] = "#SBATCH " .. M.quote(o)
    else
      lines[#lines] = lines[#lines] .. " " .. M.quote(o)
    end
  end
  return lines
end

-- ---- the scripts ----

-- Slurm expands %-patterns in --output file names: keep the directory's own % literal.
local function log_path(dir, file)
  return dir:gsub("%%", "%%%%") .. "/" .. file
end

--[[ scripts(spec) -> { array =, merge =, submit = } texts. spec: name, tasks, gglab, file,
  out (results dir), dir (the slurm dir), cwd, sets (list), sbatch (list of options),
  version. All paths absolute. ]]
function M.scripts(spec)
  local q = M.quote
  local n = spec.tasks
  local extra = sbatch_lines(spec.sbatch or {})
  local shards = spec.dir .. "/shards"
  local sets = {}
  for _, s in ipairs(spec.sets or {}) do sets[#sets + 1] = " --set " .. q(s) end

  local array = { "#!/bin/sh",
    "#SBATCH --job-name=" .. q("gglab-" .. spec.name),
    "#SBATCH --array=1-" .. n,
    "#SBATCH --output=" .. q(log_path(spec.dir .. "/logs", "%A_%a.out")) }
  table.move(extra, 1, #extra, #array + 1, array)
  table.move({
    string.format("# Written by gglab slurm (gglab %s): experiment '%s' in %d shards.", spec.version, spec.name, n),
    "# Array task K runs shard K/N of the points with one worker per allocated CPU; --resume",
    "# keeps the runs a previous attempt finished, so resubmitting redoes only the rest.",
    ': "${SLURM_ARRAY_TASK_ID:?submit this script with sbatch (see submit.sh)}"',
    "cd " .. q(spec.cwd) .. " || exit 1",
    string.format('exec %s run %s%s --shard "$SLURM_ARRAY_TASK_ID/%d" --out %s/"$SLURM_ARRAY_TASK_ID" \\',
      q(spec.gglab), q(spec.file), table.concat(sets), n, q(shards)),
    '  -j "${SLURM_CPUS_PER_TASK:-1}" --resume -q', "" }, 1, 9, #array + 1, array)

  local merge = { "#!/bin/sh",
    "#SBATCH --job-name=" .. q("gglab-" .. spec.name .. "-merge"),
    "#SBATCH --output=" .. q(log_path(spec.dir .. "/logs", "merge_%j.out")) }
  table.move(extra, 1, #extra, #merge + 1, merge)
  table.move({
    string.format("# Written by gglab slurm (gglab %s): merges the %d shards of '%s'.", spec.version, n, spec.name),
    "# Shards are listed one by one: shards/ may also hold ones from an earlier, larger --tasks.",
    "cd " .. q(spec.cwd) .. " || exit 1",
    "shards=" .. q(shards),
    "set --",
    "k=1",
    string.format('while [ "$k" -le %d ]; do set -- "$@" "$shards/$k"; k=$((k + 1)); done', n),
    string.format('exec %s merge %s "$@"', q(spec.gglab), q(spec.out)), "" }, 1, 9, #merge + 1, merge)

  local submit = { "#!/bin/sh",
    string.format("# Written by gglab slurm (gglab %s): submits the %d shard tasks of '%s',", spec.version, n, spec.name),
    "# then the merge, which starts only when every task has succeeded.",
    "set -e",
    "array=$(sbatch --parsable " .. q(spec.dir .. "/array.sbatch") .. ")",
    "array=${array%%;*}",
    'merge=$(sbatch --parsable --dependency=afterok:"$array" ' .. q(spec.dir .. "/merge.sbatch") .. ")",
    "merge=${merge%%;*}",
    'echo "array job $array"',
    'echo "merge job $merge"',
    "echo " .. q("logs in " .. spec.dir .. "/logs, results in " .. spec.out), "" }

  return { array = table.concat(array, "\n"), merge = table.concat(merge, "\n"),
    submit = table.concat(submit, "\n") }
end

-- ---- files ----

local function write_file(path, text)
  local tmp = path .. ".tmp"
  local f, err = io.open(tmp, "wb")
  if not f then error("cannot write '" .. path .. "': " .. tostring(err), 0) end
  local ok, werr = f:write(text)
  local cok, cerr = f:close()
  if not ok or not cok then error("cannot write '" .. path .. "': " .. tostring(werr or cerr), 0) end
  local rok, rerr = gg.fs.rename(tmp, path)
  if not rok then error("cannot write '" .. path .. "': " .. tostring(rerr), 0) end
end

function M.main(args, streams)
  local stdout = streams and streams.stdout or io.stdout
  local stderr = streams and streams.stderr or io.stderr
  local opts, why = parse_args(args)
  if why == "help" then
    stdout:write(HELP)
    return 0
  end
  if not opts then
    stderr:write("gglab slurm: ", why, " (see gglab slurm --help)\n")
    return 1
  end
  local exp, err = experiment.load(opts.file)
  if not exp then
    stderr:write("gglab: ", err, "\n")
    return 1
  end
  -- --set is checked here, not first in every array task; it also changes the point count.
  local sweep = exp.sweep
  if #opts.sets > 0 then
    local spec, msg = overrides.parse(opts.sets)
    if not spec then
      stderr:write("gglab slurm: ", msg, "\n")
      return 1
    end
    sweep = overrides.apply(sweep, spec)
  end

  local gglab = opts.gglab or running_executable()
  local exe_name = gglab and gglab:match("[^/]*$") or ""
  if not opts.gglab and (gglab == nil or exe_name:match("^lua")) then
    stderr:write("gglab slurm: cannot tell where the gglab executable is (running in ",
      gglab or "an unknown program", "); pass --gglab PATH\n")
    return 1
  end
  gglab = absolute(gglab)
  local file, out, cwd = absolute(opts.file), absolute(opts.out or ("results/" .. exp.name)), absolute(".")
  if not (gglab and file and out and cwd) then
    stderr:write("gglab slurm: cannot make the paths absolute (is realpath installed?)\n")
    return 1
  end
  if not gg.fs.exists(gglab) or gg.fs.isdir(gglab) then
    stderr:write("gglab slurm: no gglab executable at '", gglab, "'\n")
    return 1
  end
  if gg.fs.exists(out) and not gg.fs.isdir(out) then
    stderr:write("gglab slurm: output path '", out, "' exists and is not a directory\n")
    return 1
  end
  local dir = out .. "/slurm"
  local ok, merr = gg.fs.mkdir(dir .. "/logs")
  if not ok then
    stderr:write("gglab slurm: ", tostring(merr), "\n")
    return 1
  end

  local s = M.scripts { name = exp.name, tasks = opts.tasks, gglab = gglab, file = file, out = out,
    dir = dir, cwd = cwd, sets = opts.sets, sbatch = opts.sbatch, version = gg.version }
  local paths = { array = dir .. "/array.sbatch", merge = dir .. "/merge.sbatch", submit = dir .. "/submit.sh" }
  write_file(paths.array, s.array)
  write_file(paths.merge, s.merge)
  write_file(paths.submit, s.submit)
  os.execute("chmod +x " .. M.quote(paths.submit))

  local points = #sweep:points()
  stdout:write(string.format("Wrote the Slurm scripts of '%s' (%d points, %d array tasks) to %s/:\n",
    exp.name, points, opts.tasks, dir))
  stdout:write(string.format("  array.sbatch  %d tasks, task K runs shard K/%d into shards/K\n", opts.tasks, opts.tasks))
  stdout:write(string.format("  merge.sbatch  merges the shards into %s once all tasks succeeded\n", out))
  stdout:write("  submit.sh     submits both and prints their job ids\n")
  if opts.tasks > points then
    stdout:write(string.format("Note: %d of the %d tasks will have no point to run.\n", opts.tasks - points, opts.tasks))
  end
  stdout:write("Submit with: sh ", M.quote(paths.submit), "\n")
  return 0
end

return M
