--[[ tests/doctor/external6/key.lua — the answer key of the sixth external evaluation set (issue 21,
  a third fresh set for the round-4 method): the entries of key_mlm.lua (Machine Learning Mastery
  tutorials), key_books2.lua (Deep Learning with PyTorch, Grokking Deep Learning) and key_raschka.lua
  (Raschka's books and STAT 453 lectures). The entry format is tests/doctor/external/key.lua's. Written
  from the sources only: the doctor was neither run on these cases nor read to write them. ]]
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

return dofile(HERE .. "/../keyparts.lua")(HERE, { "key_mlm.lua", "key_books2.lua", "key_raschka.lua" })
