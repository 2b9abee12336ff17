--[[ lua/gglab/lib/json.lua — tiny deterministic JSON encoder and decoder (for manifest.json
  and the other JSON files of a results folder).

  Why hand-written, not lua-cjson or dkjson: a results folder must be byte-stable (the same
  run writes the same bytes, so folders can be diffed and hashed), and a number must read
  back as the very same double. Both libraries walk tables with pairs(), so object keys come
  out in hash order, and write numbers with 14 significant digits by default (%.14g), which
  does not round-trip a double; this encoder sorts keys and writes numbers with gg.fmt_number
  (the shortest of up to 17 digits that reads back exactly). It is also ~250 lines with no
  dependency beyond the C module.

  encode(value) -> string, pretty-printed with 2-space indents and a trailing newline;
  compact(value [, exact]) -> the same on one line without spaces ([64,64]).
  Mapping: nil / json.null -> null; booleans; integers as %d, floats via gg.fmt_number,
  non-finite numbers -> null (JSON has no nan/inf); strings escaped per RFC 8259 (UTF-8 is
  passed through); a table with keys exactly 1..n is an array, an empty table is [];
  any other table must have only string keys and becomes an object with keys sorted,
  so equal inputs give byte-identical output.

  decode(text) -> value, or nil, msg ("json.decode: <what> at position <byte>") for text
  that is not one RFC 8259 JSON value. null -> json.null (so arrays keep their length),
  numbers without fraction or exponent -> integers when they fit, other numbers -> floats,
  \uXXXX escapes (with surrogate pairs) -> UTF-8; a repeated object key keeps the last
  value. decode(encode(v)) equals v for what encode accepts, except that floats with an
  integral value come back as integers (encode writes 3.0 as 3). ]]

local gg = require "gglab"

local M = {}

M.null = setmetatable({}, { __name = "gglab.json.null", __tostring = function() return "json.null" end })

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function encode_number(x)
  if x ~= x or x == math.huge or x == -math.huge then return "null" end
  return gg.fmt_number(x)
end

-- Returns n when t is a sequence 1..n (n = 0 for an empty table), nil otherwise.
local function array_length(t)
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  if count == #t then return count end
  return nil
end

local encode_value

local function encode_table(t, indent)
  local inner = indent .. "  "
  local parts = {}
  local n = array_length(t)
  if n then
    if n == 0 then return "[]" end
    for i = 1, n do parts[i] = inner .. encode_value(t[i], inner) end
    return "[\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "]"
  end
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then
      error("json.encode: object keys must be strings, got " .. type(k), 0)
    end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  for i, k in ipairs(keys) do
    parts[i] = inner .. encode_string(k) .. ": " .. encode_value(t[k], inner)
  end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

function encode_value(v, indent)
  local t = type(v)
  if v == nil or v == M.null then return "null" end
  if t == "boolean" then return tostring(v) end
  if t == "number" then return encode_number(v) end
  if t == "string" then return encode_string(v) end
  if t == "table" then return encode_table(v, indent) end
  error("json.encode: value must be nil, boolean, number, string or table, got " .. t, 0)
end

function M.encode(value)
  return encode_value(value, "") .. "\n"
end

local function compact_value(v, exact)
  local t = type(v)
  if v == nil or v == M.null then return "null" end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return gg.fmt_number(v, exact)
  end
  if t == "string" then return encode_string(v) end
  if t == "table" then
    local parts = {}
    local n = array_length(v)
    if n then
      for i = 1, n do parts[i] = compact_value(v[i], exact) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do
      if type(k) ~= "string" then error("json.compact: object keys must be strings, got " .. type(k), 0) end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    for i, k in ipairs(keys) do parts[i] = encode_string(k) .. ":" .. compact_value(v[k], exact) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  error("json.compact: value must be nil, boolean, number, string or table, got " .. t, 0)
end

