# SPDX-License-Identifier: MIT
# git-migrate-fix: hand-written Makefile (see docs/STYLE in the shared notes).
#   make            build git-migrate-fix
#   make test       install missing build/test packages (Debian, as root),
#                   build, run unit and integration tests
#   make install    install the binary, man page, docs and shell completions
#                   (prefix, DESTDIR honoured); make uninstall takes them out
#   make dist       the release tarball build/git-migrate-fix-VERSION.tar.gz
#                   and its .sha256, reproducible (SOURCE_DATE_EPOCH)
#   make bench      benchmarks against the real alternatives (never gates CI)
#   make demo       the main job on a built-in sample repository
#   make valgrind   unit and integration tests under valgrind memcheck
# Quiet unless V=1.

prefix     ?= /usr/local
bindir     ?= $(prefix)/bin
datadir    ?= $(prefix)/share
mandir     ?= $(datadir)/man
man1dir    ?= $(mandir)/man1
docdir     ?= $(datadir)/doc/git-migrate-fix
zshcompdir ?= $(datadir)/zsh/site-functions
# bash-completion's layout (its pkg-config file) under our prefix, so that
# a --prefix ~/.local install needs no root; else the usual place.
bashcompdir ?= $(or $(shell $(PKG_CONFIG) --define-variable=prefix=$(prefix) \
                 --define-variable=datadir=$(datadir) \
                 --variable=completionsdir bash-completion 2>/dev/null), \
                 $(datadir)/bash-completion/completions)
DESTDIR    ?=
INSTALL    ?= install

CC         ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O2 -g
WARNFLAGS  := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla
ifeq ($(WERROR),1)
WARNFLAGS  += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS     += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
endif

# The one version source: --version, the man page, `make dist` and the
# packages take it from here.
VERSION    := $(shell cat VERSION)

# LIBGIT2_STATIC=auto (default), yes or no: link libgit2, PCRE2 and what
# they need from static archives where that works (tools/link-mode.sh
# says why and how; the Debian package says no).
LIBGIT2_STATIC ?= auto
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libgit2 libpcre2-8 2>/dev/null)
DEP_LINK   := $(shell PKG_CONFIG='$(PKG_CONFIG)' sh tools/link-mode.sh '$(CC)' \
                '$(LIBGIT2_STATIC)' build/link-mode || echo LINK-MODE-FAILED)
ifneq ($(findstring LINK-MODE-FAILED,$(DEP_LINK)),)
$(error LIBGIT2_STATIC=$(LIBGIT2_STATIC): no static link of libgit2 works here (tools/link-mode.sh))
endif
ifneq ($(findstring --wrap=mbedtls_x509_crt_parse_file,$(DEP_LINK)),)
DEP_CFLAGS += -DGMF_WRAP_CA_LOADERS
endif
ifneq ($(findstring --wrap=git_http_auth_negotiate,$(DEP_LINK)),)
DEP_CFLAGS += -DGMF_WRAP_NET_INIT
endif
DEP_LIBS   := $(DEP_LINK) -pthread $(if $(filter Linux,$(shell uname -s)),-ldl)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ALL_CFLAGS = $(WARNFLAGS) -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_DARWIN_C_SOURCE \
             -DGMF_VERSION='"$(VERSION)"' -Iinclude $(DEP_CFLAGS) $(CPPFLAGS) $(CFLAGS)

ifneq ($(V),1)
Q_CC  = @echo "  CC      $@";
Q_LD  = @echo "  LINK    $@";
Q_AR  = @echo "  AR      $@";
endif

