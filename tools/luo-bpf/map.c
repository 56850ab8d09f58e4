// SPDX-License-Identifier: GPL-2.0
/*
 * map.c - "map show | set": a BPF handler's pinned maps, typed.
 *
 * A handler's settings and records live in its maps, pinned by "handler
 * load" under /sys/fs/bpf/luo-bpf/<name>/maps/. bpftool takes a value as
 * raw bytes in the host's order; here the map's BTF names the fields:
 *
 *	luo-bpf map set appcache-v1 appcache_ctl 0 hold=1 generation=7
 *
 * changes those members of the value at key 0 and keeps the others (an
 * absent entry starts zeroed). Keys are integers; members are integers,
 * enums (by number), char arrays (a string) or other byte arrays (hex
 * digits), nested ones dotted ("vm.guest_base"). "map show" prints each
 * entry in the same form, so its output can be typed back.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "luo-bpf.h"

struct typed_map {
	int fd;
	struct bpf_map_info info;
	struct btf *btf;
	char path[PATH_MAX];
};

static int map_open(struct typed_map *m, const char *handler, const char *map)
{
	__u32 len = sizeof(m->info);

	if (!strncmp(handler, "bpf:", 4))
		handler += 4;
	snprintf(m->path, sizeof(m->path), LUO_BPFFS_DIR "/%s/maps/%s",
		 handler, map);
	m->btf = NULL;
	m->fd = bpf_obj_get(m->path);
	if (m->fd < 0)
		return p_err("%s: %s (is the handler loaded with 'luo-bpf handler load', and is %s one of its maps?)",
			     m->path, strerror(errno), map);
	memset(&m->info, 0, sizeof(m->info));
	if (bpf_map_get_info_by_fd(m->fd, &m->info, &len))
		return p_err("%s: %s", m->path, strerror(errno));
	if (!m->info.btf_id || !m->info.btf_value_type_id)
		return p_err("%s has no BTF types (build the object with -g)",
			     m->path);
	switch (m->info.type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_LRU_HASH:
		break;
	default:
		return p_err("%s: only hash and array maps are supported here; use bpftool",
			     m->path);
	}
	m->btf = btf__load_from_kernel_by_id(m->info.btf_id);
	if (!m->btf)
		return p_err("%s: cannot read its BTF: %s", m->path,
			     strerror(errno));
	return 0;
}

static void map_close(struct typed_map *m)
{
	btf__free(m->btf);
	if (m->fd >= 0)
		close(m->fd);
}

/* @id without typedefs and qualifiers. */
static const struct btf_type *resolve(const struct btf *btf, __u32 *id)
{
	*id = btf__resolve_type(btf, *id);
	return btf__type_by_id(btf, *id);
}

/*
 * Arrays of bytes: text when the element is "char" (a string), raw bytes
 * otherwise (__u8 uuid[16]: hex digits). 0 if @t is neither.
 */
enum byte_array { NOT_BYTES, TEXT, BYTES };

static enum byte_array byte_array_kind(const struct btf *btf,
				       const struct btf_type *t)
{
	const struct btf_type *e;
	__u32 id;

	if (!btf_is_array(t))
		return NOT_BYTES;
	id = btf_array(t)->type;
	e = resolve(btf, &id);
	if (!e || !btf_is_int(e) || e->size != 1)
		return NOT_BYTES;
	return strcmp(btf__name_by_offset(btf, e->name_off), "char") ?
	       BYTES : TEXT;
}

/* Hex digits @s into @n bytes at @p (fewer digits: the rest zero). */
static int put_hex(unsigned char *p, size_t n, const char *s)
{
	size_t i, len = strlen(s);

	if (len % 2 || len / 2 > n)
		return -EINVAL;
	memset(p, 0, n);
	for (i = 0; i < len / 2; i++)
		if (sscanf(s + 2 * i, "%2hhx", &p[i]) != 1)
			return -EINVAL;
	return 0;
}

