/* core/norm.c — BatchNorm, LayerNorm, GroupNorm, Softmax/LogSoftmax (see norm.h).
 * Formulas follow PyTorch 1.13's CPU kernels (aten/src/ATen/native/cpu/
 * batch_norm_kernel.cpp, layer_norm_kernel.cpp, group_norm_kernel.cpp, SoftMaxKernel.cpp;
 * native/Normalization.cpp for the running statistics). Reductions are in double, in
 * the fixed lanes or chains of norm.h, and the element-wise loops are GG_KERNEL plain C
 * over a contiguous index, so every clone gives the same bits. */
#include "norm.h"

#include <math.h>
#include <string.h>

#include "detmath.h"
#include "simd.h"

/* ---- validation ---- */

gg_status gg_batchnorm_check(size_t B, size_t S, int training, double eps, double momentum,
                             gg_err *err)
{
    if (!(eps > 0.0) || !isfinite(eps))
        return gg_err_set(err, GG_EINVAL, "batchnorm eps must be > 0, got %g", eps);
    if (!(momentum >= 0.0 && momentum <= 1.0))
        return gg_err_set(err, GG_EINVAL, "batchnorm momentum must be in [0, 1], got %g",
                          momentum);
    if (training && B * S <= 1)
        return gg_err_set(err, GG_EINVAL,
                          "batchnorm needs more than 1 value per channel in training, got %zu",
                          B * S);
    return GG_OK;
}

gg_status gg_layernorm_check(double eps, gg_err *err)
{
    if (!(eps > 0.0) || !isfinite(eps))
        return gg_err_set(err, GG_EINVAL, "layernorm eps must be > 0, got %g", eps);
    return GG_OK;
}

gg_status gg_groupnorm_check(size_t C, size_t G, double eps, gg_err *err)
{
    if (G == 0)
        return gg_err_set(err, GG_EINVAL, "num_groups must be >= 1, got 0");
    if (C % G != 0)
        return gg_err_set(err, GG_EINVAL,
                          "num_channels must be divisible by num_groups, got %zu channels and "
                          "%zu groups", C, G);
    if (!(eps > 0.0) || !isfinite(eps))
        return gg_err_set(err, GG_EINVAL, "groupnorm eps must be > 0, got %g", eps);
    return GG_OK;
}

/* A helper inlined into each GG_KERNEL clone that calls it (the row loops below run in
 * one clone call; the clone wrappers keep the helpers' own entry points). */
#define AI static inline __attribute__((always_inline))

/* ---- element-wise helpers (vectorised over the index, nothing summed) ---- */

/* min(n, cap): the size of a block starting n elements before the end. */
static size_t at_most(size_t n, size_t cap)
{
    return n < cap ? n : cap;
}

/* y[i] = x[i]*a + b (BatchNorm's and GroupNorm's affine map). y may equal x. */
GG_KERNEL
static void axpb(float *y, const float *x, float a, float b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * a + b;
}

/* ---- BatchNorm ---- */

/* S = 1: every channel's sums are one sequential chain over b (norm.h); up to BN_COLS
 * channels run side by side, vectorised over the channel index (x[b, c0..] is a contiguous
 * row), one accumulator per channel on the stack: each result is as it is alone.
 * S > 1: one channel at a time, its sums in BN_LANES lanes (norm.h), the lanes a vector
 * of doubles (two AVX-512 registers per sum, four AVX2 or eight SSE2 ones: enough
 * independent additions to hide their latency). */
enum { BN_COLS = 64, BN_LANES = 16 };

/* Channel-block size at c0. */
static size_t bn_block(size_t c0, size_t C, size_t S)
{
    return S == 1 ? at_most(C - c0, BN_COLS) : 1;
}

GG_KERNEL
static void sum_row(double *restrict s, const float *restrict x, size_t w)
{
    for (size_t j = 0; j < w; j++)
        s[j] += (double)x[j];
}

GG_KERNEL
static void sqdev_row(double *restrict v, const float *restrict x, const float *restrict m,
                      size_t w)
{
    for (size_t j = 0; j < w; j++) {
        float d = x[j] - m[j];
        v[j] += (double)(d * d);
    }
}

GG_KERNEL
static void bwd_row(double *restrict s, double *restrict dp, const float *restrict dy,
                    const float *restrict x, const float *restrict m, size_t w)
{
    for (size_t j = 0; j < w; j++) {
        s[j] += (double)dy[j];
        dp[j] += (double)((x[j] - m[j]) * dy[j]);
    }
}

/* The lanes combined by halving: a[j] += a[j + h] for h = 8, 4, 2, 1 (norm.h). */
static double lanes_total(double a[BN_LANES])
{
    for (size_t h = BN_LANES / 2; h >= 1; h /= 2)
        for (size_t j = 0; j < h; j++)
            a[j] += a[j + h];
    return a[0];
}

/* The last r < BN_LANES values of a plane, p[0..r), copied into t[0..r), zeros after
 * (the lane loops then read BN_LANES values and add -0.0, the exact identity, in the
 * lanes past r). */
static void lanes_tail(float t[BN_LANES], const float *p, size_t r)
{
    memset(t, 0, BN_LANES * sizeof *t);
    memcpy(t, p, r * sizeof *t);
}

/* Sum of one channel's B planes of S values, consecutive planes stride apart, in the
 * lanes of norm.h. */
