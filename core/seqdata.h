/* core/seqdata.h — token datasets for sequence models: modular arithmetic (the grokking
 * task), synthetic sequence tasks, and language-modelling windows over a text file.
 *
 * Every result is an ordinary gg_dataset whose features are token ids stored as floats
 * (exact integers below 2^24) and which is marked as token data (gg_dataset_set_tokens):
 * x is (n, L) ids, the sample shape (L); y holds class indices, one column (a label per
 * sequence) or L columns (a label per position). Every random draw comes from the given
 * gg_rng in the order documented below, so a seed gives the same bytes on every machine.
 * The caller owns the datasets (gg_dataset_free).
 *
 * Modular arithmetic (Power et al. 2022, "Grokking"): every pair (a, b), 0 <= a, b < p (for
 * "/" only b != 0), in the order a = 0..p-1, b = 0..p-1; x = (a, b, p), where the third
 * token, id p, is "="; vocab p + 1; y = (a op b) mod p, p classes. A permutation of the
 * rows (gg_rng_permutation) puts its first floor(n * train_fraction) rows, in that order,
 * into train and the rest into val.
 *
 * Sequence tasks, L = length, V = vocab; per-row draws in row order:
 *   copy     x: L tokens uniform in 0..V-1; y (n, L) = x (the label at position t is the
 *            token at t: a per-position tagging task, the identity).
 *   reverse  x as copy; y[t] = x[L-1-t].
 *   sort     x as copy; y = x sorted ascending.
 *   parity   V = 2: x: L bits; y (n, 1) = (number of 1s) mod 2, 2 classes.
 *   recall   associative recall, L = 2K + 1 odd: keys are ids 0..V/2-1 (V/2 rounded down),
 *            values ids V/2..V-1; x = k1 v1 k2 v2 ... kK vK q with K distinct keys, values
 *            uniform (repeats allowed) and the query q one of the K keys; y (n, 1) = the
 *            value paired with q, as a token id (V classes). Draws per row: key i (a
 *            partial Fisher-Yates step, j = i + below(V/2 - i), over a key table carried
 *            from row to row) then value i, for i = 1..K, then the query's pair below(K).
 * Classes are V for copy, reverse, sort and recall, 2 for parity.
 *
 * Text: the file is read once into memory. Tokens are its bytes (level byte, vocab 256)
 * or its UTF-8 characters (level char; vocab = the sorted set of distinct code points of
 * the whole file, every character counted, a BOM too; invalid UTF-8 is an error). The
 * first floor(T * split) of the T tokens are the training part, the rest validation. A
 * window at offset o takes x = t[o..o+L) and y = t[o+1..o+L] (the next tokens), L =
 * context, and never leaves its part. Offsets are uniform with replacement: first the n
 * training offsets, then the val_n validation ones (gg_rng_below over the part's
 * P - L possible starts). n = 0 means floor(P / L) windows, so an epoch sees about the
 * whole part once. Work is linear in the file and the windows (no quadratic step). */
#ifndef GG_SEQDATA_H
#define GG_SEQDATA_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "rng.h"
#include "status.h"

/* Largest modulus: p * p <= 2^24 rows (16,777,216; 256 MB of floats). */
#define GG_MODULAR_MAX_P 4096

/* Largest vocabulary of a sequence task: every id exact in float32. */
#define GG_SEQ_MAX_VOCAB ((size_t)1 << 24)

typedef enum gg_modular_op {
    GG_MOD_ADD,   /* "+": a + b */
    GG_MOD_SUB,   /* "-": a - b */
    GG_MOD_MUL,   /* "*": a * b */
    GG_MOD_DIV,   /* "/": a * b^-1, b != 0, p prime */
    GG_MOD_SQSUM  /* "x^2+y^2": a^2 + b^2 */
} gg_modular_op;

typedef struct gg_modular_cfg {
    size_t p;              /* modulus, 2..GG_MODULAR_MAX_P, e.g. 97 (prime for "/") */
    gg_modular_op op;
    double train_fraction; /* in (0, 1), e.g. 0.3; each side needs a row */
} gg_modular_cfg;

typedef enum gg_seq_task {
    GG_SEQ_COPY,    /* y = x, per position */
    GG_SEQ_REVERSE, /* y = x reversed, per position */
    GG_SEQ_SORT,    /* y = x sorted, per position */
    GG_SEQ_PARITY,  /* y = parity of the bits, per sequence */
    GG_SEQ_RECALL   /* y = the value of the queried key, per sequence */
} gg_seq_task;