/* Integer @v into @size bytes at @p, host order. */
static int put_int(void *p, size_t size, unsigned long long v)
{
	if (size < 8 && v >> (size * 8) && ~v >> (size * 8 - 1))
		return -ERANGE;
	switch (size) {
	case 1:
		*(__u8 *)p = v;
		break;
	case 2:
		*(__u16 *)p = v;
		break;
	case 4:
		*(__u32 *)p = v;
		break;
	case 8:
		*(__u64 *)p = v;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static unsigned long long get_int(const void *p, size_t size, bool is_signed)
{
	switch (size) {
	case 1:
		return is_signed ? (long long)*(__s8 *)p : *(__u8 *)p;
	case 2:
		return is_signed ? (long long)*(__s16 *)p : *(__u16 *)p;
	case 4:
		return is_signed ? (long long)*(__s32 *)p : *(__u32 *)p;
	default:
		return *(__u64 *)p;
	}
}

static int parse_num(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = (s[0] == '-') ? (unsigned long long)strtoll(s, &end, 0) :
			     strtoull(s, &end, 0);
	return (errno || !*s || *end) ? -EINVAL : 0;
}

/*
 * The member @field (dotted) of struct @id: its byte offset in @off and
 * type in @id. Bitfields are refused: they have no byte of their own.
 */
static const struct btf_type *find_field(const struct btf *btf, __u32 *id,
					 const char *field, size_t *off)
{
	const struct btf_type *t = resolve(btf, id);
	char name[128], *dot;
	int i;

	snprintf(name, sizeof(name), "%s", field);
	dot = strchr(name, '.');
	if (dot)
		*dot = '\0';
	if (!t || !btf_is_composite(t))
		return NULL;
	for (i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *mb = btf_members(t) + i;

		if (strcmp(btf__name_by_offset(btf, mb->name_off), name))
			continue;
		if (btf_member_bitfield_size(t, i) ||
		    btf_member_bit_offset(t, i) % 8)
			return NULL;
		*off += btf_member_bit_offset(t, i) / 8;
		*id = mb->type;
		if (dot)
			return find_field(btf, id, field + (dot - name) + 1, off);
		return resolve(btf, id);
	}
	return NULL;
}

/* Set one "field=value" (or, for a scalar value type, "value") in @val. */
static int set_field(const struct typed_map *m, void *val, const char *arg)
{
	__u32 id = m->info.btf_value_type_id;
	const struct btf_type *t;
	const char *eq = strchr(arg, '=');
	char field[128];
	unsigned long long v;
	size_t off = 0, n;

	if (eq) {
		snprintf(field, sizeof(field), "%.*s", (int)(eq - arg), arg);
		t = find_field(m->btf, &id, field, &off);
		if (!t)
			return p_err("%s: no member '%s' of integer, enum or byte array type in its value",
				     m->path, field);
		arg = eq + 1;
	} else {
		t = resolve(m->btf, &id);
		if (!t || btf_is_composite(t))
			return p_err("%s: its value is a struct: give FIELD=VALUE",
				     m->path);
	}
	switch (byte_array_kind(m->btf, t)) {
	case BYTES:
		n = btf_array(t)->nelems;
		if (put_hex((unsigned char *)val + off, n, arg))
			return p_err("'%s' is not up to %zu bytes in hex digits for %s",
				     arg, n, eq ? field : "the value");
		return 0;
	case TEXT:
		n = btf_array(t)->nelems;
		if (strlen(arg) >= n)
			return p_err("'%s' is longer than %s's %zu bytes", arg,
				     eq ? field : "the value", n - 1);
		memset((char *)val + off, 0, n);
		memcpy((char *)val + off, arg, strlen(arg));
		return 0;
	case NOT_BYTES:
		break;
	}
	if (!btf_is_int(t) && !btf_is_any_enum(t))
		return p_err("%s: '%s' is not an integer, enum or byte array",
			     m->path, eq ? field : "the value");
	if (parse_num(arg, &v) || put_int((char *)val + off, t->size, v))
		return p_err("'%s' is not a number that fits %s (%u bytes)",
			     arg, eq ? field : "the value", t->size);
	return 0;
}

static int parse_key(const struct typed_map *m, const char *s, void *key)
{
	__u32 id = m->info.btf_key_type_id;
	const struct btf_type *t = id ? resolve(m->btf, &id) : NULL;
	unsigned long long v;

	if (!t || (!btf_is_int(t) && !btf_is_any_enum(t)) ||
	    t->size != m->info.key_size)
		return p_err("%s: its key is not an integer; use bpftool",
			     m->path);
	if (parse_num(s, &v) || put_int(key, t->size, v))
		return p_err("key '%s' is not a number that fits %u bytes", s,
			     t->size);
	return 0;
}

/* Print the members of @id at @p as "name=value", prefixed by @prefix. */
static void show_value(const struct btf *btf, __u32 id, const void *p,
		       const char *prefix, bool *first)
{
	const struct btf_type *t = resolve(btf, &id);
	char name[256];
	int i;

	if (!t)
		return;
	if (btf_is_composite(t)) {
		for (i = 0; i < btf_vlen(t); i++) {
			const struct btf_member *mb = btf_members(t) + i;
			const char *mn = btf__name_by_offset(btf, mb->name_off);

			if (btf_member_bitfield_size(t, i) || !mn || !*mn)
				continue;
			snprintf(name, sizeof(name), "%s%s%s", prefix,
				 *prefix ? "." : "", mn);
			show_value(btf, mb->type,
				   (const char *)p + btf_member_bit_offset(t, i) / 8,
				   name, first);
		}
		return;
	}
	if (byte_array_kind(btf, t) != NOT_BYTES) {
		int n = btf_array(t)->nelems, i;
		char text[2 * 256 + 1] = "";

		if (byte_array_kind(btf, t) == TEXT)
			snprintf(text, sizeof(text), "%.*s", n, (const char *)p);
		else
			for (i = 0; i < n && i < 256; i++)
				sprintf(text + 2 * i, "%02x",
					((const unsigned char *)p)[i]);
		if (json_output)
			json_string(prefix, text);
		else
			printf("%s%s%s%s", *first ? "" : " ", prefix,
			       *prefix ? "=" : "", text);
		*first = false;
		return;
	}
	if (!btf_is_int(t) && !btf_is_any_enum(t))
		return;		/* arrays, pointers: bpftool map dump shows them */
	{
		bool sgn = btf_is_int(t) ?
			   !!(btf_int_encoding(t) & BTF_INT_SIGNED) :
			   !!btf_kflag(t);
		unsigned long long v = get_int(p, t->size, sgn);

		if (json_output)
			sgn ? json_s64(prefix, v) : json_u64(prefix, v);
		else if (sgn)
			printf("%s%s%s%lld", *first ? "" : " ", prefix,
			       *prefix ? "=" : "", (long long)v);
		else
			printf("%s%s%s%llu", *first ? "" : " ", prefix,
			       *prefix ? "=" : "", v);
		*first = false;
	}
}

static void show_entry(const struct typed_map *m, const void *key,
		       const void *val)
{
	__u32 kid = m->info.btf_key_type_id, vid = m->info.btf_value_type_id;
	const struct btf_type *kt = resolve(m->btf, &kid);
	const struct btf_type *vt = resolve(m->btf, &vid);
	bool sgn = kt && btf_is_int(kt) &&
		   (btf_int_encoding(kt) & BTF_INT_SIGNED);
	unsigned long long k = get_int(key, m->info.key_size, sgn);
	bool composite = vt && btf_is_composite(vt), first = false;

	if (json_output) {
		json_begin_object();
		sgn ? json_s64("key", k) : json_u64("key", k);
		if (composite)
			json_key_object("value");
		/* A scalar value is "value" itself; members go inside it. */
		show_value(m->btf, vid, val, composite ? "" : "value", &first);
		if (composite)
			json_end_object();
		json_end_object();
		return;
	}
	if (sgn)
		printf("%lld:", (long long)k);
	else
		printf("%llu:", k);
	show_value(m->btf, vid, val, "", &first);
	putchar('\n');
}

static int map_show(const char *handler, const char *map, const char *keystr)
{
	struct typed_map m;
	void *key, *next, *val;
	int err;

	err = map_open(&m, handler, map);
	key = calloc(1, m.info.key_size ?: 1);
	next = calloc(1, m.info.key_size ?: 1);
	val = calloc(1, m.info.value_size ?: 1);
	if (err || !key || !next || !val) {
		err = err ?: p_err("out of memory");
		goto out;
	}
	if (json_output)
		json_begin_array();
	if (keystr) {
		err = parse_key(&m, keystr, key);
		if (!err && bpf_map_lookup_elem(m.fd, key, val))
			err = p_err("%s: key %s: %s", m.path, keystr,
				    strerror(errno));
		if (!err)
			show_entry(&m, key, val);
	} else {
		void *prev = NULL;

		while (!bpf_map_get_next_key(m.fd, prev, next)) {
			if (!bpf_map_lookup_elem(m.fd, next, val))
				show_entry(&m, next, val);
			memcpy(key, next, m.info.key_size);
			prev = key;
		}
	}
	if (json_output) {
		json_end_array();
		putchar('\n');
	}
out:
	free(key);
	free(next);
	free(val);
	map_close(&m);
	return err;
}

static int map_set(const char *handler, const char *map, const char *keystr,
		   int argc, char **argv)
{
	struct typed_map m;
	void *key = NULL, *val = NULL;
	int err, i;

	err = map_open(&m, handler, map);
	if (err)
		goto out;
	key = calloc(1, m.info.key_size);
	val = calloc(1, m.info.value_size);
	if (!key || !val) {
		err = p_err("out of memory");
		goto out;
	}
	err = parse_key(&m, keystr, key);
	if (err)
		goto out;
	/* Members not named keep their value; an absent entry starts zeroed. */
	if (bpf_map_lookup_elem(m.fd, key, val) && errno != ENOENT) {
		err = p_err("%s: key %s: %s", m.path, keystr, strerror(errno));
		goto out;
	}
	for (i = 0; i < argc && !err; i++)
		err = set_field(&m, val, argv[i]);
	if (!err && bpf_map_update_elem(m.fd, key, val, BPF_ANY))
		err = p_err("%s: update of key %s: %s", m.path, keystr,
			    strerror(errno));
out:
	free(key);
	free(val);
	map_close(&m);
	return err;
}

static int map_help(void)
{
	printf("Usage: %s [--json] map show HANDLER MAP [KEY]\n"
	       "       %s map set HANDLER MAP KEY { FIELD=VALUE... | VALUE }\n"
	       "       %s map help\n"
	       "\n"
	       "A loaded handler's maps (pinned in %s/HANDLER/maps/), typed by\n"
	       "the map's BTF. HANDLER is its name, e.g. vmram-v1 (or bpf:vmram-v1).\n"
	       "set changes the named members of the value at KEY and keeps the\n"
	       "others (an absent entry starts zeroed); nested members are dotted\n"
	       "(vm.guest_base), char arrays take a string, other byte arrays hex\n"
	       "digits (uuid=00112233...), numbers may be hex (0x...).\n"
	       "show prints every entry (or KEY's) as KEY: FIELD=VALUE..., the form\n"
	       "set reads. Integer keys; hash and array maps.\n",
	       prog_name, prog_name, prog_name, LUO_BPFFS_DIR);
	return LUO_EXIT_OK;
}

int do_map(int argc, char **argv)
{
	if (!argc || is_help(argv[0]))
		return map_help();
	if (!strcmp(argv[0], "show") && (argc == 3 || argc == 4))
		return map_show(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[0], "set") && argc >= 5)
		return map_set(argv[1], argv[2], argv[3], argc - 4, argv + 4);
	return p_usage("map", "expected 'show HANDLER MAP [KEY]' or 'set HANDLER MAP KEY FIELD=VALUE...'");
}
