/* core/attention.c — fused scaled-dot-product attention (see attention.h), and its graph
 * glue: shape inference for GG_LAYER_ATTENTION nodes and the model adapters exec.c calls.
 *
 * Each sample is copied once into per-head contiguous blocks (Qs = scale*Q, K^T, V, and
 * for backward K and V^T). The products are ops.h matmul's fma chains (each element one
 * chain from 0 in increasing index order), written here with row ranges so a causal
 * mask's zero terms are skipped — about half the work of a causal layer; the softmax and
 * its backward are norm.h's operations. The kernels vectorise only over an index that is
 * not summed, so the GG_KERNEL clones (simd.h) give the same bits on every ISA. */
#include "attention.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detmath.h"
#include "graph_impl.h"
#include "simd.h"

gg_status gg_attention_check(const gg_attn_shape *s, gg_err *err)
{
    if (!s->Lq || !s->Lk || !s->H || !s->D || !s->Dv)
        return gg_err_set(err, GG_EINVAL,
                          "attention sizes must be >= 1, got Lq %zu, Lk %zu, heads %zu, head dim "
                          "%zu, value head dim %zu", s->Lq, s->Lk, s->H, s->D, s->Dv);
    if (s->q_stride < s->H * s->D || s->k_stride < s->H * s->D || s->v_stride < s->H * s->Dv)
        return gg_err_set(err, GG_EINVAL, "attention row strides (%zu, %zu, %zu) are narrower "
                          "than the heads", s->q_stride, s->k_stride, s->v_stride);
    if (!(s->p >= 0.0 && s->p < 1.0))
        return gg_err_set(err, GG_EINVAL, "attention dropout must be in [0, 1), got %g", s->p);
    if (!(s->scale > 0.0f && s->scale <= 3.4e38f))
        return gg_err_set(err, GG_EINVAL, "attention scale must be finite and > 0, got %g",
                          (double)s->scale);
    return GG_OK;
}

size_t gg_attention_aux(const gg_attn_shape *s, size_t B)
{
    const size_t np = B * s->H * s->Lq * s->Lk;
    return s->p > 0.0 ? 2 * np : np;
}

/* Scratch blocks, in floats: see carve(). */
size_t gg_attention_scratch(const gg_attn_shape *s)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv;
    return 4 * Lq + 4 * (Lq + Lk) + H * (Lq * D + 2 * D * Lk + 2 * Lk * Dv + Lq * Dv) +
           H * (Lq * D + Lk * D + Lk * Dv) + 3 * Lq * Lk + 8 * Lk;
}

typedef struct blocks {
    double *ls;              /* 2 Lq: per row of a head the softmax sum, then the logs */
    size_t *q_lo, *q_hi;     /* per query: its keys [0, keep) */
    size_t *k_lo, *k_hi;     /* per key: its queries [first, Lq) */
    float *qs, *kt, *kh;     /* per head: Qs (Lq, D), K^T (D, Lk) (forward), K (Lk, D) */
    float *vh, *vt;          /* per head: V (Lk, Dv) (forward), V^T (Dv, Lk) (backward) */
    float *o;                /* per head: O or dO (Lq, Dv) */
    float *dqs, *dkh, *dvh;  /* per head: (Lq, D), (Lk, D), (Lk, Dv) */
    float *pd;               /* dropped P (Lq, Lk) */
    float *dpd, *ds;         /* dPd then dP (Lq, Lk), dS (Lq, Lk) */
    float *rx, *re;          /* softmax: 4 rows of S - m and of e */
} blocks;

static blocks carve(const gg_attn_shape *s, float *scratch)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv;
    blocks b;
    float *p = scratch;
    b.ls = (double *)(void *)p, p += 4 * Lq;  // 2 Lq doubles, first: the scratch is 8-byte aligned
    size_t *ix = (size_t *)(void *)p;
    p += 4 * (Lq + Lk);  // room for 2 (Lq + Lk) size_t of up to 8 bytes
    b.q_lo = ix, b.q_hi = ix + Lq, b.k_lo = ix + 2 * Lq, b.k_hi = ix + 2 * Lq + Lk;
    b.qs = p, p += H * Lq * D;
    b.kt = p, p += H * D * Lk;
    b.kh = p, p += H * Lk * D;
    b.vh = p, p += H * Lk * Dv;
    b.vt = p, p += H * Dv * Lk;
    b.o = p, p += H * Lq * Dv;
    b.dqs = p, p += H * Lq * D;
    b.dkh = p, p += H * Lk * D;
    b.dvh = p, p += H * Lk * Dv;
    b.pd = p, p += Lq * Lk;
    b.dpd = p, p += Lq * Lk;
    b.ds = p, p += Lq * Lk;
    b.rx = p, p += 4 * Lk;
    b.re = p;
    GG_ASSERT((size_t)(p + 4 * Lk - scratch) == gg_attention_scratch(s));
    for (size_t i = 0; i < Lq; i++)
        b.q_lo[i] = 0, b.q_hi[i] = s->causal && i + 1 < Lk ? i + 1 : Lk;
    for (size_t j = 0; j < Lk; j++)
        b.k_lo[j] = !s->causal ? 0 : j < Lq ? j : Lq, b.k_hi[j] = Lq;
    return b;
}

/* dst[i*di + h*dh + c] = src[i*si + h*sh + c] for i < L, h < H, c < W: a sample's rows of
 * H heads to per-head blocks and back. */
GG_KERNEL
static void copy_heads(float *restrict dst, size_t di, size_t dh, const float *restrict src,
                       size_t si, size_t sh, size_t L, size_t H, size_t W)
{
    // Heads innermost: a contiguous innermost copy would become a memcpy call per head row.
    for (size_t i = 0; i < L; i++) {
        float *restrict d = dst + i * di;
        const float *restrict x = src + i * si;
        size_t c = 0;
        for (; c + 8 <= W; c += 8)
            for (size_t h = 0; h < H; h++)
                gg_v8_store(d + h * dh + c, gg_v8_load(x + h * sh + c));
        for (; c < W; c++)
            for (size_t h = 0; h < H; h++)
                d[h * dh + c] = x[h * sh + c];
    }
}

