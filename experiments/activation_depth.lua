--[[ experiments/activation_depth.lua — do saturating activations kill the gradient in deep
  networks, do deep networks explode, and does batch normalisation fix it?

  The write-ups: sigmoid and tanh saturate and "kill" the gradients, ReLU remedies it (000,
  002 ex. 2, 003); deep networks suffer exploding gradients that make the loss rise (000,
  002, 003); batch normalisation makes them train smoothly (002, 003). Setup: 3-class
  Gaussian blobs (600 rows, 10 features, separation 1, 25 % held out), an MLP of 2, 5 or 10
  hidden layers of 32 units, sigmoid / tanh / relu, PyTorch's default init with the weights
  scaled by 0.5, 1 or 3 (init = {"default", scale = s}); at depth 10 also with a BatchNorm1d
  after every hidden linear; SGD lr 0.05 momentum 0.9, batch 32, 15 epochs, cross-entropy,
  8 seeds (data, init and shuffling paired across all other parameters): 288 runs.
  Per run: grad_ratio = ||dL/dW_first|| / ||dL/dW_last|| on the whole training set at
  initialisation (grad_ratio_end after training), the total gradient norm every step
  (grad_norm), the epoch losses, and the validation loss once after training. Chance level
  is ln 3 = 1.10.
  Measured (medians over seeds):
  - grad_ratio at init with the default init, depth 2 / 5 / 10: sigmoid 0.06 / 2e-4 /
    1.6e-8 — the sigmoid gradient vanishes geometrically (its slope is at most 1/4); tanh
    0.54 / 0.35 / 0.07; relu 0.54 / 0.22 / 0.003 (with PyTorch's default init, variance
    1/(3 fan_in), ReLU signals shrink too). At depth 10 the ratio is below 1/100 in 8/8
    sigmoid runs, 0/8 tanh and 7/8 relu: sigmoid kills the gradient, tanh does not, and
    ReLU does not remedy it.
  - Learning: sigmoid stays at chance (final loss 1.10-1.12) in 40/48 runs at depth >= 5
    (all but init 3x at depth 5); relu stays at chance in 16/16 depth-10 runs with init
    0.5x or 1x and 8/8 at depth 5 with 0.5x; tanh learns at depth 10 except with 0.5x
    (median validation loss at depth 10: sigmoid 1.12, tanh 0.57, relu 1.10). Paired by
    depth, init and seed at depth >= 5, sigmoid ends above relu (log difference 0.52
    [0.19, 0.86]) but tanh ends BELOW relu (-0.68 [-0.99, -0.36]): ReLU remedies sigmoid,
    not tanh. Vanishing gradients stall the loss at chance; they never make it rise.
  - Exploding: only relu with 3x init at depth 10 blows up (6/8 diverge, gradient norm up
    to ~1e9x its first step); no other run diverges (0/282). Counting "diverged, or the last
    epoch > 5% above the best", depth 10 (17/72 = 24%) is no worse than depth 2 (26/72 =
    36%, small-loss wobbles): depth alone does not make the loss rise; init scale x depth
    does.
  - BatchNorm at depth 10 trains every activation and init (median final training loss
    0.19-0.24 vs 1.10 without; paired log difference -1.05 [-1.38, -0.71]), but not
    "smoothly": 61/72 runs end > 5% above their best epoch (median 0.23 vs 0.19) at this lr
    and momentum, and the gradient norm climbs during training (relu: median peak 43 vs 6 at
    the first step).

  Run: gglab run experiments/activation_depth.lua ]]
local gg = require "gglab"

local WIDTH, EPOCHS = 32, 15

-- Frobenius norm of a tensor.
local function norm(t)
  local s = 0
  for _, row in ipairs(t:totable()) do
    for _, v in ipairs(row) do s = s + v * v end
  end
  return math.sqrt(s)
end

--[[ ||dL/dW_first|| / ||dL/dW_last||: the gradient of the first linear layer's weights
  relative to the last one's, on the whole training set, for the model as it stands. 1e-3
  means the first layer learns a thousand times slower than the last (vanishing); 1e3 the
  reverse (exploding towards the input). BatchNorm's running statistics are put back, so
  the measurement does not change the training that follows. ]]
