/* core/ops_reduce.c — reductions (see ops.h): gg_ops_sum_to, sum, mean, max/min,
 * logsumexp, var. Sums accumulate in double in increasing input index and round once. */
#include <math.h>
#include <string.h>

#include "assert.h"
#include "detmath.h"
#include "ops.h"
#include "simd.h"

/* ---- shape ---- */

gg_status gg_ops_reduce_shape(gg_dims *y, size_t *outer, size_t *n, size_t *inner,
                              const gg_dims *x, int dim, int keepdim, int nonempty,
                              gg_err *err)
{
    gg_status st = gg_dims_check(x, "x", err);
    if (st != GG_OK)
        return st;
    gg_dims r;
    memset(&r, 0, sizeof r);
    if (dim == GG_OPS_DIM_ALL) {
        *outer = 1;
        *n = gg_dims_numel(x);
        *inner = 1;
        r.n = keepdim ? x->n : 0;
        for (int k = 0; k < r.n; k++)
            r.d[k] = 1;
        if (nonempty && *n == 0)
            return gg_err_set(err, GG_EINVAL, "cannot reduce an empty tensor to one value");
        *y = r;
        return GG_OK;
    }
    int d = 0;
    st = gg_ops_dim(&d, dim, x->n, 1, err);
    if (st != GG_OK)
        return st;
    if (x->n == 0) {  // torch reduces a 0-d tensor over dim 0 to itself
        *outer = *n = *inner = 1;
        *y = r;
        return GG_OK;
    }
    size_t o = 1, in = 1;
    for (int k = 0; k < d; k++)
        o *= x->d[k];
    for (int k = d + 1; k < x->n; k++)
        in *= x->d[k];
    if (nonempty && x->d[d] == 0)
        return gg_err_set(err, GG_EINVAL, "cannot reduce dim %d of size 0 (no extremum)", d);
    for (int k = 0; k < x->n; k++)
        if (k != d)
            r.d[r.n++] = x->d[k];
        else if (keepdim)
            r.d[r.n++] = 1;
    *outer = o;
    *n = x->d[d];
    *inner = in;
    *y = r;
    return GG_OK;
}

/* ---- the summation core ----
 * x's dims, each kept (it indexes y) or reduced; y holds the kept dims in order,
 * row-major. Per y element the terms come in increasing index of x (the reduced dims
 * form a row-major sub-box of x), added in double from -0.0. */

typedef struct rdim {
    size_t size;
    size_t st;   /* x stride */
    int kept;
} rdim;

/* Odometer over some dims of x: off follows the index. */
typedef struct odo {
    int n;
    size_t size[GG_MAX_DIMS], st[GG_MAX_DIMS], idx[GG_MAX_DIMS];
    size_t off;
} odo;

static void odo_reset(odo *o)
{
    memset(o->idx, 0, sizeof o->idx);
    o->off = 0;
}

/* Step to the next index; 0 once every index was visited (then back at the start). */
static int odo_next(odo *o)
{
    for (int d = o->n - 1; d >= 0; d--) {
        o->off += o->st[d];
        if (++o->idx[d] < o->size[d])
            return 1;
        o->off -= o->st[d] * o->size[d];
        o->idx[d] = 0;
    }
    return 0;
}

static void odo_add(odo *o, const rdim *d)
{
    o->size[o->n] = d->size;
    o->st[o->n] = d->st;
    o->n++;
}

/* y = (float)(s / div), or y += that. */
static inline void finish(float *y, double s, double div, int acc)
{
    float v = (float)(s / div);
    *y = acc ? *y + v : v;
}

GG_KERNEL
static void add_row_d(double *restrict acc, const float *restrict p, size_t m)
{
    for (size_t c = 0; c < m; c++)
        acc[c] += (double)p[c];
}

/* The dims list: size-1 dims dropped, neighbours of one kind merged (x is contiguous, so
 * they always can be). Returns the count. */
static int rdims_collapse(rdim *out, const size_t *size, const int *kept, int nd)
{
    size_t st[GG_MAX_DIMS], run = 1;
    for (int k = nd - 1; k >= 0; k--) {
        st[k] = run;
        run *= size[k];
    }
    int m = 0;
    for (int k = 0; k < nd; k++) {
        if (size[k] == 1)
            continue;
        if (m > 0 && out[m - 1].kept == kept[k]) {
            out[m - 1].size *= size[k];
            out[m - 1].st = st[k];
        } else {
            out[m].size = size[k];
            out[m].st = st[k];
            out[m].kept = kept[k];
            m++;
        }
    }
    return m;
}

