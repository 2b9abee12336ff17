/* core/diag.c — training diagnostics and the sharpness estimate (see diag.h). */
#include "diag.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "act.h"
#include "attention.h"
#include "clip.h"
#include "eval.h"
#include "mem.h"
#include "rnn.h"

/* First power-iteration vector: a fixed stream, so estimates are reproducible. */
#define START_SEED 0x5eed5eedULL

/* One parameter tensor in the flat buffers. */
typedef struct tensor_info {
    size_t off;  /* offset */
    size_t n;    /* elements */
    long lin;    /* the Linear layer (0-based) whose W this is, or -1 */
} tensor_info;

/* One recurrent layer's W_hh (rows G*H, cols H) and its power-iteration vector. */
typedef struct rnn_info {
    size_t off, rows, cols;
    double *v;   /* cols: kept between records as the warm start */
} rnn_info;

/* Power-iteration steps of the recurrent norm: from the fixed start, then warm. */
#define RNN_ITERS_COLD 20
#define RNN_ITERS_WARM 3

/* One Linear layer's weight matrix W (out, in). */
typedef struct lin_info {
    size_t off;  /* offset of W */
    size_t n;    /* out * in */
} lin_info;

struct gg_diag {
    gg_diag_cfg cfg;
    size_t np;            /* model parameters */
    size_t nbuf;          /* model buffers (BatchNorm running statistics) */
    size_t nlin;          /* Linear layers */
    lin_info *lin;        /* nlin */
    size_t nattn;         /* attention layers */
    size_t *attn;         /* nattn: their layer indices */
    size_t nt;            /* parameter tensors */
    tensor_info *tens;    /* nt */
    float sig_hi, sig_lo; /* sigmoid(+-5) and tanh(+-5) as the model's kernels round them: an */
    float tanh_hi, tanh_lo; /* output beyond them had a pre-activation beyond +-5 */
    long t;               /* steps counted by gg_diag_after_backward */
    int active;           /* the current step is recorded */
    int grad_nonfinite;   /* the current step's gradients had a NaN/inf */
    double correct, total; /* accuracy counts since gg_diag_begin */
    int classify;         /* the loss of the current run is a classification loss */
    size_t logit_v;       /* logits per row for logit_norm (cross_entropy runs), else 0 */
    /* parameter-sized scratch */
    float *w0;            /* parameters before the step / before the sharpness probes */
    float *gsave;         /* gradients saved around the sharpness probes */
    float *gplus;         /* gradient at w + eps d */
    float *P;             /* optimizer preconditioner */
    float *ps;            /* P^-1/2 (0 where P <= 0) */
    float *x;             /* power-iteration vector, kept as the next warm start */
    int have_x;
    float *bufsave;       /* BatchNorm running statistics (nbuf) */
    /* the fixed sharpness batch */
    size_t *rows;
    float *y;
    size_t nrows, rows_cap, y_cap;
    /* recurrent layers (W_hh spectral norms) */
    size_t nrnn;
    rnn_info *rnn;
    double *rnn_mem;      /* the vectors, then rows + cols doubles of scratch */
    int rnn_warm;         /* the vectors hold the last record's */
    /* records */
    gg_diag_record *recs;
    float *rec_floats;    /* 3 * nlin + 2 * nattn per record */
    size_t nrec, rec_cap;
};

gg_diag_cfg gg_diag_defaults(void)
{
    return (gg_diag_cfg){.every = 1, .sharpness_every = 0, .sharpness_rows = 0,
                         .sharpness_iters = 20, .sharpness_tol = 1e-3};
}

static gg_status check_cfg(const gg_diag_cfg *c, gg_err *err)
{
    if (c->every == 0)
        return gg_err_set(err, GG_EINVAL, "every must be >= 1, got 0");
    if (c->sharpness_iters < 1)
        return gg_err_set(err, GG_EINVAL, "sharpness_iters must be >= 1, got %d", c->sharpness_iters);
    if (!(c->sharpness_tol >= 0.0) || isinf(c->sharpness_tol))
        return gg_err_set(err, GG_EINVAL, "sharpness_tol must be a non-negative number, got %g",
                          c->sharpness_tol);
    return GG_OK;
}

/* Whether parameter tensor k is the weight of a Linear or conv layer (the tensors the
 * per-layer records follow, in model order): created by one as its weight, or given to one
 * as its weight (a tied or pre-created parameter; counted once however many layers use it). */
