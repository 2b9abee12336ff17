--[[ lua/gglab/engine/slurm.lua — the work of `gglab slurm` (argv: lua/gglab/cli/slurm.lua): write
  (never submit) a Slurm job array that runs an experiment in shards, plus a dependent job
  that merges the shards.

  write(spec) -> paths | nil, msg writes the files into <out>/slurm/ (<out> is the results
  directory, as for `gglab run`):
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

local M = {}

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
  ensemble (true: the runs get --ensemble), ensemble_width (with it), version. All paths
  absolute. ]]
function M.scripts(spec)
  local q = M.quote
  local n = spec.tasks
  local extra = sbatch_lines(spec.sbatch or {})
  local shards = spec.dir .. "/shards"
  local sets = {}
  for _, s in ipairs(spec.sets or {}) do sets[#sets + 1] = " --set " .. q(s) end
  if spec.ensemble then
    sets[#sets + 1] = " --ensemble"
    if spec.ensemble_width then sets[#sets + 1] = " --ensemble-width " .. math.tointeger(spec.ensemble_width) end
  end

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
    string.format('%s run %s%s --shard "$SLURM_ARRAY_TASK_ID/%d" --out %s/"$SLURM_ARRAY_TASK_ID" \\',
      q(spec.gglab), q(spec.file), table.concat(sets), n, q(shards)),
    '  -j "${SLURM_CPUS_PER_TASK:-1}" --resume -q',
    "# Exit status 3: every point has a result but some runs failed; they are recorded, so the",
    "# shard is done and the merge collects them (runs.csv lists them).",
    'rc=$?; [ "$rc" -eq 3 ] && exit 0; exit "$rc"', "" }, 1, 12, #array + 1, array)

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

--[[ write(spec) -> { dir =, out =, array =, merge =, submit = } (absolute paths), or nil, msg.
  spec: name (the experiment's), tasks, file (the script), out (results directory, default
  results/<name>), gglab (the executable the jobs run, default the running one), sets (the
  --set strings), sbatch (options), ensemble and ensemble_width (gglab run's). Makes every
  path absolute, creates <out>/slurm/logs and writes the three scripts there. Raises "cannot
  write '<path>': ..." on a write error. ]]
function M.write(spec)
  local gglab = spec.gglab or running_executable()
  local exe_name = gglab and gglab:match("[^/]*$") or ""
  if not spec.gglab and (gglab == nil or exe_name:match("^lua")) then
    return nil, "cannot tell where the gglab executable is (running in " .. (gglab or "an unknown program")
      .. "); pass --gglab PATH"
  end
  gglab = absolute(gglab)
  local file, out, cwd = absolute(spec.file), absolute(spec.out or ("results/" .. spec.name)), absolute(".")
  if not (gglab and file and out and cwd) then
    return nil, "cannot make the paths absolute (is realpath installed?)"
  end
  if not gg.fs.exists(gglab) or gg.fs.isdir(gglab) then
    return nil, "no gglab executable at '" .. gglab .. "'"
  end
  if gg.fs.exists(out) and not gg.fs.isdir(out) then
    return nil, "output path '" .. out .. "' exists and is not a directory"
  end
  local dir = out .. "/slurm"
  local ok, merr = gg.fs.mkdir(dir .. "/logs")
  if not ok then return nil, tostring(merr) end

  local s = M.scripts { name = spec.name, tasks = spec.tasks, gglab = gglab, file = file, out = out,
    dir = dir, cwd = cwd, sets = spec.sets, sbatch = spec.sbatch, ensemble = spec.ensemble,
    ensemble_width = spec.ensemble_width, version = gg.version }
  local paths = { dir = dir, out = out, array = dir .. "/array.sbatch", merge = dir .. "/merge.sbatch",
    submit = dir .. "/submit.sh" }
  write_file(paths.array, s.array)
  write_file(paths.merge, s.merge)
  write_file(paths.submit, s.submit)
  os.execute("chmod +x " .. M.quote(paths.submit))
  return paths
end

return M
