--[[ tests/lua/test_provenance.lua — what a results folder says about where it came from
  (issue 20): the manifest names the gglab build, the exact command line, the CPU path, the
  script itself with its hash, the git commit and dirty flag of the script's checkout, and
  every data file the runs opened with its sha256; each run's row file names its script's
  hash and its data files. Runs `gglab run` (GGLAB, the executable) through a shell. ]]

local T = require "check"
local gg = require "gglab"
local json = require "gglab.lib.json"
local schema = require "gglab.lib.schema"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local q = T.quote
local tmp = T.tmpdir()
local gglab = q(GGLAB:sub(1, 1) == "/" and GGLAB or (os.getenv("PWD") .. "/" .. GGLAB))

local function manifest(dir)
  return json.decode(T.read(dir .. "/manifest.json"))
end

-- A script in a git checkout, reading one data file at the top and one in its runs.
local repo = tmp .. "/repo"
assert(os.execute("mkdir -p " .. q(repo .. "/data")))
local SCRIPT = [[
local gg = require "gglab"
local top = gg.data.csv("data/top.csv", { target = "y" })
return gg.experiment { name = "prov", sweep = gg.grid { lr = { 0.1, 0.2 } },
  run = function(p, run)
    local d = gg.data.csv("data/train.csv", { target = "y" })
    run:log("loss", p.lr, 1)
  end }
]]
T.write(repo .. "/exp.lua", SCRIPT)
T.write(repo .. "/data/top.csv", "a,y\n1,2\n3,4\n")
T.write(repo .. "/data/train.csv", "a,b,y\n1,2,3\n4,5,6\n7,8,9\n")
local git = "git -C " .. q(repo) .. " -c user.email=t@example.org -c user.name=t "
local have_git = select(2, T.sh("git --version")) == 0
if have_git then
  T.sh(git .. "init -q && " .. git .. "add exp.lua data && " .. git .. "commit -q -m one")
end

local function run_in(dir, args)
  return T.sh("cd " .. q(dir) .. " && " .. gglab .. " run " .. args)
end

do
  local out, code = run_in(repo, "-q -j 2 exp.lua --out res")
  T.eq("run ok: " .. out, code, 0)
  local m = manifest(repo .. "/res")
  for _, name in ipairs(schema.MANIFEST_PROVENANCE) do
    T.ok("manifest has " .. name, m[name] ~= nil)
  end
  T.eq("build id", type(m.gglab_build) == "table" and m.gglab_build.id, gg.build.id)
  T.eq("build source hash", m.gglab_build.source_sha256, gg.build.source_sha256)
  T.eq("exact command line", m.argv, { "gglab", "run", "-q", "-j", "2", "exp.lua", "--out", "res" })
  T.eq("CPU path", m.isa, gg.isa())
  T.eq("GGLAB_ISA as set", m.isa_env, os.getenv("GGLAB_ISA") or json.null)
  T.eq("script text", m.script_text, SCRIPT)
  T.eq("script hash", m.script_sha256, gg.sha256_file(repo .. "/exp.lua"))
  T.ok("working directory", type(m.cwd) == "string" and m.cwd:match("/repo$"))
  if have_git then
    local head = T.sh(git .. "rev-parse HEAD"):match("%x+")
    T.eq("git commit of the script's checkout", m.git_commit, head)
    T.eq("clean checkout", m.git_dirty, false)
  end
  T.eq("data files: both, sorted, hashed", m.data_files, {
    { path = "data/top.csv", sha256 = gg.sha256_file(repo .. "/data/top.csv") },
    { path = "data/train.csv", sha256 = gg.sha256_file(repo .. "/data/train.csv") } })
  -- Each run's row file names its data file (the manifest's list is their union).
  local id = m.run_ids[1]
  local header, rows = gg.csv.read(repo .. "/res/runs/" .. id .. ".row.csv")
  local row = {}
  for i, name in ipairs(header) do row[name] = rows[1][i] end
  T.eq("row file: data_files", row.data_files, "data/train.csv")
  T.eq("row file: script_sha256", row.script_sha256, m.script_sha256)
  T.eq("row file: gglab_build", row.gglab_build, gg.build.id)
  T.eq("run_builds: the one build", m.run_builds, { gg.build.id })
  T.ok("runs.csv: neither column", not T.read(repo .. "/res/runs.csv"):match("data_files"))

  -- --resume keeping every run still names the runs' data files (from their row files).
  out, code = run_in(repo, "-q --resume exp.lua --out res")
  T.eq("resume ok: " .. out, code, 0)
  T.eq("resume: data files kept", #manifest(repo .. "/res").data_files, 2)

  -- A run made by another build (as after a rebuild between a sweep and its --resume):
  -- the manifest lists both builds.
  local path = repo .. "/res/runs/" .. id .. ".row.csv"
  T.write(path, (T.read(path):gsub(gg.build.id:gsub("%p", "%%%0"), "0.0.9+0123456789ab")))
  run_in(repo, "-q --resume exp.lua --out res")
  T.eq("run_builds after a resume by another build", manifest(repo .. "/res").run_builds,
    { "0.0.9+0123456789ab", gg.build.id })
end

if have_git then
  -- An edit of a tracked file makes the checkout dirty; an untracked file does not.
  T.write(repo .. "/untracked.txt", "x")
  run_in(repo, "-q exp.lua --out res")
  T.eq("untracked file: not dirty", manifest(repo .. "/res").git_dirty, false)
  T.write(repo .. "/data/train.csv", "a,b,y\n1,2,3\n4,5,6\n")
  run_in(repo, "-q exp.lua --out res")
  local m = manifest(repo .. "/res")
  T.eq("edited tracked file: dirty", m.git_dirty, true)
  T.eq("edited data file: its new hash", m.data_files[2].sha256, gg.sha256_file(repo .. "/data/train.csv"))
end

do
  -- Outside a git checkout: commit and dirty flag are null.
  local plain = tmp .. "/plain"
  assert(os.execute("mkdir -p " .. q(plain)))
  T.write(plain .. "/exp.lua", (SCRIPT:gsub("data/%w+%.csv", "d.csv")))
  T.write(plain .. "/d.csv", "a,y\n1,2\n3,4\n")
  local out, code = run_in(plain, "-q exp.lua --out res")
  T.eq("plain run ok: " .. out, code, 0)
  local m = manifest(plain .. "/res")
  if not select(1, T.sh("git -C " .. q(plain) .. " rev-parse HEAD 2>/dev/null")):match("^%x+") then
    T.eq("no checkout: git_commit null", m.git_commit, json.null)
    T.eq("no checkout: git_dirty null", m.git_dirty, json.null)
  end
  T.eq("one data file", #m.data_files, 1)
end

T.rmtree(tmp)
T.done()
