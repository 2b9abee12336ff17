--[[ lua/gglab/cli/script.lua — what the commands that take an experiment script share
  (gglab run, list, doctor): the check after parsing (--set parsed, FILE given), loading
  the script with --set applied (the data files it opens at its top noted for the
  manifest), and the warning about --set names no run read. ]]

local experiment = require "gglab.experiment"
local overrides = require "gglab.overrides"
local hooks = require "gglab.hooks"
local runner = require "gglab.engine.runner"
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
  spec (opts.overrides of --set, may be nil). While the script's top level runs, the
  runner's data hook notes the files it opens (gglab.engine.runner: loaded_data). ]]
function M.load(file, spec, out)
  local exp, err = hooks.with(runner.DATA_HOOK, experiment.load, file)
  if exp then exp, err = with_overrides(exp, spec, out) end
  return exp, err
end

--[[ set_names(spec) -> the names of spec (parsed --set) as a list, or nil without --set. ]]
function M.set_names(spec)
  if not spec or #spec == 0 then return nil end
  local names = {}
  for i, o in ipairs(spec) do names[i] = o.name end
  return names
end

--[[ unread(spec, read, names [, effect]) -> list of messages, one per --set name of spec
  (parsed --set, may be nil) that is not in read (a set: the names the runs read or looked
  up), in command-line order: "--set 'epochs' was read by no run (<effect>); did you mean
  'epoch'?". The suggestion (gg._suggest) is among the names of read and names (a list:
  the sweep's parameters), --set names no run read excluded. effect: what such a --set
  changed (default gglab run's: the run ids and runs.csv). ]]
function M.unread(spec, read, names, effect)
  effect = effect or "it changed the run ids and runs.csv, not what the runs did"
  local out, set = {}, {}
  for _, o in ipairs(spec or {}) do set[o.name] = true end
  local candidates = {}
  for name in pairs(read) do candidates[#candidates + 1] = name end
  for _, name in ipairs(names or {}) do
    if not set[name] and not read[name] then candidates[#candidates + 1] = name end
  end
  table.sort(candidates)
  for _, o in ipairs(spec or {}) do
    if not read[o.name] then
      out[#out + 1] = string.format("--set '%s' was read by no run (%s)%s", o.name, effect,
        did_you_mean(o.name, candidates))
    end
  end
  return out
end

--[[ report_unread(msgs, strict, out) -> exit status: writes each message of unread() on
  out.stderr, as "gglab: warning: <msg>", or with strict as "gglab: --strict: <msg>" and
  returns args.EXIT_UNREAD (0 when msgs is empty or not strict). ]]
function M.report_unread(msgs, strict, out)
  for _, msg in ipairs(msgs) do
    out.stderr:write("gglab: ", strict and "--strict: " or "warning: ", msg, "\n")
  end
  return strict and #msgs > 0 and args.EXIT_UNREAD or 0
end

--[[ open(file, spec, out) -> experiment, or nil after printing "gglab: <why>" on out.stderr. ]]
function M.open(file, spec, out)
  local exp, err = M.load(file, spec, out)
  if not exp then out.stderr:write("gglab: ", err, "\n") end
  return exp
end

return M
