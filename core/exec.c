/* core/exec.c — each node kind's forward and backward over the compiled model's buffers
 * (graph_impl.h). These adapters only find the node's buffers and sizes and call the
 * kernels of the kind's module (linear.h, act.h, ...); the kernels define the numbers.
 *
 * Gradient contract (model.c plans it): a node's backward reads its dy; it accumulates into
 * parameter gradients (param nodes' dy is the flat gradient buffer) and writes (acc 0) or
 * adds (acc 1) its inputs' gradients; acc -1 means the input needs none. */
#include <math.h>
#include <string.h>

#include "assert.h"
#include "graph_impl.h"
#include "linear.h"
#include "mem.h"

/* ---- buffers ---- */

static const gg_gnode *node(const gg_model *m, int i) { return &m->g->nodes[i]; }

/* Output and gradient buffers of input slot s of node i (the gradient NULL when that input
 * needs none). */
static float *in_y(const gg_model *m, int i, int s)
{
    const int in = node(m, i)->in[s];
    return m->mn[m->mn[in].root].y;
}

static float *in_dy(const gg_model *m, int i, int s)
{
    const int in = node(m, i)->in[s];
    return m->mn[i].acc[s] < 0 ? NULL : m->mn[m->mn[in].root].dy;
}

/* Elements of node i's output for batch B. */
static size_t count(const gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    return n->batched ? B * n->numel : n->numel;
}

/* dst[k] += src[k]: the second contribution to a gradient. */
static void add_into(float *dst, const float *src, size_t n)
{
    for (size_t k = 0; k < n; k++)
        dst[k] += src[k];
}

/* Where a backward writing its input gradient should write: the gradient itself (acc 0) or
 * the model's scratch, added afterwards by finish_dx (acc 1). NULL when not needed. */
static float *dx_target(gg_model *m, int i, int s)
{
    float *dx = in_dy(m, i, s);
    return dx && m->mn[i].acc[s] == 1 ? m->tmp : dx;
}

static void finish_dx(gg_model *m, int i, int s, size_t n)
{
    float *dx = in_dy(m, i, s);
    if (dx && m->mn[i].acc[s] == 1)
        add_into(dx, m->tmp, n);
}

/* ---- Linear ---- */

static void linear_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    gg_mnode *mn = &m->mn[i];
    const size_t rows = node(m, n->in[0])->batched ? B * mn->rows : mn->rows;
    const float *W = in_y(m, i, 1);
    const float *b = n->cfg.bias ? in_y(m, i, 2) : m->zeros;
    float *yt = NULL;
    if (mn->yt_to >= 0 && gg_linear_transposes(m->isa)) {
        yt = m->mn[mn->yt_to].xt;
        m->mn[mn->yt_to].xt_ready = 1;
    }
    gg_linear_forward(m->isa, mn->y, in_y(m, i, 0), W, b, rows, n->cfg.in, n->cfg.out,
                      mn->fuse_relu, mn->xt, mn->xt_ready, yt);
    mn->xt_ready = 0;
}

static void linear_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    const gg_mnode *mn = &m->mn[i];
    const size_t in = n->cfg.in, out = n->cfg.out;
    const size_t rows = node(m, n->in[0])->batched ? B * mn->rows : mn->rows;
    // A frozen weight or a missing bias still gets the kernel's sums, into a sink.
    float *dW = in_dy(m, i, 1);
    float *db = n->cfg.bias ? in_dy(m, i, 2) : NULL;
    GG_ASSERT(m->dummy_n >= out + (dW ? 0 : in * out));
    if (!db) {
        db = m->dummy;
        memset(db, 0, out * sizeof *db);
    }
    if (!dW)
        dW = m->dummy + out;
    const float *mask = mn->mask_in ? in_y(m, i, 0) : NULL;
    float *dx = dx_target(m, i, 0);
    gg_linear_backward(m->isa, dx, dW, db, mn->dy, in_y(m, i, 0), in_y(m, i, 1), mask, rows,
                       in, out);
    finish_dx(m, i, 0, rows * in);
}

/* ---- activations ---- */

static void act_forward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    gg_act_forward(c->act, &c->ap, m->mn[i].y, in_y(m, i, 0), count(m, i, B));
}

