/* core/model.c — sequential model over flat buffers (see model.h). */
#include "model.h"

#include <math.h>
#include <string.h>

#include "arena.h"
#include "linear.h"
#include "mem.h"
#include "tensor.h"

typedef struct layer {
    gg_layer_cfg spec;
    size_t in, out;   /* widths; equal except for Linear */
    size_t w_off;     /* Linear: offset of W (out,in), b follows; affine BatchNorm: gamma, beta follows */
    size_t buf_off;   /* BatchNorm with running stats: running_mean, running_var follows */
    int in_place;     /* output written over the input buffer */
    float *y;         /* output (B,out) in the arena */
    float *mean;      /* BatchNorm: mean and 1/std used by the last forward (out each) */
    float *invstd;
    float *mask;      /* Dropout: 0 or 1/(1-p) per element of the last training forward */
    float *pending;   /* Dropout: keep mask for the next forward (gg_model_dropout_mask) */
    size_t pending_B;
} layer;

struct gg_model {
    size_t nlayers;
    layer *layers;
    size_t in, out;      /* model input and output widths */
    size_t maxw;         /* widest activation, for the gradient ping-pong buffers */
    size_t nparams;
    float *params;       /* flat parameters */
    float *grads;        /* flat gradients, same layout */
    size_t nbufs;
    float *bufs;         /* BatchNorm running statistics */
    int training;        /* current mode */
    int fwd_training;    /* mode of the last forward (backward follows it) */
    int has_dropout, has_bn;
    gg_isa isa;          /* Linear kernel path (isa.h); bit-identical results on each */
    gg_rng drop_rng;     /* dropout masks */
    gg_arena arena;      /* scratch for batches up to cap rows */
    size_t cap;          /* batch rows reserved (0 = nothing yet) */
    size_t B;            /* batch rows of the last forward */
    float *x;            /* input buffer (cap,in) */
    float *dout;         /* loss gradient buffer (cap,out) */
    float *g[2];         /* backward ping-pong buffers (cap,maxw) */
    float *xt[2];        /* Linear forward: transposed inputs, gg_linear_scratch(cap, maxw) each */
};

/* Whether a layer's backward reads its own output (then nothing may overwrite it). */
static int reads_output(const gg_layer_cfg *s)
{
    return s->kind == GG_LAYER_ACT && !gg_act_needs_input(s->act, &s->ap);
}

static gg_status check_specs(const gg_layer_cfg *specs, size_t n, gg_err *err)
{
    if (n == 0 || n > GG_MODEL_MAX_LAYERS)
        return gg_err_set(err, GG_EINVAL, "a model needs 1..%d layers, got %zu",
                          GG_MODEL_MAX_LAYERS, n);
    if (specs[0].kind != GG_LAYER_LINEAR)
        return gg_err_set(err, GG_EINVAL, "layer 1 must be linear (it fixes the input width)");
    size_t width = specs[0].in;
    for (size_t i = 0; i < n; i++) {
        const gg_layer_cfg *s = &specs[i];
        const char *what;
        gg_err sub;
        switch (s->kind) {
        case GG_LAYER_ACT:
            if (!gg_act_name(s->act))
                return gg_err_set(err, GG_EINVAL, "layer %zu has an unknown activation", i + 1);
            if (gg_act_check(s->act, &s->ap, &what))
                return gg_err_set(err, GG_EINVAL, "layer %zu: %s has an invalid %s", i + 1,
                                  gg_act_name(s->act), what);
            continue;
        case GG_LAYER_DROPOUT:
            if (!(s->p >= 0.0 && s->p < 1.0))
                return gg_err_set(err, GG_EINVAL, "layer %zu: dropout p must be in [0, 1), got %g",
                                  i + 1, s->p);
            continue;
        case GG_LAYER_BATCHNORM:
            if (s->in != width)
                return gg_err_set(err, GG_ESHAPE, "layer %zu: batchnorm1d expects %zu features but the previous layer gives %zu",
                                  i + 1, s->in, width);
            if (!(s->eps > 0.0 && isfinite(s->eps)))
                return gg_err_set(err, GG_EINVAL, "layer %zu: batchnorm1d eps must be > 0, got %g",
                                  i + 1, s->eps);
            if (!(s->momentum >= 0.0 && s->momentum <= 1.0))
                return gg_err_set(err, GG_EINVAL, "layer %zu: batchnorm1d momentum must be in [0, 1], got %g",
                                  i + 1, s->momentum);
            continue;
        case GG_LAYER_LINEAR:
            break;
        default:
            return gg_err_set(err, GG_EINVAL, "layer %zu has an unknown kind", i + 1);
        }
        if (s->in == 0 || s->out == 0)
            return gg_err_set(err, GG_EINVAL, "layer %zu: linear sizes must be >= 1, got %zu -> %zu",
                              i + 1, s->in, s->out);
        if (s->in != width)
            return gg_err_set(err, GG_ESHAPE, "layer %zu: linear expects %zu inputs but the previous layer gives %zu",
                              i + 1, s->in, width);
        gg_status st = gg_tensor_check_size(s->out, s->in, "linear weight", err);
        if (st)
            return st;
        if (gg_init_check(&s->init, &sub))
            return gg_err_set(err, GG_EINVAL, "layer %zu: linear init: %s", i + 1, sub.msg);
        width = s->out;
    }
    return GG_OK;
}

