/* core/linear_kern.h — the Linear kernels for one vector width, included by
 * linear_avx2.c and linear_avx512.c (never on its own). They compute exactly the fma
 * sequences linear.h defines (and linear.c's portable path spells out): vectors run over
 * an index that is not summed, so each lane is one sequential chain and the vector width
 * cannot change a bit. The including file defines:
 *   VW             lanes per vector;            vf  the vector type
 *   V_LOAD(p)      VW floats;                   V_LOADN(p, n)  the first n, zeros after
 *   V_STORE(p, v)  VW floats;                   V_STOREN(p, v, n)  the first n lanes
 *   V_SET1(x), V_ZERO(), V_ADD(a, b)
 *   V_FMA(a, b, c) a*b + c rounded once, per lane
 *   V_MASKPOS(v, m) per lane m > 0 ? v : 0 (a NaN in m gives 0)
 *   F_MR           outputs per forward tile (rows per tile: 2 VW, or VW at the end)
 *   B_NV, B_MR     backward tiles: B_MR (default 4) rows or outputs by B_NV vectors
 *   R_MR, R_NV     many-rows forward tiles: R_MR rows (default 4) by R_NV vectors (3)
 *   SFX(name)      name##_<isa>
 * Tile shapes are chosen so the accumulators, the loaded operands and one broadcast fit
 * the register file (16 on AVX2, 32 on AVX-512) with enough independent chains to hide
 * the FMA latency. */

#define AI static inline __attribute__((always_inline))
#ifndef B_MR
#define B_MR 4
#endif
#ifndef R_MR
#define R_MR 4
#endif
#define DB_NV 4
#ifndef DW_ROWS
#define DW_ROWS 128
#endif
#ifndef R_NV
#define R_NV 3
#endif

/* Tile sizes that split n into ceil(n/max) nearly equal parts: part i of t has
 * n/t + (i < n%t) elements (10 rows by at most 6: 5 + 5, not 6 + 4), so no tile is left
 * with one or two latency-bound chains. */
static inline size_t SFX(part_count)(size_t n, size_t max)
{
    return (n + max - 1) / max;
}

static inline size_t SFX(part_size)(size_t n, size_t t, size_t i)
{
    return n / t + (i < n % t);
}

/* ---- forward: y^T tiles of F_MR outputs by nv*VW rows over a transposed, zero-padded x ---- */

AI void SFX(fwd_tile)(float *restrict y, const float *restrict xt, const float *restrict W,
                      const float *restrict b, size_t B, size_t Bp, size_t in, size_t out,
                      size_t rb, size_t o0, const int mr, const int nv, int relu,
                      float *restrict yt, const int full)
{
    // full (a constant after inlining): b and y are both given, the MLP's case, compiled
    // without the tests the optional bias and output need.
    vf acc[F_MR][2];
#pragma GCC unroll 16
    for (int j = 0; j < mr; j++) {
        acc[j][0] = V_ZERO();
        acc[j][1] = V_ZERO();
    }
    const float *w = W + o0 * in;
    const float *xp = xt + rb;
    for (size_t k = 0; k < in; k++, xp += Bp) {
        vf x0 = V_LOAD(xp);
        vf x1 = nv > 1 ? V_LOAD(xp + VW) : x0;
#pragma GCC unroll 16
        for (int j = 0; j < mr; j++) {
            vf wj = V_SET1(w[(size_t)j * in + k]);
            acc[j][0] = V_FMA(wj, x0, acc[j][0]);
            if (nv > 1)
                acc[j][1] = V_FMA(wj, x1, acc[j][1]);
        }
    }
    // Epilogue: bias (if any) and ReLU per vector, y^T rows to yt (the next layer's
    // transposed input) when asked, then y (if wanted) row by row from a transposed copy.
    float tmp[F_MR][2 * VW] __attribute__((aligned(64)));
#pragma GCC unroll 16
    for (int j = 0; j < mr; j++)
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            vf s = full || b ? V_ADD(acc[j][v], V_SET1(b[o0 + j])) : acc[j][v];
            if (relu)
                s = V_MASKPOS(s, s);
            if (full || y)
                V_STORE(tmp[j] + v * VW, s);
            if (yt)
                V_STORE(yt + (o0 + j) * Bp + rb + v * VW, s);
        }
    if (!full && !y)
        return;
    const size_t nr = B - rb < (size_t)nv * VW ? B - rb : (size_t)nv * VW;
    for (size_t r = 0; r < nr; r++) {
        float *yr = y + (rb + r) * out + o0;
#pragma GCC unroll 16
        for (int j = 0; j < mr; j++)
            yr[j] = tmp[j][r];
    }
}

