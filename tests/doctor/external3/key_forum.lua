--[[ tests/doctor/external3/key_forum.lua — the answer key of the forum cases of the third external
  evaluation set: PyTorch-forum topics (`pt_<n>`) and GitHub issue / pull-request threads
  (`gh_<owner>_<repo>_<n>`), each with a concrete training program and a cause confirmed in the thread (a
  maintainer's answer or a merged fix), or the fixed program a thread gives (healthy). The lead merges it
  with the other parts' keys into key.lua. One entry per case file tests/doctor/external3/<id>.lua, in
  tests/doctor/external2/key_forum.lua's format:

    source = url           the thread the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the thread names first
    interacting = {A, B}   broken by two causes together (each a set): right only when the verdict
                           names one of A and one of B
    healthy = true         the thread's fixed program, or its answer says there is no fault
    accepted = "..."       the ground truth in the source's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need:
--   grad_not_zeroed   the gradients are never zeroed between steps, so each update applies the sum of
--                     all gradients so far (a missing optimizer.zero_grad() / w.grad.zero_())
M.NEW = { "grad_not_zeroed" }

M.cases = {
  { "gh_MicrosoftDocs_ml-basics_48", source = "https://github.com/MicrosoftDocs/ml-basics/issues/48",
    causes = { "output_activation", "wrong_loss" },
    accepted = "the issue: \"The torch deep learning model should not use softmax last layer + "
      .. "CrossEntropyLoss ... Torch CrossEntropyLoss expects logits instead of normalized "
      .. "probabilities.\"; the maintainer: \"Thanks - fixed\" (commit 47f3830: \"- x = "
      .. "torch.softmax(self.fc3(x),dim=1) + x = torch.relu(self.fc3(x))\").",
    observed = "10 seeds, 0 diverged; epoch loss first 1.097 min 0.5756 last 0.5756, val loss first 1.078 "
      .. "min 0.584 last 0.584 (medians over seeds); every seed ends above 0.566, the floor a softmax "
      .. "of probabilities allows with 3 classes (0.551), still creeping down (0.77 at epoch 10, 0.59 "
      .. "at epoch 40); val accuracy median 0.97 (0.63-0.99: 3 seeds at 0.63-0.81)" },
  { "pt_96648",
    source = "https://discuss.pytorch.org/t/neural-network-could-not-learn-on-this-type-of-data-why/96648",
    interacting = { { "targets_unscaled" }, { "unscaled_features" } },
    accepted = "the answer (ptrblck): \"You could normalize the input (which is usually done anyway) and "
      .. "also normalize the target to train the model. After the training you could unnormalize the "
      .. "predictions using the target stats ... Here is a code snippet using your initial dataset, "
      .. "which can successfully learn the data using this approach\" (it standardises both).",
    observed = "10 seeds, 0 diverged; epoch loss first 5.848e+20 min 5.848e+20 last 5.848e+20 (medians "
      .. "over seeds): the loss does not move in 1000 steps (5.848e+20 at epochs 1, 100, 500 and 1000 "
      .. "in every seed)" },
  { "pt_96648_fixed",
    source = "https://discuss.pytorch.org/t/neural-network-could-not-learn-on-this-type-of-data-why/96648",
    healthy = true,
    accepted = "the answer's program (input and target standardised): \"which can successfully learn "
      .. "the data using this approach\".",
    observed = "10 seeds, 0 diverged; epoch loss first 1.121 min 0.0007926 last 0.0007926 (medians over "
      .. "seeds; 0.113 at epoch 100, 0.0034 at epoch 500; last 0.00048-0.0026 over the seeds)" },
  { "gh_tensorflow_tensorflow_3148", source = "https://github.com/tensorflow/tensorflow/issues/3148",
    causes = { "lr_too_high", "unscaled_features" },
    accepted = "the maintainer's answer (aselle): \"Your arange() version has a mean of 50ish. That means "
      .. "the learning rate provided to gradient descent will be too high for stable convergence. You can "
      .. "fix this by x_data = np.arange(100).astype(np.float32) / 100 or if you don't want to change your "
      .. "data you'll need to reduce learning rate to .0001 and take 40000ish iterations.\"",
    observed = "10 seeds, 10 diverged (loss inf at step 6-7 of 201); epoch loss first 663.8, 8.2e+35 at "
      .. "the last finished epoch (medians over seeds)" },
  { "gh_tensorflow_tensorflow_3148_fixed", source = "https://github.com/tensorflow/tensorflow/issues/3148",
    healthy = true,
    accepted = "the maintainer's first fix: \"x_data = np.arange(100).astype(np.float32) / 100\" (the "
      .. "demo's learning rate 0.5 and 201 steps kept).",
    observed = "10 seeds, 0 diverged; epoch loss first 0.09883 min 2.181e-14 last 2.181e-14 (medians over "
      .. "seeds)" },
  { "gh_greebear_pytorch-learning_1", source = "https://github.com/greebear/pytorch-learning/issues/1",
    causes = { "grad_not_zeroed" },
    accepted = "the issue: \"The loss is not always decreasing, even lr is very small 1e-6. because the "
      .. "code should manually add a line: w.grad.data._zero() b.grad.data._zero() to zero the grad.\"; "
      .. "the maintainer: \"thanks for your mention it is already fixed\" (commit bcc4b9a \"fix "
      .. "linear_regression bug\" adds w.grad.zero_() and b.grad.zero_()).",
    observed = "10 seeds, 0 diverged; loss (mse, logged every 10 steps) first 332.5, last 1.069, steps "
      .. "2464 (medians over seeds): the loss swings between about 1 and several hundred for the whole "
      .. "run (about half of the logged values are rises; maxima 160-869); 7 seeds stop when it passes "
      .. "below 1.1 (the program's loss < 0.55) after 30-6733 steps, 3 run all 10000 and end at 62.6, "
      .. "459 and 806" },
  { "gh_greebear_pytorch-learning_1_fixed", source = "https://github.com/greebear/pytorch-learning/issues/1",
    healthy = true,
    accepted = "the maintainer's fix (commit bcc4b9a): \"w.grad.zero_() b.grad.zero_()\" after the "
      .. "updates.",
    observed = "10 seeds, 0 diverged; loss (mse) first 5.956, last 1.1 (medians over seeds), never rising "
      .. "between logged values; 7 seeds stop below 1.1 after 566-1032 steps, 3 end at 1.108-1.248 "
      .. "after 10000 steps (their sample's noise floor is above 1.1)" },
  { "gh_chenyuntc_pytorch-book_138", source = "https://github.com/chenyuntc/pytorch-book/issues/138",
    causes = { "lr_too_high" },
    accepted = "the asker's own follow-up (the thread's only reply): \"当我把损失函数换为: "
      .. "loss = t.mean((y_pred - y) ** 2) "
      .. "可以收敛。\" (\"when I change the loss function to the mean it "
      .. "converges\"): the summed loss over 30 points makes each step 30 times larger than lr 0.001 "
      .. "allows.",
    observed = "10 seeds, 10 diverged (loss inf at step 35-41 of 100, median 38.5); the step loss grows "
      .. "about tenfold each step from the first (6.9e+03-1.9e+04)" },
  { "gh_chenyuntc_pytorch-book_138_fixed", source = "https://github.com/chenyuntc/pytorch-book/issues/138",
    healthy = true,
    accepted = "the asker's fix: \"loss = t.mean((y_pred - y) ** 2)\" "
      .. "— \"可以收敛\" (\"it converges\").",
    observed = "10 seeds, 0 diverged; step loss first 445.9, last 3.593, min 2.147 (medians over seeds); "
      .. "mean of steps 1-10 95.3, then flat about 4 from step 20 to 100 (4.57, 4.22, 4.20, 3.80, 4.15 "
      .. "over steps 21-30 ... 91-100; a fresh batch each step, the bias still far from its optimum)" },
}

return M
