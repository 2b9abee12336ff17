/* core/ensemble_kern.h — the Linear kernels of a lockstep ensemble (ensemble.h) for one
 * instruction set, included by ensemble.c (portable), ensemble_avx2.c and
 * ensemble_avx512.c. Each works on one block of GG_ENS_LANES runs (element j of lane l at
 * [j * L + l]); a vector holds one element of all the block's lanes, so every lane is one
 * sequential chain exactly as linear.h defines it for a run alone:
 *   y[r,o]  = s + b[o], s = 0, s = fma(W[o,k], x[r,k], s) for k = 0..in-1
 *   dx[r,k] = s, s = 0, s = fma(dy[r,o], W[o,k], s) for o = 0..out-1
 *   dW[o,k] = s, s = 0 (zero_grad), s = fma(dy[r,o], x[r,k], s) for r = 0..B-1
 *   db[o]   = s, s = 0, s = s + dy[r,o] for r = 0..B-1
 * The including file defines lv (a block vector), LV_LOAD, LV_STORE, LV_ZERO, LV_ADD,
 * LV_FMA(a, b, c) (a*b + c rounded once per lane), the tile sizes F_R x F_T (forward:
 * rows by outputs), D_R x D_T (dx: rows by inputs), W_R x W_T (dW: outputs by inputs),
 * and SFX(name). */

#define AI static inline __attribute__((always_inline))
#define L GG_ENS_LANES

