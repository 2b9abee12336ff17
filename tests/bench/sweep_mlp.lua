-- tests/bench/sweep_mlp.lua — 200 runs of the seed MLP 10-50-100-2, batch 10, Adam, 100
-- steps each (cross-entropy on 1000 Gaussian-blob rows): a realistic small sweep.
local gg = require "gglab"
return gg.experiment {
  name = "bench_sweep_mlp",
  sweep = gg.grid { lr = gg.logspace(1e-4, 1e-1, 20), seed = gg.seeds(10) },
  run = function(p, run)
    local data = gg.data.classification { n = 1000, features = 10, classes = 2, seed = run.seed }
    local model = gg.nn.mlp { 10, 50, 100, 2 }
    gg.train { model = model, data = data, loss = "cross_entropy", batch_size = 10, epochs = 1,
      optimizer = gg.optim.adam(model, { lr = p.lr }), log = run }
  end,
}
