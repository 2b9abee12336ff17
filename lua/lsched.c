/* lua/lsched.c — gglab.Sched: gg.sched.step_lr(opt, opts) and the other learning-rate
 * schedulers of torch.optim.lr_scheduler (1.13), all core/sched.h objects. A scheduler keeps
 * its optimizer alive (user value 1). Constructing one performs torch's initial step (sets
 * the optimizer's lr for step 0); sched:step() (sched:step(metric) for reduce_lr_on_plateau)
 * goes after opt:step(). lambda_lr keeps its Lua function as user value 2 and gives the core
 * a callback calling it; sequential_lr keeps its list of schedulers as user value 2 (the
 * core composite borrows their core objects).
 *
 * torch's base lr is the param group's 'initial_lr', set by the first scheduler attached
 * to an optimizer (setdefault) and overwritten by OneCycleLR; later schedulers and
 * SequentialLR read it. It lives in a registry table with weak keys, per optimizer. */
#include "lgglab.h"

#include <string.h>

#include "../core/sched.h"


#define INITIAL_LR_KEY "gglab.sched.initial_lr"

struct lg_sched {
    gg_sched *s;         /* NULL until constructed, and once closed */
    lg_sched_call *call; /* lambda_lr: the core call in progress (set by lg_sched_bind) */
    int fn;              /* lambda_lr: stack index of its function during that call */
};


lg_sched *lg_sched_check(lua_State *L, int idx)
{
    lg_sched *ls = luaL_checkudata(L, idx, GG_SCHED_MT);
    if (!ls->s)
        luaL_error(L, "attempt to use a closed gglab.Sched");
    return ls;
}

static gg_sched_kind kind_of(const lg_sched *ls)
{
    return gg_sched_kind_of(ls->s);
}

/* Make the scheduler at idx (and a sequential's children) ready for core calls made by the
 * running C function: each lambda's function is pushed and remembered. */
static void bind(lua_State *L, int idx, lg_sched *ls, lg_sched_call *call)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 8, "gglab.Sched");
    ls->call = call;
    call->L = L;
    call->raised = 0;
    gg_sched_kind k = ls->s ? kind_of(ls) : GG_SCHED_LAMBDA;  // a lambda being constructed
    if (k == GG_SCHED_LAMBDA) {
        lua_getiuservalue(L, idx, 2);                    /* stack: ... fn */
        ls->fn = lua_gettop(L);
    } else if (k == GG_SCHED_SEQUENTIAL) {
        lua_getiuservalue(L, idx, 2);                    /* stack: ... children */
        int list = lua_gettop(L);
        for (lua_Integer i = 1, n = luaL_len(L, list); i <= n; i++) {
            lua_geti(L, list, i);                        /* stack: ... children child */
            bind(L, -1, lg_sched_check(L, -1), call);    // a closed child raises here
        }
    }
}

gg_sched *lg_sched_bind(lua_State *L, int idx, lg_sched_call *call)
{
    lg_sched *ls = lg_sched_check(L, idx);
    bind(L, idx, ls, call);
    return ls->s;
}

int lg_sched_fail(lua_State *L, const lg_sched_call *call, const char *f, const gg_err *err)
{
    if (call->raised)  // a lambda's function raised: its error value is on top
        return lua_error(L);
    return lg_fail(L, f, err);
}

/* lambda_lr's gg_sched_factor_fn: calls the Lua function (protected: an error must not
 * unwind through the core) and checks that it returned a number. */
static gg_status lambda_factor(void *ctx, long epoch, double *factor, gg_err *err)
{
    lg_sched *ls = ctx;
    lua_State *L = ls->call->L;
    int top = lua_gettop(L);
    lua_pushvalue(L, ls->fn);
    lua_pushinteger(L, epoch);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {               /* stack: ... error */
        ls->call->raised = 1;
        return gg_err_set(err, GG_EINVAL, "the function raised an error (epoch %ld)", epoch);
    }
    gg_status st = GG_OK;
    if (lua_type(L, -1) == LUA_TNUMBER)
        *factor = lua_tonumber(L, -1);
    else
        st = gg_err_set(err, GG_EINVAL, "the function must return a number, got %s (epoch %ld)",
                        lg_describe(L, -1), epoch);
    lua_settop(L, top);
    return st;
}