AI double chan_sum_in(const float *x, size_t B, size_t S, size_t stride)
{
    double a[BN_LANES] = {0.0};
    const size_t r = S % BN_LANES, full = S - r;
    for (size_t b = 0; b < B; b++) {
        const float *p = x + b * stride;
        for (size_t i = 0; i < full; i += BN_LANES)
            for (size_t j = 0; j < BN_LANES; j++)
                a[j] += (double)p[i + j];
        if (r) {
            float t[BN_LANES];
            lanes_tail(t, p + full, r);
            for (size_t j = 0; j < BN_LANES; j++)
                a[j] += j < r ? (double)t[j] : -0.0;
        }
    }
    return lanes_total(a);
}

GG_KERNEL
static double chan_sum(const float *x, size_t B, size_t S, size_t stride)
{
    return chan_sum_in(x, B, S, stride);
}

/* Sum of the float squares (x - m)^2 over one channel, in double, in its lanes. */
GG_KERNEL
static double chan_sqdev(const float *x, float m, size_t B, size_t S, size_t stride)
{
    double a[BN_LANES] = {0.0};
    const size_t r = S % BN_LANES, full = S - r;
    for (size_t b = 0; b < B; b++) {
        const float *p = x + b * stride;
        for (size_t i = 0; i < full; i += BN_LANES)
            for (size_t j = 0; j < BN_LANES; j++) {
                float d = p[i + j] - m;
                a[j] += (double)(d * d);
            }
        if (r) {
            float t[BN_LANES];
            lanes_tail(t, p + full, r);
            for (size_t j = 0; j < BN_LANES; j++) {
                float d = t[j] - m;
                a[j] += j < r ? (double)(d * d) : -0.0;
            }
        }
    }
    return lanes_total(a);
}

/* The backward's sums over one channel, in its lanes: *sum = sum dy and
 * *dotp = sum (x - m)*dy (the product in float, as torch), in double. */
GG_KERNEL
static void chan_bwd(double *sum, double *dotp, const float *dy, const float *x, float m,
                     size_t B, size_t S, size_t stride)
{
    double a[BN_LANES] = {0.0}, d[BN_LANES] = {0.0};
    const size_t r = S % BN_LANES, full = S - r;
    for (size_t b = 0; b < B; b++) {
        const float *p = x + b * stride, *g = dy + b * stride;
        for (size_t i = 0; i < full; i += BN_LANES)
            for (size_t j = 0; j < BN_LANES; j++) {
                a[j] += (double)g[i + j];
                d[j] += (double)((p[i + j] - m) * g[i + j]);
            }
        if (r) {
            float tp[BN_LANES], tg[BN_LANES];
            lanes_tail(tp, p + full, r);
            lanes_tail(tg, g + full, r);
            for (size_t j = 0; j < BN_LANES; j++) {
                a[j] += j < r ? (double)tg[j] : -0.0;
                d[j] += j < r ? (double)((tp[j] - m) * tg[j]) : -0.0;
            }
        }
    }
    *sum = lanes_total(a);
    *dotp = lanes_total(d);
}

/* s[q] = sum of x over channel c0+q, q < nc (see bn_block). */
static void block_sum(double *s, const float *x, size_t c0, size_t nc, size_t B, size_t C,
                      size_t S)
{
    const size_t cs = C * S;
    const float *xc = x + c0 * S;
    if (S == 1) {
        memset(s, 0, nc * sizeof *s);
        for (size_t b = 0; b < B; b++)
            sum_row(s, xc + b * cs, nc);
    } else {
        s[0] = chan_sum(xc, B, S, cs);
    }
}

/* v[q] = sum of the float squares (x - m[q])^2 over channel c0+q, in double. */
static void block_sqdev(double *v, const float *x, const float *m, size_t c0, size_t nc,
                        size_t B, size_t C, size_t S)
{
    const size_t cs = C * S;
    const float *xc = x + c0 * S;
    if (S == 1) {
        memset(v, 0, nc * sizeof *v);
        for (size_t b = 0; b < B; b++)
            sqdev_row(v, xc + b * cs, m, nc);
    } else {
        v[0] = chan_sqdev(xc, m[0], B, S, cs);
    }
}

/* The backward's sums over channel c0+q: sum[q] = sum dy, dotp[q] = sum (x - m[q])*dy
 * (the product in float, as torch), in double. */
static void block_bwd(double *sum, double *dotp, const float *dy, const float *x,
                      const float *m, size_t c0, size_t nc, size_t B, size_t C, size_t S)
{
    const size_t cs = C * S;
    const float *xc = x + c0 * S, *gc = dy + c0 * S;
    if (S == 1) {
        memset(sum, 0, nc * sizeof *sum);
        memset(dotp, 0, nc * sizeof *dotp);
        for (size_t b = 0; b < B; b++)
            bwd_row(sum, dotp, gc + b * cs, xc + b * cs, m, nc);
    } else {
        chan_bwd(sum, dotp, gc, xc, m[0], B, S, cs);
    }
}

/* y = x*a + b with a, b per channel along a row (S = 1). */
GG_KERNEL
static void axpb_row(float *y, const float *x, const float *restrict a, const float *restrict b,
                     size_t w)
{
    for (size_t j = 0; j < w; j++)
        y[j] = x[j] * a[j] + b[j];
}

