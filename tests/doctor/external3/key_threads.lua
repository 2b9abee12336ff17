--[[ tests/doctor/external3/key_threads.lua — the answer key of the thread cases of the third external
  evaluation set (Stack Overflow / Data Science SE threads with an accepted or only answer naming the
  cause, or the asker's own confirmed test); the lead merges it into key.lua. One entry per case file
  tests/doctor/external3/<id>.lua, in tests/doctor/external2/key_threads.lua's format:

    source = url           the thread the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the answer names first
    interacting = {A, B}   broken by two causes together (each a set): right only when the verdict
                           names one of A and one of B
    healthy = true         the source's fixed (or working) program: "no problem found" is right
    accepted = "..."       the ground truth in the source's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need (none).
M.NEW = {}

M.cases = {
  { "so69755379", source = "https://stackoverflow.com/questions/69755379",
    causes = { "lr_too_high" },
    accepted = "the answer (as the stored copies give it): \"The primary issue is the learning rate (alpha) "
      .. "being too large. A large learning rate can cause the model to overshoot the optimal point during "
      .. "training, resulting in diverging loss values\"; fix: keras.optimizers.SGD(learning_rate=0.0001).",
    observed = "10 seeds, 10 diverged; epoch loss first 45.95 min 45.95 last 7.108e+37 (medians over "
      .. "seeds); the loss grows 3.55 times an epoch (seed 1: 654.7, 2327, 8273, 29409, ...; the source: "
      .. "450.98, 1603.1, 5698.5, ...) until it is inf at step 66-70 in every seed" },
  { "so69755379_fixed", source = "https://stackoverflow.com/questions/69755379",
    healthy = true,
    accepted = "the answer's fix: \"reduce the learning rate ... opt = keras.optimizers.SGD(learning_rate="
      .. "0.0001)\".",
    observed = "10 seeds, 0 diverged; epoch loss first 45.95 min 0.0003765 last 0.0003765 (medians over "
      .. "seeds); final loss 1.4e-05 to 0.0054 across seeds, still falling at epoch 500" },
  { "dsse19365", source = "https://datascience.stackexchange.com/questions/19365",
    causes = { "unscaled_features", "output_activation", "batch_too_small" },
    accepted = "the answer: \"Your network is too small for a highly fluctuating function that you want to "
      .. "learn, if you divide your x by a smaller amount it would be easier to learn. Second of all, adding "
      .. "another layer and having an identity activation at the end will help quite a bit. Also taking "
      .. "batches bigger than 1 will make the gradient more stable\" (the network's size has no cause id).",
    observed = "10 seeds, 0 diverged; epoch loss first 0.6618 min 0.504 last 0.504 (medians over seeds); "
      .. "final loss 0.5027-0.5082 across seeds (the source: \"loss: 0.5044\", 0.4968 after 1000 epochs)" },
  { "so9048031", source = "https://stackoverflow.com/questions/9048031",
    causes = { "output_activation", "unscaled_features" },
    accepted = "accepted answer: \"if you have a regression problem, there is no need to apply additional "
      .. "functions on the output, and you can just take the raw linear combination output ... What you "
      .. "should also be careful about is to scale the input features (by normalizing all features to the "
      .. "range [-1,1] for example)\".",
    observed = "10 seeds, 0 diverged; epoch loss first 2.497e+05 min 2.495e+05 last 2.495e+05 (medians over "
      .. "seeds); every seed ends at 2.495e5, the least a sigmoid output can reach ((1000 - 1)^2 / 4)" },
  { "so39314946", source = "https://stackoverflow.com/questions/39314946",
    causes = { "lr_too_high" },
    accepted = "the only answer, in the stored (translated) copies: the learning rate is too high, which "
      .. "overflows float32: at every gradient-descent step W oscillates to ever larger values.",
    observed = "10 seeds, 10 diverged; epoch loss first 2.253e+08 min 2.253e+08 last 6.597e+34 (medians over "
      .. "seeds); the loss is inf at step 8-9 in every seed (the source: 1.6e10 after the first step, nan "
      .. "by step 100)" },
  { "so39314946_fixed", source = "https://stackoverflow.com/questions/39314946",
    healthy = true,
    accepted = "the asker's own test: with x_data = [1., 2., 3., 4.], y_data = [2., 4., 6., 8.] \"it works "
      .. "without problems\" (the answer: the overflow comes from the learning rate on x = 10..40).",
    observed = "10 seeds, 0 diverged; epoch loss first 1.733e+06 min 0 last 0 (medians over seeds); every "
      .. "seed ends at 0 to 1e-13" },
}

return M
