--[[ lua/gglab/lib/safetensors.lua — the safetensors file format (bytes only; no models).

  A file is: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON, an
  object mapping each tensor name to {"dtype": "F32", "shape": [...], "data_offsets":
  [begin, end]} plus an optional "__metadata__" object of string values; then the data:
  every tensor's bytes, little-endian, row-major, at [begin, end) of the buffer after the
  header. The buffer is covered exactly: no gaps, no overlaps (the format's own rules,
  https://github.com/huggingface/safetensors).

  encode(entries, metadata) -> bytes: entries a list of {name =, dtype =, shape =, data =}
    (data the raw bytes), laid out in list order; the header is json.compact's (keys sorted)
    padded with spaces to a multiple of 8 bytes, as the reference writer does: the same
    entries give the same bytes.
  decode(bytes, where) -> {tensors = {name -> {dtype =, shape =, data =}}, names = {sorted},
    metadata = {}} | nil, msg: checks everything a reader must (header length within the
    file, JSON, dtype names, shapes, offsets in range, sized to the shape, no overlap or gap)
    and names the file (`where`) and the tensor in its message.
  read(path) -> bytes | nil, msg;  write(path, bytes) -> true | nil, msg (a temporary file
    renamed over path: a reader sees the old file or the new one, never half of one). ]]
local gg = require "gglab"
local json = require "gglab.lib.json"
local util = require "gglab.lib.util"

local M = {}

-- Bytes per element of each dtype the format defines.
M.DTYPE_SIZE = { BOOL = 1, U8 = 1, I8 = 1, F8_E5M2 = 1, F8_E4M3 = 1, I16 = 2, U16 = 2, F16 = 2, BF16 = 2,
  I32 = 4, U32 = 4, F32 = 4, I64 = 8, U64 = 8, F64 = 8 }

local MAX_HEADER = 100 * 1024 * 1024  -- the reference reader's limit

local function numel(shape)
  local n = 1
  for _, d in ipairs(shape) do n = n * d end
  return n
end
M.numel = numel

function M.encode(entries, metadata)
  local header, parts, off = {}, {}, 0
  for i, e in ipairs(entries) do
    local size = M.DTYPE_SIZE[e.dtype]
    assert(size and #e.data == numel(e.shape) * size, "safetensors.encode: bad entry " .. tostring(e.name))
    header[e.name] = { dtype = e.dtype, shape = e.shape, data_offsets = { off, off + #e.data } }
    parts[i] = e.data
    off = off + #e.data
  end
  if metadata and next(metadata) then header.__metadata__ = metadata end
  local text = json.compact(header)
  if next(header) == nil then text = "{}" end
  text = text .. string.rep(" ", (8 - #text % 8) % 8)
  return string.pack("<I8", #text) .. text .. table.concat(parts)
end

local function is_int_list(v, min_len, max_len)
  if type(v) ~= "table" or getmetatable(v) ~= nil then return false end
  local n = #v
  if n < min_len or n > max_len then return false end
  for k, x in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > n or math.type(x) ~= "integer" or x < 0 then return false end
  end
  return true
end

function M.decode(bytes, where)
  local function bad(fmt, ...) return nil, string.format("%s: " .. fmt, where, ...) end
  if #bytes < 8 then
    return bad("not a safetensors file: %d bytes, shorter than the 8-byte header length", #bytes)
  end
  local n = string.unpack("<i8", bytes)
  if n < 2 or n > MAX_HEADER or n > #bytes - 8 then
    return bad("not a safetensors file (or truncated): header length %d, but the file has %d bytes after it",
      n, #bytes - 8)
  end
  local text = bytes:sub(9, 8 + n)
  if text:sub(1, 1) ~= "{" then return bad("not a safetensors file: the header does not start with '{'") end
  local header, msg = json.decode(text)
  if header == nil then return bad("the header is not valid JSON (%s)", msg) end
  if type(header) ~= "table" or (next(header) ~= nil and #header > 0) then
    return bad("the header must be a JSON object")
  end
  local data_len = #bytes - 8 - n
  local out = { tensors = {}, names = {}, metadata = {} }
  local spans = {}
  for name, e in pairs(header) do
    if name == "__metadata__" then
      if type(e) ~= "table" or (next(e) ~= nil and #e > 0) then return bad("__metadata__ must be an object") end
      for k, v in pairs(e) do
        if type(v) ~= "string" then return bad("__metadata__ value '%s' must be a string", k) end
        out.metadata[k] = v
      end
    else
      if type(e) ~= "table" or type(e.dtype) ~= "string" then
        return bad("tensor '%s' has no dtype", name)
      end
      local size = M.DTYPE_SIZE[e.dtype]
      if not size then return bad("tensor '%s' has unknown dtype '%s'", name, e.dtype) end
      if not is_int_list(e.shape, 0, 64) then
        return bad("tensor '%s': shape must be a list of non-negative integers", name)
      end
      local off = e.data_offsets
      if not is_int_list(off, 2, 2) or off[1] > off[2] then
        return bad("tensor '%s': data_offsets must be [begin, end] with 0 <= begin <= end", name)
      end
      if off[2] > data_len then
        return bad("tensor '%s': data_offsets [%d, %d] run past the data (%d bytes; truncated file?)",
          name, off[1], off[2], data_len)
      end
      local count = 1
      for _, d in ipairs(e.shape) do
        if d > 0 and count > (math.maxinteger // 16) // d then
          return bad("tensor '%s': shape {%s} is too large", name, table.concat(e.shape, ", "))
        end
        count = count * d
      end
      if count * size ~= off[2] - off[1] then
        return bad("tensor '%s': shape {%s} of %s needs %d bytes, data_offsets [%d, %d] give %d", name,
          table.concat(e.shape, ", "), e.dtype, count * size, off[1], off[2], off[2] - off[1])
      end
      spans[#spans + 1] = { name = name, b = off[1], e = off[2] }
      out.tensors[name] = { dtype = e.dtype, shape = e.shape,
        data = bytes:sub(9 + n + off[1], 8 + n + off[2]) }
      out.names[#out.names + 1] = name
    end
  end
  table.sort(spans, function(a, b)
    if a.b ~= b.b then return a.b < b.b end
    if a.e ~= b.e then return a.e < b.e end
    return a.name < b.name
  end)
  local pos = 0
  for _, s in ipairs(spans) do
    if s.b < pos then return bad("tensor '%s': data_offsets [%d, %d] overlap another tensor's", s.name, s.b, s.e) end
    if s.b > pos then return bad("bytes %d..%d of the data belong to no tensor (before '%s')", pos, s.b, s.name) end
    pos = s.e
  end
  if pos ~= data_len then return bad("the data has %d bytes, the tensors cover %d", data_len, pos) end
  table.sort(out.names)
  return out
end

function M.read(path)
  local bytes, msg = util.read_file(path)
  if not bytes then return nil, msg or (path .. ": cannot read") end
  return bytes
end

function M.write(path, bytes)
  local tmp = path .. ".tmp"
  local f, msg = io.open(tmp, "wb")
  if not f then return nil, string.format("cannot write '%s': %s", path, tostring(msg)) end
  local ok, wmsg = f:write(bytes)
  local cok, cmsg = f:close()
  if not ok or not cok then
    os.remove(tmp)
    return nil, string.format("cannot write '%s': %s", path, tostring(wmsg or cmsg))
  end
  local rok, rmsg = gg.fs.rename(tmp, path)
  if not rok then
    os.remove(tmp)
    return nil, string.format("cannot write '%s': %s", path, tostring(rmsg))
  end
  return true
end

return M
