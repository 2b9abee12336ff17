--[[ tests/doctor/external3/so69755379_fixed.lua — external case (healthy):
  so69755379 with the answer's fix: SGD(learning_rate=0.0001)

  Source: https://stackoverflow.com/questions/69755379 (see so69755379.lua for the question, the setup
    and every change made to express it).
  Setup: so69755379.lua's program with opt = keras.optimizers.SGD(learning_rate=0.0001) (the answer's
    code; its epoch count is cut off in the stored copy, so the question's 500 are kept).
  Observed by the source: no numbers after the fix are given.
  Accepted cause: the answer: "One effective solution is to reduce the learning rate. Here's how you can
    manually set a lower learning rate in your model: opt = keras.optimizers.SGD(learning_rate=0.0001)"
    — the fixed program has no fault.
  Changes to express it: those of so69755379.lua; only the learning rate differs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "so69755379_fixed",
  description = "healthy: Dense(1) on raw x in 1..20 (y = x/2), SGD lr 0.0001, mse, one batch",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 1, 20 do xs[i], ys[i] = { i }, i / 2 end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 1 } }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 0.0001 }), data, nil, "mse", 32, 500)
  end,
}
