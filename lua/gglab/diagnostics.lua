--[[ lua/gglab/diagnostics.lua — what gg.train{diagnostics = {...}} logs, and when.
  The numbers come from C (gg.diag.new, whose hooks run inside gg.train_epoch's loop);
  this module names them as curves, adds the two that need the loss history (loss_spike)
  or a pass over data (input_min/input_max, val_acc), and decides the steps:

    step 0            input_min, input_max (training features)
    every N-th step   grad_norm, grad_norm_clipped, grad_norm_l<i>, grad_ratio,
                      update_ratio_l<i>, update_ratio, mean_abs_update, weight_var_l<i>,
                      eff_lr, saturated_frac*, relu_zero_frac*, dead_relu_frac*,
                      zero_grad_frac, nonfinite, loss_spike, recurrent_norm*,
                      attn_max_logit_<a>*, attn_entropy_<a>*, logit_norm*
    every K-th step   sharpness, sharpness_limit
    each epoch        acc, val_acc (classification losses; val_acc with validation data)

  (* only when the model has such units; recurrent_norm: recurrent layers; attn_*:
  attention layers; logit_norm: the cross_entropy loss). <i> counts Linear layers from 1 in model order, <a> attention layers.
  Every value also goes into history.diagnostics[name] = {steps = {...}, values = {...}}.
  docs/diagnostics.md defines each metric and the published rule that reads it. ]]
local gg = require "gglab"
local stats = require "gglab.lib.stats"

local M = {}

local CLASSIFY = { cross_entropy = true, nll = true, bce = true, bce_with_logits = true }

local State = {}
State.__index = State

-- Append a value to history.diagnostics and, unless told otherwise, to the run's curves.
function State:emit(name, v, step, epoch, skip_run)
  if self.run and not skip_run then self.run:log(name, v, step, epoch) end
  local c = self.curves[name]
  if not c then
    c = { steps = {}, values = {} }
    self.curves[name] = c
  end
  c.steps[#c.steps + 1] = step
  c.values[#c.values + 1] = v
end

--[[ start(opts, loss, run, hist) → state, or nil when opts.diagnostics is absent. opts are
  gg.train's (checked), loss the loss spec gg.train_epoch gets. Logs input_min/input_max
  at step 0 and returns the gglab.Diag to pass to gg.train_epoch as state.diag. ]]
function M.start(opts, loss, run, hist)
  local dg = opts.diagnostics
  if not dg then return nil end
  local st = setmetatable({
    run = run, hist = hist, curves = {},
    every = dg.every or 1, sharpness_every = dg.sharpness_every or 0,
    spike_k = dg.spike_k or 3, spike_window = dg.spike_window or 20,
    last_spike_step = 0, records = {}, next_record = 1,
    classify = CLASSIFY[type(loss) == "table" and loss[1] or loss or "mse"] or false,
    loss = loss,
  }, State)
  st.diag = gg.diag.new(opts.model, {
    every = st.every, sharpness_every = st.sharpness_every,
    sharpness_batch = dg.sharpness_batch or 1000, sharpness_iters = dg.sharpness_iters,
    sharpness_tol = dg.sharpness_tol,
  })
  hist.diagnostics = st.curves
  local lo, hi = gg.diag.input_range(opts.data)
  st:emit("input_min", lo, 0, 0)
  st:emit("input_max", hi, 0, 0)
  return st
end

-- After each gg.train_epoch call: its records, consumed step by step by State:step.
function State:epoch_begin(info)
  self.records = info and info.diagnostics or {}
  self.next_record = 1
end

-- The median of the (up to spike_window) losses before step s; nil with fewer than 3.
local function median_before(losses, s, window)
  local w = {}
  for i = math.max(1, s - window), s - 1 do
    local l = losses[i]
    if l == l then w[#w + 1] = l end
  end
  if #w < 3 then return nil end
  return stats.median(w)
end

-- 1 if a step in (last logged spike check, step] had loss > spike_k x the median before it.
function State:loss_spike(step)
  local losses, spike = self.hist.loss, 0
  for s = self.last_spike_step + 1, step do
    local med = median_before(losses, s, self.spike_window)
    if med and losses[s] > self.spike_k * med then spike = 1 end
  end
  self.last_spike_step = step
  return spike
end

local function per_layer(st, prefix, list, step, epoch)
  for i, v in ipairs(list) do st:emit(prefix .. i, v, step, epoch) end
end

--[[ State:step(step, epoch, grad_norm_logged): log the record of this step, if there is
  one. grad_norm_logged: gg.train already logged grad_norm to the run at this step. ]]
function State:step(step, epoch, grad_norm_logged)
  local r = self.records[self.next_record]
  if not r or r.step ~= step then return end
  self.next_record = self.next_record + 1
  if step % self.every == 0 then
    self:emit("grad_norm", r.grad_norm, step, epoch, grad_norm_logged)
    self:emit("grad_norm_clipped", r.grad_norm_clipped, step, epoch)
    per_layer(self, "grad_norm_l", r.grad_norm_l, step, epoch)
    self:emit("grad_ratio", r.grad_ratio, step, epoch)
    per_layer(self, "update_ratio_l", r.update_ratio_l, step, epoch)
    self:emit("update_ratio", r.update_ratio, step, epoch)
    self:emit("mean_abs_update", r.mean_abs_update, step, epoch)
    per_layer(self, "weight_var_l", r.weight_var_l, step, epoch)
    per_layer(self, "attn_max_logit_", r.attn_max_logit_l, step, epoch)
    per_layer(self, "attn_entropy_", r.attn_entropy_l, step, epoch)
    self:emit("eff_lr", r.eff_lr, step, epoch)
    if r.saturated_frac then self:emit("saturated_frac", r.saturated_frac, step, epoch) end
    if r.relu_zero_frac then
      self:emit("relu_zero_frac", r.relu_zero_frac, step, epoch)
      self:emit("dead_relu_frac", r.dead_relu_frac, step, epoch)
    end
    self:emit("zero_grad_frac", r.zero_grad_frac, step, epoch)
    self:emit("nonfinite", r.nonfinite, step, epoch)
    self:emit("loss_spike", self:loss_spike(step), step, epoch)
    if r.recurrent_norm then self:emit("recurrent_norm", r.recurrent_norm, step, epoch) end
    if r.logit_norm then self:emit("logit_norm", r.logit_norm, step, epoch) end
  end
  if r.sharpness then
    self:emit("sharpness", r.sharpness, step, epoch)
    self:emit("sharpness_limit", r.sharpness_limit, step, epoch)
  end
end

-- After a completed epoch: training accuracy (running, over the epoch's batches) and,
-- with validation data, val_acc.
function State:epoch_end(info, step, epoch, val)
  if not self.classify then return end
  if info and info.acc then self:emit("acc", info.acc, step, epoch) end
  if val then self:emit("val_acc", gg.accuracy(self.diag:model(), val, { loss = self.loss }), step, epoch) end
end

return M
