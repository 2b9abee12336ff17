--[[ experiments/label_noise.lua — does label noise make the training loss rise?

  The write-ups list noisy labels among the causes of an increasing loss. digits (1797
  images, 64 pixels, standardised on the training split) with a fraction of the TRAINING
  labels flipped to another class (0, 10, 30, 50 %); a 64-128-10 ReLU MLP, Adam(1e-3),
  batch 32, 30 epochs, 10 seeds; the validation split (25 %) keeps its true labels.
  Measured (medians): no run diverges (0/40). The last batch's training loss rises with
  the noise — 0.001, 0.13, 1.1, 1.2 for 0/10/30/50 % — because the model cannot fit
  labels that contradict each other, and the clean validation loss rises with it (0.074,
  0.23, 0.55, 0.94): noisy labels raise the level of the loss, they do not make it climb.

  Run: gglab run experiments/label_noise.lua ]]
local gg = require "gglab"

return gg.experiment {
  name = "label_noise",
  description = "digits with 0-50% of the training labels flipped: train vs validation loss",
  sweep = gg.grid { noise = { 0, 0.1, 0.3, 0.5 }, seed = gg.seeds(10) },
  run = function(p, run)
    local all = assert(gg.data.csv("experiments/data/digits.csv", { target = "target", classify = true }))
    local train, val = all:split(0.25, { seed = run.seed })
    local scaler = gg.data.standard_scaler(train)
    train, val = scaler:transform(train), scaler:transform(val)
    if p.noise > 0 then train = train:flip_labels { rate = p.noise, seed = run.seed } end
    local model = gg.nn.mlp { 64, 128, 10 }
    gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = 32,
      epochs = 30, optimizer = gg.optim.adam(model, { lr = 1e-3 }), log = run }
  end,
  claims = {
    { "label noise does not make the training loss diverge", folklore = "label_noise", check = function(R)
      local f = R:fraction(function(r) return r.status == "diverged" end, {})
      return f.k == 0, "diverged " .. f.text end },
    { "the final training loss grows with the noise rate (clean vs 30 %, paired)", folklore = "label_noise", check = function(R)
      local d = R:paired("final_loss", { noise = 0.3 }, { noise = 0 }, { "seed" }, math.log)
      return d.lo > 0, "log " .. d.text end },
    { "30 % noisy training labels raise the validation loss on clean labels (paired)", folklore = "label_noise",
      check = function(R)
        local d = R:paired("final_val_loss", { noise = 0.3 }, { noise = 0 }, { "seed" }, math.log)
        return d.lo > 0, "log " .. d.text end },
  },
}
