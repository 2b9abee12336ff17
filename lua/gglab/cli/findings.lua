--[[ lua/gglab/cli/findings.lua — `gglab findings DIR... [--out FILE] [--keep KEEPDIR]`: the
  claims and verdicts of finished experiments as Markdown (gglab.findings.render), to stdout
  or FILE; --keep also saves the manifests of long experiments (findings.keep). ]]

local findings = require "gglab.findings.findings"

local M = {}

M.help = "usage: gglab findings DIR... [--out FILE] [--keep KEEPDIR]\n\nWrites the claims and verdicts of "
  .. "finished experiments (their result directories) as Markdown.\n\noptions:\n"
  .. "  -o, --out FILE   write the Markdown to FILE instead of stdout\n"
  .. "  --keep KEEPDIR   also write KEEPDIR/<name>.json for each experiment declared long = true:\n"
  .. "                   what the Markdown shows of it, so that the section can be rendered again\n"
  .. "                   without rerunning it (give that .json file in place of DIR)\n"
  .. "  -h, --help       show this help\n"

M.options = { { long = "--out", short = "-o", key = "out", arg = "a file" },
  { long = "--keep", key = "keep", arg = "a directory" } }
M.positional = math.huge

-- After parsing: at least one DIR.
function M.check(opts)
  if #opts.args == 0 then return "no result directory given" end
end

-- gglab findings -> exit code (1 when a directory had a problem).
function M.main(opts, out)
  local text, problems, missing = findings.render(opts.args)
  if opts.keep then
    local _, kp = findings.keep(opts.args, opts.keep)
    for _, p in ipairs(kp) do problems[#problems + 1] = p end
  end
  if opts.out then
    local f, err = io.open(opts.out, "w")
    if not f then out.stderr:write("gglab findings: " .. tostring(err) .. "\n") return 1 end
    f:write(text)
    f:close()
  else
    out.stdout:write(text)
  end
  for _, p in ipairs(problems) do out.stderr:write("gglab findings: " .. p .. "\n") end
  if #missing > 0 then
    out.stderr:write("gglab findings: note: no claim tests the folklore " .. table.concat(missing, ", ")
      .. "\n")
  end
  return #problems == 0 and 0 or 1
end

return M
