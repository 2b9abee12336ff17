--[[ tests/doctor/external2/key.lua — the answer key of the second external evaluation set (issue 21,
  "rescored on fresh cases"): the entries of key_threads.lua (Q&A threads with an accepted answer)
  followed by those of key_bench.lua (published benchmarks of faulty training programs) and
  key_forum.lua (forum and GitHub threads, a second search for the causes the others lack). The entry
  format is tests/doctor/external/key.lua's. Written from the sources only: the doctor was neither
  run on these cases nor read to write them. ]]
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

return dofile(HERE .. "/../keyparts.lua")(HERE, { "key_threads.lua", "key_bench.lua", "key_forum.lua" })