void gg_batchnorm_forward(float *y, float *save_mean, float *save_invstd, float *running_mean,
                          float *running_var, const float *x, const float *gamma,
                          const float *beta, size_t B, size_t C, size_t S, int training,
                          double eps, double momentum)
{
    const size_t cs = C * S, n = B * S;
    const int batch_stats = training || running_mean == NULL;
    double s[BN_COLS], v[BN_COLS];
    float mean[BN_COLS], invstd[BN_COLS], alpha[BN_COLS], shift[BN_COLS];
    for (size_t c0 = 0, nc; c0 < C; c0 += nc) {
        nc = bn_block(c0, C, S);
        if (batch_stats) {
            // torch: batch_norm_cpu_collect_stats_contiguous_impl, then
            // batch_norm_cpu_update_stats_template (var_sum is a float tensor).
            block_sum(s, x, c0, nc, B, C, S);
            for (size_t q = 0; q < nc; q++)
                mean[q] = (float)(s[q] / (double)n);
            block_sqdev(v, x, mean, c0, nc, B, C, S);
            for (size_t q = 0; q < nc; q++) {
                const size_t c = c0 + q;
                float var_sum = (float)v[q];
                invstd[q] = (float)(1.0 / sqrt((double)var_sum / (double)n + eps));
                if (training && running_mean && n > 1) {
                    running_mean[c] = (float)(momentum * (double)mean[q] +
                                              (1.0 - momentum) * (double)running_mean[c]);
                    double unbiased = (double)var_sum / (double)(n - 1);
                    running_var[c] = (float)(momentum * unbiased +
                                             (1.0 - momentum) * (double)running_var[c]);
                }
            }
        } else {
            for (size_t q = 0; q < nc; q++) {
                mean[q] = running_mean[c0 + q];
                invstd[q] = 1.0f / sqrtf(running_var[c0 + q] + (float)eps);
            }
        }
        for (size_t q = 0; q < nc; q++) {
            const size_t c = c0 + q;
            if (save_mean)
                save_mean[c] = mean[q];
            if (save_invstd)
                save_invstd[c] = invstd[q];
            // batch_norm_cpu_collect_linear_and_constant_terms
            alpha[q] = gamma ? invstd[q] * gamma[c] : invstd[q];
            shift[q] = (beta ? beta[c] : 0.0f) - mean[q] * alpha[q];
        }
        if (S == 1)
            for (size_t b = 0; b < B; b++)
                axpb_row(y + b * cs + c0, x + b * cs + c0, alpha, shift, nc);
        else
            for (size_t q = 0; q < nc; q++)
                for (size_t b = 0; b < B; b++)
                    axpb(y + b * cs + (c0 + q) * S, x + b * cs + (c0 + q) * S, alpha[q],
                         shift[q], S);
    }
}

/* Training-mode dx = (dy - gm - (x - mean)*k) * invstd * w (torch's scalar math), with
 * the coefficients per channel along a row (S = 1) or constant over a plane. The
 * coefficient arrays are restrict (read only, never dx); dx may equal dy. */
GG_KERNEL
static void bn_dx_train_row(float *dx, int acc, const float *dy, const float *x,
                            const float *restrict mean, const float *restrict k,
                            const float *restrict gm, const float *restrict invstd,
                            const float *restrict w, size_t n)
{
    if (acc)
        for (size_t j = 0; j < n; j++) {
            float d = (x[j] - mean[j]) * k[j];
            dx[j] += (dy[j] - gm[j] - d) * invstd[j] * w[j];
        }
    else
        for (size_t j = 0; j < n; j++) {
            float d = (x[j] - mean[j]) * k[j];
            dx[j] = (dy[j] - gm[j] - d) * invstd[j] * w[j];
        }
}

GG_KERNEL
static void bn_dx_train(float *dx, int acc, const float *dy, const float *x, float mean,
                        float k, float gm, float invstd, float w, size_t n)
{
    if (acc)
        for (size_t i = 0; i < n; i++) {
            float d = (x[i] - mean) * k;
            dx[i] += (dy[i] - gm - d) * invstd * w;
        }
    else
        for (size_t i = 0; i < n; i++) {
            float d = (x[i] - mean) * k;
            dx[i] = (dy[i] - gm - d) * invstd * w;
        }
}

/* Evaluation-mode dx = dy * invstd * w. */
GG_KERNEL
static void bn_dx_eval_row(float *dx, int acc, const float *dy, const float *restrict invstd,
                           const float *restrict w, size_t n)
{
    if (acc)
        for (size_t j = 0; j < n; j++)
            dx[j] += dy[j] * invstd[j] * w[j];
    else
        for (size_t j = 0; j < n; j++)
            dx[j] = dy[j] * invstd[j] * w[j];
}

GG_KERNEL
static void bn_dx_eval(float *dx, int acc, const float *dy, float invstd, float w, size_t n)
{
    if (acc)
        for (size_t i = 0; i < n; i++)
            dx[i] += dy[i] * invstd * w;
    else
        for (size_t i = 0; i < n; i++)
            dx[i] = dy[i] * invstd * w;
}

