--[[ tests/doctor/external/so38648195.lua — external case (broken):
  softmax + MSE for a multi-label problem

  Source: https://stackoverflow.com/questions/38648195 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/38648195/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 6.
  Setup: sklearn make_multilabel_classification(n_samples=60000, n_features=20, n_classes=3); 80/20
    split; Dense(20) relu, Dropout 0.5, Dense(20) relu, Dropout 0.5, Dense(3) softmax; loss
    mean_squared_error; optimizer 'sgd' (lr 0.01); batch 20; 20 epochs; the 20 % as validation data.
  Observed by the source: loss 0.2178, accuracy 0.628 (DeepLocalize's table); after the fix (sigmoid +
    binary_crossentropy) loss 0.46, accuracy 0.76.
  Accepted cause: benchmark patch "-- model.add(Activation('softmax')) ++
    model.add(Activation('sigmoid')) -- loss='mean_squared_error' ++ loss='binary_crossentropy'"; DeepFD
    ground truth "(1) Activation (2) Loss (3) Epoch". The labels are not exclusive, so a softmax cannot
    fit them.
  Changes to express it: make_multilabel_classification (bag-of-words counts) -> 20 standard-normal
    features and 3 labels, each 1 when its own random linear score is > 0.3 (independent, not
    exclusive); 1250 rows instead of 60000. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so38648195",
  description =
    "softmax output + mse on 3 independent binary labels (relu 20-20, dropout)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local w = {}
    for k = 1, 3 do w[k] = {} for j = 1, 20 do w[k][j] = rng:normal() end end
    local xs, ys = {}, {}
    for i = 1, 1250 do
      local x, y = {}, {}
      for j = 1, 20 do x[j] = rng:normal() end
      for k = 1, 3 do
        local s = 0
        for j = 1, 20 do s = s + w[k][j] * x[j] end
        y[k] = s / math.sqrt(20) > 0.3 and 1 or 0
      end
      xs[i], ys[i] = x, y
    end
    local train, val = K.dataset(xs, ys):split(0.2, { seed = run.seed })
    local model = K.keras { 20, { 20, "relu" }, { 20, "relu" }, { 3, "softmax" }, dropout = { 0.5, 0.5 } }
    K.fit(run, model, K.optimizer(model, "sgd"), train, val, "mse", 20, 20)
  end,
}
