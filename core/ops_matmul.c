/* core/ops_matmul.c — torch.matmul with batch broadcasting, and index_select along dim 0
 * (see ops.h). Every matmul result is one fmaf chain in a documented order; the kernels
 * vectorise over an index that is not summed (n for y and db, k for da), so the GG_KERNEL
 * clones and the portable code give the same bits. */
#include <math.h>
#include <string.h>

#include "assert.h"
#include "ops.h"
#include "simd.h"

/* ---- matmul plan ---- */

typedef struct mmplan {
    size_t M, K, N;
    int nb;                       /* broadcast batch dims */
    size_t bsize[GG_MAX_DIMS];    /* their sizes */
    size_t ast[GG_MAX_DIMS];      /* a's batch strides in matrices (0: broadcast) */
    size_t bst[GG_MAX_DIMS];
    size_t nbatch;                /* product of bsize */
} mmplan;

/* Batch strides (in matrices) of a batch shape bd[0..n-1] inside the nb-dim batch. */
static void batch_strides(size_t *st, const size_t *bd, int n, const size_t *bsize, int nb)
{
    size_t run = 1;
    for (int k = nb - 1; k >= 0; k--) {
        int j = k - (nb - n);
        st[k] = j >= 0 && bd[j] != 1 ? run : 0;
        GG_ASSERT(j < 0 || bd[j] == 1 || bd[j] == bsize[k]);
        (void)bsize;
        if (j >= 0)
            run *= bd[j];
    }
}

/* 0 when the batch dims do not broadcast (the plan is then partial). */
static int mm_plan(mmplan *p, const gg_dims *as, const gg_dims *bs)
{
    int na = as->n >= 2 ? as->n - 2 : 0, nbb = bs->n >= 2 ? bs->n - 2 : 0;
    p->M = as->n >= 2 ? as->d[as->n - 2] : 1;
    p->K = as->d[as->n - 1];
    p->N = bs->n >= 2 ? bs->d[bs->n - 1] : 1;
    p->nb = na > nbb ? na : nbb;
    p->nbatch = 1;
    for (int k = 0; k < p->nb; k++) {
        int ja = k - (p->nb - na), jb = k - (p->nb - nbb);
        size_t sa = ja >= 0 ? as->d[ja] : 1, sb = jb >= 0 ? bs->d[jb] : 1;
        if (sa != sb && sa != 1 && sb != 1)
            return 0;
        p->bsize[k] = sa == 1 ? sb : sa;
        p->nbatch *= p->bsize[k];
    }
    batch_strides(p->ast, as->d, na, p->bsize, p->nb);
    batch_strides(p->bst, bs->d, nbb, p->bsize, p->nb);
    return 1;
}

gg_status gg_ops_matmul_shape(gg_dims *y, const gg_dims *as, const gg_dims *bs, gg_err *err)
{
    gg_status st = gg_dims_check(as, "a", err);
    if (st == GG_OK)
        st = gg_dims_check(bs, "b", err);
    if (st != GG_OK)
        return st;
    char sa[GG_DIMS_STRLEN], sb[GG_DIMS_STRLEN];
    gg_dims_format(sa, sizeof sa, as);
    gg_dims_format(sb, sizeof sb, bs);
    if (as->n == 0 || bs->n == 0)
        return gg_err_set(err, GG_ESHAPE, "matmul: %s @ %s: both need at least 1 dim", sa, sb);
    size_t ka = as->d[as->n - 1], kb = bs->n >= 2 ? bs->d[bs->n - 2] : bs->d[0];
    if (ka != kb)
        return gg_err_set(err, GG_ESHAPE, "matmul: %s @ %s: inner sizes %zu and %zu differ", sa,
                          sb, ka, kb);
    mmplan p;
    if (!mm_plan(&p, as, bs))
        return gg_err_set(err, GG_ESHAPE, "matmul: %s @ %s: cannot broadcast the batch dims",
                          sa, sb);
    gg_dims r;
    memset(&r, 0, sizeof r);
    for (int k = 0; k < p.nb; k++)
        r.d[r.n++] = p.bsize[k];
    if (as->n >= 2)
        r.d[r.n++] = p.M;
    if (bs->n >= 2)
        r.d[r.n++] = p.N;
    st = gg_dims_check(&r, "matmul result", err);
    if (st != GG_OK)
        return st;
    *y = r;
    return GG_OK;
}

