--[[ tests/doctor/external3/key.lua — the answer key of the third external evaluation set (issue 21,
  round 3, "rescored on fresh cases"): the entries of key_threads.lua (Q&A threads with an accepted answer)
  and key_threads2.lua (a second thread search), then key_bench.lua (published benchmarks of
  faulty training programs), key_forum.lua and key_forum2.lua (PyTorch forum and GitHub issue threads). The entry
  format is tests/doctor/external/key.lua's. Written from the sources only: the doctor was neither
  run on these cases nor read to write them. ]]
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

return dofile(HERE .. "/../keyparts.lua")(HERE, { "key_threads.lua", "key_threads2.lua", "key_bench.lua", "key_forum.lua",
  "key_forum2.lua" })
