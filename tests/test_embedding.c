/* tests/test_embedding.c — nn.Embedding (core/embedding.h) and the sequence losses:
 * - every kind of bad index (out of range, V itself, negative, fraction, NaN, +-inf) fails
 *   gg_model_forward with the message naming the layer, the value and where it is (sample
 *   and position, a tuple for 2-d ids, none for scalar ids), writes zeros, never reads
 *   outside the table; backward after such a forward touches nothing; the next good
 *   forward runs clean; gg_train_epoch and gg_eval report the dataset row;
 * - forward against a plain gather, dW bit for bit against the index-order sum (repeated
 *   ids, padding_idx skipped), and the same bits from every instruction set and batch split;
 * - option checks (sizes, padding_idx range, negative padding_idx), N(0, 1) init with the
 *   padding row zero, the sinusoidal table against libm;
 * - cross-entropy over positions (classes): target columns, checks, the same value as the
 *   flattened (B*L, V) loss, z_loss's value and gradient against the formula. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data.h"
#include "embedding.h"
#include "eval.h"
#include "graph.h"
#include "isa.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "train.h"

/* ids (B, sample...) -> embedding(V, E [, padding]) -> linear(E, 3): a model, initialised. */
static gg_model *build(size_t V, size_t E, long padding, const gg_shape *sample, int with_linear)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x, y;
    gg_graph_input(g, sample, 0, &x, &err);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_EMBEDDING);
    c.in = V;
    c.out = E;
    c.padding_idx = padding;
    if (gg_graph_layer(g, &c, &x, 1, &y, &err)) {
        printf("build: %s\n", err.msg);
        gg_graph_free(g);
        return NULL;
    }
    if (with_linear) {
        gg_layer_cfg l = gg_layer_defaults_of(GG_LAYER_LINEAR);
        l.in = E;
        l.out = 3;
        gg_graph_layer(g, &l, &y, 1, &y, &err);
    }
    gg_model *m;
    if (gg_model_compile(&m, g, y, &err)) {
        gg_graph_free(g);
        return NULL;
    }
    gg_rng r;
    gg_rng_seed(&r, 9);
    gg_model_init_default(m, &r);
    return m;
}

/* ---- bad indices ---- */

