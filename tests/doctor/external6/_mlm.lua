--[[ tests/doctor/external6/_mlm.lua — helpers shared by the Machine Learning Mastery cases of the
  sixth external set (mlm_*: Jason Brownlee's tutorials, whose Keras code is cited from GitHub
  copies). Not a case (its name starts with "_"). A case loads it with dofile(HERE .. "/_mlm.lua").

  The tutorials draw their data from scikit-learn's generators with a fixed random_state, so every
  seed of a case trains on the same rows (as in the tutorial), only the initialisation and the
  shuffling change with the seed. The generators are written in gglab terms, drawn from a gglab
  generator instead of numpy's (the same distributions, not the same numbers):

    make_circles, make_blobs       external3/_common3.lua (reused)
    make_regression(o)             sklearn.datasets.make_regression(n_samples, n_features,
                                   n_informative = 10, noise, bias = 0, shuffle = True): X ~ N(0, 1);
                                   the coefficients of n_informative features 100 * U(0, 1), the
                                   others 0; y = X w + bias + N(0, noise^2); rows and columns
                                   shuffled (a column shuffle of i.i.d. N(0, 1) features is a
                                   relabelling: the informative columns are drawn at random instead).
    blobs_rs2()                    make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2,
                                   random_state=2) split 500 / 500: the three centres are numpy's
                                   RandomState(2).uniform(-10, 10, (3, 2)) exactly (MT19937 seeded 2,
                                   computed once outside gglab and checked against numpy's known
                                   first draws); the rows N(centre, 2^2) from a gglab generator
                                   seeded 2 (not numpy's rows), shuffled, classes 0..2.
    minmax_pm1(xs)                 MinMaxScaler(feature_range=(-1, 1)).fit_transform(X) on all rows.
    dense(fan_in, units, act, init) Keras Dense: init "he_uniform" (VarianceScaling(2, fan_in,
                                   uniform)), "glorot_uniform" (the default) or {lo, hi}
                                   (RandomUniform(minval=lo, maxval=hi)); zero biases.
    stack(parts)                   gg.nn.sequential of the layers of several dense() results.
    bin_acc(model, ds), cls_acc    accuracy of a one-unit sigmoid output thresholded at 0.5 /
                                   of the arg max (Keras's 'accuracy' metric). ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
M.C = dofile(M.HERE .. "/../external3/_common3.lua")
M.K = M.C.K

function M.make_regression(o)
  local rng = assert(o.rng, "make_regression: rng")
  local n, f = o.n_samples or 100, o.n_features or 100
  local inf, noise, bias = math.min(o.n_informative or 10, f), o.noise or 0, o.bias or 0
  local cols = {}
  for j = 1, f do cols[j] = j end
  for j = f, 2, -1 do
    local k = math.floor(rng:uniform() * j) + 1
    if k > j then k = j end
    cols[j], cols[k] = cols[k], cols[j]
  end
  local w = {}
  for j = 1, f do w[j] = 0 end
  for j = 1, inf do w[cols[j]] = 100 * rng:uniform() end
  local xs, ys = {}, {}
  for i = 1, n do
    local r, s = {}, bias
    for j = 1, f do r[j] = rng:normal(); s = s + r[j] * w[j] end
    xs[i], ys[i] = r, s + noise * rng:normal()
  end
  return xs, ys
end

function M.minmax_pm1(xs)
  local f = #xs[1]
  for j = 1, f do
    local lo, hi = math.huge, -math.huge
    for i = 1, #xs do lo, hi = math.min(lo, xs[i][j]), math.max(hi, xs[i][j]) end
    for i = 1, #xs do xs[i][j] = 2 * (xs[i][j] - lo) / (hi - lo) - 1 end
  end
  return xs
end

M.RS2_CENTRES = { { -1.2801019571599248, -9.481475363442174 }, { 0.9932495575741829, -1.293552147634463 },
  { -1.5926439582502194, -3.3933035799225175 } }

function M.blobs_rs2()
  local rng, xs, ys = gg.rng(2), {}, {}
  for c = 1, 3 do
    local size = 1000 // 3 + (c <= 1000 % 3 and 1 or 0)
    for _ = 1, size do
      xs[#xs + 1] = { M.RS2_CENTRES[c][1] + 2 * rng:normal(), M.RS2_CENTRES[c][2] + 2 * rng:normal() }
      ys[#ys + 1] = c - 1
    end
  end
  for i = #xs, 2, -1 do
    local j = math.floor(rng:uniform() * i) + 1
    if j > i then j = i end
    xs[i], xs[j] = xs[j], xs[i]
    ys[i], ys[j] = ys[j], ys[i]
  end
  return M.split(xs, ys, 500, 3)
end

--[[ split(xs, ys, n_train [, classes]) -> train, test: the first n_train rows and the rest. ]]
function M.split(xs, ys, n_train, classes)
  local a, b, c, d = {}, {}, {}, {}
  for i = 1, #xs do
    if i <= n_train then a[#a + 1], c[#c + 1] = xs[i], ys[i] else b[#b + 1], d[#d + 1] = xs[i], ys[i] end
  end
  return M.K.dataset(a, c, classes), M.K.dataset(b, d, classes)
end

local ACT = { relu = gg.nn.relu, tanh = gg.nn.tanh, sigmoid = gg.nn.sigmoid,
  softmax = function() return gg.nn.softmax(1) end }

function M.dense(fan_in, units, activation, init)
  local o = { bias_init = "zeros" }
  if init == "he_uniform" then o.init, o.nonlinearity = "kaiming_uniform", "relu"
  elseif type(init) == "table" then o.init, o.a, o.b = "uniform", init[1], init[2]
  else o.init = "glorot_uniform" end
  local layers = { gg.nn.linear(fan_in, units, o) }
  if activation and activation ~= "linear" then layers[2] = assert(ACT[activation], activation)() end
  return layers
end

M.stack = M.C.stack

function M.bin_acc(model, ds)
  model:eval()
  local out = model:forward(ds:x()):totable()
  model:train()
  local ys, right = ds:y():totable(), 0
  for i, row in ipairs(out) do
    local y = type(ys[i]) == "table" and ys[i][1] or ys[i]
    if (row[1] > 0.5 and 1 or 0) == y then right = right + 1 end
  end
  return right / #out
end

function M.cls_acc(model, ds) return gg.accuracy(model, ds) end

--[[ log_acc(run, model, train, test, acc, step): the tutorial's final "Train: %.3f, Test: %.3f"
  as two curve rows (train_acc, test_acc) at the last step. ]]
function M.log_acc(run, model, train, test, acc, step)
  run:log("train_acc", acc(model, train), step)
  run:log("test_acc", acc(model, test), step)
end

return M
