/* tests/test_images.c — synthetic image datasets (core/images.h): shape (C,H,W), balanced
 * cycling labels, value ranges, the documented draw order (parameters sample by sample,
 * then the noise), each kind's geometry (bar and grating orientation, shape area and
 * centre), colour groups beyond 8 classes, pinned checksums (same bytes on every run and
 * CPU), error messages, and that a pixel-mean rule and a nearest-class-mean template do
 * poorly on shapes while staying above chance. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "data.h"
#include "images.h"
#include "rng.h"

static gg_dataset *gen(gg_images_cfg c, uint64_t seed)
{
    gg_rng r;
    gg_err err;
    gg_dataset *ds = NULL;
    gg_rng_seed(&r, seed);
    if (gg_data_images(&ds, &c, &r, &err) != GG_OK)
        printf("gg_data_images: %s\n", err.msg);
    return ds;
}

/* FNV-1a 64 of the bytes of X then Y. */
static uint64_t checksum(gg_dataset *ds)
{
    uint64_t h = 0xcbf29ce484222325u;
    gg_tensor t[2] = {gg_dataset_x(ds), gg_dataset_y(ds)};
    for (int k = 0; k < 2; k++) {
        const unsigned char *b = (const unsigned char *)t[k].data;
        for (size_t i = 0; i < t[k].rows * t[k].cols * sizeof(float); i++)
            h = (h ^ b[i]) * 0x100000001b3u;
    }
    return h;
}

static gg_images_cfg cfg(gg_images_kind kind, size_t n, size_t C, size_t H, size_t W,
                         size_t classes, double noise)
{
    return (gg_images_cfg){.n = n, .channels = C, .height = H, .width = W, .classes = classes,
                           .kind = kind, .noise = noise};
}

static void test_shape_labels_ranges(void)
{
    const gg_images_kind kinds[3] = {GG_IMAGES_SHAPES, GG_IMAGES_BARS, GG_IMAGES_TEXTURES};
    for (int k = 0; k < 3; k++) {
        gg_dataset *ds = gen(cfg(kinds[k], 103, 3, 12, 10, 8, 0.0), 5);
        CHECK("generates", ds != NULL);
        if (!ds)
            continue;
        size_t dims[GG_DATASET_MAX_DIMS];
        CHECK_EQ("ndim 3", gg_dataset_shape(ds, dims), 3);
        CHECK("shape (C,H,W) = (3,12,10)", dims[0] == 3 && dims[1] == 12 && dims[2] == 10);
        CHECK("n, d, k, classes", gg_dataset_n(ds) == 103 && gg_dataset_d(ds) == 360 &&
                                      gg_dataset_k(ds) == 1 && gg_dataset_classes(ds) == 8);
        const float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
        int cycle = 1;
        size_t count[8] = {0};
        for (size_t i = 0; i < 103; i++) {
            cycle &= Y[i] == (float)(i % 8);
            count[(size_t)Y[i] % 8]++;
        }
        CHECK("labels cycle 0..7", cycle);
        CHECK("balanced: 13 or 12 per class", count[0] == 13 && count[6] == 13 && count[7] == 12);
        float lo = 1.0f, hi = 0.0f;
        double sum = 0.0;
        for (size_t i = 0; i < 103 * 360; i++) {
            lo = X[i] < lo ? X[i] : lo;
            hi = X[i] > hi ? X[i] : hi;
            sum += (double)X[i];
        }
        double mean = sum / (103.0 * 360.0);
        CHECK("noise 0: values in [0, 1]", lo >= 0.0f && hi <= 1.0f);
        if (kinds[k] == GG_IMAGES_TEXTURES) {
            CHECK("textures: 0.5 +- 0.5 a reaches near 0 and 1", lo < 0.1f && hi > 0.9f);
            CHECK_NEAR("textures: mean about 0.5", mean, 0.5, 0.02);
        } else {
            CHECK("shapes and bars: background 0, strokes bright", lo == 0.0f && hi > 0.9f);
            CHECK("shapes and bars: mostly background", mean > 0.02 && mean < 0.3);
        }
        gg_dataset_free(ds);
    }
}