/* dst[c*L + j] = src[j*stride + c] for j < L, c < C: a sample's (L, C) rows transposed.
 * 8 x 8 tiles through three rounds of interleaves (each lane moves, nothing is computed),
 * the edges one element at a time. */
GG_KERNEL
static void transpose(float *restrict dst, size_t L, const float *restrict src, size_t stride,
                      size_t C)
{
    size_t j0 = 0;
    for (; j0 + 8 <= L; j0 += 8) {
        size_t c0 = 0;
        for (; c0 + 8 <= C; c0 += 8) {
            v8f r[8], n[8];
#pragma GCC unroll 8
            for (int i = 0; i < 8; i++)
                r[i] = gg_v8_load(src + (j0 + (size_t)i) * stride + c0);
#pragma GCC unroll 3
            for (int round = 0; round < 3; round++) {
#pragma GCC unroll 4
                for (size_t i = 0; i < 4; i++) {
                    n[2 * i] =
                        __builtin_shufflevector(r[i], r[i + 4], 0, 8, 1, 9, 2, 10, 3, 11);
                    n[2 * i + 1] =
                        __builtin_shufflevector(r[i], r[i + 4], 4, 12, 5, 13, 6, 14, 7, 15);
                }
#pragma GCC unroll 8
                for (size_t i = 0; i < 8; i++)
                    r[i] = n[i];
            }
#pragma GCC unroll 8
            for (int c = 0; c < 8; c++)
                gg_v8_store(dst + (c0 + (size_t)c) * L + j0, r[c]);
        }
        for (; c0 < C; c0++)
            for (size_t j = j0; j < j0 + 8; j++)
                dst[c0 * L + j] = src[j * stride + c0];
    }
    for (; j0 < L; j0++)
        for (size_t c = 0; c < C; c++)
            dst[c * L + j0] = src[j0 * stride + c];
}

/* Copy sample b into per-head blocks: Qs (scaled) always; for the forward K^T and V, for
 * the backward K and V^T. */
GG_KERNEL
static void load_sample(const gg_attn_shape *s, const blocks *w, const float *q, const float *k,
                        const float *v, size_t b, int backward)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv;
    const float sc = s->scale;
    for (size_t i = 0; i < Lq; i++) {
        const float *row = q + (b * Lq + i) * s->q_stride;
        for (size_t h = 0; h < H; h++) {
            float *dst = w->qs + (h * Lq + i) * D;
            for (size_t d = 0; d < D; d++)
                dst[d] = row[h * D + d] * sc;
        }
    }
    const float *ks = k + b * Lk * s->k_stride, *vs = v + b * Lk * s->v_stride;
    if (backward) {
        copy_heads(w->kh, D, Lk * D, ks, s->k_stride, D, Lk, H, D);
        transpose(w->vt, Lk, vs, s->v_stride, H * Dv);
    } else {
        transpose(w->kt, Lk, ks, s->k_stride, H * D);
        copy_heads(w->vh, Dv, Lk * Dv, vs, s->v_stride, Dv, Lk, H, Dv);
    }
}

/* Keys query i attends to: [0, keep(i)). */
static size_t keep_of(const gg_attn_shape *s, size_t i)
{
    return s->causal && i + 1 < s->Lk ? i + 1 : s->Lk;
}

/* ---- the products: ops.h matmul's fma chains over the entries the masks keep ----
 * Every output element is one fmaf chain from 0 over its terms in increasing order, as
 * ops.h's matmul; the causal mask's zero terms are left out (for finite operands that
 * changes no bit: fma(0, v, s) = s for s != -0, and a chain from +0 never is -0).
 * FMA is one instruction in the clones and glibc's correctly rounded fmaf in the baseline. */
#define FMA(a, b, c) __builtin_fmaf((a), (b), (c))

/* Columns rows_vec keeps in registers at a time. */
enum { PANEL = 16 };

/* y[r, 0..n) for r in [r0, r1): y[r, c] = chain over k < K of a[r, k] * b[k, c] (a rows K
 * apart, b and y rows ldb and ldy apart). Four rows share each load of b, four steps of k
 * run per load and store of y; the c loop vectorises. */
GG_KERNEL
static void mm_rows(float *restrict y, size_t ldy, const float *restrict a, const float *restrict b,
                    size_t ldb, size_t r0, size_t r1, size_t K, size_t n)
{
    size_t r = r0;
    for (; r + 4 <= r1; r += 4) {
        float *restrict y0 = y + r * ldy, *restrict y1 = y0 + ldy, *restrict y2 = y1 + ldy,
                        *restrict y3 = y2 + ldy;
        const float *a0 = a + r * K, *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K;
        for (size_t c = 0; c < n; c++)
            y0[c] = y1[c] = y2[c] = y3[c] = 0.0f;
        size_t k = 0;
        for (; k + 4 <= K; k += 4) {
            const float *restrict b0 = b + k * ldb, *restrict b1 = b0 + ldb,
                                  *restrict b2 = b1 + ldb, *restrict b3 = b2 + ldb;
            const float p0 = a0[k], p1 = a0[k + 1], p2 = a0[k + 2], p3 = a0[k + 3];
            const float q0 = a1[k], q1 = a1[k + 1], q2 = a1[k + 2], q3 = a1[k + 3];
            const float u0 = a2[k], u1 = a2[k + 1], u2 = a2[k + 2], u3 = a2[k + 3];
            const float s0 = a3[k], s1 = a3[k + 1], s2 = a3[k + 2], s3 = a3[k + 3];
            for (size_t c = 0; c < n; c++) {
                const float c0 = b0[c], c1 = b1[c], c2 = b2[c], c3 = b3[c];
                y0[c] = FMA(p3, c3, FMA(p2, c2, FMA(p1, c1, FMA(p0, c0, y0[c]))));
                y1[c] = FMA(q3, c3, FMA(q2, c2, FMA(q1, c1, FMA(q0, c0, y1[c]))));
                y2[c] = FMA(u3, c3, FMA(u2, c2, FMA(u1, c1, FMA(u0, c0, y2[c]))));
                y3[c] = FMA(s3, c3, FMA(s2, c2, FMA(s1, c1, FMA(s0, c0, y3[c]))));
            }
        }
        for (; k < K; k++) {
            const float *restrict br = b + k * ldb;
            const float p0 = a0[k], q0 = a1[k], u0 = a2[k], s0 = a3[k];
            for (size_t c = 0; c < n; c++) {
                y0[c] = FMA(p0, br[c], y0[c]);
                y1[c] = FMA(q0, br[c], y1[c]);
                y2[c] = FMA(u0, br[c], y2[c]);
                y3[c] = FMA(s0, br[c], y3[c]);
            }
        }
    }
    for (; r < r1; r++) {
        float *restrict yr = y + r * ldy;
        const float *ar = a + r * K;
        for (size_t c = 0; c < n; c++)
            yr[c] = 0.0f;
        for (size_t k = 0; k < K; k++) {
            const float *restrict br = b + k * ldb;
            const float p0 = ar[k];
            for (size_t c = 0; c < n; c++)
                yr[c] = FMA(p0, br[c], yr[c]);
        }
    }
}

