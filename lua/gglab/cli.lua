--[[ lua/gglab/cli.lua — command-line front end.

  main(argv [, streams]) -> exit code. argv excludes the program name; streams
  ({stdout =, stderr =}, objects with :write) default to io.stdout/io.stderr.
  Exit codes: 0 success; 1 usage or script error (message on stderr, "gglab: ..." or
  "gglab <command>: ..." for usage errors).
  A sweep whose points diverged or failed still exits 0: exploring a grid is expected to
  hit bad corners, and the sweep did produce complete results. Those runs are listed in
  the summary and have status diverged/failed in runs.csv, which is what scripts should check.
  Subcommands live in the COMMANDS dispatch table (list, merge, report, doctor go there). ]]

local gg = require "gglab"
local experiment = require "gglab.experiment"
local runner = require "gglab.runner"

local M = {}

local RUN_HELP = [[
usage: gglab run FILE [--out DIR] [-q|--quiet]

Loads the Lua script FILE, which must return gg.experiment{...}, runs every
point of its sweep in order and writes DIR/runs.csv, DIR/curves.csv,
DIR/manifest.json and the per-run files in DIR/runs/.

options:
  -o, --out DIR   output directory (default results/<experiment name>)
  -q, --quiet     no progress lines on stderr
  -h, --help      show this help

Exit status is 0 when every point was run, even if some diverged or failed
(they are listed in the summary and in runs.csv), 1 on a usage or script error.
]]

-- ---- gglab run ----

-- Parses run's arguments -> opts or nil, usage message (or "help").
local function parse_run_args(args)
  local opts = {}
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "-h" or a == "--help" then
      return nil, "help"
    elseif a == "-q" or a == "--quiet" then
      opts.quiet = true
    elseif a == "-o" or a == "--out" then
      i = i + 1
      opts.out = args[i]
      if opts.out == nil or opts.out == "" then return nil, "option '" .. a .. "' needs a directory" end
    elseif a:match("^%-%-out=") then
      opts.out = a:sub(#"--out=" + 1)
      if opts.out == "" then return nil, "option '--out' needs a directory" end
    elseif a:match("^%-.") then
      return nil, "unknown option '" .. a .. "'"
    elseif opts.file then
      return nil, "unexpected argument '" .. a .. "'"
    else
      opts.file = a
    end
    i = i + 1
  end
  if not opts.file then return nil, "missing experiment FILE" end
  return opts
end

-- Loads and runs the script -> experiment, or nil, message.
local function load_experiment(file)
  if not gg.fs.exists(file) then return nil, "no such file '" .. file .. "'" end
  if gg.fs.isdir(file) then return nil, "'" .. file .. "' is a directory, expected a Lua script" end
  local chunk, err = loadfile(file)
  if not chunk then return nil, err end
  local ok, exp = pcall(chunk)
  if not ok then
    -- `return gg.experiment{...}` is a tail call: the script's frame is gone when the
    -- error is raised, so the message has no file:line. Name the file at least.
    local msg = tostring(exp)
    if not msg:match("^[^\n]-:%d+: ") then msg = file .. ": " .. msg end
    return nil, msg
  end
  if not experiment.is_experiment(exp) then
    return nil, file .. " did not return gg.experiment{...}, got " .. type(exp)
  end
  return exp
end

local function cmd_run(args, out, argv)
  local opts, why = parse_run_args(args)
  if why == "help" then
    out.stdout:write(RUN_HELP)
    return 0
  end
  if not opts then
    out.stderr:write("gglab run: ", why, " (see gglab run --help)\n")
    return 1
  end
  local exp, err = load_experiment(opts.file)
  if not exp then
    out.stderr:write("gglab: ", err, "\n")
    return 1
  end
  local result, msg = runner.run(exp, { out = opts.out, quiet = opts.quiet, script = opts.file,
    argv = { "gglab", table.unpack(argv) }, stdout = out.stdout, stderr = out.stderr })
  if not result then
    out.stderr:write("gglab: ", msg, "\n")
    return 1
  end
  return 0
end

-- ---- dispatch ----

local COMMANDS = {
  run = { main = cmd_run, usage = "run FILE", summary = "run every point of an experiment script" },
}

local function help_text()
  local names = {}
  for name in pairs(COMMANDS) do names[#names + 1] = name end
  table.sort(names)
  local lines = { "usage: gglab <command> [options]", "",
    "Runs the hyper-parameter sweep declared by a Lua experiment script.", "", "commands:" }
  for _, name in ipairs(names) do
    lines[#lines + 1] = string.format("  %-14s %s", COMMANDS[name].usage, COMMANDS[name].summary)
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "options:"
  lines[#lines + 1] = "  -h, --help     show this help"
  lines[#lines + 1] = "  --version      print the version"
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
    out.stderr:write(string.format("gglab: %s '%s' (see gglab --help)\n", what, cmd))
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
