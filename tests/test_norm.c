/* tests/test_norm.c — BatchNorm, LayerNorm, GroupNorm, Softmax/LogSoftmax (core/norm.h):
 * - BatchNorm with S = 1 bit for bit against a transcription of core/model.c's
 *   bn_forward/bn_backward (the code the PyTorch parity fixtures were made with);
 * - every kernel bit for bit against a naive twin (plain loops spelling out norm.h's
 *   formulas and summation orders), over shapes that cross the kernels' blocking;
 * - pinned output hashes (the same bits in the normal build, whose GG_KERNEL clones run
 *   AVX-512/AVX2 code here, and in the sanitizer build, which runs the baseline code);
 * - central finite-difference gradients of a double-precision forward for dx, dgamma and
 *   dbeta (BatchNorm in training and evaluation mode, LayerNorm, GroupNorm) and for both
 *   softmaxes;
 * - running statistics by hand, the acc = 0/1 and NULL contracts, aliasing, validation;
 * - edge cases (C = 1, S = 1, B = 1 in evaluation, eps, D = 1, G = 1 and G = C, n = 1,
 *   -inf/NaN/+inf, logits of 1e4) and values computed with PyTorch 1.13 (torch is not
 *   needed to run this test: the numbers are copied in). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "detmath.h"
#include "norm.h"
#include "rng.h"

/* ---- helpers ---- */

static float *randv(gg_rng *r, size_t n, double scale, double shift)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(shift + scale * gg_rng_normal(r));
    return v;
}

static float *zerov(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

static float *copyv(const float *v, size_t n)
{
    float *c = malloc((n ? n : 1) * sizeof *c);
    memcpy(c, v, n * sizeof *c);
    return c;
}

static double *todouble(const float *v, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = (double)v[i];
    return d;
}

/* Same bits, or both NaN. */
static int same_bits(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Index of the first element whose bits differ, or n. */
static size_t first_diff(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!same_bits(a[i], b[i]))
            return i;
    return n;
}

#define CHECK_SAME(name, a, b, n)                                                         \
    do {                                                                                  \
        size_t i_ = first_diff((a), (b), (n));                                            \
        if (!CHECK((name), i_ == (n)))                                                    \
            printf("    element %zu: %.9g vs %.9g\n", i_, (double)(a)[i_], (double)(b)[i_]); \
    } while (0)

/* FNV-1a over the bits of n floats. */
static uint64_t fnv(uint64_t h, const float *v, size_t n)
{
    const unsigned char *p = (const unsigned char *)v;
    for (size_t i = 0; i < n * sizeof *v; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- the S = 1 reference: core/model.c's BatchNorm1d (commit 326e340) ----
 * bn_forward and bn_backward with the model's fields made arguments: gamma, beta are
 * params[0..n) and params[n..2n); running mean and var are rm[0..n) and rm[n..2n);
 * dgamma and dbeta are grads[0..n) and grads[n..2n). Kept verbatim otherwise. */

static void twin_bn_forward(float *ly, float *lmean, float *linvstd, float *bufs,
                            const float *params, const float *x, size_t B, size_t n,
                            int training, int affine, int track, double eps, double momentum)
{
    const float *gamma = affine ? params : NULL;
    float *rm = track ? bufs : NULL;
    const int batch_stats = training || !track;
    for (size_t j = 0; j < n; j++) {
        float mean, invstd;
        if (batch_stats) {
            double sum = 0.0;
            for (size_t r = 0; r < B; r++)
                sum += (double)x[r * n + j];
            mean = (float)(sum / (double)B);
            double vs = 0.0;
            for (size_t r = 0; r < B; r++) {
                float d = x[r * n + j] - mean;
                vs += (double)(d * d);
            }
            float var_sum = (float)vs;
            invstd = (float)(1.0 / sqrt((double)var_sum / (double)B + eps));
            if (training && rm && B > 1) {
                double mom = momentum;
                rm[j] = (float)(mom * (double)mean + (1.0 - mom) * (double)rm[j]);
                double unbiased = (double)var_sum / (double)(B - 1);
                rm[n + j] = (float)(mom * unbiased + (1.0 - mom) * (double)rm[n + j]);
            }
        } else {
            mean = rm[j];
            invstd = 1.0f / sqrtf(rm[n + j] + (float)eps);
        }
        lmean[j] = mean;
        linvstd[j] = invstd;
    }
    for (size_t j = 0; j < n; j++) {
        float alpha = gamma ? linvstd[j] * gamma[j] : linvstd[j];
        float beta = (gamma ? gamma[n + j] : 0.0f) - lmean[j] * alpha;
        for (size_t r = 0; r < B; r++)
            ly[r * n + j] = x[r * n + j] * alpha + beta;
    }
}

static void twin_bn_backward(float *dx, float *grads, const float *params, const float *dy,
                             const float *x, const float *lmean, const float *linvstd, size_t B,
                             size_t n, int affine, int batch_stats)
{
    const float *gamma = affine ? params : NULL;
    float *dgamma = affine ? grads : NULL;
    for (size_t j = 0; j < n; j++) {
        const float mean = lmean[j], invstd = linvstd[j], w = gamma ? gamma[j] : 1.0f;
        double sum = 0.0, dotp = 0.0;
        for (size_t r = 0; r < B; r++) {
            sum += (double)dy[r * n + j];
            dotp += (double)((x[r * n + j] - mean) * dy[r * n + j]);
        }
        if (dx && batch_stats) {
            float k = (float)dotp * invstd * invstd / (float)B;
            float grad_mean = (float)(sum / (double)B);
            for (size_t r = 0; r < B; r++) {
                float d = (x[r * n + j] - mean) * k;
                dx[r * n + j] = (dy[r * n + j] - grad_mean - d) * invstd * w;
            }
        } else if (dx) {
            for (size_t r = 0; r < B; r++)
                dx[r * n + j] = dy[r * n + j] * invstd * w;
        }
        if (dgamma) {
            dgamma[j] += (float)(dotp * (double)invstd);
            dgamma[n + j] += (float)sum;
        }
    }
}

static void test_bn_s1_twin(gg_rng *rng)
{
    static const size_t Bs[] = {2, 3, 7, 33, 256};
    static const size_t ns[] = {1, 3, 4, 5, 63, 64, 65, 130};
    int all_ok = 1, cases = 0;
    for (size_t bi = 0; bi < sizeof Bs / sizeof *Bs; bi++)
        for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
            for (int mode = 0; mode < 8; mode++) {
                const size_t B = Bs[bi], n = ns[ni];
                const int training = mode & 1, affine = (mode >> 1) & 1, track = (mode >> 2) & 1;
                const double eps = 1e-5, mom = 0.1;
                float *x = randv(rng, B * n, 2.0, 0.5), *dy = randv(rng, B * n, 1.0, 0.0);
                float *params = randv(rng, 2 * n, 1.0, 0.5);
                float *bufs = randv(rng, 2 * n, 0.5, 0.0);
                for (size_t j = 0; j < n; j++)
                    bufs[n + j] = 0.5f + fabsf(bufs[n + j]);  // running variances > 0
                float *bufs2 = copyv(bufs, 2 * n);
                float *y1 = zerov(B * n), *y2 = zerov(B * n);
                float *m1 = zerov(n), *v1 = zerov(n), *m2 = zerov(n), *v2 = zerov(n);
                twin_bn_forward(y1, m1, v1, bufs, params, x, B, n, training, affine, track, eps,
                                mom);
                gg_batchnorm_forward(y2, m2, v2, track ? bufs2 : NULL, track ? bufs2 + n : NULL,
                                     x, affine ? params : NULL, affine ? params + n : NULL, B,
                                     n, 1, training, eps, mom);
                int ok = first_diff(y1, y2, B * n) == B * n && first_diff(m1, m2, n) == n &&
                         first_diff(v1, v2, n) == n && first_diff(bufs, bufs2, 2 * n) == 2 * n;
                // Backward, with gradients accumulating onto non-zero values.
                const int bs = training || !track;
                float *grads = randv(rng, 2 * n, 1.0, 0.0), *grads2 = copyv(grads, 2 * n);
                float *dx1 = zerov(B * n), *dx2 = zerov(B * n);
                twin_bn_backward(dx1, grads, params, dy, x, m1, v1, B, n, affine, bs);
                gg_batchnorm_backward(dx2, 0, affine ? grads2 : NULL, affine ? grads2 + n : NULL,
                                      dy, x, m2, v2, affine ? params : NULL, B, n, 1, bs);
                ok = ok && first_diff(dx1, dx2, B * n) == B * n &&
                     first_diff(grads, grads2, 2 * n) == 2 * n;
                // In place, as the model runs it: dx over dy.
                float *d3 = copyv(dy, B * n);
                gg_batchnorm_backward(d3, 0, NULL, NULL, d3, x, m2, v2, affine ? params : NULL,
                                      B, n, 1, bs);
                ok = ok && first_diff(dx1, d3, B * n) == B * n;
                if (!ok) {
                    printf("    S=1 twin mismatch: B=%zu n=%zu training=%d affine=%d track=%d\n",
                           B, n, training, affine, track);
                    all_ok = 0;
                }
                cases++;
                free(x), free(dy), free(params), free(bufs), free(bufs2), free(y1), free(y2);
                free(m1), free(v1), free(m2), free(v2), free(grads), free(grads2), free(dx1);
                free(dx2), free(d3);
            }
    CHECK("batchnorm S=1 == model.c bn_forward/bn_backward bit for bit (320 cases)",
          all_ok && cases == 320);
}

/* ---- naive twins: norm.h's formulas one element at a time ---- */

/* BatchNorm's lanes (norm.h): value (b, s) of a channel goes to lane s mod NL; the lanes
 * are then combined by halving, l[j] += l[j + h] for h = NL/2, ..., 1. */
enum { NL = 16 };

static double lanes_halve(double l[NL])
{
    for (size_t h = NL / 2; h >= 1; h /= 2)
        for (size_t j = 0; j < h; j++)
            l[j] += l[j + h];
    return l[0];
}

static void naive_bn_forward(float *y, float *sm, float *si, float *rm, float *rv,
                             const float *x, const float *g, const float *bt, size_t B,
                             size_t C, size_t S, int training, double eps, double mom)
{
    const size_t n = B * S;
    for (size_t c = 0; c < C; c++) {
        float mean, invstd;
        if (training || !rm) {
            double ls[NL] = {0.0}, lv[NL] = {0.0};
            for (size_t b = 0; b < B; b++)
                for (size_t i = 0; i < S; i++)
                    ls[i % NL] += (double)x[(b * C + c) * S + i];
            mean = (float)(lanes_halve(ls) / (double)n);
            for (size_t b = 0; b < B; b++)
                for (size_t i = 0; i < S; i++) {
                    float d = x[(b * C + c) * S + i] - mean;
                    lv[i % NL] += (double)(d * d);
                }
            float vs = (float)lanes_halve(lv);
            invstd = (float)(1.0 / sqrt((double)vs / (double)n + eps));
            if (training && rm && n > 1) {
                rm[c] = (float)(mom * (double)mean + (1.0 - mom) * (double)rm[c]);
                rv[c] = (float)(mom * ((double)vs / (double)(n - 1)) + (1.0 - mom) * (double)rv[c]);
            }
        } else {
            mean = rm[c];
            invstd = 1.0f / sqrtf(rv[c] + (float)eps);
        }
        sm[c] = mean;
        si[c] = invstd;
        float alpha = g ? invstd * g[c] : invstd;
        float shift = (bt ? bt[c] : 0.0f) - mean * alpha;
        for (size_t b = 0; b < B; b++)
            for (size_t i = 0; i < S; i++)
                y[(b * C + c) * S + i] = x[(b * C + c) * S + i] * alpha + shift;
    }
}

static void naive_bn_backward(float *dx, float *dg, float *db, const float *dy, const float *x,
                              const float *sm, const float *si, const float *g, size_t B,
                              size_t C, size_t S, int bs)
{
    const size_t n = B * S;
    for (size_t c = 0; c < C; c++) {
        const float mean = sm[c], invstd = si[c], w = g ? g[c] : 1.0f;
        double ls[NL] = {0.0}, ld[NL] = {0.0};
        for (size_t b = 0; b < B; b++)
            for (size_t i = 0; i < S; i++) {
                const size_t k = (b * C + c) * S + i;
                ls[i % NL] += (double)dy[k];
                ld[i % NL] += (double)((x[k] - mean) * dy[k]);
            }
        const double sum = lanes_halve(ls), dotp = lanes_halve(ld);
        float kk = (float)dotp * invstd * invstd / (float)n, gm = (float)(sum / (double)n);
        for (size_t b = 0; b < B; b++)
            for (size_t i = 0; i < S; i++) {
                const size_t k = (b * C + c) * S + i;
                if (bs)
                    dx[k] = (dy[k] - gm - (x[k] - mean) * kk) * invstd * w;
                else
                    dx[k] = dy[k] * invstd * w;
            }
        if (dg)
            dg[c] += (float)(dotp * (double)invstd);
        if (db)
            db[c] += (float)sum;
    }
}

/* Mean and rstd as norm.h defines them for LayerNorm and GroupNorm. */
static void naive_moments(const float *x, size_t n, double eps, float *mean, float *rstd)
{
    double ls[NL] = {0.0}, lv[NL] = {0.0};
    for (size_t i = 0; i < n; i++)
        ls[i % NL] += (double)x[i];
    double m = lanes_halve(ls) / (double)n;
    for (size_t i = 0; i < n; i++)
        lv[i % NL] += ((double)x[i] - m) * ((double)x[i] - m);
    double v = lanes_halve(lv);
    *mean = (float)m;
    *rstd = 1.0f / sqrtf((float)(v / (double)n) + (float)eps);
}

static void naive_ln_forward(float *y, float *sm, float *sr, const float *x, const float *g,
                             const float *b, size_t R, size_t D, double eps)
{
    for (size_t r = 0; r < R; r++) {
        naive_moments(x + r * D, D, eps, &sm[r], &sr[r]);
        const float scale = sr[r], bias = -sr[r] * sm[r];
        for (size_t j = 0; j < D; j++)
            y[r * D + j] = (x[r * D + j] * scale + bias) * (g ? g[j] : 1.0f) + (b ? b[j] : 0.0f);
    }
}

static void naive_ln_backward(float *dx, float *dg, float *db, const float *dy, const float *x,
                              const float *sm, const float *sr, const float *g, size_t R, size_t D)
{
    for (size_t j = 0; j < D; j++) {
        double sg = 0.0, sb = 0.0;
        for (size_t r = 0; r < R; r++) {
            float xhat = x[r * D + j] * sr[r] + -sr[r] * sm[r];
            sg += (double)dy[r * D + j] * (double)xhat;
            sb += (double)dy[r * D + j];
        }
        if (dg)
            dg[j] += (float)sg;
        if (db)
            db[j] += (float)sb;
    }
    for (size_t r = 0; dx && r < R; r++) {
        double lb[NL] = {0.0}, lc[NL] = {0.0}, a = (double)sr[r], m = (double)sm[r];
        for (size_t j = 0; j < D; j++) {
            double t = (double)dy[r * D + j] * (g ? (double)g[j] : 1.0);
            lb[j % NL] += t;
            lc[j % NL] += t * ((double)x[r * D + j] - m);
        }
        double bsum = lanes_halve(lb), csum = lanes_halve(lc);
        double bb = -csum * a * a * a / (double)D, cc = -bb * m - bsum * a / (double)D;
        for (size_t j = 0; j < D; j++)
            dx[r * D + j] = sr[r] * dy[r * D + j] * (g ? g[j] : 1.0f) + (float)bb * x[r * D + j] +
                            (float)cc;
    }
}

static void naive_gn_forward(float *y, float *sm, float *sr, const float *x, const float *g,
                             const float *b, size_t B, size_t C, size_t S, size_t G, double eps)
{
    const size_t D = C / G;
    for (size_t bi = 0; bi < B; bi++)
        for (size_t gi = 0; gi < G; gi++) {
            const size_t bg = bi * G + gi, base = bg * D * S;
            naive_moments(x + base, D * S, eps, &sm[bg], &sr[bg]);
            for (size_t k = 0; k < D; k++) {
                const size_t c = gi * D + k;
                for (size_t i = 0; i < S; i++) {
                    const size_t e = base + k * S + i;
                    if (!g && !b) {
                        y[e] = (x[e] - sm[bg]) * sr[bg];
                    } else {
                        float scale = sr[bg] * (g ? g[c] : 1.0f);
                        float bias = -scale * sm[bg] + (b ? b[c] : 0.0f);
                        y[e] = scale * x[e] + bias;
                    }
                }
            }
        }
}

static void naive_plane(const float *dy, const float *x, double m, size_t S, double *pdb,
                        double *pdot)
{
    double lb[NL] = {0.0}, ld[NL] = {0.0};
    for (size_t i = 0; i < S; i++) {
        lb[i % NL] += (double)dy[i];
        ld[i % NL] += (double)dy[i] * ((double)x[i] - m);
    }
    *pdb = lanes_halve(lb), *pdot = lanes_halve(ld);
}

static void naive_gn_backward(float *dx, float *dg, float *db, const float *dy, const float *x,
                              const float *sm, const float *sr, const float *g, size_t B,
                              size_t C, size_t S, size_t G)
{
    const size_t D = C / G, n = D * S;
    for (size_t c = 0; c < C; c++) {
        double sg = 0.0, sb = 0.0;
        for (size_t bi = 0; bi < B; bi++) {
            const size_t bg = bi * G + c / D;
            double pdb, pdot;
            naive_plane(dy + (bi * C + c) * S, x + (bi * C + c) * S, (double)sm[bg], S, &pdb,
                        &pdot);
            sg += pdot * (double)sr[bg];
            sb += pdb;
        }
        if (dg)
            dg[c] += (float)sg;
        if (db)
            db[c] += (float)sb;
    }
    for (size_t bg = 0; dx && bg < B * G; bg++) {
        const size_t gi = bg % G;
        const double m = (double)sm[bg], r = (double)sr[bg];
        double sdb = 0.0, sdot = 0.0;
        for (size_t k = 0; k < D; k++) {
            double pdb, pdot, gg = g ? (double)g[gi * D + k] : 1.0;
            naive_plane(dy + bg * n + k * S, x + bg * n + k * S, m, S, &pdb, &pdot);
            sdb += gg * pdb;
            sdot += gg * pdot;
        }
        double c2 = -sdot * r * r * r / (double)n, c3 = -c2 * m - sdb * r / (double)n;
        for (size_t k = 0; k < D; k++)
            for (size_t i = 0; i < S; i++) {
                const size_t e = bg * n + k * S + i;
                float c1 = sr[bg] * (g ? g[gi * D + k] : 1.0f);
                dx[e] = c1 * dy[e] + (float)c2 * x[e] + (float)c3;
            }
    }
}

static void naive_softmax(float *y, const float *x, size_t outer, size_t n, size_t inner,
                          int lg)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            const float *xp = x + o * n * inner + i;
            float *yp = y + o * n * inner + i;
            float m = xp[0];
            for (size_t k = 1; k < n; k++)
                if (xp[k * inner] > m || isnan(xp[k * inner]))
                    m = xp[k * inner];
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += (double)gg_expf(xp[k * inner] - m);
            for (size_t k = 0; k < n; k++) {
                float d = xp[k * inner] - m;
                yp[k * inner] = lg ? d - (float)gg_log(s) : (float)((double)gg_expf(d) * (1.0 / s));
            }
        }
}

static void naive_softmax_backward(float *dx, const float *dy, const float *y, size_t outer,
                                   size_t n, size_t inner, int lg)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            const size_t base = o * n * inner + i;
            double s = 0.0;
            for (size_t k = 0; k < n; k++) {
                const size_t e = base + k * inner;
                s += lg ? (double)dy[e] : (double)dy[e] * (double)y[e];
            }
            float t = (float)s;
            for (size_t k = 0; k < n; k++) {
                const size_t e = base + k * inner;
                dx[e] = lg ? dy[e] - gg_expf(y[e]) * t : (dy[e] - t) * y[e];
            }
        }
}

