/* tests/test_csvload.c — CSV loading: header and column choice by name or index, class
 * labels (strings sorted byte-wise, numbers numerically), BOM, CRLF, quoted fields, a
 * 5000-column line, every error message (with file, row and column), and class weights
 * against hand-computed values, and the sample shape option. Fixtures live in tests/data (run from the repository
 * root, as make test does); the byte-exact ones are written to temporary files here. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "csvload.h"
#include "data.h"
#include "mem.h"

#define DATA "tests/data/"

static char tmp_path[64];

/* Write len bytes to a fresh temporary file; returns its path (valid until the next call). */
static const char *write_tmp(const char *bytes, size_t len)
{
    if (tmp_path[0])
        remove(tmp_path);
    strcpy(tmp_path, "/tmp/gg_csvload_XXXXXX");
    int fd = mkstemp(tmp_path);
    if (fd < 0)
        return "/nonexistent";
    FILE *fp = fdopen(fd, "wb");
    fwrite(bytes, 1, len, fp);
    fclose(fp);
    return tmp_path;
}

static gg_status load(gg_dataset **ds, const char *path, gg_csv_opts o, gg_csv_info *info,
                      gg_err *err)
{
    err->msg[0] = '\0';
    gg_status st = gg_csv_load(ds, path, &o, info, err);
    if (st == GG_OK)
        err->msg[0] = '\0';
    return st;
}

static float X(gg_dataset *ds, size_t r, size_t c) { return gg_dataset_x(ds).data[r * gg_dataset_d(ds) + c]; }
static float Y(gg_dataset *ds, size_t r) { return gg_dataset_y(ds).data[r]; }

static void test_small_classify(void)
{
    gg_dataset *ds;
    gg_csv_info info;
    gg_err err;
    gg_csv_opts o = {.header = 1, .target = "species", .classify = 1};
    CHECK_EQ("small: loads", load(&ds, DATA "csv_small.csv", o, &info, &err), GG_OK);
    if (!ds) {
        printf("    %s\n", err.msg);
        return;
    }
    CHECK_EQ("small: n", gg_dataset_n(ds), 4);
    CHECK_EQ("small: d", gg_dataset_d(ds), 2);
    CHECK_EQ("small: k", gg_dataset_k(ds), 1);
    CHECK_EQ("small: classes", gg_dataset_classes(ds), 3);
    const float want_x[8] = {1, 2.5f, 3, -4, 5, 600, 7, 8};
    int same = 1;
    for (int i = 0; i < 8; i++)
        same &= X(ds, (size_t)i / 2, (size_t)i % 2) == want_x[i];
    CHECK("small: features exact, row-major", same);
    // sorted labels: setosa 0, versicolor 1, virginica 2
    CHECK("small: labels to sorted indices",
          Y(ds, 0) == 1.0f && Y(ds, 1) == 0.0f && Y(ds, 2) == 2.0f && Y(ds, 3) == 0.0f);
    CHECK_EQ("info rows", info.rows, 4);
    CHECK_EQ("info columns", info.columns, 3);
    CHECK_EQ("info nfeatures", info.nfeatures, 2);
    CHECK("info feature names", info.nfeatures == 2 && !strcmp(info.features[0], "a") &&
                                    !strcmp(info.features[1], "b"));
    CHECK("info target", info.target && !strcmp(info.target, "species"));
    CHECK("info labels", info.nlabels == 3 && !strcmp(info.labels[0], "setosa") &&
                             !strcmp(info.labels[1], "versicolor") &&
                             !strcmp(info.labels[2], "virginica"));

    float w[3];
    CHECK_EQ("class weights ok", gg_dataset_class_weights(ds, w, &err), GG_OK);
    // n=4, C=3, counts 2,1,1: 4/(3*2), 4/3, 4/3
    CHECK_NEAR("weight setosa", w[0], 4.0 / 6.0, 1e-7);
    CHECK_NEAR("weight versicolor", w[1], 4.0 / 3.0, 1e-7);
    CHECK_NEAR("weight virginica", w[2], 4.0 / 3.0, 1e-7);
    gg_csv_info_free(&info);
    CHECK("info freed and zeroed", info.features == NULL && info.labels == NULL && info.rows == 0);
    gg_csv_info_free(&info);  // again: no-op
    gg_dataset_free(ds);

    // default target (last column), regression: the labels are not numbers
    o = (gg_csv_opts){.header = 1, .target_index = -1};
    CHECK_EQ("regression on labels fails", load(&ds, DATA "csv_small.csv", o, NULL, &err), GG_EPARSE);
    CHECK_CONTAINS("regression on labels: message", err.msg,
                   "tests/data/csv_small.csv: row 2, column 'species': 'versicolor' is not a number");
    CHECK("failure: *out NULL", ds == NULL);
}

