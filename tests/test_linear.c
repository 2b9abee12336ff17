/* tests/test_linear.c — Linear kernels: every instruction-set path (isa.h) against the fma
 * sequences linear.h documents, bit for bit, and against a double reference; GGLAB_ISA's
 * parser; central finite-difference
 * gradient checks of dx, dW, db (objective L = sum(c * y), so dL/dy = c). Two FD checks:
 * a tight one against a double-precision copy of the forward (h = 1e-6), and a loose one
 * through the float32 kernel itself (h = 1e-2). Also the accumulate/overwrite contract. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "linear.h"
#include "rng.h"

static float *randv(gg_rng *r, size_t n, double scale)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(scale * gg_rng_normal(r));
    return v;
}

/* y = x W^T + b in double from float inputs. */
static void fwd_double(double *y, const float *x, const float *W, const float *b, size_t B,
                       size_t in, size_t out)
{
    for (size_t r = 0; r < B; r++)
        for (size_t o = 0; o < out; o++) {
            double s = (double)b[o];
            for (size_t i = 0; i < in; i++)
                s += (double)x[r * in + i] * (double)W[o * in + i];
            y[r * out + o] = s;
        }
}

/* linear.h's documented forward, spelled out independently of core/linear.c. */
static float documented_forward(const float *x, const float *w, size_t n, float b, int relu)
{
    float s = 0.0f;
    for (size_t k = 0; k < n; k++)
        s = fmaf(x[k], w[k], s);
    s += b;
    return relu && !(s > 0.0f) ? 0.0f : s;
}

