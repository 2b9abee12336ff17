-- tests/lua/test_doc_figures.lua — the run counts quoted in the docs are those of a fresh run.
--
-- README.md and docs/*.md quote gglab's own output for the experiments in experiments/:
--   "216 runs of 'lr_sweep' in 0.63s: 184 ok, 32 diverged, 0 failed."      (gglab run)
--   "merged 216 of 216 runs of 'lr_sweep' ...: 184 ok, 32 diverged, 0 failed."  (gglab merge)
--   "216 runs: 184 ok, 32 diverged, 0 failed (results/lr_sweep)"           (gglab report --text)
-- For every such line naming an experiment that exists as experiments/<name>.lua, this runs
-- the experiment once (gglab run, -j 2) and checks that the quoted counts are the run's. A
-- change that moves a count (numerics, a new point) then fails here instead of leaving the
-- docs stale. With --write (make doc-figures) the counts are rewritten in place instead.
-- Timings in those lines ("in 0.63s") are examples and are not checked.

local T = require "check"
local gg = require "gglab"
local json = require "gglab.lib.json"

local WRITE = arg and arg[1] == "--write"
local GGLAB = os.getenv("GGLAB") or "build/gglab"

local FILES = { "README.md" }
for _, f in ipairs(gg.fs.listdir("docs") or {}) do
  if f:match("%.md$") then FILES[#FILES + 1] = "docs/" .. f end
end
table.sort(FILES)

-- The quoted-output patterns: each captures the experiment name (capture `name`) and the four
-- counts; whole(c) is the matched text, rebuild(c, counts) the text with the counts replaced.
local PATTERNS = {
  { -- gglab run / gglab merge: "N runs of 'NAME' ...: A ok, B diverged, C failed"
    pat = "(%d+)( runs of '([%w_]+)'[^:\n]*: )(%d+)( ok, )(%d+)( diverged, )(%d+)( failed)",
    name = 3,
    whole = function(c) return c[1] .. c[2] .. c[4] .. c[5] .. c[6] .. c[7] .. c[8] .. c[9] end,
    rebuild = function(c, n) return n.points .. c[2] .. n.ok .. c[5] .. n.diverged .. c[7] .. n.failed .. c[9] end },
  { -- gglab report --text: "N runs: A ok, B diverged, C failed (results/NAME)"
    pat = "(%d+)( runs: )(%d+)( ok, )(%d+)( diverged, )(%d+)( failed %(results/([%w_]+)%))",
    name = 9,
    whole = function(c) return table.concat(c, "", 1, 8) end,
    rebuild = function(c, n) return n.points .. c[2] .. n.ok .. c[4] .. n.diverged .. c[6] .. n.failed .. c[8] end },
}

local tmp = T.tmpdir()
local counts = {}   -- name -> {points, ok, diverged, failed} | false (could not run)

local function counts_of(name)
  if counts[name] ~= nil then return counts[name] end
  local out = tmp .. "/" .. name
  local _, code = T.sh(string.format("%s run -q -j 2 --out %s experiments/%s.lua >/dev/null", GGLAB,
    T.quote(out), name))
  local m = json.decode(T.slurp(out .. "/manifest.json") or "")
  if code ~= 0 or type(m) ~= "table" or type(m.counts) ~= "table" then
    T.ok("experiments/" .. name .. ".lua runs (exit " .. tostring(code) .. ")", false)
    counts[name] = false
    return false
  end
  counts[name] = { points = m.points, ok = m.counts.ok or 0, diverged = m.counts.diverged or 0,
    failed = m.counts.failed or 0 }
  return counts[name]
end

local checked, rewritten = 0, 0
for _, path in ipairs(FILES) do
  local text = T.read(path)
  local new = text
  for _, p in ipairs(PATTERNS) do
    new = new:gsub(p.pat, function(...)
      local c = { ... }
      local name = c[p.name]
      if not gg.fs.exists("experiments/" .. name .. ".lua") then return nil end  -- an inline example
      local n = counts_of(name)
      if not n then return nil end
      local want = p.rebuild(c, n)
      local got = p.whole(c)
      checked = checked + 1
      if not WRITE then
        T.eq(string.format("%s: the counts quoted for '%s' are a fresh run's", path, name), got, want)
      end
      return want
    end)
  end
  if WRITE and new ~= text then
    T.write(path, new)
    rewritten = rewritten + 1
    print("rewrote the run counts in " .. path)
  end
end
T.ok("the docs quote run counts of at least one experiment (found " .. checked .. ")", checked >= 1)
if WRITE then print(string.format("%d quoted lines checked, %d files rewritten", checked, rewritten)) end
T.rmtree(tmp)
T.done()
