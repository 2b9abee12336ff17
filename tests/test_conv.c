/* tests/test_conv.c — convolution and pooling kernels (core/conv.h).
 * Convolution: every instruction-set path and chunk size against a naive float twin that
 * spells out conv.h's fma orders (bit for bit), and against a direct 7-loop convolution
 * in double; many shapes (stride, dilation, groups, depthwise, asymmetric padding, 1x1,
 * conv1d, batch 1, odd sizes, widths that are not a multiple of the vector width); the
 * batch split into single samples gives the same bits; central finite differences in
 * double for dx, dW, db (objective L = sum(c * y), so dL/dy = c); the acc contract;
 * gg_conv_check's messages. Pooling: values by hand (ties, NaN, -inf, ceil_mode,
 * count_include_pad, adaptive windows), gradients by finite differences and by hand, the
 * acc contract, gg_pool_check's rules and messages. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conv.h"
#include "rng.h"

static float *randv(gg_rng *r, size_t n, double scale)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(scale * gg_rng_normal(r));
    return v;
}

static float *copyv(const float *a, size_t n)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    memcpy(v, a, n * sizeof *v);
    return v;
}

/* Same bits, or both NaN (a NaN's payload is not part of the contract). */
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

/* A validated shape from the fields in struct order (oh, ow and chunk filled). */
static gg_conv_shape mk(size_t cin, size_t cout, size_t groups, size_t ih, size_t iw, size_t kh,
                        size_t kw, size_t sh, size_t sw, size_t ph0, size_t ph1, size_t pw0,
                        size_t pw1, size_t dh, size_t dw)
{
    gg_conv_shape s = {cin, cout, groups, ih, iw, kh, kw, sh, sw, ph0, ph1, pw0, pw1, dh, dw, 0, 0, 0};
    gg_err err;
    if (gg_conv_check(&s, &err) != GG_OK) {
        printf("bad test shape: %s\n", err.msg);
        exit(2);
    }
    return s;
}

static size_t xsize(const gg_conv_shape *s, size_t B) { return B * s->cin * s->ih * s->iw; }
static size_t ysize(const gg_conv_shape *s, size_t B) { return B * s->cout * s->oh * s->ow; }
static size_t wsize(const gg_conv_shape *s) { return s->cout * (s->cin / s->groups) * s->kh * s->kw; }

/* ---- the twins ---- */

/* Input index of patch value k of output (b, o, oy, ox), or -1 in the padding. */
static long patch_index(const gg_conv_shape *s, size_t b, size_t o, size_t oy, size_t ox,
                        size_t k)
{
    const size_t Cg = s->cin / s->groups, Og = s->cout / s->groups, g = o / Og;
    const size_t c = k / (s->kh * s->kw), ky = k / s->kw % s->kh, kx = k % s->kw;
    const long iy = (long)(oy * s->sh + ky * s->dh) - (long)s->ph0;
    const long ix = (long)(ox * s->sw + kx * s->dw) - (long)s->pw0;
    if (iy < 0 || iy >= (long)s->ih || ix < 0 || ix >= (long)s->iw)
        return -1;
    return (long)(((b * s->cin + g * Cg + c) * s->ih + (size_t)iy) * s->iw + (size_t)ix);
}

/* conv.h's forward spelled out: s = 0, s = fma(X, W, s) over k (padding zeros included),
 * then + bias. */
static void twin_forward(float *y, const float *x, const float *W, const float *b,
                         const gg_conv_shape *s, size_t B)
{
    const size_t Kg = (s->cin / s->groups) * s->kh * s->kw;
    for (size_t n = 0; n < B; n++)
        for (size_t o = 0; o < s->cout; o++)
            for (size_t oy = 0; oy < s->oh; oy++)
                for (size_t ox = 0; ox < s->ow; ox++) {
                    float acc = 0.0f;
                    for (size_t k = 0; k < Kg; k++) {
                        const long i = patch_index(s, n, o, oy, ox, k);
                        acc = fmaf(i < 0 ? 0.0f : x[i], W[o * Kg + k], acc);
                    }
                    y[((n * s->cout + o) * s->oh + oy) * s->ow + ox] = b ? acc + b[o] : acc;
                }
}

/* conv.h's backward spelled out: db and dW chains over r = (b, oy, ox) in order; dx one
 * chain per input element over the group's outputs, then the taps that can read it. */
static void twin_backward(float *dx, int acc, float *dW, float *db, const float *dy,
                          const float *x, const float *W, const gg_conv_shape *s, size_t B)
{
    const size_t Cg = s->cin / s->groups, Og = s->cout / s->groups, Kg = Cg * s->kh * s->kw;
    const size_t P = s->oh * s->ow;
    for (size_t n = 0; n < B; n++)
        for (size_t p = 0; p < P; p++)
            for (size_t o = 0; o < s->cout; o++) {
                const float d = dy[(n * s->cout + o) * P + p];
                if (db)
                    db[o] += d;
                for (size_t k = 0; dW && k < Kg; k++) {
                    const long i = patch_index(s, n, o, p / s->ow, p % s->ow, k);
                    dW[o * Kg + k] = fmaf(d, i < 0 ? 0.0f : x[i], dW[o * Kg + k]);
                }
            }
    for (size_t n = 0; dx && n < B; n++)
        for (size_t ci = 0; ci < s->cin; ci++)
            for (size_t iy = 0; iy < s->ih; iy++)
                for (size_t ix = 0; ix < s->iw; ix++) {
                    const size_t g = ci / Cg, c = ci % Cg;
                    float S = 0.0f;
                    for (size_t j = 0; j < Og; j++)
                        for (size_t ky = 0; ky < s->kh; ky++)
                            for (size_t kx = 0; kx < s->kw; kx++) {
                                const long a = (long)(iy + s->ph0) - (long)(ky * s->dh);
                                const long e = (long)(ix + s->pw0) - (long)(kx * s->dw);
                                if (((a % (long)s->sh) + (long)s->sh) % (long)s->sh ||
                                    ((e % (long)s->sw) + (long)s->sw) % (long)s->sw)
                                    continue;  // this tap never reads the element
                                const long oy = a / (long)s->sh, ox = e / (long)s->sw;
                                const size_t o = g * Og + j;
                                const int in = oy >= 0 && oy < (long)s->oh && ox >= 0 && ox < (long)s->ow;
                                const float d = in ? dy[(n * s->cout + o) * P + (size_t)oy * s->ow + (size_t)ox] : 0.0f;
                                S = fmaf(d, W[o * Kg + (c * s->kh + ky) * s->kw + kx], S);
                            }
                    float *t = dx + ((n * s->cin + ci) * s->ih + iy) * s->iw + ix;
                    *t = acc ? *t + S : S;
                }
}

