// SPDX-License-Identifier: GPL-2.0
/* svtest library: strings, 8250 output, formatting, command line, exit. */
#include "svtest.h"

#define COM1		0x3f8
#define LSR_THRE	0x20
#define I8042_CMD	0x64

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* strtoull-like; base 0 auto-detects 0x (hex) and 0 (octal) like Linux. */
int sv_strtou64(const char *s, const char **end, int base, u64 *out)
{
	u64 v = 0;
	int n = 0;

	if (base == 0) {
		base = 10;
		if (s[0] == '0') {
			base = 8;
			if ((s[1] == 'x' || s[1] == 'X') &&
			    digit_val(s[2]) < 16) {
				base = 16;
				s += 2;
			}
		}
	} else if (base == 16 && s[0] == '0' &&
		   (s[1] == 'x' || s[1] == 'X') && digit_val(s[2]) < 16) {
		s += 2;
	}
	while (digit_val(*s) < base) {
		v = v * (u64)base + (u64)digit_val(*s);
		s++;
		n++;
	}
	if (end)
		*end = s;
	*out = v;
	return n ? 0 : -1;
}

void sv_putc(char c)
{
	int i;

	for (i = 0; i < 100000; i++)
		if (inb(COM1 + 5) & LSR_THRE)
			break;
	outb(COM1, (u8)c);
}

void sv_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			sv_putc('\r');
		sv_putc(*s);
	}
}

struct outbuf {
	char *buf;	/* NULL: serial */
	size_t n, pos;
};

static void ob_put(struct outbuf *o, char c)
{
	if (!o->buf) {
		if (c == '\n')
			sv_putc('\r');
		sv_putc(c);
		return;
	}
	if (o->pos + 1 < o->n)
		o->buf[o->pos] = c;
	o->pos++;
}

static void ob_num(struct outbuf *o, u64 v, int base, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % (u64)base];
		v /= (u64)base;
	} while (v);
	while (width-- > n)
		ob_put(o, pad);
	while (n)
		ob_put(o, tmp[--n]);
}

static void ob_str(struct outbuf *o, const char *s, int prec)
{
	for (s = s ? s : "(null)"; *s && prec; s++, prec--)
		ob_put(o, *s);
}

static void ob_signed(struct outbuf *o, int64_t v, int width, char pad)
{
	if (v < 0)
		ob_put(o, '-');
	ob_num(o, v < 0 ? -(u64)v : (u64)v, 10, width, pad);
}

/* %[0][width][.prec][l|ll](d|u|x|c|s|%) */
static void ob_format(struct outbuf *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, lng = 0, prec = -1;
		char pad = ' ';

		if (*fmt != '%') {
			ob_put(o, *fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.')
			for (prec = 0, fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		while (*fmt == 'l')
			lng++, fmt++;
		if (*fmt == 'd')
			ob_signed(o, lng ? va_arg(ap, long) : va_arg(ap, int),
				  width, pad);
		else if (*fmt == 'u' || *fmt == 'x')
			ob_num(o, lng ? va_arg(ap, u64) :
			       va_arg(ap, unsigned int),
			       *fmt == 'u' ? 10 : 16, width, pad);
		else if (*fmt == 'c')
			ob_put(o, (char)va_arg(ap, int));
		else if (*fmt == 's')
			ob_str(o, va_arg(ap, const char *), prec);
		else
			ob_put(o, *fmt == '%' ? '%' : '?');
		if (!*fmt)
			break;
	}
}

void sv_vprintf(const char *fmt, va_list ap)
{
	struct outbuf o = { NULL, 0, 0 };

	ob_format(&o, fmt, ap);
}

void sv_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_vprintf(fmt, ap);
	va_end(ap);
}

int sv_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	struct outbuf o = { buf, n, 0 };
	va_list ap;

	va_start(ap, fmt);
	ob_format(&o, fmt, ap);
	va_end(ap);
	if (n)
		buf[o.pos < n ? o.pos : n - 1] = 0;
	return (int)o.pos;
}

/*
 * Find "key" (e.g. "svtest=") as a whole word of cmd; returns the value
 * and its length up to the next blank.  '-' and '_' in keys match each
 * other, as in Linux's parameter parser.
 */
const char *cmdline_find(const char *cmd, const char *key, size_t *len)
{
	const char *p = cmd;

	while (*p) {
		const char *k = key, *q = p;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		q = p;
		while (*k && *q && (*q == *k || (*k == '_' && *q == '-') ||
				    (*k == '-' && *q == '_')))
			k++, q++;
		if (!*k) {
			const char *v = q;

			while (*q && *q != ' ' && *q != '\t' && *q != '\n')
				q++;
			*len = (size_t)(q - v);
			return v;
		}
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	return NULL;
}

int cmdline_str(const char *key, char *buf, size_t n)
{
	size_t len;
	const char *v = cmdline_find(bi.cmdline, key, &len);

	if (!v || len + 1 > n)
		return -1;
	memcpy(buf, v, len);
	buf[len] = 0;
	return 0;
}

int cmdline_u64(const char *key, int base, u64 *out)
{
	char buf[32];
	const char *end;

	if (cmdline_str(key, buf, sizeof(buf)))
		return -1;
	if (sv_strtou64(buf, &end, base, out) || *end)
		return -2;
	return 0;
}

void sv_spin_lock(volatile u32 *l)
{
	u32 v;

	do {
		v = 1;
		__asm__ volatile("xchgl %0, %1"
				 : "+r"(v), "+m"(*l) : : "memory");
	} while (v);
}

void sv_spin_unlock(volatile u32 *l)
{
	barrier();
	*l = 0;
}

/* firmware.c: ACPI S5 through the FADT's PM1a_CNT; returns if no ACPI. */
void sv_acpi_s5(void);

/*
 * End of a test: reset through the i8042, then a triple fault. With
 * svend=s5 power off through ACPI instead (for machines that reset in
 * place, e.g. q35 run by the seed's command without -no-reboot).
 */
void sv_exit(void)
{
	char end[8];
	int i;

	if (!cmdline_str("svend=", end, sizeof(end)) && !memcmp(end, "s5", 3))
		sv_acpi_s5();
	outb(I8042_CMD, 0xfe);
	for (i = 0; i < 1000; i++)
		barrier();
	sv_triple_fault();
}

void sv_pass(void)
{
	sv_puts("TEST: PASS\n");
	sv_exit();
}

void sv_fail(const char *fmt, ...)
{
	va_list ap;

	sv_puts("TEST: FAIL ");
	va_start(ap, fmt);
	sv_vprintf(fmt, ap);
	va_end(ap);
	sv_puts("\n");
	sv_exit();
}