/* mm_rows for the eight rows r .. r+7, PANEL columns at a time held in registers over
 * all k (eight independent chains per panel; y is written once); columns past the last
 * whole panel through mm_rows. The same chains: y[r, c] from 0 over k in order. */
GG_KERNEL
static void mm_rows8(float *restrict y, size_t ldy, const float *restrict a,
                     const float *restrict b, size_t ldb, size_t r, size_t K, size_t n)
{
    const float *a0 = a + r * K;
    size_t c0 = 0;
    for (; c0 + PANEL <= n; c0 += PANEL) {
        float s0[PANEL], s1[PANEL], s2[PANEL], s3[PANEL], s4[PANEL], s5[PANEL], s6[PANEL],
            s7[PANEL];
        for (size_t w = 0; w < PANEL; w++)
            s0[w] = s1[w] = s2[w] = s3[w] = s4[w] = s5[w] = s6[w] = s7[w] = 0.0f;
        for (size_t k = 0; k < K; k++) {
            const float *restrict bk = b + k * ldb + c0;
            const float p0 = a0[k], p1 = a0[K + k], p2 = a0[2 * K + k], p3 = a0[3 * K + k];
            const float p4 = a0[4 * K + k], p5 = a0[5 * K + k], p6 = a0[6 * K + k],
                        p7 = a0[7 * K + k];
            for (size_t w = 0; w < PANEL; w++) {
                s0[w] = FMA(p0, bk[w], s0[w]);
                s1[w] = FMA(p1, bk[w], s1[w]);
                s2[w] = FMA(p2, bk[w], s2[w]);
                s3[w] = FMA(p3, bk[w], s3[w]);
                s4[w] = FMA(p4, bk[w], s4[w]);
                s5[w] = FMA(p5, bk[w], s5[w]);
                s6[w] = FMA(p6, bk[w], s6[w]);
                s7[w] = FMA(p7, bk[w], s7[w]);
            }
        }
        float *restrict y0 = y + r * ldy + c0;
        for (size_t w = 0; w < PANEL; w++) {
            y0[w] = s0[w], y0[ldy + w] = s1[w], y0[2 * ldy + w] = s2[w];
            y0[3 * ldy + w] = s3[w], y0[4 * ldy + w] = s4[w], y0[5 * ldy + w] = s5[w];
            y0[6 * ldy + w] = s6[w], y0[7 * ldy + w] = s7[w];
        }
    }
    if (c0 < n)
        mm_rows(y + c0, ldy, a, b + c0, ldb, r, r + 8, K, n - c0);
}

/* n rounded up to whole 16-float vectors, at most Lk: the vector loops then run without
 * their scalar remainder (the extra columns are masked, never read). */
static size_t whole_vectors(size_t n, size_t Lk)
{
    const size_t up = (n + 15) / 16 * 16;
    return up < Lk ? up : Lk;
}

/* y = a b^T-like products with a row-dependent column count: y[r, c] for c < keep(r) (r a
 * query), chain over k < K of a[r, k] * b[k, c]; row blocks of four compute up to their
 * last row's count rounded up to whole vectors (the extra entries are masked, never
 * read); blocks of eight rows first. */
static void mm_prefix(const gg_attn_shape *s, float *y, const float *a, const float *b, size_t K)
{
    const size_t Lq = s->Lq, Lk = s->Lk;
    size_t r = 0;
    for (; r + 8 <= Lq; r += 8)
        mm_rows8(y, Lk, a, b, Lk, r, K, whole_vectors(keep_of(s, r + 7), Lk));
    for (; r + 4 <= Lq; r += 4)
        mm_rows(y, Lk, a, b, Lk, r, r + 4, K, whole_vectors(keep_of(s, r + 3), Lk));
    for (; r < Lq; r++)
        mm_rows(y, Lk, a, b, Lk, r, r + 1, K, whole_vectors(keep_of(s, r), Lk));
}

/* y[r, 0..W) for r < R: chain over t in [lo(r), hi(r)) of coef(r, t) * src[t, 0..W), coef
 * (r, t) = coef[r * cr + t * ct]; lo, hi give each row's range (rows: queries with hi =
 * keep, or keys with lo = first). Eight rows at a time, PANEL columns of each in
 * registers (eight independent chains), t over the union of their ranges: the common
 * range for all eight, the edges row by row where t is in the row's range — every row's
 * chain in increasing t from 0. Columns past the panels and a last block of fewer rows run
 * one row at a time. */
enum { RB = 8 };

#define RV_TERM(q, aq)                                                                   \
    if (all || (t >= lo[r0 + (q)] && t < hi[r0 + (q)])) {                               \
        const float cq = kt[(q) * cr];                                                  \
        for (size_t w = 0; w < PANEL; w++)                                              \
            (aq)[w] = FMA(cq, st[w], (aq)[w]);                                          \
    }

