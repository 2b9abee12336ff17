/* tests/test_linear.c — Linear kernels: optimised forward vs its naive twin and a double
 * reference, the documented summation order bit for bit, and central finite-difference
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

/* The order linear.c documents: element i into lane i % 8 in index order, then
 * ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), then + b. */
/* core/linear.c's documented forward order: elements below n8 = n/8*8 into lane i % 8,
 * lanes combined as ((0+4)+(2+6)) + ((1+5)+(3+7)), then the tail in order, then b. */
static float documented_order(const float *a, const float *w, size_t n, float b)
{
    float lane[8] = {0};
    size_t n8 = n / 8 * 8;
    for (size_t i = 0; i < n8; i++)
        lane[i % 8] += a[i] * w[i];
    float s = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
    for (size_t i = n8; i < n; i++)
        s += a[i] * w[i];
    return s + b;
}

static const size_t Bs[] = {1, 3, 7};
static const size_t ins[] = {1, 3, 5, 7, 8, 9, 13, 16, 17, 31, 64, 100};
static const size_t outs[] = {1, 2, 4, 9, 8, 17};

static void test_forward(void)
{
    gg_rng r;
    gg_rng_seed(&r, 1);
    double worst_naive = 0.0, worst_ref = 0.0;
    int order_ok = 1, cases = 0;
    for (size_t a = 0; a < sizeof Bs / sizeof Bs[0]; a++)
        for (size_t c = 0; c < sizeof ins / sizeof ins[0]; c++)
            for (size_t e = 0; e < sizeof outs / sizeof outs[0]; e++) {
                size_t B = Bs[a], in = ins[c], out = outs[e];
                float *x = randv(&r, B * in, 1.0), *W = randv(&r, out * in, 0.5);
                float *b = randv(&r, out, 0.5);
                float *y = malloc(B * out * sizeof *y), *yn = malloc(B * out * sizeof *yn);
                double *yd = malloc(B * out * sizeof *yd);
                gg_linear_forward(y, x, W, b, B, in, out);
                gg_linear_forward_naive(yn, x, W, b, B, in, out);
                fwd_double(yd, x, W, b, B, in, out);
                for (size_t rr = 0; rr < B; rr++)
                    for (size_t o = 0; o < out; o++) {
                        // Relative to the magnitude of the terms summed (cancellation-proof).
                        double mag = fabs((double)b[o]);
                        for (size_t i = 0; i < in; i++)
                            mag += fabs((double)x[rr * in + i] * (double)W[o * in + i]);
                        size_t k = rr * out + o;
                        worst_naive = fmax(worst_naive, fabs((double)y[k] - (double)yn[k]) / mag);
                        worst_ref = fmax(worst_ref, fabs((double)y[k] - yd[k]) / mag);
                        order_ok &= y[k] == documented_order(x + rr * in, W + o * in, in, b[o]);
                    }
                cases++;
                free(x), free(W), free(b), free(y), free(yn), free(yd);
            }
    CHECK_EQ("forward shapes tested", cases, 3 * 12 * 6);
    CHECK_NEAR("forward vs naive twin (relative to sum |x w|)", worst_naive, 0.0, 1e-5);
    CHECK_NEAR("forward vs double reference (relative to sum |x w|)", worst_ref, 0.0, 1e-5);
    CHECK("forward follows the documented summation order bit for bit", order_ok);

    // Exact small case: x = [1 2 3], W = [[1 0 -1],[0.5 0.5 0.5]], b = [10, -1].
    const float x[3] = {1, 2, 3}, W[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, b[2] = {10, -1};
    float y[2], yn[2];
    gg_linear_forward(y, x, W, b, 1, 3, 2);
    gg_linear_forward_naive(yn, x, W, b, 1, 3, 2);
    CHECK("exact forward y0 = 8", y[0] == 8.0f);
    CHECK("exact forward y1 = 2", y[1] == 2.0f);
    CHECK("exact naive y0 = 8", yn[0] == 8.0f);
    CHECK("exact naive y1 = 2", yn[1] == 2.0f);
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
    gg_linear_forward(y, x, W, b, B, in, out);
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
        gg_linear_backward(dx, dW, db, c, x, W, B, in, out);
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
    gg_linear_backward(dx1, dW1, db1, dy, x, W, B, in, out);
    gg_linear_backward(dx2, dW2, db2, dy, x, W, B, in, out);
    gg_linear_backward(dx2, dW2, db2, dy, x, W, B, in, out);
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
    gg_linear_backward(NULL, dW3, db3, dy, x, W, B, in, out);
    worst = 0.0;
    for (size_t i = 0; i < out * in; i++)
        worst = fmax(worst, fabs((double)dW3[i] - (1.0 + (double)dW1[i])));
    for (size_t o = 0; o < out; o++)
        worst = fmax(worst, fabs((double)db3[o] - (-2.0 + (double)db1[o])));
    CHECK_NEAR("backward adds onto existing dW/db", worst, 0.0, 1e-5);

    // dx NULL gives the same dW/db as with dx.
    memset(dW3, 0, out * in * sizeof(float));
    memset(db3, 0, out * sizeof(float));
    gg_linear_backward(NULL, dW3, db3, dy, x, W, B, in, out);
    CHECK("dx NULL: dW identical", memcmp(dW3, dW1, out * in * sizeof(float)) == 0);
    CHECK("dx NULL: db identical", memcmp(db3, db1, out * sizeof(float)) == 0);

    CHECK("inputs untouched: x", memcmp(x, x0, B * in * sizeof(float)) == 0);
    CHECK("inputs untouched: W", memcmp(W, W0, out * in * sizeof(float)) == 0);
    CHECK("inputs untouched: dy", memcmp(dy, dy0, B * out * sizeof(float)) == 0);

    // Exact small case: B=2, in=2, out=1; dy = [1, 2], x = [[1,2],[3,4]], W = [[5,6]].
    const float xs[4] = {1, 2, 3, 4}, Ws[2] = {5, 6}, dys[2] = {1, 2};
    float dxs[4], dWs[2] = {0, 0}, dbs[1] = {0};
    gg_linear_backward(dxs, dWs, dbs, dys, xs, Ws, 2, 2, 1);
    CHECK("exact dW = dy^T x", dWs[0] == 7.0f && dWs[1] == 10.0f);
    CHECK("exact db = sum dy", dbs[0] == 3.0f);
    CHECK("exact dx = dy W", dxs[0] == 5.0f && dxs[1] == 6.0f && dxs[2] == 10.0f && dxs[3] == 12.0f);

    free(x), free(W), free(dy), free(dx1), free(dx2), free(dW1), free(db1), free(dW2), free(db2);
    free(dW3), free(db3), free(x0), free(W0), free(dy0);
}

int main(void)
{
    test_forward();
    test_backward_fd();
    test_accumulate();
    return CHECK_DONE();
}
