-- tests/lua/test_history.lua — a fresh `gglab run` (or merge) never loses the results already
-- in its folder: they move to <out>/history/<date>/ (a complete results folder), unless
-- --overwrite; --resume keeps them in place. Bytes compared with the first run's files.

local T = require "check"
local gg = require "gglab"
local json = require "gglab.lib.json"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = T.tmpdir()
local script = tmp .. "/keep.lua"
T.write(script, [[
local gg = require "gglab"
return gg.experiment {
  name = "keep",
  sweep = gg.grid { x = { 1, 2, 3 } },
  run = function(p, run)
    if p.x == tonumber(os.getenv("KEEP_FAIL") or "0") then error("injected failure") end
    for s = 1, 3 do run:log("loss", p.x / s, s) end
  end,
}
]])
local out = tmp .. "/out"

local function run(extra, env)
  return T.sh(string.format("%s %s run %s --out %s -j1 %s", env or "", GGLAB, T.quote(script), T.quote(out),
    extra or ""))
end
local function ls(dir)
  local names = gg.fs.listdir(dir) or {}
  table.sort(names)
  return names
end

-- 1. First run: nothing to keep, no history/ folder, no message.
local text, code = run()
T.eq("first run exits 0", code, 0)
T.ok("first run: no history folder", not gg.fs.exists(out .. "/history"))
T.ok("first run: no 'earlier results' line", not text:find("earlier results", 1, true))
local first_runs, first_curves = T.read(out .. "/runs.csv"), T.read(out .. "/curves.csv")
local first_manifest = T.read(out .. "/manifest.json")
local date = json.decode(first_manifest).date
local stamp = date:gsub("^(%d%d%d%d)-(%d%d)-(%d%d)T(%d%d):(%d%d):(%d%d)Z$", "%1%2%3-%4%5%6")
T.ok("manifest date gives the folder name", stamp:match("^%d%d%d%d%d%d%d%d%-%d%d%d%d%d%d$") ~= nil)
T.write(out .. "/report.html", "<p>report of the first run</p>")

-- 2. A second run (a quick check that fails a run) keeps the first one's files byte for byte.
text, code = run(nil, "KEEP_FAIL=2")
T.eq("second run: a failed run exits 3", code, 3)
local kept = out .. "/history/" .. stamp
T.eq("second run: history holds one folder named by the first manifest's date", ls(out .. "/history"), { stamp })
T.ok("second run: says where the earlier results are",
  text:find("The earlier results of " .. out .. "/ are in " .. kept .. "/.", 1, true) ~= nil)
