/* core/conv.c — convolution and pooling (see conv.h for the definitions): shape checks,
 * the chunked drivers around the implicit-GEMM kernels, the portable kernels, and the
 * pools.
 *
 * Implicit GEMM. Stride sh splits the zero-padded input rows into sh phases (row
 * u*sh + a lives in phase a at row u), likewise columns; in the phase planes every patch
 * value k = (c, ky, kx) of output (oy, ox) sits at (oy + ky*dh/sh, ox + kx*dw/sw) of plane
 * (c, ky*dh%sh, kx*dw%sw). With the planes stored as rows of width Wf = ow + QB and the
 * outputs numbered v = (sample*H + oy)*Wf + ox ("virtual rows"; the columns ow .. Wf-1
 * and the last QA plane rows are computed and dropped), X[v,k] = src[off[k] + v]: a
 * constant offset per k. The GEMM kernel (gg_conv_gemm_*) then runs the Linear forward's
 * register tiles over v with an offset table instead of an im2col copy (per sample when
 * the halo rows between samples would cost more). The dx pass is the same kernel per input
 * phase over one zero-padded frame of dy shared by the phases (a transposed convolution),
 * and the dW kernel reads the forward's planes over the valid rows only.
 *
 * Chunks: a chunk is a few whole samples, or a band of output rows of one sample (input
 * phase rows for dx), sized from gg_conv_shape.chunk. Each plane region holds the
 * chunk's rows plus a zeroed tail, so the vector kernels may read a few rows past the
 * end. Offsets are stored as uint32 in float slots of the scratch (through memcpy). */
#include "conv.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd.h"

/* Scratch of one chunk: about 1 MiB of floats. */
#define CHUNK_FLOATS ((size_t)1 << 18)
/* Largest element count of any tensor or index product (indices fit int32/uint32). */
#define MAX_ELEMS ((size_t)1 << 31)

static size_t round_up(size_t n, size_t m)
{
    return (n + m - 1) / m * m;
}

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

static size_t max_sz(size_t a, size_t b)
{
    return a > b ? a : b;
}

