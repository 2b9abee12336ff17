--[[ tests/doctor/external2/so5105718.lua — external case (broken):
  a sigmoid output unit asked for sin(...) values in [-1, 1]

  Source: https://stackoverflow.com/questions/5105718 ("Multi-layer neural network won't predict negative
    values"); found with the `search` tool (corpus "pages").
  Setup: a hand-written multilayer perceptron: "The vectors consist of four -1,0,1's chosen at random and
    a bias set to 1. The network should predict the sin of sum of the vectors contents"; "5 inputs, 6
    hidden units in 1 hidden layer and 1 output. I am using a sigmoid function on the activations hidden
    and output layers", learning rate 0.1, weights "updated after every epoch" (full-batch gradient
    descent); the loss and the number of epochs are not stated.
  Observed by the source: "the network will never predict a negative value and many of the vectors' sin
    values are negative. It predicts all positive or zero outputs perfectly."
  Accepted cause: accepted answer: "I'd rescale your problem domain to the [0,1] domain instead of [-1,1].
    If you take a look at the logistic function graph: It generates values between [0,1]. I do not expect
    it to produce negative results. ... Another option is the hyperbolic tangent, which goes from [-1,+1]"
    (asker: "Thanks a lot, that does make sense!").
  Changes to express it: 400 random vectors of four values in {-1, 0, 1} plus the constant 1 input; the
    layers have no bias of their own (the constant input is the hidden layer's bias, as in the question;
    the output unit gets none); the unstated loss is the squared error (MSE, mean over the rows) and the
    unstated initialisation gglab's glorot_uniform; full-batch SGD lr 0.1 for 3000 epochs (not stated). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "so5105718",
  description =
    "5-6-1 sigmoid MLP (sigmoid output) fitting sin(sum of four -1/0/1 values), full-batch SGD lr 0.1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for i = 1, 400 do
      local row, s = {}, 0
      for j = 1, 4 do row[j] = math.floor(rng:uniform() * 3) - 1; s = s + row[j] end
      row[5] = 1
      xs[i], ys[i] = row, math.sin(s)
    end
    local data = K.dataset(xs, ys)
    local nobias = { init = "glorot_uniform", bias = false }
    local model = gg.nn.sequential { gg.nn.linear(5, 6, nobias), gg.nn.sigmoid(),
      gg.nn.linear(6, 1, nobias), gg.nn.sigmoid() }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.1 }), loss = "mse",
      batch_size = data:n(), epochs = 3000, shuffle = false, log = run, log_every = 10 }
  end,
}
