--[[ tests/doctor/eval.lua — the doctor's evaluation, shared by tests/lua/test_doctor.lua
  (which asserts on it) and tests/doctor/table.lua (which prints it for docs/doctor.md).

  local E = require "eval"          -- with tests/doctor/ on package.path
  local res = E.evaluate { seeds = 10, offset = 10, jobs = 2, out = dir [, only = {names}]
                           [, progress = function(line) end] [, cases = E.external_cases()] }
    Diagnoses every configuration of tests/doctor/configs.lua (or every case of opts.cases:
    {name, entry, exp, point}; E.external_cases(dir) reads the external set, key.lua and one
    experiment file per case: tests/doctor/external.lua) twice, on seeds 1..seeds
    (set A) and on the disjoint seeds offset+1..offset+seeds (set B), and scores the
    verdicts against tests/doctor/expected.lua. Per configuration (res.rows[i]):
      name, entry (the expected.lua entry), kind ("healthy" | "single" | "interacting"),
      a, b = { verdict, causes, correct, runs, seconds, report, dir, evidence, fixed, shows }
        per seed set (evidence: the unchanged runs' summary; fixed: that of entry.fix's runs;
        shows: entry.shows holds on them),
      random = { cause, correct, expected } (the random-fix baseline, below),
      rules = { [tool] = { cause, correct } } (the rule-based baselines, when available).
    res.totals: counts per tool and seed set; res.rules_available, res.wall_s.

  Scoring (E.correct): healthy -> the verdict is "no problem found"; one cause -> the
  dominant (first named) cause is in the expected set, or, when the doctor names two causes
  it cannot tell apart, either of them is; interacting -> the verdict names a cause of each
  of the two sets.

  Baselines, scored the same way on the same configurations:
  - random fix (the 2023 ICST study's point: a random repair baseline was comparable to the
    repair tools): one applicable fix of the doctor's panel (sorted by name), drawn
    uniformly from gg.rng(2023 + the configuration's index in expected.lua), names its
    cause (always "a problem": it is wrong on every healthy configuration, and on every
    interacting one, as it names one cause). Also its expected accuracy: the share of the
    applicable fixes whose cause is right.
  - the rule-based detectors (AUTOTRAINER, DeepDiagnosis, UMLAUT, DeepLocalize) of
    lua/gglab/symptoms/, when it is built in: each reads the curves of the
    doctor's unchanged runs of set A (per seed: symptoms.diagnose(tool, trace, meta)), and
    names the cause most seeds get (ties: the first in seed order), nil = no problem. ]]
local gg = require "gglab"
local doctor = require "gglab.doctor.diagnose"
local experiment = require "gglab.experiment"
local store = require "gglab.engine.store"
local util = require "gglab.lib.util"
local causes = require "gglab.lib.causes"
local evidence = require "evidence"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
M.CONFIGS = M.HERE .. "/configs.lua"
M.RANDOM_SEED = 2023

function M.load()
  local exp, err = experiment.load(M.CONFIGS)
  if not exp then error(err, 0) end
  local expected = dofile(M.HERE .. "/expected.lua")
  local points = {}
  for _, p in ipairs(doctor.configurations(exp)) do points[p.config] = p end
  return exp, expected, points
end

-- own_cases() -> the team's own configurations (configs.lua x expected.lua) as cases.
function M.own_cases()
  local exp, expected, points = M.load()
  local cases = {}
  for i, entry in ipairs(expected) do
    cases[i] = { name = entry[1], entry = entry, exp = exp, point = assert(points[entry[1]], "no configuration "
      .. entry[1]) }
  end
  return cases
end

--[[ external_cases(dir) -> the cases of an external set: dir/key.lua returns { cases = {entries} }
  (expected.lua's conventions: causes / interacting / healthy), and dir/<id>.lua is the
  experiment of entry <id>, whose one configuration (its sweep varies only the seed) is the
  case. ]]
function M.external_cases(dir)
  dir = dir or (M.HERE .. "/external")
  local key = dofile(dir .. "/key.lua")
  local cases = {}
  for i, entry in ipairs(key.cases) do
    local exp, err = experiment.load(dir .. "/" .. entry[1] .. ".lua")
    if not exp then error(err, 0) end
    local configs = doctor.configurations(exp)
    assert(#configs == 1, entry[1] .. ": the sweep of a case must vary only the seed")
    cases[i] = { name = entry[1], entry = entry, exp = exp, point = configs[1] }
  end
  return cases
end

function M.kind(entry)
  return entry.healthy and "healthy" or entry.interacting and "interacting" or "single"
end

local function member(set, c)
  for _, x in ipairs(set) do if x == c then return true end end
  return false
end

-- correct(entry, verdict, causes) -> boolean
function M.correct(entry, verdict, causes)
  causes = causes or {}
  if entry.healthy then return verdict == "no problem found" end
  if entry.interacting then
    local a, b = entry.interacting[1], entry.interacting[2]
    for i = 1, #causes do
      for j = 1, #causes do
        if i ~= j and member(a, causes[i]) and member(b, causes[j]) then return true end
      end
    end
    return false
  end
  if #causes == 0 then return false end
  if member(entry.causes, causes[1]) then return true end
  -- "two causes, indistinguishable": their order is only the order of their medians
  return verdict:find("indistinguishable", 1, true) ~= nil and causes[2] ~= nil and member(entry.causes, causes[2])
end

--[[ same(a, b) -> whether two diagnoses (tables with verdict and causes) give the same
  verdict: the same text, or — for "two causes, indistinguishable" — the same two causes
  in either order (their order is only that of their medians on those seeds). ]]
function M.same(a, b)
  if a.verdict == b.verdict then return true end
  local tie = "^two causes, indistinguishable: "
  if a.verdict:find(tie) and b.verdict:find(tie) and #a.causes == 2 and #b.causes == 2 then
    return (a.causes[1] == b.causes[1] and a.causes[2] == b.causes[2])
      or (a.causes[1] == b.causes[2] and a.causes[2] == b.causes[1])
  end
  return false
end

-- The same dominant cause (the first cause named, or the same cause-free verdict): what a
-- user acts on. M.same also asks for the same second cause.
function M.same_dominant(a, b)
  if M.same(a, b) then return true end
  local ca, cb = a.causes or {}, b.causes or {}
  return ca[1] ~= nil and ca[1] == cb[1]
end

-- The random-fix baseline on one configuration: {cause, correct, expected}.
function M.random_fix(entry, report, rng)
  local applicable = {}
  for _, row in ipairs(report.rows) do applicable[#applicable + 1] = row.fix end
  table.sort(applicable, function(x, y) return x.name < y.name end)   -- independent of the ranking
  if #applicable == 0 then
    return { cause = nil, correct = M.correct(entry, "no problem found", {}), expected = entry.healthy and 1 or 0 }
  end
  local pick = applicable[rng:integer(#applicable)]
  local right = 0
  for _, f in ipairs(applicable) do
    if M.correct(entry, "dominant cause", { f.cause }) then right = right + 1 end
  end
  return { cause = pick.cause, correct = M.correct(entry, "dominant cause", { pick.cause }),
    expected = right / #applicable }
end

-- ---- the rule-based baselines (lua/gglab/symptoms/) ----
-- HOOK: M.evaluate scores them whenever `require "gglab.symptoms.driver"` succeeds (else it
-- prints "not available"). They read the doctor's unchanged runs, which log only what
-- gg.train logs by default (loss, epoch_loss, val_loss, lr): no accuracy, no per-layer
-- gradients, so most of their rules report themselves not applicable. Once gg.train's
-- diagnostics (branch diag: gg.train{diagnostics = {every = n}}) are merged, the fair
-- comparison is to run each configuration's unchanged seeds once more with diagnostics on
-- and pass those traces here instead.

-- META for the symptom detectors from what the doctor's probe saw.
function M.meta(seen)
  local t = seen.trains[#seen.trains] or {}
  local o = seen.optimizers[1] or {}
  local m = seen.models[1] or { kinds = {} }
  local last_linear = 0
  for i, k in ipairs(m.kinds) do if k == "linear" then last_linear = i end end
  local acts, has_dropout = {}, false
  for i, k in ipairs(m.kinds) do
    if k == "dropout" then has_dropout = true
    elseif k ~= "linear" and k ~= "batchnorm1d" and i < last_linear then acts[#acts + 1] = k end
  end
  local out_act = m.kinds[#m.kinds] ~= "linear" and m.kinds[#m.kinds] or "none"
  -- The probe does not record dropout's p: with a dropout layer meta.dropout stays unset
  -- (the rule reports itself not applicable); without one it is the empty list.
  return { epochs = t.epochs, lr = o.lr, optimizer = o.kind, loss = t.loss,
    task = (t.classes or 0) > 1 and "classification" or "regression", activations = acts,
    output_activation = out_act, input_dtype = "float", dropout = not has_dropout and {} or nil }
end

-- rules(entry, report, dir, symptoms) -> { [tool] = {cause, correct, seeds = {...}} }
function M.rules(entry, report, dir, symptoms)
  local runs = evidence.unchanged(dir)
  local st = assert(store.open(dir .. "/panel", { fresh = false }))
  local base_meta = M.meta(report.seen)
  local out = {}
  for _, tool in ipairs(symptoms.TOOLS) do
    local votes, order, per_seed = {}, {}, {}
    for _, r in ipairs(runs) do
      local trace = symptoms.trace_from_rows(st:read_curve(r.run_id))
      local meta = base_meta
      if symptoms.derive_meta then meta = symptoms.derive_meta(trace, base_meta, {}) end
      local ok, cause = pcall(symptoms.diagnose, tool, trace, meta)
      local c = ok and cause and causes.canonical(cause) or (ok and "none" or "error")
      per_seed[#per_seed + 1] = c
      if not votes[c] then order[#order + 1] = c end
      votes[c] = (votes[c] or 0) + 1
    end
    local best
    for _, c in ipairs(order) do
      if not best or votes[c] > votes[best] then best = c end
    end
    local cause = best ~= "none" and best or nil
    local verdict = cause and "dominant cause" or "no problem found"
    out[tool] = { cause = cause, correct = M.correct(entry, verdict, { cause }), seeds = per_seed }
  end
  return out
end

--[[ range_rule(entry, dir) -> {cause, correct}: the one-line rule that beat the doctor on real
  threads once (issue 21): "inputs beyond ±10 -> unscaled features", else no problem. The
  input range is the one the unchanged runs' diagnostics logged first (input_min/input_max),
  median over the seeds of set A. ]]
function M.range_rule(entry, dir)
  local st = assert(store.open(dir .. "/panel", { fresh = false }))
  local spans = {}
  for _, r in ipairs(evidence.unchanged(dir)) do
    local lo, hi
    for _, row in ipairs(st:read_curve(r.run_id)) do
      if row.metric == "input_min" and lo == nil then lo = row.value end
      if row.metric == "input_max" and hi == nil then hi = row.value end
    end
    if lo and hi then spans[#spans + 1] = math.max(math.abs(lo), math.abs(hi)) end
  end
  table.sort(spans)
  local med = spans[(#spans + 1) // 2]
  local cause = med and med > 10 and "unscaled_features" or nil
  return { cause = cause, correct = M.correct(entry, cause and "dominant cause" or "no problem found", { cause }) }
end

-- ---- the evaluation ----

local function seed_list(n, offset)
  local s = {}
  for i = 1, n do s[i] = offset + i end
  return s
end

local function diagnose(exp, point, seeds, opts, dir)
  local t0 = gg.clock()
  local report = doctor.diagnose(exp, point, { seeds = seeds, jobs = opts.jobs, out = dir,
    stderr = opts.stderr or io.stderr })
  return { verdict = report.verdict, causes = report.causes or {}, runs = report.runs,
    seconds = gg.clock() - t0, report = report, dir = dir,
    evidence = evidence.summary(dir) }
end

function M.evaluate(opts)
  local t0 = gg.clock()
  local cases = opts.cases or M.own_cases()
  local n, offset = opts.seeds or 10, opts.offset or opts.seeds or 10
  assert(offset >= n, "the second seed set must be disjoint from the first (offset >= seeds)")
  local only
  if opts.only then
    only = {}
    for _, name in ipairs(opts.only) do only[name] = true end
  end
  local has_rules, symptoms = pcall(require, "gglab.symptoms.driver")
  if not has_rules then symptoms = nil end
  local res = { rows = {}, rules_available = symptoms ~= nil, tools = symptoms and symptoms.TOOLS or {},
    seeds_a = seed_list(n, 0), seeds_b = seed_list(n, offset) }
  for i, case in ipairs(cases) do
    local name, entry, exp, point = case.name, case.entry, case.exp, case.point
    if not only or only[name] then
      local row = { name = name, entry = entry, kind = M.kind(entry) }
      row.a = diagnose(exp, point, res.seeds_a, opts, string.format("%s/%02d-%s-A", opts.out, i, name))
      row.b = diagnose(exp, point, res.seeds_b, opts, string.format("%s/%02d-%s-B", opts.out, i, name))
      for _, s in ipairs { row.a, row.b } do
        s.correct = M.correct(entry, s.verdict, s.causes)
        if entry.fix then
          s.fixed = evidence.summary(s.dir, entry.fix)
          s.fixed.ratio = evidence.ratio(s.dir, entry.fix)
        end
        if entry.shows then
          local ok, yes = pcall(entry.shows[2], s.evidence, s.fixed)
          s.shows = ok and yes == true
        end
      end
      row.random = M.random_fix(entry, row.a.report, gg.rng(M.RANDOM_SEED + i))
      row.range = M.range_rule(entry, row.a.dir)
      if symptoms then row.rules = M.rules(entry, row.a.report, row.a.dir, symptoms) end
      res.rows[#res.rows + 1] = row
      if opts.progress then opts.progress(M.line(row)) end
    end
  end
  res.totals = M.totals(res)
  res.wall_s = gg.clock() - t0
  return res
end

-- Counts: per kind, how many configurations and how many each tool gets right.
function M.totals(res)
  local t = { healthy = 0, broken = 0, interacting = 0, single = 0,
    doctor_a = { broken = 0, healthy = 0 }, doctor_b = { broken = 0, healthy = 0 },
    same = 0, random = { broken = 0, healthy = 0, expected_broken = 0, expected_healthy = 0 }, rules = {},
    range = { broken = 0, healthy = 0 } }
  for _, tool in ipairs(res.tools) do t.rules[tool] = { broken = 0, healthy = 0 } end
  for _, row in ipairs(res.rows) do
    local k = row.kind == "healthy" and "healthy" or "broken"
    t[k] = t[k] + 1
    if row.kind ~= "healthy" then t[row.kind] = t[row.kind] + 1 end
    if row.a.correct then t.doctor_a[k] = t.doctor_a[k] + 1 end
    if row.b.correct then t.doctor_b[k] = t.doctor_b[k] + 1 end
    if M.same(row.a, row.b) then t.same = t.same + 1 end
    if row.random.correct then t.random[k] = t.random[k] + 1 end
    if row.range and row.range.correct then t.range[k] = t.range[k] + 1 end
    t.random["expected_" .. k] = t.random["expected_" .. k] + row.random.expected
    for tool, r in pairs(row.rules or {}) do
      if r.correct then t.rules[tool][k] = t.rules[tool][k] + 1 end
    end
  end
  return t
end

-- ---- printing ----

local function cause_text(causes, verdict)
  if verdict == "no problem found" then return "no problem" end
  if not causes or #causes == 0 then return verdict end
  local sep = verdict:find("interacting", 1, true) and " + " or verdict:find("indistinguishable", 1, true)
    and " / " or ""
  return table.concat(causes, sep ~= "" and sep or ", ")
end
M.cause_text = cause_text

function M.expected_text(entry)
  if entry.healthy then return "healthy" end
  if entry.interacting then
    return table.concat(entry.interacting[1], "|") .. " + " .. table.concat(entry.interacting[2], "|")
  end
  return table.concat(entry.causes, "|")
end

function M.line(row)
  return string.format("%-26s %-44s A: %-40s %s  B: %-40s %s  %4d runs %5.1f s", row.name,
    M.expected_text(row.entry), cause_text(row.a.causes, row.a.verdict), row.a.correct and "ok " or "BAD",
    cause_text(row.b.causes, row.b.verdict), row.b.correct and "ok " or "BAD", row.a.runs + row.b.runs,
    row.a.seconds + row.b.seconds)
end

function M.summary_lines(res)
  local t = res.totals
  local L = {}
  L[#L + 1] = string.format("doctor, seeds %d-%d: %d/%d broken configurations right, %d/%d healthy ones "
    .. "'no problem found'", res.seeds_a[1], res.seeds_a[#res.seeds_a], t.doctor_a.broken, t.broken,
    t.doctor_a.healthy, t.healthy)
  L[#L + 1] = string.format("doctor, seeds %d-%d: %d/%d broken right, %d/%d healthy", res.seeds_b[1],
    res.seeds_b[#res.seeds_b], t.doctor_b.broken, t.broken, t.doctor_b.healthy, t.healthy)
  L[#L + 1] = string.format("same verdict on both seed sets: %d/%d configurations", t.same, #res.rows)
  L[#L + 1] = string.format("random fix (seed %d): %d/%d broken right (expected %.1f), %d/%d healthy",
    M.RANDOM_SEED, t.random.broken, t.broken, t.random.expected_broken, t.random.healthy, t.healthy)
  L[#L + 1] = string.format("input-range rule (inputs beyond ±10 -> unscaled features): %d/%d broken right, "
    .. "%d/%d healthy", t.range.broken, t.broken, t.range.healthy, t.healthy)
  if res.rules_available then
    for _, tool in ipairs(res.tools) do
      L[#L + 1] = string.format("%s (unchanged runs' curves): %d/%d broken right, %d/%d healthy", tool,
        t.rules[tool].broken, t.broken, t.rules[tool].healthy, t.healthy)
    end
  else
    L[#L + 1] = "rule-based baselines (AUTOTRAINER, DeepDiagnosis, UMLAUT): not available (no gglab.symptoms.driver)"
  end
  L[#L + 1] = string.format("%d configurations x 2 seed sets in %.1f s", #res.rows, res.wall_s)
  return L
end

-- The Markdown evaluation table (docs/doctor.md's generated section).
function M.markdown(res)
  local L = {}
  local head = { "configuration", "expected", "unchanged runs (seeds A); the doctor's best fix", "doctor, seeds A",
    "doctor, seeds B", "random fix", "input-range rule" }
  for _, tool in ipairs(res.tools) do head[#head + 1] = tool end
  head[#head + 1] = "runs"
  head[#head + 1] = "seconds"
  L[#L + 1] = "| " .. table.concat(head, " | ") .. " |"
  local sep = {}
  for i = 1, #head do sep[i] = "---" end
  L[#L + 1] = "|" .. table.concat(sep, "|") .. "|"
  local function mark(ok) return ok and "✓" or "✗" end
  for _, row in ipairs(res.rows) do
    local cells = { "`" .. row.name .. "`", M.expected_text(row.entry):gsub("|", " or "),
      evidence.text(row.a.evidence) .. (row.a.report.best and string.format("; %s: outcome %s",
        row.a.report.best.fix.name, row.a.report.best.outcome and string.format("%.3g", row.a.report.best.outcome)
        or "-") or ""),
      cause_text(row.a.causes, row.a.verdict) .. " " .. mark(row.a.correct),
      cause_text(row.b.causes, row.b.verdict) .. " " .. mark(row.b.correct),
      (row.random.cause or "no problem") .. " " .. mark(row.random.correct),
      row.range and ((row.range.cause or "no problem") .. " " .. mark(row.range.correct)) or "-" }
    for _, tool in ipairs(res.tools) do
      local r = row.rules and row.rules[tool]
      cells[#cells + 1] = r and ((r.cause or "no problem") .. " " .. mark(r.correct)) or "-"
    end
    cells[#cells + 1] = tostring(row.a.runs + row.b.runs)
    cells[#cells + 1] = string.format("%.1f", row.a.seconds + row.b.seconds)
    L[#L + 1] = "| " .. table.concat(cells, " | ") .. " |"
  end
  L[#L + 1] = ""
  for _, line in ipairs(M.summary_lines(res)) do L[#L + 1] = "- " .. line end
  return table.concat(L, "\n") .. "\n"
end

return M
