/* core/corrupt.h — seeded data corruption operators: the "bad data" causes of a rising
 * loss (noisy labels, outliers, unscaled features, class imbalance, feature noise) as
 * sweepable parameters. Each returns a NEW dataset (the input is left unchanged) with the
 * input's classes and sample shape, and touches an exact, documented number of rows
 * chosen by the given generator, so a rate of 0.1 on 150 rows corrupts exactly 15 of
 * them, whatever the seed. */
#ifndef GG_CORRUPT_H
#define GG_CORRUPT_H

#include <stddef.h>

#include "data.h"
#include "rng.h"
#include "status.h"

/* Rows a rate corrupts: rate * n rounded half up (0.1 of 150 -> 15). */
size_t gg_corrupt_count(double rate, size_t n);

/* Label noise (classification): exactly gg_corrupt_count(rate, n) rows, chosen uniformly,
 * get a different label — uniform over the other classes (to_class < 0), or to_class
 * (rows already of that class are not chosen; fewer rows may then change). *changed gets
 * the number of labels changed. GG_EINVAL for a regression set, rate outside [0, 1],
 * to_class >= classes. */
gg_status gg_corrupt_labels(gg_dataset **out, const gg_dataset *ds, double rate, long to_class,
                            gg_rng *rng, size_t *changed, gg_err *err);

/* Outliers: exactly gg_corrupt_count(fraction, n) rows, chosen uniformly; in each, every
 * feature (targets = 0) or every target column (targets = 1) moves by s * magnitude * sd,
 * s = +1 or -1 at random per row, sd the column's population standard deviation (1 where
 * it is 0). GG_EINVAL for fraction outside [0, 1] or a non-finite magnitude. */
gg_status gg_corrupt_outliers(gg_dataset **out, const gg_dataset *ds, double fraction,
                              double magnitude, int targets, gg_rng *rng, gg_err *err);

/* Feature scaling: columns cols[0..ncols) (0-based) multiplied by factor (the "x1000
 * column" of the seed write-ups). GG_EINVAL for a column out of range or a non-finite
 * factor. */
gg_status gg_corrupt_scale(gg_dataset **out, const gg_dataset *ds, const size_t *cols,
                           size_t ncols, double factor, gg_err *err);

/* Class imbalance: keep exactly gg_corrupt_count(ratio, count) of the rows of class cls
 * (chosen uniformly, at least 1) and every other row, in their original order.
 * GG_EINVAL for a regression set, cls out of range, ratio outside (0, 1]. */
gg_status gg_corrupt_imbalance(gg_dataset **out, const gg_dataset *ds, size_t cls, double ratio,
                               gg_rng *rng, gg_err *err);

/* Additive feature noise: every feature += N(0, std^2), drawn row-major. GG_EINVAL for a
 * negative or non-finite std. */
gg_status gg_corrupt_noise(gg_dataset **out, const gg_dataset *ds, double std, gg_rng *rng,
                           gg_err *err);

#endif
