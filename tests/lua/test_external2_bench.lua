-- tests/lua/test_external2_bench.lua — the benchmark part of tests/doctor/external2/ (the second
-- external evaluation set): every case of key_bench.lua has its file, every benchmark case file
-- (dc_*.lua, so56103207*.lua) has a key entry, each loads as an experiment (no training) named as
-- its file, sweeps 10 seeds and logs to the run; its header names the source and documents the
-- setup, the source's observation, the accepted cause and the changes; the ground truth is one
-- of causes / interacting / healthy with known or listed-new cause ids. The shared helpers of
-- _common2.lua reproduce the benchmark's data handling (checked on the data, no training).

local T = require "check"
local gg = require "gglab"
local experiment = require "gglab.experiment"
local causes = require "gglab.lib.causes"

local DIR = "tests/doctor/external2"
local key = dofile(DIR .. "/key_bench.lua")
local first = dofile("tests/doctor/external/key.lua")

-- this helper's case files: TheDeepChecker's (dc_*) and defect4ML's Stack Overflow bug 091
local files = {}
for _, name in ipairs(gg.fs.listdir(DIR)) do
  local id = name:match("^(.+)%.lua$")
  if id and (id:match("^dc_") or id:match("^so56103207")) then files[id] = true end
end

local new = {}
for _, id in ipairs(first.NEW) do new[id] = true end
for _, id in ipairs(key.NEW) do
  new[id] = true
  T.ok("new id " .. id .. " is not already a cause", not causes.is_cause(id))
end
local function known(id) return causes.is_cause(id) or new[id] == true end
local function ids_ok(set)
  if type(set) ~= "table" or #set == 0 then return false end
  for _, id in ipairs(set) do if not known(id) then return false end end
  return true
end

-- a case of the first set must not come back
local used = {}
for _, e in ipairs(first.cases) do used[e[1]:gsub("_fixed$", "")] = true end

local seen, broken, healthy = {}, 0, 0
for i, e in ipairs(key.cases) do
  local id = e[1]
  local what = "key entry " .. i .. " (" .. tostring(id) .. ")"
  T.ok(what .. " is not repeated", not seen[id])
  seen[id] = true
  T.ok(what .. " has a case file", files[id] == true)
  T.ok(what .. " is not in the first external set", not used[id:gsub("_fixed$", "")])
  T.ok(what .. " has a source URL", type(e.source) == "string" and e.source:match("^https://") ~= nil)
  local grounds = (e.causes and 1 or 0) + (e.interacting and 1 or 0) + (e.healthy and 1 or 0)
  T.eq(what .. " has exactly one of causes / interacting / healthy", grounds, 1)
  if e.causes then
    T.ok(what .. " names known or listed-new cause ids", ids_ok(e.causes))
  elseif e.interacting then
    T.ok(what .. " names two sets of known or listed-new cause ids",
      #e.interacting == 2 and ids_ok(e.interacting[1]) and ids_ok(e.interacting[2]))
  else
    T.eq(what .. " healthy is true", e.healthy, true)
  end
  if e.healthy then healthy = healthy + 1 else broken = broken + 1 end
  T.ok(what .. " quotes the accepted cause", type(e.accepted) == "string" and #e.accepted > 20)
  T.ok(what .. " records the unchanged runs", type(e.observed) == "string"
    and e.observed:match("^10 seeds, %d+ diverged") ~= nil)

  if files[id] then
    local path = DIR .. "/" .. id .. ".lua"
    local exp, err = experiment.load(path)
    T.ok(what .. " loads: " .. tostring(err), exp ~= nil)
    if exp then T.eq(what .. " experiment name", exp.name, id) end
    local text = T.read(path)
    local header = text:match("^%-%-%[%[(.-)%]%]") or ""
    T.ok(what .. " header names the source", header:find(e.source, 1, true) ~= nil)
    for _, field in ipairs { "Setup:", "Observed by the source:", "Accepted cause:", "Changes to express it:" } do
      T.ok(what .. " header has " .. field, header:find(field, 1, true) ~= nil)
    end
    T.ok(what .. " header says broken/healthy as the key", header:find(e.healthy and "(healthy)" or "(broken)",
      1, true) ~= nil)
    T.ok(what .. " sweeps 10 seeds", text:find("sweep = gg.grid { seed = gg.seeds(10) }", 1, true) ~= nil)
    T.ok(what .. " logs to the run context", text:find("K.fit(run,", 1, true) ~= nil
      or text:find("C.fit(run,", 1, true) ~= nil)
    local long = 0
    for line in text:gmatch("[^\n]*") do if #line > 110 then long = long + 1 end end
    T.eq(what .. " has no line over 110 characters", long, 0)
  end
end
for id in pairs(files) do T.ok("case file " .. id .. ".lua has a key entry", seen[id] == true) end
T.ok("at least 10 broken cases (" .. broken .. ")", broken >= 10)
T.ok("at least 3 healthy cases (" .. healthy .. ")", healthy >= 3)

-- the helpers reproduce the benchmarks' data handling
local C = dofile(DIR .. "/_common2.lua")
local function range(ds, col)
  local lo, hi = math.huge, -math.huge
  local t = ds:y():totable()
  if col then t = ds:x():totable() end
  for _, r in ipairs(t) do
    local v = type(r) == "table" and r[col or 1] or r
    lo, hi = math.min(lo, v), math.max(hi, v)
  end
  return lo, hi
end
local tr, te = C.mpg()
T.eq("Auto MPG: 392 rows split 314 / 78", { tr:n(), te:n() }, { 314, 78 })
T.eq("Auto MPG: 9 features", tr:features(), 9)
T.eq("Auto MPG: features min-max scaled per loader", { range(tr, 4) }, { 0, 1 })
T.eq("Auto MPG: MPG scaled to [0, 1]", { range(tr) }, { 0, 1 })
local _, hi = range(C.mpg { normalization = false }, 4)
T.ok("Auto MPG unnormalised: raw weight column (" .. hi .. ")", hi > 3000)
local lo2, hi2 = range((C.mpg { target_range = { -1, 1 } }))
T.eq("Auto MPG: target_range [-1, 1]", { lo2, hi2 }, { -1, 1 })
local lo3 = range((C.mpg { target_scaling = false, target_factor = 10 }))
T.ok("Auto MPG: raw MPG x 10 (min " .. lo3 .. ")", lo3 >= 90 and lo3 <= 100)
local _, hi4 = range(C.mpg { double_norm = true }, 4)
T.ok("Auto MPG: weight divided twice by its range (" .. hi4 .. ")", hi4 < 1e-3)

local d5 = C.digits5 { order = "sorted" }
local ys = d5:y():totable()
local sorted = true
for i = 2, #ys do
  local a, b = type(ys[i - 1]) == "table" and ys[i - 1][1] or ys[i - 1], type(ys[i]) == "table" and ys[i][1] or ys[i]
  sorted = sorted and a <= b
end
T.ok("digits5 sorted: classes in order", sorted)
T.eq("digits5: 5 classes", d5:classes(), 5)
local ntr = C.digits10()
local unb = C.digits10 { unbalance = true }
local count = {}
for _, r in ipairs(unb:y():totable()) do
  local c = type(r) == "table" and r[1] or r
  count[c] = (count[c] or 0) + 1
end
local total = ntr:n() // 10
T.eq("unbalance: class 0 keeps int(total * 0.01)", count[0], math.floor(total * 0.01))
T.eq("unbalance: class 5 keeps int(total * 0.05)", count[5], math.floor(total * 0.05))
T.ok("unbalance: classes 6..9 keep every row", (count[9] or 0) > 100)

T.done()
