/* lua/lopts.c — option-table checking: one place produces every "fname: key must be ..."
 * message, so all API functions word their errors the same way. */
#include "lgglab.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers as text ---- */

/* Writes d[0..p-1] (digits '0'..'9', d[0] != '0') times 10^x as printf's "%.<p>g" would:
 * fixed notation when p > x >= -4, else d.ddde±XX; trailing zeros of the fraction (and a
 * bare '.') dropped; '-' first when neg. Returns buf. */
static char *g_style(char *buf, int neg, const char *d, int p, int x)
{
    char *o = buf;
    int last = p;                         /* digits kept: trailing zeros dropped */
    while (last > 1 && d[last - 1] == '0')
        last--;
    if (neg)
        *o++ = '-';
    if (x < p && x >= -4) {
        if (x >= 0) {
            for (int i = 0; i <= x; i++)
                *o++ = (char)(i < last ? d[i] : '0');
            if (last > x + 1) {
                *o++ = '.';
                for (int i = x + 1; i < last; i++)
                    *o++ = d[i];
            }
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = -1; i > x; i--)
                *o++ = '0';
            for (int i = 0; i < last; i++)
                *o++ = d[i];
        }
    } else {
        *o++ = d[0];
        if (last > 1) {
            *o++ = '.';
            for (int i = 1; i < last; i++)
                *o++ = d[i];
        }
        *o++ = 'e';
        *o++ = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            *o++ = (char)('0' + ax / 100);
        *o++ = (char)('0' + ax / 10 % 10);
        *o++ = (char)('0' + ax % 10);
    }
    *o = '\0';
    return buf;
}

/* The float path of lg_fmt_number, same text, a third of the cost: x = (double)f, not an
 * integer. The answer is "%.<p>g" of x for the least p in 6..9 that strtof reads back as f,
 * or NULL (never for a float: 9 digits always read back). Instead of printing x at each p,
 * x is printed once with 9 significant digits (correctly rounded) and the p-digit text
 * is that rounded to p digits: the same as rounding x itself unless the dropped digits are
 * exactly 5, 50, ... (x may lie on either side of that midpoint): then printf decides. */
static const char *fmt_float(double x, float f, char *buf)
{
    char e9[32], d[10], t[40];
    snprintf(e9, sizeof e9, "%.8e", x);   /* [-]d.dddddddde±XX */
    int neg = e9[0] == '-';
    const char *q = e9 + neg;
    d[0] = q[0];
    memcpy(d + 1, q + 2, 8);
    int x10 = (int)strtol(q + 11, NULL, 10);
    for (int p = 6; p <= 9; p++) {
        char r[10];
        int rx = x10;
        memcpy(r, d, 9);
        if (p < 9) {
            int tie = d[p] == '5';
            for (int i = p + 1; i < 9 && tie; i++)
                tie = d[i] == '0';
            if (tie) {                     /* printf rounds x itself */
                snprintf(t, sizeof t, "%.*e", p - 1, x);
                const char *tq = t + neg;
                r[0] = tq[0];
                memcpy(r + 1, tq + 2, (size_t)(p - 1));
                rx = (int)strtol(tq + p + 2, NULL, 10);
            } else if (d[p] >= '5') {      /* round up, carrying */
                int i = p - 1;
                while (i >= 0 && r[i] == '9')
                    r[i--] = '0';
                if (i >= 0) {
                    r[i]++;
                } else {
                    r[0] = '1';
                    rx++;
                }
            }
        }
        /* reads back as f? (strtof of d.ddde±X: the value does not depend on the notation) */
        char *o = t;
        if (neg)
            *o++ = '-';
        *o++ = r[0];
        *o++ = '.';
        memcpy(o, r + 1, (size_t)(p - 1));
        o += p - 1;
        *o++ = 'e';
        if (rx < 0)
            *o++ = '-';
        int ax = rx < 0 ? -rx : rx;       /* |rx| <= 46 for a float */
        *o++ = (char)('0' + ax / 10);
        *o++ = (char)('0' + ax % 10);
        *o = '\0';
        if (strtof(t, NULL) == f)
            return g_style(buf, neg, r, p, rx);
    }
    return NULL;
}

