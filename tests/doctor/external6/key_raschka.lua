--[[ tests/doctor/external6/key_raschka.lua — the answer key of the Raschka cases of the sixth external
  evaluation set: the code of Sebastian Raschka's books ("Machine Learning with PyTorch and
  Scikit-Learn", mlpt_*; "Python Machine Learning" 3rd ed., pml_*) and of his STAT 453 lecture
  notebooks (stat453_*), where the author deliberately shows a training failure and its fix, with
  the author's own stated cause (or, for the lecture notebooks, the author's contrasting program).
  The lead merges it into key.lua. One entry per case file tests/doctor/external6/<id>.lua, in
  external2/key_threads.lua's format:

    source = url           the GitHub file of the book's / lecture's code the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the author names first
    healthy = true         the author presents the program as the working (fixed) one
    accepted = "..."       the ground truth in the author's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need: none (hidden_activation is in causes.lua).
M.NEW = {}

local MLPT2 = "https://github.com/rasbt/machine-learning-book/blob/35ab3774/ch02/ch02.py"
local PML2 = "https://github.com/rasbt/python-machine-learning-book-3rd-edition/blob/bf62496f/ch02/ch02.py"
local S453 = "https://github.com/rasbt/stat453-deep-learning-ss21/blob/2202699c/"

M.cases = {
  { "mlpt_adaline_eta_high", source = MLPT2,
    causes = { "lr_too_high", "unscaled_features" },
    accepted = "the book (ch. 2, AdalineGD eta = 0.1 on the unscaled iris features): \"The left chart "
      .. "shows what could happen if we choose a learning rate that is too large. Instead of minimizing "
      .. "the loss function, the MSE becomes larger in every epoch, because we overshoot the global "
      .. "minimum.\" The next section's fix standardises the features (\"helps gradient descent learning "
      .. "to converge more quickly\") and then trains at eta = 0.5.",
    observed = "10 seeds, 0 diverged (no NaN within 15 epochs); epoch loss first 0.5325 min 0.5325 last "
      .. "2.435e+23 (medians over seeds); the median MSE grows ~50x every epoch (18.1 at epoch 2, 4.6e4 "
      .. "at 4, 7.5e14 at 10); final 1.7e23-3.0e23 across seeds" },
  { "mlpt_adaline_eta_low", source = MLPT2,
    causes = { "lr_too_low", "unscaled_features" },
    accepted = "the book (AdalineGD eta = 0.0001, unscaled features): \"we can see that the loss "
      .. "decreases on the right plot, but the chosen learning rate, eta = 0.0001, is so small that the "
      .. "algorithm would require a very large number of epochs to converge to the global loss "
      .. "minimum\"; the next section standardises the features and trains at eta = 0.5.",
    observed = "10 seeds, 0 diverged; epoch loss first 0.5325 min 0.4574 last 0.4574 (medians over "
      .. "seeds); the median MSE falls ~1 % an epoch, linearly (0.5325, 0.5265, 0.5207, ... 0.4574 at "
      .. "epoch 15); final 0.358-0.524 across seeds against 0.0122 for the standardised fix" },
  { "mlpt_adaline_eta_high_fixed", source = MLPT2,
    healthy = true,
    accepted = "the book's fix (standardised features, AdalineGD eta = 0.5, 20 epochs): \"Adaline has "
      .. "now converged after training on the standardized features. However, note that the MSE remains "
      .. "non-zero even though all flower examples were classified correctly.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 0.5047 min 0.01224 last 0.01224 (medians over "
      .. "seeds); 0.172 at epoch 2, 0.0582 at 5, 0.0179 at 10, flat at 0.0122-0.0123 from epoch 18; "
      .. "final 0.01223-0.01225 across seeds" },
  { "mlpt_adaline_sgd", source = MLPT2,
    healthy = true,
    accepted = "the book's stochastic gradient descent Adaline (standardised features, eta = 0.01, one "
      .. "update per row, 15 epochs): \"The average loss goes down pretty quickly, and the final decision "
      .. "boundary after 15 epochs looks similar to the batch gradient descent Adaline\".",
    observed = "10 seeds, 0 diverged; epoch loss first 0.1331 min 0.01247 last 0.01265 (medians over "
      .. "seeds); 0.0276 at epoch 2, 0.0140 at 5, flat at ~0.0127 from epoch 8 (per-row SGD noise); "
      .. "final 0.0123-0.0128 across seeds" },
  { "pml_adaline_eta_high", source = PML2,
    causes = { "lr_too_high", "unscaled_features" },
    accepted = "the book (3rd ed. ch. 2, AdalineGD eta = 0.01, sum-of-squared-errors cost, unscaled "
      .. "features): \"The left chart shows what could happen if we choose a learning rate that is too "
      .. "large. Instead of minimizing the cost function, the error becomes larger in every epoch, "
      .. "because we overshoot the global minimum.\" The next section standardises the features and "
      .. "trains with the same eta = 0.01.",
    observed = "10 seeds, 0 diverged (no NaN within 10 epochs); epoch loss (SSE / 2) first 50.71 min "
      .. "50.71 last 1.006e+29 (medians over seeds); ~1500x an epoch (2872 at epoch 2, 1.09e13 at 5); "
      .. "final 2.6e28-1.9e29 across seeds" },
  { "pml_adaline_eta_low", source = PML2,
    causes = { "lr_too_low", "unscaled_features" },
    accepted = "the book (AdalineGD eta = 0.0001, unscaled features): \"we can see that the cost "
      .. "decreases on the right plot, but the chosen learning rate, eta = 0.0001, is so small that the "
      .. "algorithm would require a very large number of epochs to converge to the global cost minimum\".",
    observed = "10 seeds, 0 diverged; epoch loss (SSE / 2) first 50.71 min 40.66 last 40.66 (medians "
      .. "over seeds); falls 2-4 % an epoch (48.73, 47.39, ... 40.66 at epoch 10); final 39.1-41.4 "
      .. "across seeds against 2.57 for the standardised fix" },
  { "pml_adaline_eta_high_fixed", source = PML2,
    healthy = true,
    accepted = "the book's fix (standardised features, eta = 0.01, 15 epochs): \"As we can see in the "
      .. "plots, Adaline has now converged after training on the standardized features using a learning "
      .. "rate of eta = 0.01. However, note that the SSE remains non-zero even though all flower "
      .. "examples were classified correctly.\"",
    observed = "10 seeds, 0 diverged; epoch loss (SSE / 2) first 50.48 min 2.573 last 2.573 (medians "
      .. "over seeds); 11.55 at epoch 5, 3.573 at 10, 2.573 at 15 (still falling ~3 % an epoch at the "
      .. "end); final 2.567-2.578 across seeds" },
  { "stat453_xor", source = S453 .. "L09/code/xor-problem.ipynb",
    causes = { "hidden_activation" },
    accepted = "the lecture notebook \"Solving the XOR Problem\": \"Multilayer Perceptron with Linear "
      .. "Activations\" (the F.relu between the two layers commented out) stays at cost 0.6927, the same "
      .. "program as \"Multilayer Perceptron with Non-Linear Activations (Here: ReLU)\" falls to 0.3594 "
      .. "in the same 25 epochs.",
    observed = "10 seeds, 0 diverged; epoch loss first 0.7409 min 0.6927 last 0.6927 (medians over "
      .. "seeds); flat at 0.6927 (log 2 for the balanced classes) from epoch 9 in every seed, as the "
      .. "notebook's 0.6927" },
  { "stat453_xor_fixed", source = S453 .. "L09/code/xor-problem.ipynb",
    healthy = true,
    accepted = "the lecture notebook's working program, \"Multilayer Perceptron with Non-Linear "
      .. "Activations (Here: ReLU)\": cost 0.7163 -> 0.3594 in 25 full-batch epochs, its decision regions "
      .. "separate the XOR clusters.",
    observed = "10 seeds, 0 diverged; epoch loss first 0.7314 min 0.3725 last 0.3725 (medians over "
      .. "seeds); 0.634 at epoch 5, 0.5256 at 11, 0.4091 at 21, 0.3725 at 25 (notebook: 0.3594), still "
      .. "falling ~4 % an epoch at the end (the notebook stops there too); final 0.320-0.448 across seeds" },
  { "stat453_init_normal", source = S453 .. "L11/code/weight_normal.ipynb",
    causes = { "bad_init" },
    accepted = "the lecture's weight-initialisation notebooks: with every weight normal_(0, 0.001) the "
      .. "ReLU MLP stays at loss 2.30 and \"Train: 11.31% | Validation: 10.50%\" for 16 epochs; the same "
      .. "program with kaiming_uniform_(..., nonlinearity='relu') weights reaches 90.83 % / 92.57 % after "
      .. "one epoch, and with the N(0, 0.001) weights and BatchNorm1d 96.47 % / 96.58 %.",
    observed = "10 seeds, 0 diverged; epoch loss first 2.303 min 2.303 last 2.303; val loss first 2.303 "
      .. "min 2.303 last 2.303 (medians over seeds): ln 10 in every epoch of every seed, the whole run "
      .. "(350 steps; the source's plateau lasted 16 epochs x 211 steps, ~3400 steps, longer than this "
      .. "run)" },
  { "stat453_init_normal_fixed", source = S453 .. "L11/code/weight_kaiming.ipynb",
    healthy = true,
    accepted = "the lecture's fix by initialisation: kaiming_uniform_(m.weight, mode='fan_in', "
      .. "nonlinearity='relu'): 90.83 % / 92.57 % after epoch 1, 99.85 % / 97.93 % after 50, test "
      .. "accuracy 97.63 %.",
    observed = "10 seeds, 0 diverged; epoch loss first 2.294 min 0.09855 last 0.09855; val loss first "
      .. "2.097 min 0.2716 last 0.2964 (medians over seeds); val loss 1.103 at epoch 5, 0.4988 at 13, "
      .. "0.3331 at 25, then 0.29-0.33; final val loss 0.237-0.407 across seeds (7 steps an epoch: slower "
      .. "per epoch than the source's 211)" },
  { "stat453_init_normal_bn", source = S453 .. "L11/code/",
    healthy = true,
    accepted = "the lecture's fix by batch normalisation (N(0, 0.001) weights kept, BatchNorm1d after "
      .. "each hidden Linear): 96.47 % / 96.58 % after epoch 1, 100.00 % / 98.00 % after 50, test "
      .. "accuracy 97.82 %.",
    observed = "10 seeds, 0 diverged; epoch loss first 2.123 min 0.007749 last 0.00863; val loss first "
      .. "2.3 min 0.1151 last 0.1309 (medians over seeds); the val loss stays ~2.3 for 3 epochs (running "
      .. "statistics after 7 steps an epoch), 0.515 at epoch 9, 0.189 at 21, 0.13-0.14 from 37; final "
      .. "val loss 0.094-0.201 across seeds" },
}

return M
