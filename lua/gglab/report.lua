--[[ lua/gglab/report.lua — the argv part of `gglab report` only (HELP, parse_args, main),
  left in place by the report split (issue 19): the report itself is lua/gglab/report/*
  (entry gglab.report.page). This file moves to lua/gglab/cli/report.lua in the CLI
  helper's branch; when merging, keep theirs and delete this file. ]]
local page = require "gglab.report.page"

local M = {}

-- ---- command line ----

M.HELP = [==[
usage: gglab report DIR [--out FILE] [--text] [--metric M[,M...]] [--x AXIS]
                        [--color PARAM] [--facet PARAM[,PARAM...] | --facet none]
                        [--heatmap A[,B]] [--score COLUMN] [--band minmax|ci95] [-q]

Writes DIR/report.html: one self-contained page (inline SVG, no network) with the
experiment's description, claim verdicts and provenance, the curves of every
metric (mean over seeds with a band, diverged runs marked), a heatmap of the final
loss, the best configuration per group and a sortable table of every run.

options:
  -o, --out FILE     write the page to FILE instead of DIR/report.html
  --text             print a short summary (best configurations, divergence
                     boundary, failed runs) to stdout instead of writing a page
  --metric M[,M...]  only these metrics of curves.csv (default: all)
  --x AXIS           step (default), epoch, or a parameter: then each metric's
                     final value is plotted against it
  --color PARAM      parameter whose values get one line each (default: the
                     swept parameter with most values)
  --facet P[,P...]   parameters that get one panel per value combination
                     (default: the other swept parameters; none: no panels,
                     they split the figures instead)
  --heatmap A[,B]    heatmap axes (default: the two swept parameters with most
                     values)
  --score COLUMN     final_loss (default), min_loss or final_val_loss: the value
                     of the heatmap and of the best configurations
  --band KIND        minmax (default: smallest to largest over seeds) or ci95
                     (95 % Student t interval of the mean)
  -q, --quiet        do not print the report's path
  -h, --help         show this help

Seeds (the parameter 'seed') are averaged. Exit status 0, or 1 for a usage error,
a missing directory or runs.csv.
]==]

local LIST_OPTS = { metric = true, facet = true, heatmap = true }
local VALUE_OPTS = { out = true, metric = true, x = true, color = true, facet = true, heatmap = true, score = true,
  band = true }
local FLAG_OPTS = { text = true, quiet = true }
local SHORT = { ["-o"] = "out", ["-q"] = "quiet" }

--[[ parse_args(args) -> opts | nil, msg ("help" for -h/--help). ]]
function M.parse_args(args)
  local opts, i = {}, 1
  while i <= #args do
    local a = args[i]
    if a == "-h" or a == "--help" then return nil, "help" end
    local name, value = a:match("^%-%-([%w-]+)=(.*)$")
    if not name then name = a:match("^%-%-([%w-]+)$") or SHORT[a] end
    if name then
      if FLAG_OPTS[name] and value == nil then
        opts[name] = true
      elseif VALUE_OPTS[name] then
        if value == nil then
          i = i + 1
          value = args[i]
        end
        if value == nil or value == "" then return nil, string.format("option '--%s' needs a value", name) end
        if LIST_OPTS[name] and not (name == "facet" and value == "none") then
          local list = {}
          for v in (value .. ","):gmatch("([^,]*),") do
            v = v:match("^%s*(.-)%s*$")
            if v == "" then return nil, string.format("bad --%s '%s': expected names separated by commas", name, value) end
            list[#list + 1] = v
          end
          value = list
        end
        opts[name] = value
      else
        return nil, "unknown option '" .. a .. "'"
      end
    elseif a:match("^%-.") then
      return nil, "unknown option '" .. a .. "'"
    elseif opts.dir then
      return nil, "unexpected argument '" .. a .. "'"
    else
      opts.dir = a
    end
    i = i + 1
  end
  if not opts.dir then return nil, "missing results directory DIR" end
  return opts
end

function M.main(args, out)
  local opts, msg = M.parse_args(args)
  if not opts then
    if msg == "help" then
      out.stdout:write(M.HELP)
      return 0
    end
    out.stderr:write("gglab report: ", msg, " (see gglab report --help)\n")
    return 1
  end
  if opts.text then
    local text, err = page.summary(opts.dir, opts)
    if not text then
      out.stderr:write("gglab report: ", err, "\n")
      return 1
    end
    out.stdout:write(text)
    return 0
  end
  local path, info = page.write(opts.dir, opts)
  if not path then
    out.stderr:write("gglab report: ", info, "\n")
    return 1
  end
  if not opts.quiet then
    out.stdout:write(string.format("Report: %s (%d figure%s, %d kB)\n", path, info.figures,
      info.figures == 1 and "" or "s", (info.bytes + 512) // 1024))
  end
  return 0
end

return M
