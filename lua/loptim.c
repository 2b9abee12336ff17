/* lua/loptim.c — gglab.Optim: gg.optim.{sgd,adam,adamw,rmsprop,adagrad,keras_adam}(model,
 * opts). The optimizer keeps its model alive (user value 1); opt:step() updates the model's
 * flat parameters from its gradients. Options, names and defaults follow torch.optim (1.13);
 * keras_adam takes the same names (betas, eps) with Keras 2's defaults. */
#include "lgglab.h"

#include <string.h>

typedef struct lg_optim {
    gg_optim *o;        /* NULL once closed */
    size_t steps;       /* opt:step() calls */
    size_t stale;       /* of them, steps with no zero_grad of the model since the previous one */
    size_t last_zero;   /* the model's gg_model_zero_count at the previous opt:step() */
    int zero_after;     /* opt:set_zero_after_step(true): zero the gradients after each step */
} lg_optim;

gg_optim *lg_optim_check(lua_State *L, int idx)
{
    lg_optim *lo = luaL_checkudata(L, idx, GG_OPTIM_MT);
    if (!lo->o)
        luaL_error(L, "attempt to use a closed gglab.Optim");
    return lo->o;
}

static int push_optim(lua_State *L, gg_optim_kind kind, const void *cfg, const char *fname)
{
    lg_model *lm = lg_model_check(L, 1);
    lg_optim *lo = lua_newuserdatauv(L, sizeof *lo, 1);  /* stack: model opts optim */
    memset(lo, 0, sizeof *lo);
    luaL_setmetatable(L, GG_OPTIM_MT);
    gg_err err;
    if (gg_optim_new(&lo->o, kind, cfg, gg_model_nparams(lm->m), &err))
        return lg_fail(L, fname, &err);
    if (gg_model_ntrainable(lm->m) != gg_model_nparams(lm->m)) {  // frozen tensors: skip them
        size_t *r = lua_newuserdatauv(L, 2 * gg_model_ntensors(lm->m) * sizeof *r, 0);
        size_t nr = gg_model_trainable_ranges(lm->m, r);
        if (gg_optim_set_ranges(lo->o, r, nr, &err))
            return lg_fail(L, fname, &err);
        lua_pop(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

static int optim_sgd(lua_State *L)
{
    static const char *const allowed[] = {"lr", "momentum", "dampening", "weight_decay",
                                          "nesterov", NULL};
    const char *f = "gg.optim.sgd";
    lg_model_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
    gg_sgd_cfg c = gg_sgd_defaults();
    c.lr = lg_opt_positive(L, 2, f, "lr", c.lr);
    c.momentum = lg_opt_nonneg(L, 2, f, "momentum", 0.0);
    c.dampening = lg_opt_nonneg(L, 2, f, "dampening", 0.0);
    c.weight_decay = lg_opt_nonneg(L, 2, f, "weight_decay", 0.0);
    c.nesterov = lg_opt_bool(L, 2, f, "nesterov", 0);
    return push_optim(L, GG_OPTIM_SGD, &c, f);
}

/* Option betas = {b1, b2} of the table at 2, if present, into *b1, *b2. Range errors
 * come from the core check ("betas[2] must be in [0, 1), got 1"). */
static void opt_betas(lua_State *L, const char *f, double *b1, double *b2)
{
    if (lua_istable(L, 2) && lua_getfield(L, 2, "betas") != LUA_TNIL) {  /* stack: ... betas */
        if (!lua_istable(L, -1) || luaL_len(L, -1) != 2)
            luaL_error(L, "%s: betas must be a list of two numbers in [0, 1), got %s", f,
                       lg_describe(L, -1));
        lua_geti(L, -1, 1);
        lua_geti(L, -2, 2);                                  /* stack: ... betas b1 b2 */
        if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1))
            luaL_error(L, "%s: betas must be a list of two numbers in [0, 1)", f);
        *b1 = lua_tonumber(L, -2);
        *b2 = lua_tonumber(L, -1);
        lua_pop(L, 2);
    }
    lua_settop(L, 2);
}

/* Adam and AdamW: the same options; AdamW's weight_decay is decoupled (default 1e-2). */
static int adam_like(lua_State *L, const char *f, gg_optim_kind kind, gg_adam_cfg c)
{
    static const char *const allowed[] = {"lr", "betas", "eps", "weight_decay", "amsgrad", NULL};
    lg_model_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
    c.lr = lg_opt_positive(L, 2, f, "lr", c.lr);
    c.eps = lg_opt_nonneg(L, 2, f, "eps", c.eps);
    c.weight_decay = lg_opt_nonneg(L, 2, f, "weight_decay", c.weight_decay);
    c.amsgrad = lg_opt_bool(L, 2, f, "amsgrad", 0);
    opt_betas(L, f, &c.beta1, &c.beta2);
    return push_optim(L, kind, &c, f);
}

static int optim_adam(lua_State *L)
{
    return adam_like(L, "gg.optim.adam", GG_OPTIM_ADAM, gg_adam_defaults());
}

static int optim_adamw(lua_State *L)
{
    return adam_like(L, "gg.optim.adamw", GG_OPTIM_ADAMW, gg_adamw_defaults());
}

static int optim_rmsprop(lua_State *L)
{
    static const char *const allowed[] = {"lr", "alpha", "eps", "weight_decay", "momentum",
                                          "centered", NULL};
    const char *f = "gg.optim.rmsprop";
    lg_model_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
    gg_rmsprop_cfg c = gg_rmsprop_defaults();
    c.lr = lg_opt_positive(L, 2, f, "lr", c.lr);
    c.alpha = lg_opt_number(L, 2, f, "alpha", c.alpha);  // range checked by the core
    c.eps = lg_opt_nonneg(L, 2, f, "eps", c.eps);
    c.weight_decay = lg_opt_nonneg(L, 2, f, "weight_decay", c.weight_decay);
    c.momentum = lg_opt_nonneg(L, 2, f, "momentum", c.momentum);
    c.centered = lg_opt_bool(L, 2, f, "centered", 0);
    return push_optim(L, GG_OPTIM_RMSPROP, &c, f);
}

static int optim_adagrad(lua_State *L)
{
    static const char *const allowed[] = {"lr", "lr_decay", "weight_decay",
                                          "initial_accumulator_value", "eps", NULL};
    const char *f = "gg.optim.adagrad";
    lg_model_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
    gg_adagrad_cfg c = gg_adagrad_defaults();
    c.lr = lg_opt_positive(L, 2, f, "lr", c.lr);
    c.lr_decay = lg_opt_nonneg(L, 2, f, "lr_decay", c.lr_decay);
    c.weight_decay = lg_opt_nonneg(L, 2, f, "weight_decay", c.weight_decay);
    c.initial_accumulator_value =
        lg_opt_nonneg(L, 2, f, "initial_accumulator_value", c.initial_accumulator_value);
    c.eps = lg_opt_nonneg(L, 2, f, "eps", c.eps);
    return push_optim(L, GG_OPTIM_ADAGRAD, &c, f);
}

static int optim_keras_adam(lua_State *L)
{
    static const char *const allowed[] = {"lr", "betas", "eps", NULL};
    const char *f = "gg.optim.keras_adam";
    lg_model_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
    gg_keras_adam_cfg c = gg_keras_adam_defaults();
    c.lr = lg_opt_positive(L, 2, f, "lr", c.lr);
    c.eps = lg_opt_nonneg(L, 2, f, "eps", c.eps);
    opt_betas(L, f, &c.beta1, &c.beta2);
    return push_optim(L, GG_OPTIM_KERAS_ADAM, &c, f);
}

/* opt:step(): one update of the model's parameters from its gradients */
static int optim_step(lua_State *L)
{
    gg_optim *o = lg_optim_check(L, 1);
    lg_optim *lo = lua_touserdata(L, 1);
    lua_getiuservalue(L, 1, 1);                               /* stack: opt model */
    lg_model *lm = lg_model_check(L, -1);
    const size_t zeros = gg_model_zero_count(lm->m);
    if (lo->steps > 0 && zeros == lo->last_zero)
        lo->stale++;
    lo->steps++;
    gg_optim_step(o, gg_model_params(lm->m), gg_model_grads(lm->m));
    lo->last_zero = gg_model_zero_count(lm->m);  /* a zero_grad from here on precedes the next step */
    if (lo->zero_after)
        gg_model_zero_grad(lm->m);
    return 0;
}

/* opt:stale_steps() → steps, stale: the opt:step() calls so far and how many of them stepped on
 * gradients not zeroed since the previous step (their running sum: a hand-written loop that
 * never calls zero_grad) */
static int optim_stale_steps(lua_State *L)
{
    lg_optim_check(L, 1);
    const lg_optim *lo = lua_touserdata(L, 1);
    lua_pushinteger(L, (lua_Integer)lo->steps);
    lua_pushinteger(L, (lua_Integer)lo->stale);
    return 2;
}

/* opt:set_zero_after_step(flag): zero the model's gradients after each opt:step() (a
 * hand-written loop then needs no zero_grad; gg.train zeroes them anyway) */
static int optim_set_zero_after_step(lua_State *L)
{
    lg_optim_check(L, 1);
    lg_optim *lo = lua_touserdata(L, 1);
    luaL_checktype(L, 2, LUA_TBOOLEAN);
    lo->zero_after = lua_toboolean(L, 2);
    return 0;
}

/* opt:zero_grad(): zero the model's gradients (same as model:zero_grad()) */
static int optim_zero_grad(lua_State *L)
{
    lg_optim_check(L, 1);
    lua_getiuservalue(L, 1, 1);
    gg_model_zero_grad(lg_model_check(L, -1)->m);
    return 0;
}

static int optim_lr(lua_State *L)
{
    lua_pushnumber(L, gg_optim_lr(lg_optim_check(L, 1)));
    return 1;
}

static int optim_set_lr(lua_State *L)
{
    gg_optim *o = lg_optim_check(L, 1);
    gg_err err;
    if (gg_optim_set_lr(o, luaL_checknumber(L, 2), &err))
        return lg_fail(L, "gglab.Optim:set_lr", &err);
    return 0;
}

/* opt:momentum() → SGD/RMSprop momentum, beta1 of the Adam family, nil for Adagrad */
static int optim_momentum(lua_State *L)
{
    gg_optim *o = lg_optim_check(L, 1);
    if (gg_optim_has_momentum(o))
        lua_pushnumber(L, gg_optim_momentum(o));
    else
        lua_pushnil(L);
    return 1;
}

static int optim_set_momentum(lua_State *L)
{
    gg_optim *o = lg_optim_check(L, 1);
    gg_err err;
    if (gg_optim_set_momentum(o, luaL_checknumber(L, 2), &err))
        return lg_fail(L, "gglab.Optim:set_momentum", &err);
    return 0;
}

static int optim_steps(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gg_optim_steps(lg_optim_check(L, 1)));
    return 1;
}

