/* core/data.c — datasets and generators (see data.h). */
#include "data.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "mem.h"

/* The code point table of a character-level token dataset, shared (read-only) by the
 * datasets derived from it and freed with the last one. */
typedef struct charset {
    size_t refs;     /* datasets holding it */
    uint32_t cp[];   /* vocab code points, ascending */
} charset;

struct gg_dataset {
    size_t n, d, k, classes;
    gg_token_kind tokens;              /* GG_TOKENS_NONE unless seqdata.c marked it */
    size_t vocab;                      /* token ids are 0..vocab-1; 0 for NONE */
    charset *chars;                    /* GG_TOKENS_CHARS: the ids' code points; else NULL */
    int ndim;                          /* dims of one sample, 1..GG_DATASET_MAX_DIMS */
    size_t shape[GG_DATASET_MAX_DIMS]; /* their product is d; (d) unless set */
    gg_tensor X;                       /* (n,d) */
    gg_tensor Y;                       /* (n,k) */
};

/* The sample shape of src onto dst (same d; derived datasets keep it). */
static void keep_shape(gg_dataset *dst, const gg_dataset *src)
{
    dst->ndim = src->ndim;
    memcpy(dst->shape, src->shape, sizeof dst->shape);
}

static void charset_release(charset *c)
{
    if (c && --c->refs == 0)
        gg_free(c);
}

/* The token marking of src onto dst (derived by row selection: the ids stay ids). */
static void keep_tokens(gg_dataset *dst, const gg_dataset *src)
{
    charset_release(dst->chars);
    dst->tokens = src->tokens;
    dst->vocab = src->vocab;
    dst->chars = src->chars;
    if (dst->chars)
        dst->chars->refs++;
}

gg_status gg_dataset_new(gg_dataset **out, size_t n, size_t d, size_t k, size_t classes,
                         gg_err *err)
{
    *out = NULL;
    if (n == 0 || d == 0 || k == 0)
        return gg_err_set(err, GG_EINVAL, "dataset dimensions must be >= 1, got n=%zu, features=%zu, targets=%zu",
                          n, d, k);
    gg_dataset *ds = gg_calloc(1, sizeof *ds);
    if (!ds)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating a dataset");
    gg_status st;
    if ((st = gg_tensor_new(&ds->X, n, d, err)) || (st = gg_tensor_new(&ds->Y, n, k, err))) {
        gg_dataset_free(ds);
        return st;
    }
    ds->n = n;
    ds->d = d;
    ds->k = k;
    ds->classes = classes;
    ds->ndim = 1;
    ds->shape[0] = d;
    *out = ds;
    return GG_OK;
}

gg_status gg_dataset_copy(gg_dataset **out, const gg_dataset *ds, gg_err *err)
{
    gg_status st = gg_dataset_new(out, ds->n, ds->d, ds->k, ds->classes, err);
    if (st)
        return st;
    memcpy((*out)->X.data, ds->X.data, ds->n * ds->d * sizeof(float));
    memcpy((*out)->Y.data, ds->Y.data, ds->n * ds->k * sizeof(float));
    keep_shape(*out, ds);
    keep_tokens(*out, ds);
    return GG_OK;
}

gg_status gg_dataset_subset(gg_dataset **out, const gg_dataset *ds, const size_t *idx, size_t m,
                            gg_err *err)
{
    *out = NULL;
    if (m == 0)
        return gg_err_set(err, GG_EINVAL, "a subset needs at least 1 row, got 0");
    for (size_t i = 0; i < m; i++)
        if (idx[i] >= ds->n)
            return gg_err_set(err, GG_EINVAL, "row index %zu is out of range (%zu rows)", idx[i],
                              ds->n);
    gg_status st = gg_dataset_new(out, m, ds->d, ds->k, ds->classes, err);
    if (st)
        return st;
    gg_dataset_gather(ds, idx, m, (*out)->X.data, (*out)->Y.data);
    keep_shape(*out, ds);
    keep_tokens(*out, ds);
    return GG_OK;
}

