/* lua/lnn.c — gglab.Model: gg.nn.sequential{specs...} and the model's methods.
 * Layer specs are plain tables built in Lua (gg.nn.linear(10, 32) → {kind="linear",
 * ["in"]=10, out=32}; gg.nn.relu() → {kind="relu"}). A forward output tensor records its
 * model and pass number in its user value so that a loss computed from it can run
 * backward, and refuses to when the model has run forward again since. */
#include "lgglab.h"

#include <string.h>

lg_model *lg_model_check(lua_State *L, int idx)
{
    lg_model *lm = luaL_checkudata(L, idx, GG_MODEL_MT);
    if (!lm->m)
        luaL_error(L, "attempt to use a closed gglab.Model");
    return lm;
}

static lua_Integer spec_size(lua_State *L, int spec, lua_Integer i, const char *key)
{
    lua_getfield(L, spec, key);
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < 1)
        luaL_error(L, "gg.nn.sequential: layer %I: %s must be a positive integer, got %s", i, key,
                   lg_describe(L, -1));
    lua_pop(L, 1);
    return v;
}

/* gg.nn.sequential(layers, opts) → model with PyTorch default init from opts.seed/rng or
 * the default generator. */
static int nn_sequential(lua_State *L)
{
    static const char *const allowed[] = {"seed", "rng", NULL};
    static const char *const kinds[] = {"linear", "relu", "sigmoid", "tanh", NULL};
    const char *fname = "gg.nn.sequential";
    luaL_checktype(L, 1, LUA_TTABLE);
    lg_opts_check(L, 2, fname, allowed);
    lua_Integer n = luaL_len(L, 1);
    if (n < 1 || n > GG_MODEL_MAX_LAYERS)
        return luaL_error(L, "%s: expected 1..%d layers, got %I", fname, GG_MODEL_MAX_LAYERS, n);
    lg_model *lm = lua_newuserdatauv(L, sizeof *lm, 0);  /* stack: layers opts model */
    *lm = (lg_model){0};
    luaL_setmetatable(L, GG_MODEL_MT);
    gg_layer_spec *specs = lua_newuserdatauv(L, (size_t)n * sizeof *specs, 0);  /* ... model specs */
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, 1, i) != LUA_TTABLE)                 /* ... model specs spec */
            return luaL_error(L, "%s: layer %I must be a layer table (gg.nn.linear(...), gg.nn.relu(), ...), got %s",
                              fname, i, lg_describe(L, -1));
        int spec = lua_gettop(L);
        lua_getfield(L, spec, "kind");                       /* ... spec kind */
        const char *k = lua_tostring(L, -1);
        int kind = -1;
        for (int j = 0; k && kinds[j]; j++)
            if (strcmp(k, kinds[j]) == 0)
                kind = j;
        if (kind < 0)
            return luaL_error(L, "%s: layer %I has kind %s; allowed: linear, relu, sigmoid, tanh",
                              fname, i, lg_describe(L, -1));
        lua_pop(L, 1);
        gg_layer_spec *s = &specs[i - 1];
        *s = (gg_layer_spec){0};
        if (kind == 0) {
            s->kind = GG_LAYER_LINEAR;
            s->in = (size_t)spec_size(L, spec, i, "in");
            s->out = (size_t)spec_size(L, spec, i, "out");
        } else {
            s->kind = GG_LAYER_ACT;
            gg_act_parse(kinds[kind], &s->act);
        }
        lua_pop(L, 1);                                       /* ... model specs */
    }
    gg_err err;
    if (gg_model_new(&lm->m, specs, (size_t)n, &err))
        return lg_fail(L, fname, &err);
    lua_pop(L, 1);                                           /* stack: layers opts model */
    gg_rng *r = lg_rng_for(L, 2, fname);                     /* stack: ... model rng */
    gg_model_init_default(lm->m, r);
    lua_pop(L, 1);
    return 1;
}

/* model:forward(x) → output tensor (a copy; x is (B, in)) */
static int model_forward(lua_State *L)
{
    lg_model *lm = lg_model_check(L, 1);
    gg_tensor *x = lg_tensor_check(L, 2);
    size_t in = gg_model_in(lm->m), out = gg_model_out(lm->m);
    if (x->cols != in)
        return luaL_error(L, "gglab.Model:forward: input has %d columns, the model takes %d",
                          (int)x->cols, (int)in);
    gg_tensor *y = lg_tensor_push(L, x->rows, out, "gglab.Model:forward");  /* stack: model x y */
    const float *res;
    gg_err err;
    if (gg_model_forward(lm->m, x->data, x->rows, &res, &err))
        return lg_fail(L, "gglab.Model:forward", &err);
    memcpy(y->data, res, x->rows * out * sizeof(float));
    lm->gen++;
    lua_createtable(L, 0, 2);                                /* stack: model x y link */
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "model");
    lua_pushinteger(L, (lua_Integer)lm->gen);
    lua_setfield(L, -2, "gen");
    lua_setiuservalue(L, -2, 1);                             /* stack: model x y */
    return 1;
}

/* model:backward(dy): dy (B, out) for the last forward; gradients accumulate */
static int model_backward(lua_State *L)
{
    lg_model *lm = lg_model_check(L, 1);
    gg_tensor *dy = lg_tensor_check(L, 2);
    size_t B = gg_model_batch(lm->m);
    if (B == 0)
        return luaL_error(L, "gglab.Model:backward: call forward first");
    if (dy->rows != B || dy->cols != gg_model_out(lm->m))
        return luaL_error(L, "gglab.Model:backward: gradient is %dx%d, the last forward gave %dx%d",
                          (int)dy->rows, (int)dy->cols, (int)B, (int)gg_model_out(lm->m));
    gg_model_backward(lm->m, dy->data);
    return 0;
}

