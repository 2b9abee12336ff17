--[[ tests/lua/test_doctor_seq.lua — the doctor's fixes for transformers and recurrent nets
  (issue 22; lua/gglab/doctor/panel.lua M.sequence_fixes): gglab.hooks' "model" point, each new
  fix's change on a tiny transformer / RNN (seen by an outer recording hook below the doctor's),
  where each applies and refuses (never on an MLP), the preconditions on measures, the new
  evidence (attention logit and entropy, output-logit norm), the unigram constant predictor,
  and one cheap end-to-end diagnosis of tests/doctor/seq/tf_postln_high_lr.lua with a small panel.

  Run from the repository root:
    LUA_PATH="tests/lua/?.lua;;" LUA_CPATH="build/?.so;;" lua5.4 tests/lua/test_doctor_seq.lua
  GGLAB_DOCTOR_EVAL=0 skips the end-to-end diagnosis (~10 s of CPU). ]]
local T = require "check"
local gg = require "gglab"
local hooks = require "gglab.hooks"
local causes = require "gglab.lib.causes"
local experiment = require "gglab.experiment"
local panel = require "gglab.doctor.panel"
local intervene = require "gglab.doctor.intervene"
local evidence = require "gglab.doctor.evidence"
local doctor = require "gglab.doctor.diagnose"

local TEXT = "experiments/data/tinyshakespeare.txt"
local NEW = { "warmup", "pre_ln", "qk_norm", "z_loss", "beta2_095", "beta2_098", "eps_1e6", "clip_rnn", "lstm",
  "weight_decay" }

local function fix(name)
  for _, f in ipairs(panel.default()) do
    if f.name == name then return f end
  end
  error("no fix " .. name)
end

local function text_data()
  return gg.data.text { file = TEXT, context = 8, level = "char", n = 32, val_n = 16, seed = 1 }
end

local function latch(n, L)
  local r = gg.rng(1)
  local x, y = gg.tensor(n, L), gg.tensor(n, 1)
  for i = 1, n do
    local c = r:uniform() < 0.5 and 0 or 1
    x:set(i, 1, c == 1 and 1 or -1)
    for t = 2, L do x:set(i, t, 0.2 * r:normal()) end
    y:set(i, 1, c)
  end
  return gg.data.from_tensors(x, y)
end

-- The scripts: each builds its model and optimizer and calls gg.train once (1 epoch).
local function gpt_script(o, optim, oopts)
  return function()
    local train, val = text_data()
    local spec = { vocab = train:vocab(), context = 8, d_model = 8, heads = 2, layers = 1, dim_feedforward = 16,
      seed = 1 }
    for k, v in pairs(o or {}) do spec[k] = v end
    local model = gg.nn.gpt(spec)
    return gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = 16, epochs = 1,
      optimizer = gg.optim[optim or "adam"](model, oopts or { lr = 1e-3 }) }
  end
end

local function rnn_script(kind, optim, oopts)
  return function()
    local data = latch(32, 5)
    local layer = kind == "lstm" and gg.nn.lstm(1, 4, { ["return"] = "last" })
      or gg.nn.rnn(1, 4, { ["return"] = "last", nonlinearity = "tanh" })
    local model = gg.nn.sequential({ layer, gg.nn.linear(4, 2) }, { input = { 5, 1 }, seed = 1 })
    return gg.train { model = model, data = data, loss = "cross_entropy", batch_size = 16, epochs = 1,
      optimizer = gg.optim[optim or "adam"](model, oopts or { lr = 1e-3 }) }
  end
end

local function mlp_script(optim, oopts)
  return function()
    local data = latch(32, 5)
    local model = gg.nn.mlp { 5, 8, 2 }
    return gg.train { model = model, data = data, loss = "cross_entropy", batch_size = 16, epochs = 1,
      optimizer = gg.optim[optim or "adam"](model, oopts or { lr = 1e-3 }) }
  end
