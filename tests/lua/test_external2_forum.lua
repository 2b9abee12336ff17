-- tests/lua/test_external2_forum.lua — the forum cases of tests/doctor/external2/ (key_forum.lua):
-- every key entry has a case file that loads as an experiment named after it (no training), sweeping
-- 10 seeds, whose header names the source and documents setup, observation, accepted cause and
-- changes; every entry has exactly one of causes / interacting / healthy with known or listed-new ids,
-- the source's words and the observed runs; the README lists every case.

local T = require "check"
require "gglab"   -- puts the gglab.* modules on the path
local experiment = require "gglab.experiment"
local causes = require "gglab.lib.causes"

local DIR = "tests/doctor/external2"
local key = dofile(DIR .. "/key_forum.lua")
local old = dofile("tests/doctor/external/key.lua")

local new = {}
for _, id in ipairs(old.NEW) do new[id] = true end
for _, id in ipairs(key.NEW) do new[id] = true end
local function ids_ok(set)
  if type(set) ~= "table" or #set == 0 then return false end
  for _, id in ipairs(set) do if not (causes.is_cause(id) or new[id]) then return false end end
  return true
end

local readme = T.read(DIR .. "/README_forum.md")
local seen = {}
for i, e in ipairs(key.cases) do
  local id = e[1]
  local what = "key entry " .. i .. " (" .. tostring(id) .. ")"
  T.ok(what .. " is not repeated", not seen[id])
  seen[id] = true
  local base_id = id:match("^(.+)_fixed$") or id
  local owner, repo, num = base_id:match("^gh_([%w%-]+)_([%w%-%.]+)_(%d+)$")
  T.ok(what .. " is a forum case name", (owner ~= nil) or base_id:match("^pt%d+$") or base_id:match("^so%d+$")
    or base_id:match("^cv%d+$") or base_id:match("^ds%d+$"))
  local url_ok = type(e.source) == "string" and (e.source:match("^https://stackoverflow%.com/questions/%d+$")
    or e.source:match("^https://[%a]+%.stackexchange%.com/questions/%d+$")
    or e.source:match("^https://discuss%.pytorch%.org/t/[%w%-]+/%d+$")
    or e.source:match("^https://github%.com/[%w%-]+/[%w%-%.]+/issues/%d+$")) ~= nil
  T.ok(what .. " has an allowed source URL", url_ok)
  if owner then
    T.eq(what .. " names its GitHub issue", e.source,
      "https://github.com/" .. owner .. "/" .. repo .. "/issues/" .. num)
  end
  local grounds = (e.causes and 1 or 0) + (e.interacting and 1 or 0) + (e.healthy and 1 or 0)
  T.eq(what .. " has exactly one of causes / interacting / healthy", grounds, 1)
  if e.causes then
    T.ok(what .. " names known or listed-new cause ids", ids_ok(e.causes))
  elseif e.interacting then
    T.ok(what .. " names two sets of known ids", #e.interacting == 2 and ids_ok(e.interacting[1])
      and ids_ok(e.interacting[2]))
  else
    T.eq(what .. " healthy is true", e.healthy, true)
  end
  T.ok(what .. " quotes the accepted cause", type(e.accepted) == "string" and #e.accepted > 20)
  T.ok(what .. " records the unchanged runs", type(e.observed) == "string"
    and e.observed:match("^10 seeds, %d+ diverged") ~= nil)
  T.ok(what .. " is in README_forum.md", readme:find("| " .. id .. " |", 1, true) ~= nil)
  local base = id:match("^(.+)_fixed$")
  if base then
    T.ok(what .. " (a fixed program) is healthy", e.healthy == true)
    local has = false
    for _, o in ipairs(key.cases) do if o[1] == base then has = true end end
    T.ok(what .. " (a fixed program) has its broken case in the key", has)
  end

  local path = DIR .. "/" .. id .. ".lua"
  local f = io.open(path, "r")
  T.ok(what .. " has a case file", f ~= nil)
  if f then
    f:close()
    local exp, err = experiment.load(path)
    T.ok(what .. " loads: " .. tostring(err), exp ~= nil)
    if exp then T.eq(what .. " experiment name", exp.name, id) end
    local text = T.read(path)
    local header = text:match("^%-%-%[%[(.-)%]%]") or ""
    T.ok(what .. " header names the source", header:find(e.source, 1, true) ~= nil)
    local fields = { "Setup:", "Observed by the source:", "Accepted cause:", "Changes to express it:" }
    for _, field in ipairs(fields) do
      T.ok(what .. " header has " .. field, header:find(field, 1, true) ~= nil)
    end
    T.ok(what .. " sweeps 10 seeds", text:find("sweep = gg.grid { seed = gg.seeds(10) }", 1, true) ~= nil)
  end
end
T.ok("key_forum.lua has entries", #key.cases > 0)

T.done()
