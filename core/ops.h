/* core/ops.h — primitive tensor ops of the static graph (PyTorch 1.13 semantics): forward and
 * backward kernels over N-D row-major float32 tensors of up to GG_MAX_DIMS dims, and the
 * shape functions that validate a node's inputs and give its output shape.
 *
 * Contract shared by every kernel here:
 * - A tensor is a float pointer plus a gg_dims; elements are contiguous and row-major. A 0-d
 *   tensor (n = 0) holds one element. Shapes reaching a kernel have been accepted by the
 *   op's shape function (kernels return void and cannot fail; GG_ASSERT checks in debug).
 * - Argument order: outputs, inputs, shapes and parameters, acc flags, scratch.
 * - Backward: dx takes an acc flag (0 overwrites dx, 1 adds into it); dx == NULL means "not
 *   needed" and skips the work. Unless stated otherwise an accumulated gradient is computed
 *   on its own, rounded to float, then added: dx = dx + g.
 * - Outputs never overlap inputs (no in-place use), except where a comment allows it.
 * - Broadcasting follows NumPy/PyTorch: shapes aligned from the right, a size-1 dim
 *   stretches. The gradient of a broadcast input is reduced with gg_ops_sum_to's order.
 * - Transcendentals come from core/detmath (no libm), so results are bit-identical on every
 *   CPU; GG_KERNEL clones (core/simd.h) keep the operation order of the portable code.
 *
 * Summation orders (every sum is fixed, independent of ISA, build and chunking):
 * - gg_ops_sum_to, sum, mean, broadcast gradients: per output element, the terms in
 *   increasing flat index of the input, added in double starting from -0.0 (the additive
 *   identity, so one term comes back unchanged), rounded once to float (mean divides the
 *   double sum by n first). An empty sum is +0 (a mean of nothing is NaN).
 * - var, logsumexp: double accumulation in increasing index, rounded once.
 * - matmul: y[m,n] = s with s = 0, then s = fmaf(a[m,k], b[k,n], s) for k = 0..K-1 (as
 *   core/linear.h); da[m,k] and db[k,n] are single fmaf chains starting from 0 (acc = 0)
 *   or from the old value (acc = 1), over (batch, n) resp. (batch, m) in increasing order,
 *   batch being the flat index of the broadcast output batch.
 * - index_select backward: dtable[ids[r]] += dy[r] in float, rows r in increasing order. */
#ifndef GG_OPS_H
#define GG_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "tensor.h"

/* A full shape, row-major: n dims d[0] .. d[n-1]; n = 0 is a scalar (one element). */
typedef struct gg_dims {
    int n;                    /* 0 .. GG_MAX_DIMS */
    size_t d[GG_MAX_DIMS];    /* sizes; 0 allowed (an empty tensor) */
} gg_dims;

/* Capacity gg_dims_format needs: "(" + 6 sizes of up to 20 digits + 5 commas + ")" + NUL. */
#define GG_DIMS_STRLEN 136

/* ---- shapes ---- */

/* A shape from n sizes (n <= GG_MAX_DIMS; d may be NULL when n = 0). */
gg_dims gg_dims_make(int n, const size_t *d);

/* Number of elements (1 for a 0-d tensor, 0 when a size is 0). */
size_t gg_dims_numel(const gg_dims *s);

/* 1 if a and b are the same shape. */
int gg_dims_equal(const gg_dims *a, const gg_dims *b);

/* Write "(3,4)" ("()" for 0-d) into buf (cap >= GG_DIMS_STRLEN); returns buf. */
char *gg_dims_format(char *buf, size_t cap, const gg_dims *s);

/* GG_EINVAL unless 0 <= s->n <= GG_MAX_DIMS and the element count is at most
 * GG_TENSOR_MAX_NUMEL; the message names the tensor as `what` ("x has 7 dims, at most 6"). */
gg_status gg_dims_check(const gg_dims *s, const char *what, gg_err *err);

/* Normalise dim (PyTorch: -1 is the last) for an ndim-d tensor into *out. GG_EINVAL
 * "dim 4 out of range for a 3-d tensor". A 0-d tensor accepts dim 0 and -1 when
 * scalar_ok (reductions, as torch) and nothing otherwise. */
gg_status gg_ops_dim(int *out, int dim, int ndim, int scalar_ok, gg_err *err);

/* ---- broadcasting ---- */

/* y = the broadcast shape of a and b. GG_ESHAPE "cannot broadcast (3,4) with (5,4)". */
gg_status gg_ops_broadcast_shape(gg_dims *y, const gg_dims *a, const gg_dims *b, gg_err *err);