static void test_numeric_labels_and_columns(void)
{
    gg_dataset *ds;
    gg_csv_info info;
    gg_err err;
    // numeric labels sort numerically (9 < 10), "1" and "1.0" are one class
    const char *f = "y,x1,x2,x3\n10,1,2,3\n9,4,5,6\n1,7,8,9\n1.0,10,11,12\n10,13,14,15\n";
    const char *p = write_tmp(f, strlen(f));
    gg_csv_opts o = {.header = 1, .target_index = 0, .classify = 1};
    CHECK_EQ("numeric labels: loads", load(&ds, p, o, &info, &err), GG_OK);
    if (ds) {
        CHECK_EQ("numeric labels: classes", gg_dataset_classes(ds), 3);
        CHECK("numeric labels: 1 -> 0, 9 -> 1, 10 -> 2",
              Y(ds, 0) == 2 && Y(ds, 1) == 1 && Y(ds, 2) == 0 && Y(ds, 3) == 0 && Y(ds, 4) == 2);
        CHECK("numeric labels: texts (first seen)", info.nlabels == 3 && !strcmp(info.labels[0], "1") &&
                                                        !strcmp(info.labels[1], "9") &&
                                                        !strcmp(info.labels[2], "10"));
        CHECK("target by index 0: features are the rest", gg_dataset_d(ds) == 3 && X(ds, 1, 0) == 4 &&
                                                              X(ds, 4, 2) == 15);
        float w[3];
        gg_dataset_class_weights(ds, w, &err);
        // n=5, counts 2,1,2 → 5/6, 5/3, 5/6
        CHECK_NEAR("weights imbalanced 0", w[0], 5.0 / 6.0, 1e-7);
        CHECK_NEAR("weights imbalanced 1", w[1], 5.0 / 3.0, 1e-7);
        CHECK_NEAR("weights imbalanced 2", w[2], 5.0 / 6.0, 1e-7);
    }
    gg_csv_info_free(&info);
    gg_dataset_free(ds);

    // features subset by name, in the order asked; target by name, regression
    const char *names[] = {"x3", "y"};
    o = (gg_csv_opts){.header = 1, .target = "x1", .features = names, .nfeatures = 2};
    CHECK_EQ("features subset: loads", load(&ds, p, o, &info, &err), GG_OK);
    if (ds) {
        CHECK_EQ("features subset: d", gg_dataset_d(ds), 2);
        CHECK_EQ("regression: classes 0", gg_dataset_classes(ds), 0);
        CHECK("features subset: values", X(ds, 0, 0) == 3 && X(ds, 0, 1) == 10 && X(ds, 3, 1) == 1);
        CHECK("regression target values", Y(ds, 0) == 1 && Y(ds, 4) == 13);
        CHECK("info names in asked order", !strcmp(info.features[0], "x3") && !strcmp(info.features[1], "y") &&
                                               !strcmp(info.target, "x1") && info.labels == NULL);
        float w[1];
        CHECK_EQ("class weights on regression: EINVAL", gg_dataset_class_weights(ds, w, &err), GG_EINVAL);
        CHECK_CONTAINS("class weights on regression: message", err.msg, "need a classification dataset");
    }
    gg_csv_info_free(&info);
    gg_dataset_free(ds);

    // no header: columns named by number, first row is data
    const char *g = "1,2,0\n3,4,1\n";
    p = write_tmp(g, strlen(g));
    o = (gg_csv_opts){.header = 0, .target_index = -1, .classify = 1};
    CHECK_EQ("no header: loads", load(&ds, p, o, &info, &err), GG_OK);
    if (ds) {
        CHECK_EQ("no header: n", gg_dataset_n(ds), 2);
        CHECK("no header: values", X(ds, 0, 0) == 1 && X(ds, 1, 1) == 4 && Y(ds, 1) == 1);
        CHECK("no header: names are numbers", !strcmp(info.features[1], "2") && !strcmp(info.target, "3"));
    }
    gg_csv_info_free(&info);
    gg_dataset_free(ds);
    const char *h = "1,2,0\n3,x,1\n";
    p = write_tmp(h, strlen(h));
    load(&ds, p, o, NULL, &err);
    CHECK_CONTAINS("no header: column by number", err.msg, ": row 2, column 2: 'x' is not a number");
}