/* a0..a7 (the panel's rows) take the terms t in [t0, t1); all: every row has them. */
#define RV_RANGE(t0, t1, all_)                                                           \
    for (size_t t = (t0); t < (t1); t++) {                                              \
        const int all = (all_);                                                         \
        const float *restrict st = src + t * W + w0;                                    \
        const float *kt = coef + r0 * cr + t * ct;                                      \
        RV_TERM(0, a0) RV_TERM(1, a1) RV_TERM(2, a2) RV_TERM(3, a3)                     \
        RV_TERM(4, a4) RV_TERM(5, a5) RV_TERM(6, a6) RV_TERM(7, a7)                     \
    }

GG_KERNEL
static void rows_vec(float *restrict y, size_t R, size_t W, const float *coef, size_t cr,
                     size_t ct, const float *restrict src, const size_t *lo, const size_t *hi)
{
    for (size_t r0 = 0; r0 < R; r0 += RB) {
        const size_t nr = r0 + RB <= R ? RB : R - r0;
        size_t L = 0, U = (size_t)-1, Lmin = (size_t)-1, Umax = 0;
        for (size_t q = 0; q < nr; q++) {
            L = lo[r0 + q] > L ? lo[r0 + q] : L;
            U = hi[r0 + q] < U ? hi[r0 + q] : U;
            if (lo[r0 + q] < hi[r0 + q]) {
                Lmin = lo[r0 + q] < Lmin ? lo[r0 + q] : Lmin;
                Umax = hi[r0 + q] > Umax ? hi[r0 + q] : Umax;
            }
        }
        size_t w0 = 0;
        if (nr == RB)
            for (; w0 + PANEL <= W; w0 += PANEL) {
                float a0[PANEL], a1[PANEL], a2[PANEL], a3[PANEL], a4[PANEL], a5[PANEL],
                    a6[PANEL], a7[PANEL];
                for (size_t w = 0; w < PANEL; w++)
                    a0[w] = a1[w] = a2[w] = a3[w] = a4[w] = a5[w] = a6[w] = a7[w] = 0.0f;
                if (Lmin < Umax && L < U) {  // the edges around a common range
                    RV_RANGE(Lmin, L, 0)
                    RV_RANGE(L, U, 1)
                    RV_RANGE(U, Umax, 0)
                } else if (Lmin < Umax) {
                    RV_RANGE(Lmin, Umax, 0)
                }
                float *restrict y0 = y + r0 * W + w0;
                for (size_t w = 0; w < PANEL; w++) {
                    y0[w] = a0[w], y0[W + w] = a1[w], y0[2 * W + w] = a2[w];
                    y0[3 * W + w] = a3[w], y0[4 * W + w] = a4[w], y0[5 * W + w] = a5[w];
                    y0[6 * W + w] = a6[w], y0[7 * W + w] = a7[w];
                }
            }
        for (size_t q = 0; w0 < W && q < nr; q++) {  // the other columns, row by row
            float *restrict yr = y + (r0 + q) * W;
            for (size_t w = w0; w < W; w++)
                yr[w] = 0.0f;
            for (size_t t = lo[r0 + q]; t < hi[r0 + q]; t++) {
                const float c0 = coef[(r0 + q) * cr + t * ct];
                const float *restrict st = src + t * W;
                for (size_t w = w0; w < W; w++)
                    yr[w] = FMA(c0, st[w], yr[w]);
            }
        }
    }
}

#undef RV_TERM
#undef RV_RANGE

#undef FMA

/* Row q of a block of nq rows stride apart; idle lanes (q >= nq) repeat row 0, so four
 * side-by-side sums can always run (their results are not used). */
static const float *lane(const float *base, size_t stride, size_t nq, size_t q)
{
    return base + (q < nq ? q : 0) * stride;
}

/* Mask row i of S in place — padded keys (pad[j] != 0) become -inf; keys j >= keep (causal:
 * i + 1) are not read again, softmax_rows writes their P = 0 — and return the max of
 * row[0..keep) over its non-NaN entries (a NaN logit makes its row's P NaN whatever the
 * max; a max is exact, so the order changes nothing but the sign of a zero maximum, which
 * x - m does not see): eight running maxima, the last block overlapping, reduced as a
 * tree. */
GG_KERNEL
static float mask_row(float *row, const float *pad, size_t n, size_t keep)
{
    (void)n;
    if (pad)
        for (size_t j = 0; j < keep; j++)
            row[j] = pad[j] != 0.0f ? -INFINITY : row[j];
    if (keep < 8) {
        float m = -INFINITY;
        for (size_t j = 0; j < keep; j++)
            m = row[j] > m ? row[j] : m;
        return m;
    }
    float m8[8];
    for (size_t l = 0; l < 8; l++)
        m8[l] = row[l];
    for (size_t j = 8; j < keep; j += 8) {  // the last block overlaps: a max may see twice
        const float *x = row + (j + 8 <= keep ? j : keep - 8);
        for (size_t l = 0; l < 8; l++)
            m8[l] = x[l] > m8[l] ? x[l] : m8[l];
    }
    for (size_t h = 4; h >= 1; h /= 2)
        for (size_t l = 0; l < h; l++)
            m8[l] = m8[l + h] > m8[l] ? m8[l + h] : m8[l];
    return m8[0];
}

/* row[0..keep) += the amask row, then its max as mask_row's. */
GG_KERNEL
static float add_mask_row(float *row, const float *am, size_t keep)
{
    for (size_t j = 0; j < keep; j++)
        row[j] += am[j];
    return mask_row(row, NULL, keep, keep);
}

/* x = row - m. */
GG_KERNEL
static void sub_row(float *x, const float *row, float m, size_t n)
{
    for (size_t j = 0; j < n; j++)
        x[j] = row[j] - m;
}

