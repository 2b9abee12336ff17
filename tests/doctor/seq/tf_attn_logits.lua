--[[ tests/doctor/seq/tf_attn_logits.lua — sequence case (broken):
  Pre-LN GPT at a very high learning rate: attention-logit growth.

  Regime: Wortsman et al. 2023 ("Small-scale proxies for large-scale Transformer training
    instabilities", arXiv:2309.14322, Fig. 1-2, from memory): at a high lr the attention logits grow,
    the attention entropy collapses and the loss diverges or stalls; qk-LayerNorm (Dehghani et al.
    2023) removes it, and small models show it at lr ~1e-1 and above.
  Setup: C.gpt Pre-LN (no qk_norm), Adam lr 1e-1, no warm-up, 160 steps.
  Expected cause: attention_logit_growth (fix: qk-LayerNorm); lr_too_high is also right. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "tf_attn_logits",
  description = "Pre-LN GPT, Adam lr 1e-1 (attention-logit growth regime)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = C.text(run.seed)
    local model = C.gpt(train, run.seed, { norm_first = true })
    C.fit_lm(run, model, gg.optim.adam(model, { lr = 1e-1 }), train, val)
  end,
}
