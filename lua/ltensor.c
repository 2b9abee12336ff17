/* lua/ltensor.c — gglab.Tensor: a 2-D float32 tensor owned by Lua.
 * gg.tensor(rows, cols) gives zeros; gg.tensor{{1,2},{3,4}} a matrix; gg.tensor{1,2,3}
 * a column (3,1) — the shape targets take. Indices are 1-based as in Lua. */
#include "lgglab.h"

#include <string.h>

/* t:bytes and gg.tensor_from_bytes copy floats as they lie in memory: little-endian only. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "gglab assumes a little-endian CPU");

gg_tensor *lg_tensor_check(lua_State *L, int idx)
{
    gg_tensor *t = luaL_checkudata(L, idx, GG_TENSOR_MT);
    if (!t->data)
        luaL_error(L, "attempt to use a freed gglab.Tensor");
    return t;
}

gg_tensor *lg_tensor_push(lua_State *L, size_t rows, size_t cols, const char *fname)
{
    gg_tensor *t = lua_newuserdatauv(L, sizeof *t, 1);  // uv 1: producing model, if any
    *t = (gg_tensor){0};                 // harmless for __gc until allocated
    luaL_setmetatable(L, GG_TENSOR_MT);
    gg_err err;
    if (gg_tensor_new(t, rows, cols, &err))
        lg_fail(L, fname, &err);
    return t;
}

static lua_Integer table_len(lua_State *L, int idx, const char *what)
{
    lua_Integer n = luaL_len(L, idx);
    if (n < 1)
        luaL_error(L, "gg.tensor: %s must be a non-empty list", what);
    return n;
}

/* gg.tensor(rows, cols) | gg.tensor(list) | gg.tensor(list of rows) */
static int tensor_new(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TNUMBER) {
        lua_Integer r = luaL_checkinteger(L, 1), c = luaL_checkinteger(L, 2);
        luaL_argcheck(L, r >= 1, 1, "rows must be >= 1");
        luaL_argcheck(L, c >= 1, 2, "cols must be >= 1");
        lg_tensor_push(L, (size_t)r, (size_t)c, "gg.tensor");
        return 1;
    }
    luaL_argexpected(L, lua_istable(L, 1), 1, "table or rows, cols");
    lua_Integer n = table_len(L, 1, "data");
    lua_geti(L, 1, 1);                   /* stack: data first */
    int nested = lua_istable(L, -1);
    lua_Integer cols = nested ? table_len(L, -1, "row 1") : 1;
    lua_pop(L, 1);
    gg_tensor *t = lg_tensor_push(L, (size_t)n, (size_t)cols, "gg.tensor");  /* stack: data T */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);               /* stack: data T row_or_value */
        if (nested) {
            if (!lua_istable(L, -1) || luaL_len(L, -1) != cols)
                return luaL_error(L, "gg.tensor: row %I must be a list of %I numbers", i, cols);
            for (lua_Integer j = 1; j <= cols; j++) {
                lua_geti(L, -1, j);      /* stack: data T row v */
                int ok;
                lua_Number v = lua_tonumberx(L, -1, &ok);
                if (!ok)
                    return luaL_error(L, "gg.tensor: element (%I,%I) must be a number, got %s",
                                      i, j, lg_describe(L, -1));
                t->data[(i - 1) * cols + (j - 1)] = (float)v;
                lua_pop(L, 1);
            }
        } else {
            int ok;
            lua_Number v = lua_tonumberx(L, -1, &ok);
            if (!ok)
                return luaL_error(L, "gg.tensor: element %I must be a number, got %s", i,
                                  lg_describe(L, -1));
            t->data[i - 1] = (float)v;
        }
        lua_pop(L, 1);                   /* stack: data T */
    }
    return 1;
}

static size_t check_index(lua_State *L, int arg, size_t n, const char *what)
{
    lua_Integer i = luaL_checkinteger(L, arg);
    if (i < 1 || (size_t)i > n)
        luaL_error(L, "gglab.Tensor: %s index %I out of range 1..%d", what, i, (int)n);
    return (size_t)i - 1;
}

static int tensor_get(lua_State *L)
{
    gg_tensor *t = lg_tensor_check(L, 1);
    size_t i = check_index(L, 2, t->rows, "row");
    size_t j = lua_isnoneornil(L, 3) ? 0 : check_index(L, 3, t->cols, "column");
    lua_pushnumber(L, (lua_Number)t->data[i * t->cols + j]);
    return 1;
}

static int tensor_set(lua_State *L)
{
    gg_tensor *t = lg_tensor_check(L, 1);
    size_t i = check_index(L, 2, t->rows, "row");
    size_t j = check_index(L, 3, t->cols, "column");
    t->data[i * t->cols + j] = (float)luaL_checknumber(L, 4);
    return 0;
}