static void act_backward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    gg_mnode *mn = &m->mn[i];
    const size_t cnt = count(m, i, B);
    if (mn->root != i) {  // a ReLU fused into its Linear: mask the shared gradient in place
        gg_act_backward(c->act, &c->ap, mn->dy, mn->dy, NULL, mn->y, cnt);
        return;
    }
    float *dx = dx_target(m, i, 0);
    if (!dx)
        return;
    const float *x = gg_act_needs_input(c->act, &c->ap) ? in_y(m, i, 0) : NULL;
    gg_act_backward(c->act, &c->ap, dx, mn->dy, x, mn->y, cnt);
    finish_dx(m, i, 0, cnt);
}

/* ---- BatchNorm (B, C) ---- */

/* BatchNorm1d forward, as PyTorch's CPU kernel (batch_norm_kernel.cpp): per feature, the
 * batch mean is summed in double in row order and rounded to float; squared deviations
 * (float) are summed in double; invstd = 1/sqrt(var_sum/B + eps) in double. The running
 * update (momentum m, unbiased variance var_sum/(B-1)) is in double. Then
 * y = x * alpha + beta with alpha = invstd * gamma, beta' = beta - mean * alpha in float.
 * aux holds mean (C) then invstd (C). */
static void bn_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *nd = node(m, i);
    const gg_layer_cfg *s = &nd->cfg;
    gg_mnode *mn = &m->mn[i];
    const size_t n = nd->shape.dim[1];
    const float *x = in_y(m, i, 0);
    const float *gamma = s->affine ? in_y(m, i, 1) : NULL;
    const float *beta = s->affine ? in_y(m, i, 2) : NULL;
    float *rm = s->track_running_stats ? m->bufs + nd->b_off : NULL;
    float *mean = mn->aux, *invstd = mn->aux + n;
    const int batch_stats = m->training || !s->track_running_stats;
    for (size_t j = 0; j < n; j++) {
        float mu, is;
        if (batch_stats) {
            double sum = 0.0;
            for (size_t r = 0; r < B; r++)
                sum += (double)x[r * n + j];
            mu = (float)(sum / (double)B);
            double vs = 0.0;
            for (size_t r = 0; r < B; r++) {
                float d = x[r * n + j] - mu;
                vs += (double)(d * d);
            }
            float var_sum = (float)vs;
            is = (float)(1.0 / sqrt((double)var_sum / (double)B + s->eps));
            if (m->training && rm && B > 1) {
                double mom = s->momentum;
                rm[j] = (float)(mom * (double)mu + (1.0 - mom) * (double)rm[j]);
                double unbiased = (double)var_sum / (double)(B - 1);
                rm[n + j] = (float)(mom * unbiased + (1.0 - mom) * (double)rm[n + j]);
            }
        } else {
            mu = rm[j];
            is = 1.0f / sqrtf(rm[n + j] + (float)s->eps);
        }
        mean[j] = mu;
        invstd[j] = is;
    }
    for (size_t j = 0; j < n; j++) {
        float alpha = gamma ? invstd[j] * gamma[j] : invstd[j];
        float b = (beta ? beta[j] : 0.0f) - mean[j] * alpha;
        for (size_t r = 0; r < B; r++)
            mn->y[r * n + j] = x[r * n + j] * alpha + b;
    }
}

/* BatchNorm1d backward (PyTorch's CPU kernel): per feature sum = sum dy and
 * dotp = sum (x - mean) dy in double, row order; training: k = dotp invstd^2 / B,
 * dx = (dy - sum/B - (x - mean) k) invstd gamma; evaluation: dx = dy invstd gamma.
 * dgamma += dotp invstd, dbeta += sum. */
static void bn_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *nd = node(m, i);
    const gg_layer_cfg *s = &nd->cfg;
    const gg_mnode *mn = &m->mn[i];
    const size_t n = nd->shape.dim[1];
    const float *x = in_y(m, i, 0), *dy = mn->dy;
    const float *gamma = s->affine ? in_y(m, i, 1) : NULL;
    float *dgamma = s->affine ? in_dy(m, i, 1) : NULL;
    float *dbeta = s->affine ? in_dy(m, i, 2) : NULL;
    const float *mean = mn->aux, *invstd = mn->aux + n;
    float *dx = dx_target(m, i, 0);
    const int batch_stats = m->fwd_training || !s->track_running_stats;
    for (size_t j = 0; j < n; j++) {
        const float mu = mean[j], is = invstd[j], w = gamma ? gamma[j] : 1.0f;
        double sum = 0.0, dotp = 0.0;
        for (size_t r = 0; r < B; r++) {
            sum += (double)dy[r * n + j];
            dotp += (double)((x[r * n + j] - mu) * dy[r * n + j]);
        }
        if (dx && batch_stats) {
            float k = (float)dotp * is * is / (float)B;
            float grad_mean = (float)(sum / (double)B);
            for (size_t r = 0; r < B; r++) {
                float d = (x[r * n + j] - mu) * k;
                dx[r * n + j] = (dy[r * n + j] - grad_mean - d) * is * w;
            }
        } else if (dx) {
            for (size_t r = 0; r < B; r++)
                dx[r * n + j] = dy[r * n + j] * is * w;
        }
        if (dgamma)
            dgamma[j] += (float)(dotp * (double)is);
        if (dbeta)
            dbeta[j] += (float)sum;
    }
    finish_dx(m, i, 0, B * n);
}

