--[[ tests/doctor/external5/_docs.lua — helpers of the framework-docs cases (tf_*, skl_*): a generated
  stand-in for the Kaggle credit-card fraud data of TensorFlow's "Classification on imbalanced data"
  tutorial, and scikit-learn's MLPClassifier defaults. Not a case (its name starts with "_"). ]]
local gg = require "gglab"

local M = {}

local cache = {}

--[[ fraud(scale) -> train, val, test: a generated stand-in for the tutorial's credit-card data after its
  preprocessing (29 features: V1..V28 and the log of Amount; Time dropped). The tutorial's split sizes
  (182276 / 45569 / 56962 rows) divided by `scale`, positives at the data's rate 492 / 284807 (0.173 %).
  Negatives are N(0, 1) in every feature; positives "contain a much higher rate of extreme values": in
  the first 10 features N(-2, 3^2), N(0, 1) elsewhere. Then, as the tutorial does, every feature is
  standardised with the training rows' statistics and clipped to [-5, 5]. Fixed data (gg.rng(2020)),
  the same for every seed; built once per process. ]]
function M.fraud(scale)
  if cache[scale] then return table.unpack(cache[scale]) end
  local r = gg.rng(2020)
  local function part(n)
    local xs, ys = {}, {}
    for i = 1, n do
      local pos = r:uniform() < 492 / 284807
      local row = {}
      for j = 1, 29 do
        if pos and j <= 10 then row[j] = -2 + 3 * r:normal() else row[j] = r:normal() end
      end
      xs[i], ys[i] = row, pos and 1 or 0
    end
    return xs, ys
  end
  local sizes = { 182276, 45569, 56962 }
  local parts = {}
  for k = 1, 3 do
    local xs, ys = part(math.floor(sizes[k] / scale + 0.5))
    parts[k] = gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
  end
  local s = gg.data.standard_scaler(parts[1])
  for k = 1, 3 do
    local x = s:transform(parts[k]):x():totable()
    for _, row in ipairs(x) do
      for j = 1, #row do row[j] = math.max(-5, math.min(5, row[j])) end
    end
    parts[k] = gg.data.from_tensors(gg.tensor(x), parts[k]:y())
  end
  cache[scale] = parts
  return table.unpack(parts)
end

--[[ positives(ds) -> the number of rows with target 1. ]]
function M.positives(ds)
  local k = 0
  for _, y in ipairs(ds:y():totable()) do k = k + y[1] end
  return k
end

--[[ recall(model, ds [, threshold]) -> recall and precision of `model`'s sigmoid output on ds at threshold
  0.5 (the tutorial's plot_cm default), in evaluation mode. ]]
function M.recall(model, ds, threshold)
  threshold = threshold or 0.5
  model:eval()
  local p = model:forward(ds:x()):totable()
  model:train()
  local tp, fp, fn = 0, 0, 0
  for i, y in ipairs(ds:y():totable()) do
    local hit = p[i][1] > threshold
    if y[1] == 1 and hit then tp = tp + 1 elseif y[1] == 1 then fn = fn + 1 elseif hit then fp = fp + 1 end
  end
  return tp / math.max(1, tp + fn), tp / math.max(1, tp + fp)
end

--[[ sklearn_mlp(sizes, activation) -> a gglab.Model built as scikit-learn's MLPClassifier / MLPRegressor
  initialises its layers (_init_coef): every weight AND bias U(-b, b) with b = sqrt(6 / (fan_in + fan_out))
  (sqrt(2 / ...) for activation "logistic"); hidden activation relu / tanh / logistic; no output
  activation here (the softmax of MLPClassifier is in gglab's cross_entropy loss). ]]
function M.sklearn_mlp(sizes, activation)
  local act = { relu = gg.nn.relu, tanh = gg.nn.tanh, logistic = gg.nn.sigmoid }
  local layers = {}
  for i = 1, #sizes - 1 do
    local fan_in, fan_out = sizes[i], sizes[i + 1]
    local b = math.sqrt((activation == "logistic" and 2 or 6) / (fan_in + fan_out))
    layers[#layers + 1] = gg.nn.linear(fan_in, fan_out,
      { init = "uniform", a = -b, b = b, bias_init = "uniform", bias_a = -b, bias_b = b })
    if i < #sizes - 1 then layers[#layers + 1] = assert(act[activation], activation)() end
  end
  return gg.nn.sequential(layers)
end

return M
