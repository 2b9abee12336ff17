--[[ tests/lua/test_data_extras.lua — gg.csv.matrix (core/csvload.c gg_csv_matrix),
  ds:split{stratify = true} (core/data.c gg_dataset_split_stratified) and
  ds:scale_features on every column. Numbers are compared exactly. ]]
local T = require "check"
local gg = require "gglab"

local dir = T.tmpdir()
local function file(name, text)
  local p = dir .. "/" .. name
  T.write(p, text)
  return p
end
local f32 = function(v) return (string.unpack("f", string.pack("f", v))) end

-- ---- gg.csv.matrix ----
do
  local t = assert(gg.csv.matrix(file("m.csv", "1,2,3\n4,5,6.5\n-7e-3, 8 ,9\n")))
  T.eq("matrix: rows x cols", { t:rows(), t:cols() }, { 3, 3 })
  T.eq("matrix: values as float32, spaces around numbers allowed", t:totable(),
    { { 1, 2, 3 }, { 4, 5, 6.5 }, { f32(-7e-3), 8, 9 } })
  local h = assert(gg.csv.matrix(file("h.csv", "\xef\xbb\xbfa,b\r\n1,2\r\n\r\n3,4"), { header = true }))
  T.eq("matrix: header skipped, BOM, CRLF, blank line, no final newline", h:totable(), { { 1, 2 }, { 3, 4 } })
  T.eq("matrix: one column", assert(gg.csv.matrix(file("c.csv", "1\n2\n"))):totable(), { { 1 }, { 2 } })
  T.eq("matrix: quoted numbers", assert(gg.csv.matrix(file("q.csv", '"1","2"\n'))):totable(), { { 1, 2 } })
  local function err(name, text, opts)
    local ok, msg = gg.csv.matrix(file(name, text), opts)
    return ok == nil and msg:gsub("^" .. dir:gsub("%p", "%%%0") .. "/", "") or "no error"
  end
  T.eq("matrix: a non-number names file:line:column", err("b.csv", "1,2\n3,x\n"), "b.csv:2:2: 'x' is not a number")
  T.eq("matrix: the line counts blank lines", err("b2.csv", "1,2\n\n\n3,4,x\n"),
    "b2.csv:4: 3 fields, expected 2 (as on line 1)")
  T.eq("matrix: a short row", err("r.csv", "1,2,3\n4,5\n"), "r.csv:2: 2 fields, expected 3 (as on line 1)")
  T.eq("matrix: ragged against the first data row after a header", err("r2.csv", "a,b\n1,2\n3\n", { header = true }),
    "r2.csv:3: 1 field, expected 2 (as on line 2)")
  T.eq("matrix: empty cell", err("e.csv", "1,2\n3,\n"), "e.csv:2:2: empty cell, expected a number")
  T.eq("matrix: nan", err("n.csv", "1,nan\n"), "n.csv:1:2: nan is not a finite number")
  T.eq("matrix: beyond float32", err("f.csv", "1e39\n"), "f.csv:1:1: 1e39 is outside the float32 range")
  T.eq("matrix: header not auto-detected, with a hint", err("a.csv", "x,y\n1,2\n"),
    "a.csv:1:1: 'x' is not a number (a header row? {header = true} skips it)")
  T.eq("matrix: empty file", err("z.csv", ""), "z.csv: is empty")
  T.eq("matrix: header only", err("ho.csv", "a,b\n", { header = true }), "ho.csv: has a header but no data rows")
  T.eq("matrix: unclosed quote", err("u.csv", '1,"2\n'), "u.csv:2: malformed quoted field")
  local none, why = gg.csv.matrix(dir .. "/missing.csv")
  T.ok("matrix: missing file -> nil, message", none == nil and why:find("missing.csv: No such file", 1, true) ~= nil)
  T.raises("matrix: unknown option", function() gg.csv.matrix(dir .. "/m.csv", { headers = true }) end,
    "gg.csv.matrix: unknown option 'headers' %(allowed: header%); did you mean 'header'%?")
  T.raises("matrix: header not a boolean", function() gg.csv.matrix(dir .. "/m.csv", { header = 1 }) end,
    "gg.csv.matrix: header must be a boolean, got 1")
  T.raises("matrix: path not a string", function() gg.csv.matrix(nil) end, "string expected")