/* x = 0 where e = 0 (a masked key's x is -inf; e x must be 0 there, not NaN). */
GG_KERNEL
static void zero_dead(float *x, const float *e, size_t n)
{
    for (size_t j = 0; j < n; j++)
        x[j] = e[j] != 0.0f ? x[j] : 0.0f;
}

/* y = (float)(e * r) in double. */
GG_KERNEL
static void scale_row(float *y, const float *e, double r, size_t n)
{
    for (size_t j = 0; j < n; j++)
        y[j] = (float)((double)e[j] * r);
}

/* Softmax of nq <= 4 rows of S (in place into P) whose maxima are m[] and whose entries
 * from keep[] on are masked, norm.h's operations; the four rows' sums run side by side
 * (each one sequential chain in index order; a masked entry's e is 0, so leaving it out
 * changes no sum). Entropy parts: sums[q] gets s, *t_sum the sum over live rows of
 * sum_j e_j (S_j - m) / s; dead rows (every key masked) get s = 0 and P = 0. */
static void softmax_rows(float *P, const float *m, const size_t *keep, size_t nq, size_t n,
                         float *rx, float *re, double *sums, double *t_sum)
{
    double s[4] = {0.0, 0.0, 0.0, 0.0}, t[4] = {0.0, 0.0, 0.0, 0.0};
    size_t kmax = 0;
    for (size_t q = 0; q < nq; q++)
        kmax = keep[q] > kmax ? keep[q] : kmax;
    // The rows kmax apart, so one call computes every exp (a causal block's rows differ by
    // at most 3 keys: the padding, -inf, gives e = 0).
    for (size_t q = 0; q < nq; q++) {
        sub_row(rx + q * kmax, P + q * n, m[q], keep[q]);
        for (size_t j = keep[q]; j < kmax; j++)
            rx[q * kmax + j] = -INFINITY;
    }
    gg_expf_n(re, rx, nq * kmax);
    zero_dead(rx, re, nq * kmax);
    const float *e0 = lane(re, kmax, nq, 0), *e1 = lane(re, kmax, nq, 1),
                *e2 = lane(re, kmax, nq, 2), *e3 = lane(re, kmax, nq, 3);
    const float *x0 = lane(rx, kmax, nq, 0), *x1 = lane(rx, kmax, nq, 1),
                *x2 = lane(rx, kmax, nq, 2), *x3 = lane(rx, kmax, nq, 3);
    for (size_t j = 0; j < kmax; j++) {
        s[0] += (double)e0[j];
        s[1] += (double)e1[j];
        s[2] += (double)e2[j];
        s[3] += (double)e3[j];
        t[0] += (double)e0[j] * (double)x0[j];
        t[1] += (double)e1[j] * (double)x1[j];
        t[2] += (double)e2[j] * (double)x2[j];
        t[3] += (double)e3[j] * (double)x3[j];
    }
    for (size_t q = 0; q < nq; q++) {
        float *y = P + q * n;
        if (m[q] == -INFINITY) {  // every key masked: P = 0 (torch 1.13: NaN) — unless
            int nan = 0;          // the max was -inf for want of non-NaN logits
            for (size_t j = 0; j < keep[q]; j++)
                nan |= y[j] != y[j];
            for (size_t j = 0; j < n; j++)
                y[j] = nan ? NAN : 0.0f;
            sums[q] = nan ? (double)NAN : 0.0;
            continue;
        }
        const double r = 1.0 / s[q];
        scale_row(y, re + q * kmax, r, keep[q]);
        if (keep[q] < n)
            memset(y + keep[q], 0, (n - keep[q]) * sizeof *y);
        sums[q] = s[q];
        *t_sum += t[q] * r;
    }
}

void gg_attention_forward(const gg_attn_shape *s, size_t B, float *y, float *aux,
                          const float *q, const float *k, const float *v, const float *kpm,
                          const float *amask, gg_rng *rng, float *scratch,
                          gg_attn_stats *stats)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv, E = H * Dv;
    const int drop = rng && s->p > 0.0;
    const float keep_scale = drop ? 1.0f / (float)(1.0 - s->p) : 1.0f;
    blocks w = carve(s, scratch);
    float maxl = -INFINITY;
    double ent = 0.0;
    size_t rows = 0;
    for (size_t b = 0; b < B; b++) {
        load_sample(s, &w, q, k, v, b, 0);
        const float *pad = kpm ? kpm + b * Lk : NULL;
        for (size_t h = 0; h < H; h++) {
            float *P = aux + (b * H + h) * Lq * Lk;
            mm_prefix(s, P, w.qs + h * Lq * D, w.kt + h * D * Lk, D);
            double tsum = 0.0;
            for (size_t i0 = 0; i0 < Lq; i0 += 4) {
                const size_t nq = i0 + 4 <= Lq ? 4 : Lq - i0;
                float m[4];
                for (size_t r = 0; r < nq; r++) {
                    const size_t i = i0 + r;
                    float *row = P + i * Lk;
                    m[r] = mask_row(row, pad, Lk, w.q_hi[i]);
                    maxl = m[r] > maxl ? m[r] : maxl;
                    if (amask)
                        m[r] = add_mask_row(row, amask + i * Lk, w.q_hi[i]);
                }
                softmax_rows(P + i0 * Lk, m, w.q_hi + i0, nq, Lk, w.rx, w.re, w.ls + i0, &tsum);
            }
            // entropy: sum over live rows of log s - t/s (the logs eight at a time)
            size_t live = 0;
            for (size_t i = 0; i < Lq; i++)
                if (w.ls[i] != 0.0)  // dead rows have 0; NaN rows count (and poison it)
                    w.ls[live++] = w.ls[i];
            gg_log_n(w.ls + Lq, w.ls, live);
            for (size_t i = 0; i < live; i++)
                ent += w.ls[Lq + i];
            ent -= tsum;
            rows += live;
            const float *pd = P;
            if (drop) {
                float *mask = aux + B * H * Lq * Lk + (b * H + h) * Lq * Lk;
                for (size_t j = 0; j < Lq * Lk; j++) {
                    mask[j] = gg_rng_uniform(rng) < 1.0 - s->p ? keep_scale : 0.0f;
                    w.pd[j] = P[j] * mask[j];
                }
                pd = w.pd;
            }
            rows_vec(w.o + h * Lq * Dv, Lq, Dv, pd, Lk, 1, w.vh + h * Lk * Dv, w.q_lo, w.q_hi);
        }
        copy_heads(y + b * Lq * E, E, Dv, w.o, Dv, Lq * Dv, Lq, H, Dv);
    }
    if (stats) {
        stats->max_logit = maxl;
        stats->entropy = rows ? (float)(ent / (double)rows) : NAN;
    }
}