static void test_bad_ids(void)
{
    const size_t V = 65, E = 4, B = 3, L = 6;
    gg_shape s = {.ndim = 1, .dim = {L}};
    gg_model *m = build(V, E, GG_PADDING_NONE, &s, 0);
    if (!CHECK("bad ids: model builds", m != NULL))
        return;
    float x[18];
    for (size_t i = 0; i < B * L; i++)
        x[i] = (float)(i % V);
    const float *y;
    gg_err err;
    CHECK_EQ("good ids run", gg_model_forward(m, x, B, &y, &err), GG_OK);
    struct {
        float v;
        const char *msg;
    } cases[] = {
        {70.0f, "layer 1 (embedding): index 70 at sample 3, position 5 is outside 0..64"},
        {65.0f, "layer 1 (embedding): index 65 at sample 3, position 5 is outside 0..64"},
        {-1.0f, "layer 1 (embedding): index -1 at sample 3, position 5 is outside 0..64"},
        {2.5f, "layer 1 (embedding): index 2.5 at sample 3, position 5 is not an integer in 0..64"},
        {NAN, "layer 1 (embedding): index nan at sample 3, position 5 is not an integer in 0..64"},
        {-NAN, "layer 1 (embedding): index nan at sample 3, position 5 is not an integer in 0..64"},
        {INFINITY, "layer 1 (embedding): index inf at sample 3, position 5 is not an integer in 0..64"},
        {-INFINITY, "layer 1 (embedding): index -inf at sample 3, position 5 is not an integer in 0..64"},
        {1e30f, "layer 1 (embedding): index 1.00000002e+30 at sample 3, position 5 is outside 0..64"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        float bad[18];
        memcpy(bad, x, sizeof bad);
        bad[2 * L + 4] = cases[k].v;
        bad[2 * L + 5] = 1e9f;  // a later bad one: the first is reported
        err.msg[0] = '\0';
        CHECK_EQ(cases[k].msg, gg_model_forward(m, bad, B, &y, &err), GG_EINVAL);
        CHECK(cases[k].msg, strcmp(err.msg, cases[k].msg) == 0);
        if (strcmp(err.msg, cases[k].msg))
            printf("    got \"%s\"\n", err.msg);
        int zeros = 1;
        for (size_t i = 0; i < B * L * E; i++)
            zeros &= y[i] == 0.0f;
        CHECK("a failed forward outputs zeros", zeros);
        // backward after the failed forward writes no row for the bad ids (ASan watches)
        float dy[18 * 4];
        for (size_t i = 0; i < B * L * E; i++)
            dy[i] = 1.0f;
        gg_model_zero_grad(m);
        gg_model_backward(m, dy);
        CHECK_EQ("and the next good forward runs clean", gg_model_forward(m, x, B, &y, &err), GG_OK);
    }
    // The fault is from one run only: gg_model_run_check after a clean run is GG_OK.
    CHECK_EQ("run_check after a clean run", gg_model_run_check(m, NULL, &err), GG_OK);
    gg_model_free(m);

    // 2-d ids: the position is a tuple; scalar ids: none; a second embedding layer.
    gg_shape s2 = {.ndim = 2, .dim = {2, 3}};
    m = build(10, 2, GG_PADDING_NONE, &s2, 0);
    float x2[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 0};
    CHECK_EQ("2-d ids: bad", gg_model_forward(m, x2, 2, &y, &err), GG_EINVAL);
    CHECK_CONTAINS("2-d ids: the position is a tuple", err.msg, "index 12 at sample 2, position (2, 2) is outside 0..9");
    gg_model_free(m);
    gg_shape s0 = {.ndim = 0};
    m = build(4, 2, GG_PADDING_NONE, &s0, 0);
    float x0[3] = {1, 3, 4};
    CHECK_EQ("scalar ids: bad", gg_model_forward(m, x0, 3, &y, &err), GG_EINVAL);
    CHECK_CONTAINS("scalar ids: no position", err.msg, "layer 1 (embedding): index 4 at sample 3 is outside 0..3");
    gg_model_free(m);
}

/* gg_train_epoch and gg_eval name the dataset row, not the batch row. */
static void test_bad_ids_in_training(void)
{
    const size_t V = 8, L = 4, n = 10;
    gg_shape s = {.ndim = 1, .dim = {L}};
    gg_model *m = build(V, 3, GG_PADDING_NONE, &s, 0);
    gg_err err;
    gg_dataset *ds;
    gg_dataset_new(&ds, n, L, L, 0, &err);
    gg_tensor X = gg_dataset_x(ds), Y = gg_dataset_y(ds);
    for (size_t i = 0; i < n * L; i++) {
        X.data[i] = (float)(i % V);
        Y.data[i] = (float)((i + 1) % 3);
    }
    X.data[6 * L + 1] = 8.0f;  // row 7, position 2
    // an mse on (B, L, 3) against (B, L) would not fit: the plain output is (B, L*3); use
    // cross_entropy over positions (classes 3 from the output's last dim)
    gg_train_cfg c = {.loss = gg_loss_defaults(GG_LOSS_CROSS_ENTROPY), .batch_size = 4, .shuffle = 0};
    gg_sgd_cfg sc = gg_sgd_defaults();
    gg_optim *o;
    gg_optim_new(&o, GG_OPTIM_SGD, &sc, gg_model_nparams(m), &err);
    CHECK_EQ("training check passes (targets (B, L) for a (B, L, 3) output)", gg_train_check(&c, m, o, ds, &err), GG_OK);
    gg_epoch_result res;
    CHECK_EQ("training stops at the bad id", gg_train_epoch(m, o, ds, &c, NULL, NULL, &res, &err), GG_EINVAL);
    CHECK_CONTAINS("training names the dataset row", err.msg, "index 8 at sample 7, position 2 is outside 0..7");
    CHECK_EQ("one step ran before it", (long long)res.steps, 1);
    gg_eval_result er;
    CHECK_EQ("evaluation stops at the bad id", gg_eval(m, ds, &c.loss, 3, 1, 1, &er, &err), GG_EINVAL);
    CHECK_CONTAINS("evaluation names the dataset row", err.msg, "at sample 7, position 2");
    X.data[6 * L + 1] = 1.0f;
    CHECK_EQ("evaluation of good ids", gg_eval(m, ds, &c.loss, 3, 1, 1, &er, &err), GG_OK);
    CHECK("accuracy over positions is a share", er.accuracy >= 0.0 && er.accuracy <= 1.0);
    double full;
    CHECK_EQ("evaluate in one chunk", gg_evaluate(m, ds, &c.loss, 100, &full, &err), GG_OK);
    CHECK_NEAR("chunked evaluation = one chunk", er.loss, full, 1e-6);
    gg_optim_free(o);
    gg_dataset_free(ds);
    gg_model_free(m);
}

/* ---- numbers ---- */

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static void test_kernels(void)
{
    const size_t V = 7, E = 5, n = 40;
    gg_rng r;
    gg_rng_seed(&r, 3);
    float W[35], ids[40], dy[200], y[200], dW[35], want[35];
    for (size_t i = 0; i < V * E; i++)
        W[i] = (float)gg_rng_normal(&r);
    for (size_t k = 0; k < n; k++)
        ids[k] = (float)(gg_rng_u64(&r) % V);
    for (size_t i = 0; i < n * E; i++)
        dy[i] = (float)gg_rng_normal(&r);
    CHECK_EQ("forward: all valid", gg_embedding_forward(y, ids, W, n, V, E), n);
    int same = 1;
    for (size_t k = 0; k < n; k++)
        same &= memcmp(y + k * E, W + (size_t)ids[k] * E, E * sizeof *y) == 0;
    CHECK("forward: rows of W", same);
    for (long pad = -1; pad < 2; pad++) {
        memset(dW, 0, sizeof dW);
        memset(want, 0, sizeof want);
        gg_embedding_backward(dW, dy, ids, n, V, E, pad < 0 ? GG_PADDING_NONE : pad);
        for (size_t k = 0; k < n; k++) {  // the documented order: index order, one add each
            size_t row = (size_t)ids[k];
            if (pad >= 0 && row == (size_t)pad)
                continue;
            for (size_t j = 0; j < E; j++)
                want[row * E + j] += dy[k * E + j];
        }
        CHECK("dW bit for bit = the index-order sum", memcmp(dW, want, sizeof dW) == 0);
        if (pad >= 0) {
            int zero = 1;
            for (size_t j = 0; j < E; j++)
                zero &= dW[(size_t)pad * E + j] == 0.0f;
            CHECK("padding row: no gradient", zero);
        }
    }
    CHECK("valid: 0", gg_embedding_valid(0.0f, 3));
    CHECK("valid: -0", gg_embedding_valid(-0.0f, 3));
    CHECK("invalid: V", !gg_embedding_valid(3.0f, 3));
    CHECK("invalid: 2^24 + 2 with V = 2^24", !gg_embedding_valid(16777218.0f, 16777216));
    CHECK("valid: 2^24 - 1 with V = 2^24", gg_embedding_valid(16777215.0f, 16777216));
}

/* The same bits from every instruction set and from any split of the batch. */
static void test_determinism(void)
{
    const size_t V = 50, E = 16, L = 12, B = 9;
    gg_shape s = {.ndim = 1, .dim = {L}};
    float x[9 * 12], dy[9 * 12 * 3];
    gg_rng r;
    gg_rng_seed(&r, 5);
    for (size_t i = 0; i < B * L; i++)
        x[i] = (float)(gg_rng_u64(&r) % V);
    for (size_t i = 0; i < B * L * 3; i++)
        dy[i] = (float)gg_rng_normal(&r);
    uint64_t ref_y = 0, ref_g = 0;
    int runs = 0;
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa))
            continue;
        gg_model *m = build(V, E, 3, &s, 1);
        gg_err err;
        gg_model_set_isa(m, (gg_isa)isa, &err);
        const float *y;
        gg_model_forward(m, x, B, &y, &err);
        uint64_t hy = hash_bytes(y, B * L * 3 * sizeof *y);
        gg_model_zero_grad(m);
        gg_model_backward(m, dy);
        // the same gradient accumulated over two batches of 4 and 5 rows
        float *g1 = malloc(gg_model_nparams(m) * sizeof *g1);
        memcpy(g1, gg_model_grads(m), gg_model_nparams(m) * sizeof *g1);
        uint64_t hg = hash_bytes(g1, V * E * sizeof *g1);  // the embedding's dW
        gg_model_zero_grad(m);
        gg_model_forward(m, x, 4, &y, &err);
        gg_model_backward(m, dy);
        gg_model_forward(m, x + 4 * L, 5, &y, &err);
        gg_model_backward(m, dy + 4 * L * 3);
        // split accumulation adds rows in the same order only when each row's ids come in
        // index order: same ids -> same sequence of adds per row of dW
        CHECK("dW over a 4 + 5 split = dW over 9 rows, bit for bit",
              memcmp(g1, gg_model_grads(m), V * E * sizeof *g1) == 0);
        free(g1);
        if (!runs) {
            ref_y = hy;
            ref_g = hg;
        }
        char name[96];
        snprintf(name, sizeof name, "%s: output bits equal the first ISA's", gg_isa_name((gg_isa)isa));
        CHECK_EQ_U64(name, hy, ref_y);
        snprintf(name, sizeof name, "%s: dW bits equal the first ISA's", gg_isa_name((gg_isa)isa));
        CHECK_EQ_U64(name, hg, ref_g);
        runs++;
        gg_model_free(m);
    }
    CHECK("at least one ISA ran", runs >= 1);
}