/* "(1,28,28)" into buf (cap bytes, truncated if it must be). */
static void shape_text(char *buf, size_t cap, int ndim, const size_t *dims)
{
    size_t used = 0;
    for (int i = 0; i < ndim && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%zu", i ? "," : "(", dims[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    if (used < cap)
        snprintf(buf + used, cap - used, ")");
}

gg_status gg_dataset_set_shape(gg_dataset *ds, int ndim, const size_t *dims, gg_err *err)
{
    if (ndim < 1 || ndim > GG_DATASET_MAX_DIMS)
        return gg_err_set(err, GG_EINVAL, "a sample shape has 1 to %d dims, got %d",
                          GG_DATASET_MAX_DIMS, ndim);
    size_t prod = 1;  // saturates at SIZE_MAX: never equal to d then, as d < 2^31
    for (int i = 0; i < ndim; i++) {
        if (dims[i] == 0)
            return gg_err_set(err, GG_EINVAL, "sample shape dim %d must be >= 1, got 0", i + 1);
        if (gg_mul_overflow(prod, dims[i], &prod))
            prod = SIZE_MAX;
    }
    if (prod != ds->d) {
        char txt[96];
        shape_text(txt, sizeof txt, ndim, dims);
        if (prod == SIZE_MAX)
            return gg_err_set(err, GG_ESHAPE, "shape %s has too many values per sample, the dataset has %zu features",
                              txt, ds->d);
        return gg_err_set(err, GG_ESHAPE, "shape %s has %zu values per sample, the dataset has %zu features",
                          txt, prod, ds->d);
    }
    ds->ndim = ndim;
    memset(ds->shape, 0, sizeof ds->shape);
    memcpy(ds->shape, dims, (size_t)ndim * sizeof *dims);
    return GG_OK;
}

void gg_dataset_free(gg_dataset *ds)
{
    if (!ds)
        return;
    gg_tensor_free(&ds->X);
    gg_tensor_free(&ds->Y);
    charset_release(ds->chars);
    gg_free(ds);
}

gg_status gg_data_regression(gg_dataset **out, const gg_regression_cfg *c, gg_rng *rng,
                             gg_err *err)
{
    *out = NULL;
    if (!(c->noise >= 0.0) || !isfinite(c->noise))
        return gg_err_set(err, GG_EINVAL, "noise must be a non-negative number, got %g", c->noise);
    if (!isfinite(c->scale) || !isfinite(c->bias))
        return gg_err_set(err, GG_EINVAL, "scale and bias must be finite, got %g and %g",
                          c->scale, c->bias);
    gg_dataset *ds;
    gg_status st = gg_dataset_new(&ds, c->n, c->features, c->outputs, 0, err);
    if (st)
        return st;
    float *w = gg_malloc(c->features * c->outputs, sizeof *w);
    if (!w) {
        gg_dataset_free(ds);
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating regression weights");
    }
    const size_t n = c->n, d = c->features, k = c->outputs;
    float *X = ds->X.data, *Y = ds->Y.data;
    const float fscale = (float)c->scale;
    if (c->x == GG_X_UNIFORM) {
        for (size_t i = 0; i < n * d; i++)  // torch.rand(...) * scale in float32: never reaches scale
            X[i] = gg_rng_uniformf(rng) * fscale;
    } else {
        double z[256];
        for (size_t i0 = 0, m; i0 < n * d; i0 += m) {
            m = n * d - i0 < 256 ? n * d - i0 : 256;
            gg_rng_normal_fill(rng, z, m);
            for (size_t i = 0; i < m; i++)
                X[i0 + i] = (float)z[i] * fscale;
        }
    }
    for (size_t i = 0; i < d * k; i++)
        w[i] = c->w ? c->w[i] : (float)gg_rng_normal(rng);
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < k; j++) {
            double s = c->bias;
            for (size_t i = 0; i < d; i++)
                s += (double)X[r * d + i] * (double)w[i * k + j];
            Y[r * k + j] = (float)(s + c->noise * gg_rng_normal(rng));
        }
    gg_free(w);
    *out = ds;
    return GG_OK;
}

gg_status gg_data_blobs(gg_dataset **out, const gg_blobs_cfg *c, gg_rng *rng, gg_err *err)
{
    *out = NULL;
    if (c->classes < 2)
        return gg_err_set(err, GG_EINVAL, "classes must be >= 2, got %zu", c->classes);
    if (!(c->spread > 0.0) || !isfinite(c->spread))
        return gg_err_set(err, GG_EINVAL, "spread must be a positive number, got %g", c->spread);
    if (!(c->separation >= 0.0) || !isfinite(c->separation))
        return gg_err_set(err, GG_EINVAL, "separation must be a non-negative number, got %g",
                          c->separation);
    gg_status st = gg_tensor_check_size(c->classes, c->features, "class centres", err);
    if (st)
        return st;
    gg_dataset *ds;
    if ((st = gg_dataset_new(&ds, c->n, c->features, 1, c->classes, err)))
        return st;
    const size_t d = c->features;
    double *centre = gg_malloc(c->classes * d, sizeof *centre);
    if (!centre) {
        gg_dataset_free(ds);
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating class centres");
    }
    for (size_t i = 0; i < c->classes * d; i++)
        centre[i] = c->separation * gg_rng_normal(rng);
    double z[256];  // the rows' normals in draw order, a chunk at a time
    size_t y = 0, i = 0;  // class and feature of element k
    for (size_t k0 = 0, m; k0 < c->n * d; k0 += m) {
        m = c->n * d - k0 < 256 ? c->n * d - k0 : 256;
        gg_rng_normal_fill(rng, z, m);
        for (size_t k = k0; k < k0 + m; k++) {
            ds->X.data[k] = (float)(centre[y * d + i] + c->spread * z[k - k0]);
            if (++i == d) {
                i = 0;
                y = y + 1 == c->classes ? 0 : y + 1;
            }
        }
    }
    for (size_t r = 0; r < c->n; r++)
        ds->Y.data[r] = (float)(r % c->classes);
    gg_free(centre);
    *out = ds;
    return GG_OK;
}

/* New datasets train (rows idx[0..nt)) and val (rows idx[nt..n)), with ds's shape and tokens. */
static gg_status split_rows(const gg_dataset *ds, const size_t *idx, size_t nt, gg_dataset **train,
                            gg_dataset **val, gg_err *err)
{
    const size_t nv = ds->n - nt;
    gg_status st;
    if ((st = gg_dataset_new(train, nt, ds->d, ds->k, ds->classes, err)) ||
        (st = gg_dataset_new(val, nv, ds->d, ds->k, ds->classes, err))) {
        gg_dataset_free(*train);
        *train = NULL;
        return st;
    }
    gg_dataset_gather(ds, idx, nt, (*train)->X.data, (*train)->Y.data);
    gg_dataset_gather(ds, idx + nt, nv, (*val)->X.data, (*val)->Y.data);
    keep_shape(*train, ds);
    keep_shape(*val, ds);
    keep_tokens(*train, ds);
    keep_tokens(*val, ds);
    return GG_OK;
}

gg_status gg_dataset_split(const gg_dataset *ds, double val_frac, gg_rng *rng,
                           gg_dataset **train, gg_dataset **val, gg_err *err)
{
    *train = *val = NULL;
    if (!(val_frac > 0.0 && val_frac < 1.0))
        return gg_err_set(err, GG_EINVAL, "validation fraction must be in (0, 1), got %g", val_frac);
    // Keras: split_at = int(n * (1 - validation_split)); validation gets the rest.
    size_t nt = (size_t)floor((double)ds->n * (1.0 - val_frac)), nv = ds->n - nt;
    if (nv == 0 || nt == 0)
        return gg_err_set(err, GG_EINVAL,
                          "validation fraction %g of %zu rows leaves an empty split", val_frac, ds->n);
    size_t *idx = gg_malloc(ds->n, sizeof *idx);
    if (!idx)
        return gg_err_set(err, GG_ENOMEM, "out of memory splitting %zu rows", ds->n);
    if (rng)
        gg_rng_permutation(rng, idx, ds->n);
    else
        for (size_t i = 0; i < ds->n; i++)
            idx[i] = i;
    gg_status st = split_rows(ds, idx, nt, train, val, err);
    gg_free(idx);
    return st;
}

/* Class of row r for a stratified split: its class index (one target column holding an
 * integer >= 0) or the column of its 1 (one-hot rows), else (size_t)-1. */
static size_t row_class(const gg_dataset *ds, size_t r)
{
    const float *y = ds->Y.data + r * ds->k;
    if (ds->k == 1)
        return y[0] >= 0.0f && y[0] < 16777216.0f && y[0] == floorf(y[0]) ? (size_t)y[0] : (size_t)-1;
    size_t hot = (size_t)-1;
    for (size_t j = 0; j < ds->k; j++) {
        if (y[j] == 1.0f && hot == (size_t)-1)
            hot = j;
        else if (y[j] != 0.0f)
            return (size_t)-1;
    }
    return hot;
}

gg_status gg_dataset_split_stratified(const gg_dataset *ds, double val_frac, gg_rng *rng,
                                      gg_dataset **train, gg_dataset **val, gg_err *err)
{
    *train = *val = NULL;
    if (!(val_frac > 0.0 && val_frac < 1.0))
        return gg_err_set(err, GG_EINVAL, "validation fraction must be in (0, 1), got %g", val_frac);
    const size_t n = ds->n;
    size_t nclass = 0;
    for (size_t r = 0; r < n; r++) {
        size_t c = row_class(ds, r);
        if (c == (size_t)-1)
            return gg_err_set(err, GG_EINVAL,
                              ds->k == 1 ? "stratify needs class targets: row %zu's target is not a class index (an integer >= 0)"
                                         : "stratify needs class targets: row %zu's targets are not one-hot",
                              r + 1);
        nclass = c + 1 > nclass ? c + 1 : nclass;
    }
    size_t *idx = gg_malloc(n, sizeof *idx), *order = gg_malloc(n, sizeof *order);
    size_t *count = gg_malloc(nclass, sizeof *count), *quota = gg_malloc(nclass, sizeof *quota);
    gg_status st = GG_OK;
    if (!idx || !order || !count || !quota) {
        st = gg_err_set(err, GG_ENOMEM, "out of memory splitting %zu rows", n);
        goto done;
    }
    for (size_t c = 0; c < nclass; c++)
        count[c] = 0;
    for (size_t r = 0; r < n; r++)
        count[row_class(ds, r)]++;
    size_t nt = 0;
    for (size_t c = 0; c < nclass; c++) {  // the plain split's rule, class by class
        quota[c] = (size_t)floor((double)count[c] * (1.0 - val_frac));
        if (count[c] && quota[c] == 0) {
            st = gg_err_set(err, GG_EINVAL,
                            "class %zu has %zu row%s: too few for a stratified split at validation fraction %g "
                            "(it needs a row in each part: floor(%zu * (1 - %g)) = 0 training rows)",
                            c, count[c], count[c] == 1 ? "" : "s", val_frac, count[c], val_frac);
            goto done;
        }
        nt += quota[c];
    }
    if (rng)
        gg_rng_permutation(rng, idx, n);
    else
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
    // Train gets each class's first quota rows in permuted order, val the rest; both keep that order.
    for (size_t i = 0, t = 0, v = nt; i < n; i++) {
        size_t c = row_class(ds, idx[i]);
        if (quota[c]) {
            quota[c]--;
            order[t++] = idx[i];
        } else
            order[v++] = idx[i];
    }
    st = split_rows(ds, order, nt, train, val, err);
done:
    gg_free(idx);
    gg_free(order);
    gg_free(count);
    gg_free(quota);
    return st;
}


void gg_dataset_gather(const gg_dataset *ds, const size_t *idx, size_t B, float *x, float *y)
{
    const size_t d = ds->d, k = ds->k;
    for (size_t r = 0; r < B; r++) {
        GG_ASSERT(idx[r] < ds->n);  // batches index rows the caller validated
        memcpy(x + r * d, ds->X.data + idx[r] * d, d * sizeof(float));
        memcpy(y + r * k, ds->Y.data + idx[r] * k, k * sizeof(float));
    }
}

gg_status gg_scaler_fit(gg_scaler *s, gg_scaler_kind kind, const gg_dataset *ds, gg_err *err)
{
    const size_t n = ds->n, d = ds->d;
    *s = (gg_scaler){.kind = kind, .d = d};
    s->shift = gg_calloc(d, sizeof *s->shift);
    s->scale = gg_calloc(d, sizeof *s->scale);
    if (!s->shift || !s->scale) {
        gg_scaler_free(s);
        return gg_err_set(err, GG_ENOMEM, "out of memory fitting a scaler on %zu features", d);
    }
    const float *X = ds->X.data;
    for (size_t j = 0; j < d; j++) {
        double a = 0.0, b = 0.0;
        if (kind == GG_SCALE_STANDARD) {
            for (size_t r = 0; r < n; r++)
                a += (double)X[r * d + j];
            a /= (double)n;
            for (size_t r = 0; r < n; r++) {
                double dv = (double)X[r * d + j] - a;
                b += dv * dv;
            }
            b = sqrt(b / (double)n);
        } else {
            a = b = (double)X[j];
            for (size_t r = 1; r < n; r++) {
                double v = (double)X[r * d + j];
                a = v < a ? v : a;
                b = v > b ? v : b;
            }
            b -= a;
        }
        s->shift[j] = a;
        s->scale[j] = b == 0.0 ? 1.0 : b;
    }
    return GG_OK;
}

gg_status gg_scaler_apply(const gg_scaler *s, const gg_dataset *ds, gg_dataset **out,
                          gg_err *err)
{
    *out = NULL;
    if (ds->d != s->d)
        return gg_err_set(err, GG_ESHAPE, "scaler was fitted on %zu features, data has %zu",
                          s->d, ds->d);
    gg_dataset *o;
    gg_status st = gg_dataset_new(&o, ds->n, ds->d, ds->k, ds->classes, err);
    if (st)
        return st;
    for (size_t r = 0; r < ds->n; r++)
        for (size_t j = 0; j < ds->d; j++) {
            size_t i = r * ds->d + j;
            o->X.data[i] = (float)(((double)ds->X.data[i] - s->shift[j]) / s->scale[j]);
        }
    memcpy(o->Y.data, ds->Y.data, ds->n * ds->k * sizeof(float));
    keep_shape(o, ds);
    *out = o;
    return GG_OK;
}

void gg_scaler_free(gg_scaler *s)
{
    if (!s)
        return;
    gg_free(s->shift);
    gg_free(s->scale);
    *s = (gg_scaler){0};
}

gg_status gg_dataset_set_tokens(gg_dataset *ds, gg_token_kind kind, size_t vocab,
                                const uint32_t *chars, gg_err *err)
{
    if (kind != GG_TOKENS_NONE && kind != GG_TOKENS_IDS && kind != GG_TOKENS_BYTES &&
        kind != GG_TOKENS_CHARS)
        return gg_err_set(err, GG_EINVAL, "unknown token kind %d", (int)kind);
    if ((kind == GG_TOKENS_NONE) != (vocab == 0))
        return gg_err_set(err, GG_EINVAL, "a token vocabulary must be >= 1 (0 only to unmark), got %zu",
                          vocab);
    if (kind == GG_TOKENS_BYTES && vocab != 256)
        return gg_err_set(err, GG_EINVAL, "byte tokens have a vocabulary of 256, got %zu", vocab);
    if ((kind == GG_TOKENS_CHARS) != (chars != NULL))
        return gg_err_set(err, GG_EINVAL, "a code point table goes with character tokens only");
    charset *c = NULL;
    if (chars) {
        size_t bytes;
        if (gg_mul_overflow(vocab, sizeof *chars, &bytes) || bytes > SIZE_MAX - sizeof *c ||
            !(c = gg_malloc(1, sizeof *c + bytes)))
            return gg_err_set(err, GG_ENOMEM, "out of memory for a table of %zu characters", vocab);
        c->refs = 1;
        memcpy(c->cp, chars, bytes);
    }
    charset_release(ds->chars);
    ds->tokens = kind;
    ds->vocab = vocab;
    ds->chars = c;
    return GG_OK;
}

gg_token_kind gg_dataset_tokens(const gg_dataset *ds, size_t *vocab, const uint32_t **chars)
{
    if (vocab)
        *vocab = ds->vocab;
    if (chars)
        *chars = ds->chars ? ds->chars->cp : NULL;
    return ds->tokens;
}

size_t gg_dataset_n(const gg_dataset *ds) { return ds->n; }
size_t gg_dataset_d(const gg_dataset *ds) { return ds->d; }
size_t gg_dataset_k(const gg_dataset *ds) { return ds->k; }
size_t gg_dataset_classes(const gg_dataset *ds) { return ds->classes; }

int gg_dataset_shape(const gg_dataset *ds, size_t *dims)
{
    if (dims)
        memcpy(dims, ds->shape, (size_t)ds->ndim * sizeof *dims);
    return ds->ndim;
}
gg_status gg_dataset_feature_stats(const gg_dataset *ds, double *mean, double *sd, gg_err *err)
{
    const size_t n = ds->n, d = ds->d;
    if (n == 0)
        return gg_err_set(err, GG_EINVAL, "feature statistics of a dataset with no rows");
    const float *X = ds->X.data;
    const double div = n > 1 ? (double)(n - 1) : 1.0;
    for (size_t j = 0; j < d; j++) {
        double s = 0.0;
        for (size_t r = 0; r < n; r++)
            s += (double)X[r * d + j];
        const double m = s / (double)n;
        double v = 0.0;
        for (size_t r = 0; r < n; r++) {
            const double dv = (double)X[r * d + j] - m;
            v += dv * dv;
        }
        mean[j] = m;
        sd[j] = sqrt(v / div);
    }
    return GG_OK;
}

gg_tensor gg_dataset_x(gg_dataset *ds) { return gg_tensor_view(ds->X.data, ds->n, ds->d); }
gg_tensor gg_dataset_y(gg_dataset *ds) { return gg_tensor_view(ds->Y.data, ds->n, ds->k); }
