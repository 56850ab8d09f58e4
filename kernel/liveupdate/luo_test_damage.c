// SPDX-License-Identifier: GPL-2.0
/*
 * luo_test_damage.c - damage the handover the next reboot writes, so that
 * tests can check what the next kernel makes of it (CONFIG_LIVEUPDATE_TEST).
 *
 * luo_test_set_damage() (debugfs liveupdate/test_damage, luo_test.c)
 * chooses the damage; liveupdate_reboot() calls luo_test_damage() once
 * the sessions are serialized, the only hook in LUO's core. Nothing here
 * runs in a kernel built without CONFIG_LIVEUPDATE_TEST.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/luo_bpf_fdt.h>
#include <linux/kho/abi/memfd.h>
#include <linux/kho/abi/memfd_hugetlb.h>
#include <linux/libfdt.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/string.h>

#include "kexec_handover_internal.h"
#include "luo_internal.h"

static char luo_test_damage_how[16];
static u64 luo_test_rnd;

static const char *const luo_test_parts[] = {
	"header", "sessions", "files", "memfd", "fdt", "tracker", "bpf",
};

/* Is @how "flip-<part>" or "trunc-<part>" of a part we know? */
static bool luo_test_random_damage(const char *how)
{
	const char *part = strchr(how, '-');
	int i;

	if (!part || (strncmp(how, "flip-", 5) && strncmp(how, "trunc-", 6)))
		return false;
	for (i = 0; i < ARRAY_SIZE(luo_test_parts); i++)
		if (!strcmp(part + 1, luo_test_parts[i]))
			return true;
	return false;
}

/**
 * luo_test_set_damage - damage the handover written at the next reboot
 * @how: "compatible" (another format name), "loop" (the session block chain
 *	 points back to its first block), "session" (the second session, or the
 *	 only one, claims one file more than it has), "memfd-dup" (in the folio
 *	 array of the first memfd or hugetlb memfd, see "memfd" below, entry 2
 *	 takes the index of entry 10: two folios for one index, the second met
 *	 right after its predecessor), "memfd-index" (there, entry 10 names an
 *	 index past the file's end), "bpf-node", "bpf-dup" or "bpf-compat" (a
 *	 malformed file node, two nodes of one file, a handler node's
 *	 compatible changed: see luo_test_damage_bpf()); or random damage,
 *	 "flip-<part>:<seed>" (one to four bit flips) or "trunc-<part>:<seed>"
 *	 (zeroes from a random offset on, and for a block a random entry
 *	 count), where <part> is "header" (LUO's), "sessions" (the first
 *	 session block), "files" (the first session's first file block),
 *	 "memfd" (the first memfd descriptor there), "fdt" (KHO's root FDT),
 *	 "tracker" (KHO's root table) or "bpf" (the "luo-bpf" tree of BPF
 *	 handlers' state)
 *
 * Test only. For "compatible" and "loop" the next kernel must refuse the
 * sessions with a log line, release what it read, and fail every open of
 * /dev/liveupdate with EIO. For "session" it must drop that session alone,
 * with a log line, and release the memory of its files. For "memfd-dup"
 * and "memfd-index", RETRIEVE_FD of that memfd must fail with EINVAL and a
 * log line, and give every page back, each once. For "bpf-*" only the
 * files of the damaged nodes lose their state, and none its memory. Random
 * damage must never crash the next kernel.
 *
 * Return: 0 or -EINVAL for an unknown @how.
 */
int luo_test_set_damage(const char *how)
{
	char buf[40];
	char *seed;
	u64 rnd = 0;

	if (strscpy(buf, how, sizeof(buf)) < 0)
		return -EINVAL;
	seed = strchr(buf, ':');
	if (seed) {
		*seed++ = '\0';
		if (kstrtou64(seed, 0, &rnd) || !luo_test_random_damage(buf) ||
		    strlen(buf) >= sizeof(luo_test_damage_how))
			return -EINVAL;
	} else if (strcmp(how, "compatible") && strcmp(how, "loop") &&
		   strcmp(how, "session") && strcmp(how, "memfd-dup") &&
		   strcmp(how, "memfd-index") && strcmp(how, "bpf-node") &&
		   strcmp(how, "bpf-dup") && strcmp(how, "bpf-compat")) {
		return -EINVAL;
	}
	down_write(&luo_reboot_rwsem);
	strscpy(luo_test_damage_how, buf, sizeof(luo_test_damage_how));
	luo_test_rnd = rnd | 1;
	up_write(&luo_reboot_rwsem);
	return 0;
}