const char *lg_fmt_number(lua_State *L, int idx, int exact, char *buf)
{
    const size_t n = 64;
    if (lua_isinteger(L, idx)) {  /* LUA_INTEGER_FMT's text, without printf */
        lua_Integer v = lua_tointeger(L, idx);
        unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
        char *o = buf + n - 1;
        *o = '\0';
        do {
            *--o = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            *--o = '-';
        return o;
    }
    double x = lua_tonumber(L, idx);
    if (isnan(x))
        return "nan";
    if (isinf(x))
        return x > 0 ? "inf" : "-inf";
    if (x == floor(x) && fabs(x) < 0x1p63) {
        snprintf(buf, n, "%.0f", x);
        return buf;
    }
    float f = (float)x;
    if (!exact && (double)f == x) {
        const char *s = fmt_float(x, f, buf);
        if (s)
            return s;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

const char *lg_describe(lua_State *L, int idx)
{
    char buf[64];
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        return lua_pushstring(L, lg_fmt_number(L, idx, 0, buf));
    case LUA_TSTRING: {  /* control bytes escaped as args.describe does: 'a\nb', 'a\0b' */
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        luaL_addchar(&b, '\'');
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '\n')
                luaL_addstring(&b, "\\n");
            else if (c == '\t')
                luaL_addstring(&b, "\\t");
            else if (iscntrl(c)) {
                snprintf(buf, sizeof buf, "\\%d", c);
                luaL_addstring(&b, buf);
            } else
                luaL_addchar(&b, (char)c);
        }
        luaL_addchar(&b, '\'');
        luaL_pushresult(&b);
        return lua_tostring(L, -1);
    }
    case LUA_TNIL:
        return "nil";
    default:
        return lua_pushfstring(L, "a %s", luaL_typename(L, idx));
    }
}

/* Edit distance of a and b ignoring ASCII case (optimal string alignment: insert, delete,
 * substitute, swap neighbours); names longer than 63 bytes count as far from everything. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    size_t m = strlen(a), n = strlen(b), row[3][MAX];  // rows i-2, i-1, i (mod 3)
    if (m >= MAX || n >= MAX)
        return (size_t)-1;
    for (size_t j = 0; j <= n; j++)
        row[0][j] = j;
    for (size_t i = 1; i <= m; i++) {
        size_t *cur = row[i % 3], *prev = row[(i - 1) % 3], *prev2 = row[(i + 1) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= n; j++) {
            int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
            size_t d = prev[j - 1] + (ai != bj);
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == bj && prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
    }
    return row[m % 3][n];
}

/* The allowed name k was probably meant to be, or NULL: the nearest by edit distance if that
 * is at most max(1, len/3) (0 for a one-character k), the first in allowed's order on a tie;
 * otherwise the only name that k (3 or more characters) begins, ignoring case. The one
 * implementation: Lua reaches it as gg._suggest (lua/gglab/lib/args.lua). */
static const char *suggest(const char *k, const char *const allowed[])
{
    size_t len = strlen(k), limit = len >= 2 ? (len / 3 > 1 ? len / 3 : 1) : 0;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (int i = 0; allowed[i]; i++) {
        size_t d = edit_distance(k, allowed[i]);
        if (d < best_d && strcmp(k, allowed[i]) != 0) {
            best = allowed[i];
            best_d = d;
        }
    }
    if (best || len < 3)
        return best;
    for (int i = 0; allowed[i]; i++) {
        size_t j = 0;
        while (j < len && allowed[i][j] && tolower((unsigned char)k[j]) == tolower((unsigned char)allowed[i][j]))
            j++;
        if (j == len) {
            if (best)
                return NULL;
            best = allowed[i];
        }
    }
    return best;
}