size_t gg_ops_matmul_scratch(const gg_dims *as, const gg_dims *bs)
{
    mmplan p;
    if (as->n == 0 || bs->n == 0 || !mm_plan(&p, as, bs))
        return 0;
    return p.K * p.N;
}

/* Offsets (in matrices) of a and b for batch t, t counting up: an odometer. */
typedef struct mmiter {
    size_t idx[GG_MAX_DIMS];
    size_t a, b;
} mmiter;

static void mm_next(const mmplan *p, mmiter *it)
{
    for (int k = p->nb - 1; k >= 0; k--) {
        it->a += p->ast[k];
        it->b += p->bst[k];
        if (++it->idx[k] < p->bsize[k])
            return;
        it->a -= p->ast[k] * p->bsize[k];
        it->b -= p->bst[k] * p->bsize[k];
        it->idx[k] = 0;
    }
}

/* ---- kernels ---- */

/* One fused multiply-add: an instruction in the FMA clones, glibc's correctly rounded fmaf
 * in the baseline one (the same bits). */
#define FMA(a, b, c) __builtin_fmaf((a), (b), (c))

/* y (M,N) = a (M,K) b (K,N): y[m,n] = s, s = 0, then s = fma(a[m,k], b[k,n], s) for
 * k = 0..K-1. Blocks of four rows share each load of b and four steps of k run per load
 * and store of y (nested fmas: the same chain); the n loop vectorises. */
GG_KERNEL
static void mm_block(float *restrict y, const float *restrict a, const float *restrict b,
                     size_t M, size_t K, size_t N)
{
    size_t m = 0;
    for (; m + 4 <= M; m += 4) {
        float *restrict y0 = y + m * N, *restrict y1 = y0 + N, *restrict y2 = y1 + N,
                        *restrict y3 = y2 + N;
        const float *a0 = a + m * K, *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K;
        for (size_t n = 0; n < N; n++)
            y0[n] = y1[n] = y2[n] = y3[n] = 0.0f;
        size_t k = 0;
        for (; k + 4 <= K; k += 4) {
            const float *restrict b0 = b + k * N, *restrict b1 = b0 + N, *restrict b2 = b1 + N,
                                  *restrict b3 = b2 + N;
            const float p0 = a0[k], p1 = a0[k + 1], p2 = a0[k + 2], p3 = a0[k + 3];
            const float q0 = a1[k], q1 = a1[k + 1], q2 = a1[k + 2], q3 = a1[k + 3];
            const float r0 = a2[k], r1 = a2[k + 1], r2 = a2[k + 2], r3 = a2[k + 3];
            const float s0 = a3[k], s1 = a3[k + 1], s2 = a3[k + 2], s3 = a3[k + 3];
            for (size_t n = 0; n < N; n++) {
                const float c0 = b0[n], c1 = b1[n], c2 = b2[n], c3 = b3[n];
                y0[n] = FMA(p3, c3, FMA(p2, c2, FMA(p1, c1, FMA(p0, c0, y0[n]))));
                y1[n] = FMA(q3, c3, FMA(q2, c2, FMA(q1, c1, FMA(q0, c0, y1[n]))));
                y2[n] = FMA(r3, c3, FMA(r2, c2, FMA(r1, c1, FMA(r0, c0, y2[n]))));
                y3[n] = FMA(s3, c3, FMA(s2, c2, FMA(s1, c1, FMA(s0, c0, y3[n]))));
            }
        }
        for (; k < K; k++) {
            const float p0 = a0[k], q0 = a1[k], r0 = a2[k], s0 = a3[k];
            const float *restrict br = b + k * N;
            for (size_t n = 0; n < N; n++) {
                const float c0 = br[n];
                y0[n] = FMA(p0, c0, y0[n]);
                y1[n] = FMA(q0, c0, y1[n]);
                y2[n] = FMA(r0, c0, y2[n]);
                y3[n] = FMA(s0, c0, y3[n]);
            }
        }
    }
    for (; m < M; m++) {
        float *restrict yr = y + m * N;
        const float *ar = a + m * K;
        for (size_t n = 0; n < N; n++)
            yr[n] = 0.0f;
        size_t k = 0;
        for (; k + 4 <= K; k += 4) {
            const float *restrict b0 = b + k * N, *restrict b1 = b0 + N, *restrict b2 = b1 + N,
                                  *restrict b3 = b2 + N;
            const float p0 = ar[k], p1 = ar[k + 1], p2 = ar[k + 2], p3 = ar[k + 3];
            for (size_t n = 0; n < N; n++)
                yr[n] = FMA(p3, b3[n], FMA(p2, b2[n], FMA(p1, b1[n], FMA(p0, b0[n], yr[n]))));
        }
        for (; k < K; k++) {
            const float p0 = ar[k];
            const float *restrict br = b + k * N;
            for (size_t n = 0; n < N; n++)
                yr[n] = FMA(p0, br[n], yr[n]);
        }
    }
}

