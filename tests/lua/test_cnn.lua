-- tests/lua/test_cnn.lua — the graph-core model API end to end on images, asserting numbers:
-- a LeNet on the digits images learns them (a fixed accuracy after a fixed number of
-- epochs from fixed seeds) and its epoch losses come out bit for bit the same on a second
-- run; a ResNet-style model (residual blocks, one with a projection shortcut, BatchNorm2d)
-- trains; a custom loss written with symbolic tensors gives the built-in loss's bits; the
-- errors of common mistakes name the layer or argument and the caller's line; frozen
-- layers (requires_grad = false) keep their weights through training under every
-- optimizer; model:parameters() lists a conv model's tensors in PyTorch's order and shapes.

local T = require "check"
local gg = require "gglab"

local digits = assert(gg.data.digits { image = true, scale = 1 / 16 })
local train, val = digits:split(0.25, { seed = 1 })
T.eq("digits images: 1797 samples of shape (1, 8, 8)", { digits:n(), digits:shape() }, { 1797, { 1, 8, 8 } })

-- Every value of a list of 2-D tensors, flattened in order.
local function values(list)
  local out = {}
  for _, t in ipairs(list) do
    for _, row in ipairs(t:totable()) do
      for _, v in ipairs(row) do out[#out + 1] = v end
    end
  end
  return out
end

-- ---- LeNet on digits: accuracy, and bit-identical epoch losses on a second run ----

local function lenet()
  return gg.nn.sequential({
    gg.nn.conv2d(1, 6, 3, { padding = 1 }), gg.nn.relu(), gg.nn.maxpool2d(2),
    gg.nn.conv2d(6, 16, 3, { padding = 1 }), gg.nn.relu(), gg.nn.maxpool2d(2),
    gg.nn.flatten(), gg.nn.linear(64, 120), gg.nn.relu(), gg.nn.linear(120, 84), gg.nn.relu(),
    gg.nn.linear(84, 10),
  }, { input = { 1, 8, 8 }, seed = 1 })
end

local function fit_lenet()
  local m = lenet()
  local h = gg.train { model = m, data = train, val = val, loss = "cross_entropy", batch_size = 32, epochs = 6,
    seed = 1, optimizer = gg.optim.adam(m, { lr = 0.01 }) }
  return m, h
end

local m1, h1 = fit_lenet()
local m2, h2 = fit_lenet()
T.eq("LeNet: 6 epochs of 43 steps (1347 rows, batch 32)", { #h1.epoch_loss, h1.steps }, { 6, 6 * 43 })
T.ok("LeNet: no divergence", not h1.diverged)
T.ok("LeNet: starts near chance (ln 10 = 2.30)", h1.epoch_loss[1] > 1.5 and h1.epoch_loss[1] < 2.4)
T.ok("LeNet: the last epoch's loss < 1/5 of the first", h1.epoch_loss[6] < h1.epoch_loss[1] / 5)
local acc = gg.accuracy(m1, val)
print(string.format("LeNet: epoch losses %s; validation accuracy %.4f", table.concat(h1.epoch_loss, " "), acc))
T.ok("LeNet: validation accuracy >= 0.9 after 6 epochs", acc >= 0.9)
T.eq("LeNet: the epoch losses of a second run, bit for bit", h2.epoch_loss, h1.epoch_loss)
T.eq("LeNet: the step losses of a second run, bit for bit", h2.loss, h1.loss)
T.eq("LeNet: the validation losses of a second run, bit for bit", h2.val_loss, h1.val_loss)
T.eq("LeNet: the trained parameters of a second run, bit for bit", values(m2:parameters()), values(m1:parameters()))
T.eq("LeNet: the same validation accuracy", gg.accuracy(m2, val), acc)

-- A model built with the same seed starts from the same weights; another seed does not.
local a, b = values(lenet():parameters()), values(gg.nn.sequential({ gg.nn.conv2d(1, 6, 3, { padding = 1 }) },
  { input = { 1, 8, 8 }, seed = 2 }):parameters())
T.eq("LeNet: the same seed gives the same initial weights", values(lenet():parameters()), a)
T.ok("another seed gives other initial weights", a[1] ~= b[1] or a[2] ~= b[2])

-- ---- a ResNet-style model trains ----

local function resnet()
  return gg.nn.sequential({
    gg.nn.conv2d(1, 8, 3, { padding = 1, bias = false }), gg.nn.batchnorm2d(8), gg.nn.relu(),
    gg.nn.residual { gg.nn.conv2d(8, 8, 3, { padding = 1, bias = false }), gg.nn.batchnorm2d(8), gg.nn.relu(),
      gg.nn.conv2d(8, 8, 3, { padding = 1, bias = false }), gg.nn.batchnorm2d(8), activation = gg.nn.relu() },
    gg.nn.residual { gg.nn.conv2d(8, 16, 3, { padding = 1, stride = 2, bias = false }), gg.nn.batchnorm2d(16),
      gg.nn.relu(), gg.nn.conv2d(16, 16, 3, { padding = 1, bias = false }), gg.nn.batchnorm2d(16),
      projection = { gg.nn.conv2d(8, 16, 1, { stride = 2, bias = false }), gg.nn.batchnorm2d(16) },
      activation = gg.nn.relu() },
    gg.nn.avgpool2d(4), gg.nn.flatten(), gg.nn.linear(16, 10),
  }, { input = { 1, 8, 8 }, seed = 2 })
end

local r = resnet()
-- conv 72 + bn 16; block 1: 2 x (576 + 16); block 2: 1152 + 32 + 2304 + 32, projection 128 + 32;
-- linear 160 + 10
T.eq("ResNet: parameter count", r:nparams(), 72 + 16 + 2 * (576 + 16) + 1152 + 32 + 2304 + 32 + 128 + 32 + 170)
T.eq("ResNet: 20 parameter tensors (6 convs, 6 BatchNorm2d x 2, linear weight and bias)", #r:parameters(), 20)
T.eq("ResNet: 12 buffers (running mean and variance of 6 BatchNorm2d)", #r:buffers(), 12)
T.eq("ResNet: output shape", r:output_shape(), { 10 })
local buffers0 = values(r:buffers())
local hr = gg.train { model = r, data = train, val = val, loss = "cross_entropy", batch_size = 32, epochs = 3, seed = 2,
  optimizer = gg.optim.adam(r, { lr = 0.01 }) }
local racc = gg.accuracy(r, val)
print(string.format("ResNet: epoch losses %s; validation accuracy %.4f", table.concat(hr.epoch_loss, " "), racc))
T.ok("ResNet: no divergence", not hr.diverged)
T.ok("ResNet: the last epoch's loss < 1/4 of the first", hr.epoch_loss[3] < hr.epoch_loss[1] / 4)
T.ok("ResNet: validation accuracy >= 0.85 after 3 epochs", racc >= 0.85)
T.ok("ResNet: BatchNorm2d running statistics moved", values(r:buffers())[1] ~= buffers0[1])
local r2 = resnet()
local hr2 = gg.train { model = r2, data = train, val = val, loss = "cross_entropy", batch_size = 32, epochs = 3, seed = 2,
  optimizer = gg.optim.adam(r2, { lr = 0.01 }) }
T.eq("ResNet: the epoch losses of a second run, bit for bit", hr2.epoch_loss, hr.epoch_loss)
T.eq("ResNet: the running statistics of a second run, bit for bit", values(r2:buffers()), values(r:buffers()))
r:eval()
local y1, y2 = r:forward(val:x()), r:forward(val:x())
T.eq("ResNet: evaluation mode is deterministic", values { y1 }, values { y2 })

-- ---- a custom loss with symbolic tensors gives the built-in loss's bits ----

local reg = gg.data.from_tensors(digits:x(), digits:y()):reshape { 1, 8, 8 }:subset(1, 256)
local function fit_reg(loss)
  local m = gg.nn.sequential({ gg.nn.conv2d(1, 4, 3), gg.nn.relu(), gg.nn.flatten(), gg.nn.linear(144, 1) },
    { input = { 1, 8, 8 }, seed = 3 })
  return gg.train { model = m, data = reg, loss = loss, batch_size = 32, epochs = 3, seed = 3,
    optimizer = gg.optim.sgd(m, { lr = 0.001 }) }
end
local builtin = fit_reg("mse")
local custom = fit_reg(function(pred, target) return ((pred - target) ^ 2):mean() end)
T.ok("custom MSE: the loss falls", builtin.epoch_loss[3] < builtin.epoch_loss[1])
T.eq("custom MSE = loss \"mse\", every step bit for bit", custom.loss, builtin.loss)

-- ---- errors of common mistakes: the layer or argument, and the caller's line ----

-- raises(name, fn, text): fn must raise an error containing text (plain) and starting with
-- this file's name and the line fn recorded in `line` (the line of the offending call).
local line
local function here() return debug.getinfo(2, "l").currentline end
local function raises(name, fn, text)
  line = nil
  local ok, err = pcall(fn)
  err = tostring(err)
  T.ok(name .. ": raises", not ok)
  T.ok(name .. ": message names it (" .. err .. ")", err:find(text, 1, true) ~= nil)
  if line then
    T.ok(name .. ": at the caller's line " .. line .. " (" .. err .. ")",
      err:find("^[^:]*test_cnn%.lua:" .. line .. ": ") ~= nil)
  end
end

raises("conv first, no input shape", function()
  line = here() gg.nn.sequential { gg.nn.conv2d(1, 6, 3), gg.nn.relu() }
end, "gg.nn.sequential: layer 1 must be linear (it fixes the input width); a model starting with conv2d needs "
  .. "input = {per-sample shape}, e.g. input = {1, 8, 8}")
raises("channel mismatch", function()
  line = here() gg.nn.sequential({ gg.nn.conv2d(1, 6, 3), gg.nn.relu(), gg.nn.conv2d(4, 8, 3) }, { input = { 1, 8, 8 } })
end, "gg.nn.sequential: layer 3: conv2d expects 4 input channels but the previous layer gives 6")
raises("channel mismatch with the input", function()
  line = here() gg.nn.sequential({ gg.nn.conv2d(3, 6, 3) }, { input = { 1, 8, 8 } })
end, "gg.nn.sequential: layer 1: conv2d expects 3 input channels but the previous layer gives 1")
raises("linear after flatten, wrong width", function()
  line = here() gg.nn.sequential({ gg.nn.conv2d(1, 4, 3), gg.nn.flatten(), gg.nn.linear(100, 10) }, { input = { 1, 8, 8 } })
end, "gg.nn.sequential: layer 3: linear expects 100 inputs but the previous layer gives 144")
raises("residual shape mismatch", function()
  line = here() gg.nn.sequential({ gg.nn.conv2d(1, 4, 3, { padding = 1 }),
    gg.nn.residual { gg.nn.conv2d(4, 8, 3, { padding = 1 }) } }, { input = { 1, 8, 8 } })
end, "gg.nn.sequential: layer 2: residual: the layers give (B, 8, 8, 8) but the shortcut (B, 4, 8, 8); add projection = {...}")
raises("residual projection mismatch", function()
  line = here() gg.nn.sequential({ gg.nn.conv2d(1, 4, 3, { padding = 1 }),
    gg.nn.residual { gg.nn.conv2d(4, 8, 3, { padding = 1 }), projection = { gg.nn.conv2d(4, 8, 1, { stride = 2 }) } } },
    { input = { 1, 8, 8 } })
end, "residual: the layers give (B, 8, 8, 8) but the shortcut (B, 8, 4, 4); make the projection match")
raises("bad padding string", function()
  line = here() gg.nn.conv2d(1, 4, 3, { padding = "full" })
end, "gg.nn.conv2d: padding must be 'same', 'valid', an integer >= 0 or a list of 2, got 'full'")
raises("negative padding", function()
  line = here() gg.nn.conv2d(1, 4, 3, { padding = -1 })
end, "gg.nn.conv2d: padding must be an integer >= 0 or a list of 2, got -1")
raises("unknown conv option", function()
  line = here() gg.nn.conv2d(1, 4, 3, { pad = 1 })
end, "gg.nn.conv2d: unknown option 'pad'")
raises("bad padding inside a list", function()
  line = here() gg.nn.sequential({ { kind = "conv2d", ["in"] = 1, out = 4, kernel_size = 3, padding = "full" } },
    { input = { 1, 8, 8 } })
end, "padding must be 'same', 'valid', an integer >= 0 or a list of 2, got 'full'")
raises("kernel larger than the input", function()
  line = here() gg.nn.sequential({ gg.nn.conv2d(1, 4, 9) }, { input = { 1, 8, 8 } })
end, "gg.nn.sequential: layer 1: conv2d kernel 9 (dilation 1) is larger than the padded input 8")
raises("pool kernel larger than its input", function()
  line = here() gg.nn.sequential({ gg.nn.conv2d(1, 4, 3), gg.nn.maxpool2d(7) }, { input = { 1, 8, 8 } })
end, "gg.nn.sequential: layer 2: maxpool2d kernel 7 is larger than the padded input 6")
-- In a custom layer the op names itself (gglab.Sym:<op> / gg.op.<op>) and the dim; the
-- line is that of the gg.nn.sequential call that builds the model.
raises("custom op: sum over a dim out of range", function()
  line = here() gg.nn.sequential({ gg.nn.custom(function(x) return x:sum(4) end) }, { input = { 1, 8, 8 } })
end, "gglab.Sym:sum: layer 1: sum dim 4 is out of range for a 4-d input")
raises("custom op: softmax over a negative dim out of range", function()
  line = here() gg.nn.sequential({ gg.nn.custom(function(x) return x:softmax(-5) end) }, { input = { 1, 8, 8 } })
end, "gglab.Sym:softmax: layer 1: softmax dim -5 is out of range for a 4-d input")
raises("custom op: transpose out of range", function()
  line = here() gg.nn.sequential({ gg.nn.custom(function(x) return x:transpose(1, 4) end) }, { input = { 1, 8, 8 } })
end, "gglab.Sym:transpose: dims 1 and 4 out of range for a 4-d tensor")
raises("custom op: slice out of range", function()
  line = here() gg.nn.sequential({ gg.nn.custom(function(x) return x:slice(4, 0, 2) end) }, { input = { 1, 8, 8 } })
end, "gglab.Sym:slice: layer 1: slice dim 4 is out of range for a 4-d input")
raises("custom op: concat out of range", function()
  line = here() gg.nn.sequential({ gg.nn.custom(function(x) return gg.op.concat({ x, x }, 9) end) }, { input = { 1, 8, 8 } })
end, "gg.op.concat: layer 1: concat dim 9 is out of range for a 4-d input")
raises("custom op: a parameter that does not broadcast", function()
  -- the error points at the op's own line inside the custom layer
  line = here() + 1 gg.nn.sequential({ gg.nn.conv2d(1, 4, 3), gg.nn.custom(function(x, nn)
    return x * nn.param { shape = { 5 } } end) }, { input = { 1, 8, 8 } })
end, "gg.op.mul: layer 2: mul cannot broadcast (B, 4, 6, 6) with (5)")
raises("custom layer returning a number", function()
  line = here() gg.nn.sequential({ gg.nn.custom(function() return 1 end, { name = "broken" }) }, { input = { 1, 8, 8 } })
end, "gg.nn.sequential: layer 1: custom layer 'broken' must return a symbolic tensor, got 1")
local small = digits:subset(1, 64)
local lin = gg.nn.sequential({ gg.nn.flatten(), gg.nn.linear(64, 10) }, { input = { 1, 8, 8 }, seed = 1 })
raises("custom loss returning a non-scalar", function()
  line = here() gg.train { model = lin, data = small, optimizer = gg.optim.sgd(lin), loss = function(pred, target)
    return (pred - target) ^ 2 end }
end, "gg.train: loss function must return a scalar, got shape {-1, 10}: reduce it with :mean() or :sum()")
raises("custom loss returning a number", function()
  line = here() gg.train { model = lin, data = small, optimizer = gg.optim.sgd(lin), loss = function() return 3 end }
end, "gg.train: loss function must return a symbolic tensor (e.g. ((pred - target)^2):mean()), got 3")
local le = lenet()
raises("an image model given rows of the wrong width", function()
  line = here() gg.train { model = le, data = gg.data.classification { n = 8, features = 10, classes = 10 },
    optimizer = gg.optim.sgd(le), loss = "cross_entropy" }
end, "gg.train: data has 10 features but the model takes 64 inputs (per-sample shape {1, 8, 8})")

-- ---- frozen layers keep their weights ----

local OPTIMIZERS = {
  sgd = function(m) return gg.optim.sgd(m, { lr = 0.1, momentum = 0.9, weight_decay = 0.01 }) end,
  adam = function(m) return gg.optim.adam(m, { lr = 0.01, weight_decay = 0.01 }) end,
  adamw = function(m) return gg.optim.adamw(m, { lr = 0.01 }) end,
}
for _, name in ipairs { "sgd", "adam", "adamw" } do
  local m = gg.nn.sequential({
    gg.nn.conv2d(1, 4, 3, { requires_grad = false }), gg.nn.batchnorm2d(4, { requires_grad = false }), gg.nn.relu(),
    gg.nn.conv2d(4, 4, 3), gg.nn.relu(), gg.nn.flatten(), gg.nn.linear(64, 10),
  }, { input = { 1, 8, 8 }, seed = 4 })
  local before = m:parameters()
  local bufs = values(m:buffers())
  gg.train { model = m, data = small, optimizer = OPTIMIZERS[name](m), loss = "cross_entropy", epochs = 2, seed = 4 }
  local after = m:parameters()
  local kept = {}
  for i = 1, #before do
    local x, y = values { before[i] }, values { after[i] }
    kept[i] = #x > 0 and table.concat(x, ",") == table.concat(y, ",")
  end
  -- conv1 weight, conv1 bias, bn weight, bn bias frozen; conv2 weight, bias, linear weight, bias trained
  T.eq(name .. " (weight decay): frozen conv and BatchNorm2d parameters kept, the others changed", kept,
    { true, true, true, true, false, false, false, false })
  T.ok(name .. ": the frozen BatchNorm2d still updates its running statistics (as PyTorch)",
    values(m:buffers())[1] ~= bufs[1])
  local g = m:grads()
  T.eq(name .. ": the frozen conv's gradient stays 0", values { g[1] }[1], 0.0)
end

-- ---- model:parameters(): PyTorch's named_parameters order and shapes ----

local LENET_BN = {
  gg.nn.conv2d(1, 6, 3, { padding = 1 }), gg.nn.relu(), gg.nn.maxpool2d(2),
  gg.nn.conv2d(6, 16, 3, { padding = 1, bias = false }), gg.nn.batchnorm2d(16), gg.nn.relu(),
  gg.nn.maxpool2d(2), gg.nn.flatten(), gg.nn.linear(64, 120), gg.nn.relu(), gg.nn.linear(120, 10),
}
local lenet_bn = gg.nn.sequential(LENET_BN, { input = { 1, 8, 8 }, seed = 1 })
local shapes = {}
for i, p in ipairs(lenet_bn:parameters()) do shapes[i] = { p:rows(), p:cols() } end
-- conv1.weight (6,1,3,3) as (6, 9), conv1.bias (6); conv2.weight (16,6,3,3) as (16, 54), no
-- bias; bn.weight, bn.bias (16); fc1.weight (120, 64), fc1.bias; fc2.weight (10, 120), fc2.bias
T.eq("parameters(): order and (dim0, rest) shapes", shapes,
  { { 6, 9 }, { 1, 6 }, { 16, 54 }, { 1, 16 }, { 1, 16 }, { 120, 64 }, { 1, 120 }, { 10, 120 }, { 1, 10 } })
T.eq("nparams() = the sum of the shapes", lenet_bn:nparams(), 54 + 6 + 864 + 16 + 16 + 7680 + 120 + 1200 + 10)
local pv = lenet_bn:parameters()
local bn_w, bn_b = values { pv[4] }, values { pv[5] }
T.eq("BatchNorm2d starts with weight 1 and bias 0", { bn_w[1], bn_w[16], bn_b[1], bn_b[16] }, { 1.0, 1.0, 0.0, 0.0 })
local bound = 1 / math.sqrt(9)  -- kaiming_uniform(a = sqrt 5): U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = 1*3*3
local inside = true
for _, v in ipairs(values { pv[1], pv[2] }) do inside = inside and math.abs(v) <= bound end
T.ok("conv1 weight and bias within PyTorch's default bound 1/sqrt(fan_in = 9)", inside)
T.eq("buffers(): BatchNorm2d running mean and variance, (1, 16) each", { #lenet_bn:buffers(),
  lenet_bn:buffers()[1]:cols(), lenet_bn:buffers()[2]:cols() }, { 2, 16, 16 })
-- load_parameters round trip: a second model given the first's parameters computes the same.
local other = gg.nn.sequential(LENET_BN, { input = { 1, 8, 8 }, seed = 9 })
T.ok("another seed, other initial weights", values(other:parameters())[1] ~= values(lenet_bn:parameters())[1])
other:load_parameters(lenet_bn:parameters())
lenet_bn:eval()
other:eval()
T.eq("load_parameters: the same outputs, bit for bit", values { other:forward(val:x()) },
  values { lenet_bn:forward(val:x()) })
raises("load_parameters with too few tensors", function()
  line = here() other:load_parameters { gg.tensor(6, 9) }
end, "gglab.Model:load_parameters: expected 9 tensors, got 1")
local wrong = lenet_bn:parameters()
wrong[3] = gg.tensor(16, 9)
raises("load_parameters with a wrong shape names the tensor and its shape", function()
  line = here() other:load_parameters(wrong)
end, "tensor 3 must be a 16x54 gglab.Tensor")

T.done()