/* dS = P (dP - t) over each row's keys [0, keep), t = (float) sum dP P in double in index
 * order (norm.h's softmax backward); four rows' sums side by side. */
GG_KERNEL
static void ds_row(float *ds, const float *dp, const float *P, float t, size_t n)
{
    for (size_t j = 0; j < n; j++)
        ds[j] = (dp[j] - t) * P[j];
}

static void ds_rows(float *ds, const float *dp, const float *P, const size_t *keep, size_t nq,
                    size_t n)
{
    double t[4] = {0.0, 0.0, 0.0, 0.0};
    size_t kmax = 0;
    for (size_t q = 0; q < nq; q++)
        kmax = keep[q] > kmax ? keep[q] : kmax;
    const float *d0 = lane(dp, n, nq, 0), *d1 = lane(dp, n, nq, 1), *d2 = lane(dp, n, nq, 2),
                *d3 = lane(dp, n, nq, 3);
    const float *p0 = lane(P, n, nq, 0), *p1 = lane(P, n, nq, 1), *p2 = lane(P, n, nq, 2),
                *p3 = lane(P, n, nq, 3);
    const size_t k0 = keep[0], k1 = keep[nq > 1 ? 1 : 0], k2 = keep[nq > 2 ? 2 : 0],
                 k3 = keep[nq > 3 ? 3 : 0];
    for (size_t j = 0; j < kmax; j++) {
        t[0] += j < k0 ? (double)d0[j] * (double)p0[j] : 0.0;
        t[1] += j < k1 ? (double)d1[j] * (double)p1[j] : 0.0;
        t[2] += j < k2 ? (double)d2[j] * (double)p2[j] : 0.0;
        t[3] += j < k3 ? (double)d3[j] * (double)p3[j] : 0.0;
    }
    for (size_t q = 0; q < nq; q++)
        ds_row(ds + q * n, dp + q * n, P + q * n, (float)t[q], keep[q]);
}

/* Rows (L, stride) of H*W columns = or += the heads' blocks (H, L, W) * mul:
 * rows[i*stride + h*W + c] (+)= blk[(h*L + i)*W + c] * mul (product, then sum). */
GG_KERNEL
static void put(float *restrict rows, size_t stride, int acc, const float *restrict blk,
                size_t L, size_t H, size_t W, float mul)
{
    for (size_t i = 0; i < L; i++)
        for (size_t h = 0; h < H; h++) {
            float *restrict dst = rows + i * stride + h * W;
            const float *restrict src = blk + (h * L + i) * W;
            if (acc)
                for (size_t c = 0; c < W; c++)
                    dst[c] += src[c] * mul;
            else
                for (size_t c = 0; c < W; c++)
                    dst[c] = src[c] * mul;
        }
}

void gg_attention_backward(const gg_attn_shape *s, size_t B, float *dq, int acc_q, float *dk,
                           int acc_k, float *dv, int acc_v, const float *dy, const float *aux,
                           int dropped, const float *q, const float *k, const float *v,
                           float *scratch)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv, E = H * Dv;
    blocks w = carve(s, scratch);
    const int need_s = dq || dk;
    for (size_t b = 0; b < B; b++) {
        load_sample(s, &w, q, k, v, b, 1);
        copy_heads(w.o, Dv, Lq * Dv, dy + b * Lq * E, E, Dv, Lq, H, Dv);
        for (size_t h = 0; h < H; h++) {
            const float *P = aux + (b * H + h) * Lq * Lk;
            const float *mask = dropped ? aux + B * H * Lq * Lk + (b * H + h) * Lq * Lk : NULL;
            const float *dO = w.o + h * Lq * Dv;
            const float *pd = P;
            if (mask) {
                for (size_t j = 0; j < Lq * Lk; j++)
                    w.pd[j] = P[j] * mask[j];
                pd = w.pd;
            }
            if (dv)  // dV = Pd^T dO: per key j, over the queries that see it
                rows_vec(w.dvh + h * Lk * Dv, Lk, Dv, pd, 1, Lk, dO, w.k_lo, w.k_hi);
            if (!need_s)
                continue;
            mm_prefix(s, w.dpd, dO, w.vt + h * Dv * Lk, Dv);  // dPd = dO V^T
            for (size_t i0 = 0; i0 < Lq; i0 += 4) {
                const size_t nq = i0 + 4 <= Lq ? 4 : Lq - i0;
                if (mask)
                    for (size_t i = i0; i < i0 + nq; i++)
                        for (size_t j = 0; j < w.q_hi[i]; j++)
                            w.dpd[i * Lk + j] *= mask[i * Lk + j];
                ds_rows(w.ds + i0 * Lk, w.dpd + i0 * Lk, P + i0 * Lk, w.q_hi + i0, nq, Lk);
            }
            if (dq)  // dQs = dS K
                rows_vec(w.dqs + h * Lq * D, Lq, D, w.ds, Lk, 1, w.kh + h * Lk * D, w.q_lo, w.q_hi);
            if (dk)  // dK = dS^T Qs
                rows_vec(w.dkh + h * Lk * D, Lk, D, w.ds, 1, Lk, w.qs + h * Lq * D, w.k_lo, w.k_hi);
        }
        if (dq)
            put(dq + b * Lq * s->q_stride, s->q_stride, acc_q, w.dqs, Lq, H, D, s->scale);
        if (dk)
            put(dk + b * Lk * s->k_stride, s->k_stride, acc_k, w.dkh, Lk, H, D, 1.0f);
        if (dv)
            put(dv + b * Lk * s->v_stride, s->v_stride, acc_v, w.dvh, Lk, H, Dv, 1.0f);
    }
}

