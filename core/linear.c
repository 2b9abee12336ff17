/* core/linear.c — fully connected layer (see linear.h). */
#include "linear.h"

/* Eight-lane vector type from GCC's vector extensions: the compiler maps it to two SSE
 * registers on baseline x86-64 and one AVX register where enabled; lane-wise arithmetic
 * has the same rounding either way (no FMA contraction under -std=c11). */
typedef float v8f __attribute__((vector_size(32), aligned(4)));

/* Dot product with a fixed order: element i is summed into lane i % 8 in index order,
 * then the lanes are combined as ((0+4)+(2+6)) + ((1+5)+(3+7)). */
static float dot8(const float *a, const float *b, size_t n)
{
    v8f acc = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f va, vb;
        __builtin_memcpy(&va, a + i, sizeof va);
        __builtin_memcpy(&vb, b + i, sizeof vb);
        acc += va * vb;
    }
    float lane[8];
    __builtin_memcpy(lane, &acc, sizeof lane);
    for (size_t k = 0; i < n; i++, k++)
        lane[k] += a[i] * b[i];
    return ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
}

void gg_linear_forward(float *y, const float *x, const float *W, const float *b,
                       size_t B, size_t in, size_t out)
{
    for (size_t r = 0; r < B; r++) {
        const float *xr = x + r * in;
        float *yr = y + r * out;
        for (size_t o = 0; o < out; o++)
            yr[o] = dot8(xr, W + o * in, in) + b[o];
    }
}

void gg_linear_forward_naive(float *y, const float *x, const float *W, const float *b,
                             size_t B, size_t in, size_t out)
{
    for (size_t r = 0; r < B; r++)
        for (size_t o = 0; o < out; o++) {
            float s = 0.0f;
            for (size_t i = 0; i < in; i++)
                s += x[r * in + i] * W[o * in + i];
            y[r * out + o] = s + b[o];
        }
}

void gg_linear_backward(float *dx, float *dW, float *db, const float *dy, const float *x,
                        const float *W, size_t B, size_t in, size_t out)
{
    // dW[o,:] += dy[r,o] * x[r,:], summed over r in order: contiguous axpy rows.
    for (size_t o = 0; o < out; o++) {
        float *dWo = dW + o * in;
        float dbo = db[o];
        for (size_t r = 0; r < B; r++) {
            float g = dy[r * out + o];
            const float *xr = x + r * in;
            for (size_t i = 0; i < in; i++)
                dWo[i] += g * xr[i];
            dbo += g;
        }
        db[o] = dbo;
    }
    if (!dx)
        return;
    // dx[r,:] = sum_o dy[r,o] * W[o,:], summed over o in order.
    for (size_t r = 0; r < B; r++) {
        float *dxr = dx + r * in;
        for (size_t i = 0; i < in; i++)
            dxr[i] = 0.0f;
        for (size_t o = 0; o < out; o++) {
            float g = dy[r * out + o];
            const float *Wo = W + o * in;
            for (size_t i = 0; i < in; i++)
                dxr[i] += g * Wo[i];
        }
    }
}
