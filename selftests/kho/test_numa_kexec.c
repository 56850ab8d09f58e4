// SPDX-License-Identifier: GPL-2.0
/*
 * test_numa_kexec.c - a NUMA host: two nodes with memory and a third with
 * a CPU and no memory. KHO stays on (one scratch area per node with
 * memory, none for the memoryless node), and a memfd placed on each
 * memory node comes back after the kexec byte for byte, in the same
 * frames, still on its node.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "liveupdate.h"
#include "luo_test.h"

#define NR_MEM_NODES	2
#define MEMFD_SIZE	(16UL << 20)
#define PG		4096UL
#define MPOL_DEFAULT	0
#define MPOL_BIND	2
#define SCRATCH		"/sys/kernel/debug/kho/out/scratch"

/*
 * Two memory nodes of 1 GiB and a memoryless node with the second CPU; one
 * CPU per socket, as CPUs that share a cache share a node on real hosts.
 */
#define NUMA_MACHINE							\
	"-smp 2,sockets=2,cores=1,threads=1 "				\
	"-object memory-backend-ram,id=m0,size=1G "			\
	"-object memory-backend-ram,id=m1,size=1G "			\
	"-numa node,nodeid=0,cpus=0,memdev=m0 "				\
	"-numa node,nodeid=1,memdev=m1 "				\
	"-numa node,nodeid=2,cpus=1"

static int bind_to_node(int node)
{
	unsigned long mask = 1UL << node;

	if (node < 0)
		return syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0);
	return syscall(SYS_set_mempolicy, MPOL_BIND, &mask, 8 * sizeof(mask));
}

/* Node of the page at @addr (move_pages() without a target only asks). */
static int node_of(void *addr)
{
	int status = -1;

	if (syscall(SYS_move_pages, 0, 1UL, &addr, NULL, &status, 0))
		return -errno;
	return status;
}

/*
 * Fail unless every page of @fd is on @node; on success, record (or
 * compare with the record of stage 1) the frame of its first page.
 */
static enum luo_result check_placement(int fd, int node, bool record)
{
	char key[16];
	uint64_t pfn;
	size_t off;
	char *p;
	int got;

	p = mmap(NULL, MEMFD_SIZE, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED, "mmap: %m");
	for (off = 0; off < MEMFD_SIZE; off += PG) {
		got = node_of(p + off);
		ASSERT_TRUE(got == node, "memfd of node %d: page at %zu on node %d",
			    node, off, got);
	}
	pfn = luo_pfn(p);
	ASSERT_TRUE(pfn, "no frame for the first page");
	snprintf(key, sizeof(key), "pfn%d", node);
	if (record)
		luo_put(key, "0x%llx", (unsigned long long)pfn);
	else
		ASSERT_TRUE(pfn == luo_get_u64(key), "node %d: frame %#llx, was %s",
			    node, (unsigned long long)pfn, luo_get(key));
	munmap(p, MEMFD_SIZE);
	return LUO_PASS;
}

/* Parse a node list ("0,2", "0-1") into a bit mask. */
static unsigned long node_mask(const char *path)
{
	unsigned long mask = 0;
	char buf[128], *tok, *save;
	unsigned int a, b;
	int n;

	if (luo_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	for (tok = strtok_r(buf, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save)) {
		n = sscanf(tok, "%u-%u", &a, &b);
		if (n < 1)
			continue;
		if (n == 1)
			b = a;
		for (; a <= b && a < 8 * sizeof(mask); a++)
			mask |= 1UL << a;
	}
	return mask;
}

/*
 * The memoryless node exists, and KHO reserved scratch on the others only.
 * Linux numbers nodes in the order ACPI SRAT lists them (CPUs first), so
 * the memory nodes are found, not assumed: @mem_nodes gets them.
 */
static enum luo_result check_topology(int *mem_nodes)
{
	unsigned long online, memory;
	unsigned int areas = 0;
	char buf[512], *line;
	int node, n = 0;

	online = node_mask("/sys/devices/system/node/online");
	memory = node_mask("/sys/devices/system/node/has_memory");
	ASSERT_TRUE(online == 7, "online nodes %#lx, expected 0-2", online);
	ASSERT_TRUE(__builtin_popcountl(memory) == NR_MEM_NODES && (online & ~memory),
		    "nodes with memory %#lx of %#lx: no memoryless node", memory,
		    online);
	for (node = 0; node < 3; node++)
		if (memory & (1UL << node))
			mem_nodes[n++] = node;

	ASSERT_TRUE(luo_read_file(SCRATCH, buf, sizeof(buf)) > 0,
		    "%s: %m (KHO off?)", SCRATCH);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		areas++;
	/* lowmem, global, then one per node with memory */
	ASSERT_TRUE(areas == 2 + NR_MEM_NODES, "%u scratch areas", areas);
	return LUO_PASS;
}

LUO_TEST(numa_kexec, .stages = 2, .mem = "2G", .qemu = NUMA_MACHINE,
	 .cmdline = "kho=on liveupdate=on",
	 .desc = "two-stage: NUMA with a memoryless node, a memfd per memory node kept on its node")
{
	int luo, s, fd[NR_MEM_NODES], nodes[NR_MEM_NODES], i, r;
	uint64_t seed;
	char name[16];

	if (check_topology(nodes) != LUO_PASS)
		return LUO_FAIL;
	luo = liveupdate_open();
	ASSERT_TRUE(luo >= 0, "open: %s", strerror(-luo));

	if (ctx->stage == 2) {
		seed = luo_get_u64("seed");
		s = liveupdate_retrieve_session(luo, "numa");
		ASSERT_TRUE(s >= 0, "retrieve session: %s", strerror(-s));
		for (i = 0; i < NR_MEM_NODES; i++) {
			fd[i] = liveupdate_retrieve_fd(s, i + 1);
			ASSERT_TRUE(fd[i] >= 0, "retrieve fd %d: %s", i + 1,
				    strerror(-fd[i]));
			ASSERT_OK(luo_memfd_verify(fd[i], MEMFD_SIZE,
						   seed + i));
			if (check_placement(fd[i], nodes[i], false) != LUO_PASS)
				return LUO_FAIL;
		}
		r = liveupdate_finish(s);
		ASSERT_TRUE(!r, "finish: %s", strerror(-r));
		return LUO_PASS;
	}

	seed = luo_seed();
	luo_put("seed", "0x%llx", (unsigned long long)seed);
	s = liveupdate_create_session(luo, "numa");
	ASSERT_TRUE(s >= 0, "create: %s", strerror(-s));
	for (i = 0; i < NR_MEM_NODES; i++) {
		/* Shmem allocates by the task's policy: bind while filling. */
		ASSERT_OK(bind_to_node(nodes[i]));
		snprintf(name, sizeof(name), "node%d", nodes[i]);
		fd[i] = luo_memfd_new(name, MEMFD_SIZE, seed + i);
		ASSERT_OK(bind_to_node(-1));
		ASSERT_TRUE(fd[i] >= 0, "memfd: %s", strerror(-fd[i]));
		r = liveupdate_preserve_fd(s, fd[i], i + 1);
		ASSERT_TRUE(!r, "preserve: %s", strerror(-r));
		/* After PRESERVE_FD, which may move pages out of scratch. */
		if (check_placement(fd[i], nodes[i], true) != LUO_PASS)
			return LUO_FAIL;
	}
	ASSERT_TRUE(luo_agent_hold() > 0, "agent: %m");
	luo_kexec(NULL);
	return LUO_FAIL;
}
