-- tests/lua/test_seqdata.lua — token datasets from Lua: gg.data.modular (shapes, answers,
-- train and val disjoint and together every pair once), gg.data.sequence (each task's
-- layout), gg.data.text (windows found in their part of the file, y = x shifted, defaults,
-- char vocabulary, decode round trip), ds:vocab/decode/as_tokens, CSV token columns, the
-- marking kept by split/subset, training on token data, and the error texts (naming the
-- argument and the caller's line).

local T = require "check"
local gg = require "gglab"

local function err(f) local ok, e = pcall(f); return not ok and tostring(e) or "no error" end
local function has(name, text, want) T.ok(name .. ": " .. text, text:find(want, 1, true) ~= nil) end
local HERE = "tests/lua/test_seqdata.lua:"

-- rows(t) -> list of rows of the tensor t as Lua lists.
local function rows(t) return t:totable() end

-- ---- gg.data.modular ----
local tr, va = gg.data.modular { seed = 0 }
T.eq("defaults: p 97, fraction 0.3", { tr:n(), va:n() }, { 2822, 9409 - 2822 })
T.eq("x (n, 3), y (n, 1), 97 classes", { tr:features(), tr:targets(), tr:classes(), va:classes() }, { 3, 1, 97, 97 })
T.eq("vocab p + 1", { tr:vocab(), va:vocab() }, { 98, 98 })
T.eq("tostring", tostring(tr), "gglab.Dataset(2822 rows, 3 features, 97 classes)")

local function check_modular(p, op, f)
  local a_tr, a_va = gg.data.modular { p = p, op = op, train_fraction = 0.4, seed = 3 }
  local seen, count, right, eq = {}, 0, true, true
  for _, part in ipairs { a_tr, a_va } do
    local x, y = rows(part:x()), rows(part:y())
    for i = 1, part:n() do
      local a, b = x[i][1], x[i][2]
      local key = a * p + b
      seen[key] = (seen[key] or 0) + 1
      count = count + 1
      right = right and y[i][1] == f(a, b) % p
      eq = eq and x[i][3] == p
    end
  end
  local once = true
  for a = 0, p - 1 do
    for b = 0, p - 1 do
      local want = 1
      if op == "/" and b == 0 then want = nil end
      once = once and seen[a * p + b] == want
    end
  end
  T.ok("modular " .. op .. ": train and val disjoint, together every pair once", once)
  T.eq("modular " .. op .. ": rows", count, op == "/" and p * (p - 1) or p * p)
  T.ok("modular " .. op .. ": y = (a op b) mod p", right)
  T.ok("modular " .. op .. ": third token '=' is p", eq)
end
local function inverse(b, p) for q = 1, p - 1 do if q * b % p == 1 then return q end end end
check_modular(13, "+", function(a, b) return a + b end)
check_modular(13, "-", function(a, b) return a - b end)
check_modular(12, "*", function(a, b) return a * b end)
check_modular(13, "/", function(a, b) return a * inverse(b, 13) end)
check_modular(13, "x^2+y^2", function(a, b) return a * a + b * b end)

local same = gg.data.modular { p = 11, seed = 5 }
T.eq("seed repeats", rows(same:x()), rows(gg.data.modular { p = 11, seed = 5 }:x()))
T.eq("rng = gg.rng(s) is seed = s", rows(same:x()), rows(gg.data.modular { p = 11, rng = gg.rng(5) }:x()))
T.ok("another seed differs", gg.data.modular { p = 11, seed = 6 }:x():get(1, 1) ~= same:x():get(1, 1)
  or gg.data.modular { p = 11, seed = 6 }:x():get(1, 2) ~= same:x():get(1, 2))

has("p too small", err(function() gg.data.modular { p = 1 } end), HERE)
has("p too small", err(function() gg.data.modular { p = 1 } end), "gg.data.modular: p must be an integer in [2, 4096], got 1")
has("p too large", err(function() gg.data.modular { p = 5000 } end), "gg.data.modular: p must be an integer in [2, 4096], got 5000")
has("op", err(function() gg.data.modular { op = "%" } end),
  "gg.data.modular: op must be one of '+', '-', '*', '/', 'x^2+y^2', got '%'")
has("'/' needs a prime", err(function() gg.data.modular { p = 91, op = "/" } end),
  "gg.data.modular: op '/' needs a prime p (b must have an inverse mod p), got 91 = 7 * 13")
has("fraction 1", err(function() gg.data.modular { train_fraction = 1 } end),
  "gg.data.modular: train_fraction must be in (0, 1), got 1")
has("fraction 0", err(function() gg.data.modular { train_fraction = 0 } end), "train_fraction must be in (0, 1), got 0")
has("fraction not a number", err(function() gg.data.modular { train_fraction = "x" } end),
  "gg.data.modular: train_fraction must be a finite number, got 'x'")
has("empty side", err(function() gg.data.modular { p = 2, train_fraction = 0.1 } end),
  "gg.data.modular: train_fraction 0.1 of 4 pairs leaves an empty split")
has("unknown option", err(function() gg.data.modular { train_frac = 0.5 } end),
  "gg.data.modular: unknown option 'train_frac' (allowed: p, op, train_fraction, seed, rng); did you mean 'train_fraction'?")
has("errors point at the caller", err(function() gg.data.modular { op = "^" } end), HERE)

-- derived datasets keep the vocabulary
local a, b = tr:split(0.5, { seed = 1 })
T.eq("split keeps vocab", { a:vocab(), b:vocab() }, { 98, 98 })
T.eq("subset keeps vocab", tr:subset(1, 4):vocab(), 98)
T.eq("flip_labels keeps vocab", tr:flip_labels { rate = 0.1, seed = 1 }:vocab(), 98)
T.eq("a scaler's output is not tokens", gg.data.standard_scaler(tr):transform(tr):vocab(), nil)
T.eq("other data has no vocab", gg.data.regression { n = 3, seed = 1 }:vocab(), nil)

-- ---- gg.data.sequence ----
local function seq(task, extra)
  local o = { task = task, n = 30, seed = 2 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return gg.data.sequence(o)
end
local cp = seq("copy")
T.eq("copy defaults: length 8, vocab 10, y (n, 8)", { cp:n(), cp:features(), cp:targets(), cp:classes(), cp:vocab() }, { 30, 8, 8, 10, 10 })
T.eq("copy: y = x", rows(cp:y()), rows(cp:x()))
local rv = seq("reverse", { length = 5, vocab = 7 })
local rx, ry, ok = rows(rv:x()), rows(rv:y()), true
for i = 1, 30 do for t = 1, 5 do ok = ok and ry[i][t] == rx[i][6 - t] end end
T.ok("reverse: y[t] = x[L+1-t]", ok)
local so = seq("sort", { length = 6, vocab = 4 })
local sx, sy = rows(so:x()), rows(so:y())
ok = true
for i = 1, 30 do
  local s = { table.unpack(sx[i]) }
  table.sort(s)
  for t = 1, 6 do ok = ok and sy[i][t] == s[t] end
end
T.ok("sort: y = sorted x", ok)
local pa = seq("parity", { length = 9 })
local px, py = rows(pa:x()), rows(pa:y())
ok = pa:targets() == 1 and pa:classes() == 2 and pa:vocab() == 2
for i = 1, 30 do
  local ones = 0
  for t = 1, 9 do ones = ones + px[i][t] end
  ok = ok and py[i][1] == ones % 2
end
T.ok("parity: y = count of 1s mod 2", ok)
local re = seq("recall")
T.eq("recall defaults: length 9, vocab 16, one label, 16 classes", { re:features(), re:targets(), re:classes(), re:vocab() }, { 9, 1, 16, 16 })
local qx, qy = rows(re:x()), rows(re:y())
ok = true
for i = 1, 30 do
  local value = {}
  for k = 1, 8, 2 do
    ok = ok and value[qx[i][k]] == nil and qx[i][k] < 8 and qx[i][k + 1] >= 8
    value[qx[i][k]] = qx[i][k + 1]
  end
  ok = ok and value[qx[i][9]] == qy[i][1]
end
T.ok("recall: distinct keys, y = the value of the query", ok)
T.eq("sequence: seed repeats", rows(seq("sort"):x()), rows(seq("sort"):x()))

has("task missing", err(function() gg.data.sequence { n = 3 } end),
  "gg.data.sequence: task must be one of 'copy', 'reverse', 'sort', 'parity', 'recall', got nil")
has("task unknown", err(function() gg.data.sequence { task = "add" } end),
  "gg.data.sequence: task must be one of 'copy', 'reverse', 'sort', 'parity', 'recall', got 'add'")
has("length 0", err(function() gg.data.sequence { task = "copy", length = 0 } end),
  "gg.data.sequence: length must be an integer in [1, 2147483648], got 0")
has("vocab 1", err(function() gg.data.sequence { task = "copy", vocab = 1 } end),
  "gg.data.sequence: vocab must be an integer in [2, 16777216], got 1")
has("parity vocab", err(function() gg.data.sequence { task = "parity", vocab = 4 } end),
  "gg.data.sequence: parity: vocab must be 2 (bits), got 4")
has("recall length", err(function() gg.data.sequence { task = "recall", length = 8 } end),
  "gg.data.sequence: recall: length must be odd and >= 3 (key-value pairs, then a query), got 8")
has("recall keys", err(function() gg.data.sequence { task = "recall", length = 11, vocab = 8 } end),
  "gg.data.sequence: recall: length 11 holds 5 key-value pairs with distinct keys, which needs vocab >= 10 (half keys, half values), got 8")
has("sequence: caller's line", err(function() gg.data.sequence { task = "recall", length = 8 } end), HERE)
has("sequence: unknown option", err(function() gg.data.sequence { task = "copy", len = 3 } end),
  "gg.data.sequence: unknown option 'len' (allowed: task, n, length, vocab, seed, rng)")

-- ---- gg.data.text ----
local FILE = "experiments/data/tinyshakespeare.txt"
local f = assert(io.open(FILE, "rb"))
local TEXT = f:read("a")
f:close()
T.eq("the shipped text", #TEXT, 300174)
local ttr, tva = gg.data.text { file = FILE, context = 64, seed = 1 }
local Tt = math.floor(#TEXT * 0.9)
T.eq("byte level: n = floor(part / context)", { ttr:n(), tva:n() }, { Tt // 64, (#TEXT - Tt) // 64 })
T.eq("x (n, 64), y (n, 64), 256 classes", { ttr:features(), ttr:targets(), ttr:classes() }, { 64, 64, 256 })
T.eq("shape {64}", ttr:shape(), { 64 })
local V, toks = ttr:vocab()
T.eq("byte vocab", { V, #toks, toks[66] }, { 256, 256, "A" })
local train_part, val_part = TEXT:sub(1, Tt), TEXT:sub(Tt + 1)
local function windows_ok(ds, part, count)
  local x, y = rows(ds:x()), rows(ds:y())
  local good = true
  for i = 1, count do
    local xs = ds:decode(x[i])
    local ys = ds:decode(y[i])
    good = good and #xs == 64 and part:find(xs .. ys:sub(-1), 1, true) ~= nil and ys:sub(1, -2) == xs:sub(2)
  end
  return good
end
T.ok("train windows are 65-byte pieces of the train part, y = x shifted", windows_ok(ttr, train_part, 200))
T.ok("val windows are pieces of the val part", windows_ok(tva, val_part, 200))
T.eq("text: seed repeats", rows(ttr:subset(1, 5):x()), rows(gg.data.text { file = FILE, context = 64, seed = 1 }:subset(1, 5):x()))

local ctr, cva = gg.data.text { file = FILE, context = 32, level = "char", split = 0.8, n = 50, val_n = 20, seed = 4 }
T.eq("char level: n and val_n", { ctr:n(), cva:n() }, { 50, 20 })
local CV, chars = ctr:vocab()
T.eq("char vocab: distinct characters", { CV, #chars, ctr:classes() }, { 62, 62, 62 })
local sorted = true
for i = 2, #chars do sorted = sorted and chars[i - 1] < chars[i] end
T.ok("chars sorted", sorted)
T.eq("first chars", { chars[1], chars[2], chars[3] }, { "\n", " ", "!" })
local ids = {}
local word = "Speak, speak."
for i = 1, #word do
  for id, c in ipairs(chars) do if c == word:sub(i, i) then ids[i] = id - 1 end end
end
T.eq("decode round trip (list)", ctr:decode(ids), word)
T.eq("decode a tensor", ctr:decode(gg.tensor { ids }), word)
T.eq("decode nothing", ctr:decode {}, "")
local s1 = ctr:decode(ctr:subset(1):x())
T.ok("a char window is text of the file", TEXT:find(s1, 1, true) ~= nil and #s1 == 32)
T.ok("val keeps the chars", select(2, cva:vocab())[62] == chars[62])

-- UTF-8 characters
local tmp = os.tmpname()
local g = assert(io.open(tmp, "wb"))
g:write(string.rep("héllo wörld — ünïcödé ", 20))
g:close()
local utr = gg.data.text { file = tmp, context = 5, level = "char", seed = 1 }
local UV, uc = utr:vocab()
T.eq("utf-8 vocab", { UV, uc[#uc] }, { 14, "—" })
local us = utr:decode(utr:subset(1):x())
T.ok("utf-8 window decodes to 5 characters of the text", utf8.len(us) == 5 and string.rep("héllo wörld — ünïcödé ", 3):find(us, 1, true) ~= nil)
local btr = gg.data.text { file = tmp, context = 5, seed = 1 }
T.eq("the same file at byte level: 256", btr:vocab(), 256)
g = assert(io.open(tmp, "wb"))
g:write("abc\xff\xfedef and more text to fill it up")
g:close()
local nope, msg = gg.data.text { file = tmp, context = 3, level = "char" }
T.ok("invalid utf-8: nil", nope == nil)
has("invalid utf-8: message", msg or "", tmp .. ": invalid UTF-8 at byte 3 (level 'char' reads UTF-8 text; level 'byte' reads any file)")
os.remove(tmp)

local none, why = gg.data.text { file = "no/such/file.txt" }
T.ok("missing file: nil", none == nil)
T.eq("missing file: message names it", why, "no/such/file.txt: No such file or directory")
has("file missing", err(function() gg.data.text { context = 3 } end), "gg.data.text: file must be a path (a string), got nil")
has("context 0", err(function() gg.data.text { file = FILE, context = 0 } end),
  "gg.data.text: context must be an integer in [1, 2147483648], got 0")
has("level", err(function() gg.data.text { file = FILE, level = "word" } end),
  "gg.data.text: level must be one of 'byte', 'char', got 'word'")
has("split", err(function() gg.data.text { file = FILE, split = 1.5 } end), "gg.data.text: split must be a number in (0, 1), got 1.5")
has("part too short", err(function() gg.data.text { file = "tests/data/csv_small.csv", context = 20 } end),
  "gg.data.text: tests/data/csv_small.csv: the validation part has 7 bytes (split 0.9 of 68), fewer than context + 1 = 21")
has("text: caller's line", err(function() gg.data.text { file = FILE, context = 0 } end), HERE)
has("text: unknown option", err(function() gg.data.text { file = FILE, contxt = 8 } end),
  "gg.data.text: unknown option 'contxt' (allowed: file, context, split, level, n, val_n, seed, rng); did you mean 'context'?")

-- decode errors
has("decode: not text", err(function() cp:decode { 1 } end),
  "gglab.Dataset:decode: decoding needs a text dataset (bytes or characters), this one has token ids without text")
has("decode: id too large", err(function() ctr:decode { 1, 62 } end), "gglab.Dataset:decode: ids[2] = 62 is not a token id in 0..61")
has("decode: fraction", err(function() ctr:decode { 0.5 } end), "gglab.Dataset:decode: ids[1] = 0.5 is not a token id in 0..61")
has("decode: a string", err(function() ctr:decode { "a" } end), "gglab.Dataset:decode: ids[1] must be a token id, got 'a'")
has("decode: argument", err(function() ctr:decode "abc" end), "gglab.Dataset:decode: ids must be a list of token ids or a gglab.Tensor, got 'abc'")
has("decode: caller's line", err(function() ctr:decode { -1 } end), HERE)

-- ---- CSV with token columns ----
local cs, info = gg.data.csv("tests/data/csv_tokens.csv", { target = "label", classify = true })
T.eq("csv tokens: x (5, 5) ids, 2 classes", { cs:n(), cs:features(), cs:classes() }, { 5, 5, 2 })
T.eq("csv tokens: ids as read", rows(cs:x())[2], { 9, 2, 6, 5, 3 })
T.eq("csv tokens: labels sorted", info.labels, { "neg", "pos" })
T.eq("csv: not tokens until marked", cs:vocab(), nil)
local tk = cs:as_tokens()
T.eq("as_tokens: vocab = largest id + 1", tk:vocab(), 10)
T.eq("as_tokens{vocab}", cs:as_tokens { vocab = 12 }:vocab(), 12)
T.eq("as_tokens copies", cs:vocab(), nil)
has("as_tokens: id too large", err(function() cs:as_tokens { vocab = 9 } end),
  "gglab.Dataset:as_tokens: row 2, feature 1: 9 is not a token id in 0..8")
has("as_tokens: not integers", err(function() gg.data.regression { n = 2, seed = 1 }:as_tokens() end),
  "gglab.Dataset:as_tokens: row 1, feature 1:")
has("as_tokens: option", err(function() cs:as_tokens { size = 3 } end), "gglab.Dataset:as_tokens: unknown option 'size' (allowed: vocab)")

-- ---- token datasets train like any dataset (ids as plain numbers into an MLP) ----
local par = gg.data.sequence { task = "parity", n = 64, length = 4, seed = 1 }
local m = gg.nn.sequential { gg.nn.linear(4, 8), gg.nn.relu(), gg.nn.linear(8, 2) }
local h = gg.train { model = m, data = par, optimizer = gg.optim.adam(m, { lr = 0.01 }), loss = "cross_entropy",
  epochs = 2, batch_size = 16, seed = 1, val = par:subset(1, 8) }
T.eq("gg.train runs on a sequence dataset", h.steps, 8)
T.ok("finite losses", h.loss[8] == h.loss[8] and not h.diverged)

T.done()
