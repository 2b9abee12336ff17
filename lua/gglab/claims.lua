--[[ lua/gglab/claims.lua — claims an experiment makes about its own results, checked
  after the runs with interval estimates, and printed as verdicts.

  An experiment lists claims = { {text, check = function(R) ... end}, ... }. After the
  sweep, each check gets a results object R over the finished runs and returns
  holds (boolean), detail (a string of the numbers it used). R's helpers compute the usual
  statistics with 95 % intervals, so a check reads like the claim:

    { "SGD with lr >= 1 diverges in most runs", check = function(R)
        local f = R:fraction(function(r) return r.status == "diverged" end,
                             { optimizer = "sgd", lr = R.at_least(1) })
        return f.lo >= 0.5, f.text end }

  where = {name = value | predicate}: a run matches when each named parameter equals the
  value (numbers compared exactly, lists element by element: hidden = {64, 64}) or the
  predicate returns true for it. ]]
local stats = require "gglab.lib.stats"
local sweep = require "gglab.sweep"
local schema = require "gglab.lib.schema"
local finite = require("gglab.lib.util").is_finite

local M = {}

-- The runs.csv result columns a record carries; other metric names are looked up in the
-- run's curves.
-- The numeric result columns a claim may name (lib/schema.lua's, with run_seed and wall_s).
M.COLUMNS = { run_seed = true, wall_s = true }
for _, c in ipairs(schema.RESULT_NUMBERS) do M.COLUMNS[c] = true end

local R = {}
R.__index = R

-- ---- predicates for where ----

function M.at_least(x) return function(v) return type(v) == "number" and v >= x end end
function M.at_most(x) return function(v) return type(v) == "number" and v <= x end end
function M.one_of(list)
  local set, lists = {}, {}
  for _, v in ipairs(list) do
    if type(v) == "table" then lists[#lists + 1] = v else set[v] = true end
  end
  return function(v)
    if type(v) ~= "table" then return set[v] == true end
    for _, w in ipairs(lists) do
      if sweep.same_value(v, w) then return true end
    end
    return false
  end
end
R.at_least, R.at_most, R.one_of = M.at_least, M.at_most, M.one_of

local function matches(rec, where)
  for k, want in pairs(where or {}) do
    local v = rec.params[k]
    if type(want) == "function" then
      if not want(v) then return false end
    elseif not sweep.same_value(v, want) then
      return false
    end
  end
  return true
end

--[[ results(records [, curves]) -> R over the finished runs (each with params and result
  fields). curves(run_id) -> list of {step, epoch, metric, value} rows of one run, used by
  R:curve (the runner passes a reader of the store's per-run files). ]]
function M.results(records, curves)
  return setmetatable({ records = records, curves = curves, cache = {} }, R)
end

--[[ R:curve(r, metric) -> values, steps: the curve `metric` of run r (a record from
  R:select), values in logging order with their steps; empty lists when the run logged no
  such metric. Lets a claim look at what runs.csv does not summarise (the last lr, the
  largest gradient norm, the first epoch's loss). ]]
function R:curve(r, metric)
  if not self.curves then error("R:curve: no curves available for these results", 2) end
  local rows = self.cache[r.run_id]
  if not rows then
    rows = self.curves(r.run_id) or {}
    self.cache = { [r.run_id] = rows }   -- one run at a time: checks walk runs in order
  end
  local values, steps = {}, {}
  for _, row in ipairs(rows) do
    if row.metric == metric then
      values[#values + 1], steps[#steps + 1] = row.value, row.step
    end
  end
  return values, steps
end

-- R:select(where) -> list of matching records, in sweep order.
function R:select(where)
  local out = {}
  for _, r in ipairs(self.records) do
    if matches(r, where) then out[#out + 1] = r end
  end
  return out
end

--[[ R:fraction(pred, where) -> {value, lo, hi, k, n, text}: the share of matching runs for
  which pred(record) holds, with its Wilson 95 % interval. ]]
function R:fraction(pred, where)
  local runs, k = self:select(where), 0
  for _, r in ipairs(runs) do
    if pred(r) then k = k + 1 end
  end
  local n = #runs
  local lo, hi = stats.wilson(k, n)
  local v = n > 0 and k / n or 0
  return { value = v, lo = lo, hi = hi, k = k, n = n,
    text = string.format("%d/%d = %.0f%% [%.0f%%, %.0f%%]", k, n, 100 * v, 100 * lo, 100 * hi) }
end


--[[ R:value(r, metric) -> a result column of run r (final_loss, final_val_loss, ...), or
  else the last value of a curve the run logged under that name (nil when neither). ]]
function R:value(r, metric)
  if M.COLUMNS[metric] then return r[metric] end
  if r.summary and r.summary[metric] ~= nil then return r.summary[metric] end  -- run:summary
  if not self.curves then return r[metric] end
  local values = self:curve(r, metric)
  return values[#values]
end

--[[ R:mean(metric, where [, transform]) -> {value, lo, hi, n, text}: mean ± 95 % t-interval
  of a result column (final_loss, final_val_loss, min_loss, steps, ...), or of the last
  value of a logged curve (R:value), over the matching runs that have a finite value;
  transform (e.g. math.log) applies first. ]]
function R:mean(metric, where, transform)
  local xs = {}
  for _, r in ipairs(self:select(where)) do
    local v = self:value(r, metric)
    if finite(v) then xs[#xs + 1] = transform and transform(v) or v end
  end
  local m, lo, hi = stats.mean_ci(xs)
  return { value = m, lo = lo, hi = hi, n = #xs,
    text = string.format("%s mean %.4g [%.4g, %.4g] over %d runs", metric, m, lo, hi, #xs) }
end

--[[ R:spread(metric, where [, opts]) -> {median, min, max, n, text}: the median and range
  over the matching runs of a metric (a name, read by R:value, or a function(r) -> number),
  runs without a number or with NaN left out; opts.pred(r) keeps only the runs it accepts.
  The median of an even count is the mean of the two middle values. text is "median [min,
  max]" with opts.fmt ("%.3g") for each number, or "(no runs)". For the mechanism numbers
  of a claim's detail (how spread a per-run quantity is), not for a verdict. ]]
function R:spread(metric, where, opts)
  opts = opts or {}
  local v = {}
  for _, r in ipairs(self:select(where)) do
    if not opts.pred or opts.pred(r) then
      local x
      if type(metric) == "function" then x = metric(r) else x = self:value(r, metric) end
      if type(x) == "number" and x == x then v[#v + 1] = x end
    end
  end
  local n = #v
  if n == 0 then return { n = 0, text = "(no runs)" } end
  table.sort(v)
  local med = n % 2 == 1 and v[(n + 1) // 2] or (v[n // 2] + v[n // 2 + 1]) / 2
  local fmt = opts.fmt or "%.3g"
  return { median = med, min = v[1], max = v[n], n = n,
    text = string.format(fmt .. " [" .. fmt .. ", " .. fmt .. "]", med, v[1], v[n]) }
end

--[[ R:paired(metric, a, b, by [, transform]) -> {value, lo, hi, n, text}: the mean
  difference transform(a) - transform(b) of a metric between runs that match where a and
  where b and agree on every parameter in `by` (e.g. {"seed", "lr"}): a paired comparison,
  as the runner's seeds pair runs that differ only in the compared parameter. Pairs where
  either run has no finite value (a diverged run) are left out and counted in `dropped`. ]]
function R:paired(metric, a, b, by, transform)
  local key = function(r)
    local parts = {}
    for i, k in ipairs(by) do
      local v = r.params[k]
      parts[i] = type(v) == "table" and sweep.value_key(v) or tostring(v)
    end
    return table.concat(parts, "\0")
  end
  local bs = {}
  for _, r in ipairs(self:select(b)) do bs[key(r)] = r end
  local ds, dropped = {}, 0
  for _, r in ipairs(self:select(a)) do
    local o = bs[key(r)]
    local x, y = self:value(r, metric), o and self:value(o, metric)
    if o and finite(x) and finite(y) then
      if transform then x, y = transform(x), transform(y) end
      ds[#ds + 1] = x - y
    elseif o then
      dropped = dropped + 1
    end
  end
  local m, lo, hi = stats.mean_ci(ds)
  return { value = m, lo = lo, hi = hi, n = #ds, dropped = dropped,
    text = string.format("paired difference of %s %.4g [%.4g, %.4g] over %d pairs%s", metric, m, lo, hi, #ds,
      dropped > 0 and string.format(" (%d left out: no finite value, e.g. diverged)", dropped) or "") }
end

--[[ check(claims, records [, curves]) -> list of {text, holds = true|false|nil, detail}:
  runs every claim's check; an error inside a check is reported as its detail (holds =
  nil). curves as for results(). ]]
function M.check(claims, records, curves)
  local Rs = M.results(records, curves)
  local out = {}
  for i, c in ipairs(claims or {}) do
    local ok, holds, detail = pcall(c.check, Rs)
    if ok then
      out[i] = { text = c[1], holds = holds and true or false, detail = detail or "" }
    else
      out[i] = { text = c[1], holds = nil, detail = "the check failed: " .. tostring(holds) }
    end
    if c.folklore ~= nil then
      out[i].folklore = type(c.folklore) == "string" and { c.folklore } or c.folklore
    end
  end
  return out
end

-- Verdict lines for the terminal.
function M.format(verdicts)
  local lines = {}
  for _, v in ipairs(verdicts) do
    local word = v.holds == true and "HOLDS" or v.holds == false and "DOES NOT HOLD" or "UNDECIDED"
    lines[#lines + 1] = string.format("claim: %s — %s (%s)", v.text, word, v.detail)
  end
  return table.concat(lines, "\n") .. (#lines > 0 and "\n" or "")
end

return M
