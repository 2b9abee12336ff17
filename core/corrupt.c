/* core/corrupt.c — data corruption operators (see corrupt.h). */
#include "corrupt.h"

#include <math.h>

#include "mem.h"

size_t gg_corrupt_count(double rate, size_t n)
{
    return (size_t)floor(rate * (double)n + 0.5);
}

static gg_status check_rate(double r, const char *name, gg_err *err)
{
    if (!(r >= 0.0 && r <= 1.0))
        return gg_err_set(err, GG_EINVAL, "%s must be in [0, 1], got %g", name, r);
    return GG_OK;
}

/* The first m entries of a uniformly random permutation of 0..n-1, in idx (n entries). */
static size_t *choose(size_t n, gg_rng *rng, gg_err *err)
{
    size_t *idx = gg_malloc(n ? n : 1, sizeof *idx);
    if (!idx) {
        gg_err_set(err, GG_ENOMEM, "out of memory choosing among %zu rows", n);
        return NULL;
    }
    gg_rng_permutation(rng, idx, n);
    return idx;
}

gg_status gg_corrupt_labels(gg_dataset **out, const gg_dataset *ds, double rate, long to_class,
                            gg_rng *rng, size_t *changed, gg_err *err)
{
    *out = NULL;
    *changed = 0;
    const size_t C = gg_dataset_classes(ds), n = gg_dataset_n(ds);
    if (C < 2)
        return gg_err_set(err, GG_EINVAL, "label noise needs a classification dataset");
    gg_status st = check_rate(rate, "rate", err);
    if (st)
        return st;
    if (to_class >= (long)C)
        return gg_err_set(err, GG_EINVAL, "class must be in 0..%zu, got %ld", C - 1, to_class);
    if ((st = gg_dataset_copy(out, ds, err)))
        return st;
    float *y = gg_dataset_y(*out).data;
    size_t *idx = choose(n, rng, err);
    if (!idx) {
        gg_dataset_free(*out);
        *out = NULL;
        return GG_ENOMEM;
    }
    size_t m = gg_corrupt_count(rate, n);
    for (size_t i = 0; i < m; i++) {
        size_t r = idx[i], old = (size_t)y[r];
        size_t nw;
        if (to_class >= 0) {
            nw = (size_t)to_class;
        } else {
            nw = (size_t)gg_rng_below(rng, C - 1);  // one of the C - 1 other classes
            nw += nw >= old;
        }
        if (nw != old) {
            y[r] = (float)nw;
            (*changed)++;
        }
    }
    gg_free(idx);
    return GG_OK;
}

gg_status gg_corrupt_outliers(gg_dataset **out, const gg_dataset *ds, double fraction,
                              double magnitude, int targets, gg_rng *rng, gg_err *err)
{
    *out = NULL;
    gg_status st = check_rate(fraction, "fraction", err);
    if (st)
        return st;
    if (!isfinite(magnitude))
        return gg_err_set(err, GG_EINVAL, "magnitude must be a finite number, got %g", magnitude);
    if (targets && gg_dataset_classes(ds))
        return gg_err_set(err, GG_EINVAL, "target outliers need a regression dataset");
    if ((st = gg_dataset_copy(out, ds, err)))
        return st;
    gg_tensor T = targets ? gg_dataset_y(*out) : gg_dataset_x(*out);
    const size_t n = T.rows, c = T.cols;
    double *sd = gg_calloc(c, sizeof *sd);
    size_t *idx = sd ? choose(n, rng, err) : NULL;
    if (!idx) {
        gg_free(sd);
        gg_dataset_free(*out);
        *out = NULL;
        return gg_err_set(err, GG_ENOMEM, "out of memory adding outliers");
    }
    for (size_t j = 0; j < c; j++) {
        double mean = 0.0, v = 0.0;
        for (size_t r = 0; r < n; r++)
            mean += (double)T.data[r * c + j];
        mean /= (double)n;
        for (size_t r = 0; r < n; r++)
            v += ((double)T.data[r * c + j] - mean) * ((double)T.data[r * c + j] - mean);
        sd[j] = v > 0.0 ? sqrt(v / (double)n) : 1.0;
    }
    size_t m = gg_corrupt_count(fraction, n);
    for (size_t i = 0; i < m; i++) {
        float *row = T.data + idx[i] * c;
        double s = gg_rng_below(rng, 2) ? 1.0 : -1.0;
        for (size_t j = 0; j < c; j++)
            row[j] = (float)((double)row[j] + s * magnitude * sd[j]);
    }
    gg_free(idx);
    gg_free(sd);
    return GG_OK;
}

