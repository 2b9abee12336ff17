/* core/linear.h — fully connected layer kernels, y = x W^T + b (torch.nn.Linear).
 * Weights use PyTorch's layout: W is (out, in) row-major, b is (out). Argument order:
 * outputs first, then inputs and weights, then sizes. Backward accumulates into dW and db
 * (zeroing is the caller's explicit step) and overwrites dx.
 * Each optimised kernel has a *_naive twin used as the reference in tests. The summation
 * order is fixed by the code, not by the vector width, so results are bit-identical on
 * every x86-64. */
#ifndef GG_LINEAR_H
#define GG_LINEAR_H

#include <stddef.h>

/* y (B,out) = x (B,in) W^T (out,in) + b (out). */
void gg_linear_forward(float *y, const float *x, const float *W, const float *b,
                       size_t B, size_t in, size_t out);

/* Reference twin of gg_linear_forward: one sequential dot product per output. */
void gg_linear_forward_naive(float *y, const float *x, const float *W, const float *b,
                             size_t B, size_t in, size_t out);

/* dW (out,in) += dy^T x; db (out) += column sums of dy (B,out); dx (B,in) = dy W,
 * skipped when dx is NULL (first layer). */
void gg_linear_backward(float *dx, float *dW, float *db, const float *dy, const float *x,
                        const float *W, size_t B, size_t in, size_t out);

#endif
