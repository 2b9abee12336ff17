-- tests/lua/test_json.lua — lua/gglab/lib/json.lua: byte-stable encoding (sorted keys), the
-- 17-digit round trip of doubles, escapes both ways, and decode errors with their position.

local T = require "check"
local gg = require "gglab"
local json = require "gglab.lib.json"

-- sorted keys and fixed layout: equal tables give identical bytes, whatever their history
local a, b = {}, {}
for _, k in ipairs { "zeta", "alpha", "mid" } do a[k] = #k end
for _, k in ipairs { "mid", "zeta", "alpha" } do b[k] = #k end
T.eq("keys sorted, identical bytes", json.encode(a), json.encode(b))
T.eq("layout", json.encode { x = { 1, 2 }, y = {} }, '{\n  "x": [\n    1,\n    2\n  ],\n  "y": []\n}\n')

-- doubles read back bit for bit
local xs = { 0.1, 1 / 3, 2 ^ -1074, 1.7976931348623157e308, -2.5e-300, 123456789.12345679 }
for _, x in ipairs(xs) do
  local back = json.decode(json.encode { x })[1]
  T.eq("round trip " .. string.format("%.17g", x), string.pack("d", back), string.pack("d", x))
end
T.eq("non-finite numbers are null", json.encode { 0 / 0, math.huge }, "[\n  null,\n  null\n]\n")
T.eq("integers stay integers", math.type(json.decode("[42]")[1]), "integer")
T.eq("null keeps array length", #json.decode("[1,null,3]"), 3)

-- strings
local s = 'q"b\\s/\n\t\1é'
T.eq("escapes round trip", json.decode(json.encode { s })[1], s)
T.eq("\\u escapes with a surrogate pair", json.decode('["\\u00e9\\ud83d\\ude00"]')[1], "é😀")

-- errors name what and where
local function err(text) return select(2, json.decode(text)) end
T.eq("missing comma", err("[1 2]"), "json.decode: expected ',' or ']' at position 4")
T.eq("missing comma in an object", err('{"a":1 "b":2}'), "json.decode: expected ',' or '}' at position 8")
T.eq("non-string key", err("{1:2}"), "json.decode: expected a string key at position 2")
T.ok("trailing garbage", (err("[1] x") or ""):find("json.decode:", 1, true) == 1)
T.ok("too deep", (err(string.rep("[", 300) .. string.rep("]", 300)) or ""):find("nesting deeper than 200", 1, true))
T.eq("empty containers", { json.decode("[ ]"), json.decode("{ }") }, { {}, {} })
T.eq("mixed table refused or encoded deterministically", pcall(json.encode, { 1, x = 2 }), false)

T.done()
