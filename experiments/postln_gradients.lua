--[[ experiments/postln_gradients.lua — at initialisation, are the gradients of a Post-LN
  transformer large near the output, and those of a Pre-LN one the same in every layer?

  Xiong et al. (2020, "On Layer Normalization in the Transformer Architecture", arXiv:2002.04745)
  prove with mean-field arguments (Theorem 1) that at initialisation the expected gradient of
  the last layer's feed-forward weights W^{2,L} is O(d sqrt(ln d)) for Post-LN, independent
  of the depth L, and O(d sqrt(ln d / L)) for Pre-LN, falling with depth; their Fig. 3
  (from memory: the gradient norm of the FFN weights W^1, W^2 per layer of a 6-layer
  Transformer at initialisation) shows Post-LN's norm growing with the layer index, by
  several times from the first layer to the last, and Pre-LN's flat. Large gradients near
  the output at a high lr are their explanation of why Post-LN needs a warm-up (Liu et al.
  2020, arXiv:2004.08249, dispute that the gradients are the cause). This measures the
  initialisation side; experiments/transformer_lr.lua measures the training side.

  Setup: the char-level GPT of transformer_lr.lua (experiments/data/tinyshakespeare.txt,
  62 characters, windows of 32, d_model 32, 4 heads, feed-forward 128, ReLU, no dropout,
  learned positions, tied N(0, 1) embedding head; Post-LN without and Pre-LN with a final
  LayerNorm) with 2, 4, 6 or 8 layers, in two initialisations:
    torch  gg.nn.gpt's own, exactly transformer_lr.lua's model: torch's module defaults
           (xavier_uniform in_proj, U(+-1/sqrt(fan_in)) out_proj, linear1 and linear2) and
           the head tied to the N(0, 1) token embedding, so the first logits are large (loss
           at initialisation 15-23 nats, chance ln 62 = 4.13);
    paper  the paper's (fairseq's Transformer) regime: every weight matrix of the blocks
           redrawn xavier_uniform and an untied head N(0, 1/d_model), so the first logits
           are O(1) (loss 4.3-5.0 nats); embeddings, biases and LayerNorms unchanged.
  One gradient per run: one step of SGD with lr 1e-12 on one fixed batch of 64 windows
  drawn from the seed (gg.train; the gradient is that of the initial weights, read with
  model:grads() after the step), cross-entropy over all 64 x 32 positions. Logged per
  run: grad_w2 and grad_w1 at step l = the Frobenius norm of the gradient of layer l's
  linear2.weight (W^2, the weight of Theorem 1) and linear1.weight (W^1); the summary
  log_ratio = ln(grad_w2 of the last layer / of the first), slope = the least-squares
  slope of ln grad_w2 over the layer index, w2_last = the last layer's grad_w2.
  2 inits x 2 norms x 4 depths x 8 seeds = 128 runs.
  Measured (8 seeds; ratios are last layer / first layer, geometric means, [min, max]):
  - paper init, Post-LN: the gradient grows toward the output with depth: ratio 1.01
    [0.86, 1.10] at 2 layers, 1.14 at 4, 1.35 at 6, 1.50 [1.09, 2.93] at 8 (mean log
    ratio over all depths 0.21 [0.11, 0.32]; slope of the log per layer 0.046 [0.020,
    0.072]) — the direction of Xiong et al.'s Fig. 3, but milder (the per-layer profile
    is noisy, not monotone in every run).
  - paper init, Pre-LN: not flat either: the gradient falls toward the output, ratio 0.92
    at 2 layers, 0.79 at 4, 0.78 at 6, 0.62 [0.45, 0.90] at 8 (one run of 32 below 0.5),
    as NormFormer (Shleifer et al. 2021, arXiv:2110.09456) reports for Pre-LN: early layers get larger
    gradients than late ones.
  - depth, paper init: Pre-LN's last-layer gradient falls from 2 to 8 layers (log ratio
    -0.27 [-0.40, -0.14]: Theorem 1's 1/sqrt(L) would give -0.69) and Post-LN's rises
    (+0.37 [0.20, 0.54]; the theorem says constant); at 8 layers Post-LN's last-layer
    gradient is 2.9x Pre-LN's (0.85 vs 0.29, geometric means).
  - torch init (transformer_lr.lua's model): none of it. Post-LN's gradient falls toward
    the output (ratio 0.90 at 2 layers to 0.67 at 8; slope -0.077 [-0.098, -0.057]), as
    Pre-LN's does (0.96 to 0.70); Pre-LN's last-layer gradient does not fall with depth
    (log L8/L2 +0.03 [-0.04, 0.10]). The large tied-head logits and the weak torch-default
    branches (estimated: an FFN adds ~1/18 of its input's variance vs ~1/3 with xavier) remove the
    mechanism: the residual stream hardly grows with depth. Post-LN's last-layer gradient is
    still 1.5-1.8x Pre-LN's at every depth (3.7 vs 2.5 at 2 layers, 4.7 vs 2.5 at 8).
  What I tried: the paper init with the tied N(0, 1) head (loss 11-17 nats at
  initialisation) gave a Post-LN profile that was mixed across seeds (slope 0.007 [-0.04,
  0.05]); untying the head with N(0, 1/d) logits is what made Post-LN's last layers the
  largest. Run time: 128 runs in 11-20 s with -j 2 on the shared 2-core machine (7 CPU-s).

  Run: gglab run experiments/postln_gradients.lua ]]
