/* core/ensemble.c — lockstep ensembles (see ensemble.h): the key, the portable kernels,
 * the optimizer loops per lane and the epoch driver. */
#include "ensemble.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "ensemble_isa.h"
#include "eval.h"
#include "mem.h"
#include "simd.h"

/* ---- portable kernels: a block vector is an array, fmaf per lane ---- */

typedef struct lv {
    float v[GG_ENS_LANES];
} lv;

static inline lv lvg_load(const float *p)
{
    lv r;
    memcpy(r.v, p, sizeof r.v);
    return r;
}

static inline void lvg_store(float *p, lv v)
{
    memcpy(p, v.v, sizeof v.v);
}

static inline lv lvg_zero(void)
{
    lv r;
    for (int l = 0; l < GG_ENS_LANES; l++)
        r.v[l] = 0.0f;
    return r;
}

static inline lv lvg_add(lv a, lv b)
{
    for (int l = 0; l < GG_ENS_LANES; l++)
        a.v[l] = a.v[l] + b.v[l];
    return a;
}

static inline lv lvg_fma(lv a, lv b, lv c)
{
    for (int l = 0; l < GG_ENS_LANES; l++)
        c.v[l] = fmaf(a.v[l], b.v[l], c.v[l]);
    return c;
}

static inline lv lvg_mul(lv a, lv b)
{
    for (int l = 0; l < GG_ENS_LANES; l++)
        a.v[l] = a.v[l] * b.v[l];
    return a;
}

static inline lv lvg_div(lv a, lv b)
{
    for (int l = 0; l < GG_ENS_LANES; l++)
        a.v[l] = a.v[l] / b.v[l];
    return a;
}

static inline lv lvg_sqrt(lv a)
{
    for (int l = 0; l < GG_ENS_LANES; l++)
        a.v[l] = __builtin_sqrtf(a.v[l]);
    return a;
}

/* A mask of lanes: nonzero where set. */
typedef struct lm {
    int32_t v[GG_ENS_LANES];
} lm;

static inline lm lmg_load(const int32_t *p)
{
    lm r;
    memcpy(r.v, p, sizeof r.v);
    return r;
}

static inline lm lvg_gt(lv a, lv b)
{
    lm r;
    for (int l = 0; l < GG_ENS_LANES; l++)
        r.v[l] = a.v[l] > b.v[l] ? -1 : 0;
    return r;
}

static inline lm lvg_nle(lv a, lv b)
{
    lm r;
    for (int l = 0; l < GG_ENS_LANES; l++)
        r.v[l] = !(a.v[l] <= b.v[l]) ? -1 : 0;
    return r;
}

static inline lv lvg_neg(lv a)
{
    for (int l = 0; l < GG_ENS_LANES; l++)
        a.v[l] = -a.v[l];
    return a;
}

static inline lv lvg_set1(float c)
{
    lv r;
    for (int l = 0; l < GG_ENS_LANES; l++)
        r.v[l] = c;
    return r;
}

static inline lv lvg_sel(lm m, lv a, lv b)
{
    for (int l = 0; l < GG_ENS_LANES; l++)
        a.v[l] = m.v[l] ? a.v[l] : b.v[l];
    return a;
}

#define LV_LOAD(p) lvg_load(p)
#define LV_STORE(p, v) lvg_store((p), (v))
#define LV_ZERO() lvg_zero()
#define LV_ADD(a, b) lvg_add((a), (b))
#define LV_FMA(a, b, c) lvg_fma((a), (b), (c))
#define LV_MUL(a, b) lvg_mul((a), (b))
#define LV_DIV(a, b) lvg_div((a), (b))
#define LV_SQRT(a) lvg_sqrt(a)
#define LM_LOAD(p) lmg_load(p)
#define LV_GT(a, b) lvg_gt((a), (b))
#define LV_NLE(a, b) lvg_nle((a), (b))
#define LV_NEG(a) lvg_neg(a)
#define LV_SET1(c) lvg_set1(c)
#define LV_SEL(m, a, b) lvg_sel((m), (a), (b))
#define F_R 1
#define F_T 2
#define D_R 1
#define C_T 2
#define W_R 1
#define SFX(name) name##_generic
// The optimizer step's element loops vectorise over the lanes in a GG_KERNEL clone, as
// optim.c's do (the same IEEE operations in the same order: the same bits).
#define ENS_ENTRY GG_KERNEL
#include "ensemble_kern.h"
#undef SFX

