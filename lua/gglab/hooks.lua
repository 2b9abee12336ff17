--[[ lua/gglab/hooks.lua — the hook registry that gg.train, gg.nn.sequential, every
  gg.optim.<kind> and the file loaders gg.data.csv / gg.data.text consult. A tool that must
  see or change what a script does (gglab doctor, lua/gglab/doctor/intervene.lua; the
  runner noting the data files a run opens) registers a hook for the duration of one call
  instead of replacing entry points in the shared gg table, so a script that holds
  `local train, sgd, csv = gg.train, gg.optim.sgd, gg.data.csv` is covered too.

  A hook is a table with any of these fields (the "points"):
    sequential = function(build, layers, opts) -> model
    optim      = function(make, kind, model, opts) -> optimizer
    train      = function(train, opts) -> history
    data       = function(load, kind, src, ...) -> dataset(s)   kind "csv": gg.data.csv(src, ...);
                                                                kind "text": gg.data.text(src)
    epoch      = function(run_epoch, model, optimizer, data, opts) -> gg.train_epoch's results: one
                   epoch of gg.train in one C call (run_epoch(model, optimizer, data, opts) is
                   gg.train_epoch); the runner's ensembles (gglab.engine.ensemble) gather these
    model      = function(build, kind, ...) -> model or layer   the sequence-model constructors:
                   kind "gpt": gg.nn.gpt(o); "transformer_encoder_layer" / "transformer_decoder_block":
                   (d_model, nhead, opts); "rnn" / "lstm" / "gru": (input_size, hidden_size, opts).
                   build(kind, ...) builds; a hook may change the options or the kind (e.g. an
                   "rnn" built as an "lstm", whose options have no nonlinearity)
  The first argument proceeds: it calls the next hook down the stack with the same point,
  at the bottom the entry point's own code (build(layers, opts), make(kind, model, opts),
  train(opts), load(kind, src, ...), build(kind, ...)). A hook may change the arguments, look at the result,
  or raise.

  State: the stack of registered hooks below, one per Lua state (each worker process of
  the runner has its own), owned by this module and changed only by push/pop/with and swap.
  It is empty outside a with() call; with pops its hook on return and on error. swap
  exchanges the whole stack: the runner's ensembles give each run's coroutine its own.

  gg.train (lua/gglab/train.lua), gg.nn.sequential (lua/gglab/nn.lua) and the model
  constructors (lua/gglab/transformer.lua, lua/gglab/recurrent.lua) call M.call themselves
  (gg.nn.gpt builds its blocks without consulting the point again: one call per model); the
  optimizer constructors and the two loaders are C functions (lua/loptim.c,
  lua/ldata.c, lua/lseqdata.c) that know nothing of this: lua/gglab/init.lua wraps every
  entry of gg.optim, and gg.data.csv and gg.data.text, once, with M.wrap. ]]
local M = {}

M.POINTS = { "data", "epoch", "model", "optim", "sequential", "train" }
local IS_POINT = { data = true, epoch = true, model = true, optim = true, sequential = true, train = true }

local stack = {}   -- the registered hooks, innermost last (see the header)