/* ---- graph glue (GG_LAYER_ATTENTION) ---- */

static int slot_of(const gg_layer_cfg *c, int mask)
{
    const int base = c->attn_packed ? 1 : 3;
    if (mask == GG_ATTN_KEY_PADDING)
        return base;
    return base + ((c->attn_masks & GG_ATTN_KEY_PADDING) ? 1 : 0);
}

int gg_attention_inputs(const gg_layer_cfg *c)
{
    return (c->attn_packed ? 1 : 3) + ((c->attn_masks & GG_ATTN_KEY_PADDING) ? 1 : 0) +
           ((c->attn_masks & GG_ATTN_MASK) ? 1 : 0);
}

int gg_attention_nondiff(const gg_layer_cfg *c, int slot)
{
    return slot >= (c->attn_packed ? 1 : 3);
}

static const char *dims_str(const gg_gnode *x, char *buf, size_t cap)
{
    size_t at = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < x->shape.ndim && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, i == 0 && x->batched ? "%sB" : "%s%zu",
                               i ? ", " : "", x->shape.dim[i]);
    if (at < cap)
        snprintf(buf + at, cap - at, ")");
    return buf;
}

gg_status gg_attention_infer(const gg_gnode *const *x, int nin, const gg_layer_cfg *c,
                             gg_shape *out, const char *pre, gg_err *err)
{
    char a[96];
    if (c->attn_masks & ~(GG_ATTN_KEY_PADDING | GG_ATTN_MASK))
        return gg_err_set(err, GG_EINVAL, "%s has unknown mask flags %d", pre, c->attn_masks);
    const int want = gg_attention_inputs(c);
    if (nin != want)
        return gg_err_set(err, GG_EINVAL, "%s takes %d inputs (%s%s%s), got %d", pre, want,
                          c->attn_packed ? "packed qkv" : "q, k, v",
                          (c->attn_masks & GG_ATTN_KEY_PADDING) ? ", key_padding_mask" : "",
                          (c->attn_masks & GG_ATTN_MASK) ? ", attn_mask" : "", nin);
    const int nqkv = c->attn_packed ? 1 : 3;
    static const char *const names[] = {"query", "key", "value"};
    for (int i = 0; i < nqkv; i++)
        if (!x[i]->batched || x[i]->shape.ndim != 3)
            return gg_err_set(err, GG_ESHAPE, "%s expects a batched %s (B, L, E), got %s", pre,
                              c->attn_packed ? "packed qkv" : names[i], dims_str(x[i], a, sizeof a));
    if (c->heads < 1)
        return gg_err_set(err, GG_EINVAL, "%s num_heads must be >= 1, got %zu", pre, c->heads);
    if (!(c->p >= 0.0 && c->p < 1.0))
        return gg_err_set(err, GG_EINVAL, "%s dropout must be in [0, 1), got %g", pre, c->p);
    if (!isnan(c->scalar) && !(c->scalar > 0.0 && c->scalar < 3.4e38))
        return gg_err_set(err, GG_EINVAL, "%s scale must be finite and > 0, got %g", pre, c->scalar);
    size_t Lq, Lk, E, Ev;
    if (c->attn_packed) {
        Lq = Lk = x[0]->shape.dim[1];
        const size_t w = x[0]->shape.dim[2];
        if (w % 3)
            return gg_err_set(err, GG_ESHAPE, "%s packed qkv width %zu is not 3 * embed_dim", pre, w);
        E = Ev = w / 3;
    } else {
        char b2[96];
        Lq = x[0]->shape.dim[1];
        Lk = x[1]->shape.dim[1];
        E = x[0]->shape.dim[2];
        Ev = x[2]->shape.dim[2];
        if (x[1]->shape.dim[2] != E)
            return gg_err_set(err, GG_ESHAPE, "%s query %s and key %s differ in their last dim",
                              pre, dims_str(x[0], a, sizeof a), dims_str(x[1], b2, sizeof b2));
        if (x[2]->shape.dim[1] != Lk)
            return gg_err_set(err, GG_ESHAPE, "%s key %s and value %s differ in length", pre,
                              dims_str(x[1], a, sizeof a), dims_str(x[2], b2, sizeof b2));
    }
    if (E % c->heads || Ev % c->heads)
        return gg_err_set(err, GG_EINVAL, "%s embed_dim %zu%s must be divisible by num_heads %zu",
                          pre, (E % c->heads) ? E : Ev, (E % c->heads) ? "" : " (value)", c->heads);
    if (c->attn_masks & GG_ATTN_KEY_PADDING) {
        const gg_gnode *m = x[slot_of(c, GG_ATTN_KEY_PADDING)];
        if (!m->batched || m->shape.ndim != 2 || m->shape.dim[1] != Lk)
            return gg_err_set(err, GG_ESHAPE, "%s key_padding_mask must be (B, %zu), got %s", pre,
                              Lk, dims_str(m, a, sizeof a));
        if (m->req)
            return gg_err_set(err, GG_EINVAL, "%s key_padding_mask must not require a gradient", pre);
    }
    if (c->attn_masks & GG_ATTN_MASK) {
        const gg_gnode *m = x[slot_of(c, GG_ATTN_MASK)];
        if (m->batched || m->shape.ndim != 2 || m->shape.dim[0] != Lq || m->shape.dim[1] != Lk)
            return gg_err_set(err, GG_ESHAPE, "%s attn_mask must be (%zu, %zu) (not batched), got %s",
                              pre, Lq, Lk, dims_str(m, a, sizeof a));
        if (m->req)
            return gg_err_set(err, GG_EINVAL, "%s attn_mask must not require a gradient (a "
                              "constant or a frozen parameter)", pre);
    }
    out->ndim = 3;
    out->dim[0] = GG_BATCH;
    out->dim[1] = Lq;
    out->dim[2] = Ev;
    return GG_OK;
}

