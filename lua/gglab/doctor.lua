--[[ lua/gglab/doctor.lua — `gglab doctor`: why does this configuration's loss go up?
  Answered by intervention, not by rules: the configuration is trained over seeds as it
  is and with each single change of a panel (gglab.panel), on the same seeds, and the
  causes are ranked by the measured effect of their fixes.

  1. Probe: run the experiment's run function up to its gg.train call, to see what it
     trains (gglab.intervene.probe); fixes that do not apply are listed with the reason.
  2. Run "none" (unchanged) and every applicable fix over the seeds (the runner: worker
     processes, per-run files under <out>/runs/). Every run logs `doctor_outcome`: the
     run's own loss, as configured before any fix, on its validation data (training data
     without one) after training — one scale for all fixes.
  3. Symptoms of the unchanged runs: diverging (non-finite loss in >= 25 % of seeds),
     training loss rising (last epoch > 1.1 x its minimum in >= half), validation loss
     rising while the training loss falls (last > 1.5 x its minimum, >= half). A run that
     restored its best epoch (early stopping) is read up to that epoch.
  4. Effect of a fix: per seed, the difference in log outcome against the unchanged run
     of that seed (a diverged run counts as 100 x its loss before training); the median
     difference, a percentile
     bootstrap 95 % interval (2000 resamples, fixed seed) and a two-sided bootstrap p-value,
     Holm-adjusted across the panel. A fix "helps" when its adjusted p < 0.05 and its
     median difference is below -log(margin) (default margin 1.5x).
  5. Verdict: no symptom and no fix that helps -> "no problem found". Otherwise the best
     helping fix names the dominant cause: one that leaves no symptom, unless another
     helping fix beats it by the margin (paired, significant); the next fix of another cause
     is named too when the two are indistinguishable (their paired difference is not
     significant and its upper bound is within the margin: equivalent, not just unproven). A problem with no helping fix has "no single dominant cause". When the
     best fix leaves a symptom, or a fix of another cause helps on its own too, every other
     applicable fix is combined with it (second step); the best combination that leaves no
     symptom and helps against the best fix alone by the margin names two interacting
     causes.
  Output: the printed diagnosis and <out>/doctor.csv. ]]
local gg = require "gglab"
local intervene = require "gglab.intervene"
local panel_mod = require "gglab.panel"
local runner = require "gglab.runner"
local store = require "gglab.store"
local args = require "gglab.lib.args"
local util = require "gglab.lib.util"

local M = {}

M.BOOTSTRAP = 2000
M.ALPHA = 0.05
M.DIVERGED_FACTOR = 100
-- A curve "rises" when its last value is above RISE x its minimum. The validation loss
-- needs the margin a fix must beat (1.5x): on a small validation set a healthy run's loss
-- drifts by more than 10 % (one row of 45 changes it), which is no problem any fix solves.
M.RISE = 1.1
M.VAL_RISE = 1.5

-- ---- statistics ----

local function sorted(xs)
  local c = {}
  for i, x in ipairs(xs) do c[i] = x end
  table.sort(c)
  return c
end

