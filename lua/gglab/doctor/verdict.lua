--[[ lua/gglab/doctor/verdict.lua — from the runs of the panel to the verdict (docs/doctor.md,
  "Method"): the effect of each fix (paired by seed against the unchanged runs), which fixes
  help, the symptom gate, the fixes' preconditions, their ranking, and the second step that
  combines fixes when one alone does not clear the symptom. Statistics come from
  gglab.lib.stats; the parameters below are the doctor's.

  Effect of a fix: per seed, the difference in log outcome against the unchanged run of that
  seed; the median difference, a percentile bootstrap 95 % interval (M.BOOTSTRAP resamples,
  fixed seeds) and a two-sided bootstrap p-value. Adjusted for the panel by cause: the fixes
  of one cause (a ladder: lr/10 ... lr/1e4) are adjusted among themselves by the factor a
  sign-flip max-T test over the rungs measures (M.ladder_p), their best is the cause's
  p-value, and Holm runs across the causes (M.adjust). A fix "helps"
  when its adjusted p < alpha (report.alpha, default M.ALPHA) and its median difference is
  below -log(margin). ]]
local stats = require "gglab.lib.stats"
local causes = require "gglab.lib.causes"
local evidence = require "gglab.doctor.evidence"
local panel = require "gglab.doctor.panel"

local M = {}

M.BOOTSTRAP = 2000
M.ALPHA = 0.05
M.SEED = 12345   -- the bootstrap's seeds derive from it (one per fix and comparison)
-- The second step combines at most MAX_PAIRS pairs of fixes; a fix is a partial fix when
-- it beats the margin in at least PARTIAL of the seeds (paired).
M.MAX_PAIRS = 6
M.PARTIAL = 0.1

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

-- The paired differences y_a - y_b by seed, as a map seed -> difference (as paired).
local function paired_by_seed(a, b)
  local by, out = {}, {}
  for _, r in ipairs(b) do by[r.seed] = r end
  for _, r in ipairs(a) do
    local o = by[r.seed]
    if o and r.y and o.y then
      out[r.seed] = (r.y == math.huge and o.y == math.huge) and 0 or r.y - o.y
    end
  end
  return out
end

-- The bootstrap of the paired differences of two sets of runs.
local function compare(a, b, seed) return stats.bootstrap_median(paired(a, b), seed, M.BOOTSTRAP) end

-- The share of paired seeds in which a beats b by more than the margin.
local function improved(a, b, margin)
  local ds, k = paired(a, b), 0
  for _, d in ipairs(ds) do if d < -math.log(margin) then k = k + 1 end end
  return #ds > 0 and k / #ds or 0
end

