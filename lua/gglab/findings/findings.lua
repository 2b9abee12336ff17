--[[ lua/gglab/findings/findings.lua — the work of `gglab findings DIR... [--out FILE]` (argv:
  lua/gglab/cli/findings.lua): the claims of finished experiments, as Markdown
  (docs/findings.md is regenerated from real runs by `make findings`, never written by hand).

  For each result directory (in the order given) it reads manifest.json — name,
  description, script and its SHA-256, gglab version, date, counts, and the verdicts the
  run pipeline stored under `claims` — and writes one section per experiment with a table of
  claim, verdict and the numbers behind it. A directory without a manifest, or whose sweep
  was incomplete, is reported and skipped (render returns it among the problems).

  Long experiments (gg.experiment{long = true}) take minutes, so `make test` cannot rerun
  them to check docs/findings.md. `keep` writes what this file renders of such a manifest
  (KEPT_FIELDS, plus the directory it came from) to <keep dir>/<name>.json, and render
  accepts such a .json file in place of a directory: the section is the same text. ]]
local gg = require "gglab"
local json = require "gglab.lib.json"
local store = require "gglab.engine.store"
local schema = require "gglab.lib.schema"

local M = {}

local function md(s)  -- escape table-breaking characters
  return (tostring(s):gsub("|", "\\|"):gsub("\n", " "))
end

local function verdict_word(v)
  return v.holds == true and "**holds**" or v.holds == false and "**does not hold**" or "undecided"
end

