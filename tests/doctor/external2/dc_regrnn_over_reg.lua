--[[ tests/doctor/external2/dc_regrnn_over_reg.lua — external case (broken):
  regrNN with L2 lambda 0.1 (TheDeepChecker fault over_regularization)

  Source: https://github.com/thedeepchecker/thedeepchecker
    TheDeepChecker benchmark (Ben Braiek & Khomh, "Testing Feedforward Neural Networks Training Programs",
    TOSEM 2023) @ d0a2b3a5339b: buggy_synthetic_programs/over_regulariaztion/regrNN_over_reg.py, diff
    against clean_base_programs/regrNN.py.
  Setup: the clean regrNN: Auto MPG (data/auto-mpg.csv), 80 % / 20 % split (random_state=0), 9 features
    min-max scaled per loader, MPG min-max scaled to [0, 1]; Dense(64, relu) -> Dense(64, relu) -> Dense(1),
    he_normal hidden kernels, L2 kernel regulariser 1e-5; AdamOptimizer(0.001) on MSE + L2; TheDeepChecker's
    post-fitness training: batch 64, 301 epochs.
  The injected fault: build(..., l2=1e-5) -> l2=1e-1.
  Observed by the source: the fault's header comment (no training curve is published for the synthetic
    programs): "As the regrNN uses traditional regularization, we set up a high lambda for l2-norm in a way
    that hinders the learning."
  Accepted cause: the benchmark's fault folder over_regulariaztion: the injected change above; the clean
    program (clean_base_programs/regrNN.py) is the fix.
  Changes to express it: the benchmark's own data (copied to data/auto_mpg.csv); gglab's split generator
    instead of pandas' sample (same 80/20 sizes); he_normal without TF's truncation; the L2 penalty also on
    the biases (gg.train's l2); otherwise as the program (see _common2.lua). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common2.lua")

return gg.experiment {
  name = "dc_regrnn_over_reg",
  description = "regrNN with L2 lambda 0.1 (TheDeepChecker fault over_regularization)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = C.mpg()
    local model = C.regrnn()
    C.fit(run, model, gg.optim.adam(model, { lr = 0.001 }), train, test, "mse", 1e-1)
  end,
}