static int model_zero_grad(lua_State *L)
{
    gg_model_zero_grad(lg_model_check(L, 1)->m);
    return 0;
}

/* Push a list of tensor copies of the flat buffer buf, in PyTorch parameter order. */
static int push_tensor_list(lua_State *L, gg_model *m, const float *buf)
{
    size_t nt = gg_model_ntensors(m);
    lua_createtable(L, (int)nt, 0);                          /* stack: ... list */
    for (size_t k = 0; k < nt; k++) {
        size_t off, r, c;
        gg_model_tensor_info(m, k, &off, &r, &c);
        gg_tensor *t = lg_tensor_push(L, r, c, "gglab.Model:parameters");
        memcpy(t->data, buf + off, r * c * sizeof(float));
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

static int model_parameters(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    return push_tensor_list(L, m, gg_model_params(m));
}

static int model_grads(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    return push_tensor_list(L, m, gg_model_grads(m));
}

/* model:load_parameters(list of tensors in parameters() order and shapes) */
static int model_load_parameters(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t nt = gg_model_ntensors(m);
    if ((size_t)luaL_len(L, 2) != nt)
        return luaL_error(L, "gglab.Model:load_parameters: expected %d tensors, got %d", (int)nt,
                          (int)luaL_len(L, 2));
    for (size_t k = 0; k < nt; k++) {   // check every shape before writing anything
        size_t off, r, c;
        gg_model_tensor_info(m, k, &off, &r, &c);
        lua_geti(L, 2, (lua_Integer)k + 1);
        gg_tensor *t = luaL_testudata(L, -1, GG_TENSOR_MT);
        if (!t || !t->data || t->rows != r || t->cols != c)
            return luaL_error(L, "gglab.Model:load_parameters: tensor %d must be a %dx%d gglab.Tensor",
                              (int)k + 1, (int)r, (int)c);
        lua_pop(L, 1);
    }
    for (size_t k = 0; k < nt; k++) {
        size_t off, r, c;
        gg_model_tensor_info(m, k, &off, &r, &c);
        lua_geti(L, 2, (lua_Integer)k + 1);
        gg_tensor *t = lua_touserdata(L, -1);
        memcpy(gg_model_params(m) + off, t->data, r * c * sizeof(float));
        lua_pop(L, 1);
    }
    return 0;
}

/* model:reset{seed=|rng=}: redo PyTorch's default init */
static int model_reset(lua_State *L)
{
    static const char *const allowed[] = {"seed", "rng", NULL};
    gg_model *m = lg_model_check(L, 1)->m;
    lg_opts_check(L, 2, "gglab.Model:reset", allowed);
    gg_model_init_default(m, lg_rng_for(L, 2, "gglab.Model:reset"));
    return 0;
}

static int model_nparams(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gg_model_nparams(lg_model_check(L, 1)->m));
    return 1;
}

/* model:layers() → list of spec tables with widths filled in */
static int model_layers(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    size_t n = gg_model_layers(m);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        gg_layer_spec s = gg_model_layer(m, i);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, s.kind == GG_LAYER_LINEAR ? "linear" : gg_act_name(s.act));
        lua_setfield(L, -2, "kind");
        lua_pushinteger(L, (lua_Integer)s.in);
        lua_setfield(L, -2, "in");
        lua_pushinteger(L, (lua_Integer)s.out);
        lua_setfield(L, -2, "out");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int model_tostring(lua_State *L)
{
    lg_model *lm = luaL_checkudata(L, 1, GG_MODEL_MT);
    if (!lm->m) {
        lua_pushliteral(L, "gglab.Model(closed)");
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "gglab.Model(");
    size_t n = gg_model_layers(lm->m);
    for (size_t i = 0; i < n; i++) {
        gg_layer_spec s = gg_model_layer(lm->m, i);
        if (i)
            luaL_addstring(&b, " ");
        if (s.kind == GG_LAYER_LINEAR)
            lua_pushfstring(L, "linear(%d->%d)", (int)s.in, (int)s.out);
        else
            lua_pushstring(L, gg_act_name(s.act));
        luaL_addvalue(&b);
    }
    lua_pushfstring(L, "; %d params)", (int)gg_model_nparams(lm->m));
    luaL_addvalue(&b);
    luaL_pushresult(&b);
    return 1;
}

static int model_gc(lua_State *L)
{
    lg_model *lm = luaL_checkudata(L, 1, GG_MODEL_MT);
    gg_model_free(lm->m);
    lm->m = NULL;
    return 0;
}

static const luaL_Reg model_methods[] = {
    {"forward", model_forward},       {"backward", model_backward},
    {"zero_grad", model_zero_grad},   {"parameters", model_parameters},
    {"grads", model_grads},           {"load_parameters", model_load_parameters},
    {"reset", model_reset},           {"nparams", model_nparams},
    {"layers", model_layers},         {NULL, NULL},
};

static const luaL_Reg model_meta[] = {
    {"__gc", model_gc}, {"__close", model_gc}, {"__tostring", model_tostring},
    {"__index", NULL},  {NULL, NULL},
};

void lg_open_nn(lua_State *L)
{
    luaL_newmetatable(L, GG_MODEL_MT);    /* stack: gg mt */
    luaL_setfuncs(L, model_meta, 0);
    luaL_newlib(L, model_methods);        /* stack: gg mt methods */
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);                        /* stack: gg */
    lua_newtable(L);                      /* stack: gg nn */
    lua_pushcfunction(L, nn_sequential);
    lua_setfield(L, -2, "sequential");
    lua_setfield(L, -2, "nn");            /* stack: gg */
}
