--[[ tests/doctor/external/so50481178.lua — external case (healthy):
  a deep relu binary classifier the benchmarks found healthy

  Source: https://stackoverflow.com/questions/50481178 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/50481178/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 30.
  DeepFD labels this program "origin (Performance becomes worse after repair)": it is healthy as
    written; DeepLocalize's own numbers agree (accuracy 0.994 before its patch, 0.996 after).
  Setup: make_multilabel_classification(n_samples=1000, n_features=4, n_classes=1) -> one binary label;
    80/20 split, validation_split 0.1; Dense(10) relu, Dense(20), Dense(30), Dense(40), Dense(50) relu,
    Dense(1) sigmoid; loss binary_crossentropy; adam; batch 10; 50 epochs.
  Observed by the source: loss 0.0201, accuracy 0.9944 (DeepLocalize's table).
  Accepted cause: DeepFD ground truth "origin (Performance becomes worse after repair)" — no fault.
  Changes to express it: make_multilabel_classification -> gg.data.classification (1000 rows, 4
    features, 2 classes, separation 3); the last 10 % of the 800 training rows as validation data
    (Keras's validation_split); 50 epochs kept. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so50481178",
  description =
    "healthy: relu 10-20-30-40-50, sigmoid, binary_crossentropy, adam",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local ds = gg.data.classification { n = 1000, features = 4, classes = 2, seed = run.seed }
    local xs, ys = K.rows(ds)
    local t = {}
    for i, y in ipairs(ys) do t[i] = y[1] end
    local train = K.dataset(xs, t):split(0.2, { seed = run.seed })
    local fit, val = train:split(0.1, { shuffle = false })
    local model = K.keras { 4, { 10, "relu" }, { 20, "relu" }, { 30, "relu" }, { 40, "relu" }, { 50,
      "relu" }, { 1, "sigmoid" } }
    K.fit(run, model, K.optimizer(model, "adam"), fit, val, { "bce", keras = true }, 10, 50)
  end,
}
