/* core/data.h — in-memory datasets and the synthetic generators.
 * A dataset is n rows of features X (n,d) and targets Y (n,k): regression targets, or for
 * classification one column of class indices 0..classes-1 stored as floats. Every random
 * draw takes an explicit gg_rng.
 *
 * Each dataset also carries the shape of one sample: 1 to GG_DATASET_MAX_DIMS dims whose
 * product is d, (d) by default (a flat vector), (C,H,W) for images. It only describes the
 * row: a (C,H,W) sample is still one contiguous row of d = C*H*W floats in NCHW order, so
 * gather and every row operation ignore it. Every function here and in corrupt.h that
 * derives a dataset from another (split, scaler apply, copy, subset, corruptions) gives
 * the result the source's sample shape. */
#ifndef GG_DATA_H
#define GG_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "status.h"
#include "tensor.h"

typedef struct gg_dataset gg_dataset;

/* Most dims of one sample's shape: (C,H,W) images need 3; with the batch dim a batch has
 * at most 5 <= GG_MAX_DIMS (tensor.h). */
#define GG_DATASET_MAX_DIMS 4

/* What the features of a token dataset (core/seqdata.h) are: ids 0..vocab-1 stored as
 * floats, and how ids turn back into text. */
typedef enum gg_token_kind {
    GG_TOKENS_NONE,  /* not token data (every other dataset) */
    GG_TOKENS_IDS,   /* ids without a text form: modular arithmetic, synthetic sequences, CSV */
    GG_TOKENS_BYTES, /* byte-level text: id i is the byte i (vocab 256) */
    GG_TOKENS_CHARS  /* character-level text: id i is the i-th of a table of code points */
} gg_token_kind;

typedef enum gg_xdist {
    GG_X_NORMAL,   /* features ~ N(0,1) */
    GG_X_UNIFORM   /* features ~ U(0,1) */
} gg_xdist;

typedef struct gg_regression_cfg {
    size_t n;          /* rows, e.g. 1000 */
    size_t features;   /* d, e.g. 10 */
    size_t outputs;    /* k, e.g. 1 */
    gg_xdist x;        /* feature distribution before scaling */
    double scale;      /* features are multiplied by this (10 reproduces rand()*10) */
    double noise;      /* std of the additive N(0, noise^2) target noise, >= 0 */
    const float *w;    /* true weights (features,outputs) row-major, or NULL: drawn N(0,1) */
    double bias;       /* added to every target */
} gg_regression_cfg;

typedef struct gg_blobs_cfg {
    size_t n;          /* rows; labels cycle 0,1,..,classes-1 so classes are balanced */
    size_t features;   /* d */
    size_t classes;    /* >= 2 */
    double spread;     /* std of points around their class centre, > 0, e.g. 1 */
    double separation; /* std of the class centres around 0, >= 0, e.g. 3 */
} gg_blobs_cfg;

/* New dataset of zeros: n rows, d features, k target columns, classes (0 = regression),
 * sample shape (d). GG_EINVAL on zero or oversized dimensions, GG_ENOMEM. */
gg_status gg_dataset_new(gg_dataset **out, size_t n, size_t d, size_t k, size_t classes,
                         gg_err *err);

/* New dataset equal to ds (values, classes, sample shape). GG_ENOMEM. */
gg_status gg_dataset_copy(gg_dataset **out, const gg_dataset *ds, gg_err *err);

/* New dataset of the rows idx[0..m) of ds, in that order (an index may repeat), with ds's
 * classes and sample shape. GG_EINVAL for m = 0 or an index >= n (naming it), GG_ENOMEM. */
gg_status gg_dataset_subset(gg_dataset **out, const gg_dataset *ds, const size_t *idx, size_t m,
                            gg_err *err);

/* Free; NULL is a no-op. */
void gg_dataset_free(gg_dataset *ds);

/* Set the shape of one sample to dims[0..ndim). GG_EINVAL for ndim outside
 * 1..GG_DATASET_MAX_DIMS or a dim of 0; GG_ESHAPE when the product is not d ("shape
 * (1,28,28) has 784 values per sample, the dataset has 64 features"). On failure the
 * shape is unchanged. */
gg_status gg_dataset_set_shape(gg_dataset *ds, int ndim, const size_t *dims, gg_err *err);

/* y = (x*scale) W + bias + noise, x drawn row by row, then W (if drawn), then noise. */
gg_status gg_data_regression(gg_dataset **out, const gg_regression_cfg *cfg, gg_rng *rng,
                             gg_err *err);

/* Gaussian blobs: centres drawn first (class by class), then each row's offsets. */
gg_status gg_data_blobs(gg_dataset **out, const gg_blobs_cfg *cfg, gg_rng *rng, gg_err *err);

