-- tests/lua/test_stats.lua — lua/gglab/lib/stats.lua against textbook values: Student-t
-- quantiles, Welford, the mean's t-interval, Wilson's interval, the median, the bootstrap
-- of the median (determinism, a degenerate case, coverage of a known shift) and Holm.

local T = require "check"
require "gglab"   -- registers the embedded Lua modules
local stats = require "gglab.lib.stats"

-- Student's t, 97.5 % (tables: df 1 12.706, 10 2.228, 30 2.042; normal 1.95996 beyond)
T.near("t975(1)", stats.t975(1), 12.706, 1e-12)
T.near("t975(10)", stats.t975(10), 2.228, 1e-12)
T.near("t975(30)", stats.t975(30), 2.042, 1e-12)
T.near("t975(31) is the normal quantile", stats.t975(31), 1.959963984540054, 1e-15)

-- Welford: 2 4 4 4 5 5 7 9 has mean 5 and sample variance 32/7
local a = stats.acc_new()
for _, v in ipairs { 2, 4, 4, 4, 5, 5, 7, 9 } do stats.acc_add(a, v) end
T.near("welford mean", a.mean, 5, 1e-15)
T.near("welford sample variance", a.m2 / (a.n - 1), 32 / 7, 1e-14)
local m, lo, hi, n = stats.acc_band(a, "minmax")
T.eq("minmax band", { m, lo, hi, n }, { 5, 2, 9, 8 })
m, lo, hi, n = stats.acc_band(a, "ci95")
local h = 2.365 * math.sqrt(32 / 7 / 8)
T.near("ci95 lo", lo, 5 - h, 1e-12)
T.near("ci95 hi", hi, 5 + h, 1e-12)
-- Welford keeps the precision of huge values where the naive sum of squares cannot
local big = stats.acc_new()
for _, v in ipairs { 1e30 + 2e15, 1e30 - 2e15 } do stats.acc_add(big, v) end
T.ok("welford at 1e30 keeps a positive variance", big.m2 > 0)
local one = stats.acc_new()
stats.acc_add(one, 3)
T.eq("ci95 of one value is the value", { stats.acc_band(one, "ci95") }, { 3, 3, 3, 1 })

-- mean and 95 % t-interval of 1..5: 3 ± 2.776 · sqrt(2.5 / 5)
m, lo, hi = stats.mean_ci { 1, 2, 3, 4, 5 }
T.near("mean_ci mean", m, 3, 1e-15)
T.near("mean_ci lo", lo, 3 - 2.776 * math.sqrt(0.5), 1e-12)
T.near("mean_ci hi", hi, 3 + 2.776 * math.sqrt(0.5), 1e-12)
m = stats.mean_ci {}
T.ok("mean_ci of nothing is NaN", m ~= m)

-- Wilson 95 %: 0/10 -> [0, 0.2775]; 5/10 -> [0.2366, 0.7634]; 10/10 -> [0.7225, 1]
lo, hi = stats.wilson(0, 10)
T.eq("wilson 0/10 lo is exactly 0", lo, 0)
T.near("wilson 0/10 hi", hi, 0.27753279986288, 1e-10)
lo, hi = stats.wilson(5, 10)
T.near("wilson 5/10 lo", lo, 0.23659309051, 1e-9)
T.near("wilson 5/10 hi", hi, 0.76340690949, 1e-9)
lo, hi = stats.wilson(10, 10)
T.eq("wilson 10/10 hi is exactly 1", hi, 1)
T.eq("wilson 0/0", { stats.wilson(0, 0) }, { 0, 1 })

-- median
T.eq("median odd", stats.median { 3, 1, 2 }, 2)
T.eq("median even", stats.median { 4, 1, 3, 2 }, 2.5)
T.eq("median with infinities", stats.median { math.huge, 1, math.huge }, math.huge)
T.eq("median of nothing", stats.median {}, nil)

-- bootstrap of the median
local ones = {}
for i = 1, 9 do ones[i] = 1 end
local b = stats.bootstrap_median(ones, 7, 2000)
T.eq("bootstrap of a constant: median and interval", { b.median, b.lo, b.hi, b.n }, { 1, 1, 1, 9 })
T.near("bootstrap p of a constant 1 is 2/(B+1)", b.p, 2 / 2001, 1e-15)
local ds = {}
for i = 1, 15 do ds[i] = (i - 8) / 4 end   -- symmetric around 0
local b1, b2 = stats.bootstrap_median(ds, 3, 500), stats.bootstrap_median(ds, 3, 500)
T.eq("bootstrap is deterministic for a seed", b1, b2)
T.ok("symmetric around 0: interval covers 0 and p is large", b1.lo <= 0 and b1.hi >= 0 and b1.p > 0.5)
T.eq("bootstrap of nothing", stats.bootstrap_median({}, 1, 100), { n = 0, p = 1 })

