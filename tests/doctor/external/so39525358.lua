--[[ tests/doctor/external/so39525358.lua — external case (broken):
  three raw features in the 60s, no scaling

  Source: https://stackoverflow.com/questions/39525358 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/39525358/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 11.
  Setup: 'sorted output.csv': 21 rows of 3 integer features in 65..70 and a binary label (1 exactly when
    the first feature is 68); train_test_split test 0.33; Dense(12, init='uniform') relu -> Dense(3,
    init='uniform') relu -> Dense(1, init='uniform') sigmoid; loss binary_crossentropy; adam; batch 1;
    150 epochs.
  Observed by the source: loss 0.6719, accuracy 0.615 (DeepLocalize's table); with StandardScaler loss
    0.306, accuracy 1.
  Accepted cause: benchmark patch "++ scaler = StandardScaler() ++ X = scaler.fit_transform(X)"; DeepFD
    ground truth "(1) Activation (2) Learning rate (3) Missing Preprocess".
  Changes to express it: the 21 rows regenerated with the file's exact row counts (11 x (65,66,67,0), 2
    x (65,66,70,0), 1 x (68,69,67,1), 7 x (68,69,70,1)); the 33 % test split used as validation data; 60
    epochs instead of 150. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so39525358",
  description =
    "raw features 65..70, relu 12-3, sigmoid, adam, batch 1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for _, r in ipairs { { 11, 65, 66, 67, 0 }, { 2, 65, 66, 70, 0 }, { 1, 68, 69, 67, 1 }, { 7, 68, 69,
      70, 1 } } do
      for _ = 1, r[1] do xs[#xs + 1], ys[#ys + 1] = { r[2], r[3], r[4] }, r[5] end
    end
    local train, val = K.dataset(xs, ys):split(0.33, { seed = run.seed })
    local model = K.keras { 3, { 12, "relu", "uniform" }, { 3, "relu", "uniform" }, { 1, "sigmoid",
      "uniform" } }
    K.fit(run, model, K.optimizer(model, "adam"), train, val, { "bce", keras = true }, 1, 60)
  end,
}
