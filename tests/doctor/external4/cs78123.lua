--[[ tests/doctor/external4/cs78123.lua — external case (broken):
  MNIST with every image's pixels shuffled by its own random permutation: a linear classifier at chance

  Source: https://cs.stackexchange.com/questions/78123 ("Trying to Classify MNIST where pixels are shuffled
    with a seed. Why is it not working?"); found with the `search` tool (corpus "pages": the
    cs.stackexchange.com page and a copy in the Nemotron-CC-Math data set).
  Setup: X (70000 x 784) MNIST; np.random.seed(42); for each row i: np.random.shuffle(X[i,:]) (the
    generator advances, so each image gets another permutation); sklearn SVC and SGDClassifier trained.
  Observed by the source: "Results from both are just randomness."
  Accepted cause: the accepted answer: "You are essentially setting each image to a (more or less) random
    image ... There is (almost) no data to learn from left. ... One thing that could work if you stored a
    random permutation and applied the same permutation to each image." The asker: "I looked it up and
    implemented the correct code. ... Yes, It works. I'm getting 94.3 cross validation accuracy".
  Changes to express it: MNIST -> gglab's 1797 8x8 digits (pixels / 16), each image permuted by its own
    Fisher-Yates shuffle from gg.rng(42) before a shuffled 75 / 25 split (seed 0); SGDClassifier (a linear
    model trained by per-sample SGD, hinge loss, 5 passes in the sklearn of 2017) -> a linear 64 -> 10
    layer under cross_entropy (sklearn's loss='log' variant), SGD lr 0.01, batch 1, 5 epochs; SVC left out. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

local function shuffled_digits()
  local digits = assert(gg.data.digits { scale = 1 / 16 })
  local xs, ys = K.rows(digits)
  local r = gg.rng(42)
  local labels = {}
  for i, row in ipairs(xs) do
    for j = #row, 2, -1 do                       -- a new permutation for every image
      local k = r:integer(j)
      row[j], row[k] = row[k], row[j]
    end
    labels[i] = ys[i][1]
  end
  return K.dataset(xs, labels, 10):split(0.25, { seed = 0 })
end

return gg.experiment {
  name = "cs78123",
  description = "digits, each image's pixels shuffled by its own permutation; linear softmax, SGD lr 0.01",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = shuffled_digits()
    local model = gg.nn.sequential { gg.nn.linear(64, 10) }
    gg.train { model = model, optimizer = gg.optim.sgd(model, { lr = 0.01 }), data = train, val = test,
      loss = "cross_entropy", batch_size = 1, epochs = 5, log = run, log_every = 100 }
    run:summary { val_acc = gg.accuracy(model, test) }
  end,
}
