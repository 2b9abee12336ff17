--[[ lua/gglab/doctor/diagnose.lua — `gglab doctor`: why does this configuration's loss go up?
  The doctor's public entry (gglab.doctor.diagnose): diagnose, configurations, varying; the
  report is printed and written by gglab.doctor.output.
  Answered by intervention, not by rules: the configuration is trained over seeds as it
  is and with each single change of a panel (gglab.doctor.panel), on the same seeds, and the
  causes are ranked by the measured effect of their fixes — once a symptom shows that
  something is wrong (docs/doctor.md "Method").

  1. Probe: run the experiment's run function up to its gg.train call, to see what it
     trains (gglab.doctor.intervene.probe); fixes that do not apply are listed with the
     reason; a run too short to show a symptom (fewer than M.MIN_EPOCHS epochs) is warned of.
  2. Run "none" (unchanged), every applicable fix and the easy reference (a linear model on
     standardised features, M.REFERENCE) over the seeds (the runner: worker processes,
     per-run files under <out>/panel/ and <out>/panel_rest/). Every run logs
     `doctor_outcome`: the run's own loss, as configured before any fix, on its validation
     data (training data without one) after training — one scale for all fixes, the user's
     metric — and before training the constant predictor's loss (`doctor_const`,
     `doctor_const_train`) and, unchanged runs only, the initial weight variance.
  3. Sequential over seeds: the first M.FIRST_BATCH seeds are judged at level M.ALPHA_FIRST;
     when that verdict is decided (see `decided`) the doctor stops, else it prints how long
     the other seeds will take, runs them and judges all seeds at M.ALPHA_FINAL
     (M.ALPHA_FIRST + M.ALPHA_FINAL = 0.05: a Bonferroni split over the two looks).
  4. Symptoms, measures and evidence of the unchanged runs (gglab.doctor.evidence); the
     effects, the symptom gate and the verdict (gglab.doctor.verdict).
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
-- The smallest outcome the log sees: FLOOR x the run's scale (the constant predictor's
-- loss on the same data, else the loss before training). A float32 loss of exactly 0 (or
-- 1e-30) is a perfect fit at float32's precision (~1e-7 relative), not 1e12 times better
-- than 1e-12: below FLOOR x scale every outcome counts the same.
M.FLOOR = 1e-6
-- Runs shorter than MIN_EPOCHS epochs cannot show a rising or stalling loss per epoch.
M.MIN_EPOCHS = 3
-- Sequential testing over seeds (see the header): the first look's size and the levels.
M.FIRST_BATCH = 10
M.ALPHA_FIRST = 0.01
M.ALPHA_FINAL = 0.04

--[[ log_outcome(o, scale) -> the log outcome y of a run: log(max(o, FLOOR x scale)) (scale
  nil or not positive: 1e-12 as the floor). ]]
function M.log_outcome(o, scale)
  local floor = (scale and util.is_finite(scale) and scale > 0) and M.FLOOR * scale or 1e-12
  return math.log(math.max(o, floor))
end

-- ---- runs ----

