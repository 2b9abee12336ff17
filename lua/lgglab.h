/* lua/lgglab.h — shared declarations of the Lua binding (glue only: argument checks,
 * userdata wrappers, status → error). Metatable names are defined once here.
 *
 * Errors, one style: a positional argument of the wrong type goes through luaL_check*
 * (Lua's "bad argument #n to 'f' (number expected, got nil)"); everything else names the
 * API function first, "<fname>: <what> must be <rule>, got <lg_describe of the value>"
 * (the lg_opt_* readers do it for option tables), and a failed core call is raised as
 * "<fname>: <err.msg>" by lg_fail. */
#ifndef GG_LGGLAB_H
#define GG_LGGLAB_H

#include <lauxlib.h>
#include <lua.h>

#include "../core/gglab.h"

#define GG_TENSOR_MT  "gglab.Tensor"
#define GG_MODEL_MT   "gglab.Model"
#define GG_OPTIM_MT   "gglab.Optim"
#define GG_LOSS_MT    "gglab.Loss"
#define GG_DATASET_MT "gglab.Dataset"
#define GG_RNG_MT     "gglab.Rng"
#define GG_CSVW_MT    "gglab.CsvWriter"
#define GG_SCALER_MT  "gglab.Scaler"
#define GG_SCHED_MT   "gglab.Sched"
#define GG_DIAG_MT    "gglab.Diag"
#define GG_GRAPH_MT   "gglab.Graph"

/* ---- userdata payloads ---- */

typedef struct lg_model {
    gg_model *m;       /* NULL once closed */
    unsigned long gen; /* forward-pass counter: a Loss remembers the pass it came from */
} lg_model;

/* ---- option tables (lopts.c) ---- */

/* Raise "<fname>: unknown option 'k' (allowed: a, b, c)" if the table at idx has a string
 * key not in the NULL-terminated list, plus "; did you mean 'b'?" for a near name (the
 * rule of gg._suggest); non-string keys are rejected too. */
void lg_opts_check(lua_State *L, int idx, const char *fname, const char *const allowed[]);
/* lg_opts_check for an option table that must be given (a table at idx, not nil). */
void lg_opts_table(lua_State *L, int idx, const char *fname, const char *const allowed[]);

/* Add gg._suggest(word, candidates) to the gg table on top of the stack: lg_opts_check's
 * did-you-mean rule, for lua/gglab/lib/args.lua (one implementation of the suggestion). */
void lg_open_opts(lua_State *L);

/* Fields of an option table at idx (absent/nil → def). Errors name fname and the key:
 * "gg.optim.sgd: lr must be a positive number, got -1". */
double lg_opt_number(lua_State *L, int idx, const char *fname, const char *key, double def);
double lg_opt_positive(lua_State *L, int idx, const char *fname, const char *key, double def);
double lg_opt_nonneg(lua_State *L, int idx, const char *fname, const char *key, double def);
lua_Integer lg_opt_int(lua_State *L, int idx, const char *fname, const char *key,
                       lua_Integer def, lua_Integer min, lua_Integer max);
int lg_opt_bool(lua_State *L, int idx, const char *fname, const char *key, int def);
const char *lg_opt_string(lua_State *L, int idx, const char *fname, const char *key,
                          const char *def);
/* A string option restricted to a NULL-terminated list; returns its index. Otherwise raises
 * "<fname>: <key> must be one of 'a', 'b', got 'c'" (+ "; did you mean 'b'?" when near). */
int lg_opt_enum(lua_State *L, int idx, const char *fname, const char *key, const char *def,
                const char *const names[]);

/* Text of the number at idx in the one format of every file and message gglab writes:
 * integers (and integral doubles below 2^63) in full; a double that is exactly a float32
 * (losses, parameters) as the shortest text reading back as that float ("79.625336"),
 * unless exact is set; otherwise the shortest of %.15g..%.17g that reads back as the
 * double; "nan", "inf", "-inf". buf needs 64 bytes; returns a pointer into buf or a
 * literal. */