gg_status gg_corrupt_scale(gg_dataset **out, const gg_dataset *ds, const size_t *cols,
                           size_t ncols, double factor, gg_err *err)
{
    *out = NULL;
    const size_t d = gg_dataset_d(ds), n = gg_dataset_n(ds);
    if (!isfinite(factor))
        return gg_err_set(err, GG_EINVAL, "factor must be a finite number, got %g", factor);
    for (size_t i = 0; i < ncols; i++)
        if (cols[i] >= d)
            return gg_err_set(err, GG_EINVAL, "column %zu is out of range (%zu features)", cols[i] + 1, d);
    gg_status st = gg_dataset_copy(out, ds, err);
    if (st)
        return st;
    float *X = gg_dataset_x(*out).data;
    for (size_t i = 0; i < ncols; i++) {
        // A column listed twice is scaled twice: the caller asked for it.
        for (size_t r = 0; r < n; r++)
            X[r * d + cols[i]] = (float)((double)X[r * d + cols[i]] * factor);
    }
    return GG_OK;
}

gg_status gg_corrupt_imbalance(gg_dataset **out, const gg_dataset *ds, size_t cls, double ratio,
                               gg_rng *rng, gg_err *err)
{
    *out = NULL;
    const size_t C = gg_dataset_classes(ds), n = gg_dataset_n(ds);
    if (C < 2)
        return gg_err_set(err, GG_EINVAL, "class imbalance needs a classification dataset");
    if (cls >= C)
        return gg_err_set(err, GG_EINVAL, "class must be in 0..%zu, got %zu", C - 1, cls);
    if (!(ratio > 0.0 && ratio <= 1.0))
        return gg_err_set(err, GG_EINVAL, "ratio must be in (0, 1], got %g", ratio);
    // gg_dataset_y only hands out a view; nothing is written through it here
    const float *Y = gg_dataset_y((gg_dataset *)ds).data;
    size_t count = 0;
    for (size_t r = 0; r < n; r++)
        count += (size_t)Y[r] == cls;
    size_t keep = gg_corrupt_count(ratio, count);
    if (keep == 0 && count > 0)
        keep = 1;
    // Rank the class's rows by a random permutation; keep those ranked below `keep`.
    size_t *perm = choose(count ? count : 1, rng, err);
    size_t *rows = perm ? gg_malloc(n, sizeof *rows) : NULL;  // the kept rows, in order
    if (!rows) {
        gg_free(perm);
        return gg_err_set(err, GG_ENOMEM, "out of memory subsampling class %zu", cls);
    }
    size_t m = 0;
    for (size_t r = 0, j = 0; r < n; r++)
        if ((size_t)Y[r] != cls || perm[j++] < keep)
            rows[m++] = r;
    gg_free(perm);
    gg_status st = gg_dataset_subset(out, ds, rows, m, err);
    gg_free(rows);
    return st;
}

gg_status gg_corrupt_noise(gg_dataset **out, const gg_dataset *ds, double std, gg_rng *rng,
                           gg_err *err)
{
    *out = NULL;
    if (!(std >= 0.0) || !isfinite(std))
        return gg_err_set(err, GG_EINVAL, "std must be a non-negative number, got %g", std);
    gg_status st = gg_dataset_copy(out, ds, err);
    if (st)
        return st;
    gg_tensor X = gg_dataset_x(*out);
    for (size_t i = 0; i < X.rows * X.cols; i++)
        X.data[i] = (float)((double)X.data[i] + std * gg_rng_normal(rng));
    return GG_OK;
}
