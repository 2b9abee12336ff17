--[[ tests/doctor/evidence.lua — what the unchanged runs of a doctor diagnosis did, read
  back from the doctor's panel directories (<out>/panel and, when the doctor ran the seeds
  after its first look, <out>/panel_rest: runs.csv and one curve file per run), so every
  configuration's "broken in the intended way" can be checked by eye and printed next to
  the verdict.

  local ev = require "evidence"
  ev.unchanged(dir [, fix]) -> list of {seed, status, curves = {[metric] = {values...}}}
  ev.ratio(dir, fix) -> median over seeds of unchanged outcome / outcome with the fix
  ev.summary(dir [, fix]) -> {n, diverged, diverged_step, train = {first, min, last},
    val = {first, min, last}, outcome} (medians over the seeds that finished; diverged_step
    over those that diverged) and ev.text(summary) -> one line. ]]
local gg = require "gglab"
local store = require "gglab.engine.store"
local util = require "gglab.lib.util"

local M = {}

function M.unchanged(dir, fix)
  fix = fix or "none"
  local out = {}
  -- the first seeds' runs, and those of the seeds after the doctor's first look (if it ran them)
  for _, sub in ipairs { "/panel", "/panel_rest" } do
    local path = dir .. sub
    if sub == "/panel" or gg.fs.exists(path .. "/runs.csv") then
      local header, rows = gg.csv.read(path .. "/runs.csv")
      if not header then error("cannot read " .. path .. "/runs.csv: " .. tostring(rows), 0) end
      local col = {}
      for i, h in ipairs(header) do col[h] = i end
      local st = assert(store.open(path, { fresh = false }))
      for _, r in ipairs(rows) do
        if r[col.fix] == fix then
          local curves = {}
          for _, c in ipairs(st:read_curve(r[col.run_id])) do
            curves[c.metric] = curves[c.metric] or {}
            table.insert(curves[c.metric], c.value)
          end
          out[#out + 1] = { seed = tonumber(r[col.seed]), status = r[col.status], run_id = r[col.run_id],
            curves = curves, diverged_step = tonumber(r[col.diverged_step]) }
        end
      end
    end
  end
  table.sort(out, function(a, b) return a.seed < b.seed end)
  return out
end

local function median(xs)
  if #xs == 0 then return nil end
  table.sort(xs)
  local n = #xs
  if n % 2 == 1 then return xs[(n + 1) // 2] end
  return (xs[n // 2] + xs[n // 2 + 1]) / 2
end

local function shape(runs, metric)
  local first, min, last = {}, {}, {}
  for _, r in ipairs(runs) do
    local c = r.curves[metric]
    if r.status == "ok" and c and #c > 0 then
      local m = math.huge
      for _, v in ipairs(c) do if v == v then m = math.min(m, v) end end
      first[#first + 1], min[#min + 1], last[#last + 1] = c[1], m, c[#c]
    end
  end
  if #first == 0 then return nil end
  return { first = median(first), min = median(min), last = median(last) }
end

function M.summary(dir, fix)
  local runs = M.unchanged(dir, fix)
  local s = { n = #runs, diverged = 0 }
  local outs, steps = {}, {}
  for _, r in ipairs(runs) do
    if r.status == "diverged" then
      s.diverged = s.diverged + 1
      steps[#steps + 1] = r.diverged_step
    end
    local o = r.curves.doctor_outcome
    if r.status == "ok" and o then outs[#outs + 1] = o[#o] end
  end
  -- the epoch losses (a Keras-preset run logs them as `loss`, as the doctor reads them)
  s.train = shape(runs, "epoch_loss") or shape(runs, "loss")
  s.val = shape(runs, "val_loss")
  s.outcome = median(outs)
  s.diverged_step = median(steps)
  return s
end

local function g(x)
  if x == nil then return "-" end
  if not util.is_finite(x) then return gg.fmt_number(x) end
  return string.format("%.3g", x)
end

--[[ ratio(dir, fix) -> the median over seeds of (unchanged outcome) / (outcome with fix),
  paired by seed; a diverged run's outcome is +inf (so a rescued seed counts as inf). ]]
function M.ratio(dir, fix)
  local function outcomes(f)
    local by = {}
    for _, r in ipairs(M.unchanged(dir, f)) do
      local o = r.curves.doctor_outcome
      by[r.seed] = (r.status == "ok" and o) and o[#o] or math.huge
    end
    return by
  end
  local base, fixed = outcomes("none"), outcomes(fix)
  local rs = {}
  for seed, b in pairs(base) do
    local f = fixed[seed]
    if f then
      if b == math.huge and f == math.huge then rs[#rs + 1] = 1
      elseif f == 0 then rs[#rs + 1] = b == 0 and 1 or math.huge
      else rs[#rs + 1] = b / f end
    end
  end
  return median(rs)
end

-- "diverged 0/10; train 1.1 -> 0.05 (min 0.04); val 1.1 -> 0.3 (min 0.2); outcome 0.3"
function M.text(s)
  local parts = { string.format("diverged %d/%d", s.diverged, s.n) }
  if s.diverged_step then parts[1] = parts[1] .. string.format(" (median step %s)", g(s.diverged_step)) end
  for _, k in ipairs { "train", "val" } do
    local c = s[k]
    if c then parts[#parts + 1] = string.format("%s %s -> %s (min %s)", k, g(c.first), g(c.last), g(c.min)) end
  end
  if s.outcome then parts[#parts + 1] = "outcome " .. g(s.outcome) end
  return table.concat(parts, "; ")
end

return M