/* y (M,1) = a (M,K) b (K): one sequential chain per row (nothing to vectorise over). */
static void mv_block(float *y, const float *a, const float *b, size_t M, size_t K)
{
    for (size_t m = 0; m < M; m++) {
        float s = 0.0f;
        for (size_t k = 0; k < K; k++)
            s = fmaf(a[m * K + k], b[k], s);
        y[m] = s;
    }
}

/* da (M,K) continues its chains: da[m,k] = fma(dy[m,n], bt[n,k], da[m,k]) for n = 0..N-1,
 * bt = b transposed (N,K). Two rows share each load of bt, four steps of n run per load
 * and store of da. */
GG_KERNEL
static void mm_da(float *restrict da, const float *restrict dy, const float *restrict bt,
                  size_t M, size_t K, size_t N)
{
    size_t m = 0;
    for (; m + 2 <= M; m += 2) {
        float *restrict d0 = da + m * K, *restrict d1 = d0 + K;
        const float *g = dy + m * N, *h = g + N;
        size_t n = 0;
        for (; n + 4 <= N; n += 4) {
            const float g0 = g[n], g1 = g[n + 1], g2 = g[n + 2], g3 = g[n + 3];
            const float h0 = h[n], h1 = h[n + 1], h2 = h[n + 2], h3 = h[n + 3];
            const float *restrict b0 = bt + n * K, *restrict b1 = b0 + K, *restrict b2 = b1 + K,
                                  *restrict b3 = b2 + K;
            for (size_t k = 0; k < K; k++) {
                const float c0 = b0[k], c1 = b1[k], c2 = b2[k], c3 = b3[k];
                d0[k] = FMA(g3, c3, FMA(g2, c2, FMA(g1, c1, FMA(g0, c0, d0[k]))));
                d1[k] = FMA(h3, c3, FMA(h2, c2, FMA(h1, c1, FMA(h0, c0, d1[k]))));
            }
        }
        for (; n < N; n++) {
            const float g0 = g[n], h0 = h[n];
            const float *restrict br = bt + n * K;
            for (size_t k = 0; k < K; k++) {
                d0[k] = FMA(g0, br[k], d0[k]);
                d1[k] = FMA(h0, br[k], d1[k]);
            }
        }
    }
    for (; m < M; m++) {
        float *restrict dr = da + m * K;
        const float *g = dy + m * N;
        size_t n = 0;
        for (; n + 4 <= N; n += 4) {
            const float g0 = g[n], g1 = g[n + 1], g2 = g[n + 2], g3 = g[n + 3];
            const float *restrict b0 = bt + n * K, *restrict b1 = b0 + K, *restrict b2 = b1 + K,
                                  *restrict b3 = b2 + K;
            for (size_t k = 0; k < K; k++)
                dr[k] = FMA(g3, b3[k], FMA(g2, b2[k], FMA(g1, b1[k], FMA(g0, b0[k], dr[k]))));
        }
        for (; n < N; n++) {
            const float g0 = g[n];
            const float *restrict br = bt + n * K;
            for (size_t k = 0; k < K; k++)
                dr[k] = FMA(g0, br[k], dr[k]);
        }
    }
}

