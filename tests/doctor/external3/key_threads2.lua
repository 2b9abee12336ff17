--[[ tests/doctor/external3/key_threads2.lua — the answer key of the second thread part of the third
  external evaluation set (Cross Validated / Data Science SE threads; helper i21c3d); the lead merges it
  into key.lua. One entry per case file tests/doctor/external3/<id>.lua, in
  tests/doctor/external2/key_threads.lua's format:

    source = url           the thread the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the answer names first
    interacting = {A, B}   broken by two causes together (each a set): right only when the verdict
                           names one of A and one of B
    healthy = true         the source's working program: "no problem found" is right
    accepted = "..."       the ground truth in the source's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need (none).
M.NEW = {}

M.cases = {
  { "cv433365", source = "https://stats.stackexchange.com/questions/433365",
    causes = { "output_activation", "wrong_loss" },
    accepted = "an answer (whether it was accepted is not in the stored pages): \"Firstly, you want to add "
      .. "a non-linearity to your first layer ... Secondly, because you expect your output to be either 0 "
      .. "or 1, you should treat this as a classification problem. So, modify the final activation to be "
      .. "'sigmoid', and change your loss function to 'binary_crossentropy'. Finally, increase the number "
      .. "of epochs\" (the linear first layer has no cause id).",
    observed = "10 seeds, 0 diverged; epoch loss first 0.2863 min 0.2505 last 0.2505 (medians over seeds); "
      .. "val loss last 0.2596; 4 seeds end at 0.499-0.501 (the source's 0.5: the relu output is 0 for "
      .. "every input), 4 at 0.246-0.251 (a constant 0.5), 1 at 0.166, 1 solves XOR (9e-10)" },
  { "dsse61223", source = "https://datascience.stackexchange.com/questions/61223",
    healthy = true,
    accepted = "the asker: \"I get a beautiful plot with the (x, predicted f(x)) and (x, f(x))\", \"plots "
      .. "beautifully when the value is scaled\"; the thread is only about un-scaling the predictions "
      .. "(inverse_transform) after training.",
    observed = "10 seeds, 0 diverged; epoch loss first 0.1659 min 4.318e-06 last 4.318e-06 (medians over "
      .. "seeds); final loss 2.2e-06 to 6.7e-06 across seeds" },
}

return M