/* Reset BatchNorm layers: gamma 1, beta 0, running mean 0 and variance 1. */
static void reset_batchnorms(gg_model *m)
{
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (l->spec.kind != GG_LAYER_BATCHNORM)
            continue;
        for (size_t j = 0; j < l->out; j++) {
            if (l->spec.affine) {
                m->params[l->w_off + j] = 1.0f;
                m->params[l->w_off + l->out + j] = 0.0f;
            }
            if (l->spec.track_running_stats) {
                m->bufs[l->buf_off + j] = 0.0f;
                m->bufs[l->buf_off + l->out + j] = 1.0f;
            }
        }
    }
}

gg_layer_cfg gg_layer_defaults(gg_layer_spec s)
{
    gg_layer_cfg c = {0};
    c.kind = s.kind;
    c.in = s.in;
    c.out = s.out;
    c.act = s.act;
    c.ap = gg_act_defaults(s.act);
    c.init = gg_init_for(GG_INIT_DEFAULT);
    c.p = 0.5;
    c.eps = 1e-5;
    c.momentum = 0.1;
    c.affine = 1;
    c.track_running_stats = 1;
    return c;
}

gg_status gg_model_new(gg_model **out, const gg_layer_spec *specs, size_t n, gg_err *err)
{
    *out = NULL;
    if (n == 0 || n > GG_MODEL_MAX_LAYERS)
        return gg_err_set(err, GG_EINVAL, "a model needs 1..%d layers, got %zu",
                          GG_MODEL_MAX_LAYERS, n);
    gg_layer_cfg *c = gg_malloc(n, sizeof *c);
    if (!c)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating a model");
    for (size_t i = 0; i < n; i++)
        c[i] = gg_layer_defaults(specs[i]);
    gg_status st = gg_model_new_cfg(out, c, n, err);
    gg_free(c);
    return st;
}

