/* lua/ldata.c — gglab.Dataset and the generators gg.data.regression/classification,
 * plus gg.data.from_tensors for hand-made data (the seed write-ups' tiny examples) and
 * gg.data.csv (core/csvload.h). */
#include "lgglab.h"

#include <string.h>

#include "../core/corrupt.h"
#include "../core/csvload.h"

gg_dataset *lg_dataset_check(lua_State *L, int idx)
{
    gg_dataset **p = luaL_checkudata(L, idx, GG_DATASET_MT);
    if (!*p)
        luaL_error(L, "attempt to use a closed gglab.Dataset");
    return *p;
}

gg_dataset **lg_dataset_push(lua_State *L)
{
    gg_dataset **p = lua_newuserdatauv(L, sizeof *p, 0);  // NOLINT(bugprone-sizeof-expression): holds a pointer
    *p = NULL;
    luaL_setmetatable(L, GG_DATASET_MT);
    return p;
}

static size_t opt_size(lua_State *L, const char *f, const char *key, lua_Integer def)
{
    return (size_t)lg_opt_int(L, 1, f, key, def, 1, (lua_Integer)GG_TENSOR_MAX_NUMEL);
}

/* gg.data.regression{n=, features=, outputs=1, noise=0.1, x="normal", scale=1, w=, bias=0, seed=|rng=} */
static int data_regression(lua_State *L)
{
    static const char *const allowed[] = {"n", "features", "outputs", "noise", "x", "scale",
                                          "w", "bias", "seed", "rng", NULL};
    static const char *const xd[] = {"normal", "uniform", NULL};
    const char *f = "gg.data.regression";
    luaL_checktype(L, 1, LUA_TTABLE);
    lg_opts_check(L, 1, f, allowed);
    gg_regression_cfg c = {0};
    c.n = opt_size(L, f, "n", 1000);
    c.features = opt_size(L, f, "features", 10);
    c.outputs = opt_size(L, f, "outputs", 1);
    c.noise = lg_opt_nonneg(L, 1, f, "noise", 0.1);
    c.x = lg_opt_enum(L, 1, f, "x", "normal", xd) ? GG_X_UNIFORM : GG_X_NORMAL;
    c.scale = lg_opt_number(L, 1, f, "scale", 1.0);
    c.bias = lg_opt_number(L, 1, f, "bias", 0.0);
    float *w = NULL;
    if (lua_getfield(L, 1, "w") != LUA_TNIL) {               /* stack: opts w */
        size_t want = c.features * c.outputs;
        if (!lua_istable(L, -1) || (size_t)luaL_len(L, -1) != want)
            return luaL_error(L, "%s: w must be a list of features*outputs = %d numbers, got %s",
                              f, (int)want, lg_describe(L, -1));
        w = lua_newuserdatauv(L, want * sizeof *w, 0);       /* stack: opts w buf */
        for (size_t i = 0; i < want; i++) {
            lua_geti(L, -2, (lua_Integer)i + 1);
            int ok;
            w[i] = (float)lua_tonumberx(L, -1, &ok);
            if (!ok)
                return luaL_error(L, "%s: w[%d] must be a number, got %s", f, (int)i + 1,
                                  lg_describe(L, -1));
            lua_pop(L, 1);
        }
    }
    c.w = w;
    gg_rng *r = lg_rng_for(L, 1, f);                         /* stack: ... rng */
    gg_dataset **p = lg_dataset_push(L);                     /* stack: ... rng ds */
    gg_err err;
    if (gg_data_regression(p, &c, r, &err))
        return lg_fail(L, f, &err);
    return 1;
}

