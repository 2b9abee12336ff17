/* core/ops.c — shapes, broadcasting, element-wise ops, layout and selection (see ops.h).
 * Reductions and gg_ops_sum_to live in core/ops_reduce.c, matmul and index_select in
 * core/ops_matmul.c. Gradient formulas are PyTorch 1.13's (tools/autograd/derivatives.yaml
 * and the CPU kernels), evaluated in float in torch's operation order. */
#include "ops.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detmath.h"
#include "simd.h"

/* ---- shapes ---- */

gg_dims gg_dims_make(int n, const size_t *d)
{
    gg_dims s;
    memset(&s, 0, sizeof s);
    GG_ASSERT(n >= 0 && n <= GG_MAX_DIMS);
    s.n = n;
    for (int i = 0; i < n; i++)
        s.d[i] = d[i];
    return s;
}

size_t gg_dims_numel(const gg_dims *s)
{
    size_t p = 1;
    for (int i = 0; i < s->n; i++)
        p *= s->d[i];
    return p;
}

int gg_dims_equal(const gg_dims *a, const gg_dims *b)
{
    if (a->n != b->n)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (a->d[i] != b->d[i])
            return 0;
    return 1;
}

char *gg_dims_format(char *buf, size_t cap, const gg_dims *s)
{
    size_t len = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    len += (size_t)snprintf(buf + len, cap - len, "(");
    for (int i = 0; i < s->n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, i ? ",%zu" : "%zu", s->d[i]);
    if (len < cap)
        snprintf(buf + len, cap - len, ")");
    return buf;
}

gg_status gg_dims_check(const gg_dims *s, const char *what, gg_err *err)
{
    if (s->n < 0 || s->n > GG_MAX_DIMS)
        return gg_err_set(err, GG_EINVAL, "%s has %d dims, expected 0 to %d", what, s->n,
                          GG_MAX_DIMS);
    size_t p = 1;
    int empty = 0;
    for (int i = 0; i < s->n; i++)
        empty |= s->d[i] == 0;
    for (int i = 0; i < s->n && !empty; i++) {
        if (s->d[i] > GG_TENSOR_MAX_NUMEL / p) {
            char b[GG_DIMS_STRLEN];
            return gg_err_set(err, GG_EINVAL, "%s %s has more than %zu elements", what,
                              gg_dims_format(b, sizeof b, s), (size_t)GG_TENSOR_MAX_NUMEL);
        }
        p *= s->d[i];
    }
    return GG_OK;
}

gg_status gg_ops_dim(int *out, int dim, int ndim, int scalar_ok, gg_err *err)
{
    int n = ndim == 0 && scalar_ok ? 1 : ndim;
    *out = 0;
    if (n == 0 || dim < -n || dim >= n)
        return gg_err_set(err, GG_EINVAL, "dim %d out of range for a %d-d tensor", dim, ndim);
    *out = dim < 0 ? dim + n : dim;
    return GG_OK;
}

/* Broadcast shape of a and b into *y; 0 if they do not broadcast. */
static int broadcast2(gg_dims *y, const gg_dims *a, const gg_dims *b)
{
    gg_dims r;
    memset(&r, 0, sizeof r);
    r.n = a->n > b->n ? a->n : b->n;
    for (int k = 0; k < r.n; k++) {
        int ja = k - (r.n - a->n), jb = k - (r.n - b->n);
        size_t sa = ja >= 0 ? a->d[ja] : 1, sb = jb >= 0 ? b->d[jb] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            *y = r;  // partial; never used
            return 0;
        }
        r.d[k] = sa == 1 ? sb : sa;
    }
    *y = r;
    return 1;
}

gg_status gg_ops_broadcast_shape(gg_dims *y, const gg_dims *a, const gg_dims *b, gg_err *err)
{
    gg_status st = gg_dims_check(a, "a", err);
    if (st == GG_OK)
        st = gg_dims_check(b, "b", err);
    if (st != GG_OK)
        return st;
    if (!broadcast2(y, a, b)) {
        char sa[GG_DIMS_STRLEN], sb[GG_DIMS_STRLEN];
        return gg_err_set(err, GG_ESHAPE, "cannot broadcast %s with %s",
                          gg_dims_format(sa, sizeof sa, a), gg_dims_format(sb, sizeof sb, b));
    }
    return GG_OK;
}

/* ---- the broadcast iterator ----
 * An output shape and up to four operands, each with an element stride per output dim
 * (0 where the operand is broadcast). Size-1 dims are dropped and adjacent dims merged
 * when every operand is contiguous across them, so "same shape" is one dim, "b is a row
 * vector" two, and the last dim is the inner loop of every kernel. */

enum { MAXOPS = 4 };

typedef struct bcast {
    int nd;                            /* >= 1 after bcast_init */
    int nops;
    size_t size[GG_MAX_DIMS];
    size_t st[MAXOPS][GG_MAX_DIMS];
} bcast;

/* Row-major strides of operand s viewed in the ys-shaped output: 0 where s is broadcast. */
static void bcast_strides(size_t *st, const gg_dims *ys, const gg_dims *s)
{
    size_t run = 1;
    for (int k = ys->n - 1; k >= 0; k--) {
        int j = k - (ys->n - s->n);
        if (j < 0 || s->d[j] == 1) {
            st[k] = 0;
        } else {
            GG_ASSERT(s->d[j] == ys->d[k]);
            st[k] = run;
        }
        if (j >= 0)
            run *= s->d[j];
    }
}

/* Drop size-1 dims, merge contiguous neighbours. */
static void bcast_collapse(bcast *it, int nd, const size_t *size, size_t st[][GG_MAX_DIMS])
{
    int m = 0;
    for (int k = 0; k < nd; k++) {
        if (size[k] == 1)
            continue;
        int merge = m > 0;
        for (int o = 0; o < it->nops && merge; o++)
            merge = it->st[o][m - 1] == st[o][k] * size[k];
        if (merge) {
            it->size[m - 1] *= size[k];
            for (int o = 0; o < it->nops; o++)
                it->st[o][m - 1] = st[o][k];
        } else {
            it->size[m] = size[k];
            for (int o = 0; o < it->nops; o++)
                it->st[o][m] = st[o][k];
            m++;
        }
    }
    if (m == 0) {  // a single element
        it->size[0] = 1;
        for (int o = 0; o < it->nops; o++)
            it->st[o][0] = 0;
        m = 1;
    }
    it->nd = m;
}