/* Same bits, or both NaN (a NaN's payload is not part of the contract). */
static int same_bits(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static const size_t Bs[] = {1, 3, 7, 10, 16, 17, 33, 64};
static const size_t ins[] = {1, 3, 7, 8, 9, 16, 17, 31, 50, 100};
static const size_t outs[] = {1, 2, 5, 8, 12, 13, 25};
#define NSHAPES (sizeof Bs / sizeof Bs[0] * (sizeof ins / sizeof ins[0]) * (sizeof outs / sizeof outs[0]))

static int yt_ok = 1;

static void forward(gg_isa isa, float *y, const float *x, const float *W, const float *b,
                    size_t B, size_t in, size_t out, int relu)
{
    float *xt = malloc(gg_linear_scratch(B, in) * sizeof *xt + 1);
    float *yt = malloc(gg_linear_scratch(B, out) * sizeof *yt + 1);
    float *y2 = malloc(B * out * sizeof *y2), *y3 = malloc(B * out * sizeof *y3);
    gg_linear_forward(isa, y, x, W, b, B, in, out, relu, xt, 0, NULL);
    // The same with yt asked for, then again from the x^T the first call left in xt.
    gg_linear_forward(isa, y2, x, W, b, B, in, out, relu, xt, 0, yt);
    gg_linear_forward(isa, y3, x, W, b, B, in, out, relu, xt, gg_linear_transposes(isa), NULL);
    int same = memcmp(y, y2, B * out * sizeof *y) == 0 && memcmp(y, y3, B * out * sizeof *y) == 0;
    if (gg_linear_transposes(isa)) {  // yt is y transposed, rows padded to a multiple of the width
        size_t Bp = gg_linear_scratch(B, 1) >= B ? (isa == GG_ISA_AVX512 ? (B + 15) / 16 * 16 : (B + 7) / 8 * 8) : B;
        for (size_t r = 0; r < B; r++)
            for (size_t o = 0; o < out; o++)
                same &= memcmp(&yt[o * Bp + r], &y[r * out + o], sizeof *y) == 0;
    }
    yt_ok &= same;
    free(xt), free(yt), free(y2), free(y3);
}

static void test_forward(void)
{
    gg_rng r;
    gg_rng_seed(&r, 1);
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa)) {
            printf("skip: the %s path (not supported on this CPU or build)\n", gg_isa_name((gg_isa)isa));
            continue;
        }
        double worst_ref = 0.0;
        int order_ok = 1, cases = 0;
        for (size_t a = 0; a < sizeof Bs / sizeof Bs[0]; a++)
            for (size_t c = 0; c < sizeof ins / sizeof ins[0]; c++)
                for (size_t e = 0; e < sizeof outs / sizeof outs[0]; e++) {
                    size_t B = Bs[a], in = ins[c], out = outs[e];
                    int relu = (int)((a + c + e) % 2);
                    float *x = randv(&r, B * in, 1.0), *W = randv(&r, out * in, 0.5);
                    float *b = randv(&r, out, 0.5);
                    if (cases % 5 == 0)  // specials: they must travel the same chains
                        x[0] = cases % 10 ? INFINITY : NAN;
                    float *y = malloc(B * out * sizeof *y);
                    double *yd = malloc(B * out * sizeof *yd);
                    forward((gg_isa)isa, y, x, W, b, B, in, out, relu);
                    fwd_double(yd, x, W, b, B, in, out);
                    for (size_t rr = 0; rr < B; rr++)
                        for (size_t o = 0; o < out; o++) {
                            size_t k = rr * out + o;
                            order_ok &= same_bits(y[k], documented_forward(x + rr * in, W + o * in, in, b[o], relu));
                            if (!isfinite(yd[k]))
                                continue;
                            // Relative to the magnitude of the terms summed (cancellation-proof).
                            double mag = fabs((double)b[o]);
                            for (size_t i = 0; i < in; i++)
                                mag += fabs((double)x[rr * in + i] * (double)W[o * in + i]);
                            double want = relu && yd[k] <= 0.0 ? 0.0 : yd[k];
                            if (!(relu && fabs(yd[k]) < 1e-5 * mag))  // sign of a near-zero may differ
                                worst_ref = fmax(worst_ref, fabs((double)y[k] - want) / mag);
                        }
                    cases++;
                    free(x), free(W), free(b), free(y), free(yd);
                }
        char name[128];
        snprintf(name, sizeof name, "%s forward: shapes tested", gg_isa_name((gg_isa)isa));
        CHECK_EQ(name, cases, NSHAPES);
        snprintf(name, sizeof name, "%s forward vs double reference (relative to sum |x w|)", gg_isa_name((gg_isa)isa));
        CHECK_NEAR(name, worst_ref, 0.0, 1e-5);
        snprintf(name, sizeof name, "%s forward is linear.h's fma sequence bit for bit (relu, NaN, inf included)",
                 gg_isa_name((gg_isa)isa));
        CHECK(name, order_ok);
        snprintf(name, sizeof name, "%s forward: yt = y transposed; from a ready x^T the same y", gg_isa_name((gg_isa)isa));
        CHECK(name, yt_ok);

        // Exact small case: x = [1 2 3], W = [[1 0 -1],[0.5 0.5 0.5]], b = [10, -1].
        const float x[3] = {1, 2, 3}, W[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, b[2] = {10, -1};
        const float bneg[2] = {-10, -4};
        float y[2], yr[2];
        forward((gg_isa)isa, y, x, W, b, 1, 3, 2, 0);
        forward((gg_isa)isa, yr, x, W, bneg, 1, 3, 2, 1);
        snprintf(name, sizeof name, "%s exact forward y = (8, 2); relu(-12, -1) = (0, 0)", gg_isa_name((gg_isa)isa));
        CHECK(name, y[0] == 8.0f && y[1] == 2.0f && yr[0] == 0.0f && yr[1] == 0.0f);
    }
}

/* Many rows, few outputs (a transformer's B*L rows): the vector paths go over W^T
 * (gg_linear_by_rows); the same fma sequences, bit for bit, with and without bias and ReLU,
 * odd widths and tails of rows and lanes included; the yt hand-off (the x^T path) agrees. */