/* New scheduler userdata (closed until gg_sched_new succeeds) on optimizer 1, pushed. */
static lg_sched *push_sched(lua_State *L)
{
    lg_sched *ls = lua_newuserdatauv(L, sizeof *ls, 2);
    memset(ls, 0, sizeof *ls);
    luaL_setmetatable(L, GG_SCHED_MT);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    return ls;
}

/* ---- initial_lr per optimizer ---- */

/* Push the weak-keyed table optimizer → initial_lr. */
static void push_initial_table(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, INITIAL_LR_KEY) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);                       /* stack: t */
    lua_newtable(L);                       /* stack: t mt */
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, INITIAL_LR_KEY);
}

/* initial_lr of the optimizer at opt, or def if none is recorded. */
static double get_initial_lr(lua_State *L, int opt, double def)
{
    opt = lua_absindex(L, opt);
    push_initial_table(L);
    lua_pushvalue(L, opt);
    if (lua_rawget(L, -2) == LUA_TNUMBER)  /* stack: t v */
        def = lua_tonumber(L, -1);
    lua_pop(L, 2);
    return def;
}

/* Record initial_lr (overwrite, or only when absent: torch's setdefault). */
static void set_initial_lr(lua_State *L, int opt, double lr, int overwrite)
{
    opt = lua_absindex(L, opt);
    push_initial_table(L);                 /* stack: t */
    lua_pushvalue(L, opt);
    int present = lua_rawget(L, -2) == LUA_TNUMBER;
    lua_pop(L, 1);
    if (overwrite || !present) {
        lua_pushvalue(L, opt);
        lua_pushnumber(L, lr);             /* stack: t opt lr */
        lua_rawset(L, -3);
    }
    lua_pop(L, 1);
}

/* ---- options ---- */

/* Integer option (absent → def; required → error). Range is checked by core/sched.c. */
static long opt_integer(lua_State *L, const char *f, const char *key, long def, int required,
                        const char *what)
{
    int t = lua_istable(L, 2) ? lua_getfield(L, 2, key) : (lua_pushnil(L), LUA_TNIL);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        if (required)
            luaL_error(L, "%s: %s is required (%s)", f, key, what);
        return def;
    }
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (t != LUA_TNUMBER || !isint || v < -(lua_Integer)2147483647 || v > 2147483647)
        luaL_error(L, "%s: %s must be %s, got %s", f, key, what, lg_describe(L, -1));
    lua_pop(L, 1);
    return (long)v;
}

static void require_field(lua_State *L, const char *f, const char *key, const char *what)
{
    if (!lua_istable(L, 2) || lua_getfield(L, 2, key) == LUA_TNIL)
        luaL_error(L, "%s: %s is required (%s)", f, key, what);
    lua_pop(L, 1);
}

/* ---- native constructors ---- */

/* Build the scheduler: stack 1 = optimizer, 2 = options (checked into *c). */
static int push_native(lua_State *L, const char *f, const gg_sched_cfg *c)
{
    gg_optim *o = lg_optim_check(L, 1);
    lg_sched *ls = push_sched(L);                         /* stack: opt opts ... sched */
    double lr0 = gg_optim_lr(o);
    double base = get_initial_lr(L, 1, lr0);
    gg_err err;
    if (gg_sched_new(&ls->s, c, o, base, &err))
        return lg_fail(L, f, &err);
    if (c->kind == GG_SCHED_ONE_CYCLE)
        set_initial_lr(L, 1, c->one_cycle.max_lr / c->one_cycle.div_factor, 1);
    else if (c->kind != GG_SCHED_PLATEAU)
        set_initial_lr(L, 1, lr0, 0);
    return 1;
}

static void begin(lua_State *L, const char *f, const char *const allowed[])
{
    lg_optim_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
}

static int sched_step_lr(lua_State *L)
{
    static const char *const allowed[] = {"step_size", "gamma", NULL};
    const char *f = "gg.sched.step_lr";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_STEP);
    c.step.step_size = opt_integer(L, f, "step_size", 0, 1, "a positive integer");
    c.step.gamma = lg_opt_positive(L, 2, f, "gamma", c.step.gamma);
    return push_native(L, f, &c);
}

