-- tests/lua/test_load.lua — load (docs/reliability.md, part of make test; make load runs it
-- alone, LOAD_RUNS sets the sweep's size):
-- - a sweep of LOAD_RUNS (20,000) tiny runs at -j 2: every run ok, runs.csv and curves.csv
--   complete and in sweep order, the manifest complete, the parent's peak RSS <= 64 MiB;
-- - --resume of the finished store: no run executed again, nothing changed; --resume after
--   deleting 3 runs' files: exactly those 3 run again, giving the same files;
-- - the same sweep as 8 shards, then gglab merge of the 8 folders, giving the unsharded
--   run's runs.csv (but wall_s) and curves.csv byte for byte, the merge's peak RSS <= 64 MiB;
-- - one run logging 10^6 curve rows: all of them in curves.csv, the parent's peak RSS
--   <= 64 MiB (the curves stream to disk, never held whole).
-- Peak RSS is the VmHWM of the gglab process, polled from /proc while it runs. Wall times
-- are printed for information only: nothing asserted here depends on the machine's speed
-- or load (docs/guide.md), so runs executed are counted instead — each run appends its id
-- to the file named by GG_TEST_RUN_LOG when that is set.

local T = require "check"
local slurp, write = T.slurp, T.write
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local N = math.tointeger(tonumber(os.getenv("LOAD_RUNS") or "20000"))
local MiB = 1024
-- Under ASan (make sanitize) the allocator's quarantine and shadow memory inflate the RSS
-- by hundreds of MiB: the memory bound is asserted on the shipped build only.
local RSS_LIMIT = os.getenv("SANITIZE") and math.huge or 64 * MiB
if os.getenv("SANITIZE") then print("# sanitizer build: peak RSS printed, not bounded") end
local tmp = T.tmpdir()

-- Runs `gglab ARGS` in the background (with the environment assignments env, if any),
-- polling its VmHWM every 20 ms -> ok, wall s (information only), peak kB.
local function timed(args, env)
  local t0 = gg.clock()
  local p = io.popen(string.format([=[
%s %s %s >/dev/null 2>%s/err & pid=$!
peak=0
while kill -0 $pid 2>/dev/null; do
  kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$pid/status 2>/dev/null)
  [ -n "$kb" ] && [ "$kb" -gt "$peak" ] && peak=$kb
  sleep 0.02
done
wait $pid; echo "rc=$? peak=$peak"]=], env or "", GGLAB, args, tmp))
  local out = p:read("a")
  p:close()
  local wall = gg.clock() - t0
  local rc, peak = out:match("rc=(%d+) peak=(%d+)")
  return rc == "0", wall, tonumber(peak)
end

-- runs.csv without its last column, wall_s (the one value that legitimately varies)
local function without_wall(text)
  return (text:gsub(",[^,\n]*\n", "\n"))
end

local exp = tmp .. "/load.lua"
write(exp, string.format([[
local gg = require "gglab"
local RUN_LOG = os.getenv("GG_TEST_RUN_LOG")
return gg.experiment {
  name = "load",
  sweep = gg.grid { a = gg.seeds(%d), b = gg.seeds(100) },
  run = function(p, run)
    if RUN_LOG then
      local f = assert(io.open(RUN_LOG, "a"))
      f:write(run.id, "\n")
      f:close()
    end
    local data = gg.data.regression { n = 16, features = 2, seed = run.seed }
    local model = gg.nn.mlp { 2, 4, 1 }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.01 }), batch_size = 8,
      epochs = 1, log = run }
  end,
}
]], N // 100))

-- 1. the sweep
local dir = tmp .. "/out"
local ok, wall, peak = timed("run -q -j 2 --out " .. dir .. " " .. exp)
print(string.format("load: %d runs in %.1f s (%.2f ms a run at -j 2), parent peak RSS %.1f MiB", N, wall,
  wall / N * 1000, (peak or 0) / MiB))
T.ok("the sweep completes", ok)
T.ok("the parent's peak RSS was measured", peak and peak > 0)
T.ok("the parent's peak RSS <= 64 MiB", peak and peak <= RSS_LIMIT)
local lines, ok_runs, order = 0, 0, true
local prev
for line in io.lines(dir .. "/runs.csv") do
  lines = lines + 1
  if lines > 1 then
    local a, b = line:match("^%x+,(%d+),(%d+),")
    local key = tonumber(a) * 1000 + tonumber(b)
    if prev and key <= prev then order = false end
    prev = key
    if line:match(",ok,") then ok_runs = ok_runs + 1 end
  end