BUILD := build
BIN   := git-migrate-fix
# The sanitizer build keeps its own objects and binary beside the normal one.
ifeq ($(SANITIZE),1)
BUILD := build/san
BIN   := $(BUILD)/git-migrate-fix
endif
LIB_SRC := $(sort $(wildcard src/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:src/%.c=$(BUILD)/%.o)
HOOKS   := $(sort $(wildcard hooks/*))
LIB     := $(BUILD)/libgmf.a

# The same program with fault-injection points compiled in (see
# include/gmf/fs.h): used only by the failure tests, never installed.
FAULT_BIN := $(BUILD)/faults/git-migrate-fix
FAULT_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/faults/%.o) $(CLI_SRC:src/%.c=$(BUILD)/faults/%.o) \
             $(BUILD)/gen/hooks.o

# The man page with the version from VERSION in its .TH line.
MAN     := $(BUILD)/git-migrate-fix.1
# Installed as in the tree, so README.md's links to docs/ still work.
DOCS    := README.md CHANGELOG.md LICENSE
DOC_MD  := $(sort $(wildcard docs/*.md))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test check unit integration deps install uninstall clean bench demo man fuzz fuzz-smoke valgrind dist

# libFuzzer targets (clang): the library built with the fuzzer and the
# sanitizers, one binary per tests/fuzz/fuzz_*.c.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/fuzz/obj/%.o)

all: $(BIN) $(MAN)

man: $(MAN)

$(MAN): docs/git-migrate-fix.1 VERSION
	@mkdir -p $(dir $@)
	@sed -e '/^\.TH /s/"git-migrate-fix[^"]*"/"git-migrate-fix $(VERSION)"/' \
		docs/git-migrate-fix.1 >$@.tmp && mv $@.tmp $@

$(BUILD)/%.o: src/%.c $(wildcard include/gmf/*.h) src/cli/cli.h src/cli/options.h
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The hook shims are compiled into the binary that installs them.
$(BUILD)/gen/hooks.c: $(HOOKS) src/cli/embed-hooks.sh
	@mkdir -p $(dir $@)
	@sh src/cli/embed-hooks.sh $(HOOKS) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/hooks.o: $(BUILD)/gen/hooks.c include/gmf/shims.h
	$(Q_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ) $(BUILD)/gen/hooks.o
	$(Q_AR)rm -f $@ && $(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(DEP_LIBS)

# The link mode (tools/link-mode.sh) decides repo.c's link-time wrappers and
# every link: a new answer rebuilds them.
$(BUILD)/repo.o $(BUILD)/faults/repo.o $(BUILD)/fuzz/obj/repo.o: build/link-mode
$(BIN) $(FAULT_BIN) $(UNIT_BIN) $(FUZZ_BIN): build/link-mode

# --version is compiled into main.o.
$(BUILD)/cli/main.o $(BUILD)/faults/cli/main.o: VERSION

$(BUILD)/faults/%.o: src/%.c $(wildcard include/gmf/*.h) src/cli/cli.h src/cli/options.h
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(ALL_CFLAGS) -DGMF_FAULT_INJECTION -c -o $@ $<

$(FAULT_BIN): $(FAULT_OBJ)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(FAULT_OBJ) $(DEP_LIBS)

$(BUILD)/fuzz/obj/%.o: src/%.c $(wildcard include/gmf/*.h)
	@mkdir -p $(dir $@)
	$(Q_CC)$(FUZZ_CC) $(WARNFLAGS) -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-Iinclude $(DEP_CFLAGS) $(FUZZ_FLAGS) -c -o $@ $<

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ) $(BUILD)/gen/hooks.c
	@mkdir -p $(dir $@)
	$(Q_LD)$(FUZZ_CC) $(WARNFLAGS) -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-Iinclude $(DEP_CFLAGS) -g -O1 \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB_OBJ) \
		$(BUILD)/gen/hooks.c $(DEP_LIBS)

# `make fuzz`: each target for FUZZ_SECONDS; `make test` runs a short smoke.
fuzz: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(FUZZ_BIN)

fuzz-smoke:
	@if command -v $(FUZZ_CC) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(FUZZ_BIN) && \
		FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-5} sh tests/fuzz/run.sh $(FUZZ_BIN); \
	else echo "fuzz: $(FUZZ_CC) not found: no fuzzing smoke"; fi

$(BUILD)/tests/%: tests/unit/%.c $(LIB) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -o $@ $< $(LIB) \
		$(LDFLAGS) $(shell sed -n 's,^/\* LDWRAP: \(.*\) \*/$$,\1,p' $<) $(DEP_LIBS) $(CMOCKA_LIBS)

# `make test` is the first command on a fresh machine: make sure the
# packages exist before the recursive make evaluates pkg-config.
test:
	@./install.sh --deps-only --quiet
	@$(MAKE) --no-print-directory check

check: $(BIN) $(FAULT_BIN) $(UNIT_BIN)
	@sh tests/chainlint.sh --self-test && sh tests/chainlint.sh
	@sh tests/layering.sh
	@sh tests/run-unit.sh $(UNIT_BIN)
	@GMF_BIN=$(CURDIR)/$(BIN) GMF_FAULTY_BIN=$(CURDIR)/$(FAULT_BIN) sh tests/run-integration.sh
ifneq ($(SANITIZE),1)
	@$(MAKE) --no-print-directory fuzz-smoke
endif

unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

integration: $(BIN) $(FAULT_BIN)
	@sh tests/run-integration.sh

deps:
	@./install.sh --deps-only

# The unit tests and the integration suite with every run of the binary
# under valgrind memcheck (tests/valgrind/run.sh); zero findings to pass.
valgrind: $(BIN) $(UNIT_BIN)
	@./install.sh --deps-only --quiet
	@sh tests/valgrind/run.sh $(BIN) $(UNIT_BIN)

# The binary goes in under a temporary name and is renamed over the old
# one, so a hook running during an upgrade never sees half a file.
install: $(BIN) $(MAN)
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(man1dir) $(DESTDIR)$(docdir)/docs \
		$(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir)
	$(INSTALL) -m 755 $(BIN) $(DESTDIR)$(bindir)/git-migrate-fix.tmp
	mv -f $(DESTDIR)$(bindir)/git-migrate-fix.tmp $(DESTDIR)$(bindir)/git-migrate-fix
	$(INSTALL) -m 644 $(MAN) $(DESTDIR)$(man1dir)/git-migrate-fix.1
	$(INSTALL) -m 644 $(DOCS) $(DESTDIR)$(docdir)
	$(INSTALL) -m 644 $(DOC_MD) $(DESTDIR)$(docdir)/docs
	$(INSTALL) -m 644 contrib/completion/git-migrate-fix.bash $(DESTDIR)$(bashcompdir)/git-migrate-fix
	$(INSTALL) -m 644 contrib/completion/_git-migrate-fix $(DESTDIR)$(zshcompdir)/_git-migrate-fix

uninstall:
	rm -f $(DESTDIR)$(bindir)/git-migrate-fix $(DESTDIR)$(man1dir)/git-migrate-fix.1 \
		$(DESTDIR)$(bashcompdir)/git-migrate-fix $(DESTDIR)$(zshcompdir)/_git-migrate-fix \
		$(addprefix $(DESTDIR)$(docdir)/,$(DOCS) $(DOC_MD))
	rmdir $(DESTDIR)$(docdir)/docs $(DESTDIR)$(docdir) 2>/dev/null || :

# The committed tree at HEAD (see tools/dist.sh), into $(BUILD).
dist:
	@sh tools/dist.sh $(VERSION) $(BUILD)

bench:
	@./install.sh --deps-only --quiet --bench
	@$(MAKE) --no-print-directory $(BIN)
	@sh tests/bench/run.sh

demo:
	@./install.sh --deps-only --quiet
	@$(MAKE) --no-print-directory $(BIN)
	@sh tests/demo.sh

clean:
	rm -rf $(BUILD) $(BIN)
