--[[ lua/gglab/lib/args.lua — argument and option checking for the Lua API, in the message
  shape of lua/lopts.c (the C bindings' option checks), so every function words its errors
  the same way:
    "gg.train: unknown option 'epoch' (allowed: model, data, ...); did you mean 'epochs'?"
    "gg.lr_find: steps must be an integer >= 1, got 'ten'"

  M.describe(v)                          a value as messages show it
  M.suggest(word, candidates)            the candidate word was probably meant to be, or nil
  M.did_you_mean(word, candidates)       "; did you mean 'x'?" or ""
  M.check_options(fname, opts, allowed, level)   unknown keys -> error
  M.number / positive / nonneg / integer / boolean / string / enum (fname, opts, key,
    default, ..., level)                 one typed option, default when absent

  `level` is what error() takes, counted from the function that calls the checker: 1 blames
  that function's line, 2 (the default) the line that called it — the user's line when the
  checker is called directly from an API function. The edit distance behind suggest is the
  C one of lua/lopts.c (gg._suggest): Lua and C suggest the same names. ]]
local gg = require "gglab"
local finite = require("gglab.lib.util").is_finite

local M = {}

-- Control bytes in a described string (a name with a newline or NUL stays one readable line).
local function escape(c)
  if c == "\n" then return "\\n" end
  if c == "\t" then return "\\t" end
  return string.format("\\%d", c:byte())
end

--[[ describe(v) -> text for "got ..." in messages, as lopts.c's lg_describe: "'abc'", a number
  as gg.fmt_number writes it, "nil", an object's type name ("gglab.Model"), "a table"; control
  bytes in a string are escaped as in Lua source ("'a\\nb'", "'a\\0b'"). A
  metatable may name its values with a field __describe (a string, or a function(v) ->
  string): the symbolic tensors of graph.lua are "a symbolic tensor", samplers their text. ]]
function M.describe(v)
  local t = type(v)
  if t == "string" then return "'" .. v:gsub("%c", escape) .. "'" end
  if t == "number" then return gg.fmt_number(v) end
  if v == nil then return "nil" end
  local mt = getmetatable(v)
  if type(mt) == "table" then
    local d = rawget(mt, "__describe")
    if type(d) == "string" then return d end
    if type(d) == "function" then return d(v) end
    local name = rawget(mt, "__name")
    if type(name) == "string" then return name end
  end
  return "a " .. t
end

--[[ suggest(word, candidates) -> the candidate word was probably meant to be, or nil: the
  nearest by edit distance (optimal string alignment, ignoring case) if that is at most
  max(1, #word // 3) (0 for a one-character word), the first in candidates' order on a tie;
  otherwise the only candidate that starts with word, when word has 3 or more characters.
  A word that is not a string gets nil. ]]
function M.suggest(word, candidates)
  return gg._suggest(word, candidates)
end

-- "; did you mean 'x'?" for suggest(word, candidates), or "".
function M.did_you_mean(word, candidates)
  local s = gg._suggest(word, candidates)
  return s and string.format("; did you mean '%s'?", s) or ""
end

-- The allowed names as a list (allowed may be a list or a set name -> true), sorted for a set.
local function as_list(allowed)
  if allowed[1] ~= nil or next(allowed) == nil then return allowed end
  local list = {}
  for k in pairs(allowed) do list[#list + 1] = k end
  table.sort(list)
  return list
end

local function to_set(list)
  local set = {}
  for _, a in ipairs(list) do set[a] = true end
  return set
end

--[[ check_options(fname, opts, allowed, level, positional): opts may be nil; otherwise it must
  be a table whose keys are all names in allowed (a list, shown in its order, or a set); with
  positional, integer keys are allowed too (the list part of a spec such as
  {2, 8, 1, activation = "relu"}). Raises
  "<fname>: options must be a table, got <v>", "<fname>: option keys must be names, got 1"
  or "<fname>: unknown option 'k' (allowed: a, b, c)" plus "; did you mean 'b'?" for a near
  name — the text lopts.c's lg_opts_check writes. Returns opts. ]]
function M.check_options(fname, opts, allowed, level, positional)
  level = (level or 2) + 1
  if opts == nil then return opts end
  if type(opts) ~= "table" then
    error(string.format("%s: options must be a table, got %s", fname, M.describe(opts)), level)
  end
  local list, set = as_list(allowed), nil
  for k in pairs(opts) do
    if positional and math.type(k) == "integer" then
      -- the list part
    elseif type(k) ~= "string" then
      error(string.format("%s: option keys must be names, got %s", fname, M.describe(k)), level)
    else
      set = set or to_set(list)
      if not set[k] then
        error(string.format("%s: unknown option '%s' (allowed: %s)%s", fname, k, table.concat(list, ", "),
          M.did_you_mean(k, list)), level)
      end
    end
  end
  return opts
end

-- Raise "<fname>: <key> must be <what>, got <value>" at level (counted from the caller's caller).
local function bad(fname, key, what, v, level)
  error(string.format("%s: %s must be %s, got %s", fname, key, what, M.describe(v)), level + 1)
end

local function field(opts, key)
  if opts == nil then return nil end
  return opts[key]
end


-- number(fname, opts, key, default, level) -> opts[key], a finite number, or default when absent.
function M.number(fname, opts, key, default, level)
  local v = field(opts, key)
  if v == nil then return default end
  if not finite(v) then bad(fname, key, "a finite number", v, (level or 2) + 1) end
  return v
end

-- positive(...) -> opts[key], a finite number > 0, or default.
function M.positive(fname, opts, key, default, level)
  local v = field(opts, key)
  if v == nil then return default end
  if not finite(v) or v <= 0 then bad(fname, key, "a positive number", v, (level or 2) + 1) end
  return v
end

-- nonneg(...) -> opts[key], a finite number >= 0, or default.
function M.nonneg(fname, opts, key, default, level)
  local v = field(opts, key)
  if v == nil then return default end
  if not finite(v) or v < 0 then bad(fname, key, "a non-negative number", v, (level or 2) + 1) end
  return v
end

--[[ integer(fname, opts, key, default, min, max, level) -> opts[key], an integer-typed number
  (1e12 and 8.0 are floats and refused: a float count is usually a typo such as epochs = 1e12)
  in [min, max] (max nil: no upper bound), or default. The message is lopts.c's "must be an
  integer in [min, max]", or "must be an integer >= min" without max. ]]
function M.integer(fname, opts, key, default, min, max, level)
  local v = field(opts, key)
  if v == nil then return default end
  local n = math.type(v) == "integer" and v
  min = min or math.mininteger
  if not n or n < min or (max and n > max) then
    local what = max and string.format("an integer in [%d, %d]", min, max)
      or string.format("an integer >= %d", min)
    bad(fname, key, what, v, (level or 2) + 1)
  end
  return n
end

--[[ size(fname, what, v, level) -> v as an integer >= 1 (a width, a count of units or
  layers; an integral float such as 8.0 is accepted, as torch accepts it for sizes):
  "<fname>: <what> must be a positive integer, got <v>". ]]
function M.size(fname, what, v, level)
  local n = math.type(v) and math.tointeger(v)
  if not n or n < 1 then
    error(string.format("%s: %s must be a positive integer, got %s", fname, what, M.describe(v)),
      (level or 2) + 1)
  end
  return n
end

-- is_a(v, class) -> true when v's metatable is named class (a gglab userdata type).
function M.is_a(v, class)
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__name == class
end

--[[ object(fname, opts, key, class, what, level) -> opts[key], which must be a class
  userdata (e.g. "gglab.Model"): "<fname>: <key> must be <what or 'a <class>'>, got <v>". ]]
function M.object(fname, opts, key, class, what, level)
  local v = field(opts, key)
  if not M.is_a(v, class) then bad(fname, key, what or ("a " .. class), v, (level or 2) + 1) end
  return v
end

-- boolean(fname, opts, key, default, level) -> opts[key], true or false, or default.
function M.boolean(fname, opts, key, default, level)
  local v = field(opts, key)
  if v == nil then return default end
  if type(v) ~= "boolean" then bad(fname, key, "a boolean", v, (level or 2) + 1) end
  return v
end

-- string(fname, opts, key, default, level) -> opts[key], a string, or default.
function M.string(fname, opts, key, default, level)
  local v = field(opts, key)
  if v == nil then return default end
  if type(v) ~= "string" then bad(fname, key, "a string", v, (level or 2) + 1) end
  return v
end

--[[ enum(fname, opts, key, default, names, level) -> opts[key], one of the list names, or
  default: "<fname>: <key> must be one of 'a', 'b', got 'c'" (lopts.c's lg_opt_enum) plus
  "; did you mean 'b'?" for a near name. ]]
function M.enum(fname, opts, key, default, names, level)
  local v = field(opts, key)
  if v == nil then return default end
  for _, n in ipairs(names) do
    if v == n then return v end
  end
  local quoted = {}
  for i, n in ipairs(names) do quoted[i] = "'" .. n .. "'" end
  error(string.format("%s: %s must be one of %s, got %s%s", fname, key, table.concat(quoted, ", "),
    M.describe(v), M.did_you_mean(v, names)), (level or 2) + 1)
end

return M
