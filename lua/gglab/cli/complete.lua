--[[ lua/gglab/cli/complete.lua — `gglab --complete WORD...` (hidden): the candidates for the
  word under the cursor, one per line, for the bash and zsh completion functions
  (docs/completion/), so both shells complete from the same option tables as --help.

  WORDs are the command line's words after `gglab` up to the cursor; the last one is the
  (possibly empty) word being completed. Candidates: the commands and the top-level options
  (.lua files and directories when no command fits: gglab FILE.lua); a command's options
  (its option table, with -h/--help); for an option taking a directory, directories (a file
  or path: every file); for a command's positional arguments, experiment scripts (.lua
  files; experiments/*.lua offered from the start) or result directories (results/*/ that
  hold a runs.csv offered from the start). Directories end with '/'. An option's value may
  be joined (--out=DIR: one word in zsh; --out, =, DIR in bash). Nothing after a script's
  FILE in gglab exec, nor after '--' ]]

local gg = require "gglab"

local M = {}

-- The names of dir (its listing; "" is ".") that start with prefix: hidden ones only when
-- prefix starts with '.'.
local function names_in(dir, prefix)
  local names = gg.fs.listdir(dir == "" and "." or dir) or {}
  local out = {}
  for _, n in ipairs(names) do
    if n:sub(1, #prefix) == prefix and (n:sub(1, 1) ~= "." or prefix:sub(1, 1) == ".") then
      out[#out + 1] = n
    end
  end
  return out
end

--[[ paths(cur, kind) -> the paths completing cur: directories (with '/') and, for kind "lua",
  the .lua files, for kind "file", every file. ]]
local function paths(cur, kind)
  local dir, base = cur:match("^(.*/)([^/]*)$")
  if not dir then dir, base = "", cur end
  local out = {}
  for _, n in ipairs(names_in(dir, base)) do
    local p = dir .. n
    if gg.fs.isdir(p) then
      out[#out + 1] = p .. "/"
    elseif kind == "file" or kind == "lua" and n:match("%.lua$") then
      out[#out + 1] = p
    end
  end
  return out
end

-- The candidates for a positional argument of kind "lua" or "dir".
local function positional(cur, kind)
  local out = paths(cur, kind == "dir" and "dir" or "lua")
  if cur:find("/", 1, true) then return out end
  if kind == "lua" then
    for _, n in ipairs(names_in("experiments", "")) do
      local p = "experiments/" .. n
      if n:match("%.lua$") and p:sub(1, #cur) == cur then out[#out + 1] = p end
    end
  elseif kind == "dir" then
    for _, n in ipairs(names_in("results", "")) do
      local p = "results/" .. n .. "/"
      if p:sub(1, #cur) == cur and gg.fs.exists(p .. "runs.csv") then out[#out + 1] = p end
    end
  end
  return out
end

-- The option names of a list of option definitions (long, then short) starting with cur.
local function option_names(options, cur)
  local out = {}
  for _, o in ipairs(options) do
    for _, n in ipairs { o.long, o.short } do
      if n:sub(1, #cur) == cur then out[#out + 1] = n end
    end
  end
  return out
end

-- The definition of option word w in options (a long or short name, exactly), or nil.
local function find_option(options, w)
  for _, o in ipairs(options) do
    if o.long == w or o.short == w then return o end
  end
end

-- The candidates for the value cur of option o: directories, files, or none (a number, ...).
local function option_values(o, cur)
  if o.arg:find("director") then return paths(cur, "dir") end
  if o.arg:find("file") or o.arg:find("path") then return paths(cur, "file") end
  return {}
end

--[[ candidates(words, commands) -> sorted list of candidates for the last of words (see the
  header); commands: gglab.cli.main's commands(). ]]
function M.candidates(words, commands)
  local cur = words[#words] or ""
  local out
  if #words <= 1 then
    if cur:match("^%-") then
      out = option_names(commands.top, cur)
    else
      out = {}
      for _, name in ipairs(commands.order) do
        if name:sub(1, #cur) == cur then out[#out + 1] = name end
      end
      if cur ~= "" and #out == 0 then  -- gglab FILE.lua: a script, when no command fits
        for _, p in ipairs(paths(cur, "lua")) do out[#out + 1] = p end
      end
    end
  else
    local c = commands[words[1]]
    if not c then return {} end  -- gglab FILE.lua ARGS...: the script's own arguments
    local options = { table.unpack(c.options) }
    options[#options + 1] = { long = "--help", short = "-h" }
    for i = 2, #words - 1 do
      local w = words[i]
      if w == "--" and c.rest then return {} end
      local prev = i > 2 and find_option(options, words[i - 1])
      -- gglab exec FILE ARGS...: after FILE, the script's own arguments
      if c.tail and not w:match("^%-.") and not (prev and prev.arg) then return {} end
    end
    local n = #words
    local prev = n > 2 and find_option(options, words[n - 1])
    local long, value = cur:match("^(%-%-[^=]+)=(.*)$")
    local joined = long and find_option(options, long)
    -- bash splits --out=res at '=': the words are --out, =, res (or --out, = right after it)
    local split = cur == "=" and n > 2 and find_option(options, words[n - 1])
      or words[n - 1] == "=" and n > 3 and find_option(options, words[n - 2])
    if joined and joined.arg then  -- --out=res as one word (zsh)
      out = {}
      for _, v in ipairs(option_values(joined, value)) do out[#out + 1] = long .. "=" .. v end
    elseif split and split.arg then
      out = {}
      for _, v in ipairs(option_values(split, cur == "=" and "" or cur)) do
        out[#out + 1] = (cur == "=" and "=" or "") .. v
      end
    elseif prev and prev.arg then
      out = option_values(prev, cur)
    elseif cur:match("^%-") then
      out = option_names(options, cur)
    elseif c.kind == "none" then
      out = {}
    else
      out = positional(cur, c.kind)
    end
  end
  table.sort(out)
  local seen, unique = {}, {}
  for _, v in ipairs(out) do
    if not seen[v] then
      seen[v] = true
      unique[#unique + 1] = v
    end
  end
  return unique
end

-- gglab --complete WORD... -> exit code 0; the candidates on out.stdout, one per line.
function M.main(words, commands, out)
  for _, v in ipairs(M.candidates(words, commands)) do out.stdout:write(v, "\n") end
  return 0
end

return M
