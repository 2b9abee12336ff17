--[[ tests/doctor/external4/key_tutorials.lua — the answer key of the tutorial cases of the fourth external
  evaluation set: official tutorials, course notes and books that deliberately show a training failure
  and its fix (TensorFlow's docs, Google's ML Crash Course exercises, CS231n's notes, Dive into Deep
  Learning). The tutorial's own demonstration is the ground truth; its fixed program is a healthy case.
  The lead merges it with the other parts' keys into key.lua. One entry per case file
  tests/doctor/external4/<id>.lua, in tests/doctor/external2/key_threads.lua's format:

    source = url           the tutorial file (GitHub, at a commit) the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the tutorial names first
    healthy = true         the tutorial's fixed program
    accepted = "..."       the ground truth in the tutorial's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need:
--   capacity_too_small   the model is too small (too little capacity, e.g. linear) to fit the data:
--                        the training loss levels off high (underfitting); the fix is a bigger model
--   too_few_epochs       training stops while the loss is still falling steadily (not converged); the fix
--                        is more epochs (or a larger learning rate)
M.NEW = { "capacity_too_small", "too_few_epochs" }

M.cases = {
  { "cs231n_spiral_linear",
    source = "https://github.com/cs231n/cs231n.github.io/blob/02a5dc648943/neural-networks-case-study.md",
    causes = { "capacity_too_small" },
    accepted = "\"This prints 49%. Not very good at all, but also not surprising given that the dataset is "
      .. "constructed so it is not linearly separable\"; \"Clearly, a linear classifier is inadequate for "
      .. "this dataset and we would like to use a Neural Network. One additional hidden layer will "
      .. "suffice\".",
    observed = "10 seeds, 0 diverged; epoch loss first 1.100 min 0.7628 last 0.7628 (medians over seeds); "
      .. "median loss at iterations 50/100/150/200: 0.780/0.765/0.763/0.763 (flat, the source's 0.786); "
      .. "training accuracy median 0.518 (0.507-0.540; the source's 49 %)" },
  { "cs231n_spiral_net",
    source = "https://github.com/cs231n/cs231n.github.io/blob/02a5dc648943/neural-networks-case-study.md",
    healthy = true,
    accepted = "the notes' fix: a 100-unit ReLU hidden layer, \"Neural Network classifier crushes the "
      .. "spiral dataset\" (training accuracy 98 %).",
    observed = "10 seeds, 0 diverged; epoch loss first 1.099 min 0.2523 last 0.2523 (medians over seeds; "
      .. "0.246-0.259 across seeds at iteration 3000, the source's 0.248 at 3000); training accuracy median "
      .. "0.983 (0.98-0.99)" },
  { "tf_basic_regression",
    source =
      "https://github.com/tensorflow/docs/blob/00e101270399/site/en/tutorials/keras/basic_regression.ipynb",
    causes = { "overfitting" },
    accepted = "\"This graph shows little improvement, or even degradation in the validation error after "
      .. "about 100 epochs. Let's update the model.fit call to automatically stop training when the "
      .. "validation score doesn't improve. We'll use an EarlyStopping callback\".",
    observed = "10 seeds, 0 diverged; loss (Keras's epoch mean) first 577.1 min 1.623 last 1.749; val loss "
      .. "first 576.9 min 7.013 last 8.848 (medians over seeds); median val loss at epochs 50/100/200/500/"
      .. "1000: 7.84/7.55/7.50/8.18/8.85; the best validation epoch 54-693 across seeds (median 220); the "
      .. "test-set MSE at the end (run summary test_mse) median 7.67 (6.66-8.86)" },
  { "tf_basic_regression_fixed",
    source =
      "https://github.com/tensorflow/docs/blob/00e101270399/site/en/tutorials/keras/basic_regression.ipynb",
    healthy = true,
    accepted = "the tutorial's fix: EarlyStopping(monitor='val_loss', patience=10); \"The graph shows that "
      .. "on the validation set, the average error is usually around +/- 2 MPG\".",
    observed = "10 seeds, 0 diverged; early stopping after 52-97 epochs (median 57); loss first 577.1 min "
      .. "6.002 last 6.158; val loss first 576.9 min 7.439 last 7.598 (medians over seeds); test MSE median "
      .. "8.79 (7.82-9.17), higher than the 1000-epoch program's 7.67" },
  -- d2l_weight_decay and d2l_weight_decay_fixed: the textbook part (key_books.lua) expressed the same
  -- d2l chapter independently under the same ids; its version is kept (README_tutorials.md, "Merge").
  { "mlcc_synth_epochs",
    source =
      "https://github.com/google/eng-edu/blob/ed18ccd/ml/cc/exercises/"
        .. "linear_regression_with_synthetic_data.ipynb",
    causes = { "too_few_epochs", "lr_too_low" },
    accepted = "Task 1: \"Notice that the loss curve decreases but doesn't flatten out, which is a sign that "
      .. "the model hasn't trained sufficiently\"; Task 2: \"In Task 1, the training loss did not converge. "
      .. "One possible solution is to train for more epochs\"; Task 3: \"Sometimes, you can get the model to "
      .. "converge more quickly by increasing the learning rate\".",
    observed = "10 seeds, 0 diverged; loss first 521.4 min 463.2 last 463.2 (medians over seeds); each seed "
      .. "ends at 0.80-0.93 of its first loss, still falling at every epoch" },
  { "mlcc_synth_epochs_fixed",
    source =
      "https://github.com/google/eng-edu/blob/ed18ccd/ml/cc/exercises/"
        .. "linear_regression_with_synthetic_data.ipynb",
    healthy = true,
    accepted = "Task 2's solution (450 epochs at learning rate 0.01): \"The loss curve suggests that the "
      .. "model does converge.\"",
    observed = "10 seeds, 0 diverged; loss first 521.4 min 0.8765 last 0.8768 (medians over seeds); 7 seeds "
      .. "end at 0.877 (the least-squares loss), 3 at 1.13-2.27" },
  { "mlcc_synth_lr_high",
    source =
      "https://github.com/google/eng-edu/blob/ed18ccd/ml/cc/exercises/"
        .. "linear_regression_with_synthetic_data.ipynb",
    causes = { "lr_too_high" },
    accepted = "Task 3 (\"we've intentionally set the learning rate too high\"): \"The resulting model is "
      .. "terrible ... the loss curve oscillates like a roller coaster. An oscillating loss curve strongly "
      .. "suggests that the learning rate is too high.\"",
    observed = "10 seeds, 0 diverged; loss first 521.4 min 0.8817 last 1.704e5 (medians over seeds); the "
      .. "loss reaches ~0.9 by epoch ~27, jumps to ~3.5e5, swings (1.2e5, 1.5e5, ...) and from epoch ~150 "
      .. "stays at 1.70e5 in every seed (RMSprop's steps of size ~lr = 100 alternate around the optimum: "
      .. "the roller coaster is in the first 150 epochs, then a flat high loss)" },
  { "mlcc_synth_lr_high_fixed",
    source =
      "https://github.com/google/eng-edu/blob/ed18ccd/ml/cc/exercises/"
        .. "linear_regression_with_synthetic_data.ipynb",
    healthy = true,
    accepted = "Task 4's solution: learning_rate=0.14, epochs=70 (\"make training converge as efficiently "
      .. "as possible\").",
    observed = "10 seeds, 0 diverged; loss first 521.4 min 0.8836 last 0.8909 (medians over seeds; "
      .. "0.875-1.34 across seeds)" },
}

return M
