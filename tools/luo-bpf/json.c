// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - a small streaming JSON writer for luo-bpf's --json output:
 * objects, arrays, strings (escaped), integers, booleans. Commas are
 * inserted by nesting level, so callers only open, write and close.
 */
#include <stdio.h>

#include "luo-bpf.h"

#define JSON_DEPTH	16

static int depth;
static bool first[JSON_DEPTH];

static void json_sep(void)
{
	if (depth && !first[depth - 1])
		putchar(',');
	if (depth)
		first[depth - 1] = false;
}

void json_str_raw(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_open(char c)
{
	json_sep();
	putchar(c);
	if (depth < JSON_DEPTH)
		first[depth] = true;
	depth++;
}

void json_begin_object(void)
{
	json_open('{');
}

void json_begin_array(void)
{
	json_open('[');
}

void json_end_object(void)
{
	depth--;
	putchar('}');
	if (!depth)
		putchar('\n');
}

void json_end_array(void)
{
	depth--;
	putchar(']');
	if (!depth)
		putchar('\n');
}

void json_key(const char *key)
{
	json_sep();
	json_str_raw(key);
	putchar(':');
	/* The value that follows needs no comma of its own. */
	first[depth - 1] = true;
}

void json_string(const char *key, const char *val)
{
	if (key)
		json_key(key);
	else
		json_sep();
	json_str_raw(val);
	first[depth - 1] = false;
}

void json_u64(const char *key, unsigned long long val)
{
	if (key)
		json_key(key);
	else
		json_sep();
	printf("%llu", val);
	first[depth - 1] = false;
}

void json_s64(const char *key, long long val)
{
	if (key)
		json_key(key);
	else
		json_sep();
	printf("%lld", val);
	first[depth - 1] = false;
}

void json_bool(const char *key, bool val)
{
	if (key)
		json_key(key);
	else
		json_sep();
	fputs(val ? "true" : "false", stdout);
	first[depth - 1] = false;
}

void json_key_object(const char *key)
{
	json_key(key);
	putchar('{');
	first[depth - 1] = false;
	if (depth < JSON_DEPTH)
		first[depth] = true;
	depth++;
}

void json_key_array(const char *key)
{
	json_key(key);
	putchar('[');
	first[depth - 1] = false;
	if (depth < JSON_DEPTH)
		first[depth] = true;
	depth++;
}
