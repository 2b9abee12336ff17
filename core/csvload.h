/* core/csvload.h — load a CSV file into a dataset (libcsv), and class weights.
 * The file is streamed in chunks; only the chosen columns are kept. The caller owns the
 * dataset (gg_dataset_free) and the info (gg_csv_info_free). Options are borrowed for
 * the call.
 *
 * Rows in messages are 1-based records of the file, the header being row 1; blank lines
 * are skipped by the parser and not counted. Columns are named 'name' when the file has a
 * header, else by 1-based number. Every error message starts with the path:
 *   iris.csv: row 7, column 'petal_width': 'abc' is not a number
 *   iris.csv: row 12 has 4 fields, expected 5
 *   iris.csv: row 3, column 'a': nan is not a finite number
 *   iris.csv: is empty
 *   iris.csv: has a header but no data rows
 *   iris.csv: target column 'x' not found; columns are a, b, c
 *   iris.csv: no feature columns: the file has only the target column 'a;b;y'; the file
 *             looks ';'-separated (gglab reads comma-separated files)
 *   iris.csv: shape (1,2,3) has 6 values per sample, the dataset has 4 features */
#ifndef GG_CSVLOAD_H
#define GG_CSVLOAD_H

#include <stddef.h>

#include "data.h"
#include "status.h"

typedef struct gg_csv_opts {
    int header;                  /* 1: the first row names the columns */
    const char *target;          /* target column name (needs header), or NULL */
    long target_index;           /* 0-based, used when target is NULL; -1 = last column */
    const char *const *features; /* nfeatures column names (needs header), or NULL = every
                                    column but the target, in file order */
    size_t nfeatures;
    int classify;                /* 1: the target holds class labels, mapped to 0..C-1;
                                    0: numeric regression target */
    const size_t *shape;         /* shape_ndim dims of one sample, e.g. {1, 8, 8}: their
                                    product must be the feature count; NULL = flat (d) */
    int shape_ndim;
} gg_csv_opts;

/* What was loaded. Every string is owned by the info. */
typedef struct gg_csv_info {
    size_t rows;       /* data rows (the dataset's n) */
    size_t columns;    /* fields per row in the file */
    char **features;   /* nfeatures names in dataset column order (without a header: the
                          1-based column number as text, "3") */
    size_t nfeatures;
    char *target;      /* the target column's name (same rule) */
    char **labels;     /* classify: nlabels label texts, labels[c] is class c; else NULL */
    size_t nlabels;
} gg_csv_info;

/* ---- lifecycle ---- */

/* Load path into a new dataset *out: features (n,d) float32, target (n,1). Numbers are
 * read with strtod: the whole cell must be a number (surrounding spaces allowed), finite
 * and within float32 range. With classify, labels are sorted — numerically when every
 * label is a number (then "1" and "1.0" are one class), else byte-wise (strcmp, which is
 * code-point order for UTF-8), like sklearn's LabelEncoder — and class c is the c-th
 * label; at least 2 distinct labels are required. A UTF-8 BOM at the start is skipped;
 * LF, CRLF and CR line ends, quoted fields (RFC 4180, strict) and any line length are
 * accepted. With a shape, each row becomes a sample of that shape (gg_dataset_set_shape).
 * info may be NULL; on failure *out is NULL and info is zeroed. Returns GG_EIO (open/read
 * errors, with strerror), GG_EPARSE (any problem with the file's contents or the columns
 * asked for, a shape whose product is not the feature count included), GG_EINVAL
 * (inconsistent options: a shape of 0 or more than GG_DATASET_MAX_DIMS dims or with a
 * dim of 0), GG_ENOMEM. */
gg_status gg_csv_load(gg_dataset **out, const char *path, const gg_csv_opts *o,
                      gg_csv_info *info, gg_err *err);

/* Release the info's strings and zero it; a zeroed info is a no-op; NULL too. */
void gg_csv_info_free(gg_csv_info *info);

/* Read a numeric CSV (every cell a finite float32 number; with header, the first record is
 * skipped) into *data (rows x cols, row-major, the caller gg_frees it). Messages name the
 * 1-based line and field: "m.csv:3:2: 'abc' is not a number", "m.csv:3:2: empty cell,
 * expected a number", "m.csv:4: 3 fields, expected 2 (as on line 1)", "m.csv: is empty".
 * GG_EIO, GG_EPARSE, GG_ENOMEM; on failure *data is NULL. */
gg_status gg_csv_matrix(const char *path, int header, float **data, size_t *rows, size_t *cols,
                        gg_err *err);

/* ---- operations ---- */

/* sklearn's class_weight='balanced': w[c] = n / (classes * count_c), computed in double,
 * for the classes() entries of w. A class with no rows gets weight 0 (sklearn would
 * divide by zero). GG_EINVAL for a regression dataset or a label that is not an integer
 * in [0, classes). */
gg_status gg_dataset_class_weights(const gg_dataset *ds, float *w, gg_err *err);

#endif