/* The direct convolution in double, with optional perturbations of x, W, b. Also returns
 * per output the sum of |terms| (for a cancellation-proof tolerance) when mag != NULL. */
static void ref_forward(double *y, double *mag, const float *x, const float *W, const float *b,
                        const gg_conv_shape *s, size_t B, const double *dxp, const double *dWp,
                        const double *dbp)
{
    const size_t Kg = (s->cin / s->groups) * s->kh * s->kw;
    for (size_t n = 0; n < B; n++)
        for (size_t o = 0; o < s->cout; o++)
            for (size_t oy = 0; oy < s->oh; oy++)
                for (size_t ox = 0; ox < s->ow; ox++) {
                    double acc = b ? (double)b[o] + (dbp ? dbp[o] : 0.0) : 0.0;
                    double m = b ? fabs((double)b[o]) : 0.0;
                    for (size_t k = 0; k < Kg; k++) {
                        const long i = patch_index(s, n, o, oy, ox, k);
                        if (i < 0)
                            continue;
                        const double xv = (double)x[i] + (dxp ? dxp[i] : 0.0);
                        const double wv = (double)W[o * Kg + k] + (dWp ? dWp[o * Kg + k] : 0.0);
                        acc += xv * wv;
                        m += fabs(xv * wv);
                    }
                    const size_t at = ((n * s->cout + o) * s->oh + oy) * s->ow + ox;
                    y[at] = acc;
                    if (mag)
                        mag[at] = m;
                }
}

/* ---- the kernels through the public API ---- */

static void run_forward(gg_isa isa, float *y, const float *x, const float *W, const float *b,
                        const gg_conv_shape *s, size_t B)
{
    float *scratch = malloc(gg_conv_scratch(s, B) * sizeof *scratch);
    gg_conv_forward(isa, y, x, W, b, scratch, s, B);
    free(scratch);
}

static void run_backward(gg_isa isa, float *dx, int acc, float *dW, float *db, const float *dy,
                         const float *x, const float *W, const gg_conv_shape *s, size_t B)
{
    float *scratch = malloc(gg_conv_scratch(s, B) * sizeof *scratch);
    gg_conv_backward(isa, dx, acc, dW, db, dy, x, W, scratch, s, B);
    free(scratch);
}

/* ---- shapes ---- */

typedef struct tcase {
    size_t f[15];  /* cin cout groups ih iw kh kw sh sw ph0 ph1 pw0 pw1 dh dw */
    size_t B;
    const char *what;
} tcase;

