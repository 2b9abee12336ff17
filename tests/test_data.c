/* tests/test_data.c — datasets: regression and blob generators (values, draw order,
 * statistics, errors), determinism, split sizes and order (Keras validation_split keeps
 * the last rows), gather and the dataset queries, copies and subsets, and the sample
 * shape (errors, and kept by every derived dataset of data.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "data.h"
#include "rng.h"

static gg_dataset *regression(gg_regression_cfg c, uint64_t seed)
{
    gg_rng r;
    gg_err err;
    gg_dataset *ds = NULL;
    gg_rng_seed(&r, seed);
    if (gg_data_regression(&ds, &c, &r, &err) != GG_OK)
        printf("gg_data_regression: %s\n", err.msg);
    return ds;
}

static void test_regression(void)
{
    // Given weights, bias, no noise: y = x w + b (computed in double, rounded once).
    const float w[6] = {1.0f, -2.0f, 0.5f, 0.0f, 3.0f, 0.25f};  // (3 features, 2 outputs)
    gg_regression_cfg c = {.n = 200, .features = 3, .outputs = 2, .x = GG_X_NORMAL, .scale = 1.0,
                           .noise = 0.0, .w = w, .bias = 0.5};
    gg_dataset *ds = regression(c, 1);
    CHECK("regression builds", ds != NULL);
    if (!ds)
        return;
    CHECK_EQ("n", gg_dataset_n(ds), 200);
    CHECK_EQ("d", gg_dataset_d(ds), 3);
    CHECK_EQ("k", gg_dataset_k(ds), 2);
    CHECK_EQ("classes 0 for regression", gg_dataset_classes(ds), 0);
    gg_tensor X = gg_dataset_x(ds), Y = gg_dataset_y(ds);
    CHECK("x view shape", X.rows == 200 && X.cols == 3 && !X.owned);
    CHECK("y view shape", Y.rows == 200 && Y.cols == 2 && !Y.owned);
    double worst = 0.0;
    for (size_t r = 0; r < 200; r++)
        for (size_t j = 0; j < 2; j++) {
            double s = 0.5;
            for (size_t i = 0; i < 3; i++)
                s += (double)X.data[r * 3 + i] * (double)w[i * 2 + j];
            worst = fmax(worst, fabs((double)Y.data[r * 2 + j] - s) / (1.0 + fabs(s)));
        }
    CHECK_NEAR("noise 0: y = x w + b", worst, 0.0, 1e-7);
    gg_dataset_free(ds);

    // Draw order: x row by row, then W (when not given), then the noise.
    c = (gg_regression_cfg){.n = 7, .features = 2, .outputs = 3, .x = GG_X_NORMAL, .scale = 2.0,
                            .noise = 0.1, .w = NULL, .bias = -1.0};
    ds = regression(c, 77);
    if (ds) {
        gg_rng r;
        gg_rng_seed(&r, 77);
        float xs[14], ws[6];
        for (int i = 0; i < 14; i++)
            xs[i] = (float)(gg_rng_normal(&r) * 2.0);
        for (int i = 0; i < 6; i++)
            ws[i] = (float)gg_rng_normal(&r);
        int same_x = memcmp(xs, gg_dataset_x(ds).data, sizeof xs) == 0, same_y = 1;
        for (int row = 0; row < 7; row++)
            for (int j = 0; j < 3; j++) {
                double s = -1.0;
                for (int i = 0; i < 2; i++)
                    s += (double)xs[row * 2 + i] * (double)ws[i * 3 + j];
                same_y &= gg_dataset_y(ds).data[row * 3 + j] == (float)(s + 0.1 * gg_rng_normal(&r));
            }
        CHECK("x drawn first, row by row, scaled", same_x);
        CHECK("then W ~ N(0,1), then noise per target", same_y);
    }
    gg_dataset_free(ds);

    // Noise std: residuals of 20000 rows with noise 0.5; se(std) = 0.5/sqrt(2n) = 2.5e-3.
    const float w1[2] = {2.0f, -1.0f};
    c = (gg_regression_cfg){.n = 20000, .features = 2, .outputs = 1, .x = GG_X_NORMAL, .scale = 1.0,
                            .noise = 0.5, .w = w1, .bias = 3.0};
    ds = regression(c, 2);
    if (ds) {
        const float *x = gg_dataset_x(ds).data, *y = gg_dataset_y(ds).data;
        double s1 = 0.0, s2 = 0.0, xm = 0.0, xv = 0.0;
        for (size_t r = 0; r < 20000; r++) {
            double e = (double)y[r] - (3.0 + 2.0 * (double)x[2 * r] - (double)x[2 * r + 1]);
            s1 += e;
            s2 += e * e;
            xm += (double)x[2 * r];
            xv += (double)x[2 * r] * (double)x[2 * r];
        }
        double mean = s1 / 20000, sd = sqrt(s2 / 20000 - mean * mean);
        CHECK_NEAR("noise mean 0 (5 se)", mean, 0.0, 0.018);
        CHECK_NEAR("noise std 0.5 (5 se)", sd, 0.5, 0.0125);
        // x ~ N(0,1): se(mean) = 7.1e-3, se(E x^2) = sqrt(2/n) = 0.01.
        CHECK_NEAR("normal x mean (5 se)", xm / 20000, 0.0, 0.036);
        CHECK_NEAR("normal x second moment (5 se)", xv / 20000, 1.0, 0.05);
    }
    gg_dataset_free(ds);

    // Uniform x with scale 10 lies in [0, 10): mean 5, se = 10/sqrt(12 n) = 0.029 for n = 10000.
    c = (gg_regression_cfg){.n = 10000, .features = 1, .outputs = 1, .x = GG_X_UNIFORM, .scale = 10.0,
                            .noise = 0.0, .w = NULL, .bias = 0.0};
    ds = regression(c, 3);
    if (ds) {
        const float *x = gg_dataset_x(ds).data;
        int in_range = 1;
        double s = 0.0, lo = 10.0, hi = 0.0;
        for (size_t r = 0; r < 10000; r++) {
            in_range &= x[r] >= 0.0f && x[r] < 10.0f;
            s += (double)x[r];
            lo = fmin(lo, (double)x[r]);
            hi = fmax(hi, (double)x[r]);
        }
        CHECK("uniform x * 10 in [0, 10)", in_range);
        CHECK_NEAR("uniform x * 10 mean 5 (5 se)", s / 10000, 5.0, 0.145);
        CHECK("uniform x * 10 spans the range", lo < 0.01 && hi > 9.99);
    }
    gg_dataset_free(ds);

    // Edge: seed 34689742's first uniform is 0.99999995362850491 (found by search); u * 10
    // rounds to 10.0f in float, outside [0, 10). torch.rand() * 10 in float32 stays below 10
    // (its largest value is 9.99999905), so the scaled feature must too.
    c = (gg_regression_cfg){.n = 1, .features = 1, .outputs = 1, .x = GG_X_UNIFORM, .scale = 10.0,
                            .noise = 0.0, .w = NULL, .bias = 0.0};
    gg_rng edge;
    gg_rng_seed(&edge, 34689742);
    CHECK("the edge seed still gives u > 1 - 5e-8", gg_rng_uniform(&edge) > 1.0 - 5e-8);
    ds = regression(c, 34689742);
    if (ds) {
        char name[96];
        snprintf(name, sizeof name, "uniform x * 10 < 10 even for u = 1 - 4.6e-8 (got %.9g)",
                 (double)gg_dataset_x(ds).data[0]);
        CHECK(name, gg_dataset_x(ds).data[0] < 10.0f);
    }
    gg_dataset_free(ds);

    // Errors.
    gg_err err;
    gg_rng r;
    gg_rng_seed(&r, 1);
    c = (gg_regression_cfg){.n = 10, .features = 2, .outputs = 1, .scale = 1.0, .noise = -0.1};
    ds = (gg_dataset *)&err;
    CHECK_EQ("negative noise is GG_EINVAL", gg_data_regression(&ds, &c, &r, &err), GG_EINVAL);
    CHECK("failed generator sets *out NULL", ds == NULL);
    CHECK_CONTAINS("negative noise message", err.msg, "noise");
    c.noise = NAN;
    CHECK_EQ("NaN noise is GG_EINVAL", gg_data_regression(&ds, &c, &r, &err), GG_EINVAL);
    c.noise = 0.0;
    c.scale = INFINITY;
    CHECK_EQ("infinite scale is GG_EINVAL", gg_data_regression(&ds, &c, &r, &err), GG_EINVAL);
    c.scale = 1.0;
    c.n = 0;
    CHECK_EQ("0 rows is GG_EINVAL", gg_data_regression(&ds, &c, &r, &err), GG_EINVAL);
    c.n = 10;
    c.features = 0;
    CHECK_EQ("0 features is GG_EINVAL", gg_data_regression(&ds, &c, &r, &err), GG_EINVAL);
    c.features = 2;
    c.outputs = 0;
    CHECK_EQ("0 outputs is GG_EINVAL", gg_data_regression(&ds, &c, &r, &err), GG_EINVAL);
    c.outputs = 1;
    c.n = (size_t)1 << 40;
    CHECK_EQ("2^40 rows x 2 features is GG_EINVAL (no allocation)", gg_data_regression(&ds, &c, &r, &err), GG_EINVAL);
}

static void test_blobs(void)
{
    gg_blobs_cfg c = {.n = 100, .features = 3, .classes = 4, .spread = 0.1, .separation = 10.0};
    gg_rng r;
    gg_err err;
    gg_dataset *ds = NULL;
    gg_rng_seed(&r, 4);
    CHECK_EQ("blobs build", gg_data_blobs(&ds, &c, &r, &err), GG_OK);
    if (!ds)
        return;
    CHECK_EQ("blobs classes", gg_dataset_classes(ds), 4);
    CHECK_EQ("blobs k = 1", gg_dataset_k(ds), 1);
    CHECK_EQ("blobs d", gg_dataset_d(ds), 3);
    const float *x = gg_dataset_x(ds).data, *y = gg_dataset_y(ds).data;
    int count[4] = {0}, ok = 1, cyc = 1;
    for (size_t i = 0; i < 100; i++) {
        ok &= y[i] >= 0.0f && y[i] < 4.0f && y[i] == floorf(y[i]);
        cyc &= y[i] == (float)(i % 4);
        if (y[i] >= 0.0f && y[i] < 4.0f)
            count[(int)y[i]]++;
    }
    CHECK("blob labels are class indices in 0..3", ok);
    CHECK("blob labels cycle 0,1,2,3", cyc);
    CHECK("blob classes balanced (25 each)", count[0] == 25 && count[1] == 25 && count[2] == 25 && count[3] == 25);
    // Points sit within a few spreads of their class mean; class means are far apart.
    double mean[4][3] = {{0}}, worst = 0.0;
    for (size_t i = 0; i < 100; i++)
        for (size_t j = 0; j < 3; j++)
            mean[i % 4][j] += (double)x[i * 3 + j] / 25.0;
    for (size_t i = 0; i < 100; i++)
        for (size_t j = 0; j < 3; j++)
            worst = fmax(worst, fabs((double)x[i * 3 + j] - mean[i % 4][j]));
    CHECK_NEAR("blob points within 5 spreads of their class mean", worst, 0.0, 0.5);
    double mind = 1e9;
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++) {
            double d2 = 0.0;
            for (int j = 0; j < 3; j++)
                d2 += (mean[a][j] - mean[b][j]) * (mean[a][j] - mean[b][j]);
            mind = fmin(mind, sqrt(d2));
        }
    CHECK("blob class means are separated", mind > 1.0);
    gg_dataset_free(ds);

    c.classes = 1;
    ds = (gg_dataset *)&err;
    CHECK_EQ("1 class is GG_EINVAL", gg_data_blobs(&ds, &c, &r, &err), GG_EINVAL);
    CHECK("failed blobs sets *out NULL", ds == NULL);
    CHECK_CONTAINS("classes message", err.msg, "classes");
    c.classes = 3;
    c.spread = 0.0;
    CHECK_EQ("spread 0 is GG_EINVAL", gg_data_blobs(&ds, &c, &r, &err), GG_EINVAL);
    CHECK_CONTAINS("spread message", err.msg, "spread");
    c.spread = 1.0;
    c.separation = -1.0;
    CHECK_EQ("negative separation is GG_EINVAL", gg_data_blobs(&ds, &c, &r, &err), GG_EINVAL);
    CHECK_CONTAINS("separation message", err.msg, "separation");
    c.separation = 0.0;
    c.n = 0;
    CHECK_EQ("0 rows is GG_EINVAL", gg_data_blobs(&ds, &c, &r, &err), GG_EINVAL);
    c.n = 10;
    c.classes = (size_t)1 << 40;
    CHECK_EQ("2^40 classes x 3 features is GG_EINVAL (no allocation)", gg_data_blobs(&ds, &c, &r, &err), GG_EINVAL);
}

static void test_determinism(void)
{
    gg_regression_cfg c = {.n = 50, .features = 4, .outputs = 2, .x = GG_X_UNIFORM, .scale = 3.0,
                           .noise = 0.2, .w = NULL, .bias = 1.0};
    gg_dataset *a = regression(c, 42), *b = regression(c, 42), *d = regression(c, 43);
    if (a && b && d) {
        CHECK("same seed: identical X", memcmp(gg_dataset_x(a).data, gg_dataset_x(b).data, 200 * sizeof(float)) == 0);
        CHECK("same seed: identical Y", memcmp(gg_dataset_y(a).data, gg_dataset_y(b).data, 100 * sizeof(float)) == 0);
        CHECK("different seed: different X", memcmp(gg_dataset_x(a).data, gg_dataset_x(d).data, 200 * sizeof(float)) != 0);
    }
    gg_dataset_free(a), gg_dataset_free(b), gg_dataset_free(d);

    gg_blobs_cfg bc = {.n = 60, .features = 2, .classes = 3, .spread = 1.0, .separation = 3.0};
    gg_rng r1, r2;
    gg_err err;
    gg_rng_seed(&r1, 5);
    gg_rng_seed(&r2, 5);
    gg_dataset *p = NULL, *q = NULL;
    gg_data_blobs(&p, &bc, &r1, &err);
    gg_data_blobs(&q, &bc, &r2, &err);
    if (p && q) {
        CHECK("blobs same seed: identical X", memcmp(gg_dataset_x(p).data, gg_dataset_x(q).data, 120 * sizeof(float)) == 0);
        CHECK("blobs same seed: identical Y", memcmp(gg_dataset_y(p).data, gg_dataset_y(q).data, 60 * sizeof(float)) == 0);
    }
    gg_dataset_free(p), gg_dataset_free(q);
}

/* Dataset of n rows whose row r is x = (r, -r), y = (10 r). */
static gg_dataset *numbered(size_t n, size_t classes)
{
    gg_dataset *ds = NULL;
    gg_err err;
    if (gg_dataset_new(&ds, n, 2, 1, classes, &err) != GG_OK)
        return NULL;
    for (size_t r = 0; r < n; r++) {
        gg_dataset_x(ds).data[2 * r] = (float)r;
        gg_dataset_x(ds).data[2 * r + 1] = -(float)r;
        gg_dataset_y(ds).data[r] = 10.0f * (float)r;
    }
    return ds;
}

