--[[ tests/doctor/seq/tf_wd_strong.lua — sequence case (broken):
  Pre-LN GPT trained with AdamW and a weight decay of 3.

  Regime: too-strong weight decay (Loshchilov & Hutter 2019, "Decoupled weight decay", arXiv:1711.05101:
    the decoupled decay lr x wd shrinks every weight each step; too much of it underfits).
  Setup: C.gpt Pre-LN, AdamW lr 1e-2, weight_decay 3 (3 % of every weight per step), 160 steps.
  Expected cause: regularization_too_strong. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "tf_wd_strong",
  description = "Pre-LN GPT, AdamW lr 1e-2, weight decay 3",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = C.text(run.seed)
    local model = C.gpt(train, run.seed, { norm_first = true })
    C.fit_lm(run, model, gg.optim.adamw(model, { lr = 1e-2, weight_decay = 3 }), train, val)
  end,
}
