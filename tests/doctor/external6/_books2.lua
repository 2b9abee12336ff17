--[[ tests/doctor/external6/_books2.lua — helpers shared by the second-textbooks cases of the sixth
  external set. Not a case (its name starts with "_"). A case loads it with dofile(HERE .. "/_books2.lua").

  dlwpt_*: Stevens, Antiga, Viehmann, "Deep Learning with PyTorch" (github.com/deep-learning-with-pytorch/
  dlwpt-code @ d6c0210, p1ch5/*.ipynb), chapter 5's thermometer:
    t_c = the 11 Celsius readings, t_u = the 11 readings of the unknown thermometer (the notebook's lists)
    model(t_u, w, b) = w * t_u + b, params = torch.tensor([1.0, 0.0])   -> gg.nn.linear(1, 1) with the
                                                                          weight 1 and the bias 0
    loss_fn = mean of (t_p - t_c)^2 over the 11 readings                -> gglab's "mse", one full batch
    params = params - learning_rate * grad (or optim.SGD)               -> gg.optim.sgd, the same lr
  The notebook's printed loss is the loss before the epoch's update, as gglab's logged step loss.

  gdl_*: Andrew Trask, "Grokking Deep Learning" (github.com/iamtrask/Grokking-Deep-Learning @ e665168):
    chapter 8's MNIST network: images = x_train[0:1000] / 255, one-hot labels, the 10,000 test images;
    weights 0.2 * np.random.random(...) - 0.1 (U(-0.1, 0.1)), no biases; layer_2 = relu(l0 W01) W12;
    error = sum over the 10 outputs of (label - layer_2)^2; weights += alpha * layer.T . delta with
    delta = label - layer_2, i.e. alpha times the gradient of half that sum. gglab's "mse" (mean over
    B x 10 outputs) has the gradient (2 / 10) / B x that sum's, so SGD lr = 5 x alpha for batch 1 (and
    for a batch mean); the logged loss is the book's Train-Err / 10.
  MNIST (28 x 28, values in [0, 1]) -> gglab's 1797 8x8 digits / 16 (values in [0, 1]), one-hot targets,
  in the file's order: the first 1000 rows train (the book's x_train[0:1000]), the other 797 are the test
  data (the book's 10,000 test images). ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
M.DATA = M.HERE .. "/../../../experiments/data/"

M.T_C = { 0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0 }
M.T_U = { 35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4 }

--[[ thermo(scale, rows) -> the dataset x = scale * t_u, y = t_c (rows: a list of 1-based row numbers,
  default all 11, in order). ]]
function M.thermo(scale, rows)
  local xs, ys = {}, {}
  if not rows then
    rows = {}
    for i = 1, #M.T_U do rows[i] = i end
  end
  for k, i in ipairs(rows) do xs[k], ys[k] = { scale * M.T_U[i] }, { M.T_C[i] } end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
end

--[[ thermo_split(seed, scale) -> train, val: p1ch5/3_optimizers.ipynb's split: n_val = int(0.2 * 11)
  = 2; shuffled_indices = a random permutation (torch.randperm; here drawn from gg.rng(seed)); the last
  n_val indices validate, the other 9 train. ]]
function M.thermo_split(seed, scale)
  local perm, rng = {}, gg.rng(seed)
  for i = 1, #M.T_U do perm[i] = i end
  for i = #perm, 2, -1 do
    local j = rng:integer(i)
    perm[i], perm[j] = perm[j], perm[i]
  end
  local tr, va = {}, {}
  for k, i in ipairs(perm) do
    if k <= #perm - 2 then tr[#tr + 1] = i else va[#va + 1] = i end
  end
  return M.thermo(scale, tr), M.thermo(scale, va)
end

--[[ line() -> w * t_u + b as gg.nn.linear(1, 1), starting at the notebook's params [1.0, 0.0]. ]]
function M.line()
  return gg.nn.sequential { gg.nn.linear(1, 1, { init = "constant", value = 1, bias_init = "zeros" }) }
end

--[[ trask_digits() -> train, test: the digits / 16 with one-hot targets, in the file's order; rows
  1-1000 train, rows 1001-1797 test. ]]
function M.trask_digits()
  local all = assert(gg.data.digits { scale = 1 / 16, path = M.DATA .. "digits.csv" })
  local c = all:classes()
  local ys = {}
  for i, row in ipairs(all:y():totable()) do
    local r = {}
    for k = 1, c do r[k] = 0 end
    r[row[1] + 1] = 1
    ys[i] = r
  end
  local onehot = gg.data.from_tensors(all:x(), gg.tensor(ys))
  return onehot:subset(1, 1000), onehot:subset(1001, onehot:n())
end

--[[ trask_net(hidden, dropout) -> Linear(64, hidden) relu [Dropout(0.5)] Linear(hidden, 10), no biases,
  weights U(-0.1, 0.1) (the book's 0.2 * np.random.random(...) - 0.1). ]]
function M.trask_net(hidden, dropout)
  local layers = { gg.nn.linear(64, hidden, { init = "uniform", a = -0.1, b = 0.1, bias = false }),
    gg.nn.relu() }
  if dropout then layers[#layers + 1] = gg.nn.dropout(0.5) end
  layers[#layers + 1] = gg.nn.linear(hidden, 10, { init = "uniform", a = -0.1, b = 0.1, bias = false })
  return gg.nn.sequential(layers)
end

--[[ adaline_iris(standardize) -> the first 100 iris rows (setosa, versicolor) as x = (sepal length,
  petal length), y = 0 / 1; standardize: each column (x - mean) / std (numpy's std, ddof 0). ]]
function M.adaline_iris(standardize)
  local xs, ys = {}, {}
  for line in io.lines(M.DATA .. "iris.csv") do
    local f = {}
    for v in line:gmatch("[^,]+") do f[#f + 1] = v end
    if (f[5] == "setosa" or f[5] == "versicolor") and #xs < 100 then
      xs[#xs + 1] = { tonumber(f[1]), tonumber(f[3]) }
      ys[#ys + 1] = { f[5] == "setosa" and 0 or 1 }
    end
  end
  if standardize then
    for j = 1, 2 do
      local m, v = 0, 0
      for i = 1, #xs do m = m + xs[i][j] end
      m = m / #xs
      for i = 1, #xs do v = v + (xs[i][j] - m) ^ 2 end
      local sd = math.sqrt(v / #xs)
      for i = 1, #xs do xs[i][j] = (xs[i][j] - m) / sd end
    end
  end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
end

return M