/* Operand 0 is the output itself (contiguous); ops[1..nops-1] broadcast to ys. */
static void bcast_init(bcast *it, const gg_dims *ys, int nops, const gg_dims *const *ops)
{
    size_t st[MAXOPS][GG_MAX_DIMS];
    GG_ASSERT(nops >= 1 && nops <= MAXOPS);
    it->nops = nops;
    bcast_strides(st[0], ys, ys);
    for (int o = 1; o < nops; o++)
        bcast_strides(st[o], ys, ops[o]);
    bcast_collapse(it, ys->n, ys->d, st);
}

/* Advance the outer dims (all but the last) by one step; off[] follows. */
static void bcast_next(const bcast *it, size_t *idx, size_t *off)
{
    for (int d = it->nd - 2; d >= 0; d--) {
        for (int o = 0; o < it->nops; o++)
            off[o] += it->st[o][d];
        if (++idx[d] < it->size[d])
            return;
        for (int o = 0; o < it->nops; o++)
            off[o] -= it->st[o][d] * it->size[d];
        idx[d] = 0;
    }
}

/* ---- strided copies (permute, expand, slice, concat) ----
 * dst[box] = src[box] (acc: +=) over a box of nd dims with an element stride per dim on
 * each side; no dst element is written twice. */

/* Copy a rows x cols block: dst (row stride drs, unit column stride) from src (unit row
 * stride, column stride scs), i.e. a transpose, in 4 x 4 tiles: with a power-of-two
 * stride the lines of a tile share an L1 set, so small tiles measured fastest. */
static void transpose_tiles(float *restrict dst, size_t drs, const float *restrict src,
                            size_t scs, size_t rows, size_t cols, int acc)
{
    enum { T = 4 };
    for (size_t r0 = 0; r0 < rows; r0 += T)
        for (size_t c0 = 0; c0 < cols; c0 += T) {
            size_t r1 = r0 + T < rows ? r0 + T : rows, c1 = c0 + T < cols ? c0 + T : cols;
            if (acc)
                for (size_t c = c0; c < c1; c++)
                    for (size_t r = r0; r < r1; r++)
                        dst[r * drs + c] += src[r + c * scs];
            else
                for (size_t c = c0; c < c1; c++)
                    for (size_t r = r0; r < r1; r++)
                        dst[r * drs + c] = src[r + c * scs];
        }
}

static void strided_copy(float *dst, const size_t *dst_st, const float *src,
                         const size_t *src_st, const size_t *size, int nd, int acc)
{
    bcast it;
    size_t st[MAXOPS][GG_MAX_DIMS];
    size_t n = 1;
    for (int k = 0; k < nd; k++) {
        st[0][k] = dst_st[k];
        st[1][k] = src_st[k];
        n *= size[k];
    }
    if (n == 0)
        return;
    it.nops = 2;
    bcast_collapse(&it, nd, size, st);
    int last = it.nd - 1;
    size_t ds = it.st[0][last], ss = it.st[1][last], inner = it.size[last];
    // A transpose (the inner dst dim is contiguous, another dim is contiguous in src):
    // copy tiles so that both sides stay in cache.
    int p = -1;
    if (ds == 1 && ss != 1)
        for (int k = 0; k < last; k++)
            if (it.st[1][k] == 1)
                p = k;
    if (p >= 0) {
        size_t rows = it.size[p], drs = it.st[0][p];
        it.size[p] = 1;  // iterate the other dims only
        size_t idx[GG_MAX_DIMS] = {0}, off[MAXOPS] = {0};
        size_t outer = n / (inner * rows);
        for (size_t r = 0; r < outer; r++) {
            transpose_tiles(dst + off[0], drs, src + off[1], ss, rows, inner, acc);
            bcast_next(&it, idx, off);
        }
        return;
    }
    size_t idx[GG_MAX_DIMS] = {0}, off[MAXOPS] = {0};
    size_t rows = n / inner;
    for (size_t r = 0; r < rows; r++) {
        float *d = dst + off[0];
        const float *s = src + off[1];
        if (ds == 1 && ss == 1 && !acc)
            memcpy(d, s, inner * sizeof *d);
        else if (acc)
            for (size_t i = 0; i < inner; i++)
                d[i * ds] += s[i * ss];
        else
            for (size_t i = 0; i < inner; i++)
                d[i * ds] = s[i * ss];
        bcast_next(&it, idx, off);
    }
}

static void contiguous_strides(size_t *st, const gg_dims *s)
{
    size_t run = 1;
    for (int k = s->n - 1; k >= 0; k--) {
        st[k] = run;
        run *= s->d[k];
    }
}

void gg_ops_broadcast_to(float *y, const float *x, const gg_dims *ys, const gg_dims *xs)
{
    size_t yst[GG_MAX_DIMS], xst[GG_MAX_DIMS];
    contiguous_strides(yst, ys);
    bcast_strides(xst, ys, xs);
    if (ys->n == 0) {
        y[0] = x[0];
        return;
    }
    strided_copy(y, yst, x, xst, ys->d, ys->n, 0);
}

/* ---- deterministic scalar functions ---- */

__extension__ typedef unsigned __int128 u128;

/* The first 256 bits of 2/pi (0.A2F9836E...), most significant first. */
static const uint32_t TWO_OVER_PI[8] = {0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0,
                                        0xdb629599, 0x3c439041, 0xfe5163ab, 0xdebbc561};

/* For a finite float ax > pi/4: ax = (4j + q + f) pi/2 with |f| <= 1/2; returns f pi/2 and
 * sets *q. Payne-Hanek: ax = m 2^s (m < 2^24), and only the bits of 2/pi of weight
 * 2^-(s-1) .. 2^-(s+94) matter modulo 4 (earlier ones give multiples of 4, later ones add
 * less than 2^-70). Their product with m is exact in 128-bit integers. */
static double reduce_pio2(float ax, int *q)
{
    uint32_t bits;
    memcpy(&bits, &ax, sizeof bits);
    int e = (int)(bits >> 23);
    uint64_t m = (bits & 0x7fffffu) | 0x800000u;  // ax > pi/4 is normal
    int s = e - 150;                               // ax = m 2^s, -24 <= s <= 104
    int i0 = s - 1 > 1 ? s - 1 : 1;                // first bit of 2/pi used (bit 1 = 2^-1)
    int w = (i0 - 1) / 32, o = (i0 - 1) % 32;      // w <= 3: words w .. w+4 exist
    u128 t = ((u128)TWO_OVER_PI[w] << 96) | ((u128)TWO_OVER_PI[w + 1] << 64) |
             ((u128)TWO_OVER_PI[w + 2] << 32) | TWO_OVER_PI[w + 3];
    if (o)
        t = (t << o) | (TWO_OVER_PI[w + 4] >> (32 - o));
    u128 win = t >> 32;                            // bits i0 .. i0+95
    u128 p = (u128)m * win;                        // < 2^120: ax 2/pi in units 2^-fb
    int fb = i0 + 95 - s;                          // 94 .. 120
    int quad = (int)(p >> fb) & 3;
    u128 f = p & (((u128)1 << fb) - 1);           // the fraction, f 2^-fb in [0, 1)
    int neg = 0;
    if (f >> (fb - 1)) {                          // >= 1/2: take f - 1 (exact in integers)
        f = ((u128)1 << fb) - f;
        neg = 1;
        quad = (quad + 1) & 3;
    }
    *q = quad;
    if (f == 0)
        return 0.0;
    // Normalise so the top bit is bit 127 and keep 64 bits (relative error 2^-64), then
    // scale by an exact power of two: cheaper than converting 128 bits.
    uint64_t hi = (uint64_t)(f >> 64);
    int lz = hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)f);
    uint64_t top = (uint64_t)((f << lz) >> 64);
    uint64_t ebits = (uint64_t)(1023 + 64 - lz - fb) << 52;  // 2^(64 - lz - fb)
    double scale;
    memcpy(&scale, &ebits, sizeof scale);
    double r = (double)top * scale * 1.57079632679489661923;
    return neg ? -r : r;
}

/* sin r and cos r for |r| <= pi/4: Taylor series to r^15 and r^16; the first omitted
 * terms, (pi/4)^17/17! and (pi/4)^18/18!, are below 5e-17. */
static double sin_series(double r)
{
    static const double c[8] = {1.0, -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0, 1.0 / 362880.0,
                                -1.0 / 39916800.0, 1.0 / 6227020800.0, -1.0 / 1307674368000.0};
    double z = r * r, p = c[7];
    for (int i = 6; i >= 0; i--)
        p = p * z + c[i];
    return p * r;
}

static double cos_series(double r)
{
    static const double c[9] = {1.0, -1.0 / 2.0, 1.0 / 24.0, -1.0 / 720.0, 1.0 / 40320.0,
                                -1.0 / 3628800.0, 1.0 / 479001600.0, -1.0 / 87178291200.0,
                                1.0 / 20922789888000.0};
    double z = r * r, p = c[8];
    for (int i = 7; i >= 0; i--)
        p = p * z + c[i];
    return p;
}

/* |x| = q pi/2 + r (mod 2 pi) with |r| <= pi/4. */
static double reduce(float x, int *q)
{
    float ax = fabsf(x);
    if ((double)ax <= 0.78539816339744830962) {
        *q = 0;
        return (double)ax;
    }
    return reduce_pio2(ax, q);
}

float gg_ops_sinf(float x)
{
    if (!isfinite(x))
        return x - x;  // NaN
    int q;
    double r = reduce(x, &q);
    double v = (q & 1) ? cos_series(r) : sin_series(r);
    if (q & 2)
        v = -v;
    return (float)(signbit(x) ? -v : v);
}

float gg_ops_cosf(float x)
{
    if (!isfinite(x))
        return x - x;
    int q;
    double r = reduce(x, &q);
    double v = (q & 1) ? sin_series(r) : cos_series(r);
    return (float)(q == 1 || q == 2 ? -v : v);
}

static int is_int(double y)
{
    return y == floor(y);
}

static int is_odd_int(double y)
{
    return is_int(y) && fmod(y, 2.0) != 0.0;
}

/* C99 pow for finite-or-special doubles, through gg_exp(y gg_log|x|): for float arguments
 * with a float-range result |y log x| < 104, so the relative error is ~1e-14. */
static double pow_d(double x, double y)
{
    if (y == 0.0 || x == 1.0)
        return 1.0;
    if (isnan(x) || isnan(y))
        return x + y;
    if (isinf(y)) {
        double ax = fabs(x);
        if (ax == 1.0)
            return 1.0;
        return (ax < 1.0) == (y > 0.0) ? 0.0 : (double)INFINITY;
    }
    if (x == 0.0) {
        int odd = is_odd_int(y);
        if (y < 0.0)
            return odd ? copysign((double)INFINITY, x) : (double)INFINITY;
        return odd ? x : 0.0;
    }
    if (isinf(x)) {
        double r = y > 0.0 ? (double)INFINITY : 0.0;
        return x < 0.0 && is_odd_int(y) ? -r : r;
    }
    int neg = 0;
    if (x < 0.0) {
        if (!is_int(y))
            return (double)NAN;
        neg = is_odd_int(y);
        x = -x;
    }
    double r = gg_exp(y * gg_log(x));
    return neg ? -r : r;
}

float gg_ops_powf(float x, float y)
{
    return (float)pow_d((double)x, (double)y);
}

/* ---- binary element-wise ops ---- */

static const char *const binop_names[GG_OPS_BINOP_COUNT] = {
    "add", "sub", "mul", "div", "pow", "maximum", "minimum"};

const char *gg_ops_binop_name(gg_ops_binop op)
{
    return (unsigned)op < GG_OPS_BINOP_COUNT ? binop_names[op] : NULL;
}

static inline float f_add(float a, float b) { return a + b; }
static inline float f_sub(float a, float b) { return a - b; }
static inline float f_mul(float a, float b) { return a * b; }
static inline float f_div(float a, float b) { return a / b; }
static inline float f_pow(float a, float b) { return gg_ops_powf(a, b); }
static inline float f_max(float a, float b)
{
    return a != a ? a : b != b ? b : a < b ? b : a;
}
static inline float f_min(float a, float b)
{
    return a != a ? a : b != b ? b : b < a ? b : a;
}

/* y[i] = F(a[i sa], b[i sb]) for i < n, with the common stride patterns spelled out so
 * that they vectorise. */
#define BINARY_KERNEL(name, F)                                                            \
    GG_KERNEL static void name(float *restrict y, const float *restrict a, size_t sa,      \
                               const float *restrict b, size_t sb, size_t n)              \
    {                                                                                     \
        if (sa == 1 && sb == 1) {                                                         \
            for (size_t i = 0; i < n; i++)                                                \
                y[i] = F(a[i], b[i]);                                                     \
        } else if (sa == 1 && sb == 0) {                                                  \
            const float bv = b[0];                                                        \
            for (size_t i = 0; i < n; i++)                                                \
                y[i] = F(a[i], bv);                                                       \
        } else if (sa == 0 && sb == 1) {                                                  \
            const float av = a[0];                                                        \
            for (size_t i = 0; i < n; i++)                                                \
                y[i] = F(av, b[i]);                                                       \
        } else {                                                                          \
            for (size_t i = 0; i < n; i++)                                                \
                y[i] = F(a[i * sa], b[i * sb]);                                           \
        }                                                                                 \
    }