static const tcase cases[] = {
    {{1, 6, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 3, "1->6 3x3 pad 1"},
    {{6, 16, 1, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 2, "6->16 3x3 pad 1 on 4x4"},
    {{3, 5, 1, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 2, "stride 2, odd sizes"},
    {{4, 6, 2, 9, 7, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2}, 2, "groups 2, dilation 2"},
    {{5, 5, 5, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 2, "depthwise"},
    {{4, 8, 4, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 3, "depthwise x2, stride 2"},
    {{3, 4, 1, 6, 5, 4, 2, 1, 1, 1, 2, 0, 1, 1, 1}, 2, "asymmetric padding ('same', even kernel)"},
    {{7, 3, 1, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1}, 2, "1x1"},
    {{8, 17, 1, 4, 4, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1}, 1, "1x1 stride 2, cout 17, batch 1"},
    {{3, 5, 1, 1, 20, 1, 5, 1, 1, 0, 0, 2, 2, 1, 1}, 3, "conv1d"},
    {{2, 3, 1, 1, 15, 1, 3, 1, 2, 0, 0, 1, 0, 1, 3}, 2, "conv1d stride 2 dilation 3 asymmetric"},
    {{16, 33, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 2, "cout 33"},
    {{3, 2, 1, 5, 6, 5, 6, 1, 1, 0, 0, 0, 0, 1, 1}, 2, "kernel = input: 1x1 output"},
    {{2, 3, 1, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1}, 2, "padding 2 on 3x3, stride 3"},
    {{32, 64, 1, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 2, "32->64 stride 2"},
    {{6, 9, 3, 10, 3, 2, 3, 3, 1, 0, 1, 1, 1, 1, 2}, 3, "groups 3, kernel 2x3, stride 3x1"},
    {{2, 7, 1, 3, 40, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1}, 1, "wide rows, batch 1"},
    {{20, 10, 2, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 2, "groups 2, 10 channels each"},
    {{3, 4, 1, 11, 10, 2, 2, 4, 3, 1, 0, 2, 1, 1, 1}, 2, "stride 4x3 > kernel: input phases no tap reads"},
    {{2, 3, 1, 9, 9, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2}, 2, "stride 2 with dilation 2"},
    {{2, 2, 1, 5, 6, 1, 2, 1000, 7, 0, 0, 0, 1, 1, 1}, 3, "stride 1000x7"},
    {{5, 7, 1, 10, 9, 3, 3, 2, 2, 0, 1, 1, 0, 1, 1}, 2, "stride 2, asymmetric padding, odd sizes"},
    {{2, 2, 1, 9, 8, 3, 3, 1, 2, 0, 0, 0, 0, 2, 1}, 2, "stride 1x2, dilation 2x1 (paired dx rows)"},
    {{3, 4, 1, 10, 9, 3, 3, 3, 2, 1, 1, 1, 1, 1, 1}, 2, "stride 3x2, odd width"},
};
#define NCASES (sizeof cases / sizeof cases[0])

static gg_conv_shape case_shape(const tcase *t)
{
    const size_t *f = t->f;
    return mk(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12],
              f[13], f[14]);
}

/* Every ISA and chunk size against the twin, bit for bit; the twin against double. */
static void test_paths(void)
{
    static const size_t chunks[] = {0, 1, 5, 16, 33, 100};
    gg_rng r;
    gg_rng_seed(&r, 11);
    int fwd_ok[GG_ISA_COUNT] = {1, 1, 1}, bwd_ok[GG_ISA_COUNT] = {1, 1, 1};
    int runs[GG_ISA_COUNT] = {0, 0, 0};
    double worst_fwd = 0.0, worst_dx = 0.0, worst_dw = 0.0;
    for (size_t c = 0; c < NCASES; c++) {
        gg_conv_shape s = case_shape(&cases[c]);
        const size_t B = cases[c].B, nx = xsize(&s, B), ny = ysize(&s, B), nw = wsize(&s);
        float *x = randv(&r, nx, 1.0), *W = randv(&r, nw, 0.5), *b = randv(&r, s.cout, 0.5);
        float *dy = randv(&r, ny, 1.0);
        if (c % 4 == 1)
            x[nx / 2] = INFINITY;  // specials travel the same chains
        if (c % 4 == 3)
            x[0] = NAN;
        const int with_bias = c % 3 != 2;
        float *yt = malloc(ny * sizeof *yt);
        twin_forward(yt, x, W, with_bias ? b : NULL, &s, B);
        // Twin backward, acc = 1 onto a start value, dW and db onto non-zero values.
        float *dx0 = randv(&r, nx, 0.1), *dW0 = randv(&r, nw, 0.1), *db0 = randv(&r, s.cout, 0.1);
        float *dxt = copyv(dx0, nx), *dWt = copyv(dW0, nw), *dbt = copyv(db0, s.cout);
        twin_backward(dxt, 1, dWt, dbt, dy, x, W, &s, B);
        float *dxt0 = malloc(nx * sizeof *dxt0);
        twin_backward(dxt0, 0, NULL, NULL, dy, x, W, &s, B);

        // The twin against the double reference (finite entries only).
        double *yd = malloc(ny * sizeof *yd), *mag = malloc(ny * sizeof *mag);
        ref_forward(yd, mag, x, W, with_bias ? b : NULL, &s, B, NULL, NULL, NULL);
        for (size_t i = 0; i < ny; i++)
            if (isfinite(yd[i]))
                worst_fwd = fmax(worst_fwd, fabs((double)yt[i] - yd[i]) / (mag[i] + 1e-30));
        free(yd), free(mag);

        for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
            if (!gg_isa_supported((gg_isa)isa))
                continue;
            for (size_t q = 0; q < sizeof chunks / sizeof chunks[0]; q++) {
                gg_conv_shape sc = s;
                if (chunks[q])
                    sc.chunk = chunks[q];
                float *y = malloc(ny * sizeof *y);
                run_forward((gg_isa)isa, y, x, W, with_bias ? b : NULL, &sc, B);
                fwd_ok[isa] &= all_same(y, yt, ny);
                float *dx = copyv(dx0, nx), *dW = copyv(dW0, nw), *db = copyv(db0, s.cout);
                run_backward((gg_isa)isa, dx, 1, dW, db, dy, x, W, &sc, B);
                int ok = all_same(dx, dxt, nx) && all_same(dW, dWt, nw) && all_same(db, dbt, s.cout);
                // acc = 0 over garbage; dx only; dW only; db only.
                for (size_t i = 0; i < nx; i++)
                    dx[i] = 1e30f;
                run_backward((gg_isa)isa, dx, 0, NULL, NULL, dy, x, W, &sc, B);
                ok &= all_same(dx, dxt0, nx);
                memcpy(dW, dW0, nw * sizeof *dW);
                run_backward((gg_isa)isa, NULL, 0, dW, NULL, dy, x, W, &sc, B);
                ok &= all_same(dW, dWt, nw);
                memcpy(db, db0, s.cout * sizeof *db);
                run_backward((gg_isa)isa, NULL, 0, NULL, db, dy, x, W, &sc, B);
                ok &= all_same(db, dbt, s.cout);
                if (!ok || !all_same(y, yt, ny))
                    printf("  mismatch: %s, case '%s', chunk %zu\n", gg_isa_name((gg_isa)isa),
                           cases[c].what, chunks[q]);
                bwd_ok[isa] &= ok;
                runs[isa]++;
                free(y), free(dx), free(dW), free(db);
            }
        }
        // Gradients of the twin against double sums (dx and dW, finite cases).
        if (c % 4 == 0 || c % 4 == 2) {
            const size_t Kg = nw / s.cout, P = s.oh * s.ow;
            double *gx = calloc(nx, sizeof *gx), *mx = calloc(nx, sizeof *mx);
            for (size_t n = 0; n < B; n++)
                for (size_t o = 0; o < s.cout; o++)
                    for (size_t p = 0; p < P; p++)
                        for (size_t k = 0; k < Kg; k++) {
                            const long i = patch_index(&s, n, o, p / s.ow, p % s.ow, k);
                            if (i < 0)
                                continue;
                            const double t = (double)dy[(n * s.cout + o) * P + p] * (double)W[o * Kg + k];
                            gx[i] += t;
                            mx[i] += fabs(t);
                        }
            for (size_t i = 0; i < nx; i++)
                worst_dx = fmax(worst_dx, fabs((double)dxt0[i] - gx[i]) / (mx[i] + 1e-30));
            float *dWz = calloc(nw, sizeof *dWz);
            twin_backward(NULL, 0, dWz, NULL, dy, x, W, &s, B);
            for (size_t o = 0; o < s.cout; o++)
                for (size_t k = 0; k < Kg; k++) {
                    double acc = 0.0, m = 0.0;
                    for (size_t n = 0; n < B; n++)
                        for (size_t p = 0; p < P; p++) {
                            const long i = patch_index(&s, n, o, p / s.ow, p % s.ow, k);
                            if (i < 0)
                                continue;
                            const double t = (double)dy[(n * s.cout + o) * P + p] * (double)x[i];
                            acc += t;
                            m += fabs(t);
                        }
                    worst_dw = fmax(worst_dw, fabs((double)dWz[o * Kg + k] - acc) / (m + 1e-30));
                }
            free(gx), free(mx), free(dWz);
        }
        free(x), free(W), free(b), free(dy), free(yt), free(dx0), free(dW0), free(db0);
        free(dxt), free(dWt), free(dbt), free(dxt0);
    }
    char name[160];
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa)) {
            printf("skip: the %s path (not supported on this CPU or build)\n", gg_isa_name((gg_isa)isa));
            continue;
        }
        snprintf(name, sizeof name, "%s: %zu shapes x 6 chunk sizes run", gg_isa_name((gg_isa)isa), NCASES);
        CHECK_EQ(name, runs[isa], (int)(NCASES * 6));
        snprintf(name, sizeof name, "%s forward = the documented fma order, bit for bit (NaN, inf, no bias)",
                 gg_isa_name((gg_isa)isa));
        CHECK(name, fwd_ok[isa]);
        snprintf(name, sizeof name, "%s backward dx (acc 0/1), dW, db = the documented orders, bit for bit",
                 gg_isa_name((gg_isa)isa));
        CHECK(name, bwd_ok[isa]);
    }
    CHECK_NEAR("forward vs double direct convolution (relative to sum |x w|)", worst_fwd, 0.0, 1e-5);
    CHECK_NEAR("dx vs double (relative to sum |dy w|)", worst_dx, 0.0, 1e-5);
    CHECK_NEAR("dW vs double (relative to sum |dy x|)", worst_dw, 0.0, 1e-5);
}

/* test_batch_split's comparison for one chunk size (0: automatic). */
static void batch_split(size_t chunk)
{
    gg_rng r;
    gg_rng_seed(&r, 12);
    gg_conv_shape s = mk(3, 5, 1, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);  // 99 positions
    s.chunk = chunk ? chunk : s.chunk;
    const size_t B = 3, nx = xsize(&s, B), ny = ysize(&s, B), nw = wsize(&s);
    float *x = randv(&r, nx, 1.0), *W = randv(&r, nw, 0.5), *b = randv(&r, s.cout, 0.5);
    float *dy = randv(&r, ny, 1.0);
    int ok = 1;
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa))
            continue;
        float *y = malloc(ny * sizeof *y), *y1 = malloc(ny * sizeof *y1);
        float *dx = malloc(nx * sizeof *dx), *dx1 = malloc(nx * sizeof *dx1);
        float *dW = calloc(nw, sizeof *dW), *dW1 = calloc(nw, sizeof *dW1);
        float *db = calloc(s.cout, sizeof *db), *db1 = calloc(s.cout, sizeof *db1);
        run_forward((gg_isa)isa, y, x, W, b, &s, B);
        run_backward((gg_isa)isa, dx, 0, dW, db, dy, x, W, &s, B);
        for (size_t n = 0; n < B; n++) {
            run_forward((gg_isa)isa, y1 + n * ny / B, x + n * nx / B, W, b, &s, 1);
            run_backward((gg_isa)isa, dx1 + n * nx / B, 0, dW1, db1, dy + n * ny / B, x + n * nx / B,
                         W, &s, 1);
        }
        ok &= all_same(y, y1, ny) && all_same(dx, dx1, nx) && all_same(dW, dW1, nw) &&
              all_same(db, db1, s.cout);
        free(y), free(y1), free(dx), free(dx1), free(dW), free(dW1), free(db), free(db1);
    }
    char name[96];
    snprintf(name, sizeof name, "batch of 3 = 3 calls of 1 (y, dx, dW, db bit for bit, every path), chunk %zu", chunk);
    CHECK(name, ok);
    free(x), free(W), free(b), free(dy);
}

