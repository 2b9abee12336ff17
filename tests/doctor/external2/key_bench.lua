--[[ tests/doctor/external2/key_bench.lua — the answer key of the benchmark cases of the second
  external set (README_bench.md says how they were chosen): one entry per case file, in the entry
  format of tests/doctor/external/key.lua (causes | interacting | healthy, accepted = the source's
  words, observed = what `gglab run` of the unchanged file showed, medians over seeds 1-10).
  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- cause ids not in lib/causes.lua nor in the first set's NEW (README_bench.md says why)
M.NEW = { "hidden_activation" }

M.cases = {
  { "dc_regrnn_clean", source = "https://github.com/thedeepchecker/thedeepchecker",
    healthy = true,
    accepted = "TheDeepChecker's clean base program clean_base_programs/regrNN.py: every synthetic fault "
      .. "is injected into it (the fault-free reference).",
    observed = "10 seeds, 0 diverged; epoch loss first 0.3603 min 0.004458 last 0.004515; val loss first "
      .. "0.1597 min 0.007319 last 0.0108 (medians over seeds)" },
  { "dc_regrnn_high_lr", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "lr_too_high" },
    accepted = "fault folder high_lr, regrNN_high_lr.py: AdamOptimizer(0.001) -> AdamOptimizer(0.1); "
      .. "\"we increase the lr in a way that hinders the learning and the accuracy is dropped "
      .. "off.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 32.96 min 0.01123 last 0.01163; val loss first "
      .. "1.793 min 0.006799 last 0.01008 (medians over seeds); the training loss ends at 2.6x the "
      .. "clean program's (0.0045), the validation loss as the clean one's (0.0108): training "
      .. "hindered, generalisation not" },
  { "dc_regrnn_low_lr", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "lr_too_low" },
    accepted = "fault folder low_lr, regrNN_low_lr.py: AdamOptimizer(0.001) -> AdamOptimizer(0.00001); "
      .. "\"we decrease the lr in a way that hinders the learning.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 0.5176 min 0.0386 last 0.0386; val loss first "
      .. "0.4962 min 0.0371 last 0.0371 (medians over seeds)" },
  { "dc_regrnn_miss_norm", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "unscaled_features" },
    accepted = "fault folder missing_normalization, regrNN_miss_norm.py: "
      .. "DataLoaderFromArrays(normalization=False); \"This would keep the data unscaled and mimic "
      .. "missing input normalization fault.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 1.09e+05 min 0.4089 last 0.5492; val loss first "
      .. "4.11e+04 min 2.067 last 2.443 (medians over seeds); against the clean program's 0.0045 / "
      .. "0.0108 (the same scaled targets)" },
  { "dc_regrnn_over_reg", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "regularization_too_strong" },
    accepted = "fault folder over_regulariaztion, regrNN_over_reg.py: L2 lambda 1e-5 -> 1e-1; \"we set "
      .. "up a high lambda for l2-norm in a way that hinders the learning.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 25.93 min 0.1575 last 0.1575; val loss first "
      .. "0.1864 min 0.01714 last 0.05253 (medians over seeds); the training loss includes the L2 "
      .. "penalty; validation 5x the clean program's" },
  { "dc_regrnn_inapp_act", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "output_activation" },
    accepted = "fault folder wrong_activation, regrNN_inapp_act.py: targets scaled to [-1, 1] and a "
      .. "sigmoid output; \"we set up sigmoid as last layer activation which allows to the neural "
      .. "network yielding outputs between [0,1].\"",
    observed = "10 seeds, 0 diverged; epoch loss first 0.5892 min 0.1857 last 0.1857; val loss first "
      .. "0.5094 min 0.2123 last 0.2159 (medians over seeds)" },
  { "dc_regrnn_wrong_act", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "output_activation" },
    accepted = "fault folder wrong_activation, regrNN_wrong_act.py: output activation None -> softmax; "
      .. "\"We set up softmax with just 1-dm output which could not work and the neural network "
      .. "will output only one value.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 0.4096 min 0.4071 last 0.4071; val loss first "
      .. "0.4198 min 0.4198 last 0.4198 (medians over seeds)" },
  { "dc_regrnn_dbl_norm", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "preprocessing_bug", "unscaled_features" },
    accepted = "fault folder double_normalization, regrNN_dbl_norm.py: the loader divides (x - min) by "
      .. "the range twice; \"if the users divide the data, additionally, by 255, the magnitude of "
      .. "data would be critically low.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 0.2908 min 0.01047 last 0.0107; val loss first "
      .. "0.1455 min 0.01162 last 0.0126 (medians over seeds); training loss 2.4x the clean "
      .. "program's, validation 1.2x (the weight and displacement columns shrink to < 3e-3)" },
  { "dc_basecnn_clean", source = "https://github.com/thedeepchecker/thedeepchecker",
    healthy = true,
    accepted = "TheDeepChecker's clean base program clean_base_programs/baseCNN.py: every synthetic "
      .. "fault is injected into it (the fault-free reference).",
    observed = "10 seeds, 0 diverged; epoch loss first 1.922 min 0.01905 last 0.01907; val loss first "
      .. "1.138 min 0.05022 last 0.05564 (medians over seeds)" },
  { "dc_basecnn_unb_data", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "class_imbalance" },
    accepted = "fault folder unbalanced_data, baseCNN_unb_data.py: the training loader keeps 1-5 % of "
      .. "classes 0-5 and all of classes 6-9; \"creating unbalanced training dataset.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 3.069 min 0.03875 last 0.03875; val loss first "
      .. "3.207 min 1.272 last 1.392 (medians over seeds); validation (balanced test rows) 25x the "
      .. "clean program's" },
  { "dc_basecnn_high_lr", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "lr_too_high" },
    accepted = "fault folder high_lr, baseCNN_high_lr.py: GradientDescentOptimizer(0.1) -> (0.5) (and "
      .. "Dense 512 -> 1024); \"we increase the lr in a way that hinders the learning and the "
      .. "accuracy is dropped off.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 4.136 min 0.03372 last 0.03372; val loss first "
      .. "2.296 min 0.0962 last 0.1036 (medians over seeds); training loss 1.8x the clean "
      .. "program's (0.019), validation 1.9x (0.056)" },
  { "dc_basecnn_low_lr", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "lr_too_low" },
    accepted = "fault folder low_lr, baseCNN_low_lr.py: GradientDescentOptimizer(0.1) -> (0.001); \"we "
      .. "decrease the lr in a way that hinders the learning.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 2.522 min 1.052 last 1.052; val loss first 2.367 "
      .. "min 1.048 last 1.048 (medians over seeds)" },
  { "dc_basecnn_miss_norm", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "unscaled_features" },
    accepted = "fault folder missing_normalization, baseCNN_miss_norm.py: "
      .. "DataLoaderFromArrays(normalization=False), pixels stay 0..255; \"This would keep the "
      .. "data unscaled and mimic missing input normalization fault.\"",
    observed = "10 seeds, 4 diverged (at step 4,5); epoch loss first 1.106e+10 min 1.106e+10 last "
      .. "1.201e+10; val loss first 2.306 min 2.306 last 2.312 (medians over seeds)" },
  { "dc_basecnn_over_reg", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "regularization_too_strong" },
    accepted = "fault folder over_regulariaztion, baseCNN_over_reg.py: L2 lambda 1e-5 -> 1e-1; \"we set "
      .. "up a high lambda for l2-norm in a way that hinders the learning.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 85.03 min 2.303 last 2.303; val loss first 1.913 "
      .. "min 1.913 last 2.305 (medians over seeds)" },
  { "dc_basecnn_red_soft", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "output_activation", "wrong_loss" },
    accepted = "fault folder redundant_softmax, baseCNN_red_soft.py: "
      .. "softmax_cross_entropy_with_logits(logits=softmax(logits)); \"We pass the softmax "
      .. "outputs(probabilities) to the softmax_cross_entropy_with_logits that applies implicitly "
      .. "an inner softmax activation.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 2.262 min 1.582 last 1.582; val loss first 2.213 "
      .. "min 1.596 last 1.599 (medians over seeds)" },
  { "dc_basecnn_constant", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "bad_init" },
    accepted = "fault folder wrong_init, baseCNN_constant.py: every kernel initialised to the constant "
      .. "0.01 (and Dense 1024); \"a common fault is to unbreak the neurons symmetry through "
      .. "constant weights.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 2.371 min 2.302 last 2.302; val loss first 2.305 "
      .. "min 2.305 last 2.311 (medians over seeds)" },
  { "dc_basecnn_wrong_act", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "hidden_activation" },
    accepted = "fault folder wrong_activation, baseCNN_wrong_act.py: the first convolution's activation "
      .. "relu -> softmax; \"We set up softmax as intermediary activation which is not "
      .. "appropriate.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 2.301 min 0.1359 last 0.1359; val loss first "
      .. "2.277 min 0.1741 last 0.1904 (medians over seeds); validation 3.4x the clean program's "
      .. "(0.056)" },
  { "dc_basecnn_wrong_loss", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "wrong_loss" },
    accepted = "fault folder wrong_loss_function, baseCNN_wrong_loss.py: loss = reduce_sum over rows of "
      .. "reduce_mean over classes of -y log(clip(softmax)) (and Dense 1024); \"we reproduce the "
      .. "inverse of mean and sum for loss computation.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 312.9 min 135 last 146.5; val loss first 2.31 min "
      .. "2.201 last 2.31 (medians over seeds); the training loss is the summed cross-entropy of a "
      .. "batch of 64; the mean validation cross-entropy stays at ln 10" },
  { "dc_basecnn_inap_loss", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "wrong_loss" },
    accepted = "fault folder wrong_loss_selection, baseCNN_inap_loss.py: loss mean_squared_error(labels, "
      .. "softmax(logits)); \"A common beginner fault is to use MSE for classification problems.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 0.1045 min 0.02334 last 0.02334; val loss first "
      .. "0.08874 min 0.01222 last 0.01273 (medians over seeds); the loss is the MSE on one-hot "
      .. "targets; a one-seed check (seed 1): test accuracy 0.917 against the clean program's "
      .. "0.989" },
  { "dc_basecnn_dbl_norm", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "preprocessing_bug", "unscaled_features" },
    accepted = "fault folder double_normalization, baseCNN_dbl_norm.py: the loader divides (x - min) by "
      .. "the range twice; \"if the users divide the data, additionally, by 255, the magnitude of "
      .. "data would be critically low.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 2.315 min 2.31 last 2.31; val loss first 2.305 "
      .. "min 2.304 last 2.307 (medians over seeds); flat at ln 10 = 2.303 from the first epoch" },
  { "dc_deepcnn_clean", source = "https://github.com/thedeepchecker/thedeepchecker",
    healthy = true,
    accepted = "TheDeepChecker's clean base program clean_base_programs/deepCNN.py: every synthetic "
      .. "fault is injected into it (the fault-free reference).",
    observed = "10 seeds, 0 diverged; epoch loss first 3.457 min 0.3483 last 0.3484; val loss first "
      .. "2.283 min 0.1309 last 0.1309 (medians over seeds); the training loss is with dropout on; "
      .. "the validation loss still falls at the last epoch" },
  { "dc_deepcnn_over_reg", source = "https://github.com/thedeepchecker/thedeepchecker",
    causes = { "regularization_too_strong" },
    accepted = "fault folder over_regulariaztion, deepCNN_over_reg.py: every dropout 0.5 and one more "
      .. "after the first convolution of each block; \"we set up a high dropout rate in a way that "
      .. "hinders the learning.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 3.62 min 2.938 last 2.94; val loss first 2.314 "
      .. "min 2.314 last 2.487 (medians over seeds); 10 epochs: the validation loss never falls "
      .. "below its first value (ln 10 = 2.303); the clean program reaches 0.13" },
  { "so56103207", source = "https://stackoverflow.com/questions/56103207",
    causes = { "preprocessing_bug" },
    accepted = "defect4ML bug 091 (conf.ini): bug_type \"Missing preprocessing\", \"Because of skipping "
      .. "necessary preprocessing step (data shuffling), accuracy of the model stays at near 0.\"; "
      .. "patch: p = np.random.permutation(len(x)); x = x[p]; y = y[p] before "
      .. "fit(validation_split=0.2).",
    observed = "10 seeds, 0 diverged; epoch loss first 1.532 min 0.009946 last 0.009946; val loss first "
      .. "2.433 min 2.433 last 14.31 (medians over seeds); the held-out last 20 % of the sorted "
      .. "rows are class 4, never trained on" },
  { "so56103207_fixed", source = "https://stackoverflow.com/questions/56103207",
    healthy = true,
    accepted = "defect4ML bug 091's fixed program: the rows shuffled before fit(validation_split=0.2) "
      .. "(its test asserts val_accuracy >= 0.85).",
    observed = "10 seeds, 0 diverged; epoch loss first 1.573 min 0.01401 last 0.01401; val loss first "
      .. "1.507 min 0.02478 last 0.02779 (medians over seeds)" },
}

return M
