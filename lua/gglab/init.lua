--[[ lua/gglab/init.lua — wires the pure-Lua API into the gg table built by the C module
  (lua/lgglab.c). After this, `gg` is the whole public API: gg.tensor, gg.nn, gg.loss,
  gg.optim, gg.data, gg.train, gg.grid, gg.experiment, ... (docs/lua-api.md). ]]
local gg = require "gglab"
local sweep = require "gglab.sweep"
local nn = require "gglab.nn"

gg.grid, gg.zip = sweep.grid, sweep.zip
gg.logspace, gg.linspace, gg.seeds = sweep.logspace, sweep.linspace, sweep.seeds
gg.random, gg.choice, gg.randint = sweep.random, sweep.choice, sweep.randint
gg.uniform, gg.loguniform = sweep.uniform, sweep.loguniform
gg.experiment = require("gglab.experiment").experiment
local claims = require "gglab.claims"
gg.at_least, gg.at_most, gg.one_of = claims.at_least, claims.at_most, claims.one_of
gg.train = require("gglab.train").train
-- gg.evaluate (C) takes a loss written as a Lua function too: built into a loss graph here.
do
  local c_evaluate, custom_loss = gg.evaluate, require("gglab.train").custom_loss
  gg.evaluate = function(model, data, opts)
    if type(opts) == "table" and type(opts.loss) == "function" then
      local copy = {}
      for k, v in pairs(opts) do copy[k] = v end
      copy.loss = custom_loss(opts.loss, model, data, "loss", "gg.evaluate")
      opts = copy
    end
    local ok, v = pcall(c_evaluate, model, data, opts)
    if not ok then error((tostring(v):gsub("^[^:\n]*:%d+: ", "")), 2) end  -- the caller's line
    return v
  end
end
gg.lr_find = require("gglab.lr_find").lr_find
gg.stable_lr = require("gglab.stable_lr").stable_lr
require "gglab.checkpoint"  -- gg.load and model:save / load / load_state / parameter_names

-- The layer constructors, gg.nn.sequential and mlp come from gglab.nn (which registers them
-- all in gg.nn); gg.op from gglab.graph.
gg.nn.linear, gg.nn.relu, gg.nn.sigmoid, gg.nn.tanh = nn.linear, nn.relu, nn.sigmoid, nn.tanh
gg.nn.mlp, gg.nn.sequential = nn.mlp, nn.sequential
gg.op = require("gglab.graph").op
-- Every optimizer constructor, and the two loaders of files (gg.data.csv, gg.data.text),
-- consult the hooks of gglab.hooks (the C code knows nothing of them).
do
  local hooks = require "gglab.hooks"
  hooks.wrap(gg.optim, "optim")
  local loaders = { csv = gg.data.csv, text = gg.data.text }
  hooks.wrap(loaders, "data")
  gg.data.csv, gg.data.text = loaders.csv, loaders.text
end

return gg
