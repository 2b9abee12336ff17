-- tests/bench/roofline.lua BENCH_CSV OUT_SVG — the roofline-style plot of
-- docs/performance.md from make bench's bench.csv (tests/bench/report.lua documents the
-- columns). x: arithmetic intensity (matmul FLOPs per estimated byte of a training step),
-- y: achieved GFLOP/s, both log scale; the measured FMA peak is the roof; one point per
-- workload and implementation (gglab, PyTorch, libtorch), labelled. Plain Lua 5.4.

local M = {}

local W, H, L, R, T, Bm = 760, 460, 70, 200, 30, 50
local COLORS = { gglab = "#d62728", gglab_ensemble = "#ff7f0e", torch = "#1f77b4", libtorch = "#2ca02c" }
local LEGEND = { gglab = "gglab", gglab_ensemble = "gglab, 16-run ensemble", torch = "PyTorch (Python)",
  libtorch = "libtorch (C++)" }
local SHORT = { mlp_10_50_100_2 = "seed MLP", linear_10_2 = "Linear 10-2", mlp_64_256_256_10 = "64-256-256-10",
  mlp_784_512_512_10 = "784-512-512-10" }

local function esc(s) return (tostring(s):gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;")) end

-- rows of the CSV as tables keyed by the header
function M.read(path)
  local f = assert(io.open(path, "r"))
  local header
  local rows = {}
  for line in f:lines() do
    local fields = {}
    for v in (line .. ","):gmatch("([^,]*),") do fields[#fields + 1] = v end
    if not header then
      header = fields
    else
      local r = {}
      for i, k in ipairs(header) do r[k] = fields[i] end
      rows[#rows + 1] = r
    end
  end
  f:close()
  return rows
end

-- svg text, number of points
function M.svg(rows)
  local peak
  local pts = {}
  -- the ensemble's points: only on the ISA path of gglab's own seed MLP row (the default one)
  local isa
  for _, r in ipairs(rows) do
    if r.impl == "gglab" and r.workload == "mlp_10_50_100_2" then isa = r.isa end
  end
  for _, r in ipairs(rows) do
    if r.workload == "peak" then peak = tonumber(r.min) end
    local x, y = tonumber(r.flop_per_byte), tonumber(r.gflops)
    if x and y and x > 0 and y > 0 and COLORS[r.impl] and (r.impl ~= "gglab_ensemble" or r.isa == isa) then
      pts[#pts + 1] = { x = x, y = y, impl = r.impl, workload = r.workload }
    end
  end
  local xmin, xmax, ymin, ymax = 0.1, 100, 0.01, 1000
  for _, p in ipairs(pts) do
    xmin, xmax = math.min(xmin, p.x / 2), math.max(xmax, p.x * 2)
    ymin, ymax = math.min(ymin, p.y / 2), math.max(ymax, p.y * 2)
  end
  if peak then ymax = math.max(ymax, peak * 2) end
  local lx0, lx1, ly0, ly1 = math.log(xmin, 10), math.log(xmax, 10), math.log(ymin, 10), math.log(ymax, 10)
  local function px(x) return L + (math.log(x, 10) - lx0) / (lx1 - lx0) * (W - L - R) end
  local function py(y) return H - Bm - (math.log(y, 10) - ly0) / (ly1 - ly0) * (H - T - Bm) end
  local o = {}
  local function add(s, ...) o[#o + 1] = string.format(s, ...) end
  add('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">', W, H, W, H)
  add('<rect width="%d" height="%d" fill="white"/>', W, H)
  add('<text x="%d" y="18" font-size="14">Training step: achieved GFLOP/s vs arithmetic intensity (one core)</text>', L)
  for e = math.ceil(lx0), math.floor(lx1) do
    local x = px(10 ^ e)
    add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>', x, T, x, H - Bm)
    add('<text x="%.1f" y="%d" text-anchor="middle">%s</text>', x, H - Bm + 16, esc(string.format("%g", 10 ^ e)))
  end
  for e = math.ceil(ly0), math.floor(ly1) do
    local y = py(10 ^ e)
    add('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>', L, y, W - R, y)
    add('<text x="%d" y="%.1f" text-anchor="end">%s</text>', L - 6, y + 4, esc(string.format("%g", 10 ^ e)))
  end
  add('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>', L, T, W - L - R, H - T - Bm)
  add('<text x="%d" y="%d" text-anchor="middle">FLOP per byte (matmul FLOPs / estimated bytes moved per step)</text>',
    L + (W - L - R) // 2, H - 12)
  add('<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle">GFLOP/s</text>', T + (H - T - Bm) // 2,
    T + (H - T - Bm) // 2)
  if peak then
    local y = py(peak)
    add('<line class="peak" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#000" stroke-dasharray="6 4"/>', L, y, W - R, y)
    add('<text x="%d" y="%.1f">measured FMA peak %.0f GFLOP/s</text>', L + 6, y - 6, peak)
  end
  for _, p in ipairs(pts) do
    local x, y = px(p.x), py(p.y)
    add('<circle class="point" cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s %s: %.3g GFLOP/s</title></circle>', x, y,
      COLORS[p.impl], esc(p.impl), esc(p.workload), p.y)
    if p.impl == "gglab" then
      add('<text class="label" x="%.1f" y="%.1f">%s</text>', x + 8, y + 4, esc(SHORT[p.workload] or p.workload))
    elseif p.impl == "gglab_ensemble" then
      add('<text class="label" x="%.1f" y="%.1f">%s</text>', x + 8, y + 4, esc((SHORT[p.workload] or p.workload) .. ", 16 runs"))
    end
  end
  local ly = T + 10
  for _, impl in ipairs { "gglab", "gglab_ensemble", "torch", "libtorch" } do
    add('<circle cx="%d" cy="%d" r="5" fill="%s"/><text x="%d" y="%d">%s</text>', W - R + 20, ly, COLORS[impl],
      W - R + 30, ly + 4, LEGEND[impl])
    ly = ly + 18
  end
  add("</svg>")
  return table.concat(o, "\n") .. "\n", #pts
end

if arg and arg[0] and arg[0]:match("roofline%.lua$") and arg[1] then
  local text, n = M.svg(M.read(arg[1]))
  local f = assert(io.open(assert(arg[2], "usage: roofline.lua BENCH_CSV OUT_SVG"), "w"))
  f:write(text)
  f:close()
  print(string.format("roofline: %d points -> %s", n, arg[2]))
end

return M
