// SPDX-License-Identifier: MIT
/* RAM layout and the e820 map derived from it. */
#include "vmm/arch/x86/layout.h"

#include "sv/compiler.h"
#include "vmm/arch/arch.h"

void arch_ram_layout(uint64_t mem_size, uint64_t below_4g_max,
		     struct arch_ram_layout *out)
{
	if (below_4g_max > ARCH_RAM_ABOVE_4G_GPA)
		below_4g_max = ARCH_RAM_ABOVE_4G_GPA;
	out->below_4g_size = SV_MIN(mem_size, below_4g_max);
	out->above_4g_size = mem_size - out->below_4g_size;
}

static unsigned int add(struct e820_entry *e, unsigned int n, unsigned int max,
			uint64_t addr, uint64_t end, uint32_t type)
{
	if (n >= max || end <= addr)
		return n;
	e[n].addr = addr;
	e[n].size = end - addr;
	e[n].type = type;
	return n + 1;
}

unsigned int x86_e820_build(const struct arch_ram_layout *ram,
			    struct e820_entry *e, unsigned int max)
{
	uint64_t low = ram->below_4g_size;
	unsigned int n = 0;

	n = add(e, n, max, 0, SV_MIN(low, X86_EBDA_GPA), E820_RAM);
	n = add(e, n, max, X86_EBDA_GPA, X86_LOWMEM_END, E820_RESERVED);
	n = add(e, n, max, X86_BIOS_GPA, X86_HIMEM_GPA, E820_RESERVED);
	n = add(e, n, max, X86_HIMEM_GPA, low, E820_RAM);
	n = add(e, n, max, ARCH_RAM_ABOVE_4G_GPA,
		ARCH_RAM_ABOVE_4G_GPA + ram->above_4g_size, E820_RAM);
	return n;
}
