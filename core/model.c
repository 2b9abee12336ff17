/* core/model.c — a compiled graph: memory plan, forward, backward (see model.h, graph.h).
 *
 * Compilation walks the graph once and decides everything the step needs, so the step
 * itself is a loop over nodes calling the kind's kernel (exec.c) with no allocation:
 *   - liveness: nodes the output does not depend on are dropped;
 *   - aliasing: a view shares its input's buffers; a ReLU whose input is a Linear with no
 *     other consumer is applied in that Linear's epilogue and shares its buffers (the
 *     fusion of the former sequential MLP, kept bit for bit);
 *   - gradient accumulation without zeroing: in backward order, the first consumer to
 *     produce an input's gradient writes it and later ones add (mn.acc); parameter
 *     gradients always accumulate into the flat gradient buffer (zeroing is explicit);
 *   - chaining: a Linear feeding only another Linear hands it its output transposed (the
 *     vector paths read x transposed).
 * Buffers come from the model's arena, reserved for the largest batch seen. */
#include "model.h"

#include <math.h>
#include <string.h>

#include "assert.h"
#include "embedding.h"
#include "graph_impl.h"
#include "linear.h"
#include "mem.h"
#include "rnn.h"
#include "tensor.h"

/* ---- the sequential constructors (the former MLP API) ---- */

/* The former layer-list checks, with their messages (tests and users know them). */
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