/* The batch in one call vs one sample per call: y and dx per sample, dW and db accumulated
 * call after call (their chains run over samples in order), bit for bit, with chunks of a
 * few samples, of one, and of bands of rows; and the automatic chunk of a large layer is a
 * band (a sample would exceed the scratch budget). */
static void test_batch_split(void)
{
    gg_conv_shape big = mk(64, 5, 1, 60, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
    CHECK("the automatic chunk of a large layer is smaller than a sample", big.chunk < big.oh * big.ow);
    static const size_t chunks[] = {0, 50, 150, 400};
    for (size_t q = 0; q < sizeof chunks / sizeof chunks[0]; q++)
        batch_split(chunks[q]);
}

/* Central differences in double (h = 1e-6 on a double forward) for dx, dW, db. */
static void test_fd(void)
{
    static const size_t shapes[][16] = {
        {2, 3, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},
        {3, 4, 1, 6, 7, 3, 2, 2, 2, 1, 0, 0, 1, 1, 1, 2},
        {4, 4, 2, 7, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1},
        {3, 3, 3, 5, 5, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 2},
        {2, 3, 1, 1, 11, 1, 4, 1, 2, 0, 0, 2, 1, 1, 2, 2},
    };
    gg_rng r;
    gg_rng_seed(&r, 13);
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const size_t *f = shapes[t];
        gg_conv_shape s = mk(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10],
                             f[11], f[12], f[13], f[14]);
        const size_t B = f[15], nx = xsize(&s, B), ny = ysize(&s, B), nw = wsize(&s);
        float *x = randv(&r, nx, 1.0), *W = randv(&r, nw, 0.5), *b = randv(&r, s.cout, 0.5);
        float *c = randv(&r, ny, 1.0);
        float *dx = malloc(nx * sizeof *dx), *dW = calloc(nw, sizeof *dW);
        float *db = calloc(s.cout, sizeof *db);
        run_backward(gg_isa_best(), dx, 0, dW, db, c, x, W, &s, B);
        double *y = malloc(ny * sizeof *y);
        const char *what[3] = {"dx", "dW", "db"};
        const float *g[3] = {dx, dW, db};
        const size_t n[3] = {nx, nw, s.cout};
        for (int which = 0; which < 3; which++) {
            double *d = calloc(n[which], sizeof *d), worst = 0.0;
            for (size_t k = 0; k < n[which]; k++) {
                double L[2];
                for (int side = 0; side < 2; side++) {
                    d[k] = side ? -1e-6 : 1e-6;
                    ref_forward(y, NULL, x, W, b, &s, B, which == 0 ? d : NULL, which == 1 ? d : NULL,
                                which == 2 ? d : NULL);
                    L[side] = 0.0;
                    for (size_t i = 0; i < ny; i++)
                        L[side] += (double)c[i] * y[i];
                }
                d[k] = 0.0;
                const double num = (L[0] - L[1]) / 2e-6;
                worst = fmax(worst, fabs((double)g[which][k] - num) / (1.0 + fabs(num)));
            }
            char name[128];
            snprintf(name, sizeof name, "%s vs central difference (shape %zu: %zux%zu k%zux%zu s%zu g%zu)",
                     what[which], t, s.ih, s.iw, s.kh, s.kw, s.sh, s.groups);
            CHECK_NEAR(name, worst, 0.0, 1e-5);
            free(d);
        }
        free(x), free(W), free(b), free(c), free(dx), free(dW), free(db), free(y);
    }
}

