/* core/images.c — synthetic image datasets (see images.h for the images and draw order). */
#include "images.h"

#include <math.h>

#include "detmath.h"
#include "mem.h"
#include "tensor.h"

/* Bar and grating angles in sixteenths of a turn (22.5 degrees), in pattern order:
 * 0, 90, 45, 135, 22.5, 112.5, 67.5, 157.5 degrees. Gratings use the first four. */
static const int angle16[GG_IMAGES_PATTERNS] = {0, 4, 2, 6, 1, 5, 3, 7};

const char *gg_images_kind_name(gg_images_kind kind)
{
    switch (kind) {
    case GG_IMAGES_SHAPES: return "shapes";
    case GG_IMAGES_BARS: return "bars";
    case GG_IMAGES_TEXTURES: return "textures";
    }
    return "?";
}

size_t gg_images_max_classes(gg_images_kind kind, size_t channels)
{
    (void)kind;  // every kind has GG_IMAGES_PATTERNS patterns
    return channels > SIZE_MAX / GG_IMAGES_PATTERNS ? SIZE_MAX : GG_IMAGES_PATTERNS * channels;
}

/* cos and sin of 2 pi u for u in [0, 1): sin(2 pi u) = cos(2 pi (u + 3/4)). */
static void cos_sin(double u, double *c, double *s)
{
    double v = u + 0.75;
    *c = gg_cos2pi(u);
    *s = gg_cos2pi(v >= 1.0 ? v - 1.0 : v);
}

static double clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* Signed distance bound of a plus centred at 0: arms of half length r, half width w;
 * (ax, ay) = |point|. */
static double plus_sdf(double ax, double ay, double r, double w)
{
    return fmin(fmax(ax - r, ay - w), fmax(ax - w, ay - r));
}

/* Signed distance of the point (dx,dy) from the centre of shape pattern p of scale r
 * (negative inside). Exact for disk and ring, the usual max-of-half-planes bound
 * elsewhere: only the one-pixel edge ramp depends on the difference. The sizes give
 * every shape about the same area, 1.1 to 1.3 r^2 (t = max(1, 0.3 r) is the stroke of
 * plus, x, ring and frame), so the pixel sum says little about the class. */
static double shape_sdf(int p, double dx, double dy, double r)
{
    const double h = 0.7071067811865476;   // 1/sqrt(2)
    const double s3 = 0.8660254037844386;  // sqrt(3)/2
    const double ax = fabs(dx), ay = fabs(dy), t = r * 0.3 > 1.0 ? r * 0.3 : 1.0;
    switch (p) {
    case 0:  // square, half side 0.57 r
        return fmax(ax, ay) - 0.57 * r;
    case 1:  // disk, radius 0.64 r
        return sqrt(dx * dx + dy * dy) - 0.64 * r;
    case 2:  // equilateral triangle, circumradius r, apex up: three half-planes at r/2
        return fmax(dy, fmax(-0.5 * dy - s3 * dx, -0.5 * dy + s3 * dx)) - 0.5 * r;
    case 3:  // plus, arms of half length r
        return plus_sdf(ax, ay, r, 0.5 * t);
    case 4:  // x: the plus in coordinates turned by 45 degrees
        return plus_sdf(fabs((dx + dy) * h), fabs((dx - dy) * h), r, 0.5 * t);
    case 5:  // ring, outer radius 0.85 r
        return fabs(sqrt(dx * dx + dy * dy) - (0.85 * r - 0.5 * t)) - 0.5 * t;
    case 6:  // frame: hollow square of half side 0.7 r
        return fabs(fmax(ax, ay) - (0.7 * r - 0.5 * t)) - 0.5 * t;
    default:  // 7, diamond: |dx| + |dy| <= 0.8 r
        return (ax + ay - 0.8 * r) * h;
    }
}

/* One clean image (C,H,W) into x: pattern p of kind, parameters q[0..1] drawn uniforms,
 * a[0..C) channel intensities. */
