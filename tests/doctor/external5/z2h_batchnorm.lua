--[[ tests/doctor/external5/z2h_batchnorm.lua — external case (healthy):
  Zero to Hero, makemore part 3: kaiming-initialised W1 followed by a batch norm before the tanh

  Source: https://github.com/karpathy/nn-zero-to-hero/blob/73c3fcc7/lectures/makemore/makemore_part3_bn.ipynb
    https://www.youtube.com/watch?v=P6sfmUTpUmc ("Building makemore Part 3: Activations & Gradients,
    BatchNorm")
  Setup: the notebook's training cell as stored: W1 = torch.randn((30, 200)) * (5/3)/((n_embd *
    block_size)**0.5) and no b1; hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias (bngain =
    ones, bnbias = zeros, batch statistics; bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani,
    the same for the std); h = torch.tanh(hpreact); W2 = torch.randn((200, 27)) * 0.01, b2 = 0; the
    dev loss uses the running statistics.
  Observed by the source: the stored output: "0/ 200000: 3.3239" ... "190000/ 200000: 2.1707",
    "train 2.0674145221710205 val 2.1056840419769287"; the loss log: "add batch norm layer: train
    2.0668270587921143 val 2.104844808578491".
  Accepted cause: none: the lecture's last step (batch normalisation of the hidden pre-activations
    after the initialisation fixes) — the program has no fault.
  Changes to express it: those of z2h_init_original.lua (the data subset, 1786 steps, per-epoch
    reshuffling, the run's seed); gglab's batchnorm1d(200, {momentum = 0.001}) divides by sqrt(biased
    variance + 1e-5) instead of the unbiased std and keeps a running variance instead of a running std. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local H = dofile(HERE .. "/_handson.lua")

return gg.experiment {
  name = "z2h_batchnorm",
  description = "healthy: makemore MLP 30-200, batch norm before the tanh, kaiming W1, W2 * 0.01, SGD lr 0.1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    H.makemore_train(run, H.makemore_bn_mlp())
  end,
}
