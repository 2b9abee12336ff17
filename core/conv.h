/* core/conv.h — convolution (torch.nn.Conv1d, Conv2d) and pooling (MaxPool1d/2d,
 * AvgPool1d/2d, AdaptiveAvgPool1d/2d) kernels, PyTorch 1.13 CPU semantics, over
 * batch-major NCHW activations: x (B, C, H, W); a 1-d signal (B, C, L) is the case H = 1
 * (kernel height 1, no vertical padding or stride). Argument order: the ISA, outputs,
 * inputs and weights, scratch, shape, batch. Shapes are validated once by gg_conv_check /
 * gg_pool_check; the kernels then return void and cannot fail. Every buffer is the
 * caller's; nothing is retained.
 *
 * ---- convolution: the definition of every result ----
 * Notation: G groups, Cg = cin/G input and Og = cout/G output channels per group; output
 * channel o belongs to group g = o / Og and reads input channels g*Cg .. g*Cg + Cg-1.
 * Kg = Cg*kh*kw, with k = (c*kh + ky)*kw + kx (PyTorch's weight (cout, Cg, kh, kw) is the
 * Linear weight (cout, Kg)). The rows r of the problem are the output positions in order
 * r = (b*oh + oy)*ow + ox. The patch value of row r is
 *   X[r,k] = x[b, g*Cg + c, oy*sh - ph0 + ky*dh, ox*sw - pw0 + kx*dw]   (0 in the padding)
 * The forward, dW and db are those of the Linear layer y = X W^T + b (core/linear.h) over
 * these rows; dx is the transposed convolution as one chain per element:
 * - forward   y[b,o,oy,ox] = s + bias[o] (s alone without a bias), s = 0 then
 *             s = fma(X[r,k], W[o,k], s) for k = 0..Kg-1: padding zeros take part;
 * - dW[o,k]  += dy X: s = dW[o,k], then s = fma(dy[r,o], X[r,k], s) for r = 0, 1, ... over
 *             the whole batch (samples, then positions), onto the old value (padding
 *             zeros take part);
 * - db[o]    += s = db[o], then s = s + dy[r,o] for r in the same order;
 * - dx[b,ci,iy,ix]: S = 0, then
 *             S = fma(dy[b,o,oy,ox], W[o,ci,ky,kx], S) for the outputs o of ci's group in
 *             order and, within o, the kernel taps (ky, kx) in row-major order that can
 *             read the element: ky*dh = iy + ph0 (mod sh), kx*dw = ix + pw0 (mod sw), with
 *             oy = (iy + ph0 - ky*dh)/sh, ox = (ix + pw0 - kx*dw)/sw; a dy position outside
 *             the output (oy or ox < 0 or past the end) is 0 and takes part. Then
 *             dx = S (acc = 0) or dx + S (acc = 1: the finished gradient added once, as
 *             PyTorch's autograd adds a contribution).
 * The vector paths (isa.h) vectorise over indices that are not summed (output positions
 * in the forward and dx, output channels in dW), so every path gives the same bits. The
 * batch is processed in chunks of about `chunk` positions (whole samples, or bands of rows
 * of one sample); dW and db continue their chains through their stored values and every
 * other chain lies inside one chunk, so no result depends on the chunk size. The ISA never
 * changes a result, only its speed. (How: an implicit GEMM over zero-padded stride-phase
 * copies of the input, see conv.c.)
 *
 * ---- pooling ----
 * MaxPool (scan of PyTorch's cpu_max_pool): per output, the window positions
 * iy = oy*sh - ph + j*dh inside the input (j < kh), likewise ix, row by row; the value
 * starts at -inf and the index at the first in-bounds position, and a position wins when
 * v > max or v is NaN (ties: the first maximum; NaN propagates, the last NaN wins). The
 * index is the plane offset iy*iw + ix (PyTorch's return_indices). AvgPool: the window
 * [oy*sh - ph, oy*sh - ph + kh) clipped at ih + ph, pool = its area, then clipped to the
 * input; y = 0 + (s / divisor) with s = 0 then s += x row by row over the clipped window,
 * divisor = pool (count_include_pad) or the clipped area; an empty window gives 0.
 * Backward of both (as PyTorch's kernels): dx = v (the old value with acc = 1, else 0)
 * then, for the outputs in order (plane by plane, oy then ox), dx[argmax] += dy (max) or
 * dx[i] += dy / divisor for each i of the clipped window (avg), one add at a time.
 * AdaptiveAvgPool: windows [floor(i*in/out), ceil((i+1)*in/out)) per axis, y = s / kh / kw
 * (two divisions, as PyTorch) with s summed row by row from 0; backward adds dy / kh / kw
 * the same way as AvgPool. Note: PyTorch 1.13 computes a 1x1 adaptive average as
 * x.mean((-2,-1)), whose sum is vectorised (last bits may differ); gglab keeps the row
 * order and divides once by the area (mean's divisor) for that case.
 *
 * With acc = 1 the pools add their terms onto the caller's value one by one; PyTorch's
 * autograd adds the finished gradient (old + (t1 + t2 + ...)): the same bits except where
 * several terms meet one element (overlapping windows). */