--[[ push(h) -> h: registers hook h as the innermost one; raises naming a bad field. ]]
function M.push(h)
  if type(h) ~= "table" then error("hooks.push: expected a hook table, got " .. type(h), 2) end
  for k, f in pairs(h) do
    if not IS_POINT[k] then
      error(string.format("hooks.push: unknown hook point '%s' (allowed: %s)", tostring(k),
        table.concat(M.POINTS, ", ")), 2)
    end
    if type(f) ~= "function" then error(string.format("hooks.push: %s must be a function", k), 2) end
  end
  stack[#stack + 1] = h
  return h
end

--[[ pop(h): removes hook h, which must be the innermost one. ]]
function M.pop(h)
  if stack[#stack] ~= h then error("hooks.pop: not the innermost hook", 2) end
  stack[#stack] = nil
end

--[[ with(h, fn, ...) -> fn(...)'s results, with hook h registered while fn runs. h is
  removed when fn returns or raises; an error passes through unchanged (error objects too,
  e.g. the runner's divergence signal). Hooks fn pushed and left registered are removed
  with h; when fn returned, with then raises "hooks.with: ... left a hook registered". ]]
function M.with(h, fn, ...)
  M.push(h)
  local n = #stack
  local res = table.pack(pcall(fn, ...))
  local left = 0
  if stack[n] == h then
    left = #stack - n
    for i = #stack, n + 1, -1 do stack[i] = nil end
  end
  M.pop(h)
  if not res[1] then error(res[2], 0) end
  if left > 0 then
    error(string.format("hooks.with: the function left %d hook%s registered (hooks.push without hooks.pop)",
      left, left == 1 and "" or "s"), 2)
  end
  return table.unpack(res, 2, res.n)
end

--[[ swap(other) -> the current stack, which other (a list of hooks, as swap returned it;
  nil: a new empty one) replaces. For code that interleaves independent computations in
  one Lua state (the runner's ensemble coroutines): each keeps its own stack, and a with()
  pops from the stack it pushed to as long as every switch swaps the stacks back. ]]
function M.swap(other)
  local old = stack
  stack = other or {}
  return old
end

--[[ count(point) -> how many registered hooks have that point. ]]
function M.count(point)
  local n = 0
  for i = 1, #stack do
    if stack[i][point] ~= nil then n = n + 1 end
  end
  return n
end

--[[ active() -> the innermost registered hook, or nil when none is. ]]
function M.active() return stack[#stack] end

--[[ has(point) -> whether a registered hook has that point (the model constructors call
  their own code directly when none has, so that their errors name the caller's line). ]]
function M.has(point)
  for i = #stack, 1, -1 do
    if stack[i][point] ~= nil then return true end
  end
  return false
end

--[[ entry(point, kind, raw, build) -> a constructor: raw(...) itself (a tail call, so its errors
  still name the caller's line) while no registered hook has the point, else M.call(point,
  build, kind, ...), build(kind, ...) building what the hooks finally ask for. The model
  constructors (lua/gglab/transformer.lua, recurrent.lua) are made this way. ]]
function M.entry(point, kind, raw, build)
  if not IS_POINT[point] then error("hooks.entry: unknown hook point '" .. tostring(point) .. "'", 2) end
  return function(...)
    if not M.has(point) then return raw(...) end
    return M.call(point, build, kind, ...)
  end
end

-- The hooks at or below index i that have the point, innermost first, then fn.
local function call_from(i, point, fn, ...)
  while i > 0 and stack[i][point] == nil do i = i - 1 end
  if i == 0 then return fn(...) end
  return stack[i][point](function(...) return call_from(i - 1, point, fn, ...) end, ...)
end

--[[ call(point, fn, ...) -> the results of fn(...) as the registered hooks with that point
  let it run (fn(...) itself when there are none). ]]
function M.call(point, fn, ...) return call_from(#stack, point, fn, ...) end

-- The message luaL_argerror would have given had the caller called the C function
-- directly: "bad argument #n to '?'" (the C function ran under pcall) with the name the
-- caller used (info = debug.getinfo of the wrapper), method calls counted as Lua does.
local function argerror(msg, info)
  local n, rest = msg:match("^bad argument #(%d+) to '%?' (.*)$")
  if not n or not info or not info.name then return msg end
  n = tonumber(n)
  if info.namewhat == "method" then
    n = n - 1
    if n == 0 then return string.format("calling '%s' on bad self %s", info.name, rest) end
  end
  return string.format("bad argument #%d to '%s' %s", n, info.name, rest)
end

--[[ wrap(t, point): replaces every function t[key] (a C constructor such as gg.optim.sgd)
  by one that consults the hooks with `point`: make(key, ...) is the constructor. Errors of
  the constructor itself read as before: the caller's line, the name the caller used. ]]
function M.wrap(t, point)
  local keys = {}
  for k, v in pairs(t) do
    if type(v) == "function" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for _, key in ipairs(keys) do
    local make = t[key]
    t[key] = function(...)
      local failed   -- the constructor's own error, if it raised
      local function base(_, ...)
        local r = table.pack(pcall(make, ...))
        if not r[1] then
          failed = r[2]
          error(r[2], 0)
        end
        return table.unpack(r, 2, r.n)
      end
      local r = table.pack(pcall(M.call, point, base, key, ...))
      if r[1] then return table.unpack(r, 2, r.n) end
      local e = r[2]
      if e == failed and type(e) == "string" then error(argerror(e, debug.getinfo(1, "n")), 2) end
      error(e, 0)
    end
  end
end

return M