gg_layer_cfg gg_layer_defaults(gg_layer_spec s)
{
    gg_layer_cfg c = gg_layer_defaults_of(s.kind);
    c.in = s.in;
    c.out = s.out;
    c.act = s.act;
    c.ap = gg_act_defaults(s.act);
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
    gg_graph *g;
    if ((st = gg_graph_new(&g, err)))
        return st;
    gg_shape s = {.ndim = 1, .dim = {specs[0].in}};
    int x;
    if ((st = gg_graph_input(g, &s, 0, &x, err)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        gg_layer_cfg c = specs[i];
        if (c.kind == GG_LAYER_BATCHNORM)
            c.spatial = 1;
        if ((st = gg_graph_layer(g, &c, &x, 1, &x, err)))
            goto fail;
    }
    if ((st = gg_model_compile(out, g, x, err)))
        goto fail;
    return GG_OK;
fail:
    gg_graph_free(g);
    return st;
}

/* ---- compilation ---- */

static int is_leaf(gg_layer_kind k)
{
    return k == GG_LAYER_INPUT || k == GG_LAYER_PARAM || k == GG_LAYER_CONST;
}

static int is_relu(const gg_gnode *n)
{
    return n->cfg.kind == GG_LAYER_ACT && n->cfg.act == GG_ACT_RELU;
}

/* Reset every norm's gamma to 1 and beta to 0, and the running stats to mean 0, var 1. */
static void reset_norms(gg_model *m)
{
    const gg_graph *g = m->g;
    for (size_t i = 0; i < g->n; i++) {
        const gg_gnode *n = &g->nodes[i];
        gg_layer_kind k = n->cfg.kind;
        if (k != GG_LAYER_BATCHNORM && k != GG_LAYER_LAYERNORM && k != GG_LAYER_GROUPNORM)
            continue;
        for (int s = 1; s < n->nin; s++) {  // gamma (role 0) and beta (role 1) params
            const gg_gnode *p = &g->nodes[n->in[s]];
            if (p->owner != (int)i)
                continue;
            float v = p->role == 0 ? 1.0f : 0.0f;
            for (size_t j = 0; j < p->numel; j++)
                m->params[p->p_off + j] = v;
        }
        for (size_t j = 0; j < n->b_n / 2; j++) {
            m->bufs[n->b_off + j] = 0.0f;
            m->bufs[n->b_off + n->b_n / 2 + j] = 1.0f;
        }
    }
}

/* Input slots no gradient flows into: where's condition, a loss node's target, the ids of
 * an embedding. */
static int nondiff(const gg_gnode *n, int slot)
{
    return (n->cfg.kind == GG_LAYER_WHERE && slot == 0) || (n->cfg.kind == GG_LAYER_LOSS && slot == 1) ||
           (n->cfg.kind == GG_LAYER_ATTENTION && gg_attention_nondiff(&n->cfg, slot)) ||
           (n->cfg.kind == GG_LAYER_EMBEDDING && slot == 0);
}

/* Decide liveness, aliasing, fusion and accumulation (see the file comment). */
static gg_status plan(gg_model *m, gg_err *err)
{
    const gg_graph *g = m->g;
    const int n = (int)g->n, out = m->output;
    gg_mnode *mn = m->mn;
    mn[out].live = 1;
    for (int i = 0; i < n; i++)  // every input gets its buffers, used or not
        mn[i].live = g->nodes[i].cfg.kind == GG_LAYER_INPUT;
    mn[out].live = 1;
    for (int i = out; i >= 0; i--)
        if (mn[i].live)
            for (int s = 0; s < g->nodes[i].nin; s++)
                mn[g->nodes[i].in[s]].live = 1;
    for (int i = 0; i < n; i++) {
        mn[i].root = i;
        mn[i].yt_to = -1;
        if (!mn[i].live || is_leaf(g->nodes[i].cfg.kind))
            continue;
        for (int s = 0; s < g->nodes[i].nin; s++)
            mn[g->nodes[i].in[s]].consumers++;
    }
    for (int i = 0; i < n; i++) {
        const gg_gnode *nd = &g->nodes[i];
        if (!mn[i].live || is_leaf(nd->cfg.kind))
            continue;
        if (nd->cfg.kind == GG_LAYER_VIEW) {
            mn[i].root = mn[nd->in[0]].root;
            mn[i].skip_fwd = mn[i].skip_bwd = 1;
        } else if (is_relu(nd)) {
            const int l = nd->in[0];
            if (g->nodes[l].cfg.kind == GG_LAYER_LINEAR && mn[l].consumers == 1 && mn[l].root == l) {
                mn[l].fuse_relu = 1;
                mn[i].root = l;
                mn[i].skip_fwd = 1;
            }
        }
    }
    for (int i = 0; i < n; i++) {  // masks and transposed hand-offs between Linears
        const gg_gnode *nd = &g->nodes[i];
        if (!mn[i].live || nd->cfg.kind != GG_LAYER_LINEAR)
            continue;
        const gg_gnode *x = &g->nodes[nd->in[0]];
        const int xi = nd->in[0];
        if (is_relu(x) && mn[xi].skip_fwd && mn[xi].consumers == 1) {
            mn[i].mask_in = 1;
            mn[xi].skip_bwd = 1;
        }
        // Producer: the Linear behind x (x itself, or the Linear x is a fused ReLU of),
        // when this node is the only reader of that buffer; both see the same rows (B, or
        // B times the leading dims of a (B, L, ...) sequence: a transformer's FF block).
        const int p = mn[xi].root;
        const int single = p == xi ? mn[p].consumers == 1
                                   : mn[p].consumers == 1 && mn[xi].consumers == 1 && is_relu(x);
        if (single && g->nodes[p].cfg.kind == GG_LAYER_LINEAR && g->nodes[p].batched &&
            nd->batched)
            mn[p].yt_to = i;
    }
    // Gradient accumulation: first writer in backward order writes, later ones add.
    unsigned char *touched = gg_calloc((size_t)n, 1);
    if (!touched)
        return gg_err_set(err, GG_ENOMEM, "out of memory compiling a model of %d nodes", n);
    for (int i = 0; i < n; i++)
        touched[i] = g->nodes[i].cfg.kind == GG_LAYER_PARAM;
    touched[mn[out].root] = 1;  // the caller's gradient of the output comes first
    for (int i = out; i >= 0; i--) {
        const gg_gnode *nd = &g->nodes[i];
        if (!mn[i].live || is_leaf(nd->cfg.kind) || !nd->req || mn[i].skip_bwd ||
            mn[i].root != i)
            continue;
        for (int s = 0; s < nd->nin; s++) {
            const int in = nd->in[s];
            if (!g->nodes[in].req || nondiff(nd, s)) {  // a gradient nobody needs or defines
                mn[i].acc[s] = -1;
                continue;
            }
            const int r = mn[in].root;
            mn[i].acc[s] = touched[r];
            touched[r] = 1;
        }
    }
    for (int i = 0; i < n; i++) {
        const gg_layer_kind k = g->nodes[i].cfg.kind;
        mn[i].zero_dy = mn[i].live && (!is_leaf(k) || k == GG_LAYER_INPUT) && g->nodes[i].req &&
                        mn[i].root == i && !touched[i];
    }
    gg_free(touched);
    return GG_OK;
}

gg_status gg_model_compile(gg_model **out, gg_graph *g, int output, gg_err *err)
{
    *out = NULL;
    if (output < 0 || (size_t)output >= g->n || is_leaf(g->nodes[output].cfg.kind))
        return gg_err_set(err, GG_EINVAL, "the model's output must be a layer node, got node %d",
                          output);
    gg_model *m = gg_calloc(1, sizeof *m);
    if (!m)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating a model");
    m->g = g;
    m->output = output;
    m->training = m->fwd_training = 1;
    m->fault_node = -1;
    m->isa = gg_isa_best();
    m->nparams = g->nparams;
    m->nbufs = g->nbufs;
    m->mn = gg_calloc(g->n, sizeof *m->mn);
    m->layer_node = gg_calloc(g->nlayers ? (size_t)g->nlayers : 1, sizeof *m->layer_node);
    size_t nt = 0;
    for (size_t i = 0; i < g->n; i++)
        nt += g->nodes[i].cfg.kind == GG_LAYER_PARAM;
    m->tensor_node = gg_calloc(nt ? nt : 1, sizeof *m->tensor_node);
    m->fwd = gg_calloc(g->n, sizeof *m->fwd);
    m->bwd = gg_calloc(g->n, sizeof *m->bwd);
    m->zero = gg_calloc(g->n, sizeof *m->zero);
    m->params = gg_calloc(m->nparams ? m->nparams : 1, sizeof(float));
    m->grads = gg_calloc(m->nparams ? m->nparams : 1, sizeof(float));
    m->bufs = gg_calloc(m->nbufs ? m->nbufs : 1, sizeof(float));
    gg_status st = GG_OK;
    if (!m->mn || !m->layer_node || !m->tensor_node || !m->params || !m->grads || !m->bufs ||
        !m->fwd || !m->bwd || !m->zero) {
        st = gg_err_set(err, GG_ENOMEM, "out of memory allocating %zu parameters", m->nparams);
        goto fail;
    }
    for (size_t i = 0; i < g->n; i++) {
        const gg_gnode *nd = &g->nodes[i];
        switch (nd->cfg.kind) {
        case GG_LAYER_INPUT:
            if (m->ninputs == GG_NODE_MAX_IN) {
                st = gg_err_set(err, GG_EINVAL, "a model may have at most %d inputs", GG_NODE_MAX_IN);
                goto fail;
            }
            m->inputs[m->ninputs++] = (int)i;
            break;
        case GG_LAYER_PARAM:
            m->tensor_node[m->ntensors++] = (int)i;
            break;
        case GG_LAYER_CONST:
            break;
        default:
            m->layer_node[m->nlayers++] = (int)i;
            break;
        }
    }
    for (size_t i = 0; i < g->n; i++)
        if (!gg_exec_supported(&g->nodes[i])) {
            st = gg_err_set(err, GG_EINVAL, "layer %d: %s is not supported yet", g->nodes[i].layer,
                            gg_layer_name(&g->nodes[i].cfg));
            goto fail;
        }
    if (m->ninputs == 0) {
        st = gg_err_set(err, GG_EINVAL, "the model has no input");
        goto fail;
    }
    if ((st = plan(m, err)))
        goto fail;
    for (size_t i = 0; i < g->n; i++) {
        const gg_gnode *nd = &g->nodes[i];
        gg_mnode *mn = &m->mn[i];
        if (nd->cfg.kind == GG_LAYER_PARAM) {
            mn->y = m->params + nd->p_off;
            mn->dy = m->grads + nd->p_off;
        } else if (nd->cfg.kind == GG_LAYER_CONST) {
            mn->y = nd->value;
        }
        if (!mn->live)
            continue;
        if (nd->cfg.kind == GG_LAYER_DROPOUT || (nd->cfg.kind == GG_LAYER_ATTENTION && nd->cfg.p > 0.0))
            m->has_dropout = 1;
        if (nd->cfg.kind == GG_LAYER_BATCHNORM) {
            size_t sp = nd->numel / nd->shape.dim[1];
            if (!m->bn_min_spatial || sp < m->bn_min_spatial)
                m->bn_min_spatial = sp;
        }
        if (nd->cfg.kind == GG_LAYER_LINEAR) {
            const gg_gnode *x = &g->nodes[nd->in[0]];
            const size_t in = nd->cfg.in;
            mn->rows = x->numel / in;  // matrix rows per batch row (all rows if unbatched)
        }
    }
    // The step's schedule, so forward and backward are loops over short lists.
    for (int i = 0; i <= output; i++) {
        const gg_mnode *mn = &m->mn[i];
        const gg_gnode *nd = &g->nodes[i];
        if (!mn->live || is_leaf(nd->cfg.kind))
            continue;
        if (!mn->skip_fwd)
            m->fwd[m->nfwd++] = i;
        if (mn->zero_dy && mn->root != m->mn[output].root)
            m->zero[m->nzero++] = i;
    }
    for (int i = 0; i < (int)g->n; i++)  // inputs requiring a gradient may need zeroing too
        if (g->nodes[i].cfg.kind == GG_LAYER_INPUT && m->mn[i].zero_dy)
            m->zero[m->nzero++] = i;
    for (int i = output; i >= 0; i--) {
        const gg_mnode *mn = &m->mn[i];
        const gg_gnode *nd = &g->nodes[i];
        if (mn->live && !mn->skip_bwd && nd->req && !is_leaf(nd->cfg.kind))
            m->bwd[m->nbwd++] = i;
    }
    reset_norms(m);
    *out = m;
    return GG_OK;
fail:
    m->g = NULL;  // the caller keeps the graph
    gg_model_free(m);
    return st;
}

void gg_model_free(gg_model *m)
{
    if (!m)
        return;
    if (m->mn && m->g)
        for (size_t i = 0; i < m->g->n; i++)
            gg_free(m->mn[i].pending);
    gg_graph_free(m->g);
    gg_arena_free(&m->arena);
    gg_free(m->mn);
    gg_free(m->layer_node);
    gg_free(m->tensor_node);
    gg_free(m->fwd);
    gg_free(m->bwd);
    gg_free(m->zero);
    gg_free(m->params);
    gg_free(m->grads);
    gg_free(m->bufs);
    gg_free(m);
}

/* ---- initialisation ---- */

/* torch's _calculate_fan_in_and_fan_out of a parameter shape. */
static void fans(const gg_shape *s, size_t *fan_in, size_t *fan_out)
{
    if (s->ndim < 2) {
        *fan_in = *fan_out = s->ndim ? s->dim[0] : 1;
        return;
    }
    size_t rf = 1;
    for (int i = 2; i < s->ndim; i++)
        rf *= s->dim[i];
    *fan_in = s->dim[1] * rf;
    *fan_out = s->dim[0] * rf;
}

void gg_model_init(gg_model *m, const gg_init *all, gg_rng *rng)
{
    const gg_graph *g = m->g;
    for (size_t i = 0; i < g->n; i++) {
        const gg_gnode *nd = &g->nodes[i];
        if (nd->cfg.kind == GG_LAYER_LINEAR || nd->cfg.kind == GG_LAYER_CONV) {
            // Weight then bias from one stream, as gg_init_fill draws them.
            const gg_gnode *w = &g->nodes[nd->in[1]];
            const gg_gnode *b = nd->cfg.bias ? &g->nodes[nd->in[2]] : NULL;
            if (w->owner != (int)i)
                continue;
            size_t fi, fo;
            fans(&w->shape, &fi, &fo);
            gg_init_fill_fans(all ? all : &nd->cfg.init, m->params + w->p_off, w->numel,
                              b && b->owner == (int)i ? m->params + b->p_off : NULL,
                              b ? b->numel : 0, fi, fo, rng);
        } else if (nd->cfg.kind == GG_LAYER_EMBEDDING) {
            const gg_gnode *w = &g->nodes[nd->in[1]];
            if (w->owner == (int)i)
                gg_embedding_init(m->params + w->p_off, nd->cfg.in, nd->cfg.out,
                                  all ? all : &nd->cfg.init, nd->cfg.padding_idx, rng);
        } else if (nd->cfg.kind == GG_LAYER_RNN) {
            gg_rnn_init_node(m, (int)i, all, rng);
        } else if (nd->cfg.kind == GG_LAYER_PARAM && nd->owner < 0) {
            size_t fi, fo;
            fans(&nd->shape, &fi, &fo);
            gg_init_fill_fans(all ? all : &nd->cfg.init, m->params + nd->p_off, nd->numel, NULL, 0,
                              fi, fo, rng);
        }
    }
    reset_norms(m);
    if (m->has_dropout)
        gg_rng_seed(&m->drop_rng, gg_rng_u64(rng));
}

void gg_model_init_default(gg_model *m, gg_rng *rng)
{
    gg_model_init(m, NULL, rng);
}

/* ---- queries ---- */

void gg_model_seed_dropout(gg_model *m, uint64_t seed) { gg_rng_seed(&m->drop_rng, seed); }
void gg_model_set_training(gg_model *m, int training) { m->training = training != 0; }
int gg_model_training(const gg_model *m) { return m->training; }
size_t gg_model_layers(const gg_model *m) { return (size_t)m->nlayers; }
size_t gg_model_in(const gg_model *m) { return m->g->nodes[m->inputs[0]].numel; }
size_t gg_model_out(const gg_model *m) { return m->g->nodes[m->output].numel; }
size_t gg_model_nparams(const gg_model *m) { return m->nparams; }
float *gg_model_params(gg_model *m) { return m->params; }
float *gg_model_grads(gg_model *m) { return m->grads; }
size_t gg_model_nbuffers(const gg_model *m) { return m->nbufs; }
float *gg_model_buffers(gg_model *m) { return m->bufs; }
float *gg_model_dout(gg_model *m) { return m->mn[m->mn[m->output].root].dy; }
size_t gg_model_batch(const gg_model *m) { return m->B; }
gg_isa gg_model_isa(const gg_model *m) { return m->isa; }
gg_rng *gg_model_dropout_rng(gg_model *m) { return &m->drop_rng; }
const gg_graph *gg_model_graph(const gg_model *m) { return m->g; }
int gg_model_layer_node(const gg_model *m, size_t i) { return m->layer_node[i]; }
int gg_model_output_node(const gg_model *m) { return m->output; }
int gg_model_ninputs(const gg_model *m) { return m->ninputs; }
int gg_model_output_batched(const gg_model *m) { return m->g->nodes[m->output].batched; }
size_t gg_model_input_numel(const gg_model *m, int k) { return m->g->nodes[m->inputs[k]].numel; }
const float *gg_model_input_grad(const gg_model *m, int k) { return m->mn[m->inputs[k]].dy; }

gg_status gg_model_set_isa(gg_model *m, gg_isa isa, gg_err *err)
{
    if (!gg_isa_supported(isa))
        return gg_err_set(err, GG_EINVAL, "instruction set %s is not supported here (best: %s)",
                          gg_isa_name(isa), gg_isa_name(gg_isa_best()));
    m->isa = isa;
    return GG_OK;
}

const float *gg_model_node_output(const gg_model *m, int node)
{
    if (node < 0 || (size_t)node >= m->g->n || !m->mn[node].live)
        return NULL;
    return m->mn[m->mn[node].root].y;
}

const float *gg_model_layer_output(const gg_model *m, size_t i)
{
    return gg_model_node_output(m, m->layer_node[i]);
}

/* The per-sample shape (batch dropped) of node i. */
static gg_shape sample_shape(const gg_gnode *n)
{
    gg_shape s = n->shape;
    if (n->batched) {
        for (int i = 0; i + 1 < s.ndim; i++)
            s.dim[i] = s.dim[i + 1];
        s.ndim--;
    }
    return s;
}

gg_shape gg_model_input_shape(const gg_model *m) { return sample_shape(&m->g->nodes[m->inputs[0]]); }
gg_shape gg_model_output_shape(const gg_model *m) { return sample_shape(&m->g->nodes[m->output]); }

gg_layer_cfg gg_model_layer_cfg(const gg_model *m, size_t i)
{
    const gg_gnode *n = &m->g->nodes[m->layer_node[i]];
    gg_layer_cfg c = n->cfg;
    if (c.kind != GG_LAYER_LINEAR && c.kind != GG_LAYER_CONV && c.kind != GG_LAYER_BATCHNORM &&
        c.kind != GG_LAYER_GROUPNORM && c.kind != GG_LAYER_RNN) {
        c.in = m->g->nodes[n->in[0]].numel;  // widths as the sequential API reported them
        c.out = n->numel;
    }
    return c;
}

gg_layer_spec gg_model_layer(const gg_model *m, size_t i)
{
    gg_layer_cfg c = gg_model_layer_cfg(m, i);
    return (gg_layer_spec){c.kind, c.in, c.out, c.act};
}

size_t gg_model_ntensors(const gg_model *m) { return m->ntensors; }

void gg_model_tensor_info(const gg_model *m, size_t k, size_t *offset, size_t *rows, size_t *cols)
{
    if (k >= m->ntensors) {
        *offset = *rows = *cols = 0;
        return;
    }
    const gg_gnode *p = &m->g->nodes[m->tensor_node[k]];
    *offset = p->p_off;
    // 2-D view: a vector is (1, n); a matrix (rows, cols); higher ranks (dim0, the rest).
    if (p->shape.ndim <= 1) {
        *rows = 1;
        *cols = p->numel;
    } else {
        *rows = p->shape.dim[0];
        *cols = p->numel / p->shape.dim[0];
    }
}

gg_shape gg_model_tensor_shape(const gg_model *m, size_t k)
{
    return m->g->nodes[m->tensor_node[k]].shape;
}

int gg_model_tensor_node(const gg_model *m, size_t k) { return m->tensor_node[k]; }

int gg_model_tensor_trainable(const gg_model *m, size_t k)
{
    return m->g->nodes[m->tensor_node[k]].cfg.trainable;
}

int gg_model_tensor_owner(const gg_model *m, size_t k, int *role)
{
    const gg_gnode *p = &m->g->nodes[m->tensor_node[k]];
    *role = p->role;
    return p->owner;
}

size_t gg_model_ntrainable(const gg_model *m)
{
    size_t n = 0;
    for (size_t k = 0; k < m->ntensors; k++)
        if (gg_model_tensor_trainable(m, k))
            n += m->g->nodes[m->tensor_node[k]].numel;
    return n;
}

size_t gg_model_trainable_ranges(const gg_model *m, size_t *ranges)
{
    size_t n = 0;
    for (size_t k = 0; k < m->ntensors; k++) {
        const gg_gnode *p = &m->g->nodes[m->tensor_node[k]];
        if (!p->cfg.trainable)
            continue;
        if (n && ranges[2 * n - 2] + ranges[2 * n - 1] == p->p_off) {
            ranges[2 * n - 1] += p->numel;
        } else {
            ranges[2 * n] = p->p_off;
            ranges[2 * n + 1] = p->numel;
            n++;
        }
    }
    return n;
}

/* BatchNorm layers with running statistics, in node order. */
static int bn_tracked(const gg_gnode *n)
{
    return n->cfg.kind == GG_LAYER_BATCHNORM && n->cfg.track_running_stats;
}

size_t gg_model_nbuffer_tensors(const gg_model *m)
{
    size_t k = 0;
    for (size_t i = 0; i < m->g->n; i++)
        k += bn_tracked(&m->g->nodes[i]) ? 2 : 0;
    return k;
}

void gg_model_buffer_info(const gg_model *m, size_t k, size_t *offset, size_t *rows, size_t *cols)
{
    for (size_t i = 0; i < m->g->n; i++) {
        const gg_gnode *n = &m->g->nodes[i];
        if (!bn_tracked(n))
            continue;
        if (k < 2) {
            *offset = n->b_off + k * (n->b_n / 2);
            *rows = 1;
            *cols = n->b_n / 2;
            return;
        }
        k -= 2;
    }
    *offset = *rows = *cols = 0;
}

/* ---- memory ---- */

/* Floats of node i's output (and of its gradient) for batch B. */
static size_t node_floats(const gg_model *m, int i, size_t B)
{
    const gg_gnode *n = &m->g->nodes[i];
    return n->batched ? B * n->numel : n->numel;
}

/* Bytes of everything reserve carves, for batch B (one walk, mirrored by carve()). */
static size_t plan_bytes(const gg_model *m, size_t B)
{
    const gg_graph *g = m->g;
    size_t bytes = 0, tmp = 1, wide = 1, dummy = 1, scratch = 1;
    for (size_t i = 0; i < g->n; i++) {
        const gg_gnode *n = &g->nodes[i];
        const gg_mnode *mn = &m->mn[i];
        if (!mn->live || n->cfg.kind == GG_LAYER_PARAM || n->cfg.kind == GG_LAYER_CONST)
            continue;
        const size_t f = node_floats(m, (int)i, B);
        const size_t sc = gg_exec_scratch(m, (int)i, B);
        scratch = sc > scratch ? sc : scratch;
        if (mn->root == (int)i) {
            bytes += gg_arena_bytes_for(f);
            if (n->req || (int)i == m->output)
                bytes += gg_arena_bytes_for(f);
        }
        tmp = f > tmp ? f : tmp;
        bytes += gg_arena_bytes_for(gg_exec_aux(m, (int)i, B));
        bytes += gg_arena_bytes_for(gg_exec_idx(m, (int)i, B));
        if (n->cfg.kind == GG_LAYER_LINEAR) {
            bytes += gg_arena_bytes_for(gg_linear_scratch(B * mn->rows, n->cfg.in));
            wide = n->cfg.out > wide ? n->cfg.out : wide;
            size_t d = n->cfg.out + (n->cfg.frozen ? n->cfg.in * n->cfg.out : 0);
            dummy = d > dummy ? d : dummy;
        }
    }
    bytes += gg_arena_bytes_for(tmp) + gg_arena_bytes_for(wide) + gg_arena_bytes_for(dummy) +
             gg_arena_bytes_for(scratch);
    return bytes;
}

gg_status gg_model_reserve(gg_model *m, size_t B, gg_err *err)
{
    if (B <= m->cap)
        return GG_OK;
    const gg_graph *g = m->g;
    size_t widest = 1;
    for (size_t i = 0; i < g->n; i++)
        if (m->mn[i].live && g->nodes[i].batched)
            widest = g->nodes[i].numel > widest ? g->nodes[i].numel : widest;
    gg_status st = gg_tensor_check_size(B, widest, "batch", err);
    if (st)
        return st;
    if ((st = gg_arena_reserve(&m->arena, plan_bytes(m, B), err)))
        return st;
    gg_arena_reset(&m->arena);
    size_t tmp = 1, wide = 1, dummy = 1, scratch = 1;
    for (size_t i = 0; i < g->n; i++) {
        const gg_gnode *n = &g->nodes[i];
        gg_mnode *mn = &m->mn[i];
        if (!mn->live || n->cfg.kind == GG_LAYER_PARAM || n->cfg.kind == GG_LAYER_CONST)
            continue;
        const size_t f = node_floats(m, (int)i, B);
        const size_t sc = gg_exec_scratch(m, (int)i, B);
        scratch = sc > scratch ? sc : scratch;
        if (mn->root == (int)i) {
            mn->y = gg_arena_floats(&m->arena, f);
            mn->dy = n->req || (int)i == m->output ? gg_arena_floats(&m->arena, f) : NULL;
        }
        tmp = f > tmp ? f : tmp;
        size_t aux = gg_exec_aux(m, (int)i, B);
        mn->aux = aux ? gg_arena_floats(&m->arena, aux) : NULL;
        size_t nidx = gg_exec_idx(m, (int)i, B);
        mn->idx = nidx ? gg_arena_i32(&m->arena, nidx) : NULL;
        if (n->cfg.kind == GG_LAYER_LINEAR) {
            mn->xt = gg_arena_floats(&m->arena, gg_linear_scratch(B * mn->rows, n->cfg.in));
            wide = n->cfg.out > wide ? n->cfg.out : wide;
            size_t d = n->cfg.out + (n->cfg.frozen ? n->cfg.in * n->cfg.out : 0);
            dummy = d > dummy ? d : dummy;
        }
    }
    m->tmp = gg_arena_floats(&m->arena, tmp);
    m->zeros = gg_arena_floats(&m->arena, wide);
    m->dummy = gg_arena_floats(&m->arena, dummy);
    m->dummy_n = dummy;
    m->scratch = gg_arena_floats(&m->arena, scratch);
    GG_ASSERT(m->scratch != NULL);  // plan_bytes and this walk carve the same blocks
    memset(m->zeros, 0, wide * sizeof(float));
    for (size_t i = 0; i < g->n; i++)  // aliases take their root's buffers
        if (m->mn[i].live && m->mn[i].root != (int)i) {
            m->mn[i].y = m->mn[m->mn[i].root].y;
            m->mn[i].dy = m->mn[m->mn[i].root].dy;
        }
    m->cap = B;
    m->B = 0;
    return GG_OK;
}

float *gg_model_input(gg_model *m, size_t B)
{
    (void)B;
    GG_ASSERT(B <= m->cap);
    return m->mn[m->inputs[0]].y;
}

float *gg_model_input_at(gg_model *m, int k, size_t B)
{
    (void)B;
    GG_ASSERT(k >= 0 && k < m->ninputs && B <= m->cap);
    return m->mn[m->inputs[k]].y;
}

/* ---- forward and backward ---- */

const float *gg_model_run(gg_model *m, size_t B)
{
    GG_ASSERT(B >= 1 && B <= m->cap);
    m->fwd_training = m->training;
    m->fault_node = -1;
    for (int k = 0; k < m->nfwd; k++)
        gg_exec_forward(m, m->fwd[k], B);
    m->B = B;
    return m->mn[m->mn[m->output].root].y;
}

gg_status gg_model_forward(gg_model *m, const float *x, size_t B, const float **y, gg_err *err)
{
    if (B == 0)
        return gg_err_set(err, GG_EINVAL, "batch must have >= 1 rows, got 0");
    if (B * m->bn_min_spatial == 1 && m->training)
        return gg_err_set(err, GG_EINVAL,
                          "batchnorm1d needs more than 1 row per batch in training mode, got 1");
    gg_status st = gg_model_reserve(m, B, err);
    if (st)
        return st;
    memcpy(m->mn[m->inputs[0]].y, x, B * gg_model_in(m) * sizeof(float));
    *y = gg_model_run(m, B);
    return gg_model_run_check(m, NULL, err);
}

gg_status gg_model_run_check(const gg_model *m, const size_t *rows, gg_err *err)
{
    if (m->fault_node < 0)
        return GG_OK;
    const gg_gnode *n = &m->g->nodes[m->fault_node], *x = &m->g->nodes[n->in[0]];
    size_t at = m->fault_at, pos[GG_MAX_DIMS];
    const int first = x->batched ? 1 : 0;
    for (int d = x->shape.ndim - 1; d >= first; d--) {  // 1-based position inside a sample
        pos[d - first] = at % x->shape.dim[d] + 1;
        at /= x->shape.dim[d];
    }
    const size_t sample = !x->batched ? 0 : rows ? rows[at] + 1 : at + 1;
    return gg_embedding_bad_index(err, n->layer, m->fault_val, n->cfg.in, sample, pos,
                                  x->shape.ndim - first);
}

void gg_model_backward(gg_model *m, const float *dy)
{
    const size_t B = m->B;
    GG_ASSERT(B >= 1);
    gg_mnode *o = &m->mn[m->mn[m->output].root];
    if (dy != o->dy)
        memcpy(o->dy, dy, node_floats(m, m->output, B) * sizeof(float));
    for (int k = 0; k < m->nzero; k++)
        memset(m->mn[m->zero[k]].dy, 0, node_floats(m, m->zero[k], B) * sizeof(float));
    for (int k = 0; k < m->nbwd; k++)
        gg_exec_backward(m, m->bwd[k], B);
}

void gg_model_zero_grad(gg_model *m)
{
    memset(m->grads, 0, m->nparams * sizeof(float));
    m->zero_count++;
}

size_t gg_model_zero_count(const gg_model *m) { return m->zero_count; }

gg_status gg_model_dropout_mask(gg_model *m, size_t layer_i, const float *keep, size_t B,
                                gg_err *err)
{
    if (layer_i >= (size_t)m->nlayers ||
        m->g->nodes[m->layer_node[layer_i]].cfg.kind != GG_LAYER_DROPOUT)
        return gg_err_set(err, GG_EINVAL, "layer %zu is not a dropout layer", layer_i + 1);
    const int i = m->layer_node[layer_i];
    gg_mnode *mn = &m->mn[i];
    const size_t w = m->g->nodes[i].numel;
    if (B == 0)
        return gg_err_set(err, GG_EINVAL, "mask must have >= 1 rows, got 0");
    gg_status st = gg_tensor_check_size(B, w, "dropout mask", err);
    if (st)
        return st;
    for (size_t k = 0; k < B * w; k++)
        if (keep[k] != 0.0f && keep[k] != 1.0f)
            return gg_err_set(err, GG_EINVAL, "mask values must be 0 or 1, got %g at %zu",
                              (double)keep[k], k + 1);
    float *copy = gg_malloc(B * w, sizeof *copy);
    if (!copy)
        return gg_err_set(err, GG_ENOMEM, "out of memory for a %zu x %zu mask", B, w);
    memcpy(copy, keep, B * w * sizeof *copy);
    gg_free(mn->pending);
    mn->pending = copy;
    mn->pending_B = B;
    return GG_OK;
}