BINARY_KERNEL(fwd_add, f_add)
BINARY_KERNEL(fwd_sub, f_sub)
BINARY_KERNEL(fwd_mul, f_mul)
BINARY_KERNEL(fwd_div, f_div)
BINARY_KERNEL(fwd_pow, f_pow)
BINARY_KERNEL(fwd_max, f_max)
BINARY_KERNEL(fwd_min, f_min)

typedef void (*binary_fn)(float *restrict, const float *restrict, size_t,
                          const float *restrict, size_t, size_t);
static const binary_fn binary_fwd[GG_OPS_BINOP_COUNT] = {fwd_add, fwd_sub, fwd_mul, fwd_div,
                                                         fwd_pow, fwd_max, fwd_min};

/* Gradient of each side: g = dy, a and b the operands (torch's formulas, in its order). */
static inline float ga_add(float g, float a, float b) { (void)a, (void)b; return g; }
static inline float gb_sub(float g, float a, float b) { (void)a, (void)b; return -g; }
static inline float ga_mul(float g, float a, float b) { (void)a; return g * b; }
static inline float gb_mul(float g, float a, float b) { (void)b; return g * a; }
static inline float ga_div(float g, float a, float b) { (void)a; return g / b; }
static inline float gb_div(float g, float a, float b) { return -g * ((a / b) / b); }
static inline float ga_pow(float g, float a, float b)
{
    return b == 0.0f ? 0.0f : g * (b * gg_ops_powf(a, b - 1.0f));
}
static inline float gb_pow(float g, float a, float b)
{
    return g * (a == 0.0f && b >= 0.0f ? 0.0f : gg_ops_powf(a, b) * gg_logf(a));
}
static inline float ga_max(float g, float a, float b)
{
    return a == b ? g / 2.0f : a < b ? 0.0f : g;
}
static inline float gb_max(float g, float a, float b)
{
    return a == b ? g / 2.0f : a > b ? 0.0f : g;
}
static inline float ga_min(float g, float a, float b)
{
    return a == b ? g / 2.0f : a > b ? 0.0f : g;
}
static inline float gb_min(float g, float a, float b)
{
    return a == b ? g / 2.0f : a < b ? 0.0f : g;
}

#define GRAD_LOOP(EXPR)                                                                   \
    do {                                                                                  \
        if (acc)                                                                          \
            for (size_t i = 0; i < n; i++)                                                \
                t[i] += (EXPR);                                                           \
        else                                                                              \
            for (size_t i = 0; i < n; i++)                                                \
                t[i] = (EXPR);                                                            \
    } while (0)

/* t[i] (=, or += when acc) G(dy[i], a[i sa], b[i sb]) for i < n. */
#define GRAD_KERNEL(name, G)                                                              \
    GG_KERNEL static void name(float *restrict t, const float *restrict dy,                \
                               const float *restrict a, size_t sa,                        \
                               const float *restrict b, size_t sb, size_t n, int acc)     \
    {                                                                                     \
        if (sa == 1 && sb == 1) {                                                         \
            GRAD_LOOP(G(dy[i], a[i], b[i]));                                              \
        } else if (sa == 1 && sb == 0) {                                                  \
            const float bv = b[0];                                                        \
            GRAD_LOOP(G(dy[i], a[i], bv));                                                \
        } else if (sa == 0 && sb == 1) {                                                  \
            const float av = a[0];                                                        \
            GRAD_LOOP(G(dy[i], av, b[i]));                                                \
        } else {                                                                          \
            GRAD_LOOP(G(dy[i], a[i * sa], b[i * sb]));                                    \
        }                                                                                 \
    }

GRAD_KERNEL(grad_pass, ga_add)
GRAD_KERNEL(grad_neg, gb_sub)
GRAD_KERNEL(grad_a_mul, ga_mul)
GRAD_KERNEL(grad_b_mul, gb_mul)
GRAD_KERNEL(grad_a_div, ga_div)
GRAD_KERNEL(grad_b_div, gb_div)
GRAD_KERNEL(grad_a_pow, ga_pow)
GRAD_KERNEL(grad_b_pow, gb_pow)
GRAD_KERNEL(grad_a_max, ga_max)
GRAD_KERNEL(grad_b_max, gb_max)
GRAD_KERNEL(grad_a_min, ga_min)
GRAD_KERNEL(grad_b_min, gb_min)

typedef void (*grad_fn)(float *restrict, const float *restrict, const float *restrict, size_t,
                        const float *restrict, size_t, size_t, int);
static const grad_fn binary_grad[GG_OPS_BINOP_COUNT][2] = {
    {grad_pass, grad_pass},   {grad_pass, grad_neg},    {grad_a_mul, grad_b_mul},
    {grad_a_div, grad_b_div}, {grad_a_pow, grad_b_pow}, {grad_a_max, grad_b_max},
    {grad_a_min, grad_b_min}};

size_t gg_ops_binary_scratch(const gg_dims *as, const gg_dims *bs)
{
    gg_dims ys;
    if (!broadcast2(&ys, as, bs))
        return 0;
    size_t n = gg_dims_numel(&ys);
    return gg_dims_numel(as) != n || gg_dims_numel(bs) != n ? n : 0;
}

void gg_ops_binary_forward(gg_ops_binop op, float *y, const float *a, const float *b,
                           const gg_dims *as, const gg_dims *bs)
{
    gg_dims ys;
    if (!broadcast2(&ys, as, bs) || (unsigned)op >= GG_OPS_BINOP_COUNT) {
        GG_ASSERT(0);  // the shape function rejects these shapes
        return;
    }
    size_t n = gg_dims_numel(&ys);
    if (n == 0)
        return;
    bcast it;
    const gg_dims *ops[3] = {&ys, as, bs};
    bcast_init(&it, &ys, 3, ops);
    int last = it.nd - 1;
    size_t inner = it.size[last], idx[GG_MAX_DIMS] = {0}, off[MAXOPS] = {0};
    binary_fn f = binary_fwd[op];
    for (size_t r = 0; r < n / inner; r++) {
        f(y + off[0], a + off[1], it.st[1][last], b + off[2], it.st[2][last], inner);
        bcast_next(&it, idx, off);
    }
}

