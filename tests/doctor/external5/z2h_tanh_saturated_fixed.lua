--[[ tests/doctor/external5/z2h_tanh_saturated_fixed.lua — external case (healthy):
  Zero to Hero, makemore part 3 after both fixes: W1 * 0.2, b1 * 0.01, W2 * 0.01, b2 * 0

  Source: https://github.com/karpathy/nn-zero-to-hero/blob/73c3fcc7/lectures/makemore/makemore_part3_bn.ipynb
    https://www.youtube.com/watch?v=P6sfmUTpUmc ("Building makemore Part 3: Activations & Gradients,
    BatchNorm")
  Setup: z2h_init_original.lua's program with the lecture's two fixes: W1 = torch.randn((30, 200)) *
    0.2, b1 = torch.randn(200) * 0.01, W2 = torch.randn((200, 27)) * 0.01, b2 = torch.randn(27) * 0.
  Observed by the source: the loss log: "fix tanh layer too saturated at init: train 2.0355966091156006
    val 2.1026785373687744" (the lowest of the log's entries); in the lecture the first loss is about
    3.3 and the tanh histogram has few values near +-1.
  Accepted cause: none: the lecture's fixed initialisation (later replaced by the equivalent "kaiming
    init", W1 * (5/3)/sqrt(30) = 0.30, "train 2.0376641750335693 val 2.106989622116089") — the program
    has no fault.
  Changes to express it: those of z2h_init_original.lua (the data subset, 1786 steps, per-epoch
    reshuffling, the run's seed). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local H = dofile(HERE .. "/_handson.lua")

return gg.experiment {
  name = "z2h_tanh_saturated_fixed",
  description = "healthy: makemore MLP 30-200(tanh)-27, W1 * 0.2, b1 * 0.01, W2 * 0.01, b2 = 0, SGD lr 0.1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    H.makemore_train(run, H.makemore_mlp(0.2, 0.01, 0.01, 0))
  end,
}
