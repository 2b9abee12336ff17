/* lua/ldiag.c — gglab.Diag (gg.diag.new) and the diagnostics functions: gg.diag.sharpness,
 * gg.diag.input_range and gg.accuracy (core/diag.h). A Diag keeps its model alive (user
 * value 1); gg.train_epoch{diagnostics = d} runs the per-step hooks in C and returns the
 * records (lg_diag_push_records), which gg.train logs as curves. */
#include "lgglab.h"

#include <math.h>

typedef struct lg_diag {
    gg_diag *d;  /* NULL once closed */
} lg_diag;

static const char *const diag_keys[] = {"every", "sharpness_every", "sharpness_batch",
                                        "sharpness_iters", "sharpness_tol", NULL};

/* The diag config of the options at idx (absent keys: gg_diag_defaults). */
static gg_diag_cfg diag_cfg(lua_State *L, int idx, const char *f)
{
    gg_diag_cfg c = gg_diag_defaults();
    c.every = (size_t)lg_opt_int(L, idx, f, "every", 1, 1, (lua_Integer)GG_TENSOR_MAX_NUMEL);
    c.sharpness_every =
        (size_t)lg_opt_int(L, idx, f, "sharpness_every", 0, 0, (lua_Integer)GG_TENSOR_MAX_NUMEL);
    c.sharpness_rows =
        (size_t)lg_opt_int(L, idx, f, "sharpness_batch", 0, 0, (lua_Integer)GG_TENSOR_MAX_NUMEL);
    c.sharpness_iters = (int)lg_opt_int(L, idx, f, "sharpness_iters", 20, 1, 100000);
    c.sharpness_tol = lg_opt_nonneg(L, idx, f, "sharpness_tol", 1e-3);
    return c;
}

gg_diag *lg_diag_check(lua_State *L, int idx)
{
    lg_diag *ld = luaL_checkudata(L, idx, GG_DIAG_MT);
    if (!ld->d)
        luaL_error(L, "attempt to use a closed gglab.Diag");
    return ld->d;
}

/* gg.diag.new(model [, {every=1, sharpness_every=0, sharpness_batch=0 (all rows),
 *              sharpness_iters=20, sharpness_tol=1e-3}]) → gglab.Diag */
