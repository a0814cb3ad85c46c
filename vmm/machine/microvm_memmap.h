/* SPDX-License-Identifier: MIT */
/*
 * Every base, size and IRQ of the x86 microvm machine, as StratoVirt lays it
 * out (reference/stratovirt.md section 3.1).
 */
#ifndef SV_VMM_MACHINE_MICROVM_MEMMAP_H
#define SV_VMM_MACHINE_MICROVM_MEMMAP_H

/* Guest RAM: [0, min(size, 3 GiB)) then the rest from 4 GiB. */
#define MICROVM_RAM_BELOW_4G_MAX 0xC0000000ull
#define MICROVM_RAM_ABOVE_4G_BASE 0x100000000ull

/* KVM identity map page + 3-page TSS (reserved, never RAM). */
#define MICROVM_KVM_TSS_BASE 0xFEF0C000ull

/* virtio-mmio windows, handed out in slot order. */
#define MICROVM_VIRTIO_MMIO_BASE 0xF0100000ull
#define MICROVM_VIRTIO_MMIO_SIZE 0x200ull
#define MICROVM_VIRTIO_SLOTS 11		/* IRQs 5..15 */
#define MICROVM_VIRTIO_BLK_SLOT0 0	/* slots 0..3: virtio-blk */
#define MICROVM_VIRTIO_BLK_SLOTS 4
#define MICROVM_VIRTIO_NET_SLOT0 4	/* slots 4..5: virtio-net */
#define MICROVM_VIRTIO_NET_SLOTS 2
#define MICROVM_VIRTIO_OTHER_SLOT0 6	/* the rest from 0xF0100C00 */
#define MICROVM_VIRTIO_IRQ_BASE 5

#define MICROVM_IOAPIC_BASE 0xFEC00000ull
#define MICROVM_LAPIC_BASE 0xFEE00000ull

/* Legacy I/O. */
#define MICROVM_SERIAL_PORT 0x3F8
#define MICROVM_SERIAL_IRQ 4

#endif /* SV_VMM_MACHINE_MICROVM_MEMMAP_H */
