/* tests/test_attention.c — the attention kernel (core/attention.h) and GG_LAYER_ATTENTION.
 * Kernel: against a scalar twin that spells out attention.h's operation order (bit for
 * bit, forward, P, dropout mask and every gradient, acc 0 and 1), on many shapes (packed
 * and separate q/k/v, Lq != Lk, D != Dv, rows not a multiple of 4, causal, key padding,
 * additive masks with -inf, dropout); against a double-precision forward; gradients by
 * central finite differences of that double forward (L = sum(c * y)); the batch split;
 * masked keys and future keys cannot change an output; fully masked rows give zeros and
 * zero gradients; dropout draws are reproducible. Graph: the model adapters (packed and
 * separate inputs, aliasing q = k = v, masks as inputs) against the kernel, every ISA bit
 * for bit, the statistics, and the builder's and gg_model_attention_stats' errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "check.h"
#include "detmath.h"
#include "graph.h"
#include "isa.h"
#include "model.h"
#include "rng.h"

static float *randv(gg_rng *r, size_t n, double scale)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(scale * gg_rng_normal(r));
    return v;
}

static int same_bits(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int all_same(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!same_bits(a[i], b[i]))
            return 0;
    return 1;
}

static int all_finite(const float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

/* ---- a test case: sizes, options, and its tensors ---- */

typedef struct tcase {
    size_t B, Lq, Lk, H, D, Dv;
    int packed, causal, kpm, amask;
    double p;
    float scale;  /* 0: 1/sqrt(D) */
} tcase;

typedef struct tdata {
    gg_attn_shape s;
    float *x;                /* packed buffer (or NULL) */
    float *q, *k, *v;        /* separate buffers, or into x */
    float *kpm, *amask;
    size_t nq, nk, nv, nx;   /* floats of q, k, v, x */
} tdata;

static void data_make(tdata *t, const tcase *c, gg_rng *r)
{
    memset(t, 0, sizeof *t);
    gg_attn_shape s = {.Lq = c->Lq, .Lk = c->Lk, .H = c->H, .D = c->D, .Dv = c->Dv,
                       .causal = c->causal, .p = c->p};
    s.scale = c->scale > 0.0f ? c->scale : 1.0f / sqrtf((float)c->D);
    const size_t E = c->H * c->D, Ev = c->H * c->Dv;
    if (c->packed) {
        s.q_stride = s.k_stride = s.v_stride = 3 * E;
        t->nx = c->B * c->Lq * 3 * E;
        t->x = randv(r, t->nx, 1.0);
        t->q = t->x, t->k = t->x + E, t->v = t->x + 2 * E;
    } else {
        s.q_stride = s.k_stride = E;
        s.v_stride = Ev;
        t->nq = c->B * c->Lq * E;
        t->nk = c->B * c->Lk * E;
        t->nv = c->B * c->Lk * Ev;
        t->q = randv(r, t->nq, 1.0);
        t->k = randv(r, t->nk, 1.0);
        t->v = randv(r, t->nv, 1.0);
    }
    if (c->kpm) {
        t->kpm = malloc(c->B * c->Lk * sizeof *t->kpm);
        for (size_t b = 0; b < c->B; b++)
            for (size_t j = 0; j < c->Lk; j++)  // key 0 always kept: no fully masked row
                t->kpm[b * c->Lk + j] = j > 0 && gg_rng_uniform(r) < 0.3 ? 1.0f : 0.0f;
    }
    if (c->amask) {
        t->amask = randv(r, c->Lq * c->Lk, 0.5);
        for (size_t i = 0; i < c->Lq; i++)
            for (size_t j = 1; j < c->Lk; j++)
                if (gg_rng_uniform(r) < 0.15)
                    t->amask[i * c->Lk + j] = -INFINITY;
    }
    t->s = s;
}

static void data_free(tdata *t)
{
    if (t->x) {
        free(t->x);
    } else {
        free(t->q);
        free(t->k);
        free(t->v);
    }
    free(t->kpm);
    free(t->amask);
}

static int masked(const gg_attn_shape *s, const float *kpm, size_t b, size_t i, size_t j)
{
    return (kpm && kpm[b * s->Lk + j] != 0.0f) || (s->causal && j > i);
}

#define QAT(s, q, b, i, h, d) (q)[((b) * (s)->Lq + (i)) * (s)->q_stride + (h) * (s)->D + (d)]
#define KAT(s, k, b, j, h, d) (k)[((b) * (s)->Lk + (j)) * (s)->k_stride + (h) * (s)->D + (d)]
#define VAT(s, v, b, j, h, d) (v)[((b) * (s)->Lk + (j)) * (s)->v_stride + (h) * (s)->Dv + (d)]

/* ---- the twin: attention.h's operations one scalar at a time ---- */

/* Forward: y, P (B,H,Lq,Lk) and, with rng and p > 0, the mask (drawn in the same order). */
static void twin_forward(const gg_attn_shape *s, size_t B, float *y, float *P, float *mask,
                         const float *q, const float *k, const float *v, const float *kpm,
                         const float *am, gg_rng *rng)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv;
    const int drop = rng && s->p > 0.0;
    const float ks = drop ? 1.0f / (float)(1.0 - s->p) : 1.0f;
    float *S = malloc(Lk * sizeof *S), *pd = malloc(Lq * Lk * sizeof *pd);
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++) {
            float *Pb = P + (b * H + h) * Lq * Lk;
            for (size_t i = 0; i < Lq; i++) {
                for (size_t j = 0; j < Lk; j++) {
                    float acc = 0.0f;
                    for (size_t d = 0; d < D; d++)
                        acc = fmaf(QAT(s, q, b, i, h, d) * s->scale, KAT(s, k, b, j, h, d), acc);
                    S[j] = masked(s, kpm, b, i, j) ? -INFINITY : acc;
                    if (am)
                        S[j] += am[i * Lk + j];
                }
                float m = S[0];
                for (size_t j = 1; j < Lk; j++)
                    m = S[j] > m ? S[j] : m;
                double sum = 0.0;
                for (size_t j = 0; j < Lk; j++)
                    sum += (double)gg_expf(S[j] - m);
                for (size_t j = 0; j < Lk; j++)
                    Pb[i * Lk + j] = m == -INFINITY ? 0.0f
                                                    : (float)((double)gg_expf(S[j] - m) * (1.0 / sum));
            }
            for (size_t j = 0; j < Lq * Lk; j++) {
                pd[j] = Pb[j];
                if (drop) {
                    float mk = gg_rng_uniform(rng) < 1.0 - s->p ? ks : 0.0f;
                    mask[(b * H + h) * Lq * Lk + j] = mk;
                    pd[j] = Pb[j] * mk;
                }
            }
            for (size_t i = 0; i < Lq; i++)
                for (size_t d = 0; d < Dv; d++) {
                    float acc = 0.0f;
                    for (size_t j = 0; j < Lk; j++)
                        acc = fmaf(pd[i * Lk + j], VAT(s, v, b, j, h, d), acc);
                    y[(b * Lq + i) * H * Dv + h * Dv + d] = acc;
                }
        }
    free(S);
    free(pd);
}

