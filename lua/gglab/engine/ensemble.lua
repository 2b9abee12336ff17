--[[ lua/gglab/engine/ensemble.lua — lockstep ensembles: run several runs' functions as
  coroutines and train their epochs together.

  local ensemble = require "gglab.engine.ensemble"
  local stats = ensemble.run(lanes, opts)

  lanes[i] = { fn = function() ... end, log = path or nil }: fn runs as a coroutine (the
  runner's lanes call run_point with M.HOOK registered). Every gg.train epoch of a lane
  (the "epoch" point of gglab.hooks, consulted by gg.train's one-call-per-epoch path) asks
  gg.ensemble_key(model, optimizer, data, opts): nil (or no gg.ensemble_key at all: the
  stand-in "no ensemble kernel") runs the epoch solo right there; a key yields the request.
  The scheduler resumes every live lane until each has yielded a request or finished,
  groups the requests by key (in lane order) and calls gg.train_epoch_ensemble(calls) for
  each group of two or more; a lone request is sent back to be run solo in its lane, and so
  are all the requests of a group whose ensemble call raised (so each lane gets exactly the
  error, or the result, gg.train_epoch gives it alone: the interface requires the ensemble
  call to raise before any side effect). Then it resumes each lane with its answer.

  The per-run global state a lane sees is swapped at every switch: the hook stack
  (hooks.swap; each lane starts with a copy of the caller's), the default generator
  (gg.get_rng_state / gg.set_rng_state), flush-to-zero (gg.flush_denormal), the log its
  output goes to (lane.log: gg.proc.redirect, truncated at the lane's first switch, then
  appended) and whatever opts.enter(lane) / opts.leave(lane) save and restore (the
  runner's list of opened data files). A request that uses the default generator to
  shuffle (no seed, no rng) gets, in its ensemble call, a gglab.Rng holding its lane's
  default state, written back afterwards: each lane keeps its own stream. On return the
  caller's own state is restored.

  Time: M.clock() is the running lane's own clock — the seconds spent in its coroutine plus
  an equal share (1/n) of each ensemble call of n runs it joined — so the wall times of a
  group's runs add up to the group's. Outside a lane it is gg.clock().

  lane fields set here: ran ("ensemble" once an epoch went into an ensemble call, else
  "solo"), reason (why a solo lane ran solo: the first key refusal, "no ensemble kernel",
  "alone" (no other run with its key), "ensemble error", or "no gg.train epochs"), epochs,
  grouped (epochs trained in ensemble calls), error (fn raised: its error; the other lanes
  go on), result (fn's first result), wall (M.clock seconds).
  stats = { calls = ensemble calls, epochs = epoch requests, grouped = epochs in ensembles,
  keyed = lanes that got a key for at least one epoch }. ]]

local gg = require "gglab"
local hooks = require "gglab.hooks"

local M = {}

M.WIDTH = 16   -- runs per group (the runner's default for --ensemble-width)

local REQUEST = setmetatable({}, { __name = "gglab.EnsembleRequest" })
local SOLO = setmetatable({}, { __name = "gglab.EnsembleSolo" })

local current   -- the lane whose coroutine runs now, or nil

--[[ key(model, optimizer, data, opts) -> key | nil, reason: gg.ensemble_key's answer, or the
  stand-in's (nil, "no ensemble kernel") when the C side offers none. A key function that
  raises leaves the epoch to run solo (gg.train_epoch then gives the error). ]]
function M.key(model, optimizer, data, opts)
  local f = gg.ensemble_key
  if type(f) ~= "function" then return nil, "no ensemble kernel" end
  local ok, key, reason = pcall(f, model, optimizer, data, opts)
  if not ok then return nil, "key error" end
  if key == nil then return nil, type(reason) == "string" and reason or "no key" end
  return key
end

--[[ M.HOOK: the "epoch" hook a lane registers around its run. Outside a lane's own
  coroutine (a script's coroutine, or no scheduler), or under another "epoch" hook, it lets
  the epoch run as it is; so does a call that cannot yield (gg.train called from a C
  function, e.g. a table.sort comparator). ]]
M.HOOK = { epoch = function(run_epoch, model, optimizer, data, opts)
  local lane = current
  if not lane or coroutine.running() ~= lane.co or not coroutine.isyieldable() or hooks.count("epoch") > 1 then
    return run_epoch(model, optimizer, data, opts)
  end
  lane.epochs = lane.epochs + 1
  local key, reason = M.key(model, optimizer, data, opts)
  if key == nil then
    lane.reason = lane.reason or reason
    return run_epoch(model, optimizer, data, opts)
  end
  lane.keyed = true
  local answer = coroutine.yield(REQUEST, key, { model, optimizer, data, opts })
  if answer == SOLO then return run_epoch(model, optimizer, data, opts) end
  return table.unpack(answer, 1, answer.n or 4)
end }

-- M.clock() -> the running lane's own seconds (see the header), or gg.clock().
function M.clock()
  local lane = current
  if not lane then return gg.clock() end
  return lane.own + (gg.clock() - lane.t_in)
end

-- ---- switching ----

local function switch_in(lane, opts)
  hooks.swap(lane.stack)
  gg.set_rng_state(lane.rng)
  gg.set_flush_denormal(lane.flush)
  if lane.log and gg.proc then
    io.stdout:flush()
    assert(gg.proc.redirect(lane.log, lane.log_started and "a" or "w"))
    lane.log_started = true
  end
  if opts.enter then opts.enter(lane) end
  current = lane
  lane.t_in = gg.clock()
end

local function switch_out(lane, opts)
  lane.own = lane.own + (gg.clock() - lane.t_in)
  current = nil
  if opts.leave then opts.leave(lane) end
  if lane.log then io.stdout:flush() end
  lane.stack = hooks.swap(lane.caller_stack)
  lane.rng = gg.get_rng_state()
  lane.flush = gg.flush_denormal()
end

-- Resume lane with answer; sets lane.request (it yielded one) or lane.finished.
local function resume(lane, answer, opts)
  switch_in(lane, opts)
  local ok, tag, key, call = coroutine.resume(lane.co, answer)
  switch_out(lane, opts)
  if not ok then
    lane.finished, lane.error = true, tag
  elseif coroutine.status(lane.co) == "dead" then
    lane.finished, lane.result = true, tag
  elseif tag == REQUEST then
    lane.request = { key = key, call = call }
  else
    -- fn yielded on its own (not inside a coroutine of its own): not ours to interpret.
    lane.finished, lane.error = true, "coroutine.yield outside a coroutine (the run yielded to the runner)"
  end
end

-- The calls of a group, with each lane's default generator as an explicit stream where the
-- call would draw from the default one; after(i) writes it back.
local function group_calls(group)
  local calls, streams = {}, {}
  for i, lane in ipairs(group) do
    local c = lane.request.call
    local o = c[4]
    if type(o) == "table" and o.seed == nil and o.rng == nil then
      local r = gg.rng(0)
      r:set_state(lane.rng)
      local copy = {}
      for k, v in pairs(o) do copy[k] = v end
      copy.rng = r
      o, streams[i] = copy, r
    end
    calls[i] = { c[1], c[2], c[3], o }
  end
  return calls, function()
    for i, lane in ipairs(group) do
      if streams[i] then lane.rng = streams[i]:get_state() end
    end
  end
end

-- One group's ensemble call, under the lanes' flush-to-zero setting (requests are grouped
-- by key and that setting).
local function dispatch(group, stats)
  local calls, after = group_calls(group)
  local flush = gg.flush_denormal()
  gg.set_flush_denormal(group[1].flush)
  local t0 = gg.clock()
  local ok, results = pcall(gg.train_epoch_ensemble, calls)
  local share = (gg.clock() - t0) / #group
  gg.set_flush_denormal(flush)
  if not ok or type(results) ~= "table" then
    for _, lane in ipairs(group) do
      lane.answer, lane.failed_group = SOLO, true
      lane.own = lane.own + share
    end
    return
  end
  after()
  stats.calls = stats.calls + 1
  stats.grouped = stats.grouped + #group
  for i, lane in ipairs(group) do
    lane.answer = results[i]
    lane.own = lane.own + share
    lane.grouped = lane.grouped + 1
  end
end

--[[ run(lanes, opts) -> stats; see the header. opts: enter, leave (functions of the lane),
  ensemble = false (every request answered solo, for tests of the machinery), stop_on_error
  (once a lane's fn raised, the lanes not finished are not resumed again: lane.aborted). ]]
function M.run(lanes, opts)
  opts = opts or {}
  local stats = { calls = 0, epochs = 0, grouped = 0, keyed = 0 }
  local caller = { stack = hooks.swap(nil), rng = gg.get_rng_state(), flush = gg.flush_denormal() }
  hooks.swap(caller.stack)
  for _, lane in ipairs(lanes) do
    local stack = {}
    for i, h in ipairs(caller.stack) do stack[i] = h end
    lane.co = coroutine.create(lane.fn)
    lane.stack, lane.rng, lane.flush, lane.caller_stack = stack, caller.rng, caller.flush, caller.stack
    lane.own, lane.epochs, lane.grouped, lane.keyed = 0, 0, 0, false
    lane.finished, lane.request, lane.answer = false, nil, nil
  end
  local live = {}
  for i, lane in ipairs(lanes) do live[i] = lane end
  local stop = false
  local ok, err = pcall(function()
    while #live > 0 do
      local still = {}
      for _, lane in ipairs(live) do
        local answer = lane.answer
        lane.request, lane.answer = nil, nil
        if stop then
          lane.finished, lane.aborted = true, true
        else
          resume(lane, answer, opts)
          if lane.error ~= nil and opts.stop_on_error then stop = true end
        end
        if not lane.finished then still[#still + 1] = lane end
      end
      live = still
      local groups, order = {}, {}
      for _, lane in ipairs(live) do
        local key = tostring(lane.request.key) .. (lane.flush and "\0ftz" or "")
        stats.epochs = stats.epochs + 1
        if not groups[key] then groups[key], order[#order + 1] = {}, key end
        local g = groups[key]
        g[#g + 1] = lane
      end
      for _, key in ipairs(order) do
        local g = groups[key]
        if #g == 1 or opts.ensemble == false then
          for _, lane in ipairs(g) do lane.answer = SOLO end
        else
          dispatch(g, stats)
        end
      end
    end
  end)
  current = nil
  hooks.swap(caller.stack)
  gg.set_rng_state(caller.rng)
  gg.set_flush_denormal(caller.flush)
  if not ok then error(err, 0) end
  for _, lane in ipairs(lanes) do
    lane.wall = lane.own
    if lane.keyed then stats.keyed = stats.keyed + 1 end
    if lane.grouped > 0 then
      lane.ran = "ensemble"
    else
      lane.ran = "solo"
      if lane.reason == nil then
        if lane.failed_group then lane.reason = "ensemble error"
        elseif lane.epochs == 0 then lane.reason = "no gg.train epochs"
        else lane.reason = "alone" end
      end
    end
    lane.co, lane.stack, lane.caller_stack, lane.request, lane.answer = nil, nil, nil, nil, nil
  end
  return stats
end

return M
