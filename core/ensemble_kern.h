/* core/ensemble_kern.h — the Linear kernels of a lockstep ensemble (ensemble.h) for one
 * instruction set, included by ensemble.c (portable), ensemble_avx2.c and
 * ensemble_avx512.c. Each works on one block of GG_ENS_LANES runs (element j of lane l at
 * [j * L + l]); a vector holds one element of all the block's lanes, so every lane is one
 * sequential chain exactly as linear.h defines it for a run alone:
 *   y[r,o]  = s + b[o], s = 0, s = fma(W[o,k], x[r,k], s) for k = 0..in-1
 *   dx[r,k] = s, s = 0, s = fma(dy[r,o], W[o,k], s) for o = 0..out-1
 *   dW[o,k] = s, s = 0 (zero_grad), s = fma(dy[r,o], x[r,k], s) for r = 0..B-1
 *   db[o]   = s, s = 0, s = s + dy[r,o] for r = 0..B-1
 * The optimizer step of each gradient vector (opt_vec) repeats optim.c's element loops per
 * lane with that lane's numbers, branch-free over the lanes (selects), so it too is exact.
 * The including file defines lv (a block vector), lm (a mask of lanes), LV_LOAD, LV_STORE,
 * LV_ZERO, LV_ADD, LV_MUL, LV_DIV, LV_SQRT (IEEE, rounded per lane), LV_FMA(a, b, c)
 * (a*b + c rounded once per lane), LV_NEG, LV_SET1, LM_LOAD (int32 -1/0 per lane),
 * LV_GT(a, b) (the lanes where a > b), LV_NLE(a, b) (where !(a <= b), NaN included),
 * LV_SEL(m, a, b) (a where m, else b), the tile sizes F_R x F_T (forward: rows by
 * outputs), D_R x C_T (dx: rows by inputs), W_R x C_T (dW: outputs by inputs; W_R at most
 * GG_ENS_COLS), SFX(name), and optionally ENS_CH (vectors per chunk of Adam steps) and
 * ENS_ENTRY (attributes of the backward entry point). */

#define AI static inline __attribute__((always_inline))
#define L GG_ENS_LANES
#ifndef ENS_ENTRY
#define ENS_ENTRY
#endif

_Static_assert(W_R <= GG_ENS_COLS, "a block of dW rows larger than the caller's gq");

AI void SFX(fwd_tile)(float *restrict y, float *restrict yr, const float *restrict x,
                      const float *restrict W, const float *restrict b, size_t in, size_t out,
                      size_t r0, size_t o0, const int R, const int T)
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
        for (int t = 0; t < T; t++) {
            const size_t i = ((r0 + q) * out + o0 + t) * L;
            const lv v = LV_ADD(acc[q][t], LV_LOAD(b + (o0 + t) * L));
            LV_STORE(y + i, v);
            if (yr)  // act.c's ReLU: x > 0 ? x : 0
                LV_STORE(yr + i, LV_SEL(LV_GT(v, LV_ZERO()), v, LV_ZERO()));
        }
}

/* Step element j (of one lane) of the block's parameters with gradient g: gg_sgd_step's and
 * adam_loop_div's element loop per lane. Adam's sqrt(v) / sqrt(bc2) is gg_div_by's
 * reciprocal on the fast path and a division elsewhere: the same bits (gg_div_by's
 * Markstein argument; the fast path requires bc2 in its range). A lane that does not step
 * (act 0) keeps its values. fast (a constant): the block is Adam's with every lane
 * stepping, bc2 in gg_div_by's range, no weight decay, decay or amsgrad (gg_ens_opt). */
