--[[ tests/doctor/external/so33969059.lua — external case (broken):
  softmax on the one-unit output of a regression

  Source: https://stackoverflow.com/questions/33969059 ; benchmark programs
    Wardat-ISU/DeepLocalize@297bc344 Benchmark/StackOverflow/33969059/ (Buggy / Correct); DeepFD
    (ArabelaTso/DeepFD@9fe08951 Benchmark/Benchmark-with-patches.xlsx) row 7.
  Setup: 3 features x ~ U(0, 10000), y = 2 x1 + x2 + 0.5 x3 + 2.2; 100000 training rows, 10000 test rows
    (test bias jittered by 0.4 U(-1.5, -0.5)); Dense(3, init='uniform') tanh, Dropout 0.5, Dense(2,
    init='uniform') tanh, Dropout 0.5, Dense(1, init='uniform') softmax; SGD lr 0.1, momentum 0.9,
    nesterov, decay 1e-6; loss mse; batch 32; 20 epochs.
  Observed by the source: loss 72181941 (DeepLocalize's table); 9766327 after the fix (DeepFD: "No fix
    can help": the unscaled targets stay).
  Accepted cause: benchmark patch "-- model.add(Dense(1, init='uniform', activation='softmax')) ++
    model.add(Dense(1, init='uniform', activation='linear'))"; DeepFD ground truth "(1) Activation". A
    softmax over one unit is the constant 1.
  Changes to express it: 1000 training rows and 300 test rows (as validation data) instead of 100000 /
    10000; 20 epochs kept. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "so33969059",
  description =
    "Dense(1, softmax) output on a linear regression (tanh 3-2-1, SGD momentum)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local function rows(n, jitter)
      local xs, ys = {}, {}
      for i = 1, n do
        local a, b, c = rng:uniform() * 10000, rng:uniform() * 10000, rng:uniform() * 10000
        xs[i], ys[i] = { a, b, c }, 2 * a + b + 0.5 * c + 2.2 + jitter * (rng:uniform() - 1.5)
      end
      return K.dataset(xs, ys)
    end
    local train, val = rows(1000, 0), rows(300, 0.4)
    local model = K.keras { 3, { 3, "tanh", "uniform" }, { 2, "tanh", "uniform" }, { 1, "softmax",
      "uniform" },
      dropout = { 0.5, 0.5 } }
    local opt = K.optimizer(model, "sgd", { lr = 0.1, momentum = 0.9, nesterov = true })
    K.fit(run, model, opt, train, val, "mse", 32, 20)
  end,
}