gg_status gg_model_new_cfg(gg_model **out, const gg_layer_cfg *specs, size_t n, gg_err *err)
{
    *out = NULL;
    gg_status st = check_specs(specs, n, err);
    if (st)
        return st;
    gg_model *m = gg_calloc(1, sizeof *m);
    if (!m || !(m->layers = gg_calloc(n, sizeof *m->layers))) {
        gg_free(m);
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating a model");
    }
    m->nlayers = n;
    m->training = m->fwd_training = 1;
    if ((st = gg_isa_from_env(&m->isa, err))) {
        gg_free(m->layers);
        gg_free(m);
        return st;
    }
    size_t width = specs[0].in, np = 0, nb = 0;
    m->in = m->maxw = width;
    for (size_t i = 0; i < n; i++) {
        layer *l = &m->layers[i];
        l->spec = specs[i];
        l->in = width;
        l->out = width;
        size_t add = 0;
        if (specs[i].kind == GG_LAYER_LINEAR) {
            l->out = specs[i].out;
            add = specs[i].out * specs[i].in + specs[i].out;
        } else if (specs[i].kind == GG_LAYER_BATCHNORM) {
            add = specs[i].affine ? 2 * width : 0;
            l->buf_off = nb;
            nb += specs[i].track_running_stats ? 2 * width : 0;
            m->has_bn = 1;
        } else if (specs[i].kind == GG_LAYER_DROPOUT) {
            m->has_dropout = 1;
        }
        l->w_off = np;
        if (add > GG_TENSOR_MAX_NUMEL || np > GG_TENSOR_MAX_NUMEL - add) {
            gg_model_free(m);
            return gg_err_set(err, GG_EINVAL, "model has more than %zu parameters",
                              (size_t)GG_TENSOR_MAX_NUMEL);
        }
        np += add;
        // An output-only activation runs in place unless the previous layer's backward
        // reads its own output (an output-only activation itself).
        l->in_place = i > 0 && reads_output(&specs[i]) && !reads_output(&specs[i - 1]);
        width = l->out;
        if (width > m->maxw)
            m->maxw = width;
    }
    m->out = width;
    m->nparams = np;
    m->nbufs = nb;
    m->params = gg_calloc(np, sizeof(float));
    m->grads = gg_calloc(np, sizeof(float));
    m->bufs = gg_calloc(nb ? nb : 1, sizeof(float));
    if (!m->params || !m->grads || !m->bufs) {
        gg_model_free(m);
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating %zu parameters", np);
    }
    reset_batchnorms(m);
    *out = m;
    return GG_OK;
}

void gg_model_free(gg_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->layers && i < m->nlayers; i++)
        gg_free(m->layers[i].pending);
    gg_arena_free(&m->arena);
    gg_free(m->params);
    gg_free(m->grads);
    gg_free(m->bufs);
    gg_free(m->layers);
    gg_free(m);
}

void gg_model_init(gg_model *m, const gg_init *all, gg_rng *rng)
{
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (l->spec.kind != GG_LAYER_LINEAR)
            continue;
        float *W = m->params + l->w_off;
        gg_init_fill(all ? all : &l->spec.init, W, W + l->in * l->out, l->in, l->out, rng);
    }
    reset_batchnorms(m);
    if (m->has_dropout)
        gg_rng_seed(&m->drop_rng, gg_rng_u64(rng));
}

void gg_model_init_default(gg_model *m, gg_rng *rng)
{
    gg_model_init(m, NULL, rng);
}

void gg_model_seed_dropout(gg_model *m, uint64_t seed) { gg_rng_seed(&m->drop_rng, seed); }
void gg_model_set_training(gg_model *m, int training) { m->training = training != 0; }
int gg_model_training(const gg_model *m) { return m->training; }

size_t gg_model_layers(const gg_model *m) { return m->nlayers; }
size_t gg_model_in(const gg_model *m) { return m->in; }
size_t gg_model_out(const gg_model *m) { return m->out; }
size_t gg_model_nparams(const gg_model *m) { return m->nparams; }
float *gg_model_params(gg_model *m) { return m->params; }
float *gg_model_grads(gg_model *m) { return m->grads; }
size_t gg_model_nbuffers(const gg_model *m) { return m->nbufs; }
float *gg_model_buffers(gg_model *m) { return m->bufs; }
float *gg_model_dout(gg_model *m) { return m->dout; }
size_t gg_model_batch(const gg_model *m) { return m->B; }
gg_isa gg_model_isa(const gg_model *m) { return m->isa; }

gg_status gg_model_set_isa(gg_model *m, gg_isa isa, gg_err *err)
{
    if (!gg_isa_supported(isa))
        return gg_err_set(err, GG_EINVAL, "instruction set %s is not supported here (best: %s)",
                          gg_isa_name(isa), gg_isa_name(gg_isa_best()));
    m->isa = isa;
    return GG_OK;
}
const float *gg_model_layer_output(const gg_model *m, size_t i) { return m->layers[i].y; }
gg_rng *gg_model_dropout_rng(gg_model *m) { return &m->drop_rng; }

