--[[ tests/doctor/external3/pt_96648.lua — external case (broken):
  Linear(1, 50) relu Linear(1) fitting y = x^3 on raw x = 1..3999, Adam 1e-3, full batch, 1000 epochs

  Source: https://discuss.pytorch.org/t/neural-network-could-not-learn-on-this-type-of-data-why/96648
    ("Neural network could not learn on this type of data, why?"); found with the `search` tool (corpus
    "pages"), which stores only the fifth post of the topic (the answer by ptrblck, a PyTorch
    maintainer), not the question.
  Setup: the answer's program "using your initial dataset": input = 1..3999 as floats (one column),
    target = input^3; Network: Linear(1, 50), relu, Linear(50, 1); Adam(lr=1e-3); nn.MSELoss(); 1000
    full-batch steps.
  Observed by the source: the topic's title, "Neural network could not learn on this type of data" (the
    question itself is not stored).
  Accepted cause: the answer: "You could normalize the input (which is usually done anyway) and also
    normalize the target to train the model. After the training you could unnormalize the predictions
    ... Here is a code snippet using your initial dataset, which can successfully learn the data using
    this approach" (the snippet subtracts the mean and divides by the std of both input and target).
  Changes to express it: the question's program is not stored, so the broken case is the answer's program
    with its two normalisation steps left out (the raw input 1..3999 and the raw target up to 6.4e10);
    nothing else changed (PyTorch's default Linear init is gglab's). ]]
local gg = require "gglab"

return gg.experiment {
  name = "pt_96648",
  description = "MLP 1-50-1 relu, y = x^3 on raw x = 1..3999 (y to 6.4e10), Adam 1e-3, full batch, 1000 ep",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 1, 3999 do xs[i], ys[i] = { i }, { i ^ 3 } end
    local data = gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
    local model = gg.nn.sequential { gg.nn.linear(1, 50), gg.nn.relu(), gg.nn.linear(50, 1) }
    gg.train { model = model, optimizer = gg.optim.adam(model, { lr = 1e-3 }), data = data, loss = "mse",
      batch_size = 3999, epochs = 1000, shuffle = false, log = run, log_every = 10 }
  end,
}
