/* core/seqdata.c — token datasets: modular arithmetic, synthetic sequence tasks, text
 * windows (see seqdata.h for the layouts and the draw orders). */
#include "seqdata.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

const char *gg_modular_op_name(gg_modular_op op)
{
    switch (op) {
    case GG_MOD_ADD: return "+";
    case GG_MOD_SUB: return "-";
    case GG_MOD_MUL: return "*";
    case GG_MOD_DIV: return "/";
    case GG_MOD_SQSUM: return "x^2+y^2";
    }
    return "?";
}

const char *gg_seq_task_name(gg_seq_task task)
{
    switch (task) {
    case GG_SEQ_COPY: return "copy";
    case GG_SEQ_REVERSE: return "reverse";
    case GG_SEQ_SORT: return "sort";
    case GG_SEQ_PARITY: return "parity";
    case GG_SEQ_RECALL: return "recall";
    }
    return "?";
}

/* ---- modular arithmetic ---- */

/* The smallest factor > 1 of p >= 2 (p itself when p is prime). */
static size_t smallest_factor(size_t p)
{
    for (size_t f = 2; f * f <= p; f++)
        if (p % f == 0)
            return f;
    return p;
}

/* b^e mod p, p <= GG_MODULAR_MAX_P (products stay below 2^24). */
static size_t pow_mod(size_t b, size_t e, size_t p)
{
    size_t r = 1 % p;
    b %= p;
    for (; e; e >>= 1) {
        if (e & 1)
            r = r * b % p;
        b = b * b % p;
    }
    return r;
}

/* Row r of the table (a-major order): operands and answer. */
static void modular_row(const gg_modular_cfg *c, size_t r, size_t *a, size_t *b, size_t *y)
{
    const size_t p = c->p;
    if (c->op == GG_MOD_DIV) {  // b runs over 1..p-1
        *a = r / (p - 1);
        *b = r % (p - 1) + 1;
    } else {
        *a = r / p;
        *b = r % p;
    }
    switch (c->op) {
    case GG_MOD_ADD: *y = (*a + *b) % p; break;
    case GG_MOD_SUB: *y = (*a + p - *b) % p; break;
    case GG_MOD_MUL: *y = *a * *b % p; break;
    case GG_MOD_DIV: *y = *a * pow_mod(*b, p - 2, p) % p; break;  // Fermat: b^(p-2) = b^-1
    case GG_MOD_SQSUM: *y = (*a * *a + *b * *b) % p; break;
    }
}

gg_status gg_data_modular(gg_dataset **train, gg_dataset **val, const gg_modular_cfg *c,
                          gg_rng *rng, gg_err *err)
{
    *train = *val = NULL;
    if (c->p < 2 || c->p > GG_MODULAR_MAX_P)
        return gg_err_set(err, GG_EINVAL, "p must be in 2..%d (p*p rows at most 2^24), got %zu",
                          GG_MODULAR_MAX_P, c->p);
    if (c->op != GG_MOD_ADD && c->op != GG_MOD_SUB && c->op != GG_MOD_MUL &&
        c->op != GG_MOD_DIV && c->op != GG_MOD_SQSUM)
        return gg_err_set(err, GG_EINVAL, "unknown op %d (allowed: +, -, *, /, x^2+y^2)", (int)c->op);
    if (c->op == GG_MOD_DIV) {
        size_t f = smallest_factor(c->p);
        if (f != c->p)
            return gg_err_set(err, GG_EINVAL,
                              "op '/' needs a prime p (b must have an inverse mod p), got %zu = %zu * %zu",
                              c->p, f, c->p / f);
    }
    if (!(c->train_fraction > 0.0 && c->train_fraction < 1.0))
        return gg_err_set(err, GG_EINVAL, "train_fraction must be in (0, 1), got %g",
                          c->train_fraction);
    const size_t p = c->p, n = c->op == GG_MOD_DIV ? p * (p - 1) : p * p;
    const size_t nt = (size_t)floor((double)n * c->train_fraction), nv = n - nt;
    if (nt == 0 || nv == 0)
        return gg_err_set(err, GG_EINVAL, "train_fraction %g of %zu pairs leaves an empty split",
                          c->train_fraction, n);
    size_t *perm = gg_malloc(n, sizeof *perm);
    if (!perm)
        return gg_err_set(err, GG_ENOMEM, "out of memory permuting %zu pairs", n);
    gg_status st;
    if ((st = gg_dataset_new(train, nt, 3, 1, p, err)) ||
        (st = gg_dataset_new(val, nv, 3, 1, p, err)) ||
        (st = gg_dataset_set_tokens(*train, GG_TOKENS_IDS, p + 1, NULL, err)) ||
        (st = gg_dataset_set_tokens(*val, GG_TOKENS_IDS, p + 1, NULL, err))) {
        gg_dataset_free(*train);
        gg_dataset_free(*val);
        *train = *val = NULL;
        gg_free(perm);
        return st;
    }
    gg_rng_permutation(rng, perm, n);
    for (size_t i = 0; i < n; i++) {
        gg_dataset *ds = i < nt ? *train : *val;
        const size_t row = i < nt ? i : i - nt;
        float *x = gg_dataset_x(ds).data + row * 3, *y = gg_dataset_y(ds).data + row;
        size_t a, b, ans = 0;
        modular_row(c, perm[i], &a, &b, &ans);
        x[0] = (float)a;
        x[1] = (float)b;
        x[2] = (float)p;  // "="
        *y = (float)ans;
    }
    gg_free(perm);
    return GG_OK;
}

