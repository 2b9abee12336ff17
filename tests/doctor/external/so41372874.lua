--[[ tests/doctor/external/so41372874.lua — external case (healthy):
  a small relu classifier the benchmarks found healthy (SIN direction)

  Source: https://stackoverflow.com/questions/41372874 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/41372874/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 18.
  DeepLocalize's table says "No issue in the structure" (loss 0.1534, accuracy 1, unchanged by any
    patch) and DeepFD labels it "origin".
  Setup: SIN.csv: 298 rows, features SIN (0..0.84) and SIN-1 (-2.5..0.77), label Direction (1 in every
    row of the benchmark's file); first 80 % training, last 20 % test; Dense(2, init='uniform') relu ->
    Dense(2, init='uniform') relu -> Dense(1, init='uniform') sigmoid; loss binary_crossentropy; adam;
    batch 2; 20 epochs.
  Observed by the source: loss 0.1534, accuracy 1 (DeepLocalize's table).
  Accepted cause: DeepLocalize "No issue in the strcuture"; DeepFD ground truth "origin".
  Changes to express it: SIN.csv regenerated: SIN = |sin(2 pi t / 100)| * 0.84 and SIN-1 its previous
    value minus a N(0, 0.5) term, Direction = 1 in every row as in the file; the 20 % test rows as
    validation data. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so41372874",
  description =
    "healthy: SIN / SIN-1 features, relu 2-2, sigmoid, binary_crossentropy, adam, batch 2",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys, prev = {}, {}, 0
    for t = 0, 297 do
      local s = math.abs(math.sin(2 * math.pi * t / 100)) * 0.84
      xs[#xs + 1], ys[#ys + 1] = { s, prev - 0.5 * rng:normal() }, 1
      prev = s
    end
    local train, val = K.dataset(xs, ys):split(0.2, { shuffle = false })
    local model = K.keras { 2, { 2, "relu", "uniform" }, { 2, "relu", "uniform" }, { 1, "sigmoid",
      "uniform" } }
    K.fit(run, model, K.optimizer(model, "adam"), train, val, { "bce", keras = true }, 2, 20)
  end,
}
