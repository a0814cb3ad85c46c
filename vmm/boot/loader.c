// SPDX-License-Identifier: MIT
/*
 * boot_load(): detect the kernel format (bzImage, ELF with a PVH note, raw
 * vmlinux.bin, in that order), load it, place the initrd below
 * min(0x37ffffff, end of low RAM), write the command line and then the
 * zero page or the PVH start_info, both carrying the e820 map.
 */
#define LOG_MODULE "boot"
#include "vmm/boot/boot_internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sv/log.h"
#include "vmm/arch/arch.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/mem/mem.h"

#define RAW_KERNEL_ALIGN 0x1000000u

int boot_file_read(const struct boot_file *f, uint64_t off, void *dst,
		   size_t len)
{
	uint8_t *p = dst;

	if (off > f->size || len > f->size - off) {
		log_err("%s: read of %zu bytes at offset %llu is past the end",
			f->name, len, (unsigned long long)off);
		return -EINVAL;
	}
	if (f->buf) {
		memcpy(dst, f->buf + off, len);
		return 0;
	}
	while (len) {
		struct iovec iov = { .iov_base = p, .iov_len = len };
		/* preadv: the one read call the seccomp allowlist has. */
		ssize_t n = preadv(f->fd, &iov, 1, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("%s: read at offset %llu: %s", f->name,
				(unsigned long long)off, strerror(errno));
			return -errno;
		}
		if (n == 0) {
			log_err("%s: unexpected end of file at offset %llu",
				f->name, (unsigned long long)off);
			return -EIO;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int boot_file_load(const struct boot_file *f, const struct gmem *m,
		   uint64_t off, uint64_t gpa, uint64_t len)
{
	void *hva = gmem_ptr_rw(m, gpa, len);

	if (!hva) {
		log_err("%s: [0x%llx, 0x%llx) is not guest RAM", f->name,
			(unsigned long long)gpa,
			(unsigned long long)(gpa + len));
		return -EINVAL;
	}
	return boot_file_read(f, off, hva, len);
}

static int raw_load(struct boot_ctx *c)
{
	uint64_t ram = c->ram->below_4g_size, size = c->kernel->size;
	struct setup_header *h = &c->bp->hdr;
	int ret;

	if (X86_RAW_KERNEL_GPA >= ram || size > ram - X86_RAW_KERNEL_GPA) {
		log_err("kernel %s: %llu bytes at 0x%llx do not fit in %llu MiB "
			"of RAM below 4 GiB",
			c->kernel->name, (unsigned long long)size,
			(unsigned long long)X86_RAW_KERNEL_GPA,
			(unsigned long long)(ram >> 20));
		return -EINVAL;
	}
	ret = boot_file_load(c->kernel, c->m, 0, X86_RAW_KERNEL_GPA, size);
	if (ret < 0)
		return ret;
	/* No header in the file: give the kernel the fields it reads. */
	h->boot_flag = BP_BOOT_FLAG;
	h->header = BP_HDR_MAGIC;
	h->loadflags = BP_LOADED_HIGH;
	h->kernel_alignment = RAW_KERNEL_ALIGN;
	c->cmdline_max = BOOT_CMDLINE_DEFAULT_MAX;
	c->bi->mode = BOOT_MODE_LONG64;
	c->bi->format = BOOT_FORMAT_RAW;
	c->bi->entry = X86_RAW_KERNEL_GPA;
	c->bi->kernel_start = X86_RAW_KERNEL_GPA;
	c->bi->kernel_end = X86_RAW_KERNEL_GPA + size;
	return 0;
}

static bool all_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(p[i] == '\n' || p[i] == '\r' || p[i] == '\t' ||
		      (p[i] >= 0x20 && p[i] < 0x7f)))
			return false;
	return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * A raw image has no magic, so anything else is taken as one. Refuse the
 * files people pass by mistake (a rootfs instead of the kernel, a
 * compressed vmlinux, a script) rather than let the vCPU run their bytes.
 */
static const char *not_a_kernel(const uint8_t *h)
{
	if (h[0] == 0x1f && h[1] == 0x8b)
		return "a gzip file (decompress it, or pass the bzImage)";
	if (!memcmp(h, "\xfd" "7zXZ", 5) || !memcmp(h, "\x28\xb5\x2f\xfd", 4))
		return "an xz/zstd file (decompress it, or pass the bzImage)";
	if (h[0x438] == 0x53 && h[0x439] == 0xef)
		return "an ext2/3/4 file system image (a rootfs? use -drive)";
	if (!memcmp(h, "QFI\xfb", 4))
		return "a qcow2 image";
	if (!memcmp(h, "070701", 6) || !memcmp(h, "070702", 6))
		return "a cpio archive (an initramfs? use -initrd)";
	if (h[0] == '#' && h[1] == '!')
		return "a script";
	if (all_text(h, 512))
		return "a text file";
	if (all_zero(h, BOOT_HEAD_SIZE))
		return "all zeros in its first 4 KiB";
	return NULL;
}

static int load_kernel(struct boot_ctx *c)
{
	const char *why;
	const struct boot_file *k = c->kernel;
	int ret;

	if (k->size < BOOT_KERNEL_MIN_SIZE) {
		log_err("kernel %s: file of %llu bytes is too small to be a "
			"kernel",
			k->name, (unsigned long long)k->size);
		return -ENOEXEC;
	}
	ret = boot_file_read(k, 0, c->head, BOOT_HEAD_SIZE);
	if (ret < 0)
		return ret;
	if (bzimage_probe(c->head))
		return bzimage_load(c);
	if (elf_probe(c->head))
		return elf_load(c);
	if (c->head[0] == 'M' && c->head[1] == 'Z') {
		log_err("kernel %s: PE/COFF image without a Linux boot header",
			k->name);
		return -ENOEXEC;
	}
	why = not_a_kernel(c->head);
	if (why) {
		log_err("kernel %s: not a kernel image: %s", k->name, why);
		return -ENOEXEC;
	}
	return raw_load(c);
}

static int load_initrd(struct boot_ctx *c, const struct boot_file *f)
{
	uint64_t top = SV_MIN(c->initrd_max, c->ram->below_4g_size);
	struct boot_info *bi = c->bi;
	uint64_t addr;

	if (f->size == 0) {
		log_err("initrd %s: file is empty", f->name);
		return -EINVAL;
	}
	if (top <= X86_HIMEM_GPA || f->size > top - X86_HIMEM_GPA) {
		log_err("initrd %s: %llu bytes do not fit in guest RAM below "
			"0x%llx",
			f->name, (unsigned long long)f->size,
			(unsigned long long)top);
		return -EINVAL;
	}
	addr = SV_ALIGN_DOWN(top - f->size, 4096ull);
	if (addr < X86_HIMEM_GPA ||
	    (addr < bi->kernel_end && addr + f->size > bi->kernel_start)) {
		log_err("initrd %s: %llu bytes at 0x%llx would overlap the "
			"kernel at [0x%llx, 0x%llx)",
			f->name, (unsigned long long)f->size,
			(unsigned long long)addr,
			(unsigned long long)bi->kernel_start,
			(unsigned long long)bi->kernel_end);
		return -EINVAL;
	}
	bi->initrd_gpa = addr;
	bi->initrd_size = f->size;
	return boot_file_load(f, c->m, 0, addr, f->size);
}

static int write_zero_page(struct boot_ctx *c)
{
	struct setup_header *h = &c->bp->hdr;
	int ret;

	h->vid_mode = BP_VID_MODE_NORMAL;
	h->type_of_loader = BP_LOADER_UNDEFINED;
	h->cmd_line_ptr = (uint32_t)X86_CMDLINE_GPA;
	h->cmdline_size = c->cmdline_max;
	h->ramdisk_image = (uint32_t)c->bi->initrd_gpa;
	h->ramdisk_size = (uint32_t)c->bi->initrd_size;
	c->bp->e820_entries = (uint8_t)x86_e820_build(c->ram, c->bp->e820_table,
						      E820_MAX_ENTRIES);
	ret = gmem_write(c->m, X86_ZERO_PAGE_GPA, c->bp, sizeof(*c->bp));
	if (ret < 0) {
		log_err("kernel %s: no guest RAM for the zero page at 0x%llx",
			c->kernel->name, (unsigned long long)X86_ZERO_PAGE_GPA);
		return ret;
	}
	c->bi->params_gpa = X86_ZERO_PAGE_GPA;
	return 0;
}

static int write_pvh_tables(struct boot_ctx *c, struct hvm_start_info *si)
{
	struct hvm_memmap_table_entry mm[X86_PVH_MEMMAP_MAX];
	struct e820_entry e[X86_PVH_MEMMAP_MAX];
	unsigned int n = x86_e820_build(c->ram, e, X86_PVH_MEMMAP_MAX);
	struct hvm_modlist_entry mod = {
		.paddr = c->bi->initrd_gpa,
		.size = c->bi->initrd_size,
	};
	int ret;

	memset(mm, 0, sizeof(mm));
	for (unsigned int i = 0; i < n; i++) {
		mm[i].addr = e[i].addr;
		mm[i].size = e[i].size;
		mm[i].type = e[i].type;
	}
	si->memmap_paddr = X86_PVH_MEMMAP_GPA;
	si->memmap_entries = n;
	ret = gmem_write(c->m, X86_PVH_MEMMAP_GPA, mm, n * sizeof(mm[0]));
	if (ret == 0 && c->bi->initrd_size) {
		si->nr_modules = 1;
		si->modlist_paddr = X86_PVH_MODLIST_GPA;
		ret = gmem_write(c->m, X86_PVH_MODLIST_GPA, &mod, sizeof(mod));
	}
	return ret;
}

static int write_pvh(struct boot_ctx *c)
{
	struct hvm_start_info si = {
		.magic = PVH_START_MAGIC,
		.version = PVH_START_VERSION,
		.cmdline_paddr = X86_CMDLINE_GPA,
	};
	int ret;

	ret = write_pvh_tables(c, &si);
	if (ret == 0)
		ret = gmem_write(c->m, X86_PVH_INFO_GPA, &si, sizeof(si));
	if (ret < 0) {
		log_err("kernel %s: no guest RAM for the PVH start_info at "
			"0x%llx",
			c->kernel->name, (unsigned long long)X86_PVH_INFO_GPA);
		return ret;
	}
	c->bi->params_gpa = X86_PVH_INFO_GPA;
	return 0;
}

int boot_load_files(const struct gmem *m, const struct arch_ram_layout *ram,
		    const struct boot_file *kernel,
		    const struct boot_file *initrd, const char *cmdline,
		    struct boot_info *out)
{
	_cleanup_free_ struct boot_params *bp = calloc(1, sizeof(*bp));
	_cleanup_free_ struct boot_ctx *c = calloc(1, sizeof(*c));
	int ret;

	if (!bp || !c)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	*c = (struct boot_ctx){ .m = m,
				.ram = ram,
				.kernel = kernel,
				.bp = bp,
				.initrd_max = X86_INITRD_ADDR_MAX,
				.bi = out };
	ret = load_kernel(c);
	if (ret == 0 && initrd)
		ret = load_initrd(c, initrd);
	if (ret == 0)
		ret = boot_cmdline_write(m, cmdline ? cmdline : "",
					 c->cmdline_max, kernel->name);
	if (ret < 0)
		return ret;
	out->cmdline_gpa = X86_CMDLINE_GPA;
	if (out->mode == BOOT_MODE_PVH32)
		return write_pvh(c);
	return write_zero_page(c);
}

static int file_open(const char *path, const char *what, struct boot_file *f)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s %s: open: %s", what, path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("%s %s: not a readable regular file", what, path);
		close(fd);
		return -EINVAL;
	}
	*f = (struct boot_file){ .name = path,
				 .fd = fd,
				 .size = (uint64_t)st.st_size };
	return 0;
}