static size_t ceil_div(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

/* ---- checks ---- */

/* a * b, or MAX_ELEMS + 1 when it exceeds MAX_ELEMS (operands may be anything). */
static size_t mul_cap(size_t a, size_t b)
{
    if (a && b > MAX_ELEMS / a)
        return MAX_ELEMS + 1;
    return a * b;
}

static size_t mul3_cap(size_t a, size_t b, size_t c)
{
    return mul_cap(mul_cap(a, b), c);
}

/* Output size along one axis, or an error when the kernel does not fit. */
static gg_status conv_axis(const char *axis, size_t in, size_t k, size_t st, size_t p0,
                           size_t p1, size_t d, size_t *out, gg_err *err)
{
    const size_t ext = d * (k - 1) + 1, padded = in + p0 + p1;
    if (ext > padded) {
        if (d == 1)
            return gg_err_set(err, GG_ESHAPE, "kernel %s %zu is larger than the padded input "
                              "%s %zu (%zu + padding %zu + %zu)", axis, k, axis, padded, in, p0, p1);
        return gg_err_set(err, GG_ESHAPE, "dilated kernel %s %zu (kernel %zu, dilation %zu) is "
                          "larger than the padded input %s %zu (%zu + padding %zu + %zu)", axis,
                          ext, k, d, axis, padded, in, p0, p1);
    }
    *out = (padded - ext) / st + 1;
    return GG_OK;
}

/* Output positions per chunk keeping the forward's planes and outputs near CHUNK_FLOATS. */
static size_t auto_chunk(const gg_conv_shape *s)
{
    const size_t Cg = s->cin / s->groups, Og = s->cout / s->groups;
    const size_t QA = (s->kh - 1) * s->dh / s->sh, QB = (s->kw - 1) * s->dw / s->sw;
    // Floats per output row of ow positions: Cg*sh*sw phase rows of the input, one row of
    // outputs per channel (virtual width ow + QB), dy rows for dW; the halo rows of a plane
    // are spread over its oh rows.
    const size_t width = s->ow + QB;
    const size_t per_row = (Cg * s->sh * s->sw + Og) * width * (s->oh + QA) / s->oh +
                           s->ow * round_up(Og, 16);
    const size_t rows = max_sz(1, CHUNK_FLOATS / max_sz(per_row, 1));
    return rows * s->ow;
}

gg_status gg_conv_check(gg_conv_shape *s, gg_err *err)
{
    if (s->groups < 1)
        return gg_err_set(err, GG_EINVAL, "groups must be >= 1, got %zu", s->groups);
    if (s->cin < 1)
        return gg_err_set(err, GG_EINVAL, "in_channels must be >= 1, got %zu", s->cin);
    if (s->cout < 1)
        return gg_err_set(err, GG_EINVAL, "out_channels must be >= 1, got %zu", s->cout);
    if (s->cin % s->groups)
        return gg_err_set(err, GG_EINVAL, "in_channels %zu is not divisible by groups %zu",
                          s->cin, s->groups);
    if (s->cout % s->groups)
        return gg_err_set(err, GG_EINVAL, "out_channels %zu is not divisible by groups %zu",
                          s->cout, s->groups);
    const struct {
        const char *name;
        size_t v;
    } pos[] = {{"input height ih", s->ih}, {"input width iw", s->iw}, {"kernel height kh", s->kh},
               {"kernel width kw", s->kw}, {"stride sh", s->sh},      {"stride sw", s->sw},
               {"dilation dh", s->dh},     {"dilation dw", s->dw}};
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
        if (pos[i].v < 1)
            return gg_err_set(err, GG_EINVAL, "%s must be >= 1, got %zu", pos[i].name, pos[i].v);
    const struct {
        const char *name;
        size_t v;
    } lim[] = {{"in_channels", s->cin},  {"out_channels", s->cout}, {"input height ih", s->ih},
               {"input width iw", s->iw}, {"kernel height kh", s->kh}, {"kernel width kw", s->kw},
               {"stride sh", s->sh},      {"stride sw", s->sw},      {"padding ph0", s->ph0},
               {"padding ph1", s->ph1},   {"padding pw0", s->pw0},   {"padding pw1", s->pw1},
               {"dilation dh", s->dh},    {"dilation dw", s->dw}};
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
        if (lim[i].v > MAX_ELEMS)
            return gg_err_set(err, GG_ENOMEM, "%s %zu is too large (limit 2^31)", lim[i].name,
                              lim[i].v);
    gg_status st = conv_axis("height", s->ih, s->kh, s->sh, s->ph0, s->ph1, s->dh, &s->oh, err);
    if (st == GG_OK)
        st = conv_axis("width", s->iw, s->kw, s->sw, s->pw0, s->pw1, s->dw, &s->ow, err);
    if (st != GG_OK)
        return st;
    // Every per-sample buffer, plane (padded and split into phases) and weight stays below
    // 2^31 elements, so offsets and indices fit 32 bits.
    const size_t Kg = mul3_cap(s->cin / s->groups, s->kh, s->kw);
    const size_t ph = mul_cap(s->oh + (s->kh - 1) * s->dh / s->sh + 1, s->ow + s->kw * s->dw / s->sw + 1);
    const size_t pd = mul_cap(s->ih / s->sh + (s->kh - 1) * s->dh / s->sh + 2,
                              s->iw / s->sw + (s->kw - 1) * s->dw / s->sw + 2);
    if (mul3_cap(s->cin, s->ih, s->iw) > MAX_ELEMS || mul3_cap(s->cout, s->oh, s->ow) > MAX_ELEMS ||
        mul_cap(s->cout, Kg) > MAX_ELEMS || mul3_cap(ph, s->sh * s->sw, s->cin) > MAX_ELEMS / 4 ||
        mul3_cap(pd, s->sh * s->sw, s->cout) > MAX_ELEMS / 4)
        return gg_err_set(err, GG_ENOMEM, "convolution %zux%zux%zu -> %zux%zux%zu with kernel "
                          "%zux%zu is too large (a per-sample size exceeds 2^31 elements)",
                          s->cin, s->ih, s->iw, s->cout, s->oh, s->ow, s->kh, s->kw);
    if (s->chunk == 0)
        s->chunk = auto_chunk(s);
    if (err) {
        err->code = GG_OK;
        err->msg[0] = '\0';
    }
    return GG_OK;
}

/* ---- the plan of a call: geometry, chunks and scratch offsets ---- */

/* The input phase a of one axis in the dx pass: rows iy = u*st + a - p0 for u in
 * [u0, u0 + n) (n may be 0), and its taps t with t*d = a (mod st). */
static void axis_phase(size_t a, size_t st, size_t p0, size_t in, size_t k, size_t d,
                       size_t *u0, size_t *n, size_t *nt)
{
    const size_t lo = p0 >= a ? ceil_div(p0 - a, st) : 0;
    const size_t hi = in + p0 > a ? ceil_div(in + p0 - a, st) : 0;
    *u0 = lo;
    *n = hi > lo ? hi - lo : 0;
    if (!nt)  // taps not wanted
        return;
    *nt = 0;
    for (size_t t = 0; t < k; t++)
        *nt += t * d % st == a;
}

typedef struct plan {
    size_t G, Cg, Og, Kg, P;  /* groups, channels per group, patch length, positions */
    size_t QA, QB;            /* plane halo rows / columns: ((k-1)*d) / stride */
    size_t ld;                /* row stride of dyr and dwt: Og rounded up to 16 */
    size_t Wf;                /* forward plane width ow + QB */
    size_t nbf, bandf;        /* forward chunk: samples, output rows per sample */
    size_t regf, ldf;         /* floats per forward plane region; GEMM output row stride */
    size_t pa, pe;            /* dx phases per axis that hold input: min(stride, in + p0) */
    size_t u0, du, nu;        /* dx phase rows: smallest start, spread of starts, most rows */
    size_t v0, dv, nv;        /* the same for columns */
    size_t Wd;                /* dx plane width nv + dv + QB */
    size_t nbd, bandd;        /* dx chunk: samples, phase rows per sample */
    size_t regd, ldd;         /* floats per dx plane region; GEMM output row stride */
    size_t dwt, wt, off, src, out, dyr, total;  /* scratch offsets and size, in floats */
} plan;

/* Samples and rows per chunk for `chunk` positions, per_sample = rows*cols positions. */
static void chunk_split(size_t chunk, size_t rows, size_t cols, size_t B, size_t *nb,
                        size_t *band)
{
    const size_t per_sample = max_sz(rows * cols, 1);
    if (chunk >= per_sample) {
        *nb = max_sz(1, min_sz(B, chunk / per_sample));
        *band = rows;
    } else {
        *nb = 1;
        *band = min_sz(rows, max_sz(1, chunk / max_sz(cols, 1)));
    }
}

/* Floats of a region of nb planes of H x W and the tail the vector kernels may read past
 * the last virtual row (their last vector and the largest offset's column part). */
static size_t region(size_t nb, size_t H, size_t W, size_t extra)
{
    return round_up(nb * H * W + extra + 16, 16);
}

static void plan_make(plan *pl, const gg_conv_shape *s, size_t B)
{
    pl->G = s->groups;
    pl->Cg = s->cin / s->groups;
    pl->Og = s->cout / s->groups;
    pl->Kg = pl->Cg * s->kh * s->kw;
    pl->P = s->oh * s->ow;
    pl->QA = (s->kh - 1) * s->dh / s->sh;
    pl->QB = (s->kw - 1) * s->dw / s->sw;
    pl->ld = round_up(pl->Og, 16);
    pl->Wf = s->ow + pl->QB;
    const size_t chunk = s->chunk ? s->chunk : auto_chunk(s), Bc = max_sz(B, 1);
    chunk_split(chunk, s->oh, s->ow, Bc, &pl->nbf, &pl->bandf);
    const size_t Hf = pl->bandf + pl->QA;
    pl->regf = region(pl->nbf, Hf, pl->Wf, pl->QB);
    // (+16: gemm_samples's last call may round its sample's rows up to a vector)
    pl->ldf = round_up((pl->nbf - 1) * Hf * pl->Wf + pl->bandf * pl->Wf, 16) + 16;
    // dx: phases beyond in + p0 hold no input. Starts u0(a) fall as a grows.
    pl->pa = min_sz(s->sh, s->ih + s->ph0);
    pl->pe = min_sz(s->sw, s->iw + s->pw0);
    size_t u_hi, v_hi;
    axis_phase(0, s->sh, s->ph0, s->ih, 0, 1, &u_hi, &pl->nu, NULL);
    axis_phase(pl->pa - 1, s->sh, s->ph0, s->ih, 0, 1, &pl->u0, &pl->nu, NULL);
    pl->du = u_hi - pl->u0;
    axis_phase(0, s->sw, s->pw0, s->iw, 0, 1, &v_hi, &pl->nv, NULL);
    axis_phase(pl->pe - 1, s->sw, s->pw0, s->iw, 0, 1, &pl->v0, &pl->nv, NULL);
    pl->dv = v_hi - pl->v0;
    pl->nu = ceil_div(s->ih, s->sh);  // the most rows (columns) any phase has
    pl->nv = ceil_div(s->iw, s->sw);
    pl->Wd = pl->nv + pl->dv + pl->QB;
    chunk_split(chunk, pl->nu, pl->nv, Bc, &pl->nbd, &pl->bandd);
    const size_t Hd = pl->bandd + pl->QA + pl->du;
    pl->regd = region(pl->nbd, Hd, pl->Wd, pl->dv + pl->QB);
    pl->ldd = round_up((pl->nbd - 1) * Hd * pl->Wd + pl->bandd * pl->Wd, 16) + 16;
    const size_t nph = s->sh * s->sw;
    pl->dwt = 0;
    pl->wt = pl->dwt + pl->G * pl->Kg * pl->ld;
    pl->off = pl->wt + round_up(pl->G * pl->Kg * pl->Og, 16);
    pl->src = pl->off + round_up(max_sz(pl->Kg, pl->Og * s->kh * s->kw), 16);
    pl->out = pl->src + max_sz(pl->Cg * nph * pl->regf, pl->Og * pl->regd);
    pl->dyr = pl->out + max_sz(pl->Og * pl->ldf, pl->Cg * pl->ldd * (s->sw == 2 ? 2 : 1));
    pl->total = pl->dyr + pl->nbf * pl->bandf * s->ow * pl->ld + 15;  // (+15: align_scratch)
}

/* The scratch from its first 64-byte boundary: every region starts at a multiple of 16
 * floats from there, so the kernels' full-vector loads and stores of dyr, dwt and their
 * outputs do not straddle cache lines. */
static float *align_scratch(float *scratch)
{
    const size_t mis = (size_t)((uintptr_t)scratch / sizeof *scratch % 16);
    return scratch + (16 - mis) % 16;
}

size_t gg_conv_scratch(const gg_conv_shape *s, size_t B)
{
    plan pl;
    plan_make(&pl, s, B);
    return pl.total;
}

static void off_put(float *tab, size_t i, size_t v)
{
    const uint32_t u = (uint32_t)v;
    memcpy(tab + i, &u, sizeof u);
}

static size_t off_get(const float *tab, size_t i)
{
    uint32_t u;
    memcpy(&u, tab + i, sizeof u);
    return u;
}

/* ---- the portable kernels (the definitions; conv_kern.h vectorises them) ---- */

void gg_conv_gemm_generic(float *yt, size_t ldy, const float *src, const float *off,
                          const float *W, const float *b, size_t V, size_t in, size_t out)
{
    for (size_t o = 0; o < out; o++) {
        float *y = yt + o * ldy;
        for (size_t v = 0; v < V; v++)
            y[v] = 0.0f;
        for (size_t k = 0; k < in; k++) {  // each y[v] is one chain over k
            const float w = W[o * in + k], *x = src + off_get(off, k);
            for (size_t v = 0; v < V; v++)
                y[v] = fmaf(w, x[v], y[v]);
        }
        for (size_t v = 0; b && v < V; v++)
            y[v] = y[v] + b[o];
    }
}

void gg_conv_dw_generic(float *dwt, float *db, const float *dyr, size_t ld, const float *src,
                        const float *off, size_t K, size_t O, size_t nb, size_t rows,
                        size_t cols, size_t plane, size_t width)
{
    const size_t R = nb * rows * cols;
    for (size_t o = 0; db && o < O; o++) {
        float s = db[o];
        for (size_t r = 0; r < R; r++)
            s += dyr[r * ld + o];
        db[o] = s;
    }
    for (size_t k = 0; dwt && k < K; k++) {  // each dwt element's chain runs over r in order
        float *w = dwt + k * ld;
        const float *p = src + off_get(off, k);
        const float *d = dyr;
        for (size_t j = 0; j < nb; j++)
            for (size_t u = 0; u < rows; u++)
                for (size_t c = 0; c < cols; c++, d += ld) {
                    const float xv = p[j * plane + u * width + c];
                    for (size_t o = 0; o < O; o++)
                        w[o] = fmaf(d[o], xv, w[o]);
                }
    }
}

static int vector_path(gg_isa isa)
{
    return GG_HAVE_ISA_PATHS && (isa == GG_ISA_AVX2 || isa == GG_ISA_AVX512);
}

static void gemm(gg_isa isa, float *yt, size_t ldy, const float *src, const float *off,
                 const float *W, const float *b, size_t V, size_t in, size_t out)
{
    switch (vector_path(isa) ? isa : GG_ISA_GENERIC) {
#if GG_HAVE_ISA_PATHS
    case GG_ISA_AVX512:
        gg_conv_gemm_avx512(yt, ldy, src, off, W, b, V, in, out);
        return;
    case GG_ISA_AVX2:
        gg_conv_gemm_avx2(yt, ldy, src, off, W, b, V, in, out);
        return;
#endif
    default:
        gg_conv_gemm_generic(yt, ldy, src, off, W, b, V, in, out);
    }
}

static void dw_kernel(gg_isa isa, float *dwt, float *db, const float *dyr, size_t ld,
                      const float *src, const float *off, size_t K, size_t O, size_t nb,
                      size_t rows, size_t cols, size_t plane, size_t width)
{
    switch (vector_path(isa) ? isa : GG_ISA_GENERIC) {
#if GG_HAVE_ISA_PATHS
    case GG_ISA_AVX512:
        gg_conv_dw_avx512(dwt, db, dyr, ld, src, off, K, O, nb, rows, cols, plane, width);
        return;
    case GG_ISA_AVX2:
        gg_conv_dw_avx2(dwt, db, dyr, ld, src, off, K, O, nb, rows, cols, plane, width);
        return;
#endif
    default:
        gg_conv_dw_generic(dwt, db, dyr, ld, src, off, K, O, nb, rows, cols, plane, width);
    }
}

/* The GEMM over nb samples of planes `plane` floats apart, rows*W valid virtual rows each:
 * one call over all of them (computing each sample's halo rows too), or one per sample when
 * that computes at least 5% fewer rows and each call keeps 64 or more (fewer would leave
 * mostly single-vector tiles). Same results either way. */
static void gemm_samples(gg_isa isa, float *yt, size_t ldy, const float *src, const float *off,
                         const float *W, const float *b, size_t nb, size_t plane, size_t rows,
                         size_t width, size_t in, size_t out)
{
    const size_t one = rows * width, all = (nb - 1) * plane + one;
    if (nb > 1 && one >= 64 && 20 * nb * round_up(one, 16) <= 19 * round_up(all, 16))
        for (size_t j = 0; j < nb; j++)  // (a call may write past its sample: the next one follows)
            gemm(isa, yt + j * plane, ldy, src + j * plane, off, W, b, one, in, out);
    else
        gemm(isa, yt, ldy, src, off, W, b, all, in, out);
}

/* ---- short copies ---- */

typedef float v4f __attribute__((vector_size(16), aligned(4)));
typedef int32_t v4i __attribute__((vector_size(16)));

/* Lanes i, j, k, l of the 8 lanes of a then b (GCC's and clang's spellings). */
#if defined(__clang__)
#define SHUFFLE4(a, b, i, j, k, l) __builtin_shufflevector((a), (b), i, j, k, l)
#else
#define SHUFFLE4(a, b, i, j, k, l) __builtin_shuffle((a), (b), (v4i){i, j, k, l})
#endif
typedef int32_t v8i __attribute__((vector_size(32)));
#if defined(__clang__)
#define SHUFFLE8(a, b, ...) __builtin_shufflevector((a), (b), __VA_ARGS__)
#else
#define SHUFFLE8(a, b, ...) __builtin_shuffle((a), (b), (v8i){__VA_ARGS__})
#endif

/* d[0..n) = s[0..n). The planes' rows are short (a few to a few dozen floats) and GCC turns
 * copy loops into memcpy calls that cost more than such a row, so up to 32 floats move as
 * overlapping vectors from both ends (all loads before the stores), without a loop. */
static inline void copy_floats(float *restrict d, const float *restrict s, size_t n)
{
    if (n > 32) {
        memcpy(d, s, n * sizeof *d);
    } else if (n > 16) {
        const v8f a = gg_v8_load(s), b = gg_v8_load(s + 8);
        const v8f c = gg_v8_load(s + n - 16), e = gg_v8_load(s + n - 8);
        gg_v8_store(d, a);
        gg_v8_store(d + 8, b);
        gg_v8_store(d + n - 16, c);
        gg_v8_store(d + n - 8, e);
    } else if (n >= 8) {
        const v8f a = gg_v8_load(s), b = gg_v8_load(s + n - 8);
        gg_v8_store(d, a);
        gg_v8_store(d + n - 8, b);
    } else if (n >= 4) {
        v4f a, b;
        memcpy(&a, s, sizeof a);
        memcpy(&b, s + n - 4, sizeof b);
        memcpy(d, &a, sizeof a);
        memcpy(d + n - 4, &b, sizeof b);
    } else {
        if (n > 0)
            d[0] = s[0];
        if (n > 1)
            d[1] = s[1];
        if (n > 2)
            d[2] = s[2];
    }
}

/* d[0..n) = 0, as copy_floats. */
static inline void zero_floats(float *d, size_t n)
{
    const v8f z = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    if (n > 32) {
        memset(d, 0, n * sizeof *d);
    } else if (n > 16) {
        gg_v8_store(d, z);
        gg_v8_store(d + 8, z);
        gg_v8_store(d + n - 16, z);
        gg_v8_store(d + n - 8, z);
    } else if (n >= 8) {
        gg_v8_store(d, z);
        gg_v8_store(d + n - 8, z);
    } else if (n >= 4) {
        const v4f z4 = {0.0f, 0.0f, 0.0f, 0.0f};
        memcpy(d, &z4, sizeof z4);
        memcpy(d + n - 4, &z4, sizeof z4);
    } else {
        if (n > 0)
            d[0] = 0.0f;
        if (n > 1)
            d[1] = 0.0f;
        if (n > 2)
            d[2] = 0.0f;
    }
}

/* ---- planes ---- */

/* The columns v of a plane row of width W that read a source row of n: v*st + c0 in
 * [0, n) for v in [*a, *e). */
static void plane_cols(size_t W, size_t n, size_t st, ptrdiff_t c0, size_t *a, size_t *e)
{
    size_t lo = c0 >= 0 ? 0 : ceil_div((size_t)(-c0), st);
    size_t hi = (ptrdiff_t)n - c0 > 0 ? ceil_div((size_t)((ptrdiff_t)n - c0), st) : 0;
    hi = min_sz(hi, W);
    *a = min_sz(lo, hi);
    *e = hi;
}

/* One plane row: d[v] = xr[v*st + c0] for v in [a, e), 0 elsewhere in [0, W); xr == NULL:
 * all zero (a row of padding). */
static void plane_row(float *restrict d, size_t W, const float *restrict xr, size_t st,
                      ptrdiff_t c0, size_t a, size_t e)
{
    if (!xr || a >= e) {
        zero_floats(d, W);
        return;
    }
    zero_floats(d, a);
    if (st == 1) {
        copy_floats(d + a, xr + (ptrdiff_t)a + c0, e - a);
    } else {
        const float *xs = xr + (ptrdiff_t)(a * st) + c0;
        for (size_t v = 0; v < e - a; v++)
            d[a + v] = xs[v * st];
    }
    zero_floats(d + e, W - e);
}

/* Row u of the column phases e = 0 .. sw-1 of one plane row set, from input row xr (NULL:
 * padding): d + e*regf gets xr[v*sw + e - pw0] where that is inside the row, 0 elsewhere in
 * [0, W). Stride 1 copies (va, ve: the columns that read the row). Stride 2 splits the row
 * into its even and odd columns, 4 pairs per step: x[2t] is column t + pw0/2 of phase
 * pw0 % 2, x[2t + 1] column t + (pw0 + 1 - e)/2 of the other phase e; then the columns no
 * input lands on are zeroed. Its stores may run past W (at most 8 floats): into the next
 * row or the region's tail, which are written after. Larger strides go column by column. */
static inline __attribute__((always_inline)) void phase_rows(float *restrict d, size_t regf, size_t W, const float *restrict xr,
                       const gg_conv_shape *s, size_t va, size_t ve)
{
    const size_t sw = s->sw;
    if (!xr) {
        for (size_t e = 0; e < sw; e++)
            zero_floats(d + e * regf, W);
    } else if (sw == 1) {
        zero_floats(d, va);
        copy_floats(d + va, xr + (ptrdiff_t)va - (ptrdiff_t)s->pw0, ve - va);
        zero_floats(d + ve, W - ve);
    } else if (sw == 2) {
        const size_t ee = s->pw0 & 1, eo = ee ^ 1;  // the phases of the even and odd inputs
        float *de = d + ee * regf + s->pw0 / 2, *dd = d + eo * regf + (s->pw0 + 1 - eo) / 2;
        const size_t np = s->iw / 2, ne = s->iw - np;  // pairs; even inputs
        size_t t = 0;
        for (; np >= 8 && t < np; t += 8) {  // 8 pairs a step (one AVX register of each)
            const size_t q = t + 8 <= np ? t : np - 8;
            const v8f lo = gg_v8_load(xr + 2 * q), hi = gg_v8_load(xr + 2 * q + 8);
            gg_v8_store(de + q, SHUFFLE8(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14));
            gg_v8_store(dd + q, SHUFFLE8(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15));
        }
        for (; np >= 4 && t < np; t += 4) {
            const size_t q = t + 4 <= np ? t : np - 4;  // a last step overlapping the previous
            v4f lo, hi;
            memcpy(&lo, xr + 2 * q, sizeof lo);
            memcpy(&hi, xr + 2 * q + 4, sizeof hi);
            const v4f ev = SHUFFLE4(lo, hi, 0, 2, 4, 6);
            const v4f od = SHUFFLE4(lo, hi, 1, 3, 5, 7);
            memcpy(de + q, &ev, sizeof ev);
            memcpy(dd + q, &od, sizeof od);
        }
        for (t = np >= 4 ? np : 0; t < np; t++) {
            de[t] = xr[2 * t];
            dd[t] = xr[2 * t + 1];
        }
        if (ne > np)
            de[np] = xr[2 * np];
        // Columns before the first and after the last input of each phase: padding.
        const size_t ce = s->pw0 / 2, co = (s->pw0 + 1 - eo) / 2;
        zero_floats(d + ee * regf, min_sz(ce, W));
        if (ce + ne < W)
            zero_floats(d + ee * regf + ce + ne, W - ce - ne);
        zero_floats(d + eo * regf, min_sz(co, W));
        if (co + np < W)
            zero_floats(d + eo * regf + co + np, W - co - np);
    } else {
        for (size_t e = 0; e < sw; e++) {
            size_t a, f;
            plane_cols(W, s->iw, sw, (ptrdiff_t)e - (ptrdiff_t)s->pw0, &a, &f);
            plane_row(d + e * regf, W, xr, sw, (ptrdiff_t)e - (ptrdiff_t)s->pw0, a, f);
        }
    }
}

/* Whether some tap t < k of dilation d reads phase a of stride st: t*d = a (mod st). */
static int tap_phase(size_t k, size_t d, size_t st, size_t a)
{
    for (size_t t = 0; t < k; t++)
        if (t * d % st == a)
            return 1;
    return 0;
}

/* The forward's phase planes of group g for samples b0 .. b0+nb-1, output rows
 * oy0 .. oy0+rows-1: plane (c, a, e) row u is padded input row (oy0 + u)*sh + a, column v
 * padded column v*sw + e; rows + QA rows of Wf per sample, then a zero tail. */
GG_KERNEL static void forward_planes(float *src, const float *x, const gg_conv_shape *s, const plan *pl,
                           size_t g, size_t b0, size_t nb, size_t oy0, size_t rows)
{
    const size_t H = rows + pl->QA, W = pl->Wf, plane = H * W;
    size_t va = 0, ve = 0;
    if (s->sw == 1)
        plane_cols(W, s->iw, 1, -(ptrdiff_t)s->pw0, &va, &ve);
    for (size_t c = 0; c < pl->Cg; c++)
        for (size_t a = 0; a < s->sh; a++) {
            if (!tap_phase(s->kh, s->dh, s->sh, a))
                continue;  // no offset reads this row phase (a 1x1 kernel with stride 2)
            float *d = src + (c * s->sh + a) * s->sw * pl->regf;
            for (size_t j = 0; j < nb; j++) {
                const float *xc = x + ((b0 + j) * s->cin + g * pl->Cg + c) * s->ih * s->iw;
                ptrdiff_t iy = (ptrdiff_t)(oy0 * s->sh + a) - (ptrdiff_t)s->ph0;
                for (size_t u = 0; u < H; u++, iy += (ptrdiff_t)s->sh) {
                    const int in = iy >= 0 && iy < (ptrdiff_t)s->ih;
                    phase_rows(d + j * plane + u * W, pl->regf, W,
                               in ? xc + (size_t)iy * s->iw : NULL, s, va, ve);
                }
            }
            for (size_t e = 0; e < s->sw; e++)
                memset(d + e * pl->regf + nb * plane, 0, (pl->regf - nb * plane) * sizeof *d);
        }
}

/* The forward's offset table: X[v, k] = src[off[k] + v]. */
static void forward_offsets(float *off, const gg_conv_shape *s, const plan *pl)
{
    for (size_t ky = 0; ky < s->kh; ky++)
        for (size_t kx = 0; kx < s->kw; kx++) {
            const size_t ya = ky * s->dh, xa = kx * s->dw;
            const size_t ra = ya % s->sh, rb = xa % s->sw, qa = ya / s->sh, qb = xa / s->sw;
            for (size_t c = 0; c < pl->Cg; c++)
                off_put(off, (c * s->kh + ky) * s->kw + kx,
                        ((c * s->sh + ra) * s->sw + rb) * pl->regf + qa * pl->Wf + qb);
        }
}

/* ---- forward ---- */

void gg_conv_forward(gg_isa isa, float *y, const float *x, const float *W, const float *b,
                     float *scratch, const gg_conv_shape *s, size_t B)
{
    plan pl;
    plan_make(&pl, s, B);
    scratch = align_scratch(scratch);
    float *off = scratch + pl.off, *src = scratch + pl.src, *out = scratch + pl.out;
    forward_offsets(off, s, &pl);
    for (size_t b0 = 0; b0 < B; b0 += pl.nbf) {
        const size_t nb = min_sz(pl.nbf, B - b0);
        for (size_t oy0 = 0; oy0 < s->oh; oy0 += pl.bandf) {
            const size_t rows = min_sz(pl.bandf, s->oh - oy0), H = rows + pl.QA;
            const size_t plane = H * pl.Wf;
            for (size_t g = 0; g < pl.G; g++) {
                forward_planes(src, x, s, &pl, g, b0, nb, oy0, rows);
                gemm_samples(isa, out, pl.ldf, src, off, W + g * pl.Og * pl.Kg,
                             b ? b + g * pl.Og : NULL, nb, plane, rows, pl.Wf, pl.Kg, pl.Og);
                for (size_t o = 0; o < pl.Og; o++)
                    for (size_t j = 0; j < nb; j++) {
                        float *yr = y + ((b0 + j) * s->cout + g * pl.Og + o) * pl.P + oy0 * s->ow;
                        const float *sr = out + o * pl.ldf + j * plane;
                        for (size_t u = 0; u < rows; u++)
                            copy_floats(yr + u * s->ow, sr + u * pl.Wf, s->ow);
                    }
            }
        }
    }
}

/* ---- backward ---- */

void gg_conv_rows_generic(float *dyr, size_t ld, const float *src, size_t stride, size_t O,
                          size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += 16) {  // 16 destination rows at a time stay in L1
        const size_t i1 = min_sz(i0 + 16, n);
        for (size_t o = 0; o < O; o++)
            for (size_t i = i0; i < i1; i++)
                dyr[i * ld + o] = src[o * stride + i];
        for (size_t i = i0; i < i1; i++)
            for (size_t o = O; o < ld; o++)
                dyr[i * ld + o] = 0.0f;
    }
}

