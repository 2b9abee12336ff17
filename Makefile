# gglab — one non-recursive Makefile.
#   make run       install missing Debian packages, build, run experiments/lr_sweep.lua
#                  and write its report (results/lr_sweep/report.html)
#   make test      same set-up, then every test (ends with "N passed, N failed")
#   make sanitize  ASan+UBSan build under build/san/, running every test
#   make bench     timing against PyTorch and libtorch (never part of make test);
#                  make bench-docs then refreshes docs/bench.csv and docs/performance.svg
#   make fuzz, lint, soak, load   reliability runs (docs/reliability.md)
#   make ensemble-check  every experiment with and without ensembles (docs/runner.md)
#   make report-screenshot  docs/report.png from the lr_sweep report (needs chromium)
#   make install PREFIX=/usr/local, make clean

PREFIX  ?= /usr/local
# V=1 shows full compiler command lines.
V ?= 0
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n'
endif
BUILD   := build
SAN     := $(BUILD)/san
GENERIC := $(BUILD)/generic

# Debian packages the build needs (platform.md); `deps` installs the missing ones.
# libjs-dygraphs: the charting library `gglab report` inlines into its page (docs/report.md).
DEB_PKGS := liblua5.4-dev lua5.4 libcsv-dev pkg-config libjs-dygraphs
# Only for make test: a real single-node Slurm (tests/lua/test_slurm.lua) and a headless
# browser (tests/lua/test_report_browser.lua). Installed when root; otherwise those tests
# skip themselves and say so.
TEST_PKGS := slurm-wlm munge chromium
# Also for make test (docs/reliability.md): libFuzzer harnesses (clang), cppcheck, and a
# valgrind pass over the C tests; each is skipped, saying so, when its tool is missing.
TEST_PKGS += clang libclang-rt-14-dev cppcheck clang-tidy valgrind
# Also for make test (tests/lua/test_install.lua): the rockspec installed with luarocks, the man
# page rendered by groff (groff-base, man-db), the zsh completion run in zsh.
TEST_PKGS += luarocks groff-base man-db zsh

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wwrite-strings -Wdouble-promotion -Wundef
# No -ffast-math/-Ofast: IEEE semantics are what make results reproducible and PyTorch-exact.
OPT      := -O2 -ftree-vectorize -fvect-cost-model=cheap
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
            -DGG_NO_CLONES -DGG_DEBUG
LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUA_LIBS   := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
# -fno-math-errno only stops sqrtf from setting errno (results are identical), which lets
# the optimizer loops vectorize.
# -Wno-psabi: core/simd.h's static inline helpers pass 32-byte vectors; they are always
# inlined, never called across an ABI boundary.
CFLAGS   := -std=c11 $(WARN) -Wno-psabi -fno-math-errno -fPIC -MMD -MP
LDLIBS   := -lcsv -lm

CORE_SRC  := $(wildcard core/*.c)
GLUE_SRC  := $(filter-out lua/main.c lua/embed.c,$(wildcard lua/*.c))
# lua/gglab/A/B.lua is embedded as module gglab.A.B (layer folders; docs/design.md).
LUA_MODS  := $(wildcard lua/gglab/*.lua lua/gglab/*/*.lua)
TEST_SRC  := $(wildcard tests/test_*.c)
TEST_NAMES := $(notdir $(TEST_SRC:.c=))

.PHONY: all run test sanitize bench install clean deps test-deps fixtures fixtures-check findings doc-figures \
        report-screenshot doctor-table doctor-external doctor-seq
all: $(BUILD)/gglab $(BUILD)/gglab.so

# ---- set-up: install what is missing (root: apt-get; otherwise name the packages) ----
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "gglab: missing Debian packages:$$missing"; \
	    echo "gglab: install them with: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	  echo "gglab: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q -o DPkg::Lock::Timeout=600 $$missing >/dev/null 2>&1 || \
	  { apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null && \
	    apt-get install -y -q -o DPkg::Lock::Timeout=600 $$missing >/dev/null; } || \
	  { echo "gglab: apt-get install$$missing failed"; exit 1; }; \
	fi