/* ---- synthetic sequence tasks ---- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The checks of gg_data_sequence, before anything is allocated. */
static gg_status sequence_check(const gg_sequence_cfg *c, gg_err *err)
{
    const char *name = gg_seq_task_name(c->task);
    if (name[0] == '?')
        return gg_err_set(err, GG_EINVAL, "unknown task %d (allowed: copy, reverse, sort, parity, recall)",
                          (int)c->task);
    if (c->n == 0)
        return gg_err_set(err, GG_EINVAL, "n must be >= 1, got 0");
    if (c->length == 0)
        return gg_err_set(err, GG_EINVAL, "length must be >= 1, got 0");
    if (c->vocab < 2 || c->vocab > GG_SEQ_MAX_VOCAB)
        return gg_err_set(err, GG_EINVAL, "vocab must be in 2..%zu, got %zu", GG_SEQ_MAX_VOCAB,
                          c->vocab);
    if (c->task == GG_SEQ_PARITY && c->vocab != 2)
        return gg_err_set(err, GG_EINVAL, "parity: vocab must be 2 (bits), got %zu", c->vocab);
    if (c->task == GG_SEQ_RECALL) {
        if (c->length < 3 || c->length % 2 == 0)
            return gg_err_set(err, GG_EINVAL,
                              "recall: length must be odd and >= 3 (key-value pairs, then a query), got %zu",
                              c->length);
        size_t pairs = (c->length - 1) / 2;
        if (c->vocab / 2 < pairs)
            return gg_err_set(err, GG_EINVAL,
                              "recall: length %zu holds %zu key-value pairs with distinct keys, which needs vocab >= %zu (half keys, half values), got %zu",
                              c->length, pairs, 2 * pairs, c->vocab);
    }
    return GG_OK;
}

gg_status gg_data_sequence(gg_dataset **out, const gg_sequence_cfg *c, gg_rng *rng,
                           gg_err *err)
{
    *out = NULL;
    gg_status st = sequence_check(c, err);
    if (st)
        return st;
    const size_t n = c->n, L = c->length, V = c->vocab;
    const int per_position = c->task == GG_SEQ_COPY || c->task == GG_SEQ_REVERSE ||
                             c->task == GG_SEQ_SORT;
    const size_t classes = c->task == GG_SEQ_PARITY ? 2 : V;
    const size_t keys = V / 2, pairs = (L - 1) / 2;
    size_t *key = NULL;  // recall: the key table the partial Fisher-Yates steps permute
    if (c->task == GG_SEQ_RECALL) {
        if (!(key = gg_malloc(keys, sizeof *key)))
            return gg_err_set(err, GG_ENOMEM, "out of memory for %zu recall keys", keys);
        for (size_t i = 0; i < keys; i++)
            key[i] = i;
    }
    gg_dataset *ds;
    if ((st = gg_dataset_new(&ds, n, L, per_position ? L : 1, classes, err)) ||
        (st = gg_dataset_set_tokens(ds, GG_TOKENS_IDS, V, NULL, err))) {
        gg_free(key);
        return st;
    }
    float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
    for (size_t r = 0; r < n; r++) {
        float *x = X + r * L;
        if (c->task == GG_SEQ_RECALL) {
            for (size_t i = 0; i < pairs; i++) {
                size_t j = i + (size_t)gg_rng_below(rng, keys - i), t = key[i];
                key[i] = key[j];
                key[j] = t;
                x[2 * i] = (float)key[i];
                x[2 * i + 1] = (float)(keys + gg_rng_below(rng, V - keys));
            }
            size_t q = (size_t)gg_rng_below(rng, pairs);
            x[L - 1] = x[2 * q];
            Y[r] = x[2 * q + 1];
            continue;
        }
        for (size_t t = 0; t < L; t++)
            x[t] = (float)gg_rng_below(rng, V);
        float *y = Y + r * (per_position ? L : 1);
        switch (c->task) {
        case GG_SEQ_COPY:
            memcpy(y, x, L * sizeof *y);
            break;
        case GG_SEQ_REVERSE:
            for (size_t t = 0; t < L; t++)
                y[t] = x[L - 1 - t];
            break;
        case GG_SEQ_SORT:
            memcpy(y, x, L * sizeof *y);
            qsort(y, L, sizeof *y, cmp_float);
            break;
        case GG_SEQ_PARITY: {
            size_t ones = 0;
            for (size_t t = 0; t < L; t++)
                ones += x[t] == 1.0f;
            *y = (float)(ones % 2);
            break;
        }
        case GG_SEQ_RECALL:
            break;
        }
    }
    gg_free(key);
    *out = ds;
    return GG_OK;
}

