--[[ tests/doctor/seq/key.lua — the answer key of the doctor's sequence set (issue 22): one entry per
  case file tests/doctor/seq/<id>.lua, in the entry format of tests/doctor/external/key.lua
  (causes | healthy; accepted = the published regime the case expresses; observed = what `gglab run`
  of the unchanged file showed, 10 seeds, medians and ranges over seeds). Written before the
  doctor's method was changed for transformers and recurrent nets (README.md). ]]

local M = {}

-- cause ids that lua/gglab/lib/causes.lua did not have when the set was written
M.NEW = { "postln_no_warmup", "attention_logit_growth", "rnn_exploding_gradients", "vanilla_rnn_memory",
  "weight_decay_missing" }

M.cases = {
  { "tf_postln_high_lr", source = "Xiong et al. 2020, arXiv:2002.04745",
    causes = { "postln_no_warmup", "lr_too_high" },
    accepted = "Post-LN needs a warm-up at a high lr; Pre-LN (or a warm-up) is the fix.",
    observed = "10 seeds, 0 diverged; final training loss 3.31 (3.23-3.34), validation 3.36 (3.25-3.51): the "
      .. "character-frequency plateau (~3.3), against 2.99 (2.80-3.15) / 2.98 for its Pre-LN twin "
      .. "tf_preln_high_lr" },
  { "tf_postln_deep", source = "Xiong et al. 2020, arXiv:2002.04745; Liu et al. 2020, arXiv:2004.08249",
    causes = { "postln_no_warmup" },
    accepted = "deeper Post-LN without warm-up trains worse; warm-up or Pre-LN is the fix.",
    observed = "10 seeds, 0 diverged; final training loss 3.32 (3.30-3.34), validation 3.39 (3.31-3.50): the "
      .. "plateau, against 3.14 / 3.18 for the 2-layer Pre-LN at the same lr (tf_preln_adam)" },
  { "tf_attn_logits", source = "Wortsman et al. 2023, arXiv:2309.14322",
    causes = { "attention_logit_growth", "lr_too_high" },
    accepted = "attention-logit growth at a high lr; qk-LayerNorm (or a lower lr) is the fix.",
    observed = "10 seeds, 0 diverged; final training loss 3.22 (3.08-3.28), validation 3.25 (3.14-3.36), near "
      .. "the plateau; largest attention logit at the end 1580-6250 (10-91 in tf_preln_high_lr at lr 3e-2)" },
  { "tf_wd_strong", source = "Loshchilov & Hutter 2019, arXiv:1711.05101",
    causes = { "regularization_too_strong" },
    accepted = "a decoupled weight decay of 3 (3 % of every weight a step) underfits.",
    observed = "10 seeds, 0 diverged; final training loss 3.34 (3.32-3.36), validation 3.36: the plateau, "
      .. "against 3.06 / 3.07 with weight decay 0.1 (tf_preln_adamw)" },
  { "tf_overfit_small", source = "overfitting folklore; Loshchilov & Hutter 2019, arXiv:1711.05101",
    causes = { "overfitting", "weight_decay_missing" },
    accepted = "64 training windows, 40 epochs, no weight decay: the model memorises them.",
    observed = "10 seeds, 0 diverged; final training loss 2.34 (2.11-2.60), validation 3.93 (3.75-4.27) "
      .. "against its minimum 3.39: the validation loss rises while the training loss falls" },
  { "rnn_latch_sgd_lr3", source = "Pascanu, Mikolov & Bengio 2013, arXiv:1211.5063",
    causes = { "rnn_exploding_gradients", "lr_too_high" },
    accepted = "a vanilla RNN's gradients explode (SGD lr 3); gradient-norm clipping is the fix.",
    observed = "10 seeds, 0 overflow; final training loss 11.8 (0.00-13.4) nats, validation 7.1 (0.00-23.5): "
      .. "8/10 runs end far above chance (ln 2), 2 solve the task" },
  { "rnn_latch_adam_high", source = "Pascanu, Mikolov & Bengio 2013, arXiv:1211.5063",
    causes = { "rnn_exploding_gradients", "lr_too_high" },
    accepted = "a vanilla RNN at a high Adam lr (0.1) without clipping; clipping (or a lower lr) is the fix.",
    observed = "10 seeds, 0 diverged; validation 0.35 (0.00-0.77): 5/10 runs end at chance or above (0.69-0.77), "
      .. "5 solve the task (0.00); the L = 10 twin rnn_latch_short solves it 10/10" },
  { "rnn_latch_long", source = "Bengio, Simard & Frasconi 1994; Hochreiter & Schmidhuber 1997",
    causes = { "vanilla_rnn_memory" },
    accepted = "a vanilla RNN does not learn a 50-step dependency; an LSTM is the fix.",
    observed = "10 seeds, 0 diverged; validation 0.69 (0.00-0.69): 7/10 runs at chance (ln 2 = 0.693), 3 "
      .. "solve it (0.00-0.07)" },
  { "tf_preln_high_lr", source = "Xiong et al. 2020, arXiv:2002.04745", healthy = true,
    accepted = "Pre-LN trains without warm-up at lr 3e-2.",
    observed = "10 seeds, 0 diverged; final training loss 2.99 (2.80-3.15), validation 2.98 (2.78-3.21)" },
  { "tf_preln_adam", source = "Xiong et al. 2020, arXiv:2002.04745", healthy = true,
    accepted = "Pre-LN with Adam lr 1e-2 and the default betas.",
    observed = "10 seeds, 0 diverged; final training loss 3.14 (3.01-3.24), validation 3.18 (2.98-3.36)" },
  { "tf_preln_adamw", source = "Loshchilov & Hutter 2019, arXiv:1711.05101", healthy = true,
    accepted = "AdamW lr 1e-2, beta2 0.98, weight decay 0.1: the usual recipe.",
    observed = "10 seeds, 0 diverged; final training loss 3.06 (2.91-3.21), validation 3.07 (2.86-3.28)" },
  { "rnn_latch_short", source = "Pascanu, Mikolov & Bengio 2013, arXiv:1211.5063", healthy = true,
    accepted = "a vanilla RNN on a 10-step latch, SGD lr 1, clip_norm 1.",
    observed = "10 seeds, 0 diverged; final training and validation loss 0.000 in 10/10 runs" },
  { "lstm_latch_short", source = "Hochreiter & Schmidhuber 1997", healthy = true,
    accepted = "an LSTM on a 10-step latch with Adam lr 1e-2.",
    observed = "10 seeds, 0 diverged; final training and validation loss 0.000 in 10/10 runs" },
}

return M
