--[[ lua/gglab/lib/util.lua — small table, number, file and shell helpers shared by the API and
  engine modules. Argument checking (describe, suggest, did_you_mean) is lib/args.lua. ]]

local M = {}

-- Shallow copy of a table (a point: name -> value); nil copies as an empty table.
function M.copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

-- The first line of a text (an error message's headline).
function M.first_line(s)
  return (s:match("^[^\n]*"))
end

-- The keys of t, sorted.
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- A number that is neither NaN nor an infinity.
function M.is_finite(x)
  return type(x) == "number" and x == x and x ~= math.huge and x ~= -math.huge
end

-- POSIX shell single-quoting; words made only of safe characters stay bare.
function M.shell_quote(s)
  if s ~= "" and not s:find("[^%w%%+,./:=@_-]") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- The whole file at path -> text, or nil, message.
function M.read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

return M
