-- tests/lua/test_parity_attn.lua — attention, nn.MultiheadAttention, nn.TransformerEncoderLayer
-- and transformer training against PyTorch 1.13 fixtures (tests/parity/gen_attn.py).
--
-- Input gradients: as test_parity_cnn.lua, every input is a parameter X (B, L*E) behind a
-- "lift", x_onehot (B, B) @ X reshaped to (B, L, E), fed the identity: exact, and X's
-- gradient is the input gradient. Key padding masks enter the same way (one-hot @ a
-- constant (B, Lk): a (B, Lk) tensor of the model, no gradient).
--
-- Comparisons as test_parity_cnn.lua: max over elements of |got - want| / max(|want|,
-- FLOOR * max|want|) <= 1e-4 (FLOOR = 1e-2); training: P.check_run (per-step loss rel err
-- <= 1e-4, final parameters |d| <= 1e-4 max(1, |p|)), for two 2-layer transformers (a
-- manual loop and gg.train) and gg.nn.gpt on a copy task (gg.train, losses over positions).

local T = require "check"
local P = require "parity"
local gg = require "gglab"

local TOL, FLOOR, ZERO_GRAD = 1e-4, 1e-2, 1e-5

local flat_of = P.flat

local function err_of(got, want) return P.err(got, want, FLOOR) end

local function check_err(comp, what, got, want) return P.check_err(T, comp, what, got, want, TOL, FLOOR) end

local eye = P.eye

-- (B, L, E) from a lifted parameter (B, L*E).
local function lift(x, nn, B, L, E)
  return x:matmul(nn.param { shape = { B, L * E } }):reshape { -1, L, E }
end

-- The key padding mask of a fixture as a (B, Lk) tensor of the model.
local function kpm_of(x, nn, fx)
  if not fx.kpm then return nil end
  return x:matmul(nn.const({ fx.kpm[1], fx.kpm[2] }, fx.kpm[3]))
end