static int sched_multistep_lr(lua_State *L)
{
    static const char *const allowed[] = {"milestones", "gamma", NULL};
    const char *f = "gg.sched.multistep_lr";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_MULTISTEP);
    c.multistep.gamma = lg_opt_positive(L, 2, f, "gamma", c.multistep.gamma);
    require_field(L, f, "milestones", "a list of non-negative integers");
    lua_getfield(L, 2, "milestones");                     /* stack: opt opts ms */
    if (!lua_istable(L, -1))
        return luaL_error(L, "%s: milestones must be a list of non-negative integers, got %s", f,
                          lg_describe(L, -1));
    size_t n = (size_t)luaL_len(L, -1);
    long *ms = lua_newuserdatauv(L, (n ? n : 1) * sizeof *ms, 0);  /* stack: ... ms buf */
    for (size_t i = 0; i < n; i++) {
        lua_geti(L, -2, (lua_Integer)i + 1);
        int isint = 0;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || lua_type(L, -1) != LUA_TNUMBER || v < 0 || v > 2147483647)
            return luaL_error(L, "%s: milestones must be a list of non-negative integers, got %s "
                              "at %d", f, lg_describe(L, -1), (int)i + 1);
        ms[i] = (long)v;
        lua_pop(L, 1);
    }
    c.multistep.milestones = ms;
    c.multistep.n_milestones = n;
    return push_native(L, f, &c);                        // copies the milestones
}

static int sched_exponential_lr(lua_State *L)
{
    static const char *const allowed[] = {"gamma", NULL};
    const char *f = "gg.sched.exponential_lr";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_EXPONENTIAL);
    require_field(L, f, "gamma", "a positive number");
    c.exponential.gamma = lg_opt_positive(L, 2, f, "gamma", 0.0);
    return push_native(L, f, &c);
}

static int sched_cosine_annealing_lr(lua_State *L)
{
    static const char *const allowed[] = {"T_max", "eta_min", NULL};
    const char *f = "gg.sched.cosine_annealing_lr";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_COSINE);
    c.cosine.T_max = opt_integer(L, f, "T_max", 0, 1, "a positive integer");
    c.cosine.eta_min = lg_opt_nonneg(L, 2, f, "eta_min", 0.0);
    return push_native(L, f, &c);
}

static int sched_cosine_annealing_warm_restarts(lua_State *L)
{
    static const char *const allowed[] = {"T_0", "T_mult", "eta_min", NULL};
    const char *f = "gg.sched.cosine_annealing_warm_restarts";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_COSINE_RESTARTS);
    c.restarts.T_0 = opt_integer(L, f, "T_0", 0, 1, "a positive integer");
    c.restarts.T_mult = opt_integer(L, f, "T_mult", 1, 0, "an integer >= 1");
    c.restarts.eta_min = lg_opt_nonneg(L, 2, f, "eta_min", 0.0);
    return push_native(L, f, &c);
}

static int sched_reduce_lr_on_plateau(lua_State *L)
{
    static const char *const allowed[] = {"mode", "factor", "patience", "threshold",
                                          "threshold_mode", "cooldown", "min_lr", "eps", NULL};
    static const char *const modes[] = {"min", "max", NULL};
    static const char *const tmodes[] = {"rel", "abs", NULL};
    const char *f = "gg.sched.reduce_lr_on_plateau";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_PLATEAU);
    gg_plateau_cfg *p = &c.plateau;
    p->mode_max = lg_opt_enum(L, 2, f, "mode", "min", modes);
    p->factor = lg_opt_nonneg(L, 2, f, "factor", p->factor);
    p->patience = opt_integer(L, f, "patience", p->patience, 0, "a non-negative integer");
    p->threshold = lg_opt_nonneg(L, 2, f, "threshold", p->threshold);
    p->threshold_abs = lg_opt_enum(L, 2, f, "threshold_mode", "rel", tmodes);
    p->cooldown = opt_integer(L, f, "cooldown", p->cooldown, 0, "a non-negative integer");
    p->min_lr = lg_opt_nonneg(L, 2, f, "min_lr", p->min_lr);
    p->eps = lg_opt_nonneg(L, 2, f, "eps", p->eps);
    return push_native(L, f, &c);
}

