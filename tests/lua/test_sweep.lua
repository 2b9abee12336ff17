-- tests/lua/test_sweep.lua — the sweep language, canonical form, run ids and seeds.

local T = require "check"
local gg = require "gglab"  -- registers the embedded gglab.* modules
local sweep = require "gglab.sweep"

local function canon_list(s)
  local out = {}
  for i, p in ipairs(s:points()) do out[i] = sweep.canonical(p) end
  return out
end

-- ---- grid ----

do
  local s = sweep.grid { seed = sweep.seeds(2), lr = { 0.1, 0.01 }, opt = { "sgd", "adam" } }
  T.eq("grid size", #s, 8)
  T.eq("grid order: names sorted, last varies fastest", canon_list(s), {
    "lr=0.1;opt=sgd;seed=1", "lr=0.1;opt=sgd;seed=2", "lr=0.1;opt=adam;seed=1", "lr=0.1;opt=adam;seed=2",
    "lr=0.01;opt=sgd;seed=1", "lr=0.01;opt=sgd;seed=2", "lr=0.01;opt=adam;seed=1", "lr=0.01;opt=adam;seed=2" })
  T.eq("grid names", s:names(), { "lr", "opt", "seed" })
  local seen = 0
  for i, p in s:iter() do
    seen = seen + 1
    T.eq("iter point " .. i, p, s:points()[i])
  end
  T.eq("iter visits all", seen, 8)
  local n = 0
  for _ in pairs(s) do n = n + 1 end
  T.eq("pairs visits all", n, 8)
  local p = s:points()[1]
  p.lr = 99
  T.eq("points() returns copies", s:points()[1].lr, 0.1)
end

T.eq("grid scalar axis is a fixed value",
  canon_list(sweep.grid { lr = { 1, 2 }, wd = 0, nesterov = true }),
  { "lr=1;nesterov=true;wd=0", "lr=2;nesterov=true;wd=0" })

-- ---- zip ----

T.eq("zip pairs values", canon_list(sweep.zip { lr = { 0.1, 0.2 }, warmup = { 10, 20 }, wd = 0 }),
  { "lr=0.1;warmup=10;wd=0", "lr=0.2;warmup=20;wd=0" })
T.raises("zip unequal lengths", function() sweep.zip { a = { 1, 2 }, b = { 1, 2, 3 } } end,
  "gg.zip: axes must have equal lengths, got a=2, b=3")
T.raises("zip mismatch in the middle", function() sweep.zip { a = { 1, 2 }, b = { 1, 2, 3 }, c = { 1, 2 } } end,
  "gg.zip: axes must have equal lengths, got a=2, b=3, c=2")
T.eq("zip booleans", canon_list(sweep.zip { a = { true, false }, b = { 1, 2 } }), { "a=true;b=1", "a=false;b=2" })
T.eq("zip of scalars is one point", canon_list(sweep.zip { a = 1, b = "x" }), { "a=1;b=x" })

-- ---- concat, filter, derive ----

do
  local a = sweep.grid { lr = { 1, 2 } }
  local b = sweep.grid { lr = 3, wd = 0.5 }
  local s = a + b
  T.eq("concat size", #s, 3)
  T.eq("concat order", canon_list(s), { "lr=1", "lr=2", "lr=3;wd=0.5" })
  T.eq("concat names union", s:names(), { "lr", "wd" })
  T.raises("concat duplicate", function() local _ = a + sweep.grid { lr = 2 } end,
    "sweep %+: duplicate point lr=2")
  T.raises("concat non-sweep", function() local _ = a + 5 end, "sweep %+: right operand must be a sweep, got 5")

  local f = s:filter(function(p) return p.lr ~= 2 end)
  T.eq("filter", canon_list(f), { "lr=1", "lr=3;wd=0.5" })
  T.eq("filter leaves original", #s, 3)

  local d = a:derive("warmup", function(p) return p.lr * 10 end)
  T.eq("derive", canon_list(d), { "lr=1;warmup=10", "lr=2;warmup=20" })
  T.raises("derive existing name", function() a:derive("lr", function() return 1 end) end,
    "sweep:derive: name 'lr' is already a parameter of point lr=1")
  T.raises("derive bad return", function() a:derive("x", function() return nil end) end,
    "sweep:derive: fn must return a number, string, boolean or list of them, got nil for point lr=1")
  T.raises("filter needs function", function() a:filter(3) end, "sweep:filter: fn must be a function, got 3")
end

-- ---- value ranges ----

do
  local v = sweep.logspace(1e-4, 1e-1, 4)
  T.eq("logspace decades are exact", v, { 1e-4, 1e-3, 1e-2, 1e-1 })
  local w = sweep.logspace(3e-4, 0.7, 7)
  T.eq("logspace first endpoint exact", w[1], 3e-4)
  T.eq("logspace last endpoint exact", w[7], 0.7)
  T.near("logspace interior", w[4], math.sqrt(3e-4 * 0.7), 1e-15)
  T.eq("logspace n=1", sweep.logspace(0.5, 2, 1), { 0.5 })
  T.eq("linspace", sweep.linspace(0, 1, 5), { 0, 0.25, 0.5, 0.75, 1 })
  T.eq("linspace endpoints exact", sweep.linspace(0.1, 0.7, 7)[7], 0.7)
  T.eq("seeds", sweep.seeds(3), { 1, 2, 3 })
  T.raises("logspace a <= 0", function() sweep.logspace(0, 1, 3) end, "gg.logspace: a must be > 0, got 0")
  T.raises("logspace n not integer", function() sweep.logspace(1, 2, 2.5) end,
    "gg.logspace: n must be an integer >= 1, got 2.5")
  T.raises("linspace b not finite", function() sweep.linspace(0, 1 / 0, 3) end,
    "gg.linspace: b must be a finite number, got inf")
  T.raises("seeds 0", function() sweep.seeds(0) end, "gg.seeds: n must be an integer >= 1, got 0")
end

-- ---- canonical form and run ids ----

T.eq("canonical sorts keys", sweep.canonical { seed = 1, lr = 0.1, opt = "sgd" }, "lr=0.1;opt=sgd;seed=1")
T.eq("canonical integer-valued float", sweep.canonical { lr = 3.0, n = 3 }, "lr=3;n=3")
T.eq("canonical escapes", sweep.canonical { name = "a;b=c\\" }, "name=a\\;b\\=c\\\\")
T.eq("canonical booleans", sweep.canonical { nesterov = false }, "nesterov=false")
-- Pinned FNV-1a 64 values (checked against an independent implementation).
T.eq("run_id pinned 1", sweep.run_id { lr = 0.1, opt = "sgd", seed = 1 }, "17d189da3f4aa504")
T.eq("run_id pinned 2", sweep.run_id { lr = 1e-3, optimizer = "adam" }, "b8728e8701d568c9")
T.eq("run_id of empty point is the FNV offset basis", sweep.run_id {}, "cbf29ce484222325")
T.eq("run_id ignores key order and int/float", sweep.run_id { wd = 0, lr = 0.3 }, sweep.run_id { lr = 0.3, wd = 0.0 })
T.ok("run_id format", sweep.run_id { x = "y" }:match("^%x+$") and #sweep.run_id { x = "y" } == 16)

-- ---- typed values: the number 2 and the string "2" are different runs (issue 20, bug 6) ----

do
  local s = sweep.grid { x = { 1, "1" } }
  local pts = s:points()
  T.eq("grid{x={1,'1'}}: two points", #pts, 2)
  T.eq("... typed as given", { math.type(pts[1].x), type(pts[2].x) }, { "integer", "string" })
  T.ok("... with different run ids", sweep.run_id(pts[1]) ~= sweep.run_id(pts[2]))
  T.eq("... the string quoted in the canonical form", canon_list(s), { "x=1", 'x="1"' })
  T.ok("2 and '2' differ", sweep.run_id { x = 2 } ~= sweep.run_id { x = "2" })
  T.ok("true and 'true' differ", sweep.run_id { x = true } ~= sweep.run_id { x = "true" })
  T.ok("false and 'false' differ", sweep.run_id { x = false } ~= sweep.run_id { x = "false" })
  T.ok("0.001 and '0.001' differ", sweep.run_id { x = 0.001 } ~= sweep.run_id { x = "0.001" })
  T.ok("nan and 'nan' differ", sweep.run_id { x = 0 / 0 } ~= sweep.run_id { x = "nan" })
  T.ok("inf and 'inf' differ", sweep.run_id { x = math.huge } ~= sweep.run_id { x = "inf" })
  T.ok("-0.0 and '-0' differ", sweep.run_id { x = -0.0 } ~= sweep.run_id { x = "-0" })
  T.ok("'2' and '\"2\"' differ", sweep.run_id { x = "2" } ~= sweep.run_id { x = '"2"' })
  T.eq("grid{x={true,'true',false,'false'}}: four points", #sweep.grid { x = { true, "true", false, "false" } }:points(), 4)
  T.eq("canonical of ambiguous strings", { sweep.canonical { x = "2" }, sweep.canonical { x = "true" },
    sweep.canonical { x = "nan" }, sweep.canonical { x = '"q' } }, { 'x="2"', 'x="true"', 'x="nan"', 'x=""q"' })
  -- Strings no number or boolean canonicalizes to keep their text (and their ids).
  T.eq("canonical of unambiguous strings unchanged", { sweep.canonical { x = "2.0" }, sweep.canonical { x = "1e-3" },
    sweep.canonical { x = "adam" } }, { "x=2.0", "x=1e-3", "x=adam" })
  -- The ids of numbers, booleans and plain strings are those of before (results folders resume).
  T.eq("number id unchanged", sweep.run_id { x = 2 }, "bf0d7a197f627474")
  T.eq("boolean id unchanged", sweep.run_id { x = true }, "7ff168193262d4a2")
  T.eq("nan id unchanged", sweep.run_id { x = 0 / 0 }, "50a77ccf4dee08c7")
  T.eq("plain string id unchanged", sweep.run_id { x = "adam" }, "5bc83bbf9c20faf9")
  T.eq("show_value quotes what reads as another type", { sweep.show_value("2"), sweep.show_value("2.0"),
    sweep.show_value("true"), sweep.show_value("adam"), sweep.show_value(2), sweep.show_value(0.1),
    sweep.show_value(true) }, { '"2"', '"2.0"', '"true"', "adam", "2", "0.1", "true" })
  T.raises("grid{x={1,1.0}} still a duplicate", function() sweep.grid { x = { 1, 1.0 } } end,
    "gg.grid: duplicate point x=1")
end

-- ---- duplicates ----

T.raises("grid duplicate values", function() sweep.grid { lr = { 0.1, 0.1 } } end, "gg.grid: duplicate point lr=0.1")
T.raises("duplicate message has caller location", function() sweep.grid { lr = { 1, 1.0 } } end,
  "^.-test_sweep%.lua:%d+: gg%.grid: duplicate point lr=1")

-- ---- seeds ----

do
  local a = sweep.run_seed(0, { lr = 0.1, seed = 1 })
  T.eq("run_seed pinned", a, 306350170640982)
  T.eq("run_seed pinned with exp seed", sweep.run_seed(42, { seed = 3 }), 8807030335946528)
  T.eq("run_seed pairs across lr", sweep.run_seed(0, { lr = 0.5, seed = 1 }), a)
  T.ok("run_seed differs across seed", sweep.run_seed(0, { lr = 0.1, seed = 2 }) ~= a)
  T.ok("run_seed differs across exp seed", sweep.run_seed(1, { lr = 0.1, seed = 1 }) ~= a)
  T.eq("run_seed without seed uses 1", sweep.run_seed(0, { lr = 0.1 }), a)
  T.eq("run_seed default exp seed", sweep.run_seed(nil, { seed = 1 }), a)
  local ok_range = true
  for s = 1, 200 do
    local r = sweep.run_seed(7, { seed = s })
    ok_range = ok_range and math.type(r) == "integer" and r >= 1 and r < 2 ^ 53
  end
  T.ok("run_seed in [1, 2^53)", ok_range)
  T.raises("run_seed non-integer seed", function() sweep.run_seed(0, { seed = 1.5 }) end,
    "sweep.run_seed: parameter 'seed' must be an integer, got 1.5")
end

-- ---- bad input ----

T.raises("grid non-table", function() sweep.grid(3) end, "gg.grid: axes must be a table of name = values, got 3")
T.raises("grid empty", function() sweep.grid {} end, "gg.grid: axes must name at least one axis, got empty table")
T.raises("grid empty axis", function() sweep.grid { lr = {} } end,
  "gg.grid: axis 'lr' must be a value or a non%-empty list, got empty table")
T.raises("grid bad value", function() sweep.grid { lr = { 1, { a = 1 } } } end,
  "gg.grid: axis 'lr' values must be numbers, strings, booleans or lists of them, got table with "
  .. "non%-list keys at index 2")
T.raises("grid bad axis name", function() sweep.grid { ["learning rate"] = 1 } end,
  "gg.grid: axis names must be identifiers, got 'learning rate'")
T.raises("grid function axis", function() sweep.grid { lr = print } end,
  "gg.grid: axis 'lr' must be a value or a non%-empty list, got function")

-- ---- random search ----

do
  local spec = function()
    return { n = 50, seed = 7, lr = sweep.loguniform(1e-4, 1), wd = sweep.uniform(0, 0.1),
      bs = sweep.randint(8, 10), opt = sweep.choice { "sgd", "adam" }, act = { "relu", "tanh" }, fixed = 3 }
  end
  local a, b = sweep.random(spec()), sweep.random(spec())
  T.eq("random size", #a, 50)
  T.eq("random is deterministic", canon_list(a), canon_list(b))
  T.eq("random names", a:names(), { "act", "bs", "fixed", "lr", "opt", "wd" })
  local s2 = spec()
  s2.seed = 8
  T.ok("random seed changes the points", canon_list(sweep.random(s2))[1] ~= canon_list(a)[1])
  local d = spec()
  d.seed = nil
  T.eq("random default seed is 0", canon_list(sweep.random(d)), (function()
    local e = spec()
    e.seed = 0
    return canon_list(sweep.random(e))
  end)())

  -- Pinned: axes draw in sorted name order from gg.rng(seed).
  local r = gg.rng(3)
  local want_x = 2 + 3 * r:uniform()
  local want_y = ({ "p", "q", "r" })[r:integer(3)]
  local first = sweep.random { n = 1, seed = 3, y = { "p", "q", "r" }, x = sweep.uniform(2, 5) }:points()[1]
  T.eq("random draws sorted names from gg.rng(seed)", first, { x = want_x, y = want_y })

  local lo, hi, ints, seen_bs, opts = math.huge, -math.huge, true, {}, {}
  local big = sweep.random { n = 2000, lr = sweep.loguniform(1e-4, 1), bs = sweep.randint(8, 10),
    opt = sweep.choice { "sgd", "adam" } }
  local decades = { 0, 0, 0, 0 }
  for _, p in big:iter() do
    lo, hi = math.min(lo, p.lr), math.max(hi, p.lr)
    local dec = math.floor(-math.log(p.lr, 10)) + 1
    decades[dec] = (decades[dec] or 0) + 1
    ints = ints and math.type(p.bs) == "integer"
    seen_bs[p.bs] = (seen_bs[p.bs] or 0) + 1
    opts[p.opt] = (opts[p.opt] or 0) + 1
  end
  T.ok("loguniform within [a, b]", lo >= 1e-4 and hi <= 1)
  local flat = true
  for i = 1, 4 do flat = flat and decades[i] > 400 and decades[i] < 600 end
  T.ok("loguniform: about 500 per decade", flat)
  T.ok("randint integers", ints)
  T.ok("randint inclusive range", seen_bs[8] and seen_bs[9] and seen_bs[10] and seen_bs[7] == nil and seen_bs[11] == nil)
  T.ok("randint roughly even", seen_bs[8] > 550 and seen_bs[10] > 550)
  T.ok("choice roughly even", opts.sgd > 900 and opts.adam > 900)
  local u = sweep.random { n = 1000, x = sweep.uniform(-1, 1) }
  local sum, ok_range = 0, true
  for _, p in u:iter() do
    sum = sum + p.x
    ok_range = ok_range and p.x >= -1 and p.x <= 1
  end
  T.ok("uniform within [a, b]", ok_range)
  T.near("uniform mean", sum / 1000, 0, 0.06)

  -- Discrete spaces: duplicates are drawn again, so all combinations appear once.
  local all = sweep.random { n = 6, a = { 1, 2, 3 }, b = sweep.choice { true, false } }
  T.eq("random distinct points fill a small space", #all, 6)
  T.raises("random space too small", function() sweep.random { n = 7, a = { 1, 2, 3 }, b = { true, false } } end,
    "gg.random: found only 6 distinct points in 700 draws, n = 7")

  -- det log/exp agree with libm to a couple of ulps.
  local worst = 0
  for i = -300, 300 do
    local x = 1.37 * 10 ^ (i / 10)
    worst = math.max(worst, math.abs(sweep._det_log(x) - math.log(x)) / math.max(1, math.abs(math.log(x))))
    local y = i / 5
    worst = math.max(worst, math.abs(sweep._det_exp(y) - math.exp(y)) / math.exp(y))
  end
  T.ok("det log/exp within 1e-15 relative", worst < 1e-15)
  T.eq("loguniform pinned", sweep.canonical(sweep.random { n = 1, lr = sweep.loguniform(1e-3, 1) }:points()[1]),
    "lr=" .. gg.fmt_number(sweep._det_exp(sweep._det_log(1e-3) + (0 - sweep._det_log(1e-3)) * gg.rng(0):uniform()), true))
end

T.raises("random n missing", function() sweep.random { lr = sweep.uniform(0, 1) } end,
  "gg.random: n must be an integer >= 1, got nil")
T.raises("random n not integer", function() sweep.random { n = 2.5, lr = 1 } end,
  "gg.random: n must be an integer >= 1, got 2.5")
T.raises("random bad seed", function() sweep.random { n = 2, seed = { 1, 2 }, lr = sweep.uniform(0, 1) } end,
  "gg.random: seed is the sampler's seed and must be an integer >= 0, got a table")
T.raises("random no axes", function() sweep.random { n = 2 } end, "gg.random: name at least one axis besides n and seed")
T.raises("random not a table", function() sweep.random(3) end, "gg.random: argument must be a table")
T.raises("random bad axis", function() sweep.random { n = 2, lr = {} } end,
  "gg.random: axis 'lr' must be a value or a non%-empty list, got empty table")
T.raises("random error at caller", function() sweep.random { n = 0, lr = 1 } end, "^.-test_sweep%.lua:%d+: gg%.random")
T.raises("uniform a >= b", function() sweep.uniform(1, 1) end, "gg.uniform: a must be < b, got a=1, b=1")
T.raises("uniform non-finite", function() sweep.uniform(0, 1 / 0) end, "gg.uniform: b must be a finite number, got inf")
T.raises("uniform error at caller", function() sweep.uniform("x", 1) end,
  "^.-test_sweep%.lua:%d+: gg%.uniform: a must be a finite number, got 'x'")
T.raises("loguniform a <= 0", function() sweep.loguniform(0, 1) end, "gg.loguniform: a must be > 0, got 0")
T.raises("loguniform a > b", function() sweep.loguniform(1, 0.1) end, "gg.loguniform: a must be < b, got a=1, b=0.1")
T.raises("randint a > b", function() sweep.randint(3, 2) end, "gg.randint: need a <= b")
T.raises("randint non-integer", function() sweep.randint(1.5, 2) end, "gg.randint: a must be an integer, got 1.5")
T.raises("choice empty", function() sweep.choice {} end, "gg.choice: values must be a non%-empty list, got empty table")
T.raises("choice bad value", function() sweep.choice { 1, print } end,
  "gg.choice: values must be numbers, strings, booleans or lists of them, got function at index 2")
T.raises("sampler in a grid", function() sweep.grid { lr = sweep.uniform(0, 1) } end,
  "gg.grid: axis 'lr' is a sampler %(uniform%(0, 1%)%); samplers are for gg.random")
T.ok("is_sampler", sweep.is_sampler(sweep.choice { 1 }) and not sweep.is_sampler({}))
T.eq("sampler tostring", tostring(sweep.randint(1, 6)), "gglab.Sampler(randint(1, 6))")

-- ---- product ----

do
  local z = sweep.zip { lr = { 0.1, 0.2 }, warmup = { 10, 20 } }
  local s = z * sweep.grid { seed = sweep.seeds(2) }
  T.eq("product order: right operand fastest", canon_list(s), {
    "lr=0.1;seed=1;warmup=10", "lr=0.1;seed=2;warmup=10", "lr=0.2;seed=1;warmup=20", "lr=0.2;seed=2;warmup=20" })
  T.eq("product with a table of axes", canon_list(z * { seed = sweep.seeds(2) }), canon_list(s))
  T.eq("table of axes on the left", canon_list({ seed = 1 } * z), { "lr=0.1;seed=1;warmup=10", "lr=0.2;seed=1;warmup=20" })
  T.eq("product size", #(sweep.random { n = 3, lr = sweep.uniform(0, 1) } * sweep.grid { seed = sweep.seeds(4) }), 12)
  T.raises("product shared name", function() local _ = z * sweep.grid { lr = 1 } end,
    "sweep %*: parameter 'lr' is in both operands")
  T.raises("product non-sweep", function() local _ = z * 3 end,
    "sweep %*: right operand must be a sweep or a table of axes, got 3")
  T.eq("product then concat", #(z * sweep.grid { seed = 1 } + sweep.grid { lr = 1 }), 3)
end

-- ---- shards, from_points ----

do
  local s = sweep.grid { a = sweep.seeds(7) }
  local got = {}
  for _, e in ipairs(s:shard(2, 3)) do got[#got + 1] = e.index .. ":" .. e.point.a end
  T.eq("shard 2/3 is round robin", got, { "2:2", "5:5" })
  local n = 0
  for k = 1, 3 do n = n + #s:shard(k, 3) end
  T.eq("shards partition the sweep", n, 7)
  T.eq("shard 1/1 is everything", #s:shard(1, 1), 7)
  T.eq("shard_of", { sweep.shard_of(1, 3), sweep.shard_of(3, 3), sweep.shard_of(4, 3) }, { 1, 3, 1 })
  T.raises("shard k > n", function() s:shard(4, 3) end, "sweep:shard: need integers 1 <= k <= n, got k=4, n=3")
  local f = sweep.from_points { { lr = 1 }, { lr = 2, wd = 0 } }
  T.eq("from_points", canon_list(f), { "lr=1", "lr=2;wd=0" })
  T.raises("from_points duplicate", function() sweep.from_points { { lr = 1 }, { lr = 1.0 } } end,
    "sweep.from_points: duplicate point lr=1")
  T.raises("from_points bad value", function() sweep.from_points { { lr = { x = 1 } } } end,
    "sweep.from_points: parameter 'lr' must be a number, string, boolean or list of them, got table with "
    .. "non%-list keys")
end

T.done()
