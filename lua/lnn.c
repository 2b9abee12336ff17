/* lua/lnn.c — gglab.Model: gg.nn.sequential{specs...} and the model's methods.
 * Layer specs are plain tables built in Lua (gg.nn.linear(10, 32) → {kind="linear",
 * ["in"]=10, out=32}; gg.nn.relu() → {kind="relu"}; gg.nn.dropout(0.2) → {kind="dropout",
 * p=0.2}); parse_spec is the one place that reads and checks them. A forward output tensor records its
 * model and pass number in its user value so that a loss computed from it can run
 * backward, and refuses to when the model has run forward again since. */
#include "lgglab.h"

#include <stdio.h>
#include <string.h>

lg_model *lg_model_check(lua_State *L, int idx)
{
    lg_model *lm = luaL_checkudata(L, idx, GG_MODEL_MT);
    if (!lm->m)
        luaL_error(L, "attempt to use a closed gglab.Model");
    return lm;
}

lg_model *lg_model_push(lua_State *L)
{
    lg_model *lm = lua_newuserdatauv(L, sizeof *lm, 1);
    *lm = (lg_model){0};
    luaL_setmetatable(L, GG_MODEL_MT);
    return lm;
}

/* model:forward(x) → output tensor (a copy; x is (B, in)) */
static int model_forward(lua_State *L)
{
    lg_model *lm = lg_model_check(L, 1);
    gg_tensor *x = lg_tensor_check(L, 2);
    size_t in = gg_model_in(lm->m), out = gg_model_out(lm->m);
    if (!gg_model_output_batched(lm->m))
        return luaL_error(L, "gglab.Model:forward: the model's output has no batch dimension (a loss graph)");
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

typedef void (*info_fn)(const gg_model *, size_t, size_t *, size_t *, size_t *);

/* Push a list of tensor copies of the flat buffer buf: nt tensors laid out by info. */
static int push_tensor_list(lua_State *L, gg_model *m, const float *buf, size_t nt, info_fn info,
                            const char *fname)
{
    lua_createtable(L, (int)nt, 0);                          /* stack: ... list */
    for (size_t k = 0; k < nt; k++) {
        size_t off, r, c;
        info(m, k, &off, &r, &c);
        gg_tensor *t = lg_tensor_push(L, r, c, fname);
        memcpy(t->data, buf + off, r * c * sizeof(float));
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

static int model_parameters(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    return push_tensor_list(L, m, gg_model_params(m), gg_model_ntensors(m), gg_model_tensor_info,
                            "gglab.Model:parameters");
}

static int model_grads(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    return push_tensor_list(L, m, gg_model_grads(m), gg_model_ntensors(m), gg_model_tensor_info,
                            "gglab.Model:grads");
}

/* model:buffers() → {running_mean1, running_var1, ...} per BatchNorm with running stats */
static int model_buffers(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    return push_tensor_list(L, m, gg_model_buffers(m), gg_model_nbuffer_tensors(m),
                            gg_model_buffer_info, "gglab.Model:buffers");
}

/* Copy the list of tensors at index 2 into buf (nt tensors laid out by info), after
 * checking every shape. */
static void load_tensor_list(lua_State *L, gg_model *m, float *buf, size_t nt, info_fn info,
                             const char *fname)
{
    luaL_checktype(L, 2, LUA_TTABLE);
    if ((size_t)luaL_len(L, 2) != nt)
        luaL_error(L, "%s: expected %d tensors, got %d", fname, (int)nt, (int)luaL_len(L, 2));
    for (size_t k = 0; k < nt; k++) {   // check every shape before writing anything
        size_t off, r, c;
        info(m, k, &off, &r, &c);
        lua_geti(L, 2, (lua_Integer)k + 1);
        gg_tensor *t = luaL_testudata(L, -1, GG_TENSOR_MT);
        if (!t || !t->data || t->rows != r || t->cols != c)
            luaL_error(L, "%s: tensor %d must be a %dx%d gglab.Tensor", fname, (int)k + 1, (int)r,
                       (int)c);
        lua_pop(L, 1);
    }
    for (size_t k = 0; k < nt; k++) {
        size_t off, r, c;
        info(m, k, &off, &r, &c);
        lua_geti(L, 2, (lua_Integer)k + 1);
        gg_tensor *t = lua_touserdata(L, -1);
        memcpy(buf + off, t->data, r * c * sizeof(float));
        lua_pop(L, 1);
    }
}

/* model:load_parameters(list of tensors in parameters() order and shapes) */
static int model_load_parameters(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    load_tensor_list(L, m, gg_model_params(m), gg_model_ntensors(m), gg_model_tensor_info,
                     "gglab.Model:load_parameters");
    return 0;
}

/* model:load_buffers(list of tensors in buffers() order and shapes) */
static int model_load_buffers(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    load_tensor_list(L, m, gg_model_buffers(m), gg_model_nbuffer_tensors(m), gg_model_buffer_info,
                     "gglab.Model:load_buffers");
    return 0;
}

/* model:reset{seed=|rng=, init=}: redo the initialisation (each linear's own init, or
 * init = name | {name, options...} for every linear) */
static int model_reset(lua_State *L)
{
    static const char *const allowed[] = {"seed", "rng", "init", NULL};
    const char *fname = "gglab.Model:reset";
    gg_model *m = lg_model_check(L, 1)->m;
    lg_opts_check(L, 2, fname, allowed);
    gg_init all, *use = NULL;
    if (lua_istable(L, 2) && lua_getfield(L, 2, "init") != LUA_TNIL) {  /* stack: model opts init */
        lg_parse_init_value(L, -1, fname, &all);
        use = &all;
    }
    lua_settop(L, 2);
    gg_model_init(m, use, lg_rng_for(L, 2, fname));
    return 0;
}

/* model:train([mode]) / model:eval() → model; model:training() → boolean */
static int model_train(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    gg_model_set_training(m, lua_isnoneornil(L, 2) ? 1 : lua_toboolean(L, 2));
    lua_settop(L, 1);
    return 1;
}

static int model_eval(lua_State *L)
{
    gg_model_set_training(lg_model_check(L, 1)->m, 0);
    lua_settop(L, 1);
    return 1;
}

static int model_training(lua_State *L)
{
    lua_pushboolean(L, gg_model_training(lg_model_check(L, 1)->m));
    return 1;
}

/* model:seed_dropout(seed): reseed the dropout generator */
static int model_seed_dropout(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    int isint = 0;
    lua_Integer s = lua_tointegerx(L, 2, &isint);
    if (!isint || s < 0)
        return luaL_error(L, "gglab.Model:seed_dropout: seed must be a non-negative integer, got %s",
                          lg_describe(L, 2));
    gg_model_seed_dropout(m, (uint64_t)s);
    return 0;
}

/* model:dropout_rng_state() → {4 integers}; model:set_dropout_rng_state(state): the dropout
 * generator's exact position (checkpoints) */
static int model_dropout_rng_state(lua_State *L)
{
    lg_rng_push_state(L, gg_model_dropout_rng(lg_model_check(L, 1)->m));
    return 1;
}

static int model_set_dropout_rng_state(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    lg_rng_read_state(L, 2, gg_model_dropout_rng(m), 1, "gglab.Model:set_dropout_rng_state");
    return 0;
}

/* model:dropout_mask(layer, keep): the next training forward of dropout layer `layer`
 * (1-based) uses keep (B x width of 0/1) instead of drawing — a test hook for replaying
 * another framework's masks. */
static int model_dropout_mask(lua_State *L)
{
    const char *fname = "gglab.Model:dropout_mask";
    gg_model *m = lg_model_check(L, 1)->m;
    lua_Integer i = luaL_checkinteger(L, 2);
    gg_tensor *keep = lg_tensor_check(L, 3);
    if (i < 1 || (size_t)i > gg_model_layers(m) ||
        gg_model_layer(m, (size_t)i - 1).kind != GG_LAYER_DROPOUT)
        return luaL_error(L, "%s: layer %I is not a dropout layer", fname, i);
    gg_layer_spec s = gg_model_layer(m, (size_t)i - 1);
    if (keep->cols != s.out)
        return luaL_error(L, "%s: mask has %d columns, the layer has %d", fname, (int)keep->cols,
                          (int)s.out);
    gg_err err;
    if (gg_model_dropout_mask(m, (size_t)i - 1, keep->data, keep->rows, &err))
        return lg_fail(L, fname, &err);
    return 0;
}

/* Push a per-sample shape as a list. */
static int push_shape(lua_State *L, gg_shape s)
{
    lua_createtable(L, s.ndim, 0);
    for (int i = 0; i < s.ndim; i++) {
        lua_pushinteger(L, (lua_Integer)s.dim[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* model:parameter_shapes() -> {{6, 1, 3, 3}, {6}, ...}: each parameter tensor's full shape,
 * in parameters() order (parameters() gives them as (dim0, rest) matrices). */
static int model_parameter_shapes(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    const size_t n = gg_model_ntensors(m);
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        push_shape(L, gg_model_tensor_shape(m, k));
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* model:parameter_owners() -> {{node = 2, layer = 1, role = 0, kind = "linear"}, ...}: per
 * parameter tensor (parameters() order) its graph node, the 1-based layer owning it
 * (layers() numbering), its role there (0 weight/gamma, 1 bias/beta; recurrent 0..3:
 * weight_ih, weight_hh, bias_ih, bias_hh) and the layer's kind; only node for a free
 * parameter of a custom layer. */
static int model_parameter_owners(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    const size_t n = gg_model_ntensors(m), nl = gg_model_layers(m);
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        int role = 0, node = gg_model_tensor_owner(m, k, &role);
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, gg_model_tensor_node(m, k));
        lua_setfield(L, -2, "node");
        for (size_t i = 0; node >= 0 && i < nl; i++) {
            if (gg_model_layer_node(m, i) != node)
                continue;
            gg_layer_cfg c = gg_model_layer_cfg(m, i);
            lua_pushinteger(L, (lua_Integer)i + 1);
            lua_setfield(L, -2, "layer");
            lua_pushinteger(L, role);
            lua_setfield(L, -2, "role");
            lua_pushstring(L, gg_layer_name(&c));
            lua_setfield(L, -2, "kind");
            break;
        }
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* model:layer_nodes() -> {node, ...}: the graph node id of each layer (layers() order), the
 * ids gglab.Graph's builder returned while the model was built. */
static int model_layer_nodes(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    const size_t n = gg_model_layers(m);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushinteger(L, gg_model_layer_node(m, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* model:input_shape() / model:output_shape() -> per-sample shapes ({1, 8, 8}, {10}) */
static int model_input_shape(lua_State *L)
{
    return push_shape(L, gg_model_input_shape(lg_model_check(L, 1)->m));
}

static int model_output_shape(lua_State *L)
{
    return push_shape(L, gg_model_output_shape(lg_model_check(L, 1)->m));
}

static int model_nparams(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gg_model_nparams(lg_model_check(L, 1)->m));
    return 1;
}

static void set_number(lua_State *L, const char *key, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, key);
}

/* Fill the table on top with the init fields of a linear spec (only a non-default init). */
static void push_init_fields(lua_State *L, const gg_init *in)
{
    gg_init_kind k = in->kind;
    if (k != GG_INIT_DEFAULT) {
        lua_pushstring(L, gg_init_name(k));
        lua_setfield(L, -2, "init");
    }
    if (k == GG_INIT_XAVIER_UNIFORM || k == GG_INIT_XAVIER_NORMAL)
        set_number(L, "gain", in->gain);
    if (k == GG_INIT_KAIMING_UNIFORM || k == GG_INIT_KAIMING_NORMAL) {
        set_number(L, "a", in->a);
        lua_pushstring(L, in->fan_out ? "fan_out" : "fan_in");
        lua_setfield(L, -2, "mode");
        lua_pushstring(L, gg_nonlin_name(in->nonlinearity));
        lua_setfield(L, -2, "nonlinearity");
    }
    if (k == GG_INIT_CONSTANT)
        set_number(L, "value", in->value);
    if (k == GG_INIT_NORMAL)
        set_number(L, "mean", in->mean), set_number(L, "std", in->std);
    if (k == GG_INIT_UNIFORM)
        set_number(L, "a", in->a), set_number(L, "b", in->b);
    if (in->scale != 0.0 && in->scale != 1.0)
        set_number(L, "scale", in->scale);
    if (in->bias != GG_BIAS_DEFAULT) {
        lua_pushstring(L, gg_bias_init_name(in->bias));
        lua_setfield(L, -2, "bias_init");
    }
    if (in->bias == GG_BIAS_CONSTANT)
        set_number(L, "bias_value", in->bias_value);
}

/* Push the spec table of layer s: what gg.nn.sequential accepts, widths filled in. */
static void push_spec(lua_State *L, const gg_layer_cfg *s)
{
    lua_createtable(L, 0, 4);
    switch (s->kind) {
    case GG_LAYER_LINEAR:
        lua_pushliteral(L, "linear");
        break;
    case GG_LAYER_ACT:
        lua_pushstring(L, s->act == GG_ACT_GELU_TANH ? "gelu" : gg_act_name(s->act));
        break;
    default:
        lua_pushstring(L, gg_layer_name(s));
        break;
    }
    lua_setfield(L, -2, "kind");
    if (s->kind == GG_LAYER_CONV || s->kind == GG_LAYER_POOL) {  // as the constructors take them
        const int two = s->spatial == 2;
        const struct { const char *key; const size_t *v; } f[] = {
            {"kernel_size", s->kernel}, {"stride", s->stride}, {"padding", s->pad0},
            {"dilation", s->dilation}};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
            lua_createtable(L, two ? 2 : 1, 0);
            for (int d = two ? 0 : 1; d < 2; d++) {
                lua_pushinteger(L, (lua_Integer)f[k].v[d]);
                lua_rawseti(L, -2, d - (two ? 0 : 1) + 1);
            }
            lua_setfield(L, -2, f[k].key);
        }
        if (s->kind == GG_LAYER_CONV) {
            lua_pushinteger(L, (lua_Integer)s->groups);
            lua_setfield(L, -2, "groups");
            lua_pushboolean(L, s->bias);
            lua_setfield(L, -2, "bias");
        }
    }
    if (s->kind == GG_LAYER_DROPOUT || s->kind == GG_LAYER_LINEAR || s->kind == GG_LAYER_CONV) {
        if (s->kind != GG_LAYER_DROPOUT && s->frozen) {
            lua_pushboolean(L, 0);
            lua_setfield(L, -2, "requires_grad");
        }
    }
    lua_pushinteger(L, (lua_Integer)s->in);
    lua_setfield(L, -2, "in");
    lua_pushinteger(L, (lua_Integer)s->out);
    lua_setfield(L, -2, "out");
    switch (s->kind) {
    case GG_LAYER_LINEAR:
    case GG_LAYER_CONV:
        push_init_fields(L, &s->init);
        break;
    case GG_LAYER_BATCHNORM:
        lua_pushinteger(L, (lua_Integer)s->in);
        lua_setfield(L, -2, "num_features");
        set_number(L, "eps", s->eps);
        set_number(L, "momentum", s->momentum);
        lua_pushboolean(L, s->affine);
        lua_setfield(L, -2, "affine");
        lua_pushboolean(L, s->track_running_stats);
        lua_setfield(L, -2, "track_running_stats");
        break;
    case GG_LAYER_DROPOUT:
        set_number(L, "p", s->p);
        break;
    case GG_LAYER_RNN:  // one recurrent layer, as the "rnn"/"lstm"/"gru" spec kinds take it
        lua_pushinteger(L, (lua_Integer)s->in);
        lua_setfield(L, -2, "input_size");
        lua_pushinteger(L, (lua_Integer)s->out);
        lua_setfield(L, -2, "hidden_size");
        lua_pushboolean(L, s->bias);
        lua_setfield(L, -2, "bias");
        if (s->rnn_mode == GG_RNN_TANH || s->rnn_mode == GG_RNN_RELU) {
            lua_pushstring(L, s->rnn_mode == GG_RNN_RELU ? "relu" : "tanh");
            lua_setfield(L, -2, "nonlinearity");
        }
        if (s->frozen) {
            lua_pushboolean(L, 0);
            lua_setfield(L, -2, "requires_grad");
        }
        break;
    case GG_LAYER_ACT:
        if (s->act == GG_ACT_LEAKY_RELU)
            set_number(L, "negative_slope", (double)s->ap.alpha);
        if (s->act == GG_ACT_ELU)
            set_number(L, "alpha", (double)s->ap.alpha);
        if (s->act == GG_ACT_SOFTPLUS)
            set_number(L, "beta", (double)s->ap.beta), set_number(L, "threshold", (double)s->ap.threshold);
        if (s->act == GG_ACT_GELU || s->act == GG_ACT_GELU_TANH) {
            lua_pushstring(L, s->act == GG_ACT_GELU ? "none" : "tanh");
            lua_setfield(L, -2, "approximate");
        }
        break;
    default:
        break;
    }
}

/* model:layers() → list of spec tables with widths filled in */
static int model_layers(lua_State *L)
{
    gg_model *m = lg_model_check(L, 1)->m;
    size_t n = gg_model_layers(m);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        gg_layer_cfg s = gg_model_layer_cfg(m, i);
        push_spec(L, &s);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* Append number v to b in gglab's number format (float-exact values shortest). */
static void add_number(lua_State *L, luaL_Buffer *b, double v)
{
    char buf[64];
    lua_pushnumber(L, v);
    const char *txt = lg_fmt_number(L, -1, 0, buf);
    lua_pop(L, 1);
    luaL_addstring(b, txt);
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
    char num[32];
    for (size_t i = 0; i < n; i++) {
        gg_layer_cfg s = gg_model_layer_cfg(lm->m, i);
        if (i)
            luaL_addstring(&b, " ");
        switch (s.kind) {
        case GG_LAYER_LINEAR:
            snprintf(num, sizeof num, "linear(%d->%d)", (int)s.in, (int)s.out);
            luaL_addstring(&b, num);
            break;
        case GG_LAYER_BATCHNORM:
            snprintf(num, sizeof num, "%s(%d)", gg_layer_name(&s), (int)s.in);
            luaL_addstring(&b, num);
            break;
        case GG_LAYER_CONV:
            snprintf(num, sizeof num, "%s(%d->%d, k%d", gg_layer_name(&s), (int)s.in, (int)s.out,
                     (int)s.kernel[1]);
            luaL_addstring(&b, num);
            if (s.stride[1] != 1) {
                snprintf(num, sizeof num, ", s%d", (int)s.stride[1]);
                luaL_addstring(&b, num);
            }
            if (s.pad0[1] || s.pad1[1]) {
                snprintf(num, sizeof num, ", p%d", (int)s.pad0[1]);
                luaL_addstring(&b, num);
            }
            if (s.groups != 1) {
                snprintf(num, sizeof num, ", g%d", (int)s.groups);
                luaL_addstring(&b, num);
            }
            luaL_addstring(&b, ")");
            break;
        case GG_LAYER_POOL:
            snprintf(num, sizeof num, "%s(%d)", gg_layer_name(&s), (int)s.kernel[1]);
            luaL_addstring(&b, num);
            break;
        case GG_LAYER_GROUPNORM:
            snprintf(num, sizeof num, "groupnorm(%d, %d)", (int)s.groups, (int)s.in);
            luaL_addstring(&b, num);
            break;
        case GG_LAYER_RNN:
            snprintf(num, sizeof num, "%s(%d->%d)", gg_rnn_mode_name((gg_rnn_mode)s.rnn_mode),
                     (int)s.in, (int)s.out);
            luaL_addstring(&b, num);
            break;
        case GG_LAYER_VIEW:
            snprintf(num, sizeof num, "view(%d)", (int)s.out);
            luaL_addstring(&b, num);
            break;
        case GG_LAYER_DROPOUT:
            luaL_addstring(&b, gg_layer_name(&s));
            luaL_addstring(&b, "(");
            add_number(L, &b, s.p);
            luaL_addstring(&b, ")");
            break;
        case GG_LAYER_ACT:
            if (s.act == GG_ACT_GELU_TANH) {
                luaL_addstring(&b, "gelu(tanh)");
                break;
            }
            luaL_addstring(&b, gg_act_name(s.act));
            if (s.act == GG_ACT_LEAKY_RELU || s.act == GG_ACT_ELU || s.act == GG_ACT_SOFTPLUS) {
                luaL_addstring(&b, "(");
                add_number(L, &b, (double)(s.act == GG_ACT_SOFTPLUS ? s.ap.beta : s.ap.alpha));
                if (s.act == GG_ACT_SOFTPLUS) {
                    luaL_addstring(&b, ", ");
                    add_number(L, &b, (double)s.ap.threshold);
                }
                luaL_addstring(&b, ")");
            }
            break;
        default:
            luaL_addstring(&b, gg_layer_name(&s));
            break;
        }
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
    {"forward", model_forward},         {"backward", model_backward},
    {"zero_grad", model_zero_grad},     {"parameters", model_parameters},
    {"grads", model_grads},             {"load_parameters", model_load_parameters},
    {"buffers", model_buffers},         {"load_buffers", model_load_buffers},
    {"reset", model_reset},             {"nparams", model_nparams},
    {"layers", model_layers},           {"train", model_train},
    {"eval", model_eval},               {"training", model_training},
    {"seed_dropout", model_seed_dropout}, {"dropout_mask", model_dropout_mask},
    {"input_shape", model_input_shape}, {"output_shape", model_output_shape},
    {"parameter_shapes", model_parameter_shapes}, {"parameter_owners", model_parameter_owners},
    {"layer_nodes", model_layer_nodes}, {"dropout_rng_state", model_dropout_rng_state},
    {"set_dropout_rng_state", model_set_dropout_rng_state},
    {"recurrent_spectral_norms", lg_model_recurrent_spectral_norms},
    {NULL, NULL},
};

static const luaL_Reg model_meta[] = {
    {"__gc", model_gc}, {"__close", model_gc}, {"__tostring", model_tostring},
    {"__index", NULL},  {NULL, NULL},
};

void lg_open_nn(lua_State *L)
{
    lg_newclass(L, GG_MODEL_MT, model_meta, model_methods);
    luaL_getmetatable(L, GG_MODEL_MT);    /* stack: gg mt */
    lua_getfield(L, -1, "__index");       /* stack: gg mt methods: Lua adds save, load_state */
    lua_setfield(L, -3, "_model_methods");
    lua_pop(L, 1);                        /* stack: gg */
    lua_newtable(L);                      /* stack: gg nn (filled by lgraph.c and nn.lua) */
    lua_setfield(L, -2, "nn");            /* stack: gg */
}
