/* lua/lseqdata.c — token datasets (core/seqdata.h): gg.data.modular, gg.data.sequence,
 * gg.data.text, and the gglab.Dataset methods vocab, decode and as_tokens. Glue only:
 * options are checked here, the data is made in the core. */
#include "lgglab.h"

#include <string.h>

#include "../core/seqdata.h"

/* gg.data.modular{p=97, op="+", train_fraction=0.3, seed=|rng=} → train, val */
static int data_modular(lua_State *L)
{
    static const char *const allowed[] = {"p", "op", "train_fraction", "seed", "rng", NULL};
    static const char *const ops[] = {"+", "-", "*", "/", "x^2+y^2", NULL};
    static const gg_modular_op op_of[] = {GG_MOD_ADD, GG_MOD_SUB, GG_MOD_MUL, GG_MOD_DIV,
                                          GG_MOD_SQSUM};
    const char *f = "gg.data.modular";
    lg_opts_table(L, 1, f, allowed);
    gg_modular_cfg c = {0};
    c.p = (size_t)lg_opt_int(L, 1, f, "p", 97, 2, GG_MODULAR_MAX_P);
    c.op = op_of[lg_opt_enum(L, 1, f, "op", "+", ops)];
    c.train_fraction = lg_opt_number(L, 1, f, "train_fraction", 0.3);
    gg_rng *r = lg_rng_for(L, 1, f);                         /* stack: opts rng */
    gg_dataset **tr = lg_dataset_push(L), **va = lg_dataset_push(L);  /* opts rng tr va */
    gg_err err;
    if (gg_data_modular(tr, va, &c, r, &err))
        return lg_fail(L, f, &err);
    return 2;
}

/* gg.data.sequence{task=, n=1000, length=8 (recall 9), vocab=10 (parity 2, recall 16),
 * seed=|rng=} → dataset */
static int data_sequence(lua_State *L)
{
    static const char *const allowed[] = {"task", "n", "length", "vocab", "seed", "rng", NULL};
    static const char *const tasks[] = {"copy", "reverse", "sort", "parity", "recall", NULL};
    static const gg_seq_task task_of[] = {GG_SEQ_COPY, GG_SEQ_REVERSE, GG_SEQ_SORT,
                                          GG_SEQ_PARITY, GG_SEQ_RECALL};
    const char *f = "gg.data.sequence";
    lg_opts_table(L, 1, f, allowed);
    if (lua_getfield(L, 1, "task") == LUA_TNIL)              /* stack: opts task */
        return luaL_error(L, "%s: task must be one of 'copy', 'reverse', 'sort', 'parity', 'recall', got nil", f);
    lua_pop(L, 1);
    gg_sequence_cfg c = {0};
    c.task = task_of[lg_opt_enum(L, 1, f, "task", NULL, tasks)];
    const lua_Integer max = (lua_Integer)GG_TENSOR_MAX_NUMEL;
    c.n = (size_t)lg_opt_int(L, 1, f, "n", 1000, 1, max);
    c.length = (size_t)lg_opt_int(L, 1, f, "length", c.task == GG_SEQ_RECALL ? 9 : 8, 1, max);
    lua_Integer vdef = c.task == GG_SEQ_PARITY ? 2 : c.task == GG_SEQ_RECALL ? 16 : 10;
    c.vocab = (size_t)lg_opt_int(L, 1, f, "vocab", vdef, 2, (lua_Integer)GG_SEQ_MAX_VOCAB);
    gg_rng *r = lg_rng_for(L, 1, f);                         /* stack: opts rng */
    gg_dataset **p = lg_dataset_push(L);                     /* stack: opts rng ds */
    gg_err err;
    if (gg_data_sequence(p, &c, r, &err))
        return lg_fail(L, f, &err);
    return 1;
}

/* gg.data.text{file=, context=64, split=0.9, level="byte", n=, val_n=, seed=|rng=}
 * → train, val | nil, msg (the file cannot be read, or is not UTF-8 at level char) */