static int is_weight(const gg_model *m, size_t k)
{
    int role;
    int owner = gg_model_tensor_owner(m, k, &role);
    const gg_graph *g = gg_model_graph(m);
    if (owner >= 0) {
        gg_layer_kind kind = gg_graph_cfg(g, owner)->kind;
        return role == 0 && (kind == GG_LAYER_LINEAR || kind == GG_LAYER_CONV);
    }
    const int p = gg_model_tensor_node(m, k);
    const size_t n = gg_graph_nodes(g);
    for (size_t i = (size_t)p + 1; i < n; i++) {
        const gg_layer_cfg *c = gg_graph_cfg(g, (int)i);
        if ((c->kind == GG_LAYER_LINEAR || c->kind == GG_LAYER_CONV) && c->shared_params &&
            gg_graph_input_of(g, (int)i, 1) == p)
            return 1;
    }
    return 0;
}

/* f(5) and f(-5) as act's forward kernel computes them. */
static void act_bounds(gg_act a, float *hi, float *lo)
{
    const float x[2] = {GG_DIAG_SATURATION, -GG_DIAG_SATURATION};
    float y[2];
    gg_act_forward(a, NULL, y, x, 2);
    *hi = y[0];
    *lo = y[1];
}

/* Whether parameter tensor k is a recurrent layer's W_hh. */
static int is_whh(const gg_model *m, size_t k)
{
    int role;
    int owner = gg_model_tensor_owner(m, k, &role);
    return owner >= 0 && role == 1 && gg_graph_cfg(gg_model_graph(m), owner)->kind == GG_LAYER_RNN;
}

/* The recurrent layers' W_hh and their vectors. */
static gg_status rnn_setup(gg_diag *d, const gg_model *m, gg_err *err)
{
    size_t nv = 0, wide = 0;
    for (size_t k = 0; k < d->nt; k++)
        if (is_whh(m, k)) {
            size_t off, rows, cols;
            gg_model_tensor_info(m, k, &off, &rows, &cols);
            d->nrnn++;
            nv += cols;
            wide = rows + cols > wide ? rows + cols : wide;
        }
    if (!d->nrnn)
        return GG_OK;
    d->rnn = gg_calloc(d->nrnn, sizeof *d->rnn);
    d->rnn_mem = gg_malloc(nv + wide, sizeof *d->rnn_mem);
    if (!d->rnn || !d->rnn_mem)
        return gg_err_set(err, GG_ENOMEM, "out of memory for diagnostics of %zu recurrent layers",
                          d->nrnn);
    for (size_t k = 0, j = 0, at = 0; k < d->nt; k++)
        if (is_whh(m, k)) {
            rnn_info *ri = &d->rnn[j++];
            gg_model_tensor_info(m, k, &ri->off, &ri->rows, &ri->cols);
            ri->v = d->rnn_mem + at;
            at += ri->cols;
        }
    return GG_OK;
}

/* Largest spectral norm of the recurrent layers' W_hh at parameters w (NaN: none, or a
 * non-finite weight, after which the next record starts cold again). */
static float recurrent_norm(gg_diag *d, const float *w)
{
    if (!d->nrnn)
        return NAN;
    double *scr = d->rnn[d->nrnn - 1].v + d->rnn[d->nrnn - 1].cols;
    double best = 0.0;
    for (size_t j = 0; j < d->nrnn; j++) {
        const rnn_info *ri = &d->rnn[j];
        double s = gg_rnn_power_iteration(w + ri->off, ri->rows, ri->cols,
                                          d->rnn_warm ? RNN_ITERS_WARM : RNN_ITERS_COLD, ri->v,
                                          !d->rnn_warm, scr);
        best = s > best || s != s ? s : best;
    }
    d->rnn_warm = isfinite(best);
    return (float)best;
}

