/* lua/lgraph.c — gglab.Graph: the builder behind every model (gg.nn.sequential, residual
 * blocks, custom layers and losses written in Lua). It translates, it does not decide: a
 * layer spec table (what gg.nn.linear(...), gg.nn.conv2d(...) and the symbolic tensor ops
 * of lua/gglab/graph.lua build) becomes one gg_layer_cfg and one gg_graph_layer call; the
 * core checks shapes and options and names the layer in its errors. Graph:compile turns
 * the graph into a gglab.Model (core/model.h), initialised from a generator.
 *
 *   g = gg.graph()                     g:input{1, 8, 8}  -> node (per-sample shape)
 *   g:layer(spec, a [, b, ...]) -> node   g:param{shape = {..}, init = .., requires_grad = ..}
 *   g:const(shape, values) -> node        g:shape(node) -> {-1, 6, 8, 8}, batched
 *   g:compile(output [, {seed =, rng =}]) -> model (the graph is consumed)
 *   g:input_of(node, slot) -> the node feeding that input slot (a layer's weight: slot 1)
 * Nodes are integers (0-based, the core's indices). */
#include "lgglab.h"
#include "lattention.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct lg_graph {
    gg_graph *g;  /* NULL once compiled or collected */
} lg_graph;

static lg_graph *graph_check(lua_State *L, int idx)
{
    lg_graph *lg = luaL_checkudata(L, idx, GG_GRAPH_MT);
    if (!lg->g)
        luaL_error(L, "attempt to use a compiled gglab.Graph");
    return lg;
}

/* ---- spec fields ---- */

static const char *const init_keys[] = {"gain", "a", "b", "mode", "nonlinearity", "mean", "std",
                                        "value", "scale", "bias_init", "bias_value", "bias_mean",
                                        "bias_std", "bias_a", "bias_b", NULL};

static lua_Integer spec_size(lua_State *L, int spec, const char *fname, const char *key)
{
    lua_getfield(L, spec, key);
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < 1)
        luaL_error(L, "%s: %s must be a positive integer, got %s", fname, key, lg_describe(L, -1));
    lua_pop(L, 1);
    return v;
}

static int has_field(lua_State *L, int idx, const char *key)
{
    if (idx == 0)
        return 0;
    int t = lua_getfield(L, idx, key);
    lua_pop(L, 1);
    return t != LUA_TNIL;
}

/* Which init options apply to an init kind (bias options and scale apply to all). */
static int init_key_applies(gg_init_kind k, const char *key)
{
    if (!strcmp(key, "scale") || !strncmp(key, "bias_", 5))
        return 1;
    switch (k) {
    case GG_INIT_XAVIER_UNIFORM:
    case GG_INIT_XAVIER_NORMAL:
        return !strcmp(key, "gain") || !strcmp(key, "nonlinearity") || !strcmp(key, "a");
    case GG_INIT_KAIMING_UNIFORM:
    case GG_INIT_KAIMING_NORMAL:
        return !strcmp(key, "a") || !strcmp(key, "mode") || !strcmp(key, "nonlinearity");
    case GG_INIT_CONSTANT:
        return !strcmp(key, "value");
    case GG_INIT_NORMAL:
        return !strcmp(key, "mean") || !strcmp(key, "std");
    case GG_INIT_UNIFORM:
        return !strcmp(key, "a") || !strcmp(key, "b");
    default:
        return 0;
    }
}

/* An init named name with options from the table at idx (0: none) into *out, with
 * torch.nn.init's defaults for what is absent. */
static void parse_init(lua_State *L, int idx, const char *fname, const char *name, gg_init *out)
{
    static const char *const modes[] = {"fan_in", "fan_out", NULL};
    static const char *const nonlins[] = {"leaky_relu", "linear", "sigmoid", "tanh", "relu", "selu", NULL};
    static const char *const biases[] = {"default", "zeros", "constant", "normal", "uniform", NULL};
    gg_init_kind k;
    if (gg_init_parse(name, &k))
        luaL_error(L, "%s: init must be one of 'default', 'xavier_uniform', 'xavier_normal', "
                      "'kaiming_uniform', 'kaiming_normal', 'zeros', 'constant', 'normal', "
                      "'uniform', 'glorot_uniform', got '%s'", fname, name);
    for (int i = 0; init_keys[i]; i++)
        if (has_field(L, idx, init_keys[i]) && !init_key_applies(k, init_keys[i]))
            luaL_error(L, "%s: option '%s' does not apply to init '%s'", fname, init_keys[i], name);
    gg_init in = gg_init_for(k);
    in.nonlinearity = (gg_nonlin)lg_opt_enum(L, idx, fname, "nonlinearity", "leaky_relu", nonlins);
    if (k == GG_INIT_UNIFORM) {
        in.a = lg_opt_number(L, idx, fname, "a", 0.0);
        in.b = lg_opt_number(L, idx, fname, "b", 1.0);
        if (!(in.a <= in.b))
            luaL_error(L, "%s: uniform needs a <= b, got a = %f, b = %f", fname, in.a, in.b);
    } else if (k == GG_INIT_XAVIER_UNIFORM || k == GG_INIT_XAVIER_NORMAL) {
        // gain: given, else calculate_gain(nonlinearity, a) when a nonlinearity is named.
        double slope = lg_opt_number(L, idx, fname, "a", 0.01);
        double g = has_field(L, idx, "nonlinearity") ? gg_init_gain(in.nonlinearity, slope) : 1.0;
        in.gain = lg_opt_nonneg(L, idx, fname, "gain", g);
    } else {
        in.a = lg_opt_number(L, idx, fname, "a", 0.0);
    }
    in.fan_out = lg_opt_enum(L, idx, fname, "mode", "fan_in", modes);
    in.mean = lg_opt_number(L, idx, fname, "mean", 0.0);
    in.std = lg_opt_nonneg(L, idx, fname, "std", 1.0);
    in.value = lg_opt_number(L, idx, fname, "value", 0.0);
    in.scale = lg_opt_positive(L, idx, fname, "scale", 1.0);
    in.bias = (gg_bias_init)lg_opt_enum(L, idx, fname, "bias_init", "default", biases);
    if (has_field(L, idx, "bias_value") && in.bias != GG_BIAS_CONSTANT)
        luaL_error(L, "%s: bias_value needs bias_init = 'constant'", fname);
    in.bias_value = lg_opt_number(L, idx, fname, "bias_value", 0.0);
    static const char *const bias_keys[] = {"bias_mean", "bias_std", "bias_a", "bias_b"};
    static const gg_bias_init bias_for[] = {GG_BIAS_NORMAL, GG_BIAS_NORMAL, GG_BIAS_UNIFORM,
                                            GG_BIAS_UNIFORM};
    for (int i = 0; i < 4; i++)
        if (has_field(L, idx, bias_keys[i]) && in.bias != bias_for[i])
            luaL_error(L, "%s: %s needs bias_init = '%s'", fname, bias_keys[i],
                       bias_for[i] == GG_BIAS_NORMAL ? "normal" : "uniform");
    in.bias_mean = lg_opt_number(L, idx, fname, "bias_mean", 0.0);
    in.bias_std = lg_opt_nonneg(L, idx, fname, "bias_std", 1.0);
    in.bias_a = lg_opt_number(L, idx, fname, "bias_a", 0.0);
    in.bias_b = lg_opt_number(L, idx, fname, "bias_b", 1.0);
    if (!(in.bias_a <= in.bias_b))
        luaL_error(L, "%s: bias uniform needs bias_a <= bias_b, got %f and %f", fname, in.bias_a, in.bias_b);
    *out = in;
}