end
T.eq("runs.csv has every run", lines - 1, N)
T.eq("every run ok", ok_runs, N)
T.ok("runs.csv in sweep order", order)
local curves = 0
for _ in io.lines(dir .. "/curves.csv") do curves = curves + 1 end
T.ok("curves.csv has a row per logged step", curves > N)
T.ok("manifest complete", (slurp(dir .. "/manifest.json") or ""):match('"complete": true') ~= nil)

-- 2. --resume of the finished store: nothing runs again. Then with 3 runs' files deleted:
-- exactly those 3 run again, and the files come out the same.
local runs_before, curves_before = slurp(dir .. "/runs.csv"), slurp(dir .. "/curves.csv")
local run_log = tmp .. "/executed"
-- The ids of the runs executed since the log was last cleared, sorted.
local function executed()
  local ids = {}
  local f = io.open(run_log)
  if f then
    for id in f:lines() do ids[#ids + 1] = id end
    f:close()
  end
  table.sort(ids)
  os.remove(run_log)
  return ids
end
ok, wall = timed("run -q -j 2 --resume --out " .. dir .. " " .. exp, "GG_TEST_RUN_LOG=" .. run_log)
print(string.format("load: --resume of the finished store in %.2f s (information, not asserted)", wall))
T.ok("--resume of a finished store succeeds", ok)
T.eq("--resume of a finished store executes no run", executed(), {})
T.eq("--resume changes no result (but wall_s)", without_wall(slurp(dir .. "/runs.csv")), without_wall(runs_before))
T.ok("--resume leaves curves.csv byte for byte", slurp(dir .. "/curves.csv") == curves_before)
local ids = {}
for id in runs_before:gmatch("\n(%x+),") do ids[#ids + 1] = id end
local gone = { ids[1], ids[N // 2], ids[N] }
table.sort(gone)
for _, id in ipairs(gone) do
  for _, suffix in ipairs { ".row.csv", ".csv" } do os.remove(dir .. "/runs/" .. id .. suffix) end
end
ok, wall = timed("run -q -j 2 --resume --out " .. dir .. " " .. exp, "GG_TEST_RUN_LOG=" .. run_log)
print(string.format("load: --resume of 3 deleted runs in %.2f s (information, not asserted)", wall))
T.ok("--resume with 3 runs deleted succeeds", ok)
T.eq("--resume executes exactly the 3 deleted runs", executed(), gone)
T.eq("... and gives the same runs.csv (but wall_s)", without_wall(slurp(dir .. "/runs.csv")), without_wall(runs_before))
T.ok("... and the same curves.csv, byte for byte", slurp(dir .. "/curves.csv") == curves_before)

-- 3. eight shards and a merge
local shard_dirs = {}
local shards_ok = true
for k = 1, 8 do
  shard_dirs[k] = string.format("%s/shard%d", tmp, k)
  shards_ok = timed(string.format("run -q -j 2 --shard %d/8 --out %s %s", k, shard_dirs[k], exp)) and shards_ok
end
T.ok("the 8 shards run", shards_ok)
local merged = tmp .. "/merged"
ok, wall, peak = timed("merge -q " .. merged .. " " .. table.concat(shard_dirs, " "))
print(string.format("load: merge of 8 shards (%d runs) in %.2f s (information, not asserted), peak RSS %.1f MiB", N,
  wall, (peak or 0) / MiB))
T.ok("gglab merge succeeds", ok)
T.ok("the merge's peak RSS was measured", peak and peak > 0)
T.ok("the merge's peak RSS <= 64 MiB", peak and peak <= RSS_LIMIT)
T.ok("merged curves.csv = the unsharded run's, byte for byte", slurp(merged .. "/curves.csv") == curves_before)
T.ok("merged runs.csv = the unsharded run's (but wall_s)",
  without_wall(slurp(merged .. "/runs.csv") or "") == without_wall(runs_before))

-- 4. one run with 10^6 curve rows
local ROWS = 1000000
local big = tmp .. "/big.lua"
write(big, string.format([[
local gg = require "gglab"
return gg.experiment {
  name = "big", sweep = { x = { 1 } },
  run = function(p, run)
    for step = 1, %d do run:log("loss", 1 / step, step) end
  end,
}
]], ROWS))
local bigdir = tmp .. "/bigout"
ok, wall, peak = timed("run -q -j 1 --out " .. bigdir .. " " .. big)
print(string.format("load: one run of %d curve rows in %.1f s, parent peak RSS %.1f MiB", ROWS, wall, (peak or 0) / MiB))
T.ok("the 10^6-row run completes", ok)
T.ok("its parent's peak RSS <= 64 MiB", peak and peak <= RSS_LIMIT)
local n = 0
for _ in io.lines(bigdir .. "/curves.csv") do n = n + 1 end
T.eq("curves.csv has every row (and the header)", n, ROWS + 1)

os.execute("rm -rf '" .. tmp .. "'")
T.done()