gg_status gg_diag_new(gg_diag **out, const gg_model *m, const gg_diag_cfg *cfg, gg_err *err)
{
    *out = NULL;
    gg_status st = check_cfg(cfg, err);
    if (st)
        return st;
    gg_diag *d = gg_calloc(1, sizeof *d);
    if (!d)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating diagnostics");
    d->cfg = *cfg;
    d->np = gg_model_nparams(m);
    d->nbuf = gg_model_nbuffers(m);
    for (size_t k = 0; k < gg_model_ntensors(m); k++)
        d->nlin += is_weight(m, k);
    d->lin = gg_calloc(d->nlin, sizeof *d->lin);
    for (size_t l = 0; l < gg_model_layers(m); l++)
        d->nattn += gg_model_layer_cfg(m, l).kind == GG_LAYER_ATTENTION;
    d->attn = gg_calloc(d->nattn ? d->nattn : 1, sizeof *d->attn);
    for (size_t l = 0, a = 0; l < gg_model_layers(m) && d->attn; l++)
        if (gg_model_layer_cfg(m, l).kind == GG_LAYER_ATTENTION)
            d->attn[a++] = l;
    d->nt = gg_model_ntensors(m);
    d->tens = gg_calloc(d->nt, sizeof *d->tens);
    d->w0 = gg_malloc(d->np, sizeof(float));
    d->gsave = gg_malloc(d->np, sizeof(float));
    d->gplus = gg_malloc(d->np, sizeof(float));
    d->P = gg_malloc(d->np, sizeof(float));
    d->ps = gg_malloc(d->np, sizeof(float));
    d->x = gg_malloc(d->np, sizeof(float));
    d->bufsave = gg_malloc(d->nbuf, sizeof(float));
    if (!d->lin || !d->attn || !d->tens || !d->w0 || !d->gsave || !d->gplus || !d->P || !d->ps || !d->x || !d->bufsave) {
        const size_t np = d->np;  // d is gone after the free
        gg_diag_free(d);
        return gg_err_set(err, GG_ENOMEM, "out of memory for diagnostics over %zu parameters", np);
    }
    for (size_t k = 0; k < d->nt; k++) {
        size_t off, rows, cols;
        gg_model_tensor_info(m, k, &off, &rows, &cols);
        d->tens[k] = (tensor_info){off, rows * cols, -1};
    }
    // Weights of Linear and conv layers, in model order.
    for (size_t k = 0, j = 0; k < d->nt; k++)
        if (is_weight(m, k)) {
            d->tens[k].lin = (long)j;
            d->lin[j++] = (lin_info){d->tens[k].off, d->tens[k].n};
        }
    act_bounds(GG_ACT_SIGMOID, &d->sig_hi, &d->sig_lo);
    act_bounds(GG_ACT_TANH, &d->tanh_hi, &d->tanh_lo);
    if ((st = rnn_setup(d, m, err))) {
        gg_diag_free(d);
        return st;
    }
    *out = d;
    return GG_OK;
}

void gg_diag_free(gg_diag *d)
{
    if (!d)
        return;
    gg_free(d->lin);
    gg_free(d->attn);
    gg_free(d->tens);
    gg_free(d->w0);
    gg_free(d->gsave);
    gg_free(d->gplus);
    gg_free(d->P);
    gg_free(d->ps);
    gg_free(d->x);
    gg_free(d->bufsave);
    gg_free(d->rnn);
    gg_free(d->rnn_mem);
    gg_free(d->rows);
    gg_free(d->y);
    gg_free(d->recs);
    gg_free(d->rec_floats);
    gg_free(d);
}

size_t gg_diag_linear_layers(const gg_diag *d) { return d->nlin; }
size_t gg_diag_attention_layers(const gg_diag *d) { return d->nattn; }
size_t gg_diag_nrecords(const gg_diag *d) { return d->nrec; }
const gg_diag_record *gg_diag_record_at(const gg_diag *d, size_t i) { return &d->recs[i]; }

int gg_diag_train_accuracy(const gg_diag *d, double *acc)
{
    if (!d->classify || d->total == 0.0)
        return 0;
    *acc = d->correct / d->total;
    return 1;
}

/* ---- the fixed sharpness batch ---- */

/* Rows floor(j n / rows), j < rows, and their target buffer; reserves the model. */
static gg_status prepare_batch(gg_diag *d, gg_model *m, const gg_dataset *ds,
                               const gg_train_cfg *cfg, gg_err *err)
{
    const size_t n = gg_dataset_n(ds), k = gg_dataset_k(ds);
    size_t rows = d->cfg.sharpness_rows == 0 || d->cfg.sharpness_rows > n ? n : d->cfg.sharpness_rows;
    if (rows > d->rows_cap) {
        gg_free(d->rows);
        d->rows_cap = 0;
        if (!(d->rows = gg_malloc(rows, sizeof *d->rows)))
            return gg_err_set(err, GG_ENOMEM, "out of memory for a sharpness batch of %zu rows", rows);
        d->rows_cap = rows;
    }
    size_t ny;
    if (gg_mul_overflow(rows, k, &ny))
        return gg_err_set(err, GG_ENOMEM, "sharpness batch of %zu rows x %zu targets is too large", rows, k);
    if (ny > d->y_cap) {
        gg_free(d->y);
        d->y_cap = 0;
        if (!(d->y = gg_malloc(ny, sizeof *d->y)))
            return gg_err_set(err, GG_ENOMEM, "out of memory for a sharpness batch of %zu rows", rows);
        d->y_cap = ny;
    }
    for (size_t j = 0; j < rows; j++)
        d->rows[j] = (size_t)(((unsigned long long)j * n) / rows);  // n, rows < 2^31
    d->nrows = rows;
    gg_status st = gg_model_reserve(m, rows, err);
    return st ? st : gg_loss_reserve(&cfg->loss, rows, err);
}

