-- tests/lua/test_pool.lua — gglab.engine.pool: persistent workers, failure reasons, timeouts,
-- memory caps, interruption, no zombies, per-task overhead.
local T = require "check"
local read = T.slurp
local gg = require "gglab"
local pool = require "gglab.engine.pool"
local proc = gg.proc

local TMP = os.getenv("TMPDIR") or "/tmp"
local dir = string.format("%s/gglab_test_pool_%d", TMP, proc.getpid())
assert(gg.fs.mkdir(dir))

local function vm_size()
  local f = assert(io.open("/proc/self/status"))
  local kb = f:read("a"):match("VmSize:%s*(%d+) kB")
  f:close()
  return tonumber(kb) * 1024
end
local SANITIZED = vm_size() > 2 ^ 40   -- ASan's shadow memory: RLIMIT_AS is meaningless

local function make_tasks(n)
  local tasks = {}
  for i = 1, n do tasks[i] = { id = string.format("t%03d", i), n = i } end
  return tasks
end

-- No child of this process is left, running or zombie.
local function no_children()
  local p = proc.waitpid(-1, true)
  return p == nil
end

-- Runs the pool, collecting outcomes by task id (without wall_s: in walls[id]) and the
-- order of completion.
local walls = {}
local function run(tasks, opts)
  local outcomes, order, calls = {}, {}, 0
  local user_done = opts.on_done
  opts.on_done = function(task, outcome)
    walls[task.id] = outcome.wall_s
    outcome.wall_s = nil
    calls = calls + 1
    if outcomes[task.id] then outcomes[task.id].twice = true end
    outcomes[task.id] = outcome
    order[#order + 1] = task.n
    if user_done then user_done(task, outcome) end
  end
  local t0 = gg.clock()
  local stats = pool.run(tasks, opts)
  return stats, outcomes, order, calls, gg.clock() - t0
end

-- ---- every task exactly once; results independent of jobs ----

local function results_with(jobs)
  local out = string.format("%s/results_j%d", dir, jobs)
  assert(gg.fs.mkdir(out))
  local tasks = make_tasks(60)
  local secret = { salt = "closure-" }       -- an upvalue: workers are forked after this exists
  local stats, outcomes, order, calls = run(tasks, { jobs = jobs, work = function(task)
    local f = assert(io.open(out .. "/" .. task.id .. ".txt", "w"))
    local x = 0
    for k = 1, 1000 * task.n do x = (x * 31 + k) % 1000003 end
    f:write(secret.salt, task.id, " ", x, "\n")
    f:close()
  end })
  local files = {}
  for _, t in ipairs(tasks) do files[t.id] = read(out .. "/" .. t.id .. ".txt") end
  return stats, outcomes, order, calls, files
end

local j1_files
for _, jobs in ipairs { 1, 2, 3 } do
  local stats, outcomes, order, calls, files = results_with(jobs)
  j1_files = j1_files or files
  T.eq("j" .. jobs .. ": stats", stats, { done = 60, interrupted = false })
  T.eq("j" .. jobs .. ": on_done calls", calls, 60)
  local all_ok, once = true, true
  for i = 1, 60 do
    local o = outcomes[string.format("t%03d", i)]
    all_ok = all_ok and o ~= nil and o.ok == true and o.reason == nil
    once = once and (o == nil or not o.twice)
  end
  T.ok("j" .. jobs .. ": every task ok", all_ok)
  T.ok("j" .. jobs .. ": every task reported once", once)
  if jobs == 1 then
    local in_order = true
    for i = 1, 60 do in_order = in_order and order[i] == i end
    T.ok("j1: tasks run in list order", in_order)
  end
  T.ok("j" .. jobs .. ": no zombies", no_children())
  T.eq("j" .. jobs .. ": files identical to j1", files, j1_files)
end
T.eq("file content", read(dir .. "/results_j2/t007.txt"):match("^closure%-t007 %d+\n$") ~= nil, true)

-- Dispatch order with 2 workers: when task k starts, tasks 1..k-1 were all dispatched
-- before it and at most one other is in flight, so at least k-2 of them have finished.
do
  local marks = dir .. "/marks"
  assert(gg.fs.mkdir(marks))
  run(make_tasks(20), { jobs = 2, work = function(task)
    local finished = 0
    for j = 1, task.n - 1 do
      if gg.fs.exists(string.format("%s/t%03d.done", marks, j)) then finished = finished + 1 end
    end
    proc.poll({}, (task.n % 3) * 2)          -- uneven lengths
    local f = assert(io.open(marks .. "/" .. task.id .. ".done", "w"))
    f:write(finished)
    f:close()
  end })
  local ordered = true
  for k = 1, 20 do
    local finished = tonumber(read(string.format("%s/t%03d.done", marks, k)))
    ordered = ordered and finished ~= nil and finished >= k - 2
  end
  T.ok("j2: tasks dispatched in list order", ordered)
end

-- ---- failures: segfault, error, exit, timeout ----

do
  local tasks = make_tasks(10)
  local stats, outcomes, _, calls, wall = run(tasks, { jobs = 2, timeout = 0.5, work = function(task)
    if task.n == 2 then
      proc.signal("SEGV", "default")   -- under ASan its handler would turn this into exit 1
      proc.kill(proc.getpid(), "SEGV")
    elseif task.n == 3 then
      error("boom at task 3\nstack traceback: ...", 0)
    elseif task.n == 4 then
      while true do end
    elseif task.n == 5 then
      os.exit(3)
    elseif task.n == 6 then
      error({ code = 1 })
    elseif task.n == 7 then
      proc.kill(proc.getpid(), "KILL")
    end
  end })
  T.eq("failures: all reported", { stats.done, calls, stats.interrupted }, { 10, 10, false })
  T.eq("segfault reason", outcomes.t002, { ok = false, reason = "segmentation fault (SIGSEGV)" })
  T.eq("error reason: first line", outcomes.t003, { ok = false, reason = "error: boom at task 3" })
  T.eq("timeout reason", outcomes.t004, { ok = false, reason = "timeout after 0.5s" })
  T.eq("exit reason", outcomes.t005, { ok = false, reason = "exit 3" })
  T.ok("non-string error", outcomes.t006 and outcomes.t006.ok == false and outcomes.t006.reason:match("^error: table") ~= nil)
  T.eq("killed reason", outcomes.t007, { ok = false, reason = "killed (SIGKILL)" })
  -- The parent times every task from its dispatch, however it ended (issue 20, bug 9).
  T.ok("timeout: wall_s from dispatch >= the timeout", math.type(walls.t004) == "float" and walls.t004 >= 0.5)
  local walls_ok = true
  for i = 1, 10 do
    local w = walls[string.format("t%03d", i)]
    walls_ok = walls_ok and type(w) == "number" and w >= 0 and w <= wall
  end
  T.ok("every outcome has wall_s in [0, the pool's time]", walls_ok)
  local rest_ok = true
  for _, i in ipairs { 1, 8, 9, 10 } do rest_ok = rest_ok and outcomes[string.format("t%03d", i)].ok end
  T.ok("the other tasks complete", rest_ok)
  -- It returned at all (a task runs forever): the timeout killed it. The time is information
  -- only: make test asserts nothing that depends on the machine's speed.
  print(string.format("timeout: the pool finished in %.2f s (timeout 0.5 s)", wall))
  T.ok("failures: no zombies", no_children())
end

-- ---- memory cap ----

if SANITIZED then
  T.raises("memory cap under ASan is refused", function()
    pool.run(make_tasks(1), { jobs = 1, memory = 64 * 2 ^ 20, work = function() end })
  end, "below the .* of address space a worker starts with")
else
  local stats, outcomes = run(make_tasks(5), { jobs = 1, memory = 64 * 2 ^ 20, work = function(task)
    if task.n == 2 then local s = string.rep("x", 256 * 2 ^ 20 // 1) return #s end
    if task.n == 4 then proc.kill(proc.getpid(), "ABRT") end   -- as a C allocation failure would
    local t = {}
    for k = 1, 1000 do t[k] = k end          -- a small task still fits
  end })
  T.eq("oom: all reported", stats.done, 5)
  T.eq("oom reason", outcomes.t002, { ok = false, reason = "out of memory (RLIMIT_AS 64 MiB)" })
  T.eq("abort under a cap", outcomes.t004,
    { ok = false, reason = "out of memory (RLIMIT_AS 64 MiB): aborted (SIGABRT)" })
  T.ok("oom: the other tasks are ok", outcomes.t001.ok and outcomes.t003.ok and outcomes.t005.ok)
  T.ok("oom: no zombies", no_children())
end
T.raises("memory cap below the starting size", function()
  pool.run(make_tasks(1), { memory = 1024, work = function() end })
end, "gglab.pool.run: memory 0 MiB is below")

-- ---- interruption ----

do -- a task sends SIGINT to the parent
  local stats, outcomes, _, calls = run(make_tasks(200), { jobs = 2, work = function(task)
    if task.n == 20 then proc.kill(proc.getppid(), "INT") end
    proc.poll({}, 5)
  end })
  T.eq("SIGINT: interrupted", stats.interrupted, true)
  T.ok("SIGINT: stopped early", stats.done >= 18 and stats.done < 200)
  T.eq("SIGINT: done counts on_done calls", stats.done, calls)
  local once = true
  for _, o in pairs(outcomes) do once = once and not o.twice and o.ok end
  T.ok("SIGINT: reported tasks ok, once each", once)
  T.ok("SIGINT: no zombies", no_children())
  T.eq("SIGINT: flag left set for the caller", proc.interrupted(true), "SIGINT")
  -- The pool restored the previous disposition (lua5.4's own handler reads as "other" →
  -- default), so catching again works.
  T.ok("SIGINT: handler restored", proc.signal("INT", "default") ~= "catch")
end

do -- a set flag stops a pool before it starts anything
  proc.signal("TERM", "catch")
  proc.kill(proc.getpid(), "TERM")
  local stats, _, _, calls = run(make_tasks(5), { jobs = 2, work = function() end })
  T.eq("pending interruption: nothing run", { stats.done, stats.interrupted, calls }, { 0, true, 0 })
  T.eq("pending interruption: flag", proc.interrupted(true), "SIGTERM")
  proc.signal("TERM", "default")
  T.ok("pending interruption: no zombies", no_children())
end

do -- a worker killed by SIGTERM from outside (kill of the process group): stop, don't fail it
  local stats, outcomes = run(make_tasks(30), { jobs = 2, work = function(task)
    if task.n == 5 then proc.kill(proc.getpid(), "TERM") end
    proc.poll({}, 2)
  end })
  T.eq("worker SIGTERM: interrupted", stats.interrupted, true)
  T.eq("worker SIGTERM: its task not reported", outcomes.t005, nil)
  T.ok("worker SIGTERM: stopped early", stats.done < 30)
  T.ok("worker SIGTERM: no zombies", no_children())
end

do -- a long-running task when the interruption comes: killed, not reported, quickly
  local t0 = gg.clock()
  local stats, outcomes = run(make_tasks(4), { jobs = 2, work = function(task)
    if task.n == 1 then proc.poll({}, 50) proc.kill(proc.getppid(), "INT") end
    if task.n == 2 then while true do end end
  end })
  proc.interrupted(true)
  T.eq("long task: interrupted", stats.interrupted, true)
  T.eq("long task: not reported", outcomes.t002, nil)
  -- It returned although task 2 loops forever: the worker was killed (time: information only).
  print(string.format("long task: shut down in %.2f s", gg.clock() - t0))
  T.ok("long task: no zombies", no_children())
end

do -- kill -9 of the pool's parent: its workers die with it (PR_SET_PDEATHSIG)
  local a, b = assert(proc.socketpair())
  local parent = assert(proc.fork())
  if parent == 0 then
    proc.close(a)
    pcall(pool.run, make_tasks(2), { jobs = 2, work = function()
      proc.send(b, tostring(proc.getpid()))
      while true do proc.poll({}, 1000) end
    end })
    proc._exit(1)
  end
  proc.close(b)
  local workers = {}
  for k = 1, 2 do
    if #proc.poll({ a }, 2000) == 1 then workers[k] = math.tointeger(tonumber(proc.recv(a))) end
  end
  T.eq("kill -9: two workers running", #workers, 2)
  proc.kill(parent, "KILL")
  proc.waitpid(parent)
  local function gone(pid)
    local f = io.open("/proc/" .. pid .. "/stat")
    if not f then return true end
    local st = f:read("a"):match("^%d+ %b() (%a)")
    f:close()
    return st == "Z" or st == "X"     -- dead, waiting for init to reap it
  end
  local t0 = gg.clock()
  -- Waits for PDEATHSIG to take effect; the 60 s give-up only keeps a broken one from hanging.
  while not (gone(workers[1] or 0) and gone(workers[2] or 0)) and gg.clock() - t0 < 60 do proc.poll({}, 5) end
  T.ok("kill -9: workers died with the parent", gone(workers[1] or 0) and gone(workers[2] or 0))
  proc.close(a)
  T.ok("kill -9: no zombies", no_children())
end

-- ---- errors in the parent's callbacks ----

T.raises("on_done error propagates", function()
  pool.run(make_tasks(10), { jobs = 2, work = function() proc.poll({}, 1) end,
    on_done = function(task) if task.n == 3 then error("on_done failed", 0) end end })
end, "^on_done failed$")
T.ok("on_done error: no zombies", no_children())

-- ---- progress ticks ----

do
  local ticks, max_running = 0, 0
  local stats = pool.run(make_tasks(6), { jobs = 2, work = function() proc.poll({}, 200) end,
    on_tick = function(running, done, active)
      ticks = ticks + 1
      max_running = math.max(max_running, running)
      assert(#active == running and done >= 0)
    end })
  T.eq("ticks: done", stats.done, 6)
  T.ok("on_tick called about every 0.25 s", ticks >= 2)
  T.ok("on_tick running <= jobs", max_running >= 1 and max_running <= 2)
end

-- ---- per-task logs; huge output ----

do
  local logs = dir .. "/logs"
  local stats = pool.run(make_tasks(6), { jobs = 2, log_dir = logs, work = function(task)
    print("task " .. task.id)
    if task.n == 3 then io.write(string.rep("y", 8 * 2 ^ 20 // 1)) end  -- 8 MiB to stdout
    io.stderr:write("err " .. task.id .. "\n")
  end })
  T.eq("logs: done", stats.done, 6)
  T.eq("log of task 1", read(logs .. "/t001.log"), "task t001\nerr t001\n")
  T.eq("log of the chatty task", #read(logs .. "/t003.log"), #"task t003\n" + 8 * 2 ^ 20 + #"err t003\n")
  T.ok("logs: no zombies", no_children())
end

-- An empty log is renamed for the worker's next task (no file made and removed per task),
-- and removed at the end; a task that points its output elsewhere keeps its log as it is.
do
  local logs = dir .. "/logs2"
  local held = {}
  local stats = pool.run(make_tasks(7), { jobs = 1, log_dir = logs, work = function(task)
    if task.n == 2 or task.n == 5 then print("task " .. task.id) end
    if task.n == 6 then assert(proc.redirect(logs .. "/elsewhere.txt")) end
  end, on_done = function(task, outcome) held[task.n] = outcome.log_held or false end })
  T.eq("empty logs: done", stats.done, 7)
  T.eq("empty logs: held unless the task printed or redirected",
    held, { true, false, true, true, false, false, true })
  T.eq("empty logs: only the printing tasks' and the redirected task's remain",
    gg.fs.listdir(logs), { "elsewhere.txt", "t002.log", "t005.log", "t006.log" })
  T.eq("empty logs: a log renamed from an empty one holds only its task's lines",
    read(logs .. "/t005.log"), "task t005\n")
  T.eq("empty logs: the redirected task's own log stays empty", read(logs .. "/t006.log"), "")
  T.ok("empty logs: no zombies", no_children())
end

-- ---- option errors ----

T.raises("unknown option", function() pool.run({}, { work = print, job = 2 }) end,
  "gglab.pool.run: unknown option 'job' %(allowed: jobs, log_dir, log_suffix, memory, on_done, on_tick, pin, timeout, work%); did you mean 'jobs'%?")
T.raises("work required", function() pool.run({}, {}) end, "work must be a function, got nil")
T.raises("jobs >= 1", function() pool.run({}, { work = print, jobs = 0 }) end, "jobs must be an integer in 1..1024, got 0")
T.raises("timeout > 0", function() pool.run({}, { work = print, timeout = -1 }) end, "timeout must be a positive number")
T.raises("log_dir needs ids", function() pool.run({ {} }, { work = print, log_dir = dir }) end,
  "task 1 has nil")
T.eq("no tasks", pool.run({}, { work = print }), { done = 0, interrupted = false })

-- ---- CPU affinity (issue 20, bug 10): workers keep the parent's allowed set unless pinned ----

do
  local parent = table.concat(proc.cpus(), ",")
  -- affinity(opts) -> list of the CPU sets (as "0,1") the workers ran tasks with
  local function affinity(opts)
    local adir = dir .. "/affinity"
    os.execute("rm -rf '" .. adir .. "'")
    assert(gg.fs.mkdir(adir))
    opts.work = function(task)
      local f = assert(io.open(adir .. "/" .. task.id, "w"))
      f:write(table.concat(proc.cpus(), ","))
      f:close()
    end
    opts.jobs = 2
    local tasks = make_tasks(4)
    pool.run(tasks, opts)
    local sets = {}
    for i, task in ipairs(tasks) do sets[i] = read(adir .. "/" .. task.id) end
    return sets
  end
  local saved = os.getenv("GGLAB_PIN")
  T.ok("GGLAB_PIN is not set for this test", saved == nil)
  T.eq("default: every worker has the parent's CPU set", affinity {}, { parent, parent, parent, parent })
  T.eq("pin = false: the parent's CPU set", affinity { pin = false }, { parent, parent, parent, parent })
  local pinned = affinity { pin = true }
  local cpus, one, within = proc.cpus(), true, true
  local allowed = {}
  for _, c in ipairs(cpus) do allowed[tostring(c)] = true end
  for _, set in ipairs(pinned) do
    one = one and set:match("^%d+$") ~= nil
    within = within and allowed[set] == true
  end
  T.ok("pin = true: each worker on one CPU", one)
  T.ok("pin = true: CPUs from the allowed set", within)
  if #cpus >= 2 then
    local used = {}
    for _, set in ipairs(pinned) do used[set] = true end
    T.eq("pin = true: two workers on two CPUs", { used[tostring(cpus[1])], used[tostring(cpus[2])] }, { true, true })
  end
  T.raises("pin must be a boolean", function() pool.run({}, { work = print, pin = 1 }) end,
    "pin must be a boolean or nil, got 1")
  T.ok("affinity: no zombies", no_children())
end

-- ---- overhead ----

do
  local tasks = make_tasks(1000)
  local per = {}
  for _, jobs in ipairs { 1, 2 } do
    local t0 = gg.clock()
    local stats = pool.run(tasks, { jobs = jobs, work = function() end, on_done = function() end })
    per[jobs] = (gg.clock() - t0) / #tasks
    T.eq("overhead j" .. jobs .. ": done", stats.done, 1000)
  end
  print(string.format("pool overhead per empty task: %.1f us at -j1, %.1f us at -j2 (1000 tasks, fork included)",
    per[1] * 1e6, per[2] * 1e6))
  T.ok("overhead: no zombies", no_children())
end

os.execute("rm -rf '" .. dir .. "'")
T.done()
