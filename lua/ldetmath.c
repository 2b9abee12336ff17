/* lua/ldetmath.c — gg.detmath: core/detmath.h's deterministic log and exp for the Lua
 * modules (a sampled learning rate is part of a run id, so it must be the same double on
 * every machine: libm's log/exp may differ in the last bit between CPUs). */
#include "lgglab.h"

/* gg.detmath.log(x) → gg_log(x): natural log; x < 0 or NaN → NaN, 0 → -inf */
static int detmath_log(lua_State *L)
{
    lua_pushnumber(L, gg_log(luaL_checknumber(L, 1)));
    return 1;
}

/* gg.detmath.exp(x) → gg_exp(x): e^x; overflow → inf, underflow → 0 */
static int detmath_exp(lua_State *L)
{
    lua_pushnumber(L, gg_exp(luaL_checknumber(L, 1)));
    return 1;
}

static const luaL_Reg detmath_funcs[] = {
    {"log", detmath_log}, {"exp", detmath_exp}, {NULL, NULL},
};

void lg_open_detmath(lua_State *L)
{
    luaL_newlib(L, detmath_funcs);        /* stack: gg detmath */
    lua_setfield(L, -2, "detmath");
}
