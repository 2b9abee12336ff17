--[[ tests/doctor/external2/cv286424.lua — external case (broken):
  a 784-15-10 sigmoid network whose weights and biases start in U(0, 1)

  Source: https://stats.stackexchange.com/questions/286424 ("Neural Network - Success after changing weights
    initialization strategy. What's the explanation?"); found with the `search` tool (corpus "pages").
  Setup: a hand-written network (Nielsen's book, Mazur's step-by-step backpropagation) on MNIST: "784
    inputs, 15 hidden neurons and 10 outputs. Hidden and output network values are passed through the
    sigmoid function. I'm using a learning rate of 0.5"; Mazur's total error 1/2 sum (target - out)^2 over
    the outputs, one sample per update; "I was initializing weights and biases to Math.random() (i.e. a
    random real number between 0 and 0.999....)".
  Observed by the source: "My network total error always converged to 0.5 or some value around that like
    0.47. No matter what I tried I could not lower the error".
  Accepted cause: the asker's own test, stated in the question: "some people initialized their weights and
    biases to a random number between -0.5 and 0.5. I tried that and presto! My network converged to zero
    error in just a few training iterations. I've run it several times so this is consistently happening
    now." — the all-positive U(0, 1) initialisation (the stored page has no answer beyond a comment
    linking CV 228670).
  Changes to express it: MNIST -> the 1797 8x8 digits, pixels / 16 (64 inputs instead of 784), one-hot
    targets, a 20 % split as validation data; Mazur's per-sample 1/2 sum over the 10 outputs becomes
    gglab's mse (mean over the 10 outputs) with lr 2.5, the same update as lr 0.5 on the 1/2-sum error;
    batch 1, 3 epochs (the source's epochs are not stated); weights and biases U(0, 1). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

local LO, HI = 0, 1   -- Math.random(): U(0, 1) weights and biases

return gg.experiment {
  name = "cv286424",
  description =
    "64-15-10 sigmoid net, weights and biases U(0, 1), per-sample squared error, lr 0.5",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local digits = assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" })
    local train, val = K.onehot(digits):split(0.2, { seed = run.seed })
    local init = { init = "uniform", a = LO, b = HI, bias_init = "uniform", bias_a = LO, bias_b = HI }
    local model = gg.nn.sequential { gg.nn.linear(64, 15, init), gg.nn.sigmoid(),
      gg.nn.linear(15, 10, init), gg.nn.sigmoid() }
    K.fit(run, model, K.optimizer(model, "sgd", { lr = 2.5 }), train, val, "mse", 1, 3, { log_every = 20 })
  end,
}
