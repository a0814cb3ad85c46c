// SPDX-License-Identifier: MIT
/*
 * ELF64 x86-64 vmlinux entered through its PVH note
 * (XEN_ELFNOTE_PHYS32_ENTRY): PT_LOAD segments go to their physical
 * addresses, the vCPU starts in 32-bit flat protected mode.
 */
#define LOG_MODULE "boot"
#include "vmm/boot/boot_internal.h"

#include <elf.h>
#include <string.h>

#include "sv/log.h"
#include "vmm/arch/arch.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/mem/mem.h"

#define ELF_MAX_PHDRS 64
#define ELF_MAX_NOTE_BYTES (64u << 10) /* scanned per PT_NOTE */

bool elf_probe(const uint8_t *head)
{
	return memcmp(head, ELFMAG, SELFMAG) == 0;
}

static uint64_t align4(uint32_t v)
{
	return ((uint64_t)v + 3) & ~3ull;
}

int elf_find_pvh_entry(const uint8_t *p, size_t len, uint64_t *entry)
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t nh[3]; /* namesz, descsz, type */
		const uint8_t *name, *desc;

		memcpy(nh, p + off, sizeof(nh));
		off += sizeof(nh);
		if (align4(nh[0]) > len - off)
			break;
		name = p + off;
		off += align4(nh[0]);
		if (align4(nh[1]) > len - off)
			break;
		desc = p + off;
		off += align4(nh[1]);
		if (nh[2] != PVH_NOTE_PHYS32_ENTRY || nh[0] != 4 ||
		    memcmp(name, PVH_NOTE_NAME, 4) != 0)
			continue;
		if (nh[1] == 4) {
			uint32_t e32;

			memcpy(&e32, desc, 4);
			*entry = e32;
			return 0;
		}
		if (nh[1] >= 8) {
			memcpy(entry, desc, 8);
			return 0;
		}
	}
	return -ENOENT;
}

static int check_ehdr(const struct boot_ctx *c, const Elf64_Ehdr *eh)
{
	const char *name = c->kernel->name;
	uint64_t size = c->kernel->size;

	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64) {
		log_err("kernel %s: not a little-endian ELF64 x86-64 file",
			name);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > ELF_MAX_PHDRS) {
		log_err("kernel %s: ELF program headers unusable (%u entries "
			"of %u bytes)",
			name, eh->e_phnum, eh->e_phentsize);
		return -ENOEXEC;
	}
	if (eh->e_phoff > size ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size - eh->e_phoff) {
		log_err("kernel %s: ELF program headers lie past the end of "
			"the file",
			name);
		return -ENOEXEC;
	}
	return 0;
}

static bool in_file(const struct boot_ctx *c, uint64_t off, uint64_t len)
{
	return off <= c->kernel->size && len <= c->kernel->size - off;
}

static int find_entry(const struct boot_ctx *c, const Elf64_Phdr *ph,
		      unsigned int n, uint64_t *entry)
{
	for (unsigned int i = 0; i < n; i++) {
		_cleanup_free_ uint8_t *buf = NULL;
		size_t len;
		int ret;

		if (ph[i].p_type != PT_NOTE ||
		    !in_file(c, ph[i].p_offset, ph[i].p_filesz))
			continue;
		len = SV_MIN(ph[i].p_filesz, (uint64_t)ELF_MAX_NOTE_BYTES);
		buf = malloc(len ? len : 1);
		if (!buf)
			return -ENOMEM;
		ret = boot_file_read(c->kernel, ph[i].p_offset, buf, len);
		if (ret < 0)
			return ret;
		if (elf_find_pvh_entry(buf, len, entry) == 0)
			return 0;
	}
	log_err("kernel %s: ELF kernel has no PVH entry note", c->kernel->name);
	return -ENOEXEC;
}