AI void SFX(opt_vec)(const gg_ens_opt *o, size_t j, lv g, const int fast)
{
    const size_t i = j * L;
    if (o->store_g)
        LV_STORE(o->g + i, g);
    const lv p0 = LV_LOAD(o->p + i);
    lv d = g;
    if (!fast && o->any_wd) {
        const lv dw = LV_ADD(d, LV_MUL(LV_LOAD(o->wd), p0));  // grad.add(param, alpha=wd)
        d = LV_SEL(LM_LOAD(o->use_wd), dw, d);
    }
    lv np;
    if (!fast && o->sgd) {
        if (o->s0) {
            const lv mu = LV_LOAD(o->mu), b0 = LV_LOAD(o->s0 + i);
            const lv bm = LV_ADD(LV_MUL(b0, mu), LV_MUL(LV_LOAD(o->keep), d));
            const lv b = LV_SEL(LM_LOAD(o->first), d, bm);
            const lv dn = LV_ADD(d, LV_MUL(mu, b));
            LV_STORE(o->s0 + i, LV_SEL(LM_LOAD(o->bufw), b, b0));
            const lv dm = LV_SEL(LM_LOAD(o->nesterov), dn, b);
            d = LV_SEL(LM_LOAD(o->use_mu), dm, d);
        }
        np = LV_ADD(p0, LV_MUL(LV_LOAD(o->neg), d));
    } else {
        // AdamW: p *= 1 - lr*wd
        const lv pi = !fast && o->decay ? LV_MUL(p0, LV_LOAD(o->shrink)) : p0;
        const lv m0 = LV_LOAD(o->s0 + i), v0 = LV_LOAD(o->s1 + i);
        const lv mi = LV_ADD(LV_MUL(m0, LV_LOAD(o->b1)), LV_MUL(LV_LOAD(o->a1), d));
        lv vi = LV_ADD(LV_MUL(v0, LV_LOAD(o->b2)), LV_MUL(LV_MUL(LV_LOAD(o->a2), d), d));
        if (fast || o->all_act) {
            LV_STORE(o->s0 + i, mi);
            LV_STORE(o->s1 + i, vi);
        } else {
            const lm a = LM_LOAD(o->act);
            LV_STORE(o->s0 + i, LV_SEL(a, mi, m0));
            LV_STORE(o->s1 + i, LV_SEL(a, vi, v0));
        }
        if (!fast && o->s2) {  // amsgrad lanes: vi = max(vmax, vi) (vmax when vmax > vi), stored
            const lv x0 = LV_LOAD(o->s2 + i);
            const lv vm = LV_SEL(LV_GT(x0, vi), x0, vi);
            const lm ams = LM_LOAD(o->ams);
            vi = LV_SEL(ams, vm, vi);
            LV_STORE(o->s2 + i, LV_SEL(ams, vm, x0));
        }
        const lv sq = LV_SQRT(vi), bc2 = LV_LOAD(o->bc2);
        lv qt;
        if (fast) {  // gg_div_by: sq / bc2 without the divider (which the next line needs)
            const lv rb = LV_LOAD(o->rcp), q0 = LV_MUL(sq, rb);
            const lv r = LV_FMA(LV_FMA(LV_NEG(q0), bc2, sq), rb, q0);
            qt = LV_SEL(LV_NLE(sq, LV_SET1(3.40282347e38f)), sq, r);
        } else {
            qt = LV_DIV(sq, bc2);
        }
        const lv denom = LV_ADD(qt, LV_LOAD(o->eps));
        np = LV_ADD(pi, LV_DIV(LV_MUL(LV_LOAD(o->neg), mi), denom));
    }
    LV_STORE(o->p + i, fast || o->all_act ? np : LV_SEL(LM_LOAD(o->act), np, p0));
}

/* Adam's per-lane numbers as vectors, loaded once per kernel call (the fast path). */
typedef struct SFX(adamk) {
    lv b1, a1, b2, a2, rb, bc2, eps, neg, big;
} SFX(adamk);

#ifndef ENS_CH
#define ENS_CH 8
#endif

/* ENS_CH of the fast path's Adam steps (opt_vec's with fast = 1) on the elements from e,
 * gradients at g, in two passes: every vector's moments and square root, then every
 * vector's division, so that the divider's operations queue back to back and the
 * operations that wait for them do not fill the scheduler. */
AI void SFX(adam_chunk)(const gg_ens_opt *o, const SFX(adamk) *k, const float *g, size_t e)
{
    lv sq[ENS_CH], t[ENS_CH];
#pragma GCC unroll 8
    for (int c = 0; c < ENS_CH; c++) {
        const size_t i = (e + (size_t)c) * L;
        const lv d = LV_LOAD(g + (size_t)c * L);
        if (o->store_g)
            LV_STORE(o->g + i, d);
        const lv mi = LV_ADD(LV_MUL(LV_LOAD(o->s0 + i), k->b1), LV_MUL(k->a1, d));
        const lv vi = LV_ADD(LV_MUL(LV_LOAD(o->s1 + i), k->b2), LV_MUL(LV_MUL(k->a2, d), d));
        LV_STORE(o->s0 + i, mi);
        LV_STORE(o->s1 + i, vi);
        sq[c] = LV_SQRT(vi);
        t[c] = LV_MUL(k->neg, mi);
    }
#pragma GCC unroll 8
    for (int c = 0; c < ENS_CH; c++) {
        const size_t i = (e + (size_t)c) * L;
        const lv q0 = LV_MUL(sq[c], k->rb);
        const lv r = LV_FMA(LV_FMA(LV_NEG(q0), k->bc2, sq[c]), k->rb, q0);
        const lv q = LV_SEL(LV_NLE(sq[c], k->big), sq[c], r);
        const lv denom = LV_ADD(q, k->eps);
        LV_STORE(o->p + i, LV_ADD(LV_LOAD(o->p + i), LV_DIV(t[c], denom)));
    }
}

/* Step the n contiguous elements from e, their gradients at g (contiguous): chunks of
 * adam_chunk on the fast path, opt_vec one by one otherwise and for the rest. */
AI void SFX(step_run)(const gg_ens_opt *o, const SFX(adamk) *k, const float *g, size_t e,
                      size_t n, const int fast)
{
    size_t i = 0;
    if (fast)
        for (; i + ENS_CH <= n; i += ENS_CH)
            SFX(adam_chunk)(o, k, g + i * L, e + i);
    for (; i < n; i++)
        SFX(opt_vec)(o, e + i, LV_LOAD(g + i * L), fast);
}

