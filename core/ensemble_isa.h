/* core/ensemble_isa.h — the ensemble's kernels per instruction set (ensemble_kern.h
 * defines them), for ensemble.c's dispatch. Each works on one block of GG_ENS_LANES runs:
 * forward y (B,out) = x (B,in) W^T + b (and ReLU(y) into yr unless NULL); backward dx
 * (skipped when NULL; times ReLU's derivative at x, the ReLU's output, when relu), dW and db,
 * each gradient vector stepped by the block's optimizer (gg_ens_opt) as soon as it is
 * final, while it is still in a register. The AVX ones exist only where
 * GG_HAVE_ISA_PATHS, to be called only when gg_isa_supported says so. */
#ifndef GG_ENSEMBLE_ISA_H
#define GG_ENSEMBLE_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "ensemble.h"

/* The most rows of dW the backward kernels hold at a time: their gq holds
 * GG_ENS_COLS * max(in, out) vectors of a block. */
#define GG_ENS_COLS 6

/* One optimizer step of one block: each lane's numbers (optim.c's for that run) and the
 * block's buffers. Masks are -1 (the lane does it) or 0. The ints after the lanes are
 * summaries that let the kernels skip work no lane needs. */
typedef struct gg_ens_opt {
    float b1[GG_ENS_LANES], b2[GG_ENS_LANES], a1[GG_ENS_LANES], a2[GG_ENS_LANES];
    float eps[GG_ENS_LANES], wd[GG_ENS_LANES], shrink[GG_ENS_LANES], neg[GG_ENS_LANES];
    float bc2[GG_ENS_LANES], rcp[GG_ENS_LANES];  /* Adam: sqrt(1 - beta2^t) as a float; 1/it */
    float mu[GG_ENS_LANES], keep[GG_ENS_LANES];  /* SGD: momentum, 1 - dampening */
    int32_t act[GG_ENS_LANES];     /* the lane steps (a live run) */
    int32_t use_wd[GG_ENS_LANES];  /* adds wd * p to its gradient (SGD, Adam) */
    int32_t first[GG_ENS_LANES], use_mu[GG_ENS_LANES], nesterov[GG_ENS_LANES];  /* SGD */
    int32_t bufw[GG_ENS_LANES];    /* SGD: writes its momentum buffer */
    int32_t ams[GG_ENS_LANES];     /* Adam: amsgrad (reads and writes vmax) */
    int sgd;        /* 1: SGD (s0: its momentum buffer or NULL); 0: Adam/AdamW (s0 m, s1 v,
                       s2 vmax or NULL) */
    int all_act;    /* every lane steps */
    int any_wd;     /* some lane has use_wd */
    int decay;      /* some lane is AdamW's with shrink != 1 */
    int all_rcp;    /* Adam: every lane's bc2 is in gg_div_by's range [2^-60, 1] */
    int store_g;    /* write the gradients to g (only the epoch's last step's are kept) */
    int fast;       /* Adam, all_act, and no wd, decay or amsgrad: the kernels' fast path */
    float *p, *g, *s0, *s1, *s2;  /* the block's parameters, gradients, state (NULL: none) */
} gg_ens_opt;

void gg_ens_linear_forward_generic(float *y, float *yr, const float *x, const float *W,
                                   const float *b, size_t B, size_t in, size_t out);
/* Backward of the Linear whose weight is at element woff of o's buffers (bias at boff, or
 * (size_t)-1 for none): dx from the old weights, dW and db, stepped by o; gq is scratch
 * (GG_ENS_COLS * max(in, out) block vectors). */
void gg_ens_linear_backward_generic(float *dx, const float *dy, const float *x, size_t B,
                                    size_t in, size_t out, size_t woff, size_t boff, int relu,
                                    const gg_ens_opt *o, float *gq);
void gg_ens_linear_forward_avx2(float *y, float *yr, const float *x, const float *W,
                                const float *b, size_t B, size_t in, size_t out);
void gg_ens_linear_backward_avx2(float *dx, const float *dy, const float *x, size_t B,
                                 size_t in, size_t out, size_t woff, size_t boff, int relu,
                                 const gg_ens_opt *o, float *gq);
void gg_ens_linear_forward_avx512(float *y, float *yr, const float *x, const float *W,
                                  const float *b, size_t B, size_t in, size_t out);
void gg_ens_linear_backward_avx512(float *dx, const float *dy, const float *x, size_t B,
                                   size_t in, size_t out, size_t woff, size_t boff, int relu,
                                   const gg_ens_opt *o, float *gq);

/* Interleave n floats of each of a block's GG_ENS_LANES runs (src[l]) into the block at
 * dst (element j of lane l at [j * GG_ENS_LANES + l]), and back (get: into dst[l]). */
void gg_ens_put_block_avx512(float *restrict dst, const float *const *src, size_t n);
void gg_ens_get_block_avx512(float *const *dst, const float *restrict src, size_t n);

#endif
