-- tests/lua/test_checkpoint.lua — model:save / gg.load / model:load_state (safetensors):
-- PyTorch's state_dict names for sequential, BatchNorm, CNN, recurrent and composite
-- models; the exact bytes of a file (header length, sorted JSON header, padding, raw
-- float32 data); round trips bit for bit and byte for byte; strict and non-strict loads
-- and their errors (nothing written on a failed check); malformed files (truncated, bad
-- header length, bad JSON, overlapping/out-of-range/gapped offsets, wrong dtypes, random
-- byte corruption) giving clean errors that name the file.

local T = require "check"
local gg = require "gglab"

local dir = T.tmpdir()

local function here() return debug.getinfo(2, "l").currentline end

local function bytes_of(list)
  local out = {}
  for i, t in ipairs(list) do out[i] = t:bytes() end
  return table.concat(out)
end

local function mlp(seed)
  return gg.nn.sequential({ gg.nn.linear(3, 5), gg.nn.relu(), gg.nn.linear(5, 2) }, { seed = seed })
end
local function cnn(seed)
  return gg.nn.sequential({ gg.nn.conv2d(1, 4, 3), gg.nn.batchnorm2d(4), gg.nn.relu(), gg.nn.maxpool2d(2),
    gg.nn.flatten(), gg.nn.linear(36, 3) }, { input = { 1, 8, 8 }, seed = seed })
end

-- ---- names ----

T.eq("mlp names", mlp(1):parameter_names(), { "0.weight", "0.bias", "2.weight", "2.bias" })
T.eq("mlp has no buffers", mlp(1):buffer_names(), {})
T.eq("cnn names", cnn(1):parameter_names(), { "0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias" })
T.eq("cnn buffer names", cnn(1):buffer_names(), { "1.running_mean", "1.running_var", "1.num_batches_tracked" })
local bn = gg.nn.sequential({ gg.nn.linear(3, 4), gg.nn.batchnorm1d(4), gg.nn.relu(), gg.nn.dropout(0.5),
  gg.nn.linear(4, 2) }, { seed = 1 })
T.eq("batchnorm1d mlp names", bn:parameter_names(),
  { "0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias" })
local rnn = gg.nn.sequential({ gg.nn.lstm(3, 5, { num_layers = 2, ["return"] = "last" }), gg.nn.linear(5, 2) },
  { input = { 4, 3 }, seed = 1 })
T.eq("stacked lstm names (torch nn.LSTM's)", rnn:parameter_names(), { "0.weight_ih_l0", "0.weight_hh_l0",
  "0.bias_ih_l0", "0.bias_hh_l0", "0.weight_ih_l1", "0.weight_hh_l1", "0.bias_ih_l1", "0.bias_hh_l1", "1.weight",
  "1.bias" })
local block = gg.nn.sequential({ gg.nn.linear(4, 4), gg.nn.block { gg.nn.linear(4, 4), gg.nn.relu(),
  gg.nn.linear(4, 2) } }, { seed = 2 })
T.eq("a block's layers are <i>.<j>", block:parameter_names(), { "0.weight", "0.bias", "1.0.weight", "1.0.bias",
  "1.1.weight", "1.1.bias" })
local tfm = gg.nn.sequential({ gg.nn.transformer_encoder_layer(8, 2, { dim_feedforward = 16 }), gg.nn.linear(8, 3) },
  { input = { 5, 8 }, seed = 1 })
T.eq("transformer layer: nn.TransformerEncoderLayer's names", tfm:parameter_names(), { "0.self_attn.in_proj_weight",
  "0.self_attn.in_proj_bias", "0.self_attn.out_proj.weight", "0.self_attn.out_proj.bias", "0.linear1.weight",
  "0.linear1.bias", "0.linear2.weight", "0.linear2.bias", "0.norm1.weight", "0.norm1.bias", "0.norm2.weight",
  "0.norm2.bias", "1.weight", "1.bias" })
local mha = gg.nn.sequential({ gg.nn.multihead_attention(8, 2, { qk_norm = true }) }, { input = { 5, 8 } })
T.eq("attention: nn.MultiheadAttention's names (+ gglab's qk-norm)", mha:parameter_names(), { "0.in_proj_weight",
  "0.in_proj_bias", "0.out_proj.weight", "0.out_proj.bias", "0.q_norm.weight", "0.q_norm.bias", "0.k_norm.weight",
  "0.k_norm.bias" })