/* ---- the model as a chain of layers ---- */

typedef struct ens_layer {
    int linear;        /* 1: Linear, 0: activation */
    size_t in, out;    /* widths */
    size_t woff, boff; /* Linear: weight and bias offsets in the flat buffer */
    int bias;
    gg_act act;        /* activation */
    gg_act_param ap;
} ens_layer;

#define KEY_CAP 2048

static void appendf(char *buf, size_t cap, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void appendf(char *buf, size_t cap, size_t *at, const char *fmt, ...)
{
    if (*at >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *at, cap - *at, fmt, ap);
    va_end(ap);
    *at += n > 0 ? (size_t)n : 0;
}

static int reason(char *buf, size_t cap, const char *what)
{
    snprintf(buf, cap, "%s", what);
    return 0;
}

/* Fill ls (GG_MODEL_MAX_LAYERS entries) and *nl from m; 0 with a reason when m is not a
 * plain chain of trainable Linears and activations. */
static int describe(const gg_model *m, ens_layer *ls, size_t *nl, char *why, size_t cap)
{
    const gg_graph *g = gg_model_graph(m);
    const size_t n = gg_model_layers(m);
    if (gg_model_ninputs(m) != 1 || gg_model_input_shape(m).ndim != 1 ||
        !gg_model_output_batched(m) || gg_model_output_shape(m).ndim != 1)
        return reason(why, cap, "input or output not flat rows");
    if (gg_model_nbuffers(m))
        return reason(why, cap, "model buffers");
    if (gg_model_ntrainable(m) != gg_model_nparams(m))
        return reason(why, cap, "frozen parameters");
    if (n == 0 || n > GG_MODEL_MAX_LAYERS)
        return reason(why, cap, "no layers");
    int prev = -1;
    for (size_t i = 0; i < n; i++) {
        const int node = gg_model_layer_node(m, i);
        const gg_layer_cfg *c = gg_graph_cfg(g, node);
        if (c->kind != GG_LAYER_LINEAR && c->kind != GG_LAYER_ACT) {
            snprintf(why, cap, "layer %s", gg_layer_name(c));
            return 0;
        }
        if (c->kind == GG_LAYER_LINEAR && c->shared_params)
            return reason(why, cap, "shared parameters");
        const int src = gg_graph_input_of(g, node, 0);
        if (i == 0 ? gg_graph_cfg(g, src)->kind != GG_LAYER_INPUT : src != prev)
            return reason(why, cap, "not a sequential chain");
        if (i == 0 && c->kind != GG_LAYER_LINEAR)
            return reason(why, cap, "first layer not linear");
        const gg_shape s = gg_graph_shape(g, node);
        if (s.ndim != 2)
            return reason(why, cap, "layer output not flat rows");
        ens_layer *e = &ls[i];
        memset(e, 0, sizeof *e);
        e->linear = c->kind == GG_LAYER_LINEAR;
        e->out = s.dim[1];
        e->in = i ? ls[i - 1].out : gg_model_in(m);
        e->bias = e->linear && c->bias;
        e->act = c->act;
        e->ap = c->ap;
        e->woff = e->boff = (size_t)-1;
        prev = node;
    }
    if (prev != gg_model_output_node(m))
        return reason(why, cap, "output is not the last layer");
    for (size_t k = 0; k < gg_model_ntensors(m); k++) {
        int role;
        const int owner = gg_model_tensor_owner(m, k, &role);
        size_t off, rows, cols, i = 0;
        gg_model_tensor_info(m, k, &off, &rows, &cols);
        while (i < n && gg_model_layer_node(m, i) != owner)
            i++;
        if (i == n || !ls[i].linear || role > 1)
            return reason(why, cap, "a free parameter");
        if (role == 0)
            ls[i].woff = off;
        else
            ls[i].boff = off;
    }
    for (size_t i = 0; i < n; i++)
        if (ls[i].linear && (ls[i].woff == (size_t)-1 || (ls[i].bias && ls[i].boff == (size_t)-1)))
            return reason(why, cap, "a layer without its parameters");
    *nl = n;
    return 1;
}


/* The optimizer part of a key; 0 with a reason for a kind or option that cannot join. */
static int optim_key(const gg_optim *o, char *buf, size_t cap, size_t *at)
{
    if (gg_optim_nranges(o))
        return reason(buf, cap, "frozen parameters");
    // SGD with and without momentum, Adam and AdamW, with and without amsgrad: each lane
    // takes its own path through the same loop.
    const gg_optim_kind kind = gg_optim_kind_of(o);
    if (kind == GG_OPTIM_SGD || kind == GG_OPTIM_ADAM || kind == GG_OPTIM_ADAMW) {
        appendf(buf, cap, at, " | %s", kind == GG_OPTIM_SGD ? "sgd" : "adam/adamw");
        return 1;
    }
    snprintf(buf, cap, "optimizer %s", gg_optim_kind_name(kind));
    return 0;
}

int gg_ensemble_key(const gg_model *m, const gg_optim *o, char *buf, size_t cap)
{
    ens_layer *ls = gg_malloc(GG_MODEL_MAX_LAYERS, sizeof *ls);
    size_t nl = 0, at = 0;
    if (!ls)
        return reason(buf, cap, "out of memory");
    if (!describe(m, ls, &nl, buf, cap)) {
        gg_free(ls);
        return 0;
    }
    appendf(buf, cap, &at, "mlp %zu", gg_model_in(m));
    for (size_t i = 0; i < nl; i++) {
        const ens_layer *e = &ls[i];
        if (e->linear)
            appendf(buf, cap, &at, " linear %zu%s", e->out, e->bias ? "" : " nobias");
        else if (e->act == GG_ACT_LEAKY_RELU || e->act == GG_ACT_ELU)
            appendf(buf, cap, &at, " %s %a", gg_act_name(e->act), (double)e->ap.alpha);
        else if (e->act == GG_ACT_SOFTPLUS)
            appendf(buf, cap, &at, " %s %a %a", gg_act_name(e->act), (double)e->ap.beta,
                    (double)e->ap.threshold);
        else
            appendf(buf, cap, &at, " %s", gg_act_name(e->act));
    }
    gg_free(ls);
    if (!optim_key(o, buf, cap, &at))
        return 0;
    return at < cap ? 1 : reason(buf, cap, "too many layers");
}

/* ---- the epoch ---- */

typedef void (*ens_fwd_fn)(float *, float *, const float *, const float *, const float *,
                           size_t, size_t, size_t);
typedef void (*ens_bwd_fn)(float *, const float *, const float *, size_t, size_t, size_t,
                           size_t, size_t, int, const gg_ens_opt *, float *);

/* Whether layer i (i < nl; i = (size_t)-1 is none) is a ReLU. */
static int relu_at(const ens_layer *ls, size_t nl, size_t i)
{
    return i < nl && !ls[i].linear && ls[i].act == GG_ACT_RELU;
}

/* Everything an epoch allocates, freed in one place. */
typedef struct ens_mem {
    float *P, *G, *S[3], *zeros, *X, *dO, *dA, *dB, *yk, *pk, *dk;
    float *gq;           /* the backward kernels' scratch */
    float *zsrc, *sink;  /* np zeros to read, np floats to write (lanes without a run) */
    void *arena;         /* every buffer in the block layout, in one allocation (reused by
                            the allocator, not mapped and faulted in again on every call),
                            each starting on a 64-byte line: a vector never straddles two */
    float **Y;  /* per layer output, NB blocks each */
    double *weighted;
    size_t *seen, *updates;
    int *live;
    long *t0;
    gg_loss_cfg *lc;
} ens_mem;

static void ens_free(ens_mem *e)
{
    gg_free(e->arena);
    gg_free(e->zsrc);
    gg_free(e->sink);
    gg_free(e->yk);
    gg_free(e->pk);
    gg_free(e->dk);
    gg_free(e->Y);
    gg_free(e->weighted);
    gg_free(e->seen);
    gg_free(e->updates);
    gg_free(e->live);
    gg_free(e->t0);
    gg_free(e->lc);
}

/* Lane-interleave n floats of run k into the blocked buffer dst of n floats per lane. */
static void put_lane(float *dst, const float *src, size_t n, size_t k)
{
    float *d = dst + (k / GG_ENS_LANES) * n * GG_ENS_LANES + k % GG_ENS_LANES;
    for (size_t j = 0; j < n; j++)
        d[j * GG_ENS_LANES] = src[j];
}

/* gg_dataset_gather of rows idx[0 .. b) of ds for run k, its features straight into the
 * blocked buffer X (b rows of d per lane, as put_lane lays them out) and its targets to y:
 * the same values, without a row buffer and a memcpy per row. */
static void gather_lane(float *X, float *y, const gg_dataset *ds, const size_t *idx, size_t b,
                        size_t k)
{
    // The views are only read (gg_dataset_x/y take a writable dataset for loaders).
    const gg_tensor tx = gg_dataset_x((gg_dataset *)ds), ty = gg_dataset_y((gg_dataset *)ds);
    const size_t d = tx.cols, kc = ty.cols;
    float *dst = X + (k / GG_ENS_LANES) * b * d * GG_ENS_LANES + k % GG_ENS_LANES;
    for (size_t r = 0; r < b; r++) {
        const float *src = tx.data + idx[r] * d, *ys = ty.data + idx[r] * kc;
        for (size_t f = 0; f < d; f++)
            dst[(r * d + f) * GG_ENS_LANES] = src[f];
        for (size_t c = 0; c < kc; c++)
            y[r * kc + c] = ys[c];
    }
}

/* Interleave n floats of each of a block's GG_ENS_LANES runs (src[l]) into the block at
 * dst, and back (dst[l]); one pass writing (reading) the block in order. */
/* In tiles of 16 elements: each run's 16 floats (one cache line) against a 1 KB tile of
 * the block that stays in L1. */
static void put_block(float *restrict dst, const float *const *src, size_t n)
{
    size_t j0 = 0;
    for (; j0 + 16 <= n; j0 += 16)
        for (int l = 0; l < GG_ENS_LANES; l++) {
            const float *sl = src[l] + j0;
            float *d = dst + j0 * GG_ENS_LANES + l;
            for (size_t j = 0; j < 16; j++)
                d[j * GG_ENS_LANES] = sl[j];
        }
    for (; j0 < n; j0++)
        for (int l = 0; l < GG_ENS_LANES; l++)
            dst[j0 * GG_ENS_LANES + l] = src[l][j0];
}

static void get_block(float *const *dst, const float *restrict src, size_t n)
{
    size_t j0 = 0;
    for (; j0 + 16 <= n; j0 += 16)
        for (int l = 0; l < GG_ENS_LANES; l++) {
            float *dl = dst[l] + j0;
            const float *sp = src + j0 * GG_ENS_LANES + l;
            for (size_t j = 0; j < 16; j++)
                dl[j] = sp[j * GG_ENS_LANES];
        }
    for (; j0 < n; j0++)
        for (int l = 0; l < GG_ENS_LANES; l++)
            dst[l][j0] = src[j0 * GG_ENS_LANES + l];
}

static void get_lane(float *dst, const float *src, size_t n, size_t k)
{
    const float *s = src + (k / GG_ENS_LANES) * n * GG_ENS_LANES + k % GG_ENS_LANES;
    for (size_t j = 0; j < n; j++)
        dst[j] = s[j * GG_ENS_LANES];
}

/* The per-lane numbers of block bk's optimizer step (t: each run's next step number) and
 * the summaries; o's buffer pointers are the caller's. */
static void fill_opt(gg_ens_opt *h, const gg_ens_run *runs, size_t K, size_t bk, const ens_mem *e)
{
    memset(h->b1, 0, offsetof(gg_ens_opt, sgd));
    h->all_act = 1;
    h->any_wd = h->decay = h->fast = 0;
    h->all_rcp = 1;
    h->sgd = gg_optim_kind_of(runs[bk * GG_ENS_LANES].o) == GG_OPTIM_SGD;
    for (int l = 0; l < GG_ENS_LANES; l++) {
        const size_t k = bk * GG_ENS_LANES + (size_t)l;
        h->bc2[l] = h->shrink[l] = 1.0f;
        if (k >= K || !e->live[k]) {
            h->all_act = 0;
            continue;
        }
        h->act[l] = -1;
        const gg_optim *o = runs[k].o;
        const long t = e->t0[k] + (long)e->updates[k] + 1;
        if (gg_optim_kind_of(o) == GG_OPTIM_SGD) {
            const gg_sgd_cfg *c = gg_optim_config(o);
            h->wd[l] = (float)c->weight_decay;
            h->mu[l] = (float)c->momentum;
            h->keep[l] = (float)(1.0 - c->dampening);
            h->neg[l] = (float)-c->lr;
            h->first[l] = -!(gg_optim_started(o) || e->updates[k]);
            h->use_wd[l] = -(h->wd[l] != 0.0f);
            h->use_mu[l] = -(h->mu[l] != 0.0f);
            h->nesterov[l] = -(c->nesterov != 0);
            h->bufw[l] = h->use_mu[l];
            h->any_wd |= h->use_wd[l] != 0;
            continue;
        }
        const gg_adam_cfg *c = gg_optim_config(o);
        const double bc1 = 1.0 - gg_powi(c->beta1, t);
        const double bc2 = 1.0 - gg_powi(c->beta2, t);
        h->neg[l] = (float)-(c->lr / bc1);
        h->bc2[l] = (float)sqrt(bc2);
        h->b1[l] = (float)c->beta1;
        h->b2[l] = (float)c->beta2;
        h->a1[l] = (float)(1.0 - c->beta1);
        h->a2[l] = (float)(1.0 - c->beta2);
        h->eps[l] = (float)c->eps;
        if (gg_optim_kind_of(o) == GG_OPTIM_ADAMW) {
            h->shrink[l] = (float)(1.0 - c->lr * c->weight_decay);
            h->decay |= h->shrink[l] != 1.0f;
        } else {
            h->wd[l] = (float)c->weight_decay;
            h->use_wd[l] = -(h->wd[l] != 0.0f);
            h->any_wd |= h->use_wd[l] != 0;
        }
        h->ams[l] = -(c->amsgrad != 0);
        h->rcp[l] = 1.0f / h->bc2[l];
        h->all_rcp &= h->bc2[l] >= 0x1p-60f && h->bc2[l] <= 1.0f;
    }
}

int gg_ensemble_sched_ok(gg_sched *s, gg_optim *o, size_t steps, char *buf, size_t cap)
{
    const gg_sched_kind kind = gg_sched_kind_of(s);
    if (kind == GG_SCHED_LAMBDA || kind == GG_SCHED_SEQUENTIAL) {
        snprintf(buf, cap, "scheduler %s", gg_sched_kind_name(kind));
        return 0;
    }
    const gg_sched_state st = *gg_sched_get_state(s);
    const double lr = gg_optim_lr(o), mom = gg_optim_momentum(o);
    gg_err err;
    int ok = 1;
    for (size_t i = 0; ok && i < steps; i++)
        ok = gg_sched_step(s, o, (double)NAN, &err) == GG_OK;
    gg_sched_set_state(s, &st);
    gg_optim_set_lr(o, lr, &err);
    if (gg_optim_has_momentum(o) && gg_optim_momentum(o) != mom)
        gg_optim_set_momentum(o, mom, &err);
    if (!ok)
        snprintf(buf, cap, "scheduler %s fails this epoch", gg_sched_kind_name(kind));
    return ok;
}

gg_status gg_ensemble_train(gg_isa isa, gg_ens_run *runs, size_t K, const size_t *counts,
                            size_t nsteps, gg_err *err)
{
    if (K == 0)
        return gg_err_set(err, GG_EINVAL, "an ensemble needs at least one run");
    if (!gg_isa_supported(isa))
        return gg_err_set(err, GG_EINVAL, "the %s path is not supported here", gg_isa_name(isa));
    char key0[KEY_CAP], key[KEY_CAP];
    if (!gg_ensemble_key(runs[0].m, runs[0].o, key0, sizeof key0))
        return gg_err_set(err, GG_EINVAL, "run 1 cannot join an ensemble: %s", key0);
    for (size_t k = 1; k < K; k++)
        if (!gg_ensemble_key(runs[k].m, runs[k].o, key, sizeof key) || strcmp(key, key0) != 0)
            return gg_err_set(err, GG_EINVAL, "run %zu does not have run 1's ensemble key", k + 1);
    ens_fwd_fn fwd = gg_ens_linear_forward_generic;
    ens_bwd_fn bwd = gg_ens_linear_backward_generic;
    void (*put)(float *restrict, const float *const *, size_t) = put_block;
    void (*get)(float *const *, const float *restrict, size_t) = get_block;
#if GG_HAVE_ISA_PATHS
    if (isa == GG_ISA_AVX512) {
        fwd = gg_ens_linear_forward_avx512;
        bwd = gg_ens_linear_backward_avx512;
        put = gg_ens_put_block_avx512;
        get = gg_ens_get_block_avx512;
    } else if (isa == GG_ISA_AVX2) {
        fwd = gg_ens_linear_forward_avx2;
        bwd = gg_ens_linear_backward_avx2;
    }
#endif
    ens_layer *ls = gg_malloc(GG_MODEL_MAX_LAYERS, sizeof *ls);
    size_t nl = 0;
    if (!ls)
        return gg_err_set(err, GG_ENOMEM, "out of memory for an ensemble");
    describe(runs[0].m, ls, &nl, key, sizeof key);
    const size_t L = GG_ENS_LANES, NB = (K + L - 1) / L, np = gg_model_nparams(runs[0].m);
    const size_t in = gg_model_in(runs[0].m), out = gg_model_out(runs[0].m);
    size_t B = 1, wmax = in, kmax = 1;
    for (size_t s = 0; s < nsteps; s++)
        B = counts[s] > B ? counts[s] : B;
    for (size_t i = 0; i < nl; i++)
        wmax = ls[i].out > wmax ? ls[i].out : wmax;
    for (size_t k = 0; k < K; k++)
        kmax = gg_dataset_k(runs[k].ds) > kmax ? gg_dataset_k(runs[k].ds) : kmax;
    const gg_optim_kind kind = gg_optim_kind_of(runs[0].o);
    int has[3];
    for (int j = 0; j < 3; j++) {  // a buffer any run has (the others leave it alone)
        has[j] = 0;
        for (size_t k = 0; k < K; k++)
            has[j] |= gg_optim_buffer(runs[k].o, j) != NULL;
    }
    ens_mem e = {0};
    // The arena: P, G, the state buffers (not zeroed: filled below), then the scratch
    // (zeroed, as padding lanes read it), each a whole number of 64-byte lines (np * L
    // floats per block are).
    const size_t per = NB * np * L, nbig = 2 + (size_t)has[0] + (size_t)has[1] + (size_t)has[2];
    size_t nzero = wmax * L + wmax * GG_ENS_COLS * L + NB * B * (in + out + 2 * wmax) * L;
    for (size_t i = 0; i < nl; i++)
        nzero += NB * B * ls[i].out * L;
    int ok = (e.arena = gg_malloc(per * nbig + nzero + 16, sizeof(float))) &&
             (e.zsrc = gg_calloc(np, sizeof(float))) && (e.sink = gg_malloc(np, sizeof(float))) &&
             (e.yk = gg_malloc(K * B, kmax * sizeof(float))) &&
             (e.pk = gg_malloc(B * out, sizeof(float))) && (e.dk = gg_malloc(B * out, sizeof(float))) &&
             (e.Y = gg_calloc(nl, sizeof *e.Y)) && (e.weighted = gg_calloc(K, sizeof(double))) &&
             (e.seen = gg_calloc(K, sizeof(size_t))) && (e.updates = gg_calloc(K, sizeof(size_t))) &&
             (e.live = gg_calloc(K, sizeof(int))) && (e.t0 = gg_calloc(K, sizeof(long))) &&
             (e.lc = gg_calloc(K, sizeof *e.lc));
    if (ok) {
        // the first 64-byte line in the arena (malloc's alignment is a multiple of a float's)
        float *next = (float *)e.arena + ((64 - ((uintptr_t)e.arena & 63)) & 63) / sizeof(float);
        e.P = next;
        e.G = e.P + per;
        next = e.G + per;
        for (int j = 0; j < 3; j++)
            if (has[j]) {
                e.S[j] = next;
                next += per;
            }
        memset(next, 0, nzero * sizeof(float));
        e.zeros = next;
        e.gq = e.zeros + wmax * L;
        e.X = e.gq + wmax * GG_ENS_COLS * L;
        e.dO = e.X + NB * B * in * L;
        e.dA = e.dO + NB * B * out * L;
        e.dB = e.dA + NB * B * wmax * L;
        next = e.dB + NB * B * wmax * L;
        for (size_t i = 0; i < nl; i++) {
            e.Y[i] = next;
            next += NB * B * ls[i].out * L;
        }
    }
    gg_status st = GG_OK;
    if (!ok)
        st = gg_err_set(err, GG_ENOMEM, "out of memory for an ensemble of %zu runs", K);
    // Parameters and state in, block by block (padding lanes and absent state buffers
    // read zeros; the big buffers are not zeroed first).
    for (size_t bk = 0; !st && bk < NB; bk++) {
        const float *src[GG_ENS_LANES];
        for (int j = -1; j < 3; j++) {
            if (j >= 0 && !has[j])
                continue;
            for (size_t l = 0; l < L; l++) {
                const size_t k = bk * L + l;
                const float *b = k >= K ? NULL : j < 0 ? gg_model_params(runs[k].m)
                                                       : gg_optim_buffer(runs[k].o, j);
                src[l] = b ? b : e.zsrc;
            }
            put((j < 0 ? e.P : e.S[j]) + bk * np * L, src, np);
        }
    }
    for (size_t k = 0; !st && k < K; k++) {
        gg_ens_run *r = &runs[k];
        r->res = (gg_epoch_result){0};
        e.lc[k] = gg_loss_for_model(&r->loss, r->m);
        st = gg_loss_reserve(&e.lc[k], B, err);
        e.live[k] = 1;
        e.t0[k] = gg_optim_steps(r->o);
    }
    if (st) {
        ens_free(&e);
        gg_free(ls);
        return st;
    }
    gg_ens_opt op;
    // Block by block (blocks are independent runs: each step touches one block's state only,
    // not every block's), step by step.
    for (size_t bk = 0; !st && bk < NB; bk++) {
        const size_t k0 = bk * L, k1 = K < k0 + L ? K : k0 + L;
        float *P = e.P + bk * np * L;
        size_t row0 = 0;
        for (size_t s = 0; !st && s < nsteps; s++) {
            const size_t b = counts[s], nout = b * out;
            // The batch of every live run, interleaved; finished lanes keep their last rows.
            for (size_t k = k0; k < k1; k++) {
                if (!e.live[k])
                    continue;
                gather_lane(e.X, e.yk + k * B * kmax, runs[k].ds, runs[k].idx + row0, b, k);
            }
            const float *x = e.X + bk * b * in * L;
            for (size_t i = 0; i < nl; i++) {
                const ens_layer *ly = &ls[i];
                float *y = e.Y[i] + bk * b * ly->out * L;
                if (!ly->linear) {
                    gg_act_forward(ly->act, &ly->ap, y, x, b * ly->out * L);
                    x = y;
                    continue;
                }
                // A ReLU after the Linear is applied in its epilogue (the same comparison).
                float *yr = relu_at(ls, nl, i + 1) ? e.Y[i + 1] + bk * b * ly->out * L : NULL;
                fwd(y, yr, x, P + ly->woff * L, ly->bias ? P + ly->boff * L : e.zeros, b, ly->in,
                    ly->out);
                x = yr ? yr : y;
                i += yr != NULL;
            }
            // The loss of every live run on its own predictions; its gradient interleaved.
            for (size_t k = k0; k < k1; k++) {
                if (!e.live[k])
                    continue;
                get_lane(e.pk, e.Y[nl - 1], nout, k);
                float l = gg_loss_forward(&e.lc[k], e.dk, e.pk, e.yk + k * B * kmax, b, out);
                gg_ens_run *r = &runs[k];
                if (r->loss_log)
                    r->loss_log[s] = l;
                if (r->lr_log)
                    r->lr_log[s] = gg_optim_lr(r->o);
                r->res.steps = s + 1;
                e.weighted[k] += (double)l * (double)b;
                e.seen[k] += b;
                if (!isfinite(l)) {
                    r->res.diverged = 1;
                    e.live[k] = 0;
                    memset(e.dk, 0, nout * sizeof *e.dk);
                }
                put_lane(e.dO, e.dk, nout, k);
            }
            // Backward and the optimizer step: the kernels step each gradient vector as
            // soon as it is final (after the layer's dx, which reads the old weights), in
            // registers (the update is element by element and nothing else reads them, so
            // the order changes no bit). Only the last step's gradients are kept.
            float *d1 = e.dA + bk * b * wmax * L, *d2 = e.dB + bk * b * wmax * L;
            float *dcur = e.dO + bk * nout * L;
            fill_opt(&op, runs, K, bk, &e);
            op.store_g = s + 1 == nsteps;
            op.p = P;
            op.g = e.G + bk * np * L;
            op.s0 = has[0] ? e.S[0] + bk * np * L : NULL;
            op.s1 = has[1] ? e.S[1] + bk * np * L : NULL;
            op.s2 = has[2] ? e.S[2] + bk * np * L : NULL;
            op.fast = !op.sgd && op.all_act && op.all_rcp && !op.any_wd && !op.decay && !op.s2;
            for (size_t i = nl; i-- > 0;) {
                const ens_layer *ly = &ls[i];
                const float *xi = i ? e.Y[i - 1] + bk * b * ly->in * L : e.X + bk * b * in * L;
                const float *y = e.Y[i] + bk * b * ly->out * L;
                if (!ly->linear) {
                    gg_act_backward(ly->act, &ly->ap, dcur, dcur, xi, y, b * ly->out * L);
                    continue;
                }
                // A ReLU before the Linear: its backward is applied in the dx epilogue (on
                // its output, the Linear's input, as act.c does).
                const int relu = relu_at(ls, nl, i - 1);
                float *dx = i ? (dcur == d1 ? d2 : d1) : NULL;
                bwd(dx, dcur, xi, b, ly->in, ly->out, ly->woff, ly->bias ? ly->boff : (size_t)-1,
                    relu, &op, e.gq);
                dcur = dx;
                i -= (size_t)relu;
            }
            for (size_t k = k0; k < k1; k++)
                e.updates[k] += e.live[k];
            // Each stepped run's scheduler, after its optimizer step (gg_ensemble_sched_ok
            // made sure none fails; if one did, the epoch stops there for every run).
            for (size_t k = k0; !st && k < k1; k++)
                if (e.live[k] && runs[k].sched)
                    st = gg_sched_step(runs[k].sched, runs[k].o, (double)NAN, err);
            row0 += b;
        }
    }
    // Scatter: parameters, the last step's gradients (zero after a diverged step, as
    // zero_grad left them; left alone after an error), optimizer state and progress, the
    // mean loss. Lanes without a destination go to a sink.
    for (size_t bk = 0; bk < NB; bk++) {
        float *dst[GG_ENS_LANES];
        for (int j = -2; j < 3; j++) {
            if ((j == -1 && (st || !nsteps)) || (j >= 0 && !has[j]))
                continue;
            for (size_t l = 0; l < L; l++) {
                const size_t k = bk * L + l;
                float *b = k >= K ? NULL : j == -2 ? gg_model_params(runs[k].m)
                                       : j == -1   ? gg_model_grads(runs[k].m)
                                                   : gg_optim_buffer(runs[k].o, j);
                dst[l] = b ? b : e.sink;
            }
            get(dst, (j == -2 ? e.P : j == -1 ? e.G : e.S[j]) + bk * np * L, np);
        }
    }
    for (size_t k = 0; k < K; k++) {
        gg_ens_run *r = &runs[k];
        if (r->res.diverged)
            memset(gg_model_grads(r->m), 0, np * sizeof(float));
        const int started = gg_optim_started(r->o) || (kind == GG_OPTIM_SGD && e.updates[k]);
        gg_err perr;
        gg_optim_set_progress(r->o, e.t0[k] + (long)e.updates[k], started, &perr);
        r->res.mean_loss = e.seen[k] ? e.weighted[k] / (double)e.seen[k] : (double)NAN;
    }
    ens_free(&e);
    gg_free(ls);
    return st;
}
