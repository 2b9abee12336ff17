--[[ lua/gglab/experiment.lua — gg.experiment{}: validate an experiment declaration.

  experiment{ name = "mlp_lr", sweep = <sweep or table of axes>, run = function(p, run) end,
              description = "...", seed = 0, flush_denormal = false }
  returns a new table with the same fields (sweep always a sweep object, seed defaulting
  to 0) marked with a metatable, so the CLI can tell an experiment from any other value.
  flush_denormal = true runs every point with subnormal floats flushed to zero
  (gg.set_flush_denormal; IEEE subnormals, PyTorch's default, otherwise). long = true marks
  an experiment that takes minutes: `make findings` runs it and keeps its manifest in
  docs/findings/<name>.json, while `make test` runs only its first sweep point and checks
  that kept manifest against the script (docs/cli.md, "gglab findings"). ]]

local gg = require "gglab"
local args = require "gglab.lib.args"
local describe = args.describe
local sweep = require "gglab.sweep"
local schema = require "gglab.lib.schema"

local M = {}

local Experiment = {}
Experiment.__name = "gglab.Experiment"

local ALLOWED = { "claims", "description", "flush_denormal", "long", "name", "run", "seed", "sweep" }
local NAME_PATTERN = "^[%w][%w_.-]*$"
local MAX_NAME = 64

-- Raises at the caller of gg.experiment; only M.experiment calls it (helpers return messages).
local function fail(msg)
  error("gg.experiment: " .. msg, 3)
end

-- Parameters become runs.csv columns next to the result columns, so they must not collide;
-- `seed` feeds sweep.run_seed, so it must be an integer. Returns an error message or nil.
local function check_params(s)
  for _, name in ipairs(s:names()) do
    if schema.is_reserved(name) then
      return string.format("sweep parameter '%s' clashes with a runs.csv column", name)
    end
  end
  for _, p in s:iter() do
    if p.seed ~= nil and not (type(p.seed) == "number" and math.tointeger(p.seed)) then
      return "sweep parameter 'seed' must be an integer, got " .. describe(p.seed)
    end
  end
end

function M.experiment(spec)
  if type(spec) ~= "table" then fail("argument must be a table, got " .. type(spec)) end
  args.check_options("gg.experiment", spec, ALLOWED)
  local name = spec.name
  if type(name) ~= "string" or #name > MAX_NAME or not name:match(NAME_PATTERN) then
    fail(string.format("name must be a string of at most %d letters, digits, '_', '.' or '-' "
      .. "starting with a letter or digit, got %s", MAX_NAME, describe(name)))
  end
  if type(spec.run) ~= "function" then fail("run must be a function, got " .. describe(spec.run)) end
  local seed = spec.seed == nil and 0 or type(spec.seed) == "number" and math.tointeger(spec.seed)
  if not seed then fail("seed must be an integer, got " .. describe(spec.seed)) end
  if spec.description ~= nil and type(spec.description) ~= "string" then
    fail("description must be a string, got " .. describe(spec.description))
  end
  if spec.flush_denormal ~= nil and type(spec.flush_denormal) ~= "boolean" then
    fail("flush_denormal must be true or false, got " .. describe(spec.flush_denormal))
  end
  if spec.long ~= nil and type(spec.long) ~= "boolean" then
    fail("long must be true or false, got " .. describe(spec.long))
  end
  local claims = spec.claims
  if claims ~= nil then
    if type(claims) ~= "table" then fail("claims must be a list of {text, check = function(R)}, got " .. describe(claims)) end
    for i, c in ipairs(claims) do
      if type(c) ~= "table" or type(c[1]) ~= "string" or type(c.check) ~= "function" then
        fail(string.format("claims[%d] must be {text, check = function(R) ... end}", i))
      end
      for k in pairs(c) do
        if k ~= 1 and k ~= "check" and k ~= "folklore" then
          fail(string.format("claims[%d]: unknown field '%s' (allowed: check, folklore)%s", i, tostring(k),
            args.did_you_mean(k, { "check", "folklore" })))
        end
      end
      if c.folklore ~= nil then
        local ok, msg = require("gglab.lib.folklore").ids(c.folklore)
        if not ok then fail(string.format("claims[%d].folklore %s", i, msg)) end
      end
    end
  end
  local s = spec.sweep
  if type(s) == "table" and not sweep.is_sweep(s) then
    s = sweep.from_axes("gg.experiment: sweep", s, 3)
  elseif not sweep.is_sweep(s) then
    fail("sweep must be a sweep or a table of axes, got " .. describe(s))
  end
  if #s == 0 then fail("sweep must not be empty, got 0 points") end
  local bad = check_params(s)
  if bad then fail(bad) end
  return setmetatable({ name = name, sweep = s, run = spec.run, description = spec.description,
    seed = seed, claims = claims, flush_denormal = spec.flush_denormal == true,
    long = spec.long == true }, Experiment)
end

--[[ load(file) -> experiment, or nil, message: runs the script FILE, which must return
  gg.experiment{...} (what gglab run, list and slurm all do first). ]]
function M.load(file)
  if not gg.fs.exists(file) then return nil, "no such file '" .. file .. "'" end
  if gg.fs.isdir(file) then return nil, "'" .. file .. "' is a directory, expected a Lua script" end
  local chunk, err = loadfile(file)
  if not chunk then return nil, err end
  local ok, exp = pcall(chunk)
  if not ok then
    -- `return gg.experiment{...}` is a tail call: the script's frame is gone when the
    -- error is raised, so the message has no file:line. Name the file at least.
    local msg = tostring(exp)
    if not msg:match("^[^\n]-:%d+: ") then msg = file .. ": " .. msg end
    return nil, msg
  end
  if not M.is_experiment(exp) then
    return nil, file .. " did not return gg.experiment{...}, got " .. type(exp)
  end
  return exp
end

function M.is_experiment(x)
  return getmetatable(x) == Experiment
end

return M
