/* lua/lproc.c — gg.proc.*: the Linux process primitives the worker pool
 * (lua/gglab/engine/pool.lua) is built from: fork with parent-death signal, waitpid with a
 * decoded reason, kill, message sockets, poll, _exit, rlimits, CPU affinity, stdout/stderr
 * redirection and flag-only SIGINT/SIGTERM handlers. Glue only: every policy (what to
 * run, when to kill, what a failure is called) lives in pool.lua.
 *
 * File descriptors are plain integers; the caller closes what it opens (gg.proc.close).
 * Expected failures return nil, msg like io.open; misuse (wrong argument types, unknown
 * names) raises. Linux only. */
#define _GNU_SOURCE
#include "lgglab.h"

#include <errno.h>
#include <fcntl.h>
#include <lualib.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Largest message send/recv carry (SOCK_SEQPACKET keeps message boundaries). */
#define MSG_MAX 65536

/* The one piece of process-wide state. A signal handler can do nothing but set a
 * flag of type volatile sig_atomic_t, and it cannot reach a lua_State, so the flag has
 * to be a static; it describes the process (signal dispositions are per process), not
 * any Lua state, and this is glue, not core/. 0 = no signal caught, else the signal. */
static volatile sig_atomic_t caught_signal = 0;

static void on_signal(int sig)
{
    caught_signal = sig;
}

/* ---- signal names ---- */

typedef struct signame {
    int sig;
    const char *name;   /* without "SIG" */
    const char *what;   /* for reasons: "segmentation fault (SIGSEGV)" */
} signame;

static const signame signames[] = {
    {SIGHUP, "HUP", "hangup"},
    {SIGINT, "INT", "interrupted"},
    {SIGQUIT, "QUIT", "quit"},
    {SIGILL, "ILL", "illegal instruction"},
    {SIGTRAP, "TRAP", "trace trap"},
    {SIGABRT, "ABRT", "aborted"},
    {SIGBUS, "BUS", "bus error"},
    {SIGFPE, "FPE", "floating-point exception"},
    {SIGKILL, "KILL", "killed"},
    {SIGUSR1, "USR1", "user signal 1"},
    {SIGSEGV, "SEGV", "segmentation fault"},
    {SIGUSR2, "USR2", "user signal 2"},
    {SIGPIPE, "PIPE", "broken pipe"},
    {SIGALRM, "ALRM", "alarm clock"},
    {SIGTERM, "TERM", "terminated"},
    {SIGCHLD, "CHLD", "child status changed"},
    {SIGCONT, "CONT", "continued"},
    {SIGSTOP, "STOP", "stopped"},
    {SIGXCPU, "XCPU", "CPU time limit exceeded"},
    {SIGXFSZ, "XFSZ", "file size limit exceeded"},
    {SIGSYS, "SYS", "bad system call"},
    {0, NULL, NULL},
};

static const signame *find_signal(int sig)
{
    for (const signame *s = signames; s->name; s++)
        if (s->sig == sig)
            return s;
    return NULL;
}

/* A signal given as "TERM", "SIGTERM" or a number (0: kill's existence check); raises on
 * anything else. */
static int check_signal(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer n = luaL_checkinteger(L, idx);
        luaL_argcheck(L, n >= 0 && n < NSIG, idx, "signal number out of range");
        return (int)n;
    }
    const char *name = luaL_checkstring(L, idx);
    if (strncmp(name, "SIG", 3) == 0)
        name += 3;
    for (const signame *s = signames; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s->sig;
    return luaL_argerror(L, idx, lua_pushfstring(L, "unknown signal '%s'", lua_tostring(L, idx)));
}

static int fail_errno(lua_State *L, const char *what)
{
    int e = errno;
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", what, strerror(e));
    return 2;
}

static int check_fd(lua_State *L, int idx)
{
    lua_Integer fd = luaL_checkinteger(L, idx);
    luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, idx, "not a file descriptor");
    return (int)fd;
}

/* ---- processes ---- */

/* gg.proc.fork() → pid in the parent, 0 in the child | nil, msg.
 * Flushes every C stdio stream first, so buffered output is not written twice. The child
 * gets SIGKILL when the parent dies (PR_SET_PDEATHSIG; it exits at once if the parent
 * already died before that was set), default dispositions for signals the parent caught
 * with gg.proc.signal(..., "catch"), and a cleared interrupted() flag. */
static int proc_fork(lua_State *L)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return fail_errno(L, "cannot fork");
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        for (const signame *s = signames; s->name; s++) {
            struct sigaction sa;
            if (s->sig == SIGKILL || s->sig == SIGSTOP || sigaction(s->sig, NULL, &sa) != 0)
                continue;
            if (sa.sa_handler == on_signal) {
                sa.sa_handler = SIG_DFL;
                sigaction(s->sig, &sa, NULL);
            }
        }
        caught_signal = 0;
    }
    lua_pushinteger(L, pid);
    return 1;
}

