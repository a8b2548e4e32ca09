# stale - plain Makefile.  `make` builds ./stale; `make check` runs the tests.
#
# Variables worth setting: CC (gcc or clang), SAN=1 (ASan+UBSan build in
# build-san/), O (optimisation flags).

CC      ?= cc
O       ?= -O2
SAN     ?=
CFLAGS  ?=
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
ALL_CFLAGS = $(WARN) $(DEFS) $(O) -g $(CFLAGS) -Isrc -Isrc/lang -Isrc/machine \
	     -Isrc/kernel -Isrc/explore -Isrc/cli
LDLIBS  := -lxxhash -lpthread -lm

ifeq ($(SAN),1)
BUILD   := build-san
O       := -O1
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
BUILD   := build
endif

PREFIX  ?= /usr/local
DESTDIR ?=

LIB_SRC := $(sort $(wildcard src/lang/*.c src/machine/*.c src/kernel/*.c \
	     src/explore/*.c src/cli/*.c))
LIB_SRC := $(filter-out src/cli/main.c,$(LIB_SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

STALE   := $(if $(filter 1,$(SAN)),$(BUILD)/stale,stale)

.PHONY: all check clean fuzz bench bench-spin install uninstall stalefs

all: $(STALE)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libstale.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(STALE): $(BUILD)/src/cli/main.o $(BUILD)/libstale.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libstale.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libstale.a $(LDLIBS)

units: $(UNIT_BIN)

check: $(STALE) $(UNIT_BIN)
	STALE=$(abspath $(STALE)) STALE_LIB=$(abspath lib) BUILD=$(BUILD) tests/run

# libFuzzer harness for the parser; FUZZ_SECONDS bounds the run.
FUZZ_SECONDS ?= 30
fuzz:
	@mkdir -p build-fuzz
	clang -std=c11 -g -O1 $(DEFS) -Isrc -Isrc/lang -Isrc/machine -Isrc/kernel \
		-Isrc/explore -Isrc/cli -fsanitize=fuzzer,address,undefined \
		-o build-fuzz/parse_fuzz fuzz/parse_fuzz.c $(LIB_SRC) $(LDLIBS)
	@mkdir -p build-fuzz/corpus
	build-fuzz/parse_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-timeout=5 -rss_limit_mb=2048 -dict=fuzz/litmus.dict \
		build-fuzz/corpus fuzz/corpus examples examples/history \
		lib/fuse/scenarios

bench: $(STALE)
	bench/run

# stale against SPIN on one family (bench/vs-spin; up to 10 min and 20 GiB
# per run, VS_SPIN_FLAGS='--quick' for a short one).
VS_SPIN_FLAGS ?=
bench-spin: $(STALE)
	bench/vs-spin $(VS_SPIN_FLAGS)

# The FUSE server on this machine's /dev/fuse (stalefs/, docs/stalefs.md).
stalefs:
	$(MAKE) -C stalefs

clean:
	rm -rf build build-san build-fuzz stale
	$(MAKE) -C stalefs clean

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d

# ---- install ----------------------------------------------------------------
# `make install` copies the program, the scenario library, the examples and
# the man pages under $(DESTDIR)$(PREFIX); `make uninstall` removes them.
# The library's installed path is compiled into the program (default_libdirs
# in src/cli/run.c); the stamp rebuilds run.o when PREFIX changes, so that
# `make && make install PREFIX=/usr` installs a program that finds
# /usr/share/stale/lib.  A DESTDIR install is found there only once the
# files are moved to PREFIX; before that, set STALE_LIB (stale(1), FILES).
# stalefs (stalefs/, `make -C stalefs`) and its man page are installed when
# stalefs/stalefs has been built.
BINDIR     = $(PREFIX)/bin
SBINDIR    = $(PREFIX)/sbin
DATADIR    = $(PREFIX)/share/stale
MANDIR     = $(PREFIX)/share/man
STALE_LIBDIR = $(DATADIR)/lib
INSTALL    = install

.PHONY: FORCE
$(BUILD)/src/cli/run.o: ALL_CFLAGS += -DSTALE_LIBDIR=\"$(STALE_LIBDIR)\"
$(BUILD)/src/cli/run.o: $(BUILD)/libdir.stamp
$(BUILD)/libdir.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(STALE_LIBDIR)' | cmp -s - $@ || echo '$(STALE_LIBDIR)' > $@

install: $(STALE)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(STALE_LIBDIR) \
		$(DESTDIR)$(DATADIR)/examples/history $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 755 $(STALE) $(DESTDIR)$(BINDIR)/stale
	cd lib && find . -type d | while read -r d; do \
		$(INSTALL) -d "$(DESTDIR)$(STALE_LIBDIR)/$$d" || exit 1; done
	cd lib && find . -type f | while read -r f; do \
		$(INSTALL) -m 644 "$$f" "$(DESTDIR)$(STALE_LIBDIR)/$$f" || exit 1; done
	$(INSTALL) -m 644 examples/*.litmus $(DESTDIR)$(DATADIR)/examples
	$(INSTALL) -m 644 examples/history/*.litmus \
		$(DESTDIR)$(DATADIR)/examples/history
	$(INSTALL) -m 644 man/stale.1 $(DESTDIR)$(MANDIR)/man1/stale.1
	$(INSTALL) -m 644 man/stale-litmus.5 $(DESTDIR)$(MANDIR)/man5/stale-litmus.5
	if [ -x stalefs/stalefs ]; then \
		$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 && \
		$(INSTALL) -m 755 stalefs/stalefs $(DESTDIR)$(SBINDIR)/stalefs && \
		$(INSTALL) -m 644 man/stalefs.8 $(DESTDIR)$(MANDIR)/man8/stalefs.8; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/stale $(DESTDIR)$(SBINDIR)/stalefs \
		$(DESTDIR)$(MANDIR)/man1/stale.1 \
		$(DESTDIR)$(MANDIR)/man5/stale-litmus.5 \
		$(DESTDIR)$(MANDIR)/man8/stalefs.8
	rm -rf $(DESTDIR)$(DATADIR)
