--[[ lua/gglab/sweep.lua — the sweep language: grids, zips, value ranges, run ids and seeds.

  A sweep is an immutable, ordered list of points; a point is a plain table
  parameter name -> value (number, string or boolean). Parameter names are identifiers
  ([%a_][%w_]*) because they become CSV column names.

  Order contract (results are written in this order):
    grid: axis names sorted alphabetically, the LAST name varies fastest
          (like itertools.product over the sorted names);
    zip:  the i-th value of every axis forms point i;
    s1 + s2: the points of s1, then those of s2.
  Two points with the same canonical form are the same run; a sweep never holds both.
  Values are identified by their text, so the string "0.1" and the number 0.1 are the
  same value (they are indistinguishable in runs.csv anyway). ]]

local gg = require "gglab"

local M = {}

local Sweep = {}
Sweep.__index = Sweep
Sweep.__name = "gglab.Sweep"

local NAME_PATTERN = "^[%a_][%w_]*$"

-- ---- helpers ----

local function describe(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "number" then return gg.fmt_number(v) end
  if type(v) == "table" and getmetatable(v) == Sweep then return "sweep" end
  return type(v)
end

local function is_value(v)
  local t = type(v)
  return t == "number" or t == "string" or t == "boolean"
end

local function copy(point)
  local c = {}
  for k, v in pairs(point) do c[k] = v end
  return c
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- True when t is a proper sequence 1..n with n >= 1.
local function is_list(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

-- Turns one axis spec (a scalar or a non-empty list of scalars) into a list of values.
-- Error levels: a helper's `level` argument is the user's stack level as seen from that
-- helper; a caller passes its own level + 1. Calls on these paths are not tail calls
-- (`local s = f(); return s`), because a tail call drops the caller's stack frame.
local function axis_values(fname, name, spec, level)
  if type(name) ~= "string" or not name:match(NAME_PATTERN) then
    error(string.format("%s: axis names must be identifiers, got %s", fname, describe(name)), level)
  end
  if is_value(spec) then return { spec } end
  if type(spec) ~= "table" or not is_list(spec) then
    local got = type(spec) == "table" and (next(spec) == nil and "empty table" or "table with non-list keys")
      or type(spec)
    error(string.format("%s: axis '%s' must be a value or a non-empty list, got %s", fname, name, got), level)
  end
  for i, v in ipairs(spec) do
    if not is_value(v) then
      error(string.format("%s: axis '%s' values must be numbers, strings or booleans, got %s at index %d",
        fname, name, type(v), i), level)
    end
  end
  return spec
end

local function check_axes_table(fname, axes, level)
  if type(axes) ~= "table" or getmetatable(axes) ~= nil then
    error(string.format("%s: axes must be a table of name = values, got %s", fname, describe(axes)), level)
  end
  if next(axes) == nil then
    error(fname .. ": axes must name at least one axis, got empty table", level)
  end
end

-- ---- canonical form, run id, seed ----

local function escape(s)
  return (s:gsub("[\\;=]", "\\%0"))
end

--[[ canonical(point) -> "k1=v1;k2=v2": keys sorted, numbers via gg.fmt_number (so 1 and 1.0
  agree), booleans as true/false, strings with '\', ';' and '=' backslash-escaped. ]]
function M.canonical(point)
  local parts = {}
  for _, k in ipairs(sorted_keys(point)) do
    local v = point[k]
    local s
    if type(v) == "number" then s = gg.fmt_number(v, true)  -- exact: distinct doubles, distinct ids
    elseif type(v) == "string" then s = escape(v)
    elseif type(v) == "boolean" then s = tostring(v)
    else error(string.format("sweep.canonical: value of '%s' must be a number, string or boolean, got %s",
      tostring(k), type(v)), 2) end
    parts[#parts + 1] = escape(tostring(k)) .. "=" .. s
  end
  return table.concat(parts, ";")
end

-- FNV-1a 64-bit; Lua 5.4 integer multiplication wraps modulo 2^64 as required.
local function fnv1a64(s)
  local h = 0xcbf29ce484222325
  for i = 1, #s do
    h = (h ~ s:byte(i)) * 0x100000001b3
  end
  return h
end

-- run_id(point) -> 16 lowercase hex chars: FNV-1a 64 of the canonical form.
function M.run_id(point)
  return string.format("%016x", fnv1a64(M.canonical(point)))
end

-- splitmix64 (Steele et al.): one increment by the golden gamma, then the finalizer.
-- `>>` is a logical shift in Lua, as the algorithm needs.
local function splitmix64(x)
  local z = x + 0x9e3779b97f4a7c15
  z = (z ~ (z >> 30)) * 0xbf58476d1ce4e5b9
  z = (z ~ (z >> 27)) * 0x94d049bb133111eb
  return z ~ (z >> 31)
end

--[[ run_seed(exp_seed, point) -> integer in [1, 2^53).
  seed = splitmix64(splitmix64(exp_seed) ~ s) >> 11, where s = point.seed if present, else 1
  (0 is mapped to 1). Only exp_seed and point.seed enter, so runs that differ only in other
  parameters (lr, optimizer) share data order and init: comparisons across them are paired.
  The top 53 bits keep the seed exact as a double (C side, JSON, CSV). ]]
function M.run_seed(exp_seed, point)
  exp_seed = exp_seed or 0
  if math.type(exp_seed) ~= "integer" then
    error("sweep.run_seed: exp_seed must be an integer, got " .. describe(exp_seed), 2)
  end
  local s = 1
  if point.seed ~= nil then
    s = type(point.seed) == "number" and math.tointeger(point.seed)
    if not s then
      error("sweep.run_seed: parameter 'seed' must be an integer, got " .. describe(point.seed), 2)
    end
  end
  local r = splitmix64(splitmix64(exp_seed) ~ s) >> 11
  return r == 0 and 1 or r
end

-- ---- construction ----

-- Wraps a list of points (owned from now on) after rejecting duplicates.
local function new_sweep(fname, points, level)
  local seen = {}
  for _, p in ipairs(points) do
    local c = M.canonical(p)
    if seen[c] then
      error(string.format("%s: duplicate point %s", fname, c), level)
    end
    seen[c] = true
  end
  return setmetatable({ _points = points }, Sweep)
end

local function build_grid(fname, axes, level)
  check_axes_table(fname, axes, level + 1)
  local names = sorted_keys(axes)
  local values = {}
  for i, name in ipairs(names) do values[i] = axis_values(fname, name, axes[name], level + 1) end
  -- Odometer over the sorted names; the last one turns fastest.
  local points = { {} }
  for i, name in ipairs(names) do
    local next_points = {}
    for _, p in ipairs(points) do
      for _, v in ipairs(values[i]) do
        local q = copy(p)
        q[name] = v
        next_points[#next_points + 1] = q
      end
    end
    points = next_points
  end
  local s = new_sweep(fname, points, level + 1)
  return s
end

-- grid{name = values, ...}: cartesian product; a scalar is a single fixed value.
function M.grid(axes)
  local s = build_grid("gg.grid", axes, 3)
  return s
end

-- Used by gg.experiment for `sweep = {lr = {...}}`: same as grid, errors named by the caller
-- and raised at `level` (the user's stack level seen from here).
function M.from_axes(fname, axes, level)
  local s = build_grid(fname, axes, level + 1)
  return s
end

-- zip{a = {...}, b = {...}}: point i takes the i-th value of every axis; lengths must match
-- (a scalar is a fixed value and matches any length).
function M.zip(axes)
  check_axes_table("gg.zip", axes, 3)
  local names = sorted_keys(axes)
  local values, lengths, n, equal = {}, {}, 1, true
  for i, name in ipairs(names) do
    values[i] = axis_values("gg.zip", name, axes[name], 3)
    if type(axes[name]) == "table" then -- lists set the length, scalars broadcast
      lengths[#lengths + 1] = string.format("%s=%d", name, #values[i])
      if #lengths == 1 then n = #values[i] elseif #values[i] ~= n then equal = false end
    end
  end
  if not equal then
    error("gg.zip: axes must have equal lengths, got " .. table.concat(lengths, ", "), 2)
  end
  local points = {}
  for j = 1, n do
    local p = {}
    -- a scalar has one value; a list has n (a one-value list only when n == 1)
    for i, name in ipairs(names) do p[name] = values[i][#values[i] == 1 and 1 or j] end
    points[j] = p
  end
  local s = new_sweep("gg.zip", points, 3)
  return s
end

-- ---- value ranges ----

local function check_count(fname, n)
  local k = type(n) == "number" and math.tointeger(n)
  if not k or k < 1 then
    error(string.format("%s: n must be an integer >= 1, got %s", fname, describe(n)), 3)
  end
  return k
end

local function check_finite(fname, pname, x)
  if type(x) ~= "number" or x ~= x or x == math.huge or x == -math.huge then
    error(string.format("%s: %s must be a finite number, got %s", fname, pname, describe(x)), 3)
  end
end

--[[ logspace(a, b, n): n values from a to b inclusive, evenly spaced in log10:
  v_i = 10^(log10(a) + i*(log10(b) - log10(a))/(n-1)), i = 0..n-1, with v_0 = a and
  v_{n-1} = b exactly. Going through powers of ten makes decades exact
  (logspace(1e-4, 1e-1, 4) = {1e-4, 1e-3, 1e-2, 1e-1}). n = 1 gives {a}. ]]
function M.logspace(a, b, n)
  check_finite("gg.logspace", "a", a)
  check_finite("gg.logspace", "b", b)
  if a <= 0 then error("gg.logspace: a must be > 0, got " .. describe(a), 2) end
  if b <= 0 then error("gg.logspace: b must be > 0, got " .. describe(b), 2) end
  n = check_count("gg.logspace", n)
  local la, lb = math.log(a, 10), math.log(b, 10)
  local out = { a }
  for i = 1, n - 2 do out[#out + 1] = 10 ^ (la + i * (lb - la) / (n - 1)) end
  if n > 1 then out[n] = b end
  return out
end

--[[ linspace(a, b, n): n values from a to b inclusive. Like torch.linspace, the first half is
  a + i*step and the second half b - (n-1-i)*step, so both ends are exact. n = 1 gives {a}. ]]
function M.linspace(a, b, n)
  check_finite("gg.linspace", "a", a)
  check_finite("gg.linspace", "b", b)
  n = check_count("gg.linspace", n)
  if n == 1 then return { a } end
  local step = (b - a) / (n - 1)
  local out = {}
  for i = 0, n - 1 do
    out[i + 1] = i < n // 2 and a + i * step or b - (n - 1 - i) * step
  end
  return out
end

-- seeds(n) -> {1, ..., n}
function M.seeds(n)
  n = check_count("gg.seeds", n)
  local out = {}
  for i = 1, n do out[i] = i end
  return out
end

-- ---- sweep methods ----

function M.is_sweep(x)
  return getmetatable(x) == Sweep
end

Sweep.__len = function(s) return #s._points end

-- s1 + s2: the points of s1 then those of s2; a point in both is an error.
Sweep.__add = function(a, b)
  if getmetatable(a) ~= Sweep then error("sweep +: left operand must be a sweep, got " .. describe(a), 2) end
  if getmetatable(b) ~= Sweep then error("sweep +: right operand must be a sweep, got " .. describe(b), 2) end
  local points = {}
  for _, p in ipairs(a._points) do points[#points + 1] = copy(p) end
  for _, p in ipairs(b._points) do points[#points + 1] = copy(p) end
  local s = new_sweep("sweep +", points, 3)
  return s
end

Sweep.__tostring = function(s) return string.format("gglab.Sweep(%d points)", #s._points) end

-- for i, p in pairs(s) do ... end (same as s:iter()); each p is a copy.
Sweep.__pairs = function(s) return s:iter() end

-- s:points() -> a new list of copies of the points, in order.
function Sweep:points()
  local out = {}
  for i, p in ipairs(self._points) do out[i] = copy(p) end
  return out
end

-- for i, p in s:iter() do ... end; each p is a copy.
function Sweep:iter()
  local i = 0
  return function()
    i = i + 1
    local p = self._points[i]
    if p then return i, copy(p) end
  end
end

-- s:names() -> sorted union of the parameter names over all points.
function Sweep:names()
  local set = {}
  for _, p in ipairs(self._points) do
    for k in pairs(p) do set[k] = true end
  end
  return sorted_keys(set)
end

-- s:filter(fn) -> new sweep with the points for which fn(copy_of_point) is truthy.
function Sweep:filter(fn)
  if type(fn) ~= "function" then error("sweep:filter: fn must be a function, got " .. describe(fn), 2) end
  local points = {}
  for _, p in ipairs(self._points) do
    if fn(copy(p)) then points[#points + 1] = copy(p) end
  end
  return setmetatable({ _points = points }, Sweep)
end

-- s:derive(name, fn) -> new sweep where every point also has name = fn(copy_of_point).
function Sweep:derive(name, fn)
  if type(name) ~= "string" or not name:match(NAME_PATTERN) then
    error("sweep:derive: name must be an identifier, got " .. describe(name), 2)
  end
  if type(fn) ~= "function" then error("sweep:derive: fn must be a function, got " .. describe(fn), 2) end
  local points = {}
  for i, p in ipairs(self._points) do
    if p[name] ~= nil then
      error(string.format("sweep:derive: name '%s' is already a parameter of point %s", name, M.canonical(p)), 2)
    end
    local v = fn(copy(p))
    if not is_value(v) then
      error(string.format("sweep:derive: fn must return a number, string or boolean, got %s for point %s",
        type(v), M.canonical(p)), 2)
    end
    points[i] = copy(p)
    points[i][name] = v
  end
  return setmetatable({ _points = points }, Sweep)
end

return M
