-- tests/lua/test_oom.lua — out of memory inside the core, seen from Lua: with the gglab
-- module of build/tests/gglab_failmem.so (the glue and the core linked with
-- tests/failmem.c instead of core/mem.c), every core allocation of building a model, an
-- optimizer and a scheduler, loading a CSV file, generating and splitting data, and a
-- training call (gg.train with validation, a scheduler and clipping; with diagnostics
-- and sharpness) is made to fail in
-- turn. Each attempt must raise an error saying "out of memory" that names the function,
-- free every core block once the garbage is collected, and leave the Lua state usable:
-- the same code runs again and gives the same numbers as before any failure.

local T = require "check"
local write = T.write

local build = (os.getenv("GGLAB") or "build/gglab"):match("^(.*)/[^/]*$") or "build"
local lib = build .. "/tests/gglab_failmem.so"
local open_gg = package.loadlib(lib, "luaopen_gglab")
local open_fm = package.loadlib(lib, "luaopen_failmem")
if not open_gg or not open_fm then
  print("test_oom.lua: " .. lib .. " not built (make " .. lib .. ")")
  T.ok("gglab_failmem.so loads", false)
  T.done()
end
package.preload.gglab = open_gg
local gg = require "gglab"
local fm = open_fm()

local tmp = os.tmpname()
local function collect()
  collectgarbage("collect")
  collectgarbage("collect")
end

-- Run fn with allocation n failing (persistent: and every later one), for n = 1, 2, ...
-- until fn runs with nothing failing. Returns the result of that clean run.
local function sweep(name, fn)
  local result
  for _, persistent in ipairs { true, false } do
    local mode = persistent and "persistent" or "single"
    collect()
    local base = fm.live()
    local points, bad_err, leaks, first_bad = 0, 0, 0, nil
    for n = 1, 100000 do
      fm.arm(n, persistent)
      local ok, res = pcall(fn)
      local fails = fm.fails()
      fm.disarm()
      if fails == 0 then
        T.ok(name .. " (" .. mode .. "): clean run succeeds", ok)
        if not ok then print("  " .. tostring(res)) end
        result = res
        break
      end
      points = points + 1
      local msg = tostring(res)
      res = nil
      collect()
      if fm.live() ~= base then leaks = leaks + 1 end
      if not ok then
        -- "[where: ]gg.<fn>: ... out of memory ..." or "gglab.<Type>:<method>: ..."
        if not msg:match("^[^\n]-gg[%w%._]*[%.:][%w_]+: [^\n]*out of memory") then
          bad_err = bad_err + 1
          first_bad = first_bad or msg
        end
      elseif persistent then
        bad_err = bad_err + 1
        first_bad = first_bad or "no error at allocation " .. n
      end
    end
    T.ok(name .. " (" .. mode .. "): " .. points .. " failure points", points > 0)
    if os.getenv("VERBOSE") then print(name, mode, points) end
    T.eq(name .. " (" .. mode .. "): each raises 'out of memory'", first_bad, nil)
    T.eq(name .. " (" .. mode .. "): no core block left after collection", leaks, 0)
  end
  return result
end

