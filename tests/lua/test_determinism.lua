-- tests/lua/test_determinism.lua — the default experiment end to end through the gglab
-- executable: byte-identical results when re-run, when glibc is made to pick its non-FMA
-- code paths, and from the build whose kernels have no AVX clones (GGLAB_GENERIC; what
-- another x86-64 CPU would run), and the divergence boundary that
-- experiments/lr_sweep.lua exists to show.

local T = require "check"
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = os.tmpname()
os.remove(tmp)

local BASE = GGLAB  -- the normal build (GGLAB becomes the baseline-only build below)

local function run(out, env, exe)
  local cmd = string.format("%s %s run -q --out %s experiments/lr_sweep.lua >/dev/null 2>&1",
    env or "", exe or GGLAB, out)
  return os.execute(cmd)
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- runs.csv without its last column (wall_s, the one legitimately varying value)
local function runs_without_wall(dir)
  local lines = {}
  for line in io.lines(dir .. "/runs.csv") do lines[#lines + 1] = line:gsub(",[^,]*$", "") end
  return table.concat(lines, "\n")
end

T.ok("first run succeeds", run(tmp .. "/a"))
T.ok("second run succeeds", run(tmp .. "/b"))
T.ok("run with glibc's FMA/AVX2 paths disabled succeeds",
  run(tmp .. "/c", "GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA,-AVX2,-AVX512F"))
local generic = os.getenv("GGLAB_GENERIC")
if generic and generic ~= "" then
  GGLAB = generic
  T.ok("run with the baseline-only (no AVX clones) build succeeds", run(tmp .. "/d"))
end
-- Each instruction-set path of the FMA kernels, forced with GGLAB_ISA (core/isa.h): the
-- same files bit for bit, so shards run on different CPUs merge into one machine's files.
local isas = {}
for _, isa in ipairs { "generic", "avx2", "avx512" } do
  local ok = os.execute(string.format("GGLAB_ISA=%s lua5.4 -e 'require(\"gglab\").isa()' >/dev/null 2>&1", isa))
  if ok then
    isas[#isas + 1] = isa
    T.ok("run with GGLAB_ISA=" .. isa .. " succeeds", run(tmp .. "/isa_" .. isa, "GGLAB_ISA=" .. isa, BASE))
  else
    print("skip: GGLAB_ISA=" .. isa .. " (this CPU or build has no such path)")
  end
end
T.ok("at least the generic path is tested", #isas >= 1 and isas[1] == "generic")
local curves = slurp(tmp .. "/a/curves.csv")
for _, isa in ipairs(isas) do
  T.ok("curves.csv identical with GGLAB_ISA=" .. isa, curves == slurp(tmp .. "/isa_" .. isa .. "/curves.csv"))
  T.eq("runs.csv identical with GGLAB_ISA=" .. isa .. " (but wall_s)", runs_without_wall(tmp .. "/isa_" .. isa),
    runs_without_wall(tmp .. "/a"))
end
-- A bad value stops the command before any run, naming the variable and the choices.
local p = io.popen(string.format("GGLAB_ISA=sse9 %s run -q --out %s/bad experiments/lr_sweep.lua 2>&1; echo rc=$?",
  BASE, tmp))
local out = p:read("a")
p:close()
T.ok("GGLAB_ISA=sse9: exit status 2", out:find("rc=2", 1, true) ~= nil)
T.ok("GGLAB_ISA=sse9: error names the value and the choices",
  out:find("GGLAB_ISA=sse9 is not an instruction set (allowed: auto, generic", 1, true) ~= nil)
T.ok("GGLAB_ISA=sse9: nothing written", not gg.fs.exists(tmp .. "/bad/runs.csv"))
T.ok("curves.csv is not trivially small", #curves > 100000)
T.ok("curves.csv identical on re-run", curves == slurp(tmp .. "/b/curves.csv"))
T.ok("curves.csv identical without FMA/AVX2 libm paths", curves == slurp(tmp .. "/c/curves.csv"))
if generic and generic ~= "" then
  T.ok("curves.csv identical from the baseline-only build", curves == slurp(tmp .. "/d/curves.csv"))
  T.eq("runs.csv identical from the baseline-only build (but wall_s)", runs_without_wall(tmp .. "/d"),
    runs_without_wall(tmp .. "/a"))
end
T.eq("runs.csv identical on re-run (but wall_s)", runs_without_wall(tmp .. "/b"), runs_without_wall(tmp .. "/a"))
T.eq("runs.csv identical without FMA (but wall_s)", runs_without_wall(tmp .. "/c"), runs_without_wall(tmp .. "/a"))

-- The boundary: linear regression with plain SGD converges at small lr, diverges at large.
local header, rows = gg.csv.read(tmp .. "/a/runs.csv")
local col = {}
for i, name in ipairs(header) do col[name] = i end
T.eq("216 points", #rows, 216)
local ok_low, div_high, n_low, n_high, adam_div = 0, 0, 0, 0, 0
for _, r in ipairs(rows) do
  local lr, opt, task, status = tonumber(r[col.lr]), r[col.optimizer], r[col.task], r[col.status]
  if task == "linreg" and opt ~= "adam" then
    if lr <= 0.011 then
      n_low = n_low + 1
      ok_low = ok_low + (status == "ok" and 1 or 0)
    elseif lr >= 0.18 then
      n_high = n_high + 1
      div_high = div_high + (status == "diverged" and 1 or 0)
      T.ok("diverged run has a diverged_step", tonumber(r[col.diverged_step]) ~= nil)
      T.eq("diverged run's final loss is non-finite", r[col.final_loss], "inf")
    end
  end
  if task == "linreg" and opt == "adam" and status == "diverged" then adam_div = adam_div + 1 end
end
T.eq("linreg SGD/momentum with lr <= 0.011: all ok", ok_low, n_low)
T.ok("there are low-lr points", n_low >= 24)
T.eq("linreg SGD/momentum with lr >= 0.18: all diverged", div_high, n_high)
T.ok("there are high-lr points", n_high >= 24)
T.eq("Adam never overflows on linreg (steps bounded by lr)", adam_div, 0)

os.execute("rm -rf " .. tmp)
T.done()