/* An init option at idx: a name ("xavier_uniform") or a table {"xavier_uniform", gain=...}. */
void lg_parse_init_value(lua_State *L, int idx, const char *fname, gg_init *out)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TSTRING) {
        parse_init(L, 0, fname, lua_tostring(L, idx), out);
        return;
    }
    if (lua_type(L, idx) != LUA_TTABLE || lua_geti(L, idx, 1) != LUA_TSTRING)
        luaL_error(L, "%s: init must be a name or a table {name, options...}, got %s", fname,
                   lg_describe(L, idx));
    const char *name = lua_tostring(L, -1);                  /* stack: ... name */
    lua_createtable(L, 0, 8);                                /* stack: ... name opts */
    lua_pushnil(L);
    while (lua_next(L, idx)) {                               /* ... name opts k v */
        if (lua_type(L, -2) == LUA_TSTRING) {
            lua_pushvalue(L, -2);                            /* ... name opts k v k */
            lua_insert(L, -2);                               /* ... name opts k k v */
            lua_rawset(L, -4);                               /* ... name opts k */
        } else {
            lua_pop(L, 1);
        }
    }
    static const char *const allowed[] = {"gain", "a", "b", "mode", "nonlinearity", "mean",
                                          "std", "value", "scale", "bias_init", "bias_value",
                                          "bias_mean", "bias_std", "bias_a", "bias_b", NULL};
    lg_opts_check(L, -1, fname, allowed);
    parse_init(L, lua_gettop(L), fname, name, out);
    lua_pop(L, 2);
}

/* Parse the layer spec table at idx into *s; errors start with fname. */

/* A size option: an integer >= lo, or a list of `n` of them (n = 2 for 2-d layers) into
 * v[0..1] (1-d layers fill v[1], v[0] = 1). Absent: def. */
static void opt_pair(lua_State *L, int idx, const char *fname, const char *key, int n, size_t lo,
                     size_t def, size_t v[2])
{
    v[0] = v[1] = def;
    int t = lua_getfield(L, idx, key);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        if (n == 1)
            v[0] = 1;
        return;
    }
    size_t got[2] = {0, 0};
    int cnt = 0;
    if (t == LUA_TTABLE) {
        cnt = (int)luaL_len(L, -1);
        for (int i = 0; i < cnt && i < 2; i++) {
            lua_geti(L, -1, i + 1);
            int isint = 0;
            lua_Integer x = lua_tointegerx(L, -1, &isint);
            if (!isint || x < (lua_Integer)lo)
                cnt = -1;
            else
                got[i] = (size_t)x;
            lua_pop(L, 1);
            if (cnt < 0)
                break;
        }
    } else {
        int isint = 0;
        lua_Integer x = lua_tointegerx(L, -1, &isint);
        if (isint && x >= (lua_Integer)lo) {
            got[0] = got[1] = (size_t)x;
            cnt = n;
        } else {
            cnt = -1;
        }
    }
    if (cnt != n)
        luaL_error(L, "%s: %s must be an integer >= %d%s, got %s", fname, key, (int)lo,
                   n == 2 ? " or a list of 2" : "", lg_describe(L, -1));
    lua_pop(L, 1);
    if (n == 1) {
        v[0] = 1;
        v[1] = got[0];
    } else {
        v[0] = got[0];
        v[1] = got[1];
    }
}

/* A shape list at idx (integers >= 1, or -1 where allow_infer) into s; what names it. */
static void shape_list(lua_State *L, int idx, const char *fname, const char *what, int allow_infer,
                       gg_shape *s)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TNUMBER) {  // a single size
        int isint = 0;
        lua_Integer x = lua_tointegerx(L, idx, &isint);
        if (!isint || x < 1)
            luaL_error(L, "%s: %s must be a positive integer or a list of them, got %s", fname,
                       what, lg_describe(L, idx));
        s->ndim = 1;
        s->dim[0] = (size_t)x;
        return;
    }
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: %s must be a list of sizes, got %s", fname, what, lg_describe(L, idx));
    lua_Integer n = luaL_len(L, idx);
    if (n > GG_MAX_DIMS)
        luaL_error(L, "%s: %s may have at most %d dims, got %d", fname, what, GG_MAX_DIMS, (int)n);
    s->ndim = (int)n;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        int isint = 0;
        lua_Integer x = lua_tointegerx(L, -1, &isint);
        if (!isint || !(x >= 1 || (allow_infer && x == -1)))
            luaL_error(L, "%s: %s[%d] must be a positive integer%s, got %s", fname, what, (int)i,
                       allow_infer ? " or -1" : "", lg_describe(L, -1));
        s->dim[i - 1] = x == -1 ? (size_t)-1 : (size_t)x;
        lua_pop(L, 1);
    }
}

