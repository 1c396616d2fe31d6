# wormkit - GNU make build.  `make`, `make check`, `make demo`,
# `make install PREFIX=/usr/local DESTDIR=`, `make uninstall`, `make clean`.
# Sanitizer build: `make check SANITIZE=1` (builds into build-asan/).

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    ?= $(PREFIX)/bin
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man

CC        ?= cc
# openblas first: its cblas_* must win over GSL's reference gslcblas at link time.
PKGS      := openblas hdf5 fftw3 gsl zlib libdeflate matio json-c libzip cairo
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

# MPI build: `make MPI=1` (Open MPI's mpicc, into build-mpi/); the default
# build has no MPI and every tool runs as a job of one rank.
ifeq ($(MPI),1)
CC        := mpicc
MPI_FLAGS := -DWK_MPI
MPI_SUFFIX := -mpi
else
MPI_FLAGS :=
MPI_SUFFIX :=
endif

ifeq ($(SANITIZE),1)
BUILD     ?= build$(MPI_SUFFIX)-asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT       := -O1 -g
else
BUILD     ?= build$(MPI_SUFFIX)
SAN_FLAGS :=
OPT       := -O2 -g
endif

WK_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) \
             -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -fopenmp -Iinclude -Isrc $(PKG_CFLAGS) -DWK_VERSION='"$(VERSION)"' $(MPI_FLAGS) $(SAN_FLAGS)