static void test_format(void)
{
    gg_dataset *ds;
    gg_csv_info info;
    gg_err err;
    // BOM + CRLF + quoted fields with commas, quotes and spaces
    const char f[] = "\xEF\xBB\xBF" "a,\"b,c\",y\r\n\" 1.5 \",2,\"x, \"\"q\"\"\"\r\n3,  4  ,z\r\n";
    const char *p = write_tmp(f, sizeof f - 1);
    gg_csv_opts o = {.header = 1, .target = "y", .classify = 1};
    CHECK_EQ("bom/crlf/quotes: loads", load(&ds, p, o, &info, &err), GG_OK);
    if (ds) {
        CHECK("bom skipped: first name is a", !strcmp(info.features[0], "a"));
        CHECK("quoted header name", !strcmp(info.features[1], "b,c"));
        CHECK("quoted number with spaces, trimmed number",
              X(ds, 0, 0) == 1.5f && X(ds, 0, 1) == 2 && X(ds, 1, 1) == 4);
        CHECK("quoted label with comma and quotes", info.nlabels == 2 && !strcmp(info.labels[0], "x, \"q\"") &&
                                                        !strcmp(info.labels[1], "z"));
        CHECK("no CR in the last label", Y(ds, 1) == 1);
    }
    gg_csv_info_free(&info);
    gg_dataset_free(ds);

    // no final newline
    const char g[] = "a,y\n1,2\n3,4";
    p = write_tmp(g, sizeof g - 1);
    o = (gg_csv_opts){.header = 1, .target_index = -1};
    CHECK_EQ("no final newline: loads", load(&ds, p, o, NULL, &err), GG_OK);
    CHECK("no final newline: last row", ds && gg_dataset_n(ds) == 2 && Y(ds, 1) == 4);
    gg_dataset_free(ds);

    // a 5000-column line (> one 64 KiB chunk across the header and the rows)
    enum { NC = 5000, NR = 3 };
    size_t cap = (size_t)NC * 16 * (NR + 1), len = 0;
    char *big = malloc(cap);
    for (int c = 0; c < NC; c++)
        len += (size_t)snprintf(big + len, cap - len, "%scolumn_%d", c ? "," : "", c);
    big[len++] = '\n';
    for (int r = 0; r < NR; r++) {
        for (int c = 0; c < NC; c++)
            len += (size_t)snprintf(big + len, cap - len, "%s%d.25", c ? "," : "", r * NC + c);
        big[len++] = '\n';
    }
    p = write_tmp(big, len);
    free(big);
    CHECK("long lines: file larger than a chunk", len > 65536);
    CHECK_EQ("long lines: loads", load(&ds, p, o, &info, &err), GG_OK);
    if (ds) {
        CHECK_EQ("long lines: d", gg_dataset_d(ds), NC - 1);
        CHECK_EQ("long lines: n", gg_dataset_n(ds), NR);
        CHECK("long lines: values", X(ds, 0, 0) == 0.25f && X(ds, 2, NC - 2) == (float)(2 * NC + NC - 2) + 0.25f &&
                                        Y(ds, 1) == (float)(NC + NC - 1) + 0.25f);
        CHECK("long lines: names", !strcmp(info.features[4998], "column_4998") &&
                                       !strcmp(info.target, "column_4999"));
    }
    gg_csv_info_free(&info);
    gg_dataset_free(ds);
}

/* Load path (header, target last, regression unless classify) and check the status and
 * that the message contains want. */
static void expect_error(const char *name, const char *path, gg_csv_opts o, gg_status code,
                         const char *want)
{
    gg_dataset *ds = (gg_dataset *)&ds;  // any non-NULL: must come back NULL
    gg_csv_info info = {.rows = 99};
    gg_err err;
    gg_status st = gg_csv_load(&ds, path, &o, &info, &err);
    CHECK_EQ(name, st, code);
    CHECK_CONTAINS(name, err.msg, want);
    CHECK(name, ds == NULL && info.rows == 0 && info.features == NULL);
}