/* Backward into dq, dk, dv (acc 0 or 1 for all three); mask NULL: no dropout. */
static void twin_backward(const gg_attn_shape *s, size_t B, float *dq, float *dk, float *dv,
                          int acc, const float *dy, const float *P, const float *mask,
                          const float *q, const float *k, const float *v)
{
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv;
    float *pd = malloc(Lq * Lk * sizeof *pd), *dp = malloc(Lq * Lk * sizeof *dp);
    float *ds = malloc(Lq * Lk * sizeof *ds);
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++) {
            const float *Pb = P + (b * H + h) * Lq * Lk;
            const float *mb = mask ? mask + (b * H + h) * Lq * Lk : NULL;
            for (size_t j = 0; j < Lq * Lk; j++)
                pd[j] = mb ? Pb[j] * mb[j] : Pb[j];
#define DY(i, d) dy[((b) * Lq + (i)) * H * Dv + h * Dv + (d)]
            for (size_t j = 0; j < Lk; j++)  // dV = Pd^T dO
                for (size_t d = 0; d < Dv; d++) {
                    float a = 0.0f;
                    for (size_t i = 0; i < Lq; i++)
                        a = fmaf(pd[i * Lk + j], DY(i, d), a);
                    float *o = &VAT(s, dv, b, j, h, d);
                    *o = acc ? *o + a : a;
                }
            for (size_t i = 0; i < Lq; i++) {  // dP, dS
                double t = 0.0;
                for (size_t j = 0; j < Lk; j++) {
                    float a = 0.0f;
                    for (size_t d = 0; d < Dv; d++)
                        a = fmaf(DY(i, d), VAT(s, v, b, j, h, d), a);
                    dp[i * Lk + j] = mb ? a * mb[i * Lk + j] : a;
                    t += (double)dp[i * Lk + j] * (double)Pb[i * Lk + j];
                }
                for (size_t j = 0; j < Lk; j++)
                    ds[i * Lk + j] = (dp[i * Lk + j] - (float)t) * Pb[i * Lk + j];
            }
#undef DY
            for (size_t i = 0; i < Lq; i++)
                for (size_t d = 0; d < D; d++) {
                    float a = 0.0f;
                    for (size_t j = 0; j < Lk; j++)
                        a = fmaf(ds[i * Lk + j], KAT(s, k, b, j, h, d), a);
                    float *o = &QAT(s, dq, b, i, h, d);
                    *o = acc ? *o + a * s->scale : a * s->scale;
                }
            for (size_t j = 0; j < Lk; j++)
                for (size_t d = 0; d < D; d++) {
                    float a = 0.0f;
                    for (size_t i = 0; i < Lq; i++)
                        a = fmaf(QAT(s, q, b, i, h, d) * s->scale, ds[i * Lk + j], a);
                    float *o = &KAT(s, dk, b, j, h, d);
                    *o = acc ? *o + a : a;
                }
        }
    free(pd);
    free(dp);
    free(ds);
}

/* ---- a double-precision forward (for the value check and the finite differences) ---- */

static void ref_forward(const gg_attn_shape *s, size_t B, double *y, const float *q,
                        const float *k, const float *v, const float *kpm, const float *am,
                        const float *mask, const double *dq_, const double *dk_,
                        const double *dv_)
{
    // dq_/dk_/dv_: optional double versions of q, k, v (perturbed), else the float ones
    const size_t Lq = s->Lq, Lk = s->Lk, H = s->H, D = s->D, Dv = s->Dv;
    double *S = malloc(Lk * sizeof *S);
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++)
            for (size_t i = 0; i < Lq; i++) {
                double m = -(double)INFINITY;
                for (size_t j = 0; j < Lk; j++) {
                    double a = 0.0;
                    for (size_t d = 0; d < D; d++) {
                        size_t qi = ((b * Lq + i) * s->q_stride + h * D + d);
                        size_t ki = ((b * Lk + j) * s->k_stride + h * D + d);
                        a += (dq_ ? dq_[qi] : (double)q[qi]) * (dk_ ? dk_[ki] : (double)k[ki]);
                    }
                    S[j] = masked(s, kpm, b, i, j) ? -(double)INFINITY : a * (double)s->scale;
                    if (am)
                        S[j] += (double)am[i * Lk + j];
                    m = S[j] > m ? S[j] : m;
                }
                double sum = 0.0;
                for (size_t j = 0; j < Lk; j++)
                    sum += m == -(double)INFINITY ? 0.0 : exp(S[j] - m);
                for (size_t d = 0; d < Dv; d++) {
                    double a = 0.0;
                    for (size_t j = 0; j < Lk; j++) {
                        if (m == -(double)INFINITY)
                            break;
                        double pj = exp(S[j] - m) / sum;
                        if (mask)
                            pj *= (double)mask[((b * H + h) * Lq + i) * Lk + j];
                        size_t vi = (b * Lk + j) * s->v_stride + h * Dv + d;
                        a += pj * (dv_ ? dv_[vi] : (double)v[vi]);
                    }
                    y[(b * Lq + i) * H * Dv + h * Dv + d] = a;
                }
            }
    free(S);
}

/* ---- kernel against twin, double, finite differences ---- */

