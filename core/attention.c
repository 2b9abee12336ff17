/* core/attention.c — fused scaled-dot-product attention (see attention.h), and its graph
 * glue: shape inference for GG_LAYER_ATTENTION nodes and the model adapters exec.c calls.
 *
 * Each (sample, head) is copied into contiguous blocks (Qs = scale*Q, K^T, V), the products
 * run on ops.h's fixed-order matmul kernels, the softmax is norm.h's order (and its
 * backward is norm.h's), so nothing here is vector code of its own: the GG_KERNEL clones
 * of those kernels give the same bits on every ISA. */
#include "attention.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detmath.h"
#include "graph_impl.h"
#include "norm.h"
#include "ops.h"
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
    const size_t mm = Lk * Dv > D * Lk ? Lk * Dv : D * Lk;
    return 2 * H * (Lq * D + D * Lk + Lk * Dv) + H * Lq * Dv + 3 * Lq * Lk + mm + 8 * Lk + 2 * Lq;
}

typedef struct blocks {
    float *qs, *kt, *vh;     /* per head: Qs (Lq, D), K^T (D, Lk), V (Lk, Dv) */
    float *o;                /* per head: O or dO (Lq, Dv) */
    float *dqs, *dkt, *dvh;  /* per head: (Lq, D), (D, Lk), (Lk, Dv) */
    float *pd;               /* dropped P (Lq, Lk) */
    float *dpd, *ds;         /* dPd then dP (Lq, Lk), dS (Lq, Lk) */
    float *mm;               /* matmul backward's transpose */
    float *rx, *re;          /* softmax: 4 rows of S - m and of e */
    double *ls;              /* per row of a head: the softmax sum, then its log */
} blocks;

static blocks carve(const gg_attn_shape *s, float *scratch)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv;
    blocks b;
    float *p = scratch;
    b.ls = (double *)(void *)p, p += 2 * Lq;  // first: the scratch is 8-byte aligned
    b.qs = p, p += H * Lq * D;
    b.kt = p, p += H * D * Lk;
    b.vh = p, p += H * Lk * Dv;
    b.o = p, p += H * Lq * Dv;
    b.dqs = p, p += H * Lq * D;
    b.dkt = p, p += H * D * Lk;
    b.dvh = p, p += H * Lk * Dv;
    b.pd = p, p += Lq * Lk;
    b.dpd = p, p += Lq * Lk;
    b.ds = p, p += Lq * Lk;
    b.mm = p, p += Lk * Dv > D * Lk ? Lk * Dv : D * Lk;
    b.rx = p, p += 4 * Lk;
    b.re = p, p += 4 * Lk;
    GG_ASSERT((size_t)(p - scratch) == gg_attention_scratch(s));
    return b;
}

/* Copy sample b into per-head blocks — Qs (scaled), K^T, V — reading each row once, in
 * order. */
static void load_sample(const gg_attn_shape *s, const blocks *w, const float *q, const float *k,
                        const float *v, size_t b)
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
    for (size_t j = 0; j < Lk; j++) {
        const float *row = k + (b * Lk + j) * s->k_stride;
        for (size_t h = 0; h < H; h++) {
            float *dst = w->kt + h * D * Lk + j;
            for (size_t d = 0; d < D; d++)
                dst[d * Lk] = row[h * D + d];
        }
        const float *vrow = v + (b * Lk + j) * s->v_stride;
        for (size_t h = 0; h < H; h++)
            memcpy(w->vh + (h * Lk + j) * Dv, vrow + h * Dv, Dv * sizeof *vrow);
    }
}

static gg_dims dims2(size_t r, size_t c)
{
    const size_t d[2] = {r, c};
    return gg_dims_make(2, d);
}

/* Mask row i of S in place — padded keys (pad[j] != 0) become -inf; keys j >= keep (causal:
 * i + 1) are not read again, softmax_rows writes their P = 0 — and return the max of
 * row[0..keep), NaN if any is NaN (eight running maxima: a max is exact, so the order
 * changes nothing but the sign of a zero maximum, which x - m does not see). */
