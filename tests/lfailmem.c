/* tests/lfailmem.c — failmem for Lua tests: luaopen_failmem returns {arm, disarm, calls,
 * fails, live} over tests/failmem.c. Linked with the glue and the core into
 * build/tests/gglab_failmem.so, whose luaopen_gglab then allocates through failmem:
 *   local lib = "build/tests/gglab_failmem.so"
 *   package.preload.gglab = package.loadlib(lib, "luaopen_gglab")
 *   local fm = package.loadlib(lib, "luaopen_failmem")() */
#include <lauxlib.h>
#include <lua.h>

#include "failmem.h"

int luaopen_failmem(lua_State *L);

/* fm.arm(n [, persistent]) */
static int fm_arm(lua_State *L)
{
    failmem_arm((long)luaL_checkinteger(L, 1), lua_toboolean(L, 2));
    return 0;
}

static int fm_disarm(lua_State *L)
{
    (void)L;
    failmem_disarm();
    return 0;
}

static int fm_calls(lua_State *L)
{
    lua_pushinteger(L, failmem_calls());
    return 1;
}

static int fm_fails(lua_State *L)
{
    lua_pushinteger(L, failmem_fails());
    return 1;
}

static int fm_live(lua_State *L)
{
    lua_pushinteger(L, failmem_live());
    return 1;
}

static const luaL_Reg fm_funcs[] = {
    {"arm", fm_arm},     {"disarm", fm_disarm}, {"calls", fm_calls},
    {"fails", fm_fails}, {"live", fm_live},     {NULL, NULL},
};

int luaopen_failmem(lua_State *L)
{
    luaL_newlib(L, fm_funcs);
    return 1;
}
