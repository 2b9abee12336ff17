--[[ tests/doctor/seq/lstm_latch_short.lua — sequence case (healthy):
  LSTM on a 10-step latch with Adam.
  (Second batch: written after the first run of the set, when lstm_latch (L = 30) stayed at chance;
  before any change of the doctor.)

  Regime: Hochreiter & Schmidhuber 1997: the LSTM learns latches.
  Setup: the latch task, L = 10; gg.nn.lstm hidden 16; Adam lr 1e-2, batch 32, 300 steps.
  Expected: no problem. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "lstm_latch_short",
  description = "LSTM, latch L=10, Adam lr 1e-2",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local r = gg.rng(run.seed)
    local train, val = C.latch(1600, 10, r), C.latch(500, 10, r)
    local model = C.recurrent("lstm", 10, 16, run.seed)
    C.fit_rnn(run, model, gg.optim.adam(model, { lr = 1e-2 }), train, val, { epochs = 6 })
  end,
}
