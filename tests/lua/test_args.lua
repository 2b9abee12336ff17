-- tests/lua/test_args.lua — lua/gglab/lib/args.lua, the one argument checker of the Lua API, and
-- the message shape it shares with lua/lopts.c: "<fname>: unknown option 'k' (allowed: a, b);
-- did you mean 'b'?", "<fname>: <key> must be <what>, got <value>". Each API case pins the
-- whole message AND the position: the file:line of the line in THIS script that made the bad
-- call (not a line inside lua/gglab/).

local T = require "check"
local gg = require "gglab"
local args = require "gglab.lib.args"

local SRC = debug.getinfo(1, "S").short_src

-- The error fn raises, checked against "<this file>:<the line fn was written on>: " .. want.
-- Each case is written on one line, so the line fn was defined on is the line of the call.
local function at_caller(name, want, fn)
  local ok, err = pcall(fn)
  local line = debug.getinfo(fn, "S").linedefined
  T.eq(name, not ok and tostring(err) or "no error", string.format("%s:%d: %s", SRC, line, want))
end

-- ---- describe ----
local d = args.describe
T.eq("describe", { d("adam"), d(0.1), d(3), d(nil), d(true), d({}), d(print), d(0 / 0), d(math.huge) },
  { "'adam'", "0.1", "3", "nil", "a boolean", "a table", "a function", "nan", "inf" })
T.eq("describe: an object's type name", args.describe(gg.nn.mlp { 2, 1 }), "gglab.Model")
T.eq("describe: __describe string", args.describe(setmetatable({}, { __describe = "a thing" })), "a thing")
T.eq("describe: __describe function",
  args.describe(setmetatable({ d = "x" }, { __describe = function(v) return v.d end })), "x")
T.eq("describe: a sweep", args.describe(gg.grid { a = { 1, 2 } }), "a sweep")
T.eq("describe: a sampler", args.describe(gg.uniform(0, 1)), "uniform(0, 1)")
T.eq("describe: control bytes", args.describe("a\tb\0"), "'a\\tb\\0'")

-- ---- suggest: one implementation (lopts.c), reached from Lua as gg._suggest ----
local names = { "lr", "momentum", "dampening", "epochs", "nesterov" }
for _, w in ipairs { "lrr", "LR", "mom", "epoch", "nestrov", "damp", "x", "zzz" } do
  T.eq("args.suggest = gg._suggest: " .. w, args.suggest(w, names), gg._suggest(w, names))
end
T.eq("suggest", args.suggest("mometum", { "lr", "momentum" }), "momentum")
T.eq("suggest: nothing near", args.suggest("xyz", { "lr", "momentum" }), nil)
T.eq("suggest: not a string", args.suggest(1, { "lr" }), nil)
T.eq("suggest: a long word is far from everything",
  args.suggest(string.rep("a", 70), { string.rep("a", 69) }), nil)
T.raises("suggest: candidates are strings", function() gg._suggest("a", { 1 }) end,
  "gg._suggest: candidate 1 must be a string, got 1")
T.eq("did_you_mean", args.did_you_mean("gama", { "step_size", "gamma" }), "; did you mean 'gamma'?")
T.eq("did_you_mean: none", args.did_you_mean("zzz", { "step_size", "gamma" }), "")
local util = require "gglab.lib.util"
T.eq("util keeps no message helpers", { util.describe, util.suggest, util.did_you_mean }, {})

-- ---- check_options ----
local function opts_err(...)
  local ok, e = pcall(args.check_options, ...)
  if ok then return "no error" end
  return (tostring(e):gsub("^[^:\n]*:%d+: ", ""))
end
T.eq("check_options: nil is fine", args.check_options("f", nil, { "a" }), nil)
local o = { a = 1 }
T.eq("check_options returns opts", args.check_options("f", o, { "a", "b" }), o)
T.eq("check_options: unknown", opts_err("f", { c = 1 }, { "a", "b" }),
  "f: unknown option 'c' (allowed: a, b)")
T.eq("check_options: did you mean", opts_err("f", { bb = 1 }, { "a", "b", "bbb" }),
  "f: unknown option 'bb' (allowed: a, b, bbb); did you mean 'b'?")