const char *lg_fmt_number(lua_State *L, int idx, int exact, char *buf);

/* Describe the value at idx for messages: "-1", "'abc'" (control bytes escaped: "'a\nb'"),
 * "a table", "nil"; pushes the text unless it is "nil". lua/gglab/lib/args.lua's describe is
 * the Lua twin (which also names objects by their metatable's __name). */
const char *lg_describe(lua_State *L, int idx);

/* Option `order` (a non-empty list of batches, each a non-empty list of 1-based row
 * numbers in 1..n) of the table at opts, as gg.train_epoch reads it (ltrain.c): pushes the
 * list, then two userdata buffers *counts (batch sizes) and *idx (0-based rows); returns the
 * number of batches. Errors "<f>: order[s][j] must be a row number in 1..n, got ...". */
size_t lg_read_order(lua_State *L, int opts, size_t n, size_t **idx, size_t **counts, const char *f);

/* The option names of gg.train_epoch (NULL-terminated; ltrain.c), shared by lensemble.c. */
extern const char *const lg_train_epoch_options[];

/* Push a list of the first n values of f (floats) or, when f is NULL, of d (doubles). */
void lg_push_numbers(lua_State *L, const float *f, const double *d, size_t n);

/* The instruction-set path GGLAB_ISA names (gg_isa_parse of the environment variable; unset
 * or "auto": the best supported). The core never reads the environment: models get it from
 * here (lsys.c). */
gg_status lg_isa_from_env(gg_isa *isa, gg_err *err);

/* Raise "<fname>: <err.msg>" from a failed core call. */
int lg_fail(lua_State *L, const char *fname, const gg_err *err);

/* Register the userdata class name (its metatable, as luaL_newmetatable): the metamethods
 * of meta (NULL: none) and a table of methods as __index. Leaves the stack as it was. */
void lg_newclass(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods);

/* ---- objects shared between modules ---- */

/* New tensor userdata of rows x cols (zeroed), pushed; returns its struct. */
gg_tensor *lg_tensor_push(lua_State *L, size_t rows, size_t cols, const char *fname);
gg_tensor *lg_tensor_check(lua_State *L, int idx);

lg_model *lg_model_check(lua_State *L, int idx);  /* open model or error */
/* model:recurrent_spectral_norms([iters]) (lrnn.c). */
int lg_model_recurrent_spectral_norms(lua_State *L);
/* Push a new, empty (NULL) model userdata with its metatable; returns its payload. */
lg_model *lg_model_push(lua_State *L);
/* An init option at idx: a name or {name, options...} (lgraph.c). */
void lg_parse_init_value(lua_State *L, int idx, const char *fname, gg_init *out);
gg_optim *lg_optim_check(lua_State *L, int idx);
gg_dataset *lg_dataset_check(lua_State *L, int idx);
/* Loss options of kind at table idx (0: none) into *c: reduction and the kind's options
 * (see core/loss.h). weight and pos_weight lists are copied into one userdata pushed on
 * the stack (one value pushed in all cases; keep it until the call ends). cols:
 * prediction columns, to size-check them. */
void lg_loss_options(lua_State *L, int idx, const char *fname, gg_loss_kind kind, size_t cols,
                     gg_loss_cfg *c);

/* A loss given as a name ("mse") or a table {"cross_entropy", weight=..., ...} at idx
 * (nil → def) into *c, for the outputs of model m (a class-index loss on a (B, ..., V)
 * output gets classes = V: see gg_loss_classes); pushes one value like lg_loss_options. */
void lg_loss_spec(lua_State *L, int idx, const char *fname, const char *def, const gg_model *m,
                  gg_loss_cfg *c);

/* The arguments of an evaluation call f(model, data [, {loss=}]) at 1..3: the model, the
 * dataset and the loss (def when absent) into *loss, checked against each other as the
 * evaluation runs them, in eval mode (a 1-row batch is fine for BatchNorm then). Raises
 * naming f on a mismatch; pushes one value like lg_loss_spec. */
