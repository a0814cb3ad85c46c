// SPDX-License-Identifier: MIT
/* Checked number, boolean, size and key=value parsing (see parse.h). */
#include "vmm/util/parse.h"

#include <errno.h>
#include <string.h>

static int digit_value(char ch, unsigned int base)
{
	unsigned int v;

	if (ch >= '0' && ch <= '9')
		v = (unsigned int)(ch - '0');
	else if (ch >= 'a' && ch <= 'f')
		v = (unsigned int)(ch - 'a') + 10;
	else if (ch >= 'A' && ch <= 'F')
		v = (unsigned int)(ch - 'A') + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

/* The first len characters of s as a number (see parse_u64). */
static int parse_u64_len(const char *s, size_t len, uint64_t *out)
{
	unsigned int base = 10;
	const char *end = s + len;
	uint64_t v = 0;
	int ret = 0;

	if (len == 0)
		return -EINVAL;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; s < end; s++) {
		int d = digit_value(*s, base);

		if (d < 0)
			return -EINVAL; /* garbage wins over overflow */
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)d, &v))
			ret = -ERANGE;
	}
	if (ret == 0)
		*out = v;
	return ret;
}

int parse_u64(const char *s, uint64_t *out)
{
	if (!s)
		return -EINVAL;
	return parse_u64_len(s, strlen(s), out);
}

int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int ret = parse_u64(s, &v);

	if (ret < 0)
		return ret;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int ret = parse_u64_range(s, 0, UINT32_MAX, &v);

	if (ret < 0)
		return ret;
	*out = (uint32_t)v;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes" };
	static const char *const no[] = { "off", "false", "no" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_size_mib_default(const char *s, uint64_t *bytes)
{
	unsigned int shift = 20;
	size_t len;
	uint64_t v;
	int ret;

	if (!s || !*s)
		return -EINVAL;
	len = strlen(s);
	switch (s[len - 1]) {
	case 'K':
	case 'k':
		shift = 10;
		len--;
		break;
	case 'M':
	case 'm':
		len--;
		break;
	case 'G':
	case 'g':
		shift = 30;
		len--;
		break;
	default:
		break;
	}
	ret = parse_u64_len(s, len, &v);
	if (ret < 0)
		return ret;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

void parse_kvs_free(struct parse_kvs *kvs)
{
	if (!kvs)
		return;
	free(kvs->buf);
	memset(kvs, 0, sizeof(*kvs));
}

const struct parse_kv *parse_kvs_find(const struct parse_kvs *kvs,
				      const char *key)
{
	for (unsigned int i = 0; i < kvs->n; i++)
		if (!strcmp(kvs->kv[i].key, key))
			return &kvs->kv[i];
	return NULL;
}

/* Add one item (already NUL-terminated inside kvs->buf). */
static int add_item(struct parse_kvs *kvs, char *item, const char *pos_key)
{
	char *eq = strchr(item, '=');
	struct parse_kv kv = { .key = item, .value = NULL };

	kvs->bad = item;
	if (!*item)
		return -EINVAL;
	if (kvs->n == PARSE_KV_MAX)
		return -E2BIG;
	if (eq) {
		*eq = '\0';
		kv.value = eq + 1;
		if (!*item)
			return -EINVAL;
	} else if (pos_key && kvs->n == 0) {
		kv.key = pos_key;
		kv.value = item;
	}
	if (parse_kvs_find(kvs, kv.key)) {
		kvs->bad = kv.key;
		return -EEXIST;
	}
	kvs->kv[kvs->n++] = kv;
	kvs->bad = NULL;
	return 0;
}

int parse_kvs_split(const char *s, const char *pos_key, struct parse_kvs *kvs)
{
	char *item, *comma;
	int ret;

	memset(kvs, 0, sizeof(*kvs));
	if (!s)
		return -EINVAL;
	kvs->buf = strdup(s);
	if (!kvs->buf)
		return -ENOMEM;
	item = kvs->buf;
	for (;;) {
		comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		ret = add_item(kvs, item, pos_key);
		if (ret < 0 || !comma)
			return ret;
		item = comma + 1;
	}
}