static void test_errors(void)
{
    const gg_csv_opts reg = {.header = 1, .target_index = -1};
    expect_error("missing file", DATA "no_such.csv", reg, GG_EIO,
                 "tests/data/no_such.csv: No such file or directory");
    expect_error("directory", DATA, reg, GG_EIO, "tests/data/: Is a directory");
    expect_error("empty file", DATA "csv_empty.csv", reg, GG_EPARSE, "tests/data/csv_empty.csv: is empty");
    expect_error("only a BOM and blank lines", write_tmp("\xEF\xBB\xBF\n\n", 5), reg, GG_EPARSE, ": is empty");
    expect_error("header only", DATA "csv_header_only.csv", reg, GG_EPARSE,
                 "tests/data/csv_header_only.csv: has a header but no data rows");
    expect_error("ragged row", DATA "csv_ragged.csv", reg, GG_EPARSE,
                 "tests/data/csv_ragged.csv: row 4 has 2 fields, expected 3");
    expect_error("too many fields", write_tmp("a,y\n1,2\n3,4,x\n", 14), reg, GG_EPARSE,
                 ": row 3 has 3 fields, expected 2");
    expect_error("non-numeric cell", DATA "csv_nonnumeric.csv", reg, GG_EPARSE,
                 "tests/data/csv_nonnumeric.csv: row 3, column 'b': 'abc' is not a number");
    expect_error("trailing junk", write_tmp("a,y\n1.5x,2\n", 11), reg, GG_EPARSE,
                 ": row 2, column 'a': '1.5x' is not a number");
    expect_error("empty cell", write_tmp("a,y\n,2\n", 7), reg, GG_EPARSE,
                 ": row 2, column 'a': empty cell, expected a number");
    expect_error("nan cell", DATA "csv_nan.csv", reg, GG_EPARSE,
                 "tests/data/csv_nan.csv: row 3, column 'a': nan is not a finite number");
    expect_error("inf cell", DATA "csv_inf.csv", reg, GG_EPARSE,
                 "tests/data/csv_inf.csv: row 3, column 'b': -inf is not a finite number");
    expect_error("float32 overflow", write_tmp("a,y\n1e39,2\n", 11), reg, GG_EPARSE,
                 ": row 2, column 'a': 1e39 is outside the float32 range");
    expect_error("nan regression target", write_tmp("a,y\n1,NaN\n", 10), reg, GG_EPARSE,
                 ": row 2, column 'y': NaN is not a finite number");
    expect_error("unterminated quote", write_tmp("a,y\n1,\"2\n", 9), reg, GG_EPARSE,
                 ": row 2: malformed quoted field");
    expect_error("text after a quote", write_tmp("a,y\n\"1\"x,2\n", 11), reg, GG_EPARSE,
                 ": row 2: malformed quoted field");

    gg_csv_opts o = reg;
    o.target = "nope";
    expect_error("unknown target", DATA "csv_small.csv", o, GG_EPARSE,
                 "tests/data/csv_small.csv: target column 'nope' not found; columns are a, b, species");
    const char *f1[] = {"a", "zz"};
    o = (gg_csv_opts){.header = 1, .target_index = -1, .features = f1, .nfeatures = 2};
    expect_error("unknown feature", DATA "csv_small.csv", o, GG_EPARSE,
                 "feature column 'zz' not found; columns are a, b, species");
    const char *f2[] = {"a", "species"};
    o = (gg_csv_opts){.header = 1, .target = "species", .features = f2, .nfeatures = 2, .classify = 1};
    expect_error("target as feature", DATA "csv_small.csv", o, GG_EPARSE,
                 "column 'species' is both the target and a feature");
    const char *f3[] = {"a", "a"};
    o = (gg_csv_opts){.header = 1, .target_index = -1, .features = f3, .nfeatures = 2, .classify = 1};
    expect_error("feature twice", DATA "csv_small.csv", o, GG_EPARSE, "feature 'a' is listed twice");
    expect_error("duplicate column names", DATA "csv_dupcols.csv", reg, GG_EPARSE,
                 "tests/data/csv_dupcols.csv: columns 1 and 3 are both named 'a'");
    o = (gg_csv_opts){.header = 1, .target_index = 3};
    expect_error("target index out of range", DATA "csv_small.csv", o, GG_EPARSE,
                 "target column 4 is out of range (the file has 3 columns)");
    o = (gg_csv_opts){.header = 1, .target_index = -2};
    expect_error("target index below -1", DATA "csv_small.csv", o, GG_EINVAL, "target_index must be >= -1, got -2");
    o = (gg_csv_opts){.header = 0, .target = "y"};
    expect_error("names without header", DATA "csv_small.csv", o, GG_EINVAL, "columns chosen by name need header = 1");
    expect_error("one column only", write_tmp("y\n1\n", 4), reg, GG_EPARSE,
                 ": no feature columns: the file has only the target column 'y'");
    // A file with another delimiter reads as one column: the message says so (issue 20, bug 9).
    o = reg;
    o.target = "y";
    expect_error("';' file, target by name", write_tmp("a;b;y\n1;2;3\n", 12), o, GG_EPARSE,
                 ": target column 'y' not found; the only column is 'a;b;y'; the file looks ';'-separated "
                 "(gglab reads comma-separated files)");
    expect_error("';' file, default target", write_tmp("a;b;y\n1;2;3\n", 12), reg, GG_EPARSE,
                 ": no feature columns: the file has only the target column 'a;b;y'; the file looks "
                 "';'-separated");
    expect_error("tab file, target by name", write_tmp("a\tb\tc\n1\t2\t3\n", 12), o, GG_EPARSE,
                 "; the file looks tab-separated");
    expect_error("missing target, many columns", write_tmp("a,b,c\n1,2,3\n", 12), o, GG_EPARSE,
                 ": target column 'y' not found; columns are a, b, c");
    o = (gg_csv_opts){.header = 0, .target_index = -1};
    expect_error("'|' file without header", write_tmp("1|2|3\n", 6), o, GG_EPARSE,
                 ": no feature columns: the file has only the target column; the file looks '|'-separated");
    o = (gg_csv_opts){.header = 1, .target_index = -1, .classify = 1};
    expect_error("single class", write_tmp("a,y\n1,u\n2,u\n", 12), o, GG_EPARSE,
                 "target column 'y' holds one class ('u'); classification needs at least 2");
    expect_error("empty label", write_tmp("a,y\n1,u\n2,\n", 11), o, GG_EPARSE, ": row 3, column 'y': empty cell");
    // a ragged row is reported even when a cell of it is also bad
    expect_error("ragged before bad cell", write_tmp("a,b,y\n1,x\n", 10), reg, GG_EPARSE,
                 ": row 2 has 2 fields, expected 3");
}

