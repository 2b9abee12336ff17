--[[ tests/lua/test_hooks.lua — gglab.hooks: the registry that gg.train, gg.nn.sequential,
  every gg.optim.<kind> and gg.data.csv / gg.data.text consult (lua/gglab/hooks.lua). The
  stack's discipline, the order in which nested hooks run, that functions captured before a
  hook was registered consult it too, and that the wrapped optimizer constructors and file
  loaders raise the same errors as the C ones.

  Run from the repository root:
    LUA_PATH="tests/lua/?.lua;;" LUA_CPATH="build/?.so;;" lua5.4 tests/lua/test_hooks.lua ]]
local T = require "check"
local gg = require "gglab"
local hooks = require "gglab.hooks"

-- Captured before any hook exists, as a script's `local train = gg.train` would be.
local train, sequential, sgd = gg.train, gg.nn.sequential, gg.optim.sgd
local entry = { train = gg.train, sequential = gg.nn.sequential, optim = {} }
for k, v in pairs(gg.optim) do entry.optim[k] = v end

local function unchanged()
  if gg.train ~= entry.train or gg.nn.sequential ~= entry.sequential then return false end
  for k, v in pairs(entry.optim) do if gg.optim[k] ~= v then return false end end
  return true
end

-- ==== the stack ====

T.eq("no hook is active at the start", hooks.active(), nil)
do
  local h = {}
  T.eq("push returns the hook", hooks.push(h), h)
  T.eq("active: the innermost hook", hooks.active(), h)
  local inner = hooks.push {}
  T.eq("active: the one pushed last", hooks.active(), inner)
  T.raises("pop: only the innermost", function() hooks.pop(h) end, "hooks%.pop: not the innermost hook")
  hooks.pop(inner)
  hooks.pop(h)
  T.eq("pop: empty again", hooks.active(), nil)
end
T.raises("push: a table", function() hooks.push(3) end, "hooks%.push: expected a hook table, got number")
T.raises("push: unknown point", function() hooks.push { trian = function() end } end,
  "^.-hooks%.push: unknown hook point 'trian' %(allowed: data, epoch, model, optim, sequential, train%)$")
T.raises("push: points are functions", function() hooks.push { train = 1 } end,
  "hooks%.push: train must be a function")
T.eq("a rejected hook is not registered", hooks.active(), nil)

do
  local h = {}
  local during
  local a, b = hooks.with(h, function(x, y) during = hooks.active(); return x + y, "two" end, 1, 2)
  T.eq("with: fn's results and arguments", { a, b }, { 3, "two" })
  T.ok("with: the hook is active while fn runs", during == h)
  T.eq("with: removed on return", hooks.active(), nil)
  local ok, err = pcall(hooks.with, h, function() error("boom", 0) end)
  T.eq("with: an error passes through unchanged", { ok, err }, { false, "boom" })
  T.eq("with: removed on error", hooks.active(), nil)
  local marker = setmetatable({}, { __name = "marker" })
  local _, e2 = pcall(hooks.with, h, function() error(marker) end)
  T.ok("with: error objects pass through (the runner's divergence signal)", e2 == marker)
  T.eq("... removed again", hooks.active(), nil)
  -- fn pushed hooks and left them registered: they go with h.
  local leak = { train = function(t, o) return t(o) end }
  T.raises("with: a hook fn left registered is an error", function()
    hooks.with(h, function() hooks.push(leak); hooks.push(leak) end)
  end, "^tests/lua/test_hooks%.lua:%d+: hooks%.with: the function left 2 hooks registered "
    .. "%(hooks%.push without hooks%.pop%)$")
  T.eq("... and removed with h", hooks.active(), nil)
  T.raises("with: fn's own error comes first", function()
    hooks.with(h, function() hooks.push(leak); error("boom", 0) end)
  end, "^boom$")
  T.eq("... removed too", hooks.active(), nil)
end