local function run_case(comp, body, fx, inputs, params, B)
  local model = gg.nn.sequential({ gg.nn.custom(body, { name = comp }) }, { input = { B }, seed = 1 })
  local ps = {}
  for _, t in ipairs(inputs) do ps[#ps + 1] = P.tensor(t) end
  for _, t in ipairs(params or {}) do ps[#ps + 1] = P.tensor(t) end
  T.eq(comp .. ": parameter count", #model:parameters(), #ps)
  model:load_parameters(ps)
  check_err(comp, "y", model:forward(eye(B)), fx.y)
  model:zero_grad()
  model:backward(P.tensor(fx.dy))
  local gs = model:grads()
  local worst_dx, worst_dp = 0, 0
  for k = 1, #inputs do worst_dx = math.max(worst_dx, gs[k] and err_of(gs[k], fx.dx[k]) or math.huge) end
  P.note(comp, "dx", worst_dx)
  T.ok(string.format("%s: input gradients err %.3g <= %g", comp, worst_dx, TOL), worst_dx <= TOL)
  -- A gradient that is mathematically zero (qk_norm's k_norm.bias: q . beta shifts a whole
  -- row of logits, which softmax ignores) is rounding noise in both frameworks: such a
  -- tensor (every torch value below ZERO_GRAD of the largest gradient) is checked to be
  -- noise in gglab too, not compared element by element.
  local gmax = 0
  for k = 1, #(params or {}) do
    for _, v in ipairs(fx.grads[k][3]) do gmax = math.max(gmax, math.abs(v)) end
  end
  for k = 1, #(params or {}) do
    local want, got = fx.grads[k], gs[#inputs + k]
    local wmax = 0
    for _, v in ipairs(want[3]) do wmax = math.max(wmax, math.abs(v)) end
    if got and wmax <= ZERO_GRAD * gmax then
      local m = 0
      for _, v in ipairs(flat_of(got)) do m = math.max(m, math.abs(v)) end
      T.ok(string.format("%s: parameter %d has a zero gradient (noise %.3g of the largest)", comp, k, m / gmax),
        m <= ZERO_GRAD * gmax)
    else
      worst_dp = math.max(worst_dp, got and err_of(got, want) or math.huge)
    end
  end
  if params and #params > 0 then
    P.note(comp, "dparam", worst_dp)
    T.ok(string.format("%s: parameter gradients err %.3g <= %g", comp, worst_dp, TOL), worst_dp <= TOL)
  end
  return model
end

local names = P.list("attn")
local counts = { sdpa = 0, mha = 0, enc = 0, train = 0 }

-- ---- (1) the attention math: gg.op.attention ----

for _, name in ipairs(names) do
  if name:match("^sdpa_") then
    local fx = P.load("attn", name)
    local c = fx.config
    counts.sdpa = counts.sdpa + 1
    local comp = "attn/" .. name
    fx.dx = { fx.dq, fx.dk, fx.dv }
    local model = run_case(comp, function(x, nn)
      local q, k, v = lift(x, nn, c.B, c.Lq, c.E), lift(x, nn, c.B, c.Lk, c.E), lift(x, nn, c.B, c.Lk, c.Ev)
      local o = { num_heads = c.H, causal = c.causal, scale = c.scale, key_padding_mask = kpm_of(x, nn, fx) }
      if fx.amask then o.attn_mask = nn.const({ c.Lq, c.Lk }, fx.amask[3]) end
      return gg.op.attention(q, k, v, o):flatten()
    end, fx, { fx.q, fx.k, fx.v }, nil, c.B)
    local st = model:attention_stats()
    T.ok(comp .. ": one attention layer in the stats", #st == 1 and st[1].entropy > 0 and st[1].max_logit > -math.huge)
  end
end

-- ---- (2) gg.nn.multihead_attention ----

for _, name in ipairs(names) do
  if name:match("^mha_") then
    local fx = P.load("attn", name)
    local c = fx.config
    counts.mha = counts.mha + 1
    local comp = "attn/" .. name
    local B = fx.inputs[1][1]
    run_case(comp, function(x, nn)
      local q = lift(x, nn, B, c.L, c.E)
      local mha = gg.nn.multihead_attention(c.E, c.H, { bias = c.bias, causal = c.causal, qk_norm = c.qk_norm,
        kdim = c.kdim, vdim = c.vdim })
      local m = kpm_of(x, nn, fx)
      if c.cross then
        local k = lift(x, nn, B, c.Lk, c.kdim or c.E)
        local v = lift(x, nn, B, c.Lk, c.vdim or c.E)
        return mha(q, { key = k, value = v, key_padding_mask = m }):flatten()
      end
      return mha(q, { key_padding_mask = m }):flatten()
    end, fx, fx.inputs, fx.params, B)
  end
end

-- ---- (3) gg.nn.transformer_encoder_layer ----

for _, name in ipairs(names) do
  if name:match("^enc_") then
    local fx = P.load("attn", name)
    local c = fx.config
    counts.enc = counts.enc + 1
    local comp = "attn/" .. name
    local B = fx.inputs[1][1]
    run_case(comp, function(x, nn)
      local h = lift(x, nn, B, c.L, c.d)
      local layer = gg.nn.transformer_encoder_layer(c.d, c.H, { dim_feedforward = c.F, dropout = 0.0,
        activation = c.activation, norm_first = c.norm_first, causal = c.causal })
      return layer(h, { key_padding_mask = kpm_of(x, nn, fx) }):flatten()
    end, fx, fx.inputs, fx.params, B)
  end
end

T.ok(string.format("fixtures present (sdpa %d, mha %d, enc %d)", counts.sdpa, counts.mha, counts.enc),
  counts.sdpa >= 9 and counts.mha >= 10 and counts.enc >= 6)

-- ---- (4) training: 100 Adam steps, the manual loop and gg.train ----

local function transformer(c)
  local enc = function()
    return gg.nn.transformer_encoder_layer(c.d, c.H, { dim_feedforward = c.F, dropout = 0.0,
      norm_first = c.norm_first, causal = c.causal })
  end
  return gg.nn.sequential({ gg.nn.linear(c.din, c.d), enc(), enc(), gg.nn.linear(c.d, 1), gg.nn.flatten() },
    { input = { c.L, c.din }, seed = 1 })
end

local function tensors(list)
  local out = {}
  for i, t in ipairs(list) do out[i] = P.tensor(t) end
  return out
end

--[[ Final parameters: every element as P.check_run (|d| <= 1e-4 max(1, |p|)) except the
  key block of each in_proj_bias. That bias adds q_i . b_k to every logit of row i: softmax
  is invariant to it, so its gradient is mathematically 0 and both frameworks compute
  rounding noise there (checked: |g| <= 1e-6 of the largest gradient, against torch's step-1
  gradients). Adam normalises that noise to steps of about lr in arbitrary directions, so
  those entries drift apart by up to steps * lr in the two frameworks; they are checked
  against that bound (2 * steps * lr) instead. ]]
local function check_final(comp, model, fx, c)
  local wp, wk = 0, 0
  for k, p in ipairs(model:parameters()) do
    local want = fx.final[k]
    local kbias = want[1] == 1 and want[2] == 3 * c.d
    for j = 1, want[2] do
      for i = 1, want[1] do
        local w = want[3][(i - 1) * want[2] + j]
        local d = math.abs(p:get(i, j) - w) / math.max(1, math.abs(w))
        if kbias and j > c.d and j <= 2 * c.d then wk = math.max(wk, d) else wp = math.max(wp, d) end
      end
    end
  end
  P.note(comp, "param", wp)
  P.note(comp, "param_kbias", wk)
  T.ok(string.format("%s: final params |d|/max(1,|p|) %.3g <= %g (key biases aside)", comp, wp, P.PARAM_TOL),
    wp <= P.PARAM_TOL)
  local bound = 2 * #fx.batches * c.lr
  T.ok(string.format("%s: key biases (zero gradient) drift %.3g <= %g", comp, wk, bound), wk <= bound)
end

for _, name in ipairs(names) do
  if name:match("^train_") and not name:match("^train_gpt") then
    local fx = P.load("attn", name)
    local c = fx.config
    counts.train = counts.train + 1
    local comp = "attn/" .. name
    local model = transformer(c)
    T.eq(comp .. ": parameter count", #model:parameters(), #fx.params)
    model:load_parameters(tensors(fx.params))
    local opt = gg.optim.adam(model, { lr = c.lr })
    local losses, worst_step = {}, {}
    for s = 1, #fx.batches do
      local x, y = P.batch(fx, s)
      model:zero_grad()
      local loss = gg.loss.mse(model:forward(x), y)
      loss:backward()
      if s == 1 then  -- step 1's gradients against torch's; the key bias block is ~0
        local gs, worst, gmax, kmax = model:grads(), 0, 0, 0
        for k, g in ipairs(gs) do
          local want = fx.extra.grad0[k]
          worst = math.max(worst, err_of(g, want))
          for _, v in ipairs(flat_of(g)) do gmax = math.max(gmax, math.abs(v)) end
          if want[1] == 1 and want[2] == 3 * c.d then
            for j = c.d + 1, 2 * c.d do kmax = math.max(kmax, math.abs(g:get(1, j))) end
          end
        end
        P.note(comp, "grad0", worst)
        T.ok(string.format("%s: step-1 gradients err %.3g <= %g", comp, worst, TOL), worst <= TOL)
        T.ok(string.format("%s: key-bias gradients are rounding noise (%.3g of the largest)", comp, kmax / gmax),
          kmax <= 1e-6 * gmax)
      end
      opt:step()
      losses[s] = loss:item()
      worst_step[s] = P.rel(losses[s], fx.losses[s])
    end
    P.check_run(T, fx, losses, nil, nil, comp)
    check_final(comp, model, fx, c)
    T.ok(comp .. ": the loss goes down", losses[#losses] < 0.7 * losses[1])
    local model2 = transformer(c)
    model2:load_parameters(tensors(fx.params))
    local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
    local hist = gg.train { model = model2, data = data, loss = "mse",
      optimizer = gg.optim.adam(model2, { lr = c.lr }), order = fx.batches }
    P.check_run(T, fx, hist.loss, nil, nil, comp .. " (gg.train)")
    check_final(comp .. " (gg.train)", model2, fx, c)
    local parts = {}
    for s = 20, #worst_step, 20 do
      local w = 0
      for q = s - 19, s do w = math.max(w, worst_step[q]) end
      parts[#parts + 1] = string.format("%.1e", w)
    end
    print(string.format("parity %-40s loss rel err per 20 steps: %s", comp, table.concat(parts, " ")))
  end
end
-- gg.nn.gpt against the same model in torch: 100 Adam steps through gg.train, the
-- cross-entropy over the positions (position 0 ignored); step 1's gradients from a run of
-- one step.
for _, name in ipairs(names) do
  if name:match("^train_gpt") then
    local fx = P.load("attn", name)
    local c = fx.config
    counts.train = counts.train + 1
    local comp = "attn/" .. name
    local function gpt()
      return gg.nn.gpt { vocab = c.vocab, context = c.context, d_model = c.d, heads = c.H, layers = c.layers, seed = 1 }
    end
    local data = gg.data.from_tensors(P.tensor(fx.x), P.tensor(fx.y))
    local one = gpt()
    T.eq(comp .. ": parameter count (the tied head adds none)", #one:parameters(), #fx.params)
    one:load_parameters(tensors(fx.params))
    gg.train { model = one, data = data, loss = "cross_entropy", optimizer = gg.optim.adam(one, { lr = c.lr }),
      order = { fx.batches[1] } }
    local worst = 0
    for k, g in ipairs(one:grads()) do
      local want = fx.extra.grad0[k]
      if want[1] == 1 and want[2] == 3 * c.d then  -- in_proj_bias: its q and v blocks
        local gt, wt = gg.tensor(1, 2 * c.d), { 1, 2 * c.d, {} }
        for j = 1, 3 * c.d do
          if j <= c.d or j > 2 * c.d then
            wt[3][#wt[3] + 1] = want[3][j]
            gt:set(1, #wt[3], g:get(1, j))
          end
        end
        worst = math.max(worst, err_of(gt, wt))
      else
        worst = math.max(worst, err_of(g, want))
      end
    end
    P.note(comp, "grad0", worst)
    T.ok(string.format("%s: step-1 gradients err %.3g <= %g (key biases aside)", comp, worst, TOL), worst <= TOL)
    local model = gpt()
    model:load_parameters(tensors(fx.params))
    local hist = gg.train { model = model, data = data, loss = "cross_entropy",
      optimizer = gg.optim.adam(model, { lr = c.lr }), order = fx.batches }
    P.check_run(T, fx, hist.loss, nil, nil, comp .. " (gg.train)")
    check_final(comp .. " (gg.train)", model, fx, c)
    T.ok(comp .. ": the loss goes down", hist.loss[#hist.loss] < 0.7 * hist.loss[1])
  end
end
T.ok("training fixtures present (post_ln, pre_ln_causal, gpt_copy)", counts.train == 3)

P.report()
T.done()
