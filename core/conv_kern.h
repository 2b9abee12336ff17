/* core/conv_kern.h — the conv dW/db kernel (conv.h, gg_conv_dw_*) for one vector width,
 * included by conv_avx2.c and conv_avx512.c (never on its own), with the macros
 * linear_kern.h documents (VW, vf, V_LOAD, V_LOADN, V_STORE, V_STOREN, V_SET1, V_ADD,
 * V_FMA, SFX) plus
 *   DW_NV       most output vectors per tile (2 or 4)
 *   DW_MR(nv)   most patch values k per tile with nv output vectors (a constant)
 *   DW_TILES_nv the switch cases DW_CASE(1, nv) .. DW_CASE(DW_MR(nv), nv), for nv <= DW_NV
 *               (written with DW_CASES_4/8/12/16(nv) below)
 * Vectors run over the outputs o (not summed): each lane of a tile's accumulator is one
 * dW^T[k,o] chain over the rows r in order, as the portable gg_conv_dw_generic. Rows are
 * processed in blocks of DW_RB so the block of dy stays in L1 while every tile reads it;
 * the accumulators go through dwt between blocks (a store and a load are exact). */

#define AI static inline __attribute__((always_inline))
#define DW_RB 128

/* dwt rows k0 .. k0+mr-1, columns o0 .. o0 + nv*VW - 1: chains over r0 .. r1-1. */
AI void SFX(dw_tile)(float *restrict dwt, const float *restrict dyr, size_t ld,
                     const float *restrict pt, size_t Rp, size_t r0, size_t r1, size_t k0,
                     size_t o0, const int mr, const int nv)
{
    vf acc[DW_MR(1)][DW_NV];
#pragma GCC unroll 16
    for (int j = 0; j < mr; j++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            acc[j][v] = V_LOAD(dwt + (k0 + (size_t)j) * ld + o0 + (size_t)v * VW);
    const float *p = pt + k0 * Rp;
    const float *d = dyr + o0;
    for (size_t r = r0; r < r1; r++) {
        vf dv[DW_NV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            dv[v] = V_LOAD(d + r * ld + (size_t)v * VW);
#pragma GCC unroll 16
        for (int j = 0; j < mr; j++) {
            vf pj = V_SET1(p[(size_t)j * Rp + r]);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[j][v] = V_FMA(dv[v], pj, acc[j][v]);
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
        SFX(dw_tile)(dwt, dyr, ld, pt, Rp, r0, r1, k0, o0, m, nv);                      \
        break;
#define DW_CASES_4(nv) DW_CASE(1, nv) DW_CASE(2, nv) DW_CASE(3, nv) DW_CASE(4, nv)
#define DW_CASES_8(nv) DW_CASES_4(nv) DW_CASE(5, nv) DW_CASE(6, nv) DW_CASE(7, nv) DW_CASE(8, nv)
#define DW_CASES_12(nv) DW_CASES_8(nv) DW_CASE(9, nv) DW_CASE(10, nv) DW_CASE(11, nv) DW_CASE(12, nv)
#define DW_CASES_16(nv) DW_CASES_12(nv) DW_CASE(13, nv) DW_CASE(14, nv) DW_CASE(15, nv) DW_CASE(16, nv)

static void SFX(dw_any)(float *dwt, const float *dyr, size_t ld, const float *pt, size_t Rp,
                        size_t r0, size_t r1, size_t k0, size_t o0, int mr, int nv)
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

/* Tile sizes that split n into ceil(n/max) nearly equal parts (as linear_kern.h). */
static inline size_t SFX(dw_parts)(size_t n, size_t max)
{
    return (n + max - 1) / max;
}

static inline size_t SFX(dw_part)(size_t n, size_t t, size_t i)
{
    return n / t + (i < n % t);
}

void SFX(gg_conv_dw)(float *dwt, float *db, const float *dyr, size_t ld, const float *pt,
                     size_t Rp, size_t R, size_t K, size_t O)
{
    for (size_t o0 = 0; db && o0 < O; o0 += VW) {  // db: one chain per lane over r
        const size_t n = O - o0 < VW ? O - o0 : VW;
        vf s = V_LOADN(db + o0, n);
        for (size_t r = 0; r < R; r++)
            s = V_ADD(s, V_LOAD(dyr + r * ld + o0));
        V_STOREN(db + o0, s, n);
    }
    if (!dwt)
        return;
    const size_t nvec = (O + VW - 1) / VW, to = SFX(dw_parts)(nvec, DW_NV);
    for (size_t r0 = 0; r0 < R; r0 += DW_RB) {
        const size_t r1 = R - r0 < DW_RB ? R : r0 + DW_RB;
        for (size_t io = 0, ov = 0; io < to; io++) {
            const int nv = (int)SFX(dw_part)(nvec, to, io);
            const size_t mrmax = nv == 1 ? DW_MR(1) : nv == 2 ? DW_MR(2) : nv == 3 ? DW_MR(3) : DW_MR(4);
            // (DW_MR(3), DW_MR(4): any value where DW_NV is 2)
            const size_t tk = SFX(dw_parts)(K, mrmax);
            for (size_t ik = 0, k0 = 0; ik < tk; ik++) {
                const int mr = (int)SFX(dw_part)(K, tk, ik);
                SFX(dw_any)(dwt, dyr, ld, pt, Rp, r0, r1, k0, ov * VW, mr, nv);
                k0 += (size_t)mr;
            }
            ov += (size_t)nv;
        }
    }
}

#undef AI
#undef DW_RB
#undef DW_CASE
#undef DW_CASES_4
#undef DW_CASES_8
#undef DW_CASES_12
#undef DW_CASES_16
