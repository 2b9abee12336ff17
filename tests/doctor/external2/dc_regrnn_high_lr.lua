--[[ tests/doctor/external2/dc_regrnn_high_lr.lua — external case (broken):
  regrNN with Adam lr 0.1 (TheDeepChecker fault high_lr)

  Source: https://github.com/thedeepchecker/thedeepchecker
    TheDeepChecker benchmark (Ben Braiek & Khomh, "Testing Feedforward Neural Networks Training Programs",
    TOSEM 2023) @ d0a2b3a5339b: buggy_synthetic_programs/high_lr/regrNN_high_lr.py, diff against
    clean_base_programs/regrNN.py.
  Setup: the clean regrNN: Auto MPG (data/auto-mpg.csv), 80 % / 20 % split (random_state=0), 9 features
    min-max scaled per loader, MPG min-max scaled to [0, 1]; Dense(64, relu) -> Dense(64, relu) -> Dense(1),
    he_normal hidden kernels, L2 kernel regulariser 1e-5; AdamOptimizer(0.001) on MSE + L2; TheDeepChecker's
    post-fitness training: batch 64, 301 epochs.
  The injected fault: AdamOptimizer(0.001) -> AdamOptimizer(0.1).
  Observed by the source: the fault's header comment (no training curve is published for the synthetic
    programs): "To illustrate faulty DL program caused by high lr, we increase the lr in a way that hinders
    the learning and the accuracy is dropped off."
  Accepted cause: the benchmark's fault folder high_lr: the injected change above; the clean program
    (clean_base_programs/regrNN.py) is the fix.
  Changes to express it: the benchmark's own data (copied to data/auto_mpg.csv); gglab's split generator
    instead of pandas' sample (same 80/20 sizes); he_normal without TF's truncation; the L2 penalty also on
    the biases (gg.train's l2); otherwise as the program (see _common2.lua). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common2.lua")

return gg.experiment {
  name = "dc_regrnn_high_lr",
  description = "regrNN with Adam lr 0.1 (TheDeepChecker fault high_lr)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = C.mpg()
    local model = C.regrnn()
    C.fit(run, model, gg.optim.adam(model, { lr = 0.1 }), train, test, "mse", 1e-5)
  end,
}