-- One seed's result: y = log outcome (+inf when diverged), curves for the symptoms, const
-- (the constant predictor on the outcome's scale). metric "accuracy": the outcome is the
-- error rate 1 - accuracy (doctor_error), a diverged run counts as DIVERGED_FACTOR x the
-- largest error rate, 1.
local function collect(st, records, metric)
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
    local const = c.doctor_const and c.doctor_const[1]
    local outcome = c.doctor_outcome and c.doctor_outcome[#c.doctor_outcome]
    local bad = (init and util.is_finite(init)) and math.log(math.max(init, 1e-12) * M.DIVERGED_FACTOR)
      or math.huge
    if metric == "accuracy" then
      const = c.doctor_const_error and c.doctor_const_error[1]
      outcome = c.doctor_error and c.doctor_error[#c.doctor_error]
      bad = math.log(M.DIVERGED_FACTOR)
    end
    local scale = (const and util.is_finite(const) and const > 0) and const or init
    if metric == "accuracy" and not (const and const > 0) then scale = 1 end
    local y
    if r.status == "diverged" then
      y = bad
    elseif r.status == "ok" then
      local o = outcome
      if o == nil and metric ~= "accuracy" then o = r.final_val_loss or r.final_loss end
      if o == nil then y = nil
      elseif not util.is_finite(o) then y = bad
      else y = M.log_outcome(o, scale) end
    end
    out[#out + 1] = { fix = r.params.fix, seed = r.params.seed, status = r.status, y = y, curves = c,
      outcome = outcome, const = const, error = r.error }
  end
  return out
end

-- The results by fix name.
local function group(results, g)
  g = g or {}
  for _, r in ipairs(results) do
    g[r.fix] = g[r.fix] or {}
    table.insert(g[r.fix], r)
  end
  return g
end

-- Logged before training: the constant predictor's loss on the training data (with the
-- loss trained on) and on the outcome's data (the original loss), and its error rate
-- (metric "accuracy"); the unchanged runs also log the initial weight variance (before
-- any update).
local function before_train(log, unchanged, metric)
  return function(o, train_set, target, eval_loss, post)
    -- The training loss is in the units the run trains in (scaled targets under a fix that
    -- scales them); the outcome, like doctor_outcome, in the user's units.
    local ct = evidence.constant_loss(train_set, train_set, o.loss)
    if ct then log("doctor_const_train", ct) end
    local tr, tg = train_set, target
    if post and post.targets then
      tr, tg = intervene.original_units(train_set, post.targets), intervene.original_units(target, post.targets)
    end
    local c = evidence.constant_loss(tr, tg, eval_loss)
    if c then log("doctor_const", c) end
    if metric == "accuracy" then
      local e = evidence.constant_error(train_set, target)
      if e then log("doctor_const_error", e) end
    end
    if unchanged then
      local wv = evidence.weight_var(o.model)
      if wv then log("doctor_weight_var", wv) end
    end
  end
end

-- Runs fixes x seeds on the point through the runner (and the unchanged configuration,
-- "none", unless without_none: the second step reuses the first's); returns the per-fix
-- results and the number of runs.
local function run_panel(exp, point, fixes, seeds, opts, out, without_none)
  local names = without_none and {} or { "none" }
  local by_name = {}
  for _, f in ipairs(fixes) do
    names[#names + 1] = f.name
    by_name[f.name] = f
  end
  local base = util.copy(point)
  local dexp = gg.experiment {
    name = exp.name, seed = exp.seed,
    sweep = gg.grid { fix = names, seed = seeds },
    run = function(p, run)
      local pt = sweep.copy_point(base)
      pt.seed = p.seed
      local log = function(metric, v) run:log(metric, v, 0) end
      local ctx = { seen = {}, log = log, diagnostics = p.fix == "none" and opts.diagnostics ~= false,
        before_train = before_train(log, p.fix == "none", opts.metric) }
      if opts.metric == "accuracy" then
        ctx.after_train = function(o, target)
          local ok, acc = pcall(gg.accuracy, o.model, target)
          if ok and type(acc) == "number" then log("doctor_error", 1 - acc) end
        end
      end
      return intervene.run(by_name[p.fix] and by_name[p.fix].hooks, ctx,
        function() return exp.run(pt, run) end)
    end,
  }
  local sink = { write = function() end }
  local res, msg = runner.run(dexp, { out = out, jobs = opts.jobs, quiet = true, stdout = sink,
    stderr = opts.stderr or io.stderr, timeout = opts.timeout })
  if not res then error(msg, 0) end
  local st = assert(store.read(out))
  return group(collect(st, res.records, opts.metric)), #res.records
end

-- ---- the easy reference ----

local function last(list) return list[#list] end

-- The model's first linear layer's inputs to its last linear layer's outputs, then the
-- layers after it (an output activation stays).
local function linear_model(specs)
  local first, final
  for i, s in ipairs(specs) do
    if type(s) == "table" and s.kind == "linear" then first = first or i; final = i end
  end
  if not first then return specs end
  local out = { gg.nn.linear(specs[first]["in"], specs[final].out) }
  for i = final + 1, #specs do out[#out + 1] = specs[i] end
  return out
end

--[[ M.REFERENCE: the easy reference a run is compared with ("far worse than an easy
  reference", gglab.doctor.evidence.symptoms): the same data, loss, batch size and epochs,
  but a linear model (first linear layer's inputs to the last one's outputs, the output
  activation kept) on standardised features, without L1/L2 or weight decay, the gradient
  norm clipped to 1, and the optimizer's lr set to 0.05 with momentum 0.9 (SGD) or 0.01
  (the adaptive ones). Applies when the model starts with a linear layer and the features
  are not token ids. ]]
M.REFERENCE = { name = "reference", cause = "reference", text = "the easy reference (a linear model)",
  hooks = {
    layers = linear_model,
    optim = function(kind, o)
      o = o or {}
      if kind == "sgd" then
        o.lr, o.momentum, o.nesterov, o.dampening = 0.05, 0.9, nil, nil
      else
        o.lr = 0.01
      end
      o.weight_decay = nil
      return o
    end,
    train = function(o)
      local train, val = intervene.explicit_val(o)
      local scaler = gg.data.standard_scaler(train)
      o.data = scaler:transform(train)
      if val then o.val = scaler:transform(val) end
      o.l1, o.l2, o.clip_norm, o.clip_value, o.early_stopping = nil, nil, 1.0, nil, nil
      return o
    end },
  applies = function(seen)
    local t = last(seen.trains or {})
    if not t then return false, "the run does not call gg.train" end
    if panel.token_ids(seen) then return false, "the features are token ids" end
    local m = last(seen.models or {})
    if not m or m.kinds[1] ~= "linear" then return false, "the model does not start with a linear layer" end
    return true
  end }

-- ---- the procedure ----

-- The first n of list, or entries a..b.
local function slice(list, a, b) return table.move(list, a, b, 1, {}) end

-- Whether the first look's verdict is decided: no seed shows any symptom ("no problem
-- found"), or one dominant cause whose best fix helps at the first look's level, that
-- needs no second step, while every fix of another cause is shown not to reach the margin
-- (its interval's lower end above -log(margin)).
local function decided(report)
  local s = report.symptoms
  if report.verdict == "no problem found" then
    return s.diverged + s.rising + s.stuck + s.val_rising + s.far_worse + s.no_generalise + s.slow
      + (s.unreachable or 0) + (s.stale or 0) == 0
  end
  if not report.best or report.tied or report.needs_second then return false end
  local bar = -math.log(report.margin)
  for _, row in ipairs(report.rows) do
    if row.fix.cause ~= report.best.fix.cause and not (row.effect.lo and row.effect.lo > bar) then
      return false
    end
  end
  return true
end

--[[ A language model's cross-entropy (nats per token) spans a narrow range: from the unigram
  plateau (3.3 nats on tinyshakespeare's characters) to what a small model reaches (2.4-2.7 in
  experiments/transformer_lr.lua) is a factor ~1.3, so a fix "helps" a run on token sequences
  (gg.train's data has a vocabulary, the loss is cross_entropy or nll) when it is LM_MARGIN
  times better, unless opts.margin says otherwise; every other run keeps the margin 1.5. ]]
M.LM_MARGIN = 1.1
function M.language_model(seen)
  local t = last(seen.trains or {})
  return t ~= nil and (t.vocab or 0) > 1 and (t.loss == "cross_entropy" or t.loss == "nll")
end

--[[ diagnose(exp, point, opts) -> report table (printed by gglab.doctor.output.text):
  opts: seeds (list of seed values), jobs, out (directory), margin (1.5; M.LM_MARGIN for a
  language model), panel (list of fixes; default gglab.doctor.panel.default()), second_step (true), sequential (true: stop
  after the first M.FIRST_BATCH seeds when decided; needs at least 2 x FIRST_BATCH seeds),
  reference (true: run the easy reference), metric ("loss", the default: the run's own
  loss; "accuracy": the error rate 1 - accuracy, for a classification run), stderr (also
  gets the time estimate and warnings), timeout. ]]
function M.diagnose(exp, point, opts)
  local t0 = gg.clock()
  local err = opts.stderr or io.stderr
  local seen = intervene.probe(exp, point)
  local margin = opts.margin or (M.language_model(seen) and M.LM_MARGIN) or 1.5
  local all = opts.panel or panel.default()
  local fixes, skipped = {}, {}
  for i, f in ipairs(all) do
    panel.check(f, i)
    local ok, why = true, nil
    if f.applies then ok, why = f.applies(seen) end
    if ok then fixes[#fixes + 1] = f else skipped[#skipped + 1] = { fix = f, why = why } end
  end
  local entries = util.copy(fixes)
  local use_ref, ref_why = false, nil
  if opts.reference ~= false then use_ref, ref_why = M.REFERENCE.applies(seen) end
  if use_ref then entries[#entries + 1] = M.REFERENCE end
  local t = last(seen.trains or {})
  if opts.metric == "accuracy" and not (t and t.classes > 1) then
    error("doctor: the metric 'accuracy' needs a classification run (gg.train's data has no classes)",
      0)
  end
  local warnings = {}
  if t and t.epochs < M.MIN_EPOCHS then
    local steps = t.epochs * math.max(1, math.ceil(t.n / math.max(1, t.batch_size)))
    warnings[#warnings + 1] = string.format("the run trains %d epoch%s (%d steps): too short to show a "
      .. "rising or stalling loss (gg.train's default is 1 epoch); diagnose the run as long as it really "
      .. "trains", t.epochs, t.epochs == 1 and "" or "s", steps)
  end
  for _, w in ipairs(warnings) do err:write("gglab doctor: warning: ", w, "\n") end

  local seeds = opts.seeds
  local n1 = #seeds
  if opts.sequential ~= false and #seeds >= 2 * M.FIRST_BATCH then n1 = M.FIRST_BATCH end
  local function new_report(groups, used)
    local baseline = groups.none or {}
    local measures = evidence.measures(baseline, groups.reference)
    local report = { point = point, seeds = used, seeds_planned = seeds, skipped = skipped,
      margin = margin, seen = seen, measures = measures, warnings = warnings, unchanged = baseline,
      reference = groups.reference, reference_why = not use_ref and ref_why or nil,
      symptoms = evidence.symptoms(baseline, groups.reference,
        { unreachable = select(2, panel.unreachable_targets(t)),
          stale = select(2, panel.stale_gradients(seen)) }),
      evidence = evidence.evidence(baseline, seen, measures),
      metric = (t and (t.val and "validation " or "training ") or "")
        .. (opts.metric == "accuracy" and "accuracy" or "loss"),
      loss = t and t.loss }
    local base_outs = {}
    for _, r in ipairs(baseline) do if r.outcome then base_outs[#base_outs + 1] = r.outcome end end
    report.baseline_outcome = stats.median(base_outs)
    return report
  end

  local groups, runs = run_panel(exp, point, entries, slice(seeds, 1, n1), opts, opts.out .. "/panel")
  local report
  if n1 < #seeds then
    report = new_report(groups, slice(seeds, 1, n1))
    report.alpha = M.ALPHA_FIRST
    verdict.judge(report, groups, fixes, nil)
    if decided(report) then
      report.stopped = n1
    else
      local spent = gg.clock() - t0
      local rest = #seeds - n1
      err:write(string.format("gglab doctor: the first %d seeds took %.0f s (%d runs); the other %d seeds "
        .. "(%d runs) will take about %.0f s more\n", n1, spent, runs, rest, rest * (#entries + 1),
        spent * rest / n1))
      local more, runs2 = run_panel(exp, point, entries, slice(seeds, n1 + 1, #seeds), opts,
        opts.out .. "/panel_rest")
      runs = runs + runs2
      for name, list in pairs(more) do
        groups[name] = groups[name] or {}
        for _, r in ipairs(list) do table.insert(groups[name], r) end
      end
      report = nil
    end
  end
  if not report then
    report = new_report(groups, seeds)
    report.alpha = n1 < #seeds and M.ALPHA_FINAL or verdict.ALPHA
    local second = opts.second_step ~= false and function(combos)
      local n2 = #combos * #seeds
      err:write(string.format("gglab doctor: second step: %d combination%s x %d seeds (%d runs) will take "
        .. "about %.0f s\n", #combos, #combos == 1 and "" or "s", #seeds, n2, (gg.clock() - t0) * n2 / runs))
      local g2, runs2 = run_panel(exp, point, combos, seeds, opts, opts.out .. "/second", true)
      runs = runs + runs2
      return g2
    end or nil
    verdict.judge(report, groups, fixes, second)
  end
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