static int check_load(const struct boot_ctx *c, const Elf64_Phdr *p)
{
	uint64_t ram = c->ram->below_4g_size;

	if (p->p_filesz > p->p_memsz || !in_file(c, p->p_offset, p->p_filesz)) {
		log_err("kernel %s: ELF segment at offset 0x%llx (%llu bytes) "
			"lies past the end of the file",
			c->kernel->name, (unsigned long long)p->p_offset,
			(unsigned long long)p->p_filesz);
		return -ENOEXEC;
	}
	if (p->p_paddr < X86_HIMEM_GPA || p->p_paddr >= ram ||
	    p->p_memsz > ram - p->p_paddr) {
		log_err("kernel %s: ELF segment [0x%llx, +0x%llx) is not in "
			"RAM between 1 MiB and 0x%llx",
			c->kernel->name, (unsigned long long)p->p_paddr,
			(unsigned long long)p->p_memsz,
			(unsigned long long)ram);
		return p->p_paddr < X86_HIMEM_GPA ? -ENOEXEC : -EINVAL;
	}
	return 0;
}

static int load_segment(struct boot_ctx *c, const Elf64_Phdr *p)
{
	uint64_t bss = p->p_memsz - p->p_filesz;
	int ret;

	ret = check_load(c, p);
	if (ret < 0)
		return ret;
	ret = boot_file_load(c->kernel, c->m, p->p_offset, p->p_paddr,
			     p->p_filesz);
	if (ret < 0)
		return ret;
	if (bss) {
		void *hva = gmem_ptr_rw(c->m, p->p_paddr + p->p_filesz, bss);

		if (!hva) {
			log_err("kernel %s: ELF segment at 0x%llx is not in "
				"guest RAM",
				c->kernel->name,
				(unsigned long long)p->p_paddr);
			return -EINVAL;
		}
		memset(hva, 0, bss);
	}
	if (p->p_paddr < c->bi->kernel_start)
		c->bi->kernel_start = p->p_paddr;
	if (p->p_paddr + p->p_memsz > c->bi->kernel_end)
		c->bi->kernel_end = p->p_paddr + p->p_memsz;
	return 0;
}

static int load_segments(struct boot_ctx *c, const Elf64_Phdr *ph,
			 unsigned int n)
{
	int ret;

	c->bi->kernel_start = UINT64_MAX;
	c->bi->kernel_end = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		ret = load_segment(c, &ph[i]);
		if (ret < 0)
			return ret;
	}
	if (c->bi->kernel_end == 0) {
		log_err("kernel %s: ELF file has no loadable segment",
			c->kernel->name);
		return -ENOEXEC;
	}
	return 0;
}

int elf_load(struct boot_ctx *c)
{
	Elf64_Phdr ph[ELF_MAX_PHDRS];
	Elf64_Ehdr eh;
	uint64_t entry = 0;
	int ret;

	memcpy(&eh, c->head, sizeof(eh));
	ret = check_ehdr(c, &eh);
	if (ret < 0)
		return ret;
	ret = boot_file_read(c->kernel, eh.e_phoff, ph,
			     eh.e_phnum * sizeof(Elf64_Phdr));
	if (ret < 0)
		return ret;
	ret = find_entry(c, ph, eh.e_phnum, &entry);
	if (ret < 0)
		return ret;
	ret = load_segments(c, ph, eh.e_phnum);
	if (ret < 0)
		return ret;
	if (entry < c->bi->kernel_start || entry >= c->bi->kernel_end) {
		log_err("kernel %s: PVH entry 0x%llx is outside the loaded "
			"kernel [0x%llx, 0x%llx)",
			c->kernel->name, (unsigned long long)entry,
			(unsigned long long)c->bi->kernel_start,
			(unsigned long long)c->bi->kernel_end);
		return -ENOEXEC;
	}
	c->cmdline_max = BOOT_CMDLINE_DEFAULT_MAX;
	c->bi->mode = BOOT_MODE_PVH32;
	c->bi->format = BOOT_FORMAT_ELF_PVH;
	c->bi->entry = entry;
	return 0;
}