--[[ compact(value [, exact]) -> the same JSON as encode, on one line without spaces and
  without a trailing newline ([64,64], ["relu","tanh"], {"a":1}): a list-valued
  parameter's CSV cell and display text. exact = true writes numbers with
  gg.fmt_number(x, true) (distinct doubles, distinct texts: run ids' canonical forms). ]]
function M.compact(value, exact)
  return compact_value(value, exact)
end

-- ---- decoding ----

local MAX_DEPTH = 200
local UNESCAPE = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

-- Parser state: text and pos; errors are raised as {msg = ...} and turned into nil, msg.
local function decoder(text)
  local pos = 1
  local function fail(what, at)
    error({ msg = string.format("json.decode: %s at position %d", what, at or pos) }, 0)
  end
  local function skip()
    pos = text:find("[^ \t\r\n]", pos) or #text + 1
  end
  local value

  local function literal(word, v)
    if text:sub(pos, pos + #word - 1) ~= word then fail("invalid literal") end
    pos = pos + #word
    return v
  end

  local function number()
    local s = text:match("^-?%d+", pos)
    if not s or s:match("^-?0%d") then fail("invalid number") end
    local start = pos
    pos = pos + #s
    local frac = text:match("^%.%d+", pos)
    if frac then pos = pos + #frac elseif text:sub(pos, pos) == "." then fail("invalid number") end
    local exp = text:match("^[eE][+-]?%d+", pos)
    if exp then pos = pos + #exp elseif text:match("^[eE]", pos) then fail("invalid number") end
    local str = text:sub(start, pos - 1)
    if not frac and not exp then
      local i = math.tointeger(tonumber(str))
      if i then return i end
    end
    return tonumber(str) + 0.0
  end

  local function hex4(at)
    local h = text:match("^%x%x%x%x", at)
    if not h then fail("invalid \\u escape", at - 2) end
    return tonumber(h, 16)
  end

  local function string_()
    local parts = {}
    pos = pos + 1
    while true do
      local j = text:find('["\\%c]', pos)
      if not j then fail("unterminated string") end
      parts[#parts + 1] = text:sub(pos, j - 1)
      local c = text:sub(j, j)
      if c == '"' then
        pos = j + 1
        return table.concat(parts)
      elseif c == "\\" then
        local e = text:sub(j + 1, j + 1)
        if UNESCAPE[e] then
          parts[#parts + 1] = UNESCAPE[e]
          pos = j + 2
        elseif e == "u" then
          local cp = hex4(j + 2)
          pos = j + 6
          if cp >= 0xD800 and cp <= 0xDBFF then
            if text:sub(pos, pos + 1) ~= "\\u" then fail("lone surrogate", j) end
            local lo = hex4(pos + 2)
            if lo < 0xDC00 or lo > 0xDFFF then fail("lone surrogate", j) end
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
            pos = pos + 6
          elseif cp >= 0xDC00 and cp <= 0xDFFF then
            fail("lone surrogate", j)
          end
          parts[#parts + 1] = utf8.char(cp)
        else
          fail("invalid escape", j)
        end
      else
        fail("control character in string", j)
      end
    end
  end

  -- The elements of an array or object, from its opening bracket to the closing character
  -- `close`: item() reads one element (and stores it); a ',' separates them.
  local function elements(close, item)
    pos = pos + 1
    skip()
    if text:sub(pos, pos) == close then
      pos = pos + 1
      return
    end
    while true do
      item()
      skip()
      local c = text:sub(pos, pos)
      pos = pos + 1
      if c == close then return end
      if c ~= "," then fail("expected ',' or '" .. close .. "'", pos - 1) end
    end
  end

  local function array(depth)
    local out, n = {}, 0
    elements("]", function()
      n = n + 1
      out[n] = value(depth + 1)
    end)
    return out
  end

  local function object(depth)
    local out = {}
    elements("}", function()
      skip()
      if text:sub(pos, pos) ~= '"' then fail("expected a string key") end
      local k = string_()
      skip()
      if text:sub(pos, pos) ~= ":" then fail("expected ':'") end
      pos = pos + 1
      out[k] = value(depth + 1)
    end)
    return out
  end

  function value(depth)
    if depth > MAX_DEPTH then fail("nesting deeper than " .. MAX_DEPTH) end
    skip()
    local c = text:sub(pos, pos)
    if c == "{" then return object(depth) end
    if c == "[" then return array(depth) end
    if c == '"' then return string_() end
    if c == "t" then return literal("true", true) end
    if c == "f" then return literal("false", false) end
    if c == "n" then return literal("null", M.null) end
    if c == "-" or c:match("%d") then return number() end
    if c == "" then fail("unexpected end of text") end
    fail("unexpected character '" .. c .. "'")
  end

  return function()
    local v = value(1)
    skip()
    if pos <= #text then fail("trailing text") end
    return v
  end
end

function M.decode(text)
  if type(text) ~= "string" then error("json.decode: text must be a string, got " .. type(text), 2) end
  local ok, v = pcall(decoder(text))
  if ok then return v end
  if type(v) == "table" and v.msg then return nil, v.msg end
  error(v, 0)
end

return M
