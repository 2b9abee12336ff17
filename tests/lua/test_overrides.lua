-- tests/lua/test_overrides.lua — `--set name=v1,v2`: parsing and application to sweeps.

local T = require "check"
require "gglab"
local sweep = require "gglab.sweep"
local overrides = require "gglab.overrides"

local function canon_list(s)
  local out = {}
  for i, p in ipairs(s:points()) do out[i] = sweep.canonical(p) end
  return out
end

-- values(arg) -> the parsed values of one --set argument (raises on a parse error)
local function values(arg)
  local spec, msg = overrides.parse { arg }
  if not spec then error(msg, 2) end
  return spec[1].values
end

local function parse_error(arg)
  local spec, msg = overrides.parse { arg }
  return spec == nil and msg or "parsed"
end

-- ---- parsing: values ----

do
  local v = values("lr=0.1")
  T.eq("float", v, { 0.1 })
  T.eq("float subtype", math.type(v[1]), "float")
  v = values("bs=32")
  T.eq("integer", v, { 32 })
  T.eq("integer subtype", math.type(v[1]), "integer")
  T.eq("negative and exponent", values("x=-3,1e-3,2.5E+2,.5,+4"), { -3, 1e-3, 250.0, 0.5, 4 })
  T.eq("booleans", values("nesterov=true,false"), { true, false })
  T.eq("strings", values("optimizer=adam,sgd"), { "adam", "sgd" })
  T.eq("spaces around values are trimmed", values("optimizer= adam , sgd"), { "adam", "sgd" })
  T.eq("single quotes keep a comma", values("act='a,b',c"), { "a,b", "c" })
  T.eq("double quotes keep a comma", values('act="a,b"'), { "a,b" })
  T.eq("quoted number is a string", values("tag='1'"), { "1" })
  T.eq("quoted true is a string", values("tag='true'"), { "true" })
  T.eq("hex is a string", values("tag=0x10"), { "0x10" })
  T.eq("not quite a number is a string", values("tag=1e,1.2.3"), { "1e", "1.2.3" })
  T.eq("value may hold '='", values("expr=a=b"), { "a=b" })
  T.eq("quoted inf is a string", values("tag='inf'"), { "inf" })
  local spec = assert(overrides.parse { "lr=0.1,0.2", "opt=adam" })
  T.eq("spec keeps order and args", spec, {
    { name = "lr", values = { 0.1, 0.2 }, arg = "lr=0.1,0.2" },
    { name = "opt", values = { "adam" }, arg = "opt=adam" } })
  T.eq("empty list parses to empty spec", overrides.parse {}, {})
end

-- ---- parsing: errors name the argument ----

T.eq("no '='", parse_error("lr"), "bad --set 'lr': expected name=value[,value...]")
T.eq("empty value", parse_error("lr="), "bad --set 'lr=': expected name=value[,value...]")
T.eq("blank value", parse_error("lr=  "), "bad --set 'lr=  ': expected name=value[,value...]")
T.eq("empty name", parse_error("=1"), "bad --set '=1': expected name=value[,value...]")
T.eq("bad name", parse_error("learning rate=1"), "bad --set 'learning rate=1': parameter name 'learning rate' is not an identifier")
T.eq("bad name start", parse_error("1lr=1"), "bad --set '1lr=1': parameter name '1lr' is not an identifier")
T.eq("empty item", parse_error("lr=1,,2"), "bad --set 'lr=1,,2': empty value")
T.eq("trailing comma", parse_error("lr=1,"), "bad --set 'lr=1,': empty value")
T.eq("leading comma", parse_error("lr=,1"), "bad --set 'lr=,1': empty value")
T.eq("empty quotes", parse_error("tag=''"), "bad --set 'tag=''': empty value")
T.eq("inf", parse_error("lr=inf"), "bad --set 'lr=inf': 'inf' is not a finite number (quote it for a string)")
T.eq("-inf", parse_error("lr=-inf"), "bad --set 'lr=-inf': '-inf' is not a finite number (quote it for a string)")
T.eq("nan", parse_error("lr=0.1,NaN"), "bad --set 'lr=0.1,NaN': 'NaN' is not a finite number (quote it for a string)")
T.eq("overflow", parse_error("lr=1e999"), "bad --set 'lr=1e999': '1e999' is not a finite number")
T.eq("unterminated quote", parse_error("act='a,b"), "bad --set 'act='a,b': unterminated quote '")
T.eq("text after quote", parse_error("act='a'b"), "bad --set 'act='a'b': text after the closing quote ' (quote the whole value)")
T.eq("stray quote", parse_error("act=don't"), "bad --set 'act=don't': stray quote in 'don't' (quote the whole value)")
T.eq("duplicate value", parse_error("lr=0.1,1e-1"), "bad --set 'lr=0.1,1e-1': value '1e-1' is listed twice")
do
  local spec, msg = overrides.parse { "lr=0.1", "lr=0.2" }
  T.eq("name set twice", { spec, msg }, { nil, "bad --set 'lr=0.2': 'lr' is already set by --set 'lr=0.1'" })
