--[[ experiments/seed_deep_relu.lua — seed write-up 003 ("Is epoch loss increasing?"),
  example 3: X = randn(100, 10), y = randint(0, 2, (100,)) (random labels),
  DataLoader(batch_size=10, shuffle=True), Linear(10,50)-ReLU-Linear(50,100)-ReLU-
  Linear(100,2), Adam(0.001), CrossEntropyLoss, 10 epochs: "depending on random weight
  initialization [it] might exhibit an upward trend in loss as a consequence of exploding
  gradients ... Techniques like gradient clipping are generally needed". Reproduced as
  written (PyTorch's default init) over clip {none, clip_grad_norm_ max_norm 1.0} x lr
  {0.001, 0.1} x 20 seeds (data, init and shuffling; paired across clip and lr).
  Definitions: "upward trend" = the last epoch loss (the epoch mean the write-up prints;
  runs.csv's final_loss) is > 5% above the lowest
  epoch loss (min_loss); "exploding gradients" = the pre-clip gradient norm (logged as
  grad_norm every step) reaches >= 10x its first step's value at some step.
  The gradient-norm claim reads each run's grad_norm curve (R:curve).
  Measured: at the write-up's lr 0.001 nothing of the kind happens. The epoch loss falls
  steadily (median 0.70 -> 0.57, the last epoch is the lowest in 20/20 seeds: 0/20 upward
  trends); the gradient norm starts at a median 0.57 and peaks at 1.15 (at most 1.35, at
  most 3.4x its first step: 0/20 "explode"); so clipping at 1.0 touches ~2% of the steps
  and changes the final loss by -0.06% (paired log difference -0.0006 [-0.0009, -0.0003]:
  detectable, but hundreds of times smaller than the spread between seeds, 0.51-0.61) and
  rescues no seed, there being nothing to rescue. (The first version of the "clipping is
  needed" check was that paired difference; it held at -0.06%, so it is kept, untagged, as
  "by any amount", and the tagged claim now asks what "needed" means: does clipping remove
  a rise the unclipped twin shows.) The claims tagged "exploding" do not hold. The
  described behaviour needs a 100x larger lr: at lr 0.1 the gradient norm grows to a median
  12x its start (6.3), 14/20 seeds end > 5% above their best epoch (70% [48%, 85%], short
  of the "most seeds" bar), and clipping makes it worse, not better (median final 0.69 vs
  0.55, paired log difference +0.17 [0.03, 0.31]) — plausibly because Adam already
  normalises its step per parameter, so clipping only reweights the steps inside its moment
  estimates (not tested here). No run overflows (0/80).

  Run: gglab run experiments/seed_deep_relu.lua ]]
local gg = require "gglab"

local function random_label_data(seed)
  local x = gg.data.regression { n = 100, features = 10, noise = 0, seed = seed }:x()
  local r, y = gg.rng(seed + 1), {}
  for i = 1, 100 do y[i] = r:integer(2) - 1 end
  return gg.data.from_tensors(x, gg.tensor(y), { classes = 2 })
end

--[[ One run. Curves: the step losses, epoch_loss (runs.csv's final_loss/min_loss are the
  epoch means the write-up prints), and the pre-clip grad_norm of every step. ]]
local function train(p, seed, run)
  local data = random_label_data(seed)
  local model = gg.nn.sequential { gg.nn.linear(10, 50), gg.nn.relu(), gg.nn.linear(50, 100), gg.nn.relu(),
    gg.nn.linear(100, 2) }
  gg.train { model = model, data = data, loss = "cross_entropy", batch_size = 10, epochs = 10,
    optimizer = gg.optim.adam(model, { lr = p.lr }), clip_norm = p.clip and 1.0 or nil,
    log_grad_norm = true, log = run }
end

local function rises(r) return r.status == "ok" and r.final_loss > 1.05 * r.min_loss end
-- The largest gradient norm >= 10x the first step's (R:curve reads the logged norms).
local function explodes(R, r)
  local norms = R:curve(r, "grad_norm")
  local max = 0
  for _, v in ipairs(norms) do max = math.max(max, v) end
  return #norms > 0 and max >= 10 * norms[1]
end

return gg.experiment {
  name = "seed_deep_relu",
  description = "seed 003 example 3: 10-50-100-2 ReLU net, Adam, random labels, clipping at 1.0 or not",
  sweep = gg.grid { clip = { false, true }, lr = { 0.001, 0.1 }, seed = gg.seeds(20) },
  run = function(p, run) train(p, run.seed, run) end,
  claims = {
    { "'depending on random weight initialization [it] might exhibit an upward trend in loss': "
      .. "at lr 0.001 without clipping, some seeds end > 5% above their lowest epoch loss",
      folklore = "exploding", check = function(R)
        local f = R:fraction(rises, { lr = 0.001, clip = false })
        return f.lo > 0, "upward " .. f.text end },
    { "'as a consequence of exploding gradients': at lr 0.001 without clipping, the gradient norm "
      .. "grows to >= 10x its first step's in some seeds", folklore = "exploding", check = function(R)
        local f = R:fraction(function(r) return explodes(R, r) end, { lr = 0.001, clip = false })
        return f.lo > 0, "exploding " .. f.text end },
    { "'gradient clipping is generally needed' to control it: at lr 0.001, in most seeds the unclipped "
      .. "run rises or diverges while its clipped twin (same seed) does not", folklore = "exploding",
      check = function(R)
        local bad = function(r) return r.status == "diverged" or rises(r) end
        local clipped = {}
        for _, r in ipairs(R:select { lr = 0.001, clip = true }) do clipped[r.params.seed] = r end
        local k, n = 0, 0
        for _, r in ipairs(R:select { lr = 0.001, clip = false }) do
          local c = clipped[r.params.seed]
          if c then
            n = n + 1
            if bad(r) and not bad(c) then k = k + 1 end
          end
        end
        return n > 0 and k / n > 0.5, string.format("clipping rescues %d/%d seeds", k, n) end },
    { "at lr 0.001 clipping at 1.0 lowers the final epoch loss (paired by seed), by any amount",
      check = function(R)
        local d = R:paired("final_loss", { lr = 0.001, clip = true }, { lr = 0.001, clip = false }, { "seed" },
          math.log)
        return d.hi < 0, "log " .. d.text end },
    { "at lr 0.1 (100x) the upward trend appears in most seeds without clipping", check = function(R)
      local f = R:fraction(rises, { lr = 0.1, clip = false })
      return f.lo >= 0.5, "upward " .. f.text end },
    { "at lr 0.1 clipping at 1.0 lowers the final epoch loss (paired by seed)", check = function(R)
      local d = R:paired("final_loss", { lr = 0.1, clip = true }, { lr = 0.1, clip = false }, { "seed" },
        math.log)
      return d.hi < 0, "log " .. d.text end },
    { "no run overflows to inf/NaN", check = function(R)
      local f = R:fraction(function(r) return r.status == "diverged" end, {})
      return f.k == 0, "diverged " .. f.text end },
  },
}