/* dyr (nb*rows*ow, ld) = dy of group g at the chunk's positions in order (samples, rows,
 * columns); columns Og .. ld-1 zero. */
static void gather_dyr(gg_isa isa, float *dyr, const float *dy, const gg_conv_shape *s,
                       const plan *pl, size_t g, size_t b0, size_t nb, size_t oy0, size_t rows)
{
    const size_t n = rows * s->ow;
    for (size_t j = 0; j < nb; j++) {
        float *dj = dyr + j * n * pl->ld;
        const float *sj = dy + ((b0 + j) * s->cout + g * pl->Og) * pl->P + oy0 * s->ow;
        switch (vector_path(isa) ? isa : GG_ISA_GENERIC) {
#if GG_HAVE_ISA_PATHS
        case GG_ISA_AVX512:
            gg_conv_rows_avx512(dj, pl->ld, sj, pl->P, pl->Og, n);
            break;
        case GG_ISA_AVX2:
            gg_conv_rows_avx2(dj, pl->ld, sj, pl->P, pl->Og, n);
            break;
#endif
        default:
            gg_conv_rows_generic(dj, pl->ld, sj, pl->P, pl->Og, n);
        }
    }
}

/* The dx pass, input phase (a, e): rows iy = (u0 + i)*sh + a - ph0 for i < nu, columns
 * ix = (v0 + j)*sw + e - pw0 for j < nv, and nt = nty*ntx taps. */
