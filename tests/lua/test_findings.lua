-- tests/lua/test_findings.lua — gglab findings turns result directories into Markdown:
-- one section per experiment with its verdict table; incomplete or missing stores are
-- reported and make the exit status 1.

local T = require "check"
local write = T.write
local gg = require "gglab"
local json = require "gglab.lib.json"
local findings = require "gglab.findings.findings"

local tmp = os.tmpname()
os.remove(tmp)
gg.fs.mkdir(tmp .. "/a")
gg.fs.mkdir(tmp .. "/b")
write(tmp .. "/a/manifest.json", json.encode {
  name = "demo", description = "a | b", script = "x.lua", script_sha256 = "abcdef0123456789",
  points = 4, counts = { ok = 3, diverged = 1, failed = 0 }, gglab_version = "0.1.0", complete = true,
  claims = { { text = "it diverges", holds = true, detail = "diverged 1/1", folklore = { "high_lr", "momentum" } },
             { text = "it fits", holds = false, detail = "0/3" } } })
write(tmp .. "/b/manifest.json", json.encode { name = "partial", complete = false })

local text, problems = findings.render { tmp .. "/a", tmp .. "/b", tmp .. "/missing" }
T.ok("section per experiment", text:find("## demo", 1, true) ~= nil)
T.ok("pipes escaped", text:find("a \\| b", 1, true) ~= nil)
T.ok("holds row", text:find("| it diverges | **holds** | diverged 1/1 |", 1, true) ~= nil)
T.ok("does not hold row", text:find("| it fits | **does not hold** | 0/3 |", 1, true) ~= nil)
T.ok("counts and hash", text:find("4 runs: 3 ok, 1 diverged, 0 failed", 1, true) and text:find("`abcdef012345`", 1, true))
T.eq("incomplete and missing reported", #problems, 2)
T.ok("folklore index row for a tested entry", text:find("| A too-high learning rate makes the loss rise and explode. | "
  .. "000 ex. 1, 001, 002 ex. 1, 003 ex. 1 | [demo](#demo): it diverges — **holds** |", 1, true) ~= nil)
T.ok("an entry tested by nothing says so", text:find("| Raw logits (no final sigmoid) with BCEWithLogitsLoss are "
  .. "numerically unstable. | 000 ex. 3 | _not tested_ |", 1, true) ~= nil)
local catalogue = require("gglab.lib.folklore").list
local _, _, missing = findings.render { tmp .. "/a" }
T.eq("untested entries returned", #missing, #catalogue - 2)
T.ok("incomplete skipped", not text:find("## partial", 1, true))

local sink = { t = {}, write = function(self, s) self.t[#self.t + 1] = s end }
local cli = require "gglab.cli.main"
T.eq("exit 1 with problems", cli.main({ "findings", tmp .. "/a", tmp .. "/b" }, { stdout = sink, stderr = sink }), 1)
T.eq("exit 0 when all fine", cli.main({ "findings", tmp .. "/a", "--out", tmp .. "/f.md" }, { stdout = sink, stderr = sink }), 0)
T.ok("--out writes the file", gg.fs.exists(tmp .. "/f.md"))

-- Long experiments: --keep saves what the section shows; the kept .json renders the same text.
gg.fs.mkdir(tmp .. "/c")
write(tmp .. "/c/manifest.json", json.encode {
  name = "slow", description = "minutes", script = "s.lua", script_sha256 = "0123456789abcdef", long = true,
  points = 2, counts = { ok = 2, diverged = 0, failed = 0 }, gglab_version = "0.1.0", complete = true,
  wall_s = 123.5, script_text = "return 1",
  claims = { { text = "it is slow", holds = true, detail = "2/2", folklore = { "high_lr" } } } })
T.eq("--keep exits 0", cli.main({ "findings", tmp .. "/a", tmp .. "/c", "--keep", tmp .. "/kept", "--out", tmp .. "/g.md" },
  { stdout = sink, stderr = sink }), 0)
T.ok("a long experiment's manifest is kept", gg.fs.exists(tmp .. "/kept/slow.json"))
T.ok("a short one's is not", not gg.fs.exists(tmp .. "/kept/demo.json"))
local kept = json.decode(require("gglab.lib.util").read_file(tmp .. "/kept/slow.json"))
T.eq("kept: the results directory", kept.results, tmp .. "/c")
T.eq("kept: the script hash", kept.script_sha256, "0123456789abcdef")
T.ok("kept: no script text, no wall time", kept.script_text == nil and kept.wall_s == nil)
local from_dirs = findings.render { tmp .. "/a", tmp .. "/c" }
local from_kept, kproblems = findings.render { tmp .. "/a", tmp .. "/kept/slow.json" }
T.eq("the kept manifest renders the same Markdown", from_kept, from_dirs)
T.eq("... without problems", #kproblems, 0)
write(tmp .. "/bad.json", "{\"name\": \"x\"}")
local _, bproblems = findings.render { tmp .. "/bad.json" }
T.ok("a .json that is not a kept manifest is a problem", bproblems[1] and bproblems[1]:find("not a kept manifest", 1, true))
os.execute("rm -rf '" .. tmp .. "'")
T.done()
