--[[ tests/doctor/external5/_handson.lua — helpers shared by the "Hands-On Machine Learning" (homl_*)
  and "Neural Networks: Zero to Hero" (z2h_*) cases of the fifth external set. Not a case (its name
  starts with "_"). A case loads it with dofile(HERE .. "/_handson.lua").

  M.linear_data(seed)    Geron's chapter-4 data: X = 2 * rand(100, 1), y = 4 + 3 X + randn(100, 1)
  M.names(path)          the words of a names file, one per line (makemore's names.txt format)
  M.makemore(words, block_size) -> X (contexts of block_size character indices 0..26) and Y (the next
                         character), Karpathy's build_dataset: "." = 0, "a".."z" = 1..26 ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

--[[ linear_data(seed) -> a dataset of 100 rows: x ~ 2 U(0, 1), y = 4 + 3 x + N(0, 1), drawn from
  gg.rng(seed) (x first, then the noise, as np.random.rand then np.random.randn). ]]
function M.linear_data(seed)
  local rng = gg.rng(seed)
  local xs, ys = {}, {}
  for i = 1, 100 do xs[i] = { 2 * rng:uniform() } end
  for i = 1, 100 do ys[i] = 4 + 3 * xs[i][1] + rng:normal() end
  return gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys))
end

return M