static const tcase cases[] = {
    /* B Lq Lk H D Dv packed causal kpm amask p scale */
    {2, 5, 5, 2, 4, 4, 0, 0, 0, 0, 0.0, 0.0f},
    {3, 7, 7, 1, 8, 8, 1, 0, 0, 0, 0.0, 0.0f},
    {2, 6, 6, 3, 4, 4, 1, 1, 0, 0, 0.0, 0.0f},
    {2, 5, 9, 2, 3, 5, 0, 0, 1, 0, 0.0, 0.0f},
    {2, 9, 4, 2, 5, 3, 0, 0, 0, 1, 0.0, 0.3f},
    {3, 8, 8, 4, 4, 4, 1, 1, 1, 1, 0.0, 0.0f},
    {2, 4, 6, 2, 4, 2, 0, 1, 1, 0, 0.25, 0.0f},
    {2, 6, 6, 2, 8, 8, 1, 1, 0, 0, 0.5, 0.0f},
    {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0.0, 0.0f},
    {2, 13, 13, 2, 16, 16, 1, 1, 1, 0, 0.1, 0.0f},
    {2, 7, 4, 2, 4, 4, 0, 1, 0, 1, 0.0, 0.0f},
    {3, 5, 11, 3, 2, 7, 0, 1, 1, 1, 0.2, 0.0f},
};

static size_t yn(const tcase *c) { return c->B * c->Lq * c->H * c->Dv; }

static void test_twin(void)
{
    int fwd_ok = 1, p_ok = 1, mask_ok = 1, bwd_ok = 1, acc_ok = 1, dbl_ok = 1, split_ok = 1;
    double worst = 0.0;
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        const tcase *c = &cases[ci];
        gg_rng r;
        gg_rng_seed(&r, 100 + ci);
        tdata t;
        data_make(&t, c, &r);
        gg_err err;
        CHECK("test shape is valid", gg_attention_check(&t.s, &err) == GG_OK);
        const size_t naux = gg_attention_aux(&t.s, c->B), np = c->B * c->H * c->Lq * c->Lk;
        float *aux = calloc(naux, sizeof *aux), *scr = malloc(gg_attention_scratch(&t.s) * sizeof(float));
        float *y = malloc(yn(c) * sizeof *y), *yt = malloc(yn(c) * sizeof *yt);
        float *Pt = malloc(np * sizeof *Pt), *mt = calloc(np, sizeof *mt);
        gg_rng d1, d2;
        gg_rng_seed(&d1, 7);
        gg_rng_seed(&d2, 7);
        gg_attn_stats st;
        gg_attention_forward(&t.s, c->B, y, aux, t.q, t.k, t.v, t.kpm, t.amask, &d1, scr, &st);
        twin_forward(&t.s, c->B, yt, Pt, mt, t.q, t.k, t.v, t.kpm, t.amask, &d2);
        fwd_ok &= all_same(y, yt, yn(c));
        p_ok &= all_same(aux, Pt, np);
        if (c->p > 0.0)
            mask_ok &= all_same(aux + np, mt, np);
        // double reference
        double *yd = malloc(yn(c) * sizeof *yd);
        ref_forward(&t.s, c->B, yd, t.q, t.k, t.v, t.kpm, t.amask, c->p > 0.0 ? mt : NULL, NULL,
                    NULL, NULL);
        for (size_t j = 0; j < yn(c); j++) {
            double e = fabs((double)y[j] - yd[j]) / fmax(1.0, fabs(yd[j]));
            worst = e > worst ? e : worst;
        }
        dbl_ok &= worst < 2e-6;
        // backward: kernel vs twin, acc 0 then acc 1 onto the same values
        float *dy = randv(&r, yn(c), 1.0);
        const size_t nin = c->packed ? t.nx : t.nq + t.nk + t.nv;
        float *g = calloc(nin, sizeof *g), *gt = calloc(nin, sizeof *gt);
        float *gq, *gk, *gv, *tq, *tk, *tv;
        const size_t E = c->H * c->D;
        if (c->packed) {
            gq = g, gk = g + E, gv = g + 2 * E;
            tq = gt, tk = gt + E, tv = gt + 2 * E;
        } else {
            gq = g, gk = g + t.nq, gv = g + t.nq + t.nk;
            tq = gt, tk = gt + t.nq, tv = gt + t.nq + t.nk;
        }
        for (int acc = 0; acc < 2; acc++) {
            gg_attention_backward(&t.s, c->B, gq, acc, gk, acc, gv, acc, dy, aux, c->p > 0.0, t.q,
                                  t.k, t.v, scr);
            twin_backward(&t.s, c->B, tq, tk, tv, acc, dy, aux, c->p > 0.0 ? aux + np : NULL, t.q,
                          t.k, t.v);
            if (acc == 0)
                bwd_ok &= all_same(g, gt, nin);
            else
                acc_ok &= all_same(g, gt, nin);
        }
        // batch split: each sample alone gives the same bits (no dropout: draws differ)
        if (c->p == 0.0 && c->B > 1) {
            float *y1 = malloc(yn(c) * sizeof *y1);
            const size_t per_q = c->Lq * t.s.q_stride, per_k = c->Lk * t.s.k_stride,
                         per_v = c->Lk * t.s.v_stride, per_y = c->Lq * c->H * c->Dv;
            for (size_t b = 0; b < c->B; b++)
                gg_attention_forward(&t.s, 1, y1 + b * per_y, aux, t.q + b * per_q, t.k + b * per_k,
                                     t.v + b * per_v, t.kpm ? t.kpm + b * c->Lk : NULL, t.amask,
                                     NULL, scr, NULL);
            split_ok &= all_same(y1, y, yn(c));
            free(y1);
        }
        free(g);
        free(gt);
        free(dy);
        free(yd);
        free(aux);
        free(scr);
        free(y);
        free(yt);
        free(Pt);
        free(mt);
        data_free(&t);
    }
    CHECK("forward = twin, bit for bit (every case)", fwd_ok);
    CHECK("P = twin, bit for bit", p_ok);
    CHECK("dropout mask = twin's draws", mask_ok);
    CHECK("backward (acc 0) = twin, bit for bit", bwd_ok);
    CHECK("backward (acc 1) = twin, bit for bit", acc_ok);
    CHECK("batch split into single samples: same bits", split_ok);
    printf("  forward vs double: worst |d|/max(1,|y|) %.3g\n", worst);
    CHECK("forward = double reference within 2e-6", dbl_ok);
}