static void render(float *x, const gg_images_cfg *c, int p, const double *q, const double *a)
{
    const size_t C = c->channels, H = c->height, W = c->width, HW = H * W;
    const double Hd = (double)H, Wd = (double)W, S = Hd < Wd ? Hd : Wd;
    double cx = 0.0, cy = 0.0, r = 0.0, t = 0.0, off = 0.0, f = 0.0, phase = 0.0;
    double ca = 1.0, sa = 0.0;
    if (c->kind == GG_IMAGES_SHAPES) {
        r = S * (0.2 + 0.15 * q[0]);
        cx = r + q[1] * (Wd - 2.0 * r);
        cy = r + q[2] * (Hd - 2.0 * r);
    } else if (c->kind == GG_IMAGES_BARS) {
        t = 1.0 + S / 8.0 * q[0];
        off = S * (q[1] - 0.5) / 2.0;
        cos_sin(angle16[p] / 16.0, &ca, &sa);
    } else {
        phase = q[0];
        f = (p < 4 ? 1.5 : 3.0) * (0.85 + 0.3 * q[1]);
        cos_sin(angle16[p % 4] / 16.0, &ca, &sa);
    }
    for (size_t y = 0; y < H; y++)
        for (size_t xi = 0; xi < W; xi++) {
            double px = (double)xi + 0.5, py = (double)y + 0.5, v;
            if (c->kind == GG_IMAGES_SHAPES) {
                v = clamp01(0.5 - shape_sdf(p, px - cx, py - cy, r));
            } else if (c->kind == GG_IMAGES_BARS) {
                double d = fabs(-sa * (px - 0.5 * Wd) + ca * (py - 0.5 * Hd) - off);
                v = clamp01(0.5 * t + 0.5 - d);
            } else {
                double u = f * ((px - 0.5 * Wd) * ca + (py - 0.5 * Hd) * sa) / S + phase;
                v = gg_cos2pi(u - floor(u));  // 0.5 + 0.5 a v below
            }
            for (size_t ch = 0; ch < C; ch++)
                x[ch * HW + y * W + xi] = c->kind == GG_IMAGES_TEXTURES
                                              ? (float)(0.5 + 0.5 * a[ch] * v)
                                              : (float)(a[ch] * v);
        }
}

static gg_status check_cfg(const gg_images_cfg *c, size_t *d, gg_err *err)
{
    if (c->kind != GG_IMAGES_SHAPES && c->kind != GG_IMAGES_BARS && c->kind != GG_IMAGES_TEXTURES)
        return gg_err_set(err, GG_EINVAL, "kind must be shapes, bars or textures, got %d", (int)c->kind);
    if (c->channels == 0)
        return gg_err_set(err, GG_EINVAL, "channels must be >= 1, got 0");
    if (c->height < GG_IMAGES_MIN_SIDE || c->width < GG_IMAGES_MIN_SIDE)
        return gg_err_set(err, GG_EINVAL, "height and width must be >= %d, got %zu and %zu",
                          GG_IMAGES_MIN_SIDE, c->height, c->width);
    size_t max = gg_images_max_classes(c->kind, c->channels);
    if (c->classes < 2 || c->classes > max)
        return gg_err_set(err, GG_EINVAL,
                          "classes must be in 2..%zu for %s with %zu channel%s (%d patterns per channel), got %zu",
                          max, gg_images_kind_name(c->kind), c->channels, c->channels == 1 ? "" : "s",
                          GG_IMAGES_PATTERNS, c->classes);
    if (!(c->noise >= 0.0) || !isfinite(c->noise))
        return gg_err_set(err, GG_EINVAL, "noise must be a non-negative number, got %g", c->noise);
    size_t hw;
    if (gg_mul_overflow(c->height, c->width, &hw) || gg_mul_overflow(hw, c->channels, d) ||
        *d > GG_TENSOR_MAX_NUMEL)
        return gg_err_set(err, GG_EINVAL, "an image of %zu x %zu x %zu values is too large",
                          c->channels, c->height, c->width);
    return GG_OK;
}

gg_status gg_data_images(gg_dataset **out, const gg_images_cfg *c, gg_rng *rng, gg_err *err)
{
    *out = NULL;
    size_t d = 0;
    gg_status st = check_cfg(c, &d, err);
    if (st)
        return st;
    gg_dataset *ds;
    if ((st = gg_dataset_new(&ds, c->n, d, 1, c->classes, err)))
        return st;
    const size_t dims[3] = {c->channels, c->height, c->width};
    (void)gg_dataset_set_shape(ds, 3, dims, NULL);  // product d: cannot fail
    double *a = gg_malloc(c->channels, sizeof *a);
    if (!a) {
        gg_dataset_free(ds);
        return gg_err_set(err, GG_ENOMEM, "out of memory generating images");
    }
    float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
    const size_t m = c->classes < GG_IMAGES_PATTERNS ? c->classes : GG_IMAGES_PATTERNS;
    const int grouped = c->classes > GG_IMAGES_PATTERNS;
    for (size_t i = 0; i < c->n; i++) {
        size_t cls = i % c->classes, g = cls / m;
        double q[3];
        const int nq = c->kind == GG_IMAGES_SHAPES ? 3 : 2;
        for (int j = 0; j < nq; j++)
            q[j] = gg_rng_uniform(rng);
        for (size_t ch = 0; ch < c->channels; ch++) {
            a[ch] = 0.5 + 0.5 * gg_rng_uniform(rng);
            if (grouped && ch != g)
                a[ch] = 0.0;
        }
        render(X + i * d, c, (int)(cls % m), q, a);
        Y[i] = (float)cls;
    }
    gg_free(a);
    if (c->noise > 0.0) {
        double z[256];  // the noise in draw order, a chunk at a time
        const size_t total = c->n * d;
        for (size_t k0 = 0, k; k0 < total; k0 += k) {
            k = total - k0 < 256 ? total - k0 : 256;
            gg_rng_normal_fill(rng, z, k);
            for (size_t j = 0; j < k; j++)
                X[k0 + j] = (float)((double)X[k0 + j] + c->noise * z[j]);
        }
    }
    *out = ds;
    return GG_OK;
}
