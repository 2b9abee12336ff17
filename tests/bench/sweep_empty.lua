-- tests/bench/sweep_empty.lua — 100 runs of an empty run function: the runner's own cost
-- (process start, sweep expansion, workers, per-run files, combining, manifest).
local gg = require "gglab"
return gg.experiment {
  name = "bench_sweep_empty",
  sweep = gg.grid { i = gg.linspace(1, 100, 100) },
  run = function() end,
}