/* Central differences of L = sum(c * y) in double against the kernel's gradients. */
static void test_fd(void)
{
    double worst = 0.0;
    int checked = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        const tcase *c = &cases[ci];
        gg_rng r;
        gg_rng_seed(&r, 300 + ci);
        tdata t;
        data_make(&t, c, &r);
        const size_t naux = gg_attention_aux(&t.s, c->B), np = c->B * c->H * c->Lq * c->Lk;
        float *aux = calloc(naux, sizeof *aux), *scr = malloc(gg_attention_scratch(&t.s) * sizeof(float));
        float *y = malloc(yn(c) * sizeof *y);
        gg_rng dr;
        gg_rng_seed(&dr, 11);
        gg_attention_forward(&t.s, c->B, y, aux, t.q, t.k, t.v, t.kpm, t.amask, &dr, scr, NULL);
        float *cw = randv(&r, yn(c), 1.0);
        const size_t E = c->H * c->D;
        const size_t nin = c->packed ? t.nx : t.nq + t.nk + t.nv;
        float *g = calloc(nin, sizeof *g);
        float *gq = g, *gk = c->packed ? g + E : g + t.nq, *gv = c->packed ? g + 2 * E : g + t.nq + t.nk;
        gg_attention_backward(&t.s, c->B, gq, 0, gk, 0, gv, 0, cw, aux, c->p > 0.0, t.q, t.k, t.v,
                              scr);
        // the inputs in double; perturb one element of the underlying buffer at a time
        const float *base = c->packed ? t.x : NULL;
        double *xq, *xk, *xv;
        if (c->packed) {
            double *x = malloc(t.nx * sizeof *x);
            for (size_t j = 0; j < t.nx; j++)
                x[j] = base[j];
            xq = x, xk = x + E, xv = x + 2 * E;
        } else {
            xq = malloc(t.nq * sizeof *xq);
            xk = malloc(t.nk * sizeof *xk);
            xv = malloc(t.nv * sizeof *xv);
            for (size_t j = 0; j < t.nq; j++)
                xq[j] = t.q[j];
            for (size_t j = 0; j < t.nk; j++)
                xk[j] = t.k[j];
            for (size_t j = 0; j < t.nv; j++)
                xv[j] = t.v[j];
        }
        double *yd = malloc(yn(c) * sizeof *yd);
        const float *mask = c->p > 0.0 ? aux + np : NULL;
        double gmax = 0.0;
        for (size_t j = 0; j < nin; j++)
            gmax = fmax(gmax, fabs((double)g[j]));
        for (size_t j = 0; j < nin; j += (nin / 40 ? nin / 40 : 1)) {
            double *slot;
            if (c->packed)
                slot = xq + j;
            else
                slot = j < t.nq ? xq + j : j < t.nq + t.nk ? xk + (j - t.nq) : xv + (j - t.nq - t.nk);
            const double h = 1e-5, old = *slot;
            double L[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                *slot = old + (sgn ? -h : h);
                ref_forward(&t.s, c->B, yd, t.q, t.k, t.v, t.kpm, t.amask, mask, xq, xk, xv);
                double l = 0.0;
                for (size_t o = 0; o < yn(c); o++)
                    l += (double)cw[o] * yd[o];
                L[sgn] = l;
            }
            *slot = old;
            const double fd = (L[0] - L[1]) / (2 * h);
            const double e = fabs(fd - (double)g[j]) / fmax(fabs(fd), 1e-2 * fmax(gmax, 1e-3));
            worst = e > worst ? e : worst;
            checked++;
        }
        if (c->packed) {
            free(xq);
        } else {
            free(xq);
            free(xk);
            free(xv);
        }
        free(yd);
        free(g);
        free(cw);
        free(aux);
        free(scr);
        free(y);
        data_free(&t);
    }
    printf("  finite differences: %d gradients, worst rel err %.3g\n", checked, worst);
    CHECK("gradients = central differences of the double forward (rel 1e-4)", worst < 1e-4);
}

/* ---- masks ---- */

