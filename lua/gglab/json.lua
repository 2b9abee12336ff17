--[[ lua/gglab/json.lua — tiny deterministic JSON encoder (for manifest.json).

  encode(value) -> string, pretty-printed with 2-space indents and a trailing newline.
  Mapping: nil / json.null -> null; booleans; integers as %d, floats via gg.fmt_number,
  non-finite numbers -> null (JSON has no nan/inf); strings escaped per RFC 8259 (UTF-8 is
  passed through); a table with keys exactly 1..n is an array, an empty table is [];
  any other table must have only string keys and becomes an object with keys sorted,
  so equal inputs give byte-identical output. ]]

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

return M
