/* tests/fuzz/fuzz_overrides.c — libFuzzer harness for `--set` parsing and application
 * (lua/gglab/overrides.lua), run by the embedded modules in a Lua state made once.
 * The input is split at newlines into up to 8 --set arguments. The driver below checks:
 * parse either returns a spec or "bad --set '<arg>': <reason>" for one of the arguments;
 * every parsed name is an identifier and every value a finite number, a boolean or a
 * string; a value written back in --set syntax parses to the same value; applying the
 * spec to a small grid gives points that all carry every set name with one of its values,
 * with distinct run ids, and as many as the rules say. Any other error aborts.
 *
 * Lua code is invisible to libFuzzer's instrumentation, so a line hook feeds (function,
 * previous line, line) edges into an array in the __libfuzzer_extra_counters section,
 * which libFuzzer reads as coverage. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int luaopen_gglab(lua_State *L);

enum { NCOV = 1 << 16 };
__attribute__((section("__libfuzzer_extra_counters"), used)) static uint8_t lua_cov[NCOV];
static uint32_t prev_line;

static void line_hook(lua_State *L, lua_Debug *ar)
{
    if (!lua_getinfo(L, "S", ar))
        return;
    uint32_t f = (uint32_t)(uintptr_t)ar->source * 2654435761u;
    uint32_t cur = f ^ ((uint32_t)ar->currentline * 40503u);
    uint32_t i = (cur ^ (prev_line >> 1)) & (NCOV - 1);
    if (lua_cov[i] < 255)
        lua_cov[i]++;
    prev_line = cur;
}

static const char driver[] =
    "local gg = require 'gglab'\n"
    "local overrides = require 'gglab.overrides'\n"
    "local sweep = require 'gglab.sweep'\n"
    "local base = gg.grid { lr = { 0.1, 0.01 }, seed = { 1, 2 } }\n"
    "local function fail(...) error(string.format(...), 0) end\n"
    "local function back(v)\n"  // v in --set syntax
    "  if type(v) == 'number' then return gg.fmt_number(v, true) end\n"
    "  if type(v) == 'boolean' then return tostring(v) end\n"
    "  if type(v) == 'table' then return sweep.list_text(v) end\n"
    "  if not v:find(\"'\", 1, true) then return \"'\" .. v .. \"'\" end\n"
    "  if not v:find('\"', 1, true) then return '\"' .. v .. '\"' end\n"
    "end\n"
    "return function(input)\n"
    "  local args = {}\n"
    "  for a in (input .. '\\n'):gmatch('([^\\n]*)\\n') do\n"
    "    if #args < 8 then args[#args + 1] = a end\n"
    "  end\n"
    "  local spec, msg = overrides.parse(args)\n"
    "  if not spec then\n"
    "    if type(msg) ~= 'string' then fail('no message') end\n"
    "    local known = false\n"
    "    for _, a in ipairs(args) do\n"
    "      local head = \"bad --set '\" .. a .. \"': \"\n"
    "      known = known or (msg:sub(1, #head) == head and #msg > #head)\n"
    "    end\n"
    "    if not known then fail('bad message: %q', msg) end\n"
    "    return\n"
    "  end\n"
    "  local total = #base\n"
    "  local names = {}\n"
    "  for _, o in ipairs(spec) do\n"
    "    if not o.name:match('^[%a_][%w_]*$') then fail('name %q', o.name) end\n"
    "    if names[o.name] then fail('name set twice: %s', o.name) end\n"
    "    names[o.name] = o\n"
    "    if #o.values < 1 then fail('no values for %s', o.name) end\n"
    "    for _, v in ipairs(o.values) do\n"
    "      local t = type(v)\n"
    "      if t == 'number' and (v ~= v or v == math.huge or v == -math.huge) then fail('non-finite %s', v) end\n"
    "      if t ~= 'number' and t ~= 'boolean' and t ~= 'string' and t ~= 'table' then fail('value type %s', t) end\n"
    "      if t == 'table' and not sweep.value_key(v) then fail('a table value that is not a list') end\n"
    "      local text = back(v)\n"
    "      if text then\n"
    "        local again, err = overrides.parse { o.name .. '=' .. text }\n"
    "        if not again then fail('%s=%s does not parse back: %s', o.name, text, err) end\n"
    "        local w = again[1].values[1]\n"
    "        if #again[1].values ~= 1 or not sweep.same_value(w, v) or type(w) ~= type(v) and type(v) ~= 'number' then\n"
    "          fail('%s=%s parses back as %s', o.name, text, tostring(w))\n"
    "        end\n"
    "      end\n"
    "    end\n"
    "    total = total * #o.values\n"
    "  end\n"
    "  if total > 500 then return end\n"  // the product is bounded, not the parser's job
    "  local s = overrides.apply(base, spec)\n"
    "  local points, ids = s:points(), {}\n"
    "  for _, p in ipairs(points) do\n"
    "    local id = sweep.run_id(p)\n"
    "    if ids[id] then fail('duplicate run id %s', id) end\n"
    "    ids[id] = true\n"
    "    for name, o in pairs(names) do\n"
    "      local ok = false\n"
    "      for _, v in ipairs(o.values) do ok = ok or sweep.same_value(p[name], v) end\n"
    "      if not ok then fail('point lacks %s', name) end\n"
    "    end\n"
    "  end\n"
    "  local want = 4\n"  // lr and seed replaced by their value counts, new names multiply
    "  local lr, seed = names.lr and #names.lr.values or 2, names.seed and #names.seed.values or 2\n"
    "  want = lr * seed\n"
    "  for name, o in pairs(names) do\n"
    "    if name ~= 'lr' and name ~= 'seed' then want = want * #o.values end\n"
    "  end\n"
    "  if #points ~= want then fail('%d points, expected %d', #points, want) end\n"
    "end\n";

static lua_State *L;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "gglab", luaopen_gglab, 0);
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, driver, sizeof driver - 1, "=fuzz_overrides") != LUA_OK ||
        lua_pcall(L, 0, 1, 0) != LUA_OK) {
        fprintf(stderr, "fuzz_overrides: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "fuzz_overrides.check");
    lua_sethook(L, line_hook, LUA_MASKLINE, 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "fuzz_overrides.check");
    lua_pushlstring(L, (const char *)data, size);
    prev_line = 0;
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        fprintf(stderr, "fuzz_overrides: broken rule: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_gc(L, LUA_GCSTEP, 0);
    return 0;
}