test-deps: deps
	@missing=""; for p in $(TEST_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "gglab: the tests needing them will be skipped (not root; missing:$$missing)"; exit 0; \
	  fi; \
	  echo "gglab: installing$$missing (for the Slurm, browser, fuzzing, lint and install tests)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q -o DPkg::Lock::Timeout=600 $$missing >/dev/null 2>&1 || \
	  { apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null && \
	    apt-get install -y -q -o DPkg::Lock::Timeout=600 $$missing >/dev/null; } || \
	  { echo "gglab: apt-get install$$missing failed"; exit 1; }; \
	fi

# ---- build rules, instantiated for the normal and the sanitizer build ----
# $(1) build dir, $(2) extra compiler flags
define BUILD_RULES
$(1)/core/%.o: core/%.c Makefile | deps
	@mkdir -p $$(@D)
	$$(say) CC $$@
	$$(Q)$$(CC) $$(CFLAGS) $(2) -c $$< -o $$@
$(1)/lua/%.o: lua/%.c Makefile | deps
	@mkdir -p $$(@D)
	$$(say) CC $$@
	$$(Q)$$(CC) $$(CFLAGS) $(2) $$(LUA_CFLAGS) -Ilua -I$(BUILD)/gen -c $$< -o $$@
$(1)/lua/lgglab.o: $(BUILD)/gen/buildid.h
$(1)/gen/luasrc.o: $(1)/gen/luasrc.c Makefile | deps
	$$(say) CC $$@
	$$(Q)$$(CC) $$(CFLAGS) $(2) $$(LUA_CFLAGS) -Ilua -c $$< -o $$@
$(1)/gen/luasrc.c: $$(LUA_MODS) $(BUILD)/luamods.list $(BUILD)/embed
	@mkdir -p $$(@D)
	$$(say) EMBED $$@
	$$(Q)$(BUILD)/embed $$@ $$(foreach f,$$(LUA_MODS),$$(subst /,.,$$(patsubst lua/%.lua,%,$$f))=$$f)
$(1)/libgglabcore.a: $$(CORE_SRC:%.c=$(1)/%.o)
	$$(say) AR $$@
	$$(Q)$$(AR) rcs $$@ $$^
$(1)/gglab: $(1)/lua/main.o $$(GLUE_SRC:%.c=$(1)/%.o) $(1)/gen/luasrc.o $(1)/libgglabcore.a
	$$(say) LINK $$@
	$$(Q)$$(CC) $(2) -o $$@ $$^ $$(LUA_LIBS) $$(LDLIBS) -Wl,-E
$(1)/gglab.so: $$(GLUE_SRC:%.c=$(1)/%.o) $(1)/gen/luasrc.o $(1)/libgglabcore.a
	$$(say) LINK $$@
	$$(Q)$$(CC) $(2) -shared -o $$@ $$^ $$(LDLIBS)
$(1)/tests/%: tests/%.c $(1)/libgglabcore.a Makefile
	@mkdir -p $$(@D)
	$$(say) CC $$@
	$$(Q)$$(CC) $$(CFLAGS) $(2) -Icore $$< $(1)/libgglabcore.a $$(LDLIBS) -o $$@
# test_sha256 checks lua/sha256.c (glue, not core): compiled in with it.
$(1)/tests/test_sha256: tests/test_sha256.c lua/sha256.c lua/sha256.h $(1)/libgglabcore.a Makefile
	@mkdir -p $$(@D)
	$$(say) CC $$@
	$$(Q)$$(CC) $$(filter-out -MMD -MP,$$(CFLAGS)) $(2) -Icore -Ilua tests/test_sha256.c lua/sha256.c \
	  $(1)/libgglabcore.a $$(LDLIBS) -o $$@
# test_oom and the Lua out-of-memory suite link tests/failmem.c instead of core/mem.c
# (link-time substitution: the archive's mem.o is then never pulled in; see core/mem.h).
$(1)/tests/test_oom: tests/test_oom.c tests/failmem.c tests/failmem.h $(1)/libgglabcore.a Makefile
	@mkdir -p $$(@D)
	$$(say) CC $$@
	$$(Q)$$(CC) $$(filter-out -MMD -MP,$$(CFLAGS)) $(2) -Icore tests/test_oom.c tests/failmem.c \
	  $(1)/libgglabcore.a $$(LDLIBS) -o $$@
$(1)/tests/gglab_failmem.so: tests/failmem.c tests/lfailmem.c tests/failmem.h $$(GLUE_SRC:%.c=$(1)/%.o) \
                             $(1)/gen/luasrc.o $(1)/libgglabcore.a Makefile
	@mkdir -p $$(@D)
	$$(say) LINK $$@
	$$(Q)$$(CC) $$(filter-out -MMD -MP,$$(CFLAGS)) $(2) $$(LUA_CFLAGS) -shared -o $$@ tests/failmem.c \
	  tests/lfailmem.c $$(GLUE_SRC:%.c=$(1)/%.o) $(1)/gen/luasrc.o $(1)/libgglabcore.a $$(LDLIBS)
# test_lua_oom: a Lua state with a failing allocator over the glue, core blocks counted
# by tests/failmem.c.
$(1)/tests/test_lua_oom: tests/test_lua_oom.c tests/failmem.c tests/failmem.h $$(GLUE_SRC:%.c=$(1)/%.o) \
                         $(1)/gen/luasrc.o $(1)/libgglabcore.a Makefile
	@mkdir -p $$(@D)
	$$(say) CC $$@
	$$(Q)$$(CC) $$(filter-out -MMD -MP,$$(CFLAGS)) $(2) $$(LUA_CFLAGS) -Icore -Itests tests/test_lua_oom.c tests/failmem.c \
	  $$(GLUE_SRC:%.c=$(1)/%.o) $(1)/gen/luasrc.o $(1)/libgglabcore.a $$(LUA_LIBS) $$(LDLIBS) -Wl,-E -o $$@
$(1)/tests-all: $(1)/gglab $(1)/gglab.so $$(TEST_NAMES:%=$(1)/tests/%) $(1)/tests/gglab_failmem.so
endef
$(eval $(call BUILD_RULES,$(BUILD),$(OPT)))
$(eval $(call BUILD_RULES,$(SAN),$(SANFLAGS)))
# Baseline-only kernels (no AVX clones, portable Linear path): tests require it to write
# the same files.
$(eval $(call BUILD_RULES,$(GENERIC),$(OPT) -DGG_NO_CLONES -DGG_NO_ISA_PATHS))

# The list of embedded modules, rewritten only when a module is added or removed, so that
# removing or moving a .lua file re-embeds (a stale copy could hide a broken require).
$(BUILD)/luamods.list: FORCE
	@mkdir -p $(@D); echo '$(LUA_MODS)' | cmp -s - $@ || echo '$(LUA_MODS)' > $@
.PHONY: FORCE
FORCE:
# The build id (gg.build, gglab --version, every manifest): the version, a sha256 over the
# sources that make the binary (sorted names and contents: core/*.[ch], lua/*.[ch], the
# embedded modules, this Makefile) and, in a git checkout of this tree, `git describe
# --always --dirty`. Recomputed at every make, rewritten only when it changes (then
# lgglab.o is recompiled); a tarball without git gets an id without the git part.
BUILD_ID_SRC := $(sort $(wildcard core/*.c core/*.h lua/*.c lua/*.h) $(LUA_MODS) Makefile)
$(BUILD)/gen/buildid.h: FORCE
	@mkdir -p $(@D); \
	src=$$(sha256sum $(BUILD_ID_SRC) | sha256sum | cut -c1-64); \
	ver=$$(sed -n 's/^#define GG_VERSION "\(.*\)"$$/\1/p' core/gglab.h); \
	git=""; top=$$(git rev-parse --show-toplevel 2>/dev/null) && \
	  [ "$$(cd "$$top" && pwd -P)" = "$$(pwd -P)" ] && git=$$(git describe --always --dirty 2>/dev/null); \
	{ echo "/* generated by the Makefile: the build id (do not edit) */"; \
	  echo "#define GG_BUILD_SOURCE \"$$src\""; \
	  echo "#define GG_BUILD_ID \"$$ver+$$(echo $$src | cut -c1-12)\""; \
	  echo "#define GG_BUILD_GIT \"$$git\""; } > $@.tmp; \
	cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(BUILD)/embed: lua/embed.c Makefile | deps
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) -std=c11 -O2 -Wall -Wextra -Werror $(LUA_CFLAGS) -o $@ $< $(LUA_LIBS)

.PHONY: $(BUILD)/tests-all $(SAN)/tests-all

# ---- the two README commands ----
run: all
	./$(BUILD)/gglab run experiments/lr_sweep.lua --report

test: test-deps $(BUILD)/tests-all $(GENERIC)/gglab fuzz-build
	@sh tests/run.sh $(BUILD)

sanitize: test-deps $(SAN)/tests-all
	@SANITIZE=1 sh tests/run.sh $(SAN)

# make bench (docs/performance.md): gglab, PyTorch and libtorch side by side in one run;
# build/bench/bench.csv and a table of issue 11's targets, the CNN steps and the
# sequence-model steps (tests/bench/SEQ.md). make bench-docs then copies
# the CSV to docs/bench.csv and redraws docs/performance.svg from it. bench-deps installs
# OpenBLAS (as root; a loud note otherwise): Debian's torch runs on libblas.so.3, which is
# the slow reference BLAS without it (platform.md). BENCH_BASE=<commit> (default in
# tests/bench/run.sh; empty: none) builds that commit's bench_step too, for old-vs-new MLP
# figures in the same run.
BENCH_BINS := $(BUILD)/tests/bench_step $(BUILD)/bench/bench_cnn $(BUILD)/bench/bench_peak \
              $(BUILD)/bench/peak_rss $(BUILD)/bench/bench_attn $(BUILD)/bench/bench_rnn \
              $(BUILD)/bench/bench_ensemble
BENCH_PKGS := libopenblas0-serial
LIBTORCH_INC := /usr/include/torch/csrc/api/include
bench: all $(BENCH_BINS) bench-libtorch bench-deps
	@sh tests/bench/run.sh $(BUILD)

bench-deps:
	@missing=""; for p in $(BENCH_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "gglab: NOTE: the PyTorch/libtorch peers will run on the slow reference BLAS (not root; missing:$$missing)"; \
	    echo "gglab: install it with: sudo apt-get install -y$$missing"; exit 0; \
	  fi; \
	  echo "gglab: installing$$missing (the peers' BLAS)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q -o DPkg::Lock::Timeout=600 $$missing >/dev/null 2>&1 || \
	  { apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null && \
	    apt-get install -y -q -o DPkg::Lock::Timeout=600 $$missing >/dev/null; } || \
	  echo "gglab: NOTE: apt-get install$$missing failed: the peers run on the reference BLAS"; \
	fi

$(BUILD)/tests/bench_step: tests/bench/bench_step.c $(BUILD)/libgglabcore.a Makefile
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) $(OPT) -Icore $< $(BUILD)/libgglabcore.a -lm -o $@
# Benches over the core library (the others in tests/bench are standalone programs).
$(BUILD)/bench/bench_cnn $(BUILD)/bench/bench_conv $(BUILD)/bench/bench_attn $(BUILD)/bench/bench_rnn \
$(BUILD)/bench/bench_ensemble: $(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libgglabcore.a Makefile
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) $(OPT) -Icore $< $(BUILD)/libgglabcore.a -lm -o $@
$(BUILD)/bench/%: tests/bench/%.c Makefile
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) -std=c11 $(WARN) -O2 $< -o $@

