--[[ lua/gglab/symptoms/output.lua — what `gglab run --symptoms` writes: symptoms.csv (one
  row per firing, schema.SYMPTOMS_COLUMNS) and the terminal summary per configuration.
  Takes the analyses of symptoms/driver.lua's analyze_dir and the tools in output order;
  runs no detector itself.

  write_csv(path, analyses, tools)       symptoms.csv, written atomically (path.tmp, rename)
  format(analyses, csv_path, tools) -> the summary text ]]

local gg = require "gglab"
local util = require "gglab.lib.util"
local sweep = require "gglab.sweep"
local schema = require "gglab.lib.schema"
local sorted_keys = util.sorted_keys

local M = {}

-- write_csv(path, analyses, tools): symptoms.csv, one row per firing (schema.SYMPTOMS_COLUMNS),
-- runs in the order of analyses, each run's tools in the order of tools.
function M.write_csv(path, analyses, tools)
  local w, err = gg.csv.writer(path .. ".tmp")
  if not w then error(string.format("cannot write '%s': %s", path, tostring(err)), 0) end
  w:row(schema.SYMPTOMS_COLUMNS)
  for _, a in ipairs(analyses) do
    for _, tool in ipairs(tools) do
      for _, f in ipairs(a.results[tool].firings) do
        w:row { a.record.run_id, tool, f.rule, f.step == nil and gg.NULL or f.step,
          f.epoch == nil and gg.NULL or f.epoch, f.cause or gg.NULL, f.detail or "" }
      end
    end
  end
  local ok, msg = w:close()
  if not ok then error(string.format("cannot write '%s': %s", path, tostring(msg)), 0) end
  local renamed, rmsg = gg.fs.rename(path .. ".tmp", path)
  if not renamed then error(string.format("cannot write '%s': %s", path, tostring(rmsg)), 0) end
end

-- "lr=0.1 optimizer=adam": the parameters but seed, sorted (runs of one configuration).
local function config_key(params)
  local parts = {}
  for _, k in ipairs(sorted_keys(params or {})) do
    if k ~= "seed" then
      local v = params[k]
      parts[#parts + 1] = k .. "=" .. (type(v) == "number" and gg.fmt_number(v)
        or type(v) == "table" and sweep.list_text(v) or tostring(v))
    end
  end
  return #parts > 0 and table.concat(parts, " ") or "(all runs)"
end

local function group_by_config(analyses)
  local groups, by_key = {}, {}
  for _, a in ipairs(analyses) do
    local key = config_key(a.record.params)
    local g = by_key[key]
    if not g then
      g = { key = key, runs = {} }
      by_key[key], groups[#groups + 1] = g, g
    end
    g.runs[#g.runs + 1] = a
  end
  return groups
end

local function status_counts(runs)
  local counts, order = {}, {}
  for _, a in ipairs(runs) do
    local s = a.record.status or "?"
    if not counts[s] then order[#order + 1] = s end
    counts[s] = (counts[s] or 0) + 1
  end
  local parts = {}
  for i, s in ipairs(order) do parts[i] = counts[s] .. " " .. s end
  return table.concat(parts, ", ")
end

-- "exploding_nan 3/3 (step 4-7)" for each rule of tool that fired in the group's runs.
local function tool_line(runs, tool)
  local stats, order, diag, dorder = {}, {}, {}, {}
  for _, a in ipairs(runs) do
    for _, f in ipairs(a.results[tool].firings) do
      local st = stats[f.rule]
      if not st then
        st = { n = 0, lo = f.step, hi = f.step }
        stats[f.rule], order[#order + 1] = st, f.rule
      end
      st.n, st.lo, st.hi = st.n + 1, math.min(st.lo, f.step), math.max(st.hi, f.step)
    end
    local d = a.diagnosis[tool]
    if d then
      if not diag[d] then dorder[#dorder + 1] = d end
      diag[d] = (diag[d] or 0) + 1
    end
  end
  if #order == 0 then return nil end
  local parts = {}
  for i, rule in ipairs(order) do
    local st = stats[rule]
    parts[i] = string.format("%s %d/%d (step %s)", rule, st.n, #runs,
      st.lo == st.hi and tostring(st.lo) or (st.lo .. "-" .. st.hi))
  end
  local dparts = {}
  for i, d in ipairs(dorder) do dparts[i] = string.format("%s %d/%d", d, diag[d], #runs) end
  return table.concat(parts, ", ") .. "  => " .. table.concat(dparts, ", ")
end

-- Not-applicable rules over all runs: per tool, "rule [missing] (k/n runs)".
local function not_applicable_lines(analyses, tools)
  local lines = {}
  for _, tool in ipairs(tools) do
    local stats, order = {}, {}
    for _, a in ipairs(analyses) do
      for _, na in ipairs(a.results[tool].not_applicable) do
        local st = stats[na.rule]
        if not st then
          st = { n = 0, missing = {}, seen = {} }
          stats[na.rule], order[#order + 1] = st, na.rule
        end
        st.n = st.n + 1
        for _, m in ipairs(na.missing) do
          if not st.seen[m] then st.seen[m], st.missing[#st.missing + 1] = true, m end
        end
      end
    end
    if #order > 0 then
      local parts = {}
      for i, rule in ipairs(order) do
        local st = stats[rule]
        parts[i] = string.format("%s [%s]%s", rule, table.concat(st.missing, ", "),
          st.n < #analyses and string.format(" (%d/%d runs)", st.n, #analyses) or "")
      end
      lines[#lines + 1] = string.format("  %-14s %s", tool, table.concat(parts, ", "))
    end
  end
  return lines
end

--[[ format(analyses, csv_path) -> the terminal summary: per configuration (parameters but
  seed) the rules each tool fired (in k/n runs, at which steps) and what it would
  diagnose; then the rules that could not apply and what they lacked. ]]
function M.format(analyses, csv_path, tools)
  local groups = group_by_config(analyses)
  local declared, derived = 0, {}
  for _, a in ipairs(analyses) do
    if a.declared then declared = declared + 1 end
    for _, k in ipairs(a.derived) do derived[k] = true end
  end
  local lines = { string.format("Symptoms: %s over %d runs in %d configurations; every firing in %s.",
    table.concat(tools, ", "), #analyses, #groups, csv_path),
    string.format("META declared by %d/%d runs (run:meta)%s.", declared, #analyses,
      next(derived) and ("; derived from parameters and curves: " .. table.concat(sorted_keys(derived), ", "))
        or "") }
  for _, g in ipairs(groups) do
    local tl, any = {}, false
    for _, tool in ipairs(tools) do
      local line = tool_line(g.runs, tool)
      any = any or line ~= nil
      tl[#tl + 1] = string.format("  %-14s %s", tool, line or "-")
    end
    local head = string.format("%s  [%d run%s: %s]", g.key, #g.runs, #g.runs == 1 and "" or "s",
      status_counts(g.runs))
    if any then
      lines[#lines + 1] = head
      for _, l in ipairs(tl) do lines[#lines + 1] = l end
    else
      lines[#lines + 1] = head .. "  nothing fired"
    end
  end
  local na = not_applicable_lines(analyses, tools)
  if #na > 0 then
    lines[#lines + 1] = "Not applicable (metric or META missing):"
    for _, l in ipairs(na) do lines[#lines + 1] = l end
  end
  return table.concat(lines, "\n") .. "\n"
end


return M
