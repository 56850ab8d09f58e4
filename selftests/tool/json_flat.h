/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json_flat.h - parse a JSON text into "path=value" lines, so that tests
 * can check --json output field by field: [0].name=vm-1, [0].files=2,
 * handlers[0].files[1].token=7. Strings are unescaped (\" \\ \n \t only),
 * numbers and literals kept as written. Returns the number of values, or
 * -1 if the text is not valid JSON (one value, nothing after it).
 */
#ifndef JSON_FLAT_H
#define JSON_FLAT_H

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct jf {
	const char *p;
	char *out;
	size_t len, used;
	int n;
};

static int jf_value(struct jf *j, char *path, size_t plen);

static void jf_ws(struct jf *j)
{
	while (isspace((unsigned char)*j->p))
		j->p++;
}

static int jf_string(struct jf *j, char *buf, size_t len)
{
	size_t n = 0;

	if (*j->p++ != '"')
		return -1;
	while (*j->p && *j->p != '"') {
		char c = *j->p++;

		if (c == '\\') {
			c = *j->p++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
			if (!c)
				return -1;
		}
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return *j->p++ == '"' ? 0 : -1;
}

static void jf_emit(struct jf *j, const char *path, const char *val)
{
	j->used += snprintf(j->out + j->used, j->len > j->used ? j->len - j->used : 0,
			    "%s=%s\n", path, val);
	j->n++;
}

static int jf_value(struct jf *j, char *path, size_t plen)
{
	size_t base = strlen(path);
	char buf[8192];
	int i = 0;

	jf_ws(j);
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		bool obj = close == '}';

		j->p++;
		jf_ws(j);
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			jf_ws(j);
			if (obj) {
				if (jf_string(j, buf, sizeof(buf)))
					return -1;
				snprintf(path + base, plen - base, "%s%s",
					 base ? "." : "", buf);
				jf_ws(j);
				if (*j->p++ != ':')
					return -1;
			} else {
				snprintf(path + base, plen - base, "[%d]", i++);
			}
			if (jf_value(j, path, plen))
				return -1;
			path[base] = '\0';
			jf_ws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			return *j->p++ == close ? 0 : -1;
		}
	}
	if (*j->p == '"') {
		if (jf_string(j, buf, sizeof(buf)))
			return -1;
		jf_emit(j, path, buf);
		return 0;
	}
	for (i = 0; j->p[i] && strchr("-+.0123456789eEtruefalsn", j->p[i]); i++)
		;
	if (!i || i >= (int)sizeof(buf))
		return -1;
	memcpy(buf, j->p, i);
	buf[i] = '\0';
	if (!isdigit((unsigned char)buf[0]) && buf[0] != '-' &&
	    strcmp(buf, "true") && strcmp(buf, "false") && strcmp(buf, "null"))
		return -1;
	j->p += i;
	jf_emit(j, path, buf);
	return 0;
}

static inline int json_flat(const char *text, char *out, size_t len)
{
	struct jf j = { .p = text, .out = out, .len = len };
	char path[512] = "";

	out[0] = '\0';
	if (jf_value(&j, path, sizeof(path)))
		return -1;
	jf_ws(&j);
	return *j.p ? -1 : j.n;
}

/* Is "path=value" a line of @flat? */
static inline bool json_has(const char *flat, const char *path,
			    const char *value)
{
	char line[1024];
	const char *p;

	snprintf(line, sizeof(line), "%s=%s\n", path, value);
	for (p = flat; (p = strstr(p, line)); p++)
		if (p == flat || p[-1] == '\n')
			return true;
	return false;
}

#endif /* JSON_FLAT_H */
