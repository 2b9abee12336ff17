--[[ lua/gglab/doctor/evidence.lua — what the doctor reads from a set of runs (one per
  seed) besides their outcomes: the symptoms of a problem (diverging, training loss rising,
  not learning, validation loss rising while the training loss falls, far worse than an
  easy reference, not generalising at all, still falling far from converged), the measures
  of the unchanged runs' diagnostics (M.measures: what a panel fix's precondition reads)
  and the evidence they give, read against the published rules of thumb; the constant
  predictor's loss (M.constant_loss) and the initial weight variance (M.weight_var) that
  the runs log before training. Also the doctor's number format (M.fmt), shared by these
  texts and the printout (gglab.doctor.output). ]]
local gg = require "gglab"
local util = require "gglab.lib.util"
local stats = require "gglab.lib.stats"
local panel = require "gglab.doctor.panel"

local M = {}

-- A curve "rises" when its last value is above RISE x its minimum. The validation loss
-- needs the margin a fix must beat (1.5x): on a small validation set a healthy run's loss
-- drifts by more than 10 % (one row of 45 changes it), which is no problem any fix solves.
M.RISE = 1.1
M.VAL_RISE = 1.5
-- Not learning: the training loss ends within STUCK (1 %) of the constant predictor's
-- loss (or above it), or never falls below (1 - STUCK) x its first epoch's.
M.STUCK = 0.01
-- Far worse than the easy reference (a linear model on standardised features, trained
-- for the run's epochs; gglab.doctor.diagnose): the outcome above FAR x the reference's
-- AND above it by more than GAP x the constant predictor's loss (so that two near-perfect
-- fits, 0.01 against 0.03, are not "far worse").
M.FAR = 2
M.GAP = 0.1
-- Still falling, far from converged (a run stopped in the middle of its descent: too low
-- a learning rate, too few epochs): over the last quarter of the epochs (at least one) the
-- training loss fell by more than FALL x the constant predictor's training loss (its first
-- epoch's when that is unknown or below 1 % of it), AND the outcome is above SLOW_FAR x the
-- easy reference's (same seed). On the constant predictor's scale, not an absolute one: a
-- healthy run still creeping down by 1-4 % of it is not a symptom, nor one that is as
-- good as the linear model.
M.FALL = 0.05
M.SLOW_FAR = 1.5
-- Does not generalise at all: the outcome, on validation data, is no better than the
-- constant predictor's on that data, while the training loss ends below NO_GEN x the
-- constant predictor's training loss (it learnt the training rows, nothing that carries
-- over: e.g. labels or features preprocessed differently in the two sets).
M.NO_GEN = 0.5

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

