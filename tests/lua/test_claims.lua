-- tests/lua/test_claims.lua — claims and their statistics: Wilson and t intervals against
-- known values, paired differences, where-predicates, verdicts, a failing check, and the
-- verdicts written to the manifest by a real run.

local T = require "check"
local gg = require "gglab"
local claims = require "gglab.claims"
-- The run pipeline (gglab run) judges the claims after the runner has run the sweep.
local pipeline = require("gglab.cli.run").pipeline
local experiment = require "gglab.experiment"

local function rec(params, fields)
  local r = { params = params }
  for k, v in pairs(fields) do r[k] = v end
  return r
end

local recs = {}
for seed = 1, 10 do
  recs[#recs + 1] = rec({ a = "x", seed = seed }, { status = seed <= 3 and "diverged" or "ok", final_loss = seed })
  recs[#recs + 1] = rec({ a = "y", seed = seed }, { status = "ok", final_loss = seed + 2 })
end
local R = claims.results(recs)

local f = R:fraction(function(r) return r.status == "diverged" end, { a = "x" })
T.eq("fraction counts", { f.k, f.n }, { 3, 10 })
-- Wilson 95 % for 3/10: [0.1078, 0.6032] (standard tables).
T.near("wilson lo", f.lo, 0.1078, 5e-4)
T.near("wilson hi", f.hi, 0.6032, 5e-4)
local none = R:fraction(function(r) return r.status == "diverged" end, { a = "y" })
T.eq("0/10: lower bound exactly 0", none.lo, 0)
T.eq("all: upper bound exactly 1", R:fraction(function() return true end, { a = "y" }).hi, 1)

local m = R:mean("final_loss", { a = "x" })
-- 1..10: mean 5.5, sd 3.02765, se 0.957427, t(9) 2.262 -> +- 2.1657
T.near("mean", m.value, 5.5, 1e-12)
T.near("t interval lo", m.lo, 5.5 - 2.262 * 0.9574271, 1e-6)
T.eq("n", m.n, 10)
local d = R:paired("final_loss", { a = "y" }, { a = "x" }, { "seed" })
T.near("paired difference", d.value, 2, 1e-12)

-- R:spread: median and range over the runs (a name or a function; NaN and nil left out).
local sp = R:spread("final_loss", { a = "x" })
T.eq("spread: median of 1..10 (even: mean of the middle two), range, n", { sp.median, sp.min, sp.max, sp.n },
  { 5.5, 1, 10, 10 })
T.eq("spread: text", sp.text, "5.5 [1, 10]")
T.eq("spread: a function, odd count, fmt", R:spread(function(r) return r.final_loss * 2 end, { a = "y" },
  { fmt = "%.1f", pred = function(r) return r.params.seed <= 5 end }).text, "10.0 [6.0, 14.0]")
T.eq("spread: NaN and nil left out", R:spread(function(r) return r.params.seed <= 2 and 0 / 0 or nil end).n, 0)
T.eq("spread: no runs", R:spread("final_loss", { a = "zzz" }).text, "(no runs)")
T.near("zero-variance pairs: interval collapses", d.hi - d.lo, 0, 1e-12)
T.eq("pairs", d.n, 10)
T.eq("at_least", #R:select { seed = gg.at_least(8) }, 6)
T.eq("one_of", #R:select { a = gg.one_of { "y" }, seed = gg.at_most(2) }, 2)

local v = claims.check({
  { "holds", check = function(Rs) return #Rs:select {} == 20, "20 runs" end },
  { "fails", check = function() return false, "no" end },
  { "breaks", check = function() error("oops") end },
}, recs)
T.eq("verdicts", { v[1].holds, v[2].holds, v[3].holds }, { true, false, nil })
T.ok("broken check explains itself", v[3].detail:find("oops", 1, true) ~= nil)
local text = claims.format(v)
T.ok("format", text:find("claim: holds — HOLDS (20 runs)", 1, true) and text:find("DOES NOT HOLD", 1, true)
  and text:find("UNDECIDED", 1, true))

T.raises("claims must be well formed", function()
  experiment.experiment { name = "c", sweep = { a = { 1 } }, run = function() end, claims = { { check = 1 } } }
end, "claims%[1%] must be")
T.raises("unknown claim fields are named", function()
  experiment.experiment { name = "c", sweep = { a = { 1 } }, run = function() end,
    claims = { { "x", check = function() end, folklor = "high_lr" } } }
end, "claims%[1%]: unknown field 'folklor' %(allowed: check, folklore%)")
T.raises("folklore ids are checked against the catalogue", function()
  experiment.experiment { name = "c", sweep = { a = { 1 } }, run = function() end,
    claims = { { "x", check = function() end, folklore = { "high_lr", "hig_lr" } } } }
end, "claims%[1%]%.folklore unknown folklore id 'hig_lr' %(known: high_lr, low_lr,")
T.raises("folklore must be an id or a list", function()
  experiment.experiment { name = "c", sweep = { a = { 1 } }, run = function() end,
    claims = { { "x", check = function() end, folklore = 3 } } }
end, "claims%[1%]%.folklore must be a folklore id or a list of them, got number")
local tagged = claims.check({ { "t", folklore = "outliers", check = function() return true end } }, {})
T.eq("the verdict carries its folklore ids", tagged[1].folklore[1], "outliers")

-- A real run: verdicts in stdout and the manifest.
local out = os.tmpname()
os.remove(out)
local exp = experiment.experiment { name = "claimed", sweep = gg.grid { lr = { 0.001, 10 }, seed = gg.seeds(3) },
  run = function(p, run)
    local data = gg.data.regression { n = 50, features = 1, x = "uniform", scale = 10, seed = run.seed }
    local model = gg.nn.sequential { gg.nn.linear(1, 1) }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = p.lr }),
      batch_size = 50, epochs = 30, log = run }
  end,
  claims = { { "lr 10 diverges", folklore = "high_lr", check = function(Rs)
    local fr = Rs:fraction(function(r) return r.status == "diverged" end, { lr = 10 })
    return fr.k == fr.n, fr.text end } } }
local so = { t = {}, write = function(self, s) self.t[#self.t + 1] = s end }
local res = pipeline(exp, { out = out, jobs = 0, quiet = true, stdout = so, stderr = so })
T.eq("verdict computed", res.verdicts and res.verdicts[1].holds, true)
T.ok("verdict printed", table.concat(so.t):find("claim: lr 10 diverges — HOLDS (3/3", 1, true) ~= nil)
local f2 = io.open(out .. "/manifest.json")
local mj = f2:read("a")
f2:close()
T.ok("verdict in the manifest", mj:find('"holds": true', 1, true) ~= nil)
T.ok("folklore ids in the manifest", mj:find('"folklore": %[%s*"high_lr"%s*%]') ~= nil)
os.execute("rm -rf '" .. out .. "'")

-- In worker processes (-j 1) a diverged run's loss comes back as inf, not nil, and
-- R:curve reads what the runs logged beyond runs.csv.
local seen = {}
exp.claims = { { "curves are readable", check = function(Rs)
  for _, r in ipairs(Rs:select {}) do
    local losses, steps = Rs:curve(r, "epoch_loss")
    seen[#seen + 1] = { lr = r.params.lr, final = r.final_loss, n = #losses, last_step = steps[#steps],
      last = losses[#losses], none = #Rs:curve(r, "no_such_metric") }
  end
  seen.mean = Rs:mean("epoch_loss", { lr = 0.001 })
  seen.value = Rs:value(Rs:select { lr = 0.001 }[1], "epoch_loss")
  seen.pair = Rs:paired("final_loss", { lr = 10 }, { lr = 0.001 }, { "seed" })
  return true, "" end } }
res = pipeline(exp, { out = out, jobs = 1, quiet = true, stdout = so, stderr = so })
T.eq("check ran over every run", #seen, 6)
T.eq("diverged final loss is inf at -j 1", seen[4].final, math.huge)
T.eq("a converging run logged an epoch loss per epoch", seen[1].n, 30)
T.eq("its last step", seen[1].last_step, 30)
T.eq("curve value = final loss", seen[1].last, seen[1].final)
T.eq("unknown metric -> empty", seen[1].none, 0)
T.eq("R:value reads a logged curve's last value", seen.value, seen[1].last)
T.eq("R:mean over a logged curve", seen.mean.n, 3)
T.eq("diverged pairs are counted as dropped", { seen.pair.n, seen.pair.dropped }, { 0, 3 })
T.ok("and named", seen.pair.text:find("(3 left out: no finite value, e.g. diverged)", 1, true) ~= nil)
-- final_loss / min_loss summarise the epoch losses when a run logs them, not the last
-- (possibly short) mini-batch.
local mb = experiment.experiment { name = "minibatch", sweep = { seed = { 1 } },
  run = function(_, run)
    local data = gg.data.regression { n = 55, features = 2, seed = run.seed }
    local model = gg.nn.mlp { 2, 4, 1 }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 0.05 }),
      batch_size = 10, epochs = 5, log = run }
  end,
  claims = { { "epoch summaries", check = function(Rs)
    local r = Rs:select {}[1]
    local ep, steps = Rs:curve(r, "epoch_loss")
    local min = math.huge
    for _, v in ipairs(ep) do min = math.min(min, v) end
    seen.mb = { final = r.final_loss, last = ep[#ep], min = r.min_loss, emin = min, steps = r.steps,
      last_step = steps[#steps], batch = Rs:curve(r, "loss")[30] }
    return true, "" end } } }
pipeline(mb, { out = out .. "-mb", jobs = 1, quiet = true, stdout = so, stderr = so })
T.eq("final_loss is the last epoch loss", seen.mb.final, seen.mb.last)
T.eq("min_loss is the lowest epoch loss", seen.mb.min, seen.mb.emin)
T.eq("steps counts every step", seen.mb.steps, 30)
T.ok("not the last (5-row) batch's loss", seen.mb.batch ~= seen.mb.final)
os.execute("rm -rf '" .. out .. "-mb'")

-- gglab run --set keeps the claims and judges them on the overridden sweep.
local script = os.tmpname()
local sf = assert(io.open(script, "w"))
sf:write([[local gg = require "gglab"
return gg.experiment { name = "setclaims", sweep = { a = { 1, 2 } }, run = function() end,
  claims = { { "two points", check = function(R) local n = #R:select {} return n == 2, n .. " runs" end } } }
]])
sf:close()
local p = io.popen(string.format("%s run -q --out %s-set --set a=5,6,7 %s 2>&1", os.getenv("GGLAB") or "build/gglab",
  out, script))
local said = p:read("a")
p:close()
T.ok("claims judged after --set", said:find("claim: two points — DOES NOT HOLD (3 runs)", 1, true) ~= nil)
os.remove(script)
os.execute("rm -rf '" .. out .. "-set'")

T.raises("R:curve needs curves", function() claims.results({}):curve({ run_id = "x" }, "loss") end,
  "no curves available")
os.execute("rm -rf '" .. out .. "'")
-- run:summary values and every numeric result column are claim metrics (not curve names).
do
  local rs = {}
  for seed = 1, 4 do
    rs[#rs + 1] = rec({ seed = seed }, { status = "ok", final_loss = 1, min_val_loss = seed / 10,
      best_epoch = seed, summary = { val_acc = 0.5 + seed / 10 } })
  end
  local RS = claims.results(rs, {})
  T.near("claim on a run:summary value", RS:mean("val_acc").value, 0.75, 1e-12)
  T.near("claim on min_val_loss (a result column)", RS:mean("min_val_loss").value, 0.25, 1e-12)
  T.eq("claim on best_epoch (a result column)", RS:mean("best_epoch").n, 4)
end

T.done()
