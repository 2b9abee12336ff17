--[[ tests/doctor/external/so50306988.lua — external case (broken):
  two 1-d clusters, adam at its default lr for 5 epochs

  Source: https://stackoverflow.com/questions/50306988 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/50306988/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 4.
  Setup: 200 rows: class 1 with both features ~ U(0.2, 0.4), class 2 ~ U(0.5, 0.7); Dense(2) sigmoid ->
    Dense(2) softmax; loss categorical_crossentropy; adam (lr 0.001); batch 32; 5 epochs (35 steps).
  Observed by the source: loss 0.696, accuracy 0.5 (DeepLocalize's table); DeepFD's patch reaches
    accuracy 1.
  Accepted cause: DeepFD patch "-- optimizer=Adam(lr=0.001), ++ optimizer=Adam(lr=0.01), -- epochs=5 ++
    epochs=10" ("Above two fixes [softmax/sigmoid] are already in origin.py"); DeepFD ground truth "(1)
    Learning rate (2) Epoch".
  Changes to express it: none beyond the generator (gglab's, seeded by the run's seed). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so50306988",
  description =
    "2 well-separated clusters, sigmoid 2, softmax 2, adam lr 0.001, 5 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for _ = 1, 100 do
      xs[#xs + 1], ys[#ys + 1] = { 0.2 + 0.2 * rng:uniform(), 0.2 + 0.2 * rng:uniform() }, 0
      xs[#xs + 1], ys[#ys + 1] = { 0.5 + 0.2 * rng:uniform(), 0.5 + 0.2 * rng:uniform() }, 1
    end
    local model = K.keras { 2, { 2, "sigmoid" }, { 2, "softmax" } }
    K.fit(run, model, K.optimizer(model, "adam"), K.dataset(xs, ys, 2), nil, "categorical_crossentropy",
      32, 5)
  end,
}