gg_layer_cfg gg_model_layer_cfg(const gg_model *m, size_t i)
{
    gg_layer_cfg c = m->layers[i].spec;
    c.in = m->layers[i].in;
    c.out = m->layers[i].out;
    return c;
}

gg_layer_spec gg_model_layer(const gg_model *m, size_t i)
{
    gg_layer_cfg c = gg_model_layer_cfg(m, i);
    return (gg_layer_spec){c.kind, c.in, c.out, c.act};
}

/* Number of parameter tensors of a layer (2: W and b, or gamma and beta). */
static size_t layer_tensors(const layer *l)
{
    return l->spec.kind == GG_LAYER_LINEAR || (l->spec.kind == GG_LAYER_BATCHNORM && l->spec.affine)
               ? 2 : 0;
}

size_t gg_model_ntensors(const gg_model *m)
{
    size_t k = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        k += layer_tensors(&m->layers[i]);
    return k;
}

void gg_model_tensor_info(const gg_model *m, size_t k, size_t *offset, size_t *rows, size_t *cols)
{
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (!layer_tensors(l))
            continue;
        if (k < 2) {
            if (l->spec.kind == GG_LAYER_LINEAR) {
                *offset = l->w_off + (k ? l->in * l->out : 0);
                *rows = k ? 1 : l->out;
                *cols = k ? l->out : l->in;
            } else {
                *offset = l->w_off + k * l->out;
                *rows = 1;
                *cols = l->out;
            }
            return;
        }
        k -= 2;
    }
    *offset = *rows = *cols = 0;
}

size_t gg_model_nbuffer_tensors(const gg_model *m)
{
    size_t k = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        k += m->layers[i].spec.kind == GG_LAYER_BATCHNORM && m->layers[i].spec.track_running_stats ? 2 : 0;
    return k;
}

void gg_model_buffer_info(const gg_model *m, size_t k, size_t *offset, size_t *rows, size_t *cols)
{
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (l->spec.kind != GG_LAYER_BATCHNORM || !l->spec.track_running_stats)
            continue;
        if (k < 2) {
            *offset = l->buf_off + k * l->out;
            *rows = 1;
            *cols = l->out;
            return;
        }
        k -= 2;
    }
    *offset = *rows = *cols = 0;
}

gg_status gg_model_reserve(gg_model *m, size_t B, gg_err *err)
{
    if (B <= m->cap)
        return GG_OK;
    gg_status st = gg_tensor_check_size(B, m->maxw, "batch", err);
    if (st)
        return st;
    size_t bytes = gg_arena_bytes_for(B * m->in) + gg_arena_bytes_for(B * m->out) +
                   2 * gg_arena_bytes_for(B * m->maxw) +
                   2 * gg_arena_bytes_for(gg_linear_scratch(B, m->maxw));
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        bytes += l->in_place ? 0 : gg_arena_bytes_for(B * l->out);
        if (l->spec.kind == GG_LAYER_BATCHNORM)
            bytes += 2 * gg_arena_bytes_for(l->out);
        if (l->spec.kind == GG_LAYER_DROPOUT)
            bytes += gg_arena_bytes_for(B * l->out);
    }
    if ((st = gg_arena_reserve(&m->arena, bytes, err)))
        return st;
    gg_arena_reset(&m->arena);
    m->x = gg_arena_floats(&m->arena, B * m->in);
    m->dout = gg_arena_floats(&m->arena, B * m->out);
    m->g[0] = gg_arena_floats(&m->arena, B * m->maxw);
    m->g[1] = gg_arena_floats(&m->arena, B * m->maxw);
    m->xt[0] = gg_arena_floats(&m->arena, gg_linear_scratch(B, m->maxw));
    m->xt[1] = gg_arena_floats(&m->arena, gg_linear_scratch(B, m->maxw));
    float *prev = m->x;
    for (size_t i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        l->y = l->in_place ? prev : gg_arena_floats(&m->arena, B * l->out);
        if (l->spec.kind == GG_LAYER_BATCHNORM) {
            l->mean = gg_arena_floats(&m->arena, l->out);
            l->invstd = gg_arena_floats(&m->arena, l->out);
        }
        if (l->spec.kind == GG_LAYER_DROPOUT)
            l->mask = gg_arena_floats(&m->arena, B * l->out);
        prev = l->y;
    }
    m->cap = B;
    m->B = 0;
    return GG_OK;
}