static void test_split(void)
{
    gg_err err;
    gg_dataset *ds = numbered(10, 0), *tr = NULL, *va = NULL;
    if (!ds)
        return;

    // No rng: order kept, train = the first floor(n * (1 - frac)) rows (Keras), val = the rest.
    CHECK_EQ("split 10 rows at 0.25", gg_dataset_split(ds, 0.25, NULL, &tr, &va, &err), GG_OK);
    if (tr && va) {
        CHECK_EQ("train rows = floor(7.5) = 7", gg_dataset_n(tr), 7);
        CHECK_EQ("val rows = 3", gg_dataset_n(va), 3);
        int order = 1;
        for (size_t r = 0; r < 7; r++)
            order &= gg_dataset_x(tr).data[2 * r] == (float)r && gg_dataset_x(tr).data[2 * r + 1] == -(float)r &&
                     gg_dataset_y(tr).data[r] == 10.0f * (float)r;
        for (size_t r = 0; r < 3; r++)
            order &= gg_dataset_x(va).data[2 * r] == (float)(7 + r) && gg_dataset_y(va).data[r] == 10.0f * (float)(7 + r);
        CHECK("split without rng: train = first rows, val = last rows, in order", order);
        CHECK("split keeps d and k", gg_dataset_d(va) == 2 && gg_dataset_k(va) == 1);
    }
    gg_dataset_free(tr), gg_dataset_free(va);

    static const struct { double f; size_t nv; } sizes[] = {{0.3, 3}, {0.1, 1}, {0.19, 2}, {0.5, 5}, {0.85, 9}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "split 10 rows at %g: val rows", sizes[i].f);
        if (gg_dataset_split(ds, sizes[i].f, NULL, &tr, &va, &err) == GG_OK) {
            CHECK_EQ(name, gg_dataset_n(va), sizes[i].nv);
            CHECK_EQ("train + val = n", gg_dataset_n(tr) + gg_dataset_n(va), 10);
        } else {
            CHECK(name, 0);
        }
        gg_dataset_free(tr), gg_dataset_free(va);
    }

    // With rng: a permutation of all rows across the two sides.
    gg_dataset *big = numbered(100, 3);
    gg_rng r;
    gg_rng_seed(&r, 12);
    if (big && gg_dataset_split(big, 0.2, &r, &tr, &va, &err) == GG_OK) {
        CHECK("shuffled split sizes 80/20", gg_dataset_n(tr) == 80 && gg_dataset_n(va) == 20);
        CHECK("split keeps classes", gg_dataset_classes(tr) == 3 && gg_dataset_classes(va) == 3);
        int seen[100] = {0}, consistent = 1, moved = 0;
        for (size_t i = 0; i < 100; i++) {
            gg_dataset *s = i < 80 ? tr : va;
            size_t row = i < 80 ? i : i - 80;
            float v = gg_dataset_x(s).data[2 * row];
            int id = (int)v;
            if (id >= 0 && id < 100)
                seen[id]++;
            consistent &= gg_dataset_x(s).data[2 * row + 1] == -v && gg_dataset_y(s).data[row] == 10.0f * v;
            moved += id != (int)i;
        }
        int perm = 1;
        for (int i = 0; i < 100; i++)
            perm &= seen[i] == 1;
        CHECK("shuffled split: every row exactly once", perm);
        CHECK("shuffled split: rows stay whole (x and y together)", consistent);
        CHECK("shuffled split: rows are shuffled", moved > 50);
    } else {
        CHECK("shuffled split succeeds", 0);
    }
    gg_dataset_free(tr), gg_dataset_free(va), gg_dataset_free(big);

    // Errors.
    tr = va = (gg_dataset *)&err;
    CHECK_EQ("split fraction 0 is GG_EINVAL", gg_dataset_split(ds, 0.0, NULL, &tr, &va, &err), GG_EINVAL);
    CHECK("failed split sets both outputs NULL", tr == NULL && va == NULL);
    CHECK_EQ("split fraction 1 is GG_EINVAL", gg_dataset_split(ds, 1.0, NULL, &tr, &va, &err), GG_EINVAL);
    CHECK_EQ("split fraction -0.1 is GG_EINVAL", gg_dataset_split(ds, -0.1, NULL, &tr, &va, &err), GG_EINVAL);
    CHECK_EQ("split fraction NaN is GG_EINVAL", gg_dataset_split(ds, NAN, NULL, &tr, &va, &err), GG_EINVAL);
    CHECK_EQ("split leaving 0 validation rows is GG_EINVAL", gg_dataset_split(ds, 1e-17, NULL, &tr, &va, &err), GG_EINVAL);
    CHECK_CONTAINS("empty split message", err.msg, "empty");
    CHECK_EQ("split leaving 0 training rows is GG_EINVAL", gg_dataset_split(ds, 0.99, NULL, &tr, &va, &err), GG_EINVAL);
    CHECK_CONTAINS("empty train split message", err.msg, "empty");
    gg_dataset *one = numbered(1, 0);
    if (one)
        CHECK_EQ("split of 1 row is GG_EINVAL", gg_dataset_split(one, 0.5, NULL, &tr, &va, &err), GG_EINVAL);
    gg_dataset_free(one);
    gg_dataset_free(ds);
}