static void test_masks(void)
{
    const tcase c = {2, 6, 6, 2, 4, 4, 0, 1, 1, 0, 0.0, 0.0f};
    gg_rng r;
    gg_rng_seed(&r, 5);
    tdata t;
    data_make(&t, &c, &r);
    float *aux = calloc(gg_attention_aux(&t.s, c.B), sizeof *aux);
    float *scr = malloc(gg_attention_scratch(&t.s) * sizeof(float));
    float *y0 = malloc(yn(&c) * sizeof *y0), *y1 = malloc(yn(&c) * sizeof *y1);
    gg_attention_forward(&t.s, c.B, y0, aux, t.q, t.k, t.v, t.kpm, NULL, NULL, scr, NULL);
    // change every masked key and value: no output moves
    int any = 0;
    for (size_t b = 0; b < c.B; b++)
        for (size_t j = 0; j < c.Lk; j++)
            if (t.kpm[b * c.Lk + j] != 0.0f) {
                any = 1;
                for (size_t e = 0; e < c.H * c.D; e++) {
                    t.k[(b * c.Lk + j) * c.H * c.D + e] += 3.0f;
                    t.v[(b * c.Lk + j) * c.H * c.Dv + e] -= 5.0f;
                }
            }
    CHECK("the case masks some keys", any);
    gg_attention_forward(&t.s, c.B, y1, aux, t.q, t.k, t.v, t.kpm, NULL, NULL, scr, NULL);
    CHECK("masked keys and values do not change the output", all_same(y0, y1, yn(&c)));
    // causal: the last key changes only the last query's output
    for (size_t e = 0; e < c.H * c.D; e++)
        t.k[(0 * c.Lk + c.Lk - 1) * c.H * c.D + e] += 1.0f;
    t.kpm[c.Lk - 1] = 0.0f;  // make sure the last key of sample 0 is kept
    gg_attention_forward(&t.s, c.B, y0, aux, t.q, t.k, t.v, t.kpm, NULL, NULL, scr, NULL);
    for (size_t e = 0; e < c.H * c.D; e++)
        t.k[(0 * c.Lk + c.Lk - 1) * c.H * c.D + e] += 1.0f;
    gg_attention_forward(&t.s, c.B, y1, aux, t.q, t.k, t.v, t.kpm, NULL, NULL, scr, NULL);
    const size_t row = c.H * c.Dv;
    CHECK("causal: a later key does not change earlier outputs", all_same(y0, y1, (c.Lq - 1) * row));
    CHECK("causal: it changes its own position's output", !all_same(y0 + (c.Lq - 1) * row, y1 + (c.Lq - 1) * row, row));
    // -inf in attn_mask is the same as a key padding mask (torch turns the bool mask into it)
    float *am = calloc(c.Lq * c.Lk, sizeof *am);
    float *kp1 = calloc(c.Lk, sizeof *kp1);
    for (size_t i = 0; i < c.Lq; i++)
        am[i * c.Lk + 2] = -INFINITY;
    kp1[2] = 1.0f;
    gg_attn_shape s1 = t.s;
    s1.causal = 0;
    gg_attention_forward(&s1, 1, y0, aux, t.q, t.k, t.v, kp1, NULL, NULL, scr, NULL);
    gg_attention_forward(&s1, 1, y1, aux, t.q, t.k, t.v, NULL, am, NULL, scr, NULL);
    CHECK("attn_mask -inf = key padding mask", all_same(y0, y1, row * c.Lq));
    // a fully masked row: zeros, zero gradients, and no NaN anywhere
    for (size_t j = 0; j < c.Lk; j++)
        kp1[j] = 1.0f;
    gg_attention_forward(&s1, 1, y0, aux, t.q, t.k, t.v, kp1, NULL, NULL, scr, NULL);
    int zero = 1;
    for (size_t j = 0; j < row * c.Lq; j++)
        zero &= y0[j] == 0.0f;
    CHECK("every key masked: the output is 0 (torch 1.13: NaN)", zero);
    float *dy = randv(&r, row * c.Lq, 1.0);
    float *dq = malloc(t.nq * sizeof *dq), *dk = malloc(t.nk * sizeof *dk), *dv = malloc(t.nv * sizeof *dv);
    gg_attention_backward(&s1, 1, dq, 0, dk, 0, dv, 0, dy, aux, 0, t.q, t.k, t.v, scr);
    int gz = 1;
    for (size_t j = 0; j < c.Lq * c.H * c.D; j++)
        gz &= dq[j] == 0.0f && dk[j] == 0.0f && dv[j] == 0.0f;
    CHECK("every key masked: zero gradients", gz);
    gg_attn_stats st;
    gg_attention_forward(&s1, 1, y0, aux, t.q, t.k, t.v, kp1, NULL, NULL, scr, &st);
    CHECK("every key masked: max logit -inf", st.max_logit == -INFINITY);
    CHECK("every key masked: entropy NaN (no row)", isnan(st.entropy));
    // causal with a padded first key: row 0 is fully masked, the others are not
    kp1[0] = 1.0f;
    for (size_t j = 1; j < c.Lk; j++)
        kp1[j] = 0.0f;
    s1.causal = 1;
    gg_attention_forward(&s1, 1, y0, aux, t.q, t.k, t.v, kp1, NULL, NULL, scr, &st);
    CHECK("causal + padded key 0: finite output", all_finite(y0, row * c.Lq));
    CHECK("causal + padded key 0: entropy finite", isfinite(st.entropy));
    // a NaN logit is not a mask: its row's output is NaN (also with every other key masked)
    for (size_t j = 0; j < c.Lk; j++)
        kp1[j] = j == 0 ? 0.0f : 1.0f;
    s1.causal = 0;
    const float q0 = t.q[0];
    t.q[0] = NAN;
    gg_attention_forward(&s1, 1, y0, aux, t.q, t.k, t.v, kp1, NULL, NULL, scr, &st);
    int nan_row = 1;
    for (size_t j = 0; j < c.Dv; j++)
        nan_row &= isnan(y0[j]);
    CHECK("a NaN query: its output is NaN, not the masked-row zeros", nan_row);
    CHECK("a NaN query: entropy NaN", isnan(st.entropy));
    t.q[0] = q0;
    free(dy);
    free(dq);
    free(dk);
    free(dv);
    free(am);
    free(kp1);
    free(aux);
    free(scr);
    free(y0);
    free(y1);
    data_free(&t);
}

/* ---- statistics ---- */

static void test_stats(void)
{
    const tcase c = {2, 5, 7, 2, 4, 3, 0, 0, 1, 1, 0.0, 0.0f};
    gg_rng r;
    gg_rng_seed(&r, 9);
    tdata t;
    data_make(&t, &c, &r);
    float *aux = calloc(gg_attention_aux(&t.s, c.B), sizeof *aux);
    float *scr = malloc(gg_attention_scratch(&t.s) * sizeof(float));
    float *y = malloc(yn(&c) * sizeof *y);
    gg_attn_stats st;
    gg_attention_forward(&t.s, c.B, y, aux, t.q, t.k, t.v, t.kpm, t.amask, NULL, scr, &st);
    // max logit over kept entries (before the additive mask), entropy in double from P
    float mx = -INFINITY;
    double ent = 0.0;
    size_t rows = 0;
    for (size_t b = 0; b < c.B; b++)
        for (size_t h = 0; h < c.H; h++)
            for (size_t i = 0; i < c.Lq; i++) {
                double hrow = 0.0;
                int live = 0;
                for (size_t j = 0; j < c.Lk; j++) {
                    if (!masked(&t.s, t.kpm, b, i, j)) {
                        float a = 0.0f;
                        for (size_t d = 0; d < c.D; d++)
                            a = fmaf(QAT(&t.s, t.q, b, i, h, d) * t.s.scale, KAT(&t.s, t.k, b, j, h, d), a);
                        mx = a > mx ? a : mx;
                    }
                    double p = aux[((b * c.H + h) * c.Lq + i) * c.Lk + j];
                    if (p > 0.0)
                        hrow -= p * log(p), live = 1;
                }
                if (live)
                    ent += hrow, rows++;
            }
    CHECK("max logit = the largest kept scaled logit", same_bits(st.max_logit, mx));
    CHECK_REL("entropy = mean over rows of -sum P log P", st.entropy, ent / (double)rows, 1e-5);
    // uniform attention (all logits equal): entropy log(Lk)
    float *qz = calloc(t.nq, sizeof *qz);
    gg_attention_forward(&t.s, c.B, y, aux, qz, t.k, t.v, NULL, NULL, NULL, scr, &st);
    CHECK_REL("uniform attention: entropy log Lk", st.entropy, log((double)c.Lk), 1e-6);
    CHECK("uniform attention: max logit 0", st.max_logit == 0.0f);
    free(qz);
    free(aux);
    free(scr);
    free(y);
    data_free(&t);
}

/* ---- dropout ---- */

