/* lua/lensemble.c — gg.ensemble_key and gg.train_epoch_ensemble: one epoch of several
 * compatible gg.train_epoch calls trained together in lockstep (core/ensemble.h), with
 * every result and side effect bit-identical to making the calls one after the other. */
#include <string.h>

#include "lgglab.h"

#define LENS_KEY_CAP 2048

/* One call's arguments, read as gg.train_epoch reads them. */
typedef struct lens_call {
    lg_model *lm;
    gg_optim *o;
    gg_dataset *ds;
    gg_train_cfg c;
    int want_lrs;
    int opts;            /* stack index of its option table */
    gg_sched *sched;     /* its scheduler, or NULL */
    lg_sched_call call;  /* what binding the scheduler needs (kept for the call) */
    char why[96];        /* a reason made up for this call */
    size_t *oidx, *ocounts, onb;  /* option order: its rows (0-based), batch sizes, batches */
} lens_call;

#define LENS_MAX_ORDER 64  /* most batches of an order that can join (they enter the key) */

static void *check_object(lua_State *L, int idx, const char *mt, const char *f, const char *what)
{
    if (!luaL_testudata(L, idx, mt))
        luaL_error(L, "%s: %s must be a %s, got %s", f, what, mt, lg_describe(L, idx));
    return lua_touserdata(L, idx);
}

/* Read the call at base..base+3 (model, optimizer, data, opts) into *pc, checking it as
 * gg.train_epoch does (raising its errors, named f). Pushes one value (the loss's weights)
 * to keep until the call ends. Returns NULL, or a short reason when an option cannot join
 * an ensemble, or (invalid != NULL) the message of a failed gg_train_check in *invalid. */