gg_status gg_diag_begin(gg_diag *d, gg_model *m, const gg_dataset *ds, const gg_train_cfg *cfg,
                        size_t nsteps, gg_err *err)
{
    d->nrec = 0;
    d->active = 0;
    d->rnn_warm = 0;
    d->correct = d->total = 0.0;
    d->classify = gg_loss_is_classification(cfg->loss.kind);
    d->logit_v = 0;
    if (cfg->loss.kind == GG_LOSS_CROSS_ENTROPY && !cfg->loss.custom) {
        const gg_loss_cfg lc = gg_loss_for_model(&cfg->loss, m);
        d->logit_v = lc.classes ? lc.classes : gg_model_out(m);
    }
    // Steps t+1 .. t+nsteps hold at most this many multiples of every and of sharpness_every.
    size_t want = nsteps / d->cfg.every + 1;
    if (d->cfg.sharpness_every)
        want += nsteps / d->cfg.sharpness_every + 1;
    want = want < nsteps ? want : nsteps;
    if (want > d->rec_cap) {
        size_t nf;
        gg_free(d->recs);
        gg_free(d->rec_floats);
        d->rec_cap = 0;
        d->recs = gg_malloc(want, sizeof *d->recs);
        d->rec_floats = gg_mul_overflow(want, 3 * d->nlin + 2 * d->nattn, &nf) ? NULL : gg_malloc(nf, sizeof(float));
        if (!d->recs || !d->rec_floats)
            return gg_err_set(err, GG_ENOMEM, "out of memory for %zu diagnostics records", want);
        d->rec_cap = want;
    }
    if (d->cfg.sharpness_every)
        return prepare_batch(d, m, ds, cfg, err);
    return GG_OK;
}

/* ---- helpers over flat arrays ----
 * Sums run in double over four lanes (element i into lane i mod 4, the lanes added as
 * (0 + 1) + (2 + 3)): a fixed order, so results are reproducible, and four independent
 * chains instead of one latency-bound chain. */

static double sumsq(const float *a, size_t n)
{
    double l[4] = {0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++)
            l[k] += (double)a[i + k] * (double)a[i + k];
    for (; i < n; i++)
        l[0] += (double)a[i] * (double)a[i];
    return (l[0] + l[1]) + (l[2] + l[3]);
}

/* Sum of squares of a gradient tensor; counts its exact zeros into *zeros and sets *bad
 * when an entry is NaN or +-inf. */
static double grad_stats(const float *g, size_t n, size_t *zeros, int *bad)
{
    size_t z = 0;
    int b = 0;
    for (size_t i = 0; i < n; i++) {
        z += g[i] == 0.0f;
        b |= !isfinite(g[i]);
    }
    *zeros += z;
    *bad |= b;
    return sumsq(g, n);
}

static int any_nonfinite(const float *a, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= !isfinite(a[i]);
    return bad;
}

/* Over one Linear's weights before (w0) and after (w) the step: s[0] = sum dw^2,
 * s[1] = sum w0^2, s[2] = sum |dw|, s[3] = sum (w - c), s[4] = sum (w - c)^2 with the
 * shift c = w[0] (keeps the one-pass variance exact enough when the mean is large).
 * Lanes as sumsq, unrolled so the accumulators stay in registers. */
