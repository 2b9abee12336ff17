-- tests/lua/test_csv_data.lua — gg.data.csv and ds:class_weights(): values, label
-- encoding, the info table, BOM/CRLF/quotes, a 5000-column file, `nil, msg` for every file
-- problem (with row and column), raised errors for bad options. Run from the repository
-- root (fixtures in tests/data).

local T = require "check"
local gg = require "gglab"

local function lit(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end
local function raises_text(name, fn, text) T.raises(name, fn, lit(text)) end

local tmp = os.tmpname()
local function write(bytes)
  local f = assert(io.open(tmp, "wb"))
  f:write(bytes)
  f:close()
  return tmp
end

-- expected failure: nil plus a message containing text
local function fails(name, text, ...)
  local ds, msg = gg.data.csv(...)
  T.eq(name .. ": nil", ds, nil)
  T.ok(name .. ": message " .. text .. " in " .. tostring(msg),
       type(msg) == "string" and msg:find(text, 1, true) ~= nil)
end

-- ---- a valid file: string labels, default target (last column) ----
do
  local ds, info = gg.data.csv("tests/data/csv_small.csv", { classify = true })
  T.eq("small: type", tostring(ds), "gglab.Dataset(4 rows, 2 features, 3 classes)")
  T.eq("small: x", ds:x():totable(), { { 1, 2.5 }, { 3, -4 }, { 5, 600 }, { 7, 8 } })
  T.eq("small: y = sorted label indices", ds:y():totable(), { { 1 }, { 0 }, { 2 }, { 0 } })
  T.eq("small: info", info, { rows = 4, columns = 3, features = { "a", "b" }, target = "species",
                              labels = { "setosa", "versicolor", "virginica" } })
  local w = ds:class_weights()
  T.eq("class weights: 3 entries", #w, 3)
  T.near("class weights: 4/(3*2)", w[1], 4 / 6, 1e-7)
  T.near("class weights: 4/3", w[2], 4 / 3, 1e-7)
  T.near("class weights: 4/3", w[3], 4 / 3, 1e-7)

  -- target by name, features subset by name (order kept), regression
  ds, info = gg.data.csv("tests/data/csv_small.csv", { target = "a", features = { "b" } })
  T.eq("subset: x", ds:x():totable(), { { 2.5 }, { -4 }, { 600 }, { 8 } })
  T.eq("subset: y", ds:y():totable(), { { 1 }, { 3 }, { 5 }, { 7 } })
  T.eq("subset: info", info, { rows = 4, columns = 3, features = { "b" }, target = "a" })
  T.eq("regression: classes 0", ds:classes(), 0)
  raises_text("class_weights on regression", function() ds:class_weights() end,
              "gglab.Dataset:class_weights: class weights need a classification dataset")

  -- target by 1-based index, numeric labels sorted numerically
  ds, info = gg.data.csv(write("y,x\n10,1\n9,2\n10,3\n1,4\n10,5\n"), { target = 1, classify = true })
  T.eq("numeric labels: y", ds:y():totable(), { { 2 }, { 1 }, { 2 }, { 0 }, { 2 } })
  T.eq("numeric labels: texts", info.labels, { "1", "9", "10" })
  T.eq("numeric labels: features", info.features, { "x" })
  -- imbalanced: n=5, counts 1,1,3 → 5/3, 5/3, 5/9
  local cw = ds:class_weights()
  T.near("imbalanced w1", cw[1], 5 / 3, 1e-6)
  T.near("imbalanced w2", cw[2], 5 / 3, 1e-6)
  T.near("imbalanced w3", cw[3], 5 / 9, 1e-6)

  -- no header: columns named by number
  ds, info = gg.data.csv(write("1,2,3\n4,5,6\n"), { header = false })
  T.eq("no header: y", ds:y():totable(), { { 3 }, { 6 } })
  T.eq("no header: names", info.features, { "1", "2" })
end

-- ---- format: BOM, CRLF, quoted fields, long lines ----
do
  local ds, info = gg.data.csv(write("\xEF\xBB\xBFa,\"b,c\",y\r\n\"1.5\",2,\"x, y\"\r\n3,4,z\r\n"),
                               { classify = true })
  T.eq("bom/crlf: names", info.features, { "a", "b,c" })
  T.eq("bom/crlf: labels", info.labels, { "x, y", "z" })
  T.eq("bom/crlf: x", ds:x():totable(), { { 1.5, 2 }, { 3, 4 } })

  local nc, parts = 5000, {}
  for c = 1, nc do parts[c] = "c" .. c end
  local lines = { table.concat(parts, ",") }
  for r = 1, 2 do
    local row = {}
    for c = 1, nc do row[c] = tostring(r * 10000 + c) end
    lines[#lines + 1] = table.concat(row, ",")
  end
  ds, info = gg.data.csv(write(table.concat(lines, "\n") .. "\n"), { target = "c1" })
  T.eq("long: shape", { ds:n(), ds:features() }, { 2, nc - 1 })
  T.eq("long: y", ds:y():totable(), { { 10001 }, { 20001 } })
  T.eq("long: last feature", ds:x():totable()[2][nc - 1], 20000 + nc)
  T.eq("long: names", { info.features[1], info.features[nc - 1], info.target }, { "c2", "c" .. nc, "c1" })
end

-- ---- expected failures: nil, msg ----
fails("missing file", "tests/data/no_such.csv: No such file or directory", "tests/data/no_such.csv")
fails("empty", "tests/data/csv_empty.csv: is empty", "tests/data/csv_empty.csv")
fails("header only", "tests/data/csv_header_only.csv: has a header but no data rows",
      "tests/data/csv_header_only.csv")
fails("ragged", "tests/data/csv_ragged.csv: row 4 has 2 fields, expected 3", "tests/data/csv_ragged.csv")
fails("non-numeric", "tests/data/csv_nonnumeric.csv: row 3, column 'b': 'abc' is not a number",
      "tests/data/csv_nonnumeric.csv")
fails("nan", "tests/data/csv_nan.csv: row 3, column 'a': nan is not a finite number", "tests/data/csv_nan.csv")
fails("inf", "tests/data/csv_inf.csv: row 3, column 'b': -inf is not a finite number", "tests/data/csv_inf.csv")
fails("labels without classify", "row 2, column 'species': 'versicolor' is not a number (class labels need classify)",
      "tests/data/csv_small.csv")
fails("unknown target", "target column 'nope' not found; columns are a, b, species", "tests/data/csv_small.csv",
      { target = "nope" })
fails("unknown feature", "feature column 'q' not found; columns are a, b, species", "tests/data/csv_small.csv",
      { features = { "q" }, classify = true })
-- A ';'-separated file read as CSV is one column: the message names the column and the
-- separator, not "no feature columns" (issue 20, bug 9).
fails("';' file, target by name", "target column 'y' not found; the only column is 'a;b;y'; the file looks "
  .. "';'-separated (gglab reads comma-separated files)", write("a;b;y\n1;2;3\n"), { target = "y" })
fails("';' file, default target", "no feature columns: the file has only the target column 'a;b;y'; the file "
  .. "looks ';'-separated", write("a;b;y\n1;2;3\n"))
fails("missing target name", "target column 'y' not found; columns are a, b, c", write("a,b,c\n1,2,3\n"),
  { target = "y" })
fails("duplicate columns", "tests/data/csv_dupcols.csv: columns 1 and 3 are both named 'a'",
      "tests/data/csv_dupcols.csv")
fails("target as feature", "column 'species' is both the target and a feature", "tests/data/csv_small.csv",
      { target = "species", features = { "a", "species" }, classify = true })
fails("feature twice", "feature 'a' is listed twice", "tests/data/csv_small.csv",
      { features = { "a", "a" }, classify = true })
fails("target index too large", "target column 9 is out of range (the file has 3 columns)",
      "tests/data/csv_small.csv", { target = 9 })
fails("malformed quotes", "row 2: malformed quoted field", write("a,y\n\"1\"x,2\n"))

-- ---- misuse raises ----
raises_text("unknown option", function() gg.data.csv("x.csv", { tagret = "y" }) end,
            "gg.data.csv: unknown option 'tagret' (allowed: header, target, features, classify, shape)")
raises_text("target type", function() gg.data.csv("x.csv", { target = 0 }) end,
            "gg.data.csv: target must be a column name or a 1-based column index, got 0")
raises_text("target float", function() gg.data.csv("x.csv", { target = 1.5 }) end,
            "gg.data.csv: target must be a column name or a 1-based column index, got 1.5")
raises_text("features type", function() gg.data.csv("x.csv", { features = "a" }) end,
            "gg.data.csv: features must be a non-empty list of column names, got 'a'")
raises_text("features empty", function() gg.data.csv("x.csv", { features = {} }) end,
            "gg.data.csv: features must be a non-empty list of column names, got a table")
raises_text("features entry", function() gg.data.csv("x.csv", { features = { "a", 2 } }) end,
            "gg.data.csv: features[2] must be a column name, got 2")
raises_text("classify type", function() gg.data.csv("x.csv", { classify = 1 }) end,
            "gg.data.csv: classify must be a boolean, got 1")
raises_text("names need a header", function() gg.data.csv("x.csv", { header = false, target = "y" }) end,
            "gg.data.csv: a target by name needs header = true")
raises_text("path type", function() gg.data.csv({}) end, "bad argument #1 to 'csv'")

os.remove(tmp)
T.done()