/* Sum x (dims size[0..nd-1], kept[k] saying which survive) into y, divided by div. */
static void reduce_sum(float *y, const float *x, const size_t *size, const int *kept, int nd,
                       double div, int acc)
{
    size_t ny = 1, nr = 1;
    for (int k = 0; k < nd; k++) {
        if (kept[k])
            ny *= size[k];
        else
            nr *= size[k];
    }
    if (ny == 0)
        return;
    if (nr == 0) {  // an empty sum is +0 (and a mean of nothing 0/0)
        for (size_t i = 0; i < ny; i++)
            finish(&y[i], 0.0, div, acc);
        return;
    }
    rdim dims[GG_MAX_DIMS];
    int m = rdims_collapse(dims, size, kept, nd);
    odo ko, ro;
    memset(&ko, 0, sizeof ko);
    memset(&ro, 0, sizeof ro);
    if (m > 0 && dims[m - 1].kept) {
        // The innermost dim is kept and contiguous: accumulate CH outputs side by side.
        enum { CH = 256 };
        double s[CH];
        size_t K = dims[m - 1].size;
        for (int k = 0; k < m - 1; k++)
            odo_add(dims[k].kept ? &ko : &ro, &dims[k]);
        size_t yo = 0;
        do {
            for (size_t c0 = 0; c0 < K; c0 += CH) {
                size_t w = K - c0;
                if (w > CH)
                    w = CH;
                for (size_t c = 0; c < w; c++)
                    s[c] = -0.0;
                odo_reset(&ro);
                do
                    add_row_d(s, x + ko.off + ro.off + c0, w);
                while (odo_next(&ro));
                for (size_t c = 0; c < w; c++)
                    finish(&y[yo + c0 + c], s[c], div, acc);
            }
            yo += K;
        } while (odo_next(&ko));
    } else {
        // The innermost dim is reduced (or there is a single element): one chain per y.
        size_t R = m > 0 ? dims[m - 1].size : 1;
        for (int k = 0; k < m - 1; k++)
            odo_add(dims[k].kept ? &ko : &ro, &dims[k]);
        size_t yo = 0;
        do {
            double s = -0.0;
            odo_reset(&ro);
            do {
                const float *p = x + ko.off + ro.off;
                for (size_t i = 0; i < R; i++)
                    s += (double)p[i];
            } while (odo_next(&ro));
            finish(&y[yo++], s, div, acc);
        } while (odo_next(&ko));
    }
}

void gg_ops_sum_to(float *y, const float *x, const gg_dims *ys, const gg_dims *xs, int acc)
{
    size_t size[GG_MAX_DIMS];
    int kept[GG_MAX_DIMS];
    GG_ASSERT(ys->n <= xs->n);
    for (int k = 0; k < xs->n; k++) {
        int j = k - (xs->n - ys->n);
        size[k] = xs->d[k];
        kept[k] = j >= 0 && ys->d[j] == xs->d[k];
        GG_ASSERT(j < 0 || kept[k] || ys->d[j] == 1);
    }
    reduce_sum(y, x, size, kept, xs->n, 1.0, acc);
}

static void reduce3(float *y, const float *x, size_t outer, size_t n, size_t inner, double div)
{
    const size_t size[3] = {outer, n, inner};
    const int kept[3] = {1, 0, 1};
    reduce_sum(y, x, size, kept, 3, div, 0);
}

void gg_ops_sum_forward(float *y, const float *x, size_t outer, size_t n, size_t inner)
{
    reduce3(y, x, outer, n, inner, 1.0);
}

void gg_ops_mean_forward(float *y, const float *x, size_t outer, size_t n, size_t inner)
{
    reduce3(y, x, outer, n, inner, (double)n);
}

/* dx (outer, n, inner) = dy (outer, inner) * scale, or += that; scale 1 multiplies
 * exactly. */
static void spread(float *dx, const float *dy, size_t outer, size_t n, size_t inner,
                   float div, int acc)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < n; i++) {
            float *d = dx + (o * n + i) * inner;
            const float *g = dy + o * inner;
            if (div == 1.0f && acc)
                for (size_t j = 0; j < inner; j++)
                    d[j] += g[j];
            else if (div == 1.0f)
                memcpy(d, g, inner * sizeof *d);
            else if (acc)
                for (size_t j = 0; j < inner; j++)
                    d[j] += g[j] / div;
            else
                for (size_t j = 0; j < inner; j++)
                    d[j] = g[j] / div;
        }
}

void gg_ops_sum_backward(float *dx, const float *dy, size_t outer, size_t n, size_t inner,
                         int acc)
{
    if (dx)
        spread(dx, dy, outer, n, inner, 1.0f, acc);
}

void gg_ops_mean_backward(float *dx, const float *dy, size_t outer, size_t n, size_t inner,
                          int acc)
{
    // torch: the expanded gradient divided by n in float.
    if (dx)
        spread(dx, dy, outer, n, inner, (float)n, acc);
}

/* ---- max / min ---- */

