-- tests/lua/test_flush_denormal.lua — gg.set_flush_denormal (torch.set_flush_denormal) and
-- the experiment option flush_denormal: subnormal floats are kept (IEEE, PyTorch's
-- default) unless asked, the runner resets the mode before every run, and the option
-- reaches every worker and the manifest.

local T = require "check"
local gg = require "gglab"

local GGLAB = os.getenv("GGLAB") or "build/gglab"

-- y = w x + b with w = x = 1e-20: the product 1e-40 is a subnormal float.
local function tiny_product()
  local m = gg.nn.sequential { gg.nn.linear(1, 1) }
  local w, b = gg.tensor(1, 1), gg.tensor(1, 1)
  w:set(1, 1, 1e-20)
  m:load_parameters { w, b }
  local x = gg.tensor(1, 1)
  x:set(1, 1, 1e-20)
  return m:forward(x):get(1, 1)
end

T.eq("off by default", gg.flush_denormal(), false)
local ieee = tiny_product()
T.ok("IEEE by default: 1e-20 * 1e-20 is the subnormal ~1e-40", ieee > 0 and math.abs(ieee - 1e-40) < 1e-44)
local supported = gg.set_flush_denormal(true)
T.eq("supported on x86-64", supported, true)
T.eq("now on", gg.flush_denormal(), true)
T.eq("flushed: the product is 0", tiny_product(), 0.0)
T.eq("set_flush_denormal(false) returns true", gg.set_flush_denormal(false), true)
T.eq("off again", gg.flush_denormal(), false)
T.eq("IEEE again, same bits", tiny_product(), ieee)
T.raises("a non-boolean argument is an error", function() gg.set_flush_denormal(1) end, "boolean expected")
T.raises("gg.experiment checks the option's type", function()
  gg.experiment { name = "x", sweep = { a = { 1 } }, run = function() end, flush_denormal = "yes" }
end, "flush_denormal must be true or false")

-- Through the runner: runs alternate between setting the mode themselves and not; each
-- logs the mode it started with and the tiny product, at -j 1 (one worker runs them all).
local tmp = T.tmpdir()
local function write_exp(flush)
  local path = tmp .. "/exp_" .. tostring(flush) .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(string.format([[
local gg = require "gglab"
return gg.experiment {
  name = "fd", flush_denormal = %s,
  sweep = gg.grid { i = gg.linspace(1, 6, 6) },
  run = function(p, run)
    run:log("started_flushed", gg.flush_denormal() and 1 or 0, 1)
    if p.i %% 2 == 1 then gg.set_flush_denormal(not gg.flush_denormal()) end  -- meddle
    local m = gg.nn.sequential { gg.nn.linear(1, 1) }
    local w, b = gg.tensor(1, 1), gg.tensor(1, 1)
    w:set(1, 1, 1e-20)
    m:load_parameters { w, b }
    local x = gg.tensor(1, 1)
    x:set(1, 1, 1e-20)
    run:log("tiny", m:forward(x):get(1, 1) > 0 and 1 or 0, 1)
  end,
}
]], tostring(flush)))
  f:close()
  return path
end

for _, flush in ipairs { false, true } do
  local out = tmp .. "/out_" .. tostring(flush)
  local ok = os.execute(string.format("%s run -q -j 1 --out %s %s >/dev/null 2>&1", GGLAB, out, write_exp(flush)))
  T.ok("flush_denormal=" .. tostring(flush) .. ": the sweep runs", ok)
  local started, tiny = {}, {}
  for line in io.lines(out .. "/curves.csv") do
    local metric, value = line:match(",([%w_]+),([%d.]+)$")
    if metric == "started_flushed" then started[#started + 1] = tonumber(value) end
    if metric == "tiny" then tiny[#tiny + 1] = tonumber(value) end
  end
  local want = flush and 1 or 0
  local all_start, mixed = true, false
  for i = 1, 6 do
    all_start = all_start and started[i] == want
    -- odd runs toggled the mode before computing, even ones kept the experiment's
    local expect_tiny = (i % 2 == 1) == flush and 1 or 0
    mixed = mixed or tiny[i] ~= expect_tiny
  end
  T.eq("flush_denormal=" .. tostring(flush) .. ": six runs logged", #started, 6)
  T.ok("flush_denormal=" .. tostring(flush) .. ": every run starts in the experiment's mode, whatever the run before did",
    all_start)
  T.ok("flush_denormal=" .. tostring(flush) .. ": each run computed in the mode it chose", not mixed)
  local manifest = assert(io.open(out .. "/manifest.json")):read("a")
  T.ok("the manifest records flush_denormal=" .. tostring(flush),
    manifest:find('"flush_denormal": *' .. tostring(flush)) ~= nil)
end
os.execute("rm -rf " .. tmp)
T.done()
