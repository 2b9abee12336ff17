/* core/conv.c — convolution and pooling (see conv.h for the definitions): shape checks,
 * the chunked im2col / col2im drivers around the Linear kernels and the dW kernel, the
 * portable dW kernel, and the pools.
 *
 * Layouts per chunk of n rows and group g (Bp = n rounded up to the vector width; 1 on
 * the portable path):
 *   forward, vector paths:  col (Kg, Bp) = X^T (im2col) -> Linear forward into yt
 *                           (Og, Bp) -> y (NCHW runs are rows of yt)
 *   forward, portable:      col (n, Kg) = X -> Linear forward into (n, Og) -> y
 *   backward:               dyt (Og, Bp) = dy^T (copied runs of dy), dyr (n, ld) = dy;
 *                           dW, db: pt (Kg, Bp) = X^T, then the dW kernel into dwt (Kg, ld)
 *                           = dW^T kept across chunks (ld = Og rounded up to 16);
 *                           dx: D = dy W through the Linear forward with W^T (Kg, Og) as
 *                           its weight: into (Kg, Bp) from dyt (vector paths) or into
 *                           (n, Kg) from dyr (portable), then col2im.
 * Linear's forward chain s = fma(x[r,k], W[o,k], s) from 0 is exactly D's chain over o
 * when x = dy and W = W^T (no bias), so D costs no kernel of its own. */
#include "conv.h"

#include <math.h>
#include <string.h>

#include "linear.h"

/* Scratch of one chunk: about 1 MiB of floats. */
#define CHUNK_FLOATS ((size_t)1 << 18)
/* Largest element count of any tensor or index product (indices fit int32/ptrdiff_t). */
#define MAX_ELEMS ((size_t)1 << 31)

static size_t round_up(size_t n, size_t m)
{
    return (n + m - 1) / m * m;
}

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
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

/* Output size along one axis, or 0 with err set when the kernel does not fit. */
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

/* Rows per chunk for a group of Kg patch values and Og outputs (see CHUNK_FLOATS). */
static size_t auto_chunk(size_t Kg, size_t Og)
{
    const size_t per_row = Kg + Og + round_up(Og, 16);
    size_t R = CHUNK_FLOATS / per_row / 32 * 32;
    return R < 32 ? 32 : R;
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
    const size_t Kg = mul3_cap(s->cin / s->groups, s->kh, s->kw);
    if (mul3_cap(s->cin, s->ih, s->iw) > MAX_ELEMS || mul3_cap(s->cout, s->oh, s->ow) > MAX_ELEMS ||
        mul_cap(s->cout, Kg) > MAX_ELEMS || mul_cap(Kg, s->oh * s->ow) > MAX_ELEMS)
        return gg_err_set(err, GG_ENOMEM, "convolution %zux%zux%zu -> %zux%zux%zu with kernel "
                          "%zux%zu is too large (a per-sample size exceeds 2^31 elements)",
                          s->cin, s->ih, s->iw, s->cout, s->oh, s->ow, s->kh, s->kw);
    if (s->chunk == 0)
        s->chunk = auto_chunk(Kg, s->cout / s->groups);
    if (err) {
        err->code = GG_OK;
        err->msg[0] = '\0';
    }
    return GG_OK;
}

/* ---- the plan of one call: sizes and scratch offsets ---- */

typedef struct plan {
    size_t G, Cg, Og, Kg;  /* groups, channels per group, patch length */
    size_t P, rows;        /* output positions per sample, and in the batch */
    size_t R;              /* rows per chunk */
    size_t ld;             /* row stride of dyr and dwt: Og rounded up to 16 */
    size_t dwt, wt, dyt, dyr, col, total;  /* scratch offsets and size, in floats */
} plan;

static void plan_make(plan *pl, const gg_conv_shape *s, size_t B)
{
    pl->G = s->groups;
    pl->Cg = s->cin / s->groups;
    pl->Og = s->cout / s->groups;
    pl->Kg = pl->Cg * s->kh * s->kw;
    pl->P = s->oh * s->ow;
    pl->rows = B * pl->P;
    size_t chunk = s->chunk ? s->chunk : auto_chunk(pl->Kg, pl->Og);
    pl->R = min_sz(chunk, pl->rows);
    if (pl->R == 0)
        pl->R = 1;
    pl->ld = round_up(pl->Og, 16);
    const size_t Rp = round_up(pl->R, 16);
    pl->dwt = 0;
    pl->wt = pl->dwt + pl->G * pl->Kg * pl->ld;
    pl->dyt = pl->wt + round_up(pl->G * pl->Kg * pl->Og, 16);
    pl->dyr = pl->dyt + pl->Og * Rp;
    pl->col = pl->dyr + Rp * pl->ld;
    pl->total = pl->col + pl->Kg * Rp;
}

