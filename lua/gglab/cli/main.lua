--[[ lua/gglab/cli/main.lua — the command line's entry point (lua/main.c calls main).

  main(argv [, streams]) -> exit code. argv excludes the program name; streams
  ({stdout =, stderr =}, objects with :write) default to io.stdout/io.stderr.
  Exit codes: 0 success; 1 usage or script error (message on stderr, "gglab: ..." or
  "gglab <command>: ..." for usage errors).
  A sweep whose points diverged or failed still exits 0: exploring a grid is expected to
  hit bad corners, and the sweep did produce complete results. Those runs are listed in
  the summary and have status diverged/failed in runs.csv, which is what scripts should check.
  Each subcommand is a module gglab.cli.<name> exporting { help, options, positional, check,
  main(opts, out, argv) } (see gglab.cli.args); COMMANDS lists them for dispatch and help.
  The module is loaded only when its command runs, so `gglab list` does not load the doctor;
  each load is a literal require, so tests/lua/test_layers.lua sees every edge.
  Two words are not commands: a first word naming a script (ending in .lua or holding a '/')
  is the shorthand of `gglab exec` (gglab.cli.exec), and the hidden `--complete WORD...`
  prints the shell completion's candidates (gglab.cli.complete). ]]

local gg = require "gglab"
local args = require "gglab.cli.args"
local did_you_mean = require("gglab.lib.args").did_you_mean

local M = {}

local COMMANDS = {
  run = { load = function() return require "gglab.cli.run" end,
    usage = "run FILE", summary = "run every point of an experiment script" },
  list = { load = function() return require "gglab.cli.list" end,
    usage = "list FILE", summary = "print the points (run ids, parameters) of a sweep" },
  merge = { load = function() return require "gglab.cli.merge" end,
    usage = "merge OUT DIR...", summary = "combine shard result directories into one" },
  slurm = { load = function() return require "gglab.cli.slurm" end,
    usage = "slurm FILE", summary = "write a Slurm job array that runs a sweep in shards" },
  findings = { load = function() return require "gglab.cli.findings" end,
    usage = "findings DIR...",
    summary = "claims and verdicts of finished experiments, as Markdown" },
  report = { load = function() return require "gglab.cli.report" end,
    usage = "report DIR",
    summary = "write DIR/report.html: curves, heatmap, runs (--text: a summary)" },
  doctor = { load = function() return require "gglab.cli.doctor" end,
    usage = "doctor FILE",
    summary = "find why a configuration's loss goes up, by running the fixes" },
  exec = { load = function() return require "gglab.cli.exec" end,
    usage = "exec FILE [ARGS]", summary = "run a plain Lua script with gglab loaded (also: gglab FILE.lua)" },
  init = { load = function() return require "gglab.cli.init" end,
    usage = "init [NAME]", summary = "write a starter experiment experiments/NAME.lua" },
}
local COMMAND_ORDER = { "run", "list", "merge", "slurm", "findings", "report", "doctor", "exec", "init" }
-- What the positional arguments of each command are, for --complete: experiment or Lua
-- files, result directories, or nothing to offer.
local POSITIONAL_KIND = { run = "lua", list = "lua", slurm = "lua", doctor = "lua", exec = "lua",
  merge = "dir", findings = "dir", report = "dir", init = "none" }
-- The top-level options: --help and the man page list them, --complete offers them.
local TOP_OPTIONS = { { long = "--help", short = "-h" }, { long = "--version" } }

local function help_text()
  local lines = { "usage: gglab <command> [options]", "",
    "Runs the hyper-parameter sweep declared by a Lua experiment script.", "", "commands:" }
  for _, name in ipairs(COMMAND_ORDER) do
    lines[#lines + 1] = string.format("  %-18s %s", COMMANDS[name].usage, COMMANDS[name].summary)
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "options:"
  lines[#lines + 1] = "  -h, --help         show this help"
  lines[#lines + 1] = "  --version          print the version and build id"
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Run 'gglab <command> --help' for a command's options, 'man gglab' for all of them."
  return table.concat(lines, "\n") .. "\n"
end

-- Parses `gglab <name> ...` with the command's table and runs it -> exit code.
local function dispatch(name, argv, out)
  local cmd = COMMANDS[name].load()
  local opts, msg, plain = args.parse({ table.unpack(argv, 2) }, cmd)
  if not opts then return args.usage_error(out, name, cmd.help, msg, plain) end
  return cmd.main(opts, out, argv)
end

--[[ version_text() -> `gglab --version`'s line: the version and the build id (version +
  the first 12 hex digits of the sources' sha256, embedded by the Makefile), and the git
  description of the checkout it was built from, when it was one:
  "gglab 0.1.0 (build 0.1.0+633ac55adfc6, git fa9f973-dirty)\n". ]]
function M.version_text()
  local b = type(gg.build) == "table" and gg.build or { id = gg.version }
  return string.format("gglab %s (build %s%s)\n", gg.version, b.id, b.git and (", git " .. b.git) or "")
end

--[[ commands() -> the command line's vocabulary, for --complete and the tests that keep the
  man page and --help in step: { order = names, top = the top-level options, [name] = {
  options = the command's option table, kind = "lua" | "dir" | "none" (its positional
  arguments), rest = true when '--' ends its options } }. Loads every command module. ]]
function M.commands()
  local c = { order = COMMAND_ORDER, top = TOP_OPTIONS }
  for _, name in ipairs(COMMAND_ORDER) do
    local cmd = COMMANDS[name].load()
    c[name] = { options = cmd.options or {}, kind = POSITIONAL_KIND[name], rest = cmd.rest ~= nil,
      tail = cmd.tail ~= nil }
  end
  return c
end

-- main(argv [, streams]) -> exit code (see the header).
function M.main(argv, streams)
  -- The collector lua5.4 itself runs with (lua.c): a sweep's parent holds a record per run
  -- and makes short-lived garbage per run, where the incremental collector let the heap
  -- reach twice the live data (a 20,000-run sweep: 65 MiB of RSS, not 57).
  collectgarbage("generational")
  local out = { stdout = streams and streams.stdout or io.stdout,
    stderr = streams and streams.stderr or io.stderr }
  local cmd = argv[1]
  if cmd == "-h" or cmd == "--help" then
    out.stdout:write(help_text())
    return 0
  elseif cmd == "--version" then
    out.stdout:write(M.version_text())
    return 0
  elseif cmd == nil then
    out.stderr:write(help_text())
    return 1
  end
  if cmd == "--complete" then
    local complete = require "gglab.cli.complete"
    return complete.main({ table.unpack(argv, 2) }, M.commands(), out)
  end
  if not COMMANDS[cmd] and not cmd:match("^%-") and (cmd:match("%.lua$") or cmd:find("/")) then
    -- gglab FILE.lua ARGS...: the shorthand of gglab exec
    return require("gglab.cli.exec").run(cmd, { table.unpack(argv, 2) }, { "gglab" }, out)
  end
  if not COMMANDS[cmd] then
    local what = cmd:match("^%-") and "unknown option" or "unknown command"
    local guess = cmd:match("^%-") and did_you_mean(cmd, { "--help", "--version" })
      or did_you_mean(cmd, COMMAND_ORDER)
    out.stderr:write(string.format("gglab: %s '%s'%s (see gglab --help)\n", what, cmd, guess))
    return 1
  end
  -- Failures after validation (e.g. a disk error while writing results) raise plain
  -- messages; report them like any other error instead of dumping a traceback.
  local ok, code = pcall(dispatch, cmd, argv, out)
  if not ok then
    out.stderr:write("gglab: ", tostring(code), "\n")
    return 1
  end
  return code
end

return M