#define FWD_CASE(n)                                                                     \
    case n:                                                                             \
        if (nv > 1 && full)                                                             \
            SFX(fwd_tile)(y, xt, W, b, B, Bp, in, out, rb, o, n, 2, relu, yt, 1);           \
        else if (nv > 1)                                                                \
            SFX(fwd_tile)(y, xt, W, b, B, Bp, in, out, rb, o, n, 2, relu, yt, 0);           \
        else if (full)                                                                  \
            SFX(fwd_tile)(y, xt, W, b, B, Bp, in, out, rb, o, n, 1, relu, yt, 1);           \
        else                                                                            \
            SFX(fwd_tile)(y, xt, W, b, B, Bp, in, out, rb, o, n, 1, relu, yt, 0);           \
        break;

/* All outputs for the rows rb .. rb + nv*VW - 1, in balanced tiles of at most F_MR. */
static void SFX(fwd_rows)(float *restrict y, const float *restrict xt, const float *restrict W,
                          const float *restrict b, size_t B, size_t Bp, size_t in, size_t out,
                          size_t rb, int nv, int relu, float *restrict yt)
{
    const size_t t = SFX(part_count)(out, F_MR);
    const int full = b && y;
    for (size_t i = 0, o = 0; i < t; i++) {
        const size_t mr = SFX(part_size)(out, t, i);
        switch (mr) {
            FWD_CASE(1) FWD_CASE(2) FWD_CASE(3) FWD_CASE(4) FWD_CASE(5) FWD_CASE(6)
#if F_MR > 6
            FWD_CASE(7) FWD_CASE(8)
#endif
#if F_MR > 8
            FWD_CASE(9) FWD_CASE(10) FWD_CASE(11) FWD_CASE(12)
#endif
        default:
            break;
        }
        o += mr;
    }
}

/* ---- forward on many rows (gg_linear_by_rows): y tiles of mr rows by nv vectors of
 * outputs over W^T (in, op), columns past out zero; chains over k as above ---- */

AI void SFX(fwr_tile)(float *restrict y, const float *restrict x, const float *restrict wt,
                      const float *restrict b, size_t in, size_t out, size_t op, size_t r0,
                      size_t o0, const int mr, const int nv, size_t ln, int relu)
{
    vf acc[R_MR][R_NV];
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++)
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[q][v] = V_ZERO();
    const float *xp = x + r0 * in;
    const float *wp = wt + o0;
    for (size_t k = 0; k < in; k++, wp += op) {
        vf wv[R_NV];
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            wv[v] = V_LOAD(wp + v * VW);
#pragma GCC unroll 8
        for (int q = 0; q < mr; q++) {
            vf d = V_SET1(xp[(size_t)q * in + k]);
#pragma GCC unroll 8
            for (int v = 0; v < nv; v++)
                acc[q][v] = V_FMA(wv[v], d, acc[q][v]);
        }
    }
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++) {
        const size_t n = v == nv - 1 ? ln : VW, o = o0 + (size_t)v * VW;
        const vf bv = b ? (n == VW ? V_LOAD(b + o) : V_LOADN(b + o, n)) : V_ZERO();
#pragma GCC unroll 8
        for (int q = 0; q < mr; q++) {
            vf s = b ? V_ADD(acc[q][v], bv) : acc[q][v];
            if (relu)
                s = V_MASKPOS(s, s);
            float *dst = y + (r0 + (size_t)q) * out + o;
            if (n == VW)
                V_STORE(dst, s);
            else
                V_STOREN(dst, s, n);
        }
    }
}