lg_model *lg_eval_args(lua_State *L, const char *f, const char *def, gg_dataset **ds, gg_loss_cfg *loss);

/* Push a dataset userdata owning ds (ds may be NULL only transiently). */
gg_dataset **lg_dataset_push(lua_State *L);

/* The generator an API call should use: option 'seed' (a fresh stream), else option 'rng'
 * (a gglab.Rng), else the state's default generator. Always pushes that generator's
 * userdata (keeping it alive for the call). opts may be 0 for "no option table". */
gg_rng *lg_rng_for(lua_State *L, int opts, const char *fname);
gg_rng *lg_rng_check(lua_State *L, int idx);

/* A generator's exact state as a list of 4 integers (the u64 words, as Lua's wrapping
 * integers), and reading one back from the list at idx (checked: 4 integers, not all 0
 * unless allow_zero: a model without dropout has a never-seeded, all-zero generator). */
void lg_rng_push_state(lua_State *L, const gg_rng *r);
void lg_rng_read_state(lua_State *L, int idx, gg_rng *r, int allow_zero, const char *fname);

/* Schedulers (lsched.c). Every kind is a core gg_sched; a lambda_lr's core object calls
 * back into Lua, so core calls that may step one go through an lg_sched_call: */
typedef struct lg_sched lg_sched;
typedef struct lg_sched_call {
    lua_State *L; /* the thread making the core call */
    int raised;   /* 1: a lambda's function raised; its error value is on top of L */
} lg_sched_call;
/* The open scheduler at idx (raises on a closed one). */
lg_sched *lg_sched_check(lua_State *L, int idx);
/* Its core object, ready for core calls made by the running C function until it returns
 * (pushes the lambdas' functions; raises if a sequential_lr holds a closed scheduler). */
gg_sched *lg_sched_bind(lua_State *L, int idx, lg_sched_call *call);
/* Raise after a failed core call made with call: a lambda's own error value, else as
 * lg_fail. */
int lg_sched_fail(lua_State *L, const lg_sched_call *call, const char *fname, const gg_err *err);

/* Diagnostics (ldiag.c): the open gglab.Diag at idx; push the list of its records (one
 * table per recorded step, fields as docs/lua-api.md "Diagnostics"). */
gg_diag *lg_diag_check(lua_State *L, int idx);
void lg_diag_push_records(lua_State *L, const gg_diag *d);

/* ---- module openers: each adds its functions/subtables to the table on top ---- */
void lg_open_tensor(lua_State *L);
void lg_open_rng(lua_State *L);
void lg_open_nn(lua_State *L);
void lg_open_graph(lua_State *L);
void lg_open_loss(lua_State *L);
void lg_open_optim(lua_State *L);
void lg_open_data(lua_State *L);
void lg_open_seqdata(lua_State *L);  /* after lg_open_data: adds to gg.data and Dataset */
void lg_open_train(lua_State *L);
void lg_open_ensemble(lua_State *L);  /* gg.ensemble_key, gg.train_epoch_ensemble */
void lg_open_csv(lua_State *L);
void lg_open_sys(lua_State *L);
void lg_open_sched(lua_State *L);
void lg_open_clip(lua_State *L);
void lg_open_proc(lua_State *L);
void lg_open_diag(lua_State *L);
void lg_open_detmath(lua_State *L);
void lg_open_resample(lua_State *L);  /* gg._resample: lib/stats.lua's loops */

/* Embedded pure-Lua modules (generated build/gen/luasrc.c by lua/embed.c). */
typedef struct lg_luasrc {
    const char *name;   /* module name, e.g. "gglab.sweep" */
    const char *chunk;  /* chunk name for messages, e.g. "@lua/gglab/sweep.lua" */
    const char *src;    /* the source */
    size_t len;
    const char *bc;     /* the bytecode the build's Lua compiled it to (debug info kept) */
    size_t bclen;
} lg_luasrc;
extern const lg_luasrc lg_luasrcs[];  /* terminated by a {NULL} entry */

#endif
