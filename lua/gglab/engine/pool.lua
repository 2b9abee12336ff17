--[[ lua/gglab/engine/pool.lua — the parallel engine: run tasks in persistent worker processes.

  local pool = require "gglab.engine.pool"
  local stats = pool.run(tasks, {
    work    = function(task) ... end,        -- required; runs IN A WORKER; may raise; may
                                             -- return a one-line note (outcome.note)
    on_done = function(task, outcome) end,   -- parent, in completion order, once per task
    on_tick = function(running, done, active, since) end, -- parent, about every 0.25 s
    jobs    = 2,       -- worker processes (default gg.proc.nproc(); never more than #tasks)
    timeout = nil,     -- seconds per task (from dispatch), or nil; or a function (below)
    memory  = nil,     -- bytes of address space per worker (RLIMIT_AS), or nil
    log_dir = nil,     -- if set, a task's stdout+stderr go to log_dir/<task.id><log_suffix>
                       -- (a log that stays empty may be gone after the task: outcome.log_held)
    log_suffix = nil,  -- the log files' suffix (default ".log")
    pin     = nil,     -- true: pin worker k to the k-th allowed CPU; nil: GGLAB_PIN=1 in the env
  })
  -- stats = { done = <tasks reported to on_done>, interrupted = <boolean> }

  on_tick's active is the list of the tasks running now and since[k] the gg.clock() time
  active[k] was dispatched (so the caller can tell how long each has been running).

  A task with a numeric field weight (the runner's ensemble groups: the number of runs in
  it) gets weight x the limit.

  timeout as a function: the limit may change while the pool runs (the runner's automatic
  timeout grows with the runs' median time). The pool calls timeout() whenever it checks
  deadlines (after each message and tick) and gets seconds (> 0) or nil (no limit now)
  and, optionally, the reason a task killed at that limit fails with (default
  "timeout after <seconds>s"). A task is killed once now >= its dispatch + the limit
  returned last.

  tasks is a list, not to be changed during the call (the workers hold their copy from
  fork time); pool.run only reads #tasks and, with log_dir, task.id. Tasks are
  dispatched in list order (lowest index first), one per worker at a time, and complete
  in any order. outcome is { ok = true, wall_s = W, note = N } (N: the string work returned,
  at most 4000 bytes, or nil) or { ok = false, reason = R, wall_s = W }, either with
  log_held = true when (log_dir) the task's log stayed empty and its worker kept it: the
  worker renames it to its next task's log, and pool.run removes it if there is none, so
  the caller leaves that file alone (it is gone or empty in any case);
  W the seconds from the task's dispatch to its end as the parent saw it, R one of
    "error: <first line>"                  work() raised (safety net: work should record
                                           its own failures)
    "out of memory (RLIMIT_AS 64 MiB)"     work() raised "not enough memory" (Lua) or
                                           "out of memory ..." (core); "out of memory"
                                           without a cap. Under a cap a SIGABRT reads
                                           "out of memory (RLIMIT_AS 64 MiB): aborted (SIGABRT)"
    "timeout after 5s"                     the worker was SIGKILLed at the deadline (a
                                           timeout function's own reason instead, if it
                                           gave one)
    "segmentation fault (SIGSEGV)", "killed (SIGKILL)", "exit 3", ...
                                           the worker died or exited during the task
  A worker that died is replaced by a fresh one (after an out-of-memory error too); the
  other tasks go on.

  Workers are forked by pool.run itself, so they see the caller's state at that moment:
  the loaded script, its closures, the task list. Each worker keeps the parent's allowed
  CPU set (another gglab run on the machine may use the same CPUs: the kernel balances
  them); only with pin (or GGLAB_PIN=1) is worker k pinned to the k-th allowed CPU, round
  robin, for a machine known to be free. Each has SIGINT ignored (the parent
  decides), no core dumps, line-buffered stdout, and dies with the parent (PDEATHSIG).
  After each task it flushes io.stdout. It never returns into the caller's code: it ends
  with gg.proc._exit.

  Interruption: pool.run catches SIGINT and SIGTERM while it runs (restoring the previous
  disposition on return; a foreign handler comes back as the default). When one arrives
  (gg.proc.interrupted()), it stops dispatching, SIGTERMs the workers still running
  tasks (SIGKILL after 1 s), reaps every worker, reports the tasks whose completion
  message had already arrived, and returns interrupted = true; the interrupted tasks are
  not reported. A worker killed by SIGINT, SIGTERM or SIGHUP from outside (kill of the
  process group, scancel) is treated the same way. The flag stays set for the caller;
  gg.proc.interrupted(true) clears it (pool.run returns at once while it is set).

  Errors: bad options raise "gglab.pool.run: ..."; an error raised by on_done or on_tick
  kills and reaps every worker, then propagates. The parent never blocks without a
  limit, and no child is left unreaped. ]]

local gg = require "gglab"
local args = require "gglab.lib.args"
local first_line = require("gglab.lib.util").first_line
local describe = args.describe

local proc = gg.proc

local M = {}

local TICK = 0.25       -- seconds between on_tick calls and liveness checks
local GRACE = 1.0       -- seconds a worker gets to exit before SIGKILL
local MAX_TEXT = 4000   -- bytes of an error message sent back to the parent
local MAX_JOBS = 1024

local ALLOWED = { "jobs", "log_dir", "log_suffix", "memory", "on_done", "on_tick", "pin", "timeout", "work" }

-- Signals that mean "stop the sweep" when they kill a worker, rather than a failed run.
local STOP_SIGNALS = { SIGINT = true, SIGTERM = true, SIGHUP = true }

-- ---- helpers ----

-- Raised from check_run (level 4: fail <- check_run <- M.run <- the caller's line).
local function fail(msg)
  error("gglab.pool.run: " .. msg, 4)
end

-- "64 MiB", "1.5 GiB"
local function format_bytes(n)
  if n >= 2 ^ 30 and n % 2 ^ 27 == 0 then return string.format("%g GiB", n / 2 ^ 30) end
  return string.format("%g MiB", math.floor(n / 2 ^ 20 * 10 + 0.5) / 10)
end

local function vm_size()
  local f = io.open("/proc/self/status", "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local kb = text:match("VmSize:%s*(%d+) kB")
  return kb and tonumber(kb) * 1024
end

local function check_run(tasks, opts)
  if type(tasks) ~= "table" then fail("tasks must be a list, got " .. describe(tasks)) end
  if type(opts) ~= "table" then fail("options must be a table, got " .. describe(opts)) end
  args.check_options("gglab.pool.run", opts, ALLOWED, 3)
  if type(opts.work) ~= "function" then fail("work must be a function, got " .. describe(opts.work)) end
  for _, k in ipairs { "on_done", "on_tick" } do
    if opts[k] ~= nil and type(opts[k]) ~= "function" then
      fail(k .. " must be a function or nil, got " .. describe(opts[k]))
    end
  end
  local jobs = opts.jobs
  if jobs ~= nil and not (type(jobs) == "number" and math.tointeger(jobs) and jobs >= 1 and jobs <= MAX_JOBS) then
    fail("jobs must be an integer in 1.." .. MAX_JOBS .. ", got " .. describe(jobs))
  end
  local t = opts.timeout
  if t ~= nil and type(t) ~= "function" and not (type(t) == "number" and t > 0 and t < math.huge) then
    fail("timeout must be a positive number of seconds, a function or nil, got " .. describe(t))
  end
  local suffix = opts.log_suffix
  if suffix ~= nil and not (type(suffix) == "string" and suffix:match("^[%w_.-]*$")) then
    fail("log_suffix must be a file name suffix (letters, digits, '_', '.', '-') or nil, got "
      .. describe(suffix))
  end
  if opts.pin ~= nil and type(opts.pin) ~= "boolean" then
    fail("pin must be a boolean or nil, got " .. describe(opts.pin))
  end
  local m = opts.memory
  if m ~= nil and not (type(m) == "number" and math.tointeger(m) and m > 0) then
    fail("memory must be a positive integer (bytes) or nil, got " .. describe(m))
  end
  if m ~= nil then
    local size = vm_size()
    if size and m <= size then
      fail(string.format("memory %s is below the %s of address space a worker starts with",
        format_bytes(m), format_bytes(size)))
    end
  end
  if opts.log_dir ~= nil then
    if type(opts.log_dir) ~= "string" then fail("log_dir must be a string or nil, got " .. describe(opts.log_dir)) end
    for i, task in ipairs(tasks) do
      local id = type(task) == "table" and task.id
      if not (type(id) == "string" and id:match("^[%w_.-]+$") or math.type(id) == "integer") then
        fail(string.format("with log_dir every task needs an id (a file name), task %d has %s", i, describe(id)))
      end
    end
  end
end

-- ---- the worker side (runs in the forked child, never returns) ----

local function memory_reason(memory)
  return memory and ("out of memory (RLIMIT_AS " .. format_bytes(memory) .. ")") or "out of memory"
end

local function error_text(err)
  local ok, text = pcall(tostring, err)
  if not ok or type(text) ~= "string" then text = "(error object is a " .. type(err) .. " value)" end
  text = first_line(text)
  if #text > MAX_TEXT then text = text:sub(1, MAX_TEXT) .. "..." end
  return text
end

-- The log file of task (log_dir/<task.id><log_suffix>).
local function log_path(opts, task)
  return opts.log_dir .. "/" .. tostring(task.id) .. (opts.log_suffix or ".log")
end

--[[ Messages: parent -> worker "<index>"; worker -> parent "<index>[h]\tok[\t<note>]" |
  "<index>[h]\terror\t<first line>" | "<index>[h]\toom\t<first line>".
  "h" (log_dir only): the task's log stayed empty and the worker still writes to it (the
  task did not point its output elsewhere). The worker then renames that file to the next
  task's log instead of creating a file per task and removing the empty ones (on ext4,
  every removed file makes later creations in the folder slower for minutes); the parent
  leaves it alone and removes it if the worker ends without another task (drop_held). ]]
local function worker_loop(fd, tasks, opts)
  local held  -- the log of this worker's last task while it is empty and still written to
  while true do
    local msg = proc.recv(fd)
    if not msg then return end            -- the parent closed its end: quit
    local i = math.tointeger(tonumber(msg))
    local task = tasks[i]
    local ok, err = true, nil
    local path
    if opts.log_dir then
      path = log_path(opts, task)
      -- (Nothing wrote to held since it was found empty: this worker was waiting.)
      if not (held and gg.fs.rename(held, path)) then
        ok, err = proc.redirect(path)
        if not ok then err, path = "cannot write log: " .. tostring(err), nil end
      end
      held = nil
    end
    local note
    if ok then ok, err = pcall(opts.work, task) end
    if ok then note = err end
    io.stdout:flush()
    if path and proc.output_size(path) == 0 then held = path end
    local reply, recycle
    local head = i .. (held and "h" or "")
    if ok then
      reply = head .. "\tok"
      if type(note) == "string" and note ~= "" and #note <= MAX_TEXT then reply = reply .. "\t" .. note end
    else
      local text = error_text(err)
      if text:find("not enough memory", 1, true) or text:find("out of memory", 1, true) then
        -- A fresh worker starts with a clean heap; this one may be fragmented.
        reply, recycle = head .. "\toom\t" .. text, true
      else
        reply = head .. "\terror\t" .. text
      end
    end
    if not proc.send(fd, reply) or recycle then return end
  end
end

local function worker_main(state, slot, fd, pfd)
  proc.close(pfd)
  for _, s in ipairs(state.slots) do
    if s.fd then proc.close(s.fd) end     -- the parent's ends: ours and the other workers'
  end
  proc.signal("INT", "ignore")
  if slot.cpu then proc.setaffinity(slot.cpu) end -- may fail in a restricted cpuset: not fatal
  proc.setrlimit("core", 0)
  if state.opts.memory then assert(proc.setrlimit("as", math.tointeger(state.opts.memory))) end
  io.stdout:setvbuf("line")
  worker_loop(fd, state.tasks, state.opts)
end

-- ---- the parent side ----

local function start_worker(state, slot)
  local pfd, cfd = proc.socketpair()
  if not pfd then error("gglab.pool.run: " .. cfd, 0) end
  local pid, msg = proc.fork()
  if not pid then
    proc.close(pfd)
    proc.close(cfd)
    error("gglab.pool.run: " .. msg, 0)
  end
  if pid == 0 then
    local ok, err = pcall(worker_main, state, slot, cfd, pfd)
    if not ok then pcall(io.stderr.write, io.stderr, "gglab worker: ", error_text(err), "\n") end
    pcall(io.stdout.flush, io.stdout)
    proc._exit(ok and 0 or 70)
  end
  proc.close(cfd)
  slot.pid, slot.fd, slot.task = pid, pfd, nil
end

-- Waits for pid until deadline (a gg.clock() time), then SIGKILLs it and waits for good.
-- Returns reason, exit code, signal name (reason "lost" if it was reaped elsewhere).
local function reap(pid, deadline)
  while true do
    local p, reason, code, sig = proc.waitpid(pid, true)
    if p then return reason, code, sig end
    if p == nil then return "lost" end
    if gg.clock() >= deadline then
      proc.kill(pid, "KILL")
      p, reason, code, sig = proc.waitpid(pid)
      if p then return reason, code, sig end
      return "lost"
    end
    proc.poll({}, 1)
  end
end

-- Reports task i of slot (dispatched at slot.t0) to on_done.
local function report(state, slot, i, outcome)
  outcome.wall_s = gg.clock() - slot.t0
  state.done = state.done + 1
  if state.opts.on_done then state.opts.on_done(state.tasks[i], outcome) end
end

-- A completion message from slot's worker for its current task; false when msg is not one.
-- outcome.log_held: the worker keeps the task's (empty) log for its next task (worker_loop).
local function complete(state, slot, msg)
  local i, h, status, text = msg:match("^(%d+)(h?)\t(%a+)\t?(.*)$")
  i = math.tointeger(tonumber(i))
  if not i or i ~= slot.task then return false end
  slot.task = nil
  local held = h == "h" and state.opts.log_dir ~= nil or nil
  -- Without "h" the worker renamed the log it held (if any) for this task, or lost it.
  slot.held = held and log_path(state.opts, state.tasks[i]) or nil
  if status == "ok" then
    report(state, slot, i, { ok = true, note = text ~= "" and text or nil, log_held = held })
  elseif status == "oom" then
    slot.recycle = true
    report(state, slot, i, { ok = false, reason = memory_reason(state.opts.memory), log_held = held })
  else
    report(state, slot, i, { ok = false, reason = "error: " .. text, log_held = held })
  end
  return true
end

-- After slot's worker is gone: the log it held (the empty log of its last task, which it
-- would have renamed for the next one) is removed, if it is still there and empty.
local function drop_held(slot)
  local path = slot.held
  slot.held = nil
  if not path then return end
  local f = io.open(path, "rb")
  if not f then return end
  local size = f:seek("end")
  f:close()
  if size == 0 then os.remove(path) end
end

local function death_reason(state, reason, sig)
  if sig == "SIGABRT" and state.opts.memory then
    return memory_reason(state.opts.memory) .. ": " .. reason
  end
  return reason
end

--[[ Settles slot whose worker has been reaped (wait result reason, sig): takes any
  completion message it sent before dying, closes our end, and settles its task:
  `override` (the timeout reason) or the decoded way it died. Death by a stop signal
  interrupts the pool instead of failing the task. ]]
local function settle(state, slot, reason, sig, override)
  while slot.task do
    local msg = proc.recv(slot.fd, true)
    if not msg or not complete(state, slot, msg) then break end
  end
  proc.close(slot.fd)
  slot.pid, slot.fd, slot.recycle = nil, nil, nil
  drop_held(slot)
  local i = slot.task
  if not i then return end
  slot.task = nil
  if override then
    report(state, slot, i, { ok = false, reason = override })
  elseif STOP_SIGNALS[sig] then
    state.interrupted = true
  else
    report(state, slot, i, { ok = false, reason = death_reason(state, reason, sig) })
  end
end

-- The worker of slot is gone or going (EOF, killed at its deadline, to be recycled).
local function retire(state, slot, deadline, override)
  local reason, _, sig = reap(slot.pid, deadline)
  settle(state, slot, reason, sig, override)
end

local function dispatch(state)
  for _, slot in ipairs(state.slots) do
    if state.next > state.n then return end
    if not slot.task then
      if slot.recycle then retire(state, slot, gg.clock() + GRACE) end
      local fresh = not slot.pid
      if fresh then start_worker(state, slot) end
      local i = state.next
      slot.task, slot.t0 = i, gg.clock()
      state.next = i + 1
      if not proc.send(slot.fd, tostring(i)) then
        if not fresh then
          -- An idle worker died (killed from outside): not this task's fault; retry it
          -- on a fresh worker next round.
          slot.task, state.next = nil, i
        end
        -- A fresh worker that cannot take a task fails it with its cause of death, so
        -- a worker dying at start cannot make the pool loop forever.
        retire(state, slot, gg.clock() + GRACE)
      end
    end
  end
end

local function busy_slots(state)
  local fds, by_fd, n = {}, {}, 0
  for _, slot in ipairs(state.slots) do
    if slot.task then
      n = n + 1
      fds[n], by_fd[slot.fd] = slot.fd, slot
    end
  end
  return fds, by_fd, n
end

local function tick(state, now)
  -- Liveness: a worker can die without closing the socket we poll (a grandchild of it
  -- may hold a copy), so ask the kernel directly.
  for _, slot in ipairs(state.slots) do
    if slot.task then
      local pid, reason, _, sig = proc.waitpid(slot.pid, true)
      if pid ~= false then settle(state, slot, pid and reason or "lost", sig) end
    end
  end
  if state.opts.on_tick then
    local active, since = {}, {}
    for _, slot in ipairs(state.slots) do
      if slot.task then
        active[#active + 1] = state.tasks[slot.task]
        since[#active] = slot.t0
      end
    end
    state.opts.on_tick(#active, state.done, active, since)
  end
  state.next_tick = now + TICK
end

-- The current per-task limit in seconds (nil: none) and the reason a task killed at it fails with.
-- The limit of the task slot runs: timeout x its weight.
local function limit_of(state, slot, timeout)
  local w = state.tasks[slot.task].weight
  return type(w) == "number" and w > 0 and timeout * w or timeout
end

local function current_timeout(state)
  local t = state.opts.timeout
  if type(t) ~= "function" then return t, t and ("timeout after " .. gg.fmt_number(t) .. "s") end
  local limit, why = t()
  if limit ~= nil and not (type(limit) == "number" and limit > 0) then
    error("gglab.pool.run: timeout() must return a positive number of seconds or nil, got "
      .. describe(limit), 0)
  end
  if limit and limit == math.huge then limit = nil end
  return limit, limit and (why or ("timeout after " .. gg.fmt_number(limit) .. "s"))
end

local function loop(state)
  while true do
    if state.interrupted or proc.interrupted() then
      state.interrupted = true
      return
    end
    dispatch(state)
    local fds, by_fd, n = busy_slots(state)
    if n == 0 and state.next > state.n then return end
    local now = gg.clock()
    local wake = state.next_tick
    local timeout, why = current_timeout(state)
    if timeout then
      for _, slot in ipairs(state.slots) do
        if slot.task and slot.t0 + limit_of(state, slot, timeout) < wake then
          wake = slot.t0 + limit_of(state, slot, timeout)
        end
      end
    end
    local ready, msg = proc.poll(fds, math.max(0, (wake - now) * 1000))
    if not ready then error("gglab.pool.run: " .. msg, 0) end
    for _, fd in ipairs(ready) do
      local slot = by_fd[fd]
      local msg = proc.recv(fd, true)
      if msg then
        if not complete(state, slot, msg) then
          proc.kill(slot.pid, "KILL")
          retire(state, slot, gg.clock() + GRACE, "worker protocol error: " .. error_text(msg))
        end
      elseif msg == nil then
        retire(state, slot, gg.clock() + GRACE)
      end
    end
    if state.interrupted then return end
    now = gg.clock()
    timeout, why = current_timeout(state)  -- on_done may have changed it
    if timeout then
      for _, slot in ipairs(state.slots) do
        if slot.task and now >= slot.t0 + limit_of(state, slot, timeout) then
          proc.kill(slot.pid, "KILL")
          retire(state, slot, now + GRACE, why)
        end
      end
    end
    if now >= state.next_tick then tick(state, now) end
  end
end

--[[ Stops every worker and reaps it. report = true (normal end or interruption):
  running tasks get SIGTERM, completion messages that arrived are reported. report =
  false (an error is propagating): SIGKILL, nothing reported. ]]
local function shutdown(state, report_done)
  for _, slot in ipairs(state.slots) do
    if slot.pid then
      if slot.task then proc.kill(slot.pid, report_done and "TERM" or "KILL") end
    end
  end
  local deadline = gg.clock() + GRACE
  for _, slot in ipairs(state.slots) do
    if slot.pid then
      if not slot.task then
        proc.close(slot.fd)             -- an idle worker sees EOF and exits
        slot.fd = nil
      end
      reap(slot.pid, deadline)
      slot.pid = nil
    end
  end
  for _, slot in ipairs(state.slots) do
    if slot.fd then
      while report_done and slot.task do
        local msg = proc.recv(slot.fd, true)
        if not msg or not complete(state, slot, msg) then break end
      end
      proc.close(slot.fd)
      slot.fd, slot.task = nil, nil
    end
  end
  for _, slot in ipairs(state.slots) do drop_held(slot) end
end

-- Last resort after a failed shutdown: SIGKILL and reap whatever is left.
local function kill_all(state)
  for _, slot in ipairs(state.slots) do
    if slot.pid then
      proc.kill(slot.pid, "KILL")
      proc.waitpid(slot.pid)
      slot.pid = nil
    end
    if slot.fd then
      proc.close(slot.fd)
      slot.fd = nil
    end
    pcall(drop_held, slot)
  end
end

-- pool.run(tasks, opts) -> { done = n, interrupted = bool }; see the top of this file.
function M.run(tasks, opts)
  check_run(tasks, opts)
  if opts.log_dir then
    local ok, msg = gg.fs.mkdir(opts.log_dir)
    if not ok then error("gglab.pool.run: " .. msg, 2) end
  end
  local cpus = proc.cpus()
  local pin = opts.pin
  if pin == nil then pin = os.getenv("GGLAB_PIN") == "1" end
  local jobs = math.min(math.tointeger(opts.jobs) or proc.nproc(), math.max(#tasks, 1))
  local state = { tasks = tasks, n = #tasks, opts = opts, slots = {}, next = 1, done = 0,
    interrupted = false, next_tick = gg.clock() + TICK }
  for k = 1, jobs do
    state.slots[k] = { cpu = pin and cpus[(k - 1) % #cpus + 1] or nil }
  end
  local prev_int = proc.signal("INT", "catch")
  local prev_term = proc.signal("TERM", "catch")
  local ok, err = pcall(loop, state)
  local ok2, err2 = pcall(shutdown, state, ok)
  if not ok2 then kill_all(state) end
  -- A signal after the last task completed interrupts nothing (the flag stays set).
  if proc.interrupted() and state.done < state.n then state.interrupted = true end
  proc.signal("INT", prev_int == "other" and "default" or prev_int)
  proc.signal("TERM", prev_term == "other" and "default" or prev_term)
  if not ok then error(err, 0) end
  if not ok2 then error(err2, 0) end
  return { done = state.done, interrupted = state.interrupted }
end

return M