static void test_forward_by_rows(void)
{
    static const size_t sh[][3] = {{128, 64, 32}, {137, 7, 33}, {300, 64, 65}, {1024, 64, 192},
                                   {260, 1, 64}, {400, 17, 100}, {1030, 256, 64}, {531, 3, 47}};
    gg_rng r;
    gg_rng_seed(&r, 5);
    int rule = 1;
    for (size_t i = 0; i < sizeof sh / sizeof sh[0]; i++)
        rule &= gg_linear_by_rows(sh[i][0], sh[i][1], sh[i][2]);
    CHECK("the many-rows shapes take the W^T path", rule);
    CHECK("an MLP's shapes do not (batch 128, 784 -> 512; 512 -> 10)",
          !gg_linear_by_rows(128, 784, 512) && !gg_linear_by_rows(128, 512, 10));
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa))
            continue;
        int ok = 1, cases = 0;
        for (size_t i = 0; i < sizeof sh / sizeof sh[0]; i++)
            for (int v = 0; v < 3; v++) {  // bias, bias and ReLU, no bias
                size_t B = sh[i][0], in = sh[i][1], out = sh[i][2];
                const int relu = v == 1, bias = v != 2;
                float *x = randv(&r, B * in, 1.0), *W = randv(&r, out * in, 0.5);
                float *b = randv(&r, out, 0.5);
                x[(i * 7) % (B * in)] = i % 2 ? INFINITY : NAN;
                float *y = malloc(B * out * sizeof *y), *y2 = malloc(B * out * sizeof *y2);
                float *xt = malloc(gg_linear_scratch(B, in) * sizeof *xt);
                float *yt = malloc(gg_linear_scratch(B, out) * sizeof *yt);
                gg_linear_forward((gg_isa)isa, y, x, W, bias ? b : NULL, B, in, out, relu, xt, 0, NULL);
                gg_linear_forward((gg_isa)isa, y2, x, W, bias ? b : NULL, B, in, out, relu, xt, 0, yt);
                for (size_t rr = 0; rr < B; rr++)
                    for (size_t o = 0; o < out; o++) {
                        float want = documented_forward(x + rr * in, W + o * in, in, bias ? b[o] : 0.0f, relu);
                        if (!bias) {  // y = s: no "+ 0" (which would turn -0 into +0)
                            float s = 0.0f;
                            for (size_t k = 0; k < in; k++)
                                s = fmaf(x[rr * in + k], W[o * in + k], s);
                            want = relu && !(s > 0.0f) ? 0.0f : s;
                        }
                        ok &= same_bits(y[rr * out + o], want) && same_bits(y2[rr * out + o], want);
                    }
                cases++;
                free(x), free(W), free(b), free(y), free(y2), free(xt), free(yt);
            }
        char name[128];
        snprintf(name, sizeof name, "%s many-rows forward is linear.h's fma sequence bit for bit (%d cases)",
                 gg_isa_name((gg_isa)isa), cases);
        CHECK(name, ok && cases == 24);
    }
}

/* linear.h's documented backward, spelled out independently of core/linear.c. */
static void documented_backward(float *dx, float *dW, float *db, const float *dy, const float *x,
                                const float *W, const float *mask, size_t B, size_t in, size_t out)
{
    for (size_t o = 0; o < out; o++) {
        for (size_t r = 0; r < B; r++)
            db[o] += dy[r * out + o];
        for (size_t k = 0; k < in; k++)
            for (size_t r = 0; r < B; r++)
                dW[o * in + k] = fmaf(dy[r * out + o], x[r * in + k], dW[o * in + k]);
    }
    for (size_t r = 0; dx && r < B; r++)
        for (size_t k = 0; k < in; k++) {
            float s = 0.0f;
            for (size_t o = 0; o < out; o++)
                s = fmaf(dy[r * out + o], W[o * in + k], s);
            dx[r * in + k] = mask && !(mask[r * in + k] > 0.0f) ? 0.0f : s;
        }
}

static int all_same(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!same_bits(a[i], b[i]))
            return 0;
    return 1;
}

/* Every path against the documented sequences, over the forward's shapes, with and
 * without a ReLU mask (NaN, zero and negative entries) and without dx. */
