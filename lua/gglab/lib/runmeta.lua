--[[ lua/gglab/lib/runmeta.lua — what a run may declare about itself with run:meta (META):
  the known fields, their kinds, and the check. The runner validates run:meta with it; the
  symptom detectors validate and complete META with it. Requires gglab.util only.

  M.FIELDS[name]     kind of a known field: "integer" | "number" | "string" | "strings" |
                     "numbers"; any other key is allowed (and ignored by the detectors)
  M.valid(kind, v)   -> ok, want: whether v is of kind, and the kind in words
  M.check(meta, fname) raises on a known field of the wrong kind ]]

local describe = require("gglab.lib.args").describe

local M = {}

--[[ META fields: kind and meaning. Any other key is allowed (and ignored by the rules),
  so a run can record more about itself. ]]
M.FIELDS = {
  epochs = "integer",            -- epochs the run was configured for (AUTOTRAINER's 30 %)
  lr = "number",                 -- initial learning rate (UMLAUT when no `lr` curve)
  optimizer = "string",          -- "sgd", "adam", ...
  loss = "string",               -- gg.train's loss name: "mse", "cross_entropy", "bce", ...
  task = "string",               -- "regression" | "classification"
  activations = "strings",       -- hidden layers' activations, in order
  output_activation = "string",  -- "none", "sigmoid", "softmax", "relu", "tanh", ...
  dropout = "numbers",           -- dropout probabilities of the model's dropout layers
  input_dtype = "string",        -- "float" (gglab datasets are float32)
  target_min = "number",         -- range of the regression targets (DeepDiagnosis range check)
  target_max = "number",
}

local function is_list_of(v, kind)
  if type(v) ~= "table" then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n ~= #v then return false end
  for _, x in ipairs(v) do
    if type(x) ~= kind then return false end
  end
  return true
end

local CHECKS = {
  integer = function(v) return math.type(v) == "integer" and v >= 1, "an integer >= 1" end,
  number = function(v) return type(v) == "number", "a number" end,
  string = function(v) return type(v) == "string", "a string" end,
  strings = function(v) return is_list_of(v, "string"), "a list of strings" end,
  numbers = function(v) return is_list_of(v, "number"), "a list of numbers" end,
}

-- valid(kind, v) -> ok, want: whether v is of kind (a value of M.FIELDS), and kind in words.
function M.valid(kind, v)
  return CHECKS[kind](v)
end

--[[ check(meta, fname): raises "<fname>: meta.<field> must be ..., got ..." when a known
  field has the wrong kind, or task is not "regression"/"classification". The error is
  reported at the line that called fname (the caller of check's caller). ]]
function M.check(meta, fname)
  fname = fname or "symptoms"
  if type(meta) ~= "table" then error(fname .. ": meta must be a table, got " .. describe(meta), 3) end
  for k, v in pairs(meta) do
    if type(k) ~= "string" then error(fname .. ": meta keys must be strings, got " .. describe(k), 3) end
    local kind = M.FIELDS[k]
    if kind then
      local ok, want = CHECKS[kind](v)
      if not ok then
        error(string.format("%s: meta.%s must be %s, got %s", fname, k, want, describe(v)), 3)
      end
    end
  end
  if meta.task ~= nil and meta.task ~= "regression" and meta.task ~= "classification" then
    error(fname .. ": meta.task must be 'regression' or 'classification', got " .. describe(meta.task), 3)
  end
end

return M
