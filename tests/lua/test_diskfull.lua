-- tests/lua/test_diskfull.lua — write errors while saving results (a full disk).
-- A run whose files cannot be written is failed with the OS's reason and stops the
-- sweep; gglab exits 1 with "gglab: cannot write '<path>': No space left on device"; the
-- runs saved before are intact, no partial file is left behind, and --resume once there
-- is room gives the files of an uninterrupted run. Failures come from
-- GGLAB_TEST_FAIL_WRITE (read by the CLI, passed to store.open as fail_write: closing a
-- file whose path contains the text fails as on a full disk), from /dev/full, and — as
-- root — from a real 64 kB tmpfs.

local T = require "check"
local slurp, write = T.slurp, T.write
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = T.tmpdir()

-- run(args, env) -> exit status, stdout, stderr
local function run(args, env)
  local out, err = tmp .. "/stdout", tmp .. "/stderr"
  local ok, _, code = os.execute(string.format("%s %s %s >%s 2>%s", env or "", GGLAB, args, out, err))
  return ok and 0 or code, slurp(out) or "", slurp(err) or ""
end

local function runs_without_wall(dir)
  local text = slurp(dir .. "/runs.csv")
  if not text then return nil end
  return (text:gsub(",[^,\n]*\n", "\n"))
end

local function tmp_files(dir)
  local found = {}
  for _, d in ipairs { dir, dir .. "/runs" } do
    for _, name in ipairs(gg.fs.listdir(d) or {}) do
      if name:match("%.tmp$") then found[#found + 1] = name end
    end
  end
  return found
end

local exp = tmp .. "/exp.lua"
write(exp, [[
local gg = require "gglab"
return gg.experiment {
  name = "diskfull",
  sweep = gg.grid { lr = { 0.1, 0.03, 0.01 }, seed = gg.seeds(2) },
  run = function(p, run)
    local data = gg.data.regression { n = 60, features = 3, seed = run.seed }
    local model = gg.nn.mlp { 3, 6, 1 }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = p.lr }),
      batch_size = 10, epochs = 3, log = run }
  end,
}
]])