# The libtorch peers, only when Debian's libtorch-dev is installed (a note otherwise).
.PHONY: bench-libtorch bench-docs bench-deps
bench-libtorch:
	@if [ -f $(LIBTORCH_INC)/torch/torch.h ]; then \
	  $(MAKE) --no-print-directory $(BUILD)/bench/bench_libtorch $(BUILD)/bench/bench_cnn_libtorch \
	    $(BUILD)/bench/bench_seq_libtorch $(BUILD)/bench/bench_rnn_libtorch; \
	else echo "gglab: libtorch-dev not installed: the bench has no libtorch column"; fi
$(BUILD)/bench/bench_libtorch $(BUILD)/bench/bench_cnn_libtorch $(BUILD)/bench/bench_seq_libtorch $(BUILD)/bench/bench_rnn_libtorch: $(BUILD)/bench/%: tests/bench/%.cpp Makefile
	@mkdir -p $(@D)
	$(say) CXX $@
	$(Q)$(CXX) -std=c++17 -O2 -w -I$(LIBTORCH_INC) $< -o $@ -ltorch -ltorch_cpu -lc10

# make bench-seq: only make bench's sequence-model rows (the transformer and the LSTM steps,
# tests/bench/SEQ.md), interleaved with their libtorch peers in BENCH_ROUNDS rounds, with the
# peak and the same table and peer environment (tests/bench/run.sh); writes
# build/bench/bench-seq.csv. bench-attn and bench-rnn: the transformer or the LSTM alone.
.PHONY: bench-seq bench-attn bench-rnn
bench-seq bench-attn bench-rnn: $(BUILD)/bench/bench_attn $(BUILD)/bench/bench_rnn $(BUILD)/bench/bench_peak \
                           bench-libtorch bench-deps
	@sh tests/bench/run.sh $(BUILD) $(@:bench-%=%)

