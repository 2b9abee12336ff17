--[[ tests/doctor/external6/key_mlm.lua — the answer key of the Machine Learning Mastery cases of the
  sixth external evaluation set (mlm_*: Jason Brownlee's tutorials that run a small Keras model, show a
  failure by its curve or score and fix it; their code cited from GitHub copies). One entry per case
  file tests/doctor/external6/<id>.lua, in tests/doctor/external2/key_threads.lua's format:

    source = url           the GitHub copy of the tutorial's code the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids);
                           the first is the cause the tutorial names first
    healthy = true         the tutorial's fixed / recommended program: "no problem found" is right
    accepted = "..."       the ground truth in the tutorial's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them.
  The tutorials' text and printed scores were read in their Chinese translation
  (github.com/apachecn/ml-mastery-zh-pt2 @ 51d2f963b7ea, docs/dlperf/*.md, programs unchanged); the
  quotations below are the English originals' sentences as rendered there, re-translated where the
  stored English page was cut (see README_mlm.md). "loss" is Keras's per-epoch running mean. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need: none.
M.NEW = {}

local VANISH = "https://github.com/piotrlnordea/tensorboard"
local VANISH_FIX = "https://github.com/apachecn/ml-mastery-zh-pt2"
local BDL = "https://github.com/enuguru/artificial_intelligence_and_machine_learning"
local ZH = "https://github.com/apachecn/ml-mastery-zh-pt2"

M.cases = {
  { "mlm_vanishing_gradients", source = VANISH,
    causes = { "saturation", "bad_init" },
    accepted = "tutorial (How to Fix the Vanishing Gradients Problem Using the ReLU): five tanh layers "
      .. "with RandomUniform(0, 1) kernels reach \"around 50% accuracy\" (Train: 0.530, Test: 0.468); "
      .. "\"Deep models using the hyperbolic tangent activation function do not train easily, and much "
      .. "of this poor performance is blamed on the vanishing gradient problem\"; the fix is ReLU with "
      .. "the He weight initialization (Train: 0.836, Test: 0.840).",
    observed = "10 seeds, 0 diverged; val loss first 0.842 min 0.677 last 0.680 (medians over seeds); "
      .. "final train accuracy 0.578, test 0.550 (medians); 9 of 10 seeds end at 0.51-0.68 train "
      .. "accuracy with the val loss flat near 0.69 for the last 400 epochs (median |epoch-to-epoch "
      .. "change| 0.003); one seed (5) learns slowly, 0.852 / 0.814" },
  { "mlm_vanishing_gradients_fixed", source = VANISH_FIX,
    healthy = true,
    accepted = "tutorial: with five ReLU layers and he_uniform \"this small change has allowed the model "
      .. "to learn the problem, achieving about 84% accuracy on both datasets\" (Train: 0.836, Test: "
      .. "0.840), \"converging on a solution in about 100 epochs\".",
    observed = "10 seeds, 0 diverged; loss first 0.699 min 0.280 last 0.303; val loss first 0.695 "
      .. "min 0.397 last 0.447 (medians over seeds); final train accuracy 0.871, test 0.808 (medians); "
      .. "9 of 10 seeds learn (test 0.77-0.82); seed 8 stays at the chance loss 0.694 (accuracy 0.51 / "
      .. "0.49) for all 500 epochs" },
  { "mlm_data_scaling", source = BDL,
    causes = { "targets_unscaled", "exploding_gradients" },
    accepted = "tutorial (How to use Data Scaling to Improve Deep Learning Model Stability and "
      .. "Performance): \"unscaled target variables on regression problems can result in exploding "
      .. "gradients causing the learning process to fail\"; the unscaled run: \"the model is unable to "
      .. "learn the problem, resulting in predictions of NaN values. The model weights exploded during "
      .. "training given the very large error\" (Train: nan, Test: nan); \"at the very least some data "
      .. "scaling is required for the target variable\".",
    observed = "10 seeds, 10 diverged (batch loss inf at step 8-10, in the first epoch); batch losses "
      .. "~2.1e4-4.0e4 at step 1, ~1e5-1e6 by step 4-5, 1e19-1e32 the step before inf" },
  { "mlm_data_scaling_fixed", source = BDL,
    healthy = true,
    accepted = "tutorial: with the target standardised \"the model does appear to learn the problem and "
      .. "achieves near-zero mean squared error\" (Train: 0.003, Test: 0.007), \"neither over- nor "
      .. "underfitting\".",
    observed = "10 seeds, 0 diverged; loss first 1.146 min 0.00177 last 0.00177; val loss first 0.473 "
      .. "min 0.00460 last 0.00460 (medians over seeds); still falling at epoch 100 in every seed" },
  { "mlm_gradient_clipping",
    source = ZH,
    healthy = true,
    accepted = "tutorial (How to Avoid Exploding Gradients With Gradient Clipping): the unscaled-target "
      .. "MLP with clipnorm=1.0: \"scaling the gradients with a vector norm of 1.0 has resulted in a "
      .. "stable model capable of learning the problem and converging on a solution\" (Train: 5.082, "
      .. "Test: 27.433); the loss falls from above 20,000 to below 100 within 20 epochs.",
    observed = "10 seeds, 0 diverged; loss first 25,010 min 1.68 last 1.68; val loss first 23,300 min "
      .. "12.1 last 12.3 (medians over seeds; the target's variance is ~2.3e4); val loss ~10,000 after "
      .. "epoch 10, ~400 after epoch 20, < 20 by epoch 90" },
  { "mlm_lr_too_high", source = BDL,
    causes = { "lr_too_high" },
    accepted = "tutorial (Understand the Impact of Learning Rate on Neural Network Performance): \"The "
      .. "plots show oscillations in behavior for the too-large learning rate of 1.0\"; \"a learning "
      .. "rate that is too large can cause the model to converge too quickly to a suboptimal solution\"; "
      .. "\"a moderate learning rate of 0.1 results in good model performance\".",
    observed = "10 seeds, 0 diverged; val loss first 8.30 min 0.658 last 0.965 (medians over seeds); "
      .. "final train accuracy 0.600, test 0.595 (medians; lr 0.1: 0.839 / 0.827); over the last 100 "
      .. "epochs the val loss moves by a median 0.081 an epoch and spans 1.03 (lr 0.1: 0.017 and "
      .. "0.16); seed 7 collapses to one class (accuracy 0.32, loss 10.9)" },
  { "mlm_lr_too_low", source = BDL,
    causes = { "lr_too_low" },
    accepted = "tutorial: \"the inability of the model to learn anything with the too-small learning "
      .. "rates of 1E-6 and 1E-7\"; \"a value too small may result in a long training process that "
      .. "could get stuck\"; \"a moderate learning rate of 0.1 results in good model performance\".",
    observed = "10 seeds, 0 diverged; loss first 3.09 min 2.37 last 2.37; val loss first 3.07 min 2.41 "
      .. "last 2.41 (medians over seeds; lr 0.1 reaches 0.37); final train accuracy 0.445, test 0.444 "
      .. "(medians, 0.17-0.52 across seeds); the loss falls slowly and steadily in every seed "
      .. "(e.g. seed 1: 1.28 -> 1.23 in 200 epochs)" },
  { "mlm_lr_moderate", source = BDL,
    healthy = true,
    accepted = "tutorial: \"the model was able to learn the problem well with the learning rates 1E-1, "
      .. "1E-2 and 1E-3\"; \"For the chosen model configuration, the results suggest a moderate learning "
      .. "rate of 0.1 results in good model performance on the train and test sets\".",
    observed = "10 seeds, 0 diverged; loss first 6.41 min 0.367 last 0.379; val loss first 5.80 min "
      .. "0.370 last 0.385 (medians over seeds); final train accuracy 0.839, test 0.827 (medians; "
      .. "test 0.814-0.846 across seeds)" },
  { "mlm_dropout", source = ZH,
    causes = { "overfitting" },
    accepted = "tutorial (How to Reduce Overfitting With Dropout Regularization in Keras): \"the model "
      .. "has better performance on the training dataset than the test dataset, one possible sign of "
      .. "overfitting\" (Train: 1.000, Test: 0.757); \"the expected shape of an overfit model where test "
      .. "accuracy increases to a point and then begins to decrease again\"; the fix: Dropout(0.4).",
    observed = "10 seeds, 0 diverged; loss first 0.695 min 0.0099 last 0.0099; val loss first 0.693 "
      .. "min 0.584 (median epoch 286) last 2.36 (medians over seeds); final train accuracy 1.000 in "
      .. "every seed, test 0.607 (median, 0.59-0.64)" },
}

return M
