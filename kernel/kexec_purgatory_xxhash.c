// SPDX-License-Identifier: GPL-2.0-only
/*
 * kexec_file_load(): the digest the purgatory checks, with xxhash64
 *
 * Between the two kernels the purgatory hashes every loaded segment in
 * place and compares with a digest taken at load time, to catch memory
 * corruption in between. It is not a defence against tampering (whatever
 * could write the segments could write the purgatory and its digest, and
 * a signed image was verified at load), so a 64-bit non-cryptographic
 * hash does the job. It matters because this runs in a live update's
 * blackout and covers each segment's whole memory size, the kernel's
 * decompression room included: under QEMU TCG, SHA-256 of a 9 MiB image
 * and a 7 MiB initrd took ~0.6 s there.
 *
 * The purgatory side is verify_xxh64_digest() in
 * arch/x86/purgatory/purgatory.c; both hash the same regions, in the same
 * order, with seed 0.
 */

#include <linux/kexec.h>
#include <linux/mm.h>
#include <linux/purgatory.h>
#include <linux/slab.h>
#include <linux/xxhash.h>

/* The segments kexec_calculate_store_digests() leaves out, and why. */
static bool kexec_xxh64_skips(struct kimage *image, unsigned long i)
{
	/* Written again below: it holds the regions and the digest. */
	if (image->segment[i].kbuf == image->purgatory_info.purgatory_buf)
		return true;
#ifdef CONFIG_CRASH_HOTPLUG
	/* Rewritten on CPU and memory hotplug after the load. */
	if (i == image->elfcorehdr_index)
		return true;
#endif
#ifdef CONFIG_IMA_KEXEC
	/* IMA's measurement list, filled in at kexec time. */
	if (image->is_ima_segment_index_set && i == image->ima_segment_index)
		return true;
#endif
	return false;
}

/**
 * kexec_purgatory_store_xxh64 - store the segment digest for the purgatory
 * @image: the image being loaded, its segments laid out
 *
 * Hashes each checked segment as the purgatory will find it in memory (its
 * buffer, then zeroes up to its memory size) and stores the list of regions
 * and the digest in the purgatory. Called by kexec_file_load() in place of
 * its SHA-256 digest when CONFIG_KEXEC_PURGATORY_XXHASH is set.
 *
 * Return: 0, -ENOMEM, or the error of setting a purgatory symbol.
 */
int kexec_purgatory_store_xxh64(struct kimage *image)
{
	size_t size = KEXEC_SEGMENT_MAX * sizeof(struct kexec_sha_region);
	const void *zero = page_address(ZERO_PAGE(0));
	struct kexec_sha_region *regions;
	struct xxh64_state state;
	unsigned long i, j = 0;
	u64 digest;
	int err;

	regions = kzalloc(size, GFP_KERNEL);
	if (!regions)
		return -ENOMEM;

	xxh64_reset(&state, 0);
	for (i = 0; i < image->nr_segments; i++) {
		struct kexec_segment *seg = &image->segment[i];
		size_t zeroes = seg->memsz - seg->bufsz;

		if (kexec_xxh64_skips(image, i))
			continue;
		if (seg->bufsz)
			xxh64_update(&state, seg->kbuf, seg->bufsz);
		while (zeroes) {
			size_t n = min_t(size_t, zeroes, PAGE_SIZE);

			xxh64_update(&state, zero, n);
			zeroes -= n;
		}
		regions[j].start = seg->mem;
		regions[j].len = seg->memsz;
		j++;
	}
	digest = xxh64_digest(&state);

	err = kexec_purgatory_get_set_symbol(image, "purgatory_sha_regions",
					     regions, size, false);
	if (!err)
		err = kexec_purgatory_get_set_symbol(image, "purgatory_xxh64_digest",
						     &digest, sizeof(digest), false);
	kfree(regions);
	return err;
}
