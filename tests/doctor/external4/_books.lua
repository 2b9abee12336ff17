--[[ tests/doctor/external4/_books.lua — helpers shared by the textbook cases of the fourth external
  set (nndl_*: Michael Nielsen's "Neural Networks and Deep Learning"). Not a case (its name starts
  with "_"). A case loads it with dofile(HERE .. "/_books.lua").

  Nielsen's src/network2.py (github.com/mnielsen/neural-networks-and-deep-learning @ 72db53d) in
  gglab terms:
    Network([784, n, 10])        Linear(784, n) sigmoid Linear(n, 10) sigmoid
    default_weight_initializer   weights N(0, 1/sqrt(n_in)), biases N(0, 1)
    large_weight_initializer     weights N(0, 1), biases N(0, 1)
    CrossEntropyCost             -sum over the 10 outputs of y ln a + (1 - y) ln(1 - a), averaged
                                 over the mini-batch: gglab's "bce" (mean over B x 10) is that / 10,
                                 so the SGD lr is 10 x eta (the same update)
    QuadraticCost                0.5 ||a - y||^2 summed over the outputs, averaged over the batch:
                                 gglab's "mse" (mean over B x 10) is that / 5, so lr = 5 x eta
    SGD(..., lmbda)              w <- (1 - eta lmbda / n) w - (eta / m) sum of the gradients: SGD
                                 weight_decay lmbda / (10 n) with the lr 10 x eta (gglab decays the
                                 biases too; Nielsen does not)
    mini-batches                 random.shuffle(training_data) every epoch, then consecutive batches
  MNIST (28 x 28, values in [0, 1]) -> gglab's 1797 8x8 digits / 16 (values in [0, 1]), one-hot
  targets; the rows are shuffled with the run's seed and split into training and evaluation rows.

  d2l_poly_*: Dive into Deep Learning (v0.17.6) 4.4, "Model Selection, Underfitting, and Overfitting":
  M.poly(seed, d) draws the section's data (below). ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
M.DATA = M.HERE .. "/../../../experiments/data/"

--[[ digits(seed, ntrain) -> train, eval: the digits / 16 with one-hot targets, shuffled with seed;
  the first ntrain rows train, the others are the evaluation data. ]]
function M.digits(seed, ntrain)
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
  local perm, rng = {}, gg.rng(seed)
  for i = 1, onehot:n() do perm[i] = i end
  for i = #perm, 2, -1 do
    local j = rng:integer(i)
    perm[i], perm[j] = perm[j], perm[i]
  end
  local tr, ev = {}, {}
  for i = 1, #perm do
    if i <= ntrain then tr[#tr + 1] = perm[i] else ev[#ev + 1] = perm[i] end
  end
  return onehot:subset(tr), onehot:subset(ev)
end

--[[ network2(sizes, init) -> Nielsen's sigmoid network; init "default" or "large". ]]
function M.network2(sizes, init)
  local layers = {}
  for i = 1, #sizes - 1 do
    local std = init == "large" and 1 or 1 / math.sqrt(sizes[i])
    layers[#layers + 1] = gg.nn.linear(sizes[i], sizes[i + 1],
      { init = "normal", std = std, bias_init = "normal" })
    layers[#layers + 1] = gg.nn.sigmoid()
  end
  return gg.nn.sequential(layers)
end

--[[ sgd(run, model, train, eval, o) -> history: network2.SGD with o.epochs, o.batch (10), o.eta,
  o.lmbda (0), o.cost ("cross_entropy" or "quadratic"). ]]
function M.sgd(run, model, train, eval, o)
  local quad = o.cost == "quadratic"
  local factor = quad and 5 or 10
  local opt = gg.optim.sgd(model, { lr = factor * o.eta,
    weight_decay = (o.lmbda or 0) / (factor * train:n()) })
  return gg.train { model = model, optimizer = opt, data = train, val = eval,
    loss = quad and "mse" or "bce", batch_size = o.batch or 10, epochs = o.epochs, shuffle = true,
    log = run, log_every = o.log_every or 10 }
end

--[[ poly(seed, d) -> train, test: d2l 4.4's polynomial data drawn from gg.rng(seed): 200 x ~ N(0, 1);
  features x^i / i! for i = 0 .. 19 (x^0 = 1); labels = features . true_w + N(0, 0.1^2) with true_w =
  (5, 1.2, -3.4, 5.6, 0, ..., 0); the first d feature columns are kept; the first 100 rows train, the
  other 100 test (the book's n_train, n_test = 100, 100). ]]
function M.poly(seed, d)
  local rng = gg.rng(seed)
  local true_w = { 5, 1.2, -3.4, 5.6 }
  local xs, ys = {}, {}
  for r = 1, 200 do
    local x, row, fact, y = rng:normal(), {}, 1, 0
    for i = 0, 19 do
      if i > 0 then fact = fact * i end
      local f = x ^ i / fact
      if i < d then row[#row + 1] = f end
      y = y + f * (true_w[i + 1] or 0)
    end
    xs[r], ys[r] = row, { y }
  end
  for r = 1, 200 do ys[r][1] = ys[r][1] + 0.1 * rng:normal() end
  local all = gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
  return all:subset(1, 100), all:subset(101, 200)
end

return M
