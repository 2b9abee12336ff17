/* tests/test_seqdata.c — token datasets (core/seqdata.h): the modular table (every pair
 * exactly once across train and val, answers of every op, the documented permutation),
 * the sequence tasks against a naive twin drawing from the same stream, text windows
 * against the text (bytes and UTF-8 characters, parts never crossed, the documented
 * offsets), decoding, the token marking kept by row selection, pinned checksums, and
 * every error path with its message. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "data.h"
#include "rng.h"
#include "seqdata.h"

/* FNV-1a 64 of the bytes of X then Y. */
static uint64_t checksum(gg_dataset *ds)
{
    uint64_t h = 0xcbf29ce484222325u;
    gg_tensor t[2] = {gg_dataset_x(ds), gg_dataset_y(ds)};
    for (int k = 0; k < 2; k++) {
        const unsigned char *b = (const unsigned char *)t[k].data;
        for (size_t i = 0; i < t[k].rows * t[k].cols * sizeof(float); i++)
            h = (h ^ b[i]) * 0x100000001b3u;
    }
    return h;
}

static int same_data(gg_dataset *a, gg_dataset *b)
{
    return gg_dataset_n(a) == gg_dataset_n(b) && gg_dataset_d(a) == gg_dataset_d(b) &&
           gg_dataset_k(a) == gg_dataset_k(b) && checksum(a) == checksum(b);
}

/* ---- modular arithmetic ---- */

static gg_status modular(gg_dataset **tr, gg_dataset **va, size_t p, gg_modular_op op,
                         double frac, uint64_t seed, gg_err *err)
{
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_modular_cfg c = {.p = p, .op = op, .train_fraction = frac};
    return gg_data_modular(tr, va, &c, &r, err);
}

/* (a op b) mod p by the definition, slowly: the quotient by search. */
static long answer(long a, long b, long p, gg_modular_op op)
{
    switch (op) {
    case GG_MOD_ADD: return (a + b) % p;
    case GG_MOD_SUB: return ((a - b) % p + p) % p;
    case GG_MOD_MUL: return a * b % p;
    case GG_MOD_SQSUM: return (a * a + b * b) % p;
    case GG_MOD_DIV:
        for (long q = 0; q < p; q++)
            if (q * b % p == a)
                return q;
    }
    return -1;
}

static void test_modular_table(void)
{
    const gg_modular_op ops[5] = {GG_MOD_ADD, GG_MOD_SUB, GG_MOD_MUL, GG_MOD_DIV, GG_MOD_SQSUM};
    const size_t p = 11;
    for (int o = 0; o < 5; o++) {
        gg_dataset *tr, *va;
        gg_err err;
        char name[64];
        snprintf(name, sizeof name, "op %s generates", gg_modular_op_name(ops[o]));
        if (!CHECK(name, modular(&tr, &va, p, ops[o], 0.3, 5, &err) == GG_OK)) {
            printf("    %s\n", err.msg);
            continue;
        }
        const size_t n = ops[o] == GG_MOD_DIV ? p * (p - 1) : p * p;
        const size_t nt = (size_t)floor((double)n * 0.3);
        CHECK_EQ("train rows floor(n * fraction)", gg_dataset_n(tr), nt);
        CHECK_EQ("val rows the rest", gg_dataset_n(va), n - nt);
        CHECK("x (n,3), y (n,1), p classes", gg_dataset_d(tr) == 3 && gg_dataset_k(tr) == 1 &&
                                                 gg_dataset_classes(tr) == p &&
                                                 gg_dataset_classes(va) == p);
        size_t vocab;
        CHECK("token ids, vocab p + 1", gg_dataset_tokens(tr, &vocab, NULL) == GG_TOKENS_IDS &&
                                            vocab == p + 1 &&
                                            gg_dataset_tokens(va, NULL, NULL) == GG_TOKENS_IDS);
        int seen[11][11] = {{0}}, answers_ok = 1, eq_ok = 1;
        gg_dataset *part[2] = {tr, va};
        for (int s = 0; s < 2; s++) {
            const float *X = gg_dataset_x(part[s]).data, *Y = gg_dataset_y(part[s]).data;
            for (size_t i = 0; i < gg_dataset_n(part[s]); i++) {
                long a = (long)X[3 * i], b = (long)X[3 * i + 1];
                seen[a][b]++;
                answers_ok &= (long)Y[i] == answer(a, b, (long)p, ops[o]) && Y[i] == floorf(Y[i]);
                eq_ok &= X[3 * i + 2] == (float)p;
            }
        }
        int once = 1;
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++)
                once &= seen[a][b] == (ops[o] == GG_MOD_DIV && b == 0 ? 0 : 1);
        CHECK("every pair exactly once across train and val", once);
        CHECK("y = (a op b) mod p", answers_ok);
        CHECK("third token is '=' (id p)", eq_ok);
        gg_dataset_free(tr);
        gg_dataset_free(va);
    }
}