typedef struct phase {
    size_t a, e, u0, nu, v0, nv, nty, ntx;
} phase;

static phase phase_of(const gg_conv_shape *s, size_t a, size_t e)
{
    phase ph = {a, e, 0, 0, 0, 0, 0, 0};
    axis_phase(a, s->sh, s->ph0, s->ih, s->kh, s->dh, &ph.u0, &ph.nu, &ph.nty);
    axis_phase(e, s->sw, s->pw0, s->iw, s->kw, s->dw, &ph.v0, &ph.nv, &ph.ntx);
    return ph;
}

/* The dx weights of every group and phase: block (g, phase) is (Cg, Og*nt) with
 * W'[ci, o*nt + t] = W[g*Og + o, ci, ky_t, kx_t], the phase's taps t in row-major order. */
static void dx_weights(float *wt, const float *W, const gg_conv_shape *s, const plan *pl)
{
    float *d = wt;
    const size_t kk = s->kh * s->kw;
    for (size_t g = 0; g < pl->G; g++)
        for (size_t a = 0; a < pl->pa; a++)
            for (size_t e = 0; e < pl->pe; e++) {
                const phase ph = phase_of(s, a, e);
                const size_t nt = ph.nty * ph.ntx, in = pl->Og * nt;
                size_t t = 0;
                for (size_t ky = 0; ky < s->kh; ky++) {
                    if (ky * s->dh % s->sh != a)
                        continue;
                    for (size_t kx = 0; kx < s->kw; kx++) {
                        if (kx * s->dw % s->sw != e)
                            continue;
                        for (size_t ci = 0; ci < pl->Cg; ci++)
                            for (size_t o = 0; o < pl->Og; o++)
                                d[ci * in + o * nt + t] =
                                    W[((g * pl->Og + o) * pl->Cg + ci) * kk + ky * s->kw + kx];
                        t++;
                    }
                }
                d += pl->Cg * in;
            }
}

