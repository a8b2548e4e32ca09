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

.PHONY: all check clean fuzz bench install uninstall

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
	STALE=$(abspath $(STALE)) BUILD=$(BUILD) tests/run

# libFuzzer harness for the parser; FUZZ_SECONDS bounds the run.
FUZZ_SECONDS ?= 30
fuzz:
	@mkdir -p build-fuzz
	clang -std=c11 -g -O1 $(DEFS) -Isrc -Isrc/lang -Isrc/machine -Isrc/kernel \
		-Isrc/explore -Isrc/cli -fsanitize=fuzzer,address,undefined \
		-o build-fuzz/parse_fuzz fuzz/parse_fuzz.c $(LIB_SRC) $(LDLIBS)
	build-fuzz/parse_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-timeout=5 fuzz/corpus examples lib

bench: $(STALE)
	bench/run

clean:
	rm -rf build build-san build-fuzz stale

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d