/* ---- text ---- */

/* Code points 0..0x10FFFF as bits; a word's prefix count gives each present one its id. */
enum { CP_LIMIT = 0x110000, CP_WORDS = CP_LIMIT / 64, CHECK_EVERY = 64 };

typedef struct charmap {
    uint64_t bits[CP_WORDS];   /* bit c set when code point c occurs */
    uint32_t before[CP_WORDS]; /* set bits in the words before this one */
} charmap;

/* The id of a present code point: set bits below it. */
static size_t char_id(const charmap *m, uint32_t cp)
{
    uint64_t below = m->bits[cp / 64] & ((UINT64_C(1) << (cp % 64)) - 1);
    return m->before[cp / 64] + (size_t)__builtin_popcountll(below);
}

/* Decode one strict UTF-8 character of s[0..len) (no overlongs, surrogates or values
 * above U+10FFFF) into *cp; returns its byte count 1..4, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    const unsigned char b = s[0];
    size_t need;
    uint32_t v, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        need = 2, v = b & 0x1Fu, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 3, v = b & 0x0Fu, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 4, v = b & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v >= CP_LIMIT || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return need;
}

/* Bytes of the (already validated) character starting with lead byte b. */
static size_t utf8_len(unsigned char b)
{
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

/* Write code point cp as UTF-8 to out; returns the byte count. */
static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The tokens of a text: its bytes, or its characters with a byte offset every
 * CHECK_EVERY characters so a window's start is found in at most CHECK_EVERY steps. */
typedef struct tokens {
    const unsigned char *text;
    size_t len;       /* bytes */
    size_t count;     /* tokens T */
    int chars;        /* 1: character level */
    charmap *map;     /* chars: code points present and their ids */
    size_t *check;    /* chars: check[i] = byte offset of character i * CHECK_EVERY */
} tokens;

/* Scan the text at character level: validate, count, map, checkpoints. */
static gg_status scan_chars(tokens *tk, const char *name, gg_err *err)
{
    size_t ncheck = tk->len / CHECK_EVERY + 1;  // characters <= bytes
    tk->map = gg_calloc(1, sizeof *tk->map);
    tk->check = gg_malloc(ncheck, sizeof *tk->check);
    if (!tk->map || !tk->check)
        return gg_err_set(err, GG_ENOMEM, "%s: out of memory indexing %zu bytes", name, tk->len);
    size_t count = 0;
    for (size_t at = 0; at < tk->len; count++) {
        uint32_t cp;
        size_t k = utf8_decode(tk->text + at, tk->len - at, &cp);
        if (!k)
            return gg_err_set(err, GG_EPARSE,
                              "%s: invalid UTF-8 at byte %zu (level 'char' reads UTF-8 text; level 'byte' reads any file)",
                              name, at);
        if (count % CHECK_EVERY == 0)
            tk->check[count / CHECK_EVERY] = at;
        tk->map->bits[cp / 64] |= UINT64_C(1) << (cp % 64);
        at += k;
    }
    uint32_t seen = 0;
    for (size_t w = 0; w < CP_WORDS; w++) {
        tk->map->before[w] = seen;
        seen += (uint32_t)__builtin_popcountll(tk->map->bits[w]);
    }
    tk->count = count;
    return GG_OK;
}

/* Ids of the L + 1 tokens from token index o into ids. */
static void window_ids(const tokens *tk, size_t o, size_t L, uint32_t *ids)
{
    if (!tk->chars) {
        for (size_t t = 0; t <= L; t++)
            ids[t] = tk->text[o + t];
        return;
    }
    size_t at = tk->check[o / CHECK_EVERY];
    for (size_t skip = o % CHECK_EVERY; skip; skip--)
        at += utf8_len(tk->text[at]);
    for (size_t t = 0; t <= L; t++) {
        uint32_t cp = 0;  // the scan validated the text: the decode succeeds
        at += utf8_decode(tk->text + at, tk->len - at, &cp);
        ids[t] = (uint32_t)char_id(tk->map, cp);
    }
}

/* Fill ds's n windows from offsets first + below(span) (drawn now, in row order). */
static void fill_windows(gg_dataset *ds, const tokens *tk, size_t first, size_t span, size_t L,
                         uint32_t *ids, gg_rng *rng)
{
    float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
    for (size_t r = 0, n = gg_dataset_n(ds); r < n; r++) {
        window_ids(tk, first + (size_t)gg_rng_below(rng, span), L, ids);
        for (size_t t = 0; t < L; t++) {
            X[r * L + t] = (float)ids[t];
            Y[r * L + t] = (float)ids[t + 1];
        }
    }
}

/* The code points present in the map, ascending, into a new array of *count. */
static uint32_t *charmap_list(const charmap *m, size_t *count)
{
    size_t n = m->before[CP_WORDS - 1] + (size_t)__builtin_popcountll(m->bits[CP_WORDS - 1]);
    uint32_t *cp = gg_malloc(n ? n : 1, sizeof *cp);
    if (!cp)
        return NULL;
    size_t k = 0;
    for (size_t w = 0; w < CP_WORDS; w++)
        for (uint64_t b = m->bits[w]; b; b &= b - 1)
            cp[k++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(b));
    *count = n;
    return cp;
}

gg_status gg_data_text_mem(gg_dataset **train, gg_dataset **val, const unsigned char *text,
                           size_t len, const char *name, const gg_text_cfg *c, gg_rng *rng,
                           gg_err *err)
{
    *train = *val = NULL;
    if (c->context == 0)
        return gg_err_set(err, GG_EINVAL, "%s: context must be >= 1, got 0", name);
    if (!(c->split > 0.0 && c->split < 1.0))
        return gg_err_set(err, GG_EINVAL, "%s: split must be in (0, 1), got %g", name, c->split);
    if (c->level != GG_TEXT_BYTE && c->level != GG_TEXT_CHAR)
        return gg_err_set(err, GG_EINVAL, "%s: unknown level %d (allowed: byte, char)", name,
                          (int)c->level);
    if (len == 0)
        return gg_err_set(err, GG_EINVAL, "%s: is empty", name);
    tokens tk = {.text = text, .len = len, .count = len, .chars = c->level == GG_TEXT_CHAR};
    uint32_t *ids = NULL, *cps = NULL;
    size_t vocab = 256;
    gg_status st = GG_OK;
    if (tk.chars) {
        if ((st = scan_chars(&tk, name, err)))
            goto done;
        if (!(cps = charmap_list(tk.map, &vocab))) {
            st = gg_err_set(err, GG_ENOMEM, "%s: out of memory for the character table", name);
            goto done;
        }
    }
    const size_t L = c->context, T = tk.count;
    const size_t Tt = (size_t)floor((double)T * c->split), Tv = T - Tt;
    const char *level = tk.chars ? "characters" : "bytes";
    if (Tt < L + 1 || Tv < L + 1) {
        st = gg_err_set(err, GG_EINVAL,
                        "%s: the %s part has %zu %s (split %g of %zu), fewer than context + 1 = %zu",
                        name, Tt < L + 1 ? "training" : "validation", Tt < L + 1 ? Tt : Tv, level,
                        c->split, T, L + 1);
        goto done;
    }
    const size_t nt = c->n ? c->n : Tt / L, nv = c->val_n ? c->val_n : Tv / L;
    if ((st = gg_dataset_new(train, nt, L, L, vocab, err)) ||
        (st = gg_dataset_new(val, nv, L, L, vocab, err)) ||
        (st = gg_dataset_set_tokens(*train, tk.chars ? GG_TOKENS_CHARS : GG_TOKENS_BYTES, vocab,
                                    cps, err)) ||
        (st = gg_dataset_set_tokens(*val, tk.chars ? GG_TOKENS_CHARS : GG_TOKENS_BYTES, vocab,
                                    cps, err)))
        goto done;
    if (!(ids = gg_malloc(L + 1, sizeof *ids))) {
        st = gg_err_set(err, GG_ENOMEM, "%s: out of memory for a window of %zu tokens", name, L + 1);
        goto done;
    }
    fill_windows(*train, &tk, 0, Tt - L, L, ids, rng);
    fill_windows(*val, &tk, Tt, Tv - L, L, ids, rng);
done:
    if (st) {
        gg_dataset_free(*train);
        gg_dataset_free(*val);
        *train = *val = NULL;
    }
    gg_free(ids);
    gg_free(cps);
    gg_free(tk.map);
    gg_free(tk.check);
    return st;
}

/* Read the whole file at path into a new buffer *buf of *len bytes (read once, the buffer
 * doubling as it fills). */
static gg_status read_file(const char *path, unsigned char **buf, size_t *len, gg_err *err)
{
    *buf = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return gg_err_set(err, GG_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *b = gg_malloc(cap, 1);
    if (!b) {
        fclose(fp);
        return gg_err_set(err, GG_ENOMEM, "%s: out of memory reading the file", path);
    }
    errno = 0;
    while ((got = fread(b + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *nb = cap <= SIZE_MAX / 2 ? gg_realloc(b, cap * 2, 1) : NULL;
            if (!nb) {
                gg_free(b);
                fclose(fp);
                return gg_err_set(err, GG_ENOMEM, "%s: out of memory reading more than %zu bytes",
                                  path, n);
            }
            b = nb;
            cap *= 2;
        }
    }
    if (ferror(fp)) {
        int e = errno ? errno : EIO;
        gg_free(b);
        fclose(fp);
        return gg_err_set(err, GG_EIO, "%s: %s", path, strerror(e));
    }
    fclose(fp);
    *buf = b;
    *len = n;
    return GG_OK;
}

gg_status gg_data_text(gg_dataset **train, gg_dataset **val, const char *path,
                       const gg_text_cfg *c, gg_rng *rng, gg_err *err)
{
    *train = *val = NULL;
    unsigned char *text;
    size_t len;
    gg_status st = read_file(path, &text, &len, err);
    if (st)
        return st;
    st = gg_data_text_mem(train, val, text, len, path, c, rng, err);
    gg_free(text);
    return st;
}

gg_status gg_text_decode(const gg_dataset *ds, const float *ids, size_t n, char *out,
                         size_t *len, gg_err *err)
{
    size_t vocab;
    const uint32_t *chars;
    gg_token_kind kind = gg_dataset_tokens(ds, &vocab, &chars);
    *len = 0;
    if (kind != GG_TOKENS_BYTES && kind != GG_TOKENS_CHARS)
        return gg_err_set(err, GG_EINVAL, "decoding needs a text dataset (bytes or characters), this one %s",
                          kind == GG_TOKENS_IDS ? "has token ids without text" : "is not token data");
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        float v = ids[i];
        if (!(v >= 0.0f && v < (float)vocab && v == floorf(v)))
            return gg_err_set(err, GG_EINVAL, "ids[%zu] = %g is not a token id in 0..%zu", i + 1,
                              (double)v, vocab - 1);
        if (chars)
            at += utf8_encode(chars[(size_t)v], out + at);
        else
            out[at++] = (char)(unsigned char)v;
    }
    *len = at;
    return GG_OK;
}

gg_status gg_tokens_check(gg_dataset *ds, size_t vocab, gg_err *err)
{
    if (vocab > GG_SEQ_MAX_VOCAB)
        return gg_err_set(err, GG_EINVAL, "vocab must be <= %zu, got %zu", GG_SEQ_MAX_VOCAB, vocab);
    const size_t n = gg_dataset_n(ds), d = gg_dataset_d(ds);
    const float limit = (float)(vocab ? vocab : GG_SEQ_MAX_VOCAB);
    const float *X = gg_dataset_x(ds).data;
    float top = 0.0f;
    for (size_t i = 0; i < n * d; i++) {
        float v = X[i];
        if (!(v >= 0.0f && v < limit && v == floorf(v))) {
            if (vocab)
                return gg_err_set(err, GG_EINVAL, "row %zu, feature %zu: %g is not a token id in 0..%zu",
                                  i / d + 1, i % d + 1, (double)v, vocab - 1);
            return gg_err_set(err, GG_EINVAL, "row %zu, feature %zu: %g is not a token id (an integer in 0..%zu)",
                              i / d + 1, i % d + 1, (double)v, GG_SEQ_MAX_VOCAB - 1);
        }
        top = v > top ? v : top;
    }
    return gg_dataset_set_tokens(ds, GG_TOKENS_IDS, vocab ? vocab : (size_t)top + 1, NULL, err);
}
