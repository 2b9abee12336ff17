/* lua/lloss.c — gglab.Loss: gg.loss.<name>(pred, target, opts) for mse, cross_entropy,
 * bce_with_logits, l1, smooth_l1, huber, bce and nll (core/loss.h), and the option parsing
 * gg.train/gg.evaluate share (lg_loss_spec: "huber" or {"huber", delta = 2}).
 * A Loss holds its value and d loss / d pred; when pred came from model:forward,
 * loss:backward() sends that gradient into the model (like PyTorch's loss.backward()). */
#include "lgglab.h"

#include <string.h>

typedef struct lg_loss {
    double value;       /* float32 loss value */
    unsigned long gen;  /* forward pass of the model that produced pred (0: none) */
} lg_loss;
/* user values: 1 = model userdata or nil, 2 = gradient tensor (B, k) */

/* Option keys each kind takes, indexed by gg_loss_kind (PyTorch's constructor names). */
static const char *const keys_plain[] = {"reduction", NULL};
static const char *const keys_ce[] = {"reduction", "weight", "label_smoothing", "ignore_index",
                                      "z_loss", NULL};
static const char *const keys_bce_logits[] = {"reduction", "weight", "pos_weight", NULL};
static const char *const keys_smooth_l1[] = {"reduction", "beta", NULL};
static const char *const keys_huber[] = {"reduction", "delta", NULL};
static const char *const keys_bce[] = {"reduction", "weight", "keras", NULL};
static const char *const keys_nll[] = {"reduction", "weight", "ignore_index", NULL};
static const char *const *const loss_keys[] = {
    [GG_LOSS_MSE] = keys_plain,         [GG_LOSS_CROSS_ENTROPY] = keys_ce,
    [GG_LOSS_BCE_LOGITS] = keys_bce_logits, [GG_LOSS_L1] = keys_plain,
    [GG_LOSS_SMOOTH_L1] = keys_smooth_l1, [GG_LOSS_HUBER] = keys_huber,
    [GG_LOSS_BCE] = keys_bce,           [GG_LOSS_NLL] = keys_nll,
    [GG_LOSS_KERAS_CCE] = keys_plain,
};

static int takes(gg_loss_kind kind, const char *key)
{
    for (const char *const *k = loss_keys[kind]; *k; k++)
        if (strcmp(*k, key) == 0)
            return 1;
    return 0;
}

/* Is option key of the table at idx given (and the kind takes it)? */
static int given(lua_State *L, int idx, gg_loss_kind kind, const char *key)
{
    if (!takes(kind, key))
        return 0;
    int t = lua_getfield(L, idx, key);
    lua_pop(L, 1);
    return t != LUA_TNIL;
}

/* Copy option key (a list or tensor of exactly n numbers) into dst. Value ranges are
 * gg_loss_check's job. per: what one number stands for ("class", "column"). */
