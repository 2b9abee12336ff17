-- tests/lua/test_experiments.lua — every script in experiments/ runs through the gglab
-- executable, writes its files, and every claim it makes gets a verdict (none of them
-- undecided because its check broke). Which way a verdict goes is the experiment's
-- finding, not a test failure. docs/findings.md must be what `make findings` makes of these
-- very runs (counts, verdicts, measured numbers, script hashes): a change to a script or to
-- the numerics that moves any of them fails here until `make findings` is run.

local T = require "check"
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = os.tmpname()
os.remove(tmp)

local n = 0
local dirs = {}
for _, name in ipairs(gg.fs.listdir("experiments")) do
  local file = name:match("^(.+)%.lua$")
  if file then
    n = n + 1
    local out = tmp .. "/" .. file
    dirs[#dirs + 1] = out
    local p = io.popen(string.format("%s run -q --out %s experiments/%s 2>&1", GGLAB, out, name))
    local text = p:read("a")
    local ok = p:close()
    T.ok(name .. " runs (exit 0)", ok)
    T.ok(name .. " writes runs.csv and curves.csv", gg.fs.exists(out .. "/runs.csv") and gg.fs.exists(out .. "/curves.csv"))
    T.ok(name .. ": no claim left undecided", not text:find("UNDECIDED", 1, true))
    local claims = select(2, text:gsub("\nclaim: ", ""))
    if claims > 0 then T.ok(name .. ": verdicts printed", text:find("— HOLDS", 1, true) or text:find("DOES NOT HOLD", 1, true)) end
  end
end
T.ok("experiments found", n >= 3)

-- Every statement in the folklore catalogue is tested by at least one claim of some
-- experiment (docs/findings.md maps each one to its verdicts).
local tested = {}
for _, name in ipairs(gg.fs.listdir("experiments")) do
  if name:match("%.lua$") then
    local exp = assert(require("gglab.experiment").load("experiments/" .. name))
    for _, c in ipairs(exp.claims or {}) do
      for _, id in ipairs(type(c.folklore) == "string" and { c.folklore } or c.folklore or {}) do
        tested[id] = true
      end
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
table.sort(dirs)
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