static void test_modular_order(void)
{
    // The documented order: permutation of the a-major table, first nt rows to train.
    gg_dataset *tr, *va;
    gg_err err;
    CHECK("p 7 generates", modular(&tr, &va, 7, GG_MOD_ADD, 0.5, 42, &err) == GG_OK);
    gg_rng r;
    gg_rng_seed(&r, 42);
    size_t perm[49];
    gg_rng_permutation(&r, perm, 49);
    int ok = gg_dataset_n(tr) == 24;
    for (size_t i = 0; ok && i < 49; i++) {
        gg_dataset *ds = i < 24 ? tr : va;
        const float *x = gg_dataset_x(ds).data + 3 * (i < 24 ? i : i - 24);
        ok = x[0] == (float)(perm[i] / 7) && x[1] == (float)(perm[i] % 7);
    }
    CHECK("rows follow gg_rng_permutation of the a-major table", ok);
    const float *x = gg_dataset_x(tr).data, *y = gg_dataset_y(tr).data;
    // Pinned: the first training row of seed 42 (same on every machine).
    CHECK("first row pinned", x[0] == (float)(perm[0] / 7) && y[0] == (float)((perm[0] / 7 + perm[0] % 7) % 7));
    CHECK_EQ_U64("train checksum pinned", checksum(tr), 0xc80d334958c9faf5u);
    gg_dataset *tr2, *va2, *tr3, *va3;
    modular(&tr2, &va2, 7, GG_MOD_ADD, 0.5, 42, &err);
    modular(&tr3, &va3, 7, GG_MOD_ADD, 0.5, 43, &err);
    CHECK("same seed, same bytes", same_data(tr, tr2) && same_data(va, va2));
    CHECK("another seed, another split", !same_data(tr, tr3));
    gg_dataset_free(tr);
    gg_dataset_free(va);
    gg_dataset_free(tr2);
    gg_dataset_free(va2);
    gg_dataset_free(tr3);
    gg_dataset_free(va3);
    CHECK("p 4096 fits", modular(&tr, &va, GG_MODULAR_MAX_P, GG_MOD_MUL, 0.01, 1, &err) == GG_OK &&
                             gg_dataset_n(tr) + gg_dataset_n(va) == (size_t)1 << 24);
    gg_dataset_free(tr);
    gg_dataset_free(va);
}