static int sched_one_cycle_lr(lua_State *L)
{
    static const char *const allowed[] = {"max_lr", "total_steps", "pct_start",
                                          "anneal_strategy", "cycle_momentum", "base_momentum",
                                          "max_momentum", "div_factor", "final_div_factor",
                                          "three_phase", NULL};
    static const char *const anneal[] = {"cos", "linear", NULL};
    const char *f = "gg.sched.one_cycle_lr";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_ONE_CYCLE);
    gg_one_cycle_cfg *o = &c.one_cycle;
    require_field(L, f, "max_lr", "a positive number");
    o->max_lr = lg_opt_positive(L, 2, f, "max_lr", 0.0);
    o->total_steps = opt_integer(L, f, "total_steps", 0, 1, "a positive integer");
    o->pct_start = lg_opt_nonneg(L, 2, f, "pct_start", o->pct_start);
    o->anneal_linear = lg_opt_enum(L, 2, f, "anneal_strategy", "cos", anneal);
    o->cycle_momentum = lg_opt_bool(L, 2, f, "cycle_momentum", o->cycle_momentum);
    o->base_momentum = lg_opt_nonneg(L, 2, f, "base_momentum", o->base_momentum);
    o->max_momentum = lg_opt_nonneg(L, 2, f, "max_momentum", o->max_momentum);
    o->div_factor = lg_opt_positive(L, 2, f, "div_factor", o->div_factor);
    o->final_div_factor = lg_opt_positive(L, 2, f, "final_div_factor", o->final_div_factor);
    o->three_phase = lg_opt_bool(L, 2, f, "three_phase", 0);
    return push_native(L, f, &c);
}

static int sched_linear_lr(lua_State *L)
{
    static const char *const allowed[] = {"start_factor", "end_factor", "total_iters", NULL};
    const char *f = "gg.sched.linear_lr";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_LINEAR);
    c.linear.start_factor = lg_opt_number(L, 2, f, "start_factor", c.linear.start_factor);
    c.linear.end_factor = lg_opt_number(L, 2, f, "end_factor", c.linear.end_factor);
    c.linear.total_iters = opt_integer(L, f, "total_iters", c.linear.total_iters, 0,
                                       "a positive integer");
    return push_native(L, f, &c);
}

static int sched_constant_lr(lua_State *L)
{
    static const char *const allowed[] = {"factor", "total_iters", NULL};
    const char *f = "gg.sched.constant_lr";
    begin(L, f, allowed);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_CONSTANT);
    c.constant.factor = lg_opt_number(L, 2, f, "factor", c.constant.factor);
    c.constant.total_iters = opt_integer(L, f, "total_iters", c.constant.total_iters, 0,
                                         "a non-negative integer");
    return push_native(L, f, &c);
}

/* ---- lambda_lr ---- */

static int sched_lambda_lr(lua_State *L)
{
    gg_optim *o = lg_optim_check(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lg_sched *ls = push_sched(L);                         /* stack: opt fn sched */
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, 3, 2);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_LAMBDA);
    c.lambda.factor = lambda_factor;
    c.lambda.ctx = ls;
    lg_sched_call call = {L, 0};
    bind(L, 3, ls, &call);                                /* stack: opt fn sched fn */
    double lr0 = gg_optim_lr(o);
    gg_err err;
    if (gg_sched_new(&ls->s, &c, o, get_initial_lr(L, 1, lr0), &err))
        return lg_sched_fail(L, &call, "gg.sched.lambda_lr", &err);
    set_initial_lr(L, 1, lr0, 0);
    lua_settop(L, 3);
    return 1;
}

/* ---- sequential_lr ---- */