static void test_backward_paths(void)
{
    gg_rng r;
    gg_rng_seed(&r, 4);
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa))
            continue;
        int ok_dx = 1, ok_dw = 1, ok_db = 1, cases = 0;
        for (size_t a = 0; a < sizeof Bs / sizeof Bs[0]; a++)
            for (size_t c = 0; c < sizeof ins / sizeof ins[0]; c++)
                for (size_t e = 0; e < sizeof outs / sizeof outs[0]; e++) {
                    size_t B = Bs[a], in = ins[c], out = outs[e];
                    int variant = (int)((a + c + e) % 3);  // 0 plain, 1 masked, 2 no dx
                    float *x = randv(&r, B * in, 1.0), *W = randv(&r, out * in, 0.5);
                    float *dy = randv(&r, B * out, 1.0), *mask = randv(&r, B * in, 1.0);
                    mask[0] = NAN;
                    if (B * in > 1)
                        mask[1] = 0.0f;
                    float *dW = randv(&r, out * in, 0.1), *db = randv(&r, out, 0.1);
                    float *dWr = malloc(out * in * sizeof *dWr), *dbr = malloc(out * sizeof *dbr);
                    memcpy(dWr, dW, out * in * sizeof *dWr);
                    memcpy(dbr, db, out * sizeof *dbr);
                    float *dx = malloc(B * in * sizeof *dx), *dxr = malloc(B * in * sizeof *dxr);
                    for (size_t i = 0; i < B * in; i++)
                        dx[i] = dxr[i] = 1e30f;
                    const float *m = variant == 1 ? mask : NULL;
                    float *dxp = variant == 2 ? NULL : dx;
                    gg_linear_backward((gg_isa)isa, dxp, dW, db, dy, x, W, m, B, in, out);
                    documented_backward(variant == 2 ? NULL : dxr, dWr, dbr, dy, x, W, m, B, in, out);
                    ok_dx &= all_same(dx, dxr, B * in);
                    ok_dw &= all_same(dW, dWr, out * in);
                    ok_db &= all_same(db, dbr, out);
                    cases++;
                    free(x), free(W), free(dy), free(mask), free(dW), free(db), free(dWr), free(dbr);
                    free(dx), free(dxr);
                }
        char name[128];
        snprintf(name, sizeof name, "%s backward: shapes tested", gg_isa_name((gg_isa)isa));
        CHECK_EQ(name, cases, NSHAPES);
        snprintf(name, sizeof name, "%s dx is linear.h's fma sequence bit for bit (masked, unmasked)", gg_isa_name((gg_isa)isa));
        CHECK(name, ok_dx);
        snprintf(name, sizeof name, "%s dW is linear.h's fma sequence bit for bit", gg_isa_name((gg_isa)isa));
        CHECK(name, ok_dw);
        snprintf(name, sizeof name, "%s db is the documented row-order sum bit for bit", gg_isa_name((gg_isa)isa));
        CHECK(name, ok_db);
    }
}

/* GGLAB_ISA's parser: names, auto, and the errors. */
static void test_isa(void)
{
    gg_isa isa;
    gg_err err;
    CHECK("generic is always supported", gg_isa_supported(GG_ISA_GENERIC));
    CHECK("auto = best", gg_isa_parse("auto", &isa, &err) == GG_OK && isa == gg_isa_best());
    CHECK("unset = best", gg_isa_parse(NULL, &isa, &err) == GG_OK && isa == gg_isa_best());
    CHECK("generic parses", gg_isa_parse("generic", &isa, &err) == GG_OK && isa == GG_ISA_GENERIC);
    CHECK("unknown name fails", gg_isa_parse("sse9", &isa, &err) == GG_EINVAL);
    CHECK_CONTAINS("the error names the value", err.msg, "GGLAB_ISA=sse9");
    CHECK_CONTAINS("the error lists the allowed values", err.msg, "allowed: auto, generic");
    CHECK("names", !strcmp(gg_isa_name(GG_ISA_AVX512), "avx512") && !strcmp(gg_isa_name(GG_ISA_AVX2), "avx2"));
    if (!gg_isa_supported(GG_ISA_AVX512)) {
        CHECK("an unsupported path fails", gg_isa_parse("avx512", &isa, &err) == GG_EINVAL);
        CHECK_CONTAINS("and says so", err.msg, "has no avx512 path");
    }
}

