# Guest kit: the Linux guest kernel (kernel_config/ fragments on tinyconfig
# of Debian's linux-source-6.1), a busybox ext4 rootfs and a placeholder
# initramfs. The scripts cache everything outside the checkout
# (${SV_CACHE:-/var/cache/stratovirt-shim}, keyed by content) and leave the
# results (or symlinks to them) in $(O)/guest/.
#   make guest-kernel     $(O)/guest/{bzImage,vmlinux,vmlinux.bin,kernel.env}
#   make guest-rootfs     $(O)/guest/rootfs.ext4
#   make guest-initramfs  $(O)/guest/initramfs.cpio.gz
#   make guest-disk       $(O)/guest/disk.img (raw GPT: ESP + root, for OVMF)

.PHONY: guest-kernel guest-rootfs guest-initramfs guest-images
guest-kernel:
	@sh contrib/guest/build-kernel.sh --link $(O)/guest

guest-rootfs:
	@sh contrib/guest/build-rootfs.sh $(O)/guest/rootfs.ext4

guest-initramfs:
	@sh contrib/guest/build-initramfs.sh $(O)/guest/initramfs.cpio.gz

guest-images: guest-kernel guest-rootfs guest-initramfs

# make guest-disk: $(O)/guest/disk.img, a raw GPT disk (ESP with the kernel
# as \EFI\BOOT\BOOTX64.EFI, built-in root=PARTUUID=..., ext4 root) that
# OVMF boots without -kernel. Cached; the first run builds its own kernel.
.PHONY: guest-disk
guest-disk:
	@sh contrib/guest/build-disk.sh $(O)/guest/disk.img