/* Small exact cases and the accumulate contract. */
static void test_exact(void)
{
    // 1 channel 3x3 input, 2x2 kernel, no padding: y = [[a, b], [c, d]].
    gg_conv_shape s = mk(1, 1, 1, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1);
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, W[4] = {1, 0, 0, -1}, b[1] = {10};
    float y[4];
    run_forward(gg_isa_best(), y, x, W, b, &s, 1);
    CHECK("exact forward: x[i] - x[i+4] + 10 = 6 everywhere",
          y[0] == 6.0f && y[1] == 6.0f && y[2] == 6.0f && y[3] == 6.0f);
    const float dy[4] = {1, 2, 3, 4};
    float dx[9], dW[4] = {0, 0, 0, 0}, db[1] = {0};
    run_backward(gg_isa_best(), dx, 0, dW, db, dy, x, W, &s, 1);
    // dW[k] = sum_p dy[p] x[p + off(k)]; db = 10; dx = full correlation with W.
    CHECK("exact dW", dW[0] == 1 + 4 + 12 + 20 && dW[1] == 2 + 6 + 15 + 24 &&
                          dW[2] == 4 + 10 + 21 + 32 && dW[3] == 5 + 12 + 24 + 36);
    CHECK("exact db", db[0] == 10.0f);
    const float dxw[9] = {1, 2, 0, 3, 3, -2, 0, -3, -4};
    CHECK("exact dx", memcmp(dx, dxw, sizeof dx) == 0);
    // acc = 1 adds onto the old values; dW and db keep accumulating.
    float dx2[9];
    for (int i = 0; i < 9; i++)
        dx2[i] = 100.0f;
    run_backward(gg_isa_best(), dx2, 1, dW, db, dy, x, W, &s, 1);
    int ok = 1;
    for (int i = 0; i < 9; i++)
        ok &= dx2[i] == 100.0f + dxw[i];
    CHECK("acc = 1 adds dx onto the old value", ok);
    CHECK("dW, db accumulate over calls", dW[0] == 2 * 37.0f && db[0] == 20.0f);

    // Conv1d 'same' with an even kernel (PyTorch pads total 1 as 0 before, 1 after).
    gg_conv_shape s1 = mk(1, 1, 1, 1, 4, 1, 2, 1, 1, 0, 0, 0, 1, 1, 1);
    const float x1[4] = {1, 2, 3, 4}, W1[2] = {1, 10};
    float y1[4];
    CHECK_EQ("conv1d same, even kernel: width kept", s1.ow, 4);
    run_forward(gg_isa_best(), y1, x1, W1, NULL, &s1, 1);
    CHECK("conv1d same values (no bias)", y1[0] == 21 && y1[1] == 32 && y1[2] == 43 && y1[3] == 4);
}