/* The documented order: n (3 or 2 + C) uniforms for the parameters, then the noise. */
static void test_draw_order(void)
{
    const gg_images_kind kinds[3] = {GG_IMAGES_SHAPES, GG_IMAGES_BARS, GG_IMAGES_TEXTURES};
    for (int k = 0; k < 3; k++) {
        gg_images_cfg c = cfg(kinds[k], 7, 2, 9, 11, 3, 0.0);
        gg_rng r, ref;
        gg_err err;
        gg_dataset *clean = NULL, *noisy = NULL;
        gg_rng_seed(&r, 42);
        CHECK_EQ("clean", gg_data_images(&clean, &c, &r, &err), GG_OK);
        gg_rng_seed(&ref, 42);
        size_t per = (kinds[k] == GG_IMAGES_SHAPES ? 3 : 2) + 2;
        for (size_t i = 0; i < 7 * per; i++)
            gg_rng_uniform(&ref);
        CHECK("noise 0: only the parameters are drawn", memcmp(&r, &ref, sizeof r) == 0);
        c.noise = 0.25;
        gg_rng_seed(&r, 42);
        CHECK_EQ("noisy", gg_data_images(&noisy, &c, &r, &err), GG_OK);
        if (!clean || !noisy)
            continue;
        double z[7 * 2 * 9 * 11];
        gg_rng_normal_fill(&ref, z, 7 * 2 * 9 * 11);
        const float *a = gg_dataset_x(clean).data, *b = gg_dataset_x(noisy).data;
        int same = 1;
        for (size_t i = 0; i < 7 * 2 * 9 * 11; i++)
            same &= b[i] == (float)((double)a[i] + 0.25 * z[i]);
        CHECK("then the noise, NCHW order, added in double", same);
        CHECK("and nothing else", memcmp(&r, &ref, sizeof r) == 0);
        CHECK("noise leaves the labels", memcmp(gg_dataset_y(clean).data, gg_dataset_y(noisy).data,
                                                7 * sizeof(float)) == 0);
        gg_dataset_free(clean);
        gg_dataset_free(noisy);
    }
}

/* Pixel (ch, y, x) of sample i of a (C,H,W) dataset. */
static float px(gg_dataset *ds, size_t i, size_t ch, size_t y, size_t x)
{
    size_t dims[GG_DATASET_MAX_DIMS];
    gg_dataset_shape(ds, dims);
    return gg_dataset_x(ds).data[i * gg_dataset_d(ds) + (ch * dims[1] + y) * dims[2] + x];
}