float *gg_model_input(gg_model *m, size_t B)
{
    (void)B;
    return m->x;
}

/* ---- BatchNorm1d and Dropout kernels ---- */

/* BatchNorm1d forward, as PyTorch's CPU kernel (batch_norm_kernel.cpp): per feature, the
 * batch mean is summed in double in row order and rounded to float; squared deviations
 * (float) are summed in double; invstd = 1/sqrt(var_sum/B + eps) in double. The running
 * update (momentum m, unbiased variance var_sum/(B-1)) is in double. Then
 * y = x * alpha + beta with alpha = invstd * gamma, beta' = beta - mean * alpha in float. */
static void bn_forward(gg_model *m, layer *l, const float *x, size_t B)
{
    const size_t n = l->out;
    const gg_layer_cfg *s = &l->spec;
    const float *gamma = s->affine ? m->params + l->w_off : NULL;
    float *rm = s->track_running_stats ? m->bufs + l->buf_off : NULL;
    const int batch_stats = m->training || !s->track_running_stats;
    for (size_t j = 0; j < n; j++) {
        float mean, invstd;
        if (batch_stats) {
            double sum = 0.0;
            for (size_t r = 0; r < B; r++)
                sum += (double)x[r * n + j];
            mean = (float)(sum / (double)B);
            double vs = 0.0;
            for (size_t r = 0; r < B; r++) {
                float d = x[r * n + j] - mean;
                vs += (double)(d * d);
            }
            float var_sum = (float)vs;
            invstd = (float)(1.0 / sqrt((double)var_sum / (double)B + s->eps));
            if (m->training && rm && B > 1) {
                double mom = s->momentum;
                rm[j] = (float)(mom * (double)mean + (1.0 - mom) * (double)rm[j]);
                double unbiased = (double)var_sum / (double)(B - 1);
                rm[n + j] = (float)(mom * unbiased + (1.0 - mom) * (double)rm[n + j]);
            }
        } else {
            mean = rm[j];
            invstd = 1.0f / sqrtf(rm[n + j] + (float)s->eps);
        }
        l->mean[j] = mean;
        l->invstd[j] = invstd;
    }
    for (size_t j = 0; j < n; j++) {
        float alpha = gamma ? l->invstd[j] * gamma[j] : l->invstd[j];
        float beta = (gamma ? gamma[n + j] : 0.0f) - l->mean[j] * alpha;
        for (size_t r = 0; r < B; r++)
            l->y[r * n + j] = x[r * n + j] * alpha + beta;
    }
}

/* BatchNorm1d backward (PyTorch's CPU kernel): per feature sum = sum dy and
 * dotp = sum (x - mean) dy in double, row order; training: k = dotp invstd^2 / B,
 * dx = (dy - sum/B - (x - mean) k) invstd gamma; evaluation: dx = dy invstd gamma.
 * dgamma += dotp invstd, dbeta += sum. dx may alias dy. */
