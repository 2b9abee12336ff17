/* tests/test_oom.c — out of memory inside the core, SQLite style: every allocation of a
 * model build, an optimizer and a scheduler, a dataset load (CSV, generators, split,
 * scaler, corruptions), a training epoch (also with diagnostics) and a sharpness
 * estimate is made to fail in turn, first persistently (that call and every later one)
 * and then alone (only that call). Each attempt must
 * return GG_ENOMEM with an "out of memory" message (or GG_OK when a lone failure was
 * retried, as libcsv does), hand back no object, leak nothing (failmem's live-block
 * count returns to where it was; ASan checks the same under make sanitize) and leave the
 * objects it was given as they were: a training epoch that failed changed no parameter,
 * and the model trains afterwards to the same bits as one that never saw a failure.
 *
 * Linked with tests/failmem.c instead of core/mem.c (see core/mem.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "corrupt.h"
#include "csvload.h"
#include "data.h"
#include "diag.h"
#include "failmem.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "sched.h"
#include "seqdata.h"
#include "train.h"

/* One scenario: op runs with failmem armed; setup, check and teardown (each optional)
 * run disarmed around it. op frees what it made itself on success; objects it is given
 * come from setup and go in teardown. check(ctx, st) looks at the inputs after op
 * returned st (unchanged after a failure, usable afterwards) and returns 1 if all is well. */
typedef struct scenario {
    const char *name;
    void (*setup)(void *ctx);
    gg_status (*op)(void *ctx, gg_err *err);
    int (*check)(void *ctx, gg_status st);
    void (*teardown)(void *ctx);
} scenario;

static const char *mode_name(int persistent)
{
    return persistent ? "persistent" : "single";
}

/* Fail every allocation point of sc in turn, persistent then alone. Returns the number
 * of allocation calls op makes when nothing fails. */
static long sweep(const scenario *sc, void *ctx)
{
    long total = -1;
    for (int persistent = 1; persistent >= 0; persistent--) {
        const char *mode = mode_name(persistent);
        const long base = failmem_live();
        long bad_status = 0, bad_msg = 0, leaks = 0, bad_check = 0, points = 0;
        for (long n = 1; n <= 100000; n++) {
            gg_err err = {0};
            if (sc->setup)
                sc->setup(ctx);
            failmem_arm(n, persistent);
            gg_status st = sc->op(ctx, &err);
            long fails = failmem_fails(), calls = failmem_calls();
            failmem_disarm();
            int ok_check = sc->check ? sc->check(ctx, st) : 1;
            if (sc->teardown)
                sc->teardown(ctx);
            if (fails == 0) {  // n is past the last allocation: a clean run
                if (!CHECK(sc->name, st == GG_OK && ok_check))
                    printf("    clean run: %s: %s\n", gg_status_str(st), err.msg);
                total = calls;
                break;
            }
            points++;
            if (failmem_live() != base && !leaks++)
                printf("    %s: %s failure at allocation %ld leaks %ld block(s)\n", sc->name, mode,
                       n, failmem_live() - base);
            if (!ok_check && !bad_check++)
                printf("    %s: %s failure at allocation %ld (%s): inputs changed or unusable\n",
                       sc->name, mode, n, gg_status_str(st));
            if (st == GG_OK && !persistent)
                continue;  // a lone failure the callee recovered from (libcsv retries)
            if (st != GG_ENOMEM && !bad_status++)
                printf("    %s: %s failure at allocation %ld returned %s: %s\n", sc->name, mode, n,
                       gg_status_str(st), err.msg);
            if (st == GG_ENOMEM && (err.code != GG_ENOMEM || !strstr(err.msg, "out of memory")) &&
                !bad_msg++)
                printf("    %s: failure at allocation %ld: message \"%s\"\n", sc->name, n, err.msg);
        }
        char label[200];
        snprintf(label, sizeof label, "%s (%s): %ld failure points return GG_ENOMEM", sc->name,
                 mode, points);
        CHECK(label, bad_status == 0 && points > 0);
        snprintf(label, sizeof label, "%s (%s): message says out of memory", sc->name, mode);
        CHECK(label, bad_msg == 0);
        snprintf(label, sizeof label, "%s (%s): no leak", sc->name, mode);
        CHECK(label, leaks == 0);
        if (sc->check) {
            snprintf(label, sizeof label, "%s (%s): inputs unchanged and usable", sc->name, mode);
            CHECK(label, bad_check == 0);
        }
    }
    return total;
}

