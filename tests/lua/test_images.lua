-- tests/lua/test_images.lua — image datasets from Lua: gg.data.images (shape, labels,
-- seeds, options, error texts), ds:shape/reshape/subset, the shape kept by split,
-- scalers and corruptions, gg.data.csv's shape option, gg.data.digits, tostring, and a
-- quick check that the generated images are learnable (an MLP well above chance).

local T = require "check"
local gg = require "gglab"

local function err(f) local ok, e = pcall(f); return not ok and tostring(e) or "no error" end
local function has(name, text, want) T.ok(name .. ": " .. text, text:find(want, 1, true) ~= nil) end

-- ---- gg.data.images ----
local ds = gg.data.images { n = 40, seed = 1 }
T.eq("defaults: (1, 16, 16)", ds:shape(), { 1, 16, 16 })
T.eq("defaults: 4 classes, 256 features", { ds:n(), ds:features(), ds:classes(), ds:targets() }, { 40, 256, 4, 1 })
T.eq("tostring shows the shape", tostring(ds), "gglab.Dataset(40 rows, 1x16x16 features, 4 classes)")
local y = ds:y()
local cycle = true
for i = 1, 40 do cycle = cycle and y:get(i) == (i - 1) % 4 end
T.ok("labels cycle 0..3", cycle)

local rgb = gg.data.images { n = 6, height = 10, width = 12, channels = 3, classes = 12, kind = "bars", seed = 2 }
T.eq("height, width, channels", rgb:shape(), { 3, 10, 12 })
T.eq("12 classes on 3 channels", rgb:classes(), 12)
T.eq("size then height", gg.data.images { n = 2, size = 8, height = 6, seed = 1 }:shape(), { 1, 6, 8 })

-- same_x(a, b) -> true when a and b have the same features, bit for bit.
local function same_x(a, b)
  local xa, xb = a:x(), b:x()
  for i = 1, a:n() do
    for j = 1, a:features() do
      if xa:get(i, j) ~= xb:get(i, j) then return false end
    end
  end
  return true
end
local t1 = gg.data.images { n = 5, size = 8, kind = "textures", seed = 7 }
T.ok("seed repeats", same_x(t1, gg.data.images { n = 5, size = 8, kind = "textures", seed = 7 }))
T.ok("rng = gg.rng(s) is seed = s", same_x(t1, gg.data.images { n = 5, size = 8, kind = "textures", rng = gg.rng(7) }))
T.ok("another seed differs", not same_x(t1, gg.data.images { n = 5, size = 8, kind = "textures", seed = 8 }))
local clean = gg.data.images { n = 20, size = 8, noise = 0, seed = 3 }
local lo, hi, x = math.huge, -math.huge, clean:x()
for i = 1, 20 do
  for j = 1, 64 do lo, hi = math.min(lo, x:get(i, j)), math.max(hi, x:get(i, j)) end
end
T.ok("noise 0: values in [0, 1], background 0", lo == 0 and hi <= 1 and hi > 0.5)

has("unknown option", err(function() gg.data.images { n = 4, colour = 3 } end),
  "gg.data.images: unknown option 'colour' (allowed: n, size, height, width, channels, classes, kind, noise, seed, rng)")
has("kind", err(function() gg.data.images { kind = "blobs" } end),
  "gg.data.images: kind must be one of 'shapes', 'bars', 'textures', got 'blobs'")
has("too many classes", err(function() gg.data.images { classes = 10 } end),
  "gg.data.images: classes must be in 2..8 for shapes with 1 channel (8 patterns per channel), got 10")
has("too many classes, 2 channels", err(function() gg.data.images { classes = 17, channels = 2, kind = "textures" } end),
  "classes must be in 2..16 for textures with 2 channels")
has("size", err(function() gg.data.images { size = 3 } end), "gg.data.images: size must be an integer in [4, 65536], got 3")
has("noise", err(function() gg.data.images { noise = -1 } end), "gg.data.images: noise must be a non-negative number, got -1")
has("one class", err(function() gg.data.images { classes = 1 } end), "gg.data.images: classes must be an integer in [2, 1048576], got 1")

-- ---- shape, reshape, subset ----
local reg = gg.data.regression { n = 10, features = 6, seed = 1 }
T.eq("flat shape is {d}", reg:shape(), { 6 })
T.eq("flat tostring unchanged", tostring(reg), "gglab.Dataset(10 rows, 6 features, 1 targets)")
local r3 = reg:reshape { 1, 2, 3 }
T.eq("reshape{...}", r3:shape(), { 1, 2, 3 })
T.eq("reshape(...)", reg:reshape(3, 2):shape(), { 3, 2 })
T.eq("the original is unchanged", reg:shape(), { 6 })
T.ok("reshape copies the values", same_x(r3, reg))
T.eq("reshape back to flat", r3:reshape { 6 }:shape(), { 6 })
T.eq("regression tostring with shape", tostring(r3), "gglab.Dataset(10 rows, 1x2x3 features, 1 targets)")
has("reshape: sizes", err(function() reg:reshape { 1, 28, 28 } end),
  "gglab.Dataset:reshape: shape (1,28,28) has 784 values per sample, the dataset has 6 features")
has("reshape: 5 dims", err(function() reg:reshape { 1, 1, 1, 1, 6 } end),
  "gglab.Dataset:reshape: shape must be a list of 1 to 4 integers >= 1, got 5 values")
has("reshape: dim 0", err(function() reg:reshape { 6, 0 } end), "gglab.Dataset:reshape: shape[2] must be an integer >= 1, got 0")
has("reshape: not integer", err(function() reg:reshape(2, 1.5) end), "gglab.Dataset:reshape: shape[2] must be an integer >= 1, got 1.5")
has("reshape: nothing", err(function() reg:reshape() end), "gglab.Dataset:reshape: shape must be a list of 1 to 4 integers >= 1, got 0 values")

