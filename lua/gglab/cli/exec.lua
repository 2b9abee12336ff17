--[[ lua/gglab/cli/exec.lua — `gglab exec FILE [ARGS...]` and its shorthand `gglab FILE.lua
  [ARGS...]`: run a plain Lua script with gglab loaded, as `lua5.4 FILE ARGS...` would with
  LUA_CPATH pointing at gglab.so. Not an experiment: nothing is written, no results folder.

  The script sees `arg` as lua5.4 builds it (arg[0] = FILE, arg[1..n] = ARGS, the words
  before FILE at negative indices) and ARGS as `...`. Exit status: the script's os.exit
  code, else 0; 1 when it raises (the message with its file:line and a traceback on
  stderr, like lua5.4), cannot be loaded, or returns an experiment (then: use gglab run). ]]

local experiment = require "gglab.experiment"

local M = {}

M.help = [==[
usage: gglab exec FILE [ARGS...]
       gglab FILE.lua [ARGS...]

Runs the Lua script FILE with gglab loaded (require "gglab" works), the way
`lua5.4 FILE ARGS...` runs it: `arg` and `...` hold ARGS, every option after
FILE is the script's. Nothing is written: for an experiment (a script that
returns gg.experiment{...}) use gglab run. FILE - reads the script from the
standard input. The shorthand takes a FILE whose name ends in .lua or
contains a '/'.

Exit status: the script's (os.exit), 0 when it ends normally, 1 when it raises
an error (file:line and a traceback on stderr), cannot be loaded, or returns
an experiment.

options:
  -h, --help   show this help (only before FILE)
]==]

M.options = {}
M.positional = 1
M.tail = "script_args"

-- After parsing: the one positional FILE present.
function M.check(opts)
  if not opts.args[1] then return "missing script FILE" end
end

-- The message of an error object, as lua5.4 shows it.
local function message(e)
  if type(e) == "string" then return e end
  local mt = getmetatable(e)
  if mt and mt.__tostring then return tostring(e) end
  return string.format("(error object is a %s value)", type(e))
end

-- The traceback of an error in the script, without the frames of gglab's own CLI below it.
local function traceback(e)
  local tb = debug.traceback(message(e), 2)
  local cut = tb:find("\n%s*%[C%]: in function 'xpcall'")
  return cut and tb:sub(1, cut - 1) or tb
end

--[[ run(file, script_args, before, out) -> exit code: runs the script file with
  script_args; before = the words of the command line before FILE (arg's negative
  indices, the first of them the program). ]]
function M.run(file, script_args, before, out)
  local chunk, err = loadfile(file ~= "-" and file or nil)  -- "-": the standard input, as lua5.4
  if not chunk then
    out.stderr:write("gglab: ", err, "\n")
    return 1
  end
  local a = { [0] = file }
  for i, w in ipairs(before) do a[i - #before - 1] = w end
  for i, w in ipairs(script_args) do a[i] = w end
  local saved = _G.arg
  _G.arg = a  -- the one global lua5.4 sets for a script
  local ok, res = xpcall(chunk, traceback, table.unpack(script_args))
  _G.arg = saved
  io.stdout:flush()
  if not ok then
    out.stderr:write("gglab: ", res, "\n")
    return 1
  end
  if experiment.is_experiment(res) then
    out.stderr:write(string.format("gglab: %s returns an experiment (gg.experiment): run it with "
      .. "'gglab run %s'\n", file, file))
    return 1
  end
  return 0
end

-- gglab exec -> exit code.
function M.main(opts, out)
  return M.run(opts.args[1], opts.script_args, { "gglab", "exec" }, out)
end

return M