static void test_dropout(void)
{
    const tcase c = {4, 8, 8, 2, 4, 4, 1, 0, 0, 0, 0.3, 0.0f};
    gg_rng r;
    gg_rng_seed(&r, 21);
    tdata t;
    data_make(&t, &c, &r);
    const size_t naux = gg_attention_aux(&t.s, c.B), np = c.B * c.H * c.Lq * c.Lk;
    CHECK_EQ("aux holds P and the mask", naux, 2 * np);
    float *a1 = calloc(naux, sizeof *a1), *a2 = calloc(naux, sizeof *a2);
    float *scr = malloc(gg_attention_scratch(&t.s) * sizeof(float));
    float *y1 = malloc(yn(&c) * sizeof *y1), *y2 = malloc(yn(&c) * sizeof *y2), *y3 = malloc(yn(&c) * sizeof *y3);
    gg_rng d1, d2, d3;
    gg_rng_seed(&d1, 99);
    gg_rng_seed(&d2, 99);
    gg_rng_seed(&d3, 100);
    gg_attention_forward(&t.s, c.B, y1, a1, t.q, t.k, t.v, NULL, NULL, &d1, scr, NULL);
    gg_attention_forward(&t.s, c.B, y2, a2, t.q, t.k, t.v, NULL, NULL, &d2, scr, NULL);
    CHECK("same dropout seed: same output bits", all_same(y1, y2, yn(&c)));
    CHECK("same dropout seed: same mask", all_same(a1 + np, a2 + np, np));
    gg_attention_forward(&t.s, c.B, y3, a2, t.q, t.k, t.v, NULL, NULL, &d3, scr, NULL);
    CHECK("another seed: another output", !all_same(y1, y3, yn(&c)));
    size_t kept = 0;
    int values = 1;
    const float ks = 1.0f / (float)(1.0 - c.p);
    for (size_t j = 0; j < np; j++) {
        kept += a1[np + j] != 0.0f;
        values &= a1[np + j] == 0.0f || a1[np + j] == ks;
    }
    CHECK("mask values are 0 or 1/(1-p)", values);
    printf("  dropout: kept %zu of %zu (p = %.2f)\n", kept, np, c.p);
    CHECK("kept fraction near 1 - p", fabs((double)kept / (double)np - (1.0 - c.p)) < 0.06);
    // without a generator (evaluation): no dropout, the P of the same logits
    float *y4 = malloc(yn(&c) * sizeof *y4);
    gg_attention_forward(&t.s, c.B, y4, a2, t.q, t.k, t.v, NULL, NULL, NULL, scr, NULL);
    CHECK("no generator: P unchanged by dropout", all_same(a1, a2, np));
    CHECK("no generator: another output than with dropout", !all_same(y1, y4, yn(&c)));
    free(y4);
    free(a1);
    free(a2);
    free(scr);
    free(y1);
    free(y2);
    free(y3);
    data_free(&t);
}

/* ---- the graph node ---- */

static gg_shape shp(int n, size_t a, size_t b, size_t c)
{
    gg_shape s = {.ndim = n};
    s.dim[0] = a, s.dim[1] = b, s.dim[2] = c;
    return s;
}

/* A graph x (B, L, 3E) -> attention(packed) [-> with mask input] ; returns the model. */
static gg_model *packed_model(size_t L, size_t E, size_t H, int causal, int kpm, int *att_layer)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x, mk = -1, a;
    gg_shape s = shp(2, L, 3 * E, 0);
    gg_graph_input(g, &s, 1, &x, &err);
    if (kpm) {
        gg_shape ms = shp(1, L, 0, 0);
        gg_graph_input(g, &ms, 0, &mk, &err);
    }
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_ATTENTION);
    c.heads = H;
    c.causal = causal;
    c.attn_packed = 1;
    c.attn_masks = kpm ? GG_ATTN_KEY_PADDING : 0;
    int in[2] = {x, mk};
    if (gg_graph_layer(g, &c, in, kpm ? 2 : 1, &a, &err)) {
        printf("  build failed: %s\n", err.msg);
        exit(2);
    }
    gg_model *m;
    if (gg_model_compile(&m, g, a, &err)) {
        printf("  compile failed: %s\n", err.msg);
        exit(2);
    }
    *att_layer = 0;
    return m;
}

static void test_graph(void)
{
    const size_t B = 3, L = 6, E = 8, H = 2;
    gg_err err;
    int layer;
    gg_model *m = packed_model(L, E, H, 1, 1, &layer);
    gg_rng r;
    gg_rng_seed(&r, 42);
    float max0, ent0;
    CHECK("stats before any forward: an error", gg_model_attention_stats(m, 0, &max0, &ent0, &err) == GG_EINVAL);
    CHECK_CONTAINS("stats before forward message", err.msg, "no forward pass");
    CHECK("reserve", gg_model_reserve(m, B, &err) == GG_OK);
    float *x = randv(&r, B * L * 3 * E, 1.0);
    float *mk = calloc(B * L, sizeof *mk);
    mk[1 * L + 4] = mk[2 * L + 0] = 1.0f;
    memcpy(gg_model_input_at(m, 0, B), x, B * L * 3 * E * sizeof *x);
    memcpy(gg_model_input_at(m, 1, B), mk, B * L * sizeof *mk);
    const float *y = gg_model_run(m, B);
    // the kernel directly
    gg_attn_shape s = {.Lq = L, .Lk = L, .H = H, .D = E / H, .Dv = E / H, .q_stride = 3 * E,
                       .k_stride = 3 * E, .v_stride = 3 * E, .causal = 1, .p = 0.0,
                       .scale = 1.0f / sqrtf((float)(E / H))};
    float *aux = calloc(gg_attention_aux(&s, B), sizeof *aux);
    float *scr = malloc(gg_attention_scratch(&s) * sizeof(float));
    float *yk = malloc(B * L * E * sizeof *yk);
    gg_attn_stats st;
    gg_attention_forward(&s, B, yk, aux, x, x + E, x + 2 * E, mk, NULL, NULL, scr, &st);
    CHECK("model forward = kernel, bit for bit", all_same(y, yk, B * L * E));
    CHECK("stats after forward", gg_model_attention_stats(m, 0, &max0, &ent0, &err) == GG_OK);
    CHECK("model stats = kernel stats", same_bits(max0, st.max_logit) && same_bits(ent0, st.entropy));
    float *dy = randv(&r, B * L * E, 1.0);
    gg_model_backward(m, dy);
    float *dx = calloc(B * L * 3 * E, sizeof *dx);
    gg_attention_backward(&s, B, dx, 0, dx + E, 0, dx + 2 * E, 0, dy, aux, 0, x, x + E, x + 2 * E, scr);
    CHECK("model input gradient = kernel, bit for bit", all_same(gg_model_input_grad(m, 0), dx, B * L * 3 * E));
    // every ISA gives the same bits (the kernels are clones of one order)
    int isa_ok = 1, isas = 0;
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa))
            continue;
        isas++;
        gg_model_set_isa(m, (gg_isa)isa, &err);
        const float *yi = gg_model_run(m, B);
        isa_ok &= all_same(yi, yk, B * L * E);
        gg_model_backward(m, dy);
        isa_ok &= all_same(gg_model_input_grad(m, 0), dx, B * L * 3 * E);
    }
    printf("  graph: %d instruction sets compared\n", isas);
    CHECK("every ISA: same forward and gradient bits", isa_ok && isas >= 1);
    CHECK("stats of a non-attention layer: error", gg_model_attention_stats(m, 5, &max0, &ent0, &err) == GG_EINVAL);
    CHECK_CONTAINS("stats message", err.msg, "not an attention layer");
    gg_model_free(m);
    free(aux);
    free(scr);
    free(yk);
    free(dy);
    free(dx);
    free(x);
    free(mk);
}