/* L = sum c * y with a double-precision forward. */
static double loss_double(const float *x, const float *W, const float *b, const float *c,
                          size_t B, size_t in, size_t out, const double *dx, const double *dW,
                          const double *db)
{
    double L = 0.0;
    for (size_t r = 0; r < B; r++)
        for (size_t o = 0; o < out; o++) {
            double s = (double)b[o] + (db ? db[o] : 0.0);
            for (size_t i = 0; i < in; i++)
                s += ((double)x[r * in + i] + (dx ? dx[r * in + i] : 0.0)) *
                     ((double)W[o * in + i] + (dW ? dW[o * in + i] : 0.0));
            L += (double)c[r * out + o] * s;
        }
    return L;
}

/* L = sum c * y with the float32 kernel. */
static double loss_float(const float *x, const float *W, const float *b, const float *c,
                         size_t B, size_t in, size_t out)
{
    float *y = malloc(B * out * sizeof *y);
    forward(gg_isa_best(), y, x, W, b, B, in, out, 0);
    double L = 0.0;
    for (size_t k = 0; k < B * out; k++)
        L += (double)c[k] * (double)y[k];
    free(y);
    return L;
}

/* Compares analytic g (n floats) to central differences of one parameter array p. which:
 * 0 = x, 1 = W, 2 = b. Returns the worst scaled error for the tight (double forward) and
 * loose (float forward) checks. */
static void fd_param(int which, float *x, float *W, float *b, const float *c, size_t B,
                     size_t in, size_t out, const float *g, double *tight, double *loose)
{
    float *p = which == 0 ? x : which == 1 ? W : b;
    size_t n = which == 0 ? B * in : which == 1 ? out * in : out;
    double *d = calloc(n, sizeof *d);
    *tight = *loose = 0.0;
    for (size_t k = 0; k < n; k++) {
        const double h = 1e-6;
        d[k] = h;
        double Lp = loss_double(x, W, b, c, B, in, out, which == 0 ? d : NULL,
                                which == 1 ? d : NULL, which == 2 ? d : NULL);
        d[k] = -h;
        double Lm = loss_double(x, W, b, c, B, in, out, which == 0 ? d : NULL,
                                which == 1 ? d : NULL, which == 2 ? d : NULL);
        d[k] = 0.0;
        double num = (Lp - Lm) / (2.0 * h);
        *tight = fmax(*tight, fabs((double)g[k] - num) / (1.0 + fabs(num)));

        const float keep = p[k];
        const double hf = 1e-2;
        p[k] = (float)((double)keep + hf);
        double Lpf = loss_float(x, W, b, c, B, in, out);
        double dp = (double)p[k];
        p[k] = (float)((double)keep - hf);
        double Lmf = loss_float(x, W, b, c, B, in, out);
        double numf = (Lpf - Lmf) / (dp - (double)p[k]);
        p[k] = keep;
        *loose = fmax(*loose, fabs((double)g[k] - numf) / (1.0 + fabs(numf)));
    }
    free(d);
}

static void test_backward_fd(void)
{
    static const size_t shapes[][3] = {{1, 1, 1}, {2, 3, 4}, {5, 13, 3}, {4, 8, 8}, {3, 17, 5}};
    gg_rng r;
    gg_rng_seed(&r, 2);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t B = shapes[s][0], in = shapes[s][1], out = shapes[s][2];
        float *x = randv(&r, B * in, 1.0), *W = randv(&r, out * in, 0.5);
        float *b = randv(&r, out, 0.5), *c = randv(&r, B * out, 1.0);
        float *dx = calloc(B * in, sizeof *dx), *dW = calloc(out * in, sizeof *dW);
        float *db = calloc(out, sizeof *db);
        gg_linear_backward(gg_isa_best(), dx, dW, db, c, x, W, NULL, B, in, out);
        const char *what[3] = {"dx", "dW", "db"};
        const float *g[3] = {dx, dW, db};
        for (int k = 0; k < 3; k++) {
            double tight, loose;
            fd_param(k, x, W, b, c, B, in, out, g[k], &tight, &loose);
            char name[96];
            snprintf(name, sizeof name, "%s vs central difference, double forward (B=%zu in=%zu out=%zu)",
                     what[k], B, in, out);
            CHECK_NEAR(name, tight, 0.0, 1e-5);
            snprintf(name, sizeof name, "%s vs central difference, float forward (B=%zu in=%zu out=%zu)",
                     what[k], B, in, out);
            CHECK_NEAR(name, loose, 0.0, 1e-3);
        }
        free(x), free(W), free(b), free(c), free(dx), free(dW), free(db);
    }
}