/* y (ys) = x (xs) expanded to ys (torch.Tensor.expand); xs must broadcast to ys. */
void gg_ops_broadcast_to(float *y, const float *x, const gg_dims *ys, const gg_dims *xs);

/* y (ys) = x (xs) summed over the broadcast dims (the backward of broadcast_to): ys must
 * broadcast to xs. Order: see "Summation orders" above. acc = 1 adds into y. */
void gg_ops_sum_to(float *y, const float *x, const gg_dims *ys, const gg_dims *xs, int acc);

/* ---- binary element-wise ops with broadcasting ---- */

typedef enum gg_ops_binop {
    GG_OPS_ADD,      /* a + b; grads dy, dy */
    GG_OPS_SUB,      /* a - b; grads dy, -dy */
    GG_OPS_MUL,      /* a * b; grads dy*b, dy*a */
    GG_OPS_DIV,      /* a / b; grads dy/b, -dy*((a/b)/b) (torch's div backward) */
    GG_OPS_POW,      /* a ** b (gg_ops_powf); grads: b == 0 ? 0 : dy*(b*a**(b-1)) and
                        dy*(a == 0 && b >= 0 ? 0 : y*log a) (torch pow_backward_*) */
    GG_OPS_MAXIMUM,  /* NaN if either is NaN, else a < b ? b : a; at a tie each side
                        gets dy/2, else the larger side gets dy (both do for a NaN) */
    GG_OPS_MINIMUM   /* NaN if either is NaN, else b < a ? b : a; ties split as maximum */
} gg_ops_binop;

#define GG_OPS_BINOP_COUNT 7

/* Name ("add", "maximum", ...); NULL for an unknown value. */
const char *gg_ops_binop_name(gg_ops_binop op);

/* Floats of scratch gg_ops_binary_backward needs: numel of the output when a or b is
 * broadcast (the per-element gradient before gg_ops_sum_to), else 0. */
size_t gg_ops_binary_scratch(const gg_dims *as, const gg_dims *bs);

/* y (broadcast of as, bs) = op(a, b). */
void gg_ops_binary_forward(gg_ops_binop op, float *y, const float *a, const float *b,
                           const gg_dims *as, const gg_dims *bs);

/* da (as), db (bs) from dy (the broadcast shape); either may be NULL. da may equal db (as
 * for x*x) when acc_b = 1: da is complete before db starts. scratch: as above. */
void gg_ops_binary_backward(gg_ops_binop op, float *da, float *db, const float *dy,
                            const float *a, const float *b, const gg_dims *as,
                            const gg_dims *bs, int acc_a, int acc_b, float *scratch);

/* ---- unary element-wise ops ---- */

typedef enum gg_ops_unop {
    GG_OPS_NEG,         /* -x; dx = -dy */
    GG_OPS_EXP,         /* gg_expf; dx = dy*y */
    GG_OPS_LOG,         /* gg_logf (x < 0 → NaN, 0 → -inf); dx = dy/x */
    GG_OPS_SQRT,        /* sqrtf; dx = dy/(2y) */
    GG_OPS_RSQRT,       /* 1/sqrtf(x); dx = (-0.5*dy)*(y*y*y) */
    GG_OPS_ABS,         /* |x|; dx = dy*sgn(x), sgn(0) = sgn(NaN) = 0 (torch) */
    GG_OPS_SQUARE,      /* x*x; dx = dy*(2x) */
    GG_OPS_RECIPROCAL,  /* 1/x; dx = -dy*(y*y) */
    GG_OPS_SIN,         /* gg_ops_sinf; dx = dy*cos x */
    GG_OPS_COS,         /* gg_ops_cosf; dx = dy*(-sin x) */
    GG_OPS_CLAMP,       /* min(max(x, lo), hi), NaN stays (lo > hi gives hi); dx = dy where
                           lo <= x <= hi, else 0. lo = -inf / hi = inf for one-sided */
    GG_OPS_ADD_SCALAR,  /* x + c; dx = dy */
    GG_OPS_MUL_SCALAR,  /* x * c; dx = dy*c */
    GG_OPS_DIV_SCALAR,  /* x / c; dx = dy/c */
    GG_OPS_RSUB_SCALAR, /* c - x; dx = -dy */
    GG_OPS_RDIV_SCALAR, /* c / x as torch computes it: (1/x)*c; dx = -(dy*c)*(r*r), r = 1/x */
    GG_OPS_POW_SCALAR   /* x ** c with torch's special cases (c = 0: 1, 1: x, 0.5: sqrtf,
                           2: x*x, 3: x*x*x, -0.5: 1/sqrtf, -1: 1/x, -2: 1/(x*x), else
                           gg_ops_powf(x, (float)c)); dx = c == 0 ? 0 : dy*(c*x**(c-1)) */
} gg_ops_unop;

#define GG_OPS_UNOP_COUNT 17

/* Parameters of the scalar ops; the others ignore them. c is a double as in Python: it is
 * rounded to float where torch rounds its wrapped scalar, and compared as a double by
 * POW_SCALAR's special cases. */
typedef struct gg_ops_uparam {
    double c;   /* ADD/MUL/DIV/RSUB/RDIV/POW_SCALAR */
    float lo;   /* CLAMP lower bound (-INFINITY: none) */
    float hi;   /* CLAMP upper bound (INFINITY: none) */
} gg_ops_uparam;

/* Name ("neg", "pow_scalar", ...); NULL for an unknown value. */
const char *gg_ops_unop_name(gg_ops_unop op);

/* What backward reads: GG_OPS_READS_X (the forward input) and/or GG_OPS_READS_Y (the
 * output); the other pointer may be NULL. */
#define GG_OPS_READS_X 1
#define GG_OPS_READS_Y 2
int gg_ops_unary_reads(gg_ops_unop op);

/* GG_EINVAL unless p's fields used by op are valid: c finite (POW_SCALAR also accepts
 * +-inf), lo and hi not NaN. p may be NULL for ops without parameters. */
gg_status gg_ops_unary_check(gg_ops_unop op, const gg_ops_uparam *p, gg_err *err);

/* y[i] = op(x[i]) for i < n; y may equal x. */
void gg_ops_unary_forward(gg_ops_unop op, const gg_ops_uparam *p, float *y, const float *x,
                          size_t n);

/* dx[i] (=, or += when acc) dy[i] * op'(x[i]) for i < n; x, y: the forward input and
 * output (see gg_ops_unary_reads). dx may equal dy when acc = 0. */
void gg_ops_unary_backward(gg_ops_unop op, const gg_ops_uparam *p, float *dx, const float *dy,
                           const float *x, const float *y, size_t n, int acc);

/* Deterministic scalar functions behind the ops: sin and cos of a float (Payne-Hanek
 * reduction with 256 bits of 2/pi, series in double; within 1 ulp for every float), and
 * C99 pow in double rounded once (all of C99's special cases; negative x needs an
 * integer y). */
float gg_ops_sinf(float x);
float gg_ops_cosf(float x);
float gg_ops_powf(float x, float y);

/* ---- reductions over one dim (x viewed as (outer, n, inner)) or all elements ---- */

/* dim value meaning "every element" (reduce to a 0-d, or all-ones with keepdim). */
#define GG_OPS_DIM_ALL (-1000)

/* Output shape of a reduction of x over dim (negative counts from the end; GG_OPS_DIM_ALL)
 * with or without keepdim, and the (outer, n, inner) view the kernels take. With
 * nonempty, GG_EINVAL when the reduced size n is 0 (max, min: torch refuses). */
gg_status gg_ops_reduce_shape(gg_dims *y, size_t *outer, size_t *n, size_t *inner,
                              const gg_dims *x, int dim, int keepdim, int nonempty,
                              gg_err *err);

/* y (outer, inner) = sum over n of x (outer, n, inner); mean divides by n. Order above. */
void gg_ops_sum_forward(float *y, const float *x, size_t outer, size_t n, size_t inner);
void gg_ops_mean_forward(float *y, const float *x, size_t outer, size_t n, size_t inner);

/* dx (outer, n, inner) = dy (outer, inner) broadcast over n; mean: dy / (float)n. */
void gg_ops_sum_backward(float *dx, const float *dy, size_t outer, size_t n, size_t inner,
                         int acc);
void gg_ops_mean_backward(float *dx, const float *dy, size_t outer, size_t n, size_t inner,
                          int acc);

/* y = max (min) over n and idx its index: the first one, or the first NaN (which wins),
 * as torch.max(x, dim). n >= 1. idx may be NULL when no backward follows. */
void gg_ops_max_forward(float *y, uint32_t *idx, const float *x, size_t outer, size_t n,
                        size_t inner);
void gg_ops_min_forward(float *y, uint32_t *idx, const float *x, size_t outer, size_t n,
                        size_t inner);

