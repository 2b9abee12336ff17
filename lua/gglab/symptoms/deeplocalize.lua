--[[ lua/gglab/symptoms/deeplocalize.lua — DeepLocalize (ICSE 2021) over one run's curves:
  non-finite weights, loss and gradients, and "model does not learn" (docs/symptoms.md
  lists every rule and its cause).

  M.RULES  the rules in the tool's order (see symptoms/driver.lua for the shape)
  M.ORDER  "step": the original runs per batch, so firings are ordered by step ]]

local view = require "gglab.symptoms.view"
local fmt, first_nonfinite, all_equal = view.fmt, view.first_nonfinite, view.all_equal

local M = {}

-- Wardat-ISU/DeepLocalize, "Our Callback/callbacks.py" (class DeepLocalize,
-- on_batch_end): per batch, non-finite weights, loss, gradients; "MDL" (model does not
-- learn) when the last N = 5 losses are identical, checked every 5 batches.

local DL = { window = 5 }

local function dl_not_learning(ctx)
  local s = ctx.v:series(ctx.v:step_loss_name())
  for k = DL.window, #s.values, DL.window do
    local w = table.move(s.values, k - DL.window + 1, k, 1, {})
    if all_equal(w) then
      return { step = s.steps[k], epoch = s.epochs and s.epochs[k], cause = nil,
        detail = string.format("loss %s identical over %d logged steps %s-%s", fmt(w[1]), DL.window,
          tostring(s.steps[k - DL.window + 1]), tostring(s.steps[k])) }
    end
  end
  return nil
end

local function dl_nonfinite(names)
  return function(ctx)
    local list = type(names) == "function" and names(ctx) or names
    local step, epoch, what = first_nonfinite(ctx.v, list)
    if step then return { step = step, epoch = epoch, detail = what, cause = "exploding_gradients" } end
    return nil
  end
end

local DEEPLOCALIZE = {
  { id = "nonfinite_weights", needs = { { "nonfinite" } }, check = dl_nonfinite { "nonfinite" } },
  { id = "invalid_loss", needs = { { "loss", "batch_loss" } },
    check = dl_nonfinite(function(ctx) return { ctx.v:step_loss_name() } end) },
  { id = "not_learning", needs = { { "loss", "batch_loss" } }, check = dl_not_learning },
  { id = "nonfinite_gradients", needs = { { "grad_norm" } }, check = dl_nonfinite { "grad_norm" } },
}

M.RULES = DEEPLOCALIZE
M.ORDER = "step"

return M