static void bn_backward(gg_model *m, const layer *l, float *dx, const float *dy, const float *x,
                        size_t B)
{
    const size_t n = l->out;
    const float *gamma = l->spec.affine ? m->params + l->w_off : NULL;
    float *dgamma = l->spec.affine ? m->grads + l->w_off : NULL;
    const int batch_stats = m->fwd_training || !l->spec.track_running_stats;
    for (size_t j = 0; j < n; j++) {
        const float mean = l->mean[j], invstd = l->invstd[j], w = gamma ? gamma[j] : 1.0f;
        double sum = 0.0, dotp = 0.0;
        for (size_t r = 0; r < B; r++) {
            sum += (double)dy[r * n + j];
            dotp += (double)((x[r * n + j] - mean) * dy[r * n + j]);
        }
        if (dx && batch_stats) {
            float k = (float)dotp * invstd * invstd / (float)B;
            float grad_mean = (float)(sum / (double)B);
            for (size_t r = 0; r < B; r++) {
                float d = (x[r * n + j] - mean) * k;
                dx[r * n + j] = (dy[r * n + j] - grad_mean - d) * invstd * w;
            }
        } else if (dx) {
            for (size_t r = 0; r < B; r++)
                dx[r * n + j] = dy[r * n + j] * invstd * w;
        }
        if (dgamma) {
            dgamma[j] += (float)(dotp * (double)invstd);
            dgamma[n + j] += (float)sum;
        }
    }
}

/* Dropout forward (torch _dropout_impl): training with p > 0 keeps an element when a
 * uniform draw u < 1 - p and scales kept ones by 1/(1-p) (in float, as noise.div_(1-p));
 * otherwise the identity without draws. */
static void dropout_forward(gg_model *m, layer *l, const float *x, size_t B)
{
    const size_t cnt = B * l->out;
    const double p = l->spec.p;
    if (!m->training || p == 0.0) {
        if (l->y != x)
            memcpy(l->y, x, cnt * sizeof *x);
        return;
    }
    const float scale = 1.0f / (float)(1.0 - p);
    const float *keep = l->pending && l->pending_B == B ? l->pending : NULL;
    for (size_t k = 0; k < cnt; k++) {
        int kept = keep ? keep[k] != 0.0f : gg_rng_uniform(&m->drop_rng) < 1.0 - p;
        l->mask[k] = kept ? scale : 0.0f;
        l->y[k] = x[k] * l->mask[k];
    }
    gg_free(l->pending);
    l->pending = NULL;
}

gg_status gg_model_dropout_mask(gg_model *m, size_t layer_i, const float *keep, size_t B,
                                gg_err *err)
{
    if (layer_i >= m->nlayers || m->layers[layer_i].spec.kind != GG_LAYER_DROPOUT)
        return gg_err_set(err, GG_EINVAL, "layer %zu is not a dropout layer", layer_i + 1);
    layer *l = &m->layers[layer_i];
    if (B == 0)
        return gg_err_set(err, GG_EINVAL, "mask must have >= 1 rows, got 0");
    gg_status st = gg_tensor_check_size(B, l->out, "dropout mask", err);
    if (st)
        return st;
    for (size_t k = 0; k < B * l->out; k++)
        if (keep[k] != 0.0f && keep[k] != 1.0f)
            return gg_err_set(err, GG_EINVAL, "mask values must be 0 or 1, got %g at %zu",
                              (double)keep[k], k + 1);
    float *copy = gg_malloc(B * l->out, sizeof *copy);
    if (!copy)
        return gg_err_set(err, GG_ENOMEM, "out of memory for a %zu x %zu mask", B, l->out);
    memcpy(copy, keep, B * l->out * sizeof *copy);
    gg_free(l->pending);
    l->pending = copy;
    l->pending_B = B;
    return GG_OK;
}

/* ---- forward and backward ---- */

static int is_relu(const layer *l)
{
    return l->spec.kind == GG_LAYER_ACT && l->spec.act == GG_ACT_RELU;
}

/* Whether layer i (Linear) is followed by a ReLU writing over its output. */
static int fused_relu(const gg_model *m, size_t i)
{
    return i + 1 < m->nlayers && is_relu(&m->layers[i + 1]) && m->layers[i + 1].in_place;
}

