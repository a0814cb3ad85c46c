/* SPDX-License-Identifier: GPL-2.0 */
/* svtest: virtio-mmio (modern) and virtio-blk definitions. */
#ifndef SVTEST_VIRTIO_H
#define SVTEST_VIRTIO_H

#include "svtest.h"

#define VMMIO_MAGIC		0x000
#define VMMIO_VERSION		0x004
#define VMMIO_DEVICE_ID		0x008
#define VMMIO_VENDOR_ID		0x00c
#define VMMIO_DEV_FEATURES	0x010
#define VMMIO_DEV_FEATURES_SEL	0x014
#define VMMIO_DRV_FEATURES	0x020
#define VMMIO_DRV_FEATURES_SEL	0x024
#define VMMIO_QUEUE_SEL		0x030
#define VMMIO_QUEUE_NUM_MAX	0x034
#define VMMIO_QUEUE_NUM		0x038
#define VMMIO_QUEUE_READY	0x044
#define VMMIO_QUEUE_NOTIFY	0x050
#define VMMIO_INT_STATUS	0x060
#define VMMIO_INT_ACK		0x064
#define VMMIO_STATUS		0x070
#define VMMIO_QUEUE_DESC_LO	0x080
#define VMMIO_QUEUE_DESC_HI	0x084
#define VMMIO_QUEUE_DRIVER_LO	0x090
#define VMMIO_QUEUE_DRIVER_HI	0x094
#define VMMIO_QUEUE_DEVICE_LO	0x0a0
#define VMMIO_QUEUE_DEVICE_HI	0x0a4
#define VMMIO_CONFIG_GEN	0x0fc
#define VMMIO_CONFIG		0x100

#define VMMIO_MAGIC_VALUE	0x74726976	/* "virt" */

#define VST_ACK			0x01
#define VST_DRIVER		0x02
#define VST_DRIVER_OK		0x04
#define VST_FEATURES_OK		0x08
#define VST_NEEDS_RESET		0x40
#define VST_FAILED		0x80

#define VIRTIO_ID_BLK		2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_FLUSH	9
#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_VERSION_1	32

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4

struct vdesc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct vavail {
	u16 flags;
	u16 idx;
	u16 ring[];
};

struct vused_elem {
	u32 id;
	u32 len;
};

struct vused {
	u16 flags;
	u16 idx;
	struct vused_elem ring[];
};

struct vmmio_dev {
	u64 base;
	u64 size;
	u32 irq;
	u32 devid;
};

struct vq {
	u64 base;	/* device registers */
	u16 num;
	u16 avail_idx;
	u16 used_seen;
	struct vdesc *desc;
	struct vavail *avail;
	struct vused *used;
	u64 features;
};

struct blk_req {
	u32 type;
	u32 reserved;
	u64 sector;
};

int vmmio_cmdline_devices(struct vmmio_dev *out, int max);
const char *vblk_setup(struct vq *q, u64 base, u16 want_num);
int vblk_rw(struct vq *q, u32 type, u64 sector, void *buf, u32 len,
	    u8 *status);

#endif
