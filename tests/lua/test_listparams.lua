--[[ tests/lua/test_listparams.lua — list-valued parameters (hidden = {{4}, {4, 4}}): what is
  a list value, run ids of typed lists, grid/zip/random, copies, --set, the runs.csv cells,
  and a real `gglab run` of a tiny MLP built from the list (-j1 and -j2 byte-identical),
  resume, gglab list, the report (HTML labels, --text), claims and a merge of two shards. ]]

local T = require "check"
local gg = require "gglab"
local sweep = require "gglab.sweep"
local json = require "gglab.lib.json"
local overrides = require "gglab.overrides"
local store = require "gglab.engine.store"
local load = require "gglab.report.load"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = T.tmpdir()
local q = T.quote

local function canon_list(s)
  local out = {}
  for i, p in s:iter() do out[i] = sweep.canonical(p) end
  return out
end

-- ---- what a list value is ----

do
  local s = gg.grid { hidden = { { 32 }, { 64, 64 } }, lr = 0.1 }
  T.eq("grid of list values", canon_list(s), { "hidden=[32];lr=0.1", "hidden=[64,64];lr=0.1" })
  T.eq("empty list and nested lists are values", canon_list(gg.grid { h = { {}, { { 32 }, { 64, 64 } } } }),
    { "h=[]", "h=[[32],[64,64]]" })
  T.eq("strings in a list are quoted, booleans bare",
    canon_list(gg.grid { act = { { "relu", "a;b=c", true } } }), { 'act=["relu","a\\;b\\=c",true]' })
  T.eq("a list beside scalars in one axis", canon_list(gg.grid { h = { 0, {} } }), { "h=0", "h=[]" })

  local function bad(name, axis, want)
    T.raises(name, function() gg.grid { hidden = { axis } } end,
      "gg.grid: axis 'hidden' values must be numbers, strings, booleans or lists of them, got " .. want
      .. " at index 1")
  end
  bad("a map is not a value", { a = 1 }, "table with non%-list keys")
  bad("a list with holes is not a value", { [1] = 1, [3] = 3 }, "list with holes")
  bad("two levels of nesting are too many", { { { 1 } } }, "list nested more than one level")
  bad("nan inside a list", { 0 / 0 }, "list holding %-?nan %(numbers in a list must be finite%)")
  bad("a function inside a list", { 1, print }, "list holding function")
  bad("a function", print, "function")
  bad("userdata", gg.tensor { 1 }, "gglab.Tensor")
  T.raises("from_points names the parameter", function() sweep.from_points { { hidden = { x = 1 } } } end,
    "sweep.from_points: parameter 'hidden' must be a number, string, boolean or list of them, got table with "
    .. "non%-list keys")
  T.raises("derive names a bad return", function()
    gg.grid { a = 1 }:derive("h", function() return { f = print } end)
  end, "sweep:derive: fn must return a number, string, boolean or list of them, got table with "
    .. "non%-list keys")
  T.raises("a list listed twice is a duplicate point", function() gg.grid { h = { { 1 }, { 1.0 } } } end,
    "gg.grid: duplicate point h=%[1%]$")
  T.raises("an axis {64, 64} hints at {{64, 64}}", function() gg.grid { hidden = { 64, 64 }, a = 1 } end,
    "gg.grid: duplicate point a=1;hidden=64 %(axis 'hidden' repeats a value; one list value takes its own "
    .. "braces: hidden = {{64, 64}}%)$")
  T.raises("the hint quotes strings", function() gg.grid { act = { "relu", "relu" } } end,
    "gg.grid: duplicate point act=relu %(axis 'act' repeats a value; one list value takes its own "
    .. 'braces: act = {{"relu", "relu"}}%)$')
end

-- ---- run ids hash the typed value ----

