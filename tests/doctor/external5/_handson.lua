--[[ tests/doctor/external5/_handson.lua — helpers shared by the "Hands-On Machine Learning" (homl_*)
  and "Neural Networks: Zero to Hero" (z2h_*) cases of the fifth external set. Not a case (its name
  starts with "_"). A case loads it with dofile(HERE .. "/_handson.lua").

  M.linear_data(seed)    Geron's chapter-4 data: X = 2 * rand(100, 1), y = 4 + 3 X + randn(100, 1)
  M.makemore(split)      Karpathy's makemore dataset (block_size 3) from data/makemore_names.csv
  M.makemore_mlp(...)    Karpathy's makemore MLP (part 2 / part 3) with the given init scales
  M.makemore_bn_mlp()    part 3's final MLP with a batch norm before the tanh
  M.makemore_train(...)  Karpathy's training loop, shortened (see the z2h_* headers) ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

--[[ linear_data(seed) -> a dataset of 100 rows: x ~ 2 U(0, 1), y = 4 + 3 x + N(0, 1), drawn from
  gg.rng(seed) (x first, then the noise, as np.random.rand then np.random.randn). ]]
function M.linear_data(seed)
  local rng = gg.rng(seed)
  local xs, ys = {}, {}
  for i = 1, 100 do xs[i] = { 2 * rng:uniform() } end
  for i = 1, 100 do ys[i] = 4 + 3 * xs[i][1] + rng:normal() end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
end

--[[ makemore(split) -> a dataset of Karpathy's build_dataset(words) over data/makemore_names.csv's
  rows of that split ("train" or "dev"): per character of w .. ".", the row is the ids of the
  block_size = 3 characters before it (0 = "." pads the start) and the target is its id ("." = 0,
  "a".."z" = 1..26); 27 classes. ]]
function M.makemore(split)
  local xs, ys = {}, {}
  local first = true
  for line in io.lines(M.HERE .. "/data/makemore_names.csv") do
    if first then first = false else
      local w, s = line:match("^([a-z]+),(%a+)$")
      assert(w, "bad line in makemore_names.csv: " .. line)
      if s == split then
        local ctx = { 0, 0, 0 }
        for i = 1, #w + 1 do
          local ix = i <= #w and (w:byte(i) - 96) or 0
          xs[#xs + 1] = { ctx[1], ctx[2], ctx[3] }
          ys[#ys + 1] = ix
          ctx = { ctx[2], ctx[3], ix }
        end
      end
    end
  end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys), { classes = 27 })
end

--[[ makemore_mlp(w1, b1, w2, b2) -> Karpathy's MLP: C = randn(27, 10) (an embedding of the 3
  context characters, concatenated), h = tanh(emb @ W1 + b1) with 200 units, logits = h @ W2 + b2;
  each of w1, b1, w2, b2 is the std of its randn draw (0 for a zero bias). ]]
function M.makemore_mlp(w1, b1, w2, b2)
  local function init(w, b)
    local o = { init = "normal", std = w }
    if b == 0 then o.bias_init = "zeros" else o.bias_init, o.bias_std = "normal", b end
    return o
  end
  return gg.nn.sequential({ gg.nn.embedding(27, 10), gg.nn.flatten(),
    gg.nn.linear(30, 200, init(w1, b1)), gg.nn.tanh(), gg.nn.linear(200, 27, init(w2, b2)) },
    { input = { 3 } })
end

--[[ makemore_bn_mlp() -> part 3's final MLP: hpreact = emb @ W1 (W1 = randn * (5/3)/sqrt(30), no b1),
  a batch norm (bngain 1, bnbias 0, running statistics updated with momentum 0.001), tanh, W2 = randn
  * 0.01, b2 = 0. ]]
function M.makemore_bn_mlp()
  return gg.nn.sequential({ gg.nn.embedding(27, 10), gg.nn.flatten(),
    gg.nn.linear(30, 200, { init = "normal", std = (5 / 3) / math.sqrt(30), bias = false }),
    gg.nn.batchnorm1d(200, { momentum = 0.001 }), gg.nn.tanh(),
    gg.nn.linear(200, 27, { init = "normal", std = 0.01, bias_init = "zeros" }) }, { input = { 3 } })
end

--[[ makemore_train(run, model) -> Karpathy's loop: minibatches of 32, p.data += -0.1 * p.grad,
  F.cross_entropy; here 2 epochs of the 4000 training names (1786 steps, every step's loss logged)
  with the 500 dev names evaluated after each epoch. ]]
function M.makemore_train(run, model)
  local train, dev = M.makemore("train"), M.makemore("dev")
  return gg.train { model = model, data = train, val = dev, optimizer = gg.optim.sgd(model, { lr = 0.1 }),
    loss = "cross_entropy", batch_size = 32, epochs = 2, log = run }
end

return M