/* opt:model() → the model it updates */
static int optim_model(lua_State *L)
{
    lg_optim_check(L, 1);
    lua_getiuservalue(L, 1, 1);
    return 1;
}

/* opt:clone() → a new gglab.Optim of the same model with this one's config and state (a
 * snapshot: opt:load_state(snapshot) puts it back) */
static int optim_clone(lua_State *L)
{
    gg_optim *o = lg_optim_check(L, 1);
    lg_optim *lo = lua_newuserdatauv(L, sizeof *lo, 1);  /* stack: opt clone */
    memset(lo, 0, sizeof *lo);
    luaL_setmetatable(L, GG_OPTIM_MT);
    gg_err err;
    if (gg_optim_clone(&lo->o, o, &err))
        return lg_fail(L, "gglab.Optim:clone", &err);
    lua_getiuservalue(L, 1, 1);                            /* stack: opt clone model */
    lua_setiuservalue(L, -2, 1);
    return 1;
}

/* opt:load_state(other): copy other's config and state (same kind, model size and
 * buffers, e.g. a clone) into opt */
static int optim_load_state(lua_State *L)
{
    gg_optim *o = lg_optim_check(L, 1);
    gg_optim *src = lg_optim_check(L, 2);
    gg_err err;
    if (gg_optim_load_state(o, src, &err))
        return lg_fail(L, "gglab.Optim:load_state", &err);
    return 0;
}