#define FWR_NV(mr)                                                                      \
    switch (nv) {                                                                       \
    case 1: SFX(fwr_tile)(y, x, wt, b, in, out, op, r0, o0, mr, 1, ln, relu); break;    \
    case 2: SFX(fwr_tile)(y, x, wt, b, in, out, op, r0, o0, mr, 2, ln, relu); break;    \
    case 3: SFX(fwr_tile)(y, x, wt, b, in, out, op, r0, o0, mr, 3, ln, relu); break;    \
    default: SFX(fwr_tile)(y, x, wt, b, in, out, op, r0, o0, mr, R_NV, ln, relu); break; \
    }

static void SFX(fwr_any)(float *y, const float *x, const float *wt, const float *b, size_t in,
                         size_t out, size_t op, size_t r0, size_t o0, int mr, int nv,
                         size_t ln, int relu)
{
    switch (mr) {
    case 1: FWR_NV(1) break;
    case 2: FWR_NV(2) break;
    case 3: FWR_NV(3) break;
#if R_MR > 4
    case 4: FWR_NV(4) break;
    case 5: FWR_NV(5) break;
#endif
    default: FWR_NV(R_MR) break;
    }
}

/* W^T into wt (in, op), then balanced tiles: vectors of outputs by at most R_NV (outer,
 * so their slice of W^T stays in cache), rows by at most R_MR. */
static void SFX(fwd_by_rows)(float *y, const float *x, const float *W, const float *b,
                             size_t B, size_t in, size_t out, int relu, float *wt)
{
    const size_t nvec = (out + VW - 1) / VW, op = nvec * VW;
    for (size_t k = 0; k < in; k++) {
        float *d = wt + k * op;
        for (size_t o = 0; o < out; o++)
            d[o] = W[o * in + k];
        for (size_t o = out; o < op; o++)
            d[o] = 0.0f;
    }
    const size_t to = SFX(part_count)(nvec, R_NV), tr = SFX(part_count)(B, R_MR);
    for (size_t io = 0, ov = 0; io < to; io++) {
        const int nv = (int)SFX(part_size)(nvec, to, io);
        const size_t o0 = ov * VW;
        const size_t left = out - (o0 + (size_t)(nv - 1) * VW);  // lanes of the last vector
        const size_t ln = left < VW ? left : VW;
        for (size_t ir = 0, r0 = 0; ir < tr; ir++) {
            const int mr = (int)SFX(part_size)(B, tr, ir);
            SFX(fwr_any)(y, x, wt, b, in, out, op, r0, o0, mr, nv, ln, relu);
            r0 += (size_t)mr;
        }
        ov += (size_t)nv;
    }
}

void SFX(gg_linear_forward)(float *y, const float *x, const float *W, const float *b,
                            size_t B, size_t in, size_t out, int relu, float *xt, int xt_ready,
                            float *yt)
{
    if (!xt_ready && !yt && GG_LINEAR_BY_ROWS(B, out)) {
        SFX(fwd_by_rows)(y, x, W, b, B, in, out, relu, xt);
        return;
    }
    const size_t Bp = (B + VW - 1) / VW * VW;
    for (size_t k = 0; !xt_ready && k < in; k++) {  // xt (in, Bp) = x^T, rows past B zero
        float *d = xt + k * Bp;
        for (size_t r = 0; r < B; r++)
            d[r] = x[r * in + k];
        for (size_t r = B; r < Bp; r++)
            d[r] = 0.0f;
    }
    size_t rb = 0;
    for (; rb + 2 * VW <= Bp; rb += 2 * VW)
        SFX(fwd_rows)(y, xt, W, b, B, Bp, in, out, rb, 2, relu, yt);
    for (; rb < Bp; rb += VW)
        SFX(fwd_rows)(y, xt, W, b, B, Bp, in, out, rb, 1, relu, yt);
}

/* ---- backward ---- */