static void test_shape(void)
{
    // 4 features per row become (1,2,2) samples; the rows are unchanged.
    const char *csv = "a,b,c,d,y\n1,2,3,4,u\n5,6,7,8,v\n";
    const size_t chw[3] = {1, 2, 2};
    gg_csv_opts o = {.header = 1, .target_index = -1, .classify = 1, .shape = chw, .shape_ndim = 3};
    gg_dataset *ds = NULL;
    gg_err err;
    CHECK_EQ("shape: loads", load(&ds, write_tmp(csv, strlen(csv)), o, NULL, &err), GG_OK);
    if (ds) {
        size_t got[GG_DATASET_MAX_DIMS];
        CHECK_EQ("shape: ndim", gg_dataset_shape(ds, got), 3);
        CHECK("shape: dims", got[0] == 1 && got[1] == 2 && got[2] == 2);
        CHECK("shape: row values", X(ds, 1, 0) == 5.0f && X(ds, 1, 3) == 8.0f && Y(ds, 1) == 1.0f);
        gg_dataset_free(ds);
    }
    o.shape = NULL;
    CHECK_EQ("no shape: loads", load(&ds, write_tmp(csv, strlen(csv)), o, NULL, &err), GG_OK);
    if (ds) {
        size_t got[GG_DATASET_MAX_DIMS];
        CHECK("no shape: flat (4)", gg_dataset_shape(ds, got) == 1 && got[0] == 4);
        gg_dataset_free(ds);
    }
    const size_t big[3] = {1, 28, 28}, zero[2] = {2, 0};
    o = (gg_csv_opts){.header = 1, .target = "species", .classify = 1, .shape = big, .shape_ndim = 3};
    expect_error("shape does not fit", DATA "csv_small.csv", o, GG_EPARSE,
                 "tests/data/csv_small.csv: shape (1,28,28) has 784 values per sample, the dataset has 2 features");
    o.shape_ndim = 5;
    expect_error("shape of 5 dims", DATA "csv_small.csv", o, GG_EINVAL, "a sample shape has 1 to 4 dims, got 5");
    o.shape = zero;
    o.shape_ndim = 2;
    expect_error("shape dim 0", DATA "csv_small.csv", o, GG_EINVAL, "sample shape dim 2 must be >= 1, got 0");
}