size_t gg_conv_scratch(const gg_conv_shape *s, size_t B)
{
    plan pl;
    plan_make(&pl, s, B);
    return pl.total;
}

/* Lanes of the vector path (1: the portable path, whose Linear kernel reads rows). */
static size_t lanes(gg_isa isa)
{
    if (!GG_HAVE_ISA_PATHS)
        return 1;
    return isa == GG_ISA_AVX512 ? 16 : isa == GG_ISA_AVX2 ? 8 : 1;
}

static gg_isa effective(gg_isa isa)
{
    return lanes(isa) == 1 ? GG_ISA_GENERIC : isa;
}

/* ---- runs: the rows of a chunk as pieces of one output row ---- */

typedef struct runs {
    size_t b, oy, ox;  /* output position of the next run */
    size_t pos, n;     /* its offset in the chunk; rows in the chunk */
} runs;

static void runs_start(runs *it, const gg_conv_shape *s, size_t r0, size_t n)
{
    const size_t P = s->oh * s->ow, p = r0 % P;
    it->b = r0 / P;
    it->oy = p / s->ow;
    it->ox = p % s->ow;
    it->pos = 0;
    it->n = n;
}

/* The next run: rows pos .. pos+len-1 of the chunk are (b, oy, ox .. ox+len-1). */
static int runs_next(runs *it, const gg_conv_shape *s, size_t *b, size_t *oy, size_t *ox,
                     size_t *len, size_t *pos)
{
    if (it->pos >= it->n)
        return 0;
    *b = it->b;
    *oy = it->oy;
    *ox = it->ox;
    *pos = it->pos;
    *len = min_sz(s->ow - it->ox, it->n - it->pos);
    it->pos += *len;
    it->ox = 0;
    if (++it->oy == s->oh) {
        it->oy = 0;
        it->b++;
    }
    return 1;
}

/* Output columns ox whose ix = ox*st + off lies in [0, in): [*lo, *hi) within [0, out). */
static void valid_cols(ptrdiff_t off, size_t st, size_t in, size_t out, size_t *lo, size_t *hi)
{
    size_t a = off >= 0 ? 0 : ((size_t)(-off) + st - 1) / st;
    size_t e = (ptrdiff_t)in - off > 0 ? ((size_t)((ptrdiff_t)in - off) + st - 1) / st : 0;
    e = min_sz(e, out);
    a = min_sz(a, e);
    *lo = a;
    *hi = e;
}

/* ---- im2col and col2im ---- */

/* X[r0 + i, k] of group g for i < n into col[i*rs + k*ks]. */
static void im2col(float *restrict col, size_t rs, size_t ks, const float *restrict x,
                   const gg_conv_shape *s, size_t g, size_t r0, size_t n)
{
    const size_t Cg = s->cin / s->groups, plane = s->ih * s->iw;
    for (size_t c = 0; c < Cg; c++)
        for (size_t ky = 0; ky < s->kh; ky++)
            for (size_t kx = 0; kx < s->kw; kx++) {
                const size_t k = (c * s->kh + ky) * s->kw + kx;
                const ptrdiff_t offy = (ptrdiff_t)(ky * s->dh) - (ptrdiff_t)s->ph0;
                const ptrdiff_t offx = (ptrdiff_t)(kx * s->dw) - (ptrdiff_t)s->pw0;
                size_t lo, hi;
                valid_cols(offx, s->sw, s->iw, s->ow, &lo, &hi);
                runs it;
                runs_start(&it, s, r0, n);
                size_t b, oy, ox, len, pos;
                while (runs_next(&it, s, &b, &oy, &ox, &len, &pos)) {
                    float *d = col + pos * rs + k * ks;
                    const ptrdiff_t iy = (ptrdiff_t)(oy * s->sh) + offy;
                    // Columns [a, f) of the run read the input, the rest padding.
                    const size_t e = ox + len;
                    size_t a = lo > ox ? min_sz(lo, e) : ox, f = hi < e ? hi : e;
                    const int inside = iy >= 0 && iy < (ptrdiff_t)s->ih && f > a;
                    if (!inside)
                        a = f = e;
                    const float *xr = inside ? x + (b * s->cin + g * Cg + c) * plane +
                                                   (size_t)iy * s->iw
                                             : x;
                    if (rs == 1) {
                        memset(d, 0, (a - ox) * sizeof *d);
                        if (s->sw == 1 && f > a)
                            memcpy(d + (a - ox), xr + (ptrdiff_t)a + offx, (f - a) * sizeof *d);
                        else
                            for (size_t q = a; q < f; q++)
                                d[q - ox] = xr[(ptrdiff_t)(q * s->sw) + offx];
                        memset(d + (f - ox), 0, (e - f) * sizeof *d);
                    } else {
                        for (size_t q = ox; q < a; q++)
                            d[(q - ox) * rs] = 0.0f;
                        for (size_t q = a; q < f; q++)
                            d[(q - ox) * rs] = xr[(ptrdiff_t)(q * s->sw) + offx];
                        for (size_t q = f; q < e; q++)
                            d[(q - ox) * rs] = 0.0f;
                    }
                }
            }
}