#ifndef GG_CONV_H
#define GG_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "isa.h"
#include "status.h"

/* ---- convolution ---- */

typedef struct gg_conv_shape {
    size_t cin, cout, groups;   /* channels; cin % groups == 0, cout % groups == 0 */
    size_t ih, iw;              /* input spatial size (ih = 1 for conv1d) */
    size_t kh, kw;              /* kernel (kh = 1 for conv1d) */
    size_t sh, sw;              /* stride >= 1 */
    size_t ph0, ph1, pw0, pw1;  /* zero padding before/after; asymmetric allowed (PyTorch's
                                 * padding='same' with an even extent pads d*(k-1) as
                                 * before = total/2, after = total - before) */
    size_t dh, dw;              /* dilation >= 1 */
    size_t oh, ow;              /* output size: filled by gg_conv_check */
    size_t chunk;               /* output positions per chunk of work (whole samples when at
                                 * least a sample's, else bands of rows); 0: chosen by
                                 * gg_conv_check (about 1 MiB of scratch). Results never
                                 * depend on it; gg_conv_scratch does. */
} gg_conv_shape;

/* Validates s and fills oh, ow (and chunk when 0). GG_EINVAL names a parameter out of
 * range ("stride sw must be >= 1, got 0", "in_channels 6 is not divisible by groups 4");
 * GG_ESHAPE a kernel that does not fit ("kernel height 5 is larger than the padded input
 * height 4"); GG_ENOMEM sizes past 2^31 elements. */
gg_status gg_conv_check(gg_conv_shape *s, gg_err *err);

/* Floats of scratch gg_conv_forward and gg_conv_backward need for a batch of B (any ISA). */
size_t gg_conv_scratch(const gg_conv_shape *s, size_t B);

/* y (B,cout,oh,ow) = conv(x (B,cin,ih,iw), W (cout,cin/groups,kh,kw)) + b (cout; NULL: no
 * bias). scratch: gg_conv_scratch(s, B) floats. No buffer may overlap another. */
void gg_conv_forward(gg_isa isa, float *y, const float *x, const float *W, const float *b,
                     float *scratch, const gg_conv_shape *s, size_t B);

/* From dy (B,cout,oh,ow): dW (like W) += ..., db (cout) += ... (either NULL: skipped);
 * dx (like x) = (acc = 0) or += (acc = 1) the input gradient, NULL: skipped. x is read only
 * for dW, W only for dx. scratch as for the forward. No buffer may overlap another. */
void gg_conv_backward(gg_isa isa, float *dx, int acc, float *dW, float *db, const float *dy,
                      const float *x, const float *W, float *scratch, const gg_conv_shape *s,
                      size_t B);

/* ---- pooling ---- */

typedef enum gg_pool_kind { GG_POOL_MAX, GG_POOL_AVG } gg_pool_kind;

typedef struct gg_pool_shape {
    gg_pool_kind kind;
    size_t c;                /* channels (B*c planes are pooled independently) */
    size_t ih, iw;           /* input size (ih = 1: the 1-d pools) */
    size_t kh, kw;           /* kernel >= 1 */
    size_t sh, sw;           /* stride >= 1 (PyTorch's default: the kernel size) */
    size_t ph, pw;           /* padding on both sides, <= kernel/2 */
    size_t dh, dw;           /* dilation >= 1; 1 for avg */
    int ceil_mode;           /* PyTorch's default 0 */
    int count_include_pad;   /* avg only; PyTorch's default 1 */
    size_t oh, ow;           /* output size: filled by gg_pool_check */
} gg_pool_shape;

/* Validates s with PyTorch's rules and fills oh, ow: kernel, stride, dilation >= 1, pad at
 * most half the kernel, ceil_mode dropping a last window that would start in the right
 * padding, an output of at least 1x1 (GG_ESHAPE otherwise), dilation 1 for avg. */
gg_status gg_pool_check(gg_pool_shape *s, gg_err *err);

