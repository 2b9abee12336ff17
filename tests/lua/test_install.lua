--[[ tests/lua/test_install.lua — `make install` into a temporary DESTDIR (the file list, then
  the installed executable, Lua module, man page and bash completion at work) and the LuaRocks
  rockspec installed with `luarocks make` into a temporary tree (no network), after which
  plain lua5.4 trains a model through the tree's gglab.so and gets the same loss, bit for
  bit, as through the build's. The luarocks part skips itself, saying so, only when luarocks
  is missing and this is not root (make test-deps installs it as root).
  Runs from the checkout's root (make uses its build/). ]]

local T = require "check"
local gg = require "gglab"

local Q = T.quote
local ROOT = assert(io.popen("pwd")):read("l")
local tmp = T.tmpdir()
-- make and luarocks without the jobserver of an enclosing make test
local MAKE_ENV = "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "

-- A small training through the gglab.so on cpath dir: its final loss as %.17g.
local TRAIN = [[
local gg = require "gglab"
local data = gg.data.regression { n = 64, features = 3, noise = 0.1, seed = 3 }
local model = gg.nn.mlp { 3, 8, 1, seed = 5 }
local hist = gg.train { model = model, data = data, loss = "mse", optimizer = gg.optim.sgd(model, { lr = 0.05 }),
  batch_size = 16, epochs = 3, seed = 7 }
io.write(string.format("%.17g", hist.loss[#hist.loss]))
]]
T.write(tmp .. "/train.lua", TRAIN)
local function train_with(cpath_dir)
  return T.sh("lua5.4 -e " .. Q('package.cpath = "' .. cpath_dir .. '/?.so;" .. package.cpath') .. " "
    .. Q(tmp .. "/train.lua"))
end
-- ---- make install DESTDIR=... PREFIX=/usr (it builds build/ first when needed) ----

local dest = tmp .. "/dest"
local out, code = T.sh(MAKE_ENV .. "make -s --no-print-directory install DESTDIR=" .. Q(dest) .. " PREFIX=/usr")
T.eq("make install: exit 0", code, 0)
if code ~= 0 then print(out) end
local want_loss
want_loss, code = train_with(ROOT .. "/build")
T.ok("the build's gglab.so trains (a finite loss)", code == 0 and tonumber(want_loss) ~= nil
  and tonumber(want_loss) < 1e3)
local files = {}
for line in T.sh("cd " .. Q(dest) .. " && find . -type f | sort"):gmatch("[^\n]+") do
  files[#files + 1] = line:sub(3)
end
local want = { "usr/bin/gglab", "usr/lib/lua/5.4/gglab.so", "usr/share/bash-completion/completions/gglab",
  "usr/share/man/man1/gglab.1", "usr/share/zsh/vendor-completions/_gglab", "usr/share/doc/gglab/README.md" }
for name in T.sh("cd docs && ls *.md"):gmatch("[^\n]+") do want[#want + 1] = "usr/share/doc/gglab/" .. name end
table.sort(want)
T.eq("make install: the files", files, want)
T.eq("installed gglab: same --version as the build's", T.sh(Q(dest .. "/usr/bin/gglab") .. " --version"),
  (T.sh("build/gglab --version")))
T.eq("installed gglab.so: same loss as the build's", train_with(dest .. "/usr/lib/lua/5.4"), want_loss)
T.eq("installed man page: the docs' one", T.slurp(dest .. "/usr/share/man/man1/gglab.1"), T.read("docs/gglab.1"))
local bash = "PATH=" .. Q(dest .. "/usr/bin") .. ":$PATH; source "
  .. Q(dest .. "/usr/share/bash-completion/completions/gglab")
  .. "; COMP_WORDS=(gglab ini); COMP_CWORD=1; _gglab; printf '%s\\n' \"${COMPREPLY[@]}\""
T.eq("installed bash completion: asks the installed gglab", T.sh("bash -c " .. Q(bash)), "init\n")
T.eq("installed zsh completion: the docs' one", T.slurp(dest .. "/usr/share/zsh/vendor-completions/_gglab"),
  T.read("docs/completion/_gglab"))
out, code = T.sh(MAKE_ENV .. "make -s --no-print-directory install DESTDIR=" .. Q(tmp .. "/d2")
  .. " PREFIX=/opt/g BINDIR=/b LUA_CMODDIR=/m")
T.ok("make install: BINDIR and LUA_CMODDIR", code == 0 and T.slurp(tmp .. "/d2/b/gglab") ~= nil
  and T.slurp(tmp .. "/d2/m/gglab.so") ~= nil and T.slurp(tmp .. "/d2/opt/g/share/man/man1/gglab.1") ~= nil)

-- ---- the rockspec: luarocks make into a temporary tree ----

local rockspec = "gglab-" .. gg.version .. "-1.rockspec"
T.ok("the rockspec is named for gg.version (" .. rockspec .. ")", T.slurp(rockspec) ~= nil)
T.ok("the rockspec's version is gg.version",
  (T.slurp(rockspec) or ""):find('\nversion = "' .. gg.version:gsub("%p", "%%%0") .. '%-1"\n') ~= nil)
local root = os.execute("test \"$(id -u)\" = 0")
if not os.execute("command -v luarocks >/dev/null 2>&1") and not root then
  print("luarocks test skipped: luarocks is not installed and this is not root "
    .. "(make test-deps installs it as root)")
else
  local tree = tmp .. "/rocks"
  out, code = T.sh(MAKE_ENV .. "HOME=" .. Q(tmp) .. " luarocks --lua-version 5.4 --tree " .. Q(tree)
    .. " make --deps-mode=none " .. Q(rockspec))
  T.eq("luarocks make: exit 0", code, 0)
  if code ~= 0 then print(out) end
  T.ok("luarocks make: installed gglab 0.1.0-1", out:find("gglab " .. gg.version .. "-1 is now installed", 1, true))
  T.eq("rock: lua5.4 trains through the tree's gglab.so, the same loss", train_with(tree .. "/lib/lua/5.4"),
    want_loss)
  local v = T.sh("lua5.4 -e " .. Q('package.cpath = "' .. tree .. '/lib/lua/5.4/?.so;" .. package.cpath; '
    .. 'local gg = require "gglab"; io.write(gg.version, " ", string.format("%.17g", gg.tensor { 0.1 }:get(1)))'))
  T.eq("rock: require \"gglab\" from plain lua5.4", v, gg.version .. " 0.10000000149011612")
  T.eq("rock: the gglab executable in the tree's bin", T.sh(Q(tree .. "/bin/gglab") .. " --version"),
    (T.sh("build/gglab --version")))
  T.ok("luarocks make: nothing left in the checkout", T.sh("git status --porcelain --ignored -- '*.rock' "
    .. "luarocks lua_modules 2>/dev/null") == "")
end

T.rmtree(tmp)
T.done()