static void update_stats(const float *w, const float *w0, size_t n, double s[5])
{
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    double c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    size_t i = 0;
#define UPD(lane, j)                                              \
    do {                                                          \
        const double dw = (double)w[j] - (double)w0[j];           \
        a##lane += dw * dw;                                       \
        b##lane += (double)w0[j] * (double)w0[j];                 \
        c##lane += fabs(dw);                                      \
    } while (0)
    for (; i + 4 <= n; i += 4) {
        UPD(0, i);
        UPD(1, i + 1);
        UPD(2, i + 2);
        UPD(3, i + 3);
    }
    for (; i < n; i++)
        UPD(0, i);
#undef UPD
    s[0] = (a0 + a1) + (a2 + a3);
    s[1] = (b0 + b1) + (b2 + b3);
    s[2] = (c0 + c1) + (c2 + c3);
    const double c = n ? (double)w[0] : 0.0;
    a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = 0;
#define VAR(lane, j)                                              \
    do {                                                          \
        const double v = (double)w[j] - c;                        \
        a##lane += v;                                             \
        b##lane += v * v;                                         \
    } while (0)
    for (i = 0; i + 4 <= n; i += 4) {
        VAR(0, i);
        VAR(1, i + 1);
        VAR(2, i + 2);
        VAR(3, i + 3);
    }
    for (; i < n; i++)
        VAR(0, i);
#undef VAR
    s[3] = (a0 + a1) + (a2 + a3);
    s[4] = (b0 + b1) + (b2 + b3);
}

/* Saturation and ReLU statistics from the activations cached for backward. */
static void act_stats(const gg_diag *d, const gg_model *m, gg_diag_record *r)
{
    const size_t B = gg_model_batch(m), nl = gg_model_layers(m);
    double sat = 0.0, sat_n = 0.0, zero = 0.0, relu_n = 0.0, dead = 0.0, units = 0.0;
    for (size_t i = 0; i < nl; i++) {
        gg_layer_spec s = gg_model_layer(m, i);
        if (s.kind != GG_LAYER_ACT)
            continue;
        const float *y = gg_model_layer_output(m, i);
        const size_t w = s.out, cnt = B * w;
        if (s.act == GG_ACT_SIGMOID || s.act == GG_ACT_TANH) {
            const float hi = s.act == GG_ACT_SIGMOID ? d->sig_hi : d->tanh_hi;
            const float lo = s.act == GG_ACT_SIGMOID ? d->sig_lo : d->tanh_lo;
            for (size_t k = 0; k < cnt; k++)
                sat += y[k] > hi || y[k] < lo;
            sat_n += (double)cnt;
        } else if (s.act == GG_ACT_RELU) {
            for (size_t k = 0; k < cnt; k++)
                zero += y[k] <= 0.0f;
            for (size_t j = 0; j < w; j++) {
                int alive = 0;
                for (size_t b = 0; b < B && !alive; b++)
                    alive = !(y[b * w + j] <= 0.0f);
                dead += !alive;
            }
            relu_n += (double)cnt;
            units += (double)w;
        }
    }
    r->saturated_frac = sat_n > 0.0 ? (float)(sat / sat_n) : NAN;
    r->relu_zero_frac = relu_n > 0.0 ? (float)(zero / relu_n) : NAN;
    r->dead_relu_frac = units > 0.0 ? (float)(dead / units) : NAN;
}

/* ---- hooks ---- */

static void hook_after_backward(void *ctx, gg_model *m, const gg_train_cfg *cfg, const float *y,
                                size_t B)
{
    gg_diag_after_backward(ctx, m, cfg, y, B);
}

static void hook_after_step(void *ctx, gg_model *m, const gg_optim *o, const gg_dataset *ds,
                            const gg_train_cfg *cfg)
{
    gg_diag_after_step(ctx, m, o, ds, cfg);
}

gg_train_hooks gg_diag_hooks(gg_diag *d)
{
    return (gg_train_hooks){.ctx = d, .after_backward = hook_after_backward,
                            .after_step = hook_after_step};
}

static double norm_type_of(const gg_train_cfg *cfg)
{
    return cfg->clip_norm > 0.0 && cfg->clip_norm_type > 0.0 ? cfg->clip_norm_type : 2.0;
}

/* Mean over rows of V logits of each row's 2-norm, in double in index order. */
static float logit_norm(const float *z, size_t n, size_t V)
{
    if (V == 0 || n < V)
        return NAN;
    const size_t rows = n / V;
    double total = 0.0;
    for (size_t r = 0; r < rows; r++) {
        double ss = 0.0;
        for (size_t j = 0; j < V; j++)
            ss += (double)z[r * V + j] * (double)z[r * V + j];
        total += sqrt(ss);
    }
    return (float)(total / (double)rows);
}

