# SPDX-License-Identifier: GPL-2.0
#
# luo-bpf: live update (KHO + LUO + BPF handlers) for Linux 6.12.
#
#   make test        build everything, boot it in QEMU, run every test
#   make interop     only the interoperability tests against upstream 7.3
#   make run         the live-update demo (memfd across a kexec)
#   make run-host    a Debian host (systemd, QEMU) keeping a VM across updates
#   make bench       benchmarks on the distribution-like kernel, printed as
#                    figures from runs
#   make bench-upstream  the memfd benchmarks side by side with upstream 7.3,
#                    built from our config (matched) and from its selftest one
#   make bench-scale the cost per GiB from 1 to 16 GiB, and a bare kexec
#   make test-kasan  the fuzzers, fault injection, damaged handovers, BPF,
#                    memfd and guest_memfd tests on a KASAN kernel
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
# Two kernels of ours: the debug test kernel (base + qemu fragments, in
# obj/) and a distribution-like kernel (base + distro fragments, Debian's
# memory and boot options, no debug options, in obj-distro/), on which
# "make test" also runs $(DISTRO_TESTS) and which "make bench" measures.
BASE_FRAG  := kernel/configs/luo_bpf_base.config
FRAGMENT   := kernel/configs/luo_bpf_qemu.config
DISTRO_FRAG := kernel/configs/luo_bpf_distro.config
DOBJ       := $(BUILD)/obj-distro
DISTRO_BZ  := $(DOBJ)/arch/x86/boot/bzImage
DISTRO_INITRAMFS := $(BUILD)/initramfs-distro.cpio
# The KASAN kernel (make test-kasan): the debug kernel with KASAN, in
# obj-kasan/; no other target builds it.
KASAN_FRAG := kernel/configs/luo_bpf_kasan.config
KAOBJ      := $(BUILD)/obj-kasan
KASAN_BZ   := $(KAOBJ)/arch/x86/boot/bzImage
KASAN_INITRAMFS := $(BUILD)/initramfs-kasan.cpio
DISTRO_TESTS ?= kexec_basic numa_kexec kho_kaslr memfd_kexec_sparse memfd_kexec_thp memfd_kexec_filled memfd_reopen_finish memfd_thp_hole_write luo_kexec_files_500 bpf_vmram_kexec kvm_gmem_kexec tool_image tool_check tool_cli tool_iter tool_agent tool_agent_exit tool_update tool_update_no_initrd tool_docs_handler memfd_access_stress bpf_schema_newer memfd_hugetlb_kexec memfd_hugetlb_pool memfd_hugetlb_1g_kexec
OVERLAY    := arch include kernel lib mm virt Documentation
JOBS       ?= $(shell nproc)
BZIMAGE    := $(KOBJ)/arch/x86/boot/bzImage
HDRS       := $(KOBJ)/usr/include
INITRAMFS  := $(BUILD)/initramfs.cpio
LOGDIR     := $(BUILD)/logs
# The other kernel of the interoperability tests: Debian's linux-source-7.3
# (trixie-backports), built by scripts/upstream.sh.
UPSTREAM_BZ := $(BUILD)/upstream-7.3/bzImage
INTEROP_TESTS := $(patsubst selftests/interop/test_%.c,%,$(wildcard selftests/interop/test_interop_*.c))
export CCACHE_DIR ?= $(HOME)/.cache/luo-bpf-ccache
# Paths under the checkout are hashed relative to the build directory, so a
# second checkout (or CI's clone at another path) hits the same cache.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

KMAKE_IN = $(MAKE) -s -C $(KSRC) O=$(1) ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" -j$(JOBS)
KMAKE = $(call KMAKE_IN,$(KOBJ))

# $(call kconfig,OBJDIR,FRAGMENTS): tinyconfig, our fragments merged on top,
# then every option of every fragment checked.
define kconfig
	@mkdir -p $(1)
	@echo "  CONFIG  tinyconfig + $(2)"
	@$(call KMAKE_IN,$(1)) tinyconfig >/dev/null
	@cd $(1) && $(KSRC)/scripts/kconfig/merge_config.sh -m -O $(1) .config $(addprefix $(CURDIR)/,$(2)) >/dev/null
	@$(call KMAKE_IN,$(1)) olddefconfig >/dev/null
	@for f in $(2); do scripts/check-config.sh $$f $(1)/.config || { mv $(1)/.config $(1)/.config.rejected; exit 1; }; done
endef