local function section(m, dir)
  local lines = { "## " .. md(m.name), "" }
  if m.description and m.description ~= json.null then lines[#lines + 1] = md(m.description) .. "  " end
  local c = m.counts or {}
  -- No date: the runs are deterministic, so regenerating gives the same file.
  lines[#lines + 1] = string.format("Script `%s` (sha256 `%s`), %d runs: %d ok, %d diverged, %d failed; "
    .. "gglab %s. Results: `%s`.", md(m.script or "?"), tostring(m.script_sha256 or "?"):sub(1, 12),
    m.points or 0, c.ok or 0, c.diverged or 0, c.failed or 0, md(m.gglab_version or "?"), md(dir))
  lines[#lines + 1] = ""
  local claims = m.claims
  if type(claims) ~= "table" or #claims == 0 then
    lines[#lines + 1] = "_No claims declared._"
  else
    lines[#lines + 1] = "| claim | verdict | measured |"
    lines[#lines + 1] = "|---|---|---|"
    for _, v in ipairs(claims) do
      lines[#lines + 1] = string.format("| %s | %s | %s |", md(v.text), verdict_word(v), md(v.detail or ""))
    end
  end
  lines[#lines + 1] = ""
  return table.concat(lines, "\n")
end

-- Markdown anchor GitHub generates for a "## name" heading.
local function anchor(name)
  return (name:lower():gsub("[^%w%- _]", ""):gsub(" ", "-"))
end

--[[ The folklore index: one row per catalogue entry (gglab.lib.folklore) with every claim
  tagged with it, across the experiments rendered. ]]
local function index(manifests)
  local folklore = require "gglab.lib.folklore"
  local tested = {}
  for _, m in ipairs(manifests) do
    for _, v in ipairs(type(m.claims) == "table" and m.claims or {}) do
      for _, id in ipairs(type(v.folklore) == "table" and v.folklore or {}) do
        tested[id] = tested[id] or {}
        table.insert(tested[id], string.format("[%s](#%s): %s — %s", md(m.name), anchor(tostring(m.name)),
          md(v.text), verdict_word(v)))
      end
    end
  end
  local lines = { "## The folklore, claim by claim", "",
    "Each statement of the seed write-ups (sources: write-up number and example) and of the",
    "published work on training instabilities (sources: the papers), the experiment claims",
    "that test it and their verdicts.", "",
    "| folklore | sources | tested by |", "|---|---|---|" }
  local missing = {}
  for _, e in ipairs(folklore.list) do
    local t = tested[e.id]
    if not t then missing[#missing + 1] = e.id end
    lines[#lines + 1] = string.format("| %s | %s | %s |", md(e.text), md(e.sources),
      t and table.concat(t, "<br>") or "_not tested_")
  end
  lines[#lines + 1] = ""
  return table.concat(lines, "\n"), missing
end

-- What a kept manifest holds: every field section() and index() read.
local KEPT_FIELDS = { "name", "description", "script", "script_sha256", "points", "counts", "gglab_version",
  "complete", "claims", "long" }

--[[ read_input(path) -> manifest, label (the results directory the section names), or nil,
  nil, problem. path is a results directory, or a kept manifest (a .json file keep wrote). ]]
local function read_input(path)
  if path:match("%.json$") and not gg.fs.isdir(path) then
    local text = require("gglab.lib.util").read_file(path)
    local ok, m = pcall(json.decode, text or "")
    if not text or not ok or type(m) ~= "table" or type(m.results) ~= "string" then
      return nil, nil, path .. ": not a kept manifest (gglab findings --keep writes them)"
    end
    return m, m.results
  end
  local results = store.read(path)
  local m = results and results:manifest()
  if not m then return nil, nil, path .. ": no readable " .. schema.MANIFEST_FILE end
  return m, path
end

-- The first run's row of DIR/runs.csv as raw text (run_id, status and FIRST_RUN_FIELDS), or
-- nil: `make test` reruns only that point of a long experiment and compares it byte for byte.
local FIRST_RUN_FIELDS = { "run_id", "status", "final_loss", "min_loss", "final_val_loss", "min_val_loss", "steps" }
function M.first_run(dir)
  local results = store.read(dir)
  local runs = results and results:runs()
  local r = runs and runs.records[1]
  if not r then return nil end
  local out = {}
  for _, k in ipairs(FIRST_RUN_FIELDS) do out[k] = runs.col[k] and r.fields[runs.col[k]] or "" end
  return out
end

--[[ keep(dirs, keepdir) -> list of files written, list of problems: for each complete
  results directory among dirs whose experiment is long, writes keepdir/<name>.json with
  KEPT_FIELDS of its manifest, results = the directory as given and first_run = the first
  run's results (M.first_run). ]]
function M.keep(dirs, keepdir)
  local written, problems = {}, {}
  for _, dir in ipairs(dirs) do
    local m = read_input(dir)
    if m and m.long == true and m.complete ~= false and not dir:match("%.json$") then
      local kept = { results = dir, first_run = M.first_run(dir) }
      for _, k in ipairs(KEPT_FIELDS) do kept[k] = m[k] end
      local file = keepdir .. "/" .. tostring(m.name) .. ".json"
      if not gg.fs.isdir(keepdir) then gg.fs.mkdir(keepdir) end
      local f, err = io.open(file, "w")
      if f and f:write(json.encode(kept)) and f:close() then
        written[#written + 1] = file
      else
        problems[#problems + 1] = file .. ": " .. tostring(err or "write failed")
      end
    end
  end
  return written, problems
end

--[[ render(paths) -> markdown text, list of problems, list of untested folklore ids. A path
  is a results directory or a kept manifest (keep). ]]
function M.render(dirs)
  local parts = { "# Findings", "",
    "What gglab measured about the folklore answers to \"why is my training loss increasing?\"",
    "and about the loss-goes-up phenomena published for transformers, recurrent nets and CNNs,",
    "reproduced at a small scale: every experiment in `experiments/`, its claims and whether",
    "the numbers support them. Generated by `make findings` (which runs each script and then",
    "`gglab findings`); do not edit by hand: `make test` regenerates it from its own runs (the",
    "long experiments' sections from the manifests kept in `docs/findings/`) and fails while",
    "it is stale.",
    "Intervals are 95 % (Wilson for fractions, Student t for means).", "" }
  local problems, manifests, sections = {}, {}, {}
  for _, dir in ipairs(dirs) do
    local m, label, err = read_input(dir)
    if not m then
      problems[#problems + 1] = err
    elseif m.complete == false then
      problems[#problems + 1] = dir .. ": the sweep is incomplete (run it again with --resume)"
    else
      manifests[#manifests + 1] = m
      sections[#sections + 1] = section(m, label)
    end
  end
  local idx, missing = index(manifests)
  parts[#parts + 1] = idx
  for _, sec in ipairs(sections) do parts[#parts + 1] = sec end
  return table.concat(parts, "\n"), problems, missing
end

return M