/* db (K,N) continues its chains: db[k,n] = fma(a[m,k], dy[m,n], db[k,n]) for m = 0..M-1.
 * Two rows of db share each load of dy, four steps of m run per load and store of db. */
GG_KERNEL
static void mm_db(float *restrict db, const float *restrict a, const float *restrict dy,
                  size_t M, size_t K, size_t N)
{
    size_t m = 0;
    for (; m + 4 <= M; m += 4) {
        const float *restrict g0 = dy + m * N, *restrict g1 = g0 + N, *restrict g2 = g1 + N,
                              *restrict g3 = g2 + N;
        const float *a0 = a + m * K, *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K;
        size_t k = 0;
        for (; k + 2 <= K; k += 2) {
            const float v0 = a0[k], v1 = a1[k], v2 = a2[k], v3 = a3[k];
            const float w0 = a0[k + 1], w1 = a1[k + 1], w2 = a2[k + 1], w3 = a3[k + 1];
            float *restrict d0 = db + k * N, *restrict d1 = d0 + N;
            for (size_t n = 0; n < N; n++) {
                const float c0 = g0[n], c1 = g1[n], c2 = g2[n], c3 = g3[n];
                d0[n] = FMA(v3, c3, FMA(v2, c2, FMA(v1, c1, FMA(v0, c0, d0[n]))));
                d1[n] = FMA(w3, c3, FMA(w2, c2, FMA(w1, c1, FMA(w0, c0, d1[n]))));
            }
        }
        for (; k < K; k++) {
            const float v0 = a0[k], v1 = a1[k], v2 = a2[k], v3 = a3[k];
            float *restrict dr = db + k * N;
            for (size_t n = 0; n < N; n++)
                dr[n] = FMA(v3, g3[n], FMA(v2, g2[n], FMA(v1, g1[n], FMA(v0, g0[n], dr[n]))));
        }
    }
    for (; m < M; m++) {
        const float *restrict g = dy + m * N;
        for (size_t k = 0; k < K; k++) {
            const float v = a[m * K + k];
            float *restrict dr = db + k * N;
            for (size_t n = 0; n < N; n++)
                dr[n] = FMA(v, g[n], dr[n]);
        }
    }
}

void gg_ops_matmul_forward(float *y, const float *a, const float *b, const gg_dims *as,
                           const gg_dims *bs)
{
    mmplan p;
    if (!mm_plan(&p, as, bs)) {
        GG_ASSERT(0);  // the shape function rejects these shapes
        return;
    }
    size_t sa = p.M * p.K, sb = p.K * p.N, sy = p.M * p.N;
    mmiter it;
    memset(&it, 0, sizeof it);
    for (size_t t = 0; t < p.nbatch; t++) {
        if (p.N == 1)
            mv_block(y + t * sy, a + it.a * sa, b + it.b * sb, p.M, p.K);
        else
            mm_block(y + t * sy, a + it.a * sa, b + it.b * sb, p.M, p.K, p.N);
        mm_next(&p, &it);
    }
}

