/* core/csvload.c — CSV → dataset through libcsv (see csvload.h).
 * libcsv calls on_field for every cell and on_record at every row end. The first record is
 * buffered as strings: it is the header, or (without one) it fixes the column count before
 * the roles of the columns can be resolved, and is then replayed as data. Data cells of the
 * chosen columns are parsed as they arrive into growing arrays; after the first error the
 * callbacks do nothing and the read loop stops at the end of the chunk. */
#include "csvload.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "tensor.h"

enum { ROLE_SKIP = -1, ROLE_TARGET = -2 };
enum { CHUNK = 1 << 16, SHOW = 40 };  // read size; longest cell text quoted in a message

typedef struct loader {
    const char *path;
    const gg_csv_opts *o;
    gg_err *err;
    gg_status st;       // first error; once set the callbacks are no-ops
    size_t record;      // records completed, header included
    size_t field;       // fields seen in the current record
    int resolved;       // columns resolved (after the first record)
    // the first record, as strings
    char **first;
    size_t nfirst, capfirst;
    // resolved columns
    size_t ncols, d, tcol;
    int *role;          // per column: feature index, ROLE_TARGET or ROLE_SKIP
    size_t *fcol;       // per feature: its column
    // data
    size_t rows;
    float *x;           // rows*d
    size_t xcap;
    float *y;           // regression targets
    size_t ycap;
    char *pool;         // classify: label texts, NUL-separated
    size_t plen, pcap;
    size_t *loff;       // classify: offset of each row's label in pool
    size_t lcap;
    // first bad cell of the current row, reported at the row end unless the row is ragged
    int pending;
    gg_err cell;
} loader;

/* ---- small helpers ---- */

/* Grow *p (used elements in use) to hold need elements; doubles. 0 or -1 (no memory). */
static int grow(void *p, size_t *cap, size_t used, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return -1;
        nc *= 2;
    }
    void *q = gg_malloc(nc, elem);
    if (!q)
        return -1;
    void **pp = p;
    if (used)
        memcpy(q, *pp, used * elem);
    gg_free(*pp);
    *pp = q;
    *cap = nc;
    return 0;
}

static char *dup_str(const char *s, size_t len)
{
    char *c = gg_malloc(len + 1, 1);
    if (c) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

static void free_strs(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        gg_free(v[i]);
    gg_free(v);
}

/* Cell text for a message: at most SHOW bytes of it, then "..." if cut; control bytes
 * (a NUL, a tab) shown as \xNN so the message says what the cell holds. buf needs
 * 4 * SHOW + 4 bytes. */
static const char *shown(const char *s, size_t len, char *buf)
{
    size_t o = 0;
    for (size_t i = 0; i < len && i < SHOW; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, 5, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    strcpy(buf + o, len > SHOW ? "..." : "");
    return buf;
}

/* "column 'name'" with a header, else "column 3" (1-based). buf needs 64 bytes. */
static const char *colname(const loader *l, size_t col, char *buf)
{
    if (l->o->header && col < l->nfirst)
        snprintf(buf, 64, "column '%.40s%s'", l->first[col], strlen(l->first[col]) > 40 ? "..." : "");
    else
        snprintf(buf, 64, "column %zu", col + 1);
    return buf;
}

/* Parse a whole cell as a double: 0 ok, 1 not a number, 2 not finite. */
static int parse_num(const char *s, size_t len, double *v)
{
    if (len == 0 || strlen(s) != len)  // embedded NUL: not a number
        return 1;
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s)
        return 1;
    while (*end == ' ' || *end == '\t')
        end++;
    if (end != s + len)
        return 1;
    return isfinite(*v) ? 0 : 2;
}

static gg_status fail(loader *l, gg_status code, const char *fmt, const char *a, const char *b)
{
    // fmt has the path's %s first, then up to two more %s
    gg_err_set(l->err, code, fmt, l->path, a, b);
    l->st = code;
    return code;
}

static void oom(loader *l)
{
    gg_err_set(l->err, GG_ENOMEM, "%s: out of memory at row %zu", l->path, l->record + 1);
    l->st = GG_ENOMEM;
}

/* ---- resolving the columns from the first record ---- */

typedef struct named {
    const char *name;
    size_t col;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->col > y->col) - (x->col < y->col);
}