/* dx += D[r0 + i, k] (col[i*rs + k*ks]) over the chunk, each input element's terms in
 * increasing r: k runs with ky and kx descending (a larger ky reads the element from an
 * earlier output row, a larger kx from an earlier column), runs in increasing r. */
static void col2im(float *restrict dx, const float *restrict col, size_t rs, size_t ks,
                   const gg_conv_shape *s, size_t g, size_t r0, size_t n)
{
    const size_t Cg = s->cin / s->groups, plane = s->ih * s->iw;
    for (size_t c = 0; c < Cg; c++)
        for (size_t ky = s->kh; ky-- > 0;)
            for (size_t kx = s->kw; kx-- > 0;) {
                const size_t k = (c * s->kh + ky) * s->kw + kx;
                const ptrdiff_t offy = (ptrdiff_t)(ky * s->dh) - (ptrdiff_t)s->ph0;
                const ptrdiff_t offx = (ptrdiff_t)(kx * s->dw) - (ptrdiff_t)s->pw0;
                size_t lo, hi;
                valid_cols(offx, s->sw, s->iw, s->ow, &lo, &hi);
                runs it;
                runs_start(&it, s, r0, n);
                size_t b, oy, ox, len, pos;
                while (runs_next(&it, s, &b, &oy, &ox, &len, &pos)) {
                    const ptrdiff_t iy = (ptrdiff_t)(oy * s->sh) + offy;
                    if (iy < 0 || iy >= (ptrdiff_t)s->ih)
                        continue;
                    const size_t e = ox + len;
                    const size_t a = lo > ox ? lo : ox, f = hi < e ? hi : e;
                    if (f <= a)
                        continue;
                    const float *d = col + pos * rs + k * ks;
                    float *xr = dx + (b * s->cin + g * Cg + c) * plane + (size_t)iy * s->iw;
                    if (rs == 1 && s->sw == 1) {
                        float *xa = xr + (ptrdiff_t)a + offx;
                        const float *da = d + (a - ox);
                        for (size_t q = 0; q < f - a; q++)
                            xa[q] += da[q];
                    } else {
                        for (size_t q = a; q < f; q++)
                            xr[(ptrdiff_t)(q * s->sw) + offx] += d[(q - ox) * rs];
                    }
                }
            }
}

/* ---- dy in and y out: runs of one sample's positions ---- */

/* dyt[j*Bp + i] = dy[b, g*Og + j, p] for the chunk's rows i = (b, p); rows n .. Bp-1 zero. */
static void gather_dy(float *restrict dyt, size_t Bp, const float *restrict dy,
                      const gg_conv_shape *s, const plan *pl, size_t g, size_t r0, size_t n)
{
    for (size_t j = 0; j < pl->Og; j++) {
        float *d = dyt + j * Bp;
        for (size_t i = 0; i < n;) {
            const size_t r = r0 + i, b = r / pl->P, p = r % pl->P, len = min_sz(pl->P - p, n - i);
            memcpy(d + i, dy + (b * s->cout + g * pl->Og + j) * pl->P + p, len * sizeof *d);
            i += len;
        }
        memset(d + n, 0, (Bp - n) * sizeof *d);
    }
}

/* y[b, g*Og + j, p] = src[i*rs + j*os] for the chunk's rows i = (b, p). */
static void scatter_y(float *restrict y, const float *restrict src, size_t rs, size_t os,
                      const gg_conv_shape *s, const plan *pl, size_t g, size_t r0, size_t n)
{
    for (size_t j = 0; j < pl->Og; j++)
        for (size_t i = 0; i < n;) {
            const size_t r = r0 + i, b = r / pl->P, p = r % pl->P, len = min_sz(pl->P - p, n - i);
            float *d = y + (b * s->cout + g * pl->Og + j) * pl->P + p;
            const float *sp = src + i * rs + j * os;
            if (rs == 1)
                memcpy(d, sp, len * sizeof *d);
            else
                for (size_t q = 0; q < len; q++)
                    d[q] = sp[q * rs];
            i += len;
        }
}