static void test_new_gather(void)
{
    gg_err err;
    gg_dataset *ds = NULL;
    CHECK_EQ("dataset_new", gg_dataset_new(&ds, 4, 3, 2, 5, &err), GG_OK);
    if (ds) {
        int zero = 1;
        for (size_t i = 0; i < 12; i++)
            zero &= gg_dataset_x(ds).data[i] == 0.0f;
        for (size_t i = 0; i < 8; i++)
            zero &= gg_dataset_y(ds).data[i] == 0.0f;
        CHECK("new dataset is zero", zero);
        CHECK_EQ("new dataset classes", gg_dataset_classes(ds), 5);
        for (size_t i = 0; i < 12; i++)
            gg_dataset_x(ds).data[i] = (float)i;  // views are writable
        for (size_t i = 0; i < 8; i++)
            gg_dataset_y(ds).data[i] = 100.0f + (float)i;
        const size_t idx[3] = {3, 0, 3};
        float x[9], y[6];
        gg_dataset_gather(ds, idx, 3, x, y);
        const float wx[9] = {9, 10, 11, 0, 1, 2, 9, 10, 11}, wy[6] = {106, 107, 100, 101, 106, 107};
        CHECK("gather x rows", memcmp(x, wx, sizeof x) == 0);
        CHECK("gather y rows", memcmp(y, wy, sizeof y) == 0);
    }
    gg_dataset_free(ds);
    gg_dataset_free(NULL);
    ds = (gg_dataset *)&err;
    CHECK_EQ("dataset_new n=0", gg_dataset_new(&ds, 0, 3, 1, 0, &err), GG_EINVAL);
    CHECK("dataset_new failure sets NULL", ds == NULL);
    CHECK_EQ("dataset_new d=0", gg_dataset_new(&ds, 3, 0, 1, 0, &err), GG_EINVAL);
    CHECK_EQ("dataset_new k=0", gg_dataset_new(&ds, 3, 1, 0, 0, &err), GG_EINVAL);
    CHECK_EQ("dataset_new overflowing size is GG_EINVAL",
             gg_dataset_new(&ds, (size_t)1 << 40, (size_t)1 << 40, 1, 0, &err), GG_EINVAL);
    CHECK_EQ("dataset_new 2^35 elements is GG_EINVAL", gg_dataset_new(&ds, (size_t)1 << 35, 1, 1, 0, &err), GG_EINVAL);
}