static void test_conv_check(void)
{
    gg_err err;
    gg_conv_shape s = {3, 4, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
    CHECK("a valid shape passes", gg_conv_check(&s, &err) == GG_OK && s.oh == 8 && s.ow == 8 && s.chunk > 0);
    CHECK("err cleared on success", err.code == GG_OK && err.msg[0] == '\0');
    gg_conv_shape t = s;
    t.sw = 0;
    CHECK("stride 0 fails", gg_conv_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message names the stride", err.msg, "stride sw must be >= 1, got 0");
    t = s;
    t.dh = 0;
    CHECK("dilation 0 fails", gg_conv_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message names the dilation", err.msg, "dilation dh must be >= 1, got 0");
    t = s;
    t.groups = 2;
    CHECK("cin not divisible by groups fails", gg_conv_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "in_channels 3 is not divisible by groups 2");
    t = s;
    t.cin = 4, t.cout = 6, t.groups = 4;
    CHECK("cout not divisible by groups fails", gg_conv_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "out_channels 6 is not divisible by groups 4");
    t = s;
    t.groups = 0;
    CHECK("groups 0 fails", gg_conv_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "groups must be >= 1, got 0");
    t = s;
    t.ih = 2, t.ph0 = t.ph1 = 1, t.kh = 5;
    CHECK("kernel larger than the padded input fails", gg_conv_check(&t, &err) == GG_ESHAPE);
    CHECK_CONTAINS("message", err.msg, "kernel height 5 is larger than the padded input height 4");
    t = s;
    t.iw = 4, t.pw0 = t.pw1 = 0, t.kw = 3, t.dw = 2;
    CHECK("dilated kernel larger than the input fails", gg_conv_check(&t, &err) == GG_ESHAPE);
    CHECK_CONTAINS("message", err.msg, "dilated kernel width 5 (kernel 3, dilation 2)");
    t = s;
    t.kw = 0;
    CHECK("kernel 0 fails", gg_conv_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "kernel width kw must be >= 1, got 0");
    t = s;
    t.cin = 1u << 20, t.ih = 1u << 10, t.iw = 1u << 10;
    CHECK("a huge input fails", gg_conv_check(&t, &err) == GG_ENOMEM);
    CHECK_CONTAINS("message", err.msg, "exceeds 2^31");
    t = s;
    t.sh = 2, t.ph0 = 0, t.ph1 = 1;  // (8 + 1 - 3)/2 + 1 = 4
    CHECK("stride 2 with asymmetric padding: oh", gg_conv_check(&t, &err) == GG_OK && t.oh == 4);
}

/* ---- pooling ---- */

static gg_pool_shape pmk(gg_pool_kind kind, size_t c, size_t ih, size_t iw, size_t kh, size_t kw,
                         size_t sh, size_t sw, size_t ph, size_t pw, size_t dh, size_t dw,
                         int ceil_mode, int count_include_pad)
{
    gg_pool_shape s = {kind, c, ih, iw, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode, count_include_pad, 0, 0};
    gg_err err;
    if (gg_pool_check(&s, &err) != GG_OK) {
        printf("bad pool shape: %s\n", err.msg);
        exit(2);
    }
    return s;
}

static void test_pool_values(void)
{
    const float x[16] = {1, 5, 2, 2, 3, 4, 2, 2, -1, -2, 9, NAN, -3, -4, 8, 7};
    gg_pool_shape s = pmk(GG_POOL_MAX, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1);
    float y[4];
    int32_t am[4];
    gg_pool_forward(y, am, x, &s, 1);
    CHECK("max 2x2: values", y[0] == 5 && y[1] == 2 && y[2] == -1 && isnan(y[3]));
    CHECK("max 2x2: argmax (a tie keeps the first, NaN wins)", am[0] == 1 && am[1] == 2 && am[2] == 8 && am[3] == 11);
    // The last NaN of a window wins; -inf everywhere keeps the first position.
    const float xn[4] = {NAN, 1, NAN, 2}, xi[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    gg_pool_shape s1 = pmk(GG_POOL_MAX, 1, 1, 4, 1, 4, 1, 4, 0, 0, 1, 1, 0, 1);
    gg_pool_forward(y, am, xn, &s1, 1);
    CHECK("max: NaN propagates, the last NaN's index", isnan(y[0]) && am[0] == 2);
    gg_pool_forward(y, am, xi, &s1, 1);
    CHECK("max: all -inf gives -inf at the first index", y[0] == -INFINITY && am[0] == 0);
    // Padding is -inf for max: a window [pad, -5] gives -5.
    const float xm[3] = {-5, -7, -6};
    gg_pool_shape s2 = pmk(GG_POOL_MAX, 1, 1, 3, 1, 2, 1, 2, 0, 1, 1, 1, 0, 1);
    CHECK_EQ("max pad 1 on width 3: 2 outputs", s2.ow, 2);
    gg_pool_forward(y, am, xm, &s2, 1);
    CHECK("max: padding never wins", y[0] == -5 && am[0] == 0 && y[1] == -6 && am[1] == 2);
    // Dilation 2, kernel 2 on width 5: windows {0,2}, {1,3}, {2,4}.
    const float xd[5] = {1, 9, 3, 0, 2};
    gg_pool_shape s3 = pmk(GG_POOL_MAX, 1, 1, 5, 1, 2, 1, 1, 0, 0, 1, 2, 0, 1);
    gg_pool_forward(y, am, xd, &s3, 1);
    CHECK("max dilation 2", s3.ow == 3 && y[0] == 3 && y[1] == 9 && y[2] == 3 && am[2] == 2);

    // ceil_mode: width 5, kernel 2, stride 2 -> 2 (floor) or 3 (ceil; the last window clipped).
    gg_pool_shape f = pmk(GG_POOL_AVG, 1, 1, 5, 1, 2, 1, 2, 0, 0, 1, 1, 0, 1);
    gg_pool_shape cm = pmk(GG_POOL_AVG, 1, 1, 5, 1, 2, 1, 2, 0, 0, 1, 1, 1, 1);
    CHECK("ceil_mode adds a clipped last window", f.ow == 2 && cm.ow == 3);
    const float xa[5] = {1, 2, 3, 4, 6};
    gg_pool_forward(y, NULL, xa, &cm, 1);
    CHECK("avg ceil_mode: the clipped window divides by 1", y[0] == 1.5f && y[1] == 3.5f && y[2] == 6.0f);
    // ceil_mode drops a last window that would start in the right padding:
    // width 5, kernel 2, stride 2, pad 1: (5 + 2 - 2 + 1)/2 + 1 = 4, but window 3 starts at 5.
    gg_pool_shape cd = pmk(GG_POOL_MAX, 1, 1, 5, 1, 2, 1, 2, 0, 1, 1, 1, 1, 1);
    CHECK_EQ("ceil_mode drops a window starting in the padding", cd.ow, 3);
    // count_include_pad: width 4, kernel 3, stride 1, pad 1: edges divide by 3 or 2.
    const float xc[4] = {3, 6, 9, 12};
    gg_pool_shape ci = pmk(GG_POOL_AVG, 1, 1, 4, 1, 3, 1, 1, 0, 1, 1, 1, 0, 1);
    gg_pool_shape ce = pmk(GG_POOL_AVG, 1, 1, 4, 1, 3, 1, 1, 0, 1, 1, 1, 0, 0);
    gg_pool_forward(y, NULL, xc, &ci, 1);
    CHECK("avg count_include_pad = 1", y[0] == 3.0f && y[1] == 6.0f && y[2] == 9.0f && y[3] == 7.0f);
    gg_pool_forward(y, NULL, xc, &ce, 1);
    CHECK("avg count_include_pad = 0", y[0] == 4.5f && y[1] == 6.0f && y[2] == 9.0f && y[3] == 10.5f);
    // ceil_mode + count_include_pad: the window clipped at in + pad counts that padding only.
    // Width 4, kernel 3, stride 2, pad 1, ceil: windows [-1,2), [1,4), [3,5) -> divisors 3, 3, 2.
    gg_pool_shape cp = pmk(GG_POOL_AVG, 1, 1, 4, 1, 3, 1, 2, 0, 1, 1, 1, 1, 1);
    gg_pool_forward(y, NULL, xc, &cp, 1);
    CHECK("avg ceil_mode + include_pad divisors", cp.ow == 3 && y[0] == 3.0f && y[1] == 9.0f && y[2] == 6.0f);

    // 2-d avg with padding, by hand: 3x3 of ones, kernel 2, stride 2, pad 1 -> 2x2 of 1/4.
    float ones[9], y4[4];
    for (int i = 0; i < 9; i++)
        ones[i] = 1.0f;
    gg_pool_shape a2 = pmk(GG_POOL_AVG, 1, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 1);
    gg_pool_forward(y4, NULL, ones, &a2, 1);
    CHECK("avg 2-d include_pad: corner 1/4, edges 2/4, centre 4/4",
          a2.oh == 2 && y4[0] == 0.25f && y4[1] == 0.5f && y4[2] == 0.5f && y4[3] == 1.0f);
}

/* The naive twin of the max pool forward: conv.h's scan, one window position at a time
 * (the kernel joins the rows of a 2x2 window and selects without branches). */
static void naive_max_pool(float *y, int32_t *am, const float *x, const gg_pool_shape *s, size_t B)
{
    for (size_t pi = 0; pi < B * s->c; pi++)
        for (size_t oy = 0; oy < s->oh; oy++)
            for (size_t ox = 0; ox < s->ow; ox++) {
                float m = -INFINITY;
                long mi = -1;
                for (size_t j = 0; j < s->kh; j++)
                    for (size_t i = 0; i < s->kw; i++) {
                        const long iy = (long)(oy * s->sh + j * s->dh) - (long)s->ph;
                        const long ix = (long)(ox * s->sw + i * s->dw) - (long)s->pw;
                        if (iy < 0 || ix < 0 || iy >= (long)s->ih || ix >= (long)s->iw)
                            continue;
                        const long at = iy * (long)s->iw + ix;
                        if (mi < 0)
                            mi = at;
                        const float v = x[pi * s->ih * s->iw + (size_t)at];
                        if (v > m || isnan(v)) {
                            m = v;
                            mi = at;
                        }
                    }
                y[(pi * s->oh + oy) * s->ow + ox] = m;
                am[(pi * s->oh + oy) * s->ow + ox] = (int32_t)mi;
            }
}

/* Max pool against the naive scan, bit for bit (NaN payloads included) with the argmax, on
 * values full of ties, NaNs of distinct payloads, infinities and signed zeros. */
static void test_pool_twin(void)
{
    static const size_t shapes[][11] = {
        // c, ih, iw, kh, kw, sh, sw, ph, pw, dh, ceil
        {3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 0}, {2, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1},
        {2, 7, 9, 2, 2, 2, 2, 1, 1, 1, 0}, {2, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1},
        {1, 8, 8, 3, 2, 1, 2, 1, 1, 2, 0}, {2, 5, 6, 2, 2, 1, 1, 0, 0, 1, 0},
    };
    gg_rng r;
    gg_rng_seed(&r, 41);
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const size_t *q = shapes[t];
        gg_pool_shape s = pmk(GG_POOL_MAX, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8],
                              q[9], q[9], (int)q[10], 1);
        const size_t B = 3, nx = B * s.c * s.ih * s.iw, ny = B * s.c * s.oh * s.ow;
        float *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y), *yn = malloc(ny * sizeof *yn);
        int32_t *am = malloc(ny * sizeof *am), *an = malloc(ny * sizeof *an);
        for (size_t i = 0; i < nx; i++) {
            const uint64_t u = gg_rng_u64(&r) % 16;
            uint32_t nan = 0x7fc00000u | (uint32_t)i;  // a NaN whose payload is its position
            float v = (float)(u % 4) - 1.5f;           // few distinct values: many ties
            if (u == 4)
                memcpy(&v, &nan, sizeof v);
            else if (u == 5)
                v = -INFINITY;
            else if (u == 6)
                v = INFINITY;
            else if (u == 7)
                v = -0.0f;
            else if (u == 8)
                v = 0.0f;
            x[i] = v;
        }
        gg_pool_forward(y, am, x, &s, B);
        naive_max_pool(yn, an, x, &s, B);
        char name[96];
        snprintf(name, sizeof name, "max pool twin %zu: same bits and argmax", t);
        CHECK(name, memcmp(y, yn, ny * sizeof *y) == 0 && memcmp(am, an, ny * sizeof *am) == 0);
        free(x), free(y), free(yn), free(am), free(an);
    }
}

static void test_pool_backward(void)
{
    // Max: overlapping windows (kernel 3, stride 1) route several outputs to one input.
    const float x[5] = {1, 9, 2, 3, 0};
    gg_pool_shape s = pmk(GG_POOL_MAX, 1, 1, 5, 1, 3, 1, 1, 0, 0, 1, 1, 0, 1);
    float y[3], dx[5];
    int32_t am[3];
    gg_pool_forward(y, am, x, &s, 1);
    const float dy[3] = {1, 2, 4};
    for (int i = 0; i < 5; i++)
        dx[i] = 1e30f;
    gg_pool_backward(dx, 0, dy, am, &s, 1);
    CHECK("max backward: 1 + 2 to the 9, 4 to the 3", dx[0] == 0 && dx[1] == 3 && dx[2] == 0 && dx[3] == 4 && dx[4] == 0);
    gg_pool_backward(dx, 1, dy, am, &s, 1);
    CHECK("max backward acc = 1 adds", dx[1] == 6 && dx[3] == 8 && dx[0] == 0);
    // Avg: kernel 2 stride 1 on width 3: dx = [d0/2, d0/2 + d1/2, d1/2].
    gg_pool_shape a = pmk(GG_POOL_AVG, 1, 1, 3, 1, 2, 1, 1, 0, 0, 1, 1, 0, 1);
    const float dya[2] = {2, 6};
    float dxa[3] = {5, 5, 5};
    gg_pool_backward(dxa, 0, dya, NULL, &a, 1);
    CHECK("avg backward by hand", dxa[0] == 1 && dxa[1] == 4 && dxa[2] == 3);
    gg_pool_backward(dxa, 1, dya, NULL, &a, 1);
    CHECK("avg backward acc = 1 adds", dxa[0] == 2 && dxa[1] == 8 && dxa[2] == 6);
    // A max window entirely in the padding (width 1, kernel 2, pad 1, dilation 2: positions
    // -1 and 1): -inf, and its gradient goes nowhere.
    gg_pool_shape e = pmk(GG_POOL_MAX, 1, 1, 1, 1, 2, 1, 1, 0, 1, 1, 2, 0, 1);
    float x1[1] = {3}, y1[1], dx1[1] = {7}, dy1[1] = {1};
    int32_t am1[1];
    gg_pool_forward(y1, am1, x1, &e, 1);
    CHECK("max: an all-padding window gives -inf", e.ow == 1 && y1[0] == -INFINITY);
    gg_pool_backward(dx1, 0, dy1, am1, &e, 1);
    CHECK("and routes its gradient nowhere", dx1[0] == 0.0f);
}

/* Finite differences (double sums over the float kernel, h small but exact in float: the
 * pools are piecewise linear, so with distinct inputs the difference quotient is exact). */
static void test_pool_fd(void)
{
    gg_rng r;
    gg_rng_seed(&r, 21);
    const gg_pool_shape shapes[] = {
        pmk(GG_POOL_MAX, 2, 6, 7, 3, 2, 2, 1, 1, 1, 1, 2, 0, 1),
        pmk(GG_POOL_MAX, 3, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1),
        pmk(GG_POOL_AVG, 2, 6, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1),
        pmk(GG_POOL_AVG, 2, 5, 6, 3, 2, 1, 2, 1, 1, 1, 1, 1, 0),
        pmk(GG_POOL_AVG, 3, 1, 9, 1, 3, 1, 2, 0, 1, 1, 1, 0, 1),
    };
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const gg_pool_shape *s = &shapes[t];
        const size_t B = 2, nx = B * s->c * s->ih * s->iw, ny = B * s->c * s->oh * s->ow;
        // Distinct inputs 0.01 apart (shuffled): no near-tie can flip a max under h = 1e-3.
        float *x = malloc(nx * sizeof *x), *c = randv(&r, ny, 1.0), *y = malloc(ny * sizeof *y);
        for (size_t i = 0; i < nx; i++)
            x[i] = 0.01f * (float)i - 1.0f;
        for (size_t i = nx; i-- > 1;) {
            const size_t j = (size_t)(gg_rng_uniform(&r) * (double)(i + 1)) % (i + 1);
            const float tmp = x[i];
            x[i] = x[j];
            x[j] = tmp;
        }
        float *dx = malloc(nx * sizeof *dx);
        int32_t *am = malloc((gg_pool_index_scratch(s, B) + 1) * sizeof *am);
        gg_pool_forward(y, am, x, s, B);
        gg_pool_backward(dx, 0, c, am, s, B);
        double worst = 0.0;
        for (size_t k = 0; k < nx; k++) {
            const float keep = x[k];
            double L[2];
            for (int side = 0; side < 2; side++) {
                x[k] = keep + (side ? -1e-3f : 1e-3f);
                gg_pool_forward(y, NULL, x, s, B);
                L[side] = 0.0;
                for (size_t i = 0; i < ny; i++)
                    L[side] += (double)c[i] * (double)y[i];
            }
            const double h2 = (double)(keep + 1e-3f) - (double)(keep - 1e-3f);
            x[k] = keep;
            const double num = (L[0] - L[1]) / h2;
            worst = fmax(worst, fabs((double)dx[k] - num) / (1.0 + fabs(num)));
        }
        char name[96];
        snprintf(name, sizeof name, "%s pool %zu: dx vs central difference", s->kind == GG_POOL_MAX ? "max" : "avg", t);
        CHECK_NEAR(name, worst, 0.0, 1e-3);
        free(x), free(c), free(y), free(dx), free(am);
    }
}

