--[[ lua/gglab/cli/args.lua — the one argv parser of the command line, driven by a command's
  option table.

  A command (lua/gglab/cli/<name>.lua) describes its arguments as:
    options       list of option definitions (below)
    positional    how many positional arguments it takes (collected in opts.args; default 0)
    rest          when set, '--' ends the options and the arguments after it go to opts[rest]
    tail          when set, the arguments after the last positional one go to opts[tail] verbatim
                  (gglab exec FILE ARGS...: options after FILE are the script's)
    unknown_hint  text appended to "unknown option '...'" (e.g. where such options belong)
    check(opts)   after parsing: nil, or msg [, plain] for a usage error (missing FILE, ...)
  An option definition: { long = "--out", short = "-o", key = opts field, arg = what the value
  is ("a directory"; nil for a flag), parse = value -> parsed value or nil when bad, expect =
  the "expected ..." text of a bad value, multi = collect every occurrence in a list }.

  Every command shares one message shape (docs/cli.md): a usage error prints
  "gglab <cmd>: <msg> (see gglab <cmd> --help)"; a bad option value, whose message names the
  value and the expected form, prints "gglab <cmd>: bad --opt 'value': expected ..." alone. ]]

local overrides = require "gglab.overrides"
local did_you_mean = require("gglab.lib.args").did_you_mean

local M = {}

-- ---- value checks: each returns the parsed value, or nil when the text is bad ----

-- "0", "12" -> an integer >= 0.
function M.nonneg_integer(s)
  local n = s:match("^%d+$") and math.tointeger(tonumber(s))
  return n and n >= 0 and n or nil
end

-- An integer >= lo (a check function for parse).
function M.integer_at_least(lo)
  return function(s)
    local n = M.nonneg_integer(s)
    return n and n >= lo and n or nil
  end
end

-- A finite number of seconds > 0 ("2.5", "30"; no hex, inf or nan).
function M.positive_seconds(s)
  local x = s:match("^[+]?%.?%d") and not s:find("[xX]") and tonumber(s)
  return x and x > 0 and x < math.huge and x or nil
end

-- A --timeout value: positive seconds, or "0"/"none" -> false (no limit at all, not even
-- gglab run's automatic one).
function M.timeout_seconds(s)
  if s == "none" or s:match("^0*%.?0*$") and s:find("0") then return false end
  return M.positive_seconds(s)
end

local SIZE_UNITS = { [""] = 1, b = 1 }
for i, u in ipairs { "k", "m", "g", "t" } do
  SIZE_UNITS[u], SIZE_UNITS[u .. "b"], SIZE_UNITS[u .. "ib"] = 1 << (10 * i), 1 << (10 * i), 1 << (10 * i)
end

-- "1048576", "512M", "2G", "1.5g", "64KiB", "2GB" -> bytes (an integer >= 1), or nil.
-- Units are powers of 1024, as for ulimit and Slurm's --mem.
function M.memory_size(s)
  local num, unit = s:match("^(%d+%.?%d*)(%a*)$")
  local mult = num and SIZE_UNITS[unit:lower()]
  if not mult then return nil end
  local bytes = math.floor(tonumber(num) * mult)
  if bytes < 1 or bytes >= 2 ^ 62 then return nil end
  return math.tointeger(bytes)
end

-- "K/N" with 1 <= K <= N -> { k =, n = }.
function M.shard_spec(s)
  local k, n = s:match("^(%d+)/(%d+)$")
  k, n = k and math.tointeger(tonumber(k)), n and math.tointeger(tonumber(n))
  if not (k and n and k >= 1 and k <= n) then return nil end
  return { k = k, n = n }
end

-- "a, b,c" -> { "a", "b", "c" }; an empty name makes it bad.
function M.names(s)
  local list = {}
  for v in (s .. ","):gmatch("([^,]*),") do
    v = v:match("^%s*(.-)%s*$")
    if v == "" then return nil end
    list[#list + 1] = v
  end
  return list
end

-- ---- options several commands share ----

M.OUT = { long = "--out", short = "-o", key = "out", arg = "a directory" }
M.QUIET = { long = "--quiet", short = "-q", key = "quiet" }
M.JOBS = { long = "--jobs", short = "-j", key = "jobs", arg = "a number", parse = M.nonneg_integer,
  expect = "an integer >= 0" }
-- Exit status of gglab run / merge when some run failed (docs/cli.md); a shell's 1 and 2
-- stay for usage and script errors, so scripts tell "the sweep ran, with failures" apart.
M.EXIT_FAILED = 3

M.TIMEOUT = { long = "--timeout", key = "timeout", arg = "a number of seconds", parse = M.timeout_seconds,
  expect = "a number of seconds > 0, or 0 or none for no limit" }
M.SHARD = { long = "--shard", key = "shard", arg = "K/N", parse = M.shard_spec,
  expect = "K/N with 1 <= K <= N" }
M.SET = { long = "--set", key = "set", arg = "name=value", multi = true }
-- --strict: a --set name no run read is an error (exit status EXIT_UNREAD), not a warning.
M.STRICT = { long = "--strict", key = "strict" }
-- Exit status of gglab run / doctor --strict when a --set name was read by no run (docs/cli.md).
M.EXIT_UNREAD = 4

--[[ set_overrides(opts) -> nil, or msg, true: parses the --set strings (opts.set) into
  opts.overrides (see gglab.overrides); a command's check calls it first. ]]
function M.set_overrides(opts)
  if not opts.set then return nil end
  local spec, msg = overrides.parse(opts.set)
  if not spec then return msg, true end
  opts.overrides = spec
  return nil
end

-- ---- the parser ----

--[[ parse(argv, cmd) -> opts, or nil, msg [, plain]. cmd: a command table (options,
  positional, rest, unknown_hint, check; see the header). "-h"/"--help" -> nil, "help".
  plain = true marks a bad option value: its message needs no pointer to --help. ]]
function M.parse(argv, cmd)
  local by_long, by_short, allowed = {}, {}, {}
  for _, o in ipairs(cmd.options or {}) do
    by_long[o.long] = o
    allowed[#allowed + 1] = o.long
    if o.short then by_short[o.short] = o.long end
  end
  local positional = cmd.positional or 0
  local opts = { args = {} }
  local i = 1
  while i <= #argv do
    local a = argv[i]
    local long, value
    if a == "-h" or a == "--help" then return nil, "help" end
    if a == "--" and cmd.rest then
      opts[cmd.rest] = table.move(argv, i + 1, #argv, 1, {})
      break
    end
    if a:match("^%-%-[^=]+=") then
      long, value = a:match("^(%-%-[^=]+)=(.*)$")
    elseif a:match("^%-%-.") then
      long = a
    elseif a:match("^%-.") then
      local short = a:sub(1, 2)
      long = by_short[short]
      if long and #a > 2 then value = a:sub(3) end  -- -j4
      if not long then long = a end
    end
    if long then
      local o = by_long[long]
      if o and value and not o.arg then
        return nil, string.format("option '%s' takes no value, got '%s'", long, a)
      end
      if not o then
        local guess = long:match("^%-%-") and did_you_mean(long, allowed) or ""
        return nil, "unknown option '" .. a .. "'" .. guess .. (cmd.unknown_hint or "")
      end
      if o.arg then
        if value == nil then
          i = i + 1
          value = argv[i]
        end
        if value == nil or value == "" then return nil, string.format("option '%s' needs %s", long, o.arg) end
        local v = value
        if o.parse then
          v = o.parse(value)
          if v == nil then
            return nil, string.format("bad %s '%s': expected %s", long, value, o.expect), true
          end
        end
        if o.multi then
          opts[o.key] = opts[o.key] or {}
          table.insert(opts[o.key], v)
        else
          opts[o.key] = v
        end
      else
        opts[o.key] = true
      end
    elseif #opts.args >= positional then
      return nil, "unexpected argument '" .. a .. "'"
    else
      opts.args[#opts.args + 1] = a
      if cmd.tail and #opts.args == positional then
        opts[cmd.tail] = table.move(argv, i + 1, #argv, 1, {})
        break
      end
    end
    i = i + 1
  end
  if cmd.rest then opts[cmd.rest] = opts[cmd.rest] or {} end
  if cmd.tail then opts[cmd.tail] = opts[cmd.tail] or {} end
  if cmd.check then
    local msg, plain = cmd.check(opts)
    if msg then return nil, msg, plain end
  end
  return opts
end

--[[ usage_error(out, name, help, msg, plain) -> exit code: reports a parse failure of
  `gglab <name>` (msg "help": prints help on stdout, exit 0). ]]
function M.usage_error(out, name, help, msg, plain)
  if msg == "help" then
    out.stdout:write(help)
    return 0
  end
  if plain then
    out.stderr:write("gglab ", name, ": ", msg, "\n")
  else
    out.stderr:write("gglab ", name, ": ", msg, " (see gglab ", name, " --help)\n")
  end
  return 1
end

return M
