/* core/linear.c — fully connected layer: the portable path, which is also the definition
 * of every result (see linear.h), and the dispatch to the AVX paths. */
#include "linear.h"

#include <math.h>

/* Rows are padded to a multiple of 16 in the forward's transposed copy of x. */
size_t gg_linear_scratch(size_t B, size_t in)
{
    return (B + 15) / 16 * 16 * in;
}

void gg_linear_forward_generic(float *y, const float *x, const float *W, const float *b,
                               size_t B, size_t in, size_t out, int relu, float *xt,
                               int xt_ready, float *yt)
{
    (void)xt, (void)xt_ready, (void)yt;
    for (size_t r = 0; r < B; r++)
        for (size_t o = 0; o < out; o++) {
            float s = 0.0f;
            for (size_t k = 0; k < in; k++)
                s = fmaf(x[r * in + k], W[o * in + k], s);
            if (b)
                s += b[o];
            y[r * out + o] = relu && !(s > 0.0f) ? 0.0f : s;
        }
}

void gg_linear_backward_generic(float *dx, float *dW, float *db, const float *dy,
                                const float *x, const float *W, const float *mask, size_t B,
                                size_t in, size_t out)
{
    for (size_t o = 0; o < out; o++) {
        float s = db[o];
        for (size_t r = 0; r < B; r++)
            s += dy[r * out + o];
        db[o] = s;
        for (size_t k = 0; k < in; k++) {
            float w = dW[o * in + k];
            for (size_t r = 0; r < B; r++)
                w = fmaf(dy[r * out + o], x[r * in + k], w);
            dW[o * in + k] = w;
        }
    }
    if (!dx)
        return;
    for (size_t r = 0; r < B; r++)
        for (size_t k = 0; k < in; k++) {
            float s = 0.0f;
            for (size_t o = 0; o < out; o++)
                s = fmaf(dy[r * out + o], W[o * in + k], s);
            dx[r * in + k] = mask && !(mask[r * in + k] > 0.0f) ? 0.0f : s;
        }
}

int gg_linear_transposes(gg_isa isa)
{
    return isa == GG_ISA_AVX2 || isa == GG_ISA_AVX512;
}

int gg_linear_by_rows(size_t B, size_t in, size_t out)
{
    (void)in;  // W^T (in, out padded) fits the scratch: out + 15 < 4 out <= B
    return GG_LINEAR_BY_ROWS(B, out);
}

int gg_linear_uses_xt(gg_isa isa, size_t B, size_t in, size_t out)
{
    return gg_linear_transposes(isa) && !gg_linear_by_rows(B, in, out);
}

void gg_linear_forward(gg_isa isa, float *y, const float *x, const float *W, const float *b,
                       size_t B, size_t in, size_t out, int relu, float *xt, int xt_ready,
                       float *yt)
{
    switch (isa) {
#if GG_HAVE_ISA_PATHS
    case GG_ISA_AVX512:
        gg_linear_forward_avx512(y, x, W, b, B, in, out, relu, xt, xt_ready, yt);
        return;
    case GG_ISA_AVX2:
        gg_linear_forward_avx2(y, x, W, b, B, in, out, relu, xt, xt_ready, yt);
        return;
#endif
    default:
        gg_linear_forward_generic(y, x, W, b, B, in, out, relu, xt, xt_ready, yt);
    }
}

void gg_linear_backward(gg_isa isa, float *dx, float *dW, float *db, const float *dy,
                        const float *x, const float *W, const float *mask, size_t B, size_t in,
                        size_t out)
{
    switch (isa) {
#if GG_HAVE_ISA_PATHS
    case GG_ISA_AVX512:
        gg_linear_backward_avx512(dx, dW, db, dy, x, W, mask, B, in, out);
        return;
    case GG_ISA_AVX2:
        gg_linear_backward_avx2(dx, dW, db, dy, x, W, mask, B, in, out);
        return;
#endif
    default:
        gg_linear_backward_generic(dx, dW, db, dy, x, W, mask, B, in, out);
    }
}
