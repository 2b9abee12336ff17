/* lua/lsys.c — the few OS services the runner needs that Lua's io/os lack: gg.fs.*
 * (mkdir -p, atomic rename, listing), gg.clock (monotonic), gg.hostname, gg.sha256_file, gg.sha256.
 * Expected failures return nil, msg like io.open. */
#define _POSIX_C_SOURCE 200809L
#include "lgglab.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"

static int fail_errno(lua_State *L, const char *what, const char *path)
{
    luaL_pushfail(L);
    lua_pushfstring(L, "%s %s: %s", what, path, strerror(errno));
    return 2;
}

/* gg.fs.mkdir(path): create path and its missing parents → true | nil, msg */
static int fs_mkdir(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    char *buf = lua_newuserdatauv(L, len + 1, 0);
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return fail_errno(L, "cannot create directory", buf);
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            return fail_errno(L, "cannot create directory", buf);
        }
        buf[i] = c;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int fs_rename(lua_State *L)
{
    const char *a = luaL_checkstring(L, 1), *b = luaL_checkstring(L, 2);
    if (rename(a, b) != 0)
        return fail_errno(L, "cannot rename", a);
    lua_pushboolean(L, 1);
    return 1;
}

static int fs_remove(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    if (remove(p) != 0)
        return fail_errno(L, "cannot remove", p);
    lua_pushboolean(L, 1);
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* gg.fs.listdir(dir) → sorted list of names (no . and ..) | nil, msg */
static int fs_listdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    if (!d)
        return fail_errno(L, "cannot list", path);
    lua_newtable(L);                          /* stack: path list */
    lua_Integer n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    // Sort through a C array of the (Lua-owned, anchored) strings.
    const char **names = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *names, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -2, i);
        names[i - 1] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    lua_createtable(L, (int)n, 0);            /* stack: path list names sorted */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_pushstring(L, names[i - 1]);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

static int fs_exists(lua_State *L)
{
    struct stat st;
    lua_pushboolean(L, stat(luaL_checkstring(L, 1), &st) == 0);
    return 1;
}

static int fs_isdir(lua_State *L)
{
    struct stat st;
    lua_pushboolean(L, stat(luaL_checkstring(L, 1), &st) == 0 && S_ISDIR(st.st_mode));
    return 1;
}

/* gg.fs.cwd() → the working directory with symbolic links resolved (as `pwd -P` prints
 * it) | nil, msg */
static int fs_cwd(lua_State *L)
{
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) {
        luaL_pushfail(L);
        lua_pushstring(L, strerror(errno));
        return 2;
    }
    lua_pushstring(L, buf);
    return 1;
}

static int sys_clock(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
    return 1;
}

static int sys_hostname(lua_State *L)
{
    char buf[256];
    if (gethostname(buf, sizeof buf) != 0)
        return fail_errno(L, "cannot read", "hostname");
    buf[sizeof buf - 1] = '\0';
    lua_pushstring(L, buf);
    return 1;
}

/* Finish st and push its digest as 64 lowercase hex digits; returns 1 (one result). */
static int push_digest(lua_State *L, gg_sha256 *st)
{
    unsigned char dig[32];
    char hex[65];
    gg_sha256_final(st, dig);
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", dig[i]);
    lua_pushstring(L, hex);
    return 1;
}

/* gg.sha256_file(path) → lowercase hex digest | nil, msg */
static int sys_sha256_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fail_errno(L, "cannot open", path);
    gg_sha256 s;
    gg_sha256_init(&s);
    unsigned char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        gg_sha256_update(&s, buf, n);
    int bad = ferror(fp);
    fclose(fp);
    if (bad)
        return fail_errno(L, "cannot read", path);
    return push_digest(L, &s);
}

/* gg.sha256(s) → lowercase hex digest of the bytes of s (the report's CSP hashes) */
static int sys_sha256(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    gg_sha256 st;
    gg_sha256_init(&st);
    gg_sha256_update(&st, (const unsigned char *)s, len);
    return push_digest(L, &st);
}

gg_status lg_isa_from_env(gg_isa *isa, gg_err *err)
{
    return gg_isa_parse(getenv("GGLAB_ISA"), isa, err);
}

/* gg.isa() -> name of the instruction-set path new models use ("avx512", "avx2",
 * "generic"): the best this CPU supports, or what GGLAB_ISA names. Raises the error of a
 * bad GGLAB_ISA (the command line checks it before starting a sweep). */
static int sys_isa(lua_State *L)
{
    gg_isa isa;
    gg_err err;
    if (lg_isa_from_env(&isa, &err))
        return luaL_error(L, "%s", err.msg);
    lua_pushstring(L, gg_isa_name(isa));
    return 1;
}

/* MXCSR bits: flush-to-zero (subnormal results become 0) and denormals-are-zero
 * (subnormal inputs read as 0), the pair torch.set_flush_denormal and TensorFlow set. */
#define FTZ_DAZ 0x8040u

/* gg.set_flush_denormal(on) -> supported: like torch.set_flush_denormal, for this process
 * (the runner resets it before every run from the experiment's flush_denormal). false,
 * changing nothing, where the CPU has no such mode. */
static int sys_set_flush_denormal(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TBOOLEAN);
#if defined(__x86_64__)
    unsigned csr = __builtin_ia32_stmxcsr();
    csr = lua_toboolean(L, 1) ? csr | FTZ_DAZ : csr & ~FTZ_DAZ;
    __builtin_ia32_ldmxcsr(csr);
    lua_pushboolean(L, 1);
#else
    lua_pushboolean(L, 0);
#endif
    return 1;
}

/* gg.flush_denormal() -> whether subnormals are flushed to zero now. */
static int sys_flush_denormal(lua_State *L)
{
#if defined(__x86_64__)
    lua_pushboolean(L, (__builtin_ia32_stmxcsr() & FTZ_DAZ) == FTZ_DAZ);
#else
    lua_pushboolean(L, 0);
#endif
    return 1;
}

static const luaL_Reg fs_funcs[] = {
    {"mkdir", fs_mkdir},   {"rename", fs_rename}, {"remove", fs_remove},
    {"listdir", fs_listdir}, {"exists", fs_exists}, {"isdir", fs_isdir}, {"cwd", fs_cwd},
    {NULL, NULL},
};

static const luaL_Reg sys_funcs[] = {
    {"clock", sys_clock}, {"hostname", sys_hostname}, {"sha256_file", sys_sha256_file},
    {"sha256", sys_sha256},
    {"isa", sys_isa},     {"set_flush_denormal", sys_set_flush_denormal},
    {"flush_denormal", sys_flush_denormal}, {NULL, NULL},
};

void lg_open_sys(lua_State *L)
{
    luaL_newlib(L, fs_funcs);             /* stack: gg fs */
    lua_setfield(L, -2, "fs");
    luaL_setfuncs(L, sys_funcs, 0);
}