/* The dx offsets of phase ph, at off: term (o, t) of virtual row v (phase row i, column j)
 * is dy row u0 + i - qy, column v0 + j - qx (qy = (ky*dh - a)/sh, qx likewise), which the
 * shared dy planes (dx_planes) hold at v + (u0 - pl.u0 + QA - qy)*Wd + (v0 - pl.v0 + QB - qx). */
static void dx_offsets(float *off, const gg_conv_shape *s, const plan *pl, const phase *ph)
{
    const size_t nt = ph->nty * ph->ntx;
    size_t t = 0;
    for (size_t ky = 0; ky < s->kh; ky++) {
        if (ky * s->dh % s->sh != ph->a)
            continue;
        for (size_t kx = 0; kx < s->kw; kx++) {
            if (kx * s->dw % s->sw != ph->e)
                continue;
            const size_t qy = (ky * s->dh - ph->a) / s->sh, qx = (kx * s->dw - ph->e) / s->sw;
            const size_t base = (ph->u0 - pl->u0 + pl->QA - qy) * pl->Wd + (ph->v0 - pl->v0 + pl->QB - qx);
            for (size_t o = 0; o < pl->Og; o++)
                off_put(off, o * nt + t, o * pl->regd + base);
            t++;
        }
    }
}

/* The dy planes of group g, samples b0 .. b0+nb-1, for the phase rows i0 .. i0+rows-1 of
 * every phase: plane o row r is dy row pl.u0 + i0 + r - QA, column c is dy column
 * pl.v0 + c - QB (0 outside dy); rows + QA + du rows of Wd per sample, then a zero tail. */
GG_KERNEL static void dx_planes(float *src, const float *dy, const gg_conv_shape *s, const plan *pl,
                      size_t g, size_t b0, size_t nb, size_t i0, size_t rows)
{
    const size_t H = rows + pl->QA + pl->du, W = pl->Wd, plane = H * W;
    const ptrdiff_t c0 = (ptrdiff_t)pl->v0 - (ptrdiff_t)pl->QB;
    size_t va, ve;
    plane_cols(W, s->ow, 1, c0, &va, &ve);
    for (size_t o = 0; o < pl->Og; o++) {
        float *d = src + o * pl->regd;
        for (size_t j = 0; j < nb; j++) {
            const float *dc = dy + ((b0 + j) * s->cout + g * pl->Og + o) * pl->P;
            ptrdiff_t oy = (ptrdiff_t)(pl->u0 + i0) - (ptrdiff_t)pl->QA;
            for (size_t r = 0; r < H; r++, oy++) {
                const int in = oy >= 0 && oy < (ptrdiff_t)s->oh;
                plane_row(d + j * plane + r * W, W, in ? dc + (size_t)oy * s->ow : NULL, 1, c0,
                          va, ve);
            }
        }
        memset(d + nb * plane, 0, (pl->regd - nb * plane) * sizeof *d);
    }
}

/* dx = S or dx + S for the rows i0 .. i0+rows-1 of phase ph from the GEMM output
 * (Cg, ldd): S of (ci, sample j, row i, column v) at ci*ldd + j*plane + i*Wd + v. */