typedef struct gg_sequence_cfg {
    gg_seq_task task;
    size_t n;      /* sequences, e.g. 1000 */
    size_t length; /* L >= 1 (recall: odd, >= 3), e.g. 8 */
    size_t vocab;  /* V, 2..GG_SEQ_MAX_VOCAB (parity: 2; recall: >= L - 1), e.g. 10 */
} gg_sequence_cfg;

typedef enum gg_text_level {
    GG_TEXT_BYTE, /* tokens are bytes, vocab 256 */
    GG_TEXT_CHAR  /* tokens are UTF-8 characters, vocab from the file */
} gg_text_level;

typedef struct gg_text_cfg {
    size_t context;      /* L >= 1, e.g. 64 */
    double split;        /* fraction of the tokens for training, in (0, 1), e.g. 0.9 */
    gg_text_level level;
    size_t n;            /* training windows; 0 = floor(training tokens / L) */
    size_t val_n;        /* validation windows; 0 = floor(validation tokens / L) */
} gg_text_cfg;

/* Name of an op ("+", "-", "*", "/", "x^2+y^2"); "?" for an unknown value. */
const char *gg_modular_op_name(gg_modular_op op);

/* Name of a task ("copy", "reverse", "sort", "parity", "recall"); "?" if unknown. */
const char *gg_seq_task_name(gg_seq_task task);

/* The modular-arithmetic table split into *train and *val (see the header comment).
 * GG_EINVAL naming the parameter for p < 2 or > GG_MODULAR_MAX_P, an unknown op, "/"
 * with a p that is not prime (naming a factor), a train_fraction outside (0, 1) or one
 * leaving a side empty; GG_ENOMEM. On failure both are NULL. */
gg_status gg_data_modular(gg_dataset **train, gg_dataset **val, const gg_modular_cfg *cfg,
                          gg_rng *rng, gg_err *err);

/* A synthetic sequence task (see the header comment). GG_EINVAL naming the parameter for
 * n or length 0, a vocab outside 2..GG_SEQ_MAX_VOCAB, parity with vocab != 2, recall with
 * an even or too short length or too few keys, or n * length above GG_TENSOR_MAX_NUMEL;
 * GG_ENOMEM. */
gg_status gg_data_sequence(gg_dataset **out, const gg_sequence_cfg *cfg, gg_rng *rng,
                           gg_err *err);

/* Language-modelling windows over the file at path into *train and *val (see the header
 * comment). GG_EIO naming the path (cannot open or read it); GG_EPARSE for invalid UTF-8
 * at level char (naming the byte offset); GG_EINVAL for context 0, a split outside
 * (0, 1), an unknown level, or a part shorter than context + 1 tokens (naming the part
 * and both counts) or more windows than a tensor holds; GG_ENOMEM. Messages start with
 * the path. On failure both are NULL. */
gg_status gg_data_text(gg_dataset **train, gg_dataset **val, const char *path,
                       const gg_text_cfg *cfg, gg_rng *rng, gg_err *err);

/* gg_data_text over len bytes of text in memory; name starts the messages (a file name). */
gg_status gg_data_text_mem(gg_dataset **train, gg_dataset **val, const unsigned char *text,
                           size_t len, const char *name, const gg_text_cfg *cfg, gg_rng *rng,
                           gg_err *err);

/* The text of the n token ids of a byte- or character-level dataset into out, which needs
 * room for 4 * n bytes (a code point takes at most 4 in UTF-8); *len gets the byte count
 * (no NUL added). GG_EINVAL for a dataset that is not text, or an id that is not an integer
 * in 0..vocab-1 (naming its position). */
gg_status gg_text_decode(const gg_dataset *ds, const float *ids, size_t n, char *out,
                         size_t *len, gg_err *err);

/* Mark ds as token ids (GG_TOKENS_IDS) after checking that every feature is an integer in
 * 0..vocab-1; vocab 0 takes the largest id + 1. For datasets loaded from CSV or tensors.
 * GG_EINVAL naming the row and feature (1-based) of the first bad value, or a vocab above
 * GG_SEQ_MAX_VOCAB; GG_ENOMEM. */
gg_status gg_tokens_check(gg_dataset *ds, size_t vocab, gg_err *err);

#endif