void gg_batchnorm_backward(float *dx, int acc, float *dgamma, float *dbeta, const float *dy,
                           const float *x, const float *save_mean, const float *save_invstd,
                           const float *gamma, size_t B, size_t C, size_t S, int batch_stats)
{
    const size_t cs = C * S, n = B * S;
    const int need_sums = dgamma || dbeta || (dx && batch_stats);
    if (!need_sums && !dx)
        return;
    double sum[BN_COLS], dotp[BN_COLS];
    float k[BN_COLS], gm[BN_COLS], w[BN_COLS];
    for (size_t c0 = 0, nc; c0 < C; c0 += nc) {
        nc = bn_block(c0, C, S);
        if (need_sums)
            block_bwd(sum, dotp, dy, x, save_mean + c0, c0, nc, B, C, S);
        for (size_t q = 0; q < nc; q++) {
            const size_t c = c0 + q;
            const float invstd = save_invstd[c];
            w[q] = gamma ? gamma[c] : 1.0f;
            if (dx && batch_stats) {
                k[q] = (float)dotp[q] * invstd * invstd / (float)n;
                gm[q] = (float)(sum[q] / (double)n);
            }
            if (dgamma)
                dgamma[c] += (float)(dotp[q] * (double)invstd);
            if (dbeta)
                dbeta[c] += (float)sum[q];
        }
        if (!dx)
            continue;
        const float *mean = save_mean + c0, *invstd = save_invstd + c0;
        if (S == 1) {
            for (size_t b = 0; b < B; b++) {
                const size_t off = b * cs + c0;
                if (batch_stats)
                    bn_dx_train_row(dx + off, acc, dy + off, x + off, mean, k, gm, invstd, w,
                                    nc);
                else
                    bn_dx_eval_row(dx + off, acc, dy + off, invstd, w, nc);
            }
            continue;
        }
        for (size_t q = 0; q < nc; q++)
            for (size_t b = 0; b < B; b++) {
                const size_t off = b * cs + (c0 + q) * S;
                if (batch_stats)
                    bn_dx_train(dx + off, acc, dy + off, x + off, mean[q], k[q], gm[q],
                                invstd[q], w[q], S);
                else
                    bn_dx_eval(dx + off, acc, dy + off, invstd[q], w[q], S);
            }
    }
}

/* ---- four independent sums at a time (softmax) ----
 * Each sum is one sequential chain in double over its vector, in index order. A chain of
 * dependent additions runs at one addition per latency (~4 cycles), so these helpers run
 * four chains side by side over four vectors; each result is the same as alone. A block
 * of fewer than four vectors repeats one (the copies cost no extra time: the chains
 * overlap). */

/* s[q] = sum of v[q][0..n). */
static void sum4(double s[4], const float *const v[4], size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (size_t i = 0; i < n; i++) {
        s0 += (double)v[0][i];
        s1 += (double)v[1][i];
        s2 += (double)v[2][i];
        s3 += (double)v[3][i];
    }
    s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
}

/* s[q] = sum of (double)a[q][i] * (double)b[q][i] (exact products). */
static void dot4(double s[4], const float *const a[4], const float *const b[4], size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (size_t i = 0; i < n; i++) {
        s0 += (double)a[0][i] * (double)b[0][i];
        s1 += (double)a[1][i] * (double)b[1][i];
        s2 += (double)a[2][i] * (double)b[2][i];
        s3 += (double)a[3][i] * (double)b[3][i];
    }
    s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
}

/* Pointers to the nq <= 4 vectors base, base + stride, ..., the last one repeated. */
static void block4(const float *v[4], const float *base, size_t stride, size_t nq)
{
    for (size_t q = 0; q < 4; q++)
        v[q] = base + (q < nq ? q : nq - 1) * stride;
}

/* ---- sums over a contiguous vector in BatchNorm's lanes (LayerNorm, GroupNorm) ----
 * Value i of the vector goes to lane i mod BN_LANES, the lanes combined by halving
 * (norm.h): chan_sum with one plane, and the two below. */

/* Sum of ((double)x[i] - m)^2 over x[0..n), in lanes. */
AI double vec_sqdev_in(const float *x, double m, size_t n)
{
    double a[BN_LANES] = {0.0};
    const size_t r = n % BN_LANES, full = n - r;
    for (size_t i = 0; i < full; i += BN_LANES)
        for (size_t j = 0; j < BN_LANES; j++) {
            double d = (double)x[i + j] - m;
            a[j] += d * d;
        }
    if (r) {
        float t[BN_LANES];
        lanes_tail(t, x + full, r);
        for (size_t j = 0; j < BN_LANES; j++) {
            double d = (double)t[j] - m;
            a[j] += j < r ? d * d : -0.0;
        }
    }
    return lanes_total(a);
}

GG_KERNEL
static double vec_sqdev(const float *x, double m, size_t n)
{
    return vec_sqdev_in(x, m, n);
}

/* With t = (double)dy[i] * g[i] (g NULL: 1; exact): *sb = sum t and
 * *sd = sum t * ((double)x[i] - m), over i < n, in lanes. */
AI void vec_bwd_in(double *sb, double *sd, const float *dy, const float *x, const float *g,
                   double m, size_t n)
{
    double a[BN_LANES] = {0.0}, d[BN_LANES] = {0.0};
    const size_t r = n % BN_LANES, full = n - r;
    if (g)
        for (size_t i = 0; i < full; i += BN_LANES)
            for (size_t j = 0; j < BN_LANES; j++) {
                const double t = (double)dy[i + j] * (double)g[i + j];
                a[j] += t;
                d[j] += t * ((double)x[i + j] - m);
            }
    else
        for (size_t i = 0; i < full; i += BN_LANES)
            for (size_t j = 0; j < BN_LANES; j++) {
                const double t = (double)dy[i + j];
                a[j] += t;
                d[j] += t * ((double)x[i + j] - m);
            }
    if (r) {
        float tdy[BN_LANES], tx[BN_LANES], tg[BN_LANES];
        lanes_tail(tdy, dy + full, r);
        lanes_tail(tx, x + full, r);
        if (g)
            lanes_tail(tg, g + full, r);
        for (size_t j = 0; j < BN_LANES; j++) {
            const double t = (double)tdy[j] * (g ? (double)tg[j] : 1.0);
            a[j] += j < r ? t : -0.0;
            d[j] += j < r ? t * ((double)tx[j] - m) : -0.0;
        }
    }
    *sb = lanes_total(a);
    *sd = lanes_total(d);
}