void lg_opts_table(lua_State *L, int idx, const char *fname, const char *const allowed[])
{
    luaL_checktype(L, idx, LUA_TTABLE);
    lg_opts_check(L, idx, fname, allowed);
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
            const char *guess = suggest(k, allowed);
            if (guess) {
                luaL_addstring(&b, "); did you mean '");
                luaL_addstring(&b, guess);
                luaL_addstring(&b, "'?");
            } else {
                luaL_addchar(&b, ')');
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: unknown option '%s' (allowed: %s", fname, k, lua_tostring(L, -1));
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

enum { ANY_FINITE, POSITIVE, NONNEG };

/* Field key as a number checked against rule; the message shows the value as given. */
static double number_field(lua_State *L, int idx, const char *fname, const char *key,
                           double def, int rule)
{
    static const char *const what[] = {"a finite number", "a positive number",
                                       "a non-negative number"};
    idx = idx ? lua_absindex(L, idx) : 0;
    int t = getfield(L, idx, key);                 /* stack: ... value */
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    double v = lua_tonumber(L, -1);
    int ok = t == LUA_TNUMBER && isfinite(v) &&
             (rule == ANY_FINITE || (rule == POSITIVE ? v > 0.0 : v >= 0.0));
    if (!ok)
        luaL_error(L, "%s: %s must be %s, got %s", fname, key, what[rule], lg_describe(L, -1));
    lua_pop(L, 1);
    return v;
}

double lg_opt_number(lua_State *L, int idx, const char *fname, const char *key, double def)
{
    return number_field(L, idx, fname, key, def, ANY_FINITE);
}

double lg_opt_positive(lua_State *L, int idx, const char *fname, const char *key, double def)
{
    return number_field(L, idx, fname, key, def, POSITIVE);
}

double lg_opt_nonneg(lua_State *L, int idx, const char *fname, const char *key, double def)
{
    return number_field(L, idx, fname, key, def, NONNEG);
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
    lua_pushstring(L, s);
    const char *got = lg_describe(L, -1);  /* stack: ... s got */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; names[i]; i++) {
        if (i)
            luaL_addstring(&b, ", ");
        luaL_addchar(&b, '\'');
        luaL_addstring(&b, names[i]);
        luaL_addchar(&b, '\'');
    }
    luaL_addstring(&b, ", got ");
    luaL_addstring(&b, got);
    const char *guess = suggest(s, names);
    if (guess) {
        luaL_addstring(&b, "; did you mean '");
        luaL_addstring(&b, guess);
        luaL_addstring(&b, "'?");
    }
    luaL_pushresult(&b);
    return luaL_error(L, "%s: %s must be one of %s", fname, key, lua_tostring(L, -1));
}

/* gg._suggest(word, {candidates...}) -> the candidate word was probably meant to be, or nil
 * (suggest above); a word that is not a string gets nil, candidates must be strings. */
static int l_suggest(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TTABLE);
    if (lua_type(L, 1) != LUA_TSTRING) {
        lua_pushnil(L);
        return 1;
    }
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, n >= 0 && n < 4096, 2, "too many candidates");
    const char **list = lua_newuserdatauv(L, ((size_t)n + 1) * sizeof *list, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);  /* the table keeps the string alive */
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "gg._suggest: candidate %I must be a string, got %s", i, lg_describe(L, -1));
        list[i - 1] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    list[n] = NULL;
    const char *guess = suggest(lua_tostring(L, 1), list);
    if (guess)
        lua_pushstring(L, guess);
    else
        lua_pushnil(L);
    return 1;
}

void lg_open_opts(lua_State *L)
{
    lua_pushcfunction(L, l_suggest);
    lua_setfield(L, -2, "_suggest");
}

int lg_fail(lua_State *L, const char *fname, const gg_err *err)
{
    return luaL_error(L, "%s: %s", fname, err->msg);
}