/* ---- Dropout ---- */

/* torch _dropout_impl: training with p > 0 keeps an element when a uniform draw u < 1 - p
 * and scales kept ones by 1/(1-p) (in float, as noise.div_(1-p)); otherwise the identity
 * without draws. aux holds the scaled mask. */
static void dropout_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *nd = node(m, i);
    gg_mnode *mn = &m->mn[i];
    const size_t cnt = count(m, i, B);
    const double p = nd->cfg.p;
    const float *x = in_y(m, i, 0);
    if (!m->training || p == 0.0) {
        memcpy(mn->y, x, cnt * sizeof *x);
        return;
    }
    const float scale = 1.0f / (float)(1.0 - p);
    const float *keep = mn->pending && mn->pending_B == B ? mn->pending : NULL;
    for (size_t k = 0; k < cnt; k++) {
        int kept = keep ? keep[k] != 0.0f : gg_rng_uniform(&m->drop_rng) < 1.0 - p;
        mn->aux[k] = kept ? scale : 0.0f;
        mn->y[k] = x[k] * mn->aux[k];
    }
    gg_free(mn->pending);
    mn->pending = NULL;
}

static void dropout_backward(gg_model *m, int i, size_t B)
{
    const gg_mnode *mn = &m->mn[i];
    const size_t cnt = count(m, i, B);
    float *dx = dx_target(m, i, 0);
    if (!dx)
        return;
    if (m->fwd_training && node(m, i)->cfg.p != 0.0)
        for (size_t k = 0; k < cnt; k++)
            dx[k] = mn->dy[k] * mn->aux[k];
    else
        memcpy(dx, mn->dy, cnt * sizeof *dx);
    finish_dx(m, i, 0, cnt);
}

/* ---- dispatch ---- */

size_t gg_exec_aux(const gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    switch (n->cfg.kind) {
    case GG_LAYER_BATCHNORM:
        return 2 * n->shape.dim[1];
    case GG_LAYER_DROPOUT:
        return count(m, i, B);
    default:
        return 0;
    }
}

int gg_exec_supported(const gg_gnode *n)
{
    switch (n->cfg.kind) {
    case GG_LAYER_LINEAR:
    case GG_LAYER_ACT:
    case GG_LAYER_VIEW:
    case GG_LAYER_INPUT:
    case GG_LAYER_PARAM:
    case GG_LAYER_CONST:
        return 1;
    case GG_LAYER_BATCHNORM:
        return n->shape.ndim == 2;
    case GG_LAYER_DROPOUT:
        return !n->cfg.channel_wise;
    default:
        return 0;
    }
}

void gg_exec_forward(gg_model *m, int i, size_t B)
{
    switch (node(m, i)->cfg.kind) {
    case GG_LAYER_LINEAR: linear_forward(m, i, B); break;
    case GG_LAYER_ACT: act_forward(m, i, B); break;
    case GG_LAYER_BATCHNORM: bn_forward(m, i, B); break;
    case GG_LAYER_DROPOUT: dropout_forward(m, i, B); break;
    default: GG_ASSERT(!"forward of an unsupported kind"); break;
    }
}

void gg_exec_backward(gg_model *m, int i, size_t B)
{
    switch (node(m, i)->cfg.kind) {
    case GG_LAYER_LINEAR: linear_backward(m, i, B); break;
    case GG_LAYER_ACT: act_backward(m, i, B); break;
    case GG_LAYER_BATCHNORM: bn_backward(m, i, B); break;
    case GG_LAYER_DROPOUT: dropout_backward(m, i, B); break;
    default: GG_ASSERT(!"backward of an unsupported kind"); break;
    }
}