/* An integer field (may be negative), def when absent. */
static long opt_long(lua_State *L, int idx, const char *fname, const char *key, long def)
{
    int t = lua_getfield(L, idx, key);
    long v = def;
    if (t != LUA_TNIL) {
        int isint = 0;
        lua_Integer x = lua_tointegerx(L, -1, &isint);
        if (!isint)
            luaL_error(L, "%s: %s must be an integer, got %s", fname, key, lg_describe(L, -1));
        v = (long)x;
    }
    lua_pop(L, 1);
    return v;
}

/* ---- layer specs ---- */

/* Every kind a spec may have; the first line is what gg.nn.sequential documents. */
static const char *const spec_kinds =
    "linear, relu, sigmoid, tanh, leaky_relu, gelu, elu, silu, softplus, identity, "
    "batchnorm1d, dropout, conv1d, conv2d, maxpool1d, maxpool2d, avgpool1d, avgpool2d, "
    "adaptive_avgpool1d, adaptive_avgpool2d, batchnorm2d, layernorm, groupnorm, dropout1d, "
    "dropout2d, softmax, log_softmax, flatten, reshape, embedding, rnn, lstm, gru";

static const char *const red_ops[] = {"sum", "mean", "max", "min", "logsumexp", NULL};

static int find(const char *const list[], const char *k)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], k))
            return i;
    return -1;
}

/* The index of name among the ops' binary (unary) operator names, -1 if none. */
static int find_op(const char *(*name)(int), int count, const char *k)
{
    for (int i = 0; i < count; i++)
        if (name(i) && !strcmp(name(i), k))
            return i;
    return -1;
}

static const char *bin_name(int i) { return gg_ops_binop_name((gg_ops_binop)i); }
static const char *un_name(int i) { return gg_ops_unop_name((gg_ops_unop)i); }

#define KEYS(...) ((const char *const[]){"kind", __VA_ARGS__, NULL})

/* requires_grad = false freezes a layer's parameters. */
static void parse_frozen(lua_State *L, int idx, const char *fname, gg_layer_cfg *s)
{
    s->frozen = !lg_opt_bool(L, idx, fname, "requires_grad", 1);
}

/* softmax's dim when none is given: torch's _get_softmax_dim (0 for 0-, 1- and 3-d
 * inputs, else 1) — resolved against the input's rank by the caller (-100 marks it). */
#define DIM_IMPLICIT (-100)

/* Parse the layer spec table at idx into *s; errors start with fname. in_ndim: the rank of
 * the first input (for defaults that depend on it), or 0. */
