--[[ tests/doctor/external/so48934338_fixed.lua — external case (healthy):
  the Correct program of so48934338: SGD lr 0.001

  Source: https://stackoverflow.com/questions/48934338 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/48934338/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 13.
  The benchmark's Correct program: the buggy one with SGD lr 0.001 (the fix the source reports).
  Setup: X = 0, 0.1, ..., 4.9 (50 rows, one feature), y = 5 X^2 + e^3 with e ~ N(0, 1); Dense(50) relu
    -> Dense(30, init='uniform') relu -> Dense(1) linear; SGD lr 0.1; loss mse; batch 32 (Keras
    default); 1000 epochs; no validation data.
  Observed by the source: training loss 1335.7 (DeepLocalize's table: about the variance of y, the
    constant predictor's loss); 341.1 after the fix.
  Accepted cause: benchmark patch "-- sgd = optimizers.SGD(lr=0.1) ++ sgd = optimizers.SGD(lr=0.001)";
    DeepFD ground truth "(1) Learning rate" (DeepFD's patch: lr 0.0001).
  Changes to express it: 60 epochs instead of 1000; e drawn from gglab's generator seeded by the run's
    seed. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so48934338_fixed",
  description =
    "fixed program: SGD lr 0.001 on y = 5x^2 + e^3 (relu 50-30-1)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for i = 0, 49 do
      local x = i / 10
      xs[#xs + 1], ys[#ys + 1] = { x }, 5 * x * x + rng:normal() ^ 3
    end
    local model = K.keras { 1, { 50, "relu" }, { 30, "relu", "uniform" }, { 1 } }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 0.001 }), K.dataset(xs, ys), nil, "mse", 32, 60)
  end,
}