static void extreme(float *y, uint32_t *idx, const float *x, size_t outer, size_t n,
                    size_t inner, int is_min)
{
    GG_ASSERT(n >= 1);
    for (size_t o = 0; o < outer; o++) {
        float *yo = y + o * inner;
        uint32_t *io = idx ? idx + o * inner : NULL;
        const float *x0 = x + o * n * inner;
        memcpy(yo, x0, inner * sizeof *yo);
        if (io)
            memset(io, 0, inner * sizeof *io);
        // Row by row: a candidate replaces the best when strictly better or the first NaN
        // (once the best is NaN nothing replaces it), so ties keep the first index.
        for (size_t i = 1; i < n; i++) {
            const float *row = x0 + i * inner;
            for (size_t j = 0; j < inner; j++) {
                float v = row[j], b = yo[j];
                int better = is_min ? v < b : v > b;
                if (better || (v != v && b == b)) {
                    yo[j] = v;
                    if (io)
                        io[j] = (uint32_t)i;
                }
            }
        }
    }
}

void gg_ops_max_forward(float *y, uint32_t *idx, const float *x, size_t outer, size_t n,
                        size_t inner)
{
    extreme(y, idx, x, outer, n, inner, 0);
}

void gg_ops_min_forward(float *y, uint32_t *idx, const float *x, size_t outer, size_t n,
                        size_t inner)
{
    extreme(y, idx, x, outer, n, inner, 1);
}

void gg_ops_argext_backward(float *dx, const float *dy, const uint32_t *idx, size_t outer,
                            size_t n, size_t inner, int acc)
{
    if (!dx)
        return;
    if (!acc)
        memset(dx, 0, outer * n * inner * sizeof *dx);
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < inner; j++) {
            size_t i = idx[o * inner + j];
            GG_ASSERT(i < n);
            float *d = dx + (o * n + i) * inner + j;
            *d = acc ? *d + dy[o * inner + j] : dy[o * inner + j];
        }
}

void gg_ops_amax_backward(float *dx, const float *dy, const float *x, const float *y,
                          size_t outer, size_t n, size_t inner, int acc)
{
    if (!dx)
        return;
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < inner; j++) {
            float yv = y[o * inner + j];
            int nan = yv != yv;
            const float *xp = x + o * n * inner + j;
            float *dp = dx + o * n * inner + j;
            size_t count = 0;
            for (size_t i = 0; i < n; i++)
                count += nan ? xp[i * inner] != xp[i * inner] : xp[i * inner] == yv;
            float g = dy[o * inner + j] / (float)count;
            for (size_t i = 0; i < n; i++) {
                float v = xp[i * inner];
                int hit = nan ? v != v : v == yv;
                if (acc) {
                    if (hit)
                        dp[i * inner] += g;
                } else {
                    dp[i * inner] = hit ? g : 0.0f;
                }
            }
        }
}

/* ---- logsumexp ---- */

void gg_ops_logsumexp_forward(float *y, const float *x, size_t outer, size_t n, size_t inner)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < inner; j++) {
            const float *p = x + o * n * inner + j;
            float m = -INFINITY;
            for (size_t i = 0; i < n && m == m; i++) {
                float v = p[i * inner];
                if (v > m || v != v)
                    m = v;
            }
            if (m != m) {
                y[o * inner + j] = m;
                continue;
            }
            double shift = isinf(m) ? 0.0 : (double)m;  // torch: an infinite max counts 0
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += gg_exp((double)p[i * inner] - shift);
            y[o * inner + j] = (float)(gg_log(s) + shift);
        }
}

void gg_ops_logsumexp_backward(float *dx, const float *dy, const float *x, const float *y,
                               size_t outer, size_t n, size_t inner, int acc)
{
    if (!dx)
        return;
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < inner; j++) {
                size_t at = (o * n + i) * inner + j;
                float g = dy[o * inner + j] * gg_expf(x[at] - y[o * inner + j]);
                dx[at] = acc ? dx[at] + g : g;
            }
}

/* ---- var ---- */

/* Mean of x[o, :, j] in double (increasing i). */
static double mean_d(const float *p, size_t n, size_t inner)
{
    double s = -0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)p[i * inner];
    return s / (double)n;
}

void gg_ops_var_forward(float *y, const float *x, size_t outer, size_t n, size_t inner,
                        int correction)
{
    double dof = (double)n - (double)correction;
    if (dof < 0.0)
        dof = 0.0;
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < inner; j++) {
            const float *p = x + o * n * inner + j;
            double mu = mean_d(p, n, inner), ss = -0.0;
            for (size_t i = 0; i < n; i++) {
                double d = (double)p[i * inner] - mu;
                ss += d * d;
            }
            y[o * inner + j] = (float)(ss / dof);
        }
}

void gg_ops_var_backward(float *dx, const float *dy, const float *x, size_t outer, size_t n,
                         size_t inner, int correction, int acc)
{
    if (!dx)
        return;
    const float scale = (float)(2.0 / ((double)n - (double)correction));
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < inner; j++) {
            const float *p = x + o * n * inner + j;
            float *d = dx + o * n * inner + j;
            const float mu = (float)mean_d(p, n, inner);
            const float g = scale * dy[o * inner + j];
            for (size_t i = 0; i < n; i++) {
                float v = g * (p[i * inner] - mu);
                d[i * inner] = acc ? d[i * inner] + v : v;
            }
        }
}