local head = ds:subset(1, 8)
T.eq("subset range: rows", head:n(), 8)
T.eq("subset keeps the shape", head:shape(), { 1, 16, 16 })
T.eq("subset of one row", ds:subset(5):n(), 1)
local picked = ds:subset { 4, 1, 4 }
T.eq("subset list: labels in that order", { picked:y():get(1), picked:y():get(2), picked:y():get(3) }, { 3, 0, 3 })
T.eq("subset keeps the classes", picked:classes(), 4)
has("subset: range", err(function() ds:subset(0, 3) end), "gglab.Dataset:subset: rows 0..3 are not a range within 1..40")
has("subset: past the end", err(function() ds:subset(39, 41) end), "rows 39..41 are not a range within 1..40")
has("subset: list", err(function() ds:subset { 1, 41 } end), "gglab.Dataset:subset: rows[2] must be a row number in 1..40, got 41")
has("subset: empty", err(function() ds:subset {} end), "gglab.Dataset:subset: the list of rows is empty")

-- ---- every derived dataset keeps the shape ----
local img = gg.data.images { n = 60, size = 6, channels = 2, seed = 4 }
local want = { 2, 6, 6 }
local train, val = img:split(0.25, { seed = 1 })
T.eq("split: train", train:shape(), want)
T.eq("split: val", val:shape(), want)
T.eq("standard scaler", gg.data.standard_scaler(train):transform(val):shape(), want)
T.eq("minmax scaler", gg.data.minmax_scaler(train):transform(val):shape(), want)
T.eq("flip_labels", (img:flip_labels { rate = 0.1, seed = 1 }):shape(), want)
T.eq("add_outliers", img:add_outliers { fraction = 0.1, seed = 1 }:shape(), want)
T.eq("scale_features", img:scale_features { columns = { 1 }, factor = 2 }:shape(), want)
T.eq("imbalance", img:imbalance { class = 1, ratio = 0.5, seed = 1 }:shape(), want)
T.eq("add_noise", img:add_noise { std = 0.1, seed = 1 }:shape(), want)
T.eq("subset", img:subset(3, 9):shape(), want)

-- ---- gg.data.csv with a shape, gg.data.digits ----
local digits, info = gg.data.csv("experiments/data/digits.csv", { target = "target", classify = true, shape = { 1, 8, 8 } })
T.eq("csv shape", digits and digits:shape(), { 1, 8, 8 })
T.eq("csv tostring", tostring(digits), "gglab.Dataset(1797 rows, 1x8x8 features, 10 classes)")
T.eq("csv info", info and info.features[64], "pixel_7_7")
local nope, msg = gg.data.csv("experiments/data/iris.csv", { target = "target", classify = true, shape = { 1, 28, 28 } })
T.ok("csv: a shape that does not fit returns nil", nope == nil)
T.eq("csv: message names both sizes", msg,
  "experiments/data/iris.csv: shape (1,28,28) has 784 values per sample, the dataset has 4 features")
has("csv: bad shape option", err(function() gg.data.csv("experiments/data/iris.csv", { shape = 4 }) end),
  "gg.data.csv: shape must be a list of 1 to 4 integers >= 1, got 4")
has("csv: bad dim", err(function() gg.data.csv("experiments/data/iris.csv", { shape = { 2, -2 } }) end),
  "gg.data.csv: shape[2] must be an integer >= 1, got -2")

local flat, dinfo = gg.data.digits()
T.eq("digits: flat by default", flat and flat:shape(), { 64 })
T.eq("digits: info", dinfo and { dinfo.rows, dinfo.target, dinfo.labels[10] }, { 1797, "target", "9" })
local im = gg.data.digits { image = true, scale = 1 / 16 }
T.eq("digits: image", im:shape(), { 1, 8, 8 })
local dx, fx, same = im:x(), flat:x(), true
for i = 1, 50 do
  for j = 1, 64 do same = same and dx:get(i, j) == fx:get(i, j) / 16 end
end
T.ok("digits: scale multiplies the pixels (0..16 -> 0..1)", same)
T.ok("digits: the same rows as the CSV", digits:y():get(1797) == im:y():get(1797) and digits:x():get(9, 30) == fx:get(9, 30))
local none, dmsg = gg.data.digits { path = "no/such/digits.csv" }
T.ok("digits: missing path returns nil", none == nil)
T.eq("digits: missing path message", dmsg, "gg.data.digits: no/such/digits.csv: No such file or directory")
has("digits: unknown option", err(function() gg.data.digits { images = true } end),
  "gg.data.digits: unknown option 'images' (allowed: image, scale, path); did you mean 'image'?")
has("digits: scale", err(function() gg.data.digits { scale = 0 } end), "gg.data.digits: scale must be a positive number, got 0")

-- ---- learnable: an MLP on 4 shape classes, well above chance (0.25) ----
local all = gg.data.images { n = 1200, size = 12, classes = 4, kind = "shapes", seed = 1 }
local tr, va = all:split(0.25, { seed = 2 })
local model = gg.nn.mlp { 144, 64, 4, seed = 3 }
gg.train { model = model, data = tr, val = va, loss = "cross_entropy",
  optimizer = gg.optim.adam(model, { lr = 0.003 }), batch_size = 32, epochs = 10, seed = 4 }
local acc = gg.accuracy(model, va)
T.ok("shapes: an MLP learns them (validation accuracy " .. acc .. " > 0.45)", acc > 0.45)

T.done()