AI void SFX(fwd_tile)(float *restrict y, const float *restrict x, const float *restrict W,
                      const float *restrict b, size_t in, size_t out, size_t r0, size_t o0,
                      const int R, const int T)
{
    lv acc[F_R][F_T];
#pragma GCC unroll 8
    for (int q = 0; q < R; q++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            acc[q][t] = LV_ZERO();
    const float *xp = x + r0 * in * L, *wp = W + o0 * in * L;
    for (size_t k = 0; k < in; k++) {
        lv xv[F_R];
#pragma GCC unroll 8
        for (int q = 0; q < R; q++)
            xv[q] = LV_LOAD(xp + ((size_t)q * in + k) * L);
#pragma GCC unroll 8
        for (int t = 0; t < T; t++) {
            lv w = LV_LOAD(wp + ((size_t)t * in + k) * L);
#pragma GCC unroll 8
            for (int q = 0; q < R; q++)
                acc[q][t] = LV_FMA(w, xv[q], acc[q][t]);
        }
    }
#pragma GCC unroll 8
    for (int q = 0; q < R; q++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            LV_STORE(y + ((r0 + q) * out + o0 + t) * L, LV_ADD(acc[q][t], LV_LOAD(b + (o0 + t) * L)));
}

AI void SFX(dx_tile)(float *restrict dx, const float *restrict dy, const float *restrict W,
                     size_t in, size_t out, size_t r0, size_t k0, const int R, const int T)
{
    lv acc[D_R][D_T];
#pragma GCC unroll 8
    for (int q = 0; q < R; q++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            acc[q][t] = LV_ZERO();
    for (size_t o = 0; o < out; o++) {
        lv w[D_T];
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            w[t] = LV_LOAD(W + (o * in + k0 + t) * L);
#pragma GCC unroll 8
        for (int q = 0; q < R; q++) {
            lv d = LV_LOAD(dy + ((r0 + q) * out + o) * L);
#pragma GCC unroll 8
            for (int t = 0; t < T; t++)
                acc[q][t] = LV_FMA(d, w[t], acc[q][t]);
        }
    }
#pragma GCC unroll 8
    for (int q = 0; q < R; q++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            LV_STORE(dx + ((r0 + q) * in + k0 + t) * L, acc[q][t]);
}

AI void SFX(dw_tile)(float *restrict dW, const float *restrict dy, const float *restrict x,
                     size_t B, size_t in, size_t out, size_t o0, size_t k0, const int R,
                     const int T)
{
    lv acc[W_R][W_T];
#pragma GCC unroll 8
    for (int q = 0; q < R; q++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            acc[q][t] = LV_ZERO();
    for (size_t r = 0; r < B; r++) {
        lv xv[W_T];
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            xv[t] = LV_LOAD(x + (r * in + k0 + t) * L);
#pragma GCC unroll 8
        for (int q = 0; q < R; q++) {
            lv d = LV_LOAD(dy + (r * out + o0 + q) * L);
#pragma GCC unroll 8
            for (int t = 0; t < T; t++)
                acc[q][t] = LV_FMA(d, xv[t], acc[q][t]);
        }
    }
#pragma GCC unroll 8
    for (int q = 0; q < R; q++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            LV_STORE(dW + ((o0 + q) * in + k0 + t) * L, acc[q][t]);
}

/* Tiles of (R, T) with R <= RMAX, T <= TMAX: full tiles, then the edges one by one. */
#define ENS_T(F, R, ...)                                                                \
    switch (t) {                                                                        \
    case 1: F(__VA_ARGS__, R, 1); break;                                                \
    case 2: F(__VA_ARGS__, R, 2 < TMAX ? 2 : TMAX); break;                              \
    case 3: F(__VA_ARGS__, R, 3 < TMAX ? 3 : TMAX); break;                              \
    case 4: F(__VA_ARGS__, R, 4 < TMAX ? 4 : TMAX); break;                              \
    case 5: F(__VA_ARGS__, R, 5 < TMAX ? 5 : TMAX); break;                              \
    default: F(__VA_ARGS__, R, TMAX); break;                                            \
    }

/* Full tiles of RM rows (or outputs) over a dimension of n, then the rest one by one:
 * BODY(r0, R) is pasted with R a constant. */
#define ENS_ROWS(n, RM, BODY)                                                           \
    {                                                                                   \
        size_t r0 = 0;                                                                  \
        for (; r0 + (RM) <= (n); r0 += (RM))                                            \
            BODY(r0, RM)                                                                \
        for (; r0 < (n); r0++)                                                          \
            BODY(r0, 1)                                                                 \
    }

void SFX(gg_ens_linear_forward)(float *y, const float *x, const float *W, const float *b,
                                size_t B, size_t in, size_t out)
{
#define TMAX F_T
#define FWD_BODY(r0, R)                                                                 \
    for (size_t o0 = 0; o0 < out; o0 += F_T) {                                          \
        const size_t t = out - o0 < F_T ? out - o0 : F_T;                               \
        ENS_T(SFX(fwd_tile), R, y, x, W, b, in, out, r0, o0)                            \
    }
    ENS_ROWS(B, F_R, FWD_BODY)
#undef FWD_BODY
#undef TMAX
}

void SFX(gg_ens_linear_backward)(float *dx, float *dW, float *db, const float *dy,
                                 const float *x, const float *W, size_t B, size_t in,
                                 size_t out, gg_ens_rows_fn done, void *ctx)
{
    for (size_t o = 0; db && o < out; o++) {
        lv s = LV_ZERO();
        for (size_t r = 0; r < B; r++)
            s = LV_ADD(s, LV_LOAD(dy + (r * out + o) * L));
        LV_STORE(db + o * L, s);
    }
    // dx first: it reads W, which `done` may update once dW's rows are final.
#define TMAX D_T
#define DX_BODY(r0, R)                                                                  \
    for (size_t k0 = 0; dx && k0 < in; k0 += D_T) {                                     \
        const size_t t = in - k0 < D_T ? in - k0 : D_T;                                 \
        ENS_T(SFX(dx_tile), R, dx, dy, W, in, out, r0, k0)                              \
    }
    ENS_ROWS(B, D_R, DX_BODY)
#undef DX_BODY
#undef TMAX
#define TMAX W_T
#define DW_BODY(o0, R)                                                                  \
    {                                                                                   \
        for (size_t k0 = 0; k0 < in; k0 += W_T) {                                       \
            const size_t t = in - k0 < W_T ? in - k0 : W_T;                             \
            ENS_T(SFX(dw_tile), R, dW, dy, x, B, in, out, o0, k0)                       \
        }                                                                               \
        if (done)                                                                       \
            done(ctx, (o0) * in, (size_t)(R) * in);                                     \
    }
    ENS_ROWS(out, W_R, DW_BODY)
#undef DW_BODY
#undef TMAX
}



#undef AI
#undef L
#undef ENS_T
#undef ENS_ROWS
