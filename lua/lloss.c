/* lua/lloss.c — gglab.Loss: gg.loss.mse/cross_entropy/bce_with_logits(pred, target, opts).
 * A Loss holds its value and d loss / d pred; when pred came from model:forward,
 * loss:backward() sends that gradient into the model (like PyTorch's loss.backward()). */
#include "lgglab.h"

#include <string.h>

typedef struct lg_loss {
    double value;       /* float32 loss value */
    unsigned long gen;  /* forward pass of the model that produced pred (0: none) */
} lg_loss;
/* user values: 1 = model userdata or nil, 2 = gradient tensor (B, k) */

static const char *const loss_names[] = {"mse", "cross_entropy", "bce_with_logits", NULL};

void lg_loss_options(lua_State *L, int idx, const char *fname, gg_loss_kind kind, size_t cols,
                     gg_loss_cfg *c)
{
    static const char *const plain[] = {"reduction", NULL};
    static const char *const ce[] = {"reduction", "weight", "label_smoothing", "ignore_index", NULL};
    static const char *const reds[] = {"mean", "sum", NULL};
    *c = gg_loss_defaults(kind);
    if (idx == 0 || lua_isnoneornil(L, idx)) {
        lua_pushnil(L);
        return;
    }
    idx = lua_absindex(L, idx);
    lg_opts_check(L, idx, fname, kind == GG_LOSS_CROSS_ENTROPY ? ce : plain);
    c->reduction = (gg_reduction)lg_opt_enum(L, idx, fname, "reduction", "mean", reds);
    if (kind == GG_LOSS_CROSS_ENTROPY) {
        c->label_smoothing = (float)lg_opt_number(L, idx, fname, "label_smoothing", 0.0);
        c->ignore_index = (long)lg_opt_int(L, idx, fname, "ignore_index", -100, -(1LL << 31), 1LL << 31);
    }
    if (lua_getfield(L, idx, "weight") == LUA_TNIL)       /* stack: ... weight */
        return;
    gg_tensor *t = luaL_testudata(L, -1, GG_TENSOR_MT);
    size_t n = t && t->data ? t->rows * t->cols : lua_istable(L, -1) ? (size_t)luaL_len(L, -1) : 0;
    if (n != cols)
        luaL_error(L, "%s: weight must be a list (or tensor) of %d numbers, one per class, got %s",
                   fname, (int)cols, lg_describe(L, -1));
    float *w = lua_newuserdatauv(L, n * sizeof *w, 0);     /* stack: ... weight buf */
    for (size_t j = 0; j < n; j++) {
        if (t) {
            w[j] = t->data[j];
            continue;
        }
        lua_geti(L, -2, (lua_Integer)j + 1);
        int ok;
        w[j] = (float)lua_tonumberx(L, -1, &ok);
        if (!ok)
            luaL_error(L, "%s: weight[%d] must be a number, got %s", fname, (int)j + 1,
                       lg_describe(L, -1));
        lua_pop(L, 1);
    }
    lua_remove(L, -2);                                     /* stack: ... buf */
    c->weight = w;
}

void lg_loss_spec(lua_State *L, int idx, const char *fname, const char *def, size_t cols,
                  gg_loss_cfg *c)
{
    idx = lua_absindex(L, idx);
    const char *name = def;
    int opts = 0;
    if (lua_istable(L, idx)) {
        lua_geti(L, idx, 1);                                   /* stack: ... name */
        name = lua_tostring(L, -1);
        if (!name)
            luaL_error(L, "%s: loss table needs the loss name first, e.g. {\"cross_entropy\", weight = {...}}",
                       fname);
        lua_pop(L, 1);
        // Copy the options without [1] so the unknown-key check sees only names.
        lua_newtable(L);                                       /* stack: ... opts */
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            if (lua_type(L, -2) == LUA_TNUMBER && lua_tointeger(L, -2) == 1) {
                lua_pop(L, 1);
                continue;
            }
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_settable(L, -4);
        }
        opts = lua_gettop(L);
    } else if (!lua_isnoneornil(L, idx)) {
        name = lua_tostring(L, idx);
        if (lua_type(L, idx) != LUA_TSTRING)
            luaL_error(L, "%s: loss must be a name or {name, options...}, got %s", fname,
                       lg_describe(L, idx));
    }
    int kind = -1;
    for (int i = 0; loss_names[i]; i++)
        if (strcmp(name, loss_names[i]) == 0)
            kind = i;
    if (kind < 0)
        luaL_error(L, "%s: loss must be one of 'mse', 'cross_entropy', 'bce_with_logits', got '%s'",
                   fname, name);
    lg_loss_options(L, opts, fname, (gg_loss_kind)kind, cols, c);
    if (opts)
        lua_remove(L, opts);  // the options table; the pushed weight (or nil) stays
}