/* Scalers on a 4x3 dataset: column 0 = 1,2,3,4; column 1 constant 5; column 2 = -2,0,0,2. */
static void test_scalers(void)
{
    gg_err err;
    gg_dataset *ds = NULL;
    if (gg_dataset_new(&ds, 4, 3, 1, 0, &err))
        return;
    const float x[12] = {1, 5, -2, 2, 5, 0, 3, 5, 0, 4, 5, 2};
    memcpy(gg_dataset_x(ds).data, x, sizeof x);
    for (int r = 0; r < 4; r++)
        gg_dataset_y(ds).data[r] = (float)(10 * r);

    gg_scaler s;
    CHECK_EQ("standard fit", gg_scaler_fit(&s, GG_SCALE_STANDARD, ds, &err), GG_OK);
    CHECK_NEAR("mean of 1..4", s.shift[0], 2.5, 1e-15);
    CHECK_NEAR("population std of 1..4 = sqrt(1.25)", s.scale[0], sqrt(1.25), 1e-15);
    CHECK("constant column: scale 1 (sklearn)", s.shift[1] == 5.0 && s.scale[1] == 1.0);
    CHECK_NEAR("std of -2,0,0,2 = sqrt(2)", s.scale[2], sqrt(2.0), 1e-15);
    gg_dataset *t = NULL;
    CHECK_EQ("standard apply", gg_scaler_apply(&s, ds, &t, &err), GG_OK);
    if (t) {
        const float *tx = gg_dataset_x(t).data;
        CHECK_NEAR("(1 - 2.5)/sqrt(1.25)", tx[0], (1 - 2.5) / sqrt(1.25), 1e-7);
        CHECK("constant column becomes 0", tx[1] == 0.0f && tx[4] == 0.0f);
        double m = 0, v = 0;
        for (int r = 0; r < 4; r++)
            m += (double)tx[r * 3 + 2];
        for (int r = 0; r < 4; r++)
            v += ((double)tx[r * 3 + 2] - m / 4) * ((double)tx[r * 3 + 2] - m / 4);
        CHECK_NEAR("scaled column mean 0", m / 4, 0.0, 1e-7);
        CHECK_NEAR("scaled column variance 1", v / 4, 1.0, 1e-6);
        CHECK("targets copied", gg_dataset_y(t).data[3] == 30.0f);
        CHECK("source untouched", gg_dataset_x(ds).data[0] == 1.0f);
    }
    gg_dataset_free(t);
    gg_scaler_free(&s);

    CHECK_EQ("minmax fit", gg_scaler_fit(&s, GG_SCALE_MINMAX, ds, &err), GG_OK);
    CHECK("min and range of 1..4", s.shift[0] == 1.0 && s.scale[0] == 3.0);
    CHECK("constant column range 1", s.scale[1] == 1.0);
    CHECK_EQ("minmax apply", gg_scaler_apply(&s, ds, &t, &err), GG_OK);
    if (t) {
        const float *tx = gg_dataset_x(t).data;
        CHECK("minmax maps to [0, 1]", tx[0] == 0.0f && tx[9] == 1.0f && tx[2] == 0.0f && tx[11] == 1.0f);
        CHECK_NEAR("minmax middle", tx[3], 1.0 / 3.0, 1e-7);
    }
    gg_dataset_free(t);
    gg_dataset *other = NULL;
    if (gg_dataset_new(&other, 2, 2, 1, 0, &err) == GG_OK) {
        CHECK_EQ("apply to other width is GG_ESHAPE", gg_scaler_apply(&s, other, &t, &err), GG_ESHAPE);
        CHECK_CONTAINS("message names both widths", err.msg, "3 features, data has 2");
    }
    gg_dataset_free(other);
    gg_scaler_free(&s);
    gg_scaler_free(&s);  // twice: a zeroed scaler is a no-op
    gg_dataset_free(ds);
}