static u64 luo_test_next(void)
{
	luo_test_rnd ^= luo_test_rnd << 13;
	luo_test_rnd ^= luo_test_rnd >> 7;
	luo_test_rnd ^= luo_test_rnd << 17;
	return luo_test_rnd;
}

static void luo_test_damage_bytes(void *p, size_t len, bool trunc)
{
	unsigned int i, n = 1 + (luo_test_next() & 3);
	u64 r;

	len = min_t(size_t, len, PAGE_SIZE);
	if (trunc) {
		i = luo_test_next() % len;
		memset(p + i, 0, len - i);
		return;
	}
	for (i = 0; i < n; i++) {
		r = luo_test_next();
		((u8 *)p)[r % len] ^= BIT((r >> 32) & 7);
	}
}

/* A block of @size-byte entries; truncated: its count may grow too. */
static void luo_test_damage_block(struct luo_ser_block *blk, size_t size,
				  bool trunc)
{
	u64 count = le64_to_cpu(blk->count);

	luo_test_damage_bytes(blk, sizeof(*blk) + count * size, trunc);
	if (trunc && (luo_test_next() & 1))
		blk->count = cpu_to_le64(count + 1 + luo_test_next() % 1000);
}

/*
 * The first session's first file, if it is a memfd: its descriptor. A
 * hugetlb memfd's descriptor begins with a memfd's.
 */
static struct memfd_luo_desc *luo_test_first_memfd(u64 sessions_pa)
{
	struct luo_ser_session *ses;
	struct luo_ser_block *blk;
	struct luo_ser_file *file;

	if (!sessions_pa)
		return NULL;
	blk = phys_to_virt(sessions_pa);
	ses = (void *)blk->entries;
	if (!le64_to_cpu(blk->count) || !ses->files_pa)
		return NULL;
	blk = phys_to_virt(le64_to_cpu(ses->files_pa));
	file = (void *)blk->entries;
	if (!le64_to_cpu(blk->count) || !file->data ||
	    (strncmp(file->compatible, MEMFD_LUO_COMPATIBLE,
		     sizeof(file->compatible)) &&
	     strncmp(file->compatible, MEMFD_HUGETLB_LUO_COMPATIBLE,
		     sizeof(file->compatible))))
		return NULL;
	return phys_to_virt(le64_to_cpu(file->data));
}

static void luo_test_apply_random(struct luo_ser_header *hdr, u64 sessions_pa)
{
	bool trunc = luo_test_damage_how[0] == 't';
	const char *part = strchr(luo_test_damage_how, '-') + 1;
	struct memfd_luo_desc *desc;
	struct luo_ser_session *ses;
	struct luo_ser_block *blk;

	if (!strcmp(part, "header")) {
		luo_test_damage_bytes(hdr, sizeof(*hdr), trunc);
		return;
	}
	if (!strcmp(part, "bpf")) {
		size_t len;
		void *tree = luo_bpf_fdt_outgoing(&len);

		if (tree)
			luo_test_damage_bytes(tree, len, trunc);
		return;
	}
	if (!strcmp(part, "fdt") || !strcmp(part, "tracker")) {
		kho_selftest_flip(part[0] == 't', trunc, luo_test_next());
		return;
	}
	if (!sessions_pa)
		return;
	blk = phys_to_virt(sessions_pa);
	if (!strcmp(part, "sessions")) {
		luo_test_damage_block(blk, sizeof(*ses), trunc);
		return;
	}
	ses = (void *)blk->entries;
	if (!le64_to_cpu(blk->count) || !ses->files_pa)
		return;
	blk = phys_to_virt(le64_to_cpu(ses->files_pa));
	if (!strcmp(part, "files")) {
		luo_test_damage_block(blk, sizeof(struct luo_ser_file), trunc);
		return;
	}
	desc = luo_test_first_memfd(sessions_pa);
	if (desc)
		luo_test_damage_bytes(desc, sizeof(*desc), trunc);
}

/*
 * In the first memfd's folio array, "memfd-dup": entry 2 gets the index of
 * entry 10; "memfd-index": entry 10 gets an index past the file's end.
 */
