-- tests/lua/test_roofline.lua — tests/bench/roofline.lua (docs/performance.svg from
-- bench.csv): the points, the peak line, the labels and escaping, from a fixed CSV.

local T = require "check"
package.path = "tests/bench/?.lua;" .. package.path
local roofline = require "roofline"

local tmp = os.tmpname()
local f = assert(io.open(tmp, "w"))
f:write([[
workload,impl,variant,batch,min,median,unit,gflops,pct_peak,flop_per_byte,isa
mlp_10_50_100_2,gglab,,10,7.5,7.6,us/step,45.6,38.1,1.62,avx512
mlp_10_50_100_2,torch,,10,464,465,us/step,0.74,,1.62,
mlp_10_50_100_2,libtorch,,10,276,277,us/step,1.24,,1.62,
mlp_10_50_100_2,gglab_solo,avx512,10,7.4,7.5,us/step,46.2,38.5,1.62,avx512
mlp_10_50_100_2,gglab_ensemble,avx512_x16,10,3.7,3.8,us/step,92.4,77.1,1.62,avx512
mlp_10_50_100_2,gglab_ensemble,avx2_x16,10,5.5,5.6,us/step,62.2,51.9,1.62,avx2
mlp_784_512_512_10,gglab,,128,3346,3400,us/step,153.5,128,20.5,avx512
sweep_seed100,gglab,j1,,0.22,0.23,s,,,,
rss_worker,gglab,,,6300,6300,kB,,,,
weird<name>,gglab,,1,1,1,us/step,2,,3,
peak,cpu,,,119.8,119.8,GFLOP/s,,,,
]])
f:close()
local rows = roofline.read(tmp)
T.eq("the CSV reads as 11 rows", #rows, 11)
T.eq("a field by its header name", rows[1].flop_per_byte, "1.62")
local svg, n = roofline.svg(rows)
T.eq("one point per workload and implementation with GFLOP/s (not the sweep, RSS or peak rows, nor the solo " ..
  "run-step of the ensemble bench or the ensemble on another ISA path than gglab's row)", n, 6)
local circles = select(2, svg:gsub('class="point"', ""))
T.eq("6 point circles", circles, 6)
T.eq("3 gglab labels and the ensemble's", select(2, svg:gsub('class="label"', "")), 4)
T.ok("the ensemble point is the avx512 one", svg:find("gglab_ensemble mlp_10_50_100_2: 92.4 GFLOP/s", 1, true) ~= nil
  and not svg:find("62.2 GFLOP/s", 1, true))
T.ok("the ensemble's label and legend", svg:find(">seed MLP, 16 runs<", 1, true) and svg:find("gglab, 16-run ensemble", 1, true))
T.ok("the peak line", svg:find('class="peak"', 1, true) ~= nil)
T.ok("the peak value is printed", svg:find("measured FMA peak 120 GFLOP/s", 1, true) ~= nil)
T.ok("short workload names", svg:find(">seed MLP<", 1, true) ~= nil)
T.ok("names are escaped", svg:find("weird&lt;name&gt;", 1, true) ~= nil and not svg:find("weird<name>", 1, true))
T.ok("a complete svg", svg:match("^<svg") ~= nil and svg:match("</svg>\n$") ~= nil)
T.ok("the legend names the peers", svg:find("PyTorch (Python)", 1, true) and svg:find("libtorch (C++)", 1, true))
os.remove(tmp)
T.done()
