-- tests/lua/test_docs.lua — every ```lua block of the documentation runs.
--
-- Blocks come from docs/lua-api.md and README.md (required) and docs/guide.md, docs/cli.md,
-- docs/runner.md (if present).
-- Each block is loaded as its own chunk, named "=docs/<file>:LINE" after the line of its
-- opening fence, in a fresh environment (globals read through to _G, writes stay local,
-- print discarded) with the default generator reseeded as in a new process. A block passes
-- when it runs without error; blocks assert what they claim. Fragments and signatures use
-- another fence (```text) and are skipped.

local T = require "check"
local gg = require "gglab"

-- min: how many runnable blocks the file must have.
local FILES = { { path = "docs/lua-api.md", min = 10 }, { path = "docs/guide.md" }, { path = "docs/cli.md" },
  { path = "docs/runner.md" },
  { path = "README.md", min = 1 } }

-- blocks(path) -> list of {line = fence line, lang = "lua"|..., src = text}, or nil, msg.
local function blocks(path)
  local f, msg = io.open(path, "r")
  if not f then return nil, msg end
  local out, cur, n = {}, nil, 0
  for line in f:lines() do
    n = n + 1
    if cur then
      if line:match("^%s*```%s*$") then
        out[#out + 1], cur = cur, nil
      else
        cur.lines[#cur.lines + 1] = line
      end
    else
      local lang = line:match("^%s*```%s*([%w_+-]*)")
      if lang then cur = { line = n, lang = lang, lines = {} } end
    end
  end
  f:close()
  if cur then return nil, string.format("%s:%d: unterminated code fence", path, cur.line) end
  for _, b in ipairs(out) do b.src = table.concat(b.lines, "\n") .. "\n" end
  return out
end

local function fresh_env()
  local env = setmetatable({}, { __index = _G })
  env.print = function() end
  env._G = env
  return env
end

-- Runs one block; returns true or false, error text.
local function run_block(name, src)
  local chunk, err = load(src, "=" .. name, "t", fresh_env())
  if not chunk then return false, err end
  gg.manual_seed(0)  -- the state a new process starts in
  local ok, e = xpcall(chunk, function(m) return debug.traceback(tostring(m), 2) end)
  if not ok then return false, e end
  return true
end

local total = 0
for _, file in ipairs(FILES) do
  local list, msg = blocks(file.path)
  if not list then
    if file.min or not tostring(msg):match("No such file") then
      T.ok("read " .. file.path .. ": " .. tostring(msg), false)
    end
  else
    local nlua = 0
    for _, b in ipairs(list) do
      if b.lang == "lua" then
        nlua = nlua + 1
        total = total + 1
        local name = file.path .. ":" .. b.line
        T.ok(name .. " is self-contained (require \"gglab\")",
          b.src:match("require%s*%(?%s*[\"']gglab[\"']") ~= nil)
        local ok, err = run_block(name, b.src)
        if not ok then
          print(string.format("block at %s failed (block line k is file line %d+k):\n%s", name, b.line, err))
        end
        T.ok("block " .. name .. " runs", ok)
      end
    end
    if file.min then
      T.ok(file.path .. " has at least " .. file.min .. " runnable lua blocks (found " .. nlua .. ")",
        nlua >= file.min)
    end
  end
end
T.ok("some blocks ran", total > 0)

-- docs/design.md's table of Lua layer folders names exactly the modules in the tree: a row
-- "| `lua/gglab/<folder>/` | layer | `a` `b` ... | ... |" per folder (the flat API files:
-- "`lua/gglab/`"), its third cell the file names without .lua.
do
  local rows = {}
  for line in io.lines("docs/design.md") do
    local folder, cells = line:match("^| `lua/gglab/([%w_]*)/?` | [^|]+ | ([^|]+) |")
    if folder and cells:find("`", 1, true) then
      local names = {}
      for name in cells:gmatch("`([%w_]+)`") do names[#names + 1] = name end
      table.sort(names)
      rows[folder] = names
    end
  end
  local function listed(dir)
    local names = {}
    for _, f in ipairs(gg.fs.listdir(dir) or {}) do
      local stem = f:match("^([%w_]+)%.lua$")
      if stem then names[#names + 1] = stem end
    end
    table.sort(names)
    return names
  end
  T.eq("design.md lists the flat API modules", rows[""], listed("lua/gglab"))
  local folders = {}
  for _, f in ipairs(gg.fs.listdir("lua/gglab") or {}) do
    if gg.fs.isdir("lua/gglab/" .. f) then
      folders[#folders + 1] = f
      T.eq("design.md lists lua/gglab/" .. f .. "/", rows[f], listed("lua/gglab/" .. f))
    end
  end
  local documented = 0
  for folder in pairs(rows) do
    if folder ~= "" then
      documented = documented + 1
      T.ok("design.md's folder lua/gglab/" .. folder .. "/ exists", gg.fs.isdir("lua/gglab/" .. folder))
    end
  end
  T.eq("design.md has a row per layer folder", documented, #folders)
end

T.done()
