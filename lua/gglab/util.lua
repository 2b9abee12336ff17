--[[ lua/gglab/util.lua — small table and message helpers shared by the runner modules. ]]
local gg = require "gglab"

local M = {}

-- Shallow copy of a table (a point: name -> value).
function M.copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- The keys of t, sorted.
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- Neither NaN nor an infinity.
function M.is_finite(x)
  return x == x and x ~= math.huge and x ~= -math.huge
end

-- A number as gg.fmt_number writes it (including "inf", "-inf", "nan") -> number, or nil.
function M.parse_number(s)
  local x = tonumber(s)
  if x then return x end
  if s == "inf" then return math.huge elseif s == "-inf" then return -math.huge end
  if s == "nan" or s == "-nan" then return 0 / 0 end
  return nil
end

-- A value as error messages show it: "0.1", "\"adam\"", or its type.
function M.describe(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "number" then return gg.fmt_number(v) end
  return type(v)
end

-- Edit distance of a and b (optimal string alignment: insertions, deletions,
-- substitutions and swaps of neighbours, each 1), ignoring case.
local function distance(a, b)
  a, b = a:lower(), b:lower()
  local prev2, prev, cur = {}, {}, {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      local d = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d = math.min(d, prev2[j - 2] + 1)
      end
      cur[j] = d
    end
    prev2, prev = prev, cur
  end
  return prev[#b]
end

--[[ suggest(word, candidates) -> the candidate word was probably meant to be, or nil:
  the nearest by edit distance (ignoring case) if that is at most max(1, #word // 3)
  (0 for a one-character word), the first in candidates' order on a tie; otherwise the only candidate that starts with
  word, when word has 3 or more characters. lua/lopts.c (lg_opts_check) applies the same
  rule to the options of the C functions. ]]
function M.suggest(word, candidates)
  if type(word) ~= "string" then return nil end
  local best, best_d = nil, (#word >= 2 and math.max(1, #word // 3) or 0) + 1
  for _, c in ipairs(candidates) do
    local d = distance(word, c)
    if d < best_d and c ~= word then best, best_d = c, d end
  end
  if best or #word < 3 then return best end
  local lower, found = word:lower(), nil
  for _, c in ipairs(candidates) do
    if c:lower():sub(1, #word) == lower then
      if found then return nil end
      found = c
    end
  end
  return found
end

-- "; did you mean 'x'?" for suggest(word, candidates), or "".
function M.did_you_mean(word, candidates)
  local s = M.suggest(word, candidates)
  return s and string.format("; did you mean '%s'?", s) or ""
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
