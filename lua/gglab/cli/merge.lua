--[[ lua/gglab/cli/merge.lua — `gglab merge OUT DIR...`: combine the result directories of a
  sweep's shards (gglab.engine.merge) and report what is missing. ]]

local merge = require "gglab.engine.merge"
local args = require "gglab.cli.args"

local M = {}

M.help = [==[
usage: gglab merge OUT DIR... [--partial] [--overwrite] [-q|--quiet]

Combines the result directories DIR... of the shards of one sweep (gglab run
--shard K/N) into OUT: runs.csv, curves.csv, manifest.json and runs/, the same
files a single run of the whole sweep writes. Stores of different experiments
(name, script SHA-256, seed or list of run ids differ) are refused. When a run
is in none of the DIRs, the others are still merged and the exit status is 1.
Results already in OUT move to OUT/history/<date>/, unless --overwrite.
Exit status: 0 when every run is present and ok or diverged, 3 when all are
present but some failed (like gglab run), 1 when runs are missing or on error.

options:
  --partial     exit 0 (or 3) even when runs are missing (they are still reported)
  --overwrite   remove the results already in OUT instead of keeping them
  -q, --quiet   no summary on stdout
  -h, --help    show this help
]==]

M.options = { { long = "--partial", key = "partial" }, { long = "--overwrite", key = "overwrite" }, args.QUIET }
M.positional = math.huge

-- After parsing: OUT and at least one DIR.
function M.check(opts)
  if #opts.args == 0 then return "missing OUT and DIR" end
  if #opts.args < 2 then return "missing DIR (at least one shard store)" end
end

local MAX_MISSING_LISTED = 10

-- gglab merge -> exit code: 1 when runs are missing (unless --partial), else 3 when a run
-- failed (run.EXIT_FAILED), else 0.
function M.main(opts, out, argv)
  local dirs = { table.unpack(opts.args, 2) }
  local result, err = merge.merge(opts.args[1], dirs, { argv = { "gglab", table.unpack(argv) },
    overwrite = opts.overwrite })
  if not result then
    out.stderr:write("gglab merge: ", err, "\n")
    return 1
  end
  local c = result.counts
  if not opts.quiet then
    out.stdout:write(string.format("merged %d of %d runs of '%s' from %d director%s into %s/: "
      .. "%d ok, %d diverged, %d failed.\n", result.present, result.points, result.name, #dirs,
      #dirs == 1 and "y" or "ies", result.out, c.ok or 0, c.diverged or 0, c.failed or 0))
    if result.previous then
      out.stdout:write(string.format("The earlier results of %s/ are in %s/%s/.\n", result.out, result.out,
        result.previous))
    end
  end
  local missing = result.missing
  if #missing > 0 then
    out.stderr:write(string.format("gglab merge: %d of %d runs are missing from every DIR:\n", #missing,
      result.points))
    for i = 1, math.min(#missing, MAX_MISSING_LISTED) do out.stderr:write("  ", missing[i], "\n") end
    if #missing > MAX_MISSING_LISTED then
      out.stderr:write(string.format("  ... and %d more\n", #missing - MAX_MISSING_LISTED))
    end
    if not opts.partial then return 1 end
  end
  return (c.failed or 0) > 0 and args.EXIT_FAILED or 0
end

return M