/* ---- the kernels against the naive twins, bit for bit ---- */

static uint64_t hash_bn = 0xcbf29ce484222325ULL, hash_ln = 0xcbf29ce484222325ULL,
                hash_gn = 0xcbf29ce484222325ULL, hash_sm = 0xcbf29ce484222325ULL;

static void test_bn_twin(gg_rng *rng0)
{
    // The shapes after the first 13 (planes across the 16 lanes) draw from their own
    // generator, leaving the other twin tests' data (and pinned hashes) as they were.
    gg_rng extra;
    gg_rng_seed(&extra, 16);
    static const size_t shapes[][3] = {{2, 1, 1},  {1, 1, 2},  {3, 1, 5},   {2, 3, 2},
                                       {4, 5, 3},  {2, 7, 9},  {5, 4, 16},  {3, 9, 17},
                                       {32, 6, 8}, {2, 64, 1}, {3, 67, 1}, {1, 5, 64},
                                       {8, 13, 33}, {3, 2, 15}, {2, 3, 31}, {4, 2, 32},
                                       {3, 2, 48}, {2, 2, 1024}};
    int ok = 1;
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
        for (int mode = 0; mode < 8; mode++) {
            gg_rng *rng = si < 13 ? rng0 : &extra;
            const size_t B = shapes[si][0], C = shapes[si][1], S = shapes[si][2], N = B * C * S;
            const int training = mode & 1, affine = (mode >> 1) & 1, track = (mode >> 2) & 1;
            float *x = randv(rng, N, 1.5, -0.5), *dy = randv(rng, N, 1.0, 0.1);
            float *g = randv(rng, C, 1.0, 0.5), *bt = randv(rng, C, 1.0, 0.0);
            float *rm = randv(rng, C, 0.3, 0.0), *rv = randv(rng, C, 0.2, 1.0);
            float *rm2 = copyv(rm, C), *rv2 = copyv(rv, C);
            float *y1 = zerov(N), *y2 = zerov(N), *sm1 = zerov(C), *si1 = zerov(C);
            float *sm2 = zerov(C), *si2 = zerov(C);
            naive_bn_forward(y1, sm1, si1, track ? rm : NULL, track ? rv : NULL, x,
                             affine ? g : NULL, affine ? bt : NULL, B, C, S, training, 1e-5, 0.1);
            gg_batchnorm_forward(y2, sm2, si2, track ? rm2 : NULL, track ? rv2 : NULL, x,
                                 affine ? g : NULL, affine ? bt : NULL, B, C, S, training, 1e-5,
                                 0.1);
            const int bs = training || !track;
            float *dx1 = zerov(N), *dx2 = zerov(N), *dg1 = zerov(C), *dg2 = zerov(C);
            float *db1 = zerov(C), *db2 = zerov(C);
            naive_bn_backward(dx1, dg1, db1, dy, x, sm1, si1, affine ? g : NULL, B, C, S, bs);
            gg_batchnorm_backward(dx2, 0, dg2, db2, dy, x, sm2, si2, affine ? g : NULL, B, C, S,
                                  bs);
            int same = first_diff(y1, y2, N) == N && first_diff(sm1, sm2, C) == C &&
                       first_diff(si1, si2, C) == C && first_diff(rm, rm2, C) == C &&
                       first_diff(rv, rv2, C) == C && first_diff(dx1, dx2, N) == N &&
                       first_diff(dg1, dg2, C) == C && first_diff(db1, db2, C) == C;
            if (!same) {
                printf("    batchnorm twin mismatch B=%zu C=%zu S=%zu mode=%d\n", B, C, S, mode);
                ok = 0;
            }
            hash_bn = fnv(fnv(fnv(fnv(hash_bn, y2, N), dx2, N), dg2, C), rv2, C);
            free(x), free(dy), free(g), free(bt), free(rm), free(rv), free(rm2), free(rv2);
            free(y1), free(y2), free(sm1), free(si1), free(sm2), free(si2), free(dx1), free(dx2);
            free(dg1), free(dg2), free(db1), free(db2);
        }
    CHECK("batchnorm == naive twin bit for bit (18 shapes x 8 modes)", ok);
}