/* gg.data.classification{n=, features=, classes=2, spread=1, separation=3, seed=|rng=} */
static int data_classification(lua_State *L)
{
    static const char *const allowed[] = {"n", "features", "classes", "spread", "separation",
                                          "seed", "rng", NULL};
    const char *f = "gg.data.classification";
    luaL_checktype(L, 1, LUA_TTABLE);
    lg_opts_check(L, 1, f, allowed);
    gg_blobs_cfg c = {0};
    c.n = opt_size(L, f, "n", 1000);
    c.features = opt_size(L, f, "features", 10);
    c.classes = (size_t)lg_opt_int(L, 1, f, "classes", 2, 2, 1 << 20);
    c.spread = lg_opt_positive(L, 1, f, "spread", 1.0);
    c.separation = lg_opt_nonneg(L, 1, f, "separation", 3.0);
    gg_rng *r = lg_rng_for(L, 1, f);
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_data_blobs(p, &c, r, &err))
        return lg_fail(L, f, &err);
    return 1;
}

/* gg.data.from_tensors(x, y, {classes=0}) → dataset holding copies of x (n,d) and y (n,k) */
static int data_from_tensors(lua_State *L)
{
    static const char *const allowed[] = {"classes", NULL};
    const char *f = "gg.data.from_tensors";
    gg_tensor *x = lg_tensor_check(L, 1), *y = lg_tensor_check(L, 2);
    lg_opts_check(L, 3, f, allowed);
    lua_Integer classes = lg_opt_int(L, 3, f, "classes", 0, 0, 1 << 20);
    if (x->rows != y->rows)
        return luaL_error(L, "%s: x has %d rows but y has %d", f, (int)x->rows, (int)y->rows);
    if (classes == 1 || (classes > 1 && y->cols != 1))
        return luaL_error(L, "%s: classes must be 0 (regression) or >= 2 with a one-column y", f);
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_dataset_new(p, x->rows, x->cols, y->cols, (size_t)classes, &err))
        return lg_fail(L, f, &err);
    memcpy(gg_dataset_x(*p).data, x->data, x->rows * x->cols * sizeof(float));
    memcpy(gg_dataset_y(*p).data, y->data, y->rows * y->cols * sizeof(float));
    return 1;
}

