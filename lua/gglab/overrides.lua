--[=[ lua/gglab/overrides.lua — `--set name=v1,v2` on the command line: parse and apply.

  parse(list_of_strings) -> spec, or nil, msg (msg = "bad --set '<arg>': <reason>").
  apply(sweep, spec) -> new sweep.

  One argument is name=value[,value...]:
    name    an identifier (a parameter name);
    values  separated by commas; each is trimmed of spaces and tabs, then read as an
            integer (42, -3), a float (0.1, 1e-3, .5; inf and nan are rejected), true or
            false, a list, or else a string. A value in single or double quotes is always
            a string taken literally ('a,b' keeps its comma, '1' is the string "1"). A value
            starting with '[' is a list written as a JSON array, up to its matching ']'
            (commas inside the brackets do not split): hidden=[32],[64,64] gives the two
            values {32} and {64, 64}; [] is the empty list, [[32],[64]] a list of lists,
            strings inside are double-quoted (act=["relu","tanh"]); JSON numbers read as
            above (32 an integer, 0.1 a float), null is not a value. Empty values,
            a value listed twice and a name set twice are errors.
  Application, for each --set in command-line order: the name is removed from every point,
  the remaining points are deduplicated (first occurrence kept, order kept), and each is
  expanded with every listed value in the listed order (the set parameter varies fastest).
  So a name in the sweep has its values replaced, a name not in it becomes a new axis, and
  every point ends up with the name. Points are taken as expanded: parameters computed by
  s:derive are not recomputed and s:filter is not re-applied. An --set that would make the
  sweep larger than sweep.MAX_POINTS (a million points) raises "--set <name>: the sweep
  would have N points, more than the limit of 1000000". ]=]

local sweep = require "gglab.sweep"
local copy = require("gglab.lib.util").copy
local describe = require("gglab.lib.args").describe

local M = {}

M.USAGE = "expected name=value[,value...]"

local NAME_PATTERN = "^[%a_][%w_]*$"

local function trim(s)
  return (s:gsub("^[ \t]+", ""):gsub("[ \t]+$", ""))
end

--[[ list_end(text, i) -> the position of the ']' that closes the '[' at i (JSON strings
  skipped, nested brackets counted), or nil. ]]
local function list_end(text, i)
  local depth, n = 0, #text
  while i <= n do
    local c = text:sub(i, i)
    if c == '"' then
      i = i + 1
      while i <= n and text:sub(i, i) ~= '"' do
        i = i + (text:sub(i, i) == "\\" and 2 or 1)
      end
      if i > n then return nil end
    elseif c == "[" then
      depth = depth + 1
    elseif c == "]" then
      depth = depth - 1
      if depth == 0 then return i end
    end
    i = i + 1
  end
  return nil
end

-- split(text) -> list of {text =, quoted = bool, list = bool}, or nil, reason.
local function split(text)
  local items, i, n = {}, 1, #text
  while true do
    while i <= n and text:sub(i, i):match("[ \t]") do i = i + 1 end
    local q = text:sub(i, i)
    local item
    if q == "'" or q == '"' then
      local j = text:find(q, i + 1, true)
      if not j then return nil, "unterminated quote " .. q end
      item = { text = text:sub(i + 1, j - 1), quoted = true }
      i = j + 1
      while i <= n and text:sub(i, i):match("[ \t]") do i = i + 1 end
      if i <= n and text:sub(i, i) ~= "," then
        return nil, "text after the closing quote " .. q .. " (quote the whole value)"
      end
    elseif q == "[" then
      local j = list_end(text, i)
      if not j then return nil, string.format("unclosed list '%s' (no matching ']')", trim(text:sub(i))) end
      item = { text = text:sub(i, j), list = true }
      i = j + 1
      while i <= n and text:sub(i, i):match("[ \t]") do i = i + 1 end
      if i <= n and text:sub(i, i) ~= "," then
        return nil, string.format("text after the list '%s' (separate values with commas)", item.text)
      end
    else
      local j = text:find(",", i, true) or n + 1
      item = { text = trim(text:sub(i, j - 1)), quoted = false }
      if item.text:find("['\"]") then
        return nil, string.format("stray quote in '%s' (quote the whole value)", item.text)
      end
      i = j
    end
    if item.text == "" then return nil, "empty value" end
    items[#items + 1] = item
    if i > n then return items end
    i = i + 1  -- past the comma; a trailing comma leaves an empty last value
    if i > n then return nil, "empty value" end
  end
end

-- value(item) -> number, boolean or string, or nil, reason.
local function value(item)
  local s = item.text
  if item.quoted then return s end
  if item.list then
    local v, why = sweep.parse_list(s)
    if v == nil then
      if why:match("^json%.decode") then
        why = why .. " (a list is a JSON array of numbers, true/false, double-quoted strings or such arrays)"
      end
      return nil, string.format("'%s' is not a list value: %s", s, why)
    end
    return v
  end
  if s == "true" then return true end
  if s == "false" then return false end
  local lower = s:lower()
  if lower:match("^[+-]?inf") or lower:match("^[+-]?nan") then
    return nil, string.format("'%s' is not a finite number (quote it for a string)", s)
  end
  -- Decimal numbers only: Lua's tonumber also reads hex, which nobody means by 0x10 here.
  local x = s:match("^[+-]?%.?%d") and not s:find("[xX]") and tonumber(s)
  if x then
    if x ~= x or x == math.huge or x == -math.huge then
      return nil, string.format("'%s' is not a finite number", s)
    end
    return x
  end
  return s
end

--[[ parse(args) -> spec, or nil, msg. args: list of the strings given to --set.
  spec: list of { name =, values = {...}, arg = the original string }, in the given order. ]]
function M.parse(args)
  if type(args) ~= "table" then error("overrides.parse: args must be a list of strings, got " .. describe(args), 2) end
  local spec, by_name = {}, {}
  for _, arg in ipairs(args) do
    if type(arg) ~= "string" then
      error("overrides.parse: args must be a list of strings, got " .. describe(arg), 2)
    end
    local function bad(why) return nil, string.format("bad --set '%s': %s", arg, why) end
    local name, text = arg:match("^([^=]*)=(.*)$")
    if not name or trim(name) == "" or trim(text) == "" then return bad(M.USAGE) end
    name = trim(name)
    if not name:match(NAME_PATTERN) then
      return bad(string.format("parameter name '%s' is not an identifier", name))
    end
    if by_name[name] then
      return bad(string.format("'%s' is already set by --set '%s'", name, by_name[name].arg))
    end
    local items, why = split(text)
    if not items then return bad(why) end
    local values, seen = {}, {}
    for _, item in ipairs(items) do
      local v, err = value(item)
      if v == nil then return bad(err) end
      local c = sweep.canonical { [name] = v }
      if seen[c] then return bad(string.format("value '%s' is listed twice", item.text)) end
      seen[c] = true
      values[#values + 1] = v
    end
    local o = { name = name, values = values, arg = arg }
    spec[#spec + 1], by_name[name] = o, o
  end
  return spec
end

-- apply(s, spec) -> a new sweep with the overrides of spec (from parse) applied.
function M.apply(s, spec)
  if not sweep.is_sweep(s) then error("overrides.apply: s must be a sweep, got " .. describe(s), 2) end
  if type(spec) ~= "table" then error("overrides.apply: spec must come from overrides.parse, got " .. describe(spec), 2) end
  local points = s:points()
  for _, o in ipairs(spec) do
    local rest, seen = {}, {}
    for _, p in ipairs(points) do
      p[o.name] = nil
      local c = sweep.canonical(p)
      if not seen[c] then
        seen[c] = true
        rest[#rest + 1] = p
      end
    end
    local n = #rest * #o.values
    if n > sweep.MAX_POINTS then
      error(string.format("--set %s: the sweep would have %d points, more than the limit of %d", o.name, n,
        sweep.MAX_POINTS), 0)
    end
    points = {}
    for _, p in ipairs(rest) do
      for _, v in ipairs(o.values) do
        local q = copy(p)
        q[o.name] = v
        points[#points + 1] = q
      end
    end
  end
  local out = sweep.from_points(points, "--set")
  return out
end

return M
