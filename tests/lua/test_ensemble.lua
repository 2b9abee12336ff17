-- tests/lua/test_ensemble.lua — gg.ensemble_key and gg.train_epoch_ensemble: K = 1, 3, 16,
-- 17 calls with their own models, data, seeds, generators, learning rates and optimizer
-- options, trained together and one by one with gg.train_epoch; the results, parameters,
-- gradients, optimizer state and step counts and the shared generator's position must be
-- equal bit for bit (floats compared by their packed bytes), over two epochs (the lrs halved
-- between them, as a per-epoch scheduler does), with a lane
-- that diverges mid-epoch and mixed shuffling, on every GGLAB_ISA path (this file re-runs
-- itself once per path with the argument "child").
local T = require "check"
local gg = require "gglab"

local CHILD = arg and arg[1] == "child"

-- Every number of a value (nested tables, tensors) as packed float64 bytes, keys sorted.
local function bits(v)
  if type(v) == "number" then return string.pack("<d", v) end
  if type(v) == "boolean" or type(v) == "string" then return tostring(v) end
  if type(v) == "userdata" and v.totable then return bits(v:totable()) end
  if type(v) ~= "table" then return type(v) end
  if #v > 0 and next(v, #v) == nil then  -- a plain list: in order, no sorting
    local out = {}
    for i = 1, #v do
      local x = v[i]
      out[i] = type(x) == "number" and string.pack("<d", x) or bits(x)
    end
    return "[" .. table.concat(out) .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. bits(v[k]) end
  return "{" .. table.concat(out, ",") .. "}"
end

local ARCH = {
  seed = function(k) return gg.nn.mlp { 10, 50, 100, 2, activation = "relu", seed = 7 + k } end,
  mixed = function(k)
    local m = gg.nn.sequential { gg.nn.linear(10, 13), gg.nn.tanh(), gg.nn.linear(13, 9), gg.nn.sigmoid(),
                                 gg.nn.linear(9, 7), gg.nn.leaky_relu(0.1), gg.nn.linear(7, 2) }
    m:reset { seed = 7 + k }
    return m
  end,
}

local function optimizer(kind, m, k, K)
  local wild = K > 1 and k == 2
  if kind == "sgd" then
    return gg.optim.sgd(m, { lr = wild and 1e6 or 0.01 + 0.003 * k, momentum = 0.5 + 0.02 * k,
                             nesterov = k % 3 == 0, weight_decay = k % 2 == 1 and 1e-3 * k or 0 })
  end
  return gg.optim[kind](m, { lr = wild and 1e30 or 1e-3 * k, betas = { 0.9 - 0.01 * (k % 4), 0.999 },
                             weight_decay = k % 2 == 1 and 1e-2 or 0, amsgrad = kind == "adamw" })
end

local function data(k, loss)
  if loss == "cross_entropy" then return gg.data.classification { n = 47, features = 10, classes = 2, seed = 100 + k } end
  return gg.data.regression { n = 47, features = 10, outputs = 2, noise = 0.1, seed = 100 + k }
end

-- The options of call k: mixed shuffling (a seed, the shared generator, or none).
local function opts(k, shared, loss)
  local o = { loss = loss, batch_size = 10, lrs = true }
  if k % 3 == 0 then o.shuffle = false
  elseif k % 3 == 1 then o.seed = 50 + k
  else o.rng = shared end
  return o
end

-- Per-step schedulers on some runs (none on the others): step, one-cycle (its momentum too),
-- cosine; 5 steps an epoch, 2 epochs.
local function scheduler(o, k)
  if k % 4 == 1 then return gg.sched.step_lr(o, { step_size = 2, gamma = 0.5 }) end
  if k % 4 == 2 then return gg.sched.one_cycle_lr(o, { max_lr = 0.02 * k, total_steps = 10 }) end
  if k % 4 == 3 then return gg.sched.cosine_annealing_lr(o, { T_max = 7 }) end
end

local function side(arch, kind, K, loss, with_sched)
  local s = { m = {}, o = {}, d = {}, s = {}, rng = gg.rng(5) }
  for k = 1, K do
    s.m[k] = ARCH[arch](k)
    s.o[k] = optimizer(kind, s.m[k], k, K)
    s.d[k] = data(k, loss)
    s.s[k] = with_sched and scheduler(s.o[k], k) or nil
  end
  return s
end

local function state(s, k)
  return bits { s.m[k]:parameters(), s.m[k]:grads(), s.o[k]:state_dict(), s.o[k]:steps(),
                s.s[k] and s.s[k]:state_dict() or false }
end

local function with(o, sched)
  o.scheduler = sched
  return o
end

