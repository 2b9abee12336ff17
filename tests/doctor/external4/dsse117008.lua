--[[ tests/doctor/external4/dsse117008.lua — external case (broken):
  numpy gradient descent on W*x (no bias), x = 1,2,3,4,5,100,200, y = 2x, lr 0.01: W never converges

  Source: https://datascience.stackexchange.com/questions/117008 ("Normalising data for simple linear
    regression"); found with the `search` tool (corpus "pages": the datascience.stackexchange.com page and
    a copy of it in the Nemotron-CC-Math data set).
  Setup: X = np.array([1,2,3,4,5,100,200]); Y = X*2; W = np.array([0.0]); forward W*X; backward
    dW = np.matmul(X.T, Y_predicted - Y).mean(); lr = 0.01; n_epochs = 15 full-batch steps W = W - lr*dW.
  Observed by the source: "it never converges and gives a W (slope of the line) that is too different
    from the actual value of 2"; it works for X = [1,2,3,4,5,6] but not for large or unevenly spaced X.
  Accepted cause: the only answer: "Gradient descent works perfectly fine when your features have large
    values, but you might have to use a smaller learning rate. In this case, simply decreasing the
    learning rate to 0.00001 allows the model to converge to the correct result of W=2. Generally input
    features are normalized (e.g. to a range of 0-1) to help the model converge more easily." (the
    asker: "Yes a learning rate of 0.00001 helps ... I believe the trick is to standardise data").
  Changes to express it: np.matmul of two 1-D arrays is a scalar and .mean() of a scalar is itself, so
    the source's dW is the sum over the 7 rows of x*(W*x - y): the loss here is 0.5*sum((W*x - y)^2),
    whose gradient is exactly that, with the source's lr 0.01 (gglab's "mse" would divide by n/2 = 3.5).
    float32 instead of numpy's float64: the loss overflows to inf after a few steps (in float64 W only
    grows to about 1e40 in the 15 steps). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

local function half_sse(pred, target)
  local d = pred - target
  return (d * d):sum() * 0.5
end

return gg.experiment {
  name = "dsse117008",
  description = "W*x on x = 1..5, 100, 200 (y = 2x), W = 0, full-batch GD lr 0.01 on 0.5*SSE, 15 steps",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs = { 1, 2, 3, 4, 5, 100, 200 }
    local rows, ys = {}, {}
    for i, x in ipairs(xs) do rows[i], ys[i] = { x }, 2 * x end
    local data = K.dataset(rows, ys)
    local model = gg.nn.sequential { gg.nn.linear(1, 1, { init = "zeros", bias = false }) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.01 }),
      loss = half_sse, batch_size = 7, epochs = 15, shuffle = false, log = run }
  end,
}
