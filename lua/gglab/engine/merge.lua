--[[ lua/gglab/engine/merge.lua — combine the result stores of the shards of one sweep.

  merge(out, dirs, opts) -> result, or nil, msg.
  Each DIR is a store written by `gglab run` (normally with --shard K/N). Its manifest.json
  must have: name, script_sha256 (string or null), run_ids (the run ids of ALL points of
  the sweep, in sweep order: the same list in every shard of one sweep) and param_names
  (sorted); seed, description, script, git_commit and wall_s are used when present.
  Stores whose name, script_sha256, gglab build (when both name one), seed or run_ids
  differ are refused: they are not shards of one sweep; so is a run whose row file names
  another script_sha256 than the manifests (unless its shard records a forced resume). A
  run is present in a DIR when both runs/<id>.row.csv (written last by the runner, so a
  finished run) and runs/<id>.csv exist; the first DIR (in argument order)
  that has it provides its files. They are copied byte for byte into out/runs/ (.tmp then
  rename, the row file last), then the store rebuilds runs.csv and curves.csv from the runs
  present, in sweep order, and writes out/manifest.json: so out holds the files a single
  run of the sweep would have written. out is cleared first, like a fresh `gglab run`.
  result = { out, points, present, missing = {ids}, counts = {status = n}, dirs }. ]]

local gg = require "gglab"
local json = require "gglab.lib.json"
local store = require "gglab.engine.store"
local schema = require "gglab.lib.schema"

local M = {}

local RUN_ID_PATTERN = "^%x+$"
local BLOCK = 65536

-- ---- reading a shard ----

local function is_string_list(t)
  if type(t) ~= "table" then return false end
  for i = 1, #t do
    if type(t[i]) ~= "string" then return false end
  end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == #t
end

-- read_manifest(dir) -> manifest table, or nil, msg.
local function read_manifest(dir)
  if not gg.fs.isdir(dir) then return nil, string.format("'%s' is not a directory", dir) end
  local path = dir .. "/" .. schema.MANIFEST_FILE
  local m, msg = assert(store.read(dir)):manifest()
  if not m then return nil, msg end
  if type(m.name) ~= "string" then
    return nil, string.format("'%s' has no experiment name: not a gglab results manifest", path)
  end
  if not is_string_list(m.run_ids) or #m.run_ids == 0 then
    return nil, string.format("'%s' has no run_ids list (written by a gglab too old to merge?)", path)
  end
  for _, id in ipairs(m.run_ids) do
    if #id ~= 16 or not id:match(RUN_ID_PATTERN) then
      return nil, string.format("'%s' has a bad run id '%s'", path, id)
    end
  end
  if not is_string_list(m.param_names) then
    return nil, string.format("'%s' has no param_names list", path)
  end
  return m
end

local show = store.show_value