-- Median of a list (infinities allowed); nil for an empty list.
function M.median(xs)
  local n = #xs
  if n == 0 then return nil end
  local c = sorted(xs)
  if n % 2 == 1 then return c[(n + 1) // 2] end
  local a, b = c[n // 2], c[n // 2 + 1]
  if a == b then return a end
  return (a + b) / 2
end

--[[ bootstrap(ds, seed) -> {median, lo, hi, p, n}: percentile bootstrap of the median of
  the paired differences ds, and the two-sided p-value of "median = 0" (the share of
  resampled medians on the far side of 0, doubled, with the +1 correction). ]]
function M.bootstrap(ds, seed)
  local n = #ds
  if n == 0 then return { n = 0, p = 1 } end
  local r = gg.rng(seed or 1)
  local meds, below, above = {}, 0, 0
  local sample = {}
  for b = 1, M.BOOTSTRAP do
    for i = 1, n do sample[i] = ds[r:integer(n)] end
    local m = M.median(sample)
    meds[b] = m
    if m <= 0 then below = below + 1 end
    if m >= 0 then above = above + 1 end
  end
  table.sort(meds, function(x, y) return x < y or (x ~= x and y == y) end)
  local lo = meds[math.max(1, math.floor(0.025 * M.BOOTSTRAP + 0.5))]
  local hi = meds[math.min(M.BOOTSTRAP, math.floor(0.975 * M.BOOTSTRAP + 0.5))]
  local p = math.min(1, 2 * (math.min(below, above) + 1) / (M.BOOTSTRAP + 1))
  return { median = M.median(ds), lo = lo, hi = hi, p = p, n = n }
end

-- Holm's step-down adjustment of a list of p-values (same order back).
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

-- ---- runs ----

-- One seed's result: y = log outcome (+inf when diverged), curves for the symptoms.
local function collect(st, records)
  local out = {}
  for _, r in ipairs(records) do
    local rows = st:read_curve(r.run_id)
    local c = {}
    for _, row in ipairs(rows) do
      local list = c[row.metric] or {}
      list[#list + 1] = row.value
      c[row.metric] = list
    end
    -- A diverged run counts as DIVERGED_FACTOR x its loss before training (+inf when that
    -- is unknown), so fixes that all avoid divergence still differ by their outcomes.
    local init = c.doctor_init and c.doctor_init[1]
    local bad = (init and util.is_finite(init)) and math.log(math.max(init, 1e-12) * M.DIVERGED_FACTOR) or math.huge
    local y
    if r.status == "diverged" then
      y = bad
    elseif r.status == "ok" then
      local o = c.doctor_outcome and c.doctor_outcome[#c.doctor_outcome] or r.final_val_loss or r.final_loss
      if o == nil then y = nil
      elseif not util.is_finite(o) then y = bad
      else y = math.log(math.max(o, 1e-12)) end
    end
    out[#out + 1] = { fix = r.params.fix, seed = r.params.seed, status = r.status, y = y, curves = c,
      outcome = c.doctor_outcome and c.doctor_outcome[#c.doctor_outcome], error = r.error }
  end
  return out
end

local function rises(list, factor)
  if not list or #list < 2 then return false end
  local min = math.huge
  for _, v in ipairs(list) do if v == v then min = math.min(min, v) end end
  local last = list[#list]
  return last == last and last > factor * min
end

-- The first n entries of list (all of it when n is nil).
local function upto(list, n)
  if not list or not n or n >= #list then return list end
  return table.move(list, 1, n, 1, {})
end

--[[ symptoms(results) -> {diverged = k, rising = k, val_rising = k, n = n, list = {...}}:
  the problem signs of a set of runs (one per seed). ]]
function M.symptoms(results)
  local s = { diverged = 0, rising = 0, val_rising = 0, n = #results }
  for _, r in ipairs(results) do
    if r.status == "diverged" then
      s.diverged = s.diverged + 1
    elseif r.status == "ok" then
      -- A run that restored its best epoch (early stopping) ends with that epoch's model.
      local best = r.curves.doctor_best_epoch and r.curves.doctor_best_epoch[#r.curves.doctor_best_epoch]
      local train = r.curves.epoch_loss and upto(r.curves.epoch_loss, best) or r.curves.loss
      if rises(train, M.RISE) then s.rising = s.rising + 1 end
      local val = upto(r.curves.val_loss, best)
      if val and rises(val, M.VAL_RISE) and train and #train >= 2 and train[#train] < train[1] then
        s.val_rising = s.val_rising + 1
      end
    end
  end
  s.list = {}
  if s.n > 0 and s.diverged >= 0.25 * s.n then
    s.list[#s.list + 1] = string.format("diverges in %d/%d seeds", s.diverged, s.n)
  end
  if s.n > 0 and s.rising >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("training loss rising at the end in %d/%d seeds", s.rising, s.n)
  end
  if s.n > 0 and s.val_rising >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("validation loss rising while the training loss falls in %d/%d seeds",
      s.val_rising, s.n)
  end
  return s
end

-- Paired differences y_a - y_b by seed (both +inf: 0; a failed run drops the pair).
local function paired(a, b)
  local by = {}
  for _, r in ipairs(b) do by[r.seed] = r end
  local ds = {}
  for _, r in ipairs(a) do
    local o = by[r.seed]
    if o and r.y and o.y then
      if r.y == math.huge and o.y == math.huge then ds[#ds + 1] = 0 else ds[#ds + 1] = r.y - o.y end
    end
  end
  return ds
end

local function fmt(x)
  if x == nil then return "-" end
  if x == math.huge then return "inf" elseif x == -math.huge then return "-inf" end
  return string.format("%.3g", x)
end

-- ---- evidence: what the unchanged runs' diagnostics say ----

local function finite_values(list)
  local out = {}
  for _, v in ipairs(list or {}) do if util.is_finite(v) then out[#out + 1] = v end end
  return out
end

local function max_of(list)
  local m
  for _, v in ipairs(finite_values(list)) do if not m or v > m then m = v end end
  return m
end

local function last_of(list)
  local f = finite_values(list)
  return f[#f]
end

--[[ evidence(results [, seen]) -> list of {cause, text}: the diagnostics signals of the
  unchanged runs (medians over seeds) that point to a cause, with the published rule of
  thumb they are read against. Evidence, not the verdict: the verdict comes from the fixes.
  seen (the probe's observations): inputs that are token ids have no input-range signal. ]]
function M.evidence(results, seen)
  local function med(f)
    local xs = {}
    for _, r in ipairs(results) do
      local v = f(r.curves)
      if v ~= nil and v == v then xs[#xs + 1] = v end
    end
    return M.median(xs), #xs
  end
  local out = {}
  local function add(cause, text) out[#out + 1] = { cause = cause, text = text } end
  local ur = med(function(c) return max_of(c.update_ratio) end)
  if ur and ur > 1e-1 then
    add("lr_too_high", string.format("update/weight ratio up to %s per step, far above the usual 1e-3", fmt(ur)))
  end
  local sh = med(function(c)
    local s, l = c.sharpness, c.sharpness_limit
    if not s or not l then return nil end
    local m
    for i = 1, math.min(#s, #l) do
      if util.is_finite(s[i]) and util.is_finite(l[i]) and l[i] > 0 then m = math.max(m or 0, s[i] / l[i]) end
    end
    return m
  end)
  if sh and sh > 1.5 then
    add("lr_too_high", string.format("sharpness %s x the stability limit (2/lr for SGD)", fmt(sh)))
  end
  local sat = med(function(c) return last_of(c.saturated_frac) end)
  if sat and sat > 0.5 then
    add("saturation", string.format("%s%% of sigmoid/tanh units saturated (beyond +-5; DeepDiagnosis flags > 50%%)",
      fmt(100 * sat)))
  end
  local dead = med(function(c) return last_of(c.dead_relu_frac) end)
  if dead and dead > 0.5 then
    add("dead_relu", string.format("%s%% of ReLU units dead on a whole batch", fmt(100 * dead)))
  end
  local zg = med(function(c) return last_of(c.zero_grad_frac) end)
  if zg and zg >= 0.7 then
    add("dead_relu", string.format("%s%% of gradient entries exactly 0 (AUTOTRAINER flags >= 70%%)", fmt(100 * zg)))
  end
  local growth = med(function(c)
    local g = finite_values(c.grad_norm)
    if #g < 2 or g[1] <= 0 then return nil end
    return max_of(g) / g[1]
  end)
  if growth and growth > 100 then
    add("exploding_gradients", string.format("gradient norm grows to %s x its first value", fmt(growth)))
  end
  local ratio = med(function(c) return last_of(c.grad_ratio) end)
  if ratio and ratio > 70 then
    add("exploding_gradients", string.format("first/last layer gradient ratio %s (AUTOTRAINER: > 70)", fmt(ratio)))
  elseif ratio and ratio < 1e-3 then
    add("saturation", string.format("first/last layer gradient ratio %s (AUTOTRAINER vanishing: < 1e-3)", fmt(ratio)))
  end
  local span = med(function(c)
    local lo, hi = c.input_min and c.input_min[1], c.input_max and c.input_max[1]
    if not lo or not hi then return nil end
    return math.max(math.abs(lo), math.abs(hi))
  end)
  if span and span > 10 and not (seen and panel_mod.token_ids(seen)) then
    add("unscaled_features", string.format("input values up to %s (UMLAUT and DeepDiagnosis expect [-1, 1])", fmt(span)))
  end
  local wv = med(function(c)
    local m
    for k, list in pairs(c) do
      if k:match("^weight_var_l%d+$") then
        local v = list[1]
        if v and util.is_finite(v) then m = math.max(m or 0, v) end
      end
    end
    return m
  end)
  if wv and wv > 10 then
    add("bad_init", string.format("initial weight variance up to %s (DeepDiagnosis: outside [1e-5, 10])", fmt(wv)))
  elseif wv and wv < 1e-5 then
    add("bad_init", string.format("initial weight variance %s (DeepDiagnosis: outside [1e-5, 10])", fmt(wv)))
  end
  local spikes = med(function(c)
    local f = finite_values(c.loss_spike)
    if #f == 0 then return nil end
    local k = 0
    for _, v in ipairs(f) do k = k + v end
    return k / #f
  end)
  if spikes and spikes > 0.1 then
    add("lr_too_high", string.format("loss spikes in %s%% of the recorded steps", fmt(100 * spikes)))
  end
  return out
end

-- ---- the procedure ----

local function group(results)
  local g = {}
  for _, r in ipairs(results) do
    g[r.fix] = g[r.fix] or {}
    table.insert(g[r.fix], r)
  end
  return g
end

-- Runs fixes x seeds on the point through the runner; returns the per-fix results.
local function run_panel(exp, point, fixes, opts, out)
  local names = { "none" }
  local by_name = {}
  for _, f in ipairs(fixes) do
    names[#names + 1] = f.name
    by_name[f.name] = f
  end
  local base = util.copy(point)
  local dexp = gg.experiment {
    name = exp.name, seed = exp.seed,
    sweep = gg.grid { fix = names, seed = opts.seeds },
    run = function(p, run)
      local pt = util.copy(base)
      pt.seed = p.seed
      local ctx = { seen = {}, log = function(metric, v) run:log(metric, v, 0) end,
        diagnostics = p.fix == "none" and opts.diagnostics ~= false }
      return intervene.run(by_name[p.fix] and by_name[p.fix].hooks, ctx, function() return exp.run(pt, run) end)
    end,
  }
  local sink = { write = function() end }
  local res, msg = runner.run(dexp, { out = out, jobs = opts.jobs, quiet = true, stdout = sink,
    stderr = opts.stderr or io.stderr, timeout = opts.timeout })
  if not res then error(msg, 0) end
  local st = assert(store.open(out, { fresh = false }))
  return group(collect(st, res.records)), #res.records, res.wall_s or 0
end

local function effects(groups, fixes, baseline, seed)
  local rows, ps = {}, {}
  for i, f in ipairs(fixes) do
    local mine = groups[f.name] or {}
    local ds = paired(mine, baseline)
    local b = M.bootstrap(ds, seed + i)
    local div = 0
    for _, r in ipairs(mine) do if r.status == "diverged" then div = div + 1 end end
    local outs = {}
    for _, r in ipairs(mine) do if r.outcome then outs[#outs + 1] = r.outcome end end
    rows[i] = { fix = f, effect = b, diverged = div, n = #mine, outcome = M.median(outs),
      symptoms = M.symptoms(mine) }
    ps[i] = b.p
  end
  local adj = M.holm(ps)
  for i, row in ipairs(rows) do row.p_adj = adj[i] end
  return rows
end

local function helps(row, margin)
  local e = row.effect
  return e.n > 0 and row.p_adj < M.ALPHA and e.median ~= nil and e.median < -math.log(margin)
end

--[[ diagnose(exp, point, opts) -> report table (also printed by M.print):
  opts: seeds (list of seed values), jobs, out (directory), margin (1.5), panel (list of
  fixes; default gglab.panel.default()), second_step (true), stderr. ]]
function M.diagnose(exp, point, opts)
  local t0 = gg.clock()
  local margin = opts.margin or 1.5
  local seen = intervene.probe(exp, point)
  local all = opts.panel or panel_mod.default()
  local fixes, skipped = {}, {}
  for i, f in ipairs(all) do
    panel_mod.check(f, i)
    local ok, why = true, nil
    if f.applies then ok, why = f.applies(seen) end
    if ok then fixes[#fixes + 1] = f else skipped[#skipped + 1] = { fix = f, why = why } end
  end
  local groups, runs, _ = run_panel(exp, point, fixes, opts, opts.out .. "/panel")
  local baseline = groups.none or {}
  local base_symptoms = M.symptoms(baseline)
  local evidence = M.evidence(baseline, seen)
  local seed = 12345
  local rows = effects(groups, fixes, baseline, seed)
  table.sort(rows, function(a, b)
    local x, y = a.effect.median or math.huge, b.effect.median or math.huge
    if x ~= y then return x < y end
    return a.fix.name < b.fix.name
  end)
  local report = { point = point, seeds = opts.seeds, symptoms = base_symptoms, rows = rows, skipped = skipped,
    margin = margin, seen = seen, evidence = evidence }
  local base_outs = {}
  for _, r in ipairs(baseline) do if r.outcome then base_outs[#base_outs + 1] = r.outcome end end
  report.baseline_outcome = M.median(base_outs)
  local helping = {}
  for _, row in ipairs(rows) do if helps(row, margin) then helping[#helping + 1] = row end end
  -- A fix that leaves no symptom beats one that only improves the outcome.
  table.sort(helping, function(a, b)
    local ra, rb = #a.symptoms.list == 0, #b.symptoms.list == 0
    if ra ~= rb then return ra end
    if a.effect.median ~= b.effect.median then return a.effect.median < b.effect.median end
    return a.fix.name < b.fix.name
  end)
  -- ... unless another helping fix is better still, by the margin and significantly (paired):
  -- then the clean fix only hides the problem less well (e.g. clipping a bad initialisation),
  -- and the better fix, with the second step, names the causes.
  if #helping > 1 and #helping[1].symptoms.list == 0 then
    local strongest = helping[1]
    for _, row in ipairs(helping) do
      if row.effect.median < strongest.effect.median then strongest = row end
    end
    if strongest ~= helping[1] then
      local d = M.bootstrap(paired(groups[strongest.fix.name], groups[helping[1].fix.name]), seed + 777)
      if d.p < M.ALPHA and d.median ~= nil and d.median < -math.log(margin) then
        for i, row in ipairs(helping) do
          if row == strongest then table.remove(helping, i) break end
        end
        table.insert(helping, 1, strongest)
      end
    end
  end
  if #base_symptoms.list == 0 and #helping == 0 then
    report.verdict = "no problem found"
  elseif #helping == 0 then
    report.verdict = "no single dominant cause"
  else
    local best = helping[1]
    report.causes = { best.fix.cause }
    report.best = best
    for _, row in ipairs(helping) do
      if row.fix.cause ~= best.fix.cause and (#row.symptoms.list == 0) == (#best.symptoms.list == 0) then
        local d = M.bootstrap(paired(groups[row.fix.name], groups[best.fix.name]), seed + 999)
        if d.lo ~= nil and d.lo <= 0 and d.p >= M.ALPHA and d.hi < math.log(margin) then
          report.causes[2] = row.fix.cause
          report.tied = row
        end
        break
      end
    end
    -- Second step: the best fix leaves a symptom -> is a second change needed too?
    -- ... or a fix of another cause helps on its own too: is that cause still there once the
    -- best fix is in (then the combination must beat the best fix alone by the margin)?
    local residual = #best.symptoms.list > 0
    local other = false
    for _, row in ipairs(helping) do
      if row.fix.cause ~= best.fix.cause then other = true end
    end
    if opts.second_step ~= false and (residual or other) and #fixes > 1 then
      local combos = {}
      for _, f in ipairs(fixes) do
        if f.cause ~= best.fix.cause then combos[#combos + 1] = panel_mod.combine(best.fix, f) end
      end
      local g2, runs2 = run_panel(exp, point, combos, opts, opts.out .. "/second")
      runs = runs + runs2
      local rows2 = effects(g2, combos, groups[best.fix.name], seed + 5000)
      table.sort(rows2, function(a, b)
        local x, y = a.effect.median or math.huge, b.effect.median or math.huge
        if x ~= y then return x < y end
        return a.fix.name < b.fix.name
      end)
      report.second = rows2
      -- the best combination that helps and leaves no symptom (rows2 is sorted by effect)
      local top
      for _, row in ipairs(rows2) do
        if helps(row, margin) and #row.symptoms.list == 0 then top = row break end
      end
      if top then
        for _, f in ipairs(fixes) do
          if best.fix.name .. "+" .. f.name == top.fix.name then
            report.causes = { best.fix.cause, f.cause }
            report.interacting = top
            report.tied = nil   -- the verdict names the interacting pair, not the tie
          end
        end
      end
    end
    local names = {}
    for i, c in ipairs(report.causes) do names[i] = panel_mod.CAUSES[c] or c end
    report.verdict = (report.interacting and "two interacting causes: " or #names == 2
      and "two causes, indistinguishable: " or "dominant cause: ") .. table.concat(names, " + ")
  end
  report.runs, report.wall_s = runs, gg.clock() - t0
  return report
end

-- ---- configurations ----

--[[ configurations(exp) -> list of points: the sweep's distinct configurations (points
  that differ in something other than `seed`), each the first such point. ]]
function M.configurations(exp)
  local sweep = require "gglab.sweep"
  local seen, list = {}, {}
  for _, p in ipairs(exp.sweep:points()) do
    local c = util.copy(p)
    c.seed = nil
    local key = sweep.canonical(c)
    if not seen[key] then
      seen[key] = true
      list[#list + 1] = p
    end
  end
  return list
end

-- The parameter names whose values differ between configurations.
function M.varying(configs)
  local values, names = {}, {}
  for _, p in ipairs(configs) do
    for k, v in pairs(p) do
      if k ~= "seed" then
        values[k] = values[k] or {}
        values[k][tostring(v)] = true
      end
    end
  end
  for _, k in ipairs(util.sorted_keys(values)) do
    local n = 0
    for _ in pairs(values[k]) do n = n + 1 end
    if n > 1 then names[#names + 1] = k end
  end
  return names
end

-- ---- output ----

-- One line: the configuration and the verdict (gglab doctor -q).
function M.summary(report)
  local parts = {}
  for _, k in ipairs(util.sorted_keys(report.point)) do
    if k ~= "seed" then parts[#parts + 1] = k .. "=" .. tostring(report.point[k]) end
  end
  return string.format("%s: %s (%d runs, %.1f s)\n", #parts > 0 and table.concat(parts, ", ") or "configuration",
    report.verdict, report.runs, report.wall_s)
end

local function effect_text(row)
  local e = row.effect
  return string.format("%s [%s, %s]", fmt(e.median), fmt(e.lo), fmt(e.hi))
end

--[[ text(report) -> the terminal diagnosis. ]]
function M.text(report)
  local L = {}
  local n = #report.seeds
  local parts = {}
  for _, k in ipairs(util.sorted_keys(report.point)) do
    local v = report.point[k]
    if k ~= "seed" then
      parts[#parts + 1] = k .. "=" .. (type(v) == "boolean" and tostring(v) or (type(v) == "string" and v or args.describe(v)))
    end
  end
  L[#L + 1] = "configuration: " .. (#parts > 0 and table.concat(parts, ", ") or "(the only one)")
  L[#L + 1] = string.format("unchanged over %d seeds: outcome (median) %s; %s", n,
    report.baseline_outcome and fmt(report.baseline_outcome) or "none (diverged)",
    #report.symptoms.list > 0 and table.concat(report.symptoms.list, "; ") or "no divergence, no rising loss")
  L[#L + 1] = "verdict: " .. report.verdict
  local b = report.best
  if b then
    L[#L + 1] = string.format("  %s: converges in %d/%d seeds, outcome %s, median change in log outcome %s",
      b.fix.text, b.n - b.diverged, b.n, fmt(b.outcome), effect_text(b))
    if report.tied then
      L[#L + 1] = string.format("  %s: as good (median change %s)", report.tied.fix.text, effect_text(report.tied))
    end
    if report.interacting then
      L[#L + 1] = string.format("  then %s: median change against the first fix alone %s, no symptom left",
        report.interacting.fix.text, effect_text(report.interacting))
    end
  end
  if report.evidence and #report.evidence > 0 then
    local named = {}
    for _, c in ipairs(report.causes or {}) do named[c] = true end
    local agree, other = {}, {}
    for _, e in ipairs(report.evidence) do
      if named[e.cause] then agree[#agree + 1] = e.text else other[#other + 1] = e.text .. " (" .. e.cause .. ")" end
    end
    if #agree > 0 then L[#L + 1] = "  diagnostics that agree: " .. table.concat(agree, "; ") end
    if #other > 0 then L[#L + 1] = "  other diagnostics: " .. table.concat(other, "; ") end
  elseif report.evidence then
    L[#L + 1] = "  diagnostics: no signal beyond the published thresholds"
  end
  L[#L + 1] = string.format("panel (median change in log outcome vs unchanged, bootstrap 95%% interval, "
    .. "Holm-adjusted p; helps = p < 0.05 and at least %.3gx better):", report.margin)
  for _, row in ipairs(report.rows) do
    L[#L + 1] = string.format("  %-14s %-26s %-28s p %-7s diverged %2d/%-2d %s%s", row.fix.name, row.fix.cause,
      effect_text(row), fmt(row.p_adj), row.diverged, row.n, helps(row, report.margin) and "helps" or "",
      #row.symptoms.list > 0 and (helps(row, report.margin) and ", but " or "") .. table.concat(row.symptoms.list, "; ")
        or "")
  end
  for _, s in ipairs(report.skipped) do
    L[#L + 1] = string.format("  %-14s not applicable: %s", s.fix.name, s.why or "")
  end
  L[#L + 1] = string.format("%d training runs, %.1f s", report.runs, report.wall_s)
  return table.concat(L, "\n") .. "\n"
end

--[[ write_text(report, path): the printed diagnosis, for gglab report's Doctor section. ]]
function M.write_text(report, path)
  local f, err = io.open(path, "w")
  if not f then error(string.format("cannot write '%s': %s", path, tostring(err)), 0) end
  f:write(M.text(report))
  f:close()
end

--[[ write_csv(report, path): doctor.csv, one row per fix (and per second-step combination). ]]
function M.write_csv(report, path)
  local rows = { { "step", "fix", "cause", "outcome", "effect", "lo", "hi", "p_adj", "seeds", "diverged",
    "helps" } }
  local function add(step, row)
    local e = row.effect
    rows[#rows + 1] = { step, row.fix.name, row.fix.cause, row.outcome or gg.NULL, e.median or gg.NULL,
      e.lo or gg.NULL, e.hi or gg.NULL, row.p_adj, row.n, row.diverged, tostring(helps(row, report.margin)) }
  end
  for _, row in ipairs(report.rows) do add(1, row) end
  for _, row in ipairs(report.second or {}) do add(2, row) end
  for _, s in ipairs(report.skipped) do
    rows[#rows + 1] = { 1, s.fix.name, s.fix.cause, gg.NULL, gg.NULL, gg.NULL, gg.NULL, gg.NULL, 0, 0,
      "not applicable: " .. (s.why or "") }
  end
  local w, err = gg.csv.writer(path)
  if not w then error(string.format("cannot write '%s': %s", path, tostring(err)), 0) end
  for _, r in ipairs(rows) do w:row(r, 11) end
  local ok, cerr = w:close()
  if not ok then error(string.format("cannot write '%s': %s", path, tostring(cerr)), 0) end
end

return M
