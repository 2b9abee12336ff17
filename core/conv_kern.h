/* core/conv_kern.h — the convolution kernels (conv.h: gg_conv_gemm_*, gg_conv_dw_*) for one
 * vector width, included by conv_avx2.c and conv_avx512.c (never on its own). They compute
 * exactly the fma sequences of the portable gg_conv_gemm_generic and gg_conv_dw_generic
 * (conv.c): vectors run over an index that is not summed, so each lane is one sequential
 * chain and the vector width cannot change a bit. The including file defines the macros
 * linear_kern.h documents (VW, vf, V_LOAD, V_LOADN, V_STORE, V_STOREN, V_SET1, V_ZERO,
 * V_ADD, V_FMA, SFX) and
 *   GM_NV       most row vectors per GEMM tile (2 or 3);  GM_MR(nv)  most outputs per tile
 *   GM_TILES_nv the GEMM's switch cases GM_CASE(1, nv) .. GM_CASE(GM_MR(nv), nv)
 *   DW_NV       most output vectors per dW tile (2 or 4); DW_MR(nv)  most k per tile
 *   DW_TILES_nv the dW switch cases DW_CASE(1, nv) .. DW_CASE(DW_MR(nv), nv)
 *   GM_MRMAX, DW_MRMAX  the largest GM_MR(nv), DW_MR(nv)
 * (the cases written with the CASES_4/8/12/16 helpers below). Tile shapes keep the
 * accumulators, the loaded operands and one broadcast in the register file. */

#define AI static inline __attribute__((always_inline))
#define DW_RB 128  // dW rows per block: the block of dy stays in L1 while every tile reads it

static inline size_t SFX(off_at)(const float *tab, size_t i)
{
    uint32_t u;
    memcpy(&u, tab + i, sizeof u);
    return u;
}

/* Tile sizes that split n into ceil(n/max) nearly equal parts (as linear_kern.h). */
static inline size_t SFX(parts)(size_t n, size_t max)
{
    return (n + max - 1) / max;
}

static inline size_t SFX(part)(size_t n, size_t t, size_t i)
{
    return n / t + (i < n % t);
}

#define CASES_4(C, nv) C(1, nv) C(2, nv) C(3, nv) C(4, nv)
#define CASES_8(C, nv) CASES_4(C, nv) C(5, nv) C(6, nv) C(7, nv) C(8, nv)
#define CASES_12(C, nv) CASES_8(C, nv) C(9, nv) C(10, nv) C(11, nv) C(12, nv)
#define CASES_16(C, nv) CASES_12(C, nv) C(13, nv) C(14, nv) C(15, nv) C(16, nv)

/* ---- GEMM: yt tiles of mr outputs by nv*VW virtual rows ---- */