static void test_geometry(void)
{
    // Bars: class 0 horizontal (each row constant), class 1 vertical (each column).
    gg_dataset *ds = gen(cfg(GG_IMAGES_BARS, 10, 1, 14, 14, 2, 0.0), 3);
    int rows_const = 1, cols_const = 1;
    for (size_t i = 0; ds && i < 10; i++)
        for (size_t a = 0; a < 14; a++)
            for (size_t b = 1; b < 14; b++) {
                if (i % 2 == 0)
                    rows_const &= px(ds, i, 0, a, b) == px(ds, i, 0, a, 0);
                else
                    cols_const &= px(ds, i, 0, b, a) == px(ds, i, 0, 0, a);
            }
    CHECK("bars: class 0 horizontal", ds && rows_const);
    CHECK("bars: class 1 vertical", ds && cols_const);
    gg_dataset_free(ds);

    // Textures: pattern 0 varies along x only, pattern 1 along y only.
    ds = gen(cfg(GG_IMAGES_TEXTURES, 10, 2, 8, 12, 2, 0.0), 4);
    rows_const = cols_const = 1;
    for (size_t i = 0; ds && i < 10; i++)
        for (size_t ch = 0; ch < 2; ch++)
            for (size_t y = 0; y < 8; y++)
                for (size_t x = 0; x < 12; x++) {
                    if (i % 2 == 0)
                        cols_const &= px(ds, i, ch, y, x) == px(ds, i, ch, 0, x);
                    else
                        rows_const &= px(ds, i, ch, y, x) == px(ds, i, ch, y, 0);
                }
    CHECK("textures: pattern 0 is vertical stripes", ds && cols_const);
    CHECK("textures: pattern 1 is horizontal stripes", ds && rows_const);
    gg_dataset_free(ds);

    // Shapes: the square of sample 0 and the disk of sample 1, from their drawn parameters:
    // r, centre x, centre y, then the intensity. Area and centroid of the coverage (the
    // one-pixel edge ramp is the exact coverage along straight edges, not at corners).
    const size_t H = 20, W = 24;
    ds = gen(cfg(GG_IMAGES_SHAPES, 2, 1, H, W, 2, 0.0), 9);
    gg_rng r;
    gg_rng_seed(&r, 9);
    for (size_t i = 0; ds && i < 2; i++) {
        double q0 = gg_rng_uniform(&r), q1 = gg_rng_uniform(&r), q2 = gg_rng_uniform(&r);
        double a = 0.5 + 0.5 * gg_rng_uniform(&r);
        double rad = 20.0 * (0.2 + 0.15 * q0), cx = rad + q1 * (W - 2 * rad), cy = rad + q2 * (H - 2 * rad);
        double m = 0, mx = 0, my = 0;
        for (size_t y = 0; y < H; y++)
            for (size_t x = 0; x < W; x++) {
                double v = (double)px(ds, i, 0, y, x) / a;
                m += v, mx += v * ((double)x + 0.5), my += v * ((double)y + 0.5);
            }
        double want = i == 0 ? 4.0 * (0.57 * rad) * (0.57 * rad) : 3.14159265358979 * (0.64 * rad) * (0.64 * rad);
        CHECK_REL(i == 0 ? "square: area (2 * 0.57 r)^2" : "disk: area pi (0.64 r)^2", m, want,
                  0.03);
        CHECK_NEAR(i == 0 ? "square: centre x" : "disk: centre x", mx / m, cx, 0.05);
        CHECK_NEAR(i == 0 ? "square: centre y" : "disk: centre y", my / m, cy, 0.05);
    }
    CHECK("shapes generated", ds != NULL);
    gg_dataset_free(ds);

    // More classes than patterns: class c lights channel c / 8 only; up to 8 classes
    // every channel shows the pattern.
    ds = gen(cfg(GG_IMAGES_SHAPES, 24, 3, 10, 10, 24, 0.0), 11);
    int groups = 1;
    for (size_t i = 0; ds && i < 24; i++)
        for (size_t ch = 0; ch < 3; ch++) {
            double s = 0;
            for (size_t p = 0; p < 100; p++)
                s += (double)px(ds, i, ch, p / 10, p % 10);
            groups &= (ch == i / 8) == (s > 0.0);
        }
    CHECK("24 classes, 3 channels: one lit channel per group", ds && groups);
    gg_dataset_free(ds);
    ds = gen(cfg(GG_IMAGES_TEXTURES, 12, 2, 8, 8, 12, 0.0), 11);
    int flat = 1;
    for (size_t i = 8; ds && i < 12; i++)
        for (size_t p = 0; p < 64; p++)
            flat &= px(ds, i, 0, p / 8, p % 8) == 0.5f;
    CHECK("textures, group 1: channel 0 is flat 0.5", ds && flat);
    gg_dataset_free(ds);
    ds = gen(cfg(GG_IMAGES_BARS, 8, 3, 8, 8, 8, 0.0), 12);
    int all = 1;
    for (size_t i = 0; ds && i < 8; i++)
        for (size_t ch = 0; ch < 3; ch++) {
            double s = 0;
            for (size_t p = 0; p < 64; p++)
                s += (double)px(ds, i, ch, p / 8, p % 8);
            all &= s > 0.0;
        }
    CHECK("8 classes, 3 channels: every channel lit", ds && all);
    gg_dataset_free(ds);
}

