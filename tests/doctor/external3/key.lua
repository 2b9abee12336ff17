--[[ tests/doctor/external3/key.lua — the answer key of the third external evaluation set (issue 21,
  round 3, "rescored on fresh cases"): the entries of key_threads.lua (Q&A threads with an accepted answer)
  followed by those of key_bench.lua (published benchmarks of faulty training programs) and
  key_forum.lua (PyTorch forum and GitHub issue threads). The entry
  format is tests/doctor/external/key.lua's. Written from the sources only: the doctor was neither
  run on these cases nor read to write them. ]]
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

local M = { NEW = {}, cases = {} }
local seen_new = {}
for _, part in ipairs { "key_threads.lua", "key_bench.lua", "key_forum.lua" } do
  local f = io.open(HERE .. "/" .. part, "r")
  if f then
    f:close()
    local k = dofile(HERE .. "/" .. part)
    for _, id in ipairs(k.NEW or {}) do
      if not seen_new[id] then seen_new[id] = true; M.NEW[#M.NEW + 1] = id end
    end
    for _, c in ipairs(k.cases or {}) do M.cases[#M.cases + 1] = c end
  end
end

return M
