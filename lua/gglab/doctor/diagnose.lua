--[[ lua/gglab/doctor/diagnose.lua — `gglab doctor`: why does this configuration's loss go up?
  The doctor's public entry (gglab.doctor.diagnose): diagnose, configurations, varying; the
  report is printed and written by gglab.doctor.output.
  Answered by intervention, not by rules: the configuration is trained over seeds as it
  is and with each single change of a panel (gglab.doctor.panel), on the same seeds, and the
  causes are ranked by the measured effect of their fixes.

  1. Probe: run the experiment's run function up to its gg.train call, to see what it
     trains (gglab.doctor.intervene.probe); fixes that do not apply are listed with the reason.
  2. Run "none" (unchanged) and every applicable fix over the seeds (the runner: worker
     processes, per-run files under <out>/runs/). Every run logs `doctor_outcome`: the
     run's own loss, as configured before any fix, on its validation data (training data
     without one) after training — one scale for all fixes.
  3. Symptoms of the unchanged runs (gglab.doctor.evidence): diverging (non-finite loss in
     >= 25 % of seeds), training loss rising (last epoch > 1.1 x its minimum in >= half),
     validation loss rising while the training loss falls (last > 1.5 x its minimum,
     >= half). A run that restored its best epoch (early stopping) is read up to that epoch.
  4. Effect of a fix (gglab.doctor.verdict): per seed, the difference in log outcome against
     the unchanged run of that seed (a diverged run counts as 100 x its loss before
     training); the median difference, a percentile bootstrap 95 % interval (2000
     resamples, fixed seed) and a two-sided bootstrap p-value, Holm-adjusted across the
     panel. A fix "helps" when its adjusted p < 0.05 and its median difference is below
     -log(margin) (default margin 1.5x).
  5. Verdict (gglab.doctor.verdict): no symptom and no fix that helps -> "no problem found".
     Otherwise the best helping fix names the dominant cause: one that leaves no symptom,
     unless another helping fix beats it by the margin (paired, significant); the next fix
     of another cause is named too when the two are indistinguishable (their paired
     difference is not significant and its upper bound is within the margin: equivalent,
     not just unproven). A problem with no helping fix has "no single dominant cause". When
     the best fix leaves a symptom, or a fix of another cause helps on its own too, every
     other applicable fix is combined with it (second step); the best combination that
     leaves no symptom and helps against the best fix alone by the margin names two
     interacting causes.
  Output: the printed diagnosis, <out>/doctor.txt and <out>/doctor.csv (gglab.doctor.output). ]]
local gg = require "gglab"
local runner = require "gglab.engine.runner"
local store = require "gglab.engine.store"
local sweep = require "gglab.sweep"
local util = require "gglab.lib.util"
local stats = require "gglab.lib.stats"
local intervene = require "gglab.doctor.intervene"
local panel = require "gglab.doctor.panel"
local evidence = require "gglab.doctor.evidence"
local verdict = require "gglab.doctor.verdict"

local M = {}

-- A diverged run's outcome: DIVERGED_FACTOR x its loss before training.
M.DIVERGED_FACTOR = 100


-- ---- runs ----

-- One seed's result: y = log outcome (+inf when diverged), curves for the symptoms.
local function collect(st, records)
  local out = {}
  for _, r in ipairs(records) do
    local rows = st:curve(r.run_id)
    local c = {}
    for _, row in ipairs(rows) do
      local list = c[row.metric] or {}
      list[#list + 1] = row.value
      c[row.metric] = list
    end
    -- A diverged run counts as DIVERGED_FACTOR x its loss before training (+inf when that
    -- is unknown), so fixes that all avoid divergence still differ by their outcomes.
    local init = c.doctor_init and c.doctor_init[1]
    local bad = (init and util.is_finite(init)) and math.log(math.max(init, 1e-12) * M.DIVERGED_FACTOR)
      or math.huge
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

-- The results by fix name.
local function group(results)
  local g = {}
  for _, r in ipairs(results) do
    g[r.fix] = g[r.fix] or {}
    table.insert(g[r.fix], r)
  end
  return g
end

-- Runs fixes x seeds on the point through the runner; returns the per-fix results and the
-- number of runs.
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
      local pt = sweep.copy_point(base)
      pt.seed = p.seed
      local ctx = { seen = {}, log = function(metric, v) run:log(metric, v, 0) end,
        diagnostics = p.fix == "none" and opts.diagnostics ~= false }
      return intervene.run(by_name[p.fix] and by_name[p.fix].hooks, ctx,
        function() return exp.run(pt, run) end)
    end,
  }
  local sink = { write = function() end }
  local res, msg = runner.run(dexp, { out = out, jobs = opts.jobs, quiet = true, stdout = sink,
    stderr = opts.stderr or io.stderr, timeout = opts.timeout })
  if not res then error(msg, 0) end
  local st = assert(store.read(out))
  return group(collect(st, res.records)), #res.records
end

-- ---- the procedure ----

--[[ diagnose(exp, point, opts) -> report table (printed by gglab.doctor.output.text):
  opts: seeds (list of seed values), jobs, out (directory), margin (1.5), panel (list of
  fixes; default gglab.doctor.panel.default()), second_step (true), stderr, timeout. ]]
function M.diagnose(exp, point, opts)
  local t0 = gg.clock()
  local margin = opts.margin or 1.5
  local seen = intervene.probe(exp, point)
  local all = opts.panel or panel.default()
  local fixes, skipped = {}, {}
  for i, f in ipairs(all) do
    panel.check(f, i)
    local ok, why = true, nil
    if f.applies then ok, why = f.applies(seen) end
    if ok then fixes[#fixes + 1] = f else skipped[#skipped + 1] = { fix = f, why = why } end
  end
  local groups, runs = run_panel(exp, point, fixes, opts, opts.out .. "/panel")
  local baseline = groups.none or {}
  local report = { point = point, seeds = opts.seeds, symptoms = evidence.symptoms(baseline),
    skipped = skipped, margin = margin, seen = seen, evidence = evidence.evidence(baseline, seen) }
  local base_outs = {}
  for _, r in ipairs(baseline) do if r.outcome then base_outs[#base_outs + 1] = r.outcome end end
  report.baseline_outcome = stats.median(base_outs)
  local second = opts.second_step ~= false and function(combos)
    local g2, runs2 = run_panel(exp, point, combos, opts, opts.out .. "/second")
    runs = runs + runs2
    return g2
  end or nil
  verdict.judge(report, groups, fixes, second)
  report.runs, report.wall_s = runs, gg.clock() - t0
  return report
end

-- ---- configurations ----

--[[ configurations(exp) -> list of points: the sweep's distinct configurations (points
  that differ in something other than `seed`), each the first such point. ]]
function M.configurations(exp)
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
        values[k][type(v) == "table" and sweep.value_key(v) or tostring(v)] = true
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

return M
