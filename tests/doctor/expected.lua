--[[ tests/doctor/expected.lua — the answer key of the doctor's evaluation: for every
  configuration of tests/doctor/configs.lua (in this order: the order of the sweep and of
  the tables), what a correct diagnosis names, and what the unchanged runs must show.

    healthy = true        "no problem found" is the only right verdict
    causes = {...}        one cause; the doctor is right when its dominant cause is in this
                          set (cause ids of lua/gglab/lib/causes.lua)
    interacting = {A, B}  two causes, each a set; right only when the verdict names one of
                          A AND one of B
    why = "..."           what is broken (configs.lua has the details); for a set of more
                          than one cause, why each is right
    shows = {text, f}     what the unchanged runs show that makes the configuration broken
                          (or healthy) as intended: f(s, fixed) on medians over the seeds
                          (tests/doctor/evidence.lua's summary: diverged, train and val =
                          {first, min, last}, outcome = the loss on the validation data after
                          training); `fixed` is the same summary of the runs with the panel
                          fix named by `fix`, plus fixed.ratio: the median over seeds of
                          unchanged outcome / outcome with the fix (paired by seed; a
                          diverged run's outcome is inf). test_doctor.lua checks it on both
                          seed sets.

  A set has two members only where both are honestly the cause of the same mechanism —
  never to make the test pass. ]]
local LN3 = math.log(3)

local function overflows(s) return s.diverged >= 8 end
local function healthy(s)
  return s.diverged == 0 and s.train.last < s.train.first and s.val.last < 1.5 * s.val.min
end
local HEALTHY = { "converges: no overflow, the training loss falls, the validation loss ends < 1.5x its minimum",
  healthy }

return {
  -- ---- one cause each ----
  { "lr_too_high_wine", causes = { "lr_too_high" },
    why = "plain SGD at lr 4 on standardised wine (batch 16): twice the largest stable lr measured in "
      .. "experiments/batch_lr.lua; the loss overflows",
    shows = { "the loss overflows in >= 8/10 seeds", overflows } },
  { "lr_too_high_alcohol", causes = { "lr_too_high" },
    why = "SGD at lr 0.6 regressing wine's alcohol content (batch 16): above the measured limit 0.25; "
      .. "the loss overflows",
    shows = { "the loss overflows in >= 8/10 seeds", overflows } },
  { "momentum_too_high", causes = { "momentum_too_high" },
    why = "SGD lr 0.02 with momentum 0.99 (an effective step 100x the lr): the loss oscillates and "
      .. "overflows in some seeds, rises in most",
    shows = { "overflows in >= 3/10 seeds, or the training loss ends > 1.5x its minimum",
      function(s) return s.diverged >= 3 or (s.train ~= nil and s.train.last > 1.5 * s.train.min) end } },
  { "target_outliers", causes = { "outliers" },
    why = "5 % of the training targets moved by 50 sd, MSE: each outlier batch yanks the fit; the clean "
      .. "validation loss climbs",
    shows = { "the validation loss ends > 3x its minimum", function(s) return s.val.last > 3 * s.val.min end } },
  { "unscaled_cancer", causes = { "unscaled_features" },
    why = "breast_cancer's raw features (0.001 to 4000) into SGD: the loss stalls near ln 2",
    shows = { "stuck: validation loss > 0.6 (ln 2 = 0.69 is chance)", function(s) return s.outcome > 0.6 end } },
  { "unscaled_column", causes = { "unscaled_features" },
    why = "one feature column x1000 (the seed write-ups' case), Adam: the fit stalls far above the "
      .. "noise floor",
    fix = "standardize",
    shows = { "validation loss > 3x what standardised features reach",
      function(s, f) return f.ratio > 3 end } },
  { "label_noise", causes = { "overfitting" },
    why = "30 % of the training labels flipped, a 10-64-64-2 net trained 40 epochs: the clean "
      .. "validation loss rises while the training loss falls",
    shows = { "the validation loss ends > 2x its minimum while the training loss falls",
      function(s) return s.val.last > 2 * s.val.min and s.train.last < s.train.first end } },
  { "sigmoid_deep", causes = { "saturation" },
    why = "three sigmoid hidden layers with plain SGD: gradients vanish through them, the loss sits "
      .. "at ln 3 (chance)",
    shows = { "stuck at chance: training loss > 0.95 ln 3", function(s) return s.train.last > 0.95 * LN3 end } },
  { "exploding_init", causes = { "exploding_gradients", "bad_init" },
    why = "weights drawn N(0, 1) in a 5-hidden-layer ReLU net: activations and gradients grow ~4x a "
      .. "layer and the first steps overflow. Both fixes address this one mechanism: the default "
      .. "init removes the growth, clipping bounds the steps it causes",
    shows = { "the loss overflows in >= 8/10 seeds", overflows } },
  { "tiny_init", causes = { "bad_init" },
    why = "weights drawn N(0, 0.01) in a 4-hidden-layer tanh net: the signal and the gradients "
      .. "vanish, the loss sits at ln 3",
    shows = { "stuck at chance: training loss > 0.95 ln 3", function(s) return s.train.last > 0.95 * LN3 end } },
  { "l2_too_strong", causes = { "regularization_too_strong" },
    why = "l2 = 0.1 on wine: the penalty dominates, the model underfits (training loss stays ~0.7)",
    fix = "no_reg",
    shows = { "underfits: validation loss > 3x without the penalty", function(s, f) return f.ratio > 3 end } },
  { "weight_decay_too_strong", causes = { "regularization_too_strong" },
    why = "SGD weight_decay 0.1 on digits (AdamW's usual value, a plain L2 term in SGD): the weights "
      .. "cannot grow, the validation loss stays 4-7x the unregularised one",
    fix = "no_reg",
    shows = { "underfits: validation loss > 3x without weight decay", function(s, f) return f.ratio > 3 end } },
  { "batch_too_small", causes = { "batch_too_small", "lr_too_high" },
    why = "batch 1 at lr 0.1 on the alcohol regression: stable from batch 4 up (experiments/"
      .. "batch_lr.lua), overflows at batch 1. 'Batch too small for the lr' and 'lr too high for the "
      .. "batch' are one mechanism (gradient noise x lr), and both fixes remove it",
    fix = "batch*4",
    shows = { "the loss overflows in >= 8/10 seeds, at batch 4 in none",
      function(s, f) return s.diverged >= 8 and f.diverged == 0 end } },
  { "class_imbalance", causes = { "class_imbalance" },
    why = "breast_cancer with 95 % of the malignant training rows dropped, judged on a balanced "
      .. "validation set: the model learns to say benign",
    fix = "class_weights",
    shows = { "balanced validation loss > 1.5x with class weights", function(s, f) return f.ratio > 1.5 end } },
  { "dead_relu", causes = { "dead_relu" },
    why = "a deep narrow ReLU net (5 hidden layers of 2 units): most seeds start or end with a layer "
      .. "of dead units, the loss stays near var(y)",
    fix = "leaky_relu",
    shows = { "barely learns: validation loss > 2x with LeakyReLU", function(s, f) return f.ratio > 2 end } },
  { "no_lr_decay", causes = { "no_lr_decay" },
    why = "Adam at a constant lr 0.03, batch 8, 10 epochs: fast at first, then bouncing (training "
      .. "and validation loss rise at the end); a lower constant lr is too slow for the budget",
    shows = { "the training loss ends > 1.1x its minimum (bouncing)",
      function(s) return s.train.last > 1.1 * s.train.min end } },
  -- ---- two interacting causes ----
  { "init_and_lr", interacting = { { "bad_init", "exploding_gradients" }, { "lr_too_high" } },
    why = "the N(0, 1) init of exploding_init AND SGD lr 0.3: with the default init the lr still "
      .. "overflows in some seeds, lower lrs cannot tame the init",
    fix = "default_init",
    shows = { "the loss overflows in >= 8/10 seeds, and in >= 3 with the default init",
      function(s, f) return s.diverged >= 8 and f.diverged >= 3 end } },
  { "momentum_and_outliers", interacting = { { "momentum_too_high" }, { "outliers" } },
    why = "target outliers AND momentum 0.99 at lr 0.01: lowering the momentum leaves the outliers' "
      .. "climbing validation loss, Huber alone leaves momentum's bouncing",
    fix = "huber",
    shows = { "the loss overflows in >= 8/10 seeds; with Huber loss none does, but the validation loss "
      .. "ends > 1.1x its minimum", function(s, f) return s.diverged >= 8 and f.diverged == 0
        and f.val.last > 1.1 * f.val.min end } },
  { "outliers_and_overfitting", interacting = { { "outliers" }, { "overfitting" } },
    why = "target outliers AND a 10-64-64-1 net fitted 60 epochs to 105 rows: Huber alone still "
      .. "overfits (validation loss rises), early stopping alone stops on a fit bent by the outliers",
    fix = "huber",
    shows = { "the validation loss ends > 3x its minimum; with Huber loss still > 1.5x",
      function(s, f) return s.val.last > 3 * s.val.min and f.val.last > 1.5 * f.val.min end } },
  -- ---- held out (see configs.lua) ----
  { "holdout_lr_adam", causes = { "lr_too_high" },
    why = "Adam at lr 0.3 (100x its usual 3e-3) on digits",
    fix = "lr/100",
    shows = { "validation loss > 3x with lr / 100", function(s, f) return f.ratio > 3 end } },
  { "holdout_nesterov", causes = { "momentum_too_high" },
    why = "Nesterov SGD with momentum 0.995 on wine: the effective step is 200x the lr",
    fix = "momentum=0.9",
    shows = { "validation loss > 3x with momentum 0.9", function(s, f) return f.ratio > 3 end } },
  { "holdout_unscaled_wine", causes = { "unscaled_features" },
    why = "wine's raw features (proline in the hundreds, hue ~1) into Adam",
    fix = "standardize",
    shows = { "validation loss > 3x with standardised features", function(s, f) return f.ratio > 3 end } },
  { "holdout_outliers_alcohol", causes = { "outliers" },
    why = "5 % of the alcohol targets 20 sd off, MSE",
    fix = "huber",
    shows = { "validation loss > 1.5x with Huber loss", function(s, f) return f.ratio > 1.5 end } },
  { "holdout_imbalance_blobs", causes = { "class_imbalance" },
    why = "one of 3 classes cut to 2 % of its training rows (~3 rows), judged on balanced validation data",
    fix = "class_weights",
    shows = { "validation loss > 1.5x with class weights", function(s, f) return f.ratio > 1.5 end } },
  { "holdout_sigmoid_cancer", causes = { "saturation" },
    why = "two sigmoid hidden layers, SGD lr 0.01: the loss crawls",
    fix = "relu",
    shows = { "validation loss > 1.5x with ReLU", function(s, f) return f.ratio > 1.5 end } },
  -- ---- own_* (issue 21, the new causes; see configs.lua) ----
  { "own_targets_unscaled", causes = { "targets_unscaled" },
    why = "the raw alcohol target (~13) into Adam 0.003: the output cannot grow that far in 20 epochs",
    fix = "scale_targets",
    shows = { "validation loss > 3x with standardised targets (in the original units)",
      function(s, f) return f.ratio > 3 end } },
  { "own_output_relu", causes = { "output_activation" },
    why = "a ReLU output on regression targets offset by -3, most of them negative",
    fix = "no_output_act",
    shows = { "validation loss > 1.5x without the output ReLU", function(s, f) return f.ratio > 1.5 end } },
  { "own_lr_too_low", causes = { "lr_too_low" },
    why = "iris with Adam at lr 1e-4: the loss barely moves from ln 3 in 20 epochs",
    fix = "lr*100",
    shows = { "validation loss > 3x with lr x 100", function(s, f) return f.ratio > 3 end } },
  { "holdout_healthy_wine_adam", healthy = true, why = "wine, 13-32-3, Adam 0.003", shows = HEALTHY },
  { "holdout_healthy_iris_sgd", healthy = true, why = "iris, 4-16-3, SGD 0.05 momentum 0.9, 10 epochs", shows = HEALTHY },
  -- ---- healthy ----
  { "healthy_iris", healthy = true, why = "iris, standardised, 4-16-3, Adam 0.01, 20 epochs", shows = HEALTHY },
  { "healthy_wine", healthy = true, why = "wine, standardised, 13-16-3, SGD 0.05 momentum 0.9", shows = HEALTHY },
  { "healthy_cancer", healthy = true, why = "breast_cancer, standardised, 30-16-2, Adam 0.003", shows = HEALTHY },
  { "healthy_digits", healthy = true, why = "600 digits, standardised, 64-32-10, Adam 0.003", shows = HEALTHY },
  { "healthy_alcohol", healthy = true, why = "wine's alcohol regression, 12-16-1, SGD 0.05", shows = HEALTHY },
  { "healthy_linear", healthy = true, why = "linear regression by SGD, 5 features", shows = HEALTHY },
  { "healthy_blobs", healthy = true, why = "3 overlapping Gaussian blobs, 8-32-3, Adam 0.003", shows = HEALTHY },
  { "healthy_keras", healthy = true, why = "the Keras preset: Dense 10-32-1, Adam 0.01, validation_split 0.2",
    shows = HEALTHY },
}
