--[[ lua/gglab/stable_lr.lua — gg.stable_lr{...}: the largest learning rate that trains
  without diverging for T steps, by bisection in log lr.
  build(seed, lr) describes one training: either gg.train options (model, data, optimizer,
  ... built fresh for that seed and lr; stable_lr sets epochs to cover T steps and drops
  log), or a function(steps) that trains and returns its per-step losses (a list, or a
  table with .loss such as gg.train's history). A run diverges when a loss among its first
  T is NaN/inf or the T-th loss exceeds blowup (1) × the first: it ended worse than it
  began (pass diverged = function(losses) → bool for another rule). An lr is stable when
  at least fraction (1: every) of the seeds do not diverge. Starting from the bracket
  [lo, hi] (lo must be stable, hi not), the geometric midpoint replaces the end whose
  verdict it shares until hi/lo <= 1 + tol. ]]
local gg = require "gglab"
local args = require "gglab.lib.args"

local M = {}

local KEYS = { "build", "seeds", "steps", "lo", "hi", "tol", "fraction", "blowup", "diverged" }
local describe = args.describe

-- Raised from check (level 4: fail <- check <- M.stable_lr <- the caller's line); helpers
-- pass their own level.
local function fail(msg, level) error("gg.stable_lr: " .. msg, level or 4) end

local function check(opts)
  if type(opts) ~= "table" then fail("expected an option table, got " .. describe(opts)) end
  args.check_options("gg.stable_lr", opts, KEYS, 3)
  if type(opts.build) ~= "function" then
    fail("build must be a function(seed, lr) returning gg.train options or a function(steps), got "
      .. describe(opts.build))
  end
  local seeds = opts.seeds or { 1 }
  if type(seeds) ~= "table" or #seeds == 0 then fail("seeds must be a non-empty list, got " .. describe(seeds)) end
  local steps = opts.steps
  if math.type(steps) ~= "integer" or steps < 1 then fail("steps must be an integer >= 1, got " .. describe(steps)) end
  local F = "gg.stable_lr"
  local c = { seeds = seeds, steps = steps, lo = args.positive(F, opts, "lo", 1e-4, 3),
    hi = args.positive(F, opts, "hi", 10, 3), tol = args.positive(F, opts, "tol", 0.05, 3),
    fraction = opts.fraction or 1, blowup = args.positive(F, opts, "blowup", 1, 3) }
  if c.hi <= c.lo then
    fail(string.format("hi must be larger than lo, got %s <= %s", describe(c.hi), describe(c.lo)))
  end
  if type(c.fraction) ~= "number" or not (c.fraction > 0 and c.fraction <= 1) then
    fail("fraction must be a number in (0, 1], got " .. describe(c.fraction))
  end
  if opts.diverged ~= nil and type(opts.diverged) ~= "function" then
    fail("diverged must be a function(losses) -> boolean, got " .. describe(opts.diverged))
  end
  return c
end

-- Steps gg.train takes per epoch with these options.
local function steps_per_epoch(t)
  if type(t.order) == "table" then return #t.order end
  local n, bs = t.data:n(), t.batch_size or 32
  if t.drop_last then return n // bs end
  return (n + bs - 1) // bs
end

-- The first `steps` losses of one training described by spec (see build).
local function losses_of(spec, steps)
  if type(spec) == "function" then
    local out = spec(steps)
    if type(out) == "table" and type(out.loss) == "table" then out = out.loss end
    if type(out) ~= "table" then fail("build's function must return a list of losses, got " .. describe(out), 5) end
    return out
  end
  if type(spec) ~= "table" then
    fail("build must return gg.train options or a function(steps), got " .. describe(spec), 5)
  end
  local t = {}
  for k, v in pairs(spec) do t[k] = v end
  t.log = nil
  if type(t.order) ~= "function" then
    t.epochs = math.max(1, (steps + steps_per_epoch(t) - 1) // steps_per_epoch(t))
  end
  return gg.train(t).loss
end

-- gg.train stops at the first NaN/inf loss, so a short list ends with one.
local function default_diverged(losses, steps, blowup)
  for i = 1, math.min(#losses, steps) do
    local l = losses[i]
    if l ~= l or l == math.huge or l == -math.huge then return true end
  end
  if #losses < steps then
    fail(string.format("a training gave %d losses, fewer than steps = %d, without diverging", #losses, steps), 5)
  end
  return losses[steps] > blowup * losses[1]
end

--[[ gg.stable_lr{build=, seeds={1}, steps=T, lo=1e-4, hi=10, tol=0.05, fraction=1,
  blowup=1, diverged=nil} → {lr, lo, hi, bracketed, tested}
  lr: the largest lr found stable (the final lo; nil when lo itself diverges); [lo, hi]
  the final bracket; bracketed = false when hi is stable (then lr = hi) or lo is not;
  tested: every lr tried, in order, {lr, stable, ok (seeds that did not diverge), n,
  last = {per seed: T-th loss / first loss}}. ]]
function M.stable_lr(opts)
  local c = check(opts)
  local is_diverged = opts.diverged or function(losses) return default_diverged(losses, c.steps, c.blowup) end
  local need = math.ceil(c.fraction * #c.seeds - 1e-9)
  local tested = {}
  local function stable(lr)
    local ok, last = 0, {}
    for i, seed in ipairs(c.seeds) do
      local losses = losses_of(opts.build(seed, lr), c.steps)
      if not is_diverged(losses) then ok = ok + 1 end
      last[i] = losses[c.steps] and losses[c.steps] / losses[1] or 0 / 0
    end
    local s = ok >= need
    tested[#tested + 1] = { lr = lr, stable = s, ok = ok, n = #c.seeds, last = last }
    return s
  end
  local lo, hi = c.lo, c.hi
  if not stable(lo) then return { lr = nil, lo = lo, hi = hi, bracketed = false, tested = tested } end
  if stable(hi) then return { lr = hi, lo = lo, hi = hi, bracketed = false, tested = tested } end
  while hi / lo > 1 + c.tol do
    local mid = math.sqrt(lo * hi)
    if stable(mid) then lo = mid else hi = mid end
  end
  return { lr = lo, lo = lo, hi = hi, bracketed = true, tested = tested }
end

return M
