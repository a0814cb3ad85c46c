/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio version 2 (modern) transport, as Linux's virtio_mmio driver
 * and StratoVirt use it: one 0x200-byte window per device, registers are
 * 32-bit, the device config space starts at 0x100.
 */
#ifndef SV_VMM_VIRTIO_MMIO_H
#define SV_VMM_VIRTIO_MMIO_H

#include <stdint.h>

#include "sv/compiler.h"

struct bus;
struct eventloop;
struct irq_line;
struct kvm_vm;
struct virtio_dev;
struct virtio_mmio;

#define VIRTIO_MMIO_SIZE 0x200
#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_MMIO_VERSION 2
#define VIRTIO_MMIO_VENDOR 0 /* StratoVirt's vendor id */

/* Register offsets (VIRTIO 1.x section 4.2.2). */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000
#define VIRTIO_MMIO_VERSION_REG 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_SHM_SEL 0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW 0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW 0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH 0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100

struct virtio_mmio_args {
	struct bus *bus; /* the MMIO bus; window registered here */
	uint64_t base;
	struct irq_line *irq; /* borrowed, outlives the transport */
	struct virtio_dev *dev; /* borrowed; dev->mem must be set */
	struct kvm_vm *vm; /* NULL: no ioeventfds (tests) */
	struct eventloop *loop; /* NULL: no ioeventfds (tests) */
};

/*
 * Register the window [base, base + VIRTIO_MMIO_SIZE) on a->bus and bind
 * the device to it. With vm and loop, queue notifies arrive through one
 * ioeventfd per queue (registered at DRIVER_OK) handled on the event loop;
 * otherwise, or if that fails, QueueNotify writes call the device directly.
 * The loop must not be running yet (its handler table is not thread-safe).
 */
int virtio_mmio_create(const struct virtio_mmio_args *a,
		       struct virtio_mmio **out) SV_MUST_CHECK;
/* Unregister and free; does not destroy the device. NULL-safe. */
void virtio_mmio_destroy(struct virtio_mmio *t);
/* Current Status register (for tests and info queries). */
uint32_t virtio_mmio_status(struct virtio_mmio *t);

#endif /* SV_VMM_VIRTIO_MMIO_H */
