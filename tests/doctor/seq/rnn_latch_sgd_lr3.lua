--[[ tests/doctor/seq/rnn_latch_sgd_lr3.lua — sequence case (broken):
  vanilla tanh RNN on a 30-step latch with plain SGD lr 3 and no clipping.

  Regime: Pascanu, Mikolov & Bengio 2013 ("On the difficulty of training recurrent neural networks",
    arXiv:1211.5063): exploding gradients of a vanilla RNN; gradient-norm clipping is the cure. This
    repo's experiments/rnn_exploding.lua measured that at lr 3 the vanilla RNN blows up within 2-6 steps
    and stays at 7.7-27 nats in 8/10 runs without clipping, while clip_norm 1 rescues 9/10.
  Setup: the latch task, L = 30, 1600 training and 500 validation sequences; gg.nn.rnn (tanh) hidden 16,
    last state -> Linear(16, 2); SGD lr 3, batch 32, 6 epochs (300 steps), no clipping.
  Expected cause: rnn_exploding_gradients (fix: clipping); lr_too_high is also right. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "rnn_latch_sgd_lr3",
  description = "vanilla RNN, latch L=30, SGD lr 3, no clipping",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local r = gg.rng(run.seed)
    local train, val = C.latch(1600, 30, r), C.latch(500, 30, r)
    local model = C.recurrent("rnn", 30, 16, run.seed)
    C.fit_rnn(run, model, gg.optim.sgd(model, { lr = 3 }), train, val, { epochs = 6 })
  end,
}