/* dx rows r0 .. r0+mr-1, columns k0 .. k0 + (nv-1)*VW + ln - 1: chains over o. */
AI void SFX(dx_tile)(float *dx, const float *restrict dy, const float *restrict W,
                     const float *mask, size_t in, size_t out, size_t r0, size_t k0,
                     const int mr, const int nv, size_t ln)
{
    vf acc[B_MR][B_NV];
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++)
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[q][v] = V_ZERO();
    const float *wp = W + k0;
    const float *dp = dy + r0 * out;
    for (size_t o = 0; o < out; o++, wp += in) {
        vf wv[B_NV];
#pragma GCC unroll 8
        for (int v = 0; v < nv - 1; v++)
            wv[v] = V_LOAD(wp + v * VW);
        wv[nv - 1] = V_LOADN(wp + (nv - 1) * VW, ln);
#pragma GCC unroll 8
        for (int q = 0; q < mr; q++) {
            vf d = V_SET1(dp[(size_t)q * out + o]);
#pragma GCC unroll 8
            for (int v = 0; v < nv; v++)
                acc[q][v] = V_FMA(d, wv[v], acc[q][v]);
        }
    }
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++)
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++) {
            const size_t at = (r0 + q) * in + k0 + (size_t)v * VW;
            const size_t n = v == nv - 1 ? ln : VW;
            vf a = acc[q][v];
            if (mask)
                a = V_MASKPOS(a, V_LOADN(mask + at, n));
            if (n == VW)
                V_STORE(dx + at, a);
            else
                V_STOREN(dx + at, a, n);
        }
}