static void test_adaptive(void)
{
    // Width 5 -> 3: windows [0,2), [1,4), [3,5); width 2 -> 3: [0,1), [0,2), [1,2).
    const float x[5] = {1, 2, 3, 4, 8};
    float y[3];
    gg_adaptive_avg_pool_forward(y, x, 1, 1, 1, 5, 1, 3);
    CHECK("adaptive 5 -> 3 windows", y[0] == 1.5f && y[1] == 3.0f && y[2] == 6.0f);
    const float x2[2] = {2, 4};
    gg_adaptive_avg_pool_forward(y, x2, 1, 1, 1, 2, 1, 3);
    CHECK("adaptive 2 -> 3 (windows overlap)", y[0] == 2.0f && y[1] == 3.0f && y[2] == 4.0f);
    const float dy[3] = {3, 6, 9};
    float dx[5] = {9, 9, 9, 9, 9};
    gg_adaptive_avg_pool_backward(dx, 0, dy, 1, 1, 1, 5, 1, 3);
    CHECK("adaptive backward 5 -> 3", dx[0] == 1.5f && dx[1] == 3.5f && dx[2] == 2.0f && dx[3] == 6.5f && dx[4] == 4.5f);
    gg_adaptive_avg_pool_backward(dx, 1, dy, 1, 1, 1, 5, 1, 3);
    CHECK("adaptive backward acc = 1 adds", dx[0] == 3.0f && dx[4] == 9.0f);
    // 2-d, global (1x1): the mean of 2x3 planes, per plane and sample.
    const float xg[12] = {1, 2, 3, 4, 5, 6, -1, -1, -1, -1, -1, 5};
    float yg[2];
    gg_adaptive_avg_pool_forward(yg, xg, 2, 1, 2, 3, 1, 1);
    CHECK("adaptive global mean", yg[0] == 3.5f && yg[1] == 0.0f);
    // 2-d 4x4 -> 2x2 is a 2x2 average pool.
    gg_rng r;
    gg_rng_seed(&r, 22);
    float *xr = randv(&r, 3 * 16, 1.0), ya[12], yb[12];
    gg_adaptive_avg_pool_forward(ya, xr, 1, 3, 4, 4, 2, 2);
    gg_pool_shape s = pmk(GG_POOL_AVG, 3, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1);
    gg_pool_forward(yb, NULL, xr, &s, 1);
    int close = 1;
    for (int i = 0; i < 12; i++)
        close &= fabsf(ya[i] - yb[i]) <= 1e-6f * (1.0f + fabsf(yb[i]));
    CHECK("adaptive 4x4 -> 2x2 = avg pool 2x2", close);
    free(xr);
    gg_err err;
    CHECK("adaptive check: valid", gg_adaptive_pool_check(3, 4, 4, 7, 1, &err) == GG_OK);
    CHECK("adaptive check: output 0 fails", gg_adaptive_pool_check(3, 4, 4, 0, 1, &err) == GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "output height oh must be >= 1, got 0");
}