static void test_options_and_init(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x, y;
    gg_shape s = {.ndim = 1, .dim = {4}};
    gg_graph_input(g, &s, 0, &x, &err);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_EMBEDDING);
    c.in = 5;
    c.out = 0;
    CHECK_EQ("embedding_dim 0 rejected", gg_graph_layer(g, &c, &x, 1, &y, &err), GG_EINVAL);
    CHECK_CONTAINS("names the sizes", err.msg, "num_embeddings and embedding_dim must be >= 1");
    c.out = 3;
    c.padding_idx = 5;
    CHECK_EQ("padding_idx = V rejected", gg_graph_layer(g, &c, &x, 1, &y, &err), GG_EINVAL);
    CHECK_CONTAINS("names padding_idx", err.msg, "padding_idx must be within num_embeddings (5), got 5");
    c.padding_idx = -6;
    CHECK_EQ("padding_idx = -V-1 rejected", gg_graph_layer(g, &c, &x, 1, &y, &err), GG_EINVAL);
    c.padding_idx = -5;
    CHECK_EQ("padding_idx = -V accepted", gg_graph_layer(g, &c, &x, 1, &y, &err), GG_OK);
    CHECK_EQ("negative padding_idx counts from the end", gg_graph_cfg(g, y)->padding_idx, 0);
    gg_shape o = gg_graph_shape(g, y);
    CHECK("output (B, 4, 3)", o.ndim == 3 && o.dim[1] == 4 && o.dim[2] == 3 && gg_graph_batched(g, y));
    CHECK("name", strcmp(gg_layer_name(gg_graph_cfg(g, y)), "embedding") == 0);
    gg_graph_free(g);

    gg_model *m = build(300, 40, 7, &s, 0);
    const float *w = gg_model_params(m);
    double sum = 0.0, sq = 0.0;
    int zero = 1;
    for (size_t i = 0; i < 300 * 40; i++) {
        if (i / 40 == 7) {
            zero &= w[i] == 0.0f;
            continue;
        }
        sum += (double)w[i];
        sq += (double)w[i] * (double)w[i];
    }
    const double cnt = 299.0 * 40.0, mean = sum / cnt, var = sq / cnt - mean * mean;
    CHECK("init: the padding row is zero", zero);
    CHECK("init: N(0, 1) mean", fabs(mean) < 0.03);
    CHECK("init: N(0, 1) variance", fabs(var - 1.0) < 0.05);
    gg_model_free(m);
}