static void test_determinism(void)
{
    gg_images_cfg c = cfg(GG_IMAGES_SHAPES, 50, 3, 16, 16, 8, 0.1);
    gg_dataset *a = gen(c, 1), *b = gen(c, 1), *o = gen(c, 2);
    CHECK("same seed, same bytes", a && b && checksum(a) == checksum(b));
    CHECK("other seed, other bytes", a && o && checksum(a) != checksum(o));
    gg_dataset_free(a);
    gg_dataset_free(b);
    gg_dataset_free(o);

    // Pinned: any change to the images or the draw order shows here.
    struct {
        gg_images_cfg c;
        uint64_t seed, want;
    } pins[] = {
        {cfg(GG_IMAGES_SHAPES, 40, 1, 16, 16, 8, 0.1), 1, 0x627559a295f5c5a5u},
        {cfg(GG_IMAGES_SHAPES, 30, 3, 12, 9, 20, 0.0), 2, 0xcf2c39c0b7855bd0u},
        {cfg(GG_IMAGES_BARS, 40, 1, 16, 16, 8, 0.1), 3, 0xcc2d63caddad78b0u},
        {cfg(GG_IMAGES_BARS, 30, 3, 8, 8, 4, 0.0), 4, 0xe038c6b3034cccb6u},
        {cfg(GG_IMAGES_TEXTURES, 40, 1, 16, 16, 8, 0.1), 5, 0x783c8d8dbd897db0u},
        {cfg(GG_IMAGES_TEXTURES, 30, 2, 10, 13, 16, 0.05), 6, 0x06bd4fe103c89c4du},
    };
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        gg_dataset *ds = gen(pins[i].c, pins[i].seed);
        char name[64];
        snprintf(name, sizeof name, "pinned checksum %zu (%s)", i, gg_images_kind_name(pins[i].c.kind));
        CHECK_EQ_U64(name, ds ? checksum(ds) : 0, pins[i].want);
        gg_dataset_free(ds);
    }
}

static void expect_error(const char *name, gg_images_cfg c, const char *want)
{
    gg_rng r;
    gg_err err;
    gg_dataset *ds = (gg_dataset *)&r;  // must come back NULL
    gg_rng_seed(&r, 1);
    CHECK_EQ(name, gg_data_images(&ds, &c, &r, &err), GG_EINVAL);
    CHECK_CONTAINS(name, err.msg, want);
    CHECK(name, ds == NULL);
}

static void test_errors(void)
{
    const gg_images_cfg ok = cfg(GG_IMAGES_SHAPES, 10, 1, 8, 8, 4, 0.1);
    gg_images_cfg c = ok;
    c.kind = (gg_images_kind)7;
    expect_error("unknown kind", c, "kind must be shapes, bars or textures, got 7");
    c = ok, c.channels = 0;
    expect_error("no channels", c, "channels must be >= 1, got 0");
    c = ok, c.height = 3;
    expect_error("too small", c, "height and width must be >= 4, got 3 and 8");
    c = ok, c.classes = 1;
    expect_error("one class", c, "classes must be in 2..8 for shapes with 1 channel (8 patterns per channel), got 1");
    c = ok, c.classes = 9;
    expect_error("9 classes on 1 channel", c, "classes must be in 2..8 for shapes with 1 channel");
    c = ok, c.classes = 25, c.channels = 3, c.kind = GG_IMAGES_TEXTURES;
    expect_error("25 classes on 3 channels", c, "classes must be in 2..24 for textures with 3 channels (8 patterns per channel), got 25");
    c = ok, c.noise = -0.1;
    expect_error("negative noise", c, "noise must be a non-negative number, got -0.1");
    c = ok, c.noise = NAN;
    expect_error("nan noise", c, "noise must be a non-negative number, got nan");
    c = ok, c.height = c.width = (size_t)1 << 16;
    expect_error("too large", c, "an image of 1 x 65536 x 65536 values is too large");
    c = ok, c.n = 0;
    gg_rng r;
    gg_err err;
    gg_dataset *ds = NULL;
    gg_rng_seed(&r, 1);
    CHECK_EQ("n = 0", gg_data_images(&ds, &c, &r, &err), GG_EINVAL);
    CHECK_CONTAINS("n = 0 message", err.msg, "dataset dimensions must be >= 1, got n=0");
    CHECK_EQ("max classes", gg_images_max_classes(GG_IMAGES_BARS, 3), 24);
    CHECK("kind names", strcmp(gg_images_kind_name(GG_IMAGES_BARS), "bars") == 0 &&
                            strcmp(gg_images_kind_name((gg_images_kind)9), "?") == 0);
}