local gg = require "gglab"

local CONTEXT, BATCH, D, HEADS, FF = 32, 64, 32, 4, 128
local TEXT = "experiments/data/tinyshakespeare.txt"
local PER_LAYER = 12   -- parameter tensors per block (gg.nn.gpt: torch's named_parameters order)
local LINEAR1, LINEAR2 = 5, 7   -- their positions in a block: in_proj w, b, out_proj w, b, linear1 w, b, linear2 w

-- The paper's initialisation: every weight matrix of the blocks redrawn xavier_uniform (fairseq's
-- Transformer), and the untied head (the last parameter) N(0, 1/d_model), so that the first logits are
-- O(1). The token and position embeddings (the first two parameters) keep their N(0, 1).
local function paper_init(model, seed)
  local rng = gg.rng(seed)
  local ps, shapes = model:parameters(), model:parameter_shapes()
  for i = 3, #ps - 1 do
    local s = shapes[i]
    if #s == 2 then
      local a = math.sqrt(6 / (s[1] + s[2]))
      local t = gg.tensor(s[1], s[2])
      for r = 1, s[1] do
        for c = 1, s[2] do t:set(r, c, a * (2 * rng:uniform() - 1)) end
      end
      ps[i] = t
    end
  end
  local head = shapes[#ps]
  assert(#head == 2 and head[2] == D, "unexpected parameter layout")
  local t = gg.tensor(head[1], head[2])
  for r = 1, head[1] do
    for c = 1, head[2] do t:set(r, c, rng:normal() / math.sqrt(D)) end
  end
  ps[#ps] = t
  model:load_parameters(ps)
end

local function frobenius(t)
  local ss = 0
  for _, row in ipairs(t:totable()) do
    for _, v in ipairs(row) do ss = ss + v * v end
  end
  return math.sqrt(ss)
end

-- Least-squares slope of ys over 1..#ys.
local function slope(ys)
  local n, mx, my = #ys, (#ys + 1) / 2, 0
  for _, y in ipairs(ys) do my = my + y / n end
  local sxy, sxx = 0, 0
  for i, y in ipairs(ys) do
    sxy, sxx = sxy + (i - mx) * (y - my), sxx + (i - mx) ^ 2
  end
  return sxy / sxx
end

return gg.experiment {
  name = "postln_gradients",
  description = "gradient norms of a char-level GPT's FFN weights at initialisation: Post-LN vs Pre-LN x depth",
  sweep = gg.grid { init = { "paper", "torch" }, norm = { "post", "pre" }, layers = { 2, 4, 6, 8 },
    seed = gg.seeds(8) },
  run = function(p, run)
    local train = gg.data.text { file = TEXT, context = CONTEXT, level = "char", n = BATCH, val_n = 1,
      seed = run.seed }
    local model = gg.nn.gpt { vocab = train:vocab(), context = CONTEXT, d_model = D, heads = HEADS,
      layers = p.layers, dim_feedforward = FF, activation = "relu", norm_first = p.norm == "pre",
      tie_weights = p.init == "torch" }
    if p.init == "paper" then paper_init(model, run.seed) end
    local shapes = model:parameter_shapes()
    local h = gg.train { model = model, data = train, loss = "cross_entropy", batch_size = BATCH, epochs = 1,
      shuffle = false, optimizer = gg.optim.sgd(model, { lr = 1e-12 }) }
    run:log("loss", h.loss[1], 1, 1)
    local grads, logs = model:grads(), {}
    for l = 1, p.layers do
      local i1, i2 = 2 + PER_LAYER * (l - 1) + LINEAR1, 2 + PER_LAYER * (l - 1) + LINEAR2
      assert(shapes[i1][1] == FF and shapes[i1][2] == D and shapes[i2][1] == D and shapes[i2][2] == FF,
        "unexpected parameter layout")
      local w2 = frobenius(grads[i2])
      run:log("grad_w1", frobenius(grads[i1]), l)
      run:log("grad_w2", w2, l)
      logs[l] = math.log(w2)
    end
    run:summary { log_ratio = logs[p.layers] - logs[1], slope = slope(logs), w2_last = math.exp(logs[p.layers]) }
  end,
  claims = (function()
    local list = {}
    for _, init in ipairs { "paper", "torch" } do
      local tag = " (init " .. init .. ")"
      list[#list + 1] = { "Post-LN's gradients are largest near the output" .. tag .. ": the last layer's linear2 "
        .. "gradient norm exceeds the first layer's (mean log ratio over all depths, lower bound > 0) and grows "
        .. "with the layer index (mean slope of its log over the layers, lower bound > 0)", folklore = "postln_warmup",
        check = function(R)
          local where = { init = init, norm = "post" }
          local r, s = R:mean("log_ratio", where), R:mean("slope", where)
          local parts = {}
          for _, L in ipairs { 2, 4, 6, 8 } do
            parts[#parts + 1] = string.format("L=%d %.2f", L,
              R:mean("log_ratio", { init = init, norm = "post", layers = L }).value)
          end
          return r.lo > 0 and s.lo > 0, "log(last / first) " .. r.text .. " (" .. table.concat(parts, ", ")
            .. "); " .. s.text
        end }
      list[#list + 1] = { "Pre-LN's gradients are about equal across layers" .. tag .. ": the last layer's linear2 "
        .. "gradient norm is within [0.5, 2] x the first layer's in every run", folklore = "postln_warmup",
        check = function(R)
          local where = { init = init, norm = "pre" }
          local f = R:fraction(function(r)
            local q = math.exp(R:value(r, "log_ratio"))
            return q >= 0.5 and q <= 2
          end, where)
          local r = R:mean("log_ratio", where)
          local parts = {}
          for _, L in ipairs { 2, 4, 6, 8 } do
            local m = R:mean("log_ratio", { init = init, norm = "pre", layers = L })
            parts[#parts + 1] = string.format("L=%d %.2f [%.2f, %.2f]", L, math.exp(m.value), math.exp(m.lo),
              math.exp(m.hi))
          end
          return f.k == f.n and f.n > 0, "runs within [0.5, 2]: " .. f.text .. "; ratio last/first (geometric mean) "
            .. table.concat(parts, ", ") .. "; " .. r.text
        end }
      list[#list + 1] = { "depth shrinks Pre-LN's last-layer gradient but not Post-LN's" .. tag .. ": the last "
        .. "layer's linear2 gradient norm at 8 layers vs 2 (paired by seed; log) has an upper bound < 0 for "
        .. "Pre-LN and a lower bound > -0.1 for Post-LN", folklore = "postln_warmup",
        check = function(R)
          local pre = R:paired("w2_last", { init = init, norm = "pre", layers = 8 },
            { init = init, norm = "pre", layers = 2 }, { "seed" }, math.log)
          local post = R:paired("w2_last", { init = init, norm = "post", layers = 8 },
            { init = init, norm = "post", layers = 2 }, { "seed" }, math.log)
          return pre.hi < 0 and post.lo > -0.1, "Pre-LN log(L8 / L2) " .. pre.text .. "; Post-LN " .. post.text
        end }
    end
    return list
  end)(),
}