static void test_accumulate(void)
{
    const size_t B = 6, in = 11, out = 5;
    gg_rng r;
    gg_rng_seed(&r, 3);
    float *x = randv(&r, B * in, 1.0), *W = randv(&r, out * in, 0.5), *dy = randv(&r, B * out, 1.0);
    float *dx1 = malloc(B * in * sizeof(float)), *dx2 = malloc(B * in * sizeof(float));
    float *dW1 = calloc(out * in, sizeof(float)), *db1 = calloc(out, sizeof(float));
    float *dW2 = calloc(out * in, sizeof(float)), *db2 = calloc(out, sizeof(float));
    float *dW3 = calloc(out * in, sizeof(float)), *db3 = calloc(out, sizeof(float));
    float *x0 = malloc(B * in * sizeof(float)), *W0 = malloc(out * in * sizeof(float));
    float *dy0 = malloc(B * out * sizeof(float));
    memcpy(x0, x, B * in * sizeof(float));
    memcpy(W0, W, out * in * sizeof(float));
    memcpy(dy0, dy, B * out * sizeof(float));

    for (size_t i = 0; i < B * in; i++)
        dx1[i] = dx2[i] = 1e30f;  // garbage: dx is overwritten
    gg_linear_backward(gg_isa_best(), dx1, dW1, db1, dy, x, W, NULL, B, in, out);
    gg_linear_backward(gg_isa_best(), dx2, dW2, db2, dy, x, W, NULL, B, in, out);
    gg_linear_backward(gg_isa_best(), dx2, dW2, db2, dy, x, W, NULL, B, in, out);
    CHECK("dx is overwritten: two calls equal one", memcmp(dx1, dx2, B * in * sizeof(float)) == 0);
    double worst = 0.0;
    for (size_t i = 0; i < out * in; i++)
        worst = fmax(worst, fabs((double)dW2[i] - 2.0 * (double)dW1[i]) / (1e-6 + fabs((double)dW1[i])));
    for (size_t o = 0; o < out; o++)
        worst = fmax(worst, fabs((double)db2[o] - 2.0 * (double)db1[o]) / (1e-6 + fabs((double)db1[o])));
    CHECK_NEAR("dW and db accumulate: two calls give twice one (rel)", worst, 0.0, 1e-5);
    int nonzero = 0;
    for (size_t i = 0; i < out * in; i++)
        nonzero += dW1[i] != 0.0f;
    CHECK("gradient is not trivially zero", nonzero > 0);

    // Accumulating onto a non-zero start adds.
    for (size_t i = 0; i < out * in; i++)
        dW3[i] = 1.0f;
    for (size_t o = 0; o < out; o++)
        db3[o] = -2.0f;
    gg_linear_backward(gg_isa_best(), NULL, dW3, db3, dy, x, W, NULL, B, in, out);
    worst = 0.0;
    for (size_t i = 0; i < out * in; i++)
        worst = fmax(worst, fabs((double)dW3[i] - (1.0 + (double)dW1[i])));
    for (size_t o = 0; o < out; o++)
        worst = fmax(worst, fabs((double)db3[o] - (-2.0 + (double)db1[o])));
    CHECK_NEAR("backward adds onto existing dW/db", worst, 0.0, 1e-5);

    // dx NULL gives the same dW/db as with dx.
    memset(dW3, 0, out * in * sizeof(float));
    memset(db3, 0, out * sizeof(float));
    gg_linear_backward(gg_isa_best(), NULL, dW3, db3, dy, x, W, NULL, B, in, out);
    CHECK("dx NULL: dW identical", memcmp(dW3, dW1, out * in * sizeof(float)) == 0);
    CHECK("dx NULL: db identical", memcmp(db3, db1, out * sizeof(float)) == 0);

    CHECK("inputs untouched: x", memcmp(x, x0, B * in * sizeof(float)) == 0);
    CHECK("inputs untouched: W", memcmp(W, W0, out * in * sizeof(float)) == 0);
    CHECK("inputs untouched: dy", memcmp(dy, dy0, B * out * sizeof(float)) == 0);

    // Exact small case: B=2, in=2, out=1; dy = [1, 2], x = [[1,2],[3,4]], W = [[5,6]].
    const float xs[4] = {1, 2, 3, 4}, Ws[2] = {5, 6}, dys[2] = {1, 2};
    float dxs[4], dWs[2] = {0, 0}, dbs[1] = {0};
    gg_linear_backward(gg_isa_best(), dxs, dWs, dbs, dys, xs, Ws, NULL, 2, 2, 1);
    CHECK("exact dW = dy^T x", dWs[0] == 7.0f && dWs[1] == 10.0f);
    CHECK("exact db = sum dy", dbs[0] == 3.0f);
    CHECK("exact dx = dy W", dxs[0] == 5.0f && dxs[1] == 6.0f && dxs[2] == 10.0f && dxs[3] == 12.0f);

    free(x), free(W), free(dy), free(dx1), free(dx2), free(dW1), free(db1), free(dW2), free(db2);
    free(dW3), free(db3), free(x0), free(W0), free(dy0);
}