static void parse_spec(lua_State *L, int idx, const char *fname, gg_layer_cfg *s, int in_ndim)
{
    static const char *const approx[] = {"none", "tanh", NULL};
    idx = lua_absindex(L, idx);
    lua_getfield(L, idx, "kind");                            /* stack: ... kind */
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    gg_act a = GG_ACT_RELU;
    int is_act = k && !gg_act_parse(k, &a) && a != GG_ACT_GELU_TANH;
    int op;
    *s = gg_layer_defaults_of(GG_LAYER_LINEAR);
    if (!k) {
        luaL_error(L, "%s has kind %s; allowed: %s", fname, lg_describe(L, -1), spec_kinds);
    } else if (!strcmp(k, "linear")) {
        lg_opts_check(L, idx, fname, KEYS("in", "out", "bias", "requires_grad", "init", "gain", "a", "b",
                                          "mode", "nonlinearity", "mean", "std", "value", "scale",
                                          "bias_init", "bias_value", "bias_mean", "bias_std", "bias_a", "bias_b"));
        s->kind = GG_LAYER_LINEAR;
        s->in = (size_t)spec_size(L, idx, fname, "in");
        s->out = (size_t)spec_size(L, idx, fname, "out");
        s->bias = lg_opt_bool(L, idx, fname, "bias", 1);
        parse_frozen(L, idx, fname, s);
        parse_init(L, idx, fname, lg_opt_string(L, idx, fname, "init", "default"), &s->init);
    } else if (!strcmp(k, "conv1d") || !strcmp(k, "conv2d")) {
        const int n = k[4] == '2' ? 2 : 1;
        lg_opts_check(L, idx, fname, KEYS("in", "out", "kernel_size", "stride", "padding", "dilation",
                                          "groups", "bias", "requires_grad", "init", "gain", "a", "b",
                                          "mode", "nonlinearity", "mean", "std", "value", "scale",
                                          "bias_init", "bias_value", "bias_mean", "bias_std", "bias_a", "bias_b"));
        *s = gg_layer_defaults_of(GG_LAYER_CONV);
        s->spatial = n;
        s->in = (size_t)spec_size(L, idx, fname, "in");
        s->out = (size_t)spec_size(L, idx, fname, "out");
        opt_pair(L, idx, fname, "kernel_size", n, 1, 0, s->kernel);
        if (s->kernel[1] == 0)
            luaL_error(L, "%s: kernel_size is required", fname);
        opt_pair(L, idx, fname, "stride", n, 1, 1, s->stride);
        opt_pair(L, idx, fname, "dilation", n, 1, 1, s->dilation);
        lua_getfield(L, idx, "padding");
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *p = lua_tostring(L, -1);
            if (!strcmp(p, "same"))
                s->pad_same = 1;
            else if (strcmp(p, "valid") != 0)
                luaL_error(L, "%s: padding must be 'same', 'valid', an integer >= 0 or a list of 2, got '%s'",
                           fname, p);
            lua_pop(L, 1);
        } else {
            lua_pop(L, 1);
            opt_pair(L, idx, fname, "padding", n, 0, 0, s->pad0);
            s->pad1[0] = s->pad0[0];
            s->pad1[1] = s->pad0[1];
        }
        s->groups = (size_t)lg_opt_int(L, idx, fname, "groups", 1, 1, 1 << 30);
        s->bias = lg_opt_bool(L, idx, fname, "bias", 1);
        parse_frozen(L, idx, fname, s);
        parse_init(L, idx, fname, lg_opt_string(L, idx, fname, "init", "default"), &s->init);
    } else if (!strncmp(k, "maxpool", 7) || !strncmp(k, "avgpool", 7)) {
        const int n = !strcmp(k + 7, "2d") ? 2 : !strcmp(k + 7, "1d") ? 1 : 0;
        if (!n)
            luaL_error(L, "%s has kind '%s'; allowed: %s", fname, k, spec_kinds);
        const int mx = k[0] == 'm';
        if (mx)
            lg_opts_check(L, idx, fname, KEYS("kernel_size", "stride", "padding", "dilation", "ceil_mode"));
        else
            lg_opts_check(L, idx, fname, KEYS("kernel_size", "stride", "padding", "ceil_mode",
                                              "count_include_pad"));
        *s = gg_layer_defaults_of(GG_LAYER_POOL);
        s->spatial = n;
        s->pool_max = mx;
        opt_pair(L, idx, fname, "kernel_size", n, 1, 0, s->kernel);
        if (s->kernel[1] == 0)
            luaL_error(L, "%s: kernel_size is required", fname);
        opt_pair(L, idx, fname, "stride", n, 1, 0, s->stride);
        if (n == 1 && s->stride[1] == 0)
            s->stride[0] = 1;
        opt_pair(L, idx, fname, "padding", n, 0, 0, s->pad0);
        s->pad1[0] = s->pad0[0];
        s->pad1[1] = s->pad0[1];
        if (mx)
            opt_pair(L, idx, fname, "dilation", n, 1, 1, s->dilation);
        s->ceil_mode = lg_opt_bool(L, idx, fname, "ceil_mode", 0);
        s->count_include_pad = lg_opt_bool(L, idx, fname, "count_include_pad", 1);
    } else if (!strcmp(k, "adaptive_avgpool1d") || !strcmp(k, "adaptive_avgpool2d")) {
        const int n = k[16] == '2' ? 2 : 1;  // "adaptive_avgpool" is 16 letters
        lg_opts_check(L, idx, fname, KEYS("output_size"));
        *s = gg_layer_defaults_of(GG_LAYER_ADAPTIVE_AVG_POOL);
        s->spatial = n;
        opt_pair(L, idx, fname, "output_size", n, 1, 1, s->out_size);
    } else if (!strcmp(k, "batchnorm1d") || !strcmp(k, "batchnorm2d")) {
        lg_opts_check(L, idx, fname, KEYS("in", "out", "num_features", "eps", "momentum", "affine",
                                          "track_running_stats", "requires_grad"));
        *s = gg_layer_defaults_of(GG_LAYER_BATCHNORM);
        s->spatial = k[9] == '2' ? 2 : 1;
        s->in = s->out = (size_t)spec_size(L, idx, fname, "num_features");
        s->eps = lg_opt_positive(L, idx, fname, "eps", 1e-5);
        s->momentum = lg_opt_nonneg(L, idx, fname, "momentum", 0.1);
        if (s->momentum > 1.0)
            luaL_error(L, "%s: momentum must be in [0, 1], got %f", fname, s->momentum);
        s->affine = lg_opt_bool(L, idx, fname, "affine", 1);
        s->track_running_stats = lg_opt_bool(L, idx, fname, "track_running_stats", 1);
        parse_frozen(L, idx, fname, s);
    } else if (!strcmp(k, "layernorm")) {
        lg_opts_check(L, idx, fname, KEYS("normalized_shape", "eps", "elementwise_affine", "requires_grad"));
        *s = gg_layer_defaults_of(GG_LAYER_LAYERNORM);
        lua_getfield(L, idx, "normalized_shape");
        shape_list(L, -1, fname, "normalized_shape", 0, &s->shape);
        lua_pop(L, 1);
        s->eps = lg_opt_positive(L, idx, fname, "eps", 1e-5);
        s->affine = lg_opt_bool(L, idx, fname, "elementwise_affine", 1);
        parse_frozen(L, idx, fname, s);
    } else if (!strcmp(k, "groupnorm")) {
        lg_opts_check(L, idx, fname, KEYS("num_groups", "num_channels", "eps", "affine", "requires_grad"));
        *s = gg_layer_defaults_of(GG_LAYER_GROUPNORM);
        s->groups = (size_t)spec_size(L, idx, fname, "num_groups");
        s->in = (size_t)spec_size(L, idx, fname, "num_channels");
        s->eps = lg_opt_positive(L, idx, fname, "eps", 1e-5);
        s->affine = lg_opt_bool(L, idx, fname, "affine", 1);
        parse_frozen(L, idx, fname, s);
    } else if (!strcmp(k, "dropout") || !strcmp(k, "dropout1d") || !strcmp(k, "dropout2d")) {
        lg_opts_check(L, idx, fname, KEYS("in", "out", "p"));
        *s = gg_layer_defaults_of(GG_LAYER_DROPOUT);
        s->channel_wise = k[7] != '\0';
        s->spatial = k[7] == '2' ? 2 : 1;
        lua_getfield(L, idx, "p");
        s->p = lua_isnil(L, -1) ? 0.5 : lua_tonumber(L, -1);
        if (!lua_isnil(L, -1) && (lua_type(L, -1) != LUA_TNUMBER || !(s->p >= 0.0 && s->p < 1.0)))
            luaL_error(L, "%s: p must be in [0, 1), got %s", fname, lg_describe(L, -1));
        lua_pop(L, 1);
    } else if (!strcmp(k, "softmax") || !strcmp(k, "log_softmax")) {
        lg_opts_check(L, idx, fname, KEYS("dim"));
        *s = gg_layer_defaults_of(GG_LAYER_SOFTMAX);
        s->log = k[0] == 'l';
        s->dim = (int)opt_long(L, idx, fname, "dim", DIM_IMPLICIT);
        if (s->dim == DIM_IMPLICIT)  // torch's _get_softmax_dim
            s->dim = in_ndim == 0 || in_ndim == 1 || in_ndim == 3 ? 0 : 1;
    } else if (!strcmp(k, "flatten")) {
        lg_opts_check(L, idx, fname, KEYS("start_dim", "end_dim"));
        *s = gg_layer_defaults_of(GG_LAYER_VIEW);
        s->dim = (int)opt_long(L, idx, fname, "start_dim", 1);
        s->op = (int)opt_long(L, idx, fname, "end_dim", -1);
        s->all_dims = 1;  // marks a flatten: the view shape is computed from the input
    } else if (!strcmp(k, "reshape") || !strcmp(k, "view")) {
        lg_opts_check(L, idx, fname, KEYS("shape"));
        *s = gg_layer_defaults_of(GG_LAYER_VIEW);
        lua_getfield(L, idx, "shape");
        shape_list(L, -1, fname, "shape", 1, &s->shape);
        lua_pop(L, 1);
        s->keepdim = k[0] == 'v';  // view: a full shape (the batch as -1); reshape: per sample
    } else if (is_act) {
        *s = gg_layer_defaults_of(GG_LAYER_ACT);
        s->act = a;
        s->ap = gg_act_defaults(a);
        switch (a) {
        case GG_ACT_LEAKY_RELU:
            lg_opts_check(L, idx, fname, KEYS("in", "out", "negative_slope"));
            s->ap.alpha = (float)lg_opt_number(L, idx, fname, "negative_slope", 0.01);
            break;
        case GG_ACT_GELU:
            lg_opts_check(L, idx, fname, KEYS("in", "out", "approximate"));
            if (lg_opt_enum(L, idx, fname, "approximate", "none", approx))
                s->act = GG_ACT_GELU_TANH;
            break;
        case GG_ACT_ELU:
            lg_opts_check(L, idx, fname, KEYS("in", "out", "alpha"));
            s->ap.alpha = (float)lg_opt_number(L, idx, fname, "alpha", 1.0);
            break;
        case GG_ACT_SOFTPLUS:
            lg_opts_check(L, idx, fname, KEYS("in", "out", "beta", "threshold"));
            s->ap.beta = (float)lg_opt_positive(L, idx, fname, "beta", 1.0);
            s->ap.threshold = (float)lg_opt_number(L, idx, fname, "threshold", 20.0);
            break;
        default:
            lg_opts_check(L, idx, fname, KEYS("in", "out"));
            break;
        }
    } else if ((op = find_op(bin_name, GG_OPS_BINOP_COUNT, k)) >= 0) {
        lg_opts_check(L, idx, fname, KEYS("op"));
        *s = gg_layer_defaults_of(GG_LAYER_BINARY);
        s->op = op;
    } else if ((op = find_op(un_name, GG_OPS_UNOP_COUNT, k)) >= 0) {
        lg_opts_check(L, idx, fname, KEYS("scalar", "min", "max"));
        *s = gg_layer_defaults_of(GG_LAYER_UNARY);
        s->op = op;
        s->scalar = lg_opt_number(L, idx, fname, op == GG_OPS_CLAMP ? "min" : "scalar",
                                  op == GG_OPS_CLAMP ? (double)NAN : 0.0);
        s->scalar2 = lg_opt_number(L, idx, fname, "max", (double)NAN);
    } else if ((op = find(red_ops, k)) >= 0) {
        lg_opts_check(L, idx, fname, KEYS("dim", "keepdim"));
        *s = gg_layer_defaults_of(GG_LAYER_REDUCE);
        s->op = op;
        lua_getfield(L, idx, "dim");
        s->all_dims = lua_isnil(L, -1);
        lua_pop(L, 1);
        s->dim = (int)opt_long(L, idx, fname, "dim", 0);
        s->keepdim = lg_opt_bool(L, idx, fname, "keepdim", 0);
    } else if (!strcmp(k, "matmul")) {
        lg_opts_check(L, idx, fname, KEYS("in"));
        *s = gg_layer_defaults_of(GG_LAYER_MATMUL);
    } else if (!strcmp(k, "permute")) {
        lg_opts_check(L, idx, fname, KEYS("dims"));
        *s = gg_layer_defaults_of(GG_LAYER_PERMUTE);
        lua_getfield(L, idx, "dims");
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: dims must be a list of dims, got %s", fname, lg_describe(L, -1));
        lua_Integer n = luaL_len(L, -1);
        if (n > GG_MAX_DIMS)
            luaL_error(L, "%s: dims has %d entries, at most %d", fname, (int)n, GG_MAX_DIMS);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_geti(L, -1, i);
            int isint = 0;
            s->perm[i - 1] = (int)lua_tointegerx(L, -1, &isint);
            if (!isint)
                luaL_error(L, "%s: dims[%d] must be an integer, got %s", fname, (int)i, lg_describe(L, -1));
            lua_pop(L, 1);
        }
        s->normalized = (size_t)n;
        lua_pop(L, 1);
    } else if (!strcmp(k, "concat")) {
        lg_opts_check(L, idx, fname, KEYS("dim"));
        *s = gg_layer_defaults_of(GG_LAYER_CONCAT);
        s->dim = (int)opt_long(L, idx, fname, "dim", 0);
    } else if (!strcmp(k, "slice")) {
        lg_opts_check(L, idx, fname, KEYS("dim", "start", "stop", "step"));
        *s = gg_layer_defaults_of(GG_LAYER_SLICE);
        s->dim = (int)opt_long(L, idx, fname, "dim", 0);
        s->start = opt_long(L, idx, fname, "start", 0);
        s->stop = opt_long(L, idx, fname, "stop", s->stop);
        s->step = opt_long(L, idx, fname, "step", 1);
    } else if (!strcmp(k, "where")) {
        lg_opts_check(L, idx, fname, KEYS("in"));
        *s = gg_layer_defaults_of(GG_LAYER_WHERE);
    } else if (!strcmp(k, "embedding")) {
        lg_opts_check(L, idx, fname, KEYS("num_embeddings", "embedding_dim", "padding_idx",
                                          "requires_grad", "init", "gain", "a", "b", "mode",
                                          "nonlinearity", "mean", "std", "value", "scale"));
        *s = gg_layer_defaults_of(GG_LAYER_EMBEDDING);
        s->in = (size_t)spec_size(L, idx, fname, "num_embeddings");
        s->out = (size_t)spec_size(L, idx, fname, "embedding_dim");
        if (has_field(L, idx, "padding_idx"))
            s->padding_idx = opt_long(L, idx, fname, "padding_idx", 0);
        parse_frozen(L, idx, fname, s);
        parse_init(L, idx, fname, lg_opt_string(L, idx, fname, "init", "default"), &s->init);
    } else if (!strcmp(k, "rnn") || !strcmp(k, "lstm") || !strcmp(k, "gru")) {
        // One recurrent layer (core/rnn.h); gg.nn.rnn/lstm/gru (lua/gglab/recurrent.lua) stack them.
        static const char *const nonlins[] = {"tanh", "relu", NULL};
        lg_opts_check(L, idx, fname, KEYS("input_size", "hidden_size", "nonlinearity", "bias", "requires_grad"));
        *s = gg_layer_defaults_of(GG_LAYER_RNN);
        s->in = (size_t)spec_size(L, idx, fname, "input_size");
        s->out = (size_t)spec_size(L, idx, fname, "hidden_size");
        s->rnn_mode = k[0] == 'l' ? GG_RNN_LSTM : k[0] == 'g' ? GG_RNN_GRU : GG_RNN_TANH;
        if (k[0] == 'r')
            s->rnn_mode = lg_opt_enum(L, idx, fname, "nonlinearity", "tanh", nonlins) ? GG_RNN_RELU : GG_RNN_TANH;
        else if (lua_getfield(L, idx, "nonlinearity") != LUA_TNIL)
            luaL_error(L, "%s: nonlinearity applies to rnn only, not %s", fname, k);
        else
            lua_pop(L, 1);
        s->bias = lg_opt_bool(L, idx, fname, "bias", 1);
        parse_frozen(L, idx, fname, s);
    } else if (!strcmp(k, "loss")) {
        lg_opts_check(L, idx, fname, KEYS("loss"));
        *s = gg_layer_defaults_of(GG_LAYER_LOSS);
        gg_loss_kind lk;
        const char *ln = lg_opt_string(L, idx, fname, "loss", "mse");
        if (gg_loss_parse(ln, &lk))
            luaL_error(L, "%s: unknown loss '%s'", fname, ln);
        s->loss = (int)lk;
    } else if (!strcmp(k, "attention")) {
        lg_attention_spec(L, idx, fname, s);
    } else {
        luaL_error(L, "%s has kind '%s'; allowed: %s", fname, k, spec_kinds);
    }
    lua_pop(L, 1);
}