const char *boot_format_name(enum boot_format f)
{
	switch (f) {
	case BOOT_FORMAT_BZIMAGE:
		return "bzImage";
	case BOOT_FORMAT_ELF_PVH:
		return "ELF (PVH entry)";
	case BOOT_FORMAT_RAW:
		return "raw vmlinux.bin";
	}
	return "?";
}

struct boot_source {
	struct boot_file kernel, initrd;
	char *kernel_name, *initrd_name;	/* owned copies of the paths */
	char *cmdline;
};

int boot_source_open(const struct boot_args *a, struct boot_source **out)
{
	struct boot_source *s = xcalloc(1, sizeof(*s));
	int ret;

	s->kernel.fd = s->initrd.fd = -1;
	ret = file_open(a->kernel, "kernel", &s->kernel);
	if (ret == 0)
		s->kernel.name = s->kernel_name = xstrdup(a->kernel);
	if (ret == 0 && a->initrd)
		ret = file_open(a->initrd, "initrd", &s->initrd);
	if (ret == 0 && a->initrd)
		s->initrd.name = s->initrd_name = xstrdup(a->initrd);
	if (ret < 0) {
		boot_source_close(s);
		return ret;
	}
	s->cmdline = xstrdup(a->cmdline ? a->cmdline : "");
	*out = s;
	return 0;
}

