--[[ tests/doctor/external/so31880720.lua — external case (broken):
  softmax on the one-unit output of a binary classifier

  Source: https://stackoverflow.com/questions/31880720 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/31880720/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 10.
  Setup: X_train: 10^4 rows of 128 ones (label True) and 10^4 rows of 128 zeros (False); test 100 + 100
    rows; Dense(50) relu, relu, Dropout 0.2, Dense(50) relu, Dropout 0.2, Dense(1) softmax; RMSprop
    (Keras defaults); loss binary_crossentropy; batch 1; 3 epochs; the test rows as validation data.
  Observed by the source: loss 7.6666, accuracy 0.5 (DeepLocalize's table); after the fix loss 2.3e-7,
    accuracy 1.
  Accepted cause: benchmark patch "-- model.add(Dense(1,activation='softmax')) ++
    model.add(Dense(1,activation='sigmoid'))"; DeepFD ground truth "(1) Activation (2) Epoch". A softmax
    over one unit is the constant 1.
  Changes to express it: 500 + 500 training rows instead of 10^4 + 10^4 (3 epochs of batch 1 kept: 3000
    steps); the doubled relu (Dense(activation='relu') then Activation('relu')) kept as one relu (relu
    twice is relu). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so31880720",
  description =
    "Dense(1, softmax) + binary_crossentropy on all-ones vs all-zeros rows",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local function rows(n)
      local xs, ys = {}, {}
      for i = 1, 2 * n do
        local v = i <= n and 1 or 0
        local r = {}
        for j = 1, 128 do r[j] = v end
        xs[i], ys[i] = r, v
      end
      return K.dataset(xs, ys)
    end
    local model = K.keras { 128, { 50, "relu" }, { 50, "relu" }, { 1, "softmax" }, dropout = { 0.2, 0.2 } }
    K.fit(run, model, K.optimizer(model, "rmsprop"), rows(500), rows(100), { "bce", keras = true }, 1, 3)
  end,
}
