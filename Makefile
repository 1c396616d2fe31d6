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
PKGS      := openblas hdf5 fftw3 gsl zlib matio json-c libzip
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

ifeq ($(SANITIZE),1)
BUILD     ?= build-asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT       := -O1 -g
else
BUILD     ?= build
SAN_FLAGS :=
OPT       := -O2 -g
endif

WK_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) \
             -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -fopenmp -Iinclude -Isrc $(PKG_CFLAGS) -DWK_VERSION='"$(VERSION)"' $(SAN_FLAGS)
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

# Unit tests and tool tests all speak TAP; prove runs them.
check: all $(UNITS) $(GENS)
	WK_BIN=$(CURDIR)/$(BUILD)/bin WK_TOP=$(CURDIR) WK_BUILD=$(CURDIR)/$(BUILD) WK_GEN=$(CURDIR)/$(BUILD)/gen \
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

clean:
	rm -rf build build-asan demo-out

-include $(DEPS)
