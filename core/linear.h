/* core/linear.h — fully connected layer kernels, y = x W^T + b (torch.nn.Linear).
 * Weights use PyTorch's layout: W is (out, in) row-major, b is (out); activations are
 * batch-major (B, features). Argument order: the ISA, outputs, inputs and weights, sizes.
 *
 * Every result is defined as a fixed sequence of fused multiply-adds (fma(a, b, c) =
 * a*b + c rounded once), the same on every path, so the portable, AVX2 and AVX-512 paths
 * (isa.h) give bit-identical results:
 * - forward   y[r,o]  = (s + b[o]) with s = 0, then s = fma(x[r,k], W[o,k], s) for k = 0..in-1
 *             (y = s without a bias);
 *             with relu, y = y > 0 ? y : 0 (torch.relu's threshold; NaN gives 0);
 * - dx[r,k]   = s with s = 0, then s = fma(dy[r,o], W[o,k], s) for o = 0..out-1;
 *             with a mask m, dx = m[r,k] > 0 ? dx : 0 (the backward of a ReLU whose output
 *             is m, fused);
 * - dW[o,k]  += dy[r,o] x[r,k] as s = dW, then s = fma(dy[r,o], x[r,k], s) for r = 0..B-1;
 * - db[o]    += dy[0,o] + dy[1,o] + ... in row order, onto the old value.
 * The AVX paths vectorise over an index that is not summed (rows for the forward, k for
 * dx and dW, o for db), so each element is still one sequential chain. */
#ifndef GG_LINEAR_H
#define GG_LINEAR_H

#include <stddef.h>

#include "isa.h"

/* Floats of scratch gg_linear_forward needs for B rows of in inputs (any ISA). */
size_t gg_linear_scratch(size_t B, size_t in);

/* y (B,out) = x (B,in) W^T (out,in) + b (out), then ReLU when relu != 0. xt holds
 * gg_linear_scratch(B, in) floats: the vector paths put x transposed there, unless
 * xt_ready says it already holds that (the yt of the layer before, same ISA and B; x is
 * then not read and may be NULL). yt, when not NULL, gets y transposed in the same layout
 * (gg_linear_scratch(B, out) floats) on the vector paths, for the next layer; y may then
 * be NULL if only yt is wanted (only where gg_linear_transposes(isa)). b == NULL: no bias
 * (y = s). No buffer may overlap another. */
void gg_linear_forward(gg_isa isa, float *y, const float *x, const float *W, const float *b,
                       size_t B, size_t in, size_t out, int relu, float *xt, int xt_ready,
                       float *yt);

/* Whether gg_linear_forward on isa fills yt (the portable path does not: it reads x). */
int gg_linear_transposes(gg_isa isa);

/* Whether the vector paths compute B rows over a transposed W (in its scratch) rather than
 * over a transposed x: many rows and few outputs (B >= 4 out, out >= 32), when xt is not
 * ready and yt not asked for. The same fma sequences either way. */
int gg_linear_by_rows(size_t B, size_t in, size_t out);
#define GG_LINEAR_BY_ROWS(B, out) ((out) >= 32 && (B) >= 4 * (out))  /* its test, inline */

/* Whether gg_linear_forward on isa for these sizes reads x transposed (so the layer
 * before handing it over as its yt saves work). */
int gg_linear_uses_xt(gg_isa isa, size_t B, size_t in, size_t out);

/* dW (out,in) += dy^T x; db (out) += column sums of dy (B,out); dx (B,in) = dy W, masked
 * by mask (B,in) when mask is not NULL, skipped when dx is NULL (first layer). dx may
 * alias mask, nothing else. */
void gg_linear_backward(gg_isa isa, float *dx, float *dW, float *db, const float *dy,
                        const float *x, const float *W, const float *mask, size_t B, size_t in,
                        size_t out);

/* The paths, for linear.c's dispatch and the tests (same contracts as above). The AVX
 * ones exist only where GG_HAVE_ISA_PATHS (isa.h); call them only when
 * gg_isa_supported says so. */
void gg_linear_forward_generic(float *y, const float *x, const float *W, const float *b,
                               size_t B, size_t in, size_t out, int relu, float *xt,
                               int xt_ready, float *yt);
void gg_linear_backward_generic(float *dx, float *dW, float *db, const float *dy,
                                const float *x, const float *W, const float *mask, size_t B,
                                size_t in, size_t out);
void gg_linear_forward_avx2(float *y, const float *x, const float *W, const float *b,
                            size_t B, size_t in, size_t out, int relu, float *xt,
                            int xt_ready, float *yt);
void gg_linear_backward_avx2(float *dx, float *dW, float *db, const float *dy, const float *x,
                             const float *W, const float *mask, size_t B, size_t in, size_t out);
void gg_linear_forward_avx512(float *y, const float *x, const float *W, const float *b,
                              size_t B, size_t in, size_t out, int relu, float *xt,
                              int xt_ready, float *yt);
void gg_linear_backward_avx512(float *dx, float *dW, float *db, const float *dy,
                               const float *x, const float *W, const float *mask, size_t B,
                               size_t in, size_t out);

#endif
