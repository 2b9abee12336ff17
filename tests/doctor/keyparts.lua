--[[ tests/doctor/keyparts.lua — the answer key of an external set written in parts (one key file per
  writer): keyparts(dir, parts) -> { NEW = ids, cases = entries }, the parts' NEW ids (each once) and
  their cases in the order of `parts`; a part that does not exist is skipped. Used by
  tests/doctor/external2/key.lua and tests/doctor/external3/key.lua. ]]
return function(dir, parts)
  local M = { NEW = {}, cases = {} }
  local seen_new = {}
  for _, part in ipairs(parts) do
    local f = io.open(dir .. "/" .. part, "r")
    if f then
      f:close()
      local k = dofile(dir .. "/" .. part)
      for _, id in ipairs(k.NEW or {}) do
        if not seen_new[id] then seen_new[id] = true; M.NEW[#M.NEW + 1] = id end
      end
      for _, c in ipairs(k.cases or {}) do M.cases[#M.cases + 1] = c end
    end
  end
  return M
end
