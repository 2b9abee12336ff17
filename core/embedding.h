/* core/embedding.h — nn.Embedding's kernels (a table lookup and its row-wise gradient), its
 * initialisation, the error a bad index gives, and the fixed sinusoidal position table.
 *
 * Indices arrive as float32 (datasets store ids as floats): a valid index is an integer
 * value in [0, V). Anything else (a fraction, a negative, V or more, NaN, inf) is refused:
 * the forward writes zeros and reports the first bad position, so the caller can fail with
 * a message naming the layer, the value and where it is — never a read outside the table.
 * The gradient adds dy rows into dW in index order (position 0, 1, ...), one row at a time
 * with plain float adds, so the result does not depend on the instruction set. */
#ifndef GG_EMBEDDING_H
#define GG_EMBEDDING_H

#include <stddef.h>

#include "graph.h"
#include "init.h"
#include "rng.h"
#include "status.h"

/* The layer's options and shapes: ids of shape x (batched or not, any rank below
 * GG_MAX_DIMS) give (x..., E); V, E >= 1; *padding in [-V, V) is made non-negative
 * (GG_PADDING_NONE stays). GG_EINVAL/GG_ESHAPE starting with pre ("layer 1: embedding"). */
gg_status gg_embedding_shape(size_t V, size_t E, long *padding, const gg_shape *x,
                             gg_shape *out, const char *pre, gg_err *err);

/* Whether v is a valid index into a table of V rows (an integer value in [0, V)). */
int gg_embedding_valid(float v, size_t V);

/* y (n, E) = W[ids[k]] for k < n, W (V, E) row-major. Returns n when every index is valid;
 * otherwise the first bad position k, with y all zeros. */
size_t gg_embedding_forward(float *y, const float *ids, const float *W, size_t n, size_t V,
                            size_t E);

/* dW[ids[k]] += dy[k] for k = 0, 1, ..., n-1 (row padding, when in [0, V), and invalid
 * indices are skipped: the padding row never receives a gradient). */
void gg_embedding_backward(float *dW, const float *dy, const float *ids, size_t n, size_t V,
                           size_t E, long padding);

/* Initialise W (V, E): torch's N(0, 1) for GG_INIT_DEFAULT, else init with the fans of a
 * (V, E) weight (fan_in E, fan_out V); then row padding (when in [0, V)) is set to zero,
 * as nn.Embedding.reset_parameters does. */
void gg_embedding_init(float *W, size_t V, size_t E, const gg_init *init, long padding,
                       gg_rng *rng);

/* GG_EINVAL with "layer 1 (embedding): index 70 at sample 3, position 5 is outside 0..64":
 * layer the 1-based layer number, value the bad index, sample its 1-based sample (0: the
 * ids are not batched), pos/npos its 1-based position inside the sample (npos 0: none). */
gg_status gg_embedding_bad_index(gg_err *err, int layer, float value, size_t V, size_t sample,
                                 const size_t *pos, int npos);

/* The sinusoidal position table of "Attention is all you need", (L, E) row-major:
 * PE[p, 2i] = sin(p / 10000^(2i/E)), PE[p, 2i+1] = cos(p / 10000^(2i/E)), computed in
 * double with detmath's functions (the same bits everywhere) and rounded to float once. */
void gg_sinusoidal_table(float *pe, size_t L, size_t E);

#endif