local gpt = gg.nn.gpt { vocab = 7, context = 4, d_model = 8, heads = 2, layers = 1, seed = 1 }
local gnames = gpt:parameter_names()
T.eq("gpt: free parameters numbered", { #gnames, gnames[1], gnames[16] }, { 16, "0.param0", "0.param15" })
local seen = {}
for _, n in ipairs(gnames) do seen[n] = true end
local distinct = 0
for _ in pairs(seen) do distinct = distinct + 1 end
T.eq("gpt names distinct", distinct, 16)

-- ---- the bytes of a file ----

local m = mlp(1)
local p1 = dir .. "/mlp.safetensors"
T.eq("save returns the model", m:save(p1), m)
local file = T.read(p1)
local n = string.unpack("<I8", file)
local header = file:sub(9, 8 + n)
T.eq("header padded to 8 bytes", n % 8, 0)
T.eq("header bytes", header:gsub(" +$", ""), '{"0.bias":{"data_offsets":[60,80],"dtype":"F32","shape":[5]},'
  .. '"0.weight":{"data_offsets":[0,60],"dtype":"F32","shape":[5,3]},'
  .. '"2.bias":{"data_offsets":[120,128],"dtype":"F32","shape":[2]},'
  .. '"2.weight":{"data_offsets":[80,120],"dtype":"F32","shape":[2,5]},'
  .. '"__metadata__":{"format":"pt","producer":"gglab"}}')
T.eq("data = the parameters' float32 bytes", file:sub(9 + n), bytes_of(m:parameters()))
T.eq("data length", #file - 8 - n, 4 * m:nparams())
T.ok("no temporary file left", not gg.fs.exists(p1 .. ".tmp"))
local first = string.unpack("<f", file, 9 + n)
T.eq("first float is W1[1][1]", first, m:parameters()[1]:get(1, 1))
m:save(dir .. "/mlp2.safetensors")
T.eq("same model, same bytes", T.read(dir .. "/mlp2.safetensors"), file)

-- ---- gg.load ----

local t, info = gg.load(p1)
T.eq("gg.load names", info.names, { "0.bias", "0.weight", "2.bias", "2.weight" })
T.eq("gg.load shapes", info.shapes["0.weight"], { 5, 3 })
T.eq("gg.load dtypes", info.dtypes["2.bias"], "F32")
T.eq("gg.load metadata", info.metadata, { format = "pt", producer = "gglab" })
T.eq("gg.load tensor", t["0.weight"]:totable(), m:parameters()[1]:totable())
T.eq("gg.load 1-D as (1, n)", { t["0.bias"]:shape() }, { 1, 5 })

-- ---- round trips ----

local m2 = mlp(2)
T.ok("different seeds differ", bytes_of(m2:parameters()) ~= bytes_of(m:parameters()))
T.eq("load returns the model", m2:load(p1), m2)
T.eq("loaded parameters bit-identical", bytes_of(m2:parameters()), bytes_of(m:parameters()))
local x = gg.tensor { { 0.5, -1, 2 }, { 1, 0.25, -0.5 } }
T.eq("same outputs", m2:forward(x):totable(), m:forward(x):totable())

local c = cnn(1)
c:train()
local xs = gg.tensor(4, 64)
local rng = gg.rng(5)
for i = 1, 4 do for j = 1, 64 do xs:set(i, j, rng:normal()) end end
c:forward(xs)  -- moves the running statistics away from 0 and 1
local pc = dir .. "/cnn.safetensors"
c:save(pc, { metadata = { note = "cnn" } })
local c2 = cnn(3)
c2:load_state(pc)
T.eq("cnn parameters", bytes_of(c2:parameters()), bytes_of(c:parameters()))
T.eq("cnn running stats", bytes_of(c2:buffers()), bytes_of(c:buffers()))
local _, cinfo = gg.load(pc)
T.eq("num_batches_tracked is an I64 scalar",
  { cinfo.dtypes["1.num_batches_tracked"], #cinfo.shapes["1.num_batches_tracked"] },
  { "I64", 0 })
T.eq("user metadata kept", cinfo.metadata.note, "cnn")
T.eq("full N-D conv shape", cinfo.shapes["0.weight"], { 4, 1, 3, 3 })
c2:save(dir .. "/cnn2.safetensors", { metadata = { note = "cnn" } })
T.eq("cnn: resaved bytes identical", T.read(dir .. "/cnn2.safetensors"), T.read(pc))

local r2 = gg.nn.sequential({ gg.nn.lstm(3, 5, { num_layers = 2, ["return"] = "last" }), gg.nn.linear(5, 2) },
  { input = { 4, 3 }, seed = 9 })
rnn:save(dir .. "/rnn.safetensors")
r2:load(dir .. "/rnn.safetensors")
T.eq("lstm round trip", bytes_of(r2:parameters()), bytes_of(rnn:parameters()))
local g2 = gg.nn.gpt { vocab = 7, context = 4, d_model = 8, heads = 2, layers = 1, seed = 2 }
gpt:save(dir .. "/gpt.safetensors")
g2:load(dir .. "/gpt.safetensors")
T.eq("gpt round trip", bytes_of(g2:parameters()), bytes_of(gpt:parameters()))

-- ---- strict and non-strict loads ----

local before = bytes_of(block:parameters())
local line = here() + 1
local ok, err = pcall(function() block:load(p1) end)
T.ok("mismatch raises", not ok)
T.ok("error at the caller's line: " .. tostring(err),
  tostring(err):find("test_checkpoint.lua:" .. line .. ":", 1, true))
T.ok("mis-shaped tensor named with both shapes: " .. tostring(err),
  tostring(err):find("gglab.Model:load: " .. p1 .. ": tensor '0.weight' has shape (5, 3), the model's is (4, 4)", 1,
    true))
T.eq("nothing written on failure", bytes_of(block:parameters()), before)

local bigger = gg.nn.sequential({ gg.nn.linear(3, 5), gg.nn.relu(), gg.nn.linear(5, 2), gg.nn.relu(),
  gg.nn.linear(2, 2) }, { seed = 4 })
before = bytes_of(bigger:parameters())
T.raises("missing tensor named", function() bigger:load(p1) end, "missing tensor '4.weight' and 1 more")
T.eq("nothing written when a tensor is missing", bytes_of(bigger:parameters()), before)
local res = bigger:load_state(p1, { strict = false })
T.eq("non-strict: missing listed", res, { missing = { "4.weight", "4.bias" }, unexpected = {} })
T.eq("non-strict: present ones loaded", bytes_of({ bigger:parameters()[1] }), bytes_of({ m:parameters()[1] }))
local small = gg.nn.sequential({ gg.nn.linear(3, 5) }, { seed = 4 })
T.raises("unexpected tensor named", function() small:load(p1) end, "unexpected tensor '2.bias' and 1 more")
T.eq("non-strict: unexpected listed", small:load_state(p1, { strict = false }).unexpected, { "2.bias", "2.weight" })

-- ---- argument errors ----

T.raises("save: path", function() m:save(42) end, "gglab.Model:save: path must be a file name, got 42")
T.raises("save: option", function() m:save(p1, { meta = {} }) end, "unknown option 'meta' %(allowed: metadata%)")
T.raises("save: metadata values", function() m:save(p1, { metadata = { a = 1 } }) end,
  "metadata must map strings to strings")
T.raises("save: reserved key", function() m:save(p1, { metadata = { format = "x" } }) end, "'format' is reserved")
T.raises("save: no such folder", function() m:save(dir .. "/no/such/x.safetensors") end,
  "gglab.Model:save: cannot write")
T.raises("load_state: strict", function() m:load_state(p1, { strict = "yes" }) end,
  "strict must be a boolean, got 'yes'")
T.raises("load_state: option", function() m:load_state(p1, { stric = true }) end, "unknown option 'stric'")
T.raises("load: no file", function() m:load(dir .. "/none.safetensors") end, "gglab.Model:load: cannot read")
T.raises("gg.load: path", function() gg.load(nil) end, "gg.load: path must be a file name, got nil")

-- ---- malformed files ----

local function entry(name, dtype, shape, b, e)
  return string.format('"%s":{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}', name, dtype, shape, b, e)
end
local function craft(hdr, data)
  return string.pack("<I8", #hdr) .. hdr .. data
end
local good_hdr = "{" .. entry("0.weight", "F32", "5,3", 0, 60) .. "," .. entry("0.bias", "F32", "5", 60, 80) .. ","
  .. entry("2.weight", "F32", "2,5", 80, 120) .. "," .. entry("2.bias", "F32", "2", 120, 128) .. "}"
local data = file:sub(9 + n)
local bad_files = {
  { "empty file", "", "shorter than the 8%-byte header length" },
  { "truncated in the length", file:sub(1, 5), "shorter than the 8%-byte header length" },
  { "header length beyond the file", string.pack("<I8", 1 << 40) .. "{}", "header length 1099511627776" },
  { "negative header length", string.pack("<i8", -5) .. "{}", "header length %-5" },
  { "truncated in the header", file:sub(1, 8 + n // 2), "truncated" },
  { "truncated in the data", file:sub(1, #file - 4), "run past the data" },
  { "not JSON", craft("{nope", ""), "not valid JSON" },
  { "not an object", craft("[1,2]   ", ""), "does not start with '{'" },
  { "bad dtype", craft("{" .. entry("0.weight", "F33", "5,3", 0, 60) .. "}", data:sub(1, 60)), "unknown dtype 'F33'" },
  { "no dtype", craft('{"a":{"shape":[1],"data_offsets":[0,4]}}', "abcd"), "tensor 'a' has no dtype" },
  { "bad shape", craft("{" .. entry("a", "F32", "-1", 0, 4) .. "}", "abcd"), "shape must be a list" },
  { "size mismatch", craft("{" .. entry("a", "F32", "2", 0, 4) .. "}", "abcd"),
    "needs 8 bytes, data_offsets %[0, 4%] give 4" },
  { "reversed offsets", craft("{" .. entry("a", "F32", "0", 4, 0) .. "}", "abcd"), "0 <= begin <= end" },
  { "overlap", craft("{" .. entry("a", "F32", "2", 0, 8) .. "," .. entry("b", "F32", "2", 4, 12) .. "}", ("x"):rep(12)),
    "overlap" },
  { "gap", craft("{" .. entry("a", "F32", "1", 0, 4) .. "," .. entry("b", "F32", "1", 8, 12) .. "}", ("x"):rep(12)),
    "bytes 4..8 of the data belong to no tensor" },
  { "trailing bytes", craft(good_hdr, data .. "xxxx"), "the data has 132 bytes, the tensors cover 128" },
  { "metadata not strings", craft('{"__metadata__":{"a":1}}', ""), "__metadata__ value 'a' must be a string" },
  { "huge shape", craft("{" .. entry("a", "F32", "4294967296,4294967296,4294967296", 0, 4) .. "}", "abcd"),
    "too large" },
}
for _, case in ipairs(bad_files) do
  local path = dir .. "/bad.safetensors"
  T.write(path, case[2])
  T.raises("malformed: " .. case[1], function() m:load(path) end, "gglab.Model:load: " .. path:gsub("%p", "%%%0")
    .. ": .*" .. case[3])
  T.raises("malformed (gg.load): " .. case[1], function() gg.load(path) end, case[3])
end
T.write(dir .. "/good.safetensors", craft(good_hdr, data))
T.eq("a hand-written file loads", bytes_of(mlp(7):load(dir .. "/good.safetensors"):parameters()), data)
T.write(dir .. "/f16.safetensors", craft("{" .. entry("0.weight", "F16", "5,3", 0, 30) .. ","
  .. entry("0.bias", "F32", "5", 30, 50)
  .. "," .. entry("2.weight", "F32", "2,5", 50, 90) .. "," .. entry("2.bias", "F32", "2", 90, 98) .. "}",
  ("\0"):rep(98)))
T.raises("F16 where the model needs F32", function() m:load(dir .. "/f16.safetensors") end,
  "tensor '0.weight' has dtype F16, the model needs F32")
T.raises("gg.load: F16 refused", function() gg.load(dir .. "/f16.safetensors") end, "has dtype F16; gglab reads F32")

-- Random corruption: flipping bytes of the header or data either still loads (a value
-- changed) or raises an error naming the file; it never crashes.
local frng = gg.rng(11)
local fine, errors, other = 0, 0, 0
for _ = 1, 300 do
  local pos = 1 + math.floor(frng:uniform() * #file)
  local b = math.floor(frng:uniform() * 256)
  local corrupt = file:sub(1, pos - 1) .. string.char(b) .. file:sub(pos + 1)
  if frng:uniform() < 0.3 then corrupt = corrupt:sub(1, math.floor(frng:uniform() * #corrupt)) end
  local path = dir .. "/fuzz.safetensors"
  T.write(path, corrupt)
  local okf, e = pcall(function() mlp(1):load(path) end)
  if okf then fine = fine + 1
  elseif type(e) == "string" and e:find(path, 1, true) then errors = errors + 1
  else other = other + 1; print("unexpected error: " .. tostring(e)) end
end
T.eq("corrupted files: every failure is a clean error naming the file", other, 0)
T.ok("corrupted files: some load, some fail", fine > 0 and errors > 0)

T.rmtree(dir)
T.done()
