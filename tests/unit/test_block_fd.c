// SPDX-License-Identifier: MIT
/*
 * block_open("/dev/fd/N"): the jail opens a disk and passes the fd; the
 * VMM takes it over if its access mode allows what the drive asks.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/backends/block.h"

static int tmp_image(int flags)
{
	char path[] = "/tmp/sv-blkfd.XXXXXX";
	int fd = mkstemp(path), ro;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	ro = open(path, flags);
	assert_true(ro >= 0);
	unlink(path);
	close(fd);
	return ro;
}

static void test_taken_over(void **state)
{
	struct block_backend *b;
	char name[32];
	int fd = tmp_image(O_RDWR);

	(void)state;
	snprintf(name, sizeof(name), "/dev/fd/%d", fd);
	assert_int_equal(block_open(name, false, false, &b), 0);
	assert_int_equal(block_size(b), 4096);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	block_close(b);
	assert_int_equal(fcntl(fd, F_GETFD), -1); /* it was ours to close */
}

static void test_refused(void **state)
{
	struct block_backend *b;
	char name[32];
	int fd = tmp_image(O_RDONLY);

	(void)state;
	snprintf(name, sizeof(name), "/dev/fd/%d", fd);
	assert_int_equal(block_open(name, false, false, &b), -EACCES);
	assert_int_equal(block_open(name, true, false, &b), 0);
	block_close(b);
	assert_int_equal(block_open(name, true, false, &b), -EBADF);
	assert_int_equal(block_open("/dev/fd/1x", true, false, &b), -EINVAL);
	assert_int_equal(block_open("/dev/fd/2", true, false, &b), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taken_over),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
