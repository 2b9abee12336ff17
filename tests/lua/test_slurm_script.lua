--[[ tests/lua/test_slurm_script.lua — `gglab slurm` without Slurm: the generated scripts.

  The scripts are not only read but executed, against stand-ins: a fake gglab that records
  its arguments (array.sbatch run with SLURM_ARRAY_TASK_ID set, merge.sbatch) and a fake
  sbatch (submit.sh). So quoting is checked the way a shell and sbatch will see it, with
  a directory whose name has a space and a quote. Every case runs in a temporary working
  directory, through a driver calling require("gglab.engine.slurm").main on the Lua modules of
  LUA_CPATH's gglab.so; the last cases go through the GGLAB executable. ]]

local T = require "check"
local q, sh, write, slurp = T.quote, T.sh, T.write, T.slurp

local function absolute(path)
  return (sh("realpath -m -s -- " .. q(path)):gsub("\n$", ""))
end

local function lines(text)
  local t = {}
  for l in (text or ""):gmatch("[^\n]*") do t[#t + 1] = l end
  -- gmatch yields an empty match after a final newline
  if t[#t] == "" then t[#t] = nil end
  return t
end

local function has_line(text, line)
  for _, l in ipairs(lines(text)) do
    if l == line then return true end
  end
  return false
end

local function plain(s)
  return (s:gsub("%p", "%%%0"))
end

-- ---- fixtures ----

local base = os.tmpname()
os.remove(base)
local top = base .. "/it's a dir"
assert(os.execute("mkdir -p " .. q(top .. "/bin")))
local cpath = absolute("build") .. "/?.so;;"
do
  local build = (os.getenv("LUA_CPATH") or ""):match("^([^;]*)/%?%.so")
  if build then cpath = absolute(build) .. "/?.so;;" end
end

local exp = top .. "/exp.lua"
write(exp, [[
local gg = require "gglab"
return gg.experiment {
  name = "shardtest",
  sweep = gg.grid { lr = { 0.1, 0.2, 0.3 }, seed = gg.seeds(2) },
  run = function(p, run) run:log("loss", p.lr, 1) end,
}
]])
write(top .. "/notexp.lua", "return 42\n")
write(top .. "/driver.lua", [[
require "gglab"
os.exit(require("gglab.cli.main").main({ "slurm", table.unpack(arg) }))
]])
-- The fake gglab writes its arguments, one per line, to $ARGS_OUT.
local fake = top .. "/bin/fake gglab"
-- It exits with $FAKE_RC (default 0).
write(fake, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >"$ARGS_OUT"\nexit "${FAKE_RC:-0}"\n')
-- The fake sbatch appends its arguments (one line per call) and prints a job id.
write(top .. "/bin/sbatch", [[#!/bin/sh
n=$(($(cat "$SBATCH_LOG" 2>/dev/null | wc -l) + 41))
echo "$*" >>"$SBATCH_LOG"
if [ "$n" = 42 ]; then echo "$n;cluster"; else echo "$n"; fi
]])
assert(os.execute("chmod +x " .. q(fake) .. " " .. q(top .. "/bin/sbatch")))

-- slurm(args, [cwd]) -> output, exit code: the driver run in cwd (default top).
local function slurm(args, cwd)
  local cmd = { "cd", q(cwd or top), "&&", "LD_PRELOAD=" .. q(os.getenv("LD_PRELOAD") or ""),
    "LUA_CPATH=" .. q(cpath), "lua5.4", q(top .. "/driver.lua") }
  for _, a in ipairs(args) do cmd[#cmd + 1] = q(a) end
  return sh(table.concat(cmd, " "))
end

-- ---- a generation with every option ----

local out = top .. "/res dir"
local dir = out .. "/slurm"
local text, code = slurm { "exp.lua", "--tasks", "3", "--out", "res dir", "--gglab", fake, "--set", "epochs=2",
  "--", "--partition=short", "-t", "00:05:00", "--comment=two words", "--exclusive" }
T.eq("slurm exits 0", code, 0)
T.ok("prints the directory", text:find(plain(dir .. "/:"), 1) ~= nil)
T.ok("prints the submit command", text:find("Submit with: sh " .. plain(q(dir .. "/submit.sh")), 1) ~= nil)
T.ok("prints points and tasks", text:find("(6 points, 3 array tasks)", 1, true) ~= nil)

local array, merge, submit = slurp(dir .. "/array.sbatch"), slurp(dir .. "/merge.sbatch"), slurp(dir .. "/submit.sh")
T.ok("array.sbatch written", array ~= nil)
T.ok("merge.sbatch written", merge ~= nil)
T.ok("submit.sh written", submit ~= nil)
T.ok("logs/ created (Slurm does not create --output directories)", os.execute("test -d " .. q(dir .. "/logs")))
T.ok("no .tmp left", not os.execute("ls " .. q(dir) .. " | grep -q tmp"))

T.eq("array.sbatch starts with a shebang", lines(array)[1], "#!/bin/sh")
T.ok("array size", has_line(array, "#SBATCH --array=1-3"))
T.ok("job name", has_line(array, "#SBATCH --job-name=gglab-shardtest"))
T.ok("task logs under DIR/logs, quoted", has_line(array, "#SBATCH --output=" .. q(dir .. "/logs/%A_%a.out")))
T.ok("merge log", has_line(merge, "#SBATCH --output=" .. q(dir .. "/logs/merge_%j.out")))
for _, script in ipairs { array, merge } do
  T.ok("passthrough option", has_line(script, "#SBATCH --partition=short"))
  T.ok("passthrough option with a separate value", has_line(script, "#SBATCH -t 00:05:00"))
  T.ok("passthrough value with a space is quoted", has_line(script, "#SBATCH '--comment=two words'"))
  T.ok("passthrough flag", has_line(script, "#SBATCH --exclusive"))
end
-- sbatch reads #SBATCH lines only up to the first command.
local seen_cmd, late = false, false
for _, l in ipairs(lines(array)) do
  if l:match("^[^#]") then seen_cmd = true elseif seen_cmd and l:match("^#SBATCH") then late = true end
end
T.ok("all #SBATCH lines precede the first command", seen_cmd and not late)

-- Execute the array task as Slurm would (task 2 of 3, 4 CPUs), against the fake gglab.
local args_out = top .. "/args"
local _, rc = sh("cd / && env -i PATH=/usr/bin:/bin ARGS_OUT=" .. q(args_out) ..
  " SLURM_ARRAY_TASK_ID=2 SLURM_CPUS_PER_TASK=4 sh " .. q(dir .. "/array.sbatch"))
T.eq("array task exits 0", rc, 0)
T.eq("array task 2 runs shard 2/3 with absolute, intact paths", lines(slurp(args_out)),
  { "run", exp, "--set", "epochs=2", "--shard", "2/3", "--out", dir .. "/shards/2", "-j", "4", "--resume", "-q" })
os.remove(args_out)
sh("cd / && env -i PATH=/usr/bin:/bin ARGS_OUT=" .. q(args_out) .. " SLURM_ARRAY_TASK_ID=3 sh " .. q(dir .. "/array.sbatch"))
T.eq("-j 1 without --cpus-per-task", lines(slurp(args_out))[10], "1")
os.remove(args_out)
-- gglab run's status 3 (some runs failed, all recorded) completes the task: the merge runs.
_, rc = sh("cd / && env -i PATH=/usr/bin:/bin ARGS_OUT=" .. q(args_out) .. " FAKE_RC=3 SLURM_ARRAY_TASK_ID=1 sh "
  .. q(dir .. "/array.sbatch"))
T.eq("array task with failed runs (gglab run exit 3) exits 0", rc, 0)
_, rc = sh("cd / && env -i PATH=/usr/bin:/bin ARGS_OUT=" .. q(args_out) .. " FAKE_RC=1 SLURM_ARRAY_TASK_ID=1 sh "
  .. q(dir .. "/array.sbatch"))
T.eq("array task with a script error (exit 1) exits 1", rc, 1)
os.remove(args_out)
local msg
msg, rc = sh("env -i PATH=/usr/bin:/bin ARGS_OUT=" .. q(args_out) .. " sh " .. q(dir .. "/array.sbatch"))
T.ok("array script outside Slurm fails", rc ~= 0 and slurp(args_out) == nil)
T.ok("... saying to use sbatch", msg:find("submit this script with sbatch", 1, true) ~= nil)

_, rc = sh("cd / && env -i PATH=/usr/bin:/bin ARGS_OUT=" .. q(args_out) .. " sh " .. q(dir .. "/merge.sbatch"))
T.eq("merge exits 0", rc, 0)
T.eq("merge gets OUT and every shard, in order", lines(slurp(args_out)),
  { "merge", out, dir .. "/shards/1", dir .. "/shards/2", dir .. "/shards/3" })

-- submit.sh with the fake sbatch first in PATH.
local sblog = top .. "/sbatch.log"
text, rc = sh("cd / && PATH=" .. q(top .. "/bin") .. ":$PATH SBATCH_LOG=" .. q(sblog) .. " sh " .. q(dir .. "/submit.sh"))
T.eq("submit.sh exits 0", rc, 0)
T.ok("submit.sh prints the array id", has_line(text, "array job 41"))
T.ok("submit.sh prints the merge id (cluster suffix stripped)", has_line(text, "merge job 42"))
T.eq("sbatch calls: the array, then the merge after it", lines(slurp(sblog)),
  { "--parsable " .. dir .. "/array.sbatch", "--parsable --dependency=afterok:41 " .. dir .. "/merge.sbatch" })

-- ---- defaults ----

local sub = top .. "/sub"
assert(os.execute("mkdir -p " .. q(sub)))
text, code = slurm({ "../exp.lua", "--tasks=2", "--gglab", fake }, sub)
T.eq("defaults: exit 0", code, 0)
local ddir = sub .. "/results/shardtest/slurm"
array = slurp(ddir .. "/array.sbatch")
T.ok("default DIR is results/<name>/slurm under the working directory", array ~= nil)
T.ok("default: no extra #SBATCH lines", not (array or ""):find("#SBATCH %-[^-]") and
  select(2, (array or ""):gsub("#SBATCH", "")) == 3)
T.ok("job runs in the working directory of the generation", has_line(array, "cd " .. q(sub) .. " || exit 1"))
_, rc = sh("env -i PATH=/usr/bin:/bin ARGS_OUT=" .. q(args_out) .. " sh " .. q(ddir .. "/merge.sbatch"))
T.eq("merge of the defaults writes results/<name>", lines(slurp(args_out)),
  { "merge", sub .. "/results/shardtest", ddir .. "/shards/1", ddir .. "/shards/2" })
text, code = slurm({ "../exp.lua", "--tasks", "9", "--gglab", fake }, sub)
T.eq("more tasks than points is allowed", code, 0)
T.ok("... with a note", text:find("3 of the 9 tasks will have no point to run", 1, true) ~= nil)
T.ok("regenerating overwrites", has_line(slurp(ddir .. "/array.sbatch"), "#SBATCH --array=1-9"))

-- ---- errors ----

local function fails(name, args, pattern)
  local t, c = slurm(args)
  T.eq(name .. ": exit 1", c, 1)
  T.ok(name .. ": message " .. pattern .. " in " .. q(t), t:find(pattern, 1, true) ~= nil)
end
fails("no FILE", { "--tasks", "2" }, "gglab slurm: missing experiment FILE")
fails("no --tasks", { "exp.lua" }, "gglab slurm: missing --tasks N")
for _, bad in ipairs { "0", "-1", "2.5", "abc", "", "1e3", "99999999999999999999" } do
  fails("--tasks " .. q(bad), { "exp.lua", "--tasks", bad, "--gglab", fake }, "")
  local t = slurm { "exp.lua", "--tasks", bad, "--gglab", fake }
  T.eq("--tasks " .. q(bad) .. " is rejected clearly", t, bad == ""
    and "gglab slurm: option '--tasks' needs a number (see gglab slurm --help)\n"
    or "gglab slurm: bad --tasks '" .. bad .. "': expected an integer >= 1\n")
end
fails("missing file", { "nope.lua", "--tasks", "2", "--gglab", fake }, "gglab: no such file 'nope.lua'")
fails("not an experiment", { "notexp.lua", "--tasks", "2", "--gglab", fake }, "did not return gg.experiment")
fails("unknown option", { "exp.lua", "--tasks", "2", "--partition=x" }, "unknown option '--partition=x' (sbatch options go after '--')")
fails("bad --set, caught before submission", { "exp.lua", "--tasks", "2", "--gglab", fake, "--set", "lr=" },
  "gglab slurm: bad --set 'lr='")
text = slurm { "exp.lua", "--tasks", "2", "--gglab", fake, "--out", "setout", "--set", "lr=1,2,3,4", "--set", "x=a,b" }
T.ok("--set counts in the points reported: " .. text, text:find("(16 points, 2 array tasks)", 1, true) ~= nil)
-- --ensemble (and its width) reach every array task's gglab run
do
  local edir = top .. "/ensout/slurm"
  local _, ecode = slurm { "exp.lua", "--tasks", "2", "--gglab", fake, "--out", "ensout", "--ensemble",
    "--ensemble-width", "8" }
  T.eq("slurm --ensemble exits 0", ecode, 0)
  local eargs = top .. "/eargs"
  sh("cd / && env -i PATH=/usr/bin:/bin ARGS_OUT=" .. q(eargs) .. " SLURM_ARRAY_TASK_ID=1 sh " .. q(edir .. "/array.sbatch"))
  T.eq("the array task runs with --ensemble --ensemble-width 8", lines(slurp(eargs)),
    { "run", exp, "--ensemble", "--ensemble-width", "8", "--shard", "1/2", "--out", edir .. "/shards/1", "-j", "1",
      "--resume", "-q" })
  os.remove(eargs)
end
fails("--ensemble-width alone", { "exp.lua", "--tasks", "2", "--gglab", fake, "--ensemble-width", "4" },
  "goes with '--ensemble'")
fails("--array is ours", { "exp.lua", "--tasks", "2", "--gglab", fake, "--", "--array=1-5" }, "sets --array itself")
fails("-- then a non-option", { "exp.lua", "--tasks", "2", "--gglab", fake, "--", "short" }, "expected an sbatch option")
fails("bad --gglab", { "exp.lua", "--tasks", "2", "--gglab", top .. "/nothing" }, "no gglab executable at")
fails("no executable to name", { "exp.lua", "--tasks", "2" }, "pass --gglab PATH")
text, code = slurm { "--help" }
T.eq("--help exits 0", code, 0)
T.ok("--help shows usage", text:find("usage: gglab slurm FILE --tasks N", 1, true) ~= nil)

-- ---- through the gglab executable: the default --gglab is the running binary ----

local GGLAB = os.getenv("GGLAB")
if GGLAB then
  local bin = absolute(GGLAB)
  text, code = sh("cd " .. q(top) .. " && " .. q(bin) .. " slurm exp.lua --tasks 2 --out viabin")
  T.eq("gglab slurm (the executable, cli.lua's COMMANDS.slurm) exits 0: " .. text, code, 0)
  array = slurp(top .. "/viabin/slurm/array.sbatch") or ""
  T.ok("the jobs run the executable that wrote them, by absolute path",
    array:find("\n" .. plain(q(bin)) .. " run ") ~= nil or array:find("\n" .. plain(bin) .. " run ") ~= nil)
end

if os.getenv("KEEP") then print(base) else os.execute("rm -rf " .. q(base)) end
T.done()
