--[[ lua/gglab/cli/list.lua — `gglab list FILE`: the points of an experiment's sweep (after
  --set, optionally one shard's), one per line: position, run id, canonical parameters
  (control characters shown as \n, \t, \xHH: one point, one line). ]]

local sweep = require "gglab.sweep"
local args = require "gglab.cli.args"
local script = require "gglab.cli.script"

local M = {}

M.help = [==[
usage: gglab list FILE [--set NAME=VALUE[,VALUE...]]... [--shard K/N]

Prints the points of the experiment FILE would run, after --set, one per
line: position in the sweep, run id, canonical parameters (sorted by name).
The first line counts them. With --shard K/N only shard K's points are listed.

options:
  --set NAME=V[,V...]  as for gglab run
  --shard K/N          list only shard K of N (1 <= K <= N)
  -h, --help           show this help
]==]

M.options = { args.SET, args.SHARD }
M.positional = 1

-- After parsing: overrides (--set parsed), opts.args[1] is FILE.
M.check = script.check

local CONTROL_NAMES = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

-- One line of text: control characters of s as \n, \r, \t or \xHH (the canonical form
-- already escapes '\', so the shown text stays unambiguous).
local function one_line(s)
  return (s:gsub("[%c]", function(c)
    return CONTROL_NAMES[c] or string.format("\\x%02X", c:byte())
  end))
end

-- gglab list -> exit code.
function M.main(opts, out)
  local exp = script.open(opts.args[1], opts.overrides, out)
  if not exp then return 1 end
  local total = #exp.sweep
  local shard = opts.shard or { k = 1, n = 1 }
  local entries = exp.sweep:shard(shard.k, shard.n)
  if opts.shard then
    out.stdout:write(string.format("%d of %d points of '%s' (shard %d/%d)\n", #entries, total,
      one_line(exp.name), shard.k, shard.n))
  else
    out.stdout:write(string.format("%d points of '%s'\n", total, one_line(exp.name)))
  end
  local width = #tostring(total)
  for _, e in ipairs(entries) do
    out.stdout:write(string.format("%" .. width .. "d  %s  %s\n", e.index, sweep.run_id(e.point),
      one_line(sweep.canonical(e.point))))
  end
  return 0
end

return M