end

-- ---- ds:split{stratify = true} ----
local function counts(ds)
  local c = {}
  for _, y in ipairs(ds:y():totable()) do
    local v = type(y) == "table" and y[1] or y
    c[v + 1] = (c[v + 1] or 0) + 1
  end
  return c
end
do
  -- classes 0, 1, 2 with 5, 10, 10 rows
  local ds = gg.data.classification { n = 30, features = 2, classes = 3, seed = 1 }:imbalance { class = 0, ratio = 0.5,
    seed = 1 }
  T.eq("stratify: the data", counts(ds), { 5, 10, 10 })
  local tr, va = ds:split(0.2, { stratify = true, seed = 3 })
  T.eq("stratify: train gets floor(n_c * 0.8) of each class", counts(tr), { 4, 8, 8 })
  T.eq("stratify: val the rest", counts(va), { 1, 2, 2 })
  local tr2, va2 = ds:split(0.2, { stratify = true, seed = 3 })
  T.eq("stratify: deterministic by seed", { tr2:x():totable(), va2:y():totable() },
    { tr:x():totable(), va:y():totable() })
  local tr3 = ds:split(0.2, { stratify = true, seed = 4 })
  T.ok("stratify: another seed, another order", tr3:x():get(1, 1) ~= tr:x():get(1, 1))
  T.eq("stratify: another seed, the same class counts", counts(tr3), { 4, 8, 8 })
  -- every row lands in exactly one part
  local seen = {}
  for _, part in ipairs { tr, va } do
    for _, row in ipairs(part:x():totable()) do
      local key = row[1] .. "," .. row[2]
      seen[key] = (seen[key] or 0) + 1
    end
  end
  local n = 0
  for _, c in pairs(seen) do n = n + c; assert(c == 1) end
  T.eq("stratify: a partition of the rows", n, 25)
  -- shuffle = false: each class's first rows train, its last rows validate, order kept
  local seq = gg.data.from_tensors(gg.tensor { 1, 2, 3, 4, 5, 6, 7, 8 }, gg.tensor { 0, 0, 0, 0, 1, 1, 1, 1 },
    { classes = 2 })
  local a, b = seq:split(0.25, { stratify = true, shuffle = false })
  T.eq("stratify without shuffle: per class, first rows train", a:x():totable(),
    { { 1 }, { 2 }, { 3 }, { 5 }, { 6 }, { 7 } })
  T.eq("stratify without shuffle: last rows validate", b:x():totable(), { { 4 }, { 8 } })
  -- the permutation is the plain split's draw: same rows when there is one class share to keep
  local one = gg.data.from_tensors(gg.tensor { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 },
    gg.tensor { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1 }, { classes = 2 })
  local pa = one:split(0.2, { seed = 7 })
  local sa = one:split(0.2, { stratify = true, seed = 7 })
  T.eq("stratify: same size as the plain split here", sa:n(), pa:n())
  T.eq("stratify: balanced classes in train", counts(sa), { 4, 4 })
  -- one-hot targets
  local oh = gg.data.from_tensors(gg.tensor { { 1 }, { 2 }, { 3 }, { 4 }, { 5 }, { 6 } },
    gg.tensor { { 1, 0 }, { 0, 1 }, { 1, 0 }, { 0, 1 }, { 1, 0 }, { 0, 1 } })
  local ta, tb = oh:split(0.34, { stratify = true, shuffle = false })
  T.eq("stratify one-hot: floor(3 * 0.66) = 1 row of each class trains", ta:x():totable(), { { 1 }, { 2 } })
  T.eq("stratify one-hot: the rest validates", tb:n(), 4)
  -- errors
  T.raises("stratify: a class too small", function() ds:split(0.9, { stratify = true, seed = 1 }) end,
    "class 0 has 5 rows: too few for a stratified split at validation fraction 0%.9 %(it needs a row in each part: "
      .. "floor%(5 %* %(1 %- 0%.9%)%) = 0 training rows%)")
  local reg = gg.data.regression { n = 10, features = 2, seed = 1 }
  T.raises("stratify: regression targets", function() reg:split(0.2, { stratify = true }) end,
    "stratify needs class targets: row 1's target is not a class index %(an integer >= 0%)")
  local bad_oh = gg.data.from_tensors(gg.tensor { { 1 }, { 2 } }, gg.tensor { { 1, 1 }, { 0, 1 } })
  T.raises("stratify: not one-hot", function() bad_oh:split(0.5, { stratify = true }) end,
    "stratify needs class targets: row 1's targets are not one%-hot")
  T.raises("stratify: not a boolean", function() ds:split(0.2, { stratify = "yes" }) end,
    "stratify must be a boolean")
  T.raises("stratify: fraction checked", function() ds:split(1.5, { stratify = true }) end,
    "validation fraction must be in %(0, 1%), got 1%.5")
