--[[ tests/doctor/external4/key.lua — the answer key of the fourth external evaluation set (issue 21,
  round 4, "rescored on fresh cases"): the entries of key_books.lua (textbooks' demonstrated failures
  and their fixes), key_tutorials.lua (framework tutorials and course notes) and key_threads.lua (Q&A
  threads and GitHub issues). The entry format is tests/doctor/external/key.lua's. Written from the
  sources only: the doctor was neither run on these cases nor read to write them. ]]
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

return dofile(HERE .. "/../keyparts.lua")(HERE, { "key_books.lua", "key_tutorials.lua", "key_threads.lua" })
