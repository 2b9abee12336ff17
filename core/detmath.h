/* core/detmath.h — deterministic elementary functions.
 *
 * glibc picks exp/log/cos/pow implementations at run time by CPU feature (FMA, AVX2),
 * and the variants differ in the last bit: the same binary wrote different curves under
 * valgrind (no FMA) than natively. These functions use only IEEE +, -, *, / and exact
 * bit operations in a fixed order, so every x86-64 (and every build) gets the same bits.
 * The float versions evaluate in double and round once: error < 1 ulp of float. */
#ifndef GG_DETMATH_H
#define GG_DETMATH_H

#include <stddef.h>

/* e^x in double; relative error ~1e-16; overflow → inf, underflow → 0. */
double gg_exp(double x);

/* Natural log in double; x < 0 or NaN → NaN, 0 → -inf. */
double gg_log(double x);

/* cos(2*pi*u) for u in [0, 1) (Box-Muller), absolute error ~1e-16. */
double gg_cos2pi(double u);

/* x^n for an integer n >= 0 by repeated squaring (Adam's bias corrections). */
double gg_powi(double x, long n);

/* float versions: expf, logf, tanhf, log1pf, and the logistic sigmoid 1/(1+e^-x). */
float gg_expf(float x);
float gg_logf(float x);
float gg_tanhf(float x);
float gg_log1pf(float x);
float gg_sigmoidf(float x);

/* y[i] = gg_expf(x[i]) and gg_logf(x[i]) for i < n, bit for bit, eight at a time (the
 * same double operations per lane). y may equal x. */
void gg_expf_n(float *y, const float *x, size_t n);

/* y[i] = gg_tanhf(x[i]) and gg_sigmoidf(x[i]) for i < n, bit for bit, eight lanes at a time
 * (the same double and float operations). y may equal x. */
void gg_tanhf_n(float *y, const float *x, size_t n);
void gg_sigmoidf_n(float *y, const float *x, size_t n);
void gg_logf_n(float *y, const float *x, size_t n);

/* y[i] = gg_log(x[i]) and gg_cos2pi(u[i]) for i < n, bit for bit, eight at a time. */
void gg_log_n(double *y, const double *x, size_t n);
void gg_cos2pi_n(double *y, const double *u, size_t n);

/* e^x - 1 and log(1 + x) (x >= -1) in double, accurate near 0 where gg_exp(x) - 1 and
 * gg_log(1 + x) cancel; relative error a few double ulps. */
double gg_expm1(double x);
double gg_log1p(double x);

/* Error function and its complement in double (GELU's Phi(x) = erfc(-x/sqrt 2)/2): series
 * for |x| <= 2.5, Laplace's continued fraction beyond; absolute error of erf ~1e-16,
 * relative error of erfc ~1e-13 (tested against libm). */
double gg_erf(double x);
double gg_erfc(double x);

/* erf rounded once to float: within 1 float ulp of libm's erf. */
float gg_erff(float x);

#endif
