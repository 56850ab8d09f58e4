// SPDX-License-Identifier: GPL-2.0
/*
 * handler.c - "handler load | list | update | unload": BPF file handlers.
 *
 * load attaches every luo_bpf_ops map of an object and pins, under
 * /sys/fs/bpf/luo-bpf/<name>/ (name: the compatible without "bpf:"), the
 * link (the handler stays attached after the tool exits) and the
 * object's other maps (for the VMM or agent to fill). unload removes the
 * pins: the link goes, the kernel retires the handler (files already
 * bound keep it until they are done). While files are bound it refuses:
 * the retired handler would still run, and may veto the reboot, with its
 * settings out of reach; --force detaches it and keeps its map pins, so
 * that they stay reachable. update swaps the programs of the attached
 * handler with those of a new object (bpf_link update).
 */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "luo-bpf.h"

#define LUO_OPS_TYPE	"luo_bpf_ops"
#define LUO_OPS_VALUE	"bpf_struct_ops_luo_bpf_ops"

/* Byte offset of member @name of struct @type_id in @btf, or -1. */
static int member_off(const struct btf *btf, int type_id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_struct(t))
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

/* Is @map a LUO handler (its value is struct luo_bpf_ops)? */
static bool is_luo_map(const struct bpf_object *obj, const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;

	if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
		return false;
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	return t && !strcmp(btf__name_by_offset(btf, t->name_off),
			    LUO_OPS_TYPE);
}

/* The compatible a luo_bpf_ops map of the object declares, or NULL. */
static const char *map_compatible(const struct bpf_object *obj,
				  const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	int off = member_off(btf, bpf_map__btf_value_type_id(map),
			     "compatible");
	size_t size;
	const char *data = bpf_map__initial_value((struct bpf_map *)map, &size);

	if (!data || off < 0 || (size_t)off + 48 > size)
		return NULL;
	return data + off;
}

/* Member @name of the handler @map declares, as a u32; 0 if absent. */
static __u32 map_u32(const struct bpf_object *obj, const struct bpf_map *map,
		     const char *name)
{
	int off = member_off(bpf_object__btf(obj),
			     bpf_map__btf_value_type_id(map), name);
	size_t size;
	const char *data = bpf_map__initial_value((struct bpf_map *)map, &size);
	__u32 v;

	if (!data || off < 0 || (size_t)off + sizeof(v) > size)
		return 0;
	memcpy(&v, data + off, sizeof(v));
	return v;
}

/* Is @c "bpf:<name>-v<N>", <name> of [a-z0-9._-], as the kernel wants? */
static bool compat_valid(const char *c)
{
	const char *v, *p;

	if (strncmp(c, "bpf:", 4))
		return false;
	c += 4;
	v = strrchr(c, '-');
	if (!v || v == c || v[1] != 'v' || !v[2])
		return false;
	for (p = v + 2; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	for (p = c; p < v; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      strchr("._-", *p)))
			return false;
	return true;
}

/* What an attach errno means for handler @compat of @map, in words. */
static const char *attach_reason(const struct bpf_object *obj,
				 const struct bpf_map *map, const char *compat,
				 int err, char *buf, size_t len)
{
	switch (err) {
	case EINVAL:
		if (map_u32(obj, map, "state_size") > LUO_BPF_STATE_LIMIT)
			snprintf(buf, len, "state_size %u is above the limit of %d bytes",
				 map_u32(obj, map, "state_size"),
				 LUO_BPF_STATE_LIMIT);
		else if (!map_u32(obj, map, "schema"))
			snprintf(buf, len, "schema must be 1 or more");
		else if (!compat_valid(compat))
			snprintf(buf, len, "compatible '%s' is not bpf:<name>-v<N>, <name> of [a-z0-9._-]",
				 compat);
		else
			snprintf(buf, len, "%s (flags must be 0, can_preserve is required)",
				 strerror(err));
		return buf;
	case EEXIST:
		return "a handler of that compatible is attached already (handler list; update or unload it)";
	case EBUSY:
		return "this handler is attached already, or a live update is under way";
	case ENOENT:
		return "this kernel has no such backend (the .backend field)";
	case EPROTO:
		return "a retired handler of that compatible still holds files kept by another backend";
	case EOPNOTSUPP:
		return "the backend cannot carry BPF handlers, or live update is off (liveupdate=on)";
	case EPERM:
		return "attaching a handler needs CAP_SYS_ADMIN";
	default:
		return strerror(err);
	}
}