static int diag_new(lua_State *L)
{
    const char *f = "gg.diag.new";
    lg_model *lm = lg_model_check(L, 1);
    lg_opts_check(L, 2, f, diag_keys);
    gg_diag_cfg c = diag_cfg(L, 2, f);
    lg_diag *ld = lua_newuserdatauv(L, sizeof *ld, 1);  /* stack: model [opts] diag */
    ld->d = NULL;
    luaL_setmetatable(L, GG_DIAG_MT);
    gg_err err;
    if (gg_diag_new(&ld->d, lm->m, &c, &err))
        return lg_fail(L, f, &err);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

/* Set t[name] = v, or leave it nil when v is NaN (a quantity the model cannot have). */
static void set_num(lua_State *L, const char *name, double v)
{
    if (isnan(v))
        return;
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
}

/* Set t[name] = the list a[0..n). */
static void set_list(lua_State *L, const char *name, const float *a, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushnumber(L, (lua_Number)a[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, name);
}

void lg_diag_push_records(lua_State *L, const gg_diag *d)
{
    const size_t n = gg_diag_nrecords(d), nl = gg_diag_linear_layers(d), na = gg_diag_attention_layers(d);
    lua_createtable(L, (int)n, 0);                           /* stack: list */
    for (size_t i = 0; i < n; i++) {
        const gg_diag_record *r = gg_diag_record_at(d, i);
        lua_createtable(L, 0, 20);                           /* stack: list rec */
        lua_pushinteger(L, (lua_Integer)r->step);
        lua_setfield(L, -2, "step");
        lua_pushnumber(L, (lua_Number)r->grad_norm);         // NaN kept: a real value here
        lua_setfield(L, -2, "grad_norm");
        lua_pushnumber(L, (lua_Number)r->grad_norm_clipped);
        lua_setfield(L, -2, "grad_norm_clipped");
        lua_pushnumber(L, (lua_Number)r->grad_ratio);
        lua_setfield(L, -2, "grad_ratio");
        lua_pushnumber(L, (lua_Number)r->update_ratio);
        lua_setfield(L, -2, "update_ratio");
        lua_pushnumber(L, (lua_Number)r->mean_abs_update);
        lua_setfield(L, -2, "mean_abs_update");
        lua_pushnumber(L, (lua_Number)r->eff_lr);
        lua_setfield(L, -2, "eff_lr");
        lua_pushnumber(L, (lua_Number)r->zero_grad_frac);
        lua_setfield(L, -2, "zero_grad_frac");
        lua_pushnumber(L, (lua_Number)r->nonfinite);
        lua_setfield(L, -2, "nonfinite");
        set_num(L, "saturated_frac", (double)r->saturated_frac);
        set_num(L, "relu_zero_frac", (double)r->relu_zero_frac);
        set_num(L, "dead_relu_frac", (double)r->dead_relu_frac);
        set_num(L, "recurrent_norm", (double)r->recurrent_norm);
        set_num(L, "logit_norm", (double)r->logit_norm);
        if (r->has_sharpness) {
            lua_pushnumber(L, r->sharpness.value);
            lua_setfield(L, -2, "sharpness");
            lua_pushnumber(L, r->sharpness.limit);
            lua_setfield(L, -2, "sharpness_limit");
            lua_pushinteger(L, r->sharpness.iters);
            lua_setfield(L, -2, "sharpness_iters");
        }
        set_list(L, "grad_norm_l", r->layer_grad_norm, nl);
        set_list(L, "update_ratio_l", r->layer_update_ratio, nl);
        set_list(L, "weight_var_l", r->layer_weight_var, nl);
        set_list(L, "attn_max_logit_l", r->layer_attn_max_logit, na);
        set_list(L, "attn_entropy_l", r->layer_attn_entropy, na);
        lua_rawseti(L, -2, (lua_Integer)i + 1);              /* stack: list */
    }
}

/* d:records() → the records of the last gg.train_epoch call, in step order */
static int diag_records(lua_State *L)
{
    lg_diag_push_records(L, lg_diag_check(L, 1));
    return 1;
}

/* d:accuracy() → the running training accuracy of the last gg.train_epoch call, or nil
 * (not a classification loss) */
static int diag_accuracy(lua_State *L)
{
    double acc;
    if (gg_diag_train_accuracy(lg_diag_check(L, 1), &acc))
        lua_pushnumber(L, acc);
    else
        lua_pushnil(L);
    return 1;
}

/* d:model() → the model it was made for */
static int diag_model(lua_State *L)
{
    lg_diag_check(L, 1);
    lua_getiuservalue(L, 1, 1);
    return 1;
}

static int diag_tostring(lua_State *L)
{
    lg_diag *ld = luaL_checkudata(L, 1, GG_DIAG_MT);
    if (!ld->d)
        lua_pushliteral(L, "gglab.Diag(closed)");
    else
        lua_pushfstring(L, "gglab.Diag(%d linear layers)", (int)gg_diag_linear_layers(ld->d));
    return 1;
}

static int diag_gc(lua_State *L)
{
    lg_diag *ld = luaL_checkudata(L, 1, GG_DIAG_MT);
    gg_diag_free(ld->d);
    ld->d = NULL;
    return 0;
}

/* gg.diag.sharpness(model, data, {loss="mse", optimizer=nil, l1=0, l2=0, batch=0 (all rows),
 *                   iters=20, tol=1e-3}) → sharpness, limit (nil without optimizer), hvps
 * The top eigenvalue of P^-1/2 H P^-1/2 (H: the loss's Hessian on the fixed batch, P the
 * optimizer's preconditioner, I without one); the model is left as it was. */
static int diag_sharpness(lua_State *L)
{
    static const char *const allowed[] = {"loss", "optimizer", "l1", "l2", "batch", "iters",
                                          "tol", NULL};
    const char *f = "gg.diag.sharpness";
    lg_model *lm = lg_model_check(L, 1);
    gg_dataset *ds = lg_dataset_check(L, 2);
    lg_opts_check(L, 3, f, allowed);
    gg_train_cfg c = {.batch_size = 1};
    gg_diag_cfg dc = gg_diag_defaults();
    dc.sharpness_rows = (size_t)lg_opt_int(L, 3, f, "batch", 0, 0, (lua_Integer)GG_TENSOR_MAX_NUMEL);
    dc.sharpness_iters = (int)lg_opt_int(L, 3, f, "iters", 20, 1, 100000);
    dc.sharpness_tol = lg_opt_nonneg(L, 3, f, "tol", 1e-3);
    c.l1 = lg_opt_nonneg(L, 3, f, "l1", 0.0);
    c.l2 = lg_opt_nonneg(L, 3, f, "l2", 0.0);
    gg_optim *o = NULL;
    if (lua_istable(L, 3) && lua_getfield(L, 3, "optimizer") != LUA_TNIL) {  /* stack: ... opt */
        if (!luaL_testudata(L, -1, GG_OPTIM_MT))
            return luaL_error(L, "%s: optimizer must be a gglab.Optim, got %s", f, lg_describe(L, -1));
        o = lg_optim_check(L, -1);
    }
    lua_settop(L, 3);
    if (lua_istable(L, 3))
        lua_getfield(L, 3, "loss");                         /* stack: m ds opts loss */
    else
        lua_pushnil(L);
    lg_loss_spec(L, -1, f, "mse", lm->m, &c.loss);  /* ... loss weight */
    gg_diag *d = NULL;
    gg_err err;
    gg_sharpness sh;
    gg_status st = gg_diag_new(&d, lm->m, &dc, &err);
    if (!st)
        st = gg_diag_sharpness(d, lm->m, o, ds, &c, &sh, &err);
    gg_diag_free(d);
    if (st)
        return lg_fail(L, f, &err);
    lm->gen++;  // the probes ran forward passes
    lua_pushnumber(L, sh.value);
    if (o)
        lua_pushnumber(L, sh.limit);
    else
        lua_pushnil(L);
    lua_pushinteger(L, sh.iters);
    return 3;
}

/* gg.diag.input_range(data) → smallest, largest feature value (NaN if any is NaN) */
static int diag_input_range(lua_State *L)
{
    gg_dataset *ds = lg_dataset_check(L, 1);
    gg_tensor x = gg_dataset_x(ds);
    float lo, hi;
    gg_diag_range(x.data, x.rows * x.cols, &lo, &hi);
    lua_pushnumber(L, (lua_Number)lo);
    lua_pushnumber(L, (lua_Number)hi);
    return 2;
}

/* gg.accuracy(model, data [, {loss="cross_entropy"}]) → share of rows (bce: elements)
 * predicted right in evaluation mode; the loss names how outputs are read */
static int diag_accuracy_of(lua_State *L)
{
    const char *f = "gg.accuracy";
    gg_dataset *ds;
    gg_loss_cfg loss;
    lg_model *lm = lg_eval_args(L, f, "cross_entropy", &ds, &loss);
    if (!gg_loss_is_classification(loss.kind))
        return luaL_error(L, "%s: loss must be one of 'cross_entropy', 'nll', 'bce', 'bce_with_logits', got '%s'",
                          f, gg_loss_name(loss.kind));
    gg_err err;
    double acc;
    if (gg_diag_accuracy(lm->m, ds, &loss, 256, &acc, &err))
        return lg_fail(L, f, &err);
    lm->gen++;
    lua_pushnumber(L, acc);
    return 1;
}

static const luaL_Reg diag_methods[] = {
    {"records", diag_records}, {"accuracy", diag_accuracy}, {"model", diag_model},
    {NULL, NULL},
};

static const luaL_Reg diag_meta[] = {
    {"__gc", diag_gc}, {"__close", diag_gc}, {"__tostring", diag_tostring},
    {"__index", NULL}, {NULL, NULL},
};

static const luaL_Reg diag_funcs[] = {
    {"new", diag_new}, {"sharpness", diag_sharpness}, {"input_range", diag_input_range},
    {NULL, NULL},
};

void lg_open_diag(lua_State *L)
{
    lg_newclass(L, GG_DIAG_MT, diag_meta, diag_methods);
    luaL_newlib(L, diag_funcs);           /* stack: gg diag */
    lua_setfield(L, -2, "diag");
    lua_pushcfunction(L, diag_accuracy_of);
    lua_setfield(L, -2, "accuracy");
}