end

--[[ run(script, fixname) -> rec, seen: the script run with the fix's hooks under the doctor's
  hook (gglab.doctor.intervene.run), and an outer hook that records what the doctor's hook passes
  on: rec.models (kind and options of each model-point call, the built model), rec.optims (kind,
  options), rec.trains (gg.train's options, the model trained). ]]
local function run(script, fixname)
  local rec = { models = {}, optims = {}, trains = {} }
  local outer = {
    model = function(build, kind, ...)
      local n = select("#", ...)
      local o = select(n, ...)
      local m = build(kind, ...)
      rec.models[#rec.models + 1] = { kind = kind, opts = type(o) == "table" and o or {}, built = m }
      return m
    end,
    optim = function(make, kind, model, opts)
      rec.optims[#rec.optims + 1] = { kind = kind, opts = opts or {} }
      return make(kind, model, opts)
    end,
    train = function(train, opts)
      rec.trains[#rec.trains + 1] = opts
      return train(opts)
    end,
  }
  local seen = {}
  hooks.with(outer, function()
    return intervene.run(fixname and fix(fixname).hooks or nil, { seen = seen }, script)
  end)
  return rec, seen
end

-- What the probe would see (the unchanged run's record).
local function seen_of(script)
  local _, seen = run(script)
  return seen
end

local function nparams(model) return #model:parameter_shapes() end

-- ==== the hook point ====
T.ok("hooks: 'model' is a hook point", (function()
  for _, p in ipairs(hooks.POINTS) do if p == "model" then return true end end
  return false
end)())
do
  local got = {}
  hooks.with({ model = function(build, kind, ...)
    got[#got + 1] = kind
    return build(kind, ...)
  end }, function()
    gg.nn.gpt { vocab = 5, context = 4, d_model = 4, heads = 1, layers = 2 }
    gg.nn.transformer_encoder_layer(4, 1)
    gg.nn.rnn(1, 2)
    gg.nn.lstm(1, 2)
    gg.nn.gru(1, 2)
  end)
  T.eq("hooks: gpt (once, not its blocks), the encoder layer and the recurrent layers consult 'model'", got,
    { "gpt", "transformer_encoder_layer", "rnn", "lstm", "gru" })
  T.raises("without a hook the constructors' errors still name the caller", function()
    gg.nn.gpt { context = 4, d_model = 4, heads = 1, layers = 1 }
  end, "test_doctor_seq.lua")
  T.raises("... also under a hook without the 'model' point (the runner's data hook)", function()
    hooks.with({ data = function(load, ...) return load(...) end }, function()
      gg.nn.rnn(0, 2)
    end)
  end, "test_doctor_seq.lua")
end

-- ==== causes ====
for _, id in ipairs { "postln_no_warmup", "attention_logit_growth", "output_logit_divergence", "adam_second_moment",
  "rnn_exploding_gradients", "vanilla_rnn_memory", "weight_decay_missing" } do
  T.ok("causes: " .. id .. " has its own text", causes.is_cause(id) and causes.text(id) ~= id)
end

-- ==== what the doctor sees ====
local POST = gpt_script { norm_first = false }
local PRE = gpt_script { norm_first = true }
do
  local s = seen_of(POST)
  T.eq("seen: a Post-LN gpt", s.layers[1], { kind = "gpt", attention = true, post_ln = true, qk_norm = false })
  s = seen_of(rnn_script("rnn"))
  T.eq("seen: a vanilla RNN", s.layers[1], { kind = "rnn", recurrent = true, vanilla = true })
  s = seen_of(mlp_script())
  T.eq("seen: an MLP has no sequence layer", #s.layers, 0)
end

-- ==== no new fix applies to an MLP (the MLP panel is unchanged) ====
for _, script in ipairs { mlp_script(), mlp_script("sgd", { lr = 0.1 }), mlp_script("adamw", { weight_decay = 0 }) } do
  local s = seen_of(script)
  for _, name in ipairs(NEW) do
    T.ok("MLP: " .. name .. " does not apply", not fix(name).applies(s))
  end
end

-- ==== pre_ln ====
do
  local f = fix "pre_ln"
  T.ok("pre_ln applies to a Post-LN gpt", f.applies(seen_of(POST)))
  local ok, why = f.applies(seen_of(PRE))
  T.ok("pre_ln refuses a Pre-LN gpt: " .. tostring(why), not ok and why:find("already Pre%-LN"))
  T.ok("pre_ln refuses an RNN", not f.applies(seen_of(rnn_script("rnn"))))
  local base = run(POST)
  local rec = run(POST, "pre_ln")
  T.eq("pre_ln: gpt is built with norm_first = true", rec.models[1].opts.norm_first, true)
  T.eq("pre_ln: the built model gains the final LayerNorm (2 parameters)",
    nparams(rec.models[1].built) - nparams(base.models[1].built), 2)
  local enc = {}
  hooks.with({ model = function(build, kind, d, h, o) enc[#enc + 1] = o; return build(kind, d, h, o) end },
    function()
      intervene.run(f.hooks, { seen = {} }, function() return gg.nn.transformer_encoder_layer(8, 2) end)
    end)
  T.eq("pre_ln: an encoder layer (Post-LN by default) gets norm_first = true", enc[1].norm_first, true)
end

-- ==== qk_norm ====
do
  local f = fix "qk_norm"
  T.ok("qk_norm applies to a gpt without it", f.applies(seen_of(PRE)))
  T.ok("qk_norm refuses a gpt with it", not f.applies(seen_of(gpt_script { qk_norm = true })))
  local base, rec = run(PRE), run(PRE, "qk_norm")
  T.eq("qk_norm: built with qk_norm = true", rec.models[1].opts.qk_norm, true)
  T.eq("qk_norm: 4 more parameters per block (q_norm, k_norm weight and bias)",
    nparams(rec.models[1].built) - nparams(base.models[1].built), 4)
  T.eq("qk_norm: largest attention logit 150 > 100 -> the cause", (f.precondition({}, { attn_max_logit = 150 })), true)
  local ok, why = f.precondition({}, { attn_max_logit = 40 })
  T.ok("qk_norm: logit 40 -> not the cause: " .. tostring(why), not ok)
  T.ok("qk_norm: not measured -> not the cause", not f.precondition({}, {}))
end

-- ==== warmup ====
do
  local f = fix "warmup"
  T.ok("warmup applies to a transformer", f.applies(seen_of(PRE)))
  T.ok("warmup refuses an RNN", not f.applies(seen_of(rnn_script("rnn"))))
  local rec = run(PRE, "warmup")
  T.ok("warmup: gg.train gets a scheduler stepped per batch", rec.trains[1].scheduler ~= nil
    and rec.trains[1].scheduler_step == "step")
  T.ok("warmup: the precondition holds for Post-LN", f.precondition(seen_of(POST)))
  T.ok("warmup: ... not for Pre-LN (a tuning hint)", not f.precondition(seen_of(PRE)))
end

-- ==== z_loss ====
do
  local f = fix "z_loss"
  T.ok("z_loss applies to a cross-entropy transformer", f.applies(seen_of(PRE)))
  local rec = run(PRE, "z_loss")
  T.eq("z_loss: the loss becomes {cross_entropy, z_loss = 1e-4}", rec.trains[1].loss,
    { "cross_entropy", z_loss = 1e-4 })
  local logits, y = gg.tensor { { 30, 0, 0 }, { 0, 25, 0 } }, gg.tensor { { 0 }, { 1 } }
  local plain = gg.loss.cross_entropy(logits, y):item()
  local with = gg.loss.cross_entropy(logits, y, { z_loss = 1e-4 }):item()
  T.ok(string.format("z_loss changes the loss (%.4f -> %.4f)", plain, with), with > plain + 0.01)
  T.eq("z_loss: logit norm grows 20x -> the cause", (f.precondition({}, { logit_growth = 20 })), true)
  T.ok("z_loss: grows 2x -> not the cause", not f.precondition({}, { logit_growth = 2 }))
end

-- ==== beta2 and eps ====
do
  local rec = run(PRE, "beta2_095")
  T.eq("beta2_095: Adam gets betas {0.9, 0.95}", rec.optims[1].opts.betas, { 0.9, 0.95 })
  rec = run(PRE, "beta2_098")
  T.eq("beta2_098: Adam gets betas {0.9, 0.98}", rec.optims[1].opts.betas, { 0.9, 0.98 })
  rec = run(PRE, "eps_1e6")
  T.eq("eps_1e6: Adam gets eps 1e-6", rec.optims[1].opts.eps, 1e-6)
  T.ok("beta2_095 refuses beta2 0.9", not fix("beta2_095").applies(seen_of(gpt_script(nil, "adam",
    { lr = 1e-3, betas = { 0.9, 0.9 } }))))
  T.ok("beta2_098 refuses SGD", not fix("beta2_098").applies(seen_of(gpt_script(nil, "sgd", { lr = 0.1 }))))
  T.ok("eps_1e6 applies to Adam on an RNN", fix("eps_1e6").applies(seen_of(rnn_script("rnn"))))
  T.ok("eps_1e6 refuses eps 1e-3", not fix("eps_1e6").applies(seen_of(gpt_script(nil, "adam", { eps = 1e-3 }))))
  T.eq("beta2: loss spikes in 30 % of the steps -> the cause", (fix("beta2_095").precondition({}, { spikes = 0.3 })),
    true)
  T.ok("beta2: no spikes -> not the cause", not fix("beta2_095").precondition({}, { spikes = 0 }))
end

-- ==== clip_rnn ====
do
  local f = fix "clip_rnn"
  T.ok("clip_rnn applies to an RNN", f.applies(seen_of(rnn_script("rnn"))))
  T.ok("clip_rnn refuses a transformer", not f.applies(seen_of(PRE)))
  local rec = run(rnn_script("rnn"), "clip_rnn")
  T.eq("clip_rnn: clip_norm 1", rec.trains[1].clip_norm, 1)
  T.eq("clip_rnn caps (cap = true)", f.cap, true)
  T.eq("clip_rnn: gradient norm 50x its first -> the cause", (f.precondition({}, { grad_growth = 50 })), true)
  T.ok("clip_rnn: 3x -> not the cause", not f.precondition({}, { grad_growth = 3 }))
end

-- ==== lstm ====
do
  local f = fix "lstm"
  T.ok("lstm applies to a vanilla RNN", f.applies(seen_of(rnn_script("rnn"))))
  T.ok("lstm refuses an LSTM", not f.applies(seen_of(rnn_script("lstm"))))
  T.ok("lstm refuses a transformer", not f.applies(seen_of(PRE)))
  local rec = run(rnn_script("rnn"), "lstm")
  T.eq("lstm: the layer is built as an lstm without nonlinearity",
    { rec.models[1].kind, rec.models[1].opts.nonlinearity },
    { "lstm" })
  T.eq("lstm: weight_ih_l0 is (4 x 4, 1): the LSTM's four gates", rec.trains[1].model:parameter_shapes()[1], { 16, 1 })
  T.eq("lstm: a stalled loss -> the cause", (f.precondition({}, { stuck = true })), true)
  T.ok("lstm: a falling loss -> not the cause", not f.precondition({}, { stuck = false }))
end

-- ==== weight_decay ====
do
  local f = fix "weight_decay"
  T.ok("weight_decay applies to Adam without decay", f.applies(seen_of(PRE)))
  T.ok("weight_decay refuses AdamW with its default decay", not f.applies(seen_of(gpt_script(nil, "adamw", {}))))
  T.ok("weight_decay applies to AdamW with decay 0", f.applies(seen_of(gpt_script(nil, "adamw", { weight_decay = 0 }))))
  local rec = run(PRE, "weight_decay")
  T.eq("weight_decay: Adam becomes AdamW with decay 0.1", { rec.optims[1].kind, rec.optims[1].opts.weight_decay },
    { "adamw", 0.1 })
  T.eq("weight_decay: validation ends 1.3x its minimum -> the cause", (f.precondition({}, { val_rise = 1.3 })), true)
  T.ok("weight_decay: 1.01x -> not the cause", not f.precondition({}, { val_rise = 1.01 }))
end

-- ==== combine: two model / optim fixes compose ====
do
  local c = panel.combine(fix "pre_ln", fix "qk_norm")
  local got = {}
  hooks.with({ model = function(build, kind, o) got = o; return build(kind, o) end }, function()
    intervene.run(c.hooks, { seen = {} }, function()
      return gg.nn.gpt { vocab = 5, context = 4, d_model = 4, heads = 1, layers = 1, norm_first = false }
    end)
  end)
  T.ok("combine: pre_ln + qk_norm set both", got.norm_first == true and got.qk_norm == true)
  c = panel.combine(fix "weight_decay", fix "beta2_095")
  local o, k = c.hooks.optim("adam", { lr = 1e-3 })
  T.ok("combine: weight_decay + beta2_095 -> AdamW with both", k == "adamw" and o.weight_decay == 0.1
    and o.betas[2] == 0.95)
end

-- ==== evidence ====
do
  local runs = {}
  for i = 1, 3 do
    runs[i] = { status = "ok", curves = { attn_max_logit_1 = { 2, 300 + i, 250 }, attn_max_logit_2 = { 1, 5 },
      attn_entropy_1 = { 2, 0.1 }, attn_entropy_2 = { 2, 1.5 }, logit_norm = { 5, 40, 80 },
      val_loss = { 3, 2, 2.5 } } }
  end
  local m = evidence.measures(runs)
  T.eq("measures: the largest attention logit of any layer (median over runs)", m.attn_max_logit, 302)
  T.eq("measures: the lowest final attention entropy", m.attn_entropy, 0.1)
  T.eq("measures: the output-logit norm's growth", m.logit_growth, 16)
  T.eq("measures: the final validation loss over its minimum", m.val_rise, 1.25)
  local got = {}
  for _, e in ipairs(evidence.evidence(runs, {}, m)) do got[#got + 1] = e.cause end
  T.eq("evidence: attention-logit growth and output-logit divergence", got,
    { "attention_logit_growth", "output_logit_divergence" })
end

-- ==== the unigram constant predictor ====
do
  local train = text_data()
  local c = evidence.constant_loss(train, train, "cross_entropy")
  T.ok(string.format("constant predictor of a character LM: the unigram loss %s, below ln V", tostring(c)),
    c ~= nil and c > 2 and c < math.log((train:vocab())))
end

-- ==== end to end: one broken case of tests/doctor/seq, a small panel ====
if os.getenv("GGLAB_DOCTOR_EVAL") ~= "0" then
  local exp = assert(experiment.load("tests/doctor/seq/tf_postln_high_lr.lua"))
  local small = {}
  for _, name in ipairs { "pre_ln", "warmup", "qk_norm", "lr/10" } do small[#small + 1] = fix(name) end
  local out = T.tmpdir()
  local rep = doctor.diagnose(exp, { seed = 1 }, { seeds = { 1, 2, 3, 4, 5 }, out = out, jobs = 2, panel = small,
    second_step = false, reference = false, stderr = { write = function() end } })
  T.eq("end to end, tf_postln_high_lr: the doctor names postln_no_warmup (" .. rep.verdict .. ")",
    rep.causes and rep.causes[1], "postln_no_warmup")
  T.rmtree(out)
end

T.done()
