--[[ lua/gglab/lib/stats.lua — the statistics gglab reports, in one place: Student-t quantiles,
  Welford's running mean/variance, the mean's t-interval, Wilson's score interval, the
  median, a seeded percentile bootstrap of the median, Holm's step-down adjustment, and a
  sign-flip max-T test over correlated paired comparisons (signflip_maxt).
  Each function is tested against textbook values in tests/lua/test_stats.lua. Results are
  deterministic: the bootstrap draws from gg.rng with the caller's seed. ]]

local gg = require "gglab"

local M = {}

M.Z975 = 1.959963984540054   -- the standard normal's 97.5 % quantile

-- Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (normal beyond).
local T975 = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
  2.060, 2.056, 2.052, 2.048, 2.045, 2.042 }

--[[ t975(df) -> the 97.5 % quantile of Student's t with df degrees of freedom (table to 30,
  the normal quantile beyond). ]]
function M.t975(df) return T975[df] or M.Z975 end

--[[ Welford accumulator of repeated values: acc_new() -> acc; acc_add(acc, v) adds v
  (Welford's update, so 1e30-sized values keep their precision; also tracks min and max);
  acc_band(acc, kind) -> mean, lo, hi, n with kind "minmax" (smallest and largest value) or
  "ci95" (mean ± t(0.975, n-1) · s/√n; just the mean when n = 1). ]]
function M.acc_new() return { n = 0, mean = 0, m2 = 0, min = math.huge, max = -math.huge } end

function M.acc_add(a, v)
  a.n = a.n + 1
  local d = v - a.mean
  a.mean = a.mean + d / a.n
  a.m2 = a.m2 + d * (v - a.mean)
  if v < a.min then a.min = v end
  if v > a.max then a.max = v end
end

function M.acc_band(a, kind)
  if a.n == 0 then return 0 / 0, 0 / 0, 0 / 0, 0 end
  if kind == "ci95" then
    if a.n == 1 then return a.mean, a.mean, a.mean, 1 end
    local h = M.t975(a.n - 1) * math.sqrt(a.m2 / (a.n - 1) / a.n)
    return a.mean, a.mean - h, a.mean + h, a.n
  end
  return a.mean, a.min, a.max, a.n
end

--[[ mean_ci(xs) -> mean, lo, hi: the mean of a list and its 95 % t-interval (two-pass
  variance; lo = hi = mean for one value; NaNs for none). ]]
function M.mean_ci(xs)
  local n = #xs
  if n == 0 then return 0 / 0, 0 / 0, 0 / 0 end
  local s = 0
  for _, x in ipairs(xs) do s = s + x end
  local m = s / n
  if n == 1 then return m, m, m end
  local v = 0
  for _, x in ipairs(xs) do v = v + (x - m) ^ 2 end
  local se = math.sqrt(v / (n - 1) / n)
  local t = M.t975(n - 1)
  return m, m - t * se, m + t * se
end

--[[ wilson(k, n) -> lo, hi: Wilson's score interval at 95 % for k successes out of n
  (0, 1 when n = 0; exactly 0 at k = 0 and exactly 1 at k = n). ]]
function M.wilson(k, n)
  if n == 0 then return 0, 1 end
  local z, p = M.Z975, k / n
  local d = 1 + z * z / n
  local c = (p + z * z / (2 * n)) / d
  local h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
  -- At k = 0 (k = n) the bound is exactly 0 (1); rounding would leave ~1e-17 instead.
  return k == 0 and 0 or math.max(0, c - h), k == n and 1 or math.min(1, c + h)
end

-- A sorted copy of xs, in `into` (overwritten) when given.
local function sorted(xs, into)
  local c = into or {}
  for i, x in ipairs(xs) do c[i] = x end
  for i = #c, #xs + 1, -1 do c[i] = nil end
  table.sort(c)
  return c
end

--[[ median(xs [, scratch]) -> the median of a list (infinities allowed; the mean of the two
  middle values for an even count); nil for an empty list. scratch: a table to sort the
  copy in (overwritten), so that a caller computing medians often makes no garbage. ]]
function M.median(xs, scratch)
  local n = #xs
  if n == 0 then return nil end
  local c = sorted(xs, scratch)
  if n % 2 == 1 then return c[(n + 1) // 2] end
  local a, b = c[n // 2], c[n // 2 + 1]
  if a == b then return a end
  return (a + b) / 2
end

--[[ bootstrap_median(ds, seed, resamples) -> {median, lo, hi, p, n}: percentile bootstrap
  (resamples draws with gg.rng(seed)) of the median of ds, its 95 % interval, and the
  two-sided p-value of "median = 0" (the share of resampled medians on the far side of 0,
  doubled, with the +1 correction). {n = 0, p = 1} for an empty list. ]]
local function has_nan(xs)
  for _, x in ipairs(xs) do if x ~= x then return true end end
  return false
end

-- The bootstrap's resampling loop in Lua: the reference gg._resample's C loop is identical
-- to (tests/lua/test_stats.lua), and the path for a list with a NaN (whose medians
-- table.sort leaves unspecified).
function M.bootstrap_medians_lua(ds, seed, B)
  local n = #ds
  local r = gg.rng(seed or 1)
  local meds, below, above = {}, 0, 0
  local sample = {}
  for b = 1, B do
    for i = 1, n do sample[i] = ds[r:integer(n)] end
    local m = M.median(sample)
    meds[b] = m
    if m <= 0 then below = below + 1 end
    if m >= 0 then above = above + 1 end
  end
  table.sort(meds, function(x, y) return x < y or (x ~= x and y == y) end)
  return meds, below, above
end

function M.bootstrap_median(ds, seed, resamples)
  local n, B = #ds, resamples
  if n == 0 then return { n = 0, p = 1 } end
  local meds, below, above
  if gg._resample and not has_nan(ds) then
    meds, below, above = gg._resample.bootstrap_medians(ds, seed or 1, B)
  else
    meds, below, above = M.bootstrap_medians_lua(ds, seed, B)
  end
  local lo = meds[math.max(1, math.floor(0.025 * B + 0.5))]
  local hi = meds[math.min(B, math.floor(0.975 * B + 0.5))]
  local p = math.min(1, 2 * (math.min(below, above) + 1) / (B + 1))
  return { median = M.median(ds), lo = lo, hi = hi, p = p, n = n }
end

--[[ holm(ps) -> Holm's step-down adjusted p-values, in the order of ps. ]]
function M.holm(ps)
  local m = #ps
  local idx = {}
  for i = 1, m do idx[i] = i end
  table.sort(idx, function(a, b) return ps[a] < ps[b] or (ps[a] == ps[b] and a < b) end)
  local adj, running = {}, 0
  for rank, i in ipairs(idx) do
    running = math.max(running, math.min(1, (m - rank + 1) * ps[i]))
    adj[i] = running
  end
  return adj
end

-- Signed ranks of one column (nil entries: missing), normalised by the column's rank sum:
-- sign(d) x rank(|d|) with average ranks for ties, zeros dropped (Wilcoxon's), /(m(m+1)/2).
local function signed_ranks(col, n)
  local idx = {}
  for i = 1, n do
    local d = col[i]
    if d ~= nil and d == d and d ~= 0 then idx[#idx + 1] = i end
  end
  table.sort(idx, function(a, b)
    local x, y = math.abs(col[a]), math.abs(col[b])
    if x ~= y then return x < y end
    return a < b
  end)
  local sr, m = {}, #idx
  for i = 1, n do sr[i] = 0 end
  local norm = m * (m + 1) / 2
  local k = 1
  while k <= m do
    local j = k
    while j < m and math.abs(col[idx[j + 1]]) == math.abs(col[idx[k]]) do j = j + 1 end
    local rank = (k + j) / 2
    for t = k, j do
      local i = idx[t]
      sr[i] = (col[i] > 0 and rank or -rank) / norm
    end
    k = j + 1
  end
  return sr
end

--[[ signflip_maxt(cols, n, seed, flips) -> adjusted p-values, one per column: a sign-flip
  max-T test (Westfall and Young's single step) of k paired comparisons on the same n
  units. cols[j][i] is comparison j's paired difference on unit i (nil: missing). Each
  column's statistic is its Wilcoxon signed-rank sum, normalised by its rank sum (|T| <= 1,
  comparable between columns); under the null every unit's differences are symmetric
  about 0, so the SAME random sign flip of unit i applies to every column, keeping their
  correlation. p_j = the share of sign patterns whose max_j |T*_j| reaches |T_j|: exact
  over all 2^n patterns when n <= 12, else over `flips` random patterns from gg.rng(seed)
  (with the +1 correction). One column: the two-sided Wilcoxon signed-rank test; k
  identical columns: the same p as one; k independent ones: close to Sidak's
  1 - (1 - p)^k. Deterministic. ]]
function M.signflip_maxt(cols, n, seed, flips)
  local k = #cols
  local sr, obs = {}, {}
  for j = 1, k do
    sr[j] = signed_ranks(cols[j], n)
    local t = 0
    for i = 1, n do t = t + sr[j][i] end
    obs[j] = math.abs(t) - 1e-12
  end
  local exact, B = n <= 12, flips or 2000
  local rseed = (not exact) and (seed or 1) or nil
  local count = (gg._resample and gg._resample.signflip_counts or M.signflip_counts_lua)(sr, n, obs, rseed, B)
  local out = {}
  for j = 1, k do
    out[j] = exact and math.min(1, count[j] / 2 ^ n) or math.min(1, (count[j] + 1) / (B + 1))
  end
  return out
end

--[[ signflip_counts_lua(sr, n, obs, seed, flips) -> counts: signflip_maxt's tally in Lua,
  the reference gg._resample.signflip_counts (C) is identical to (tests/lua/test_stats.lua):
  for each sign pattern (seed nil: all 2^n in order; else `flips` from gg.rng(seed)),
  count[j] + 1 when max_j |sum_i eps_i sr[j][i]| >= obs[j]. ]]
function M.signflip_counts_lua(sr, n, obs, seed, flips)
  local k = #sr
  local count = {}
  for j = 1, k do count[j] = 0 end
  local eps = {}
  local function tally()
    local mx = 0
    for j = 1, k do
      local t, s = 0, sr[j]
      for i = 1, n do t = t + eps[i] * s[i] end
      t = math.abs(t)
      if t > mx then mx = t end
    end
    for j = 1, k do if mx >= obs[j] then count[j] = count[j] + 1 end end
  end
  if seed == nil then
    for pattern = 0, 2 ^ n - 1 do
      local b = pattern
      for i = 1, n do
        eps[i] = (b % 2 == 1) and -1 or 1
        b = b // 2
      end
      tally()
    end
    return count
  end
  local r = gg.rng(seed)
  for _ = 1, flips do
    for i = 1, n do eps[i] = r:integer(2) == 1 and -1 or 1 end
    tally()
  end
  return count
end

return M
