# ipcreap: build, test, install. `make` builds build/ipcreapd and build/ipcreapctl;
# `make check` runs every test; `make run` runs the daemon with the shipped policy.

VERSION := 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
DATADIR ?= $(PREFIX)/share
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
DESTDIR ?=

BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config
LIBS_PKG := libsystemd inih jansson

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
            -Wstrict-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -DIPCREAP_VERSION='"$(VERSION)"' $(WARNINGS) \
             -Icommon -Idaemon -Iclient -MMD -MP $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) \
             $(shell $(PKG_CONFIG) --cflags $(LIBS_PKG) 2>/dev/null)
LDLIBS_ALL = $(shell $(PKG_CONFIG) --libs $(LIBS_PKG) 2>/dev/null) -lpthread

COMMON_SRC := $(wildcard common/*.c)
DAEMON_SRC := $(filter-out daemon/ipcreapd.c,$(wildcard daemon/*.c))
CLIENT_SRC := $(filter-out client/ipcreapctl.c,$(wildcard client/*.c))
TEST_SRC := $(wildcard tests/unit/test-*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

COMMON_LIB := $(BUILD)/libipcreap-common.a
DAEMON_LIB := $(BUILD)/libipcreap-daemon.a
CLIENT_LIB := $(BUILD)/libipcreap-client.a
TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(HELPER_SRC))

DEPS_STAMP := $(BUILD)/.deps-build
TEST_DEPS_STAMP := $(BUILD)/.deps-test

.PHONY: all check unit-check sanitize-check valgrind-check integration-check lint format \
        format-check man-check units-check container-check run install clean deps test-deps \
        bench

all: $(BUILD)/ipcreapd $(BUILD)/ipcreapctl

# Build dependencies: installed with apt-get when missing and we are root on Debian.
$(DEPS_STAMP):
	@tests/deps.sh build
	@mkdir -p $(@D) && touch $@
# TEST_DEPS=unit (make test) asks only for what the unit tests need.
TEST_DEPS ?= test
$(TEST_DEPS_STAMP): $(DEPS_STAMP)
	@tests/deps.sh $(TEST_DEPS)
	@mkdir -p $(@D) && touch $@
deps: $(DEPS_STAMP)
test-deps: $(TEST_DEPS_STAMP)

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
	@rm -f $@
	$(AR) rcs $@ $^
$(DAEMON_LIB): $(call obj,$(DAEMON_SRC))
	@rm -f $@
	$(AR) rcs $@ $^
$(CLIENT_LIB): $(call obj,$(CLIENT_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/ipcreapd: $(call obj,daemon/ipcreapd.c) $(DAEMON_LIB) $(COMMON_LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/ipcreapctl: $(call obj,client/ipcreapctl.c) $(CLIENT_LIB) $(COMMON_LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(DAEMON_LIB) $(CLIENT_LIB) $(COMMON_LIB) | $(TEST_DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) -lcmocka
$(BUILD)/helpers/%: $(call obj,tests/helpers/%.c)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

# ---- tests ----

check: test-deps all
	$(MAKE) unit-check
	$(MAKE) sanitize-check
	$(MAKE) fuzz-check
	$(MAKE) valgrind-check
	$(MAKE) lint
	$(MAKE) format-check
	$(MAKE) man-check
	$(MAKE) units-check
	$(MAKE) integration-check
	$(MAKE) tsan-check
	$(MAKE) container-check
	$(MAKE) completion-check
	$(MAKE) package-check
	@echo "make check: all passed"

unit-check: $(TESTS)
	@tests/run-unit.sh $(TESTS)

# The fast unit tests only, needing nothing beyond cmocka: what the package build runs
# (debian/rules, dh_auto_test). A stamp of their own: `check` still installs every test tool.
.PHONY: test
test:
	$(MAKE) TEST_DEPS=unit TEST_DEPS_STAMP=$(BUILD)/.deps-unit unit-check

# The unit tests again, built with clang's AddressSanitizer and UBSan.
sanitize-check: | $(TEST_DEPS_STAMP)
	$(MAKE) BUILD=$(BUILD)/asan CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	        EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	        LDFLAGS="-fsanitize=address,undefined" unit-check

# The daemon integration tests that run passes, reloads and queries at once, against a
# build with clang's ThreadSanitizer: a data race makes the daemon exit 66, which fails its
# test. About half a minute.
TSAN_TESTS := test-daemon-reload-during-pass test-daemon-first-pass-not-empty \
              test-daemon-scan-and-history test-daemon-list-explain-states \
              test-daemon-secrets-creator-cmdline test-daemon-simulate \
              test-daemon-state-survives-restart test-daemon-authorization \
              test-daemon-misbehaving-clients test-daemon-reload-keeps-old-policy \
              test-daemon-creator-recorded
.PHONY: tsan-check
tsan-check: $(HELPERS) | $(TEST_DEPS_STAMP)
	$(MAKE) BUILD=$(BUILD)/tsan CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	        EXTRA_CFLAGS="-fsanitize=thread" LDFLAGS="-fsanitize=thread" all
	@# The helpers are the tests' tools, not under test: the ordinary build serves.
	@mkdir -p $(BUILD)/tsan/helpers && cp $(HELPERS) $(BUILD)/tsan/helpers/
	@rm -f $(BUILD)/tsan/report.*
	@BUILD=$(abspath $(BUILD)/tsan) \
	 TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=$(abspath $(BUILD)/tsan)/report" \
	        tests/integration/run.sh $(TSAN_TESTS) || { cat $(BUILD)/tsan/report.* 2>/dev/null; exit 1; }

valgrind-check: $(TESTS)
	@tests/run-unit.sh --valgrind $(TESTS)

# libFuzzer harnesses (tests/fuzz/fuzz-NAME.c, seeds in tests/fuzz/corpus/NAME/), built with
# clang against the code under test instrumented the same way, in $(BUILD)/fuzz/. `make fuzz`
# runs each for FUZZ_SECONDS and keeps what it finds in $(BUILD)/fuzz/found/NAME, never in the
# tree; `make fuzz-check` replays every seed, then fuzzes each for FUZZ_CHECK_SECONDS.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 12
.PHONY: fuzz fuzz-check fuzz-build fuzzers
fuzzers: $(FUZZERS)
$(BUILD)/fuzz-%: $(call obj,tests/fuzz/fuzz-%.c) $(DAEMON_LIB) $(COMMON_LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)
fuzz-build: | $(TEST_DEPS_STAMP)
	$(MAKE) BUILD=$(BUILD)/fuzz CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	        EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	        LDFLAGS="-fsanitize=fuzzer,address,undefined" fuzzers
fuzz: fuzz-build
	@tests/fuzz/run.sh fuzz $(BUILD)/fuzz $(FUZZ_SECONDS)
fuzz-check: fuzz-build
	@tests/fuzz/run.sh check $(BUILD)/fuzz $(FUZZ_CHECK_SECONDS)

# Long loops for rare races and crashes (racing attachers, SIGKILL during mass removal);
# .ci/run runs them after make check. STRESS_TIMEOUT bounds each test, in seconds.
.PHONY: stress
stress: all $(HELPERS) | $(TEST_DEPS_STAMP)
	@BUILD=$(abspath $(BUILD)) tests/stress/run.sh

integration-check: all $(HELPERS) | $(TEST_DEPS_STAMP)
	@BUILD=$(abspath $(BUILD)) tests/integration/run.sh

lint: | $(TEST_DEPS_STAMP)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	         --inline-suppr --std=c11 -D_GNU_SOURCE -DIPCREAP_VERSION='"lint"' \
	         -Icommon -Idaemon -Iclient --suppress=missingIncludeSystem \
	         "-Djson_array_foreach(a,i,v)=for(i=0;(v=json_array_get(a,i));i++)" \
	         "-Djson_object_foreach(o,k,v)=for(k=0;(v=0);)" \
	         common daemon client tests/helpers tests/fuzz

format:
	clang-format -i $(wildcard common/*.[ch] daemon/*.[ch] client/*.[ch] tests/unit/*.[ch] tests/helpers/*.c bench/*.[ch] tests/fuzz/*.c)

format-check: | $(TEST_DEPS_STAMP)
	clang-format --dry-run --Werror $(wildcard common/*.[ch] daemon/*.[ch] client/*.[ch] tests/unit/*.[ch] tests/helpers/*.c bench/*.[ch] tests/fuzz/*.c)

man-check: | $(TEST_DEPS_STAMP)
	@tests/man-check.sh $(wildcard man/*.[0-9])

# The units as installed, but pointing at build/: systemd-analyze verify and security.
units-check: all | $(TEST_DEPS_STAMP)
	@tests/units-check.sh $(abspath $(BUILD))

# ipcreapd as installed, under a real systemd booted as PID 1 in a container (root; the
# first run debootstraps $(BUILD)/container/root, a few minutes).
container-check: all $(BUILD)/helpers/ipc-helper | $(TEST_DEPS_STAMP)
	@BUILD=$(abspath $(BUILD)) tests/container/test-systemd.sh

# The bash completion, sourced in bash, against a daemon in a private IPC namespace.
.PHONY: completion-check
completion-check: all | $(TEST_DEPS_STAMP)
	@BUILD=$(abspath $(BUILD)) tests/completion/test-bash-completion.sh

# ---- the Debian package ----

# dpkg-buildpackage -us -uc -b in a copy of the tree under $(BUILD)/deb/, where
# ipcreap_$(VERSION)_ARCH.deb lands (run in the tree itself, dpkg-buildpackage writes it
# into the tree's parent directory).
.PHONY: deb package-check
deb: | $(DEPS_STAMP)
	@tests/deps.sh package
	@tests/package/build-deb.sh $(abspath $(BUILD))/deb

# Builds the package (and a newer one), installs, upgrades and purges it under a real
# systemd in a container, runs lintian (root; reuses $(BUILD)/container/root).
package-check: | $(TEST_DEPS_STAMP)
	@BUILD=$(abspath $(BUILD)) tests/package/test-package.sh

# ---- running ----

run: all
	@if [ "$$(id -u)" != 0 ]; then echo "make run: ipcreapd needs root (CAP_SYS_ADMIN) to remove other users' objects; run it as root." >&2; exit 1; fi
	./$(BUILD)/ipcreapd --config etc/ipcreap.conf

# The System V pass, removal and daemon benchmark, then the walks for queue waiters and
# POSIX users, and the POSIX pass (each in private namespaces; root). BENCH_ARGS=--quick: smaller.
bench: all
	bench/run.sh $(BENCH_ARGS)
	BUILD=$(abspath $(BUILD)) bench/queue-waiters.sh
	BUILD=$(abspath $(BUILD)) bench/file-users.sh
	BUILD=$(abspath $(BUILD)) bench/posix.sh $(BENCH_ARGS)
	BUILD=$(abspath $(BUILD)) bench/namespaces.sh $(BENCH_ARGS)
	BUILD=$(abspath $(BUILD)) bench/quarantine.sh $(BENCH_ARGS)

# ---- install ----

$(BUILD)/ipcreapd.service: systemd/ipcreapd.service.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' $< >$@

install: all $(BUILD)/ipcreapd.service
	install -Dm0755 $(BUILD)/ipcreapd $(DESTDIR)$(SBINDIR)/ipcreapd
	install -Dm0755 $(BUILD)/ipcreapctl $(DESTDIR)$(BINDIR)/ipcreapctl
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/ipcreap/ipcreap.conf ]; then \
	        echo "Keeping the existing $(DESTDIR)$(SYSCONFDIR)/ipcreap/ipcreap.conf"; \
	else \
	        echo "install -Dm0644 etc/ipcreap.conf $(DESTDIR)$(SYSCONFDIR)/ipcreap/ipcreap.conf"; \
	        install -Dm0644 etc/ipcreap.conf $(DESTDIR)$(SYSCONFDIR)/ipcreap/ipcreap.conf; \
	fi
	install -d $(DESTDIR)$(SYSCONFDIR)/ipcreap/ipcreap.conf.d
	install -Dm0644 $(BUILD)/ipcreapd.service $(DESTDIR)$(UNITDIR)/ipcreapd.service
	install -Dm0644 systemd/ipcreapd.socket $(DESTDIR)$(UNITDIR)/ipcreapd.socket
	install -Dm0644 systemd/ipcreap.sysusers $(DESTDIR)$(SYSUSERSDIR)/ipcreap.conf
	install -Dm0644 systemd/ipcreap.catalog $(DESTDIR)$(CATALOGDIR)/ipcreap.catalog
	for f in $(wildcard man/*.[0-9]); do \
	        install -Dm0644 $$f $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; done
	install -Dm0644 shell-completion/ipcreapctl $(DESTDIR)$(COMPLETIONDIR)/ipcreapctl
	install -Dm0644 contrib/prometheus/ipcreap.rules.yml $(DESTDIR)$(DATADIR)/ipcreap/prometheus/ipcreap.rules.yml
	install -Dm0644 contrib/grafana/ipcreap.json $(DESTDIR)$(DATADIR)/ipcreap/grafana/ipcreap.json
	@# On the live system (no DESTDIR) create the user and tell systemd and journald.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	        ! command -v systemd-sysusers >/dev/null || systemd-sysusers $(SYSUSERSDIR)/ipcreap.conf; \
	        ! command -v journalctl >/dev/null || journalctl --update-catalog || true; \
	        [ ! -d /run/systemd/system ] || systemctl daemon-reload; \
	        echo "Installed. Start it with: systemctl enable --now ipcreapd.socket ipcreapd.service"; \
	fi

clean:
	rm -rf $(BUILD)

.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