static void test_class_weights(void)
{
    // 10 rows: class 0 ×6, class 1 ×3, class 2 ×0, class 3 ×1
    gg_dataset *ds;
    gg_err err;
    gg_dataset_new(&ds, 10, 1, 1, 4, &err);
    const float lab[10] = {0, 0, 1, 0, 3, 0, 1, 0, 1, 0};
    memcpy(gg_dataset_y(ds).data, lab, sizeof lab);
    float w[4];
    CHECK_EQ("weights: ok", gg_dataset_class_weights(ds, w, &err), GG_OK);
    CHECK_NEAR("weights: 10/(4*6)", w[0], 10.0 / 24.0, 1e-7);
    CHECK_NEAR("weights: 10/(4*3)", w[1], 10.0 / 12.0, 1e-7);
    CHECK_EQ("weights: empty class gets 0", w[2], 0);
    CHECK_NEAR("weights: 10/(4*1)", w[3], 2.5, 1e-7);
    gg_dataset_y(ds).data[5] = 4;
    CHECK_EQ("weights: label out of range", gg_dataset_class_weights(ds, w, &err), GG_EINVAL);
    CHECK_CONTAINS("weights: label message", err.msg, "row 6 has label 4, expected an integer in [0, 4)");
    gg_dataset_y(ds).data[5] = 0.5f;
    CHECK_EQ("weights: fractional label", gg_dataset_class_weights(ds, w, &err), GG_EINVAL);
    gg_dataset_free(ds);
}

/* gg_csv_matrix: values, header skip, and errors naming line and field. */
static void test_matrix(void)
{
    gg_err err;
    float *x;
    size_t r, c;
    static const char ok[] = "a,b\n1,2.5\n\n-3,4\n";
    CHECK_EQ("matrix with header", gg_csv_matrix(write_tmp(ok, sizeof ok - 1), 1, &x, &r, &c, &err), GG_OK);
    CHECK("matrix 2x2", r == 2 && c == 2);
    CHECK("matrix values", x && x[0] == 1.0f && x[1] == 2.5f && x[2] == -3.0f && x[3] == 4.0f);
    gg_free(x);
    CHECK_EQ("matrix without header: 'a' fails", gg_csv_matrix(tmp_path, 0, &x, &r, &c, &err), GG_EPARSE);
    CHECK_CONTAINS("matrix: line 1, field 1", err.msg, ":1:1: 'a' is not a number (a header row?");
    CHECK("matrix: no data on failure", x == NULL && r == 0 && c == 0);
    static const char rag[] = "1,2\n3,4\n5\n";
    CHECK_EQ("matrix ragged", gg_csv_matrix(write_tmp(rag, sizeof rag - 1), 0, &x, &r, &c, &err), GG_EPARSE);
    CHECK_CONTAINS("matrix ragged: line 3", err.msg, ":3: 1 field, expected 2 (as on line 1)");
    static const char bad[] = "1,2\n3,4x\n";
    CHECK_EQ("matrix bad", gg_csv_matrix(write_tmp(bad, sizeof bad - 1), 0, &x, &r, &c, &err), GG_EPARSE);
    CHECK_CONTAINS("matrix bad: line 2, field 2", err.msg, ":2:2: '4x' is not a number");
    CHECK_EQ("matrix empty", gg_csv_matrix(write_tmp("", 0), 0, &x, &r, &c, &err), GG_EPARSE);
    CHECK_CONTAINS("matrix empty: message", err.msg, ": is empty");
    CHECK_EQ("matrix missing file", gg_csv_matrix("/nonexistent/m.csv", 0, &x, &r, &c, &err), GG_EIO);
}

int main(void)
{
    test_matrix();
    test_small_classify();
    test_numeric_labels_and_columns();
    test_format();
    test_errors();
    test_shape();
    test_class_weights();
    if (tmp_path[0])
        remove(tmp_path);
    return CHECK_DONE();
}