/* dW rows o0 .. o0+mr-1, columns as dx_tile: chains over r from the old value. */
AI void SFX(dw_tile)(float *restrict dW, const float *restrict dy, const float *restrict x,
                     size_t B, size_t in, size_t out, size_t o0, size_t k0, const int mr,
                     const int nv, size_t ln)
{
    vf acc[B_MR][B_NV];
#pragma GCC unroll 8
    for (int j = 0; j < mr; j++)
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[j][v] = V_LOADN(dW + (o0 + j) * in + k0 + (size_t)v * VW, v == nv - 1 ? ln : VW);
    const float *xp = x + k0;
    const float *dp = dy + o0;
    for (size_t r = 0; r < B; r++, xp += in, dp += out) {
        vf xv[B_NV];
#pragma GCC unroll 8
        for (int v = 0; v < nv - 1; v++)
            xv[v] = V_LOAD(xp + v * VW);
        xv[nv - 1] = V_LOADN(xp + (nv - 1) * VW, ln);
#pragma GCC unroll 8
        for (int j = 0; j < mr; j++) {
            vf d = V_SET1(dp[j]);
#pragma GCC unroll 8
            for (int v = 0; v < nv; v++)
                acc[j][v] = V_FMA(d, xv[v], acc[j][v]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < mr; j++)
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++) {
            float *dst = dW + (o0 + j) * in + k0 + (size_t)v * VW;
            if (v < nv - 1 || ln == VW)
                V_STORE(dst, acc[j][v]);
            else
                V_STOREN(dst, acc[j][v], ln);
        }
}

/* One tile of mr (1..B_MR, a constant after the switch) by nv (1..B_NV) vectors. */
#define TILE_NV(T, mr, ...)                                                             \
    switch (nv) {                                                                       \
    case 1: T(__VA_ARGS__, mr, 1, ln); break;                                           \
    case 2: T(__VA_ARGS__, mr, 2, ln); break;                                           \
    case 3: T(__VA_ARGS__, mr, 3, ln); break;                                           \
    default: T(__VA_ARGS__, mr, B_NV, ln); break;                                       \
    }
#if B_MR == 6
#define TILE_MORE(T, ...)                                                               \
    case 4: TILE_NV(T, 4, __VA_ARGS__) break;                                           \
    case 5: TILE_NV(T, 5, __VA_ARGS__) break;
#else
#define TILE_MORE(T, ...)
#endif
#define TILE(T, ...)                                                                    \
    switch (mr) {                                                                       \
    case 1: TILE_NV(T, 1, __VA_ARGS__) break;                                           \
    case 2: TILE_NV(T, 2, __VA_ARGS__) break;                                           \
    case 3: TILE_NV(T, 3, __VA_ARGS__) break;                                           \
    TILE_MORE(T, __VA_ARGS__)                                                           \
    default: TILE_NV(T, B_MR, __VA_ARGS__) break;                                       \
    }

static void SFX(dx_any)(float *dx, const float *dy, const float *W, const float *mask,
                        size_t in, size_t out, size_t r0, size_t k0, int mr, int nv, size_t ln)
{
    TILE(SFX(dx_tile), dx, dy, W, mask, in, out, r0, k0)
}

static void SFX(dw_any)(float *dW, const float *dy, const float *x, size_t B, size_t in,
                        size_t out, size_t o0, size_t k0, int mr, int nv, size_t ln)
{
    TILE(SFX(dw_tile), dW, dy, x, B, in, out, o0, k0)
}

void SFX(gg_linear_backward)(float *dx, float *dW, float *db, const float *dy, const float *x,
                             const float *W, const float *mask, size_t B, size_t in, size_t out)
{
    // db: chains over r, vectors over o; wider layers DB_NV vectors side by side
    // (independent chains, the same sums).
    for (size_t o0 = 0; out <= VW && o0 < out; o0 += VW) {
        const size_t n = out - o0 < VW ? out - o0 : VW;
        vf s = V_LOADN(db + o0, n);
        for (size_t r = 0; r < B; r++)
            s = V_ADD(s, V_LOADN(dy + r * out + o0, n));
        V_STOREN(db + o0, s, n);
    }
    for (size_t o0 = 0; out > VW && o0 < out; o0 += DB_NV * VW) {
        const size_t w = out - o0 < DB_NV * VW ? out - o0 : DB_NV * VW;
        const size_t nv = (w + VW - 1) / VW, ln = w - (nv - 1) * VW;
        vf s[DB_NV];
        for (size_t v = 0; v < nv; v++)
            s[v] = V_LOADN(db + o0 + v * VW, v + 1 < nv ? VW : ln);
        if (nv == DB_NV && ln == VW)
            for (size_t r = 0; r < B; r++) {
                const float *d = dy + r * out + o0;
#pragma GCC unroll 8
                for (size_t v = 0; v < DB_NV; v++)
                    s[v] = V_ADD(s[v], V_LOAD(d + v * VW));
            }
        else
            for (size_t r = 0; r < B; r++)
                for (size_t v = 0; v < nv; v++)
                    s[v] = V_ADD(s[v], V_LOADN(dy + r * out + o0 + v * VW, v + 1 < nv ? VW : ln));
        for (size_t v = 0; v < nv; v++)
            V_STOREN(db + o0 + v * VW, s[v], v + 1 < nv ? VW : ln);
    }
    // Balanced tiles: vectors of k by at most B_NV, outputs (dW) or rows (dx) by at most B_MR.
    const size_t nvec = (in + VW - 1) / VW, tk = SFX(part_count)(nvec, B_NV);
    const size_t to = SFX(part_count)(out, B_MR), tr = SFX(part_count)(B, B_MR);
    for (size_t ik = 0, kv = 0; ik < tk; ik++) {
        const int nv = (int)SFX(part_size)(nvec, tk, ik);
        const size_t k0 = kv * VW;
        const size_t left = in - (k0 + (size_t)(nv - 1) * VW);  // lanes of the tile's last vector
        const size_t ln = left < VW ? left : VW;
        // dW: blocks of DW_ROWS rows (their x and dy stay in cache across the tiles of
        // outputs); each tile's chains continue from the block before through dW.
        for (size_t r0 = 0; r0 < B; r0 += DW_ROWS) {
            const size_t nr = B - r0 < DW_ROWS ? B - r0 : DW_ROWS;
            for (size_t io = 0, o0 = 0; io < to; io++) {
                const int mr = (int)SFX(part_size)(out, to, io);
                SFX(dw_any)(dW, dy + r0 * out, x + r0 * in, nr, in, out, o0, k0, mr, nv, ln);
                o0 += (size_t)mr;
            }
        }
        for (size_t ir = 0, r0 = 0; dx && ir < tr; ir++) {
            const int mr = (int)SFX(part_size)(B, tr, ir);
            SFX(dx_any)(dx, dy, W, mask, in, out, r0, k0, mr, nv, ln);
            r0 += (size_t)mr;
        }
        kv += (size_t)nv;
    }
}

#undef AI
#undef B_MR
#undef R_MR
#undef DB_NV
#undef DW_ROWS
#undef R_NV
#undef FWR_NV
#undef FWD_CASE
#undef TILE_NV
#undef TILE
#undef TILE_MORE