/* 1 when ds has sample shape dims[0..nd). */
static int has_shape(const gg_dataset *ds, int nd, const size_t *dims)
{
    size_t got[GG_DATASET_MAX_DIMS] = {0};
    return ds && gg_dataset_shape(ds, got) == nd && memcmp(got, dims, (size_t)nd * sizeof *dims) == 0;
}

static void test_shape(void)
{
    gg_err err;
    gg_dataset *ds = NULL;
    CHECK_EQ("new", gg_dataset_new(&ds, 10, 12, 1, 3, &err), GG_OK);
    if (!ds)
        return;
    float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
    for (size_t i = 0; i < 120; i++)
        X[i] = (float)i;
    for (size_t r = 0; r < 10; r++)
        Y[r] = (float)(r % 3);
    const size_t flat[1] = {12}, chw[3] = {3, 2, 2};
    CHECK("default shape is (d)", has_shape(ds, 1, flat));
    CHECK_EQ("shape count only", gg_dataset_shape(ds, NULL), 1);

    // Errors leave the shape alone and name both sizes.
    const size_t wrong[3] = {1, 28, 28}, zero[2] = {0, 12}, five[5] = {1, 1, 1, 1, 12};
    CHECK_EQ("product differs", gg_dataset_set_shape(ds, 3, wrong, &err), GG_ESHAPE);
    CHECK_CONTAINS("product message", err.msg,
                   "shape (1,28,28) has 784 values per sample, the dataset has 12 features");
    CHECK_EQ("dim 0", gg_dataset_set_shape(ds, 2, zero, &err), GG_EINVAL);
    CHECK_CONTAINS("dim 0 message", err.msg, "sample shape dim 1 must be >= 1, got 0");
    CHECK_EQ("5 dims", gg_dataset_set_shape(ds, 5, five, &err), GG_EINVAL);
    CHECK_CONTAINS("5 dims message", err.msg, "a sample shape has 1 to 4 dims, got 5");
    CHECK_EQ("0 dims", gg_dataset_set_shape(ds, 0, five, &err), GG_EINVAL);
    const size_t huge[4] = {(size_t)1 << 40, (size_t)1 << 40, 1, 1};
    CHECK_EQ("overflowing product", gg_dataset_set_shape(ds, 4, huge, &err), GG_ESHAPE);
    CHECK_CONTAINS("overflow message", err.msg, "too many values per sample, the dataset has 12 features");
    CHECK("failures keep (d)", has_shape(ds, 1, flat));
    CHECK_EQ("(3,2,2)", gg_dataset_set_shape(ds, 3, chw, &err), GG_OK);
    CHECK("set", has_shape(ds, 3, chw));
    const size_t four[4] = {1, 3, 2, 2};
    CHECK_EQ("4 dims", gg_dataset_set_shape(ds, 4, four, &err), GG_OK);
    CHECK("4 dims set", has_shape(ds, 4, four));
    CHECK_EQ("back to (3,2,2)", gg_dataset_set_shape(ds, 3, chw, &err), GG_OK);
    CHECK("4 -> 3 dims: no stale dim", has_shape(ds, 3, chw));

    // Every derived dataset keeps the shape; rows stay contiguous, so values are unchanged.
    gg_dataset *cp = NULL, *sub = NULL, *tr = NULL, *va = NULL, *sc = NULL;
    CHECK_EQ("copy", gg_dataset_copy(&cp, ds, &err), GG_OK);
    CHECK("copy keeps shape", has_shape(cp, 3, chw));
    CHECK("copy keeps values", cp && memcmp(gg_dataset_x(cp).data, X, 120 * sizeof(float)) == 0 &&
                                   memcmp(gg_dataset_y(cp).data, Y, 10 * sizeof(float)) == 0 &&
                                   gg_dataset_classes(cp) == 3);
    const size_t idx[4] = {9, 0, 9, 4};
    CHECK_EQ("subset", gg_dataset_subset(&sub, ds, idx, 4, &err), GG_OK);
    CHECK("subset keeps shape", has_shape(sub, 3, chw));
    CHECK("subset rows in order, repeats allowed",
          sub && gg_dataset_n(sub) == 4 && gg_dataset_x(sub).data[0] == 108.0f &&
              gg_dataset_x(sub).data[12] == 0.0f && gg_dataset_x(sub).data[24] == 108.0f &&
              gg_dataset_x(sub).data[36] == 48.0f && gg_dataset_y(sub).data[3] == 1.0f &&
              gg_dataset_classes(sub) == 3);
    gg_dataset *none = cp;
    const size_t out_of_range[2] = {1, 10};
    CHECK_EQ("subset index out of range", gg_dataset_subset(&none, ds, out_of_range, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("subset message", err.msg, "row index 10 is out of range (10 rows)");
    CHECK("no dataset on failure", none == NULL);
    CHECK_EQ("empty subset", gg_dataset_subset(&none, ds, idx, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("empty subset message", err.msg, "a subset needs at least 1 row, got 0");
    gg_rng r;
    gg_rng_seed(&r, 3);
    CHECK_EQ("split", gg_dataset_split(ds, 0.3, &r, &tr, &va, &err), GG_OK);
    CHECK("split keeps shape", has_shape(tr, 3, chw) && has_shape(va, 3, chw));
    gg_scaler s = {0};
    CHECK_EQ("fit", gg_scaler_fit(&s, GG_SCALE_MINMAX, ds, &err), GG_OK);
    CHECK_EQ("apply", gg_scaler_apply(&s, va, &sc, &err), GG_OK);
    CHECK("scaler apply keeps shape", has_shape(sc, 3, chw));
    gg_scaler_free(&s);
    const size_t twelve[2] = {3, 4};
    CHECK_EQ("reshape a copy", gg_dataset_set_shape(cp, 2, twelve, &err), GG_OK);
    CHECK("the source keeps its own", has_shape(ds, 3, chw) && has_shape(cp, 2, twelve));
    gg_dataset_free(cp);
    gg_dataset_free(sub);
    gg_dataset_free(tr);
    gg_dataset_free(va);
    gg_dataset_free(sc);
    gg_dataset_free(ds);

    // Generated datasets are flat: (features).
    gg_blobs_cfg b = {.n = 6, .features = 5, .classes = 2, .spread = 1.0, .separation = 1.0};
    const size_t five1[1] = {5};
    gg_rng_seed(&r, 1);
    CHECK_EQ("blobs", gg_data_blobs(&ds, &b, &r, &err), GG_OK);
    CHECK("blobs are flat", has_shape(ds, 1, five1));
    gg_dataset_free(ds);
}

/* Stratified split: 12 rows, x = row number, classes 0 (rows 1..3) and 1 (rows 4..12). */
static void test_stratified(void)
{
    gg_err err;
    gg_dataset *ds = NULL, *tr = NULL, *va = NULL;
    if (gg_dataset_new(&ds, 12, 1, 1, 2, &err) != GG_OK) {
        CHECK("dataset", 0);
        return;
    }
    for (size_t i = 0; i < 12; i++) {
        gg_dataset_x(ds).data[i] = (float)(i + 1);
        gg_dataset_y(ds).data[i] = i < 3 ? 0.0f : 1.0f;
    }
    CHECK_EQ("stratified, in order", gg_dataset_split_stratified(ds, 0.34, NULL, &tr, &va, &err), GG_OK);
    // class 0: floor(3 * 0.66) = 1 trains; class 1: floor(9 * 0.66) = 5 train
    CHECK("stratified sizes 6 / 6", tr && va && gg_dataset_n(tr) == 6 && gg_dataset_n(va) == 6);
    const float *x = tr ? gg_dataset_x(tr).data : NULL, *v = va ? gg_dataset_x(va).data : NULL;
    CHECK("train: row 1, then rows 4..8", x && x[0] == 1 && x[1] == 4 && x[5] == 8);
    CHECK("val: rows 2, 3, then 9..12", v && v[0] == 2 && v[1] == 3 && v[2] == 9 && v[5] == 12);
    gg_dataset_free(tr), gg_dataset_free(va);
    gg_rng r;
    gg_rng_seed(&r, 5);
    CHECK_EQ("stratified, shuffled", gg_dataset_split_stratified(ds, 0.34, &r, &tr, &va, &err), GG_OK);
    size_t zeros = 0;
    for (size_t i = 0; tr && i < gg_dataset_n(tr); i++)
        zeros += gg_dataset_y(tr).data[i] == 0.0f;
    CHECK_EQ("shuffled: still 1 row of class 0 in train", zeros, 1);
    gg_dataset_free(tr), gg_dataset_free(va);
    CHECK_EQ("class too small", gg_dataset_split_stratified(ds, 0.8, NULL, &tr, &va, &err), GG_EINVAL);
    CHECK_CONTAINS("class too small: message", err.msg, "class 0 has 3 rows: too few");
    CHECK("failed: outputs NULL", tr == NULL && va == NULL);
    gg_dataset_y(ds).data[4] = 0.5f;
    CHECK_EQ("not a class", gg_dataset_split_stratified(ds, 0.2, NULL, &tr, &va, &err), GG_EINVAL);
    CHECK_CONTAINS("not a class: message", err.msg, "row 5's target is not a class index");
    gg_dataset_free(ds);
}

int main(void)
{
    test_stratified();
    test_shape();
    test_regression();
    test_blobs();
    test_determinism();
    test_split();
    test_new_gather();
    test_scalers();
    return CHECK_DONE();
}
