# kdumpinit: one static musl binary, its dependency sysroot, tests, demo.
# `make` builds build/kdumpinit (`make ARCH=aarch64`: build/aarch64/kdumpinit);
# `make check` runs every test;
# `make demo` crashes a QEMU guest and shows the saved dump.

VERSION := 0.1.0
BUILD   := build
SYSROOT := $(BUILD)/sysroot
HOSTDIR := $(BUILD)/host

MUSL_CC := musl-gcc
HOST_CC := gcc

# Optional targets: `make WITH_NFS=0 WITH_SSH=0` builds a binary that
# saves to local disks only (smaller; the network code is left out too).
WITH_NFS ?= 1
WITH_SSH ?= 1
WITH_NET := $(if $(filter 1,$(WITH_NFS) $(WITH_SSH)),1,0)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
           -Wmissing-prototypes -Wstrict-prototypes
HARDEN  := -fstack-protector-strong -fstack-clash-protection \
           -fcf-protection -D_FORTIFY_SOURCE=2

# `make ARCH=aarch64` cross-builds build/aarch64/kdumpinit (mk/aarch64.mk).
ARCH ?= x86_64
ifeq ($(ARCH),aarch64)
include mk/aarch64.mk
else ifeq ($(origin ARCH),command line)
ifneq ($(ARCH),x86_64)
$(error ARCH=$(ARCH): kdumpinit builds for x86_64 (the default) or aarch64)
endif
endif
CSTD    := -std=gnu11 -D_GNU_SOURCE -Icommon -Icollectors -Iinit \
           -Itransports -DKDI_VERSION='"$(VERSION)"' \
           -DKDI_WITH_NFS=$(WITH_NFS) -DKDI_WITH_SSH=$(WITH_SSH) \
           -DKDI_WITH_NET=$(WITH_NET)

# Product binary: static against musl and the sysroot, size-optimised.
# (-static, not -static-pie: the musl-gcc specs drop -static-pie and link
# a dynamic PIE that needs /lib/ld-musl-x86_64.so.1.)
CFLAGS  := -Os -g0 $(CSTD) $(WARN) $(HARDEN) -fPIE \
           -ffunction-sections -fdata-sections -isystem $(SYSROOT)/include
LDFLAGS := -static -Wl,--gc-sections -Wl,-z,relro,-z,now \
           -Wl,-z,noexecstack -s -L$(SYSROOT)/lib
LIBS    := -lmount -lblkid $(if $(filter 1,$(WITH_NFS)),-lnfs) \
           $(if $(filter 1,$(WITH_SSH)),-lssh -lmbedcrypto) -lzstd

# Host build of the same code for unit tests, with sanitizers.
HOST_CFLAGS := -O1 -g $(CSTD) $(WARN) -fsanitize=address,undefined \
               -fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_LIBS   := -lzstd -lpthread

