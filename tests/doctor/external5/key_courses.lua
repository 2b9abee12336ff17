--[[ tests/doctor/external5/key_courses.lua — the answer key of the course-assignment cases of the fifth
  external evaluation set: deeplearning.ai's Deep Learning Specialization programming assignments (as
  published in GitHub copies with their stored outputs), whose text states the failure, its cause and
  the fix. The lead merges it into key.lua. One entry per case file tests/doctor/external5/<id>.lua, in
  external2/key_threads.lua's format:

    source = url           the GitHub copy of the assignment the case comes from (the file and commit
                           are in the case's header)
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the assignment names first
    healthy = true         the assignment presents the program as the working one (its fix)
    accepted = "..."       the ground truth in the assignment's words
    observed = "..."       what `gglab run` of the case file showed (10 seeds, medians over seeds)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need (the id the earlier sets introduced):
--   capacity_too_small   the model has too little capacity for the data (a linear model, or one hidden
--                        unit, on a non-linearly-separable problem): the training loss stops falling at
--                        a high value; the remedy is a larger model, not a change to the optimisation
M.NEW = { "capacity_too_small" }

local REPO = "https://github.com/amanchadha/coursera-deep-learning-specialization"

M.cases = {
  { "dlai_planar_logreg", source = REPO,
    causes = { "capacity_too_small" },
    accepted = "C1 W3 notebook: \"Accuracy of logistic regression: 47 %\"; \"Interpretation: The dataset is "
      .. "not linearly separable, so logistic regression doesn't perform well. Hopefully a neural network "
      .. "will do better.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 0.6931 min 0.6566 last 0.6566 (medians); flat from "
      .. "the first tenth of training on in every seed (last 0.644-0.672); training accuracy median 0.47 "
      .. "(0.44-0.487), the notebook's 47 %" },
  { "dlai_planar_logreg_fixed", source = REPO,
    healthy = true,
    accepted = "C1 W3 notebook: the one-hidden-layer tanh network, \"Accuracy is really high compared to "
      .. "Logistic Regression. The model has learnt the leaf patterns of the flower!\" (\"Accuracy for 4 "
      .. "hidden units: 90.5 %\" after 5000 iterations).",
    observed = "10 seeds, 0 diverged; epoch loss first 0.6931 min 0.1874 last 0.1882 (medians); last "
      .. "0.137-0.229 across seeds, still falling slowly; training accuracy median 0.93 (0.90-0.953)" },
  { "dlai_planar_nh1", source = REPO,
    causes = { "capacity_too_small" },
    accepted = "C1 W3 notebook, 4.6 \"Tuning hidden layer size\": \"Accuracy for 1 hidden units: 67.5 %\" "
      .. "(90.5 % for 4); \"The larger models (with more hidden units) are able to fit the training set "
      .. "better ... The best hidden layer size seems to be around n_h = 5\".",
    observed = "10 seeds, 0 diverged; epoch loss first 0.6932 min 0.6185 last 0.6185 (medians); last "
      .. "0.607-0.638 across seeds, falling by < 0.005 over the second half; training accuracy median "
      .. "0.699 (0.665-0.71), the notebook's 67.5 %" },
  { "dlai_init_zeros", source = REPO,
    causes = { "bad_init" },
    accepted = "C2 W1 \"Initialization\": cost 0.6931471805599453 at every iteration, accuracy 0.5; "
      .. "\"initializing all the weights to zero results in the network failing to break symmetry\"; "
      .. "\"The weights W[l] should be initialized randomly to break symmetry\".",
    observed = "10 seeds, 0 diverged; epoch loss 0.6931 at the first, every and the last of the 8000 "
      .. "iterations in every seed; training and test accuracy 0.5, test loss 0.6931 in every seed" },
  { "dlai_init_large", source = REPO,
    causes = { "bad_init", "saturation" },
    accepted = "C2 W1 \"Initialization\" (W = randn * 10): \"The cost starts very high. This is because with "
      .. "large random-valued weights, the last activation (sigmoid) outputs results that are very close to "
      .. "0 or 1 for some examples\"; \"Poor initialization can lead to vanishing/exploding gradients, "
      .. "which also slows down the optimization algorithm\"; the fix is He initialization.",
    observed = "10 seeds, 0 diverged; epoch loss first 49.86 min 49.34 last 49.34 (medians): flat at the "
      .. "start value in 9 of 10 seeds (last 28.6-50.9; one seed falls 48 -> 28.6 late); training "
      .. "accuracy median 0.502 (0.49-0.573), test 0.505, test loss 49.0. Worse than the notebook (cost "
      .. "0.38, accuracy 0.83 after 15000 iterations): gglab's bce clamps the log at -100 and gives no "
      .. "gradient through a saturated sigmoid, where the notebook's backward uses a3 - Y" },
  { "dlai_init_zeros_fixed", source = REPO,
    healthy = true,
    accepted = "C2 W1 \"Initialization\": He initialization, cost 0.0736 at iteration 14000, accuracy "
      .. "0.993 / 0.96; \"He initialization works well for networks with ReLU activations\" (the fix of "
      .. "both dlai_init_zeros and dlai_init_large).",
    observed = "10 seeds, 0 diverged; epoch loss first 0.7334 min 0.2423 last 0.2423 (medians); last "
      .. "0.131-0.517 across seeds, still falling in all (the notebook's He cost is 0.237 at iteration "
      .. "8000); training accuracy median 0.958 (0.863-0.987), test 0.955 (0.85-0.99), test loss 0.233" },
  { "dlai_opt_gd", source = REPO,
    causes = { "optimizer_choice", "lr_too_low" },
    accepted = "C2 W2 \"Optimization methods\": gradient descent 79.7 % against Adam 94 %; \"Adam on the "
      .. "other hand, clearly outperforms mini-batch gradient descent and Momentum. If you run the model for "
      .. "more epochs on this simple dataset, all three methods will lead to very good results. However, "
      .. "you've seen that Adam converges a lot faster.\" (\"given the small learning rate\").",
    observed = "10 seeds, 0 diverged; epoch loss first 0.7642 min 0.4922 last 0.4922 (medians), falling "
      .. "slowly to the end (last 0.30-0.69; 2 seeds stay at 0.6931); training accuracy median 0.80 "
      .. "(0.477-0.88), the notebook's 79.7 %" },
  { "dlai_opt_momentum", source = REPO,
    causes = { "optimizer_choice", "lr_too_low" },
    accepted = "C2 W2 \"Optimization methods\": momentum 79.7 % against Adam 94 %; \"Momentum usually helps, "
      .. "but given the small learning rate and the simplistic dataset, its impact is almost negligeable\"; "
      .. "\"Adam ... converges a lot faster\".",
    observed = "10 seeds, 0 diverged; epoch loss first 0.7642 min 0.4922 last 0.4922 (medians), the same "
      .. "curves as dlai_opt_gd to 3-4 digits (last 0.30-0.69; the same 2 seeds at 0.6931); training "
      .. "accuracy median 0.80 (0.477-0.88)" },
  { "dlai_opt_gd_fixed", source = REPO,
    healthy = true,
    accepted = "C2 W2 \"Optimization methods\": Adam, 94 %, \"smoother\"; \"Adam on the other hand, clearly "
      .. "outperforms mini-batch gradient descent and Momentum\".",
    observed = "10 seeds, 0 diverged; epoch loss first 0.7628 min 0.0984 last 0.0984 (medians); 8 seeds "
      .. "end at 0.062-0.279, 2 seeds (the two stuck in dlai_opt_gd too) stay at 0.6932 from the start "
      .. "(accuracy 0.5; probably dead ReLUs in the 2-unit layer, not checked); training accuracy "
      .. "median 0.953 (0.887-0.973 in the other 8)" },
}

return M