/* Pushes the reason of a wait status: "exit 3" | "segmentation fault (SIGSEGV)". */
static void push_reason(lua_State *L, int status)
{
    if (WIFEXITED(status)) {
        lua_pushfstring(L, "exit %d", WEXITSTATUS(status));
        return;
    }
    int sig = WTERMSIG(status);
    const signame *s = find_signal(sig);
    if (s)
        lua_pushfstring(L, "%s (SIG%s)%s", s->what, s->name, WCOREDUMP(status) ? ", core dumped" : "");
    else
        lua_pushfstring(L, "signal %d", sig);
}

/* gg.proc.waitpid(pid [, nohang]) → pid, reason, exit_code, signal_name
 *   pid -1 waits for any child. reason: "exit 0", "exit 3", "segmentation fault
 *   (SIGSEGV)"; exit_code is nil for a signal; signal_name ("SIGSEGV") nil for an exit.
 *   With nohang and no child finished yet: false. Errors (no such child): nil, msg. */
static int proc_waitpid(lua_State *L)
{
    lua_Integer want = luaL_checkinteger(L, 1);
    int nohang = lua_toboolean(L, 2);
    int status;
    pid_t pid;
    do
        pid = waitpid((pid_t)want, &status, nohang ? WNOHANG : 0);
    while (pid < 0 && errno == EINTR);
    if (pid < 0)
        return fail_errno(L, "waitpid");
    if (pid == 0) {
        lua_pushboolean(L, 0);
        return 1;
    }
    lua_pushinteger(L, pid);
    push_reason(L, status);
    if (WIFEXITED(status)) {
        lua_pushinteger(L, WEXITSTATUS(status));
        lua_pushnil(L);
    } else {
        const signame *s = find_signal(WTERMSIG(status));
        lua_pushnil(L);
        if (s)
            lua_pushfstring(L, "SIG%s", s->name);
        else
            lua_pushfstring(L, "SIG%d", WTERMSIG(status));
    }
    return 4;
}

/* gg.proc.kill(pid, sig) → true | nil, msg. sig: "TERM", "SIGKILL", 9, ...; 0 only checks
 * that pid exists (a zombie still does). */
static int proc_kill(lua_State *L)
{
    lua_Integer pid = luaL_checkinteger(L, 1);
    int sig = check_signal(L, 2);
    if (kill((pid_t)pid, sig) != 0)
        return fail_errno(L, "kill");
    lua_pushboolean(L, 1);
    return 1;
}

/* gg.proc._exit(code): ends the process at once: no atexit handlers, no flushing of C
 * stdio buffers (a forked child must not write the parent's buffered output again),
 * no Lua state close. */
static int proc_exit(lua_State *L)
{
    lua_Integer code = luaL_optinteger(L, 1, 0);
    _exit((int)(code & 0xff));
    return 0;
}

static int proc_getpid(lua_State *L)
{
    lua_pushinteger(L, getpid());
    return 1;
}

static int proc_getppid(lua_State *L)
{
    lua_pushinteger(L, getppid());
    return 1;
}

/* ---- messages ---- */

/* gg.proc.socketpair() → fd1, fd2 | nil, msg: a connected SOCK_SEQPACKET pair
 * (bidirectional, message boundaries kept, close-on-exec). */
static int proc_socketpair(lua_State *L)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return fail_errno(L, "socketpair");
    lua_pushinteger(L, sv[0]);
    lua_pushinteger(L, sv[1]);
    return 2;
}

/* gg.proc.send(fd, msg) → true | nil, msg. One message of at most 64 KiB; blocks while the
 * socket buffer is full. Never raises SIGPIPE: a closed peer is an error "send: Broken pipe". */
