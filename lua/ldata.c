/* lua/ldata.c — gglab.Dataset and the generators gg.data.regression/classification/
 * images, plus gg.data.from_tensors for hand-made data (the seed write-ups' tiny
 * examples), gg.data.csv (core/csvload.h) and gg.data.digits. */
#include "lgglab.h"

#include <string.h>

#include "../core/corrupt.h"
#include "../core/csvload.h"
#include "../core/images.h"

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

/* The sample shape at idx (a list of 1..GG_DATASET_MAX_DIMS integers >= 1) into dims;
 * returns ndim. Raises "<f>: <what> must be a list of 1 to 4 integers >= 1, got ...". */
static int check_shape(lua_State *L, int idx, const char *f, const char *what, size_t *dims)
{
    lua_Integer n = lua_istable(L, idx) ? luaL_len(L, idx) : 0;
    if (n < 1 || n > GG_DATASET_MAX_DIMS)
        luaL_error(L, "%s: %s must be a list of 1 to %d integers >= 1, got %s", f, what,
                   GG_DATASET_MAX_DIMS, lua_istable(L, idx) ? lua_pushfstring(L, "%d values", (int)n)
                                                            : lg_describe(L, idx));
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);                                 /* stack: ... dim */
        int isint = 0;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < 1 || v > (lua_Integer)GG_TENSOR_MAX_NUMEL)
            luaL_error(L, "%s: %s[%d] must be an integer >= 1, got %s", f, what, (int)i,
                       lg_describe(L, -1));
        dims[i - 1] = (size_t)v;
        lua_pop(L, 1);
    }
    return (int)n;
}

