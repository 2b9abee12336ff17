--[[ tests/doctor/external4/dsse117008_fixed.lua — external case (healthy):
  dsse117008 with the answer's learning rate 0.00001: W converges to 2

  Source: https://datascience.stackexchange.com/questions/117008 (see dsse117008.lua for the question, the
    setup and every change made to express it).
  Setup: dsse117008.lua's program with lr = 0.00001 instead of 0.01 (15 full-batch steps, as the source).
  Observed by the source: the answer: "simply decreasing the learning rate to 0.00001 allows the model to
    converge to the correct result of W=2" and "I only needed less than 15 epochs to get the model to
    converge to a weight of close to 2" (the asker reports ~700 epochs for his own run).
  Accepted cause: the answer: the learning rate was too large for the large feature values; with lr
    0.00001 the program has no fault (normalising the inputs is the answer's general advice).
  Changes to express it: those of dsse117008.lua; only the learning rate differs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

local function half_sse(pred, target)
  local d = pred - target
  return (d * d):sum() * 0.5
end

return gg.experiment {
  name = "dsse117008_fixed",
  description = "healthy: W*x on x = 1..5, 100, 200 (y = 2x), W = 0, full-batch GD lr 0.00001, 15 steps",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs = { 1, 2, 3, 4, 5, 100, 200 }
    local rows, ys = {}, {}
    for i, x in ipairs(xs) do rows[i], ys[i] = { x }, 2 * x end
    local data = K.dataset(rows, ys)
    local model = gg.nn.sequential { gg.nn.linear(1, 1, { init = "zeros", bias = false }) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.00001 }),
      loss = half_sse, batch_size = 7, epochs = 15, shuffle = false, log = run }
  end,
}
