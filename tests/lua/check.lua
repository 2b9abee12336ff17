--[[ tests/lua/check.lua — minimal test helper (the Lua twin of tests/check.h).

  local T = require "check"
  T.ok(name, cond); T.eq(name, got, want); T.near(name, a, b, tol); T.raises(name, fn, pattern)
  T.done() prints "N passed, N failed" as the last line and exits non-zero on any failure.
  Passing checks are silent; a failure prints file:line, the name, and got/want.
  T.eq compares tables deeply and treats NaN as equal to NaN.

  File and process helpers shared by the suites (one copy here, not one per test file):
  T.slurp(path) -> contents | nil; T.read(path) -> contents (raises when missing); T.write(path, text); T.tmpdir() -> a new empty directory;
  T.rmtree(path); T.quote(s) -> s quoted for sh; T.sh(cmd) -> output (stdout and stderr),
  exit code (LD_PRELOAD unset: make sanitize's runtimes are meant for lua5.4 only);
  T.runs_without_wall(dir) -> DIR/runs.csv without its last column (wall_s, the one value
  that legitimately differs between two runs of a sweep); raises when there is none, so
  that two missing files never compare equal. ]]

local T = {}

local passed, failed = 0, 0

local function show(v, depth)
  depth = depth or 0
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" or depth > 3 then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = (math.type(k) == "integer" and "" or tostring(k) .. "=") .. show(v[k], depth + 1)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function equal(a, b)
  if a == b then return true end
  if type(a) == "number" and type(b) == "number" then return a ~= a and b ~= b end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- Records one result; `detail` is printed on failure, located at the test's call site
-- (level 3: record <- T.xxx <- test). So the T functions must not tail-call record.
local function record(name, ok, detail)
  if ok then
    passed = passed + 1
    return
  end
  failed = failed + 1
  local info = debug.getinfo(3, "Sl")
  print(string.format("FAIL %s:%d: %s", info.short_src, info.currentline, name))
  print(detail)
end

function T.ok(name, cond)
  record(name, cond and true or false, "  got:  " .. show(cond) .. "\n  want: truthy")
end

function T.eq(name, got, want)
  record(name, equal(got, want), "  got:  " .. show(got) .. "\n  want: " .. show(want))
end

function T.near(name, a, b, tol)
  local ok = type(a) == "number" and type(b) == "number" and math.abs(a - b) <= tol
  record(name, ok, string.format("  got:  %s\n  want: %s (tol %s)", show(a), show(b), show(tol)))
end

-- Passes when fn raises an error whose message (tostring) matches the Lua pattern.
function T.raises(name, fn, pattern)
  local ok, err = pcall(fn)
  if ok then
    record(name, false, "  got:  no error\n  want: error matching " .. show(pattern))
    return
  end
  local msg = tostring(err)
  record(name, msg:match(pattern) ~= nil, "  got:  " .. show(msg) .. "\n  want: error matching " .. show(pattern))
end

-- ---- files and processes ----

function T.slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

function T.read(path)
  return T.slurp(path) or error("cannot read " .. path, 2)
end

function T.write(path, text)
  local f = assert(io.open(path, "wb"))
  assert(f:write(text))
  assert(f:close())
end

function T.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

function T.sh(cmd)
  local p = assert(io.popen("unset LD_PRELOAD; " .. cmd .. " 2>&1"))
  local text = p:read("a")
  local _, _, code = p:close()
  return text, code
end

function T.tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p " .. T.quote(d)), "cannot create " .. d)
  return d
end

function T.rmtree(path)
  if path and path ~= "" and path ~= "/" then os.execute("rm -rf " .. T.quote(path)) end
end

function T.runs_without_wall(dir)
  local text = T.slurp(dir .. "/runs.csv") or error("no runs.csv in " .. dir, 2)
  return (text:gsub(",[^,\n]*\n", "\n"))
end

function T.done()
  print(string.format("%d passed, %d failed", passed, failed))
  os.exit(failed == 0 and 0 or 1)
end

return T
