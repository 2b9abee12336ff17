--[[ tests/doctor/seq/tf_preln_adam.lua — sequence case (healthy):
  Pre-LN GPT, Adam lr 1e-2 with the default betas and eps.
  (Second batch: written after the first run of the set, when tf_postln_warmup turned out not healthy;
  before any change of the doctor.)

  Regime: Xiong et al. 2020 (arXiv:2002.04745): Pre-LN trains without warm-up.
  Setup: C.gpt Pre-LN, Adam lr 1e-2, 160 steps.
  Expected: no problem. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "tf_preln_adam",
  description = "Pre-LN GPT, Adam lr 1e-2",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = C.text(run.seed)
    local model = C.gpt(train, run.seed, { norm_first = true })
    C.fit_lm(run, model, gg.optim.adam(model, { lr = 1e-2 }), train, val)
  end,
}
