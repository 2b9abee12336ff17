--[[ tests/lua/test_cli_tools.lua — the everyday commands around gglab run: `gglab exec` and its
  shorthand `gglab FILE.lua`, `gglab init`, the hidden `gglab --complete` with the bash and zsh
  functions over it (docs/completion/), and the man page docs/gglab.1, which must list the
  same options as --help and the commands' option tables (so the three cannot drift).
  Runs the gglab executable (GGLAB) in a temporary directory; the option tables come from the
  modules embedded in gglab.so (LUA_CPATH). ]]

local T = require "check"
local gg = require "gglab"
local cli = require "gglab.cli.main"

local GGLAB = assert(os.getenv("GGLAB"), "set GGLAB to the gglab executable")
local ROOT = assert(io.popen("pwd")):read("l")
if GGLAB:sub(1, 1) ~= "/" then GGLAB = ROOT .. "/" .. GGLAB end
local Q = T.quote

local dir = T.tmpdir()

-- gglab(args) -> output (stdout and stderr), exit code; run in dir (args: a shell string).
local function gglab(args)
  return T.sh("cd " .. Q(dir) .. " && " .. Q(GGLAB) .. " " .. args)
end

-- ---- gglab exec / gglab FILE.lua ----

T.write(dir .. "/s.lua", [[
local gg = require "gglab"
print(select("#", ...), ..., arg[-2], arg[-1], arg[0], arg[1], #arg)
print(string.format("%.17g", gg.tensor { 0.1 }:get(1)))
local function f() error("boom") end
if arg[1] == "err" then f() end
if arg[1] == "exit" then io.write("partial"); os.exit(7) end
]])
T.write(dir .. "/syntax.lua", "local x = = 1\n")
T.write(dir .. "/exp.lua", [[
local gg = require "gglab"
return gg.experiment { name = "e", sweep = gg.grid { lr = { 1 } }, run = function() end }
]])

local out, code = gglab("exec s.lua a --b")
T.eq("exec: arg and ... as lua5.4 sets them, gg loaded", out,
  "2\ta\tgglab\texec\ts.lua\ta\t2\n0.10000000149011612\n")  -- `...` mid-list: its first value
T.eq("exec: exit 0", code, 0)
out, code = gglab("s.lua x")
T.eq("shorthand: arg[-1] is the program", out, "1\tx\tnil\tgglab\ts.lua\tx\t1\n0.10000000149011612\n")
T.eq("shorthand: exit 0", code, 0)
out, code = gglab("./s.lua --help")
T.ok("shorthand: options after FILE are the script's", out:find("^1\t%-%-help\t") ~= nil)
out, code = gglab("exec s.lua err")
T.eq("error: exit 1", code, 1)
T.ok("error: message with file:line", out:find("\ngglab: s%.lua:4: boom\nstack traceback:\n") ~= nil)
T.ok("error: traceback through the script", out:find("s.lua:5: in main chunk", 1, true) ~= nil)
T.ok("error: no frames of the CLI", not out:find("cli/", 1, true) and not out:find("xpcall", 1, true))
out, code = gglab("s.lua exit")
T.eq("os.exit: the script's code", code, 7)
T.ok("os.exit: output flushed", out:find("partial$") ~= nil)
out, code = gglab("syntax.lua")
T.eq("syntax error", { out, code }, { "gglab: syntax.lua:1: unexpected symbol near '='\n", 1 })
out, code = gglab("exec missing.lua")
T.eq("missing file", { out, code }, { "gglab: cannot open missing.lua: No such file or directory\n", 1 })
out, code = gglab("exec exp.lua")
T.eq("an experiment: use gglab run", { out, code },
  { "gglab: exp.lua returns an experiment (gg.experiment): run it with 'gglab run exp.lua'\n", 1 })
T.ok("an experiment: no results folder", not gg.fs.exists(dir .. "/results"))
out, code = gglab("exec - a b < s.lua")
T.eq("exec -: the script from stdin", { out, code }, { "2\ta\tgglab\texec\t-\ta\t2\n0.10000000149011612\n", 0 })
out, code = gglab("exec")
T.eq("exec without FILE", { out, code }, { "gglab exec: missing script FILE (see gglab exec --help)\n", 1 })
out, code = gglab("exec --frob s.lua")
T.eq("exec: an option before FILE", { out, code },
  { "gglab exec: unknown option '--frob' (see gglab exec --help)\n", 1 })
out, code = gglab("exec --help")
T.ok("exec --help", code == 0 and out:find("^usage: gglab exec FILE") ~= nil)
out, code = gglab("frobnicate")
T.eq("a word that is no command nor script", { out, code },
  { "gglab: unknown command 'frobnicate' (see gglab --help)\n", 1 })

-- ---- gglab init ----

out, code = gglab("init")
T.eq("init: default name", { out, code },
  { "wrote experiments/my_experiment.lua; run it with: gglab run experiments/my_experiment.lua\n", 0 })
local starter = T.slurp(dir .. "/experiments/my_experiment.lua") or ""
T.ok("init: commented", select(2, starter:gsub("%-%-", "")) >= 10)
T.ok("init: the experiment's name", starter:find('name = "my_experiment"', 1, true) ~= nil)
out, code = gglab("run -q -j 2 experiments/my_experiment.lua")
T.eq("init: gglab run runs the starter as is", code, 0)
T.ok("init: 18 runs, all ok", out:find("18 runs of 'my_experiment'", 1, true) ~= nil
  and out:find("18 ok, 0 diverged, 0 failed", 1, true) ~= nil)
T.ok("init: its claim gets a verdict (holds)", out:find("\nclaim: .- — HOLDS %(lr 0%.1: final_val_loss mean") ~= nil)
local manifest = T.slurp(dir .. "/results/my_experiment/manifest.json") or ""
T.ok("init: the verdict in manifest.json", manifest:find('"holds":%s*true') ~= nil)
out, code = gglab("init")
T.eq("init: never overwrites", { out, code }, { "gglab init: experiments/my_experiment.lua already exists "
  .. "(not overwritten; choose another NAME or remove it)\n", 1 })
T.eq("init: the file is unchanged", T.slurp(dir .. "/experiments/my_experiment.lua"), starter)
out, code = gglab("init lr-2 --dir sub/exps")
T.eq("init NAME --dir", code, 0)
local other = T.slurp(dir .. "/sub/exps/lr-2.lua") or ""
T.ok("init NAME --dir: name inside", other:find('name = "lr-2"', 1, true) ~= nil)
T.eq("init: the same text but for the name and path",
  (other:gsub("sub/exps/lr%-2%.lua", "F"):gsub("lr%-2", "N")),
  (starter:gsub("experiments/my_experiment%.lua", "F"):gsub("my_experiment", "N")))
for _, bad in ipairs { "'bad name'", "x.lua", "../x", "_x", string.rep("a", 65) } do
  out, code = gglab("init " .. bad)
  T.ok("init: bad NAME " .. bad, code == 1 and out:find("^gglab init: bad NAME '.-': expected at most 64 letters, "
    .. "digits, '_' or '%-', starting with a letter or digit") ~= nil)
end
out, code = gglab("init a b")
T.eq("init: one NAME", { out, code }, { "gglab init: unexpected argument 'b' (see gglab init --help)\n", 1 })
T.ok("init: nothing written for bad names", not gg.fs.exists(dir .. "/experiments/x.lua.lua"))

-- ---- gglab --complete ----

local commands = cli.commands()

-- complete(words) -> list of candidates (the output's lines).
local function complete(words)
  local q = {}
  for i, w in ipairs(words) do q[i] = Q(w) end
  local text = gglab("--complete " .. table.concat(q, " "))
  local list = {}
  for line in text:gmatch("[^\n]+") do list[#list + 1] = line end
  return list
end

-- The sorted option names of a command's table, with -h/--help.
local function table_options(name)
  local list = { "--help", "-h" }
  for _, o in ipairs(commands[name].options) do
    list[#list + 1] = o.long
    if o.short then list[#list + 1] = o.short end
  end
  table.sort(list)
  return list
end

local order = { table.unpack(commands.order) }
table.sort(order)
T.eq("complete: the commands", complete { "" }, order)
T.eq("complete: a prefix", complete { "r" }, { "report", "run" })
T.eq("complete: top-level options", complete { "-" }, { "--help", "--version", "-h" })
for _, name in ipairs(commands.order) do
  T.eq("complete: every option of " .. name, complete { name, "-" }, table_options(name))
end
T.eq("complete: option prefix", complete { "run", "--re" }, { "--report", "--rerun-failed", "--resume" })
assert(gg.fs.mkdir(dir .. "/results/done") and gg.fs.mkdir(dir .. "/results/empty"))
T.write(dir .. "/results/done/runs.csv", "id\n")
T.eq("complete: experiment files", complete { "run", "" },
  { "exp.lua", "experiments/", "experiments/my_experiment.lua", "results/", "s.lua", "sub/", "syntax.lua" })
T.eq("complete: experiment files under a directory", complete { "doctor", "experiments/" },
  { "experiments/my_experiment.lua" })
T.eq("complete: result folders (with runs.csv) for report", complete { "report", "" },
  { "experiments/", "results/", "results/done/", "results/my_experiment/", "sub/" })
T.eq("complete: inside results/", complete { "merge", "out", "results/" },
  { "results/done/", "results/empty/", "results/my_experiment/" })
T.eq("complete: --out takes a directory", complete { "run", "exp.lua", "--out", "re" }, { "results/" })
T.eq("complete: -j takes a number: nothing", complete { "run", "-j", "" }, {})
T.eq("complete: --out=DIR as one word (zsh)", complete { "run", "exp.lua", "--out=re" }, { "--out=results/" })
T.eq("complete: --out = DIR (bash splits at '=')", complete { "run", "exp.lua", "--out", "=", "re" }, { "results/" })
T.eq("complete: right after --out= (bash)", complete { "report", "-o", "=" },
  { "=exp.lua", "=experiments/", "=results/", "=s.lua", "=sub/", "=syntax.lua" })
T.eq("complete: the script's arguments in exec", complete { "exec", "s.lua", "" }, {})
T.eq("complete: after the shorthand's FILE", complete { "s.lua", "" }, {})
T.eq("complete: after -- in slurm", complete { "slurm", "exp.lua", "--", "--p" }, {})
T.eq("complete: a script when no command fits", complete { "./s" }, { "./s.lua", "./sub/", "./syntax.lua" })
T.eq("complete: an unknown command", complete { "frob", "" }, {})

-- bash: the function over gglab --complete, with COMP_WORDS/COMP_CWORD as bash sets them.
local BASH_FILE = ROOT .. "/docs/completion/gglab.bash"
local function bash_complete(words)
  local cmd = "source " .. Q(BASH_FILE) .. "; COMP_WORDS=(" .. Q(GGLAB)
  for _, w in ipairs(words) do cmd = cmd .. " " .. Q(w) end
  cmd = cmd .. "); COMP_CWORD=" .. #words .. "; _gglab; printf '%s\\n' \"${COMPREPLY[@]}\"; complete -p gglab"
  return (T.sh("cd " .. Q(dir) .. " && bash -c " .. Q(cmd)))
end
T.eq("bash: options of run", bash_complete { "run", "--re" },
  "--report\n--rerun-failed\n--resume\ncomplete -F _gglab gglab\n")
T.eq("bash: experiment files", bash_complete { "list", "experiments/m" },
  "experiments/my_experiment.lua\ncomplete -F _gglab gglab\n")
T.eq("bash: commands", bash_complete { "ex" }, "exec\ncomplete -F _gglab gglab\n")

-- zsh: the function with compadd stubbed (it prints what it would offer).
local ZSH_FILE = ROOT .. "/docs/completion/_gglab"
if os.execute("command -v zsh >/dev/null 2>&1") then
  local function zsh_complete(words)
    local cmd = "compdef() { print -r -- compdef \"$@\"; }; compadd() { print -r -- \"$@\"; }; source "
      .. Q(ZSH_FILE) .. "; words=(" .. Q(GGLAB)
    for _, w in ipairs(words) do cmd = cmd .. " " .. Q(w) end
    cmd = cmd .. "); CURRENT=" .. (#words + 1) .. "; _gglab"
    return (T.sh("cd " .. Q(dir) .. " && zsh -fc " .. Q(cmd)))
  end
  T.eq("zsh: options of report", zsh_complete { "report", "results/done", "--he" },
    "compdef _gglab gglab\n-- --heatmap --help\n")
  T.eq("zsh: directories without a suffix, files with", zsh_complete { "run", "" },
    "compdef _gglab gglab\n-S  -- experiments/ results/ sub/\n"
      .. "-- exp.lua experiments/my_experiment.lua s.lua syntax.lua\n")
else
  print("zsh completion test skipped: zsh is not installed (make test-deps installs it as root)")
end

-- ---- the man page: renders cleanly, lists what --help and the option tables list ----

local MAN = ROOT .. "/docs/gglab.1"
local man = T.read(MAN)
T.ok("man: ASCII only (no preconv warnings)", not man:find("[\128-\255]"))
local version = man:match('^.-\n%.TH GGLAB 1 "[^"]*" "gglab ([^"]+)"')
T.eq("man: the version", version, gg.version)
local root = os.execute("test \"$(id -u)\" = 0")
if os.execute("command -v groff >/dev/null 2>&1") then
  T.eq("man: groff -ww -z -man: no warnings", { T.sh("groff -ww -z -man " .. Q(MAN)) }, { "", 0 })
  local warnings = T.sh("MANWIDTH=80 man -l " .. Q(MAN) .. " 2>&1 >/dev/null")
  T.eq("man -l: no warnings", warnings, "")
  local text = T.sh("MANWIDTH=80 man -l " .. Q(MAN) .. " | col -b")
  T.ok("man -l: renders the commands", text:find("gglab exec FILE [ARGS...]", 1, true) ~= nil)
else
  T.ok("man: groff is installed (make test-deps installs groff-base as root)", not root)
  print("man page rendering test skipped: groff is not installed")
end

-- The option names of a .TP heading or a help line's head: -x, --long-name.
local function names_in(head, into)
  for n in head:gmatch("%-%-?[%w][%w-]*") do into[#into + 1] = n end
end
local function sorted(list)
  table.sort(list)
  return list
end

-- The man page's section of a command (.SS "gglab NAME" to the next .SS/.SH), its options.
local function man_options(section)
  local list = {}
  local lines = {}
  for line in section:gmatch("[^\n]*") do lines[#lines + 1] = line end
  for i, line in ipairs(lines) do
    if line == ".TP" and lines[i + 1] then
      names_in((lines[i + 1]:gsub("\\fB", ""):gsub("\\fR.*", ""):gsub("\\fR", ""):gsub("\\%-", "-")), list)
      local second = lines[i + 1]:match("^\\fB\\%-[^\\]*\\fR, (.*)$")
      if second then names_in((second:gsub("\\fB", ""):gsub("\\fR.*", ""):gsub("\\%-", "-")), list) end
    end
  end
  return sorted(list)
end

local function man_section(title)
  local start = man:find(title, 1, true)
  if not start then return "" end
  local stop = man:find("\n%.S[SH] ", start + #title) or #man
  return man:sub(start, stop)
end

-- The option names a --help text lists: lines "  -x, --long ARG  description".
local function help_options(help)
  local list = {}
  for line in help:gmatch("[^\n]*") do
    local head = line:match("^  (%-%S.-)%s%s") or line:match("^  (%-%S.*)$")
    if head then names_in(head, list) end
  end
  return sorted(list)
end

local man_commands = {}
for name in man:gmatch('\n%.SS "gglab (%w+)"') do man_commands[#man_commands + 1] = name end
T.eq("man: one section per command, in --help's order", man_commands, commands.order)
for _, name in ipairs(commands.order) do
  local want = table_options(name)
  T.eq("man lists the options of " .. name, man_options(man_section('.SS "gglab ' .. name .. '"')), want)
  local help = gglab(name .. " --help")
  T.eq("--help lists the options of " .. name, help_options(help), want)
end
local top = {}
for _, o in ipairs(commands.top) do names_in(o.long .. " " .. (o.short or ""), top) end
T.eq("man: the top-level options", man_options(man_section(".SH OPTIONS")), sorted(top))
T.eq("--help: the top-level options", help_options((gglab("--help"))), sorted({ table.unpack(top) }))
local help_commands = {}
for name in gglab("--help"):gmatch("\n  (%l+) ") do help_commands[#help_commands + 1] = name end
T.eq("--help: every command", help_commands, commands.order)

T.rmtree(dir)
T.done()
