--[[ lua/gglab/sweep.lua — the sweep language: grids, zips, value ranges, run ids and seeds.

  A sweep is an immutable, ordered list of points; a point is a plain table
  parameter name -> value. Parameter names are identifiers ([%a_][%w_]*) because they
  become CSV column names.

  Values: a scalar (number, string or boolean) or a list: a plain table (no metatable)
  whose keys are exactly 1..n (n >= 0: {} is the empty list) holding scalars or lists of
  scalars (one level of nesting), e.g. hidden = {64, 64} or blocks = {{32}, {64, 64}}.
  Numbers inside a list must be finite (a list is written as JSON). Maps ({a = 1}), lists
  with holes, deeper nesting, functions, userdata and tables with a metatable are not
  values; they raise an error naming the parameter. In an axis spec a table is the LIST
  OF VALUES, so an axis of list values has one more level of braces:
  gg.grid{hidden = {{32}, {64, 64}}} has two points, hidden = {32} and hidden = {64, 64}.
  A sweep copies list values when it is built and hands out copies (s:points(), s:iter(),
  copy_point), so a run that changes its p.hidden changes nothing else.

  Order contract (results are written in this order):
    grid: axis names sorted alphabetically, the LAST name varies fastest
          (like itertools.product over the sorted names);
    zip:  the i-th value of every axis forms point i;
    s1 + s2: the points of s1, then those of s2;
    s1 * s2: for each point of s1 in order, each point of s2 in order (s2 varies fastest);
    random: point i is the i-th distinct draw (see M.random).
  Two points with the same canonical form are the same run; a sweep never holds both.
  Values are typed: the string "2" and the number 2 (or "true" and true) are different
  values with different run ids; the canonical form quotes such strings ("2"). ]]

local gg = require "gglab"
local args = require "gglab.lib.args"
local json = require "gglab.lib.json"
local util = require "gglab.lib.util"
local sorted_keys, is_finite = util.sorted_keys, util.is_finite

local M = {}

local Sweep = {}
Sweep.__index = Sweep
Sweep.__name = "gglab.Sweep"
Sweep.__describe = "a sweep"  -- as args.describe shows one in messages

-- Samplers (gg.uniform, ...) are the axis specs of gg.random only.
local Sampler = {}
Sampler.__index = Sampler
Sampler.__name = "gglab.Sampler"
Sampler.__tostring = function(s) return "gglab.Sampler(" .. s.desc .. ")" end
Sampler.__describe = function(s) return s.desc end

local NAME_PATTERN = "^[%a_][%w_]*$"

-- Most points a sweep (and values a range) may have. A million runs is far beyond what a
-- sweep of small trainings needs; checking before expanding turns a typo such as
-- gg.linspace(0, 1, 1e9) into an error instead of minutes of allocation.
M.MAX_POINTS = 1000000

-- Raises "<fname>: the sweep would have N points, more than the limit of 1000000" when
-- count (a number, maybe a float product) exceeds M.MAX_POINTS; level as seen from here.
local function check_size(fname, count, level)
  if count > M.MAX_POINTS then
    error(string.format("%s: the sweep would have %s points, more than the limit of %d", fname,
      count >= 2 ^ 63 and string.format("%.3g", count) or string.format("%d", math.floor(count)),
      M.MAX_POINTS), level)
  end
end

-- ---- helpers ----

local describe = args.describe

local function is_scalar(v)
  local t = type(v)
  return t == "number" or t == "string" or t == "boolean"
end

-- What messages say a parameter value may be.
local VALUE_KINDS = "numbers, strings, booleans or lists of them"