/* Backward of max/min with indices (torch.max(x, dim)): dx = dy at idx, 0 elsewhere
 * (acc = 1: dy added at idx, the rest untouched). */
void gg_ops_argext_backward(float *dx, const float *dy, const uint32_t *idx, size_t outer,
                            size_t n, size_t inner, int acc);

/* Backward of max/min without indices (torch.max(x), amax, amin): dy split evenly over the
 * ties, dx = dy / count where x == y (where isnan(x) when y is NaN), 0 elsewhere (acc = 1:
 * added where x == y only). torch's amax/amin differ only for NaN (they give NaN). */
void gg_ops_amax_backward(float *dx, const float *dy, const float *x, const float *y,
                          size_t outer, size_t n, size_t inner, int acc);

/* y = log(sum exp x) over n, shifted by the max (an infinite max counts as 0, as torch);
 * all -inf gives -inf. Backward: dx = dy * gg_expf(x - y). */
void gg_ops_logsumexp_forward(float *y, const float *x, size_t outer, size_t n, size_t inner);
void gg_ops_logsumexp_backward(float *dx, const float *dy, const float *x, const float *y,
                               size_t outer, size_t n, size_t inner, int acc);

/* y = sum (x - mean)^2 / (n - correction) over n (two passes in double; correction 1 is
 * torch's unbiased default, 0 biased; n <= correction gives NaN or inf as torch).
 * Backward (torch var_backward): dx = ((float)(2/(n - correction)) * dy) * (x - mean). */
void gg_ops_var_forward(float *y, const float *x, size_t outer, size_t n, size_t inner,
                        int correction);
void gg_ops_var_backward(float *dx, const float *dy, const float *x, size_t outer, size_t n,
                         size_t inner, int correction, int acc);

/* ---- layout ---- */

/* y = x permuted: y.d[i] = x.d[perm[i]]. perm has x->n entries, negative ones counting
 * from the end; *perm_out (x->n ints) gets them normalised. GG_EINVAL on a wrong count,
 * an out-of-range or repeated dim. */
gg_status gg_ops_permute_shape(gg_dims *y, int *perm_out, const gg_dims *x, const int *perm,
                               int nperm, gg_err *err);

/* perm (ndim ints) for swapping dims d0 and d1 (torch.transpose; negative dims allowed;
 * for 0-d and 1-d tensors only 0/-1 as torch). GG_EINVAL on a dim out of range. */
gg_status gg_ops_transpose_perm(int *perm, int ndim, int d0, int d1, gg_err *err);

/* y = x (xs) permuted by a normalised perm. Backward: dx (xs) = dy permuted back. */
void gg_ops_permute_forward(float *y, const float *x, const gg_dims *xs, const int *perm);
void gg_ops_permute_backward(float *dx, const float *dy, const gg_dims *xs, const int *perm,
                             int acc);

/* y = the concatenation of nx tensors xs[0..nx-1] along dim (negative from the end):
 * same ndim >= 1, equal sizes except at dim. GG_ESHAPE naming the first mismatch. */
gg_status gg_ops_concat_shape(gg_dims *y, int *dim_out, const gg_dims *xs, int nx, int dim,
                              gg_err *err);

/* y = cat(x[0..nx-1], dim) with shapes xs (dim normalised). Backward: dx[i] (xs[i]) gets
 * its block of dy; dx[i] NULL skips it; acc may be NULL (all 0) or nx flags. */
void gg_ops_concat_forward(float *y, const float *const *x, const gg_dims *xs, int nx,
                           int dim);
void gg_ops_concat_backward(float *const *dx, const float *dy, const gg_dims *xs, int nx,
                            int dim, const int *acc);

/* Python slicing x[start:stop:step] along dim: negative start/stop count from the end,
 * then both clamp to [0, size]; step >= 1. y has len = ceil((stop - start) / step)
 * (0 if stop <= start) at dim; *dim_out, *start_out, *len_out get the normalised values. */
gg_status gg_ops_slice_shape(gg_dims *y, int *dim_out, size_t *start_out, size_t *len_out,
                             const gg_dims *x, int dim, long start, long stop, long step,
                             gg_err *err);

/* y = x (xs) [start : start + len*step : step] along dim. Backward: dx (xs) gets dy
 * scattered at those positions, 0 elsewhere (acc = 1: added, others untouched). */
void gg_ops_slice_forward(float *y, const float *x, const gg_dims *xs, int dim, size_t start,
                          size_t len, size_t step);
