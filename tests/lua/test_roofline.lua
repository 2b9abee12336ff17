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
mlp_784_512_512_10,gglab,,128,3346,3400,us/step,153.5,128,20.5,avx512
sweep_seed100,gglab,j1,,0.22,0.23,s,,,,
rss_worker,gglab,,,6300,6300,kB,,,,
weird<name>,gglab,,1,1,1,us/step,2,,3,
peak,cpu,,,119.8,119.8,GFLOP/s,,,,
]])
f:close()
local rows = roofline.read(tmp)
T.eq("the CSV reads as 8 rows", #rows, 8)
T.eq("a field by its header name", rows[1].flop_per_byte, "1.62")
local svg, n = roofline.svg(rows)
T.eq("one point per workload and implementation with GFLOP/s (not the sweep, RSS or peak rows)", n, 5)
local circles = select(2, svg:gsub('class="point"', ""))
T.eq("5 point circles", circles, 5)
T.eq("3 gglab labels", select(2, svg:gsub('class="label"', "")), 3)
T.ok("the peak line", svg:find('class="peak"', 1, true) ~= nil)
T.ok("the peak value is printed", svg:find("measured FMA peak 120 GFLOP/s", 1, true) ~= nil)
T.ok("short workload names", svg:find(">seed MLP<", 1, true) ~= nil)
T.ok("names are escaped", svg:find("weird&lt;name&gt;", 1, true) ~= nil and not svg:find("weird<name>", 1, true))
T.ok("a complete svg", svg:match("^<svg") ~= nil and svg:match("</svg>\n$") ~= nil)
T.ok("the legend names the peers", svg:find("PyTorch (Python)", 1, true) and svg:find("libtorch (C++)", 1, true))
os.remove(tmp)
T.done()