static int data_text(lua_State *L)
{
    static const char *const allowed[] = {"file", "context", "split", "level", "n", "val_n",
                                          "seed", "rng", NULL};
    static const char *const levels[] = {"byte", "char", NULL};
    const char *f = "gg.data.text";
    lg_opts_table(L, 1, f, allowed);
    if (lua_getfield(L, 1, "file") != LUA_TSTRING)           /* stack: opts file */
        return luaL_error(L, "%s: file must be a path (a string), got %s", f, lg_describe(L, -1));
    const char *path = lua_tostring(L, -1);                  // the option table keeps it alive
    lua_pop(L, 1);
    const lua_Integer max = (lua_Integer)GG_TENSOR_MAX_NUMEL;
    gg_text_cfg c = {0};
    c.context = (size_t)lg_opt_int(L, 1, f, "context", 64, 1, max);
    c.split = lg_opt_number(L, 1, f, "split", 0.9);
    c.level = lg_opt_enum(L, 1, f, "level", "byte", levels) ? GG_TEXT_CHAR : GG_TEXT_BYTE;
    c.n = (size_t)lg_opt_int(L, 1, f, "n", 0, 1, max);       // absent: 0, the default count
    c.val_n = (size_t)lg_opt_int(L, 1, f, "val_n", 0, 1, max);
    if (!(c.split > 0.0 && c.split < 1.0))
        return luaL_error(L, "%s: split must be a number in (0, 1), got %f", f, c.split);
    gg_rng *r = lg_rng_for(L, 1, f);                         /* stack: opts rng */
    gg_dataset **tr = lg_dataset_push(L), **va = lg_dataset_push(L);  /* opts rng tr va */
    gg_err err;
    gg_status st = gg_data_text(tr, va, path, &c, r, &err);
    if (st == GG_EIO || st == GG_EPARSE) {
        luaL_pushfail(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    if (st)
        return lg_fail(L, f, &err);
    return 2;
}

/* ds:vocab() → V [, tokens] for token data (tokens: the list of the V token texts of a
 * text dataset, tokens[id + 1] being the text of id), nil for other data */
static int dataset_vocab(lua_State *L)
{
    size_t vocab;
    const uint32_t *chars;
    gg_token_kind kind = gg_dataset_tokens(lg_dataset_check(L, 1), &vocab, &chars);
    if (kind == GG_TOKENS_NONE) {
        luaL_pushfail(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)vocab);                  /* stack: ds V */
    if (kind == GG_TOKENS_IDS)
        return 1;
    lua_createtable(L, (int)vocab, 0);                       /* stack: ds V list */
    for (size_t i = 0; i < vocab; i++) {
        if (chars)
            lua_pushfstring(L, "%U", (long)chars[i]);       // the character as UTF-8
        else {
            char b = (char)(unsigned char)i;
            lua_pushlstring(L, &b, 1);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 2;
}

/* ds:decode(ids) → string: ids a list of token ids or a gglab.Tensor (every element,
 * row-major), for byte- and character-level text datasets */
static int dataset_decode(lua_State *L)
{
    const char *f = "gglab.Dataset:decode";
    gg_dataset *ds = lg_dataset_check(L, 1);
    size_t n;
    const float *ids;
    if (lua_istable(L, 2)) {
        n = (size_t)luaL_len(L, 2);
        float *buf = lua_newuserdatauv(L, (n ? n : 1) * sizeof *buf, 0);  /* stack: ds list buf */
        for (size_t i = 0; i < n; i++) {
            lua_geti(L, 2, (lua_Integer)i + 1);              /* stack: ds list buf id */
            int ok;
            lua_Number v = lua_tonumberx(L, -1, &ok);
            if (!ok || lua_type(L, -1) != LUA_TNUMBER)
                return luaL_error(L, "%s: ids[%d] must be a token id, got %s", f, (int)i + 1,
                                  lg_describe(L, -1));
            buf[i] = (float)v;
            if ((lua_Number)buf[i] != v)  // 2^24 + 1 would round to a valid id
                return luaL_error(L, "%s: ids[%d] = %s is not a token id", f, (int)i + 1,
                                  lg_describe(L, -1));
            lua_pop(L, 1);
        }
        ids = buf;
    } else if (luaL_testudata(L, 2, GG_TENSOR_MT)) {
        gg_tensor *t = lg_tensor_check(L, 2);
        n = t->rows * t->cols;
        ids = t->data;
    } else {
        return luaL_error(L, "%s: ids must be a list of token ids or a gglab.Tensor, got %s", f,
                          lg_describe(L, 2));
    }
    char *out = lua_newuserdatauv(L, n ? 4 * n : 1, 0);
    size_t len;
    gg_err err;
    if (gg_text_decode(ds, ids, n, out, &len, &err))
        return lg_fail(L, f, &err);
    lua_pushlstring(L, out, len);
    return 1;
}

/* ds:as_tokens{vocab=} → a copy of ds marked as token ids, every feature checked to be an
 * integer in 0..vocab-1 (vocab absent: the largest id + 1) */
static int dataset_as_tokens(lua_State *L)
{
    static const char *const allowed[] = {"vocab", NULL};
    const char *f = "gglab.Dataset:as_tokens";
    gg_dataset *ds = lg_dataset_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
    size_t vocab = (size_t)lg_opt_int(L, 2, f, "vocab", 0, 1, (lua_Integer)GG_SEQ_MAX_VOCAB);
    gg_dataset **p = lg_dataset_push(L);
    gg_err err;
    if (gg_dataset_copy(p, ds, &err) || gg_tokens_check(*p, vocab, &err))
        return lg_fail(L, f, &err);
    return 1;
}

static const luaL_Reg seqdata_funcs[] = {
    {"modular", data_modular}, {"sequence", data_sequence}, {"text", data_text}, {NULL, NULL},
};

static const luaL_Reg seqdata_methods[] = {
    {"vocab", dataset_vocab}, {"decode", dataset_decode}, {"as_tokens", dataset_as_tokens},
    {NULL, NULL},
};

void lg_open_seqdata(lua_State *L)
{
    lua_getfield(L, -1, "data");                    /* stack: gg data (lg_open_data's) */
    luaL_setfuncs(L, seqdata_funcs, 0);
    lua_pop(L, 1);                                  /* stack: gg */
    luaL_getmetatable(L, GG_DATASET_MT);            /* stack: gg mt */
    lua_getfield(L, -1, "__index");                 /* stack: gg mt methods */
    luaL_setfuncs(L, seqdata_methods, 0);
    lua_pop(L, 2);                                  /* stack: gg */
}