/* An object handed back together with a failure is a bug of its own: report it as
 * GG_EINVAL so the sweep shows it. */
static gg_status nothing_back(gg_status st, int got_object)
{
    return st && got_object ? GG_EINVAL : st;
}
#define NOTHING_BACK(st, obj) nothing_back((st), (obj) != 0)

/* ---- model, optimizer, scheduler ---- */

static gg_status op_model(void *ctx, gg_err *err)
{
    (void)ctx;
    gg_layer_cfg c[6] = {
        gg_layer_defaults((gg_layer_spec){GG_LAYER_LINEAR, 4, 16, GG_ACT_RELU}),
        gg_layer_defaults((gg_layer_spec){GG_LAYER_BATCHNORM, 16, 16, GG_ACT_RELU}),
        gg_layer_defaults((gg_layer_spec){GG_LAYER_ACT, 0, 0, GG_ACT_TANH}),
        gg_layer_defaults((gg_layer_spec){GG_LAYER_DROPOUT, 0, 0, GG_ACT_RELU}),
        gg_layer_defaults((gg_layer_spec){GG_LAYER_LINEAR, 16, 3, GG_ACT_RELU}),
        gg_layer_defaults((gg_layer_spec){GG_LAYER_ACT, 0, 0, GG_ACT_SIGMOID}),
    };
    gg_model *m = NULL;
    gg_status st = gg_model_new_cfg(&m, c, 6, err);
    if (st)
        return NOTHING_BACK(st, m);
    gg_rng r;
    gg_rng_seed(&r, 1);
    gg_model_init_default(m, &r);
    static const float x[2 * 4] = {1, 2, 3, 4, -1, 0.5f, 2, 0};
    static const float keep[2 * 16] = {1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1,
                                       1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1};
    const float *y;
    if ((st = gg_model_forward(m, x, 2, &y, err)) == GG_OK)
        st = gg_model_dropout_mask(m, 3, keep, 2, err);
    gg_model_free(m);
    return st;
}

