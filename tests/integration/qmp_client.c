// SPDX-License-Identifier: MIT
/*
 * qmp_client: a small QMP test client. Connects to a unix socket (or
 * tcp:HOST:PORT), prints the greeting, sends each command and prints every
 * line that arrives until that command's reply (events included), then
 * optionally waits for more events. Lines are printed without their CRLF;
 * a server line that does not end in CRLF is an error (exit 4).
 *
 *   qmp_client [options] SOCKET [CMD...]
 *     CMD        a JSON text, or a bare name meaning {"execute":"NAME"};
 *                "raw:TEXT" sends TEXT as is (C escapes \n \r \t \\ \xHH)
 *                and expects one reply line, "noreply:TEXT" expects none
 *     -s FILE    read more commands from FILE, one a line ("-": stdin)
 *     -t SEC     timeout for each reply and for connecting (default 5)
 *     -N         negotiate first (send qmp_capabilities, print its reply)
 *     -b         send each command one byte at a time
 *     -f PATH    pass an fd of PATH (opened read-write) with SCM_RIGHTS
 *                along with the first command
 *     -e N       after the commands, wait for N more event lines
 *     -w MS      after the commands, print whatever arrives for MS ms
 *     -x         expect the server to close the connection at the end
 *                (exit 0 only if it does within the timeout)
 *     -q         do not print the greeting
 *
 * Exit: 0 ok, 1 usage/connect error, 3 timeout, 4 protocol error, 5 the
 * server closed the connection unexpectedly.
 *
 * Build: gcc -O2 -Wall -o build/tests/qmp_client tests/integration/qmp_client.c
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES (4u << 20)

static int timeout_ms = 5000;
static bool byte_mode;
static int pass_fd = -1;
static char *rbuf;
static size_t rlen;
static int status;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_to(const char *addr)
{
	long long end = now_ms() + timeout_ms;
	int fd;

	for (;;) {
		if (!strncmp(addr, "tcp:", 4)) {
			char host[256];
			const char *colon = strrchr(addr + 4, ':');
			struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
			struct addrinfo *ai;

			if (!colon || (size_t)(colon - addr - 4) >= sizeof(host))
				return -EINVAL;
			memcpy(host, addr + 4, (size_t)(colon - addr - 4));
			host[colon - addr - 4] = '\0';
			if (getaddrinfo(host, colon + 1, &hints, &ai))
				return -EINVAL;
			fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
				freeaddrinfo(ai);
				return fd;
			}
			freeaddrinfo(ai);
		} else {
			struct sockaddr_un sa = { .sun_family = AF_UNIX };

			if (strlen(addr) >= sizeof(sa.sun_path))
				return -ENAMETOOLONG;
			strcpy(sa.sun_path, addr);
			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 &&
			    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				return fd;
		}
		if (fd >= 0)
			close(fd);
		if (now_ms() >= end)
			return -ETIMEDOUT;
		usleep(50 * 1000);	/* the VMM may still be starting */
	}
}

/*
 * Next complete line into *line (NUL-terminated, CRLF removed). Returns 1,
 * 0 on timeout, -1 on EOF/error.
 */
static int read_line(int fd, char **line, int wait_ms)
{
	long long end = now_ms() + wait_ms;

	for (;;) {
		char *nl = rlen ? memchr(rbuf, '\n', rlen) : NULL;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left;
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - rbuf);

			*line = strndup(rbuf, len);
			if (len == 0 || rbuf[len - 1] != '\r') {
				fprintf(stderr, "qmp_client: line without CRLF\n");
				status = 4;
			} else {
				(*line)[len - 1] = '\0';
			}
			memmove(rbuf, nl + 1, rlen - len - 1);
			rlen -= len + 1;
			return 1;
		}
		left = end - now_ms();
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (rlen == LINE_MAX_BYTES) {
			fprintf(stderr, "qmp_client: line too long\n");
			return -1;
		}
		n = read(fd, rbuf + rlen, LINE_MAX_BYTES - rlen);
		if (n <= 0)
			return -1;
		rlen += (size_t)n;
	}
}

static int send_bytes(int fd, const char *p, size_t len)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	size_t step = byte_mode ? 1 : len;

	while (len) {
		struct iovec iov = { .iov_base = (void *)(uintptr_t)p,
				     .iov_len = step < len ? step : len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (pass_fd >= 0) {
			struct cmsghdr *cm;

			memset(ctl, 0, sizeof(ctl));
			mh.msg_control = ctl;
			mh.msg_controllen = sizeof(ctl);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (pass_fd >= 0) {
			close(pass_fd);
			pass_fd = -1;
		}
		p += n;
		len -= (size_t)n;
		if (byte_mode)
			usleep(1000);
	}
	return 0;
}

/* Decode C escapes of raw: commands in place; returns the length. */
static size_t unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (*p != '\\' || !p[1]) {
			*o++ = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'x': {
			char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };

			*o++ = (char)strtol(hex, NULL, 16);
			p += strlen(hex);
			break;
		}
		default: *o++ = *p; break;
		}
	}
	return (size_t)(o - s);
}