local function compare(arch, kind, loss, K, tag, with_sched)
  local solo, ens = side(arch, kind, K, loss, with_sched), side(arch, kind, K, loss, with_sched)
  local name = string.format("%s %s %s K=%d%s%s", arch, kind, loss, K, with_sched and " schedulers" or "", tag)
  local same, diverged = true, false
  for epoch = 1, 2 do
    local want, calls = {}, {}
    for k = 1, K do
      want[k] = table.pack(gg.train_epoch(solo.m[k], solo.o[k], solo.d[k], with(opts(k, solo.rng, loss), solo.s[k])))
      want[k].n = nil
      calls[k] = { ens.m[k], ens.o[k], ens.d[k], with(opts(k, ens.rng, loss), ens.s[k]) }
    end
    local got = gg.train_epoch_ensemble(calls)
    for k = 1, K do
      if bits(got[k]) ~= bits(want[k]) or state(solo, k) ~= state(ens, k) then
        same = false
        print(string.format("  %s: epoch %d, call %d differs", name, epoch, k))
      end
      diverged = diverged or want[k][2]
    end
    same = same and bits(solo.rng:get_state()) == bits(ens.rng:get_state())
    for k = 1, K do  -- what a per-epoch scheduler does between the calls
      solo.o[k]:set_lr(solo.o[k]:lr() * 0.5)
      ens.o[k]:set_lr(ens.o[k]:lr() * 0.5)
    end
  end
  T.ok(name .. ": two epochs bit-identical to gg.train_epoch one by one", same)
  if K > 1 and kind ~= "sgd" and not with_sched then T.ok(name .. ": call 2 diverged", diverged) end
end

local function all_cases(tag)
  for _, K in ipairs { 1, 3, 16, 17 } do
    compare("seed", "adam", "mse", K, tag)
    compare("mixed", "adamw", "cross_entropy", K, tag)
    compare("mixed", "sgd", "mse", K, tag)
    compare("mixed", "adamw", "cross_entropy", K, tag, true)
    compare("mixed", "sgd", "mse", K, tag, true)
  end
end

if CHILD then
  all_cases(" (" .. gg.isa() .. ")")
  T.done()
  return
end

-- ---- keys ----
do
  local m1, m2 = ARCH.seed(1), ARCH.seed(2)
  local o1, o2 = gg.optim.adam(m1, { lr = 0.1 }), gg.optim.adam(m2, { lr = 0.003, betas = { 0.8, 0.99 } })
  local k1 = gg.ensemble_key(m1, o1, data(1), { loss = "mse", batch_size = 10, seed = 1 })
  local k2 = gg.ensemble_key(m2, o2, data(2), { loss = "mse", batch_size = 10, shuffle = false })
  T.ok("a key is a string", type(k1) == "string")
  T.eq("seeds, data, lrs and shuffling do not enter the key", k2, k1)
  T.ok("batch size enters the key", gg.ensemble_key(m2, o2, data(2), { loss = "mse", batch_size = 5 }) ~= k1)
  T.ok("loss enters the key", gg.ensemble_key(m2, o2, data(2), { loss = "cross_entropy", batch_size = 10 }) ~= k1)
  local function reason(o, model, optim)
    local key, why = gg.ensemble_key(model or m1, optim or o1, data(1), o)
    return key == nil and why or "joins"
  end
  T.eq("clip_norm: nil and a reason", reason { clip_norm = 1 }, "clip_norm")
  T.eq("l2: nil and a reason", reason { l2 = 0.1 }, "l1/l2 penalty")
  T.eq("grad_norms: nil and a reason", reason { grad_norms = true }, "grad_norms")
  T.eq("a step scheduler joins", reason { scheduler = gg.sched.step_lr(o1, { step_size = 2 }) }, "joins")
  T.eq("lambda_lr: nil and a reason", reason { scheduler = gg.sched.lambda_lr(o1, function() return 1 end) },
    "scheduler lambda_lr")
  local oc = gg.sched.one_cycle_lr(o1, { max_lr = 0.1, total_steps = 1 })  -- the epoch has 2 steps
  local before = bits { o1:lr(), o1:momentum(), oc:state_dict() }
  T.eq("one_cycle_lr past its end: nil and a reason", reason { scheduler = oc }, "scheduler one_cycle_lr fails this epoch")
  T.eq("the dry run leaves the scheduler and the optimizer as they were", bits { o1:lr(), o1:momentum(), oc:state_dict() },
    before)
  T.eq("2 steps fit", reason { scheduler = gg.sched.one_cycle_lr(o1, { max_lr = 0.1, total_steps = 2 }) }, "joins")
  T.eq("diagnostics: nil and a reason", reason { diagnostics = gg.diag.new(m1) }, "diagnostics on")
  T.eq("rmsprop: nil and a reason", reason({}, m1, gg.optim.rmsprop(m1)), "optimizer rmsprop")
  local bn = gg.nn.sequential { gg.nn.linear(10, 4), gg.nn.dropout(0.5), gg.nn.linear(4, 2) }
  T.eq("dropout: nil and a reason", reason({}, bn, gg.optim.sgd(bn)), "layer dropout")
  local _, why = gg.ensemble_key(m1, o1, gg.data.classification { n = 20, features = 3, classes = 2, seed = 1 }, {})
  T.ok("an invalid call: nil and its error", why and why:find("features", 1, true))
  T.raises("not a model", function() gg.ensemble_key(1, o1, data(1), {}) end, "model must be a gglab.Model")
  T.raises("unknown option", function() gg.ensemble_key(m1, o1, data(1), { batchsize = 3 }) end, "unknown option")
