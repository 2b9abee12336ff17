--[[ tests/doctor/external6/key_books2.lua — the answer key of the second-textbooks cases of the sixth
  external evaluation set: textbooks whose code deliberately shows a training failure and its fix, with
  the book's own stated cause (Stevens, Antiga, Viehmann, "Deep Learning with PyTorch", ch. 5: dlwpt_*;
  Trask, "Grokking Deep Learning", ch. 4 and 8: gdl_*; Raschka, Liu, Mirjalili, "Machine Learning with
  PyTorch and Scikit-Learn", ch. 2: pml_*). The lead merges it into key.lua. One entry per case file
  tests/doctor/external6/<id>.lua, in external2/key_threads.lua's format:

    source = url           the GitHub file of the book's code the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the book names first
    healthy = true         the book presents the program as the working (fixed) one
    accepted = "..."       the ground truth in the book's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need: none.
M.NEW = {}

local DLW = "https://github.com/deep-learning-with-pytorch/dlwpt-code/blob/d6c0210/p1ch5/"
-- Grokking Deep Learning: the repository (its notebooks' names hold spaces; the header names the file)
local GDL4 = "https://github.com/iamtrask/Grokking-Deep-Learning"
local GDL8 = GDL4

M.cases = {
  { "dlwpt_thermo_lr1e2", source = DLW .. "1_parameter_estimation.ipynb",
    causes = { "lr_too_high", "unscaled_features" },
    accepted = "the notebook's run diverges (\"Epoch 11, Loss inf\"); the book reruns it with "
      .. "learning_rate = 1e-4: \"Nice—the behavior is now stable\", then (5.4.4 \"Normalizing inputs\"): "
      .. "\"the first-epoch gradient for the weight is about 50 times larger than the gradient for the "
      .. "bias. This means the weight and bias live in differently scaled spaces. If this is the case, a "
      .. "learning rate that's large enough to meaningfully update one will be so large as to be unstable "
      .. "for the other\"; fixed with t_un = 0.1 * t_u.",
    observed = "10 seeds, 10 diverged (10 identical runs: no randomness), at step 11 (loss inf); "
      .. "epoch loss 1764, "
      .. "5.802e+06, 1.941e+10, ..., 9.09e+34 at epoch 10 — the notebook's 1763.88, 5802485.5, "
      .. "19408035840, ..., inf at epoch 11" },
  { "dlwpt_thermo_lr1e4", source = DLW .. "1_parameter_estimation.ipynb",
    causes = { "unscaled_features", "optimizer_choice" },
    accepted = "the book: \"the updates to parameters are very small, so the loss decreases very slowly "
      .. "and eventually stalls. We could obviate this issue by making learning_rate adaptive ... However, "
      .. "there's another potential troublemaker in the update term: the gradient itself. ... the weight "
      .. "and bias live in differently scaled spaces. ... a rate that's appropriate for the other won't be "
      .. "large enough to meaningfully change the first\"; fixes: normalised input (dlwpt_thermo_norm) "
      .. "and Adam (dlwpt_thermo_adam).",
    observed = "10 seeds, 0 diverged (10 identical runs: no randomness); epoch loss 1764, 323.1, "
      .. "78.93, ..., 29.11 (epoch 10), "
      .. "29.02 (epoch 100) — the notebook's 1763.88, 323.09, 78.93, 29.105, 29.0227: a plateau at ~29 "
      .. "against 2.93 for the fixed programs" },
  { "dlwpt_thermo_norm", source = DLW .. "1_parameter_estimation.ipynb",
    healthy = true,
    accepted = "the book's fix (t_un = 0.1 * t_u, lr 1e-2, 5000 epochs): \"Good: our loss decreases while "
      .. "we change parameters along the direction of gradient descent. It doesn't go exactly to zero; ... "
      .. "the data points don't sit exactly on a line\".",
    observed = "10 seeds, 0 diverged (10 identical runs: no randomness); epoch loss 80.36, 37.57, "
      .. "30.87, ..., 22.15 (epoch 100), "
      .. "7.86 (500), 3.829 (1000), 2.928 (4000 and 5000) — the notebook's 80.364, 37.575, 30.871, 22.149, "
      .. "2.92768, 2.92765" },
  { "dlwpt_thermo_adam", source = DLW .. "3_optimizers.ipynb",
    healthy = true,
    accepted = "the book (5.5.2): Adam on \"the original (non-normalized) input t_u, and even increase the "
      .. "learning rate to 1e-1, and Adam won't even blink\".",
    observed = "10 seeds, 0 diverged (10 identical runs: no randomness); epoch loss 1764 (epoch "
      .. "1), 7.613 (500), 3.087 (1000), "
      .. "2.929 (1500), 2.928 (2000) — the notebook's 7.6129, 3.0867, 2.9286, 2.9276" },
  { "dlwpt_thermo_split", source = DLW .. "3_optimizers.ipynb",
    healthy = true,
    accepted = "the book (5.5.3): \"we note that the validation loss is higher than our training loss, "
      .. "although not by an order of magnitude. ... as long as the validation loss stays reasonably close "
      .. "to the training loss, we know that our model is continuing to learn generalized things about "
      .. "our data\" (figure 5.14: case D, acceptable).",
    observed = "10 seeds, 0 diverged (a different 9/2 split each); epoch loss first 87.8 min 2.904 last "
      .. "2.904; val loss first 32.13 min 1.015 last 4.171 (medians over seeds); final training loss "
      .. "2.43-3.35, final val loss 1.05-13.1 (8 seeds within 2.3x the training loss; 5 seeds' val loss "
      .. "ends above its minimum, e.g. seed 10: 0.556 at epoch 2, 6.56 at the end; the book's run: train "
      .. "3.01, val 3.58)" },
  { "gdl_break_gd", source = GDL4,
    causes = { "lr_too_high" },
    accepted = "the notebook's section \"Breaking Gradient Descent\" (\"# Now let's break it:\" with input "
      .. "= 2, the error growing 0.04, 0.36, 3.24, 29.16, ...), fixed by the next cell's \"alpha = 0.1\", "
      .. "\"weight = weight - (alpha * derivative)\".",
    observed = "10 seeds, 0 diverged (10 identical runs: no randomness; no overflow in 20 steps); "
      .. "loss 0.04, 0.36, 3.24, 29.16, "
      .. "262.4, ..., 1.55e+07 (step 10), 5.403e+16 (step 20): x9 a step, the notebook's numbers" },
  { "gdl_break_gd_fixed", source = GDL4,
    healthy = true,
    accepted = "the notebook's fix: the same loop with \"alpha = 0.1\", error 0.04, 0.0144, 0.005184, ..., "
      .. "4.06e-06 at iteration 10.",
    observed = "10 seeds, 0 diverged (10 identical runs: no randomness); loss 0.04, 0.0144, "
      .. "0.005184, ..., 4.062e-06 (step 10), "
      .. "1.493e-10 (step 20)" },
  { "gdl_mnist_dropout", source = GDL8,
    healthy = true,
    accepted = "the notebook's section \"Dropout In Code\", the chapter's remedy for the overfitting of "
      .. "its plain network (\"Learning signal and ignoring noise\"): the test error stays at 0.40-0.42 "
      .. "from iteration 20 on.",
    observed = "10 seeds, 0 diverged; epoch loss first 0.0812 min 0.0207 last 0.0210; val loss first "
      .. "0.0639 min 0.0177 last 0.0183 (medians over seeds), falling to epoch ~38 (0.0261 at epoch 10, "
      .. "0.0201 at 20, 0.0186 at 30), final val 0.0169-0.0196, below the training loss (dropout on)" },
  -- pml_adaline_eta01 and pml_adaline_std: Raschka's chapter 2 belongs to the Raschka part
  -- (key_raschka.lua, which expressed it too); removed at the merge (README_books2.md, "Merge").
}

return M