AI void SFX(dx_tile)(float *restrict dx, const float *restrict dy, const float *W,
                     const float *restrict x, int relu, size_t in, size_t out, size_t r0,
                     size_t k0, const int R, const int T)
{
    lv acc[D_R][C_T];
#pragma GCC unroll 8
    for (int q = 0; q < R; q++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            acc[q][t] = LV_ZERO();
    for (size_t o = 0; o < out; o++) {
        lv w[C_T];
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
        for (int t = 0; t < T; t++) {
            const size_t i = ((r0 + q) * in + k0 + t) * L;
            if (relu)  // act.c's ReLU backward on x, the ReLU's output: x > 0 ? d : 0
                LV_STORE(dx + i, LV_SEL(LV_GT(LV_LOAD(x + i), LV_ZERO()), acc[q][t], LV_ZERO()));
            else
                LV_STORE(dx + i, acc[q][t]);
        }
}

AI void SFX(dw_tile)(float *restrict gb, const float *restrict dy, const float *restrict x,
                     size_t B, size_t in, size_t out, size_t o0, size_t k0, const int R,
                     const int T)
{
    lv acc[W_R][C_T];
#pragma GCC unroll 8
    for (int q = 0; q < R; q++)
#pragma GCC unroll 8
        for (int t = 0; t < T; t++)
            acc[q][t] = LV_ZERO();
    for (size_t r = 0; r < B; r++) {
        lv xv[C_T];
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
            LV_STORE(gb + ((size_t)q * in + k0 + t) * L, acc[q][t]);
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

void SFX(gg_ens_linear_forward)(float *y, float *yr, const float *x, const float *W,
                                const float *b, size_t B, size_t in, size_t out)
{
#define TMAX F_T
#define FWD_BODY(r0, R)                                                                 \
    for (size_t o0 = 0; o0 < out; o0 += F_T) {                                          \
        const size_t t = out - o0 < F_T ? out - o0 : F_T;                               \
        ENS_T(SFX(fwd_tile), R, y, yr, x, W, b, in, out, r0, o0)                        \
    }
    ENS_ROWS(B, F_R, FWD_BODY)
#undef FWD_BODY
#undef TMAX
}

/* The backward of one Linear (ensemble_isa.h): dx from the old weights, then dW by blocks
 * of W_R outputs (rows of the weights), kept in gq and stepped right away while in cache
 * (the steps are element by element and nothing reads those rows after dx). */
AI void SFX(backward)(float *dx, const float *dy, const float *x, size_t B, size_t in,
                      size_t out, size_t woff, size_t boff, int relu, const gg_ens_opt *o,
                      float *gq, const int fast)
{
    const float *W = o->p + woff * L;
    SFX(adamk) ak, *k = &ak;
    if (fast)
        ak = (SFX(adamk)){LV_LOAD(o->b1), LV_LOAD(o->a1), LV_LOAD(o->b2), LV_LOAD(o->a2),
                          LV_LOAD(o->rcp), LV_LOAD(o->bc2), LV_LOAD(o->eps), LV_LOAD(o->neg),
                          LV_SET1(3.40282347e38f)};
#define TMAX C_T
#define DX_BODY(r0, R)                                                                  \
    for (size_t k0 = 0; dx && k0 < in; k0 += C_T) {                                     \
        const size_t t = in - k0 < C_T ? in - k0 : C_T;                                 \
        ENS_T(SFX(dx_tile), R, dx, dy, W, x, relu, in, out, r0, k0)                     \
    }
    ENS_ROWS(B, D_R, DX_BODY)
#undef DX_BODY
#define DW_BODY(o0, R)                                                                  \
    {                                                                                   \
        for (size_t k0 = 0; k0 < in; k0 += C_T) {                                       \
            const size_t t = in - k0 < C_T ? in - k0 : C_T;                             \
            ENS_T(SFX(dw_tile), R, gq, dy, x, B, in, out, o0, k0)                       \
        }                                                                               \
        SFX(step_run)(o, k, gq, woff + (o0) * in, (size_t)(R) * in, fast);              \
    }
    ENS_ROWS(out, W_R, DW_BODY)
#undef DW_BODY
#undef TMAX
    for (size_t j = 0; boff != (size_t)-1 && j < out; j++) {
        lv s = LV_ZERO();
        for (size_t r = 0; r < B; r++)
            s = LV_ADD(s, LV_LOAD(dy + (r * out + j) * L));
        LV_STORE(gq + j * L, s);
    }
    if (boff != (size_t)-1)
        SFX(step_run)(o, k, gq, boff, out, fast);
}

ENS_ENTRY
void SFX(gg_ens_linear_backward)(float *dx, const float *dy, const float *x, size_t B,
                                 size_t in, size_t out, size_t woff, size_t boff, int relu,
                                 const gg_ens_opt *o, float *gq)
{
    if (o->fast)
        SFX(backward)(dx, dy, x, B, in, out, woff, boff, relu, o, gq, 1);
    else
        SFX(backward)(dx, dy, x, B, in, out, woff, boff, relu, o, gq, 0);
}

#undef AI
#undef L
#undef ENS_T
#undef ENS_ROWS
#undef ENS_CH
#undef ENS_ENTRY