bench-docs:
	@test -f $(BUILD)/bench/bench.csv || { echo "make bench-docs needs a make bench run first"; exit 1; }
	@cp $(BUILD)/bench/bench.csv docs/bench.csv
	@lua5.4 tests/bench/roofline.lua docs/bench.csv docs/performance.svg && echo "  WROTE  docs/bench.csv docs/performance.svg"

# ---- fuzzing (libFuzzer; clang from Debian) ----
# Harnesses in tests/fuzz/, built with clang's fuzzer, ASan and UBSan runtimes; the code
# under test is compiled into them instrumented (the CSV loader) or reached through the
# embedded Lua modules (--set parsing). make test replays every seed and regression input
# and fuzzes each harness for FUZZ_SECONDS (tests/fuzz/run.sh); make fuzz runs longer.
CLANG        ?= clang
FUZZ         := $(BUILD)/fuzz
FUZZ_SECONDS ?= 20
FUZZ_TIME    ?= 600
FUZZ_FLAGS   := -std=c11 $(WARN) -fno-math-errno -DGG_NO_CLONES -DGG_NO_ISA_PATHS -g -O1 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CSV_SRC := core/csvload.c core/data.c core/tensor.c core/status.c
FUZZ_BINS    := $(FUZZ)/fuzz_csv $(FUZZ)/fuzz_overrides
# Prints a note and builds nothing when clang or its libFuzzer runtime is missing.
have_fuzzer = command -v $(CLANG) >/dev/null 2>&1 && \
	test -e "$$($(CLANG) -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a" || \
	{ echo "gglab: $@ not built (needs clang and libclang-rt-14-dev)"; exit 0; }

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