void gg_ops_binary_backward(gg_ops_binop op, float *da, float *db, const float *dy,
                            const float *a, const float *b, const gg_dims *as,
                            const gg_dims *bs, int acc_a, int acc_b, float *scratch)
{
    gg_dims ys;
    if (!broadcast2(&ys, as, bs) || (unsigned)op >= GG_OPS_BINOP_COUNT) {
        GG_ASSERT(0);  // the shape function rejects these shapes
        return;
    }
    size_t n = gg_dims_numel(&ys);
    bcast it;
    const gg_dims *ops[3] = {&ys, as, bs};
    bcast_init(&it, &ys, 3, ops);
    int last = it.nd - 1;
    size_t inner = it.size[last];
    for (int side = 0; side < 2; side++) {
        float *d = side ? db : da;
        const gg_dims *ds = side ? bs : as;
        int acc = side ? acc_b : acc_a;
        if (!d)
            continue;
        // Same shape as the output: the gradient goes straight into d; otherwise into
        // scratch (output-shaped), then summed down to ds.
        int direct = gg_dims_numel(ds) == n;
        if (n == 0) {
            if (!direct)
                gg_ops_sum_to(d, scratch, ds, &ys, acc);
            continue;
        }
        float *t = direct ? d : scratch;
        size_t idx[GG_MAX_DIMS] = {0}, off[MAXOPS] = {0};
        grad_fn g = binary_grad[op][side];
        for (size_t r = 0; r < n / inner; r++) {
            g(t + off[0], dy + off[0], a + off[1], it.st[1][last], b + off[2],
              it.st[2][last], inner, direct ? acc : 0);
            bcast_next(&it, idx, off);
        }
        if (!direct)
            gg_ops_sum_to(d, scratch, ds, &ys, acc);
    }
}

/* ---- unary element-wise ops ---- */

static const char *const unop_names[GG_OPS_UNOP_COUNT] = {
    "neg",        "exp",        "log",        "sqrt",       "rsqrt",       "abs",
    "square",     "reciprocal", "sin",        "cos",        "clamp",       "add_scalar",
    "mul_scalar", "div_scalar", "rsub_scalar", "rdiv_scalar", "pow_scalar"};

const char *gg_ops_unop_name(gg_ops_unop op)
{
    return (unsigned)op < GG_OPS_UNOP_COUNT ? unop_names[op] : NULL;
}

int gg_ops_unary_reads(gg_ops_unop op)
{
    switch (op) {
    case GG_OPS_EXP:
    case GG_OPS_SQRT:
    case GG_OPS_RSQRT:
    case GG_OPS_RECIPROCAL:
        return GG_OPS_READS_Y;
    case GG_OPS_LOG:
    case GG_OPS_ABS:
    case GG_OPS_SQUARE:
    case GG_OPS_SIN:
    case GG_OPS_COS:
    case GG_OPS_CLAMP:
    case GG_OPS_RDIV_SCALAR:
    case GG_OPS_POW_SCALAR:
        return GG_OPS_READS_X;
    default:
        return 0;
    }
}

gg_status gg_ops_unary_check(gg_ops_unop op, const gg_ops_uparam *p, gg_err *err)
{
    if ((unsigned)op >= GG_OPS_UNOP_COUNT)
        return gg_err_set(err, GG_EINVAL, "unknown unary op %d", (int)op);
    if (op == GG_OPS_CLAMP) {
        if (!p)
            return gg_err_set(err, GG_EINVAL, "clamp needs its bounds");
        if (isnan(p->lo) || isnan(p->hi))
            return gg_err_set(err, GG_EINVAL, "clamp %s must not be NaN",
                              isnan(p->lo) ? "min" : "max");
    }
    if (op >= GG_OPS_ADD_SCALAR) {
        if (!p)
            return gg_err_set(err, GG_EINVAL, "%s needs its scalar", unop_names[op]);
        if (isnan(p->c))
            return gg_err_set(err, GG_EINVAL, "%s: the scalar must not be NaN",
                              unop_names[op]);
    }
    return GG_OK;
}

/* x ** c with torch's special cases (PowKernel.cpp, pow_out's 0 and 1). */
static float pow_scalar(float x, double c)
{
    if (c == 0.0)
        return 1.0f;
    if (c == 1.0)
        return x;
    if (c == 0.5)
        return sqrtf(x);
    if (c == 2.0)
        return x * x;
    if (c == 3.0)
        return x * x * x;
    if (c == -0.5)
        return 1.0f / sqrtf(x);
    if (c == -1.0)
        return 1.0f / x;
    if (c == -2.0)
        return 1.0f / (x * x);
    return gg_ops_powf(x, (float)c);
}

static float clampf(float x, float lo, float hi)
{
    float t = x < lo ? lo : x;  // std::max(x, lo) keeps x on a tie and NaN
    return hi < t ? hi : t;     // std::min(t, hi)
}

void gg_ops_unary_forward(gg_ops_unop op, const gg_ops_uparam *p, float *y, const float *x,
                          size_t n)
{
    const float c = p ? (float)p->c : 0.0f;
    switch (op) {
    case GG_OPS_NEG:
        for (size_t i = 0; i < n; i++)
            y[i] = -x[i];
        break;
    case GG_OPS_EXP:
        gg_expf_n(y, x, n);
        break;
    case GG_OPS_LOG:
        gg_logf_n(y, x, n);
        break;
    case GG_OPS_SQRT:
        for (size_t i = 0; i < n; i++)
            y[i] = sqrtf(x[i]);
        break;
    case GG_OPS_RSQRT:
        for (size_t i = 0; i < n; i++)
            y[i] = 1.0f / sqrtf(x[i]);
        break;
    case GG_OPS_ABS:
        for (size_t i = 0; i < n; i++)
            y[i] = fabsf(x[i]);
        break;
    case GG_OPS_SQUARE:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] * x[i];
        break;
    case GG_OPS_RECIPROCAL:
        for (size_t i = 0; i < n; i++)
            y[i] = 1.0f / x[i];
        break;
    case GG_OPS_SIN:
        for (size_t i = 0; i < n; i++)
            y[i] = gg_ops_sinf(x[i]);
        break;
    case GG_OPS_COS:
        for (size_t i = 0; i < n; i++)
            y[i] = gg_ops_cosf(x[i]);
        break;
    case GG_OPS_CLAMP:
        for (size_t i = 0; i < n; i++)
            y[i] = clampf(x[i], p->lo, p->hi);
        break;
    case GG_OPS_ADD_SCALAR:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] + c;
        break;
    case GG_OPS_MUL_SCALAR:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] * c;
        break;
    case GG_OPS_DIV_SCALAR:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] / c;
        break;
    case GG_OPS_RSUB_SCALAR:
        for (size_t i = 0; i < n; i++)
            y[i] = c - x[i];
        break;
    case GG_OPS_RDIV_SCALAR:
        for (size_t i = 0; i < n; i++)
            y[i] = (1.0f / x[i]) * c;
        break;
    case GG_OPS_POW_SCALAR:
        for (size_t i = 0; i < n; i++)
            y[i] = pow_scalar(x[i], p->c);
        break;
    }
}