# User CFLAGS/LDFLAGS are appended, never replace ours.
ALL_CFLAGS := $(WK_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS := -fopenmp $(SAN_FLAGS) $(LDFLAGS)
LIBS      := $(PKG_LIBS) -lm

LIB_SRC   := $(sort $(wildcard src/*.c src/import/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libwormkit.a
TOOL_SRC  := $(sort $(wildcard tools/worm-*.c))
TOOLS     := $(TOOL_SRC:tools/%.c=$(BUILD)/bin/%)
UNIT_SRC  := $(sort $(wildcard tests/unit/test-*.c))
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Generators of test and sample inputs (raw dataset formats); not tests.
GEN_SRC   := $(sort $(wildcard tests/gen/*.c))
GENS      := $(GEN_SRC:tests/gen/%.c=$(BUILD)/gen/%)
HEADERS   := $(wildcard include/wormkit/*.h)
DEPS      := $(LIB_OBJ:.o=.d) $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%.d) $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.d) \
             $(GEN_SRC:tests/gen/%.c=$(BUILD)/gen/%.d)

.PHONY: all check unit demo install uninstall clean
all: $(LIB) $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/%: tools/%.c $(LIB)
	@mkdir -p $(BUILD)/bin $(BUILD)/tools
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF $(BUILD)/tools/$*.d $< -o $@ $(ALL_LDFLAGS) $(LIB) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/wk_test.h $(LIB)
	@mkdir -p $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -MF $(BUILD)/tests/$*.d $< -o $@ $(ALL_LDFLAGS) $(LIB) $(LIBS)

$(BUILD)/gen/%: tests/gen/%.c $(LIB)
	@mkdir -p $(BUILD)/gen
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF $(BUILD)/gen/$*.d $< -o $@ $(ALL_LDFLAGS) $(LIB) $(LIBS)

unit: $(UNITS)

# Unit tests and tool tests all speak TAP; prove runs them.  When Open MPI
# is installed (mpicc and mpirun), the model tools are also built with MPI=1
# into $(BUILD)-mpi/ and the MPI tests run them; otherwise those tests skip.
MPI_TOOLS := worm-ntf worm-bicluster worm-glm
HAVE_MPI  := $(if $(MPI),,$(shell command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1 && echo yes))
MPI_BUILD := $(patsubst build%,build-mpi%,$(BUILD))
check: all $(UNITS) $(GENS)
ifeq ($(HAVE_MPI),yes)
	$(MAKE) MPI=1 BUILD=$(MPI_BUILD) SANITIZE=$(SANITIZE) $(MPI_TOOLS:%=$(MPI_BUILD)/bin/%) $(MPI_BUILD)/tests/test-mpi
endif
	WK_BIN=$(CURDIR)/$(BUILD)/bin WK_TOP=$(CURDIR) WK_BUILD=$(CURDIR)/$(BUILD) WK_GEN=$(CURDIR)/$(BUILD)/gen \
	  WK_MPI_BIN=$(if $(filter yes,$(HAVE_MPI)),$(CURDIR)/$(MPI_BUILD)/bin) \
	  prove $(PROVE_FLAGS) $(UNITS) tests/t/t*.sh

demo: all
	WK_BIN=$(CURDIR)/$(BUILD)/bin sh data-samples/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/wormkit \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)
	install -m 644 $(HEADERS) $(DESTDIR)$(INCDIR)/wormkit
	install -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/man5/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/man7/*.7 $(DESTDIR)$(MANDIR)/man7

uninstall:
	rm -f $(TOOL_SRC:tools/%.c=$(DESTDIR)$(BINDIR)/%) $(DESTDIR)$(LIBDIR)/libwormkit.a
	rm -f $(HEADERS:include/wormkit/%=$(DESTDIR)$(INCDIR)/wormkit/%)
	-rmdir $(DESTDIR)$(INCDIR)/wormkit
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/%,$(wildcard man/man1/*.1 man/man5/*.5 man/man7/*.7))

# --- fuzzing (not part of all or check): `make fuzz FUZZ_SECONDS=N` builds the
# libFuzzer targets tests/fuzz/fuzz-*.c with clang, ASan and UBSan into
# build-fuzz/ and runs each for N seconds from its seed corpus; crashers are
# written to build-fuzz/artifacts/.  FUZZ_TARGETS=fuzz-x restricts the run.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?= -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=30
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/%.c=%)
# Seed folders per target (searched recursively).
FUZZ_SEEDS_fuzz-h5layout   := tests/fuzz/corpus/h5layout
FUZZ_SEEDS_fuzz-h5matrix   := tests/fuzz/corpus/h5matrix data-samples/raw/dag2023
FUZZ_SEEDS_fuzz-delimited  := tests/fuzz/corpus/delimited data-samples/csv tests/data/import
FUZZ_SEEDS_fuzz-connectome := tests/fuzz/corpus/connectome data-samples/connectome
FUZZ_SEEDS_fuzz-compare    := tests/fuzz/corpus/compare data-samples/connectome
FUZZ_SEEDS_fuzz-parse      := tests/fuzz/corpus/parse
FUZZ_SEEDS_fuzz-import     := tests/fuzz/corpus/import data-samples/raw
FUZZ_SEEDS_fuzz-import-h5  := data-samples/raw/kato2015 data-samples/raw/nichols2017 \
  data-samples/raw/skora2018 data-samples/raw/kaplan2020 data-samples/raw/uzel2022 \
  data-samples/raw/nejatbakhsh2020 data-samples/raw/dag2023 data-samples/raw/flavell2023
# libhdf5 allocates a variable-length string's claimed length (up to 4 GiB)
# before finding that the file does not hold it (MAT v5 claims are checked
# before libmatio sees them, src/import/mat5_check.c): allow those transient
# allocations, and
# let the allocator return NULL (allocator_may_return_null) for the
# impossible ones libhdf5 asks for on a damaged object header.
FUZZ_FLAGS_fuzz-h5layout   := -malloc_limit_mb=4200
FUZZ_FLAGS_fuzz-h5matrix   := -malloc_limit_mb=4200
FUZZ_FLAGS_fuzz-compare    := -malloc_limit_mb=4200
FUZZ_FLAGS_fuzz-import     := -malloc_limit_mb=4200
FUZZ_FLAGS_fuzz-import-h5  := -malloc_limit_mb=4200
# A refused option prints its usage hint on stderr (fine for a tool, 2 GB
# of log in ten minutes of fuzzing): close the target's stderr (libFuzzer
# and the sanitizers keep reporting on a copy).
FUZZ_FLAGS_fuzz-parse      := -close_fd_mask=2

.PHONY: fuzz fuzz-build
fuzz-build:
	$(MAKE) SANITIZE=1 CC=clang BUILD=build-fuzz \
	  CFLAGS="-fsanitize=fuzzer-no-link -Wno-pass-failed" \
	  $(FUZZ_TARGETS:%=build-fuzz/fuzz/%)

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(BUILD)/fuzz
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $(BUILD)/fuzz/fuzz-$*.d $< -o $@ \
	  -fsanitize=fuzzer $(ALL_LDFLAGS) $(LIB) $(LIBS)

# One target's run: log in build-fuzz/<target>.log, executions printed.
fuzz_run = mkdir -p build-fuzz/corpus/$(1); echo "== $(1): $(FUZZ_SECONDS) s"; \
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 \
  build-fuzz/fuzz/$(1) $(FUZZ_FLAGS) $(FUZZ_FLAGS_$(1)) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
    -artifact_prefix=build-fuzz/artifacts/$(1)- build-fuzz/corpus/$(1) $(FUZZ_SEEDS_$(1)) \
    >build-fuzz/$(1).log 2>&1 || failed="$$failed $(1)"; \
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' build-fuzz/$(1).log;

fuzz: fuzz-build
	@mkdir -p build-fuzz/artifacts; failed=; \
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t))) \
	if [ -n "$$failed" ]; then \
	  echo "fuzz: crash in:$$failed (see build-fuzz/<target>.log, build-fuzz/artifacts/)" >&2; exit 1; fi

clean:
	rm -rf build build-asan build-mpi build-mpi-asan demo-out

-include $(DEPS)