do
  local ids = {
    sweep.run_id { hidden = { 1 } }, sweep.run_id { hidden = { "1" } }, sweep.run_id { hidden = 1 },
    sweep.run_id { hidden = "[1]" }, sweep.run_id { hidden = { 64, 64 } }, sweep.run_id { hidden = { 6464 } },
    sweep.run_id { hidden = {} }, sweep.run_id { hidden = { { 32 }, { 64, 64 } } },
    sweep.run_id { hidden = { true } }, sweep.run_id { hidden = { "true" } },
  }
  T.eq("list ids (stable: the canonical form's FNV-1a)", ids, {
    "fae57b432034ee03", "6461a15516fd11b5", "c0207302b258dc67", "158434d0df1644e9", "6e3d7fe74f4beaaa",
    "e08d8a6d7e798e88", "cea563950bd85758", "94baaaf7533aa38f", "aabc3f873811c178", "0f376993435388b8" })
  local seen, distinct = {}, true
  for _, id in ipairs(ids) do
    if seen[id] then distinct = false end
    seen[id] = true
  end
  T.ok("{1}, {'1'}, 1, '[1]', {64,64}, {6464}, {}, {true}, {'true'}: all ids differ", distinct)
  T.eq("{1} and {1.0} are the same value", sweep.run_id { hidden = { 1.0 } }, ids[1])
  T.eq("a string that is a list's text is quoted", sweep.canonical { hidden = "[1]" }, 'hidden="[1]"')
  T.eq("a string that only looks like a list keeps its text", sweep.canonical { hidden = "[1, 2]" },
    "hidden=[1, 2]")
  -- scalar ids are what they were before lists existed (the ids main gave), strings that
  -- only look like lists included; only a string whose text IS a list's ("[1]") changed
  T.eq("scalar ids unchanged", { sweep.run_id { lr = 0.1, seed = 1 }, sweep.run_id { x = "2" },
    sweep.run_id { x = "[a" }, sweep.run_id { x = "[1, 2]" }, sweep.run_id { x = "a;b" } },
    { "47ccf70339e05cfb", "8e74bace4f0028e0", "06af825374936b4a", "807dbadbc8aa6e93", "74e064be87d2e78e" })
  T.eq("same_value", { sweep.same_value({ 64, 64 }, { 64, 64 }), sweep.same_value({ 64 }, 64),
    sweep.same_value({ 1 }, { "1" }), sweep.same_value(2, 2) }, { true, false, false, true })
end

-- ---- display, cells, parsing ----

do
  T.eq("show_value of lists", { sweep.show_value { 64, 64 }, sweep.show_value { "relu" }, sweep.show_value {},
    sweep.show_value { { 32 }, { 0.1 } } }, { "[64,64]", '["relu"]', "[]", "[[32],[0.1]]" })
  T.eq("show_value quotes a string that looks like a list", sweep.show_value "[1]", '"[1]"')
  T.eq("json.compact", json.compact { a = { 1, "x" }, b = true }, '{"a":[1,"x"],"b":true}')
  T.eq("param_cell", { store.param_cell { 64, 64 }, store.param_cell(3), store.param_cell "a" },
    { "[64,64]", 3, "a" })
  T.eq("param_value reads a cell back", store.param_value "[64,64]", { 64, 64 })
  T.eq("param_value of nested and empty lists", { store.param_value "[[32],[]]", store.param_value "[]" },
    { { { 32 }, {} }, {} })
  T.eq("param_value of what is no list", { store.param_value "64", store.param_value "",
    store.param_value "[1,", store.param_value "[null]" }, {})
  T.eq("a list cell is not a number", store.number "[64]", nil)
end

-- ---- zip, random, copies ----

do
  local z = gg.zip { hidden = { { 4 }, { 8, 8 } }, lr = { 0.1, 0.2 } }
  T.eq("zip pairs list values", canon_list(z), { "hidden=[4];lr=0.1", "hidden=[8,8];lr=0.2" })
  local r = gg.random { n = 2, seed = 1, hidden = gg.choice { { 4 }, { 8, 8 } } }
  local got = canon_list(r)
  table.sort(got)
  T.eq("random over a choice of lists", got, { "hidden=[4]", "hidden=[8,8]" })

  local axis = { 4, 4 }
  local s = gg.grid { hidden = { axis }, seed = gg.seeds(2) }
  axis[3] = 4
  T.eq("the sweep copied the axis' list", sweep.canonical(s:points()[1]), "hidden=[4,4];seed=1")
  local p = s:points()[1]
  table.insert(p.hidden, 99)
  T.eq("a changed point leaves the sweep alone", canon_list(s),
    { "hidden=[4,4];seed=1", "hidden=[4,4];seed=2" })
  local c = sweep.copy_point { h = { { 1 }, 2 }, x = 1 }
  local c2 = sweep.copy_point(c)
  c2.h[1][1] = 5
  T.eq("copy_point copies nested lists", c.h[1][1], 1)
end

-- ---- --set ----

