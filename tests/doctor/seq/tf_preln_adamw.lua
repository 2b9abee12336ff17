--[[ tests/doctor/seq/tf_preln_adamw.lua — sequence case (healthy):
  Pre-LN GPT with AdamW, a usual weight decay and beta2 0.98.

  Regime: the common transformer recipe (Loshchilov & Hutter 2019; beta2 0.98 as in Liu et al. 2019's
    RoBERTa).
  Setup: C.gpt Pre-LN, AdamW lr 1e-2, betas {0.9, 0.98}, weight_decay 0.1, 160 steps.
  Expected: no problem. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "tf_preln_adamw",
  description = "Pre-LN GPT, AdamW lr 1e-2, beta2 0.98, weight decay 0.1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = C.text(run.seed)
    local model = C.gpt(train, run.seed, { norm_first = true })
    C.fit_lm(run, model, gg.optim.adamw(model, { lr = 1e-2, betas = { 0.9, 0.98 }, weight_decay = 0.1 }), train, val)
  end,
}