local function grad_ratio(model, data)
  local buffers = model:buffers()
  model:train()
  model:zero_grad()
  gg.loss.cross_entropy(model:forward(data:x()), data:y()):backward()
  local g = model:grads()
  local first, last = norm(g[1]), norm(g[#g - 1])
  model:zero_grad()
  if #buffers > 0 then model:load_buffers(buffers) end
  return first / last
end

return gg.experiment {
  name = "activation_depth",
  description = "sigmoid/tanh/relu x depth x init scale (x batchnorm at depth 10): loss and gradient flow",
  sweep = gg.grid { activation = { "sigmoid", "tanh", "relu" }, depth = { 2, 5, 10 },
    init_scale = { 0.5, 1, 3 }, batchnorm = false, seed = gg.seeds(8) }
    + gg.grid { activation = { "sigmoid", "tanh", "relu" }, depth = 10, init_scale = { 0.5, 1, 3 },
      batchnorm = true, seed = gg.seeds(8) },
  run = function(p, run)
    local all = gg.data.classification { n = 600, features = 10, classes = 3, separation = 1, seed = run.seed }
    local train, val = all:split(0.25, { seed = run.seed })
    local widths = { 10 }
    for i = 1, p.depth do widths[#widths + 1] = WIDTH end
    widths[#widths + 1] = 3
    widths.activation, widths.batchnorm = p.activation, p.batchnorm
    widths.init = { "default", scale = p.init_scale }
    local model = gg.nn.mlp(widths)
    run:log("grad_ratio", grad_ratio(model, train), 0)
    -- No `val =` here: gg.train calls gg.evaluate after each epoch with the model still in
    -- training mode, and gg.evaluate then raises for a model with BatchNorm ("a batch of 1
    -- row with BatchNorm in training mode"), so the validation loss is evaluated once, at
    -- the end, in evaluation mode, for every variant alike.
    local hist = gg.train { model = model, data = train, loss = "cross_entropy", batch_size = 32,
      epochs = EPOCHS, optimizer = gg.optim.sgd(model, { lr = 0.05, momentum = 0.9 }),
      log_grad_norm = true, log = run }
    run:log("grad_ratio_end", grad_ratio(model, train), hist.steps)
    model:eval()
    run:log("val_loss", gg.evaluate(model, val, { loss = "cross_entropy" }), hist.steps, EPOCHS)
  end,
  claims = {
    { "sigmoid and tanh kill the gradient in depth: with 10 hidden layers and the default init, the first "
      .. "layer's weight gradient at initialisation is < 1/100 of the last layer's in most runs (Wilson lower "
      .. "bound >= 50%), for each of the two", folklore = "saturation", check = function(R)
        local fs, ok = {}, true
        for _, act in ipairs { "sigmoid", "tanh", "relu" } do
          fs[act] = R:fraction(function(r) return R:curve(r, "grad_ratio")[1] < 0.01 end,
            { activation = act, depth = 10, init_scale = 1, batchnorm = false })
        end
        ok = fs.sigmoid.lo >= 0.5 and fs.tanh.lo >= 0.5
        return ok, string.format("ratio < 0.01: sigmoid %s, tanh %s (relu %s)", fs.sigmoid.text, fs.tanh.text,
          fs.relu.text) end },
    { "ReLU remedies it: at depth >= 5 without batchnorm, sigmoid and tanh each end with a higher validation "
      .. "loss than ReLU (paired by depth, init scale and seed over pairs where both finish; log; lower bound > 0)",
      folklore = "saturation", check = function(R)
        local where = function(act) return { activation = act, depth = gg.at_least(5), batchnorm = false } end
        local by = { "depth", "init_scale", "seed" }
        local s = R:paired("final_val_loss", where "sigmoid", where "relu", by, math.log)
        local t = R:paired("final_val_loss", where "tanh", where "relu", by, math.log)
        return s.lo > 0 and t.lo > 0, "sigmoid - relu: log " .. s.text .. "; tanh - relu: log " .. t.text end },
    { "deep networks explode: without batchnorm, the share of runs whose loss diverges or ends > 5% above its "
      .. "lowest epoch is higher at 10 hidden layers than at 2 (Wilson intervals do not overlap)",
      folklore = "exploding", check = function(R)
        local bad = function(r) return r.status == "diverged" or r.final_loss > 1.05 * r.min_loss end
        local f10 = R:fraction(bad, { depth = 10, batchnorm = false })
        local f2 = R:fraction(bad, { depth = 2, batchnorm = false })
        local grow = R:fraction(function(r)
          local g, max = R:curve(r, "grad_norm"), 0
          for _, v in ipairs(g) do if v > max then max = v end end
          return #g > 0 and max >= 10 * g[1] end, { depth = 10, batchnorm = false })
        return f10.lo > f2.hi, string.format("depth 10: %s; depth 2: %s (depth 10, gradient norm >= 10x its "
          .. "first step: %s)", f10.text, f2.text, grow.text) end },
    { "batch normalisation makes deep networks train smoothly: at depth 10 with batchnorm no run diverges or ends "
      .. "> 5% above its lowest epoch, and the final training loss is lower than without (paired by activation, "
      .. "init scale and seed; log; upper bound < 0)", folklore = "batchnorm", check = function(R)
        local bad = R:fraction(function(r) return r.status == "diverged" or r.final_loss > 1.05 * r.min_loss end,
          { depth = 10, batchnorm = true })
        local d = R:paired("final_loss", { depth = 10, batchnorm = true }, { depth = 10, batchnorm = false },
          { "activation", "init_scale", "seed" }, math.log)
        return bad.k == 0 and d.hi < 0, "diverged or rising with batchnorm " .. bad.text .. "; log " .. d.text end },
  },
}