void gg_diag_after_backward(gg_diag *d, gg_model *m, const gg_train_cfg *cfg, const float *y,
                            size_t B)
{
    d->t++;
    if (d->classify)
        gg_accuracy_count(&cfg->loss, gg_model_node_output(m, gg_model_output_node(m)), y,
                               B, gg_model_out(m), &d->correct, &d->total);
    const size_t K = d->cfg.sharpness_every;
    d->active = d->t % (long)d->cfg.every == 0 || (K && d->t % (long)K == 0);
    if (!d->active)
        return;
    if (d->nrec == d->rec_cap) {  // no gg_diag_begin for this many steps: nothing to record into
        d->active = 0;
        return;
    }
    gg_diag_record *r = &d->recs[d->nrec];
    float *lf = d->rec_floats + d->nrec * (3 * d->nlin + 2 * d->nattn);
    *r = (gg_diag_record){.step = d->t, .layer_grad_norm = lf, .layer_update_ratio = lf + d->nlin,
                          .layer_weight_var = lf + 2 * d->nlin,
                          .layer_attn_max_logit = lf + 3 * d->nlin,
                          .layer_attn_entropy = lf + 3 * d->nlin + d->nattn};
    for (size_t a = 0; a < d->nattn; a++) {  // the statistics of this step's forward
        float *mx = lf + 3 * d->nlin + a, *ent = mx + d->nattn;
        if (gg_model_attention_stats(m, d->attn[a], mx, ent, NULL))
            *mx = *ent = NAN;
    }
    // One pass over the gradients: per-tensor sums of squares give the total 2-norm (as
    // gg_grad_norm: each tensor's norm rounded to float, then the norm of those) and the
    // per-layer norms; zeros and non-finite entries are counted on the way.
    const float *g = gg_model_grads(m);
    const double p = norm_type_of(cfg);
    double total = 0.0;
    size_t zeros = 0;
    int bad = 0;
    for (size_t k = 0; k < d->nt; k++) {
        const float tn = (float)sqrt(grad_stats(g + d->tens[k].off, d->tens[k].n, &zeros, &bad));
        total += (double)tn * (double)tn;
        if (d->tens[k].lin >= 0)
            lf[d->tens[k].lin] = tn;
    }
    r->grad_norm = p == 2.0 ? (float)sqrt(total) : gg_grad_norm(m, p);
    r->grad_ratio = d->nlin ? lf[0] / lf[d->nlin - 1] : NAN;
    r->zero_grad_frac = (float)((double)zeros / (double)d->np);
    d->grad_nonfinite = bad;
    r->logit_norm = logit_norm(gg_model_node_output(m, gg_model_output_node(m)),
                               B * gg_model_out(m), d->logit_v);
    act_stats(d, m, r);
    memcpy(d->w0, gg_model_params(m), d->np * sizeof(float));
}

/* Mean of lr_t / P over the parameters with P > 0: 1/P in float (a diagnostic needs no
 * more), summed in double over lanes as sumsq. */
static float mean_step(const float *P, size_t n, double lr)
{
    double l0 = 0.0, l1 = 0.0, l2 = 0.0, l3 = 0.0;
    size_t k = 0, i = 0;
#define INV(j) (P[j] > 0.0f ? 1.0f / P[j] : 0.0f)
    for (; i + 4 <= n; i += 4) {
        l0 += (double)INV(i);
        l1 += (double)INV(i + 1);
        l2 += (double)INV(i + 2);
        l3 += (double)INV(i + 3);
    }
    for (; i < n; i++)
        l0 += (double)INV(i);
#undef INV
    for (i = 0; i < n; i++)
        k += P[i] > 0.0f;
    return k ? (float)(lr * ((l0 + l1) + (l2 + l3)) / (double)k) : NAN;
}

static void sharpness_run(gg_diag *d, gg_model *m, const gg_optim *o, const gg_dataset *ds,
                          const gg_train_cfg *cfg, double lr, gg_sharpness *out);

