// SPDX-License-Identifier: MIT
/*
 * Unit tests for vmm/virtio/pci: IDs and capabilities, common config,
 * feature negotiation, virtio-blk reads over the transport with MSI-X
 * delivery (recorded below the kvm seam) and the INTx fallback.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/virtio_harness.h"
#include "vmm/backends/block.h"
#include "vmm/pci/root.h"
#include "vmm/virtio/blk.h"
#include "vmm/virtio/pci.h"

#define BAR_GPA H_MMIO_BASE	/* inside the 32-bit PCI window */
#define DEVFN PCI_DEVFN(2, 0)
#define DISK_SIZE (64 * 512)
#define REQ_OFF 0x20000

static struct harness h;
static struct bus pio;
static struct pci_root root;
static struct virtio_dev *dev;
static struct virtio_pci *vp;
static char path[64];
static unsigned int msis;
static uint32_t last_msi_data;

static int record_msi(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	msis++;
	last_msi_data = data;
	return 0;
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + 3);
}

static int make_disk(void)
{
	static uint8_t buf[DISK_SIZE];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/tmp/test_virtio_pci.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	for (unsigned int i = 0; i < DISK_SIZE; i++)
		buf[i] = pattern(i);
	n = pwrite(fd, buf, DISK_SIZE, 0);
	close(fd);
	return n == DISK_SIZE ? 0 : -1;
}

