--[[ tests/doctor/external/so31556268.lua — external case (broken):
  XOR with mean absolute error and SGD

  Source: https://stackoverflow.com/questions/31556268 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/31556268/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 3.
  Setup: XOR: 4 rows (1,1)->0, (1,0)->1, (0,0)->0, (0,1)->1; Dense(4, glorot_uniform) sigmoid ->
    Dense(1, glorot_uniform) sigmoid; SGD lr 0.05, momentum 0.11, nesterov, decay 1e-6; loss
    mean_absolute_error; batch 4; 1000 epochs (1000 steps).
  Observed by the source: loss 0.2515, accuracy 0.5 (DeepLocalize's table); after the fix loss 9.6e-4,
    accuracy 1.
  Accepted cause: benchmark patch "-- model.compile(loss='mean_absolute_error', optimizer=sgd) ++
    model.compile(loss='mse', optimizer='adam')" and 10000 epochs; DeepFD ground truth "(1) Loss (2)
    Epoch (3) Learning rate (4) Optimizer".
  Changes to express it: the 4 rows repeated 50 times (200 rows, batch 4: 50 steps an epoch) and 20
    epochs: the source's 1000 steps in <= 60 epochs (batches now mix copies of the 4 rows). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so31556268",
  description =
    "XOR, sigmoid 2-4-1, mean_absolute_error, SGD lr 0.05 momentum 0.11",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for _ = 1, 50 do
      for _, r in ipairs { { 1, 1, 0 }, { 1, 0, 1 }, { 0, 0, 0 }, { 0, 1, 1 } } do
        xs[#xs + 1], ys[#ys + 1] = { r[1], r[2] }, r[3]
      end
    end
    local model = K.keras { 2, { 4, "sigmoid" }, { 1, "sigmoid" } }
    local opt = K.optimizer(model, "sgd", { lr = 0.05, momentum = 0.11, nesterov = true })
    K.fit(run, model, opt, K.dataset(xs, ys), nil, "l1", 4, 20)
  end,
}
