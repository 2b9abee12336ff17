--[[ tests/doctor/external/so34311586.lua — external case (broken):
  XOR with a one-unit softmax output and SGD lr 0.001 for 20 epochs

  Source: https://stackoverflow.com/questions/34311586 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/34311586/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 9.
  Setup: 6 rows (1,1), (0,0), (1,0), (0,1), (1,1), (0,0) -> 0, 0, 1, 1, 0, 0; Dense(2, init='uniform')
    sigmoid -> Dense(3, init='uniform') sigmoid -> Dense(1, init='uniform') softmax; SGD lr 0.001,
    momentum 0.9, nesterov, decay 1e-6; loss mean_squared_error; batch 32 (one step an epoch); 20
    epochs.
  Observed by the source: loss 0.6667 (= the 4 zero labels against the constant 1) (DeepLocalize's
    table); after the fix 0.171.
  Accepted cause: benchmark patch "-- Dense(1, init='uniform', activation='softmax') ++ ...
    activation='sigmoid'", SGD lr 0.1, "-- nb_epoch=20 ++ nb_epoch=10000, batch_size=4"; DeepFD ground
    truth "(1) Learning rate (2) Activation (3) Initialization (4) Epoch (5) Batch size" (DeepFD's
    patch: SGD -> Adam).
  Changes to express it: none (20 epochs of one step, as the source). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so34311586",
  description =
    "XOR (6 rows), sigmoid 2-3, Dense(1, softmax), mse, SGD lr 0.001 momentum 0.9",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs = { { 1, 1 }, { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 }, { 0, 0 } }
    local ys = { 0, 0, 1, 1, 0, 0 }
    local model = K.keras { 2, { 2, "sigmoid", "uniform" }, { 3, "sigmoid", "uniform" }, { 1, "softmax",
      "uniform" } }
    local opt = K.optimizer(model, "sgd", { lr = 0.001, momentum = 0.9, nesterov = true })
    K.fit(run, model, opt, K.dataset(xs, ys), nil, "mse", 32, 20)
  end,
}
