--[[ tests/doctor/seq/tf_postln_deep.lua — sequence case (broken):
  a deeper (4-layer) Post-LN GPT at lr 1e-2 without warm-up.

  Regime: Xiong et al. 2020 (arXiv:2002.04745), Liu et al. 2020 ("Understanding the difficulty of
    training transformers", arXiv:2004.08249): Post-LN's trouble grows with depth; warm-up or Pre-LN
    is the fix.
  Setup: C.gpt with 4 layers, norm_first = false, Adam lr 1e-2, no warm-up, 160 steps.
  Expected cause: postln_no_warmup. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "tf_postln_deep",
  description = "4-layer Post-LN GPT, Adam lr 1e-2, no warm-up",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = C.text(run.seed)
    local model = C.gpt(train, run.seed, { norm_first = false, layers = 4 })
    C.fit_lm(run, model, gg.optim.adam(model, { lr = 1e-2 }), train, val)
  end,
}