GG_KERNEL
static void vec_bwd(double *sb, double *sd, const float *dy, const float *x, const float *g,
                    double m, size_t n)
{
    vec_bwd_in(sb, sd, dy, x, g, m, n);
}

/* Mean (float) and rstd = 1/sqrtf(var + eps) (float) of x[0..n): mean_d = sum/n,
 * var = (float)(sum (x - mean_d)^2 / n), mean = (float)mean_d. */
static void moments(float *mean, float *rstd, const float *x, size_t n, float eps)
{
    const double m = chan_sum(x, 1, n, 0) / (double)n;
    const double ss = vec_sqdev(x, m, n);
    *mean = (float)m;
    *rstd = 1.0f / sqrtf((float)(ss / (double)n) + eps);
}

/* moments with the sums inlined (LayerNorm's row loop, one clone for all rows). */
AI void moments_in(float *mean, float *rstd, const float *x, size_t n, float eps)
{
    const double m = chan_sum_in(x, 1, n, 0) / (double)n;
    const double ss = vec_sqdev_in(x, m, n);
    *mean = (float)m;
    *rstd = 1.0f / sqrtf((float)(ss / (double)n) + eps);
}

/* ---- LayerNorm ---- */

/* y = (x*scale + bias)*g + b with g, b per column (torch's LayerNormKernelImplInternal). */
AI void ln_apply(float *y, const float *x, float scale, float bias, const float *g,
                 const float *b, size_t n)
{
    if (g && b)
        for (size_t j = 0; j < n; j++)
            y[j] = (x[j] * scale + bias) * g[j] + b[j];
    else if (!g && !b)
        for (size_t j = 0; j < n; j++)
            y[j] = (x[j] * scale + bias) * 1.0f + 0.0f;  // torch's defaults: -0 becomes +0
    else
        for (size_t j = 0; j < n; j++)
            y[j] = (x[j] * scale + bias) * (g ? g[j] : 1.0f) + (b ? b[j] : 0.0f);
}

/* Rows per block of LayerNorm's row loops: each pass over a block (the means, then the
 * variances, then y) has short independent per-row chains that overlap. */
enum { LN_ROWS = 32 };

/* The rows of gg_layernorm_forward, one clone call for all of them: moments' operations,
 * a block of rows at a time. */
GG_KERNEL
static void ln_forward_rows(float *y, float *save_mean, float *save_rstd, const float *x,
                            const float *gamma, const float *beta, size_t R, size_t D, double eps)
{
    double md[LN_ROWS];
    float mean[LN_ROWS], rstd[LN_ROWS];
    for (size_t r0 = 0; r0 < R; r0 += LN_ROWS) {
        const size_t nr = at_most(R - r0, LN_ROWS);
        for (size_t q = 0; q < nr; q++)
            md[q] = chan_sum_in(x + (r0 + q) * D, 1, D, 0) / (double)D;
        for (size_t q = 0; q < nr; q++) {
            const double ss = vec_sqdev_in(x + (r0 + q) * D, md[q], D);
            mean[q] = (float)md[q];
            rstd[q] = 1.0f / sqrtf((float)(ss / (double)D) + (float)eps);
        }
        for (size_t q = 0; q < nr; q++) {
            const size_t r = r0 + q;
            ln_apply(y + r * D, x + r * D, rstd[q], -rstd[q] * mean[q], gamma, beta, D);
            if (save_mean)
                save_mean[r] = mean[q];
            if (save_rstd)
                save_rstd[r] = rstd[q];
        }
    }
}

void gg_layernorm_forward(float *y, float *save_mean, float *save_rstd, const float *x,
                          const float *gamma, const float *beta, size_t R, size_t D, double eps)
{
    ln_forward_rows(y, save_mean, save_rstd, x, gamma, beta, R, D, eps);
}

/* dx = a*dy*g + b*x + c (g NULL: 1), torch's operation order. */
AI void ln_dx(float *dx, int acc, const float *dy, const float *x, const float *g, float a,
              float b, float c, size_t n)
{
    if (g && acc)
        for (size_t j = 0; j < n; j++)
            dx[j] += a * dy[j] * g[j] + b * x[j] + c;
    else if (g)
        for (size_t j = 0; j < n; j++)
            dx[j] = a * dy[j] * g[j] + b * x[j] + c;
    else if (acc)
        for (size_t j = 0; j < n; j++)
            dx[j] += a * dy[j] + b * x[j] + c;
    else
        for (size_t j = 0; j < n; j++)
            dx[j] = a * dy[j] + b * x[j] + c;
}

/* Columns per block of the parameter-gradient pass: its double accumulators live on the
 * stack (2 KB). */
enum { LN_COLS = 128 };

/* sg[j] += dy[j]*xhat[j], sb[j] += dy[j] in double, xhat = x*a + bb (float, as the
 * forward normalised it). */