static void test_ln_twin(gg_rng *rng)
{
    static const size_t shapes[][2] = {{1, 1}, {3, 1}, {1, 2},  {4, 7},   {5, 64},
                                       {2, 127}, {3, 128}, {6, 129}, {2, 300}};
    int ok = 1;
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
        for (int mode = 0; mode < 3; mode++) {  // affine, no affine, gamma only
            const size_t R = shapes[si][0], D = shapes[si][1], N = R * D;
            float *x = randv(rng, N, 2.0, 1.0), *dy = randv(rng, N, 1.0, 0.0);
            float *g = mode == 1 ? NULL : randv(rng, D, 1.0, 1.0);
            float *b = mode == 0 ? randv(rng, D, 1.0, 0.0) : NULL;
            float *y1 = zerov(N), *y2 = zerov(N), *m1 = zerov(R), *r1 = zerov(R), *m2 = zerov(R),
                  *r2 = zerov(R);
            naive_ln_forward(y1, m1, r1, x, g, b, R, D, 1e-5);
            gg_layernorm_forward(y2, m2, r2, x, g, b, R, D, 1e-5);
            float *dx1 = zerov(N), *dx2 = zerov(N), *dg1 = zerov(D), *dg2 = zerov(D);
            float *db1 = zerov(D), *db2 = zerov(D);
            naive_ln_backward(dx1, dg1, db1, dy, x, m1, r1, g, R, D);
            gg_layernorm_backward(dx2, 0, dg2, db2, dy, x, m2, r2, g, R, D);
            if (!(first_diff(y1, y2, N) == N && first_diff(m1, m2, R) == R &&
                  first_diff(r1, r2, R) == R && first_diff(dx1, dx2, N) == N &&
                  first_diff(dg1, dg2, D) == D && first_diff(db1, db2, D) == D)) {
                printf("    layernorm twin mismatch R=%zu D=%zu mode=%d\n", R, D, mode);
                ok = 0;
            }
            hash_ln = fnv(fnv(fnv(hash_ln, y2, N), dx2, N), dg2, D);
            free(x), free(dy), free(g), free(b), free(y1), free(y2), free(m1), free(r1);
            free(m2), free(r2), free(dx1), free(dx2), free(dg1), free(dg2), free(db1), free(db2);
        }
    CHECK("layernorm == naive twin bit for bit (9 shapes x 3 modes)", ok);
}

static void test_gn_twin(gg_rng *rng)
{
    static const size_t shapes[][4] = {{1, 1, 1, 1}, {2, 4, 1, 2},  {2, 6, 5, 1},  {2, 6, 5, 6},
                                       {3, 6, 5, 3}, {1, 8, 16, 4}, {4, 12, 9, 2}, {2, 16, 17, 8},
                                       {2, 32, 64, 32}, {5, 10, 7, 2}, {9, 3, 4, 1}};
    int ok = 1;
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
        for (int affine = 0; affine < 2; affine++) {
            const size_t B = shapes[si][0], C = shapes[si][1], S = shapes[si][2], G = shapes[si][3];
            const size_t N = B * C * S;
            float *x = randv(rng, N, 2.0, -1.0), *dy = randv(rng, N, 1.0, 0.0);
            float *g = affine ? randv(rng, C, 1.0, 1.0) : NULL;
            float *b = affine ? randv(rng, C, 1.0, 0.0) : NULL;
            float *y1 = zerov(N), *y2 = zerov(N), *m1 = zerov(B * G), *r1 = zerov(B * G);
            float *m2 = zerov(B * G), *r2 = zerov(B * G);
            naive_gn_forward(y1, m1, r1, x, g, b, B, C, S, G, 1e-5);
            gg_groupnorm_forward(y2, m2, r2, x, g, b, B, C, S, G, 1e-5);
            float *dx1 = zerov(N), *dx2 = zerov(N), *dg1 = zerov(C), *dg2 = zerov(C);
            float *db1 = zerov(C), *db2 = zerov(C);
            naive_gn_backward(dx1, dg1, db1, dy, x, m1, r1, g, B, C, S, G);
            gg_groupnorm_backward(dx2, 0, dg2, db2, dy, x, m2, r2, g, B, C, S, G);
            if (!(first_diff(y1, y2, N) == N && first_diff(m1, m2, B * G) == B * G &&
                  first_diff(r1, r2, B * G) == B * G && first_diff(dx1, dx2, N) == N &&
                  first_diff(dg1, dg2, C) == C && first_diff(db1, db2, C) == C)) {
                printf("    groupnorm twin mismatch B=%zu C=%zu S=%zu G=%zu affine=%d\n", B, C,
                       S, G, affine);
                ok = 0;
            }
            hash_gn = fnv(fnv(fnv(hash_gn, y2, N), dx2, N), dg2, C);
            free(x), free(dy), free(g), free(b), free(y1), free(y2), free(m1), free(r1);
            free(m2), free(r2), free(dx1), free(dx2), free(dg1), free(dg2), free(db1), free(db2);
        }
    CHECK("groupnorm == naive twin bit for bit (11 shapes x 2)", ok);
}

static void test_softmax_twin(gg_rng *rng)
{
    static const size_t shapes[][3] = {{1, 1, 1},  {3, 1, 4},  {1, 5, 1},  {4, 10, 1}, {2, 3, 7},
                                       {1, 7, 64}, {2, 4, 65}, {3, 9, 130}, {1, 200, 1},
                                       {2, 70, 3}, {1, 3, 300}, {7, 33, 1}, {5, 300, 1}};
    int ok = 1;
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
        for (int lg = 0; lg < 2; lg++) {
            const size_t o = shapes[si][0], n = shapes[si][1], in = shapes[si][2], N = o * n * in;
            float *x = randv(rng, N, 4.0, 0.0), *dy = randv(rng, N, 1.0, 0.0);
            x[N / 2] = -INFINITY;  // one -inf entry: a zero probability
            float *y1 = zerov(N), *y2 = zerov(N), *dx1 = zerov(N), *dx2 = zerov(N);
            naive_softmax(y1, x, o, n, in, lg);
            gg_softmax_forward(y2, x, o, n, in, lg);
            naive_softmax_backward(dx1, dy, y1, o, n, in, lg);
            gg_softmax_backward(dx2, 0, dy, y2, o, n, in, lg);
            if (!(first_diff(y1, y2, N) == N && first_diff(dx1, dx2, N) == N)) {
                printf("    softmax twin mismatch outer=%zu n=%zu inner=%zu log=%d\n", o, n, in,
                       lg);
                ok = 0;
            }
            hash_sm = fnv(fnv(hash_sm, y2, N), dx2, N);
            free(x), free(dy), free(y1), free(y2), free(dx1), free(dx2);
        }
    CHECK("softmax/log_softmax == naive twin bit for bit (13 shapes x 2)", ok);
}

/* Data whose sums depend on their order: in every plane, every 5th value is 1e15, -1e15
 * in turn (as many of each), the others O(1), so each sum loses low bits that depend on the order and the float mean
 * differs between one sequential chain and norm.h's lanes (checked). All three kernels
 * against their twins, bit for bit, on this data. */
static float *spiky(gg_rng *r, size_t n, size_t S)
{
    float *v = randv(r, n, 1.0, 0.25);
    for (size_t i = 0; i < n; i++)
        if (i % S % 5 == 0 && i % S < S - S % 10)  // 1e15 at s = 0, 10, ...; -1e15 at 5, 15, ...
            v[i] = (i % S / 5) % 2 ? -1e15f : 1e15f;
    return v;
}

