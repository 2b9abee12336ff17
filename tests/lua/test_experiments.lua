-- tests/lua/test_experiments.lua — every script in experiments/ runs through the gglab
-- executable, writes its files, and every claim it makes gets a verdict (none of them
-- undecided because its check broke). Which way a verdict goes is the experiment's
-- finding, not a test failure. docs/findings.md must be what `make findings` makes of these
-- very runs (counts, verdicts, measured numbers, script hashes): a change to a script or to
-- the numerics that moves any of them fails here until `make findings` is run.
-- A long experiment (gg.experiment{long = true}: minutes of runs) runs only its first sweep
-- point here (--shard 1/N, no claims judged), and its section comes from the manifest
-- `make findings` kept in docs/findings/<name>.json, whose script hash must be the script's.

local T = require "check"
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = os.tmpname()
os.remove(tmp)

local util = require "gglab.lib.util"
local json = require "gglab.lib.json"
local KEPT = "docs/findings"
local findings = require "gglab.findings.findings"
local n = 0
local dirs, longs, exps = {}, {}, {}
for _, name in ipairs(gg.fs.listdir("experiments")) do
  local file = name:match("^(.+)%.lua$")
  if file then
    n = n + 1
    local out = tmp .. "/" .. file
    local exp = assert(require("gglab.experiment").load("experiments/" .. name))
    exps[#exps + 1] = exp
    local shard = exp.long and string.format(" --shard 1/%d", #exp.sweep) or ""
    local p = io.popen(string.format("%s run -q%s --out %s experiments/%s 2>&1", GGLAB, shard, out, name))
    local text = p:read("a")
    local ok = p:close()
    T.ok(name .. " runs (exit 0)", ok)
    T.ok(name .. " writes runs.csv and curves.csv", gg.fs.exists(out .. "/runs.csv") and gg.fs.exists(out .. "/curves.csv"))
    T.ok(name .. ": no claim left undecided", not text:find("UNDECIDED", 1, true))
    if exp.long then
      longs[file] = true
      local kept_file = KEPT .. "/" .. file .. ".json"
      local kept = json.decode(util.read_file(kept_file) or "null")
      local ran = json.decode(util.read_file(out .. "/manifest.json") or "null")
      T.ok(name .. " (long): make findings kept its manifest in " .. kept_file, type(kept) == "table")
      T.ok(name .. " (long): the kept manifest is of this very script (run make findings)", type(kept) == "table"
        and type(ran) == "table" and kept.script_sha256 == ran.script_sha256 and kept.points == #exp.sweep)
      T.ok(name .. " (long): the kept sweep was complete", type(kept) == "table" and kept.complete == true)
      -- The first point, rerun here, gives the very numbers make findings kept (so a change of
      -- the numerics that moves a long experiment fails here too, at the cost of one run).
      local first = findings.first_run(out)
      local want = type(kept) == "table" and kept.first_run or {}
      for _, k in ipairs { "run_id", "status", "final_loss", "min_loss", "final_val_loss", "min_val_loss", "steps" } do
        T.eq(name .. " (long): its first run's " .. k .. " is the kept one", first and first[k], want[k])
      end
      dirs[#dirs + 1] = kept_file
    else
      dirs[#dirs + 1] = out
      local claims = select(2, text:gsub("\nclaim: ", ""))
      if claims > 0 then T.ok(name .. ": verdicts printed", text:find("— HOLDS", 1, true) or text:find("DOES NOT HOLD", 1, true)) end
    end
  end
end
T.ok("experiments found", n >= 3)
for _, name in ipairs(gg.fs.isdir(KEPT) and gg.fs.listdir(KEPT) or {}) do
  T.ok(KEPT .. "/" .. name .. " is the kept manifest of a long experiment in experiments/",
    longs[name:match("^(.+)%.json$") or ""] == true)
end

-- Every statement in the folklore catalogue is tested by at least one claim of some
-- experiment (docs/findings.md maps each one to its verdicts).
local tested = {}
for _, exp in ipairs(exps) do
  for _, c in ipairs(exp.claims or {}) do
    for _, id in ipairs(type(c.folklore) == "string" and { c.folklore } or c.folklore or {}) do
      tested[id] = true
    end
  end
end
local guide = assert(require("gglab.lib.util").read_file("docs/guide.md"))
for _, name in ipairs(gg.fs.listdir("experiments")) do
  local file = name:match("^(.+)%.lua$")
  if file then
    T.ok(name .. " is listed in docs/guide.md's experiment library",
      guide:find("(../experiments/" .. name .. ")", 1, true) ~= nil)
  end
end
for _, e in ipairs(require("gglab.lib.folklore").list) do
  T.ok("folklore '" .. e.id .. "' is tested by an experiment claim", tested[e.id])
end

-- docs/findings.md, regenerated from these runs as `make findings` does (results/findings/<name>).
-- make findings lists results/findings/<name> in the order of the names, like experiments/*.lua.
local function key(d) return d:match("([^/]+)$"):gsub("%.json$", "") end
table.sort(dirs, function(x, y) return key(x) < key(y) end)
local quoted = {}
for i, d in ipairs(dirs) do quoted[i] = "'" .. d .. "'" end
local gen = tmp .. "/findings.md"
local p = io.popen(string.format("%s findings --out %s %s 2>&1", GGLAB, gen, table.concat(quoted, " ")))
local ftext = p:read("a")
T.ok("gglab findings over every experiment exits 0", p:close() or ftext)
local made = (require("gglab.lib.util").read_file(gen) or "")
made = made:gsub((tmp .. "/"):gsub("%p", "%%%0"), "results/findings/")
local doc = assert(require("gglab.lib.util").read_file("docs/findings.md"))
local function lines(s)
  local t = {}
  for line in (s .. "\n"):gmatch("(.-)\n") do t[#t + 1] = line end
  return t
end
local a, b = lines(made), lines(doc)
local first, differ = nil, 0
for i = 1, math.max(#a, #b) do
  if a[i] ~= b[i] then
    differ = differ + 1
    first = first or i
  end
end
T.eq("docs/findings.md is make findings' output for today's experiments (lines differing; run make findings)",
  differ, 0)
if first then
  io.stderr:write(string.format("  first difference, docs/findings.md line %d:\n  doc:  %s\n  runs: %s\n", first,
    (b[first] or "<end>"):sub(1, 300), (a[first] or "<end>"):sub(1, 300)))
end
os.execute("rm -rf '" .. tmp .. "'")
T.done()
