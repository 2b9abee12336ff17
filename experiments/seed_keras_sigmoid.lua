--[[ experiments/seed_keras_sigmoid.lua — seed write-up 002 ("loss increases exponentially
  after the first step"), example 2 (Keras): X, y ~ U(0,1), 100 rows, 10 features;
  Dense(64, sigmoid) -> Dense(1), Adam(0.01), mse, fit(epochs=10). The write-up: "Sigmoid
  saturation can hinder learning", replace it with relu or tanh. Note y is independent of
  X, so the best a model can do beyond predicting the mean (mse = var(y) ~ 1/12 = 0.083)
  is memorise. Swept: activation {sigmoid, relu, tanh} x 20 seeds, Keras preset.
  Measured (median final epoch loss): sigmoid 0.087, relu 0.075 — sigmoid is worse, by
  ~19 % (paired log difference 0.17 [0.09, 0.25]), and its mean final loss 0.091 [0.085,
  0.097] is the constant predictor's level: it memorises nothing in 10 epochs. tanh, the
  other advised remedy, is no better than sigmoid (-0.02 [-0.08, 0.03]). Nothing
  overflows (0/60): whatever slows sigmoid, it does not make the loss rise.
  Mechanism (sigmoid worse than relu): the sigmoid units are NOT saturated — saturated_frac
  (|z| > 5, every step) is 0 in every run, and after training 99% [92%, 100%] of the hidden
  pre-activations have |z| < 1 (mean |z| 0.30), where sigmoid is within 8% of linear (mean
  derivative 0.241 of its maximum 0.25). The hidden layer is near-linear, so the net is
  close to a linear model of 10 features, which cannot memorise 100 random targets; ReLU
  at the same |z| (0.31) is piecewise linear with a kink at 0 (33% [23%, 45%] of its units
  active per row). (The header used to say "saturation slows learning"; it does not.)
  Mechanism (tanh no better): tanh is as unsaturated (0), as near-linear (100% with |z| <
  1) and has ~4x sigmoid's derivative (0.94), yet it does no better: sigmoid's derivative
  <= 1/4 is not what slows it (Adam rescales each parameter's step anyway).
  Mechanism (no overflow): the largest update ratio ||dW||/||W|| is 0.061 [0.052, 0.064].

  Run: gglab run experiments/seed_keras_sigmoid.lua ]]
local gg = require "gglab"

-- "median m [min, max]" of the run:summary value name over the runs matching where.
local function spread(R, where, name)
  local s = R:spread(name, where)
  return s.n > 0 and "median " .. s.text or "none"
end
-- The mechanism measurement for one activation: saturation (diagnostics, every step) and the hidden
-- pre-activations after training.
local function units(R, act)
  local w = { activation = act }
  return act .. ": mean |z| " .. spread(R, w, "mean_abs_z") .. ", share |z| < 1 " .. spread(R, w, "linear_frac")
    .. (act == "relu" and ", active share (f'(z) = 1) " or ", mean f'(z) ") .. spread(R, w, "mean_deriv")
    .. (act ~= "relu" and (", saturated_frac (|z| > 5) at most " .. spread(R, w, "sat_max")) or "")
end

return gg.experiment {
  name = "seed_keras_sigmoid",
  description = "seed 002 example 2: a sigmoid hidden layer vs relu and tanh, Keras Adam(0.01)",
  sweep = gg.grid { activation = { "sigmoid", "relu", "tanh" }, seed = gg.seeds(20) },
  run = function(p, run)
    local x = gg.data.regression { n = 100, features = 10, x = "uniform", noise = 0, seed = run.seed }:x()
    local y = gg.data.regression { n = 100, features = 1, x = "uniform", noise = 0, w = { 1 },
      seed = run.seed + 1 }:x()
    local model = gg.nn.mlp { 10, 64, 1, activation = p.activation, keras = true }
    local h = gg.train { model = model, data = gg.data.from_tensors(x, y), keras = true, loss = "mse", epochs = 10,
      optimizer = gg.optim.keras_adam(model, { lr = 0.01 }), log = run, diagnostics = { every = 1 } }
    local d, s = h.diagnostics, {}
    if d.saturated_frac then s.sat_max = math.max(table.unpack(d.saturated_frac.values)) end
    s.upd_max = math.max(table.unpack(d.update_ratio.values))
    -- The hidden pre-activations z = x W1^T + b1 of all 100 rows after training: mean |z|, the share in the
    -- near-linear range |z| < 1 and the mean derivative of the activation there.
    local W, b, X = model:parameters()[1]:totable(), model:parameters()[2]:totable()[1], x:totable()
    local n, absz, lin, deriv = 0, 0, 0, 0
    for _, row in ipairs(X) do
      for j, wj in ipairs(W) do
        local z = b[j]
        for k, v in ipairs(row) do z = z + wj[k] * v end
        n, absz = n + 1, absz + math.abs(z)
        if math.abs(z) < 1 then lin = lin + 1 end
        if p.activation == "sigmoid" then
          local sg = 1 / (1 + math.exp(-z))
          deriv = deriv + sg * (1 - sg)
        elseif p.activation == "tanh" then
          deriv = deriv + 1 - math.tanh(z) ^ 2
        else
          deriv = deriv + (z > 0 and 1 or 0)
        end
      end
    end
    s.mean_abs_z, s.linear_frac, s.mean_deriv = absz / n, lin / n, deriv / n
    run:summary(s)
  end,
  claims = {
    { "sigmoid ends worse than relu (the write-up: saturation hinders learning)", folklore = "saturation",
      check = function(R)
        local d = R:paired("final_loss", { activation = "sigmoid" }, { activation = "relu" }, { "seed" }, math.log)
        return d.lo > 0, "log " .. d.text .. "; mechanism: the sigmoid units are NOT saturated, they sit in their "
          .. "near-linear range (" .. units(R, "sigmoid") .. "; " .. units(R, "relu") .. ")" end },
    { "tanh, the write-up's other remedy, also ends better than sigmoid", folklore = "saturation",
      check = function(R)
        local d = R:paired("final_loss", { activation = "tanh" }, { activation = "sigmoid" }, { "seed" }, math.log)
        return d.hi < 0, "log " .. d.text .. "; mechanism: tanh's units are as unsaturated and have 4x sigmoid's "
          .. "derivative (" .. units(R, "tanh") .. "), yet it does no better: sigmoid's derivative <= 1/4 is not what "
          .. "slows it (Adam rescales each parameter's step anyway); both smooth activations are near-linear at these "
          .. "|z|, while ReLU's kink at 0 splits the rows between active and inactive units" end },
    { "sigmoid learns nothing beyond the mean: its mean final loss is at least 0.95 x var(y) = 0.079",
      check = function(R)
        local m = R:mean("final_loss", { activation = "sigmoid" })
        return m.lo >= 0.95 / 12, m.text .. "; mechanism: " .. spread(R, { activation = "sigmoid" }, "linear_frac")
          .. " of its pre-activations have |z| < 1, where sigmoid is within 8% of linear: the net is close to a "
          .. "linear model of 10 features, which cannot memorise 100 random targets" end },
    { "no activation makes the loss overflow (the title's 'exponential' increase)",
      check = function(R)
        local f = R:fraction(function(r) return r.status ~= "ok" end, {})
        return f.k == 0, "diverged or failed " .. f.text .. "; mechanism: the largest update ratio ||dW||/||W|| "
          .. spread(R, {}, "upd_max") .. " (Keras Adam's step is about lr = 0.01 per parameter)" end },
  },
}