/* Wide outputs and many rows (a transformer's shapes, the full db and tile paths): the
 * backward against linear.h's sequences bit for bit, masked, unmasked and without dx. */
static void test_backward_wide(void)
{
    static const size_t sh[][3] = {{130, 64, 192}, {67, 256, 64}, {100, 64, 65}, {40, 17, 130},
                                   {33, 48, 64}};
    gg_rng r;
    gg_rng_seed(&r, 6);
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa))
            continue;
        int ok = 1, cases = 0;
        for (size_t i = 0; i < sizeof sh / sizeof sh[0]; i++)
            for (int variant = 0; variant < 3; variant++) {  // 0 plain, 1 masked, 2 no dx
                const size_t B = sh[i][0], in = sh[i][1], out = sh[i][2];
                float *x = randv(&r, B * in, 1.0), *W = randv(&r, out * in, 0.5);
                float *dy = randv(&r, B * out, 1.0), *mask = randv(&r, B * in, 1.0);
                float *dW = randv(&r, out * in, 0.1), *db = randv(&r, out, 0.1);
                float *dWr = malloc(out * in * sizeof *dWr), *dbr = malloc(out * sizeof *dbr);
                float *dx = malloc(B * in * sizeof *dx), *dxr = malloc(B * in * sizeof *dxr);
                memcpy(dWr, dW, out * in * sizeof *dWr);
                memcpy(dbr, db, out * sizeof *dbr);
                for (size_t k = 0; k < B * in; k++)
                    dx[k] = dxr[k] = 1e30f;
                const float *m = variant == 1 ? mask : NULL;
                gg_linear_backward((gg_isa)isa, variant == 2 ? NULL : dx, dW, db, dy, x, W, m, B, in, out);
                documented_backward(variant == 2 ? NULL : dxr, dWr, dbr, dy, x, W, m, B, in, out);
                ok &= all_same(dx, dxr, B * in) && all_same(dW, dWr, out * in) && all_same(db, dbr, out);
                cases++;
                free(x), free(W), free(dy), free(mask), free(dW), free(db), free(dWr), free(dbr);
                free(dx), free(dxr);
            }
        char name[128];
        snprintf(name, sizeof name, "%s wide backward (dx, dW, db) is linear.h's sequence bit for bit (%d cases)",
                 gg_isa_name((gg_isa)isa), cases);
        CHECK(name, ok && cases == 15);
    }
}

int main(void)
{
    test_isa();
    test_forward();
    test_forward_by_rows();
    test_backward_paths();
    test_backward_wide();
    test_backward_fd();
    test_accumulate();
    return CHECK_DONE();
}
