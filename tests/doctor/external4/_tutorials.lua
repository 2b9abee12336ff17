--[[ tests/doctor/external4/_tutorials.lua — helpers shared by the tutorial cases of the fourth
  external set (ids tf_*, cs231n_*, ...). Not a case (its name starts with "_"). A case loads it
  with dofile(HERE .. "/_tutorials.lua").

  spiral(rng)        CS231n's toy spiral data (neural-networks-case-study.md): N = 100 points per
                     class, K = 3 classes, D = 2; class j has radius r = linspace(0, 1, N) and angle
                     t = linspace(4j, 4(j+1), N) + 0.2·randn, the point (r sin t, r cos t).
  train_acc(m, ds)   the fraction of rows of ds whose largest output is the row's class. ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

local function linspace(a, b, n, i) return a + (b - a) * (i - 1) / (n - 1) end

function M.spiral(rng)
  local N, K = 100, 3
  local xs, ys = {}, {}
  for j = 0, K - 1 do
    for i = 1, N do
      local r = linspace(0, 1, N, i)
      local t = linspace(j * 4, (j + 1) * 4, N, i) + rng:normal() * 0.2
      xs[#xs + 1] = { r * math.sin(t), r * math.cos(t) }
      ys[#ys + 1] = j
    end
  end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys), { classes = K })
end

function M.train_acc(model, ds)
  model:eval()
  local out = model:forward(ds:x()):totable()
  model:train()
  local ys, right = ds:y():totable(), 0
  for i, row in ipairs(out) do
    local best = 1
    for k = 2, #row do if row[k] > row[best] then best = k end end
    local y = type(ys[i]) == "table" and ys[i][1] or ys[i]
    if best - 1 == y then right = right + 1 end
  end
  return right / #out
end

return M