static void test_pool_check(void)
{
    gg_err err;
    gg_pool_shape s = {GG_POOL_MAX, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1, 0, 0};
    CHECK("valid pool", gg_pool_check(&s, &err) == GG_OK && s.oh == 4 && s.ow == 4);
    CHECK_EQ("index scratch", gg_pool_index_scratch(&s, 5), 5 * 3 * 16);
    gg_pool_shape t = s;
    t.ph = 2;
    CHECK("padding more than half the kernel fails", gg_pool_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "padding ph 2 must be at most half the kernel height 2");
    t = s;
    t.sw = 0;
    CHECK("stride 0 fails", gg_pool_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "stride sw must be >= 1, got 0");
    t = s;
    t.kind = GG_POOL_AVG, t.dw = 2;
    CHECK("avg with dilation fails", gg_pool_check(&t, &err) == GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "avg pooling has no dilation");
    t = s;
    t.ih = 1, t.kh = 3, t.ph = 0;
    CHECK("an empty output fails", gg_pool_check(&t, &err) == GG_ESHAPE);
    CHECK_CONTAINS("message", err.msg, "the output would be empty");
    t = s;
    t.kind = (gg_pool_kind)7;
    CHECK("unknown kind fails", gg_pool_check(&t, &err) == GG_EINVAL);
    t = s;
    t.kind = GG_POOL_AVG;
    CHECK_EQ("avg needs no index scratch", gg_pool_check(&t, &err) == GG_OK ? gg_pool_index_scratch(&t, 5) : 99, 0);
}

int main(void)
{
    test_conv_check();
    test_exact();
    test_paths();
    test_batch_split();
    test_fd();
    test_pool_values();
    test_pool_twin();
    test_pool_backward();
    test_pool_fd();
    test_adaptive();
    test_pool_check();
    return CHECK_DONE();
}
