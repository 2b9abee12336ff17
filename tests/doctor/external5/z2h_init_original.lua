--[[ tests/doctor/external5/z2h_init_original.lua — external case (broken):
  Zero to Hero, makemore part 3 "original": the MLP with every weight and bias drawn randn (N(0, 1))

  Source: https://github.com/karpathy/nn-zero-to-hero/blob/73c3fcc7/lectures/makemore/makemore_part3_bn.ipynb
    https://www.youtube.com/watch?v=P6sfmUTpUmc ("Building makemore Part 3: Activations & Gradients,
    BatchNorm"; the program it starts from is makemore_part2_mlp.ipynb's in the same folder)
  Setup: part 2's final program ("now made respectable"): names.txt (32,033 names) shuffled with
    random.seed(42), 80 % training; block_size = 3; C = torch.randn((27, 10)); W1 = torch.randn((30,
    200)); b1 = torch.randn(200); W2 = torch.randn((200, 27)); b2 = torch.randn(27); h =
    torch.tanh(emb.view(-1, 30) @ W1 + b1); logits = h @ W2 + b2; loss = F.cross_entropy(logits, Y);
    200,000 steps on minibatches of 32 rows (torch.randint); p.data += -lr * p.grad, lr = 0.1 (0.01 after
    step 100,000).
  Observed by the source: part 3's "loss log": "original: train 2.1245384216308594 val 2.168196439743042";
    in the lecture the loss of the first step is about 27 where a uniform guess over the 27 characters
    gives -ln(1/27) = 3.29, and the loss curve is a "hockey stick" (the first steps only squash the
    logits).
  Accepted cause: the loss log's next two entries, the lecture's two fixes: "fix softmax confidently
    wrong" (W2 * 0.01, b2 * 0: logits near 0 at init; "train 2.07 val 2.13") and "fix tanh layer too
    saturated at init" (W1 * 0.2, b1 * 0.01: the hidden pre-activations were so large that most tanh
    outputs sat at +-1; "train 2.0355966091156006 val 2.1026785373687744").
  Changes to express it: names.txt -> data/makemore_names.csv, the first 4000 training names and the
    first 500 dev names of the same random.seed(42) shuffle (28,563 and 3,540 rows, README_handson.md);
    200,000 steps -> 2 epochs of 893 steps (1786) at lr 0.1 (the speed limit; the decay at step
    100,000 is never reached); minibatches drawn with replacement -> a reshuffled pass per epoch; the
    dev loss after each epoch (the source evaluates at the end); C is gg.nn.embedding's N(0, 1); the
    draws come from the run's seed (not torch's generator 2147483647). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local H = dofile(HERE .. "/_handson.lua")

return gg.experiment {
  name = "z2h_init_original",
  description = "makemore MLP 30-200(tanh)-27, W1 b1 W2 b2 ~ N(0, 1), SGD lr 0.1, batch 32, 2 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    H.makemore_train(run, H.makemore_mlp(1, 1, 1, 1))
  end,
}
