--[[ tests/doctor/external3/pt_96648_fixed.lua — external case (healthy):
  Linear(1, 50) relu Linear(1) fitting y = x^3, x = 1..3999, input and target standardised (the answer)

  Source: https://discuss.pytorch.org/t/neural-network-could-not-learn-on-this-type-of-data-why/96648
    ("Neural network could not learn on this type of data, why?"); found with the `search` tool (corpus
    "pages"), which stores only the fifth post of the topic (the answer by ptrblck, a PyTorch
    maintainer), not the question.
  Setup: the answer's program: input = 1..3999 as floats (one column), target = input^3; input_mean =
    torch.mean(input), input_std = torch.std(input) (unbiased), input = (input - mean) / std; the target
    standardised the same way with its own mean and std; Network: Linear(1, 50), relu, Linear(50, 1);
    Adam(lr=1e-3); nn.MSELoss() on the standardised target; 1000 full-batch steps.
  Observed by the source: the answer: "Here is a code snippet using your initial dataset, which can
    successfully learn the data using this approach".
  Accepted cause: the answer: "You could normalize the input (which is usually done anyway) and also
    normalize the target to train the model." (the fixed program: nothing is wrong with it).
  Changes to express it: none (PyTorch's default Linear init is gglab's; the means and stds computed in
    double). ]]
local gg = require "gglab"

local function standardise(v)
  local n, s = #v, 0
  for i = 1, n do s = s + v[i] end
  local mean, ss = s / n, 0
  for i = 1, n do ss = ss + (v[i] - mean) ^ 2 end
  local std = math.sqrt(ss / (n - 1))
  local out = {}
  for i = 1, n do out[i] = { (v[i] - mean) / std } end
  return out
end

return gg.experiment {
  name = "pt_96648_fixed",
  description = "MLP 1-50-1 relu, y = x^3 on x = 1..3999, x, y standardised, Adam 1e-3, full batch, 1000 ep",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local x, y = {}, {}
    for i = 1, 3999 do x[i], y[i] = i, i ^ 3 end
    local data = gg.data.from_tensors(gg.tensor(standardise(x)), gg.tensor(standardise(y)))
    local model = gg.nn.sequential { gg.nn.linear(1, 50), gg.nn.relu(), gg.nn.linear(50, 1) }
    gg.train { model = model, optimizer = gg.optim.adam(model, { lr = 1e-3 }), data = data, loss = "mse",
      batch_size = 3999, epochs = 1000, shuffle = false, log = run, log_every = 10 }
  end,
}