/* Self-attention on one tensor as q, k and v (three input slots on one node): the
 * gradients of the three slots add up in the one buffer. */
static void test_alias(void)
{
    const size_t B = 2, L = 5, E = 6, H = 3;
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x, a;
    gg_shape s = shp(2, L, E, 0);
    gg_graph_input(g, &s, 1, &x, &err);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_ATTENTION);
    c.heads = H;
    int in[3] = {x, x, x};
    CHECK("build self-attention on one tensor", gg_graph_layer(g, &c, in, 3, &a, &err) == GG_OK);
    gg_model *m;
    CHECK("compile", gg_model_compile(&m, g, a, &err) == GG_OK);
    gg_model_reserve(m, B, &err);
    gg_rng r;
    gg_rng_seed(&r, 3);
    float *xv = randv(&r, B * L * E, 1.0), *dy = randv(&r, B * L * E, 1.0);
    memcpy(gg_model_input_at(m, 0, B), xv, B * L * E * sizeof *xv);
    gg_model_run(m, B);
    gg_model_backward(m, dy);
    gg_attn_shape as = {.Lq = L, .Lk = L, .H = H, .D = E / H, .Dv = E / H, .q_stride = E,
                        .k_stride = E, .v_stride = E, .p = 0.0,
                        .scale = 1.0f / sqrtf((float)(E / H))};
    float *aux = calloc(gg_attention_aux(&as, B), sizeof *aux);
    float *scr = malloc(gg_attention_scratch(&as) * sizeof(float));
    float *y = malloc(B * L * E * sizeof *y);
    gg_attention_forward(&as, B, y, aux, xv, xv, xv, NULL, NULL, NULL, scr, NULL);
    float *gq = malloc(B * L * E * sizeof *gq), *gk = malloc(B * L * E * sizeof *gk), *gv = malloc(B * L * E * sizeof *gv);
    gg_attention_backward(&as, B, gq, 0, gk, 0, gv, 0, dy, aux, 0, xv, xv, xv, scr);
    int ok = 1;
    const float *got = gg_model_input_grad(m, 0);
    for (size_t j = 0; j < B * L * E; j++)
        ok &= same_bits(got[j], (gq[j] + gk[j]) + gv[j]);
    CHECK("q = k = v: the gradient is (dq + dk) + dv", ok);
    gg_model_free(m);
    free(xv);
    free(dy);
    free(aux);
    free(scr);
    free(y);
    free(gq);
    free(gk);
    free(gv);
}

/* A transformer's feed-forward block on (B, L, E): Linear -> ReLU -> Linear, the second
 * Linear reading the first's output transposed (the hand-off model.c plans for any batched
 * Linear pair); every ISA gives the generic path's bits, forward and backward. */
static void test_ff_sequence(void)
{
    const size_t B = 3, L = 5, E = 8, F = 12;
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x, h, r, o;
    gg_shape s = shp(2, L, E, 0);
    gg_graph_input(g, &s, 1, &x, &err);
    gg_layer_cfg c1 = gg_layer_defaults_of(GG_LAYER_LINEAR), c2 = c1, cr = gg_layer_defaults_of(GG_LAYER_ACT);
    c1.in = E, c1.out = F, c2.in = F, c2.out = E;
    gg_graph_layer(g, &c1, &x, 1, &h, &err);
    gg_graph_layer(g, &cr, &h, 1, &r, &err);
    CHECK("build the FF block", gg_graph_layer(g, &c2, &r, 1, &o, &err) == GG_OK);
    gg_model *m;
    CHECK("compile", gg_model_compile(&m, g, o, &err) == GG_OK);
    gg_rng rng;
    gg_rng_seed(&rng, 8);
    gg_model_init_default(m, &rng);
    gg_model_reserve(m, B, &err);
    float *xv = randv(&rng, B * L * E, 1.0), *dy = randv(&rng, B * L * E, 1.0);
    float *y0 = malloc(B * L * E * sizeof *y0), *g0 = malloc(gg_model_nparams(m) * sizeof *g0);
    float *dx0 = malloc(B * L * E * sizeof *dx0);
    int ok = 1, n = 0;
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa))
            continue;
        gg_model_set_isa(m, (gg_isa)isa, &err);
        memcpy(gg_model_input_at(m, 0, B), xv, B * L * E * sizeof *xv);
        const float *y = gg_model_run(m, B);
        gg_model_zero_grad(m);
        gg_model_backward(m, dy);
        if (n++ == 0) {
            memcpy(y0, y, B * L * E * sizeof *y0);
            memcpy(g0, gg_model_grads(m), gg_model_nparams(m) * sizeof *g0);
            memcpy(dx0, gg_model_input_grad(m, 0), B * L * E * sizeof *dx0);
        } else {
            ok &= all_same(y, y0, B * L * E) && all_same(gg_model_grads(m), g0, gg_model_nparams(m)) &&
                  all_same(gg_model_input_grad(m, 0), dx0, B * L * E);
        }
    }
    CHECK("FF block on (B, L, E): every ISA gives the same bits", ok && n >= 1);
    gg_model_free(m);
    free(xv);
    free(dy);
    free(y0);
    free(g0);
    free(dx0);
}

