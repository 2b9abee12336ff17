--[[ lua/gglab/cli/report.lua — `gglab report DIR`: write DIR/report.html (gglab.report.page's
  write) or, with --text, print its summary (gglab.report.page's summary). ]]

local report = require "gglab.report.page"
local args = require "gglab.cli.args"

local M = {}

M.help = [==[
usage: gglab report DIR [DIR...] [--out FILE] [--static] [--points N] [--text] [--metric M[,M...]]
                        [--x AXIS] [--color PARAM] [--facet PARAM[,PARAM...] | --facet none]
                        [--heatmap A[,B]] [--score METRIC[:max|:min]]
                        [--band minmax|ci95] [-q]

Writes DIR/report.html: one self-contained page (no network) with the
experiment's description, claim verdicts and provenance, interactive curves of
every metric (dygraphs from Debian's libjs-dygraphs, inlined: hover, zoom, filters,
smoothing, a run highlighted everywhere), parameters -> score as parallel
coordinates, the static SVG figures (mean over seeds with a band, diverged runs
marked; what prints), a heatmap of the final loss, the best configuration per group
and a sortable table of every run. Several DIRs: one page comparing them
(DIR/compare.html of the first).

options:
  -o, --out FILE     write the page to FILE instead of DIR/report.html
  --static           only the static SVG figures, no script library (also what
                     is written, with a notice, when libjs-dygraphs is missing)
  --points N         at most N points per run and metric in the interactive
                     charts (default 2000; longer curves keep each stretch's
                     smallest and largest value)
  --text             print a short summary (best configurations, the best of
                     the grid, divergence boundary, failed runs) to stdout
                     instead of writing a page
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
  --score M[:max|:min]
                     what ranks the configurations (heatmap, best ones): a
                     result column of runs.csv (final_loss, min_loss, ...) or a
                     metric of curves.csv (its final value per run); higher is
                     better for names with acc, accuracy, recall, precision, f1
                     or auc, lower otherwise (:max or :min overrides). Default:
                     final_val_loss when the runs have one, else final_loss
  --band KIND        minmax (default: smallest to largest over seeds) or ci95
                     (95 % Student t interval of the mean)
  -q, --quiet        do not print the report's path
  -h, --help         show this help

Seeds (the parameter 'seed') are averaged. Exit status 0, or 1 for a usage error,
a missing directory or runs.csv.
]==]

local NAMES = "names separated by commas"

-- "val_acc", "val_acc:max", "loss:min" -> the text itself; nil when malformed.
function M.score_spec(s)
  local name, dir = s:match("^([^:]+):(.*)$")
  if not name then return s:find("%S") and s or nil end
  return (dir == "max" or dir == "min") and s or nil
end

M.options = {
  { long = "--out", short = "-o", key = "out", arg = "a file" },
  { long = "--text", key = "text" },
  { long = "--static", key = "static" },
  { long = "--points", key = "live_points", arg = "a number", parse = args.integer_at_least(4),
    expect = "an integer >= 4" },
  { long = "--metric", key = "metric", arg = "metric names", parse = args.names, expect = NAMES },
  { long = "--x", key = "x", arg = "an axis" },
  { long = "--color", key = "color", arg = "a parameter" },
  { long = "--facet", key = "facet", arg = "parameter names", expect = NAMES,
    parse = function(v) return v == "none" and v or args.names(v) end },
  { long = "--heatmap", key = "heatmap", arg = "parameter names", parse = args.names, expect = NAMES },
  { long = "--score", key = "score", arg = "a metric", parse = M.score_spec,
    expect = "METRIC, METRIC:max or METRIC:min" },
  { long = "--band", key = "band", arg = "a kind" },
  args.QUIET,
}
M.positional = math.huge

-- After parsing: opts.dir (the one positional, or the list of them for a comparison).
function M.check(opts)
  local dirs = opts.args
  opts.args = nil
  if #dirs == 0 then return "missing results directory DIR" end
  if #dirs > 1 and opts.text then return "--text takes one results directory" end
  opts.dir = #dirs == 1 and dirs[1] or dirs
end

-- gglab report -> exit code.
function M.main(opts, out)
  if opts.text then
    local text, err = report.summary(opts.dir, opts)
    if not text then
      out.stderr:write("gglab report: ", err, "\n")
      return 1
    end
    out.stdout:write(text)
    return 0
  end
  local path, info = report.write(opts.dir, opts)
  if not path then
    out.stderr:write("gglab report: ", info, "\n")
    return 1
  end
  if info.notice then out.stderr:write("gglab report: ", info.notice, "\n") end
  if not opts.quiet then
    out.stdout:write(string.format("Report: %s (%d figure%s, %d kB)\n", path, info.figures,
      info.figures == 1 and "" or "s", (info.bytes + 512) // 1024))
  end
  return 0
end

return M
