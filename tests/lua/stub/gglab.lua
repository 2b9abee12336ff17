--[[ tests/lua/stub/gglab.lua — pure-Lua stand-in for the C primitives of module `gglab`.

  Lets the Lua policy modules be tested with plain lua5.4 before the C module exists.
  It mimics only the contract the Lua side relies on:
    gg.version, gg.NULL, gg.fmt_number, gg.csv.writer/read, gg.fs.mkdir/rename/remove/
    listdir/exists/isdir, gg.sha256_file, gg.clock, gg.hostname.
  Expected runtime failures return nil, msg (like io.open); misuse raises.
  It shells out (mkdir, ls, test, sha256sum) for brevity; the C module does not. ]]

local M = {}

M.version = "0.1.0"
function M.manual_seed(_) end  -- the real one reseeds the default generator

-- Sentinel for an empty CSV field (the C module uses a light userdata).
M.NULL = setmetatable({}, { __name = "gglab.NULL", __tostring = function() return "gg.NULL" end })

-- ---- numbers ----

-- Shortest of %.15g/%.16g/%.17g that reads back as x; integers as %d.
function M.fmt_number(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  if type(x) ~= "number" then error("gg.fmt_number: x must be a number, got " .. type(x), 2) end
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  for _, f in ipairs { "%.15g", "%.16g" } do
    local s = string.format(f, x)
    if tonumber(s) == x then return s end
  end
  return string.format("%.17g", x)
end

-- ---- csv ----

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function csv_field(v)
  if v == nil or v == M.NULL then return "" end
  local s
  if type(v) == "number" then s = M.fmt_number(v)
  elseif type(v) == "boolean" then s = tostring(v)
  elseif type(v) == "string" then s = v
  else error("w:row: field must be a string, number, boolean or gg.NULL, got " .. type(v), 3) end
  -- Quoted when needed, as lua/lcsv.c does: separators, quotes, line breaks, edge spaces.
  if s:find('[,"\r\n]') or s:find("^ ") or s:find(" $") then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local Writer = {}
Writer.__index = Writer

function Writer:row(list)
  if not self.f then error("w:row: writer is closed", 2) end
  local out = {}
  for i = 1, #list do out[i] = csv_field(list[i]) end
  self.f:write(table.concat(out, ","), "\n")
end

function Writer:close()
  if not self.f then return true end
  local ok, msg = self.f:close()
  self.f = nil
  if not ok then return nil, msg end
  return true
end

M.csv = {}

function M.csv.writer(path)
  local f, msg = io.open(path, "wb")
  if not f then return nil, msg end
  return setmetatable({ f = f }, Writer)
end

-- RFC 4180 parser: quoted fields may hold commas, quotes ("") and newlines.
function M.csv.read(path)
  local f, msg = io.open(path, "rb")
  if not f then return nil, msg end
  local text = f:read("a")
  f:close()
  local records, rec, i, n = {}, {}, 1, #text
  while i <= n do
    local field
    if text:sub(i, i) == '"' then
      local buf = {}
      i = i + 1
      while true do
        local q = text:find('"', i, true)
        if not q then return nil, path .. ": unterminated quoted field" end
        buf[#buf + 1] = text:sub(i, q - 1)
        if text:sub(q + 1, q + 1) == '"' then buf[#buf + 1] = '"'; i = q + 2
        else i = q + 1; break end
      end
      field = table.concat(buf)
    else
      local j = text:find("[,\r\n]", i) or n + 1
      field = text:sub(i, j - 1)
      i = j
    end
    rec[#rec + 1] = field
    local c = text:sub(i, i)
    if c == "," then i = i + 1
    else
      if c == "\r" then i = i + 1 end
      if text:sub(i, i) == "\n" then i = i + 1 end
      records[#records + 1], rec = rec, {}
    end
  end
  local header = table.remove(records, 1) or {}
  return header, records
end

-- ---- fs ----

M.fs = {}

function M.fs.exists(path)
  return os.execute("test -e " .. shell_quote(path)) == true
end

function M.fs.isdir(path)
  return os.execute("test -d " .. shell_quote(path)) == true
end

function M.fs.mkdir(path)
  if M.fs.isdir(path) then return true end
  if os.execute("mkdir -p " .. shell_quote(path) .. " 2>/dev/null") then return true end
  return nil, path .. ": cannot create directory"
end

function M.fs.rename(old, new)
  local ok, msg = os.rename(old, new)
  if not ok then return nil, msg end
  return true
end

function M.fs.remove(path)
  local ok, msg = os.remove(path)
  if not ok then return nil, msg end
  return true
end

function M.fs.listdir(dir)
  if not M.fs.isdir(dir) then return nil, dir .. ": not a directory" end
  local p = io.popen("ls -A " .. shell_quote(dir))
  local names = {}
  for line in p:lines() do names[#names + 1] = line end
  p:close()
  table.sort(names)
  return names
end

-- ---- misc ----

function M.sha256_file(path)
  if not M.fs.exists(path) then return nil, path .. ": No such file or directory" end
  local p = io.popen("sha256sum " .. shell_quote(path) .. " 2>/dev/null")
  local hex = p:read("l")
  p:close()
  hex = hex and hex:match("^(%x+)")
  if not hex then return nil, path .. ": cannot hash" end
  return hex
end

-- os.clock is CPU time, not wall time; good enough for a stub (monotonic, float seconds).
function M.clock()
  return os.clock()
end

function M.hostname()
  local p = io.popen("hostname 2>/dev/null")
  local name = p and p:read("l")
  if p then p:close() end
  return name or "localhost"
end

return M