static gg_status op_model_specs(void *ctx, gg_err *err)
{
    (void)ctx;
    const gg_layer_spec s[3] = {{GG_LAYER_LINEAR, 10, 50, GG_ACT_RELU},
                                {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
                                {GG_LAYER_LINEAR, 50, 2, GG_ACT_RELU}};
    gg_model *m = NULL;
    gg_status st = gg_model_new(&m, s, 3, err);
    gg_model_free(m);
    return NOTHING_BACK(st, m);
}

static gg_status op_optims(void *ctx, gg_err *err)
{
    (void)ctx;
    gg_adam_cfg adam = {.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .amsgrad = 1};
    gg_sgd_cfg sgd = {.lr = 0.1, .momentum = 0.9};
    gg_optim *a = NULL, *s = NULL;
    gg_sched *sch = NULL;
    gg_status st = gg_optim_new(&a, GG_OPTIM_ADAM, &adam, 1000, err);
    st = NOTHING_BACK(st, a);
    if (!st)
        st = NOTHING_BACK(gg_optim_new(&s, GG_OPTIM_SGD, &sgd, 1000, err), s);
    if (!st) {
        static const long ms[] = {3, 5, 9};
        gg_sched_cfg c = gg_sched_defaults(GG_SCHED_MULTISTEP);
        c.multistep.milestones = ms;
        c.multistep.n_milestones = 3;
        st = NOTHING_BACK(gg_sched_new(&sch, &c, s, 0.1, err), sch);
    }
    gg_sched_free(sch);
    gg_optim_free(s);
    gg_optim_free(a);
    return st;
}

/* ---- datasets ---- */

typedef struct csv_case {
    const char *path;
    gg_csv_opts o;
    int with_info;
} csv_case;

static gg_status op_csv(void *ctx, gg_err *err)
{
    const csv_case *c = ctx;
    gg_dataset *ds = NULL;
    gg_csv_info info;
    gg_status st = gg_csv_load(&ds, c->path, &c->o, c->with_info ? &info : NULL, err);
    if (st) {
        if (c->with_info && (info.features || info.target || info.labels))
            return GG_EINVAL;
        return NOTHING_BACK(st, ds);
    }
    gg_dataset_free(ds);
    if (c->with_info)
        gg_csv_info_free(&info);
    return GG_OK;
}

static gg_status op_generators(void *ctx, gg_err *err)
{
    (void)ctx;
    gg_rng r;
    gg_rng_seed(&r, 3);
    gg_regression_cfg rc = {.n = 50, .features = 3, .outputs = 2, .x = GG_X_NORMAL, .scale = 1,
                            .noise = 0.1};
    gg_blobs_cfg bc = {.n = 40, .features = 2, .classes = 3, .spread = 1, .separation = 3};
    gg_dataset *reg = NULL, *blobs = NULL, *tr = NULL, *va = NULL, *scaled = NULL;
    gg_scaler sc = {0};
    float w[3];
    gg_status st = NOTHING_BACK(gg_data_regression(&reg, &rc, &r, err), reg);
    if (!st)
        st = NOTHING_BACK(gg_data_blobs(&blobs, &bc, &r, err), blobs);
    if (!st) {
        st = gg_dataset_split(blobs, 0.25, &r, &tr, &va, err);
        st = NOTHING_BACK(st, tr || va);
    }
    if (!st) {
        st = gg_scaler_fit(&sc, GG_SCALE_STANDARD, tr, err);
        st = NOTHING_BACK(st, sc.shift || sc.scale);
    }
    if (!st)
        st = NOTHING_BACK(gg_scaler_apply(&sc, va, &scaled, err), scaled);
    if (!st)
        st = gg_dataset_class_weights(blobs, w, err);
    gg_dataset_free(scaled);
    gg_scaler_free(&sc);
    gg_dataset_free(va);
    gg_dataset_free(tr);
    gg_dataset_free(blobs);
    gg_dataset_free(reg);
    return st;
}

/* Token datasets (core/seqdata.h): ctx is the path of a UTF-8 text file longer than the
 * file reader's first buffer, so it grows. */
static gg_status op_seqdata(void *ctx, gg_err *err)
{
    gg_rng r;
    gg_rng_seed(&r, 5);
    gg_dataset *tr = NULL, *va = NULL, *seq = NULL, *ctr = NULL, *cva = NULL, *sub = NULL,
               *a = NULL, *b = NULL;
    gg_modular_cfg mc = {.p = 7, .op = GG_MOD_DIV, .train_fraction = 0.5};
    gg_status st = gg_data_modular(&tr, &va, &mc, &r, err);
    st = NOTHING_BACK(st, tr || va);
    if (!st) {
        gg_sequence_cfg sc = {.task = GG_SEQ_RECALL, .n = 20, .length = 7, .vocab = 10};
        st = NOTHING_BACK(gg_data_sequence(&seq, &sc, &r, err), seq);
    }
    if (!st)
        st = gg_tokens_check(seq, 0, err);
    if (!st) {
        gg_text_cfg tc = {.context = 16, .split = 0.9, .level = GG_TEXT_CHAR, .n = 30, .val_n = 5};
        st = NOTHING_BACK(gg_data_text(&ctr, &cva, ctx, &tc, &r, err), ctr || cva);
    }
    if (!st) {
        size_t rows[2] = {3, 1};
        st = NOTHING_BACK(gg_dataset_subset(&sub, ctr, rows, 2, err), sub);
    }
    if (!st) {
        st = gg_dataset_split(cva, 0.4, &r, &a, &b, err);
        st = NOTHING_BACK(st, a || b);
    }
    if (!st) {
        static const uint32_t cp[3] = {'a', 0xE9, 0x1F600};
        st = gg_dataset_set_tokens(seq, GG_TOKENS_CHARS, 3, cp, err);
    }
    gg_dataset_free(b);
    gg_dataset_free(a);
    gg_dataset_free(sub);
    gg_dataset_free(cva);
    gg_dataset_free(ctr);
    gg_dataset_free(seq);
    gg_dataset_free(va);
    gg_dataset_free(tr);
    return st;
}

static gg_status op_corrupt(void *ctx, gg_err *err)
{
    const gg_dataset *ds = ctx;
    gg_rng r;
    gg_rng_seed(&r, 4);
    gg_dataset *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
    size_t changed;
    static const size_t cols[] = {1};
    gg_status st = NOTHING_BACK(gg_corrupt_labels(&a, ds, 0.3, -1, &r, &changed, err), a);
    if (!st)
        st = NOTHING_BACK(gg_corrupt_outliers(&b, ds, 0.2, 5.0, 0, &r, err), b);
    if (!st)
        st = NOTHING_BACK(gg_corrupt_scale(&c, ds, cols, 1, 1000.0, err), c);
    if (!st)
        st = NOTHING_BACK(gg_corrupt_imbalance(&d, ds, 1, 0.5, &r, err), d);
    if (!st)
        st = NOTHING_BACK(gg_corrupt_noise(&e, ds, 0.1, &r, err), e);
    gg_dataset_free(a);
    gg_dataset_free(b);
    gg_dataset_free(c);
    gg_dataset_free(d);
    gg_dataset_free(e);
    return st;
}

/* ---- training ---- */

typedef struct train_ctx {
    int which;       // 0 epoch, 1 explicit batches, 2 evaluate, 3 epoch with diagnostics,
                     // 4 optimizer clone, sharpness and accuracy
    int prereserve;  // run a batch of 2 first, so the call must grow the scratch
    gg_dataset *ds;  // borrowed
    gg_model *m;     // setup .. teardown
    gg_optim *o;
    float *snap;     // parameters after setup
    float *want;     // parameters after one clean call (the reference)
    double loss;     // evaluation result of the clean call
    size_t np;
} train_ctx;

static gg_model *mlp(gg_err *err)
{
    const gg_layer_spec s[4] = {{GG_LAYER_LINEAR, 3, 12, GG_ACT_RELU},
                                {GG_LAYER_BATCHNORM, 12, 12, GG_ACT_RELU},
                                {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
                                {GG_LAYER_LINEAR, 12, 2, GG_ACT_RELU}};
    gg_model *m = NULL;
    if (gg_model_new(&m, s, 4, err))
        return NULL;
    gg_rng r;
    gg_rng_seed(&r, 5);
    gg_model_init_default(m, &r);
    return m;
}

static const float small_x[2 * 3] = {1, 2, 3, 3, 2, 1};

static void train_setup(void *ctx)
{
    train_ctx *t = ctx;
    gg_err err;
    gg_adam_cfg adam = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    t->m = mlp(&err);
    if (!t->m || gg_optim_new(&t->o, GG_OPTIM_ADAM, &adam, gg_model_nparams(t->m), &err)) {
        printf("setup: %s\n", err.msg);
        exit(2);
    }
    const float *y;
    if (t->prereserve && gg_model_forward(t->m, small_x, 2, &y, &err)) {
        printf("setup: %s\n", err.msg);
        exit(2);
    }
    t->np = gg_model_nparams(t->m);
    memcpy(t->snap, gg_model_params(t->m), t->np * sizeof *t->snap);
}

static void train_teardown(void *ctx)
{
    train_ctx *t = ctx;
    gg_optim_free(t->o);
    gg_model_free(t->m);
    t->o = NULL;
    t->m = NULL;
}

static gg_status op_train(void *ctx, gg_err *err)
{
    train_ctx *t = ctx;
    gg_train_cfg cfg = {.loss = gg_loss_defaults(GG_LOSS_CROSS_ENTROPY), .batch_size = 8,
                        .shuffle = 1, .clip_norm = 1.0};
    gg_rng r;
    gg_rng_seed(&r, 11);
    gg_epoch_result res;
    float loss[8];
    gg_step_log log = {.loss = loss};
    if (t->which == 0)
        return gg_train_epoch(t->m, t->o, t->ds, &cfg, &r, &log, &res, err);
    if (t->which == 1) {
        static const size_t idx[] = {0, 5, 9, 2, 7, 1, 3, 4, 6, 8, 11, 10};
        static const size_t counts[] = {5, 7};
        return gg_train_batches(t->m, t->o, t->ds, &cfg, idx, counts, 2, &log, &res, err);
    }
    if (t->which == 2)
        return gg_evaluate(t->m, t->ds, &cfg.loss, 7, &t->loss, err);
    // Diagnostics: all their allocation is in gg_diag_new and gg_diag_begin, before any step.
    gg_diag_cfg dc = gg_diag_defaults();
    dc.sharpness_every = 1;
    dc.sharpness_rows = 6;
    dc.sharpness_iters = 3;
    gg_diag *d = NULL;
    gg_optim *copy = NULL;
    gg_status st = NOTHING_BACK(gg_diag_new(&d, t->m, &dc, err), d);
    if (!st && t->which == 3) {
        if (!(st = gg_diag_begin(d, t->m, t->ds, &cfg, gg_train_steps_per_epoch(&cfg, gg_dataset_n(t->ds)), err))) {
            gg_train_hooks hk = gg_diag_hooks(d);
            log.hooks = &hk;
            st = gg_train_epoch(t->m, t->o, t->ds, &cfg, &r, &log, &res, err);
        }
    }
    if (!st && t->which == 4) {
        gg_sharpness sh;
        double acc;
        st = NOTHING_BACK(gg_optim_clone(&copy, t->o, err), copy);
        if (!st)
            st = gg_diag_sharpness(d, t->m, copy, t->ds, &cfg, &sh, err);
        if (!st)
            st = gg_diag_accuracy(t->m, t->ds, &cfg.loss, 5, &acc, err);
        t->loss = st ? 0.0 : sh.value + acc;
    }
    gg_optim_free(copy);
    gg_diag_free(d);
    return st;
}

/* After a failure: parameters untouched, the small batch reserved before still runs, and
 * the same call without failures gives the reference bits. After a success: the bits. */
static int train_check(void *ctx, gg_status st)
{
    train_ctx *t = ctx;
    gg_err err;
    const float *y;
    if (st) {
        if (memcmp(gg_model_params(t->m), t->snap, t->np * sizeof *t->snap) != 0)
            return 0;
        if (t->prereserve) {  // in evaluation mode, which leaves BatchNorm's stats alone
            gg_model_set_training(t->m, 0);
            gg_status fst = gg_model_forward(t->m, small_x, 2, &y, &err);
            gg_model_set_training(t->m, 1);
            if (fst)
                return 0;
        }
        if (op_train(t, &err))
            return 0;
    }
    double loss = t->loss;
    if (t->which == 2 || t->which == 4)
        return t->want == NULL || (float)loss == t->want[0];
    return t->want == NULL || memcmp(gg_model_params(t->m), t->want, t->np * sizeof *t->want) == 0;
}

static void train_case(const char *name, int which, int prereserve, gg_dataset *ds)
{
    train_ctx t = {.which = which, .prereserve = prereserve, .ds = ds};
    float snap[1000], want[1000];
    t.snap = snap;
    gg_err err;
    // The reference: one clean call.
    train_setup(&t);
    CHECK(name, op_train(&t, &err) == GG_OK && t.np <= 1000);
    memcpy(want, gg_model_params(t.m), t.np * sizeof *want);
    if (which == 2 || which == 4)
        want[0] = (float)t.loss;  // compare the loss (sharpness + accuracy) instead
    train_teardown(&t);
    t.want = want;
    scenario sc = {name, train_setup, op_train, train_check, train_teardown};
    sweep(&sc, &t);
}

/* ---- files ---- */

static char *write_tmp(const char *text, size_t len)
{
    char *path = malloc(64);
    FILE *fp = NULL;
    // mkstemp is POSIX and the tests build with -std=c11: try names, opened exclusively.
    for (int i = 0; i < 1000 && !fp; i++) {
        snprintf(path, 64, "/tmp/gg_oom_%d_%d.csv", rand(), i);
        fp = fopen(path, "wx");
    }
    if (!fp) {
        free(path);
        return NULL;
    }
    fwrite(text, 1, len, fp);
    fclose(fp);
    return path;
}

static void csv_cases(void)
{
    // A small file with a BOM, a header and labels; a larger one whose arrays and libcsv
    // field buffer grow several times (a 300-byte header cell, 300 CRLF rows, quoted
    // labels); a numeric one.
    static char big[64 * 1024];
    size_t len = (size_t)snprintf(big, sizeof big, "a,b,\"%0300d\",label\r\n", 7);
    for (int i = 0; i < 300 && len < sizeof big - 100; i++)
        len += (size_t)snprintf(big + len, sizeof big - len, "%d,%d.5,%d,%s\r\n", i, -i, i % 7,
                                i % 3 == 0 ? "cat" : i % 3 == 1 ? "dog" : "\"e,mu\"");
    const char *small = "\xEF\xBB\xBFx1,x2,y\n1,2,a\n3,4,b\n5,6,a\n";
    const char *num = "1,2,3.5\n4,5,6\n7,8,9e-1\n";
    char *bigpath = write_tmp(big, len), *smallpath = write_tmp(small, strlen(small)),
         *numpath = write_tmp(num, strlen(num));
    if (CHECK("temp files", bigpath && smallpath && numpath)) {
        csv_case c1 = {smallpath, {.header = 1, .target = "y", .target_index = -1, .classify = 1}, 1};
        scenario s1 = {"csv load: BOM, header, classify, info", NULL, op_csv, NULL, NULL};
        CHECK("csv load allocates", sweep(&s1, &c1) >= 10);
        static const char *const feats[] = {"b", "a"};
        csv_case c2 = {bigpath, {.header = 1, .target = "label", .features = feats, .nfeatures = 2,
                                 .classify = 1}, 1};
        scenario s2 = {"csv load: 300 rows, a long header cell, named features", NULL, op_csv,
                       NULL, NULL};
        CHECK("big csv load allocates more", sweep(&s2, &c2) >= 20);
        csv_case c3 = {numpath, {.header = 0, .target_index = 0}, 0};
        scenario s3 = {"csv load: no header, regression target, no info", NULL, op_csv, NULL, NULL};
        sweep(&s3, &c3);
    }
    for (char **p = (char *[]){bigpath, smallpath, numpath, NULL}; *p; p++) {
        remove(*p);
        free(*p);
    }
}

int main(void)
{
    const long base = failmem_live();
    scenario model = {"model build (linear, batchnorm, dropout, forward, mask)", NULL, op_model,
                      NULL, NULL};
    CHECK("model build allocates", sweep(&model, NULL) >= 5);
    scenario specs = {"model build from specs", NULL, op_model_specs, NULL, NULL};
    sweep(&specs, NULL);
    scenario optims = {"optimizers and a multistep scheduler", NULL, op_optims, NULL, NULL};
    sweep(&optims, NULL);

    csv_cases();
    scenario gens = {"generators, split, scaler, class weights", NULL, op_generators, NULL, NULL};
    sweep(&gens, NULL);
    static char text[80 * 1024];  // beyond the reader's first 64 KB
    size_t tlen = 0;
    while (tlen + 16 < sizeof text)
        tlen += (size_t)snprintf(text + tlen, sizeof text - tlen, "h\xC3\xA9llo %d \xE2\x82\xAC\n", (int)tlen % 97);
    char *textpath = write_tmp(text, tlen);
    if (CHECK("temp text file", textpath)) {
        scenario seqd = {"token datasets (modular, sequence, text, subset, split)", NULL, op_seqdata,
                         NULL, NULL};
        CHECK("token datasets allocate", sweep(&seqd, textpath) >= 15);
        remove(textpath);
        free(textpath);
    }

    gg_rng r;
    gg_rng_seed(&r, 9);
    gg_blobs_cfg bc = {.n = 12, .features = 3, .classes = 2, .spread = 1, .separation = 3};
    gg_dataset *ds = NULL;
    gg_err err;
    if (CHECK("training data", gg_data_blobs(&ds, &bc, &r, &err) == GG_OK)) {
        scenario corrupt = {"corruptions (labels, outliers, scale, imbalance, noise)", NULL,
                            op_corrupt, NULL, NULL};
        sweep(&corrupt, ds);
        train_case("training epoch", 0, 0, ds);
        train_case("training epoch growing the scratch", 0, 1, ds);
        train_case("training on explicit batches", 1, 1, ds);
        train_case("evaluation", 2, 1, ds);
        train_case("training epoch with diagnostics and sharpness", 3, 0, ds);
        train_case("optimizer clone, sharpness, accuracy", 4, 1, ds);
    }
    gg_dataset_free(ds);

    CHECK("no block left at the end", failmem_live() == base);
    return CHECK_DONE();
}
