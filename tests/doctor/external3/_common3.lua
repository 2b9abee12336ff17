--[[ tests/doctor/external3/_common3.lua — helpers shared by the benchmark cases of the third
  external set (the part built from published benchmarks of faulty training programs). Not a
  case (its name starts with "_"). A case loads it with dofile(HERE .. "/_common3.lua").

  DeepMufl's bug dataset (Ghanbari et al., ASE 2023; github.com/ali-ghanbari/deepmufl-ase-2023,
  Dataset/all-bugs/<post>/bug.py) replaces the Stack Overflow posts' unavailable data with
  scikit-learn's generators, and AUTOTRAINER's demos (github.com/shiningrain/AUTOTRAINER,
  AutoTrainer/data/simplednn.py) train on scikit-learn's circles and blobs. This file writes
  those generators in gglab terms, following scikit-learn 1.x's algorithms
  (sklearn/datasets/_samples_generator.py), drawn from a gglab generator instead of numpy's (the
  same distributions, not the same numbers):

    make_classification(n_samples, n_features, n_informative = 2, n_redundant = 2,
      n_classes = 2, n_clusters_per_class = 2, flip_y = 0.01, class_sep = 1, hypercube = True,
      shuffle = True): one Gaussian cluster of rows per (class, cluster) centred on a distinct
      random vertex of the hypercube [-class_sep, class_sep]^n_informative, its N(0, I) rows
      multiplied by a random matrix U(-1, 1)^(inf x inf); redundant features = informative @
      U(-1, 1)^(inf x red); the rest N(0, 1) noise; 1 % of the labels redrawn at random; rows
      and columns shuffled.
    make_circles, make_blobs: below.

  Also: Keras's binary_crossentropy for outputs outside [0, 1] (keras_bce), AUTOTRAINER's
  700 / 300 split, Keras Dense layers with its initialisers, and AUTOTRAINER's SELU repair. ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
M.K = dofile(M.HERE .. "/../external/_common.lua")

local function randint(rng, n)                    -- 0 .. n-1
  local k = math.floor(rng:uniform() * n)
  if k >= n then k = n - 1 end
  return k
end

local function shuffle(rng, t)
  for i = #t, 2, -1 do
    local j = randint(rng, i) + 1
    t[i], t[j] = t[j], t[i]
  end
  return t
end