$(FUZZ)/fuzz_csv: tests/fuzz/fuzz_csv.c tests/failmem.c tests/failmem.h $(FUZZ_CSV_SRC) \
                  $(BUILD)/libgglabcore.a Makefile | test-deps
	@$(have_fuzzer); mkdir -p $(@D); printf '  %-6s %s\n' FUZZCC $@; \
	$(CLANG) $(FUZZ_FLAGS) -Icore tests/fuzz/fuzz_csv.c tests/failmem.c $(FUZZ_CSV_SRC) \
	  $(BUILD)/libgglabcore.a $(LDLIBS) -o $@
$(FUZZ)/fuzz_overrides: tests/fuzz/fuzz_overrides.c $(GLUE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/luasrc.o \
                        $(BUILD)/libgglabcore.a Makefile | test-deps
	@$(have_fuzzer); mkdir -p $(@D); printf '  %-6s %s\n' FUZZCC $@; \
	$(CLANG) $(FUZZ_FLAGS) $(LUA_CFLAGS) tests/fuzz/fuzz_overrides.c $(GLUE_SRC:%.c=$(BUILD)/%.o) \
	  $(BUILD)/gen/luasrc.o $(BUILD)/libgglabcore.a $(LUA_LIBS) $(LDLIBS) -o $@

# make fuzz [FUZZ_TIME=seconds per harness]: the corpora grow in build/fuzz/corpus/; a crash
# is written to build/fuzz/artifacts/ (copy it into tests/fuzz/<name>_regressions/).
fuzz: fuzz-build
	@for f in $(FUZZ_BINS); do [ -x $$f ] || exit 1; \
	  FUZZ_LOG=- sh tests/fuzz/run.sh $$f $(FUZZ_TIME) || exit 1; done

# Long reliability runs, never part of make test (docs/reliability.md): make soak kills a
# sweep's parent with SIGKILL at 20 random moments (SOAK_KILLS, SOAK_SEED), resuming after
# each; make load runs tests/lua/test_load.lua alone (make test runs it too; LOAD_RUNS sets
# the sweep's size, 20,000 by default). Each ends with "N passed, N failed".
.PHONY: soak load
soak: all
	@LUA_CPATH="$(BUILD)/?.so;;" LUA_PATH="tests/lua/?.lua;;" GGLAB=$(BUILD)/gglab lua5.4 tests/soak/kill.lua
load: all
	@LUA_CPATH="$(BUILD)/?.so;;" LUA_PATH="tests/lua/?.lua;;" GGLAB=$(BUILD)/gglab lua5.4 tests/lua/test_load.lua

# cppcheck and clang-tidy over core/ and lua/ (reasons in tests/lint.sh, .clang-tidy); make test runs
# it too, with a valgrind pass over the C tests (tests/valgrind.sh).
# make ensemble-check: every experiment with and without lockstep ensembles, on every ISA
# path, compared byte for byte (tests/lua/test_ensemble_runner.lua; make test runs a subset).
.PHONY: ensemble-check
ensemble-check: all
	@for isa in avx512 avx2 generic; do \
	  GGLAB_ISA=$$isa LUA_CPATH="$(BUILD)/?.so;;" lua5.4 -e 'require("gglab").isa()' >/dev/null 2>&1 \
	  || { echo "  skip GGLAB_ISA=$$isa (not on this CPU)"; continue; }; echo "  ENSEMBLE GGLAB_ISA=$$isa"; \
	  GGLAB_ISA=$$isa GGLAB_ENSEMBLE_FULL=1 LUA_CPATH="$(BUILD)/?.so;;" LUA_PATH="tests/lua/?.lua;;" \
	  GGLAB=$(BUILD)/gglab lua5.4 tests/lua/test_ensemble_runner.lua >$(BUILD)/ensemble-check.log 2>&1; \
	  grep -A3 '^FAIL' $(BUILD)/ensemble-check.log; tail -n 1 $(BUILD)/ensemble-check.log; \
	  tail -n 1 $(BUILD)/ensemble-check.log | grep -q ' 0 failed' || exit 1; done

.PHONY: lint
lint: $(BUILD)/gen/buildid.h
	@sh tests/lint.sh

# PyTorch/sklearn parity fixtures (never part of make test): need Debian's python3-torch
# and python3-sklearn. gen_safetensors.py also runs a gglab script (build/gglab.so).
PYTHON_TORCH ?= /usr/bin/python3
fixtures: all
	@$(PYTHON_TORCH) -c 'import torch, sklearn' 2>/dev/null || \
	  { echo "make fixtures needs: apt-get install python3-torch python3-sklearn"; exit 1; }
	@for g in tests/parity/gen_*.py; do echo "  GEN    $$g"; $(PYTHON_TORCH) $$g || exit 1; done

# Regenerate every fixture and require the committed files to come out byte for byte.
fixtures-check: fixtures
	@git diff --exit-code --stat -- tests/parity/fixtures && \
	  test -z "$$(git status --porcelain -- tests/parity/fixtures)" && \
	  echo "fixtures: regenerated files are identical to the committed ones"

# docs/findings.md from real runs: every experiment script, then their verdicts; the
# manifests of the long experiments (long = true) are kept in docs/findings/ for make test.
findings: all
	@rm -f docs/findings/*.json
	@for f in experiments/*.lua; do n=$$(basename $$f .lua); echo "  RUN    $$f"; \
	  ./$(BUILD)/gglab run -q --out results/findings/$$n $$f >/dev/null || exit 1; done
	@export LC_ALL=C; ./$(BUILD)/gglab findings --keep docs/findings --out docs/findings.md \
	  $$(for f in experiments/*.lua; do echo results/findings/$$(basename $$f .lua); done) && \
	  echo "  WROTE  docs/findings.md"

# docs/doctor.md's evaluation table, from real doctor runs on tests/doctor/configs.lua.
doctor-table: all
	@LUA_PATH="tests/doctor/?.lua;;" LUA_CPATH="$(BUILD)/?.so;;" lua5.4 tests/doctor/table.lua --write docs/doctor.md

# docs/doctor.md's external evaluation: the doctor, frozen, on tests/doctor/external/ (cases from
# public threads and bug benchmarks; see its README.md) and the same baselines.
doctor-external: all
	@LUA_PATH="tests/doctor/?.lua;;" LUA_CPATH="$(BUILD)/?.so;;" lua5.4 tests/doctor/table.lua --external \
	  --write docs/doctor.md

# The numbered external sets, tests/doctor/external<N>/, each written fresh after the one before was
# scored (docs/doctor.md, "External evaluation", says with which frozen method each was scored):
# external2 after the first scoring; external3 in the third round (method 3b102b9, plus the crash
# fixes 4798323 and 71a1c6e found while scoring); external4 in the fourth (textbooks, tutorials,
# threads; method 007c8c6); external5 and external6, two more fresh sets for that same method.
DOCTOR_EXTERNAL_N := doctor-external2 doctor-external3 doctor-external4 doctor-external5 doctor-external6
.PHONY: $(DOCTOR_EXTERNAL_N)
$(DOCTOR_EXTERNAL_N): doctor-external%: all
	@LUA_PATH="tests/doctor/?.lua;;" LUA_CPATH="$(BUILD)/?.so;;" lua5.4 tests/doctor/table.lua \
	  --external tests/doctor/external$* --write docs/doctor.md

# The sequence set, tests/doctor/seq/ (issue 22): small transformers and RNNs written before the
# doctor's transformer/RNN fixes; scored once (seeds 1-10 and 11-20, ~14 min on 2 cores).
doctor-seq: all
	@LUA_PATH="tests/doctor/?.lua;;" LUA_CPATH="$(BUILD)/?.so;;" lua5.4 tests/doctor/table.lua \
	  --external tests/doctor/seq --seeds 10 --write docs/doctor.md


# The run counts the docs quote from gglab's own output ("216 runs of 'lr_sweep' ...: 184 ok,
# 32 diverged, 0 failed"), rewritten from fresh runs; tests/lua/test_doc_figures.lua (make
# test) fails while they are stale.
doc-figures: all
	@LUA_CPATH="$(BUILD)/?.so;;" LUA_PATH="tests/lua/?.lua;;" GGLAB=$(BUILD)/gglab lua5.4 tests/lua/test_doc_figures.lua --write

# docs/report.png: the top of the lr_sweep report as headless chromium renders it (offline
# flags from platform.md); needs chromium (make test-deps installs it as root).
report-screenshot: all
	@command -v chromium >/dev/null || { echo "make report-screenshot needs: apt-get install chromium"; exit 1; }
	@./$(BUILD)/gglab run -q --out $(BUILD)/report-shot experiments/lr_sweep.lua --report >/dev/null
	@p=$$(mktemp -d) && timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	  --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$$p \
	  --hide-scrollbars --screenshot=$(CURDIR)/docs/report.png --window-size=1280,1500 \
	  file://$(CURDIR)/$(BUILD)/report-shot/report.html >/dev/null 2>&1; s=$$?; rm -rf $$p; \
	  [ $$s = 0 ] && echo "  WROTE  docs/report.png"

# make install [PREFIX=/usr/local] [DESTDIR=...]: the executable, the Lua module (in lua5.4's
# default cpath for /usr/local and /usr), the man page, the bash and zsh completions (the Debian
# paths) and the docs. The LuaRocks rockspec (gglab-*.rockspec) sets BINDIR and LUA_CMODDIR.
BINDIR      ?= $(PREFIX)/bin
LUA_CMODDIR ?= $(PREFIX)/lib/lua/5.4
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/gglab
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LUA_CMODDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BUILD)/gglab $(DESTDIR)$(BINDIR)/gglab
	install -m 755 $(BUILD)/gglab.so $(DESTDIR)$(LUA_CMODDIR)/gglab.so
	install -m 644 docs/gglab.1 $(DESTDIR)$(MANDIR)/man1/gglab.1
	install -m 644 docs/completion/gglab.bash $(DESTDIR)$(BASHCOMPDIR)/gglab
	install -m 644 docs/completion/_gglab $(DESTDIR)$(ZSHCOMPDIR)/_gglab
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
