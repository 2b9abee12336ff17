--[[ tests/doctor/external2/_common2.lua — helpers shared by the benchmark cases of the second
  external set (the cases named dc_*: TheDeepChecker's programs; so56103207*: defect4ML's bug 091).
  Not a case (its name starts with "_"). A case loads it with dofile(HERE .. "/_common2.lua").

  TheDeepChecker (Ben Braiek & Khomh; github.com/thedeepchecker/thedeepchecker @ d0a2b3a5339b)
  trains its programs through its own data loader (deep_checker/data.py, DataLoaderFromArrays):
    normalization=True       every feature column min-max scaled to [0, 1] with the statistics of
                             the loader's own rows (the training and the test loader each their own)
    target_scaling=True      (regression) the target min-max scaled into target_range ([0, 1])
    one_hot=True             (classification) one-hot targets for softmax_cross_entropy
    next_batch               consecutive batches, reshuffled after each pass
  and its post-fitness training runs 301 epochs of batch 64 (checkers.py run_full_checks
  defaults). The TF initialisers map to gglab's: he_normal -> kaiming_normal (TF truncates at 2
  std, gglab does not), tf.layers.dense's default kernel glorot_uniform, biases zeros. TF's
  l1_l2 kernel regulariser l2·Σw² -> gg.train's l2 (which also covers the biases). ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

local function read_csv(path)
  local f = assert(io.open(path, "r"))
  local header = f:read("l")
  local names = {}
  for name in header:gmatch("[^,]+") do names[#names + 1] = name end
  local rows = {}
  for line in f:lines() do
    if line ~= "" then
      local r = {}
      for v in line:gmatch("[^,]+") do r[#r + 1] = tonumber(v) end
      rows[#rows + 1] = r
    end
  end
  f:close()
  return names, rows
end

-- min-max scale columns of rows in place with the rows' own statistics; twice = divide by the
-- range a second time (TheDeepChecker's double_normalization fault)
local function minmax(rows, twice)
  local d = #rows[1]
  for j = 1, d do
    local lo, hi = math.huge, -math.huge
    for i = 1, #rows do lo, hi = math.min(lo, rows[i][j]), math.max(hi, rows[i][j]) end
    local div = hi - lo
    if div == 0 then div = 1e-16 end
    for i = 1, #rows do
      local v = (rows[i][j] - lo) / div
      if twice then v = v / div end
      rows[i][j] = v
    end
  end
end

--[[ mpg(opts) -> train, test: TheDeepChecker's regrNN data, the UCI Auto MPG table (392 rows,
  tests/doctor/external2/data/auto_mpg.csv, copied from the benchmark's data/auto-mpg.csv): 9
  features (cylinders, displacement, horsepower, weight, acceleration, model year, 3 origin
  flags), target MPG. dataset.sample(frac=0.8, random_state=0) -> a fixed 80 % / 20 % split
  (gglab's generator, seed 0: not pandas' rows). opts: normalization (true), double_norm
  (false), target_scaling (true), target_range ({0, 1}), target_factor (1: the raw MPG is
  multiplied by it before scaling). ]]
function M.mpg(opts)
  opts = opts or {}
  local _, rows = read_csv(M.HERE .. "/data/auto_mpg.csv")
  local perm, rng = {}, gg.rng(0)
  for i = 1, #rows do perm[i] = i end
  for i = #perm, 2, -1 do
    local j = math.floor(rng:uniform() * i) + 1
    if j > i then j = i end
    perm[i], perm[j] = perm[j], perm[i]
  end
  local ntrain = math.floor(#rows * 0.8 + 0.5)
  local function part(a, b)
    local xs, ys = {}, {}
    for k = a, b do
      local r = rows[perm[k]]
      local x = {}
      for j = 2, #r do x[#x + 1] = r[j] end
      xs[#xs + 1], ys[#ys + 1] = x, { r[1] * (opts.target_factor or 1) }
    end
    if opts.normalization ~= false then minmax(xs, opts.double_norm) end
    if opts.target_scaling ~= false then
      local range = opts.target_range or { 0, 1 }
      minmax(ys)
      for i = 1, #ys do ys[i][1] = range[1] + ys[i][1] * (range[2] - range[1]) end
    end
    return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
  end
  return part(1, ntrain), part(ntrain + 1, #rows)
end

--[[ regrnn(opts) -> TheDeepChecker's regrNN: Dense(64, relu) -> Dense(64, relu) -> Dense(1),
  hidden kernels he_normal, output kernel glorot_uniform, biases zeros. opts.hidden_init
  replaces the hidden kernels' init (a gglab init table); opts.out_act: nil, "sigmoid" or
  "softmax" on the output unit. ]]
function M.regrnn(opts)
  opts = opts or {}
  local hidden = opts.hidden_init or { init = "kaiming_normal", nonlinearity = "relu" }
  local function h(i, o)
    local t = { bias_init = "zeros" }
    for k, v in pairs(hidden) do t[k] = v end
    return gg.nn.linear(i, o, t)
  end
  local layers = { h(9, 64), gg.nn.relu(), h(64, 64), gg.nn.relu(),
    gg.nn.linear(64, 1, { init = "glorot_uniform" }) }
  if opts.out_act == "sigmoid" then layers[#layers + 1] = gg.nn.sigmoid()
  elseif opts.out_act == "softmax" then layers[#layers + 1] = gg.nn.softmax(1) end
  return gg.nn.sequential(layers)
end

--[[ fit(run, model, opt, train, val, loss, l2 [, epochs, extra]) -> history: the post-fitness
  training of TheDeepChecker (batch 64, reshuffled every pass, 301 epochs unless given), logging
  to run; l2 is the kernel regulariser's lambda. ]]
function M.fit(run, model, opt, train, val, loss, l2, epochs, extra)
  local o = { model = model, optimizer = opt, data = train, val = val, loss = loss, batch_size = 64,
    epochs = epochs or 301, l2 = l2, log = run }
  for k, v in pairs(extra or {}) do o[k] = v end
  return gg.train(o)
end

--[[ digits5(opts) -> the 8x8 digits of classes 0..4 (about 900 rows, pixels / 16) as (1, 8, 8)
  images with 5 classes, in the order opts.order gives: "sorted" (all of class 0, then 1, ...,
  each class in file order: defect4ML 091's x.npy/y.npy are stored so) or "shuffled" (one
  permutation, gglab generator seed opts.seed). ]]
function M.digits5(opts)
  local path = M.HERE .. "/../../../experiments/data/digits.csv"
  local data = assert(gg.data.digits { scale = 1 / 16, path = path })
  local xs, ys = data:x():totable(), data:y():totable()
  local rows = {}
  for i = 1, #xs do
    local c = type(ys[i]) == "table" and ys[i][1] or ys[i]
    if c <= 4 then rows[#rows + 1] = { x = xs[i], c = c, i = i } end
  end
  if opts.order == "sorted" then
    table.sort(rows, function(a, b) if a.c ~= b.c then return a.c < b.c end return a.i < b.i end)
  else
    local rng = gg.rng(opts.seed or 0)
    for i = #rows, 2, -1 do
      local j = math.min(i, math.floor(rng:uniform() * i) + 1)
      rows[i], rows[j] = rows[j], rows[i]
    end
  end
  local X, Y = {}, {}
  for i, r in ipairs(rows) do X[i], Y[i] = r.x, r.c end
  return gg.data.from_tensors(gg.tensor(X), gg.tensor(Y), { classes = 5 }):reshape { 1, 8, 8 }
end

--[[ cnn5(seed) -> defect4ML 091's CNN on 8x8 inputs: Conv2D(32, 5, relu) -> MaxPool(2) ->
  Conv2D(16, 3, relu) -> MaxPool(2) -> Flatten -> Dense(128, relu) -> Dense(64, relu) -> Dense(5);
  the softmax is in gglab's cross_entropy. Convolutions padded "same" (on 28x28 the source's
  "valid" convolutions leave 4x4x16; on 8x8 they would leave nothing). ]]
function M.cnn5()
  return gg.nn.sequential({
    gg.nn.conv2d(1, 32, 5, { padding = 2 }), gg.nn.relu(), gg.nn.maxpool2d(2),
    gg.nn.conv2d(32, 16, 3, { padding = 1 }), gg.nn.relu(), gg.nn.maxpool2d(2),
    gg.nn.flatten(), gg.nn.linear(64, 128, { init = "glorot_uniform" }), gg.nn.relu(),
    gg.nn.linear(128, 64, { init = "glorot_uniform" }), gg.nn.relu(),
    gg.nn.linear(64, 5, { init = "glorot_uniform" }),
  }, { input = { 1, 8, 8 } })
end

--[[ digits10(opts) -> train, test: TheDeepChecker's baseCNN data with MNIST -> the 8x8 digits
  (1797 rows, a fixed 80 % / 20 % split, gglab generator seed 0) as (1, 8, 8) images. The loader's
  homogeneous min-max normalisation of 0..16 pixels is pixels / 16; opts.raw = true keeps the
  pixels unnormalised on MNIST's 0..255 scale (pixels * 255 / 16); opts.unbalance = true applies
  the benchmark's CustomDataLoader.unbalance to the training rows: total = rows / 10, class 0 keeps
  its first int(total * 0.01) rows, class k = 1..5 its first int(total * 0.01 * k), classes 6..9 all;
  opts.onehot = true gives one-hot target rows (for an MSE on probabilities); opts.double_norm = true
  divides the normalised pixels once more by MNIST's range 255 (the double_normalization fault;
  the digits' own range is 16, which would keep them 16x larger than the source's). ]]
function M.digits10(opts)
  opts = opts or {}
  local scale = opts.raw and 255 / 16 or (opts.double_norm and 1 / (16 * 255) or 1 / 16)
  local data = assert(gg.data.digits { scale = scale,
    path = M.HERE .. "/../../../experiments/data/digits.csv" })
  local xs, ys = data:x():totable(), data:y():totable()
  local idx, rng = {}, gg.rng(0)
  for i = 1, #xs do idx[i] = i end
  for i = #idx, 2, -1 do
    local j = math.min(i, math.floor(rng:uniform() * i) + 1)
    idx[i], idx[j] = idx[j], idx[i]
  end
  local ntrain = math.floor(#idx * 0.8)
  local function cls(i) return type(ys[i]) == "table" and ys[i][1] or ys[i] end
  local function build(list)
    local X, Y = {}, {}
    for k, i in ipairs(list) do
      X[k], Y[k] = xs[i], cls(i)
      if opts.onehot then
        local r = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
        r[Y[k] + 1] = 1
        Y[k] = r
      end
    end
    local ds = gg.data.from_tensors(gg.tensor(X), gg.tensor(Y), { classes = opts.onehot and 0 or 10 })
    return ds:reshape { 1, 8, 8 }
  end
  local tr, te = {}, {}
  for k = 1, #idx do if k <= ntrain then tr[#tr + 1] = idx[k] else te[#te + 1] = idx[k] end end
  if opts.unbalance then
    local total, p, kept = #tr // 10, 0.01, {}
    local count = {}
    for _, i in ipairs(tr) do
      local c = cls(i)
      local cap = c == 0 and math.floor(total * p) or (c <= 5 and math.floor(total * p * c) or math.huge)
      count[c] = (count[c] or 0) + 1
      if count[c] <= cap then kept[#kept + 1] = i end
    end
    tr = kept
  end
  return build(tr), build(te)
end

--[[ basecnn(opts) -> TheDeepChecker's baseCNN (a LeNet) on 8x8: Conv2D(32, 5, same, relu) ->
  MaxPool(2) -> Conv2D(64, 3, same, relu) -> MaxPool(2) -> Flatten -> Dense(opts.dense, relu) ->
  Dense(10) logits (softmax in the loss); he_normal kernels, output glorot_uniform, biases zeros.
  opts: dense (512), probs (true: a softmax after the logits, the model outputs probabilities),
  act1 ("softmax": the first convolution's activation is a softmax over its channels, TF's last
  axis), init (a gglab init table replacing every kernel's init, the output's too). ]]
function M.basecnn(opts)
  opts = opts or {}
  local dense = opts.dense or 512
  local function init(default)
    local t = { bias_init = "zeros" }
    for k, v in pairs(opts.init or default) do t[k] = v end
    return t
  end
  local he = { init = "kaiming_normal", nonlinearity = "relu" }
  local c1, c2 = init(he), init(he)
  c1.padding, c2.padding = 2, 1
  return gg.nn.sequential({
    gg.nn.conv2d(1, 32, 5, c1), opts.act1 == "softmax" and gg.nn.softmax(1) or gg.nn.relu(),
    gg.nn.maxpool2d(2),
    gg.nn.conv2d(32, 64, 3, c2), gg.nn.relu(), gg.nn.maxpool2d(2), gg.nn.flatten(),
    gg.nn.linear(256, dense, init(he)), gg.nn.relu(),
    gg.nn.linear(dense, 10, init { init = "glorot_uniform" }), opts.probs and gg.nn.softmax(1) or nil,
  }, { input = { 1, 8, 8 } })
end

--[[ deepcnn(opts) -> TheDeepChecker's deepCNN on 8x8 inputs: three blocks of two Conv2D(3, same,
  relu, no bias, he_normal) each followed by BatchNorm (32, 32 | 64, 64 | 128, 128 filters), each
  block ending in MaxPool(2) and Dropout (0.2, 0.3, 0.4); Flatten -> Dense(128, relu, he_normal)
  -> BatchNorm -> Dropout(0.5) -> Dense(10) logits. On 8x8 the three poolings leave 1x1. TF's
  batch_normalization (momentum 0.99, epsilon 1e-3) is gglab's batchnorm with momentum 0.01, eps
  1e-3. opts: bn (true), drops ({0.2, 0.3, 0.4, 0.5}; false: no dropout), conv_drop (a dropout
  after the first convolution of every block, its rate), init ("kaiming_uniform" for he_uniform),
  bias (true: convolutions with biases), width3 (128: the third block's filters). ]]
function M.deepcnn(opts)
  opts = opts or {}
  local bn = opts.bn ~= false
  local drops = opts.drops == nil and { 0.2, 0.3, 0.4, 0.5 } or opts.drops
  local init = opts.init or "kaiming_normal"
  local conv = { init = init, nonlinearity = "relu", bias = opts.bias or false, padding = 1 }
  if opts.bias then conv.bias_init = "zeros" end
  local layers, cin = {}, 1
  local function add(l) layers[#layers + 1] = l end
  for b, width in ipairs { 32, 64, opts.width3 or 128 } do
    for k = 1, 2 do
      add(gg.nn.conv2d(cin, width, 3, conv))
      add(gg.nn.relu())
      if bn then add(gg.nn.batchnorm2d(width, { momentum = 0.01, eps = 1e-3 })) end
      if k == 1 and opts.conv_drop then add(gg.nn.dropout(opts.conv_drop)) end
      cin = width
    end
    add(gg.nn.maxpool2d(2))
    if drops then add(gg.nn.dropout(drops[b])) end
  end
  add(gg.nn.flatten())
  add(gg.nn.linear(cin, 128, { init = init, nonlinearity = "relu", bias_init = "zeros" }))
  add(gg.nn.relu())
  if bn then add(gg.nn.batchnorm1d(128, { momentum = 0.01, eps = 1e-3 })) end
  if drops then add(gg.nn.dropout(drops[4])) end
  add(gg.nn.linear(128, 10, { init = "glorot_uniform" }))
  return gg.nn.sequential(layers, { input = { 1, 8, 8 } })
end

return M
