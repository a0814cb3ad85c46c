// SPDX-License-Identifier: MIT
#include "vmm/sandbox/sandbox.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOG_MODULE "sandbox"
#include "sv/log.h"

/* BPF_MAXINSNS: the kernel refuses longer programs anyway. */
#define SANDBOX_MAX_INSNS 4096

int sandbox_apply_seccomp_fd(int fd)
{
	struct sock_fprog prog;
	struct sock_filter *insns;
	struct stat st;
	ssize_t n;
	int ret;

	if (fstat(fd, &st) < 0) {
		log_err("-seccomp-fd %d: %s", fd, strerror(errno));
		return -errno;
	}
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size > (off_t)(SANDBOX_MAX_INSNS * sizeof(struct sock_filter))) {
		log_err("-seccomp-fd %d: %lld bytes is not a BPF program", fd,
			(long long)st.st_size);
		return -EINVAL;
	}
	insns = xmalloc((size_t)st.st_size);
	n = pread(fd, insns, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		log_err("-seccomp-fd %d: short read", fd);
		free(insns);
		return -EIO;
	}
	close(fd);
	prog.len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	prog.filter = insns;
	ret = 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
		ret = -errno;
		log_err("install seccomp filter: %s", strerror(errno));
	}
	free(insns);
	return ret;
}