do
  local spec = assert(overrides.parse { "hidden=[32], [64, 64] ,[]", 'act=["re,lu"],[["a"]]', "w='[2]',[2]" })
  T.eq("--set list values", spec[1].values, { { 32 }, { 64, 64 }, {} })
  T.eq("--set: commas inside brackets and strings do not split", spec[2].values, { { "re,lu" }, { { "a" } } })
  T.eq("--set: a quoted list is a string", spec[3].values, { "[2]", { 2 } })
  local function bad(arg, want)
    local ok, msg = overrides.parse { arg }
    T.eq("--set " .. arg, { ok, msg }, { nil, want })
  end
  bad("hidden=[2", "bad --set 'hidden=[2': unclosed list '[2' (no matching ']')")
  bad("hidden=[1]x", "bad --set 'hidden=[1]x': text after the list '[1]' (separate values with commas)")
  bad("hidden=[1,null]", "bad --set 'hidden=[1,null]': '[1,null]' is not a list value: list holding null")
  bad("hidden=[2],[2.0]", "bad --set 'hidden=[2],[2.0]': value '[2.0]' is listed twice")
  bad("hidden=[a]", "bad --set 'hidden=[a]': '[a]' is not a list value: json.decode: unexpected "
    .. "character 'a' at position 2 (a list is a JSON array of numbers, true/false, double-quoted strings "
    .. "or such arrays)")
  local s = overrides.apply(gg.grid { hidden = { { 4 } }, seed = 1 }, spec)
  T.eq("--set applies list values", #s, 3 * 2 * 2)
  local set = overrides.apply(gg.grid { seed = 1 }, assert(overrides.parse { "hidden=[64,64]" }))
  T.eq("--set ids equal the script's for the same list", sweep.run_id(set:points()[1]),
    sweep.run_id { hidden = { 64, 64 }, seed = 1 })
end

-- ---- a real gglab run ----

local SCRIPT = tmp .. "/mlp_hidden.lua"
T.write(SCRIPT, [==[
local gg = require "gglab"
return gg.experiment {
  name = "mlp_hidden",
  sweep = gg.grid { hidden = { { 4 }, { 4, 4 } }, seed = gg.seeds(2) },
  run = function(p, run)
    local data = gg.data.classification { n = 64, features = 3, classes = 2, seed = run.seed }
    local sizes = { 3, activation = "relu" }
    for _, h in ipairs(p.hidden) do sizes[#sizes + 1] = h end
    sizes[#sizes + 1] = 2
    run:summary { layers = #p.hidden, params_layers = #run.params.hidden }
    table.insert(p.hidden, 99)          -- must not leak into the next run of this list
    table.insert(run.params.hidden, 99)
    local model = gg.nn.mlp(sizes)
    gg.train { model = model, data = data, loss = "cross_entropy",
      optimizer = gg.optim.sgd(model, { lr = 0.1 }), batch_size = 16, epochs = 2, log = run }
  end,
  claims = {
    { "two layers of 4 and one layer of 4 both train", check = function(R)
        local a = R:select { hidden = { 4, 4 } }
        local b = R:select { hidden = gg.one_of { { 4 }, { 8 } } }
        local d = R:paired("final_loss", { hidden = { 4, 4 } }, { hidden = { 4 } }, { "seed" })
        return #a == 2 and #b == 2 and d.n == 2, string.format("%d, %d, %d pairs", #a, #b, d.n)
      end },
  },
}
]==])

local function run(args)
  return T.sh(q(GGLAB) .. " " .. args)
end

local j1, j2 = tmp .. "/j1", tmp .. "/j2"
local out, code = run("run " .. q(SCRIPT) .. " --out " .. q(j1) .. " -j1 -v")
T.eq("gglab run -j1 exits 0", code, 0)
T.ok("progress lines show the list", out:find("hidden=[4,4] seed=1", 1, true) ~= nil)
T.ok("the claim over list values holds", out:find("HOLDS (2, 2, 2 pairs)", 1, true) ~= nil)
_, code = run("run " .. q(SCRIPT) .. " --out " .. q(j2) .. " -j2 -q")
T.eq("gglab run -j2 exits 0", code, 0)
local runs = T.runs_without_wall(j1)
T.eq("-j1 and -j2: identical runs.csv (but wall_s)", T.runs_without_wall(j2), runs)
T.eq("-j1 and -j2: identical curves.csv", T.read(j2 .. "/curves.csv"), T.read(j1 .. "/curves.csv"))
local lines = {}
for line in runs:gmatch("[^\n]+") do lines[#lines + 1] = line end
T.eq("runs.csv cells: [4], \"[4,4]\"; every run got its own copy of the list", {
  lines[1]:sub(1, 48), lines[2]:sub(1, 27), lines[3]:sub(1, 27), lines[4]:sub(1, 31), lines[5]:sub(1, 31) }, {
  "run_id,hidden,seed,layers,params_layers,run_seed",
  "78954bcb05845448,[4],1,1,1,", "78954ecb05845961,[4],2,1,1,",
  '12706d49d5c40060,"[4,4]",1,2,2,', '12707049d5c40579,"[4,4]",2,2,2,' })
local row = T.read(j1 .. "/runs/12706d49d5c40060.row.csv")
T.ok("the row file holds the list cell", row:find('\n12706d49d5c40060,"[4,4]",1,', 1, true) ~= nil)

-- resume: lose one run, --resume re-plans it from the script's points
assert(os.remove(j1 .. "/runs/12706d49d5c40060.row.csv"))
out, code = run("run " .. q(SCRIPT) .. " --out " .. q(j1) .. " -j1 --resume -v")
T.eq("--resume exits 0", code, 0)
T.ok("--resume keeps 3 runs", out:find("kept 3 finished runs", 1, true) ~= nil)
T.ok("--resume reruns the lost list point", out:find("[3/4] ok       hidden=[4,4] seed=1", 1, true) ~= nil)
T.eq("--resume: runs.csv as before", T.runs_without_wall(j1), runs)
T.eq("--resume: curves.csv as before", T.read(j1 .. "/curves.csv"), T.read(j2 .. "/curves.csv"))

-- gglab list
out, code = run("list " .. q(SCRIPT) .. " --set 'hidden=[4,4],[]'")
T.eq("gglab list --set hidden=[4,4],[]", { out, code }, { table.concat({
  "4 points of 'mlp_hidden'",
  "1  12706d49d5c40060  hidden=[4,4];seed=1",
  "2  4262f0e47e8ce78a  hidden=[];seed=1",
  "3  12707049d5c40579  hidden=[4,4];seed=2",
  "4  4262efe47e8ce5d7  hidden=[];seed=2", "" }, "\n"), 0 })

-- --set on gglab run: the ids of the script's own lists
local set = tmp .. "/set"
_, code = run("run " .. q(SCRIPT) .. " --out " .. q(set) .. " -j1 -q --set 'hidden=[4],[2,2]' --set seed=1")
T.eq("gglab run --set hidden=[4],[2,2] exits 0", code, 0)
local set_runs = T.runs_without_wall(set)
T.ok("--set: [4] keeps its id", set_runs:find("\n78954bcb05845448,[4],1,", 1, true) ~= nil)
T.ok("--set: [2,2] is a cell", set_runs:find(',"[2,2]",1,', 1, true) ~= nil)

-- the report: a categorical axis labelled by the list's text
out, code = run("report " .. q(j1))
T.eq("gglab report exits 0", code, 0)
local html = T.read(j1 .. "/report.html")
T.ok("report.html labels [4]", html:find(">[4]<", 1, true) ~= nil or html:find("[4]:", 1, true) ~= nil)
T.ok("report.html labels [4,4]", html:find("[4,4]", 1, true) ~= nil)
T.ok("report.html shows no Lua table address", html:find("table: 0x", 1, true) == nil)
out, code = run("report " .. q(j1) .. " --text")
T.eq("gglab report --text exits 0", code, 0)
T.ok("--text names the best list",
  out:match("Best of the grid %(lowest median final_loss%): hidden=%[4[,4]*%]") ~= nil)

-- merge of two shards equals the whole run
local s1, s2, m = tmp .. "/s1", tmp .. "/s2", tmp .. "/m"
run("run " .. q(SCRIPT) .. " --out " .. q(s1) .. " -j1 -q --shard 1/2")
run("run " .. q(SCRIPT) .. " --out " .. q(s2) .. " -j1 -q --shard 2/2")
out, code = run("merge " .. q(m) .. " " .. q(s1) .. " " .. q(s2))
T.eq("gglab merge of two shards exits 0", code, 0)
T.eq("merge: runs.csv of the whole run", T.runs_without_wall(m), runs)
T.eq("merge: curves.csv of the whole run", T.read(m .. "/curves.csv"), T.read(j2 .. "/curves.csv"))

-- ---- report ordering of list values ----

do
  local dir = tmp .. "/order"
  local script = tmp .. "/order.lua"
  T.write(script, [==[
local gg = require "gglab"
return gg.experiment {
  name = "order",
  sweep = gg.grid { hidden = { { 16 }, { 4, 4 }, { 8 }, {}, { 4 } },
    act = { { "tanh" }, { "relu", "tanh" } } },
  run = function(p, run)
    for s = 1, 3 do run:log("loss", (#p.hidden + 1) / s, s, 1) end
  end,
}
]==])
  _, code = run("run " .. q(script) .. " --out " .. q(dir) .. " -j1 -q --report")
  T.eq("a report over two list axes", code, 0)
  local data = assert(load.load(dir))
  T.eq("list kind", { data.param.hidden.kind, data.param.act.kind }, { "list", "list" })
  T.eq("list values ordered element by element", data.param.hidden.values,
    { "[]", "[4]", "[4,4]", "[8]", "[16]" })
  T.eq("string lists ordered by text", data.param.act.values, { '["relu","tanh"]', '["tanh"]' })
  T.eq("labels are the cells' text", data.param.hidden.label["[4,4]"], "[4,4]")
  local h = T.read(dir .. "/report.html")
  T.ok("report.html escapes the quotes of string lists",
    h:find("[&quot;relu&quot;,&quot;tanh&quot;]", 1, true) ~= nil)
end

T.rmtree(tmp)
T.done()
