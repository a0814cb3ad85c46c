// SPDX-License-Identifier: MIT
/*
 * fw_cfg, the I/O-port flavour x86 firmware (OVMF, SeaBIOS) uses. Items are
 * host-owned byte arrays selected by a 16-bit key; the data port streams
 * the selected item, and the DMA interface copies it into guest RAM. All
 * guest addresses go through gmem; a descriptor or buffer outside RAM only
 * sets the error bit in the control word.
 */
#include "vmm/devices/fw_cfg.h"

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "fw_cfg"
#include "sv/log.h"
#include "vmm/bus/bus.h"
#include "vmm/mem/mem.h"

#define FW_CFG_INVALID 0xffff
#define DMA_CHUNK 4096u
#define MAX_ITEM_LEN (1u << 30)	/* items are host data; sanity cap */

struct fw_cfg_item {
	uint8_t *data;
	uint32_t len;
};

struct fw_cfg_dir_entry {
	uint32_t size;		/* big-endian */
	uint16_t select;	/* big-endian */
	uint16_t reserved;
	char name[FW_CFG_FILE_NAME_LEN];
} __attribute__((packed));

struct fw_cfg {
	struct bus *pio;
	uint16_t base;
	const struct gmem *mem;
	pthread_mutex_t lock;	/* protects everything below */
	struct fw_cfg_item items[FW_CFG_MAX_ITEM];
	char names[FW_CFG_MAX_FILES][FW_CFG_FILE_NAME_LEN];
	unsigned int nr_files;
	uint16_t cur;
	uint32_t off;
	uint64_t dma_addr;	/* high half latched */
};

static struct fw_cfg_item *item(struct fw_cfg *f, uint16_t key)
{
	if (key >= FW_CFG_MAX_ITEM)
		return NULL;
	return &f->items[key];
}

static int set_item(struct fw_cfg *f, uint16_t key, const void *data,
		    size_t len)
{
	struct fw_cfg_item *it = item(f, key);
	uint8_t *copy = NULL;

	if (!it || len > MAX_ITEM_LEN)
		return -EINVAL;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, data, len);
	}
	pthread_mutex_lock(&f->lock);
	free(it->data);
	it->data = copy;
	it->len = (uint32_t)len;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data,
		     size_t len)
{
	return set_item(f, key, data, len);
}

int fw_cfg_add_u16(struct fw_cfg *f, uint16_t key, uint16_t v)
{
	uint16_t le = htole16(v);

	return set_item(f, key, &le, sizeof(le));
}

int fw_cfg_add_u32(struct fw_cfg *f, uint16_t key, uint32_t v)
{
	uint32_t le = htole32(v);

	return set_item(f, key, &le, sizeof(le));
}

static int rebuild_dir(struct fw_cfg *f)
{
	size_t len = 4 + f->nr_files * sizeof(struct fw_cfg_dir_entry);
	uint8_t *buf = calloc(1, len);
	uint32_t count = htobe32(f->nr_files);
	unsigned int i;
	int ret;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, &count, 4);
	for (i = 0; i < f->nr_files; i++) {
		struct fw_cfg_dir_entry e = { 0 };
		uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + i);

		e.size = htobe32(f->items[key].len);
		e.select = htobe16(key);
		memcpy(e.name, f->names[i], FW_CFG_FILE_NAME_LEN);
		memcpy(buf + 4 + i * sizeof(e), &e, sizeof(e));
	}
	ret = set_item(f, FW_CFG_FILE_DIR, buf, len);
	free(buf);
	return ret;
}

static int find_file(const struct fw_cfg *f, const char *name)
{
	unsigned int i;

	for (i = 0; i < f->nr_files; i++)
		if (!strncmp(f->names[i], name, FW_CFG_FILE_NAME_LEN))
			return (int)i;
	return -1;
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data,
		    size_t len)
{
	int idx = find_file(f, name);
	int ret;

	if (strlen(name) >= FW_CFG_FILE_NAME_LEN) {
		log_err("file name '%s' too long", name);
		return -EINVAL;
	}
	if (idx < 0) {
		if (f->nr_files >= FW_CFG_MAX_FILES) {
			log_err("no room for file '%s'", name);
			return -ENOSPC;
		}
		idx = (int)f->nr_files;
		memset(f->names[idx], 0, FW_CFG_FILE_NAME_LEN);
		strcpy(f->names[idx], name);
		f->nr_files++;
	}
	ret = set_item(f, (uint16_t)(FW_CFG_FILE_FIRST + idx), data, len);
	if (ret)
		return ret;
	return rebuild_dir(f);
}