local function params_of(model)
  local out = {}
  for _, t in ipairs(model:parameters()) do
    for _, row in ipairs(t:totable()) do
      for _, v in ipairs(row) do out[#out + 1] = v end
    end
  end
  return out
end

-- ---- model, optimizer, scheduler ----
local ref_model = params_of(gg.nn.mlp { 4, 16, 3, activation = "tanh", seed = 3 })
local built = sweep("gg.nn.mlp", function()
  return params_of(gg.nn.mlp { 4, 16, 3, activation = "tanh", seed = 3 })
end)
T.eq("gg.nn.mlp after the failures: same parameters", built, ref_model)

sweep("gg.nn.sequential with batchnorm and dropout, forward", function()
  local m = gg.nn.sequential { gg.nn.linear(4, 8), gg.nn.batchnorm1d(8), gg.nn.relu(), gg.nn.dropout(0.5),
                               gg.nn.linear(8, 2) }
  m:forward(gg.tensor { { 1, 2, 3, 4 }, { 4, 3, 2, 1 } })
  return true
end)

sweep("optimizers and schedulers", function()
  local m = gg.nn.mlp { 3, 5, 1, seed = 1 }
  local o = gg.optim.adam(m, { lr = 0.01, amsgrad = true })
  local s = gg.optim.sgd(m, { lr = 0.1, momentum = 0.9 })
  gg.sched.multistep_lr(s, { milestones = { 2, 4 } })
  local a = gg.sched.step_lr(s, { step_size = 2 })
  local b = gg.sched.linear_lr(s, { total_iters = 3 })
  gg.sched.sequential_lr(s, { schedulers = { a, b }, milestones = { 3 } })
  return o ~= nil
end)

-- ---- data ----
write(tmp, "\xEF\xBB\xBFx1,x2,label\r\n1,2,a\r\n3,4,b\r\n5,6,\"a\"\r\n7,8,b\r\n")
local ref_csv = { gg.data.csv(tmp, { target = "label", classify = true }) }
local loaded = sweep("gg.data.csv", function()
  local ds, info = gg.data.csv(tmp, { target = "label", classify = true })
  assert(ds, info)
  return { ds:x():totable(), ds:y():totable(), info }
end)
T.eq("gg.data.csv after the failures: same data", loaded,
  { ref_csv[1]:x():totable(), ref_csv[1]:y():totable(), ref_csv[2] })

sweep("generators, split, scaler", function()
  local r = gg.data.regression { n = 40, features = 3, noise = 0.1, seed = 2 }
  local c = gg.data.classification { n = 30, features = 2, classes = 3, seed = 2 }
  local tr, va = c:split(0.3, { seed = 1 })
  local sc = gg.data.standard_scaler(tr)
  sc:transform(va)
  c:class_weights()
  return r ~= nil
end)

write(tmp, string.rep("h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC ", 40))
local function tokens()
  local tr, va = gg.data.modular { p = 7, op = "/", seed = 1 }
  local s = gg.data.sequence { task = "sort", n = 20, seed = 1 }:as_tokens()
  local ttr, tva = gg.data.text { file = tmp, context = 8, level = "char", seed = 1 }
  assert(ttr, tva)
  local sub = ttr:subset(2)
  return { tr:x():totable(), va:y():totable(), s:vocab(), sub:decode(sub:x()), { tva:vocab() } }
end
local ref_tokens = tokens()
T.eq("token datasets after the failures: same data", sweep("token datasets", tokens), ref_tokens)

-- ---- training ----
local function train()
  local data = gg.data.classification { n = 60, features = 4, classes = 3, seed = 4 }
  local tr, va = data:split(0.25, { seed = 4 })
  local model = gg.nn.mlp { 4, 8, 3, seed = 4 }
  local opt = gg.optim.sgd(model, { lr = 0.1, momentum = 0.9 })
  local hist = gg.train { model = model, data = tr, val = va, loss = "cross_entropy", optimizer = opt,
    batch_size = 8, epochs = 2, seed = 4, clip_norm = 1,
    scheduler = gg.sched.step_lr(opt, { step_size = 1 }) }
  return { hist.loss, hist.val_loss, params_of(model) }
end
local ref_train = train()
local trained = sweep("gg.train", train)
T.eq("gg.train after the failures: same losses and parameters", trained, ref_train)

-- gg.train with diagnostics and sharpness (gg.diag: its buffers, the fixed batch).
local function train_diag()
  local data = gg.data.classification { n = 40, features = 3, classes = 2, seed = 5 }
  local model = gg.nn.mlp { 3, 6, 2, seed = 5 }
  local hist = gg.train { model = model, data = data, loss = "cross_entropy", optimizer = gg.optim.adam(model),
    batch_size = 10, epochs = 1, seed = 5, diagnostics = { every = 2, sharpness_every = 2, sharpness_iters = 3 } }
  return { hist.loss, hist.diagnostics.sharpness, params_of(model) }
end
local ref_diag = train_diag()
T.eq("gg.train with diagnostics after the failures: same numbers", sweep("gg.train with diagnostics", train_diag),
  ref_diag)

-- A model that already exists stays usable after a failed call grows its scratch.
do
  local model = gg.nn.mlp { 4, 8, 3, seed = 4 }
  local small = gg.tensor { { 1, 2, 3, 4 } }
  local before = model:forward(small):totable()
  local big = gg.tensor(64, 4)
  local failed = 0
  for n = 1, 20 do
    fm.arm(n, true)
    local ok = pcall(model.forward, model, big)
    fm.disarm()
    if ok then break end
    failed = failed + 1
  end
  T.ok("forward of a larger batch fails under memory pressure", failed > 0)
  T.eq("the model still runs the small batch, same output", model:forward(small):totable(), before)
end

os.remove(tmp)
collect()
T.done()
