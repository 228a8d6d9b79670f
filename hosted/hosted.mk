# SPDX-License-Identifier: GPL-2.0-only
#
# hosted/hosted.mk - the library as users install it (Documentation/install.rst).
#
#   make dist               build/<v>/dist/: libpgtable.a, libpgtable.so.X.Y.Z (SONAME
#                           libpgtable.so.X, only the public API exported:
#                           hosted/libpgtable.map), libpgtable.pc, the pgtable
#                           tool linked to the shared library, pgtable.1
#   make install            PREFIX=/usr/local DESTDIR= LIBDIR=$(PREFIX)/lib ...
#   make uninstall          removes exactly what install put there
#   make install-check      install into a scratch DESTDIR, build examples/app/
#                           out of tree with pkg-config (dynamic and static) and
#                           run it, check the exported symbols, uninstall
#   make deb                the Debian packages, in build/deb/ (debian/)
#   make deb-check          deb, lintian, dpkg -i, build examples/app/ against
#                           the packages, remove them again
#   make check              also runs install-check and deb-check
#
# hosted/*.c is the hosted home (pgtable_hosted.h): tools/, bench/ and
# examples/ link it through HOSTED_LINK, the tests under their layer
# (test/host_mm.c, LINK_LIBS); it goes into both libraries beside lib/.

PGT_VERSION_MAJOR := $(shell sed -n 's/^\#define PGT_VERSION_MAJOR[[:space:]]*//p' include/pgtable.h)
PGT_VERSION_MINOR := $(shell sed -n 's/^\#define PGT_VERSION_MINOR[[:space:]]*//p' include/pgtable.h)
PGT_VERSION_PATCH := $(shell sed -n 's/^\#define PGT_VERSION_PATCH[[:space:]]*//p' include/pgtable.h)
PGT_RELEASE := $(PGT_VERSION_MAJOR).$(PGT_VERSION_MINOR).$(PGT_VERSION_PATCH)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
RST2MAN ?= rst2man
INSTALL ?= install

