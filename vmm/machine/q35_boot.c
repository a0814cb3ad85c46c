// SPDX-License-Identifier: MIT
/*
 * q35 firmware interface and boot sources. fw_cfg is always present (as on
 * QEMU; StratoVirt adds it only with pflash): CPU count and e820; with
 * firmware also the ACPI tables through the table loader and the kernel,
 * initrd and command line for OVMF's loader. The pflash units end at
 * 4 GiB; unit 0 is mapped as a read-only memslot while in read-array mode
 * so the vCPU can execute it. Boot: pflash unit 0 -> reset vector; else
 * the kernel is loaded directly (64-bit entry, zero page, MP table) with
 * the ACPI tables written to RAM.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MODULE "q35"
#include "sv/log.h"
#include "vmm/acpi/acpi.h"
#include "vmm/arch/arch.h"
#include "vmm/config.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/devices/pflash.h"
#include "vmm/kvm/kvm.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/q35_internal.h"

#define E820_TYPE_RAM 1
#define E820_TYPE_RESERVED 2
#define FW_FILE_MAX (1ull << 30)	/* kernel or initrd through fw_cfg */

static void acpi_config(const struct machine *m, const struct q35 *q,
			struct acpi_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->nr_cpus = m->nr_cpus;
	c->lapic_gpa = Q35_LAPIC_BASE;
	c->ioapic_gpa = Q35_IOAPIC_BASE;
	c->ecam_gpa = PCI_ROOT_ECAM_BASE;
	c->bus_start = 0;
	c->bus_end = 255;
	c->mmio32_gpa = PCI_ROOT_MMIO32_BASE;
	c->mmio32_size = PCI_ROOT_MMIO32_SIZE;
	c->mmio64_gpa = q->root.mmio64_base;
	c->mmio64_size = PCI_ROOT_MMIO64_SIZE;
	c->pm_base = Q35_PM_BASE;
	c->sci_irq = Q35_SCI_IRQ;
	c->com1 = true;
}

/* Read a whole file (kernel, initrd) for fw_cfg; *buf is the caller's. */
static int slurp(const char *what, const char *path, void **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t done = 0;
	char *p;

	if (fd < 0 || fstat(fd, &st) < 0) {
		log_err("%s %s: %s", what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > FW_FILE_MAX) {
		log_err("%s %s: not a regular file of at most 1 GiB", what,
			path);
		close(fd);
		return -EINVAL;
	}
	p = xmalloc((size_t)st.st_size + 1);
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, p + done, (size_t)st.st_size - done);

		if (n <= 0) {
			log_err("%s %s: short read", what, path);
			free(p);
			close(fd);
			return n < 0 ? -errno : -EIO;
		}
		done += (size_t)n;
	}
	close(fd);
	*buf = p;
	*len = done;
	return 0;
}

static int fw_cfg_kernel(struct machine *m, struct q35 *q)
{
	void *buf = NULL;
	size_t len = 0;
	int ret;

	if (!m->cfg->kernel) {
		/* -append alone still reaches the firmware (svtest.fd). */
		if (!m->cfg->append)
			return 0;
		return fw_cfg_add_cmdline(q->fw_cfg, m->cfg->append);
	}
	ret = slurp("-kernel", m->cfg->kernel, &buf, &len);
	if (ret == 0) {
		ret = fw_cfg_add_kernel(q->fw_cfg, buf, len);
		if (ret < 0)
			log_err("-kernel %s: not a bzImage, which firmware "
				"boot needs", m->cfg->kernel);
	}
	free(buf);
	if (ret == 0 && m->cfg->initrd) {
		ret = slurp("-initrd", m->cfg->initrd, &buf, &len);
		if (ret == 0)
			ret = fw_cfg_add_initrd(q->fw_cfg, buf, len);
		free(buf);
	}
	if (ret == 0)
		ret = fw_cfg_add_cmdline(q->fw_cfg, m->cfg->append ?
					 m->cfg->append : "");
	return ret;
}

