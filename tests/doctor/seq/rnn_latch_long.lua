--[[ tests/doctor/seq/rnn_latch_long.lua — sequence case (broken):
  vanilla tanh RNN on a 50-step latch: the dependency is too long to learn.

  Regime: Bengio, Simard & Frasconi 1994 ("Learning long-term dependencies with gradient descent is
    difficult"), Hochreiter & Schmidhuber 1997 (LSTM): a vanilla RNN's gradient over 50 steps vanishes
    (or explodes, Pascanu et al. 2013), so it does not learn the latch in a short budget; an LSTM does.
  Setup: the latch task, L = 50; gg.nn.rnn (tanh) hidden 16; Adam lr 3e-3, batch 32, 300 steps, no
    clipping.
  Expected cause: vanilla_rnn_memory (fix: LSTM). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "rnn_latch_long",
  description = "vanilla RNN, latch L=50, Adam lr 3e-3",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local r = gg.rng(run.seed)
    local train, val = C.latch(1600, 50, r), C.latch(500, 50, r)
    local model = C.recurrent("rnn", 50, 16, run.seed)
    C.fit_rnn(run, model, gg.optim.adam(model, { lr = 3e-3 }), train, val, { epochs = 6 })
  end,
}