-- Holm: 0.01 0.04 0.03 -> 0.03 0.06 0.06 (step-down, monotone)
local adj = stats.holm { 0.01, 0.04, 0.03 }
T.near("holm 1", adj[1], 0.03, 1e-15)
T.near("holm 2", adj[2], 0.06, 1e-15)
T.near("holm 3", adj[3], 0.06, 1e-15)
T.eq("holm caps at 1", stats.holm { 0.6, 0.9 }, { 1, 1 })

-- gg._resample (core/resample.c) against the Lua reference loops, bit for bit: random
-- lists with ties, zeros, infinities of both signs, odd and even lengths
local gg = require "gglab"
T.ok("the C loops are there", gg._resample ~= nil)
local function bits(xs)
  local o = {}
  for i, x in ipairs(xs) do o[i] = x ~= x and "nan" or string.pack("<d", x) end
  return table.concat(o, "|")
end
local gen = gg.rng(11)
local same_boot, same_flip, cases = 0, 0, 0
for case = 1, 60 do
  local n = 1 + gen:integer(25)
  local xs = {}
  for i = 1, n do
    local u = gen:integer(10)
    xs[i] = u == 1 and math.huge or u == 2 and -math.huge or u == 3 and 0 or u == 4 and 0.5
      or (gen:uniform() - 0.5) * 10 ^ gen:integer(6)
  end
  local B = ({ 0, 1, 7, 500 })[1 + case % 4]
  local m1, lo1, hi1 = gg._resample.bootstrap_medians(xs, case, B)
  local m2, lo2, hi2 = stats.bootstrap_medians_lua(xs, case, B)
  if bits(m1) == bits(m2) and lo1 == lo2 and hi1 == hi2 then same_boot = same_boot + 1 end
  -- sign flips: k columns of signed ranks
  local k, cols = 1 + gen:integer(4), {}
  for j = 1, k do
    local c = {}
    for i = 1, n do c[i] = (j == 1 or gen:integer(3) == 1) and xs[i] or gen:normal() end
    cols[j] = c
  end
  local sr, obs = {}, {}
  for j = 1, k do
    local c, s = cols[j], {}
    for i = 1, n do s[i] = (c[i] == c[i] and math.abs(c[i]) < math.huge) and c[i] / 100 or (j % 2 == 0 and 0 or 0.25) end
    sr[j] = s
    obs[j] = gen:uniform() * 0.5
  end
  local seed = n > 12 and case or nil
  local c1 = gg._resample.signflip_counts(sr, n, obs, seed, 300)
  local c2 = stats.signflip_counts_lua(sr, n, obs, seed, 300)
  if table.concat(c1, ",") == table.concat(c2, ",") then same_flip = same_flip + 1 end
  cases = cases + 1
end
T.eq("bootstrap medians: C and Lua identical (bits, counts) in 60 random cases", same_boot, cases)
T.eq("sign-flip counts: C and Lua identical in 60 random cases (exact and random patterns)", same_flip, cases)
local withnan = { 1, 0 / 0, 2 }
T.raises("the C bootstrap refuses a NaN", function() gg._resample.bootstrap_medians(withnan, 1, 10) end, "value 2 is NaN")
local bn = stats.bootstrap_median(withnan, 1, 50)
T.eq("a list with a NaN takes the Lua path (same result as it)", bn.n, 3)
T.raises("bad B", function() gg._resample.bootstrap_medians({ 1 }, 1, -1) end, "B must be an integer")
T.raises("bad column", function() gg._resample.signflip_counts({ 1 }, 1, { 0 }) end, "sr%[1%] must be a list")
local c31 = {}
for i = 1, 31 do c31[i] = 0.5 end
T.raises("exact needs n <= 30", function() gg._resample.signflip_counts({ c31 }, 31, { 0 }) end, "n <= 30")
local t0 = os.clock()
for _ = 1, 3 do stats.bootstrap_median(ds, 3, 2000) end
local tc = os.clock() - t0
t0 = os.clock()
for _ = 1, 3 do stats.bootstrap_medians_lua(ds, 3, 2000) end
print(string.format("# bootstrap of 15 values, 2000 resamples: C %.2f ms, Lua %.2f ms", tc / 3 * 1e3, (os.clock() - t0) / 3 * 1e3))

T.done()