int fw_cfg_add_e820(struct fw_cfg *f, const struct fw_cfg_e820 *e,
		    unsigned int n)
{
	struct fw_cfg_e820 *le = calloc(n ? n : 1, sizeof(*le));
	unsigned int i;
	int ret;

	if (!le)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		le[i].addr = htole64(e[i].addr);
		le[i].len = htole64(e[i].len);
		le[i].type = htole32(e[i].type);
	}
	ret = fw_cfg_add_file(f, "etc/e820", le, n * sizeof(*le));
	free(le);
	return ret;
}

#define BZ_SETUP_SECTS 0x1f1
#define BZ_HDRS 0x202
#define BZ_MIN 0x250

int fw_cfg_add_kernel(struct fw_cfg *f, const void *bzimage, size_t len)
{
	const uint8_t *p = bzimage;
	size_t setup;
	int ret;

	if (len < BZ_MIN || memcmp(p + BZ_HDRS, "HdrS", 4)) {
		log_err("kernel image is not a bzImage");
		return -EINVAL;
	}
	setup = ((size_t)(p[BZ_SETUP_SECTS] ? p[BZ_SETUP_SECTS] : 4) + 1) * 512;
	if (setup >= len) {
		log_err("bzImage setup (%zu bytes) larger than the image", setup);
		return -EINVAL;
	}
	ret = fw_cfg_add_u32(f, FW_CFG_SETUP_ADDR, 0x10000);
	ret = ret ? ret : fw_cfg_add_u32(f, FW_CFG_SETUP_SIZE, (uint32_t)setup);
	ret = ret ? ret : fw_cfg_add_bytes(f, FW_CFG_SETUP_DATA, p, setup);
	ret = ret ? ret : fw_cfg_add_u32(f, FW_CFG_KERNEL_ADDR, 0x100000);
	ret = ret ? ret : fw_cfg_add_u32(f, FW_CFG_KERNEL_SIZE,
					 (uint32_t)(len - setup));
	ret = ret ? ret : fw_cfg_add_bytes(f, FW_CFG_KERNEL_DATA, p + setup,
					   len - setup);
	return ret;
}

int fw_cfg_add_initrd(struct fw_cfg *f, const void *data, size_t len)
{
	int ret = fw_cfg_add_u32(f, FW_CFG_INITRD_SIZE, (uint32_t)len);

	return ret ? ret : fw_cfg_add_bytes(f, FW_CFG_INITRD_DATA, data, len);
}

int fw_cfg_add_cmdline(struct fw_cfg *f, const char *cmdline)
{
	size_t len = strlen(cmdline) + 1;
	int ret;

	ret = fw_cfg_add_u32(f, FW_CFG_CMDLINE_ADDR, 0x20000);
	ret = ret ? ret : fw_cfg_add_u32(f, FW_CFG_CMDLINE_SIZE, (uint32_t)len);
	return ret ? ret : fw_cfg_add_bytes(f, FW_CFG_CMDLINE_DATA, cmdline,
					    len);
}