/* gg.nn.check_layer(spec [, fname]) → spec: raise the error building it would for the spec
 * itself (options; shapes are checked when it is applied). The Lua constructors use it. */
static int nn_check_layer(lua_State *L)
{
    const char *fname = luaL_optstring(L, 2, "gg.nn.check_layer");
    luaL_checktype(L, 1, LUA_TTABLE);
    gg_layer_cfg s;
    parse_spec(L, 1, fname, &s, 2);
    lua_settop(L, 1);
    return 1;
}

/* gg.nn.calculate_gain(nonlinearity [, param]) → torch.nn.init.calculate_gain */
static int nn_calculate_gain(lua_State *L)
{
    static const char *const nonlins[] = {"leaky_relu", "linear", "sigmoid", "tanh", "relu", "selu", NULL};
    int n = luaL_checkoption(L, 1, NULL, nonlins);
    double a = luaL_optnumber(L, 2, 0.01);
    lua_pushnumber(L, gg_init_gain((gg_nonlin)n, a));
    return 1;
}

/* gg.nn.sinusoidal_table(length, dim) → the (length, dim) tensor of sinusoidal position
 * encodings (core/embedding.h gg_sinusoidal_table). */
static int nn_sinusoidal_table(lua_State *L)
{
    const char *f = "gg.nn.sinusoidal_table";
    lua_Integer n = luaL_checkinteger(L, 1), d = luaL_checkinteger(L, 2);
    if (n < 1 || d < 1)
        return luaL_error(L, "%s: length and dim must be >= 1, got %d and %d", f, (int)n, (int)d);
    gg_tensor *t = lg_tensor_push(L, (size_t)n, (size_t)d, f);
    gg_sinusoidal_table(t->data, (size_t)n, (size_t)d);
    return 1;
}

