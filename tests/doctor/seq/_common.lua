--[[ tests/doctor/seq/_common.lua — helpers shared by the transformer and recurrent cases of the
  doctor's sequence set (README.md). Not a case (its name starts with "_"). A case loads it with
  dofile(HERE .. "/_common.lua").

    C.text(seed)            tinyshakespeare windows of 16 characters: 1280 training windows
                            (40 batches of 32) drawn from the first 90 % by the seed, 128 validation
    C.gpt(train, seed, o)   gg.nn.gpt with d_model 16, 2 heads, 2 layers, feed-forward 32, ReLU, no
                            dropout; o overrides (norm_first, qk_norm, tie_weights, layers, ...)
    C.fit_lm(run, model, opt, train, val, o)   Adam-family training of a language model: batch 32,
                            4 epochs (160 steps) unless o.epochs, cross-entropy (o.loss overrides),
                            o.scheduler stepped per batch, diagnostics every 10 steps
    C.latch(n, L, r)        the latch task (Bengio, Simard & Frasconi 1994): step 1 holds +1 or -1,
                            steps 2..L hold N(0, 0.2^2) noise; the class is step 1's sign
    C.recurrent(kind, L, hidden, seed)  gg.nn.rnn (tanh) or gg.nn.lstm reading the last state ->
                            Linear(hidden, 2)
    C.fit_rnn(run, model, opt, train, val, o)   batch 32, o.epochs epochs, cross-entropy,
                            o.clip_norm, diagnostics every 5 steps ]]
local gg = require "gglab"

local M = {}

M.HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
M.TEXT = M.HERE .. "/../../../experiments/data/tinyshakespeare.txt"
M.CONTEXT, M.BATCH = 16, 32

function M.text(seed, n)
  return gg.data.text { file = M.TEXT, context = M.CONTEXT, level = "char", n = n or M.BATCH * 40, val_n = 128,
    seed = seed }
end

function M.gpt(train, seed, o)
  local spec = { vocab = train:vocab(), context = M.CONTEXT, d_model = 16, heads = 2, layers = 2,
    dim_feedforward = 32, activation = "relu", seed = seed }
  for k, v in pairs(o or {}) do spec[k] = v end
  return gg.nn.gpt(spec)
end

function M.fit_lm(run, model, opt, train, val, o)
  o = o or {}
  return gg.train { model = model, data = train, val = val, loss = o.loss or "cross_entropy",
    batch_size = o.batch_size or M.BATCH, epochs = o.epochs or 4, optimizer = opt, scheduler = o.scheduler,
    scheduler_step = o.scheduler and "step" or nil, seed = run.seed, log = run, diagnostics = { every = 10 } }
end

local NOISE = 0.2

function M.latch(n, L, r)
  local x, y = gg.tensor(n, L), gg.tensor(n, 1)
  for i = 1, n do
    local c = r:uniform() < 0.5 and 0 or 1
    x:set(i, 1, c == 1 and 1 or -1)
    for t = 2, L do x:set(i, t, NOISE * r:normal()) end
    y:set(i, 1, c)
  end
  return gg.data.from_tensors(x, y)
end

function M.recurrent(kind, L, hidden, seed)
  local layer = kind == "lstm" and gg.nn.lstm(1, hidden, { ["return"] = "last" })
    or gg.nn.rnn(1, hidden, { ["return"] = "last", nonlinearity = "tanh" })
  return gg.nn.sequential({ layer, gg.nn.linear(hidden, 2) }, { input = { L, 1 }, seed = seed })
end

function M.fit_rnn(run, model, opt, train, val, o)
  return gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = M.BATCH,
    epochs = o.epochs, optimizer = opt, clip_norm = o.clip_norm, seed = run.seed, log = run,
    diagnostics = { every = 5 } }
end

return M