end

-- ---- order (gg.train's step-by-step epochs: one-batch orders; and longer ones) ----
do
  local a, b = side("mixed", "adam", 3, "mse", true), side("mixed", "adam", 3, "mse", true)
  local same = true
  for step = 1, 4 do
    local calls, want = {}, {}
    for k = 1, 3 do
      local order = step < 4 and { { (step * k) % 47 + 1, (step + 7 * k) % 47 + 1, 5 } }
        or { { 1, 2, 3 }, { 40 + k, 9 }, { 47, 46, 45, 44 } }
      want[k] = table.pack(gg.train_epoch(a.m[k], a.o[k], a.d[k], { loss = "mse", order = order, lrs = true,
                                                                    scheduler = a.s[k] }))
      want[k].n = nil
      calls[k] = { b.m[k], b.o[k], b.d[k], { loss = "mse", order = order, lrs = true, scheduler = b.s[k] } }
    end
    local got = gg.train_epoch_ensemble(calls)
    for k = 1, 3 do same = same and bits(got[k]) == bits(want[k]) and state(a, k) == state(b, k) end
  end
  T.ok("order: one-batch and three-batch epochs bit-identical to gg.train_epoch one by one", same)
  local m, o = ARCH.seed(1), nil
  o = gg.optim.adam(m)
  local k3 = gg.ensemble_key(m, o, data(1), { order = { { 1, 2, 3 } } })
  T.ok("the order's batch sizes enter the key", k3 and k3:find("order 3", 1, true) ~= nil)
  T.ok("another order of the same sizes: the same key", gg.ensemble_key(m, o, data(2), { order = { { 9, 8, 7 } } }) == k3)
  local long = {}
  for i = 1, 65 do long[i] = { i % 47 + 1 } end
  T.eq("an order of 65 batches: nil and a reason", select(2, gg.ensemble_key(m, o, data(1), { order = long })),
    "order of more than 64 batches")
  T.raises("a bad order raises as gg.train_epoch", function() gg.ensemble_key(m, o, data(1), { order = { { 0 } } }) end,
    "order%[1%]%[1%] must be a row number")
end

-- ---- errors ----
do
  local m1, m2 = ARCH.seed(1), ARCH.seed(2)
  local o1, o2 = gg.optim.adam(m1), gg.optim.adam(m2)
  T.raises("keys differ: names the call",
    function() gg.train_epoch_ensemble { { m1, o1, data(1), { batch_size = 10 } }, { m2, o2, data(2), { batch_size = 5 } } } end,
    "calls%[2%]: its ensemble key differs")
  T.raises("the same model twice",
    function() gg.train_epoch_ensemble { { m1, o1, data(1), {} }, { m1, o1, data(2), {} } } end,
    "calls%[2%]: uses the model or optimizer of calls%[1%]")
  T.raises("an option that cannot join",
    function() gg.train_epoch_ensemble { { m1, o1, data(1), { clip_norm = 1 } } } end,
    "calls%[1%]: cannot join an ensemble %(clip_norm%)")
  T.raises("a bad option as gg.train_epoch raises it",
    function() gg.train_epoch_ensemble { { m1, o1, data(1), { batch_size = 0 } } } end,
    "calls%[1%]: batch_size must be")
  T.raises("empty", function() gg.train_epoch_ensemble {} end, "non%-empty list")
end

-- ---- every path ----
all_cases("")
local lua = os.getenv("LUA") or "lua5.4"
for _, isa in ipairs { "generic", "avx2", "avx512" } do
  local probe = os.execute(string.format("GGLAB_ISA=%s %s -e 'require(\"gglab\").isa()' >/dev/null 2>&1", isa, lua))
  if probe then
    -- io.popen keeps the environment (LUA_CPATH, and make sanitize's LD_PRELOAD)
    local p = io.popen(string.format("GGLAB_ISA=%s %s %s child 2>&1", isa, lua, T.quote(arg[0])))
    local out = p:read("a")
    p:close()
    T.ok("GGLAB_ISA=" .. isa .. ": every case bit-identical", out:find("\n0 failed", 1, true) ~= nil
      or out:match("%d+ passed, 0 failed") ~= nil)
    if not out:match("%d+ passed, 0 failed") then print(out) end
  else
    print("skip: GGLAB_ISA=" .. isa .. " (this CPU or build has no such path)")
  end
end

T.done()