void boot_source_close(struct boot_source *s)
{
	if (!s)
		return;
	if (s->initrd.fd >= 0)
		close(s->initrd.fd);
	if (s->kernel.fd >= 0)
		close(s->kernel.fd);
	free(s->kernel_name);
	free(s->initrd_name);
	free(s->cmdline);
	free(s);
}

int boot_source_load(const struct boot_source *s, const struct gmem *m,
		     const struct arch_ram_layout *ram, struct boot_info *out)
{
	int ret = boot_load_files(m, ram, &s->kernel,
				  s->initrd.fd >= 0 ? &s->initrd : NULL,
				  s->cmdline, out);

	if (ret < 0)
		return ret;
	log_info("kernel %s: %s, entry 0x%llx, [0x%llx, 0x%llx)",
		 s->kernel.name, boot_format_name(out->format),
		 (unsigned long long)out->entry,
		 (unsigned long long)out->kernel_start,
		 (unsigned long long)out->kernel_end);
	return 0;
}

int boot_load(const struct gmem *m, const struct arch_ram_layout *ram,
	      const struct boot_args *a, struct boot_info *out)
{
	struct boot_source *s;
	int ret = boot_source_open(a, &s);

	if (ret < 0)
		return ret;
	ret = boot_source_load(s, m, ram, out);
	boot_source_close(s);
	return ret;
}
