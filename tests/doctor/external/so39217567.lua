--[[ tests/doctor/external/so39217567.lua — external case (broken):
  three sigmoid layers learning a permutation of 8-bit codes with SGD

  Source: https://stackoverflow.com/questions/39217567 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/39217567/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 12.
  Setup: X = all 256 8-bit vectors, y = the same vectors shuffled (random.shuffle); Dense(8,
    init='normal') sigmoid x 3; loss mse; optimizer 'SGD' (lr 0.01); batch 50; 1000 epochs.
  Observed by the source: loss 0.25, accuracy 0.5 (DeepLocalize's table: every output at 0.5); after the
    fix loss 0.0759, accuracy 0.97.
  Accepted cause: benchmark patch: the hidden activations sigmoid -> relu and "--batch_size=50
    ++batch_size=1"; DeepFD ground truth "(1) Activation (2) Batch size".
  Changes to express it: 60 epochs instead of 1000; the shuffle drawn from gglab's generator seeded by
    the run's seed. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so39217567",
  description =
    "8-bit codes -> shuffled codes, sigmoid 8-8-8, mse, SGD, batch 50",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs = {}
    for i = 0, 255 do
      local r = {}
      for b = 7, 0, -1 do r[#r + 1] = (i >> b) & 1 end
      xs[#xs + 1] = r
    end
    local ys = {}
    for i = 1, 256 do ys[i] = xs[i] end
    for i = 256, 2, -1 do
      local j = rng:integer(i)
      ys[i], ys[j] = ys[j], ys[i]
    end
    local model = K.keras { 8, { 8, "sigmoid", "normal" }, { 8, "sigmoid", "normal" }, { 8, "sigmoid",
      "normal" } }
    K.fit(run, model, K.optimizer(model, "sgd"), K.dataset(xs, ys), nil, "mse", 50, 60)
  end,
}
