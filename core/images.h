/* core/images.h — seeded synthetic image datasets, so a small CNN has something real to
 * learn: n samples of shape (C,H,W) (NCHW rows, gg_dataset_set_shape) and class labels.
 * Each class is a pattern drawn at a random position, size, thickness, phase and
 * intensity, so a rule on the pixel mean or on a fixed template does poorly while
 * convolutions do well. Everything is computed with IEEE +, -, *, /, sqrt, floor and
 * detmath's gg_cos2pi, and every draw comes from the given gg_rng in the order below:
 * the same seed gives the same bytes on every CPU and build.
 *
 * Geometry, in pixels: pixel (y,x) has its centre at (x + 0.5, y + 0.5); S = min(H,W);
 * y grows downwards. Coverage of a pixel by a shape with signed distance s (negative
 * inside) is clamp(0.5 - s, 0, 1): a one-pixel linear edge instead of jagged steps.
 *
 * Kinds and their GG_IMAGES_PATTERNS patterns, in class order:
 *   shapes    square, disk, triangle (pointing up), plus, x (diagonal cross), ring,
 *             frame (hollow square), diamond. Scale r = S (0.2 + 0.15 u) (the shape fits
 *             in a 2r box), centre uniform where that box fits in the image;
 *             background 0, shape = intensity * coverage.
 *   bars      one line across the image at angle 0 (horizontal), 90 (vertical), 45
 *             (top left to bottom right), 135, 22.5, 112.5, 67.5, 157.5 degrees; thickness
 *             1 + S/8 u, perpendicular offset from the centre S (u - 0.5) / 2;
 *             background 0, bar = intensity * coverage.
 *   textures  sinusoidal gratings 0.5 + 0.5 a cos(2 pi (f (p . e) / S + phase)), p the
 *             pixel centre relative to the image centre, e the unit vector at angle 0,
 *             90, 45, 135 degrees (patterns 0-3: f = 1.5 cycles per S; 4-7 the same
 *             angles at f = 3), f jittered by a factor 0.85 + 0.3 u, phase uniform.
 *
 * Classes: label of sample i is i mod classes (balanced, like gg_data_blobs). With
 * m = min(classes, GG_IMAGES_PATTERNS), class c shows pattern c mod m in colour group
 * c / m. With classes <= GG_IMAGES_PATTERNS there is one group and every channel shows
 * the pattern with its own random intensity (a random colour); with more classes (up to
 * GG_IMAGES_PATTERNS * C), group g lights channel g only (the others get intensity 0).
 *
 * Draw order (u = gg_rng_uniform, in [0, 1)): first, sample by sample, the pattern's
 * parameters — shapes: r, x centre, y centre; bars: thickness, offset; textures: phase,
 * frequency jitter — then C channel intensities 0.5 + 0.5 u (contrast a for textures).
 * Then, only when noise > 0, N(0, noise^2) for every pixel of every sample in NCHW order
 * (gg_rng_normal_fill), added in double to the clean float value and rounded once.
 * Clean values are in [0, 1]; noise is not clipped. */
#ifndef GG_IMAGES_H
#define GG_IMAGES_H

#include <stddef.h>

#include "data.h"
#include "rng.h"
#include "status.h"

/* Built-in patterns per kind (per colour group). */
#define GG_IMAGES_PATTERNS 8

/* Smallest height or width accepted. */
#define GG_IMAGES_MIN_SIDE 4

typedef enum gg_images_kind {
    GG_IMAGES_SHAPES,   /* geometric shapes at random position, scale, intensity */
    GG_IMAGES_BARS,     /* oriented lines at random offset, thickness, intensity */
    GG_IMAGES_TEXTURES  /* oriented gratings of two frequencies at random phase, contrast */
} gg_images_kind;

typedef struct gg_images_cfg {
    size_t n;            /* samples, e.g. 1000 */
    size_t channels;     /* C >= 1, e.g. 1 or 3 */
    size_t height;       /* H >= GG_IMAGES_MIN_SIDE, e.g. 16 */
    size_t width;        /* W >= GG_IMAGES_MIN_SIDE, e.g. 16 */
    size_t classes;      /* 2..gg_images_max_classes(kind, channels), e.g. 4 */
    gg_images_kind kind;
    double noise;        /* std of the additive pixel noise, >= 0, e.g. 0.1 */
} gg_images_cfg;

/* Name of a kind ("shapes", "bars", "textures"); "?" for an unknown value. */
const char *gg_images_kind_name(gg_images_kind kind);

/* Most classes a kind supports with that many channels: GG_IMAGES_PATTERNS * channels. */
size_t gg_images_max_classes(gg_images_kind kind, size_t channels);

/* New dataset *out of cfg->n images, shape (C,H,W), one target column of class indices,
 * cfg->classes classes (see the header comment for the images and the draw order).
 * GG_EINVAL naming the parameter for an unknown kind, channels 0, a side below
 * GG_IMAGES_MIN_SIDE, classes outside 2..max (naming the maximum), a negative or
 * non-finite noise, or too many values; GG_ENOMEM. */
gg_status gg_data_images(gg_dataset **out, const gg_images_cfg *cfg, gg_rng *rng, gg_err *err);

#endif
