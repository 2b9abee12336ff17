-- tests/lua/test_parity_data.lua — data transforms against sklearn's StandardScaler and
-- MinMaxScaler, and split sizes against Keras's validation_split rule
-- (tests/parity/gen_data.py).

local T = require "check"
local P = require "parity"
local gg = require "gglab"

for _, kind in ipairs { "standard", "minmax" } do
  local fx = P.load("data", "scaler_" .. kind)
  local x = P.tensor(fx.x)
  local n = x:rows()
  local all = gg.data.from_tensors(x, gg.tensor(n, 1))
  local train, val = all:split(1 - fx.split_at / n, { shuffle = false })
  T.eq(kind .. ": split sizes", { train:n(), val:n() }, { fx.split_at, n - fx.split_at })
  local scaler = gg.data[kind .. "_scaler"](train)
  local p = scaler:params()
  local ws, wk = 0, 0
  for j = 1, #fx.extra.shift do
    local s, k = tonumber(fx.extra.shift[j]), tonumber(fx.extra.scale[j])
    ws = math.max(ws, math.abs(p.shift[j] - s) / math.max(1e-30, math.abs(s)))
    wk = math.max(wk, P.rel(p.scale[j], k))
  end
  P.note("data/" .. kind, "shift", ws)
  P.note("data/" .. kind, "scale", wk)
  T.ok(string.format("%s: fitted shift rel err %.3g <= 1e-12", kind, ws), ws <= 1e-12)
  T.ok(string.format("%s: fitted scale rel err %.3g <= 1e-12", kind, wk), wk <= 1e-12)
  for _, side in ipairs { { "train", train }, { "val", val } } do
    local got = scaler:transform(side[2]):x()
    local want = fx.extra[side[1]]
    local cols, flat, worst = want[2], want[3], 0
    for i = 1, want[1] do
      for j = 1, cols do
        local w = flat[(i - 1) * cols + j]
        worst = math.max(worst, math.abs(got:get(i, j) - w) / math.max(1, math.abs(w)))
      end
    end
    P.note("data/" .. kind, side[1], worst)
    T.ok(string.format("%s: %s transformed |d|/max(1,|x|) %.3g <= 1e-6", kind, side[1], worst), worst <= 1e-6)
  end
end

local ks = P.load("data", "keras_split")
local bad = 0
for _, c in ipairs(ks.extra.cases) do
  local ds = gg.data.regression { n = c.rows, features = 1, seed = 1 }
  local ok, train = pcall(ds.split, ds, tonumber(c.fraction), { shuffle = false })
  -- Where Keras would leave a side empty, gglab refuses with an error instead.
  local empty = c.train == 0 or c.train == c.rows
  if (empty and ok) or (not empty and (not ok or train:n() ~= c.train)) then
    bad = bad + 1
    print(string.format("split of %d rows at %s: got %s, Keras %d", c.rows, c.fraction,
      ok and train:n() or "error", c.train))
  end
end
T.eq("Keras validation_split sizes (" .. #ks.extra.cases .. " cases)", bad, 0)

P.report()
T.done()
