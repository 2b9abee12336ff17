/* core/model.c — sequential MLP over flat buffers (see model.h). */
#include "model.h"

#include <math.h>
#include <string.h>

#include "arena.h"
#include "linear.h"
#include "mem.h"
#include "tensor.h"

typedef struct layer {
    gg_layer_spec spec;
    size_t in, out;   /* widths; equal for activations */
    size_t w_off;     /* Linear: offset of W (out,in) in the flat buffers; b follows */
    float *y;         /* output (B,out) in the arena; activations run in place */
} layer;

struct gg_model {
    size_t nlayers;
    layer *layers;
    size_t in, out;      /* model input and output widths */
    size_t maxw;         /* widest activation, for the gradient ping-pong buffers */
    size_t nparams;
    float *params;       /* flat parameters */
    float *grads;        /* flat gradients, same layout */
    gg_arena arena;      /* scratch for batches up to cap rows */
    size_t cap;          /* batch rows reserved (0 = nothing yet) */
    size_t B;            /* batch rows of the last forward */
    float *x;            /* input buffer (cap,in) */
    float *dout;         /* loss gradient buffer (cap,out) */
    float *g[2];         /* backward ping-pong buffers (cap,maxw) */
};

static gg_status check_specs(const gg_layer_spec *specs, size_t n, gg_err *err)
{
    if (n == 0 || n > GG_MODEL_MAX_LAYERS)
        return gg_err_set(err, GG_EINVAL, "a model needs 1..%d layers, got %zu",
                          GG_MODEL_MAX_LAYERS, n);
    if (specs[0].kind != GG_LAYER_LINEAR)
        return gg_err_set(err, GG_EINVAL, "layer 1 must be linear (it fixes the input width)");
    size_t width = specs[0].in;
    for (size_t i = 0; i < n; i++) {
        const gg_layer_spec *s = &specs[i];
        if (s->kind == GG_LAYER_ACT) {
            if (!gg_act_name(s->act))
                return gg_err_set(err, GG_EINVAL, "layer %zu has an unknown activation", i + 1);
            continue;
        }
        if (s->kind != GG_LAYER_LINEAR)
            return gg_err_set(err, GG_EINVAL, "layer %zu has an unknown kind", i + 1);
        if (s->in == 0 || s->out == 0)
            return gg_err_set(err, GG_EINVAL, "layer %zu: linear sizes must be >= 1, got %zu -> %zu",
                              i + 1, s->in, s->out);
        if (s->in != width)
            return gg_err_set(err, GG_ESHAPE, "layer %zu: linear expects %zu inputs but the previous layer gives %zu",
                              i + 1, s->in, width);
        gg_status st = gg_tensor_check_size(s->out, s->in, "linear weight", err);
        if (st)
            return st;
        width = s->out;
    }
    return GG_OK;
}

gg_status gg_model_new(gg_model **out, const gg_layer_spec *specs, size_t n, gg_err *err)
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
    size_t width = specs[0].in, np = 0;
    m->in = m->maxw = width;
    for (size_t i = 0; i < n; i++) {
        layer *l = &m->layers[i];
        l->spec = specs[i];
        l->in = width;
        if (specs[i].kind == GG_LAYER_LINEAR) {
            l->out = specs[i].out;
            l->w_off = np;
            size_t add = specs[i].out * specs[i].in + specs[i].out;
            if (add > GG_TENSOR_MAX_NUMEL || np > GG_TENSOR_MAX_NUMEL - add) {
                gg_model_free(m);
                return gg_err_set(err, GG_EINVAL, "model has more than %zu parameters",
                                  (size_t)GG_TENSOR_MAX_NUMEL);
            }
            np += add;
        } else {
            l->out = width;
        }
        width = l->out;
        if (width > m->maxw)
            m->maxw = width;
    }
    m->out = width;
    m->nparams = np;
    m->params = gg_calloc(np, sizeof(float));
    m->grads = gg_calloc(np, sizeof(float));
    if (!m->params || !m->grads) {
        gg_model_free(m);
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating %zu parameters", np);
    }
    *out = m;
    return GG_OK;
}

void gg_model_free(gg_model *m)
{
    if (!m)
        return;
    gg_arena_free(&m->arena);
    gg_free(m->params);
    gg_free(m->grads);
    gg_free(m->layers);
    gg_free(m);
}