/* sgn as torch computes it for reals: (0 < x) - (x < 0), so sgn(NaN) = 0. */
static inline float sgnf(float x)
{
    return (float)((0.0f < x) - (x < 0.0f));
}

#define UNARY_GRAD(EXPR)                                                                  \
    do {                                                                                  \
        if (acc)                                                                          \
            for (size_t i = 0; i < n; i++)                                                \
                dx[i] += (EXPR);                                                          \
        else                                                                              \
            for (size_t i = 0; i < n; i++)                                                \
                dx[i] = (EXPR);                                                           \
    } while (0)

void gg_ops_unary_backward(gg_ops_unop op, const gg_ops_uparam *p, float *dx, const float *dy,
                           const float *x, const float *y, size_t n, int acc)
{
    if (!dx)
        return;
    const float c = p ? (float)p->c : 0.0f;
    switch (op) {
    case GG_OPS_NEG:
    case GG_OPS_RSUB_SCALAR:
        UNARY_GRAD(-dy[i]);
        break;
    case GG_OPS_EXP:
        UNARY_GRAD(dy[i] * y[i]);
        break;
    case GG_OPS_LOG:
        UNARY_GRAD(dy[i] / x[i]);
        break;
    case GG_OPS_SQRT:
        UNARY_GRAD(dy[i] / (2.0f * y[i]));
        break;
    case GG_OPS_RSQRT:
        UNARY_GRAD((-0.5f * dy[i]) * (y[i] * y[i] * y[i]));
        break;
    case GG_OPS_ABS:
        UNARY_GRAD(dy[i] * sgnf(x[i]));
        break;
    case GG_OPS_SQUARE:
        UNARY_GRAD(dy[i] * (2.0f * x[i]));
        break;
    case GG_OPS_RECIPROCAL:
        UNARY_GRAD(-dy[i] * (y[i] * y[i]));
        break;
    case GG_OPS_SIN:
        UNARY_GRAD(dy[i] * gg_ops_cosf(x[i]));
        break;
    case GG_OPS_COS:
        UNARY_GRAD(dy[i] * -gg_ops_sinf(x[i]));
        break;
    case GG_OPS_CLAMP:
        UNARY_GRAD(x[i] >= p->lo && x[i] <= p->hi ? dy[i] : 0.0f);
        break;
    case GG_OPS_ADD_SCALAR:
        UNARY_GRAD(dy[i]);
        break;
    case GG_OPS_MUL_SCALAR:
        UNARY_GRAD(dy[i] * c);
        break;
    case GG_OPS_DIV_SCALAR:
        UNARY_GRAD(dy[i] / c);
        break;
    case GG_OPS_RDIV_SCALAR:
        // y = r*c with r = 1/x: mul's backward (dy*c), then reciprocal's (-g*(r*r)).
        UNARY_GRAD(-(dy[i] * c) * ((1.0f / x[i]) * (1.0f / x[i])));
        break;
    case GG_OPS_POW_SCALAR:
        if (p->c == 0.0) {
            UNARY_GRAD(0.0f);
        } else {
            const float cf = (float)p->c;
            const double cm1 = p->c - 1.0;
            UNARY_GRAD(dy[i] * (cf * pow_scalar(x[i], cm1)));
        }
        break;
    }
}

/* ---- selection ---- */

gg_status gg_ops_where_shape(gg_dims *y, const gg_dims *cs, const gg_dims *as,
                             const gg_dims *bs, gg_err *err)
{
    gg_status st = gg_dims_check(cs, "cond", err);
    if (st == GG_OK)
        st = gg_dims_check(as, "a", err);
    if (st == GG_OK)
        st = gg_dims_check(bs, "b", err);
    if (st != GG_OK)
        return st;
    gg_dims ab;
    char s1[GG_DIMS_STRLEN], s2[GG_DIMS_STRLEN];
    if (!broadcast2(&ab, as, bs))
        return gg_err_set(err, GG_ESHAPE, "where: cannot broadcast a %s with b %s",
                          gg_dims_format(s1, sizeof s1, as), gg_dims_format(s2, sizeof s2, bs));
    if (!broadcast2(y, cs, &ab))
        return gg_err_set(err, GG_ESHAPE, "where: cannot broadcast cond %s with a, b %s",
                          gg_dims_format(s1, sizeof s1, cs), gg_dims_format(s2, sizeof s2, &ab));
    return GG_OK;
}

static int broadcast3(gg_dims *y, const gg_dims *cs, const gg_dims *as, const gg_dims *bs)
{
    gg_dims ab;
    if (!broadcast2(&ab, as, bs)) {
        *y = ab;  // partial; never used
        return 0;
    }
    return broadcast2(y, cs, &ab);
}

size_t gg_ops_where_scratch(const gg_dims *cs, const gg_dims *as, const gg_dims *bs)
{
    gg_dims ys;
    if (!broadcast3(&ys, cs, as, bs))
        return 0;
    size_t n = gg_dims_numel(&ys);
    return gg_dims_numel(as) != n || gg_dims_numel(bs) != n ? n : 0;
}

void gg_ops_where_forward(float *y, const float *cond, const float *a, const float *b,
                          const gg_dims *cs, const gg_dims *as, const gg_dims *bs)
{
    gg_dims ys;
    if (!broadcast3(&ys, cs, as, bs)) {
        GG_ASSERT(0);  // the shape function rejects these shapes
        return;
    }
    size_t n = gg_dims_numel(&ys);
    if (n == 0)
        return;
    bcast it;
    const gg_dims *ops[4] = {&ys, cs, as, bs};
    bcast_init(&it, &ys, 4, ops);
    int last = it.nd - 1;
    size_t inner = it.size[last], idx[GG_MAX_DIMS] = {0}, off[MAXOPS] = {0};
    size_t sc = it.st[1][last], sa = it.st[2][last], sb = it.st[3][last];
    for (size_t r = 0; r < n / inner; r++) {
        float *yr = y + off[0];
        const float *c = cond + off[1], *ar = a + off[2], *br = b + off[3];
        for (size_t i = 0; i < inner; i++)
            yr[i] = c[i * sc] != 0.0f ? ar[i * sa] : br[i * sb];
        bcast_next(&it, idx, off);
    }
}

