--[[ tests/doctor/external2/cv367057_fixed.lua — external case (healthy):
  cv367057 with the asker's fix: pixels scaled to [0, 1]

  Source: https://stats.stackexchange.com/questions/367057 (see cv367057.lua for the question, the setup
    and every change made to express it).
  Setup: cv367057.lua's program with the pixels divided by 255 (here: the digits' 0..16 divided by 16).
  Observed by the source: the asker's edit names the missing normalisation as the cause; no numbers after
    the fix are given.
  Accepted cause: the asker's edit: "I figured out it has something to do with me not normalizing the input
    to values between 0 and 1" — the normalised program has no fault.
  Changes to express it: those of cv367057.lua; only the pixel scale differs. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "cv367057_fixed",
  description =
    "healthy: relu 128-128, softmax, categorical_crossentropy, adam, pixels in [0, 1]",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local digits = assert(gg.data.digits { scale = 1 / 16, path = K.DATA .. "digits.csv" })
    local train, val = digits:split(0.2, { seed = run.seed })
    local model = K.keras { 64, { 128, "relu" }, { 128, "relu" }, { 10, "softmax" } }
    K.fit(run, model, K.optimizer(model, "adam"), train, val, "categorical_crossentropy", 32, 20,
      { early_stopping = { patience = 3, restore_best = false } })
  end,
}
