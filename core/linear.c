/* core/linear.c — fully connected layer (see linear.h).
 *
 * Summation orders (fixed, independent of the instruction set):
 * - forward: y[r,o] = ((sum8 + x[r,n8] W[o,n8]) + x[r,n8+1] W[o,n8+1] ...) + b[o], where
 *   sum8 adds element i < n8 = in/8*8 into lane i % 8 in index order and combines the
 *   lanes with gg_v8_sum, and the tail elements follow in order;
 * - dW[o,i] += dy[0,o] x[0,i] + dy[1,o] x[1,i] + ... in row order, onto the old value;
 * - db[o]   += dy[0,o] + dy[1,o] + ... in row order;
 * - dx[r,i]  = dy[r,0] W[0,i] + dy[r,1] W[1,i] + ... in output order. */
#include "linear.h"

#include "simd.h"

/* Lanes of x . w over the n8 = n/8*8 leading elements (element i into lane i % 8). */
static inline v8f dot_lanes(const float *x, const float *w, size_t n8)
{
    v8f acc = {0};
    for (size_t i = 0; i < n8; i += 8)
        acc += gg_v8_load(x + i) * gg_v8_load(w + i);
    return acc;
}

/* The lanes combined by gg_v8_sum, then the tail elements n8..n-1 added in order. */
static inline float finish_dot(v8f acc, const float *x, const float *w, size_t n8, size_t n)
{
    float s = gg_v8_sum(acc);
    for (size_t i = n8; i < n; i++)
        s += x[i] * w[i];
    return s;
}

/* The eight lane sums of a[0..7] at once: result[j] = gg_v8_sum(a[j]) exactly, computed
 * by transposing and adding, about 4x fewer instructions than eight separate sums. */
static inline v8f sum8_lanes(const v8f a[8])
{
    typedef int v8i __attribute__((vector_size(32)));
    const v8i lo = {0, 1, 2, 3, 8, 9, 10, 11}, hi = {4, 5, 6, 7, 12, 13, 14, 15};
    const v8i ev = {0, 1, 8, 9, 4, 5, 12, 13}, od = {2, 3, 10, 11, 6, 7, 14, 15};
    const v8i e2 = {0, 8, 2, 10, 4, 12, 6, 14}, o2 = {1, 9, 3, 11, 5, 13, 7, 15};
    v8f p[4];  // p[k] = [a[2k] lanes 0..3 + 4..7 | a[2k+1] likewise]: (a0+a4, a1+a5, a2+a6, a3+a7)
    for (int k = 0; k < 4; k++)
        p[k] = __builtin_shuffle(a[2 * k], a[2 * k + 1], lo) +
               __builtin_shuffle(a[2 * k], a[2 * k + 1], hi);
    // q: per source, (s0+s2, s1+s3) with s = (a0+a4, a1+a5, a2+a6, a3+a7).
    v8f q0 = __builtin_shuffle(p[0], p[1], ev) + __builtin_shuffle(p[0], p[1], od);
    v8f q1 = __builtin_shuffle(p[2], p[3], ev) + __builtin_shuffle(p[2], p[3], od);
    // q0 lanes: (src0: s0+s2, s1+s3), (src2: ..), (src1: ..), (src3: ..); q1 the same for 4..7.
    v8f r = __builtin_shuffle(q0, q1, e2) + __builtin_shuffle(q0, q1, o2);
    // r lanes now hold sources 0, 4, 2, 6, 1, 5, 3, 7 (bit-reversed), so put them back.
    const v8i order = {0, 4, 2, 6, 1, 5, 3, 7};
    return __builtin_shuffle(r, order);
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
        // Eight outputs per pass: eight independent chains, one load of x feeds all.
        for (; o + 8 <= out; o += 8) {
            const float *w = W + o * in;
            v8f acc[8];  // no aggregate initializer: GCC would zero it with `rep stos`
#pragma GCC unroll 8
            for (int k = 0; k < 8; k++)
                acc[k] = (v8f){0};
            for (size_t i = 0; i < n8; i += 8) {
                v8f u = gg_v8_load(xr + i);
#pragma GCC unroll 8
                for (int k = 0; k < 8; k++)
                    acc[k] += u * gg_v8_load(w + (size_t)k * in + i);
            }
            v8f s = sum8_lanes(acc);
            for (size_t i = n8; i < in; i++) {
                v8f wi = {w[i], w[in + i], w[2 * in + i], w[3 * in + i], w[4 * in + i],
                          w[5 * in + i], w[6 * in + i], w[7 * in + i]};
                s += xr[i] * wi;
            }
            gg_v8_store(yr + o, s + gg_v8_load(b + o));
        }
        for (; o < out; o++) {
            const float *w0 = W + o * in;
            yr[o] = finish_dot(dot_lanes(xr, w0, n8), xr, w0, n8, in) + b[o];
        }
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

/* The first n (< 8) floats at p in lanes 0..n-1, zeros elsewhere. */
static inline v8f load_partial(const float *p, size_t n)
{
    v8f v = {0};
    for (size_t k = 0; k < n; k++)
        v[k] = p[k];
    return v;
}

/* dx for rows r0..r0+R-1 (R = 1, 2 or 4, a constant after inlining): R independent chains
 * per 8-column block share each load of W; the last partial block runs as a vector too,
 * so no column is left to a long scalar chain. Each lane sums over o in order. */
static inline void dx_rows(float *dx, const float *dy, const float *W, size_t r0, size_t R,
                           size_t in, size_t out)
{
    const size_t n8 = in / 8 * 8, rem = in - n8;
    for (size_t i = 0; i < n8; i += 8) {
        v8f acc[4];
#pragma GCC unroll 4
        for (size_t q = 0; q < R; q++)
            acc[q] = (v8f){0};
        for (size_t o = 0; o < out; o++) {
            v8f wv = gg_v8_load(W + o * in + i);
#pragma GCC unroll 4
            for (size_t q = 0; q < R; q++)
                acc[q] += dy[(r0 + q) * out + o] * wv;
        }
#pragma GCC unroll 4
        for (size_t q = 0; q < R; q++)
            gg_v8_store(dx + (r0 + q) * in + i, acc[q]);
    }
    if (rem) {
        v8f acc[4];
#pragma GCC unroll 4
        for (size_t q = 0; q < R; q++)
            acc[q] = (v8f){0};
        for (size_t o = 0; o < out; o++) {
            v8f wv = load_partial(W + o * in + n8, rem);
#pragma GCC unroll 4
            for (size_t q = 0; q < R; q++)
                acc[q] += dy[(r0 + q) * out + o] * wv;
        }
        for (size_t q = 0; q < R; q++)
            for (size_t k = 0; k < rem; k++)
                dx[(r0 + q) * in + n8 + k] = acc[q][k];
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
    size_t r = 0;
    for (; r + 4 <= B; r += 4)
        dx_rows(dx, dy, W, r, 4, in, out);
    for (; r + 2 <= B; r += 2)
        dx_rows(dx, dy, W, r, 2, in, out);
    for (; r < B; r++)
        dx_rows(dx, dy, W, r, 1, in, out);
}
