-- tests/lua/test_determinism.lua — the default experiment end to end through the gglab
-- executable: byte-identical results when re-run, when glibc is made to pick its non-FMA
-- code paths, and from the build whose kernels have no AVX clones (GGLAB_GENERIC; what
-- another x86-64 CPU would run), and the divergence boundary that
-- experiments/lr_sweep.lua exists to show. Then the same for a sweep of a CNN using
-- every graph-core layer kind a model of images needs (conv, pooling, BatchNorm2d,
-- residual blocks with and without a projection, Dropout2d, a custom layer with its own
-- parameter): byte-identical files on every GGLAB_ISA path, -j 1 vs -j 2, three shards +
-- gglab merge vs the whole sweep, and --resume after the parent was killed mid-sweep.
-- Then the same for a sweep of sequence models (a char-level GPT with attention dropout on
-- the shipped text, LSTM and GRU classifiers, token + position embeddings with a tied head),
-- with diagnostics on so the attention statistics and the recurrent norm are in the curves.

local T = require "check"
local slurp, runs_without_wall = T.read, T.runs_without_wall
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"
local tmp = os.tmpname()
os.remove(tmp)

local BASE = GGLAB  -- the normal build (GGLAB becomes the baseline-only build below)

local function run(out, env, exe)
  local cmd = string.format("%s %s run -q --out %s experiments/lr_sweep.lua >/dev/null 2>&1",
    env or "", exe or GGLAB, out)
  return os.execute(cmd)
end

T.ok("first run succeeds", run(tmp .. "/a"))
T.ok("second run succeeds", run(tmp .. "/b"))
T.ok("run with glibc's FMA/AVX2 paths disabled succeeds",
  run(tmp .. "/c", "GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA,-AVX2,-AVX512F"))
local generic = os.getenv("GGLAB_GENERIC")
if generic and generic ~= "" then
  GGLAB = generic
  T.ok("run with the baseline-only (no AVX clones) build succeeds", run(tmp .. "/d"))
