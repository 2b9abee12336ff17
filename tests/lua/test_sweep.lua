-- tests/lua/test_sweep.lua — the sweep language, canonical form, run ids and seeds.

local T = require "check"
require "gglab"  -- registers the embedded gglab.* modules
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
    "sweep:derive: fn must return a number, string or boolean, got nil for point lr=1")
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
T.raises("grid bad value", function() sweep.grid { lr = { 1, {} } } end,
  "gg.grid: axis 'lr' values must be numbers, strings or booleans, got table at index 2")
T.raises("grid bad axis name", function() sweep.grid { ["learning rate"] = 1 } end,
  "gg.grid: axis names must be identifiers, got \"learning rate\"")
T.raises("grid function axis", function() sweep.grid { lr = print } end,
  "gg.grid: axis 'lr' must be a value or a non%-empty list, got function")

T.done()