--[[ adjust(ps, keys [, within]) -> adjusted p-values, in the input order: ps[i] belongs to
  the group keys[i] (the fix's cause). Within a group of k fixes, p' = within[i] when given
  (the doctor passes the max-T calibrated p of the ladder, M.ladder_p), else min(1, k p)
  (Bonferroni); a group's p-value is its smallest p'; Holm runs over the groups; a fix's
  adjusted p is the larger of its group's Holm value and its own p'. With one fix per
  group this is Holm. It controls the family-wise error over all fixes: a ladder of k fixes
  of one cause spends one share of Holm's budget, not k. ]]
function M.adjust(ps, keys, within)
  local size, order, gp = {}, {}, {}
  for i, k in ipairs(keys) do
    if not size[k] then size[k] = 0; order[#order + 1] = k end
    size[k] = size[k] + 1
  end
  local own = {}
  for i, p in ipairs(ps) do
    own[i] = within and within[i] or math.min(1, size[keys[i]] * p)
    gp[keys[i]] = math.min(gp[keys[i]] or 1, own[i])
  end
  local list = {}
  for j, k in ipairs(order) do list[j] = gp[k] end
  local holm = stats.holm(list)
  local by = {}
  for j, k in ipairs(order) do by[k] = holm[j] end
  local out = {}
  for i in ipairs(ps) do out[i] = math.max(by[keys[i]], own[i]) end
  return out
end

--[[ ladder_p(groups, fixes, baseline, seed, ps) -> within: per fix index, its p-value ps[i]
  (the bootstrap p) adjusted within its cause when the cause has k >= 2 fixes (a ladder):
  Bonferroni's factor k is replaced by the factor a sign-flip max-T test over the rungs
  measures (gglab.lib.stats.signflip_maxt, on the paired per-seed differences of all rungs
  together: the same sign flip of a seed applies to every rung), p' = min(1, p x f) with
  f = min(k, maxT p / the rung's own sign-flip p). Rungs that move together (lr/10 and
  lr/100) get f near 1, independent ones about Sidak's (1 - (1 - p)^k) / p, never more than
  Bonferroni's k. The bootstrap p keeps its scale, the one every other cause is judged on:
  an exact sign-flip test of the median or of the signed ranks is far weaker than the
  bootstrap's on differences with a few large outliers (docs/doctor.md). A single fix of a
  cause: nil (it keeps its p). ]]
function M.ladder_p(groups, fixes, baseline, seed, ps)
  local members, order = {}, {}
  for i, f in ipairs(fixes) do
    if not members[f.cause] then members[f.cause] = {}; order[#order + 1] = f.cause end
    table.insert(members[f.cause], i)
  end
  local within = {}
  for _, cause in ipairs(order) do
    local idx = members[cause]
    if #idx >= 2 then
      local maps, seen, seeds = {}, {}, {}
      for j, i in ipairs(idx) do
        maps[j] = paired_by_seed(groups[fixes[i].name] or {}, baseline)
        for s in pairs(maps[j]) do
          if not seen[s] then seen[s] = true; seeds[#seeds + 1] = s end
        end
      end
      table.sort(seeds, function(a, b)
        if type(a) == type(b) then return a < b end
        return tostring(a) < tostring(b)
      end)
      local cols = {}
      for j = 1, #idx do
        cols[j] = {}
        for t, s in ipairs(seeds) do cols[j][t] = maps[j][s] end
      end
      local sd = seed + 3000 + idx[1]
      local joint = stats.signflip_maxt(cols, #seeds, sd, M.BOOTSTRAP)
      for j, i in ipairs(idx) do
        local own = stats.signflip_maxt({ cols[j] }, #seeds, sd, M.BOOTSTRAP)[1]
        local f = #seeds > 0 and math.min(#idx, joint[j] / own) or #idx
        within[i] = math.min(1, ps[i] * f)
      end
    end
  end
  return within
end

--[[ effects(groups, fixes, baseline, seed, reference, margin [, slow]) -> rows, one per fix
  in order: {fix, effect = {median, lo, hi, p, n}, p_adj, diverged, n, outcome (median),
  symptoms, improved (the share of seeds better by more than margin, default 1.5)}.
  groups: the runs per fix name; baseline: the runs each fix is paired with; reference:
  the easy reference's runs (for the symptoms; may be nil); slow: whether "still falling"
  counts as a symptom a fix leaves (the judge: only when the unchanged runs show it). ]]
function M.effects(groups, fixes, baseline, seed, reference, margin, slow)
  local rows, ps, keys = {}, {}, {}
  for i, f in ipairs(fixes) do
    local mine = groups[f.name] or {}
    local b = compare(mine, baseline, seed + i)
    local div = 0
    for _, r in ipairs(mine) do if r.status == "diverged" then div = div + 1 end end
    local outs = {}
    for _, r in ipairs(mine) do if r.outcome then outs[#outs + 1] = r.outcome end end
    rows[i] = { fix = f, effect = b, diverged = div, n = #mine, outcome = stats.median(outs),
      symptoms = evidence.symptoms(mine, reference, { slow = slow ~= false }),
      improved = improved(mine, baseline, margin or 1.5) }
    ps[i], keys[i] = b.p, f.cause
  end
  local adj = M.adjust(ps, keys, M.ladder_p(groups, fixes, baseline, seed, ps))
  for i, row in ipairs(rows) do row.p_adj = adj[i] end
  return rows
end

--[[ helps(row, margin [, alpha]) -> whether the row's fix helps (see the header). ]]
function M.helps(row, margin, alpha)
  local e = row.effect
  return e.n > 0 and row.p_adj < (alpha or M.ALPHA) and e.median ~= nil and e.median < -math.log(margin)
end

--[[ precondition(fix, seen, measures) -> true, or false, why [, first]: the fix's precondition
  (panel.lua's contract: the cause is named only when it holds); none: true. first: the
  name of the fix of a more specific cause that comes first (a stall's fixes, panel.lua's
  more_specific), when that is why. ]]
function M.precondition(fix, seen, measures)
  if type(fix.precondition) ~= "function" then return true end
  local ok, a, b, c = pcall(fix.precondition, seen or {}, measures or {})
  if not ok then return false, "its precondition failed: " .. tostring(a) end
  if a then return true end
  return false, b or "its precondition does not hold", c
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

local function clean(row) return #row.symptoms.list == 0 end

-- The candidate rows (helping, precondition holds) in rank order, the one that names the
-- dominant cause first: a fix that leaves no symptom before one that leaves it, then by
-- effect; among the fixes that leave no symptom, one better than the first by the margin
-- (paired, significant) goes first (clipping hides a bad initialisation less well than
-- the default initialisation removes it). A fix that leaves the symptom never goes first
-- while one that removes it helps. A cap fix (fix.cap) goes first only when it is better
-- by the margin (paired, significant) than the best fix that does not cap and removes the
-- symptom.
local function ranking(helping, groups, margin, seed, alpha)
  table.sort(helping, function(a, b)
    local ra, rb = clean(a), clean(b)
    if ra ~= rb then return ra end
    if a.effect.median ~= b.effect.median then return a.effect.median < b.effect.median end
    return a.fix.name < b.fix.name
  end)
  if #helping > 1 and clean(helping[1]) then
    local strongest = helping[1]
    for _, row in ipairs(helping) do
      if clean(row) and row.effect.median < strongest.effect.median then strongest = row end
    end
    if strongest ~= helping[1] then
      local d = compare(groups[strongest.fix.name], groups[helping[1].fix.name], seed + 777)
      if d.p < alpha and d.median ~= nil and d.median < -math.log(margin) then
        for i, row in ipairs(helping) do
          if row == strongest then table.remove(helping, i) break end
        end
        table.insert(helping, 1, strongest)
      end
    end
  end
  -- A fix that caps the gradient or the loss (fix.cap: clip, huber) masks a cause as often
  -- as it removes one: when a fix that does not cap removes the symptom and helps, it goes
  -- before every cap fix, unless the cap fix is better than it by the margin, paired and
  -- significant (its precondition holds: every row here is a candidate).
  if #helping > 1 and helping[1].fix.cap then
    local plain
    for _, row in ipairs(helping) do
      if not row.fix.cap and clean(row) then plain = row break end
    end
    if plain then
      local d = compare(groups[helping[1].fix.name], groups[plain.fix.name], seed + 888)
      if not (d.p < alpha and d.median ~= nil and d.median < -math.log(margin)) then
        for i, row in ipairs(helping) do
          if row == plain then table.remove(helping, i) break end
        end
        table.insert(helping, 1, plain)
      end
    end
  end
  return helping
end

--[[ partners(rows, exclude, evidence_list) -> up to M.MAX_PAIRS rows to combine in the second
  step, one per cause (its best fix), never of the cause `exclude`: guided by the evidence
  and the partial effects — first the causes the unchanged runs' diagnostics point to,
  then the partial fixes (better by the margin in at least M.PARTIAL of the seeds, or
  better at all: a median effect below 0 with an unadjusted p < M.ALPHA), the most often
  better first. Only fixes whose precondition
  holds. ]]
function M.partners(rows, exclude, evidence_list)
  local pointed = {}
  for _, e in ipairs(evidence_list or {}) do pointed[e.cause] = true end
  local best_of = {}
  for _, row in ipairs(rows) do   -- rows are sorted by effect: the first of a cause is its best
    if row.precondition ~= false and row.fix.cause ~= exclude and not best_of[row.fix.cause] then
      best_of[row.fix.cause] = row
    end
  end
  local list = {}
  for _, row in ipairs(rows) do
    if best_of[row.fix.cause] == row and pointed[row.fix.cause] then list[#list + 1] = row end
  end
  local partial = {}
  for _, row in ipairs(rows) do
    if best_of[row.fix.cause] == row and not pointed[row.fix.cause] and ((row.improved or 0) >= M.PARTIAL
      or (row.effect.median and row.effect.median < 0 and row.effect.p < M.ALPHA)) then
      partial[#partial + 1] = row
    end
  end
  table.sort(partial, function(a, b)
    if a.improved ~= b.improved then return a.improved > b.improved end
    local x, y = a.effect.median or math.huge, b.effect.median or math.huge
    if x ~= y then return x < y end
    return a.fix.name < b.fix.name
  end)
  table.move(partial, 1, #partial, #list + 1, list)
  while #list > M.MAX_PAIRS do list[#list] = nil end
  return list
end

-- The second step's combinations: best with each partner, or, with no best, first each
-- fix that helps but waits for a more specific cause (row.first) with that cause's fix —
-- the specific fix alone does not clear the symptom, so the two may only work together
-- (MSE on a sigmoid output whose lr is also too low) — then the pairs of the first partners
-- (at most M.MAX_PAIRS pairs).
local function combinations(best, rows, evidence_list, margin, alpha)
  local combos = {}
  if not best then
    local by = {}
    for _, row in ipairs(rows) do by[row.fix.name] = row end
    for _, row in ipairs(rows) do
      local first = row.first and by[row.first]
      if first and first.fix.cause ~= row.fix.cause and M.helps(row, margin, alpha)
        and #combos < M.MAX_PAIRS then
        local c = panel.combine(first.fix, row.fix)
        c.pair = { first.fix, row.fix }
        combos[#combos + 1] = c
      end
    end
  end
  if best then
    for _, row in ipairs(M.partners(rows, best.fix.cause, evidence_list)) do
      local c = panel.combine(best.fix, row.fix)
      c.pair = { best.fix, row.fix }
      combos[#combos + 1] = c
    end
    return combos
  end
  -- (a fix paired above waits for another cause: its precondition fails, so it is no partner)
  local list = M.partners(rows, nil, evidence_list)
  for i = 1, #list do
    for j = i + 1, #list do
      if #combos < M.MAX_PAIRS and list[i].fix.cause ~= list[j].fix.cause then
        local c = panel.combine(list[i].fix, list[j].fix)
        c.pair = { list[i].fix, list[j].fix }
        combos[#combos + 1] = c
      end
    end
  end
  return combos
end

--[[ judge(report, groups, fixes, second) fills report (which has margin, symptoms — those
  of the unchanged runs —, and optionally alpha, seen, measures, evidence, reference) with
  rows (per fix, by effect), verdict, causes (cause ids), best, tied (an indistinguishable
  fix of another cause), interacting and second (the second step's rows), hints (the
  tuning hints: rows that help but name no cause, each with `why`) and needs_second.
  groups: the runs per fix name ("none": unchanged). second(combos) -> the runs per
  combination name, or nil: no second step. ]]
function M.judge(report, groups, fixes, second)
  local margin, seed, alpha = report.margin, M.SEED, report.alpha or M.ALPHA
  report.alpha = alpha
  local baseline = groups.none or {}
  -- "still falling" is a symptom a fix leaves only when the unchanged runs show it
  local s0 = report.symptoms
  local slow = (s0.slow or 0) > 0 and s0.slow >= 0.5 * s0.n
  local rows = by_effect(M.effects(groups, fixes, baseline, seed, report.reference, margin, slow))
  report.rows = rows
  local helping, candidates = {}, {}
  report.hints = {}
  for _, row in ipairs(rows) do
    row.precondition, row.why, row.first = M.precondition(row.fix, report.seen, report.measures)
    if M.helps(row, margin, alpha) then helping[#helping + 1] = row end
  end
  -- The symptom gate: no symptom, no problem; what helps is a tuning hint.
  if #report.symptoms.list == 0 then
    for _, row in ipairs(helping) do
      row.hint = "no symptom to fix"
      report.hints[#report.hints + 1] = row
    end
    report.verdict = "no problem found"
    return report
  end
  for _, row in ipairs(helping) do
    if row.precondition then
      candidates[#candidates + 1] = row
    else
      row.hint = row.why
      report.hints[#report.hints + 1] = row
    end
  end
  candidates = ranking(candidates, groups, margin, seed, alpha)
  local best = candidates[1]
  -- The next candidate of another cause is named too when the two are indistinguishable:
  -- not significantly different AND the paired difference's 95 % interval within
  -- +-log(margin) (two-sided equivalence).
  if best then
    report.causes = { best.fix.cause }
    report.best = best
    for _, row in ipairs(candidates) do
      if row.fix.cause ~= best.fix.cause and clean(row) == clean(best) then
        local d = compare(groups[row.fix.name], groups[best.fix.name], seed + 999)
        if d.lo ~= nil and d.lo > -math.log(margin) and d.p >= alpha and d.hi < math.log(margin) then
          report.causes[2] = row.fix.cause
          report.tied = row
        end
        break
      end
    end
  end
  -- Second step: no fix clears the symptom, or the best fix leaves a symptom, or a fix of
  -- another cause helps on its own too: combine (guided by the evidence and the partial
  -- effects, M.partners).
  local other = false
  for _, row in ipairs(candidates) do
    if best and row.fix.cause ~= best.fix.cause then other = true end
  end
  report.needs_second = best == nil or not clean(best) or other
  if second and report.needs_second and #fixes > 1 then
    local combos = combinations(best, rows, report.evidence, margin, alpha)
    if #combos > 0 then
      local g2 = second(combos)
      local against = best and groups[best.fix.name] or baseline
      local rows2 = by_effect(M.effects(g2, combos, against, seed + 5000, report.reference, margin, slow))
      report.second = rows2
      -- the best combination that helps and leaves no symptom (rows2 is sorted by effect)
      for _, row in ipairs(rows2) do
        if M.helps(row, margin, alpha) and clean(row) then
          report.causes = { row.fix.pair[1].cause, row.fix.pair[2].cause }
          report.interacting = row
          report.tied = nil   -- the verdict names the interacting pair, not the tie
          break
        end
      end
    end
  end
  if not report.causes then
    report.verdict = "no single dominant cause"
    return report
  end
  local names = {}
  for i, c in ipairs(report.causes) do names[i] = causes.text(c) end
  report.verdict = (report.interacting and "two interacting causes: " or #names == 2
    and "two causes, indistinguishable: " or "dominant cause: ") .. table.concat(names, " + ")
  return report
end

return M
