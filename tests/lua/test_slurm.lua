--[[ tests/lua/test_slurm.lua — `gglab slurm` on a real single-node Slurm.

  Brings up a throwaway cluster (tests/slurm/cluster.sh: munged, slurmctld, slurmd on this
  machine, in a temporary directory), writes the job array of a 12-point experiment with
  `gglab slurm --tasks 3`, submits it with the generated submit.sh, waits for both jobs to
  leave the queue, and requires the merged runs.csv (but wall_s) and curves.csv to be
  byte-identical to a local `gglab run -j 2`. Success is judged by files only, never by
  sbatch exit codes or job states. The cluster is stopped in every case.
  Needs root (the Slurm daemons) and the Debian packages slurm-wlm and munge (installed by
  `make deps`); as another user it is skipped and says so. ]]

local T = require "check"
local q, sh, slurp, write = T.quote, T.sh, T.slurp, T.write

local function trim(s)
  return (s:gsub("%s+$", ""))
end

if trim(sh("id -u")) ~= "0" then
  print("slurm test skipped: needs root (Slurm daemons)")
  T.done()
end

local function exists(path)
  return os.execute("test -e " .. q(path)) == true
end

-- runs.csv without its last column (wall_s, the one legitimately varying value)
local function runs_without_wall(path)
  local text = slurp(path)
  if not text then return nil end
  return (text:gsub("[^,\n]*\n", "\n"))
end

local function now()
  return tonumber(trim(sh("date +%s.%N")))
end

local here = debug.getinfo(1, "S").source:match("^@(.*)/tests/lua/[^/]*$") or "."
local root = trim(sh("realpath -- " .. q(here)))
local CLUSTER = root .. "/tests/slurm/cluster.sh"
local GGLAB = trim(sh("realpath -- " .. q(os.getenv("GGLAB") or (root .. "/build/gglab"))))

local missing = {}
for _, prog in ipairs { "munged", "slurmctld", "slurmd", "sbatch", "squeue" } do
  if not os.execute("command -v " .. prog .. " >/dev/null || test -x /usr/sbin/" .. prog) then
    missing[#missing + 1] = prog
  end
end
if #missing > 0 then
  T.ok("Slurm and munge are installed (apt-get install slurm-wlm munge; make deps does it); missing: " ..
    table.concat(missing, " "), false)
  T.done()
end

-- The cluster's directory and its parents must be searchable by everyone (munge's socket).
local base = os.tmpname()
os.remove(base)
assert(os.execute("mkdir -p " .. q(base) .. " && chmod 755 " .. q(base)))
local cdir = base .. "/cluster"
local work = base .. "/exp dir"
assert(os.execute("mkdir -p " .. q(work)))
local conf = "SLURM_CONF=" .. q(cdir .. "/slurm.conf") .. " "

write(work .. "/exp.lua", [[
local gg = require "gglab"
return gg.experiment {
  name = "slurm_check",
  sweep = gg.grid { lr = { 0.01, 0.05, 0.1, 0.3 }, seed = gg.seeds(3) },
  run = function(p, run)
    local data = gg.data.regression { n = 64, features = 4, noise = 0.1, seed = run.seed }
    local model = gg.nn.mlp { 4, 8, 1, activation = "relu" }
    gg.train { model = model, data = data, loss = "mse", optimizer = gg.optim.sgd(model, { lr = p.lr }),
               batch_size = 16, epochs = 3, log = run }
  end,
}
]])

local TIMEOUT = 120
local times = {}