AI void SFX(gm_tile)(float *restrict yt, size_t ldy, const float *restrict src,
                     const float *restrict off, const float *restrict W,
                     const float *restrict b, size_t in, size_t rb, size_t o0, const int mr,
                     const int nv)
{
    vf acc[GM_MRMAX][GM_NV];
#pragma GCC unroll 16
    for (int j = 0; j < mr; j++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            acc[j][v] = V_ZERO();
    const float *w = W + o0 * in;
    for (size_t k = 0; k < in; k++) {
        const float *xp = src + SFX(off_at)(off, k) + rb;
        vf xv[GM_NV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            xv[v] = V_LOAD(xp + (size_t)v * VW);
#pragma GCC unroll 16
        for (int j = 0; j < mr; j++) {
            vf wj = V_SET1(w[(size_t)j * in + k]);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[j][v] = V_FMA(wj, xv[v], acc[j][v]);
        }
    }
#pragma GCC unroll 16
    for (int j = 0; j < mr; j++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            vf s = b ? V_ADD(acc[j][v], V_SET1(b[o0 + (size_t)j])) : acc[j][v];
            V_STORE(yt + (o0 + (size_t)j) * ldy + rb + (size_t)v * VW, s);
        }
}

#define GM_CASE(m, nv)                                                                  \
    case m:                                                                             \
        SFX(gm_tile)(yt, ldy, src, off, W, b, in, rb, o0, m, nv);                       \
        break;

static void SFX(gm_any)(float *yt, size_t ldy, const float *src, const float *off,
                        const float *W, const float *b, size_t in, size_t rb, size_t o0,
                        int mr, int nv)
{
    switch (nv) {
    case 1:
        switch (mr) { GM_TILES_1 default: break; }
        break;
    case 2:
        switch (mr) { GM_TILES_2 default: break; }
        break;
#if GM_NV > 2
    case 3:
        switch (mr) { GM_TILES_3 default: break; }
        break;
#endif
    default:
        break;
    }
}

/* All outputs for the virtual rows rb .. rb + nv*VW - 1, in balanced tiles. */
static void SFX(gm_rows)(float *yt, size_t ldy, const float *src, const float *off,
                         const float *W, const float *b, size_t in, size_t out, size_t rb,
                         int nv)
{
    const size_t mrmax = nv == 1 ? GM_MR(1) : nv == 2 ? GM_MR(2) : GM_MR(3);
    const size_t t = SFX(parts)(out, mrmax);
    for (size_t i = 0, o = 0; i < t; i++) {
        const int mr = (int)SFX(part)(out, t, i);
        SFX(gm_any)(yt, ldy, src, off, W, b, in, rb, o, mr, nv);
        o += (size_t)mr;
    }
}

void SFX(gg_conv_gemm)(float *yt, size_t ldy, const float *src, const float *off,
                       const float *W, const float *b, size_t V, size_t in, size_t out)
{
    // Blocks of GM_NV vectors when their balanced tiles are no taller than GM_MR(GM_NV)
    // (more rows per broadcast weight), else of 2; single vectors for the tail.
    int nvb = 2;
#if GM_NV > 2
    if (out / SFX(parts)(out, GM_MR(2)) + (out % SFX(parts)(out, GM_MR(2)) != 0) <= GM_MR(3))
        nvb = 3;
#endif
    const size_t Vp = (V + VW - 1) / VW * VW, step = (size_t)nvb * VW;
    size_t rb = 0;
    for (; rb + step <= Vp; rb += step)
        SFX(gm_rows)(yt, ldy, src, off, W, b, in, out, rb, nvb);
    for (; rb < Vp; rb += VW)
        SFX(gm_rows)(yt, ldy, src, off, W, b, in, out, rb, 1);
}

/* ---- dW: dwt tiles of mr patch values by nv output vectors, chains over the rows ---- */

/* Rows q0*cols .. q1*cols - 1: runs q = (sample j, row u) of `cols` rows each, at virtual
 * rows j*plane + u*width + c of the planes. */
AI void SFX(dw_tile)(float *restrict dwt, size_t ld, const float *restrict dyr,
                     const float *restrict src, const float *restrict off, size_t rows,
                     size_t cols, size_t plane, size_t width, size_t q0, size_t q1,
                     size_t k0, size_t o0, const int mr, const int nv)
{
    vf acc[DW_MRMAX][DW_NV];
    size_t po[DW_MRMAX];
#pragma GCC unroll 16
    for (int j = 0; j < mr; j++) {
        po[j] = SFX(off_at)(off, k0 + (size_t)j);
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            acc[j][v] = V_LOAD(dwt + (k0 + (size_t)j) * ld + o0 + (size_t)v * VW);
    }
    const float *d = dyr + q0 * cols * ld + o0;
    size_t js = q0 / rows, u = q0 % rows;
    for (size_t q = q0; q < q1; q++) {
        const float *p = src + js * plane + u * width;
        for (size_t c = 0; c < cols; c++, d += ld) {
            vf dv[DW_NV];
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                dv[v] = V_LOAD(d + (size_t)v * VW);
#pragma GCC unroll 16
            for (int j = 0; j < mr; j++) {
                vf pj = V_SET1(p[po[j] + c]);
#pragma GCC unroll 4
                for (int v = 0; v < nv; v++)
                    acc[j][v] = V_FMA(dv[v], pj, acc[j][v]);
            }
        }
        if (++u == rows) {
            u = 0;
            js++;
        }
    }
#pragma GCC unroll 16
    for (int j = 0; j < mr; j++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            V_STORE(dwt + (k0 + (size_t)j) * ld + o0 + (size_t)v * VW, acc[j][v]);
}

#define DW_CASE(m, nv)                                                                  \
    case m:                                                                             \
        SFX(dw_tile)(dwt, ld, dyr, src, off, rows, cols, plane, width, q0, q1, k0, o0, m, nv); \
        break;

static void SFX(dw_any)(float *dwt, size_t ld, const float *dyr, const float *src,
                        const float *off, size_t rows, size_t cols, size_t plane,
                        size_t width, size_t q0, size_t q1, size_t k0, size_t o0, int mr,
                        int nv)
{
    switch (nv) {
    case 1:
        switch (mr) { DW_TILES_1 default: break; }
        break;
    case 2:
        switch (mr) { DW_TILES_2 default: break; }
        break;
#if DW_NV > 2
    case 3:
        switch (mr) { DW_TILES_3 default: break; }
        break;
    case 4:
        switch (mr) { DW_TILES_4 default: break; }
        break;
#endif
    default:
        break;
    }
}

void SFX(gg_conv_dw)(float *dwt, float *db, const float *dyr, size_t ld, const float *src,
                     const float *off, size_t K, size_t O, size_t nb, size_t rows,
                     size_t cols, size_t plane, size_t width)
{
    const size_t R = nb * rows * cols;
    for (size_t o0 = 0; db && o0 < O; o0 += VW) {  // db: one chain per lane over r
        const size_t n = O - o0 < VW ? O - o0 : VW;
        vf s = V_LOADN(db + o0, n);
        for (size_t r = 0; r < R; r++)
            s = V_ADD(s, V_LOAD(dyr + r * ld + o0));
        V_STOREN(db + o0, s, n);
    }
    if (!dwt || K == 0)
        return;
    const size_t nvec = (O + VW - 1) / VW, to = SFX(parts)(nvec, DW_NV);
    const size_t nq = nb * rows, qb = cols >= DW_RB ? 1 : DW_RB / cols;
    for (size_t q0 = 0; q0 < nq; q0 += qb) {
        const size_t q1 = nq - q0 < qb ? nq : q0 + qb;
        for (size_t io = 0, ov = 0; io < to; io++) {
            const int nv = (int)SFX(part)(nvec, to, io);
            const size_t mrmax = nv == 1 ? DW_MR(1) : nv == 2 ? DW_MR(2) : nv == 3 ? DW_MR(3) : DW_MR(4);
            const size_t tk = SFX(parts)(K, mrmax);
            for (size_t ik = 0, k0 = 0; ik < tk; ik++) {
                const int mr = (int)SFX(part)(K, tk, ik);
                SFX(dw_any)(dwt, ld, dyr, src, off, rows, cols, plane, width, q0, q1, k0,
                            ov * VW, mr, nv);
                k0 += (size_t)mr;
            }
            ov += (size_t)nv;
        }
    }
}

#undef AI
#undef DW_RB
#undef CASES_4
#undef CASES_8
#undef CASES_12
#undef CASES_16
#undef GM_CASE
#undef DW_CASE