const float *gg_model_run(gg_model *m, size_t B)
{
    const float *x = m->x;
    m->fwd_training = m->training;
    int cur = 0, ready = 0;  // m->xt[cur] already holds x transposed (a Linear's yt)
    for (size_t i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        if (l->spec.kind != GG_LAYER_LINEAR)
            ready = 0;
        switch (l->spec.kind) {
        case GG_LAYER_LINEAR: {
            const float *W = m->params + l->w_off;
            // A ReLU writing over this output is fused into the kernel's epilogue; a Linear
            // right after gets this one's output already transposed.
            const int relu = fused_relu(m, i);
            const size_t next = i + 1 + (size_t)relu;
            const int chain = gg_linear_transposes(m->isa) && next < m->nlayers &&
                              m->layers[next].spec.kind == GG_LAYER_LINEAR;
            gg_linear_forward(m->isa, l->y, x, W, W + l->in * l->out, B, l->in, l->out, relu,
                              m->xt[cur], ready, chain ? m->xt[1 - cur] : NULL);
            cur = chain ? 1 - cur : cur;
            ready = chain;
            if (relu)  // the ReLU's output is this buffer: x = l->y below is the same
                l = &m->layers[++i];
            break;
        }
        case GG_LAYER_ACT:
            gg_act_forward(l->spec.act, &l->spec.ap, l->y, x, B * l->out);
            break;
        case GG_LAYER_BATCHNORM:
            bn_forward(m, l, x, B);
            break;
        case GG_LAYER_DROPOUT:
            dropout_forward(m, l, x, B);
            break;
        }
        x = l->y;
    }
    m->B = B;
    return x;
}

gg_status gg_model_forward(gg_model *m, const float *x, size_t B, const float **y, gg_err *err)
{
    if (B == 0)
        return gg_err_set(err, GG_EINVAL, "batch must have >= 1 rows, got 0");
    if (B == 1 && m->training && m->has_bn)
        return gg_err_set(err, GG_EINVAL,
                          "batchnorm1d needs more than 1 row per batch in training mode, got 1");
    gg_status st = gg_model_reserve(m, B, err);
    if (st)
        return st;
    memcpy(m->x, x, B * m->in * sizeof(float));
    *y = gg_model_run(m, B);
    return GG_OK;
}

void gg_model_backward(gg_model *m, const float *dy)
{
    const size_t B = m->B;
    const float *g = dy;
    for (size_t i = m->nlayers; i-- > 0;) {
        const layer *l = &m->layers[i];
        const float *x = i ? m->layers[i - 1].y : m->x;
        if (l->spec.kind == GG_LAYER_LINEAR) {
            float *W = m->params + l->w_off, *dW = m->grads + l->w_off;
            float *dx = i ? (g == m->g[0] ? m->g[1] : m->g[0]) : NULL;
            // A ReLU below this layer is fused: dx is masked by its output, and skipped.
            const float *mask = i && is_relu(&m->layers[i - 1]) ? m->layers[i - 1].y : NULL;
            gg_linear_backward(m->isa, dx, dW, dW + l->in * l->out, g, x, W, mask, B, l->in,
                               l->out);
            g = dx;
            if (mask)
                i--;
            continue;
        }
        // Element-wise layers write in place when g is already scratch; the caller's dy is
        // never written.
        float *dst = (g == m->g[1]) ? m->g[1] : m->g[0];
        const size_t cnt = B * l->out;
        switch (l->spec.kind) {
        case GG_LAYER_ACT:
            gg_act_backward(l->spec.act, &l->spec.ap, dst, g,
                            gg_act_needs_input(l->spec.act, &l->spec.ap) ? x : NULL, l->y, cnt);
            break;
        case GG_LAYER_BATCHNORM:
            bn_backward(m, l, dst, g, x, B);
            break;
        case GG_LAYER_DROPOUT:
            if (m->fwd_training && l->spec.p != 0.0)
                for (size_t k = 0; k < cnt; k++)
                    dst[k] = g[k] * l->mask[k];
            else if (dst != g)
                memcpy(dst, g, cnt * sizeof *dst);
            break;
        default:
            break;
        }
        g = dst;
    }
}

void gg_model_zero_grad(gg_model *m)
{
    memset(m->grads, 0, m->nparams * sizeof(float));
}