AI void ln_param_row(double *restrict sg, double *restrict sb, const float *restrict dy,
                     const float *restrict x, float a, float bb, size_t n)
{
    if (sg)
        for (size_t j = 0; j < n; j++)
            sg[j] += (double)dy[j] * (double)(x[j] * a + bb);
    if (sb)
        for (size_t j = 0; j < n; j++)
            sb[j] += (double)dy[j];
}

/* gg_layernorm_backward's parameter gradients, then its dx, each one clone call for all
 * rows. */
GG_KERNEL
static void ln_param_rows(float *dgamma, float *dbeta, const float *dy, const float *x,
                          const float *save_mean, const float *save_rstd, size_t R, size_t D)
{
    double sg[LN_COLS], sb[LN_COLS];
    for (size_t j0 = 0; j0 < D; j0 += LN_COLS) {
        const size_t w = at_most(D - j0, LN_COLS);
        memset(sg, 0, sizeof sg);
        memset(sb, 0, sizeof sb);
        for (size_t r = 0; r < R; r++) {
            const float a = save_rstd[r];
            ln_param_row(dgamma ? sg : NULL, dbeta ? sb : NULL, dy + r * D + j0,
                         x + r * D + j0, a, -a * save_mean[r], w);
        }
        for (size_t j = 0; j < w; j++) {
            if (dgamma)
                dgamma[j0 + j] += (float)sg[j];
            if (dbeta)
                dbeta[j0 + j] += (float)sb[j];
        }
    }
}

GG_KERNEL
static void ln_dx_rows(float *dx, int acc, const float *dy, const float *x,
                       const float *save_mean, const float *save_rstd, const float *gamma,
                       size_t R, size_t D)
{
    float bs[LN_ROWS], cs[LN_ROWS];
    for (size_t r0 = 0; r0 < R; r0 += LN_ROWS) {
        const size_t nr = at_most(R - r0, LN_ROWS);
        for (size_t q = 0; q < nr; q++) {
            const size_t r = r0 + q;
            const double m = (double)save_mean[r], a = (double)save_rstd[r];
            double db, dc;
            vec_bwd_in(&db, &dc, dy + r * D, x + r * D, gamma, m, D);
            // torch: b = (db*mean - ds)*a^3/D with ds - db*mean = dc; c = -b*mean - db*a/D.
            const double b = -dc * a * a * a / (double)D;
            const double c = -b * m - db * a / (double)D;
            bs[q] = (float)b;
            cs[q] = (float)c;
        }
        for (size_t q = 0; q < nr; q++) {
            const size_t r = r0 + q;
            ln_dx(dx + r * D, acc, dy + r * D, x + r * D, gamma, save_rstd[r], bs[q], cs[q], D);
        }
    }
}

void gg_layernorm_backward(float *dx, int acc, float *dgamma, float *dbeta, const float *dy,
                           const float *x, const float *save_mean, const float *save_rstd,
                           const float *gamma, size_t R, size_t D)
{
    // Parameter gradients first, so that dx may then overwrite dy.
    if (dgamma || dbeta)
        ln_param_rows(dgamma, dbeta, dy, x, save_mean, save_rstd, R, D);
    if (dx)
        ln_dx_rows(dx, acc, dy, x, save_mean, save_rstd, gamma, R, D);
}

/* ---- GroupNorm ---- */

/* y = (x - mean)*rstd (torch's path without affine parameters). */
GG_KERNEL
static void gn_center(float *y, const float *x, float mean, float rstd, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = (x[i] - mean) * rstd;
}

void gg_groupnorm_forward(float *y, float *save_mean, float *save_rstd, const float *x,
                          const float *gamma, const float *beta, size_t B, size_t C, size_t S,
                          size_t G, double eps)
{
    const size_t D = C / G, n = D * S, BG = B * G;
    for (size_t bg = 0; bg < BG; bg++) {
        const float *xg = x + bg * n;
        float *yg = y + bg * n;
        float mean, rstd;
        moments(&mean, &rstd, xg, n, (float)eps);
        if (!gamma && !beta) {
            gn_center(yg, xg, mean, rstd, n);
        } else {
            const size_t c0 = (bg % G) * D;
            for (size_t k = 0; k < D; k++) {
                const float scale = rstd * (gamma ? gamma[c0 + k] : 1.0f);
                const float bias = -scale * mean + (beta ? beta[c0 + k] : 0.0f);
                axpb(yg + k * S, xg + k * S, scale, bias, S);  // torch: scale*x + bias
            }
        }
        if (save_mean)
            save_mean[bg] = mean;
        if (save_rstd)
            save_rstd[bg] = rstd;
    }
}

/* dx = c1*dy + c2*x + c3 over one plane (torch's operation order). */
GG_KERNEL
static void gn_dx(float *dx, int acc, const float *dy, const float *x, float c1, float c2,
                  float c3, size_t n)
{
    if (acc)
        for (size_t i = 0; i < n; i++)
            dx[i] += c1 * dy[i] + c2 * x[i] + c3;
    else
        for (size_t i = 0; i < n; i++)
            dx[i] = c1 * dy[i] + c2 * x[i] + c3;
}