static void luo_test_memfd_array(u64 sessions_pa, const char *how)
{
	struct memfd_luo_desc *desc = luo_test_first_memfd(sessions_pa);
	struct kho_vmalloc_chunk *chunk;
	struct memfd_luo_folio *f;

	if (!desc || le64_to_cpu(desc->nr_folios) < 11 || !desc->folios.first) {
		pr_warn("test: no memfd with 11 folios to damage\n");
		return;
	}
	chunk = phys_to_virt(desc->folios.first);
	f = phys_to_virt(le64_to_cpu(chunk->phys[0]));
	if (!strcmp(how, "memfd-dup"))
		f[2].index = f[10].index;
	else
		f[10].index = cpu_to_le64(DIV_ROUND_UP(le64_to_cpu(desc->size),
						       PAGE_SIZE));
}

/*
 * Test damage, after luo_bpf_serialize(), in place (no allocation), to
 * the first handler node: @how "bpf-node" gives its first file node
 * schema 0 (malformed), "bpf-dup" gives its second file node the first
 * one's token (two records of one file), "bpf-compat" changes the last
 * character of its compatible (records of another handler).
 */
static void luo_test_damage_bpf(const char *how)
{
	size_t size;
	void *fdt = luo_bpf_fdt_outgoing(&size);
	int handler, file, next, len, err = -FDT_ERR_NOTFOUND;
	const void *token;
	char *compat;

	handler = fdt ? fdt_first_subnode(fdt, 0) : -FDT_ERR_NOTFOUND;
	file = handler < 0 ? handler : fdt_first_subnode(fdt, handler);
	if (file < 0)
		goto out;
	if (!strcmp(how, "bpf-node")) {
		err = fdt_setprop_inplace_u32(fdt, file, LUO_BPF_FDT_SCHEMA, 0);
	} else if (!strcmp(how, "bpf-dup")) {
		next = fdt_next_subnode(fdt, file);
		token = fdt_getprop(fdt, file, LUO_BPF_FDT_TOKEN, &len);
		if (next >= 0 && token)
			err = fdt_setprop_inplace(fdt, next, LUO_BPF_FDT_TOKEN,
						  token, len);
	} else if (!strcmp(how, "bpf-compat")) {
		compat = fdt_getprop_w(fdt, handler, LUO_BPF_FDT_COMPAT_PROP,
				       &len);
		if (compat && len > 1) {
			compat[len - 2] = compat[len - 2] == '9' ? '8' : '9';
			err = 0;
		}
	}
out:
	if (err)
		pr_warn("test: no BPF file node to damage (%s)\n", how);
}

/**
 * luo_test_damage - damage the handover as luo_test_set_damage() asked
 * @hdr:         LUO's outgoing header
 * @sessions_pa: the first session block, 0 if none
 *
 * Called by liveupdate_reboot() once everything is serialized.
 */
void luo_test_damage(struct luo_ser_header *hdr, u64 sessions_pa)
{
	lockdep_assert_held_write(&luo_reboot_rwsem);
	if (!strcmp(luo_test_damage_how, "compatible")) {
		strscpy_pad(hdr->compatible, "luo-v0", sizeof(hdr->compatible));
	} else if (!strcmp(luo_test_damage_how, "loop") && sessions_pa) {
		struct luo_ser_block *blk = phys_to_virt(sessions_pa);

		blk->next = cpu_to_le64(sessions_pa);
	} else if (!strcmp(luo_test_damage_how, "session") && sessions_pa) {
		struct luo_ser_block *blk = phys_to_virt(sessions_pa);
		struct luo_ser_session *ser = (void *)blk->entries;

		if (le64_to_cpu(blk->count) > 1)
			ser++;
		le64_add_cpu(&ser->file_count, 1);
	} else if (str_has_prefix(luo_test_damage_how, "memfd-")) {
		luo_test_memfd_array(sessions_pa, luo_test_damage_how);
	} else if (str_has_prefix(luo_test_damage_how, "bpf-")) {
		luo_test_damage_bpf(luo_test_damage_how);
	} else if (luo_test_random_damage(luo_test_damage_how)) {
		luo_test_apply_random(hdr, sessions_pa);
		pr_warn("test: outgoing handover damaged (%s)\n", luo_test_damage_how);
	}
}
