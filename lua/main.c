/* lua/main.c — the gglab executable: a Lua 5.4 state with the standard libraries and the
 * gglab module, handing argv to the pure-Lua CLI (lua/gglab/cli/main.lua). Exit status is what
 * cli.main returns; an uncaught Lua error prints its traceback and exits 1. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>

int luaopen_gglab(lua_State *L);

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Runs in protected mode: open libraries, build arg, call require("gglab.cli.main").main(args). */
static int pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    luaL_openlibs(L);
    luaL_requiref(L, "gglab", luaopen_gglab, 0);
    lua_pop(L, 1);
    lua_createtable(L, argc, 1);                /* stack: argc argv arg */
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_pushvalue(L, -1);
    lua_setglobal(L, "arg");
    lua_getglobal(L, "require");                /* stack: ... arg require */
    lua_pushliteral(L, "gglab.cli.main");
    lua_call(L, 1, 1);                          /* stack: ... arg cli */
    lua_getfield(L, -1, "main");                /* stack: ... arg cli main */
    lua_createtable(L, argc, 0);                /* stack: ... main args (argv without program) */
    for (int i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_call(L, 1, 1);                          /* stack: ... arg cli status */
    return 1;
}

int main(int argc, char **argv)
{
    lua_State *L = luaL_newstate();
    if (!L) {
        fputs("gglab: cannot create the Lua state (out of memory)\n", stderr);
        return 1;
    }
    lua_pushcfunction(L, traceback);
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int rc = 1;
    if (lua_pcall(L, 2, 1, 1) != LUA_OK) {
        fprintf(stderr, "gglab: %s\n", lua_tostring(L, -1));
    } else {
        int isint = 0;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        rc = isint ? (int)v : 0;
    }
    fflush(stdout);
    lua_close(L);
    return rc;
}
