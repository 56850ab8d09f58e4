// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_fuzz_handover.c - random damage to the "luo-bpf" tree (the BPF
 * handlers' state in the handover), over several kexecs.
 *
 * Each damaged stage preserves two files under the VM-RAM handler and a
 * plain memfd, and has the test hooks damage the luo-bpf tree its reboot
 * writes: one to four bit flips, or zeroes from a random offset on,
 * alternately. The seed is fresh for every run and printed
 * ("luo.bpf_fuzz_seed=N" replays it).
 *
 * The next kernel must not panic, oops or WARN (the host runner checks),
 * and the memory of no file may be lost to the damage: the handler is
 * configured to take a VM whose state was lost, so every file must come
 * back with every byte, unless it is refused with EPROTO and a log line,
 * which keeps its memory (a record that reads well but names another
 * backend or compatible, or a damaged state the program refuses). The
 * plain memfd always comes back. After the damaged
 * stages one clean update brings everything back, state included.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"
#include "vmram_util.h"

#define NDAMAGE		6
#define NFILES		3	/* tokens 1, 2: VM-RAM; 3: plain */
#define SIZE		(4 << 20)

/* Warnings of LUO's BPF handlers in this boot's log. */
static int bpf_warnings(void)
{
	static const char pfx[] = "liveupdate: bpf: ";
	char rec[2048], *text;
	int fd, n = 0, pri;
	ssize_t len;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 ||
	       (len < 0 && errno == EPIPE)) {
		if (len <= 0)
			continue;
		rec[len] = '\0';
		text = strchr(rec, ';');
		if (text && sscanf(rec, "%d", &pri) == 1 && (pri & 7) <= 4 &&
		    !strncmp(text + 1, pfx, strlen(pfx)))
			n++;
	}
	close(fd);
	return n;
}

static enum luo_result attach(struct vmram_handler *h)
{
	int r = vmram_attach(h, 1);

	ASSERT_TRUE(!r, "attach vmram: %s", strerror(-r));
	/* A VM whose state the damage took is still wanted. */
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(h->skel->maps.vmram_config),
				      &(uint32_t){ 0 },
				      &(struct vmram_config){ .abi_version = 1,
							      .accept_stateless = 1 },
				      BPF_ANY));
	return LUO_PASS;
}

/* What came of the last stage's files; the number refused. */
static int check_incoming(int luo, struct vmram_handler *h, bool clean)
{
	struct vmram_state st;
	char key[8];
	int s, t, m, lost = 0;

	s = liveupdate_retrieve_session(luo, "bf");
	if (s < 0) {
		luo_fail("session bf: %s", strerror(-s));
		return -1;
	}
	for (t = 1; t <= NFILES; t++) {
		snprintf(key, sizeof(key), "f%d", t);
		m = liveupdate_retrieve_fd(s, t);
		if (m < 0) {
			luo_info("token %d: %s", t, strerror(-m));
			/*
			 * Only a refusal that keeps the memory (EPROTO: a
			 * record naming another backend or compatible, or a
			 * state the program refuses); never a file freed.
			 */
			if (t == 3 || clean || m != -EPROTO) {
				luo_fail("token %d refused: %s", t, strerror(-m));
				return -1;
			}
			lost++;
			continue;
		}
		if (luo_memfd_verify(m, SIZE, luo_get_u64(key))) {
			luo_fail("token %d came back with other bytes", t);
			return -1;
		}
		if (clean && t < 3 &&
		    (vmram_restored(h, t, &st) ||
		     st.vm.guest_base != vmram_vm_of(t, 1).guest_base)) {
			luo_fail("token %d: state lost in a clean update", t);
			return -1;
		}
		close(m);
	}
	if (liveupdate_finish(s)) {
		luo_fail("finish: %m");
		return -1;
	}
	close(s);
	return lost;
}

static enum luo_result preserve(int luo, struct vmram_handler *h)
{
	char key[8];
	int s, t, m, r;
	uint64_t seed;

	s = liveupdate_create_session(luo, "bf");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	for (t = 1; t <= NFILES; t++) {
		snprintf(key, sizeof(key), "f%d", t);
		seed = luo_seed();
		if (t < 3)
			ASSERT_OK(vmram_describe(h, t, 1));
		m = luo_memfd_new(t < 3 ? "vmram-bf" : "plain", SIZE, seed);
		ASSERT_OK(m);
		r = liveupdate_preserve_fd(s, m, t);
		ASSERT_TRUE(!r, "preserve %d: %s", t, strerror(-r));
		close(m);
		if (t < 3)
			ASSERT_OK(vmram_pause(h, t));
		luo_put(key, "%#llx", (unsigned long long)seed);
	}
	return LUO_PASS;
}

LUO_TEST(bpf_fuzz_handover, .stages = NDAMAGE + 2,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "multi-stage: random damage to the luo-bpf tree loses no file's memory",
	 .allow_log = LUO_LOG("liveupdate: *", "memfd_luo: *"))
{
	struct vmram_handler h;
	uint64_t seed;
	const char *a;
	char how[48];
	int luo, lost, warned;

	if (ctx->stage == 1) {
		a = luo_arg("luo.bpf_fuzz_seed");
		seed = a ? strtoull(a, NULL, 0) : luo_seed();
	} else {
		seed = luo_get_u64("fseed");
	}
	luo_info("luo-bpf fuzz seed %#llx (luo.bpf_fuzz_seed=N replays it), stage %d of %d",
		 (unsigned long long)seed, ctx->stage, NDAMAGE + 2);
	luo_put("fseed", "%#llx", (unsigned long long)seed);

	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));
	if (attach(&h) != LUO_PASS)
		return LUO_FAIL;
	if (ctx->stage > 1) {
		lost = check_incoming(luo, &h, ctx->stage == NDAMAGE + 2);
		ASSERT_TRUE(lost >= 0, "stage %d", ctx->stage);
		warned = bpf_warnings();
		luo_info("damage of stage %d: %d of 2 VM files refused, %d warnings",
			 ctx->stage - 1, lost, warned);
		ASSERT_TRUE(!lost || warned > 0, "%d files refused without a log line",
			    lost);
		if (ctx->stage == NDAMAGE + 2) {
			vmram_detach(&h);
			close(luo);
			return LUO_PASS;
		}
	}
	if (preserve(luo, &h) != LUO_PASS)
		return LUO_FAIL;
	if (ctx->stage <= NDAMAGE) {
		snprintf(how, sizeof(how), "%s-bpf:%llu",
			 ctx->stage % 2 ? "flip" : "trunc",
			 (unsigned long long)(seed * ctx->stage ^
					      0x9e3779b97f4a7c15ULL));
		luo_info("stage %d damages the luo-bpf tree: %s", ctx->stage, how);
		ASSERT_OK(luo_write_file("/sys/kernel/debug/liveupdate/test_damage",
					 how));
	}
	return luo_handover();
}