/* gg.data.regression{n=, features=, outputs=1, noise=0.1, x="normal", scale=1, w=, bias=0, seed=|rng=} */
static int data_regression(lua_State *L)
{
    static const char *const allowed[] = {"n", "features", "outputs", "noise", "x", "scale",
                                          "w", "bias", "seed", "rng", NULL};
    static const char *const xd[] = {"normal", "uniform", NULL};
    const char *f = "gg.data.regression";
    lg_opts_table(L, 1, f, allowed);
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
    lg_opts_table(L, 1, f, allowed);
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

/* gg.data.images{n=1000, size=16, height=, width=, channels=1, classes=4, kind="shapes",
 * noise=0.1, seed=|rng=} → dataset of (channels, height, width) images (core/images.h) */
static int data_images(lua_State *L)
{
    static const char *const allowed[] = {"n", "size", "height", "width", "channels", "classes",
                                          "kind", "noise", "seed", "rng", NULL};
    static const char *const kinds[] = {"shapes", "bars", "textures", NULL};
    static const gg_images_kind kind_of[] = {GG_IMAGES_SHAPES, GG_IMAGES_BARS, GG_IMAGES_TEXTURES};
    const char *f = "gg.data.images";
    lg_opts_table(L, 1, f, allowed);
    const lua_Integer side_max = 1 << 16;
    gg_images_cfg c = {0};
    c.n = opt_size(L, f, "n", 1000);
    lua_Integer size = lg_opt_int(L, 1, f, "size", 16, GG_IMAGES_MIN_SIDE, side_max);
    c.height = (size_t)lg_opt_int(L, 1, f, "height", size, GG_IMAGES_MIN_SIDE, side_max);
    c.width = (size_t)lg_opt_int(L, 1, f, "width", size, GG_IMAGES_MIN_SIDE, side_max);
    c.channels = (size_t)lg_opt_int(L, 1, f, "channels", 1, 1, side_max);
    c.classes = (size_t)lg_opt_int(L, 1, f, "classes", 4, 2, 1 << 20);
    c.kind = kind_of[lg_opt_enum(L, 1, f, "kind", "shapes", kinds)];
    c.noise = lg_opt_nonneg(L, 1, f, "noise", 0.1);
    gg_rng *r = lg_rng_for(L, 1, f);                         /* stack: opts rng */
    gg_dataset **p = lg_dataset_push(L);                     /* stack: opts rng ds */
    gg_err err;
    if (gg_data_images(p, &c, r, &err))
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

/* Load path with o and push dataset, info {rows, columns, features, target, labels}
 * (GG_OK); on failure push nothing and return the status, err filled. */
static gg_status csv_push(lua_State *L, const char *path, const gg_csv_opts *o, gg_err *err)
{
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
    gg_status st = gg_csv_load(p, path, o, info, err);
    if (st) {
        lua_pop(L, 2);                                     /* stack: ... */
        return st;
    }
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
    lua_rotate(L, -3, -1);                                 /* stack: ... ds info holder */
    lua_pop(L, 1);                                         /* stack: ... ds info */
    return GG_OK;
}

/* gg.data.csv(path, {header=true, target=name|index, features={names}, classify=false,
 * shape={dims}}) → dataset, info {rows, columns, features, target, labels}
 * | nil, msg (file or contents, a shape that does not fit the features included) */
static int data_csv(lua_State *L)
{
    static const char *const allowed[] = {"header", "target", "features", "classify", "shape", NULL};
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
    size_t shape[GG_DATASET_MAX_DIMS];
    if (!lua_isnoneornil(L, 2)) {
        if (lua_getfield(L, 2, "shape") != LUA_TNIL) {     /* stack: path opts shape */
            o.shape_ndim = check_shape(L, -1, f, "shape", shape);
            o.shape = shape;
        }
        lua_pop(L, 1);                                     /* stack: path opts */
    }
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
    gg_err err;
    gg_status st = csv_push(L, path, &o, &err);            /* stack: ... ds info */
    if (st == GG_EIO || st == GG_EPARSE) {
        luaL_pushfail(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    if (st)
        return lg_fail(L, f, &err);
    return 2;
}

/* Push "<root>experiments/data/digits.csv" for the repository root guessed from file,
 * a file one directory below it (build/gglab.so, build/gglab): the path without its
 * last two components ("/x/build/gglab.so" → "/x/", "build/gglab" → "", "gglab.so" →
 * "../"). */
static void push_digits_near(lua_State *L, const char *file)
{
    const char *slash = strrchr(file, '/'), *up = NULL;
    for (const char *c = file; slash && c < slash; c++)
        up = *c == '/' ? c : up;                           // the last '/' before slash
    if (up) {
        lua_pushlstring(L, file, (size_t)(up - file + 1));
        lua_pushliteral(L, "experiments/data/digits.csv");
        lua_concat(L, 2);
    } else
        lua_pushstring(L, slash ? "experiments/data/digits.csv" : "../experiments/data/digits.csv");
}

/* Append the string on top to the list at idx unless it is already there; pops it. */
static void add_unique(lua_State *L, int idx)
{
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        int same = lua_rawequal(L, -1, -2);
        lua_pop(L, 1);
        if (same) {
            lua_pop(L, 1);
            return;
        }
    }
    lua_rawseti(L, idx, n + 1);
}

/* Push the list of places digits.csv is looked for, in order (docs/lua-api.md). */
static void push_digits_candidates(lua_State *L)
{
    lua_newtable(L);                                       /* stack: ... list */
    int list = lua_gettop(L);
    lua_pushliteral(L, "experiments/data/digits.csv");
    add_unique(L, list);
    // Where the gglab module was found: build/gglab.so in a checkout.
    if (lua_getglobal(L, "package") == LUA_TTABLE &&       /* stack: ... list package */
        lua_getfield(L, -1, "searchpath") == LUA_TFUNCTION) {  /* ... list package searchpath */
        lua_pushliteral(L, "gglab");
        lua_getfield(L, -3, "cpath");                      /* ... package searchpath "gglab" cpath */
        if (lua_type(L, -1) == LUA_TSTRING && lua_pcall(L, 2, 1, 0) == LUA_OK &&
            lua_type(L, -1) == LUA_TSTRING) {              /* ... list package file */
            push_digits_near(L, lua_tostring(L, -1));
            add_unique(L, list);
        }
    }
    lua_settop(L, list);                                   /* stack: ... list */
    // The gglab program itself (arg[0] = .../build/gglab), whose modules are built in.
    if (lua_getglobal(L, "arg") == LUA_TTABLE && lua_geti(L, -1, 0) == LUA_TSTRING) {
        const char *a0 = lua_tostring(L, -1), *base = strrchr(a0, '/');
        if (strcmp(base ? base + 1 : a0, "gglab") == 0) {  /* stack: ... list arg arg0 */
            push_digits_near(L, a0);
            add_unique(L, list);
        }
    }
    lua_settop(L, list);                                   /* stack: ... list */
}

/* gg.data.digits{image=false, scale=1, path=} → dataset, info | nil, msg: the 1797 8x8
 * digits of experiments/data/digits.csv, features (64) or with image = true (1,8,8);
 * pixels 0..16 times scale. Without path the file is looked for as described in
 * docs/lua-api.md (push_digits_candidates). */
static int data_digits(lua_State *L)
{
    static const char *const allowed[] = {"image", "scale", "path", NULL};
    static const size_t image_shape[3] = {1, 8, 8};
    const char *f = "gg.data.digits";
    lg_opts_check(L, 1, f, allowed);
    int image = lg_opt_bool(L, 1, f, "image", 0);
    double scale = lg_opt_positive(L, 1, f, "scale", 1.0);
    const char *path = lg_opt_string(L, 1, f, "path", NULL);
    gg_csv_opts o = {.header = 1, .target = "target", .target_index = -1, .classify = 1,
                     .shape = image ? image_shape : NULL, .shape_ndim = 3};
    lua_settop(L, 1);
    if (path) {
        lua_newtable(L);
        lua_pushstring(L, path);
        lua_rawseti(L, -2, 1);
    } else {
        push_digits_candidates(L);                         /* stack: opts list */
    }
    gg_err err;
    gg_status st = GG_EIO;
    luaL_Buffer tried;
    luaL_buffinit(L, &tried);                              /* stack: opts list buffer? */
    for (lua_Integer i = 1; st == GG_EIO && i <= luaL_len(L, 2); i++) {
        lua_geti(L, 2, i);                                 /* stack: opts list buffer? path */
        const char *cand = lua_tostring(L, -1);            // kept by the list
        lua_pop(L, 1);
        st = csv_push(L, cand, &o, &err);                  /* stack: ... [ds info] */
        if (st == GG_EIO) {
            if (i > 1)
                luaL_addstring(&tried, "; ");
            luaL_addstring(&tried, err.msg);
        }
    }
    if (st == GG_EIO && !path) {
        luaL_pushresult(&tried);                           /* stack: opts list tried */
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: digits.csv not found (%s); pass path = '.../digits.csv'", f, lua_tostring(L, -2));
        return 2;
    }
    if (st == GG_EIO || st == GG_EPARSE) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", f, err.msg);
        return 2;
    }
    if (st)
        return lg_fail(L, f, &err);
    if (scale != 1.0) {                                    /* stack: ... ds info */
        gg_dataset *src = lg_dataset_check(L, -2);
        size_t d = gg_dataset_d(src);
        size_t *cols = lua_newuserdatauv(L, d * sizeof *cols, 0);  /* ... ds info cols */
        for (size_t j = 0; j < d; j++)
            cols[j] = j;
        gg_dataset **q = lg_dataset_push(L);               /* stack: ... ds info cols scaled */
        if (gg_corrupt_scale(q, src, cols, d, scale, &err))
            return lg_fail(L, f, &err);
        lua_replace(L, -4);                                /* stack: ... scaled info cols */
        lua_pop(L, 1);                                     /* stack: ... scaled info */
    }
    return 2;
}

/* ds:split(val_frac, {shuffle=true, seed=|rng=, stratify=false}) → train, val */
static int dataset_split(lua_State *L)
{
    static const char *const allowed[] = {"shuffle", "seed", "rng", "stratify", NULL};
    const char *f = "gglab.Dataset:split";
    gg_dataset *ds = lg_dataset_check(L, 1);
    double frac = luaL_checknumber(L, 2);
    lg_opts_check(L, 3, f, allowed);
    int shuffle = lg_opt_bool(L, 3, f, "shuffle", 1);
    int stratify = lg_opt_bool(L, 3, f, "stratify", 0);
    gg_rng *r = lg_rng_for(L, 3, f);                         /* stack: ds frac opts rng */
    gg_dataset **tr = lg_dataset_push(L), **va = lg_dataset_push(L);
    gg_err err;
    gg_rng *use = shuffle ? r : NULL;
    gg_status st = stratify ? gg_dataset_split_stratified(ds, frac, use, tr, va, &err)
                            : gg_dataset_split(ds, frac, use, tr, va, &err);
    if (st)
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

/* ds:feature_stats() → means, sds: each feature column's mean and sample sd (n - 1) */
static int dataset_feature_stats(lua_State *L)
{
    gg_dataset *ds = lg_dataset_check(L, 1);
    size_t d = gg_dataset_d(ds);
    double *m = lua_newuserdatauv(L, 2 * (d ? d : 1) * sizeof *m, 0);
    gg_err err;
    if (gg_dataset_feature_stats(ds, m, m + d, &err))
        return lg_fail(L, "gglab.Dataset:feature_stats", &err);
    for (int part = 0; part < 2; part++) {
        lua_createtable(L, (int)d, 0);
        for (size_t j = 0; j < d; j++) {
            lua_pushnumber(L, m[(size_t)part * d + j]);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
    }
    return 2;
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

/* ds:shape() → {d} or the sample shape, e.g. {1, 8, 8} */
static int dataset_shape(lua_State *L)
{
    size_t dims[GG_DATASET_MAX_DIMS];
    int nd = gg_dataset_shape(lg_dataset_check(L, 1), dims);
    lua_createtable(L, nd, 0);
    for (int i = 0; i < nd; i++) {
        lua_pushinteger(L, (lua_Integer)dims[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* ds:reshape{dims} or ds:reshape(d1, d2, ...) → a copy of ds whose samples have that shape */
static int dataset_reshape(lua_State *L)
{
    const char *f = "gglab.Dataset:reshape";
    gg_dataset *ds = lg_dataset_check(L, 1);
    size_t dims[GG_DATASET_MAX_DIMS];
    int nd;
    if (lua_istable(L, 2)) {
        nd = check_shape(L, 2, f, "shape", dims);
    } else {
        nd = lua_gettop(L) - 1;
        if (nd < 1 || nd > GG_DATASET_MAX_DIMS)
            return luaL_error(L, "%s: shape must be a list of 1 to %d integers >= 1, got %d values",
                              f, GG_DATASET_MAX_DIMS, nd);
        for (int i = 0; i < nd; i++) {
            int isint = 0;
            lua_Integer v = lua_tointegerx(L, i + 2, &isint);
            if (!isint || v < 1 || v > (lua_Integer)GG_TENSOR_MAX_NUMEL)
                return luaL_error(L, "%s: shape[%d] must be an integer >= 1, got %s", f, i + 1,
                                  lg_describe(L, i + 2));
            dims[i] = (size_t)v;
        }
    }
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_dataset_copy(p, ds, &err) || gg_dataset_set_shape(*p, nd, dims, &err))
        return lg_fail(L, f, &err);
    return 1;
}

/* ds:subset(i [, j]) → rows i..j (1-based, inclusive; j defaults to i), or
 * ds:subset{i1, i2, ...} → those rows in that order; same classes and sample shape */
static int dataset_subset(lua_State *L)
{
    const char *f = "gglab.Dataset:subset";
    gg_dataset *ds = lg_dataset_check(L, 1);
    const lua_Integer n = (lua_Integer)gg_dataset_n(ds);
    size_t m, *idx;
    if (lua_istable(L, 2)) {
        lua_Integer len = luaL_len(L, 2);
        if (len < 1)
            return luaL_error(L, "%s: the list of rows is empty", f);
        m = (size_t)len;
        idx = lua_newuserdatauv(L, m * sizeof *idx, 0);     /* stack: ds rows idx */
        for (size_t i = 0; i < m; i++) {
            lua_geti(L, 2, (lua_Integer)i + 1);
            int isint = 0;
            lua_Integer r = lua_tointegerx(L, -1, &isint);
            if (!isint || r < 1 || r > n)
                return luaL_error(L, "%s: rows[%d] must be a row number in 1..%d, got %s", f,
                                  (int)i + 1, (int)n, lg_describe(L, -1));
            idx[i] = (size_t)r - 1;
            lua_pop(L, 1);
        }
    } else {
        lua_Integer i = luaL_checkinteger(L, 2), j = luaL_optinteger(L, 3, i);
        if (i < 1 || j < i || j > n)
            return luaL_error(L, "%s: rows %I..%I are not a range within 1..%I", f, i, j, n);
        m = (size_t)(j - i + 1);
        idx = lua_newuserdatauv(L, m * sizeof *idx, 0);
        for (size_t r = 0; r < m; r++)
            idx[r] = (size_t)(i - 1) + r;
    }
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_dataset_subset(p, ds, idx, m, &err))
        return lg_fail(L, f, &err);
    return 1;
}

static int dataset_tostring(lua_State *L)
{
    gg_dataset **p = luaL_checkudata(L, 1, GG_DATASET_MT);
    if (!*p) {
        lua_pushliteral(L, "gglab.Dataset(closed)");
        return 1;
    }
    size_t dims[GG_DATASET_MAX_DIMS];
    int nd = gg_dataset_shape(*p, dims);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "gglab.Dataset(%d rows, ", (int)gg_dataset_n(*p));
    luaL_addvalue(&b);
    for (int i = 0; i < nd; i++) {  // image datasets show their sample shape: 1x8x8
        lua_pushfstring(L, i ? "x%d" : "%d", (int)dims[i]);
        luaL_addvalue(&b);
    }
    if (gg_dataset_classes(*p))
        lua_pushfstring(L, " features, %d classes)", (int)gg_dataset_classes(*p));
    else
        lua_pushfstring(L, " features, %d targets)", (int)gg_dataset_k(*p));
    luaL_addvalue(&b);
    luaL_pushresult(&b);
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
    lg_opts_table(L, 2, f, allowed);
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
    lg_opts_table(L, 2, f, allowed);
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

/* ds:scale_features([{columns = {1-based...} | "all" (the default), factor = 1000}]) → new dataset */
static int dataset_scale_features(lua_State *L)
{
    static const char *const allowed[] = {"columns", "factor", NULL};
    const char *f = "gglab.Dataset:scale_features";
    gg_dataset *ds = lg_dataset_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
    lua_settop(L, 2);
    double factor = lg_opt_number(L, 2, f, "factor", 1000.0);
    int t = lua_istable(L, 2) ? lua_getfield(L, 2, "columns") : (lua_pushnil(L), LUA_TNIL);  /* ds opts cols */
    const char *s = t == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int all = t == LUA_TNIL || (s && strcmp(s, "all") == 0);
    if (t != LUA_TTABLE && !all)
        return luaL_error(L, "%s: columns must be \"all\" or a list of 1-based feature numbers, got %s", f,
                          lg_describe(L, -1));
    size_t nc = all ? gg_dataset_d(ds) : (size_t)luaL_len(L, -1);
    size_t *cols = lua_newuserdatauv(L, (nc ? nc : 1) * sizeof *cols, 0);  /* ... cols buf */
    for (size_t i = 0; all && i < nc; i++)
        cols[i] = i;
    for (size_t i = 0; !all && i < nc; i++) {
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
    lg_opts_table(L, 2, f, allowed);
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
    lg_opts_table(L, 2, f, allowed);
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
    {"shape", dataset_shape}, {"reshape", dataset_reshape}, {"subset", dataset_subset},
    {"flip_labels", dataset_flip_labels}, {"add_outliers", dataset_add_outliers},
    {"scale_features", dataset_scale_features}, {"imbalance", dataset_imbalance},
    {"add_noise", dataset_add_noise}, {"feature_stats", dataset_feature_stats}, {NULL, NULL},
};

static const luaL_Reg dataset_meta[] = {
    {"__gc", dataset_gc}, {"__close", dataset_gc}, {"__tostring", dataset_tostring},
    {"__index", NULL},    {NULL, NULL},
};

static const luaL_Reg data_funcs[] = {
    {"regression", data_regression},
    {"classification", data_classification},
    {"images", data_images},
    {"digits", data_digits},
    {"from_tensors", data_from_tensors},
    {"csv", data_csv},
    {"standard_scaler", data_standard_scaler},
    {"minmax_scaler", data_minmax_scaler},
    {NULL, NULL},
};

void lg_open_data(lua_State *L)
{
    lg_newclass(L, GG_DATASET_MT, dataset_meta, dataset_methods);
    lg_newclass(L, GG_SCALER_MT, scaler_meta, scaler_methods);
    luaL_newlib(L, data_funcs);           /* stack: gg data */
    lua_setfield(L, -2, "data");
}