/* opt:state_dict() → {kind =, steps =, started =, lr =, momentum = (nil for adagrad),
 * buffers = {exp_avg = (1, n) tensor, ...}}: everything a checkpoint needs (buffers named
 * as torch's per-parameter state, over the flat parameters) */
static int optim_state_dict(lua_State *L)
{
    gg_optim *o = lg_optim_check(L, 1);
    const gg_optim_kind kind = gg_optim_kind_of(o);
    const size_t n = gg_optim_size(o);
    lua_createtable(L, 0, 6);                                /* stack: opt t */
    lua_pushstring(L, gg_optim_kind_name(kind));
    lua_setfield(L, -2, "kind");
    lua_pushinteger(L, (lua_Integer)gg_optim_steps(o));
    lua_setfield(L, -2, "steps");
    lua_pushboolean(L, gg_optim_started(o));
    lua_setfield(L, -2, "started");
    lua_pushnumber(L, gg_optim_lr(o));
    lua_setfield(L, -2, "lr");
    if (gg_optim_has_momentum(o)) {
        lua_pushnumber(L, gg_optim_momentum(o));
        lua_setfield(L, -2, "momentum");
    }
    lua_createtable(L, 0, 3);                                /* stack: opt t buffers */
    for (int k = 0; k < 3; k++) {
        const float *b = gg_optim_buffer(o, k);
        if (!b)
            continue;
        gg_tensor *t = lg_tensor_push(L, 1, n, "gglab.Optim:state_dict");
        memcpy(t->data, b, n * sizeof(float));
        lua_setfield(L, -2, gg_optim_buffer_name(kind, k));
    }
    lua_setfield(L, -2, "buffers");
    return 1;
}

