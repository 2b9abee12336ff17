--[[ tests/doctor/external5/key_docs.lua — the answer key of the framework-docs cases of the fifth external
  evaluation set: official documentation examples and tutorials that show a training failure and its fix
  (TensorFlow's "Classification on imbalanced data", scikit-learn's MLP examples, Google's ML Crash Course
  taxi-fare exercise). The source's own statement is the ground truth; its reference / fixed program is a
  healthy case. The lead merges it with the other parts' keys. One entry per case file
  tests/doctor/external5/<id>.lua, in tests/doctor/external2/key_threads.lua's format:

    source = url           the documentation file (GitHub, at a commit) the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the source names first
    healthy = true         the source's reference or fixed program
    accepted = "..."       the ground truth in the source's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need (introduced by the fourth set, reused):
--   too_few_epochs   training stops while the loss still falls fast (not converged); the fix is more
--                    epochs (or a larger learning rate)
M.NEW = { "too_few_epochs" }

local TF =
  "https://github.com/tensorflow/docs/blob/023b91c/site/en/tutorials/structured_data/imbalanced_data.ipynb"
local SKL =
  "https://github.com/scikit-learn/scikit-learn/blob/0c81ae9/examples/neural_networks/plot_mnist_filters.py"
local MLCC = "https://github.com/google/eng-edu/blob/02822b2/ml/cc/exercises/linear_regression_taxi.ipynb"

M.cases = {
  { "tf_imbalanced_zero_bias", source = TF,
    causes = { "bad_init", "class_imbalance" },
    accepted = "\"These initial guesses are not great. You know the dataset is imbalanced. Set the output "
      .. "layer's bias to reflect that ... This can help with initial convergence\"; with the careful bias "
      .. "\"the model doesn't need to spend the first few epochs just learning that positive examples are "
      .. "unlikely\"; \"In terms of validation loss, on this problem, this careful initialization gives "
      .. "a clear "
      .. "advantage\" (and of the model in general: \"this model will not handle the class imbalance "
      .. "well\").",
    observed = "10 seeds, 0 diverged; loss (Keras's epoch mean, dropout on) first 0.597 min 0.0252 last "
      .. "0.0252; "
      .. "val loss first 0.290 min 0.0159 last 0.0159 (medians over seeds); median val loss at epochs "
      .. "2/5/10/20: 0.145/0.039/0.021/0.016, still above 0.0127, the entropy of the 0.17 % base rate; test "
      .. "recall 0 in every seed (no positive predicted at 0.5); test loss 0.0114" },
  { "tf_imbalanced_careful_bias", source = TF,
    causes = { "class_imbalance" },
    accepted = "of the baseline model (careful bias, no class weights): \"Note: this model will not "
      .. "handle the "
      .. "class imbalance well. You will improve it later in this tutorial\"; \"the recall and the area "
      .. "under "
      .. "the ROC curve (AUC) aren't as high as you might like\"; remedy: class weights, \"have the "
      .. "classifier "
      .. "heavily weight the few examples that are available\".",
    observed = "10 seeds, 0 diverged; loss first 0.0107 min 0.0031 last 0.0033; val loss first 0.0145 min "
      .. "0.0063 last 0.0064 (medians over seeds; the zero-bias case ends at 0.0159); test recall "
      .. "median 0.125 "
      .. "(0-0.25 of the 8 positive test rows), precision median 1 (0-1)" },
  { "skl_mnist_filters", source = SKL,
    causes = { "too_few_epochs" },
    accepted = "\"To make the example run faster, we use very few hidden units, and train only for a "
      .. "very short "
      .. "time. Training longer would result in weights with a much smoother spatial appearance. The example "
      .. "will throw a warning because it doesn't converge\".",
    observed = "10 seeds, 0 diverged; epoch loss first 2.136 min 0.0918 last 0.0918 (medians over seeds), "
      .. "0.113 at epoch 8: still falling ~10 % an epoch at the end (sklearn's tol is 1e-4); val (test) loss "
      .. "first 1.767 min 0.404 last 0.419 (0.434 at epoch 8); training accuracy 0.979, test 0.887" },
  { "mlcc_taxi_baseline", source = MLCC,
    healthy = true,
    accepted = "\"With this set of hyperparameters: learning_rate = 0.001, epochs = 20, batch_size = 50 "
      .. "it takes "
      .. "about 5 epochs for the training run to converge to the final model\"; \"the model fits the sample "
      .. "data fairly well\".",
    observed = "10 seeds, 0 diverged; loss (MSE) first 672.7 min 15.53 last 15.53 (medians over seeds); 17.7 "
      .. "at epoch 10 (the source's ~5 epochs of twice as many steps), 15.8 at 16; weight 2.297, bias 4.72, "
      .. "RMSE 3.94 (the source quotes 3.7457 for the one-feature model on all rows)" },
  { "mlcc_taxi_lr_high", source = MLCC,
    causes = { "lr_too_high" },
    accepted = "\"When the learning rate is too high, the loss curve bounces around and does not appear "
      .. "to be "
      .. "moving towards convergence with each iteration. Also, notice that the predicted model does not fit "
      .. "the data very well.\"",
    observed = "10 seeds, 0 diverged; loss first 51.7 min 47.4 last 49.1 (medians over seeds): flat and "
      .. "bouncing between 47 and 50 from epoch 2 on (the baseline reaches 15.5); final RMSE on the "
      .. "data 7.30 "
      .. "(3.93-15.5 across seeds), weight 1.23-3.57" },
  { "mlcc_taxi_lr_low", source = MLCC,
    causes = { "lr_too_low", "too_few_epochs" },
    accepted = "\"When the learning rate is too small, it may take longer for the loss curve to "
      .. "converge. With a "
      .. "small learning rate the loss curve decreases slowly, but does not show a dramatic drop or leveling "
      .. "off. With a small learning rate you could increase the number of epochs so that your model will "
      .. "eventually converge\".",
    observed = "10 seeds, 0 diverged; loss first 763.3 min 433.5 last 433.5 (medians over seeds), 595 "
      .. "at epoch "
      .. "10: a steady slow fall, no levelling off; bias 0.63, weight 0.75, RMSE 20.6 (the baseline 3.94)" },
  { "mlcc_taxi_batch500", source = MLCC,
    causes = { "too_few_epochs" },
    accepted = "\"Increasing the batch size makes each epoch run faster, but as with the smaller "
      .. "learning rate, "
      .. "the model does not converge with just 20 epochs. If you have time, try increasing the number of "
      .. "epochs and eventually you should see the model converge.\"",
    observed = "10 seeds, 0 diverged; loss first 759.4 min 423.4 last 423.4 (medians over seeds), 587 "
      .. "at epoch "
      .. "10: still falling steadily; bias 0.65, weight 0.77, RMSE 20.4" },
}

return M