end
T.raises("parse needs a list", function() overrides.parse("lr=1") end, "overrides.parse: args must be a list of strings")

-- ---- application ----

local function apply(s, ...)
  local out = overrides.apply(s, assert(overrides.parse { ... }))
  return out
end

do
  local s = sweep.grid { lr = { 0.1, 0.01 }, opt = { "sgd", "adam" }, seed = sweep.seeds(2) }
  T.eq("single value replaces an axis", canon_list(apply(s, "lr=0.5")), {
    "lr=0.5;opt=sgd;seed=1", "lr=0.5;opt=sgd;seed=2", "lr=0.5;opt=adam;seed=1", "lr=0.5;opt=adam;seed=2" })
  T.eq("list replaces an axis; the set name varies fastest", canon_list(apply(s, "opt=adam,rmsprop")), {
    "lr=0.1;opt=adam;seed=1", "lr=0.1;opt=rmsprop;seed=1", "lr=0.1;opt=adam;seed=2", "lr=0.1;opt=rmsprop;seed=2",
    "lr=0.01;opt=adam;seed=1", "lr=0.01;opt=rmsprop;seed=1", "lr=0.01;opt=adam;seed=2", "lr=0.01;opt=rmsprop;seed=2" })
  T.eq("a new name adds a constant axis", canon_list(apply(sweep.grid { lr = { 1, 2 } }, "wd=0")),
    { "lr=1;wd=0", "lr=2;wd=0" })
  T.eq("a new name with a list adds an axis", canon_list(apply(sweep.grid { lr = { 1, 2 } }, "wd=0,0.1")),
    { "lr=1;wd=0", "lr=1;wd=0.1", "lr=2;wd=0", "lr=2;wd=0.1" })
  T.eq("several --set apply in order", canon_list(apply(sweep.grid { lr = { 1, 2 } }, "lr=3", "seed=1,2")),
    { "lr=3;seed=1", "lr=3;seed=2" })
  T.eq("setting the same values keeps the sweep", canon_list(apply(s, "seed=1,2")), canon_list(s))
  T.eq("types come through", apply(s, "lr=1", "opt=true", "seed=7"):points()[1], { lr = 1, opt = true, seed = 7 })
  T.eq("original untouched", #s, 8)

  -- zip: replacing one paired axis keeps the other's distinct values, in order.
  local z = sweep.zip { lr = { 0.1, 0.2, 0.3 }, warmup = { 10, 20, 10 } }
  T.eq("zip axis replaced; duplicates removed keeping first", canon_list(apply(z, "lr=1")),
    { "lr=1;warmup=10", "lr=1;warmup=20" })
  -- concatenation: points lacking the name get it too.
  local c = sweep.grid { opt = "sgd", lr = { 1, 2 } } + sweep.grid { opt = "adam", lr = 1, beta = 0.9 }
  T.eq("concat: every point gets the name", canon_list(apply(c, "beta=0.5")),
    { "beta=0.5;lr=1;opt=sgd", "beta=0.5;lr=2;opt=sgd", "beta=0.5;lr=1;opt=adam" })
  -- a random sweep: replacing the sampled axis collapses it to the listed values.
  local r = sweep.random { n = 5, lr = sweep.uniform(0, 1), opt = { "a", "b" } }
  T.eq("random axis replaced", canon_list(apply(r, "lr=0.1")), { "lr=0.1;opt=" .. r:points()[1].opt,
    "lr=0.1;opt=" .. (r:points()[1].opt == "a" and "b" or "a") })
end

T.raises("apply needs a sweep", function() overrides.apply({}, {}) end, "overrides.apply: s must be a sweep")

T.done()