static void test_order_sensitive(gg_rng *rng)
{
    const size_t B = 3, C = 4, S = 37, N = B * C * S, G = 2;
    float *x = spiky(rng, N, S), *dy = spiky(rng, N, S);
    float *g = randv(rng, C * S, 1.0, 1.0), *bt = randv(rng, C * S, 1.0, 0.0);
    // The lanes and one chain differ on channel 0's values.
    double l[NL] = {0.0}, chain = 0.0;
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < S; i++) {
            l[i % NL] += (double)x[b * C * S + i];
            chain += (double)x[b * C * S + i];
        }
    const float lmean = (float)(lanes_halve(l) / (double)(B * S));
    CHECK("order-sensitive data: the mean of the lanes != that of one chain",
          lmean != (float)(chain / (double)(B * S)));
    float *y1 = zerov(N), *y2 = zerov(N), *dx1 = zerov(N), *dx2 = zerov(N);
    float *m1 = zerov(N), *r1 = zerov(N), *m2 = zerov(N), *r2 = zerov(N);
    float *dg1 = zerov(C * S), *dg2 = zerov(C * S), *db1 = zerov(C * S), *db2 = zerov(C * S);
    naive_bn_forward(y1, m1, r1, NULL, NULL, x, g, bt, B, C, S, 1, 1e-5, 0.1);
    gg_batchnorm_forward(y2, m2, r2, NULL, NULL, x, g, bt, B, C, S, 1, 1e-5, 0.1);
    naive_bn_backward(dx1, dg1, db1, dy, x, m1, r1, g, B, C, S, 1);
    gg_batchnorm_backward(dx2, 0, dg2, db2, dy, x, m2, r2, g, B, C, S, 1);
    CHECK_SAME("order-sensitive batchnorm y", y1, y2, N);
    CHECK_SAME("order-sensitive batchnorm mean", m1, m2, C);
    CHECK_SAME("order-sensitive batchnorm dx", dx1, dx2, N);
    CHECK_SAME("order-sensitive batchnorm dgamma", dg1, dg2, C);
    CHECK_SAME("order-sensitive batchnorm dbeta", db1, db2, C);
    memset(dg1, 0, C * S * sizeof *dg1), memset(dg2, 0, C * S * sizeof *dg2);
    memset(db1, 0, C * S * sizeof *db1), memset(db2, 0, C * S * sizeof *db2);
    naive_ln_forward(y1, m1, r1, x, g, bt, B, C * S, 1e-5);
    gg_layernorm_forward(y2, m2, r2, x, g, bt, B, C * S, 1e-5);
    naive_ln_backward(dx1, dg1, db1, dy, x, m1, r1, g, B, C * S);
    gg_layernorm_backward(dx2, 0, dg2, db2, dy, x, m2, r2, g, B, C * S);
    CHECK_SAME("order-sensitive layernorm y", y1, y2, N);
    CHECK_SAME("order-sensitive layernorm mean", m1, m2, B);
    CHECK_SAME("order-sensitive layernorm dx", dx1, dx2, N);
    CHECK_SAME("order-sensitive layernorm dgamma", dg1, dg2, C * S);
    memset(dg1, 0, C * S * sizeof *dg1), memset(dg2, 0, C * S * sizeof *dg2);
    memset(db1, 0, C * S * sizeof *db1), memset(db2, 0, C * S * sizeof *db2);
    naive_gn_forward(y1, m1, r1, x, g, bt, B, C, S, G, 1e-5);
    gg_groupnorm_forward(y2, m2, r2, x, g, bt, B, C, S, G, 1e-5);
    naive_gn_backward(dx1, dg1, db1, dy, x, m1, r1, g, B, C, S, G);
    gg_groupnorm_backward(dx2, 0, dg2, db2, dy, x, m2, r2, g, B, C, S, G);
    CHECK_SAME("order-sensitive groupnorm y", y1, y2, N);
    CHECK_SAME("order-sensitive groupnorm mean", m1, m2, B * G);
    CHECK_SAME("order-sensitive groupnorm dx", dx1, dx2, N);
    CHECK_SAME("order-sensitive groupnorm dgamma", dg1, dg2, C);
    CHECK_SAME("order-sensitive groupnorm dbeta", db1, db2, C);
    hash_bn = fnv(hash_bn, y2, N);
    free(x), free(dy), free(g), free(bt), free(y1), free(y2), free(dx1), free(dx2), free(m1);
    free(r1), free(m2), free(r2), free(dg1), free(dg2), free(db1), free(db2);
}

#define PIN_BN 0xdf2aa393836d7b58ULL
/* More rows than one block of LayerNorm's row loops (and a tail): the naive twin's bits,
 * with its own generator so the pinned hashes below keep their inputs. */
static void test_ln_many_rows(void)
{
    static const size_t shapes[][2] = {{70, 33}, {40, 64}, {1024, 64}};
    gg_rng rng;
    gg_rng_seed(&rng, 77);
    int ok = 1;
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
        for (int mode = 0; mode < 3; mode++) {  // affine, no affine, gamma only
            const size_t R = shapes[si][0], D = shapes[si][1], N = R * D;
            float *x = randv(&rng, N, 2.0, 1.0), *dy = randv(&rng, N, 1.0, 0.0);
            float *g = mode == 1 ? NULL : randv(&rng, D, 1.0, 1.0);
            float *b = mode == 0 ? randv(&rng, D, 1.0, 0.0) : NULL;
            float *y1 = zerov(N), *y2 = zerov(N), *m1 = zerov(R), *r1 = zerov(R), *m2 = zerov(R),
                  *r2 = zerov(R);
            naive_ln_forward(y1, m1, r1, x, g, b, R, D, 1e-5);
            gg_layernorm_forward(y2, m2, r2, x, g, b, R, D, 1e-5);
            float *dx1 = zerov(N), *dx2 = zerov(N), *dg1 = zerov(D), *dg2 = zerov(D);
            float *db1 = zerov(D), *db2 = zerov(D);
            naive_ln_backward(dx1, dg1, db1, dy, x, m1, r1, g, R, D);
            gg_layernorm_backward(dx2, 0, dg2, db2, dy, x, m2, r2, g, R, D);
            ok &= first_diff(y1, y2, N) == N && first_diff(m1, m2, R) == R &&
                  first_diff(r1, r2, R) == R && first_diff(dx1, dx2, N) == N &&
                  first_diff(dg1, dg2, D) == D && first_diff(db1, db2, D) == D;
            free(x), free(dy), free(g), free(b), free(y1), free(y2), free(m1), free(r1);
            free(m2), free(r2), free(dx1), free(dx2), free(dg1), free(dg2), free(db1), free(db2);
        }
    CHECK("layernorm == naive twin bit for bit, many rows (3 shapes x 3 modes)", ok);
}

#define PIN_LN 0xea4d95ee1db3405cULL
#define PIN_GN 0x2050f345483444fbULL
#define PIN_SM 0xf15988acda54edf4ULL

/* The hashes of everything the twin tests computed, pinned: the normal build (GG_KERNEL
 * clones for the CPU) and the sanitizer build (baseline code only) must both give them. */
static void test_pinned_hashes(void)
{
    CHECK_EQ_U64("pinned batchnorm bits", hash_bn, PIN_BN);
    CHECK_EQ_U64("pinned layernorm bits", hash_ln, PIN_LN);
    CHECK_EQ_U64("pinned groupnorm bits", hash_gn, PIN_GN);
    CHECK_EQ_U64("pinned softmax bits", hash_sm, PIN_SM);
}

/* ---- finite differences through double-precision forwards ---- */

enum kind { K_BN, K_LN, K_GN, K_SM, K_LSM };

typedef struct fdcase {
    enum kind kind;
    size_t B, C, S, G;  /* BN/GN: (B,C,S), G groups; LN: R = B rows of D = C; softmax:
                           outer = B, n = C, inner = S */
    int batch_stats;    /* BatchNorm: training statistics (else running ones) */
    int affine;
    double eps;
    const char *label;
} fdcase;

typedef struct fdstate {
    const fdcase *k;
    const double *rm, *rv; /* BatchNorm evaluation: the running statistics */
    const double *c;       /* the objective's weights: L = sum c*y */
} fdstate;

/* L = sum c*y with y the forward in double at (x, g, b). */
static double objective(const fdstate *st, const double *x, const double *g, const double *b)
{
    const fdcase *k = st->k;
    const size_t B = k->B, C = k->C, S = k->S;
    double L = 0.0;
    switch (k->kind) {
    case K_BN:
        for (size_t c = 0; c < C; c++) {
            double m = 0.0, v = 0.0, n = (double)(B * S);
            if (k->batch_stats) {
                for (size_t i = 0; i < B; i++)
                    for (size_t s = 0; s < S; s++)
                        m += x[(i * C + c) * S + s];
                m /= n;
                for (size_t i = 0; i < B; i++)
                    for (size_t s = 0; s < S; s++)
                        v += (x[(i * C + c) * S + s] - m) * (x[(i * C + c) * S + s] - m);
                v /= n;
            } else {
                m = st->rm[c], v = st->rv[c];
            }
            double r = 1.0 / sqrt(v + k->eps);
            for (size_t i = 0; i < B; i++)
                for (size_t s = 0; s < S; s++) {
                    size_t e = (i * C + c) * S + s;
                    double y = (x[e] - m) * r * (g ? g[c] : 1.0) + (b ? b[c] : 0.0);
                    L += st->c[e] * y;
                }
        }
        break;
    case K_LN:
    case K_GN: {
        // Groups of D consecutive elements (LN: rows of C; GN: D = C/G channels times S).
        const size_t per = k->kind == K_LN ? C : (C / k->G) * S;
        const size_t ngroups = k->kind == K_LN ? B : B * k->G;
        for (size_t q = 0; q < ngroups; q++) {
            const double *xq = x + q * per;
            double m = 0.0, v = 0.0;
            for (size_t i = 0; i < per; i++)
                m += xq[i];
            m /= (double)per;
            for (size_t i = 0; i < per; i++)
                v += (xq[i] - m) * (xq[i] - m);
            v /= (double)per;
            double r = 1.0 / sqrt(v + k->eps);
            for (size_t i = 0; i < per; i++) {
                size_t p = k->kind == K_LN ? i : ((q % k->G) * per + i) / S;  // param index
                double y = (xq[i] - m) * r * (g ? g[p] : 1.0) + (b ? b[p] : 0.0);
                L += st->c[q * per + i] * y;
            }
        }
        break;
    }
    case K_SM:
    case K_LSM:
        for (size_t o = 0; o < B; o++)
            for (size_t i = 0; i < S; i++) {
                const size_t base = o * C * S + i;
                double m = x[base], s = 0.0;
                for (size_t j = 1; j < C; j++)
                    m = fmax(m, x[base + j * S]);
                for (size_t j = 0; j < C; j++)
                    s += exp(x[base + j * S] - m);
                for (size_t j = 0; j < C; j++) {
                    double d = x[base + j * S] - m;
                    double y = k->kind == K_LSM ? d - log(s) : exp(d) / s;
                    L += st->c[base + j * S] * y;
                }
            }
        break;
    }
    return L;
}

/* Central difference of L in v[i] (v is x, g or b of the state), h relative to |v[i]|. */
static double fd(const fdstate *st, double *x, double *g, double *b, double *v, size_t i)
{
    const double h = 1e-6 * fmax(1.0, fabs(v[i])), v0 = v[i];
    v[i] = v0 + h;
    double lp = objective(st, x, g, b);
    v[i] = v0 - h;
    double lm = objective(st, x, g, b);
    v[i] = v0;
    return (lp - lm) / (2.0 * h);
}

/* Analytic gradient a (float kernels) against finite differences of the double forward:
 * |a - fd| <= rtol * max|fd| + 1e-6 for every element. */