static void test_modular_errors(void)
{
    gg_dataset *tr = (gg_dataset *)1, *va = (gg_dataset *)1;
    gg_err err;
    CHECK_EQ("p 1", modular(&tr, &va, 1, GG_MOD_ADD, 0.3, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("p 1 message", err.msg, "p must be in 2..4096 (p*p rows at most 2^24), got 1");
    CHECK("outputs NULL on failure", tr == NULL && va == NULL);
    CHECK_EQ("p too large", modular(&tr, &va, 4097, GG_MOD_ADD, 0.3, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("p too large message", err.msg, "got 4097");
    CHECK_EQ("unknown op", modular(&tr, &va, 7, (gg_modular_op)9, 0.3, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("unknown op message", err.msg, "unknown op 9 (allowed: +, -, *, /, x^2+y^2)");
    CHECK_EQ("division by a composite", modular(&tr, &va, 91, GG_MOD_DIV, 0.3, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("composite named", err.msg, "op '/' needs a prime p (b must have an inverse mod p), got 91 = 7 * 13");
    CHECK_EQ("division mod 4", modular(&tr, &va, 4, GG_MOD_DIV, 0.5, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("4 = 2 * 2", err.msg, "got 4 = 2 * 2");
    CHECK_EQ("other ops take a composite", modular(&tr, &va, 91, GG_MOD_MUL, 0.3, 0, &err), GG_OK);
    gg_dataset_free(tr);
    gg_dataset_free(va);
    const double bad[4] = {0.0, 1.0, -0.5, NAN};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ("fraction outside (0, 1)", modular(&tr, &va, 7, GG_MOD_ADD, bad[i], 0, &err), GG_EINVAL);
        CHECK_CONTAINS("fraction message", err.msg, "train_fraction must be in (0, 1), got");
    }
    CHECK_EQ("empty side", modular(&tr, &va, 2, GG_MOD_DIV, 0.3, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("empty side message", err.msg, "train_fraction 0.3 of 2 pairs leaves an empty split");
    CHECK_EQ("p 2, '/': 1 and 1", modular(&tr, &va, 2, GG_MOD_DIV, 0.5, 0, &err), GG_OK);
    CHECK("p 2, '/': rows (0,1) and (1,1)", gg_dataset_n(tr) == 1 && gg_dataset_n(va) == 1);
    gg_dataset_free(tr);
    gg_dataset_free(va);
}

/* ---- sequence tasks ---- */

static gg_status sequence(gg_dataset **out, gg_seq_task task, size_t n, size_t L, size_t V,
                          uint64_t seed, gg_err *err)
{
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_sequence_cfg c = {.task = task, .n = n, .length = L, .vocab = V};
    return gg_data_sequence(out, &c, &r, err);
}

/* The naive twin: row r of x and y drawn as seqdata.h documents, from the same stream. */
static void twin_row(gg_seq_task task, size_t L, size_t V, gg_rng *r, size_t *keytab, long *x,
                     long *y)
{
    if (task == GG_SEQ_RECALL) {
        size_t keys = V / 2, pairs = (L - 1) / 2;
        for (size_t i = 0; i < pairs; i++) {
            size_t j = i + gg_rng_below(r, keys - i), t = keytab[i];
            keytab[i] = keytab[j];
            keytab[j] = t;
            x[2 * i] = (long)keytab[i];
            x[2 * i + 1] = (long)(keys + gg_rng_below(r, V - keys));
        }
        size_t q = gg_rng_below(r, pairs);
        x[L - 1] = x[2 * q];
        y[0] = x[2 * q + 1];
        return;
    }
    for (size_t t = 0; t < L; t++)
        x[t] = (long)gg_rng_below(r, V);
    long ones = 0;
    switch (task) {
    case GG_SEQ_COPY:
        for (size_t t = 0; t < L; t++)
            y[t] = x[t];
        break;
    case GG_SEQ_REVERSE:
        for (size_t t = 0; t < L; t++)
            y[t] = x[L - 1 - t];
        break;
    case GG_SEQ_SORT:  // counting sort, another algorithm than the core's qsort
        for (long v = 0, k = 0; v < (long)V; v++)
            for (size_t t = 0; t < L; t++)
                if (x[t] == v)
                    y[k++] = v;
        break;
    case GG_SEQ_PARITY:
        for (size_t t = 0; t < L; t++)
            ones += x[t];
        y[0] = ones % 2;
        break;
    default:
        break;
    }
}

static void test_sequence_twin(void)
{
    const struct {
        gg_seq_task task;
        size_t L, V, k, classes;
    } cases[] = {
        {GG_SEQ_COPY, 6, 10, 6, 10},     {GG_SEQ_REVERSE, 7, 5, 7, 5},
        {GG_SEQ_SORT, 9, 4, 9, 4},       {GG_SEQ_PARITY, 11, 2, 1, 2},
        {GG_SEQ_RECALL, 9, 16, 1, 16},   {GG_SEQ_RECALL, 7, 6, 1, 6},
        {GG_SEQ_RECALL, 3, 2, 1, 2},     {GG_SEQ_COPY, 1, 2, 1, 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const size_t n = 50, L = cases[c].L, V = cases[c].V;
        gg_dataset *ds;
        gg_err err;
        char name[96];
        snprintf(name, sizeof name, "%s L=%zu V=%zu generates", gg_seq_task_name(cases[c].task), L, V);
        if (!CHECK(name, sequence(&ds, cases[c].task, n, L, V, 3, &err) == GG_OK)) {
            printf("    %s\n", err.msg);
            continue;
        }
        size_t vocab;
        CHECK("shape: x (n,L), y (n,k), classes", gg_dataset_n(ds) == n && gg_dataset_d(ds) == L &&
                                                      gg_dataset_k(ds) == cases[c].k &&
                                                      gg_dataset_classes(ds) == cases[c].classes);
        CHECK("token ids, vocab V", gg_dataset_tokens(ds, &vocab, NULL) == GG_TOKENS_IDS && vocab == V);
        gg_rng r;
        gg_rng_seed(&r, 3);
        size_t keytab[64];
        for (size_t i = 0; i < 64; i++)
            keytab[i] = i;
        long x[16], y[16];
        const float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
        int same = 1, recall_ok = 1;
        for (size_t i = 0; i < n; i++) {
            twin_row(cases[c].task, L, V, &r, keytab, x, y);
            for (size_t t = 0; t < L; t++)
                same &= X[i * L + t] == (float)x[t];
            for (size_t t = 0; t < cases[c].k; t++)
                same &= Y[i * cases[c].k + t] == (float)y[t];
            if (cases[c].task == GG_SEQ_RECALL) {
                // Keys distinct and below V/2, values from V/2 up, the query one of the keys.
                int query_found = 0;
                for (size_t a = 0; a + 1 < L; a += 2) {
                    recall_ok &= X[i * L + a] < (float)(V / 2) && X[i * L + a + 1] >= (float)(V / 2) &&
                                 X[i * L + a + 1] < (float)V;
                    for (size_t b = a + 2; b + 1 < L; b += 2)
                        recall_ok &= X[i * L + a] != X[i * L + b];
                    if (X[i * L + a] == X[i * L + L - 1]) {
                        query_found = 1;
                        recall_ok &= Y[i] == X[i * L + a + 1];
                    }
                }
                recall_ok &= query_found;
            }
        }
        CHECK("exact contents: the naive twin draws the same", same);
        if (cases[c].task == GG_SEQ_RECALL)
            CHECK("recall: distinct keys, values above, y the queried key's value", recall_ok);
        gg_dataset_free(ds);
    }
}

static void test_sequence_pinned(void)
{
    gg_dataset *ds;
    gg_err err;
    sequence(&ds, GG_SEQ_COPY, 2, 4, 10, 0, &err);
    const float *X = gg_dataset_x(ds).data;
    gg_rng r;
    gg_rng_seed(&r, 0);
    int ok = 1;
    for (int i = 0; i < 8; i++)
        ok &= X[i] == (float)gg_rng_below(&r, 10);
    CHECK("copy: tokens are gg_rng_below(V) in row order", ok);
    gg_dataset_free(ds);
    const gg_seq_task tasks[5] = {GG_SEQ_COPY, GG_SEQ_REVERSE, GG_SEQ_SORT, GG_SEQ_PARITY, GG_SEQ_RECALL};
    const uint64_t want[5] = {0x835b113b355b0725u, 0xfd2b07dd0e068ec5u, 0xe765b37c0a9e8975u,
                              0x49c37b51a7ba16c5u, 0x494fdac80d96e87bu};
    for (int t = 0; t < 5; t++) {
        sequence(&ds, tasks[t], 20, 9, tasks[t] == GG_SEQ_PARITY ? 2 : 12, 7, &err);
        char name[64];
        snprintf(name, sizeof name, "%s checksum pinned", gg_seq_task_name(tasks[t]));
        CHECK_EQ_U64(name, checksum(ds), want[t]);
        gg_dataset *again;
        sequence(&again, tasks[t], 20, 9, tasks[t] == GG_SEQ_PARITY ? 2 : 12, 7, &err);
        CHECK("same seed, same bytes", same_data(ds, again));
        gg_dataset_free(again);
        gg_dataset_free(ds);
    }
}

static void test_sequence_errors(void)
{
    gg_dataset *ds = (gg_dataset *)1;
    gg_err err;
    CHECK_EQ("n 0", sequence(&ds, GG_SEQ_COPY, 0, 4, 10, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("n message", err.msg, "n must be >= 1, got 0");
    CHECK("out NULL on failure", ds == NULL);
    CHECK_EQ("length 0", sequence(&ds, GG_SEQ_SORT, 5, 0, 10, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("length message", err.msg, "length must be >= 1, got 0");
    CHECK_EQ("vocab 1", sequence(&ds, GG_SEQ_COPY, 5, 4, 1, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("vocab message", err.msg, "vocab must be in 2..16777216, got 1");
    CHECK_EQ("vocab 2^24 + 1", sequence(&ds, GG_SEQ_COPY, 5, 4, ((size_t)1 << 24) + 1, 0, &err), GG_EINVAL);
    CHECK_EQ("unknown task", sequence(&ds, (gg_seq_task)7, 5, 4, 10, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("unknown task message", err.msg, "unknown task 7 (allowed: copy, reverse, sort, parity, recall)");
    CHECK_EQ("parity vocab 3", sequence(&ds, GG_SEQ_PARITY, 5, 4, 3, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("parity message", err.msg, "parity: vocab must be 2 (bits), got 3");
    CHECK_EQ("recall even length", sequence(&ds, GG_SEQ_RECALL, 5, 8, 16, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("recall length message", err.msg, "recall: length must be odd and >= 3 (key-value pairs, then a query), got 8");
    CHECK_EQ("recall length 1", sequence(&ds, GG_SEQ_RECALL, 5, 1, 16, 0, &err), GG_EINVAL);
    CHECK_EQ("recall too few keys", sequence(&ds, GG_SEQ_RECALL, 5, 21, 19, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("recall keys message", err.msg,
                   "recall: length 21 holds 10 key-value pairs with distinct keys, which needs vocab >= 20 (half keys, half values), got 19");
    CHECK_EQ("recall: vocab 20 is enough", sequence(&ds, GG_SEQ_RECALL, 5, 21, 20, 0, &err), GG_OK);
    gg_dataset_free(ds);
    CHECK_EQ("too many values", sequence(&ds, GG_SEQ_COPY, (size_t)1 << 20, (size_t)1 << 12, 10, 0, &err), GG_EINVAL);
    CHECK("out NULL", ds == NULL);
}

/* ---- text ---- */

static gg_status text(gg_dataset **tr, gg_dataset **va, const char *s, size_t len, size_t L,
                      double split, gg_text_level level, size_t n, size_t val_n, uint64_t seed,
                      gg_err *err)
{
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_text_cfg c = {.context = L, .split = split, .level = level, .n = n, .val_n = val_n};
    return gg_data_text_mem(tr, va, (const unsigned char *)s, len, "t.txt", &c, &r, err);
}

static void test_text_bytes(void)
{
    // 200 distinct bytes, so a window's first token is its offset.
    unsigned char buf[200];
    for (int i = 0; i < 200; i++)
        buf[i] = (unsigned char)(i + 30);
    gg_dataset *tr, *va;
    gg_err err;
    if (!CHECK("bytes generate", text(&tr, &va, (const char *)buf, 200, 8, 0.75, GG_TEXT_BYTE, 0, 0, 9, &err) == GG_OK)) {
        printf("    %s\n", err.msg);
        return;
    }
    CHECK_EQ("n defaults to floor(150 / 8)", gg_dataset_n(tr), 18);
    CHECK_EQ("val_n defaults to floor(50 / 8)", gg_dataset_n(va), 6);
    CHECK("x (n, L), y (n, L), 256 classes", gg_dataset_d(tr) == 8 && gg_dataset_k(tr) == 8 &&
                                                 gg_dataset_classes(tr) == 256);
    size_t vocab;
    CHECK("byte tokens", gg_dataset_tokens(va, &vocab, NULL) == GG_TOKENS_BYTES && vocab == 256);
    gg_rng r;
    gg_rng_seed(&r, 9);
    int ok = 1;
    gg_dataset *part[2] = {tr, va};
    for (int s = 0; s < 2; s++) {
        const float *X = gg_dataset_x(part[s]).data, *Y = gg_dataset_y(part[s]).data;
        for (size_t i = 0; i < gg_dataset_n(part[s]); i++) {
            size_t o = (s ? 150 : 0) + gg_rng_below(&r, s ? 50 - 8 : 150 - 8);
            for (size_t t = 0; t < 8; t++)
                ok &= X[i * 8 + t] == (float)buf[o + t] && Y[i * 8 + t] == (float)buf[o + t + 1];
        }
    }
    CHECK("windows at the documented offsets, y = x shifted by one", ok);
    gg_dataset_free(tr);
    gg_dataset_free(va);

    // Every window stays in its part: the smallest parts, many windows.
    text(&tr, &va, (const char *)buf, 20, 4, 0.5, GG_TEXT_BYTE, 500, 500, 1, &err);
    const float *X = gg_dataset_x(tr).data, *Y = gg_dataset_y(tr).data;
    float lo = 1e9f, hi = -1.0f;
    for (size_t i = 0; i < 500 * 4; i++) {
        lo = fminf(lo, X[i]);
        hi = fmaxf(hi, Y[i]);
    }
    CHECK("train windows cover the train part only", lo == 30.0f && hi == 39.0f);
    X = gg_dataset_x(va).data;
    Y = gg_dataset_y(va).data;
    lo = 1e9f, hi = -1.0f;
    for (size_t i = 0; i < 500 * 4; i++) {
        lo = fminf(lo, X[i]);
        hi = fmaxf(hi, Y[i]);
    }
    CHECK("val windows cover the val part only", lo == 40.0f && hi == 49.0f);
    CHECK("n and val_n given", gg_dataset_n(tr) == 500 && gg_dataset_n(va) == 500);
    gg_dataset_free(tr);
    gg_dataset_free(va);
}

/* Byte offset of each character of the valid UTF-8 s (the twin of the core's index). */
static size_t char_offsets(const char *s, size_t len, size_t *off)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            off[n++] = i;
    off[n] = len;
    return n;
}

static void test_text_chars(void)
{
    // 1 to 4 byte characters, a pseudo-random mix, long enough to cross many checkpoints.
    static const char *const pieces[] = {"a", "b", " ", "\n", "\xC3\xA9", "\xE2\x82\xAC",
                                         "\xF0\x9F\x98\x80", "\xC3\xA9", "z", "\xE4\xB8\xAD"};
    // sorted code points: \n, ' ', a, b, z, U+E9, U+20AC, U+4E2D, U+1F600
    static const uint32_t want_cp[9] = {0x0A, 0x20, 0x61, 0x62, 0x7A, 0xE9, 0x20AC, 0x4E2D, 0x1F600};
    static char s[8192];
    size_t len = 0;
    gg_rng pick;
    gg_rng_seed(&pick, 77);
    for (int i = 0; i < 1500; i++) {
        const char *p = pieces[gg_rng_below(&pick, 10)];
        memcpy(s + len, p, strlen(p));
        len += strlen(p);
    }
    static size_t off[8192];
    const size_t T = char_offsets(s, len, off);
    CHECK_EQ("1500 characters", T, 1500);
    gg_dataset *tr, *va;
    gg_err err;
    const size_t L = 70;  // longer than the 64-character checkpoint stride
    if (!CHECK("chars generate", text(&tr, &va, s, len, L, 0.8, GG_TEXT_CHAR, 300, 100, 4, &err) == GG_OK)) {
        printf("    %s\n", err.msg);
        return;
    }
    size_t vocab;
    const uint32_t *cp;
    CHECK("char tokens", gg_dataset_tokens(tr, &vocab, &cp) == GG_TOKENS_CHARS);
    CHECK_EQ("vocab: distinct characters", vocab, 9);
    CHECK("sorted code points", cp && memcmp(cp, want_cp, sizeof want_cp) == 0);
    CHECK_EQ("classes = vocab", gg_dataset_classes(tr), 9);
    gg_rng r;
    gg_rng_seed(&r, 4);
    const size_t Tt = 1200;
    int ok = 1, in_part = 1;
    static char dec[4 * 80];
    gg_dataset *part[2] = {tr, va};
    for (int sp = 0; sp < 2; sp++) {
        const float *X = gg_dataset_x(part[sp]).data, *Y = gg_dataset_y(part[sp]).data;
        for (size_t i = 0; i < gg_dataset_n(part[sp]); i++) {
            size_t o = (sp ? Tt : 0) + gg_rng_below(&r, sp ? T - Tt - L : Tt - L);
            in_part &= sp ? o >= Tt && o + L < T : o + L < Tt;
            size_t dlen;
            gg_text_decode(tr, X + i * L, L, dec, &dlen, &err);
            ok &= dlen == off[o + L] - off[o] && memcmp(dec, s + off[o], dlen) == 0;
            gg_text_decode(tr, Y + i * L, L, dec, &dlen, &err);
            ok &= dlen == off[o + L + 1] - off[o + 1] && memcmp(dec, s + off[o + 1], dlen) == 0;
        }
    }
    CHECK("every window decodes to the text at the documented offset (x and y)", ok);
    CHECK("offsets within their parts", in_part);
    // Same split and seed read from a file: the same bytes.
    char path[] = "/tmp/gg_seqdata_XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fp) {
        fwrite(s, 1, len, fp);
        fclose(fp);
    }
    gg_dataset *ftr, *fva;
    gg_rng_seed(&r, 4);
    gg_text_cfg c = {.context = L, .split = 0.8, .level = GG_TEXT_CHAR, .n = 300, .val_n = 100};
    CHECK("from the file", gg_data_text(&ftr, &fva, path, &c, &r, &err) == GG_OK);
    CHECK("file and memory agree", ftr && same_data(tr, ftr) && same_data(va, fva));
    gg_dataset_free(ftr);
    gg_dataset_free(fva);
    remove(path);
    gg_dataset_free(tr);
    gg_dataset_free(va);
}

static void test_text_errors(void)
{
    gg_dataset *tr = (gg_dataset *)1, *va = (gg_dataset *)1;
    gg_err err;
    const char *abc = "abcdefghijklmnopqrstuvwxyz";
    CHECK_EQ("context 0", text(&tr, &va, abc, 26, 0, 0.5, GG_TEXT_BYTE, 0, 0, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("context message", err.msg, "t.txt: context must be >= 1, got 0");
    CHECK("outputs NULL", tr == NULL && va == NULL);
    CHECK_EQ("split 1", text(&tr, &va, abc, 26, 2, 1.0, GG_TEXT_BYTE, 0, 0, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("split message", err.msg, "t.txt: split must be in (0, 1), got 1");
    CHECK_EQ("split nan", text(&tr, &va, abc, 26, 2, NAN, GG_TEXT_BYTE, 0, 0, 0, &err), GG_EINVAL);
    CHECK_EQ("level", text(&tr, &va, abc, 26, 2, 0.5, (gg_text_level)5, 0, 0, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("level message", err.msg, "unknown level 5 (allowed: byte, char)");
    CHECK_EQ("empty", text(&tr, &va, abc, 0, 2, 0.5, GG_TEXT_BYTE, 0, 0, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("empty message", err.msg, "t.txt: is empty");
    CHECK_EQ("train part too short", text(&tr, &va, abc, 26, 13, 0.5, GG_TEXT_BYTE, 0, 0, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("train part message", err.msg,
                   "t.txt: the training part has 13 bytes (split 0.5 of 26), fewer than context + 1 = 14");
    CHECK_EQ("val part too short", text(&tr, &va, abc, 26, 3, 0.9, GG_TEXT_BYTE, 0, 0, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("val part message", err.msg, "the validation part has 3 bytes (split 0.9 of 26)");
    CHECK_EQ("exactly context + 1 each", text(&tr, &va, abc, 26, 12, 0.5, GG_TEXT_BYTE, 0, 0, 0, &err), GG_OK);
    CHECK("one window each", gg_dataset_n(tr) == 1 && gg_dataset_n(va) == 1 &&
                                 gg_dataset_x(tr).data[0] == 'a' && gg_dataset_y(va).data[11] == 'z');
    gg_dataset_free(tr);
    gg_dataset_free(va);
    CHECK_EQ("chars counted, not bytes", text(&tr, &va, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 8, 2, 0.5, GG_TEXT_CHAR, 0, 0, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("chars message", err.msg, "the training part has 2 characters (split 0.5 of 4)");
    const struct {
        const char *s;
        size_t len, at;
    } bad[] = {
        {"ab\xC0\x80", 4, 2},          // overlong NUL
        {"a\xED\xA0\x80", 4, 1},       // surrogate
        {"\xF5\x80\x80\x80", 4, 0},    // above U+10FFFF
        {"abc\xE2\x82", 5, 3},         // cut short
        {"abcd\x80", 5, 4},            // stray continuation byte
        {"\xF4\x90\x80\x80", 4, 0},    // U+110000
        {"\xE0\x9F\xBF", 3, 0},        // overlong 3-byte
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ("invalid UTF-8", text(&tr, &va, bad[i].s, bad[i].len, 1, 0.5, GG_TEXT_CHAR, 0, 0, 0, &err), GG_EPARSE);
        char want[80];
        snprintf(want, sizeof want, "t.txt: invalid UTF-8 at byte %zu", bad[i].at);
        CHECK_CONTAINS("names the byte", err.msg, want);
    }
    CHECK_CONTAINS("suggests level byte", err.msg, "level 'byte' reads any file");
    CHECK_EQ("the same bytes at level byte", text(&tr, &va, "ab\xC0\x80", 4, 1, 0.5, GG_TEXT_BYTE, 0, 0, 0, &err), GG_OK);
    gg_dataset_free(tr);
    gg_dataset_free(va);
    gg_rng r;
    gg_rng_seed(&r, 0);
    gg_text_cfg c = {.context = 4, .split = 0.9};
    CHECK_EQ("missing file", gg_data_text(&tr, &va, "no/such/file.txt", &c, &r, &err), GG_EIO);
    CHECK_CONTAINS("names the path", err.msg, "no/such/file.txt: No such file or directory");
    CHECK_EQ("a directory", gg_data_text(&tr, &va, "tests", &c, &r, &err), GG_EIO);
    CHECK_CONTAINS("directory named", err.msg, "tests: Is a directory");
    CHECK("outputs NULL", tr == NULL && va == NULL);
    CHECK_EQ("too many windows", text(&tr, &va, abc, 26, 4, 0.5, GG_TEXT_BYTE, (size_t)1 << 30, 0, 0, &err), GG_EINVAL);
}

/* ---- decoding, the token marking ---- */

static void test_decode_and_marking(void)
{
    gg_dataset *tr, *va;
    gg_err err;
    text(&tr, &va, "h\xC3\xA9llo w\xC3\xB6rld, h\xC3\xA9llo", 19, 3, 0.5, GG_TEXT_CHAR, 2, 2, 1, &err);
    size_t vocab;
    const uint32_t *cp;
    CHECK("chars", gg_dataset_tokens(tr, &vocab, &cp) == GG_TOKENS_CHARS && vocab == 10);
    // ' ', ',', d, h, l, o, r, w, é, ö
    const float ids[6] = {3, 8, 4, 4, 5, 9};
    char out[24];
    size_t len;
    CHECK_EQ("decode", gg_text_decode(tr, ids, 6, out, &len, &err), GG_OK);
    CHECK("decode gives UTF-8", len == 8 && memcmp(out, "h\xC3\xA9llo\xC3\xB6", 8) == 0);
    const float bad1[2] = {1, 10}, bad2[2] = {1.5f, 0}, bad3[1] = {-1};
    CHECK_EQ("id = vocab", gg_text_decode(tr, bad1, 2, out, &len, &err), GG_EINVAL);
    CHECK_CONTAINS("names the position", err.msg, "ids[2] = 10 is not a token id in 0..9");
    CHECK_EQ("fraction", gg_text_decode(tr, bad2, 2, out, &len, &err), GG_EINVAL);
    CHECK_CONTAINS("fraction message", err.msg, "ids[1] = 1.5 is not a token id");
    CHECK_EQ("negative", gg_text_decode(tr, bad3, 1, out, &len, &err), GG_EINVAL);

    // Row selection keeps the marking (and shares the table); scalers drop it.
    gg_dataset *sub, *copy, *a, *b;
    size_t rows[1] = {1};
    gg_dataset_subset(&sub, tr, rows, 1, &err);
    gg_dataset_copy(&copy, tr, &err);
    gg_dataset_free(tr);  // the derived ones still hold the table
    CHECK("subset keeps it", gg_dataset_tokens(sub, &vocab, &cp) == GG_TOKENS_CHARS && vocab == 10 && cp[8] == 0xE9);
    CHECK("copy keeps it", gg_dataset_tokens(copy, &vocab, &cp) == GG_TOKENS_CHARS && cp[9] == 0xF6);
    CHECK_EQ("decode after the source is freed", gg_text_decode(copy, ids, 6, out, &len, &err), GG_OK);
    gg_dataset_split(va, 0.5, NULL, &a, &b, &err);
    CHECK("split keeps it", gg_dataset_tokens(a, NULL, NULL) == GG_TOKENS_CHARS &&
                                gg_dataset_tokens(b, NULL, NULL) == GG_TOKENS_CHARS);
    gg_scaler s;
    gg_dataset *scaled;
    gg_scaler_fit(&s, GG_SCALE_STANDARD, va, &err);
    gg_scaler_apply(&s, va, &scaled, &err);
    CHECK("a scaler's output is not tokens", gg_dataset_tokens(scaled, &vocab, &cp) == GG_TOKENS_NONE &&
                                                 vocab == 0 && cp == NULL);
    CHECK_EQ("decode needs text", gg_text_decode(scaled, ids, 1, out, &len, &err), GG_EINVAL);
    CHECK_CONTAINS("decode message", err.msg, "decoding needs a text dataset (bytes or characters), this one is not token data");
    gg_scaler_free(&s);
    gg_dataset_free(scaled);
    gg_dataset_free(a);
    gg_dataset_free(b);
    gg_dataset_free(sub);
    gg_dataset_free(copy);
    gg_dataset_free(va);

    gg_dataset *seq;
    sequence(&seq, GG_SEQ_COPY, 2, 2, 5, 0, &err);
    CHECK_EQ("ids without text do not decode", gg_text_decode(seq, ids, 1, out, &len, &err), GG_EINVAL);
    CHECK_CONTAINS("ids message", err.msg, "this one has token ids without text");
    CHECK_EQ("set_tokens: vocab 0 with a kind", gg_dataset_set_tokens(seq, GG_TOKENS_IDS, 0, NULL, &err), GG_EINVAL);
    CHECK_EQ("set_tokens: bytes are 256", gg_dataset_set_tokens(seq, GG_TOKENS_BYTES, 255, NULL, &err), GG_EINVAL);
    CHECK_EQ("set_tokens: chars need a table", gg_dataset_set_tokens(seq, GG_TOKENS_CHARS, 3, NULL, &err), GG_EINVAL);
    CHECK("failures leave it", gg_dataset_tokens(seq, &vocab, NULL) == GG_TOKENS_IDS && vocab == 5);
    const uint32_t three[3] = {'x', 'y', 'z'};
    CHECK_EQ("set_tokens chars", gg_dataset_set_tokens(seq, GG_TOKENS_CHARS, 3, three, &err), GG_OK);
    CHECK_EQ("and unmark", gg_dataset_set_tokens(seq, GG_TOKENS_NONE, 0, NULL, &err), GG_OK);
    CHECK("unmarked", gg_dataset_tokens(seq, &vocab, &cp) == GG_TOKENS_NONE && cp == NULL);
    gg_dataset_free(seq);
}

static void test_tokens_check(void)
{
    gg_dataset *ds;
    gg_err err;
    gg_dataset_new(&ds, 3, 2, 1, 2, &err);
    float *X = gg_dataset_x(ds).data;
    const float v[6] = {0, 4, 2, 7, 1, 1};
    memcpy(X, v, sizeof v);
    size_t vocab;
    CHECK_EQ("integers: ok", gg_tokens_check(ds, 0, &err), GG_OK);
    CHECK("vocab = largest + 1", gg_dataset_tokens(ds, &vocab, NULL) == GG_TOKENS_IDS && vocab == 8);
    CHECK_EQ("vocab given", gg_tokens_check(ds, 20, &err), GG_OK);
    CHECK("vocab 20", gg_dataset_tokens(ds, &vocab, NULL) == GG_TOKENS_IDS && vocab == 20);
    CHECK_EQ("an id = vocab", gg_tokens_check(ds, 7, &err), GG_EINVAL);
    CHECK_CONTAINS("names row and feature", err.msg, "row 2, feature 2: 7 is not a token id in 0..6");
    X[4] = 2.5f;
    CHECK_EQ("a fraction", gg_tokens_check(ds, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("fraction message", err.msg, "row 3, feature 1: 2.5 is not a token id (an integer in 0..16777215)");
    X[4] = -1.0f;
    CHECK_EQ("negative", gg_tokens_check(ds, 0, &err), GG_EINVAL);
    X[4] = NAN;
    CHECK_EQ("nan", gg_tokens_check(ds, 0, &err), GG_EINVAL);
    CHECK_EQ("vocab too large", gg_tokens_check(ds, ((size_t)1 << 24) + 1, &err), GG_EINVAL);
    gg_dataset_free(ds);
}

int main(void)
{
    test_modular_table();
    test_modular_order();
    test_modular_errors();
    test_sequence_twin();
    test_sequence_pinned();
    test_sequence_errors();
    test_text_bytes();
    test_text_chars();
    test_text_errors();
    test_decode_and_marking();
    test_tokens_check();
    return CHECK_DONE();
}
