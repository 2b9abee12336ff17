--[[ tests/doctor/seq/tf_preln_high_lr.lua — sequence case (healthy):
  the Pre-LN twin of tf_postln_high_lr.

  Regime: Xiong et al. 2020 (arXiv:2002.04745): Pre-LN trains without warm-up at a high lr.
  Setup: as tf_postln_high_lr with norm_first = true (Pre-LN, final LayerNorm): Adam lr 3e-2, no
    warm-up, 160 steps.
  Expected: no problem. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "tf_preln_high_lr",
  description = "Pre-LN GPT, Adam lr 3e-2, no warm-up",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = C.text(run.seed)
    local model = C.gpt(train, run.seed, { norm_first = true })
    C.fit_lm(run, model, gg.optim.adam(model, { lr = 3e-2 }), train, val)
  end,
}
