/* lua/lopts.c — option-table checking: one place produces every "fname: key must be ..."
 * message, so all API functions word their errors the same way. */
#include "lgglab.h"

#include <math.h>
#include <string.h>

const char *lg_describe(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        return lua_pushfstring(L, "%s", luaL_tolstring(L, idx, NULL));
    case LUA_TSTRING:
        return lua_pushfstring(L, "'%s'", lua_tostring(L, idx));
    case LUA_TNIL:
        return "nil";
    default:
        return lua_pushfstring(L, "a %s", luaL_typename(L, idx));
    }
}

void lg_opts_check(lua_State *L, int idx, const char *fname, const char *const allowed[])
{
    idx = lua_absindex(L, idx);
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {  /* stack: ... key value */
        lua_pop(L, 1);          /* stack: ... key */
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: option keys must be names, got %s", fname, lg_describe(L, -1));
        const char *k = lua_tostring(L, -1);
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            ok |= strcmp(k, allowed[i]) == 0;
        if (!ok) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int i = 0; allowed[i]; i++) {
                if (i)
                    luaL_addstring(&b, ", ");
                luaL_addstring(&b, allowed[i]);
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: unknown option '%s' (allowed: %s)", fname, k, lua_tostring(L, -1));
        }
    }
}

/* Push field key of the table at idx (nil when idx is 0/none); returns its type. */
static int getfield(lua_State *L, int idx, const char *key)
{
    if (idx == 0 || lua_isnoneornil(L, idx)) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_getfield(L, idx, key);
}

static double number_field(lua_State *L, int idx, const char *fname, const char *key,
                           double def, int *present, const char *what)
{
    idx = idx ? lua_absindex(L, idx) : 0;
    int t = getfield(L, idx, key);
    *present = t != LUA_TNIL;
    if (!*present) {
        lua_pop(L, 1);
        return def;
    }
    if (t != LUA_TNUMBER)
        luaL_error(L, "%s: %s must be %s, got %s", fname, key, what, lg_describe(L, -1));
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

double lg_opt_number(lua_State *L, int idx, const char *fname, const char *key, double def)
{
    int present;
    double v = number_field(L, idx, fname, key, def, &present, "a finite number");
    if (present && !isfinite(v))
        luaL_error(L, "%s: %s must be a finite number, got %f", fname, key, (lua_Number)v);
    return v;
}

double lg_opt_positive(lua_State *L, int idx, const char *fname, const char *key, double def)
{
    int present;
    double v = number_field(L, idx, fname, key, def, &present, "a positive number");
    if (present && (!(v > 0.0) || !isfinite(v)))
        luaL_error(L, "%s: %s must be a positive number, got %f", fname, key, (lua_Number)v);
    return v;
}

double lg_opt_nonneg(lua_State *L, int idx, const char *fname, const char *key, double def)
{
    int present;
    double v = number_field(L, idx, fname, key, def, &present, "a non-negative number");
    if (present && (!(v >= 0.0) || !isfinite(v)))
        luaL_error(L, "%s: %s must be a non-negative number, got %f", fname, key, (lua_Number)v);
    return v;
}

lua_Integer lg_opt_int(lua_State *L, int idx, const char *fname, const char *key,
                       lua_Integer def, lua_Integer min, lua_Integer max)
{
    idx = idx ? lua_absindex(L, idx) : 0;
    int t = getfield(L, idx, key);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (t != LUA_TNUMBER || !isint || v < min || v > max)
        luaL_error(L, "%s: %s must be an integer in [%I, %I], got %s", fname, key, min, max,
                   lg_describe(L, -1));
    lua_pop(L, 1);
    return v;
}

int lg_opt_bool(lua_State *L, int idx, const char *fname, const char *key, int def)
{
    idx = idx ? lua_absindex(L, idx) : 0;
    int t = getfield(L, idx, key);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    if (t != LUA_TBOOLEAN)
        luaL_error(L, "%s: %s must be a boolean, got %s", fname, key, lg_describe(L, -1));
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *lg_opt_string(lua_State *L, int idx, const char *fname, const char *key,
                          const char *def)
{
    idx = idx ? lua_absindex(L, idx) : 0;
    int t = getfield(L, idx, key);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    if (t != LUA_TSTRING)
        luaL_error(L, "%s: %s must be a string, got %s", fname, key, lg_describe(L, -1));
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);  // the table still references the string, so it stays alive
    return s;
}

int lg_opt_enum(lua_State *L, int idx, const char *fname, const char *key, const char *def,
                const char *const names[])
{
    const char *s = lg_opt_string(L, idx, fname, key, def);
    for (int i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; names[i]; i++) {
        if (i)
            luaL_addstring(&b, ", ");
        luaL_addchar(&b, '\'');
        luaL_addstring(&b, names[i]);
        luaL_addchar(&b, '\'');
    }
    luaL_pushresult(&b);
    return luaL_error(L, "%s: %s must be one of %s, got '%s'", fname, key, lua_tostring(L, -1), s);
}

int lg_fail(lua_State *L, const char *fname, const gg_err *err)
{
    return luaL_error(L, "%s: %s", fname, err->msg);
}