static void dx_store(float *dx, int acc, const float *out, const gg_conv_shape *s,
                     const plan *pl, const phase *ph, size_t g, size_t b0, size_t nb,
                     size_t i0, size_t rows, size_t plane)
{
    for (size_t ci = 0; ci < pl->Cg; ci++)
        for (size_t j = 0; j < nb; j++) {
            float *dc = dx + ((b0 + j) * s->cin + g * pl->Cg + ci) * s->ih * s->iw;
            for (size_t i = 0; i < rows; i++) {
                const size_t iy = (ph->u0 + i0 + i) * s->sh + ph->a - s->ph0;
                const float *sr = out + ci * pl->ldd + j * plane + i * pl->Wd;
                float *dr = dc + iy * s->iw + (ph->v0 * s->sw + ph->e - s->pw0);
                if (s->sw == 1 && !acc)
                    copy_floats(dr, sr, ph->nv);
                else if (s->sw == 1)
                    for (size_t v = 0; v < ph->nv; v++)
                        dr[v] += sr[v];
                else if (!acc)
                    for (size_t v = 0; v < ph->nv; v++)
                        dr[v * s->sw] = sr[v];
                else
                    for (size_t v = 0; v < ph->nv; v++)
                        dr[v * s->sw] += sr[v];
            }
        }
}

/* Stride 2 across: dx rows of phase ph[0].a from the GEMM outputs of its column phases 0
 * (out0) and 1 (out1), interleaved: column ix belongs to phase e = (ix + pw0) % 2 at
 * column (ix + pw0)/2 - v0(e) of that phase's output. */
static void dx_store_pair(float *dx, int acc, const float *out0, const float *out1,
                          const gg_conv_shape *s, const plan *pl, const phase *ph, size_t g,
                          size_t b0, size_t nb, size_t i0, size_t rows, size_t plane)
{
    const size_t first = s->pw0 & 1;  // ix = 0 belongs to phase 1 when pw0 is odd
    const size_t h = (first + s->pw0) / 2, np = (s->iw - first) / 2;
    for (size_t ci = 0; ci < pl->Cg; ci++)
        for (size_t j = 0; j < nb; j++) {
            float *dc = dx + ((b0 + j) * s->cin + g * pl->Cg + ci) * s->ih * s->iw;
            for (size_t i = 0; i < rows; i++) {
                const size_t iy = (ph[0].u0 + i0 + i) * s->sh + ph[0].a - s->ph0;
                const size_t at = ci * pl->ldd + j * plane + i * pl->Wd;
                const float *q0 = out0 + at + h - ph[0].v0, *q1 = out1 + at + h - ph[1].v0;
                float *dr = dc + iy * s->iw;
                if (first)
                    dr[0] = acc ? dr[0] + q1[-1] : q1[-1];
                float *d = dr + first;
                size_t t = 0;
                for (; t + 4 <= np; t += 4) {
                    v4f a, b;
                    memcpy(&a, q0 + t, sizeof a);
                    memcpy(&b, q1 + t, sizeof b);
                    v4f lo = SHUFFLE4(a, b, 0, 4, 1, 5);
                    v4f hi = SHUFFLE4(a, b, 2, 6, 3, 7);
                    if (acc) {
                        v4f c, e;
                        memcpy(&c, d + 2 * t, sizeof c);
                        memcpy(&e, d + 2 * t + 4, sizeof e);
                        lo = c + lo;
                        hi = e + hi;
                    }
                    memcpy(d + 2 * t, &lo, sizeof lo);
                    memcpy(d + 2 * t + 4, &hi, sizeof hi);
                }
                for (; t < np; t++) {
                    d[2 * t] = acc ? d[2 * t] + q0[t] : q0[t];
                    d[2 * t + 1] = acc ? d[2 * t + 1] + q1[t] : q1[t];
                }
                if ((s->iw - first) & 1)  // a last column of phase 0
                    d[2 * np] = acc ? d[2 * np] + q0[np] : q0[np];
            }
        }
}

void gg_conv_backward(gg_isa isa, float *dx, int acc, float *dW, float *db, const float *dy,
                      const float *x, const float *W, float *scratch, const gg_conv_shape *s,
                      size_t B)
{
    plan pl;
    plan_make(&pl, s, B);
    scratch = align_scratch(scratch);
    float *dwt = scratch + pl.dwt, *wt = scratch + pl.wt, *off = scratch + pl.off;
    float *src = scratch + pl.src, *out = scratch + pl.out, *dyr = scratch + pl.dyr;
    const size_t ld = pl.ld;
    // dW and db: chains over the rows in order, through dwt = dW^T (Kg, ld) per group.
    if (dW || db) {
        for (size_t g = 0; dW && g < pl.G; g++)
            for (size_t k = 0; k < pl.Kg; k++) {
                float *d = dwt + (g * pl.Kg + k) * ld;
                for (size_t j = 0; j < pl.Og; j++)
                    d[j] = dW[(g * pl.Og + j) * pl.Kg + k];
                zero_floats(d + pl.Og, ld - pl.Og);
            }
        forward_offsets(off, s, &pl);
        for (size_t b0 = 0; b0 < B; b0 += pl.nbf) {
            const size_t nb = min_sz(pl.nbf, B - b0);
            for (size_t oy0 = 0; oy0 < s->oh; oy0 += pl.bandf) {
                const size_t rows = min_sz(pl.bandf, s->oh - oy0), H = rows + pl.QA;
                for (size_t g = 0; g < pl.G; g++) {
                    if (dW)
                        forward_planes(src, x, s, &pl, g, b0, nb, oy0, rows);
                    gather_dyr(isa, dyr, dy, s, &pl, g, b0, nb, oy0, rows);
                    dw_kernel(isa, dW ? dwt + g * pl.Kg * ld : NULL, db ? db + g * pl.Og : NULL,
                              dyr, ld, src, off, dW ? pl.Kg : 0, pl.Og, nb, rows, s->ow,
                              H * pl.Wf, pl.Wf);
                }
            }
        }
        for (size_t g = 0; dW && g < pl.G; g++)
            for (size_t k = 0; k < pl.Kg; k++)
                for (size_t j = 0; j < pl.Og; j++)
                    dW[(g * pl.Og + j) * pl.Kg + k] = dwt[(g * pl.Kg + k) * ld + j];
    }
    if (!dx)
        return;
    // dx: per input phase, the transposed convolution as one GEMM chain per element, over
    // dy planes shared by the phases. Offsets of all phases, one after another, at off.
    dx_weights(wt, W, s, &pl);
    {
        float *o = off;
        for (size_t a = 0; a < pl.pa; a++)
            for (size_t e = 0; e < pl.pe; e++) {
                const phase ph = phase_of(s, a, e);
                dx_offsets(o, s, &pl, &ph);
                o += pl.Og * ph.nty * ph.ntx;
            }
    }
    // Stride 2 across: both column phases of a row phase, then whole dx rows interleaved.
    const int pair = s->sw == 2 && pl.pe == 2 && phase_of(s, 0, 0).nv && phase_of(s, 0, 1).nv;
    for (size_t b0 = 0; b0 < B; b0 += pl.nbd) {
        const size_t nb = min_sz(pl.nbd, B - b0);
        for (size_t i0 = 0; i0 < pl.nu; i0 += pl.bandd) {
            const size_t band = min_sz(pl.bandd, pl.nu - i0);
            const size_t plane = (band + pl.QA + pl.du) * pl.Wd;
            const float *wg = wt;
            for (size_t g = 0; g < pl.G; g++) {
                dx_planes(src, dy, s, &pl, g, b0, nb, i0, band);
                const float *op = off;
                for (size_t a = 0; a < pl.pa; a++) {
                    phase ph[2] = {{0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}};
                    for (size_t e = 0; e < pl.pe; e++) {
                        const phase p1 = phase_of(s, a, e);
                        const size_t in = pl.Og * p1.nty * p1.ntx;
                        const float *wp = wg, *offp = op;
                        wg += pl.Cg * in;
                        op += in;
                        if (pair)
                            ph[e] = p1;
                        if (p1.nu <= i0 || p1.nv == 0)
                            continue;
                        const size_t rows = min_sz(band, p1.nu - i0);
                        float *o = out + (pair ? e * pl.Cg * pl.ldd : 0);
                        gemm_samples(isa, o, pl.ldd, src, offp, wp, NULL, nb, plane, rows, pl.Wd,
                                     in, pl.Cg);
                        if (!pair)
                            dx_store(dx, acc, o, s, &pl, &p1, g, b0, nb, i0, rows, plane);
                    }
                    if (pair && ph[0].nu > i0)  // (both column phases have columns)
                        dx_store_pair(dx, acc, out, out + pl.Cg * pl.ldd, s, &pl, ph, g, b0, nb,
                                      i0, min_sz(band, ph[0].nu - i0), plane);
                }
            }
        }
    }
}

