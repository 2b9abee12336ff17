--[[ tests/doctor/external2/so5105718_fixed.lua — external case (healthy):
  so5105718 with the accepted answer's fix: a tanh output unit

  Source: https://stackoverflow.com/questions/5105718 (see so5105718.lua for the question, the setup and
    every change made to express it).
  Setup: so5105718.lua's program with a hyperbolic tangent on the output unit (the hidden layer keeps its
    sigmoid).
  Observed by the source: the asker: "Unfortunately I cant change the problem domain as its an
    assignment for college"; the answer was then extended with the tanh option; no numbers after the
    fix are given.
  Accepted cause: accepted answer: "Another option is the hyperbolic tangent, which goes from [-1,+1] and
    has no constants to set up." (the other option, rescaling the targets to [0, 1], changes the
    assignment's task) — the fixed program has no fault.
  Changes to express it: those of so5105718.lua; only the output activation differs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "so5105718_fixed",
  description =
    "healthy: 5-6-1 MLP, sigmoid hidden, tanh output, fitting sin(sum of four -1/0/1 values), SGD lr 0.1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for i = 1, 400 do
      local row, s = {}, 0
      for j = 1, 4 do row[j] = math.floor(rng:uniform() * 3) - 1; s = s + row[j] end
      row[5] = 1
      xs[i], ys[i] = row, math.sin(s)
    end
    local data = K.dataset(xs, ys)
    local nobias = { init = "glorot_uniform", bias = false }
    local model = gg.nn.sequential { gg.nn.linear(5, 6, nobias), gg.nn.sigmoid(),
      gg.nn.linear(6, 1, nobias), gg.nn.tanh() }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.1 }), loss = "mse",
      batch_size = data:n(), epochs = 3000, shuffle = false, log = run, log_every = 10 }
  end,
}
