// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_reject.c - the verifier refuses LUO handler programs that write
 * past their state, call a kfunc from an op where it is not allowed, sleep
 * where they may not, or write the context; the same object with only the
 * well-behaved program loads.
 */
#include <bpf/libbpf.h>

#include "luo_test.h"
#include "test_bpf_reject.skel.h"

static const char *const maps[] = {
	"accepted", "past", "rwretrieve", "sleepfreeze", "writectx",
};

/* Load only the struct_ops map @keep (and the programs it uses). */
static int load_only(const char *keep)
{
	struct test_bpf_reject_bpf *skel = test_bpf_reject_bpf__open();
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	if (!skel)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		bpf_map__set_autocreate(map, !strcmp(bpf_map__name(map), keep));
	}
	bpf_program__set_autoload(skel->progs.rej_can_preserve, true);
	if (!strcmp(keep, "accepted"))
		bpf_program__set_autoload(skel->progs.ok_preserve, true);
	else if (!strcmp(keep, "past"))
		bpf_program__set_autoload(skel->progs.past_state, true);
	else if (!strcmp(keep, "rwretrieve"))
		bpf_program__set_autoload(skel->progs.rw_in_retrieve, true);
	else if (!strcmp(keep, "sleepfreeze"))
		bpf_program__set_autoload(skel->progs.sleepable_freeze, true);
	else
		bpf_program__set_autoload(skel->progs.write_ctx, true);
	err = test_bpf_reject_bpf__load(skel);
	test_bpf_reject_bpf__destroy(skel);
	return err;
}

LUO_TEST(bpf_reject, .cmdline = "kho=on liveupdate=on",
	 .desc = "verifier refuses unsafe LUO handler programs")
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		err = load_only(maps[i]);
		luo_info("%s: load %d", maps[i], err);
		if (i == 0)
			ASSERT_TRUE(!err, "the well-behaved program must load");
		else
			ASSERT_TRUE(err < 0, "%s must be refused", maps[i]);
	}
	return LUO_PASS;
}
