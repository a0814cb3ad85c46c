// SPDX-License-Identifier: MIT
/*
 * AML byte-code writer. Packages are written body first; aml_close()
 * then inserts the PkgLength in front of the body (moving it), so callers
 * never compute lengths.
 */
#include "vmm/acpi/aml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OP_NAME 0x08
#define OP_SCOPE 0x10
#define OP_BUFFER 0x11
#define OP_PACKAGE 0x12
#define OP_METHOD 0x14
#define OP_EXT 0x5b
#define OP_DEVICE 0x82
#define OP_DUAL 0x2e
#define OP_ROOT 0x5c

void aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void aml_free(struct aml *a)
{
	free(a->buf);
	aml_init(a);
}

static int grow(struct aml *a, size_t n)
{
	size_t cap = a->cap ? a->cap : 256;
	uint8_t *p;

	if (a->err)
		return a->err;
	while (cap < a->len + n)
		cap *= 2;
	if (cap != a->cap) {
		p = realloc(a->buf, cap);
		if (!p)
			return a->err = -ENOMEM;
		a->buf = p;
		a->cap = cap;
	}
	return 0;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (grow(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

static void le(struct aml *a, uint64_t v, unsigned int n)
{
	while (n--) {
		aml_byte(a, (uint8_t)v);
		v >>= 8;
	}
}

void aml_namestring(struct aml *a, const char *name)
{
	size_t n;

	if (*name == '\\') {
		aml_byte(a, OP_ROOT);
		name++;
	}
	n = strlen(name);
	if (n == 8)
		aml_byte(a, OP_DUAL);
	else if (n != 4)
		a->err = -EINVAL;
	aml_bytes(a, name, n);
}

void aml_int(struct aml *a, uint64_t v)
{
	if (v <= 1) {
		aml_byte(a, (uint8_t)v);	/* ZeroOp / OneOp */
	} else if (v <= 0xff) {
		aml_byte(a, 0x0a);
		le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, 0x0b);
		le(a, v, 2);
	} else if (v <= 0xffffffffull) {
		aml_byte(a, 0x0c);
		le(a, v, 4);
	} else {
		aml_byte(a, 0x0e);
		le(a, v, 8);
	}
}

void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, OP_NAME);
	aml_namestring(a, name);
}

uint32_t aml_eisaid(const char *id)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 3; i++)
		v |= (uint32_t)((id[i] - 0x40) & 0x1f) << (26 - 5 * i);
	v |= (uint32_t)strtoul(id + 3, NULL, 16) & 0xffff;
	return __builtin_bswap32(v);
}

static void open_pkg(struct aml *a)
{
	if (a->depth >= AML_MAX_DEPTH) {
		a->err = -EINVAL;
		return;
	}
	a->open[a->depth++] = a->len;
}

void aml_scope(struct aml *a, const char *name)
{
	aml_byte(a, OP_SCOPE);
	open_pkg(a);
	aml_namestring(a, name);
}

void aml_device(struct aml *a, const char *name)
{
	aml_byte(a, OP_EXT);
	aml_byte(a, OP_DEVICE);
	open_pkg(a);
	aml_namestring(a, name);
}

void aml_method(struct aml *a, const char *name, uint8_t nargs)
{
	aml_byte(a, OP_METHOD);
	open_pkg(a);
	aml_namestring(a, name);
	aml_byte(a, nargs & 7);	/* not serialized, sync level 0 */
}

void aml_package(struct aml *a, uint8_t nr)
{
	aml_byte(a, OP_PACKAGE);
	open_pkg(a);
	aml_byte(a, nr);
}

void aml_close(struct aml *a)
{
	uint8_t hdr[4];
	size_t start, body, total;
	unsigned int n, i;

	if (a->err || !a->depth) {
		a->err = a->err ? a->err : -EINVAL;
		return;
	}
	start = a->open[--a->depth];
	body = a->len - start;
	n = body + 1 < 0x40 ? 1 : body + 2 < 0x1000 ? 2 :
	    body + 3 < 0x100000 ? 3 : 4;
	total = body + n;
	if (n == 1) {
		hdr[0] = (uint8_t)total;
	} else {
		hdr[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (i = 1; i < n; i++)
			hdr[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	if (grow(a, n))
		return;
	memmove(a->buf + start + n, a->buf + start, body);
	memcpy(a->buf + start, hdr, n);
	a->len += n;
}

/* The buffer size (an integer) sits right after the PkgLength. */
void aml_buffer_open(struct aml *a)
{
	aml_byte(a, OP_BUFFER);
	open_pkg(a);
}

void aml_buffer_close(struct aml *a)
{
	size_t start, body;
	uint8_t sz[5];

	if (a->err || !a->depth)
		return;
	start = a->open[a->depth - 1];
	body = a->len - start;
	/* DWordConst size keeps the encoding fixed-length. */
	sz[0] = 0x0c;
	sz[1] = (uint8_t)body;
	sz[2] = (uint8_t)(body >> 8);
	sz[3] = (uint8_t)(body >> 16);
	sz[4] = (uint8_t)(body >> 24);
	if (grow(a, sizeof(sz)))
		return;
	memmove(a->buf + start + sizeof(sz), a->buf + start, body);
	memcpy(a->buf + start, sz, sizeof(sz));
	a->len += sizeof(sz);
	aml_close(a);
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	aml_byte(a, 0x47);	/* I/O port descriptor, 7 bytes */
	aml_byte(a, 1);		/* 16-bit decode */
	le(a, base, 2);
	le(a, base, 2);
	aml_byte(a, 1);
	aml_byte(a, len);
}

void aml_res_irq(struct aml *a, uint8_t irq)
{
	aml_byte(a, 0x22);	/* IRQ descriptor, 2 bytes */
	le(a, 1u << irq, 2);
}

/* type: 1 = I/O range, 2 = bus number range. */
void aml_res_word(struct aml *a, uint8_t type, uint16_t min, uint16_t max)
{
	aml_byte(a, 0x88);
	le(a, 13, 2);
	aml_byte(a, type);
	aml_byte(a, 0x0c);	/* MinFixed, MaxFixed, producer */
	aml_byte(a, type == 1 ? 3 : 0);
	le(a, 0, 2);
	le(a, min, 2);
	le(a, max, 2);
	le(a, 0, 2);
	le(a, (uint32_t)max - min + 1, 2);
}

void aml_res_dword_mem(struct aml *a, uint32_t min, uint32_t len)
{
	aml_byte(a, 0x87);
	le(a, 23, 2);
	aml_byte(a, 0);		/* memory */
	aml_byte(a, 0x0c);
	aml_byte(a, 1);		/* read-write, non-cacheable */
	le(a, 0, 4);
	le(a, min, 4);
	le(a, min + len - 1, 4);
	le(a, 0, 4);
	le(a, len, 4);
}

void aml_res_qword_mem(struct aml *a, uint64_t min, uint64_t len)
{
	aml_byte(a, 0x8a);
	le(a, 43, 2);
	aml_byte(a, 0);
	aml_byte(a, 0x0c);
	aml_byte(a, 1);
	le(a, 0, 8);
	le(a, min, 8);
	le(a, min + len - 1, 8);
	le(a, 0, 8);
	le(a, len, 8);
}

void aml_res_end(struct aml *a)
{
	aml_byte(a, 0x79);
	aml_byte(a, 0);
}
