/* tests/test_corrupt.c — the corruption operators change exactly the asked number of rows
 * by exactly the asked amount, with the given seed, and leave their input alone; every
 * one keeps the input's sample shape. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "corrupt.h"
#include "data.h"

/* n rows, 3 features: x = (r, 10 r, -r); classification label r % C (C = 0: y = 2 r). */
static gg_dataset *make(size_t n, size_t C)
{
    gg_dataset *ds = NULL;
    if (gg_dataset_new(&ds, n, 3, 1, C, NULL))
        return NULL;
    float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
    for (size_t r = 0; r < n; r++) {
        X[3 * r] = (float)r, X[3 * r + 1] = 10.0f * (float)r, X[3 * r + 2] = -(float)r;
        Y[r] = C ? (float)(r % C) : 2.0f * (float)r;
    }
    return ds;
}

static size_t differing_rows(gg_dataset *a, gg_dataset *b, int targets)
{
    gg_tensor A = targets ? gg_dataset_y(a) : gg_dataset_x(a), B = targets ? gg_dataset_y(b) : gg_dataset_x(b);
    size_t n = 0;
    for (size_t r = 0; r < A.rows; r++)
        n += memcmp(A.data + r * A.cols, B.data + r * B.cols, A.cols * sizeof(float)) != 0;
    return n;
}

