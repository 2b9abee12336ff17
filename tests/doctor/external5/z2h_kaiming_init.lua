--[[ tests/doctor/external5/z2h_kaiming_init.lua — external case (healthy):
  Zero to Hero, makemore part 3: "kaiming init" W1 * (5/3)/sqrt(30), b1 * 0.01, W2 * 0.01, b2 * 0

  Source: https://github.com/karpathy/nn-zero-to-hero/blob/73c3fcc7/lectures/makemore/makemore_part3_bn.ipynb
    https://www.youtube.com/watch?v=P6sfmUTpUmc ("Building makemore Part 3: Activations & Gradients,
    BatchNorm")
  Setup: z2h_init_original.lua's program with the lecture's third initialisation (the notebook's own
    line): W1 = torch.randn((30, 200)) * (5/3)/((n_embd * block_size)**0.5) (std 0.304, the tanh gain
    over sqrt(fan_in)), b1 = torch.randn(200) * 0.01, W2 = torch.randn((200, 27)) * 0.01, b2 = 0.
  Observed by the source: the loss log: "use semi-principled "kaiming init" instead of hacky init:
    train 2.0376641750335693 val 2.106989622116089" (against "original: train 2.1245384216308594 val
    2.168196439743042").
  Accepted cause: none: the lecture's principled replacement of the two hand-tuned fixes of
    z2h_tanh_saturated_fixed.lua — the program has no fault.
  Changes to express it: those of z2h_init_original.lua (the data subset, 1786 steps, per-epoch
    reshuffling, the run's seed). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local H = dofile(HERE .. "/_handson.lua")

return gg.experiment {
  name = "z2h_kaiming_init",
  description = "healthy: makemore MLP 30-200(tanh)-27, W1 * (5/3)/sqrt(30), b1, W2 * 0.01, SGD lr 0.1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    H.makemore_train(run, H.makemore_mlp((5 / 3) / math.sqrt(30), 0.01, 0.01, 0))
  end,
}