/* ---- the builder ---- */

/* gg.graph() -> an empty gglab.Graph */
static int graph_new(lua_State *L)
{
    lg_graph *lg = lua_newuserdatauv(L, sizeof *lg, 0);
    lg->g = NULL;
    luaL_setmetatable(L, GG_GRAPH_MT);
    gg_err err;
    if (gg_graph_new(&lg->g, &err))
        return lg_fail(L, "gg.graph", &err);
    return 1;
}

static int check_node(lua_State *L, lg_graph *lg, int idx, const char *fname)
{
    int isint = 0;
    lua_Integer n = lua_tointegerx(L, idx, &isint);
    if (!isint || n < 0 || (size_t)n >= gg_graph_nodes(lg->g))
        luaL_error(L, "%s: %s is not a node of this graph", fname, lg_describe(L, idx));
    return (int)n;
}

/* g:input(shape [, {requires_grad = false}]) -> node: a batched input with that per-sample
 * shape ({} for scalars). */
static int graph_input(lua_State *L)
{
    static const char *const allowed[] = {"requires_grad", NULL};
    const char *fname = "gglab.Graph:input";
    lg_graph *lg = graph_check(L, 1);
    gg_shape s = {0};
    if (!(lua_istable(L, 2) && luaL_len(L, 2) == 0))
        shape_list(L, 2, fname, "shape", 0, &s);
    lg_opts_check(L, 3, fname, allowed);
    int rg = lg_opt_bool(L, 3, fname, "requires_grad", 0);
    int node;
    gg_err err;
    if (gg_graph_input(lg->g, &s, rg, &node, &err))
        return lg_fail(L, fname, &err);
    lua_pushinteger(L, node);
    return 1;
}

