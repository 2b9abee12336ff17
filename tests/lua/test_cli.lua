--[[ tests/lua/test_cli.lua — the command line, end to end.

  With GGLAB set (path to the gglab executable) every case runs that binary through a
  shell, stdout and stderr merged. Without it, cli.main runs in-process on the Lua
  modules, with the gg.* names installed the way lua/gglab/init.lua installs them.
  Only io/os are used for checking files, so both modes need nothing else. ]]

local T = require "check"

local GGLAB = os.getenv("GGLAB")

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- run(args) -> combined output, exit code
local run

if GGLAB then
  function run(args)
    local cmd = { shell_quote(GGLAB) }
    for i, a in ipairs(args) do cmd[i + 1] = shell_quote(a) end
    local p = assert(io.popen(table.concat(cmd, " ") .. " 2>&1"))
    local text = p:read("a")
    local _, _, code = p:close()
    return text, code
  end
else
  local gg = require "gglab"
  local sweep = require "gglab.sweep"
  gg.grid, gg.zip, gg.logspace, gg.linspace, gg.seeds = sweep.grid, sweep.zip, sweep.logspace, sweep.linspace,
    sweep.seeds
  gg.experiment = require("gglab.experiment").experiment
  local cli = require "gglab.cli"
  function run(args)
    local buf = {}
    local stream = { write = function(self, ...)
      for _, s in ipairs { ... } do buf[#buf + 1] = tostring(s) end
      return self
    end }
    local code = cli.main(args, { stdout = stream, stderr = stream })
    return table.concat(buf), code
  end
end

-- ---- fixtures ----

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p " .. shell_quote(dir)))

local function write_file(name, text)
  local path = dir .. "/" .. name
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

local function lines_of(path)
  local n = 0
  for _ in io.lines(path) do n = n + 1 end
  return n
end

local function plain(s)
  return (s:gsub("%p", "%%%0"))
end

local good = write_file("good.lua", [[
local gg = require "gglab"
return gg.experiment {
  name = "clitest",
  sweep = gg.grid { lr = { 0.1, 0.2 }, seed = gg.seeds(1) },
  run = function(p, run)
    for step = 1, 3 do run:log("loss", p.lr / step, step) end
  end,
}
]])

local partly = write_file("partly.lua", [[
local gg = require "gglab"
return gg.experiment {
  name = "partly",
  sweep = { lr = { 1, 2 } },
  run = function(p, run)
    if p.lr == 2 then error("bad lr") end
    run:log("loss", 0 / 0, 7)
  end,
}
]])

local syntax = write_file("syntax.lua", "local gg = require 'gglab'\nlocal x = = 1\n")
local not_exp = write_file("not_exp.lua", "return 42\n")
local bad_exp = write_file("bad_exp.lua", [[
local gg = require "gglab"
local exp = gg.experiment { name = "x", sweep = { lr = 1 }, run = 5 }
return exp
]])
-- A tail call drops the script's frame, so only the file can be named.
local bad_tail = write_file("bad_tail.lua", [[
local gg = require "gglab"
return gg.experiment { name = "x", sweep = { lr = 1 }, run = 5 }
]])

-- ---- top level ----

do
  local out, code = run { "--help" }
  T.eq("--help exit", code, 0)
  T.ok("--help usage", out:match("usage: gglab <command>"))
  T.ok("--help lists run", out:match("\n  run FILE"))

  out, code = run { "--version" }
  T.eq("--version exit", code, 0)
  T.ok("--version text", out:match("^gglab %d+%.%d+%.%d+[%w.-]*\n$"))

  out, code = run {}
  T.eq("no arguments exit", code, 1)
  T.ok("no arguments prints usage", out:match("usage: gglab"))

  out, code = run { "frob" }
  T.eq("unknown command exit", code, 1)
  T.eq("unknown command message", out, "gglab: unknown command 'frob' (see gglab --help)\n")

  out, code = run { "--frob" }
  T.eq("unknown top-level option", out, "gglab: unknown option '--frob' (see gglab --help)\n")
end

-- ---- gglab run: usage and script errors ----

do
  local out, code = run { "run", "--help" }
  T.eq("run --help exit", code, 0)
  T.ok("run --help usage", out:match("usage: gglab run FILE %[%-%-out DIR%] %[%-q|%-%-quiet%]"))

  out, code = run { "run", good, "--foo" }
  T.eq("unknown option exit", code, 1)
  T.eq("unknown option message", out, "gglab run: unknown option '--foo' (see gglab run --help)\n")

  out, code = run { "run" }
  T.eq("missing FILE exit", code, 1)
  T.eq("missing FILE message", out, "gglab run: missing experiment FILE (see gglab run --help)\n")

  out, code = run { "run", good, "--out" }
  T.eq("--out without value", out, "gglab run: option '--out' needs a directory (see gglab run --help)\n")

  out, code = run { "run", dir .. "/nope.lua" }
  T.eq("missing file exit", code, 1)
  T.eq("missing file message", out, "gglab: no such file '" .. dir .. "/nope.lua'\n")

  out, code = run { "run", syntax }
  T.eq("syntax error exit", code, 1)
  T.ok("syntax error has file:line", out:match("^gglab: " .. plain(syntax) .. ":2: "))

  out, code = run { "run", not_exp }
  T.eq("not an experiment exit", code, 1)
  T.eq("not an experiment message", out, "gglab: " .. not_exp .. " did not return gg.experiment{...}, got number\n")

  out, code = run { "run", bad_exp }
  T.eq("bad experiment exit", code, 1)
  T.ok("bad experiment message at script line",
    out:match("^gglab: " .. plain(bad_exp) .. ":2: gg%.experiment: run must be a function, got 5\n$"))
  out, code = run { "run", bad_tail }
  T.eq("bad experiment in tail call exit", code, 1)
  T.eq("bad experiment in tail call names the file", out,
    "gglab: " .. bad_tail .. ": gg.experiment: run must be a function, got 5\n")

  local file = write_file("a_file", "")
  out, code = run { "run", good, "--out", file }
  T.eq("output path is a file exit", code, 1)
  T.eq("output path is a file message", out, "gglab: output path '" .. file .. "' exists and is not a directory\n")
end

-- ---- gglab run: success ----

do
  local out_dir = dir .. "/res"
  local out, code = run { "run", good, "--out", out_dir }
  T.eq("run exit", code, 0)
  T.ok("run progress line", out:match("%[1/2%] ok       lr=0%.1 seed=1  loss 0%.03333  "))
  T.ok("run summary", out:match("2 runs of 'clitest' in [%d.]+s: 2 ok, 0 diverged, 0 failed%."))
  T.ok("runs.csv written", exists(out_dir .. "/runs.csv"))
  T.ok("curves.csv written", exists(out_dir .. "/curves.csv"))
  T.ok("manifest.json written", exists(out_dir .. "/manifest.json"))
  T.eq("runs.csv lines", lines_of(out_dir .. "/runs.csv"), 3)
  T.eq("curves.csv lines", lines_of(out_dir .. "/curves.csv"), 7)
  T.eq("runs.csv header", io.lines(out_dir .. "/runs.csv")(),
    "run_id,lr,seed,run_seed,status,final_loss,min_loss,final_val_loss,steps,diverged_step,error,wall_s")

  out, code = run { "run", "-q", "--out=" .. out_dir, good }
  T.eq("quiet run exit", code, 0)
  T.ok("quiet run has no progress", not out:match("%[1/2%]"))
  T.ok("quiet run still summarizes", out:match("2 runs of 'clitest'"))

  out, code = run { "run", partly, "-q", "--out", dir .. "/partly" }
  T.eq("diverged and failed points still exit 0", code, 0)
  T.ok("summary lists diverged", out:match("1 diverged, 1 failed") and out:match("diverged at step 7: loss is nan"))
  T.ok("summary lists failed", out:match("partly%.lua:6: bad lr"))
end

os.execute("rm -rf " .. shell_quote(dir))
T.done()
