-- tests/lua/test_layers.lua — the layer rule of lua/gglab/ (docs/design.md "Layers"):
--   lib  <-  API (the flat files)  <-  engine  <-  {symptoms, doctor, report, findings}  <-  cli
-- Reads every `require` in every module — at top level or inside a function, so a lazy
-- require cannot hide an edge — and fails on one that points up the stack, on a require of
-- a module that does not exist, on a cycle, and on a file outside the known folders.
-- Modules of the same layer may require each other (but not in a cycle); every module may
-- require the C module "gglab" (below everything) and Lua's standard libraries.

local T = require "check"
local gg = require "gglab"

local ROOT = "lua/gglab"

-- The layers, lowest first. A folder's files belong to its layer; the flat files of
-- lua/gglab/ are the script-facing API.
local LAYER_OF_FOLDER = { lib = 1, [""] = 2, engine = 3, symptoms = 4, doctor = 4, report = 4,
  findings = 4, cli = 5 }
local LAYER_NAME = { "lib", "API", "engine", "analysis (symptoms/doctor/report/findings)", "cli" }

local STANDARD = { string = true, table = true, math = true, io = true, os = true, coroutine = true,
  utf8 = true, debug = true, package = true }

-- Every module: name -> {path, folder, requires = list of {name, line}}
local modules = {}
local function scan(dir, folder)
  for _, name in ipairs(gg.fs.listdir(dir) or {}) do
    local path = dir .. "/" .. name
    if gg.fs.isdir(path) then
      if folder ~= "" then
        T.ok("no nested folder below lua/gglab/" .. folder .. " (" .. name .. ")", false)
      else
        T.ok("folder lua/gglab/" .. name .. " is a known layer", LAYER_OF_FOLDER[name] ~= nil)
        scan(path, name)
      end
    elseif name:match("%.lua$") then
      local mod = "gglab." .. (folder ~= "" and folder .. "." or "") .. name:gsub("%.lua$", "")
      local f = assert(io.open(path, "rb"))
      local text = f:read("a")
      f:close()
      -- Drop comments (examples in them mention requires): long comments first, keeping
      -- their newlines so that line numbers stay right, then line comments.
      text = text:gsub("(%-%-%[(=*)%[.-%]%2%])", function(c) return (c:gsub("[^\n]", "")) end)
      local reqs, n = {}, 0
      for line in (text .. "\n"):gmatch("([^\n]*)\n") do
        n = n + 1
        local code = line:gsub("%-%-.*$", "")
        for _, pat in ipairs { 'require%s*%(?%s*"([^"]+)"', "require%s*%(?%s*'([^']+)'" } do
          for r in code:gmatch(pat) do reqs[#reqs + 1] = { name = r, line = n } end
        end
      end
      modules[mod] = { path = path, folder = folder, requires = reqs }
    end
  end
end
scan(ROOT, "")

local count = 0
for _ in pairs(modules) do count = count + 1 end
T.ok("found the modules (" .. count .. ")", count >= 30)

local names = {}
for name in pairs(modules) do names[#names + 1] = name end
table.sort(names)

-- violations(mods) -> list of messages: requires of missing modules or up the stack.
local function violations(mods)
  local bad, list = {}, {}
  for name in pairs(mods) do list[#list + 1] = name end
  table.sort(list)
  for _, name in ipairs(list) do
    local m = mods[name]
    local mine = LAYER_OF_FOLDER[m.folder]
    for _, r in ipairs(m.requires) do
      local target = mods[r.name]
      local where = string.format("%s:%d requires %s", m.path, r.line, r.name)
      if r.name == "gglab" or STANDARD[r.name] then
        -- the C module and the standard libraries: below everything
      elseif not target then
        bad[#bad + 1] = where .. ": no such module"
      else
        local theirs = LAYER_OF_FOLDER[target.folder]
        if theirs > mine then
          bad[#bad + 1] = string.format("%s: %s may not require %s (up the stack)", where,
            LAYER_NAME[mine], LAYER_NAME[theirs])
        end
      end
    end
  end
  return bad
end

local bad = violations(modules)
for _, b in ipairs(bad) do T.ok(b, false) end
T.eq("no require points up the stack or to a missing module", #bad, 0)

-- No cycles (depth-first search over the module graph).
local state, cycle = {}, nil
local function visit(name, stack)
  if cycle then return end
  state[name] = "open"
  stack[#stack + 1] = name
  for _, r in ipairs(modules[name].requires) do
    if modules[r.name] then
      if state[r.name] == "open" then
        local parts, on = {}, false
        for _, s in ipairs(stack) do
          if s == r.name then on = true end
          if on then parts[#parts + 1] = s end
        end
        parts[#parts + 1] = r.name
        cycle = table.concat(parts, " -> ")
        return
      elseif not state[r.name] then
        visit(r.name, stack)
      end
    end
  end
  stack[#stack] = nil
  state[name] = "done"
end
for _, name in ipairs(names) do
  if not state[name] then visit(name, {}) end
end
T.eq("no require cycle", cycle, nil)

-- The checker itself: made-up edges are judged as the rule says.
do
  local function fake(folder, reqs)
    local list = {}
    for i, r in ipairs(reqs) do list[i] = { name = r, line = i } end
    return { path = "x", folder = folder, requires = list }
  end
  local mods = { ["gglab.lib.a"] = fake("lib", { "gglab.cli.main" }), ["gglab.cli.main"] = fake("cli", {}),
    ["gglab.engine.b"] = fake("engine", { "gglab.report.c", "gglab.lib.a", "gglab.nope" }),
    ["gglab.report.c"] = fake("report", { "gglab.engine.b", "gglab.doctor.d", "gglab" }),
    ["gglab.doctor.d"] = fake("doctor", {}) }
  local v = violations(mods)
  table.sort(v)
  T.eq("self-check: two upward edges and a missing module, nothing else", #v, 3)
  local all = table.concat(v, "\n")
  T.ok("self-check: engine -> report is up the stack", all:find("engine may not require analysis", 1, true))
  T.ok("self-check: a missing module", all:find("gglab.nope: no such module", 1, true))
  T.ok("self-check: lib -> cli is up the stack", all:find("lib may not require cli", 1, true))
end

T.done()