/* dyr (n, ld) = dyt (Og, Bp) transposed, columns Og .. ld-1 zero. */
static void transpose_dy(float *restrict dyr, size_t ld, const float *restrict dyt, size_t Bp,
                         size_t Og, size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += 16) {  // 16-row blocks: dyt rows stay in L1
        const size_t i1 = min_sz(i0 + 16, n);
        for (size_t i = i0; i < i1; i++) {
            for (size_t j = 0; j < Og; j++)
                dyr[i * ld + j] = dyt[j * Bp + i];
            for (size_t j = Og; j < ld; j++)
                dyr[i * ld + j] = 0.0f;
        }
    }
}

/* ---- forward ---- */

void gg_conv_forward(gg_isa isa, float *y, const float *x, const float *W, const float *b,
                     float *scratch, const gg_conv_shape *s, size_t B)
{
    plan pl;
    plan_make(&pl, s, B);
    isa = effective(isa);
    const size_t vw = lanes(isa);
    float *col = scratch + pl.col, *out = scratch + pl.dyt;
    for (size_t r0 = 0; r0 < pl.rows; r0 += pl.R) {
        const size_t n = min_sz(pl.R, pl.rows - r0), Bp = round_up(n, vw);
        for (size_t g = 0; g < pl.G; g++) {
            const float *Wg = W + g * pl.Og * pl.Kg, *bg = b ? b + g * pl.Og : NULL;
            if (vw > 1) {
                im2col(col, 1, Bp, x, s, g, r0, n);
                for (size_t k = 0; Bp > n && k < pl.Kg; k++)
                    memset(col + k * Bp + n, 0, (Bp - n) * sizeof *col);
                gg_linear_forward(isa, NULL, NULL, Wg, bg, n, pl.Kg, pl.Og, 0, col, 1, out);
                scatter_y(y, out, 1, Bp, s, &pl, g, r0, n);
            } else {
                im2col(col, pl.Kg, 1, x, s, g, r0, n);
                gg_linear_forward(GG_ISA_GENERIC, out, col, Wg, bg, n, pl.Kg, pl.Og, 0, NULL, 0,
                                  NULL);
                scatter_y(y, out, pl.Og, 1, s, &pl, g, r0, n);
            }
        }
    }
}

/* ---- backward ---- */

void gg_conv_dw_generic(float *dwt, float *db, const float *dyr, size_t ld, const float *pt,
                        size_t Rp, size_t R, size_t K, size_t O)
{
    for (size_t o = 0; db && o < O; o++) {
        float s = db[o];
        for (size_t r = 0; r < R; r++)
            s += dyr[r * ld + o];
        db[o] = s;
    }
    for (size_t k = 0; dwt && k < K; k++) {  // each dwt element's chain runs over r in order
        float *w = dwt + k * ld;
        const float *p = pt + k * Rp;
        for (size_t r = 0; r < R; r++) {
            const float *d = dyr + r * ld;
            for (size_t o = 0; o < O; o++)
                w[o] = fmaf(d[o], p[r], w[o]);
        }
    }
}

static void dw_kernel(gg_isa isa, float *dwt, float *db, const float *dyr, size_t ld,
                      const float *pt, size_t Rp, size_t R, size_t K, size_t O)
{
    switch (isa) {
#if GG_HAVE_ISA_PATHS
    case GG_ISA_AVX512:
        gg_conv_dw_avx512(dwt, db, dyr, ld, pt, Rp, R, K, O);
        return;
    case GG_ISA_AVX2:
        gg_conv_dw_avx2(dwt, db, dyr, ld, pt, Rp, R, K, O);
        return;
#endif
    default:
        gg_conv_dw_generic(dwt, db, dyr, ld, pt, Rp, R, K, O);
    }
}