/* int32 argmax slots the max pool needs for a batch of B: B*c*oh*ow (0 for avg). */
size_t gg_pool_index_scratch(const gg_pool_shape *s, size_t B);

/* y (B,c,oh,ow) = pool(x (B,c,ih,iw)). Max: argmax (B,c,oh,ow) gets each window's plane
 * offset iy*iw + ix (NULL: not kept, no backward possible); avg: argmax unused. */
void gg_pool_forward(float *y, int32_t *argmax, const float *x, const gg_pool_shape *s,
                     size_t B);

/* dx (B,c,ih,iw) = (acc = 0) or += (acc = 1) the gradient from dy (B,c,oh,ow); max reads
 * the argmax its forward stored. */
void gg_pool_backward(float *dx, int acc, const float *dy, const int32_t *argmax,
                      const gg_pool_shape *s, size_t B);

/* Validates an adaptive average pool of (c, ih, iw) to (oh, ow): every size >= 1. */
gg_status gg_adaptive_pool_check(size_t c, size_t ih, size_t iw, size_t oh, size_t ow,
                                 gg_err *err);

/* y (B,c,oh,ow) = AdaptiveAvgPool2d((oh, ow))(x (B,c,ih,iw)); ih = oh = 1 for 1-d. */
void gg_adaptive_avg_pool_forward(float *y, const float *x, size_t B, size_t c, size_t ih,
                                  size_t iw, size_t oh, size_t ow);

/* dx (B,c,ih,iw) = (acc = 0) or += (acc = 1) the gradient from dy (B,c,oh,ow). */
void gg_adaptive_avg_pool_backward(float *dx, int acc, const float *dy, size_t B, size_t c,
                                   size_t ih, size_t iw, size_t oh, size_t ow);

/* ---- the kernel paths, for conv.c's dispatch and the tests ----
 * Both read "planes" src at a table of offsets off (uint32 values stored in float slots,
 * through memcpy): row k of the implicit matrix is src + off[k].
 * gemm: yt[o*ldy + v] = s + b[o] (s without b), s = 0 then s = fma(W[o*in + k],
 *   src[off[k] + v], s) for k < in, for o < out and v < V (the AVX paths also write
 *   v < V rounded up to their width and may read src that far).
 * dw: dwt[k*ld + o] = fma(dyr[r*ld + o], src[off[k] + j*plane + u*width + c], ...) and
 *   db[o] += dyr[r*ld + o], chains over the rows r = (j*rows + u)*cols + c in order, for
 *   k < K, o < O (j < nb, u < rows, c < cols); dwt or db may be NULL. The AVX paths need ld
 *   a multiple of 16 and zeros in dyr's columns O .. ld-1.
 * rows: dyr[i*ld + o] = src[o*stride + i] for o < O, 0 for O <= o < ld, for i < n (dy
 *   transposed into dw's layout; ld a multiple of 16).
 * The AVX ones exist only where GG_HAVE_ISA_PATHS (isa.h). */
void gg_conv_gemm_generic(float *yt, size_t ldy, const float *src, const float *off,
                          const float *W, const float *b, size_t V, size_t in, size_t out);
void gg_conv_gemm_avx2(float *yt, size_t ldy, const float *src, const float *off,
                       const float *W, const float *b, size_t V, size_t in, size_t out);
void gg_conv_gemm_avx512(float *yt, size_t ldy, const float *src, const float *off,
                         const float *W, const float *b, size_t V, size_t in, size_t out);
void gg_conv_dw_generic(float *dwt, float *db, const float *dyr, size_t ld, const float *src,
                        const float *off, size_t K, size_t O, size_t nb, size_t rows,
                        size_t cols, size_t plane, size_t width);
void gg_conv_dw_avx2(float *dwt, float *db, const float *dyr, size_t ld, const float *src,
                     const float *off, size_t K, size_t O, size_t nb, size_t rows, size_t cols,
                     size_t plane, size_t width);
void gg_conv_dw_avx512(float *dwt, float *db, const float *dyr, size_t ld, const float *src,
                       const float *off, size_t K, size_t O, size_t nb, size_t rows,
                       size_t cols, size_t plane, size_t width);
void gg_conv_rows_generic(float *dyr, size_t ld, const float *src, size_t stride, size_t O,
                          size_t n);
void gg_conv_rows_avx2(float *dyr, size_t ld, const float *src, size_t stride, size_t O,
                       size_t n);
void gg_conv_rows_avx512(float *dyr, size_t ld, const float *src, size_t stride, size_t O,
                         size_t n);

#endif