void gg_diag_after_step(gg_diag *d, gg_model *m, const gg_optim *o, const gg_dataset *ds,
                        const gg_train_cfg *cfg)
{
    if (!d->active)
        return;
    d->active = 0;
    gg_diag_record *r = &d->recs[d->nrec++];
    float *lf = d->rec_floats + (d->nrec - 1) * (3 * d->nlin + 2 * d->nattn);
    const float *w = gg_model_params(m);
    // The optimizer never writes the gradients: they are still the clipped ones.
    const int clipped = cfg->clip_norm > 0.0 || cfg->clip_value > 0.0;
    r->grad_norm_clipped = clipped ? gg_grad_norm(m, norm_type_of(cfg)) : r->grad_norm;
    double abs_sum = 0.0, count = 0.0;
    float max_ratio = NAN;
    for (size_t l = 0; l < d->nlin; l++) {
        const size_t off = d->lin[l].off, n = d->lin[l].n;
        double st[5];
        update_stats(w + off, d->w0 + off, n, st);
        const double mean = st[3] / (double)n;
        const float ratio = (float)(sqrt(st[0]) / sqrt(st[1]));
        lf[d->nlin + l] = ratio;
        lf[2 * d->nlin + l] = (float)(st[4] / (double)n - mean * mean);
        max_ratio = fmaxf(max_ratio, ratio);  // fmaxf ignores a NaN operand
        abs_sum += st[2];
        count += (double)n;
    }
    r->update_ratio = max_ratio;
    r->mean_abs_update = count > 0.0 ? (float)(abs_sum / count) : NAN;
    r->nonfinite = d->grad_nonfinite || any_nonfinite(w, d->np) ? 1.0f : 0.0f;
    const double lr = gg_optim_precond(o, d->P);
    r->eff_lr = mean_step(d->P, d->np, lr);
    r->recurrent_norm = recurrent_norm(d, w);
    const size_t K = d->cfg.sharpness_every;
    if (K && r->step % (long)K == 0) {
        r->has_sharpness = 1;
        sharpness_run(d, m, o, ds, cfg, lr, &r->sharpness);
    }
}

/* ---- sharpness ---- */

/* Loss and gradient of the training loss on the fixed batch at the current parameters,
 * with the dropout masks of saved (the same for every probe). Gradients replace the
 * model's. */
static float batch_grad(gg_diag *d, gg_model *m, const gg_dataset *ds, const gg_train_cfg *cfg,
                        const gg_rng *drop)
{
    const size_t B = d->nrows;
    *gg_model_dropout_rng(m) = *drop;
    gg_dataset_gather(ds, d->rows, B, gg_model_input(m, B), d->y);
    gg_model_zero_grad(m);
    const float *pred = gg_model_run(m, B);
    float *dout = gg_model_dout(m);
    float l = gg_loss_forward(&cfg->loss, dout, pred, d->y, B, gg_model_out(m));
    if (isfinite(l)) {
        gg_model_backward(m, dout);
        if (cfg->l1 != 0.0 || cfg->l2 != 0.0)
            l += gg_penalty(m, cfg->l1, cfg->l2, 1);
    }
    return l;
}

/* The probe point w0 + s * dir, rounded to float as it is stored. */
static float probe(float w0, double s, float dir)
{
    return (float)((double)w0 + s * (double)dir);
}

/* Power iteration on A = P^-1/2 H P^-1/2 with the preconditioner already in d->P. For a
 * unit vector x, the direction in parameter space is u = P^-1/2 x; the gradients at the
 * stored points w+ = fl(w0 + e u) and w- = fl(w0 - e u) give y = g(w+) - g(w-) ~ H delta
 * with delta = w+ - w- (exact in double, so the rounding of w0 +- e u costs nothing).
 * With x' = P^1/2 delta / 2e ~ x, the Rayleigh quotient of A at x' is
 * delta.y / delta.P delta, and the next vector is P^-1/2 y, normalised. e is
 * cbrt(FLT_EPSILON) (1 + ||w0||) / ||u||: a relative step of ~5e-3 balances the
 * central difference's O(e^2) truncation against float32 gradient rounding O(eps/e);
 * on a quadratic the truncation term is exactly 0 (docs/diagnostics.md). */
