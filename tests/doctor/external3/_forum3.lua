--[[ tests/doctor/external3/_forum3.lua — helpers of the forum cases of the third external set
  (README_forum.md). Not a case (its name starts with "_"). A case loads it with
  dofile(HERE .. "/_forum3.lua").

  penguins()  MicrosoftDocs/ml-basics' data/penguins.csv (Palmer penguins, 344 rows: culmen length,
              culmen depth, flipper length, body mass; species 0 Adelie, 1 Gentoo, 2 Chinstrap),
              prepared as its notebook "05a - Deep Neural Networks (PyTorch).ipynb" does. ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

--[[ penguins() -> train, test: the rows with a missing value dropped (pandas dropna: 342 rows left),
  FlipperLength / 10 and BodyMass / 100, the table "oversampled" by appending it to itself twice
  (4 copies of every row: 1368 rows), then a 70 % / 30 % split (train_test_split(test_size=0.30,
  random_state=0): here gglab's shuffled split with seed 0, so other rows than sklearn's; the copies
  of a row land on both sides, as in the notebook). ]]
function M.penguins()
  local f = assert(io.open(M.HERE .. "/data/penguins.csv", "r"))
  f:read("l")
  local xs, ys = {}, {}
  for line in f:lines() do
    local r = {}
    for v in (line .. ","):gmatch("([^,]*),") do r[#r + 1] = tonumber(v) end
    if #r == 5 then
      xs[#xs + 1], ys[#ys + 1] = { r[1], r[2], r[3] / 10, r[4] / 100 }, r[5]
    end
  end
  f:close()
  for _ = 1, 2 do
    local n = #xs
    for i = 1, n do xs[n + i], ys[n + i] = xs[i], ys[i] end
  end
  local data = gg.data.from_tensors(gg.tensor(xs), gg.tensor(ys), { classes = 3 })
  return data:split(0.3, { seed = 0 })
end

return M
