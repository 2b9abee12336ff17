--[[ tests/lua/test_merge.lua — `gglab merge`: shard stores combine into the files of one run.

  A small experiment runs whole into A. Shard stores are made two ways: by splitting A's
  per-run files round robin into two directories with shard manifests (always), and by
  running with opts.shard (when the runner writes shard manifests). Merging either pair
  must give A's runs.csv (minus wall_s) and curves.csv byte for byte. ]]

local T = require "check"
local read_all = T.read
local gg = require "gglab"
local sweep = require "gglab.sweep"
local experiment = require "gglab.experiment"
local runner = require "gglab.engine.runner"
local json = require "gglab.lib.json"
local merge = require "gglab.engine.merge"
local cli = require "gglab.cli.main"

-- ---- helpers ----

local base = T.tmpdir()

local function sink()
  local buf = {}
  return { write = function(self, ...)
    for _, s in ipairs { ... } do buf[#buf + 1] = tostring(s) end
    return self
  end, text = function() return table.concat(buf) end }
end

local function write_all(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- runs.csv without its last column (wall_s, the only one that differs between runs)
local function without_wall(path)
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = (line:gsub(",[^,]*$", "")) end
  return table.concat(lines, "\n")
end

local function rm_tree(dir)
  if not gg.fs.exists(dir) then return end
  if gg.fs.isdir(dir) then
    for _, name in ipairs(assert(gg.fs.listdir(dir))) do rm_tree(dir .. "/" .. name) end
  end
  assert(gg.fs.remove(dir))
end

local function manifest(dir)
  return assert(json.decode(read_all(dir .. "/manifest.json")))
end

-- main(args) -> output (stdout and stderr), exit code; cli in-process.
local function main(args)
  local s = sink()
  local code = cli.main(args, { stdout = s, stderr = s })
  return s.text(), code
end

-- ---- the experiment, run whole ----

local exp = experiment.experiment {
  name = "merge_demo",
  description = "shards and merge",
  sweep = sweep.grid { lr = { 0.01, 0.1, 1 }, seed = sweep.seeds(2) } + sweep.grid { lr = 2, mode = "boom" }
    + sweep.grid { lr = 3, mode = "nan" },
  run = function(p, run)
    if p.mode == "boom" then error("boom") end
    for step = 1, 3 do
      local loss = p.lr / step + run.seed % 7
      if p.mode == "nan" and step == 2 then loss = 0 / 0 end
      run:log("loss", loss, step, 1)
    end
  end,
}
local SCRIPT = "tests/lua/test_merge.lua"

local function run_into(dir, shard)
  local result, msg = runner.run(exp, { out = dir, quiet = true, stdout = sink(), stderr = sink(),
    script = SCRIPT, argv = { "gglab", "run" }, shard = shard, jobs = 0 })
  assert(result, msg)
  return result
end

local A = base .. "/A"
run_into(A)
local mA = manifest(A)
local ids = {}
for i, p in exp.sweep:iter() do ids[i] = sweep.run_id(p) end
-- The runner's manifest lists every run id and the parameter names (the merge contract).
T.eq("manifest run_ids", mA.run_ids, ids)
T.eq("manifest param_names", mA.param_names, exp.sweep:names())

-- ---- shard stores split from A ----

local function copy(src, dst)
  write_all(dst, read_all(src))
end

-- make_shard(dir, k, n [, edit]): A's files for shard k of n, with a shard manifest.
local function make_shard(dir, k, n, edit)
  assert(gg.fs.mkdir(dir .. "/runs"))
  for i, id in ipairs(ids) do
    if sweep.shard_of(i, n) == k then
      for _, suffix in ipairs { ".csv", ".row.csv", ".err" } do
        local src = A .. "/runs/" .. id .. suffix
        if gg.fs.exists(src) then copy(src, dir .. "/runs/" .. id .. suffix) end
      end
    end
  end
  local m = manifest(A)
  m.run_ids, m.param_names, m.shard = ids, exp.sweep:names(), { k = k, n = n }
  if edit then edit(m) end
  write_all(dir .. "/manifest.json", json.encode(m))
end

local S1, S2 = base .. "/S1", base .. "/S2"
make_shard(S1, 1, 2)
make_shard(S2, 2, 2)

do
  local C = base .. "/C"
  local result, msg = merge.merge(C, { S1, S2 }, { argv = { "gglab", "merge" } })
  T.ok("merge ok: " .. tostring(msg), result)
  T.eq("merge counts", result.counts, { ok = 6, diverged = 1, failed = 1 })
  T.eq("merge present", { result.present, result.points, #result.missing }, { 8, 8, 0 })
  T.eq("runs.csv as one run (minus wall_s)", without_wall(C .. "/runs.csv"), without_wall(A .. "/runs.csv"))
  T.eq("runs.csv byte-identical (same row files)", read_all(C .. "/runs.csv"), read_all(A .. "/runs.csv"))
  T.eq("curves.csv byte-identical", read_all(C .. "/curves.csv"), read_all(A .. "/curves.csv"))
  local failed_id = sweep.run_id { lr = 2, mode = "boom" }
  T.eq(".err copied", read_all(C .. "/runs/" .. failed_id .. ".err"), read_all(A .. "/runs/" .. failed_id .. ".err"))
  local names = assert(gg.fs.listdir(C .. "/runs"))
  T.eq("runs/ has the per-run files, no .tmp", #names, #assert(gg.fs.listdir(A .. "/runs")))
  local m = manifest(C)
  T.eq("merged manifest name", m.name, "merge_demo")
  T.eq("merged manifest description", m.description, "shards and merge")
  T.eq("merged manifest run_ids", m.run_ids, ids)
  T.eq("merged manifest param_names", m.param_names, exp.sweep:names())
  T.eq("merged manifest shard is null", m.shard, json.null)
  T.eq("merged manifest merged_from", m.merged_from, { S1, S2 })
  T.eq("merged manifest counts", m.counts, mA.counts)
  T.eq("merged manifest points", m.points, 8)
  T.eq("merged manifest missing", m.missing, 0)
  T.eq("merged manifest script sha", m.script_sha256, mA.script_sha256)
  T.eq("merged manifest seed", m.seed, 0)

  -- Merging again into the same OUT starts afresh.
  write_all(C .. "/runs/0123456789abcdef.csv", "stale")
  T.ok("merge again", merge.merge(C, { S2, S1 }))
  T.ok("stale per-run file removed", not gg.fs.exists(C .. "/runs/0123456789abcdef.csv"))
  T.eq("argument order does not change the result", read_all(C .. "/curves.csv"), read_all(A .. "/curves.csv"))
end

-- ---- missing runs ----

do
  local P = base .. "/P"
  local result = merge.merge(P, { S1 })
  T.eq("partial: present", result.present, 4)
  T.eq("partial: missing ids", result.missing, { ids[2], ids[4], ids[6], ids[8] })
  local _, rows = gg.csv.read(P .. "/runs.csv")
  T.eq("partial: runs.csv has the present runs", #rows, 4)
  T.eq("partial: manifest missing", manifest(P).missing, 4)

  local out, code = main { "merge", P, S1 }
  T.eq("cli: missing runs exit 1", code, 1)
  T.ok("cli: missing runs reported", out:match("gglab merge: 4 of 8 runs are missing from every DIR:\n  " .. ids[2]))
  T.ok("cli: summary", out:match("merged 4 of 8 runs of 'merge_demo' from 1 directory into "))
  out, code = main { "merge", "--partial", P, S1 }
  T.eq("cli: --partial exit 3 (a run failed)", code, 3)
  T.ok("cli: --partial still reports", out:match("4 of 8 runs are missing"))
  out, code = main { "merge", base .. "/C2", S1, S2 }
  T.eq("cli: complete merge with a failed run exits 3", code, 3)
  T.ok("cli: complete summary", out:match("^merged 8 of 8 runs of 'merge_demo' from 2 directories into .-: 6 ok, 1 diverged, 1 failed%.\n$"))
  out, code = main { "merge", "-q", base .. "/C3", S1, S2 }
  T.eq("cli: quiet merge prints nothing", { out, code }, { "", 3 })
end

-- ---- refusals ----

do
  local function refused(label, edit, pattern)
    local dir = base .. "/bad_" .. label
    make_shard(dir, 2, 2, edit)
    local result, msg = merge.merge(base .. "/X", { S1, dir })
    T.eq("refused " .. label, result, nil)
    T.ok("message " .. label .. ": " .. tostring(msg), msg and msg:match(pattern))
    local out, code = main { "merge", base .. "/X", S1, dir }
    T.eq("cli refused " .. label, code, 1)
    T.ok("cli message " .. label, out:match("^gglab merge: cannot merge '"))
  end
  refused("name", function(m) m.name = "other" end,
    "^cannot merge '.-/S1' and '.-/bad_name': different name %('merge_demo' vs 'other'%)$")
  refused("sha", function(m) m.script_sha256 = string.rep("ab", 32) end,
    "^cannot merge '.-/S1' and '.-/bad_sha': different script_sha256 %('.-' vs 'abababababab%.%.%.'%)$")
  refused("run_ids", function(m) m.run_ids = { ids[1], ids[2] } end,
    "^cannot merge '.-' and '.-': different run_ids %(8 vs 2 points%): not shards of the same sweep$")
  refused("order", function(m) m.run_ids = { ids[2], ids[1], table.unpack(ids, 3) } end, "different run_ids")
  refused("seed", function(m) m.seed = 5 end, "different seed %(0 vs 5%)")
  -- Issue 20: shards of different gglab builds, and runs made by another script.
  refused("build", function(m) m.gglab_build = { id = "0.0.9+0123456789ab" } end,
    "^cannot merge '.-/S1' and '.-/bad_build': different gglab build %('.-' vs '0.0.9%+012345%.%.%.'%)$")
  T.eq("the runner's manifest names the build", type(mA.gglab_build) == "table" and mA.gglab_build.id, gg.build.id)
  local other = string.rep("cd", 32)
  local function tamper(dir)  -- one run's row file names another script's hash
    local id = ids[2]
    local text = read_all(dir .. "/runs/" .. id .. ".row.csv")
    T.ok("row file names the script hash", text:find(mA.script_sha256, 1, true))
    write_all(dir .. "/runs/" .. id .. ".row.csv", (text:gsub(mA.script_sha256, other)))
  end
  local mixed = base .. "/mixed_runs"
  make_shard(mixed, 2, 2)
  tamper(mixed)
  local r, msg = merge.merge(base .. "/X", { S1, mixed })
  T.eq("run of another script refused", r, nil)
  T.ok("run of another script: message " .. tostring(msg), msg and msg:match("^cannot merge '.-/mixed_runs': its run "
    .. ids[2] .. " was made by another script %(different script_sha256: 'cdcdcdcdcdcd%.%.%.' vs '"
    .. mA.script_sha256:sub(1, 12) .. "%.%.%.' in the manifests%)$"))
  local forced = base .. "/forced_runs"
  make_shard(forced, 2, 2, function(m) m.forced_resume = { previous_script_sha256 = other } end)
  tamper(forced)
  r, msg = merge.merge(base .. "/XF", { S1, forced })
  T.ok("forced shard merges: " .. tostring(msg), r ~= nil)
  T.eq("forced resume recorded in the merge", r and manifest(base .. "/XF").forced_resume,
    { previous_script_sha256 = other })

  local r, msg = merge.merge(base .. "/X", { S1, base .. "/nowhere" })
  T.eq("missing dir", msg, "'" .. base .. "/nowhere' is not a directory")
  T.ok("missing dir result", r == nil)
  assert(gg.fs.mkdir(base .. "/empty"))
  r, msg = merge.merge(base .. "/X", { base .. "/empty" })
  T.ok("no manifest", msg:match("^cannot read '.-/empty/manifest%.json'"))
  write_all(base .. "/empty/manifest.json", "{\"name\": ")
  r, msg = merge.merge(base .. "/X", { base .. "/empty" })
  T.ok("bad json: " .. tostring(msg), msg:match("manifest%.json': json%.decode: unexpected end of text at position 10$"))
  write_all(base .. "/empty/manifest.json", json.encode { name = "x" })
  r, msg = merge.merge(base .. "/X", { base .. "/empty" })
  T.ok("no run_ids", msg:match("has no run_ids list"))
  write_all(base .. "/empty/manifest.json", json.encode { name = "x", run_ids = { "../../etc/passwd" }, param_names = {} })
  r, msg = merge.merge(base .. "/X", { base .. "/empty" })
  T.ok("bad run id refused", msg:match("has a bad run id '%.%./%.%./etc/passwd'"))
  local E = base .. "/E"
  assert(gg.fs.mkdir(E .. "/runs"))
  write_all(E .. "/manifest.json", read_all(S1 .. "/manifest.json"))
  r, msg = merge.merge(base .. "/C", { E })
  T.eq("no finished runs", msg, "no finished runs in " .. E)
  T.ok("no finished runs leaves OUT alone", gg.fs.exists(base .. "/C/runs.csv"))
  r, msg = merge.merge(S1 .. "/", { S1, S2 })
  T.eq("out is an input", msg, "output directory '" .. S1 .. "/' is also an input")

  local out, code = main { "merge" }
  T.eq("cli: no args", { out, code }, { "gglab merge: missing OUT and DIR (see gglab merge --help)\n", 1 })
  out, code = main { "merge", "x" }
  T.eq("cli: no DIR", code, 1)
  out, code = main { "merge", "x", "y", "--frob" }
  T.eq("cli: unknown option", out, "gglab merge: unknown option '--frob' (see gglab merge --help)\n")
  out, code = main { "merge", "--help" }
  T.ok("cli: merge --help", code == 0 and out:match("^usage: gglab merge OUT DIR%.%.%."))
end

-- ---- shard stores from the runner itself (when it writes shard manifests) ----

do
  local R1, R2 = base .. "/R1", base .. "/R2"
  run_into(R1, { k = 1, n = 2 })
  local m1 = manifest(R1)
  if type(m1.shard) == "table" and m1.shard.k == 1 then
    run_into(R2, { k = 2, n = 2 })
    local RC = base .. "/RC"
    local result, msg = merge.merge(RC, { R1, R2 })
    T.ok("real shards merge: " .. tostring(msg), result and #result.missing == 0)
    T.eq("real shards: runs.csv (minus wall_s)", without_wall(RC .. "/runs.csv"), without_wall(A .. "/runs.csv"))
    T.eq("real shards: curves.csv", read_all(RC .. "/curves.csv"), read_all(A .. "/curves.csv"))
  else
    print("note: the runner does not write shard manifests yet; real-shard merge skipped")
  end
end

-- ---- a stale report.html never survives (issue 20, bug 5) ----

do
  -- A report of older data in OUT goes when merge rewrites OUT.
  local M = base .. "/stale_merge"
  assert(merge.merge(M, { S1, S2 }))
  write_all(M .. "/report.html", "<html>old data</html>")
  write_all(M .. "/report.html.tmp", "half")
  assert(merge.merge(M, { S1 }))
  T.ok("merge removes a stale report.html", not gg.fs.exists(M .. "/report.html"))
  T.ok("merge removes a stale report.html.tmp", not gg.fs.exists(M .. "/report.html.tmp"))
  -- A fresh run without --report removes it; so does a resumed one (it rewrites runs.csv).
  local F = base .. "/stale_run"
  run_into(F)
  write_all(F .. "/report.html", "<html>old data</html>")
  gg.fs.mkdir(F .. "/doctor")
  write_all(F .. "/doctor/doctor.txt", "verdict")
  run_into(F)
  T.ok("fresh run removes a stale report.html", not gg.fs.exists(F .. "/report.html"))
  T.ok("fresh run keeps doctor/ (the doctor's own runs)", gg.fs.exists(F .. "/doctor/doctor.txt"))
  write_all(F .. "/report.html", "<html>old data</html>")
  local result = runner.run(exp, { out = F, quiet = true, stdout = sink(), stderr = sink(), script = SCRIPT,
    resume = true, jobs = 0 })
  T.ok("resume ran", result ~= nil)
  T.ok("resume removes a stale report.html", not gg.fs.exists(F .. "/report.html"))
end

if not os.getenv("KEEP") then rm_tree(base) end
T.done()