void gg_ops_slice_backward(float *dx, const float *dy, const gg_dims *xs, int dim,
                           size_t start, size_t len, size_t step, int acc);

/* ---- selection ---- */

/* y = the broadcast shape of cond, a and b. GG_ESHAPE naming the two that clash. */
gg_status gg_ops_where_shape(gg_dims *y, const gg_dims *cs, const gg_dims *as,
                             const gg_dims *bs, gg_err *err);

/* Floats of scratch gg_ops_where_backward needs (numel of y when a or b is broadcast). */
size_t gg_ops_where_scratch(const gg_dims *cs, const gg_dims *as, const gg_dims *bs);

/* y = cond != 0 ? a : b (a NaN cond is true, as torch's bool cast). Backward: da gets dy
 * where cond, db where not (0 elsewhere, selected, not multiplied), each summed to its
 * shape. */
void gg_ops_where_forward(float *y, const float *cond, const float *a, const float *b,
                          const gg_dims *cs, const gg_dims *as, const gg_dims *bs);
void gg_ops_where_backward(float *da, float *db, const float *dy, const float *cond,
                           const gg_dims *cs, const gg_dims *as, const gg_dims *bs, int acc_a,
                           int acc_b, float *scratch);

/* masked_fill(x, mask, value) out of place (torch broadcasts x and mask): y (their
 * broadcast shape, gg_ops_broadcast_shape) = mask != 0 ? value : x. Backward: dx = dy
 * where mask is 0, summed to xs; scratch: gg_ops_binary_scratch(xs, ms) floats. */
void gg_ops_masked_fill_forward(float *y, const float *x, const float *mask, const gg_dims *xs,
                                const gg_dims *ms, float value);
void gg_ops_masked_fill_backward(float *dx, const float *dy, const float *mask,
                                 const gg_dims *xs, const gg_dims *ms, int acc,
                                 float *scratch);

/* ---- matmul (torch.matmul) ---- */

/* y = a @ b: a (..., M, K), b (..., K, N), batch dims broadcast; a 1-d a is (1, K) and a
 * 1-d b is (K, 1), the added dim dropped from y (1-d @ 1-d is a 0-d dot). GG_ESHAPE
 * "matmul: (2,3) @ (4,5): inner sizes 3 and 4 differ", or naming the batch clash. */
gg_status gg_ops_matmul_shape(gg_dims *y, const gg_dims *as, const gg_dims *bs, gg_err *err);

/* Floats of scratch gg_ops_matmul_backward needs (K*N, for b transposed when da is
 * computed). */
size_t gg_ops_matmul_scratch(const gg_dims *as, const gg_dims *bs);

/* y = a @ b, each element one fmaf chain over k (order above). */
void gg_ops_matmul_forward(float *y, const float *a, const float *b, const gg_dims *as,
                           const gg_dims *bs);

/* da = dy b^T, db = a^T dy, reduced over broadcast batch dims; either may be NULL. Each
 * element is one fmaf chain (order above): acc = 1 continues the chain from the old value
 * rather than adding a separately rounded sum. */
void gg_ops_matmul_backward(float *da, float *db, const float *dy, const float *a,
                            const float *b, const gg_dims *as, const gg_dims *bs, int acc_a,
                            int acc_b, float *scratch);

/* ---- index_select along dim 0 (embedding lookup) ---- */

/* y = ids's shape followed by table's dims after the first (table n >= 1, total <= 6).
 * GG_ESHAPE otherwise. */
gg_status gg_ops_index_select_shape(gg_dims *y, const gg_dims *table, const gg_dims *ids,
                                    gg_err *err);

/* GG_EINVAL unless every ids[i] (n of them) is an integer in [0, rows): "ids[3] = 7.5 is
 * not an integer", "ids[2] = 12 is out of range for a table of 10 rows". */
gg_status gg_ops_index_check(const float *ids, size_t n, size_t rows, gg_err *err);

/* y[r, :] = table[ids[r], :] for r < nids, rows of width `row` floats (ids checked). */
void gg_ops_index_select_forward(float *y, const float *table, const float *ids, size_t nids,
                                 size_t row);

/* dtable (rows, row) (= 0 first unless acc) then dtable[ids[r], :] += dy[r, :] in row
 * order r = 0..nids-1 (float additions). */
void gg_ops_index_select_backward(float *dtable, const float *dy, const float *ids,
                                  size_t nids, size_t rows, size_t row, int acc);

#endif
