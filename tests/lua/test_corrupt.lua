-- tests/lua/test_corrupt.lua — the corruption operators from Lua: exact counts, new
-- datasets (the input is untouched), seeds, and the error messages.

local T = require "check"
local gg = require "gglab"

local iris = assert(gg.data.csv("experiments/data/iris.csv", { target = "target", classify = true }))
local noisy, changed = iris:flip_labels { rate = 0.2, seed = 1 }
T.eq("20 % of 150 labels flipped", changed, 30)
local diff, y0, y1 = 0, iris:y(), noisy:y()
for i = 1, 150 do diff = diff + (y0:get(i) ~= y1:get(i) and 1 or 0) end
T.eq("30 rows differ", diff, 30)
local again = select(1, iris:flip_labels { rate = 0.2, seed = 1 })
local same = true
for i = 1, 150 do same = same and again:y():get(i) == y1:get(i) end
T.ok("same seed, same flips", same)

local small = iris:imbalance { class = 0, ratio = 0.1, seed = 2 }
T.eq("imbalance keeps 5 of 50 setosa", small:n(), 105)
local w = small:class_weights()
T.near("balanced weight of the rare class", w[1], 105 / (3 * 5), 1e-12)

local scaled = iris:scale_features { columns = { 2 }, factor = 1000 }
T.eq("x1000 column", scaled:x():get(1, 2), 3500)
T.eq("others unchanged", scaled:x():get(1, 1), iris:x():get(1, 1))

local reg = gg.data.regression { n = 100, features = 2, seed = 3 }
local out = reg:add_outliers { fraction = 0.05, magnitude = 20, targets = true, seed = 4 }
local moved = 0
for i = 1, 100 do moved = moved + (out:y():get(i) ~= reg:y():get(i) and 1 or 0) end
T.eq("5 target outliers", moved, 5)
local noisy_x = reg:add_noise { std = 0.1, seed = 5 }
T.ok("noise changes features", noisy_x:x():get(1, 1) ~= reg:x():get(1, 1))
T.eq("input untouched", reg:x():get(1, 1), reg:x():get(1, 1))

local function err(f) local ok, e = pcall(f); return not ok and e or "no error" end
T.ok("rate > 1", err(function() iris:flip_labels { rate = 2 } end):find("gglab.Dataset:flip_labels: rate must be in [0, 1], got 2", 1, true))
T.ok("unknown key", err(function() iris:imbalance { clas = 1 } end):find("unknown option 'clas' (allowed: class, ratio, seed, rng)", 1, true))
T.ok("regression labels", err(function() reg:flip_labels { rate = 0.1 } end):find("needs a classification dataset", 1, true))
T.ok("bad column", err(function() iris:scale_features { columns = { 9 }, factor = 2 } end):find("column 9 is out of range", 1, true))
T.done()
