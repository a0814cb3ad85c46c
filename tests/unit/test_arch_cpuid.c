// SPDX-License-Identifier: MIT
/* The CPUID transform: topology, hypervisor leaves, brand string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/arch/x86/x86.h"

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

static const struct kvm_cpuid_entry2 host[] = {
	{ .function = 0, .eax = 0x1f, .ebx = 0x756e6547 },
	{ .function = 1,
	  .eax = 0x906ea,
	  .ebx = 0x00010800,
	  .ecx = 0x7ffafbff,
	  .edx = 0xbfebfbff },
	{ .function = 4, .index = 0, .flags = SIG, .eax = 0x1c004121 },
	{ .function = 4, .index = 1, .flags = SIG, .eax = 0x1c004122 },
	{ .function = 4, .index = 2, .flags = SIG, .eax = 0x1c004143 },
	{ .function = 4, .index = 3, .flags = SIG, .eax = 0x1c03c163 },
	{ .function = 4, .index = 4, .flags = SIG, .eax = 0 },
	{ .function = 0xb,
	  .index = 0,
	  .flags = SIG,
	  .eax = 1,
	  .ebx = 2,
	  .ecx = 0x100 },
	{ .function = 0xb,
	  .index = 1,
	  .flags = SIG,
	  .eax = 4,
	  .ebx = 8,
	  .ecx = 0x201 },
	{ .function = 0x40000000,
	  .eax = 0x40000001,
	  .ebx = 0x4b4d564b,
	  .ecx = 0x564b4d56,
	  .edx = 0x4d },
	{ .function = 0x40000001, .eax = 0x01007afb },
	{ .function = 0x80000000, .eax = 0x80000008 },
	{ .function = 0x80000002, .eax = 0x65746e49 },
};

static struct kvm_cpuid2 *supported(bool with_kvm_leaves)
{
	struct kvm_cpuid2 *c;
	uint32_t n = 0;

	c = calloc(1, sizeof(*c) + sizeof(host));
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
		if (!with_kvm_leaves && (host[i].function >> 28) == 4)
			continue;
		c->entries[n++] = host[i];
	}
	c->nent = n;
	return c;
}

static struct kvm_cpuid2 *build(unsigned int id, unsigned int nr, bool kvm)
{
	struct x86_cpuid_cfg cfg = { .vcpu_id = id,
				     .nr_cpus = nr,
				     .tsc_deadline = true,
				     .have_brand = true };
	struct kvm_cpuid2 *sup = supported(kvm), *out = NULL;

	memcpy(cfg.brand,
	       "Test CPU brand string @ 1.00GHz\0\0\0\0\0\0\0\0\0\0"
	       "\0\0\0\0\0\0\0\0",
	       48);
	assert_int_equal(x86_cpuid_build(sup, &cfg, &out), 0);
	free(sup);
	return out;
}

static struct kvm_cpuid_entry2 *get(struct kvm_cpuid2 *c, uint32_t fn,
				    uint32_t idx)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, fn, idx);

	assert_non_null(e);
	return e;
}

static void test_leaf1(void **state)
{
	struct kvm_cpuid2 *c = build(3, 4, true);
	struct kvm_cpuid_entry2 *e = get(c, 1, 0);

	(void)state;
	assert_int_equal(e->ebx >> 24, 3);
	assert_int_equal((e->ebx >> 16) & 0xff, 4);
	assert_int_equal(e->ebx & 0xffff, 0x0800); /* CLFLUSH size kept */
	assert_true(e->ecx & (1u << 31)); /* hypervisor */
	assert_true(e->ecx & (1u << 24)); /* TSC deadline */
	assert_true(e->edx & (1u << 28)); /* HTT */
	assert_int_equal(e->eax, 0x906ea);
	free(c);
	c = build(0, 1, true);
	e = get(c, 1, 0);
	assert_int_equal(e->ebx >> 16, 0x0001);
	assert_false(e->edx & (1u << 28));
	free(c);
}

static void test_leaf4(void **state)
{
	struct kvm_cpuid2 *c = build(1, 4, true);

	(void)state;
	assert_int_equal(get(c, 4, 0)->eax >> 26, 3);
	assert_int_equal((get(c, 4, 0)->eax >> 14) & 0xfff, 0); /* L1d */
	assert_int_equal((get(c, 4, 2)->eax >> 14) & 0xfff, 0); /* L2 */
	assert_int_equal((get(c, 4, 3)->eax >> 14) & 0xfff, 3); /* L3 */
	assert_int_equal(get(c, 4, 3)->eax & 0x3fff, 0x0163);
	assert_int_equal(get(c, 4, 4)->eax, 0); /* end */
	free(c);
	c = build(0, 254, true);
	assert_int_equal(get(c, 4, 1)->eax >> 26, 63);
	assert_int_equal((get(c, 4, 3)->eax >> 14) & 0xfff, 253);
	free(c);
}

