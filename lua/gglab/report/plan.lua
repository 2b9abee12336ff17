--[[ lua/gglab/report/plan.lua — which parameter goes where in `gglab report`: the x axis,
  colour, panels (facet), figure split and heatmap axes, from the data and the options
  (x, color, facet, heatmap, metric, score, band, max_points), and the score: its name and
  direction (max or min). ]]

local M = {}

M.BANDS = { "minmax", "ci95" }
M.MAX_POINTS = 400
local BANDS = M.BANDS

-- Words of a score's name that make higher better (val_acc, balanced_accuracy, f1_macro).
M.MAX_WORDS = { acc = true, accuracy = true, recall = true, precision = true, f1 = true, auc = true }

-- direction(name) -> "max" when a word of name (split at anything but letters and digits)
-- is one of MAX_WORDS, else "min" (losses, errors, times).
function M.direction(name)
  for w in name:lower():gmatch("%w+") do
    if M.MAX_WORDS[w] then return "max" end
  end
  return "min"
end

--[[ default_score(data) -> "final_val_loss" when the runs have one (every run that ended
  ok has a finite final_val_loss, and there is such a run), else "final_loss": a sweep
  where only some tasks validate is ranked on one score throughout. ]]
function M.default_score(data)
  local any = false
  for _, r in ipairs(data.runs) do
    if r.status == "ok" then
      local v = r.final_val_loss
      if not (v and v == v and v ~= math.huge and v ~= -math.huge) then return "final_loss" end
      any = true
    end
  end
  return any and "final_val_loss" or "final_loss"
end

-- list_text(list) -> "a, b, c", or "(none)" for an empty list.
function M.list_text(list)
  return #list == 0 and "(none)" or table.concat(list, ", ")
end
local list_text = M.list_text

local function contains(list, x)
  for _, v in ipairs(list) do
    if v == x then return true end
  end
  return false
end

--[[ plan(data, opts) -> plan | nil, msg. Chooses the axes: the swept parameters other
  than `seed` with two or more values ("varying"), most values first; colour is the first
  of them that is not on x, the panels (facet) are the others, and what --facet leaves out
  splits the figures. The heatmap takes the two varying parameters with most values.
  Every option is checked against the data; a bad one gives a message naming the option,
  its value and what is allowed. ]]
function M.plan(data, opts)
  opts = opts or {}
  local names = {}
  for _, p in ipairs(data.params) do names[#names + 1] = p.name end
  local function bad(opt, value, expected)
    return nil, string.format("bad --%s '%s': expected %s", opt, value, expected)
  end
  local function check_param(opt, v)
    if not data.param[v] then return bad(opt, v, "a parameter: " .. list_text(names)) end
    return v
  end
  local varying = {}
  for _, p in ipairs(data.params) do
    if p.name ~= "seed" and #p.values >= 2 then varying[#varying + 1] = p.name end
  end
  table.sort(varying, function(a, b)
    local na, nb = #data.param[a].values, #data.param[b].values
    if na ~= nb then return na > nb end
    return a < b
  end)

  local plan = { varying = varying, band = opts.band or "minmax",
    max_points = opts.max_points or M.MAX_POINTS }
  -- --score NAME[:max|:min]: the name is checked against the columns and metrics later
  -- (report/analysis.lua's scores), once curves.csv is read.
  local score = opts.score or M.default_score(data)
  local sname, sdir = score:match("^(.-):(%a*)$")
  sname = sname or score
  if sname == "" or sname:find(":", 1, true) or (sdir and sdir ~= "max" and sdir ~= "min") then
    return bad("score", score, "a result column or a logged metric, optionally :max or :min")
  end
  plan.score, plan.direction = sname, sdir or M.direction(sname)
  if not contains(BANDS, plan.band) then return bad("band", plan.band, "one of " .. list_text(BANDS)) end

  local x = opts.x or "step"
  if x ~= "step" and x ~= "epoch" and not data.param[x] then
    return bad("x", x, "step, epoch or a parameter: " .. list_text(names))
  end
  plan.x = x
  plan.x_param = data.param[x] and x or nil
  local used = { [x] = "--x" }

  if opts.color then
    local _, msg = check_param("color", opts.color)
    if msg then return nil, msg end
    if used[opts.color] then
      return bad("color", opts.color, "a parameter other than the " .. used[opts.color] .. " one")
    end
    plan.color = opts.color
  else
    for _, v in ipairs(varying) do
      if not used[v] then
        plan.color = v
        break
      end
    end
  end
  if plan.color then used[plan.color] = "--color" end

  plan.facet = {}
  if opts.facet and opts.facet ~= "none" then
    for _, v in ipairs(opts.facet) do
      local _, msg = check_param("facet", v)
      if msg then return nil, msg end
      if used[v] then return bad("facet", v, "a parameter other than the " .. used[v] .. " one") end
      used[v] = "--facet"
      plan.facet[#plan.facet + 1] = v
    end
  elseif not opts.facet then
    for _, v in ipairs(varying) do
      if not used[v] then
        used[v] = "--facet"
        plan.facet[#plan.facet + 1] = v
      end
    end
  end
  plan.rest = {}
  for _, v in ipairs(varying) do
    if not used[v] then plan.rest[#plan.rest + 1] = v end
  end

  if opts.heatmap then
    local hm = opts.heatmap
    if #hm < 1 or #hm > 2 or hm[1] == hm[2] then
      return bad("heatmap", table.concat(hm, ","),
        "one or two different parameters A[,B] of: " .. list_text(names))
    end
    for _, v in ipairs(hm) do
      local _, msg = check_param("heatmap", v)
      if msg then return nil, msg end
    end
    plan.heatmap = { hm[1], hm[2] }
  elseif #varying >= 1 then
    plan.heatmap = { varying[1], varying[2] }
  end
  if plan.heatmap then
    plan.heat_others = {}
    for _, v in ipairs(varying) do
      if v ~= plan.heatmap[1] and v ~= plan.heatmap[2] then plan.heat_others[#plan.heat_others + 1] = v end
    end
  end
  plan.metric = opts.metric  -- checked once the curves are read
  return plan
end

return M