# The network bring-up (net_conf.c, the config's side, is always in).
NET_SRCS  := transports/net.c transports/rtnl%.c transports/dhcp%.c
SRCS      := $(filter-out \
               $(if $(filter 0,$(WITH_NFS)),transports/nfs.c) \
               $(if $(filter 0,$(WITH_SSH)),transports/ssh.c) \
               $(if $(filter 0,$(WITH_NET)),$(NET_SRCS)), \
               $(wildcard common/*.c collectors/*.c init/*.c transports/*.c))
# What the host unit tests link: the code that needs no sysroot library
# but zstd. PID 1, the commands and the transports are tested in QEMU.
CORE_SRCS := $(wildcard common/*.c collectors/*.c) init/config.c \
             init/config_parse.c $(wildcard transports/net_conf.c \
             transports/dhcp_msg.c)
OBJS      := $(SRCS:%.c=$(BUILD)/obj/%.o)
HOST_OBJS := $(CORE_SRCS:%.c=$(HOSTDIR)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(HOSTDIR)/%)
SH_TESTS  := $(wildcard tests/*.test)
QEMU_TESTS := $(wildcard qemu-tests/*.test)

all: $(BUILD)/kdumpinit

setup-build:
	@scripts/setup-host build

setup-test:
	@scripts/setup-host test

$(SYSROOT)/.done: deps/build.sh deps/versions | setup-build
	deps/build.sh $(SYSROOT)

# Objects are built again when the switches change.
FLAGS_STAMP := $(BUILD)/obj/.with-$(WITH_NFS)$(WITH_SSH)
$(FLAGS_STAMP):
	@mkdir -p $(@D); rm -f $(BUILD)/obj/.with-*; touch $@

$(BUILD)/obj/%.o: %.c $(SYSROOT)/.done $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(MUSL_CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/kdumpinit: $(OBJS)
	$(MUSL_CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)
	@size=$$(stat -c %s $@); echo "kdumpinit: $@ is $$size bytes"; \
	 [ $$size -le 2097152 ] || { echo "kdumpinit: over the 2 MB budget" >&2; exit 1; }

$(HOSTDIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

$(HOSTDIR)/test_%: tests/unit/test_%.c $(HOST_OBJS) $(wildcard tests/unit/*.h)
	$(HOST_CC) $(HOST_CFLAGS) -Itests/unit -o $@ $< $(HOST_OBJS) $(HOST_LIBS)

unit: $(UNIT_BINS)

# Real vmcores of the Debian 5.10, 6.1, 6.12 and sid's (7.x) kernels,
# crashed in QEMU (cached; made again only when their inputs change).
FIXTURE_SUITES := bookworm bullseye trixie sid

fixtures: setup-test
	@for s in $(FIXTURE_SUITES); do \
	  KDI_BUILD=$(abspath $(BUILD)) qemu-tests/make-vmcore --suite $$s || exit 1; \
	done

check: setup-test $(BUILD)/kdumpinit $(UNIT_BINS) fixtures
	@KDI_BIN=$(abspath $(BUILD)/kdumpinit) KDI_BUILD=$(abspath $(BUILD)) \
	 tests/run $(UNIT_BINS) $(SH_TESTS) $(QEMU_TESTS)

demo: setup-test $(BUILD)/kdumpinit
	qemu-tests/demo

bench: setup-test $(BUILD)/kdumpinit
	bench/run

SH_FILES := scripts/setup-host deps/build.sh tests/run $(SH_TESTS) \
            $(wildcard mkinitrd/kdumpinit-mkinitrd mkinitrd/kdumpinit-propagate \
                       qemu-tests/*.sh tests/*.sh \
                       qemu-tests/*.test qemu-tests/demo \
                       qemu-tests/make-vmcore qemu-tests/measure bench/run \
                       bench/ssh-throughput qemu-tests/scribble/build)
C_FILES  := $(wildcard common/*.[ch] collectors/*.[ch] init/*.[ch] \
                       transports/*.[ch] tests/unit/*.[ch])

lint: setup-build
	clang-format --dry-run --Werror $(C_FILES)
	shellcheck -s sh $(SH_FILES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	  --inline-suppr -Icommon -Icollectors -Iinit -Itransports \
	  --suppress=missingIncludeSystem $(C_FILES)

format:
	clang-format -i $(C_FILES)

clean:
	rm -rf $(BUILD)/obj $(BUILD)/host $(BUILD)/kdumpinit

distclean:
	rm -rf $(BUILD)

.PHONY: all setup-build setup-test fixtures unit check demo bench lint format clean distclean
.DELETE_ON_ERROR:
# Keep the host objects between runs (make would drop them as intermediates).
.SECONDARY: $(HOST_OBJS)
# libFuzzer harnesses: make fuzz (long), fuzz-check (tests/fuzz.test).
include tests/fuzz/fuzz.mk

-include $(OBJS:.o=.d) $(HOST_OBJS:.o=.d)