-- call: innermost first, each proceeding to the next; hooks without the point are skipped.
do
  local order = {}
  local outer = { train = function(next, x) order[#order + 1] = "outer"; return next(x .. "o") end }
  local middle = { optim = function() error("not this point") end }
  local inner = { train = function(next, x) order[#order + 1] = "inner"; return next(x .. "i") end }
  local r = hooks.with(outer, function()
    return hooks.with(middle, function()
      return hooks.with(inner, function()
        return hooks.call("train", function(x) order[#order + 1] = "base"; return x .. "b" end, "")
      end)
    end)
  end)
  T.eq("call: the innermost hook first, then the next, then the function itself", order,
    { "inner", "outer", "base" })
  T.eq("call: each hook may change the arguments", r, "iob")
  T.eq("call: without hooks, the function itself", hooks.call("train", function(x) return x * 2 end, 4), 8)
end

-- ==== the entry points consult the registry ====

do
  local data = gg.data.regression { n = 32, features = 3, seed = 1 }
  local seen = { sequential = 0, optim = {}, train = 0 }
  local h = {
    sequential = function(build, layers, opts)
      seen.sequential = seen.sequential + 1
      local l = {}
      for i, s in ipairs(layers) do l[i] = s.kind == "sigmoid" and gg.nn.relu() or s end
      return build(l, opts)
    end,
    optim = function(make, kind, model, opts)
      seen.optim[#seen.optim + 1] = kind
      local o = {}
      for k, v in pairs(opts or {}) do o[k] = v end
      o.lr = (o.lr or 0.01) / 10
      return make(kind, model, o)
    end,
    train = function(tr, opts)
      seen.train = seen.train + 1
      local o = {}
      for k, v in pairs(opts) do o[k] = v end
      o.epochs = 3
      return tr(o)
    end,
  }
  local model, opt, hist
  hooks.with(h, function()
    T.ok("the gg table is not changed while a hook is registered", unchanged())
    model = sequential { gg.nn.linear(3, 4), gg.nn.sigmoid(), gg.nn.linear(4, 1) }
    opt = sgd(model, { lr = 0.5 })
    hist = train { model = model, data = data, optimizer = opt, epochs = 1, batch_size = 32, seed = 1 }
  end)
  T.eq("a captured gg.nn.sequential consults the hook", seen.sequential, 1)
  T.ok("... which changed the layers",
    tostring(model):find("relu") ~= nil and not tostring(model):find("sigmoid"))
  T.eq("a captured gg.optim.sgd consults the hook, with its kind", seen.optim, { "sgd" })
  T.near("... which changed the lr", opt:lr(), 0.05, 1e-12)
  T.eq("a captured gg.train consults the hook", seen.train, 1)
  T.eq("... which changed the epochs", #hist.epoch_loss, 3)
  gg.nn.mlp { 3, 2, 1 }
  T.eq("no hook after with: nothing is seen", seen.sequential, 1)

  -- gg.nn.mlp builds through gg.nn.sequential; every entry of gg.optim is wrapped.
  local kinds = {}
  hooks.with({ sequential = function(build, l, o) kinds.mlp = true; return build(l, o) end,
    optim = function(make, kind, m, o) kinds[#kinds + 1] = kind; return make(kind, m, o) end }, function()
    local m = gg.nn.mlp { 3, 2, 1 }
    local names = {}
    for k in pairs(gg.optim) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do gg.optim[k](m) end
    kinds.want = names
  end)
  T.ok("gg.nn.mlp consults the sequential hook", kinds.mlp)
  T.ok("every optimizer of gg.optim is covered (" .. #kinds.want .. ")", #kinds.want >= 6)
  T.eq("... each consults the hook with its own kind", { table.unpack(kinds, 1, #kinds) }, kinds.want)
end

-- ==== the wrapped optimizer constructors raise as the C functions do ====

do
  local m = gg.nn.mlp { 2, 1 }
  T.raises("an option error names the caller's line", function() gg.optim.sgd(m, { lr = -1 }) end,
    "^tests/lua/test_hooks%.lua:%d+: gg%.optim%.sgd: lr must be a positive number, got %-1$")
  T.raises("a bad argument names the function as the caller called it", function() gg.optim.adam("x") end,
    "^tests/lua/test_hooks%.lua:%d+: bad argument #1 to 'adam' %(gglab%.Model expected, got string%)$")
  T.raises("... a local name too", function() local make = gg.optim.sgd; make(m, 5) end,
    "^tests/lua/test_hooks%.lua:%d+: bad argument #2 to 'make' %(table expected, got number%)$")
  local _, e = pcall(gg.optim.sgd, nil)
  T.eq("called by pcall: no line, no name", e, "bad argument #1 to '?' (gglab.Model expected, got nil)")
  T.raises("with a hook registered: still the caller's line", function()
    hooks.with({ optim = function(make, kind, mm, o) return make(kind, mm, o) end }, function()
      gg.optim.sgd(m, { lr = -1 })
    end)
  end, "^tests/lua/test_hooks%.lua:%d+: gg%.optim%.sgd: lr must be a positive number, got %-1$")
  T.raises("an error of the hook itself passes unchanged", function()
    hooks.with({ optim = function() error("hook failed", 0) end }, function() gg.optim.sgd(m) end)
  end, "^hook failed$")
  T.eq("no hook left behind", hooks.active(), nil)
end

-- ==== the file loaders (gg.data.csv, gg.data.text): the "data" point ====

do
  local dir = T.tmpdir()
  local path = dir .. "/d.csv"
  T.write(path, "a,y\n1,2\n3,4\n")
  T.write(dir .. "/t.txt", string.rep("hello world ", 40))
  local csv, text = gg.data.csv, gg.data.text  -- captured, as a script would
  local seen = {}
  local h = { data = function(load, kind, src, ...)
    seen[#seen + 1] = { kind = kind, src = type(src) == "table" and src.file or src, n = select("#", ...) }
    return load(kind, src, ...)
  end }
  local d, t = hooks.with(h, function()
    return csv(path, { target = "y" }), text { file = dir .. "/t.txt", context = 4 }
  end)
  T.eq("captured loaders consult the hook, with their kind and source", seen,
    { { kind = "csv", src = path, n = 1 }, { kind = "text", src = dir .. "/t.txt", n = 0 } })
  T.eq("... and return what the loader returns", { d:n(), t ~= nil }, { 2, true })
  T.eq("every result of the loader passes (the dataset and csv's info)",
    select("#", csv(path, { target = "y" })), 2)
  T.eq("the gg table keeps the wrapped loaders", { gg.data.csv == csv, gg.data.text == text }, { true, true })
  -- A loader's own failure result (nil, message) comes back unchanged.
  local r = table.pack(csv(dir .. "/none.csv"))
  T.eq("a missing file: nil and the message", { r.n, r[1], r[2] },
    { 2, nil, dir .. "/none.csv: No such file or directory" })
  -- Errors read as those of the C functions: the caller's line, the name the caller used.
  T.raises("an option error names the caller's line", function() gg.data.csv(path, { targt = "y" }) end,
    "^tests/lua/test_hooks%.lua:%d+: gg%.data%.csv: unknown option 'targt' %(allowed: .*%); "
      .. "did you mean 'target'%?$")
  T.raises("a bad argument names the loader as called", function() gg.data.text(5) end,
    "^tests/lua/test_hooks%.lua:%d+: bad argument #1 to 'text' %(table expected, got number%)$")
  T.raises("... with a hook registered too", function()
    hooks.with(h, function() local load = gg.data.text; load(5) end)
  end, "^tests/lua/test_hooks%.lua:%d+: bad argument #1 to 'load' %(table expected, got number%)$")
  T.eq("no hook left behind", hooks.active(), nil)

  -- The runner registers its data hook around each run only: a run's files are noted, and
  -- a run that leaves a hook of its own registered fails (the next run starts clean).
  local runner = require "gglab.engine.runner"
  local exp = require("gglab.experiment").experiment { name = "hooked",
    sweep = gg.grid { mode = { "csv", "leak" } },
    run = function(p, run)
      T.ok("the data hook is registered during a run", hooks.active() == runner.DATA_HOOK)
      csv(path, { target = "y" })
      if p.mode == "leak" then hooks.push { train = function(tr, o) return tr(o) end } end
      run:log("loss", 1, 1)
    end }
  local sink = { write = function() end }
  local res = runner.run(exp, { out = dir .. "/res", jobs = 0, quiet = true, stdout = sink, stderr = sink })
  T.eq("a run's data file is noted", res.records[1].data_files, path)
  T.eq("a run leaving a hook registered fails", { res.records[2].status, res.records[2].error },
    { "failed", "hooks.with: the function left 1 hook registered (hooks.push without hooks.pop)" })
  T.eq("no hook left behind by the runner", hooks.active(), nil)
  T.rmtree(dir)
end

-- ---- the "epoch" point (gg.train's per-epoch C call), swap and count ----
do
  local data = gg.data.regression { n = 16, features = 2, seed = 3 }
  local function train(seed)
    gg.manual_seed(seed)
    local model = gg.nn.mlp { 2, 4, 1 }
    return gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.01 }), batch_size = 4,
      epochs = 3 }
  end
  local plain = train(1)
  local seen = {}
  local h = { epoch = function(run_epoch, model, optimizer, d, opts)
    seen[#seen + 1] = { model = tostring(model):match("^gglab%.Model") ~= nil, optim = optimizer ~= nil,
      data = d == data, batch = opts.batch_size }
    return run_epoch(model, optimizer, d, opts)
  end }
  local hooked = hooks.with(h, train, 1)
  T.eq("epoch hook: one call per epoch", #seen, 3)
  T.eq("epoch hook: gets gg.train_epoch's arguments", seen[1], { model = true, optim = true, data = true, batch = 4 })
  T.eq("epoch hook: passing through changes nothing", hooked, plain)
  local h2 = { epoch = function(run_epoch, ...)
    local losses, diverged, mean, info = run_epoch(...)
    return losses, diverged, mean * 0 + 42, info
  end }
  T.eq("epoch hook: its results are gg.train's", hooks.with(h2, train, 1).epoch_loss, { 42, 42, 42 })
  T.raises("epoch hook: an error reads as gg.train's", function()
    hooks.with({ epoch = function() error("no epoch today", 0) end }, train, 1)
  end, "gg.train: no epoch today")
  T.eq("count: none registered", hooks.count("epoch"), 0)
  local mine = hooks.swap(nil)
  hooks.push(h)
  T.eq("swap: the new stack has the hook", { hooks.count("epoch"), hooks.active() }, { 1, h })
  local other = hooks.swap(mine)
  T.eq("swap: the first stack is as it was", hooks.active(), nil)
  T.eq("swap: returns the other stack", other, { h })
  hooks.swap(other)
  hooks.pop(h)
  hooks.swap(mine)
  T.eq("no hook left behind (swap)", hooks.active(), nil)
end

T.done()