static int loss_compute(lua_State *L, gg_loss_kind kind, const char *fname)
{
    gg_tensor *pred = lg_tensor_check(L, 1);
    gg_tensor *target = lg_tensor_check(L, 2);
    gg_loss_cfg c;
    lg_loss_options(L, 3, fname, kind, pred->cols, &c);     /* stack: pred target opts w */
    gg_err err;
    if (gg_loss_check(&c, pred->cols, &err))
        return lg_fail(L, fname, &err);
    size_t tc = gg_loss_target_cols(&c, pred->cols);
    if (target->rows != pred->rows || target->cols != tc)
        return luaL_error(L, "%s: target must be %dx%d for a %dx%d prediction, got %dx%d", fname,
                          (int)pred->rows, (int)tc, (int)pred->rows, (int)pred->cols,
                          (int)target->rows, (int)target->cols);
    if (gg_loss_check_targets(&c, target->data, target->rows, pred->cols, &err))
        return lg_fail(L, fname, &err);
    lg_loss *ls = lua_newuserdatauv(L, sizeof *ls, 2);       /* stack: ... w loss */
    *ls = (lg_loss){0};
    luaL_setmetatable(L, GG_LOSS_MT);
    gg_tensor *g = lg_tensor_push(L, pred->rows, pred->cols, fname);  /* ... loss grad */
    ls->value = (double)gg_loss_forward(&c, g->data, pred->data, target->data, pred->rows,
                                        pred->cols);
    lua_setiuservalue(L, -2, 2);                             /* stack: ... loss */
    if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) {          /* ... loss link */
        lua_getfield(L, -1, "gen");                          /* ... loss link gen */
        ls->gen = (unsigned long)lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, -1, "model");                        /* ... loss link model */
        lua_setiuservalue(L, -3, 1);                         /* ... loss link */
    }
    lua_pop(L, 1);                                           /* stack: ... loss */
    return 1;
}

static int loss_mse(lua_State *L) { return loss_compute(L, GG_LOSS_MSE, "gg.loss.mse"); }
static int loss_ce(lua_State *L) { return loss_compute(L, GG_LOSS_CROSS_ENTROPY, "gg.loss.cross_entropy"); }
static int loss_bce(lua_State *L) { return loss_compute(L, GG_LOSS_BCE_LOGITS, "gg.loss.bce_with_logits"); }

static lg_loss *check_loss(lua_State *L)
{
    return luaL_checkudata(L, 1, GG_LOSS_MT);
}

static int loss_item(lua_State *L)
{
    lua_pushnumber(L, check_loss(L)->value);
    return 1;
}

/* loss:grad() → d loss / d pred (the tensor itself, not a copy) */
static int loss_grad(lua_State *L)
{
    check_loss(L);
    lua_getiuservalue(L, 1, 2);
    return 1;
}

static int loss_backward(lua_State *L)
{
    lg_loss *ls = check_loss(L);
    if (lua_getiuservalue(L, 1, 1) != LUA_TUSERDATA)         /* stack: loss model */
        return luaL_error(L, "gglab.Loss:backward: the prediction did not come from model:forward");
    lg_model *lm = lg_model_check(L, -1);
    if (lm->gen != ls->gen)
        return luaL_error(L, "gglab.Loss:backward: the model has run forward again since this loss was computed");
    lua_getiuservalue(L, 1, 2);                              /* stack: loss model grad */
    gg_tensor *g = lg_tensor_check(L, -1);                   // the user may have closed it
    gg_model_backward(lm->m, g->data);
    return 0;
}

static int loss_tostring(lua_State *L)
{
    lua_pushfstring(L, "gglab.Loss(%f)", (lua_Number)check_loss(L)->value);
    return 1;
}

static const luaL_Reg loss_methods[] = {
    {"item", loss_item}, {"grad", loss_grad}, {"backward", loss_backward}, {NULL, NULL},
};

static const luaL_Reg loss_funcs[] = {
    {"mse", loss_mse}, {"cross_entropy", loss_ce}, {"bce_with_logits", loss_bce}, {NULL, NULL},
};

void lg_open_loss(lua_State *L)
{
    luaL_newmetatable(L, GG_LOSS_MT);     /* stack: gg mt */
    luaL_newlib(L, loss_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, loss_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    luaL_newlib(L, loss_funcs);           /* stack: gg loss */
    lua_setfield(L, -2, "loss");
}