static const char *short_name(const char *compatible)
{
	return strncmp(compatible, "bpf:", 4) ? compatible : compatible + 4;
}

static int pin_maps(struct bpf_object *obj, const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;

	snprintf(path, sizeof(path), "%s/maps", dir);
	if (mkdir(path, 0700) && errno != EEXIST)
		return p_err("mkdir %s: %s", path, strerror(errno));
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS ||
		    strchr(bpf_map__name(map), '.'))
			continue;	/* held by the link; .bss/.rodata */
		snprintf(path, sizeof(path), "%s/maps/%s", dir,
			 bpf_map__name(map));
		unlink(path);
		if (bpf_map__pin(map, path))
			return p_err("pin %s: %s", path, strerror(errno));
	}
	return 0;
}

static void unpin_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/maps", dir);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "%s/maps", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/link", dir);
	unlink(path);
	rmdir(dir);
}

/* libbpf's own lines only while loading: the verifier log says why. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

static struct bpf_object *open_obj(const char *path)
{
	struct bpf_object *obj;

	libbpf_set_print(NULL);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		p_err("cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	libbpf_set_print(libbpf_print);
	if (bpf_object__load(obj)) {
		p_err("cannot load %s: %s (the verifier log is above)", path,
		      strerror(errno));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static int handler_load(const char *path)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	int n = 0, err = 0;

	obj = open_obj(path);
	if (!obj)
		return LUO_EXIT_ERROR;
	mkdir(LUO_BPFFS_DIR, 0700);
	bpf_object__for_each_map(map, obj) {
		const char *compat;
		char dir[PATH_MAX / 2], link_path[PATH_MAX];
		struct bpf_link *link;

		if (!is_luo_map(obj, map))
			continue;
		compat = map_compatible(obj, map);
		if (!compat) {
			err = p_err("%s: map %s has no compatible", path,
				    bpf_map__name(map));
			break;
		}
		link = bpf_map__attach_struct_ops(map);
		if (!link) {
			char why[160];
			int e = errno;

			err = p_err("cannot attach '%s' from %s: %s", compat, path,
				    attach_reason(obj, map, compat, e, why,
						  sizeof(why)));
			break;
		}
		snprintf(dir, sizeof(dir), "%s/%s", LUO_BPFFS_DIR,
			 short_name(compat));
		snprintf(link_path, sizeof(link_path), "%s/link", dir);
		if ((mkdir(dir, 0700) && errno != EEXIST) ||
		    bpf_link__pin(link, link_path)) {
			err = p_err("cannot pin %s: %s", link_path,
				    strerror(errno));
			bpf_link__destroy(link);
			break;
		}
		err = pin_maps(obj, dir);
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
		if (err) {
			unpin_dir(dir);
			break;
		}
		if (json_output) {
			json_begin_object();
			json_string("compatible", compat);
			json_string("pinned", dir);
			json_end_object();
		} else {
			printf("%s attached, pinned in %s\n", compat, dir);
		}
		n++;
	}
	bpf_object__close(obj);
	if (!err && !n)
		return p_err("%s has no luo_bpf_ops handler", path);
	return err;
}

/* Are all handlers of the object at @path attached and pinned already? */
static bool obj_attached(const char *path)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	bool all = true, any = false;

	libbpf_set_print(NULL);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return false;
	bpf_object__for_each_map(map, obj) {
		const char *compat;
		char link[PATH_MAX];

		if (!is_luo_map(obj, map))
			continue;
		compat = map_compatible(obj, map);
		if (!compat)
			continue;
		snprintf(link, sizeof(link), "%s/%s/link", LUO_BPFFS_DIR,
			 short_name(compat));
		any = true;
		all &= !access(link, F_OK);
	}
	bpf_object__close(obj);
	return any && all;
}

static int bpf_o_filter(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return de->d_name[0] != '.' && len > 6 &&
	       !strcmp(de->d_name + len - 6, ".bpf.o");
}