static int sched_sequential_lr(lua_State *L)
{
    static const char *const allowed[] = {"schedulers", "milestones", NULL};
    const char *f = "gg.sched.sequential_lr";
    gg_optim *o = lg_optim_check(L, 1);
    lg_opts_check(L, 2, f, allowed);
    lua_settop(L, 2);
    require_field(L, f, "schedulers", "a list of gglab.Sched on the same optimizer");
    require_field(L, f, "milestones", "a list of increasing positive integers");
    lua_getfield(L, 2, "schedulers");                     /* stack: opt opts scheds */
    lua_getfield(L, 2, "milestones");                     /* stack: opt opts scheds ms */
    if (!lua_istable(L, 3) || luaL_len(L, 3) < 1)
        return luaL_error(L, "%s: schedulers must be a non-empty list of gglab.Sched, got %s", f,
                          lg_describe(L, 3));
    lua_Integer n = luaL_len(L, 3);
    if (!lua_istable(L, 4) || luaL_len(L, 4) != n - 1)
        return luaL_error(L, "%s: milestones must be a list of %d integers (one fewer than "
                          "schedulers), got %s", f, (int)(n - 1), lg_describe(L, 4));
    // NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers
    gg_sched **children = lua_newuserdatauv(L, (size_t)n * sizeof *children, 0);
    long *milestones = lua_newuserdatauv(L, (size_t)n * sizeof *milestones, 0);
    lua_newtable(L);                                      /* stack: ... kids ms' children */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 3, i);                                /* stack: ... children s */
        lg_sched *c = luaL_testudata(L, -1, GG_SCHED_MT);
        if (!c || !c->s)
            return luaL_error(L, "%s: schedulers[%d] must be an open gglab.Sched, got %s", f,
                              (int)i, lg_describe(L, -1));
        lua_getiuservalue(L, -1, 1);
        if (!lua_rawequal(L, -1, 1))
            return luaL_error(L, "%s: schedulers[%d] belongs to another optimizer", f, (int)i);
        lua_pop(L, 1);
        children[i - 1] = c->s;
        lua_rawseti(L, -2, i);
    }
    for (lua_Integer i = 1; i < n; i++) {  // their order is checked by the core
        lua_geti(L, 4, i);
        int isint = 0;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || lua_type(L, -1) != LUA_TNUMBER || v < -2147483647 || v > 2147483647)
            return luaL_error(L, "%s: milestones must be non-decreasing positive integers, got "
                              "%s at %d", f, lg_describe(L, -1), (int)i);
        milestones[i - 1] = (long)v;
        lua_pop(L, 1);
    }
    lg_sched *ls = push_sched(L);                         /* stack: ... children sched */
    lua_pushvalue(L, -2);
    lua_setiuservalue(L, -2, 2);
    int at = lua_gettop(L);
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_SEQUENTIAL);
    c.sequential.children = children;
    c.sequential.n_children = (size_t)n;
    c.sequential.milestones = milestones;
    lg_sched_call call = {L, 0};
    lua_pushvalue(L, -2);                                 /* stack: ... sched children */
    int list = lua_gettop(L);
    for (lua_Integer i = 1; i <= n; i++) {                // a lambda first may be called
        lua_geti(L, list, i);
        bind(L, -1, lua_touserdata(L, -1), &call);
    }
    gg_err err;
    if (gg_sched_new(&ls->s, &c, o, get_initial_lr(L, 1, gg_optim_lr(o)), &err))
        return lg_sched_fail(L, &call, f, &err);
    lua_settop(L, at);
    return 1;
}

/* ---- methods ---- */

/* sched:step() / sched:step(metric) (reduce_lr_on_plateau) */
static int sched_step(lua_State *L)
{
    const char *f = "gglab.Sched:step";
    lg_sched *ls = lg_sched_check(L, 1);
    double metric = 0.0;
    if (kind_of(ls) == GG_SCHED_PLATEAU)
        metric = luaL_checknumber(L, 2);
    else if (!lua_isnone(L, 2))
        return luaL_error(L, "%s: %s takes no argument (only reduce_lr_on_plateau takes a "
                          "metric)", f, gg_sched_kind_name(kind_of(ls)));
    lua_settop(L, 1);
    lg_sched_call call = {L, 0};
    gg_sched *s = lg_sched_bind(L, 1, &call);
    lua_getiuservalue(L, 1, 1);
    gg_optim *o = lg_optim_check(L, -1);
    gg_err err;
    if (gg_sched_step(s, o, metric, &err))
        return lg_sched_fail(L, &call, f, &err);
    return 0;
}

static int sched_get_last_lr(lua_State *L)
{
    lua_pushnumber(L, gg_sched_last_lr(lg_sched_check(L, 1)->s));
    return 1;
}