end
-- Each instruction-set path of the FMA kernels, forced with GGLAB_ISA (core/isa.h): the
-- same files bit for bit, so shards run on different CPUs merge into one machine's files.
local isas = {}
for _, isa in ipairs { "generic", "avx2", "avx512" } do
  local ok = os.execute(string.format("GGLAB_ISA=%s lua5.4 -e 'require(\"gglab\").isa()' >/dev/null 2>&1", isa))
  if ok then
    isas[#isas + 1] = isa
    T.ok("run with GGLAB_ISA=" .. isa .. " succeeds", run(tmp .. "/isa_" .. isa, "GGLAB_ISA=" .. isa, BASE))
  else
    print("skip: GGLAB_ISA=" .. isa .. " (this CPU or build has no such path)")
  end
end
T.ok("at least the generic path is tested", #isas >= 1 and isas[1] == "generic")
local curves = slurp(tmp .. "/a/curves.csv")
for _, isa in ipairs(isas) do
  T.ok("curves.csv identical with GGLAB_ISA=" .. isa, curves == slurp(tmp .. "/isa_" .. isa .. "/curves.csv"))
  T.eq("runs.csv identical with GGLAB_ISA=" .. isa .. " (but wall_s)", runs_without_wall(tmp .. "/isa_" .. isa),
    runs_without_wall(tmp .. "/a"))
end
-- A bad value stops the command before any run, naming the variable and the choices.
local p = io.popen(string.format("GGLAB_ISA=sse9 %s run -q --out %s/bad experiments/lr_sweep.lua 2>&1; echo rc=$?",
  BASE, tmp))
local out = p:read("a")
p:close()
T.ok("GGLAB_ISA=sse9: exit status 2", out:find("rc=2", 1, true) ~= nil)
T.ok("GGLAB_ISA=sse9: error names the value and the choices",
  out:find("GGLAB_ISA=sse9 is not an instruction set (allowed: auto, generic", 1, true) ~= nil)
T.ok("GGLAB_ISA=sse9: nothing written", not gg.fs.exists(tmp .. "/bad/runs.csv"))
T.ok("curves.csv is not trivially small", #curves > 100000)
T.ok("curves.csv identical on re-run", curves == slurp(tmp .. "/b/curves.csv"))
T.ok("curves.csv identical without FMA/AVX2 libm paths", curves == slurp(tmp .. "/c/curves.csv"))
if generic and generic ~= "" then
  T.ok("curves.csv identical from the baseline-only build", curves == slurp(tmp .. "/d/curves.csv"))
  T.eq("runs.csv identical from the baseline-only build (but wall_s)", runs_without_wall(tmp .. "/d"),
    runs_without_wall(tmp .. "/a"))
end
T.eq("runs.csv identical on re-run (but wall_s)", runs_without_wall(tmp .. "/b"), runs_without_wall(tmp .. "/a"))
T.eq("runs.csv identical without FMA (but wall_s)", runs_without_wall(tmp .. "/c"), runs_without_wall(tmp .. "/a"))

-- The boundary: linear regression with plain SGD converges at small lr, diverges at large.
local header, rows = gg.csv.read(tmp .. "/a/runs.csv")
local col = {}
for i, name in ipairs(header) do col[name] = i end
T.eq("216 points", #rows, 216)
local ok_low, div_high, n_low, n_high, adam_div = 0, 0, 0, 0, 0
for _, r in ipairs(rows) do
  local lr, opt, task, status = tonumber(r[col.lr]), r[col.optimizer], r[col.task], r[col.status]
  if task == "linreg" and opt ~= "adam" then
    if lr <= 0.011 then
      n_low = n_low + 1
      ok_low = ok_low + (status == "ok" and 1 or 0)
    elseif lr >= 0.18 then
      n_high = n_high + 1
      div_high = div_high + (status == "diverged" and 1 or 0)
      T.ok("diverged run has a diverged_step", tonumber(r[col.diverged_step]) ~= nil)
      T.eq("diverged run's final loss is non-finite", r[col.final_loss], "inf")
    end
  end
  if task == "linreg" and opt == "adam" and status == "diverged" then adam_div = adam_div + 1 end
end
T.eq("linreg SGD/momentum with lr <= 0.011: all ok", ok_low, n_low)
T.ok("there are low-lr points", n_low >= 24)
T.eq("linreg SGD/momentum with lr >= 0.18: all diverged", div_high, n_high)
T.ok("there are high-lr points", n_high >= 24)
T.eq("Adam never overflows on linreg (steps bounded by lr)", adam_div, 0)

-- ---- The CNN layers: the same guarantees for a sweep of conv/pool/BatchNorm2d/residual/
-- Dropout2d/custom-layer models (12 runs of 36 steps on 240 digits images). The run at
-- position GG_TEST_KILL_AT kills the gglab parent with SIGKILL (the workers die with it),
-- so the interruption lands at the same point of the sweep however fast the machine is.
local cnn = tmp .. "/cnn.lua"
gg.fs.mkdir(tmp)
do
  local f = assert(io.open(cnn, "w"))
  f:write([[
local gg = require "gglab"
local DIGITS = assert(gg.data.digits { image = true, scale = 1 / 16 }):subset(1, 240)
local KILL_AT = tonumber(os.getenv("GG_TEST_KILL_AT") or "")
-- A custom layer with a learnable per-channel gate: x * sigmoid(w) + 0.1 relu(x).
local function gate(c)
  return gg.nn.custom(function(x, nn)
    local w = nn.param { shape = { 1, c, 1, 1 }, init = { "constant", value = 0.5 } }
    return x * w:sigmoid() + x:relu() * 0.1
  end, { name = "gate" })
end
return gg.experiment {
  name = "cnn_determinism",
  sweep = gg.grid { lr = { 0.03, 0.3 }, momentum = { 0, 0.9 }, seed = gg.seeds(3) },
  run = function(p, run)
    if run.index == KILL_AT then
      gg.proc.kill(gg.proc.getppid(), "KILL")
      for _ = 1, 600 do os.execute("sleep 0.05") end  -- until PDEATHSIG ends this worker
      error("the parent survived SIGKILL")
    end
    local train, val = DIGITS:split(0.25, { seed = run.seed })
    local model = gg.nn.sequential({
      gg.nn.conv2d(1, 6, 3, { padding = "same", bias = false }), gg.nn.batchnorm2d(6), gg.nn.relu(),
      gg.nn.residual { gg.nn.conv2d(6, 6, 3, { padding = 1 }), gg.nn.batchnorm2d(6), gg.nn.relu(),
        gg.nn.conv2d(6, 6, 3, { padding = 1 }), activation = gg.nn.relu() },
      gg.nn.maxpool2d(2), gg.nn.dropout2d(0.2),
      gg.nn.residual { gg.nn.conv2d(6, 8, 3, { padding = 1, stride = 2 }), gg.nn.relu(),
        projection = { gg.nn.conv2d(6, 8, 1, { stride = 2 }) } },
      gate(8), gg.nn.avgpool2d(2), gg.nn.flatten(), gg.nn.linear(8, 10),
    }, { input = { 1, 8, 8 } })
    gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = 16, epochs = 3,
      optimizer = gg.optim.sgd(model, { lr = p.lr, momentum = p.momentum }), log = run, log_grad_norm = true }
    run:log("val_acc", gg.accuracy(model, val), 36)
  end,
}
]])
  f:close()
end

local function run_cnn(out, args, env, exe)
  return os.execute(string.format("%s %s run -q %s --out %s %s >/dev/null 2>&1", env or "", exe or BASE,
    args or "", out, cnn))
end

T.ok("CNN sweep: -j 1 succeeds", run_cnn(tmp .. "/cnn_j1", "-j 1"))
local cnn_curves, cnn_runs = slurp(tmp .. "/cnn_j1/curves.csv"), runs_without_wall(tmp .. "/cnn_j1")
T.eq("CNN sweep: 12 runs, all ok", select(2, cnn_runs:gsub(",ok,", "")), 12)
T.ok("CNN sweep: curves.csv has every step's loss and gradient norm", select(2, cnn_curves:gsub("\n", "")) > 12 * 36 * 2)
local function same_as_cnn(what, dir)
  T.ok("CNN sweep: curves.csv identical " .. what, slurp(dir .. "/curves.csv") == cnn_curves)
  T.eq("CNN sweep: runs.csv identical " .. what .. " (but wall_s)", runs_without_wall(dir), cnn_runs)
end
T.ok("CNN sweep: -j 2 succeeds", run_cnn(tmp .. "/cnn_j2", "-j 2"))
same_as_cnn("with -j 2", tmp .. "/cnn_j2")
for _, isa in ipairs(isas) do
  T.ok("CNN sweep: GGLAB_ISA=" .. isa .. " succeeds", run_cnn(tmp .. "/cnn_" .. isa, "-j 2", "GGLAB_ISA=" .. isa))
  same_as_cnn("with GGLAB_ISA=" .. isa, tmp .. "/cnn_" .. isa)
end
T.ok("CNN sweep: glibc's FMA/AVX2 paths disabled succeeds",
  run_cnn(tmp .. "/cnn_nofma", "-j 2", "GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA,-AVX2,-AVX512F"))
same_as_cnn("without FMA/AVX2 libm paths", tmp .. "/cnn_nofma")
if generic and generic ~= "" then
  T.ok("CNN sweep: the baseline-only build succeeds", run_cnn(tmp .. "/cnn_generic", "-j 2", nil, generic))
  same_as_cnn("from the baseline-only build", tmp .. "/cnn_generic")
end

-- Three shards, each on another instruction-set path (as on three different CPUs), merged.
local shard_dirs = {}
for k = 1, 3 do
  local isa = isas[(k - 1) % #isas + 1]
  shard_dirs[k] = string.format("%s/cnn_shard%d", tmp, k)
  T.ok(string.format("CNN sweep: shard %d/3 (GGLAB_ISA=%s) succeeds", k, isa),
    run_cnn(shard_dirs[k], string.format("-j %d --shard %d/3", k == 2 and 1 or 2, k), "GGLAB_ISA=" .. isa))
end
T.ok("CNN sweep: gglab merge of the 3 shards succeeds", os.execute(string.format("%s merge -q %s/cnn_merged %s >/dev/null 2>&1",
  BASE, tmp, table.concat(shard_dirs, " "))))
same_as_cnn("from 3 shards + merge", tmp .. "/cnn_merged")

-- Killed mid-sweep (SIGKILL of the parent at run 7 of 12), then --resume.
local killed = tmp .. "/cnn_killed"
T.ok("CNN sweep: killed at run 7 (nonzero exit)", not run_cnn(killed, "-j 2", "GG_TEST_KILL_AT=7"))
local n_done = 0
for _, name in ipairs(gg.fs.listdir(killed .. "/runs") or {}) do
  if name:match("^%x+%.row%.csv$") then n_done = n_done + 1 end
end
print(string.format("CNN sweep: %d of 12 runs were finished when run 7 killed the parent", n_done))
-- Runs 1..5 were handed out before run 7, and at most one other run is in flight at -j 2.
T.ok("CNN sweep: the kill left some, not all, runs done", n_done >= 5 and n_done < 12)
T.ok("CNN sweep: --resume of the killed store succeeds", run_cnn(killed, "-j 2 --resume"))
same_as_cnn("after kill -9 and --resume", killed)
local left = {}
for _, name in ipairs(gg.fs.listdir(killed .. "/runs") or {}) do
  if name:match("%.tmp$") then left[#left + 1] = name end
end
T.eq("CNN sweep: no temp file left after --resume", left, {})

-- ---- Sequence models: the same guarantees for the embedding, attention (softmax, dropout,
-- the attention statistics) and recurrent kernels. 12 runs: a 2-layer char-level GPT with
-- dropout 0.1 (attention and feed-forward) on windows of the shipped text, a 2-layer LSTM
-- with dropout between its layers and a GRU on parity, token + learned position embeddings
-- with a tied head and dropout on "copy"; Adam, diagnostics every step.
local seq = tmp .. "/seq.lua"
do
  local f = assert(io.open(seq, "w"))
  f:write([[
local gg = require "gglab"
local KILL_AT = tonumber(os.getenv("GG_TEST_KILL_AT") or "")
local TEXT, TEXT_VAL = gg.data.text { file = "experiments/data/tinyshakespeare.txt", context = 24, level = "char",
  n = 192, val_n = 32, seed = 1 }
local V = TEXT:vocab()
return gg.experiment {
  name = "seq_determinism",
  sweep = gg.grid { kind = { "gpt", "lstm", "gru", "embpos" }, seed = gg.seeds(3) },
  run = function(p, run)
    if run.index == KILL_AT then
      gg.proc.kill(gg.proc.getppid(), "KILL")
      for _ = 1, 600 do os.execute("sleep 0.05") end  -- until PDEATHSIG ends this worker
      error("the parent survived SIGKILL")
    end
    local model, train, val
    if p.kind == "gpt" then
      train, val = TEXT, TEXT_VAL
      model = gg.nn.gpt { vocab = V, context = 24, d_model = 16, heads = 2, layers = 2, dim_feedforward = 32,
        dropout = 0.1, activation = "relu", seed = run.seed }
    elseif p.kind == "embpos" then
      local all = gg.data.sequence { task = "copy", n = 320, length = 8, vocab = 10, seed = run.seed }
      train, val = all:split(0.25, { seed = run.seed })
      local wte = gg.nn.embedding(10, 8)
      model = gg.nn.sequential({ wte, gg.nn.positional_embedding(8, 8), gg.nn.dropout(0.1),
        gg.nn.linear(8, 10, { tie = wte, bias = false }) }, { input = { 8 }, seed = run.seed })
    else
      local all = gg.data.sequence { task = "parity", n = 320, length = 8, vocab = 2, seed = run.seed }
      train, val = all:split(0.25, { seed = run.seed })
      local rec = p.kind == "lstm" and gg.nn.lstm(4, 8, { num_layers = 2, dropout = 0.1, ["return"] = "last" })
        or gg.nn.gru(4, 8, { ["return"] = "last" })
      model = gg.nn.sequential({ gg.nn.embedding(2, 4), rec, gg.nn.linear(8, 2) }, { input = { 8 }, seed = run.seed })
    end
    gg.train { model = model, data = train, val = val, loss = "cross_entropy", batch_size = 16, epochs = 2,
      optimizer = gg.optim.adam(model, { lr = 1e-2 }), log = run, diagnostics = { every = 1 } }
    run:log("val_acc", gg.accuracy(model, val), 0)
  end,
}
]])
  f:close()
end

local function run_seq(out, args, env, exe)
  return os.execute(string.format("%s %s run -q %s --out %s %s >/dev/null 2>&1", env or "", exe or BASE,
    args or "", out, seq))
end

T.ok("sequence sweep: -j 1 succeeds", run_seq(tmp .. "/seq_j1", "-j 1"))
local seq_curves, seq_runs = slurp(tmp .. "/seq_j1/curves.csv"), runs_without_wall(tmp .. "/seq_j1")
T.eq("sequence sweep: 12 runs, all ok", select(2, seq_runs:gsub(",ok,", "")), 12)
local function count(pattern) return select(2, seq_curves:gsub(pattern, "")) end
T.eq("sequence sweep: the GPT runs log both layers' attention max logit every step", count(",attn_max_logit_2,"),
  3 * 24)
T.eq("sequence sweep: ... and their attention entropy", count(",attn_entropy_1,"), 3 * 24)
T.eq("sequence sweep: the LSTM and GRU runs log recurrent_norm every step", count(",recurrent_norm,"), 6 * 30)
T.ok("sequence sweep: validation perplexity logged", count(",val_perplexity,") == 12 * 2)
local function same_as_seq(what, dir)
  T.ok("sequence sweep: curves.csv identical " .. what, slurp(dir .. "/curves.csv") == seq_curves)
  T.eq("sequence sweep: runs.csv identical " .. what .. " (but wall_s)", runs_without_wall(dir), seq_runs)
end
T.ok("sequence sweep: -j 2 succeeds", run_seq(tmp .. "/seq_j2", "-j 2"))
same_as_seq("with -j 2", tmp .. "/seq_j2")
for _, isa in ipairs(isas) do
  T.ok("sequence sweep: GGLAB_ISA=" .. isa .. " succeeds", run_seq(tmp .. "/seq_" .. isa, "-j 2", "GGLAB_ISA=" .. isa))
  same_as_seq("with GGLAB_ISA=" .. isa, tmp .. "/seq_" .. isa)
end
T.ok("sequence sweep: glibc's FMA/AVX2 paths disabled succeeds",
  run_seq(tmp .. "/seq_nofma", "-j 2", "GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA,-AVX2,-AVX512F"))
same_as_seq("without FMA/AVX2 libm paths", tmp .. "/seq_nofma")
if generic and generic ~= "" then
  T.ok("sequence sweep: the baseline-only build succeeds", run_seq(tmp .. "/seq_generic", "-j 2", nil, generic))
  same_as_seq("from the baseline-only build", tmp .. "/seq_generic")
end
local seq_shards = {}
for k = 1, 3 do
  local isa = isas[(k - 1) % #isas + 1]
  seq_shards[k] = string.format("%s/seq_shard%d", tmp, k)
  T.ok(string.format("sequence sweep: shard %d/3 (GGLAB_ISA=%s) succeeds", k, isa),
    run_seq(seq_shards[k], string.format("-j %d --shard %d/3", k == 2 and 1 or 2, k), "GGLAB_ISA=" .. isa))
end
T.ok("sequence sweep: gglab merge of the 3 shards succeeds", os.execute(string.format(
  "%s merge -q %s/seq_merged %s >/dev/null 2>&1", BASE, tmp, table.concat(seq_shards, " "))))
same_as_seq("from 3 shards + merge", tmp .. "/seq_merged")
local seq_killed = tmp .. "/seq_killed"
T.ok("sequence sweep: killed at run 7 (nonzero exit)", not run_seq(seq_killed, "-j 2", "GG_TEST_KILL_AT=7"))
local seq_done = 0
for _, name in ipairs(gg.fs.listdir(seq_killed .. "/runs") or {}) do
  if name:match("^%x+%.row%.csv$") then seq_done = seq_done + 1 end
end
print(string.format("sequence sweep: %d of 12 runs were finished when run 7 killed the parent", seq_done))
T.ok("sequence sweep: the kill left some, not all, runs done", seq_done >= 5 and seq_done < 12)
T.ok("sequence sweep: --resume of the killed store succeeds", run_seq(seq_killed, "-j 2 --resume"))
same_as_seq("after kill -9 and --resume", seq_killed)

os.execute("rm -rf " .. tmp)
T.done()
