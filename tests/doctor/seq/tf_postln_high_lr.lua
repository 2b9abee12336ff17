--[[ tests/doctor/seq/tf_postln_high_lr.lua — sequence case (broken):
  Post-LN GPT at a high learning rate without warm-up.

  Regime: Xiong et al. 2020 ("On layer normalization in the Transformer architecture",
    arXiv:2002.04745): Post-LN has large gradients near the output at initialisation and needs a
    learning-rate warm-up; without it, at a high lr, it trains badly, where Pre-LN does not.
    This repo's experiments/transformer_lr.lua measured the small-scale version: Post-LN at lr 3e-2
    without warm-up stalls on the character-frequency plateau (~3.3 nats) while Pre-LN reaches 2.4-2.7.
  Setup: C.gpt (d_model 16, 2 heads, 2 layers, ff 32) with norm_first = false (Post-LN, no final
    LayerNorm), Adam lr 3e-2, no warm-up, batch 32, 160 steps on tinyshakespeare windows of 16.
  Expected cause: postln_no_warmup (fixes: warm-up, Pre-LN); the lr is also part of it (lr_too_high). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "tf_postln_high_lr",
  description = "Post-LN GPT, Adam lr 3e-2, no warm-up",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val = C.text(run.seed)
    local model = C.gpt(train, run.seed, { norm_first = false })
    C.fit_lm(run, model, gg.optim.adam(model, { lr = 3e-2 }), train, val)
  end,
}
