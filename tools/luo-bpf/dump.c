// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - "state dump" and "kho dump": the handover, decoded with libfdt.
 *
 * state dump reads the BPF handlers' tree ("luo-bpf", format in
 * include/linux/kho/abi/luo_bpf_fdt.h): by default what the previous kernel
 * handed over, from debugfs. With --obj and --type the state of each
 * file is printed as that C type of the handler's object, through BTF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <libfdt.h>

#include "luo-bpf.h"

#define STATE_TREE	LUO_KHO_DEBUGFS "/in/sub/luo-bpf"

/* The whole of @path in a malloc'd buffer; NULL with an error line. */
static void *read_all(const char *path, size_t *len)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap), *nb;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	*len = 0;
	if (fd < 0 || !buf) {
		p_err("cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	while ((n = read(fd, buf + *len, cap - *len)) > 0) {
		*len += n;
		if (*len == cap) {
			nb = realloc(buf, cap *= 2);
			if (!nb)
				goto fail;
			buf = nb;
		}
	}
	if (n < 0) {
		p_err("cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static bool fdt_ok(const void *fdt, size_t len, const char *path)
{
	if (len < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > len) {
		p_err("%s is not a valid FDT", path);
		return false;
	}
	return true;
}

static const char *str_prop(const void *fdt, int node, const char *name)
{
	int len;
	const char *s = fdt_getprop(fdt, node, name, &len);

	return s && len > 0 && !s[len - 1] ? s : "";
}

static unsigned int u32_prop(const void *fdt, int node, const char *name)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	return p && len == 4 ? fdt32_to_cpu(*p) : 0;
}

static unsigned long long u64_prop(const void *fdt, int node,
				   const char *name)
{
	int len;
	const fdt64_t *p = fdt_getprop(fdt, node, name, &len);

	return p && len == 8 ? fdt64_to_cpu(*p) : 0;
}

static void hex(const unsigned char *p, int len, char *out)
{
	int i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * len] = '\0';
}

static void btf_print(void *ctx, const char *fmt, va_list args)
{
	vprintf(fmt, args);
}

static int state_dump(const char *path, const char *obj_path,
		      const char *type)
{
	struct bpf_object *obj = NULL;
	struct btf_dump *d = NULL;
	char hexbuf[8001];
	int h, f, type_id = -1;
	size_t len;
	void *fdt;

	fdt = read_all(path, &len);
	if (!fdt)
		return LUO_EXIT_ERROR;
	if (!fdt_ok(fdt, len, path)) {
		free(fdt);
		return LUO_EXIT_ERROR;
	}
	if (fdt_node_check_compatible(fdt, 0, "luo-bpf-v1")) {
		free(fdt);
		return p_err("%s: not a luo-bpf-v1 tree", path);
	}
	if (obj_path) {
		const struct btf *btf;

		obj = bpf_object__open_file(obj_path, NULL);
		btf = obj ? bpf_object__btf(obj) : NULL;
		if (btf)
			type_id = btf__find_by_name_kind(btf, type,
							 BTF_KIND_STRUCT);
		if (type_id < 0) {
			bpf_object__close(obj);
			free(fdt);
			return p_err("%s: no struct %s in its BTF", obj_path,
				     type);
		}
		d = btf_dump__new(btf, btf_print, NULL, NULL);
	}

	if (json_output) {
		json_begin_object();
		json_string("compatible", "luo-bpf-v1");
		json_key_array("handlers");
	} else {
		printf("luo-bpf-v1 (%s, %u bytes)\n", path, fdt_totalsize(fdt));
	}
	fdt_for_each_subnode(h, fdt, 0) {
		if (json_output) {
			json_begin_object();
			json_string("node", fdt_get_name(fdt, h, NULL));
			json_string("compatible", str_prop(fdt, h, "compatible"));
			json_string("backend", str_prop(fdt, h, "backend"));
			json_u64("schema", u32_prop(fdt, h, "schema"));
			json_u64("state_size", u32_prop(fdt, h, "state-size"));
			json_key_array("files");
		} else {
			printf("%s: %s over %s, schema %u, %u bytes of state per file\n",
			       fdt_get_name(fdt, h, NULL),
			       str_prop(fdt, h, "compatible"),
			       str_prop(fdt, h, "backend"),
			       u32_prop(fdt, h, "schema"),
			       u32_prop(fdt, h, "state-size"));
		}
		fdt_for_each_subnode(f, fdt, h) {
			int slen = 0;
			const void *st = fdt_getprop(fdt, f, "state", &slen);

			if (!st || slen < 0 || slen > 4000)
				slen = 0;
			hex(st, slen, hexbuf);
			if (json_output) {
				json_begin_object();
				json_string("session", str_prop(fdt, f, "session"));
				json_u64("token", u64_prop(fdt, f, "token"));
				json_u64("schema", u32_prop(fdt, f, "schema"));
				json_string("state", hexbuf);
				json_end_object();
				continue;
			}
			printf("  session '%s' token %llu, schema %u: %s\n",
			       str_prop(fdt, f, "session"),
			       u64_prop(fdt, f, "token"),
			       u32_prop(fdt, f, "schema"), hexbuf);
			if (d) {
				DECLARE_LIBBPF_OPTS(btf_dump_type_data_opts, o,
						    .compact = true);

				printf("    ");
				btf_dump__dump_type_data(d, type_id, st, slen,
							 &o);
				printf("\n");
			}
		}
		if (json_output) {
			json_end_array();
			json_end_object();
		}
	}
	if (json_output) {
		json_end_array();
		json_end_object();
	}
	btf_dump__free(d);
	bpf_object__close(obj);
	free(fdt);
	return LUO_EXIT_OK;
}

static int state_help(void)
{
	printf("Usage: %s state dump [FILE] [--obj OBJ --type STRUCT]\n"
	       "       %s state help\n"
	       "\n"
	       "Decode the BPF handlers' handover tree (luo-bpf-v1): each handler\n"
	       "(compatible, backend, schema, state size) and the state of each of\n"
	       "its files. FILE defaults to what the previous kernel handed over,\n"
	       "%s. With --obj and --type, each state is also\n"
	       "printed as that struct of the handler's object, through its BTF.\n",
	       prog_name, prog_name, STATE_TREE);
	return LUO_EXIT_OK;
}

int do_state(int argc, char **argv)
{
	const char *path = STATE_TREE, *obj = NULL, *type = NULL;
	int i;

	if (!argc || is_help(argv[0]))
		return state_help();
	if (strcmp(argv[0], "dump"))
		return p_usage("state", "unknown command '%s'", argv[0]);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--obj") && i + 1 < argc)
			obj = argv[++i];
		else if (!strcmp(argv[i], "--type") && i + 1 < argc)
			type = argv[++i];
		else if (argv[i][0] != '-')
			path = argv[i];
		else
			return p_usage("state", "unknown option '%s'", argv[i]);
	}
	if (!obj != !type)
		return p_usage("state", "--obj and --type go together");
	return state_dump(path, obj, type);
}

