--[[ tests/doctor/external3/so39314946_fixed.lua — external case (healthy):
  so39314946 on the asker's working data: x = 1..4, y = 2x

  Source: https://stackoverflow.com/questions/39314946 (see so39314946.lua for the question, the setup
    and every change made to express it).
  Setup: so39314946.lua's program with x_data = [1., 2., 3., 4.], y_data = [2., 4., 6., 8.].
  Observed by the source: the asker: "If I change the initial data to this ... then it works without
    problems" (no numbers given).
  Accepted cause: the answer: the learning rate is too high for x = 10..40 (the float32 overflow); the
    asker's own test on x = 1..4 trains — the program with that data has no fault.
  Changes to express it: those of so39314946.lua; only the data differ. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "so39314946_fixed",
  description = "healthy: linear W*x + b on x = 1..4 (y = 2x), W, b ~ U(-1000, 1000), full-batch GD lr 0.1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = K.dataset({ { 1 }, { 2 }, { 3 }, { 4 } }, { 2, 4, 6, 8 })
    local model = gg.nn.sequential { gg.nn.linear(1, 1, { init = "uniform", a = -1000, b = 1000,
      bias_init = "uniform", bias_a = -1000, bias_b = 1000 }) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.1 }), loss = "mse",
      batch_size = 4, epochs = 2001, shuffle = false, log = run, log_every = 10 }
  end,
}