-- The reference: an uninterrupted sweep.
local ref = tmp .. "/ref"
T.eq("reference sweep", (run("run -q -j 1 --out " .. ref .. " " .. exp)), 0)
local ref_runs, ref_curves = runs_without_wall(ref), slurp(ref .. "/curves.csv")
local ids = {}
for line in (ref_runs or ""):gmatch("[^\n]+") do ids[#ids + 1] = line:match("^(%x+),") end
T.eq("6 runs", #ids, 6)

-- ---- the third run's curve file cannot be written ----
for _, jobs in ipairs { "0", "1", "2" } do
  local dir = tmp .. "/curve" .. jobs
  local target = ids[3] .. ".csv"
  local code, out, err = run("run -q -j " .. jobs .. " --out " .. dir .. " " .. exp,
    "GGLAB_TEST_FAIL_WRITE=" .. target)
  local what = "-j " .. jobs .. ": "
  T.eq(what .. "exit status 1", code, 1)
  T.eq(what .. "the error names the file and the OS reason", err,
    "gglab: cannot write '" .. dir .. "/runs/" .. target .. "': No space left on device\n")
  T.ok(what .. "the run is listed as failed with the reason",
    out:match("failed   " .. ids[3] .. " [^\n]*cannot write '[^']*" .. target .. "': No space left on device") ~= nil)
  T.ok(what .. "stdout says the sweep stopped and how to complete it",
    out:match("Stopped: cannot write") ~= nil and out:match("run again with %-%-resume") ~= nil)
  -- Every run saved is intact and in runs.csv: with -j 0 and -j 1 runs 1 and 2 (dispatch
  -- is in sweep order); with -j 2 whatever the other worker finished before the stop.
  local runs, saved = slurp(dir .. "/runs.csv") or "", {}
  for k, id in ipairs(ids) do
    if gg.fs.exists(dir .. "/runs/" .. id .. ".row.csv") then
      saved[#saved + 1] = k
      T.eq(what .. "run " .. k .. "'s curve file is intact", slurp(dir .. "/runs/" .. id .. ".csv"),
        slurp(ref .. "/runs/" .. id .. ".csv"))
      T.ok(what .. "run " .. k .. " is in runs.csv", runs:match(id) ~= nil)
    end
  end
  if jobs == "2" then
    local has3 = false
    for _, k in ipairs(saved) do has3 = has3 or k == 3 end
    T.ok(what .. "some runs saved, not the failed one", #saved >= 1 and not has3)
  else
    T.eq(what .. "runs 1 and 2 saved", saved, { 1, 2 })
  end
  T.eq(what .. "the failed run left no curve file", slurp(dir .. "/runs/" .. target), nil)
  T.eq(what .. "no partial file left", tmp_files(dir), {})
  T.ok(what .. "manifest says incomplete", (slurp(dir .. "/manifest.json") or ""):match('"complete": false') ~= nil)
  T.eq(what .. "--resume completes", (run("run -q -j 1 --resume --out " .. dir .. " " .. exp)), 0)
  T.eq(what .. "runs.csv identical to an uninterrupted run", runs_without_wall(dir), ref_runs)
  T.ok(what .. "curves.csv identical to an uninterrupted run", slurp(dir .. "/curves.csv") == ref_curves)
end

-- ---- the combined files cannot be written: the previous ones stay ----
do
  local dir = tmp .. "/combined"
  T.eq("complete sweep", (run("run -q -j 1 --out " .. dir .. " " .. exp)), 0)
  local before_runs, before_curves = slurp(dir .. "/runs.csv"), slurp(dir .. "/curves.csv")
  for _, file in ipairs { "runs.csv", "curves.csv", "manifest.json" } do
    local code, _, err = run("run -q -j 1 --resume --out " .. dir .. " " .. exp, "GGLAB_TEST_FAIL_WRITE=/" .. file)
    T.eq(file .. " unwritable: exit status 1", code, 1)
    T.eq(file .. " unwritable: message", err, "gglab: cannot write '" .. dir .. "/" .. file .. "': No space left on device\n")
    T.eq(file .. " unwritable: runs.csv unchanged", slurp(dir .. "/runs.csv"), before_runs)
    T.eq(file .. " unwritable: curves.csv unchanged", slurp(dir .. "/curves.csv"), before_curves)
    T.eq(file .. " unwritable: no partial file left", tmp_files(dir), {})
  end
end

-- ---- the CSV writer reports the OS error of a failed write ----
do
  local w = assert(gg.csv.writer("/dev/full"))
  for i = 1, 10000 do w:row { i, "some text to fill the buffer", 0.5 } end
  T.eq("/dev/full: close reports ENOSPC", { w:close() }, { nil, "write error: No space left on device" })
  local w2 = assert(gg.csv.writer("/dev/full"))
  w2:row { 1, 2 }
  T.eq("/dev/full: a small file fails at close", { w2:close() }, { nil, "write error: No space left on device" })
end

-- ---- a real full disk: a 64 kB tmpfs (root only) ----
local function is_root()
  local p = io.popen("id -u")
  local uid = p and p:read("l")
  if p then p:close() end
  return uid == "0"
end

local mnt = tmp .. "/tmpfs"
gg.fs.mkdir(mnt)
if not is_root() or not os.execute("mount -t tmpfs -o size=64k gglab-test " .. mnt .. " 2>/dev/null") then
  print("test_diskfull.lua: not root or no tmpfs mount: the real full-disk case is skipped")
else
  local big = tmp .. "/big.lua"  -- 24 runs of ~6 kB of curves each: more than 64 kB
  write(big, [[
local gg = require "gglab"
return gg.experiment {
  name = "big",
  sweep = gg.grid { lr = gg.logspace(1e-3, 0.1, 6), seed = gg.seeds(4) },
  run = function(p, run)
    local data = gg.data.regression { n = 200, features = 3, seed = run.seed }
    local model = gg.nn.mlp { 3, 6, 1 }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = p.lr }),
      batch_size = 10, epochs = 4, log = run }
  end,
}
]])
  local dir = mnt .. "/out"
  local code, out, err = run("run -q -j 2 --out " .. dir .. " " .. big)
  T.eq("tmpfs: exit status 1", code, 1)
  T.ok("tmpfs: ENOSPC reported", err:match("^gglab: cannot write '" .. dir:gsub("%p", "%%%0") ..
    "/[^']+': No space left on device\n$") ~= nil)
  T.ok("tmpfs: the sweep stopped", out:match("Stopped: ") ~= nil)
  local saved = 0
  for _, name in ipairs(gg.fs.listdir(dir .. "/runs") or {}) do
    if name:match("%.row%.csv$") then saved = saved + 1 end
  end
  T.ok("tmpfs: some runs were saved before the disk filled", saved > 0 and saved < 24)
  os.execute("mount -o remount,size=4m " .. mnt)
  T.eq("tmpfs: --resume once there is room", (run("run -q -j 2 --resume --out " .. dir .. " " .. big)), 0)
  local whole = tmp .. "/whole"
  run("run -q -j 2 --out " .. whole .. " " .. big)
  T.eq("tmpfs: runs.csv identical to an uninterrupted run", runs_without_wall(dir), runs_without_wall(whole))
  T.ok("tmpfs: curves.csv identical", slurp(dir .. "/curves.csv") == slurp(whole .. "/curves.csv"))
  os.execute("umount " .. mnt)
end

os.execute("rm -rf '" .. tmp .. "'")
T.done()
