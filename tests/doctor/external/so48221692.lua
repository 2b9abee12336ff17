--[[ tests/doctor/external/so48221692.lua — external case (broken):
  sigmoid on the output of a regression

  Source: https://stackoverflow.com/questions/48221692 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/48221692/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 20.
  Setup: Linear_Data.csv: x = -10, -9.9, ..., 9.9 (200 rows), y = x^2 + 3 (3 .. 103); train_test_split
    75/25; Dense(5) sigmoid -> Dense(1) sigmoid; loss mse; optimizer 'sgd' (lr 0.01); full batch (150
    rows); 1000 epochs.
  Observed by the source: loss 2311.6 (DeepLocalize's table); 121.9 after the fix.
  Accepted cause: benchmark patch "-- neural_network.add(Dense(1, activation='sigmoid')) ++
    neural_network.add(Dense(1, activation='linear'))"; DeepFD ground truth "(1) Activation". The
    sigmoid output cannot exceed 1 while the targets reach 103.
  Changes to express it: the CSV regenerated from its formula (y = x^2 + 3, exact); 60 epochs instead of
    1000; the 25 % test split used as validation data. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so48221692",
  description =
    "sigmoid output unit regressing y = x^2 + 3 (sigmoid 5-1, SGD)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 0, 199 do
      local x = -10 + i / 10
      xs[#xs + 1], ys[#ys + 1] = { x }, x * x + 3
    end
    local train, val = K.dataset(xs, ys):split(0.25, { seed = run.seed })
    local model = K.keras { 1, { 5, "sigmoid" }, { 1, "sigmoid" } }
    K.fit(run, model, K.optimizer(model, "sgd"), train, val, "mse", train:n(), 60)
  end,
}
