--[[ lua/gglab/recurrent.lua — recurrent layers: gg.nn.rnn, gg.nn.lstm, gg.nn.gru (torch.nn.RNN,
  LSTM, GRU with batch_first = True: gglab's batch is always axis 0).

    gg.nn.lstm(input_size, hidden_size [, {num_layers = 1, bias = true, dropout = 0.0,
               return = "sequence" | "last", requires_grad = true}])
    gg.nn.gru(...)  the same options
    gg.nn.rnn(...)  the same, plus nonlinearity = "tanh" | "relu"

  The layer maps x (B, L, input_size) to the top layer's hidden states (B, L, hidden_size)
  (torch's `output`), or with return = "last" to the last one, (B, hidden_size): torch's
  h_n[-1], equal to output[:, -1]. Stacked layers are one graph node each (core/rnn.h),
  with a Dropout between them when dropout > 0 (active in training only, as torch's).
  Parameters in torch's order: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0,
  weight_ih_l1, ...; each initialised U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
  Initial states are zeros. The result is a layer spec like any other: put it in
  gg.nn.sequential({...}, {input = {L, input_size}}) or call it on a symbolic tensor. ]]
local gg = require "gglab"
local graph = require "gglab.graph"
local args = require "gglab.lib.args"
local hooks = require "gglab.hooks"
local describe, did_you_mean = args.describe, args.did_you_mean

local M = {}

-- level 4: positive_int <- build <- gg.nn.lstm <- the caller.
local function positive_int(f, what, v)
  local n = args.size(f, what, v, 4)
  return n
end

local KEYS = { "num_layers", "bias", "dropout", "return", "requires_grad" }
local RNN_KEYS = { "num_layers", "nonlinearity", "bias", "dropout", "return", "requires_grad" }

local function build(kind, input_size, hidden_size, opts)
  local f = "gg.nn." .. kind
  input_size = positive_int(f, "input_size", input_size)
  hidden_size = positive_int(f, "hidden_size", hidden_size)
  opts = args.check_options(f, opts, kind == "rnn" and RNN_KEYS or KEYS, 3) or {}
  local layers = opts.num_layers == nil and 1 or positive_int(f, "num_layers", opts.num_layers)
  local nl = opts.nonlinearity
  if nl ~= nil and nl ~= "tanh" and nl ~= "relu" then
    error(string.format("%s: nonlinearity must be 'tanh' or 'relu', got %s%s", f, describe(nl),
      type(nl) == "string" and did_you_mean(nl, { "tanh", "relu" }) or ""), 3)
  end
  local p = opts.dropout == nil and 0 or opts.dropout
  if type(p) ~= "number" or not (p >= 0 and p < 1) then
    error(string.format("%s: dropout must be in [0, 1), got %s", f, describe(p)), 3)
  end
  local ret = opts["return"] == nil and "sequence" or opts["return"]
  if ret ~= "sequence" and ret ~= "last" then
    error(string.format("%s: return must be 'sequence' or 'last', got %s%s", f, describe(ret),
      type(ret) == "string" and did_you_mean(ret, { "sequence", "last" }) or ""), 3)
  end
  for _, k in ipairs { "bias", "requires_grad" } do
    if opts[k] ~= nil and type(opts[k]) ~= "boolean" then
      error(string.format("%s: %s must be a boolean, got %s", f, k, describe(opts[k])), 3)
    end
  end
  local list = {}
  for l = 1, layers do
    local spec = { kind = kind, input_size = l == 1 and input_size or hidden_size, hidden_size = hidden_size,
      bias = opts.bias, requires_grad = opts.requires_grad }
    if kind == "rnn" then spec.nonlinearity = nl or "tanh" end
    local okc, err = pcall(gg.nn.check_layer, spec, f)
    if not okc then error(err, 3) end
    list[#list + 1] = setmetatable(spec, graph.Spec)
    if l < layers and p > 0 then list[#list + 1] = setmetatable({ kind = "dropout", p = p }, graph.Spec) end
  end
  if ret == "last" then  -- output[:, -1] as (B, H)
    list[#list + 1] = setmetatable({ kind = "slice", dim = 1, start = -1 }, graph.Spec)
    list[#list + 1] = setmetatable({ kind = "reshape", shape = { hidden_size } }, graph.Spec)
  end
  return setmetatable({ kind = "sequential", layers = list, recurrent = kind }, graph.Spec)
end

--[[ The constructors consult gglab.hooks' "model" point (kind "rnn", "lstm", "gru"; arguments
  input_size, hidden_size, opts), so a tool (gglab doctor) can change the options or the kind
  for one call (an "rnn" built as an "lstm"). Without a registered hook with that point they build
  directly (their errors name the caller's line). ]]
local function hooked_build(k, i, h, o)
  if k ~= "rnn" and k ~= "lstm" and k ~= "gru" then
    error("gg.nn: the model hook asked for an unknown recurrent kind " .. tostring(k), 0)
  end
  return (build(k, i, h, o))
end

for _, kind in ipairs { "rnn", "lstm", "gru" } do
  M[kind] = hooks.entry("model", kind, function(i, h, o) return (build(kind, i, h, o)) end, hooked_build)
end

for k, v in pairs(M) do gg.nn[k] = v end

return M