static void test_sinusoidal(void)
{
    const size_t L = 64, E = 10;
    float pe[640];
    gg_sinusoidal_table(pe, L, E);
    double worst = 0.0;
    for (size_t p = 0; p < L; p++)
        for (size_t j = 0; j < E; j++) {
            double a = (double)p / pow(10000.0, (double)(j - j % 2) / (double)E);
            double want = j % 2 ? cos(a) : sin(a);
            worst = fmax(worst, fabs((double)pe[p * E + j] - want));
        }
    CHECK("sinusoidal table within 1e-7 of libm", worst <= 1e-7);
    CHECK("PE[0, even] = sin 0 = 0 exactly", pe[0] == 0.0f && pe[2] == 0.0f);
    CHECK("PE[0, odd] = cos 0 = 1 exactly", pe[1] == 1.0f && pe[9] == 1.0f);
}

/* ---- losses over positions ---- */

static void test_position_losses(void)
{
    const size_t B = 2, L = 3, V = 4;
    float z[24], t[6] = {0, 3, -100, 2, 1, 1};
    gg_rng r;
    gg_rng_seed(&r, 8);
    for (size_t i = 0; i < B * L * V; i++)
        z[i] = (float)(2.0 * gg_rng_normal(&r));
    gg_loss_cfg flat = gg_loss_defaults(GG_LOSS_CROSS_ENTROPY);
    gg_loss_cfg pos = flat;
    pos.classes = V;
    gg_err err;
    CHECK_EQ("target columns over positions: L", gg_loss_target_cols(&pos, L * V), L);
    CHECK_EQ("check over positions", gg_loss_check(&pos, L * V, &err), GG_OK);
    CHECK_EQ("classes must divide the columns", gg_loss_check(&pos, 10, &err), GG_ESHAPE);
    CHECK_CONTAINS("says so", err.msg, "10 prediction columns are not a whole number of positions of 4 classes");
    gg_loss_cfg mse = gg_loss_defaults(GG_LOSS_MSE);
    mse.classes = 4;
    CHECK_EQ("classes on mse rejected", gg_loss_check(&mse, 12, &err), GG_EINVAL);
    CHECK_EQ("targets over positions pass", gg_loss_check_targets(&pos, t, B, L * V, &err), GG_OK);
    float tb[6] = {0, 3, 4, 2, 1, 1};
    CHECK_EQ("a target >= V over positions", gg_loss_check_targets(&pos, tb, B, L * V, &err), GG_EINVAL);
    CHECK_CONTAINS("names row and position", err.msg, "target row 1, position 3 must be a class index in 0..3, got 4");
    size_t dims[2] = {L, V};
    CHECK_EQ("classes from a (L, V) output", gg_loss_classes(GG_LOSS_NLL, dims, 2), V);
    CHECK_EQ("no classes from a (C) output", gg_loss_classes(GG_LOSS_CROSS_ENTROPY, dims, 1), 0);
    CHECK_EQ("no classes for mse", gg_loss_classes(GG_LOSS_MSE, dims, 2), 0);
    float g1[24], g2[24];
    float a = gg_loss_forward(&pos, g1, z, t, B, L * V);
    float b = gg_loss_forward(&flat, g2, z, t, B * L, V);
    CHECK("over positions = the flattened (B*L, V) loss", a == b && memcmp(g1, g2, sizeof g1) == 0);

    // z-loss: value and gradient against the formula, in double
    gg_loss_cfg zc = pos;
    zc.z_loss = 0.1f;
    float gz[24];
    float vz = gg_loss_forward(&zc, gz, z, t, B, L * V);
    double zsum = 0.0;
    size_t rows = 0;
    double gwant[24];
    for (size_t q = 0; q < B * L; q++) {
        double mx = (double)z[q * V], s = 0.0;
        for (size_t j = 1; j < V; j++)
            mx = fmax(mx, (double)z[q * V + j]);
        for (size_t j = 0; j < V; j++)
            s += exp((double)z[q * V + j] - mx);
        double lz = mx + log(s);
        for (size_t j = 0; j < V; j++)
            gwant[q * V + j] = t[q] == -100.0f ? 0.0 : 2.0 * 0.1 * lz * exp((double)z[q * V + j] - lz);
        if (t[q] == -100.0f)
            continue;
        zsum += lz * lz;
        rows++;
    }
    CHECK_REL("z_loss value = CE + coef * mean (log Z)^2", vz, (double)a + 0.1 * zsum / (double)rows, 1e-6);
    double worst = 0.0;
    for (size_t i = 0; i < 24; i++)
        worst = fmax(worst, fabs((double)(gz[i] - g1[i]) - gwant[i] / (double)rows));
    CHECK("z_loss gradient = CE's + 2 coef log Z softmax / rows", worst < 1e-6);
    double acc = 0.0, den = 0.0;
    gg_loss_accumulate(&zc, z, t, B, L * V, &acc, &den);
    CHECK_REL("evaluation leaves the z-term out", acc / den, (double)a, 1e-6);
    zc.z_loss = -1.0f;
    CHECK_EQ("negative z_loss rejected", gg_loss_check(&zc, L * V, &err), GG_EINVAL);
    mse.classes = 0;
    mse.z_loss = 0.1f;
    CHECK_EQ("z_loss on mse rejected", gg_loss_check(&mse, 3, &err), GG_EINVAL);
    CHECK_CONTAINS("names it", err.msg, "z_loss is not an option of mse");
}

int main(void)
{
    test_bad_ids();
    test_bad_ids_in_training();
    test_kernels();
    test_determinism();
    test_options_and_init();
    test_sinusoidal();
    test_position_losses();
    return CHECK_DONE();
}
