--[[ tests/doctor/external3/so9048031.lua — external case (broken):
  a hand-written 2-input sigmoid network with a sigmoid output unit asked for targets up to 1000

  Source: https://stackoverflow.com/questions/9048031 ("Neural Network output: scaling the output range");
    found with the `search` tool (corpus "pages").
  Setup: "The output layer of my neural network (3 layered) is using sigmoid as activation which outputs
    only in range [0-1]"; the training patterns: (0, 0) -> 0, (0, 1) -> 1000, (1000, 1) -> 1,
    (1, 1) -> 0; standard back propagation (the asker's link: per-pattern updates of a squared error);
    "My program works for AND, OR, XOR etc. As input output are all in binary." The hidden layer's size,
    the learning rate and the number of epochs are not stated.
  Observed by the source: the sigmoid output cannot produce the targets beyond 1; a scaled activation the
    asker was told to try "did not converge for the mentioned training pattern".
  Accepted cause: accepted answer: "if you have a regression problem, there is no need to apply additional
    functions on the output, and you can just take the raw linear combination output. The network will
    automatically learn the weights to give whatever output values you have (even in the thousands).
    What you should also be careful about is to scale the input features (by normalizing all features to
    the range [-1,1] for example)."
  Changes to express it: the unstated choices: 4 sigmoid hidden units with biases, gglab's default
    (PyTorch) initialisation, the squared error (MSE), per-pattern SGD (batch 1, shuffled) with lr 0.1 for
    2000 epochs (8000 updates). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "so9048031",
  description = "2-4-1 sigmoid MLP with a sigmoid output, targets 0/1000/1/0, raw inputs up to 1000, SGD",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = K.dataset({ { 0, 0 }, { 0, 1 }, { 1000, 1 }, { 1, 1 } }, { 0, 1000, 1, 0 })
    local model = gg.nn.sequential { gg.nn.linear(2, 4), gg.nn.sigmoid(), gg.nn.linear(4, 1),
      gg.nn.sigmoid() }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.1 }), loss = "mse",
      batch_size = 1, epochs = 2000, log = run, log_every = 4 }
  end,
}
