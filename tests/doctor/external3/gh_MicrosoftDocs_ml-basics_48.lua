--[[ tests/doctor/external3/gh_MicrosoftDocs_ml-basics_48.lua — external case (broken):
  ml-basics' penguin classifier 4-10-10-3 with a softmax output layer under nn.CrossEntropyLoss

  Source: https://github.com/MicrosoftDocs/ml-basics/issues/48 ("The torch deep learning model should not
    use softmax last layer + CrossEntropyLoss"); found with the `search` tool (corpus "issues"). The program
    is the repository's "05a - Deep Neural Networks (PyTorch).ipynb" before the fix, commit 47f3830501c3
    "Updated PyTorch" (2021-09-14, the day of the maintainer's reply; read with git in the fetched
    repository), and its data/penguins.csv (copied to data/penguins.csv).
  Setup: penguins.csv without the rows with a missing value (342), FlipperLength / 10, BodyMass / 100,
    the table appended to itself twice (1368 rows); train_test_split(test_size=0.30, random_state=0);
    DataLoader batch_size 20, shuffle=False; PenguinNet: Linear(4, 10), relu, Linear(10, 10), relu,
    Linear(10, 3), torch.softmax(dim=1); nn.CrossEntropyLoss(); Adam(lr=0.001); 50 epochs, the test set
    evaluated after each.
  Observed by the source: the issue: "Torch CrossEntropyLoss expects logits instead of normalized
    probabilities." (no curve is given: the notebook's stored outputs are empty).
  Accepted cause: the maintainer's answer "Thanks - fixed" and the fix in commit 47f3830 ("- x =
    torch.softmax(self.fc3(x),dim=1) + x = torch.relu(self.fc3(x))"): the softmax output layer fed to
    CrossEntropyLoss (which applies its own log-softmax).
  Changes to express it: none to the model, loss, optimizer, batch, epochs or data preparation; the 70/30
    split is gglab's shuffled split with seed 0 (other rows than sklearn's random_state=0, the same sizes
    957 / 411); torch.manual_seed(0) -> the sweep's seeds (PyTorch's default Linear init is gglab's). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local F = dofile(HERE .. "/_forum3.lua")

return gg.experiment {
  name = "gh_MicrosoftDocs_ml-basics_48",
  description = "penguins MLP 4-10-10-3, softmax output + cross_entropy, Adam lr 0.001, batch 20, 50 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = F.penguins()
    local model = gg.nn.sequential {
      gg.nn.linear(4, 10), gg.nn.relu(), gg.nn.linear(10, 10), gg.nn.relu(), gg.nn.linear(10, 3),
      gg.nn.softmax(1),
    }
    gg.train { model = model, optimizer = gg.optim.adam(model, { lr = 0.001 }), data = train, val = test,
      loss = "cross_entropy", batch_size = 20, epochs = 50, shuffle = false, log = run }
    run:summary { val_acc = gg.accuracy(model, test) }
  end,
}
