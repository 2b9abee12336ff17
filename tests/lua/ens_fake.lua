--[[ tests/lua/ens_fake.lua — a stand-in for the C ensemble kernel, to test the engine's
  grouping before (and independently of) gg.train_epoch_ensemble in C.

  local fake = require "ens_fake"
  fake.install()   -- gg.ensemble_key / gg.train_epoch_ensemble become the fakes
  fake.restore()   -- back to what gg had (the real kernel, or none)

  The fake key refuses what a lockstep kernel plausibly cannot do (layers other than
  linear and activations, diagnostics, clip_norm) and otherwise names the layer kinds, the
  optimizer kind and the batch size. The fake ensemble call runs gg.train_epoch on each
  call in turn (in the scheduler, not in the runs' coroutines): equal results prove that
  the engine gives every call its own state (the default generator's stream above all).
  fake.calls counts its calls and fake.lanes the calls they carried. ]]
local gg = require "gglab"

local M = { calls = 0, lanes = 0 }

local OK_KINDS = { linear = true, relu = true, tanh = true, sigmoid = true, identity = true, leaky_relu = true,
  gelu = true, elu = true, silu = true, softplus = true }

function M.key(model, optimizer, _, opts)
  local kinds = {}
  for i, l in ipairs(model:layers()) do
    if not OK_KINDS[l.kind] then return nil, "layer " .. tostring(l.kind) end
    kinds[i] = l.kind
  end
  if opts.diagnostics then return nil, "diagnostics on" end
  if opts.clip_norm then return nil, "clip_norm" end
  local kind = tostring(optimizer):match("^gglab%.Optim%((%w+)") or "?"
  return table.concat(kinds, "-") .. "|" .. kind .. "|" .. tostring(opts.batch_size)
end

function M.ensemble(calls)
  M.calls, M.lanes = M.calls + 1, M.lanes + #calls
  local out = {}
  for i, c in ipairs(calls) do
    out[i] = table.pack(gg.train_epoch(c[1], c[2], c[3], c[4]))
  end
  return out
end

local saved
function M.install()
  saved = saved or { key = gg.ensemble_key, ens = gg.train_epoch_ensemble }
  gg.ensemble_key, gg.train_epoch_ensemble = M.key, M.ensemble
end

function M.restore()
  if saved then gg.ensemble_key, gg.train_epoch_ensemble = saved.key, saved.ens end
end

return M