/* The builder's checks: each error names the layer and the bad parameter. */
static void test_errors(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int q, k, v, v2, mk, mkb, am, amb, p, a;
    gg_shape sq = shp(2, 5, 8, 0), sk = shp(2, 7, 8, 0), sv = shp(2, 6, 8, 0), sm = shp(1, 7, 0, 0);
    gg_graph_input(g, &sq, 0, &q, &err);
    gg_graph_input(g, &sk, 0, &k, &err);
    gg_graph_input(g, &sk, 0, &v, &err);
    gg_graph_input(g, &sv, 0, &v2, &err);
    gg_graph_input(g, &sm, 0, &mk, &err);
    gg_shape bad_m = shp(1, 6, 0, 0);
    gg_graph_input(g, &bad_m, 0, &mkb, &err);
    gg_shape as = shp(2, 5, 7, 0), asb = shp(2, 7, 5, 0);
    float *z = calloc(35, sizeof *z);
    gg_graph_const(g, &as, z, &am, &err);
    gg_graph_const(g, &asb, z, &amb, &err);
    gg_graph_param(g, &as, NULL, 1, &p, &err);
    free(z);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_ATTENTION);
    CHECK("defaults: no dropout, 1 head, default scale", c.p == 0.0 && c.heads == 1 && isnan(c.scalar));
    c.heads = 3;
    int in[5] = {q, k, v, mk, am};
    CHECK("E not divisible by heads", gg_graph_layer(g, &c, in, 3, &a, &err) == GG_EINVAL);
    CHECK_CONTAINS("heads message", err.msg, "embed_dim 8 must be divisible by num_heads 3");
    CHECK_CONTAINS("heads message names the layer", err.msg, "attention");
    c.heads = 2;
    int in2[3] = {q, k, v2};
    CHECK("key and value lengths differ", gg_graph_layer(g, &c, in2, 3, &a, &err) == GG_ESHAPE);
    CHECK_CONTAINS("length message", err.msg, "differ in length");
    int in3[3] = {q, q, q};
    gg_shape sq6 = shp(2, 5, 6, 0);
    int q6;
    gg_graph_input(g, &sq6, 0, &q6, &err);
    in3[1] = q6;
    CHECK("query and key widths differ", gg_graph_layer(g, &c, in3, 3, &a, &err) == GG_ESHAPE);
    CHECK_CONTAINS("width message", err.msg, "differ in their last dim");
    c.attn_masks = GG_ATTN_KEY_PADDING;
    int in4[4] = {q, k, v, mkb};
    CHECK("key padding mask of the wrong length", gg_graph_layer(g, &c, in4, 4, &a, &err) == GG_ESHAPE);
    CHECK_CONTAINS("mask message", err.msg, "key_padding_mask must be (B, 7), got (B, 6)");
    CHECK("mask flags without the input", gg_graph_layer(g, &c, in, 3, &a, &err) == GG_EINVAL);
    CHECK_CONTAINS("input count message", err.msg, "takes 4 inputs (q, k, v, key_padding_mask), got 3");
    c.attn_masks = GG_ATTN_MASK;
    int in5[4] = {q, k, v, amb};
    CHECK("attn_mask of the wrong shape", gg_graph_layer(g, &c, in5, 4, &a, &err) == GG_ESHAPE);
    CHECK_CONTAINS("attn_mask message", err.msg, "attn_mask must be (5, 7)");
    in5[3] = p;
    CHECK("attn_mask requiring grad", gg_graph_layer(g, &c, in5, 4, &a, &err) == GG_EINVAL);
    CHECK_CONTAINS("attn_mask grad message", err.msg, "must not require a gradient");
    c.attn_masks = GG_ATTN_KEY_PADDING | GG_ATTN_MASK;
    CHECK("both masks build", gg_graph_layer(g, &c, in, 5, &a, &err) == GG_OK);
    gg_shape out = gg_graph_shape(g, a);
    CHECK("output shape (B, Lq, Ev)", out.ndim == 3 && out.dim[1] == 5 && out.dim[2] == 8);
    c.attn_masks = 0;
    c.p = 1.0;
    CHECK("dropout 1 rejected", gg_graph_layer(g, &c, in, 3, &a, &err) == GG_EINVAL);
    CHECK_CONTAINS("dropout message", err.msg, "dropout must be in [0, 1), got 1");
    c.p = 0.0;
    c.scalar = -1.0;
    CHECK("negative scale rejected", gg_graph_layer(g, &c, in, 3, &a, &err) == GG_EINVAL);
    CHECK_CONTAINS("scale message", err.msg, "scale must be finite and > 0");
    c.scalar = (double)NAN;
    c.attn_packed = 1;
    CHECK("packed width not a multiple of 3", gg_graph_layer(g, &c, in, 1, &a, &err) == GG_ESHAPE);
    CHECK_CONTAINS("packed message", err.msg, "packed qkv width 8 is not 3 * embed_dim");
    c.attn_packed = 0;
    gg_shape s2 = shp(1, 8, 0, 0);
    int flat;
    gg_graph_input(g, &s2, 0, &flat, &err);
    int in6[3] = {flat, flat, flat};
    CHECK("a 2-d query rejected", gg_graph_layer(g, &c, in6, 3, &a, &err) == GG_ESHAPE);
    CHECK_CONTAINS("rank message", err.msg, "expects a batched query (B, L, E), got (B, 8)");
    c.heads = 0;
    CHECK("0 heads rejected", gg_graph_layer(g, &c, in, 3, &a, &err) == GG_EINVAL);
    CHECK_CONTAINS("0 heads message", err.msg, "num_heads must be >= 1");
    gg_graph_free(g);
    gg_attn_shape bad = {.Lq = 1, .Lk = 1, .H = 2, .D = 4, .Dv = 4, .q_stride = 4, .k_stride = 8,
                         .v_stride = 8, .scale = 1.0f};
    CHECK("kernel check: strides narrower than the heads", gg_attention_check(&bad, &err) == GG_EINVAL);
    CHECK_CONTAINS("stride message", err.msg, "narrower than the heads");
}

int main(void)
{
    test_twin();
    test_fd();
    test_masks();
    test_stats();
    test_dropout();
    test_graph();
    test_alias();
    test_ff_sequence();
    test_errors();
    return CHECK_DONE();
}