static int compare_grad(const char *what, const fdcase *k, const float *a, const double *num,
                        size_t n, double rtol)
{
    double scale = 0.0, worst = 0.0;
    size_t wi = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(num[i]));
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - num[i]);
        if (!(d <= worst))
            worst = d, wi = i;
    }
    char name[160];
    snprintf(name, sizeof name, "%s: %s matches finite differences", k->label, what);
    int ok = CHECK(name, worst <= rtol * scale + 1e-6);
    if (!ok)
        printf("    worst at %zu: %.9g vs %.9g (scale %.3g)\n", wi, (double)a[wi], num[wi], scale);
    return ok;
}

static void fd_check(const fdcase *k, gg_rng *rng)
{
    const size_t B = k->B, C = k->C, S = k->kind == K_LN ? 1 : k->S;
    const size_t N = B * C * S, P = C;
    const int params = k->kind != K_SM && k->kind != K_LSM;
    float *x = randv(rng, N, 1.5, k->kind == K_BN ? 0.7 : 0.0);
    float *c = randv(rng, N, 1.0, 0.0);
    float *g = params && k->affine ? randv(rng, P, 0.8, 1.0) : NULL;
    float *b = params && k->affine ? randv(rng, P, 1.0, 0.0) : NULL;
    float *rm = randv(rng, C, 0.5, 0.5), *rv = randv(rng, C, 0.3, 1.5);
    float *y = zerov(N), *sm = zerov(B * C), *sr = zerov(B * C);
    float *dx = zerov(N), *dg = zerov(P), *db = zerov(P);
    switch (k->kind) {
    case K_BN:
        gg_batchnorm_forward(y, sm, sr, k->batch_stats ? NULL : rm, k->batch_stats ? NULL : rv,
                             x, g, b, B, C, S, 0, k->eps, 0.1);
        gg_batchnorm_backward(dx, 0, g ? dg : NULL, b ? db : NULL, c, x, sm, sr, g, B, C, S,
                              k->batch_stats);
        break;
    case K_LN:
        gg_layernorm_forward(y, sm, sr, x, g, b, B, C, k->eps);
        gg_layernorm_backward(dx, 0, g ? dg : NULL, b ? db : NULL, c, x, sm, sr, g, B, C);
        break;
    case K_GN:
        gg_groupnorm_forward(y, sm, sr, x, g, b, B, C, S, k->G, k->eps);
        gg_groupnorm_backward(dx, 0, g ? dg : NULL, b ? db : NULL, c, x, sm, sr, g, B, C, S,
                              k->G);
        break;
    case K_SM:
    case K_LSM:
        gg_softmax_forward(y, x, B, C, S, k->kind == K_LSM);
        gg_softmax_backward(dx, 0, c, y, B, C, S, k->kind == K_LSM);
        break;
    }
    double *xd = todouble(x, N), *cd = todouble(c, N);
    double *gd = g ? todouble(g, P) : NULL, *bd = b ? todouble(b, P) : NULL;
    double *rmd = todouble(rm, C), *rvd = todouble(rv, C);
    fdstate st = {k, rmd, rvd, cd};
    double *num = malloc(N * sizeof *num);
    for (size_t i = 0; i < N; i++)
        num[i] = fd(&st, xd, gd, bd, xd, i);
    compare_grad("dx", k, dx, num, N, 2e-4);
    if (g) {
        for (size_t i = 0; i < P; i++)
            num[i] = fd(&st, xd, gd, bd, gd, i);
        compare_grad("dgamma", k, dg, num, P, 2e-4);
        for (size_t i = 0; i < P; i++)
            num[i] = fd(&st, xd, gd, bd, bd, i);
        compare_grad("dbeta", k, db, num, P, 2e-4);
    }
    free(x), free(c), free(g), free(b), free(rm), free(rv), free(y), free(sm), free(sr);
    free(dx), free(dg), free(db), free(xd), free(cd), free(gd), free(bd), free(rmd), free(rvd);
    free(num);
}

