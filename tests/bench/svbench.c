// SPDX-License-Identifier: MIT
/*
 * svbench: times one VMM run the way a user sees it. Forks, execs the
 * command after "--" with its stdout (the guest's serial console) on a pipe,
 * and reads the pipe with CLOCK_MONOTONIC timestamps:
 *   first_byte_ms  exec to the first serial byte
 *   marker_ms      exec to the line containing --marker (default TEST: PASS)
 *   exit_ms        exec to the process's exit
 *   maxrss_kib     peak RSS of the process (wait4 rusage)
 * With --idle-rss MS it instead lets the VM run MS milliseconds, then
 * reads /proc/PID/smaps: RSS of mappings at least --guest-mib large (guest
 * RAM) and of everything else (the VMM's own), then SIGTERMs it.
 * --console FILE keeps a copy of the console; --exit-only sends the
 * command's stdout to /dev/null and times only exec to exit (for CLI
 * calls such as the shim's create, whose monitor keeps stdout open).
 * Prints one JSON object on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char *marker;
	const char *start_marker;	/* optional: time of this line too */
	const char *console;		/* optional: copy of the console */
	bool exit_only;
	long idle_ms;
	unsigned long guest_mib;
	long timeout_ms;
	char **argv;
};

struct result {
	double start_ms;
	double first_byte_ms;
	double marker_ms;
	double exit_ms;
	long maxrss_kib;
	long guest_rss_kib;
	long own_rss_kib;
	int status;
	bool timed_out;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	o->marker = "TEST: PASS";
	o->timeout_ms = 60000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exit-only")) {
			o->exit_only = true;
			continue;
		}
		if (!strcmp(argv[i], "--")) {
			o->argv = &argv[i + 1];
			return argv[i + 1] ? 0 : -1;
		}
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(argv[i], "--marker"))
			o->marker = argv[++i];
		else if (!strcmp(argv[i], "--console"))
			o->console = argv[++i];
		else if (!strcmp(argv[i], "--start-marker"))
			o->start_marker = argv[++i];
		else if (!strcmp(argv[i], "--idle-rss"))
			o->idle_ms = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--guest-mib"))
			o->guest_mib = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--timeout-ms"))
			o->timeout_ms = strtol(argv[++i], NULL, 10);
		else
			return -1;
	}
	return -1;
}

/* Sum Rss of guest-RAM-sized mappings and of the rest. */
static void read_smaps(pid_t pid, unsigned long guest_mib, struct result *r)
{
	char path[64], line[512];
	unsigned long long lo, hi, size_kib = 0;
	long rss;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2 && strchr(line, ' ')) {
			size_kib = (hi - lo) / 1024;
			continue;
		}
		if (sscanf(line, "Rss: %ld kB", &rss) == 1) {
			if (guest_mib && size_kib >= guest_mib * 1024ull)
				r->guest_rss_kib += rss;
			else
				r->own_rss_kib += rss;
		}
	}
	fclose(f);
}

#define ACC_CAP 4096
#define ACC_KEEP 256

/* Accumulate console output (bounded: a tail is kept for matching). */
static void accumulate(char *acc, size_t *acc_len, const char *buf, size_t n)
{
	if (n > ACC_CAP - ACC_KEEP - 1)
		n = ACC_CAP - ACC_KEEP - 1;
	if (*acc_len + n >= ACC_CAP) {
		size_t keep = *acc_len < ACC_KEEP ? *acc_len : ACC_KEEP;

		memmove(acc, acc + *acc_len - keep, keep);
		*acc_len = keep;
	}
	memcpy(acc + *acc_len, buf, n);
	*acc_len += n;
	acc[*acc_len] = 0;
}

static pid_t spawn(char **argv, bool exit_only, int *rd, double *t0)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	if (exit_only) {
		close(p[1]);
		p[1] = open("/dev/null", O_WRONLY);
		if (p[1] < 0)
			return -1;
	}
	*t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	*rd = p[0];
	if (exit_only) {
		close(p[0]);
		*rd = -1;
	}
	return pid;
}

/* Read the console until EOF, the marker (idle mode) or the timeout. */
static void watch(const struct opts *o, int rd, double t0, pid_t pid,
		  struct result *r)
{
	char acc[ACC_CAP], buf[1024];
	size_t acc_len = 0;
	bool idle_done = false;
	FILE *copy = o->console ? fopen(o->console, "w") : NULL;

	r->first_byte_ms = r->marker_ms = r->start_ms = -1;
	for (;;) {
		struct pollfd pfd = { .fd = rd, .events = POLLIN };
		double el = now_ms() - t0;
		ssize_t n;

		if (el > (double)o->timeout_ms) {
			r->timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (o->idle_ms && !idle_done && el >= (double)o->idle_ms) {
			read_smaps(pid, o->guest_mib, r);
			idle_done = true;
			kill(pid, SIGTERM);
		}
		if (poll(&pfd, 1, 5) <= 0)
			continue;
		n = read(rd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (r->first_byte_ms < 0)
			r->first_byte_ms = now_ms() - t0;
		if (copy)
			fwrite(buf, 1, (size_t)n, copy);
		accumulate(acc, &acc_len, buf, (size_t)n);
		if (o->start_marker && r->start_ms < 0 &&
		    strstr(acc, o->start_marker))
			r->start_ms = now_ms() - t0;
		if (r->marker_ms < 0 && strstr(acc, o->marker))
			r->marker_ms = now_ms() - t0;
	}
	if (copy)
		fclose(copy);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct result r = { 0 };
	struct rusage ru;
	double t0;
	int rd, st = 0;
	pid_t pid;

	if (parse_opts(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: svbench [--marker S] [--start-marker S] "
				"[--idle-rss MS --guest-mib N] [--timeout-ms MS] "
				"[--console FILE] [--exit-only] -- CMD...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	pid = spawn(o.argv, o.exit_only, &rd, &t0);
	if (pid < 0) {
		perror("svbench: spawn");
		return 1;
	}
	r.first_byte_ms = r.marker_ms = r.start_ms = -1;
	if (rd >= 0)
		watch(&o, rd, t0, pid, &r);
	if (wait4(pid, &st, 0, &ru) < 0)
		return 1;
	r.exit_ms = now_ms() - t0;
	r.maxrss_kib = ru.ru_maxrss;
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("{\"start_ms\":%.3f,\"first_byte_ms\":%.3f,\"marker_ms\":%.3f,\"exit_ms\":%.3f,"
	       "\"maxrss_kib\":%ld,\"guest_rss_kib\":%ld,\"own_rss_kib\":%ld,"
	       "\"status\":%d,\"timed_out\":%s}\n",
	       r.start_ms, r.first_byte_ms, r.marker_ms, r.exit_ms, r.maxrss_kib,
	       r.guest_rss_kib, r.own_rss_kib, r.status,
	       r.timed_out ? "true" : "false");
	return r.timed_out ? 1 : 0;
}
