--[[ tests/doctor/external4/key_threads.lua — the answer key of the thread cases of the fourth external
  evaluation set (helper i21c4c): Data Science SE / Computer Science SE threads and GitHub issues with an
  answer, a maintainer's or the asker's own confirmed diagnosis. The lead merges it into key.lua. One
  entry per case file tests/doctor/external4/<id>.lua, in external2/key_threads.lua's format:

    source = url           the thread or issue the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua); the
                           first is the cause the source names first
    healthy = true         the source's fixed program: "no problem found" is right
    accepted = "..."       the ground truth in the source's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need: none.
M.NEW = {}

M.cases = {
  { "dsse117008", source = "https://datascience.stackexchange.com/questions/117008",
    causes = { "lr_too_high", "unscaled_features" },
    accepted = "the only answer: \"Gradient descent works perfectly fine when your features have large "
      .. "values, but you might have to use a smaller learning rate. In this case, simply decreasing the "
      .. "learning rate to 0.00001 allows the model to converge to the correct result of W=2. Generally "
      .. "input features are normalized (e.g. to a range of 0-1) to help the model converge more easily.\" "
      .. "(asker: \"Yes a learning rate of 0.00001 helps ... I believe the trick is to standardise data\").",
    observed = "10 seeds, 10 diverged; loss 100110 at step 1, then about x250000 a step (2.5e10, 6.2e15, "
      .. "1.6e21, 3.9e26, 9.7e31) and inf at step 8 in every seed (no randomness: W = 0, full batch)" },
  { "dsse117008_fixed", source = "https://datascience.stackexchange.com/questions/117008",
    healthy = true,
    accepted = "the answer: \"simply decreasing the learning rate to 0.00001 allows the model to converge "
      .. "to the correct result of W=2\"; \"I only needed less than 15 epochs to get the model to converge "
      .. "to a weight of close to 2\".",
    observed = "10 seeds, 0 diverged; epoch loss first 100110 min 0.000362 last 0.000362 (every seed the "
      .. "same: the error in W halves each step)" },
  { "cs78123", source = "https://cs.stackexchange.com/questions/78123",
    causes = { "preprocessing_bug" },
    accepted = "accepted answer: \"You are essentially setting each image to a (more or less) random "
      .. "image ... There is (almost) no data to learn from left. ... One thing that could work if you "
      .. "stored a random permutation and applied the same permutation to each image.\" (asker: \"I looked "
      .. "it up and implemented the correct code. ... Yes, It works.\").",
    observed = "10 seeds, 0 diverged; epoch loss first 2.343 min 2.183 last 2.183; val loss first 2.349 min "
      .. "2.346 last 2.401 (medians over seeds; ln 10 = 2.303); val accuracy median 0.101 (0.078-0.116): "
      .. "chance for 10 classes, the validation loss rising above its first epoch's" },
  { "cs78123_fixed", source = "https://cs.stackexchange.com/questions/78123",
    healthy = true,
    accepted = "accepted answer: apply \"the same permutation to each image\"; the asker: \"Yes, It "
      .. "works. I'm getting 94.3 cross validation accuracy\".",
    observed = "10 seeds, 0 diverged; epoch loss first 1.498 min 0.371 last 0.371; val loss first 0.973 "
      .. "min 0.360 last 0.360 (medians over seeds); val accuracy median 0.929 (0.922-0.938)" },
  { "ghx_rslim087a_1",
    source = "https://github.com/rslim087a/PyTorch-for-Deep-Learning-and-Computer-Vision-Course-All-Codes-"
      .. "/issues/1",
    causes = { "lr_too_high" },
    accepted = "a reply: \"I have solved this problem by dramatically decreasing the learning rate. In my "
      .. "code lr = 0.00001 works perfectly.\"; the asker: \"That works, thanks\".",
    observed = "10 seeds, 1 diverged; epoch loss first 102.2 min 102.2 last 1.2e14 (medians over seeds); "
      .. "8 of 10 seeds end above their first loss (final 187, 3266, 8.3e10, 2.4e14, 1.5e15, 1.5e16, "
      .. "9.9e23, and inf at step 80), 2 converge to the noise floor (9.0, 9.3): lr 0.01 sits at the "
      .. "full-batch stability edge 1/mean(x^2) ~ 0.01" },
  { "gh_chiphuyen_stanford-tensorflow-tutorials_54",
    source = "https://github.com/chiphuyen/stanford-tensorflow-tutorials/issues/54",
    causes = { "lr_too_high" },
    accepted = "the asker, closing his own question: \"I figured it out and it has no problem with my "
      .. "code. The learning rate is the main reason that cause this problem. ... the loss value can jump "
      .. "out of the bottom of the quadratic curve.\"",
    observed = "10 seeds, 10 diverged; loss 841 at step 1, 2.6e4, 9.1e6, 1.5e9, ... inf at step 21 (the "
      .. "first epoch) in every seed (no randomness: zero init, rows in file order)" },
}

return M
