// SPDX-License-Identifier: MIT
/* The kernel command line in guest memory. */
#define LOG_MODULE "boot"
#include "vmm/boot/boot_internal.h"

#include <string.h>

#include "sv/log.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/mem/mem.h"

int boot_cmdline_write(const struct gmem *m, const char *cmdline, uint32_t max,
		       const char *kernel_name)
{
	size_t len = strnlen(cmdline, (size_t)max + 1);
	char *dst;

	if (len > max) {
		log_err("kernel %s: command line of %zu bytes is longer than "
			"the %u bytes the kernel accepts",
			kernel_name, strlen(cmdline), max);
		return -EINVAL;
	}
	dst = gmem_ptr_rw(m, X86_CMDLINE_GPA, len + 1);
	if (!dst) {
		log_err("kernel %s: no guest RAM for the command line at 0x%llx",
			kernel_name, (unsigned long long)X86_CMDLINE_GPA);
		return -EINVAL;
	}
	memcpy(dst, cmdline, len);
	dst[len] = '\0';
	return 0;
}