/* d (ds, broadcast to ys) gets dy where (mask[.] != 0) == keep_if_set, summed to ds;
 * mask has shape ms. The selected-out elements get 0 (select, not multiply). */
static void select_grad(float *d, const float *dy, const float *mask, const gg_dims *ys,
                        const gg_dims *ms, const gg_dims *ds, int keep_if_set, int acc,
                        float *scratch)
{
    size_t n = gg_dims_numel(ys);
    int direct = gg_dims_numel(ds) == n;
    if (n == 0) {
        if (!direct)
            gg_ops_sum_to(d, scratch, ds, ys, acc);
        return;
    }
    float *t = direct ? d : scratch;
    int tacc = direct && acc;
    bcast it;
    const gg_dims *ops[2] = {ys, ms};
    bcast_init(&it, ys, 2, ops);
    int last = it.nd - 1;
    size_t inner = it.size[last], sm = it.st[1][last], idx[GG_MAX_DIMS] = {0},
           off[MAXOPS] = {0};
    for (size_t r = 0; r < n / inner; r++) {
        float *tr = t + off[0];
        const float *g = dy + off[0], *m = mask + off[1];
        if (tacc)
            for (size_t i = 0; i < inner; i++)
                tr[i] += (m[i * sm] != 0.0f) == keep_if_set ? g[i] : 0.0f;
        else
            for (size_t i = 0; i < inner; i++)
                tr[i] = (m[i * sm] != 0.0f) == keep_if_set ? g[i] : 0.0f;
        bcast_next(&it, idx, off);
    }
    if (!direct)
        gg_ops_sum_to(d, scratch, ds, ys, acc);
}

void gg_ops_where_backward(float *da, float *db, const float *dy, const float *cond,
                           const gg_dims *cs, const gg_dims *as, const gg_dims *bs, int acc_a,
                           int acc_b, float *scratch)
{
    gg_dims ys;
    if (!broadcast3(&ys, cs, as, bs)) {
        GG_ASSERT(0);  // the shape function rejects these shapes
        return;
    }
    if (da)
        select_grad(da, dy, cond, &ys, cs, as, 1, acc_a, scratch);
    if (db)
        select_grad(db, dy, cond, &ys, cs, bs, 0, acc_b, scratch);
}

void gg_ops_masked_fill_forward(float *y, const float *x, const float *mask, const gg_dims *xs,
                                const gg_dims *ms, float value)
{
    gg_dims ys;
    if (!broadcast2(&ys, xs, ms)) {
        GG_ASSERT(0);  // the shape function rejects these shapes
        return;
    }
    size_t n = gg_dims_numel(&ys);
    if (n == 0)
        return;
    bcast it;
    const gg_dims *ops[3] = {&ys, xs, ms};
    bcast_init(&it, &ys, 3, ops);
    int last = it.nd - 1;
    size_t inner = it.size[last], sx = it.st[1][last], sm = it.st[2][last];
    size_t idx[GG_MAX_DIMS] = {0}, off[MAXOPS] = {0};
    for (size_t r = 0; r < n / inner; r++) {
        float *yr = y + off[0];
        const float *xr = x + off[1], *m = mask + off[2];
        for (size_t i = 0; i < inner; i++)
            yr[i] = m[i * sm] != 0.0f ? value : xr[i * sx];
        bcast_next(&it, idx, off);
    }
}

void gg_ops_masked_fill_backward(float *dx, const float *dy, const float *mask,
                                 const gg_dims *xs, const gg_dims *ms, int acc,
                                 float *scratch)
{
    gg_dims ys;
    if (!broadcast2(&ys, xs, ms)) {
        GG_ASSERT(0);  // the shape function rejects these shapes
        return;
    }
    if (dx)
        select_grad(dx, dy, mask, &ys, ms, xs, 0, acc, scratch);
}

/* ---- layout ---- */

gg_status gg_ops_permute_shape(gg_dims *y, int *perm_out, const gg_dims *x, const int *perm,
                               int nperm, gg_err *err)
{
    gg_status st = gg_dims_check(x, "x", err);
    if (st != GG_OK)
        return st;
    if (nperm != x->n)
        return gg_err_set(err, GG_EINVAL, "permute: %d dims given for a %d-d tensor", nperm,
                          x->n);
    int seen[GG_MAX_DIMS] = {0};
    gg_dims r;
    memset(&r, 0, sizeof r);
    r.n = x->n;
    for (int i = 0; i < nperm; i++) {
        int d = 0;
        st = gg_ops_dim(&d, perm[i], x->n, 0, err);
        if (st != GG_OK)
            return st;
        if (seen[d]++)
            return gg_err_set(err, GG_EINVAL, "permute: dim %d appears twice", d);
        perm_out[i] = d;
        r.d[i] = x->d[d];
    }
    *y = r;
    return GG_OK;
}

gg_status gg_ops_transpose_perm(int *perm, int ndim, int d0, int d1, gg_err *err)
{
    if (ndim < 0 || ndim > GG_MAX_DIMS)
        return gg_err_set(err, GG_EINVAL, "transpose: %d dims, expected 0 to %d", ndim,
                          GG_MAX_DIMS);
    int a = 0, b = 0;
    gg_status st = gg_ops_dim(&a, d0, ndim, 1, err);
    if (st == GG_OK)
        st = gg_ops_dim(&b, d1, ndim, 1, err);
    if (st != GG_OK)
        return st;
    for (int i = 0; i < ndim; i++)
        perm[i] = i;
    if (ndim > 0) {
        perm[a] = b;
        perm[b] = a;
    }
    return GG_OK;
}

void gg_ops_permute_forward(float *y, const float *x, const gg_dims *xs, const int *perm)
{
    size_t xst[GG_MAX_DIMS], yst[GG_MAX_DIMS], src[GG_MAX_DIMS], size[GG_MAX_DIMS];
    contiguous_strides(xst, xs);
    for (int i = 0; i < xs->n; i++) {
        src[i] = xst[perm[i]];
        size[i] = xs->d[perm[i]];
    }
    gg_dims ys = gg_dims_make(xs->n, size);
    contiguous_strides(yst, &ys);
    if (xs->n == 0) {
        y[0] = x[0];
        return;
    }
    strided_copy(y, yst, x, src, size, xs->n, 0);
}

