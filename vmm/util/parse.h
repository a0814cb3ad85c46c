/* SPDX-License-Identifier: MIT */
/*
 * Checked parsing of numbers, booleans, sizes and StratoVirt-style
 * "key=value,..." option lists. Every function parses the whole string
 * (no trailing garbage, no sign, no white space) and returns 0, -EINVAL
 * (malformed) or -ERANGE (well formed but too large). Nothing logs.
 */
#ifndef SV_VMM_UTIL_PARSE_H
#define SV_VMM_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

/* Decimal ("42", leading zeros are still decimal) or hex ("0x2a", "0X2A"). */
int parse_u64(const char *s, uint64_t *out) SV_MUST_CHECK;
int parse_u32(const char *s, uint32_t *out) SV_MUST_CHECK;
/* parse_u64, then -ERANGE unless min <= value <= max. */
int parse_u64_range(const char *s, uint64_t min, uint64_t max,
		    uint64_t *out) SV_MUST_CHECK;
/* on/off, true/false, yes/no (lower case, as StratoVirt). */
int parse_bool(const char *s, bool *out) SV_MUST_CHECK;
/*
 * A size in bytes: a bare number means MiB; a K/k, M/m or G/g suffix gives
 * KiB, MiB or GiB ("1024m", "2G", "512"). -ERANGE when bytes overflow.
 */
int parse_size_mib_default(const char *s, uint64_t *bytes) SV_MUST_CHECK;

#define PARSE_KV_MAX 32

struct parse_kv {
	const char *key;
	const char *value; /* NULL for a bare flag ("server") */
};

/* The items of one "a=1,b,c=2" argument, split in an owned copy. */
struct parse_kvs {
	char *buf;
	struct parse_kv kv[PARSE_KV_MAX];
	unsigned int n;
	const char *bad; /* on error: the offending item or key */
};

/*
 * Split s at commas into key=value items. When pos_key is not NULL and the
 * first item has no '=', it is taken as pos_key=item ("-machine q35",
 * "-chardev socket,..."). Errors: -EINVAL for an empty item or empty key,
 * -EEXIST for a repeated key, -E2BIG for more than PARSE_KV_MAX items; kvs->bad
 * names the item or key. Always call parse_kvs_free(), even on error.
 */
int parse_kvs_split(const char *s, const char *pos_key,
		    struct parse_kvs *kvs) SV_MUST_CHECK;
/* NULL-safe; leaves kvs empty. */
void parse_kvs_free(struct parse_kvs *kvs);
/* The item with this key, or NULL. */
const struct parse_kv *parse_kvs_find(const struct parse_kvs *kvs,
				      const char *key);

#endif /* SV_VMM_UTIL_PARSE_H */