static void read_list(lua_State *L, int idx, const char *fname, const char *key, const char *per,
                      size_t n, float *dst)
{
    lua_getfield(L, idx, key);                             /* stack: ... list */
    gg_tensor *t = luaL_testudata(L, -1, GG_TENSOR_MT);
    int ok = t ? t->data != NULL : lua_istable(L, -1);
    size_t got = !ok ? 0 : t ? t->rows * t->cols : (size_t)luaL_len(L, -1);
    if (!ok)
        luaL_error(L, "%s: %s must be a list (or tensor) of %d numbers, one per %s, got %s", fname,
                   key, (int)n, per, t ? "a closed tensor" : lg_describe(L, -1));
    if (got != n)
        luaL_error(L, "%s: %s must be a list (or tensor) of %d numbers, one per %s, got %d %s",
                   fname, key, (int)n, per, (int)got, got == 1 ? "number" : "numbers");
    for (size_t j = 0; j < n; j++) {
        if (t) {
            dst[j] = t->data[j];
            continue;
        }
        lua_geti(L, -1, (lua_Integer)j + 1);               /* stack: ... list v */
        int isnum;
        dst[j] = (float)lua_tonumberx(L, -1, &isnum);
        if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
            luaL_error(L, "%s: %s[%d] must be a number, got %s", fname, key, (int)j + 1,
                       lg_describe(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);                                         /* stack: ... */
}

void lg_loss_options(lua_State *L, int idx, const char *fname, gg_loss_kind kind, size_t cols,
                     gg_loss_cfg *c)
{
    static const char *const reds[] = {"mean", "sum", NULL};
    *c = gg_loss_defaults(kind);
    if (idx == 0 || lua_isnoneornil(L, idx)) {
        lua_pushnil(L);
        return;
    }
    idx = lua_absindex(L, idx);
    lg_opts_check(L, idx, fname, loss_keys[kind]);
    c->reduction = (gg_reduction)lg_opt_enum(L, idx, fname, "reduction", "mean", reds);
    if (takes(kind, "label_smoothing"))
        c->label_smoothing = (float)lg_opt_number(L, idx, fname, "label_smoothing", 0.0);
    if (takes(kind, "z_loss"))
        c->z_loss = (float)lg_opt_nonneg(L, idx, fname, "z_loss", 0.0);
    if (takes(kind, "ignore_index"))
        c->ignore_index = (long)lg_opt_int(L, idx, fname, "ignore_index", -100, -(1LL << 31), 1LL << 31);
    if (takes(kind, "beta"))
        c->beta = (float)lg_opt_nonneg(L, idx, fname, "beta", 1.0);
    if (takes(kind, "delta"))
        c->delta = (float)lg_opt_positive(L, idx, fname, "delta", 1.0);
    if (takes(kind, "keras"))
        c->keras = lg_opt_bool(L, idx, fname, "keras", 0);
    int has_w = given(L, idx, kind, "weight"), has_pw = given(L, idx, kind, "pos_weight");
    if (!has_w && !has_pw) {
        lua_pushnil(L);
        return;
    }
    // One userdata holds both lists: weight at [0, cols), pos_weight at [cols, 2 cols).
    float *buf = lua_newuserdatauv(L, 2 * cols * sizeof *buf, 0);  /* stack: ... buf */
    const char *per = kind == GG_LOSS_CROSS_ENTROPY || kind == GG_LOSS_NLL ? "class" : "column";
    if (has_w) {
        read_list(L, idx, fname, "weight", per, cols, buf);
        c->weight = buf;
    }
    if (has_pw) {
        read_list(L, idx, fname, "pos_weight", per, cols, buf + cols);
        c->pos_weight = buf + cols;
    }
}

void lg_loss_spec(lua_State *L, int idx, const char *fname, const char *def, const gg_model *m,
                  gg_loss_cfg *c)
{
    const size_t cols = gg_model_out(m);
    const gg_shape os = gg_model_output_shape(m);
    idx = lua_absindex(L, idx);
    const char *name = def;
    int opts = 0;
    lg_model *custom = luaL_testudata(L, idx, GG_MODEL_MT);
    if (custom) {  // a loss graph built by gg.train from a Lua function (gglab.train)
        if (!custom->m)
            luaL_error(L, "%s: the loss model is closed", fname);
        *c = gg_loss_defaults(GG_LOSS_MSE);
        c->custom = custom->m;
        lua_pushvalue(L, idx);  // the one value pushed: keeps the loss graph alive
        return;
    }
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
        if (lua_type(L, idx) != LUA_TSTRING)
            luaL_error(L, "%s: loss must be a name or {name, options...}, got %s", fname,
                       lg_describe(L, idx));
        name = lua_tostring(L, idx);
    }
    gg_loss_kind kind;
    if (gg_loss_parse(name, &kind)) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int i = 0; gg_loss_name((gg_loss_kind)i); i++) {
            luaL_addstring(&b, i ? ", '" : "'");
            luaL_addstring(&b, gg_loss_name((gg_loss_kind)i));
            luaL_addchar(&b, '\'');
        }
        luaL_pushresult(&b);
        luaL_error(L, "%s: loss must be one of %s, got '%s'", fname, lua_tostring(L, -1), name);
    }
    // Over positions, class weights are per class (V), not per output column.
    const size_t classes = gg_loss_classes(kind, os.dim, os.ndim);
    lg_loss_options(L, opts, fname, kind, classes ? classes : cols, c);
    c->classes = classes;
    if (opts)
        lua_remove(L, opts);  // the options table; the pushed lists (or nil) stay
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
    if (gg_loss_check_targets(&c, target->data, target->rows, pred->cols, &err) ||
        gg_loss_check_pred(&c, pred->data, pred->rows, pred->cols, &err))
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
static int loss_bce_logits(lua_State *L) { return loss_compute(L, GG_LOSS_BCE_LOGITS, "gg.loss.bce_with_logits"); }
static int loss_l1(lua_State *L) { return loss_compute(L, GG_LOSS_L1, "gg.loss.l1"); }
static int loss_smooth_l1(lua_State *L) { return loss_compute(L, GG_LOSS_SMOOTH_L1, "gg.loss.smooth_l1"); }
static int loss_huber(lua_State *L) { return loss_compute(L, GG_LOSS_HUBER, "gg.loss.huber"); }
static int loss_bce(lua_State *L) { return loss_compute(L, GG_LOSS_BCE, "gg.loss.bce"); }
static int loss_nll(lua_State *L) { return loss_compute(L, GG_LOSS_NLL, "gg.loss.nll"); }

/* gg.loss.perplexity(loss) → exp(loss), with the core's exp (the same bits on every CPU:
 * gg.train logs it as a curve) */
static int loss_perplexity(lua_State *L)
{
    lua_pushnumber(L, gg_exp(luaL_checknumber(L, 1)));
    return 1;
}

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
    {"mse", loss_mse},       {"cross_entropy", loss_ce}, {"bce_with_logits", loss_bce_logits},
    {"l1", loss_l1},         {"smooth_l1", loss_smooth_l1}, {"huber", loss_huber},
    {"bce", loss_bce},       {"nll", loss_nll},          {"perplexity", loss_perplexity},
    {NULL, NULL},
};

static const luaL_Reg loss_meta[] = {{"__tostring", loss_tostring}, {NULL, NULL}};

void lg_open_loss(lua_State *L)
{
    lg_newclass(L, GG_LOSS_MT, loss_meta, loss_methods);
    luaL_newlib(L, loss_funcs);           /* stack: gg loss */
    lua_setfield(L, -2, "loss");
}
