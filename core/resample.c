/* core/resample.c — see resample.h. The draws and the arithmetic follow
 * lua/gglab/lib/stats.lua's bootstrap_median and signflip_maxt step by step. */
#include "resample.h"

#include "mem.h"

#include <math.h>

/* a < b in stats.lua's order for sorted medians: NaN before every number */
static int before(double a, double b)
{
    return a < b || (a != a && b == b);
}

/* Restore the max-heap (in `before` order) of x[0..end) below root. */
static void sift_down(double *x, size_t root, size_t end)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= end)
            return;
        if (child + 1 < end && before(x[child], x[child + 1]))
            child++;
        if (!before(x[root], x[child]))
            return;
        double t = x[root];
        x[root] = x[child];
        x[child] = t;
        root = child;
    }
}

void gg_sort_doubles(double *x, size_t n)
{
    if (n < 2)
        return;
    if (n <= 32) {  /* insertion sort: the resamples are small */
        for (size_t i = 1; i < n; i++) {
            double v = x[i];
            size_t j = i;
            while (j > 0 && before(v, x[j - 1])) {
                x[j] = x[j - 1];
                j--;
            }
            x[j] = v;
        }
        return;
    }
    /* heap sort: O(n log n) without recursion or allocation */
    for (size_t start = n / 2; start-- > 0;)
        sift_down(x, start, n);
    for (size_t end = n - 1; end > 0; end--) {
        double t = x[0];
        x[0] = x[end];
        x[end] = t;
        sift_down(x, 0, end);
    }
}

double gg_median_inplace(double *x, size_t n)
{
    gg_sort_doubles(x, n);
    if (n % 2 == 1)
        return x[n / 2];
    double a = x[n / 2 - 1], b = x[n / 2];
    if (a == b)
        return a;
    return (a + b) / 2;
}

gg_status gg_bootstrap_medians(const double *ds, size_t n, gg_rng *r, size_t B, double *meds,
                               double *scratch, size_t *below, size_t *above, gg_err *err)
{
    if (n == 0)
        return gg_err_set(err, GG_EINVAL, "bootstrap: no values (n = 0)");
    for (size_t i = 0; i < n; i++)
        if (isnan(ds[i]))
            return gg_err_set(err, GG_EINVAL, "bootstrap: value %zu is NaN", i + 1);
    size_t lo = 0, hi = 0;
    for (size_t b = 0; b < B; b++) {
        for (size_t i = 0; i < n; i++)
            scratch[i] = ds[gg_rng_below(r, n)];
        double m = gg_median_inplace(scratch, n);
        meds[b] = m;
        lo += m <= 0;
        hi += m >= 0;
    }
    gg_sort_doubles(meds, B);
    *below = lo;
    *above = hi;
    return GG_OK;
}

/* count[j] += max_j |sum_i eps_i sr_ji| >= obs[j] for one pattern */
static void tally(const double *sr, size_t k, size_t n, const double *obs, const double *eps,
                  uint64_t *count)
{
    double mx = 0;
    for (size_t j = 0; j < k; j++) {
        const double *s = sr + j * n;
        double t = 0;
        for (size_t i = 0; i < n; i++)
            t = t + eps[i] * s[i];
        t = fabs(t);
        if (t > mx)
            mx = t;
    }
    for (size_t j = 0; j < k; j++)
        count[j] += mx >= obs[j];
}

gg_status gg_signflip_counts(const double *sr, size_t k, size_t n, const double *obs, gg_rng *r,
                             size_t flips, uint64_t *count, gg_err *err)
{
    if (!r && n > 30)
        return gg_err_set(err, GG_EINVAL, "signflip: exact enumeration needs n <= 30, got %zu", n);
    double eps[64];
    double *e = eps;
    if (n > 64) {
        e = gg_malloc(n, sizeof *e);
        if (!e)
            return gg_err_set(err, GG_ENOMEM, "signflip: %zu units", n);
    }
    for (size_t j = 0; j < k; j++)
        count[j] = 0;
    if (!r) {
        uint64_t total = (uint64_t)1 << n;
        for (uint64_t pattern = 0; pattern < total; pattern++) {
            for (size_t i = 0; i < n; i++)
                e[i] = (pattern >> i) & 1 ? -1.0 : 1.0;
            tally(sr, k, n, obs, e, count);
        }
    } else {
        for (size_t f = 0; f < flips; f++) {
            for (size_t i = 0; i < n; i++)
                e[i] = gg_rng_below(r, 2) == 0 ? -1.0 : 1.0;
            tally(sr, k, n, obs, e, count);
        }
    }
    if (e != eps)
        gg_free(e);
    return GG_OK;
}
