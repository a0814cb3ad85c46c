// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the VMM command line: vmm_config_parse() +
 * vmm_config_validate() + vmm_config_free().
 *
 * Input format (corpus/cmdline/): one argv, the words separated by '\n' or
 * NUL (either; a trailing separator is ignored, so an ordinary text file
 * with one word per line works). argv[0] "stratovirt" is prepended. At most
 * FUZZ_MAX_ARGS words are used.
 *
 * Besides crashes and leaks (ASan/LSan), it aborts when the error contract
 * is broken: a failure must return -EINVAL with exactly one non-empty line
 * in err, a success must leave err empty.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"

#define FUZZ_MAX_ARGS 256
#define FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int ret, const char *err)
{
	if (ret == 0 && err[0])
		abort();
	if (ret != 0 && (ret != -EINVAL || !err[0] || strchr(err, '\n')))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 1];
	struct vmm_config cfg;
	char err[256];
	int argc = 0;
	char *buf;
	size_t start = 0;
	int ret;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char[]){ "stratovirt" };
	for (size_t i = 0; i <= size && argc <= FUZZ_MAX_ARGS; i++) {
		if (i < size && buf[i] != '\n' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (i < size || i > start)
			argv[argc++] = &buf[start];
		start = i + 1;
	}
	ret = vmm_config_parse(argc, argv, &cfg, err, sizeof(err));
	check_err(ret, err);
	if (ret == 0) {
		ret = vmm_config_validate(&cfg, err, sizeof(err));
		check_err(ret, err);
	}
	vmm_config_free(&cfg);
	free(buf);
	return 0;
}
