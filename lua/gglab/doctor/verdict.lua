--[[ lua/gglab/doctor/verdict.lua — from the runs of the panel to the verdict (docs/doctor.md,
  "Method" 4-5): the effect of each fix (paired by seed against the unchanged runs), which
  fixes help, their ranking, and the second step that combines the best fix with each other
  one. Statistics come from gglab.lib.stats; the parameters below are the doctor's.

  Effect of a fix: per seed, the difference in log outcome against the unchanged run of that
  seed; the median difference, a percentile bootstrap 95 % interval (M.BOOTSTRAP resamples,
  fixed seeds) and a two-sided bootstrap p-value, Holm-adjusted across the panel. A fix
  "helps" when its adjusted p < M.ALPHA and its median difference is below -log(margin). ]]
local stats = require "gglab.lib.stats"
local causes = require "gglab.lib.causes"
local evidence = require "gglab.doctor.evidence"
local panel = require "gglab.doctor.panel"

local M = {}

M.BOOTSTRAP = 2000
M.ALPHA = 0.05
M.SEED = 12345   -- the bootstrap's seeds derive from it (one per fix and comparison)

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

-- The bootstrap of the paired differences of two sets of runs.
local function compare(a, b, seed) return stats.bootstrap_median(paired(a, b), seed, M.BOOTSTRAP) end

--[[ effects(groups, fixes, baseline, seed) -> rows, one per fix in order: {fix, effect =
  {median, lo, hi, p, n}, p_adj, diverged, n, outcome (median), symptoms}. groups: the
  runs per fix name; baseline: the runs each fix is paired with. ]]
function M.effects(groups, fixes, baseline, seed)
  local rows, ps = {}, {}
  for i, f in ipairs(fixes) do
    local mine = groups[f.name] or {}
    local b = compare(mine, baseline, seed + i)
    local div = 0
    for _, r in ipairs(mine) do if r.status == "diverged" then div = div + 1 end end
    local outs = {}
    for _, r in ipairs(mine) do if r.outcome then outs[#outs + 1] = r.outcome end end
    rows[i] = { fix = f, effect = b, diverged = div, n = #mine, outcome = stats.median(outs),
      symptoms = evidence.symptoms(mine) }
    ps[i] = b.p
  end
  local adj = stats.holm(ps)
  for i, row in ipairs(rows) do row.p_adj = adj[i] end
  return rows
end

--[[ helps(row, margin) -> whether the row's fix helps (see the header). ]]
function M.helps(row, margin)
  local e = row.effect
  return e.n > 0 and row.p_adj < M.ALPHA and e.median ~= nil and e.median < -math.log(margin)
end

-- Sorts rows by their median effect (best first), then by name.
local function by_effect(rows)
  table.sort(rows, function(a, b)
    local x, y = a.effect.median or math.huge, b.effect.median or math.huge
    if x ~= y then return x < y end
    return a.fix.name < b.fix.name
  end)
  return rows
end

-- The helping rows, the one that names the dominant cause first.
local function ranking(rows, groups, margin, seed)
  local helping = {}
  for _, row in ipairs(rows) do if M.helps(row, margin) then helping[#helping + 1] = row end end
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
      local d = compare(groups[strongest.fix.name], groups[helping[1].fix.name], seed + 777)
      if d.p < M.ALPHA and d.median ~= nil and d.median < -math.log(margin) then
        for i, row in ipairs(helping) do
          if row == strongest then table.remove(helping, i) break end
        end
        table.insert(helping, 1, strongest)
      end
    end
  end
  return helping
end

--[[ judge(report, groups, fixes, second) fills report (which has margin and symptoms, those
  of the unchanged runs) with rows (per fix, by effect), verdict, causes (cause ids), best,
  tied (an indistinguishable fix of another cause), interacting and second (the second
  step's rows). groups: the runs per fix name ("none": unchanged). second(combos) -> the
  runs per combination name, or nil: no second step. ]]
function M.judge(report, groups, fixes, second)
  local margin, seed = report.margin, M.SEED
  local baseline = groups.none or {}
  local rows = by_effect(M.effects(groups, fixes, baseline, seed))
  report.rows = rows
  local helping = ranking(rows, groups, margin, seed)
  if #report.symptoms.list == 0 and #helping == 0 then
    report.verdict = "no problem found"
    return report
  elseif #helping == 0 then
    report.verdict = "no single dominant cause"
    return report
  end
  local best = helping[1]
  report.causes = { best.fix.cause }
  report.best = best
  for _, row in ipairs(helping) do
    if row.fix.cause ~= best.fix.cause and (#row.symptoms.list == 0) == (#best.symptoms.list == 0) then
      local d = compare(groups[row.fix.name], groups[best.fix.name], seed + 999)
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
  if second and (residual or other) and #fixes > 1 then
    local combos = {}
    for _, f in ipairs(fixes) do
      if f.cause ~= best.fix.cause then combos[#combos + 1] = panel.combine(best.fix, f) end
    end
    local g2 = second(combos)
    local rows2 = by_effect(M.effects(g2, combos, groups[best.fix.name], seed + 5000))
    report.second = rows2
    -- the best combination that helps and leaves no symptom (rows2 is sorted by effect)
    local top
    for _, row in ipairs(rows2) do
      if M.helps(row, margin) and #row.symptoms.list == 0 then top = row break end
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
  for i, c in ipairs(report.causes) do names[i] = causes.text(c) end
  report.verdict = (report.interacting and "two interacting causes: " or #names == 2
    and "two causes, indistinguishable: " or "dominant cause: ") .. table.concat(names, " + ")
  return report
end

return M
