-- tests/lua/test_store_reader.lua — reading a results folder back: gg.csv.rows (libcsv, a
-- row at a time: quoting, line numbers, truncated files, bounded memory on a 200k-row
-- file), store.number, and store.read's results:runs/curves/curve/meta/manifest/
-- doctor_reports on folders written by hand and by the store itself; store.open's
-- fail_write fault injection.

local T = require "check"
local write = T.write
local gg = require "gglab"
local json = require "gglab.lib.json"
local store = require "gglab.engine.store"
local schema = require "gglab.lib.schema"

local tmp = T.tmpdir()

-- rows(path) -> list of {line, fields...} read through gg.csv.rows.
local function rows(path)
  local out = {}
  for row, line in gg.csv.rows(path) do out[#out + 1] = { line, table.unpack(row) } end
  return out
end

-- ---- gg.csv.rows ----

write(tmp .. "/q.csv", 'a,b,c\n1,"x, y","say ""hi"""\n\n2,"two\nlines",\r\n3,4,5')
T.eq("quoted commas, quotes and newlines; blank lines skipped; line a row ends on",
  rows(tmp .. "/q.csv"), { { 1, "a", "b", "c" }, { 2, "1", "x, y", 'say "hi"' }, { 5, "2", "two\nlines", "" },
  { 6, "3", "4", "5" } })
local none, msg = gg.csv.rows(tmp .. "/nope.csv")
T.eq("missing file", { none, msg }, { nil, tmp .. "/nope.csv: No such file or directory" })
write(tmp .. "/empty.csv", "")
T.eq("empty file: no rows", rows(tmp .. "/empty.csv"), {})
write(tmp .. "/open.csv", 'a,b\n1,2\n3,"never closed\n')
T.raises("a quoted field open at the end of the file", function() rows(tmp .. "/open.csv") end,
  "^" .. tmp:gsub("%p", "%%%0") .. "/open%.csv:4: quoted field not closed at the end of the file")
write(tmp .. "/bad.csv", 'a,b\n1,"x"y\n')
T.raises("a malformed quote (strict: never parsed into silent garbage)", function() rows(tmp .. "/bad.csv") end,
  "^" .. tmp:gsub("%p", "%%%0") .. "/bad%.csv:2: ")
-- A row longer than one read chunk (8 kB) and rows straddling chunk boundaries.
local long = string.rep("z", 20000)
local parts = { "k,v" }
for i = 1, 3000 do parts[#parts + 1] = i .. ",\"" .. (i == 1500 and long or "v,") .. i .. "\"" end
write(tmp .. "/chunks.csv", table.concat(parts, "\n") .. "\n")
local n, good = 0, true
for row, line in gg.csv.rows(tmp .. "/chunks.csv") do
  n = n + 1
  if n > 1 then
    local i = n - 1
    good = good and line == n and row[1] == tostring(i) and row[2] == (i == 1500 and long or "v,") .. i
  end
end
T.eq("rows across chunk boundaries", { n, good }, { 3001, true })

-- ---- numbers ----

T.ok("inf, -inf, nan", store.number("inf") == math.huge and store.number("-inf") == -math.huge
  and store.number("nan") ~= store.number("nan"))
T.eq("numbers, empty, text",
  { store.number("0.1"), store.number("1e-3"), store.number(""), store.number("adam") },
  { 0.1, 1e-3, nil, nil })

-- ---- a results folder written by hand ----

local dir = tmp .. "/hand"
assert(gg.fs.mkdir(dir .. "/runs"))
local missing_res, why = store.read(tmp .. "/nowhere")
T.eq("no such directory", { missing_res, why }, { nil, "no such results directory '" .. tmp .. "/nowhere'" })
local res = assert(store.read(dir))
local r, rmsg = res:runs()
T.eq("no runs.csv", { r, rmsg },
  { nil, "'" .. dir .. "' has no runs.csv (not a gglab results directory, or no run has finished)" })
local it, cmsg = res:curves()
T.eq("no curves.csv", { it, cmsg }, { nil, "'" .. dir .. "' has no curves.csv" })
T.eq("no doctor reports", res:doctor_reports(), {})
T.ok("no manifest", select(2, res:manifest()):match("^cannot read '.-/hand/manifest%.json'"))

write(dir .. "/runs.csv", "run_id,lr,opt,run_seed,status,final_loss,min_loss,final_val_loss,steps,"
  .. "diverged_step,error,wall_s\n"
  .. "00000000000000a1,0.1,\"a, b\",7,ok,0.25,0.125,,100,,,0.5\n"
  .. "00000000000000a2,10,sgd,8,diverged,inf,nan,-inf,12,12,,0.1\n"
  .. "00000000000000a3,1,\"two\nlines\",9,failed,,,,0,,\"boom, \"\"quoted\"\"\",0\n")
r = assert(res:runs())
T.eq("header and parameter columns", { #r.header, r.params, r.col.status }, { 12, { "lr", "opt" }, 5 })
local a1, a2, a3 = r.records[1], r.records[2], r.records[3]
T.eq("a record",
  { a1.id, a1.status, a1.error, a1.final_loss, a1.min_loss, a1.final_val_loss, a1.steps, a1.params },
  { "00000000000000a1", "ok", "", 0.25, 0.125, nil, 100, { lr = "0.1", opt = "a, b" } })
T.ok("inf and nan results", a2.final_loss == math.huge and a2.min_loss ~= a2.min_loss
  and a2.final_val_loss == -math.huge and a2.diverged_step == 12)
T.eq("quoted newline and quotes", { a3.params.opt, a3.error, a3.final_loss },
  { "two\nlines", 'boom, "quoted"', nil })
T.eq("raw row kept", a3.fields[11], 'boom, "quoted"')
gg.fs.mkdir(tmp .. "/notruns")
write(tmp .. "/notruns/runs.csv", "a,b\n1,2\n")
T.eq("runs.csv without run_id/status", select(2, assert(store.read(tmp .. "/notruns")):runs()),
  tmp .. "/notruns/runs.csv: no run_id or status column (not a gglab runs.csv)")

write(dir .. "/curves.csv", "run_id,step,epoch,metric,value\n"
  .. "00000000000000a1,1,1,loss,0.5\n00000000000000a1,2,,\"odd, metric\",inf\n"
  .. "00000000000000a2,3,1,loss,nan\n")
local got = {}
it = assert(res:curves())
for id, step, epoch, metric, value in it do got[#got + 1] = { id, step, epoch or "nil", metric, value } end
T.eq("curves: numbers typed, epoch nil when empty, quoted metric",
  { got[1], got[2][3], got[2][4], got[2][5], #got },
  { { "00000000000000a1", 1, 1, "loss", 0.5 }, "nil", "odd, metric", math.huge, 3 })
T.ok("curves: nan value", got[3][5] ~= got[3][5])
write(dir .. "/curves.csv",
  "run_id,step,epoch,metric,value\n00000000000000a1,1,1,loss,0.5\n00000000000000a1,2,1,lo")
it = assert(res:curves())
T.raises("truncated curves.csv: path and line", function() for _ in it do end end,
  "/hand/curves%.csv:3: 4 fields, the header has 5 %(truncated file%?%)$")
write(dir .. "/curves.csv", "")
T.eq("empty curves.csv", select(2, res:curves()), dir .. "/curves.csv: empty file")
write(dir .. "/curves.csv", "run_id,step,metric,value\n")
T.eq("not a curves file", select(2, res:curves()),
  dir .. "/curves.csv: no epoch column (not a gglab curves.csv)")

write(dir .. "/runs/00000000000000a1.csv", "run_id,step,epoch,metric,value\n00000000000000a1,1,,loss,0.5\n")
write(dir .. "/runs/00000000000000a1.meta.json", '{"tool":"x"}')
T.eq("one run's curve", res:curve("00000000000000a1"), { { step = 1, metric = "loss", value = 0.5 } })
T.eq("a run without a curve file", res:curve("00000000000000a9"), {})
T.eq("meta", { res:meta("00000000000000a1"), res:meta("00000000000000a9") }, { { tool = "x" }, nil })

write(dir .. "/manifest.json", "{not json")
T.ok("bad manifest", select(2, res:manifest()):match("^'.-/hand/manifest%.json': "))
write(dir .. "/manifest.json", "[1, 2]")
T.ok("manifest array is a table", type(res:manifest()) == "table")
write(dir .. "/manifest.json", "3")
T.eq("manifest not an object", select(2, res:manifest()),
  "'" .. dir .. "/manifest.json' is not a JSON object")
write(dir .. "/manifest.json", json.encode { name = "hand", points = 3 })
T.eq("manifest", res:manifest(), { name = "hand", points = 3 })

assert(gg.fs.mkdir(dir .. "/doctor/10"))
assert(gg.fs.mkdir(dir .. "/doctor/2"))
assert(gg.fs.mkdir(dir .. "/doctor/x"))
write(dir .. "/doctor/10/doctor.txt", "ten")
write(dir .. "/doctor/2/doctor.txt", "two")
write(dir .. "/doctor/x/doctor.txt", "not a configuration")
write(dir .. "/doctor/doctor.txt", "top")
T.eq("doctor reports: the top one, then by configuration number", res:doctor_reports(),
  { "top", "two", "ten" })

-- ---- written by the store, read back ----

local out = tmp .. "/written"
local st = assert(store.open(out, { fresh = true }))
local ids = { "00000000000000b1", "00000000000000b2" }
for i, id in ipairs(ids) do
  local run = st:begin_run(id)
  run:curve(1, nil, "loss", 1 / i)
  run:curve(2, 1, "odd \"metric\",\nname", 0 / 0)
  run:finish({ run_id = id, params = { opt = i == 1 and "a,\nb" or "c", lr = i / 10 }, run_seed = i,
    status = "ok", final_loss = 1 / i, steps = 2, wall_s = 0.25 })
end
st:combine(ids, { "lr", "opt" })
st:write_manifest { name = "written", points = 2 }
res = assert(store.read(out))
r = assert(res:runs())
T.eq("store round trip: runs", { r.params, r.records[1].params, r.records[2].final_loss, r.records[1].steps },
  { { "lr", "opt" }, { lr = "0.1", opt = "a,\nb" }, 0.5, 2 })
got = {}
for id, step, epoch, metric, value in assert(res:curves()) do
  got[#got + 1] = { id, step, epoch or "none", metric, value == value and value or "nan" }
end
T.eq("store round trip: curves", got, {
  { ids[1], 1, "none", "loss", 1 }, { ids[1], 2, 1, "odd \"metric\",\nname", "nan" },
  { ids[2], 1, "none", "loss", 0.5 }, { ids[2], 2, 1, "odd \"metric\",\nname", "nan" } })
T.eq("store round trip: manifest", { res:manifest().name, res:manifest().files.curves },
  { "written", schema.CURVES_FILE })

-- ---- fault injection: store.open(dir, {fail_write = text}) ----

st = assert(store.open(tmp .. "/faulty", { fresh = true, fail_write = "runs.csv" }))
local run = st:begin_run(ids[1])
run:curve(1, 1, "loss", 1)
run:finish { run_id = ids[1], params = {}, status = "ok" }
T.raises("fail_write: the combined runs.csv cannot be written", function() st:combine({ ids[1] }, {}) end,
  "^cannot write '.-/faulty/runs%.csv': No space left on device$")
T.eq("fail_write: no partial file left", { gg.fs.exists(tmp .. "/faulty/runs.csv.tmp"),
  gg.fs.exists(tmp .. "/faulty/runs.csv") }, { false, false })
st = assert(store.open(tmp .. "/healthy", { fresh = true }))
st:begin_run(ids[1]):finish { run_id = ids[1], params = {}, status = "ok" }
st:combine({ ids[1] }, {})
T.ok("without fail_write the same writes succeed", gg.fs.exists(tmp .. "/healthy/runs.csv"))

-- ---- bounded memory: 200k rows of curves.csv streamed ----

local big = tmp .. "/big"
assert(gg.fs.mkdir(big))
local f = assert(io.open(big .. "/curves.csv", "wb"))
f:write("run_id,step,epoch,metric,value\n")
local block = {}
for i = 1, 200000 do
  block[#block + 1] = string.format("%016x,%d,%d,%s,%.17g\n", i // 1000, i, i // 100,
    i % 2 == 0 and "loss" or "val_loss", 1 / i)
  if #block == 5000 then
    f:write(table.concat(block))
    block = {}
  end
end
f:write(table.concat(block))
f:close()
block = nil
collectgarbage("collect")
local base = collectgarbage("count")
local peak, count, sum = base, 0, 0
for _, step, _, _, value in assert(assert(store.read(big)):curves()) do
  count = count + 1
  sum = sum + step * value
  if count % 1000 == 0 then peak = math.max(peak, collectgarbage("count")) end
end
T.eq("all 200k rows streamed", count, 200000)
T.near("values parsed (sum of step * 1/step)", sum, 200000, 1e-6)
-- The file is ~8 MB of text (~60 MB as Lua tables); the stream holds a chunk's rows.
T.ok(string.format("memory stays bounded (peak %.0f kB over the %.0f kB before)", peak - base, base),
  peak - base < 4096)

os.execute("rm -rf '" .. tmp .. "'")
T.done()