/* g:param{shape = {...}, init = name | {name, ...}, requires_grad = true} -> node */
static int graph_param(lua_State *L)
{
    static const char *const allowed[] = {"shape", "init", "requires_grad", NULL};
    const char *fname = "gglab.Graph:param";
    lg_graph *lg = graph_check(L, 1);
    lg_opts_table(L, 2, fname, allowed);
    gg_shape s = {0};
    lua_getfield(L, 2, "shape");
    shape_list(L, -1, fname, "shape", 0, &s);
    lua_pop(L, 1);
    gg_init in = gg_init_for(GG_INIT_DEFAULT);
    if (lua_getfield(L, 2, "init") != LUA_TNIL)
        lg_parse_init_value(L, -1, fname, &in);
    lua_pop(L, 1);
    int trainable = lg_opt_bool(L, 2, fname, "requires_grad", 1);
    int node;
    gg_err err;
    if (gg_graph_param(lg->g, &s, &in, trainable, &node, &err))
        return lg_fail(L, fname, &err);
    lua_pushinteger(L, node);
    return 1;
}

/* g:const(shape, values) -> node; values a list of numbers (row-major) or a gglab.Tensor */
static int graph_const(lua_State *L)
{
    const char *fname = "gglab.Graph:const";
    lg_graph *lg = graph_check(L, 1);
    gg_shape s = {0};
    shape_list(L, 2, fname, "shape", 0, &s);
    size_t n = 1;
    for (int i = 0; i < s.ndim; i++)
        n *= s.dim[i];
    float *v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);  /* stack: g shape values buf */
    gg_tensor *t = luaL_testudata(L, 3, GG_TENSOR_MT);
    if (t && t->data) {
        if (t->rows * t->cols != n)
            return luaL_error(L, "%s: the tensor has %d elements, the shape %d", fname,
                              (int)(t->rows * t->cols), (int)n);
        memcpy(v, t->data, n * sizeof *v);
    } else {
        luaL_checktype(L, 3, LUA_TTABLE);
        if ((size_t)luaL_len(L, 3) != n)
            return luaL_error(L, "%s: expected %d values, got %d", fname, (int)n, (int)luaL_len(L, 3));
        for (size_t i = 0; i < n; i++) {
            lua_geti(L, 3, (lua_Integer)i + 1);
            if (!lua_isnumber(L, -1))
                return luaL_error(L, "%s: value %d must be a number, got %s", fname, (int)i + 1,
                                  lg_describe(L, -1));
            v[i] = (float)lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
    }
    int node;
    gg_err err;
    if (gg_graph_const(lg->g, &s, v, &node, &err))
        return lg_fail(L, fname, &err);
    lua_pushinteger(L, node);
    return 1;
}

/* The view shape of a flatten(start_dim, end_dim) of input shape x. */
static void flatten_shape(lua_State *L, const char *fname, const gg_shape *x, int batched,
                          int start, int end, gg_shape *out)
{
    int nd = x->ndim;
    if (start < 0)
        start += nd;
    if (end < 0)
        end += nd;
    if (start < 0 || end >= nd || start > end)
        luaL_error(L, "%s: start_dim and end_dim out of range for a %d-d input", fname, nd);
    if (batched && start == 0)
        luaL_error(L, "%s: cannot flatten the batch dimension (start_dim must be >= 1)", fname);
    out->ndim = 0;
    for (int i = 0; i < nd; i++) {
        if (i <= start || i > end)
            out->dim[out->ndim++] = x->dim[i];
        else
            out->dim[out->ndim - 1] *= x->dim[i];
    }
}