--[[ value_problem(v [, depth]) -> nil when v is a parameter value (see the header), else
  what v is instead, for "got <problem>": "function", "table with non-list keys", "list
  with holes", "list nested more than one level", "list holding nan (numbers in a list
  must be finite)", ... depth is the list nesting v sits in (0 at the top). ]]
local function value_problem(v, depth)
  depth = depth or 0
  if is_scalar(v) then
    if depth > 0 and type(v) == "number" and not is_finite(v) then
      return "list holding " .. gg.fmt_number(v) .. " (numbers in a list must be finite)"
    end
    return nil
  end
  if type(v) ~= "table" then return type(v) == "userdata" and describe(v) or type(v) end
  if getmetatable(v) ~= nil then return describe(v) end
  local count = 0
  for _ in pairs(v) do count = count + 1 end
  for k in pairs(v) do
    if math.type(k) ~= "integer" then return "table with non-list keys" end
    if k < 1 or k > count then return "list with holes" end
  end
  for i = 1, count do
    local x = v[i]
    if type(x) == "table" and depth >= 1 then return "list nested more than one level" end
    local why = value_problem(x, depth + 1)
    if why then
      if why:match("^list holding ") or why:match("^list nested") then return why end
      return "list holding " .. why
    end
  end
  return nil
end

-- copy of a value: a list (and a list inside it) as a new table.
local function copy_value(v)
  if type(v) ~= "table" then return v end
  local c = {}
  for i, x in ipairs(v) do c[i] = copy_value(x) end
  return c
end

-- copy_point(p) -> a copy of the point p whose list values are copies too (nothing shared).
function M.copy_point(p)
  local c = {}
  for k, v in pairs(p or {}) do c[k] = copy_value(v) end
  return c
end
local copy = M.copy_point

--[=[ list_text(v) -> a list value as compact JSON ([64,64], ["relu","tanh"], [[32],[64,64]],
  []): its runs.csv cell and how messages and progress lines show it. Numbers as the CSVs
  write them (gg.fmt_number). ]=]
function M.list_text(v)
  return json.compact(v)
end

--[[ parse_list(text) -> the list value whose list_text (or any JSON spelling, spaces
  allowed) text is, or nil, reason: text must be a JSON array that is a parameter value
  (so "[64,64]" -> {64, 64}; "[1,null]", "{}" and "64" are not lists). What reads a
  list-valued runs.csv cell or --set value back. ]]
function M.parse_list(text)
  if type(text) ~= "string" or not text:match("^%s*%[") then return nil, "not a JSON array" end
  local v, msg = json.decode(text)
  if v == nil then return nil, msg end
  if type(v) ~= "table" then return nil, "not a JSON array" end
  local why = value_problem(v)
  if why then
    return nil, (why:gsub("gglab%.json%.null", "null"))
  end
  return v
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
  if is_scalar(spec) then return { spec } end
  if getmetatable(spec) == Sampler then
    error(string.format("%s: axis '%s' is a sampler (%s); samplers are for gg.random", fname, name, spec.desc),
      level)
  end
  if type(spec) ~= "table" or not is_list(spec) then
    local got = type(spec) == "table" and (next(spec) == nil and "empty table" or "table with non-list keys")
      or type(spec)
    error(string.format("%s: axis '%s' must be a value or a non-empty list, got %s", fname, name, got), level)
  end
  local values = {}
  for i, v in ipairs(spec) do
    local why = value_problem(v)
    if why then
      error(string.format("%s: axis '%s' values must be %s, got %s at index %d",
        fname, name, VALUE_KINDS, why, i), level)
    end
    values[i] = copy_value(v)
  end
  return values
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

-- The texts canonical gives a boolean or a non-finite number ("-0": the float -0.0).
local TYPED_TEXT = { ["true"] = true, ["false"] = true, inf = true, ["-inf"] = true, nan = true,
  ["-0"] = true }

-- A string whose plain text is exactly the canonical text of a number, a boolean or a list
-- ("2", "0.001", "true", "nan", "[64,64]"; not "2.0", "1e-3" or "[64, 64]", which no value
-- canonicalizes to), or starts with '"' (as a quoted one does). Only these are quoted, so
-- every other id stays as it was.
local function ambiguous(s)
  if TYPED_TEXT[s] or s:sub(1, 1) == '"' then return true end
  if s:sub(1, 1) == "[" then
    local v = M.parse_list(s)
    return v ~= nil and json.compact(v, true) == s
  end
  local x = tonumber(s)
  return x ~= nil and gg.fmt_number(x, true) == s
end

-- For display: a string a reader would take for a number, boolean or list ("2", "2.0",
-- " 1e-3", "[1]").
local function looks_typed(s)
  if s == "true" or s == "false" or tonumber(s) ~= nil or s:sub(1, 1) == '"' or s:sub(1, 1) == "[" then
    return true
  end
  local l = s:lower()
  return l:match("^%s*[+-]?inf") ~= nil or l:match("^%s*[+-]?nan") ~= nil
end

-- The canonical text of one value (see canonical), or nil, problem for a non-value.
local function value_key(v)
  if type(v) == "number" then return gg.fmt_number(v, true) end  -- exact: distinct doubles, distinct ids
  if type(v) == "string" then
    local s = escape(v)
    return ambiguous(v) and '"' .. s .. '"' or s
  end
  if type(v) == "boolean" then return tostring(v) end
  local why = value_problem(v)
  if why then return nil, why end
  return escape(json.compact(v, true))
end

--[=[ canonical(point) -> "k1=v1;k2=v2": keys sorted, numbers via gg.fmt_number (so 1 and 1.0
  agree), booleans as true/false, strings with '\', ';' and '=' backslash-escaped, lists as
  compact JSON (strings inside double-quoted, numbers exact: hidden=[64,64],
  act=["relu"], blocks=[[32],[64,64]], hidden=[]), escaped the same way. A string whose
  text is exactly that of a number, boolean or list ("2", "true", "nan", "[64,64]"), or
  starts with '"', is also put in double quotes ("2"), so it never shares a canonical form
  (nor a run id) with the typed value. Every other value keeps the text it always had, so
  the run ids of existing results folders stay valid. ]=]
function M.canonical(point)
  local parts = {}
  for _, k in ipairs(sorted_keys(point)) do
    local s, why = value_key(point[k])
    if not s then
      error(string.format("sweep.canonical: value of '%s' must be a number, string, boolean or list of them, "
        .. "got %s", tostring(k), why), 2)
    end
    parts[#parts + 1] = escape(tostring(k)) .. "=" .. s
  end
  return table.concat(parts, ";")
end

--[[ same_value(a, b) -> true when a and b are the same parameter value: scalars by ==, lists
  element by element (by their canonical texts); a list never equals a scalar. What claims'
  where = {hidden = {64, 64}} compares with. ]]
function M.same_value(a, b)
  if type(a) == "table" and type(b) == "table" then
    local ka, kb = value_key(a), value_key(b)
    return ka ~= nil and ka == kb
  end
  return a == b
end

-- value_key(v) -> the canonical text of one value (equal texts: the same value), or nil.
function M.value_key(v)
  return (value_key(v))
end

--[[ show_value(v) -> v as a human reads it in progress lines and summaries: numbers shortest
  round-trip (gg.fmt_number), booleans true/false, lists as their runs.csv cell ([64,64],
  list_text), strings as they are, except a string that a reader could take for a number,
  boolean or list ("2", "2.0", "1e-3", "true", "nan", "[1]") or that starts with '"', which
  is double-quoted ("2", not to be taken for the number 2). ]]
function M.show_value(v)
  if type(v) == "number" then return gg.fmt_number(v) end
  if type(v) == "table" then return json.compact(v) end
  if type(v) == "string" and looks_typed(v) then return '"' .. v .. '"' end
  return tostring(v)
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
-- hint (optional) is appended to the duplicate message.
local function new_sweep(fname, points, level, hint)
  local seen = {}
  for _, p in ipairs(points) do
    local c = M.canonical(p)
    if seen[c] then
      error(string.format("%s: duplicate point %s%s", fname, c, hint or ""), level)
    end
    seen[c] = true
  end
  return setmetatable({ _points = points }, Sweep)
end

--[[ from_points(points [, fname]) -> sweep of copies of the given points, in order. Each
  point must be a table of identifier -> value (number, string, boolean or list of them, see
  the header); duplicates raise
  "<fname>: duplicate point ..." (fname defaults to "sweep.from_points"). ]]
function M.from_points(points, fname)
  fname = fname or "sweep.from_points"
  if type(points) ~= "table" then
    error(string.format("%s: points must be a list of tables, got %s", fname, describe(points)), 2)
  end
  local out = {}
  for i, p in ipairs(points) do
    if type(p) ~= "table" then
      error(string.format("%s: point %d must be a table, got %s", fname, i, describe(p)), 2)
    end
    for k, v in pairs(p) do
      if type(k) ~= "string" or not k:match(NAME_PATTERN) then
        error(string.format("%s: parameter names must be identifiers, got %s", fname, describe(k)), 2)
      end
      local why = value_problem(v)
      if why then
        error(string.format("%s: parameter '%s' must be a number, string, boolean or list of them, got %s",
          fname, k, why), 2)
      end
    end
    out[i] = copy(p)
  end
  local s = new_sweep(fname, out, 3)
  return s
end

--[[ list_hint(names, axes) -> for the duplicate message of a grid whose axis is a list of
  numbers, strings and booleans that repeats a value (hidden = {64, 64}, likely meant as
  ONE list value): " (axis 'hidden' repeats a value; one list value takes its own braces:
  hidden = {{64, 64}})"; nil otherwise. ]]
local function list_hint(names, axes)
  for _, name in ipairs(names) do
    local spec, seen = axes[name], {}
    if type(spec) == "table" and getmetatable(spec) == nil then
      for _, v in ipairs(spec) do
        local k = is_scalar(v) and value_key(v)
        if k and seen[k] then
          local parts = {}
          for i, x in ipairs(spec) do
            parts[i] = type(x) == "string" and string.format("%q", x) or M.show_value(x)
          end
          return string.format(" (axis '%s' repeats a value; one list value takes its own braces: "
            .. "%s = {{%s}})", name, name, table.concat(parts, ", "))
        end
        if k then seen[k] = true end
      end
    end
  end
  return nil
end

local function build_grid(fname, axes, level)
  check_axes_table(fname, axes, level + 1)
  local names = sorted_keys(axes)
  local values, count = {}, 1.0
  for i, name in ipairs(names) do
    values[i] = axis_values(fname, name, axes[name], level + 1)
    count = count * #values[i]
  end
  check_size(fname, count, level + 1)
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
  local s = new_sweep(fname, points, level + 1, list_hint(names, axes))
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
  if k > M.MAX_POINTS then
    error(string.format("%s: n must be at most %d (a sweep's limit), got %s", fname, M.MAX_POINTS, describe(n)), 3)
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

-- ---- random search ----

-- A sampled learning rate is a parameter value, hence part of the run id, so it must be the
-- same double on every machine that expands the sweep (shards of one sweep run on
-- different hosts): log and exp are the core's deterministic ones (core/detmath.h), not
-- libm's, which may differ in the last bit between CPUs (design.md, "Determinism").
local det_log, det_exp = gg.detmath.log, gg.detmath.exp
M._det_log, M._det_exp = det_log, det_exp  -- for tests

local function new_sampler(desc, draw)
  return setmetatable({ desc = desc, draw = draw }, Sampler)
end

function M.is_sampler(x)
  return getmetatable(x) == Sampler
end

-- Message for a bad sampler range (a, b must be finite with a < b), or nil.
local function range_error(fname, a, b)
  for _, arg in ipairs { { "a", a }, { "b", b } } do
    local x = arg[2]
    if type(x) ~= "number" or x ~= x or x == math.huge or x == -math.huge then
      return string.format("%s: %s must be a finite number, got %s", fname, arg[1], describe(x))
    end
  end
  if not (a < b) then
    return string.format("%s: a must be < b, got a=%s, b=%s", fname, describe(a), describe(b))
  end
end

-- uniform(a, b): a + (b - a) u, u uniform in [0, 1) (53 bits); values in [a, b].
function M.uniform(a, b)
  local bad = range_error("gg.uniform", a, b)
  if bad then error(bad, 2) end
  return new_sampler(string.format("uniform(%s, %s)", describe(a), describe(b)), function(r)
    local v = a + (b - a) * r:uniform()
    return v > b and b or v
  end)
end

-- loguniform(a, b), 0 < a < b: exp(log a + (log b - log a) u); values in [a, b].
function M.loguniform(a, b)
  local bad = range_error("gg.loguniform", a, b)
  if bad then error(bad, 2) end
  if a <= 0 then error("gg.loguniform: a must be > 0, got " .. describe(a), 2) end
  local la, lb = det_log(a), det_log(b)
  return new_sampler(string.format("loguniform(%s, %s)", describe(a), describe(b)), function(r)
    local v = det_exp(la + (lb - la) * r:uniform())
    return v < a and a or v > b and b or v
  end)
end

-- randint(a, b): integers a..b inclusive, each equally likely.
function M.randint(a, b)
  local ia = type(a) == "number" and math.tointeger(a)
  local ib = type(b) == "number" and math.tointeger(b)
  if not ia then error("gg.randint: a must be an integer, got " .. describe(a), 2) end
  if not ib then error("gg.randint: b must be an integer, got " .. describe(b), 2) end
  if ia > ib or ib - ia >= 1 << 62 then
    error(string.format("gg.randint: need a <= b (and b - a < 2^62), got a=%d, b=%d", ia, ib), 2)
  end
  return new_sampler(string.format("randint(%d, %d)", ia, ib), function(r)
    return ia + r:integer(ib - ia + 1) - 1
  end)
end

-- choice{v1, v2, ...}: one of the values, each equally likely.
function M.choice(values)
  if type(values) ~= "table" or getmetatable(values) ~= nil or not is_list(values) then
    local got = type(values) == "table" and next(values) == nil and "empty table" or describe(values)
    error("gg.choice: values must be a non-empty list, got " .. got, 2)
  end
  local list = {}
  for i, v in ipairs(values) do
    local why = value_problem(v)
    if why then
      error(string.format("gg.choice: values must be %s, got %s at index %d", VALUE_KINDS, why, i), 2)
    end
    list[i] = copy_value(v)
  end
  return new_sampler(string.format("choice of %d", #list),
    function(r) return copy_value(list[r:integer(#list)]) end)
end

-- Most draws random{} makes, per requested point, before giving up on distinct points.
local MAX_DRAWS_PER_POINT = 100

--[[ random{n =, seed = 0, name = spec, ...}: n distinct points drawn from one stream
  gg.rng(seed). spec is a sampler (gg.uniform, gg.loguniform, gg.randint, gg.choice), a
  list (same as gg.choice of it) or a value (a constant, which draws nothing). For each
  point the axes draw in sorted name order, so the points depend only on seed and the specs.
  A point equal to an earlier one is discarded and drawn again; random raises when it
  cannot find n distinct points within 100 n draws. `n` and `seed` are not axes: for a seed
  parameter multiply, random{...} * grid{seed = seeds(3)}. ]]
function M.random(spec)
  if type(spec) ~= "table" or getmetatable(spec) ~= nil then
    error("gg.random: argument must be a table {n =, seed =, name = sampler, ...}, got " .. describe(spec), 2)
  end
  local n = type(spec.n) == "number" and math.tointeger(spec.n)
  if not n or n < 1 then error("gg.random: n must be an integer >= 1, got " .. describe(spec.n), 2) end
  if n > M.MAX_POINTS then
    error(string.format("gg.random: n must be at most %d (a sweep's limit), got %s", M.MAX_POINTS, describe(n)), 2)
  end
  local seed = spec.seed == nil and 0 or type(spec.seed) == "number" and math.tointeger(spec.seed)
  if not seed or seed < 0 then
    error("gg.random: seed is the sampler's seed and must be an integer >= 0, got " .. describe(spec.seed)
      .. " (for a seed parameter use gg.random{...} * gg.grid{seed = gg.seeds(k)})", 2)
  end
  local names, draws = {}, {}
  for _, name in ipairs(sorted_keys(spec)) do
    if name ~= "n" and name ~= "seed" then
      local v = spec[name]
      if getmetatable(v) == Sampler then
        draws[#names + 1] = v.draw
      else
        local list = axis_values("gg.random", name, v, 3)
        if #list == 1 and type(v) ~= "table" then
          draws[#names + 1] = function() return v end
        else
          draws[#names + 1] = function(r) return copy_value(list[r:integer(#list)]) end
        end
      end
      names[#names + 1] = name
    end
  end
  if #names == 0 then error("gg.random: name at least one axis besides n and seed", 2) end
  local r = gg.rng(seed)
  local points, seen, tries = {}, {}, 0
  while #points < n do
    tries = tries + 1
    if tries > MAX_DRAWS_PER_POINT * n then
      error(string.format("gg.random: found only %d distinct points in %d draws, n = %d "
        .. "(the axes have too few combinations)", #points, tries - 1, n), 2)
    end
    local p = {}
    for i, name in ipairs(names) do p[name] = draws[i](r) end
    local c = M.canonical(p)
    if not seen[c] then
      seen[c] = true
      points[#points + 1] = p
    end
  end
  local s = new_sweep("gg.random", points, 3)
  return s
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
  check_size("sweep +", #a._points + #b._points, 3)
  local points = {}
  for _, p in ipairs(a._points) do points[#points + 1] = copy(p) end
  for _, p in ipairs(b._points) do points[#points + 1] = copy(p) end
  local s = new_sweep("sweep +", points, 3)
  return s
end

-- A sweep, or a plain table of axes (taken as grid of it), for the operands of `*`.
local function as_sweep(x, side)
  if getmetatable(x) == Sweep then return x end
  if type(x) == "table" and getmetatable(x) == nil then
    local s = build_grid("sweep *", x, 4)
    return s
  end
  error(string.format("sweep *: %s operand must be a sweep or a table of axes, got %s", side, describe(x)), 3)
end

-- s1 * s2: every point of s1 joined with every point of s2, s2 varying fastest. The two
-- must not share a parameter. Either operand may be a table of axes (a grid).
Sweep.__mul = function(a, b)
  a, b = as_sweep(a, "left"), as_sweep(b, "right")
  check_size("sweep *", #a._points * 1.0 * #b._points, 3)
  local points = {}
  for _, p in ipairs(a._points) do
    for _, q in ipairs(b._points) do
      local c = copy(p)
      for k, v in pairs(q) do
        if c[k] ~= nil then
          error(string.format("sweep *: parameter '%s' is in both operands", k), 2)
        end
        c[k] = copy_value(v)
      end
      points[#points + 1] = c
    end
  end
  local s = new_sweep("sweep *", points, 3)
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

--[[ Sharding: shard k of n (1 <= k <= n) holds the points at sweep positions
  k, k + n, k + 2n, ... (round robin, so costly corners of a grid spread over the shards).
  shard_of(index, n) -> the shard (1..n) of the point at position index. ]]
function M.shard_of(index, n)
  return (index - 1) % n + 1
end

-- s:shard(k, n) -> list of {index =, point =} of shard k of n, index = position in s.
function Sweep:shard(k, n)
  local ik, in_ = math.tointeger(k), math.tointeger(n)
  if not (ik and in_ and ik >= 1 and ik <= in_) then
    error(string.format("sweep:shard: need integers 1 <= k <= n, got k=%s, n=%s", describe(k), describe(n)), 2)
  end
  local out = {}
  for i = ik, #self._points, in_ do out[#out + 1] = { index = i, point = copy(self._points[i]) } end
  return out
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
    local why = value_problem(v)
    if why then
      error(string.format("sweep:derive: fn must return a number, string, boolean or list of them, got %s "
        .. "for point %s", why, M.canonical(p)), 2)
    end
    points[i] = copy(p)
    points[i][name] = copy_value(v)
  end
  return setmetatable({ _points = points }, Sweep)
end

return M