/* opt:load_state_dict(state): restore a state_dict() of an optimizer of the same kind,
 * options and model size. Everything is checked before anything is written. */
static int optim_load_state_dict(lua_State *L)
{
    const char *f = "gglab.Optim:load_state_dict";
    gg_optim *o = lg_optim_check(L, 1);
    const gg_optim_kind kind = gg_optim_kind_of(o);
    const size_t n = gg_optim_size(o);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_getfield(L, 2, "kind");                              /* stack: opt st kind */
    const char *k = lua_tostring(L, -1);
    if (!k || strcmp(k, gg_optim_kind_name(kind)) != 0)
        return luaL_error(L, "%s: the state is of optimizer '%s', this one is '%s'", f, k ? k : "?",
                          gg_optim_kind_name(kind));
    int isint = 0;
    lua_getfield(L, 2, "steps");                             /* stack: opt st kind steps */
    lua_Integer steps = lua_tointegerx(L, -1, &isint);
    if (!isint || steps < 0)
        return luaL_error(L, "%s: steps must be an integer >= 0, got %s", f, lg_describe(L, -1));
    lua_getfield(L, 2, "lr");                                /* stack: ... lr */
    if (!lua_isnumber(L, -1))
        return luaL_error(L, "%s: lr must be a number, got %s", f, lg_describe(L, -1));
    double lr = lua_tonumber(L, -1);
    lua_getfield(L, 2, "momentum");                          /* stack: ... lr momentum */
    if (gg_optim_has_momentum(o) && !lua_isnumber(L, -1))
        return luaL_error(L, "%s: momentum must be a number, got %s", f, lg_describe(L, -1));
    double mom = lua_tonumber(L, -1);
    lua_getfield(L, 2, "started");                           /* stack: ... started */
    int started = lua_toboolean(L, -1);
    lua_getfield(L, 2, "buffers");                           /* stack: ... buffers (index 8) */
    if (!lua_istable(L, -1))
        return luaL_error(L, "%s: buffers must be a table, got %s", f, lg_describe(L, -1));
    const int bi = lua_gettop(L);
    int nbuf = 0;
    for (int b = 0; b < 3; b++) {   // every buffer this optimizer has, with n floats
        if (!gg_optim_buffer(o, b))
            continue;
        nbuf++;
        const char *name = gg_optim_buffer_name(kind, b);
        lua_getfield(L, bi, name);
        gg_tensor *t = luaL_testudata(L, -1, GG_TENSOR_MT);
        if (!t || !t->data || t->rows * t->cols != n)
            return luaL_error(L, "%s: buffers.%s must be a gglab.Tensor of %d values, got %s", f, name,
                              (int)n, lg_describe(L, -1));
        lua_pop(L, 1);
    }
    int given = 0;
    lua_pushnil(L);
    while (lua_next(L, bi)) {
        given++;
        lua_pop(L, 1);
    }
    if (given != nbuf)
        return luaL_error(L, "%s: the state has %d buffers, this %s has %d (momentum, amsgrad or "
                          "centered differ)", f, given, gg_optim_kind_name(kind), nbuf);
    gg_err err;
    if (gg_optim_set_lr(o, lr, &err))
        return lg_fail(L, f, &err);
    if (gg_optim_has_momentum(o) && gg_optim_momentum(o) != mom && gg_optim_set_momentum(o, mom, &err))
        return lg_fail(L, f, &err);
    if (gg_optim_set_progress(o, (long)steps, started, &err))
        return lg_fail(L, f, &err);
    for (int b = 0; b < 3; b++) {
        float *dst = gg_optim_buffer(o, b);
        if (!dst)
            continue;
        lua_getfield(L, bi, gg_optim_buffer_name(kind, b));
        memcpy(dst, ((gg_tensor *)lua_touserdata(L, -1))->data, n * sizeof(float));
        lua_pop(L, 1);
    }
    return 0;
}