/* g:layer(spec, a [, b, ...]) -> node */
static int graph_layer(lua_State *L)
{
    lg_graph *lg = graph_check(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    int nin = lua_gettop(L) - 2;
    // An optional error prefix rides in the spec's metatable-free field "_where".
    lua_getfield(L, 2, "_where");
    const char *where = lua_isstring(L, -1) ? lua_tostring(L, -1) : "gglab.Graph:layer";
    lua_pop(L, 1);
    // "_shared": the inputs after the first are the layer's given weight and bias params.
    lua_getfield(L, 2, "_shared");
    const int shared = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (nin < 1 || nin > GG_NODE_MAX_IN)
        return luaL_error(L, "%s: expected 1..%d input nodes, got %d", where, GG_NODE_MAX_IN, nin);
    int in[GG_NODE_MAX_IN];
    for (int i = 0; i < nin; i++)
        in[i] = check_node(L, lg, 3 + i, where);
    gg_shape xs = gg_graph_shape(lg->g, in[0]);
    // Parse without "_where" (not an option of any kind): copy the spec minus that key.
    lua_createtable(L, 0, 8);                                /* stack: ... copy */
    lua_pushnil(L);
    while (lua_next(L, 2)) {                                 /* ... copy k v */
        if (lua_type(L, -2) == LUA_TSTRING && (!strcmp(lua_tostring(L, -2), "_where") ||
                                               !strcmp(lua_tostring(L, -2), "_shared"))) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushvalue(L, -2);                                /* ... copy k v k */
        lua_insert(L, -2);                                   /* ... copy k k v */
        lua_rawset(L, -4);                                   /* ... copy k */
    }
    gg_layer_cfg c;
    parse_spec(L, -1, where, &c, xs.ndim);
    lua_pop(L, 1);
    c.shared_params = shared;
    const int batched = gg_graph_batched(lg->g, in[0]);
    if (c.kind == GG_LAYER_VIEW && c.all_dims) {  // flatten
        gg_shape o;
        flatten_shape(L, where, &xs, batched, c.dim, c.op, &o);
        c = gg_layer_defaults_of(GG_LAYER_VIEW);
        c.shape = o;
    } else if (c.kind == GG_LAYER_VIEW && !c.keepdim) {  // reshape: per-sample shape
        if (batched) {
            if (c.shape.ndim >= GG_MAX_DIMS)
                return luaL_error(L, "%s: shape may have at most %d dims", where, GG_MAX_DIMS - 1);
            for (int i = c.shape.ndim; i > 0; i--)
                c.shape.dim[i] = c.shape.dim[i - 1];
            c.shape.dim[0] = GG_BATCH;
            c.shape.ndim++;
        }
    } else if (c.kind == GG_LAYER_VIEW) {  // view: full shape, the batch written -1
        if (batched) {
            if (c.shape.ndim < 1 || c.shape.dim[0] != (size_t)-1)
                return luaL_error(L, "%s: a view of a batched tensor keeps the batch as dim 0: write it -1", where);
            c.shape.dim[0] = GG_BATCH;
        }
    } else if (c.kind == GG_LAYER_PERMUTE && (int)c.normalized != xs.ndim) {
        return luaL_error(L, "%s: dims has %d entries for a %d-d input", where, (int)c.normalized, xs.ndim);
    }
    int node;
    gg_err err;
    if (gg_graph_layer(lg->g, &c, in, nin, &node, &err))
        return luaL_error(L, "%s: %s", where, err.msg);
    lua_pushinteger(L, node);
    return 1;
}

/* g:shape(node) -> {dims...} (the batch as -1), batched */
static int graph_shape(lua_State *L)
{
    lg_graph *lg = graph_check(L, 1);
    int n = check_node(L, lg, 2, "gglab.Graph:shape");
    gg_shape s = gg_graph_shape(lg->g, n);
    int b = gg_graph_batched(lg->g, n);
    lua_createtable(L, s.ndim, 0);
    for (int i = 0; i < s.ndim; i++) {
        lua_pushinteger(L, b && i == 0 ? -1 : (lua_Integer)s.dim[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushboolean(L, b);
    return 2;
}

/* g:kind(node) -> the node's display name ("conv2d", "input", "parameter", ...) */
static int graph_kind(lua_State *L)
{
    lg_graph *lg = graph_check(L, 1);
    int n = check_node(L, lg, 2, "gglab.Graph:kind");
    lua_pushstring(L, gg_layer_name(gg_graph_cfg(lg->g, n)));
    return 1;
}

/* g:input_of(node, slot) -> the node feeding input slot `slot` (0-based; a layer's weight
 * is slot 1), or nil */
static int graph_input_of(lua_State *L)
{
    lg_graph *lg = graph_check(L, 1);
    int n = check_node(L, lg, 2, "gglab.Graph:input_of");
    int in = gg_graph_input_of(lg->g, n, (int)luaL_checkinteger(L, 3));
    if (in < 0)
        return 0;
    lua_pushinteger(L, in);
    return 1;
}

static int graph_nodes(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gg_graph_nodes(graph_check(L, 1)->g));
    return 1;
}

/* g:compile(output [, {seed =, rng =, init =}]) -> gglab.Model, initialised (each layer's
 * own init, or init = ... for every weight); the graph is consumed. */
static int graph_compile(lua_State *L)
{
    static const char *const allowed[] = {"seed", "rng", "init", "where", NULL};
    lg_graph *lg = graph_check(L, 1);
    const char *fname = lua_istable(L, 3) ? lg_opt_string(L, 3, "gglab.Graph:compile", "where",
                                                          "gglab.Graph:compile")
                                          : "gglab.Graph:compile";
    int out = check_node(L, lg, 2, fname);
    lg_opts_check(L, 3, fname, allowed);
    gg_init all, *use = NULL;
    if (lua_istable(L, 3) && lua_getfield(L, 3, "init") != LUA_TNIL) {
        lg_parse_init_value(L, -1, fname, &all);
        use = &all;
    }
    lua_settop(L, 3);
    gg_isa isa;
    gg_err err;
    if (lg_isa_from_env(&isa, &err))
        return luaL_error(L, "%s: %s", fname, err.msg);
    lg_model *lm = lg_model_push(L);                         /* stack: g out opts model */
    if (gg_model_compile(&lm->m, lg->g, out, &err))
        return lg_fail(L, fname, &err);
    lg->g = NULL;  // owned by the model now
    if (gg_model_set_isa(lm->m, isa, &err))
        return lg_fail(L, fname, &err);
    gg_rng *r = lg_rng_for(L, 3, fname);                     /* stack: ... model rng */
    gg_model_init(lm->m, use, r);
    lua_pop(L, 1);
    return 1;
}

static int graph_gc(lua_State *L)
{
    lg_graph *lg = luaL_checkudata(L, 1, GG_GRAPH_MT);
    gg_graph_free(lg->g);
    lg->g = NULL;
    return 0;
}

static int graph_tostring(lua_State *L)
{
    lg_graph *lg = luaL_checkudata(L, 1, GG_GRAPH_MT);
    if (!lg->g)
        lua_pushliteral(L, "gglab.Graph(compiled)");
    else
        lua_pushfstring(L, "gglab.Graph(%d nodes)", (int)gg_graph_nodes(lg->g));
    return 1;
}

static const luaL_Reg graph_methods[] = {
    {"input", graph_input}, {"param", graph_param}, {"const", graph_const},
    {"layer", graph_layer}, {"shape", graph_shape}, {"kind", graph_kind},
    {"nodes", graph_nodes}, {"compile", graph_compile}, {"input_of", graph_input_of},
    {NULL, NULL},
};

static const luaL_Reg graph_meta[] = {
    {"__gc", graph_gc}, {"__close", graph_gc}, {"__tostring", graph_tostring},
    {"__index", NULL}, {NULL, NULL},
};

void lg_open_graph(lua_State *L)
{
    lg_newclass(L, GG_GRAPH_MT, graph_meta, graph_methods);
    lua_pushcfunction(L, graph_new);
    lua_setfield(L, -2, "graph");
    lua_getfield(L, -1, "nn");             /* stack: gg nn */
    lua_pushcfunction(L, nn_check_layer);
    lua_setfield(L, -2, "check_layer");
    lua_pushcfunction(L, nn_calculate_gain);
    lua_setfield(L, -2, "calculate_gain");
    lua_pushcfunction(L, nn_sinusoidal_table);
    lua_setfield(L, -2, "sinusoidal_table");
    lua_pop(L, 1);
}