/* Push a list of the n strings v. */
static void push_strings(lua_State *L, char *const *v, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* __gc of the gg_csv_info holder of gg.data.csv (empty after a normal return). */
static int csv_info_gc(lua_State *L)
{
    gg_csv_info_free(lua_touserdata(L, 1));
    return 0;
}

/* gg.data.csv(path, {header=true, target=name|index, features={names}, classify=false})
 * → dataset, info {rows, columns, features, target, labels} | nil, msg (file or contents) */
static int data_csv(lua_State *L)
{
    static const char *const allowed[] = {"header", "target", "features", "classify", NULL};
    const char *f = "gg.data.csv";
    const char *path = luaL_checkstring(L, 1);
    lg_opts_check(L, 2, f, allowed);
    gg_csv_opts o = {.target_index = -1};
    o.header = lg_opt_bool(L, 2, f, "header", 1);
    o.classify = lg_opt_bool(L, 2, f, "classify", 0);
    int t = lua_isnoneornil(L, 2) ? LUA_TNIL : lua_getfield(L, 2, "target");  /* stack: path opts target? */
    if (t == LUA_TSTRING)
        o.target = lua_tostring(L, -1);  // the option table keeps the string alive
    else if (t != LUA_TNIL) {
        lua_Integer i = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
        if (i < 1 || i > (lua_Integer)GG_TENSOR_MAX_NUMEL)
            return luaL_error(L, "%s: target must be a column name or a 1-based column index, got %s",
                              f, lg_describe(L, -1));
        o.target_index = (long)i - 1;
    }
    if (t != LUA_TNIL)
        lua_pop(L, 1);                                     /* stack: path opts */
    if (!lua_isnoneornil(L, 2) && lua_getfield(L, 2, "features") != LUA_TNIL) {
        if (!lua_istable(L, -1) || luaL_len(L, -1) < 1)    /* stack: path opts features */
            return luaL_error(L, "%s: features must be a non-empty list of column names, got %s",
                              f, lg_describe(L, -1));
        lua_Integer n = luaL_len(L, -1);
        const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
        for (lua_Integer i = 1; i <= n; i++) {             /* stack: path opts features names */
            if (lua_geti(L, -2, i) != LUA_TSTRING)
                return luaL_error(L, "%s: features[%d] must be a column name, got %s", f, (int)i,
                                  lg_describe(L, -1));
            names[i - 1] = lua_tostring(L, -1);            // kept alive by the features table
            lua_pop(L, 1);
        }
        o.features = names;
        o.nfeatures = (size_t)n;
        if (!o.header)
            return luaL_error(L, "%s: features by name need header = true", f);
    }
    if (o.target && !o.header)
        return luaL_error(L, "%s: a target by name needs header = true", f);
    gg_dataset **p = lg_dataset_push(L);                   /* stack: ... ds */
    // The info lives in a userdata whose __gc frees it, pushed before the load: a Lua
    // memory error while the info table is built then leaks nothing (liolib's pattern).
    gg_csv_info *info = lua_newuserdatauv(L, sizeof *info, 0);
    *info = (gg_csv_info){0};
    if (luaL_newmetatable(L, "gglab.CsvInfo")) {
        lua_pushcfunction(L, csv_info_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);                               /* stack: ... ds holder */
    lua_insert(L, -2);                                     /* stack: ... holder ds */
    gg_err err;
    gg_status st = gg_csv_load(p, path, &o, info, &err);
    if (st == GG_EIO || st == GG_EPARSE) {
        luaL_pushfail(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    if (st)
        return lg_fail(L, f, &err);
    lua_createtable(L, 0, 5);                              /* stack: ... holder ds info */
    lua_pushinteger(L, (lua_Integer)info->rows);
    lua_setfield(L, -2, "rows");
    lua_pushinteger(L, (lua_Integer)info->columns);
    lua_setfield(L, -2, "columns");
    push_strings(L, info->features, info->nfeatures);
    lua_setfield(L, -2, "features");
    lua_pushstring(L, info->target);
    lua_setfield(L, -2, "target");
    if (info->labels) {
        push_strings(L, info->labels, info->nlabels);
        lua_setfield(L, -2, "labels");
    }
    gg_csv_info_free(info);  // now; the holder's __gc then finds it empty
    return 2;
}

/* ds:split(val_frac, {shuffle=true, seed=|rng=}) → train, val */
static int dataset_split(lua_State *L)
{
    static const char *const allowed[] = {"shuffle", "seed", "rng", NULL};
    const char *f = "gglab.Dataset:split";
    gg_dataset *ds = lg_dataset_check(L, 1);
    double frac = luaL_checknumber(L, 2);
    lg_opts_check(L, 3, f, allowed);
    int shuffle = lg_opt_bool(L, 3, f, "shuffle", 1);
    gg_rng *r = lg_rng_for(L, 3, f);                         /* stack: ds frac opts rng */
    gg_dataset **tr = lg_dataset_push(L), **va = lg_dataset_push(L);
    gg_err err;
    if (gg_dataset_split(ds, frac, shuffle ? r : NULL, tr, va, &err))
        return lg_fail(L, f, &err);
    return 2;
}

/* ds:class_weights() → {w1, ..., wC}: n / (classes * count_c), 0 for an empty class */
static int dataset_class_weights(lua_State *L)
{
    gg_dataset *ds = lg_dataset_check(L, 1);
    size_t C = gg_dataset_classes(ds);
    float *w = lua_newuserdatauv(L, (C ? C : 1) * sizeof *w, 0);
    gg_err err;
    if (gg_dataset_class_weights(ds, w, &err))
        return lg_fail(L, "gglab.Dataset:class_weights", &err);
    lua_createtable(L, (int)C, 0);
    for (size_t c = 0; c < C; c++) {
        lua_pushnumber(L, (lua_Number)w[c]);
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    return 1;
}

static int push_copy(lua_State *L, gg_tensor src)
{
    gg_tensor *t = lg_tensor_push(L, src.rows, src.cols, "gglab.Dataset");
    memcpy(t->data, src.data, src.rows * src.cols * sizeof(float));
    return 1;
}

static int dataset_x(lua_State *L) { return push_copy(L, gg_dataset_x(lg_dataset_check(L, 1))); }
static int dataset_y(lua_State *L) { return push_copy(L, gg_dataset_y(lg_dataset_check(L, 1))); }

static int dataset_size(lua_State *L, size_t (*q)(const gg_dataset *))
{
    lua_pushinteger(L, (lua_Integer)q(lg_dataset_check(L, 1)));
    return 1;
}

static int dataset_n(lua_State *L) { return dataset_size(L, gg_dataset_n); }
static int dataset_features(lua_State *L) { return dataset_size(L, gg_dataset_d); }
static int dataset_targets(lua_State *L) { return dataset_size(L, gg_dataset_k); }
static int dataset_classes(lua_State *L) { return dataset_size(L, gg_dataset_classes); }

static int dataset_tostring(lua_State *L)
{
    gg_dataset **p = luaL_checkudata(L, 1, GG_DATASET_MT);
    if (!*p)
        lua_pushliteral(L, "gglab.Dataset(closed)");
    else if (gg_dataset_classes(*p))
        lua_pushfstring(L, "gglab.Dataset(%d rows, %d features, %d classes)", (int)gg_dataset_n(*p),
                        (int)gg_dataset_d(*p), (int)gg_dataset_classes(*p));
    else
        lua_pushfstring(L, "gglab.Dataset(%d rows, %d features, %d targets)", (int)gg_dataset_n(*p),
                        (int)gg_dataset_d(*p), (int)gg_dataset_k(*p));
    return 1;
}

static int dataset_gc(lua_State *L)
{
    gg_dataset **p = luaL_checkudata(L, 1, GG_DATASET_MT);
    gg_dataset_free(*p);
    *p = NULL;
    return 0;
}

/* ---- scalers ---- */

static gg_scaler *check_scaler(lua_State *L, int idx)
{
    gg_scaler *s = luaL_checkudata(L, idx, GG_SCALER_MT);
    if (!s->shift)
        luaL_error(L, "attempt to use a closed gglab.Scaler");
    return s;
}

static int scaler_fit(lua_State *L, gg_scaler_kind kind, const char *f)
{
    gg_dataset *ds = lg_dataset_check(L, 1);
    gg_scaler *s = lua_newuserdatauv(L, sizeof *s, 0);
    *s = (gg_scaler){0};
    luaL_setmetatable(L, GG_SCALER_MT);
    gg_err err;
    if (gg_scaler_fit(s, kind, ds, &err))
        return lg_fail(L, f, &err);
    return 1;
}

/* gg.data.standard_scaler(train) / gg.data.minmax_scaler(train) → scaler fitted on train */
static int data_standard_scaler(lua_State *L)
{
    return scaler_fit(L, GG_SCALE_STANDARD, "gg.data.standard_scaler");
}

static int data_minmax_scaler(lua_State *L)
{
    return scaler_fit(L, GG_SCALE_MINMAX, "gg.data.minmax_scaler");
}

/* scaler:transform(ds) → new dataset with scaled features */
static int scaler_transform(lua_State *L)
{
    gg_scaler *s = check_scaler(L, 1);
    gg_dataset *ds = lg_dataset_check(L, 2);
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_scaler_apply(s, ds, p, &err))
        return lg_fail(L, "gglab.Scaler:transform", &err);
    return 1;
}

/* scaler:params() → {shift = {...}, scale = {...}} (mean/std or min/range per feature) */
static int scaler_params(lua_State *L)
{
    gg_scaler *s = check_scaler(L, 1);
    lua_createtable(L, 0, 2);
    const double *arr[2] = {s->shift, s->scale};
    const char *names[2] = {"shift", "scale"};
    for (int a = 0; a < 2; a++) {
        lua_createtable(L, (int)s->d, 0);
        for (size_t j = 0; j < s->d; j++) {
            lua_pushnumber(L, arr[a][j]);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_setfield(L, -2, names[a]);
    }
    return 1;
}

static int scaler_tostring(lua_State *L)
{
    gg_scaler *s = luaL_checkudata(L, 1, GG_SCALER_MT);
    lua_pushfstring(L, "gglab.Scaler(%s, %d features)",
                    s->kind == GG_SCALE_STANDARD ? "standard" : "minmax", (int)s->d);
    return 1;
}

static int scaler_gc(lua_State *L)
{
    gg_scaler_free(luaL_checkudata(L, 1, GG_SCALER_MT));
    return 0;
}

static const luaL_Reg scaler_methods[] = {
    {"transform", scaler_transform}, {"params", scaler_params}, {NULL, NULL},
};

static const luaL_Reg scaler_meta[] = {
    {"__gc", scaler_gc}, {"__close", scaler_gc}, {"__tostring", scaler_tostring},
    {"__index", NULL},   {NULL, NULL},
};

/* ---- corruption (core/corrupt.h): each returns a new dataset ---- */

/* ds:flip_labels{rate =, class = nil, seed = | rng =} → new dataset, labels changed */
static int dataset_flip_labels(lua_State *L)
{
    static const char *const allowed[] = {"rate", "class", "seed", "rng", NULL};
    const char *f = "gglab.Dataset:flip_labels";
    gg_dataset *ds = lg_dataset_check(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lg_opts_check(L, 2, f, allowed);
    double rate = lg_opt_nonneg(L, 2, f, "rate", 0.1);
    long to = (long)lg_opt_int(L, 2, f, "class", -1, -1, 1 << 20);
    gg_rng *r = lg_rng_for(L, 2, f);
    gg_dataset **p = lg_dataset_push(L);
    size_t changed;
    gg_err err;
    if (gg_corrupt_labels(p, ds, rate, to, r, &changed, &err))
        return lg_fail(L, f, &err);
    lua_pushinteger(L, (lua_Integer)changed);
    return 2;
}

/* ds:add_outliers{fraction =, magnitude =, targets = false, seed = | rng =} → new dataset */
static int dataset_add_outliers(lua_State *L)
{
    static const char *const allowed[] = {"fraction", "magnitude", "targets", "seed", "rng", NULL};
    const char *f = "gglab.Dataset:add_outliers";
    gg_dataset *ds = lg_dataset_check(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lg_opts_check(L, 2, f, allowed);
    double frac = lg_opt_nonneg(L, 2, f, "fraction", 0.01);
    double mag = lg_opt_number(L, 2, f, "magnitude", 10.0);
    int targets = lg_opt_bool(L, 2, f, "targets", 0);
    gg_rng *r = lg_rng_for(L, 2, f);
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_corrupt_outliers(p, ds, frac, mag, targets, r, &err))
        return lg_fail(L, f, &err);
    return 1;
}

/* ds:scale_features{columns = {1-based...}, factor =} → new dataset */
static int dataset_scale_features(lua_State *L)
{
    static const char *const allowed[] = {"columns", "factor", NULL};
    const char *f = "gglab.Dataset:scale_features";
    gg_dataset *ds = lg_dataset_check(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lg_opts_check(L, 2, f, allowed);
    double factor = lg_opt_number(L, 2, f, "factor", 1000.0);
    if (lua_getfield(L, 2, "columns") != LUA_TTABLE)         /* stack: ds opts cols */
        return luaL_error(L, "%s: columns must be a list of 1-based feature numbers, got %s", f,
                          lg_describe(L, -1));
    size_t nc = (size_t)luaL_len(L, -1);
    size_t *cols = lua_newuserdatauv(L, (nc ? nc : 1) * sizeof *cols, 0);  /* ... cols buf */
    for (size_t i = 0; i < nc; i++) {
        lua_geti(L, -2, (lua_Integer)i + 1);
        int isint = 0;
        lua_Integer c = lua_tointegerx(L, -1, &isint);
        if (!isint || c < 1)
            return luaL_error(L, "%s: columns[%d] must be a feature number >= 1, got %s", f,
                              (int)i + 1, lg_describe(L, -1));
        cols[i] = (size_t)c - 1;
        lua_pop(L, 1);
    }
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_corrupt_scale(p, ds, cols, nc, factor, &err))
        return lg_fail(L, f, &err);
    return 1;
}

/* ds:imbalance{class =, ratio =, seed = | rng =} → new dataset (class subsampled) */
static int dataset_imbalance(lua_State *L)
{
    static const char *const allowed[] = {"class", "ratio", "seed", "rng", NULL};
    const char *f = "gglab.Dataset:imbalance";
    gg_dataset *ds = lg_dataset_check(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lg_opts_check(L, 2, f, allowed);
    lua_Integer cls = lg_opt_int(L, 2, f, "class", 0, 0, 1 << 20);
    double ratio = lg_opt_positive(L, 2, f, "ratio", 0.1);
    gg_rng *r = lg_rng_for(L, 2, f);
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_corrupt_imbalance(p, ds, (size_t)cls, ratio, r, &err))
        return lg_fail(L, f, &err);
    return 1;
}

/* ds:add_noise{std =, seed = | rng =} → new dataset with N(0, std^2) added to features */
static int dataset_add_noise(lua_State *L)
{
    static const char *const allowed[] = {"std", "seed", "rng", NULL};
    const char *f = "gglab.Dataset:add_noise";
    gg_dataset *ds = lg_dataset_check(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lg_opts_check(L, 2, f, allowed);
    double sd = lg_opt_nonneg(L, 2, f, "std", 0.1);
    gg_rng *r = lg_rng_for(L, 2, f);
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_corrupt_noise(p, ds, sd, r, &err))
        return lg_fail(L, f, &err);
    return 1;
}

static const luaL_Reg dataset_methods[] = {
    {"split", dataset_split}, {"x", dataset_x},             {"y", dataset_y},
    {"n", dataset_n},         {"features", dataset_features}, {"targets", dataset_targets},
    {"classes", dataset_classes}, {"class_weights", dataset_class_weights},
    {"flip_labels", dataset_flip_labels}, {"add_outliers", dataset_add_outliers},
    {"scale_features", dataset_scale_features}, {"imbalance", dataset_imbalance},
    {"add_noise", dataset_add_noise}, {NULL, NULL},
};

static const luaL_Reg dataset_meta[] = {
    {"__gc", dataset_gc}, {"__close", dataset_gc}, {"__tostring", dataset_tostring},
    {"__index", NULL},    {NULL, NULL},
};

static const luaL_Reg data_funcs[] = {
    {"regression", data_regression},
    {"classification", data_classification},
    {"from_tensors", data_from_tensors},
    {"csv", data_csv},
    {"standard_scaler", data_standard_scaler},
    {"minmax_scaler", data_minmax_scaler},
    {NULL, NULL},
};

void lg_open_data(lua_State *L)
{
    luaL_newmetatable(L, GG_DATASET_MT);  /* stack: gg mt */
    luaL_setfuncs(L, dataset_meta, 0);
    luaL_newlib(L, dataset_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newmetatable(L, GG_SCALER_MT);   /* stack: gg mt */
    luaL_setfuncs(L, scaler_meta, 0);
    luaL_newlib(L, scaler_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newlib(L, data_funcs);           /* stack: gg data */
    lua_setfield(L, -2, "data");
}