int handler_load_dir(const char *dir)
{
	struct dirent **list;
	char path[PATH_MAX];
	int n, i, failed = 0;

	n = scandir(dir, &list, bpf_o_filter, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		p_err("cannot read handler directory %s: %s", dir,
		      strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (obj_attached(path))
			p_info("%s: already attached, kept", path);
		else if (handler_load(path))
			failed++;
		free(list[i]);
	}
	free(list);
	return failed;
}

static int handler_update(const char *name, const char *path)
{
	char dir[PATH_MAX / 2], link_path[PATH_MAX];
	struct bpf_object *obj;
	struct bpf_link *link;
	struct bpf_map *map;
	int err = LUO_EXIT_ERROR;

	snprintf(dir, sizeof(dir), "%s/%s", LUO_BPFFS_DIR, short_name(name));
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	link = bpf_link__open(link_path);
	if (!link)
		return p_err("no handler '%s' loaded by %s (%s)", name,
			     prog_name, strerror(errno));
	obj = open_obj(path);
	if (!obj)
		goto out_link;
	bpf_object__for_each_map(map, obj) {
		const char *compat;

		if (!is_luo_map(obj, map))
			continue;
		compat = map_compatible(obj, map);
		if (!compat || strcmp(short_name(compat), short_name(name)))
			continue;
		if (bpf_link__update_map(link, map)) {
			err = p_err("cannot update '%s': %s (same compatible, backend and state size, schema not lower?)",
				    compat, strerror(errno));
			goto out_obj;
		}
		err = pin_maps(obj, dir);
		if (!err)
			printf("%s updated from %s\n", compat, path);
		goto out_obj;
	}
	err = p_err("%s has no handler '%s'", path, name);
out_obj:
	bpf_object__close(obj);
out_link:
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	return err;
}

/* Files bound to handler @compatible now (preserved, or retrieved), or -1. */
static int bound_files(const char *compatible)
{
	struct luo_file_row *rows;
	int n, i, count = 0;

	if (luo_iter_files(&rows, &n))
		return -1;
	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].handler, compatible) &&
		    (!strcmp(rows[i].status, "outgoing") ||
		     !strcmp(rows[i].status, "retrieved")))
			count++;
	free(rows);
	return count;
}

static int handler_unload(const char *name, bool force)
{
	char dir[PATH_MAX / 2], path[PATH_MAX], compat[64];
	struct stat st;
	int files;

	snprintf(dir, sizeof(dir), "%s/%s", LUO_BPFFS_DIR, short_name(name));
	if (stat(dir, &st))
		return p_err("no handler '%s' loaded by %s", name, prog_name);
	snprintf(compat, sizeof(compat), "bpf:%s", short_name(name));
	snprintf(path, sizeof(path), "%s/link", dir);
	files = access(path, F_OK) ? 0 : bound_files(compat);
	if (files < 0)
		return LUO_EXIT_ERROR;
	if (files && !force) {
		p_err("%s holds %d preserved file%s: detached, it would still run for them (and may veto the reboot); finish or unpreserve them first, or unload --force (its maps stay pinned in %s/maps)",
		      compat, files, files == 1 ? "" : "s", dir);
		return LUO_EXIT_REFUSED;
	}
	if (files) {
		unlink(path);
		printf("%s detached; its %d file%s keep it, its maps stay pinned in %s/maps\n",
		       compat, files, files == 1 ? "" : "s", dir);
		return LUO_EXIT_OK;
	}
	unpin_dir(dir);
	printf("%s detached\n", compat);
	return LUO_EXIT_OK;
}

/* The pinned dir whose link holds map @map_id, or "". */
static void pinned_dir_of(unsigned int map_id, char *out, size_t len)
{
	struct bpf_link_info info;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(LUO_BPFFS_DIR);

	out[0] = '\0';
	while (d && (de = readdir(d))) {
		__u32 ilen = sizeof(info);
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/link", LUO_BPFFS_DIR,
			 de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_link_get_info_by_fd(fd, &info, &ilen) &&
		    info.struct_ops.map_id == map_id)
			snprintf(out, len, "%s/%s", LUO_BPFFS_DIR, de->d_name);
		close(fd);
	}
	if (d)
		closedir(d);
}