OUR_KFILES := $(shell find $(wildcard $(OVERLAY)) -type f)
PATCHES    := $(wildcard patches/*.patch)

.PHONY: all deps kernel distro-kernel kasan-kernel kasan-initramfs test-kasan distro-initramfs tools initramfs upstream upstream-matched interop test bench-scale run bench bench-upstream clean distclean checkpatch host-deb host run-host
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

$(KOBJ)/.config: $(BUILD)/.overlay $(BASE_FRAG) $(FRAGMENT) scripts/check-config.sh
	$(call kconfig,$(KOBJ),$(BASE_FRAG) $(FRAGMENT))

$(DOBJ)/.config: $(BUILD)/.overlay $(BASE_FRAG) $(DISTRO_FRAG) scripts/check-config.sh
	$(call kconfig,$(DOBJ),$(BASE_FRAG) $(DISTRO_FRAG))

$(KAOBJ)/.config: $(BUILD)/.overlay $(BASE_FRAG) $(FRAGMENT) $(KASAN_FRAG) scripts/check-config.sh
	$(call kconfig,$(KAOBJ),$(BASE_FRAG) $(FRAGMENT) $(KASAN_FRAG))

kernel: $(KOBJ)/.config
	@echo "  KERNEL  bzImage (ccache in $(CCACHE_DIR))"
	@$(KMAKE) bzImage
	@$(KMAKE) headers >/dev/null

# Build number 1, as the Debian package's build (bindeb-pkg passes its
# revision): the two builds leave the same vmlinux, not one relink each.
distro-kernel: $(DOBJ)/.config
	@echo "  KERNEL  distro bzImage"
	@$(call KMAKE_IN,$(DOBJ)) bzImage KBUILD_BUILD_VERSION=1

kasan-kernel: $(KAOBJ)/.config
	@echo "  KERNEL  KASAN bzImage"
	@$(call KMAKE_IN,$(KAOBJ)) bzImage

# Userspace: test programs and tools, statically linked, built against the
# kernel's own uAPI headers (the host's /usr/include is 6.1).
tools: kernel
	@$(MAKE) -s -C bpf BUILD=$(BUILD)/bpf VMLINUX=$(KOBJ)/vmlinux
	@$(MAKE) -s -C tools/luo-bpf BUILD=$(BUILD)/tools HDRS=$(HDRS) VMLINUX=$(KOBJ)/vmlinux
	@$(MAKE) -s -C selftests BUILD=$(BUILD)/selftests HDRS=$(HDRS) VMLINUX=$(KOBJ)/vmlinux \
		KSFT_DIR=$(KSRC)/tools/testing/selftests

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

# "make test" also runs $(DISTRO_TESTS) on the distribution-like kernel,
# from an initramfs whose /boot/bzImage is that kernel (the tests kexec
# into it), and the host_* tests in a Debian host built around that
# kernel (scripts/mkhost.sh). "make test DISTRO=0" leaves both out (the
# host_* tests then fail: nothing to boot them on).
DISTRO ?= 1
ifeq ($(DISTRO),1)
test: DISTRO_DEP := distro-initramfs host
test: DISTRO_ARG = --variant "distro:$(DISTRO_BZ):$(DISTRO_INITRAMFS):$(DISTRO_TESTS)" \
	--host $(HOST_DIR)
endif

distro-initramfs: tools distro-kernel
	@scripts/mkinitramfs.sh $(BUILD) $(DISTRO_BZ) $(DISTRO_INITRAMFS)

# The Debian host of the host_* tests (scripts/mkhost.sh): the
# distribution-like kernel as a Debian package (bindeb-pkg, release
# "<version>-luo-bpf"), in a bookworm root file system with systemd and
# QEMU 10. Each is rebuilt only when what it is made of changed.
HOST_DIR   := $(BUILD)/host
HOST_DEB   := $(HOST_DIR)/linux-image-luo-bpf.deb
HOST_INPUTS := scripts/mkhost.sh scripts/apt-source.sh $(filter-out %.c,$(wildcard selftests/host/*)) \
	tools/luo-bpf/luo-bpf-agent.service tools/luo-bpf/Documentation/luo-bpf.rst

host-deb: distro-kernel
	@if [ ! $(HOST_DEB) -nt $(DISTRO_BZ) ]; then \
		echo "  DEB     linux-image (bindeb-pkg)"; \
		$(call KMAKE_IN,$(DOBJ)) bindeb-pkg KDEB_COMPRESS=none \
			KDEB_PKGVERSION=$$(cut -d- -f1 $(DOBJ)/include/config/kernel.release)-1 \
			>$(BUILD)/bindeb-pkg.log 2>&1 || \
			{ tail -n 20 $(BUILD)/bindeb-pkg.log; exit 1; }; \
		mkdir -p $(HOST_DIR); \
		mv $(BUILD)/linux-image-[0-9]*-luo-bpf_*.deb $(HOST_DEB); \
		rm -f $(BUILD)/linux-*.deb $(BUILD)/linux-upstream_*; \
	fi

host: host-deb tools
	@if [ ! -f $(HOST_DIR)/disk.img ] || [ -n "$$(find $(HOST_DEB) $(HOST_INPUTS) \
		$(BUILD)/tools/luo-bpf $(BUILD)/tools/luo-qemu $(BUILD)/bpf/vmram.bpf.o \
		-newer $(HOST_DIR)/disk.img | head -n 1)" ]; then \
		scripts/mkhost.sh $(BUILD) $(HOST_DEB); \
	fi

test interop: tools $(ALT_DEP)
	@$(if $(DISTRO_DEP),$(MAKE) -s $(DISTRO_DEP))
	@$(ALT_ENV) scripts/mkinitramfs.sh $(BUILD) $(BZIMAGE) $(INITRAMFS)
	@mkdir -p $(LOGDIR)
	@scripts/run-tests.sh --kernel $(BZIMAGE) $(ALT_ARG) --initrd $(INITRAMFS) \
		$(DISTRO_ARG) --logs $(LOGDIR) \
		$(or $(TESTS),$(if $(filter interop,$@),$(INTEROP_TESTS)))

run: initramfs
	@scripts/run-tests.sh --kernel $(BZIMAGE) --initrd $(INITRAMFS) --logs $(LOGDIR) --verbose demo_vm

# The Debian host's test with its console on the terminal: systemd, the
# agent, a VM under QEMU across luo-bpf update and systemctl kexec.
run-host: initramfs host
	@scripts/run-tests.sh --kernel $(BZIMAGE) --initrd $(INITRAMFS) --host $(HOST_DIR) \
		--logs $(LOGDIR) --verbose host_vm_update

# Benchmarks measure the distribution-like kernel (no debug options);
# "make bench BENCH_KERNEL=test" measures the debug test kernel.
BENCH_KERNEL ?= distro
ifeq ($(BENCH_KERNEL),distro)
bench: distro-initramfs
	@scripts/run-tests.sh --kernel $(DISTRO_BZ) --initrd $(DISTRO_INITRAMFS) --logs $(LOGDIR) --bench $(TESTS)
else
bench: initramfs
	@scripts/run-tests.sh --kernel $(BZIMAGE) --initrd $(INITRAMFS) --logs $(LOGDIR) --bench $(TESTS)
endif

# Side by side with upstream 7.3: the same benchmarks, the same static
# luo-selftests binary, on the distribution-like kernel, on upstream built
# from the same config fragments ("matched", the headline) and on the
# interoperability tests' upstream (its selftest config, a second column),
# each from an initramfs whose /boot/bzImage is that kernel, so that it
# kexecs into itself; alternately, BENCH_RUNS times each; prints medians
# with min and max, ratios, the blackout split and the bare-kexec ratio
# (scripts/bench-side.sh); then, unless TESTS names the benchmarks, the
# cost per GiB from 1 to 16 GiB on ours (bench-scale). About 20 + 35
# minutes. Only this target builds the matched kernel.
UPSTREAM_INITRAMFS := $(BUILD)/initramfs-upstream.cpio
UPSTREAM_MATCHED_BZ := $(BUILD)/upstream-7.3-matched/bzImage
UPSTREAM_MATCHED_INITRAMFS := $(BUILD)/initramfs-upstream-matched.cpio
BENCH_SIDE_TESTS ?= bench_memfd_4m bench_memfd_4k bench_memfd_thp bench_memfd_sparse
BENCH_RUNS ?= 5

$(UPSTREAM_INITRAMFS): upstream tools
	@scripts/mkinitramfs.sh $(BUILD) $(UPSTREAM_BZ) $@

upstream-matched: distro-kernel
	@scripts/upstream.sh $(BUILD) matched

$(UPSTREAM_MATCHED_INITRAMFS): upstream-matched tools
	@scripts/mkinitramfs.sh $(BUILD) $(UPSTREAM_MATCHED_BZ) $@

bench-upstream: distro-initramfs $(UPSTREAM_INITRAMFS) $(UPSTREAM_MATCHED_INITRAMFS)
	@scripts/bench-side.sh --kernel ours=$(DISTRO_BZ):$(DISTRO_INITRAMFS) \
		--kernel upstream-matched=$(UPSTREAM_MATCHED_BZ):$(UPSTREAM_MATCHED_INITRAMFS) \
		--kernel upstream-selftest=$(UPSTREAM_BZ):$(UPSTREAM_INITRAMFS) \
		--logs $(LOGDIR)/bench-upstream --runs $(BENCH_RUNS) \
		$(or $(TESTS),$(BENCH_SIDE_TESTS))
	@$(if $(TESTS),,$(MAKE) -s bench-scale)

# The cost per GiB from 1 to 16 GiB (guests of 4 to 20 GiB), and the
# bare-kexec reference, on our distribution-like kernel: BENCH_RUNS runs,
# medians with min and max, a per-GiB table (scripts/bench-side.sh).
BENCH_SCALE_TESTS ?= bench_memfd_4m bench_memfd_4k bench_memfd_scale_2g \
	bench_memfd_scale_4g bench_memfd_scale_8g bench_memfd_scale_16g

bench-scale: distro-initramfs
	@scripts/bench-side.sh --kernel ours=$(DISTRO_BZ):$(DISTRO_INITRAMFS) \
		--logs $(LOGDIR)/bench-scale --runs $(BENCH_RUNS) \
		$(or $(TESTS),$(BENCH_SCALE_TESTS))

# The KASAN kernel's run (issue of its own, never part of "make test"):
# the debug kernel with generic KASAN, on the tests that exercise the
# paths a memory error would hide in: the fuzzers, fault injection,
# damaged handovers, the BPF handlers, memfds filled and reopened,
# guest_memfd. Guests of at least 4 GiB and a longer stage limit (KASAN
# under TCG runs 4-5 times slower). KHO's scratch is 100 % of what
# memblock allocated at boot per area rather than 200 %: with KASAN's
# shadow counted in, three areas of 200 % do not fit 4 GiB (KHO turns
# itself off), and at 50 % the next kernel cannot allocate its shadow
# (it panics in kasan_populate_shadow()). A KASAN report fails the test,
# as any "BUG:" line does. TESTS=... runs others.
KASAN_TESTS ?= luo_fuzz_handover luo_fuzz_handover_trunc bpf_fuzz_handover luo_fuzz_ioctl \
	fault_freeze fault_kvm_retrieve fault_memfd_kept fault_preserve_fd fault_retrieve_fd \
	kho_corrupt_chunk kho_corrupt_fdt kho_corrupt_loop kho_corrupt_scratch kho_corrupt_tracker \
	luo_kexec_damaged_compatible luo_kexec_damaged_loop luo_kexec_damaged_session \
	bpf_node_damaged bpf_abi_mismatch bpf_attach bpf_attach_frozen bpf_can_finish \
	bpf_detach_kexec bpf_freeze_veto bpf_iter bpf_no_handler bpf_policy bpf_pread_wronly \
	bpf_reject bpf_schema_newer bpf_vmram_kexec \
	memfd_kexec_filled memfd_thp_hole_write memfd_reopen_finish memfd_access_stress \
	memfd_kexec_sparse memfd_kexec_late_writes memfd_seals_kexec memfd_kexec_bad_index \
	kvm_gmem_kexec kvm_gmem_unretrieved kvm_gmem_shared_kexec kvm_two_vms_kexec \
	luo_kexec_sessions luo_kexec_finish luo_kexec_unretrieved \
	memfd_hugetlb_kexec memfd_hugetlb_1g_kexec memfd_hugetlb_pool memfd_hugetlb_unretrieved \
	memfd_hugetlb_sparse memfd_hugetlb_dup_index memfd_hugetlb_bad_index \
	memfd_hugetlb_freeze_race bpf_hugetlb

kasan-initramfs: tools kasan-kernel
	@scripts/mkinitramfs.sh $(BUILD) $(KASAN_BZ) $(KASAN_INITRAMFS)

test-kasan: kasan-initramfs
	@mkdir -p $(LOGDIR)/kasan
	@LUO_MEM_MIN=4G LUO_STAGE_TIMEOUT=$${LUO_STAGE_TIMEOUT:-600} \
		LUO_CMDLINE="kho_scratch=100% $${LUO_CMDLINE:-}" \
		scripts/run-tests.sh --kernel $(KASAN_BZ) --initrd $(KASAN_INITRAMFS) \
		--logs $(LOGDIR)/kasan $(or $(TESTS),$(KASAN_TESTS))

checkpatch: $(BUILD)/.unpacked
	@perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse -f \
		$$(find $(wildcard $(OVERLAY)) -name '*.[ch]')

clean:
	rm -rf $(BUILD)/selftests $(INITRAMFS) $(DISTRO_INITRAMFS) $(KASAN_INITRAMFS) $(UPSTREAM_INITRAMFS) $(UPSTREAM_MATCHED_INITRAMFS) $(BUILD)/initramfs $(LOGDIR)

distclean:
	rm -rf $(BUILD)
