--[[ tests/doctor/external4/gh_chiphuyen_stanford-tensorflow-tutorials_54.lua — external case (broken):
  CS 20SI's linear regression (Chicago fire -> theft) plus the quadratic term u·X²: the loss goes to nan

  Source: https://github.com/chiphuyen/stanford-tensorflow-tutorials/issues/54 ("03_linear_regression_sol.py
    for quadratic case"); found with the `search` tool (corpus "issues"). The program is the repository's
    examples/03_linear_regression_sol.py as of the issue (commit e8dbcd6, 2017-07-11, read with git in the
    fetched repository) with the issue's change; its data examples/data/fire_theft.xls (42 rows: fires and
    thefts per 1000 housing units, Chicago) copied to data/fire_theft.csv.
  Setup: w = b = tf.Variable(0.0) and, as the issue adds from the course notes, u = tf.Variable(0.0);
    Y_predicted = X * X * u + X * w + b; loss = tf.square(Y - Y_predicted);
    GradientDescentOptimizer(learning_rate=0.001); 50 epochs, one step per row in the file's order.
  Observed by the source: "the loss and parameters became very large so that the final output is 'nan'".
  Accepted cause: the asker, answering his own issue: "I figured it out and it has no problem with my
    code. The learning rate is the main reason that cause this problem. ... I found that the loss value
    can jump out of the bottom of the quadratic curve." (no fixed learning rate is given).
  Changes to express it: u·X² + w·X + b is one linear layer on the features (X², X), weights and bias
    zero; mse on batches of 1 is tf.square of one row; no shuffling, as the program's loop. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

local function fire_theft()
  local rows, ys = {}, {}
  local f = assert(io.open(HERE .. "/data/fire_theft.csv", "r"))
  f:read("l")                                    -- header: fire,theft
  for line in f:lines() do
    local x, y = line:match("^([^,]+),([^,]+)$")
    if x then
      x = tonumber(x)
      rows[#rows + 1], ys[#ys + 1] = { x * x, x }, tonumber(y)
    end
  end
  f:close()
  return K.dataset(rows, ys)
end

return gg.experiment {
  name = "gh_chiphuyen_stanford-tensorflow-tutorials_54",
  description = "u·X² + w·X + b on Chicago fire/theft (42 rows), zero init, per-row GD lr 0.001",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = fire_theft()
    local model = gg.nn.sequential { gg.nn.linear(2, 1, { init = "zeros", bias_init = "zeros" }) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.001 }), loss = "mse",
      batch_size = 1, epochs = 50, shuffle = false, log = run }
  end,
}
