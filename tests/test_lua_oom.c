/* tests/test_lua_oom.c — Lua's own allocator failing inside the bindings (docs/reliability.md
 * section 7). A Lua state whose lua_Alloc fails the n-th allocation runs a script that
 * loads a CSV (gg.data.csv, then gg.csv.matrix), builds a model and an optimizer, and trains one epoch, for
 * every n until the script succeeds. Each attempt either succeeds or raises "not enough
 * memory"; after lua_close no core block is left (tests/failmem.c counts them), so no
 * binding held a core object only in a C local when Lua raised. Ends with
 * "N passed, N failed". */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "failmem.h"

int luaopen_gglab(lua_State *L);

typedef struct {
    long count;    /* growing allocations since arming */
    long fail_at;  /* 0: never fail */
    long failed;
} alloc_state;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    alloc_state *a = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (a->fail_at > 0 && (ptr == NULL || nsize > osize) && ++a->count >= a->fail_at) {
        a->failed++;
        return NULL;
    }
    return realloc(ptr, nsize);
}

static const char *const SCRIPT =
    "local gg = require 'gglab'\n"
    "local ds, info = gg.data.csv('experiments/data/iris.csv', { header = true, classify = true })\n"
    "assert(ds, info)\n"
    "assert(#info.labels == 3 and info.rows == 150)\n"
    "local mx = assert(gg.csv.matrix('experiments/data/digits.csv', { header = true }))\n"
    "assert(mx:rows() == 1797 and mx:cols() == 65)\n"
    "local m = gg.nn.sequential { gg.nn.linear(4, 8), gg.nn.relu(), gg.nn.linear(8, 3) }\n"
    "local opt = gg.optim.adam(m, { lr = 0.01 })\n"
    "gg.train { model = m, data = ds, loss = 'cross_entropy', batch_size = 32, epochs = 1, optimizer = opt }\n";

/* One attempt with the n-th growing allocation of the script and every later one failing:
 * 1 done (the script needs fewer), 0 out of memory, -1 another error. */
static int attempt(long n, char *msg, size_t len)
{
    alloc_state a = {0, 0, 0};
    lua_State *L = lua_newstate(failing_alloc, &a);
    luaL_openlibs(L);
    luaL_requiref(L, "gglab", luaopen_gglab, 0);
    lua_pop(L, 1);
    int load = luaL_loadstring(L, SCRIPT);
    a.fail_at = n;
    a.count = 0;
    int st = load == LUA_OK ? lua_pcall(L, 0, 0, 0) : load;
    int result = st == LUA_OK ? 1 : st == LUA_ERRMEM ? 0 : -1;
    if (result != 1)
        snprintf(msg, len, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(no message)");
    a.fail_at = 0;
    lua_close(L);
    return result;
}

int main(void)
{
    char msg[512] = "";
    long live0 = failmem_live();
    long n, oom = 0, leaks = 0, others = 0;
    for (n = 1; n < 200000; n++) {
        int r = attempt(n, msg, sizeof msg);
        if (failmem_live() != live0) {
            if (leaks++ < 3)
                printf("leak: %ld core blocks left after failing Lua allocation %ld\n",
                       failmem_live() - live0, n);
        }
        if (r == 1)
            break;
        if (r == 0)
            oom++;
        else if (others++ < 3)
            printf("allocation %ld: an error that is not a memory error: %s\n", n, msg);
    }
    printf("failed each of the first %ld Lua allocations in turn (%ld memory errors)\n", n - 1, oom);
    CHECK("the script finally succeeds", n < 200000);
    CHECK("every Lua allocation of the script was made to fail in turn (more than 30)", n > 30);
    CHECK_EQ("every failure raised Lua's memory error (LUA_ERRMEM), none another error", others, 0);
    CHECK_EQ("no core block left after lua_close, for every failure point", leaks, 0);
    return CHECK_DONE();
}