static int proc_send(lua_State *L)
{
    int fd = check_fd(L, 1);
    size_t len;
    const char *msg = luaL_checklstring(L, 2, &len);
    luaL_argcheck(L, len <= MSG_MAX, 2, "message longer than 64 KiB");
    ssize_t n;
    do
        n = send(fd, msg, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return fail_errno(L, "send");
    lua_pushboolean(L, 1);
    return 1;
}

/* gg.proc.recv(fd [, nonblock]) → msg | false (nonblock and nothing waiting)
 *   | nil, "closed" (the peer closed its end) | nil, msg (error). */
static int proc_recv(lua_State *L)
{
    int fd = check_fd(L, 1);
    int flags = lua_toboolean(L, 2) ? MSG_DONTWAIT : 0;
    char buf[MSG_MAX];
    ssize_t n;
    do
        n = recv(fd, buf, sizeof buf, flags);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            lua_pushboolean(L, 0);
            return 1;
        }
        return fail_errno(L, "recv");
    }
    if (n == 0) {
        // A zero-length message cannot be told from EOF on SEQPACKET; send never needs one.
        luaL_pushfail(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    lua_pushlstring(L, buf, (size_t)n);
    return 1;
}

/* gg.proc.close(fd) → true | nil, msg */
static int proc_close(lua_State *L)
{
    if (close(check_fd(L, 1)) != 0)
        return fail_errno(L, "close");
    lua_pushboolean(L, 1);
    return 1;
}

/* gg.proc.poll(fds, timeout_ms) → list of the fds that are readable, closed or in error
 *   (empty on timeout or when a signal interrupted the wait) | nil, msg.
 *   fds: list of integers (may be empty: then poll is a sleep); timeout_ms < 0 waits
 *   without limit. */
static int proc_poll(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Number ms = luaL_checknumber(L, 2);
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, n >= 0 && n <= 4096, 1, "too many file descriptors");
    struct pollfd *pfd = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *pfd, 0);
    for (lua_Integer i = 0; i < n; i++) {       /* stack: fds ms pfd */
        lua_rawgeti(L, 1, i + 1);               /* stack: fds ms pfd fd */
        int isint;
        lua_Integer fd = lua_tointegerx(L, -1, &isint);
        if (!isint || fd < 0 || fd > 0x7fffffff)
            return luaL_argerror(L, 1, "list of file descriptors expected");
        lua_pop(L, 1);
        pfd[i].fd = (int)fd;
        pfd[i].events = POLLIN;
        pfd[i].revents = 0;
    }
    int timeout = ms < 0 ? -1 : ms > 2e9 ? 2000000000 : (int)(ms + 0.999);
    int r = poll(pfd, (nfds_t)n, timeout);
    if (r < 0 && errno != EINTR)
        return fail_errno(L, "poll");
    lua_createtable(L, r > 0 ? r : 0, 0);
    int k = 0;
    for (lua_Integer i = 0; r > 0 && i < n; i++) {
        if (pfd[i].revents == 0)
            continue;
        lua_pushinteger(L, pfd[i].fd);
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

/* ---- limits, affinity, descriptors ---- */

static const char *const rlimit_names[] = {"as", "core", "cpu", "nofile", NULL};
static const int rlimit_ids[] = {RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_NOFILE};

/* gg.proc.setrlimit(name, soft) → true | nil, msg. name: "as" (bytes of address space),
 * "core" (bytes), "cpu" (seconds), "nofile"; sets the soft limit only (capped at the hard
 * limit), so it can be raised again. soft < 0 means unlimited (up to the hard limit). */
static int proc_setrlimit(lua_State *L)
{
    int res = rlimit_ids[luaL_checkoption(L, 1, NULL, rlimit_names)];
    lua_Integer soft = luaL_checkinteger(L, 2);
    struct rlimit rl;
    if (getrlimit(res, &rl) != 0)
        return fail_errno(L, "getrlimit");
    rlim_t want = soft < 0 ? RLIM_INFINITY : (rlim_t)soft;
    rl.rlim_cur = (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) ? rl.rlim_max : want;
    if (setrlimit(res, &rl) != 0)
        return fail_errno(L, "setrlimit");
    lua_pushboolean(L, 1);
    return 1;
}

/* gg.proc.cpus() → sorted list of the CPU ids this process may run on (0-based). */
static int proc_cpus(lua_State *L)
{
    cpu_set_t set;
    lua_newtable(L);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        for (long i = 0; i < (n > 0 ? n : 1); i++) {
            lua_pushinteger(L, i);
            lua_rawseti(L, -2, i + 1);
        }
        return 1;
    }
    lua_Integer k = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        lua_pushinteger(L, cpu);
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

/* gg.proc.nproc() → number of CPUs this process may run on (what nproc(1) prints). */
static int proc_nproc(lua_State *L)
{
    cpu_set_t set;
    long n;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    else
        n = sysconf(_SC_NPROCESSORS_ONLN);
    lua_pushinteger(L, n > 0 ? n : 1);
    return 1;
}

/* gg.proc.setaffinity(cpu) → true | nil, msg: pin the calling process to one CPU id. */
static int proc_setaffinity(lua_State *L)
{
    lua_Integer cpu = luaL_checkinteger(L, 1);
    luaL_argcheck(L, cpu >= 0 && cpu < CPU_SETSIZE, 1, "CPU id out of range");
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return fail_errno(L, "sched_setaffinity");
    lua_pushboolean(L, 1);
    return 1;
}

/* gg.proc.isatty(fd | file) → boolean */
static int proc_isatty(lua_State *L)
{
    int fd;
    if (lua_type(L, 1) == LUA_TNUMBER) {
        fd = check_fd(L, 1);
    } else {
        luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
        fd = p->closef && p->f ? fileno(p->f) : -1;
    }
    lua_pushboolean(L, fd >= 0 && isatty(fd));
    return 1;
}

/* gg.proc.redirect(path [, mode]) → true | nil, msg: point this process's stdout and
 * stderr (fds 1 and 2) at path, truncated (mode "w", default) or appended ("a"). C stdio
 * buffers (io.stdout) are flushed first, so earlier output goes where it was meant to. */
static int proc_redirect(lua_State *L)
{
    static const char *const modes[] = {"w", "a", NULL};
    const char *path = luaL_checkstring(L, 1);
    int append = luaL_checkoption(L, 2, "w", modes);
    fflush(stdout);
    fflush(stderr);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0666);
    if (fd < 0)
        return fail_errno(L, path);
    int ok = dup2(fd, 1) >= 0 && dup2(fd, 2) >= 0;
    int e = errno;
    close(fd);
    if (!ok) {
        errno = e;
        return fail_errno(L, "dup2");
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* gg.proc.output_size(path) → bytes | nil: the size of the file at path when this
 * process's stdout and stderr (fds 1 and 2) are both that file (as gg.proc.redirect(path)
 * left them), else nil. The pool asks it after a task: an empty log it still writes to can
 * be renamed for the next task instead of creating a file and removing this one. */
static int proc_output_size(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st, out, err;
    if (stat(path, &st) != 0 || fstat(1, &out) != 0 || fstat(2, &err) != 0 ||
        st.st_dev != out.st_dev || st.st_ino != out.st_ino || st.st_dev != err.st_dev ||
        st.st_ino != err.st_ino) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)st.st_size);
    return 1;
}

