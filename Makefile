# SPDX-License-Identifier: GPL-2.0
#
# luo-bpf: live update (KHO + LUO + BPF handlers) for Linux 6.12.
#
#   make test        build everything, boot it in QEMU, run every test
#   make interop     only the interoperability tests against upstream 7.3
#   make run         the live-update demo (memfd across a kexec)
#   make bench       benchmarks, printed as figures from runs
#
# Files of ours that are new in the kernel live at the same path as in the
# Linux tree (kernel/, include/, mm/, virt/, arch/, Documentation/) and are
# laid over the unpacked 6.12 source; hunks into existing 6.12 files are the
# numbered series in patches/.

BUILD      := $(CURDIR)/build
KVER       := 6.12
KSRC       := $(BUILD)/linux-source-$(KVER)
KOBJ       := $(BUILD)/obj
KTARBALL   := /usr/src/linux-source-$(KVER).tar.xz
FRAGMENT   := kernel/configs/luo_bpf_qemu.config
OVERLAY    := arch include kernel lib mm virt Documentation
JOBS       ?= $(shell nproc)
BZIMAGE    := $(KOBJ)/arch/x86/boot/bzImage
HDRS       := $(KOBJ)/usr/include
INITRAMFS  := $(BUILD)/initramfs.cpio
LOGDIR     := $(BUILD)/logs
# The other kernel of the interoperability tests: Debian's linux-source-7.3
# (trixie-backports), built by scripts/upstream.sh.
UPSTREAM_BZ := $(BUILD)/upstream-7.3/bzImage
INTEROP_TESTS := $(patsubst selftests/test_%.c,%,$(wildcard selftests/test_interop_*.c))
export CCACHE_DIR ?= $(HOME)/.cache/luo-bpf-ccache
# Paths under the checkout are hashed relative to the build directory, so a
# second checkout (or CI's clone at another path) hits the same cache.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

KMAKE = $(MAKE) -s -C $(KSRC) O=$(KOBJ) ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" -j$(JOBS)

OUR_KFILES := $(shell find $(wildcard $(OVERLAY)) -type f)
PATCHES    := $(wildcard patches/*.patch)

.PHONY: all deps kernel tools initramfs upstream interop test run bench clean distclean checkpatch
.DELETE_ON_ERROR:

all: initramfs

deps:
	@scripts/deps.sh

$(BUILD)/.unpacked: | deps
	@mkdir -p $(BUILD)
	@echo "  UNPACK  $(KTARBALL)"
	@rm -rf $(KSRC) $(BUILD)/applied-patches
	@tar -xf $(KTARBALL) -C $(BUILD)
	@touch $@

# Lay our files over the tree. rsync -c writes only files whose contents
# differ, so an unchanged file keeps its timestamp and is not rebuilt.
$(BUILD)/.overlay: $(BUILD)/.unpacked $(OUR_KFILES) $(PATCHES)
	@rsync -rc $(wildcard $(OVERLAY)) $(KSRC)/
	@scripts/apply-patches.sh $(KSRC) patches $(BUILD)
	@touch $@

$(KOBJ)/.config: $(BUILD)/.overlay $(FRAGMENT) scripts/check-config.sh
	@mkdir -p $(KOBJ)
	@echo "  CONFIG  tinyconfig + $(FRAGMENT)"
	@$(KMAKE) tinyconfig >/dev/null
	@cd $(KOBJ) && $(KSRC)/scripts/kconfig/merge_config.sh -m -O $(KOBJ) .config $(CURDIR)/$(FRAGMENT) >/dev/null
	@$(KMAKE) olddefconfig >/dev/null
	@scripts/check-config.sh $(FRAGMENT) $@ || { mv $@ $@.rejected; exit 1; }

kernel: $(KOBJ)/.config
	@echo "  KERNEL  bzImage (ccache in $(CCACHE_DIR))"
	@$(KMAKE) bzImage
	@$(KMAKE) headers >/dev/null

# Userspace: test programs and tools, statically linked, built against the
# kernel's own uAPI headers (the host's /usr/include is 6.1).
tools: kernel
	@$(MAKE) -s -C bpf BUILD=$(BUILD)/bpf VMLINUX=$(KOBJ)/vmlinux
	@$(MAKE) -s -C tools/luo-bpf BUILD=$(BUILD)/tools HDRS=$(HDRS) VMLINUX=$(KOBJ)/vmlinux
	@$(MAKE) -s -C selftests BUILD=$(BUILD)/selftests HDRS=$(HDRS) VMLINUX=$(KOBJ)/vmlinux

initramfs: tools
	@scripts/mkinitramfs.sh $(BUILD) $(BZIMAGE) $(INITRAMFS)

upstream: deps
	@scripts/upstream.sh $(BUILD)

# "make test" and "make interop" boot an initramfs that also carries the
# upstream kernel (/boot/alt-bzImage), and the runner boots it first for
# the tests that start on it. "make test INTEROP=0" leaves upstream out:
# the interop tests are then skipped.
INTEROP ?= 1
ifeq ($(INTEROP),1)
ALT_DEP := upstream
ALT_ENV := LUO_ALT_KERNEL=$(UPSTREAM_BZ)
ALT_ARG := --alt-kernel $(UPSTREAM_BZ)
endif

test interop: tools $(ALT_DEP)
	@$(ALT_ENV) scripts/mkinitramfs.sh $(BUILD) $(BZIMAGE) $(INITRAMFS)
	@mkdir -p $(LOGDIR)
	@scripts/run-tests.sh --kernel $(BZIMAGE) $(ALT_ARG) --initrd $(INITRAMFS) \
		--logs $(LOGDIR) $(or $(TESTS),$(if $(filter interop,$@),$(INTEROP_TESTS)))

run: initramfs
	@scripts/run-tests.sh --kernel $(BZIMAGE) --initrd $(INITRAMFS) --logs $(LOGDIR) --verbose demo_vm

bench: initramfs
	@scripts/run-tests.sh --kernel $(BZIMAGE) --initrd $(INITRAMFS) --logs $(LOGDIR) --bench

checkpatch: $(BUILD)/.unpacked
	@perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse -f \
		$$(find $(wildcard $(OVERLAY)) -name '*.[ch]')

clean:
	rm -rf $(BUILD)/selftests $(INITRAMFS) $(BUILD)/initramfs $(LOGDIR)

distclean:
	rm -rf $(BUILD)
