# SPDX-License-Identifier: GPL-2.0
#
# Rules shared by every directory that builds BPF objects and libbpf
# skeletons: include it with BPF_OUT (output directory) and VMLINUX (the
# test kernel's vmlinux) set. BPF sources are found through vpath.
#
# bpftool 7.5 writes skeletons for libbpf 1.5, whose map skeletons carry a
# link for auto-attached struct_ops; libbpf 1.4 has no such field, so that
# line is dropped and struct_ops maps are attached explicitly.
CLANG   ?= clang
BPFTOOL ?= bpftool
BPF_MK := $(lastword $(MAKEFILE_LIST))
LUO_BPF_DIR := $(dir $(BPF_MK))../bpf
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	      -I$(BPF_OUT) -I$(LUO_BPF_DIR)

$(BPF_OUT)/vmlinux.h: $(VMLINUX)
	@mkdir -p $(BPF_OUT)
	@echo "  BTF     $@"
	@$(BPFTOOL) btf dump file $< format c > $@

# clang's object carries DWARF (-g is what gives it BTF) that the loader
# never reads: ~470 KiB of each ~490 KiB, embedded in every skeleton. The
# static linker (bpftool gen object, as libbpf-bootstrap does) keeps the
# BTF and line info and drops the rest.
$(BPF_OUT)/%.bpf.o: %.bpf.c $(BPF_OUT)/vmlinux.h $(wildcard $(LUO_BPF_DIR)/*.h) $(BPF_MK)
	@echo "  CLANG   $@"
	@$(CLANG) $(BPF_CFLAGS) -c $< -o $(@:.o=.dbg.o)
	@$(BPFTOOL) gen object $@ $(@:.o=.dbg.o)

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	@echo "  SKEL    $@"
	@$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf | \
		sed '/map->link = /d' > $@

.SECONDARY:
