/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo_bpf_fdt.h - the handover format of LUO's BPF struct_ops handlers
 * ("luo-bpf-v1"): the contract between the kernel whose BPF handlers
 * preserved files and the one that retrieves them.
 */
#ifndef _LINUX_KHO_ABI_LUO_BPF_FDT_H
#define _LINUX_KHO_ABI_LUO_BPF_FDT_H

#include <linux/build_bug.h>
#include <linux/liveupdate.h>

/**
 * DOC: BPF handler handover format luo-bpf-v1
 *
 * This header is the contract: a kernel that writes this format writes
 * exactly what is defined here, and one that reads it relies on nothing
 * else and checks everything it reads.
 *
 * Handover format of LUO's BPF struct_ops handlers ("luo-bpf-v1").
 *
 * A file preserved by a BPF handler is a LUO file entry (luo-v5) whose
 * compatible is the handler's ("bpf:<name>-v<N>") and whose u64 is the
 * data of the native backend the handler builds on (for "memfd-v2", the
 * physical address of the memfd descriptor). Everything else about it -
 * which backend, the handler's schema, the state the BPF program kept -
 * is in one KHO subtree named "luo-bpf": a flattened device tree, readable
 * with "dtc -I dtb" or libfdt, written at reboot into space reserved at
 * PRESERVE_FD time (nothing is allocated on the reboot path):
 *
 *   / {
 *           compatible = "luo-bpf-v1";
 *           handler@0 {
 *                   compatible = "bpf:vmram-v1";  // the LUO compatible
 *                   backend = "memfd-v2";         // native handler
 *                   schema = <2>;                 // of the state below
 *                   state-size = <128>;           // bytes per file
 *                   file@0 {
 *                           session = "vm-1";     // LUO session name
 *                           token = /bits/ 64 <7>; // LUO token
 *                           schema = <2>;
 *                           state = [ ... ];      // state-size bytes
 *                   };
 *           };
 *   };
 *
 * Integers are big-endian cells, as in every FDT. A handler node is
 * written for every BPF handler that has preserved files, including a
 * retired one still holding files; a file node for each such file. A
 * file is found by (session, token), which LUO keeps unique. A kernel
 * that does not know "luo-bpf" only sees LUO entries of an unknown
 * compatible (handover spec section 4).
 */

#define LUO_BPF_FDT_NAME		"luo-bpf"
#define LUO_BPF_FDT_COMPATIBLE		"luo-bpf-v1"

/* Node and property names. */
#define LUO_BPF_FDT_HANDLER		"handler"
#define LUO_BPF_FDT_FILE		"file"
#define LUO_BPF_FDT_COMPAT_PROP		"compatible"
#define LUO_BPF_FDT_BACKEND		"backend"
#define LUO_BPF_FDT_SCHEMA		"schema"
#define LUO_BPF_FDT_STATE_SIZE		"state-size"
#define LUO_BPF_FDT_SESSION		"session"
#define LUO_BPF_FDT_TOKEN		"token"
#define LUO_BPF_FDT_STATE		"state"

/* Limits a reader may rely on. */
#define LUO_BPF_STATE_MAX		4000	/* bytes of state per file */
#define LUO_BPF_FDT_MAX_SIZE		(4UL << 20)	/* whole subtree */

/*
 * Upper bounds, in bytes of FDT structure block, of one handler node and
 * of one file node without its state (tags, names, property headers and
 * values, 4-byte aligned); the writer reserves space with them.
 */
#define LUO_BPF_FDT_BASE_BYTES		512
#define LUO_BPF_FDT_HANDLER_BYTES	(4 + 20 + 3 * 12 + 2 * \
					 LIVEUPDATE_HNDL_COMPAT_LENGTH + \
					 2 * 16 + 4)
#define LUO_BPF_FDT_FILE_BYTES		(4 + 16 + 12 + \
					 LIVEUPDATE_SESSION_NAME_LENGTH + \
					 20 + 16 + 12 + 4)

static_assert(LUO_BPF_FDT_HANDLER_BYTES == 192);
static_assert(LUO_BPF_FDT_FILE_BYTES == 148);
static_assert(LUO_BPF_STATE_MAX % 4 == 0);

#endif /* _LINUX_KHO_ABI_LUO_BPF_FDT_H */
