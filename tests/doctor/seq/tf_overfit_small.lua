--[[ tests/doctor/seq/tf_overfit_small.lua — sequence case (broken):
  Pre-LN GPT on 64 training windows for 40 epochs, without weight decay: overfitting.
  (Second batch: written after the first run of the set, to replace tf_overfit_no_wd, which showed
  the symptom but took ~1.5 s of CPU a run; before any change of the doctor.)

  Regime: overfitting a small data set (the folklore fix: weight decay / early stopping; Loshchilov &
    Hutter 2019, arXiv:1711.05101).
  Setup: C.gpt Pre-LN (d_model 16), 64 training windows, batch 16, Adam lr 1e-2, no weight decay, 40
    epochs (160 steps); validation on 128 other windows.
  Expected cause: overfitting (fixes: weight decay, early stopping). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "tf_overfit_small",
  description = "Pre-LN GPT on 64 windows for 40 epochs, Adam lr 1e-2, no weight decay",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = C.text(run.seed, 64)
    local model = C.gpt(train, run.seed, { norm_first = true })
    C.fit_lm(run, model, gg.optim.adam(model, { lr = 1e-2 }), train, val, { epochs = 40, batch_size = 16 })
  end,
}