void gg_ops_matmul_backward(float *da, float *db, const float *dy, const float *a,
                            const float *b, const gg_dims *as, const gg_dims *bs, int acc_a,
                            int acc_b, float *scratch)
{
    mmplan p;
    if (!mm_plan(&p, as, bs)) {
        GG_ASSERT(0);  // the shape function rejects these shapes
        return;
    }
    size_t sa = p.M * p.K, sb = p.K * p.N, sy = p.M * p.N;
    if (da) {
        if (!acc_a)
            memset(da, 0, gg_dims_numel(as) * sizeof *da);
        mmiter it;
        memset(&it, 0, sizeof it);
        for (size_t t = 0; t < p.nbatch; t++) {
            const float *bb = b + it.b * sb;
            const float *bt = bb;
            if (p.K > 1 && p.N > 1) {  // (N,K) copy; with K or N = 1 b is its own transpose
                for (size_t k = 0; k < p.K; k++)
                    for (size_t n = 0; n < p.N; n++)
                        scratch[n * p.K + k] = bb[k * p.N + n];
                bt = scratch;
            }
            mm_da(da + it.a * sa, dy + t * sy, bt, p.M, p.K, p.N);
            mm_next(&p, &it);
        }
    }
    if (db) {
        if (!acc_b)
            memset(db, 0, gg_dims_numel(bs) * sizeof *db);
        mmiter it;
        memset(&it, 0, sizeof it);
        for (size_t t = 0; t < p.nbatch; t++) {
            mm_db(db + it.b * sb, a + it.a * sa, dy + t * sy, p.M, p.K, p.N);
            mm_next(&p, &it);
        }
    }
}

/* ---- index_select along dim 0 ---- */

gg_status gg_ops_index_select_shape(gg_dims *y, const gg_dims *table, const gg_dims *ids,
                                    gg_err *err)
{
    gg_status st = gg_dims_check(table, "table", err);
    if (st == GG_OK)
        st = gg_dims_check(ids, "ids", err);
    if (st != GG_OK)
        return st;
    if (table->n < 1)
        return gg_err_set(err, GG_ESHAPE, "index_select: the table is 0-d");
    if (ids->n + table->n - 1 > GG_MAX_DIMS)
        return gg_err_set(err, GG_ESHAPE,
                          "index_select: %d-d ids into a %d-d table give %d dims, at most %d",
                          ids->n, table->n, ids->n + table->n - 1, GG_MAX_DIMS);
    gg_dims r = *ids;
    for (int k = 1; k < table->n; k++)
        r.d[r.n++] = table->d[k];
    st = gg_dims_check(&r, "index_select result", err);
    if (st != GG_OK)
        return st;
    *y = r;
    return GG_OK;
}

gg_status gg_ops_index_check(const float *ids, size_t n, size_t rows, gg_err *err)
{
    for (size_t i = 0; i < n; i++) {
        float v = ids[i];
        if (!(v == floorf(v)) && !isinf(v))
            return gg_err_set(err, GG_EINVAL, "ids[%zu] = %g is not an integer", i, (double)v);
        if (!(v >= 0.0f && (double)v < (double)rows))
            return gg_err_set(err, GG_EINVAL,
                              "ids[%zu] = %g is out of range for a table of %zu rows", i,
                              (double)v, rows);
    }
    return GG_OK;
}

void gg_ops_index_select_forward(float *y, const float *table, const float *ids, size_t nids,
                                 size_t row)
{
    for (size_t r = 0; r < nids; r++)
        memcpy(y + r * row, table + (size_t)ids[r] * row, row * sizeof *y);
}

void gg_ops_index_select_backward(float *dtable, const float *dy, const float *ids,
                                  size_t nids, size_t rows, size_t row, int acc)
{
    if (!dtable)
        return;
    if (!acc)
        memset(dtable, 0, rows * row * sizeof *dtable);
    for (size_t r = 0; r < nids; r++) {
        size_t id = (size_t)ids[r];
        GG_ASSERT(id < rows);
        float *d = dtable + id * row;
        const float *g = dy + r * row;
        for (size_t j = 0; j < row; j++)
            d[j] += g[j];
    }
}
