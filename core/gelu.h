/* core/gelu.h — the exact GELU, x Phi(x) (torch.nn.GELU(approximate='none')), and its
 * derivative Phi(x) + x phi(x), eight elements at a time (gg_act_forward/backward's
 * GG_ACT_GELU).
 *
 * One straight-line algorithm per element in double, rounded once to float: with
 * a = min(|x|, 27) and z = a/sqrt 2,
 *   q = Phi(-a) = e^(-a^2/2) (1 - t) P(t) / 2,   t = (z - 4)/(z + 4),
 * where P (degree 17, a Chebyshev fit) gives erfcx(z) = e^(z^2) erfc z = (1 - t) P(t)
 * to 1.6e-14 relative on [0, 27/sqrt 2], and e^(-a^2/2) is a range reduction to
 * [-ln2/2, ln2/2] (a^2/2 is exact: x is a float) with a degree-10 polynomial (2.2e-16).
 * Phi(x) = q for x < 0, 1 - q otherwise, 1/2 + x/sqrt(2 pi) for |x| < 2^-26. Ranges are
 * combined with selects, never branches, and the portable, AVX2 and AVX-512 paths compile
 * the same IEEE operations (no FMA: -std=c11 does not contract), so every path gives the
 * same bits, and so does any split of the array. The result is within 1 float ulp of the
 * double-precision x erfc(-x/sqrt 2)/2; NaN and infinities give what that formula gives
 * (GELU(+inf) = inf, GELU(-inf) = NaN, the gradient at +-inf NaN). */
#ifndef GG_GELU_H
#define GG_GELU_H

#include <stddef.h>

#include "isa.h"

/* y[i] = x[i] Phi(x[i]) for i < n on the given path (a supported one; the results do not
 * depend on it). y may equal x. */
void gg_gelu_forward(gg_isa isa, float *y, const float *x, size_t n);

/* dx[i] = dy[i] (Phi(x[i]) + x[i] phi(x[i])) for i < n, the product in double rounded
 * once. dx may equal dy. */
void gg_gelu_backward(gg_isa isa, float *dx, const float *dy, const float *x, size_t n);

#endif
