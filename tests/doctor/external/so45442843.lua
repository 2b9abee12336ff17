--[[ tests/doctor/external/so45442843.lua — external case (broken):
  one raw feature (~2e4), one-unit softmax output, mean absolute error

  Source: https://stackoverflow.com/questions/45442843 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/45442843/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 26.
  Setup: dataset.csv: 999 rows, one feature in 15041..24987, a boolean label (1 below ~20000); first 80
    % training, last 20 % validation; Dense(1) sigmoid -> Dense(1, init='normal') softmax; loss
    mean_absolute_error; rmsprop; batch 200; 100 epochs.
  Observed by the source: loss 0.5019, accuracy 0.498 (DeepLocalize's table); after the fix loss 0.654,
    accuracy 0.835.
  Accepted cause: benchmark patch "++ X = preprocessing.scale(X)", softmax -> sigmoid, "--
    loss='mean_absolute_error' ++ loss='binary_crossentropy'"; DeepFD ground truth "(1) Loss (2)
    Optimizer (3) Activation (4) Epoch" (DeepFD: "Changing activation function influences little").
  Changes to express it: the file regenerated: x ~ U(15000, 25000), label 1 when x < 20000 with the
    labels of x in 19000..21000 drawn at random (the file's rows there are mixed 46 %); 60 epochs
    instead of 100. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so45442843",
  description =
    "x ~ U(15000, 25000), sigmoid 1, Dense(1, softmax), mean_absolute_error, rmsprop",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for i = 1, 999 do
      local x = 15000 + 10000 * rng:uniform()
      local y = x < 20000 and 1 or 0
      if x > 19000 and x < 21000 then y = rng:uniform() < 0.46 and 1 or 0 end
      xs[i], ys[i] = { x }, y
    end
    local train, val = K.dataset(xs, ys):split(0.2, { shuffle = false })
    local model = K.keras { 1, { 1, "sigmoid" }, { 1, "softmax", "normal" } }
    K.fit(run, model, K.optimizer(model, "rmsprop"), train, val, "l1", 200, 60)
  end,
}