-- Everything that needs the cluster; raises on a broken step, checks with T otherwise.
local function with_cluster()
  local t0 = now()
  local text, code = sh("sh " .. q(CLUSTER) .. " start " .. q(cdir))
  if code ~= 0 then error("cluster did not start:\n" .. text, 0) end
  times.start = now() - t0

  local out = work .. "/results"
  text, code = sh("cd " .. q(work) .. " && " .. q(GGLAB) .. " slurm exp.lua --tasks 3 --out results")
  T.eq("gglab slurm exits 0: " .. text, code, 0)
  local dir = out .. "/slurm"
  if not exists(dir .. "/submit.sh") then error("gglab slurm wrote no submit.sh:\n" .. text, 0) end

  local t1 = now()
  text, code = sh("cd / && " .. conf .. "sh " .. q(dir .. "/submit.sh"))
  local array, merge = text:match("array job (%d+)"), text:match("merge job (%d+)")
  T.ok("submit.sh printed both job ids: " .. text, array and merge)
  if not (array and merge) then error("submission failed:\n" .. text, 0) end

  -- Both jobs leave the queue (done, failed or cancelled: the files tell which).
  local left
  repeat
    left = trim(sh(conf .. "squeue -h -o %i -j " .. array .. "," .. merge .. " 2>/dev/null"))
    if left ~= "" then os.execute("sleep 0.2") end
  until left == "" or now() - t1 > TIMEOUT
  times.jobs = now() - t1
  T.eq("jobs left the queue within " .. TIMEOUT .. " s", left, "")

  for k = 1, 3 do
    T.ok("array task " .. k .. " wrote its log", exists(string.format("%s/logs/%s_%d.out", dir, array, k)))
    T.ok("shard " .. k .. " has its runs.csv", exists(string.format("%s/shards/%d/runs.csv", dir, k)))
  end
  T.ok("merge job wrote its log", exists(string.format("%s/logs/merge_%s.out", dir, merge)))
  for _, f in ipairs { "runs.csv", "curves.csv", "manifest.json" } do
    T.ok("merged " .. f .. " exists", exists(out .. "/" .. f))
  end
  -- Each shard ran a third of the points, no point twice.
  local seen, total, dup = {}, 0, 0
  for k = 1, 3 do
    local n = 0
    for line in (slurp(string.format("%s/shards/%d/runs.csv", dir, k)) or ""):gmatch("[^\n]+") do
      local id = line:match("^(%x+),")
      if id and #id == 16 then
        n, total = n + 1, total + 1
        if seen[id] then dup = dup + 1 end
        seen[id] = true
      end
    end
    T.eq("shard " .. k .. " ran 4 of the 12 points", n, 4)
  end
  T.eq("shards cover the 12 points", total, 12)
  T.eq("no point in two shards", dup, 0)
  return out, dir, array
end

-- The local reference, while nothing else runs.
local t_local = now()
local ltext, lcode = sh("cd " .. q(work) .. " && " .. q(GGLAB) .. " run exp.lua -j 2 -q --out local")
times["local run"] = now() - t_local
T.eq("local gglab run -j 2 exits 0: " .. ltext, lcode, 0)

local ok, out, dir = pcall(with_cluster)
local t_stop = now()
local stop_text, stop_code = sh("sh " .. q(CLUSTER) .. " stop " .. q(cdir))
times.stop = now() - t_stop
T.eq("cluster stopped: " .. stop_text, stop_code, 0)
for _, f in ipairs { "slurmctld.pid", "slurmd.pid", "munged.pid" } do
  T.ok("no " .. f .. " left", not exists(cdir .. "/" .. f))
end
T.ok("cluster run: " .. tostring(out), ok)

local good = ok
if ok then
  local lruns, mruns = runs_without_wall(work .. "/local/runs.csv"), runs_without_wall(out .. "/runs.csv")
  local lcurves, mcurves = slurp(work .. "/local/curves.csv"), slurp(out .. "/curves.csv")
  T.ok("local runs.csv has the 12 rows", lruns and select(2, lruns:gsub("\n", "")) == 13)
  T.ok("merged runs.csv (but wall_s) is identical to the local -j 2 run", mruns ~= nil and mruns == lruns)
  T.ok("local curves.csv is not empty", lcurves and #lcurves > 1000)
  T.ok("merged curves.csv is identical to the local -j 2 run", mcurves ~= nil and mcurves == lcurves)
  good = lruns ~= nil and mruns == lruns and lcurves ~= nil and mcurves == lcurves
end

local parts = {}
for _, k in ipairs { "local run", "start", "jobs", "stop" } do
  if times[k] then parts[#parts + 1] = string.format("%s %.1fs", k, times[k]) end
end
print("slurm test timings: " .. table.concat(parts, ", "))

-- On failure keep the directory and show what the jobs and the daemons said.
if good then
  os.execute("rm -rf " .. q(base))
else
  print("kept " .. base .. " for inspection")
  print((sh("cd " .. q(base) .. " && for f in 'exp dir'/results/slurm/logs/* cluster/slurmctld.log cluster/slurmd.log; do " ..
    "[ -f \"$f\" ] && { echo \"--- $f\"; tail -n 20 \"$f\"; }; done")))
end
T.done()
