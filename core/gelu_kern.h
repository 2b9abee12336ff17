/* core/gelu_kern.h — the exact GELU's lane code for one vector width, included by
 * core/gelu.c once per path (never on its own). Every lane performs the same IEEE double
 * operations in the same order whatever the width, so the paths give the same bits; the
 * width only matches the registers (2 doubles on baseline x86-64, 4 with AVX2, 8 with
 * AVX-512: wider GCC vectors than the target has lower comparisons to scalar code). The
 * including file defines:
 *   VW   lanes;  vd, vl, vf  VW doubles, VW int64 masks, VW floats (GCC vectors)
 *   SFX(name)    name##_<path>
 * and the constants of gelu.c. */

#define GK_INLINE static inline __attribute__((always_inline))

GK_INLINE vd SFX(splat)(double a)
{
    vd v = {0};
    for (int i = 0; i < VW; i++)
        v[i] = a;
    return v;
}

GK_INLINE vl SFX(bits)(vd a)
{
    vl b;
    memcpy(&b, &a, sizeof b);
    return b;
}

GK_INLINE vd SFX(from_bits)(vl b)
{
    vd a;
    memcpy(&a, &b, sizeof a);
    return a;
}

/* Lanes of a where mask is all ones, of b where it is zero. */
GK_INLINE vd SFX(sel)(vl mask, vd a, vd b)
{
    return SFX(from_bits)((SFX(bits)(a) & mask) | (SFX(bits)(b) & ~mask));
}

/* What every lane needs: x in double, Phi(x), e^(-a^2/2) and x clamped to [-27, 27]. */
typedef struct SFX(parts) {
    vd x, phi, e, xc;
} SFX(parts);

GK_INLINE SFX(parts) SFX(gelu_parts)(vf xf)
{
    SFX(parts) o;
    o.x = __builtin_convertvector(xf, vd);
    vd a = SFX(from_bits)(SFX(bits)(o.x) & ~SIGN);           // |x|; NaN stays NaN
    a = SFX(sel)(a < A_MAX, a, SFX(splat)(A_MAX));           // NaN and inf: 27
    o.xc = SFX(from_bits)(SFX(bits)(a) | (SFX(bits)(o.x) & SIGN));
    // e^-u, u = a^2/2 (exact: a is a float): -u = k ln2 + r, |r| <= ln2/2, k in [-526, 0].
    vd w = -(0.5 * (a * a));
    vd n = w * INV_LN2 + ROUND_SHIFT;
    vd kd = n - ROUND_SHIFT;
    vd r = (w - kd * LN2_HI) - kd * LN2_LO;
    vd p = SFX(splat)(EXP_C[0]);
    for (int i = 1; i < 11; i++)
        p = p * r + EXP_C[i];
    // n's low bits hold k (n = 1.5 2^52 + k): 2^k from its exponent field.
    vd two_k = SFX(from_bits)((SFX(bits)(n) + 1023) << 52);
    o.e = p * two_k;
    // q = Phi(-a) = e^-u erfcx(z) / 2, erfcx(z) = (1 - t) P(t).
    vd z = a * SQRT1_2;
    vd t = (z - 4.0) / (z + 4.0);
    vd s = SFX(splat)(ERFCX_C[0]);
    for (int i = 1; i < 18; i++)
        s = s * t + ERFCX_C[i];
    vd q = (0.5 * o.e) * ((1.0 - t) * s);
    o.phi = SFX(sel)(o.x < 0.0, q, 1.0 - q);
    o.phi = SFX(sel)(a < SMALL, 0.5 + o.x * INV_SQRT_2PI, o.phi);
    return o;
}

/* Float lanes of y, except NaN lanes of x (x's NaN, its sign flipped, as the double formula
 * gave) and -inf lanes (the default NaN, as -inf * 0 gave). */
GK_INLINE vf SFX(gelu_lanes)(vf xf)
{
    SFX(parts) o = SFX(gelu_parts)(xf);
    vd y = o.x * o.phi;
    y = SFX(sel)(o.x != o.x, -o.x, y);  // NOLINT(misc-redundant-expression): NaN lanes
    y = SFX(sel)(o.x == -INF, SFX(from_bits)((vl){0} + DEFAULT_NAN), y);
    return __builtin_convertvector(y, vf);
}

/* dx lanes: dy (Phi + x phi) in double, rounded once; NaN lanes of x give x's NaN and
 * infinite ones the default NaN (as inf * 0 gave), whatever dy is. */
GK_INLINE vf SFX(grad_lanes)(vf xf, vf dyf)
{
    SFX(parts) o = SFX(gelu_parts)(xf);
    vd g = o.phi + (o.xc * INV_SQRT_2PI) * o.e;
    g = SFX(sel)(o.x <= GRAD_ZERO, SFX(splat)(0.0), g);
    vd dx = __builtin_convertvector(dyf, vd) * g;
    dx = SFX(sel)(o.x != o.x, o.x, dx);  // NOLINT(misc-redundant-expression): NaN lanes
    dx = SFX(sel)((o.x == INF) | (o.x == -INF),
                  SFX(from_bits)((vl){0} + DEFAULT_NAN), dx);
    return __builtin_convertvector(dx, vf);
}

GK_INLINE vf SFX(load)(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

GK_INLINE void SFX(store)(float *p, vf v)
{
    memcpy(p, &v, sizeof v);
}

/* The array loops: whole vectors, then the tail as one vector padded with zeros. */
static void SFX(forward)(float *y, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + VW <= n; i += VW)
        SFX(store)(y + i, SFX(gelu_lanes)(SFX(load)(x + i)));
    if (i < n) {
        float t[VW] = {0};
        memcpy(t, x + i, (n - i) * sizeof *t);
        SFX(store)(t, SFX(gelu_lanes)(SFX(load)(t)));
        memcpy(y + i, t, (n - i) * sizeof *t);
    }
}

static void SFX(backward)(float *dx, const float *dy, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + VW <= n; i += VW)
        SFX(store)(dx + i, SFX(grad_lanes)(SFX(load)(x + i), SFX(load)(dy + i)));
    if (i < n) {
        float t[VW] = {0}, d[VW] = {0};
        memcpy(t, x + i, (n - i) * sizeof *t);
        memcpy(d, dy + i, (n - i) * sizeof *d);
        SFX(store)(t, SFX(grad_lanes)(SFX(load)(t), SFX(load)(d)));
        memcpy(dx + i, t, (n - i) * sizeof *t);
    }
}

#undef GK_INLINE
