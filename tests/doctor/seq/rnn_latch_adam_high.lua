--[[ tests/doctor/seq/rnn_latch_adam_high.lua — sequence case (broken):
  vanilla tanh RNN on a 30-step latch with Adam lr 0.1 and no clipping.

  Regime: Pascanu et al. 2013 (arXiv:1211.5063): a vanilla RNN crossing a bifurcation takes huge
    gradient steps; clipping bounds them.
  Setup: the latch task, L = 30; gg.nn.rnn (tanh) hidden 16; Adam lr 1e-1, batch 32, 300 steps, no
    clipping.
  Expected cause: rnn_exploding_gradients; lr_too_high is also right. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "rnn_latch_adam_high",
  description = "vanilla RNN, latch L=30, Adam lr 0.1, no clipping",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local r = gg.rng(run.seed)
    local train, val = C.latch(1600, 30, r), C.latch(500, 30, r)
    local model = C.recurrent("rnn", 30, 16, run.seed)
    C.fit_rnn(run, model, gg.optim.adam(model, { lr = 1e-1 }), train, val, { epochs = 6 })
  end,
}
