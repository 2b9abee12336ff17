--[[ experiments/seed_bce_logits.lua — seed write-up "Why does my ML model training loss
  increase exponentially?", example 3: X ~ N(0,1) (100 x 10), y random 0/1, nn.Linear(10,1)
  with no sigmoid, BCEWithLogitsLoss, Adam(0.001), 100 full-batch epochs. The write-up says
  the missing final sigmoid "will cause numerical instability with BCEWithLogitsLoss".
  BCEWithLogitsLoss takes logits by design, so the claim is tested against its actual
  alternative: a sigmoid output with BCELoss. Swept: {logits + bce_with_logits, sigmoid +
  bce} x lr {0.001, 0.1, 10} x 20 seeds.
  Measured: the claim does not hold — 0/60 logits runs diverge or fail, and at lr 0.001
  and 0.1 both heads give identical losses (0.699, 0.639). The instability is on the other
  side: at lr 10 the sigmoid + BCELoss head saturates into the log clamp (median loss 18.8,
  up to 35) while the logits form stays at 0.73 — which is why BCEWithLogitsLoss exists.

  Run: gglab run experiments/seed_bce_logits.lua ]]
local gg = require "gglab"

return gg.experiment {
  name = "seed_bce_logits",
  description = "seed 000 example 3: BCEWithLogitsLoss on raw logits vs sigmoid + BCELoss",
  sweep = gg.grid { head = { "logits", "sigmoid" }, lr = { 0.001, 0.1, 10 }, seed = gg.seeds(20) },
  run = function(p, run)
    local x = gg.data.regression { n = 100, features = 10, noise = 0, seed = run.seed }:x()
    local labels = gg.data.classification { n = 100, features = 1, classes = 2, seed = run.seed + 1 }:y()
    local data = gg.data.from_tensors(x, labels)
    local layers = { gg.nn.linear(10, 1) }
    if p.head == "sigmoid" then layers[2] = gg.nn.sigmoid() end
    local model = gg.nn.sequential(layers)
    gg.train { model = model, data = data, loss = p.head == "logits" and "bce_with_logits" or "bce",
      batch_size = 100, epochs = 100, optimizer = gg.optim.adam(model, { lr = p.lr }), log = run }
  end,
  claims = {
    { "raw logits with BCEWithLogitsLoss are numerically unstable (the write-up's claim)", folklore = "logits",
      check = function(R)
        local f = R:fraction(function(r) return r.status ~= "ok" end, { head = "logits" })
        return f.lo > 0, "diverged or failed " .. f.text end },
    { "at lr 0.001 both heads end at the same loss (within 1 %)", check = function(R)
      local d = R:paired("final_loss", { head = "logits", lr = 0.001 }, { head = "sigmoid", lr = 0.001 },
        { "seed" }, math.log)
      return d.lo > -0.01 and d.hi < 0.01, "log " .. d.text end },
    { "at lr 10 it is sigmoid + BCELoss that breaks down, not the logits form", folklore = "logits", check = function(R)
      local d = R:paired("final_loss", { head = "sigmoid", lr = 10 }, { head = "logits", lr = 10 },
        { "seed" }, math.log)
      return d.lo > math.log(5), "log " .. d.text end },
  },
}