T.eq("kept runs.csv is the first run's", T.slurp(kept .. "/runs.csv"), first_runs)
T.eq("kept curves.csv is the first run's", T.slurp(kept .. "/curves.csv"), first_curves)
T.eq("kept manifest.json is the first run's", T.slurp(kept .. "/manifest.json"), first_manifest)
T.eq("kept report.html is the first run's", T.slurp(kept .. "/report.html"), "<p>report of the first run</p>")
T.eq("kept per-run files: 3 curves and 3 row files", #ls(kept .. "/runs"), 6)
T.ok("the new folder has no report of other data", not gg.fs.exists(out .. "/report.html"))
T.ok("the new runs.csv has the failure", T.read(out .. "/runs.csv"):find("injected failure", 1, true) ~= nil)
T.eq("new runs/ holds only the new runs (3 curves, 3 rows, 1 .err)", #ls(out .. "/runs"), 7)

-- 3. The kept folder is a results folder: report and resume read it.
local rtext, rcode = T.sh(GGLAB .. " report " .. T.quote(kept))
T.eq("gglab report on a kept folder exits 0", rcode, 0)
T.ok("gglab report on a kept folder writes its report", rtext:find(kept .. "/report.html", 1, true) ~= nil)

-- 4. --resume keeps everything in place (no new history folder).
text, code = run("--resume")
T.eq("--resume exits 3 (the failed run is kept, not rerun)", code, 3)
T.eq("--resume moves nothing", #ls(out .. "/history"), 1)
text, code = run("--rerun-failed")
T.eq("--rerun-failed exits 0", code, 0)
T.eq("--rerun-failed moves nothing", #ls(out .. "/history"), 1)

-- 5. Another fresh run in the same second as a kept folder's date gets "-2".
local m = json.decode(T.read(out .. "/manifest.json"))
local stamp2 = m.date:gsub("^(%d%d%d%d)-(%d%d)-(%d%d)T(%d%d):(%d%d):(%d%d)Z$", "%1%2%3-%4%5%6")
gg.fs.mkdir(out .. "/history/" .. stamp2)  -- taken already (may be == stamp)
text, code = run()
T.eq("third run exits 0", code, 0)
T.ok("a taken name gets -2", gg.fs.exists(out .. "/history/" .. stamp2 .. "-2/runs.csv"))

-- 6. --overwrite replaces without keeping; --overwrite excludes --resume.
local before = #ls(out .. "/history")
text, code = run("--overwrite")
T.eq("--overwrite exits 0", code, 0)
T.eq("--overwrite keeps nothing new", #ls(out .. "/history"), before)
T.ok("--overwrite: no 'earlier results' line", not text:find("earlier results", 1, true))
text, code = run("--overwrite --resume")
T.eq("--overwrite --resume is a usage error (exit 1)", code, 1)
T.ok("--overwrite --resume names both options",
  text:find("options '--overwrite' and '--resume' exclude each other", 1, true) ~= nil)

-- 7. An interrupted earlier sweep (run files, no manifest yet) is kept too, dated now.
local out2 = tmp .. "/out2"
gg.fs.mkdir(out2 .. "/runs")
T.write(out2 .. "/runs/0123456789abcdef.row.csv", "run_id\n0123456789abcdef\n")
T.write(out2 .. "/runs/0123456789abcdef.csv", "run_id,step,epoch,metric,value\n")
T.write(out2 .. "/runs/fedcba9876543210.csv.tmp", "partial")
T.write(out2 .. "/notes.txt", "mine")
text, code = T.sh(string.format("%s run %s --out %s -j1", GGLAB, T.quote(script), T.quote(out2)))
T.eq("run over an interrupted sweep exits 0", code, 0)
local h = ls(out2 .. "/history")
T.eq("interrupted sweep kept in one dated folder", #h, 1)
T.ok("kept folder named by a UTC date", (h[1] or ""):match("^%d%d%d%d%d%d%d%d%-%d%d%d%d%d%d$") ~= nil)
T.eq("its finished run files moved, the partial .tmp dropped", ls(out2 .. "/history/" .. (h[1] or "?") .. "/runs"),
  { "0123456789abcdef.csv", "0123456789abcdef.row.csv" })
T.eq("files that are not the sweep's stay", T.slurp(out2 .. "/notes.txt"), "mine")

-- 8. gglab merge keeps what was in OUT, and exits 3 when a merged run failed.
local s1, s2, merged = tmp .. "/s1", tmp .. "/s2", tmp .. "/merged"
T.sh(string.format("KEEP_FAIL=3 %s run %s --out %s -j1 --shard 1/2", GGLAB, T.quote(script), T.quote(s1)))
T.sh(string.format("KEEP_FAIL=3 %s run %s --out %s -j1 --shard 2/2", GGLAB, T.quote(script), T.quote(s2)))
text, code = T.sh(string.format("%s merge %s %s %s", GGLAB, T.quote(merged), T.quote(s1), T.quote(s2)))
T.eq("merge with a failed run exits 3", code, 3)
local merged_runs = T.read(merged .. "/runs.csv")
text, code = T.sh(string.format("%s merge %s %s %s", GGLAB, T.quote(merged), T.quote(s1), T.quote(s2)))
T.eq("second merge exits 3 too", code, 3)
local mh = ls(merged .. "/history")
T.eq("second merge keeps the first in history/", #mh, 1)
T.eq("kept merge runs.csv byte-identical", T.slurp(merged .. "/history/" .. (mh[1] or "?") .. "/runs.csv"), merged_runs)
T.ok("merge says where the earlier results are", text:find("The earlier results of " .. merged .. "/ are in ", 1, true) ~= nil)
text, code = T.sh(string.format("%s merge --overwrite %s %s %s", GGLAB, T.quote(merged), T.quote(s1), T.quote(s2)))
T.eq("merge --overwrite keeps nothing new", #ls(merged .. "/history"), 1)
-- all ok -> 0
local s3 = tmp .. "/s3"
T.sh(string.format("%s run %s --out %s -j1", GGLAB, T.quote(script), T.quote(s3)))
text, code = T.sh(string.format("%s merge %s %s", GGLAB, T.quote(tmp .. "/m3"), T.quote(s3)))
T.eq("merge of all-ok runs exits 0", code, 0)

T.rmtree(tmp)
T.done()
