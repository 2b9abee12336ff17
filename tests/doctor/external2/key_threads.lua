--[[ tests/doctor/external2/key_threads.lua — the answer key of the thread cases of the second external
  evaluation set (Stack Overflow / Cross Validated / Data Science SE threads with an accepted or
  confirmed answer); key.lua merges it with key_bench.lua. One entry per case file
  tests/doctor/external2/<id>.lua, in tests/doctor/external/key.lua's format:

    source = url           the thread the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the accepted answer names first
    interacting = {A, B}   broken by two causes together (each a set): right only when the verdict
                           names one of A and one of B
    healthy = true         the accepted answer says there is no fault: "no problem found" is right
    accepted = "..."       the ground truth in the source's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need (none beyond tests/doctor/external/key.lua's).
M.NEW = {}

M.cases = {
  { "cv450100", source = "https://stats.stackexchange.com/questions/450100",
    causes = { "dead_relu", "unscaled_features" },
    accepted = "accepted answer: \"If a unit with ReLU activation gives 0 for all the training inputs "
      .. "(that means also 0 gradient based on the ReLU, which is the whole issue), it can't recover. "
      .. "This is dying ReLU problem, which is addressed by leaky ReLU activation. ... A better way to "
      .. "tackle this case can be standardising your data so that it consist of both positive and "
      .. "negative values\".",
    observed = "10 seeds, 0 diverged; epoch loss first 0.6929 min 0.6655 last 0.6655; val loss first "
      .. "0.6925 min 0.6608 last 0.6608 (medians over seeds); 8/10 seeds end at 0.638-0.672, the "
      .. "entropy of the 1/3 : 2/3 labels being 0.637 (one class for every row); 2 seeds reach 0.58. A "
      .. "separate check (seeds 1-10 through gg.manual_seed) found the hidden unit's weights and bias "
      .. "never moved in 4 of 10 runs (dead from the first step) and barely in 3 more" },
  { "so47241622", source = "https://stackoverflow.com/questions/47241622",
    causes = { "output_activation" },
    accepted = "accepted answer: \"You cannot use softmax as an output when you have only a single "
      .. "output unit as it will always output you a constant value of 1. You need to either change "
      .. "output activation to sigmoid or set output units number to 2 and loss to "
      .. "categorical_crossentropy\" (asker: \"Thank you for your response\").",
    observed = "10 seeds, 0 diverged; epoch loss first 7.676 min 7.676 last 7.676; val loss first "
      .. "7.655 min 7.655 last 7.655 (medians over seeds); the loss is constant (Keras's clipped log of "
      .. "1 - 1 on every 0 label)" },
  { "so5105718", source = "https://stackoverflow.com/questions/5105718",
    causes = { "output_activation", "targets_unscaled" },
    accepted = "accepted answer: \"I'd rescale your problem domain to the [0,1] domain instead of "
      .. "[-1,1]. If you take a look at the logistic function graph: It generates values between [0,1]. "
      .. "I do not expect it to produce negative results. ... Another option is the hyperbolic tangent, "
      .. "which goes from [-1,+1]\" (asker: \"Thanks a lot, that does make sense!\").",
    observed = "10 seeds, 0 diverged; epoch loss first 0.7695 min 0.3213 last 0.3213 (medians over "
      .. "seeds); final loss 0.298-0.343 across seeds, above the 0.25 a sigmoid output cannot go below "
      .. "(the squared negative targets)" },
  { "so5105718_fixed", source = "https://stackoverflow.com/questions/5105718",
    healthy = true,
    accepted = "accepted answer's second option: \"Another option is the hyperbolic tangent, which "
      .. "goes from [-1,+1] and has no constants to set up\" (the asker cannot rescale the assignment's "
      .. "targets).",
    observed = "10 seeds, 0 diverged; epoch loss first 0.6488 min 0.1037 last 0.1037 (medians over "
      .. "seeds); final loss 0.057-0.128 across seeds, still falling slowly at epoch 3000" },
  { "so73462535", source = "https://stackoverflow.com/questions/73462535",
    causes = { "wrong_loss", "lr_too_low" },
    accepted = "accepted answer: \"models that require learning rates larger than 1 raise a red flag "
      .. "... The output from your model uses a softmax ... typical for a classification model. But the "
      .. "loss you're using is typically used for optimizing Gaussian or regression outputs\"; the "
      .. "asker: at lr ~0.001 \"the loss changes incredibly slowly\", lr > 1 converges.",
    observed = "10 seeds, 0 diverged; epoch loss first 0.09395 min 0.09323 last 0.09323 (medians "
      .. "over seeds); the loss falls by < 1 % in 1000 full-batch steps (0.0922-0.0941 at the end "
      .. "across seeds)" },
  { "cv367057", source = "https://stats.stackexchange.com/questions/367057",
    causes = { "unscaled_features" },
    accepted = "the asker's edit: \"I figured out it has something to do with me not normalizing the "
      .. "input to values between 0 and 1\"; comment (gunes): \"When you don't normalize, your neuron "
      .. "outputs might become very large, and you suffer from numerical stability in exponentiation "
      .. "operations.\"",
    observed = "10 seeds, 0 diverged; epoch loss first 12.66 min 10.52 last 10.55; val loss first "
      .. "12.11 min 10.59 last 11.13 (medians over seeds); early stopping after 4-14 epochs; final val "
      .. "loss 5.3-14.7 across seeds (Keras's clipped cross-entropy of confidently wrong softmax outputs)" },
  { "cv367057_fixed", source = "https://stats.stackexchange.com/questions/367057",
    healthy = true,
    accepted = "the asker's fix: normalising the input to values between 0 and 1.",
    observed = "10 seeds, 0 diverged; epoch loss first 1.705 min 0.0225 last 0.0225; val loss first "
      .. "0.9601 min 0.07212 last 0.07451 (medians over seeds); early stopping stopped 4 of 10 runs "
      .. "after epoch 12-18" },
  { "cv286424", source = "https://stats.stackexchange.com/questions/286424",
    causes = { "bad_init", "saturation" },
    accepted = "the asker's own test, stated in the question: weights and biases from Math.random() "
      .. "(U(0, 1)) left the total error at ~0.5; \"some people initialized their weights and biases to "
      .. "a random number between -0.5 and 0.5. I tried that and presto! My network converged to zero "
      .. "error in just a few training iterations\" (saturation second: the sigmoid units the "
      .. "all-positive weights drive to 1).",
    observed = "10 seeds, 0 diverged; epoch loss first 0.4536 min 0.09243 last 0.09243; val loss "
      .. "first 0.1745 min 0.09133 last 0.09146 (medians over seeds); mse 0.092 per output = Mazur's "
      .. "1/2-sum error 0.46, the source's \"0.5 or ... 0.47\" (every output ~0.1 for every image)" },
  { "cv286424_fixed", source = "https://stats.stackexchange.com/questions/286424",
    healthy = true,
    accepted = "the asker's fix: weights and biases from U(-0.5, 0.5): \"My network converged to zero "
      .. "error in just a few training iterations\".",
    observed = "10 seeds, 0 diverged; epoch loss first 0.06355 min 0.01379 last 0.01379; val loss "
      .. "first 0.03535 min 0.01257 last 0.01257 (medians over seeds)" },
}

return M