/* "a, b, c" (cut to fit) into buf of size n. */
static void list_columns(const loader *l, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->nfirst; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", l->first[i]);
        if (w < 0 || (size_t)w >= n - used) {
            if (n > 4)
                strcpy(buf + n - 4, "...");
            return;
        }
        used += (size_t)w;
    }
}

/* "; the file looks ';'-separated" (or tab-, '|'-) into buf of size n when the header
 * is one column holding one of those characters (read with the wrong delimiter), else "". */
static void separator_hint(const loader *l, char *buf, size_t n)
{
    buf[0] = '\0';
    if (l->nfirst != 1)
        return;
    static const char seps[] = ";\t|";
    size_t best = 0;
    char sep = 0;
    for (const char *c = seps; *c; c++) {
        size_t k = 0;
        for (const char *p = l->first[0]; *p; p++)
            k += *p == *c;
        if (k > best)
            best = k, sep = *c;
    }
    if (sep == '\t')
        snprintf(buf, n, "; the file looks tab-separated (gglab reads comma-separated files)");
    else if (sep)
        snprintf(buf, n, "; the file looks '%c'-separated (gglab reads comma-separated files)", sep);
}

/* "PATH: target column 'y' not found; columns are a, b, c" (or "the only column is
 * 'a;b;y'"), with the separator hint; what is "target" or "feature". */
static gg_status not_found(loader *l, const char *what, const char *name)
{
    char hint[80];
    separator_hint(l, hint, sizeof hint);
    if (l->nfirst == 1) {
        gg_err_set(l->err, GG_EPARSE, "%s: %s column '%.60s' not found; the only column is '%.60s%s'%s",
                   l->path, what, name, l->first[0], strlen(l->first[0]) > 60 ? "..." : "", hint);
    } else {
        char cols[160];
        list_columns(l, cols, sizeof cols);
        gg_err_set(l->err, GG_EPARSE, "%s: %s column '%.60s' not found; columns are %s%s", l->path, what,
                   name, cols, hint);
    }
    return l->st = GG_EPARSE;
}

/* Column named name (sorted lookup table), or -1 with the error set; what names the
 * option ("target", "feature"). */
