--[[ tests/doctor/external6/_raschka.lua — helpers shared by the Raschka cases of the sixth external
  set (mlpt_*: "Machine Learning with PyTorch and Scikit-Learn", github.com/rasbt/machine-learning-book;
  stat453_*: the STAT 453 lecture notebooks, github.com/rasbt/stat453-deep-learning-ss21). Not a case
  (its name starts with "_"). A case loads it with dofile(HERE .. "/_raschka.lua").

  M.iris_adaline(std, neg)  ch. 2's data: the first 100 iris rows (setosa, versicolor), sepal length
                         and petal length, y = 0 for setosa, 1 otherwise (neg = true: -1 and 1, the
                         3rd edition's labels); std = true standardises both columns with their mean
                         and population std (np.std), as X_std
  M.adaline(bias_std)    ch. 2's Adaline: one linear unit, w ~ N(0, 0.01), b = 0 (bias_std: b ~ N(0,
                         bias_std), the 3rd edition's w_[0])
  M.xor()                L09's xor.csv (750 rows, x1, x2, class label 0/1), data/stat453_xor.csv
  M.digits_mnist(seed)   the 8x8 digits standing in for L11's MNIST: pixels / 16 (ToTensor's 0..1),
                         a fixed 90 % / 10 % train / validation split (validation_fraction = 0.1) ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

function M.iris_adaline(std, neg)
  local path = M.HERE .. "/../../../experiments/data/iris.csv"
  local xs, ys = {}, {}
  local first = true
  for line in io.lines(path) do
    if first then first = false else
      local f = {}
      for v in line:gmatch("[^,]+") do f[#f + 1] = v end
      if #xs < 100 then
        xs[#xs + 1] = { tonumber(f[1]), tonumber(f[3]) }
        ys[#ys + 1] = f[5] == "setosa" and (neg and -1 or 0) or 1
      end
    end
  end
  if std then
    for j = 1, 2 do
      local s, ss = 0, 0
      for i = 1, #xs do s = s + xs[i][j] end
      local mean = s / #xs
      for i = 1, #xs do ss = ss + (xs[i][j] - mean) ^ 2 end
      local sd = math.sqrt(ss / #xs)
      for i = 1, #xs do xs[i][j] = (xs[i][j] - mean) / sd end
    end
  end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
end

function M.adaline(bias_std)
  local o = { init = "normal", std = 0.01, bias_init = "zeros" }
  if bias_std then o.bias_init, o.bias_std = "normal", bias_std end
  return gg.nn.sequential { gg.nn.linear(2, 1, o) }
end

function M.xor()
  return assert(gg.data.csv(M.HERE .. "/data/stat453_xor.csv",
    { target = "class label", classify = true }))
end

function M.digits_mnist()
  local data = assert(gg.data.digits { scale = 1 / 16,
    path = M.HERE .. "/../../../experiments/data/digits.csv" })
  local n = data:n()
  local nval = math.floor(0.1 * n)
  return data:subset(1, n - nval), data:subset(n - nval + 1, n)
end

return M