static void sharpness_run(gg_diag *d, gg_model *m, const gg_optim *o, const gg_dataset *ds,
                          const gg_train_cfg *cfg, double lr, gg_sharpness *out)
{
    const size_t n = d->np;
    float *w = gg_model_params(m), *g = gg_model_grads(m);
    const gg_rng drop = *gg_model_dropout_rng(m);
    memcpy(d->w0, w, n * sizeof(float));
    memcpy(d->gsave, g, n * sizeof(float));
    if (d->nbuf)
        memcpy(d->bufsave, gg_model_buffers(m), d->nbuf * sizeof(float));
    for (size_t i = 0; i < n; i++)
        d->ps[i] = d->P[i] > 0.0f ? (float)(1.0 / sqrt((double)d->P[i])) : 0.0f;
    if (!d->have_x) {
        gg_rng r;
        gg_rng_seed(&r, START_SEED);
        for (size_t i = 0; i < n; i++)
            d->x[i] = (float)gg_rng_normal(&r);
        d->have_x = 1;
    }
    const double wnorm = sqrt(sumsq(d->w0, n));
    double lam = (double)NAN, prev = (double)NAN;
    int it = 0;
    while (it < d->cfg.sharpness_iters) {
        it++;
        double unorm = 0.0;
        for (size_t i = 0; i < n; i++)
            unorm += (double)(d->ps[i] * d->x[i]) * (double)(d->ps[i] * d->x[i]);
        unorm = sqrt(unorm);
        if (!(unorm > 0.0) || !isfinite(unorm)) {
            lam = unorm == 0.0 ? 0.0 : (double)NAN;
            break;
        }
        const double e = cbrt((double)FLT_EPSILON) * (1.0 + wnorm) / unorm;
        for (size_t i = 0; i < n; i++)
            w[i] = probe(d->w0[i], e, d->ps[i] * d->x[i]);
        const float lp = batch_grad(d, m, ds, cfg, &drop);
        memcpy(d->gplus, g, n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            w[i] = probe(d->w0[i], -e, d->ps[i] * d->x[i]);
        const float lm = batch_grad(d, m, ds, cfg, &drop);
        if (!isfinite(lp) || !isfinite(lm)) {  // no gradient at a probe: no estimate
            lam = (double)NAN;
            d->have_x = 0;
            break;
        }
        double num = 0.0, den = 0.0, xn = 0.0;
        for (size_t i = 0; i < n; i++) {
            const float u = d->ps[i] * d->x[i];
            const double delta = (double)probe(d->w0[i], e, u) - (double)probe(d->w0[i], -e, u);
            const double yi = (double)d->gplus[i] - (double)g[i];
            num += delta * yi;
            den += delta * delta * (double)d->P[i];
        }
        lam = num / den;
        for (size_t i = 0; i < n; i++) {
            d->x[i] = (float)((double)d->ps[i] * ((double)d->gplus[i] - (double)g[i]));
            xn += (double)d->x[i] * (double)d->x[i];
        }
        xn = sqrt(xn);
        if (!(xn > 0.0) || !isfinite(xn) || !isfinite(lam)) {
            d->have_x = 0;  // start afresh next time
            break;
        }
        for (size_t i = 0; i < n; i++)
            d->x[i] = (float)((double)d->x[i] / xn);
        if (it > 1 && fabs(lam - prev) <= d->cfg.sharpness_tol * fabs(lam))
            break;
        prev = lam;
    }
    memcpy(w, d->w0, n * sizeof(float));
    memcpy(g, d->gsave, n * sizeof(float));
    if (d->nbuf)
        memcpy(gg_model_buffers(m), d->bufsave, d->nbuf * sizeof(float));
    *gg_model_dropout_rng(m) = drop;
    out->value = lam;
    out->limit = o ? gg_optim_stability(o) / lr : (double)NAN;
    out->iters = it;
}

gg_status gg_diag_sharpness(gg_diag *d, gg_model *m, const gg_optim *o, const gg_dataset *ds,
                            const gg_train_cfg *cfg, gg_sharpness *out, gg_err *err)
{
    // Checked as one full batch of the fixed rows (a 1-row batch with BatchNorm is refused).
    const size_t n = gg_dataset_n(ds), want = d->cfg.sharpness_rows;
    gg_train_cfg c = *cfg;
    c.batch_size = want == 0 || want > n ? n : want;
    c.shuffle = c.drop_last = 0;
    gg_status st = gg_train_check(&c, m, o, ds, err);
    if (st || (st = prepare_batch(d, m, ds, cfg, err)))
        return st;
    double lr = (double)NAN;
    if (o) {
        lr = gg_optim_precond(o, d->P);
    } else {
        for (size_t i = 0; i < d->np; i++)
            d->P[i] = 1.0f;
    }
    sharpness_run(d, m, o, ds, cfg, lr, out);
    return GG_OK;
}

/* ---- accuracy and ranges ---- */

gg_status gg_diag_accuracy(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss,
                           size_t chunk, double *out, gg_err *err)
{
    gg_eval_result r;
    gg_status st = gg_eval(m, ds, loss, chunk, 0, 1, &r, err);
    *out = r.accuracy;
    return st;
}

void gg_diag_range(const float *x, size_t n, float *lo, float *hi)
{
    float a = x[0], b = x[0];
    int nan = 0;
    for (size_t i = 0; i < n; i++) {
        nan |= x[i] != x[i];
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *lo = nan ? (float)NAN : a;
    *hi = nan ? (float)NAN : b;
}
