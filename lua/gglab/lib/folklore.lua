--[[ lua/gglab/lib/folklore.lua — the catalogue of folklore claims about a rising training
  loss, as made by the four seed write-ups (../shared/seeds/: 000 "loss increase
  exponentially", 001 "why is my training loss increasing", 002 "loss increases
  exponentially after the first step", 003 "is epoch loss increasing").

  An experiment's claim names the folklore it tests with `folklore = "id"` (or a list of
  ids); `gglab findings` then opens docs/findings.md with one row per entry below: the
  experiments and claims that test it and their verdicts, or "not tested" — so a
  catalogue entry nobody measures shows up. Ids are fixed; add new ones at the end. ]]

local M = {}

M.list = {
  { id = "high_lr", sources = "000 ex. 1, 001, 002 ex. 1, 003 ex. 1",
    text = "A too-high learning rate makes the loss rise and explode." },
  { id = "low_lr", sources = "001",
    text = "A too-low learning rate stalls progress but does not make the loss rise." },
  { id = "small_batch", sources = "000, 001, 003",
    text = "Too-small mini-batches make training unstable and the loss rise; very large ones converge slowly." },
  { id = "optimizer", sources = "000, 001",
    text = "An inappropriate optimizer causes divergence; Adam is robust, RMSprop is the alternative when Adam fails." },
  { id = "momentum", sources = "002",
    text = "Too-high momentum overshoots and makes the loss rise." },
  { id = "outliers", sources = "000 ex. 2, 001, 002, 003",
    text = "A few huge outliers dominate the loss and prevent convergence." },
  { id = "scaling", sources = "000, 001 ex. 2, 002 ex. 3",
    text = "Unscaled features dominate the gradients and make training diverge; standardising fixes it." },
  { id = "logits", sources = "000 ex. 3",
    text = "Raw logits (no final sigmoid) with BCEWithLogitsLoss are numerically unstable." },
  { id = "saturation", sources = "000, 002 ex. 2, 003",
    text = "Saturating activations (sigmoid, tanh) kill the gradients and hinder learning; ReLU remedies it." },
  { id = "exploding", sources = "000, 001 ex. 3, 002, 003 ex. 3",
    text = "Deep networks suffer exploding gradients that make the loss rise; gradient clipping prevents it." },
  { id = "lr_drop", sources = "001 ex. 1",
    text = "Cutting the learning rate by 10x whenever the loss rises prevents divergence." },
  { id = "schedule", sources = "003, 001",
    text = "Learning-rate schedules (step, exponential, cosine) keep a too-high learning rate from making the loss rise." },
  { id = "regularization", sources = "001, 002",
    text = "Overly strong L1/L2 regularisation raises the training loss." },
  { id = "label_noise", sources = "003 ex. 2, 000, 001",
    text = "Noisy labels keep the loss from approaching zero and can make it rise." },
  { id = "imbalance", sources = "003",
    text = "Class imbalance without class weights makes the loss rise." },
  { id = "overfitting", sources = "001, 002",
    text = "Overfitting lowers the training loss while the validation loss rises; too much capacity is to blame." },
  { id = "batchnorm", sources = "003, 002",
    text = "Batch normalisation makes deep networks train smoothly." },
  { id = "edge_of_stability", sources = "Cohen et al. 2021 (arXiv:2103.00065)",
    text = "Under full-batch gradient descent the sharpness rises to 2/lr and hovers there while the loss keeps falling, non-monotonically: a loss that goes up now and then is not a sign of divergence." },
  { id = "postln_warmup", sources = "Xiong et al. 2020 (arXiv:2002.04745); Liu et al. 2020 (arXiv:2004.08249)",
    text = "Post-LN transformers need a learning-rate warm-up because their gradients near the output are large at initialisation; Pre-LN transformers train without warm-up." },
  { id = "rnn_exploding", sources = "Pascanu, Mikolov & Bengio 2013 (arXiv:1211.5063)",
    text = "Vanilla recurrent nets on long-range tasks suffer exploding gradients (gradient-norm spikes, loss jumps); gradient-norm clipping fixes it, and LSTMs do not need it." },
  { id = "adam_spikes", sources = "Wortsman et al. 2023 (arXiv:2309.14322); Molybog et al. 2023 (arXiv:2304.09871)",
    text = "At high learning rates Adam's loss spikes up now and then; a lower beta2 (0.95-0.98) or a larger epsilon removes the spikes." },
  { id = "grokking", sources = "Power et al. 2022 (arXiv:2201.02177); Nanda et al. 2023 (arXiv:2301.05217)",
    text = "On small algorithmic tasks the validation loss can rise while the training loss falls and then fall far "
      .. "later (grokking); weight decay brings the generalisation earlier, and early stopping at the rise would end "
      .. "such runs before it." },
  { id = "attention_logits", sources = "Wortsman et al. 2023 (arXiv:2309.14322); Dehghani et al. 2023 (arXiv:2302.05442)",
    text = "At high learning rates the attention logits of transformers grow and attention entropy collapses, and the loss rises; qk-LayerNorm prevents it and lowers the sensitivity to the learning rate." },
  { id = "output_logits", sources = "Wortsman et al. 2023 (arXiv:2309.14322); Chowdhery et al. 2022 (PaLM, arXiv:2204.02311)",
    text = "At high learning rates the output logits diverge (log Z drifts far from 0) and the loss rises; a z-loss of 1e-4 prevents it." },
}

M.by_id = {}
for i, e in ipairs(M.list) do
  e.index = i
  M.by_id[e.id] = e
end

--[[ ids(v) -> list of ids, or nil, message: a claim's `folklore` field (an id or a list
  of ids) checked against the catalogue. ]]
function M.ids(v)
  local list = type(v) == "string" and { v } or v
  if type(list) ~= "table" or #list == 0 then
    return nil, "must be a folklore id or a list of them, got " .. type(v)
  end
  for _, id in ipairs(list) do
    if not M.by_id[id] then
      local known = {}
      for _, e in ipairs(M.list) do known[#known + 1] = e.id end
      return nil, string.format("unknown folklore id '%s' (known: %s)", tostring(id), table.concat(known, ", "))
    end
  end
  return list
end

return M