static const char *read_call(lua_State *L, int base, const char *f, lens_call *pc, gg_err *err,
                             int *invalid)
{
    const char *const *allowed = lg_train_epoch_options;
    static const char *const reds[] = {"mean", "sum", NULL};
    memset(pc, 0, sizeof *pc);
    *invalid = 0;
    check_object(L, base, GG_MODEL_MT, f, "model");
    pc->lm = lg_model_check(L, base);
    check_object(L, base + 1, GG_OPTIM_MT, f, "optimizer");
    pc->o = lg_optim_check(L, base + 1);
    check_object(L, base + 2, GG_DATASET_MT, f, "data");
    pc->ds = lg_dataset_check(L, base + 2);
    const int opts = pc->opts = base + 3;
    lg_opts_table(L, opts, f, allowed);
    gg_train_cfg *c = &pc->c;
    lua_getfield(L, opts, "loss");                           /* stack: ... loss */
    lg_loss_spec(L, -1, f, "mse", pc->lm->m, &c->loss);      /* ... loss weight */
    lua_remove(L, -2);                                       /* ... weight */
    c->batch_size = (size_t)lg_opt_int(L, opts, f, "batch_size", 32, 1, (lua_Integer)GG_TENSOR_MAX_NUMEL);
    c->shuffle = lg_opt_bool(L, opts, f, "shuffle", 1);
    c->drop_last = lg_opt_bool(L, opts, f, "drop_last", 0);
    if (lua_getfield(L, opts, "reduction") != LUA_TNIL)
        c->loss.reduction = (gg_reduction)lg_opt_enum(L, opts, f, "reduction", "mean", reds);
    lua_pop(L, 1);
    c->l1 = lg_opt_nonneg(L, opts, f, "l1", 0.0);
    c->l2 = lg_opt_nonneg(L, opts, f, "l2", 0.0);
    c->clip_norm = lg_opt_nonneg(L, opts, f, "clip_norm", 0.0);
    c->clip_value = lg_opt_nonneg(L, opts, f, "clip_value", 0.0);
    c->clip_norm_type = 2.0;
    if (lua_getfield(L, opts, "clip_norm_type") != LUA_TNIL) {
        if (!lua_isnumber(L, -1) || !(lua_tonumber(L, -1) > 0.0))
            luaL_error(L, "%s: clip_norm_type must be a positive number or math.huge, got %s", f,
                       lg_describe(L, -1));
        c->clip_norm_type = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    const int want_norms = lg_opt_bool(L, opts, f, "grad_norms", 0);
    pc->want_lrs = lg_opt_bool(L, opts, f, "lrs", 0);
    c->skip_target_check = !lg_opt_bool(L, opts, f, "check_targets", 1);
    lua_getiuservalue(L, base + 1, 1);                       /* ... weight omodel */
    if (lua_touserdata(L, -1) != (void *)pc->lm)
        luaL_error(L, "%s: the optimizer was built for another model", f);
    lua_pop(L, 1);
    const char *why = NULL;
    if (lua_getfield(L, opts, "scheduler") != LUA_TNIL) {    /* ... weight sched */
        if (!luaL_testudata(L, -1, GG_SCHED_MT))
            luaL_error(L, "%s: scheduler must be a gglab.Sched (gg.sched.*), got %s", f,
                       lg_describe(L, -1));
        lua_getfield(L, -1, "optimizer");                    /* ... sched method */
        lua_pushvalue(L, -2);
        lua_call(L, 1, 1);                                   /* ... sched its_optimizer */
        if (lua_touserdata(L, -1) != lua_touserdata(L, base + 1))
            luaL_error(L, "%s: the scheduler was built for another optimizer", f);
        lua_pop(L, 1);
        pc->call = (lg_sched_call){L, 0};
        pc->sched = lg_sched_bind(L, -1, &pc->call);
    }
    lua_settop(L, base + 4);
    if (lua_getfield(L, opts, "diagnostics") != LUA_TNIL)
        why = "diagnostics on";
    lua_settop(L, base + 4);                                 /* ... weight */
    if (why)
        return why;
    if (c->l1 != 0.0 || c->l2 != 0.0)
        return "l1/l2 penalty";
    if (c->clip_norm != 0.0)
        return "clip_norm";
    if (c->clip_value != 0.0)
        return "clip_value";
    if (want_norms)
        return "grad_norms";
    if (gg_train_check(c, pc->lm->m, pc->o, pc->ds, err)) {
        *invalid = 1;
        return err->msg;
    }
    if (lua_getfield(L, opts, "order") != LUA_TNIL) {       /* ... weight order */
        lua_pop(L, 1);
        pc->onb = lg_read_order(L, opts, gg_dataset_n(pc->ds), &pc->oidx, &pc->ocounts, f);
        if (pc->onb > LENS_MAX_ORDER)                        /* ... weight order counts idx */
            return "order of more than 64 batches";
    } else {
        lua_pop(L, 1);
    }
    const size_t steps = pc->oidx ? pc->onb : gg_train_steps_per_epoch(c, gg_dataset_n(pc->ds));
    if (pc->sched && !gg_ensemble_sched_ok(pc->sched, pc->o, steps, pc->why, sizeof pc->why))
        return pc->why;
    return NULL;
}

/* The whole key of a checked call: the core's (architecture, optimizer) and what fixes
 * the batches. 0 with the core's reason in buf. */
static int call_key(const lens_call *pc, char *buf, size_t cap)
{
    if (!gg_ensemble_key(pc->lm->m, pc->o, buf, cap))
        return 0;
    size_t at = strlen(buf);
    if (!pc->oidx) {
        snprintf(buf + at, cap - at, " | %s | batch %zu of %zu rows%s",
                 gg_loss_name(pc->c.loss.kind), pc->c.batch_size, gg_dataset_n(pc->ds),
                 pc->c.drop_last ? " drop_last" : "");
        return 1;
    }
    at += (size_t)snprintf(buf + at, cap - at, " | %s | order", gg_loss_name(pc->c.loss.kind));
    for (size_t s = 0; s < pc->onb && at < cap; s++)  // at most 64 batches: it fits
        at += (size_t)snprintf(buf + at, cap - at, "%s%zu", s ? "," : " ", pc->ocounts[s]);
    return 1;
}

/* gg.ensemble_key(model, optimizer, data, opts) → key | nil, reason: calls with equal keys
 * can be trained together by gg.train_epoch_ensemble (see docs/lua-api.md). */
static int ensemble_key(lua_State *L)
{
    const char *f = "gg.ensemble_key";
    lua_settop(L, 4);
    lens_call pc;
    gg_err err;
    int invalid;
    const char *why = read_call(L, 1, f, &pc, &err, &invalid);
    char key[LENS_KEY_CAP];
    if (!why && !call_key(&pc, key, sizeof key))
        why = key;
    lua_pushnil(L);
    if (why) {
        lua_pushstring(L, why);
        return 2;
    }
    lua_pushstring(L, key);
    return 1;
}

/* gg.train_epoch_ensemble(calls) → results: calls[i] = {model, optimizer, data, opts} with
 * equal gg.ensemble_key; results[i] = {step_losses, diverged, mean_loss [, info]}, what
 * gg.train_epoch(table.unpack(calls[i])) returns, every side effect as those calls made in
 * order would leave it. */
static int train_epoch_ensemble(lua_State *L)
{
    const char *f0 = "gg.train_epoch_ensemble";
    lua_settop(L, 1);
    if (!lua_istable(L, 1) || luaL_len(L, 1) < 1)
        return luaL_error(L, "%s: calls must be a non-empty list of {model, optimizer, data, opts}, got %s",
                          f0, lg_describe(L, 1));
    const size_t K = (size_t)luaL_len(L, 1);
    if (K > 1u << 20)
        return luaL_error(L, "%s: too many calls (%d)", f0, (int)K);
    lens_call *pc = lua_newuserdatauv(L, K * sizeof *pc, 0);      /* stack: calls pc */
    gg_ens_run *runs = lua_newuserdatauv(L, K * sizeof *runs, 0); /* stack: calls pc runs */
    char key0[LENS_KEY_CAP], key[LENS_KEY_CAP], f[96];
    for (size_t i = 0; i < K; i++) {
        luaL_checkstack(L, 8, "gg.train_epoch_ensemble: too many calls");
        snprintf(f, sizeof f, "%s: calls[%zu]", f0, i + 1);
        if (lua_geti(L, 1, (lua_Integer)i + 1) != LUA_TTABLE)
            return luaL_error(L, "%s must be a table {model, optimizer, data, opts}, got %s", f,
                              lg_describe(L, -1));
        const int t = lua_gettop(L);
        for (int j = 1; j <= 4; j++)
            lua_geti(L, t, j);
        lua_remove(L, t);                                    /* ... m o ds opts */
        const int base = t;
        lua_settop(L, base + 3);
        gg_err err;
        int invalid;
        const char *why = read_call(L, base, f, &pc[i], &err, &invalid);  /* ... m o ds opts weight */
        if (why && invalid)
            return luaL_error(L, "%s: %s", f, why);
        if (why)
            return luaL_error(L, "%s: cannot join an ensemble (%s)", f, why);
        if (!call_key(&pc[i], i ? key : key0, sizeof key))
            return luaL_error(L, "%s: cannot join an ensemble (%s)", f, i ? key : key0);
        if (i && strcmp(key, key0) != 0)
            return luaL_error(L, "%s: its ensemble key differs from calls[1]'s (%s vs %s)", f, key, key0);
        for (size_t j = 0; j < i; j++)
            if (pc[j].lm == pc[i].lm || pc[j].o == pc[i].o)
                return luaL_error(L, "%s: uses the model or optimizer of calls[%d]", f, (int)j + 1);
    }
    gg_isa isa;
    gg_err err;
    if (lg_isa_from_env(&isa, &err))
        return lg_fail(L, f0, &err);
    // The epochs' batches: each call's order (equal counts: the key says so), or drawn
    // call by call in order as the calls one by one would draw them.
    const size_t n0 = gg_dataset_n(pc[0].ds), steps = gg_train_steps_per_epoch(&pc[0].c, n0);
    size_t *counts = pc[0].oidx ? pc[0].ocounts : lua_newuserdatauv(L, (steps ? steps : 1) * sizeof *counts, 0);
    size_t nb = pc[0].onb;
    for (size_t i = 0; i < K; i++) {
        luaL_checkstack(L, 8, "gg.train_epoch_ensemble: too many calls");
        snprintf(f, sizeof f, "%s: calls[%zu]", f0, i + 1);
        const size_t n = gg_dataset_n(pc[i].ds);
        size_t *idx = pc[i].oidx;
        if (!idx) {
            gg_rng *r = pc[i].c.shuffle ? lg_rng_for(L, pc[i].opts, f) : NULL;  /* ... [rng] */
            idx = lua_newuserdatauv(L, (n ? n : 1) * sizeof *idx, 0);
            nb = gg_train_plan(&pc[i].c, n, r, idx, counts);
        }
        runs[i] = (gg_ens_run){.m = pc[i].lm->m, .o = pc[i].o, .ds = pc[i].ds, .loss = pc[i].c.loss,
                               .idx = idx, .sched = pc[i].sched};
        runs[i].loss_log = lua_newuserdatauv(L, (nb ? nb : 1) * sizeof(float), 0);
        if (pc[i].want_lrs)
            runs[i].lr_log = lua_newuserdatauv(L, (nb ? nb : 1) * sizeof(double), 0);
    }
    if (gg_ensemble_train(isa, runs, K, counts, nb, &err))
        return lg_fail(L, f0, &err);  // a scheduler failing after gg_ensemble_sched_ok: never
    lua_createtable(L, (int)K, 0);                           /* ... results */
    for (size_t i = 0; i < K; i++) {
        const gg_epoch_result *res = &runs[i].res;
        pc[i].lm->gen++;
        lua_createtable(L, 4, 0);
        lg_push_numbers(L, runs[i].loss_log, NULL, res->steps);
        lua_rawseti(L, -2, 1);
        lua_pushboolean(L, res->diverged);
        lua_rawseti(L, -2, 2);
        lua_pushnumber(L, res->mean_loss);
        lua_rawseti(L, -2, 3);
        if (pc[i].want_lrs) {
            lua_createtable(L, 0, 1);
            lg_push_numbers(L, NULL, runs[i].lr_log, res->steps);
            lua_setfield(L, -2, "lr");
            lua_rawseti(L, -2, 4);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static const luaL_Reg ensemble_funcs[] = {
    {"ensemble_key", ensemble_key}, {"train_epoch_ensemble", train_epoch_ensemble}, {NULL, NULL},
};

void lg_open_ensemble(lua_State *L)
{
    luaL_setfuncs(L, ensemble_funcs, 0);
}