-- Message when manifests a (of dir_a) and b (of dir_b) are not shards of one sweep, or nil.
local function mismatch(dir_a, a, dir_b, b)
  local function differ(field, va, vb)
    return string.format("cannot merge '%s' and '%s': different %s (%s vs %s)", dir_a, dir_b, field,
      show(va), show(vb))
  end
  if a.name ~= b.name then return differ("name", a.name, b.name) end
  local sa, sb = a.script_sha256 or json.null, b.script_sha256 or json.null
  if sa ~= sb then return differ("script_sha256", sa, sb) end
  -- Builds (version + source hash): only when both manifests name one (older ones do not).
  local ba = type(a.gglab_build) == "table" and a.gglab_build.id or nil
  local bb = type(b.gglab_build) == "table" and b.gglab_build.id or nil
  if ba and bb and ba ~= bb then return differ("gglab build", ba, bb) end
  if a.seed ~= nil and b.seed ~= nil and a.seed ~= b.seed then return differ("seed", a.seed, b.seed) end
  local same = #a.run_ids == #b.run_ids
  for i = 1, #a.run_ids do same = same and a.run_ids[i] == b.run_ids[i] end
  if not same then
    return string.format("cannot merge '%s' and '%s': different run_ids (%d vs %d points): "
      .. "not shards of the same sweep", dir_a, dir_b, #a.run_ids, #b.run_ids)
  end
end

-- ---- copying ----

local function copy_file(src, dst)
  local tmp = dst .. ".tmp"
  local fin, err = io.open(src, "rb")
  if not fin then error(string.format("cannot read '%s': %s", src, tostring(err)), 0) end
  local fout, err2 = io.open(tmp, "wb")
  if not fout then
    fin:close()
    error(string.format("cannot write '%s': %s", tmp, tostring(err2)), 0)
  end
  while true do
    local block = fin:read(BLOCK)
    if not block then break end
    local ok, werr = fout:write(block)
    if not ok then
      fin:close()
      fout:close()
      error(string.format("cannot write '%s': %s", tmp, tostring(werr)), 0)
    end
  end
  fin:close()
  local ok, cerr = fout:close()
  if not ok then error(string.format("cannot write '%s': %s", tmp, tostring(cerr)), 0) end
  local rok, rerr = gg.fs.rename(tmp, dst)
  if not rok then error(string.format("cannot write '%s': %s", dst, tostring(rerr)), 0) end
end

-- "a/b/" and "./a/b" name the same directory as "a/b".
local function normalize(dir)
  local d = dir:gsub("/+$", ""):gsub("^%./+", "")
  return d == "" and "." or d
end

--[[ merge(out, dirs, opts) -> result, or nil, msg. opts.argv is recorded in the manifest.
  Raises only on an I/O failure while writing out. ]]
function M.merge(out, dirs, opts)
  opts = opts or {}
  if type(out) ~= "string" or out == "" then error("merge: out must be a directory name", 2) end
  if type(dirs) ~= "table" or #dirs == 0 then error("merge: dirs must be a non-empty list", 2) end
  local manifests = {}
  for i, dir in ipairs(dirs) do
    if normalize(dir) == normalize(out) then
      return nil, string.format("output directory '%s' is also an input", out)
    end
    local m, msg = read_manifest(dir)
    if not m then return nil, msg end
    manifests[i] = m
    if i > 1 then
      local bad = mismatch(dirs[1], manifests[1], dir, m)
      if bad then return nil, bad end
    end
  end
  local first = manifests[1]

  -- Where each run comes from, decided before OUT is touched.
  local sources, src_index, present, missing = {}, {}, {}, {}
  local shards = {}
  for i, dir in ipairs(dirs) do shards[i] = assert(store.read(dir)) end
  for _, id in ipairs(first.run_ids) do
    for i, dir in ipairs(dirs) do
      if shards[i]:has_run(id) then
        sources[id], src_index[id] = dir .. "/" .. schema.RUN_DIR .. "/" .. id, i
        break
      end
    end
    if sources[id] then present[#present + 1] = id else missing[#missing + 1] = id end
  end
  if #present == 0 then
    return nil, string.format("no finished runs in %s", table.concat(dirs, ", "))
  end

  -- Every run must have been made by the sweep's script (a run's row file names its script's
  -- hash; older ones name none). A shard resumed with --force may hold runs of another:
  -- refused too, unless its manifest records that forced resume (then the merge records it).
  local forced, statuses, builds, seen_build = json.null, {}, {}, {}
  for _, m in ipairs(manifests) do
    if type(m.forced_resume) == "table" and m.forced_resume ~= json.null then forced = m.forced_resume end
  end
  for _, id in ipairs(present) do
    -- Only the status is kept: merge's memory stays bounded by the ids, not the records.
    local rec = store.read_row_file(sources[id] .. schema.RUN_SUFFIXES.row, id)
    statuses[id] = rec and rec.status or ""
    local build = rec and rec.gglab_build
    if build and not seen_build[build] then
      seen_build[build] = true
      builds[#builds + 1] = build
    end
    local sha = rec and rec.script_sha256
    if sha and sha ~= first.script_sha256 then
      local src_dir = sources[id]:match("^(.*)/" .. schema.RUN_DIR .. "/[^/]*$")
      local m = manifests[src_index[id]]
      if type(m.forced_resume) ~= "table" or m.forced_resume == json.null then
        return nil, string.format("cannot merge '%s': its run %s was made by another script "
          .. "(different script_sha256: %s vs %s in the manifests)", src_dir, id, show(sha),
          show(first.script_sha256))
      end
      forced = m.forced_resume
    end
  end

  table.sort(builds)

  -- Union of the parameter names: a shard may only list those of its own points.
  local names_set, param_names = {}, {}
  for _, m in ipairs(manifests) do
    for _, name in ipairs(m.param_names) do names_set[name] = true end
  end
  for name in pairs(names_set) do param_names[#param_names + 1] = name end
  table.sort(param_names)
  -- Union of the run:summary column names (absent from manifests of runs without any).
  local summary_set, summary_names = {}, {}
  for _, m in ipairs(manifests) do
    for _, name in ipairs(type(m.summary_names) == "table" and m.summary_names or {}) do
      if not summary_set[name] then summary_set[name], summary_names[#summary_names + 1] = true, name end
    end
  end
  table.sort(summary_names)

  local st, msg = store.open(out, { fresh = true, overwrite = opts.overwrite })
  if not st then return nil, msg end
  local run_dir = out .. "/" .. schema.RUN_DIR
  local suffix = schema.RUN_SUFFIXES
  local counts = { ok = 0, diverged = 0, failed = 0 }
  for _, id in ipairs(present) do
    local src, dst = sources[id], run_dir .. "/" .. id
    copy_file(src .. suffix.curve, dst .. suffix.curve)
    for _, optional in ipairs { suffix.err, suffix.meta, suffix.log } do
      if gg.fs.exists(src .. optional) then copy_file(src .. optional, dst .. optional) end
    end
    copy_file(src .. suffix.row, dst .. suffix.row)
    local status = statuses[id] or ""
    counts[status] = (counts[status] or 0) + 1
  end

  st:combine(present, param_names, summary_names)
  local wall = 0.0
  for _, m in ipairs(manifests) do
    if type(m.wall_s) == "number" then wall = wall + m.wall_s end
  end
  local script = type(first.script) == "string" and first.script or nil
  st:write_manifest {
    name = first.name, description = first.description, seed = first.seed, script = script,
    script_sha256 = first.script_sha256, script_text = first.script_text, git_commit = first.git_commit,
    git_dirty = first.git_dirty, gglab_build = first.gglab_build, isa = first.isa, isa_env = first.isa_env,
    forced_resume = forced, data_files = first.data_files, run_builds = builds,
    argv = opts.argv, points = #first.run_ids, counts = counts, missing = #missing,
    run_ids = first.run_ids, param_names = param_names, shard = json.null,
    summary_names = #summary_names > 0 and summary_names or nil,
    merged_from = dirs, wall_s = wall,
  }
  return { out = out, points = #first.run_ids, present = #present, missing = missing, counts = counts,
    dirs = dirs, name = first.name, previous = st.previous }
end

return M