static int fw_cfg_e820(struct q35 *q)
{
	struct fw_cfg_e820 e[3] = {
		{ 0, q->ram.below_4g_size, E820_TYPE_RAM },
		{ Q35_KVM_TSS_BASE, Q35_KVM_TSS_SIZE, E820_TYPE_RESERVED },
		{ Q35_RAM_ABOVE_4G_BASE, q->ram.above_4g_size, E820_TYPE_RAM },
	};

	return fw_cfg_add_e820(q->fw_cfg, e, q->ram.above_4g_size ? 3 : 2);
}

static int create_fw_cfg(struct machine *m, struct q35 *q)
{
	struct acpi_cfg ac;
	int ret = fw_cfg_create(&m->pio, FW_CFG_IO_BASE, &m->mem, &q->fw_cfg);

	if (ret < 0)
		return ret;
	ret = fw_cfg_add_u16(q->fw_cfg, FW_CFG_NB_CPUS, (uint16_t)m->nr_cpus);
	if (ret == 0)
		ret = fw_cfg_add_u16(q->fw_cfg, FW_CFG_MAX_CPUS,
				     (uint16_t)m->nr_cpus);
	if (ret == 0)
		ret = fw_cfg_e820(q);
	if (ret < 0 || !q->firmware)
		return ret;	/* direct boot: the tables go to RAM instead */
	acpi_config(m, q, &ac);
	ret = acpi_add_fw_cfg(&ac, q->fw_cfg);
	if (ret == 0)
		ret = fw_cfg_kernel(m, q);
	return ret;
}

/* ROM mode of a pflash unit: its image as a read-only memslot. */
static void romd_changed(void *opaque, bool romd)
{
	struct q35_pflash_ctx *c = opaque;
	struct q35 *q = c->q;
	struct pflash *p = q->pflash[c->unit];
	int ret;

	if (romd == q->pflash_slot[c->unit])
		return;
	if (romd)
		ret = kvm_vm_add_memslot(q->m->vm, pflash_gpa(p),
					 pflash_size(p), pflash_hva(p),
					 KVM_MEMSLOT_READONLY);
	else
		ret = kvm_vm_remove_memslot(q->m->vm, pflash_gpa(p));
	if (ret == 0)
		q->pflash_slot[c->unit] = romd;
	else
		log_warn_ratelimited("pflash unit %u: ROM slot %s failed",
				     c->unit, romd ? "map" : "unmap");
}

static int create_pflash(struct machine *m, struct q35 *q,
			 const struct drive_cfg *d[2], const uint64_t *sizes,
			 unsigned int n)
{
	uint64_t gpas[2];
	int ret;

	if (sizes[0] + sizes[1] > PFLASH_MAX_TOTAL) {
		log_err("-drive %s: the pflash units (%llu KiB) do not fit "
			"the %llu MiB window below 4 GiB", d[0]->spec,
			(unsigned long long)((sizes[0] + sizes[1]) >> 10),
			(unsigned long long)(PFLASH_MAX_TOTAL >> 20));
		return -EINVAL;
	}
	ret = pflash_layout(sizes, n, gpas);
	if (ret < 0)
		return ret;
	for (unsigned int u = 0; u < n; u++) {
		struct pflash_args a = {
			.mmio = &m->mmio, .file = d[u]->file,
			.readonly = d[u]->readonly, .gpa = gpas[u],
			.romd_fn = romd_changed, .opaque = &q->pflash_ctx[u],
		};

		q->pflash_ctx[u].q = q;
		q->pflash_ctx[u].unit = u;
		ret = pflash_create(&a, &q->pflash[u]);
		if (ret < 0)
			return ret;
		romd_changed(&q->pflash_ctx[u], true);
		if (!q->pflash_slot[u])
			return -EIO;
	}
	return 0;
}

