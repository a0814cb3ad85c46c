/* SPDX-License-Identifier: MIT */
/* State of the q35 machine, shared by q35.c, q35_pci.c and q35_boot.c. */
#ifndef SV_VMM_MACHINE_Q35_INTERNAL_H
#define SV_VMM_MACHINE_Q35_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "sv/compiler.h"
#include "vmm/arch/arch.h"
#include "vmm/boot/boot.h"
#include "vmm/irq/irq.h"
#include "vmm/machine/console_ports.h"
#include "vmm/machine/hotplug_common.h"
#include "vmm/machine/platform.h"
#include "vmm/machine/q35_memmap.h"
#include "vmm/pci/root.h"

struct acpi_pm;
struct block_backend;
struct chardev;
struct debug_exit;
struct device_cfg;
struct fw_cfg;
struct hotplug_blockdev;
struct hotplug_device;
struct i8042;
struct machine;
struct pci_dev;
struct pci_root_port;
struct pflash;
struct rtc;
struct serial8250;
struct virtio_dev;
struct virtio_pci;

#define Q35_MAX_PCI_DEVS 32
#define Q35_SLOT(devfn) ((unsigned int)(devfn) >> 3)
#define Q35_MAX_PORTS 16
#define Q35_MAX_BLOCKDEVS 16

enum q35_dev_kind {
	Q35_DEV_VIRTIO,
	Q35_DEV_ROOT_PORT,
};

/* One PCI function on pcie.0 or behind a root port. */
struct q35_pci_dev {
	bool used;
	enum q35_dev_kind kind;
	char *id;
	int port;			/* root port index, -1 = pcie.0 */
	uint8_t devfn;
	struct virtio_dev *vdev;
	struct virtio_pci *vpci;
	struct pci_root_port *rp;
	struct irq_line intx;
	bool intx_level;		/* under q35.intx_lock */
	struct q35 *q;			/* for the unplug callback */
	bool unplugged;			/* atomic: the guest let it go */
};

/* A level PCI INTx line shared by several functions (wired OR). */
struct q35_intx_pin {
	struct q35 *q;
	unsigned int gsi;
	bool level;
};

struct q35_pflash_ctx {
	struct q35 *q;
	unsigned int unit;
};


struct q35 {
	struct machine *m;
	struct arch_ram_layout ram;
	struct pci_root root;
	bool root_ready;
	pthread_mutex_t intx_lock;
	unsigned int intx_count[Q35_PCI_NR_GSI];
	struct q35_pci_dev devs[Q35_MAX_PCI_DEVS];
	struct machine_blockdev blockdevs[Q35_MAX_BLOCKDEVS];
	struct machine_serial serial;
	struct irq_line sci;
	struct i8042 *i8042;
	struct rtc *rtc;
	struct acpi_pm *pm;
	struct debug_exit *debug_exit;
	struct fw_cfg *fw_cfg;
	struct pflash *pflash[2];
	bool pflash_slot[2];		/* ROM memslot mapped */
	struct q35_pflash_ctx pflash_ctx[2];
	struct machine_console console;
	bool firmware;		/* pflash unit 0: boot from the reset vector */
	struct boot_info boot;
	struct boot_source *boot_src;	/* direct boot: reloaded on reset */
	int unplug_efd;			/* root port unplugs -> event loop */
};

/* q35_pci.c */
int q35_create_pci(struct machine *m, struct q35 *q) SV_MUST_CHECK;
void q35_destroy_pci(struct machine *m, struct q35 *q);
void q35_flush_pci(struct q35 *q);
struct q35_pci_dev *q35_find_dev(struct q35 *q, const char *id);
int q35_msi_signal(void *opaque, uint64_t addr, uint32_t data);
/* device_add: a virtio-blk-pci on the backend b into root port index. */
int q35_hotplug_blk(struct machine *m, struct q35 *q,
		    const struct hotplug_device *hd, int port,
		    struct machine_blockdev *b) SV_MUST_CHECK;
void q35_free_dev(struct q35 *q, struct q35_pci_dev *d);

/* q35_ports.c: pcie-root-port and hot-plug */
int q35_find_port(struct q35 *q, const char *id);	/* index or -1 */
int q35_create_port(struct machine *m, struct q35 *q,
		    const struct device_cfg *c,
		    struct q35_pci_dev *d) SV_MUST_CHECK;
int q35_port_plug(struct q35 *q, struct q35_pci_dev *d, struct pci_dev *pci,
		  bool hotplug) SV_MUST_CHECK;
void q35_destroy_ports(struct q35 *q);
int q35_blockdev_add(struct machine *m, const struct hotplug_blockdev *b,
		     char *err, size_t errlen);
int q35_blockdev_del(struct machine *m, const char *node_name, char *err,
		     size_t errlen);
int q35_device_add(struct machine *m, const struct hotplug_device *d,
		   char *err, size_t errlen);
int q35_device_del(struct machine *m, const char *id, char *err,
		   size_t errlen);

/* q35_boot.c */
int q35_create_firmware(struct machine *m, struct q35 *q) SV_MUST_CHECK;
int q35_load_boot(struct machine *m, struct q35 *q) SV_MUST_CHECK;
void q35_destroy_firmware(struct machine *m, struct q35 *q);
void q35_reset_firmware(struct q35 *q);

#endif /* SV_VMM_MACHINE_Q35_INTERNAL_H */
