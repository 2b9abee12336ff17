-- tests/bench/report.lua RAW CSV — make bench's summary: parses the raw lines the benches
-- printed (RAW), writes bench.csv (CSV) and prints the table of issue 11's targets, each
-- with the peers measured in the same run. A missed target prints MISS; it is not an
-- error (a benchmark is a measurement); a missing gglab figure is.
--
-- bench.csv columns: workload, impl (gglab, torch, torch_ensemble, libtorch), variant (of
-- a sweep: j1, j2, j1_tmpfs, j1_flush, loop), batch,
-- min, median, unit (us/step, s, ms/run, kB, GFLOP/s), gflops (at the min), pct_peak,
-- flop_per_byte (the roofline's x: matmul FLOPs per step over an estimate of the bytes a
-- step moves: every parameter read twice and its gradient written and read, the
-- optimizer's state read and written, each activation written and read twice).

local raw_path, csv_path = arg[1], arg[2]
assert(raw_path and csv_path, "usage: report.lua RAW CSV")

local SIZES = {
  mlp_10_50_100_2 = { 10, 50, 100, 2 }, linear_10_2 = { 10, 2 },
  mlp_64_256_256_10 = { 64, 256, 256, 10 }, mlp_784_512_512_10 = { 784, 512, 512, 10 },
}

local rows, peak = {}, nil
local function add(r) rows[#rows + 1] = r end

for line in io.lines(raw_path) do
  local impl, name, b, opt, mn, md = line:match("^(%S+) (%S+) bs(%d+) (%a+): min ([%d.]+) us/step, median ([%d.]+) us/step")
  if impl then
    add { workload = name, impl = impl, batch = tonumber(b), opt = opt, min = tonumber(mn), median = tonumber(md),
      unit = "us/step", isa = line:match("isa (%w+)") }
  end
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
  if pk then peak = tonumber(pk) end
  local par, wrk = line:match("^peak_rss parent (%d+) kB, worker (%d+) kB")
  if par then
    add { workload = "rss_parent", impl = "gglab", min = tonumber(par), median = tonumber(par), unit = "kB" }
    add { workload = "rss_worker", impl = "gglab", min = tonumber(wrk), median = tonumber(wrk), unit = "kB" }
  end
end

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
    r.pct_peak = peak and 100 * r.gflops / peak or nil
    r.flop_per_byte = f / bytes
  end
end
if peak then add { workload = "peak", impl = "cpu", min = peak, median = peak, unit = "GFLOP/s" } end

local f = assert(io.open(csv_path, "w"))
f:write("workload,impl,variant,batch,min,median,unit,gflops,pct_peak,flop_per_byte,isa\n")
local function num(x, fmt) return x and string.format(fmt or "%.6g", x) or "" end
for _, r in ipairs(rows) do
  f:write(table.concat({ r.workload, r.impl, r.variant or "", num(r.batch, "%d"), num(r.min), num(r.median), r.unit,
    num(r.gflops, "%.2f"), num(r.pct_peak, "%.1f"), num(r.flop_per_byte, "%.3f"), r.isa or "" }, ","), "\n")
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

out(string.format("%-34s %14s %14s %14s %14s  %-30s %s", "workload (min; median)", "gglab", "PyTorch", "libtorch",
  "ratios", "target", ""))
local STEPS = {
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
else
  missing = missing + 1
end
if j1 and j2 then
  out(string.format("%-34s %7.1f;%6.1f %14s %14s %13s  %-30s %s", "same sweep -j2 (ms)", j2.min * 1e3, j2.median * 1e3,
    "", "", ratio(j1.min, j2.min) .. " vs -j1", ">= 1.85x faster than -j1", verdict(j1.min / j2.min >= 1.85)))
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
if peak then out(string.format("measured peak: %.1f GFLOP/s (one core, fp32 FMA)", peak)) end
print(table.concat(lines, "\n"))
print("wrote " .. csv_path)
os.exit(missing == 0 and 0 or 1)
