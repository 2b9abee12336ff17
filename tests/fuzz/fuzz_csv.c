/* tests/fuzz/fuzz_csv.c — libFuzzer harness for the CSV loader (core/csvload.c).
 * The first input byte picks the options (header, classify, target by index or name,
 * named features); the rest is the file, written to a memory file (memfd) and loaded by
 * path. Every load must either succeed with a consistent dataset and info, or fail with
 * GG_EIO/GG_EPARSE/GG_EINVAL and a message that starts with the path, handing nothing
 * back. Each successful input is then loaded again with one allocation failing (chosen
 * from the input), which must give GG_ENOMEM (or success after a retry) and leak no
 * block. The same file is also read by gg_csv_matrix (header from the first bit), which
 * must give finite values or a message starting with the path, and leak nothing.
 * Any broken rule aborts, which libFuzzer reports as a crash.
 *
 * Linked with tests/failmem.c instead of core/mem.c (see core/mem.h). */
#define _GNU_SOURCE  // memfd_create
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../core/csvload.h"
#include "../../core/data.h"
#include "../../core/mem.h"
#include "../failmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

static void must(int cond, const char *what, const char *msg)
{
    if (!cond) {
        fprintf(stderr, "fuzz_csv: broken rule: %s (message: %s)\n", what, msg ? msg : "");
        abort();
    }
}

/* Load with options o; check the rules; returns the status. */
static gg_status load(const gg_csv_opts *o, gg_err *err)
{
    gg_dataset *ds = (gg_dataset *)&fd;  // must be overwritten with NULL or a dataset
    gg_csv_info info;
    gg_status st = gg_csv_load(&ds, path, o, &info, err);
    if (st) {
        must(ds == NULL, "no dataset on failure", err->msg);
        must(!info.features && !info.target && !info.labels && !info.rows, "zeroed info on failure",
             err->msg);
        must(err->code == st && err->msg[0], "a message on failure", err->msg);
        must(st == GG_EIO || st == GG_EPARSE || st == GG_EINVAL || st == GG_ENOMEM,
             "a known status", err->msg);
        if (st != GG_EINVAL)
            must(strncmp(err->msg, path, strlen(path)) == 0, "message starts with the path", err->msg);
        return st;
    }
    const size_t n = gg_dataset_n(ds), d = gg_dataset_d(ds);
    must(ds != NULL && n == info.rows && n >= 1 && d >= 1 && d == info.nfeatures,
         "dataset shape matches the info", NULL);
    must(info.target != NULL && (o->features ? info.columns >= d + 1 : info.columns == d + 1),
         "every column but the target is a feature, unless features are named", NULL);
    const gg_tensor X = gg_dataset_x(ds), Y = gg_dataset_y(ds);
    for (size_t i = 0; i < n * d; i++)
        must(isfinite(X.data[i]), "finite features", NULL);
    for (size_t i = 0; i < d; i++)
        must(info.features[i] != NULL, "feature names", NULL);
    if (o->classify) {
        must(info.nlabels >= 2 && gg_dataset_classes(ds) == info.nlabels, "at least 2 classes", NULL);
        for (size_t i = 0; i < n; i++)
            must(Y.data[i] >= 0 && Y.data[i] < (float)info.nlabels && Y.data[i] == floorf(Y.data[i]),
                 "class indices in range", NULL);
        for (size_t c = 1; c < info.nlabels; c++)
            must(strcmp(info.labels[c - 1], info.labels[c]) != 0, "distinct labels", NULL);
    } else {
        must(info.labels == NULL && gg_dataset_classes(ds) == 0, "no labels for regression", NULL);
        for (size_t i = 0; i < n; i++)
            must(isfinite(Y.data[i]), "finite targets", NULL);
    }
    gg_dataset_free(ds);
    gg_csv_info_free(&info);
    return GG_OK;
}

/* gg_csv_matrix on the same file: a finite rows x cols matrix, or a known status with a
 * message starting with the path and no data handed back. */
static void matrix(int header)
{
    float *x = (float *)&fd;  // must be overwritten
    size_t rows = 7, cols = 7;
    gg_err err;
    gg_status st = gg_csv_matrix(path, header, &x, &rows, &cols, &err);
    if (st) {
        must(x == NULL && rows == 0 && cols == 0, "no matrix on failure", err.msg);
        must(st == GG_EIO || st == GG_EPARSE || st == GG_ENOMEM, "a known matrix status", err.msg);
        must(strncmp(err.msg, path, strlen(path)) == 0, "matrix message starts with the path", err.msg);
        return;
    }
    must(x != NULL && rows >= 1 && cols >= 1, "a non-empty matrix", NULL);
    for (size_t i = 0; i < rows * cols; i++)
        must(isfinite(x[i]), "finite matrix values", NULL);
    gg_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        fd = memfd_create("fuzz_csv", 0);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (size == 0)
        return 0;
    const uint8_t flags = data[0];
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
        abort();
    static const char *const feats[] = {"b", "a"};
    gg_csv_opts o = {
        .header = flags & 1,
        .classify = (flags >> 1) & 1,
        .target_index = (flags >> 2) & 1 ? 0 : -1,
    };
    if ((flags & 1) && (flags >> 3) & 1)
        o.target = "y";
    if ((flags & 1) && (flags >> 4) & 1) {
        o.features = feats;
        o.nfeatures = (flags >> 5) & 1 ? 2 : 1;
    }
    const long base = failmem_live();
    gg_err err;
    failmem_arm(0, 0);
    matrix(flags & 1);
    must(failmem_live() == base, "no matrix leak", NULL);
    failmem_arm(0, 0);
    gg_status st = load(&o, &err);
    long calls = failmem_calls();
    must(failmem_live() == base, "no leak", err.msg);
    if (st == GG_OK && calls > 0) {
        // The same load with one allocation failing, chosen from the input.
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < size; i++)
            h = (h ^ data[i]) * 16777619u;
        failmem_arm(1 + (long)(h % (uint32_t)calls), (flags >> 6) & 1);
        st = load(&o, &err);
        failmem_disarm();
        must(st == GG_ENOMEM || (st == GG_OK && !((flags >> 6) & 1)), "GG_ENOMEM under failure",
             err.msg);
        if (st == GG_ENOMEM)
            must(strstr(err.msg, "out of memory") != NULL, "says out of memory", err.msg);
        must(failmem_live() == base, "no leak under failure", err.msg);
    }
    return 0;
}