void gg_groupnorm_backward(float *dx, int acc, float *dgamma, float *dbeta, const float *dy,
                           const float *x, const float *save_mean, const float *save_rstd,
                           const float *gamma, size_t B, size_t C, size_t S, size_t G)
{
    const size_t D = C / G, n = D * S;
    // Parameter gradients first, so that dx may then overwrite dy: per channel, its planes
    // (b = 0..B-1) give P_db and P_dot, summed over b in order.
    for (size_t c = 0; (dgamma || dbeta) && c < C; c++) {
        const size_t g = c / D;
        double sg = 0.0, sb = 0.0;
        for (size_t b = 0; b < B; b++) {
            const size_t off = (b * C + c) * S;
            double pdb, pdot;
            vec_bwd(&pdb, &pdot, dy + off, x + off, NULL, (double)save_mean[b * G + g], S);
            sg += pdot * (double)save_rstd[b * G + g];
            sb += pdb;
        }
        if (dgamma)
            dgamma[c] += (float)sg;
        if (dbeta)
            dbeta[c] += (float)sb;
    }
    if (!dx)
        return;
    for (size_t bg = 0; bg < B * G; bg++) {
        const size_t c0 = (bg % G) * D, off = bg * n;
        const double mean = (double)save_mean[bg], r = (double)save_rstd[bg];
        double sdb = 0.0, sdot = 0.0;
        for (size_t k = 0; k < D; k++) {  // the group's planes in order
            double pdb, pdot;
            vec_bwd(&pdb, &pdot, dy + off + k * S, x + off + k * S, NULL, mean, S);
            const double g = gamma ? (double)gamma[c0 + k] : 1.0;
            sdb += g * pdb;
            sdot += g * pdot;
        }
        // torch: c2 = (db*mean - ds)*rstd^3/n with ds - db*mean = sdot.
        const double c2 = -sdot * r * r * r / (double)n;
        const double c3 = -c2 * mean - sdb * r / (double)n;
        for (size_t k = 0; k < D; k++) {
            const float c1 = save_rstd[bg] * (gamma ? gamma[c0 + k] : 1.0f);
            gn_dx(dx + off + k * S, acc, dy + off + k * S, x + off + k * S, c1, (float)c2,
                  (float)c3, S);
        }
    }
}

/* ---- Softmax and LogSoftmax ---- */

/* Inner positions per block: a block's maxima and sums live on the stack (4 KB). */
enum { SM_BLOCK = 256 };

/* The max of x[0..n) (n >= 1), NaN if any is NaN (torch's vec::maximum propagates it).
 * Eight running maxima, then combined: a max is exact, so the order changes nothing but
 * the sign of a zero maximum, and x - (+0) and x - (-0) give the same softmax. */
GG_KERNEL
static float row_max(const float *x, size_t n)
{
    float m8[8];
    for (size_t j = 0; j < 8; j++)
        m8[j] = x[0];
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            m8[j] = (x[i + j] > m8[j] || x[i + j] != x[i + j]) ? x[i + j] : m8[j];
    float m = m8[0];
    for (size_t j = 1; j < 8; j++)
        m = (m8[j] > m || m8[j] != m8[j]) ? m8[j] : m;
    for (; i < n; i++)
        m = (x[i] > m || x[i] != x[i]) ? x[i] : m;
    return m;
}

/* m[i] = max(m[i], x[i]), NaN propagating. */
GG_KERNEL
static void max_into(float *m, const float *x, size_t w)
{
    for (size_t i = 0; i < w; i++)
        m[i] = (x[i] > m[i] || x[i] != x[i]) ? x[i] : m[i];
}

/* y = x - m elementwise. */
GG_KERNEL
static void sub_into(float *y, const float *x, const float *m, size_t w)
{
    for (size_t i = 0; i < w; i++)
        y[i] = x[i] - m[i];
}

/* y = x - m with one m. */
GG_KERNEL
static void sub_scalar(float *y, const float *x, float m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] - m;
}

GG_KERNEL
static void add_into(double *s, const float *e, size_t w)
{
    for (size_t i = 0; i < w; i++)
        s[i] += (double)e[i];
}

/* y = (float)(e * r) in place, r = 1/s in double. */
GG_KERNEL
static void scale_into(float *y, const double *r, size_t w)
{
    for (size_t i = 0; i < w; i++)
        y[i] = (float)((double)y[i] * r[i]);
}

GG_KERNEL
static void scale_scalar(float *y, double r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = (float)((double)y[i] * r);
}

/* y = (x - m) - l. */
GG_KERNEL
static void logsm_into(float *y, const float *x, const float *m, const float *l, size_t w)
{
    for (size_t i = 0; i < w; i++)
        y[i] = (x[i] - m[i]) - l[i];
}

GG_KERNEL
static void logsm_scalar(float *y, const float *x, float m, float l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = (x[i] - m) - l;
}

/* One block: the w positions i0..i0+w-1 of one outer index; x and y point at (o, 0, i0),
 * consecutive dim entries inner apart. */
static void softmax_block(float *y, const float *x, size_t n, size_t inner, size_t w, int log)
{
    float m[SM_BLOCK];
    double s[SM_BLOCK];
    memcpy(m, x, w * sizeof *m);
    for (size_t k = 1; k < n; k++)
        max_into(m, x + k * inner, w);
    memset(s, 0, sizeof s);
    for (size_t k = 0; k < n; k++) {
        float *yk = y + k * inner;
        sub_into(yk, x + k * inner, m, w);
        gg_expf_n(yk, yk, w);
        add_into(s, yk, w);
    }
    if (log) {
        float l[SM_BLOCK];
        for (size_t i = 0; i < w; i++)
            l[i] = (float)gg_log(s[i]);
        for (size_t k = 0; k < n; k++)
            logsm_into(y + k * inner, x + k * inner, m, l, w);
    } else {
        for (size_t i = 0; i < w; i++)
            s[i] = 1.0 / s[i];
        for (size_t k = 0; k < n; k++)
            scale_into(y + k * inner, s, w);
    }
}