int main(void)
{
    gg_err err;
    gg_rng rng;
    gg_dataset *ds = make(150, 3), *out = NULL, *out2 = NULL;
    if (!ds)
        return 1;
    CHECK_EQ("count: 0.1 of 150", gg_corrupt_count(0.1, 150), 15);
    CHECK_EQ("count: 0.25 of 10 rounds half up", gg_corrupt_count(0.25, 10), 3);

    // Label noise: exactly 15 labels change, each to another valid class.
    size_t changed = 0;
    gg_rng_seed(&rng, 1);
    CHECK_EQ("flip labels", gg_corrupt_labels(&out, ds, 0.1, -1, &rng, &changed, &err), GG_OK);
    CHECK_EQ("15 labels changed", changed, 15);
    CHECK_EQ("15 rows differ", differing_rows(ds, out, 1), 15);
    int valid = 1;
    for (size_t r = 0; r < 150; r++) {
        float y = gg_dataset_y(out).data[r];
        valid &= y >= 0.0f && y < 3.0f && y == floorf(y);
    }
    CHECK("flipped labels are classes", valid);
    CHECK_EQ("features untouched", differing_rows(ds, out, 0), 0);
    CHECK("input untouched", gg_dataset_y(ds).data[4] == 1.0f);
    gg_rng_seed(&rng, 1);
    gg_corrupt_labels(&out2, ds, 0.1, -1, &rng, &changed, &err);
    CHECK_EQ("same seed, same corruption", differing_rows(out, out2, 1), 0);
    gg_dataset_free(out2);
    gg_rng_seed(&rng, 2);
    gg_corrupt_labels(&out2, ds, 0.1, -1, &rng, &changed, &err);
    CHECK("other seed, other rows", differing_rows(out, out2, 1) > 0);
    gg_dataset_free(out2), gg_dataset_free(out);
    gg_rng_seed(&rng, 3);
    CHECK_EQ("flip to class 2", gg_corrupt_labels(&out, ds, 0.2, 2, &rng, &changed, &err), GG_OK);
    size_t twos = 0;
    for (size_t r = 0; r < 150; r++)
        twos += gg_dataset_y(out).data[r] == 2.0f;
    CHECK_EQ("to_class: changed + original twos", twos, 50 + changed);
    CHECK("to_class changes at most 30", changed <= 30 && changed > 10);
    gg_dataset_free(out);
    CHECK_EQ("rate 1.5 rejected", gg_corrupt_labels(&out, ds, 1.5, -1, &rng, &changed, &err), GG_EINVAL);
    CHECK_CONTAINS("message names rate", err.msg, "rate must be in [0, 1]");

    // Outliers: exactly 3 rows of 150 (0.02), each moved by +-magnitude * sd per column.
    gg_rng_seed(&rng, 4);
    CHECK_EQ("outliers", gg_corrupt_outliers(&out, ds, 0.02, 10.0, 0, &rng, &err), GG_OK);
    CHECK_EQ("3 rows changed", differing_rows(ds, out, 0), 3);
    double sd0 = 0, m0 = 74.5;
    for (size_t r = 0; r < 150; r++)
        sd0 += ((double)r - m0) * ((double)r - m0);
    sd0 = sqrt(sd0 / 150.0);
    int exact = 1;
    for (size_t r = 0; r < 150; r++) {
        float a = gg_dataset_x(ds).data[3 * r], b = gg_dataset_x(out).data[3 * r];
        if (a != b)
            exact &= fabs(fabs((double)b - (double)a) - 10.0 * sd0) < 1e-3;
    }
    CHECK("outlier shift = magnitude * column sd", exact);
    gg_dataset_free(out);
    gg_dataset *reg = make(40, 0);
    gg_rng_seed(&rng, 5);
    CHECK_EQ("target outliers", gg_corrupt_outliers(&out, reg, 0.25, 5.0, 1, &rng, &err), GG_OK);
    CHECK_EQ("10 target rows changed", differing_rows(reg, out, 1), 10);
    CHECK_EQ("features alone", differing_rows(reg, out, 0), 0);
    gg_dataset_free(out);
    CHECK_EQ("target outliers on classes rejected", gg_corrupt_outliers(&out, ds, 0.1, 5.0, 1, &rng, &err), GG_EINVAL);

    // Scaling: column 2 (0-based 1) times 1000, others alone.
    size_t cols[1] = {1};
    CHECK_EQ("scale", gg_corrupt_scale(&out, ds, cols, 1, 1000.0, &err), GG_OK);
    CHECK("scaled column", gg_dataset_x(out).data[3 * 7 + 1] == 70000.0f);
    CHECK("other columns", gg_dataset_x(out).data[3 * 7] == 7.0f && gg_dataset_x(out).data[3 * 7 + 2] == -7.0f);
    gg_dataset_free(out);
    size_t bad[1] = {3};
    CHECK_EQ("column out of range", gg_corrupt_scale(&out, ds, bad, 1, 2.0, &err), GG_EINVAL);

    // Imbalance: class 1 kept at ratio 0.1 of its 50 rows = 5; the rest intact, in order.
    gg_rng_seed(&rng, 6);
    CHECK_EQ("imbalance", gg_corrupt_imbalance(&out, ds, 1, 0.1, &rng, &err), GG_OK);
    size_t c[3] = {0, 0, 0}, ordered = 1;
    float prev = -1.0f;
    for (size_t r = 0; r < gg_dataset_n(out); r++) {
        c[(size_t)gg_dataset_y(out).data[r]]++;
        ordered &= gg_dataset_x(out).data[3 * r] > prev;
        prev = gg_dataset_x(out).data[3 * r];
    }
    CHECK("class counts 50/5/50", c[0] == 50 && c[1] == 5 && c[2] == 50);
    CHECK("original order kept", ordered);
    gg_dataset_free(out);
    CHECK_EQ("ratio 0 rejected", gg_corrupt_imbalance(&out, ds, 1, 0.0, &rng, &err), GG_EINVAL);

    // Noise: mean ~0, std ~0.5 over 450 values.
    gg_rng_seed(&rng, 7);
    CHECK_EQ("noise", gg_corrupt_noise(&out, ds, 0.5, &rng, &err), GG_OK);
    double s = 0, s2 = 0;
    for (size_t i = 0; i < 450; i++) {
        double dlt = (double)gg_dataset_x(out).data[i] - (double)gg_dataset_x(ds).data[i];
        s += dlt, s2 += dlt * dlt;
    }
    CHECK_NEAR("noise mean", s / 450, 0.0, 5 * 0.5 / sqrt(450.0));
    CHECK_NEAR("noise std", sqrt(s2 / 450), 0.5, 0.1);
    gg_dataset_free(out);
    CHECK_EQ("negative std rejected", gg_corrupt_noise(&out, ds, -1.0, &rng, &err), GG_EINVAL);

    // Each operator's result has the input's sample shape, (3,1,1) here.
    const size_t chw[3] = {3, 1, 1};
    size_t got[GG_DATASET_MAX_DIMS];
    CHECK_EQ("set shape", gg_dataset_set_shape(ds, 3, chw, &err), GG_OK);
    CHECK_EQ("set shape (regression)", gg_dataset_set_shape(reg, 3, chw, &err), GG_OK);
    gg_dataset *outs[6] = {NULL};
    gg_rng_seed(&rng, 8);
    CHECK_EQ("labels (shaped)", gg_corrupt_labels(&outs[0], ds, 0.1, -1, &rng, &changed, &err), GG_OK);
    CHECK_EQ("outliers (shaped)", gg_corrupt_outliers(&outs[1], ds, 0.1, 3.0, 0, &rng, &err), GG_OK);
    CHECK_EQ("target outliers (shaped)", gg_corrupt_outliers(&outs[2], reg, 0.1, 3.0, 1, &rng, &err), GG_OK);
    CHECK_EQ("scale (shaped)", gg_corrupt_scale(&outs[3], ds, cols, 1, 2.0, &err), GG_OK);
    CHECK_EQ("imbalance (shaped)", gg_corrupt_imbalance(&outs[4], ds, 0, 0.5, &rng, &err), GG_OK);
    CHECK_EQ("noise (shaped)", gg_corrupt_noise(&outs[5], ds, 0.1, &rng, &err), GG_OK);
    static const char *const names[6] = {"labels keep the shape", "outliers keep the shape",
                                         "target outliers keep the shape", "scale keeps the shape",
                                         "imbalance keeps the shape", "noise keeps the shape"};
    for (int i = 0; i < 6; i++) {
        int ok = outs[i] && gg_dataset_shape(outs[i], got) == 3 && memcmp(got, chw, sizeof chw) == 0;
        CHECK(names[i], ok);
        gg_dataset_free(outs[i]);
    }

    gg_dataset_free(reg);
    gg_dataset_free(ds);
    return CHECK_DONE();
}
