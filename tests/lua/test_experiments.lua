-- tests/lua/test_experiments.lua — every script in experiments/ runs through the gglab
-- executable, writes its files, and every claim it makes gets a verdict (none of them
-- undecided because its check broke). Which way a verdict goes is the experiment's
-- finding, not a test failure.

local T = require "check"
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = os.tmpname()
os.remove(tmp)

local n = 0
for _, name in ipairs(gg.fs.listdir("experiments")) do
  local file = name:match("^(.+)%.lua$")
  if file then
    n = n + 1
    local out = tmp .. "/" .. file
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
os.execute("rm -rf '" .. tmp .. "'")
T.done()