/* The kernel's shape of node i, and its q, k, v column offsets within the inputs. */
static gg_attn_shape shape_of(const gg_model *m, int i, size_t off[3])
{
    const gg_gnode *n = &m->g->nodes[i];
    const gg_layer_cfg *c = &n->cfg;
    const gg_gnode *x0 = &m->g->nodes[n->in[0]];
    gg_attn_shape s;
    memset(&s, 0, sizeof s);
    s.H = c->heads;
    s.causal = c->causal;
    s.p = c->p;
    if (c->attn_packed) {
        const size_t E = x0->shape.dim[2] / 3;
        s.Lq = s.Lk = x0->shape.dim[1];
        s.D = s.Dv = E / c->heads;
        s.q_stride = s.k_stride = s.v_stride = 3 * E;
        off[0] = 0, off[1] = E, off[2] = 2 * E;
    } else {
        const gg_gnode *x1 = &m->g->nodes[n->in[1]], *x2 = &m->g->nodes[n->in[2]];
        s.Lq = x0->shape.dim[1];
        s.Lk = x1->shape.dim[1];
        s.q_stride = s.k_stride = x0->shape.dim[2];
        s.v_stride = x2->shape.dim[2];
        s.D = s.q_stride / c->heads;
        s.Dv = s.v_stride / c->heads;
        off[0] = off[1] = off[2] = 0;
    }
    s.scale = isnan(c->scalar) ? 1.0f / sqrtf((float)s.D) : (float)c->scalar;
    return s;
}

/* The aux of node i: P, the dropout mask (p > 0), then 3 floats: max logit, entropy and a
 * flag (1 once a forward ran since the buffers were carved). */
size_t gg_attention_exec_aux(const gg_model *m, int i, size_t B)
{
    size_t off[3];
    gg_attn_shape s = shape_of(m, i, off);
    return gg_attention_aux(&s, B) + 3;
}

size_t gg_attention_exec_scratch(const gg_model *m, int i)
{
    size_t off[3];
    gg_attn_shape s = shape_of(m, i, off);
    return gg_attention_scratch(&s);
}

static const float *input(const gg_model *m, int i, int slot)
{
    return m->mn[m->mn[m->g->nodes[i].in[slot]].root].y;
}

void gg_attention_exec_forward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &m->g->nodes[i].cfg;
    gg_mnode *mn = &m->mn[i];
    size_t off[3];
    gg_attn_shape s = shape_of(m, i, off);
    const float *q = input(m, i, 0) + off[0];
    const float *k = c->attn_packed ? input(m, i, 0) + off[1] : input(m, i, 1);
    const float *v = c->attn_packed ? input(m, i, 0) + off[2] : input(m, i, 2);
    const float *kpm = (c->attn_masks & GG_ATTN_KEY_PADDING) ? input(m, i, slot_of(c, GG_ATTN_KEY_PADDING)) : NULL;
    const float *am = (c->attn_masks & GG_ATTN_MASK) ? input(m, i, slot_of(c, GG_ATTN_MASK)) : NULL;
    gg_attn_stats st;
    gg_attention_forward(&s, B, mn->y, mn->aux, q, k, v, kpm, am,
                         m->training && s.p > 0.0 ? &m->drop_rng : NULL, m->scratch, &st);
    float *tail = mn->aux + gg_attention_aux(&s, B);
    tail[0] = st.max_logit;
    tail[1] = st.entropy;
    tail[2] = 1.0f;
}

void gg_attention_exec_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = &m->g->nodes[i];
    const gg_layer_cfg *c = &n->cfg;
    const gg_mnode *mn = &m->mn[i];
    size_t off[3];
    gg_attn_shape s = shape_of(m, i, off);
    float *d[3] = {NULL, NULL, NULL};
    int acc[3] = {0, 0, 0};
    const int nqkv = c->attn_packed ? 1 : 3;
    for (int slot = 0; slot < nqkv; slot++)
        if (mn->acc[slot] >= 0)
            d[slot] = m->mn[m->mn[n->in[slot]].root].dy;
    if (c->attn_packed) {  // one gradient: its three column blocks, written or added together
        for (int t = 1; t < 3; t++)
            d[t] = d[0];
        for (int t = 0; t < 3; t++) {
            acc[t] = mn->acc[0] == 1;
            if (d[t])
                d[t] += off[t];
        }
    } else {
        for (int t = 0; t < 3; t++)
            acc[t] = mn->acc[t] == 1;
    }
    const float *q = input(m, i, 0) + off[0];
    const float *k = c->attn_packed ? input(m, i, 0) + off[1] : input(m, i, 1);
    const float *v = c->attn_packed ? input(m, i, 0) + off[2] : input(m, i, 2);
    gg_attention_backward(&s, B, d[0], acc[0], d[1], acc[1], d[2], acc[2], mn->dy, mn->aux,
                          m->fwd_training && s.p > 0.0, q, k, v, m->scratch);
}

gg_status gg_model_attention_stats(const gg_model *m, size_t layer, float *max_logit,
                                   float *entropy, gg_err *err)
{
    if (layer >= (size_t)m->nlayers ||
        m->g->nodes[m->layer_node[layer]].cfg.kind != GG_LAYER_ATTENTION)
        return gg_err_set(err, GG_EINVAL, "layer %zu is not an attention layer", layer + 1);
    const int i = m->layer_node[layer];
    const gg_mnode *mn = &m->mn[i];
    if (!mn->live || !mn->aux || m->B == 0)
        return gg_err_set(err, GG_EINVAL, "layer %zu (attention): no forward pass has run yet",
                          layer + 1);
    size_t off[3];
    gg_attn_shape s = shape_of(m, i, off);
    const float *tail = mn->aux + gg_attention_aux(&s, m->B);
    if (tail[2] != 1.0f)
        return gg_err_set(err, GG_EINVAL, "layer %zu (attention): no forward pass has run yet",
                          layer + 1);
    *max_logit = tail[0];
    *entropy = tail[1];
    return GG_OK;
}
