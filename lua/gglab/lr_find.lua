--[[ lua/gglab/lr_find.lua — gg.lr_find{...}: fastai's learning-rate range test.
  Trains one mini-batch per step with the learning rate growing exponentially from
  start_lr towards end_lr (step i of n uses start·(end/start)^(i/n), i = 0..n-1, as
  fastai's LRFinder), records each step's loss, smooths it with a bias-corrected EMA
  (beta 0.98: avg = beta·avg + (1−beta)·loss, smoothed = avg/(1−beta^(i+1))) and stops
  after the step whose smoothed loss exceeds stop_factor (4) × the best smoothed loss so
  far, or whose loss is NaN/inf. The stepping is gg.train_epoch over one batch at a time
  (full batches of a fresh permutation per pass, like a DataLoader with drop_last).
  Afterwards the model's parameters, BatchNorm buffers and mode and the optimizer's
  config and state (opt:clone / opt:load_state) are put back; only the dropout generator
  and the shuffling stream have advanced. The suggestions follow fastai 2.x
  (fastai/callback/schedule.py) on the smoothed losses of points [n//10 : −5] (Python
  slice: skip the first tenth of the requested steps and the last 5 recorded), cut at the
  first NaN:
    valley  — fastai's default: the longest decreasing run (as a longest decreasing
              subsequence ending at each point), then the point 1/3 + 1/6 of the way along;
    minimum — the lr of the smallest loss, divided by 10;
    steep   — the lr where the loss falls fastest per unit of log lr. ]]
local gg = require "gglab"
local args = require "gglab.lib.args"

local M = {}

local KEYS = { "model", "data", "loss", "optimizer", "batch_size", "start_lr", "end_lr", "steps",
  "beta", "stop_factor", "seed", "rng", "log", "l1", "l2" }
local describe = args.describe

-- Raised from check (level 4: fail <- check <- M.lr_find <- the caller's line) or from a
-- helper of check (level 5).
local function fail(msg, level) error("gg.lr_find: " .. msg, level or 4) end


local function check(opts)
  if type(opts) ~= "table" then fail("expected an option table, got " .. describe(opts)) end
  args.check_options("gg.lr_find", opts, KEYS, 3)
  args.object("gg.lr_find", opts, "model", "gglab.Model", nil, 3)
  args.object("gg.lr_find", opts, "data", "gglab.Dataset", nil, 3)
  args.object("gg.lr_find", opts, "optimizer", "gglab.Optim", nil, 3)
  if opts.optimizer:model() ~= opts.model then fail("optimizer was built for another model") end
  if opts.log ~= nil and (type(opts.log) ~= "table" or type(opts.log.log) ~= "function") then
    fail("log must be the run context passed to the run function, got " .. describe(opts.log))
  end
  local F = "gg.lr_find"
  local c = {
    start_lr = args.positive(F, opts, "start_lr", 1e-7, 3), end_lr = args.positive(F, opts, "end_lr", 10, 3),
    stop_factor = args.positive(F, opts, "stop_factor", 4, 3),
  }
  if c.end_lr <= c.start_lr then
    fail(string.format("end_lr must be larger than start_lr, got %s <= %s", describe(c.end_lr), describe(c.start_lr)))
  end
  c.steps = args.integer(F, opts, "steps", 100, 1, nil, 3)
  c.batch_size = math.min(args.integer(F, opts, "batch_size", 32, 1, nil, 3), opts.data:n())
  local beta = opts.beta
  if beta ~= nil and (type(beta) ~= "number" or not (beta >= 0 and beta < 1)) then
    fail("beta must be a number in [0, 1), got " .. describe(beta))
  end
  c.beta = beta or 0.98
  return c
end

-- fastai's suggestion rules over lrs[i], losses[i] (lists of equal length >= 2).
local function valley(lrs, losses)
  local n = #losses
  local max_start, max_end = 1, 1
  local lds = {}
  for i = 1, n do lds[i] = 1 end
  for i = 2, n do
    for j = 1, i - 1 do
      if losses[i] < losses[j] and lds[i] < lds[j] + 1 then lds[i] = lds[j] + 1 end
      if lds[max_end] < lds[i] then
        max_end = i
        max_start = max_end - lds[max_end]
      end
    end
  end
  local sections = (max_end - max_start) / 3
  -- fastai's index is 0-based and can reach -1 (Python's last element) for a valley of
  -- length <= 2 starting at the first point; clamp to the first point instead.
  local idx = math.max(1, max_start + math.floor(sections) + math.floor(sections / 2))
  return lrs[idx], idx