GG_KERNEL
static float mask_row(float *row, const float *pad, size_t n, size_t keep)
{
    (void)n;
    if (pad)
        for (size_t j = 0; j < keep; j++)
            row[j] = pad[j] != 0.0f ? -INFINITY : row[j];
    float m8[8];
    for (size_t l = 0; l < 8; l++)
        m8[l] = row[0];
    size_t j = 0;
    for (; j + 8 <= keep; j += 8)
        for (size_t l = 0; l < 8; l++)
            m8[l] = (row[j + l] > m8[l] || row[j + l] != row[j + l]) ? row[j + l] : m8[l];
    float m = m8[0];
    for (size_t l = 1; l < 8; l++)
        m = (m8[l] > m || m8[l] != m8[l]) ? m8[l] : m;
    for (; j < keep; j++)
        m = (row[j] > m || row[j] != row[j]) ? row[j] : m;
    return m;
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
    for (size_t q = 0; q < nq; q++) {
        sub_row(rx + q * n, P + q * n, m[q], keep[q]);
        gg_expf_n(re + q * n, rx + q * n, keep[q]);
        for (size_t j = keep[q]; j < n; j++)
            re[q * n + j] = 0.0f, rx[q * n + j] = 0.0f;
        kmax = keep[q] > kmax ? keep[q] : kmax;
    }
    // idle lanes repeat row 0 (their sums are not used)
    const float *e0 = re, *e1 = re + (nq > 1) * n, *e2 = re + (nq > 2) * 2 * n,
                *e3 = re + (nq > 3) * 3 * n;
    const float *x0 = rx, *x1 = rx + (nq > 1) * n, *x2 = rx + (nq > 2) * 2 * n,
                *x3 = rx + (nq > 3) * 3 * n;
    for (size_t j = 0; j < kmax; j++) {
        s[0] += (double)e0[j];
        s[1] += (double)e1[j];
        s[2] += (double)e2[j];
        s[3] += (double)e3[j];
        t[0] += e0[j] != 0.0f ? (double)e0[j] * (double)x0[j] : 0.0;
        t[1] += e1[j] != 0.0f ? (double)e1[j] * (double)x1[j] : 0.0;
        t[2] += e2[j] != 0.0f ? (double)e2[j] * (double)x2[j] : 0.0;
        t[3] += e3[j] != 0.0f ? (double)e3[j] * (double)x3[j] : 0.0;
    }
    for (size_t q = 0; q < nq; q++) {
        float *y = P + q * n;
        if (m[q] == -INFINITY) {  // every key masked: P = 0 (torch 1.13: NaN)
            memset(y, 0, n * sizeof *y);
            sums[q] = 0.0;
            continue;
        }
        const double r = 1.0 / s[q];
        scale_row(y, re + q * n, r, n);
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
    const gg_dims qd = dims2(Lq, D), ktd = dims2(D, Lk), pdd = dims2(Lq, Lk), vd = dims2(Lk, Dv);
    float maxl = -INFINITY;
    double ent = 0.0;
    size_t rows = 0;
    for (size_t b = 0; b < B; b++) {
        load_sample(s, &w, q, k, v, b);
        const float *pad = kpm ? kpm + b * Lk : NULL;
        for (size_t h = 0; h < H; h++) {
            float *P = aux + (b * H + h) * Lq * Lk;
            gg_ops_matmul_forward(P, w.qs + h * Lq * D, w.kt + h * D * Lk, &qd, &ktd);
            double tsum = 0.0;
            for (size_t i0 = 0; i0 < Lq; i0 += 4) {
                const size_t nq = Lq - i0 < 4 ? Lq - i0 : 4;
                float m[4];
                size_t keep[4];
                for (size_t r = 0; r < nq; r++) {
                    const size_t i = i0 + r;
                    float *row = P + i * Lk;
                    keep[r] = s->causal && i + 1 < Lk ? i + 1 : Lk;
                    m[r] = mask_row(row, pad, Lk, keep[r]);
                    maxl = m[r] > maxl || m[r] != m[r] ? m[r] : maxl;
                    if (amask)
                        m[r] = add_mask_row(row, amask + i * Lk, keep[r]);
                }
                softmax_rows(P + i0 * Lk, m, keep, nq, Lk, w.rx, w.re, w.ls + i0, &tsum);
            }
            // entropy: sum over live rows of log s - t/s (the logs eight at a time)
            size_t live = 0;
            for (size_t i = 0; i < Lq; i++)
                if (w.ls[i] > 0.0)
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
            gg_ops_matmul_forward(w.o + h * Lq * Dv, pd, w.vh + h * Lk * Dv, &pdd, &vd);
        }
        for (size_t i = 0; i < Lq; i++) {
            float *yrow = y + (b * Lq + i) * E;
            for (size_t h = 0; h < H; h++)
                memcpy(yrow + h * Dv, w.o + (h * Lq + i) * Dv, Dv * sizeof *yrow);
        }
    }
    if (stats) {
        stats->max_logit = maxl;
        stats->entropy = rows ? (float)(ent / (double)rows) : NAN;
    }
}

/* dst (n floats) = or += src * mul. */
static void put(float *dst, int acc, const float *src, size_t n, float mul)
{
    if (acc)
        for (size_t c = 0; c < n; c++)
            dst[c] += src[c] * mul;
    else
        for (size_t c = 0; c < n; c++)
            dst[c] = src[c] * mul;
}

void gg_attention_backward(const gg_attn_shape *s, size_t B, float *dq, int acc_q, float *dk,
                           int acc_k, float *dv, int acc_v, const float *dy, const float *aux,
                           int dropped, const float *q, const float *k, const float *v,
                           float *scratch)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv, E = H * Dv;
    blocks w = carve(s, scratch);
    const gg_dims qd = dims2(Lq, D), ktd = dims2(D, Lk), pdd = dims2(Lq, Lk), vd = dims2(Lk, Dv);
    const int need_s = dq || dk;
    for (size_t b = 0; b < B; b++) {
        load_sample(s, &w, q, k, v, b);
        for (size_t i = 0; i < Lq; i++) {
            const float *row = dy + (b * Lq + i) * E;
            for (size_t h = 0; h < H; h++)
                memcpy(w.o + (h * Lq + i) * Dv, row + h * Dv, Dv * sizeof *row);
        }
        for (size_t h = 0; h < H; h++) {
            const float *P = aux + (b * H + h) * Lq * Lk;
            const float *mask = dropped ? aux + B * H * Lq * Lk + (b * H + h) * Lq * Lk : NULL;
            const float *pd = P;
            if (mask) {
                for (size_t j = 0; j < Lq * Lk; j++)
                    w.pd[j] = P[j] * mask[j];
                pd = w.pd;
            }
            gg_ops_matmul_backward(need_s ? w.dpd : NULL, dv ? w.dvh + h * Lk * Dv : NULL,
                                   w.o + h * Lq * Dv, pd, w.vh + h * Lk * Dv, &pdd, &vd, 0, 0, w.mm);
            if (!need_s)
                continue;
            if (mask)
                for (size_t j = 0; j < Lq * Lk; j++)
                    w.dpd[j] *= mask[j];
            gg_softmax_backward(w.ds, 0, w.dpd, P, Lq, Lk, 1, 0);
            gg_ops_matmul_backward(dq ? w.dqs + h * Lq * D : NULL, dk ? w.dkt + h * D * Lk : NULL,
                                   w.ds, w.qs + h * Lq * D, w.kt + h * D * Lk, &qd, &ktd, 0, 0, w.mm);
        }
        if (dq)
            for (size_t i = 0; i < Lq; i++) {
                float *row = dq + (b * Lq + i) * s->q_stride;
                for (size_t h = 0; h < H; h++)
                    put(row + h * D, acc_q, w.dqs + (h * Lq + i) * D, D, s->scale);
            }
        if (dk)
            for (size_t j = 0; j < Lk; j++) {
                float *row = dk + (b * Lk + j) * s->k_stride;
                for (size_t h = 0; h < H; h++) {
                    const float *src = w.dkt + h * D * Lk + j;
                    if (acc_k)
                        for (size_t d = 0; d < D; d++)
                            row[h * D + d] += src[d * Lk];
                    else
                        for (size_t d = 0; d < D; d++)
                            row[h * D + d] = src[d * Lk];
                }
            }
        if (dv)
            for (size_t j = 0; j < Lk; j++) {
                float *row = dv + (b * Lk + j) * s->v_stride;
                for (size_t h = 0; h < H; h++)
                    put(row + h * Dv, acc_v, w.dvh + (h * Lk + j) * Dv, Dv, 1.0f);
            }
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
    char a[96], b2[96];
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
                          pre, E % c->heads ? E : Ev, E % c->heads ? "" : " (value)", c->heads);
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
