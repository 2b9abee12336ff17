-- tests/lua/test_proc.lua — gg.proc: the process primitives under gglab.engine.pool.
local T = require "check"
local gg = require "gglab"
local proc = gg.proc

local TMP = os.getenv("TMPDIR") or "/tmp"
local dir = string.format("%s/gglab_test_proc_%d", TMP, proc.getpid())
assert(gg.fs.mkdir(dir))

-- Under ASan (make sanitize) the address space is terabytes of shadow: no RLIMIT_AS tests.
local function vm_size()
  local f = assert(io.open("/proc/self/status"))
  local kb = f:read("a"):match("VmSize:%s*(%d+) kB")
  f:close()
  return tonumber(kb) * 1024
end
local SANITIZED = vm_size() > 2 ^ 40

-- Runs fn in a child and returns the child's waitpid results (reason, code, signal).
-- fn's return value is the exit code; a raised error exits 99.
local function in_child(fn)
  local pid = assert(proc.fork())
  if pid == 0 then
    local ok, code = pcall(fn)
    io.stdout:flush()
    proc._exit(ok and (code or 0) or 99)
  end
  local p, reason, code, sig = proc.waitpid(pid)
  assert(p == pid)
  return reason, code, sig
end

-- ---- CPUs, ids ----

local cpus = proc.cpus()
T.ok("nproc >= 1", proc.nproc() >= 1)
T.eq("cpus() has nproc() entries", #cpus, proc.nproc())
local sorted = true
for i = 2, #cpus do sorted = sorted and cpus[i] > cpus[i - 1] end
T.ok("cpus() sorted", sorted and math.type(cpus[1]) == "integer")
T.ok("getpid integer", math.type(proc.getpid()) == "integer" and proc.getpid() > 1)
T.ok("getppid integer", math.type(proc.getppid()) == "integer")

-- ---- fork, waitpid, kill ----

T.eq("exit code", { in_child(function() return 3 end) }, { "exit 3", 3 })
T.eq("exit 0", { in_child(function() return 0 end) }, { "exit 0", 0 })
-- ASan catches SIGSEGV itself (and exits 1); the default action is what a pool worker without
-- a sanitizer gets.
T.eq("segfault decoded", { in_child(function()
  proc.signal("SEGV", "default")
  proc.kill(proc.getpid(), "SEGV")
end) }, { "segmentation fault (SIGSEGV)", nil, "SIGSEGV" })
T.eq("abort decoded", { in_child(function() proc.kill(proc.getpid(), "SIGABRT") end) },
  { "aborted (SIGABRT)", nil, "SIGABRT" })
T.eq("numeric signal", { in_child(function() proc.kill(proc.getpid(), 9) end) },
  { "killed (SIGKILL)", nil, "SIGKILL" })

do -- nonblocking wait on a running child, then SIGTERM
  local a, b = assert(proc.socketpair())
  local pid = assert(proc.fork())
  if pid == 0 then
    proc.close(a)
    proc.recv(b)           -- blocks until the parent ends it
    proc._exit(0)
  end
  proc.close(b)
  T.eq("waitpid nohang on a running child", proc.waitpid(pid, true), false)
  T.eq("kill(pid, 0) on a live child", proc.kill(pid, 0), true)
  T.eq("kill TERM", proc.kill(pid, "TERM"), true)
  local p, reason, code, sig = proc.waitpid(pid)
  T.eq("terminated decoded", { p, reason, code, sig }, { pid, "terminated (SIGTERM)", nil, "SIGTERM" })
  proc.close(a)
end

do
  local p, msg = proc.waitpid(-1, true)
  T.eq("no children left", p, nil)
  T.ok("ECHILD message", tostring(msg):match("No child processes") ~= nil)
  local ok, kmsg = proc.kill(2 ^ 22 + 12345, "TERM")
  T.ok("kill of a missing pid fails", ok == nil and tostring(kmsg):match("No such process") ~= nil)
end
T.raises("unknown signal name", function() proc.kill(proc.getpid(), "NOPE") end, "unknown signal 'NOPE'")
T.raises("signal out of range", function() proc.kill(proc.getpid(), 999) end, "out of range")

-- fork flushes the parent's stdio first: buffered output is written once, by the parent.
do
  local path = dir .. "/flush.txt"
  local f = assert(io.open(path, "w"))
  f:write("once\n")        -- buffered, not yet in the file
  local pid = assert(proc.fork())
  if pid == 0 then proc._exit(0) end
  proc.waitpid(pid)
  f:close()
  local g = assert(io.open(path))
  T.eq("buffered output not duplicated by fork", g:read("a"), "once\n")
  g:close()
end

-- ---- messages ----

do
  local a, b = assert(proc.socketpair())
  T.ok("socketpair fds", math.type(a) == "integer" and math.type(b) == "integer" and a ~= b)
  T.eq("send", proc.send(a, "x"), true)
  proc.send(a, "yz")
  T.eq("boundaries kept 1", proc.recv(b), "x")
  T.eq("boundaries kept 2", proc.recv(b), "yz")
  T.eq("recv nonblocking, nothing waiting", proc.recv(b, true), false)
  proc.send(b, "back")
  T.eq("bidirectional", proc.recv(a), "back")
  local big = string.rep("0123456789abcdef", 4096)          -- 64 KiB exactly
  T.eq("64 KiB message", proc.send(a, big), true)
  T.eq("64 KiB message arrives whole", proc.recv(b) == big, true)
  T.raises("message over 64 KiB", function() proc.send(a, big .. "!") end, "longer than 64 KiB")
  -- poll
  local t0 = gg.clock()
  T.eq("poll timeout: nothing ready", proc.poll({ a, b }, 30), {})
  local waited = gg.clock() - t0
  -- A lower bound only (poll must not return early); how much longer a busy machine takes
  -- is not asserted.
  T.ok("poll waited >= 25 ms", waited >= 0.025)
  proc.send(a, "ping")
  T.eq("poll reports the readable fd", proc.poll({ a, b }, 1000), { b })
  proc.recv(b)
  t0 = gg.clock()
  proc.poll({}, 20)
  T.ok("poll({}, ms) sleeps", gg.clock() - t0 >= 0.015)
  -- peer closed
  proc.close(b)
  T.eq("poll reports a closed peer", proc.poll({ a }, 1000), { a })
  local m, why = proc.recv(a)
  T.eq("recv after the peer closed", { m, why }, { nil, "closed" })
  local ok, smsg = proc.send(a, "anyone?")
  T.ok("send to a closed peer fails without SIGPIPE", ok == nil and tostring(smsg):match("^send:") ~= nil)
  T.eq("close", proc.close(a), true)
  T.ok("close twice fails", proc.close(a) == nil)
  T.raises("poll needs integers", function() proc.poll({ "x" }, 0) end, "file descriptors expected")
end

-- ---- limits, affinity, redirection ----

T.raises("setrlimit unknown resource", function() proc.setrlimit("stack", 1) end, "invalid option 'stack'")
if SANITIZED then
  print("skipped RLIMIT_AS check: address space is " .. vm_size() .. " bytes under the sanitizers")
else
  T.eq("RLIMIT_AS makes a big allocation fail with a Lua error", { in_child(function()
    assert(proc.setrlimit("as", 64 * 2 ^ 20 // 1))
    local ok, err = pcall(string.rep, "x", 256 * 2 ^ 20 // 1)
    if ok then return 1 end
    return tostring(err):match("not enough memory") and 42 or 2
  end) }, { "exit 42", 42 })
end

T.eq("setaffinity pins to one CPU", { in_child(function()
  local cpu = cpus[#cpus]
  assert(proc.setaffinity(cpu))
  local now = proc.cpus()
  return (#now == 1 and now[1] == cpu) and 7 or 1
end) }, { "exit 7", 7 })
T.raises("setaffinity range", function() proc.setaffinity(-1) end, "out of range")

do
  local a, b = proc.socketpair()
  T.eq("isatty(socket)", proc.isatty(a), false)
  T.eq("isatty(file) is a boolean", type(proc.isatty(io.stdout)), "boolean")
  proc.close(a)
  proc.close(b)
end

do
  local path = dir .. "/redirect.log"
  in_child(function()
    assert(proc.redirect(path))
    io.stdout:write("to stdout\n")
    io.stdout:flush()
    io.stderr:write("to stderr\n")
    assert(proc.redirect(path, "a"))
    io.stdout:write("appended\n")
  end)
  local f = assert(io.open(path))
  T.eq("redirect sends stdout and stderr to the file", f:read("a"), "to stdout\nto stderr\nappended\n")
  f:close()
  -- output_size: the size of the file fds 1 and 2 write to, when it is the one named
  local sizes = dir .. "/sizes.txt"
  in_child(function()
    assert(proc.redirect(path))
    io.stdout:write("12345")
    io.stdout:flush()
    local f = assert(io.open(sizes, "w"))
    f:write(tostring(proc.output_size(path)), " ", tostring(proc.output_size(sizes)), " ",
      tostring(proc.output_size(dir .. "/none")))
    f:close()
  end)
  f = assert(io.open(sizes))
  T.eq("output_size of the redirected file, nil for others", f:read("a"), "5 nil nil")
  f:close()
  local ok, msg = proc.redirect(dir .. "/no/such/dir/x.log")
  T.ok("redirect to an impossible path fails", ok == nil and tostring(msg):match("No such file") ~= nil)
end

-- ---- signals ----

T.eq("signal returns the previous action", proc.signal("USR1", "catch"), "default")
proc.kill(proc.getpid(), "USR1")
T.eq("interrupted() names the caught signal", proc.interrupted(), "SIGUSR1")
T.eq("reading does not reset", proc.interrupted(true), "SIGUSR1")
T.eq("reset", proc.interrupted(), false)
-- A child starts with the caught signals back at their default and a clear flag.
proc.kill(proc.getpid(), "USR1")
T.eq("child: flag cleared", { in_child(function() return proc.interrupted() and 1 or 5 end) }, { "exit 5", 5 })
T.eq("child: caught signal back at default", { in_child(function() proc.kill(proc.getpid(), "USR1") end) },
  { "user signal 1 (SIGUSR1)", nil, "SIGUSR1" })
T.eq("restore", proc.signal("USR1", "default"), "catch")
proc.interrupted(true)
T.eq("ignore", proc.signal("USR2", "ignore"), "default")
proc.kill(proc.getpid(), "USR2")
T.eq("ignored signal not recorded", proc.interrupted(), false)
proc.signal("USR2", "default")
T.raises("SIGKILL cannot be caught", function() proc.signal("KILL", "catch") end, "cannot be handled")
T.raises("unknown action", function() proc.signal("INT", "trap") end, "invalid option 'trap'")

-- ---- parent death: a child dies with its parent (PR_SET_PDEATHSIG) ----

local function gone(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return true end
  local state = f:read("a"):match("^%d+ %b() (%a)")
  f:close()
  return state == "Z" or state == "X"   -- reaped by init later
end

do
  local a, b = assert(proc.socketpair())
  local mid = assert(proc.fork())
  if mid == 0 then
    proc.close(a)
    local pid = proc.fork()
    if pid == 0 then
      proc.send(b, tostring(proc.getpid()))
      while true do proc.poll({}, 1000) end
    end
    while true do proc.poll({}, 1000) end
  end
  proc.close(b)
  local grandchild = math.tointeger(tonumber(proc.recv(a)))
  T.ok("grandchild alive", grandchild and not gone(grandchild))
  proc.kill(mid, "KILL")
  proc.waitpid(mid)
  local t0 = gg.clock()
  -- Waits for the kernel to deliver the death signal; the 60 s give-up is only there so a
  -- broken PDEATHSIG fails instead of hanging, not a limit a busy machine could hit.
  while not gone(grandchild) and gg.clock() - t0 < 60 do proc.poll({}, 5) end
  T.ok("grandchild killed with its parent", gone(grandchild))
  proc.close(a)
end

os.execute("rm -rf '" .. dir .. "'")
T.done()