static int optim_tostring(lua_State *L)
{
    lg_optim *lo = luaL_checkudata(L, 1, GG_OPTIM_MT);
    if (!lo->o)
        lua_pushliteral(L, "gglab.Optim(closed)");
    else
        lua_pushfstring(L, "gglab.Optim(%s, lr=%f)", gg_optim_kind_name(gg_optim_kind_of(lo->o)),
                        (lua_Number)gg_optim_lr(lo->o));
    return 1;
}

static int optim_gc(lua_State *L)
{
    lg_optim *lo = luaL_checkudata(L, 1, GG_OPTIM_MT);
    gg_optim_free(lo->o);
    lo->o = NULL;
    return 0;
}

static const luaL_Reg optim_methods[] = {
    {"step", optim_step},   {"zero_grad", optim_zero_grad}, {"lr", optim_lr},
    {"stale_steps", optim_stale_steps}, {"set_zero_after_step", optim_set_zero_after_step},
    {"set_lr", optim_set_lr}, {"steps", optim_steps},       {"model", optim_model},
    {"momentum", optim_momentum}, {"set_momentum", optim_set_momentum},
    {"clone", optim_clone},   {"load_state", optim_load_state},
    {"state_dict", optim_state_dict}, {"load_state_dict", optim_load_state_dict},
    {NULL, NULL},
};

static const luaL_Reg optim_meta[] = {
    {"__gc", optim_gc}, {"__close", optim_gc}, {"__tostring", optim_tostring},
    {"__index", NULL},  {NULL, NULL},
};

static const luaL_Reg optim_funcs[] = {
    {"sgd", optim_sgd},         {"adam", optim_adam},       {"adamw", optim_adamw},
    {"rmsprop", optim_rmsprop}, {"adagrad", optim_adagrad}, {"keras_adam", optim_keras_adam},
    {NULL, NULL},
};

void lg_open_optim(lua_State *L)
{
    lg_newclass(L, GG_OPTIM_MT, optim_meta, optim_methods);
    luaL_newlib(L, optim_funcs);          /* stack: gg optim */
    lua_setfield(L, -2, "optim");
}
