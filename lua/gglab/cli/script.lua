--[[ lua/gglab/cli/script.lua — what the commands that take an experiment script share
  (gglab run, list, doctor): the check after parsing (--set parsed, FILE given) and loading
  the script with --set applied. ]]

local experiment = require "gglab.experiment"
local overrides = require "gglab.overrides"
local args = require "gglab.cli.args"
local did_you_mean = require("gglab.lib.args").did_you_mean

local M = {}

--[[ check(opts) -> nil, or msg [, plain]: --set parsed into opts.overrides, and the one
  positional FILE present (opts.args[1]). ]]
function M.check(opts)
  local msg, plain = args.set_overrides(opts)
  if msg then return msg, plain end
  if not opts.args[1] then return "missing experiment FILE" end
end

-- Applies spec (parsed --set) to the experiment -> a new experiment, or nil, msg.
-- A --set name that is not a parameter of the sweep adds an axis; when it looks like a
-- typo of one that is, a note says so on out.stderr.
local function with_overrides(exp, spec, out)
  if not spec then return exp end
  local names = exp.sweep:names()
  for _, o in ipairs(spec) do
    local known = false
    for _, n in ipairs(names) do known = known or n == o.name end
    local guess = not known and did_you_mean(o.name, names) or ""
    if guess ~= "" and out then
      out.stderr:write(string.format("gglab: note: --set '%s' is not a parameter of the sweep, so it adds "
        .. "an axis%s\n", o.name, guess))
    end
  end
  local s = overrides.apply(exp.sweep, spec)
  -- Re-validate as a whole: --set may add a reserved name or a non-integer seed.
  -- The claims stay: they are judged on the overridden sweep (a claim about a value --set
  -- removed then sees no runs, and says so in its numbers).
  local ok, new = pcall(experiment.experiment, { name = exp.name, sweep = s, run = exp.run,
    description = exp.description, seed = exp.seed, claims = exp.claims,
    flush_denormal = exp.flush_denormal })
  if not ok then
    return nil, "after --set: " .. tostring(new):gsub("^gg%.experiment: ", "")
  end
  return new
end

--[[ load(file, spec, out) -> experiment, or nil, msg: loads the script FILE and applies
  spec (opts.overrides of --set, may be nil). ]]
function M.load(file, spec, out)
  local exp, err = experiment.load(file)
  if exp then exp, err = with_overrides(exp, spec, out) end
  return exp, err
end

--[[ open(file, spec, out) -> experiment, or nil after printing "gglab: <why>" on out.stderr. ]]
function M.open(file, spec, out)
  local exp, err = M.load(file, spec, out)
  if not exp then out.stderr:write("gglab: ", err, "\n") end
  return exp
end

return M
