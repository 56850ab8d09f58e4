/* SPDX-License-Identifier: GPL-2.0 */
/*
 * luo.h - the Live Update Orchestrator's handover format ("luo-v5"): the
 * contract between the kernel that serializes sessions at a live update
 * and the next one, which reads them.
 */
#ifndef _LINUX_KHO_ABI_LUO_H
#define _LINUX_KHO_ABI_LUO_H

#include <linux/build_bug.h>
#include <linux/liveupdate.h>
#include <linux/types.h>

/**
 * DOC: LUO handover format luo-v5
 *
 * This header is the contract: what a kernel writing "luo-v5" writes and
 * a kernel reading it may rely on, byte-compatible with upstream Linux
 * 7.x. All integers are little-endian, structures packed, pages 4 KiB.
 *
 * The KHO subtree named LUO_SUBTREE_NAME is struct luo_ser_header. Its
 * sessions and each session's files are *block sets*: chains of
 * preserved pages, each struct luo_ser_block followed by @count entries
 * (struct luo_ser_session: 51 per page; struct luo_ser_file: 63 per
 * page). A reader refuses a block with count 0 or more entries than a
 * page holds, and a chain longer than LUO_MAX_BLOCKS (which also ends a
 * cycle). A session's @file_count must equal the entries of its chain.
 *
 * A file entry names the format of the file's own data (@compatible, e.g.
 * "memfd-v2") and carries the u64 that format defines (@data), under the
 * token userspace chose (@token). A reader that does not know the format
 * keeps the entry and refuses the file at RETRIEVE_FD.
 *
 * File-lifecycle-bound data (FLBs) are in one page: struct
 * luo_ser_flb_header (@pgcnt is 1), then @count (at most LUO_MAX_FLBS)
 * struct luo_ser_flb entries.
 *
 * A malformed session is dropped alone, with one log line and its files'
 * memory released; a header or chain that cannot be read makes every
 * open of /dev/liveupdate fail with EIO. Nothing read here is trusted
 * before it is checked.
 */

#define LUO_COMPATIBLE		"luo-v5"
#define LUO_SUBTREE_NAME	"LUO"
#define LUO_MAX_BLOCKS		10000
#define LUO_MAX_FLBS		63

/**
 * struct luo_ser_header - the "LUO" subtree
 * @compatible:     LUO_COMPATIBLE, NUL-padded
 * @liveupdate_num: live updates since the last cold boot, this one included
 * @sessions_pa:    first block of the session set, 0 if none
 * @flbs_pa:        the FLB page, 0 if none (this kernel always sends its
 *                   page, with no entries when no FLB is in use, so that
 *                   the next kernel can give it back)
 */
struct luo_ser_header {
	char compatible[8];
	__le64 liveupdate_num;
	__le64 sessions_pa;
	__le64 flbs_pa;
} __packed;

/**
 * struct luo_ser_block - head of one page of a block set
 * @next:    physical address of the next block, 0 for the last
 * @count:   entries in this block, 1 or more
 * @entries: the entries, packed
 */
struct luo_ser_block {
	__le64 next;
	__le64 count;
	u8 entries[];
} __packed;

/**
 * struct luo_ser_session - one session
 * @name:       the session's name, NUL-padded
 * @files_pa:   first block of its file set, 0 if it has no file
 * @file_count: number of file entries in that set
 */
struct luo_ser_session {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	__le64 files_pa;
	__le64 file_count;
} __packed;

/**
 * struct luo_ser_file - one preserved file
 * @compatible: the format of @data (the file handler's), NUL-padded
 * @data:       the handler's u64, defined by that format
 * @token:      the token userspace preserved the file under
 */
struct luo_ser_file {
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	__le64 data;
	__le64 token;
} __packed;

/**
 * struct luo_ser_flb_header - head of the FLB page
 * @pgcnt: pages of FLB entries, 1
 * @count: entries following, at most LUO_MAX_FLBS
 */
struct luo_ser_flb_header {
	__le64 pgcnt;
	__le64 count;
} __packed;

/**
 * struct luo_ser_flb - one file-lifecycle-bound object
 * @name:  the FLB's compatible, NUL-padded
 * @data:  its u64, defined by that FLB
 * @count: preserved files that use it
 */
struct luo_ser_flb {
	char name[LIVEUPDATE_FLB_COMPAT_LENGTH];
	__le64 data;
	__le64 count;
} __packed;

static_assert(sizeof(struct luo_ser_header) == 32);
static_assert(sizeof(struct luo_ser_block) == 16);
static_assert(sizeof(struct luo_ser_session) == 80);
static_assert(sizeof(struct luo_ser_file) == 64);
static_assert(sizeof(struct luo_ser_flb_header) == 16);
static_assert(sizeof(struct luo_ser_flb) == 64);

#endif /* _LINUX_KHO_ABI_LUO_H */
