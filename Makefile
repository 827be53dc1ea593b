# attune tools — one Makefile: libattune.a from lib/, one tool per bin/attune-*.c.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -std=c11 -Wall -Wextra -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -iquote lib
HIREDIS_CFLAGS ?= $(shell pkg-config --cflags hiredis 2>/dev/null)
HIREDIS_LIBS ?= $(shell pkg-config --libs hiredis 2>/dev/null || echo -lhiredis)
SQLITE_LIBS ?= $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)
JQ_LIBS ?= -ljq -lonig
LIBS = $(HIREDIS_LIBS) $(SQLITE_LIBS) $(JQ_LIBS) -lm

BUILD ?= build
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(BUILD)/obj/%.o)
TOOLS = $(basename $(notdir $(wildcard bin/attune-*.c)))
BINS = $(TOOLS:%=$(BUILD)/bin/%)
UNIT_SRC = $(wildcard tests/unit/*_test.c)
UNITS = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
MAN1 = $(wildcard man/*.1)
MAN7 = $(wildcard man/*.7)

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

all: $(BUILD)/libattune.a $(BINS) $(UNITS)

$(BUILD)/obj/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(HIREDIS_CFLAGS) $(WARNINGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libattune.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/bin/%: bin/%.c $(BUILD)/libattune.a lib/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) -o $@ $< $(BUILD)/libattune.a $(LIBS) $(LDFLAGS)

$(BUILD)/unit/%: tests/unit/%.c tests/unit/*.h $(BUILD)/libattune.a lib/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) -iquote tests/unit -o $@ $< $(BUILD)/libattune.a $(LIBS) $(LDFLAGS)

deps:
	@sh tools/deps.sh

# The whole suite on both stores, plain and under sanitizers (tests/check.sh); the last line is
# "check: N passed, M failed". TESTS=... limits it to some bats files.
check: deps
	@$(MAKE) --no-print-directory all fuzz-build
	@$(MAKE) --no-print-directory all BUILD=build/asan CFLAGS="$(ASAN_FLAGS)"
	@TESTS="$(TESTS)" sh tests/check.sh

check-asan: deps
	@$(MAKE) --no-print-directory all BUILD=build/asan CFLAGS="$(ASAN_FLAGS)"
	@BUILD=build/asan ASAN=1 sh tests/run.sh $(TESTS)

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh bench/run.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	cp -f $(BINS) $(DESTDIR)$(BINDIR)/
	for t in $(TOOLS); do \
		[ ! -f man/$$t.1 ] || cp -f man/$$t.1 $(DESTDIR)$(MANDIR)/man1/; \
		[ ! -f completions/$$t.bash ] || cp -f completions/$$t.bash $(DESTDIR)$(BASHCOMPDIR)/$$t; \
		[ ! -f completions/_$$t ] || cp -f completions/_$$t $(DESTDIR)$(ZSHCOMPDIR)/; \
		[ ! -f completions/$$t.fish ] || cp -f completions/$$t.fish $(DESTDIR)$(FISHCOMPDIR)/; \
	done
	[ -z "$(MAN7)" ] || cp -f $(MAN7) $(DESTDIR)$(MANDIR)/man7/

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/man1/$$t.1 $(DESTDIR)$(BASHCOMPDIR)/$$t \
			$(DESTDIR)$(ZSHCOMPDIR)/_$$t $(DESTDIR)$(FISHCOMPDIR)/$$t.fish; \
	done
	for m in $(notdir $(MAN7)); do rm -f $(DESTDIR)$(MANDIR)/man7/$$m; done

clean:
	rm -rf build

.PHONY: all deps check check-asan demo bench install uninstall clean
.SECONDARY:

# libFuzzer harnesses (clang): `make fuzz` runs each for FUZZ_TIME seconds on its seed corpus.
FUZZ_TIME ?= 60
FUZZ_SRC = $(wildcard tests/fuzz/*_fuzz.c)
FUZZERS = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/bin/%)
FUZZ_FLAGS = -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" build/fuzz/libattune.a
	@$(MAKE) --no-print-directory $(FUZZERS)

build/fuzz/bin/%: tests/fuzz/%.c build/fuzz/libattune.a
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libattune.a $(LIBS)

fuzz: fuzz-build
	@FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run.sh

.PHONY: fuzz fuzz-build