/* One FDT node and its properties, recursively. */
static void kho_node(const void *fdt, int node, int depth)
{
	int prop, child;

	if (json_output) {
		json_begin_object();
		json_string("name", depth ? fdt_get_name(fdt, node, NULL) : "/");
	} else {
		printf("%*s%s {\n", depth * 2, "",
		       depth ? fdt_get_name(fdt, node, NULL) : "/");
	}
	fdt_for_each_property_offset(prop, fdt, node) {
		const char *name;
		int len;
		const char *val = fdt_getprop_by_offset(fdt, prop, &name, &len);
		bool str = len > 0 && !val[len - 1] &&
			   strlen(val) == (size_t)len - 1;

		if (json_output) {
			if (str)
				json_string(name, val);
			else if (len == 8)
				json_u64(name, fdt64_to_cpu(*(const fdt64_t *)val));
			else if (len == 4)
				json_u64(name, fdt32_to_cpu(*(const fdt32_t *)val));
			else
				json_u64(name, len);
			continue;
		}
		if (str)
			printf("%*s%s = \"%s\";\n", depth * 2 + 2, "", name, val);
		else if (len == 8)
			printf("%*s%s = <%#llx>;\n", depth * 2 + 2, "", name,
			       (unsigned long long)fdt64_to_cpu(*(const fdt64_t *)val));
		else if (len == 4)
			printf("%*s%s = <%#x>;\n", depth * 2 + 2, "", name,
			       fdt32_to_cpu(*(const fdt32_t *)val));
		else
			printf("%*s%s = [%d bytes];\n", depth * 2 + 2, "",
			       name, len);
	}
	if (json_output)
		json_key_array("children");
	fdt_for_each_subnode(child, fdt, node)
		kho_node(fdt, child, depth + 1);
	if (json_output) {
		json_end_array();
		json_end_object();
	} else {
		printf("%*s};\n", depth * 2, "");
	}
}

static int kho_dump(const char *which)
{
	char path[256];
	size_t len;
	void *fdt;

	snprintf(path, sizeof(path), "%s/%s/fdt", LUO_KHO_DEBUGFS, which);
	fdt = read_all(path, &len);
	if (!fdt)
		return LUO_EXIT_ERROR;
	if (!fdt_ok(fdt, len, path)) {
		free(fdt);
		return LUO_EXIT_ERROR;
	}
	if (!json_output)
		printf("/* %s: KHO handover %s */\n", path,
		       strcmp(which, "in") ? "to the next kernel" :
					     "from the previous kernel");
	kho_node(fdt, 0, 0);
	free(fdt);
	return LUO_EXIT_OK;
}

static int kho_help(void)
{
	printf("Usage: %s kho dump [in | out]\n"
	       "       %s kho help\n"
	       "\n"
	       "Print the KHO root FDT: its compatible, the preserved-memory map and\n"
	       "each named subtree (LUO, luo-bpf, ...) with its address and size;\n"
	       "\"in\" (default) is what the previous kernel handed over, \"out\" what\n"
	       "this kernel will hand over. Needs debugfs at /sys/kernel/debug.\n",
	       prog_name, prog_name);
	return LUO_EXIT_OK;
}

int do_kho(int argc, char **argv)
{
	if (!argc || is_help(argv[0]))
		return kho_help();
	if (strcmp(argv[0], "dump") || argc > 2)
		return p_usage("kho", "bad command or arguments");
	if (argc == 2 && strcmp(argv[1], "in") && strcmp(argv[1], "out"))
		return p_usage("kho", "dump what? 'in' or 'out', not '%s'",
			       argv[1]);
	return kho_dump(argc == 2 ? argv[1] : "in");
}
