/* lua/lrng.c — gglab.Rng: explicit random streams, and the per-state default generator.
 * Like lmathlib's PRNG, the default generator is a userdata kept in the registry (key
 * GG_DEFAULT_RNG), not a C global. gg.manual_seed(s) reseeds it — the runner does so with
 * each run's seed, as torch.manual_seed would — and it is mixed with a constant so that
 * `seed = s` given to a generator and gg.manual_seed(s) never yield the same stream. */
#include "lgglab.h"

#define GG_DEFAULT_RNG "gglab.default_rng"
#define DEFAULT_MIX 0xd1b54a32d192ed03ULL

static uint64_t check_seed(lua_State *L, int idx, const char *fname)
{
    int isint = 0;
    lua_Integer s = lua_tointegerx(L, idx, &isint);
    if (!isint || s < 0)
        luaL_error(L, "%s: seed must be a non-negative integer, got %s", fname, lg_describe(L, idx));
    return (uint64_t)s;
}

static gg_rng *push_rng(lua_State *L, uint64_t seed)
{
    gg_rng *r = lua_newuserdatauv(L, sizeof *r, 0);
    gg_rng_seed(r, seed);
    luaL_setmetatable(L, GG_RNG_MT);
    return r;
}

gg_rng *lg_rng_check(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, GG_RNG_MT);
}

static gg_rng *default_rng(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, GG_DEFAULT_RNG);  /* stack: ... rng */
    return lua_touserdata(L, -1);
}

gg_rng *lg_rng_for(lua_State *L, int opts, const char *fname)
{
    if (opts && lua_istable(L, opts)) {
        opts = lua_absindex(L, opts);
        if (lua_getfield(L, opts, "seed") != LUA_TNIL) {  /* stack: ... seed */
            uint64_t s = check_seed(L, -1, fname);
            lua_pop(L, 1);
            return push_rng(L, s);  /* stack: ... rng (kept alive by the caller's frame) */
        }
        lua_pop(L, 1);
        if (lua_getfield(L, opts, "rng") != LUA_TNIL) {   /* stack: ... rng */
            gg_rng *r = luaL_testudata(L, -1, GG_RNG_MT);
            if (!r)
                luaL_error(L, "%s: rng must be a gglab.Rng, got %s", fname, lg_describe(L, -1));
            return r;                                     /* left on the stack */
        }
        lua_pop(L, 1);
    }
    return default_rng(L);
}

/* gg.rng(seed) → new stream */
static int rng_new(lua_State *L)
{
    push_rng(L, check_seed(L, 1, "gg.rng"));
    return 1;
}

/* gg.manual_seed(seed): reseed the default generator */
static int rng_manual_seed(lua_State *L)
{
    uint64_t s = check_seed(L, 1, "gg.manual_seed");
    gg_rng_seed(default_rng(L), s ^ DEFAULT_MIX);
    return 0;
}

static int rng_seed(lua_State *L)
{
    gg_rng_seed(lg_rng_check(L, 1), check_seed(L, 2, "gglab.Rng:seed"));
    return 0;
}

static int rng_uniform(lua_State *L)
{
    lua_pushnumber(L, gg_rng_uniform(lg_rng_check(L, 1)));
    return 1;
}

static int rng_normal(lua_State *L)
{
    lua_pushnumber(L, gg_rng_normal(lg_rng_check(L, 1)));
    return 1;
}

/* rng:integer(n) → uniform integer in 1..n */
static int rng_integer(lua_State *L)
{
    gg_rng *r = lg_rng_check(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 1, 2, "n must be >= 1");
    lua_pushinteger(L, (lua_Integer)gg_rng_below(r, (uint64_t)n) + 1);
    return 1;
}

void lg_rng_push_state(lua_State *L, const gg_rng *r)
{
    lua_createtable(L, 4, 0);
    for (int i = 0; i < 4; i++) {
        lua_pushinteger(L, (lua_Integer)r->s[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

void lg_rng_read_state(lua_State *L, int idx, gg_rng *r, int allow_zero, const char *fname)
{
    gg_rng st;
    uint64_t any = 0;
    if (!lua_istable(L, idx) || luaL_len(L, idx) != 4)
        luaL_error(L, "%s: state must be a list of 4 integers (from get_state), got %s", fname,
                   lg_describe(L, idx));
    for (int i = 0; i < 4; i++) {
        int isint = 0;
        lua_geti(L, idx, i + 1);
        st.s[i] = (uint64_t)lua_tointegerx(L, -1, &isint);
        lua_pop(L, 1);
        if (!isint)
            luaL_error(L, "%s: state must be a list of 4 integers (from get_state); element %d is not",
                       fname, i + 1);
        any |= st.s[i];
    }
    if (!any && !allow_zero)
        luaL_error(L, "%s: state must not be all zero (xoshiro256** never reaches it)", fname);
    *r = st;
}

/* rng:get_state() → {4 integers}; rng:set_state(state): the exact stream position */
static int rng_get_state(lua_State *L)
{
    lg_rng_push_state(L, lg_rng_check(L, 1));
    return 1;
}

static int rng_set_state(lua_State *L)
{
    lg_rng_read_state(L, 2, lg_rng_check(L, 1), 0, "gglab.Rng:set_state");
    return 0;
}

/* gg.get_rng_state() / gg.set_rng_state(state): the default generator's (torch's names) */
static int rng_get_default_state(lua_State *L)
{
    lg_rng_push_state(L, default_rng(L));
    return 1;
}

static int rng_set_default_state(lua_State *L)
{
    gg_rng *r = default_rng(L);
    lg_rng_read_state(L, 1, r, 0, "gg.set_rng_state");
    return 0;
}

static int rng_tostring(lua_State *L)
{
    lua_pushfstring(L, "gglab.Rng(%p)", lua_topointer(L, 1));
    return 1;
}

static const luaL_Reg rng_methods[] = {
    {"seed", rng_seed}, {"uniform", rng_uniform}, {"normal", rng_normal},
    {"integer", rng_integer}, {"get_state", rng_get_state}, {"set_state", rng_set_state},
    {NULL, NULL},
};

static const luaL_Reg rng_meta[] = {{"__tostring", rng_tostring}, {NULL, NULL}};

void lg_open_rng(lua_State *L)
{
    lg_newclass(L, GG_RNG_MT, rng_meta, rng_methods);
    push_rng(L, DEFAULT_MIX);            /* stack: gg rng  (as gg.manual_seed(0)) */
    lua_setfield(L, LUA_REGISTRYINDEX, GG_DEFAULT_RNG);
    lua_pushcfunction(L, rng_new);
    lua_setfield(L, -2, "rng");
    lua_pushcfunction(L, rng_manual_seed);
    lua_setfield(L, -2, "manual_seed");
    lua_pushcfunction(L, rng_get_default_state);
    lua_setfield(L, -2, "get_rng_state");
    lua_pushcfunction(L, rng_set_default_state);
    lua_setfield(L, -2, "set_rng_state");
}