/* ---- pooling ---- */

/* PyTorch's pooling_output_shape: floor (or ceil) division, and in ceil mode no last
 * window that starts in the right padding. */
static size_t pool_out(size_t in, size_t k, size_t p, size_t st, size_t d, int ceil_mode,
                       int *ok)
{
    const ptrdiff_t num = (ptrdiff_t)(in + 2 * p) - (ptrdiff_t)(d * (k - 1)) - 1 +
                          (ceil_mode ? (ptrdiff_t)st - 1 : 0);
    ptrdiff_t o = (num >= 0 ? num / (ptrdiff_t)st : -((-num + (ptrdiff_t)st - 1) / (ptrdiff_t)st)) + 1;
    if (ceil_mode && o > 0 && (size_t)(o - 1) * st >= in + p)
        o--;
    *ok = o >= 1;
    return o >= 1 ? (size_t)o : 0;
}

gg_status gg_pool_check(gg_pool_shape *s, gg_err *err)
{
    if (s->kind != GG_POOL_MAX && s->kind != GG_POOL_AVG)
        return gg_err_set(err, GG_EINVAL, "pool kind must be max or avg, got %d", (int)s->kind);
    const struct {
        const char *name;
        size_t v;
    } pos[] = {{"channels c", s->c},      {"input height ih", s->ih}, {"input width iw", s->iw},
               {"kernel height kh", s->kh}, {"kernel width kw", s->kw}, {"stride sh", s->sh},
               {"stride sw", s->sw},        {"dilation dh", s->dh},     {"dilation dw", s->dw}};
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++) {
        if (pos[i].v < 1)
            return gg_err_set(err, GG_EINVAL, "%s must be >= 1, got %zu", pos[i].name, pos[i].v);
        if (pos[i].v > MAX_ELEMS)
            return gg_err_set(err, GG_ENOMEM, "%s %zu is too large (limit 2^31)", pos[i].name,
                              pos[i].v);
    }
    if (s->kind == GG_POOL_AVG && (s->dh != 1 || s->dw != 1))
        return gg_err_set(err, GG_EINVAL, "avg pooling has no dilation: dh and dw must be 1, "
                          "got %zu and %zu", s->dh, s->dw);
    if (s->ph > s->kh / 2)
        return gg_err_set(err, GG_EINVAL, "padding ph %zu must be at most half the kernel "
                          "height %zu", s->ph, s->kh);
    if (s->pw > s->kw / 2)
        return gg_err_set(err, GG_EINVAL, "padding pw %zu must be at most half the kernel "
                          "width %zu", s->pw, s->kw);
    if (mul3_cap(s->c, s->ih, s->iw) > MAX_ELEMS)
        return gg_err_set(err, GG_ENOMEM, "pooling input %zux%zux%zu is too large (more than "
                          "2^31 elements per sample)", s->c, s->ih, s->iw);
    s->ceil_mode = s->ceil_mode != 0;
    s->count_include_pad = s->count_include_pad != 0;
    int okh, okw;
    s->oh = pool_out(s->ih, s->kh, s->ph, s->sh, s->dh, s->ceil_mode, &okh);
    s->ow = pool_out(s->iw, s->kw, s->pw, s->sw, s->dw, s->ceil_mode, &okw);
    if (!okh || !okw)
        return gg_err_set(err, GG_ESHAPE, "pooling input %zux%zu is too small for kernel %zux%zu "
                          "(padding %zu,%zu, dilation %zu,%zu): the output would be empty",
                          s->ih, s->iw, s->kh, s->kw, s->ph, s->pw, s->dh, s->dw);
    if (err) {
        err->code = GG_OK;
        err->msg[0] = '\0';
    }
    return GG_OK;
}

size_t gg_pool_index_scratch(const gg_pool_shape *s, size_t B)
{
    return s->kind == GG_POOL_MAX ? B * s->c * s->oh * s->ow : 0;
}

/* Max pool window bounds along one axis (cpu_max_pool): positions lo, lo+d, ... < hi. */
static void max_window(size_t o, size_t st, size_t p, size_t k, size_t d, size_t in,
                       ptrdiff_t *lo, ptrdiff_t *hi)
{
    ptrdiff_t a = (ptrdiff_t)(o * st) - (ptrdiff_t)p;
    ptrdiff_t e = a + (ptrdiff_t)((k - 1) * d) + 1;
    if (e > (ptrdiff_t)in)
        e = (ptrdiff_t)in;
    while (a < 0)
        a += (ptrdiff_t)d;
    *lo = a;
    *hi = e;
}

/* Avg pool window along one axis (cpu_avg_pool): the clipped bounds and the length
 * counted with the padding. */
static void avg_window(size_t o, size_t st, size_t p, size_t k, size_t in, ptrdiff_t *lo,
                       ptrdiff_t *hi, ptrdiff_t *padded)
{
    ptrdiff_t a = (ptrdiff_t)(o * st) - (ptrdiff_t)p;
    ptrdiff_t e = a + (ptrdiff_t)k;
    if (e > (ptrdiff_t)(in + p))
        e = (ptrdiff_t)(in + p);
    *padded = e - a;
    *lo = a < 0 ? 0 : a;
    *hi = e > (ptrdiff_t)in ? (ptrdiff_t)in : e;
}

static float avg_divisor(const gg_pool_shape *s, ptrdiff_t h0, ptrdiff_t h1, ptrdiff_t w0,
                         ptrdiff_t w1, ptrdiff_t ph, ptrdiff_t pw)
{
    return s->count_include_pad ? (float)(ph * pw) : (float)((h1 - h0) * (w1 - w0));
}

/* One step of the max pool's scan: v at i wins when v > m or v is NaN. Without a branch
 * (random data mispredicts it half the time): the winner is chosen by an all-ones or zero
 * mask over the bits, which keeps every value (NaN payloads, -0.0) exactly. */
static inline void max_step(float *m, ptrdiff_t *mi, float v, ptrdiff_t i)
{
    const int take = (v > *m) | (v != v);
    const uint32_t mask = (uint32_t)0 - (uint32_t)take;
    uint32_t a, b;
    memcpy(&a, &v, sizeof a);
    memcpy(&b, m, sizeof b);
    b = (a & mask) | (b & ~mask);
    memcpy(m, &b, sizeof b);
    const size_t im = (size_t)0 - (size_t)take;
    *mi = (ptrdiff_t)(((size_t)i & im) | ((size_t)*mi & ~im));
}

/* The max pool of one plane (argmax NULL: no indices). The window of 2x2, stride 2, no
 * padding or dilation (the common one) reads its four values directly. */
