--[[ lua/gglab/report/load.lua — what `gglab report` knows about a results folder: runs.csv
  (through the store's reader) with every parameter described (kind, sorted values,
  labels), the manifest, and the small accessors the page and the text summary share.
  curves.csv is not read here: report/aggregate.lua streams it. ]]
local gg = require "gglab"
local json = require "gglab.lib.json"
local plot = require "gglab.report.plot"
local store = require "gglab.engine.store"
local schema = require "gglab.lib.schema"

local M = {}

local number, finite = store.number, plot.finite

-- Rank of a type in the order of list elements: numbers, booleans, strings, lists.
local TYPE_RANK = { number = 1, boolean = 2, string = 3, table = 4 }

-- Orders two values read back from list cells: numbers by value, false before true,
-- strings by text, lists element by element with a prefix first ([4] < [4,4] < [8] < [16]).
local function before(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return TYPE_RANK[ta] < TYPE_RANK[tb] end
  if ta == "boolean" then return a == false and b == true end
  if ta ~= "table" then return a < b end
  for i = 1, math.min(#a, #b) do
    if before(a[i], b[i]) then return true end
    if before(b[i], a[i]) then return false end
  end
  return #a < #b
end

--[[ Orders the distinct raw values of a parameter column; decides its kind: "number",
  "boolean", "list" (every value is a list-valued parameter's cell, [64,64]: a categorical
  axis ordered element by element and labelled by its text) or "string". ]]
local function describe_param(name, raw_values)
  local seen, values = {}, {}
  for _, v in ipairs(raw_values) do
    if not seen[v] then
      seen[v] = true
      values[#values + 1] = v
    end
  end
  local numeric, boolean, list, lists = true, true, true, {}
  for _, v in ipairs(values) do
    if v ~= "" then
      local x = number(v)
      if not (x and finite(x)) then numeric = false end
      if v ~= "true" and v ~= "false" then boolean = false end
      lists[v] = store.param_value(v)
      if lists[v] == nil then list = false end
    end
  end
  local kind = numeric and "number" or boolean and "boolean" or list and "list" or "string"
  table.sort(values, function(a, b)
    if a == "" or b == "" then return b == "" and a ~= "" end  -- a missing value sorts last
    if kind == "number" then
      local x, y = number(a), number(b)
      if x ~= y then return x < y end
    elseif kind == "boolean" then
      if a ~= b then return a == "false" end
    elseif kind == "list" then
      if before(lists[a], lists[b]) then return true end
      if before(lists[b], lists[a]) then return false end
    end
    return a < b
  end)
  -- Labels: the fewest significant digits (>= 3) that keep every value distinct; when 16
  -- are not enough, the shortest text that reads back as the value (gg.fmt_number, as the
  -- CSVs print it), never 17 digits (0.3 would print 0.29999999999999999).
  local labels = {}
  if kind == "number" then
    for sig = 3, 17 do
      local used, clash = {}, false
      for i, v in ipairs(values) do
        local x = number(v)
        labels[i] = v == "" and "(none)" or sig == 17 and gg.fmt_number(x) or plot.fmt(x, sig)
        if used[labels[i]] then clash = true end
        used[labels[i]] = true
      end
      if not clash then break end
    end
  else
    for i, v in ipairs(values) do labels[i] = v == "" and "(none)" or v end
  end
  local index, label = {}, {}
  for i, v in ipairs(values) do
    index[v] = i
    label[v] = labels[i]
  end
  return { name = name, kind = kind, values = values, index = index, label = label }
end

--[[ load(dir) -> data | nil, msg.
  data = { dir, manifest (table or nil), header (runs.csv columns), params (list of
  {name, kind, values, index, label}), param (name -> that), runs (list of {id, p = name

--[[ load(dir) -> data | nil, msg.
  data = { dir, results (the store reader), manifest (table or nil), header (runs.csv
  columns), params (list of {name, kind, values, index, label}), param (name -> that), runs
  (list of {id, p = name -> raw value, status, final_loss, min_loss, final_val_loss, steps,
  diverged_step (numbers or nil), error, fields = the raw row}), by_id, counts }. ]]
function M.load(dir)
  local results, msg = store.read(dir)
  if not results then return nil, msg end
  local runs
  runs, msg = results:runs()
  if not runs then return nil, msg end
  local names = runs.params
  local data = { dir = dir, results = results, header = runs.header, runs = {}, by_id = {}, params = {},
    param = {}, counts = { ok = 0, diverged = 0, failed = 0 } }
  local columns = {}
  for _, name in ipairs(names) do columns[name] = {} end
  for _, rec in ipairs(runs.records) do
    local r = { id = rec.id, status = rec.status, p = rec.params, fields = rec.fields, error = rec.error }
    for _, k in ipairs(schema.RESULT_NUMBERS) do r[k] = rec[k] end
    for _, name in ipairs(names) do table.insert(columns[name], rec.params[name]) end
    data.runs[#data.runs + 1] = r
    data.by_id[r.id] = r
    data.counts[r.status] = (data.counts[r.status] or 0) + 1
  end
  for _, name in ipairs(names) do
    local p = describe_param(name, columns[name])
    data.params[#data.params + 1] = p
    data.param[name] = p
  end
  data.manifest = (results:manifest())
  return data
end

-- manifest_value(m, k) -> m[k], or nil when m is nil or the value is missing or JSON null.
function M.manifest_value(m, k)
  local v = m and m[k]
  if v == nil or v == json.null then return nil end
  return v
end

-- The statuses every report counts, even at 0.
local STATUSES = { ok = true, diverged = true, failed = true }

-- counts_text(data) -> "12 runs: 10 ok, 1 diverged, 1 failed" (other statuses appended).
function M.counts_text(data)
  local c = data.counts
  local extra = {}
  for k, v in pairs(c) do
    if not STATUSES[k] then extra[#extra + 1] = string.format("%d %s", v, k) end
  end
  table.sort(extra)
  return string.format("%d run%s: %d ok, %d diverged, %d failed%s", #data.runs, #data.runs == 1 and "" or "s",
    c.ok, c.diverged, c.failed, #extra > 0 and (", " .. table.concat(extra, ", ")) or "")
end


return M