/* nq <= 4 contiguous rows of n (inner = 1): the same operations along each row, the four
 * sums side by side. */
static void softmax_rows(float *y, const float *x, size_t nq, size_t n, int log)
{
    float m[4];
    for (size_t q = 0; q < nq; q++) {
        m[q] = row_max(x + q * n, n);
        sub_scalar(y + q * n, x + q * n, m[q], n);
        gg_expf_n(y + q * n, y + q * n, n);
    }
    const float *v[4];
    double s[4];
    block4(v, y, n, nq);
    sum4(s, v, n);
    for (size_t q = 0; q < nq; q++) {
        if (log)
            logsm_scalar(y + q * n, x + q * n, m[q], (float)gg_log(s[q]), n);
        else
            scale_scalar(y + q * n, 1.0 / s[q], n);
    }
}

void gg_softmax_forward(float *y, const float *x, size_t outer, size_t n, size_t inner, int log)
{
    if (inner == 1) {
        for (size_t o = 0; o < outer; o += 4)
            softmax_rows(y + o * n, x + o * n, at_most(outer - o, 4), n, log);
        return;
    }
    for (size_t o = 0; o < outer; o++) {
        const float *xo = x + o * n * inner;
        float *yo = y + o * n * inner;
        for (size_t i0 = 0; i0 < inner; i0 += SM_BLOCK) {
            const size_t w = at_most(inner - i0, SM_BLOCK);
            softmax_block(yo + i0, xo + i0, n, inner, w, log);
        }
    }
}

/* s[i] += dy*y (exact products) for softmax, s[i] += dy for log_softmax. */
GG_KERNEL
static void bwd_sum_into(double *s, const float *dy, const float *y, size_t w, int log)
{
    if (log)
        for (size_t i = 0; i < w; i++)
            s[i] += (double)dy[i];
    else
        for (size_t i = 0; i < w; i++)
            s[i] += (double)dy[i] * (double)y[i];
}

/* softmax: dx = (dy - t)*y; log_softmax: dx = dy - e*t, e = gg_expf(y) given in e. */
GG_KERNEL
static void bwd_dx(float *dx, int acc, const float *dy, const float *y, const float *e,
                   const float *t, size_t w, int log)
{
    if (log) {
        if (acc)
            for (size_t i = 0; i < w; i++)
                dx[i] += dy[i] - e[i] * t[i];
        else
            for (size_t i = 0; i < w; i++)
                dx[i] = dy[i] - e[i] * t[i];
    } else {
        if (acc)
            for (size_t i = 0; i < w; i++)
                dx[i] += (dy[i] - t[i]) * y[i];
        else
            for (size_t i = 0; i < w; i++)
                dx[i] = (dy[i] - t[i]) * y[i];
    }
}

/* Rows (inner = 1), up to 4: the sums side by side, then each row in chunks (t is a splat
 * of the row's sum). */
static void softmax_bwd_rows(float *dx, int acc, const float *dy, const float *y, size_t nq,
                             size_t n, int log)
{
    const float *vdy[4], *vy[4];
    double s[4];
    float t[SM_BLOCK], e[SM_BLOCK];
    block4(vdy, dy, n, nq);
    block4(vy, y, n, nq);
    if (log)
        sum4(s, vdy, n);
    else
        dot4(s, vdy, vy, n);
    for (size_t q = 0; q < nq; q++) {
        for (size_t i = 0; i < SM_BLOCK; i++)
            t[i] = (float)s[q];
        for (size_t k0 = 0; k0 < n; k0 += SM_BLOCK) {
            const size_t w = at_most(n - k0, SM_BLOCK), off = q * n + k0;
            if (log)
                gg_expf_n(e, y + off, w);
            bwd_dx(dx + off, acc, dy + off, y + off, e, t, w, log);
        }
    }
}

void gg_softmax_backward(float *dx, int acc, const float *dy, const float *y, size_t outer,
                         size_t n, size_t inner, int log)
{
    if (!dx)
        return;
    if (inner == 1) {
        for (size_t o = 0; o < outer; o += 4)
            softmax_bwd_rows(dx + o * n, acc, dy + o * n, y + o * n,
                             at_most(outer - o, 4), n, log);
        return;
    }
    double s[SM_BLOCK];
    float t[SM_BLOCK], e[SM_BLOCK];
    for (size_t o = 0; o < outer; o++) {
        const size_t base = o * n * inner;
        for (size_t i0 = 0; i0 < inner; i0 += SM_BLOCK) {
            const size_t w = at_most(inner - i0, SM_BLOCK);
            const float *dyb = dy + base + i0, *yb = y + base + i0;
            memset(s, 0, sizeof s);
            for (size_t k = 0; k < n; k++)
                bwd_sum_into(s, dyb + k * inner, yb + k * inner, w, log);
            for (size_t i = 0; i < w; i++)
                t[i] = (float)s[i];
            for (size_t k = 0; k < n; k++) {
                if (log)
                    gg_expf_n(e, yb + k * inner, w);
                bwd_dx(dx + base + i0 + k * inner, acc, dyb + k * inner, yb + k * inner, e, t,
                       w, log);
            }
        }
    }
}