static void max_pool_plane(float *yp, int32_t *ap, const float *xp, const gg_pool_shape *s)
{
    const ptrdiff_t iw = (ptrdiff_t)s->iw;
    const int two = s->kh == 2 && s->kw == 2 && s->sh == 2 && s->sw == 2 && s->ph == 0 &&
                    s->pw == 0 && s->dh == 1 && s->dw == 1 && 2 * s->oh <= s->ih &&
                    2 * s->ow <= s->iw;
    for (size_t oy = 0; oy < s->oh; oy++) {
        ptrdiff_t h0, h1;
        max_window(oy, s->sh, s->ph, s->kh, s->dh, s->ih, &h0, &h1);
        for (size_t ox = 0; ox < s->ow; ox++) {
            float m = -INFINITY;
            ptrdiff_t mi;
            if (two) {
                const ptrdiff_t i = h0 * iw + 2 * (ptrdiff_t)ox;
                // The scan's "later wins when greater or NaN" is associative, so the rows
                // are scanned apart and then joined (the first step always takes the value
                // or keeps -inf at i).
                float m1 = xp[i + iw];
                ptrdiff_t mi1 = i + iw;
                m = xp[i];
                mi = i;
                max_step(&m, &mi, xp[i + 1], i + 1);
                max_step(&m1, &mi1, xp[i + iw + 1], i + iw + 1);
                max_step(&m, &mi, m1, mi1);
            } else {
                ptrdiff_t w0, w1;
                max_window(ox, s->sw, s->pw, s->kw, s->dw, s->iw, &w0, &w1);
                mi = h0 * iw + w0;
                for (ptrdiff_t h = h0; h < h1; h += (ptrdiff_t)s->dh)
                    for (ptrdiff_t w = w0; w < w1; w += (ptrdiff_t)s->dw)
                        max_step(&m, &mi, xp[h * iw + w], h * iw + w);
            }
            yp[oy * s->ow + ox] = m;
            if (ap)
                ap[oy * s->ow + ox] = (int32_t)mi;
        }
    }
}

void gg_pool_forward(float *y, int32_t *argmax, const float *x, const gg_pool_shape *s,
                     size_t B)
{
    const size_t planes = B * s->c, in = s->ih * s->iw, on = s->oh * s->ow;
    for (size_t pi = 0; pi < planes; pi++) {
        const float *xp = x + pi * in;
        float *yp = y + pi * on;
        if (s->kind == GG_POOL_MAX) {
            max_pool_plane(yp, argmax ? argmax + pi * on : NULL, xp, s);
            continue;
        }
        for (size_t oy = 0; oy < s->oh; oy++)
            for (size_t ox = 0; ox < s->ow; ox++) {
                ptrdiff_t h0, h1, w0, w1;
                {
                    ptrdiff_t ph, pw;
                    avg_window(oy, s->sh, s->ph, s->kh, s->ih, &h0, &h1, &ph);
                    avg_window(ox, s->sw, s->pw, s->kw, s->iw, &w0, &w1, &pw);
                    if (h0 >= h1 || w0 >= w1) {
                        yp[oy * s->ow + ox] = 0.0f;
                        continue;
                    }
                    float sum = 0.0f;
                    for (ptrdiff_t h = h0; h < h1; h++)
                        for (ptrdiff_t w = w0; w < w1; w++)
                            sum += xp[h * (ptrdiff_t)s->iw + w];
                    yp[oy * s->ow + ox] = 0.0f + sum / avg_divisor(s, h0, h1, w0, w1, ph, pw);
                }
            }
    }
}

void gg_pool_backward(float *dx, int acc, const float *dy, const int32_t *argmax,
                      const gg_pool_shape *s, size_t B)
{
    const size_t planes = B * s->c, in = s->ih * s->iw, on = s->oh * s->ow;
    if (!acc)
        memset(dx, 0, planes * in * sizeof *dx);
    for (size_t pi = 0; pi < planes; pi++) {
        float *xp = dx + pi * in;
        const float *gp = dy + pi * on;
        if (s->kind == GG_POOL_MAX) {
            const int32_t *ap = argmax + pi * on;
            for (size_t o = 0; o < on; o++)
                if (ap[o] >= 0 && (size_t)ap[o] < in)  // an all-padding window routes nowhere
                    xp[ap[o]] += gp[o];
            continue;
        }
        for (size_t oy = 0; oy < s->oh; oy++)
            for (size_t ox = 0; ox < s->ow; ox++) {
                ptrdiff_t h0, h1, w0, w1, ph, pw;
                avg_window(oy, s->sh, s->ph, s->kh, s->ih, &h0, &h1, &ph);
                avg_window(ox, s->sw, s->pw, s->kw, s->iw, &w0, &w1, &pw);
                if (h0 >= h1 || w0 >= w1)
                    continue;
                const float t = gp[oy * s->ow + ox] / avg_divisor(s, h0, h1, w0, w1, ph, pw);
                for (ptrdiff_t h = h0; h < h1; h++)
                    for (ptrdiff_t w = w0; w < w1; w++)
                        xp[h * (ptrdiff_t)s->iw + w] += t;
            }
    }
}

gg_status gg_adaptive_pool_check(size_t c, size_t ih, size_t iw, size_t oh, size_t ow,
                                 gg_err *err)
{
    const struct {
        const char *name;
        size_t v;
    } pos[] = {{"channels c", c}, {"input height ih", ih}, {"input width iw", iw},
               {"output height oh", oh}, {"output width ow", ow}};
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++) {
        if (pos[i].v < 1)
            return gg_err_set(err, GG_EINVAL, "%s must be >= 1, got %zu", pos[i].name, pos[i].v);
        if (pos[i].v > MAX_ELEMS)
            return gg_err_set(err, GG_ENOMEM, "%s %zu is too large (limit 2^31)", pos[i].name,
                              pos[i].v);
    }
    if (mul3_cap(c, ih, iw) > MAX_ELEMS || mul3_cap(c, oh, ow) > MAX_ELEMS)
        return gg_err_set(err, GG_ENOMEM, "adaptive pooling %zux%zux%zu -> %zux%zu is too large "
                          "(more than 2^31 elements per sample)", c, ih, iw, oh, ow);
    if (err) {
        err->code = GG_OK;
        err->msg[0] = '\0';
    }
    return GG_OK;
}

/* Window i of n over in: [floor(i*in/n), ceil((i+1)*in/n)) (PyTorch's start/end_index). */
static size_t ad_start(size_t i, size_t n, size_t in)
{
    return (i / n) * in + ((i % n) * in) / n;
}

static size_t ad_end(size_t i, size_t n, size_t in)
{
    return 1 + ((i + 1) * in - 1) / n;
}

/* The factor of one window: y = s / kh / kw, or s / (kh*kw) for a global (1x1) pool. */
static float ad_scale(float v, size_t kh, size_t kw, int global)
{
    return global ? v / (float)(kh * kw) : v / (float)kh / (float)kw;
}

void gg_adaptive_avg_pool_forward(float *y, const float *x, size_t B, size_t c, size_t ih,
                                  size_t iw, size_t oh, size_t ow)
{
    const int global = oh == 1 && ow == 1;
    for (size_t pi = 0; pi < B * c; pi++) {
        const float *xp = x + pi * ih * iw;
        float *yp = y + pi * oh * ow;
        for (size_t oy = 0; oy < oh; oy++) {
            const size_t h0 = ad_start(oy, oh, ih), h1 = ad_end(oy, oh, ih);
            for (size_t ox = 0; ox < ow; ox++) {
                const size_t w0 = ad_start(ox, ow, iw), w1 = ad_end(ox, ow, iw);
                float sum = 0.0f;
                for (size_t h = h0; h < h1; h++)
                    for (size_t w = w0; w < w1; w++)
                        sum += xp[h * iw + w];
                yp[oy * ow + ox] = ad_scale(sum, h1 - h0, w1 - w0, global);
            }
        }
    }
}

void gg_adaptive_avg_pool_backward(float *dx, int acc, const float *dy, size_t B, size_t c,
                                   size_t ih, size_t iw, size_t oh, size_t ow)
{
    const int global = oh == 1 && ow == 1;
    if (!acc)
        memset(dx, 0, B * c * ih * iw * sizeof *dx);
    for (size_t pi = 0; pi < B * c; pi++) {
        float *xp = dx + pi * ih * iw;
        const float *gp = dy + pi * oh * ow;
        for (size_t oy = 0; oy < oh; oy++) {
            const size_t h0 = ad_start(oy, oh, ih), h1 = ad_end(oy, oh, ih);
            for (size_t ox = 0; ox < ow; ox++) {
                const size_t w0 = ad_start(ox, ow, iw), w1 = ad_end(ox, ow, iw);
                const float t = ad_scale(gp[oy * ow + ox], h1 - h0, w1 - w0, global);
                for (size_t h = h0; h < h1; h++)
                    for (size_t w = w0; w < w1; w++)
                        xp[h * iw + w] += t;
            }
        }
    }
}
