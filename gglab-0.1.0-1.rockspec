-- gglab-0.1.0-1.rockspec: gglab as a LuaRocks package for Lua 5.4 (docs/cli.md, "Installing").
-- From a checkout, with the Debian build dependencies installed (liblua5.4-dev libcsv-dev
-- pkg-config; `make deps` as root):
--   luarocks --lua-version 5.4 make                  (or --tree DIR, --local)
-- builds gglab.so and the gglab executable with the project's Makefile (make all) and installs
-- them with `make install` into the rock tree: require "gglab" then works from lua5.4 with the
-- tree's cpath (luarocks path). The version must be core/gglab.h's GG_VERSION
-- (tests/lua/test_install.lua checks it).
rockspec_format = "3.0"
package = "gglab"
version = "0.1.0-1"
source = {
  -- luarocks make builds the checkout it runs in; a packed source rock would point here.
  url = "git+file://.",
}
description = {
  summary = "Reproducible sweeps of small neural-network trainings with PyTorch semantics",
  detailed = [[
    A C11 numerical core and a Lua 5.4 API (require "gglab") for MLPs, CNNs, recurrent nets
    and transformers, sweeps, claims and reports, and the gglab command that runs them.]],
  license = "see the repository",
}
supported_platforms = { "linux" }
dependencies = { "lua >= 5.4, < 5.5" }
external_dependencies = {
  CSV = { header = "csv.h", library = "csv" },  -- Debian: libcsv-dev
}
build = {
  type = "make",
  build_target = "all",
  -- No CFLAGS: a make variable given on the command line would replace the Makefile's own
  -- flags (-std=c11 -Werror -fPIC ...); luarocks warns that none was passed.
  build_variables = {},
  install_target = "install",
  install_variables = {
    PREFIX = "$(PREFIX)",
    BINDIR = "$(BINDIR)",
    LUA_CMODDIR = "$(LIBDIR)",
  },
}
