-- tests/bench/sweep_seed100.lua — issue 11's sweep: 100 runs (10 learning rates x 10 seeds)
-- of 100 Adam steps of the seed MLP 10-50-100-2, batch 10, on 1000 Gaussian-blob rows each,
-- every step's loss logged. make bench times the whole `gglab run` process; PyTorch and
-- libtorch run the same sweep (bench_torch.py, bench_libtorch.cpp).
local gg = require "gglab"
return gg.experiment {
  name = "bench_seed100", flush_denormal = false,
  sweep = gg.grid { lr = gg.logspace(1e-4, 1e-1, 10), seed = gg.seeds(10) },
  run = function(p, run)
    local data = gg.data.classification { n = 1000, features = 10, classes = 2, seed = run.seed }
    local model = gg.nn.mlp { 10, 50, 100, 2 }
    gg.train { model = model, data = data, loss = "cross_entropy", batch_size = 10, epochs = 1,
      optimizer = gg.optim.adam(model, { lr = p.lr }), log = run }
  end,
}
