--[[ tests/doctor/external2/cv286424_fixed.lua — external case (healthy):
  cv286424 with the asker's fix: weights and biases in U(-0.5, 0.5)

  Source: https://stats.stackexchange.com/questions/286424 (see cv286424.lua for the question, the setup
    and every change made to express it).
  Setup: cv286424.lua's program with weights and biases drawn from U(-0.5, 0.5).
  Observed by the source: "I tried that and presto! My network converged to zero error in just a few
    training iterations. I've run it several times so this is consistently happening now."
  Accepted cause: the asker's own fix (stated in the question) — the program with the symmetric
    initialisation has no fault.
  Changes to express it: those of cv286424.lua; only the initialisation range differs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

local LO, HI = -0.5, 0.5   -- the asker's fix: U(-0.5, 0.5) weights and biases

return gg.experiment {
  name = "cv286424_fixed",
  description =
    "healthy: 64-15-10 sigmoid net, weights and biases U(-0.5, 0.5), per-sample squared error, lr 0.5",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local digits = assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" })
    local train, val = K.onehot(digits):split(0.2, { seed = run.seed })
    local init = { init = "uniform", a = LO, b = HI, bias_init = "uniform", bias_a = LO, bias_b = HI }
    local model = gg.nn.sequential { gg.nn.linear(64, 15, init), gg.nn.sigmoid(),
      gg.nn.linear(15, 10, init), gg.nn.sigmoid() }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 2.5 }), train, val, "mse", 1, 3, { log_every = 20 })
  end,
}
