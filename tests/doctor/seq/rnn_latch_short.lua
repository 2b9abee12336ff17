--[[ tests/doctor/seq/rnn_latch_short.lua — sequence case (healthy):
  vanilla tanh RNN on a 10-step latch, SGD lr 1 with clip_norm 1.

  Regime: Pascanu et al. 2013 (arXiv:1211.5063); experiments/rnn_exploding.lua measured 20/20 runs
    learning L = 10 at lr <= 1 (validation 100 %).
  Setup: the latch task, L = 10; gg.nn.rnn (tanh) hidden 16; SGD lr 1, clip_norm 1, batch 32, 300 steps.
  Expected: no problem. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "rnn_latch_short",
  description = "vanilla RNN, latch L=10, SGD lr 1, clip_norm 1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local r = gg.rng(run.seed)
    local train, val = C.latch(1600, 10, r), C.latch(500, 10, r)
    local model = C.recurrent("rnn", 10, 16, run.seed)
    C.fit_rnn(run, model, gg.optim.sgd(model, { lr = 1 }), train, val, { epochs = 6, clip_norm = 1 })
  end,
}