local function iota(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

--[[ make_classification(opts) -> xs, ys: rows (Lua tables of n_features numbers) and class
  labels 0..n_classes-1. opts: n_samples, n_features, n_informative, n_redundant, n_classes,
  n_clusters_per_class, flip_y, class_sep, rng (a gg.rng). ]]
function M.make_classification(o)
  local rng = assert(o.rng, "make_classification: rng")
  local n, f = o.n_samples or 100, o.n_features or 20
  local inf, red = o.n_informative or 2, o.n_redundant or 2
  local classes, cpc = o.n_classes or 2, o.n_clusters_per_class or 2
  local flip, sep = o.flip_y or 0.01, o.class_sep or 1.0
  assert(inf + red <= f, "make_classification: n_informative + n_redundant > n_features")
  local clusters = classes * cpc
  assert(clusters <= 2 ^ inf, "make_classification: n_classes * n_clusters_per_class > 2^n_informative")
  -- distinct random hypercube vertices, scaled to +-class_sep
  local seen, centroids = {}, {}
  while #centroids < clusters do
    local bits, key = {}, {}
    for j = 1, inf do bits[j] = randint(rng, 2); key[j] = bits[j] end
    local k = table.concat(key)
    if not seen[k] then
      seen[k] = true
      for j = 1, inf do bits[j] = bits[j] * 2 * sep - sep end
      centroids[#centroids + 1] = bits
    end
  end
  local per, extra = n // clusters, n % clusters
  local xs, ys = {}, {}
  for i = 1, n do
    local r = {}
    for j = 1, inf do r[j] = rng:normal() end
    xs[i] = r
  end
  local start = 1
  for k = 1, clusters do
    local size = per + (k <= extra and 1 or 0)
    local A = {}
    for a = 1, inf do
      A[a] = {}
      for b = 1, inf do A[a][b] = 2 * rng:uniform() - 1 end
    end
    for i = start, start + size - 1 do
      local r, out = xs[i], {}
      for b = 1, inf do
        local s = 0
        for a = 1, inf do s = s + r[a] * A[a][b] end
        out[b] = s + centroids[k][b]
      end
      xs[i], ys[i] = out, (k - 1) % classes
    end
    start = start + size
  end
  if red > 0 then
    local B = {}
    for a = 1, inf do
      B[a] = {}
      for b = 1, red do B[a][b] = 2 * rng:uniform() - 1 end
    end
    for i = 1, n do
      local r = xs[i]
      for b = 1, red do
        local s = 0
        for a = 1, inf do s = s + r[a] * B[a][b] end
        r[inf + b] = s
      end
    end
  end
  for i = 1, n do
    for j = inf + red + 1, f do xs[i][j] = rng:normal() end
  end
  for i = 1, n do
    if rng:uniform() < flip then ys[i] = randint(rng, classes) end
  end
  local rows, cols = shuffle(rng, iota(n)), shuffle(rng, iota(f))
  local X, Y = {}, {}
  for i, src in ipairs(rows) do
    local r = {}
    for j, c in ipairs(cols) do r[j] = xs[src][c] end
    X[i], Y[i] = r, ys[src]
  end
  return X, Y
end

--[[ keras_bce(pred, target): Keras 2's binary_crossentropy on probabilities, for outputs that may
  leave [0, 1] (gg.loss.bce refuses them): p = clip(pred, 1e-7, 1 - 1e-7) (no gradient where
  clipped, as tf.clip_by_value), loss mean(-(y log(p + 1e-7) + (1 - y) log(1 - p + 1e-7))). ]]
function M.keras_bce(pred, target)
  local q = pred:clamp(1e-7, 1 - 1e-7)
  return -(target * (q + 1e-7):log() + (1 - target) * (1 - q + 1e-7):log()):mean()
end

--[[ make_circles(opts) -> xs, ys: scikit-learn's make_circles(n_samples, noise, factor = 0.8,
  shuffle = True): n // 2 points evenly spaced on the unit circle (label 0) and the rest on the
  circle of radius factor (label 1), the rows shuffled, then N(0, noise^2) added to each
  coordinate. opts: n_samples, noise, factor, rng. ]]
function M.make_circles(o)
  local rng = assert(o.rng, "make_circles: rng")
  local n, factor = o.n_samples or 100, o.factor or 0.8
  local nout = n // 2
  local nin = n - nout
  local xs, ys = {}, {}
  for i = 0, nout - 1 do
    local a = 2 * math.pi * i / nout
    xs[#xs + 1], ys[#ys + 1] = { math.cos(a), math.sin(a) }, 0
  end
  for i = 0, nin - 1 do
    local a = 2 * math.pi * i / nin
    xs[#xs + 1], ys[#ys + 1] = { factor * math.cos(a), factor * math.sin(a) }, 1
  end
  local perm = shuffle(rng, iota(n))
  local X, Y = {}, {}
  for i, src in ipairs(perm) do X[i], Y[i] = xs[src], ys[src] end
  for i = 1, n do
    X[i] = { X[i][1] + (o.noise or 0) * rng:normal(), X[i][2] + (o.noise or 0) * rng:normal() }
  end
  return X, Y
end

--[[ make_blobs(opts) -> xs, ys: scikit-learn's make_blobs(n_samples, centers = k, n_features,
  cluster_std, center_box = (-10, 10), shuffle = True): k centres drawn U(-10, 10) per
  coordinate, n // k rows per centre (the first n % k centres one more), each its centre plus
  N(0, cluster_std^2) noise, the rows shuffled. opts: n_samples, centers, n_features,
  cluster_std, rng. ]]
function M.make_blobs(o)
  local rng = assert(o.rng, "make_blobs: rng")
  local n, k, f, sd = o.n_samples or 100, o.centers or 3, o.n_features or 2, o.cluster_std or 1
  local centres = {}
  for c = 1, k do
    centres[c] = {}
    for j = 1, f do centres[c][j] = -10 + 20 * rng:uniform() end
  end
  local xs, ys = {}, {}
  for c = 1, k do
    local size = n // k + (c <= n % k and 1 or 0)
    for _ = 1, size do
      local r = {}
      for j = 1, f do r[j] = centres[c][j] + sd * rng:normal() end
      xs[#xs + 1], ys[#ys + 1] = r, c - 1
    end
  end
  local perm = shuffle(rng, iota(n))
  local X, Y = {}, {}
  for i, src in ipairs(perm) do X[i], Y[i] = xs[src], ys[src] end
  return X, Y
end

--[[ at_split(xs, ys, classes) -> train, val: AUTOTRAINER's simplednn loader: the first 700 rows
  train, the other 300 validate (X * 100 then its preprocess x / 100: unchanged). ]]
function M.at_split(xs, ys, classes)
  local a, b, c, d = {}, {}, {}, {}
  for i = 1, #xs do
    if i <= 700 then a[#a + 1], c[#c + 1] = xs[i], ys[i] else b[#b + 1], d[#d + 1] = xs[i], ys[i] end
  end
  return M.K.dataset(a, c, classes), M.K.dataset(b, d, classes)
end

--[[ dense(fan_in, units, activation, init) -> a Keras Dense layer in gglab terms (a list of one or
  two layers): init "he_uniform" (VarianceScaling(2, fan_in, uniform) = kaiming_uniform with the
  ReLU gain) or "glorot_uniform"; zero biases; activation nil / "relu" / "sigmoid" / "softmax". ]]
function M.dense(fan_in, units, activation, init)
  local o = { bias_init = "zeros" }
  if init == "he_uniform" then o.init, o.nonlinearity = "kaiming_uniform", "relu"
  else o.init = "glorot_uniform" end
  local layers = { gg.nn.linear(fan_in, units, o) }
  if activation == "relu" then layers[2] = gg.nn.relu()
  elseif activation == "sigmoid" then layers[2] = gg.nn.sigmoid()
  elseif activation == "softmax" then layers[2] = gg.nn.softmax(1) end
  return layers
end

--[[ selu_dense(fan_in, units) -> AUTOTRAINER's op_selu repair of one hidden Dense layer: SELU
  (lambda * elu(x, alpha), Keras's constants, as a custom layer: gglab has no SELU layer) and
  lecun_uniform kernel AND bias (U(+-sqrt(3 / fan_in)); kaiming_uniform with gain 1). ]]
function M.selu_dense(fan_in, units)
  local b = math.sqrt(3 / fan_in)
  return { gg.nn.linear(fan_in, units, { init = "kaiming_uniform", nonlinearity = "linear",
      bias_init = "uniform", bias_a = -b, bias_b = b }),
    gg.nn.custom(function(x) return x:elu(1.6732632423543772) * 1.0507009873554805 end, { name = "selu" }) }
end

--[[ stack(list of layer lists) -> gg.nn.sequential of them all. ]]
function M.stack(parts)
  local layers = {}
  for _, p in ipairs(parts) do for _, l in ipairs(p) do layers[#layers + 1] = l end end
  return gg.nn.sequential(layers)
end

return M
