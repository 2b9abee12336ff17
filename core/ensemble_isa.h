/* core/ensemble_isa.h — the ensemble's Linear kernels per instruction set (ensemble_kern.h
 * defines them), for ensemble.c's dispatch. Each works on one block of GG_ENS_LANES runs:
 * forward y (B,out) = x (B,in) W^T + b; backward dW, db (overwritten: the step's gradient
 * after zero_grad) and dx (skipped when NULL; computed first), calling done (if not NULL)
 * as rows of dW become final. The AVX ones exist only where
 * GG_HAVE_ISA_PATHS, to be called only when gg_isa_supported says so. */
#ifndef GG_ENSEMBLE_ISA_H
#define GG_ENSEMBLE_ISA_H

#include <stddef.h>

/* Called by the backward kernels when rows [off, off + n) of dW (offsets in elements of
 * one lane) are final, so the caller can step them while they are in cache. */
typedef void (*gg_ens_rows_fn)(void *ctx, size_t off, size_t n);

void gg_ens_linear_forward_generic(float *y, const float *x, const float *W, const float *b,
                                   size_t B, size_t in, size_t out);
void gg_ens_linear_backward_generic(float *dx, float *dW, float *db, const float *dy,
                                    const float *x, const float *W, size_t B, size_t in,
                                    size_t out, gg_ens_rows_fn done, void *ctx);
void gg_ens_linear_forward_avx2(float *y, const float *x, const float *W, const float *b,
                                size_t B, size_t in, size_t out);
void gg_ens_linear_backward_avx2(float *dx, float *dW, float *db, const float *dy,
                                 const float *x, const float *W, size_t B, size_t in,
                                 size_t out, gg_ens_rows_fn done, void *ctx);
void gg_ens_linear_forward_avx512(float *y, const float *x, const float *W, const float *b,
                                  size_t B, size_t in, size_t out);
void gg_ens_linear_backward_avx512(float *dx, float *dW, float *db, const float *dy,
                                   const float *x, const float *W, size_t B, size_t in,
                                   size_t out, gg_ens_rows_fn done, void *ctx);

#endif