/* Split into train (the first floor(n*(1-val_frac)) rows, as Keras's validation_split
 * computes it) and validation (the rest); each side needs at least 1 row. With rng the rows are permuted first; with NULL the order is kept
 * (Keras validation_split). GG_EINVAL if val_frac is not in (0,1) or a side would be empty. */
gg_status gg_dataset_split(const gg_dataset *ds, double val_frac, gg_rng *rng,
                           gg_dataset **train, gg_dataset **val, gg_err *err);

/* gg_dataset_split keeping each class's share in both parts: class c's n_c rows (class
 * indices in one target column, or one-hot rows) give train floor(n_c*(1-val_frac)) of them
 * (the first in permuted order, or in row order when rng is NULL) and val the rest; both
 * keep that order. GG_EINVAL for targets that are not classes or a class whose rows would
 * leave train none. The permutation is the same draw as gg_dataset_split's. */
gg_status gg_dataset_split_stratified(const gg_dataset *ds, double val_frac, gg_rng *rng,
                                      gg_dataset **train, gg_dataset **val, gg_err *err);

/* Copy rows idx[0..B) into x (B,d) and y (B,k). Indices must be < n. */
void gg_dataset_gather(const gg_dataset *ds, const size_t *idx, size_t B, float *x, float *y);

/* ---- feature scaling, fitted on one dataset (the training split) ---- */

typedef enum gg_scaler_kind {
    GG_SCALE_STANDARD,  /* sklearn StandardScaler: (x - mean) / std, population std (ddof 0) */
    GG_SCALE_MINMAX     /* sklearn MinMaxScaler((0, 1)): (x - min) / (max - min) */
} gg_scaler_kind;

typedef struct gg_scaler {
    gg_scaler_kind kind;
    size_t d;      /* features */
    double *shift; /* per feature: mean or min */
    double *scale; /* per feature: std or max - min; 1 where that is 0 (sklearn's rule) */
} gg_scaler;

/* Fit a scaler to the features of ds (statistics in double, rows in order). GG_ENOMEM. */
gg_status gg_scaler_fit(gg_scaler *s, gg_scaler_kind kind, const gg_dataset *ds, gg_err *err);

/* New dataset with features (x - shift) / scale (double, rounded to float once) and the
 * same targets. GG_ESHAPE when the feature count differs from the fitted one. */
gg_status gg_scaler_apply(const gg_scaler *s, const gg_dataset *ds, gg_dataset **out,
                          gg_err *err);

/* Release the scaler's arrays; a zeroed scaler is a no-op. */
void gg_scaler_free(gg_scaler *s);

/* ---- token data ---- */

/* Mark ds as token data of that kind: features are ids 0..vocab-1 (not checked here; see
 * gg_tokens_check in seqdata.h). GG_TOKENS_CHARS copies chars[0..vocab), the code point of
 * each id; the other kinds take chars = NULL; GG_TOKENS_NONE (vocab 0) unmarks. Datasets
 * derived by copy, subset and split (so the corruptions and reshape too) share the marking;
 * scaler outputs do not. GG_EINVAL for a vocab of 0 with a kind, a BYTES vocab other than
 * 256, chars given or missing against the kind; GG_ENOMEM. On failure ds is unchanged. */
gg_status gg_dataset_set_tokens(gg_dataset *ds, gg_token_kind kind, size_t vocab,
                                const uint32_t *chars, gg_err *err);

/* The token kind of ds; *vocab (if not NULL) gets the vocabulary size (0 for NONE), *chars
 * (if not NULL) the code point table of GG_TOKENS_CHARS, else NULL (owned by ds). */
gg_token_kind gg_dataset_tokens(const gg_dataset *ds, size_t *vocab, const uint32_t **chars);

/* ---- queries ---- */

/* Rows, features, target columns, classes (0 for regression). */
size_t gg_dataset_n(const gg_dataset *ds);
size_t gg_dataset_d(const gg_dataset *ds);
size_t gg_dataset_k(const gg_dataset *ds);
size_t gg_dataset_classes(const gg_dataset *ds);

/* The sample shape: writes ndim dims to dims (room for GG_DATASET_MAX_DIMS; NULL to only
 * count them) and returns ndim, 1..GG_DATASET_MAX_DIMS. Their product is d. */
int gg_dataset_shape(const gg_dataset *ds, size_t *dims);

/* mean[j] and sd[j] of each of the d feature columns, in double over the rows in order:
 * mean = sum / n, sd = sqrt(sum (x - mean)^2 / max(n - 1, 1)) (the sample sd). GG_EINVAL
 * when there are no rows. */
gg_status gg_dataset_feature_stats(const gg_dataset *ds, double *mean, double *sd, gg_err *err);

/* Views of X (n,d) and Y (n,k), owned by the dataset (writable for loaders). */
gg_tensor gg_dataset_x(gg_dataset *ds);
gg_tensor gg_dataset_y(gg_dataset *ds);

#endif