/* pflash units from -drive if=pflash (validation checked the units). */
static int find_pflash(struct machine *m, struct q35 *q)
{
	const struct drive_cfg *d[2] = { NULL, NULL };
	uint64_t sizes[2] = { 0, 0 };
	unsigned int n;
	int ret;

	for (unsigned int i = 0; i < m->cfg->nr_drives; i++) {
		const struct drive_cfg *drv = &m->cfg->drives[i];

		if (drv->iface == DRIVE_IF_PFLASH && drv->unit >= 0 &&
		    drv->unit < 2)
			d[drv->unit] = drv;
	}
	if (!d[0])
		return 0;
	n = d[1] ? 2 : 1;
	for (unsigned int u = 0; u < n; u++) {
		ret = pflash_file_size(d[u]->file, &sizes[u]);
		if (ret < 0)
			return ret;
	}
	q->firmware = true;
	return create_pflash(m, q, d, sizes, n);
}

int q35_create_firmware(struct machine *m, struct q35 *q)
{
	int ret = find_pflash(m, q);

	if (ret < 0)
		return ret;
	if (!q->firmware && !m->cfg->kernel) {
		log_err("-machine q35: -kernel or -drive if=pflash,unit=0 "
			"(firmware) is required");
		return -EINVAL;
	}
	return create_fw_cfg(m, q);
}

/* The reset vector's real-mode view: the top 128 KiB of unit 0 at 0xE0000. */
static int load_shadow(struct machine *m, struct q35 *q)
{
	struct pflash *p = q->pflash[0];
	uint64_t size = pflash_size(p);
	uint64_t len = size < Q35_BIOS_SHADOW_SIZE ? size : Q35_BIOS_SHADOW_SIZE;
	const uint8_t *img = pflash_hva(p);

	return gmem_write(&m->mem, Q35_BIOS_SHADOW_GPA + Q35_BIOS_SHADOW_SIZE -
			  len, img + size - len, len);
}

static int load_direct(struct machine *m, struct q35 *q)
{
	struct boot_args a = {
		.kernel = m->cfg->kernel,
		.initrd = m->cfg->initrd,
		.cmdline = m->cfg->append ? m->cfg->append : "",
	};
	struct acpi_cfg ac;
	int ret = 0;

	if (!q->boot_src)
		ret = boot_source_open(&a, &q->boot_src);
	if (ret == 0)
		ret = boot_source_load(q->boot_src, &m->mem, &q->ram,
				       &q->boot);
	if (ret == 0)
		ret = arch_write_boot_tables(&m->mem);
	if (ret == 0)
		ret = arch_write_mptable(&m->mem, m->nr_cpus);
	if (ret < 0)
		return ret;
	acpi_config(m, q, &ac);
	ret = acpi_install(&ac, &m->mem, Q35_ACPI_TABLES_GPA,
			   Q35_ACPI_RSDP_GPA);
	if (ret < 0)
		log_err("ACPI tables do not fit at 0x%llx",
			(unsigned long long)Q35_ACPI_TABLES_GPA);
	return ret;
}

int q35_load_boot(struct machine *m, struct q35 *q)
{
	if (!q->firmware)
		return load_direct(m, q);
	memset(&q->boot, 0, sizeof(q->boot));
	q->boot.mode = BOOT_MODE_RESET;
	return load_shadow(m, q);
}

void q35_reset_firmware(struct q35 *q)
{
	for (unsigned int u = 0; u < 2; u++)
		if (q->pflash[u])
			pflash_reset(q->pflash[u]);	/* back to ROM mode */
	if (q->fw_cfg)
		fw_cfg_reset(q->fw_cfg);
}

void q35_destroy_firmware(struct machine *m, struct q35 *q)
{
	for (unsigned int u = 0; u < 2; u++) {
		if (q->pflash_slot[u] &&
		    kvm_vm_remove_memslot(m->vm, pflash_gpa(q->pflash[u])) < 0)
			log_debug("pflash unit %u: slot removal failed", u);
		q->pflash_slot[u] = false;
		pflash_destroy(q->pflash[u]);
		q->pflash[u] = NULL;
	}
	fw_cfg_destroy(q->fw_cfg);
	q->fw_cfg = NULL;
	boot_source_close(q->boot_src);
	q->boot_src = NULL;
}
