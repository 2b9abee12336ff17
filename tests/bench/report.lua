-- tests/bench/report.lua RAW CSV [SECTION] — make bench's summary: parses the raw lines the
-- benches printed (RAW), writes bench.csv (CSV) and prints the table of issue 11's targets
-- and of the CNN and sequence-model steps, each with the peers measured in the same run. A
-- missed target prints MISS; it is not an error (a benchmark is a measurement); a missing
-- gglab figure is, and so is a CNN or sequence model whose parameter count differs between
-- gglab and a peer (not the same model). SECTION (run.sh's; default all): seq, attn or rnn
-- expects and prints only those sequence-model rows.
--
-- A step workload measured in several rounds (run.sh's interleaving) becomes one
-- row: min = the least of the rounds' mins, median = the median of their medians.
--
-- bench.csv columns: workload, impl (gglab, gglab_base: the BENCH_BASE commit's build,
-- torch, torch_ensemble, libtorch, cpu; gglab_solo and gglab_ensemble: bench_ensemble's seed
-- MLP run-step alone and in a lockstep ensemble, variant the ISA path and "_x<K>"), variant (of a sweep: j1, j2, j1_ensemble, j1_tmpfs, j1_flush,
-- loop; of a conv layer: its shape), batch, min, median, unit (us/step, us/call, s, ms/run,
-- kB, GFLOP/s), gflops (at the min), pct_peak, flop_per_byte (the roofline's x: matmul
-- FLOPs per step over an estimate of the bytes a step moves: every parameter read twice and
-- its gradient written and read, the optimizer's state read and written, each activation
-- written and read twice; MLPs only), isa, cpu_min and cpu_median (the step in the process's
-- CPU time, which leaves out the time other processes held the core on a loaded machine;
-- the table prints a CPU-time line and verdict under each step). Conv layers are rows
-- "conv:<model>.<layer>" (min = forward + backward of that layer alone, us/call) and
-- "convsum:<model>" (the sum over the model's conv layers, us/step). The sequence-model
-- steps are rows gpt2l_relu, gpt2l_gelu (the transformer) and lstm, like the CNN steps.
local raw_path, csv_path, section = arg[1], arg[2], arg[3] or "all"
assert(raw_path and csv_path, "usage: report.lua RAW CSV [all|seq|attn|rnn]")
assert(({ all = 1, seq = 1, attn = 1, rnn = 1 })[section], "report.lua: SECTION must be all, seq, attn or rnn")
local all = section == "all"

local SIZES = {
  mlp_10_50_100_2 = { 10, 50, 100, 2 }, linear_10_2 = { 10, 2 },
  mlp_64_256_256_10 = { 64, 256, 256, 10 }, mlp_784_512_512_10 = { 784, 512, 512, 10 },
}

local rows, peaks, models, base_desc = {}, {}, {}, nil
local phases, seq_alone = {}, {}  -- the transformer's phases (one rep), kernels timed alone
local function add(r) rows[#rows + 1] = r end
local steps = {}  -- impl .. " " .. workload .. " " .. batch -> row (rounds merged)

for line in io.lines(raw_path) do
  local impl, name, b, opt, mn, md = line:match("^(%S+) (%S+) bs(%d+) (%a+): min ([%d.]+) us/step, median ([%d.]+) us/step")
  if impl then
    local key = impl .. " " .. name .. " " .. b
    local r = steps[key]
    if not r then
      r = { workload = name, impl = impl, batch = tonumber(b), opt = opt, min = math.huge, medians = {},
        unit = "us/step", isa = line:match("isa (%w+)") }
      steps[key] = r
      add(r)
    end
    r.min = math.min(r.min, tonumber(mn))
    r.medians[#r.medians + 1] = tonumber(md)
  end
  local cimpl, cname, cbatch, cmn, cmd = line:match("^(%S+) (%S+) bs(%d+) %a+ cpu: min ([%d.]+) us/step, median ([%d.]+) us/step")
  if cimpl then
    local r = steps[cimpl .. " " .. cname .. " " .. cbatch]
    if r then
      r.cpu_min = math.min(r.cpu_min or math.huge, tonumber(cmn))
      r.cpu_medians = r.cpu_medians or {}
      r.cpu_medians[#r.cpu_medians + 1] = tonumber(cmd)
    end
  end
  local mimpl, mname, np, nb, macs, fl = line:match(
    "^(%S+) (%S+) model: params (%d+), buffers (%d+), %S+ MACs/sample (%d+), FLOP/step (%d+)")
  if mimpl then
    models[mimpl .. " " .. mname] = { params = tonumber(np), buffers = tonumber(nb), macs = tonumber(macs),
      flop = tonumber(fl) }
  end
  local cm, cl, cdesc, cb, cn, cf, cbw, cg = line:match(
    "^gglab conv (%w+)%.(%S+) (%S+) bs(%d+) x(%d+): fwd ([%d.]+) us, bwd ([%d.]+) us, ([%d.]+) GFLOP/s")
  if cm then
    local t = tonumber(cf) + tonumber(cbw)
    add { workload = "conv:" .. cm .. "." .. cl, impl = "gglab", variant = cdesc, batch = tonumber(cb),
      min = t, median = t, unit = "us/call", gflops = tonumber(cg), count = tonumber(cn), fwd = tonumber(cf),
      bwd = tonumber(cbw), model = cm, layer = cl }
  end
  local sm, st, sg = line:match("^gglab convsum (%w+): ([%d.]+) us/step in conv layers.-, ([%d.]+) GFLOP/s")
  if sm then
    add { workload = "convsum:" .. sm, impl = "gglab", min = tonumber(st), median = tonumber(st), unit = "us/step",
      gflops = tonumber(sg), model = sm }
  end
  -- bench_attn: one rep's phases (the round with the least total is kept), the attention
  -- kernel alone; bench_rnn: the LSTM layer alone (each the least over the rounds)
  local pn, pf, pl, pb, pa = line:match(
    "^gglab (%S+) phases: forward ([%d.]+) us, loss ([%d.]+) us, backward ([%d.]+) us, adam ([%d.]+) us")
  if pn then
    local p = { tonumber(pf), tonumber(pl), tonumber(pb), tonumber(pa) }
    local function total(q) return q[1] + q[2] + q[3] + q[4] end
    if not phases[pn] or total(p) < total(phases[pn]) then phases[pn] = p end
  end
  local kf, kb = line:match("^gglab attention kernel: ([%d.]+) us forward, ([%d.]+) us backward")
  if not kf then
    kf, kb = line:match("^gglab lstm layer: fwd ([%d.]+) us, bwd ([%d.]+) us")
    if kf then kf = "lstm " .. kf end
  else
    kf = "attention " .. kf
  end
  if kf then
    local which, f = kf:match("(%a+) (.*)")
    local o = seq_alone[which]
    if not o or tonumber(f) + tonumber(kb) < o.fwd + o.bwd then
      seq_alone[which] = { fwd = tonumber(f), bwd = tonumber(kb) }
    end
  end
  -- bench_ensemble (issue 24): per ISA path, the seed MLP's solo and lockstep-ensemble
  -- run-steps measured side by side; rows impl gglab_solo / gglab_ensemble, variant the path
  local eb, eopt, eisa, smn, smd, ek, emn, emd = line:match("^seed MLP 10%-50%-100%-2 bs(%d+) (%a+), (%w+): " ..
    "solo min ([%d.]+) median ([%d.]+) us/run%-step; ensemble of (%d+) min ([%d.]+) median ([%d.]+) us/run%-step")
  if eb then
    for _, r in ipairs { { "gglab_solo", smn, smd }, { "gglab_ensemble", emn, emd } } do
      add { workload = "mlp_10_50_100_2", impl = r[1], variant = eisa .. (r[1] == "gglab_ensemble" and "_x" .. ek or ""),
        batch = tonumber(eb), opt = eopt, min = tonumber(r[2]), median = tonumber(r[3]), unit = "us/step", isa = eisa }
    end
  end
  local bd = line:match("^base: (.*)")
  if bd then base_desc = bd end
  local simpl, variant, smin, smed = line:match("^(%S+) sweep_seed100 (%S+): min ([%d.]+) s, median ([%d.]+) s")
  if not simpl then
    simpl, smin, smed = line:match("^(%S+) sweep_seed100: min ([%d.]+) s, median ([%d.]+) s")
    variant = "loop"
  end
  if simpl then
    add { workload = "sweep_seed100", impl = simpl == "torch" and variant == "ensemble" and "torch_ensemble" or simpl,
      variant = variant, min = tonumber(smin), median = tonumber(smed), unit = "s" }
  end
  local emin, emed = line:match("^gglab sweep_empty j1: min ([%d.]+) s, median ([%d.]+) s")
  if emin then
    add { workload = "run_overhead", impl = "gglab", min = tonumber(emin) * 10, median = tonumber(emed) * 10,
      unit = "ms/run" }
  end
  local pk = line:match("^peak best: ([%d.]+) GFLOP/s")
  if pk then peaks[#peaks + 1] = tonumber(pk) end
  local par, wrk = line:match("^peak_rss parent (%d+) kB, worker (%d+) kB")
  if par then
    add { workload = "rss_parent", impl = "gglab", min = tonumber(par), median = tonumber(par), unit = "kB" }
    add { workload = "rss_worker", impl = "gglab", min = tonumber(wrk), median = tonumber(wrk), unit = "kB" }
  end
end

-- the median of the rounds' medians
local function median(m)
  table.sort(m)
  local n = #m
  return n % 2 == 1 and m[(n + 1) // 2] or (m[n // 2] + m[n // 2 + 1]) / 2
end
for _, r in pairs(steps) do
  r.median = median(r.medians)
  r.rounds = #r.medians
  if r.cpu_medians then r.cpu_median = median(r.cpu_medians) end
end

-- the roof: the highest peak measured in this run (bench_peak runs more than once)
local peak
for _, p in ipairs(peaks) do peak = math.max(peak or 0, p) end

-- matmul FLOPs and the estimated bytes of one step
local function flops_bytes(name, B, opt)
  local s = SIZES[name]
  local f, params, acts = 0, 0, 0
  for i = 1, #s - 1 do
    f = f + 2 * B * s[i] * s[i + 1]
    params = params + s[i] * s[i + 1] + s[i + 1]
    acts = acts + B * s[i + 1]
  end
  local state = opt == "adam" and 2 or 1
  local bytes = 4 * (params * (4 + 2 * state) + 3 * acts + B * s[1])
  return 3 * f, bytes
end

for _, r in ipairs(rows) do
  if r.unit == "us/step" and SIZES[r.workload] then
    local f, bytes = flops_bytes(r.workload, r.batch, r.opt)
    r.gflops = f / (r.min * 1e3)
    r.flop_per_byte = f / bytes
  elseif r.unit == "us/step" and models[r.impl .. " " .. r.workload] then
    r.gflops = models[r.impl .. " " .. r.workload].flop / (r.min * 1e3)
  end
  if r.gflops and peak then r.pct_peak = 100 * r.gflops / peak end
end
if peak then add { workload = "peak", impl = "cpu", min = peak, median = peak, unit = "GFLOP/s" } end

local f = assert(io.open(csv_path, "w"))
f:write("workload,impl,variant,batch,min,median,unit,gflops,pct_peak,flop_per_byte,isa,cpu_min,cpu_median\n")
local function num(x, fmt) return x and string.format(fmt or "%.6g", x) or "" end
for _, r in ipairs(rows) do
  f:write(table.concat({ r.workload, r.impl, r.variant or "", num(r.batch, "%d"), num(r.min), num(r.median), r.unit,
    num(r.gflops, "%.2f"), num(r.pct_peak, "%.1f"), num(r.flop_per_byte, "%.3f"), r.isa or "", num(r.cpu_min),
    num(r.cpu_median) }, ","), "\n")
end
f:close()

local function get(workload, impl, variant)
  for _, r in ipairs(rows) do
    if r.workload == workload and r.impl == impl and (variant == nil or r.variant == variant) then return r end
  end
end

local missing = 0
local lines = {}
local function out(s) lines[#lines + 1] = s end
local function ratio(a, b) return (a and b) and string.format("%.1fx", a / b) or "-" end
local function verdict(ok) return ok and "PASS" or "MISS" end
-- the same step in CPU time (the benches' "cpu" lines): gglab min;median, the peers' mins,
-- the ratios, and whether the ratio target holds in CPU time too (need: x libtorch)
local function cpu_line(g, t, l, sc, need)
  if not g or not g.cpu_min then return end
  local function f(x) return x and x.cpu_min and string.format(sc == 1 and "%.1f" or "%.1f", x.cpu_min * sc) or "-" end
  local tc, lc = t and t.cpu_min, l and l.cpu_min
  out(string.format("%-34s %7.2f;%6.2f %14s %14s %6s %6s  %-30s %s", "  CPU time", g.cpu_min * sc, g.cpu_median * sc,
    f(t), f(l), ratio(tc, g.cpu_min), ratio(lc, g.cpu_min), need and string.format("(cpu: >= %.2gx libtorch)", need) or "",
    need and verdict(lc ~= nil and lc / g.cpu_min >= need) or ""))
end

out(string.format("%-34s %14s %14s %14s %14s  %-30s %s", "workload (min; median)", "gglab", "PyTorch", "libtorch",
  "ratios", "target", ""))
local STEPS = not all and {} or {
  { "mlp_10_50_100_2", "seed MLP step", 6, function(g, t, l) return t and t.min / g.min >= 50 and l and l.min / g.min >= 25 end,
    "<= 6 us, >= 50x torch, >= 25x libtorch" },
  { "linear_10_2", "Linear 10-2 step", 0.3, nil, "<= 0.3 us" },
  { "mlp_64_256_256_10", "64-256-256-10 step", 350, function(g, _, l) return l and l.min / g.min >= 1.4 end,
    "<= 350 us, >= 1.4x libtorch" },
  { "mlp_784_512_512_10", "784-512-512-10 step", 4500, function(g, _, l) return l and l.min / g.min >= 1.15 end,
    "<= 4.5 ms, >= 1.15x libtorch" },
}
for _, w in ipairs(STEPS) do
  local g, t, l = get(w[1], "gglab"), get(w[1], "torch"), get(w[1], "libtorch")
  if not g then
    missing = missing + 1
    out(string.format("%-34s %14s", w[2], "MISSING"))
  else
    local ok = g.min <= w[3] and (not w[4] or w[4](g, t, l))
    out(string.format("%-34s %7.2f;%6.2f %14s %14s %6s %6s  %-30s %s", w[2] .. " (us)", g.min, g.median,
      t and string.format("%.1f", t.min) or "-", l and string.format("%.1f", l.min) or "-", ratio(t and t.min, g.min),
      ratio(l and l.min, g.min), w[5], verdict(ok)))
    out(string.format("%-34s %14s", "", string.format("%.1f GFLOP/s%s", g.gflops,
      g.pct_peak and string.format(", %.0f%% of peak", g.pct_peak) or "")))
    cpu_line(g, t, l, 1)
  end
end
-- the MLP steps against the base commit's build, measured alternately in this run
local base_rows = 0
for _, w in ipairs(STEPS) do
  local g, b = get(w[1], "gglab"), get(w[1], "gglab_base")
  if g and b then
    if base_rows == 0 then
      out(string.format("MLP steps, this build vs the base build (%s), interleaved %d rounds:", base_desc or "?", g.rounds))
      out(string.format("%-34s %14s %14s %14s", "", "this build", "base build", "difference"))
    end
    base_rows = base_rows + 1
    local d = 100 * (g.min / b.min - 1)
    out(string.format("%-34s %7.2f;%6.2f %7.2f;%6.2f %+13.1f%%  %-30s %s", "  " .. w[2] .. " (us)", g.min, g.median, b.min,
      b.median, d, "<= base (min)", verdict(g.min <= b.min)))
    if g.cpu_min and b.cpu_min then
      out(string.format("%-34s %7.2f;%6.2f %7.2f;%6.2f %+13.1f%%  %-30s %s", "    CPU time", g.cpu_min, g.cpu_median,
        b.cpu_min, b.cpu_median, 100 * (g.cpu_min / b.cpu_min - 1), "(cpu: <= base)", verdict(g.cpu_min <= b.cpu_min)))
    end
  end
end

-- CNN steps (CNN.md), the peers interleaved with gglab
local CNN = not all and {} or {
  { "lenet", "lenet step 1x8x8 bs64", 1.5 },
  { "resnet", "resnet step 3x32x32 bs32", 1.5 },
}
for _, w in ipairs(CNN) do
  local g, t, l = get(w[1], "gglab"), get(w[1], "torch"), get(w[1], "libtorch")
  if not g then
    missing = missing + 1
    out(string.format("%-34s %14s", w[2], "MISSING"))
  else
    local ms = g.min >= 1e4
    local sc, unit = ms and 1e-3 or 1, ms and "ms" or "us"
    local function f(x) return x and string.format(ms and "%.1f" or "%.0f", x.min * sc) or "-" end
    out(string.format("%-34s %7.2f;%6.2f %14s %14s %6s %6s  %-30s %s", w[2] .. " (" .. unit .. ")", g.min * sc,
      g.median * sc, f(t), f(l), ratio(t and t.min, g.min), ratio(l and l.min, g.min),
      string.format(">= %.1fx libtorch", w[3]), verdict(l ~= nil and l.min / g.min >= w[3])))
    out(string.format("%-34s %14s %14s %14s", "", string.format("%.1f GFLOP/s%s", g.gflops,
      g.pct_peak and string.format(", %.0f%% of peak", g.pct_peak) or ""),
      t and string.format("%.1f GFLOP/s", t.gflops or 0) or "", l and string.format("%.1f GFLOP/s", l.gflops or 0) or ""))
    cpu_line(g, t, l, sc, w[3])
    -- the same model everywhere: parameter and buffer counts as each implementation printed them
    local gm = models["gglab " .. w[1]]
    local desc = {}
    for _, impl in ipairs { "gglab", "torch", "libtorch" } do
      local m = models[impl .. " " .. w[1]]
      if m then
        desc[#desc + 1] = string.format("%s %d+%d", impl, m.params, m.buffers)
        if gm and (m.params ~= gm.params or m.buffers ~= gm.buffers or m.flop ~= gm.flop) then
          missing = missing + 1
          desc[#desc + 1] = "MISMATCH"
        end
      end
    end
    out(string.format("%-34s %s; %d rounds; min;median over the rounds", "  params+buffers", table.concat(desc, ", "),
      g.rounds))
    local cs = get("convsum:" .. w[1], "gglab")
    if cs then
      local step = g.cpu_min or g.min
      out(string.format("%-34s %.0f us/step of CPU time (%.0f%% of gglab's step in CPU time), %.1f GFLOP/s%s",
        "  conv layers timed alone", cs.min, 100 * cs.min / step, cs.gflops,
        peak and string.format(", %.0f%% of peak", 100 * cs.gflops / peak) or ""))
    end
  end
end
-- each distinct conv layer alone: forward + backward (dW, db, and dx where the model needs it)
local nconv = 0
for _, r in ipairs(rows) do
  if r.unit == "us/call" then
    if nconv == 0 then
      out(string.format("%-46s %9s %9s %9s %8s  (each conv layer alone, fwd + bwd)", "conv layer (shape, batch, count)",
        "fwd us", "bwd us", "GFLOP/s", "% peak"))
      out("  (CPU time, best of 7 loops, hot caches; GFLOP/s counts forward, dW and dx where the model needs it)")
    end
    nconv = nconv + 1
    out(string.format("  %-44s %9.1f %9.1f %9.1f %8s", string.format("%s.%s %s bs%d x%d", r.model, r.layer, r.variant,
      r.batch, r.count), r.fwd, r.bwd, r.gflops, r.pct_peak and string.format("%.0f%%", r.pct_peak) or "-"))
  end
end
-- sequence-model steps (SEQ.md), the libtorch peer interleaved with gglab (A B B A)
local SEQ = {}
if section ~= "rnn" then
  SEQ[#SEQ + 1] = { "gpt2l_relu", "transformer step (gpt2l_relu)", 1.5, "attention" }
  SEQ[#SEQ + 1] = { "gpt2l_gelu", "transformer step (gpt2l_gelu)", 1.5, "attention" }
end
if section ~= "attn" then SEQ[#SEQ + 1] = { "lstm", "lstm step", 1.5, "lstm" } end
for _, w in ipairs(SEQ) do
  local g, t, l = get(w[1], "gglab"), get(w[1], "torch"), get(w[1], "libtorch")
  if not g then
    missing = missing + 1
    out(string.format("%-34s %14s", w[2], "MISSING"))
  else
    local function f(x) return x and string.format("%.2f", x.min * 1e-3) or "-" end
    out(string.format("%-34s %7.2f;%6.2f %14s %14s %6s %6s  %-30s %s", w[2] .. " (ms)", g.min * 1e-3, g.median * 1e-3,
      f(t), f(l), ratio(t and t.min, g.min), ratio(l and l.min, g.min), string.format(">= %.1fx libtorch", w[3]),
      verdict(l ~= nil and l.min / g.min >= w[3])))
    out(string.format("%-34s %14s %14s %14s", "", g.gflops and string.format("%.1f GFLOP/s%s", g.gflops,
      g.pct_peak and string.format(", %.0f%% of peak", g.pct_peak) or "") or "? GFLOP/s",
      t and string.format("%.1f GFLOP/s", t.gflops or 0) or "", l and string.format("%.1f GFLOP/s", l.gflops or 0) or ""))
    cpu_line(g, t, l, 1e-3, w[3])
    local gm = models["gglab " .. w[1]]
    local desc = {}
    for _, impl in ipairs { "gglab", "torch", "libtorch" } do
      local m = models[impl .. " " .. w[1]]
      if m then
        desc[#desc + 1] = string.format("%s %d+%d", impl, m.params, m.buffers)
        if gm and (m.params ~= gm.params or m.buffers ~= gm.buffers or m.flop ~= gm.flop) then
          missing = missing + 1
          desc[#desc + 1] = "MISMATCH"
        end
      end
    end
    if not gm then
      missing = missing + 1
      desc[#desc + 1] = "gglab's model line MISSING"
    end
    out(string.format("%-34s %s; %d rounds; min;median over the rounds", "  params+buffers", table.concat(desc, ", "),
      g.rounds))
    local step = g.cpu_min or g.min
    local p = phases[w[1]]
    if p then
      out(string.format("%-34s forward %.2f, loss %.2f, backward %.2f, Adam %.2f ms (one rep's mean step, wall)",
        "  phases", p[1] * 1e-3, p[2] * 1e-3, p[3] * 1e-3, p[4] * 1e-3))
    end
    local a = seq_alone[w[4]]
    if a and w[4] == "attention" then
      out(string.format("%-34s %.0f us forward, %.0f us backward per layer; 2 layers: %.0f%% of gglab's step (CPU time)",
        "  attention kernel alone", a.fwd, a.bwd, 100 * 2 * (a.fwd + a.bwd) / step))
    elseif a then
      out(string.format("%-34s %.0f us forward, %.0f us backward (CPU time; dy on every step, hot caches)",
        "  lstm layer alone", a.fwd, a.bwd))
    end
  end
end
local j1, j2 = get("sweep_seed100", "gglab", "j1"), get("sweep_seed100", "gglab", "j2")
local ens, tl, ll = get("sweep_seed100", "torch_ensemble"), get("sweep_seed100", "torch", "loop"),
  get("sweep_seed100", "libtorch")
if j1 then
  out(string.format("%-34s %7.1f;%6.1f %14s %14s %6s %6s  %-30s %s", "100x100 sweep -j1 (ms)", j1.min * 1e3, j1.median * 1e3,
    ens and string.format("%.0f ens.", ens.min * 1e3) or "-", ll and string.format("%.0f", ll.min * 1e3) or "-",
    ratio(ens and ens.min, j1.min), ratio(ll and ll.min, j1.min), "<= 80 ms, >= 3x torch ensemble",
    verdict(j1.min <= 0.08 and ens and ens.min / j1.min >= 3)))
  if tl then
    out(string.format("%-34s %14s %14s %13s", "  (PyTorch one run after another)", "", string.format("%.0f loop", tl.min * 1e3),
      ratio(tl.min, j1.min)))
  end
  for _, v in ipairs { "j1_tmpfs", "j1_flush" } do
    local r = get("sweep_seed100", "gglab", v)
    if r then out(string.format("%-34s %7.1f;%6.1f", "  variant " .. v .. " (ms)", r.min * 1e3, r.median * 1e3)) end
  end
elseif all then
  missing = missing + 1
end
if j1 and j2 then
  out(string.format("%-34s %7.1f;%6.1f %14s %14s %13s  %-30s %s", "same sweep -j2 (ms)", j2.min * 1e3, j2.median * 1e3,
    "", "", ratio(j1.min, j2.min) .. " vs -j1", ">= 1.85x faster than -j1", verdict(j1.min / j2.min >= 1.85)))
end
-- issue 24's targets: the sweep with lockstep ensembles, and the ensemble kernel per run-step
local je = get("sweep_seed100", "gglab", "j1_ensemble")
if je then
  out(string.format("%-34s %7.1f;%6.1f %14s %14s %6s %6s  %-30s %s", "sweep -j1 --ensemble (ms)", je.min * 1e3,
    je.median * 1e3, ens and string.format("%.0f ens.", ens.min * 1e3) or "-", "", ratio(ens and ens.min, je.min),
    j1 and ratio(j1.min, je.min) .. " j1" or "", "<= 60 ms, >= 10x torch ensemble",
    verdict(je.min <= 0.06 and ens ~= nil and ens.min / je.min >= 10)))
end
for _, r in ipairs(rows) do
  if r.impl == "gglab_ensemble" then
    local solo = get("mlp_10_50_100_2", "gglab_solo", r.isa)
    out(string.format("%-34s %7.2f;%6.2f %14s %14s %6s %6s  %-30s %s", "ensemble run-step " .. r.isa .. " (us)", r.min,
      r.median, solo and string.format("%.2f solo", solo.min) or "-", "", ratio(solo and solo.min, r.min), "",
      "<= 2.5 us/run-step", verdict(r.min <= 2.5)))
  end
end
local ov = get("run_overhead", "gglab")
if ov then
  out(string.format("%-34s %7.3f;%6.3f %45s  %-30s %s", "per-run overhead (ms)", ov.min, ov.median, "", "<= 0.3 ms",
    verdict(ov.min <= 0.3)))
end
local rw = get("rss_worker", "gglab")
if rw then
  out(string.format("%-34s %14s %45s  %-30s %s", "worker peak RSS (MiB)", string.format("%.1f", rw.min / 1024), "",
    "<= 10 MiB", verdict(rw.min <= 10240)))
end
if peak then
  local ps = {}
  for _, p in ipairs(peaks) do ps[#ps + 1] = string.format("%.0f", p) end
  out(string.format("measured peak: %.1f GFLOP/s (one core, fp32 FMA; the highest of %s in this run)", peak,
    table.concat(ps, ", ")))
end
print(table.concat(lines, "\n"))
print("wrote " .. csv_path)
os.exit(missing == 0 and 0 or 1)