/* ---- signals ---- */

static const char *const actions[] = {"catch", "default", "ignore", NULL};

/* gg.proc.signal(sig, action) → previous action ("catch" | "default" | "ignore" |
 * "other") | nil, msg. "catch" installs a handler that only records the signal for
 * gg.proc.interrupted() (SA_RESTART: reads and waits resume, gg.proc.poll returns early). */
static int proc_signal(lua_State *L)
{
    int sig = check_signal(L, 1);
    int action = luaL_checkoption(L, 2, NULL, actions);
    luaL_argcheck(L, sig != 0 && sig != SIGKILL && sig != SIGSTOP, 1, "SIGKILL and SIGSTOP cannot be handled");
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = action == 0 ? on_signal : action == 1 ? SIG_DFL : SIG_IGN;
    if (sigaction(sig, &sa, &old) != 0)
        return fail_errno(L, "sigaction");
    if (old.sa_handler == on_signal)
        lua_pushliteral(L, "catch");
    else if (old.sa_handler == SIG_DFL)
        lua_pushliteral(L, "default");
    else if (old.sa_handler == SIG_IGN)
        lua_pushliteral(L, "ignore");
    else
        lua_pushliteral(L, "other");
    return 1;
}

/* gg.proc.interrupted([reset]) → "SIGINT" | "SIGTERM" | ... (the last signal caught with
 * action "catch") | false. reset = true clears it after reading. */
static int proc_interrupted(lua_State *L)
{
    int sig = caught_signal;
    if (lua_toboolean(L, 1))
        caught_signal = 0;
    if (sig == 0) {
        lua_pushboolean(L, 0);
        return 1;
    }
    const signame *s = find_signal(sig);
    if (s)
        lua_pushfstring(L, "SIG%s", s->name);
    else
        lua_pushfstring(L, "SIG%d", sig);
    return 1;
}

static const luaL_Reg proc_funcs[] = {
    {"fork", proc_fork},           {"waitpid", proc_waitpid},     {"kill", proc_kill},
    {"_exit", proc_exit},          {"getpid", proc_getpid},       {"getppid", proc_getppid},
    {"socketpair", proc_socketpair}, {"send", proc_send},         {"recv", proc_recv},
    {"close", proc_close},         {"poll", proc_poll},           {"setrlimit", proc_setrlimit},
    {"cpus", proc_cpus},           {"nproc", proc_nproc},         {"setaffinity", proc_setaffinity},
    {"isatty", proc_isatty},       {"redirect", proc_redirect},   {"signal", proc_signal},
    {"output_size", proc_output_size},
    {"interrupted", proc_interrupted},
    {NULL, NULL},
};

void lg_open_proc(lua_State *L)
{
    luaL_newlib(L, proc_funcs);             /* stack: gg proc */
    lua_setfield(L, -2, "proc");
}
