--[[ tests/doctor/external/so52800582_fixed.lua — external case (healthy):
  the Correct program of so52800582: x and y standardised, relu

  Source: https://stackoverflow.com/questions/52800582 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/52800582/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 17.
  The benchmark's Correct program: StandardScaler on x and on y, the sigmoid layer replaced by relu.
  Setup: x = -100, -99.5, ..., 99.5 (400 rows), y = x^4 (0 .. 1e8); Dense(50) sigmoid -> Dense(50) elu
    -> Dense(1); adam; loss mse; batch 400 (full); 1000 epochs (repeated up to 100 times).
  Observed by the source: loss 11112 (DeepLocalize's table; the question: the fit "converges to
    inaccurate lines"); after the fix 9.3e-5.
  Accepted cause: benchmark patch "++ x = x_scaler.fit_transform(x[:, None]) ++ y =
    y_scaler.fit_transform(y[:, None])" (StandardScaler on both) and sigmoid -> relu; DeepFD ground
    truth "(1) Missing Preprocess". The accepted answer: "the problem is that your input and output
    variables have too large values and hence are not compatible with the (initial) weights of the
    network" (inputs saturate the sigmoid; outputs ~1e8 need huge weights).
  Changes to express it: 60 epochs (60 full-batch steps) instead of 1000 x 100. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so52800582_fixed",
  description =
    "fixed program: y = x^4 with x and y standardised, relu 50 - elu 50 - linear, adam, full batch",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 0, 399 do
      local x = -100 + i / 2
      xs[#xs + 1], ys[#ys + 1] = { x }, x ^ 4
    end
    local mx, my, sx, sy = 0, 0, 0, 0
    for i = 1, 400 do mx, my = mx + xs[i][1] / 400, my + ys[i] / 400 end
    for i = 1, 400 do sx, sy = sx + (xs[i][1] - mx) ^ 2 / 400, sy + (ys[i] - my) ^ 2 / 400 end
    for i = 1, 400 do xs[i][1], ys[i] = (xs[i][1] - mx) / math.sqrt(sx), (ys[i] - my) / math.sqrt(sy) end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 50, "relu" }, { 50, "elu" }, { 1 } }
    K.fit(run, model, K.optimizer(model, "adam"), data, nil, "mse", 400, 60)
  end,
}