HOSTED_SRCS := $(wildcard hosted/*.c)
HOSTED_OBJS := $(HOSTED_SRCS:%.c=$(B)/%.o)
# Programs that live in the hosted home link this (the Makefile's tool and
# example rules): the home first, then the library it and they call.
HOSTED_LINK = $(HOSTED_OBJS) $(LIBPGTABLE)
HOSTED_CFLAGS = $(BASE_CFLAGS) -fPIC -Iinclude -Ihosted $(CPPFLAGS) $(CFLAGS)

DIST := $(B)/dist
SONAME := libpgtable.so.$(PGT_VERSION_MAJOR)
SHLIB := $(DIST)/libpgtable.so.$(PGT_RELEASE)
DIST_A := $(DIST)/libpgtable.a
DIST_TOOL := $(DIST)/$(TOOL_NAME)
DIST_PC := $(DIST)/libpgtable.pc
DIST_MAN := $(DIST)/pgtable.1
SYMBOL_MAP := hosted/libpgtable.map
INSTALL_HEADERS := $(wildcard include/*.h) hosted/pgtable_hosted.h

# Every path install creates, relative to DESTDIR; uninstall removes these.
INSTALLED_FILES = $(addprefix $(INCLUDEDIR)/pgtable/,$(notdir $(INSTALL_HEADERS))) \
	$(LIBDIR)/libpgtable.a $(LIBDIR)/$(notdir $(SHLIB)) $(LIBDIR)/$(SONAME) \
	$(LIBDIR)/libpgtable.so $(PKGCONFIGDIR)/libpgtable.pc $(BINDIR)/$(TOOL_NAME) \
	$(MANDIR)/man1/pgtable.1

.PHONY: dist install uninstall install-check install-check-run deb deb-check deb-check-run

ifndef FREESTANDING

$(HOSTED_OBJS): $(B)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) $(HOSTED_CFLAGS) $(DEPFLAGS) -c -o $@ $<

-include $(HOSTED_OBJS:.o=.d)

# bench/kvm/kvm.mk names them before this file defines them: its binary too.
$(EXAMPLE_BINS) $(BENCH_BINS) $(BENCH_KVM_BIN) $(B)/$(TOOL_NAME): $(HOSTED_OBJS)
# The tests link it too, under their layer (LINK_LIBS).
$(TEST_BINS) $(TOOL_TEST_BINS): $(HOSTED_OBJS)

dist: $(DIST_A) $(SHLIB) $(DIST)/$(SONAME) $(DIST)/libpgtable.so $(DIST_TOOL) $(DIST_PC) $(DIST_MAN)

$(DIST_A): $(LIB_OBJS) $(HOSTED_OBJS) $(B)/lib.list
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS) $(HOSTED_OBJS)

# -z defs: everything the library needs is named here; the map exports only
# what the installed headers declare (install-check proves it).
$(SHLIB): $(LIB_OBJS) $(HOSTED_OBJS) $(SYMBOL_MAP) $(B)/lib.list
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) -shared $(SAN) -Wl,-soname,$(SONAME) -Wl,--version-script=$(SYMBOL_MAP) \
		-Wl,-z,defs $(LDFLAGS) -o $@ $(LIB_OBJS) $(HOSTED_OBJS) $(URCU_LIBS) -lpthread

$(DIST)/$(SONAME) $(DIST)/libpgtable.so: $(SHLIB)
	$(Q)ln -sf $(notdir $<) $@

# The installed tool is the in-tree one linked to the shared library.
$(DIST_TOOL): $(TOOL_OBJS) $(B)/tool.list $(DIST)/libpgtable.so
	$(call msg,LD,$@)
	$(Q)$(VCC) $(PROG_LDFLAGS) -o $@ $(TOOL_OBJS) -L$(DIST) -lpgtable

$(DIST_PC): hosted/libpgtable.pc.in include/pgtable.h
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(PGT_RELEASE)|' $< > $@

$(DIST_MAN): Documentation/pgtable-tool.rst
	$(call msg,RST2MAN,$@)
	@mkdir -p $(@D)
	$(Q)$(RST2MAN) --exit-status=warning $< $@

install: dist
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/pgtable $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(INSTALL_HEADERS) $(DESTDIR)$(INCLUDEDIR)/pgtable/
	$(INSTALL) -m 644 $(DIST_A) $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpgtable.so
	$(INSTALL) -m 644 $(DIST_PC) $(DESTDIR)$(PKGCONFIGDIR)/
	$(INSTALL) -m 755 $(DIST_TOOL) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(DIST_MAN) $(DESTDIR)$(MANDIR)/man1/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/pgtable
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

# ---------------------------------------------------------------- the home's tests
# hosted/tests/*.c: cmocka, with the reference translator, linked like a
# user's program (the home, not the test layer).  run-tests runs them in
# the gcc, clang, asan and tsan builds (the home's counters and RCU frees
# are concurrent).
HOSTED_TESTS := $(patsubst hosted/tests/%.c,%,$(wildcard hosted/tests/*.c))
HOSTED_TEST_BINS := $(HOSTED_TESTS:%=$(B)/hosted/tests/%)
HOSTED_TEST_LOGS := $(HOSTED_TESTS:%=$(B)/results/hosted/%.log)

all: $(HOSTED_TEST_BINS)

$(B)/hosted/tests/%.o: hosted/tests/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) $(PROG_CFLAGS) $(DEPFLAGS) -c -o $@ $<

-include $(HOSTED_TEST_BINS:=.d)

$(HOSTED_TEST_BINS): %: %.o $(B)/test/ref_xlat.o $(HOSTED_OBJS) $(LIBPGTABLE)
	$(call msg,LD,$@)
	$(Q)$(VCC) $(PROG_LDFLAGS) -o $@ $< $(B)/test/ref_xlat.o $(HOSTED_LINK) $(TEST_LDLIBS)

$(HOSTED_TEST_LOGS): $(B)/results/hosted/%.log: $(B)/hosted/tests/% FORCE
	$(run_prog)

ifneq ($(filter gcc clang asan tsan,$(VARIANT)),)
run-tests: $(HOSTED_TEST_LOGS)
endif

# ---------------------------------------------------------------- checks
# Each leaves results/<kind>/<name>.{log,rc} and cmocka-style totals, like
# every other run; the summary gives the verdict.
INSTALL_RESULT := $(B)/results/install/install
DEB_RESULT := $(B)/results/install/deb

install-check-run: dist
	@mkdir -p $(dir $(INSTALL_RESULT))
	$(call msg,RUN,hosted/install-check.sh $(B))
	$(Q)rc=0; nice bash hosted/install-check.sh $(B) > $(INSTALL_RESULT).log 2>&1 || rc=$$?; \
	echo $$rc > $(INSTALL_RESULT).rc; cat $(INSTALL_RESULT).log

deb-check-run:
	@mkdir -p $(dir $(DEB_RESULT))
	$(call msg,RUN,hosted/deb-check.sh)
	$(Q)rc=0; nice bash hosted/deb-check.sh $(BUILD)/deb > $(DEB_RESULT).log 2>&1 || rc=$$?; \
	echo $$rc > $(DEB_RESULT).rc; cat $(DEB_RESULT).log

endif

# make check: in build/gcc after its own build is done (one make per build
# directory at a time).
install-check: check-gcc
	+$(Q)$(MAKE) VARIANT=gcc install-check-run

# The packages are built from a copy of the tree in build/deb/, so the
# worktree gets no debian/tmp and the .debs land in build/deb/.
deb:
	+$(Q)bash hosted/deb-check.sh --build-only $(BUILD)/deb

deb-check: install-check
	+$(Q)$(MAKE) VARIANT=gcc deb-check-run

check-all: install-check deb-check
CHECK_ITEMS += gcc/install/install gcc/install/deb \
	$(foreach v,gcc clang asan tsan,$(HOSTED_TESTS:%=$(v)/hosted/%))