T.eq("check_options: a set is listed sorted", opts_err("f", { z = 1 }, { b = true, a = true }),
  "f: unknown option 'z' (allowed: a, b)")
T.eq("check_options: not a table", opts_err("f", 5, { "a" }), "f: options must be a table, got 5")
T.eq("check_options: key not a name", opts_err("f", { 7 }, { "a" }), "f: option keys must be names, got 1")
T.eq("check_options: positional", opts_err("f", { 7, 8, a = 1 }, { "a" }, 2, true), "no error")
do -- level: as error()'s, counted from the function calling the checker
  local function api(o2) args.check_options("api", o2, { "a" }) end
  at_caller("check_options blames the API's caller", "api: unknown option 'b' (allowed: a)",
    function() api { b = 1 } end)
  local function api2(o2) args.check_options("api2", o2, { "a" }, 1) end
  local _, e = pcall(api2, { b = 1 })
  T.eq("level 1 blames the API's own line", tostring(e):match("^[^:]*:(%d+):"),
    tostring(debug.getinfo(api2, "S").linedefined))
end

-- ---- typed options (lopts.c's wording) ----
local function typed(fn, ...)
  local ok, e = pcall(fn, "f", ...)
  if ok then return e end
  return (tostring(e):gsub("^[^:\n]*:%d+: ", ""))
end
T.eq("number", { typed(args.number, { x = 1.5 }, "x", 0), typed(args.number, nil, "x", 7),
  typed(args.number, { x = 0 / 0 }, "x") },
  { 1.5, 7, "f: x must be a finite number, got nan" })
T.eq("positive", { typed(args.positive, { x = 2 }, "x"), typed(args.positive, { x = 0 }, "x"),
  typed(args.positive, { x = "1" }, "x") },
  { 2, "f: x must be a positive number, got 0", "f: x must be a positive number, got '1'" })
T.eq("nonneg", { typed(args.nonneg, { x = 0 }, "x"), typed(args.nonneg, { x = -1 }, "x") },
  { 0, "f: x must be a non-negative number, got -1" })
T.eq("integer", { typed(args.integer, { n = 3 }, "n", 1, 1), typed(args.integer, { n = 0 }, "n", 1, 1),
  typed(args.integer, { n = 2.0 }, "n", 1, 1), typed(args.integer, { n = 9 }, "n", 1, 1, 8) },
  { 3, "f: n must be an integer >= 1, got 0", "f: n must be an integer >= 1, got 2",
    "f: n must be an integer in [1, 8], got 9" })
T.eq("boolean", { typed(args.boolean, { b = false }, "b", true), typed(args.boolean, { b = 1 }, "b") },
  { false, "f: b must be a boolean, got 1" })
T.eq("string", { typed(args.string, { s = "x" }, "s"), typed(args.string, { s = 1 }, "s") },
  { "x", "f: s must be a string, got 1" })
T.eq("enum", { typed(args.enum, { r = "sum" }, "r", "mean", { "mean", "sum" }),
  typed(args.enum, { r = "sun" }, "r", "mean", { "mean", "sum" }),
  typed(args.enum, { r = "max" }, "r", "mean", { "mean", "sum" }) },
  { "sum", "f: r must be one of 'mean', 'sum', got 'sun'; did you mean 'sum'?",
    "f: r must be one of 'mean', 'sum', got 'max'" })

-- ---- the API: message text and the caller's line ----
local m = gg.nn.mlp { 2, 3, 1, seed = 1 }
local ds = gg.data.regression { n = 10, features = 2, seed = 1 }
local opt = gg.optim.sgd(m)

-- layers (lua/gglab/nn.lua, recurrent.lua, transformer.lua)
at_caller("linear",
  "gg.nn.linear: unknown option 'bias_inti' (allowed: init, gain, a, b, mode, nonlinearity, mean, std, "
    .. "value, scale, bias_init, bias_value, bias_mean, bias_std, bias_a, bias_b, bias, requires_grad, "
    .. "weight, tie); did you mean 'bias_init'?",
  function() gg.nn.linear(2, 1, { bias_inti = "zeros" }) end)
at_caller("linear: key not a name",
  "gg.nn.linear: option keys must be names, got 1",
  function() gg.nn.linear(2, 1, { 5 }) end)
at_caller("mlp",
  "gg.nn.mlp: unknown option 'activaton' (allowed: activation, output_activation, batchnorm, dropout, "
    .. "init, keras, seed, rng); did you mean 'activation'?",
  function() gg.nn.mlp { 2, 1, activaton = "relu" } end)
at_caller("lstm",
  "gg.nn.lstm: unknown option 'num_layer' (allowed: num_layers, bias, dropout, return, "
    .. "requires_grad); did you mean 'num_layers'?",
  function() gg.nn.lstm(2, 3, { num_layer = 2 }) end)
at_caller("multihead_attention",
  "gg.nn.multihead_attention: unknown option 'droput' (allowed: bias, dropout, causal, qk_norm, kdim, "
    .. "vdim); did you mean 'dropout'?",
  function() gg.nn.multihead_attention(8, 2, { droput = 0.1 }) end)
at_caller("sequential",
  "gg.nn.sequential: unknown option 'inputs' (allowed: input, seed, rng, init); did you mean 'input'?",
  function() gg.nn.sequential({ gg.nn.linear(2, 1) }, { inputs = 2 }) end)
at_caller("residual",
  "gg.nn.residual: unknown option 'activaton' (allowed: projection, "
    .. "activation); did you mean 'activation'?",
  function() gg.nn.residual { gg.nn.linear(2, 2), activaton = gg.nn.relu() } end)
at_caller("custom",
  "gg.nn.custom: unknown option 'nmae' (allowed: name); did you mean 'name'?",
  function() gg.nn.custom(function(x) return x end, { nmae = "x" }) end)

-- gg.train (lua/gglab/train.lua)
at_caller("train",
  "gg.train: unknown option 'epoch' (allowed: model, data, loss, optimizer, batch_size, epochs, "
    .. "shuffle, drop_last, val, log, log_every, seed, rng, order, l1, l2, clip_norm, clip_norm_type, "
    .. "clip_value, log_grad_norm, validation_split, scheduler, scheduler_step, keras, early_stopping, "
    .. "val_loss, diagnostics, on_epoch_end, on_step_end, metrics, per_class, checkpoint_every); did you mean 'epochs'?",
  function() gg.train { model = m, data = ds, optimizer = opt, epoch = 2 } end)
at_caller("train: early_stopping",
  "gg.train: early_stopping: unknown option 'patiense' (allowed: patience, min_delta, "
    .. "restore_best); did you mean 'patience'?",
  function() gg.train { model = m, data = ds, optimizer = opt, early_stopping = { patiense = 2 } } end)
at_caller("train: diagnostics",
  "gg.train: diagnostics: unknown option 'evry' (allowed: every, sharpness_every, sharpness_batch, "
    .. "sharpness_iters, sharpness_tol, spike_k, spike_window); did you mean 'every'?",
  function() gg.train { model = m, data = ds, optimizer = opt, diagnostics = { evry = 1 } } end)
at_caller("train: diagnostics value",
  "gg.train: diagnostics.every must be an integer >= 1, got 0",
  function() gg.train { model = m, data = ds, optimizer = opt, diagnostics = { every = 0 } } end)
at_caller("train: epochs",
  "gg.train: epochs must be an integer >= 1, got 1.5",
  function() gg.train { model = m, data = ds, optimizer = opt, epochs = 1.5 } end)

-- the C bindings (lua/lopts.c)
at_caller("optim.sgd (lopts.c)",
  "gg.optim.sgd: unknown option 'mometum' (allowed: lr, momentum, dampening, weight_decay, "
    .. "nesterov); did you mean 'momentum'?",
  function() gg.optim.sgd(m, { lr = 0.1, mometum = 0.9 }) end)
at_caller("optim.adam (lopts.c)",
  "gg.optim.adam: lr must be a positive number, got -1",
  function() gg.optim.adam(m, { lr = -1 }) end)
at_caller("sched.step_lr (lopts.c)",
  "gg.sched.step_lr: unknown option 'gama' (allowed: step_size, gamma); did you mean 'gamma'?",
  function() gg.sched.step_lr(opt, { step_size = 1, gama = 0.5 }) end)
at_caller("enum (lopts.c)",
  "gg.evaluate: reduction must be one of 'mean', 'sum', got 'sun'; did you mean 'sum'?",
  function() gg.evaluate(m, ds, { loss = { "mse", reduction = "sun" } }) end)

-- gg.lr_find and gg.stable_lr: the caller's line (they used to blame a line of their own)
at_caller("lr_find",
  "gg.lr_find: unknown option 'stps' (allowed: model, data, loss, optimizer, batch_size, start_lr, "
    .. "end_lr, steps, beta, stop_factor, seed, rng, log, l1, l2); did you mean 'steps'?",
  function() gg.lr_find { model = m, data = ds, optimizer = opt, stps = 3 } end)
at_caller("lr_find: value",
  "gg.lr_find: start_lr must be a positive number, got -1",
  function() gg.lr_find { model = m, data = ds, optimizer = opt, start_lr = -1 } end)
at_caller("lr_find: check",
  "gg.lr_find: steps must be an integer >= 1, got 0",
  function() gg.lr_find { model = m, data = ds, optimizer = opt, steps = 0 } end)
at_caller("lr_find: model",
  "gg.lr_find: model must be a gglab.Model, got nil",
  function() gg.lr_find { data = ds, optimizer = opt } end)
at_caller("stable_lr",
  "gg.stable_lr: unknown option 'stpes' (allowed: build, seeds, steps, lo, hi, tol, fraction, blowup, "
    .. "diverged); did you mean 'steps'?",
  function() gg.stable_lr { build = print, stpes = 3 } end)
at_caller("stable_lr: value",
  "gg.stable_lr: lo must be a positive number, got -1",
  function() gg.stable_lr { build = print, steps = 3, lo = -1 } end)
at_caller("stable_lr: build's result",
  "gg.stable_lr: build must return gg.train options or a function(steps), got 5",
  function() gg.stable_lr { build = function() return 5 end, steps = 3 } end)
at_caller("stable_lr: too few losses",
  "gg.stable_lr: a training gave 1 losses, fewer than steps = 3, without diverging",
  function() gg.stable_lr { build = function() return function() return { 1 } end end, steps = 3 } end)

-- sweeps and experiments (lua/gglab/sweep.lua, experiment.lua)
at_caller("grid",
  "gg.grid: axis names must be identifiers, got 'learning rate'",
  function() gg.grid { ["learning rate"] = 1 } end)
at_caller("uniform", "gg.uniform: a must be a finite number, got 'x'", function() gg.uniform("x", 1) end)
at_caller("experiment",
  "gg.experiment: unknown option 'nmae' (allowed: claims, description, flush_denormal, long, name, run, "
    .. "seed, sweep); did you mean 'name'?",
  function() gg.experiment { nmae = "x", sweep = { a = 1 }, run = print } end)
at_caller("experiment: value",
  "gg.experiment: seed must be an integer, got '1'",
  function() gg.experiment { name = "x", sweep = { a = 1 }, run = print, seed = "1" } end)

-- data (C bindings)
at_caller("data.regression",
  "gg.data.regression: unknown option 'featurs' (allowed: n, features, outputs, noise, x, scale, w, "
    .. "bias, seed, rng); did you mean 'features'?",
  function() gg.data.regression { n = 5, featurs = 3 } end)
at_caller("data.images",
  "gg.data.images: kind must be one of 'shapes', 'bars', 'textures', got 'bras'; did you mean 'bars'?",
  function() gg.data.images { n = 4, kind = "bras" } end)
at_caller("data.csv",
  "gg.data.csv: unknown option 'tagret' (allowed: header, target, features, classify, "
    .. "shape); did you mean 'target'?",
  function() gg.data.csv("x.csv", { tagret = "y" }) end)

at_caller("C and Lua describe a string alike",
  "gg.data.images: kind must be one of 'shapes', 'bars', 'textures', got " .. args.describe("a\tb\nc"),
  function() gg.data.images { n = 4, kind = "a\tb\nc" } end)
T.eq("... which escapes control bytes", args.describe("a\tb\nc"), "'a\\tb\\nc'")

T.done()
