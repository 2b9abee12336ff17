/* lua/lresample.c — gg._resample: core/resample.h's loops for lua/gglab/lib/stats.lua (its
 * bootstrap of a median and its sign-flip max-T test; internal: the statistics are used
 * through that module). */
#include "lgglab.h"

/* a Lua list of numbers at idx -> n doubles (a userdata left on the stack owns them) */
static double *numbers(lua_State *L, int idx, size_t n, const char *fname, const char *what)
{
    double *x = lua_newuserdatauv(L, (n ? n : 1) * sizeof *x, 0);
    for (size_t i = 0; i < n; i++) {
        lua_geti(L, idx, (lua_Integer)i + 1);
        int ok = 0;
        x[i] = lua_tonumberx(L, -1, &ok);
        if (!ok)
            luaL_error(L, "%s: %s[%d] must be a number, got %s", fname, what, (int)i + 1, lg_describe(L, -1));
        lua_pop(L, 1);
    }
    return x;
}

static size_t count_arg(lua_State *L, int idx, const char *fname, const char *what)
{
    lua_Integer v = luaL_checkinteger(L, idx);
    if (v < 0 || v > (lua_Integer)1 << 40)
        luaL_error(L, "%s: %s must be an integer in 0..2^40, got %s", fname, what, lg_describe(L, idx));
    return (size_t)v;
}

static void push_list(lua_State *L, const double *x, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushnumber(L, x[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* gg._resample.bootstrap_medians(ds, seed, B) -> sorted medians (a list), below, above
 * (gg_bootstrap_medians with gg.rng(seed)) */
static int bootstrap_medians(lua_State *L)
{
    const char *fname = "gg._resample.bootstrap_medians";
    luaL_checktype(L, 1, LUA_TTABLE);
    size_t n = (size_t)luaL_len(L, 1);
    lua_Integer seed = (lua_Integer)count_arg(L, 2, fname, "seed");
    size_t B = count_arg(L, 3, fname, "B");
    double *ds = numbers(L, 1, n, fname, "ds");
    double *scratch = lua_newuserdatauv(L, (n ? n : 1) * sizeof *scratch, 0);
    double *meds = lua_newuserdatauv(L, (B ? B : 1) * sizeof *meds, 0);
    gg_rng r;
    gg_rng_seed(&r, (uint64_t)seed);
    size_t below = 0, above = 0;
    gg_err err;
    if (gg_bootstrap_medians(ds, n, &r, B, meds, scratch, &below, &above, &err))
        return luaL_error(L, "%s: %s", fname, err.msg);
    push_list(L, meds, B);
    lua_pushinteger(L, (lua_Integer)below);
    lua_pushinteger(L, (lua_Integer)above);
    return 3;
}

/* gg._resample.signflip_counts(sr, n, obs, seed, flips) -> counts (a list of k integers):
 * gg_signflip_counts over the k columns sr[j] (lists of n numbers); seed nil: every
 * pattern, else flips random ones from gg.rng(seed) */
static int signflip_counts(lua_State *L)
{
    const char *fname = "gg._resample.signflip_counts";
    luaL_checktype(L, 1, LUA_TTABLE);
    size_t k = (size_t)luaL_len(L, 1);
    size_t n = count_arg(L, 2, fname, "n");
    luaL_checktype(L, 3, LUA_TTABLE);
    int exact = lua_isnoneornil(L, 4);
    lua_Integer seed = exact ? 0 : (lua_Integer)count_arg(L, 4, fname, "seed");
    size_t flips = exact ? 0 : count_arg(L, 5, fname, "flips");
    size_t cells;
    if (gg_mul_overflow(k, n, &cells))
        return luaL_error(L, "%s: %d columns of %d values is too many", fname, (int)k, (int)n);
    double *sr = lua_newuserdatauv(L, (cells ? cells : 1) * sizeof *sr, 0);
    for (size_t j = 0; j < k; j++) {
        lua_geti(L, 1, (lua_Integer)j + 1);
        if (!lua_istable(L, -1))
            return luaL_error(L, "%s: sr[%d] must be a list, got %s", fname, (int)j + 1, lg_describe(L, -1));
        int col = lua_gettop(L);
        double *c = numbers(L, col, n, fname, "sr[j]");
        for (size_t i = 0; i < n; i++)
            sr[j * n + i] = c[i];
        lua_pop(L, 2);
    }
    double *obs = numbers(L, 3, k, fname, "obs");
    uint64_t *count = lua_newuserdatauv(L, (k ? k : 1) * sizeof *count, 0);
    gg_rng r;
    gg_rng_seed(&r, (uint64_t)seed);
    gg_err err;
    if (gg_signflip_counts(sr, k, n, obs, exact ? NULL : &r, flips, count, &err))
        return luaL_error(L, "%s: %s", fname, err.msg);
    lua_createtable(L, (int)k, 0);
    for (size_t j = 0; j < k; j++) {
        lua_pushinteger(L, (lua_Integer)count[j]);
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    return 1;
}

static const luaL_Reg resample_funcs[] = {
    {"bootstrap_medians", bootstrap_medians}, {"signflip_counts", signflip_counts}, {NULL, NULL},
};

void lg_open_resample(lua_State *L)
{
    luaL_newlib(L, resample_funcs);  /* stack: gg resample */
    lua_setfield(L, -2, "_resample");
}