void gg_model_init_default(gg_model *m, gg_rng *rng)
{
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (l->spec.kind != GG_LAYER_LINEAR)
            continue;
        // kaiming_uniform(a=sqrt(5)) gives bound 1/sqrt(in); the bias uses the same bound.
        double bound = 1.0 / sqrt((double)l->in);
        float *w = m->params + l->w_off;
        size_t cnt = l->in * l->out + l->out;
        for (size_t k = 0; k < cnt; k++)
            w[k] = (float)((2.0 * gg_rng_uniform(rng) - 1.0) * bound);
    }
}

size_t gg_model_layers(const gg_model *m) { return m->nlayers; }
size_t gg_model_in(const gg_model *m) { return m->in; }
size_t gg_model_out(const gg_model *m) { return m->out; }
size_t gg_model_nparams(const gg_model *m) { return m->nparams; }
float *gg_model_params(gg_model *m) { return m->params; }
float *gg_model_grads(gg_model *m) { return m->grads; }
float *gg_model_dout(gg_model *m) { return m->dout; }
size_t gg_model_batch(const gg_model *m) { return m->B; }

gg_layer_spec gg_model_layer(const gg_model *m, size_t i)
{
    gg_layer_spec s = m->layers[i].spec;
    s.in = m->layers[i].in;
    s.out = m->layers[i].out;
    return s;
}

size_t gg_model_ntensors(const gg_model *m)
{
    size_t k = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        k += m->layers[i].spec.kind == GG_LAYER_LINEAR ? 2 : 0;
    return k;
}

void gg_model_tensor_info(const gg_model *m, size_t k, size_t *offset, size_t *rows, size_t *cols)
{
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (l->spec.kind != GG_LAYER_LINEAR)
            continue;
        if (k < 2) {
            *offset = l->w_off + (k ? l->in * l->out : 0);
            *rows = k ? 1 : l->out;
            *cols = k ? l->out : l->in;
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
                   2 * gg_arena_bytes_for(B * m->maxw);
    for (size_t i = 0; i < m->nlayers; i++)
        bytes += gg_arena_bytes_for(B * m->layers[i].out);  // upper bound: in-place acts need none
    if ((st = gg_arena_reserve(&m->arena, bytes, err)))
        return st;
    gg_arena_reset(&m->arena);
    m->x = gg_arena_floats(&m->arena, B * m->in);
    m->dout = gg_arena_floats(&m->arena, B * m->out);
    m->g[0] = gg_arena_floats(&m->arena, B * m->maxw);
    m->g[1] = gg_arena_floats(&m->arena, B * m->maxw);
    float *prev = m->x;
    for (size_t i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        // An activation right after a Linear runs in place (the Linear's backward needs
        // only its input); after another activation it needs its own buffer, because the
        // earlier one's backward reads its own output.
        int in_place = l->spec.kind == GG_LAYER_ACT && i > 0 &&
                       m->layers[i - 1].spec.kind == GG_LAYER_LINEAR;
        l->y = in_place ? prev : gg_arena_floats(&m->arena, B * l->out);
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

const float *gg_model_run(gg_model *m, size_t B)
{
    const float *x = m->x;
    for (size_t i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        if (l->spec.kind == GG_LAYER_LINEAR) {
            const float *W = m->params + l->w_off;
            gg_linear_forward(l->y, x, W, W + l->in * l->out, B, l->in, l->out);
        } else {
            gg_act_forward(l->spec.act, l->y, x, B * l->out);
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
        if (l->spec.kind == GG_LAYER_ACT) {
            // In place when g is already scratch; the caller's dy is never written.
            float *dst = (g == m->g[1]) ? m->g[1] : m->g[0];
            gg_act_backward(l->spec.act, dst, g, l->y, B * l->out);
            g = dst;
        } else {
            float *W = m->params + l->w_off, *dW = m->grads + l->w_off;
            float *dx = i ? (g == m->g[0] ? m->g[1] : m->g[0]) : NULL;
            gg_linear_backward(dx, dW, dW + l->in * l->out, g, x, W, B, l->in, l->out);
            g = dx;
        }
    }
}

void gg_model_zero_grad(gg_model *m)
{
    memset(m->grads, 0, m->nparams * sizeof(float));
}