/* Copy up to len bytes of the current item into guest RAM (zeros past end). */
static int dma_read(struct fw_cfg *f, uint64_t gpa, uint32_t len, bool skip)
{
	const struct fw_cfg_item *it = item(f, f->cur);
	static const uint8_t zeros[DMA_CHUNK];

	while (len) {
		uint32_t n = len < DMA_CHUNK ? len : DMA_CHUNK;
		const uint8_t *src = zeros;

		if (it && f->off < it->len) {
			src = it->data + f->off;
			if (n > it->len - f->off)
				n = it->len - f->off;
		}
		if (skip && src == zeros)
			break;	/* skipping past the end: nothing left */
		if (!skip && gmem_write(f->mem, gpa, src, n))
			return -EFAULT;
		if (it && f->off < it->len)
			f->off += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

static void select_key(struct fw_cfg *f, uint16_t key)
{
	f->cur = key;
	f->off = 0;
}

static void dma_run(struct fw_cfg *f, uint64_t desc_gpa)
{
	struct { uint32_t control, length; uint64_t address; } d;
	uint32_t ctl, status = 0;

	if (gmem_read(f->mem, desc_gpa, &d, sizeof(d))) {
		log_warn_ratelimited("DMA descriptor 0x%llx outside RAM",
				     (unsigned long long)desc_gpa);
		return;
	}
	ctl = be32toh(d.control);
	if (ctl & FW_CFG_DMA_CTL_SELECT)
		select_key(f, (uint16_t)(ctl >> 16));
	if (ctl & FW_CFG_DMA_CTL_WRITE) {
		status = FW_CFG_DMA_CTL_ERROR;	/* no writable items */
	} else if (ctl & (FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SKIP)) {
		if (dma_read(f, be64toh(d.address), be32toh(d.length),
			     !(ctl & FW_CFG_DMA_CTL_READ))) {
			log_warn_ratelimited("DMA buffer outside RAM");
			status = FW_CFG_DMA_CTL_ERROR;
		}
	}
	status = htobe32(status);
	if (gmem_write(f->mem, desc_gpa, &status, sizeof(status)))
		log_warn_ratelimited("DMA status write outside RAM");
}

static uint8_t data_byte(struct fw_cfg *f)
{
	const struct fw_cfg_item *it = item(f, f->cur);

	if (!it || f->off >= it->len)
		return 0;
	return it->data[f->off++];
}

static void fw_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct fw_cfg *f = opaque;
	uint8_t *out = data;
	unsigned int i;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (o == 1)	/* data port: every byte of a wide read */
			out[i] = data_byte(f);
		else if (o >= 4 && o < 12)
			out[i] = (uint8_t)(FW_CFG_DMA_SIGNATURE >>
					   (8 * (11 - o)));
		else
			out[i] = 0;
	}
	pthread_mutex_unlock(&f->lock);
}

static uint64_t be_bytes(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		v = (v << 8) | p[i];
	return v;
}

static void fw_write(void *opaque, uint64_t off, const void *data,
		     unsigned int len)
{
	struct fw_cfg *f = opaque;
	const uint8_t *in = data;
	uint16_t sel;

	pthread_mutex_lock(&f->lock);
	if (off == 0 && len == 2) {
		memcpy(&sel, in, 2);
		select_key(f, le16toh(sel));
	} else if (off == 4 && len == 4) {
		f->dma_addr = be_bytes(in, 4) << 32;
	} else if (off == 8 && len == 4) {
		dma_run(f, f->dma_addr | be_bytes(in, 4));
		f->dma_addr = 0;
	} else if (off == 4 && len == 8) {
		dma_run(f, be_bytes(in, 8));
		f->dma_addr = 0;
	} else if (off != 1) {
		log_warn_ratelimited("write of %u bytes at +%llu ignored", len,
				     (unsigned long long)off);
	}
	pthread_mutex_unlock(&f->lock);
}

static const struct bus_ops fw_cfg_ops = {
	.read = fw_read,
	.write = fw_write,
};

void fw_cfg_reset(struct fw_cfg *f)
{
	pthread_mutex_lock(&f->lock);
	select_key(f, FW_CFG_INVALID);
	f->dma_addr = 0;
	pthread_mutex_unlock(&f->lock);
}

static void fw_cfg_destroy_items(struct fw_cfg *f)
{
	unsigned int i;

	for (i = 0; i < FW_CFG_MAX_ITEM; i++)
		free(f->items[i].data);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void fw_cfg_destroy(struct fw_cfg *f)
{
	if (!f)
		return;
	bus_unregister(f->pio, f->base);
	fw_cfg_destroy_items(f);
}

static int add_defaults(struct fw_cfg *f)
{
	int ret = fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);

	ret = ret ? ret : fw_cfg_add_u32(f, FW_CFG_ID,
					 FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	return ret ? ret : rebuild_dir(f);
}

int fw_cfg_create(struct bus *pio, uint16_t base, const struct gmem *mem,
		  struct fw_cfg **out)
{
	struct fw_cfg *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	f->pio = pio;
	f->base = base;
	f->mem = mem;
	f->cur = FW_CFG_INVALID;
	pthread_mutex_init(&f->lock, NULL);
	ret = add_defaults(f);
	if (ret)
		goto err_free;
	ret = bus_register(pio, base, FW_CFG_IO_LEN, &fw_cfg_ops, f, "fw_cfg");
	if (ret) {
		log_err("register fw_cfg at 0x%x: %s", base, strerror(-ret));
		goto err_free;
	}
	*out = f;
	return 0;
err_free:
	fw_cfg_destroy_items(f);
	return ret;
}
