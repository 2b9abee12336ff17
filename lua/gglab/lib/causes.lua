--[[ lua/gglab/lib/causes.lua — the one vocabulary of training-failure causes. The doctor's
  panel names a cause per fix, the published symptom detectors map each rule to a cause, the
  doctor's evaluation and the findings compare them: all use these ids.

  M.LIST       ids in a fixed order (used for stable output)
  M.TEXT[id]   the phrase shown to a user
  M.ALIAS[id]  ids that name the same cause in a detector's own words (label_noise is what
               UMLAUT calls a high validation accuracy; the doctor's fix for it is early
               stopping, whose cause is overfitting) -> the canonical id
  M.OTHER      a detector named a problem that is none of these ]]

local M = {}

M.LIST = { "lr_too_high", "momentum_too_high", "outliers", "unscaled_features", "overfitting",
  "label_noise", "saturation", "exploding_gradients", "bad_init", "regularization_too_strong",
  "batch_too_small", "class_imbalance", "dead_relu", "no_lr_decay", "lr_too_low", "targets_unscaled",
  "output_activation", "wrong_loss", "optimizer_choice", "preprocessing_bug", "hidden_activation",
  "grad_not_zeroed",
  -- transformers and recurrent nets (issue 22)
  "postln_no_warmup", "attention_logit_growth", "output_logit_divergence", "adam_second_moment",
  "rnn_exploding_gradients", "vanilla_rnn_memory", "weight_decay_missing" }

M.TEXT = {
  lr_too_high = "learning rate too high",
  momentum_too_high = "momentum too high",
  outliers = "outliers in the targets",
  unscaled_features = "unscaled features",
  overfitting = "overfitting (noisy labels or too much capacity)",
  label_noise = "noisy labels",
  saturation = "saturating activations",
  exploding_gradients = "exploding gradients",
  bad_init = "initialisation",
  regularization_too_strong = "regularisation too strong",
  batch_too_small = "batch too small for the learning rate",
  class_imbalance = "class imbalance",
  dead_relu = "dead ReLU units",
  no_lr_decay = "no learning-rate decay",
  lr_too_low = "learning rate too low",
  targets_unscaled = "unscaled targets",
  output_activation = "an output activation that cannot reach the targets",
  wrong_loss = "a loss that does not fit the task",
  optimizer_choice = "the optimizer (plain SGD)",
  preprocessing_bug = "a preprocessing bug (validation data prepared differently from the training data)",
  hidden_activation = "no activation between hidden linear layers (the stack is one linear map)",
  grad_not_zeroed = "gradients never zeroed between steps (each step uses their running sum)",
  postln_no_warmup = "a Post-LN transformer without learning-rate warm-up (Xiong et al. 2020)",
  attention_logit_growth = "attention-logit growth (Wortsman et al. 2023; Dehghani et al. 2023)",
  output_logit_divergence = "output-logit divergence (Wortsman et al. 2023; PaLM's z-loss)",
  adam_second_moment = "Adam's second-moment estimate (beta2 too close to 1 or eps too small)",
  rnn_exploding_gradients = "exploding gradients in a recurrent net (Pascanu et al. 2013)",
  vanilla_rnn_memory = "a vanilla RNN cannot carry the dependency (Bengio et al. 1994; LSTM)",
  weight_decay_missing = "no weight decay",
}

M.ALIAS = { label_noise = "overfitting" }

M.OTHER = "other"

--[[ is_cause(id) -> true when id is one of M.LIST. ]]
function M.is_cause(id) return M.TEXT[id] ~= nil end

--[[ canonical(id) -> the id a detector's cause counts as when compared with the doctor's. ]]
function M.canonical(id) return M.ALIAS[id] or id end

--[[ text(id) -> the phrase for id (the id itself when unknown). ]]
function M.text(id) return M.TEXT[id] or id end

return M
