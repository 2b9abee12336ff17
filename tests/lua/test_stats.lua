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

T.done()
