/* core/linear.c — fully connected layer (see linear.h).
 *
 * Summation orders (fixed, independent of the instruction set):
 * - forward: y[r,o] = sum8(x[r,:] . W[o,:]) + b[o], where sum8 adds element i into lane
 *   i % 8 in index order and combines the lanes with gg_v8_sum;
 * - dW[o,i] += dy[0,o] x[0,i] + dy[1,o] x[1,i] + ... in row order, onto the old value;
 * - db[o]   += dy[0,o] + dy[1,o] + ... in row order;
 * - dx[r,i]  = dy[r,0] W[0,i] + dy[r,1] W[1,i] + ... in output order. */
#include "linear.h"

#include "simd.h"

/* Accumulate x . w for the n8 = n/8*8 leading elements into lanes, then the tail into
 * lanes 0.. in order: the sum8 order described above. */
static inline v8f dot_lanes(const float *x, const float *w, size_t n)
{
    v8f acc = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc += gg_v8_load(x + i) * gg_v8_load(w + i);
    for (size_t k = 0; i < n; i++, k++)
        acc[k] += x[i] * w[i];
    return acc;
}

GG_KERNEL
void gg_linear_forward(float *y, const float *x, const float *W, const float *b,
                       size_t B, size_t in, size_t out)
{
    const size_t n8 = in / 8 * 8;
    for (size_t r = 0; r < B; r++) {
        const float *xr = x + r * in;
        float *yr = y + r * out;
        size_t o = 0;
        // Four outputs per pass over x: one load of x feeds four accumulators.
        for (; o + 4 <= out; o += 4) {
            const float *w0 = W + o * in, *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
            v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (size_t i = 0; i < n8; i += 8) {
                v8f xv = gg_v8_load(xr + i);
                a0 += xv * gg_v8_load(w0 + i);
                a1 += xv * gg_v8_load(w1 + i);
                a2 += xv * gg_v8_load(w2 + i);
                a3 += xv * gg_v8_load(w3 + i);
            }
            for (size_t i = n8, k = 0; i < in; i++, k++) {
                a0[k] += xr[i] * w0[i];
                a1[k] += xr[i] * w1[i];
                a2[k] += xr[i] * w2[i];
                a3[k] += xr[i] * w3[i];
            }
            yr[o] = gg_v8_sum(a0) + b[o];
            yr[o + 1] = gg_v8_sum(a1) + b[o + 1];
            yr[o + 2] = gg_v8_sum(a2) + b[o + 2];
            yr[o + 3] = gg_v8_sum(a3) + b[o + 3];
        }
        for (; o < out; o++)
            yr[o] = gg_v8_sum(dot_lanes(xr, W + o * in, in)) + b[o];
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

/* dW[o..o+K) for one 8-column block at i: K independent accumulator chains share each
 * load of x. */
#define DW_BLOCK 8

GG_KERNEL
void gg_linear_backward(float *dx, float *dW, float *db, const float *dy, const float *x,
                        const float *W, size_t B, size_t in, size_t out)
{
    const size_t n8 = in / 8 * 8;
    for (size_t o = 0; o < out; o++) {
        float dbo = db[o];
        for (size_t r = 0; r < B; r++)
            dbo += dy[r * out + o];
        db[o] = dbo;
    }
    size_t o = 0;
    for (; o + DW_BLOCK <= out; o += DW_BLOCK) {
        for (size_t i = 0; i < n8; i += 8) {
            v8f acc[DW_BLOCK];
#pragma GCC unroll 8
            for (size_t k = 0; k < DW_BLOCK; k++)
                acc[k] = gg_v8_load(dW + (o + k) * in + i);
            for (size_t r = 0; r < B; r++) {
                v8f xv = gg_v8_load(x + r * in + i);
                const float *g = dy + r * out + o;
#pragma GCC unroll 8
                for (size_t k = 0; k < DW_BLOCK; k++)
                    acc[k] += g[k] * xv;
            }
#pragma GCC unroll 8
            for (size_t k = 0; k < DW_BLOCK; k++)
                gg_v8_store(dW + (o + k) * in + i, acc[k]);
        }
    }
    for (; o < out; o++) {
        float *dWo = dW + o * in;
        for (size_t i = 0; i < n8; i += 8) {
            v8f acc = gg_v8_load(dWo + i);
            for (size_t r = 0; r < B; r++)
                acc += dy[r * out + o] * gg_v8_load(x + r * in + i);
            gg_v8_store(dWo + i, acc);
        }
    }
    for (size_t oo = 0; oo < out; oo++)       // columns past the last 8-block
        for (size_t i = n8; i < in; i++) {
            float acc = dW[oo * in + i];
            for (size_t r = 0; r < B; r++)
                acc += dy[r * out + oo] * x[r * in + i];
            dW[oo * in + i] = acc;
        }
    if (!dx)
        return;
    // dx rows in blocks of four: four chains share each load of W.
    size_t r = 0;
    for (; r + 4 <= B; r += 4) {
        const float *g0 = dy + r * out, *g1 = g0 + out, *g2 = g1 + out, *g3 = g2 + out;
        for (size_t i = 0; i < n8; i += 8) {
            v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (size_t oo = 0; oo < out; oo++) {
                v8f w = gg_v8_load(W + oo * in + i);
                a0 += g0[oo] * w;
                a1 += g1[oo] * w;
                a2 += g2[oo] * w;
                a3 += g3[oo] * w;
            }
            gg_v8_store(dx + r * in + i, a0);
            gg_v8_store(dx + (r + 1) * in + i, a1);
            gg_v8_store(dx + (r + 2) * in + i, a2);
            gg_v8_store(dx + (r + 3) * in + i, a3);
        }
    }
    for (; r < B; r++) {
        const float *g = dy + r * out;
        for (size_t i = 0; i < n8; i += 8) {
            v8f acc = {0};
            for (size_t oo = 0; oo < out; oo++)
                acc += g[oo] * gg_v8_load(W + oo * in + i);
            gg_v8_store(dx + r * in + i, acc);
        }
    }
    for (size_t rr = 0; rr < B; rr++)         // columns past the last 8-block
        for (size_t i = n8; i < in; i++) {
            float acc = 0.0f;
            for (size_t oo = 0; oo < out; oo++)
                acc += dy[rr * out + oo] * W[oo * in + i];
            dx[rr * in + i] = acc;
        }
}
