/* lua/lgglab.c — luaopen_gglab: builds the `gg` table from the C bindings, then loads the
 * pure-Lua modules embedded at build time (package.preload["gglab.<name>"]) and runs
 * gglab.init, which adds the Lua-level API (sweeps, experiments, gg.train). The same
 * opener serves `require "gglab"` from plain lua5.4 and the gglab executable. */
#include "lgglab.h"
#include "buildid.h"
#include "lattention.h"

#include <lualib.h>

int luaopen_gglab(lua_State *L);

/* preload loader: upvalue 1 = index into lg_luasrcs. The bytecode, unless this Lua reads
 * another bytecode format than the build's (it then says so in the chunk's header): then
 * the source. */
static int load_embedded(lua_State *L)
{
    const lg_luasrc *s = &lg_luasrcs[lua_tointeger(L, lua_upvalueindex(1))];
    if (luaL_loadbufferx(L, s->bc, s->bclen, s->chunk, "b") != LUA_OK) {
        lua_pop(L, 1);
        if (luaL_loadbufferx(L, s->src, s->len, s->chunk, "t") != LUA_OK)
            return lua_error(L);
    }
    lua_pushstring(L, s->name);                 /* stack: name? chunk name */
    lua_call(L, 1, 1);
    return 1;
}

void lg_newclass(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods)
{
    luaL_newmetatable(L, name);                 /* stack: ... mt */
    if (meta)
        luaL_setfuncs(L, meta, 0);
    int n = 0;
    while (methods[n].name)
        n++;
    lua_createtable(L, 0, n);                   /* stack: ... mt methods (as luaL_newlib) */
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

int luaopen_gglab(lua_State *L)
{
    lua_newtable(L);                            /* stack: gg */
    lg_open_tensor(L);
    lg_open_rng(L);
    lg_open_nn(L);
    lg_open_graph(L);
    lg_open_loss(L);
    lg_open_optim(L);
    lg_open_data(L);
    lg_open_seqdata(L);
    lg_open_train(L);
    lg_open_ensemble(L);
    lg_open_csv(L);
    lg_open_sys(L);
    lg_open_sched(L);
    lg_open_clip(L);
    lg_open_proc(L);
    lg_open_diag(L);
    lg_open_detmath(L);
    lg_open_resample(L);
    lg_open_attention(L);
    lg_open_opts(L);
    lua_pushliteral(L, GG_VERSION);
    lua_setfield(L, -2, "version");
    /* gg.build = {id, version, source_sha256, git (nil outside a git checkout)}: the
     * Makefile's build/gen/buildid.h, regenerated when a source changes. */
    lua_createtable(L, 0, 4);
    lua_pushliteral(L, GG_BUILD_ID);
    lua_setfield(L, -2, "id");
    lua_pushliteral(L, GG_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushliteral(L, GG_BUILD_SOURCE);
    lua_setfield(L, -2, "source_sha256");
    if (sizeof GG_BUILD_GIT > 1) {
        lua_pushliteral(L, GG_BUILD_GIT);
        lua_setfield(L, -2, "git");
    }
    lua_setfield(L, -2, "build");
    // Publish gg before the Lua modules run, so their `require "gglab"` finds it.
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);   /* stack: gg loaded */
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "gglab");
    lua_pop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);  /* stack: gg preload */
    for (int i = 0; lg_luasrcs[i].name; i++) {
        lua_pushinteger(L, i);
        lua_pushcclosure(L, load_embedded, 1);
        lua_setfield(L, -2, lg_luasrcs[i].name);
    }
    lua_pop(L, 1);                              /* stack: gg */
    lua_getglobal(L, "require");                /* stack: gg require */
    lua_pushliteral(L, "gglab.init");
    lua_call(L, 1, 0);                          /* stack: gg */
    return 1;
}