static int sched_last_epoch(lua_State *L)
{
    lua_pushinteger(L, gg_sched_epoch(lg_sched_check(L, 1)->s));
    return 1;
}

static int sched_optimizer(lua_State *L)
{
    lg_sched_check(L, 1);
    lua_getiuservalue(L, 1, 1);
    return 1;
}

static int sched_kind(lua_State *L)
{
    lua_pushstring(L, gg_sched_kind_name(kind_of(lg_sched_check(L, 1))));
    return 1;
}

/* Number fields of gg_sched_state, for state_dict / load_state_dict. */
static const struct {
    const char *name;
    int is_long;
    size_t off;
} STATE_FIELDS[] = {
    {"last_epoch", 1, offsetof(gg_sched_state, epoch)},
    {"base_lr", 0, offsetof(gg_sched_state, base_lr)},
    {"lr", 0, offsetof(gg_sched_state, lr)},
    {"momentum", 0, offsetof(gg_sched_state, momentum)},
    {"T_i", 1, offsetof(gg_sched_state, T_i)},
    {"T_cur", 1, offsetof(gg_sched_state, T_cur)},
    {"best", 0, offsetof(gg_sched_state, best)},
    {"num_bad_epochs", 1, offsetof(gg_sched_state, num_bad_epochs)},
    {"cooldown_counter", 1, offsetof(gg_sched_state, cooldown_counter)},
};
#define N_STATE_FIELDS (sizeof STATE_FIELDS / sizeof STATE_FIELDS[0])

static void push_state(lua_State *L, gg_sched *s)
{
    const gg_sched_state *st = gg_sched_get_state(s);
    const size_t nc = gg_sched_nchildren(s);
    lua_createtable(L, 0, (int)N_STATE_FIELDS + 2);
    lua_pushstring(L, gg_sched_kind_name(gg_sched_kind_of(s)));
    lua_setfield(L, -2, "kind");
    for (size_t i = 0; i < N_STATE_FIELDS; i++) {
        const char *p = (const char *)st + STATE_FIELDS[i].off;
        if (STATE_FIELDS[i].is_long)
            lua_pushinteger(L, (lua_Integer) * (const long *)(const void *)p);
        else
            lua_pushnumber(L, *(const double *)(const void *)p);
        lua_setfield(L, -2, STATE_FIELDS[i].name);
    }
    if (nc) {
        lua_createtable(L, (int)nc, 0);
        for (size_t i = 0; i < nc; i++) {
            push_state(L, gg_sched_child(s, i));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "children");
    }
}

/* Read the state table at idx for s (and its children) into out[*k...] in push_state's
 * order, checking kinds and fields; raises naming the field. */
