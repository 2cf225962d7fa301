# speechwatch — one non-recursive Makefile.
#
#   make              build/speechwatch
#   make check        unit tests (Check) and end-to-end tests against local servers
#   make check-asan   the same, built with AddressSanitizer + UBSan (in build/asan/)
#   make install      PREFIX=/usr/local DESTDIR=
#   make deps         install the Debian packages (apt-get, via sudo when not root)
#   make demo         run the daemon on the bundled offline site; ends with the page's URL
#   make fuzz         libFuzzer targets (clang) in build/fuzz/bin; tests/fuzz/README.md

PREFIX   ?= /usr/local
DESTDIR  ?=
SYSCONFDIR ?= /etc
# Debian 12 packages put units in /lib/systemd/system (debian/rules sets it).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BUILD    ?= build
CC       ?= gcc
VERSION  := 0.1.0

# Debian 12 ships no .pc file for libev or libstemmer; fall back to -l.
PKGS := libcurl libxml-2.0 sqlite3 jansson inih libutf8proc libsystemd libcrypto zlib \
	libmicrohttpd poppler-glib libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) \
	$(shell pkg-config --libs libev 2>/dev/null || echo -lev) \
	$(shell pkg-config --libs libstemmer 2>/dev/null || echo -lstemmer) -lm
CHECK_LIBS := $(shell pkg-config --libs check)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wwrite-strings -Wpointer-arith -Wcast-qual -Wvla -Wno-format-nonliteral
OPT  ?= -O2
SAN  ?=
CFLAGS_ALL := -std=c11 $(OPT) -g $(WARN) -D_GNU_SOURCE -DSW_VERSION='"$(VERSION)"' \
	-I. $(PKG_CFLAGS) $(SAN) $(CFLAGS)
LDFLAGS_ALL := $(SAN) $(LDFLAGS)

# Sources per module. Each folder is one module; daemon/main.c holds main().
COMMON_SRC  := $(sort $(wildcard common/*.c))
CONFIG_SRC  := $(sort $(wildcard config/*.c))
FETCH_SRC   := $(sort $(wildcard fetch/*.c))
ANALYZE_SRC := $(sort $(wildcard analyze/*.c analyze/*/*.c))
NOTIFY_SRC  := $(sort $(wildcard notify/*.c))
DAEMON_SRC  := $(filter-out daemon/main.c,$(sort $(wildcard daemon/*.c daemon/*/*.c)))
LIB_SRC := $(COMMON_SRC) $(CONFIG_SRC) $(FETCH_SRC) $(ANALYZE_SRC) $(NOTIFY_SRC) $(DAEMON_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)

TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_OBJ  := $(TEST_SRC:%.c=$(BUILD)/%.o)

BIN := $(BUILD)/speechwatch

all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libspeechwatch.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BIN): $(BUILD)/daemon/main.o $(BUILD)/libspeechwatch.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/unit/testutil.o $(BUILD)/libspeechwatch.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS)

tests: $(BIN) $(TEST_BIN)

check: tests
	@bash tests/run-all $(BUILD)

check-asan:
	$(MAKE) BUILD=build/asan OPT=-O1 \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check

deps:
	@bash .ci/deps

# libFuzzer targets: clang, the parsers' modules only (common, config,
# analyze) compiled with coverage + ASan + UBSan into their own build dir.
FUZZ_BUILD ?= build/fuzz
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(filter-out fuzz_util,$(FUZZ_SRC:tests/fuzz/%.c=%))
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
FUZZ_LIB_OBJ := $(addprefix $(BUILD)/,$(COMMON_SRC:.c=.o) $(CONFIG_SRC:.c=.o) \
	$(ANALYZE_SRC:.c=.o) tests/fuzz/fuzz_util.o)

fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 SAN="$(FUZZ_SAN)" \
		fuzz-bins

fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/bin/%)

$(BUILD)/libfuzzparsers.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/bin/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libfuzzparsers.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

demo: $(BIN)
	@bash tests/demo/run

format:
	clang-format -i $(LIB_SRC) daemon/main.c $(TEST_SRC) $(FUZZ_SRC) $(wildcard */*.h */*/*.h)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(PREFIX)/share/speechwatch/themes $(DESTDIR)$(SYSCONFDIR)/speechwatch
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/speechwatch
	install -d $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0644 docs/speechwatch.8 $(DESTDIR)$(PREFIX)/share/man/man8/speechwatch.8
	install -m 0644 docs/speechwatch.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/speechwatch.conf.5
	sed 's|@BINDIR@|$(PREFIX)/bin|g' systemd/speechwatch.service.in \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/speechwatch.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/speechwatch.service
	# the example's theme include names this PREFIX: docs/systemd.md copies it as it is
	sed 's|/usr/local/share/speechwatch|$(PREFIX)/share/speechwatch|' \
		config/speechwatch.conf.example \
		> $(DESTDIR)$(SYSCONFDIR)/speechwatch/speechwatch.conf.example
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/speechwatch/speechwatch.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/speechwatch/speechwatch.conf || \
		install -m 0644 $(DESTDIR)$(SYSCONFDIR)/speechwatch/speechwatch.conf.example \
		$(DESTDIR)$(SYSCONFDIR)/speechwatch/speechwatch.conf
	$(if $(wildcard config/themes/*.conf),install -m 0644 $(wildcard config/themes/*.conf) \
		$(DESTDIR)$(PREFIX)/share/speechwatch/themes/)

clean:
	rm -rf $(BUILD)

# Shell completion (config/completion/), into the directories bash-completion
# and zsh search under PREFIX; a package may set them (Debian's zsh reads
# $(PREFIX)/share/zsh/vendor-completions).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
install: install-completion
install-completion:
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 config/completion/speechwatch.bash $(DESTDIR)$(BASHCOMPDIR)/speechwatch
	install -m 0644 config/completion/_speechwatch $(DESTDIR)$(ZSHCOMPDIR)/_speechwatch
.PHONY: install-completion

.PHONY: all tests check check-asan deps demo format install clean fuzz fuzz-bins
.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/daemon/main.d \
	$(FUZZ_SRC:%.c=$(BUILD)/%.d)
