# `make ARCH=aarch64`: the same static binary cross-built for arm64,
# build/aarch64/kdumpinit, with Debian's cross gcc and a musl built from
# its pinned Debian source (deps/build.sh, KDI_DEPS_ARCH=aarch64, into
# build/aarch64/sysroot). The Makefile includes this before it sets
# CFLAGS; its rules and its 2 MB budget apply as they are. Only the
# binary: tests/cross-aarch64.test runs it under qemu-aarch64-static.

BUILD   := build/aarch64
SYSROOT := $(BUILD)/sysroot
HOSTDIR := $(BUILD)/host
MUSL_CC := $(SYSROOT)/musl/bin/musl-gcc
# -fcf-protection is x86's CET; arm64 has branch protection (PAC, BTI).
HARDEN  := $(filter-out -fcf-protection,$(HARDEN)) -mbranch-protection=standard

$(SYSROOT)/.done: export KDI_DEPS_ARCH := aarch64
$(SYSROOT)/.done: | setup-aarch64

setup-aarch64:
	@scripts/setup-host aarch64

.PHONY: setup-aarch64
.DEFAULT_GOAL := all

ifneq ($(filter check demo bench fixtures unit,$(MAKECMDGOALS)),)
$(error ARCH=aarch64 builds $(BUILD)/kdumpinit only: the tests run on x86_64, tests/cross-aarch64.test runs this binary under qemu)
endif