static void read_state(lua_State *L, int idx, gg_sched *s, gg_sched_state *out, size_t *k, size_t max,
                       const char *f)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: state must be a table (from state_dict), got %s", f, lg_describe(L, idx));
    if (*k >= max)
        luaL_error(L, "%s: too many nested schedulers", f);
    lua_getfield(L, idx, "kind");
    const char *kind = gg_sched_kind_name(gg_sched_kind_of(s));
    if (!lua_isstring(L, -1) || strcmp(lua_tostring(L, -1), kind) != 0)
        luaL_error(L, "%s: the state is of scheduler %s, this one is '%s'", f, lg_describe(L, -1), kind);
    lua_pop(L, 1);
    gg_sched_state *st = &out[(*k)++];
    *st = *gg_sched_get_state(s);
    for (size_t i = 0; i < N_STATE_FIELDS; i++) {
        char *p = (char *)st + STATE_FIELDS[i].off;
        lua_getfield(L, idx, STATE_FIELDS[i].name);
        int isint = 0;
        if (STATE_FIELDS[i].is_long) {
            lua_Integer v = lua_tointegerx(L, -1, &isint);
            if (!isint)
                luaL_error(L, "%s: %s must be an integer, got %s", f, STATE_FIELDS[i].name, lg_describe(L, -1));
            *(long *)(void *)p = (long)v;
        } else {
            if (!lua_isnumber(L, -1))
                luaL_error(L, "%s: %s must be a number, got %s", f, STATE_FIELDS[i].name, lg_describe(L, -1));
            *(double *)(void *)p = lua_tonumber(L, -1);
        }
        lua_pop(L, 1);
    }
    const size_t nc = gg_sched_nchildren(s);
    lua_getfield(L, idx, "children");
    if (nc && (!lua_istable(L, -1) || luaL_len(L, -1) != (lua_Integer)nc))
        luaL_error(L, "%s: the state must list %d children's states", f, (int)nc);
    for (size_t i = 0; i < nc; i++) {
        lua_geti(L, -1, (lua_Integer)i + 1);
        read_state(L, -1, gg_sched_child(s, i), out, k, max, f);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void write_state(gg_sched *s, const gg_sched_state *in, size_t *k)
{
    gg_sched_set_state(s, &in[(*k)++]);
    for (size_t i = 0; i < gg_sched_nchildren(s); i++)
        write_state(gg_sched_child(s, i), in, k);
}

/* sched:state_dict() → {kind =, last_epoch =, base_lr =, lr =, momentum =, T_i =, T_cur =,
 * best =, num_bad_epochs =, cooldown_counter = [, children = {...}]} */
static int sched_state_dict(lua_State *L)
{
    push_state(L, lg_sched_check(L, 1)->s);
    return 1;
}

/* sched:load_state_dict(state): restore a state_dict() of a scheduler of the same kind (a
 * sequential's children too); checked before anything is written. The optimizer's lr is
 * not touched: it is the optimizer's state. */
static int sched_load_state_dict(lua_State *L)
{
    gg_sched *s = lg_sched_check(L, 1)->s;
    gg_sched_state st[64];
    size_t k = 0;
    read_state(L, 2, s, st, &k, 64, "gglab.Sched:load_state_dict");
    k = 0;
    write_state(s, st, &k);
    return 0;
}

static int sched_tostring(lua_State *L)
{
    lg_sched *ls = luaL_checkudata(L, 1, GG_SCHED_MT);
    if (!ls->s) {
        lua_pushliteral(L, "gglab.Sched(closed)");
        return 1;
    }
    char buf[64];
    lua_pushnumber(L, gg_sched_last_lr(ls->s));
    const char *lr = lg_fmt_number(L, -1, 0, buf);
    lua_pushfstring(L, "gglab.Sched(%s, epoch=%d, lr=%s)", gg_sched_kind_name(kind_of(ls)),
                    (int)gg_sched_epoch(ls->s), lr);
    return 1;
}

static int sched_gc(lua_State *L)
{
    lg_sched *ls = luaL_checkudata(L, 1, GG_SCHED_MT);
    gg_sched_free(ls->s);
    ls->s = NULL;
    return 0;
}

static const luaL_Reg sched_methods[] = {
    {"step", sched_step},           {"get_last_lr", sched_get_last_lr},
    {"last_epoch", sched_last_epoch}, {"optimizer", sched_optimizer},
    {"kind", sched_kind},           {"state_dict", sched_state_dict},
    {"load_state_dict", sched_load_state_dict}, {NULL, NULL},
};

static const luaL_Reg sched_meta[] = {
    {"__gc", sched_gc}, {"__close", sched_gc}, {"__tostring", sched_tostring}, {NULL, NULL},
};

static const luaL_Reg sched_funcs[] = {
    {"step_lr", sched_step_lr},
    {"multistep_lr", sched_multistep_lr},
    {"exponential_lr", sched_exponential_lr},
    {"cosine_annealing_lr", sched_cosine_annealing_lr},
    {"cosine_annealing_warm_restarts", sched_cosine_annealing_warm_restarts},
    {"reduce_lr_on_plateau", sched_reduce_lr_on_plateau},
    {"one_cycle_lr", sched_one_cycle_lr},
    {"linear_lr", sched_linear_lr},
    {"constant_lr", sched_constant_lr},
    {"lambda_lr", sched_lambda_lr},
    {"sequential_lr", sched_sequential_lr},
    {NULL, NULL},
};

void lg_open_sched(lua_State *L)
{
    lg_newclass(L, GG_SCHED_MT, sched_meta, sched_methods);
    luaL_newlib(L, sched_funcs);          /* stack: gg sched */
    lua_setfield(L, -2, "sched");
}