end

local function minimum(lrs, losses)
  local best = 1
  for i = 2, #losses do
    if losses[i] < losses[best] then best = i end
  end
  return lrs[best] / 10, best
end

local function steep(lrs, losses)
  local best, bg = 1, math.huge
  for i = 1, #losses - 1 do
    local g = (losses[i + 1] - losses[i]) / (math.log(lrs[i + 1]) - math.log(lrs[i]))
    if g < bg then best, bg = i, g end
  end
  return lrs[best], best
end

--[[ suggest(lrs, smoothed, steps) → {valley, minimum, steep} or nil when fewer than 2
  points remain: fastai's window [steps//10 : −5] of the recorded points, cut at the
  first NaN. Exposed for tests. ]]
function M.suggest(lrs, smoothed, steps)
  local a, b = steps // 10 + 1, #smoothed - 5
  local xs, ys = {}, {}
  for i = a, b do
    local l = smoothed[i]
    if l ~= l then break end
    xs[#xs + 1], ys[#ys + 1] = lrs[i], l
  end
  if #ys < 2 then return nil end
  return { valley = valley(xs, ys), minimum = minimum(xs, ys), steep = steep(xs, ys) }
end

-- Fisher-Yates over 1..n with r:integer.
local function permutation(r, n)
  local p = {}
  for i = 1, n do p[i] = i end
  for i = n, 2, -1 do
    local j = r:integer(i)
    p[i], p[j] = p[j], p[i]
  end
  return p
end

--[[ gg.lr_find{model=, data=, optimizer=, loss="mse", batch_size=32, start_lr=1e-7,
  end_lr=10, steps=100, beta=0.98, stop_factor=4, seed=|rng=, l1=, l2=, log=run}
  → {lrs = {...}, losses = {...}, smoothed = {...}, suggestions = {valley=, minimum=,
     steep=} (nil if too few points), stopped = "diverged" | "steps", best = smoothed min}
  With log, the test is logged as curves lr_find_lr, lr_find_loss and lr_find_smoothed
  at steps 1..n. seed = s or rng = r is the shuffling stream (without either: gg.rng(0)). ]]
function M.lr_find(opts)
  local c = check(opts)
  local model, opt, data = opts.model, opts.optimizer, opts.data
  local r = opts.seed and gg.rng(opts.seed) or opts.rng or gg.rng(0)
  -- What is put back afterwards.
  local params, buffers, snapshot, training = model:parameters(), model:buffers(), opt:clone(), model:training()
  model:train()
  local res = { lrs = {}, losses = {}, smoothed = {}, stopped = "steps" }
  local n, bs = data:n(), c.batch_size
  local perm, pos = permutation(r, n), 0
  local avg, best = 0, math.huge
  local ratio = c.end_lr / c.start_lr
  local ok, err = pcall(function()
    for i = 0, c.steps - 1 do
      if pos + bs > n then perm, pos = permutation(r, n), 0 end
      local batch = table.move(perm, pos + 1, pos + bs, 1, {})
      pos = pos + bs
      local lr = c.start_lr * ratio ^ (i / c.steps)
      opt:set_lr(lr)
      local losses = gg.train_epoch(model, opt, data, { loss = opts.loss, order = { batch },
        l1 = opts.l1, l2 = opts.l2 })
      local l = losses[1]
      avg = c.beta * avg + (1 - c.beta) * l
      local sm = avg / (1 - c.beta ^ (i + 1))
      local k = i + 1
      res.lrs[k], res.losses[k], res.smoothed[k] = lr, l, sm
      if opts.log then
        opts.log:log("lr_find_lr", lr, k)
        opts.log:log("lr_find_loss", l, k)
        opts.log:log("lr_find_smoothed", sm, k)
      end
      if sm < best then best = sm end
      if l ~= l or l == math.huge or l == -math.huge or sm > c.stop_factor * best then
        res.stopped = "diverged"
        break
      end
    end
  end)
  model:load_parameters(params)
  model:load_buffers(buffers)
  opt:load_state(snapshot)
  if training then model:train() else model:eval() end
  if not ok then error(err, 0) end
  res.best = best
  res.suggestions = M.suggest(res.lrs, res.smoothed, c.steps)
  return res
end

return M