local function first(list) return list and list[1] end
local function final(list) return list and list[#list] end

-- The training-loss curve of a run (per epoch; up to the restored best epoch).
local function train_curve(r)
  local best = final(r.curves.doctor_best_epoch)
  return r.curves.epoch_loss and upto(r.curves.epoch_loss, best) or r.curves.loss
end

--[[ stuck(r) -> true when run r does not learn: its training loss ends within M.STUCK of
  the constant predictor's loss on the training data (logged as doctor_const_train) or
  above it, or it never falls below (1 - M.STUCK) x its first epoch's (flat, e.g. at 1e15). ]]
function M.stuck(r)
  local train = train_curve(r)
  if not train or #train == 0 then return false end
  local last = train[#train]
  if last ~= last then return false end
  local c = first(r.curves.doctor_const_train)
  if c and util.is_finite(c) and c > 0 and last >= (1 - M.STUCK) * c then return true end
  if #train >= 2 then
    local min = math.huge
    for _, v in ipairs(train) do if v == v then min = math.min(min, v) end end
    if min >= (1 - M.STUCK) * train[1] then return true end
  end
  return false
end

-- The training loss's scale: the constant predictor's training loss, or the first epoch's
-- loss when that is unknown or below 1 % of it (a constant that fits the rows perfectly).
local function train_scale(r, train)
  local c = first(r.curves.doctor_const_train)
  local t1 = train and train[1]
  if c and util.is_finite(c) and c > 0 and not (t1 and util.is_finite(t1) and c < 0.01 * t1) then return c end
  if t1 and util.is_finite(t1) and t1 > 0 then return t1 end
  return nil
end

--[[ still_falling(r, ref) -> true when run r stopped in the middle of its descent: its
  training loss fell over the last quarter of the epochs by more than M.FALL x its scale
  (the constant predictor's training loss) and its outcome is above M.SLOW_FAR x the easy
  reference's ref (a run of the same seed; without one: false). ]]
function M.still_falling(r, ref)
  local train = train_curve(r)
  if not train or #train < 4 then return false end
  local E = #train
  local q = math.max(1, math.ceil(E / 4))
  local a, b = train[E - q], train[E]
  local scale = train_scale(r, train)
  if not (scale and util.is_finite(a) and util.is_finite(b)) or a - b <= M.FALL * scale then return false end
  local o, lin = r.outcome, ref and ref.status == "ok" and ref.outcome
  return o ~= nil and util.is_finite(o) and lin and util.is_finite(lin) and o > M.SLOW_FAR * lin or false
end

-- Whether run r's outcome is far worse than the easy reference ref (a run of the same
-- seed), or no better than the constant predictor on the outcome's data.
local function far_worse(r, ref)
  local o = r.outcome
  if o == nil or not util.is_finite(o) then return false end
  -- r.const: the constant predictor on the outcome's scale (gglab.doctor.diagnose)
  local c = r.const or first(r.curves.doctor_const)
  if c and util.is_finite(c) and o >= c then return true, "constant" end
  local lin = ref and ref.status == "ok" and ref.outcome
  if lin and util.is_finite(lin) and c and util.is_finite(c) and o > M.FAR * lin
    and o - lin > M.GAP * c then
    return true, "linear"
  end
  return false
end

-- Whether run r does not generalise at all: judged on validation data (it logs val_loss),
-- no better than the constant predictor there (far_worse's "constant"), while its training
-- loss ends below M.NO_GEN x the constant predictor's training loss.
local function no_generalise(r)
  if not r.curves.val_loss then return false end
  local train = train_curve(r)
  local c = first(r.curves.doctor_const_train)
  local last = train and train[#train]
  return c ~= nil and util.is_finite(c) and c > 0 and last ~= nil and util.is_finite(last)
    and last < M.NO_GEN * c
end

--[[ symptoms(results [, reference]) -> {diverged = k, rising = k, stuck = k, val_rising = k,
  far_worse = k, no_generalise = k, slow = k, n = n, list = {...}}: the problem signs of a
  set of runs (one per seed). reference: the easy reference's runs (paired by seed), for
  "far worse than a linear model" and "still falling"; without it only the constant
  predictor is the reference. A run no better than the constant predictor on validation
  data that fits its training rows counts as no_generalise, not far_worse. opts.slow =
  false: "still falling" is counted but not listed (the verdict judges a fix's runs so
  when the unchanged runs do not show it: a lower learning rate that stops a divergence
  is slower, and that is its price, not the problem it was asked to remove).
  opts.unreachable (the unchanged runs only): why the model's output cannot reach the
  targets (gglab.doctor.panel.unreachable_targets) — a structural symptom, listed first
  whatever the curves show (a sigmoid fitted to targets in [-1, 1] still lowers its loss).
  opts.stale: why the run's hand-written loop steps on gradients it never zeroes
  (gglab.doctor.panel.stale_gradients) — structural as well. ]]
function M.symptoms(results, reference, opts)
  local s = { diverged = 0, rising = 0, stuck = 0, val_rising = 0, far_worse = 0, no_generalise = 0, slow = 0,
    n = #results }
  local ref = {}
  for _, r in ipairs(reference or {}) do ref[r.seed] = r end
  for _, r in ipairs(results) do
    if r.status == "diverged" then
      s.diverged = s.diverged + 1
    elseif r.status == "ok" then
      -- A run that restored its best epoch (early stopping) ends with that epoch's model.
      local best = final(r.curves.doctor_best_epoch)
      local train = train_curve(r)
      if rises(train, M.RISE) then s.rising = s.rising + 1 end
      if M.stuck(r) then s.stuck = s.stuck + 1 end
      local val = upto(r.curves.val_loss, best)
      if val and rises(val, M.VAL_RISE) and train and #train >= 2 and train[#train] < train[1] then
        s.val_rising = s.val_rising + 1
      end
      local far, kind = far_worse(r, ref[r.seed])
      if far and kind == "constant" and no_generalise(r) then
        s.no_generalise = s.no_generalise + 1
      elseif far then
        s.far_worse = s.far_worse + 1
      end
      if M.still_falling(r, ref[r.seed]) then s.slow = s.slow + 1 end
    end
  end
  s.list = {}
  if opts and opts.unreachable then
    s.unreachable = 1
    s.list[#s.list + 1] = "the output cannot reach the targets: " .. opts.unreachable
  end
  if opts and opts.stale then
    s.stale = 1
    s.list[#s.list + 1] = "the gradients are never zeroed: " .. opts.stale
  end
  if s.n > 0 and s.diverged >= 0.25 * s.n then
    s.list[#s.list + 1] = string.format("diverges in %d/%d seeds", s.diverged, s.n)
  end
  if s.n > 0 and s.rising >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("training loss rising at the end in %d/%d seeds", s.rising, s.n)
  end
  if s.n > 0 and s.stuck >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("not learning (the training loss stays at the constant predictor's "
      .. "or never falls) in %d/%d seeds", s.stuck, s.n)
  end
  if s.n > 0 and s.val_rising >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("validation loss rising while the training loss falls in %d/%d seeds",
      s.val_rising, s.n)
  end
  if s.n > 0 and s.far_worse >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("far worse than an easy reference (the constant predictor or a "
      .. "linear model) in %d/%d seeds", s.far_worse, s.n)
  end
  if s.n > 0 and s.no_generalise >= 0.5 * s.n then
    s.list[#s.list + 1] = string.format("does not generalise at all (the validation outcome is no better "
      .. "than the constant predictor's while the training loss falls far below it) in %d/%d seeds",
      s.no_generalise, s.n)
  end
  if s.n > 0 and s.slow >= 0.5 * s.n and not (opts and opts.slow == false) then
    s.list[#s.list + 1] = string.format("still falling at the end and far from converged (more than %g x the "
      .. "easy reference's outcome) in %d/%d seeds", M.SLOW_FAR, s.slow, s.n)
  end
  return s
end

--[[ fmt(x) -> x as the doctor prints numbers: 3 significant digits, "inf", "-inf", "-" for nil. ]]
function M.fmt(x)
  if x == nil then return "-" end
  if x == math.huge then return "inf" elseif x == -math.huge then return "-inf" end
  return string.format("%.3g", x)
end
local fmt = M.fmt

-- ---- what the runs log before training ----

-- Column means (medians for l1) of a (n, k) table.
local function centre(rows, median)
  local k, out = #rows[1], {}
  for j = 1, k do
    local col = {}
    for i = 1, #rows do col[i] = rows[i][j] end
    if median then
      out[j] = stats.median(col)
    else
      local s = 0
      for _, v in ipairs(col) do s = s + v end
      out[j] = s / #col
    end
  end
  return out
end

local function filled(n, row)
  local t = {}
  for i = 1, n do t[i] = row end
  return gg.tensor(t)
end

--[[ constant_loss(train, target, loss) -> the loss on dataset target of the best constant
  prediction fitted on dataset train (the targets' mean — median for l1 — for a
  regression loss; the training class frequencies, +1 smoothed, for cross-entropy/nll — for
  token sequences (a language model's (n, L) targets) the training tokens' frequencies at
  every position, the unigram model;
  the mean target probability for bce; for Keras's categorical_crossentropy, on class
  indices, -mean log of the +1 smoothed frequency of the row's class), or nil when the loss
  or data is not one of these.
  loss: a gg.train loss option ("mse" or {"mse", ...options}). ]]
function M.constant_loss(train, target, loss)
  local name = loss == nil and "mse" or type(loss) == "table" and loss[1] or loss
  local lopts
  if type(loss) == "table" then
    lopts = {}
    for k, v in pairs(loss) do if k ~= 1 then lopts[k] = v end end
  end
  local ok, value = pcall(function()
    local y, n = train:y():totable(), target:n()
    if type(y[1]) ~= "table" then return nil end
    local row
    if name == "mse" or name == "huber" or name == "smooth_l1" or name == "l1" then
      row = centre(y, name == "l1")
    elseif name == "bce" or name == "bce_with_logits" then
      row = centre(y)
      for j, p in ipairs(row) do
        p = math.min(math.max(p, 1e-7), 1 - 1e-7)
        row[j] = name == "bce" and p or math.log(p / (1 - p))
      end
    elseif name == "categorical_crossentropy" then
      -- Keras's on probabilities (no gg.loss function): -mean log q_y, q the frequencies
      local C = train:classes()
      if C < 2 or #y[1] ~= 1 then return nil end
      local count = {}
      for c = 1, C do count[c] = 1 end
      for _, r in ipairs(y) do count[r[1] + 1] = count[r[1] + 1] + 1 end
      local s, rows = 0, target:y():totable()
      for _, r in ipairs(rows) do s = s - math.log(count[r[1] + 1] / (#y + C)) end
      return s / #rows
    elseif (name == "cross_entropy" or name == "nll") and #y[1] > 1 and (train:vocab() or 0) > 1 then
      -- a sequence of token ids (a language model): the unigram predictor, the training
      -- tokens' frequencies (+1 smoothed) at every position
      local V, N = train:vocab(), 0
      local count = {}
      for c = 1, V do count[c] = 1 end
      for _, r in ipairs(y) do
        for _, t in ipairs(r) do count[t + 1] = count[t + 1] + 1; N = N + 1 end
      end
      local s, k = 0, 0
      for _, r in ipairs(target:y():totable()) do
        for _, t in ipairs(r) do s = s - math.log(count[t + 1] / (N + V)); k = k + 1 end
      end
      return k > 0 and s / k or nil
    elseif name == "cross_entropy" or name == "nll" then
      local C = train:classes()
      if C < 2 or #y[1] ~= 1 then return nil end
      local count = {}
      for c = 1, C do count[c] = 1 end
      for _, r in ipairs(y) do count[r[1] + 1] = count[r[1] + 1] + 1 end
      row = {}
      for c = 1, C do row[c] = math.log(count[c] / (#y + C)) end
    else
      return nil
    end
    return gg.loss[name](filled(n, row), target:y(), lopts):item()
  end)
  if ok and type(value) == "number" and util.is_finite(value) then return value end
  return nil
end

--[[ constant_error(train, target) -> the error rate (1 - accuracy) on dataset target of
  always predicting the most frequent class of dataset train, or nil without classes. ]]
function M.constant_error(train, target)
  local ok, value = pcall(function()
    local C = train:classes()
    if C < 2 then return nil end
    local count = {}
    for _, r in ipairs(train:y():totable()) do count[r[1]] = (count[r[1]] or 0) + 1 end
    local best, n = nil, -1
    for c, k in pairs(count) do if k > n or (k == n and c < best) then best, n = c, k end end
    local wrong, rows = 0, target:y():totable()
    for _, r in ipairs(rows) do if r[1] ~= best then wrong = wrong + 1 end end
    return wrong / #rows
  end)
  return ok and value or nil
end

--[[ weight_var(model) -> the largest population variance of a weight matrix of model (its
  parameters with more than one row, and a one-row weight followed by its (1, 1) bias), or
  nil: logged before the first update, the initial weight variance of the evidence. ]]
function M.weight_var(model)
  local ok, params = pcall(model.parameters, model)
  if not ok or type(params) ~= "table" then return nil end
  local m
  for i, p in ipairs(params) do
    local rows, cols = p:shape()
    local nxt = params[i + 1]
    local is_weight = rows > 1 or (nxt ~= nil and select(2, nxt:shape()) == 1 and select(1, nxt:shape()) == 1
      and cols > 1)
    if is_weight and rows * cols > 1 then
      local s, s2, n = 0, 0, 0
      for _, row in ipairs(p:totable()) do
        for _, v in ipairs(type(row) == "table" and row or { row }) do s, s2, n = s + v, s2 + v * v, n + 1 end
      end
      local v = s2 / n - (s / n) ^ 2
      m = math.max(m or 0, math.max(v, 0))
    end
  end
  return m
end

-- ---- measures and evidence: what the unchanged runs' diagnostics say ----

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

-- Per run: the measure's value (nil when not measured).
local PER_RUN = {
  grad_growth = function(c)
    local g = finite_values(c.grad_norm)
    if #g < 2 or g[1] <= 0 then return nil end
    return max_of(g) / g[1]
  end,
  update_ratio = function(c) return max_of(c.update_ratio) end,
  saturation = function(c) return last_of(c.saturated_frac) end,
  dead = function(c) return last_of(c.dead_relu_frac) end,
  zero_grad = function(c) return last_of(c.zero_grad_frac) end,
  grad_ratio = function(c) return last_of(c.grad_ratio) end,
  input_span = function(c)
    local lo, hi = first(c.input_min), first(c.input_max)
    if not lo or not hi then return nil end
    return math.max(math.abs(lo), math.abs(hi))
  end,
  -- sharpness / (2 / lr) = sharpness * lr / 2, the largest over the records
  sharpness_ratio = function(c)
    local s, l = c.sharpness, c.sharpness_limit
    if not s or not l then return nil end
    local m
    for i = 1, math.min(#s, #l) do
      if util.is_finite(s[i]) and util.is_finite(l[i]) and l[i] > 0 then m = math.max(m or 0, s[i] / l[i]) end
    end
    return m
  end,
  -- measured before the first update (doctor_weight_var, gglab.doctor.diagnose)
  weight_var = function(c)
    local v = first(c.doctor_weight_var)
    return v and util.is_finite(v) and v or nil
  end,
  -- attention (diagnostics attn_max_logit_<a>, attn_entropy_<a>): the largest logit of any
  -- layer over the run; the lowest final entropy of any layer
  attn_max_logit = function(c)
    local m
    for k, list in pairs(c) do
      if type(k) == "string" and k:match("^attn_max_logit_%d+$") then
        local v = max_of(list)
        if v and (not m or v > m) then m = v end
      end
    end
    return m
  end,
  attn_entropy = function(c)
    local m
    for k, list in pairs(c) do
      if type(k) == "string" and k:match("^attn_entropy_%d+$") then
        local v = last_of(list)
        if v and (not m or v < m) then m = v end
      end
    end
    return m
  end,
  -- output logits (diagnostics logit_norm, cross_entropy only): the last record, and the
  -- largest record over the first
  logit_norm = function(c) return last_of(c.logit_norm) end,
  -- the final validation loss over its minimum (runs with validation data)
  val_rise = function(c)
    local f = finite_values(c.val_loss)
    if #f < 2 then return nil end
    local lo
    for _, v in ipairs(f) do if not lo or v < lo then lo = v end end
    if lo <= 0 then return nil end
    return f[#f] / lo
  end,
  logit_growth = function(c)
    local f = finite_values(c.logit_norm)
    if #f < 2 or f[1] <= 0 then return nil end
    return max_of(f) / f[1]
  end,
  spikes = function(c)
    local f = finite_values(c.loss_spike)
    if #f == 0 then return nil end
    local k = 0
    for _, v in ipairs(f) do k = k + v end
    return k / #f
  end,
}
local PER_RUN_KEYS = {}
for k in pairs(PER_RUN) do PER_RUN_KEYS[#PER_RUN_KEYS + 1] = k end
table.sort(PER_RUN_KEYS)

--[[ measures(runs) -> the medians over the runs (one per seed; usually the unchanged ones)
  of: grad_growth (max / first gradient norm), update_ratio (max update/weight ratio),
  saturation (saturated sigmoid/tanh fraction, last record), dead (dead ReLU fraction),
  zero_grad (zero-gradient share), grad_ratio (first/last layer gradient ratio),
  input_span (max |input|), sharpness_ratio (sharpness * lr / 2), weight_var (initial
  weight variance, before any update), spikes (loss-spike share), attn_max_logit (the largest
  attention logit of any layer over the run), attn_entropy (the lowest final attention entropy
  of any layer, nats), logit_norm (the final mean output-logit norm) and logit_growth (its
  largest record over the first; cross_entropy only), val_rise (the final validation loss over
  its minimum), stuck (true when at
  least half the runs do not learn: M.stuck) and still_falling (true when at least half
  stopped in the middle of their descent: M.still_falling against reference, the easy
  reference's runs paired by seed; nil without them). A key is nil when it was not
  measured. ]]
function M.measures(runs, reference)
  local m = {}
  for _, key in ipairs(PER_RUN_KEYS) do
    local xs = {}
    for _, r in ipairs(runs) do
      if r.curves then
        local v = PER_RUN[key](r.curves)
        if v ~= nil and v == v then xs[#xs + 1] = v end
      end
    end
    m[key] = stats.median(xs)
  end
  local k, n = 0, 0
  for _, r in ipairs(runs) do
    if r.status == "ok" and r.curves then
      n = n + 1
      if M.stuck(r) then k = k + 1 end
    elseif r.status == "diverged" then
      n = n + 1
    end
  end
  if n > 0 then m.stuck = k >= 0.5 * n end
  if reference and #reference > 0 and n > 0 then
    local ref, f = {}, 0
    for _, r in ipairs(reference) do ref[r.seed] = r end
    for _, r in ipairs(runs) do
      if r.status == "ok" and r.curves and M.still_falling(r, ref[r.seed]) then f = f + 1 end
    end
    m.still_falling = f >= 0.5 * n
  end
  return m
end

--[[ evidence(results, seen, measures) -> list of {cause, text}: the diagnostics
  signals of the unchanged runs (M.measures: medians over seeds) that point to a cause,
  with the published rule of thumb they are read against. Evidence, not the verdict: the
  verdict comes from the fixes. seen (the probe's observations): inputs that are token
  ids have no input-range signal. ]]
function M.evidence(results, seen, measures)
  local m = measures or M.measures(results)
  local out = {}
  local function add(cause, text) out[#out + 1] = { cause = cause, text = text } end
  local ur = m.update_ratio
  if ur and ur > 1e-1 then
    add("lr_too_high", string.format("update/weight ratio up to %s per step, far above the usual 1e-3",
      fmt(ur)))
  end
  local sh = m.sharpness_ratio
  if sh and sh > 1.5 then
    add("lr_too_high", string.format("sharpness %s x the stability limit (2/lr for SGD)", fmt(sh)))
  end
  local sat = m.saturation
  if sat and sat > 0.5 then
    add("saturation", string.format(
      "%s%% of sigmoid/tanh units saturated (beyond +-5; DeepDiagnosis flags > 50%%)",
      fmt(100 * sat)))
  end
  local dead = m.dead
  if dead and dead > 0.5 then
    add("dead_relu", string.format("%s%% of ReLU units dead on a whole batch", fmt(100 * dead)))
  end
  local zg = m.zero_grad
  if zg and zg >= 0.7 then
    add("dead_relu", string.format("%s%% of gradient entries exactly 0 (AUTOTRAINER flags >= 70%%)",
      fmt(100 * zg)))
  end
  local growth = m.grad_growth
  if growth and growth > 100 then
    add("exploding_gradients", string.format("gradient norm grows to %s x its first value", fmt(growth)))
  end
  local ratio = m.grad_ratio
  if ratio and ratio > 70 then
    add("exploding_gradients", string.format("first/last layer gradient ratio %s (AUTOTRAINER: > 70)",
      fmt(ratio)))
  elseif ratio and ratio < 1e-3 then
    add("saturation", string.format("first/last layer gradient ratio %s (AUTOTRAINER vanishing: < 1e-3)",
      fmt(ratio)))
  end
  local span = m.input_span
  if span and span > 10 and not (seen and panel.token_ids(seen)) then
    add("unscaled_features", string.format("input values up to %s (UMLAUT and DeepDiagnosis expect [-1, 1])",
      fmt(span)))
  end
  local wv = m.weight_var
  if wv and wv > 10 then
    add("bad_init", string.format("initial weight variance up to %s (DeepDiagnosis: outside [1e-5, 10])",
      fmt(wv)))
  elseif wv and wv < 1e-5 then
    add("bad_init", string.format("initial weight variance %s (DeepDiagnosis: outside [1e-5, 10])", fmt(wv)))
  end
  local spikes = m.spikes
  if spikes and spikes > 0.1 then
    add("lr_too_high", string.format("loss spikes in %s%% of the recorded steps", fmt(100 * spikes)))
  end
  local al = m.attn_max_logit
  if al and al > panel.ATTN_LOGIT then
    local ent = m.attn_entropy and string.format(", lowest final attention entropy %s nats", fmt(m.attn_entropy))
      or ""
    add("attention_logit_growth", string.format("largest attention logit %s (> %g: one-hot attention; "
      .. "Wortsman et al. 2023)%s", fmt(al), panel.ATTN_LOGIT, ent))
  end
  local lg = m.logit_growth
  if lg and lg > panel.LOGIT_GROWTH then
    add("output_logit_divergence", string.format("output-logit norm grows to %s x its first value (final %s)",
      fmt(lg), fmt(m.logit_norm)))
  end
  return out
end

return M
