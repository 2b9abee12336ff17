--[[ tests/doctor/external5/z2h_tanh_saturated.lua — external case (broken):
  Zero to Hero, makemore part 3 after the first fix: small output weights, hidden weights still N(0, 1)

  Source: https://github.com/karpathy/nn-zero-to-hero/blob/73c3fcc7/lectures/makemore/makemore_part3_bn.ipynb
    https://www.youtube.com/watch?v=P6sfmUTpUmc ("Building makemore Part 3: Activations & Gradients,
    BatchNorm")
  Setup: z2h_init_original.lua's program with the lecture's first fix: W2 = torch.randn((200, 27)) *
    0.01, b2 = torch.randn(27) * 0 (the notebook's lines); W1 = torch.randn((30, 200)) and b1 =
    torch.randn(200) unchanged.
  Observed by the source: the loss log: "fix softmax confidently wrong: train 2.07 val 2.13"; in the
    lecture the first loss is now about 3.3, but the histogram of h = tanh(hpreact) has most values at
    -1 and +1 and some hidden units are saturated on every example of the batch ("dead neurons" that
    never learn).
  Accepted cause: the loss log's next entry: "fix tanh layer too saturated at init" (W1 * 0.2, b1 *
    0.01; "train 2.0355966091156006 val 2.1026785373687744"), later replaced by "use semi-principled
    "kaiming init" instead of hacky init" (W1 * (5/3)/sqrt(30), the notebook's line).
  Changes to express it: those of z2h_init_original.lua (the data subset, 1786 steps, per-epoch
    reshuffling, the run's seed). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local H = dofile(HERE .. "/_handson.lua")

return gg.experiment {
  name = "z2h_tanh_saturated",
  description = "makemore MLP 30-200(tanh)-27, W1 b1 ~ N(0, 1), W2 * 0.01, b2 = 0, SGD lr 0.1, 2 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    H.makemore_train(run, H.makemore_mlp(1, 1, 0.01, 0))
  end,
}