static void test_topology(void **state)
{
	struct kvm_cpuid2 *c = build(5, 6, true);
	struct kvm_cpuid_entry2 *e;

	(void)state;
	e = get(c, 0xb, 0);
	assert_int_equal(e->eax, 0);
	assert_int_equal(e->ebx, 1);
	assert_int_equal(e->ecx, 0x100);
	assert_int_equal(e->edx, 5);
	e = get(c, 0xb, 1);
	assert_int_equal(e->eax, 3); /* 6 cores -> 3 bits */
	assert_int_equal(e->ebx, 6);
	assert_int_equal(e->ecx, 0x201);
	assert_int_equal(e->edx, 5);
	e = get(c, 0xb, 2);
	assert_int_equal(e->ecx, 2); /* invalid level */
	assert_int_equal(e->ebx, 0);
	assert_null(x86_cpuid_find(c, 0x1f, 0)); /* host has none */
	free(c);
	c = build(0, 1, true);
	assert_int_equal(get(c, 0xb, 1)->eax, 0);
	assert_int_equal(get(c, 0xb, 1)->ebx, 1);
	free(c);
	c = build(253, 254, true);
	assert_int_equal(get(c, 0xb, 1)->eax, 8);
	assert_int_equal(get(c, 0xb, 0)->edx, 253);
	assert_int_equal(get(c, 1, 0)->ebx >> 24, 253);
	free(c);
}

static void test_kvm_leaves(void **state)
{
	struct kvm_cpuid2 *c = build(0, 2, true);
	struct kvm_cpuid_entry2 *e = get(c, 0x40000000, 0);

	(void)state;
	assert_int_equal(e->eax, 0x40000001);
	assert_memory_equal(&e->ebx, "KVMK", 4);
	assert_memory_equal(&e->ecx, "VMKV", 4);
	assert_memory_equal(&e->edx, "M\0\0\0", 4);
	assert_int_equal(get(c, 0x40000001, 0)->eax, 0x01007afb);
	free(c);
	/* A backend that reports no KVM leaves still gets the signature. */
	c = build(0, 2, false);
	assert_memory_equal(&get(c, 0x40000000, 0)->ebx, "KVMK", 4);
	assert_int_equal(get(c, 0x40000001, 0)->eax, 0);
	free(c);
}

static void test_brand(void **state)
{
	struct kvm_cpuid2 *c = build(0, 1, true);
	char brand[49] = { 0 };

	(void)state;
	for (uint32_t i = 0; i < 3; i++) {
		struct kvm_cpuid_entry2 *e = get(c, 0x80000002 + i, 0);

		memcpy(brand + 16 * i, &e->eax, 4);
		memcpy(brand + 16 * i + 4, &e->ebx, 4);
		memcpy(brand + 16 * i + 8, &e->ecx, 4);
		memcpy(brand + 16 * i + 12, &e->edx, 4);
	}
	assert_string_equal(brand, "Test CPU brand string @ 1.00GHz");
	free(c);
}

static void test_host_brand_and_errors(void **state)
{
	struct x86_cpuid_cfg cfg = { .vcpu_id = 2, .nr_cpus = 2 };
	struct kvm_cpuid2 *sup = supported(true), *out = NULL;

	(void)state;
	x86_cpuid_host_brand(&cfg);
	if (cfg.have_brand)
		assert_int_not_equal(cfg.brand[0], 0);
	assert_int_equal(x86_cpuid_build(sup, &cfg, &out), -EINVAL);
	cfg.vcpu_id = 0;
	cfg.nr_cpus = 255;
	assert_int_equal(x86_cpuid_build(sup, &cfg, &out), -EINVAL);
	cfg.nr_cpus = 0;
	assert_int_equal(x86_cpuid_build(sup, &cfg, &out), -EINVAL);
	assert_null(out);
	free(sup);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_leaf4),
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_kvm_leaves),
		cmocka_unit_test(test_brand),
		cmocka_unit_test(test_host_brand_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
