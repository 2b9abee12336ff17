-- tests/lua/test_external2_common.lua — tests/doctor/external2/_common2.lua, the helpers of the
-- second external set's benchmark cases, reproduce the benchmarks' data handling (checked on the
-- data, no training). The cases themselves (key, files, headers) are checked by
-- test_external_cases.lua with the first set's.

local T = require "check"
require "gglab"

local DIR = "tests/doctor/external2"

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
