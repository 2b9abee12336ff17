--[[ tests/doctor/external/so44066044_fixed.lua — external case (healthy):
  the Correct program of so44066044: scaled fields and a sigmoid output

  Source: https://stackoverflow.com/questions/44066044 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/44066044/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 23.
  The benchmark's Correct program: preprocessing.scale(X) (standardised on all rows) and Dense(1,
    sigmoid).
  Setup: NetworkPackets.csv: 11 raw fields (source/destination IP as 32-bit integers ~3.23e9, protocol,
    TTL, window 8192-525568, port 502-56783, flags, ...) and a binary label; Dense(12, init='normal')
    relu -> Dense(12, init='normal') relu -> Dense(1, init='normal') relu; loss binary_crossentropy;
    Adam; batch 5; 100 epochs; no validation data.
  Observed by the source: loss 9.55, accuracy 0.381 (DeepLocalize's table); after the fix loss 0.0147,
    accuracy 1.
  Accepted cause: benchmark patch "++ X = preprocessing.scale(X)" and the output Dense(1, relu) ->
    Dense(1, sigmoid); DeepFD ground truth "(1) Missing Preprocess" (DeepFD: "only changing activation
    value will not affect the result ... this one is about preprocessing problem").
  Changes to express it: the 21-row file -> 300 generated rows with the same columns and ranges (see
    so44066044.lua), standardised on all rows as preprocessing.scale does; 60 epochs instead of 100. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so44066044_fixed",
  description =
    "fixed program: standardised packet fields, relu 12-12, sigmoid output + binary_crossentropy",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for i = 1, 300 do
      local port = 502 + rng:uniform() * 56281
      xs[i] = { 3232235772 + rng:integer(9), 3232235779, 6, 128, 8192 + rng:uniform() * 517376, port,
        rng:integer(13) - 1, rng:integer(65281) - 1, rng:integer(7) - 1, 0, rng:integer(208) - 1 }
      ys[i] = port < 30000 and 1 or 0
    end
    local data = K.standardise(K.dataset(xs, ys))
    local model = K.keras { 11, { 12, "relu", "normal" }, { 12, "relu", "normal" }, { 1, "sigmoid",
      "normal" } }
    K.fit(run, model, K.optimizer(model, "adam"), data, nil, { "bce", keras = true }, 5, 60)
  end,
}