static void test_finite_differences(gg_rng *rng)
{
    static const fdcase cases[] = {
        {K_BN, 6, 3, 1, 0, 1, 1, 1e-5, "batchnorm1d train (6,3)"},
        {K_BN, 4, 5, 6, 0, 1, 1, 1e-5, "batchnorm train (4,5,6)"},
        {K_BN, 3, 2, 9, 0, 1, 0, 1e-5, "batchnorm train affine=False (3,2,9)"},
        {K_BN, 1, 4, 12, 0, 1, 1, 1e-3, "batchnorm train B=1 (1,4,12) eps 1e-3"},
        {K_BN, 5, 3, 1, 0, 0, 1, 1e-5, "batchnorm1d eval (5,3)"},
        {K_BN, 2, 6, 7, 0, 0, 1, 1e-5, "batchnorm eval (2,6,7)"},
        {K_BN, 1, 3, 1, 0, 0, 1, 0.5, "batchnorm1d eval B=1 eps 0.5"},
        {K_BN, 8, 1, 1, 0, 1, 1, 1e-5, "batchnorm1d train C=1 S=1 (8,1)"},
        {K_LN, 4, 9, 1, 0, 0, 1, 1e-5, "layernorm (4,9)"},
        {K_LN, 3, 130, 1, 0, 0, 1, 1e-5, "layernorm (3,130)"},
        {K_LN, 5, 6, 1, 0, 0, 0, 1e-5, "layernorm no affine (5,6)"},
        {K_LN, 3, 4, 1, 0, 0, 1, 0.7, "layernorm eps 0.7 (3,4)"},
        {K_LN, 4, 1, 1, 0, 0, 1, 1e-5, "layernorm D=1 (4,1)"},
        {K_GN, 2, 6, 5, 3, 0, 1, 1e-5, "groupnorm G=3 (2,6,5)"},
        {K_GN, 3, 4, 6, 1, 0, 1, 1e-5, "groupnorm G=1 (3,4,6)"},
        {K_GN, 2, 4, 6, 4, 0, 1, 1e-5, "groupnorm G=C (2,4,6)"},
        {K_GN, 2, 8, 3, 2, 0, 0, 1e-5, "groupnorm no affine G=2 (2,8,3)"},
        {K_GN, 2, 6, 1, 2, 0, 1, 1e-5, "groupnorm S=1 G=2 (2,6)"},
        {K_SM, 3, 7, 1, 0, 0, 0, 0, "softmax (3,7) last dim"},
        {K_SM, 2, 5, 6, 0, 0, 0, 0, "softmax (2,5,6) dim 1"},
        {K_SM, 2, 1, 3, 0, 0, 0, 0, "softmax n=1"},
        {K_LSM, 3, 7, 1, 0, 0, 0, 0, "log_softmax (3,7) last dim"},
        {K_LSM, 2, 5, 6, 0, 0, 0, 0, "log_softmax (2,5,6) dim 1"},
        {K_LSM, 2, 1, 3, 0, 0, 0, 0, "log_softmax n=1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        fd_check(&cases[i], rng);
}

/* ---- running statistics, by hand ---- */

static void test_running_stats(void)
{
    // x = 1, 2, 3, 4 in one channel (B = 4): mean 2.5, unbiased var 5/3.
    const float x[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    float y[4], sm, si, rm = 0.0f, rv = 1.0f;
    gg_batchnorm_forward(y, &sm, &si, &rm, &rv, x, NULL, NULL, 4, 1, 1, 1, 1e-5, 0.1);
    CHECK("mean 2.5", sm == 2.5f);
    CHECK("invstd = 1/sqrt(1.25 + eps)", si == (float)(1.0 / sqrt(1.25 + 1e-5)));
    CHECK("running_mean = 0.1*2.5", rm == (float)(0.1 * 2.5));
    CHECK("running_var = 0.1*5/3 + 0.9", rv == (float)(0.1 * (5.0 / 3.0) + 0.9));
    // Second step from those values, momentum 0.5.
    float rm0 = rm, rv0 = rv;
    gg_batchnorm_forward(y, &sm, &si, &rm, &rv, x, NULL, NULL, 4, 1, 1, 1, 1e-5, 0.5);
    CHECK("running_mean, second step", rm == (float)(0.5 * 2.5 + 0.5 * (double)rm0));
    CHECK("running_var, second step", rv == (float)(0.5 * (5.0 / 3.0) + 0.5 * (double)rv0));
    // The same four values as (B=2, C=1, S=2): n = B*S = 4, the same statistics.
    float rm2 = 0.0f, rv2 = 1.0f;
    gg_batchnorm_forward(y, &sm, &si, &rm2, &rv2, x, NULL, NULL, 2, 1, 2, 1, 1e-5, 0.1);
    CHECK("S=2: n = B*S", rm2 == (float)(0.1 * 2.5) && rv2 == (float)(0.1 * (5.0 / 3.0) + 0.9));
    // B = 1 with S = 4 in training: n = 4 > 1, updated.
    float rm3 = 0.0f, rv3 = 1.0f;
    gg_batchnorm_forward(y, &sm, &si, &rm3, &rv3, x, NULL, NULL, 1, 1, 4, 1, 1e-5, 0.1);
    CHECK("B=1 S=4 training updates", rm3 == (float)(0.1 * 2.5));
    // n = 1 in training: statistics of one value, running stats untouched (torch refuses
    // the call; gg_batchnorm_check says so).
    float rm4 = 0.25f, rv4 = 2.0f, one = 3.0f, y1;
    gg_batchnorm_forward(&y1, &sm, &si, &rm4, &rv4, &one, NULL, NULL, 1, 1, 1, 1, 1e-5, 0.1);
    CHECK("n=1: running stats untouched", rm4 == 0.25f && rv4 == 2.0f);
    CHECK("n=1: y = 0", y1 == 0.0f);
    // Momentum 0 keeps, 1 replaces.
    float rm5 = 7.0f, rv5 = 3.0f;
    gg_batchnorm_forward(y, &sm, &si, &rm5, &rv5, x, NULL, NULL, 4, 1, 1, 1, 1e-5, 0.0);
    CHECK("momentum 0 keeps the running stats", rm5 == 7.0f && rv5 == 3.0f);
    gg_batchnorm_forward(y, &sm, &si, &rm5, &rv5, x, NULL, NULL, 4, 1, 1, 1, 1e-5, 1.0);
    CHECK("momentum 1 replaces them", rm5 == 2.5f && rv5 == (float)(5.0 / 3.0));
    // Evaluation: running stats used, not changed; save_* get what was used.
    float rm6 = 1.0f, rv6 = 4.0f;
    gg_batchnorm_forward(y, &sm, &si, &rm6, &rv6, x, NULL, NULL, 4, 1, 1, 0, 1e-5, 0.1);
    CHECK("eval: running stats unchanged", rm6 == 1.0f && rv6 == 4.0f);
    CHECK("eval: saved mean/invstd are the running ones",
          sm == 1.0f && si == 1.0f / sqrtf(4.0f + 1e-5f));
    CHECK("eval: y = (x - 1)/sqrt(4 + eps)", y[2] == 3.0f * si + -1.0f * si);
    // Training without running stats (track_running_stats=False): batch statistics.
    gg_batchnorm_forward(y, &sm, &si, NULL, NULL, x, NULL, NULL, 4, 1, 1, 0, 1e-5, 0.1);
    CHECK("no running stats: batch statistics even in eval", sm == 2.5f);
}

/* ---- backward contracts: acc, NULL outputs, aliasing ---- */

static void test_backward_contracts(gg_rng *rng)
{
    const size_t B = 3, C = 6, S = 5, G = 2, N = B * C * S;
    float *x = randv(rng, N, 1.0, 0.3), *dy = randv(rng, N, 1.0, 0.0);
    float *g = randv(rng, C, 1.0, 1.0), *bt = randv(rng, C, 1.0, 0.0);
    float *y = zerov(N), *sm = zerov(B * C), *sr = zerov(B * C), *prior = randv(rng, N, 1.0, 0.0);
    for (int kind = 0; kind < 5; kind++) {
        static const char *names[] = {"batchnorm", "layernorm", "groupnorm", "softmax",
                                      "log_softmax"};
        const size_t P = kind == 1 ? C * S : C;  // LayerNorm over rows of D = C*S
        float *d0 = zerov(N), *d1 = copyv(prior, N), *d2 = copyv(dy, N);
        float *dg0 = zerov(P), *db0 = zerov(P), *dgp = randv(rng, P, 1.0, 0.0);
        float *dbp = randv(rng, P, 1.0, 0.0), *dg1 = copyv(dgp, P), *db1 = copyv(dbp, P);
        float *dg2 = zerov(P), *db2 = zerov(P);
        float *gg = kind == 1 ? randv(rng, P, 1.0, 1.0) : g;
        switch (kind) {
        case 0:
            gg_batchnorm_forward(y, sm, sr, NULL, NULL, x, g, bt, B, C, S, 1, 1e-5, 0.1);
            gg_batchnorm_backward(d0, 0, dg0, db0, dy, x, sm, sr, g, B, C, S, 1);
            gg_batchnorm_backward(d1, 1, dg1, db1, dy, x, sm, sr, g, B, C, S, 1);
            gg_batchnorm_backward(d2, 0, NULL, NULL, d2, x, sm, sr, g, B, C, S, 1);
            gg_batchnorm_backward(NULL, 0, dg2, db2, dy, x, sm, sr, g, B, C, S, 1);
            break;
        case 1:
            gg_layernorm_forward(y, sm, sr, x, gg, NULL, B, C * S, 1e-5);
            gg_layernorm_backward(d0, 0, dg0, db0, dy, x, sm, sr, gg, B, C * S);
            gg_layernorm_backward(d1, 1, dg1, db1, dy, x, sm, sr, gg, B, C * S);
            gg_layernorm_backward(d2, 0, NULL, NULL, d2, x, sm, sr, gg, B, C * S);
            gg_layernorm_backward(NULL, 0, dg2, db2, dy, x, sm, sr, gg, B, C * S);
            break;
        case 2:
            gg_groupnorm_forward(y, sm, sr, x, g, bt, B, C, S, G, 1e-5);
            gg_groupnorm_backward(d0, 0, dg0, db0, dy, x, sm, sr, g, B, C, S, G);
            gg_groupnorm_backward(d1, 1, dg1, db1, dy, x, sm, sr, g, B, C, S, G);
            gg_groupnorm_backward(d2, 0, NULL, NULL, d2, x, sm, sr, g, B, C, S, G);
            gg_groupnorm_backward(NULL, 0, dg2, db2, dy, x, sm, sr, g, B, C, S, G);
            break;
        default: {
            const int lg = kind == 4;
            gg_softmax_forward(y, x, B, C, S, lg);
            gg_softmax_backward(d0, 0, dy, y, B, C, S, lg);
            gg_softmax_backward(d1, 1, dy, y, B, C, S, lg);
            gg_softmax_backward(d2, 0, d2, y, B, C, S, lg);
            gg_softmax_backward(NULL, 0, dy, y, B, C, S, lg);  // nothing to do, no crash
            memcpy(dg1, dgp, P * sizeof *dg1), memcpy(db1, dbp, P * sizeof *db1);
            memset(dg0, 0, P * sizeof *dg0), memset(db0, 0, P * sizeof *db0);
            break;
        }
        }
        char name[120];
        int acc_ok = 1, par_ok = 1;
        for (size_t i = 0; i < N; i++)
            acc_ok &= same_bits(d1[i], prior[i] + d0[i]);
        for (size_t i = 0; i < P; i++)
            par_ok &= same_bits(dg1[i], dgp[i] + dg0[i]) && same_bits(db1[i], dbp[i] + db0[i]);
        snprintf(name, sizeof name, "%s: acc=1 adds the acc=0 result to dx bit for bit", names[kind]);
        CHECK(name, acc_ok);
        snprintf(name, sizeof name, "%s: dgamma/dbeta accumulate onto old values", names[kind]);
        CHECK(name, par_ok);
        snprintf(name, sizeof name, "%s: dx over dy (acc=0) gives the same bits", names[kind]);
        CHECK_SAME(name, d2, d0, N);
        if (kind < 3) {
            snprintf(name, sizeof name, "%s: dx = NULL leaves dgamma/dbeta the same",
                     names[kind]);
            CHECK(name, first_diff(dg2, dg0, P) == P && first_diff(db2, db0, P) == P);
        }
        free(d0), free(d1), free(d2), free(dg0), free(db0), free(dgp), free(dbp), free(dg1);
        free(db1), free(dg2), free(db2);
        if (kind == 1)
            free(gg);
    }
    // The same contracts for softmax along contiguous rows (inner = 1, 4 rows at a time).
    for (int lg = 0; lg < 2; lg++) {
        const size_t R = 7, n = 300, M = R * n;  // a tail of 3 rows; n past one 256 chunk
        float *xs = randv(rng, M, 3.0, 0.0), *ds = randv(rng, M, 1.0, 0.0), *ys = zerov(M);
        float *d0 = zerov(M), *d1 = randv(rng, M, 1.0, 0.0), *p1 = copyv(d1, M), *d2 = copyv(ds, M);
        gg_softmax_forward(ys, xs, R, n, 1, lg);
        gg_softmax_backward(d0, 0, ds, ys, R, n, 1, lg);
        gg_softmax_backward(d1, 1, ds, ys, R, n, 1, lg);
        gg_softmax_backward(d2, 0, d2, ys, R, n, 1, lg);
        int acc_ok = 1;
        for (size_t i = 0; i < M; i++)
            acc_ok &= same_bits(d1[i], p1[i] + d0[i]);
        CHECK(lg ? "log_softmax rows: acc=1 adds bit for bit" : "softmax rows: acc=1 adds bit for bit",
              acc_ok);
        CHECK_SAME(lg ? "log_softmax rows: dx over dy" : "softmax rows: dx over dy", d2, d0, M);
        free(xs), free(ds), free(ys), free(d0), free(d1), free(p1), free(d2);
    }
    // Forward in place (y over x) for the normalisations gives the same bits.
    float *y2 = copyv(x, N);
    gg_batchnorm_forward(y, sm, sr, NULL, NULL, x, g, bt, B, C, S, 1, 1e-5, 0.1);
    gg_batchnorm_forward(y2, sm, sr, NULL, NULL, y2, g, bt, B, C, S, 1, 1e-5, 0.1);
    CHECK_SAME("batchnorm forward in place", y2, y, N);
    memcpy(y2, x, N * sizeof *y2);
    gg_layernorm_forward(y, NULL, NULL, x, NULL, NULL, B, C * S, 1e-5);
    gg_layernorm_forward(y2, NULL, NULL, y2, NULL, NULL, B, C * S, 1e-5);
    CHECK_SAME("layernorm forward in place, stats not saved", y2, y, N);
    memcpy(y2, x, N * sizeof *y2);
    gg_groupnorm_forward(y, NULL, NULL, x, g, bt, B, C, S, G, 1e-5);
    gg_groupnorm_forward(y2, NULL, NULL, y2, g, bt, B, C, S, G, 1e-5);
    CHECK_SAME("groupnorm forward in place, stats not saved", y2, y, N);
    // Evaluation-mode BatchNorm backward: no sums needed for dx alone.
    float *rm = randv(rng, C, 0.5, 0.0), *rv = randv(rng, C, 0.2, 1.0);
    float *e0 = zerov(N);
    gg_batchnorm_forward(y, sm, sr, rm, rv, x, g, bt, B, C, S, 0, 1e-5, 0.1);
    gg_batchnorm_backward(e0, 0, NULL, NULL, dy, x, sm, sr, g, B, C, S, 0);
    int ok = 1;
    for (size_t c = 0; c < C; c++)
        for (size_t b = 0; b < B; b++)
            for (size_t s = 0; s < S; s++) {
                size_t e = (b * C + c) * S + s;
                ok &= same_bits(e0[e], dy[e] * (1.0f / sqrtf(rv[c] + 1e-5f)) * g[c]);
            }
    CHECK("batchnorm eval dx = dy*invstd*gamma, invstd = 1/sqrtf(rv + eps)", ok);
    free(x), free(dy), free(g), free(bt), free(y), free(sm), free(sr), free(prior), free(y2);
    free(rm), free(rv), free(e0);
}

/* ---- edge cases ---- */

static void test_edges(void)
{
    // BatchNorm, C = 1, S = 1, B = 2: y = -1, +1 (up to eps).
    {
        const float x[2] = {3.0f, 5.0f};
        float y[2], sm, si;
        gg_batchnorm_forward(y, &sm, &si, NULL, NULL, x, NULL, NULL, 2, 1, 1, 1, 1e-5, 0.1);
        CHECK_NEAR("bn C=1 S=1: y0 = -1", y[0], -1.0 / sqrt(1.0 + 1e-5), 3e-7);
        CHECK_NEAR("bn C=1 S=1: y1 = +1", y[1], 1.0 / sqrt(1.0 + 1e-5), 3e-7);
    }
    // eps matters: var 1, eps 3 gives invstd 1/2.
    {
        const float x[2] = {-1.0f, 1.0f};
        float y[2], sm, si;
        gg_batchnorm_forward(y, &sm, &si, NULL, NULL, x, NULL, NULL, 2, 1, 1, 1, 3.0, 0.1);
        CHECK("bn eps 3: invstd 0.5 exactly", si == 0.5f && y[0] == -0.5f && y[1] == 0.5f);
        float ln[2], m, r;
        gg_layernorm_forward(ln, &m, &r, x, NULL, NULL, 1, 2, 3.0);
        CHECK("ln eps 3: rstd 0.5 exactly", r == 0.5f && ln[0] == -0.5f && ln[1] == 0.5f);
    }
    // A constant channel: var 0, y = beta, dx finite.
    {
        float x[6] = {2, 2, 2, 2, 2, 2}, y[6], sm, si, dy[6] = {1, -2, 3, 0.5f, 1, 1}, dx[6];
        const float g = 1.5f, b = -0.25f;
        gg_batchnorm_forward(y, &sm, &si, NULL, NULL, x, &g, &b, 2, 1, 3, 1, 1e-5, 0.1);
        CHECK("bn constant channel: y = beta", y[0] == -0.25f && y[5] == -0.25f);
        gg_batchnorm_backward(dx, 0, NULL, NULL, dy, x, &sm, &si, &g, 2, 1, 3, 1);
        int fin = 1;
        for (int i = 0; i < 6; i++)
            fin &= isfinite(dx[i]);
        CHECK("bn constant channel: dx finite", fin);
    }
    // LayerNorm with D = 1: exactly beta (torch, built with FMA contraction, gives
    // rounding noise of ~1e-5 instead), and a zero input gradient.
    {
        const float x[3] = {3.9841f, -2.5f, 1e6f}, g = 2.0f, b = 0.125f, dy[3] = {1, 2, 3};
        float y[3], m[3], r[3], dx[3], dg = 0.0f, db = 0.0f;
        gg_layernorm_forward(y, m, r, x, &g, &b, 3, 1, 1e-5);
        CHECK("layernorm D=1: y = beta exactly", y[0] == 0.125f && y[1] == 0.125f && y[2] == 0.125f);
        gg_layernorm_backward(dx, 0, &dg, &db, dy, x, m, r, &g, 3, 1);
        CHECK("layernorm D=1: dx = 0", dx[0] == 0.0f && dx[1] == 0.0f && dx[2] == 0.0f);
        CHECK("layernorm D=1: dgamma 0, dbeta 6", dg == 0.0f && db == 6.0f);
    }
    // GroupNorm with G = C is InstanceNorm: each plane normalised on its own, and the same
    // as LayerNorm over that plane; G = 1 without affine is LayerNorm over (C, S).
    {
        gg_rng r;
        gg_rng_seed(&r, 5);
        const size_t B = 2, C = 3, S = 10, N = B * C * S;
        float *x = randv(&r, N, 2.0, 1.0), *y = zerov(N), *z = zerov(N);
        float m[6], rs[6], m2[6], rs2[6];
        gg_groupnorm_forward(y, m, rs, x, NULL, NULL, B, C, S, C, 1e-5);
        gg_layernorm_forward(z, m2, rs2, x, NULL, NULL, B * C, S, 1e-5);
        CHECK("groupnorm G=C: the statistics of LayerNorm over each plane",
              first_diff(m, m2, 6) == 6 && first_diff(rs, rs2, 6) == 6);
        double worst = 0.0;
        for (size_t i = 0; i < N; i++)
            worst = fmax(worst, fabs((double)y[i] - (double)z[i]));
        CHECK("groupnorm G=C == layernorm per plane (to rounding)", worst < 1e-6);
        gg_groupnorm_forward(y, m, rs, x, NULL, NULL, B, C, S, 1, 1e-5);
        gg_layernorm_forward(z, m2, rs2, x, NULL, NULL, B, C * S, 1e-5);
        CHECK("groupnorm G=1: the statistics of LayerNorm over (C,S)",
              first_diff(m, m2, 2) == 2 && first_diff(rs, rs2, 2) == 2);
        worst = 0.0;
        for (size_t i = 0; i < N; i++)
            worst = fmax(worst, fabs((double)y[i] - (double)z[i]));
        CHECK("groupnorm G=1 == layernorm over (C,S) (to rounding)", worst < 1e-6);
        free(x), free(y), free(z);
    }
    // Softmax over one element: exactly 1 (log: exactly 0); backward: softmax dx = 0,
    // log_softmax dx = dy - 1*dy = 0.
    {
        const float x[3] = {7.5f, -1e30f, 1e4f}, dy[3] = {1.0f, -2.0f, 0.5f};
        float y[3], l[3], dx[3], dl[3];
        gg_softmax_forward(y, x, 3, 1, 1, 0);
        gg_softmax_forward(l, x, 3, 1, 1, 1);
        CHECK("softmax n=1 is exactly 1", y[0] == 1.0f && y[1] == 1.0f && y[2] == 1.0f);
        CHECK("log_softmax n=1 is exactly 0", l[0] == 0.0f && l[1] == 0.0f && l[2] == 0.0f);
        gg_softmax_backward(dx, 0, dy, y, 3, 1, 1, 0);
        gg_softmax_backward(dl, 0, dy, l, 3, 1, 1, 1);
        CHECK("softmax n=1: dx = 0", dx[0] == 0.0f && dx[1] == 0.0f && dx[2] == 0.0f);
        CHECK("log_softmax n=1: dx = 0", dl[0] == 0.0f && dl[1] == 0.0f && dl[2] == 0.0f);
    }
    // -inf, +inf and NaN rows (torch 1.13: a row of -inf, or holding +inf or NaN, is NaN;
    // a -inf entry among finite ones has probability 0, log-probability -inf).
    {
        const float ni = -INFINITY;
        const float x[12] = {ni, ni, ni, 1.0f, ni, 2.0f, 1.0f, INFINITY, 0.0f, 1.0f, NAN, 2.0f};
        float y[12], l[12];
        gg_softmax_forward(y, x, 4, 3, 1, 0);
        gg_softmax_forward(l, x, 4, 3, 1, 1);
        CHECK("softmax all -inf -> NaN", isnan(y[0]) && isnan(y[1]) && isnan(y[2]));
        CHECK("log_softmax all -inf -> NaN", isnan(l[0]) && isnan(l[1]) && isnan(l[2]));
        CHECK("softmax -inf entry -> 0", y[4] == 0.0f && y[3] > 0.0f);
        CHECK("log_softmax -inf entry -> -inf", l[4] == -INFINITY && isfinite(l[3]));
        CHECK_NEAR("softmax [1, -inf, 2]", y[5], 1.0 / (1.0 + exp(-1.0)), 1e-7);
        CHECK("softmax row with +inf -> NaN", isnan(y[6]) && isnan(y[7]) && isnan(y[8]));
        CHECK("softmax row with NaN -> NaN", isnan(y[9]) && isnan(y[10]) && isnan(y[11]));
        CHECK("log_softmax row with NaN -> NaN", isnan(l[9]) && isnan(l[10]) && isnan(l[11]));
        // Along a non-last dim the same rules (inner = 2: columns).
        const float xc[6] = {ni, 1.0f, ni, NAN, ni, 3.0f};
        float yc[6];
        gg_softmax_forward(yc, xc, 1, 3, 2, 0);
        CHECK("softmax dim 1: all -inf column and NaN column -> NaN",
              isnan(yc[0]) && isnan(yc[2]) && isnan(yc[4]) && isnan(yc[1]) && isnan(yc[5]));
        // Backward through a -inf entry: softmax gives 0 there, log_softmax passes dy.
        const float dy[3] = {0.5f, 2.0f, -1.0f};
        float dx[3], dl[3];
        gg_softmax_backward(dx, 0, dy, y + 3, 1, 3, 1, 0);
        gg_softmax_backward(dl, 0, dy, l + 3, 1, 3, 1, 1);
        CHECK("softmax backward at a -inf entry: 0", dx[1] == 0.0f);
        CHECK("log_softmax backward at a -inf entry: dy", dl[1] == 2.0f);
    }
    // Logits of 1e4: no overflow (the max is subtracted first).
    {
        const float x[3] = {1e4f, 1e4f, -1e4f};
        float y[3], l[3];
        gg_softmax_forward(y, x, 1, 3, 1, 0);
        gg_softmax_forward(l, x, 1, 3, 1, 1);
        CHECK("softmax(1e4, 1e4, -1e4) = (1/2, 1/2, 0)", y[0] == 0.5f && y[1] == 0.5f && y[2] == 0.0f);
        CHECK("log_softmax(1e4, 1e4, -1e4) = (-ln 2, -ln 2, -2e4 - ln 2)",
              l[0] == -(float)log(2.0) && l[2] == -2e4f - (float)log(2.0));
    }
}

/* ---- values from PyTorch 1.13 (copied from a throwaway script; torch sums differently
 * and fuses some multiply-adds, so within a few float ulps) ---- */

static void check_vals(const char *name, const float *got, const size_t *idx, const double *want,
                       size_t n, double tol)
{
    char buf[120];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "%s[%zu] vs torch", name, idx[i]);
        CHECK_NEAR(buf, got[idx[i]], want[i], tol * fmax(1.0, fabs(want[i])));
    }
}

static void test_torch_values(void)
{
    // nn.BatchNorm2d(2) in training on x (2,2,2,2), weight (1.5, -0.5), bias (0.25, 1).
    {
        const float x[16] = {0.5f, -1.25f, 2.0f, 3.5f, 1.0f, 0.25f, -0.75f, 4.0f,
                             -2.0f, 0.0f, 1.5f, 2.5f, 3.0f, -0.5f, 0.75f, -1.0f};
        const float dy[16] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.05f, -0.15f,
                              0.2f, 0.2f, -0.1f, 0.0f, 0.7f, -0.3f, 0.25f, -0.45f};
        const float g[2] = {1.5f, -0.5f}, b[2] = {0.25f, 1.0f};
        float y[16], sm[2], si[2], rm[2] = {0, 0}, rv[2] = {1, 1}, dx[16], dg[2] = {0, 0},
              db[2] = {0, 0};
        gg_batchnorm_forward(y, sm, si, rm, rv, x, g, b, 2, 2, 4, 1, 1e-5, 0.1);
        gg_batchnorm_backward(dx, 0, dg, db, dy, x, sm, si, g, 2, 2, 4, 1);
        static const size_t iy[] = {0, 1, 5, 8, 15};
        static const double wy[] = {-0.0424589813, -1.53134096, 1.17607665, -2.16943336, 1.54676437};
        check_vals("bn2d y", y, iy, wy, 5, 2e-7);
        static const size_t i2[] = {0, 1};
        static const double wrm[] = {0.0843750015, 0.0843750015}, wrv[] = {1.25524557, 1.22488832};
        // model.c's double-precision momentum: within an ulp of torch's float one.
        check_vals("bn2d running_mean", rm, i2, wrm, 2, 2.5e-7);
        check_vals("bn2d running_var", rv, i2, wrv, 2, 2.5e-7);
        static const size_t idx[] = {0, 1, 7, 10, 15};
        static const double wdx[] = {0.00101566967, -0.194909379, 0.123148024, -0.203034773,
                                     0.0992389992};
        check_vals("bn2d dx", dx, idx, wdx, 5, 2e-7);
        static const double wdg[] = {0.561875701, 1.0268048}, wdb[] = {0.900000036, 0.200000003};
        check_vals("bn2d dgamma", dg, i2, wdg, 2, 2e-7);
        check_vals("bn2d dbeta", db, i2, wdb, 2, 2e-7);
    }
    // nn.BatchNorm1d(3) in eval with batch 1: running mean (0.1, -0.2, 0.3), var (0.5, 2,
    // 1.5), weight (2, 0.5, -1), bias (0, 1, 0.5).
    {
        const float x[3] = {0.5f, -2.0f, 3.0f}, dy[3] = {1.0f, -2.0f, 0.5f};
        const float g[3] = {2.0f, 0.5f, -1.0f}, b[3] = {0.0f, 1.0f, 0.5f};
        float rm[3] = {0.1f, -0.2f, 0.3f}, rv[3] = {0.5f, 2.0f, 1.5f};
        float y[3], sm[3], si[3], dx[3], dg[3] = {0, 0, 0}, db[3] = {0, 0, 0};
        gg_batchnorm_forward(y, sm, si, rm, rv, x, g, b, 1, 3, 1, 0, 1e-5, 0.1);
        gg_batchnorm_backward(dx, 0, dg, db, dy, x, sm, si, g, 1, 3, 1, 0);
        static const size_t i3[] = {0, 1, 2};
        static const double wy[] = {1.13135946, 0.363605559, -1.70453346};
        static const double wdx[] = {2.82839894, -0.707105041, -0.408246934};
        static const double wdg[] = {0.565679789, 2.545578, 1.10226679};
        check_vals("bn1d eval y", y, i3, wy, 3, 2e-7);
        check_vals("bn1d eval dx", dx, i3, wdx, 3, 2e-7);
        check_vals("bn1d eval dgamma", dg, i3, wdg, 3, 2e-7);
    }
    // nn.LayerNorm(5), weight (1, -1, 0.5, 2, 1.5), bias (0.1 .. 0.5), two rows.
    {
        const float x[10] = {1, 2, 3, 4, 10, -1.0f, 0.5f, 0.25f, -3.0f, 2.0f};
        const float dy[10] = {0.3f, -0.1f, 0.2f, 0.5f, -0.4f, 1.0f, 0.0f, -1.0f, 0.5f, 0.25f};
        const float g[5] = {1.0f, -1.0f, 0.5f, 2.0f, 1.5f}, b[5] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
        float y[10], m[2], r[2], dx[10], dg[5] = {0}, db[5] = {0};
        gg_layernorm_forward(y, m, r, x, g, b, 2, 5, 1e-5);
        gg_layernorm_backward(dx, 0, dg, db, dy, x, m, r, g, 2, 5);
        static const size_t iy[] = {0, 3, 4, 6, 9};
        static const double wy[] = {-0.848682821, 0.400000006, 3.34604859, -0.248209909, 2.51694465};
        static const double wdx[] = {-0.0531261414, 0.259306669, -0.0645106137, -0.131061718,
                                     0.279129684};
        check_vals("layernorm y", y, iy, wy, 5, 3e-7);
        check_vals("layernorm dx", dx, iy, wdx, 5, 3e-7);
        static const size_t i5[] = {0, 1, 2, 3, 4};
        static const double wdg[] = {-0.732814789, 0.0632455274, -0.362052143, -0.821718156,
                                     -0.422788858};
        static const double wdb[] = {1.29999995, -0.100000001, -0.800000012, 1.0, -0.150000006};
        check_vals("layernorm dgamma", dg, i5, wdg, 5, 3e-7);
        check_vals("layernorm dbeta", db, i5, wdb, 5, 3e-7);
    }
    // nn.GroupNorm(2, 4) on (1, 4, 3), weight (1, 2, -0.5, 0.75), bias (0, -1, 0.5, 0.25).
    {
        const float x[12] = {0.5f, 1.5f, -0.25f, 2.0f, 3.0f, -1.0f, 0.0f, 0.1f, 0.2f, 4.0f, -4.0f, 1.0f};
        const float dy[12] = {0.2f, -0.3f, 0.1f, 0.5f, 0.0f, -0.5f, 1.0f, 0.25f, -0.75f, 0.3f, 0.3f, -0.6f};
        const float g[4] = {1.0f, 2.0f, -0.5f, 0.75f}, b[4] = {0.0f, -1.0f, 0.5f, 0.25f};
        float y[12], m[2], r[2], dx[12], dg[4] = {0}, db[4] = {0};
        gg_groupnorm_forward(y, m, r, x, g, b, 1, 4, 3, 2, 1e-5);
        gg_groupnorm_backward(dx, 0, dg, db, dy, x, m, r, g, 1, 4, 3, 2);
        static const size_t iy[] = {0, 4, 5, 7, 10};
        static const double wy[] = {-0.337702185, 2.00861883, -3.88581848, 0.524961174, -1.1032517};
        static const double wdx[] = {0.227568746, -0.357289284, -0.39409861, -0.0361666381,
                                     0.0957537591};
        check_vals("groupnorm y", y, iy, wy, 5, 3e-7);
        check_vals("groupnorm dx", dx, iy, wdx, 5, 3e-7);
        static const size_t i4[] = {0, 1, 2, 3};
        static const double wdg[] = {-0.276301771, 1.10520697, -0.0998446643, -0.256743431};
        static const double wdb[] = {0.0, 0.0, 0.5, 0.0};  // torch: -7.45e-9 for the first
        check_vals("groupnorm dgamma", dg, i4, wdg, 4, 3e-7);
        check_vals("groupnorm dbeta", db, i4, wdb, 4, 3e-7);
    }
    // torch.softmax / log_softmax of (1e4, 1e4-1, 1e4-20, -1e4), dy (1, -1, 0.5, 2).
    {
        const float x[4] = {1e4f, 1e4f - 1.0f, 1e4f - 20.0f, -1e4f}, dy[4] = {1.0f, -1.0f, 0.5f, 2.0f};
        float y[4], l[4], dx[4], dl[4];
        gg_softmax_forward(y, x, 1, 4, 1, 0);
        gg_softmax_forward(l, x, 1, 4, 1, 1);
        gg_softmax_backward(dx, 0, dy, y, 1, 4, 1, 0);
        gg_softmax_backward(dl, 0, dy, l, 1, 4, 1, 1);
        static const size_t i4[] = {0, 1, 2, 3};
        static const double wy[] = {0.731058598, 0.268941432, 1.50682411e-09, 0.0};
        static const double wl[] = {-0.313261658, -1.31326163, -20.313261, -20000.3125};
        static const double wdx[] = {0.393223852, -0.393223882, 5.70827691e-11, 0.0};
        static const double wdl[] = {-0.827646494, -1.67235363, 0.5, 2.0};
        check_vals("softmax 1e4 y", y, i4, wy, 4, 2e-7);
        check_vals("log_softmax 1e4 y", l, i4, wl, 4, 2e-7);
        check_vals("softmax 1e4 dx", dx, i4, wdx, 4, 2e-7);
        check_vals("log_softmax 1e4 dx", dl, i4, wdl, 4, 2e-7);
        CHECK_REL("softmax 1e4 y[2] (relative)", y[2], 1.50682411e-09, 1e-6);
    }
    // Softmax over dim 1 of (1, 3, 2) with a -inf: torch.softmax(x, 1).
    {
        const float x[6] = {0.5f, -1.0f, -INFINITY, 2.0f, 1.5f, 0.0f};
        const float dy[6] = {0.3f, -0.7f, 1.0f, 0.2f, -0.4f, 0.6f};
        float y[6], l[6], dx[6], dl[6];
        gg_softmax_forward(y, x, 1, 3, 2, 0);
        gg_softmax_forward(l, x, 1, 3, 2, 1);
        gg_softmax_backward(dx, 0, dy, y, 1, 3, 2, 0);
        gg_softmax_backward(dl, 0, dy, l, 1, 3, 2, 1);
        static const size_t i6[] = {0, 1, 2, 3, 4, 5};
        static const double wy[] = {0.268941432, 0.0420100652, 0.0, 0.843794703, 0.731058598,
                                    0.114195198};
        static const double wdx[] = {0.137628362, -0.0381396338, 0.0, -0.00663983729,
                                     -0.137628347, 0.0447794758};
        static const double wdl[] = {0.0579527281, -0.704200983, 1.0, 0.115620509, -1.05795276,
                                     0.588580489};
        check_vals("softmax dim1 y", y, i6, wy, 6, 2e-7);
        check_vals("softmax dim1 dx", dx, i6, wdx, 6, 2e-7);
        check_vals("log_softmax dim1 dx", dl, i6, wdl, 6, 2e-7);
        static const size_t il[] = {0, 1, 3, 4, 5};
        static const double wl[] = {-1.31326163, -3.16984606, -0.169846043, -0.313261658,
                                    -2.16984606};
        check_vals("log_softmax dim1 y", l, il, wl, 5, 2e-7);
        CHECK("log_softmax dim1 y[2] = -inf", l[2] == -INFINITY);
    }
}