void gg_conv_backward(gg_isa isa, float *dx, int acc, float *dW, float *db, const float *dy,
                      const float *x, const float *W, float *scratch, const gg_conv_shape *s,
                      size_t B)
{
    plan pl;
    plan_make(&pl, s, B);
    isa = effective(isa);
    const size_t vw = lanes(isa);
    const size_t ld = vw > 1 ? pl.ld : pl.Og;  // the portable Linear reads dyr as (n, Og)
    float *dwt = scratch + pl.dwt, *wt = scratch + pl.wt, *dyt = scratch + pl.dyt;
    float *dyr = scratch + pl.dyr, *col = scratch + pl.col;
    if (dx && !acc)
        memset(dx, 0, B * s->cin * s->ih * s->iw * sizeof *dx);
    for (size_t g = 0; g < pl.G; g++) {  // dwt = dW^T (Kg, ld), wt = W^T (Kg, Og) per group
        const size_t base = g * pl.Og * pl.Kg;
        for (size_t k = 0; dW && k < pl.Kg; k++) {
            float *d = dwt + g * pl.Kg * ld + k * ld;
            for (size_t j = 0; j < pl.Og; j++)
                d[j] = dW[base + j * pl.Kg + k];
            for (size_t j = pl.Og; j < ld; j++)
                d[j] = 0.0f;
        }
        for (size_t k = 0; dx && k < pl.Kg; k++)
            for (size_t j = 0; j < pl.Og; j++)
                wt[base + k * pl.Og + j] = W[base + j * pl.Kg + k];
    }
    const int want_dyr = dW || db || (dx && vw == 1);
    for (size_t r0 = 0; r0 < pl.rows; r0 += pl.R) {
        const size_t n = min_sz(pl.R, pl.rows - r0), Bp = round_up(n, vw);
        for (size_t g = 0; g < pl.G; g++) {
            gather_dy(dyt, Bp, dy, s, &pl, g, r0, n);
            if (want_dyr)
                transpose_dy(dyr, ld, dyt, Bp, pl.Og, n);
            if (dW || db) {
                if (dW)
                    im2col(col, 1, Bp, x, s, g, r0, n);
                dw_kernel(isa, dW ? dwt + g * pl.Kg * ld : NULL, db ? db + g * pl.Og : NULL, dyr,
                          ld, col, Bp, n, pl.Kg, pl.Og);
            }
            if (!dx)
                continue;
            const float *wtg = wt + g * pl.Og * pl.Kg;
            if (vw > 1) {
                gg_linear_forward(isa, NULL, NULL, wtg, NULL, n, pl.Og, pl.Kg, 0, dyt, 1, col);
                col2im(dx, col, 1, Bp, s, g, r0, n);
            } else {
                gg_linear_forward(GG_ISA_GENERIC, col, dyr, wtg, NULL, n, pl.Og, pl.Kg, 0, NULL,
                                  0, NULL);
                col2im(dx, col, pl.Kg, 1, s, g, r0, n);
            }
        }
    }
    for (size_t g = 0; dW && g < pl.G; g++) {
        const size_t base = g * pl.Og * pl.Kg;
        for (size_t k = 0; k < pl.Kg; k++)
            for (size_t j = 0; j < pl.Og; j++)
                dW[base + j * pl.Kg + k] = dwt[g * pl.Kg * ld + k * ld + j];
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

void gg_pool_forward(float *y, int32_t *argmax, const float *x, const gg_pool_shape *s,
                     size_t B)
{
    const size_t planes = B * s->c, in = s->ih * s->iw, on = s->oh * s->ow;
    for (size_t pi = 0; pi < planes; pi++) {
        const float *xp = x + pi * in;
        float *yp = y + pi * on;
        int32_t *ap = argmax ? argmax + pi * on : NULL;
        for (size_t oy = 0; oy < s->oh; oy++)
            for (size_t ox = 0; ox < s->ow; ox++) {
                ptrdiff_t h0, h1, w0, w1;
                if (s->kind == GG_POOL_MAX) {
                    max_window(oy, s->sh, s->ph, s->kh, s->dh, s->ih, &h0, &h1);
                    max_window(ox, s->sw, s->pw, s->kw, s->dw, s->iw, &w0, &w1);
                    float m = -INFINITY;
                    ptrdiff_t mi = h0 * (ptrdiff_t)s->iw + w0;
                    for (ptrdiff_t h = h0; h < h1; h += (ptrdiff_t)s->dh)
                        for (ptrdiff_t w = w0; w < w1; w += (ptrdiff_t)s->dw) {
                            const ptrdiff_t i = h * (ptrdiff_t)s->iw + w;
                            const float v = xp[i];
                            if (v > m || isnan(v)) {
                                m = v;
                                mi = i;
                            }
                        }
                    yp[oy * s->ow + ox] = m;
                    if (ap)
                        ap[oy * s->ow + ox] = (int32_t)mi;
                } else {
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