/* Accuracy on the second half of ds of a nearest-class-mean rule fitted on the first half,
 * on the pixels (template = 1) or on each image's mean pixel (template = 0). */
static double ncm_accuracy(gg_dataset *ds, int template)
{
    enum { MAXC = 8, MAXD = 1024 };
    const size_t n = gg_dataset_n(ds), d = gg_dataset_d(ds), C = gg_dataset_classes(ds), half = n / 2;
    const float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
    static double mu[MAXC][MAXD];
    double cnt[MAXC] = {0};
    memset(mu, 0, sizeof mu);
    for (size_t i = 0; i < half; i++) {
        size_t y = (size_t)Y[i];
        cnt[y] += 1;
        for (size_t j = 0; j < d; j++)
            mu[y][template ? j : 0] += (double)X[i * d + j] / (template ? 1.0 : (double)d);
    }
    size_t right = 0;
    for (size_t i = half; i < n; i++) {
        double mean = 0, best = INFINITY;
        size_t arg = 0;
        for (size_t j = 0; j < d; j++)
            mean += (double)X[i * d + j] / (double)d;
        for (size_t c = 0; c < C; c++) {
            double dist = 0;
            if (template)
                for (size_t j = 0; j < d; j++)
                    dist += ((double)X[i * d + j] - mu[c][j] / cnt[c]) * ((double)X[i * d + j] - mu[c][j] / cnt[c]);
            else
                dist = fabs(mean - mu[c][0] / cnt[c]);
            if (dist < best)
                best = dist, arg = c;
        }
        right += arg == (size_t)Y[i];
    }
    return (double)right / (double)(n - half);
}

static void test_not_trivial(void)
{
    // 4 shape classes (chance 0.25): random position, scale and intensity make both rules
    // weak; a CNN has translation invariance on its side (tests/lua/test_images.lua trains
    // a small network). Deterministic: fixed seed.
    gg_dataset *ds = gen(cfg(GG_IMAGES_SHAPES, 2000, 1, 16, 16, 4, 0.1), 7);
    if (!ds)
        return;
    double mean_rule = ncm_accuracy(ds, 0), tmpl = ncm_accuracy(ds, 1);
    CHECK("shapes: pixel-mean rule near chance", mean_rule > 0.2 && mean_rule < 0.33);
    CHECK("shapes: template rule above chance, far from 3x chance", tmpl > 0.27 && tmpl < 0.45);
    if (!(tmpl > 0.27 && tmpl < 0.45 && mean_rule < 0.33))
        printf("    mean rule %.3f, template %.3f\n", mean_rule, tmpl);
    gg_dataset_free(ds);
}

int main(void)
{
    test_shape_labels_ranges();
    test_draw_order();
    test_geometry();
    test_determinism();
    test_errors();
    test_not_trivial();
    return CHECK_DONE();
}
