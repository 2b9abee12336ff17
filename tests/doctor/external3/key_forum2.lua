--[[ tests/doctor/external3/key_forum2.lua — the answer key of the second forum part of the third external
  evaluation set (helper i21c3e): GitHub issue / pull-request threads (`gh_<owner>_<repo>_<n>`) and
  PyTorch-forum topics (`pt_<n>`) not used by key_forum.lua, key_threads.lua or the earlier sets, each
  with a training program and a cause confirmed in the thread (a maintainer's answer or a merged fix), or
  the fixed program a thread gives (healthy). The lead merges it into key.lua. One entry per case file
  tests/doctor/external3/<id>.lua, in tests/doctor/external2/key_forum.lua's format:

    source = url           the thread the case comes from
    causes = {...}         broken: a right diagnosis names one of these cause ids (lib/causes.lua ids or
                           the new ids in NEW); the first is the cause the thread names first
    interacting = {A, B}   broken by two causes together (each a set): right only when the verdict
                           names one of A and one of B
    healthy = true         the thread's fixed program, or its answer says there is no fault
    accepted = "..."       the ground truth in the source's words
    observed = "..."       what `gglab run` of the unchanged case file showed (10 seeds, medians)

  Written from the sources only: the doctor was neither run on these cases nor read to write them. ]]

local M = {}

-- Cause ids not in lib/causes.lua that these cases need (none).
M.NEW = {}

M.cases = {
  { "gh_MorvanZhou_PyTorch-Tutorial_31_fixed",
    source = "https://github.com/MorvanZhou/PyTorch-Tutorial/pull/31",
    healthy = true,
    accepted = "the merged pull request (304c0b2): \"lr = 0.5 was too big that will not changing loss in "
      .. "this example, so I revise it as 0.4\", then \"I saw that you are fixed these error in the "
      .. "contents folder, so let's revise it in the same way\": the notebook's optimizer becomes "
      .. "torch.optim.SGD(net.parameters(), lr=0.2), the value the maintainer had set in 301_regression.py.",
    observed = "10 seeds, 0 diverged; epoch loss first 0.5018 min 0.0103 last 0.0103 (medians over seeds; "
      .. "0.029 at step 50; last 0.0079-0.023 over the seeds, every seed still falling at step 100)" },
}

return M