static int setup(void **state)
{
	struct block_backend *be;
	struct virtio_blk_args b = { .id = "blk0", .queue_size = 64 };
	struct virtio_pci_args a = { .intx = &h.irq, .signal = record_msi };

	(void)state;
	msis = 0;
	if (h_init(&h) < 0 || make_disk() < 0 ||
	    block_open(path, false, false, &be) < 0)
		return -1;
	b.backend = be;
	if (virtio_blk_create(&b, &dev) < 0)
		return -1;
	dev->mem = &h.mem;
	a.dev = dev;
	bus_init(&pio, "pio");
	if (pci_root_init(&root, 1ULL << 40) < 0 ||
	    pci_root_register(&root, &pio, &h.bus) < 0 ||
	    virtio_pci_create(&a, &vp) < 0 ||
	    pci_root_add(&root, virtio_pci_pci_dev(vp), DEVFN) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pci_root_remove(&root, DEVFN);
	virtio_pci_destroy(vp);
	dev->ops->destroy(dev);
	pci_root_fini(&root);
	bus_fini(&pio);
	h_fini(&h);
	unlink(path);
	return 0;
}

static uint32_t cfg_r(unsigned int reg, unsigned int len)
{
	return pci_root_cfg_read(&root, DEVFN << 12 | reg, len);
}

static void cfg_w(unsigned int reg, uint32_t v, unsigned int len)
{
	pci_root_cfg_write(&root, DEVFN << 12 | reg, v, len);
}

static void bw(uint64_t off, uint64_t v, unsigned int len)
{
	bus_write(&h.bus, BAR_GPA + off, &v, len);
}

static uint64_t br(uint64_t off, unsigned int len)
{
	uint64_t v = 0;

	bus_read(&h.bus, BAR_GPA + off, &v, len);
	return v;
}

/* Find the vendor cap of cfg_type type; returns its offset or 0. */
static unsigned int find_vcap(uint8_t type)
{
	unsigned int off = cfg_r(PCI_CAP_PTR, 1), n;

	for (n = 0; off && n < 48; n++, off = cfg_r(off + 1, 1))
		if (cfg_r(off, 1) == PCI_CAP_ID_VNDR &&
		    cfg_r(off + 3, 1) == type)
			return off;
	return 0;
}

static void map_bar(void)
{
	cfg_w(PCI_BAR0, (uint32_t)BAR_GPA, 4);
	cfg_w(PCI_BAR0 + 4, 0, 4);
	cfg_w(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static void test_ids_and_caps(void **state)
{
	unsigned int c;

	(void)state;
	assert_int_equal(cfg_r(0, 4), 0x10421af4);
	assert_int_equal(cfg_r(PCI_REVISION_ID, 1), 1);
	assert_int_equal(cfg_r(PCI_SUBSYS_VENDOR_ID, 2), 0x1af4);
	cfg_w(PCI_BAR0, 0xffffffff, 4);
	assert_int_equal(cfg_r(PCI_BAR0, 4), 0xffff800c);
	c = find_vcap(1);
	assert_true(c);
	assert_int_equal(cfg_r(c + 4, 1), 0);
	assert_int_equal(cfg_r(c + 8, 4), VIRTIO_PCI_COMMON_OFF);
	assert_int_equal(cfg_r(c + 12, 4), VIRTIO_PCI_COMMON_LEN);
	c = find_vcap(2);
	assert_true(c);
	assert_int_equal(cfg_r(c + 16, 4), VIRTIO_PCI_NOTIFY_MULT);
	assert_true(find_vcap(3) && find_vcap(4));
	assert_int_equal(cfg_r(PCI_INTERRUPT_PIN, 1), 1);
}

static void negotiate(void)
{
	uint64_t f;

	bw(VIRTIO_PCI_STATUS, 0, 1);
	bw(VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 1);
	bw(VIRTIO_PCI_STATUS, 3, 1);
	bw(VIRTIO_PCI_DFSELECT, 1, 4);
	f = br(VIRTIO_PCI_DF, 4) << 32;
	bw(VIRTIO_PCI_DFSELECT, 0, 4);
	f |= br(VIRTIO_PCI_DF, 4);
	assert_true(f & (1ULL << VIRTIO_F_VERSION_1));
	bw(VIRTIO_PCI_GFSELECT, 1, 4);
	bw(VIRTIO_PCI_GF, 1, 4);	/* VERSION_1 only */
	bw(VIRTIO_PCI_GFSELECT, 0, 4);
	bw(VIRTIO_PCI_GF, 0, 4);
	bw(VIRTIO_PCI_STATUS, 3 | VIRTIO_STATUS_FEATURES_OK, 1);
	assert_int_equal(br(VIRTIO_PCI_STATUS, 1),
			 3 | VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(uint16_t vector)
{
	memset(h_ptr(&h, H_DESC), 0, H_USED + 0x1000 - H_DESC);
	bw(VIRTIO_PCI_Q_SELECT, 0, 2);
	assert_int_equal(br(VIRTIO_PCI_Q_SIZE, 2), 64);
	bw(VIRTIO_PCI_Q_SIZE, 16, 2);
	bw(VIRTIO_PCI_Q_DESC, h_gpa(H_DESC), 4);
	bw(VIRTIO_PCI_Q_DESC + 4, 0, 4);
	bw(VIRTIO_PCI_Q_AVAIL, h_gpa(H_AVAIL), 8);
	bw(VIRTIO_PCI_Q_USED, h_gpa(H_USED), 8);
	bw(VIRTIO_PCI_Q_MSIX, vector, 2);
	bw(VIRTIO_PCI_Q_ENABLE, 1, 2);
	assert_int_equal(br(VIRTIO_PCI_Q_ENABLE, 2), 1);
	assert_int_equal(br(VIRTIO_PCI_Q_DESC, 8), h_gpa(H_DESC));
	h.qsize = 16;
	h.avail_idx = 0;
	bw(VIRTIO_PCI_STATUS, 3 | VIRTIO_STATUS_FEATURES_OK |
	   VIRTIO_STATUS_DRIVER_OK, 1);
}

/* One VIRTIO_BLK_T_IN of sector 1; returns the status byte. */
static uint8_t read_sector1(void)
{
	uint8_t *req = h_ptr(&h, REQ_OFF);
	uint32_t type = 0;
	uint64_t sector = 1;

	memcpy(req, &type, 4);
	memset(req + 4, 0, 4);
	memcpy(req + 8, &sector, 8);
	req[0x1000 + 512] = 0xee;
	h_desc(&h, 0, h_gpa(REQ_OFF), 16, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(REQ_OFF + 0x1000), 512,
	       H_DESC_F_NEXT | H_DESC_F_WRITE, 2);
	h_desc(&h, 2, h_gpa(REQ_OFF + 0x1000 + 512), 1, H_DESC_F_WRITE, 0);
	h_publish(&h, 0);
	bw(VIRTIO_PCI_NOTIFY_OFF, 0, 2);
	return req[0x1000 + 512];
}

static void test_blk_msix(void **state)
{
	unsigned int msix_cap;

	(void)state;
	map_bar();
	negotiate();
	bw(VIRTIO_PCI_MSIX_CONFIG, 0, 2);
	assert_int_equal(br(VIRTIO_PCI_MSIX_CONFIG, 2), 0);
	bw(VIRTIO_PCI_MSIX_OFF + 16, 0xfee00000, 4);
	bw(VIRTIO_PCI_MSIX_OFF + 16 + 8, 0x4031, 4);
	bw(VIRTIO_PCI_MSIX_OFF + 16 + 12, 0, 4);
	msix_cap = cfg_r(PCI_CAP_PTR, 1);
	assert_int_equal(cfg_r(msix_cap, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(cfg_r(msix_cap + 2, 2), 1);	/* 2 vectors */
	cfg_w(msix_cap + 2, PCI_MSIX_CTRL_ENABLE, 2);
	setup_queue(1);
	assert_int_equal(read_sector1(), 0);
	assert_int_equal(h_used_idx(&h), 1);
	for (unsigned int i = 0; i < 512; i++)
		assert_int_equal(*(uint8_t *)h_ptr(&h, REQ_OFF + 0x1000 + i),
				 pattern(512 + i));
	assert_int_equal(msis, 1);
	assert_int_equal(last_msi_data, 0x4031);
	assert_int_equal(h.irq_count, 0);
}

static void test_blk_intx(void **state)
{
	(void)state;
	map_bar();
	negotiate();
	setup_queue(VIRTIO_PCI_NO_VECTOR);
	assert_int_equal(read_sector1(), 0);
	assert_int_equal(h_used_idx(&h), 1);
	assert_int_equal(msis, 0);
	assert_int_equal(h.irq_count, 1);
	assert_int_equal(br(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_QUEUE);
	assert_int_equal(br(VIRTIO_PCI_ISR_OFF, 1), 0);
	/* Device reset through config space (FLR-like) resets the status. */
	pci_root_reset(&root);
	map_bar();
	assert_int_equal(br(VIRTIO_PCI_STATUS, 1), 0);
}

static void test_bad_driver(void **state)
{
	(void)state;
	map_bar();
	/* Queue registers before FEATURES_OK, notify before DRIVER_OK. */
	bw(VIRTIO_PCI_Q_SIZE, 8, 2);
	assert_int_equal(br(VIRTIO_PCI_Q_SIZE, 2), 64);
	bw(VIRTIO_PCI_NOTIFY_OFF, 0, 2);
	/* Vector beyond the table reads back as NO_VECTOR. */
	bw(VIRTIO_PCI_MSIX_CONFIG, 9, 2);
	assert_int_equal(br(VIRTIO_PCI_MSIX_CONFIG, 2), VIRTIO_PCI_NO_VECTOR);
	/* Unknown features refuse FEATURES_OK. */
	bw(VIRTIO_PCI_STATUS, 3, 1);
	bw(VIRTIO_PCI_GFSELECT, 1, 4);
	bw(VIRTIO_PCI_GF, 0x80000001, 4);
	bw(VIRTIO_PCI_STATUS, 3 | VIRTIO_STATUS_FEATURES_OK, 1);
	assert_int_equal(br(VIRTIO_PCI_STATUS, 1), 3);
	/* A queue in ROM breaks the device; the VMM runs on. */
	negotiate();
	bw(VIRTIO_PCI_Q_DESC, H_ROM_GPA, 8);
	bw(VIRTIO_PCI_Q_ENABLE, 1, 2);
	assert_true(br(VIRTIO_PCI_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(br(VIRTIO_PCI_NUM_QUEUES, 2), 1);
	/* Decode off: the BAR is gone. */
	cfg_w(PCI_COMMAND, 0, 2);
	assert_int_equal(br(VIRTIO_PCI_NUM_QUEUES, 2), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ids_and_caps, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_blk_msix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blk_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_driver, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