static int handler_list(void)
{
	int data_off, c_off, b_off, s_off, z_off, value_id, ops_id;
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct luo_file_row *rows;
	int n = 0, nrows, files, i;
	__u32 id = 0;

	if (!vmlinux)
		return p_err("no kernel BTF: %s", strerror(errno));
	value_id = btf__find_by_name_kind(vmlinux, LUO_OPS_VALUE, BTF_KIND_STRUCT);
	ops_id = btf__find_by_name_kind(vmlinux, LUO_OPS_TYPE, BTF_KIND_STRUCT);
	if (value_id < 0 || ops_id < 0) {
		btf__free(vmlinux);
		return p_err("this kernel has no BPF LUO handlers (CONFIG_LIVEUPDATE_BPF)");
	}
	data_off = member_off(vmlinux, value_id, "data");
	c_off = member_off(vmlinux, ops_id, "compatible");
	b_off = member_off(vmlinux, ops_id, "backend");
	s_off = member_off(vmlinux, ops_id, "schema");
	z_off = member_off(vmlinux, ops_id, "state_size");

	if (luo_iter_files(&rows, &nrows)) {
		btf__free(vmlinux);
		return LUO_EXIT_ERROR;
	}
	if (json_output)
		json_begin_array();
	else
		printf("%-6s %-24s %-12s %-6s %-6s %-6s %s\n", "MAP",
		       "COMPATIBLE", "BACKEND", "SCHEMA", "STATE", "FILES",
		       "PINNED");
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info), zero = 0;
		char pinned[PATH_MAX], value[4096];
		const char *ops;
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_map_get_info_by_fd(fd, &info, &len) ||
		    info.type != BPF_MAP_TYPE_STRUCT_OPS ||
		    info.btf_vmlinux_value_type_id != (__u32)value_id ||
		    info.value_size > sizeof(value) ||
		    bpf_map_lookup_elem(fd, &zero, value)) {
			close(fd);
			continue;
		}
		close(fd);
		ops = value + data_off;
		pinned_dir_of(id, pinned, sizeof(pinned));
		files = 0;
		for (i = 0; i < nrows; i++)
			files += !strcmp(rows[i].handler, ops + c_off);
		n++;
		if (json_output) {
			json_begin_object();
			json_u64("map_id", id);
			json_string("compatible", ops + c_off);
			json_string("backend", ops + b_off);
			json_u64("schema", *(const __u32 *)(ops + s_off));
			json_u64("state_size", *(const __u32 *)(ops + z_off));
			json_u64("files", files);
			json_string("pinned", pinned);
			json_end_object();
		} else {
			printf("%-6u %-24s %-12s %-6u %-6u %-6d %s\n", id,
			       ops + c_off, ops + b_off,
			       *(const __u32 *)(ops + s_off),
			       *(const __u32 *)(ops + z_off), files,
			       pinned[0] ? pinned : "- (not pinned or retired)");
		}
	}
	if (json_output)
		json_end_array();
	free(rows);
	btf__free(vmlinux);
	return LUO_EXIT_OK;
}

static int handler_help(void)
{
	printf("Usage: %s handler load OBJ\n"
	       "       %s handler list\n"
	       "       %s handler update NAME OBJ\n"
	       "       %s handler unload [--force] NAME\n"
	       "       %s handler help\n"
	       "\n"
	       "load:   attach every luo_bpf_ops handler in OBJ (a .bpf.o built with\n"
	       "        clang) and pin it with its maps in %s/NAME/\n"
	       "        (NAME: the compatible without \"bpf:\"), so it stays attached.\n"
	       "list:   the BPF handlers in the kernel, attached or retired, and\n"
	       "        the files bound to each (FILES).\n"
	       "update: replace the programs of handler NAME with those of OBJ, also\n"
	       "        for files already bound to it (same compatible, backend and\n"
	       "        state size; the schema may grow).\n"
	       "unload: detach handler NAME and remove its pins. Refused (exit 3)\n"
	       "        while files are bound to it: it would keep running for them,\n"
	       "        and may veto the reboot. --force detaches it anyway and keeps\n"
	       "        its maps pinned, so its settings stay reachable; unload it\n"
	       "        again once its files are done to remove them.\n",
	       prog_name, prog_name, prog_name, prog_name, prog_name,
	       LUO_BPFFS_DIR);
	return LUO_EXIT_OK;
}

int do_handler(int argc, char **argv)
{
	if (!argc || is_help(argv[0]))
		return handler_help();
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (!strcmp(argv[0], "load") && argc == 2)
		return handler_load(argv[1]);
	if ((!strcmp(argv[0], "list") || !strcmp(argv[0], "show")) && argc == 1)
		return handler_list();
	if (!strcmp(argv[0], "update") && argc == 3)
		return handler_update(argv[1], argv[2]);
	if (!strcmp(argv[0], "unload") && argc == 2)
		return handler_unload(argv[1], false);
	if (!strcmp(argv[0], "unload") && argc == 3 &&
	    !strcmp(argv[1], "--force"))
		return handler_unload(argv[2], true);
	return p_usage("handler", "bad command or arguments");
}