end

-- ---- scale_features on every column ----
do
  local ds = gg.data.regression { n = 4, features = 3, seed = 2 }
  local x = ds:x():totable()
  local want = {}
  for r = 1, 4 do want[r] = { f32(x[r][1] * 10), f32(x[r][2] * 10), f32(x[r][3] * 10) } end
  T.eq("scale_features without columns: every column", ds:scale_features { factor = 10 }:x():totable(), want)
  T.eq("scale_features columns = 'all'", ds:scale_features { columns = "all", factor = 10 }:x():totable(), want)
  local some = ds:scale_features { columns = { 2 }, factor = 10 }:x():totable()
  T.eq("scale_features with a list: only those", { some[1][1], some[1][2], some[1][3] },
    { x[1][1], want[1][2], x[1][3] })
  T.eq("scale_features: default factor 1000 on all", ds:scale_features():x():get(2, 3), f32(x[2][3] * 1000))
  T.raises("scale_features: another string", function() ds:scale_features { columns = "every" } end,
    "columns must be \"all\" or a list of 1%-based feature numbers, got 'every'")
  T.eq("scale_features: targets untouched", ds:scale_features { factor = 10 }:y():totable(), ds:y():totable())
end

-- ds:feature_stats(): each column's mean and sample sd, bit for bit the Lua loop the doctor
-- used before (double sums over the rows in order; (x - m)^2 is x*x in Lua 5.4)
do
  local function lua_stats(ds)
    local x = ds:x():totable()
    local n, d = #x, #x[1]
    local mean, sd = {}, {}
    for j = 1, d do
      local s = 0
      for i = 1, n do s = s + x[i][j] end
      mean[j] = s / n
      local v = 0
      for i = 1, n do v = v + (x[i][j] - mean[j]) ^ 2 end
      sd[j] = math.sqrt(v / math.max(n - 1, 1))
    end
    return mean, sd
  end
  local function bits(xs)
    local o = {}
    for i, v in ipairs(xs) do o[i] = string.pack("<d", v) end
    return table.concat(o)
  end
  local sets = {
    gg.data.classification { n = 300, features = 7, classes = 3, seed = 4 },
    gg.data.regression { n = 1, features = 3, seed = 2 },
    gg.data.regression { n = 57, features = 5, seed = 9 }:scale_features { factor = 1e6 },
    gg.data.from_tensors(gg.tensor { { 1, -2 }, { 1, 1e30 }, { 1, -1e-30 } }, gg.tensor { { 0 }, { 1 }, { 0 } }),
  }
  for i, ds in ipairs(sets) do
    local m1, s1 = ds:feature_stats()
    local m2, s2 = lua_stats(ds)
    T.eq("feature_stats set " .. i .. ": one mean and sd per feature", { #m1, #s1 }, { ds:features(), ds:features() })
    T.ok("feature_stats set " .. i .. ": means identical to the Lua loop", bits(m1) == bits(m2))
    T.ok("feature_stats set " .. i .. ": sds identical to the Lua loop", bits(s1) == bits(s2))
  end
  local m, s = gg.data.from_tensors(gg.tensor { { 1, 3 }, { 3, 3 } }, gg.tensor { { 0 }, { 1 } }):feature_stats()
  T.eq("feature_stats: textbook values", { m, s }, { { 2, 3 }, { math.sqrt(2), 0 } })
end

T.rmtree(dir)
T.done()