static long find_column(loader *l, const named *sorted, const char *name, const char *what)
{
    size_t lo = 0, hi = l->nfirst;
    while (lo < hi) {  // first entry >= key: the lowest column of that name
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(sorted[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->nfirst && strcmp(sorted[lo].name, name) == 0)
        return (long)sorted[lo].col;
    not_found(l, what, name);
    return -1;
}

static gg_status resolve_named(loader *l, named *sorted)
{
    const gg_csv_opts *o = l->o;
    for (size_t i = 0; i < l->nfirst; i++)
        sorted[i] = (named){l->first[i], i};
    qsort(sorted, l->nfirst, sizeof *sorted, cmp_named);
    for (size_t i = 1; i < l->nfirst; i++)
        if (strcmp(sorted[i - 1].name, sorted[i].name) == 0) {
            char a[32], b[32];
            snprintf(a, sizeof a, "%zu", sorted[i - 1].col + 1);
            snprintf(b, sizeof b, "%zu", sorted[i].col + 1);
            gg_err_set(l->err, GG_EPARSE, "%s: columns %s and %s are both named '%.60s'",
                       l->path, a, b, sorted[i].name);
            return l->st = GG_EPARSE;
        }
    if (o->target) {
        long c = find_column(l, sorted, o->target, "target");
        if (c < 0)
            return l->st;
        l->tcol = (size_t)c;
    }
    if (o->features) {
        for (size_t i = 0; i < o->nfeatures; i++) {
            long c = find_column(l, sorted, o->features[i], "feature");
            if (c < 0)
                return l->st;
            if ((size_t)c == l->tcol)
                return fail(l, GG_EPARSE, "%s: column '%.60s' is both the target and a feature%s",
                            o->features[i], "");
            if (l->role[c] >= 0)
                return fail(l, GG_EPARSE, "%s: feature '%.60s' is listed twice%s", o->features[i], "");
            l->role[c] = (int)i;
            l->fcol[i] = (size_t)c;
        }
    }
    return GG_OK;
}

static gg_status resolve(loader *l)
{
    const gg_csv_opts *o = l->o;
    l->resolved = 1;
    l->ncols = l->nfirst;
    if (!o->target) {
        if (o->target_index == -1)
            l->tcol = l->ncols - 1;
        else if (o->target_index < 0 || (size_t)o->target_index >= l->ncols) {
            char a[32], b[32];
            snprintf(a, sizeof a, "%ld", o->target_index + 1);
            snprintf(b, sizeof b, "%zu", l->ncols);
            return fail(l, GG_EPARSE, "%s: target column %s is out of range (the file has %s columns)",
                        a, b);
        } else
            l->tcol = (size_t)o->target_index;
    }
    size_t d = o->features ? o->nfeatures : l->ncols - 1;
    if (d == 0) {
        // A target by name that is not there is the better message (a file read with the
        // wrong delimiter has one column).
        if (o->target && strcmp(o->target, l->first[0]) != 0)
            return not_found(l, "target", o->target);
        char hint[80];
        separator_hint(l, hint, sizeof hint);
        if (o->header)
            gg_err_set(l->err, GG_EPARSE,
                       "%s: no feature columns: the file has only the target column '%.60s%s'%s", l->path,
                       l->first[0], strlen(l->first[0]) > 60 ? "..." : "", hint);
        else
            gg_err_set(l->err, GG_EPARSE, "%s: no feature columns: the file has only the target column%s",
                       l->path, hint);
        return l->st = GG_EPARSE;
    }
    if (d > INT32_MAX) {
        oom(l);
        return l->st;
    }
    l->d = d;
    l->role = gg_malloc(l->ncols, sizeof *l->role);
    l->fcol = gg_malloc(d, sizeof *l->fcol);
    named *sorted = o->header ? gg_malloc(l->ncols, sizeof *sorted) : NULL;
    if (!l->role || !l->fcol || (o->header && !sorted)) {
        gg_free(sorted);
        oom(l);
        return l->st;
    }
    for (size_t j = 0; j < l->ncols; j++)
        l->role[j] = ROLE_SKIP;
    if (o->header)
        resolve_named(l, sorted);
    gg_free(sorted);
    if (l->st)
        return l->st;
    l->role[l->tcol] = ROLE_TARGET;
    if (!o->features)
        for (size_t j = 0, f = 0; j < l->ncols; j++)
            if (j != l->tcol) {
                l->role[j] = (int)f;
                l->fcol[f++] = j;
            }
    return GG_OK;
}

/* ---- data cells ---- */

static void cell_error(loader *l, size_t col, const char *fmt, const char *s, size_t len)
{
    if (l->pending)
        return;
    char name[64], buf[4 * SHOW + 4];
    char where[96];
    snprintf(where, sizeof where, "row %zu, %s", l->record + 1, colname(l, col, name));
    gg_err_set(&l->cell, GG_EPARSE, fmt, l->path, where, shown(s, len, buf));
    l->pending = 1;
}

static void data_field(loader *l, const char *s, size_t len)
{
    size_t col = l->field++;
    if (col == 0) {
        if ((l->rows + 1) * l->d > GG_TENSOR_MAX_NUMEL ||
            grow(&l->x, &l->xcap, l->rows * l->d, (l->rows + 1) * l->d, sizeof *l->x)) {
            oom(l);
            return;
        }
        float *row = l->x + l->rows * l->d;
        for (size_t i = 0; i < l->d; i++)
            row[i] = 0.0f;
    }
    if (col >= l->ncols || l->role[col] == ROLE_SKIP)
        return;
    int r = l->role[col];
    if (r == ROLE_TARGET && l->o->classify) {
        if (len == 0 || strlen(s) != len) {
            cell_error(l, col, len ? "%s: %s: '%s' is not a valid label" : "%s: %s: empty cell%s",
                       s, len);
            return;
        }
        if (grow(&l->loff, &l->lcap, l->rows, l->rows + 1, sizeof *l->loff) ||
            grow(&l->pool, &l->pcap, l->plen, l->plen + len + 1, 1)) {
            oom(l);
            return;
        }
        l->loff[l->rows] = l->plen;
        memcpy(l->pool + l->plen, s, len + 1);
        l->plen += len + 1;
        return;
    }
    double v;
    int bad = parse_num(s, len, &v);
    if (bad == 0 && !isfinite((float)v))
        bad = 3;
    if (bad) {
        static const char *const msg[] = {
            "", "%s: %s: '%s' is not a number", "%s: %s: %s is not a finite number",
            "%s: %s: %s is outside the float32 range"};
        if (len == 0)
            cell_error(l, col, "%s: %s: empty cell, expected a number%s", "", 0);
        else if (bad == 1 && r == ROLE_TARGET)
            cell_error(l, col, "%s: %s: '%s' is not a number (class labels need classify)", s, len);
        else
            cell_error(l, col, msg[bad], s, len);
        return;
    }
    if (r == ROLE_TARGET) {
        if (grow(&l->y, &l->ycap, l->rows, l->rows + 1, sizeof *l->y)) {
            oom(l);
            return;
        }
        l->y[l->rows] = (float)v;
    } else
        l->x[l->rows * l->d + (size_t)r] = (float)v;
}

static void data_record(loader *l)
{
    if (l->field != l->ncols) {
        char a[32], b[32], c[32];
        snprintf(a, sizeof a, "%zu", l->record + 1);
        snprintf(b, sizeof b, "%zu", l->field);
        snprintf(c, sizeof c, "%zu", l->ncols);
        gg_err_set(l->err, GG_EPARSE, "%s: row %s has %s field%s, expected %s", l->path, a, b,
                   l->field == 1 ? "" : "s", c);
        l->st = GG_EPARSE;
        return;
    }
    if (l->pending) {
        if (l->err)
            *l->err = l->cell;
        l->st = GG_EPARSE;
        return;
    }
    l->rows++;
}

/* ---- libcsv callbacks ---- */

static void on_field(void *s, size_t len, void *data)
{
    loader *l = data;
    if (l->st)
        return;
    const char *str = s ? s : "";
    if (!s)
        len = 0;
    if (l->resolved) {
        data_field(l, str, len);
        return;
    }
    char *c = dup_str(str, len);
    if (!c || grow(&l->first, &l->capfirst, l->nfirst, l->nfirst + 1, sizeof *l->first)) {
        gg_free(c);
        oom(l);
        return;
    }
    l->first[l->nfirst++] = c;
    l->field++;
}

static void on_record(int c, void *data)
{
    (void)c;
    loader *l = data;
    if (l->st)
        return;
    if (l->resolved)
        data_record(l);
    else if (!resolve(l) && !l->o->header) {  // replay the first record as data
        l->field = 0;
        for (size_t j = 0; j < l->nfirst && !l->st; j++)
            data_field(l, l->first[j], strlen(l->first[j]));
        if (!l->st)
            data_record(l);
    }
    l->record++;
    l->field = 0;
    l->pending = 0;
}

/* ---- labels ---- */

typedef struct label {
    const char *s;
    double v;
    size_t row;
} label;

static int cmp_num(const void *a, const void *b)
{
    const label *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int cmp_str(const void *a, const void *b)
{
    const label *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* Map the label texts to class indices in y (n floats); the sorted distinct texts go to
 * *labels (owned by the caller). */
static gg_status encode_labels(loader *l, float *y, char ***labels, size_t *nlabels)
{
    const size_t n = l->rows;
    label *lab = gg_malloc(n, sizeof *lab);
    if (!lab) {
        oom(l);
        return l->st;
    }
    int numeric = 1;
    for (size_t i = 0; i < n; i++) {
        lab[i] = (label){l->pool + l->loff[i], 0.0, i};
        numeric = numeric && parse_num(lab[i].s, strlen(lab[i].s), &lab[i].v) == 0;
    }
    qsort(lab, n, sizeof *lab, numeric ? cmp_num : cmp_str);
    size_t C = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (numeric ? lab[i].v != lab[i - 1].v : strcmp(lab[i].s, lab[i - 1].s) != 0))
            C++;
        y[lab[i].row] = (float)C;
    }
    C++;
    if (C < 2) {
        gg_free(lab);
        char name[64];
        gg_err_set(l->err, GG_EPARSE, "%s: target %s holds one class ('%.60s'); classification needs at least 2",
                   l->path, colname(l, l->tcol, name), l->pool);
        return l->st = GG_EPARSE;
    }
    char **out = gg_calloc(C, sizeof *out);
    if (!out) {
        gg_free(lab);
        oom(l);
        return l->st;
    }
    for (size_t i = 0, c = 0; i < n; i++)
        if (i == 0 || y[lab[i].row] != y[lab[i - 1].row]) {  // first (earliest row) of its class
            out[c] = dup_str(lab[i].s, strlen(lab[i].s));
            if (!out[c++]) {
                free_strs(out, C);
                gg_free(lab);
                oom(l);
                return l->st;
            }
        }
    gg_free(lab);
    *labels = out;
    *nlabels = C;
    return GG_OK;
}

/* ---- the loader ---- */

static void loader_free(loader *l)
{
    free_strs(l->first, l->nfirst);
    gg_free(l->role);
    gg_free(l->fcol);
    gg_free(l->x);
    gg_free(l->y);
    gg_free(l->pool);
    gg_free(l->loff);
}

static char *column_text(const loader *l, size_t col)
{
    if (l->o->header)
        return dup_str(l->first[col], strlen(l->first[col]));
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", col + 1);
    return dup_str(buf, strlen(buf));
}

static gg_status fill_info(loader *l, gg_csv_info *info)
{
    info->rows = l->rows;
    info->columns = l->ncols;
    info->features = gg_calloc(l->d, sizeof *info->features);
    if (!info->features)
        goto nomem;
    info->nfeatures = l->d;
    for (size_t i = 0; i < l->d; i++)
        if (!(info->features[i] = column_text(l, l->fcol[i])))
            goto nomem;
    if (!(info->target = column_text(l, l->tcol)))
        goto nomem;
    return GG_OK;
nomem:
    oom(l);
    return l->st;
}

/* libcsv's field buffer goes through gg_realloc/gg_free like every other allocation. */
static void *csv_realloc(void *p, size_t n)
{
    return gg_realloc(p, n, 1);
}

/* Read the file through libcsv into l; 0 or the status set. */
static gg_status read_file(loader *l, FILE *fp)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        oom(l);
        return l->st;
    }
    csv_set_realloc_func(&p, csv_realloc);
    csv_set_free_func(&p, gg_free);
    unsigned char *buf = gg_malloc(CHUNK, 1);
    if (!buf) {
        csv_free(&p);
        oom(l);
        return l->st;
    }
    int first = 1, bad = 0;
    size_t n;
    while (!l->st && (n = fread(buf, 1, CHUNK, fp)) > 0) {
        size_t skip = 0;
        if (first && n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
            skip = 3;  // UTF-8 byte order mark
        first = 0;
        bad = csv_parse(&p, buf + skip, n - skip, on_field, on_record, l) != n - skip;
        if (bad)
            break;
    }
    int ioerr = ferror(fp), eno = errno;
    if (!l->st && !bad && !ioerr)
        bad = csv_fini(&p, on_field, on_record, l) != 0;
    if (!l->st && ioerr)
        fail(l, GG_EIO, "%s: %s%s", strerror(eno), "");
    else if (!l->st && bad) {
        char row[32];
        snprintf(row, sizeof row, "%zu", l->record + 1);
        if (csv_error(&p) == CSV_EPARSE)
            fail(l, GG_EPARSE, "%s: row %s: malformed quoted field%s", row, "");
        else
            oom(l);
    }
    gg_free(buf);
    csv_free(&p);
    return l->st;
}

gg_status gg_csv_load(gg_dataset **out, const char *path, const gg_csv_opts *o,
                      gg_csv_info *info, gg_err *err)
{
    *out = NULL;
    if (info)
        *info = (gg_csv_info){0};
    if (!o->target && o->target_index < -1)
        return gg_err_set(err, GG_EINVAL, "target_index must be >= -1, got %ld", o->target_index);
    if (o->features && o->nfeatures == 0)
        return gg_err_set(err, GG_EINVAL, "features must name at least one column, got none");
    if (!o->header && (o->target || o->features))
        return gg_err_set(err, GG_EINVAL, "%s: columns chosen by name need header = 1", path);
    if (o->shape && (o->shape_ndim < 1 || o->shape_ndim > GG_DATASET_MAX_DIMS))
        return gg_err_set(err, GG_EINVAL, "a sample shape has 1 to %d dims, got %d",
                          GG_DATASET_MAX_DIMS, o->shape_ndim);
    for (int i = 0; o->shape && i < o->shape_ndim; i++)
        if (o->shape[i] == 0)
            return gg_err_set(err, GG_EINVAL, "sample shape dim %d must be >= 1, got 0", i + 1);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return gg_err_set(err, GG_EIO, "%s: %s", path, strerror(errno));
    loader l = {.path = path, .o = o, .err = err};
    read_file(&l, fp);
    fclose(fp);
    if (!l.st && l.record == 0)
        fail(&l, GG_EPARSE, "%s: is empty%s%s", "", "");
    else if (!l.st && l.rows == 0)
        fail(&l, GG_EPARSE, "%s: has a header but no data rows%s%s", "", "");
    gg_csv_info tmp = {0};
    float *y = l.y;  // regression targets, or the class indices below
    if (!l.st && o->classify) {
        y = gg_malloc(l.rows, sizeof *y);
        if (!y)
            oom(&l);
        else
            encode_labels(&l, y, &tmp.labels, &tmp.nlabels);
    }
    gg_dataset *ds = NULL;
    gg_err inner;
    if (!l.st && gg_dataset_new(&ds, l.rows, l.d, 1, tmp.nlabels, &inner)) {
        if (inner.code == GG_ENOMEM)
            oom(&l);
        else  // every message starts with the path
            l.st = gg_err_set(err, inner.code, "%s: %s", path, inner.msg);
    } else if (!l.st) {
        memcpy(gg_dataset_x(ds).data, l.x, l.rows * l.d * sizeof *l.x);
        memcpy(gg_dataset_y(ds).data, y, l.rows * sizeof *y);
        // The options were checked above, so only the product can be wrong: the file's.
        if (o->shape && gg_dataset_set_shape(ds, o->shape_ndim, o->shape, &inner))
            l.st = gg_err_set(err, GG_EPARSE, "%s: %s", path, inner.msg);
    }
    if (y != l.y)
        gg_free(y);
    if (!l.st && info)
        fill_info(&l, &tmp);
    loader_free(&l);
    if (l.st) {
        gg_csv_info_free(&tmp);
        gg_dataset_free(ds);
        return l.st;
    }
    if (info)
        *info = tmp;
    else
        gg_csv_info_free(&tmp);
    *out = ds;
    return GG_OK;
}

void gg_csv_info_free(gg_csv_info *info)
{
    if (!info)
        return;
    free_strs(info->features, info->nfeatures);
    gg_free(info->target);
    free_strs(info->labels, info->nlabels);
    *info = (gg_csv_info){0};
}

/* ---- class weights ---- */

gg_status gg_dataset_class_weights(const gg_dataset *ds, float *w, gg_err *err)
{
    const size_t C = gg_dataset_classes(ds), n = gg_dataset_n(ds);
    if (C == 0)
        return gg_err_set(err, GG_EINVAL, "class weights need a classification dataset, got regression targets");
    size_t *count = gg_calloc(C, sizeof *count);
    if (!count)
        return gg_err_set(err, GG_ENOMEM, "out of memory counting %zu classes", C);
    // gg_dataset_y only hands out a view; nothing is written through it here
    const gg_tensor Y = gg_dataset_y((gg_dataset *)ds);
    for (size_t i = 0; i < n; i++) {
        float v = Y.data[i * Y.cols];
        if (!(v >= 0.0f) || v >= (float)C || v != floorf(v)) {
            gg_free(count);
            return gg_err_set(err, GG_EINVAL, "row %zu has label %g, expected an integer in [0, %zu)",
                              i + 1, (double)v, C);
        }
        count[(size_t)v]++;
    }
    for (size_t c = 0; c < C; c++)
        w[c] = count[c] ? (float)((double)n / ((double)C * (double)count[c])) : 0.0f;
    gg_free(count);
    return GG_OK;
}

/* ---- a numeric matrix: gg_csv_matrix ---- */

typedef struct matrix {
    const char *path;
    gg_err *err;
    gg_status st;      // first error; once set the callbacks are no-ops
    int header;        // the file has a header record
    int skip;          // 1 while the header record is being skipped
    size_t line;       // the 1-based line being parsed
    size_t first_line; // the line of the first data row (it fixes the column count)
    size_t field;      // fields seen in the current record
    size_t cols;       // 0 until the first data row ends
    size_t rows;
    float *x;
    size_t cap;
} matrix;

static void matrix_field(void *s, size_t len, void *data)
{
    matrix *m = data;
    if (m->st)
        return;
    const size_t col = m->field++;
    if (m->skip)
        return;
    if (m->cols && col >= m->cols)
        return;  // a ragged row: reported at its end
    const char *str = s ? s : "";
    len = s ? len : 0;
    double v;
    int bad = parse_num(str, len, &v);
    if (bad == 0 && !isfinite((float)v))
        bad = 3;
    if (bad) {
        static const char *const msg[] = {"", "'%s' is not a number", "%s is not a finite number",
                                          "%s is outside the float32 range"};
        char what[4 * SHOW + 64];
        if (len == 0) {
            snprintf(what, sizeof what, "empty cell, expected a number");
        } else {
            char buf[4 * SHOW + 4];
            snprintf(what, sizeof what, msg[bad], shown(str, len, buf));
        }
        // Text in the first row of a file read without header: most likely a header.
        const int first_row = !m->header && !m->cols && bad == 1 && len > 0;
        m->st = gg_err_set(m->err, GG_EPARSE, "%s:%zu:%zu: %s%s", m->path, m->line, col + 1, what,
                           first_row ? " (a header row? {header = true} skips it)" : "");
        return;
    }
    const size_t at = m->rows * (m->cols ? m->cols : 0) + col;
    if (at + 1 > GG_TENSOR_MAX_NUMEL || grow(&m->x, &m->cap, at, at + 1, sizeof *m->x)) {
        m->st = gg_err_set(m->err, GG_ENOMEM, "%s:%zu: out of memory", m->path, m->line);
        return;
    }
    m->x[at] = (float)v;
}

static void matrix_record(int c, void *data)
{
    (void)c;
    matrix *m = data;
    if (m->st)
        return;
    if (m->skip) {
        m->skip = 0;
    } else if (!m->cols) {
        m->cols = m->field;
        m->first_line = m->line;
        m->rows = 1;
    } else if (m->field != m->cols) {
        m->st = gg_err_set(m->err, GG_EPARSE, "%s:%zu: %zu field%s, expected %zu (as on line %zu)", m->path,
                           m->line, m->field, m->field == 1 ? "" : "s", m->cols, m->first_line);
    } else {
        m->rows++;
    }
    m->field = 0;
}

gg_status gg_csv_matrix(const char *path, int header, float **data, size_t *rows, size_t *cols,
                        gg_err *err)
{
    *data = NULL;
    *rows = *cols = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return gg_err_set(err, GG_EIO, "%s: %s", path, strerror(errno));
    matrix m = {.path = path, .err = err, .header = header != 0, .skip = header != 0, .line = 1};
    struct csv_parser p;
    unsigned char *buf = gg_malloc(CHUNK, 1);
    if (!buf || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        gg_free(buf);
        fclose(fp);
        return gg_err_set(err, GG_ENOMEM, "%s: out of memory", path);
    }
    csv_set_realloc_func(&p, csv_realloc);
    csv_set_free_func(&p, gg_free);
    int first = 1, bad = 0;
    size_t n;
    // Fed line by line, so every callback knows the line it is on.
    while (!m.st && !bad && (n = fread(buf, 1, CHUNK, fp)) > 0) {
        size_t at = 0;
        if (first && n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
            at = 3;  // UTF-8 byte order mark
        first = 0;
        while (at < n && !m.st) {
            const unsigned char *nl = memchr(buf + at, '\n', n - at);
            size_t len = nl ? (size_t)(nl - (buf + at)) + 1 : n - at;
            if (csv_parse(&p, buf + at, len, matrix_field, matrix_record, &m) != len) {
                bad = 1;
                break;
            }
            m.line += nl != NULL;
            at += len;
        }
    }
    int ioerr = ferror(fp), eno = errno;
    if (!m.st && !bad && !ioerr)
        bad = csv_fini(&p, matrix_field, matrix_record, &m) != 0;
    if (!m.st && ioerr)
        m.st = gg_err_set(err, GG_EIO, "%s: %s", path, strerror(eno));
    else if (!m.st && bad)
        m.st = csv_error(&p) == CSV_EPARSE
                   ? gg_err_set(err, GG_EPARSE, "%s:%zu: malformed quoted field", path, m.line)
                   : gg_err_set(err, GG_ENOMEM, "%s: out of memory", path);
    else if (!m.st && m.rows == 0)
        m.st = gg_err_set(err, GG_EPARSE, header ? "%s: has a header but no data rows" : "%s: is empty", path);
    gg_free(buf);
    csv_free(&p);
    fclose(fp);
    if (m.st) {
        gg_free(m.x);
        return m.st;
    }
    *data = m.x;
    *rows = m.rows;
    *cols = m.cols;
    return GG_OK;
}