/* ---- validation ---- */

static void test_checks(void)
{
    gg_err err;
    CHECK_EQ("batchnorm check ok", gg_batchnorm_check(4, 1, 1, 1e-5, 0.1, &err), GG_OK);
    CHECK_EQ("batchnorm B=1 S=9 training ok", gg_batchnorm_check(1, 9, 1, 1e-5, 0.1, &err), GG_OK);
    CHECK_EQ("batchnorm B=1 eval ok", gg_batchnorm_check(1, 1, 0, 1e-5, 0.1, &err), GG_OK);
    CHECK_EQ("batchnorm n=1 training", gg_batchnorm_check(1, 1, 1, 1e-5, 0.1, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "more than 1 value per channel in training, got 1");
    CHECK_EQ("batchnorm eps 0", gg_batchnorm_check(4, 1, 1, 0.0, 0.1, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "eps must be > 0, got 0");
    CHECK_EQ("batchnorm momentum 1.5", gg_batchnorm_check(4, 1, 1, 1e-5, 1.5, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "momentum must be in [0, 1], got 1.5");
    CHECK_EQ("batchnorm momentum NaN", gg_batchnorm_check(4, 1, 1, 1e-5, NAN, &err), GG_EINVAL);
    CHECK_EQ("layernorm eps ok", gg_layernorm_check(1e-5, &err), GG_OK);
    CHECK_EQ("layernorm eps -1", gg_layernorm_check(-1.0, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "layernorm eps must be > 0, got -1");
    CHECK_EQ("groupnorm ok", gg_groupnorm_check(6, 3, 1e-5, &err), GG_OK);
    CHECK_EQ("groupnorm 6 channels 4 groups", gg_groupnorm_check(6, 4, 1e-5, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "divisible by num_groups, got 6 channels and 4 groups");
    CHECK_EQ("groupnorm 0 groups", gg_groupnorm_check(6, 0, 1e-5, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "num_groups must be >= 1, got 0");
    CHECK_EQ("groupnorm eps inf", gg_groupnorm_check(6, 3, INFINITY, &err), GG_EINVAL);
}

int main(void)
{
    gg_rng rng;
    gg_rng_seed(&rng, 20261206);
    test_bn_s1_twin(&rng);
    test_bn_twin(&rng);
    test_ln_twin(&rng);
    test_gn_twin(&rng);
    test_softmax_twin(&rng);
    {
        gg_rng r2;
        gg_rng_seed(&r2, 37);
        test_order_sensitive(&r2);
    }
    test_pinned_hashes();
    test_ln_many_rows();
    test_finite_differences(&rng);
    test_running_stats();
    test_backward_contracts(&rng);
    test_edges();
    test_torch_values();
    test_checks();
    return CHECK_DONE();
}
