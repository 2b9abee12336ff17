--[[ tests/doctor/external5/_courses.lua — helpers shared by the course-assignment cases of the fifth
  external set (dlai_*: deeplearning.ai's Deep Learning Specialization programming assignments, as
  published in GitHub copies). Not a case (its name starts with "_"). A case loads it with
  dofile(HERE .. "/_courses.lua").

  flower(rng)             C1 W3 planar_utils.load_planar_dataset: m = 400 points, 200 per class; class
                          j has t = linspace(3.12 j, 3.12 (j + 1), 200) + 0.2 randn, r = 4 sin(4t) +
                          0.2 randn, the point (r sin t, r cos t), label j.
  circles(rng, n, noise)  sklearn.datasets.make_circles(n_samples = n, noise = noise, factor = 0.8):
                          n // 2 points on the unit circle (label 0), the rest on the circle of radius
                          0.8 (label 1), angles linspace(0, 2 pi) without the end point, then
                          N(0, noise^2) added to each coordinate (C2 W1 init_utils.load_dataset).
  moons(rng, n, noise)    sklearn.datasets.make_moons(n_samples = n, noise = noise): n // 2 points
                          (cos a, sin a), a = linspace(0, pi) (label 0), the rest (1 - cos a,
                          0.5 - sin a) (label 1), plus N(0, noise^2) (C2 W2 opt_utils.load_dataset).
  acc(model, ds)          the fraction of rows whose one sigmoid output, thresholded at 0.5 (the
                          assignments' predict), equals the 0/1 target.

  Every data set is returned as a gglab dataset with one float target column (0 or 1), for "bce". ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

local function binary(xs, ys)
  local t = {}
  for i, y in ipairs(ys) do t[i] = { y } end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(t))
end

-- numpy's linspace(a, b, n) (endpoint = true) or linspace(a, b, n, endpoint = False): element i (1-based)
local function linspace(a, b, n, i, open)
  return a + (b - a) * (i - 1) / (open and n or (n - 1))
end

function M.flower(rng)
  local N, a, xs, ys = 200, 4, {}, {}
  for j = 0, 1 do
    for i = 1, N do
      local t = linspace(j * 3.12, (j + 1) * 3.12, N, i) + rng:normal() * 0.2
      local r = a * math.sin(4 * t) + rng:normal() * 0.2
      xs[#xs + 1] = { r * math.sin(t), r * math.cos(t) }
      ys[#ys + 1] = j
    end
  end
  return binary(xs, ys)
end

local function shuffled(rng, xs, ys)
  for i = #xs, 2, -1 do
    local j = rng:integer(i)
    xs[i], xs[j] = xs[j], xs[i]
    ys[i], ys[j] = ys[j], ys[i]
  end
end

function M.circles(rng, n, noise)
  local nout = n // 2
  local nin = n - nout
  local xs, ys = {}, {}
  for i = 1, nout do
    local a = linspace(0, 2 * math.pi, nout, i, true)
    xs[#xs + 1], ys[#ys + 1] = { math.cos(a), math.sin(a) }, 0
  end
  for i = 1, nin do
    local a = linspace(0, 2 * math.pi, nin, i, true)
    xs[#xs + 1], ys[#ys + 1] = { 0.8 * math.cos(a), 0.8 * math.sin(a) }, 1
  end
  shuffled(rng, xs, ys)
  for _, x in ipairs(xs) do
    x[1], x[2] = x[1] + noise * rng:normal(), x[2] + noise * rng:normal()
  end
  return binary(xs, ys)
end

function M.moons(rng, n, noise)
  local nout = n // 2
  local nin = n - nout
  local xs, ys = {}, {}
  for i = 1, nout do
    local a = linspace(0, math.pi, nout, i)
    xs[#xs + 1], ys[#ys + 1] = { math.cos(a), math.sin(a) }, 0
  end
  for i = 1, nin do
    local a = linspace(0, math.pi, nin, i)
    xs[#xs + 1], ys[#ys + 1] = { 1 - math.cos(a), 0.5 - math.sin(a) }, 1
  end
  shuffled(rng, xs, ys)
  for _, x in ipairs(xs) do
    x[1], x[2] = x[1] + noise * rng:normal(), x[2] + noise * rng:normal()
  end
  return binary(xs, ys)
end

function M.acc(model, ds)
  model:eval()
  local out = model:forward(ds:x()):totable()
  model:train()
  local ys, right = ds:y():totable(), 0
  for i, row in ipairs(out) do
    if (row[1] > 0.5 and 1 or 0) == ys[i][1] then right = right + 1 end
  end
  return right / #out
end

return M
