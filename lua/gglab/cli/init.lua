--[[ lua/gglab/cli/init.lua — `gglab init [NAME] [--dir DIR]`: writes a commented starter
  experiment DIR/NAME.lua (default experiments/my_experiment.lua) that `gglab run` runs as
  is: a small learning-rate x optimizer x seed sweep of an MLP with one claim that gets a
  verdict. Never overwrites a file; DIR is created when missing. ]]

local gg = require "gglab"

local M = {}

M.DEFAULT_NAME = "my_experiment"
M.DEFAULT_DIR = "experiments"
local NAME_PATTERN = "^[%w][%w_-]*$"
local MAX_NAME = 64

M.help = [==[
usage: gglab init [NAME] [--dir DIR]

Writes DIR/NAME.lua (default experiments/my_experiment.lua): a commented
starter experiment, a small sweep of learning rates x optimizers x seeds of an
MLP with one claim, which runs as is:
  gglab run experiments/NAME.lua
NAME: letters, digits, '_' or '-', starting with a letter or digit (at most
64); it is also the experiment's name (results/NAME/). An existing file is
never overwritten.

options:
  --dir DIR    write into DIR instead of experiments/ (created when missing)
  -h, --help   show this help
]==]

M.options = { { long = "--dir", key = "dir", arg = "a directory" } }
M.positional = 1

-- After parsing: NAME (when given) is a valid experiment and file name.
function M.check(opts)
  local name = opts.args[1]
  if name and (#name > MAX_NAME or not name:match(NAME_PATTERN)) then
    return string.format("bad NAME '%s': expected at most %d letters, digits, '_' or '-', starting with a "
      .. "letter or digit (the file is DIR/NAME.lua)", name, MAX_NAME), true
  end
end

-- The starter experiment; @NAME@ is replaced by the experiment's name.
local TEMPLATE = [==[
--[[ @FILE@ — a starter experiment written by `gglab init`.

  Run it:      gglab run @FILE@        (results in results/@NAME@/)
  See it:      gglab report results/@NAME@ --text
  One point:   gglab run @FILE@ --set lr=0.1 --set optimizer=adam
  Reference:   docs/lua-api.md (the API), docs/cli.md (the commands).

  An experiment is a script that returns gg.experiment{...}: a sweep (every combination of
  the listed values is one run), a run function that trains one point, and claims that
  gglab run judges from the finished runs. ]]
local gg = require "gglab"

return gg.experiment {
  name = "@NAME@",  -- the results folder: results/@NAME@/
  description = "Learning rate x optimizer on a small MLP classifier",

  -- 3 learning rates x 2 optimizers x 3 seeds = 18 runs. gg.logspace(a, b, n): n values
  -- from a to b, evenly spaced on a log scale; gg.seeds(n): the seeds 1..n.
  sweep = gg.grid {
    lr = gg.logspace(1e-3, 1e-1, 3),
    optimizer = { "sgd", "adam" },
    seed = gg.seeds(3),
  },

  -- One run: p holds this point's parameters (p.lr, p.optimizer, p.seed); run.seed is the
  -- seed to draw data and weights from (same point, same seed: bit-identical results).
  run = function(p, run)
    local all = gg.data.classification { n = 600, features = 8, classes = 3, separation = 2,
      seed = run.seed }
    local train, val = all:split(0.2)  -- 20 % held out for validation
    local model = gg.nn.mlp { 8, 32, 3, activation = "relu" }
    gg.train {
      model = model, data = train, val = val, loss = "cross_entropy",
      optimizer = gg.optim[p.optimizer](model, { lr = p.lr }),
      batch_size = 32, epochs = 10,
      log = run,  -- the curves go to curves.csv, the final values to runs.csv
    }
  end,

  -- Claims: check(R) gets the finished runs and returns holds, detail. R:mean gives a mean
  -- with its 95 % interval; R:fraction a share of runs (docs/lua-api.md, claims).
  claims = {
    { "SGD learns faster with lr = 0.1 than with lr = 0.001: lower validation loss after 10 epochs",
      check = function(R)
        local fast = R:mean("final_val_loss", { optimizer = "sgd", lr = gg.at_least(0.09) })
        local slow = R:mean("final_val_loss", { optimizer = "sgd", lr = gg.at_most(0.0011) })
        return fast.hi < slow.lo, "lr 0.1: " .. fast.text .. "; lr 0.001: " .. slow.text
      end },
  },
}
]==]

-- template(name, file) -> the starter script's text.
function M.template(name, file)
  return (TEMPLATE:gsub("@(%u+)@", { NAME = name, FILE = file }))
end

-- gglab init -> exit code.
function M.main(opts, out)
  local name = opts.args[1] or M.DEFAULT_NAME
  local dir = opts.dir or M.DEFAULT_DIR
  local file = dir .. "/" .. name .. ".lua"
  if gg.fs.exists(file) then
    out.stderr:write(string.format("gglab init: %s already exists (not overwritten; choose another NAME "
      .. "or remove it)\n", file))
    return 1
  end
  if not gg.fs.isdir(dir) then
    local ok, err = gg.fs.mkdir(dir)
    if not ok then
      out.stderr:write("gglab init: cannot create ", dir, ": ", tostring(err), "\n")
      return 1
    end
  end
  local f, err = io.open(file, "w")
  if not f then
    out.stderr:write("gglab init: cannot write ", file, ": ", tostring(err), "\n")
    return 1
  end
  local ok, werr = f:write(M.template(name, file))
  local cok, cerr = f:close()
  if not (ok and cok) then
    out.stderr:write("gglab init: cannot write ", file, ": ", tostring(werr or cerr), "\n")
    return 1
  end
  out.stdout:write(string.format("wrote %s; run it with: gglab run %s\n", file, file))
  return 0
end

return M