static bool is_event(const char *line)
{
	return !strncmp(line, "{\"event\"", 8);
}

/* Print lines until a non-event line (the reply). */
static int wait_reply(int fd)
{
	char *line;
	int r;

	for (;;) {
		r = read_line(fd, &line, timeout_ms);
		if (r == 0) {
			fprintf(stderr, "qmp_client: timeout waiting for a reply\n");
			return 3;
		}
		if (r < 0) {
			fprintf(stderr, "qmp_client: connection closed\n");
			return 5;
		}
		printf("%s\n", line);
		fflush(stdout);
		r = is_event(line);
		free(line);
		if (!r)
			return 0;
	}
}

static int run_cmd(int fd, const char *cmd)
{
	char *text;
	size_t len;
	bool reply = true;
	int ret;

	if (!strncmp(cmd, "raw:", 4) || !strncmp(cmd, "noreply:", 8)) {
		reply = cmd[0] == 'r';
		text = strdup(strchr(cmd, ':') + 1);
		len = unescape(text);
	} else if (cmd[0] == '{' || cmd[0] == '[' || cmd[0] == ' ') {
		text = strdup(cmd);
		len = strlen(text);
	} else {
		if (asprintf(&text, "{\"execute\":\"%s\"}", cmd) < 0)
			return 1;
		len = strlen(text);
	}
	ret = send_bytes(fd, text, len);
	free(text);
	if (ret < 0) {
		fprintf(stderr, "qmp_client: %s (send: %s)\n",
			errno == EPIPE || errno == ECONNRESET ?
			"connection closed" : "send failed", strerror(errno));
		return 5;
	}
	return reply ? wait_reply(fd) : 0;
}

static int run_script(int fd, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "qmp_client: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (!ret && (n = getline(&line, &cap, f)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n && line[0] != '#')
			ret = run_cmd(fd, line);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* After the commands: N events and/or a linger time, or expect EOF. */
static int tail(int fd, int events, int linger_ms, bool expect_eof)
{
	long long end = now_ms() +
		       (events || expect_eof ? timeout_ms : linger_ms);
	char *line;
	int r;

	while (events > 0 || linger_ms > 0 || expect_eof) {
		long long left = end - now_ms();

		r = read_line(fd, &line, left > 0 ? (int)left : 0);
		if (r > 0) {
			printf("%s\n", line);
			fflush(stdout);
			if (is_event(line))
				events--;
			free(line);
			continue;
		}
		if (r < 0)
			return expect_eof ? 0 : 5;
		if (events > 0 || expect_eof) {
			fprintf(stderr, "qmp_client: timeout waiting for %s\n",
				events > 0 ? "events" : "the server to close");
			return 3;
		}
		return 0;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: qmp_client [-t SEC] [-N] [-b] [-q] [-x] "
		"[-f PATH] [-s FILE] [-e N] [-w MS] SOCKET [CMD...]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *script = NULL;
	bool negotiate = false, quiet = false, expect_eof = false;
	int events = 0, linger = 0, opt, fd, ret = 0;
	char *line;

	while ((opt = getopt(argc, argv, "t:Nbqxf:s:e:w:")) != -1) {
		switch (opt) {
		case 't': timeout_ms = (int)(atof(optarg) * 1000); break;
		case 'N': negotiate = true; break;
		case 'b': byte_mode = true; break;
		case 'q': quiet = true; break;
		case 'x': expect_eof = true; break;
		case 'f':
			pass_fd = open(optarg, O_RDWR | O_CLOEXEC);
			if (pass_fd < 0) {
				perror(optarg);
				return 1;
			}
			break;
		case 's': script = optarg; break;
		case 'e': events = atoi(optarg); break;
		case 'w': linger = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	rbuf = malloc(LINE_MAX_BYTES);
	fd = connect_to(argv[optind]);
	if (!rbuf || fd < 0) {
		fprintf(stderr, "qmp_client: connect %s: %s\n", argv[optind],
			strerror(-fd));
		return 1;
	}
	if (read_line(fd, &line, timeout_ms) <= 0) {
		fprintf(stderr, "qmp_client: no greeting\n");
		return 3;
	}
	if (!quiet)
		printf("%s\n", line);
	free(line);
	if (negotiate)
		ret = run_cmd(fd, "qmp_capabilities");
	for (int i = optind + 1; !ret && i < argc; i++)
		ret = run_cmd(fd, argv[i]);
	if (!ret && script)
		ret = run_script(fd, script);
	if (!ret)
		ret = tail(fd, events, linger, expect_eof);
	close(fd);
	free(rbuf);
	return ret ? ret : status;
}
