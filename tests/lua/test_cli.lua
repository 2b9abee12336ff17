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
  gg.random, gg.uniform, gg.loguniform, gg.randint, gg.choice = sweep.random, sweep.uniform, sweep.loguniform,
    sweep.randint, sweep.choice
  gg.experiment = require("gglab.experiment").experiment
  local cli = require "gglab.cli.main"
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
  T.ok("--help lists list", out:match("\n  list FILE "))
  T.ok("--help lists merge", out:match("\n  merge OUT DIR%.%.%. "))
  T.ok("--help lists slurm", out:match("\n  slurm FILE "))
  T.ok("--help order", out:find("  run FILE", 1, true) < out:find("  list FILE", 1, true)
    and out:find("  list FILE", 1, true) < out:find("  merge OUT", 1, true)
    and out:find("  merge OUT", 1, true) < out:find("  slurm FILE", 1, true))

  out, code = run { "--version" }
  T.eq("--version exit", code, 0)
  T.ok("--version text: " .. out, out:match("^gglab %d+%.%d+%.%d+[%w.-]* %(build %d+%.%d+%.%d+[%w.-]*%+%x+[,)]"))
  -- Issue 20, bug 4: the build id names the sources it was built from.
  local gg = require "gglab"
  T.ok("--version names gg.build.id", out:find("(build " .. gg.build.id, 1, true) == out:find("(", 1, true))
  T.eq("build id = version + 12 hex digits", gg.build.id, gg.version .. "+" .. gg.build.source_sha256:sub(1, 12))
  T.ok("--version: git part iff built in a checkout", (out:match(", git [%w.-]+%)\n$") ~= nil) == (gg.build.git ~= nil))
  -- The embedded hash is that of the sources as they are now (the Makefile's recipe): a
  -- build older than a source edit would differ.
  local files = {}
  for _, pat in ipairs { "core/*.c", "core/*.h", "lua/*.c", "lua/*.h", "lua/gglab/*.lua", "lua/gglab/*/*.lua" } do
    local p = io.popen("ls " .. pat)
    for name in p:lines() do files[#files + 1] = name end
    p:close()
  end
  files[#files + 1] = "Makefile"
  table.sort(files)
  local lines = {}
  for i, f in ipairs(files) do lines[i] = gg.sha256_file(f) .. "  " .. f .. "\n" end
  local listing = os.tmpname()
  T.write(listing, table.concat(lines))
  local want = gg.sha256_file(listing)
  os.remove(listing)
  T.eq("build source hash matches the sources", gg.build.source_sha256, want)

  out, code = run {}
  T.eq("no arguments exit", code, 1)
  T.ok("no arguments prints usage", out:match("usage: gglab"))

  out, code = run { "frob" }
  T.eq("unknown command exit", code, 1)
  T.eq("unknown command message", out, "gglab: unknown command 'frob' (see gglab --help)\n")

  out, code = run { "--frob" }
  T.eq("unknown top-level option", out, "gglab: unknown option '--frob' (see gglab --help)\n")

  out, code = run { "rnu" }
  T.eq("unknown command: did you mean", { out, code }, { "gglab: unknown command 'rnu'; did you mean 'run'? (see gglab --help)\n", 1 })
  out = run { "--verison" }
  T.eq("unknown top-level option: did you mean", out,
    "gglab: unknown option '--verison'; did you mean '--version'? (see gglab --help)\n")
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

  -- Issue 20, bug 1: --resume into a folder of an edited script is refused, --force is not.
  local gg = require "gglab"
  local v1 = write_file("resumed.lua", "local gg = require 'gglab'\n-- epochs = 60\nreturn gg.experiment { name = "
    .. "'resumed', sweep = gg.grid { lr = { 1, 2 } }, run = function(p, run) run:log('loss', p.lr, 1) end }\n")
  local res_dir = dir .. "/resumed_out"
  out, code = run { "run", "-q", "-j", "0", v1, "--out", res_dir }
  T.eq("resume: first run", code, 0)
  local sha1 = gg.sha256_file(v1)
  write_file("resumed.lua", (T.read(v1):gsub("epochs = 60", "epochs = 2")))
  local sha2 = gg.sha256_file(v1)
  for _, mode in ipairs { "--resume", "--rerun-failed" } do
    out, code = run { "run", "-q", "-j", "0", v1, "--out", res_dir, mode }
    T.eq(mode .. " of an edited script: exit 1", code, 1)
    T.eq(mode .. " of an edited script: message", out, "gglab: cannot resume into '" .. res_dir .. "': different "
      .. "script_sha256 ('" .. sha1:sub(1, 12) .. "...' in the folder vs '" .. sha2:sub(1, 12) .. "...' now): its runs "
      .. "were made by another script or another version of this one; use --out DIR for a new folder, or --force "
      .. "to resume anyway (recorded in the manifest)\n")
  end
  out, code = run { "run", "-q", "-j", "0", v1, "--out", res_dir, "--resume", "--force" }
  T.eq("--resume --force: exit 0", code, 0)
  local manifest_text = T.read(res_dir .. "/manifest.json")
  T.ok("--force recorded", manifest_text:find('"previous_script_sha256": "' .. sha1 .. '"', 1, true))
  T.ok("manifest names the new script", manifest_text:find('"script_sha256": "' .. sha2 .. '"', 1, true))

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
  local out, code = run { "run", good, "-v", "--out", out_dir }
  T.eq("run exit", code, 0)
  T.ok("run progress line", out:match("%[1/2%] ok       lr=0%.1 seed=1  loss 0%.03333  "))
  T.ok("run summary", out:match("2 runs of 'clitest' in [%d.]+s: 2 ok, 0 diverged, 0 failed%."))
  T.ok("runs.csv written", exists(out_dir .. "/runs.csv"))
  T.ok("curves.csv written", exists(out_dir .. "/curves.csv"))
  T.ok("manifest.json written", exists(out_dir .. "/manifest.json"))
  T.eq("runs.csv lines", lines_of(out_dir .. "/runs.csv"), 3)
  T.eq("curves.csv lines", lines_of(out_dir .. "/curves.csv"), 7)
  T.eq("runs.csv header", io.lines(out_dir .. "/runs.csv")(),
    "run_id,lr,seed,run_seed,status,final_loss,min_loss,final_val_loss,min_val_loss,best_epoch,best_step,steps,diverged_step,error,wall_s")

  out, code = run { "run", "-q", "--out=" .. out_dir, good }
  T.eq("quiet run exit", code, 0)
  T.ok("quiet run has no progress", not out:match("%[1/2%]"))
  T.ok("quiet run still summarizes", out:match("2 runs of 'clitest'"))

  out, code = run { "run", partly, "-q", "--out", dir .. "/partly" }
  T.eq("a failed point exits 3", code, 3)
  T.ok("summary lists diverged", out:match("1 diverged, 1 failed") and out:match("diverged at step 7: loss is nan"))
  T.ok("summary lists failed", out:match("partly%.lua:6: bad lr"))
end

-- ---- gglab run: exit status 3 when any run failed, 0 when all are ok or diverged ----

do
  -- Every run raises: the sweep is complete, but nothing it produced can be trusted.
  local raises = write_file("raises.lua", [[
local gg = require "gglab"
return gg.experiment {
  name = "raises",
  sweep = { lr = { 1, 2 } },
  run = function(p, run) error("no model for lr " .. p.lr) end,
}
]])
  local out, code = run { "run", raises, "-q", "-j", "0", "--out", dir .. "/raises" }
  T.eq("every run raising exits 3", code, 3)
  T.ok("every run raising is summarized", out:match("2 runs of 'raises' in [%d.]+s: 0 ok, 0 diverged, 2 failed%."))
  T.ok("every run raising: runs.csv still written", exists(dir .. "/raises/runs.csv"))
  -- A data path that does not resolve (the issue's example), in worker processes.
  local nodata = write_file("nodata.lua", [[
local gg = require "gglab"
return gg.experiment {
  name = "nodata",
  sweep = { seed = gg.seeds(2) },
  run = function(p, run)
    local ds = assert(gg.data.csv("no/such/dir/wine.csv", { target = "quality" }))
    run:log("loss", ds:size(), 1)
  end,
}
]])
  out, code = run { "run", nodata, "-q", "--out", dir .. "/nodata" }
  T.eq("a missing data path exits 3", code, 3)
  T.ok("a missing data path is named", out:match("no/such/dir/wine%.csv: No such file or directory"))
  -- --resume keeps the failed runs, so the sweep still has failures: 3 again.
  out, code = run { "run", nodata, "-q", "--resume", "--out", dir .. "/nodata" }
  T.eq("resume keeping failed runs exits 3", code, 3)
  -- Diverged only: a result, exit 0.
  local diverges = write_file("diverges.lua", [[
local gg = require "gglab"
return gg.experiment {
  name = "diverges",
  sweep = { lr = { 1, 2 } },
  run = function(p, run) run:log("loss", 1, 1); run:log("loss", p.lr == 2 and 1 / 0 or 0.5, 2) end,
}
]])
  out, code = run { "run", diverges, "-q", "--out", dir .. "/diverges" }
  T.eq("ok and diverged runs exit 0", code, 0)
  T.ok("ok and diverged summary", out:match("1 ok, 1 diverged, 0 failed"))
end

-- ---- typed values: 1 and "1" are two runs, the string shown quoted (issue 20, bug 6) ----

do
  local typed = write_file("typed.lua", [[
local gg = require "gglab"
return gg.experiment {
  name = "typed",
  sweep = gg.grid { x = { 1, "1" } },
  run = function(p, run) run:log("loss", type(p.x) == "string" and 2 or 1, 1) end,
}
]])
  local out, code = run { "list", typed }
  T.eq("list of 1 and '1' exits 0", code, 0)
  T.ok("list shows the number plain", out:match("\n?%s*1%s+%x+%s+x=1\n"))
  T.ok("list shows the string quoted", out:match("%s*2%s+%x+%s+x=\"1\"\n"))
  out, code = run { "run", typed, "-v", "-j", "0", "--out", dir .. "/typed" }
  T.eq("run of 1 and '1' exits 0", code, 0)
  T.ok("run of 1 and '1': two ok runs", out:match("2 runs of 'typed' in [%d.]+s: 2 ok, 0 diverged, 0 failed%."))
  T.ok("progress shows the string quoted", out:match("%[2/2%] ok       x=\"1\"  loss 2  "))
  T.eq("runs.csv has both rows", lines_of(dir .. "/typed/runs.csv"), 3)
end

-- ---- gglab run: option parsing (gglab.cli.args with gglab.cli.run's table, in-process in both modes) ----

do
  require "gglab"
  local args, cmd = require "gglab.cli.args", require "gglab.cli.run"
  local function p(argv) return args.parse(argv, cmd) end
  local opts = assert(p { "x.lua", "-j", "4", "--resume", "--timeout", "2.5", "--memory", "512M", "--shard", "2/3",
    "--set", "lr=0.1,0.2", "--set=opt=adam", "-q", "--out", "o", "-v" })
  T.eq("run opts", { opts.file, opts.jobs, opts.resume, opts.rerun_failed, opts.timeout, opts.memory, opts.shard,
    opts.set, opts.quiet, opts.out, opts.verbose },
    { "x.lua", 4, true, nil, 2.5, 512 * 1024 * 1024, { k = 2, n = 3 }, { "lr=0.1,0.2", "opt=adam" }, true, "o", true })
  T.eq("run opts overrides parsed", opts.overrides, {
    { name = "lr", values = { 0.1, 0.2 }, arg = "lr=0.1,0.2" }, { name = "opt", values = { "adam" }, arg = "opt=adam" } })
  T.eq("-jN and --jobs=N", { p { "x", "-j8" }.jobs, p { "x", "--jobs=2" }.jobs, p { "x", "--jobs", "1" }.jobs }, { 8, 2, 1 })
  T.eq("jobs default nil", p { "x" }.jobs, nil)
  T.eq("--rerun-failed", { p { "x", "--rerun-failed" }.rerun_failed, p { "x", "--rerun-failed" }.resume }, { true, nil })
  local sizes = {}
  for _, s in ipairs { "1048576", "512M", "2G", "64k", "1.5G", "2GB", "3MiB", "1T", "100b" } do
    sizes[#sizes + 1] = p { "x", "--memory", s }.memory
  end
  T.eq("--memory sizes", sizes, { 1048576, 512 << 20, 2 << 30, 64 << 10, 3 << 29, 2 << 30, 3 << 20, 1 << 40, 100 })
  T.eq("--memory is an integer", math.type(p { "x", "--memory", "1.5K" }.memory), "integer")
  T.eq("--timeout integer text", p { "x", "--timeout", "30" }.timeout, 30)
  T.eq("--shard 1/1", p { "x", "--shard=1/1" }.shard, { k = 1, n = 1 })

  local function err(args)
    local o, msg, plain = p(args)
    return o == nil and { msg, plain or false } or "parsed"
  end
  T.eq("-j 0 (in-process) parses", err { "x", "-j", "0" }, "parsed")
  T.eq("--jobs 1.5", err { "x", "--jobs", "1.5" }, { "bad --jobs '1.5': expected an integer >= 0", true })
  T.eq("--jobs -2", err { "x", "--jobs=-2" }, { "bad --jobs '-2': expected an integer >= 0", true })
  T.eq("-j missing", err { "x", "-j" }, { "option '--jobs' needs a number", false })
  -- --timeout 0 or none: no limit at all, not even the automatic one (false, not nil)
  T.eq("--timeout 0 / none", { p { "x", "--timeout", "0" }.timeout, p { "x", "--timeout=none" }.timeout,
    p { "x", "--timeout", "0.0" }.timeout }, { false, false, false })
  local expect = "expected a number of seconds > 0, or 0 or none for no limit"
  T.eq("--timeout -1", err { "x", "--timeout=-1" }, { "bad --timeout '-1': " .. expect, true })
  T.eq("--timeout inf", err { "x", "--timeout", "inf" }, { "bad --timeout 'inf': " .. expect, true })
  T.eq("--timeout abc", err { "x", "--timeout", "abc" }, { "bad --timeout 'abc': " .. expect, true })
  T.eq("--memory 5X", err { "x", "--memory", "5X" },
    { "bad --memory '5X': expected a size in bytes like 1048576, 512M or 2G", true })
  T.eq("--memory 0", err { "x", "--memory", "0" },
    { "bad --memory '0': expected a size in bytes like 1048576, 512M or 2G", true })
  T.eq("--memory -1G", err { "x", "--memory=-1G" },
    { "bad --memory '-1G': expected a size in bytes like 1048576, 512M or 2G", true })
  T.eq("--shard 3/2", err { "x", "--shard", "3/2" }, { "bad --shard '3/2': expected K/N with 1 <= K <= N", true })
  T.eq("--shard 0/2", err { "x", "--shard", "0/2" }, { "bad --shard '0/2': expected K/N with 1 <= K <= N", true })
  T.eq("--shard 1", err { "x", "--shard", "1" }, { "bad --shard '1': expected K/N with 1 <= K <= N", true })
  T.eq("--shard missing", err { "x", "--shard" }, { "option '--shard' needs K/N", false })
  T.eq("--set bad", err { "x", "--set", "lr" }, { "bad --set 'lr': expected name=value[,value...]", true })
  T.eq("--set empty", err { "x", "--set", "lr=" }, { "bad --set 'lr=': expected name=value[,value...]", true })
  T.eq("--set missing", err { "x", "--set" }, { "option '--set' needs name=value", false })
  T.eq("--resume=x", err { "x", "--resume=x" }, { "option '--resume' takes no value, got '--resume=x'", false })
  T.eq("--resum: did you mean", err { "x", "--resum" }, { "unknown option '--resum'; did you mean '--resume'?", false })
  T.eq("--Jobs: did you mean (case)", err { "x", "--Jobs", "2" }, { "unknown option '--Jobs'; did you mean '--jobs'?", false })
  T.eq("--reprot: did you mean (swap)", err { "x", "--reprot" }, { "unknown option '--reprot'; did you mean '--report'?", false })
  T.eq("-x unknown", err { "x", "-x" }, { "unknown option '-x'", false })
  T.eq("--partial is not a run option", err { "x", "--partial" }, { "unknown option '--partial'", false })
  T.eq("--resume with --rerun-failed", err { "x", "--resume", "--rerun-failed" },
    { "options '--resume' and '--rerun-failed' exclude each other", false })
  T.eq("two files", err { "x", "y" }, { "unexpected argument 'y'", false })
  T.eq("--force alone", err { "x", "--force" }, { "option '--force' goes with '--resume' or '--rerun-failed'", false })
  T.eq("--force with --resume", { p { "x", "--resume", "--force" }.force, p { "x", "--rerun-failed", "--force" }.force },
    { true, true })
  T.eq("help", err { "x", "-h" }, { "help", false })
end

-- ---- gglab run / list: messages through the command line ----

do
  local out, code = run { "run", good, "--shard", "3/2" }
  T.eq("bad --shard exit", code, 1)
  T.eq("bad --shard message", out, "gglab run: bad --shard '3/2': expected K/N with 1 <= K <= N\n")
  out, code = run { "run", good, "-j", "x" }
  T.eq("bad -j message", { out, code }, { "gglab run: bad --jobs 'x': expected an integer >= 0\n", 1 })
  out, code = run { "run", good, "--set", "lr" }
  T.eq("bad --set message", { out, code }, { "gglab run: bad --set 'lr': expected name=value[,value...]\n", 1 })
  out, code = run { "run", good, "--timeout" }
  T.eq("--timeout without value", out, "gglab run: option '--timeout' needs a number of seconds (see gglab run --help)\n")
  out = run { "run", "--help" }
  for _, opt in ipairs { "%-j, %-%-jobs N", "%-%-resume", "%-%-rerun%-failed", "%-%-timeout SECONDS", "%-%-memory SIZE",
    "%-%-shard K/N", "%-%-set NAME=V", "%-v, %-%-verbose" } do
    T.ok("run --help mentions " .. opt, out:match("\n  " .. opt))
  end

  -- --set reaches the sweep that runs
  local out_dir = dir .. "/set"
  out, code = run { "run", good, "-q", "--out", out_dir, "--set", "lr=0.5,0.25,0.125", "--set", "tag='a,b'" }
  T.eq("run --set exit", code, 0)
  T.ok("run --set summary", out:match("3 runs of 'clitest'"))
  T.eq("run --set runs.csv header", io.lines(out_dir .. "/runs.csv")(),
    "run_id,lr,seed,tag,run_seed,status,final_loss,min_loss,final_val_loss,min_val_loss,best_epoch,best_step,steps,diverged_step,error,wall_s")
  local rows = {}
  for line in io.lines(out_dir .. "/runs.csv") do rows[#rows + 1] = line:match("^%x+,([^,]+,[^,]+,\"[^\"]*\")") end
  T.eq("run --set values", rows, { '0.5,1,"a,b"', '0.25,1,"a,b"', '0.125,1,"a,b"' })
  out, code = run { "run", good, "-q", "--out", out_dir, "--set", "status=1" }
  T.eq("--set onto a reserved name", { out, code },
    { "gglab: after --set: sweep parameter 'status' clashes with a runs.csv column\n", 1 })
end

do
  local grid = write_file("listme.lua", [[
local gg = require "gglab"
return gg.experiment {
  name = "listme",
  sweep = gg.zip { lr = { 0.1, 0.2 }, wd = { 0, 0.5 } } * gg.grid { seed = gg.seeds(2) }
    + gg.random { n = 1, seed = 4, lr = gg.loguniform(1e-3, 1), opt = gg.choice { "a b" } },
  run = function() end,
}
]])
  local out, code = run { "list", grid }
  T.eq("list exit", code, 0)
  local lines = {}
  for line in out:gmatch("[^\n]*\n") do lines[#lines + 1] = line end
  T.eq("list header", lines[1], "5 points of 'listme'\n")
  T.ok("list line", lines[2]:match("^1  %x+  lr=0%.1;seed=1;wd=0\n$"))
  T.eq("list count", #lines, 6)
  T.ok("list random line", lines[6]:match("^5  %x+  lr=0%.%d+;opt=a b\n$"))
  -- the run ids are those the runner uses
  require "gglab"
  local sweep = require "gglab.sweep"
  T.eq("list run id", lines[3]:match("^2  (%x+)  "), sweep.run_id { lr = 0.1, seed = 2, wd = 0 })

  out, code = run { "list", grid, "--shard", "2/2" }
  T.eq("list --shard", { out:match("^[^\n]*"), code }, { "2 of 5 points of 'listme' (shard 2/2)", 0 })
  T.ok("list --shard keeps sweep positions", out:match("\n2  %x+  lr=0%.1;seed=2;wd=0\n4  %x+  lr=0%.2;seed=2;wd=0%.5\n$"))
  out, code = run { "list", grid, "--set", "seed=7", "--set", "wd=1" }
  T.eq("list --set", { out:match("^[^\n]*"), code }, { "3 points of 'listme'", 0 })
  T.ok("list --set lines", out:match("\n1  %x+  lr=0%.1;seed=7;wd=1\n2  %x+  lr=0%.2;seed=7;wd=1\n3  %x+  lr=0%.%d+;opt=a b;seed=7;wd=1\n$"))
  out, code = run { "list", grid, "--set", "lr=inf" }
  T.eq("list bad --set", { out, code }, { "gglab list: bad --set 'lr=inf': 'inf' is not a finite number (quote it for a string)\n", 1 })
  out, code = run { "list" }
  T.eq("list without FILE", { out, code }, { "gglab list: missing experiment FILE (see gglab list --help)\n", 1 })
  out, code = run { "list", grid, "-j", "2" }
  T.eq("list rejects run options", { out, code }, { "gglab list: unknown option '-j' (see gglab list --help)\n", 1 })
  out, code = run { "list", "--help" }
  T.ok("list --help", code == 0 and out:match("^usage: gglab list FILE"))
  out, code = run { "list", syntax }
  T.eq("list script error exit", code, 1)
  -- A string parameter with a newline or a tab stays on its line, escaped (issue 20, bug 9).
  local nl = write_file("list_newline.lua", [[
local gg = require "gglab"
return gg.experiment { name = "nl", sweep = gg.grid { note = { "a\nb", "c\td\1" } }, run = function() end }
]])
  out, code = run { "list", nl }
  T.ok("list: a newline in a value is escaped", code == 0
    and out:match("^2 points of 'nl'\n1  %x+  note=a\\nb\n2  %x+  note=c\\td\\x01\n$") ~= nil)
end

-- ---- every command shares the parser and its message shapes ----

do
  local out, code = run { "findings" }
  T.eq("findings without DIR", { out, code },
    { "gglab findings: no result directory given (see gglab findings --help)\n", 1 })
  out, code = run { "findings", "--frob" }
  T.eq("findings unknown option", { out, code },
    { "gglab findings: unknown option '--frob' (see gglab findings --help)\n", 1 })
  out, code = run { "findings", dir, "--ou" }
  T.eq("findings: did you mean", { out, code },
    { "gglab findings: unknown option '--ou'; did you mean '--out'? (see gglab findings --help)\n", 1 })
  out, code = run { "findings", dir, "-o" }
  T.eq("findings --out without value", { out, code },
    { "gglab findings: option '--out' needs a file (see gglab findings --help)\n", 1 })
  out, code = run { "slurm", good, "--tasks", "0" }
  T.eq("slurm bad --tasks", { out, code }, { "gglab slurm: bad --tasks '0': expected an integer >= 1\n", 1 })
  out, code = run { "slurm", good, "--task", "2" }
  T.eq("slurm unknown option: suggestion and hint", { out, code }, { "gglab slurm: unknown option '--task'; did you mean "
    .. "'--tasks'? (sbatch options go after '--') (see gglab slurm --help)\n", 1 })
  out, code = run { "merge", "--partial=1" }
  T.eq("merge flag with a value", { out, code },
    { "gglab merge: option '--partial' takes no value, got '--partial=1' (see gglab merge --help)\n", 1 })
  out, code = run { "doctor", good, "--seeds", "1" }
  T.eq("doctor bad --seeds", { out, code }, { "gglab doctor: bad --seeds '1': expected an integer >= 2\n", 1 })
  out, code = run { "report", "--help" }
  T.ok("report --help", code == 0 and out:match("^usage: gglab report DIR"))

  -- The parser itself: positional count, '--' rest, repeated options, check.
  local args = require "gglab.cli.args"
  local cmd = { options = { args.OUT, args.SET, { long = "--flag", key = "flag" } }, positional = 2,
    rest = "tail", check = function(o) if o.flag and not o.out then return "--flag needs --out" end end }
  T.eq("parse: positionals, multi, rest",
    args.parse({ "a", "--set", "x=1", "-o", "d", "b", "--set=y=2", "--", "-x", "z" }, cmd),
    { args = { "a", "b" }, set = { "x=1", "y=2" }, out = "d", tail = { "-x", "z" } })
  T.eq("parse: no '--' gives an empty rest", args.parse({}, cmd), { args = {}, tail = {} })
  T.eq("parse: too many positionals", { args.parse({ "a", "b", "c" }, cmd) }, { nil, "unexpected argument 'c'" })
  T.eq("parse: check", { args.parse({ "--flag" }, cmd) }, { nil, "--flag needs --out" })
  T.eq("parse: '--' without rest is an unknown option", { args.parse({ "--" }, { options = {} }) },
    { nil, "unknown option '--'" })
  T.eq("parse: names", { args.names("a, b,c"), args.names("a,,b") }, { { "a", "b", "c" } })
  T.eq("parse: integer_at_least", { args.integer_at_least(2)("2"), args.integer_at_least(2)("1") }, { 2 })
end

os.execute("rm -rf " .. shell_quote(dir))
T.done()