void gg_ops_permute_backward(float *dx, const float *dy, const gg_dims *xs, const int *perm,
                             int acc)
{
    if (!dx)
        return;
    if (xs->n == 0) {
        dx[0] = acc ? dx[0] + dy[0] : dy[0];
        return;
    }
    size_t xst[GG_MAX_DIMS], yst[GG_MAX_DIMS], src[GG_MAX_DIMS], size[GG_MAX_DIMS];
    for (int i = 0; i < xs->n; i++)
        size[i] = xs->d[perm[i]];
    gg_dims ys = gg_dims_make(xs->n, size);
    contiguous_strides(yst, &ys);
    contiguous_strides(xst, xs);
    for (int i = 0; i < xs->n; i++)
        src[perm[i]] = yst[i];  // x dim perm[i] is y dim i
    strided_copy(dx, xst, dy, src, xs->d, xs->n, acc);
}

gg_status gg_ops_concat_shape(gg_dims *y, int *dim_out, const gg_dims *xs, int nx, int dim,
                              gg_err *err)
{
    if (nx < 1)
        return gg_err_set(err, GG_EINVAL, "concat needs at least one tensor, got %d", nx);
    for (int i = 0; i < nx; i++) {
        gg_status st = gg_dims_check(&xs[i], "concat input", err);
        if (st != GG_OK)
            return st;
        if (xs[i].n == 0)
            return gg_err_set(err, GG_ESHAPE, "concat: input %d is 0-d", i);
    }
    int d = 0;
    gg_status st = gg_ops_dim(&d, dim, xs[0].n, 0, err);
    if (st != GG_OK)
        return st;
    gg_dims r = xs[0];
    for (int i = 1; i < nx; i++) {
        int bad = xs[i].n != r.n;
        for (int k = 0; k < r.n && !bad; k++)
            bad = k != d && xs[i].d[k] != xs[0].d[k];
        if (bad) {
            char s0[GG_DIMS_STRLEN], si[GG_DIMS_STRLEN];
            return gg_err_set(err, GG_ESHAPE,
                              "concat along dim %d: input %d %s does not match input 0 %s", d,
                              i, gg_dims_format(si, sizeof si, &xs[i]),
                              gg_dims_format(s0, sizeof s0, &xs[0]));
        }
        r.d[d] += xs[i].d[d];
    }
    st = gg_dims_check(&r, "concat result", err);
    if (st != GG_OK)
        return st;
    *y = r;
    *dim_out = d;
    return GG_OK;
}

/* The (outer, size at dim, inner) view of s around dim. */
static void split3(const gg_dims *s, int dim, size_t *outer, size_t *mid, size_t *inner)
{
    size_t o = 1, in = 1;
    for (int k = 0; k < dim; k++)
        o *= s->d[k];
    for (int k = dim + 1; k < s->n; k++)
        in *= s->d[k];
    *outer = o;
    *mid = s->d[dim];
    *inner = in;
}

void gg_ops_concat_forward(float *y, const float *const *x, const gg_dims *xs, int nx, int dim)
{
    size_t outer, mid, inner, total = 0;
    for (int i = 0; i < nx; i++)
        total += xs[i].d[dim];
    size_t at = 0;
    for (int i = 0; i < nx; i++) {
        split3(&xs[i], dim, &outer, &mid, &inner);
        size_t w = mid * inner;
        if (w)
            for (size_t o = 0; o < outer; o++)
                memcpy(y + (o * total + at) * inner, x[i] + o * w, w * sizeof *y);
        at += mid;
    }
}

void gg_ops_concat_backward(float *const *dx, const float *dy, const gg_dims *xs, int nx,
                            int dim, const int *acc)
{
    size_t outer, mid, inner, total = 0;
    for (int i = 0; i < nx; i++)
        total += xs[i].d[dim];
    size_t at = 0;
    for (int i = 0; i < nx; i++) {
        split3(&xs[i], dim, &outer, &mid, &inner);
        size_t w = mid * inner;
        if (dx[i] && w)
            for (size_t o = 0; o < outer; o++) {
                float *d = dx[i] + o * w;
                const float *s = dy + (o * total + at) * inner;
                if (acc && acc[i])
                    for (size_t j = 0; j < w; j++)
                        d[j] += s[j];
                else
                    memcpy(d, s, w * sizeof *d);
            }
        at += mid;
    }
}

gg_status gg_ops_slice_shape(gg_dims *y, int *dim_out, size_t *start_out, size_t *len_out,
                             const gg_dims *x, int dim, long start, long stop, long step,
                             gg_err *err)
{
    gg_status st = gg_dims_check(x, "x", err);
    if (st != GG_OK)
        return st;
    if (x->n == 0)
        return gg_err_set(err, GG_EINVAL, "cannot slice a 0-d tensor");
    int d = 0;
    st = gg_ops_dim(&d, dim, x->n, 0, err);
    if (st != GG_OK)
        return st;
    if (step < 1)
        return gg_err_set(err, GG_EINVAL, "slice step must be >= 1, got %ld", step);
    long size = (long)x->d[d];
    if (start < 0)
        start += size;
    if (stop < 0)
        stop += size;
    start = start < 0 ? 0 : start > size ? size : start;
    stop = stop < 0 ? 0 : stop > size ? size : stop;
    size_t len = stop > start ? (size_t)((stop - start + step - 1) / step) : 0;
    *y = *x;
    y->d[d] = len;
    *dim_out = d;
    *start_out = (size_t)start;
    *len_out = len;
    return GG_OK;
}

void gg_ops_slice_forward(float *y, const float *x, const gg_dims *xs, int dim, size_t start,
                          size_t len, size_t step)
{
    size_t xst[GG_MAX_DIMS], yst[GG_MAX_DIMS], src[GG_MAX_DIMS];
    gg_dims ys = *xs;
    ys.d[dim] = len;
    contiguous_strides(xst, xs);
    contiguous_strides(yst, &ys);
    for (int k = 0; k < xs->n; k++)
        src[k] = k == dim ? xst[k] * step : xst[k];
    strided_copy(y, yst, x + start * xst[dim], src, ys.d, ys.n, 0);
}

void gg_ops_slice_backward(float *dx, const float *dy, const gg_dims *xs, int dim,
                           size_t start, size_t len, size_t step, int acc)
{
    if (!dx)
        return;
    size_t xst[GG_MAX_DIMS], yst[GG_MAX_DIMS], dst[GG_MAX_DIMS];
    gg_dims ys = *xs;
    ys.d[dim] = len;
    contiguous_strides(xst, xs);
    contiguous_strides(yst, &ys);
    if (!acc)
        memset(dx, 0, gg_dims_numel(xs) * sizeof *dx);
    for (int k = 0; k < xs->n; k++)
        dst[k] = k == dim ? xst[k] * step : xst[k];
    strided_copy(dx + start * xst[dim], dst, dy, yst, ys.d, ys.n, acc);
}