static int tensor_shape(lua_State *L)
{
    gg_tensor *t = lg_tensor_check(L, 1);
    lua_pushinteger(L, (lua_Integer)t->rows);
    lua_pushinteger(L, (lua_Integer)t->cols);
    return 2;
}

static int tensor_rows(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lg_tensor_check(L, 1)->rows);
    return 1;
}

static int tensor_cols(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lg_tensor_check(L, 1)->cols);
    return 1;
}

/* t:totable() → list of rows (each a list of numbers). */
static int tensor_totable(lua_State *L)
{
    gg_tensor *t = lg_tensor_check(L, 1);
    lua_createtable(L, (int)t->rows, 0);
    for (size_t i = 0; i < t->rows; i++) {
        lua_createtable(L, (int)t->cols, 0);
        for (size_t j = 0; j < t->cols; j++) {
            lua_pushnumber(L, (lua_Number)t->data[i * t->cols + j]);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int tensor_clone(lua_State *L)
{
    gg_tensor *t = lg_tensor_check(L, 1);
    gg_tensor *c = lg_tensor_push(L, t->rows, t->cols, "gglab.Tensor:clone");
    memcpy(c->data, t->data, t->rows * t->cols * sizeof(float));
    return 1;
}

/* t:bytes() → string: the elements as little-endian float32, row-major (safetensors' F32). */
static int tensor_bytes(lua_State *L)
{
    gg_tensor *t = lg_tensor_check(L, 1);
    lua_pushlstring(L, (const char *)t->data, t->rows * t->cols * sizeof(float));
    return 1;
}

/* gg.tensor_from_bytes(s, rows, cols [, offset = 0]) → tensor: rows*cols little-endian
 * float32 read from string s starting at byte offset (0-based), as t:bytes() writes them. */
static int tensor_from_bytes(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_Integer r = luaL_checkinteger(L, 2), c = luaL_checkinteger(L, 3);
    lua_Integer off = luaL_optinteger(L, 4, 0);
    luaL_argcheck(L, r >= 1, 2, "rows must be >= 1");
    luaL_argcheck(L, c >= 1, 3, "cols must be >= 1");
    luaL_argcheck(L, off >= 0, 4, "offset must be >= 0");
    if ((size_t)off > len || (size_t)r > (len - (size_t)off) / sizeof(float) / (size_t)c)
        return luaL_error(L, "gg.tensor_from_bytes: %I x %I floats from byte %I need %I bytes, the "
                          "string has %I", r, c, off, r * c * (lua_Integer)sizeof(float),
                          (lua_Integer)len - off);
    gg_tensor *t = lg_tensor_push(L, (size_t)r, (size_t)c, "gg.tensor_from_bytes");
    memcpy(t->data, s + off, (size_t)r * (size_t)c * sizeof(float));
    return 1;
}

static int tensor_fill(lua_State *L)
{
    gg_tensor *t = lg_tensor_check(L, 1);
    float v = (float)luaL_checknumber(L, 2);
    for (size_t i = 0; i < t->rows * t->cols; i++)
        t->data[i] = v;
    lua_settop(L, 1);
    return 1;
}

static int tensor_tostring(lua_State *L)
{
    gg_tensor *t = luaL_checkudata(L, 1, GG_TENSOR_MT);
    if (!t->data)
        lua_pushliteral(L, "gglab.Tensor(freed)");
    else
        lua_pushfstring(L, "gglab.Tensor(%dx%d)", (int)t->rows, (int)t->cols);
    return 1;
}

static int tensor_gc(lua_State *L)
{
    gg_tensor_free(luaL_checkudata(L, 1, GG_TENSOR_MT));
    return 0;
}

static const luaL_Reg tensor_methods[] = {
    {"get", tensor_get},         {"set", tensor_set},   {"shape", tensor_shape},
    {"rows", tensor_rows},       {"cols", tensor_cols}, {"totable", tensor_totable},
    {"clone", tensor_clone},     {"fill", tensor_fill}, {"bytes", tensor_bytes},
    {NULL, NULL},
};

static const luaL_Reg tensor_meta[] = {
    {"__gc", tensor_gc}, {"__close", tensor_gc}, {"__tostring", tensor_tostring},
    {"__index", NULL},   {NULL, NULL},
};

void lg_open_tensor(lua_State *L)
{
    lg_newclass(L, GG_TENSOR_MT, tensor_meta, tensor_methods);
    lua_pushcfunction(L, tensor_new);
    lua_setfield(L, -2, "tensor");
    lua_pushcfunction(L, tensor_from_bytes);
    lua_setfield(L, -2, "tensor_from_bytes");
}
